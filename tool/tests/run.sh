#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Tests for nsx, in TAP. POSIX sh (busybox is enough); run as root.
#
#   NSX=/path/to/nsx sh tests/run.sh
#
# NSX defaults to ../nsx next to this script, else nsx from $PATH.
# Every test compares values read from the system (readlink of
# /proc/*/ns/*, /proc/uptime, mountinfo, ...) inside against outside.
#
# The sh -c and awk scripts in single quotes expand their variables
# themselves.
# shellcheck disable=SC2016

here=$(cd "$(dirname "$0")" && pwd)
if [ -z "$NSX" ]; then
	NSX=$here/../nsx
	[ -x "$NSX" ] || NSX=$(command -v nsx)
fi
case $NSX in
/*) ;;
*) NSX=$(cd "$(dirname "$NSX")" && pwd)/$(basename "$NSX") ;;
esac

if [ ! -x "$NSX" ]; then
	echo "Bail out! no nsx binary at '$NSX'"
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "Bail out! must run as root"
	exit 1
fi

tmp=$(mktemp -d) || exit 1
target_parent=
target=
box=

cleanup() {
	[ -z "$box" ] || kill -KILL "$box" 2>/dev/null
	if [ -n "$target" ]; then
		kill -KILL "$target" 2>/dev/null
		wait "$target_parent" 2>/dev/null
	elif [ -n "$target_parent" ]; then
		kill -KILL "$target_parent" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

n=0
failed=0

pass() {
	n=$((n + 1))
	echo "ok $n - $1"
}

fail() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
}

skip() {
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}

# eq DESC GOT WANT
eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1"
		echo "#   got:  '$2'"
		echo "#   want: '$3'"
	fi
}

# differs DESC INSIDE OUTSIDE: both set and different
differs() {
	if [ -n "$2" ] && [ -n "$3" ] && [ "$2" != "$3" ]; then
		pass "$1"
	else
		fail "$1"
		echo "#   inside:  '$2'"
		echo "#   outside: '$3'"
	fi
}

# truth DESC COMMAND...: passes if COMMAND succeeds
truth() {
	desc=$1
	shift
	if "$@"; then
		pass "$desc"
	else
		fail "$desc"
	fi
}

# status DESC WANT COMMAND...: exit status of COMMAND is WANT
# (stderr kept in $tmp/err)
status() {
	desc=$1 want=$2
	shift 2
	"$@" >/dev/null 2>"$tmp/err" </dev/null
	eq "$desc" "$?" "$want"
}

ns_of() {
	readlink "/proc/$1/ns/$2"
}

# The TYPEs whose inodes differ between two "nsx ns" listings (the
# syslog line has the namespace's identifier as a third field).
changed() {
	echo "$1" | while read -r type ino _; do
		other=$(echo "$2" | awk -v t="$type" '$1 == t { print $2 }')
		[ "$ino" = "$other" ] || printf '%s ' "$type"
	done
}

nap() {
	sleep 0.1 2>/dev/null || sleep 1
}

# The optional (propagation) fields of the last mount on / as seen by
# the awk that reads its own /proc/self/mountinfo.
rootprop='$5 == "/" { s = ""; for (i = 7; $i != "-"; i++) s = s $i " "; r = s }
	END { print r }'

# ---- basics ---------------------------------------------------------

out=$("$NSX" --version)
eq "--version prints the version" "${out%% *}" "nsx"
eq "-V, as util-linux spells it, too" "$("$NSX" -V)" "$out"
eq "run -V too" "$("$NSX" run -V)" "$out"
out=$("$NSX" --help)
truth "--help lists run, enter, ns and dmesg" \
	sh -c 'for c in run enter ns dmesg; do
		echo "$1" | grep -q "^[ *] $c " || exit 1; done' sh "$out"
truth "--help marks ns and dmesg as nsx's own" \
	sh -c 'echo "$1" | grep -q "^\* ns " && echo "$1" | grep -q "^\* dmesg "' sh "$out"
out=$("$NSX" run --help)
truth "run --help describes --mount-proc" \
	sh -c 'echo "$1" | grep -q -- "--mount-proc"' sh "$out"
truth "run --help: --realtime and --syslog are marked nsx's own" \
	sh -c 'echo "$1" | grep -q -- "^\*  *--realtime=" &&
		echo "$1" | grep -q -- "^\* -s, --syslog" &&
		echo "$1" | grep -q "those of unshare(1), except those marked"' sh "$out"
truth "run --help: --monotonic, as unshare's, is not marked" \
	sh -c 'echo "$1" | grep -q -- "^      --monotonic="' sh "$out"
truth "run --help: --map-users and --map-groups, as unshare's, are not marked" \
	sh -c 'echo "$1" | grep -q -- "^      --map-users=OUTERUID,INNERUID,COUNT" &&
		echo "$1" | grep -q -- "^      --map-groups=OUTERGID,INNERGID,COUNT"' sh "$out"
truth "run --help: --no-kmsg is marked nsx's own" \
	sh -c 'echo "$1" | grep -q -- "^\*  *--no-kmsg "' sh "$out"
out=$("$NSX" enter --help)
truth "enter --help describes --all" \
	sh -c 'echo "$1" | grep -q -- "--all"' sh "$out"
truth "enter --help: --pidfd is marked nsx's own" \
	sh -c 'echo "$1" | grep -q -- "^\*  *--pidfd=FD" &&
		echo "$1" | grep -q "those of nsenter(1), except those marked"' sh "$out"
truth "enter --help: namespace options take a FILE, as nsenter's" \
	sh -c 'echo "$1" | grep -q -- "^  -n, --net\[=FILE\]"' sh "$out"
truth "enter --help describes --syslog" \
	sh -c 'echo "$1" | grep -q -- "-s, --syslog"' sh "$out"
out=$("$NSX" dmesg --help)
truth "dmesg --help describes --raw" \
	sh -c 'echo "$1" | grep -q -- "--raw"' sh "$out"
truth "ns --help describes the syslog namespace's identifier" \
	sh -c "'$NSX' ns --help | grep -q 'syslog INODE ID'"

# ---- one namespace type at a time -----------------------------------

self_ns=$("$NSX" ns)
for spec in "u uts uts" "i ipc ipc" "n net net" "m mount mnt" \
	    "p pid pid" "U user user" "C cgroup cgroup" "T time time" \
	    "s syslog syslog"; do
	# shellcheck disable=SC2086 # three words
	set -- $spec
	opt=$1 long=$2 ns=$3
	if [ ! -e "/proc/self/ns/$ns" ]; then
		skip "run -$opt creates a $ns namespace" "no $ns namespaces"
		skip "run --$long changes only the $ns namespace" \
			"no $ns namespaces"
		continue
	fi
	outside=$(ns_of self "$ns")
	inside=$("$NSX" run "-$opt" readlink "/proc/self/ns/$ns")
	case $inside in
	"$ns:["*"]") differs "run -$opt creates a $ns namespace" \
		"$inside" "$outside" ;;
	*) fail "run -$opt creates a $ns namespace"
	   echo "#   inside: '$inside'" ;;
	esac

	case $ns in
	pid | time) want="$ns ${ns}_for_children " ;;
	*) want="$ns " ;;
	esac
	inside=$("$NSX" run "--$long" "$NSX" ns)
	eq "run --$long changes only the $ns namespace" \
		"$(changed "$self_ns" "$inside")" "$want"
done

outside=$(ns_of self uts)
inside=$(echo 'readlink /proc/self/ns/uts' | SHELL=/bin/sh "$NSX" run -u)
differs "run without COMMAND runs \$SHELL" "$inside" "$outside"
status "run uses \$SHELL when it is set" 127 \
	env SHELL=/nonexistent/shell "$NSX" run -u

# ---- cgroup view ----------------------------------------------------

memtotal='/^MemTotal:/ { print $2 }'
host_total=$(awk "$memtotal" /proc/meminfo)
eq "--memory --view: MemTotal inside is the limit" \
	"$("$NSX" run --memory=64M --view awk "$memtotal" /proc/meminfo)" 65536
eq "--memory --view: free -k says the same (busybox: sysinfo(2))" \
	"$("$NSX" run --memory=64M --view free -k | awk '/^Mem:/ { print $2 }')" 65536
eq "--memory --view: MemTotal outside is the host's" \
	"$(awk "$memtotal" /proc/meminfo)" "$host_total"
eq "--memory without --view: the host's MemTotal inside" \
	"$("$NSX" run --memory=64M awk "$memtotal" /proc/meminfo)" "$host_total"
eq "--memory: the command runs in a cgroup with that limit" \
	"$("$NSX" run --memory=1G sh -c 'cat /sys/fs/cgroup/nsx.*/memory.max' 2>&1)" \
	1073741824
