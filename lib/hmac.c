/*
 * NAME
 *	hmac - per-recipient unsubscribe tokens (see hmac.h)
 * SEE ALSO
 *	RFC 8058 (one-click unsubscribe), RFC 4648 section 5 (base64url).
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "hmac.h"

#define SECRET_MAX	4096
#define RCPT_MAX	1024

static int
read_secret(int fd, struct buf *secret, const char *path, struct cerr *e)
{
	char	chunk[512];
	ssize_t	n;

	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cerr_set(e, "%s: read: %s", path, strerror(errno));
		if (buf_append(secret, chunk, (size_t)n) < 0)
			return cerr_set(e, "%s: secret longer than %d bytes", path, SECRET_MAX);
	}
	while (secret->len && (secret->data[secret->len - 1] == '\n'
	    || secret->data[secret->len - 1] == '\r'))
		buf_truncate(secret, secret->len - 1);
	if (secret->len == 0)
		return cerr_set(e, "%s: secret file is empty", path);
	return 0;
}

int
hmac_load_secret(const char *path, struct buf *secret, struct cerr *e)
{
	struct stat st;
	int	fd, r;

	buf_init(secret, SECRET_MAX);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return cerr_set(e, "%s: open: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		r = cerr_set(e, "%s: stat: %s", path, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		r = cerr_set(e, "%s: secret is not a regular file", path);
	} else if (st.st_mode & (S_IWGRP | S_IXGRP | S_IRWXO)) {
		r = cerr_set(e, "%s: secret file mode %03o lets others read it or "
		    "its group write it; chmod 600 it (640 to share it with its group)",
		    path, (unsigned)(st.st_mode & 0777));
	} else {
		r = read_secret(fd, secret, path, e);
	}
	close(fd);
	if (r < 0)
		buf_free(secret);
	return r;
}

static void
base64url(const unsigned char *in, size_t n, char *out)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t	i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];

		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = tab[v >> 6 & 63];
		out[o++] = tab[v & 63];
	}
	if (n - i == 2) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;

		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = tab[v >> 6 & 63];
	} else if (n - i == 1) {
		unsigned v = (unsigned)in[i] << 16;

		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
	}
	out[o] = '\0';
}

int
hmac_token(const struct buf *secret, const char *campaign, const char *recipient,
	   char out[HMAC_TOKEN_LEN + 1])
{
	unsigned char msg[256 + 1 + RCPT_MAX], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t	clen = strlen(campaign), rlen = strlen(recipient), i;

	if (clen > 256 || rlen > RCPT_MAX)
		return -1;
	memcpy(msg, campaign, clen);
	msg[clen] = '\0';
	for (i = 0; i < rlen; i++)
		msg[clen + 1 + i] = (unsigned char)tolower((unsigned char)recipient[i]);
	if (HMAC(EVP_sha256(), secret->data, (int)secret->len, msg, clen + 1 + rlen,
	    md, &mdlen) == NULL || mdlen != 32)
		return -1;
	base64url(md, mdlen, out);
	return 0;
}

int
hmac_verify(const struct buf *secret, const char *campaign, const char *recipient,
	    const char *token)
{
	char	want[HMAC_TOKEN_LEN + 1];

	if (strlen(token) != HMAC_TOKEN_LEN
	    || hmac_token(secret, campaign, recipient, want) < 0)
		return 0;
	return CRYPTO_memcmp(want, token, HMAC_TOKEN_LEN) == 0;
}
