/*
 * sms_addr.c - TP addresses (TS 23.040 §9.1.2.5) and the SC address
 * (TS 24.011 §8.2.5.1); see the wire forms in sms_addr.h.
 */
#include <string.h>

#include "gsm7.h"
#include "sms_addr.h"

/* Semi-octet values 0x0-0xE as characters (§9.1.2.3, TS 24.008 10.5.118). */
static const char semi_octet_chars[] = "0123456789*#abc";
#define SEMI_FILLER 0xf

static const char *const ton_names[] = {
	[STK_TON_UNKNOWN] = "unknown",
	[STK_TON_INTERNATIONAL] = "international number",
	[STK_TON_NATIONAL] = "national number",
	[STK_TON_NETWORK] = "network specific number",
	[STK_TON_SUBSCRIBER] = "subscriber number",
	[STK_TON_ALPHANUMERIC] = "alphanumeric (GSM 7-bit default alphabet)",
	[STK_TON_ABBREVIATED] = "abbreviated number",
	[STK_TON_RESERVED] = "reserved for extension",
};

static const struct {
	unsigned npi;
	const char *name;
} npi_names[] = {
	{ STK_NPI_UNKNOWN, "unknown" },
	{ STK_NPI_ISDN, "ISDN/telephone numbering plan (E.164/E.163)" },
	{ STK_NPI_DATA, "data numbering plan (X.121)" },
	{ STK_NPI_TELEX, "telex numbering plan" },
	{ STK_NPI_SC_SPECIFIC_1, "service centre specific plan 1" },
	{ STK_NPI_SC_SPECIFIC_2, "service centre specific plan 2" },
	{ STK_NPI_NATIONAL, "national numbering plan" },
	{ STK_NPI_PRIVATE, "private numbering plan" },
	{ STK_NPI_ERMES, "ERMES numbering plan (ETSI DE/PS 3 01-3)" },
	{ STK_NPI_RESERVED, "reserved for extension" },
};

const char *
stk_ton_name(unsigned ton)
{
	return ton < sizeof(ton_names) / sizeof(ton_names[0]) ?
	    ton_names[ton] : "invalid type of number";
}

const char *
stk_npi_name(unsigned npi)
{
	for (size_t i = 0; i < sizeof(npi_names) / sizeof(npi_names[0]); i++)
		if (npi_names[i].npi == npi)
			return npi_names[i].name;
	return npi < 16 ? "reserved numbering plan" : "invalid numbering plan";
}

void
stk_sms_addr_clear(struct stk_sms_addr *a)
{
	memset(a, 0, sizeof(*a));
}

/* Character -> semi-octet value, or -1. */
static int
digit_value(char ch)
{
	if (ch >= 'A' && ch <= 'C')
		ch = (char)(ch - 'A' + 'a');
	for (int i = 0; semi_octet_chars[i] != '\0'; i++)
		if (semi_octet_chars[i] == ch)
			return i;
	return -1;
}

int
stk_sms_addr_set_digits(struct stk_sms_addr *a, unsigned ton, unsigned npi,
    const char *digits)
{
	size_t n = strlen(digits);

	if (ton > 7 || ton == STK_TON_ALPHANUMERIC || npi > 15)
		return STK_E_INVALID;
	if (n > STK_ADDR_MAX_DIGITS)
		return STK_E_TOO_LONG;
	for (size_t i = 0; i < n; i++)
		if (digit_value(digits[i]) < 0)
			return STK_E_INVALID;
	stk_sms_addr_clear(a);
	a->ton = (uint8_t)ton;
	a->npi = (uint8_t)npi;
	a->ndigits = n;
	for (size_t i = 0; i < n; i++)
		a->digits[i] = semi_octet_chars[digit_value(digits[i])];
	a->digits[n] = '\0';
	return STK_OK;
}

int
stk_sms_addr_set_alpha(struct stk_sms_addr *a, const char *utf8)
{
	struct stk_buf b;
	uint8_t mem[STK_ADDR_MAX_ALPHA];
	size_t n;
	int r;

	r = stk_gsm7_count(utf8, strlen(utf8), &n);
	if (r != STK_OK)
		return r;
	if (n > STK_ADDR_MAX_ALPHA)
		return STK_E_TOO_LONG;
	stk_buf_init_fixed(&b, mem, sizeof(mem));
	r = stk_gsm7_from_utf8(utf8, strlen(utf8), &b);
	if (r != STK_OK)
		return r;
	if (!stk_buf_ok(&b))
		return STK_E_TOO_LONG;
	stk_sms_addr_clear(a);
	a->ton = STK_TON_ALPHANUMERIC;
	a->npi = STK_NPI_UNKNOWN;
	a->nseptets = stk_buf_len(&b);
	memcpy(a->septets, mem, a->nseptets);
	return STK_OK;
}

