/*
 * cat_text.c - texts of the Card Application Toolkit: the text string data
 * object (TS 102 223 §8.15, DCS per TS 23.038 §4) and the alpha identifier
 * coding shared by alpha identifiers (§8.2) and items (§8.9), which is the
 * EF ADN alpha coding of TS 102 221 annex A.
 */
#include <string.h>

#include "bytes.h"
#include "cat.h"
#include "err.h"
#include "gsm7.h"
#include "sms_dcs.h"

#define GSM7_CR 0x0d

/* The text length a struct stk_cat_text can hold (the NUL needs a byte). */
#define TEXT_CAP (STK_CAT_TEXT_MAX - 1)

/* Well-formed UTF-8 (no overlongs, surrogates or code points > 10FFFF). */
static bool
utf8_valid(const char *s, size_t len)
{
	struct stk_cur c;
	uint8_t b;

	stk_cur_init(&c, (const uint8_t *)s, len);
	while (stk_cur_u8(&c, &b)) {
		uint32_t cp;
		size_t more;
		uint32_t min;

		if (b < 0x80)
			continue;
		if ((b & 0xe0) == 0xc0) {
			cp = b & 0x1f; more = 1; min = 0x80;
		} else if ((b & 0xf0) == 0xe0) {
			cp = b & 0x0f; more = 2; min = 0x800;
		} else if ((b & 0xf8) == 0xf0) {
			cp = b & 0x07; more = 3; min = 0x10000;
		} else {
			return false;
		}
		while (more-- > 0) {
			if (!stk_cur_u8(&c, &b) || (b & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (b & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		/* FFFF marks unused characters (TS 102 221 annex A) */
		if (cp == 0xffff)
			return false;
	}
	return true;
}

static bool
coding_valid(int coding)
{
	return coding == STK_CAT_CODING_AUTO || coding == STK_CAT_CODING_NULL ||
	    (coding >= 0 && coding <= 0xff);
}

int
stk_cat_text_set(struct stk_cat_text *t, const char *utf8, size_t len,
    int coding)
{
	if (t == NULL || (utf8 == NULL && len > 0) || !coding_valid(coding))
		return STK_E_INVALID;
	if (len > TEXT_CAP)
		return STK_E_TOO_LONG;
	if (!utf8_valid(utf8, len))
		return STK_E_INVALID;
	if (coding == STK_CAT_CODING_NULL && len > 0)
		return STK_E_INVALID;
	t->present = true;
	t->coding = coding;
	if (len > 0)
		memcpy(t->utf8, utf8, len);
	t->utf8[len] = '\0';
	t->len = len;
	return STK_OK;
}

/* Start t as present with the coding and an empty text. */
static void
text_begin(struct stk_cat_text *t, int coding)
{
	t->present = true;
	t->coding = coding;
	t->len = 0;
	t->utf8[0] = '\0';
}

/*
 * Append to t the UTF-8 that conv (stk_gsm7_to_utf8 or stk_ucs2_to_utf8,
 * gsm7.h) makes of in[0..n).  The fixed builder over the remaining space
 * fails when the text does not fit: STK_E_TOO_LONG.  With no_nul, a U+0000
 * (which would cut the NUL-terminated text short) is STK_E_INVALID; t is
 * unchanged on failure but for the bytes past its end.
 */
static int
text_append(struct stk_cat_text *t,
    int (*conv)(const uint8_t *, size_t, struct stk_buf *),
    const uint8_t *in, size_t n, bool no_nul)
{
	struct stk_buf b;
	int r;

	stk_buf_init_fixed(&b, (uint8_t *)t->utf8 + t->len, TEXT_CAP - t->len);
	r = conv(in, n, &b);
	if (r == STK_OK && !stk_buf_ok(&b))
		r = STK_E_TOO_LONG;
	if (r == STK_E_NOSPACE)
		r = STK_E_TOO_LONG;
	if (r == STK_OK && no_nul &&
	    memchr(stk_buf_data(&b), 0, stk_buf_len(&b)))
		r = STK_E_INVALID;
	if (r != STK_OK)
		return r;
	t->len += stk_buf_len(&b);
	t->utf8[t->len] = '\0';
	return STK_OK;
}

/* Unpacked GSM default alphabet septets (TS 23.038 §6.2.1). */
static int
text_append_septets(struct stk_cat_text *t, const uint8_t *septets, size_t n)
{
	return text_append(t, stk_gsm7_to_utf8, septets, n, false);
}

/* UCS-2 code units, most significant octet first (TS 23.038 §6.2.3). */
static int
text_append_ucs2(struct stk_cat_text *t, const uint8_t *ucs2, size_t n)
{
	struct stk_cur c;
	uint16_t u;

	/* FFFF is "unused" (TS 102 221 annex A), never a character */
	stk_cur_init(&c, ucs2, n);
	while (stk_cur_u16(&c, &u))
		if (u == 0xffff)
			return STK_E_INVALID;
	return text_append(t, stk_ucs2_to_utf8, ucs2, n, true);
}

/* Every octet of an unpacked GSM string is a septet (bit 8 clear). */
static bool
all_septets(const uint8_t *p, size_t n)
{
	struct stk_cur c;
	uint8_t b;

	stk_cur_init(&c, p, n);
	while (stk_cur_u8(&c, &b))
		if (b > 0x7f)
			return false;
	return true;
}

/* ---- text string, §8.15 ------------------------------------------------ */

int
stk_cat_text_string_decode(struct stk_cur *value, struct stk_cat_text *t,
    struct stk_diag *diag)
{
	struct stk_buf sept;
	struct stk_dcs dcs;
	const uint8_t *data;
	size_t off = stk_cur_offset(value);
	size_t n;
	uint8_t dcs_octet;
	int r = STK_OK;

	stk_buf_init(&sept);
	if (stk_cur_empty(value)) {
		/* §8.15: a null text string has length 0 and no value */
		text_begin(t, STK_CAT_CODING_NULL);
		goto out;
	}
	(void)stk_cur_u8(value, &dcs_octet);
	stk_dcs_decode(dcs_octet, &dcs);
	if (dcs.compressed) {
		r = stk_fail(diag, STK_E_UNSUPPORTED, "text string DCS", off);
		goto out;
	}
	text_begin(t, dcs_octet);
	n = stk_cur_len(value);
	(void)stk_cur_bytes(value, &data, n);
	switch (dcs.charset) {
	case STK_CHARSET_GSM7: {
		/* floor(8n/7) septets fill n octets (TS 23.038 §6.1.2.1.1) */
		size_t nsept = n * 8 / 7;

		r = stk_gsm7_unpack(data, n, 0, nsept, &sept);
		if (r != STK_OK) {
			r = stk_fail(diag, r, "text string", off + 1);
			goto out;
		}
		/* TS 23.038 §6.1.2.3.1: CR filling 7 spare bits is padding */
		if (nsept > 0 && nsept % 8 == 0 &&
		    stk_buf_data(&sept)[nsept - 1] == GSM7_CR)
			nsept--;
		r = text_append_septets(t, stk_buf_data(&sept), nsept);
		break;
	}
	case STK_CHARSET_8BIT:
		/* §8.15: 8-bit data is the GSM default alphabet, bit 8 zero */
		if (!all_septets(data, n)) {
			r = stk_fail(diag, STK_E_INVALID, "text string", off + 1);
			goto out;
		}
		r = text_append_septets(t, data, n);
		break;
	case STK_CHARSET_UCS2:
		r = text_append_ucs2(t, data, n);
		break;
	default:
		r = STK_E_UNSUPPORTED;
		break;
	}
	if (r != STK_OK)
		r = stk_fail(diag, r, "text string", off + 1);
out:
	stk_buf_free(&sept);
	return r;
}

/* The DCS an AUTO text string gets. */
static uint8_t
auto_dcs(const struct stk_cat_text *t)
{
	return stk_gsm7_representable(t->utf8, t->len) ? STK_CAT_DCS_8BIT :
	    STK_CAT_DCS_UCS2;
}

int
stk_cat_text_string_encode(const struct stk_cat_text *t, struct stk_buf *out)
{
	struct stk_buf sept;
	struct stk_dcs dcs;
	uint8_t dcs_octet;
	size_t n;
	int r = STK_OK;

	stk_buf_init(&sept);
	if (t->coding == STK_CAT_CODING_NULL)
		goto out;
	if (!coding_valid(t->coding)) {
		r = STK_E_INVALID;
		goto out;
	}
	dcs_octet = t->coding == STK_CAT_CODING_AUTO ? auto_dcs(t) :
	    (uint8_t)t->coding;
	stk_dcs_decode(dcs_octet, &dcs);
	if (dcs.compressed) {
		r = STK_E_UNSUPPORTED;
		goto out;
	}
	stk_buf_add_u8(out, dcs_octet);
	switch (dcs.charset) {
	case STK_CHARSET_GSM7:
		if ((r = stk_gsm7_from_utf8(t->utf8, t->len, &sept)) != STK_OK)
			goto out;
		n = stk_buf_len(&sept);
		/*
		 * TS 23.038 §6.1.2.3.1: 7 spare bits at the end are filled
		 * with CR; a wanted final CR on an octet boundary is doubled.
		 */
		if (n % 8 == 7 || (n > 0 && n % 8 == 0 &&
		    stk_buf_data(&sept)[n - 1] == GSM7_CR))
			stk_buf_add_u8(&sept, GSM7_CR);
		if (!stk_buf_ok(&sept)) {
			r = STK_E_NOMEM;
			goto out;
		}
		r = stk_gsm7_pack(stk_buf_data(&sept), stk_buf_len(&sept), 0,
		    out);
		break;
	case STK_CHARSET_8BIT:
		r = stk_gsm7_from_utf8(t->utf8, t->len, out);
		break;
	case STK_CHARSET_UCS2:
		r = stk_ucs2_from_utf8(t->utf8, t->len, out);
		break;
	default:
		r = STK_E_UNSUPPORTED;
		break;
	}
	if (r == STK_OK && !stk_buf_ok(out))
		r = STK_E_NOSPACE;
out:
	stk_buf_free(&sept);
	return r;
}

/* ---- alpha identifier coding, TS 102 221 annex A ----------------------- */

/*
 * The 81 and 82 forms: n characters after the header; an octet with bit 8
 * set is base + its low 7 bits (a UCS-2 code unit), one with bit 8 clear a
 * GSM default alphabet character.  Runs of GSM characters are converted
 * together so an escape reaches its extension character.
 */
static int
alpha_decode_based(struct stk_cur *chars, size_t n, uint16_t base,
    struct stk_cat_text *t)
{
	uint8_t run[255];
	size_t nrun = 0;
	uint8_t ch;
	int r;

	for (size_t i = 0; i < n; i++) {
		(void)stk_cur_u8(chars, &ch);
		if (!(ch & 0x80)) {
			run[nrun++] = ch;
			continue;
		}
		if (nrun > 0) {
			if ((r = text_append_septets(t, run, nrun)) != STK_OK)
				return r;
			nrun = 0;
		}
		{
			uint32_t cp = (uint32_t)base + (ch & 0x7f);
			uint8_t u[2];

			if (cp > 0xffff)
				return STK_E_INVALID;
			u[0] = (uint8_t)(cp >> 8);
			u[1] = (uint8_t)cp;
			if ((r = text_append_ucs2(t, u, 2)) != STK_OK)
				return r;
		}
	}
	if (nrun > 0)
		return text_append_septets(t, run, nrun);
	return STK_OK;
}

/* Only FF padding may follow the characters of an 81/82 string. */
static bool
only_padding(const struct stk_cur *c)
{
	struct stk_cur p = *c;
	uint8_t b;

	while (stk_cur_u8(&p, &b))
		if (b != 0xff)
			return false;
	return true;
}

int
stk_cat_alpha_decode(struct stk_cur *value, struct stk_cat_text *t,
    struct stk_diag *diag)
{
	size_t off = stk_cur_offset(value);
	const uint8_t *data;
	size_t n = stk_cur_len(value);
	uint8_t first, count, b1, b2;
	int r = STK_OK;

	if (n == 0) {
		text_begin(t, STK_CAT_CODING_NULL);
		return STK_OK;
	}
	(void)stk_cur_peek_u8(value, &first);
	switch (first) {
	case STK_CAT_ALPHA_UCS2_80:
		text_begin(t, STK_CAT_ALPHA_UCS2_80);
		(void)stk_cur_skip(value, 1);
		n--;
		/* an odd count leaves one unused octet, which must be FF */
		(void)stk_cur_bytes(value, &data, n);
		if (n % 2 == 1) {
			if (data[n - 1] != 0xff)
				return stk_fail(diag, STK_E_INCONSISTENT,
				    "alpha identifier", off + n);
			n--;
		}
		/* unused characters at the end are FFFF */
		while (n >= 2 && data[n - 2] == 0xff && data[n - 1] == 0xff)
			n -= 2;
		r = text_append_ucs2(t, data, n);
		break;
	case STK_CAT_ALPHA_UCS2_81:
	case STK_CAT_ALPHA_UCS2_82:
		text_begin(t, first);
		(void)stk_cur_skip(value, 1);
		if (!stk_cur_u8(value, &count) || !stk_cur_u8(value, &b1) ||
		    (first == STK_CAT_ALPHA_UCS2_82 && !stk_cur_u8(value, &b2)))
			return stk_fail(diag, STK_E_TRUNCATED,
			    "alpha identifier", off + stk_cur_len(value));
		if (stk_cur_len(value) < count)
			return stk_fail(diag, STK_E_TRUNCATED,
			    "alpha identifier", stk_cur_offset(value));
		{
			struct stk_cur chars;
			uint16_t base = first == STK_CAT_ALPHA_UCS2_81 ?
			    (uint16_t)(b1 << 7) : (uint16_t)(b1 << 8 | b2);

			(void)stk_cur_sub(value, &chars, count);
			if (!only_padding(value))
				return stk_fail(diag, STK_E_TRAILING,
				    "alpha identifier", stk_cur_offset(value));
			r = alpha_decode_based(&chars, count, base, t);
		}
		break;
	default:
		/* GSM default alphabet, unpacked; unused octets are FF */
		text_begin(t, STK_CAT_ALPHA_GSM);
		(void)stk_cur_bytes(value, &data, n);
		while (n > 0 && data[n - 1] == 0xff)
			n--;
		/* nothing but padding: an empty alpha identifier */
		if (n == 0)
			t->coding = STK_CAT_CODING_NULL;
		if (!all_septets(data, n))
			return stk_fail(diag, STK_E_INVALID, "alpha identifier",
			    off);
		r = text_append_septets(t, data, n);
		break;
	}
	if (r != STK_OK)
		return stk_fail(diag, r, "alpha identifier", off);
	(void)stk_cur_skip(value, stk_cur_len(value));
	return STK_OK;
}

/*
 * The GSM default alphabet septets of one UCS-2 code unit into one (reset
 * first): one septet, or escape + code for an extension character.  False
 * when the character is not in the GSM alphabet.
 */
static bool
gsm_septets_of(uint16_t u, struct stk_buf *one)
{
	uint8_t pair[2] = { (uint8_t)(u >> 8), (uint8_t)u };
	char utf8[4];
	struct stk_buf ub;

	stk_buf_init_fixed(&ub, (uint8_t *)utf8, sizeof(utf8));
	stk_buf_reset(one);
	return stk_ucs2_to_utf8(pair, 2, &ub) == STK_OK &&
	    stk_gsm7_from_utf8(utf8, stk_buf_len(&ub), one) == STK_OK;
}

/*
 * Encode the 81 or 82 form: GSM default alphabet characters as their
 * septets (an extension character as escape + code, which the decoder reads
 * back as one run), the others as base + offset; the count octet counts
 * octets.  STK_E_CHARSET when the other
 * characters do not fit one 128-character window (81: a base that is a
 * multiple of 128 below 8000).
 */
static int
alpha_encode_based(const struct stk_cat_text *t, uint8_t form,
    struct stk_buf *out)
{
	struct stk_buf ucs2, one;
	struct stk_cur c;
	uint16_t u, lo = 0xffff, hi = 0, base;
	size_t nchars = 0;
	int r;

	stk_buf_init(&ucs2);
	stk_buf_init(&one);
	if ((r = stk_ucs2_from_utf8(t->utf8, t->len, &ucs2)) != STK_OK)
		goto out;
	/* pass 1: the window the non-GSM characters need */
	stk_cur_init(&c, stk_buf_data(&ucs2), stk_buf_len(&ucs2));
	while (stk_cur_u16(&c, &u)) {
		if (gsm_septets_of(u, &one)) {
			nchars += stk_buf_len(&one);
			continue;
		}
		nchars++;
		if (u < lo)
			lo = u;
		if (u > hi)
			hi = u;
	}
	if (nchars > 255) {
		r = STK_E_TOO_LONG;
		goto out;
	}
	if (lo > hi)
		base = 0;
	else if (form == STK_CAT_ALPHA_UCS2_81)
		base = lo & 0x7f80;
	else
		base = lo;
	if (lo <= hi && (hi - base > 0x7f ||
	    (form == STK_CAT_ALPHA_UCS2_81 && lo > 0x7fff))) {
		r = STK_E_CHARSET;
		goto out;
	}
	stk_buf_add_u8(out, form);
	stk_buf_add_u8(out, (uint8_t)nchars);
	if (form == STK_CAT_ALPHA_UCS2_81)
		stk_buf_add_u8(out, (uint8_t)(base >> 7));
	else
		stk_buf_add_u16(out, base);
	/* pass 2: the characters */
	stk_cur_init(&c, stk_buf_data(&ucs2), stk_buf_len(&ucs2));
	while (stk_cur_u16(&c, &u)) {
		if (gsm_septets_of(u, &one))
			stk_buf_add_bytes(out, stk_buf_data(&one),
			    stk_buf_len(&one));
		else
			stk_buf_add_u8(out, (uint8_t)(0x80 | (u - base)));
	}
	r = stk_buf_ok(out) ? STK_OK : STK_E_NOSPACE;
out:
	stk_buf_free(&ucs2);
	stk_buf_free(&one);
	return r;
}

int
stk_cat_alpha_encode(const struct stk_cat_text *t, struct stk_buf *out)
{
	int coding = t->coding;
	int r;

	if (coding == STK_CAT_CODING_NULL)
		return STK_OK;
	if (coding == STK_CAT_CODING_AUTO)
		coding = stk_gsm7_representable(t->utf8, t->len) ?
		    STK_CAT_ALPHA_GSM : STK_CAT_ALPHA_UCS2_80;
	switch (coding) {
	case STK_CAT_ALPHA_GSM:
		r = stk_gsm7_from_utf8(t->utf8, t->len, out);
		break;
	case STK_CAT_ALPHA_UCS2_80:
		stk_buf_add_u8(out, STK_CAT_ALPHA_UCS2_80);
		r = stk_ucs2_from_utf8(t->utf8, t->len, out);
		break;
	case STK_CAT_ALPHA_UCS2_81:
	case STK_CAT_ALPHA_UCS2_82:
		r = alpha_encode_based(t, (uint8_t)coding, out);
		break;
	default:
		return STK_E_INVALID;
	}
	if (r == STK_OK && !stk_buf_ok(out))
		r = STK_E_NOSPACE;
	return r;
}
