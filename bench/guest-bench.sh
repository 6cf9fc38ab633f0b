#!/bin/sh
# The bench inside the guest, installed as /guest/bench.sh (nsx.mode=bench).
# Prints what the guest is ("bench-info:" lines), then nsbench's lines.
# nsx.bench=quick on the kernel command line runs the small variant;
# nsx.bench.only=GROUP[,GROUP...] runs only those groups of nsbench.
#
# When the guest has /bin/nsbench-dyn (nsbench linked dynamically, with
# the libraries it needs at their host paths), the clock group also runs
# it as is and under libfaketime, with FAKETIME="+20y": the same libc
# clock reads, labelled "dynamic" and "libfaketime". nsbench-dyn checks
# that libfaketime did move CLOCK_REALTIME by those 20 years (of 365
# days) and says so in a "bench-info:" line when it did not.
#
# nsbench writes thousands of lines to /dev/kmsg, which push the boot
# messages out of the kernel's log buffer: the log is shown here before
# and after, without those lines, and then cleared so that init does not
# dump them.

quick=
only=
read -r cmdline </proc/cmdline
for arg in $cmdline; do
	case $arg in
	nsx.bench=quick) quick=--quick ;;
	nsx.bench.only=*) only=${arg#nsx.bench.only=} ;;
	esac
done

# Whether nsbench runs group $1.
wanted() {
	case ,${only:-$1}, in
	*,"$1",*) return 0 ;;
	esac
	return 1
}

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
if [ -n "$only" ]; then
	/bin/nsbench $quick --only "$only"
else
	/bin/nsbench $quick
fi
rc=$?
echo "bench-info: nsbench exit $rc"

if [ $rc = 0 ] && [ -x /bin/nsbench-dyn ] && wanted clock; then
	/bin/nsbench-dyn $quick --libc-clocks dynamic || rc=1
	faketime=
	for f in /usr/lib/*/faketime/libfaketime.so.1; do
		[ -f "$f" ] && faketime=$f
	done
	if [ -n "$faketime" ]; then
		# 20 years of 365 days, as libfaketime counts them.
		LD_PRELOAD=$faketime FAKETIME=+20y /bin/nsbench-dyn $quick \
			--libc-clocks libfaketime --expect-offset 630720000 || rc=1
	else
		echo "bench-info: libfaketime not in the guest: no libfaketime rows"
		echo "bench-note: libfaketime was not installed on the host (make deps): no libfaketime rows"
	fi
	echo "bench-info: nsbench-dyn exit $rc"
fi

echo "nsx: ---- kernel log before the bench ----"
cat /tmp/dmesg.boot
echo "nsx: ---- kernel log since, without nsbench's /dev/kmsg lines ----"
dmesg | grep -v 'nsbench-kmsg: '
dmesg -c >/dev/null
exit $rc
