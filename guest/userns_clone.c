// SPDX-License-Identifier: GPL-2.0
/*
 * userns_clone: Debian's kernel.unprivileged_userns_clone on the nsx
 * kernel, in TAP. Run as root in the guest (guest/check.sh, as
 * "guest:userns_clone").
 *
 * The series is based on Debian's kernel source, whose patches add this
 * sysctl next to code nsx changes (copy_process() and ksys_unshare() in
 * kernel/fork.c). Set to 0, only a task with CAP_SYS_ADMIN in the
 * initial user namespace may create a user namespace: an unprivileged
 * user cannot, through unshare() or clone3(), and neither can root of a
 * user namespace nest one; root still can. Set to 1, everybody can.
 * The value found is put back at the end.
 *
 * The knob is Debian's, not mainline's: this test is the project's, not
 * part of tools/testing/selftests/namespaces, whose tests that need
 * unprivileged user namespaces skip where the knob (or anything else)
 * forbids them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <linux/sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define KNOB "/proc/sys/kernel/unprivileged_userns_clone"
#define NOBODY 65534

static int n, failed;

static void result(int ok, const char *what, int err)
{
	n++;
	if (ok) {
		printf("ok %d - %s\n", n, what);
		return;
	}
	failed++;
	printf("not ok %d - %s (%s)\n", n, what, err ? strerror(err) : "success");
}

static int knob_write(const char *val)
{
	int fd = open(KNOB, O_WRONLY | O_CLOEXEC);
	ssize_t len = strlen(val);
	int ret;

	if (fd < 0)
		return -1;
	ret = write(fd, val, len) == len ? 0 : -1;
	close(fd);
	return ret;
}

/* Enter a new user namespace, the caller's ids mapped to 0 there. */
static int enter_userns(void)
{
	unsigned int uid = geteuid(), gid = getegid();
	char map[32];
	int fd, ret;

	if (unshare(CLONE_NEWUSER))
		return -1;
	fd = open("/proc/self/setgroups", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "deny", 4) != 4)
		return -1;
	close(fd);
	snprintf(map, sizeof(map), "0 %u 1", uid);
	fd = open("/proc/self/uid_map", O_WRONLY | O_CLOEXEC);
	ret = fd >= 0 && write(fd, map, strlen(map)) > 0 ? 0 : -1;
	close(fd);
	snprintf(map, sizeof(map), "0 %u 1", gid);
	fd = open("/proc/self/gid_map", O_WRONLY | O_CLOEXEC);
	if (ret || fd < 0 || write(fd, map, strlen(map)) <= 0)
		ret = -1;
	close(fd);
	return ret;
}

enum how { BY_UNSHARE, BY_CLONE3, NESTED };

/*
 * In a child that drops to NOBODY if @unprivileged, create a user
 * namespace the way @how says; return 0 or the errno it failed with
 * (255: the child could not get that far).
 */
static int try_userns(enum how how, int unprivileged)
{
	struct clone_args args = {
		.flags		= CLONE_NEWUSER,
		.exit_signal	= SIGCHLD,
	};
	int status;
	pid_t pid, child;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 255;
	if (pid == 0) {
		/* Dumpable: /proc/self stays its own, for the id maps. */
		if (unprivileged &&
		    (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
		     setresuid(NOBODY, NOBODY, NOBODY) ||
		     prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)))
			_exit(255);
		switch (how) {
		case BY_UNSHARE:
			_exit(unshare(CLONE_NEWUSER) ? errno : 0);
		case BY_CLONE3:
			child = syscall(SYS_clone3, &args, sizeof(args));
			if (child < 0)
				_exit(errno);
			if (child == 0)
				_exit(0);
			_exit(waitpid(child, &status, 0) == child &&
			      WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : 255);
		case NESTED:
			/*
			 * Root of a user namespace of its own, its ids
			 * mapped (a nested one needs that), nesting one.
			 */
			if (enter_userns())
				_exit(255);
			_exit(unshare(CLONE_NEWUSER) ? errno : 0);
		}
		_exit(255);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 255;
	return WEXITSTATUS(status);
}

int main(void)
{
	char saved[16] = "";
	int fd, err;
	ssize_t len;

	printf("TAP version 13\n1..8\n");
	fd = open(KNOB, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		printf("Bail out! no %s: the kernel is not Debian's\n", KNOB);
		return 1;
	}
	len = read(fd, saved, sizeof(saved) - 1);
	close(fd);
	if (len <= 0 || getuid() != 0) {
		printf("Bail out! cannot read %s, or not root\n", KNOB);
		return 1;
	}
	saved[len] = '\0';

	if (knob_write("0\n")) {
		printf("Bail out! cannot write %s: %s\n", KNOB, strerror(errno));
		return 1;
	}
	err = try_userns(BY_UNSHARE, 1);
	result(err == EPERM, "knob 0: unprivileged unshare(CLONE_NEWUSER) fails with EPERM", err);
	err = try_userns(BY_CLONE3, 1);
	result(err == EPERM, "knob 0: unprivileged clone3(CLONE_NEWUSER) fails with EPERM", err);
	err = try_userns(NESTED, 0);
	result(err == EPERM, "knob 0: root of a user namespace cannot nest one (EPERM)", err);
	err = try_userns(BY_UNSHARE, 0);
	result(err == 0, "knob 0: root's unshare(CLONE_NEWUSER) works", err);
	err = try_userns(BY_CLONE3, 0);
	result(err == 0, "knob 0: root's clone3(CLONE_NEWUSER) works", err);

	if (knob_write("1\n")) {
		printf("Bail out! cannot write %s: %s\n", KNOB, strerror(errno));
		knob_write(saved);
		return 1;
	}
	err = try_userns(BY_UNSHARE, 1);
	result(err == 0, "knob 1: unprivileged unshare(CLONE_NEWUSER) works", err);
	err = try_userns(BY_CLONE3, 1);
	result(err == 0, "knob 1: unprivileged clone3(CLONE_NEWUSER) works", err);
	err = try_userns(NESTED, 1);
	result(err == 0, "knob 1: an unprivileged user's user namespace nests one", err);

	if (knob_write(saved))
		printf("# could not put back %s = %s", KNOB, saved);
	return failed ? 1 : 0;
}
