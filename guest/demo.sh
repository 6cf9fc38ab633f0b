#!/bin/sh
# make demo: one namespace type at a time, what it isolates, seen from
# inside and from the host; then a container made of all of them.
# Each step shows its commands ("$ ..."), their output and its checks
# ("-> ..."), and ends with a verdict: ok, or FAILED and why. A shown
# command that fails or a check that does not hold fails the step, and a
# failed step fails the demo, so a broken kernel fails it.

n=0 name='the host' why='' failed=''
step() { # TITLE: close the step before, open the next
	verdict
	n=$((n + 1)) name=${1%%:*}
	echo
	echo "=== $n. $*"
}
verdict() {
	if [ -z "$why" ]; then
		[ "$n" = 0 ] || echo "=== $n. $name: ok"
	else
		echo "=== $n. $name: FAILED: $why"
		failed="$failed $n ($name),"
	fi
	why=
}
fail() { echo "    -> FAILED: $*"; why="${why:+$why; }$*"; }
show() { # COMMAND: print it, run it, fail the step if it fails
	echo "\$ $*"
	sh -c "$*"
	st=$?
	[ $st = 0 ] && return
	cmd=$*
	[ ${#cmd} -le 50 ] || cmd="$(echo "$cmd" | cut -c1-47)..."
	fail "'$cmd' exited $st"
}
background() { echo "\$ $* &"; "$@" & } # its pid in $!
notime() { sed 's/^\[[^]]*\] //'; } # kernel log lines without "[seconds] "
expect() { # expect WHAT GOT WANT
	if [ "$2" = "$3" ]; then
		echo "    -> $1: '$2' (as expected)"
	else
		fail "$1: got '$2', expected '$3'"
	fi
}

echo "nsx demo on $(uname -r): every namespace type, from inside and from the host."
echo "The host's namespaces, which every process starts in (type, inode, syslog id):"
show "nsx ns"

step "uts: hostname and domain name"
show "nsx run --uts --hostname=box -- sh -c 'echo box.example > /proc/sys/kernel/domainname; hostname; cat /proc/sys/kernel/domainname'"
expect "host hostname afterwards" "$(hostname)" nsx
expect "host domain name afterwards" "$(cat /proc/sys/kernel/domainname)" "(none)"

step "ipc: POSIX message queues (System V objects: see the test suite)"
mkdir -p /dev/mqueue
show "mount -t mqueue mqueue /dev/mqueue && touch /dev/mqueue/host-queue && ls /dev/mqueue"
show "nsx run --ipc --mount -- sh -c 'mount -t mqueue mqueue /dev/mqueue; touch /dev/mqueue/box-queue; ls /dev/mqueue'"
expect "host queues afterwards" "$(cd /dev/mqueue && echo *)" "host-queue"

step "pid: the container's first process is pid 1"
show "nsx run --pid --mount-proc -- ps -o pid,comm"
got=$(nsx run --pid --mount-proc -- sh -c 'echo $$')
expect "pid of the shell inside" "$got" 1

step "user: root inside, nobody outside"
show "nsx run --user --map-root-user -- sh -c 'id; cat /proc/self/uid_map'"
got=$(su -s /bin/sh nobody -c "nsx run --user --map-root-user -- id -u" 2>&1)
expect "uid inside for an unprivileged user" "$got" 0

step "net: its own devices; a veth pair links it to the host"
background nsx run --net -- sleep 30
box=$!
sleep 1
show "ip link add nsx0 type veth"
peer=$(ip -o link show | sed -n 's/^[0-9]*: \([^@:]*\)@nsx0.*/\1/p')
show "ip link set $peer netns $box && ip addr add 192.0.2.1/24 dev nsx0 && ip link set nsx0 up"
show "nsx enter -t $box -n -- sh -c 'ip addr add 192.0.2.2/24 dev $peer && ip link set $peer up && ip link set lo up'"
show "nsx enter -t $box -n -- ip -o link"
show "ping -c 2 -W 2 192.0.2.2"
kill "$box"; wait "$box" 2>/dev/null

step "mnt: mounts made inside stay inside"
mkdir -p /mnt/demo
show "nsx run --mount -- sh -c 'mount -t tmpfs box /mnt/demo; grep /mnt/demo /proc/self/mounts'"
expect "host mounts at /mnt/demo" "$(grep -c /mnt/demo /proc/self/mounts)" 0

step "cgroup: the container's cgroup is its root"
mkdir -p /sys/fs/cgroup/box
show "sh -c 'echo \$\$ > /sys/fs/cgroup/box/cgroup.procs; cat /proc/self/cgroup; nsx run --cgroup -- cat /proc/self/cgroup'"
got=$(sh -c 'echo $$ > /sys/fs/cgroup/box/cgroup.procs; nsx run --cgroup -- cat /proc/self/cgroup')
expect "cgroup seen inside" "$got" "0::/"

step "time: its own monotonic and boot clocks"
show "cat /proc/uptime"
show "nsx run --time --boottime=86400 --monotonic=3600 -- cat /proc/uptime"
host=$(cut -d. -f1 /proc/uptime)
box=$(nsx run --time --boottime=86400 -- cut -d. -f1 /proc/uptime)
expect "uptime inside minus outside, in days" "$(( (box - host + 60) / 86400 ))" 1

step "time: a wall clock of its own, which new files show too"
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

# A new syslog namespace starts with an empty log: each container writes
# a line to /dev/kmsg before its dmesg, or dmesg would print nothing.
step "syslog: each container its own kernel log; the host sees them all"
background nsx run --syslog -- sleep 60
box1=$!
background nsx run --syslog -- sleep 60
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

step "all together: a container"
show "nsx run --user --map-root-user --uts --hostname=container --ipc --net --mount --pid --mount-proc --cgroup --time --boottime=31536000 --syslog -- sh -c 'hostname; id -u; ps -o pid,comm; ip -o link; cat /proc/self/cgroup; cut -d\" \" -f1 /proc/uptime; echo booted > /dev/kmsg; dmesg; nsx ns'"
inside=$(nsx run --user --map-root-user --uts --ipc --net --mount --pid --mount-proc --cgroup --time --syslog -- nsx ns | awk '{print $2}' | tr '\n' ' ')
outside=$(nsx ns | awk '{print $2}' | tr '\n' ' ')
same=0
for i in $inside; do
	case " $outside " in *" $i "*) same=$((same + 1)) ;; esac
done
expect "namespaces the container shares with the host" "$same" 0
expect "the container's dmesg" \
	"$(nsx run --user --map-root-user --syslog -- sh -c 'echo booted > /dev/kmsg; dmesg' | notime)" booted
verdict

echo
if [ -z "$failed" ]; then
	echo "nsx demo: $n steps, all ok."
else
	echo "nsx demo: $n steps; FAILED:${failed%,}."
fi
[ -z "$failed" ]
