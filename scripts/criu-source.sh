#!/usr/bin/env bash
# Fetch Debian's criu source package into a git tree and apply nsx's
# CRIU series to it (criu/series, git am), as the kernel series is applied
# to linux-source.
# Usage: scripts/criu-source.sh [DIR]   (default build/criu/src)
#
# The machine's apt sources list binary packages only. A private apt
# configuration under build/criu/apt holds a deb-src entry made from the
# same URIs and suites, so that neither the system's configuration nor the
# project names a mirror.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

CRIU_VERSION=3.17.1-2+deb12u2
dir=${1:-$BUILD/criu/src}
apt=$BUILD/criu/apt
series=$TOP/criu/series

if [ -d "$dir/.git" ] && [ -f "$dir/.nsx-series" ] &&
   cmp -s "$dir/.nsx-series" <(cat "$series" "$TOP"/criu/*.patch 2>/dev/null); then
	say "criu: ${dir#"$TOP"/} is up to date"
	exit 0
fi

mkdir -p "$apt/lists/partial" "$apt/src"
: >"$apt/sources.list"
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	# deb822: each enabled stanza whose Types has deb gets a deb-src
	# twin, one line per URI and suite, with its Signed-By.
	awk '
		function reset() { t = 0; en = 1; nu = 0; s = ""; c = ""; k = "" }
		function emit(  i, j, n, a) {
			if (!t || !en) return
			n = split(s, a, " ")
			for (i = 1; i <= nu; i++)
				for (j = 1; j <= n; j++)
					print "deb-src" (k != "" ? " [signed-by=" k "]" : "") " " u[i] " " a[j] c
		}
		BEGIN { reset() }
		/^[[:space:]]*$/ { emit(); reset(); next }
		/^Types:/ { for (i = 2; i <= NF; i++) if ($i == "deb") t = 1 }
		/^Enabled:/ { en = ($2 != "no") }
		/^URIs:/ { for (i = 2; i <= NF; i++) u[++nu] = $i }
		/^Suites:/ { $1 = ""; s = $0 }
		/^Components:/ { $1 = ""; c = $0 }
		/^Signed-By:/ { k = $2 }
		END { emit() }
	' "$f" >>"$apt/sources.list"
done
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
	[ -f "$f" ] || continue
	sed -nE 's/^[[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?/deb-src \1/p' "$f" >>"$apt/sources.list"
done
[ -s "$apt/sources.list" ] || die "criu: this machine has no apt sources to derive a deb-src entry from"

aptopts=(-o Dir::Etc::sourcelist="$apt/sources.list" -o Dir::Etc::sourceparts=/dev/null
	-o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" -q)
mkdir -p "$apt/cache/archives/partial"
dsc=$apt/src/criu_${CRIU_VERSION}.dsc
if [ ! -f "$dsc" ] || ! ls "$apt"/src/criu_"${CRIU_VERSION%%-*}".orig.* >/dev/null 2>&1; then
	command -v dpkg-source >/dev/null || die "criu: dpkg-source is missing (scripts/deps.sh criu)"
	say "criu: apt-get source criu=$CRIU_VERSION"
	apt-get "${aptopts[@]}" update >/dev/null
	(cd "$apt/src" && apt-get "${aptopts[@]}" --download-only source "criu=$CRIU_VERSION" >/dev/null) ||
		die "criu: apt-get source failed"
fi

rm -rf "$dir"
mkdir -p "$(dirname "$dir")"
dpkg-source -x "$dsc" "$dir" >/dev/null || die "criu: dpkg-source -x failed"
git -C "$dir" init -q
git -C "$dir" add -A -f
ktree_git_criu() {
	GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null \
	GIT_AUTHOR_NAME="$(git_ident name)" GIT_AUTHOR_EMAIL="$(git_ident email)" \
	GIT_COMMITTER_NAME="$(git_ident name)" GIT_COMMITTER_EMAIL="$(git_ident email)" \
		git -C "$dir" "$@"
}
ktree_git_criu commit -q -m "criu $CRIU_VERSION (Debian source package)"
ktree_git_criu tag base
if [ -f "$series" ]; then
	while read -r p; do
		case $p in '' | '#'*) continue ;; esac
		ktree_git_criu am -q --3way "$TOP/criu/$p" || die "criu: $p does not apply"
	done <"$series"
fi
cat "$series" "$TOP"/criu/*.patch 2>/dev/null >"$dir/.nsx-series" || true
say "criu: ${dir#"$TOP"/} ($(ktree_git_criu rev-list --count base..HEAD) patches on $CRIU_VERSION)"
