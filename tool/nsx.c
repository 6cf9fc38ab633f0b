// SPDX-License-Identifier: GPL-2.0
/*
 * nsx - run a command in new namespaces, enter the namespaces of a
 * running process, or list the namespaces of a process.
 *
 *   nsx run [OPTIONS] [--] [COMMAND [ARGS...]]
 *   nsx enter -t PID [OPTIONS] [--] [COMMAND [ARGS...]]
 *   nsx ns [PID]
 *   nsx dmesg [-r] [PID]
 *
 * Namespace types are described once, in nstypes[] below: the option
 * parsers, the help texts, "enter --all" and the fork decision are all
 * driven by that table, so a new type is one new line there.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/nsfs.h>
#include <linux/sched.h>

/*
 * Flags that an older libc or uapi header may lack; building with
 * -isystem <kernel uapi headers> picks up the real definitions.
 */
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_NEWSYSLOG
#define CLONE_NEWSYSLOG 0x00000040
#endif
#ifndef CLOCK_BOOTTIME
#define CLOCK_BOOTTIME 7
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef NS_GET_SYSLOGNS_ID
#define NS_GET_SYSLOGNS_ID _IOR(0xb7, 32, __u64)
#endif
#ifndef NS_CGROUP_SET_VIEW
#define NS_CGROUP_SET_VIEW _IOW(0xb7, 34, __u64)
#define NS_CGROUP_VIEW_MEMORY 0x1ULL
#endif
#ifndef NS_CGROUP_VIEW_CPUS
#define NS_CGROUP_VIEW_CPUS 0x2ULL
#endif
#ifndef NS_CGROUP_VIEW_STAT
#define NS_CGROUP_VIEW_STAT 0x4ULL
#endif
#ifndef NS_CGROUP_VIEW_LOAD
#define NS_CGROUP_VIEW_LOAD 0x8ULL
#endif
#ifndef NS_CGROUP_VIEW_DISKS
#define NS_CGROUP_VIEW_DISKS 0x10ULL
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

#ifndef NSX_VERSION
#define NSX_VERSION "0.1"
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define __printf(a, b) __attribute__((__format__(printf, a, b)))
#define NSEC_PER_SEC 1000000000L

/* Exit codes of the tool itself; the command's status is passed on. */
#define EXIT_TOOL 1
#define EXIT_USAGE 2
#define EXIT_CANNOT_EXEC 126
#define EXIT_NOT_FOUND 127

/* syslog(2) actions, from the kernel's include/linux/syslog.h */
#define SYSLOG_ACTION_READ_ALL 3
#define SYSLOG_ACTION_SIZE_BUFFER 10

struct nstype {
	const char *name;	/* long option, e.g. "mount" */
	const char *proc;	/* entry in /proc/PID/ns/ */
	int flag;		/* CLONE_NEW* */
	int opt;		/* short option */
	bool fork;		/* only children enter it: fork after it */
	bool own;		/* nsx's own: not in unshare(1), nsenter(1) */
	const char *help;
};

/*
 * Every namespace type nsx knows. A type the running kernel lacks does
 * no harm: "run" and "enter" fail in unshare() or setns() with EINVAL
 * and say which type the kernel lacks, "enter -a" skips it as
 * /proc/PID/ns has no entry for it. A flag older headers may lack gets
 * a fallback definition above, or its line an #ifdef.
 */
static const struct nstype nstypes[] = {
	{ "mount", "mnt", CLONE_NEWNS, 'm', false, false, "mount namespace" },
	{ "uts", "uts", CLONE_NEWUTS, 'u', false, false,
	  "UTS namespace (hostname, domain name)" },
	{ "ipc", "ipc", CLONE_NEWIPC, 'i', false, false,
	  "System V IPC namespace" },
	{ "net", "net", CLONE_NEWNET, 'n', false, false, "network namespace" },
	{ "pid", "pid", CLONE_NEWPID, 'p', true, false, "PID namespace" },
	{ "user", "user", CLONE_NEWUSER, 'U', false, false, "user namespace" },
	{ "cgroup", "cgroup", CLONE_NEWCGROUP, 'C', false, false,
	  "cgroup namespace" },
	{ "time", "time", CLONE_NEWTIME, 'T', true, false, "time namespace" },
	{ "syslog", "syslog", CLONE_NEWSYSLOG, 's', false, true,
	  "syslog namespace (kernel log)" },
};

#define NR_NSTYPES ARRAY_SIZE(nstypes)

static const char *cmdname = "nsx";	/* "nsx run" etc. in usage errors */

static void vwarn_errno(int err, const char *fmt, va_list ap)
{
	fputs("nsx: ", stderr);
	vfprintf(stderr, fmt, ap);
	if (err)
		fprintf(stderr, ": %s", strerror(err));
	fputc('\n', stderr);
}

/* "nsx: <what>: <strerror(errno)>", exit 1 */
static noreturn __printf(1, 2) void die(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vwarn_errno(err, fmt, ap);
	va_end(ap);
	exit(EXIT_TOOL);
}

/* "nsx <cmd>: <what>" and a hint, exit 2 */
static noreturn __printf(1, 2) void usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cmdname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", cmdname);
	exit(EXIT_USAGE);
}

static noreturn void print_version(void)
{
	printf("nsx %s\n", NSX_VERSION);
	exit(EXIT_SUCCESS);
}

/*
 * Numbers: the whole string must be a decimal number within [min, max].
 */
static long long parse_ll(const char *s, long long min, long long max,
			  const char *what)
{
	long long v;
	char *end;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end != '\0' || isspace((unsigned char)*s))
		usage_error("invalid %s: '%s'", what, s);
	if (errno == ERANGE || v < min || v > max)
		usage_error("%s out of range: '%s'", what, s);
	return v;
}

static pid_t parse_pid(const char *s)
{
	return (pid_t)parse_ll(s, 1, INT_MAX, "PID");
}

/*
 * A clock offset in seconds: [+-]DIGITS[.DIGITS], at most nine decimal
 * places. Stored the way timens_offsets wants it: tv_nsec in [0, 1e9),
 * so -1.5 is { -2, 500000000 }.
 */
static struct timespec parse_offset(const char *s, const char *what)
{
	const char *p = s;
	struct timespec ts;
	long long sec;
	long nsec = 0, scale = NSEC_PER_SEC / 10;
	bool neg = false;
	char *end;

	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (!isdigit((unsigned char)*p))
		usage_error("invalid %s: '%s'", what, s);
	errno = 0;
	sec = strtoll(p, &end, 10);
	if (errno == ERANGE)
		usage_error("%s out of range: '%s'", what, s);
	if (*end == '.') {
		end++;
		if (!isdigit((unsigned char)*end))
			usage_error("invalid %s: '%s'", what, s);
		for (; isdigit((unsigned char)*end); end++) {
			if (!scale)
				usage_error("%s has more than 9 decimals: '%s'",
					    what, s);
			nsec += (*end - '0') * scale;
			scale /= 10;
		}
	}
	if (*end != '\0')
		usage_error("invalid %s: '%s'", what, s);

	if (neg) {
		sec = -sec;
		if (nsec) {
			sec--;
			nsec = NSEC_PER_SEC - nsec;
		}
	}
	ts.tv_sec = sec;
	ts.tv_nsec = nsec;
	return ts;
}

/*
 * --realtime=WHEN: a wall clock offset relative to the host's clock, as
 * seconds or in units, or an absolute time that the offset is taken to
 * reach. Calendar years and absolute times depend on the host's time, so
 * the offset itself is only worked out when it is written.
 */
struct realtime {
	bool absolute;
	struct timespec ts;	/* the offset, or the target if absolute */
	long long years;	/* calendar years added first (relative) */
};

static const struct {
	char unit;
	long long secs;		/* 0: calendar years */
} realtime_units[] = {
	{ 'y', 0 }, { 'w', 7 * 86400 }, { 'd', 86400 },
	{ 'h', 3600 }, { 'm', 60 }, { 's', 1 },
};

/*
 * The offset WHEN means at host time now: target minus now, or the
 * years added on the UTC calendar (timegm() normalises, so a year from
 * February 29 is March 1) plus the seconds. False if it overflows.
 */
static bool realtime_offset(const struct realtime *rt,
			    const struct timespec *now, struct timespec *off)
{
	struct tm tm;
	time_t t;
	int year;

	if (rt->absolute) {
		if (__builtin_sub_overflow(rt->ts.tv_sec, now->tv_sec,
					   &off->tv_sec))
			return false;
		off->tv_nsec = rt->ts.tv_nsec - now->tv_nsec;
		if (off->tv_nsec < 0) {
			off->tv_sec--;
			off->tv_nsec += NSEC_PER_SEC;
		}
		return true;
	}
	*off = rt->ts;
	if (!rt->years)
		return true;
	if (!gmtime_r(&now->tv_sec, &tm) ||
	    __builtin_add_overflow(tm.tm_year, rt->years, &year))
		return false;
	tm.tm_year = year;
	errno = 0;
	t = timegm(&tm);
	if (t == (time_t)-1 && errno)
		return false;
	return !__builtin_add_overflow(off->tv_sec, t - now->tv_sec,
				       &off->tv_sec);
}

