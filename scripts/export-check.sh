#!/usr/bin/env bash
# Exit non-zero, saying what differs, when build/linux holds commits or
# changes that patches/ lacks. A missing build/linux has nothing to lose.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

[ -d "$TREE/.git" ] || exit 0
rc=0

# --ignored as well: Debian's .gitignore hides every new top-level file.
dirty=$(ktree_git status --porcelain --ignored | head -n 20)
if [ -n "$dirty" ]; then
	say "build/linux has changes that are not committed:"
	printf '%s\n' "$dirty" >&2
	rc=1
fi

if ktree_git rev-parse -q --verify refs/tags/base >/dev/null; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	"$TOP/scripts/export.sh" "$tmp" 2>/dev/null
	mkdir -p "$tmp/cur"
	cp "$TOP"/patches/*.patch "$TOP/patches/series" "$tmp/cur/" 2>/dev/null || true
	: >>"$tmp/cur/series"
	if ! d=$(diff -r -q -x cur "$tmp" "$tmp/cur" 2>&1 | sed "s|$tmp/cur|patches|g; s|$tmp|build/linux|g"); then
		say "build/linux and patches/ differ ('make export' writes the tree's commits):"
		printf '%s\n' "$d" >&2
		rc=1
	fi
fi
exit $rc
