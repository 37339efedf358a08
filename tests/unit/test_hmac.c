/*
 * NAME
 *	test_hmac - unit tests for lib/hmac.c
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hmac.h"
#include "testhelp.h"

static int
write_secret(const char *path, const char *text, mode_t mode)
{
	int	fd;

	unlink(path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)) < 0)
		return -1;
	if (write(fd, text, strlen(text)) < 0) {
		close(fd);
		return -1;
	}
	fchmod(fd, mode);
	return close(fd);
}

int
main(void)
{
	char	path[] = "/tmp/test_hmac.XXXXXX", tok[HMAC_TOKEN_LEN + 1];
	struct buf secret;
	struct cerr e;
	int	fd = mkstemp(path);

	close(fd);
	write_secret(path, "key\n", 0644);
	CHECK_INT(hmac_load_secret(path, &secret, &e), -1, "world-readable secret refused");
	CHECK(strstr(e.msg, "chmod 600") != NULL, "refusal says why: %s", e.msg);
	write_secret(path, "key\n", 0660);
	CHECK_INT(hmac_load_secret(path, &secret, &e), -1, "group-writable secret refused");
	write_secret(path, "key\n", 0604);
	CHECK_INT(hmac_load_secret(path, &secret, &e), -1, "secret readable by others refused");
	write_secret(path, "key\n", 0640);
	CHECK_INT(hmac_load_secret(path, &secret, &e), 0, "group-readable secret accepted (shared by the filter and the milter)");
	buf_free(&secret);
	write_secret(path, "", 0600);
	CHECK_INT(hmac_load_secret(path, &secret, &e), -1, "empty secret refused");
	write_secret(path, "key\n", 0600);
	CHECK_INT(hmac_load_secret(path, &secret, &e), 0, "private secret accepted");
	CHECK_INT(secret.len, 3, "trailing newline removed");

	/* RFC 4231-style known answer: HMAC-SHA256("key", "c\0a@b.example") */
	CHECK_INT(hmac_token(&secret, "c", "A@B.example", tok), 0, "token made");
	CHECK_INT(strlen(tok), HMAC_TOKEN_LEN, "token length");
	CHECK(strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
	    == HMAC_TOKEN_LEN, "token is URL-safe: %s", tok);
	CHECK_INT(hmac_verify(&secret, "c", "a@b.example", tok), 1, "verify, case folded");
	CHECK_INT(hmac_verify(&secret, "d", "a@b.example", tok), 0, "other campaign fails");
	CHECK_INT(hmac_verify(&secret, "c", "x@b.example", tok), 0, "other recipient fails");
	CHECK_INT(hmac_verify(&secret, "c", "a@b.example", "short"), 0, "short token fails");
	tok[0] = tok[0] == 'A' ? 'B' : 'A';
	CHECK_INT(hmac_verify(&secret, "c", "a@b.example", tok), 0, "altered token fails");
	buf_free(&secret);
	unlink(path);
	return TEST_DONE("hmac");
}
