#!/usr/bin/env bash
# Write the commits of build/linux after the tag "base" as patches/.
# Usage: scripts/export.sh [OUTDIR]   (default: patches)
#
# The output depends only on the commits: zeroed "From" hashes, no
# version signature, fixed abbreviation and diff settings, and no user
# configuration (see ktree_git), so tree -> export -> tree -> export is
# byte-identical.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

out=${1:-$TOP/patches}
[ -d "$TREE/.git" ] || die "no build/linux: run 'make tree' first"
ktree_git rev-parse -q --verify refs/tags/base >/dev/null || die "build/linux has no tag 'base'"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ktree_git format-patch -q --zero-commit --no-numbered --no-signature \
	--abbrev=12 --stat=80 --no-renames --diff-algorithm=myers \
	--encode-email-headers -o "$tmp" base..HEAD
(cd "$tmp" && find . -maxdepth 1 -name '*.patch' -printf '%f\n' | LC_ALL=C sort) >"$tmp/series"

mkdir -p "$out"
rm -f "$out"/*.patch "$out/series"
cp "$tmp"/*.patch "$out"/ 2>/dev/null || true
cp "$tmp/series" "$out/series"
say "exported $(wc -l <"$out/series") patches to ${out#"$TOP"/}"
