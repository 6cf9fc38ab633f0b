#!/usr/bin/env bash
# make criu: Debian's unmodified criu (3.17.1) on the base kernel and on
# nsx, both built from config/kernel.config plus config/criu.config, in
# the Debian guest with criu added (guest/debian/criu.sh). Prints the two
# results side by side and fails if nsx fails any step that the base
# kernel does not fail (its own steps included), or if either kernel's
# guest did not finish: a step the base kernel fails is a finding about
# the base (docs/criu.md), not a failure of the run.
#
# Not part of make check: the two kernels of their own cost about fifteen
# minutes of build on two cores (see README).
set -uo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

base_src=$BUILD/base-src
frag=$BUILD/criu/base.config
mkdir -p "$BUILD/criu"

base_tree "$base_src"
base_config "$base_src" "$TOP/config/kernel.config" "$TOP/config/criu.config" >"$frag"
say "criu: building the base kernel with config/criu.config"
"$TOP/scripts/build-kernel.sh" "$base_src" "$BUILD/kernel-base-criu" "$frag" ||
	die "the base kernel did not build"
say "criu: building the nsx kernel with config/criu.config"
"$TOP/scripts/build-kernel.sh" "$TREE" "$BUILD/kernel-criu" \
	"$TOP/config/kernel.config" "$TOP/config/criu.config" ||
	die "the nsx kernel did not build"

rc=0
for k in base nsx; do
	obj=$BUILD/kernel-criu
	[ $k = nsx ] || obj=$BUILD/kernel-base-criu
	log=$BUILD/logs/debian-criu-$k.log
	rm -f "$log"
	say "criu: the Debian guest on the $k kernel"
	if "$TOP/scripts/debian.sh" criu "$obj" "criu-$k" >"$BUILD/criu/$k.out" 2>&1; then
		:
	elif [ $k = nsx ] || ! grep -qE '^nsx-criu: [0-9]+ passed' "$log" 2>/dev/null; then
		rc=1
	fi
	tail -n 1 "$BUILD/criu/$k.out"
	grep -qE '^nsx-criu: [0-9]+ passed' "$log" 2>/dev/null ||
		{ say "criu: the guest on the $k kernel did not finish (${log#"$TOP"/})"; rc=1; }
done

# One line per step: the step, then ok/FAIL on base and on nsx.
awk '
	FNR == 1 { k = (FILENAME == ARGV[1]) ? 1 : 2 }
	/^(not )?ok [0-9]+ - / {
		r = ($1 == "ok") ? "ok" : "FAIL"
		sub(/^(not )?ok [0-9]+ - /, "")
		if (!($0 in seen)) { seen[$0] = 1; order[++n] = $0 }
		res[k, $0] = r
	}
	END {
		printf "%-6s %-6s %s\n", "base", "nsx", "step"
		for (i = 1; i <= n; i++) {
			s = order[i]
			b = ((1, s) in res) ? res[1, s] : "-"
			x = ((2, s) in res) ? res[2, s] : "-"
			printf "%-6s %-6s %s\n", b, x, s
			if (x != "ok" && b != "FAIL")
				worse++
		}
		if (worse)
			printf "criu: %d step(s) fail on nsx and not on the base kernel\n", worse
		exit worse != 0
	}' "$BUILD/logs/debian-criu-base.log" "$BUILD/logs/debian-criu-nsx.log" |
	tee "$BUILD/criu/results.txt" || rc=1
say "criu: console logs in build/logs/debian-criu-{base,nsx}.log, table in build/criu/results.txt"
exit $rc