/* A sign, then NUMBER UNIT pairs in the order of realtime_units[]. */
static void parse_realtime_units(const char *s, struct realtime *rt)
{
	long long n, secs = 0, years = 0;
	const char *p = s + 1;
	size_t i, next = 0;
	char *end;

	if (*s != '+' && *s != '-')
		usage_error("a realtime offset with units needs a sign, as in '+%s' or '-%s'",
			    s, s);
	do {
		if (isalpha((unsigned char)*p))
			goto bad_unit;
		if (!isdigit((unsigned char)*p))
			usage_error("invalid realtime offset: '%s'", s);
		errno = 0;
		n = strtoll(p, &end, 10);
		if (errno == ERANGE)
			usage_error("realtime offset out of range: '%s'", s);
		for (i = 0; i < ARRAY_SIZE(realtime_units); i++)
			if (realtime_units[i].unit == *end)
				break;
		if (i == ARRAY_SIZE(realtime_units))
			goto bad_unit;
		if (i < next)
			usage_error("realtime offset units out of order or repeated: '%s'",
				    s);
		next = i + 1;
		if (!realtime_units[i].secs)
			years = n;
		else if (__builtin_mul_overflow(n, realtime_units[i].secs, &n) ||
			 __builtin_add_overflow(secs, n, &secs))
			usage_error("realtime offset out of range: '%s'", s);
		p = end + 1;
	} while (*p);

	rt->absolute = false;
	rt->ts.tv_sec = *s == '-' ? -secs : secs;
	rt->ts.tv_nsec = 0;
	rt->years = *s == '-' ? -years : years;
	return;
bad_unit:
	usage_error("missing or unknown unit in realtime offset (units: y, w, d, h, m, s): '%s'",
		    s);
}

/* Exactly n decimal digits at *p, which moves past them; -1 if not. */
static int take_digits(const char **p, int n)
{
	int v = 0;

	for (; n > 0; n--, (*p)++) {
		if (!isdigit((unsigned char)**p))
			return -1;
		v = v * 10 + (**p - '0');
	}
	return v;
}

/* YYYY-MM-DD[(T| )HH:MM[:SS][Z]], in UTC. */
static void parse_realtime_date(const char *s, struct realtime *rt)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30,
				     31, 31, 30, 31, 30, 31 };
	int year, mon, day, hour = 0, min = 0, sec = 0;
	const char *p = s;
	struct tm tm;
	bool leap;

	/* A mismatch ends the parse, so p never passes the '\0'. */
	year = take_digits(&p, 4);
	if (year < 0 || *p++ != '-')
		goto invalid;
	mon = take_digits(&p, 2);
	if (mon < 0 || *p++ != '-')
		goto invalid;
	day = take_digits(&p, 2);
	if (day < 0)
		goto invalid;
	if (*p == 'T' || *p == ' ') {
		p++;
		hour = take_digits(&p, 2);
		if (hour < 0 || *p++ != ':')
			goto invalid;
		min = take_digits(&p, 2);
		if (min < 0)
			goto invalid;
		if (*p == ':') {
			p++;
			sec = take_digits(&p, 2);
			if (sec < 0)
				goto invalid;
		}
		if (*p == 'Z')
			p++;
	}
	if (*p)
		goto invalid;

	leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	if (mon < 1 || mon > 12 || day < 1 || day > mdays[mon - 1] ||
	    (mon == 2 && day == 29 && !leap) || hour > 23 || min > 59 ||
	    sec > 59)
		usage_error("realtime date out of range: '%s'", s);
	if (year < 1970)
		usage_error("realtime date before 1970-01-01: '%s'", s);

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	rt->absolute = true;
	rt->ts.tv_sec = timegm(&tm);
	rt->ts.tv_nsec = 0;
	return;
invalid:
	usage_error("invalid realtime date: '%s' (YYYY-MM-DD[THH:MM[:SS]][Z], UTC)",
		    s);
}

/*
 * --realtime=WHEN: @SECONDS and dates are absolute; a sign, digits and
 * a unit letter are units; anything else must be seconds as for
 * --monotonic. The offset must be computable now, or it is a usage
 * error; it is computed again when it is written.
 */
static struct realtime parse_realtime(const char *s)
{
	struct realtime rt = { 0 };
	struct timespec now, off;
	const char *p = s, *digits;

	if (*s == '@') {
		rt.absolute = true;
		rt.ts = parse_offset(s + 1, "seconds after '@'");
		if (rt.ts.tv_sec < 0)
			usage_error("realtime date before 1970-01-01: '%s'", s);
		return rt;
	}
	if (take_digits(&p, 4) >= 0 && *p == '-') {
		parse_realtime_date(s, &rt);
		return rt;
	}

	digits = s + (*s == '+' || *s == '-');
	for (p = digits; isdigit((unsigned char)*p); p++)
		;
	if (p == digits || !isalpha((unsigned char)*p)) {
		rt.ts = parse_offset(s, "realtime offset");
		return rt;
	}
	parse_realtime_units(s, &rt);
	if (clock_gettime(CLOCK_REALTIME, &now))
		die("clock_gettime CLOCK_REALTIME");
	if (!realtime_offset(&rt, &now, &off))
		usage_error("realtime offset out of range: '%s'", s);
	return rt;
}

/* "-1.5" for { -2, 500000000 }, "3600" for { 3600, 0 } */
static void format_seconds(char *buf, size_t size, const struct timespec *ts)
{
	unsigned long long sec = ts->tv_sec;
	long nsec = ts->tv_nsec;
	bool neg = ts->tv_sec < 0;
	size_t len;

	if (neg) {
		sec = -sec;
		if (nsec) {
			sec--;
			nsec = NSEC_PER_SEC - nsec;
		}
	}
	snprintf(buf, size, "%s%llu.%09ld", neg ? "-" : "", sec, nsec);
	len = strlen(buf);
	while (buf[len - 1] == '0')
		buf[--len] = '\0';
	if (buf[len - 1] == '.')
		buf[len - 1] = '\0';
}

static void write_file(const char *path, const char *buf)
{
	size_t len = strlen(buf);
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		die("open %s", path);
	n = write(fd, buf, len);
	if (n < 0)
		die("write %s", path);
	if ((size_t)n != len) {
		errno = EIO;
		die("short write to %s", path);
	}
	if (close(fd))
		die("close %s", path);
}

static int pidfd_open(pid_t pid, unsigned int flags)
{
	return syscall(SYS_pidfd_open, pid, flags);
}

static int pidfd_send_signal(int pidfd, int sig)
{
	return syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

/*
 * Option tables: the namespace types from nstypes[] plus the options of
 * one command, as getopt_long() wants them. Options without a short
 * form use values from OPT_LONG up.
 */
enum {
	OPT_LONG = 0x100,
	OPT_MAP_USER,
	OPT_MAP_GROUP,
	OPT_MAP_USERS,
	OPT_MAP_GROUPS,
	OPT_NO_KMSG,
	OPT_MOUNT_PROC,
	OPT_PROPAGATION,
	OPT_MONOTONIC,
	OPT_BOOTTIME,
	OPT_REALTIME,
	OPT_HOSTNAME,
	OPT_MEMORY,
	OPT_SWAP,
	OPT_CPUS,
	OPT_CPUSET_CPUS,
	OPT_VIEW,
	OPT_PRESERVE_CRED,
	OPT_PIDFD,
};

/* Namespace type options: none, plain flags (run), or [=FILE] (enter) */
enum { TYPES_NONE = -1 };

#define MAX_OPTS 32

struct optset {
	struct option longopts[MAX_OPTS];
	char shortopts[2 * MAX_OPTS + 3];
};

static void add_opt(struct optset *set, const char *name, int has_arg,
		    int val)
{
	size_t i = 0, len;

	while (set->longopts[i].name)
		i++;
	if (i + 1 >= MAX_OPTS)
		abort();
	set->longopts[i] = (struct option){ name, has_arg, NULL, val };
	if (val >= OPT_LONG)
		return;
	len = strlen(set->shortopts);
	set->shortopts[len++] = (char)val;
	if (has_arg != no_argument)
		set->shortopts[len++] = ':';
	if (has_arg == optional_argument)
		set->shortopts[len++] = ':';
	set->shortopts[len] = '\0';
}

/*
 * "+": stop at the first non-option (the command); ":": report missing
 * arguments as ':' and print nothing ourselves.
 */
static void init_opts(struct optset *set, const struct option *extra,
		      int types)
{
	size_t i;

	memset(set, 0, sizeof(*set));
	set->shortopts[0] = '+';
	set->shortopts[1] = ':';
	if (types != TYPES_NONE)
		for (i = 0; i < NR_NSTYPES; i++)
			add_opt(set, nstypes[i].name, types, nstypes[i].opt);
	for (; extra && extra->name; extra++)
		add_opt(set, extra->name, extra->has_arg, extra->val);
	add_opt(set, "help", no_argument, 'h');
	add_opt(set, "version", no_argument, 'V');
}

static int next_opt(int argc, char **argv, struct optset *set)
{
	const char *arg;
	int c;

	opterr = 0;
	c = getopt_long(argc, argv, set->shortopts, set->longopts, NULL);
	if (c != '?' && c != ':')
		return c;

	/*
	 * getopt_long() has stepped past a long option in error, so it is
	 * argv[optind - 1]; a bad short option is only known by optopt.
	 */
	arg = argv[optind - 1];
	if (c == ':')
		usage_error("option '%s' requires an argument", arg);
	if (!optopt)
		usage_error("unrecognized or ambiguous option '%s'", arg);
	if (optopt < OPT_LONG &&
	    (optopt == ':' || !strchr(set->shortopts + 2, optopt)))
		usage_error("invalid option -- '%c'", optopt);
	usage_error("option '%s' doesn't allow an argument", arg);
}

/*
 * next_opt() for a command's option loop: -h and -V are handled here
 * the same way for every command, the rest is the caller's.
 */
static int next_cmd_opt(int argc, char **argv, struct optset *set,
			void (*help)(void))
{
	int c = next_opt(argc, argv, set);

	if (c == 'h')
		help();
	if (c == 'V')
		print_version();
	return c;
}

static const struct nstype *nstype_by_opt(int c)
{
	size_t i;

	for (i = 0; i < NR_NSTYPES; i++)
		if (nstypes[i].opt == c)
			return &nstypes[i];
	return NULL;
}

static const struct nstype *nstype_by_flag(int flag)
{
	size_t i;

	for (i = 0; i < NR_NSTYPES; i++)
		if (nstypes[i].flag == flag)
			return &nstypes[i];
	abort();
}

static bool flags_need_fork(int flags)
{
	size_t i;

	for (i = 0; i < NR_NSTYPES; i++)
		if (nstypes[i].fork && (flags & nstypes[i].flag))
			return true;
	return false;
}

/* "-n, --net[=FILE]   network namespace", '*' marking nsx's own */
static void print_nstype_help(FILE *out, bool file)
{
	char buf[32];
	size_t i;

	for (i = 0; i < NR_NSTYPES; i++) {
		snprintf(buf, sizeof(buf), "--%s%s", nstypes[i].name,
			 file ? "[=FILE]" : "");
		fprintf(out, "%c -%c, %-20s %s\n", nstypes[i].own ? '*' : ' ',
			nstypes[i].opt, buf, nstypes[i].help);
	}
}

/* Whether the running kernel has namespaces of type t. */
static bool have_nstype(const struct nstype *t)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/self/ns/%s", t->proc);
	return !stat(path, &st) || errno != ENOENT;
}

