/*
 * gsm7.c - TS 23.038 GSM 7-bit default alphabet, extension table, septet
 * packing and UCS-2; the contracts are in gsm7.h.
 *
 * Text crosses the API as UTF-8, decoded strictly (RFC 3629): overlong
 * forms, surrogates (U+D800-U+DFFF), code points above U+10FFFF, stray
 * continuation bytes and cut sequences are all STK_E_INVALID.  The mapping
 * between the default alphabet and Unicode is a bijection, so text that
 * stk_gsm7_from_utf8() accepts comes back byte for byte from
 * stk_gsm7_to_utf8(); in particular 0x09 is U+00C7 (capital C cedilla, as
 * drawn in the §6.2.1 table), and U+00E7 (small c cedilla) is not in the
 * alphabet.
 *
 * CR padding (§6.1.2.3.1): when the packed septets of a USSD string or a
 * cell broadcast page leave 7 spare bits in the last octet (8n-1 septets
 * in 7n octets), a receiver would read them as a final '@', so the sender
 * puts a CR septet there.  SMS carries the septet count in TP-UDL, so it
 * needs no padding: stk_gsm7_pack() packs exactly the septets it is given
 * (spare bits zero) and stk_gsm7_unpack() returns exactly n septets.  A
 * USSD/CBS user appends the CR itself before packing.
 */
#include <string.h>

#include "err.h"
#include "gsm7.h"

/* TS 23.038 §6.2.1: the default alphabet, code -> Unicode.  0x1B is the
 * escape to the extension table and has no character of its own. */
#define GSM7_NO_CHAR 0xffffu

static const uint16_t gsm7_default[128] = {
	/* 0x00 */ 0x0040, 0x00a3, 0x0024, 0x00a5, 0x00e8, 0x00e9, 0x00f9, 0x00ec,
	/* 0x08 */ 0x00f2, 0x00c7, 0x000a, 0x00d8, 0x00f8, 0x000d, 0x00c5, 0x00e5,
	/* 0x10 */ 0x0394, 0x005f, 0x03a6, 0x0393, 0x039b, 0x03a9, 0x03a0, 0x03a8,
	/* 0x18 */ 0x03a3, 0x0398, 0x039e, GSM7_NO_CHAR, 0x00c6, 0x00e6, 0x00df, 0x00c9,
	/* 0x20 */ 0x0020, 0x0021, 0x0022, 0x0023, 0x00a4, 0x0025, 0x0026, 0x0027,
	/* 0x28 */ 0x0028, 0x0029, 0x002a, 0x002b, 0x002c, 0x002d, 0x002e, 0x002f,
	/* 0x30 */ 0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037,
	/* 0x38 */ 0x0038, 0x0039, 0x003a, 0x003b, 0x003c, 0x003d, 0x003e, 0x003f,
	/* 0x40 */ 0x00a1, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047,
	/* 0x48 */ 0x0048, 0x0049, 0x004a, 0x004b, 0x004c, 0x004d, 0x004e, 0x004f,
	/* 0x50 */ 0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057,
	/* 0x58 */ 0x0058, 0x0059, 0x005a, 0x00c4, 0x00d6, 0x00d1, 0x00dc, 0x00a7,
	/* 0x60 */ 0x00bf, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067,
	/* 0x68 */ 0x0068, 0x0069, 0x006a, 0x006b, 0x006c, 0x006d, 0x006e, 0x006f,
	/* 0x70 */ 0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077,
	/* 0x78 */ 0x0078, 0x0079, 0x007a, 0x00e4, 0x00f6, 0x00f1, 0x00fc, 0x00e0,
};

/*
 * TS 23.038 §6.2.1.1: the extension table, entered by 0x1B.  Codes not
 * listed have no extension character: 0x0D (CR2) and 0x1B (SS2, "display a
 * space") are reserved controls, the rest are unassigned.
 */
