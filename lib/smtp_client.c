/*
 * NAME
 *	smtp_client - commands in flight, replies matched to them, DATA and
 *	BDAT writing (see smtp_client.h)
 * DESCRIPTION
 *	The ring of awaited replies is fixed at init: a caller knows how
 *	many commands it can have in flight (its window times the commands
 *	of one transaction), and a full ring is its bug, reported as -1.
 * DIAGNOSTICS
 *	Returns -1 with a struct cerr text where it takes one; never prints.
 * SEE ALSO
 *	RFC 2920 3.1 (the order of replies), RFC 3030, RFC 5321 4.5.2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_client.h"

int
smtp_cmdq_init(struct smtp_cmdq *c, int cap)
{
	c->head = c->n = 0;
	c->cap = cap < 1 ? 1 : cap;
	c->q = calloc((size_t)c->cap, sizeof(*c->q));
	return c->q == NULL ? -1 : 0;
}

void
smtp_cmdq_free(struct smtp_cmdq *c)
{
	free(c->q);
	c->q = NULL;
	c->head = c->n = c->cap = 0;
}

int
smtp_cmdq_push(struct smtp_cmdq *c, int kind, int slot, int idx)
{
	if (c->n == c->cap)
		return -1;
	c->q[(c->head + c->n) % c->cap] =
	    (struct smtp_pending) {(uint8_t)kind, (uint8_t)slot, (uint16_t)idx};
	c->n++;
	return 0;
}

int
smtp_cmdq_pop(struct smtp_cmdq *c, struct smtp_pending *p)
{
	if (c->n == 0)
		return -1;
	*p = c->q[c->head];
	c->head = (c->head + 1) % c->cap;
	c->n--;
	return 0;
}

void
smtp_cmdq_clear(struct smtp_cmdq *c)
{
	c->head = c->n = 0;
}

ssize_t
smtp_client_next(const char *in, size_t len, struct smtp_cmdq *c,
		 struct smtp_pending *cmd, struct smtp_reply *r, struct cerr *e)
{
	ssize_t	k = smtp_reply_parse(in, len, r, e);

	if (k <= 0)
		return k;
	if (smtp_cmdq_pop(c, cmd) < 0)
		return cerr_set(e, "reply without a command");
	return k;
}

int
smtp_put_stuffed(struct buf *out, const char *p, size_t n)
{
	size_t	i = 0, k;
	const char *nl;

	while (i < n) {
		nl = memchr(p + i, '\n', n - i);
		k = nl ? (size_t)(nl - p) + 1 : n;
		if (p[i] == '.' && buf_putc(out, '.') < 0)
			return -1;
		if (buf_append(out, p + i, k - i) < 0)
			return -1;
		i = k;
	}
	return 0;
}

int
smtp_bdat_cmd(char *dst, size_t size, size_t n)
{
	int	k = snprintf(dst, size, "BDAT %zu LAST\r\n", n);

	return k < 0 || (size_t)k >= size ? -1 : k;
}

const char *
smtp_cmd_name(int kind)
{
	static const char *const names[] = {
		[SMTP_CMD_GREET] = "greeting", [SMTP_CMD_EHLO] = "EHLO",
		[SMTP_CMD_MAIL] = "MAIL FROM", [SMTP_CMD_RCPT] = "RCPT TO",
		[SMTP_CMD_DATA] = "DATA", [SMTP_CMD_DOT] = "end of DATA",
		[SMTP_CMD_RSET] = "RSET", [SMTP_CMD_QUIT] = "QUIT",
		[SMTP_CMD_BDAT] = "BDAT",
	};

	if (kind < 0 || (size_t)kind >= sizeof(names) / sizeof(names[0]))
		return "command";
	return names[kind];
}
