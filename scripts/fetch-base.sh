#!/usr/bin/env bash
# Obtain the base kernel source tarball, verified, into build/cache/.
#
# Prints the path of the tarball on stdout. The pinned version from
# config/base.env is preferred and its SHA256 sums are checked. When the
# archive no longer carries it (Debian's security archive keeps only a few
# 6.12 versions), the newest 6.12 apt offers is taken instead, loudly.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
. "$TOP/config/base.env"

mkdir -p "$CACHE"
chmod 0755 "$CACHE"
tar="$CACHE/$BASE_PACKAGE.tar.xz"
stamp="$CACHE/base-version"

# A cached tarball is reused when it is the pinned version, or when it is
# an unpinned fallback and the pinned version is still unavailable.
if [ -f "$tar" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$BASE_VERSION" ]; then
	printf '%s\n' "$tar"
	exit 0
fi

version=$BASE_VERSION
deb="$CACHE/${BASE_PACKAGE}_${version//:/%3a}_all.deb"
if [ ! -f "$deb" ]; then
	say "downloading $BASE_PACKAGE=$version"
	# apt drops privileges to _apt; let it write the cache.
	(cd "$CACHE" && apt-get download -q "$BASE_PACKAGE=$version") >&2 2>&1 ||
		(apt-get update -q >/dev/null 2>&1 &&
		 cd "$CACHE" && apt-get download -q "$BASE_PACKAGE=$version") >&2 2>&1 ||
		true
fi

pinned=1
if [ ! -f "$deb" ]; then
	pinned=0
	version=$(apt-cache madison "$BASE_PACKAGE" | awk '{print $3}' |
		  sort -V | tail -n 1)
	[ -n "$version" ] || die "apt offers no $BASE_PACKAGE at all"
	loud "The pinned base $BASE_PACKAGE=$BASE_VERSION is no longer in the archive." \
	     "Using the newest one apt offers instead: $version." \
	     "Its checksum cannot be compared with config/base.env; patches are" \
	     "applied with 'git am --3way'. Update config/base.env once it works."
	(cd "$CACHE" && apt-get download -q "$BASE_PACKAGE=$version") >&2 2>&1
	deb="$CACHE/${BASE_PACKAGE}_${version//:/%3a}_all.deb"
	[ -f "$deb" ] || die "download of $BASE_PACKAGE=$version failed"
fi

if [ $pinned = 1 ]; then
	echo "$BASE_DEB_SHA256  $deb" | sha256sum -c --quiet - >&2 ||
		die "$deb does not match BASE_DEB_SHA256 in config/base.env"
fi

x=$(mktemp -d "$CACHE/x.XXXXXX")
trap 'rm -rf "$x"' EXIT
dpkg-deb -x "$deb" "$x"
src="$x/usr/src/$BASE_PACKAGE.tar.xz"
[ -f "$src" ] || die "$deb holds no usr/src/$BASE_PACKAGE.tar.xz"
if [ $pinned = 1 ]; then
	echo "$BASE_TAR_SHA256  $src" | sha256sum -c --quiet - >&2 ||
		die "the tarball in $deb does not match BASE_TAR_SHA256"
fi
mv "$src" "$tar"
printf '%s\n' "$version" >"$stamp"
rm -f "$deb"
say "base: $BASE_PACKAGE $version ($([ $pinned = 1 ] && echo pinned, verified || echo UNPINNED))"
printf '%s\n' "$tar"
