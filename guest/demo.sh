#!/bin/sh
# make demo: one namespace type at a time, what it isolates, seen from
# inside and from the host; then a container made of all of them.
# Every step checks what it shows, so a broken kernel fails the demo.

rc=0
n=0
title() { n=$((n + 1)); echo; echo "=== $n. $*"; }
show() { echo "\$ $*"; sh -c "$*"; }
notime() { sed 's/^\[[^]]*\] //'; } # kernel log lines without "[seconds] "
expect() { # expect WHAT GOT WANT
	if [ "$2" = "$3" ]; then
		echo "    -> $1: '$2' (as expected)"
	else
		echo "    -> FAIL: $1: got '$2', expected '$3'"
		rc=1
	fi
}

echo "nsx demo on $(uname -r): every namespace type, from inside and from the host."
echo "The host's namespaces:"
show "nsx ns"

title "uts: hostname and domain name"
show "nsx run --uts --hostname=box -- sh -c 'echo box.example > /proc/sys/kernel/domainname; hostname; cat /proc/sys/kernel/domainname'"
expect "host hostname afterwards" "$(hostname)" nsx
expect "host domain name afterwards" "$(cat /proc/sys/kernel/domainname)" "(none)"

title "ipc: POSIX message queues (System V objects: see the test suite)"
mkdir -p /dev/mqueue && mount -t mqueue mqueue /dev/mqueue
touch /dev/mqueue/host-queue
show "ls /dev/mqueue"
show "nsx run --ipc --mount -- sh -c 'mount -t mqueue mqueue /dev/mqueue; touch /dev/mqueue/box-queue; ls /dev/mqueue'"
expect "host queues afterwards" "$(cd /dev/mqueue && echo *)" "host-queue"

title "pid: the container's first process is pid 1"
show "nsx run --pid --mount-proc -- ps -o pid,comm"
got=$(nsx run --pid --mount-proc -- sh -c 'echo $$')
expect "pid of the shell inside" "$got" 1

title "user: root inside, nobody outside"
show "nsx run --user --map-root-user -- sh -c 'id; cat /proc/self/uid_map'"
got=$(su -s /bin/sh nobody -c "nsx run --user --map-root-user -- id -u" 2>&1)
expect "uid inside for an unprivileged user" "$got" 0

title "net: its own devices; a veth pair links it to the host"
nsx run --net -- sleep 30 &
box=$!
sleep 1
ip link add nsx0 type veth
peer=$(ip -o link show | sed -n 's/^[0-9]*: \([^@:]*\)@nsx0.*/\1/p')
ip link set "$peer" netns "$box"
ip addr add 192.0.2.1/24 dev nsx0 && ip link set nsx0 up
nsx enter -t "$box" -n -- sh -c "ip addr add 192.0.2.2/24 dev $peer; ip link set $peer up; ip link set lo up"
show "nsx enter -t $box -n -- ip -o link"
show "ping -c 2 -W 2 192.0.2.2"
ping -c 1 -W 2 192.0.2.2 >/dev/null 2>&1
expect "ping from the host to the container" "$?" 0
kill "$box"; wait "$box" 2>/dev/null

title "mnt: mounts made inside stay inside"
mkdir -p /mnt/demo
show "nsx run --mount -- sh -c 'mount -t tmpfs box /mnt/demo; grep /mnt/demo /proc/self/mounts'"
expect "host mounts at /mnt/demo" "$(grep -c /mnt/demo /proc/self/mounts)" 0

title "cgroup: the container's cgroup is its root"
mkdir -p /sys/fs/cgroup/box
show "sh -c 'echo \$\$ > /sys/fs/cgroup/box/cgroup.procs; cat /proc/self/cgroup; nsx run --cgroup -- cat /proc/self/cgroup'"
got=$(sh -c 'echo $$ > /sys/fs/cgroup/box/cgroup.procs; nsx run --cgroup -- cat /proc/self/cgroup')
expect "cgroup seen inside" "$got" "0::/"

title "time: its own monotonic and boot clocks"
show "cat /proc/uptime"
show "nsx run --time --boottime=86400 --monotonic=3600 -- cat /proc/uptime"
host=$(cut -d. -f1 /proc/uptime)
box=$(nsx run --time --boottime=86400 -- cut -d. -f1 /proc/uptime)
expect "uptime inside minus outside, in days" "$(( (box - host + 60) / 86400 ))" 1

