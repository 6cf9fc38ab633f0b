#!/usr/bin/env bash
# make check-debug: the guest tests on a kernel built with the kernel's
# debugging machinery (config/debug.config: lockdep, KASAN, kmemleak,
# UBSAN, DEBUG_OBJECTS, DEBUG_LIST, fault injection). Any report of
# those fails the run (scripts/run-guest.sh), and the guest asks kmemleak
# for a scan before it powers off. 'make check' runs it after the plain
# kernel's run, with NSX_REUSE=1 (the plain kernel and the tests are
# built already).
#
# Everything runs here but three upstream programs that measure or load
# rather than check (pidfd_test's PID recycling, pidfd_poll_test's 10,000
# threads, mq_perf_tests): each takes more than ten minutes on this
# kernel under TCG, and all three run on the plain kernel. The programs
# that need fault injection (fault_inject_test) run only here.
set -uo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

DEBUG_SKIP='pidfd:pidfd_test,pidfd:pidfd_poll_test,mqueue:mq_perf_tests'

if [ "${NSX_REUSE:-0}" != 1 ]; then
	"$TOP/scripts/deps.sh" || die "could not install the packages nsx needs"
	[ -d "$TREE/.git" ] || "$TOP/scripts/tree.sh" || die "make tree failed"
	# The tests are built against the plain kernel's uapi headers,
	# which are the same.
	"$TOP/scripts/build-kernel.sh" "$TREE" "$BUILD/kernel" "$TOP/config/kernel.config" ||
		die "the kernel did not build"
	"$TOP/scripts/build-tests.sh" "$BUILD/kernel" "$BUILD/tests" || die "the tests did not build"
	"$TOP/scripts/build-guest.sh" "$BUILD/tests" "$BUILD/guest/initramfs.cpio" ||
		die "the guest did not build"
fi
"$TOP/scripts/build-kernel.sh" "$TREE" "$BUILD/kernel-debug" \
	"$TOP/config/kernel.config" "$TOP/config/debug.config" ||
	die "the debug kernel did not build"

NSX_TIMEOUT=${NSX_TIMEOUT:-3600} "$TOP/scripts/run-guest.sh" \
	"$BUILD/kernel-debug/arch/x86/boot/bzImage" "$BUILD/guest/initramfs.cpio" \
	check "$BUILD/logs/check-debug.log" \
	"nsx.skip=$DEBUG_SKIP nsx.limit=2400 ${NSX_CMDLINE:-}"
guest=$?
res=$(sed -nE 's/^nsx-result: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/p' \
	"$BUILD/logs/check-debug.log")
gp=0 gf=0 gs=0
[ -n "$res" ] && read -r gp gf gs <<<"$res"
[ $guest -eq 0 ] || [ "$gf" -gt 0 ] || gf=1
say "debug kernel: console log in build/logs/check-debug.log"
echo "debug: $gp passed, $gf failed, $gs skipped"
[ "$gf" -eq 0 ]
