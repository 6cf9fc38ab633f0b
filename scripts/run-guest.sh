#!/usr/bin/env bash
# Boot a kernel and initramfs under QEMU and carry the guest's result out.
# Usage: scripts/run-guest.sh BZIMAGE INITRAMFS MODE LOG [EXTRA_CMDLINE]
#
# MODE is check, demo, bench or shell (see guest/init). The console is
# shown and kept in LOG; in demo mode it goes to LOG only, and the
# terminal gets a second serial port (ttyS1, nsx.tty on the command
# line) that the demo and its shell use. Kernel reports in LOG are
# printed. Exit status: 0 when the guest reported success and the kernel
# log is clean, 1 otherwise.
#
# Environment: NSX_KVM=1 uses KVM (it hangs on nested-virtualisation
# machines, so TCG is the default); NSX_ICOUNT=1 turns guest time into a
# count of instructions (-icount shift=0,sleep=off, for benchmarks);
# NSX_TIMEOUT (seconds, default 1800), NSX_MEM (default 2G), NSX_SMP
# (default 2).
set -uo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

kernel=$1 initrd=$2 mode=$3 log=$4 extra=${5:-}
timeout=${NSX_TIMEOUT:-1800}

accel=(-accel tcg)
[ "${NSX_KVM:-0}" = 1 ] && accel=(-accel kvm -cpu host)
# Under icount the RTC is pinned too, so that boots repeat exactly.
[ "${NSX_ICOUNT:-0}" = 1 ] &&
	accel=(-accel tcg -icount "shift=0,sleep=off" -rtc "base=2024-01-01T00:00:00,clock=vm")

cmdline="console=ttyS0 panic=-1 oops=panic loglevel=4 nsx.mode=$mode"
# The other CPUs come up once the guest's init has switched the static
# keys it keeps on (guest/init): kernel text patched while another vCPU
# runs it can crash QEMU's multi-threaded TCG (docs/findings.md). The
# benchmarks run single-threaded under instruction counting, with every
# CPU from boot.
[ "$mode" = bench ] || cmdline="$cmdline maxcpus=1"
io=(-display none -monitor none) term=stdio
interactive=0
if [ -t 0 ] && [ -t 1 ] && [ "$mode" != check ] && [ "$mode" != bench ]; then
	interactive=1
	cmdline="$cmdline nsx.interactive"
	io=(-nographic) term=mon:stdio
fi
# ttyS0 is the console; in demo mode it goes to LOG only and ttyS1 is
# the terminal's.
split=0
if [ "$mode" = demo ]; then
	split=1
	cmdline="$cmdline nsx.tty=ttyS1"
	io+=(-chardev "file,id=console,append=on,path=${log//,/,,}" -serial chardev:console)
fi
io+=(-serial "$term")
cmdline="$cmdline${extra:+ $extra}"

mkdir -p "$(dirname "$log")"
qemu=(qemu-system-x86_64 "${accel[@]}" -m "${NSX_MEM:-2G}" -smp "${NSX_SMP:-2}"
      -no-reboot -nic none "${io[@]}"
      -device "isa-debug-exit,iobase=0xf4,iosize=0x04"
      -kernel "$kernel" -initrd "$initrd" -append "$cmdline")
if [ $split = 1 ]; then
	echo "nsx: booting: ${qemu[*]}" >"$log"
	say "booting the guest; its console, with the kernel's messages, goes to ${log#"$TOP"/}"
	if [ $interactive = 1 ]; then
		timeout --foreground "$timeout" "${qemu[@]}"
		status=$?
	else
		# The serial port ends its lines with CRLF.
		timeout "$timeout" "${qemu[@]}" </dev/null 2>&1 | sed -u 's/\r$//'
		status=${PIPESTATUS[0]}
	fi
else
	say "booting: ${qemu[*]}"
	if [ $interactive = 1 ]; then
		timeout --foreground "$timeout" "${qemu[@]}" 2>&1 | tee "$log"
		status=${PIPESTATUS[0]}
	else
		timeout "$timeout" "${qemu[@]}" </dev/null 2>&1 | tee "$log"
		status=${PIPESTATUS[0]}
	fi
fi
# The console uses CRLF line ends.
sed -i 's/\r$//' "$log"

rc=0
case $status in
1) ;;
3) say "the guest reported failure"; rc=1 ;;
124) say "the guest did not finish within ${timeout}s"; rc=1 ;;
*) say "the guest ended without reporting a result (QEMU exit $status)"; rc=1 ;;
esac

# A kernel that complained fails the run, whatever the tests said.
pat='BUG:|WARNING:|Oops|general protection|refcount_t:|possible recursive locking|possible circular locking|inconsistent lock state|suspicious RCU usage|UBSAN:|KASAN:|kmemleak:.*new suspected|ODEBUG:|Kernel panic'
if grep -nE "$pat" "$log" >"$log.kernel-reports"; then
	say "the kernel log has reports (also in ${log#"$TOP"/}.kernel-reports):"
	head -n 20 "$log.kernel-reports" >&2
	rc=1
else
	rm -f "$log.kernel-reports"
	[ $split = 0 ] || say "no kernel reports in ${log#"$TOP"/}"
fi
exit $rc
