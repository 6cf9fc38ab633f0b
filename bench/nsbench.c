// SPDX-License-Identifier: GPL-2.0
/*
 * nsbench: what namespaces cost, for 'make bench'.
 *
 * Usage: nsbench [--quick] [--only GROUP[,GROUP...]]
 *        nsbench [--quick] --libc-clocks LABEL [--expect-offset SECONDS]
 *        nsbench [--quick|--full] --rows clock|stamp LABEL
 * Groups: ref unshare clone3 setns clock stamp kmsg view scale
 *
 * --rows measures one group's rows, labelled LABEL, where the program
 * runs: the time namespace rows exec it so.
 *
 * --libc-clocks measures only the clock reads through libc, as "clock
 * LABEL/libc/...", once it has checked that CLOCK_REALTIME read through
 * libc is SECONDS (default 0) ahead of the kernel's: it is meant for a
 * dynamically linked copy, run as is and under libfaketime (LD_PRELOAD),
 * whose offset it then confirms. It reads its own time by syscall(2), so
 * that a preloaded library does not move it.
 *
 * Each figure is one line on standard output:
 *
 *	bench: GROUP OPERATION VALUE UNIT
 *
 * Times are guest nanoseconds read from CLOCK_MONOTONIC. Under QEMU with
 * "-icount shift=0,sleep=off" one guest nanosecond is one executed
 * instruction, so "ns/op" is instructions per operation. The count covers
 * everything the guest ran meanwhile: the kernel, and the deferred work
 * (RCU callbacks, workqueues) an operation leaves behind, as far as it
 * runs inside the measured loop, as long as the CPU never idles in it
 * ("elapsed-ns/op" marks the one figure that includes idle waiting). Run
 * the guest with one CPU so that the count is that of one CPU.
 *
 * "bench-note:" lines are for people. "bench-error:" means a measurement
 * could not be made; the program then exits 1.
 *
 * It raises namespace and file limits and writes to /dev/kmsg: it is
 * meant for the throwaway bench guest, run as root.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/sched.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef CLONE_NEWSYSLOG
#define CLONE_NEWSYSLOG 0x00000040	/* nsx: a syslog namespace */
#endif

/*
 * The namespace types. A new type is one more row: its CLONE_NEW* flag,
 * the /proc/self/ns file naming the namespace it creates (for unshare()
 * in the process itself when "loop" is set, else in a child created with
 * the flag), whether unshare() can be repeated within one process (each
 * call then frees the namespace the previous one made), whether a new
 * namespace is a child of the caller's ("nests": repeating unshare()
 * would go one level deeper each time, so the caller goes back with
 * setns() after each one, which frees the new namespace unless something
 * else holds it), and the largest N of its scale runs in full mode.
 */
struct ns_type {
	const char *name;
	int flag;
	const char *child_file;
	bool loop;
	bool nests;
	long full_max;
};

static const struct ns_type types[] = {
	{ "uts",	CLONE_NEWUTS,		"uts",			true,	false,	100000 },
	{ "ipc",	CLONE_NEWIPC,		"ipc",			true,	false,	100000 },
	{ "pid",	CLONE_NEWPID,		"pid",			false,	false,	100000 },
	{ "user",	CLONE_NEWUSER,		"user",			false,	false,	100000 },
	{ "net",	CLONE_NEWNET,		"net",			true,	false,	10000 },
	{ "mnt",	CLONE_NEWNS,		"mnt",			true,	false,	100000 },
	{ "cgroup",	CLONE_NEWCGROUP,	"cgroup",		true,	false,	100000 },
	/* nsx's: each holds a log buffer of its own */
	{ "syslog",	CLONE_NEWSYSLOG,	"syslog",		true,	true,	100000 },
	/* last: the clock rows look for it there */
	{ "time",	CLONE_NEWTIME,		"time_for_children",	true,	false,	100000 },
};

#define NR_TYPES (sizeof(types) / sizeof(types[0]))

/* Iteration counts: full, quick. */
struct iters {
	long fork;		/* fork()+wait() reference */
	long unshare;		/* unshare() in a loop */
	long unshare_fork;	/* unshare() in a forked child */
	long clone3;		/* clone3() + wait() */
	long setns;		/* setns() pairs */
	long setns_user;	/* setns() into a user ns, in a clone()d child */
	long vdso;		/* clock reads through libc */
	long syscall;		/* clock reads through syscall() */
	long stamp;		/* stat(), statx(), utimensat() */
	long udp;		/* UDP datagrams sent and received */
	long kmsg;		/* /dev/kmsg writes and reads */
	long view;		/* /proc/meminfo reads, sysinfo() calls */
};

static const struct iters full_iters = {
	.fork = 2000, .unshare = 2000, .unshare_fork = 1000, .clone3 = 1000,
	.setns = 20000, .setns_user = 1000, .vdso = 1000000,
	.syscall = 200000, .stamp = 200000, .udp = 50000, .kmsg = 20000,
	.view = 5000,
};

static const struct iters quick_iters = {
	.fork = 300, .unshare = 300, .unshare_fork = 200, .clone3 = 200,
	.setns = 2000, .setns_user = 200, .vdso = 100000,
	.syscall = 20000, .stamp = 20000, .udp = 5000, .kmsg = 2000,
	.view = 500,
};

static const long full_scale[] = { 1000, 10000, 100000 };
static const long quick_scale[] = { 100, 1000 };

static bool quick;
static const char *only;
static const struct iters *it = &full_iters;
static double fork_ref;		/* ns per fork()+exit+wait() */
static bool raw_now;		/* now() by syscall(2), not through libc */
static double now_cost;		/* what t1 - t0 of two now() calls adds */
static volatile uint64_t *shared; /* a page shared with forked children */

static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	printf("bench-error: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(": %s\n", strerror(err));
	exit(1);
}

static void __attribute__((format(printf, 1, 2))) note(const char *fmt, ...)
{
	va_list ap;

	printf("bench-note: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void __attribute__((format(printf, 4, 5)))
report(const char *group, double value, const char *unit, const char *fmt, ...)
{
	char op[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(op, sizeof(op), fmt, ap);
	va_end(ap);
	printf("bench: %s %s %.1f %s\n", group, op, value, unit);
	fflush(stdout);
}

static uint64_t now(void)
{
	struct timespec ts;

	if (raw_now)
		syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
	else
		clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static double per_op(uint64_t t0, uint64_t t1, long n)
{
	return (double)(t1 - t0) / (double)n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * What timing a region with now() before and after adds to it: the tail
 * of the first call and the head of the second (a few dozen
 * instructions, the same every time under icount).
 */
static void calibrate_now(void)
{
	uint64_t t0, t1, sum = 0;
	long i, n = 1000;

	for (i = 0; i < n; i++) {
		t0 = now();
		t1 = now();
		sum += t1 - t0;
	}
	now_cost = (double)sum / n;
}

static bool wanted(const char *group)
{
	size_t len = strlen(group);
	const char *p = only;

	if (!only)
		return true;
	while ((p = strstr(p, group))) {
		if ((p == only || p[-1] == ',') && (p[len] == ',' || !p[len]))
			return true;
		p += len;
	}
	return false;
}

static bool have_type(const struct ns_type *t)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/ns/%s", t->name);
	return access(path, F_OK) == 0;
}

static int open_ns(const char *pid, const char *file)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/ns/%s", pid, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail("open %s", path);
	return fd;
}

static void write_file(const char *path, const char *text)
{
	ssize_t len = strlen(text);
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, text, len) != len)
		fail("write '%s' to %s", text, path);
	close(fd);
}

static void read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		fail("open %s", path);
	n = read(fd, buf, size - 1);
	if (n < 0)
		fail("read %s", path);
	buf[n] = '\0';
	close(fd);
}