int
stk_sms_addr_from_text(const char *text, struct stk_sms_addr *a)
{
	bool numeric = true;
	const char *p = text;

	if (text[0] == '\0')
		return STK_E_INVALID;
	if (p[0] == '+')
		p++;
	if (p[0] == '\0')
		numeric = false;
	for (const char *q = p; *q != '\0'; q++)
		if (!((*q >= '0' && *q <= '9') || *q == '*' || *q == '#'))
			numeric = false;
	if (numeric)
		return stk_sms_addr_set_digits(a, p != text ?
		    STK_TON_INTERNATIONAL : STK_TON_UNKNOWN, STK_NPI_ISDN, p);
	return stk_sms_addr_set_alpha(a, text);
}

int
stk_sms_addr_to_text(const struct stk_sms_addr *a, char *out, size_t outsz)
{
	char tmp[STK_ADDR_TEXT_MAX + 1];
	size_t n = 0;

	if (a->ton == STK_TON_ALPHANUMERIC) {
		struct stk_buf b;
		int r;

		stk_buf_init_fixed(&b, (uint8_t *)tmp, sizeof(tmp) - 1);
		r = stk_gsm7_to_utf8(a->septets, a->nseptets, &b);
		if (r != STK_OK) {
			if (outsz > 0)
				out[0] = '\0';
			return r;
		}
		if (!stk_buf_ok(&b)) {
			if (outsz > 0)
				out[0] = '\0';
			return STK_E_NOSPACE;
		}
		n = stk_buf_len(&b);
	} else {
		if (a->ndigits > STK_ADDR_MAX_DIGITS) {
			if (outsz > 0)
				out[0] = '\0';
			return STK_E_INVALID;
		}
		if (a->ton == STK_TON_INTERNATIONAL)
			tmp[n++] = '+';
		memcpy(tmp + n, a->digits, a->ndigits);
		n += a->ndigits;
	}
	tmp[n] = '\0';
	if (outsz == 0)
		return STK_E_NOSPACE;
	if (n >= outsz) {
		memcpy(out, tmp, outsz - 1);
		out[outsz - 1] = '\0';
		return STK_E_NOSPACE;
	}
	memcpy(out, tmp, n + 1);
	return STK_OK;
}

bool
stk_sms_addr_equal(const struct stk_sms_addr *a, const struct stk_sms_addr *b)
{
	if (a->ton != b->ton || a->npi != b->npi)
		return false;
	if (a->ton == STK_TON_ALPHANUMERIC)
		return a->nseptets == b->nseptets &&
		    memcmp(a->septets, b->septets, a->nseptets) == 0;
	return a->ndigits == b->ndigits &&
	    memcmp(a->digits, b->digits, a->ndigits) == 0;
}

/*
 * Read the type-of-address octet: bit 7 is always 1 (§9.1.2.5).
 */
static int
toa_decode(struct stk_cur *c, struct stk_sms_addr *a, const char *field,
    struct stk_diag *diag)
{
	size_t off = stk_cur_offset(c);
	uint8_t toa;

	if (!stk_cur_u8(c, &toa))
		return stk_fail(diag, STK_E_TRUNCATED, field, off);
	if (!(toa & 0x80))
		return stk_fail(diag, STK_E_INVALID, field, off);
	a->ton = (toa >> 4) & 0x07;
	a->npi = toa & 0x0f;
	return STK_OK;
}

/* The type-of-address octet of a checked address (bit 7 set). */
static uint8_t
toa_encode(const struct stk_sms_addr *a)
{
	return (uint8_t)(0x80 | a->ton << 4 | a->npi);
}

/*
 * Type-of-address, then the nv octets of the address value into *v, as
 * both the TP address (TS 23.040 §9.1.2.5) and the RP address (TS 24.011
 * §8.2.5.1) have them after their different length octets.
 */
static int
toa_and_value(struct stk_cur *c, struct stk_sms_addr *a, size_t nv,
    const uint8_t **v, const char *field, struct stk_diag *diag)
{
	int r;

	if ((r = toa_decode(c, a, field, diag)) != STK_OK)
		return r;
	if (!stk_cur_bytes(c, v, nv))
		return stk_fail(diag, STK_E_TRUNCATED, field, stk_cur_offset(c));
	return STK_OK;
}

/*
 * ndigits semi-octets from the value octets: low nibble first, an odd
 * count ends with the filler 0xF in the high nibble.
 */
