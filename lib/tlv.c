/*
 * tlv.c - BER-TLV and COMPREHENSION-TLV (TS 101 220 §7.1, TS 102 223
 * annex C); the contracts are in tlv.h.
 */
#include <limits.h>
#include <string.h>

#include "tlv.h"

#define F_BER_TAG	"BER-TLV tag"
#define F_BER_LEN	"BER-TLV length"
#define F_CTLV_TAG	"COMPREHENSION-TLV tag"
#define F_CTLV_LEN	"COMPREHENSION-TLV length"

/* ISO/IEC 8825-1 §8.1.2.4: low five bits all ones announce more tag bytes. */
#define BER_TAG_MORE	0x1fu
/* In a subsequent tag byte, bit 8 set announces yet another byte. */
#define BER_TAG_CONT	0x80u

static void
buf_fail(struct stk_buf *b)
{
	b->failed = true;
}

/* ---- lengths ---------------------------------------------------------- */

/*
 * TS 102 223 annex C / TS 101 220 §7.1.2.  The smallest value each form
 * may carry, indexed by the number of length bytes after the first:
 * anything below it fits a shorter form and is rejected as non-minimal.
 */
static const size_t len_form_min[4] = { 0, 0x80, 0x100, 0x10000 };

int
stk_tlv_get_length(struct stk_cur *c, size_t *len, struct stk_diag *d,
    const char *field)
{
	struct stk_cur save = *c;
	size_t at = stk_cur_offset(c), n = 0;
	uint8_t first, v;
	unsigned nbytes;

	if (field == NULL)
		field = "TLV length";
	if (!stk_cur_u8(c, &first))
		return stk_fail(d, STK_E_TRUNCATED, field, at);
	if (first < 0x80) {
		*len = first;
		return STK_OK;
	}
	nbytes = first & 0x7fu;
	if (nbytes < 1 || nbytes > 3) {
		/* 0x80 is BER's indefinite form, 0x84+ exceed annex C. */
		*c = save;
		return stk_fail(d, STK_E_INVALID, field, at);
	}
	for (unsigned i = 0; i < nbytes; i++) {
		if (!stk_cur_u8(c, &v)) {
			*c = save;
			return stk_fail(d, STK_E_TRUNCATED, field, at);
		}
		n = (n << 8) | v;
	}
	if (n < len_form_min[nbytes]) {
		*c = save;
		return stk_fail(d, STK_E_INVALID, field, at);
	}
	*len = n;
	return STK_OK;
}

size_t
stk_tlv_len_size(size_t len)
{
	if (len < 0x80)
		return 1;
	if (len <= 0xff)
		return 2;
	if (len <= 0xffff)
		return 3;
	if (len <= STK_TLV_LEN_MAX)
		return 4;
	return 0;
}

/* Write the length field for len (1-4 bytes, minimal) into out. */
static size_t
len_encode(size_t len, uint8_t out[4])
{
	size_t n = stk_tlv_len_size(len);

	if (n == 1) {
		out[0] = (uint8_t)len;
	} else if (n > 1) {
		out[0] = (uint8_t)(0x80u | (n - 1));
		for (size_t i = 1; i < n; i++)
			out[i] = (uint8_t)(len >> (8 * (n - 1 - i)));
	}
	return n;
}

bool
stk_tlv_add_length(struct stk_buf *b, size_t len)
{
	uint8_t enc[4];
	size_t n = len_encode(len, enc);

	if (n == 0) {
		buf_fail(b);
		return false;
	}
	return stk_buf_add_bytes(b, enc, n);
}

/* ---- tags ------------------------------------------------------------- */

/* TS 101 220 §7.1.1, ISO/IEC 7816-4 §5.2.2.1: one- or two-byte BER tag. */
static int
ber_get_tag(struct stk_cur *c, uint32_t *tag, struct stk_diag *d)
{
	size_t at = stk_cur_offset(c);
	uint8_t b1, b2;

	if (!stk_cur_u8(c, &b1))
		return stk_fail(d, STK_E_TRUNCATED, F_BER_TAG, at);
	if (b1 == 0x00 || b1 == 0xff)
		return stk_fail(d, STK_E_INVALID, F_BER_TAG, at);
	if ((b1 & BER_TAG_MORE) != BER_TAG_MORE) {
		*tag = b1;
		return STK_OK;
	}
	if (!stk_cur_u8(c, &b2))
		return stk_fail(d, STK_E_TRUNCATED, F_BER_TAG, at);
	if (b2 & BER_TAG_CONT)
		return stk_fail(d, STK_E_UNSUPPORTED, F_BER_TAG, at);
	if (b2 < BER_TAG_MORE)		/* number fits the one-byte form */
		return stk_fail(d, STK_E_INVALID, F_BER_TAG, at);
	*tag = ((uint32_t)b1 << 8) | b2;
	return STK_OK;
}

