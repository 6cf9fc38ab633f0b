#!/bin/sh
# Run every test program of /tests/list ("dir:program" lines) and count
# the results. A program that speaks TAP (kselftest_harness.h) is counted
# per test case from its top-level "ok"/"not ok" lines; one that does not
# is one case, judged by its exit status (0 pass, 4 skip, else fail).
# A TAP program that exits non-zero although no case failed counts one
# more failure, as does a program killed by the time limit.
#
# The conformance suite (namespaces/) must not skip anything on the
# project's kernel: a skip there means the configuration lost a
# namespace type, so it counts as a failure.
#
# nsx.tests=P1,P2,... on the kernel command line runs only the programs
# whose "dir:program" matches one of the shell patterns; nsx.skip=P1,P2,...
# leaves out those that match one of the patterns (named in the log, not
# counted).
# nsx.limit=SECONDS changes the time limit of each program.
#
# Programs that need the kernel's fault injection run only on a kernel
# that has it (the debug kernel, config/debug.config); elsewhere they are
# named in the log and not counted: 'make check' runs them there.
#
# NS_SELFTEST_DISRUPTIVE=1 lets the suite's tests that disturb the whole
# machine run (namespaces/: steps of the host's wall clock, a global OOM
# kill); without it they skip, as on a shared machine. This guest is the
# harness's own machine, thrown away after the run, so it sets it: a
# skip here would count as a failure.
export NS_SELFTEST_DISRUPTIVE=1

limit=600
pattern='*'
skip_list=
for arg in $(cat /proc/cmdline); do
	case $arg in
	nsx.tests=*) pattern=${arg#nsx.tests=} ;;
	nsx.skip=*) skip_list=${arg#nsx.skip=} ;;
	nsx.limit=*) limit=${arg#nsx.limit=} ;;
	esac
done
needs_faults='namespaces:fault_inject_test'
has_faults=0
[ -e /proc/self/fail-nth ] && has_faults=1

pass=0 fail=0 skip=0
failed=
# The patterns are split on commas, never expanded against file names.
set -f
# matches P1,P2,... NAME: whether NAME matches one of the shell patterns.
matches() {
	for pat in $(echo "$1" | tr , ' '); do
		# shellcheck disable=SC2254 # a pattern, on purpose
		case "$2" in
		$pat) return 0 ;;
		esac
	done
	return 1
}
while IFS=: read -r dir prog; do
	[ -n "$prog" ] || continue
	matches "$pattern" "$dir:$prog" || continue
	if matches "$skip_list" "$dir:$prog"; then
		echo "nsx: ==== $dir/$prog: not run here (nsx.skip)"
		continue
	fi
	case " $needs_faults " in
	*" $dir:$prog "*)
		if [ $has_faults = 0 ]; then
			echo "nsx: ==== $dir/$prog: not run here, needs fault injection (the debug kernel)"
			continue
		fi ;;
	esac
	echo "nsx: ==== $dir/$prog"
	out=/tmp/test.out
	start=$(cut -d' ' -f1 /proc/uptime)
	(cd "/tests/$dir" && timeout "$limit" "./$prog" </dev/null) >"$out" 2>&1
	status=$?
	end=$(cut -d' ' -f1 /proc/uptime)
	cat "$out"
	# shellcheck disable=SC2046 # three numbers
	set -- $(awk '
		/^ok [0-9]+ .*# [Ss][Kk][Ii][Pp]/ { s++; next }
		/^ok [0-9]+/ { p++; next }
		/^not ok [0-9]+ .*# [Ss][Kk][Ii][Pp]/ { s++; next }
		/^not ok [0-9]+/ { f++; next }
		END { printf "%d %d %d\n", p, f, s }' "$out")
	p=$1 f=$2 s=$3
	if [ $((p + f + s)) -eq 0 ]; then
		case $status in
		0) p=1 ;;
		4) s=1 ;;
		*) f=1 ;;
		esac
	elif [ "$status" -ne 0 ] && [ "$status" -ne 4 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	if [ "$dir" = namespaces ] && [ "$s" -gt 0 ]; then
		echo "nsx: $dir/$prog skipped $s cases: the conformance suite must not skip"
		f=$((f + s)) s=0
	fi
	[ "$status" -eq 143 ] || [ "$status" -eq 124 ] && echo "nsx: $dir/$prog killed after ${limit}s"
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	[ "$f" -eq 0 ] || failed="$failed $dir/$prog"
	echo "nsx: ==== $dir/$prog: exit $status, $p passed, $f failed, $s skipped ($(awk "BEGIN { printf \"%.1f\", $end - $start }")s)"
done </tests/list

[ -z "$failed" ] || echo "nsx: failed programs:$failed"
echo "nsx-result: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
