#!/bin/sh
# make compat: Debian's own namespace tools on the nsx kernel. util-linux
# unshare with each namespace option, nsenter into each namespace of a
# running process, lsns, ip netns with a veth pair and a ping across,
# bwrap --unshare-all, dmesg and date inside, libfaketime against a
# realtime offset; in a realtime namespace file times (find -mmin, stat,
# ls, make, tar), ipcs times and ping's round trips; and the nsx tool and
# its tests; procps sysctl on the host-only syslog namespace limit; free,
# top, busybox free, getconf, nproc, lscpu, python3, uptime, vmstat,
# swapon, vmstat -d and /proc/uptime's idle time in a container with the
# cgroup view.
#
# Every step checks the command's exit status and what it printed, read
# against the system from outside (inodes of /proc/PID/ns/*, hostname,
# mounts, links). Ends with "nsx-compat: N passed, N failed" and exits
# non-zero if anything failed.
#
# The sh -c scripts in single quotes expand their variables themselves.
# shellcheck disable=SC2016

# shellcheck source=guest/debian/tap.sh
. /guest/tap.sh

# ino PID TYPE: the inode number of /proc/PID/ns/TYPE
ino() { readlink "/proc/$1/ns/$2" | tr -dc 0-9; }

# links: the network interfaces this namespace has, as "a b c ", less
# the fallback tunnel devices the kernel puts in each (sit0, ...)
# (a command for sh -c, to run in other namespaces)
links='ip -o link | cut -d: -f2 | tr -d " " |
	grep -vE "^(sit|ip6tnl|ip6gre|tunl|gre)0@" | sort | tr "\n" " "'

# notime: kernel log lines without "[seconds] "
notime() { sed 's/^\[[^]]*\] //'; }

types="mnt uts ipc net pid user cgroup time"
pids=
cleanup() {
	for p in $pids; do kill -KILL "$p" 2>/dev/null; done
	ip netns del compat-a 2>/dev/null
	ip netns del compat-b 2>/dev/null
}
trap cleanup EXIT

echo "nsx-compat: $(unshare --version), $(ip -V), bubblewrap $(bwrap --version | cut -d' ' -f2)"

# ---- unshare, one namespace type at a time ------------------------------

echo "== unshare --uts"
x unshare --uts sh -c 'hostname compat-uts && hostname'
expect "unshare --uts: the hostname set inside shows inside" compat-uts
x hostname
expect "unshare --uts: and not outside" nsx

echo "== unshare --ipc"
before=$(ipcs -q | grep -c '^0x')
x unshare --ipc sh -c 'ipcmk -Q >/dev/null && ipcs -q | grep -c "^0x"'
expect "unshare --ipc: a message queue made inside shows inside" 1
x sh -c 'ipcs -q | grep -c "^0x"'
[ "$out" = "$before" ]
res $? "unshare --ipc: and not outside" "$out queues, $before before"

echo "== unshare --net"
x unshare --net sh -c "ip link add cmp0 type veth peer name cmp1 && $links"
expect "unshare --net: a veth pair made inside shows inside" "cmp0@cmp1 cmp1@cmp0 lo "
x ip link show cmp0
[ "$st" -ne 0 ]
res $? "unshare --net: and not outside"

echo "== unshare --pid --fork --mount-proc"
x unshare --pid --fork --mount-proc sh -c 'echo $$; ps -eo pid= | wc -l'
inside=$(printf '%s\n' "$out" | sed -n 2p)
[ "$st" -eq 0 ] && [ "$(printf '%s\n' "$out" | sed -n 1p)" = 1 ] &&
	[ "$inside" -ge 1 ] && [ "$inside" -le 3 ]
res $? "unshare --pid: the shell is pid 1 and sees only its own processes" "$out"
truth "unshare --pid: the host sees more processes than that" \
	[ "$(ps -eo pid= | wc -l)" -gt 3 ]

echo "== unshare --mount"
x unshare --mount sh -c 'mount -t tmpfs compat-tmpfs /mnt && findmnt -no SOURCE /mnt'
expect "unshare --mount: a mount made inside shows inside" compat-tmpfs
x findmnt -no SOURCE /mnt
[ "$st" -ne 0 ]
res $? "unshare --mount: and not outside"

echo "== unshare --user"
x unshare --user --map-root-user sh -c 'id -u; cat /proc/self/uid_map | tr -s " "'
expect "unshare --user --map-root-user: root inside, mapped to root" \
	"$(printf '0\n 0 0 1')"
