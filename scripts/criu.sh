#!/usr/bin/env bash
# make criu: Debian's unmodified criu (3.17.1) on the base kernel and on
# nsx, both built from config/kernel.config plus config/criu.config, in
# the Debian guest with criu added (guest/debian/criu.sh). Prints the two
# results side by side and fails if nsx fails a step that the base kernel
# passes, or if either kernel's guest did not finish.
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
	say "criu: the Debian guest on the $k kernel"
	NSX_GUEST_ARGS=nsx.kernel=$k "$TOP/scripts/debian.sh" criu "$obj" "criu-$k" \
		>"$BUILD/criu/$k.out" 2>&1 || rc=1
	tail -n 1 "$BUILD/criu/$k.out"
done

# One line per step: the step, then ok/FAIL on base and on nsx.
awk '
	FNR == 1 { k++ }
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
			if (x != "ok" && b == "ok")
				worse++
		}
		if (worse)
			printf "criu: %d step(s) pass on the base kernel and fail on nsx\n", worse
		exit worse != 0
	}' "$BUILD/logs/debian-criu-base.log" "$BUILD/logs/debian-criu-nsx.log" |
	tee "$BUILD/criu/results.txt" || rc=1
say "criu: console logs in build/logs/debian-criu-{base,nsx}.log, table in build/criu/results.txt"
exit $rc
