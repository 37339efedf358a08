/*
 * NAME
 *	test_feed_batch - the batch container (writer API) and campaign-feed's batches
 * DESCRIPTION
 *	The writer (batch_write_begin/rcpt/end, lib/batch.h's API) is
 *	checked from the outside: the container is split as a MIME reader
 *	would (RFC 2046: the boundary from Content-Type, delimiter lines,
 *	the closing one) and must have exactly two parts, message/rfc822
 *	holding the template with CRLF line ends and text/csv holding the
 *	header and one record per recipient.  CSV quoting is table-driven
 *	(comma, quote, line breaks, blanks, 8-bit values) and every table
 *	row is also read back with the recipient-list reader (feed_rcpt.c,
 *	the same CSV rules as the filter's).  Then dot-stuffing, the
 *	writer's refusals, the feeder's batches (fbatch_*: columns from the
 *	template's tags, the byte limit), the journal's B records and the
 *	outcome of a batch recorded for each of its recipients.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../feeder/feed.h"
#include "testhelp.h"

struct part {
	const char *p;
	size_t	n;
};

/* header_value - the value of field name (CRLF lines, not folded), or "" */
static void
header_value(const char *h, size_t n, const char *name, char *out, size_t size)
{
	size_t	k = strlen(name), i = 0;
	const char *nl;

	out[0] = '\0';
	while (i < n) {
		nl = memchr(h + i, '\n', n - i);
		if (nl == NULL)
			return;
		if (strncasecmp(h + i, name, k) == 0 && h[i + k] == ':') {
			snprintf(out, size, "%.*s", (int)(nl - (h + i + k + 1) - 2), h + i + k + 2);
			return;
		}
		i = (size_t)(nl - h) + 1;
	}
}

/* boundary_of - the boundary parameter of a Content-Type value */
static void
boundary_of(const char *ct, char *out, size_t size)
{
	const char *b = strstr(ct, "boundary=\"");
	const char *e = b ? strchr(b + 10, '"') : NULL;

	out[0] = '\0';
	if (b && e)
		snprintf(out, size, "%.*s", (int)(e - b - 10), b + 10);
}

/*
 * mime_split - the parts of a multipart message in p (CRLF): returns the
 * number of parts (-1: no closing delimiter, -2: not multipart)
 */
static int
mime_split(const char *p, size_t n, struct part *parts, int max, char *ct, size_t ctn)
{
	char	b[128], delim[140];
	const char *body = strstr(p, "\r\n\r\n"), *q, *next;
	size_t	dl;
	int	k = 0;

	if (body == NULL)
		return -2;
	header_value(p, (size_t)(body - p) + 2, "Content-Type", ct, ctn);
	boundary_of(ct, b, sizeof(b));
	if (strncmp(ct, "multipart/mixed", 15) != 0 || b[0] == '\0')
		return -2;
	dl = (size_t)snprintf(delim, sizeof(delim), "\r\n--%s", b);
	q = memmem(body, n - (size_t)(body - p), delim, dl);	/* the first delimiter */
	while (q != NULL) {
		q += dl;
		if (q[0] == '-' && q[1] == '-')
			return k;			/* the closing delimiter */
		q += 2;				/* CRLF after the delimiter */
		next = memmem(q, n - (size_t)(q - p), delim, dl);
		if (next == NULL || k == max)
			return -1;
		parts[k].p = q;
		parts[k++].n = (size_t)(next - q);
		q = next;
	}
	return -1;
}

/* part_body - the body of a part (after its header), and its Content-Type */
static struct part
part_body(struct part pt, char *ct, size_t ctn)
{
	const char *e = memmem(pt.p, pt.n, "\r\n\r\n", 4);
	struct part b = {"", 0};

	ct[0] = '\0';
	if (e == NULL)
		return b;
	header_value(pt.p, (size_t)(e - pt.p) + 2, "Content-Type", ct, ctn);
	b.p = e + 4;
	b.n = pt.n - (size_t)(b.p - pt.p);
	return b;
}

static const char tmpl_lf[] = "From: News <news@example.org>\nSubject: hi {{name}}\n\n"
	"Hello {{name}},\n.dot line\nend\n";
static const char tmpl_crlf[] = "From: News <news@example.org>\r\nSubject: hi {{name}}\r\n\r\n"
	"Hello {{name}},\r\n.dot line\r\nend\r\n";

