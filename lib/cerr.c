/*
 * NAME
 *	cerr - fill in a lib/ error text (see cerr.h)
 */
#include <stdarg.h>
#include <stdio.h>

#include "cerr.h"

int
cerr_set(struct cerr *e, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

void
cerr_clear(struct cerr *e)
{
	if (e != NULL)
		e->msg[0] = '\0';
}