x setpriv --reuid=65534 --regid=65534 --clear-groups \
	unshare --user --map-root-user sh -c 'id -u; cat /proc/self/uid_map | tr -s " "'
expect "unshare --user --map-root-user as nobody: root inside, mapped to 65534" \
	"$(printf '0\n 0 65534 1')"

echo "== unshare --cgroup"
mkdir -p /sys/fs/cgroup/compat
x sh -c 'echo $$ >/sys/fs/cgroup/compat/cgroup.procs && cat /proc/self/cgroup && unshare --cgroup cat /proc/self/cgroup'
expect "unshare --cgroup: the cgroup the namespace starts in is its root" \
	"$(printf '0::/compat\n0::/')"

echo "== unshare --time"
x unshare --time --fork --monotonic 86400 --boottime 172800 \
	sh -c 'cut -d" " -f1 /proc/uptime; cat /proc/self/timens_offsets'
up=$(cut -d' ' -f1 /proc/uptime)
inside=$(printf '%s\n' "$out" | sed -n 1p)
awk -v i="${inside:-0}" -v o="$up" 'BEGIN { d = i - o - 172800; exit !(d > -5 && d < 5) }'
res $? "unshare --time --boottime 172800: uptime two days on" "inside $inside, outside $up"
printf '%s\n' "$out" | grep -qx 'monotonic *86400 *0'
res $? "unshare --time --monotonic 86400: timens_offsets has it"
# util-linux writes the offsets it knows; a time namespace starts with
# its parent's, so the wall clock of one made by nsx carries over.
x nsx run --realtime=+20y unshare --time --fork --boottime 3600 sh -c \
	'date -u +%Y; grep realtime /proc/self/timens_offsets | tr -s " "'
expect "unshare --time inside nsx run --realtime=+20y: still 20 years on" \
	"$(printf '%s\nrealtime %s 0' $(($(date -u +%Y) + 20)) \
		"$(nsx run --realtime=+20y grep realtime /proc/self/timens_offsets | tr -s ' ' | cut -d' ' -f2)")"

echo "== unshare, every type at once"
x unshare --uts --ipc --net --pid --fork --mount --user --map-root-user --cgroup --time \
	--mount-proc sh -c 'for t in '"$types"'; do readlink /proc/self/ns/$t | tr -dc 0-9; echo; done'
bad=
i=0
for t in $types; do
	i=$((i + 1))
	got=$(printf '%s\n' "$out" | sed -n "${i}p")
	[ -n "$got" ] && [ "$got" != "$(ino self "$t")" ] || bad="$bad $t"
done
[ "$st" -eq 0 ] && [ -z "$bad" ]
res $? "unshare with every option: eight new namespaces" "exit $st; not new:$bad"

# ---- a long-running process in new namespaces: nsenter, lsns ------------

echo "== a target process for nsenter and lsns"
mkdir -p /sys/fs/cgroup/compat-target
rm -f /tmp/compat-ready
sh -c 'echo $$ >/sys/fs/cgroup/compat-target/cgroup.procs &&
	exec unshare --user --map-root-user --uts --ipc --net --pid --fork --mount \
	--cgroup --time --boottime 3600 --mount-proc sh -c "
		hostname compat-target &&
		ipcmk -Q >/dev/null &&
		ip link add tgt0 type veth peer name tgt1 &&
		mount -t tmpfs compat-target /mnt &&
		echo compat-target-file >/mnt/file &&
		touch /tmp/compat-ready && exec sleep 1000"' &
upid=$!
pids="$pids $upid"
i=0
while [ ! -e /tmp/compat-ready ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
tgt=$(pgrep -P "$upid")
pids="$pids $tgt"
[ -e /tmp/compat-ready ] && [ -n "$tgt" ]
res $? "the target is running in its namespaces"
echo "target: pid $tgt (unshare $upid)"

for t in $types; do
	# The target's mount namespace has a proc of its pid namespace,
	# where nsenter's /proc/self is found only inside that too.
	case $t in
	mnt) opt="--mount --pid" ;;
	*) opt=--$t ;;
	esac
	# shellcheck disable=SC2086 # one or two options
	x nsenter --target "$tgt" $opt readlink "/proc/self/ns/$t"
	expect "nsenter $opt: /proc/self/ns/$t is the target's" "$(readlink "/proc/$tgt/ns/$t")"
