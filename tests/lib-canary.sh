# SPDX-License-Identifier: Apache-2.0
# tests/lib-canary.sh: hostile node images (sourced after lib.sh by
# t4900 and t6900): links planted in a root, canaries outside it.

# plant KIND LINK TARGET: LINK becomes an absolute (abs) or relative,
# climbing (rel) symlink to TARGET, or a hard link (hard) to it.
plant() {
	rm -rf "$2" &&
	case $1 in
	abs) ln -s "$3" "$2" ;;
	rel) ln -s "$(realpath -m --relative-to="$(dirname "$2")" "$3")" "$2" ;;
	hard) ln "$3" "$2" ;;
	esac
}

# canary_state DIR: every canary's type, mode, owner, mtime, size and sha256.
canary_state() {
	(cd "$1" && find . -printf '%p %y %m %U %G %T@ %s\n' | sort &&
	    find . -type f -exec sha256sum {} + | sort)
}
