/*
 * NAME
 *	test_addr - unit tests for lib/addr.c
 * DESCRIPTION
 *	One table per function: input, expected result, expected named
 *	error (its addr_strerror() text in struct cerr, the one error
 *	channel), expected lookup key (and parameters, VERP form).
 */
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "testhelp.h"

#define L64 "llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllll"
#define D63 "ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
#define D59 "ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
#define D251 D63 "." D63 "." D63 "." D59	/* 251 octets */

struct path_case {
	const char *in;
	size_t	n;			/* 0: strlen(in) */
	int	ret;
	enum addr_error err;
	const char *key;		/* when ret == 0 */
	const char *params;		/* when ret == 0 */
};

static const struct path_case path_cases[] = {
	{"<User@Example.COM>", 0, 0, ADDR_OK, "user@example.com", ""},
	{"<>", 0, 0, ADDR_OK, "", ""},
	{"<> SIZE=100", 0, 0, ADDR_OK, "", "SIZE=100"},
	{"<a@b.c> SIZE=10 BODY=8BITMIME", 0, 0, ADDR_OK, "a@b.c", "SIZE=10 BODY=8BITMIME"},
	{" <a@b.c>", 0, 0, ADDR_OK, "a@b.c", ""},
	{"<@relay.example,@r2.example:joe@Example.org>", 0, 0, ADDR_OK, "joe@example.org", ""},
	{"a@b.c", 0, 0, ADDR_OK, "a@b.c", ""},
	{"a@b.c SIZE=5", 0, 0, ADDR_OK, "a@b.c", "SIZE=5"},
	{"<first.last+tag@sub.example.com>", 0, 0, ADDR_OK, "first.last+tag@sub.example.com", ""},
	{"<first..last@example.com>", 0, 0, ADDR_OK, "first..last@example.com", ""},
	{"<a@example.com.>", 0, 0, ADDR_OK, "a@example.com", ""},
	{"<a@[192.0.2.1]>", 0, 0, ADDR_OK, "a@[192.0.2.1]", ""},
	{"<\"John Doe\"@Example.com>", 0, 0, ADDR_OK, "\"john doe\"@example.com", ""},
	{"<\"john\"@example.com>", 0, 0, ADDR_OK, "john@example.com", ""},
	{"<\"a\\\"b\"@example.com>", 0, 0, ADDR_OK, "\"a\\\"b\"@example.com", ""},
	{"<\"a>b\"@example.com>", 0, 0, ADDR_OK, "\"a>b\"@example.com", ""},
	{"<" L64 "@example.com>", 0, 0, ADDR_OK, L64 "@example.com", ""},
	{"<" L64 "l@example.com>", 0, -1, ADDR_ETOOLONG, NULL, NULL},
	{"<ab@" D251 ">", 0, 0, ADDR_OK, "ab@" D251, ""},	/* 256 */
	{"<abc@" D251 ">", 0, -1, ADDR_ETOOLONG, NULL, NULL},
	{"ab@" D251, 0, 0, ADDR_OK, "ab@" D251, ""},
	{"abc@" D251, 0, -1, ADDR_ETOOLONG, NULL, NULL},
	{"<a\0b@example.com>", 17, -1, ADDR_ENUL, NULL, NULL},
	{"<a@example.com>\r\n", 0, -1, ADDR_ECRLF, NULL, NULL},
	{"<a\nb@example.com>", 0, -1, ADDR_ECRLF, NULL, NULL},
	{"<a\tb@example.com>", 0, -1, ADDR_ECTRL, NULL, NULL},
	{"<a\177b@example.com>", 0, -1, ADDR_ECTRL, NULL, NULL},
	{"<j\303\266rg@example.com>", 0, -1, ADDR_E8BIT, NULL, NULL},
	{"<a@example.com", 0, -1, ADDR_EBRACKET, NULL, NULL},
	{"<<a@example.com>>", 0, -1, ADDR_EBRACKET, NULL, NULL},
	{"a@example.com>", 0, -1, ADDR_EBRACKET, NULL, NULL},
	{"<a@example.com>x", 0, -1, ADDR_ESYNTAX, NULL, NULL},
	{"<@example.com>", 0, -1, ADDR_EEMPTYLOCAL, NULL, NULL},
	{"<postmaster>", 0, -1, ADDR_ENODOMAIN, NULL, NULL},
	{"<a@>", 0, -1, ADDR_ENODOMAIN, NULL, NULL},
	{"<a@b..c>", 0, -1, ADDR_ESYNTAX, NULL, NULL},
	{"<a@.b>", 0, -1, ADDR_ESYNTAX, NULL, NULL},
	{"<a b@example.com>", 0, -1, ADDR_ESYNTAX, NULL, NULL},
	{"<a@exa mple.com>", 0, -1, ADDR_ESYNTAX, NULL, NULL},
	{"<a(b)@example.com>", 0, -1, ADDR_ESYNTAX, NULL, NULL},
	{"<\"unterminated@example.com>", 0, -1, ADDR_EBRACKET, NULL, NULL},
	{"<a@b@c>", 0, -1, ADDR_ESYNTAX, NULL, NULL},
	{"", 0, -1, ADDR_ESYNTAX, NULL, NULL},
	{"<@a.example:>", 0, -1, ADDR_ESYNTAX, NULL, NULL},
};