static int
digits_decode(const uint8_t *v, size_t nv, size_t ndigits,
    struct stk_sms_addr *a, const char *field, size_t off,
    struct stk_diag *diag)
{
	for (size_t i = 0; i < ndigits; i++) {
		unsigned semi = (i & 1) ? v[i / 2] >> 4 : v[i / 2] & 0x0f;

		if (semi == SEMI_FILLER)
			return stk_fail(diag, STK_E_INVALID, field,
			    off + i / 2);
		a->digits[i] = semi_octet_chars[semi];
	}
	if ((ndigits & 1) && (v[nv - 1] >> 4) != SEMI_FILLER)
		return stk_fail(diag, STK_E_INVALID, field, off + nv - 1);
	a->ndigits = ndigits;
	a->digits[ndigits] = '\0';
	return STK_OK;
}

/*
 * nseptets packed septets making up exactly the nv value octets.  The bits
 * after the last septet are kept in alpha_spare so the address re-encodes
 * to the same bytes.
 */
static int
alpha_decode(const uint8_t *v, size_t nv, size_t nseptets,
    struct stk_sms_addr *a, const char *field, size_t off,
    struct stk_diag *diag)
{
	struct stk_buf b;
	unsigned spare;

	if (nseptets > STK_ADDR_MAX_ALPHA ||
	    stk_gsm7_packed_len(nseptets, 0) != nv)
		return stk_fail(diag, STK_E_INVALID, field, off);
	stk_buf_init_fixed(&b, a->septets, sizeof(a->septets));
	if (stk_gsm7_unpack(v, nv, 0, nseptets, &b) != STK_OK ||
	    !stk_buf_ok(&b) || stk_buf_len(&b) != nseptets)
		return stk_fail(diag, STK_E_INVALID, field, off);
	a->nseptets = nseptets;
	spare = (unsigned)(nv * 8 - nseptets * 7);
	a->alpha_spare = spare ? (uint8_t)(v[nv - 1] >> (8 - spare)) : 0;
	return STK_OK;
}

/* Pack the septets and put the spare bits back into the last octet. */
static int
alpha_encode(const struct stk_sms_addr *a, struct stk_buf *out)
{
	size_t start = stk_buf_len(out);
	size_t nv = stk_gsm7_packed_len(a->nseptets, 0);
	unsigned spare = (unsigned)(nv * 8 - a->nseptets * 7);
	int r;

	if ((r = stk_gsm7_pack(a->septets, a->nseptets, 0, out)) != STK_OK)
		return r;
	if (a->alpha_spare >= (1u << spare))
		return STK_E_INVALID;
	if (spare != 0)
		stk_buf_data(out)[start + nv - 1] |=
		    (uint8_t)(a->alpha_spare << (8 - spare));
	return STK_OK;
}

int
stk_sms_addr_decode(struct stk_cur *c, struct stk_sms_addr *a,
    const char *field, struct stk_diag *diag)
{
	size_t off = stk_cur_offset(c);
	const uint8_t *v;
	uint8_t len;
	size_t nv;
	int r;

	stk_sms_addr_clear(a);
	if (!stk_cur_u8(c, &len))
		return stk_fail(diag, STK_E_TRUNCATED, field, off);
	if (len > STK_ADDR_MAX_DIGITS)
		return stk_fail(diag, STK_E_TOO_LONG, field, off);
	nv = ((size_t)len + 1) / 2;
	if ((r = toa_and_value(c, a, nv, &v, field, diag)) != STK_OK)
		return r;
	if (a->ton == STK_TON_ALPHANUMERIC) {
		/* §9.1.2.5: the length counts the useful semi-octets. */
		if ((r = alpha_decode(v, nv, (size_t)len * 4 / 7, a, field,
		    off + 2, diag)) != STK_OK)
			return r;
		a->alpha_semi = len;
		return STK_OK;
	}
	return digits_decode(v, nv, len, a, field, off + 2, diag);
}

/* Append the digits as semi-octets, 0xF filling an odd count. */
static void
digits_encode(const struct stk_sms_addr *a, struct stk_buf *out)
{
	for (size_t i = 0; i < a->ndigits; i += 2) {
		unsigned lo = (unsigned)digit_value(a->digits[i]);
		unsigned hi = i + 1 < a->ndigits ?
		    (unsigned)digit_value(a->digits[i + 1]) : SEMI_FILLER;

		stk_buf_add_u8(out, (uint8_t)(hi << 4 | lo));
	}
}