/*
 * unshare() and setns() fail with EINVAL for a flag the kernel does not
 * know; "Invalid argument" alone leaves the user guessing, so when one
 * of the types in flags has no /proc/self/ns entry, say so and exit.
 * Returns, with errno as it was, if every type is there (or /proc is
 * not mounted, when nothing can be told).
 */
static void explain_einval(int flags)
{
	int err = errno;
	struct stat st;
	size_t i;

	if (err != EINVAL || stat("/proc/self/ns", &st))
		goto out;
	for (i = 0; i < NR_NSTYPES; i++) {
		if (!(flags & nstypes[i].flag) || have_nstype(&nstypes[i]))
			continue;
		fprintf(stderr, "nsx: this kernel has no %s namespaces\n",
			nstypes[i].name);
		exit(EXIT_TOOL);
	}
out:
	errno = err;
}

/* ---- running the command ---------------------------------------- */

static noreturn void exec_command(char **argv)
{
	char *shell_argv[2];

	if (!argv[0]) {
		shell_argv[0] = getenv("SHELL");
		if (!shell_argv[0] || !*shell_argv[0])
			shell_argv[0] = "/bin/sh";
		shell_argv[1] = NULL;
		argv = shell_argv;
	}
	execvp(argv[0], argv);
	fprintf(stderr, "nsx: exec %s: %s\n", argv[0], strerror(errno));
	exit(errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC);
}

static pid_t child_pid;

/* The cgroup nsx made for the limits, which its first process removes */
static char cgroup_dir[PATH_MAX];

/*
 * Remove the cgroup: it stays populated until the last task in it has
 * been reaped, which may be a moment after the child we waited for.
 * Only async-signal-safe calls: forward_signal() calls this.
 */
static void remove_cgroup(void)
{
	struct timespec nap = { 0, 10 * 1000 * 1000 };
	int i;

	if (!cgroup_dir[0])
		return;
	for (i = 0; i < 500 && rmdir(cgroup_dir) && errno == EBUSY; i++)
		nanosleep(&nap, NULL);
}

/*
 * Pass the signal on, then die of it ourselves: the child may ignore it
 * (init of a new pid namespace ignores signals it has no handler for),
 * but whoever sent it asked nsx to go.
 */
