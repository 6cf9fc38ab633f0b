#!/usr/bin/env bash
# make bench: what the series costs. Boots the base kernel (tag "base" of
# build/linux, same configuration) and the nsx kernel (build/kernel) under
# QEMU with instruction counting, runs the same static program (nsbench)
# in both, and writes one table: operation, unit, base, nsx, ratio. The
# nsx kernel then boots once more under plain TCG (no instruction
# counting) for a wall-clock column, which is indicative only: it moves
# with the host's load and with how QEMU translates the guest's code.
#
# Usage: bench/bench.sh                    full run, results in build/bench/
#        QUICK=1 bench/bench.sh            small N, results in build/bench/quick/
#        NSX_BENCH_SMOKE=1 bench/bench.sh  smoke run, results in build/bench/smoke/
#
# The smoke run is what make check runs, so that the bench cannot rot
# without anyone noticing: nsbench and the guest's bench script, every
# group with the small N of QUICK=1, on the nsx kernel alone, booted once
# under the same instruction counting. It neither builds nor boots the
# base kernel (it does not touch build/linux at all) and skips the
# plain-TCG boot, so its table has the nsx column only: no ratio, no
# wall-clock column, no plot, no README-snippet.md. Its figures are those
# of a quick run's nsx column; to compare, run make bench (QUICK=1).
#
# With -icount shift=0,sleep=off a guest nanosecond is one instruction,
# so the figures are instructions per operation, repeatable to a few
# digits. The guests boot with norandmaps: where a process's stack, heap
# and mappings land moves what fork() costs it by up to 5 % (page tables
# to copy), and each kernel build draws other random addresses, so with
# address space randomisation the fork rows compared layouts as well as
# kernels. It reports; it never fails on a figure. It fails when a kernel
# does not build or boot, a guest run fails, or the kernel logs a report.
#
# Environment: QUICK=1; NSX_BENCH_SMOKE=1 (implies QUICK=1); NSX_MEM
# (guest memory, default 6G here: the full run holds 100,000 syslog
# namespaces of about 34 kB at once); NSX_TIMEOUT;
# NSX_BENCH_ONLY=GROUP[,GROUP...] runs only those groups of nsbench (ref
# unshare clone3 setns clock stamp kmsg view scale load), for a quick
# look, and lxcfs, the Debian guest with LXCFS (lxcfs_rows below), when
# it is named or NSX_BENCH_ONLY is not set.
# The guest always gets one CPU, so that the count is that of one CPU.
#
# It writes results.md and results.csv, and prints the table at the end;
# a full or quick run also writes scaling.png and README-snippet.md, the
# key rows in a short section to paste into README.md.
set -uo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/../scripts/lib.sh"

quick=${QUICK:-0}
smoke=${NSX_BENCH_SMOKE:-0}
# mode is the guest's variant (nsx.bench=full or quick) and names the run.
mode=full
out=$BUILD/bench
if [ "$smoke" = 1 ]; then
	quick=1
	mode=quick
	out=$BUILD/bench/smoke
elif [ "$quick" = 1 ]; then
	mode=quick
	out=$BUILD/bench/quick
fi
base_src=$BUILD/base-src
base_obj=$BUILD/kernel-base
nsx_obj=$BUILD/kernel
initrd=$out/initramfs.cpio
t0=$(date +%s)
step() { say "bench [$(( $(date +%s) - t0 ))s] $*"; }

# The shared objects a dynamic ELF file loads, its interpreter included,
# as "REAL_FILE=PATH" with PATH as the loader finds it (so the guest has
# it at the same place), one a line.
libs_of() {
	ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
		while read -r lib; do
			echo "$(readlink -f "$lib")=${lib#/}"
		done
}

# The bench guest: the usual guest without the test programs (a small
# initramfs boots faster), plus nsbench and /guest/bench.sh; and
# nsbench-dyn, the same program linked dynamically, with the libraries it
# and libfaketime need, for the libfaketime rows.
pack_guest() {
	local extra=() faketime f
	faketime=$(dpkg -L libfaketime 2>/dev/null | grep -m1 '/faketime/libfaketime\.so\.1$')
	if [ -n "$faketime" ] && [ -f "$faketime" ]; then
		extra+=("$faketime=${faketime#/}")
	else
		say "libfaketime is missing (make deps): no libfaketime rows"
		faketime=
	fi
	while read -r f; do
		extra+=("$f")
	done < <({ libs_of "$out/nsbench-dyn"; [ -z "$faketime" ] || libs_of "$faketime"; } | sort -u)
	"$TOP/scripts/build-guest.sh" - "$initrd" "$out/nsbench=bin/nsbench" \
		"$out/nsbench-dyn=bin/nsbench-dyn" "${extra[@]}" \
		"$TOP/bench/guest-bench.sh=guest/bench.sh" >/dev/null ||
		die "could not pack the bench guest"
}

