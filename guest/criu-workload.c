// SPDX-License-Identifier: GPL-2.0
/*
 * The process make criu checkpoints and restores: a container's init
 * that holds the state a dump must carry, and reports whether it still
 * works. Built static on the host, run in the Debian guest.
 *
 * Usage: criu-workload DIR
 *
 * It holds a TCP connection to itself over the namespace's loopback, a
 * SysV shared memory segment, a POSIX timer and a timerfd (both
 * CLOCK_MONOTONIC, every 100 ms). Each time the timerfd fires it sends a
 * byte over the connection and reads it back at the other end, counts in
 * the segment, and appends one line to DIR/log:
 *
 *   TFD_TICKS MONO_NS REAL_NS TIMER_TICKS ECHOED SHM_COUNT
 *
 * so that a check outside sees every part keep going across a dump and
 * a restore. On SIGUSR1 it writes DIR/status (hostname, shm id, and the
 * same counters); a failure of any part ends it with a message in
 * DIR/error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define SHM_KEY 0x6e737843	/* "nsxC" */
#define PORT 7777
#define MAGIC 0x6e737863726975ULL

static const char *dir;
static volatile sig_atomic_t timer_ticks, want_status;

static void fail(const char *fmt, ...)
{
	char path[4096], msg[512];
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/error", dir);
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "%s%s%s\n", msg, errno ? ": " : "",
			errno ? strerror(errno) : "");
		fclose(f);
	}
	exit(1);
}

static void on_timer(int sig)
{
	timer_ticks++;
}

static void on_usr1(int sig)
{
	want_status = 1;
}

static long long ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	struct itimerspec every = { { 0, 100000000 }, { 0, 100000000 } };
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_port = htons(PORT),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL,
				.sigev_signo = SIGALRM };
	unsigned long long n = 0, echoed = 0, *shm;
	int one = 1, lsk, csk, ssk, tfd, shmid, logfd;
	char path[4096], host[65];
	struct sigaction sa = { 0 };
	timer_t timer;

	if (argc != 2) {
		fprintf(stderr, "usage: criu-workload DIR\n");
		return 2;
	}
	dir = argv[1];
	snprintf(path, sizeof(path), "%s/log", dir);
	logfd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (logfd < 0)
		fail("open %s", path);

	lsk = socket(AF_INET, SOCK_STREAM, 0);
	csk = socket(AF_INET, SOCK_STREAM, 0);
	if (lsk < 0 || csk < 0)
		fail("socket");
	setsockopt(lsk, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lsk, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(lsk, 1))
		fail("bind/listen");
	if (connect(csk, (struct sockaddr *)&addr, sizeof(addr)))
		fail("connect");
	ssk = accept(lsk, NULL, NULL);
	if (ssk < 0)
		fail("accept");
	setsockopt(csk, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(ssk, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

	shmid = shmget(SHM_KEY, 4096, IPC_CREAT | 0600);
	if (shmid < 0)
		fail("shmget");
	shm = shmat(shmid, NULL, 0);
	if (shm == (void *)-1)
		fail("shmat");
	shm[0] = MAGIC;

	sa.sa_handler = on_timer;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) ||
	    timer_settime(timer, 0, &every, NULL))
		fail("timer_create");
	tfd = timerfd_create(CLOCK_MONOTONIC, 0);
	if (tfd < 0 || timerfd_settime(tfd, 0, &every, NULL))
		fail("timerfd");

	for (;;) {
		uint64_t exp;
		char c = 'x', line[256];
		int len;

		if (read(tfd, &exp, sizeof(exp)) != sizeof(exp)) {
			if (errno == EINTR)
				continue;
			fail("read timerfd");
		}
		n += exp;
		errno = 0;
		if (send(csk, &c, 1, 0) != 1 || recv(ssk, &c, 1, 0) != 1 ||
		    send(ssk, &c, 1, 0) != 1 || recv(csk, &c, 1, 0) != 1)
			fail("echo over TCP");
		echoed++;
		if (shm[0] != MAGIC) {
			errno = 0;
			fail("shm lost its contents");
		}
		shm[1]++;
		len = snprintf(line, sizeof(line), "%llu %lld %lld %d %llu %llu\n",
			       n, ns(CLOCK_MONOTONIC), ns(CLOCK_REALTIME),
			       (int)timer_ticks, echoed, shm[1]);
		if (write(logfd, line, len) != len)
			fail("write log");
		if (want_status) {
			FILE *f;

			want_status = 0;
			snprintf(path, sizeof(path), "%s/status", dir);
			f = fopen(path, "w");
			if (!f)
				fail("open status");
			gethostname(host, sizeof(host));
			fprintf(f, "hostname %s\nshmid %d\n%s", host, shmid, line);
			fclose(f);
		}
	}
}
