#!/bin/sh
# make criu: Debian's unmodified criu on this kernel. 'criu check', then
# a dump and a restore of a container: criu-workload as the init of its
# own pid, uts, ipc, mount, network and time namespaces, holding a TCP
# connection over the namespace's loopback, SysV shared memory, a POSIX
# timer and a timerfd. After the restore every part must go on where it
# stopped: its log continues without a gap in its counters, the
# namespace's monotonic clock does not go back, the connection still
# echoes, the segment keeps its contents and id, the hostname stays.
#
# The same script runs on the base kernel and on nsx (scripts/criu.sh):
# it ends "nsx-criu: N passed, N failed".
#
# shellcheck disable=SC2016

# shellcheck source=guest/debian/tap.sh
. /guest/tap.sh

ct=/ct
pid='' pids=''
cleanup() {
	for p in $pids; do kill -KILL "$p" 2>/dev/null; done
}
trap cleanup EXIT

# showlog FILE: a criu log's errors and warnings with what led to them,
# for a failure's detail
showlog() { grep -B 12 -E 'Error|Warn' "$1" 2>/dev/null | tail -n 60; }

echo "nsx-criu: $(criu --version | head -n 1) on $(uname -r)"

echo "== criu check"
x criu check
expect_grep "criu check: looks good" '^Looks good'
x criu check --feature timens
expect_grep "criu check --feature timens" 'timens is supported'
echo '$ criu check --all'
criu check --all 2>&1 | sed 's/^/    /'