struct gsm7_ext {
	uint8_t code;
	uint16_t ucs;
};

static const struct gsm7_ext gsm7_extension[] = {
	{ 0x0a, 0x000c },	/* FORM FEED (page break) */
	{ 0x14, 0x005e },	/* ^ */
	{ 0x28, 0x007b },	/* { */
	{ 0x29, 0x007d },	/* } */
	{ 0x2f, 0x005c },	/* \ */
	{ 0x3c, 0x005b },	/* [ */
	{ 0x3d, 0x007e },	/* ~ */
	{ 0x3e, 0x005d },	/* ] */
	{ 0x40, 0x007c },	/* | */
	{ 0x65, 0x20ac },	/* EURO SIGN */
};

#define GSM7_NEXT	(sizeof(gsm7_extension) / sizeof(gsm7_extension[0]))
#define GSM7_SS2	0x1b	/* in the extension table: shown as a space */

/* Code point -> septet(s).  Returns 1 (default), 2 (escape + code) or 0. */
static int
gsm7_lookup(uint32_t cp, uint8_t *code)
{
	if (cp == GSM7_NO_CHAR)		/* the table's own "no character" mark */
		return 0;
	for (unsigned i = 0; i < 128; i++) {
		if (gsm7_default[i] == cp) {
			*code = (uint8_t)i;
			return 1;
		}
	}
	for (size_t i = 0; i < GSM7_NEXT; i++) {
		if (gsm7_extension[i].ucs == cp) {
			*code = gsm7_extension[i].code;
			return 2;
		}
	}
	return 0;
}

/* Extension code -> Unicode, or GSM7_NO_CHAR. */
static uint32_t
gsm7_ext_char(uint8_t code)
{
	for (size_t i = 0; i < GSM7_NEXT; i++)
		if (gsm7_extension[i].code == code)
			return gsm7_extension[i].ucs;
	return GSM7_NO_CHAR;
}

/* ---- UTF-8 ------------------------------------------------------------ */

/*
 * Decode one code point (RFC 3629 §3/§4) from the cursor.  false on any
 * malformation, the cursor then being unspecified.
 */
