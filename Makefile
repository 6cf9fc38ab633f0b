# nsx: namespaces for Linux 6.12, as a patch series, with the bench to
# build, boot, test and measure it. 'make help' lists the targets.

SHELL := /bin/bash
S := scripts
B := build
K := $(B)/kernel
GUEST := $(B)/guest/initramfs.cpio
BZIMAGE := $(K)/arch/x86/boot/bzImage

.PHONY: help deps base tree export export-check kernel tests guest \
	check check-debug bisect-check demo shell debian compat criu lxcfs cross lint lint-full bench clean distclean

help: ## list the targets
	@echo "nsx: a Linux 6.12 namespace series and its workbench."
	@echo
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | \
		awk -F':.*## ' '{ printf "  make %-13s %s\n", $$1, $$2 }'
	@echo
	@echo "Variables: FORCE=1 (tree: discard unexported work), QUICK=1 (bench: small N),"
	@echo "NSX_BENCH_SMOKE=1 (bench: nsx kernel only, small N, no base kernel: what check runs),"
	@echo "NSX_KVM=1 (use KVM), DEBIAN_FORCE=1 (debian, compat: rebuild the cached root filesystem),"
	@echo "NSX_TIMEOUT=secs, NSX_MEM=2G, NSX_CMDLINE='nsx.tests=namespaces:*' (check),"
	@echo "NSX_CHECK_SKIP= (check: also run upstream's mq_perf_tests, 3.5 min)."

deps: ## install the Debian packages nsx needs
	$(S)/deps.sh

base: deps ## download and verify the base kernel source
	$(S)/fetch-base.sh >/dev/null

tree: deps ## build/linux = base + patches/series (git am --3way)
	$(S)/tree.sh

export: ## write build/linux's commits after 'base' to patches/
	$(S)/export.sh

export-check: ## fail if build/linux holds work that patches/ lacks
	$(S)/export-check.sh

kernel: ## build the nsx guest kernel (build/kernel)
	@[ -d $(B)/linux/.git ] || $(S)/tree.sh
	$(S)/build-kernel.sh $(B)/linux $(K) config/kernel.config

tests: kernel ## build the test programs, static
	$(S)/build-tests.sh $(K) $(B)/tests

guest: tests ## pack the guest initramfs
	$(S)/build-guest.sh $(B)/tests $(GUEST)

check: ## everything, then lint and every test in the guest
	$(S)/check.sh

check-debug: ## every guest test on a lockdep/KASAN/kmemleak/UBSAN kernel
	$(S)/check-debug.sh

bisect-check: deps ## every patch builds; each part's end passes the fast guest tests
	$(S)/bisect-check.sh

demo: deps guest ## boot the guest and walk through every namespace type
	$(S)/run-guest.sh $(BZIMAGE) $(GUEST) demo $(B)/logs/demo.log

shell: deps guest ## boot the guest to a shell
	$(S)/run-guest.sh $(BZIMAGE) $(GUEST) shell $(B)/logs/shell.log

debian: deps kernel ## boot nsx on a Debian 12 guest (util-linux, iproute2, bwrap; built once)
	$(S)/deps.sh debian
	$(S)/debian.sh shell

compat: deps kernel ## Debian's unshare, nsenter, lsns, ip netns, bwrap and nsx on nsx
	$(S)/deps.sh debian
	$(S)/debian.sh compat

criu: deps tree ## Debian's criu (check, dump, restore) on the base kernel and on nsx
	$(S)/deps.sh debian
	$(S)/criu.sh

lxcfs: deps kernel ## Debian's LXCFS next to the cgroup view: values and cost per read (build/lxcfs/results.md)
	$(S)/deps.sh debian
	$(S)/lxcfs.sh

cross: ## the series' arch files built for arm64, arm, mips, riscv, powerpc, s390; the CPU view tested on arm64
	$(S)/deps.sh cross
	$(S)/cross.sh

lint: ## checkpatch, kernel-doc and sparse on the series
	$(S)/lint.sh

lint-full: ## lint plus coccinelle on the touched directories
	$(S)/deps.sh lint
	$(S)/lint.sh full

bench: ## base kernel against nsx under instruction counting (QUICK=1: small N)
	$(S)/deps.sh bench
	@[ -d $(B)/linux/.git ] || $(S)/tree.sh
	$(S)/build-kernel.sh $(B)/linux $(K) config/kernel.config
	QUICK=$(QUICK) bench/bench.sh

clean: ## remove build output, keep build/linux and the download cache
	rm -rf $(K) $(B)/kernel-debug $(B)/tests $(B)/tests.obj $(B)/tests.log $(B)/guest $(B)/logs
	rm -rf $(B)/bench $(B)/kernel-base $(B)/base-src
	git -C $(B)/linux worktree prune 2>/dev/null || true

distclean: export-check ## remove build/ entirely (refuses if work is unexported)
	rm -rf $(B)
