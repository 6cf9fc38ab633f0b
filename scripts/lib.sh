# shellcheck shell=bash
# Common settings for the nsx scripts. Sourced, never run.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
TREE=${TREE:-$BUILD/linux}
# shellcheck disable=SC2034 # used by the scripts that source this file
CACHE=$BUILD/cache
# shellcheck disable=SC2034
NPROC=$(nproc)

say() { printf 'nsx: %s\n' "$*" >&2; }
die() { printf 'nsx: error: %s\n' "$*" >&2; exit 1; }
loud() {
	printf '\n' >&2
	printf '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n' >&2
	printf '!! %s\n' "$@" >&2
	printf '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n' >&2
}

# git in the kernel tree, isolated from the user's configuration so that
# what it writes (commits, exported patches) does not depend on it.
ktree_git() {
	GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null \
	GIT_AUTHOR_NAME="${GIT_AUTHOR_NAME:-$(git_ident name)}" \
	GIT_AUTHOR_EMAIL="${GIT_AUTHOR_EMAIL:-$(git_ident email)}" \
	GIT_COMMITTER_NAME="${GIT_COMMITTER_NAME:-$(git_ident name)}" \
	GIT_COMMITTER_EMAIL="${GIT_COMMITTER_EMAIL:-$(git_ident email)}" \
		git -C "$TREE" "$@"
}

# The identity of whoever runs the build, or a neutral one for a machine
# that has none configured (a CI box applying patches: the patches keep
# their own authors, only the local committer field uses this).
git_ident() {
	local v
	v=$(git config --get "user.$1" 2>/dev/null) || true
	if [ -z "$v" ]; then
		case $1 in
		name) v="nsx build" ;;
		email) v="nsx-build@localhost" ;;
		esac
	fi
	printf '%s' "$v"
}

# base_tree DIR: DIR is a worktree of build/linux at tag "base" (the base
# kernel without the series), recreated when build/linux was (its link
# then dangles) or when "base" moved.
base_tree() {
	local dir=$1 want have
	want=$(git -C "$TREE" rev-parse -q --verify 'base^{commit}') ||
		die "build/linux has no tag 'base' (make tree)"
	have=$(git -C "$dir" rev-parse -q --verify HEAD 2>/dev/null) || have=
	[ "$have" = "$want" ] && return 0
	if [ -e "$dir" ]; then
		say "recreating ${dir#"$TOP"/} at tag base"
		rm -rf "$dir"
	fi
	git -C "$TREE" worktree prune
	git -C "$TREE" worktree add -q --detach "$dir" "$want" ||
		die "could not check out tag base in ${dir#"$TOP"/}"
}

# base_config DIR FRAGMENT...: the fragments without the lines whose
# symbol no Kconfig file of the tree in DIR defines, such as
# CONFIG_SYSLOG_NS, which only the series adds: the base kernel's build
# gets the same configuration less nsx's own symbols.
base_config() {
	local dir=$1 known
	shift
	known=$(grep -rhoE --include='Kconfig*' '^[[:space:]]*(menu)?config [A-Za-z0-9_]+' "$dir" |
		awk '{ print "CONFIG_" $2 }')
	[ -n "$known" ] || die "no Kconfig symbols found in ${dir#"$TOP"/}"
	cat "$@" | awk -v known=<(printf '%s\n' "$known") '
		BEGIN { while ((getline s < known) > 0) ok[s] = 1 }
		{
			sym = $0
			if (sym ~ /^# CONFIG_[A-Za-z0-9_]+ is not set/)
				sym = $2
			else if (sym ~ /^CONFIG_[A-Za-z0-9_]+=/)
				sub(/=.*/, "", sym)
			else
				sym = ""
			if (sym != "" && !(sym in ok))
				next
			print
		}'
}