# LXCFS's reads, for the view table: the Debian guest of make lxcfs on
# the nsx kernel, under the same instruction counting with one CPU; its
# "nsx-lxcfs-cost: FILE|HOST|NSX|LXCFS" lines (bench/readcost.c in that
# guest) become "bench: view lxcfs/FILE" and "bench: view lxcfs-view/FILE"
# lines of the nsx log: LXCFS's read, and the view's read measured the
# same way in the same container, for the ratio. Not in the smoke run,
# nor with NSX_BENCH_ONLY unless it names lxcfs.
lxcfs_rows() {
	local log=$BUILD/logs/debian-bench-lxcfs.log
	case ",${NSX_BENCH_ONLY:-lxcfs}," in *,lxcfs,*) ;; *) return 0 ;; esac
	step "LXCFS next to the view: the Debian guest of make lxcfs (console: ${log#"$TOP"/})"
	NSX_ICOUNT=1 NSX_SMP=1 "$TOP/scripts/debian.sh" lxcfs "$nsx_obj" bench-lxcfs \
		>"$out/lxcfs.console" 2>&1 || return 1
	tr -d '\r' <"$log" | awk -F'|' '/^nsx-lxcfs-cost: / {
		sub(/^nsx-lxcfs-cost: /, "")
		if ($4 != "")
			printf "bench: view lxcfs/%s %s ns/op\n", $1, $4
		printf "bench: view lxcfs-view/%s %s ns/op\n", $1, $3
	}' >>"$out/nsx.log"
}

# Boot one kernel with the bench; NAME BZIMAGE [ICOUNT [ONLY]], ICOUNT 1
# (the default) for instruction counting, 0 for plain TCG; ONLY, the
# groups to run (default: NSX_BENCH_ONLY, else all).
boot() {
	local name=$1 kernel=$2 icount=${3:-1} only=${4:-${NSX_BENCH_ONLY:-}} t rc
	t=$(date +%s)
	step "booting the $name kernel (console: ${out#"$TOP"/}/$name.log)"
	NSX_ICOUNT=$icount NSX_SMP=1 NSX_MEM=${NSX_MEM:-6G} \
		"$TOP/scripts/run-guest.sh" "$kernel" "$initrd" bench "$out/$name.log" \
		"norandmaps nsx.bench=$mode${only:+ nsx.bench.only=$only}" \
		>"$out/$name.console" 2>&1
	rc=$?
	echo "$(( $(date +%s) - t ))" >"$out/$name.seconds"
	if [ $rc != 0 ]; then
		grep -E '^(bench-error|nsx: )' "$out/$name.console" | tail -n 20 >&2
		say "the $name guest run failed (${out#"$TOP"/}/$name.log)"
	fi
	return $rc
}