eq "--memory --view: a new cgroup namespace rooted at that cgroup" \
	"$("$NSX" run --memory=64M --view cat /proc/self/cgroup)" "0::/"
eq "--memory: the cgroup is gone after the command" \
	"$(ls -d /sys/fs/cgroup/nsx.* 2>/dev/null)" ""
status "--memory: the command's exit status is passed on" 7 \
	"$NSX" run --memory=64M sh -c 'exit 7'
eq "--memory: the cgroup is gone after a failing command too" \
	"$(ls -d /sys/fs/cgroup/nsx.* 2>/dev/null)" ""
eq "--view in the root cgroup: the host's MemTotal" \
	"$("$NSX" run --view awk "$memtotal" /proc/meminfo)" "$host_total"
for bad in 0 12Q 1.5G -1 M 16EiB; do
	status "--memory=$bad is a usage error" 2 "$NSX" run --memory="$bad" true
done
status "--memory beyond 64 bits is a usage error" 2 \
	"$NSX" run --memory=99999999999999999999 true
status "--memory=16777216T overflows: a usage error" 2 \
	"$NSX" run --memory=16777216T true

online=/sys/devices/system/cpu/online
host_online=$(cat $online)
eq "--cpus: the cgroup's cpu.max" \
	"$("$NSX" run --cpus=1.5 sh -c 'cat /sys/fs/cgroup/nsx.*/cpu.max')" "150000 100000"
eq "--cpus=0.01: the smallest quota" \
	"$("$NSX" run --cpus=0.01 sh -c 'cat /sys/fs/cgroup/nsx.*/cpu.max')" "1000 100000"
eq "--cpus=0.5 --view: one CPU online inside, the first" \
	"$("$NSX" run --cpus=0.5 --view cat $online)" "${host_online%%[-,]*}"
eq "--cpus=0.5 --view: one processor in /proc/cpuinfo" \
	"$("$NSX" run --cpus=0.5 --view grep -c ^processor /proc/cpuinfo)" 1
eq "--cpus=0.5 without --view: the host's CPUs inside" \
	"$("$NSX" run --cpus=0.5 cat $online)" "$host_online"
eq "--cpus --view: the host's CPUs outside" "$(cat $online)" "$host_online"
last_cpu=$(awk '/^processor/ { n = $3 } END { print n }' /proc/cpuinfo)
eq "--cpuset-cpus: the cgroup's cpuset.cpus" \
	"$("$NSX" run --cpuset-cpus="$last_cpu" sh -c 'cat /sys/fs/cgroup/nsx.*/cpuset.cpus')" \
	"$last_cpu"
eq "--cpuset-cpus --view: that CPU online inside" \
	"$("$NSX" run --cpuset-cpus="$last_cpu" --view cat $online)" "$last_cpu"
eq "--cpuset-cpus --view: /proc/stat has that CPU's line only" \
	"$("$NSX" run --cpuset-cpus="$last_cpu" --view grep -o '^cpu[0-9]*' /proc/stat)" "cpu
cpu$last_cpu"
eq "--cpus --view: procs_running counts the container's tasks (the reader)" \
	"$("$NSX" run --cpus=0.5 --view awk '/^procs_running/ { print $2 }' /proc/stat)" 1
eq "--cpus --view: /proc/loadavg starts at 0, its one task running" \
	"$("$NSX" run --cpus=0.5 --view cat /proc/loadavg | cut -d' ' -f1-4)" "0.00 0.00 0.00 1/1"
eq "--cpuset-cpus without --view: the host's /proc/stat CPU lines inside" \
	"$("$NSX" run --cpuset-cpus="$last_cpu" grep -c '^cpu[0-9]' /proc/stat)" \
	"$(grep -c '^cpu[0-9]' /proc/stat)"
eq "--cpuset-cpus: nproc (the affinity) agrees" \
	"$("$NSX" run --cpuset-cpus="$last_cpu" nproc)" 1
eq "--memory --cpus --view: both views at once" \
	"$("$NSX" run --memory=64M --cpus=0.5 --view sh -c \
		"awk '$memtotal' /proc/meminfo; grep -c ^processor /proc/cpuinfo")" "65536
1"
# The disks: writes on a loop device, 1 MiB from here, 2 MiB inside
img=/tmp/nsx-test-disk.$$
dd if=/dev/zero of="$img" bs=1M count=4 2>/dev/null
loopdev=$(losetup -f)
if losetup "$loopdev" "$img"; then
	sectors="\$3 == \"${loopdev#/dev/}\" { print \$10 }"
	# A loop device keeps its counters from earlier use
	before=$(awk "$sectors" /proc/diskstats)
	dd if=/dev/zero of="$loopdev" bs=1M count=1 oflag=direct 2>/dev/null
	eq "--memory --view: /proc/diskstats has the container's writes on ${loopdev#/dev/}" \
		"$("$NSX" run --memory=64M --view sh -c \
			"dd if=/dev/zero of=$loopdev bs=1M count=2 oflag=direct 2>/dev/null;
			 awk '$sectors' /proc/diskstats")" 4096
	eq "--memory without --view: the host's, 3 MiB more" \
		"$("$NSX" run --memory=64M awk "$sectors" /proc/diskstats)" $((before + 6144))
	losetup -d "$loopdev"
else
	eq "a loop device for the /proc/diskstats test" "$loopdev" attached
fi
rm -f "$img"
eq "--swap: the cgroup's memory.swap.max" \
	"$("$NSX" run --swap=16M sh -c 'cat /sys/fs/cgroup/nsx.*/memory.swap.max')" 16777216
eq "--swap=0: no swap" \
	"$("$NSX" run --swap=0 sh -c 'cat /sys/fs/cgroup/nsx.*/memory.swap.max')" 0
for bad in 0 0.001 1.000001 abc .5 1. -1 1e3 2000000; do
	status "--cpus=$bad is a usage error" 2 "$NSX" run --cpus="$bad" true
done
for bad in "" x 1:2 "0 1"; do
	status "--cpuset-cpus='$bad' is a usage error" 2 "$NSX" run --cpuset-cpus="$bad" true
done
status "--cpuset-cpus of a CPU the machine lacks: the kernel refuses, status 1" 1 \
	"$NSX" run --cpuset-cpus=4095 true
eq "... and the cgroup is gone" "$(ls -d /sys/fs/cgroup/nsx.* 2>/dev/null)" ""

