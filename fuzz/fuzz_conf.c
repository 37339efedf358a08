/*
 * NAME
 *	fuzz_conf - libFuzzer target: campaign.conf parsing (lib/conf.c)
 * DESCRIPTION
 *	Puts the input in one memory file (memfd_create) and loads it by
 *	its /proc/self/fd name; every outcome is fine except a crash, a
 *	leak or undefined behaviour.
 *
 *	The first version wrote a temporary file in /tmp on each run: on a
 *	disk file system under load the write and truncate blocked in the
 *	kernel, and the target ran about 4,000 inputs a second with the
 *	process mostly asleep.  The memory file keeps it on the CPU.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "conf.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	static int fd = -1;
	struct campaign_conf cf;
	struct buf errs;

	if (fd < 0) {
		if ((fd = memfd_create("fuzz_conf", MFD_CLOEXEC)) < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0
	    || (size > 0 && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	buf_init(&errs, 1 << 20);
	conf_init(&cf);
	conf_load(&cf, path, 1, &errs);
	conf_free(&cf);
	buf_free(&errs);
	return 0;
}