# The table: every "bench: GROUP OP VALUE UNIT" line of the logs of the
# base, the nsx and the plain-TCG nsx run, joined on GROUP OP. Under
# icount ns/op is instructions per operation; under plain TCG it is guest
# nanoseconds, that is wall-clock time on this host as QEMU runs the
# guest, only shown for the units that are times. A smoke run has the
# nsx log only, and its table the nsx column only.
tabulate() {
	local logs=("$out/base.log" "$out/nsx.log" "$out/nsx-tcg.log")
	[ "$smoke" = 1 ] && logs=("$out/nsx.log")
	awk -v csv="$out/results.csv" -v md="$out/results.md" -v mode="$mode" \
		-v smoke="$smoke" -v host_cpus="$(nproc)" -v host_load="${host_load:-}" '
	function num(v) {
		if (v == "")
			return ""
		return (v >= 1000 || v <= -1000) ? sprintf("%.0f", v) : sprintf("%.1f", v)
	}
	# f: 1 for the base log, 2 for the nsx log, 3 for the plain-TCG one.
	FNR == 1 { f = FILENAME ~ /\/base\.log$/ ? 1 : FILENAME ~ /\/nsx\.log$/ ? 2 : 3 }
	/^bench-info: / {
		sub(/\r$/, "")
		key = $2; $1 = ""; $2 = ""; sub(/^ +/, "")
		info[f, key] = $0
		next
	}
	/^bench-note: / { sub(/^bench-note: /, ""); if (!(note[$0]++)) notes[++nn] = $0; next }
	/^bench: / && NF == 5 {
		key = $2 " " $3
		if (!(key in unit))
			order[++n] = key
		u = $5
		if (u == "ns/op")
			u = "instr/op"
		else if (u == "B/ns")
			u = "bytes/ns"
		else if (u == "elapsed-ns/op")
			u = "guest ns/op"
		if (f < 3)
			unit[key] = u
		val[f, key] = $4
		if (f == 3 && !(key in unit)) {
			extra[key] = 1
			unit[key] = u
			order[++n] = key
		}
	}
	END {
		if (smoke) {
			print "operation,unit,nsx" > csv
			print "# nsx bench (smoke run: the nsx kernel only)\n" > md
			printf "nsx: %s  \n", info[2, "kernel"] > md
			printf "guest: %s CPU, %s kB, clocksource %s; QEMU TCG with -icount shift=0,sleep=off, so a guest nanosecond is one executed instruction.\n", \
				info[2, "cpus"], info[2, "memtotal-kB"], info[2, "clocksource"] > md
			print "A smoke run (NSX_BENCH_SMOKE=1, what make check runs): the small N of the quick run, to check that the bench still builds and runs; no base kernel, so no ratio, and no plain-TCG boot. To compare with the base kernel: make bench, or make bench QUICK=1.\n" > md
			print "| operation | unit | nsx |" > md
			print "|---|---|---:|" > md
			for (i = 1; i <= n; i++) {
				k = order[i]
				x = ((2, k) in val) ? val[2, k] : ""
				printf "%s,%s,%s\n", k, unit[k], x > csv
				printf "| %s | %s | %s |\n", k, unit[k], num(x) > md
			}
			if (nn) {
				print "\nNotes from the guest:\n" > md
				for (i = 1; i <= nn; i++)
					print "- " notes[i] > md
			}
			exit
		}
		print "operation,unit,base,nsx,ratio,nsx_tcg_wall_ns" > csv
		printf "# nsx bench (%s)\n\n", mode > md
		printf "base: %s  \nnsx: %s  \n", info[1, "kernel"], info[2, "kernel"] > md
		printf "guest: %s CPU, %s kB, clocksource %s; QEMU TCG with -icount shift=0,sleep=off, so a guest nanosecond is one executed instruction.\n", \
			info[2, "cpus"], info[2, "memtotal-kB"], info[2, "clocksource"] > md
		printf "Last column: the nsx kernel booted again under plain TCG (no -icount; clocksource %s), guest nanoseconds per operation, that is wall-clock time as QEMU runs it on this host (%s CPUs, load average %s when it started): indicative only.\n\n", \
			info[3, "clocksource"], host_cpus, host_load > md
		print "| operation | unit | base | nsx | nsx/base | wall ns, TCG (indicative) |" > md
		print "|---|---|---:|---:|---:|---:|" > md
		for (i = 1; i <= n; i++) {
			k = order[i]
			b = ((1, k) in val) ? val[1, k] : ""
			x = ((2, k) in val) ? val[2, k] : ""
			r = (b != "" && x != "" && b + 0 != 0) ? sprintf("%.3f", x / b) : ""
			w = ((3, k) in val) && unit[k] ~ /^(instr\/op|guest ns\/op)$/ ? val[3, k] : ""
			u = unit[k]
			if (k in extra)
				u = u " (TCG run only)"
			printf "%s,%s,%s,%s,%s,%s\n", k, u, b, x, r, w > csv
			printf "| %s | %s | %s | %s | %s | %s |\n", k, u, num(b), num(x), r, num(w) > md
		}
		if (nn) {
			print "\nNotes from the guests:\n" > md
			for (i = 1; i <= nn; i++)
				print "- " notes[i] > md
		}
	}' "${logs[@]}"
}

