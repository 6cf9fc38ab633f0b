#!/bin/sh
# The bench inside the guest, installed as /guest/bench.sh (nsx.mode=bench).
# Prints what the guest is ("bench-info:" lines), then nsbench's lines.
# nsx.bench=quick on the kernel command line runs the small variant.
#
# nsbench writes thousands of lines to /dev/kmsg, which push the boot
# messages out of the kernel's log buffer: the log is shown here before
# and after, without those lines, and then cleared so that init does not
# dump them.

opts=
read -r cmdline </proc/cmdline
for arg in $cmdline; do
	case $arg in
	nsx.bench=quick) opts=--quick ;;
	esac
done

# The kernel moves from tsc-early to tsc once it has refined the TSC's
# calibration, a second or so after boot: wait for that, so that the
# clock does not change under a measurement.
cs=/sys/devices/system/clocksource/clocksource0/current_clocksource
i=0
while [ "$(cat $cs 2>/dev/null)" = tsc-early ] && [ $i -lt 30 ]; do
	sleep 1
	i=$((i + 1))
done
echo "bench-info: kernel $(uname -r) $(uname -v)"
echo "bench-info: cpus $(grep -c '^processor' /proc/cpuinfo)"
echo "bench-info: memtotal-kB $(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)"
echo "bench-info: clocksource $(cat $cs 2>/dev/null || echo unknown)"
echo "bench-info: cmdline $cmdline"

dmesg >/tmp/dmesg.boot
/bin/nsbench $opts
rc=$?
echo "bench-info: nsbench exit $rc"

echo "nsx: ---- kernel log before the bench ----"
cat /tmp/dmesg.boot
echo "nsx: ---- kernel log since, without nsbench's /dev/kmsg lines ----"
dmesg | grep -v 'nsbench-kmsg: '
dmesg -c >/dev/null
exit $rc
