#!/usr/bin/env bash
# Install the Debian packages nsx needs, when some are missing.
# Usage: scripts/deps.sh [lint|bench|debian|criu|cross]...
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

pkgs=(
	# kernel build
	gcc make bc flex bison libelf-dev libssl-dev cpio xz-utils kmod
	ccache python3 perl git
	# guest and tests
	qemu-system-x86 busybox-static libcap-dev libpopt-dev rsync
	# lint
	sparse
)
for extra in "$@"; do
	case $extra in
	lint) pkgs+=(coccinelle) ;;
	bench) pkgs+=(gnuplot-nox libfaketime) ;;
	# the Debian guest's root filesystem (scripts/build-debian.sh)
	debian) pkgs+=(mmdebstrap) ;;
	# Debian's criu source package (scripts/criu-source.sh)
	criu) pkgs+=(dpkg-dev) ;;
	# other architectures (scripts/cross.sh)
	cross) pkgs+=(gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf
		gcc-mips64el-linux-gnuabi64 gcc-riscv64-linux-gnu
		gcc-powerpc64le-linux-gnu gcc-s390x-linux-gnu qemu-system-arm) ;;
	*) die "deps: unknown set '$extra'" ;;
	esac
done

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

say "installing: ${missing[*]}"
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q >/dev/null || $sudo apt-get update
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