# What the rows measure, after the table in results.md.
legend() {
	cat <<'EOF'

## Reading the table

Figures are per operation, the mean over a loop; instructions are guest
nanoseconds under icount, so they include what the kernel did meanwhile
for others (interrupts, RCU callbacks, workqueues such as the network
namespace cleanup) as far as it ran inside the loop.

- `kmsg write`, `kmsg read`: one write(2) of a 30-byte line to /dev/kmsg
  (printk_devkmsg=on); one read(2) of one record, rereading the buffer.
  `kmsg syslogns/write`, `kmsg syslogns/read`: the same in a new syslog
  namespace (nsx only): its own buffer, and each write also copied to
  the host's log.
- `view host/meminfo`, `view host/sysinfo`: one pread(2) of all of
  /proc/meminfo, one sysinfo(2), on the host. `view host/cpu-online`:
  one pread(2) of /sys/devices/system/cpu/online (what glibc's
  get_nprocs() reads). `view host/cpuinfo`: open(2), read(2) to the end
  and close(2) of /proc/cpuinfo. `view host/stat`, `view host/loadavg`:
  one pread(2) of all of /proc/stat (what top and vmstat read), of
  /proc/loadavg (uptime). `view host/swaps`, `view host/uptime`,
  `view host/diskstats`: one pread(2) of /proc/swaps (swapon), of
  /proc/uptime, of /proc/diskstats (vmstat -d, iostat; the guest's disks
  are its eight loop devices, without swap). `view view/...`: the same in
  a cgroup namespace with the cgroup view (NS_CGROUP_VIEW_MEMORY,
  NS_CGROUP_VIEW_CPUS, NS_CGROUP_VIEW_STAT, NS_CGROUP_VIEW_LOAD and
  NS_CGROUP_VIEW_DISKS), rooted at a cgroup with memory.max 512 MiB and
  cpu.max of one and a half CPUs, which the one-CPU guest never runs out
  of, and the io controller on (nsx only).
  `view host-keyed/...`: the host's again while that container lives,
  so that the key that keeps the view off other tasks' path is on.
- `load 0/sample`: the guest's busy time (time less the CPUs' idle time,
  from /proc/timer_list) while it idles, per five seconds (one load
  sample), with no cgroup namespace showing its load: what the guest's
  timers cost, on both kernels. `load N/sample` (nsx only): the same with
  N cgroups whose load a cgroup view shows (NS_CGROUP_VIEW_LOAD), each
  the root of a namespace held by an fd; the difference from `load
  0/sample` is the loads' worker, per sample. 3,000 s of guest time each
  (300 in the quick run), which instruction counting skips through; the
  plain-TCG run leaves the group out.
- `ref fork+exit+wait`: fork(), the child exits, waitpid(). `ref
  clone-vm+exit+wait`: the same with clone(CLONE_VM|CLONE_VFORK|CLONE_FILES).
  `ref open+close-nsfile`: open and close /proc/self/ns/uts.
- `unshare T`: unshare(CLONE_NEWT) again and again in one process: each
  call creates a namespace and frees the one the call before made (not for
  pid and user, whose unshare() cannot be repeated). For syslog, whose
  new namespace is a child of the caller's (32 levels at most), each
  unshare() is followed by a setns() back to the first namespace, which
  frees the new one: the row is the pair.
- `unshare-fork T`: unshare(CLONE_NEWT) as the first in a process: a
  forked child times its one call itself; the median over the children
  (creation only: the namespace is freed when the child exits, untimed).
- `clone-vm T`: a clone-vm child created with CLONE_NEWT exits, less one
  created without (no time: clone() cannot take CLONE_NEWTIME): the two
  alternate and each is timed on its own; the difference of the minima,
  the bare path, without the tick or batch of deferred frees that lands
  in one operation now and then (for net, the cleanup workqueue). The
  least steady kind of row still: ±2 % between two boots.
- `clone3 T`: clone3() with CLONE_NEWT, the child exits, waitpid();
  `clone3 none` is the same without a flag.
- `setns-nsfd T`, `setns-pidfd T`: one setns() through a namespace fd or a
  pidfd, the mean of entering a holder process's namespace and going back.
  For user, only entering (there is no way back): one setns() in each of
  many clone-vm children, timed around the call in the child; the median.