static const struct {
	const char *name, *email, *val, *want;	/* want: the record as written */
	const char *also;			/* another right way, or NULL */
} rows[] = {
	{"plain", "a@example.org", "Ann", "a@example.org,Ann\r\n", NULL},
	{"comma", "b@example.org", "Smith, John", "b@example.org,\"Smith, John\"\r\n", NULL},
	{"quote", "c@example.org", "say \"hi\"", "c@example.org,\"say \"\"hi\"\"\"\r\n", NULL},
	{"LF", "d@example.org", "two\nlines", "d@example.org,\"two\r\nlines\"\r\n", NULL},
	{"CRLF", "e@example.org", "two\r\nlines", "e@example.org,\"two\r\nlines\"\r\n", NULL},
	/* a lone CR: as a line end (CRLF), or kept inside the quotes */
	{"CR", "f@example.org", "two\rlines", "f@example.org,\"two\r\nlines\"\r\n",
	 "f@example.org,\"two\rlines\"\r\n"},
	{"blank", "g@example.org", " padded ", "g@example.org,\" padded \"\r\n", NULL},
	{"empty", "h@example.org", "", "h@example.org,\"\"\r\n", "h@example.org,\r\n"},
	{"8-bit", "i@example.org", "K\xc3\xb6ln \xe2\x82\xac", "i@example.org,K\xc3\xb6ln \xe2\x82\xac\r\n", NULL},
	{"all", "j@example.org", ",\"\n", "j@example.org,\",\"\"\r\n\"\r\n", NULL},
};
#define NROWS (sizeof(rows) / sizeof(rows[0]))

/* write_all_rows - a container with every row; returns begin's result */
static int
write_all_rows(struct buf *out, struct batch_writer *w, const char *tmpl, int stuff)
{
	char   *cols[] = {"email", "name"};
	char   *f[2];
	struct cerr e;
	size_t	i;

	if (batch_write_begin(w, out, "camp1", "b000007", tmpl, strlen(tmpl), cols, 2,
			      stuff, &e) < 0)
		return -1;
	for (i = 0; i < NROWS; i++) {
		f[0] = (char *)rows[i].email;
		f[1] = (char *)rows[i].val;
		CHECK_INT(batch_write_rcpt(w, out, f, &e), 0, "rcpt %s", rows[i].name);
	}
	return batch_write_end(w, out, &e);
}

/* same_text - got is want, or want without its last CRLF (RFC 2046: the
 * CRLF before a delimiter line may be taken as the delimiter's) */
static int
same_text(struct part got, const char *want, size_t n)
{
	return (got.n == n && memcmp(got.p, want, n) == 0)
	    || (n >= 2 && got.n == n - 2 && memcmp(got.p, want, n - 2) == 0
		&& memcmp(want + n - 2, "\r\n", 2) == 0);
}

/* check_csv_records - part 2 holds the header, then exactly the rows'
 * records, in order (each as written, or its other right way) */
static void
check_csv_records(struct part csv)
{
	size_t	i, off, k, ka;
	const char *w, *a;

	k = strlen("email,name\r\n");
	CHECK(csv.n >= k && memcmp(csv.p, "email,name\r\n", k) == 0, "csv: header line");
	for (off = k, i = 0; i < NROWS; i++, off += k) {
		w = rows[i].want;
		a = rows[i].also ? rows[i].also : w;
		k = strlen(w);
		ka = strlen(a);
		/* the last record's CRLF may be the delimiter's (same_text) */
		if (off + k <= csv.n + 2 && memcmp(csv.p + off, w, k - 2) == 0)
			continue;
		if (off + ka <= csv.n + 2 && memcmp(csv.p + off, a, ka - 2) == 0) {
			k = ka;
			continue;
		}
		CHECK(0, "csv record %s: %.*s", rows[i].name,
		      (int) (csv.n - off < 60 ? csv.n - off : 60), csv.p + off);
		return;
	}
	CHECK(off == csv.n || off == csv.n + 2, "csv: nothing after the last record");
	th_passed++;		/* every record in its place */
}

/* unbreak - a value with each line break (CR, LF, CRLF) made one LF */
static void
unbreak(const char *v, char *out, size_t size)
{
	size_t	o = 0;

	for (; *v && o + 1 < size; v++) {
		if (*v == '\r' && v[1] == '\n')
			continue;
		out[o++] = *v == '\r' ? '\n' : *v;
	}
	out[o] = '\0';
}

