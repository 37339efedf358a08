/*
 * NAME
 *	testhelp - the table-driven unit tests' few macros
 * SYNOPSIS
 *	#include "testhelp.h"
 *
 *	CHECK_INT(got, want, "case %s", name);
 *	CHECK_STR(got, want, "case %s", name);
 *	return TEST_DONE("buf");
 * DESCRIPTION
 *	Each check counts as one test.  A failure prints
 *	"FAIL file:line: what: got X, want Y".  TEST_DONE prints
 *	"NAME: N passed, N failed" (the line tests/run adds up) and gives the
 *	exit status: 0 when nothing failed, 1 otherwise.
 * SEE ALSO
 *	Redis testhelp.h, Postfix delivered_hdr_test.c.
 */
#ifndef TESTHELP_H
#define TESTHELP_H

#include <stdio.h>
#include <string.h>

static int th_passed, th_failed;

#define CHECK(cond, ...) do { \
	if (cond) { th_passed++; } else { \
		th_failed++; \
		printf("FAIL %s:%d: ", __FILE__, __LINE__); \
		printf(__VA_ARGS__); printf("\n"); \
	} \
} while (0)

#define CHECK_INT(got, want, ...) do { \
	long long g_ = (long long)(got), w_ = (long long)(want); \
	if (g_ == w_) { th_passed++; } else { \
		th_failed++; \
		printf("FAIL %s:%d: ", __FILE__, __LINE__); \
		printf(__VA_ARGS__); \
		printf(": got %lld, want %lld\n", g_, w_); \
	} \
} while (0)

#define CHECK_STR(got, want, ...) do { \
	const char *g_ = (got), *w_ = (want); \
	if (g_ && w_ && strcmp(g_, w_) == 0) { th_passed++; } else { \
		th_failed++; \
		printf("FAIL %s:%d: ", __FILE__, __LINE__); \
		printf(__VA_ARGS__); \
		printf(": got \"%s\", want \"%s\"\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
	} \
} while (0)

#define TEST_DONE(name) \
	(printf("%s: %d passed, %d failed\n", (name), th_passed, th_failed), th_failed ? 1 : 0)

#endif
