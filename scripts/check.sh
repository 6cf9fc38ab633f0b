#!/usr/bin/env bash
# make check: set everything up, lint the series, boot the nsx kernel with
# every test, and close with "N passed, N failed, N skipped".
#
# build/linux is created from patches/ when missing. When it exists it is
# tested as it is (that is what a developer iterating wants), with a
# warning if it differs from patches/.
set -uo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

t0=$(date +%s)
step() { say "[$(( $(date +%s) - t0 ))s] $*"; }

"$TOP/scripts/deps.sh" bench debian || die "could not install the packages nsx needs"
if [ ! -d "$TREE/.git" ]; then
	step "creating build/linux"
	"$TOP/scripts/tree.sh" || die "make tree failed"
elif ! "$TOP/scripts/export-check.sh" 2>/dev/null; then
	loud "build/linux differs from patches/: testing build/linux as it is." \
	     "'make export-check' says how; 'make tree' rebuilds it from patches/."
fi

step "building the kernel"
"$TOP/scripts/build-kernel.sh" "$TREE" "$BUILD/kernel" "$TOP/config/kernel.config" ||
	die "the kernel did not build"
step "building the tests and the guest"
"$TOP/scripts/build-tests.sh" "$BUILD/kernel" "$BUILD/tests" || die "the tests did not build"
"$TOP/scripts/build-guest.sh" "$BUILD/tests" "$BUILD/guest/initramfs.cpio" ||
	die "the guest did not build"

step "lint"
"$TOP/scripts/lint.sh" | tee "$BUILD/lint.log"
read -r lp lf < <(sed -nE 's/^lint: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' "$BUILD/lint.log")

# Upstream's mqueue benchmark loads the queues for three and a half
# minutes and checks nothing the series changes (mq_open_tests and the
# timens tests cover mqueue's part): left out of make check's budget;
# NSX_CHECK_SKIP= (empty) runs it too.
check_skip=${NSX_CHECK_SKIP-mqueue:mq_perf_tests}
step "booting the guest with the tests"
"$TOP/scripts/run-guest.sh" "$BUILD/kernel/arch/x86/boot/bzImage" \
	"$BUILD/guest/initramfs.cpio" check "$BUILD/logs/check.log" \
	"${check_skip:+nsx.skip=$check_skip }${NSX_CMDLINE:-}"
guest=$?
gp=0 gf=0 gs=0
res=$(sed -nE 's/^nsx-result: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/p' \
	"$BUILD/logs/check.log")
[ -n "$res" ] && read -r gp gf gs <<<"$res"
# A guest that crashed, hung or logged a kernel report is one more failure.
[ $guest -eq 0 ] || [ "$gf" -gt 0 ] || gf=1
[ $guest -eq 0 ] || [ -n "$res" ] || say "no test result came out of the guest (log: build/logs/check.log)"

# Debian's own namespace tools on the same kernel (make compat): the
# root filesystem is built once (about a minute from nothing), the run
# takes about two.
step "compat: util-linux, iproute2, bubblewrap and nsx in the Debian guest (log in build/compat.log)"
cp=0 cf=0
"$TOP/scripts/debian.sh" compat >"$BUILD/compat.log" 2>&1
res=$(sed -nE 's/^compat: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' "$BUILD/compat.log")
[ -n "$res" ] && read -r cp cf <<<"$res"
[ -n "$res" ] || { cf=1; tail -n 20 "$BUILD/compat.log" >&2; }
[ "$cf" -eq 0 ] || grep -E '^not ok ' "$BUILD/logs/debian-compat.log" >&2
say "compat: $cp passed, $cf failed (console log: build/logs/debian-compat.log)"

# The benchmark as a smoke run, so that its code cannot rot: nsbench and
# the guest's bench script, every group with the quick run's small N, on
# this kernel under instruction counting. It builds and boots no base
# kernel (make bench compares with one) and never fails on a figure: only
# a build, boot or kernel report failure counts.
step "bench, smoke run (nsx kernel only; log in build/bench-smoke.log)"
bp=0 bf=0
if NSX_BENCH_SMOKE=1 "$TOP/bench/bench.sh" >"$BUILD/bench-smoke.log" 2>&1; then
	bp=1
	say "bench: table in build/bench/smoke/results.md"
else
	bf=1
	tail -n 20 "$BUILD/bench-smoke.log" >&2
	say "bench: FAILED (build/bench-smoke.log)"
fi

# The same tests on the debug kernel (lockdep, KASAN, kmemleak, UBSAN,
# fault injection): see scripts/check-debug.sh for what it leaves out.
step "the debug kernel: build, boot with the tests (log in build/logs/check-debug.log)"
NSX_REUSE=1 "$TOP/scripts/check-debug.sh" | tee "$BUILD/check-debug.out" | grep -E '^(nsx|debug):' >&2
dp=0 df=1 ds=0
res=$(sed -nE 's/^debug: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/p' \
	"$BUILD/check-debug.out")
[ -n "$res" ] && read -r dp df ds <<<"$res"

step "done; console logs in build/logs/check.log and build/logs/check-debug.log"
echo "lint: ${lp:-0} passed, ${lf:-1} failed; guest: $gp passed, $gf failed, $gs skipped; compat: $cp passed, $cf failed; bench: $bp passed, $bf failed; debug guest: $dp passed, $df failed, $ds skipped"
p=$(( ${lp:-0} + gp + cp + bp + dp )) f=$(( ${lf:-1} + gf + cf + bf + df )) s=$(( gs + ds ))
echo "$p passed, $f failed, $s skipped"
[ "$f" -eq 0 ]
