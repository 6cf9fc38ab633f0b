#!/bin/sh
# make lxcfs: Debian's LXCFS (5.0, a FUSE daemon) and the cgroup view side
# by side in one guest, over the same cgroup. A container made by nsx run
# (memory.max 512 MiB, memory.swap.max 32 MiB, cpu.max half a CPU, its
# cpuset the last CPU, the io controller on) with the view reads each
# file twice: as the kernel shows it (the view) and through LXCFS's
# mount (/var/lib/lxcfs/proc/..., which LXCFS computes for the cgroup of
# the task that reads). The host's copy is read while the container
# lives. Then what one read costs: readcost on the host, in a container
# with the view and through LXCFS in the same container (cpu.max of one
# and a half CPUs there, so that the quota never throttles the loop;
# scripts/lxcfs.sh boots the guest under instruction counting, where a
# nanosecond is an instruction).
#
# Prints "nsx-lxcfs-row: FILE|FIELD|HOST|LXCFS|NSX" and
# "nsx-lxcfs-cost: CALL|HOST|NSX|LXCFS" lines, which scripts/lxcfs.sh
# makes into tables, and TAP lines for what must hold: LXCFS mounted and
# answering, the container's files read, the costs measured. It asserts
# no value: the table is the result.
#
# The sh -c scripts in single quotes expand their variables themselves.
# shellcheck disable=SC2016

# shellcheck source=guest/debian/tap.sh
. /guest/tap.sh

cmp=/tmp/cmp
mkdir -p $cmp/host $cmp/lxcfs $cmp/nsx
files="meminfo cpuinfo stat loadavg uptime swaps diskstats"
last=$(awk '/^processor/ { n = $3 } END { print n }' /proc/cpuinfo)

# inside: run in the container. Some activity, so that the lines have
# something to show: 100 MiB of tmpfs, 16 MiB pushed to swap, 4 MiB
# written and 2 MiB read back on the disk with O_DIRECT, a task spinning
# for two load samples. Then each file through the kernel and through
# LXCFS, one right after the other, and a word to the outside to copy
# the host's.
if [ "${1:-}" = inside ]; then
	cg=$(echo /sys/fs/cgroup/nsx.*)
	# LXCFS starts a cgroup's load average at its first read
	cat /var/lib/lxcfs/proc/loadavg >/dev/null
	head -c 100M /dev/zero >/dev/shm/lxcfs-cmp
	python3 -c 'import time; b = bytearray(48 << 20); b[::4096] = b"x" * (len(b) // 4096); time.sleep(30)' &
	mem=$!
	sleep 2
	echo 16M >"$cg/memory.reclaim" 2>/dev/null
	dd if=/dev/zero of="$DISK" bs=1M count=4 oflag=direct 2>/dev/null
	dd if="$DISK" of=/dev/null bs=1M count=2 iflag=direct 2>/dev/null
	sh -c 'while :; do :; done' &
	spin=$!
	sleep 11
	for f in $files; do
		cat "/var/lib/lxcfs/proc/$f" >"$cmp/lxcfs/$f"
		cat "/proc/$f" >"$cmp/nsx/$f"
	done
	cat /var/lib/lxcfs/sys/devices/system/cpu/online >$cmp/lxcfs/online
	cat /sys/devices/system/cpu/online >$cmp/nsx/online
	busybox free | awk '/^Mem:/ { print $2 }' >$cmp/nsx/sysinfo
	touch $cmp/inside-done
	# The host's copy is read now, while this lives.
	while [ ! -e $cmp/host-done ]; do sleep 0.2; done
	kill $spin $mem
	wait $spin $mem 2>/dev/null
	rm -f /dev/shm/lxcfs-cmp
	exit 0
fi

echo "nsx-lxcfs: $(lxcfs --version 2>&1 | head -1), $(fusermount3 --version 2>&1 | head -1)"

# Swap and a disk: loop devices over files in /tmp.
head -c 64M /dev/zero >/tmp/lxcfs-swap
swapdev=$(losetup -f --show /tmp/lxcfs-swap) && mkswap "$swapdev" >/dev/null && swapon "$swapdev"
res $? "swap on a loop device" "device '$swapdev'"
head -c 16M /dev/zero >/tmp/lxcfs-disk
DISK=$(losetup -f --show /tmp/lxcfs-disk) &&
	dd if=/dev/zero of="$DISK" bs=1M count=1 oflag=direct 2>/dev/null
res $? "a loop device for the disk lines, 1 MiB written by the host" "device '$DISK'"
export DISK

mkdir -p /var/lib/lxcfs
# -l: the load average, which LXCFS computes only when asked;
# --enable-cfs: the CPUs from cpu.max as well as the cpuset.
lxcfs -f -l --enable-cfs /var/lib/lxcfs >/tmp/lxcfs.log 2>&1 &
lxcfs=$!
for i in $(seq 50); do
	[ -s /var/lib/lxcfs/proc/meminfo ] && break
	sleep 0.2
done
[ -s /var/lib/lxcfs/proc/meminfo ]
res $? "LXCFS mounted on /var/lib/lxcfs" "$(cat /tmp/lxcfs.log)"