/* check_readback - the CSV read by the recipient-list reader gives the
 * values back (a line break travels as CRLF: compared as LF) */
static void
check_readback(struct part csv)
{
	char	path[] = "/tmp/test_feed_batch.XXXXXX";
	int	fd = mkstemp(path), rc;
	struct rlist rl;
	struct rrec rec;
	struct cerr e;
	size_t	i = 0;
	char	want[64], got[64];

	if (fd < 0 || write(fd, csv.p, csv.n) != (ssize_t)csv.n) {
		CHECK(0, "readback: temporary file");
		return;
	}
	lseek(fd, 0, SEEK_SET);
	CHECK_INT(rlist_openfd(&rl, fd, &e), 0, "readback: open");
	while ((rc = rlist_next(&rl, &rec, &e)) == RL_REC && i < NROWS) {
		unbreak(rows[i].val, want, sizeof(want));
		unbreak(rec.fields[1], got, sizeof(got));
		CHECK_STR(rec.addr, rows[i].email, "readback %s: address", rows[i].name);
		CHECK_STR(got, want, "readback %s: value", rows[i].name);
		i++;
	}
	CHECK_INT(rc, RL_EOF, "readback: ends cleanly");
	CHECK_INT(i, NROWS, "readback: records");
	rlist_close(&rl);
	unlink(path);
}

/* container - the writer's container parses as MIME with the two parts */
static void
container(const char *tmpl, const char *label)
{
	struct buf out;
	struct batch_writer w;
	struct part parts[4], b;
	char	ct[256], v[256];
	int	n;

	buf_init(&out, 1 << 20);
	CHECK_INT(write_all_rows(&out, &w, tmpl, 0), 0, "%s: written", label);
	CHECK_INT(w.nrcpt, NROWS, "%s: nrcpt", label);
	CHECK_INT(w.has8bit, 1, "%s: has8bit (an 8-bit value)", label);
	CHECK(strstr(out.data, "\n\n") == NULL && strstr(out.data, "\r\r") == NULL,
	      "%s: CRLF line ends only", label);
	header_value(out.data, out.len, "X-Campaign-ID", v, sizeof(v));
	CHECK_STR(v, "camp1", "%s: X-Campaign-ID", label);
	header_value(out.data, out.len, "X-Campaign-Batch", v, sizeof(v));
	CHECK_STR(v, "b000007", "%s: X-Campaign-Batch", label);
	header_value(out.data, out.len, "From", v, sizeof(v));
	CHECK_STR(v, "News <news@example.org>", "%s: From of the template", label);
	header_value(out.data, out.len, "MIME-Version", v, sizeof(v));
	CHECK_STR(v, "1.0", "%s: MIME-Version", label);
	n = mime_split(out.data, out.len, parts, 4, ct, sizeof(ct));
	CHECK_INT(n, 2, "%s: two parts (%s)", label, ct);
	if (n != 2)
		goto done;
	b = part_body(parts[0], ct, sizeof(ct));
	CHECK_STR(ct, "message/rfc822", "%s: part 1 type", label);
	CHECK(same_text(b, tmpl_crlf, strlen(tmpl_crlf)),
	      "%s: part 1 is the template with CRLF", label);
	b = part_body(parts[1], ct, sizeof(ct));
	CHECK(strncmp(ct, "text/csv", 8) == 0 && strstr(ct, "header=present"),
	      "%s: part 2 type: %s", label, ct);
	check_csv_records(b);
	check_readback(b);
done:
	buf_free(&out);
}

/* stuffing - dotstuff=1 doubles leading dots; undone it is the BDAT form */
static void
stuffing(void)
{
	struct buf out;
	struct batch_writer w;
	struct part parts[4];
	char	ct[256];
	size_t	n;

	buf_init(&out, 1 << 20);
	CHECK_INT(write_all_rows(&out, &w, tmpl_crlf, 1), 0, "stuffed: written");
	CHECK(strstr(out.data, "\r\n..dot line\r\n") != NULL, "stuffed: dot line doubled");
	n = msg_unstuff(out.data, out.len);
	CHECK(memmem(out.data, n, "\r\n.dot line\r\n", 13) != NULL, "stuffed: unstuffs back");
	out.len = n;
	out.data[n] = '\0';
	CHECK_INT(mime_split(out.data, out.len, parts, 4, ct, sizeof(ct)), 2,
		  "stuffed: unstuffed parses");
	buf_free(&out);
}