/*
 * A value of /proc/meminfo, in kB. The kernel keeps those counters per
 * CPU and folds them into the totals only past a threshold (a few dozen
 * pages) or once a second; with @exact, writing vm.stat_refresh folds
 * them first, so that the value is exact rather than up to a second late.
 */
static long meminfo_read(const char *key, bool exact)
{
	char buf[4096], *p;
	int fd;

	fd = exact ? open("/proc/sys/vm/stat_refresh", O_WRONLY | O_CLOEXEC) : -1;
	if (fd >= 0) {
		if (write(fd, "1\n", 2) != 2)
			fail("write /proc/sys/vm/stat_refresh");
		close(fd);
	}
	read_file("/proc/meminfo", buf, sizeof(buf));
	p = strstr(buf, key);
	if (!p)
		return -1;
	return strtol(p + strlen(key), NULL, 10);
}

static long meminfo(const char *key)
{
	return meminfo_read(key, true);
}

/* Wait for a child and insist that it exited 0. */
static void reap(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		fail("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		errno = 0;
		fail("child %d ended with status 0x%x", pid, status);
	}
}

/*
 * Run fn in a forked child so that the namespaces it enters, creates or
 * leaves behind do not touch the next measurement. Returns 0 when the
 * child exited 0.
 */
static int in_child(void (*fn)(const void *), const void *arg)
{
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		fn(arg);
		fflush(stdout);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		fail("waitpid");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status))
		printf("bench-error: a measurement child was killed by signal %d\n",
		       WTERMSIG(status));
	return 1;
}

static pid_t clone3_child(uint64_t flags, int *pidfd)
{
	struct clone_args args;

	memset(&args, 0, sizeof(args));
	args.flags = flags;
	args.exit_signal = SIGCHLD;
	if (pidfd) {
		args.flags |= CLONE_PIDFD;
		args.pidfd = (uintptr_t)pidfd;
	}
	return syscall(SYS_clone3, &args, sizeof(args));
}

/*
 * A child made by clone() with CLONE_VM | CLONE_VFORK | CLONE_FILES and
 * perhaps a namespace flag: it copies no memory, so it costs a fraction
 * of fork(), and what it opens lands in our file table. It opens a file
 * (a pid namespace can only be opened once it has a process), or calls
 * setns() (a user namespace cannot be left once entered), or does
 * nothing, and exits.
 */
struct vm_child {
	const char *file;	/* open() this into ->fd, */
	int nsfd;		/* else setns(nsfd, nstype) when nsfd >= 0 */
	int nstype;
	int fd;
	int err;
	uint64_t setns_ns;	/* time spent in those setns() calls */
};

static char vm_child_stack[64 * 1024] __attribute__((aligned(16)));

static int vm_child_fn(void *p)
{
	struct vm_child *c = p;

	if (c->file) {
		c->fd = open(c->file, O_RDONLY | O_CLOEXEC);
		if (c->fd < 0)
			c->err = errno;
	} else if (c->nsfd >= 0) {
		uint64_t t0 = now();

		if (setns(c->nsfd, c->nstype))
			c->err = errno;
		c->setns_ns += now() - t0;
	}
	return 0;
}

static void vm_clone(int flags, struct vm_child *c)
{
	pid_t pid;

	pid = clone(vm_child_fn, vm_child_stack + sizeof(vm_child_stack),
		    CLONE_VM | CLONE_VFORK | CLONE_FILES | flags | SIGCHLD, c);
	if (pid < 0)
		fail("clone 0x%x", flags);
	if (waitpid(pid, NULL, 0) != pid)
		fail("waitpid");
	if (c->err) {
		errno = c->err;
		fail("clone 0x%x: child", flags);
	}
}

static double time_vm_clone(int flags, int nsfd, int nstype, long n)
{
	struct vm_child c = { NULL, nsfd, nstype, -1, 0, 0 };
	uint64_t t0;
	long i;

	t0 = now();
	for (i = 0; i < n; i++)
		vm_clone(flags, &c);
	return per_op(t0, now(), n);
}

static double *samples(long n)
{
	double *v = calloc(n, sizeof(*v));

	if (!v)
		fail("calloc");
	return v;
}

/*
 * A clone-vm child with "flags" less one without: n of each, alternating,
 * each timed on its own, so that both see the same process and kernel
 * state; the difference of the minima. The cheapest of each is the bare
 * path: without the timer tick or the batch of deferred frees (RCU
 * callbacks, the network namespace cleanup) that lands in one operation
 * now and then, at a place that varies from boot to boot. (Medians of
 * the two moved by up to 20 % of the difference between two boots of the
 * same kernel, minima by 2 %.)
 */
static double minimum(const double *v, long n)
{
	double m = v[0];
	long i;

	for (i = 1; i < n; i++)
		if (v[i] < m)
			m = v[i];
	return m;
}

static double time_vm_clone_diff(int flags, long n)
{
	struct vm_child c = { NULL, -1, 0, -1, 0, 0 };
	double *ref = samples(n), *op = samples(n), d;
	uint64_t t0, t1, t2;
	long i;

	for (i = 0; i < n; i++) {
		t0 = now();
		vm_clone(0, &c);
		t1 = now();
		vm_clone(flags, &c);
		t2 = now();
		ref[i] = t1 - t0;
		op[i] = t2 - t1;
	}
	d = minimum(op, n) - minimum(ref, n);
	free(ref);
	free(op);
	return d;
}

/*
 * setns(nsfd, nstype) once in each of n clone-vm children (for a user
 * namespace, which cannot be left), timed around the call itself; the
 * median.
 */
static double time_setns_child(int nsfd, int nstype, long n)
{
	struct vm_child c = { NULL, nsfd, nstype, -1, 0, 0 };
	double *v = samples(n), d;
	uint64_t prev = 0;
	long i;

	for (i = 0; i < n; i++) {
		vm_clone(0, &c);
		v[i] = c.setns_ns - prev;
		prev = c.setns_ns;
	}
	d = median(v, n) - now_cost;
	free(v);
	return d;
}

static double time_fork(long n)
{
	uint64_t t0;
	pid_t pid;
	long i;

	t0 = now();
	for (i = 0; i < n; i++) {
		pid = fork();
		if (pid < 0)
			fail("fork");
		if (pid == 0)
			_exit(0);
		reap(pid);
	}
	return per_op(t0, now(), n);
}

/* ---- unshare() ---------------------------------------------------- */

/*
 * unshare() of a type that nests, then setns() back to @home, the
 * caller's namespace before: that frees the new one, unless something
 * else holds it.
 */
static void unshare_and_back(const struct ns_type *t, int home)
{
	if (unshare(t->flag))
		fail("unshare %s", t->name);
	if (setns(home, t->flag))
		fail("setns %s back", t->name);
}

/*
 * unshare() in a loop: after the first call each one creates a namespace
 * and frees the one the previous call created. For a type that nests,
 * each unshare() is followed by a setns() back, which frees what it
 * created (see "nests").
 */
