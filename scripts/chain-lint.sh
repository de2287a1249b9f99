#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# chain-lint.sh -       : check one test body read from stdin (tests/lib.sh
#                         runs it on every body before running the body)
# chain-lint.sh FILE... : check the single-quoted bodies of test_expect_success
#                         in test files without running them (make lint)
#
# A body runs under set -e, but a command that fails before && never stops
# it: "test 1 -eq 2 && echo x" then "true" on the next line passes.  So
# every command line of a body that is not its last must end with &&, ||,
# |, & (a background start), \, {, (, then, do, else, in, ;; (or be a case
# pattern), unless the next command line closes a block (}, ), fi, done,
# esac, else, elif, then, do, ;;); and a background job (cmd &) never
# follows a line ending with && (that would put the whole chain in the
# background: write { cmd & } &&).  Comments, blank lines, here-doc bodies
# and the lines of a multi-line quoted string do not count.  Prints
# "[FILE:]LINE: broken && chain: TEXT" per break; exit 1 when there is one.
#
# Textual, not git's "(exit 117) && BODY" sentinel: that one also flags a
# chained "cmd || : &&" (the || runs after the sentinel fails), a common
# and correct idiom here.
exec perl -e '
use strict;
use warnings;

my $bad = 0;

# One body: list of [line number, text].  Returns the breaks found.
sub lint {
	my ($where, @lines) = @_;
	my (@heredoc, $q, @cmd);
	my $case = 0;
	for my $l (@lines) {
		my ($n, $x) = @$l;
		if (@heredoc) {
			my ($delim, $tabs) = @{$heredoc[0]};
			(my $y = $x) =~ s/^\t+// if $tabs;
			$y = $x unless $tabs;
			shift @heredoc if $y eq $delim;
			next;
		}
		my $code = "";
		my $i = 0;
		while ($i < length $x) {
			my $c = substr($x, $i, 1);
			if (defined $q) {
				if ($c eq "\\" && $q eq "\"") { $i += 2; next; }
				if ($c eq $q) { undef $q; $code .= "Q"; }
				$i++;
				next;
			}
			if ($c eq "\\") {
				$code .= $i + 1 < length $x ? "x" : "\\";
				$i += 2;
				next;
			}
			if ($c eq "\x27" || $c eq "\"") { $q = $c; $i++; next; }
			if ($c eq "#" && ($i == 0 || substr($x, $i - 1, 1) =~ /[\s;&|(]/)) { last; }
			if (substr($x, $i) =~ /^<<(-?)\s*(?:\x27([^\x27]*)\x27|"([^"]*)"|\\?([\w.-]+))/) {
				push @heredoc, [$2 // $3 // $4, $1 eq "-"];
				$code .= "<<H";
				$i += length $&;
				next;
			}
			$code .= $c;
			$i++;
		}
		# a line that ends inside a quoted string continues on the next
		next if defined $q;
		$code =~ s/^\s+|\s+$//g;
		next if $code eq "";
		if (@cmd && $cmd[-1][2] =~ s/\\$//) {	# a continued line
			$cmd[-1][2] .= " $code";
			next;
		}
		push @cmd, [$n, $x, $code];
	}
	my @breaks;
	# "a &&" then "b &" puts a AND b in the background: a failing a is
	# lost, its variables too.  Write "{ b & } &&" to keep the chain.
	for my $k (1 .. $#cmd) {
		(my $c = $cmd[$k][2]) =~ s/&&|[<>]&|&>//g;
		1 while $c =~ s/\{[^{}]*\}|\([^()]*\)//g;	# & inside a group is its own
		next unless $c =~ /&/ && $cmd[$k - 1][2] =~ /(?:&&|\|\||\|)$/;
		(my $show = $cmd[$k][1]) =~ s/^\s+//;
		push @breaks, "$where$cmd[$k][0]: a background job ends the && chain above it (write { cmd & } &&): $show";
	}
	for my $k (0 .. $#cmd - 1) {
		my ($n, $x, $code) = @{$cmd[$k]};
		my $next = $cmd[$k + 1][2];
		$case++ while $code =~ /(?:^|[;\s])case\s.*\sin$/g;
		$case-- if $code =~ /^esac\b/ && $case > 0;
		next if $code =~ /(?:&&|\|\||\||&|\\|\{|\(|;;|;&)$/;
		next if $code =~ /(?:^|[\s;])(?:then|do|else|in)$/;
		next if $case && $code =~ /^[^()]*\)$/;	# a case pattern
		next if $next =~ /^(?:\}|\)|fi\b|done\b|esac\b|else\b|elif\b|then\b|do\b|;;)/;
		(my $show = $x) =~ s/^\s+//;
		push @breaks, "$where$n: broken && chain: $show";
	}
	return @breaks;
}

if ($ARGV[0] eq "-") {
	my @l;
	my $n = 0;
	while (my $x = <STDIN>) { chomp $x; push @l, [++$n, $x]; }
	my @b = lint("", @l);
	print "$_\n" for @b;
	exit(@b ? 1 : 0);
}
for my $f (@ARGV) {
	open(my $fh, "<", $f) or die "chain-lint: cannot read \x27$f\x27: $!\n";
	my @all = <$fh>;
	close $fh;
	chomp @all;
	my ($in, @body);
	for my $i (0 .. $#all) {
		my $x = $all[$i];
		if (!$in) {
			# test_expect_success TITLE \x27 (the body opens at the end of the line)
			$in = 1, @body = () if $x =~ /^\s*test_expect_success\s.*\s\x27$/;
			next;
		}
		if ($x =~ /^\s*\x27\s*$/) {
			my @b = lint("$f:", @body);
			print "$_\n" for @b;
			$bad += @b;
			$in = 0;
			next;
		}
		# the body as the shell gives it: \x27\\\x27\x27 and \x27"\x27"\x27 are one quote
		$x =~ s/\x27\\\x27\x27|\x27"\x27"\x27/\x27/g;
		push @body, [$i + 1, $x];
	}
}
exit($bad ? 1 : 0);
' "$@"
