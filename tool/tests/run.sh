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

cleanup() {
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

# The TYPEs whose inodes differ between two "nsx ns" listings.
changed() {
	echo "$1" | while read -r type ino; do
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
out=$("$NSX" --help)
truth "--help lists run, enter and ns" \
	sh -c 'for c in run enter ns; do
		echo "$1" | grep -q "^  $c " || exit 1; done' sh "$out"
out=$("$NSX" run --help)
truth "run --help describes --mount-proc" \
	sh -c 'echo "$1" | grep -q -- "--mount-proc"' sh "$out"
out=$("$NSX" enter --help)
truth "enter --help describes --all" \
	sh -c 'echo "$1" | grep -q -- "--all"' sh "$out"

# ---- one namespace type at a time -----------------------------------

self_ns=$("$NSX" ns)
for spec in "u uts uts" "i ipc ipc" "n net net" "m mount mnt" \
	    "p pid pid" "U user user" "C cgroup cgroup" "T time time"; do
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

# As an unprivileged user, if su and a nobody user are there.
nobody=$(id -u nobody 2>/dev/null)
as_nobody() {
	su -s /bin/sh -c "$1" nobody 2>/dev/null </dev/null
}
if [ -z "$nobody" ] || ! command -v su >/dev/null; then
	why="no su or no nobody user"
elif [ "$(as_nobody 'id -u')" != "$nobody" ]; then
	why="su to nobody does not work"
elif ! as_nobody "test -x '$NSX'"; then
	why="nobody cannot run $NSX"
elif [ "$(cat /proc/sys/user/max_user_namespaces 2>/dev/null)" = 0 ]; then
	why="user namespaces disabled"
else
	why=
fi
if [ -z "$why" ]; then
	eq "run -r as nobody: uid 0 inside" \
		"$(as_nobody "'$NSX' run -r id -u")" 0
	eq "run -r as nobody: uid_map maps 0 to nobody" \
		"$(as_nobody "'$NSX' run -r awk '{ print \$1, \$2, \$3 }' /proc/self/uid_map")" \
		"0 $nobody 1"
	eq "run -r as nobody: root inside may set the hostname" \
		"$(as_nobody "'$NSX' run -r --hostname=nsx-nobody cat /proc/sys/kernel/hostname")" \
		nsx-nobody
else
	skip "run -r as nobody: uid 0 inside" "$why"
	skip "run -r as nobody: uid_map maps 0 to nobody" "$why"
	skip "run -r as nobody: root inside may set the hostname" "$why"
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

eq "--monotonic and --boottime offsets in timens_offsets" \
	"$("$NSX" run --monotonic=-1.5 --boottime=2.25 \
		awk '$1 != "realtime" { printf "%s %s %s ", $1, $2, $3 }' \
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
status "enter: no -t" 2 "$NSX" enter -a true
status "enter: bad PID" 2 "$NSX" enter -t 12abc -a true
status "enter: PID 0" 2 "$NSX" enter -t 0 -a true
status "enter: no namespace options" 2 "$NSX" enter -t 1 true
status "ns: bad PID" 2 "$NSX" ns abc

nopid=$(($(cat /proc/sys/kernel/pid_max) - 1))
while [ -e "/proc/$nopid" ]; do
	nopid=$((nopid - 1))
done
status "enter into a non-existent pid fails" 1 \
	"$NSX" enter -t "$nopid" -a true
truth "... with 'nsx: <what>: <error>'" grep -q "^nsx: .*$nopid: ." "$tmp/err"
status "ns of a non-existent pid fails" 1 "$NSX" ns "$nopid"

# ---- nsx ns ---------------------------------------------------------

want=$(for f in /proc/$$/ns/*; do
	echo "${f##*/} $(readlink "$f" | sed 's/.*\[\(.*\)\]$/\1/')"
done | sort)
eq "ns PID lists /proc/PID/ns" "$("$NSX" ns $$ | sort)" "$want"
eq "ns without PID lists our own namespaces" "$("$NSX" ns | sort)" "$want"

# ---- nsx enter ------------------------------------------------------

# A target in new namespaces of every type; it is the child of nsx.
"$NSX" run -r -u -i -n -m -p -C -T --mount-proc --hostname=nsx-target \
	--boottime=1000 sleep 300 </dev/null >/dev/null 2>&1 &
target_parent=$!
i=0
while [ $i -lt 100 ]; do
	for s in /proc/[0-9]*/stat; do
		line=$(cat "$s" 2>/dev/null) || continue
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
	eq "enter -U -u: uid 0 in the target's user namespace" \
		"$("$NSX" enter -t "$target" -U -u id -u)" 0
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
