/*
 * NAME
 *	test_batch - lib/batch.c and batch_write.c: a written batch reads
 *	back; malformed batches fail with the place and the reason; bad
 *	records are returned as such; the limits hold
 */
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "testhelp.h"

struct src {
	const char *p;
	size_t	n, pos, step;		/* step: bytes per read, to cut lines */
};

static ssize_t
src_read(void *ctx, char *p, size_t n)
{
	struct src *s = ctx;

	if (n > s->n - s->pos)
		n = s->n - s->pos;
	if (s->step && n > s->step)
		n = s->step;
	memcpy(p, s->p + s->pos, n);
	s->pos += n;
	return (ssize_t)n;
}

static const struct batch_limits lim = {.max_recipients = 5, .max_bytes = 1 << 20};

/* read_all - open and read to the end; "ok N R B" or "open: why" / "next: why" */
static const char *
read_all(const char *in, size_t step)
{
	static char res[600];
	struct src s = {in, strlen(in), 0, step};
	struct batch b;
	struct rrec rec;
	struct cerr e;
	int	rc, nrec = 0, nbad = 0;

	if (batch_open(&b, src_read, &s, &lim, &e) < 0) {
		snprintf(res, sizeof(res), "open: %s", e.msg);
		batch_close(&b);
		return res;
	}
	while ((rc = batch_next(&b, &rec, &e)) == RL_REC || rc == RL_BAD)
		rc == RL_REC ? nrec++ : nbad++;
	if (rc == RL_ERR)
		snprintf(res, sizeof(res), "next: %s", e.msg);
	else
		snprintf(res, sizeof(res), "ok %d %d", nrec, nbad);
	batch_close(&b);
	return res;
}

#define HEAD "X-Campaign-ID: c1\r\nX-Campaign-Batch: b1\r\nFrom: a@b\r\n" \
	"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"BB\"\r\n\r\n"
#define P1 "--BB\r\nContent-Type: message/rfc822\r\n\r\nFrom: a@b\r\n\r\nHi {{name}}\r\n"
#define P2H "--BB\r\nContent-Type: text/csv; header=present\r\n\r\n"
#define CSV "email,name\r\nx@y.example,Ann\r\nz@y.example,Bob\r\n"

