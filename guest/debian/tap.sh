# Results in TAP form for the Debian guest's checks (compat.sh, criu.sh).
# Sourced, never run. The caller prints "nsx-NAME: $pass passed, $fail
# failed" at the end.
# shellcheck shell=sh

pass=0 fail=0 n=0
out='' st=0

# res STATUS DESC [DETAIL]: one result; STATUS 0 is a pass
res() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		pass=$((pass + 1))
		echo "ok $n - $2"
	else
		fail=$((fail + 1))
		echo "not ok $n - $2"
		[ -z "$3" ] || printf '%s\n' "$3" | sed 's/^/#   /'
	fi
}

# x CMD...: run CMD, show it and its output; keep them in $out and $st
x() {
	echo "\$ $*"
	out=$("$@" 2>&1)
	st=$?
	[ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/    /'
	[ "$st" -eq 0 ] || echo "    (exit $st)"
}

# expect DESC WANT: the last command exited 0 and printed exactly WANT
expect() {
	[ "$st" -eq 0 ] && [ "$out" = "$2" ]
	res $? "$1" "exit $st; got '$out', want '$2'"
}

# expect_grep DESC ERE: the last command exited 0 and a line matches ERE
expect_grep() {
	[ "$st" -eq 0 ] && printf '%s\n' "$out" | grep -qE -- "$2"
	res $? "$1" "exit $st; no line matches '$2'"
}

# truth DESC CMD...: CMD (a test) succeeds
truth() {
	desc=$1
	shift
	"$@"
	res $? "$desc" "false: $*"
}
