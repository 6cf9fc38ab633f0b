#!/usr/bin/env bash
# Build, once, a small Debian 12 root filesystem for the "debian" guest
# and pack it as an initramfs archive.
# Usage: scripts/build-debian.sh OUT.cpio [EXTRA,PACKAGES]
#
# mmdebstrap installs the Essential packages plus the userspace that
# exercises namespaces (util-linux, iproute2, procps, iputils-ping,
# bubblewrap, faketime, make, whose file time checks a realtime
# namespace must not upset, and busybox and python3-minimal, which read
# the memory size through sysinfo(2) where procps reads /proc/meminfo)
# from the apt sources this machine already
# uses: the project names no mirror. The archive is cached and rebuilt only
# when the package list in this script changes (DEBIAN_FORCE=1 rebuilds
# it anyway). What changes often (the guest scripts, the nsx tool) is
# packed separately by scripts/debian.sh and appended, as the
# kernel unpacks concatenated cpio archives in order. EXTRA,PACKAGES
# (make criu: criu) go into a root filesystem of their own, so that the
# one make compat boots stays as small as it is.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

out=$1
suite=bookworm
include=mount,mawk,util-linux,iproute2,procps,iputils-ping,bubblewrap,libfaketime,faketime,make,busybox,python3-minimal
[ -z "${2:-}" ] || include=$include,$2

# The key: what goes in. Bump the last field to force a rebuild of every
# cached copy after a change that the list does not show.
key="$suite $include 1"
if [ -f "$out" ] && [ -f "$out.key" ] && [ "$(cat "$out.key")" = "$key" ] &&
   [ "${DEBIAN_FORCE:-0}" != 1 ]; then
	say "debian: ${out#"$TOP"/} is up to date ($(du -h "$out" | cut -f1))"
	exit 0
fi

command -v mmdebstrap >/dev/null || die "mmdebstrap is not installed (scripts/deps.sh debian)"
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo

# The host's own apt sources (one-line or deb822 files; mmdebstrap pastes
# a file it is given as a mirror into the chroot's sources), and its
# proxy if it has one.
sources=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] && grep -qE '^[[:space:]]*(deb|Types:)' "$f" && sources+=("$f")
done
[ ${#sources[@]} -gt 0 ] || die "this machine has no apt sources to build the Debian guest from"
aptopts=()
while IFS= read -r line; do
	aptopts+=(--aptopt="$line")
done < <(apt-config dump | grep -E '^Acquire::[a-z]+::Proxy ' || true)

root=$(mktemp -d)
trap '$sudo rm -rf "$root"' EXIT
mkdir -p "$(dirname "$out")"
say "debian: mmdebstrap $suite with $include (from ${sources[*]})"
# Documentation, manual pages and translations are of no use in the
# guest and are most of its size. The hook's "$1" is the hook's own.
# shellcheck disable=SC2016
$sudo mmdebstrap --mode=root --variant=essential --include="$include" \
	--dpkgopt='path-exclude=/usr/share/man/*' \
	--dpkgopt='path-exclude=/usr/share/doc/*' \
	--dpkgopt='path-include=/usr/share/doc/*/copyright' \
	--dpkgopt='path-exclude=/usr/share/locale/*' \
	--dpkgopt='path-exclude=/usr/share/info/*' \
	--customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/*' \
	"${aptopts[@]}" --quiet \
	"$suite" "$root" "${sources[@]}" ||
	die "mmdebstrap failed"

(cd "$root" && $sudo find . | LC_ALL=C sort |
	$sudo cpio -o -H newc --quiet) >"$out.tmp"
mv "$out.tmp" "$out"
printf '%s\n' "$key" >"$out.key"
say "debian: ${out#"$TOP"/} ($(du -h "$out" | cut -f1))"