static const struct {
	const char *in;
	const char *want;	/* prefix of read_all()'s result */
} cases[] = {
	{HEAD P1 P2H CSV "--BB--\r\n", "ok 2 0"},
	{HEAD "preamble\r\n" P1 P2H CSV "--BB--  \r\nepilogue\r\n", "ok 2 0"},
	{HEAD P1 P2H "email,name\r\n\r\nbad,Ann\r\nx@y,\"A, \"\"q\"\"\"\r\nq@y\r\n--BB--\r\n", "ok 1 2"},
	{HEAD P1 P2H "Email , name\nx@y,1\n--BB--\n", "ok 1 0"},
	{HEAD P1 P2H "email,name\r\nx@y,\xc3\xa9t\xc3\xa9\r\n\xff@y,1\r\n--BB--\r\n", "ok 1 1"},
	{"X-Campaign-Batch: b1\r\nContent-Type: multipart/mixed;\r\n boundary=BB\r\n\r\n"
	 P1 P2H CSV "--BB--\r\n", "ok 2 0"},
	{HEAD P1 P2H CSV, "next: part 2 (text/csv): no closing boundary \"--BB--\""},
	{HEAD P1 P2H CSV "--BB\r\nContent-Type: text/plain\r\n\r\nx\r\n--BB--\r\n",
	 "next: a third part"},
	{HEAD P1 P2H "email,name\r\na@b,1\r\nb@b,2\r\nc@b,3\r\nd@b,4\r\ne@b,5\r\nf@b,6\r\n--BB--\r\n",
	 "next: part 2 (text/csv) line 7: more than 5 recipients"},
	{HEAD P1 "--BB--\r\n", "open: part 2 (text/csv recipients) is missing"},
	{HEAD P1, "open: part 1 (template): no boundary line \"--BB\""},
	{HEAD "--BB--\r\n", "open: body: no parts"},
	{HEAD, "open: body: no boundary line"},
	{HEAD "--BB\r\nContent-Type: text/plain\r\n\r\nx\r\n" P2H CSV "--BB--\r\n",
	 "open: part 1 line 1: Content-Type is \"text/plain\", not message/rfc822"},
	{HEAD "--BB\r\n\r\nx\r\n" P2H CSV "--BB--\r\n", "open: part 1: no Content-Type"},
	{HEAD "--BB\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	 "eA==\r\n" P2H CSV "--BB--\r\n", "open: part 1 line 2: Content-Transfer-Encoding \"base64\""},
	{HEAD "--BB\r\nContent-Type: message/rfc822\r\n\r\n--BB\r\n", "open: part 1 (template) is empty"},
	{HEAD P1 "--BB\r\nContent-Type: text/csv; header=absent\r\n\r\n" CSV "--BB--\r\n",
	 "open: part 2 line 1: header=absent"},
	{HEAD P1 P2H "name,mail\r\nAnn,x@y\r\n--BB--\r\n",
	 "open: part 2 (text/csv) line 1: no header line with an \"email\" column"},
	{HEAD P1 P2H "--BB--\r\n", "open: part 2 (text/csv) line 1: no header line"},
	{"X-Campaign-ID: c1\r\nContent-Type: multipart/mixed; boundary=BB\r\n\r\n",
	 "open: header: no X-Campaign-Batch field"},
	{"X-Campaign-Batch: b/1\r\n\r\n", "open: header line 1: X-Campaign-Batch: bad value"},
	{"X-Campaign-Batch: b1\r\nX-Campaign-Batch: b2\r\n\r\n", "open: header line 2: X-Campaign-Batch given twice"},
	{"X-Campaign-Batch: b1\r\nContent-Type: text/plain\r\n\r\n",
	 "open: header line 2: Content-Type is not multipart/mixed"},
	{"X-Campaign-Batch: b1\r\nContent-Type: multipart/mixed\r\n\r\n",
	 "open: header line 2: Content-Type: no boundary parameter"},
	{"X-Campaign-Batch: b1\r\nContent-Type: multipart/mixed; boundary=\"a\r\n\r\n",
	 "open: header line 2: Content-Type: bad parameter syntax"},
	{"X-Campaign-Batch: b1\r\nContent-Type: multipart/mixed; boundary=\"a\x01\"\r\n\r\n",
	 "open: header line 2: Content-Type: bad boundary"},
	{"X-Campaign-Batch: b1\r\n", "open: header line 1: end of message in a header"},
	{"no colon here\r\n\r\n", "open: header line 1: not a header field"},
	{"", "open: header line 0: end of message in a header"},
};

static void
test_cases(void)
{
	const char *got;
	size_t	i, step;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (step = 0; step <= 3; step += 3) {
			got = read_all(cases[i].in, step);
			CHECK(strncmp(got, cases[i].want, strlen(cases[i].want)) == 0,
			      "case %zu step %zu: got \"%s\", want \"%s...\"", i, step,
			      got, cases[i].want);
		}
}

/* test_huge_field - a record over RLIST_RECORD_MAX is bad, the next one fine */
static void
test_huge_field(void)
{
	struct buf in;
	size_t	i;

	buf_init(&in, 1 << 20);
	buf_puts(&in, HEAD P1 P2H "email,name\r\nx@y,");
	for (i = 0; i < RLIST_RECORD_MAX + 10; i++)
		buf_putc(&in, 'a');
	buf_puts(&in, "\r\nz@y,short\r\n--BB--\r\n");
	CHECK_STR(read_all(buf_cstr(&in), 0), "ok 1 1", "huge field: bad, then the next record");
	CHECK_STR(read_all(buf_cstr(&in), 1000), "ok 1 1", "huge field in small reads");
	buf_free(&in);
}

