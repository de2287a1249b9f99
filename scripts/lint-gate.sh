#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# lint-gate.sh [--files] [TOP]: prove that src/core/gate.c is the only
# translation unit that opens, stats or changes a file by a node path.
#
# Rules, for every src/**/*.[ch] (comments and string literals ignored):
#  1. no call of a path-taking file function (open, stat, rename, mkdir,
#     opendir, fopen, realpath, ...; the list is $funcs below) outside
#     src/core/gate.c, src/core/file.c (local paths the user typed) and the
#     short $allow list below, where each entry names the functions it may
#     call and why;
#  2. no root_path() result reaches a path-taking function, gate.c and
#     file.c included: straight in an argument, or through a variable that
#     was assigned root_path(...) (or root_path_buf(&v, ...)) in the same
#     function.  root_path() makes paths to SHOW, never to open.
# "name(" is matched on a word boundary, so gate_open(), fstat(), fchmod(),
# x->open() are fine.  Prints "file:line: message" per violation; exit 1
# when there is one, 0 when none.
#
# --files prints the violating files, one a line.
set -eu
mode=check
if [ "${1:-}" = --files ]; then
	mode=files
	shift
fi
top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
[ -d "$top/src" ] || { echo "lint-gate: '$top/src' is not a directory" >&2; exit 2; }

exec perl -e '
use strict;
use warnings;
use File::Find;

my ($top, $mode) = @ARGV;

my @funcs = qw(open openat openat2 creat fopen freopen opendir stat lstat
    fstatat statx access faccessat chmod fchmodat chown lchown fchownat
    rename renameat renameat2 link linkat symlink symlinkat unlink unlinkat
    rmdir mkdir mkdirat mknod readlink readlinkat truncate realpath
    utimensat mkstemp mkdtemp nftw ftw scandir glob);
# local-path functions of file.c: a root_path() must never reach them
my @local = qw(file_read file_write_atomic mkdir_p path_lstat fsync_parent
    file_open file_opendir file_unlink file_open_dir file_open_parent
    file_rmdir file_rename file_mkdtemp);

# The permanent allowlist: file => [functions it may call, why].
my %allow = (
    "src/core/gate.c" => ["*", "the gate itself"],
    "src/core/file.c" => ["*", "local paths the user typed (scan DIR, --out FILE)"],
    "src/main.c" => [[qw(open)], "/dev/null on fds 0-2 at start"],
    "src/core/run.c" => [[qw(open stat)],
        "/dev/null for the child\x27s fds; stat of a host program that did not run, for its message"],
    "src/token/agent-unit.c" => [[qw(readlink)],
        "/proc/self/exe on the host: this program\x27s own path for a drop-in (never under --root)"],
    "src/manifests/manifests-watch.c" => [[qw(fchownat)],
        "fchownat(fd, \"\", AT_EMPTY_PATH) on a gate fd: the owner of a restored link, no path"],
    "src/nft/nft.c" => [[qw(stat access)],
        "finds the host\x27s nft program (run on the host, never from a node)"],
    "src/update/update-data.c" => [[qw(readlink stat access)],
        "finds our own install\x27s data files (/proc/self/exe, /usr/share/k3sguard)"],
);


# Comments and string/char literals blanked, newlines kept (line numbers).
sub strip {
	my ($s) = @_;
	$s =~ s{
	    (/\*.*?\*/) | (//[^\n]*) | ("(?:\\.|[^"\\\n])*") | (\x27(?:\\.|[^\x27\\\n])*\x27)
	}{
	    my $m = $&;
	    if (defined $1) { (my $k = $m) =~ s/[^\n]/ /g; $k }
	    elsif (defined $2) { "" }
	    elsif (defined $3) { "\"\"" }
	    else { "\x27\x27" }
	}gsex;
	return $s;
}

# The argument text of the call whose "(" is at $pos; undef when unbalanced.
sub args_at {
	my ($s, $pos) = @_;
	my $depth = 0;
	for (my $i = $pos; $i < length $s; $i++) {
		my $c = substr($s, $i, 1);
		$depth++ if $c eq "(";
		if ($c eq ")") {
			return substr($s, $pos + 1, $i - $pos - 1) if --$depth == 0;
		}
	}
	return undef;
}

# Top-level chunks (a function body with its head) as [offset, text].
sub chunks {
	my ($s) = @_;
	my @out;
	my ($depth, $start) = (0, 0);
	for (my $i = 0; $i < length $s; $i++) {
		my $c = substr($s, $i, 1);
		if ($c eq "{") {
			$depth++;
		} elsif ($c eq "}" && $depth > 0 && --$depth == 0) {
			push @out, [$start, substr($s, $start, $i + 1 - $start)];
			$start = $i + 1;
		}
	}
	push @out, [$start, substr($s, $start)];
	return @out;
}

my @files;
find({ no_chdir => 1, wanted => sub {
	push @files, $File::Find::name if /\.[ch]$/ && -f $_;
} }, "$top/src");

my $fre = join("|", @funcs);
my $lre = join("|", @funcs, @local);
my (@out, %bad);
for my $path (sort @files) {
	(my $rel = $path) =~ s{^\Q$top\E/}{};
	open(my $fh, "<", $path) or die "lint-gate: cannot read \x27$path\x27: $!\n";
	my $text = do { local $/; <$fh> };
	close $fh;
	my $s = strip($text);
	my $a = $allow{$rel};
	my %may;
	if ($a) {
		if (ref $a->[0]) { %may = map { $_ => 1 } @{$a->[0]} }
		else { %may = map { $_ => 1 } @funcs }
	}
	for my $ch (chunks($s)) {
		my ($off, $t) = @$ch;
		my %taint;
		while ($t =~ /([A-Za-z_]\w*)\s*=\s*(?:x?strn?dup\s*\(\s*)?root_path\s*\(/g) {
			$taint{$1} = qr/\b\Q$1\E\b/;
		}
		while ($t =~ /\broot_path_buf\s*\(\s*&\s*([A-Za-z_]\w*)/g) {
			$taint{"$1.s"} = qr/\b\Q$1\E\s*\.\s*s\b/;
		}
		while ($t =~ /(?<![\w.>])($lre)\s*\(/g) {
			my ($f, $at) = ($1, $-[0]);
			my $open = $+[0] - 1;
			my $line = 1 + (substr($s, 0, $off + $at) =~ tr/\n//);
			my $args = args_at($t, $open) // "";
			my $why;
			if ($args =~ /\broot_path\s*\(/) {
				$why = "root_path() passed to $f(): root_path() only makes paths to show; open node paths with gate_*()";
			} else {
				for my $v (sort keys %taint) {
					next unless $args =~ $taint{$v};
					$why = "\x27$v\x27 holds a root_path() and is passed to $f(): open node paths with gate_*()";
					last;
				}
			}
			if (!$why && !$may{$f} && grep { $_ eq $f } @funcs) {
				$why = "$f() by path outside the gate: use gate_*() for a node path, file.c for a local path";
			}
			next unless $why;
			$bad{$rel}++;
			push @out, "$rel:$line: $why";
		}
	}
}

if ($mode eq "files") {
	print "$_\n" for sort keys %bad;
	exit 0;
}
print "$_\n" for @out;
if (@out) {
	printf STDERR "lint-gate: %d violation(s): only src/core/gate.c may open, stat or change a node file\n",
	    scalar @out;
	exit 1;
}
exit 0;
' "$top" "$mode"
