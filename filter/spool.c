/*
 * NAME
 *	spool - memory, then temporary file, message store (see spool.h)
 * DIAGNOSTICS
 *	Returns -1 with a struct cerr text; never prints.
 * SEE ALSO
 *	Postfix vstream(3) temporary files, mkstemp(3).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spool.h"

#define SPOOL_CHUNK	(64 * 1024)

void
spool_init(struct spool *sp, size_t mem_limit, const char *tmpdir)
{
	buf_init(&sp->mem, mem_limit);
	sp->fp = NULL;
	sp->size = 0;
	sp->rpos = 0;
	sp->mem_limit = mem_limit;
	sp->tmpdir = tmpdir && *tmpdir ? tmpdir : "/tmp";
}

/* spool_to_disk - move what memory holds into a fresh unlinked file */
static int
spool_to_disk(struct spool *sp, struct cerr *e)
{
	struct buf path;
	int	fd;

	buf_init(&path, 4096);
	if (buf_appendf(&path, "%s/campaign-filter.XXXXXX", sp->tmpdir) < 0)
		return cerr_set(e, "temporary file name too long");
	fd = mkstemp(path.data);
	if (fd < 0) {
		cerr_set(e, "create temporary file in %s: %s", sp->tmpdir, strerror(errno));
		buf_free(&path);
		return -1;
	}
	(void) unlink(path.data);
	buf_free(&path);
	if ((sp->fp = fdopen(fd, "w+")) == NULL) {
		close(fd);
		return cerr_set(e, "fdopen temporary file: %s", strerror(errno));
	}
	if (sp->mem.len && fwrite(sp->mem.data, 1, sp->mem.len, sp->fp) != sp->mem.len)
		return cerr_set(e, "write temporary file: %s", strerror(errno));
	buf_free(&sp->mem);
	return 0;
}

int
spool_write(struct spool *sp, const void *p, size_t n, struct cerr *e)
{
	if (sp->fp == NULL && sp->size + n > sp->mem_limit
	    && spool_to_disk(sp, e) < 0)
		return -1;
	if (sp->fp != NULL) {
		if (fwrite(p, 1, n, sp->fp) != n)
			return cerr_set(e, "write temporary file: %s", strerror(errno));
	} else if (buf_append(&sp->mem, p, n) < 0) {
		return cerr_set(e, "message store: %s", strerror(errno));
	}
	sp->size += n;
	return 0;
}

/* spool_each_file - replay the temporary file in chunks */
static int
spool_each_file(struct spool *sp, spool_fn fn, void *ctx, struct cerr *e)
{
	char   *chunk;
	size_t	n;
	int	ret = 0;

	if (fflush(sp->fp) != 0 || fseek(sp->fp, 0L, SEEK_SET) != 0)
		return cerr_set(e, "rewind temporary file: %s", strerror(errno));
	if ((chunk = malloc(SPOOL_CHUNK)) == NULL)
		return cerr_set(e, "out of memory");
	while (ret == 0 && (n = fread(chunk, 1, SPOOL_CHUNK, sp->fp)) > 0)
		ret = fn(ctx, chunk, n, e);
	if (ret == 0 && ferror(sp->fp))
		ret = cerr_set(e, "read temporary file: %s", strerror(errno));
	free(chunk);
	return ret;
}

int
spool_each(struct spool *sp, spool_fn fn, void *ctx, struct cerr *e)
{
	size_t	off, n;

	if (sp->fp != NULL)
		return spool_each_file(sp, fn, ctx, e);
	for (off = 0; off < sp->mem.len; off += n) {
		n = sp->mem.len - off < SPOOL_CHUNK ? sp->mem.len - off : SPOOL_CHUNK;
		if (fn(ctx, sp->mem.data + off, n, e) < 0)
			return -1;
	}
	return 0;
}

int
spool_rewind(struct spool *sp, struct cerr *e)
{
	sp->rpos = 0;
	if (sp->fp != NULL && (fflush(sp->fp) != 0 || fseek(sp->fp, 0L, SEEK_SET) != 0))
		return cerr_set(e, "rewind temporary file: %s", strerror(errno));
	return 0;
}

ssize_t
spool_read(struct spool *sp, char *p, size_t n)
{
	size_t	got;

	if (sp->fp != NULL) {
		got = fread(p, 1, n, sp->fp);
		return got == 0 && ferror(sp->fp) ? -1 : (ssize_t)got;
	}
	if (n > sp->mem.len - sp->rpos)
		n = sp->mem.len - sp->rpos;
	if (n > 0)
		memcpy(p, sp->mem.data + sp->rpos, n);
	sp->rpos += n;
	return (ssize_t)n;
}

size_t
spool_size(const struct spool *sp)
{
	return sp->size;
}

int
spool_on_disk(const struct spool *sp)
{
	return sp->fp != NULL;
}

void
spool_free(struct spool *sp)
{
	if (sp->fp != NULL)
		(void) fclose(sp->fp);
	sp->fp = NULL;
	buf_free(&sp->mem);
}
