/*
 * fuzz_cat_common.h - helpers shared by the CAT fuzz targets
 * (fuzz_cat_proactive.c, fuzz_cat_envelope.c, fuzz_cat_terminal_response.c):
 * the properties every CAT decoder must have.
 */
#ifndef STKAUTH_FUZZ_CAT_COMMON_H
#define STKAUTH_FUZZ_CAT_COMMON_H

#include <stdlib.h>
#include <string.h>

#include "cat.h"
#include "err.h"

/* A rejected input names a field at an offset inside the input. */
static inline void
fuzz_cat_check_diag(const struct stk_diag *d, int rc, size_t size)
{
	if (rc >= 0 || d->err != rc || d->offset > size)
		abort();
	if (d->field == NULL && rc != STK_E_ARG)
		abort();
}

/* Decoded texts are NUL-terminated, of the recorded length, and equal. */
static inline void
fuzz_cat_check_text(const struct stk_cat_text *t)
{
	if (t->present && (t->len >= STK_CAT_TEXT_MAX ||
	    t->utf8[t->len] != '\0' || strlen(t->utf8) != t->len))
		abort();
}

/*
 * a decoded, re-encoded and decoded again is b.  One difference is the
 * standard's own: a GSM 7-bit packed text whose last character is CR on an
 * octet boundary is sent with a second CR (TS 23.038 §6.1.2.3.1, "<CR><CR>
 * is identical to <CR>"), so b may be a plus one trailing CR.
 */
static inline int
fuzz_cat_text_same(const struct stk_cat_text *a, const struct stk_cat_text *b)
{
	if (a->present != b->present)
		return 0;
	if (!a->present)
		return 1;
	if (a->coding != b->coding)
		return 0;
	if (a->len == b->len)
		return memcmp(a->utf8, b->utf8, a->len) == 0;
	return b->len == a->len + 1 && a->len > 0 &&
	    a->utf8[a->len - 1] == '\r' && b->utf8[b->len - 1] == '\r' &&
	    memcmp(a->utf8, b->utf8, a->len) == 0;
}

#endif