- `clock CTX/PATH/CLOCK`: one read. PATH libc is clock_gettime(),
  gettimeofday() or time() through glibc (vDSO); syscall is syscall(2).
  CTX host, timens-mono (a time namespace with a monotonic offset),
  timens-real (a realtime offset, when the kernel takes one), host-keyed
  (the host while a time namespace with a realtime offset lives, held by
  a child), host-after (the host eleven seconds after that one died, when the key
  is off again); dynamic
  (the same program linked dynamically: a call through the PLT) and
  libfaketime (that copy under LD_PRELOAD=libfaketime.so.1 with
  FAKETIME=+20y, after checking that CLOCK_REALTIME read through libc is
  then 20 years ahead of the kernel's): only the libc rows.
- `stamp CTX/CALL`: CTX host, timens-mono, timens-real, host-keyed or
  host-after as for the clock rows. `stat`, `statx` (basic fields and birth time) and
  `utimensat` (explicit access and modification times) of a small file
  on the guest's /tmp (tmpfs). `udp-send+recvmsg`: one send() of a
  1-byte UDP datagram over loopback and its recvmsg(), with room for a
  control message; `udp-send+recvmsg-so_timestamp`: the same on a
  socket with SO_TIMESTAMP set, each datagram received with its
  SCM_TIMESTAMP; `so_timestamp`: the second less the first, what the
  option adds per datagram (its wall-clock figure, the difference of two
  that move with the host's load, means little). These calls pass file
  and packet times, which a time namespace with a realtime offset
  shifts: a `bench-info: stamp-lag` line of the guest (and a note when
  not 0) says how far behind the task's CLOCK_REALTIME the times it was
  given were, 0 when they follow its clock, 86400 s when they are the
  host's.
- `scale T/N/...`: N namespaces created one after another and held by
  open fds (unshare() and open of /proc/self/ns/..., or a clone-vm child
  for pid and user: see the refs; for syslog also a setns() back, see
  `setns-nsfd syslog`). `create`: per namespace;
  `create-last10%`: the same over the last tenth only, the cost of one
  more namespace with about N alive. `mem`, `slab`:
  drop of MemAvailable and growth of Slab per namespace, once deferred
  frees are done (noisy below N = 1000); `percpu`: growth of the per-CPU
  allocator's pages (/proc/meminfo Percpu) per namespace, a part of
  `mem` that Slab does not show. `close`: closing the fds, per
  namespace. `teardown`: guest time from the first close until Slab
  stopped moving, per namespace: a latency, not an instruction count (it
  includes waiting for RCU grace periods and sleeps in the network
  device teardown), only meaningful for large N.
- `wall ns, TCG`: the same row on the nsx kernel booted without
  instruction counting: guest nanoseconds, which under plain TCG follow
  the host's clock. How fast QEMU runs the guest varies with the host's
  load (other work on the host preempts QEMU, and that time counts) and
  with how often the code is translated again, so these figures are
  indicative only, even between the rows of one run. Under icount,
  `teardown` counts skipped idle time as well; here it is the time that
  really passed. The quick run leaves the scale group out of this boot.
EOF
}

# scaling.dat: one block per type, "N base nsx" instructions per creation,
# then "base nsx" slab bytes per namespace.
plot() {
	local types
	awk '/^bench: scale [^ ]+\/(create|slab) / {
		f = (FILENAME == ARGV[1]) ? 1 : 2
		split($3, p, "/")
		if (!(p[1] in seen)) {
			seen[p[1]] = 1
			order[++nt] = p[1]
		}
		if (!((p[1], p[2]) in isn)) {
			isn[p[1], p[2]] = 1
			ns[p[1], ++cnt[p[1]]] = p[2]
		}
		v[f, p[1], p[2], p[3]] = $4
	}
	function get(f, t, m, what) {
		return ((f, t, m, what) in v) ? v[f, t, m, what] : "NaN"
	}
	END {
		for (i = 1; i <= nt; i++) {
			t = order[i]
			if (i > 1)
				printf "\n\n"
			printf "%s base nsx base-slab nsx-slab\n", t
			for (j = 1; j <= cnt[t]; j++) {
				m = ns[t, j]
				printf "%s %s %s %s %s\n", m, get(1, t, m, "create"),
					get(2, t, m, "create"), get(1, t, m, "slab"),
					get(2, t, m, "slab")
			}
		}
	}' "$out/base.log" "$out/nsx.log" >"$out/scaling.dat"
	types=$(grep -c ' base nsx ' "$out/scaling.dat")
	[ "$types" -gt 0 ] || { say "no scale figures to plot"; return 0; }
	if ! command -v gnuplot >/dev/null; then
		say "gnuplot is missing (apt-get install gnuplot-nox): no plot"
		return 0
	fi
	gnuplot <<EOF || say "gnuplot failed: no plot"
set terminal pngcairo size 1400,600 noenhanced
set linetype 5 lc rgb "#b8860b"
set linetype 9 lc rgb "#708090"
set output "$out/scaling.png"
set multiplot layout 1,2 title "N namespaces created and held by open fds ($mode run; solid nsx, dashed base)"
set logscale xy
set autoscale xfix
set offsets graph 0.05, graph 0.05, 0, 0
set xlabel "N"
set grid
set key top left
set ylabel "instructions per creation"
plot for [i=0:$((types - 1))] "$out/scaling.dat" index i using 1:3 with linespoints lw 2 lc i+1 title columnheader(1), \
     for [i=0:$((types - 1))] "$out/scaling.dat" index i using 1:2 with linespoints dt 2 lc i+1 notitle
set ylabel "slab bytes per namespace"
plot for [i=0:$((types - 1))] "$out/scaling.dat" index i using 1:5 with linespoints lw 2 lc i+1 title columnheader(1), \
     for [i=0:$((types - 1))] "$out/scaling.dat" index i using 1:4 with linespoints dt 2 lc i+1 notitle
unset multiplot
EOF
}

