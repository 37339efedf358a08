/*
 * NAME
 *	fuzz_addr - libFuzzer target: SMTP paths and header addresses (lib/addr.c)
 * DESCRIPTION
 *	Parses the input (at most 4 kB) as an SMTP path and as a header
 *	value.  Invariants: on success the parts are within RFC 5321 sizes,
 *	the key, VERP and formatted forms fit ADDR_KEY_MAX + 1, the key is
 *	lower case, its domain is found by addr_domain_of(), the params
 *	pointer lies inside the input, and the formatted address in
 *	angle brackets parses again to the same key (round trip).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

#define IN_MAX 4096

static void
check_forms(const struct addr *a)
{
	char	key[ADDR_KEY_MAX + 1], verp[ADDR_KEY_MAX + 1];
	char	fmt[ADDR_KEY_MAX + 1], key2[ADDR_KEY_MAX + 1], path[ADDR_KEY_MAX + 3];
	struct addr b;
	size_t	i;

	if (strlen(a->domain) > ADDR_DOMAIN_MAX || strlen(a->local) > ADDR_LOCAL_MAX + 2)
		abort();
	if (addr_key(a, key, sizeof(key)) < 0)
		abort();
	for (i = 0; key[i]; i++)
		if (key[i] >= 'A' && key[i] <= 'Z')
			abort();
	if (a->null) {
		if (key[0] != '\0' || addr_verp(a, verp, sizeof(verp)) != -1)
			abort();
		return;
	}
	if (addr_verp(a, verp, sizeof(verp)) < 0 || addr_format(a, fmt, sizeof(fmt)) < 0)
		abort();
	if (addr_domain_of(key) == NULL)
		abort();
	/* round trip: the formatted address is a path with the same key
	 * (unless the brackets take it over the RFC 5321 path size) */
	if (strlen(fmt) + 2 > ADDR_PATH_MAX)
		return;
	snprintf(path, sizeof(path), "<%s>", fmt);
	if (addr_parse_path(path, strlen(path), &b, NULL, NULL) < 0)
		abort();
	if (addr_key(&b, key2, sizeof(key2)) < 0 || strcmp(key, key2) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *params = NULL;
	struct cerr e;
	struct addr a;

	if (size > IN_MAX)
		return 0;
	cerr_clear(&e);
	if (addr_parse_path(s, size, &a, &params, &e) == 0) {
		if (params < s || params > s + size)
			abort();
		check_forms(&a);
	} else if (e.msg[0] == '\0') {
		abort();			/* a failure always names its reason */
	}
	if (addr_parse_header(s, size, &a, &e) == 0)
		check_forms(&a);
	return 0;
}
