#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# make-examples.sh NAME DEST: build the example node examples/nodes/NAME at
# DEST with the modes and owners real nodes have.  Git cannot store modes
# like 0600 or 0777 or symlink-heavy trees faithfully, so each example has a
# NAME.modes file: lines "MODE PATH" (octal mode, path relative to the node
# root) and "LINK TARGET PATH" for symlinks.  Lines starting with # are comments.
set -eu
name=$1 dest=$2
top=$(cd "$(dirname "$0")/.." && pwd)
src=$top/examples/nodes/$name
[ -d "$src" ] || { echo "make-examples: no example node '$name'" >&2; exit 2; }
rm -rf "$dest"
mkdir -p "$dest"
cp -R "$src"/. "$dest"/
find "$dest" -name .keep -delete
if [ -f "$src.modes" ]; then
	while read -r a b c; do
		case $a in ''|'#'*) continue ;; esac
		if [ "$a" = LINK ]; then
			mkdir -p "$(dirname "$dest/$c")"
			rm -f "$dest/$c"
			ln -s "$b" "$dest/$c"
		else
			chmod "$a" "$dest/$b"
		fi
	done <"$src.modes"
fi
# NAME.setup, when present, finishes the node with k3sguard itself (for
# state only k3sguard can write, such as its secret store); it is skipped
# when no k3sguard binary has been built yet.
if [ -f "$src.setup" ]; then
	K3SGUARD=${K3SGUARD:-$top/build/k3sguard}
	if [ -x "$K3SGUARD" ]; then
		K3SGUARD=$K3SGUARD sh "$src.setup" "$dest"
	fi
fi
echo "$dest"