static void forward_signal(int sig)
{
	if (child_pid > 0) {
		kill(child_pid, sig);
		if (cgroup_dir[0]) {
			while (waitpid(child_pid, NULL, 0) < 0 && errno == EINTR)
				;
			remove_cgroup();
		}
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * Fork; the child returns, the parent waits for it and exits with its
 * status (128 + signal number if it was killed). Terminal signals reach
 * the child from the terminal itself, so the parent ignores them;
 * SIGTERM and SIGHUP are passed on.
 */
static void fork_and_wait(void)
{
	struct sigaction sa = { .sa_handler = forward_signal };
	int status;

	fflush(NULL);
	child_pid = fork();
	if (child_pid < 0)
		die("fork");
	if (child_pid == 0)
		return;

	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	while (waitpid(child_pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	remove_cgroup();
	if (WIFEXITED(status))
		exit(WEXITSTATUS(status));
	if (WIFSIGNALED(status))
		exit(128 + WTERMSIG(status));
	exit(EXIT_TOOL);
}

/* ---- nsx run ----------------------------------------------------- */

enum propagation { PROP_UNCHANGED, PROP_PRIVATE, PROP_SHARED, PROP_SLAVE };

/* --map-users, --map-groups: count ids from outer are inner up inside */
struct idrange {
	bool set;
	unsigned int outer, inner, count;
};

struct run_opts {
	int flags;			/* CLONE_NEW* to unshare */
	bool fork;
	bool map_user, map_group;
	uid_t inner_uid;		/* mapped to our euid */
	gid_t inner_gid;		/* mapped to our egid */
	struct idrange users, groups;	/* --map-users, --map-groups */
	bool no_kmsg;
	const char *proc_dir;		/* --mount-proc */
	enum propagation propagation;
	bool monotonic_set, boottime_set, realtime_set;
	struct timespec monotonic, boottime;
	struct realtime realtime;
	const char *hostname;
	unsigned long long memory;	/* --memory, bytes; 0: none */
	unsigned long long swap;	/* --swap, bytes; 0: none */
	bool swap_set;
	unsigned long cpus;		/* --cpus, in CPU_PERIOD us; 0: none */
	const char *cpuset_cpus;	/* --cpuset-cpus */
	bool view;
};

static const struct option run_options[] = {
	{ "fork", no_argument, NULL, 'f' },
	{ "map-root-user", no_argument, NULL, 'r' },
	{ "map-current-user", no_argument, NULL, 'c' },
	{ "map-user", required_argument, NULL, OPT_MAP_USER },
	{ "map-group", required_argument, NULL, OPT_MAP_GROUP },
	{ "map-users", required_argument, NULL, OPT_MAP_USERS },
	{ "map-groups", required_argument, NULL, OPT_MAP_GROUPS },
	{ "mount-proc", optional_argument, NULL, OPT_MOUNT_PROC },
	{ "propagation", required_argument, NULL, OPT_PROPAGATION },
	{ "monotonic", required_argument, NULL, OPT_MONOTONIC },
	{ "boottime", required_argument, NULL, OPT_BOOTTIME },
	{ "realtime", required_argument, NULL, OPT_REALTIME },
	{ "hostname", required_argument, NULL, OPT_HOSTNAME },
	{ "memory", required_argument, NULL, OPT_MEMORY },
	{ "swap", required_argument, NULL, OPT_SWAP },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS },
	{ "view", no_argument, NULL, OPT_VIEW },
	{ "no-kmsg", no_argument, NULL, OPT_NO_KMSG },
	{ NULL, 0, NULL, 0 }
};

static noreturn void run_help(void)
{
	printf("Usage: nsx run [OPTIONS] [--] [COMMAND [ARGS...]]\n"
	       "\n"
	       "Run COMMAND (default: $SHELL or /bin/sh) in new namespaces.\n"
	       "\n"
	       "Namespaces to create:\n");
	print_nstype_help(stdout, false);
	printf("\n"
	       "Options:\n"
	       "  -f, --fork               fork before running COMMAND\n"
	       "                           (implied by --pid and --time)\n"
	       "  -r, --map-root-user      map the current user and group to root\n"
	       "                           (implies --user)\n"
	       "  -c, --map-current-user   map the current user and group to themselves\n"
	       "                           (implies --user)\n"
	       "      --map-user=UID       map the current user to UID (implies --user)\n"
	       "      --map-group=GID      map the current group to GID (implies --user)\n"
	       "      --map-users=OUTERUID,INNERUID,COUNT\n"
	       "                           map COUNT users from OUTERUID to INNERUID\n"
	       "                           (implies --user; needs privilege)\n"
	       "      --map-groups=OUTERGID,INNERGID,COUNT\n"
	       "                           map COUNT groups from OUTERGID to INNERGID\n"
	       "                           (implies --user; needs privilege)\n"
	       "      --mount-proc[=DIR]   mount a new proc at DIR, default /proc\n"
	       "                           (implies --mount; use with --pid)\n"
	       "      --propagation=MODE   propagation of all mounts: private, shared,\n"
	       "                           slave or unchanged (default: private)\n"
	       "      --monotonic=SECONDS  CLOCK_MONOTONIC offset, e.g. 3600 or -1.5\n"
	       "                           (implies --time)\n"
	       "      --boottime=SECONDS   CLOCK_BOOTTIME offset (implies --time)\n"
	       "*     --realtime=WHEN      CLOCK_REALTIME offset (implies --time): SECONDS,\n"
	       "                           a signed offset in units y, w, d, h, m, s\n"
	       "                           (+20y, -3d, +1h30m), or the UTC date and time\n"
	       "                           to start at (2040-01-01, 2040-01-01T12:00:00,\n"
	       "                           @SECONDS since the epoch)\n"
	       "*     --hostname=NAME      set the hostname (implies --uts)\n"
	       "      --memory=SIZE        run in a new cgroup limited to SIZE bytes\n"
	       "                           (suffixes K, M, G, T: powers of 1024) under\n"
	       "                           /sys/fs/cgroup, removed at exit (implies\n"
	       "                           --cgroup; needs root)\n"
	       "*     --swap=SIZE          the same, with SIZE bytes of swap (0: none)\n"
	       "      --cpus=N             the same, with N CPUs of time (0.5, 2)\n"
	       "      --cpuset-cpus=LIST   the same, on the CPUs of LIST (0-1,3)\n"
	       "*     --view               show the cgroup namespace's own memory, CPUs,\n"
	       "                           CPU time, load and disk I/O in /proc/meminfo,\n"
	       "                           /proc/swaps, sysinfo(2), /proc/cpuinfo,\n"
	       "                           /sys/devices/system/cpu/online, /proc/stat,\n"
	       "                           /proc/uptime, /proc/loadavg and /proc/diskstats\n"
	       "                           (implies --cgroup)\n"
	       "*     --no-kmsg            do not give the container's root a /dev/kmsg\n"
	       "                           of its own (given with --syslog, --mount and\n"
	       "                           --user when uid 0 inside is not root outside)\n"
	       "  -h, --help               show this help and exit\n"
	       "  -V, --version            show the version and exit\n"
	       "\n"
	       "The options are those of unshare(1), except those marked '*': nsx's own,\n"
	       "and --memory, --cpus and --cpuset-cpus, docker run's.\n"
	       "Exit status: that of COMMAND (128+N if killed by signal N), 126 or\n"
	       "127 if it cannot be run, 1 on other errors, 2 on usage errors.\n");
	exit(EXIT_SUCCESS);
}

static enum propagation parse_propagation(const char *s)
{
	if (!strcmp(s, "private"))
		return PROP_PRIVATE;
	if (!strcmp(s, "shared"))
		return PROP_SHARED;
	if (!strcmp(s, "slave"))
		return PROP_SLAVE;
	if (!strcmp(s, "unchanged"))
		return PROP_UNCHANGED;
	usage_error("invalid propagation mode: '%s'", s);
}

/* The period of --cpus's cpu.max, in microseconds (the kernel's default) */
#define CPU_PERIOD 100000UL

/*
 * --cpus=N: a decimal number of CPUs, with up to five decimals (one
 * microsecond of CPU_PERIOD); at least 0.01, cpu.max's 1 ms minimum, and
 * no more than a million.
 */
static unsigned long parse_cpus(const char *s)
{
	unsigned long n = 0, scale = CPU_PERIOD;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		goto invalid;
	for (; isdigit((unsigned char)*p); p++) {
		n = n * 10 + (*p - '0');
		if (n > 1000000)
			usage_error("--cpus out of range: '%s'", s);
	}
	n *= CPU_PERIOD;
	if (*p == '.') {
		if (!isdigit((unsigned char)*++p))
			goto invalid;
		for (; isdigit((unsigned char)*p); p++) {
			scale /= 10;
			if (!scale)
				usage_error("--cpus has more than five decimals: '%s'", s);
			n += (*p - '0') * scale;
		}
	}
	if (*p)
		goto invalid;
	if (n < 1000)
		usage_error("--cpus must be at least 0.01: '%s'", s);
	return n;
invalid:
	usage_error("invalid --cpus: '%s' (a number of CPUs, such as 0.5 or 2)", s);
}

/* --memory=SIZE: bytes, or a number with K, M, G or T (powers of 1024) */
static unsigned long long parse_size(const char *s, const char *opt)
{
	static const char units[] = "KMGT";
	unsigned long long n;
	const char *u;
	char *end;

	if (!isdigit((unsigned char)*s))
		goto invalid;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno == ERANGE)
		usage_error("%s out of range: '%s'", opt, s);
	if (*end) {
		u = strchr(units, toupper((unsigned char)*end));
		if (!u || end[1])
			goto invalid;
		if (__builtin_mul_overflow(n, 1ULL << (10 * (u - units + 1)), &n))
			usage_error("%s out of range: '%s'", opt, s);
	}
	if (!n && strcmp(opt, "--swap"))
		usage_error("%s must not be 0", opt);
	return n;
invalid:
	usage_error("invalid %s: '%s' (bytes, or a number with K, M, G or T)", opt, s);
}

static bool id_in(unsigned int id, unsigned int first, unsigned int count)
{
	return id >= first && id - first < count;
}

/*
 * OUTER,INNER,COUNT, the form of util-linux 2.38's unshare(1). The
 * kernel takes ids below 4294967295 ((u32)-1 is no id), so a range must
 * end there.
 */
static struct idrange parse_idrange(const char *s, const char *opt,
				    const char *form)
{
	unsigned long long v[3];
	struct idrange r;
	const char *p = s;
	char *end;
	int i;

	if (!strcmp(s, "auto"))
		usage_error("%s=auto (subordinate ids and newuidmap(1)) is not supported; give %s",
			    opt, form);
	for (i = 0; i < 3; i++) {
		if (!isdigit((unsigned char)*p))
			goto invalid;
		errno = 0;
		v[i] = strtoull(p, &end, 10);
		if (errno == ERANGE || v[i] > UINT32_MAX)
			usage_error("%s out of range: '%s'", opt, s);
		if (*end != (i < 2 ? ',' : '\0'))
			goto invalid;
		p = end + 1;
	}
	if (!v[2])
		usage_error("%s maps no ids: '%s'", opt, s);
	if (v[0] + v[2] > UINT32_MAX || v[1] + v[2] > UINT32_MAX)
		usage_error("%s out of range: '%s'", opt, s);
	r.set = true;
	r.outer = v[0];
	r.inner = v[1];
	r.count = v[2];
	return r;
invalid:
	usage_error("invalid %s: '%s' (%s)", opt, s, form);
}

/*
 * The kernel refuses a map whose lines overlap, inside or outside: say
 * so rather than pass on its EINVAL. (unshare(1) cuts the single id out
 * of the range instead; nsx asks for ranges that leave it out.)
 */
static void check_overlap(bool single, unsigned int inner, unsigned int outer,
			  const struct idrange *r, const char *what)
{
	if (single && r->set &&
	    (id_in(inner, r->inner, r->count) ||
	     id_in(outer, r->outer, r->count)))
		usage_error("the --map-%ss range overlaps the mapping of the current %s (%u to %u inside)",
			    what, what, outer, inner);
}

static void parse_run_opts(int argc, char **argv, struct run_opts *o)
{
	const struct nstype *t;
	struct optset set;
	int c;

	init_opts(&set, run_options, no_argument);
	while ((c = next_cmd_opt(argc, argv, &set, run_help)) != -1) {
		t = nstype_by_opt(c);
		if (t) {
			o->flags |= t->flag;
			continue;
		}
		switch (c) {
		case 'f':
			o->fork = true;
			break;
		case 'r':
			o->flags |= CLONE_NEWUSER;
			if (!o->map_user)
				o->inner_uid = 0;
			if (!o->map_group)
				o->inner_gid = 0;
			o->map_user = true;
			o->map_group = true;
			break;
		case 'c':
			o->flags |= CLONE_NEWUSER;
			if (!o->map_user)
				o->inner_uid = geteuid();
			if (!o->map_group)
				o->inner_gid = getegid();
			o->map_user = true;
			o->map_group = true;
			break;
		case OPT_MAP_USER:
			o->flags |= CLONE_NEWUSER;
			o->map_user = true;
			o->inner_uid = parse_ll(optarg, 0, UINT32_MAX - 1,
						"UID");
			break;
		case OPT_MAP_GROUP:
			o->flags |= CLONE_NEWUSER;
			o->map_group = true;
			o->inner_gid = parse_ll(optarg, 0, UINT32_MAX - 1,
						"GID");
			break;
		case OPT_MAP_USERS:
			o->flags |= CLONE_NEWUSER;
			o->users = parse_idrange(optarg, "--map-users",
						 "OUTERUID,INNERUID,COUNT");
			break;
		case OPT_MAP_GROUPS:
			o->flags |= CLONE_NEWUSER;
			o->groups = parse_idrange(optarg, "--map-groups",
						  "OUTERGID,INNERGID,COUNT");
			break;
		case OPT_NO_KMSG:
			o->no_kmsg = true;
			break;
		case OPT_MOUNT_PROC:
			o->flags |= CLONE_NEWNS;
			o->proc_dir = optarg ? optarg : "/proc";
			if (!*o->proc_dir)
				usage_error("empty --mount-proc directory");
			break;
		case OPT_PROPAGATION:
			o->propagation = parse_propagation(optarg);
			break;
		case OPT_MONOTONIC:
			o->flags |= CLONE_NEWTIME;
			o->monotonic_set = true;
			o->monotonic = parse_offset(optarg, "monotonic offset");
			break;
		case OPT_BOOTTIME:
			o->flags |= CLONE_NEWTIME;
			o->boottime_set = true;
			o->boottime = parse_offset(optarg, "boottime offset");
			break;
		case OPT_REALTIME:
			o->flags |= CLONE_NEWTIME;
			o->realtime_set = true;
			o->realtime = parse_realtime(optarg);
			break;
		case OPT_MEMORY:
			o->flags |= CLONE_NEWCGROUP;
			o->memory = parse_size(optarg, "--memory");
			break;
		case OPT_SWAP:
			o->flags |= CLONE_NEWCGROUP;
			o->swap = parse_size(optarg, "--swap");
			o->swap_set = true;
			break;
		case OPT_CPUS:
			o->flags |= CLONE_NEWCGROUP;
			o->cpus = parse_cpus(optarg);
			break;
		case OPT_CPUSET_CPUS:
			o->flags |= CLONE_NEWCGROUP;
			if (!*optarg || strspn(optarg, "0123456789,-") != strlen(optarg))
				usage_error("invalid --cpuset-cpus: '%s' (a CPU list, such as 0-1,3)",
					    optarg);
			o->cpuset_cpus = optarg;
			break;
		case OPT_VIEW:
			o->flags |= CLONE_NEWCGROUP;
			o->view = true;
			break;
		case OPT_HOSTNAME:
			o->flags |= CLONE_NEWUTS;
			if (strlen(optarg) > HOST_NAME_MAX)
				usage_error("hostname longer than %d bytes",
					    HOST_NAME_MAX);
			o->hostname = optarg;
			break;
		default:
			usage_error("unexpected option %d", c);
		}
	}
	if (flags_need_fork(o->flags))
		o->fork = true;
	check_overlap(o->map_user, o->inner_uid, geteuid(), &o->users, "user");
	check_overlap(o->map_group, o->inner_gid, getegid(), &o->groups,
		      "group");
}

/* One map: "INNER OUTER 1" for our own id, "INNER OUTER COUNT" for a range */
static void write_id_map(const char *path, bool single, unsigned int inner,
			 unsigned int outer, const struct idrange *r)
{
	char buf[128];
	int len = 0;

	if (single)
		len = snprintf(buf, sizeof(buf), "%u %u 1\n", inner, outer);
	if (r->set)
		snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n", r->inner,
			 r->outer, r->count);
	write_file(path, buf);
}

/*
 * The maps of the new user namespace of process pid (0: nsx itself):
 * our euid/egid to the requested ids, the ranges, or both. A map goes
 * in one write, as the kernel takes only one. nsx maps only its own ids
 * itself, which an unprivileged process may once setgroups is denied;
 * ranges need a privileged writer, which leaves setgroups allowed.
 */
static void write_id_maps(const struct run_opts *o, pid_t pid, uid_t uid,
			  gid_t gid)
{
	char dir[32], path[64];

	if (pid)
		snprintf(dir, sizeof(dir), "/proc/%d", (int)pid);
	else
		snprintf(dir, sizeof(dir), "/proc/self");
	if (o->map_group || o->groups.set) {
		if (!pid) {
			snprintf(path, sizeof(path), "%s/setgroups", dir);
			write_file(path, "deny");
		}
		snprintf(path, sizeof(path), "%s/gid_map", dir);
		write_id_map(path, o->map_group, o->inner_gid, gid, &o->groups);
	}
	if (o->map_user || o->users.set) {
		snprintf(path, sizeof(path), "%s/uid_map", dir);
		write_id_map(path, o->map_user, o->inner_uid, uid, &o->users);
	}
}

/*
 * A map with a range (--map-users, --map-groups) maps more than the
 * writer's own id, which takes CAP_SETUID or CAP_SETGID in the parent of
 * the new user namespace, for the writer and the opener of the map
 * file. Once nsx has unshared, it has every capability in the new
 * namespace but none in its parent. So, as unshare(1) does, nsx forks a
 * child first; it stays where nsx was, waits on a pipe until nsx has
 * unshared and writes the maps of nsx's new namespace for it
 * (map_writer_done() lets it go and waits for it). If nsx exits before,
 * the child sees the pipe close and exits too.
 */
static pid_t map_writer_start(const struct run_opts *o, uid_t uid, gid_t gid,
			      int *go)
{
	pid_t nsx = getpid(), pid;
	int pipefd[2];
	ssize_t n;
	char c;

	if (pipe2(pipefd, O_CLOEXEC))
		die("pipe");
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid > 0) {
		close(pipefd[0]);
		*go = pipefd[1];
		return pid;
	}

	close(pipefd[1]);
	do
		n = read(pipefd[0], &c, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1)
		write_id_maps(o, nsx, uid, gid);
	_exit(EXIT_SUCCESS);
}

