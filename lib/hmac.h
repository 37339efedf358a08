/*
 * NAME
 *	hmac - per-recipient unsubscribe tokens (HMAC-SHA256, URL-safe)
 * SYNOPSIS
 *	#include "hmac.h"
 *
 *	struct buf secret;
 *	if (hmac_load_secret(path, &secret, &e) < 0) ...
 *	char tok[HMAC_TOKEN_LEN + 1];
 *	hmac_token(&secret, campaign, recipient, tok);
 *	if (hmac_verify(&secret, campaign, recipient, tok) == 1) ...
 * DESCRIPTION
 *	The token is HMAC-SHA256 over  campaign NUL lowercase(recipient),
 *	keyed with the secret, written in unpadded base64url (43 characters
 *	from A-Z a-z 0-9 - _), so it can go into a URL as it is.
 *
 *	hmac_load_secret() reads the whole file (at most 4096 bytes, a
 *	trailing newline removed) into secret (initialized here; caller
 *	frees).  It fails when the file is readable or writable by others,
 *	writable or executable by its group, is not a regular file, or is
 *	empty.  Read access for the group (mode 0640 or 0440) is allowed:
 *	the milter, the filter and campaign-bounce run as different users
 *	and share the one secret through the file's group.
 *	hmac_token() returns 0, or -1 if the recipient is longer than 1024
 *	bytes or the digest failed.  hmac_verify() returns 1 when the token
 *	matches (compared in constant time), 0 otherwise.
 */
#ifndef HMAC_H
#define HMAC_H

#include "buf.h"
#include "cerr.h"

#define HMAC_TOKEN_LEN	43

int	hmac_load_secret(const char *path, struct buf *secret, struct cerr *e);
int	hmac_token(const struct buf *secret, const char *campaign,
		   const char *recipient, char out[HMAC_TOKEN_LEN + 1]);
int	hmac_verify(const struct buf *secret, const char *campaign,
		    const char *recipient, const char *token);

#endif