/* test_roundtrip - the writer's batch reads back, values intact */
static void
test_roundtrip(void)
{
	const char *tmpl = "From: Shop <shop@example.com>\n\tfolded\nTo: {{email}}\n"
	    "Subject: Hi {{name}}\n\n.dot line\n--=_campaign_batch_ no\n\xc3\xa9t\xc3\xa9\n";
	char   *cols[] = {"email", "name"};
	char   *r1[] = {"a@x.example", "Ann, \"the\"\nsecond"};
	char   *r2[] = {"b@x.example", " pad "};
	struct batch_writer w;
	struct buf out;
	struct cerr e;
	struct batch b;
	struct rrec rec;
	struct src s;

	buf_init(&out, 1 << 20);
	CHECK_INT(batch_write_begin(&w, &out, "c1", "b000017", tmpl, strlen(tmpl),
				    cols, 2, 0, &e), 0, "write begin");
	CHECK_INT(batch_write_rcpt(&w, &out, r1, &e), 0, "write record 1");
	CHECK_INT(batch_write_rcpt(&w, &out, r2, &e), 0, "write record 2");
	CHECK_INT(batch_write_end(&w, &out, &e), 0, "write end");
	CHECK_INT(w.has8bit, 1, "8-bit template seen");
	CHECK_INT(w.nrcpt, 2, "records counted");
	s = (struct src) {out.data, out.len, 0, 7};
	CHECK_INT(batch_open(&b, src_read, &s, &lim, &e), 0, "read back: %s", e.msg);
	CHECK_STR(b.campaign, "c1", "campaign");
	CHECK_STR(b.id, "b000017", "batch id");
	CHECK_STR(buf_cstr(&b.tmpl), "From: Shop <shop@example.com>\r\n\tfolded\r\nTo: {{email}}\r\n"
		  "Subject: Hi {{name}}\r\n\r\n.dot line\r\n--=_campaign_batch_ no\r\n"
		  "\xc3\xa9t\xc3\xa9", "template");
	CHECK_INT(batch_next(&b, &rec, &e), RL_REC, "record 1");
	CHECK_STR(rec.addr, "a@x.example", "address 1");
	CHECK_STR(rec.fields[1], "Ann, \"the\"\nsecond", "quoted value");
	CHECK_INT(batch_next(&b, &rec, &e), RL_REC, "record 2");
	CHECK_STR(rec.fields[1], " pad ", "blanks kept");
	CHECK_INT(batch_next(&b, &rec, &e), RL_EOF, "end: %s", e.msg);
	batch_close(&b);
	buf_free(&out);
}

/* test_writer_refuses - what the writer does not write */
static void
test_writer_refuses(void)
{
	char   *cols[] = {"email", "name"}, *nomail[] = {"addr"};
	char	f[200];
	char   *r[] = {"a@b", f};
	struct batch_writer w;
	struct buf out;
	struct cerr e;

	buf_init(&out, 1 << 16);
	CHECK_INT(batch_write_begin(&w, &out, "c/1", "b", "From: a\n\n", 9, cols, 2, 0, &e),
		  -1, "bad campaign id");
	CHECK_INT(batch_write_begin(&w, &out, "c", "b", "Subject: a\n\n", 12, cols, 2, 0, &e),
		  -1, "no From:");
	CHECK_INT(batch_write_begin(&w, &out, "c", "b", "From: a\n\n", 9, nomail, 1, 0, &e),
		  -1, "no email column");
	buf_reset(&out);
	CHECK_INT(batch_write_begin(&w, &out, "c", "b", "From: a\n\n.x\n", 12, cols, 2, 1, &e),
		  0, "dot-stuffed");
	CHECK(strstr(buf_cstr(&out), "\r\n..x\r\n") != NULL, "template line dot-stuffed");
	snprintf(f, sizeof(f), "x\n--%s\ny", w.boundary);
	CHECK_INT(batch_write_rcpt(&w, &out, r, &e), -1, "field with the boundary");
	buf_free(&out);
}

int
main(void)
{
	char	bd[80];
	struct cerr e;

	test_cases();
	test_huge_field();
	test_roundtrip();
	test_writer_refuses();
	CHECK_INT(batch_content_type("Multipart/Mixed ; charset=x; boundary=\"a b\"", bd,
				     sizeof(bd), &e), 0, "content type");
	CHECK_STR(bd, "a b", "quoted boundary");
	CHECK_INT(batch_content_type("multipart/mixed; boundary=\"a \"", bd, sizeof(bd), &e),
		  -1, "boundary ends in a space");
	CHECK_INT(batch_id_valid("b000017"), 1, "batch id");
	CHECK_INT(batch_id_valid(""), 0, "empty batch id");
	return TEST_DONE("test_batch");
}
