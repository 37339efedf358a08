/*
 * NAME
 *	fuzz_conf - libFuzzer target: campaign.conf parsing (lib/conf.c)
 * DESCRIPTION
 *	Writes the input to a temporary file and loads it; every outcome is
 *	fine except a crash, a leak or undefined behaviour.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "conf.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct campaign_conf cf;
	struct buf errs;
	FILE   *fp;

	if (path[0] == '\0') {
		int	fd;

		snprintf(path, sizeof(path), "/tmp/fuzz_conf.XXXXXX");
		if ((fd = mkstemp(path)) < 0)
			abort();
		close(fd);
	}
	if ((fp = fopen(path, "w")) == NULL)
		abort();
	fwrite(data, 1, size, fp);
	fclose(fp);
	buf_init(&errs, 1 << 20);
	conf_init(&cf);
	conf_load(&cf, path, 1, &errs);
	conf_free(&cf);
	buf_free(&errs);
	return 0;
}
