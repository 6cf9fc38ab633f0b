#!/usr/bin/env bash
# Boot the nsx kernel on the Debian guest: a Debian 12 root filesystem
# (scripts/build-debian.sh, built once) with the guest's init, the
# compatibility check and the nsx tool on top.
# Usage: scripts/debian.sh shell|compat|criu|lxcfs [KERNEL-OBJ-DIR [LOG-TAG]]
#
# shell: a shell in the guest when a terminal is attached; otherwise
# the guest lists its package versions and powers off.
# compat: guest/debian/compat.sh; ends "compat: N passed, N failed" and
# fails if a step failed, the guest did not finish or the kernel logged
# a report (scripts/run-guest.sh).
# criu: guest/debian/criu.sh on a root filesystem that also holds
# Debian's criu, iptables and nftables; ends "nsx-criu: N passed, N
# failed" (scripts/criu.sh runs it on the base and the nsx kernel built
# with config/criu.config).
# lxcfs: guest/debian/lxcfs.sh on a root filesystem that also holds
# Debian's lxcfs and fuse3; ends "nsx-lxcfs: N passed, N failed"
# (scripts/lxcfs.sh runs it under instruction counting and makes the
# tables). KERNEL-OBJ-DIR defaults to build/kernel,
# LOG-TAG (build/logs/debian-TAG.log) to the mode.
set -uo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

mode=${1:-shell}
kobj=${2:-$BUILD/kernel}
tag=${3:-$mode}
bzimage=$kobj/arch/x86/boot/bzImage
out=$BUILD/guest/debian-$tag.cpio
log=$BUILD/logs/debian-$tag.log
{ [ -f "$bzimage" ] && [ -d "$kobj/hdr/include" ]; } || die "no kernel in ${kobj#"$TOP"/} (make kernel, or make criu for the CRIU kernels)"

rootfs=$BUILD/debian/rootfs.cpio extra=
[ "$mode" != criu ] || rootfs=$BUILD/debian/criu-rootfs.cpio extra=criu,iptables,nftables
[ "$mode" != lxcfs ] || rootfs=$BUILD/debian/lxcfs-rootfs.cpio extra=lxcfs,fuse3
"$TOP/scripts/build-debian.sh" "$rootfs" $extra || die "the Debian root filesystem did not build"

# What changes with the project: init, the check, the tool and its tests.
# The kernel unpacks this archive after the Debian one, over it.
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
chmod 0755 "$root"
make -s -B -C "$TOP/tool" KHDR_INCLUDES="-isystem $kobj/hdr/include" >&2 ||
	die "the nsx tool did not build"
install -D -m 0755 "$TOP/tool/nsx" "$root/usr/local/bin/nsx"
install -D -m 0644 "$TOP/tool/nsx.1" "$root/usr/local/share/man/man1/nsx.1"
install -D -m 0755 "$TOP/tool/tests/run.sh" "$root/guest/tool-tests/run.sh"
mkdir -p "$root/usr/local/sbin"
gcc -static -O2 -Wall -o "$root/usr/local/sbin/nsx-exit" "$TOP/guest/nsx-exit.c" ||
	die "nsx-exit did not build"
install -m 0755 "$TOP/guest/debian/init" "$root/init"
install -m 0755 "$TOP/guest/debian/compat.sh" "$root/guest/compat.sh"
install -m 0755 "$TOP/guest/debian/criu.sh" "$root/guest/criu.sh"
install -m 0755 "$TOP/guest/debian/lxcfs.sh" "$root/guest/lxcfs.sh"
gcc -static -O2 -Wall -o "$root/usr/local/bin/readcost" "$TOP/bench/readcost.c" ||
	die "readcost did not build"
install -m 0644 "$TOP/guest/debian/tap.sh" "$root/guest/tap.sh"
gcc -static -O2 -Wall -o "$root/usr/local/bin/criu-workload" "$TOP/guest/criu-workload.c" ||
	die "criu-workload did not build"
mkdir -p "$(dirname "$out")"
{
	cat "$rootfs"
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0)
} >"$out.tmp" || die "could not pack the Debian guest"
mv "$out.tmp" "$out"

"$TOP/scripts/run-guest.sh" "$bzimage" "$out" "$mode" "$log"
rc=$?
case $mode in compat | criu | lxcfs) ;; *) exit $rc ;; esac

res=$(sed -nE "s/^nsx-$mode: ([0-9]+) passed, ([0-9]+) failed\$/\\1 \\2/p" "$log")
p=0 f=0
[ -n "$res" ] && read -r p f <<<"$res"
# A guest that crashed, hung or logged a kernel report is one more failure.
[ $rc -eq 0 ] || [ "$f" -gt 0 ] || f=$((f + 1))
[ -n "$res" ] || say "no $mode result came out of the guest (log: ${log#"$TOP"/})"
grep -E '^not ok ' "$log" >&2
echo "$mode: $p passed, $f failed"
[ "$f" -eq 0 ]