# ---- the values -------------------------------------------------------
(
	while [ ! -e $cmp/inside-done ]; do sleep 0.2; done
	for f in $files; do cat "/proc/$f" >"$cmp/host/$f"; done
	cat /sys/devices/system/cpu/online >$cmp/host/online
	busybox free | awk '/^Mem:/ { print $2 }' >$cmp/host/sysinfo
	touch $cmp/host-done
) &
copier=$!
# A host task on the container's CPU, from the start
taskset -c "$last" sh -c 'while :; do :; done' &
hostspin=$!
x nsx run --memory=512M --swap=32M --cpus=0.5 --cpuset-cpus="$last" --view \
	sh /guest/lxcfs.sh inside
res $? "the container read the files both ways" "exit $st"
wait $copier
kill $hostspin
wait $hostspin 2>/dev/null
# sysinfo(2) is a system call, which no file system reaches: LXCFS's
# containers get the host's.
cp $cmp/host/sysinfo $cmp/lxcfs/sysinfo

row() { echo "nsx-lxcfs-row: $1|$2|$3|$4|$5"; }
# kv FILE NAME DIR: the value of a "NAME: value" line
kv() { awk -v n="$2" -F: '$1 == n { sub(/^[ \t]+/, "", $2); print $2; exit }' "$cmp/$3/$1"; }

cut -d: -f1 $cmp/host/meminfo | while read -r name; do
	row meminfo "$name" "$(kv meminfo "$name" host)" "$(kv meminfo "$name" lxcfs)" \
		"$(kv meminfo "$name" nsx)"
done
procs() { awk '/^processor/ { s = s (s ? "," : "") $3 } END { print s }' "$cmp/$1/cpuinfo"; }
row cpuinfo "processor" "$(procs host)" "$(procs lxcfs)" "$(procs nsx)"
row online "(the list)" "$(cat $cmp/host/online)" "$(cat $cmp/lxcfs/online)" "$(cat $cmp/nsx/online)"
cpus() { awk '/^cpu[0-9]/ { s = s (s ? "," : "") substr($1, 4) } END { print s }' "$cmp/$1/stat"; }
row stat "cpuN lines" "$(cpus host)" "$(cpus lxcfs)" "$(cpus nsx)"
field() { awk -v k="$2" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "$cmp/$1/stat"; }
row stat "cpu (user nice system idle iowait irq softirq steal guest guest_nice)" \
	"$(field host cpu)" "$(field lxcfs cpu)" "$(field nsx cpu)"
for k in procs_running procs_blocked processes ctxt btime; do
	row stat "$k" "$(field host $k)" "$(field lxcfs $k)" "$(field nsx $k)"
done
row loadavg "(the line)" "$(cat $cmp/host/loadavg)" "$(cat $cmp/lxcfs/loadavg)" "$(cat $cmp/nsx/loadavg)"
row uptime "(uptime idle)" "$(cat $cmp/host/uptime)" "$(cat $cmp/lxcfs/uptime)" "$(cat $cmp/nsx/uptime)"
areas() { awk 'NR > 1 { $1 = $1; s = s (s ? " / " : "") $0 } END { print s ? s : "(header only)" }' "$cmp/$1/swaps"; }
row swaps "(areas: name type size used prio)" "$(areas host)" "$(areas lxcfs)" "$(areas nsx)"
names() { awk '{ s = s (s ? "," : "") $3 } END { print s }' "$cmp/$1/diskstats"; }
row diskstats "(lines)" "$(names host)" "$(names lxcfs)" "$(names nsx)"
dk=${DISK#/dev/}
disk() { awk -v d="$dk" '$3 == d { print $4, $6, $8, $10; exit }' "$cmp/$1/diskstats"; }
row diskstats "DISK (reads, sectors read, writes, sectors written)" \
	"$(disk host)" "$(disk lxcfs)" "$(disk nsx)"
row sysinfo "totalram (busybox free, KiB)" "$(cat $cmp/host/sysinfo)" \
	"$(cat $cmp/lxcfs/sysinfo)" "$(cat $cmp/nsx/sysinfo)"

# ---- the cost of a read -------------------------------------------------
n=200
costs=
for f in $files; do
	costs="$costs readcost /proc/$f $n; readcost /var/lib/lxcfs/proc/$f $n;"
done
x nsx run --memory=512M --cpus=1.5 --cpuset-cpus="$last" --view sh -c \
	"$costs readcost /sys/devices/system/cpu/online $n;
	 readcost /var/lib/lxcfs/sys/devices/system/cpu/online $n; readcost --sysinfo $n"
res $? "the reads in the container, both ways" "exit $st"
inside=$out
i=0
for f in $files online; do
	path=/proc/$f
	[ "$f" = online ] && path=/sys/devices/system/cpu/online
	host=$(readcost "$path" $n)
	nsx=$(printf '%s\n' "$inside" | sed -n "$((2 * i + 1))p")
	lx=$(printf '%s\n' "$inside" | sed -n "$((2 * i + 2))p")
	echo "nsx-lxcfs-cost: $f|$host|$nsx|$lx"
	i=$((i + 1))
done
echo "nsx-lxcfs-cost: sysinfo|$(readcost --sysinfo $n)|$(printf '%s\n' "$inside" | sed -n "$((2 * i + 1))p")|"

kill $lxcfs
wait $lxcfs 2>/dev/null
swapoff "$swapdev"
losetup -d "$swapdev" "$DISK"

echo "nsx-lxcfs: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