static void unshare_loop(const void *arg)
{
	const struct ns_type *t = arg;
	int home = -1;
	uint64_t t0;
	long i;

	if (t->nests) {
		home = open_ns("self", t->name);
		unshare_and_back(t, home);
	} else if (unshare(t->flag)) {
		fail("unshare %s", t->name);
	}
	t0 = now();
	for (i = 0; i < it->unshare; i++) {
		if (t->nests)
			unshare_and_back(t, home);
		else if (unshare(t->flag))
			fail("unshare %s", t->name);
	}
	report("unshare", per_op(t0, now(), it->unshare), "ns/op", "%s", t->name);
}

/*
 * unshare() as a process's first: a forked child unshares and exits, n
 * times; the child times the call itself and leaves the time in the
 * shared page; the median. It first calls now() and unshare(0), so that
 * the code both run is mapped in the child before the clock starts.
 */
static double time_unshare_fork(const struct ns_type *t, long n)
{
	double *v = samples(n), d;
	uint64_t t0;
	pid_t pid;
	long i;
	int r;

	for (i = 0; i < n; i++) {
		pid = fork();
		if (pid < 0)
			fail("fork");
		if (pid == 0) {
			now();
			unshare(0);
			t0 = now();
			r = unshare(t->flag);
			shared[0] = now() - t0;
			_exit(r ? 1 : 0);
		}
		reap(pid);
		v[i] = shared[0];
	}
	d = median(v, n) - now_cost;
	free(v);
	return d;
}

static void bench_unshare(void)
{
	const struct ns_type *t;

	report("ref", time_vm_clone(0, -1, 0, it->unshare), "ns/op",
	       "clone-vm+exit+wait");
	for (t = types; t < types + NR_TYPES; t++) {
		if (!have_type(t))
			continue;
		if (t->loop && in_child(unshare_loop, t))
			exit(1);
		/*
		 * clone() takes neither CLONE_NEWTIME nor CLONE_NEWSYSLOG:
		 * they are in the exit signal's bits.
		 */
		if (!(t->flag & CSIGNAL))
			report("clone-vm", time_vm_clone_diff(t->flag, it->unshare),
			       "ns/op", "%s", t->name);
		report("unshare-fork", time_unshare_fork(t, it->unshare_fork),
		       "ns/op", "%s", t->name);
	}
}

/* ---- clone3() ----------------------------------------------------- */

static double time_clone3(uint64_t flags, long n)
{
	uint64_t t0;
	pid_t pid;
	long i;

	t0 = now();
	for (i = 0; i < n; i++) {
		pid = clone3_child(flags, NULL);
		if (pid < 0)
			fail("clone3 0x%llx", (unsigned long long)flags);
		if (pid == 0)
			_exit(0);
		reap(pid);
	}
	return per_op(t0, now(), n);
}

static void bench_clone3(void)
{
	const struct ns_type *t;

	report("clone3", time_clone3(0, it->clone3), "ns/op", "none");
	for (t = types; t < types + NR_TYPES; t++)
		if (have_type(t))
			report("clone3", time_clone3(t->flag, it->clone3), "ns/op",
			       "%s", t->name);
}

/* ---- setns() ------------------------------------------------------ */

/* A child that does nothing but keep its namespaces alive. */
static pid_t holder(uint64_t flags, int *pidfd)
{
	pid_t pid = clone3_child(flags, pidfd);

	if (pid < 0)
		fail("clone3 0x%llx", (unsigned long long)flags);
	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

static void end_holder(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* setns() to fd_new and back to fd_old, n times; per call. */
static double time_setns_pair(int fd_new, int fd_old, int flags, long n)
{
	uint64_t t0;
	long i;

	t0 = now();
	for (i = 0; i < n; i++) {
		if (setns(fd_new, flags))
			fail("setns 0x%x", flags);
		if (setns(fd_old, flags))
			fail("setns back 0x%x", flags);
	}
	return per_op(t0, now(), 2 * n);
}

static void setns_all(const void *unused)
{
	int pfd_new, pfd_old, pfd_user, fd_new, fd_old, all = 0;
	pid_t new, old, user;
	const struct ns_type *t;
	char pid[16];

	(void)unused;
	for (t = types; t < types + NR_TYPES; t++)
		if (have_type(t) && t->flag != CLONE_NEWUSER)
			all |= t->flag;
	new = holder(all, &pfd_new);
	old = holder(0, &pfd_old);
	user = holder(CLONE_NEWUSER, &pfd_user);

	for (t = types; t < types + NR_TYPES; t++) {
		if (!have_type(t))
			continue;
		snprintf(pid, sizeof(pid), "%d", t->flag == CLONE_NEWUSER ? user : new);
		fd_new = open_ns(pid, t->name);
		if (t->flag == CLONE_NEWUSER) {
			/* No way back: one child each, timed in the child. */
			report("setns-nsfd", time_setns_child(fd_new, t->flag, it->setns_user),
			       "ns/op", "%s", t->name);
			report("setns-pidfd", time_setns_child(pfd_user, t->flag, it->setns_user),
			       "ns/op", "%s", t->name);
			close(fd_new);
			continue;
		}
		fd_old = open_ns("self", t->name);
		report("setns-nsfd", time_setns_pair(fd_new, fd_old, t->flag, it->setns),
		       "ns/op", "%s", t->name);
		report("setns-pidfd", time_setns_pair(pfd_new, pfd_old, t->flag, it->setns),
		       "ns/op", "%s", t->name);
		close(fd_new);
		close(fd_old);
	}
	/*
	 * The mainline types only, so that both kernels do the same work;
	 * then nsx's syslog namespace as well, a row of its own.
	 */
	report("setns-pidfd", time_setns_pair(pfd_new, pfd_old,
					      all & ~CLONE_NEWSYSLOG, it->setns),
	       "ns/op", "all-but-user");
	if (all & CLONE_NEWSYSLOG)
		report("setns-pidfd", time_setns_pair(pfd_new, pfd_old, all, it->setns),
		       "ns/op", "all-but-user+syslog");
	end_holder(new);
	end_holder(old);
	end_holder(user);
}

/* ---- clocks ------------------------------------------------------- */

enum clock_op {
	LIBC_REALTIME, LIBC_MONOTONIC, LIBC_GETTIMEOFDAY, LIBC_TIME,
	SYS_REALTIME, SYS_MONOTONIC, SYS_GETTIMEOFDAY, SYS_TIME, NR_CLOCK_OPS
};

static const char *const clock_names[] = {
	"libc/realtime", "libc/monotonic", "libc/gettimeofday", "libc/time",
	"syscall/realtime", "syscall/monotonic", "syscall/gettimeofday",
	"syscall/time",
};

static double time_clock(enum clock_op op, long n)
{
	struct timespec ts;
	struct timeval tv;
	uint64_t t0;
	long i;

	t0 = now();
	switch (op) {
	case LIBC_REALTIME:
		for (i = 0; i < n; i++)
			clock_gettime(CLOCK_REALTIME, &ts);
		break;
	case LIBC_MONOTONIC:
		for (i = 0; i < n; i++)
			clock_gettime(CLOCK_MONOTONIC, &ts);
		break;
	case LIBC_GETTIMEOFDAY:
		for (i = 0; i < n; i++)
			gettimeofday(&tv, NULL);
		break;
	case LIBC_TIME:
		for (i = 0; i < n; i++)
			time(NULL);
		break;
	case SYS_REALTIME:
		for (i = 0; i < n; i++)
			syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts);
		break;
	case SYS_MONOTONIC:
		for (i = 0; i < n; i++)
			syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
		break;
	case SYS_GETTIMEOFDAY:
		for (i = 0; i < n; i++)
			syscall(SYS_gettimeofday, &tv, NULL);
		break;
	case SYS_TIME:
		for (i = 0; i < n; i++)
			syscall(SYS_time, NULL);
		break;
	default:
		break;
	}
	return per_op(t0, now(), n);
}

static void clocks(const char *where)
{
	enum clock_op op;
	long n;

	for (op = 0; op < NR_CLOCK_OPS; op++) {
		n = op < SYS_REALTIME ? it->vdso : it->syscall;
		report("clock", time_clock(op, n), "ns/op", "%s/%s", where,
		       clock_names[op]);
	}
}

/*
 * --libc-clocks: the libc rows only, once CLOCK_REALTIME through libc
 * has been found "offset" seconds (within a minute) ahead of the
 * kernel's; else a bench-info line says so and nothing is measured.
 * Under libfaketime both clock_gettime() and time() are its own, which
 * it takes from the real ones and moves.
 */
static int libc_clocks(const char *label, long offset)
{
	struct timespec fake, real;
	enum clock_op op;
	long diff;

	clock_gettime(CLOCK_REALTIME, &fake);
	syscall(SYS_clock_gettime, CLOCK_REALTIME, &real);
	diff = (long)(fake.tv_sec - real.tv_sec);
	if (labs(diff - offset) > 60) {
		printf("bench-info: %s-offset-check failed: libc's CLOCK_REALTIME is %ld s ahead of the kernel's, not %ld s: no %s rows\n",
		       label, diff, offset, label);
		note("%s: libc's CLOCK_REALTIME is %ld s ahead of the kernel's, not %ld s: no %s rows",
		     label, diff, offset, label);
		return 0;
	}
	printf("bench-info: %s-offset %ld s\n", label, diff);
	for (op = 0; op < SYS_REALTIME; op++)
		report("clock", time_clock(op, it->syscall), "ns/op", "%s/%s", label,
		       clock_names[op]);
	return 0;
}

/*
 * rows(where) in a new time namespace whose offsets are "offsets": the
 * offsets can only be written before a task enters the namespace, so a
 * child unshares and writes them and a grandchild execs this program to
 * measure (--rows). Returns
 * false, and measures nothing, when the kernel refuses the offsets with
 * EINVAL (a clock it cannot offset).
 */
static bool in_timens(const char *where, const char *offsets, clockid_t check,
		      time_t min_sec, void (*rows)(const char *where))
{
	ssize_t len = strlen(offsets);
	struct timespec ts;
	pid_t pid;
	int fd;

	if (unshare(CLONE_NEWTIME))
		fail("unshare time");
	fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		fail("open /proc/self/timens_offsets");
	if (write(fd, offsets, len) != len) {
		if (errno == EINVAL) {
			close(fd);
			return false;
		}
		fail("write timens_offsets");
	}
	close(fd);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		clock_gettime(check, &ts);
		if (ts.tv_sec < min_sec) {
			errno = 0;
			fail("%s: the clock offset did not apply (%lld s)", where,
			     (long long)ts.tv_sec);
		}
		/*
		 * A container's programs start by exec() in their time
		 * namespace, and look the vDSO's entry points up then: so
		 * do these rows.
		 */
		execl("/proc/self/exe", "nsbench", quick ? "--quick" : "--full",
		      "--rows", rows == clocks ? "clock" : "stamp", where,
		      (char *)NULL);
		fail("exec /proc/self/exe");
	}
	reap(pid);
	return true;
}

