/*
 * NAME
 *	cs_input - block reader, gzip, follow mode and time-ordered merge (see cs_input.h)
 * SEE ALSO
 *	cs_input.h
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cs_input.h"

/* is_gzip - does the regular file start with the gzip magic? */
static int
is_gzip(int fd)
{
	unsigned char m[2];

	return pread(fd, m, 2, 0) == 2 && m[0] == 0x1f && m[1] == 0x8b;
}

/* attach - set up reading from fd (plain read(2) or zlib) */
static int
attach(struct cs_input *in, int fd, struct cerr *e)
{
	struct stat st;

	in->fd = fd;
	in->gz = NULL;
	in->off = 0;
	in->ino = 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		in->ino = st.st_ino;
		if (!is_gzip(fd))
			return 0;
	}
	if ((in->gz = gzdopen(fd, "rb")) == NULL)
		return cerr_set(e, "%s: cannot start gzip reader", in->name);
	gzbuffer(in->gz, 256 * 1024);
	return 0;
}

struct cs_input *
cs_input_open(const char *name, int year, struct cerr *e)
{
	struct cs_input *in = calloc(1, sizeof(*in));
	struct stat st;
	int	fd = 0;
	time_t	ref = time(NULL);

	if (in == NULL || (in->name = strdup(name)) == NULL) {
		free(in);
		cerr_set(e, "out of memory");
		return NULL;
	}
	buf_init(&in->b, CS_CHUNK + CS_LINE_MAX);
	if (strcmp(name, "-") != 0 && (fd = open(name, O_RDONLY)) < 0) {
		cerr_set(e, "%s: %s", name, strerror(errno));
		cs_input_close(in);
		return NULL;
	}
	if (fd > 0 && fstat(fd, &st) == 0)
		ref = st.st_mtime;
	cs_clock_init(&in->ck, ref, year);
	if (attach(in, fd, e) < 0) {
		cs_input_close(in);
		return NULL;
	}
	return in;
}

/* reopen_if_rotated - follow mode: a new file under the name, or truncated */
static void
reopen_if_rotated(struct cs_input *in)
{
	struct stat st;
	int	fd;

	if (in->ino == 0 || in->gz != NULL || stat(in->name, &st) < 0)
		return;
	if (st.st_ino == in->ino && st.st_size >= in->off)
		return;
	if ((fd = open(in->name, O_RDONLY)) < 0)
		return;
	close(in->fd);
	buf_reset(&in->b);
	in->pos = 0;
	attach(in, fd, NULL);
}

/* fill - read one more block after the unread rest; 0 at end, -1 error */
static long
fill(struct cs_input *in, struct cerr *e)
{
	long	r;

	if (in->pos > 0) {
		memmove(in->b.data, in->b.data + in->pos, in->b.len - in->pos);
		buf_truncate(&in->b, in->b.len - in->pos);
		in->pos = 0;
	}
	if (buf_reserve(&in->b, CS_CHUNK) < 0)
		return cerr_set(e, "%s: out of memory", in->name);
	if (in->gz) {
		gzclearerr(in->gz);
		r = gzread(in->gz, in->b.data + in->b.len, CS_CHUNK);
	} else {
		r = read(in->fd, in->b.data + in->b.len, CS_CHUNK);
	}
	if (r < 0)
		return cerr_set(e, "%s: read error: %s", in->name,
				in->gz ? "corrupt gzip data" : strerror(errno));
	in->b.len += (size_t) r;
	in->b.data[in->b.len] = 0;
	in->off += r;
	in->bytes += (unsigned long long) r;
	return r;
}

/* take - hand out [pos, pos+n) as a line, consuming skip more bytes */
static int
take(struct cs_input *in, size_t n, size_t skip, struct cs_str *line)
{
	line->p = in->b.data + in->pos;
	line->n = n;
	if (n > 0 && line->p[n - 1] == '\r')
		line->n--;
	in->pos += n + skip;
	return 1;
}

int
cs_input_next(struct cs_input *in, struct cs_str *line, int follow,
	      struct cerr *e)
{
	char   *nl;
	size_t	avail;
	long	r;

	for (;;) {
		avail = in->b.len - in->pos;
		nl = avail ? memchr(in->b.data + in->pos, '\n', avail) : NULL;
		if (nl && in->skipping) {
			in->pos = nl + 1 - in->b.data;
			in->skipping = 0;
			continue;
		}
		if (nl)
			return take(in, nl - (in->b.data + in->pos), 1, line);
		if (avail >= CS_LINE_MAX) {
			in->toolong += !in->skipping;
			if (in->skipping) {
				in->pos = in->b.len;
				continue;
			}
			in->skipping = 1;
			return take(in, CS_LINE_MAX, 0, line);
		}
		if (in->eof && !follow) {
			if (avail == 0 || in->skipping)
				return 0;
			return take(in, avail, 0, line);
		}
		if ((r = fill(in, e)) < 0)
			return -1;
		if (r == 0) {
			in->eof = 1;
			if (follow) {
				reopen_if_rotated(in);
				return 0;
			}
		}
	}
}

/* pend - make sure input i has a parsed line pending; 1 bad header */
static int
pend(struct cs_input *in, int follow, struct cerr *e)
{
	int	r;

	if (in->have || in->dead)
		return 0;
	r = cs_input_next(in, &in->raw, follow, e);
	if (r < 0)
		in->dead = 1;
	if (r <= 0)
		return r;
	in->have = 1;
	if (cs_line_parse(in->raw.p, in->raw.n, &in->ck, &in->line) < 0)
		return 1;
	return 0;
}

static int
earlier(const struct cs_input *a, const struct cs_input *b)
{
	if (a->line.t != b->line.t)
		return a->line.t < b->line.t;
	return a->line.ours > b->line.ours;
}

static int
emit(struct cs_input *in, int ok, struct cs_item *it)
{
	it->ok = ok;
	it->line = in->line;
	it->raw = in->raw;
	it->from = in;
	in->have = 0;
	return 1;
}

int
cs_merge_next(struct cs_merge *mg, struct cs_item *it, struct cerr *e)
{
	struct cs_input *best = NULL;
	int	i, r;

	for (i = 0; i < mg->n; i++) {
		r = pend(mg->in[i], mg->follow, e);
		if (r < 0)
			return -1;
		if (r == 1)
			return emit(mg->in[i], 0, it);
		if (mg->in[i]->have && (best == NULL || earlier(mg->in[i], best)))
			best = mg->in[i];
	}
	return best ? emit(best, 1, it) : 0;
}

void
cs_input_close(struct cs_input *in)
{
	if (in == NULL)
		return;
	if (in->gz)
		gzclose(in->gz);
	else if (in->fd > 0)
		close(in->fd);
	buf_free(&in->b);
	free(in->name);
	free(in);
}
