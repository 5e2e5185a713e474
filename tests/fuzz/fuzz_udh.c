/*
 * fuzz_udh.c - the user data header parser and the segmenter.
 *
 * Phase 1: parse the input as a UDH (UDHL first).  Whatever parses must
 * build back to the same bytes (the parser is lossless), and every
 * semantic helper must run on it without faults.  The cursor form must
 * agree with the whole-input form.
 * Phase 2: the first byte chooses segmenter options, the rest is the
 * payload; the segments must respect the TP-UD limits and carry the
 * payload in order.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "concat.h"
#include "err.h"
#include "udh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_parse(const uint8_t *data, size_t size)
{
	struct stk_udh udh;
	struct stk_udh_concat cc;
	struct stk_udh_ports pp;
	struct stk_diag d;
	struct stk_cur c;
	struct stk_buf b;
	int rc, rc_cur;

	stk_diag_clear(&d);
	rc = stk_udh_parse(data, size, &udh, &d);
	stk_cur_init(&c, data, size);
	rc_cur = stk_udh_parse_cur(&c, &udh, NULL);
	/* Same verdict, except that the cursor form leaves trailing bytes. */
	if (rc_cur == STK_OK && rc == STK_E_TRAILING)
		rc_cur = STK_E_TRAILING;
	if (rc != rc_cur)
		abort();
	rc = stk_udh_parse(data, size, &udh, &d);
	if (rc != STK_OK) {
		if (udh.n != 0 || d.field == NULL || d.offset > size)
			abort();
		return;
	}
	stk_buf_init(&b);
	if (stk_udh_build(&udh, &b) != STK_OK || stk_buf_len(&b) != size ||
	    memcmp(stk_buf_data(&b), data, size) != 0)
		abort();
	stk_buf_reset(&b);
	if (stk_udh_describe(&udh, &b) != STK_OK)
		abort();
	stk_buf_free(&b);
	(void)stk_udh_validate(&udh, NULL);
	rc = stk_udh_find_concat(&udh, &cc, NULL);
	if (rc == STK_OK && (cc.seq == 0 || cc.seq > cc.total))
		abort();
	(void)stk_udh_find_ports(&udh, &pp, NULL);
	(void)stk_udh_is_command_packet(&udh);
	(void)stk_udh_is_response_packet(&udh);
}

/* Is septet k the second half of an escape pair (pairs read left to
 * right from the start)? */
static int
pair_second(const uint8_t *p, size_t k)
{
	size_t j = 0;

	while (j < k) {
		if (p[j] == 0x1b && j + 1 == k)
			return 1;
		j += p[j] == 0x1b ? 2 : 1;
	}
	return 0;
}

static void
fuzz_segment(const uint8_t *data, size_t size)
{
	static const uint8_t port[] = { 0x0b, 0x84, 0x23, 0xf0 };
	const struct stk_udh_ie every[] = { { .iei = 0x05, .len = 4,
	    .data = port } };
	const struct stk_udh_ie first[] = { { .iei = 0x70, .len = 0 } };
	struct stk_segment_opts o = { 0 };
	struct stk_seglist l;
	size_t at = 0;
	uint8_t opt;

	if (size < 1)
		return;
	opt = data[0];
	data++;
	size--;
	o.charset = (enum stk_charset)(opt % 3);
	o.ref16 = (opt & 0x04) != 0;
	o.ref = o.ref16 ? 0xabcd : 0xab;
	o.force_concat = (opt & 0x08) != 0;
	if (opt & 0x10) {
		o.every = every;
		o.n_every = 1;
	}
	if (opt & 0x20) {
		o.first = first;
		o.n_first = 1;
	}
	if (stk_segment(data, size, &o, &l) != STK_OK)
		return;
	if (l.n == 0 || l.n > STK_CONCAT_MAX_SEGMENTS)
		abort();
	for (size_t i = 0; i < l.n; i++) {
		const struct stk_segment *s = &l.seg[i];
		struct stk_udh udh;

		if (s->udl > (o.charset == STK_CHARSET_GSM7 ? 160u : 140u))
			abort();
		if (o.charset == STK_CHARSET_UCS2 && s->body_len % 2 != 0)
			abort();
		if (s->udh_len > 0 &&
		    stk_udh_parse(s->udh, s->udh_len, &udh, NULL) != STK_OK)
			abort();
		if (at + s->body_len > size ||
		    memcmp(s->body, data + at, s->body_len) != 0)
			abort();
		at += s->body_len;
		/* §9.2.3.24.1: no escape sequence split across segments. */
		if (o.charset == STK_CHARSET_GSM7 && at < size &&
		    pair_second(data, at))
			abort();
	}
	if (at != size)
		abort();
	stk_seglist_free(&l);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_parse(data, size);
	fuzz_segment(data, size);
	return 0;
}
