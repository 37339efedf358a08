/*
 * NAME
 *	smtp_client - the SMTP client engine's protocol core: commands in
 *	flight matched to their replies, DATA and BDAT writing
 *	(campaign-feed and campaign-filter)
 * SYNOPSIS
 *	#include "smtp_client.h"
 *
 *	struct smtp_cmdq q;
 *	smtp_cmdq_init(&q, cap);
 *	smtp_cmdq_push(&q, SMTP_CMD_MAIL, slot, 0);	one per command sent
 *	n = smtp_client_next(in, len, &q, &cmd, &r, &e);	one reply, matched
 *	smtp_cmdq_free(&q);
 *
 *	smtp_put_stuffed(&out, p, n);		text after 354, dot-stuffed
 *	k = smtp_bdat_cmd(cmd, sizeof(cmd), n);	"BDAT n LAST\r\n"
 *	name = smtp_cmd_name(SMTP_CMD_RCPT);	"RCPT TO"
 * DESCRIPTION
 *	The core knows no socket: each program writes and reads its own way
 *	(campaign-feed: many non-blocking sessions under epoll(7);
 *	campaign-filter: one blocking connection, lib/smtp_conn.c) and keeps
 *	its own transactions, but both send commands and match replies
 *	through this one engine.
 *
 *	A pipelining client (RFC 2920) gets its replies in the order it sent
 *	the commands.  smtp_cmdq_push() notes one command whose reply is
 *	awaited: its kind (enum smtp_cmd), the caller's transaction slot
 *	(0..255) and an index (0..65535, the recipient of a RCPT); 0, or -1
 *	when the ring (cap entries) is full.  smtp_cmdq_pop() takes the
 *	oldest; 0, or -1 when none is awaited.  smtp_cmdq_clear() forgets
 *	them all (a closed connection).  smtp_cmdq_init() allocates the
 *	ring: 0, or -1 (ENOMEM); smtp_cmdq_free() frees it.
 *
 *	smtp_client_next() parses one complete reply at the start of in
 *	(lib/smtp_reply.c, which fills r) and pops the command it answers
 *	into *cmd.  It returns the reply's length (> 0), 0 when the reply is
 *	not complete yet (nothing popped), or -1 with e set: a protocol
 *	error (the parser's) or "reply without a command".
 *
 *	smtp_put_stuffed() appends CRLF text to out with dot-stuffing (RFC
 *	5321 4.5.2: a line that starts with "." gets one more): 0, or -1
 *	(out full or memory short; out may hold part of the text).
 *	smtp_bdat_cmd() writes "BDAT n LAST\r\n" (RFC 3030) into dst and
 *	returns its length, or -1 when size is too small.
 *	smtp_cmd_name() names a command kind as the filter's reasons say
 *	it ("greeting", "EHLO", "MAIL FROM", "RCPT TO", "DATA", "end of
 *	DATA", "RSET", "QUIT", "BDAT").
 * SEE ALSO
 *	smtp_reply.h, smtp_conn.h; RFC 5321, RFC 2920, RFC 3030; Postfix
 *	smtp_proto.c.
 */
#ifndef SMTP_CLIENT_H
#define SMTP_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "cerr.h"
#include "smtp_reply.h"

#define SMTP_BDAT_CMD_MAX 48		/* "BDAT <size_t> LAST\r\n" */

enum smtp_cmd {
	SMTP_CMD_GREET, SMTP_CMD_EHLO, SMTP_CMD_MAIL, SMTP_CMD_RCPT,
	SMTP_CMD_DATA, SMTP_CMD_DOT, SMTP_CMD_RSET, SMTP_CMD_QUIT, SMTP_CMD_BDAT
};

struct smtp_pending {
	uint8_t	kind;			/* enum smtp_cmd */
	uint8_t	slot;			/* the caller's transaction */
	uint16_t idx;			/* recipient index for RCPT */
};

struct smtp_cmdq {
	struct smtp_pending *q;
	int	head, n, cap;
};

int	smtp_cmdq_init(struct smtp_cmdq *c, int cap);
void	smtp_cmdq_free(struct smtp_cmdq *c);
int	smtp_cmdq_push(struct smtp_cmdq *c, int kind, int slot, int idx);
int	smtp_cmdq_pop(struct smtp_cmdq *c, struct smtp_pending *p);
void	smtp_cmdq_clear(struct smtp_cmdq *c);
ssize_t	smtp_client_next(const char *in, size_t len, struct smtp_cmdq *c,
			 struct smtp_pending *cmd, struct smtp_reply *r,
			 struct cerr *e);

int	smtp_put_stuffed(struct buf *out, const char *p, size_t n);
int	smtp_bdat_cmd(char *dst, size_t size, size_t n);
const char *smtp_cmd_name(int kind);

#endif
