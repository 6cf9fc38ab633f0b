#!/usr/bin/env bash
# make bisect-check: every patch of the series builds on its own, and at
# the end of each part the guest's fast tests pass.
#
# The parts are the "Part N: title (AAAA-BBBB)" lines of
# patches/cover-letter.txt. The series is applied to a worktree of its
# own (build/bisect-src, detached at each commit of build/linux's branch
# in turn), so build/linux and its kernels are not touched. Every commit
# is built with the guest configuration into build/kernel-bisect, one
# after the other, so that each build only recompiles what the patch
# changed (and ccache serves what another build already compiled). At
# the last patch of each part the test programs of that tree are built
# and the guest runs the fast subset: the conformance suite (its flags
# and type tests) and the upstream time namespace tests, plus the
# programs of the parts applied so far, without the storm and the
# allocation failures.
#
# Usage: scripts/bisect-check.sh          every patch, tests at each part's end
#        NSX_BISECT_BUILD_ONLY=1 ...      every patch builds; no guest
#        NSX_BISECT_FROM=NNNN ...         start at patch NNNN (resume)
#        NSX_BISECT_ENDS="NNNN ..."       test at these patches instead
#
# It builds up to 64 kernels: about an hour and a half on two cores with
# a warm build directory, longer from nothing. It is not part of
# 'make check' (see docs/testing.md).
set -uo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

src=$BUILD/bisect-src
obj=$BUILD/kernel-bisect
tests=$BUILD/tests-bisect
guest=$BUILD/guest-bisect/initramfs.cpio
log=$BUILD/logs/bisect-check.log
from=${NSX_BISECT_FROM:-0001}
mkdir -p "$BUILD/logs"
: >"$log"

[ -d "$TREE/.git" ] || die "no build/linux: run 'make tree' first"
"$TOP/scripts/export-check.sh" >/dev/null 2>&1 ||
	loud "build/linux differs from patches/: checking build/linux's commits as they are."

# The last patch of each part, from the cover letter's table of contents.
ends=${NSX_BISECT_ENDS:-}
[ -n "$ends" ] || ends=$(sed -nE 's/^Part [0-9]+: .* \(([0-9]{4})-([0-9]{4})\)$/\2/p' \
	"$TOP/patches/cover-letter.txt")
[ -n "$ends" ] || die "patches/cover-letter.txt has no 'Part N: title (AAAA-BBBB)' lines"
# One line per part from sed; the match below wants them between blanks.
ends=${ends//$'\n'/ }
say "part ends: $ends"

mapfile -t commits < <(ktree_git rev-list --reverse base..HEAD)
[ "${#commits[@]}" -gt 0 ] || die "build/linux has no commits after tag base"
[ "${#commits[@]}" = "$(grep -c . "$TOP/patches/series")" ] ||
	loud "build/linux has ${#commits[@]} commits after base, patches/series $(grep -c . "$TOP/patches/series") lines."

ktree_git worktree prune
if [ ! -e "$src/.git" ]; then
	ktree_git worktree add -q --detach "$src" base ||
		die "could not create ${src#"$TOP"/}"
fi

# The fast subset of the guest's tests for a tree: the conformance suite
# and the time namespace selftests, the series' other programs but the
# long ones.
subset='namespaces:*,timens:*'
skip='namespaces:storm_test,namespaces:fault_inject_test,namespaces:timens_view_test'

failed=()
built=0
t0=$(date +%s)
for i in "${!commits[@]}"; do
	n=$(printf '%04d' $((i + 1)))
	[ "$((10#$n))" -ge "$((10#$from))" ] || continue
	c=${commits[$i]}
	subject=$(ktree_git log -1 --format=%s "$c")
	git -C "$src" checkout -q --detach "$c" || die "checkout of $n failed"
	say "[$(( $(date +%s) - t0 ))s] $n $subject"
	if ! TREE=$src NSX_CONFIG_ALLOW_UNKNOWN=1 "$TOP/scripts/build-kernel.sh" "$src" "$obj" \
		"$TOP/config/kernel.config" >>"$log" 2>&1; then
		say "$n does not build (log: ${log#"$TOP"/})"
		failed+=("$n build")
		continue
	fi
	built=$((built + 1))
	case " $ends " in
	*" $n "*) ;;
	*) continue ;;
	esac
	[ "${NSX_BISECT_BUILD_ONLY:-0}" = 1 ] && continue
	say "$n ends a part: the fast tests in the guest"
	if ! TREE=$src "$TOP/scripts/build-tests.sh" "$obj" "$tests" >>"$log" 2>&1 ||
	   ! "$TOP/scripts/build-guest.sh" "$tests" "$guest" >>"$log" 2>&1; then
		failed+=("$n tests build")
		continue
	fi
	glog=$BUILD/logs/bisect-$n.log
	"$TOP/scripts/run-guest.sh" "$obj/arch/x86/boot/bzImage" "$guest" check "$glog" \
		"nsx.tests=$subset nsx.skip=$skip" >/dev/null 2>&1
	res=$(sed -nE 's/^nsx-result: (.*)$/\1/p' "$glog")
	say "$n: ${res:-no result} (log: ${glog#"$TOP"/})"
	case $res in
	*" 0 failed, 0 skipped") ;;
	*) failed+=("$n tests") ;;
	esac
done

say "bisect-check: $built patches built in $(( $(date +%s) - t0 ))s"
if [ "${#failed[@]}" -gt 0 ]; then
	echo "bisect-check: FAILED: ${failed[*]}"
	exit 1
fi
echo "bisect-check: every patch builds; every part's fast tests pass"