static void
test_parse_path(void)
{
	size_t	i;

	for (i = 0; i < sizeof(path_cases) / sizeof(path_cases[0]); i++) {
		const struct path_case *c = &path_cases[i];
		size_t	n = c->n ? c->n : strlen(c->in);
		struct addr a;
		struct cerr e;
		const char *params = NULL;
		char	key[ADDR_KEY_MAX + 1];
		int	r;

		cerr_clear(&e);
		r = addr_parse_path(c->in, n, &a, &params, &e);
		CHECK_INT(r, c->ret, "path %zu \"%s\" result", i, c->in);
		CHECK_STR(e.msg, c->err ? addr_strerror(c->err) : "",
			  "path %zu \"%s\" error", i, c->in);
		if (r != 0 || c->ret != 0)
			continue;
		CHECK_INT(addr_key(&a, key, sizeof(key)), 0, "path %zu key fits", i);
		CHECK_STR(key, c->key, "path %zu \"%s\" key", i, c->in);
		CHECK_STR(params, c->params, "path %zu \"%s\" params", i, c->in);
	}
}

struct header_case {
	const char *in;
	int	ret;
	enum addr_error err;
	const char *key;
};

static const struct header_case header_cases[] = {
	{"John Doe <John@Example.com>", 0, ADDR_OK, "john@example.com"},
	{"\"Doe, John\" <j@example.com>", 0, ADDR_OK, "j@example.com"},
	{"\"a <b@c>\" <real@example.com>", 0, ADDR_OK, "real@example.com"},
	{"j@example.com (John Doe)", 0, ADDR_OK, "j@example.com"},
	{"(c (nested)) j@example.com", 0, ADDR_OK, "j@example.com"},
	{"j@example.com", 0, ADDR_OK, "j@example.com"},
	{"  j@example.com  ", 0, ADDR_OK, "j@example.com"},
	{"a@example.com, b@example.com", 0, ADDR_OK, "a@example.com"},
	{"A <a@example.com>, B <b@example.com>", 0, ADDR_OK, "a@example.com"},
	{"J\303\266rg <j@example.com>", 0, ADDR_OK, "j@example.com"},
	{"John\r\n Doe <j@example.com>", 0, ADDR_OK, "j@example.com"},
	{"John\n\tDoe <j@example.com>", 0, ADDR_OK, "j@example.com"},
	{"\"quoted local\"@example.com", 0, ADDR_OK, "\"quoted local\"@example.com"},
	{"<@r.example:j@example.com>", 0, ADDR_OK, "j@example.com"},
	{"John <j@example.com", -1, ADDR_EBRACKET, NULL},
	{"j@example.com>", -1, ADDR_EBRACKET, NULL},
	{"John\r\nX-Injected: yes <j@example.com>", -1, ADDR_ECRLF, NULL},
	{"John <j\001@example.com>", -1, ADDR_ECTRL, NULL},
	{"<j\303\266@example.com>", -1, ADDR_E8BIT, NULL},
	{"j\303\266@example.com", -1, ADDR_E8BIT, NULL},
	{"John <>", -1, ADDR_ESYNTAX, NULL},
	{"John <@example.com>", -1, ADDR_EEMPTYLOCAL, NULL},
	{"undisclosed-recipients:;", -1, ADDR_ESYNTAX, NULL},
	{"just a name", -1, ADDR_ENODOMAIN, NULL},
	{"j@example.com (unterminated", -1, ADDR_ESYNTAX, NULL},
	{"j@", -1, ADDR_ENODOMAIN, NULL},
	{"<" L64 "l@example.com>", -1, ADDR_ETOOLONG, NULL},
};

