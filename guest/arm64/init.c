// SPDX-License-Identifier: GPL-2.0
/*
 * init of the arm64 guest of make cross: mounts what cgroup_view_test
 * needs, runs the cases /cases names (one a line; all without it),
 * prints their exit status and powers off.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>

int main(void)
{
	static char names[62][64];
	char *args[64] = { "/cgroup_view_test" };
	FILE *f = fopen("/cases", "r");
	int n = 1, i = 0, status;
	pid_t pid;

	mkdir("/proc", 0755);
	mkdir("/sys", 0755);
	mkdir("/dev", 0755);
	mkdir("/tmp", 01777);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("tmpfs", "/tmp", "tmpfs", 0, NULL);
	mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, NULL);

	while (f && n < 62 && fgets(names[i], sizeof(names[i]), f)) {
		names[i][strcspn(names[i], "\n")] = '\0';
		args[n++] = "-t";
		args[n++] = names[i++];
	}
	args[n] = NULL;

	pid = fork();
	if (!pid) {
		execv(args[0], args);
		perror("execv");
		_exit(127);
	}
	waitpid(pid, &status, 0);
	printf("nsx-arm64: exit %d\n",
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	fflush(stdout);
	reboot(RB_POWER_OFF);
	return 1;
}