title "time: a wall clock of its own, which new files show too"
# busybox's ping times its round trips with CLOCK_MONOTONIC; iputils'
# ping, which reads the socket's receive time stamp, is make compat's.
show "date; touch /tmp/host-file; ls -l --full-time /tmp/host-file; ping -c 1 127.0.0.1 | grep 'bytes from'"
show "nsx run --realtime=+20y -- sh -c 'date; touch /tmp/box-file; ls -l --full-time /tmp/box-file; ping -c 1 127.0.0.1 | grep \"bytes from\"'"
show "ls -l --full-time /tmp/box-file"
year=$(date +%Y)
expect "the year inside" "$(nsx run --realtime=+20y -- date +%Y)" $((year + 20))
expect "the year of a file made inside, seen inside" \
	"$(nsx run --realtime=+20y -- sh -c 'touch /tmp/box-file2; stat -c %y /tmp/box-file2' | cut -c1-4)" $((year + 20))
expect "the year of that file, seen from the host" "$(stat -c %y /tmp/box-file2 | cut -c1-4)" "$year"
rtt=$(nsx run --realtime=+20y -- ping -c 1 127.0.0.1 | sed -n 's/.* time=\([0-9.]*\) ms$/\1/p')
expect "ping inside: the round trip" \
	"$(awk -v r="${rtt:-none}" 'BEGIN { print (r ~ /^[0-9.]+$/ && r < 1000) ? "under a second" : r " ms" }')" \
	"under a second"

title "syslog: each container its own kernel log; the host sees them all"
nsx run --syslog -- sleep 60 &
box1=$!
nsx run --syslog -- sleep 60 &
box2=$!
sleep 1
show "nsx enter -t $box1 --syslog -- sh -c 'echo hello from box1 > /dev/kmsg; dmesg'"
show "nsx enter -t $box2 --syslog -- sh -c 'echo hello from box2 > /dev/kmsg; dmesg'"
show "nsx dmesg $box1"
show "dmesg | grep 'syslogns\\[.*hello from box'"
# The host marks each line with its namespace's identifier ("syslog INODE ID").
show "nsx ns $box1 | grep '^syslog '; nsx ns $box2 | grep '^syslog '"
id1=$(nsx ns "$box1" | awk '$1 == "syslog" { print $3 }')
id2=$(nsx ns "$box2" | awk '$1 == "syslog" { print $3 }')
expect "box1's dmesg" "$(nsx enter -t "$box1" --syslog -- dmesg | notime)" "hello from box1"
expect "box2's dmesg" "$(nsx dmesg "$box2" | notime)" "hello from box2"
expect "the host's lines from box1" \
	"$(dmesg | notime | grep 'hello from box' | grep "^syslogns\[$id1\]: ")" \
	"syslogns[$id1]: hello from box1"
expect "the host's lines from box2" \
	"$(dmesg | notime | grep 'hello from box' | grep "^syslogns\[$id2\]: ")" \
	"syslogns[$id2]: hello from box2"
kill "$box1" "$box2"; wait "$box1" "$box2" 2>/dev/null

title "all together: a container"
show "nsx run --user --map-root-user --uts --hostname=container --ipc --net --mount --pid --mount-proc --cgroup --time --boottime=31536000 --syslog -- sh -c 'hostname; id -u; ps -o pid,comm; ip -o link; cat /proc/self/cgroup; cut -d\" \" -f1 /proc/uptime; echo booted > /dev/kmsg; dmesg; nsx ns'"
inside=$(nsx run --user --map-root-user --uts --ipc --net --mount --pid --mount-proc --cgroup --time --syslog -- nsx ns | awk '{print $2}' | tr '\n' ' ')
outside=$(nsx ns | awk '{print $2}' | tr '\n' ' ')
same=0
for i in $inside; do
	case " $outside " in *" $i "*) same=$((same + 1)) ;; esac
done
expect "namespaces the container shares with the host" "$same" 0

echo
if [ $rc = 0 ]; then echo "nsx demo: every step showed what it should."; else echo "nsx demo: some steps FAILED."; fi
exit $rc
