/*
 * NAME
 *	copy - personalize one copy of a batch (see copy.h)
 * DESCRIPTION
 *	The copy's own fields go before the merged template, so the template
 *	is merged in one pass with no header rewriting per copy.
 * DIAGNOSTICS
 *	Nothing is logged here; -1 with e set.
 * SEE ALSO
 *	lib/merge.h, lib/tag.h (shared with campaign-milter), RFC 8058.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "copy.h"
#include "hmac.h"
#include "tag.h"

static const char *const dropped[] = {
	"To", "Cc", "Bcc", "Message-ID", "Precedence", "Feedback-ID",
	"List-Unsubscribe", "List-Unsubscribe-Post", "Return-Path",
	"X-Campaign-Batch", NULL
};

/* map_tags - the CSV column of each tag; -1 the address */
static int
map_tags(struct copy *c, const struct rlist *rl, struct cerr *e)
{
	size_t	i;

	c->tagcol = calloc(c->tmpl.ntags + 1, sizeof(int));
	c->vals = calloc(c->tmpl.ntags + 1, sizeof(char *));
	if (c->tagcol == NULL || c->vals == NULL)
		return cerr_set(e, "out of memory");
	for (i = 0; i < c->tmpl.ntags; i++) {
		if (strcasecmp(c->tmpl.tags[i], "email") == 0)
			c->tagcol[i] = -1;
		else if ((c->tagcol[i] = rlist_col(rl, c->tmpl.tags[i])) < 0)
			return cerr_set(e, "the template uses {{%s}}, the CSV has no such column",
					c->tmpl.tags[i]);
	}
	return 0;
}

/* same_fields - the header fields that are the same in every copy of the
 * batch (Precedence, Feedback-ID of the campaign), made once, not per copy */
static int
same_fields(struct copy *c)
{
	struct tag_var cv = {'c', c->campaign, 0};

	if (buf_puts(&c->same, "Precedence: bulk\r\n") < 0)
		return -1;
	if (c->cf->feedback_id == NULL)
		return 0;
	buf_reset(&c->val);
	if (tag_expand(c->cf->feedback_id, &cv, 1, &c->val) < 0)
		return -1;
	return buf_appendf(&c->same, "Feedback-ID: %s\r\n", c->val.data);
}

int
copy_setup(struct copy *c, const char *tmpl, size_t n, const struct rlist *rl,
	   struct cerr *e)
{
	struct cerr pe;
	const char *at;

	buf_init(&c->val, 64 * 1024);
	buf_init(&c->same, 64 * 1024);
	at = c->cf->return_path ? strrchr(c->cf->return_path, '@') : NULL;
	c->domain = at ? at + 1 : "localhost";
	if (msg_prepare_drop(&c->tmpl, tmpl, n, c->campaign, dropped, &pe) < 0)
		return cerr_set(e, "part 1 (template): %s", pe.msg);
	if (same_fields(c) < 0)
		return cerr_set(e, "feedback_id: expands too long");
	return map_tags(c, rl, e);
}

/* put_unsub - List-Unsubscribe and List-Unsubscribe-Post when configured */
static int
put_unsub(struct copy *c, const char *key, struct buf *out)
{
	char	token[HMAC_TOKEN_LEN + 1] = "";
	int	r;

	buf_reset(&c->val);
	if ((r = tag_unsub_value(c->cf, c->secret, c->campaign, key, token, &c->val)) <= 0)
		return r;
	if (buf_appendf(out, "List-Unsubscribe: %s\r\n", c->val.data) < 0)
		return -1;
	if (c->cf->unsubscribe_url == NULL)
		return 0;
	return buf_puts(out, "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n");
}

/* put_fields - the copy's own header fields */
static int
put_fields(struct copy *c, long idx, const char *addr, const char *key,
	   struct buf *out)
{
	if (buf_appendf(out, "To: <%s>\r\nMessage-ID: <%s.%s.%ld.%s@%s>\r\n",
			addr, c->campaign, c->batch, idx, c->qid, c->domain) < 0
	    || buf_append(out, c->same.data, c->same.len) < 0)
		return -1;
	return put_unsub(c, key, out);
}

int
copy_build(struct copy *c, long idx, const struct rrec *rec, const struct addr *a,
	   const char *key, struct buf *rp, struct buf *out, struct cerr *e)
{
	char	verp[ADDR_KEY_MAX + 2];
	size_t	i;

	buf_reset(out);
	buf_reset(rp);
	for (i = 0; i < c->tmpl.ntags; i++)
		c->vals[i] = c->tagcol[i] < 0 ? (char *)rec->addr : rec->fields[c->tagcol[i]];
	if (c->cf->return_path == NULL ? buf_puts(rp, c->sender) < 0
	    : tag_return_path(c->cf->return_path, c->campaign,
			      addr_verp(a, verp, sizeof(verp)) == 0 ? verp : NULL, rp) < 0)
		return cerr_set(e, "return path too long");
	if (put_fields(c, idx, rec->addr, key, out) < 0
	    || msg_merge(&c->tmpl, c->vals, out) < 0)
		return cerr_set(e, "copy larger than the buffer");
	return 0;
}

void
copy_free(struct copy *c)
{
	msg_free(&c->tmpl);
	free(c->tagcol);
	free(c->vals);
	buf_free(&c->val);
	buf_free(&c->same);
	c->tagcol = NULL;
	c->vals = NULL;
}
