// SPDX-License-Identifier: GPL-2.0
/*
 * readcost: what one read of a file, or one sysinfo(2), costs, for make
 * lxcfs. Under QEMU's instruction counting (-icount shift=0) a guest
 * nanosecond is one instruction executed, by any CPU: a read served by a
 * FUSE daemon counts the daemon's work too.
 *
 * Usage: readcost FILE N      N pread(2)s of all of FILE (up to 1 MiB)
 *        readcost --sysinfo N N sysinfo(2) calls
 *
 * Prints the guest nanoseconds per call, after one call not counted.
 * Exits 1 if a call fails.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/sysinfo.h>

static char buf[1 << 20];

static long long now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int once(int fd)
{
	struct sysinfo si;

	if (fd < 0)
		return sysinfo(&si);
	return pread(fd, buf, sizeof(buf), 0) > 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	long n, i;
	long long t0;
	int fd = -1;

	if (argc != 3 || (n = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: readcost FILE|--sysinfo N\n");
		return 2;
	}
	if (strcmp(argv[1], "--sysinfo")) {
		fd = open(argv[1], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			perror(argv[1]);
			return 1;
		}
	}
	if (once(fd)) {
		perror(argv[1]);
		return 1;
	}
	t0 = now();
	for (i = 0; i < n; i++) {
		if (once(fd)) {
			perror(argv[1]);
			return 1;
		}
	}
	printf("%.1f\n", (double)(now() - t0) / n);
	return 0;
}