static void
test_parse_header(void)
{
	size_t	i;

	for (i = 0; i < sizeof(header_cases) / sizeof(header_cases[0]); i++) {
		const struct header_case *c = &header_cases[i];
		struct addr a;
		struct cerr e;
		char	key[ADDR_KEY_MAX + 1];
		int	r;

		cerr_clear(&e);
		r = addr_parse_header(c->in, strlen(c->in), &a, &e);
		CHECK_INT(r, c->ret, "header %zu \"%s\" result", i, c->in);
		CHECK_STR(e.msg, c->err ? addr_strerror(c->err) : "",
			  "header %zu \"%s\" error", i, c->in);
		if (r != 0 || c->ret != 0)
			continue;
		addr_key(&a, key, sizeof(key));
		CHECK_STR(key, c->key, "header %zu \"%s\" key", i, c->in);
	}
}

struct form_case {
	const char *in;
	const char *verp;		/* NULL: addr_verp fails */
	const char *format;
};

static const struct form_case form_cases[] = {
	{"<User@Example.COM>", "User=example.com", "User@Example.COM"},
	{"<\"john\"@Example.com.>", "john=example.com", "\"john\"@Example.com."},
	{"<\"a b\"@x.example>", "\"a b\"=x.example", "\"a b\"@x.example"},
	{"<>", NULL, ""},
};

static void
test_forms(void)
{
	size_t	i;

	for (i = 0; i < sizeof(form_cases) / sizeof(form_cases[0]); i++) {
		const struct form_case *c = &form_cases[i];
		struct addr a;
		char	out[ADDR_KEY_MAX + 1];

		CHECK_INT(addr_parse_path(c->in, strlen(c->in), &a, NULL, NULL), 0,
			  "forms %zu parse", i);
		if (c->verp) {
			CHECK_INT(addr_verp(&a, out, sizeof(out)), 0, "forms %zu verp", i);
			CHECK_STR(out, c->verp, "forms %zu verp", i);
		} else {
			CHECK_INT(addr_verp(&a, out, sizeof(out)), -1, "forms %zu verp of <>", i);
		}
		CHECK_INT(addr_format(&a, out, sizeof(out)), 0, "forms %zu format", i);
		CHECK_STR(out, c->format, "forms %zu format", i);
	}
}

static void
test_small_outputs(void)
{
	struct addr a;
	char	out[8];

	addr_parse_path("<abcdef@example.com>", 20, &a, NULL, NULL);
	CHECK_INT(addr_key(&a, out, sizeof(out)), -1, "key into small buffer");
	CHECK_INT(addr_verp(&a, out, sizeof(out)), -1, "verp into small buffer");
	CHECK_INT(addr_format(&a, out, sizeof(out)), -1, "format into small buffer");
	CHECK_INT(addr_key(&a, out, 0), -1, "key into empty buffer");
}

static void
test_domain_of(void)
{
	CHECK_STR(addr_domain_of("a@b.example"), "b.example", "domain of a@b.example");
	CHECK_STR(addr_domain_of("\"x@y\"@b.example"), "b.example", "domain of quoted @");
	CHECK(addr_domain_of("nodomain") == NULL, "no domain gives NULL");
	CHECK_STR(addr_strerror(ADDR_ENUL), "NUL byte in address", "strerror");
	CHECK_STR(addr_strerror((enum addr_error)99), "unknown address error", "strerror bad");
}

int
main(void)
{
	test_parse_path();
	test_parse_header();
	test_forms();
	test_small_outputs();
	test_domain_of();
	return TEST_DONE("test_addr");
}
