#!/usr/bin/env bash
# Pack the guest initramfs: busybox, the guest scripts, nsx-exit and the
# test programs, with the project's own guest checks (guest/userns_clone.c:
# a knob of Debian's kernel, which the upstream-style suite leaves alone).
# Usage: scripts/build-guest.sh TESTS_DIR|- OUT.cpio [SRC=DEST...]
# "-" packs no tests; each SRC=DEST adds a file at DEST in the guest.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

tests=$1 out=$2
shift 2
root=$(mktemp -d)
chmod 0755 "$root"
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,run,root,guest,tests}
# busybox-static installs /bin/busybox; the dynamic "busybox" package
# would too, and would not run in the guest.
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' ||
	die "busybox-static is not installed (make deps)"
cp /bin/busybox "$root/bin/busybox"
gcc -static -O2 -Wall -o "$root/bin/nsx-exit" "$TOP/guest/nsx-exit.c"
install -m 0755 "$TOP/guest/init" "$root/init"
cp "$TOP"/guest/*.sh "$root/guest/"
if [ "$tests" != - ]; then
	cp -a "$tests"/. "$root/tests/"
	[ ! -f "$tests/tool/nsx" ] || cp "$tests/tool/nsx" "$root/bin/nsx"
	mkdir -p "$root/tests/guest"
	gcc -static -O2 -Wall -o "$root/tests/guest/userns_clone" "$TOP/guest/userns_clone.c"
	echo "guest:userns_clone" >>"$root/tests/list"
fi
for f in "$@"; do
	install -D -m 0755 "${f%%=*}" "$root/${f#*=}"
done

cat >"$root/etc/passwd" <<'PW'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PW
cat >"$root/etc/group" <<'GR'
root:x:0:
nogroup:x:65534:
GR

mkdir -p "$(dirname "$out")"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$out.tmp"
mv "$out.tmp" "$out"
say "guest: ${out#"$TOP"/} ($(du -h "$out" | cut -f1))"