# ---- hostname -------------------------------------------------------

host=$(cat /proc/sys/kernel/hostname)
inside=$("$NSX" run --hostname=nsx-test-uts cat /proc/sys/kernel/hostname)
eq "--hostname sets the hostname inside" "$inside" "nsx-test-uts"
eq "--hostname leaves the hostname outside" \
	"$(cat /proc/sys/kernel/hostname)" "$host"
status "--hostname longer than 64 bytes is a usage error" 2 \
	"$NSX" run --hostname=a123456789b123456789c123456789d123456789e123456789f123456789g12345 true

# ---- user namespaces and id maps ------------------------------------

uid=$(id -u) gid=$(id -g)
eq "run -r: uid 0 inside" "$("$NSX" run -r id -u)" 0
eq "run -r: gid 0 inside" "$("$NSX" run -r id -g)" 0
eq "run -r: uid_map maps 0 to our uid" \
	"$("$NSX" run -r awk '{ print $1, $2, $3 }' /proc/self/uid_map)" \
	"0 $uid 1"
eq "run -r: gid_map maps 0 to our gid" \
	"$("$NSX" run -r awk '{ print $1, $2, $3 }' /proc/self/gid_map)" \
	"0 $gid 1"
eq "run -r: setgroups is deny" \
	"$("$NSX" run -r cat /proc/self/setgroups)" deny
differs "run -r creates a user namespace" \
	"$("$NSX" run -r readlink /proc/self/ns/user)" "$(ns_of self user)"
eq "--map-user/--map-group: ids inside" \
	"$("$NSX" run --map-user=1234 --map-group=2345 sh -c 'echo $(id -u) $(id -g)')" \
	"1234 2345"
eq "--map-user: uid_map maps UID to our uid" \
	"$("$NSX" run --map-user=1234 awk '{ print $1, $2, $3 }' /proc/self/uid_map)" \
	"1234 $uid 1"
eq "run -c: uid_map and gid_map map our ids to themselves" \
	"$("$NSX" run -c cat /proc/self/uid_map /proc/self/gid_map | awk '{ print $1, $2, $3 }')" \
	"$(printf '%s\n%s' "$uid $uid 1" "$gid $gid 1")"
differs "run --map-current-user creates a user namespace" \
	"$("$NSX" run --map-current-user readlink /proc/self/ns/user)" "$(ns_of self user)"

# Ranges of ids, which only a privileged writer may map: a container
# whose root is uid and gid 100000 outside, as root makes them.
# ranged [OPTIONS] COMMAND...: nsx run in such a container
ranged() {
	"$NSX" run --map-users=100000,0,65536 --map-groups=100000,0,65536 "$@"
}
eq "--map-users/--map-groups: uid_map and gid_map have the ranges" \
	"$(ranged cat /proc/self/uid_map /proc/self/gid_map |
		awk '{ print $1, $2, $3 }')" \
	"$(printf '%s\n%s' "0 100000 65536" "0 100000 65536")"
eq "--map-users/--map-groups: the command is root inside, with no groups of ours" \
	"$(ranged sh -c 'echo $(id -u) $(id -g) $(id -G)')" "0 0 0"
eq "--map-users/--map-groups: setgroups stays allowed" \
	"$(ranged cat /proc/self/setgroups)" allow
eq "--map-users/--map-groups: its root has its capabilities" \
	"$(ranged -u sh -c 'hostname nsx-ranges && hostname')" \
	nsx-ranges
eq "--map-users alone: a uid_map with the range, no gid_map" \
	"$("$NSX" run --map-users=100000,0,65536 sh -c \
		'awk "{ print \$1, \$2, \$3 }" /proc/self/uid_map; wc -l </proc/self/gid_map')" \
	"$(printf '%s\n%s' "0 100000 65536" 0)"
differs "--map-users: a new user namespace" \
	"$("$NSX" run --map-users=100000,0,65536 readlink /proc/self/ns/user)" \
	"$(ns_of self user)"
"$NSX" run --map-users=100000,0,65536 --map-groups=100000,0,65536 \
	sleep 300 </dev/null >/dev/null 2>&1 &
box=$!
i=0
while [ $i -lt 100 ] && [ "$(cat "/proc/$box/comm" 2>/dev/null)" != sleep ]; do
	i=$((i + 1))
	nap
done
eq "--map-users/--map-groups: the command is uid and gid 100000 outside" \
	"$(awk '$1 == "Uid:" || $1 == "Gid:" { printf "%s %s ", $2, $3 }' \
		"/proc/$box/status")" "100000 100000 100000 100000 "
kill -KILL "$box" 2>/dev/null
wait "$box" 2>/dev/null
box=
eq "--map-user with --map-users: both lines, the command is UID" \
	"$("$NSX" run --map-user=70000 --map-users=100000,0,65536 sh -c \
		'id -u; awk "{ print \$1, \$2, \$3 }" /proc/self/uid_map | sort')" \
	"$(printf '%s\n%s\n%s' 70000 "0 100000 65536" "70000 $uid 1")"

# As an unprivileged user, if su and a nobody user are there.
nobody=$(id -u nobody 2>/dev/null)
as_nobody() {
	su -s /bin/sh -c "$1" nobody 2>/dev/null </dev/null
}
if [ -z "$nobody" ] || ! command -v su >/dev/null; then
	nobody_why="no su or no nobody user"
elif [ "$(as_nobody 'id -u')" != "$nobody" ]; then
	nobody_why="su to nobody does not work"
elif ! as_nobody "test -x '$NSX'"; then
	nobody_why="nobody cannot run $NSX"
elif [ "$(cat /proc/sys/user/max_user_namespaces 2>/dev/null)" = 0 ]; then
	nobody_why="user namespaces disabled"
else
	nobody_why=
fi
if [ -z "$nobody_why" ]; then
	eq "run -r as nobody: uid 0 inside" \
		"$(as_nobody "'$NSX' run -r id -u")" 0
	eq "run -r as nobody: uid_map maps 0 to nobody" \
		"$(as_nobody "'$NSX' run -r awk '{ print \$1, \$2, \$3 }' /proc/self/uid_map")" \
		"0 $nobody 1"
	eq "run -r as nobody: root inside may set the hostname" \
		"$(as_nobody "'$NSX' run -r --hostname=nsx-nobody cat /proc/sys/kernel/hostname")" \
		nsx-nobody
	eq "run -c as nobody: nobody inside" \
		"$(as_nobody "'$NSX' run -c id -u")" "$nobody"
else
	skip "run -r as nobody: uid 0 inside" "$nobody_why"
	skip "run -r as nobody: uid_map maps 0 to nobody" "$nobody_why"
	skip "run -r as nobody: root inside may set the hostname" "$nobody_why"
	skip "run -c as nobody: nobody inside" "$nobody_why"
fi

# ---- mounts and proc ------------------------------------------------

procs_before=$(awk '$5 == "/proc"' /proc/self/mountinfo)
eq "--pid --mount-proc: /proc/self is pid 1" \
	"$("$NSX" run -p --mount-proc readlink /proc/self)" 1
eq "--pid --mount-proc: pid 1 is the command" \
	"$("$NSX" run -p --mount-proc cat /proc/1/cmdline | tr '\000' ' ')" \
	"cat /proc/1/cmdline "
eq "--mount-proc leaves the outer /proc alone" \
	"$(awk '$5 == "/proc"' /proc/self/mountinfo)" "$procs_before"
differs "--mount-proc implies --mount" \
	"$("$NSX" run --mount-proc readlink /proc/self/ns/mnt)" \
	"$(ns_of self mnt)"
