#!/usr/bin/env bash
# make lxcfs: Debian's LXCFS next to the cgroup view. Boots the nsx
# kernel (build/kernel) on the Debian guest with lxcfs and fuse3 under
# QEMU's instruction counting (-icount shift=0,sleep=off: a guest
# nanosecond is an instruction, of any CPU, so a read through LXCFS
# counts the daemon's work), runs guest/debian/lxcfs.sh and makes its
# lines into build/lxcfs/results.md: each file and field as the host, a
# container through LXCFS and the same container through the view see
# it, with a note on each difference, and what one read costs.
#
# NSX_LXCFS_RENDER=1 makes the tables from the last run's log again
# (after a change to the notes), without booting.
#
# It reports; it fails only when the guest cannot run the comparison
# (LXCFS does not mount, the container does not start, the kernel logs a
# report). It is not part of make check: the Debian root filesystem with
# lxcfs is one more to build, and the figures are to read, not to pass.
set -uo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

kobj=${1:-$BUILD/kernel}
log=$BUILD/logs/debian-lxcfs.log
out=$BUILD/lxcfs/results.md
mkdir -p "$(dirname "$out")"

rc=0
if [ "${NSX_LXCFS_RENDER:-0}" != 1 ]; then
	NSX_ICOUNT=1 "$TOP/scripts/debian.sh" lxcfs "$kobj" lxcfs
	rc=$?
fi
grep -q '^nsx-lxcfs-row: ' "$log" || die "no comparison came out of the guest (log: ${log#"$TOP"/})"

tr -d '\r' <"$log" | awk -F'|' -v notes="$TOP/guest/debian/lxcfs-notes.txt" '
BEGIN {
	# FILE|FIELD<TAB>note, one per line; "#" starts a comment
	while ((getline line < notes) > 0) {
		if (line ~ /^#/ || line !~ /\t/)
			continue
		k = substr(line, 1, index(line, "\t") - 1)
		note[k] = substr(line, index(line, "\t") + 1)
	}
}
/^nsx-lxcfs: / && !ver { ver = substr($0, 12) }
/^nsx-lxcfs-row: / {
	sub(/^nsx-lxcfs-row: /, "")
	k = $1 "|" $2
	same = ($4 == $5) ? "=" : "≠"
	rows[++n] = sprintf("| %s | %s | %s | %s | %s | %s | %s |", $1, $2, cell($3), cell($4),
			    cell($5), same, note[k])
}
/^nsx-lxcfs-cost: / {
	sub(/^nsx-lxcfs-cost: /, "")
	r = ($4 != "" && $3 > 0) ? sprintf("%.1f×", $4 / $3) : "no"
	v = ($3 > 0 && $2 > 0) ? sprintf("%.2f", $3 / $2) : ""
	costs[++m] = sprintf("| %s | %s | %s (%s) | %s | %s |", $1, $2, $3, v,
			     $4 == "" ? "(FUSE cannot)" : $4, r)
}
function cell(s) { gsub(/\|/, "/", s); return s == "" ? "(none)" : "`" s "`" }
END {
	print "# LXCFS next to the cgroup view\n"
	print "From `make lxcfs` (" ver ").\n"
	print "A container of `memory.max` 512 MiB, `memory.swap.max` 32 MiB, half a CPU of"
	print "`cpu.max` and the last CPU in its cpuset, with the view, reads each file as the"
	print "kernel shows it (nsx) and through LXCFS (`lxcfs -l --enable-cfs`), one"
	print "after the other; the host reads it while the container lives.\n"
	print "| file | field | host | LXCFS | nsx | | note |"
	print "|---|---|---|---|---|---|---|"
	for (i = 1; i <= n; i++)
		print rows[i]
	print "\nInstructions per read (guest nanoseconds under `-icount shift=0`; a read"
	print "through LXCFS counts the work of the daemon), in a container of one and a half"
	print "CPUs of `cpu.max` with the view:\n"
	print "| read | host | nsx (× host) | LXCFS | LXCFS ÷ nsx |"
	print "|---|---:|---:|---:|---:|"
	for (i = 1; i <= m; i++)
		print costs[i]
}' >"$out"
say "lxcfs: ${out#"$TOP"/}"
exit $rc