static void timens_mono(void (*rows)(const char *where))
{
	in_timens("timens-mono", "monotonic 864000 0", CLOCK_MONOTONIC, 864000, rows);
}

static void timens_real(void (*rows)(const char *where))
{
	struct timespec ts;

	/* One day ahead; the check allows a few minutes of bench meanwhile. */
	clock_gettime(CLOCK_REALTIME, &ts);
	if (!in_timens("timens-real", "realtime 86400 0", CLOCK_REALTIME,
		       ts.tv_sec + 86400 - 600, rows))
		note("time namespaces take no realtime offset: no timens-real rows");
}

static void clocks_timens_mono(const void *unused)
{
	(void)unused;
	timens_mono(clocks);
}

static void clocks_timens_real(const void *unused)
{
	(void)unused;
	timens_real(clocks);
}

/*
 * Keep a time namespace with a realtime offset alive in a child, so that
 * the host's rows can be measured while one exists (the kernel's realtime
 * key is then on). Returns the child, or -1 when the kernel takes no
 * realtime offset; release_realtime() ends it.
 */
static pid_t hold_realtime(int *release)
{
	int ready[2], hold[2], fd;
	pid_t pid;
	char c;

	if (pipe2(ready, O_CLOEXEC) || pipe2(hold, O_CLOEXEC))
		fail("pipe");
	pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		close(ready[0]);
		close(hold[1]);
		if (unshare(CLONE_NEWTIME))
			_exit(1);
		fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
		c = fd >= 0 && write(fd, "realtime 86400 0", 16) == 16;
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		/* Until the parent closes its end. */
		if (read(hold[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	if (read(ready[0], &c, 1) != 1)
		fail("the holder of a realtime namespace");
	close(ready[0]);
	*release = hold[1];
	if (!c)
		note("time namespaces take no realtime offset: the host-keyed rows are the host's");
	return pid;
}

static void release_realtime(pid_t pid, int release)
{
	close(release);
	reap(pid);
}

/*
 * rows("host-keyed") while a time namespace with a realtime offset lives,
 * then rows("host-after") eleven seconds after it died (the key goes off
 * ten seconds after the last such namespace): the host's paths once some
 * namespace has used the wall clock offset.
 */
static void host_after_realtime(void (*rows)(const char *where))
{
	int release;
	pid_t pid;

	pid = hold_realtime(&release);
	rows("host-keyed");
	release_realtime(pid, release);
	sleep(11);
	rows("host-after");
}

static void bench_clock(void)
{
	if (!getauxval(AT_SYSINFO_EHDR))
		note("no vDSO: the libc rows are system calls too");
	clocks("host");
	if (!have_type(&types[NR_TYPES - 1]))
		return;
	if (in_child(clocks_timens_mono, NULL) || in_child(clocks_timens_real, NULL))
		exit(1);
	host_after_realtime(clocks);
}

/* ---- file and packet times ---------------------------------------- */

/*
 * The calls that pass file or packet times between the kernel and a task
 * (which a time namespace with a realtime offset is to shift): stat()
 * and statx() of a file on tmpfs, utimensat() with explicit times, and a
 * UDP datagram over loopback received with SO_TIMESTAMP.
 */
static const char stamp_file[] = "/tmp/nsbench-stamp";
#define STAMP_SEC 1700000000	/* what utimensat() sets, 2023-11-14 */

/*
 * The whole seconds from a time to the task's CLOCK_REALTIME, to the
 * nearest minute: 0 when the time follows the task's clock, the offset
 * of its time namespace when it is the host's.
 */
static long lag_from_now(time_t sec)
{
	struct timespec ts;
	long lag;

	clock_gettime(CLOCK_REALTIME, &ts);
	lag = (long)(ts.tv_sec - sec);
	return lag >= 0 ? (lag + 30) / 60 * 60 : -((30 - lag) / 60 * 60);
}

/*
 * A UDP socket bound to a free loopback port, and one connected to it:
 * *tx sends to *rx.
 */
static void udp_pair(int *rx, int *tx)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	*tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (*rx < 0 || *tx < 0)
		fail("socket");
	if (bind(*rx, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(*rx, (struct sockaddr *)&a, &len) ||
	    connect(*tx, (struct sockaddr *)&a, sizeof(a)))
		fail("UDP over loopback");
}

/*
 * One datagram of one byte sent, then received with recvmsg() into a
 * buffer that has room for a control message; per pair. With
 * @timestamp, the receiving socket has SO_TIMESTAMP set, and a first
 * datagram must come with its SCM_TIMESTAMP, whose lag behind the
 * task's clock goes to *lag (see lag_from_now()). Setting the option
 * enables the kernel's receive timestamps (a static key) and closing the
 * socket disables them, both in a work item: a short sleep after each
 * lets that run outside the measured loops.
 */
static double time_udp(bool timestamp, long n, long *lag)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct timeval))];
	} control;
	const struct timespec pause = { 0, 20000000 };
	char byte = 0;
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf, .msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *cm;
	struct timeval tv;
	int rx, tx, on = 1;
	uint64_t t0;
	double d;
	long i;

	udp_pair(&rx, &tx);
	if (timestamp) {
		if (setsockopt(rx, SOL_SOCKET, SO_TIMESTAMP, &on, sizeof(on)))
			fail("setsockopt SO_TIMESTAMP");
		nanosleep(&pause, NULL);
	}
	if (send(tx, &byte, 1, 0) != 1 || recvmsg(rx, &msg, 0) != 1)
		fail("UDP over loopback");
	cm = CMSG_FIRSTHDR(&msg);
	if (timestamp) {
		if (!cm || cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_TIMESTAMP) {
			errno = 0;
			fail("recvmsg with SO_TIMESTAMP: no SCM_TIMESTAMP");
		}
		memcpy(&tv, CMSG_DATA(cm), sizeof(tv));
		*lag = lag_from_now(tv.tv_sec);
	} else if (cm) {
		errno = 0;
		fail("recvmsg without SO_TIMESTAMP: a control message");
	}
	t0 = now();
	for (i = 0; i < n; i++) {
		if (send(tx, &byte, 1, 0) != 1)
			fail("send");
		msg.msg_controllen = sizeof(control.buf);
		if (recvmsg(rx, &msg, 0) != 1)
			fail("recvmsg");
	}
	d = per_op(t0, now(), n);
	close(rx);
	close(tx);
	if (timestamp)
		nanosleep(&pause, NULL);
	return d;
}

