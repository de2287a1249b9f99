#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# lint-timeouts.sh [FILE...]: every process a test starts that could hang
# has a time limit, so a hang is a failure, not a stuck suite (issue 19).
# Default files: tests/*.sh and tests/doubles/*.sh.
#
# A test body is bounded by tests/lib.sh (TEST_BODY_TIMEOUT), but only
# while it runs.  So, textually:
#  1. a background job (cmd &), wherever it is, runs under timeout(1) or
#     with_timeout in the same command, or says how it is bounded with a
#     "# bounded: REASON" comment on its line or the line above (a server
#     stopped by an at_exit cleanup, a child killed by the same body);
#  2. outside test bodies (set-up code, helpers), a server or watcher
#     start (etcd, prometheus, alertmanager, chromium, openssl s_server,
#     a listener, 'manifests watch', 'agent exec') runs under a timeout
#     or carries the same comment.
# Comments, quoted strings, $((...)) and here-doc bodies do not count.
# Prints "FILE:LINE: WHAT: TEXT" per finding; exit 1 when there is one.
if [ $# -eq 0 ]; then
	top=$(cd "$(dirname "$0")/.." && pwd)
	set -- "$top"/tests/*.sh "$top"/tests/doubles/*.sh
fi
exec perl -e '
use strict;
use warnings;

my $server = qr~
	\bmanifests\s+watch\b | \bagent\s+exec\b | (?<![/\w.-])chromium\b(?![/.-]) |
	(?<![/\w.-])alertmanager\b(?![/.-]) | \$AM\b | (?<![/\w.-])prometheus\b(?![/.-]) | \$ETCD_BIN\b | (?:^\s*|[;&|({]\s*|\bexec\s+|\bin_ns\s+\S+\s+)etcd\s+-- |
	\bs_server\b | http\.server | \bnc\s+-l | \bsocat\b | \$PG\b
~x;
my $bad = 0;

# the code of one line: no comment, no quoted text, no arithmetic
sub code {
	my ($x) = @_;
	$x =~ s/"\$(\{?\w+\}?)"/\$$1/g;		# "$VAR" is the word $VAR
	$x =~ s/\x27\\\x27\x27|\x27"\x27"\x27//g;	# a quote inside a body
	$x =~ s/\\[&"\x27]/_/g;			# an escaped & or quote is a letter
	$x =~ s/"(?:[^"\\]|\\.)*"/S/g;
	$x =~ s/\x27[^\x27]*\x27/S/g;
	$x =~ s/\x27//g;			# a body opening or closing here
	$x =~ s/"[^"]*$//;			# a string going on to the next line
	1 while $x =~ s/\$\(\([^()]*(?:\([^()]*\)[^()]*)*\)\)/0/g;
	$x =~ s/(?:^|\s)#.*//;
	$x =~ s/\bcommand\s+-v\s+\S+|\bhas_cmd\s+\S+//g;
	$x =~ s/\[\[?\s[^]]*\]\]?//g;		# a test: [ -x $ETCD_BIN ]
	return $x;
}

for my $f (@ARGV) {
	open(my $fh, "<", $f) or die "lint-timeouts: cannot read \x27$f\x27: $!\n";
	my @all = <$fh>;
	close $fh;
	chomp @all;
	my (@heredoc, @codes);
	my $body = 0;
	for my $i (0 .. $#all) {
		my $x = $all[$i];
		push @codes, "";
		if (@heredoc) {
			my ($delim, $tabs) = @{$heredoc[0]};
			(my $y = $x) =~ s/^\t+// if $tabs;
			$y = $x unless $tabs;
			shift @heredoc if $y eq $delim;
			next;
		}
		next if $x =~ /^\s*#/;
		if (!$body && $x =~ /^\s*test_expect_success\s.*\s\x27$/) {
			$body = 1;
			next;
		}
		if ($body && $x =~ /^\s*\x27\s*$/) {
			$body = 0;
			next;
		}
		my $c = code($x);
		while ($x =~ /(?<!<)<<(-?)\s*(?:\x27([^\x27]*)\x27|"([^"]*)"|\\?([\w.-]+))/g) {
			push @heredoc, [$2 // $3 // $4, $1 eq "-"];
		}
		$codes[$i] = $c;
		# the whole command: continued lines, and back to an open ( or {
		my $s = $i;
		$s-- while $s > 0 && $codes[$s - 1] =~ /\\\s*$/;
		my $stmt = join(" ", @codes[$s .. $i]);
		my $depth = () = $stmt =~ /[)}]/g;
		$depth -= () = $stmt =~ /[({]/g;
		while ($depth > 0 && $s > 0) {
			$s--;
			$stmt = "$codes[$s] $stmt";
			$depth += () = $codes[$s] =~ /[({]/g;
			$depth -= () = $codes[$s] =~ /[)}]/g;
		}
		my $raw = join("\n", @all[($s > 0 ? $s - 1 : 0) .. $i]);
		my $ok = $stmt =~ /\b(?:with_)?timeout\b/ || $raw =~ /#\s*bounded:\s*\S/;
		(my $bg = $c) =~ s/&&|\|&|[<>]&|&>|\/&|&\///g;
		my $what;
		if ($bg =~ /&/) {
			$what = "background job without a timeout";
		} elsif (!$body && $c =~ $server) {
			$what = "server started without a timeout";
		}
		next if !$what || $ok;
		(my $show = $x) =~ s/^\s+//;
		print "$f:", $i + 1, ": $what: $show\n";
		$bad++;
	}
}
exit($bad ? 1 : 0);
' "$@"