# start DIR RUNNER...: criu-workload DIR as the init of new namespaces
# made by RUNNER (unshare or nsx run); sets $pid
start() {
	d=$1
	shift
	rm -rf "$d"
	mkdir -p "$d/img"
	"$@" sh -c "hostname criu-ct && ip link set lo up &&
		exec setsid criu-workload $d </dev/null >$d/out 2>&1" &
	i=0
	while [ $i -lt 100 ] && [ "$(wc -l 2>/dev/null <"$d/log" || echo 0)" -lt 5 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	pid=$(ps -eo pid=,args= | awk -v d="$d" '$2 == "criu-workload" && $3 == d { print $1 }')
	[ -n "$pid" ] && [ "$(echo "$pid" | wc -l)" -eq 1 ]
	res $? "$what: the container's init is found" "pids: '$pid'"
	pids="$pids $pid"
	x nsenter -t "$pid" -u hostname
	expect "$what: the container runs (hostname inside)" criu-ct
}

# status DIR: ask the workload for DIR/status (SIGUSR1), wait for it
status() {
	kill -USR1 "$pid" 2>/dev/null
	i=0
	while [ $i -lt 50 ] && [ ! -s "$1/status" ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# dump_restore DIR: criu dump, then criu restore of the tree of $pid;
# sets $dumped (the workload's last log line at the dump), and $pid to
# the restored init
dump_restore() {
	d=$1
	# The segment's id before, to compare with the restored one's.
	status "$d"
	shmid_before=$(sed -n 's/^shmid //p' "$d/status")
	rm -f "$d/status"
	x criu dump -t "$pid" -D "$d/img" -o dump.log -v4 --tcp-established
	res "$st" "$what: criu dump" "$(showlog "$d/img/dump.log")"
	sleep 1
	[ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null
	res $? "$what: the dumped tree is gone"
	# What follows checks the restored tree: the original must not be the
	# one that goes on writing.
	kill -KILL "$pid" 2>/dev/null
	sleep 0.5
	dumped=$(tail -n 1 "$d/log")
	# The container's root is the guest's: --root gives it back (criu
	# cannot rebuild a namespace's root mount on its own).
	x criu restore -D "$d/img" -o restore.log -v4 --tcp-established --root / -d \
		--pidfile "$d/restored.pid"
	res "$st" "$what: criu restore" "$(showlog "$d/img/restore.log")"
	pid=$(cat "$d/restored.pid" 2>/dev/null)
	pids="$pids $pid"
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
	res $? "$what: the restored init runs" "pid ${pid:-none}"
}

# ticks DIR: the timerfd ticks of the workload's last log line
ticks() { tail -n 1 "$1/log" | cut -d' ' -f1; }

# diagnose DIR: what the restored init is doing, for a failure's detail
diagnose() {
	echo "# restored init: state $(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null), wchan $(cat "/proc/$pid/wchan" 2>/dev/null)"
	for f in /proc/"$pid"/fdinfo/*; do
		echo "# fd ${f##*/} -> $(readlink "/proc/$pid/fd/${f##*/}"): $(tr '\n' ' ' <"$f")"
	done
	echo "# timers: $(tr '\n' ' ' <"/proc/$pid/timers" 2>/dev/null)"
	echo "# timens_offsets: $(tr '\n' ' ' <"/proc/$pid/timens_offsets" 2>/dev/null)"
	nsenter -t "$pid" -n cat /proc/net/tcp | sed 's/^/# /'
	nsenter -t "$pid" -n nft list ruleset | sed 's/^/# nft: /'
}

# check_restored DIR: every part of the workload goes on after the restore
check_restored() {
	d=$1
	# Ten more ticks of its timerfd (a second), within fifteen seconds.
	i=0
	while [ $i -lt 150 ] && [ "$(ticks "$d")" -lt $(($(echo "$dumped" | cut -d' ' -f1) + 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	status "$d"
	x cat "$d/status"
	expect_grep "$what: restored: the hostname is the container's" '^hostname criu-ct$'
	after=$(tail -n 1 "$d/log")
	echo "dumped at: $dumped"
	echo "now:       $after"
	f0=$fail
	# shellcheck disable=SC2086 # the fields of a line
	set -- $dumped
	d_n=$1 d_mono=$2 d_timer=$4 d_echo=$5 d_shm=$6
	# shellcheck disable=SC2086
	set -- $after
	[ "${1:-0}" -gt "$((d_n + 5))" ]
	res $? "$what: restored: the timerfd fires again" "ticks $d_n -> ${1:-}"
	[ "${1:-0}" -gt "$d_n" ] && [ "${2:-0}" -ge "$d_mono" ]
	res $? "$what: restored: the monotonic clock inside did not go back" "$d_mono -> ${2:-}"
	[ "${4:-0}" -gt "$((d_timer + 5))" ]
	res $? "$what: restored: the POSIX timer fires again" "$d_timer -> ${4:-}"
	[ "${5:-0}" -gt "$((d_echo + 5))" ]
	res $? "$what: restored: the TCP connection still echoes" "$d_echo -> ${5:-}"
	[ "${6:-0}" -gt "$((d_shm + 5))" ]
	res $? "$what: restored: the SysV segment keeps its contents" "$d_shm -> ${6:-}"
	x nsenter -t "$pid" -i ipcs -m
	expect_grep "$what: restored: the segment is in the container's IPC namespace" '^0x6e737843 '
	shmid_after=$(sed -n 's/^shmid //p' "$d/status")
	[ -n "$shmid_before" ] && [ "$shmid_before" = "$shmid_after" ]
	res $? "$what: restored: the segment keeps its id" "$shmid_before -> $shmid_after"
	# One line a tick, before and after: the echo count goes up by one
	# from each line to the next, the timerfd's ticks and the monotonic
	# clock never go back.
	awk 'NR > 1 && ($5 != e + 1 || $1 <= n || $2 < m) { bad++; print "line " NR ": " $0 }
		{ n = $1; m = $2; e = $5 } END { exit bad != 0 }' "$d/log" >"$d/gaps"
	res $? "$what: restored: the log goes on without a gap" "$(head -n 5 "$d/gaps")"
	kill -0 "$pid" 2>/dev/null && [ ! -e "$d/error" ]
	res $? "$what: restored: the workload found no fault" "$(cat "$d/error" 2>/dev/null)"
	[ "$fail" -eq "$f0" ] || diagnose
}

what="pid+uts+ipc+mnt+net+time"
echo "== $what: a container in its own namespaces"
start "$ct" unshare --pid --uts --ipc --mount --net --time --fork --mount-proc \
	--monotonic=86400 --boottime=172800
dump_restore "$ct"
check_restored "$ct"
kill -KILL "$pid" 2>/dev/null

# What nsx adds, as stock criu sees it: a container with a realtime offset
# and a syslog namespace dumps and restores (criu reads timens_offsets,
# which must not hold a line it does not know); what it does not carry is
# shown, not judged: that is the CRIU series' work.
case $([ -e /proc/self/ns/syslog ] && echo nsx) in
nsx)
	what="nsx: +realtime+syslog"
	echo "== $what: the same workload with a wall clock offset and a kernel log"
	start /ct2 nsx run --pid --uts --ipc --mount --net --syslog --fork --mount-proc \
		--monotonic=86400 --realtime=2041-01-01
	real_before=$(tail -n 1 /ct2/log | cut -d' ' -f3)
	dump_restore /ct2
	check_restored /ct2
	real_after=$(tail -n 1 /ct2/log | cut -d' ' -f3)
	echo "# stock criu: CLOCK_REALTIME inside at the dump $(date -u -d "@${real_before%?????????}" +%FT%TZ)," \
		"after the restore $(date -u -d "@${real_after%?????????}" +%FT%TZ)"
	echo "# stock criu: syslog namespace of the restored init: $(readlink "/proc/$pid/ns/syslog")," \
		"the host's: $(readlink /proc/self/ns/syslog)"
	kill -KILL "$pid" 2>/dev/null
	;;
*) echo "# this kernel has no realtime offsets or syslog namespaces: nsx's steps not run" ;;
esac

echo "nsx-criu: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