done
x nsenter --target "$tgt" --uts hostname
expect "nsenter --uts: the target's hostname" compat-target
x nsenter --target "$tgt" --ipc sh -c 'ipcs -q | grep -c "^0x"'
expect "nsenter --ipc: the target's message queue" 1
x nsenter --target "$tgt" --net ip -o link show tgt0
expect_grep "nsenter --net: the target's veth" '^[0-9]+: tgt0@tgt1:'
x nsenter --target "$tgt" --mount cat /mnt/file
expect "nsenter --mount: the target's mount" compat-target-file
x nsenter --target "$tgt" --pid --mount sh -c 'ps -eo pid=,comm= | head -n 1 | tr -s " "'
expect "nsenter --pid --mount: the target is pid 1 there" " 1 sleep"
x nsenter --target "$tgt" --user id -u
expect "nsenter --user: root there" 0
x nsenter --target "$tgt" --cgroup cat "/proc/$tgt/cgroup"
expect "nsenter --cgroup: the target's cgroup is the namespace's root" "0::/"
x nsenter --target "$tgt" --time cut -d. -f1 /proc/uptime
[ "$st" -eq 0 ] && [ "${out:-0}" -ge $(($(cut -d. -f1 /proc/uptime) + 3598)) ]
res $? "nsenter --time: an hour more of uptime" "exit $st"
x nsenter --target "$tgt" --all hostname
expect "nsenter --all: the target's hostname" compat-target

echo "== lsns"
x lsns -n -o NS,TYPE,PID
for t in $types; do
	i=$(ino "$tgt" "$t")
	printf '%s\n' "$out" | grep -qE "^ *$i +$t +[0-9]+\$"
	res $? "lsns: lists the target's $t namespace, $i" "exit $st"
done
for t in pid time; do
	x sh -c "lsns -n -o PID -t $t $(ino "$tgt" "$t") | tr -d ' '"
	expect "lsns -t $t: the target is the lowest pid in its $t namespace" "$tgt"
done

# ---- ip netns: two network namespaces, a veth pair, a ping --------------

echo "== ip netns"
x sh -c 'ip netns add compat-a && ip netns add compat-b && ip netns list | cut -d" " -f1 | sort | tr "\n" " "'
expect "ip netns add x2: both listed" "compat-a compat-b "
x sh -c 'ip link add va type veth peer name vb &&
	ip link set va netns compat-a && ip link set vb netns compat-b &&
	ip -n compat-a addr add 10.77.0.1/24 dev va && ip -n compat-a link set va up &&
	ip -n compat-b addr add 10.77.0.2/24 dev vb && ip -n compat-b link set vb up &&
	ip -n compat-a link set lo up && ip -n compat-b link set lo up'
truth "ip: a veth pair between them" [ "$st" -eq 0 ]
x ip netns exec compat-a ip -o -4 addr show
expect_grep "ip netns exec: sees its own address" 'va +inet 10\.77\.0\.1/24'
printf '%s\n' "$out" | grep -q '10\.77\.0\.2'
truth "ip netns exec: and not the other's" [ $? -ne 0 ]
x ip netns exec compat-a ping -c 3 -i 0.2 -W 5 10.77.0.2
expect_grep "ip netns exec ping: replies from the other namespace" \
	'^3 packets transmitted, 3 received'
x ip netns exec compat-b readlink /proc/self/ns/net
expect "ip netns exec: /proc/self/ns/net is the one /run/netns pins" \
	"net:[$(stat -L -c %i /run/netns/compat-b)]"

# ---- bubblewrap -----------------------------------------------------------

echo "== bwrap"
x bwrap --unshare-all --ro-bind / / --proc /proc --dev /dev --tmpfs /tmp \
	--hostname compat-bwrap sh -c 'hostname; for t in user ipc pid net uts cgroup; do readlink /proc/self/ns/$t | tr -dc 0-9; echo; done; ls /dev/pts'
bad=
i=1
for t in user ipc pid net uts cgroup; do
	i=$((i + 1))
	got=$(printf '%s\n' "$out" | sed -n "${i}p")
	[ -n "$got" ] && [ "$got" != "$(ino self "$t")" ] || bad="$bad $t"
done
[ "$st" -eq 0 ] && [ "$(printf '%s\n' "$out" | sed -n 1p)" = compat-bwrap ] && [ -z "$bad" ]
res $? "bwrap --unshare-all: its hostname and six new namespaces" "exit $st; not new:$bad"
printf '%s\n' "$out" | grep -qx ptmx
res $? "bwrap --dev: a devpts instance of its own"
x bwrap --unshare-all --ro-bind / / --proc /proc --dev /dev sh -c "$links; exit 7"
[ "$st" -eq 7 ] && [ "$out" = "lo " ]
res $? "bwrap --unshare-all: only lo, and the command's exit status passed on" "exit $st, '$out'"