mkdir "$tmp/proc"
eq "--mount-proc=DIR mounts proc on DIR" \
	"$("$NSX" run -p --mount-proc="$tmp/proc" readlink "$tmp/proc/self")" 1
eq "--mount-proc=DIR leaves DIR empty outside" "$(ls -A "$tmp/proc")" ""

outside=$(awk "$rootprop" /proc/self/mountinfo)
eq "--mount makes / private by default" \
	"$("$NSX" run -m awk "$rootprop" /proc/self/mountinfo)" ""
inside=$("$NSX" run -m --propagation=shared awk "$rootprop" /proc/self/mountinfo)
case $inside in
*shared:*) pass "--propagation=shared makes / shared" ;;
*) fail "--propagation=shared makes / shared"
   echo "#   got: '$inside'" ;;
esac
inside=$("$NSX" run -m --propagation=slave awk "$rootprop" /proc/self/mountinfo)
case $inside in
*shared:*) fail "--propagation=slave: / is not shared"
	   echo "#   got: '$inside'" ;;
*) pass "--propagation=slave: / is not shared" ;;
esac
eq "--propagation=unchanged keeps the propagation of /" \
	"$("$NSX" run -m --propagation=unchanged awk "$rootprop" /proc/self/mountinfo)" \
	"$outside"
status "--propagation with a bad mode is a usage error" 2 \
	"$NSX" run -m --propagation=sideways true

# ---- time namespaces ------------------------------------------------

# up_in_range LO HI OFFSET VALUE: LO + OFFSET <= VALUE <= HI + OFFSET,
# give or take the 0.01 s resolution of /proc/uptime.
up_in_range() {
	awk -v lo="$1" -v hi="$2" -v off="$3" -v v="$4" 'BEGIN {
		exit !(v >= lo + off - 0.011 && v <= hi + off + 0.011) }'
}
# uptime_check DESC BEFORE AFTER OFFSET INSIDE
uptime_check() {
	if [ -n "$5" ] && up_in_range "$2" "$3" "$4" "$5"; then
		pass "$1"
	else
		fail "$1"
		echo "#   outside $2..$3, offset $4, inside '$5'"
	fi
}

before=$(cut -d' ' -f1 /proc/uptime)
inside=$("$NSX" run --boottime=86400 cut -d' ' -f1 /proc/uptime)
after=$(cut -d' ' -f1 /proc/uptime)
uptime_check "--boottime=86400 moves /proc/uptime a day ahead" \
	"$before" "$after" 86400 "$inside"

before=$(cut -d' ' -f1 /proc/uptime)
inside=$("$NSX" run --boottime=-1.5 cut -d' ' -f1 /proc/uptime)
after=$(cut -d' ' -f1 /proc/uptime)
uptime_check "--boottime=-1.5 moves /proc/uptime 1.5 s back" \
	"$before" "$after" -1.5 "$inside"

eq "--monotonic and --boottime offsets in timens_offsets, as mainline shows them" \
	"$("$NSX" run --monotonic=-1.5 --boottime=2.25 \
		awk '{ printf "%s %s %s ", $1, $2, $3 }' \
		/proc/self/timens_offsets)" \
	"monotonic -2 500000000 boottime 2 250000000 "
eq "--monotonic takes up to nine decimals" \
	"$("$NSX" run --monotonic=+3.000000001 \
		awk '$1 == "monotonic" { print $2, $3 }' /proc/self/timens_offsets)" \
	"3 1"
differs "--monotonic implies --time" \
	"$("$NSX" run --monotonic=10 readlink /proc/self/ns/time)" \
	"$(ns_of self time)"
for bad in abc 1.5x 1. .5 1e3 "" " 1" 1.0000000001 99999999999999999999; do
	status "--monotonic='$bad' is a usage error" 2 \
		"$NSX" run --monotonic="$bad" true
done

# ---- the wall clock: --realtime -------------------------------------

# in_range DESC LO HI VALUE: VALUE is an integer within [LO, HI]
in_range() {
	if awk -v lo="$2" -v hi="$3" -v v="$4" 'BEGIN {
		exit !(v ~ /^-?[0-9]+$/ && v + 0 >= lo && v + 0 <= hi) }'; then
		pass "$1"
	else
		fail "$1"
		echo "#   want $2..$3, got '$4'"
	fi
}

# rt_at DESC WHEN TARGET: with --realtime=WHEN the wall clock inside
# starts at TARGET (epoch seconds), give or take 30 s of running.
rt_at() {
	in_range "$1" "$3" "$(($3 + 30))" \
		"$("$NSX" run --realtime="$2" date -u +%s)"
}

# rt_by DESC WHEN OFFSET: the wall clock inside is OFFSET seconds (an
# integer) from the one outside, as read before and after.
rt_by() {
	before=$(date -u +%s)
	inside=$("$NSX" run --realtime="$2" date -u +%s)
	after=$(date -u +%s)
	in_range "$1" "$((before + $3))" "$((after + $3))" "$inside"
}

# "2040-01-01 00:00:00" to epoch seconds, by date(1), not by nsx.
epoch() {
	date -u -d "$1" +%s
}

out=$("$NSX" run --help)
truth "run --help describes --realtime" \
	sh -c 'echo "$1" | grep -q -- "--realtime=WHEN"' sh "$out"

# A kernel with realtime offsets takes one in a new time namespace (it
# shows the line only where the offset is set); without, nsx must say
# the kernel refused the offset.
if unshare_rt=$("$NSX" run --realtime=1 cat /proc/self/timens_offsets 2>/dev/null) &&
	echo "$unshare_rt" | grep -q '^realtime '; then
	realtime=yes
else
	realtime=
	status "--realtime on a kernel without realtime offsets fails" 1 \
		"$NSX" run --realtime=3600 true
	truth "... saying the kernel refused the realtime offset" \
		grep -q "refused the realtime offset.*nsx kernel" "$tmp/err"
	skip "--realtime in the namespace" \
		"the kernel has no realtime time namespace offsets"
fi

