#!/usr/bin/env bash
# Build build/linux: the pristine base as the first commit (tag "base"),
# then one commit per patch of patches/series, applied with git am --3way.
#
# Refuses to throw away commits or changes in build/linux that patches/
# does not hold, unless FORCE=1.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

. "$TOP/config/base.env"
tarball=$("$TOP/scripts/fetch-base.sh")
version=$(cat "$CACHE/base-version")

if [ -d "$TREE/.git" ] && [ "${FORCE:-0}" != 1 ]; then
	if ! "$TOP/scripts/export-check.sh" >&2; then
		die "build/linux holds work that patches/ lacks (see above): run 'make export' and commit it, or 'make tree FORCE=1' to discard it"
	fi
fi

if [ -d "$TREE/.git" ] &&
   [ "$(ktree_git config --get nsx.baseversion 2>/dev/null)" = "$version" ] &&
   ktree_git rev-parse -q --verify refs/tags/base >/dev/null; then
	say "resetting build/linux to base ($version)"
	ktree_git am --abort >/dev/null 2>&1 || true
	ktree_git checkout -q -f -B nsx base
	ktree_git clean -q -f -d -x
else
	say "importing base $version into build/linux"
	rm -rf "$TREE" "$TREE.tmp"
	mkdir -p "$TREE.tmp"
	tar -xf "$tarball" -C "$TREE.tmp"
	mv "$TREE.tmp/$(ls "$TREE.tmp")" "$TREE"
	rmdir "$TREE.tmp"
	ktree_git init -q -b nsx
	ktree_git config gc.auto 0
	ktree_git config core.untrackedCache true
	ktree_git config nsx.baseversion "$version"
	# Debian's top-level .gitignore ignores every top-level entry: add
	# with -f, or nothing is added at all.
	ktree_git add -f -A
	# A fixed date makes the base commit the same object on every machine.
	GIT_AUTHOR_DATE="2000-01-01T00:00:00Z" GIT_COMMITTER_DATE="2000-01-01T00:00:00Z" \
	GIT_AUTHOR_NAME="Debian $BASE_PACKAGE" GIT_AUTHOR_EMAIL="nobody@debian.org" \
	GIT_COMMITTER_NAME="Debian $BASE_PACKAGE" GIT_COMMITTER_EMAIL="nobody@debian.org" \
		ktree_git commit -q -m "Base: Debian $BASE_PACKAGE $version" \
		-m "The unpacked /usr/src/$BASE_PACKAGE.tar.xz, unchanged."
	ktree_git tag base
fi

n=0
while read -r p; do
	case $p in ''|'#'*) continue ;; esac
	[ -f "$TOP/patches/$p" ] || die "patches/series names $p, which does not exist"
	if ! ktree_git am -q --3way "$TOP/patches/$p"; then
		ktree_git am --abort >/dev/null 2>&1 || true
		die "patches/$p does not apply to $version"
	fi
	n=$((n + 1))
done < <(cat "$TOP/patches/series" 2>/dev/null || true)
say "build/linux: base $version + $n patches"