# ---- dmesg and date inside ------------------------------------------------

echo "== dmesg in a syslog namespace"
# The first line is the namespace's identifier, from "syslog INODE ID".
x nsx run --syslog sh -c 'nsx ns | sed -n "s/^syslog [0-9]* //p" &&
	echo compat-kmsg-line >/dev/kmsg && dmesg'
id=$(printf '%s\n' "$out" | sed -n 1p)
case $id in
'' | *[!0-9]* | 1) false ;;
esac
res $? "nsx ns in nsx run --syslog: an identifier, not the host's (1)" "'$id'"
[ "$st" -eq 0 ] && [ "$(printf '%s\n' "$out" | sed 1d | notime)" = compat-kmsg-line ]
res $? "util-linux dmesg in nsx run --syslog: only the line written inside" "exit $st"
x sh -c "dmesg | grep -c 'syslogns\\[$id\\]: compat-kmsg-line\$'"
expect "util-linux dmesg on the host: the line, marked with the identifier nsx ns shows" 1
x unshare --user --map-root-user sh -c 'dmesg | grep -o "Linux version [^ ]*"'
expect_grep "util-linux dmesg in a user namespace: the host's log" '^Linux version '

echo "== sysctl: the syslog namespace limit is the host's"
lim=$(cat /proc/sys/kernel/syslog_ns_max_per_user)
x sysctl kernel.syslog_ns_max_per_user
expect "procps sysctl on the host reads the limit" \
	"kernel.syslog_ns_max_per_user = $lim"
x setpriv --reuid=65534 --regid=65534 --clear-groups \
	unshare --user --map-root-user sysctl kernel.syslog_ns_max_per_user
expect "procps sysctl in nobody's user namespace: the host's limit" \
	"kernel.syslog_ns_max_per_user = $lim"
x setpriv --reuid=65534 --regid=65534 --clear-groups \
	unshare --user --map-root-user sysctl -w kernel.syslog_ns_max_per_user=5
[ "$st" -ne 0 ] && [ "$(cat /proc/sys/kernel/syslog_ns_max_per_user)" = "$lim" ]
res $? "sysctl -w as root of nobody's user namespace: refused, the host's limit unchanged" "exit $st"
x sysctl user
case $out in
*max_syslog*) false ;;
*user.max_user_namespaces*) true ;;
*) false ;;
esac
res $? "sysctl user: the other types' limits, no user.max_syslog_namespaces" "exit $st"

echo "== date: nsx run --realtime against libfaketime"
year=$(date -u +%Y)
x nsx run --realtime=+20y date -u +%Y
expect "nsx run --realtime=+20y date" $((year + 20))
x faketime -f +20y date -u +%Y
expect "faketime -f +20y date: the same year" $((year + 20))
x nsx run --realtime=2040-01-01 date -u +%F
expect "nsx run --realtime=2040-01-01 date" 2040-01-01
x unshare --user --map-root-user --pid --fork --mount-proc nsx run --realtime=+20y date -u +%Y
expect "nsx run --realtime inside unshare --user --pid" $((year + 20))
x bwrap --unshare-all --ro-bind / / --proc /proc --dev /dev nsx run -r --realtime=+1y date -u +%Y
expect "nsx run -r --realtime inside bwrap --unshare-all" $((year + 1))

# ---- the wall clock of a realtime namespace in files, IPC and sockets ------

# Inside, the kernel shows file, SysV IPC and socket receive times in the
# namespace's time and takes explicit file times (utimensat) in it, so a
# program that compares a time stamp with the clock sees one clock.
echo "== file times, make, tar, ipcs and ping in nsx run --realtime"
ny=$((year + 20))
w=$(mktemp -d /tmp/compat-clock.XXXXXX)
cd "$w" || res 1 "a directory to work in: $w"
x nsx run --realtime=+20y sh -c 'touch f && find f -mmin -5'
expect "touch; find -mmin -5 in nsx run --realtime=+20y: finds the new file" f
x nsx run --realtime=+20y sh -c 'touch g && date +%Y && stat -c %y g | cut -c1-4 &&
	ls -l --full-time g | awk "{ print substr(\$6, 1, 4) }"'
expect "stat -c %y and ls -l of a new file in nsx run --realtime=+20y: $ny, as date says" \
	"$(printf '%s\n%s\n%s' $ny $ny $ny)"