if [ -n "$realtime" ]; then
	# +20y: the same UTC date and time 20 calendar years on.
	# shellcheck disable=SC2046 # four words
	set -- $(date -u '+%s %Y %m-%d %H:%M:%S')
	b_year=$2 b_rest="$3 $4"
	inside=$("$NSX" run --realtime=+20y date -u '+%s %Y')
	# shellcheck disable=SC2046
	set -- $(date -u '+%s %Y %m-%d %H:%M:%S')
	a_year=$2 a_rest="$3 $4"
	case ${inside#* } in
	$((b_year + 20)) | $((a_year + 20)))
		pass "--realtime=+20y: the year inside is 20 years on" ;;
	*) fail "--realtime=+20y: the year inside is 20 years on"
	   echo "#   outside $b_year..$a_year, inside '${inside#* }'" ;;
	esac
	in_range "--realtime=+20y: the same date and time, 20 years on" \
		"$(epoch "$((b_year + 20))-$b_rest")" \
		"$(epoch "$((a_year + 20))-$a_rest")" "${inside%% *}"

	start=$(epoch "2040-01-01 00:00:00")
	inside=$("$NSX" run --realtime=2040-01-01T00:00:00 date -u '+%Y-%m-%d %s')
	eq "--realtime=2040-01-01T00:00:00: the date inside" \
		"${inside%% *}" 2040-01-01
	in_range "--realtime=2040-01-01T00:00:00: the time inside" \
		"$start" "$((start + 30))" "${inside#* }"
	rt_at "--realtime=2040-01-01T00:00:00Z" 2040-01-01T00:00:00Z "$start"
	rt_at "--realtime='2040-01-01 00:00:00'" "2040-01-01 00:00:00" "$start"
	rt_at "--realtime=2040-01-01 is midnight UTC" 2040-01-01 "$start"
	rt_at "--realtime=2040-02-29T12:30 (a leap day, no seconds)" \
		2040-02-29T12:30 "$(epoch "2040-02-29 12:30:00")"
	rt_at "--realtime=2000-01-01, before the host's time" 2000-01-01 \
		"$(epoch "2000-01-01 00:00:00")"
	start=$(($(date -u +%s) + 123456789))
	rt_at "--realtime=@SECONDS" "@$start" "$start"
	rt_at "--realtime=@SECONDS.FRACTION" "@$start.75" "$start"

	# From a namespace with a wall clock offset of its own, dates are
	# still dates and offsets are still from the host's clock.
	start=$(epoch "2050-06-01 00:00:00")
	in_range "--realtime=DATE from a namespace with a realtime offset" \
		"$start" "$((start + 30))" \
		"$("$NSX" run --realtime=2040-01-01 \
			"$NSX" run --realtime=2050-06-01 date -u +%s)"
	eq "--realtime=SECONDS from such a namespace: from the host's clock" \
		"$("$NSX" run --realtime=+1d "$NSX" run --realtime=3600 \
			awk '$1 == "realtime" { print $2, $3 }' \
			/proc/self/timens_offsets)" "3600 0"
	eq "a time namespace starts with its parent's realtime offset" \
		"$("$NSX" run --realtime=+1d "$NSX" run --monotonic=5 \
			awk '$1 == "realtime" { print $2, $3 }' \
			/proc/self/timens_offsets)" "86400 0"

	rt_by "--realtime=3600: an hour ahead" 3600 3600
	rt_by "--realtime=+1h30m: 90 minutes ahead" +1h30m 5400
	rt_by "--realtime=-3d: three days back" -3d -259200
	before=$(date -u +%s)
	inside=$("$NSX" run --realtime=-1.5 date -u +%s)
	after=$(date -u +%s)
	in_range "--realtime=-1.5: 1.5 s back" \
		"$((before - 2))" "$((after - 1))" "$inside"

	for spec in "3600.25 3600 250000000" "-1.5 -2 500000000" \
		    "+0.000000001 0 1" "0 0 0" "+90s 90 0" "+1h30m 5400 0" \
		    "+1d12h 129600 0" "-2w -1209600 0" \
		    "+1w1d1h1m1s 694861 0"; do
		# shellcheck disable=SC2086 # three words
		set -- $spec
		# A zero offset is none: no realtime line, as on mainline.
		want="$2 $3"
		[ "$want" = "0 0" ] && want=
		eq "--realtime=$1: 'realtime $2 $3' in timens_offsets${want:- (no line)}" \
			"$("$NSX" run --realtime="$1" awk \
				'$1 == "realtime" { print $2, $3 }' \
				/proc/self/timens_offsets)" "$want"
	done
	eq "--realtime with --monotonic: both offsets, boottime untouched" \
		"$("$NSX" run --monotonic=-1.5 --realtime=3600.25 \
			awk '{ printf "%s %s %s ", $1, $2, $3 }' \
			/proc/self/timens_offsets)" \
		"monotonic -2 500000000 boottime 0 0 realtime 3600 250000000 "
	rt_before=$(date -u +%s)
	before=$(cut -d' ' -f1 /proc/uptime)
	inside=$("$NSX" run --boottime=86400 --realtime=+1d \
		sh -c 'cut -d" " -f1 /proc/uptime; date -u +%s')
	after=$(cut -d' ' -f1 /proc/uptime)
	rt_after=$(date -u +%s)
	uptime_check "--realtime with --boottime: uptime a day ahead" \
		"$before" "$after" 86400 "${inside%%[!0-9.]*}"
	in_range "--realtime with --boottime: wall clock a day ahead" \
		"$((rt_before + 86400))" "$((rt_after + 86400))" \
		"${inside##*[!0-9]}"
	differs "--realtime implies --time" \
		"$("$NSX" run --realtime=+1d readlink /proc/self/ns/time)" \
		"$(ns_of self time)"

	status "--realtime past what the kernel allows fails" 1 \
		"$NSX" run --realtime=2200-01-01 true
	truth "... saying the kernel refused the realtime offset" \
		grep -q "refused the realtime offset.*between 1970" "$tmp/err"
	status "--realtime before 1970 in the namespace fails" 1 \
		"$NSX" run --realtime=-100y true
	status "--realtime=+9223372036854775807s fails" 1 \
		"$NSX" run --realtime=+9223372036854775807s true
fi

for bad in abc "" y + +y 1.5x " 1" +1.5h +1mo +1x +1h30 "+1d 12h" \
	   +1h1h +30m1h 99999999999999999999 +99999999999999999999s \
	   +9223372036854775807w +2147483647y 2040-13-01 2040-00-10 \
	   2040-02-30 2041-02-29 2100-02-29 2040-01-32 2040-01-01T24:00 \
	   2040-01-01T00:60 2040-01-01T00:00:60 2040-1-1 2040-01-01Z \
	   2040-01-01T 2040-01-01T00:00:00ZZ 2040-01-01T00:00:00+01:00 \
	   1969-12-31 @ @abc @-1 @1.0000000001; do
	status "--realtime='$bad' is a usage error" 2 \
		"$NSX" run --realtime="$bad" true
done
status "--realtime=20y is a usage error" 2 "$NSX" run --realtime=20y true
truth "... saying that units need a sign" grep -q "needs a sign" "$tmp/err"

# ---- syslog namespaces ---------------------------------------------

# The text of kernel log lines, without the "[seconds] " of PRINTK_TIME.
notime() {
	sed 's/^\[[^]]*\] //'
}

# <N> and text of raw kernel log lines, without the "[seconds] ".
rawnotime() {
	sed 's/^\(<[0-9]*>\)\[[^]]*\] /\1/'
}

# The inode of a "syslog:[INODE]" link.
inode() {
	echo "$1" | sed -n 's/^syslog:\[\([0-9]*\)\]$/\1/p'
}

# The identifier of the "syslog INODE ID" line in "nsx ns" output: that
# of the "syslogns[ID]: " mark in the host's log.
nsid() {
	echo "$1" | awk '$1 == "syslog" && NF == 3 { print $3 }'
}

# The identifier of process PID's syslog namespace.
nsid_of() {
	nsid "$("$NSX" ns "$1")"
}

# hostlog PATTERN: how many lines of the host's log, as dmesg(1) shows
# it, match the basic regular expression PATTERN (whole line).
hostlog() {
	dmesg | notime | grep -c "^$1\$"
}

if [ ! -e /proc/self/ns/syslog ]; then
	status "run --syslog on a kernel without syslog namespaces fails" 1 \
		"$NSX" run --syslog true
	truth "... saying the kernel has no syslog namespaces" \
		grep -q "^nsx: this kernel has no syslog namespaces" "$tmp/err"
	status "enter --syslog on such a kernel fails" 1 \
		"$NSX" enter -t $$ --syslog true
	truth "... saying the kernel has no syslog namespaces" \
		grep -q "^nsx: this kernel has no syslog namespaces" "$tmp/err"
	status "dmesg PID on such a kernel fails" 1 "$NSX" dmesg $$
	truth "... saying the kernel has no syslog namespaces" \
		grep -q "^nsx: this kernel has no syslog namespaces" "$tmp/err"
	skip "syslog namespaces" "the kernel has no syslog namespaces"