static void map_writer_done(pid_t pid, int go)
{
	int status;

	if (write(go, "", 1) != 1)
		die("write to the id map writer");
	close(go);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	/* It has said what failed. */
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		exit(EXIT_TOOL);
}

/*
 * Our ids may have no mapping in the new namespace: root with only
 * --map-users=100000,0,65536, say. COMMAND would run as the overflow
 * user and lose its capabilities in exec(), as an unmapped uid is not
 * the namespace's root. nsx becomes the namespace's uid 0 and gid 0
 * instead, the container's root, when the ranges map them. It still
 * has its capabilities: they go only when a uid that was the
 * namespace's root is left. Supplementary groups, which are ours and
 * not the namespace's, are dropped.
 */
static void become_inner_root(const struct run_opts *o, uid_t uid, gid_t gid)
{
	if (o->groups.set && !o->map_group &&
	    !id_in(gid, o->groups.outer, o->groups.count) && !o->groups.inner) {
		if (setgroups(0, NULL))
			die("setgroups");
		if (setresgid(0, 0, 0))
			die("setgid 0");
	}
	if (o->users.set && !o->map_user &&
	    !id_in(uid, o->users.outer, o->users.count) && !o->users.inner) {
		if (setresuid(0, 0, 0))
			die("setuid 0");
	}
}

/*
 * The id that id 0 of the new user namespace maps to, if one does: our
 * own, mapped to 0 (--map-user=0, -r), or the first of a range mapped
 * from 0 on.
 */
static bool inner_zero(bool single, unsigned int inner, unsigned int self,
		       const struct idrange *r, unsigned int *outer)
{
	if (single && !inner) {
		*outer = self;
		return true;
	}
	if (r->set && !r->inner) {
		*outer = r->outer;
		return true;
	}
	return false;
}

/*
 * A /dev/kmsg for the container's root. /dev/kmsg belongs to root, mode
 * 0644: when uid 0 of a user namespace is not root outside, the
 * container's root cannot open it for writing (file mode; capabilities
 * in the namespace do not count for a file whose owner it does not
 * map), and so cannot write its own log, although the kernel would take
 * the write to its syslog namespace. nsx gives it a node of the same
 * device (1:11), mode 0600, owned by the ids that uid and gid 0 of the
 * namespace map to, bind-mounted over /dev/kmsg in the new mount
 * namespace. Opening it there opens the log of the opener's syslog
 * namespace, as /dev/kmsg does.
 *
 * The node is made before unshare(): mknod() of a device and chown()
 * need CAP_MKNOD and CAP_CHOWN outside, which nsx has only until then.
 * It goes in a new directory on a file system of the host, as a node
 * on one mounted in a user namespace cannot be opened; and not on a
 * nodev mount, which /run and /tmp often are, hence the candidates
 * below. The bind mount, made after unshare() so that it is only in
 * the new mount namespace (nothing propagates from there to ours: in a
 * new user namespace, shared mounts become slaves), keeps the inode, so
 * nsx removes the node and the directory right after it; an atexit()
 * handler does if nsx fails before.
 */
static const struct {
	const char *dir;
	bool make;		/* make dir if missing */
} kmsg_dirs[] = {
	{ "/run/nsx", true }, { "/tmp", false }, { "/dev", false },
};

static struct {
	char dir[64];		/* "" when there is none */
	char path[80];
	pid_t owner;		/* made by, and removed by, this process */
} kmsg_node;

static void remove_kmsg_node(void)
{
	if (!kmsg_node.dir[0] || kmsg_node.owner != getpid())
		return;
	unlink(kmsg_node.path);
	rmdir(kmsg_node.dir);
	kmsg_node.dir[0] = '\0';
}

/* Whether capability cap is in our effective set. */
static bool have_cap(unsigned int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[cap / 32].effective & (1U << (cap % 32));
}

/*
 * Make the node, if the namespaces ask for it: a new syslog, mount and
 * user namespace, and uid 0 inside that is not root outside. Without
 * CAP_MKNOD, nsx says so and goes on without it.
 */
static void make_kmsg_node(const struct run_opts *o, uid_t uid, gid_t gid)
{
	const int need = CLONE_NEWSYSLOG | CLONE_NEWNS | CLONE_NEWUSER;
	const dev_t kmsg = makedev(1, 11);
	unsigned int root_uid, root_gid;
	struct statvfs sv;
	struct stat st;
	size_t i;

	if (o->no_kmsg || (o->flags & need) != need ||
	    !inner_zero(o->map_user, o->inner_uid, uid, &o->users, &root_uid) ||
	    !root_uid)
		return;
	/* Without a gid 0 inside, the group stays: the mode is 0600. */
	if (!inner_zero(o->map_group, o->inner_gid, gid, &o->groups, &root_gid))
		root_gid = (gid_t)-1;
	/* No /dev/kmsg of the kernel's to cover: nothing to do. */
	if (lstat("/dev/kmsg", &st) || !S_ISCHR(st.st_mode) ||
	    st.st_rdev != kmsg)
		return;
	if (!have_cap(CAP_MKNOD))
		goto no_mknod;

	for (i = 0; i < ARRAY_SIZE(kmsg_dirs); i++) {
		if (kmsg_dirs[i].make && mkdir(kmsg_dirs[i].dir, 0700) &&
		    errno != EEXIST)
			continue;
		if (statvfs(kmsg_dirs[i].dir, &sv) ||
		    (sv.f_flag & (ST_NODEV | ST_RDONLY)))
			continue;
		snprintf(kmsg_node.dir, sizeof(kmsg_node.dir),
			 "%s/nsx-kmsg.XXXXXX", kmsg_dirs[i].dir);
		if (mkdtemp(kmsg_node.dir))
			break;
	}
	if (i == ARRAY_SIZE(kmsg_dirs)) {
		kmsg_node.dir[0] = '\0';
		fprintf(stderr, "nsx: no /dev/kmsg for the container's root: no directory in /run/nsx, /tmp or /dev may hold a device node\n");
		return;
	}
	kmsg_node.owner = getpid();
	atexit(remove_kmsg_node);

	snprintf(kmsg_node.path, sizeof(kmsg_node.path), "%s/kmsg",
		 kmsg_node.dir);
	if (mknod(kmsg_node.path, S_IFCHR | 0600, kmsg)) {
		if (errno != EPERM)
			die("mknod %s", kmsg_node.path);
		remove_kmsg_node();
		goto no_mknod;
	}
	if (chown(kmsg_node.path, root_uid, root_gid))
		die("chown %s", kmsg_node.path);
	return;
no_mknod:
	fprintf(stderr, "nsx: without CAP_MKNOD, no /dev/kmsg for the container's root: it cannot write its own log (--no-kmsg: do not try)\n");
}

/* After unshare(): the node over /dev/kmsg, then away with the node. */
static void mount_kmsg_node(void)
{
	if (!kmsg_node.dir[0])
		return;
	if (mount(kmsg_node.path, "/dev/kmsg", NULL, MS_BIND, NULL))
		die("bind-mount %s on /dev/kmsg", kmsg_node.path);
	if (unlink(kmsg_node.path))
		die("unlink %s", kmsg_node.path);
	if (rmdir(kmsg_node.dir))
		die("rmdir %s", kmsg_node.dir);
	kmsg_node.dir[0] = '\0';
}