static bool
utf8_get(struct stk_cur *c, uint32_t *cp)
{
	uint8_t b, cont;
	uint32_t v, min;
	unsigned more;

	if (!stk_cur_u8(c, &b))
		return false;
	if (b < 0x80) {
		*cp = b;
		return true;
	}
	if (b >= 0xc2 && b <= 0xdf) {
		v = b & 0x1fu, more = 1, min = 0x80;
	} else if (b >= 0xe0 && b <= 0xef) {
		v = b & 0x0fu, more = 2, min = 0x800;
	} else if (b >= 0xf0 && b <= 0xf4) {
		v = b & 0x07u, more = 3, min = 0x10000;
	} else {
		return false;	/* continuation byte, 0xC0/0xC1, 0xF5+ */
	}
	while (more-- > 0) {
		if (!stk_cur_u8(c, &cont) || (cont & 0xc0u) != 0x80u)
			return false;
		v = (v << 6) | (cont & 0x3fu);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return false;
	*cp = v;
	return true;
}

/* Append the UTF-8 form of a valid code point. */
static bool
utf8_add(struct stk_buf *out, uint32_t cp)
{
	uint8_t e[4];
	size_t n;

	if (cp < 0x80) {
		e[0] = (uint8_t)cp, n = 1;
	} else if (cp < 0x800) {
		e[0] = (uint8_t)(0xc0 | (cp >> 6));
		e[1] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		e[0] = (uint8_t)(0xe0 | (cp >> 12));
		e[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		e[2] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		e[0] = (uint8_t)(0xf0 | (cp >> 18));
		e[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
		e[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		e[3] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return stk_buf_add_bytes(out, e, n);
}

/* ---- GSM 7-bit text ----------------------------------------------------- */

/*
 * Walk the text; when out is non-NULL append its septets.  *septets gets
 * the count.  Callers run it once without out to validate, so a failing
 * text appends nothing.
 */
static int
gsm7_encode(const char *utf8, size_t len, struct stk_buf *out,
    size_t *septets)
{
	struct stk_cur c;
	uint32_t cp;
	uint8_t code;
	size_t n = 0;
	int k;

	stk_cur_init(&c, (const uint8_t *)utf8, len);
	while (!stk_cur_empty(&c)) {
		if (!utf8_get(&c, &cp))
			return STK_E_INVALID;
		if ((k = gsm7_lookup(cp, &code)) == 0)
			return STK_E_CHARSET;
		if (out != NULL) {
			if (k == 2)
				stk_buf_add_u8(out, STK_GSM7_ESCAPE);
			stk_buf_add_u8(out, code);
		}
		n += (size_t)k;
	}
	if (out != NULL && !stk_buf_ok(out))
		return STK_E_NOSPACE;
	*septets = n;
	return STK_OK;
}

int
stk_gsm7_from_utf8(const char *utf8, size_t len, struct stk_buf *out)
{
	size_t n;
	int r;

	if ((r = gsm7_encode(utf8, len, NULL, &n)) != STK_OK)
		return r;
	return gsm7_encode(utf8, len, out, &n);
}

int
stk_gsm7_count(const char *utf8, size_t len, size_t *septets)
{
	return gsm7_encode(utf8, len, NULL, septets);
}

bool
stk_gsm7_representable(const char *utf8, size_t len)
{
	size_t n;

	return gsm7_encode(utf8, len, NULL, &n) == STK_OK;
}

int
stk_gsm7_to_utf8(const uint8_t *septets, size_t n, struct stk_buf *out)
{
	struct stk_cur c;
	uint8_t s, x;
	uint32_t cp;

	/* Validate first so that a failure appends nothing. */
	stk_cur_init(&c, septets, n);
	while (stk_cur_u8(&c, &s))
		if (s > 0x7f)
			return STK_E_INVALID;

	stk_cur_init(&c, septets, n);
	while (stk_cur_u8(&c, &s)) {
		if (s != STK_GSM7_ESCAPE) {
			cp = gsm7_default[s];
		} else if (!stk_cur_u8(&c, &x)) {
			cp = 0x20;	/* lone escape at the end */
		} else if ((cp = gsm7_ext_char(x)) != GSM7_NO_CHAR) {
			;		/* §6.2.1.1 extension character */
		} else if (x == GSM7_SS2) {
			cp = 0x20;	/* SS2: "display a space" */
		} else {
			cp = gsm7_default[x];	/* §6.2.1.1 fallback */
		}
		utf8_add(out, cp);
	}
	return stk_buf_ok(out) ? STK_OK : STK_E_NOSPACE;
}

/* ---- packing (§6.1.2.1.1) ------------------------------------------- */

size_t
stk_gsm7_packed_len(size_t n, unsigned fill_bits)
{
	if (n > (SIZE_MAX - 7 - fill_bits) / 7)
		return SIZE_MAX;	/* no real input is this long */
	return (fill_bits + 7 * n + 7) / 8;
}

int
stk_gsm7_pack(const uint8_t *septets, size_t n, unsigned fill_bits,
    struct stk_buf *out)
{
	size_t olen, bit;
	uint8_t *p;

	if (fill_bits > 6)
		return STK_E_ARG;
	for (size_t i = 0; i < n; i++)
		if (septets[i] > 0x7f)
			return STK_E_INVALID;
	olen = stk_gsm7_packed_len(n, fill_bits);
	if (olen == 0)
		return stk_buf_ok(out) ? STK_OK : STK_E_NOSPACE;
	if (olen == SIZE_MAX || !stk_buf_add_space(out, &p, olen))
		return STK_E_NOSPACE;
	memset(p, 0, olen);
	/* Septet i occupies bits fill+7i .. fill+7i+6, LSB first. */
	bit = fill_bits;
	for (size_t i = 0; i < n; i++, bit += 7) {
		unsigned v = (unsigned)septets[i] << (bit % 8);

		p[bit / 8] |= (uint8_t)v;
		if (bit % 8 > 1)
			p[bit / 8 + 1] |= (uint8_t)(v >> 8);
	}
	return STK_OK;
}

int
stk_gsm7_unpack(const uint8_t *octets, size_t len, unsigned fill_bits,
    size_t n, struct stk_buf *out)
{
	size_t need, bit;
	uint8_t *p;

	if (fill_bits > 6)
		return STK_E_ARG;
	need = stk_gsm7_packed_len(n, fill_bits);
	if (len < need)
		return STK_E_TRUNCATED;
	if (len > need)
		return STK_E_TRAILING;
	if (n == 0)
		return stk_buf_ok(out) ? STK_OK : STK_E_NOSPACE;
	if (!stk_buf_add_space(out, &p, n))
		return STK_E_NOSPACE;
	bit = fill_bits;
	for (size_t i = 0; i < n; i++, bit += 7) {
		unsigned v = octets[bit / 8];

		if (bit % 8 > 1)
			v |= (unsigned)octets[bit / 8 + 1] << 8;
		p[i] = (uint8_t)((v >> (bit % 8)) & 0x7f);
	}
	return STK_OK;
}

/* ---- UCS-2 (§6.2.3) --------------------------------------------------- */

/* Validate (out NULL) or encode the text as UCS-2 big-endian. */
static int
ucs2_encode(const char *utf8, size_t len, struct stk_buf *out)
{
	struct stk_cur c;
	uint32_t cp;

	stk_cur_init(&c, (const uint8_t *)utf8, len);
	while (!stk_cur_empty(&c)) {
		if (!utf8_get(&c, &cp))
			return STK_E_INVALID;
		if (cp > 0xffff)
			return STK_E_CHARSET;	/* UCS-2 is the BMP only */
		if (out != NULL)
			stk_buf_add_u16(out, (uint16_t)cp);
	}
	if (out != NULL && !stk_buf_ok(out))
		return STK_E_NOSPACE;
	return STK_OK;
}

int
stk_ucs2_from_utf8(const char *utf8, size_t len, struct stk_buf *out)
{
	int r;

	if ((r = ucs2_encode(utf8, len, NULL)) != STK_OK)
		return r;
	return ucs2_encode(utf8, len, out);
}

int
stk_ucs2_to_utf8(const uint8_t *ucs2, size_t len, struct stk_buf *out)
{
	struct stk_cur c;
	uint16_t u;

	if (len % 2 != 0)
		return STK_E_INCONSISTENT;
	stk_cur_init(&c, ucs2, len);
	while (stk_cur_u16(&c, &u))
		if (u >= 0xd800 && u <= 0xdfff)
			return STK_E_INVALID;
	stk_cur_init(&c, ucs2, len);
	while (stk_cur_u16(&c, &u))
		utf8_add(out, u);
	return stk_buf_ok(out) ? STK_OK : STK_E_NOSPACE;
}

/* ---- character set choice (§4) ---------------------------------------- */

static const char *const charset_names[] = {
	[STK_CHARSET_GSM7] = "GSM 7-bit",
	[STK_CHARSET_8BIT] = "8-bit data",
	[STK_CHARSET_UCS2] = "UCS-2",
};

enum stk_charset
stk_charset_for_text(const char *utf8, size_t len)
{
	return stk_gsm7_representable(utf8, len) ? STK_CHARSET_GSM7 :
	    STK_CHARSET_UCS2;
}

const char *
stk_charset_name(enum stk_charset cs)
{
	if ((unsigned)cs < sizeof(charset_names) / sizeof(charset_names[0]) &&
	    charset_names[cs] != NULL)
		return charset_names[cs];
	return "unknown";
}