/* TS 101 220 §7.1.1.1 (single byte) and §7.1.1.2 (three bytes). */
static int
ctlv_get_tag(struct stk_cur *c, struct stk_tlv *t, struct stk_diag *d)
{
	size_t at = stk_cur_offset(c);
	uint16_t v;
	uint8_t b1;

	if (!stk_cur_u8(c, &b1))
		return stk_fail(d, STK_E_TRUNCATED, F_CTLV_TAG, at);
	if (b1 == STK_CTLV_TAG3) {
		if (!stk_cur_u16(c, &v))
			return stk_fail(d, STK_E_TRUNCATED, F_CTLV_TAG, at);
		t->cr = (v & 0x8000u) != 0;
		t->tag = v & STK_CTLV_TAG_MAX;
		t->tag3 = true;
		if (t->tag == 0)
			return stk_fail(d, STK_E_INVALID, F_CTLV_TAG, at);
		return STK_OK;
	}
	if (b1 == 0x00 || b1 == 0x80 || b1 == 0xff)
		return stk_fail(d, STK_E_INVALID, F_CTLV_TAG, at);
	t->cr = (b1 & STK_CTLV_CR) != 0;
	t->tag = b1 & 0x7fu;
	t->tag3 = false;
	return STK_OK;
}

/* ---- elements --------------------------------------------------------- */

/* Length and value after the tag; shared by both element kinds. */
static int
tlv_get_value(struct stk_cur *c, struct stk_tlv *t, struct stk_diag *d,
    const char *field)
{
	size_t at = stk_cur_offset(c);
	size_t len;
	int r;

	if ((r = stk_tlv_get_length(c, &len, d, field)) != STK_OK)
		return r;
	if (!stk_cur_sub(c, &t->value, len))
		return stk_fail(d, STK_E_TRUNCATED, field, at);
	t->size = stk_cur_offset(c) - t->tag_offset;
	return STK_OK;
}

int
stk_ber_tlv_get(struct stk_cur *c, struct stk_tlv *t, struct stk_diag *d)
{
	struct stk_cur save = *c;
	int r;

	memset(t, 0, sizeof(*t));
	t->tag_offset = stk_cur_offset(c);
	if ((r = ber_get_tag(c, &t->tag, d)) != STK_OK)
		goto out;
	r = tlv_get_value(c, t, d, F_BER_LEN);
out:
	if (r != STK_OK)
		*c = save;
	return r;
}

int
stk_ctlv_get(struct stk_cur *c, struct stk_tlv *t, struct stk_diag *d)
{
	struct stk_cur save = *c;
	int r;

	memset(t, 0, sizeof(*t));
	t->comprehension = true;
	t->tag_offset = stk_cur_offset(c);
	if ((r = ctlv_get_tag(c, t, d)) != STK_OK)
		goto out;
	r = tlv_get_value(c, t, d, F_CTLV_LEN);
out:
	if (r != STK_OK)
		*c = save;
	return r;
}

int
stk_ber_tlv_parse_one(const uint8_t *data, size_t len, uint32_t want_tag,
    struct stk_tlv *t, struct stk_diag *d)
{
	struct stk_cur c;
	int r;

	stk_cur_init(&c, data, len);
	if ((r = stk_ber_tlv_get(&c, t, d)) != STK_OK)
		return r;
	if (want_tag != 0 && t->tag != want_tag)
		return stk_fail(d, STK_E_INVALID, F_BER_TAG, t->tag_offset);
	if (!stk_cur_empty(&c))
		return stk_fail(d, STK_E_TRAILING, "BER-TLV",
		    stk_cur_offset(&c));
	return STK_OK;
}

/* ---- sequences -------------------------------------------------------- */

void
stk_tlv_iter_init(struct stk_tlv_iter *it, const struct stk_cur *seq,
    bool comprehension)
{
	it->rest = *seq;
	it->comprehension = comprehension;
	it->err = STK_OK;
}