/* What the kernel's refusal of an offset of clock with err likely means */
static const char *refusal_hint(clockid_t clock, int err)
{
	if (err == EINVAL && clock == CLOCK_REALTIME)
		return " (is the kernel an nsx kernel with realtime time namespace offsets?)";
	if (err == ERANGE && clock == CLOCK_REALTIME)
		return " (the wall clock in the namespace must be between 1970 and about 2116)";
	if (err == ERANGE)
		return " (the clock in the namespace must be between 0 and about 146 years)";
	if (err == EACCES)
		return " (a task has entered the time namespace already)";
	if (err == EPERM)
		return " (it needs CAP_SYS_TIME in the time namespace's user namespace)";
	return "";
}

/*
 * One offset, in a write of its own, so that a refusal is known to be
 * this offset's; the kernel's error alone says little, so say more.
 */
static void write_time_offset(clockid_t clock, const char *name,
			      const struct timespec *off)
{
	static const char path[] = "/proc/self/timens_offsets";
	char buf[64], val[32];
	ssize_t n;
	int fd, err;

	snprintf(buf, sizeof(buf), "%d %lld %ld\n", (int)clock,
		 (long long)off->tv_sec, off->tv_nsec);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		die("open %s", path);
	n = write(fd, buf, strlen(buf));
	err = n < 0 ? errno : EIO;
	close(fd);
	if ((size_t)n == strlen(buf))
		return;

	format_seconds(val, sizeof(val), off);
	fprintf(stderr, "nsx: the kernel refused the %s offset of %s s: %s%s\n",
		name, val, strerror(err), refusal_hint(clock, err));
	exit(EXIT_TOOL);
}

/*
 * The host's wall clock, which the kernel keeps the offsets from: nsx
 * itself may run in a time namespace with a realtime offset. A new
 * namespace starts with the offsets of its parent, so until its own is
 * written, timens_offsets shows that offset; a kernel without realtime
 * offsets has no line for it.
 *
 * The clock is read at tick resolution: time() and the other coarse
 * reads lag the fine clock by up to a tick, and a finer reading would
 * let them show a second before a date asked for, 2039-12-31 23:59:59
 * for 2040-01-01. The fine clock then starts up to a tick past it.
 */
static void host_realtime(struct timespec *now)
{
	static const char path[] = "/proc/self/timens_offsets";
	char clock[16];
	long long sec;
	long nsec;
	FILE *f;

	if (clock_gettime(CLOCK_REALTIME_COARSE, now))
		die("clock_gettime CLOCK_REALTIME_COARSE");
	f = fopen(path, "re");
	if (!f)
		die("open %s", path);
	while (fscanf(f, "%15s %lld %ld", clock, &sec, &nsec) == 3) {
		if (strcmp(clock, "realtime"))
			continue;
		now->tv_sec -= sec;
		now->tv_nsec -= nsec;
		if (now->tv_nsec < 0) {
			now->tv_sec--;
			now->tv_nsec += NSEC_PER_SEC;
		}
	}
	fclose(f);
}

/*
 * The offsets of the new time namespace can be set only before a task
 * enters it: after unshare(CLONE_NEWTIME), before the fork. The wall
 * clock offset is worked out against the host's clock last, so that
 * the command starts at (about) the time asked for.
 */
static void write_time_offsets(const struct run_opts *o)
{
	struct timespec now, off;

	if (o->monotonic_set)
		write_time_offset(CLOCK_MONOTONIC, "monotonic", &o->monotonic);
	if (o->boottime_set)
		write_time_offset(CLOCK_BOOTTIME, "boottime", &o->boottime);
	if (o->realtime_set) {
		host_realtime(&now);
		if (!realtime_offset(&o->realtime, &now, &off)) {
			errno = EOVERFLOW;
			die("the realtime offset");
		}
		write_time_offset(CLOCK_REALTIME, "realtime", &off);
	}
}

static void set_propagation(enum propagation prop)
{
	static const struct {
		unsigned long flag;
		const char *name;
	} mode[] = {
		[PROP_PRIVATE] = { MS_PRIVATE, "rprivate" },
		[PROP_SHARED] = { MS_SHARED, "rshared" },
		[PROP_SLAVE] = { MS_SLAVE, "rslave" },
	};

	if (prop == PROP_UNCHANGED)
		return;
	if (mount(NULL, "/", NULL, MS_REC | mode[prop].flag, NULL))
		die("make / %s", mode[prop].name);
}

/*
 * A proc for the pid namespace we are in (so, after the fork). The
 * mount point itself is made private first if it is a mount, so that
 * nothing propagates back whatever --propagation said.
 */
static void mount_proc(const char *dir)
{
	if (mount(NULL, dir, NULL, MS_REC | MS_PRIVATE, NULL) &&
	    errno != EINVAL)
		die("make %s private", dir);
	if (mount("proc", dir, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL))
		die("mount proc on %s", dir);
}

/* Whether a run asks for a cgroup of its own */
static bool wants_cgroup(const struct run_opts *o)
{
	return o->memory || o->swap_set || o->cpus || o->cpuset_cpus;
}

/* Write @val to the new cgroup's @file; on failure, remove it and die. */
static void write_cgroup(const char *file, const char *val)
{
	char path[PATH_MAX + 32];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", cgroup_dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0 && write(fd, val, strlen(val)) == (ssize_t)strlen(val)) {
		close(fd);
		return;
	}
	if (fd >= 0)
		close(fd);
	fprintf(stderr, "nsx run: %s = %s: %s\n", file, val, strerror(errno));
	rmdir(cgroup_dir);
	exit(EXIT_TOOL);
}

/* Whether cgroup.controllers of @dir lists @name */
static bool has_controller(const char *dir, const char *name)
{
	char path[PATH_MAX], buf[512], *tok, *save = NULL;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/cgroup.controllers", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
		if (!strcmp(tok, name))
			return true;
	return false;
}

/*
 * --memory, --swap, --cpus, --cpuset-cpus: a cgroup of its own under the
 * cgroup2 root, with those limits. nsx forks: the parent stays where it
 * was and removes the cgroup when the command is done; the child moves
 * into it and goes on, so that the cgroup namespace it creates next is
 * rooted there.
 */
static void make_cgroup(const struct run_opts *o)
{
	const char *root = "/sys/fs/cgroup";
	char path[PATH_MAX + 32], buf[64];
	struct statfs sfs;

	if (statfs(root, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC)
		die("the cgroup limits need cgroup v2 mounted on %s", root);
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", root);
	if (o->memory || o->swap_set)
		write_file(path, "+memory");
	if (o->cpus)
		write_file(path, "+cpu");
	if (o->cpuset_cpus)
		write_file(path, "+cpuset");
	/*
	 * The view of the disks shows the I/O the io controller counts for
	 * the cgroup: enable it where there is one (the view shows the
	 * host's lines where not).
	 */
	if (o->view && has_controller(root, "io"))
		write_file(path, "+io");
	snprintf(cgroup_dir, sizeof(cgroup_dir), "%s/nsx.%d", root, (int)getpid());
	if (mkdir(cgroup_dir, 0755)) {
		cgroup_dir[0] = '\0';
		die("mkdir %s/nsx.%d", root, (int)getpid());
	}
	if (o->memory) {
		snprintf(buf, sizeof(buf), "%llu", o->memory);
		write_cgroup("memory.max", buf);
	}
	if (o->swap_set) {
		snprintf(buf, sizeof(buf), "%llu", o->swap);
		write_cgroup("memory.swap.max", buf);
	}
	if (o->cpus) {
		snprintf(buf, sizeof(buf), "%lu %lu", o->cpus, CPU_PERIOD);
		write_cgroup("cpu.max", buf);
	}
	if (o->cpuset_cpus)
		write_cgroup("cpuset.cpus", o->cpuset_cpus);

	fork_and_wait();	/* only the child returns */
	snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup_dir);
	write_file(path, "0");
	cgroup_dir[0] = '\0';	/* the parent's to remove */
}

/* NS_CGROUP_SET_VIEW; 0 or -errno */
static int set_view_flags(int fd, __u64 view)
{
	return ioctl(fd, NS_CGROUP_SET_VIEW, &view) ? -errno : 0;
}

/*
 * --view: the new cgroup namespace shows its own memory, CPUs, CPU time,
 * load and disk I/O. A part this kernel does not know (EINVAL; the newest
 * first) or this system cannot show (EOPNOTSUPP: no cpuset or cpu
 * controller, no PSI, no io controller; each tried with the memory alone)
 * is left out, with a warning; the memory is the least it shows.
 */
static void set_view(void)
{
	static const struct {
		__u64 flag;
		const char *what;
	} parts[] = {
		{ NS_CGROUP_VIEW_DISKS, "of the disks' I/O" },
		{ NS_CGROUP_VIEW_LOAD, "of the load average" },
		{ NS_CGROUP_VIEW_STAT, "of /proc/stat" },
		{ NS_CGROUP_VIEW_CPUS, "of the CPUs" },
	};
	__u64 view = NS_CGROUP_VIEW_MEMORY | NS_CGROUP_VIEW_CPUS | NS_CGROUP_VIEW_STAT |
		     NS_CGROUP_VIEW_LOAD | NS_CGROUP_VIEW_DISKS;
	__u64 dropped = 0;
	int fd, err;
	size_t i;

	fd = open("/proc/self/ns/cgroup", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open /proc/self/ns/cgroup");
	for (;;) {
		__u64 before = view;

		err = set_view_flags(fd, view);
		if (err == -EOPNOTSUPP) {
			/* Which parts the system lacks: each with the memory alone */
			for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
				if ((view & parts[i].flag) &&
				    set_view_flags(fd, NS_CGROUP_VIEW_MEMORY | parts[i].flag) ==
				    -EOPNOTSUPP) {
					view &= ~parts[i].flag;
					dropped |= parts[i].flag;
				}
			}
			if (view == before)
				break;
		} else if (err == -EINVAL && view != NS_CGROUP_VIEW_MEMORY) {
			for (i = 0; !(view & parts[i].flag); i++)
				;
			view &= ~parts[i].flag;
			dropped |= parts[i].flag;
		} else {
			break;
		}
	}
	if (err == -ENOTTY || err == -EINVAL) {
		fprintf(stderr, "nsx: this kernel has no cgroup view (NS_CGROUP_SET_VIEW)\n");
		exit(EXIT_TOOL);
	}
	if (err) {
		errno = -err;
		die("NS_CGROUP_SET_VIEW");
	}
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (dropped & parts[i].flag)
			fprintf(stderr, "nsx run: --view: no view %s here\n", parts[i].what);
	close(fd);
}

