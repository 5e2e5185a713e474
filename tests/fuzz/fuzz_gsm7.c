/*
 * fuzz_gsm7.c - TS 23.038 codecs (lib/gsm7.c) on arbitrary input.
 *
 * Invariants checked:
 *  - stk_gsm7_unpack() with any fill/count either fails with a named error
 *    or yields exactly n septets, all 0x00-0x7F, that pack back to octets
 *    that unpack to the same septets;
 *  - any septets decode to UTF-8 that encodes back, and decoding that
 *    again gives the same UTF-8 (escape fallbacks are not lossless, the
 *    second round trip is);
 *  - whatever stk_gsm7_from_utf8() or stk_ucs2_from_utf8() accepts comes
 *    back byte for byte, and the counting functions agree with it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "err.h"
#include "gsm7.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int cond)
{
	if (!cond)
		abort();
}

static bool
buf_equal(const struct stk_buf *b, const void *p, size_t n)
{
	return stk_buf_len(b) == n &&
	    (n == 0 || memcmp(stk_buf_data(b), p, n) == 0);
}

/* septets -> UTF-8 -> septets -> UTF-8 must be stable after one round. */
static void
septets_round_trip(const uint8_t *s, size_t n)
{
	struct stk_buf u1, s2, u2;

	stk_buf_init(&u1);
	stk_buf_init(&s2);
	stk_buf_init(&u2);
	check(stk_gsm7_to_utf8(s, n, &u1) == STK_OK);
	check(stk_gsm7_from_utf8((const char *)stk_buf_data(&u1),
	    stk_buf_len(&u1), &s2) == STK_OK);
	check(stk_gsm7_to_utf8(stk_buf_data(&s2), stk_buf_len(&s2), &u2) ==
	    STK_OK);
	check(buf_equal(&u2, stk_buf_data(&u1), stk_buf_len(&u1)));
	stk_buf_free(&u1);
	stk_buf_free(&s2);
	stk_buf_free(&u2);
}

static void
fuzz_unpack(const uint8_t *data, size_t size)
{
	struct stk_buf s, p, s2;
	unsigned fill;
	size_t n, avail;
	int r;

	if (size < 2)
		return;
	fill = data[0] % 8;		/* 7 is invalid on purpose */
	avail = size - 2;
	/* mostly the count that fits, sometimes off by a little */
	n = fill < 7 ? (avail * 8 - (avail ? fill : 0)) / 7 : 0;
	n += (size_t)(int8_t)data[1] % 3;
	if (avail == 0 || (data[1] & 0x80))
		n = data[1] & 0x7f;
	stk_buf_init(&s);
	stk_buf_init(&p);
	stk_buf_init(&s2);
	r = stk_gsm7_unpack(data + 2, avail, fill, n, &s);
	if (fill > 6) {
		check(r == STK_E_ARG);
	} else if (avail != stk_gsm7_packed_len(n, fill)) {
		check(r == STK_E_TRUNCATED || r == STK_E_TRAILING);
		check(stk_buf_len(&s) == 0);
	} else {
		check(r == STK_OK);
		check(stk_buf_len(&s) == n);
		for (size_t i = 0; i < n; i++)
			check(stk_buf_data(&s)[i] <= 0x7f);
		check(stk_gsm7_pack(stk_buf_data(&s), n, fill, &p) == STK_OK);
		check(stk_buf_len(&p) == avail);
		check(stk_gsm7_unpack(stk_buf_data(&p), stk_buf_len(&p), fill,
		    n, &s2) == STK_OK);
		check(buf_equal(&s2, stk_buf_data(&s), n));
		septets_round_trip(stk_buf_data(&s), n);
	}
	stk_buf_free(&s);
	stk_buf_free(&p);
	stk_buf_free(&s2);
}

static void
fuzz_text(const uint8_t *data, size_t size)
{
	const char *t = (const char *)data;
	struct stk_buf s, u, c;
	size_t count;
	int r;

	stk_buf_init(&s);
	stk_buf_init(&u);
	stk_buf_init(&c);

	r = stk_gsm7_from_utf8(t, size, &s);
	check(r == STK_OK || r == STK_E_CHARSET || r == STK_E_INVALID);
	check(stk_gsm7_representable(t, size) == (r == STK_OK));
	check(stk_charset_for_text(t, size) ==
	    (r == STK_OK ? STK_CHARSET_GSM7 : STK_CHARSET_UCS2));
	if (r == STK_OK) {
		check(stk_gsm7_count(t, size, &count) == STK_OK);
		check(count == stk_buf_len(&s));
		check(stk_gsm7_to_utf8(stk_buf_data(&s), stk_buf_len(&s), &u)
		    == STK_OK);
		check(buf_equal(&u, data, size));
	} else {
		check(stk_buf_len(&s) == 0);
		check(stk_gsm7_count(t, size, &count) == r);
	}

	stk_buf_reset(&u);
	r = stk_ucs2_from_utf8(t, size, &c);
	check(r == STK_OK || r == STK_E_CHARSET || r == STK_E_INVALID);
	if (r == STK_OK) {
		check(stk_ucs2_to_utf8(stk_buf_data(&c), stk_buf_len(&c), &u)
		    == STK_OK);
		check(buf_equal(&u, data, size));
	}

	/* the same bytes as UCS-2 */
	stk_buf_reset(&u);
	stk_buf_reset(&c);
	r = stk_ucs2_to_utf8(data, size, &u);
	check(r == STK_OK || r == STK_E_INCONSISTENT || r == STK_E_INVALID);
	if (r == STK_OK) {
		check(stk_ucs2_from_utf8((const char *)stk_buf_data(&u),
		    stk_buf_len(&u), &c) == STK_OK);
		check(buf_equal(&c, data, size));
	}

	/* the same bytes as septets */
	stk_buf_reset(&u);
	r = stk_gsm7_to_utf8(data, size, &u);
	if (r == STK_OK)
		septets_round_trip(data, size);
	else
		check(r == STK_E_INVALID && stk_buf_len(&u) == 0);

	stk_buf_free(&s);
	stk_buf_free(&u);
	stk_buf_free(&c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_unpack(data, size);
	fuzz_text(data, size);
	return 0;
}
