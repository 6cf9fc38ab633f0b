// SPDX-License-Identifier: GPL-2.0
/*
 * nsx-exit: end the guest with an exit status QEMU passes on.
 *
 * QEMU's isa-debug-exit device (iobase 0xf4) exits with (value << 1) | 1
 * when a value is written to its port, so the host reads 1 for 0 written
 * ("passed") and 3 for 1 written ("failed").
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/io.h>
#include <sys/reboot.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int code = argc > 1 ? atoi(argv[1]) : 1;

	sync();
	if (ioperm(0xf4, 1, 1) == 0)
		outb(code, 0xf4);
	perror("nsx-exit: no isa-debug-exit device");
	reboot(RB_POWER_OFF);
	return 1;
}