else
	# Lines unique to this run, so that an older run's cannot match.
	tag=nsx-test-$$-$(cut -d' ' -f1 /proc/uptime)

	eq "a new syslog namespace starts with an empty log (dmesg)" \
		"$("$NSX" run --syslog dmesg)" ""
	eq "a new syslog namespace starts with an empty log (nsx dmesg)" \
		"$("$NSX" run --syslog "$NSX" dmesg)" ""

	# The mark is the identifier nsx ns shows, which the kernel never
	# gives another namespace; inode numbers are reused.
	eq "ns: the host's syslog namespace has identifier 1" \
		"$(nsid "$("$NSX" ns)")" 1
	eq "ns PID: the same for PID \$\$" "$(nsid_of $$)" 1
	eq "ns: only the syslog line has a third field" \
		"$("$NSX" ns | awk 'NF != 2 { print $1, NF }')" "syslog 3"
	first=$(nsid "$("$NSX" run --syslog "$NSX" ns)")
	second=$(nsid "$("$NSX" run --syslog "$NSX" ns)")
	differs "ns: a new syslog namespace's identifier is not the host's" \
		"$first" 1
	differs "ns: two syslog namespaces, one after the other, have different identifiers" \
		"$first" "$second"

	out=$("$NSX" run --syslog sh -c "'$NSX' ns | grep '^syslog '
		echo '$tag-one' >/dev/kmsg && dmesg")
	one=$(nsid "$(echo "$out" | sed -n 1p)")
	oneino=$(echo "$out" | awk '$1 == "syslog" { print $2 }')
	eq "a line written to /dev/kmsg inside is all dmesg shows inside" \
		"$(echo "$out" | sed 1d | notime)" "$tag-one"
	eq "the host's dmesg has it, marked syslogns[ID] with the ID nsx ns shows" \
		"$(hostlog "syslogns\[$one\]: $tag-one")" 1
	eq "... not with the inode number" \
		"$(hostlog "syslogns\[$oneino\]: $tag-one")" 0
	eq "... and never unmarked" "$(hostlog "$tag-one")" 0

	# nsx dmesg reads what dmesg(1) reads; -r keeps the priorities.
	"$NSX" run --syslog sh -c "echo '<5>$tag-a' >/dev/kmsg &&
		echo '$tag-b' >/dev/kmsg && dmesg >'$tmp/busybox' &&
		'$NSX' dmesg >'$tmp/nsx' && '$NSX' dmesg -r >'$tmp/raw'"
	eq "nsx dmesg inside: the namespace's lines" \
		"$(notime <"$tmp/nsx" | tr '\n' ' ')" "$tag-a $tag-b "
	eq "nsx dmesg inside: the same as dmesg(1)" \
		"$(cat "$tmp/nsx")" "$(cat "$tmp/busybox")"
	eq "nsx dmesg -r: the <N> of a user-level notice" \
		"$(sed -n 1p "$tmp/raw" | sed 's/^\(<[0-9]*>\)\[[^]]*\] /\1/')" \
		"<13>$tag-a"
	eq "nsx dmesg -r: every line has its <N>" \
		"$(grep -c '^<[0-9][0-9]*>' "$tmp/raw")" 2

	# A nested namespace's line reaches its parent's log, marked.
	out=$("$NSX" run --syslog sh -c "'$NSX' run --syslog sh -c \
		'\"$NSX\" ns | grep \"^syslog \"; echo $tag-nested >/dev/kmsg'
		dmesg")
	nested=$(nsid "$(echo "$out" | sed -n 1p)")
	eq "a parent namespace sees its child's line, marked" \
		"$(echo "$out" | sed 1d | notime)" \
		"syslogns[$nested]: $tag-nested"
	eq "the host sees it with the same mark" \
		"$(hostlog "syslogns\[$nested\]: $tag-nested")" 1

	# A namespace that lives on: entered by pid, read by nsx dmesg PID.
	"$NSX" run --syslog sleep 300 </dev/null >/dev/null 2>&1 &
	box=$!
	i=0
	while [ $i -lt 100 ] &&
	      [ "$(ns_of "$box" syslog)" = "$(ns_of self syslog)" ]; do
		i=$((i + 1))
		nap
	done
	differs "run --syslog COMMAND: COMMAND is in a new syslog namespace" \
		"$(ns_of "$box" syslog)" "$(ns_of self syslog)"
	boxino=$(inode "$(ns_of "$box" syslog)")
	boxid=$(nsid_of "$box")
	eq "ns PID: the target's syslog identifier, as nsx ns shows it inside" \
		"$boxid" "$(nsid "$("$NSX" enter -t "$box" -s "$NSX" ns)")"
	eq "enter -s: in the target's syslog namespace" \
		"$("$NSX" enter -t "$box" -s readlink /proc/self/ns/syslog)" \
		"$(ns_of "$box" syslog)"
	eq "enter -s: enters nothing else" \
		"$("$NSX" enter -t "$box" --syslog "$NSX" ns |
			awk '$1 != "syslog"')" \
		"$("$NSX" ns | awk '$1 != "syslog"')"
	eq "dmesg PID: an untouched namespace's log is empty" \
		"$("$NSX" dmesg "$box")" ""
	"$NSX" enter -t "$box" -s sh -c "echo '$tag-box' >/dev/kmsg"
	echo "$tag-host" >/dev/kmsg
	eq "dmesg PID: the target's line and nothing else" \
		"$("$NSX" dmesg "$box" | notime)" "$tag-box"
	eq "enter -s: dmesg inside shows the target's log" \
		"$("$NSX" enter -t "$box" -s dmesg | notime)" "$tag-box"
	eq "the host's dmesg has the target's line, marked" \
		"$(hostlog "syslogns\[$boxid\]: $tag-box")" 1
	eq "nsx dmesg: our own (the host's) log, with the marked line" \
		"$("$NSX" dmesg | notime |
			grep -c "^syslogns\[$boxid\]: $tag-box\$")" 1
	eq "nsx dmesg \$\$: our own namespace, read without setns" \
		"$("$NSX" dmesg $$ | notime | grep -c "^$tag-host\$")" 1
	eq "dmesg PID: not the host's own lines" \
		"$("$NSX" dmesg "$box" | grep -c "$tag-host")" 0

	# A sibling's line never reaches it.
	out=$("$NSX" run --syslog sh -c "echo '$tag-two' >/dev/kmsg; dmesg")
	eq "a sibling's dmesg has only its own line" \
		"$(echo "$out" | notime)" "$tag-two"
	eq "dmesg PID: nothing of the sibling's" \
		"$("$NSX" dmesg "$box" | notime)" "$tag-box"
	eq "the host has both lines, marked" \
		"$(dmesg | notime |
			grep -cE "^syslogns\[[0-9]+\]: $tag-(box|two)\$")" 2
	eq "... the sibling's not as the target's" \
		"$(hostlog "syslogns\[$boxid\]: $tag-two")" 0
	eq "ns PID lists the target's syslog namespace" \
		"$("$NSX" ns "$box" | awk '$1 == "syslog" { print $2 }')" \
		"$boxino"

	# A container whose root is uid 100000 outside may not open the
	# host's /dev/kmsg (root's, 0644) for writing: nsx bind-mounts a
	# node of its own over it. Its init writes there early, as systemd
	# does; the host's copy of a warning is a notice.
	kmsg_before=$(stat -c '%u %g %a %t:%T' /dev/kmsg)
	writer='exec 3>/dev/kmsg &&
		echo "<6>systemd[1]: Started Journal Service." >&3 &&
		echo "<4>systemd[1]: Something odd." >&3'
	eq "--map-users -m -s: /dev/kmsg inside is the container root's, 0600" \
		"$(ranged --mount --syslog stat -c '%u %g %a %t:%T' /dev/kmsg)" \
		"0 0 600 1:b"
	out=$(ranged --mount --syslog sh -c "'$NSX' ns | grep '^syslog '
		$writer && dmesg && echo -- && '$NSX' dmesg -r")
	kid=$(nsid "$(echo "$out" | sed -n 1p)")
	eq "--map-users -m -s: an early writer's lines are what dmesg shows inside" \
		"$(echo "$out" | sed -n 2,3p | notime)" \
		"$(printf '%s\n%s' "systemd[1]: Started Journal Service." \
			"systemd[1]: Something odd.")"
	eq "... with the levels as written (nsx dmesg -r inside)" \
		"$(echo "$out" | sed -n 5,6p | rawnotime)" \
		"$(printf '%s\n%s' "<14>systemd[1]: Started Journal Service." \
			"<12>systemd[1]: Something odd.")"
	eq "the host's dmesg has both, marked with the namespace's identifier" \
		"$(dmesg | notime | grep "^syslogns\[$kid\]: ")" \
		"$(printf '%s\n%s' "syslogns[$kid]: systemd[1]: Started Journal Service." \
			"syslogns[$kid]: systemd[1]: Something odd.")"
	eq "... the <4> line as a notice (<13>), the <6> one as written (nsx dmesg -r)" \
		"$("$NSX" dmesg -r | rawnotime | grep "^<[0-9]*>syslogns\[$kid\]: ")" \
		"$(printf '%s\n%s' \
			"<14>syslogns[$kid]: systemd[1]: Started Journal Service." \
			"<13>syslogns[$kid]: systemd[1]: Something odd.")"
	out=$(ranged --no-kmsg --mount --syslog sh -c "$writer && echo written" \
		2>"$tmp/err")
	eq "--no-kmsg: the container's root cannot open /dev/kmsg for writing" \
		"$out" ""
	truth "... Permission denied" \
		grep -q "/dev/kmsg: Permission denied" "$tmp/err"
	eq "--map-users -s without --mount: no node, the host's /dev/kmsg" \
		"$(ranged --syslog stat -c '%a %t:%T' /dev/kmsg)" \
		"$(stat -c '%a %t:%T' /dev/kmsg)"
	eq "run -r -m -s as root, root outside too: no node" \
		"$("$NSX" run -r --mount --syslog stat -c '%u %g %a %t:%T' /dev/kmsg)" \
		"$kmsg_before"
	eq "the host's /dev/kmsg is as it was" \
		"$(stat -c '%u %g %a %t:%T' /dev/kmsg)" "$kmsg_before"
	eq "... nothing is mounted on it" \
		"$(awk '$5 == "/dev/kmsg"' /proc/self/mountinfo)" ""
	eq "... and the node nsx made is gone" "$(ls -A /run/nsx 2>/dev/null)" ""

	if [ -z "$nobody_why" ]; then
		status "run --syslog as nobody, without a user namespace, fails" 1 \
			su -s /bin/sh -c "'$NSX' run --syslog true" nobody
		truth "... with EPERM" \
			grep -q "^nsx: unshare: Operation not permitted" "$tmp/err"
		differs "run -r --syslog as nobody: a syslog namespace of its own" \
			"$(as_nobody "'$NSX' run -r --syslog readlink /proc/self/ns/syslog")" \
			"$(ns_of self syslog)"
		status "dmesg PID as nobody, of a namespace root owns, fails" 1 \
			su -s /bin/sh -c "'$NSX' dmesg $box" nobody
		truth "... in setns, with EPERM" \
			grep -q "^nsx: setns $box: Operation not permitted" "$tmp/err"
		status "run -r -m -s as nobody goes on without a /dev/kmsg node" 0 \
			su -s /bin/sh -c "'$NSX' run -r --mount --syslog true" nobody
		eq "... saying once that it needs CAP_MKNOD" \
			"$(grep -c "CAP_MKNOD" "$tmp/err")" 1
		status "run --no-kmsg -r -m -s as nobody" 0 \
			su -s /bin/sh -c "'$NSX' run --no-kmsg -r --mount --syslog true" nobody
		eq "... says nothing" "$(cat "$tmp/err")" ""
	else
		skip "syslog namespaces as nobody" "$nobody_why"
	fi
	kill -KILL "$box" 2>/dev/null
	wait "$box" 2>/dev/null
	box=
fi

# ---- exit status ----------------------------------------------------

status "exit status of the command is passed on" 7 \
	"$NSX" run -u sh -c 'exit 7'
status "exit status passed on through the fork" 3 \
	"$NSX" run -p sh -c 'exit 3'
status "killed by a signal: 128 + signal" 143 \
	"$NSX" run -f sh -c 'kill -TERM $$'
status "command not found: 127" 127 "$NSX" run -u /nonexistent/command

# ---- usage errors ---------------------------------------------------

status "no command: usage error" 2 "$NSX"
status "unknown command: usage error" 2 "$NSX" bogus
status "run: unknown long option" 2 "$NSX" run --bogus true
truth "run: usage errors give a hint" grep -q "Try 'nsx run --help'" "$tmp/err"
status "run: unknown short option" 2 "$NSX" run -Z true
status "run: option with a missing argument" 2 "$NSX" run --map-user
status "run: negative UID" 2 "$NSX" run --map-user=-1 true
status "run: UID out of range" 2 "$NSX" run --map-user=4294967296 true
status "run: UID with trailing junk" 2 "$NSX" run --map-group=12x true
status "run: option that takes no argument given one" 2 \
	"$NSX" run --fork=yes true
for bad in "" 1 1,2 "1,2,3," 1,,3 ",1,2" "1 ,2,3" 1,2,3x -1,0,1 1,2,0 auto \
	   4294967295,0,1 0,4294967295,1 4294967294,0,2 0,0,4294967296 \
	   99999999999999999999,0,1; do
	status "run: --map-users='$bad' is a usage error" 2 \
		"$NSX" run --map-users="$bad" true
done
status "run: --map-groups with two fields is a usage error" 2 \
	"$NSX" run --map-groups=1,2 true
status "run: a --map-users range over -r's uid 0 is a usage error" 2 \
	"$NSX" run -r --map-users=100000,0,65536 true
truth "... saying it overlaps" grep -q "overlaps" "$tmp/err"
status "run: a --map-groups range over our gid is a usage error" 2 \
	"$NSX" run --map-group=5000 --map-groups="$(id -g),0,1" true
status "enter: no -t" 2 "$NSX" enter -a true
status "enter: bad PID" 2 "$NSX" enter -t 12abc -a true
status "enter: PID 0" 2 "$NSX" enter -t 0 -a true
status "enter: no namespace options" 2 "$NSX" enter -t 1 true
status "enter: -t and --pidfd" 2 "$NSX" enter -t 1 --pidfd=0 -a true
status "enter: bad --pidfd" 2 "$NSX" enter --pidfd=x -a true
status "enter: -a needs a target even with files" 2 \
	"$NSX" enter -a --uts=/proc/self/ns/uts true
status "enter: an empty FILE" 2 "$NSX" enter --uts= true
status "enter: a type both with and without a FILE" 2 \
	"$NSX" enter -t 1 -u --uts=/proc/self/ns/uts true
status "enter: --pidfd on a descriptor that is no pidfd fails" 1 \
	"$NSX" enter --pidfd=0 -a true
truth "... saying so" grep -q "^nsx: descriptor 0 is not a pidfd" "$tmp/err"
status "enter: --pidfd on a closed descriptor fails" 1 \
	"$NSX" enter --pidfd=9 -a true
status "enter: a FILE that does not exist fails" 1 \
	"$NSX" enter --net=/nonexistent true
status "enter: a FILE of another type fails" 1 \
	"$NSX" enter --net=/proc/self/ns/uts true
status "ns: bad PID" 2 "$NSX" ns abc
status "dmesg: bad PID" 2 "$NSX" dmesg 12abc
status "dmesg: PID 0" 2 "$NSX" dmesg 0
status "dmesg: more than one PID" 2 "$NSX" dmesg 1 1
status "dmesg: unknown option" 2 "$NSX" dmesg --bogus

nopid=$(($(cat /proc/sys/kernel/pid_max) - 1))
while [ -e "/proc/$nopid" ]; do
	nopid=$((nopid - 1))
done
status "enter into a non-existent pid fails" 1 \
	"$NSX" enter -t "$nopid" -a true
truth "... with 'nsx: <what>: <error>'" grep -q "^nsx: .*$nopid: ." "$tmp/err"
status "ns of a non-existent pid fails" 1 "$NSX" ns "$nopid"
if [ -e /proc/self/ns/syslog ]; then
	status "dmesg of a non-existent pid fails" 1 "$NSX" dmesg "$nopid"
	truth "... with 'nsx: <what>: <error>'" \
		grep -q "^nsx: .*$nopid: ." "$tmp/err"
fi

# ---- nsx ns ---------------------------------------------------------

want=$(for f in "/proc/$$/ns/"*; do
	echo "${f##*/} $(readlink "$f" | sed 's/.*\[\(.*\)\]$/\1/')"
done | sort)
eq "ns PID lists /proc/PID/ns" \
	"$("$NSX" ns $$ | awk '{ print $1, $2 }' | sort)" "$want"
eq "ns without PID lists our own namespaces" \
	"$("$NSX" ns | awk '{ print $1, $2 }' | sort)" "$want"
eq "ns: TYPE INODE lines, a third field only for syslog" \
	"$("$NSX" ns | awk '$1 != "syslog" && NF != 2 || NF < 2 || NF > 3')" ""

# ---- nsx enter ------------------------------------------------------

# A target in new namespaces of every type; it is the child of nsx.
# With realtime offsets in the kernel, it has one of those too.
# With syslog namespaces, it has its own log.
rtopt=
[ -z "$realtime" ] || rtopt=--realtime=+10d
syslogopt=
[ ! -e /proc/self/ns/syslog ] || syslogopt=--syslog
"$NSX" run -r -u -i -n -m -p -C -T --mount-proc --hostname=nsx-target \
	--boottime=1000 $rtopt $syslogopt sleep 300 </dev/null >/dev/null 2>&1 &
target_parent=$!
i=0
while [ $i -lt 100 ]; do
	for s in /proc/[0-9]*/stat; do
		line=$(cat "$s" 2>/dev/null) || continue
		# shellcheck disable=SC2086 # the fields after "(comm) "
		set -- ${line##*) }
		if [ "$2" = "$target_parent" ]; then
			pid=${s#/proc/}
			pid=${pid%/stat}
			[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sleep ] &&
				target=$pid
		fi
	done
	[ -n "$target" ] && break
	i=$((i + 1))
	nap
done

if [ -z "$target" ]; then
	fail "a target process in new namespaces starts"
else
	pass "a target process in new namespaces starts"
	eq "enter -a: sees the target's hostname" \
		"$("$NSX" enter -t "$target" -a cat /proc/sys/kernel/hostname)" \
		nsx-target
	eq "enter -a: all namespaces are the target's" \
		"$("$NSX" enter -t "$target" -a "$NSX" ns)" \
		"$("$NSX" ns "$target")"
	eq "enter -a: in the target's pid namespace, with its /proc" \
		"$("$NSX" enter -t "$target" -a sh -c 'cat /proc/1/comm')" \
		sleep
	eq "enter -u: sees the target's hostname" \
		"$("$NSX" enter -t "$target" -u cat /proc/sys/kernel/hostname)" \
		nsx-target
	eq "enter -u: enters nothing else" \
		"$("$NSX" enter -t "$target" -u readlink /proc/self/ns/net)" \
		"$(ns_of self net)"
	eq "enter -p: forks into the target's pid namespace" \
		"$("$NSX" enter -t "$target" -p readlink /proc/self/ns/pid)" \
		"$(ns_of "$target" pid)"
	eq "enter -T: in the target's time namespace" \
		"$("$NSX" enter -t "$target" -T readlink /proc/self/ns/time)" \
		"$(ns_of "$target" time)"
	before=$(cut -d' ' -f1 /proc/uptime)
	inside=$("$NSX" enter -t "$target" -T cut -d' ' -f1 /proc/uptime)
	after=$(cut -d' ' -f1 /proc/uptime)
	uptime_check "enter -T: sees the target's boottime offset" \
		"$before" "$after" 1000 "$inside"
	if [ -n "$realtime" ]; then
		rt_before=$(date -u +%s)
		inside=$("$NSX" enter -t "$target" -T date -u +%s)
		rt_after=$(date -u +%s)
		in_range "enter -T: sees the target's wall clock, 10 days on" \
			"$((rt_before + 864000))" "$((rt_after + 864000))" \
			"$inside"
	fi
	eq "enter -U -u: uid 0 in the target's user namespace" \
		"$("$NSX" enter -t "$target" -U -u id -u)" 0
	eq "enter --uts=FILE: the namespace FILE refers to" \
		"$("$NSX" enter --uts="/proc/$target/ns/uts" cat /proc/sys/kernel/hostname)" \
		nsx-target
	eq "enter -nFILE: that network namespace and nothing else" \
		"$("$NSX" enter -n"/proc/$target/ns/net" sh -c 'readlink /proc/self/ns/net; readlink /proc/self/ns/uts')" \
		"$(printf '%s\n%s' "$(ns_of "$target" net)" "$(ns_of self uts)")"
	eq "enter -t PID -u --net=FILE: the target's uts, FILE's network" \
		"$("$NSX" enter -t "$target" -u --net=/proc/$$/ns/net sh -c 'cat /proc/sys/kernel/hostname; readlink /proc/self/ns/net')" \
		"$(printf '%s\n%s' nsx-target "$(ns_of $$ net)")"
	eq "enter --user=FILE --uts=FILE: root in the user namespace, entered last" \
		"$("$NSX" enter --user="/proc/$target/ns/user" --uts="/proc/$target/ns/uts" sh -c 'id -u; readlink /proc/self/ns/user; cat /proc/sys/kernel/hostname')" \
		"$(printf '0\n%s\n%s' "$(ns_of "$target" user)" nsx-target)"
	eq "enter --pid=FILE: forks into that pid namespace" \
		"$("$NSX" enter --pid="/proc/$target/ns/pid" readlink /proc/self/ns/pid)" \
		"$(ns_of "$target" pid)"
	status "enter: exit status passed on through the fork" 5 \
		"$NSX" enter -t "$target" -p sh -c 'exit 5'
	differs "ns PID shows the target's own uts namespace" \
		"$("$NSX" ns "$target" | awk '$1 == "uts" { print $2 }')" \
		"$("$NSX" ns | awk '$1 == "uts" { print $2 }')"
fi
eq "enter -a into our own namespaces changes nothing" \
	"$("$NSX" enter -t $$ -a "$NSX" ns)" "$("$NSX" ns)"

echo "1..$n"
[ "$failed" -eq 0 ]