int
stk_tlv_next(struct stk_tlv_iter *it, struct stk_tlv *t, struct stk_diag *d)
{
	int r;

	if (it->err != STK_OK)
		return it->err;
	if (stk_cur_empty(&it->rest))
		return 0;
	if (it->comprehension)
		r = stk_ctlv_get(&it->rest, t, d);
	else
		r = stk_ber_tlv_get(&it->rest, t, d);
	if (r != STK_OK) {
		it->err = r;
		return r;
	}
	return 1;
}

int
stk_ctlv_find(const struct stk_cur *seq, uint32_t tag, struct stk_tlv *t,
    struct stk_diag *d)
{
	struct stk_tlv_iter it;
	struct stk_tlv e;
	bool found = false;
	int r;

	stk_tlv_iter_init(&it, seq, true);
	while ((r = stk_tlv_next(&it, &e, d)) > 0) {
		if (!found && e.tag == tag) {
			*t = e;
			found = true;
		}
	}
	if (r < 0)
		return r;
	return found ? STK_OK : STK_E_NOT_FOUND;
}

int
stk_tlv_count(const struct stk_cur *seq, bool comprehension,
    struct stk_diag *d)
{
	struct stk_tlv_iter it;
	struct stk_tlv e;
	int r, n = 0;

	stk_tlv_iter_init(&it, seq, comprehension);
	while ((r = stk_tlv_next(&it, &e, d)) > 0) {
		if (n == INT_MAX)
			return stk_fail(d, STK_E_TOO_LONG, "TLV sequence",
			    e.tag_offset);
		n++;
	}
	return r < 0 ? r : n;
}

/* ---- building --------------------------------------------------------- */

bool
stk_ber_add_tag(struct stk_buf *b, uint32_t tag)
{
	uint8_t b1, b2;

	if (tag >= 0x01 && tag <= 0xfe) {
		if ((tag & BER_TAG_MORE) == BER_TAG_MORE)
			goto fail;
		return stk_buf_add_u8(b, (uint8_t)tag);
	}
	if (tag > 0xffff)
		goto fail;
	b1 = (uint8_t)(tag >> 8);
	b2 = (uint8_t)tag;
	if ((b1 & BER_TAG_MORE) != BER_TAG_MORE || b1 == 0xff ||
	    b2 < BER_TAG_MORE || (b2 & BER_TAG_CONT))
		goto fail;
	return stk_buf_add_u16(b, (uint16_t)tag);
fail:
	buf_fail(b);
	return false;
}

bool
stk_ctlv_add_tag(struct stk_buf *b, uint32_t tag, bool cr, bool force3)
{
	if (tag == 0 || tag > STK_CTLV_TAG_MAX) {
		buf_fail(b);
		return false;
	}
	if (!force3 && tag < STK_CTLV_TAG3)
		return stk_buf_add_u8(b, (uint8_t)(tag | (cr ? STK_CTLV_CR : 0)));
	return stk_buf_add_u8(b, STK_CTLV_TAG3) &&
	    stk_buf_add_u16(b, (uint16_t)(tag | (cr ? 0x8000u : 0)));
}

bool
stk_ber_tlv_add(struct stk_buf *b, uint32_t tag, const void *value,
    size_t len)
{
	return stk_ber_add_tag(b, tag) && stk_tlv_add_length(b, len) &&
	    stk_buf_add_bytes(b, value, len);
}

bool
stk_ctlv_add(struct stk_buf *b, uint32_t tag, bool cr, const void *value,
    size_t len)
{
	return stk_ctlv_add_tag(b, tag, cr, false) &&
	    stk_tlv_add_length(b, len) && stk_buf_add_bytes(b, value, len);
}

size_t
stk_ber_tlv_open(struct stk_buf *b, uint32_t tag)
{
	stk_ber_add_tag(b, tag);
	return stk_buf_open_u8(b);
}

size_t
stk_ctlv_open(struct stk_buf *b, uint32_t tag, bool cr)
{
	stk_ctlv_add_tag(b, tag, cr, false);
	return stk_buf_open_u8(b);
}

bool
stk_tlv_close(struct stk_buf *b, size_t mark)
{
	uint8_t enc[4];
	size_t n, nlen;

	if (!stk_buf_ok(b) || mark >= stk_buf_len(b))
		goto fail;
	n = stk_buf_len(b) - mark - 1;
	if ((nlen = len_encode(n, enc)) == 0)
		goto fail;
	if (!stk_buf_set_u8(b, mark, enc[0]))
		return false;
	if (nlen > 1)
		return stk_buf_insert(b, mark + 1, enc + 1, nlen - 1);
	return true;
fail:
	buf_fail(b);
	return false;
}