# A target on a file just touched: with file times in the host's time,
# -1y puts every file a year in make's future ("Clock skew detected").
for off in +20y -1y; do
	mkdir "$w/make$off"
	cd "$w/make$off" || res 1 "a directory for make: $w/make$off"
	x nsx run --realtime=$off sh -c 'printf "out: in\n\tcat in >out\n" >Makefile && touch in && make'
	[ "$st" -eq 0 ] && [ "$out" = "cat in >out" ]
	res $? "make in nsx run --realtime=$off: builds a target on a file just touched, no clock skew warning" \
		"exit $st"
	x nsx run --realtime=$off make
	expect "make again in nsx run --realtime=$off: up to date, no warning" \
		"make: 'out' is up to date."
	cd "$w" || res 1 "back in $w"
done

# A file time set inside (utimensat) to a day before the namespace's now,
# through tar and back; the host sees the same instant in its own time.
x nsx run --realtime=+20y sh -c 'mkdir a b && echo tar >a/f &&
	t=$(($(date +%s) - 86400)) && touch -d "@$t" a/f &&
	tar -cf f.tar -C a f && tar -xf f.tar -C b &&
	echo "set $t $(date -d "@$t" +%Y), a/f $(stat -c %Y a/f), b/f $(stat -c %Y b/f)" &&
	grep realtime /proc/self/timens_offsets | tr -s " " | cut -d" " -f2'
t=$(printf '%s\n' "$out" | sed -n 's/^set \([0-9]*\) .*/\1/p')
offset=$(printf '%s\n' "$out" | sed -n 2p)
[ "$st" -eq 0 ] && [ -n "$t" ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 2 ] &&
	[ "$(printf '%s\n' "$out" | sed -n 1p)" = "set $t $ny, a/f $t, b/f $t" ]
res $? "touch -d, tar -c, tar -x in nsx run --realtime=+20y: stat -c %Y is the time set, in $ny" \
	"exit $st"
x stat -c %Y b/f
[ "$st" -eq 0 ] && [ -n "$t" ] && [ -n "$offset" ] && [ "$out" = $((t - offset)) ]
res $? "stat -c %Y on the host of the file tar extracted: that time less the offset" \
	"exit $st; got '$out', want $t - '$offset'"
cd / && rm -rf "$w"

x nsx run --realtime=+20y --ipc sh -c 'ipcmk -Q >/dev/null &&
	lsipc -q --noheadings -o CTIME --time-format=iso | cut -c1-4'
expect "ipcmk -Q; lsipc in nsx run --realtime=+20y --ipc: the queue's change time in $ny" $ny

x nsx run --realtime=+20y ping -c 3 127.0.0.1
rtt=$(printf '%s\n' "$out" | sed -n 's|^rtt min/avg/max/mdev = [0-9.]*/[0-9.]*/\([0-9.]*\)/.*|\1|p')
[ "$st" -eq 0 ] && printf '%s\n' "$out" | grep -q '^3 packets transmitted, 3 received' &&
	! printf '%s\n' "$out" | grep -qi 'time of day goes back'
res $? "ping -c 3 127.0.0.1 in nsx run --realtime=+20y: three replies, no 'time of day goes back'" \
	"exit $st"
awk -v r="${rtt:-x}" 'BEGIN { exit !(r ~ /^[0-9]+(\.[0-9]+)?$/ && r + 0 < 1000) }'
res $? "ping -c 3 127.0.0.1 in nsx run --realtime=+20y: the longest round trip under a second" \
	"max '$rtt' ms"

# ---- the cgroup view: free, top, getconf, python3, busybox ----------------
# A container of 512 MiB (nsx run --memory) with and without the view.

echo "== the cgroup view: what programs see in a container of 512 MiB"
host_mb=$(free -m | awk '/^Mem:/ { print $2 }')
x nsx run --memory=512M --view free -m
expect_grep "free -m (procps, /proc/meminfo) inside: 512 MiB in all" '^Mem: +512 '
x nsx run --memory=512M --view top -bn1
expect_grep "top -bn1 inside: 512.0 MiB in all" '^MiB Mem : +512\.0 total'
x nsx run --memory=512M --view busybox free -m
expect_grep "busybox free (sysinfo(2)) inside: 512 MiB in all" '^Mem: +512 '
x nsx run --memory=512M --view getconf _PHYS_PAGES
expect "getconf _PHYS_PAGES (glibc, sysinfo(2)) inside: 512 MiB of pages" \
	$((512 * 1024 * 1024 / $(getconf PAGESIZE)))
