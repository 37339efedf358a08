/*
 * NAME
 *	message - read, clean and store the message pipe(8) hands the filter
 *	(see message.h)
 * DIAGNOSTICS
 *	Returns -1 with a struct cerr text; never prints.
 * SEE ALSO
 *	RFC 5322 section 2.2 (header fields, folding), RFC 5321 section
 *	4.5.2 (transparency), Postfix cleanup_message.c, is_header.c.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "message.h"

#define BODY_CHUNK	(64 * 1024)
#define FEED_PREFIX	"X-Campaign-Feed-"

void
message_init(struct message *m, const struct message_limits *lim)
{
	memset(m, 0, sizeof(*m));
	spool_init(&m->sp, lim->mem_limit, lim->tmpdir);
	m->max_header_bytes = lim->max_header_bytes;
	m->at_bol = 1;
}

void
message_free(struct message *m)
{
	spool_free(&m->sp);
}

/* store_line_end - end a line with CRLF, whatever the input used */
static int
store_line_end(struct message *m, const char *content, size_t n, struct cerr *e)
{
	int	has_cr = n ? content[n - 1] == '\r' : m->last_cr;

	m->at_bol = 1;
	m->last_cr = 0;
	return spool_write(&m->sp, has_cr ? "\n" : "\r\n", has_cr ? 1 : 2, e);
}

/* message_store - append bytes, converting to SMTP DATA form */
int
message_store(struct message *m, const char *p, size_t n, struct cerr *e)
{
	const char *end = p + n, *nl;
	size_t	len;

	while (p < end) {
		if (m->at_bol && *p == '.' && spool_write(&m->sp, ".", 1, e) < 0)
			return -1;
		nl = memchr(p, '\n', (size_t) (end - p));
		len = (size_t) ((nl ? nl : end) - p);
		if (len && spool_write(&m->sp, p, len, e) < 0)
			return -1;
		if (nl == NULL) {
			m->at_bol = 0;
			m->last_cr = p[len - 1] == '\r';
			return 0;
		}
		if (store_line_end(m, p, len, e) < 0)
			return -1;
		p = nl + 1;
	}
	return 0;
}

/* header_name_len - length of "name" in "name:", or 0 if not a header */
static size_t
header_name_len(const char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (p[i] == ':')
			return i;
		if ((unsigned char) p[i] < 33 || (unsigned char) p[i] > 126)
			return 0;
	}
	return 0;
}

/* capture_id - append header value bytes to the campaign id */
static void
capture_id(struct message *m, const char *p, size_t n)
{
	size_t	len = strlen(m->campaign);

	for (; n > 0; p++, n--) {
		if (*p == '\r' || *p == '\n')
			continue;
		if (len == 0 && (*p == ' ' || *p == '\t'))
			continue;
		if (len < MESSAGE_ID_MAX)
			m->campaign[len++] = *p;
	}
	m->campaign[len] = '\0';
	while (len > 0 && (m->campaign[len - 1] == ' ' || m->campaign[len - 1] == '\t'))
		m->campaign[--len] = '\0';
}

/* start_header - classify a new header field; returns 1 to keep it */
static int
start_header(struct message *m, const char *p, size_t n, size_t name_len)
{
	int	was_seen = m->campaign[0] != '\0';

	m->cur_drop = (name_len >= sizeof(FEED_PREFIX) - 1
		       && strncasecmp(p, FEED_PREFIX, sizeof(FEED_PREFIX) - 1) == 0)
	    || (name_len == 11 && strncasecmp(p, "Return-Path", 11) == 0);
	m->cur_id = name_len == 13 && strncasecmp(p, "X-Campaign-ID", 13) == 0
	    && !was_seen;
	if (m->cur_id)
		capture_id(m, p + name_len + 1, n - name_len - 1);
	if (name_len == 16 && strncasecmp(p, "X-Campaign-Batch", 16) == 0)
		m->is_batch = 1;
	if (m->cur_drop)
		m->removed++;
	return !m->cur_drop;
}

/*
 * message_header_line - one line of the header section: 1 still in the
 * header section, 0 the section ended with this line (stored), -1 error
 */
int
message_header_line(struct message *m, const char *p, size_t n, struct cerr *e)
{
	size_t	name_len;

	if (memchr(p, '\0', n) != NULL)
		return cerr_set(e, "NUL byte in message header");
	if ((m->header_bytes += n) > m->max_header_bytes)
		return cerr_set(e, "message header over %zu bytes", m->max_header_bytes);
	if ((n == 1 && p[0] == '\n') || (n == 2 && p[0] == '\r' && p[1] == '\n'))
		return message_store(m, p, n, e) < 0 ? -1 : 0;
	if (p[0] == ' ' || p[0] == '\t') {
		if (m->cur_id)
			capture_id(m, p, n);
		return m->cur_drop ? 1 : message_store(m, p, n, e) < 0 ? -1 : 1;
	}
	if ((name_len = header_name_len(p, n)) == 0) {
		m->cur_drop = m->cur_id = 0;
		return message_store(m, p, n, e) < 0 ? -1 : 0;
	}
	if (!start_header(m, p, n, name_len))
		return 1;
	return message_store(m, p, n, e) < 0 ? -1 : 1;
}

/* read_headers - the header section; returns 1 body follows, 0 EOF, -1 */
static int
read_headers(struct message *m, FILE *in, struct cerr *e)
{
	struct buf line;
	int	r = 0, h = 1;

	buf_init(&line, m->max_header_bytes);
	while (h == 1 && (r = buf_getline(&line, in)) == 1) {
		m->in_size += line.len;
		h = message_header_line(m, line.data, line.len, e);
		buf_reset(&line);
	}
	buf_free(&line);
	if (h < 0)
		return -1;
	if (h == 1 && r < 0)
		return errno == EMSGSIZE
		    ? cerr_set(e, "message header line over %zu bytes", m->max_header_bytes)
		    : cerr_set(e, "read message: %s", strerror(errno));
	return h == 0;
}

/* read_body - copy the rest in chunks */
static int
read_body(struct message *m, FILE *in, struct cerr *e)
{
	char	chunk[BODY_CHUNK];
	size_t	n;

	while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0) {
		m->in_size += n;
		if (memchr(chunk, '\0', n) != NULL)
			return cerr_set(e, "NUL byte in message body");
		if (message_store(m, chunk, n, e) < 0)
			return -1;
	}
	if (ferror(in))
		return cerr_set(e, "read message: %s", strerror(errno));
	return 0;
}

int
message_read(struct message *m, FILE *in, struct cerr *e)
{
	int	r = read_headers(m, in, e);

	if (r < 0 || (r == 1 && read_body(m, in, e) < 0))
		return -1;
	if (!m->at_bol && store_line_end(m, "", 0, e) < 0)
		return -1;
	return 0;
}