/* The rows, labelled "where/...". */
static void stamps(const char *where)
{
	struct timespec set[2] = { { STAMP_SEC, 0 }, { STAMP_SEC, 0 } };
	long i, n = it->stamp, file_lag, pkt_lag;
	struct statx stx;
	struct stat st;
	double plain, ts;
	uint64_t t0;

	/* First the file's times as this task sees them: set to now. */
	if (utimensat(AT_FDCWD, stamp_file, NULL, 0) || stat(stamp_file, &st))
		fail("utimensat, stat %s", stamp_file);
	file_lag = lag_from_now(st.st_mtim.tv_sec);

	t0 = now();
	for (i = 0; i < n; i++)
		if (stat(stamp_file, &st))
			fail("stat %s", stamp_file);
	report("stamp", per_op(t0, now(), n), "ns/op", "%s/stat", where);

	t0 = now();
	for (i = 0; i < n; i++)
		if (statx(AT_FDCWD, stamp_file, 0, STATX_BASIC_STATS | STATX_BTIME, &stx))
			fail("statx %s", stamp_file);
	report("stamp", per_op(t0, now(), n), "ns/op", "%s/statx", where);

	t0 = now();
	for (i = 0; i < n; i++)
		if (utimensat(AT_FDCWD, stamp_file, set, 0))
			fail("utimensat %s", stamp_file);
	report("stamp", per_op(t0, now(), n), "ns/op", "%s/utimensat", where);
	if (stat(stamp_file, &st))
		fail("stat %s", stamp_file);
	if (st.st_mtim.tv_sec != STAMP_SEC || st.st_atim.tv_sec != STAMP_SEC)
		note("%s: stat() after utimensat() to %d shows %lld (mtime), %lld (atime)",
		     where, STAMP_SEC, (long long)st.st_mtim.tv_sec,
		     (long long)st.st_atim.tv_sec);

	plain = time_udp(false, it->udp, NULL);
	report("stamp", plain, "ns/op", "%s/udp-send+recvmsg", where);
	ts = time_udp(true, it->udp, &pkt_lag);
	report("stamp", ts, "ns/op", "%s/udp-send+recvmsg-so_timestamp", where);
	report("stamp", ts - plain, "ns/op", "%s/so_timestamp", where);

	printf("bench-info: stamp-lag %s: file times %ld s, packet times %ld s behind its clock\n",
	       where, file_lag, pkt_lag);
	if (file_lag)
		note("%s: stat() shows file times %ld s behind the task's CLOCK_REALTIME",
		     where, file_lag);
	if (pkt_lag)
		note("%s: SO_TIMESTAMP gives packet times %ld s behind the task's CLOCK_REALTIME",
		     where, pkt_lag);
}

static void stamps_timens_mono(const void *unused)
{
	(void)unused;
	timens_mono(stamps);
}

static void stamps_timens_real(const void *unused)
{
	(void)unused;
	timens_real(stamps);
}

static void bench_stamp(void)
{
	int fd;

	fd = open(stamp_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, "nsbench\n", 8) != 8)
		fail("create %s", stamp_file);
	close(fd);
	stamps("host");
	if (have_type(&types[NR_TYPES - 1])) {
		if (in_child(stamps_timens_mono, NULL) ||
		    in_child(stamps_timens_real, NULL))
			exit(1);
		host_after_realtime(stamps);
	}
	unlink(stamp_file);
}

/* ---- kernel log --------------------------------------------------- */

/*
 * /dev/kmsg writes and reads, labelled "write" and "read" after @prefix:
 * the same line again and again, then the whole buffer from its start
 * again and again.
 */
static void kmsg_rows(const char *prefix)
{
	static const char line[] = "<6>nsbench-kmsg: a short line\n";
	char buf[8192];
	uint64_t t0;
	long i, reads;
	ssize_t r;
	int fd;

	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		fail("open /dev/kmsg");
	t0 = now();
	for (i = 0; i < it->kmsg; i++)
		if (write(fd, line, sizeof(line) - 1) != sizeof(line) - 1)
			fail("write /dev/kmsg");
	report("kmsg", per_op(t0, now(), it->kmsg), "ns/op", "%swrite", prefix);
	close(fd);

	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		fail("open /dev/kmsg");
	reads = 0;
	t0 = now();
	while (reads < it->kmsg) {
		r = read(fd, buf, sizeof(buf));
		if (r > 0) {
			reads++;
		} else if (r < 0 && errno == EAGAIN) {
			if (lseek(fd, 0, SEEK_SET) < 0)
				fail("lseek /dev/kmsg");
		} else if (!(r < 0 && errno == EPIPE)) {
			fail("read /dev/kmsg");
		}
	}
	report("kmsg", per_op(t0, now(), reads), "ns/op", "%sread", prefix);
	close(fd);
}

