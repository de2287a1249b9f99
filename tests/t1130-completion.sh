#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t1130: one source for the command-line surface.  The bash, zsh and fish
# completions (contrib/) ask the binary: commands and verbs from --help,
# options from --help, formats from the command's own refusal (format_arg).
# Here, for every command path: the three offer the same options and
# formats; nothing offered is refused by the binary; every long option the
# source accepts (the longopts of src/cmd/<cmd>.c) is offered; and
# 'audit --format sarif', once offered and refused, is not.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1
mkdir bin && ln -s "$K3SGUARD" bin/k3sguard
export PATH="$TMP/bin:$PATH"
BASHC=$TOP/contrib/bash-completion/k3sguard
ZSHC=$TOP/contrib/zsh/_k3sguard
FISHC=$TOP/contrib/fish/k3sguard.fish

# offered_bash WORDS...: what bash completes after "k3sguard WORDS... <last>"
offered_bash() {
	bash -c '. "$1"; shift; COMP_WORDS=(k3sguard "$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_k3sguard; if ((${#COMPREPLY[@]})); then printf "%s\n" "${COMPREPLY[@]}"; fi' - "$BASHC" "$@" | sort -u
}

# zsh: compadd and _files stubbed to print the candidates (no prefix filter)
cat >zc.zsh <<'ZEOF'
compadd() { local a; if [[ $1 == -a ]]; then for a in ${(P)2}; do print -r -- $a; done; else print -rl -- "$@"; fi }
_files() { print -r -- _files }
src=$1; shift
words=(k3sguard "$@"); CURRENT=${#words}
source <(sed '$d' $src)
_k3sguard
ZEOF
offered_zsh() {
	local last=${!#}
	zsh zc.zsh "$ZSHC" "$@" | grep -- "^$last" | sort -u
}

offered_fish() {
	fish -c 'source $argv[1]; complete -C "k3sguard $argv[2]"' "$FISHC" "$*" | cut -f1 | sort -u
}


test_expect_success 'zsh and fish are here (scripts/deps test list)' '
	has_cmd zsh && has_cmd fish
'

test_expect_success 'bash, zsh and fish offer the same options and formats on every path' '
	command_paths >paths &&
	test "$(wc -l <paths)" -gt 20 &&
	while read -r p; do
		offered_bash $p -- >b.opts &&
		offered_zsh $p -- >z.opts &&
		offered_fish $p -- >f.opts &&
		test -s b.opts &&
		{ cmp -s b.opts z.opts || { echo "zsh differs on $p"; diff b.opts z.opts; exit 1; }; } &&
		{ cmp -s b.opts f.opts || { echo "fish differs on $p"; diff b.opts f.opts; exit 1; }; } &&
		sed "s/^/$p	/" b.opts >>all.opts &&
		if grep -qx -- --format b.opts; then
			offered_bash $p --format "" >b.fmt &&
			offered_zsh $p --format "" >z.fmt &&
			offered_fish $p --format "" >f.fmt &&
			test -s b.fmt && cmp b.fmt z.fmt && cmp b.fmt f.fmt &&
			sed "s/^/$p	/" b.fmt >>all.fmt || exit 1
		fi
	done <paths &&
	test -s all.fmt
'

test_expect_success 'nothing offered is refused: every option and format is accepted' '
	while IFS="	" read -r p o; do
		# getopt names an option it does not know "unrecognized"; --help
		# after it ends the run before the command acts
		{ k3sguard $p "$o=x" --help >/dev/null 2>err </dev/null || :; } &&
		if grep -q "unrecognized option .$o[=.]" err; then echo "$p offers $o, refused" >>refused; fi
	done <all.opts &&
	if test -s refused; then cat refused; false; fi &&
	while IFS="	" read -r p f; do
		{ k3sguard $p --format "$f" --help >/dev/null 2>err </dev/null || :; } &&
		if grep -q -- "--format: .$f. is not" err; then echo "$p offers --format $f, refused"; exit 1; fi
	done <all.fmt &&
	! grep -qx "audit	sarif" all.fmt &&
	{ k3sguard audit --format sarif --help >/dev/null 2>err || :; } &&
	grep -q -- "--format: .sarif. is not" err &&
	{ k3sguard audit --nosuch=x --help >/dev/null 2>err || :; } &&
	grep -q "unrecognized option .--nosuch[=.]" err &&
	grep -qx "scan	sarif" all.fmt &&
	grep -qx "audit	prom" all.fmt
'

test_expect_success 'every long option of a command source is offered on its path' '
	for f in "$TOP"/src/cmd/*.c; do
		name=$(basename "$f" .c) &&
		p=$(echo "$name" | tr - " ") &&
		if ! grep -qx "$p" paths; then continue; fi &&
		for o in $(sed -n "s/^[[:space:]]*{ \"\([a-z][a-z0-9-]*\)\", [a-z_]*argument,.*/\1/p" "$f"); do
			# --list-checks is hidden: it is for scripts/gen-audit-man.sh
			if [ "$o" = list-checks ]; then continue; fi &&
			# a command with verbs: its options belong to one of them
			grep -q "^$p\( [a-z-]*\)*	--$o\$" all.opts ||
				echo "$p accepts --$o, not offered" >>missing
		done
	done &&
	if test -s missing; then cat missing; false; fi
'

test_expect_success 'the man page synopses are the binary'"'"'s (scripts/gen-commands.sh --man)' '
	sh "$TOP/scripts/gen-commands.sh" --man "$K3SGUARD" >syn.roff &&
	cmp syn.roff "$TOP/man/05-synopsis.roff" &&
	cat "$TOP"/man/*.roff >page.roff &&
	cmp page.roff "$TOP/k3sguard.1" &&
	groff -man -Tutf8 -ww -z page.roff
'

test_expect_success 'every offered option and format is in the man synopsis of its path' '
	while IFS="	" read -r p o; do
		# the block of path p: from its .nf line to .fi
		sed "s/\\\\-/-/g" "$TOP/man/05-synopsis.roff" |
		awk -v p="\\&k3sguard $p " "index(\$0 \" \", p) == 1 { on = 1 } on { print } /^\\.fi/ { on = 0 }" >blk &&
		{ test -s blk || { echo "no synopsis for $p"; exit 1; }; } &&
		if [ "$o" = --help ]; then continue; fi &&
		grep -q -- "$o\([^a-z0-9-]\|$\)" blk || { echo "$p: $o not in the man page"; exit 1; }
	done <all.opts &&
	while IFS="	" read -r p f; do
		sed "s/\\\\-/-/g" "$TOP/man/05-synopsis.roff" |
		awk -v p="\\&k3sguard $p " "index(\$0 \" \", p) == 1 { on = 1 } on { print } /^\\.fi/ { on = 0 }" |
		grep "formats:" | grep -qw -- "$f" ||
			{ echo "$p: format $f not in the man page"; exit 1; }
	done <all.fmt
'

test_done
