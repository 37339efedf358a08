/*
 * NAME
 *	nullmilter - the do-nothing libmilter milter, baseline for bench/milter
 * SYNOPSIS
 *	bench/nullmilter -p unix:/path
 * DESCRIPTION
 *	The typical do-nothing milter: it registers every callback (connect,
 *	helo, envfrom, envrcpt, data, header, eoh, body, eom, abort, close,
 *	unknown), each returning SMFIS_CONTINUE, and no xxfi_negotiate, so
 *	libmilter negotiates the default protocol: Postfix sends every event
 *	and waits for a reply to each (no SMFIP_NO* or SMFIP_NR_* flags), and
 *	sends its default macros.  It asks for no actions and changes nothing.
 *	Stops on SIGTERM (libmilter's own signal handling).
 * DIAGNOSTICS
 *	Exit 0 after a clean stop, 64 usage, 70 libmilter failure.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

static sfsistat n_conn(SMFICTX *c, char *h, _SOCK_ADDR *a) { (void)c, (void)h, (void)a; return SMFIS_CONTINUE; }
static sfsistat n_helo(SMFICTX *c, char *h) { (void)c, (void)h; return SMFIS_CONTINUE; }
static sfsistat n_argv(SMFICTX *c, char **v) { (void)c, (void)v; return SMFIS_CONTINUE; }
static sfsistat n_hdr(SMFICTX *c, char *n, char *v) { (void)c, (void)n, (void)v; return SMFIS_CONTINUE; }
static sfsistat n_ctx(SMFICTX *c) { (void)c; return SMFIS_CONTINUE; }
static sfsistat n_body(SMFICTX *c, unsigned char *b, size_t n) { (void)c, (void)b, (void)n; return SMFIS_CONTINUE; }
static sfsistat n_unk(SMFICTX *c, const char *s) { (void)c, (void)s; return SMFIS_CONTINUE; }

static struct smfiDesc desc = {
	.xxfi_name = "nullmilter", .xxfi_version = SMFI_VERSION, .xxfi_flags = 0,
	.xxfi_connect = n_conn, .xxfi_helo = n_helo, .xxfi_envfrom = n_argv,
	.xxfi_envrcpt = n_argv, .xxfi_header = n_hdr, .xxfi_eoh = n_ctx,
	.xxfi_body = n_body, .xxfi_eom = n_ctx, .xxfi_abort = n_ctx,
	.xxfi_close = n_ctx, .xxfi_unknown = n_unk, .xxfi_data = n_ctx,
};

int
main(int argc, char **argv)
{
	if (argc != 3 || strcmp(argv[1], "-p") != 0) {
		fprintf(stderr, "usage: nullmilter -p SOCKET\n");
		return 64;
	}
	umask(0);
	if (smfi_register(desc) != MI_SUCCESS || smfi_setconn(argv[2]) != MI_SUCCESS
	    || smfi_opensocket(1) != MI_SUCCESS)
		return 70;
	return smfi_main() == MI_SUCCESS ? 0 : 70;
}
