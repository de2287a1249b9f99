#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Generate the command table from the "k3sguard-command: VERB | SUMMARY" line
# that every src/cmd/<verb>.c carries in its opening comment.
set -eu
for f in "$@"; do
	line=$(grep -m1 'k3sguard-command:' "$f") || {
		echo "gen-commands: '$f' has no k3sguard-command: line" >&2; exit 1; }
	verb=$(printf '%s\n' "$line" | sed 's/.*k3sguard-command: *\([a-z][a-z0-9-]*\) *|.*/\1/')
	summary=$(printf '%s\n' "$line" | sed 's/.*| *\(.*[^ ]\) *\*\/.*/\1/; s/.*| *\(.*[^ ]\) *$/\1/')
	fn=$(printf '%s' "$verb" | tr '-' '_')
	printf 'COMMAND("%s", cmd_%s, "%s")\n' "$verb" "$fn" "$summary"
done | sort
