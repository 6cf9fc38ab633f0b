#!/usr/bin/env bash
# Lint the series as kernel maintainers would. Usage: scripts/lint.sh [full]
#
#  - checkpatch.pl --strict on every patch: an error fails; a warning or
#    check fails unless patches/checkpatch.waivers gives it a reason;
#  - kernel-doc -none on the kernel C files the series touches;
#  - sparse (C=2) on the objects of those files in build/kernel;
#  - with "full": coccinelle (make coccicheck MODE=report) on the touched
#    directories.
# A kernel-doc, sparse or coccinelle report counts against the series
# only when it points at a line the series added, so what the base
# already has is not charged to nsx and no base build is needed.
#
# Prints one "lint: <check>: ok|FAIL" line per check and a closing
# "lint: N passed, N failed" count; exits non-zero on any failure.
set -uo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

full=${1:-}
kobj=$BUILD/kernel
waivers=$TOP/patches/checkpatch.waivers
pass=0 fail=0
ok() { pass=$((pass + 1)); printf 'lint: %s: ok\n' "$1"; }
bad() { fail=$((fail + 1)); printf 'lint: %s: FAIL\n' "$1"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. checkpatch, patch by patch
while read -r p; do
	case $p in ''|'#'*) continue ;; esac
	name=${p#[0-9][0-9][0-9][0-9]-}
	(cd "$TREE" && scripts/checkpatch.pl --strict --show-types --no-summary \
		--terse "$TOP/patches/$p") >"$tmp/cp" 2>&1
	unwaived=$(grep -E ': (ERROR|WARNING|CHECK):' "$tmp/cp" | while IFS= read -r l; do
		type=$(sed -E 's/.*: (ERROR|WARNING|CHECK):([A-Z_0-9]+):.*/\1 \2/' <<<"$l")
		if [ "${type%% *}" != ERROR ] && [ -f "$waivers" ] &&
		   grep -qE "^${name//./\\.}[[:space:]]+${type#* }[[:space:]]+[^[:space:]]" "$waivers"; then
			continue
		fi
		printf '%s\n' "$l"
	done)
	if [ -n "$unwaived" ]; then
		printf '%s\n' "$unwaived" | sed 's/^/  /'
		bad "checkpatch $p"
	else
		ok "checkpatch $p"
	fi
done <"$TOP/patches/series"

# Lines the series added, as "file:line", to judge reports by.
ktree_git diff -U0 base..HEAD | awk '
	/^\+\+\+ b\// { f = substr($0, 7); next }
	/^@@/ { split($3, a, ","); l = substr(a[1], 2); n = (a[2] == "" ? 1 : a[2]);
		for (i = 0; i < n; i++) print f ":" (l + i) }' | sort -u >"$tmp/added"
new_reports() { # stdin: tool output; prints the reports on added lines
	grep -E '^[^ :]+:[0-9]+' | while IFS= read -r l; do
		fl=$(sed -E 's|^(\./)?([^ :]+):([0-9]+).*|\2:\3|' <<<"$l")
		fl=${fl#"$TREE"/}
		grep -qxF "$fl" "$tmp/added" && printf '%s\n' "$l"
	done
}

mapfile -t cfiles < <(ktree_git diff --name-only --diff-filter=AM base..HEAD -- \
	'*.c' '*.h' ':!tools/' ':!Documentation/' ':!scripts/')

# 2. kernel-doc
if [ ${#cfiles[@]} -eq 0 ]; then
	ok "kernel-doc (no kernel C files touched)"
else
	(cd "$TREE" && scripts/kernel-doc -none "${cfiles[@]}") >"$tmp/kd" 2>&1
	sed -E 's/^(warning|error): //' "$tmp/kd" | new_reports >"$tmp/kd.new"
	if [ -s "$tmp/kd.new" ]; then
		sed 's/^/  /' "$tmp/kd.new"
		bad "kernel-doc ${#cfiles[@]} files"
	else
		ok "kernel-doc ${#cfiles[@]} files"
	fi
fi

# 3. sparse on the touched objects that the configuration builds
objs=()
for f in "${cfiles[@]}"; do
	case $f in *.c) [ -f "$kobj/${f%.c}.o" ] && objs+=("${f%.c}.o") ;; esac
done
if [ ${#objs[@]} -eq 0 ]; then
	ok "sparse (no built kernel objects touched)"
elif ! command -v sparse >/dev/null; then
	bad "sparse (not installed)"
else
	cc=gcc
	command -v ccache >/dev/null && cc="ccache gcc"
	make -s -C "$TREE" O="$kobj" CC="$cc" C=2 "${objs[@]}" >"$tmp/sp" 2>&1
	new_reports <"$tmp/sp" >"$tmp/sp.new"
	if [ -s "$tmp/sp.new" ]; then
		sed 's/^/  /' "$tmp/sp.new"
		bad "sparse ${#objs[@]} objects"
	else
		ok "sparse ${#objs[@]} objects"
	fi
fi

# 4. coccinelle, in the full lint only (minutes per directory)
if [ "$full" = full ]; then
	mapfile -t dirs < <(printf '%s\n' "${cfiles[@]}" | grep '\.c$' | xargs -r -n1 dirname | sort -u)
	if [ ${#dirs[@]} -eq 0 ]; then
		ok "coccicheck (no kernel C files touched)"
	elif ! command -v spatch >/dev/null; then
		bad "coccicheck (coccinelle not installed)"
	else
		: >"$tmp/cocci"
		for d in "${dirs[@]}"; do
			make -s -C "$TREE" O="$BUILD/cocci" coccicheck MODE=report M="$d" \
				>>"$tmp/cocci" 2>/dev/null
		done
		new_reports <"$tmp/cocci" >"$tmp/cocci.new"
		if [ -s "$tmp/cocci.new" ]; then
			sed 's/^/  /' "$tmp/cocci.new"
			bad "coccicheck ${#dirs[@]} directories"
		else
			ok "coccicheck ${#dirs[@]} directories"
		fi
	fi
fi

printf 'lint: %d passed, %d failed\n' "$pass" "$fail"
[ "$fail" -eq 0 ]
