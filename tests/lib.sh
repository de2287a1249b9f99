# SPDX-License-Identifier: Apache-2.0
# tests/lib.sh: sourced by every tests/tNNNN-*.sh.  TAP output, git-style:
#   test_expect_success 'title' 'shell body'    body runs in a subshell with set -e
#   test_skip 'title' 'reason'                  counted as skipped, never as a pass
#   test_done
# Helpers for bodies: expect_code N cmd..., node_root NAME [example],
# with_timeout SECONDS cmd..., k3sguard ...
# Every test file gets a private $TMP, removed on exit (trap), plus any
# cleanup registered with at_exit 'cmd'.
# A test file runs alone from any directory (bash /path/to/tests/tNNNN-x.sh):
# TOP is found from this file's own path, never from the caller's directory.

set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)
: "${B:=$TOP/build}"
case $B in /*) ;; *) B=$TOP/$B ;; esac
: "${K3SGUARD:=$B/k3sguard}"
export TOP B K3SGUARD
TMP=$(mktemp -d "${TMPDIR:-/tmp}/k3sguard-test.XXXXXX")
export TMP
test_count=0
test_failed=0
# Cleanups go to a file, not a variable: test bodies run in subshells, and
# a server a body starts must still be stopped when the file exits.
_cleanups=$TMP/.cleanups
: >"$_cleanups"

at_exit() { printf '%s\n' "$1" >>"$_cleanups"; }
# A cleanup that fails (also under a caller's set -e, e.g. bench/*.sh) must
# not stop the ones after it nor keep $TMP.
_run_cleanups() {
	[ -f "$_cleanups" ] && tac "$_cleanups" | while IFS= read -r c; do
		[ -z "$c" ] || eval "$c" >/dev/null 2>&1 || true
	done || true
	rm -rf "$TMP"
}
trap _run_cleanups EXIT
trap 'exit 130' INT TERM

k3sguard() { "$K3SGUARD" "$@"; }

# The chain-lint: a body runs under set -e, but a command that fails before
# && never stops it ("test 1 -eq 2 && echo x" then "true" passes).  So each
# body is checked before it runs: every command line but the last ends with
# && (or ||, |, a block opener, ...): scripts/chain-lint.sh says the rule.
# A broken chain is a failed test.  K3SGUARD_CHAIN_LINT=0 turns it off.
_chain_lint() {
	[ "${K3SGUARD_CHAIN_LINT:-1}" = 0 ] && return 0
	printf '%s\n' "$1" | sh "$TOP/scripts/chain-lint.sh" -
}

# Every body runs with a time limit (TEST_BODY_TIMEOUT seconds; default
# half of tests/run.sh's TEST_TIMEOUT per file, so 300, or 900 under make
# sanitize): a body that hangs (a server that never answers, a watcher
# that never reports, a read that never ends) is stopped with everything
# it started and fails, naming the limit, and the file goes on.  The body
# runs in the background (its stdin is /dev/null, as under tests/run.sh);
# a watchdog polls it once a second.
_body_limit=${TEST_BODY_TIMEOUT:-$(( ${TEST_TIMEOUT:-600} / 2 ))}

# _kill_tree SIG PID: PID and every process below it, children first
_kill_tree() {
	for _kc in $(pgrep -P "$2" 2>/dev/null); do
		_kill_tree "$1" "$_kc"
	done
	kill "-$1" "$2" 2>/dev/null
}

_run_body() {
	# appended to by both, so neither overwrites the other's lines
	: >"$TMP/.out"
	# bounded: by the watchdog below
	( set -e; eval "$1" ) >>"$TMP/.out" 2>&1 &
	_bp=$!
	# bounded: the watchdog ends with the body, or after the limit
	(
		_i=0
		while [ "$_i" -lt "$_body_limit" ]; do
			sleep 1
			kill -0 "$_bp" 2>/dev/null || exit 0
			_i=$((_i + 1))
		done
		echo "timed out: the body ran longer than ${_body_limit}s (TEST_BODY_TIMEOUT); stopped" >>"$TMP/.out"
		_kill_tree TERM "$_bp"
		sleep 5
		_kill_tree KILL "$_bp"
	) </dev/null >/dev/null 2>&1 &
	_wd=$!
	wait "$_bp"
	_brc=$?
	# KILL, not TERM: a subshell just forked may still run this shell's
	# TERM trap (exit 130), whose EXIT trap would remove $TMP
	kill -KILL "$_wd" 2>/dev/null
	wait "$_wd" 2>/dev/null
	return $_brc
}

test_expect_success() {
	test_count=$((test_count + 1))
	if ! _chain_lint "$2" >"$TMP/.out" 2>&1; then
		echo "not ok $test_count - $1"
		sed 's/^/#   body line /' "$TMP/.out"
		test_failed=$((test_failed + 1))
		return 0
	fi
	_run_body "$2"
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "ok $test_count - $1"
	else
		echo "not ok $test_count - $1"
		sed 's/^/#   /' "$TMP/.out" | tail -n 30
		test_failed=$((test_failed + 1))
	fi
}

test_skip() {
	test_count=$((test_count + 1))
	echo "ok $test_count - $1 # SKIP $2"
}

test_done() {
	echo "1..$test_count"
	[ "$test_failed" -eq 0 ]
	exit $?
}

# expect_code N cmd args...: run cmd, fail unless it exits with N.
expect_code() {
	want=$1; shift
	# && ||: no set +e/-e, which would leak into the caller's shell
	"$@" && got=0 || got=$?
	if [ "$got" -ne "$want" ]; then
		echo "expected exit $want, got $got: $*" >&2
		return 1
	fi
}

# one_line FILE: the file holds exactly one line (our error message rule).
one_line() {
	n=$(wc -l <"$1")
	[ "$n" -eq 1 ] || { echo "expected one line in $1, got $n:" >&2; cat "$1" >&2; return 1; }
}

# node_root NAME [EXAMPLE]: a fresh copy of examples/nodes/EXAMPLE (default
# default-server) at $TMP/NAME with the modes the example describes.
node_root() {
	dst=$TMP/$1
	rm -rf "$dst"
	sh "$TOP/scripts/make-examples.sh" "${2:-default-server}" "$dst" >/dev/null
	echo "$dst"
}

# command_paths: every command path of the binary from its --help texts:
# commands, their verbs, the verbs' verbs, one a line ("etcd snapshot save")
command_paths() {
	local c v w
	for c in $(k3sguard --help | sed -n '/^commands:$/,/^$/s/^  \([a-z][a-z0-9-]*\) .*/\1/p'); do
		echo "$c"
		for v in $(k3sguard "$c" --help 2>/dev/null | sed -n '/^verbs:$/,/^$/s/^  \([a-z][a-z0-9-]*\) .*/\1/p'); do
			echo "$c $v"
			for w in $(k3sguard "$c" "$v" --help 2>/dev/null | sed -n '/^verbs:$/,/^$/s/^  \([a-z][a-z0-9-]*\) .*/\1/p'); do
				echo "$c $v $w"
			done
		done
	done
}

# has_cmd NAME: command exists
has_cmd() { command -v "$1" >/dev/null 2>&1; }

# with_timeout SECONDS cmd args...: run cmd, stopped (TERM, then KILL 5 s
# later) when it runs longer, so a hang is a failure (status 124, or 137
# when it had to be killed) with a message.  For anything that may hang:
# servers, watchers, clients of a server.  cmd is a program or k3sguard.
with_timeout() {
	_wt_s=$1; shift
	if [ "$1" = k3sguard ]; then
		shift
		set -- "$K3SGUARD" "$@"
	elif [ "$(type -t "$1")" = function ]; then
		echo "with_timeout: '$1' is a shell function (timeout runs programs)" >&2
		return 2
	fi
	timeout --kill-after=5 "$_wt_s" "$@" && _wt_rc=0 || _wt_rc=$?
	case $_wt_rc in
	124|137) echo "timed out after ${_wt_s}s: $*" >&2 ;;
	esac
	return $_wt_rc
}