/*
 * The same inside a new syslog namespace: its own (small) buffer, and
 * every write copied to the host's log as well.
 */
static void kmsg_in_syslog_ns(const void *unused)
{
	(void)unused;
	if (unshare(CLONE_NEWSYSLOG))
		fail("unshare syslog");
	kmsg_rows("syslogns/");
}

static void bench_kmsg(void)
{
	char old[32];

	/* Without this, /dev/kmsg drops writes beyond 10 per 5 seconds. */
	read_file("/proc/sys/kernel/printk_devkmsg", old, sizeof(old));
	write_file("/proc/sys/kernel/printk_devkmsg", "on\n");
	kmsg_rows("");
	if (access("/proc/self/ns/syslog", F_OK) == 0 &&
	    in_child(kmsg_in_syslog_ns, NULL))
		exit(1);
	write_file("/proc/sys/kernel/printk_devkmsg", old);
}

/* ---- view ------------------------------------------------------- */

#ifndef NS_CGROUP_SET_VIEW
#define NS_CGROUP_SET_VIEW	_IOW(0xb7, 34, uint64_t)
#define NS_CGROUP_VIEW_MEMORY	0x1ULL
#endif
#ifndef NS_CGROUP_VIEW_CPUS
#define NS_CGROUP_VIEW_CPUS	0x2ULL
#endif
#ifndef NS_CGROUP_VIEW_STAT
#define NS_CGROUP_VIEW_STAT	0x4ULL
#endif
#ifndef NS_CGROUP_VIEW_LOAD
#define NS_CGROUP_VIEW_LOAD	0x8ULL
#endif
#ifndef NS_CGROUP_VIEW_DISKS
#define NS_CGROUP_VIEW_DISKS	0x10ULL
#endif

static const char view_cgroup[] = "/sys/fs/cgroup/nsbench-view";

/* All of /proc/cpuinfo, opened afresh as lscpu and scripts do */
static void read_cpuinfo(void)
{
	char buf[8192];
	ssize_t n;
	int fd;

	fd = open("/proc/cpuinfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail("open /proc/cpuinfo");
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	if (n < 0)
		fail("read /proc/cpuinfo");
	close(fd);
}

/* pread(2) of all of @path, it->view times: the row "view <prefix><name>" */
static void pread_row(const char *path, const char *prefix, const char *name)
{
	char buf[8192];
	uint64_t t0;
	long i;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail("open %s", path);
	t0 = now();
	for (i = 0; i < it->view; i++)
		if (pread(fd, buf, sizeof(buf), 0) <= 0)
			fail("read %s", path);
	report("view", per_op(t0, now(), it->view), "ns/op", "%s%s", prefix, name);
	close(fd);
}

/*
 * One read of /proc/meminfo, one sysinfo(), as free(1) makes them; one
 * read of /sys/devices/system/cpu/online, as glibc's get_nprocs() makes
 * it, a fresh /proc/cpuinfo, and one read of /proc/stat and of
 * /proc/loadavg, as top, vmstat and uptime make them; then /proc/swaps
 * (swapon), /proc/uptime and /proc/diskstats (vmstat -d, iostat).
 */
static void view_rows(const char *prefix)
{
	struct sysinfo si;
	uint64_t t0;
	long i;

	pread_row("/proc/meminfo", prefix, "meminfo");

	t0 = now();
	for (i = 0; i < it->view; i++)
		if (sysinfo(&si))
			fail("sysinfo");
	report("view", per_op(t0, now(), it->view), "ns/op", "%ssysinfo", prefix);

	pread_row("/sys/devices/system/cpu/online", prefix, "cpu-online");

	t0 = now();
	for (i = 0; i < it->view / 5; i++)
		read_cpuinfo();
	report("view", per_op(t0, now(), it->view / 5), "ns/op", "%scpuinfo", prefix);

	pread_row("/proc/stat", prefix, "stat");
	pread_row("/proc/loadavg", prefix, "loadavg");
	pread_row("/proc/swaps", prefix, "swaps");
	pread_row("/proc/uptime", prefix, "uptime");
	pread_row("/proc/diskstats", prefix, "diskstats");
}

/* Into the view's cgroup, and a cgroup namespace with the view on */
static bool enter_view(void)
{
	uint64_t view = NS_CGROUP_VIEW_MEMORY | NS_CGROUP_VIEW_CPUS | NS_CGROUP_VIEW_STAT |
			NS_CGROUP_VIEW_LOAD | NS_CGROUP_VIEW_DISKS;
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/cgroup.procs", view_cgroup);
	write_file(path, "0");
	if (unshare(CLONE_NEWCGROUP))
		fail("unshare cgroup");
	fd = open("/proc/self/ns/cgroup", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail("open /proc/self/ns/cgroup");
	if (ioctl(fd, NS_CGROUP_SET_VIEW, &view)) {
		close(fd);
		return false;
	}
	close(fd);
	return true;
}

static void view_in_container(const void *unused)
{
	(void)unused;
	if (!enter_view())
		fail("NS_CGROUP_SET_VIEW");
	view_rows("view/");
}

/* A child in a namespace with the view, until *release is written to */
static pid_t hold_view(int *release)
{
	int go[2], done[2];
	pid_t pid;
	char c;

	if (pipe(go) || pipe(done))
		fail("pipe");
	pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		close(go[0]);
		close(done[1]);
		c = enter_view() ? 'y' : 'n';
		if (write(go[1], &c, 1) != 1)
			_exit(1);
		_exit(read(done[0], &c, 1) < 0);
	}
	close(go[1]);
	close(done[0]);
	if (read(go[0], &c, 1) != 1 || c != 'y')
		fail("holding a cgroup view");
	close(go[0]);
	*release = done[1];
	return pid;
}

/*
 * The host's reads, then on nsx the same in a container of 512 MiB and
 * one and a half CPUs of cpu.max (a quota the bench, on one CPU, never
 * runs out of: a throttled task's idle time would count) with the view,
 * and on the host again while that container
 * lives (the key that keeps the view off everyone else's path is then
 * on). The cpu, cpuset, pids and io controllers are enabled for the
 * container only, on both kernels, and disabled again afterwards (pids, as
 * container managers have it, counts the container's tasks for
 * /proc/loadavg; io gives it the counters of /proc/diskstats).
 */
static void bench_view(void)
{
	char path[128];
	bool nsx;
	int release;
	pid_t pid;

	view_rows("host/");
	write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory +cpu +cpuset +pids +io");
	if (mkdir(view_cgroup, 0755) && errno != EEXIST)
		fail("mkdir %s", view_cgroup);
	snprintf(path, sizeof(path), "%s/memory.max", view_cgroup);
	write_file(path, "536870912");
	snprintf(path, sizeof(path), "%s/cpu.max", view_cgroup);
	write_file(path, "150000 100000");
	nsx = access("/proc/self/ns/syslog", F_OK) == 0;
	if (nsx) {
		if (in_child(view_in_container, NULL))
			exit(1);
		pid = hold_view(&release);
		view_rows("host-keyed/");
		close(release);
		reap(pid);
	}
	if (rmdir(view_cgroup))
		fail("rmdir %s", view_cgroup);
	write_file("/sys/fs/cgroup/cgroup.subtree_control", "-cpu -cpuset -pids -io");
}

/* ---- load --------------------------------------------------------- */

static const char load_cgroup[] = "/sys/fs/cgroup/nsbench-load";

/* Guest time the CPUs spent idle, in ns, from /proc/timer_list */
static uint64_t idle_ns(void)
{
	unsigned long long v;
	uint64_t sum = 0;
	char line[256];
	FILE *f;

	f = fopen("/proc/timer_list", "r");
	if (!f)
		fail("open /proc/timer_list");
	/* "  .idle_sleeptime : 123 nsecs", the name padded to 15 */
	while (fgets(line, sizeof(line), f))
		if ((strstr(line, ".idle_sleeptime ") || strstr(line, ".iowait_sleeptime")) &&
		    sscanf(strchr(line, ':') + 1, "%llu", &v) == 1)
			sum += v;
	fclose(f);
	return sum;
}

/*
 * N cgroups under load_cgroup, each the root of a cgroup namespace, held
 * by an fd, whose view shows the load (nsx only), then the guest idle for
 * @seconds of guest time: the guest's busy time (the time less the CPUs'
 * idle time, which NO_HZ measures to the nanosecond) per load sample
 * (LOAD_FREQ, 5 s). Under instruction counting, that is the instructions
 * the guest ran per sample: its timers, and the loads' worker.
 */
static double load_busy(long n, long seconds)
{
	char path[128], home_cg[256], buf[300];
	int *fds, home, fd;
	uint64_t t0, i0;
	uint64_t view = NS_CGROUP_VIEW_LOAD;
	struct rlimit rl;
	double busy;
	long i;

	rl.rlim_cur = rl.rlim_max = n + 64;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		fail("RLIMIT_NOFILE %ld", n + 64);
	fds = calloc(n + 1, sizeof(*fds));
	if (!fds)
		fail("calloc");
	read_file("/proc/self/cgroup", buf, sizeof(buf));
	if (strncmp(buf, "0::", 3))
		fail("/proc/self/cgroup: %s", buf);
	buf[strcspn(buf, "\n")] = '\0';
	snprintf(home_cg, sizeof(home_cg), "/sys/fs/cgroup%s/cgroup.procs",
		 strcmp(buf + 3, "/") ? buf + 3 : "");
	home = open_ns("self", "cgroup");
	if (mkdir(load_cgroup, 0755) && errno != EEXIST)
		fail("mkdir %s", load_cgroup);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/c%ld", load_cgroup, i);
		if (mkdir(path, 0755))
			fail("mkdir %s", path);
		strcat(path, "/cgroup.procs");
		write_file(path, "0");
		if (unshare(CLONE_NEWCGROUP))
			fail("unshare cgroup");
		fd = open_ns("self", "cgroup");
		if (ioctl(fd, NS_CGROUP_SET_VIEW, &view))
			fail("NS_CGROUP_SET_VIEW");
		fds[i] = fd;
		if (setns(home, CLONE_NEWCGROUP))
			fail("setns cgroup back");
	}
	write_file(home_cg, "0");

	t0 = now();
	i0 = idle_ns();
	sleep(seconds);
	busy = (double)(now() - t0) - (double)(idle_ns() - i0);

	for (i = 0; i < n; i++) {
		close(fds[i]);
		snprintf(path, sizeof(path), "%s/c%ld", load_cgroup, i);
		if (rmdir(path))
			fail("rmdir %s", path);
	}
	if (rmdir(load_cgroup))
		fail("rmdir %s", load_cgroup);
	close(home);
	free(fds);
	return busy / (seconds / 5.001);
}