/* refusals - bad ids, a template that is no message, the boundary in a field */
static void
refusals(void)
{
	struct buf out;
	struct batch_writer w;
	struct cerr e;
	char   *cols[] = {"email"};
	char   *f[1];
	char	evil[200];

	buf_init(&out, 1 << 20);
	CHECK_INT(batch_write_begin(&w, &out, "camp1", "bad id", tmpl_lf, strlen(tmpl_lf),
				    cols, 1, 0, &e), -1, "bad batch id refused");
	CHECK_INT(batch_write_begin(&w, &out, "", "b1", tmpl_lf, strlen(tmpl_lf),
				    cols, 1, 0, &e), -1, "empty campaign refused");
	CHECK_INT(batch_write_begin(&w, &out, "camp1", "b1", "\nno header\n", 11,
				    cols, 1, 0, &e), -1, "template without header refused");
	buf_reset(&out);
	CHECK_INT(batch_write_begin(&w, &out, "camp1", "b1", "From: a@b.example\n\nascii\n", 25,
				    cols, 1, 0, &e), 0, "7-bit template");
	CHECK_INT(w.has8bit, 0, "7-bit: has8bit 0");
	CHECK(strstr(out.data, "Content-Transfer-Encoding: 7bit") != NULL, "7-bit: part 1 says 7bit");
	snprintf(evil, sizeof(evil), "x\n--%s--", w.boundary);
	f[0] = evil;
	CHECK_INT(batch_write_rcpt(&w, &out, f, &e), -1, "a field holding the boundary refused");
	buf_free(&out);
	buf_init(&out, 600);
	CHECK_INT(batch_write_begin(&w, &out, "camp1", "b1", tmpl_lf, strlen(tmpl_lf),
				    cols, 1, 0, &e) == 0 && batch_write_end(&w, &out, &e) == 0, 0,
		  "a full buffer fails");
	buf_free(&out);
}

/* feeder_batch - fbatch_*: columns from the tags, records, the byte limit */
static void
feeder_batch(void)
{
	static const char raw[] = "From: a@example.org\nSubject: {{name}}\n\n{{email}} {{city}}\n";
	struct msg m;
	struct fbatch_tmpl t;
	struct fbatch b;
	struct rrec rec;
	struct cerr e;
	char   *fields[3] = {"x@example.org", "Ann", "Paris"};
	int	tagcol[3], i;

	CHECK_INT(msg_prepare(&m, raw, sizeof(raw) - 1, "camp2", &e), 0, "msg");
	for (i = 0; i < (int)m.ntags; i++)	/* list columns: email, name, city */
		tagcol[i] = strcmp(m.tags[i], "email") == 0 ? -1
		    : strcmp(m.tags[i], "name") == 0 ? 1 : 2;
	memset(&t, 0, sizeof(t));
	t.nrcpt = 3;
	t.max_bytes = 64;
	CHECK_INT(fbatch_tmpl_init(&t, &m, "camp2", FEED_BATCH_TO, tagcol, &e), -1,
		  "--batch-bytes too small refused");
	fbatch_tmpl_free(&t);
	t.max_bytes = FEED_BATCH_BYTES;
	CHECK_INT(fbatch_tmpl_init(&t, &m, "camp2", FEED_BATCH_TO, tagcol, &e), 0, "tmpl");
	CHECK_INT(t.ncols, 3, "columns: email and two fields");
	CHECK_STR(t.cols[0], "email", "column 0");
	CHECK_STR(t.cols[1], "name", "column 1");
	CHECK_INT(fbatch_begin(&b, &t, "b000001", &e), 0, "begin");
	memset(&rec, 0, sizeof(rec));
	rec.nfields = 3;
	rec.fields = fields;
	for (i = 0; i < 3; i++) {
		snprintf(rec.addr, sizeof(rec.addr), "u%d@example.org", i);
		rec.line = (unsigned long)(10 + i);
		CHECK_INT(fbatch_full(&b, &t), 0, "not full before %d", i);
		CHECK_INT(fbatch_add(&b, &t, &rec, &e), 0, "add %d", i);
	}
	CHECK_INT(fbatch_full(&b, &t), 1, "full at --batch 3");
	CHECK_INT(fbatch_end(&b, &e), 0, "end");
	CHECK(strstr(b.body.data, "\r\nemail,name,city\r\nu0@example.org,Ann,Paris\r\n") != NULL,
	      "records under the header");
	CHECK(strstr(b.body.data, "X-Campaign-ID: camp2\r\n") != NULL, "campaign header");
	CHECK(strstr(b.body.data, "{{name}}") != NULL, "tags left in the template");
	CHECK_INT(b.lines[2], 12, "lines kept");
	b.n = 0;
	t.max_bytes = b.body.len + 2 * FEED_RECORD_MAX;
	CHECK_INT(fbatch_full(&b, &t), 1, "full when one more record could pass --batch-bytes");
	free(b.lines);
	buf_free(&b.addrs);
	buf_free(&b.body);
	fbatch_tmpl_free(&t);
	msg_free(&m);
}

