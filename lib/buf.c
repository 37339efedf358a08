/*
 * NAME
 *	buf - bounded, binary-safe, growable byte buffer (see buf.h)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

static const char empty[1] = "";

void
buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b, b->max);
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

/* buf_reserve - make room for extra more bytes plus the terminator */
int
buf_reserve(struct buf *b, size_t extra)
{
	size_t	need, ncap;
	char   *p;

	if (extra > b->max || b->len > b->max - extra) {
		errno = EMSGSIZE;
		return -1;
	}
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap = ncap > ((size_t)-1) / 2 ? need : ncap * 2;
	if (ncap > b->max + 1)
		ncap = b->max + 1;
	if ((p = realloc(b->data, ncap)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	b->data = p;
	b->cap = ncap;
	return 0;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) < 0)
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int
buf_putc(struct buf *b, int c)
{
	char	ch = (char)c;

	return buf_append(b, &ch, 1);
}

int
buf_set(struct buf *b, const void *p, size_t n)
{
	if (n > b->max) {
		errno = EMSGSIZE;
		return -1;
	}
	buf_reset(b);
	return buf_append(b, p, n);
}

int
buf_appendf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(b, (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void
buf_truncate(struct buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->data[len] = '\0';
	}
}

void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		buf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->data[b->len] = '\0';
}

char *
buf_steal(struct buf *b)
{
	char   *p = b->data;

	if (p == NULL && (p = calloc(1, 1)) == NULL)
		return NULL;
	buf_init(b, b->max);
	return p;
}

const char *
buf_cstr(const struct buf *b)
{
	return b->data ? b->data : empty;
}

int
buf_getline(struct buf *b, FILE *fp)
{
	int	c, toolong = 0, got = 0;

	while ((c = getc(fp)) != EOF) {
		got = 1;
		if (!toolong && buf_putc(b, c) < 0)
			toolong = 1;
		if (c == '\n')
			break;
	}
	if (ferror(fp))
		return -1;
	if (toolong) {
		errno = EMSGSIZE;
		return -1;
	}
	return got;
}

int
buf_read_file(struct buf *b, const char *path, struct cerr *e)
{
	FILE   *fp = fopen(path, "r");
	char	chunk[8192];
	size_t	got;
	int	r = 0;

	if (fp == NULL)
		return cerr_set(e, "%s: cannot open: %s", path, strerror(errno));
	while (r == 0 && (got = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		if (buf_append(b, chunk, got) < 0)
			r = cerr_set(e, "%s: larger than %zu bytes", path, b->max);
	if (r == 0 && ferror(fp))
		r = cerr_set(e, "%s: read error", path);
	fclose(fp);
	return r;
}