x nsx run --memory=512M --view python3 -c \
	'import os; print(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))'
expect "python3 os.sysconf(SC_PHYS_PAGES) inside: 512 MiB" 536870912
# 100 MiB of tmpfs written inside is the container's: used and shared.
x nsx run --memory=512M --view sh -c \
	'head -c 100M /dev/zero >/dev/shm/compat-view && free -m; rm -f /dev/shm/compat-view'
used=$(printf '%s\n' "$out" | awk '/^Mem:/ { print $3 }')
shared=$(printf '%s\n' "$out" | awk '/^Mem:/ { print $5 }')
[ "$st" -eq 0 ] && [ "${used:-0}" -ge 100 ] && [ "${used:-0}" -lt 200 ] &&
	[ "${shared:-0}" -ge 100 ] && [ "${shared:-0}" -lt 110 ]
res $? "free -m inside after 100 MiB in /dev/shm: used and shared count them" \
	"used '$used', shared '$shared'"
x nsx run --memory=512M free -m
expect_grep "free -m in a container without the view: the host's $host_mb MiB" \
	"^Mem: +$host_mb "
x free -m
expect_grep "free -m outside: the host's $host_mb MiB" "^Mem: +$host_mb "

# The CPUs: half a CPU of time (cpu.max) and, with it, one CPU in the cpuset.
echo "== the cgroup view: what programs see of the CPUs"
host_online=$(cat /sys/devices/system/cpu/online)
host_n=$(getconf _NPROCESSORS_ONLN)
last=$(awk '/^processor/ { n = $3 } END { print n }' /proc/cpuinfo)
count='getconf _NPROCESSORS_ONLN; nproc; python3 -c "import os; print(os.cpu_count())";
	grep -c ^processor /proc/cpuinfo; cat /sys/devices/system/cpu/online'
x nsx run --memory=512M --cpus=0.5 --cpuset-cpus="$last" --view sh -c "$count"
expect "getconf _NPROCESSORS_ONLN, nproc, python3 os.cpu_count(), /proc/cpuinfo, online: CPU $last alone" \
	"$(printf '1\n1\n1\n1\n%s' "$last")"
x nsx run --cpus=0.5 --view sh -c "$count"
expect "--cpus=0.5 only: one CPU, the first, but nproc (the affinity) counts $host_n" \
	"$(printf '1\n%s\n1\n1\n%s' "$host_n" "${host_online%%[-,]*}")"
x nsx run --cpus=0.5 --cpuset-cpus="$last" sh -c "$count"
expect "without the view: the host's $host_n CPUs but for nproc (the cpuset's affinity)" \
	"$(printf '%s\n1\n%s\n%s\n%s' "$host_n" "$host_n" "$host_n" "$host_online")"
x nsx run --cpuset-cpus="$last" --view lscpu
expect_grep "lscpu inside: the on-line list is CPU $last" "^On-line CPU\\(s\\) list: +$last\$"
x nsx run --cpus=0.5 --view top -bn1
expect_grep "top -bn1 inside: runs" '^%Cpu'
x sh -c "$count"
expect "outside: the host's $host_n CPUs" \
	"$(printf '%s\n%s\n%s\n%s\n%s' "$host_n" "$host_n" "$host_n" "$host_n" "$host_online")"

# CPU time (/proc/stat): top and vmstat report the container's use of its
# CPU, not the machine's.
echo "== the cgroup view: what top and vmstat see of the CPU time"
idle='/^%Cpu/ { n++; if (n == 2) { sub(/.*ni, */, ""); print int($1) } }'
spin='while :; do :; done'
spinners=
for i in $(seq "$host_n"); do
	sh -c "$spin" &
	spinners="$spinners $!"
done
x nsx run --cpuset-cpus="$last" --view sh -c "top -bn2 -d1 | awk '$idle'"
[ "$st" -eq 0 ] && [ "${out:-0}" -ge 60 ] 2>/dev/null
res $? "top -bn2 inside an idle container while the host spins: its CPU mostly idle" \
	"exit $st; idle '$out' %"
x nsx run --cpuset-cpus="$last" sh -c "top -bn2 -d1 | awk '$idle'"
[ "$st" -eq 0 ] && [ "${out:-100}" -le 30 ] 2>/dev/null
res $? "top -bn2 without the view: the host's busy CPUs" "exit $st; idle '$out' %"
# The load average (/proc/loadavg; sysinfo(2) for busybox): the idle
# container's stays 0.00 after two samples while the host's rises.
x nsx run --cpuset-cpus="$last" --view sh -c \
	'sleep 11; uptime; busybox uptime; cut -d" " -f4 /proc/loadavg'