/* journal_batches - B records, and one outcome for each recipient of a batch */
static void
journal_batches(void)
{
	char	path[] = "/tmp/test_feed_batch_j.XXXXXX", text[4096];
	struct journal j;
	struct feed_counts c;
	struct fbatch b;
	struct cerr e;
	FILE   *fp;
	size_t	k;
	int	fd = mkstemp(path);

	close(fd);
	unlink(path);
	memset(&b, 0, sizeof(b));
	memset(&c, 0, sizeof(c));
	snprintf(b.id, sizeof(b.id), "b000003");
	unsigned long lines[] = {4, 9};
	b.lines = lines;
	b.n = 2;
	buf_init(&b.addrs, 1024);
	buf_append(&b.addrs, "p@example.org\0q@example.org\0", 28);
	CHECK_INT(journal_open(&j, path, "camp3", &e), 0, "journal open");
	CHECK_INT(journal_batch(&j, 3, lines, 2), 0, "B record");
	CHECK_INT(fbatch_settle(&b, &j, &c, 'R', "550 5.7.1 no"), 0, "settle R");
	CHECK_INT(c.rejected, 2, "rejected counts each recipient");
	CHECK_INT(fbatch_settle(&b, &j, &c, 'A', NULL), 0, "settle A");
	CHECK_INT(c.accepted, 2, "accepted counts each recipient");
	CHECK_INT(c.batches, 1, "one batch accepted");
	CHECK_INT(journal_flush(&j, 0, &e), 0, "flush");
	journal_close(&j);
	fp = fopen(path, "r");
	k = fp ? fread(text, 1, sizeof(text) - 1, fp) : 0;
	text[k] = '\0';
	if (fp)
		fclose(fp);
	CHECK(strstr(text, "\nB 3 2 4,9\n") != NULL, "journal: B 3 2 4,9");
	CHECK(strstr(text, "\nR 9 q@example.org batch b000003: 550 5.7.1 no\n") != NULL,
	      "journal: R with the batch's reply for each recipient");
	CHECK(strstr(text, "\nA 4 p@example.org b000003\n") != NULL, "journal: A with the batch id");
	CHECK_INT(journal_open(&j, path, "camp3", &e), 0, "journal reopen");
	CHECK_INT(j.batch_seq, 3, "reopen: highest batch number");
	CHECK_INT(journal_is_done(&j, 9), 1, "reopen: recipient of the batch done");
	CHECK_INT(journal_is_done(&j, 5), 0, "reopen: other line not done");
	CHECK_INT(j.nbatches, 1, "reopen: the B record kept");
	CHECK_STR(j.nbatches ? j.batches[0].ranges : "", "4,9", "reopen: its lines");
	journal_load_line(&j, "B 12 7", 6);
	journal_load_line(&j, "B 5 1", 5);
	CHECK_INT(j.batch_seq, 12, "B records: the highest wins");
	CHECK_INT(j.nbatches, 1, "B records without lines: numbers only");
	journal_load_line(&j, "B 13 2 7-8", 10);
	journal_load_line(&j, "B 14 2 7;8", 10);
	CHECK_INT(j.nbatches, 2, "B record with lines kept, a garbled one not");
	journal_close(&j);
	buf_free(&b.addrs);
	unlink(path);
}

int
main(void)
{
	container(tmpl_lf, "LF template");
	container(tmpl_crlf, "CRLF template");
	stuffing();
	refusals();
	feeder_batch();
	journal_batches();
	return TEST_DONE("test_feed_batch");
}
