#!/usr/bin/env bash
# The series on architectures other than x86 (make cross; not in make
# check, which runs x86 guests only):
#
#  1. Compile each file the series changes under arch/ (but x86's) for its
#     architecture with Debian's cross compiler: with the defconfig, and
#     for arm64 and s390, whose cpuinfo_op is built without procfs too,
#     with tinyconfig. A warning in one of those files fails.
#  2. Build an arm64 kernel (tinyconfig and config/arm64.config) and
#     cgroup_view_test for arm64, and run the test's CPU cases
#     (cpus_*), which read /proc/cpuinfo there, under
#     qemu-system-aarch64 -M virt with two CPUs. Every case must pass;
#     a skip fails too.
#
# Usage: scripts/cross.sh   (output in build/cross)
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

out=$BUILD/cross
mkdir -p "$out"
[ -d "$TREE/.git" ] || die "no kernel tree in ${TREE#"$TOP"/} (make kernel)"

cross_of() {
	case $1 in
	arm64) echo aarch64-linux-gnu- ;;
	arm) echo arm-linux-gnueabihf- ;;
	mips) echo mips64el-linux-gnuabi64- ;;
	riscv) echo riscv64-linux-gnu- ;;
	powerpc) echo powerpc64le-linux-gnu- ;;
	s390) echo s390x-linux-gnu- ;;
	*) return 1 ;;
	esac
}
defconfig_of() {
	case $1 in
	arm) echo multi_v7_defconfig ;;
	mips) echo loongson3_defconfig ;;
	powerpc) echo ppc64le_defconfig ;;
	*) echo defconfig ;;
	esac
}
export CCACHE_BASEDIR="$TOP" CCACHE_NOHASHDIR=1
xmake() {
	local arch=$1 obj=$2 cross
	shift 2
	cross=$(cross_of "$arch")
	make -s -C "$TREE" O="$obj" ARCH="$arch" CROSS_COMPILE="$cross" \
		CC="ccache ${cross}gcc" HOSTCC="ccache gcc" "$@"
}

# 1. Compile what the series changes, architecture by architecture.
fail=0
mapfile -t files < <(git -C "$TREE" diff --name-only base HEAD -- 'arch/*.c' ':!arch/x86')
[ ${#files[@]} -gt 0 ] || die "the series changes no C file under arch/ but x86's"
for arch in $(printf '%s\n' "${files[@]}" | cut -d/ -f2 | sort -u); do
	cross_of "$arch" >/dev/null || die "no cross compiler known for $arch"
	objs=()
	for f in "${files[@]}"; do
		case $f in arch/"$arch"/*) objs+=("${f%.c}.o") ;; esac
	done
	configs=("$(defconfig_of "$arch")")
	case $arch in arm64 | s390) configs+=(tinyconfig) ;; esac
	for cfg in "${configs[@]}"; do
		obj=$out/$arch-$cfg log=$out/$arch-$cfg.log
		say "$arch ($cfg): ${objs[*]}"
		mkdir -p "$obj"
		[ -f "$obj/.config" ] || xmake "$arch" "$obj" "$cfg" >"$log" 2>&1
		if ! xmake "$arch" "$obj" -j"$NPROC" "${objs[@]}" >>"$log" 2>&1; then
			loud "$arch ($cfg) does not build: ${log#"$TOP"/}"
			fail=1
		elif grep -F -e "${objs[@]/%.o/.c}" "$log" | grep -q 'warning:'; then
			loud "$arch ($cfg) warns: ${log#"$TOP"/}"
			fail=1
		fi
	done
done
[ $fail = 0 ] || die "cross: a file of the series does not build cleanly"

# 2. arm64: the CPU cases of cgroup_view_test in a guest.
kobj=$out/arm64-kernel
NSX_ARCH=arm64 "$TOP/scripts/build-kernel.sh" "$TREE" "$kobj" "$TOP/config/arm64.config"
guest=$out/arm64-guest
rm -rf "$guest" && mkdir -p "$guest"
sel=$TREE/tools/testing/selftests/namespaces
aarch64-linux-gnu-gcc -static -O2 -Wall -isystem "$kobj/hdr/include" \
	-o "$guest/cgroup_view_test" "$sel/cgroup_view_test.c"
aarch64-linux-gnu-gcc -static -O2 -Wall -Wextra -o "$guest/init" "$TOP/guest/arm64/init.c"
sed -n 's/^TEST_F(view, \(cpus_[a-z_]*\))$/\1/p' "$sel/cgroup_view_test.c" >"$guest/cases"
[ -s "$guest/cases" ] || die "no cpus_* case in cgroup_view_test.c"
(cd "$guest" && printf '%s\n' init cgroup_view_test cases | cpio -o -H newc --quiet) >"$out/arm64.cpio"

log=$out/arm64-guest.log
say "booting the arm64 guest (console: ${log#"$TOP"/}): $(paste -sd' ' "$guest/cases")"
timeout 900 qemu-system-aarch64 -M virt -cpu cortex-a57 -smp 2 -m 1G \
	-nographic -no-reboot -kernel "$kobj/arch/arm64/boot/Image" \
	-initrd "$out/arm64.cpio" -append "console=ttyAMA0 panic=-1" >"$log" 2>&1 ||
	die "the arm64 guest did not power off: ${log#"$TOP"/}"
grep -E '^(ok|not ok) ' "$log" >&2 || true
want=$(wc -l <"$guest/cases")
if ! grep -q '^nsx-arm64: exit 0' "$log" ||
	! grep -qE "^# Totals: pass:$want fail:0 xfail:0 xpass:0 skip:0 error:0" "$log"; then
	die "arm64: cgroup_view_test's CPU cases did not all pass (${log#"$TOP"/})"
fi
say "cross: the series builds on $(printf '%s\n' "${files[@]}" | cut -d/ -f2 | sort -u | paste -sd' ');" \
	"arm64: $want of $want CPU cases passed"