# README-snippet.md: the key rows, nsx (nsx/base), for README.md.
snippet() {
	local cmd=make\ bench base
	[ "$quick" = 1 ] && cmd="make bench QUICK=1"
	[ -z "${NSX_BENCH_ONLY:-}" ] || cmd="NSX_BENCH_ONLY=$NSX_BENCH_ONLY $cmd"
	base=$(git -C "$TREE" log -1 --format=%s 'base^{commit}' 2>/dev/null) || base=unknown
	base=${base#Base: }
	awk -F, -v cmd="$cmd" -v base="$base" -v mode="$mode" \
		-v plot="${out#"$TOP"/}/scaling.png" -v info="$out/nsx.log" '
	function cell(k) {
		if (!(k in x))
			return "–"
		return r[k] == "" ? num(x[k]) : sprintf("%s (%s)", num(x[k]), r[k])
	}
	function num(v) {
		return (v >= 1000 || v <= -1000) ? sprintf("%.0f", v) : sprintf("%.1f", v)
	}
	BEGIN {
		while ((getline line < info) > 0) {
			sub(/\r$/, "", line)
			if (line ~ /^bench-info: (cpus|memtotal-kB|kernel) /) {
				split(line, w, " ")
				v = line
				sub(/^bench-info: [^ ]+ /, "", v)
				inf[w[2]] = v
			}
		}
		ntypes = split("uts ipc pid user net mnt cgroup syslog time", types, " ")
	}
	NR > 1 {
		x[$1] = $4
		r[$1] = $5
		w[$1] = $6
		if ($1 ~ /^scale [^\/]+\/[0-9]+\/create$/) {
			split(substr($1, 7), p, "/")
			if (p[2] + 0 > maxn[p[1]] + 0)
				maxn[p[1]] = p[2]
			if (!(p[2] in seen_n)) {
				seen_n[p[2]] = 1
				for (j = ++nn; j > 1 && allns[j - 1] + 0 > p[2] + 0; j--)
					allns[j] = allns[j - 1]
				allns[j] = p[2]
			}
		}
	}
	END {
		printf "### Benchmark (%s run)\n\n", mode
		printf "`%s`, base kernel %s (%s), guest with %s CPU and %.1f GiB under QEMU TCG with\n", \
			cmd, base, inf["kernel"], inf["cpus"], inf["memtotal-kB"] / 1048576
		print "`-icount shift=0,sleep=off`: figures are instructions per operation, nsx"
		print "with nsx/base in parentheses. Full table: `build/bench" (mode == "quick" ? "/quick" : "") "/results.md`.\n"
		printf "References: fork+exit+wait %s, clone-vm+exit+wait %s, clone3 without flags %s.\n\n", \
			cell("ref fork+exit+wait"), cell("ref clone-vm+exit+wait"), cell("clone3 none")
		print "| type | unshare (loop) | unshare (first) | clone-vm − ref | clone3 | setns nsfd | setns pidfd |"
		print "|---|---:|---:|---:|---:|---:|---:|"
		for (i = 1; i <= ntypes; i++) {
			t = types[i]
			if (!(("clone3 " t) in x) && !(("unshare-fork " t) in x) &&
			    !(("setns-nsfd " t) in x))
				continue
			printf "| %s | %s | %s | %s | %s | %s | %s |\n", t, cell("unshare " t),
				cell("unshare-fork " t), cell("clone-vm " t), cell("clone3 " t),
				cell("setns-nsfd " t), cell("setns-pidfd " t)
		}
		print "\nClock reads (CLOCK_REALTIME unless said), and the same on the nsx kernel under"
		print "plain TCG, in wall-clock nanoseconds (indicative only):\n"
		print "| read | instructions | wall ns, TCG |"
		print "|---|---:|---:|"
		n = split("host/libc/realtime host/libc/monotonic host/syscall/realtime timens-mono/libc/realtime timens-mono/libc/monotonic timens-real/libc/realtime host/libc/time timens-real/libc/time host-keyed/syscall/realtime host-after/syscall/realtime dynamic/libc/realtime libfaketime/libc/realtime libfaketime/libc/time dynamic/libc/time", ck, " ")
		for (i = 1; i <= n; i++)
			if (("clock " ck[i]) in x)
				printf "| %s | %s | %s |\n", ck[i], cell("clock " ck[i]),
					w["clock " ck[i]] == "" ? "–" : num(w["clock " ck[i]])
		if (("stamp host/stat") in x) {
			print "\nFile and packet times: stat(), statx() and utimensat() of a file on tmpfs,"
			print "a UDP datagram over loopback sent and received (recvmsg()) without and with"
			print "SO_TIMESTAMP, and what SO_TIMESTAMP adds, on the host and in time namespaces"
			print "with a monotonic and with a realtime offset:\n"
			print "| call | host | timens-mono | timens-real |"
			print "|---|---:|---:|---:|"
			n = split("stat statx utimensat udp-send+recvmsg udp-send+recvmsg-so_timestamp so_timestamp", sc, " ")
			for (i = 1; i <= n; i++)
				printf "| %s | %s | %s | %s |\n", sc[i], cell("stamp host/" sc[i]),
					cell("stamp timens-mono/" sc[i]), cell("stamp timens-real/" sc[i])
		}
		printf "\n/dev/kmsg: write %s, read %s; in a syslog namespace: write %s, read %s.\n\n",
			cell("kmsg write"), cell("kmsg read"), cell("kmsg syslogns/write"), cell("kmsg syslogns/read")
		if (("view host/meminfo") in x) {
			print "The cgroup view: a read of /proc/meminfo, a sysinfo(2), a read of"
			print "/sys/devices/system/cpu/online, all of /proc/cpuinfo, a read of /proc/stat,"
			print "/proc/loadavg, /proc/swaps, /proc/uptime and /proc/diskstats on the host, in a"
			print "container with the view, and on the host while such a container lives:\n"
			print "| call | host | view | host-keyed | LXCFS | view, as LXCFS is read |"
			print "|---|---:|---:|---:|---:|---:|"
			n = split("meminfo sysinfo cpu-online cpuinfo stat loadavg swaps uptime diskstats", vc, " ")
			for (i = 1; i <= n; i++) {
				lx = vc[i] == "cpu-online" ? "online" : vc[i]
				printf "| %s | %s | %s | %s | %s | %s |\n", vc[i], cell("view host/" vc[i]),
					cell("view view/" vc[i]), cell("view host-keyed/" vc[i]),
					cell("view lxcfs/" lx), cell("view lxcfs-view/" lx)
			}
			print ""
			print "LXCFS: one pread(2) of its file in a container with the view, the work of"
			print "the daemon counted (readcost in the guest of make lxcfs); the last column:"
			print "the view read the same way in the same container (sysinfo: FUSE cannot).\n"
		}
		print "N namespaces created and held by fds: instructions per creation at each N,"
		print "then at the largest N (N max) the last tenth of the creations, the memory"
		print "(drop of MemAvailable), slab and per-CPU pages per namespace in bytes, and"
		print "closing the fds:\n"
		hdr = "| type |"
		sep = "|---|"
		for (j = 1; j <= nn; j++) {
			hdr = hdr sprintf(" N = %s |", allns[j])
			sep = sep "---:|"
		}
		print hdr " N max | last 10 % | mem | slab | percpu | close |"
		print sep "---:|---:|---:|---:|---:|---:|"
		for (i = 1; i <= ntypes; i++) {
			t = types[i]
			if (!(t in maxn))
				continue
			line = "| " t " |"
			for (j = 1; j <= nn; j++)
				line = line " " cell("scale " t "/" allns[j] "/create") " |"
			k = "scale " t "/" maxn[t] "/"
			printf "%s %s | %s | %s | %s | %s | %s |\n", line, maxn[t],
				cell(k "create-last10%"), cell(k "mem"), cell(k "slab"),
				cell(k "percpu"), cell(k "close")
		}
		printf "\n![instructions and slab per namespace against N](%s)\n", plot
	}' "$out/results.csv" >"$out/README-snippet.md"
}

# The base kernel in build/kernel-base, from build/base-src.
build_base() {
	base_tree "$base_src"
	step "building the base kernel"
	base_fragment=$out/base.config
	base_config "$base_src" "$TOP/config/kernel.config" >"$base_fragment"
	"$TOP/scripts/build-kernel.sh" "$base_src" "$base_obj" "$base_fragment" ||
		die "the base kernel did not build"
}

mkdir -p "$out"
rm -f "$out"/*.log "$out"/*.console "$out"/results.* "$out"/scaling.* "$out"/README-snippet.md

if [ ! -f "$nsx_obj/arch/x86/boot/bzImage" ] || [ ! -d "$nsx_obj/hdr/include" ]; then
	die "no nsx kernel in ${nsx_obj#"$TOP"/} (make kernel)"
fi
if [ "$smoke" = 1 ]; then
	step "smoke run: the nsx kernel only, small N, no base kernel"
else
	build_base
fi

step "building nsbench and the bench guest"
gcc -static -O2 -Wall -Wextra -isystem "$nsx_obj/hdr/include" \
	-o "$out/nsbench" "$TOP/bench/nsbench.c" || die "nsbench did not build"
gcc -O2 -Wall -Wextra -isystem "$nsx_obj/hdr/include" \
	-o "$out/nsbench-dyn" "$TOP/bench/nsbench.c" || die "nsbench-dyn did not build"
pack_guest

fail=0
if [ "$smoke" = 1 ]; then
	boot nsx "$nsx_obj/arch/x86/boot/bzImage" || fail=1
	tabulate
	echo
	cat "$out/results.md"
	echo
	step "done (smoke run): nsx guest $(cat "$out/nsx.seconds")s; ${out#"$TOP"/}/results.md, results.csv"
	[ $fail = 0 ] || die "the guest run failed: the table is incomplete"
	exit 0
fi

boot base "$base_obj/arch/x86/boot/bzImage" || fail=1
boot nsx "$nsx_obj/arch/x86/boot/bzImage" || fail=1
lxcfs_rows || fail=1
# Under plain TCG the scale run's waits for the kernel to settle are
# real seconds (about a minute in all for the small N): the quick run
# leaves the scale group out there. The load group idles for hours of
# guest time, which instruction counting skips and plain TCG would not:
# no run has it there.
tcg_only=${NSX_BENCH_ONLY:-ref,unshare,clone3,setns,clock,stamp,kmsg,view,scale}
[ "$quick" = 1 ] && [ -z "${NSX_BENCH_ONLY:-}" ] && tcg_only=ref,unshare,clone3,setns,clock,stamp,kmsg,view
tcg_only=$(printf '%s\n' "$tcg_only" | tr , '\n' | grep -vxE 'load|lxcfs' | paste -sd,)
tcg_only=${tcg_only:-none}
host_load=$(cut -d' ' -f1 /proc/loadavg)
boot nsx-tcg "$nsx_obj/arch/x86/boot/bzImage" 0 "$tcg_only" || fail=1

tabulate
legend >>"$out/results.md"
plot
snippet
echo
cat "$out/results.md"
echo
step "done: base guest $(cat "$out/base.seconds")s, nsx guest $(cat "$out/nsx.seconds")s, nsx guest under plain TCG $(cat "$out/nsx-tcg.seconds")s; ${out#"$TOP"/}/results.md, results.csv, scaling.png, README-snippet.md"
[ $fail = 0 ] || die "a guest run failed: the table is incomplete"
