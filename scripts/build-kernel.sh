#!/usr/bin/env bash
# Configure and build a guest kernel out of tree.
# Usage: scripts/build-kernel.sh SRC OBJ FRAGMENT...
#
# NSX_ARCH=arm64 builds an arm64 Image with Debian's cross compiler
# (make cross); the default is x86's bzImage.
#
# The configuration is tinyconfig plus the fragments. After olddefconfig
# every symbol a fragment sets must have survived, or the build fails
# (with NSX_CONFIG_ALLOW_UNKNOWN=1, but for symbols the tree does not
# know at all).
# The .config is only replaced when it changes, so that a rebuild after
# touching one file recompiles that file only.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

src=$1 obj=$2
shift 2
mkdir -p "$obj"
src=$(cd "$src" && pwd) obj=$(cd "$obj" && pwd)

arch=${NSX_ARCH:-x86}
case $arch in
x86) cross='' image=bzImage xargs=() ;;
arm64) cross=aarch64-linux-gnu- image=Image xargs=(ARCH=arm64 "CROSS_COMPILE=$cross") ;;
*) die "build-kernel: NSX_ARCH=$arch is not known" ;;
esac
cc=gcc hostcc=gcc
command -v ccache >/dev/null && cc="ccache gcc" hostcc="ccache gcc"
cc=${cc%gcc}${cross}gcc
# Paths relative to the checkout in ccache's keys: another clone of the
# project (CI's) hits the same cache entries.
export CCACHE_BASEDIR="$TOP" CCACHE_NOHASHDIR=1
kmake() {
	make -s -C "$src" O="$obj" "${xargs[@]}" CC="$cc" HOSTCC="$hostcc" \
		KBUILD_BUILD_USER=nsx KBUILD_BUILD_HOST=nsx KBUILD_BUILD_VERSION=1 \
		KBUILD_BUILD_TIMESTAMP="Thu Jan  1 00:00:00 UTC 1970" "$@"
}

cfg=$(mktemp -d)
trap 'rm -rf "$cfg"' EXIT
kmake O="$cfg" tinyconfig >/dev/null
cat "$@" >"$cfg/fragment"
"$src/scripts/kconfig/merge_config.sh" -m -O "$cfg" "$cfg/.config" "$cfg/fragment" >/dev/null
kmake O="$cfg" olddefconfig >/dev/null

bad=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		# A tree from the middle of the series (make bisect-check)
		# lacks the symbols of the later patches.
		[ "${NSX_CONFIG_ALLOW_UNKNOWN:-0}" = 1 ] &&
			! grep -qE "^(# )?${line%%=*}[= ]" "$cfg/.config" && continue
		grep -qxF -- "$line" "$cfg/.config" || {
			say "config: '$line' requested, got '$(grep -E "^(# )?${line%%=*}[= ]" "$cfg/.config" || echo "${line%%=*} unknown")'"
			bad=1
		} ;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }; sym=${sym%% *}
		! grep -q "^$sym=" "$cfg/.config" || { say "config: $sym should be unset"; bad=1; } ;;
	esac
done <"$cfg/fragment"
[ $bad = 0 ] || die "the kernel configuration lost requested symbols (see above)"

if ! cmp -s "$cfg/.config" "$obj/.config"; then
	cp "$cfg/.config" "$obj/.config"
fi
say "building kernel in ${obj#"$TOP"/}"
kmake -j"$NPROC" olddefconfig >/dev/null
kmake -j"$NPROC" $image
kmake headers_install INSTALL_HDR_PATH="$obj/hdr" >/dev/null
say "kernel: ${obj#"$TOP"/}/arch/$arch/boot/$image"