/*
 * The guest's busy time per load sample with no cgroup namespace showing
 * its load (both kernels: the feature costs nothing without one), and on
 * nsx with 1,000 and 10,000 cgroups whose load is shown: the worker's
 * cost per sample is the difference, and should grow linearly.
 */
static void bench_load(void)
{
	static const long full_n[] = { 1000, 10000 }, quick_n[] = { 100 };
	const long *ns = quick ? quick_n : full_n;
	int nn = quick ? 1 : 2;
	long seconds = quick ? 300 : 3000;
	int i;

	report("load", load_busy(0, seconds), "ns/op", "0/sample");
	if (access("/proc/self/ns/syslog", F_OK)) {
		note("the kernel has no cgroup view: load rows with views are nsx only");
		return;
	}
	for (i = 0; i < nn; i++)
		report("load", load_busy(ns[i], seconds), "ns/op", "%ld/sample", ns[i]);
}

/* ---- scale -------------------------------------------------------- */

struct scale_run {
	const struct ns_type *type;
	long n;
};

static char nsfile[64];		/* /proc/self/ns/<child_file> */
static int home_fd = -1;	/* for a type that nests: where we started */

static int make_ns(const struct ns_type *t)
{
	struct vm_child c = { nsfile, -1, 0, -1, 0, 0 };
	int fd;

	if (!t->loop) {
		vm_clone(t->flag, &c);
		return c.fd;
	}
	if (unshare(t->flag))
		fail("unshare %s", t->name);
	fd = open(nsfile, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail("open %s", nsfile);
	if (t->nests && setns(home_fd, t->flag))
		fail("setns %s back", t->name);
	return fd;
}

/*
 * Wait until the deferred frees (RCU callbacks, workqueues) are done,
 * taken as /proc/meminfo's Slab staying within 64 kB of where it last
 * moved to for a second: polled every 200 us after a move, backing off
 * to every 25.6 ms while it stays. Returns when it last moved. With
 * sleep=off an idle guest skips ahead to its next timer, so waiting
 * costs little; a guest that is never idle counts every instruction, so
 * after two minutes of guest time it gives up and says so.
 *
 * A second, because tearing down a network device sleeps up to 250 ms
 * at a time. The polls read the counter as it is, without
 * vm.stat_refresh: refreshing is itself work for the kernel (a work item
 * on each CPU), and in some states each refresh moved Slab by 8 kB,
 * given back a few polls later, so that a poll every 200 us never saw a
 * quiet second and the wait ran for minutes of guest time. Unrefreshed,
 * the counter lags by what the CPUs have not folded in yet, at most a
 * few dozen pages, folded within a second: 64 kB is above that, so the
 * late fold is no move. The callers read the figures themselves exactly.
 */
static uint64_t settle(void)
{
	long ref = meminfo_read("Slab:", false), cur, wait = 200000;
	uint64_t start = now(), last = start, t;
	struct timespec tick;

	for (;;) {
		tick.tv_sec = 0;
		tick.tv_nsec = wait;
		nanosleep(&tick, NULL);
		cur = meminfo_read("Slab:", false);
		t = now();
		if (labs(cur - ref) >= 64) {
			ref = cur;
			last = t;
			wait = 200000;
		} else if (t - last >= 1000000000ULL) {
			return last;
		} else if (t - start > 120000000000ULL) {
			note("Slab still moving after 120 s of guest time; went on");
			return last;
		} else if (wait < 25600000) {
			wait *= 2;
		}
	}
}

/*
 * Each vm.stat_refresh also gives back an eighth of the pages the CPU
 * keeps on its free lists beyond their floor, pages MemAvailable does
 * not count; the kernel does the same once a second. settle() polls
 * without refreshing, so before MemAvailable is read, refresh until it
 * stops moving (16 kB), at most 64 times: what the previous run freed
 * is then back in the count, not in the next run's figure.
 */
static void drain(void)
{
	long prev = meminfo("MemAvailable:"), cur;
	int i;

	for (i = 0; i < 64; i++) {
		cur = meminfo("MemAvailable:");
		if (labs(cur - prev) < 16)
			return;
		prev = cur;
	}
}

static void scale_one(const void *arg)
{
	const struct scale_run *s = arg;
	const struct ns_type *t = s->type;
	long avail0, slab0, pcpu0, avail1, slab1, pcpu1, i, n = s->n;
	uint64_t t0, tm = 0, t1, t2, t3, t4;
	struct rlimit rl;
	int *fds;

	rl.rlim_cur = rl.rlim_max = n + 64;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		fail("RLIMIT_NOFILE %ld", n + 64);
	fds = calloc(n, sizeof(*fds));
	if (!fds)
		fail("calloc");
	snprintf(nsfile, sizeof(nsfile), "/proc/self/ns/%s", t->child_file);
	if (t->nests)
		home_fd = open_ns("self", t->name);

	settle();
	drain();
	avail0 = meminfo("MemAvailable:");
	slab0 = meminfo("Slab:");
	/* Counted as it changes, not per CPU: nothing to refresh. */
	pcpu0 = meminfo_read("Percpu:", false);
	t0 = now();
	for (i = 0; i < n; i++) {
		if (i == n - n / 10)
			tm = now();
		fds[i] = make_ns(t);
	}
	t1 = now();
	settle();
	drain();
	avail1 = meminfo("MemAvailable:");
	slab1 = meminfo("Slab:");
	pcpu1 = meminfo_read("Percpu:", false);

	t2 = now();
	for (i = 0; i < n; i++)
		close(fds[i]);
	t3 = now();
	t4 = settle();
	if (t4 < t3)
		t4 = t3;

	report("scale", per_op(t0, t1, n), "ns/op", "%s/%ld/create", t->name, n);
	/* The last tenth: what one more costs with about N alive. */
	report("scale", per_op(tm, t1, n / 10), "ns/op", "%s/%ld/create-last10%%",
	       t->name, n);
	report("scale", (avail0 - avail1) * 1024.0 / n, "B/ns", "%s/%ld/mem",
	       t->name, n);
	report("scale", (slab1 - slab0) * 1024.0 / n, "B/ns", "%s/%ld/slab",
	       t->name, n);
	report("scale", (pcpu1 - pcpu0) * 1024.0 / n, "B/ns", "%s/%ld/percpu",
	       t->name, n);
	report("scale", per_op(t2, t3, n), "ns/op", "%s/%ld/close", t->name, n);
	/* Not instructions: waiting idle (sleep=off skips it) counts too. */
	report("scale", per_op(t2, t4, n), "elapsed-ns/op", "%s/%ld/teardown",
	       t->name, n);
	free(fds);
}

/*
 * What make_ns() spends besides the namespace: the open() of its file
 * (and for pid and user namespaces the clone() of the child that makes
 * it, "ref clone-vm+exit+wait").
 */
static void scale_refs(const void *unused)
{
	struct rlimit rl = { 1024, 1024 };
	uint64_t t0;
	long i, n = it->unshare;
	int fd;

	(void)unused;
	setrlimit(RLIMIT_NOFILE, &rl);
	t0 = now();
	for (i = 0; i < n; i++) {
		fd = open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			fail("open /proc/self/ns/uts");
		close(fd);
	}
	report("ref", per_op(t0, now(), n), "ns/op", "open+close-nsfile");
}

static void raise_limits(void)
{
	const struct ns_type *t;
	char path[96];

	for (t = types; t < types + NR_TYPES; t++) {
		snprintf(path, sizeof(path), "/proc/sys/user/max_%s_namespaces",
			 t->flag == CLONE_NEWNS ? "mnt" : t->name);
		if (access(path, F_OK) == 0)
			write_file(path, "10000000\n");
	}
	/* The syslog namespaces' limit is the host's alone, in kernel/. */
	if (access("/proc/sys/kernel/syslog_ns_max_per_user", F_OK) == 0)
		write_file("/proc/sys/kernel/syslog_ns_max_per_user",
			   "10000000\n");
	write_file("/proc/sys/fs/file-max", "10000000\n");
}

static void bench_scale(void)
{
	const long *ns = quick ? quick_scale : full_scale;
	size_t nr = quick ? sizeof(quick_scale) / sizeof(quick_scale[0]) :
			    sizeof(full_scale) / sizeof(full_scale[0]);
	const struct ns_type *t;
	struct scale_run s;
	size_t i;

	raise_limits();
	if (in_child(scale_refs, NULL))
		exit(1);
	for (t = types; t < types + NR_TYPES; t++) {
		if (!have_type(t))
			continue;
		for (i = 0; i < nr; i++) {
			if (!quick && ns[i] > t->full_max) {
				note("scale: %s stops at %ld", t->name, t->full_max);
				break;
			}
			s.type = t;
			s.n = ns[i];
			if (in_child(scale_one, &s))
				exit(1);
		}
	}
}

int main(int argc, char **argv)
{
	const char *clock_label = NULL, *rows = NULL, *rows_label = NULL;
	const struct ns_type *t;
	uint64_t start;
	long offset = 0;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			quick = true;
			it = &quick_iters;
		} else if (!strcmp(argv[i], "--full")) {
			quick = false;
			it = &full_iters;
		} else if (!strcmp(argv[i], "--rows") && i + 2 < argc) {
			rows = argv[++i];
			rows_label = argv[++i];
		} else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
			only = argv[++i];
		} else if (!strcmp(argv[i], "--libc-clocks") && i + 1 < argc) {
			clock_label = argv[++i];
		} else if (!strcmp(argv[i], "--expect-offset") && i + 1 < argc) {
			offset = strtol(argv[++i], NULL, 10);
		} else {
			fprintf(stderr, "usage: nsbench [--quick] [--only GROUP,...]\n"
				"       nsbench [--quick] --libc-clocks LABEL [--expect-offset SECONDS]\n"
				"groups: ref unshare clone3 setns clock stamp kmsg scale\n");
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (clock_label) {
		raw_now = true;
		return libc_clocks(clock_label, offset);
	}
	start = now();
	calibrate_now();
	if (rows) {
		if (!strcmp(rows, "clock"))
			clocks(rows_label);
		else
			stamps(rows_label);
		return 0;
	}
	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		      -1, 0);
	if (shared == MAP_FAILED)
		fail("mmap");
	note("mode %s", quick ? "quick" : "full");
	for (t = types; t < types + NR_TYPES; t++)
		if (!have_type(t))
			note("the kernel has no %s namespaces: no %s rows",
			     t->name, t->name);

	/*
	 * First, so that its lines push no kernel message of the others out
	 * of the log buffer.
	 */
	if (wanted("kmsg"))
		bench_kmsg();
	fork_ref = time_fork(it->fork);
	if (wanted("ref"))
		report("ref", fork_ref, "ns/op", "fork+exit+wait");
	if (wanted("unshare"))
		bench_unshare();
	if (wanted("clone3"))
		bench_clone3();
	if (wanted("setns") && in_child(setns_all, NULL))
		return 1;
	if (wanted("clock"))
		bench_clock();
	if (wanted("stamp"))
		bench_stamp();
	if (wanted("view"))
		bench_view();
	if (wanted("load"))
		bench_load();
	if (wanted("scale"))
		bench_scale();
	note("done in %.3f s of guest time", (now() - start) / 1e9);
	return 0;
}