/* Shared checks of the address value before encoding. */
static int
addr_check(const struct stk_sms_addr *a)
{
	if (a->ton > 7 || a->npi > 15)
		return STK_E_INVALID;
	if (a->ton == STK_TON_ALPHANUMERIC) {
		if (a->nseptets > STK_ADDR_MAX_ALPHA)
			return STK_E_TOO_LONG;
		for (size_t i = 0; i < a->nseptets; i++)
			if (a->septets[i] > 0x7f)
				return STK_E_INVALID;
		return STK_OK;
	}
	if (a->ndigits > STK_ADDR_MAX_DIGITS)
		return STK_E_TOO_LONG;
	for (size_t i = 0; i < a->ndigits; i++)
		if (digit_value(a->digits[i]) < 0)
			return STK_E_INVALID;
	return STK_OK;
}

/*
 * Finish an encoder: map a failed builder to an error, and drop a partial
 * append when the error was ours (a failed builder stays failed).
 */
static int
finish(struct stk_buf *out, size_t start, int r)
{
	if (r == STK_OK && !stk_buf_ok(out))
		r = out->fixed ? STK_E_NOSPACE : STK_E_NOMEM;
	if (r != STK_OK && stk_buf_ok(out))
		stk_buf_truncate(out, start);
	return r;
}

int
stk_sms_addr_encode(const struct stk_sms_addr *a, struct stk_buf *out)
{
	size_t start = stk_buf_len(out);
	uint8_t toa;
	int r;

	if ((r = addr_check(a)) != STK_OK)
		return r;
	toa = toa_encode(a);
	if (a->ton == STK_TON_ALPHANUMERIC) {
		size_t packed = stk_gsm7_packed_len(a->nseptets, 0);
		size_t semi = (a->nseptets * 7 + 3) / 4;

		if (a->alpha_semi != 0) {
			/* honour the received length when it is consistent */
			if ((size_t)a->alpha_semi * 4 / 7 != a->nseptets ||
			    ((size_t)a->alpha_semi + 1) / 2 != packed ||
			    a->alpha_semi > STK_ADDR_MAX_DIGITS)
				return STK_E_INVALID;
			semi = a->alpha_semi;
		}
		stk_buf_add_u8(out, (uint8_t)semi);
		stk_buf_add_u8(out, toa);
		r = alpha_encode(a, out);
		return finish(out, start, r);
	}
	stk_buf_add_u8(out, (uint8_t)a->ndigits);
	stk_buf_add_u8(out, toa);
	digits_encode(a, out);
	return finish(out, start, STK_OK);
}

int
stk_smsc_addr_decode(struct stk_cur *c, struct stk_sms_addr *a,
    bool *present, struct stk_diag *diag)
{
	static const char field[] = "SCA";
	size_t off = stk_cur_offset(c);
	const uint8_t *v;
	uint8_t len;
	size_t nv;
	int r;

	stk_sms_addr_clear(a);
	*present = false;
	if (!stk_cur_u8(c, &len))
		return stk_fail(diag, STK_E_TRUNCATED, field, off);
	if (len == 0)
		return STK_OK;
	/* type of address + at most 10 value octets */
	if (len > 1 + STK_ADDR_MAX_OCTETS)
		return stk_fail(diag, STK_E_TOO_LONG, field, off);
	nv = (size_t)len - 1;
	if ((r = toa_and_value(c, a, nv, &v, field, diag)) != STK_OK)
		return r;
	if (a->ton == STK_TON_ALPHANUMERIC) {
		if ((r = alpha_decode(v, nv, nv * 8 / 7, a, field, off + 2,
		    diag)) != STK_OK)
			return r;
	} else {
		size_t ndigits = nv * 2;

		if (nv > 0 && (v[nv - 1] >> 4) == SEMI_FILLER)
			ndigits--;
		if ((r = digits_decode(v, nv, ndigits, a, field, off + 2,
		    diag)) != STK_OK)
			return r;
	}
	*present = true;
	return STK_OK;
}

int
stk_smsc_addr_encode(const struct stk_sms_addr *a, struct stk_buf *out)
{
	size_t start = stk_buf_len(out);
	size_t mark;
	int r = STK_OK;

	if (a == NULL) {
		stk_buf_add_u8(out, 0);
		return finish(out, start, STK_OK);
	}
	if ((r = addr_check(a)) != STK_OK)
		return r;
	mark = stk_buf_open_u8(out);
	stk_buf_add_u8(out, toa_encode(a));
	if (a->ton == STK_TON_ALPHANUMERIC)
		r = alpha_encode(a, out);
	else
		digits_encode(a, out);
	stk_buf_close_u8(out, mark);
	return finish(out, start, r);
}