[ "$st" -eq 0 ] && [ "$(printf '%s\n' "$out" | grep -c 'load average: 0\.00, 0\.00, 0\.00$')" -eq 2 ] &&
	[ "$(printf '%s\n' "$out" | sed -n 3p)" = 1/2 ]
res $? "uptime and busybox uptime inside an idle container while the host spins: load 0.00, 1 of 2 tasks running" \
	"exit $st"
x uptime
load=$(printf '%s\n' "$out" | sed -n 's/.*load average: \([0-9]*\)\.\([0-9]*\),.*/\1\2/p')
[ "$st" -eq 0 ] && [ "${load:-0}" -ge 10 ] 2>/dev/null
res $? "uptime outside: the host's load, over 0.10" "exit $st; '$out'"
kill $spinners
wait $spinners 2>/dev/null
# vmstat's last line: r, then us + sy
vm='NR > 2 { r = $1; busy = $13 + $14 } END { print r, busy }'
x nsx run --cpuset-cpus="$last" --view sh -c \
	"sh -c '$spin' & vmstat 1 3 | awk '$vm'; kill \$!"
r=${out% *}
busy=${out#* }
[ "$st" -eq 0 ] && [ "${r:-0}" -ge 1 ] && [ "${busy:-0}" -ge 70 ] 2>/dev/null
res $? "vmstat 1 3 inside while the container spins: its CPU busy, r at least 1" \
	"exit $st; r '$r', us+sy '$busy'"
x nsx run --cpuset-cpus="$last" sh -c "sh -c '$spin' & vmstat 1 3 | awk '$vm'; kill \$!"
busy=${out#* }
[ "$st" -eq 0 ] && [ "${busy:-100}" -le $((100 / host_n + 20)) ] 2>/dev/null
res $? "vmstat 1 3 without the view: one of the host's $host_n CPUs busy" \
	"exit $st; us+sy '$busy'"

# /proc/uptime's idle time: a monitor's idle share, idle / (uptime * CPUs),
# and the idle time of /proc/stat's "cpu" line agree with the view's CPU.
share='NR == 1 { up = $1; idle = $2 } NR == 2 { stat = $5 / 100 }
	END { d = idle - stat; if (d < 0) d = -d;
	      printf "%d %d\n", 100 * idle / (up * n), d <= 1 + n / 50 }'
x nsx run --cpuset-cpus="$last" --view sh -c \
	"{ cut -d' ' -f1,2 /proc/uptime; head -1 /proc/stat; } | awk -v n=\$(getconf _NPROCESSORS_ONLN) '$share'"
[ "$st" -eq 0 ] && [ "${out% *}" -le 100 ] && [ "${out#* }" = 1 ] 2>/dev/null
res $? "/proc/uptime inside: its idle time that of the view's /proc/stat, at most 100 % of its CPU" \
	"exit $st; idle share and agreement '$out'"
x sh -c "{ cut -d' ' -f1,2 /proc/uptime; head -1 /proc/stat; } | awk -v n=$host_n '$share'"
[ "$st" -eq 0 ] && [ "${out% *}" -le 100 ] && [ "${out#* }" = 1 ] 2>/dev/null
res $? "/proc/uptime outside: the host's idle time, that of its /proc/stat" \
	"exit $st; idle share and agreement '$out'"

# /proc/swaps: swapon --show and free agree on the container's swap. Swap
# on a loop device over a file in /tmp, for the test.
echo "== the cgroup view: what swapon and free see of the swap"
swapdev=
if head -c 64M /dev/zero >/tmp/compat-swap && swapdev=$(losetup -f --show /tmp/compat-swap) &&
	mkswap "$swapdev" >/dev/null && swapon "$swapdev"; then
	x nsx run --memory=512M --swap=32M --view sh -c \
		'swapon --show=NAME,TYPE,SIZE,USED,PRIO --bytes --noheadings; free -b | grep ^Swap:'
	out=$(printf '%s\n' "$out" | awk '{ $1 = $1; print }')
	expect "swapon --show and free -b inside: one area of 32 MiB, none used" \
		"$(printf 'none virtual 33554432 0 0\nSwap: 33554432 0 33554432')"
	x nsx run --memory=512M --swap=32M sh -c 'swapon --show=NAME --noheadings'
	expect "swapon --show without the view: the host's loop device" "$swapdev"
	x swapon --show=NAME --noheadings
	expect "swapon --show outside: the host's loop device" "$swapdev"
	swapoff "$swapdev"
else
	res 1 "swap on a loop device for the swapon test" "device '$swapdev'"
fi
[ -n "$swapdev" ] && losetup -d "$swapdev"
rm -f /tmp/compat-swap

# /proc/diskstats: vmstat -d shows the container's writes on a disk, 4 MiB
# inside after 1 MiB from outside.
echo "== the cgroup view: what vmstat -d sees of the disks"
diskdev=
if head -c 16M /dev/zero >/tmp/compat-disk && diskdev=$(losetup -f --show /tmp/compat-disk); then
	wsect="\$1 == \"${diskdev#/dev/}\" { print \$8 }"
	# A loop device keeps its counters from earlier use
	before=$(vmstat -d | awk "$wsect")
	dd if=/dev/zero of="$diskdev" bs=1M count=1 oflag=direct 2>/dev/null
	x nsx run --memory=512M --view sh -c \
		"dd if=/dev/zero of=$diskdev bs=1M count=4 oflag=direct 2>/dev/null && vmstat -d | awk '$wsect'"
	expect "vmstat -d inside: the container's 4 MiB written on ${diskdev#/dev/}" 8192
	x nsx run --memory=512M sh -c "vmstat -d | awk '$wsect'"
	expect "vmstat -d without the view: the host's, 5 MiB more" $((before + 10240))
else
	res 1 "a loop device for the vmstat -d test" "device '$diskdev'"
fi
[ -n "$diskdev" ] && losetup -d "$diskdev"
rm -f /tmp/compat-disk

# ---- the nsx tool next to util-linux ---------------------------------------

echo "== nsx against util-linux on the target"
x nsx ns "$tgt"
want=$(for t in $types; do echo "$t $(ino "$tgt" "$t")"; done | sort)
[ "$st" -eq 0 ] && [ "$(printf '%s\n' "$out" | grep -vE '^syslog |_for_children ' | sort)" = "$want" ]
res $? "nsx ns PID: the inodes lsns and /proc/PID/ns report" "exit $st; want: $want"
x nsx enter -t "$tgt" -a hostname
expect "nsx enter -t PID -a: the target's hostname" compat-target
x nsx enter --target "$tgt" --net --mount sh -c 'ip -o link show tgt0 >/dev/null && cat /mnt/file'
expect "nsx enter --net --mount: the target's veth and mount" compat-target-file
x nsx enter --net=/run/netns/compat-a ip -o -4 addr show
expect_grep "nsx enter --net=FILE, as nsenter: the namespace ip netns pins" \
	'va +inet 10\.77\.0\.1/24'
# perl-base is Essential: a pidfd from pidfd_open(2), handed to nsx on
# descriptor N, as a supervisor holding one would.
x perl -e 'use Fcntl; my $fd = syscall(434, $ARGV[0] + 0, 0);
	die "pidfd_open: $!\n" if $fd < 0;
	open(my $h, "<&=", $fd) or die "fdopen: $!\n";
	fcntl($h, F_SETFD, 0) or die "fcntl: $!\n";
	exec "nsx", "enter", "--pidfd=$fd", "-a", "hostname" or die "exec: $!\n"' "$tgt"
expect "nsx enter --pidfd=FD: the target's hostname" compat-target
x ip netns exec compat-a nsx ns
expect_grep "nsx ns inside ip netns exec: the namespace /run/netns pins" \
	"^net $(stat -L -c %i /run/netns/compat-a)\$"

echo "== the nsx tool's own tests"
if [ -f /guest/tool-tests/run.sh ]; then
	NSX=$(command -v nsx) sh /guest/tool-tests/run.sh >/tmp/nsx-tests.out 2>&1
	st=$?
	cat /tmp/nsx-tests.out
	p=$(grep -cE '^ok [0-9]+' /tmp/nsx-tests.out)
	f=$(grep -cE '^not ok [0-9]+' /tmp/nsx-tests.out)
	echo "nsx tests: exit $st, $p passed, $f failed"
	pass=$((pass + p)) fail=$((fail + f))
	[ "$st" -eq 0 ] || [ "$f" -gt 0 ] || fail=$((fail + 1))
	[ "$p" -gt 0 ] || fail=$((fail + 1))
else
	res 1 "the nsx tool's tests are in the guest"
fi

echo "nsx-compat: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
