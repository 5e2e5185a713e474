/*
 * fuzz_tlv.c - BER-TLV and COMPREHENSION-TLV decoding (lib/tlv.c) on
 * arbitrary input.
 *
 * The encodings of TS 101 220 §7.1 as implemented are canonical (minimal
 * lengths and tags are enforced, the CTLV tag format is kept in tag3), so
 * every element that decodes must re-encode to exactly its input bytes.
 * The input is read as a BER-TLV sequence whose values are read as
 * COMPREHENSION-TLV sequences (proactive commands, envelopes), as a
 * COMPREHENSION-TLV sequence, and as a length field.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "err.h"
#include "tlv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int cond)
{
	if (!cond)
		abort();
}

/* Re-encode t and compare with the bytes it was read from. */
static void
reencode(const uint8_t *base, const struct stk_tlv *t)
{
	struct stk_buf b;
	size_t mark;

	stk_buf_init(&b);
	if (t->comprehension) {
		check(t->tag3 || t->tag < 0x7f);
		check(stk_ctlv_add_tag(&b, t->tag, t->cr, t->tag3));
		mark = stk_buf_open_u8(&b);
	} else {
		mark = stk_ber_tlv_open(&b, t->tag);
	}
	check(stk_buf_add_bytes(&b, stk_cur_data(&t->value),
	    stk_cur_len(&t->value)));
	check(stk_tlv_close(&b, mark));
	check(stk_buf_len(&b) == t->size);
	check(memcmp(stk_buf_data(&b), base + t->tag_offset, t->size) == 0);
	check(stk_cur_offset(&t->value) + stk_cur_len(&t->value) ==
	    t->tag_offset + t->size);
	stk_buf_free(&b);
}

/* Walk a sequence; returns the element count or the error. */
static int
walk(const uint8_t *base, const struct stk_cur *seq, bool ctlv, int depth)
{
	struct stk_tlv_iter it;
	struct stk_tlv t, f;
	struct stk_diag d;
	int r, n = 0, cnt;

	stk_diag_clear(&d);
	stk_tlv_iter_init(&it, seq, ctlv);
	while ((r = stk_tlv_next(&it, &t, &d)) > 0) {
		n++;
		check(t.comprehension == ctlv);
		reencode(base, &t);
		if (ctlv) {
			r = stk_ctlv_find(seq, t.tag, &f, NULL);
			check(r == STK_OK || r < 0);
			if (r == STK_OK)
				check(f.tag == t.tag && f.tag_offset <= t.tag_offset);
		} else if (depth == 0) {
			walk(base, &t.value, true, depth + 1);
		}
	}
	if (r < 0) {
		check(d.err == r && d.field != NULL);
		check(d.offset <= stk_cur_offset(seq) + stk_cur_len(seq));
		check(stk_tlv_next(&it, &t, NULL) == r);
		check(stk_tlv_count(seq, ctlv, NULL) == r);
		return r;
	}
	cnt = stk_tlv_count(seq, ctlv, NULL);
	check(cnt == n);
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stk_cur c;
	struct stk_buf b;
	struct stk_tlv t;
	size_t len;

	stk_cur_init(&c, data, size);
	walk(data, &c, false, 0);
	walk(data, &c, true, 0);

	if (stk_ber_tlv_parse_one(data, size, 0, &t, NULL) == STK_OK)
		check(t.size == size);

	if (stk_tlv_get_length(&c, &len, NULL, NULL) == STK_OK) {
		size_t used = size - stk_cur_len(&c);

		stk_buf_init(&b);
		check(stk_tlv_add_length(&b, len));
		check(stk_buf_len(&b) == used);
		check(memcmp(stk_buf_data(&b), data, used) == 0);
		check(stk_tlv_len_size(len) == used);
		stk_buf_free(&b);
	} else {
		check(stk_cur_len(&c) == size);
	}
	return 0;
}
