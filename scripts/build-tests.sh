#!/usr/bin/env bash
# Build the test programs, statically, against the uapi headers of a
# built kernel, and install them for the guest.
# Usage: scripts/build-tests.sh KERNEL_OBJ OUT
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

kobj=$(cd "$1" && pwd)
out=$2
sel="$TREE/tools/testing/selftests"

# Upstream selftests of the area, then the suite the series adds.
targets="timens pidfd clone3 nsfs pid_namespace mqueue ipc"
[ -d "$sel/namespaces" ] && targets="namespaces $targets"

rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
log="$out.log"
say "building selftests: $targets"
if ! make -C "$sel" TARGETS="$targets" O="$out.obj" \
	USERLDFLAGS=-static KHDR_INCLUDES="-isystem $kobj/hdr/include" \
	INSTALL_PATH="$out" install >"$log" 2>&1; then
	tail -n 30 "$log" >&2
	die "selftests did not build (log: ${log#"$TOP"/})"
fi
# lib.mk keeps going past a program that fails to build: catch it here.
if grep -E '^make\[[0-9]+\]: \*\*\*' "$log" >&2; then
	die "some selftests did not build (log: ${log#"$TOP"/})"
fi
cp "$out/kselftest-list.txt" "$out/list"

# One program of upstream's timers selftests, which the series adds: the
# others set the clock or measure latency for minutes. (A list given on
# the command line is not prefixed with the output directory by lib.mk:
# it is given with it.)
if [ -f "$sel/timers/timerfd-fdinfo.c" ]; then
	if ! make -C "$sel" TARGETS=timers TEST_GEN_PROGS="$out.obj/kselftest/timers/timerfd-fdinfo" \
		TEST_GEN_PROGS_EXTENDED= O="$out.obj" USERLDFLAGS=-static \
		KHDR_INCLUDES="-isystem $kobj/hdr/include" \
		INSTALL_PATH="$out.timers" install >>"$log" 2>&1; then
		tail -n 30 "$log" >&2
		die "timers/timerfd-fdinfo did not build (log: ${log#"$TOP"/})"
	fi
	mkdir -p "$out/timers"
	cp "$out.timers/timers/timerfd-fdinfo" "$out/timers/"
	echo "timers:timerfd-fdinfo" >>"$out/list"
	rm -rf "$out.timers"
fi

# The nsx tool, against the same uapi headers, and its tests.
if [ -f "$TOP/tool/Makefile" ]; then
	say "building the nsx tool"
	make -s -B -C "$TOP/tool" KHDR_INCLUDES="-isystem $kobj/hdr/include" >>"$log" 2>&1 ||
		die "the nsx tool did not build (log: ${log#"$TOP"/})"
	mkdir -p "$out/tool"
	cp "$TOP/tool/nsx" "$TOP/tool/tests/run.sh" "$out/tool/"
	echo "tool:run.sh" >>"$out/list"
fi
say "tests: $(wc -l <"$out/list") programs"