static int cmd_run(int argc, char **argv)
{
	struct run_opts o = { .propagation = PROP_PRIVATE };
	uid_t uid = geteuid();
	gid_t gid = getegid();
	pid_t writer = 0;
	bool ranges;
	int go = -1;

	cmdname = "nsx run";
	parse_run_opts(argc, argv, &o);
	/* First: the helpers below work for the process that stays in it. */
	if (wants_cgroup(&o))
		make_cgroup(&o);

	ranges = o.users.set || o.groups.set;
	if (ranges)
		writer = map_writer_start(&o, uid, gid, &go);
	make_kmsg_node(&o, uid, gid);

	if (o.flags && unshare(o.flags)) {
		explain_einval(o.flags);
		die("unshare");
	}
	if (o.view)
		set_view();
	if (ranges)
		map_writer_done(writer, go);
	else if (o.flags & CLONE_NEWUSER)
		write_id_maps(&o, 0, uid, gid);
	if (o.flags & CLONE_NEWTIME)
		write_time_offsets(&o);
	if (o.hostname && sethostname(o.hostname, strlen(o.hostname)))
		die("sethostname %s", o.hostname);
	if (o.flags & CLONE_NEWNS)
		set_propagation(o.propagation);
	/* Before become_inner_root(): the node's directory is ours. */
	mount_kmsg_node();
	become_inner_root(&o, uid, gid);

	if (o.fork)
		fork_and_wait();	/* only the child returns */
	if (o.proc_dir)
		mount_proc(o.proc_dir);
	exec_command(argv + optind);
}

/* ---- nsx enter --------------------------------------------------- */

static const struct option enter_options[] = {
	{ "target", required_argument, NULL, 't' },
	{ "pidfd", required_argument, NULL, OPT_PIDFD },
	{ "all", no_argument, NULL, 'a' },
	{ "preserve-credentials", no_argument, NULL, OPT_PRESERVE_CRED },
	{ NULL, 0, NULL, 0 }
};

static noreturn void enter_help(void)
{
	printf("Usage: nsx enter (-t PID | --pidfd=FD) [OPTIONS] [--] [COMMAND [ARGS...]]\n"
	       "       nsx enter --TYPE=FILE... [OPTIONS] [--] [COMMAND [ARGS...]]\n"
	       "\n"
	       "Run COMMAND (default: $SHELL or /bin/sh) in namespaces of a process, or\n"
	       "in the namespaces that files such as /proc/PID/ns/net or /run/netns/NAME\n"
	       "refer to.\n"
	       "\n"
	       "Namespaces to enter (the target's, or the one FILE refers to):\n");
	print_nstype_help(stdout, true);
	printf("  -a, --all                every namespace of the target that differs\n"
	       "                           from ours\n"
	       "\n"
	       "Options:\n"
	       "  -t, --target=PID         the process whose namespaces to enter\n"
	       "*     --pidfd=FD           the process whose namespaces to enter, as a\n"
	       "                           pidfd this command inherits on descriptor FD\n"
	       "      --preserve-credentials\n"
	       "                           keep uid, gid and groups when entering a user\n"
	       "                           namespace (default: become its root)\n"
	       "  -h, --help               show this help and exit\n"
	       "  -V, --version            show the version and exit\n"
	       "\n"
	       "The options are those of nsenter(1), except those marked '*': nsx's own.\n"
	       "A target's namespaces are entered at once with setns() on a pidfd; then\n"
	       "each FILE's, the user namespace last.\n"
	       "Exit status: that of COMMAND (128+N if killed by signal N), 126 or\n"
	       "127 if it cannot be run, 1 on other errors, 2 on usage errors.\n");
	exit(EXIT_SUCCESS);
}

/*
 * Compare /proc/self/ns/X and /proc/PID/ns/X. Returns 1 if they differ,
 * 0 if they are the same, -1 if either is missing (type not supported).
 */
static int ns_differs(pid_t pid, const struct nstype *t)
{
	char path[64];
	struct stat self, other;

	snprintf(path, sizeof(path), "/proc/self/ns/%s", t->proc);
	if (stat(path, &self)) {
		if (errno == ENOENT)
			return -1;
		die("stat %s", path);
	}
	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, t->proc);
	if (stat(path, &other)) {
		if (errno == ENOENT)
			return -1;
		die("stat %s", path);
	}
	return self.st_dev != other.st_dev || self.st_ino != other.st_ino;
}

static void become_root(void)
{
	if (setgroups(0, NULL) && errno != EPERM)
		die("setgroups");
	if (setgid(0))
		die("setgid 0");
	if (setuid(0))
		die("setuid 0");
}

/*
 * The pid of the process a pidfd refers to, from the "Pid:" line the
 * kernel shows in its fdinfo; a descriptor without one is no pidfd.
 */
static pid_t pidfd_pid(int fd)
{
	char path[64], line[128];
	bool found = false;
	long pid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			errno = EBADF;
		die("--pidfd=%d", fd);
	}
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "Pid: %ld", &pid) == 1;
	fclose(f);
	if (!found) {
		fprintf(stderr, "nsx: descriptor %d is not a pidfd\n", fd);
		exit(EXIT_TOOL);
	}
	/* -1: it has exited; 0: not in our pid namespace or below */
	if (pid <= 0) {
		errno = ESRCH;
		die("the process of pidfd %d", fd);
	}
	return (pid_t)pid;
}

/* Enter the namespace FILE refers to, of type t */
static void enter_file(int fd, const char *file, const struct nstype *t)
{
	if (setns(fd, t->flag)) {
		explain_einval(t->flag);
		die("setns %s (%s namespace)", file, t->name);
	}
	close(fd);
}

static int cmd_enter(int argc, char **argv)
{
	const char *files[NR_NSTYPES] = { NULL };
	int fds[NR_NSTYPES];
	const struct nstype *t, *user = nstype_by_flag(CLONE_NEWUSER);
	bool all = false, preserve = false;
	int flags = 0, file_flags = 0, pidfd = -1, c;
	struct optset set;
	pid_t pid = 0;
	size_t i;

	cmdname = "nsx enter";
	init_opts(&set, enter_options, optional_argument);
	while ((c = next_cmd_opt(argc, argv, &set, enter_help)) != -1) {
		t = nstype_by_opt(c);
		if (t && optarg) {
			if (!*optarg)
				usage_error("empty --%s file", t->name);
			files[t - nstypes] = optarg;
			file_flags |= t->flag;
			continue;
		}
		if (t) {
			flags |= t->flag;
			continue;
		}
		switch (c) {
		case 't':
			pid = parse_pid(optarg);
			break;
		case OPT_PIDFD:
			pidfd = parse_ll(optarg, 0, INT_MAX, "pidfd");
			break;
		case 'a':
			all = true;
			break;
		case OPT_PRESERVE_CRED:
			preserve = true;
			break;
		default:
			usage_error("unexpected option %d", c);
		}
	}
	if (pid && pidfd >= 0)
		usage_error("-t and --pidfd both name a target; use one");
	if (!pid && pidfd < 0 && (flags || all))
		usage_error("no target process; use -t PID or --pidfd=FD");
	if (!flags && !all && !file_flags)
		usage_error("nothing to enter; use -a or namespace options");
	if (flags & file_flags)
		usage_error("a namespace type given both with and without a file");

	/* Files are opened where we are, before entering anything. */
	for (i = 0; i < NR_NSTYPES; i++) {
		if (!files[i])
			continue;
		fds[i] = open(files[i], O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0)
			die("open %s", files[i]);
	}

	if (pid) {
		pidfd = pidfd_open(pid, 0);
		if (pidfd < 0)
			die("pidfd_open %d", (int)pid);
	} else if (pidfd >= 0) {
		pid = pidfd_pid(pidfd);
	}

	for (i = 0; pid && i < NR_NSTYPES; i++) {
		int diff;

		t = &nstypes[i];
		if (file_flags & t->flag)
			continue;
		if (!all && !(flags & t->flag))
			continue;
		diff = ns_differs(pid, t);
		if (all && diff == 1)
			flags |= t->flag;
		/* setns() into our own user namespace is EINVAL */
		if (t->flag == CLONE_NEWUSER && diff == 0)
			flags &= ~CLONE_NEWUSER;
	}
	/* The pid might have been reused while we read /proc/PID/ns. */
	if (pidfd >= 0 && pidfd_send_signal(pidfd, 0) && errno == ESRCH)
		die("process %d", (int)pid);

	if (flags && setns(pidfd, flags)) {
		explain_einval(flags);
		die("setns %d", (int)pid);
	}
	if (pidfd >= 0)
		close(pidfd);

	/*
	 * Then the files. A user namespace goes last: entering it first
	 * would leave us without the privilege the others need when they
	 * belong to an ancestor.
	 */
	for (i = 0; i < NR_NSTYPES; i++)
		if (files[i] && &nstypes[i] != user)
			enter_file(fds[i], files[i], &nstypes[i]);
	if (files[user - nstypes])
		enter_file(fds[user - nstypes], files[user - nstypes], user);
	flags |= file_flags;

	if ((flags & CLONE_NEWUSER) && !preserve)
		become_root();
	if (flags_need_fork(flags))
		fork_and_wait();	/* only the child returns */
	exec_command(argv + optind);
}

/* ---- nsx ns ------------------------------------------------------ */

static noreturn void ns_help(void)
{
	printf("Usage: nsx ns [PID]\n"
	       "\n"
	       "List the namespaces of process PID (default: nsx itself) as\n"
	       "\"TYPE INODE\" lines, one per entry of /proc/PID/ns. The syslog line\n"
	       "has a third field, \"syslog INODE ID\": the identifier of the syslog\n"
	       "namespace, which marks the lines written in it in the host's log as\n"
	       "\"syslogns[ID]: ...\" and, unlike the inode number, is never reused\n"
	       "(a kernel without identifiers gives none).\n"
	       "\n"
	       "Options:\n"
	       "  -h, --help               show this help and exit\n"
	       "  -V, --version            show the version and exit\n");
	exit(EXIT_SUCCESS);
}

static int skip_dots(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/*
 * The identifier of the syslog namespace that the nsfs file path refers
 * to, as NS_GET_SYSLOGNS_ID gives it: the ID of the "syslogns[ID]: " mark
 * of its lines in the host's log (1 for the initial namespace). Unlike
 * the inode number, it is never given to another namespace while the
 * system runs. False on a kernel without the ioctl.
 */
static bool syslog_ns_id(const char *path, unsigned long long *id)
{
	__u64 v;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open %s", path);
	if (ioctl(fd, NS_GET_SYSLOGNS_ID, &v)) {
		if (errno != ENOTTY && errno != EINVAL)
			die("ioctl NS_GET_SYSLOGNS_ID %s", path);
		close(fd);
		return false;
	}
	close(fd);
	*id = v;
	return true;
}

static int cmd_ns(int argc, char **argv)
{
	const struct nstype *t = nstype_by_flag(CLONE_NEWSYSLOG);
	char dir[64], path[sizeof(dir) + 1 + NAME_MAX + 1], link[128];
	struct dirent **names;
	unsigned long long id;
	struct optset set;
	const char *ino;
	ssize_t len;
	int c, i, n;

	cmdname = "nsx ns";
	init_opts(&set, NULL, TYPES_NONE);
	while ((c = next_cmd_opt(argc, argv, &set, ns_help)) != -1)
		usage_error("unexpected option %d", c);
	if (argc - optind > 1)
		usage_error("too many arguments");
	if (optind < argc)
		snprintf(dir, sizeof(dir), "/proc/%d/ns",
			 (int)parse_pid(argv[optind]));
	else
		snprintf(dir, sizeof(dir), "/proc/self/ns");

	n = scandir(dir, &names, skip_dots, alphasort);
	if (n < 0)
		die("%s", dir);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len < 0)
			die("readlink %s", path);
		link[len] = '\0';
		/* "uts:[4026531838]" */
		ino = strchr(link, '[');
		if (!ino || link[len - 1] != ']') {
			errno = EINVAL;
			die("unexpected link %s -> %s", path, link);
		}
		link[len - 1] = '\0';
		/* "syslog 4026532285 7" */
		if (!strcmp(names[i]->d_name, t->proc) &&
		    syslog_ns_id(path, &id))
			printf("%s %s %llu\n", names[i]->d_name, ino + 1, id);
		else
			printf("%s %s\n", names[i]->d_name, ino + 1);
		free(names[i]);
	}
	free(names);
	if (fflush(stdout) || ferror(stdout))
		die("write");
	return EXIT_SUCCESS;
}

/* ---- nsx dmesg --------------------------------------------------- */

static const struct option dmesg_options[] = {
	{ "raw", no_argument, NULL, 'r' },
	{ NULL, 0, NULL, 0 }
};

static noreturn void dmesg_help(void)
{
	printf("Usage: nsx dmesg [OPTIONS] [PID]\n"
	       "\n"
	       "Print the kernel log of the syslog namespace of process PID (default:\n"
	       "that of nsx itself), as syslog(2) reads it in that namespace.\n"
	       "\n"
	       "Options:\n"
	       "  -r, --raw                keep the <N> priority prefix of each record\n"
	       "  -h, --help               show this help and exit\n"
	       "  -V, --version            show the version and exit\n"
	       "\n"
	       "The log of another namespace is read by a child that enters it with\n"
	       "setns() on a pidfd of PID, which needs CAP_SYS_ADMIN in the user\n"
	       "namespace that owns it. Exit status: 0, 1 on errors, 2 on usage errors.\n");
	exit(EXIT_SUCCESS);
}

/*
 * The whole log of our syslog namespace, as SYSLOG_ACTION_READ_ALL gives
 * it: "<N>" and, with CONFIG_PRINTK_TIME, "[seconds] " before each
 * record's text. Like dmesg(1), drop the "<N>" unless raw.
 */
static void print_log(bool raw)
{
	char *buf, *p, *end, *q;
	int size, len;

	size = klogctl(SYSLOG_ACTION_SIZE_BUFFER, NULL, 0);
	if (size < 0)
		die("syslog SYSLOG_ACTION_SIZE_BUFFER");
	buf = malloc(size + 1);
	if (!buf)
		die("malloc");
	len = klogctl(SYSLOG_ACTION_READ_ALL, buf, size);
	if (len < 0)
		die("syslog SYSLOG_ACTION_READ_ALL");

	for (p = buf, end = buf + len; p < end; p = q) {
		q = memchr(p, '\n', end - p);
		q = q ? q + 1 : end;
		if (!raw && *p == '<') {
			char *r = p + 1;

			while (r < q && isdigit((unsigned char)*r))
				r++;
			if (r > p + 1 && r < q && *r == '>')
				p = r + 1;
		}
		fwrite(p, 1, q - p, stdout);
	}
	if (len && buf[len - 1] != '\n')
		putchar('\n');
	free(buf);
	if (fflush(stdout) || ferror(stdout))
		die("write");
}

static int cmd_dmesg(int argc, char **argv)
{
	const struct nstype *t = nstype_by_flag(CLONE_NEWSYSLOG);
	bool raw = false, enter = false, gone = false;
	struct stat self, other;
	struct optset set;
	char path[64];
	int pidfd, c;
	pid_t pid;

	cmdname = "nsx dmesg";
	init_opts(&set, dmesg_options, TYPES_NONE);
	while ((c = next_cmd_opt(argc, argv, &set, dmesg_help)) != -1) {
		if (c != 'r')
			usage_error("unexpected option %d", c);
		raw = true;
	}
	if (argc - optind > 1)
		usage_error("too many arguments");
	if (optind == argc) {
		print_log(raw);
		return EXIT_SUCCESS;
	}

	pid = parse_pid(argv[optind]);
	if (!have_nstype(t)) {
		fprintf(stderr, "nsx: this kernel has no syslog namespaces\n");
		exit(EXIT_TOOL);
	}
	pidfd = pidfd_open(pid, 0);
	if (pidfd < 0)
		die("pidfd_open %d", (int)pid);

	/*
	 * Our own namespace needs no setns() and so no privilege. Another,
	 * or one of a process we may not inspect (EACCES), is entered by a
	 * child, so that nsx itself stays where it is; setns() decides
	 * whether we may.
	 */
	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, t->proc);
	if (stat("/proc/self/ns/syslog", &self))
		die("stat /proc/self/ns/syslog");
	if (!stat(path, &other))
		enter = self.st_dev != other.st_dev ||
			self.st_ino != other.st_ino;
	else if (errno == EACCES)
		enter = true;
	else if (errno == ENOENT)	/* it has exited */
		gone = true;
	else
		die("stat %s", path);
	/* The pid might have been reused while we read /proc/PID/ns. */
	if (gone || (pidfd_send_signal(pidfd, 0) && errno == ESRCH)) {
		errno = ESRCH;
		die("process %d", (int)pid);
	}

	if (enter) {
		fork_and_wait();	/* only the child returns */
		if (setns(pidfd, CLONE_NEWSYSLOG))
			die("setns %d", (int)pid);
	}
	close(pidfd);
	print_log(raw);
	return EXIT_SUCCESS;
}

/* ---- main -------------------------------------------------------- */

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "run", cmd_run },
	{ "enter", cmd_enter },
	{ "ns", cmd_ns },
	{ "dmesg", cmd_dmesg },
};

static noreturn void main_help(void)
{
	printf("Usage: nsx COMMAND [OPTIONS] [ARGS...]\n"
	       "\n"
	       "Commands:\n"
	       "  run [OPTIONS] [--] [COMMAND...]        run COMMAND in new namespaces,\n"
	       "                                         as unshare(1)\n"
	       "  enter -t PID [OPTIONS] [--] [COMMAND...]\n"
	       "                                         run COMMAND in the namespaces of PID,\n"
	       "                                         as nsenter(1)\n"
	       "* ns [PID]                               list the namespaces of PID\n"
	       "* dmesg [-r] [PID]                       print the kernel log of PID's\n"
	       "                                         syslog namespace\n"
	       "\n"
	       "Options:\n"
	       "  -h, --help     show this help and exit\n"
	       "  -V, --version  show the version and exit\n"
	       "\n"
	       "'nsx COMMAND --help' describes the options of COMMAND; those of run\n"
	       "and enter follow unshare(1) and nsenter(1), and what nsx adds to them\n"
	       "is marked '*', as are the commands util-linux does not have.\n");
	exit(EXIT_SUCCESS);
}

int main(int argc, char **argv)
{
	struct optset set;
	size_t i;
	int c;

	init_opts(&set, NULL, TYPES_NONE);
	while ((c = next_cmd_opt(argc, argv, &set, main_help)) != -1)
		usage_error("unexpected option %d", c);
	if (optind >= argc)
		usage_error("no command given");

	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(argv[optind], commands[i].name))
			continue;
		argc -= optind;
		argv += optind;
		optind = 0;	/* reinitialise getopt for the command */
		return commands[i].fn(argc, argv);
	}
	usage_error("unknown command '%s'", argv[optind]);
}
