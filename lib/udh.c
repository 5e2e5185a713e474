/*
 * udh.c - the SMS user data header, TS 23.040 §9.2.3.24; contracts in
 * udh.h.  Parsing is structural and lossless; the semantic rules of the
 * IEs the standards fix live in one table (iei_table) and are applied by
 * stk_udh_check_ie() / stk_udh_validate() / the find helpers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "udh.h"

/*
 * One row per IEI or IEI range.  fixed_len < 0: no fixed length.
 * repeatable: the "Repeatability" column of the §9.2.3.24 table (N/A and
 * "Note 3" rows, reserved and private ranges count as repeatable: nothing
 * in the standard says to take only their last occurrence).
 */
struct iei_row {
	uint8_t lo, hi;
	const char *name;
	const char *field;	/* diag name prefix for length errors */
	int fixed_len;
	bool repeatable;
};

static const struct iei_row iei_table[] = {
	{ 0x00, 0x00, "Concatenated short messages, 8-bit reference number",
	  "CONCAT-IEIDL", 3, false },
	{ 0x01, 0x01, "Special SMS Message Indication",
	  "SPECIAL-SMS-IEIDL", 2, true },
	{ 0x02, 0x02, "Reserved", NULL, -1, true },
	{ 0x03, 0x03, "Value not used (avoids <LF>)", NULL, -1, true },
	{ 0x04, 0x04, "Application port addressing scheme, 8 bit address",
	  "PORT-IEIDL", 2, false },
	{ 0x05, 0x05, "Application port addressing scheme, 16 bit address",
	  "PORT-IEIDL", 4, false },
	{ 0x06, 0x06, "SMSC Control Parameters",
	  "SMSC-CONTROL-IEIDL", 1, false },
	{ 0x07, 0x07, "UDH Source Indicator",
	  "UDH-SOURCE-IEIDL", 1, true },
	{ 0x08, 0x08, "Concatenated short messages, 16-bit reference number",
	  "CONCAT-IEIDL", 4, false },
	{ 0x09, 0x09, "Wireless Control Message Protocol", NULL, -1, true },
	{ 0x0a, 0x0a, "Text Formatting", NULL, -1, true },
	{ 0x0b, 0x0b, "Predefined Sound", NULL, -1, true },
	{ 0x0c, 0x0c, "User Defined Sound", NULL, -1, true },
	{ 0x0d, 0x0d, "Predefined Animation", NULL, -1, true },
	{ 0x0e, 0x0e, "Large Animation", NULL, -1, true },
	{ 0x0f, 0x0f, "Small Animation", NULL, -1, true },
	{ 0x10, 0x10, "Large Picture", NULL, -1, true },
	{ 0x11, 0x11, "Small Picture", NULL, -1, true },
	{ 0x12, 0x12, "Variable Picture", NULL, -1, true },
	{ 0x13, 0x13, "User prompt indicator", NULL, -1, true },
	{ 0x14, 0x14, "Extended Object", NULL, -1, true },
	{ 0x15, 0x15, "Reused Extended Object", NULL, -1, true },
	{ 0x16, 0x16, "Compression Control", NULL, -1, false },
	{ 0x17, 0x17, "Object Distribution Indicator", NULL, -1, true },
	{ 0x18, 0x18, "Standard WVG object", NULL, -1, true },
	{ 0x19, 0x19, "Character Size WVG object", NULL, -1, true },
	{ 0x1a, 0x1a, "Extended Object Data Request Command", NULL, -1,
	  false },
	{ 0x1b, 0x1f, "Reserved for future EMS features", NULL, -1, true },
	{ 0x20, 0x20, "RFC 822 E-Mail Header", NULL, -1, false },
	{ 0x21, 0x21, "Hyperlink format element", NULL, -1, true },
	{ 0x22, 0x22, "Reply Address Element", NULL, -1, false },
	{ 0x23, 0x23, "Enhanced Voice Mail Information", NULL, -1, false },
	{ 0x24, 0x24, "National Language Single Shift",
	  "NL-SINGLE-SHIFT-IEIDL", 1, false },
	{ 0x25, 0x25, "National Language Locking Shift",
	  "NL-LOCKING-SHIFT-IEIDL", 1, false },
	{ 0x26, 0x6f, "Reserved", NULL, -1, true },
	/* TS 31.115 §4: CPI and RPI carry no data (IEIDL 0). */
	{ 0x70, 0x70, "(U)SIM Toolkit Security Header: command packet",
	  "CPI-IEIDL", 0, false },
	{ 0x71, 0x71, "(U)SIM Toolkit Security Header: response packet",
	  "RPI-IEIDL", 0, false },
	{ 0x72, 0x7f, "(U)SIM Toolkit Security Headers (reserved)", NULL, -1,
	  true },
	{ 0x80, 0x9f, "SME to SME specific use", NULL, -1, true },
	{ 0xa0, 0xbf, "Reserved", NULL, -1, true },
	{ 0xc0, 0xdf, "SC specific use", NULL, -1, true },
	{ 0xe0, 0xff, "Reserved", NULL, -1, true },
};

static const struct iei_row *
iei_lookup(uint8_t iei)
{
	for (size_t i = 0; i < sizeof(iei_table) / sizeof(iei_table[0]); i++)
		if (iei >= iei_table[i].lo && iei <= iei_table[i].hi)
			return &iei_table[i];
	return NULL;	/* unreachable: the table covers 0x00-0xff */
}

const char *
stk_iei_name(uint8_t iei)
{
	const struct iei_row *r = iei_lookup(iei);
	return r != NULL ? r->name : "Reserved";
}

bool
stk_iei_repeatable(uint8_t iei)
{
	const struct iei_row *r = iei_lookup(iei);
	return r != NULL ? r->repeatable : true;
}

/*
 * IEIs that contradict each other (§9.2.3.24: "the receiving entity shall
 * use the last occurring IE"); returns the class id, or iei itself.
 */
static unsigned
iei_class(uint8_t iei)
{
	switch (iei) {
	case STK_IEI_CONCAT16:
		return STK_IEI_CONCAT8;
	case STK_IEI_PORT16:
		return STK_IEI_PORT8;
	default:
		return iei;
	}
}

void
stk_udh_init(struct stk_udh *udh)
{
	udh->n = 0;
}

int
stk_udh_parse_cur(struct stk_cur *c, struct stk_udh *udh,
    struct stk_diag *diag)
{
	struct stk_cur save = *c, hdr;
	uint8_t udhl;
	int rc;

	stk_udh_init(udh);
	if (!stk_cur_u8(c, &udhl)) {
		rc = stk_fail(diag, STK_E_TRUNCATED, "TP-UDHL",
		    stk_cur_offset(c));
		goto out;
	}
	if (!stk_cur_sub(c, &hdr, udhl)) {
		rc = stk_fail(diag, STK_E_TRUNCATED, "TP-UDHL",
		    stk_cur_offset(&save));
		goto out;
	}
	while (!stk_cur_empty(&hdr)) {
		struct stk_udh_ie *ie;
		size_t at = stk_cur_offset(&hdr);
		uint8_t iei, iedl;
		const uint8_t *data;

		if (!stk_cur_u8(&hdr, &iei)) {
			rc = stk_fail(diag, STK_E_TRUNCATED, "UDH-IEI", at);
			goto out;
		}
		if (!stk_cur_u8(&hdr, &iedl)) {
			rc = stk_fail(diag, STK_E_TRUNCATED, "UDH-IEIDL",
			    stk_cur_offset(&hdr));
			goto out;
		}
		if (!stk_cur_bytes(&hdr, &data, iedl)) {
			rc = stk_fail(diag, STK_E_TRUNCATED, "UDH-IED",
			    stk_cur_offset(&hdr));
			goto out;
		}
		/* 255 octets hold at most 127 complete IEs: a defence only. */
		if (udh->n == STK_UDH_MAX_IES) {
			rc = stk_fail(diag, STK_E_TOO_LONG, "UDH-IEI", at);
			goto out;
		}
		ie = &udh->ie[udh->n++];
		ie->iei = iei;
		ie->len = iedl;
		ie->data = data;
		ie->off = at;
	}
	rc = STK_OK;
out:
	if (rc != STK_OK) {
		*c = save;
		stk_udh_init(udh);
	}
	return rc;
}

int
stk_udh_parse(const uint8_t *raw, size_t len, struct stk_udh *udh,
    struct stk_diag *diag)
{
	struct stk_cur c;
	int rc;

	stk_cur_init(&c, raw, len);
	if ((rc = stk_udh_parse_cur(&c, udh, diag)) != STK_OK)
		return rc;
	if (!stk_cur_empty(&c)) {
		stk_udh_init(udh);
		return stk_fail(diag, STK_E_TRAILING, "TP-UDHL",
		    stk_cur_offset(&c));
	}
	return STK_OK;
}

size_t
stk_udh_encoded_len(const struct stk_udh *udh)
{
	size_t n = 1;

	for (size_t i = 0; i < udh->n; i++)
		n += 2 + (size_t)udh->ie[i].len;
	return n;
}

/* The error of a builder that failed: full (fixed) or out of memory. */
static int
buf_err(const struct stk_buf *out)
{
	return out->fixed ? STK_E_NOSPACE : STK_E_NOMEM;
}

int
stk_udh_build(const struct stk_udh *udh, struct stk_buf *out)
{
	struct stk_buf w;
	uint8_t *p;
	size_t total;

	if (udh->n > STK_UDH_MAX_IES)
		return STK_E_TOO_LONG;
	total = stk_udh_encoded_len(udh);
	if (total - 1 > STK_UDH_MAX_LEN)
		return STK_E_TOO_LONG;
	for (size_t i = 0; i < udh->n; i++)
		if (udh->ie[i].len > 0 && udh->ie[i].data == NULL)
			return STK_E_ARG;
	/* Reserve the whole header at once so a failure appends nothing. */
	if (!stk_buf_add_space(out, &p, total))
		return buf_err(out);
	stk_buf_init_fixed(&w, p, total);
	stk_buf_add_u8(&w, (uint8_t)(total - 1));
	for (size_t i = 0; i < udh->n; i++)
		stk_udh_put_ie(&w, udh->ie[i].iei, udh->ie[i].data,
		    udh->ie[i].len);
	/* Cannot fail: exactly total octets were reserved. */
	return stk_buf_ok(&w) && stk_buf_len(&w) == total ? STK_OK
	    : STK_E_INCONSISTENT;
}

int
stk_udh_add(struct stk_udh *udh, uint8_t iei, const uint8_t *data,
    size_t len)
{
	struct stk_udh_ie *ie;

	if (len > 255 || (len > 0 && data == NULL))
		return STK_E_ARG;
	if (udh->n >= STK_UDH_MAX_IES ||
	    stk_udh_encoded_len(udh) - 1 + 2 + len > STK_UDH_MAX_LEN)
		return STK_E_NOSPACE;
	ie = &udh->ie[udh->n++];
	ie->iei = iei;
	ie->len = (uint8_t)len;
	ie->data = data;
	ie->off = 0;
	return STK_OK;
}

bool
stk_udh_put_ie(struct stk_buf *out, uint8_t iei, const uint8_t *data,
    size_t len)
{
	if (len > 255 || (len > 0 && data == NULL)) {
		out->failed = true;
		return false;
	}
	stk_buf_add_u8(out, iei);
	stk_buf_add_u8(out, (uint8_t)len);
	if (len > 0)
		stk_buf_add_bytes(out, data, len);
	return stk_buf_ok(out);
}

/* §9.2.3.24.1: total 0 and seq 0 / seq > total are to be ignored. */
static int
concat_semantics(const struct stk_udh_concat *c, struct stk_diag *diag,
    size_t off)
{
	if (c->total == 0)
		return stk_fail(diag, STK_E_INVALID, "CONCAT-TOTAL", off);
	if (c->seq == 0 || c->seq > c->total)
		return stk_fail(diag, STK_E_INVALID, "CONCAT-SEQ", off);
	return STK_OK;
}

/*
 * A reference or port number in the 8-bit IE form (one octet) or the
 * 16-bit form (two, most significant first; TS 23.040 §9.2.3.24.1, .3,
 * .4, .8): appended to d at *n, or read from c, whose IE length has been
 * checked against the table.
 */
static void
put_num(uint8_t *d, size_t *n, uint16_t v, bool wide)
{
	if (wide)
		d[(*n)++] = (uint8_t)(v >> 8);
	d[(*n)++] = (uint8_t)v;
}

static uint16_t
get_num(struct stk_cur *c, bool wide)
{
	uint16_t v = 0;
	uint8_t b = 0;

	if (wide) {
		(void)stk_cur_u16(c, &v);
		return v;
	}
	(void)stk_cur_u8(c, &b);
	return b;
}

int
stk_udh_put_concat(struct stk_buf *out, const struct stk_udh_concat *c)
{
	uint8_t d[4];
	size_t n = 0;

	if (!c->ref16 && c->ref > 0xff)
		return STK_E_ARG;
	if (concat_semantics(c, NULL, 0) != STK_OK)
		return STK_E_ARG;
	put_num(d, &n, c->ref, c->ref16);
	d[n++] = c->total;
	d[n++] = c->seq;
	if (!stk_udh_put_ie(out, c->ref16 ? STK_IEI_CONCAT16 : STK_IEI_CONCAT8,
	    d, n))
		return buf_err(out);
	return STK_OK;
}

int
stk_udh_put_ports(struct stk_buf *out, const struct stk_udh_ports *p)
{
	uint8_t d[4];
	size_t n = 0;

	if (!p->port16 && (p->dst > 0xff || p->src > 0xff))
		return STK_E_ARG;
	put_num(d, &n, p->dst, p->port16);
	put_num(d, &n, p->src, p->port16);
	if (!stk_udh_put_ie(out, p->port16 ? STK_IEI_PORT16 : STK_IEI_PORT8,
	    d, n))
		return buf_err(out);
	return STK_OK;
}

const struct stk_udh_ie *
stk_udh_find(const struct stk_udh *udh, uint8_t iei)
{
	for (size_t i = udh->n; i > 0; i--)
		if (udh->ie[i - 1].iei == iei)
			return &udh->ie[i - 1];
	return NULL;
}

/* The last IE of the class (iei and its contradictory partner). */
static const struct stk_udh_ie *
find_class(const struct stk_udh *udh, uint8_t iei)
{
	for (size_t i = udh->n; i > 0; i--)
		if (iei_class(udh->ie[i - 1].iei) == iei_class(iei))
			return &udh->ie[i - 1];
	return NULL;
}

/* Length check against the table; the IED starts at ie->off + 2. */
static int
check_len(const struct stk_udh_ie *ie, struct stk_diag *diag)
{
	const struct iei_row *r = iei_lookup(ie->iei);

	if (r != NULL && r->fixed_len >= 0 && ie->len != r->fixed_len)
		return stk_fail(diag, STK_E_INCONSISTENT, r->field,
		    ie->off + 1);
	return STK_OK;
}

/* Decode a concatenation IE whose length has been checked. */
static void
concat_decode(const struct stk_udh_ie *ie, struct stk_udh_concat *out)
{
	struct stk_cur c;

	stk_cur_init(&c, ie->data, ie->len);
	c.off = ie->off + 2;
	out->ref16 = ie->iei == STK_IEI_CONCAT16;
	out->ref = get_num(&c, out->ref16);
	(void)stk_cur_u8(&c, &out->total);
	(void)stk_cur_u8(&c, &out->seq);
}

/* The last IE of the class of iei in *ie, its length checked. */
static int
find_checked(const struct stk_udh *udh, uint8_t iei,
    const struct stk_udh_ie **ie, struct stk_diag *diag)
{
	if ((*ie = find_class(udh, iei)) == NULL)
		return STK_E_NOT_FOUND;
	return check_len(*ie, diag);
}

int
stk_udh_find_concat(const struct stk_udh *udh, struct stk_udh_concat *out,
    struct stk_diag *diag)
{
	const struct stk_udh_ie *ie;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = find_checked(udh, STK_IEI_CONCAT8, &ie, diag)) != STK_OK)
		return rc;
	concat_decode(ie, out);
	return concat_semantics(out, diag, ie->off + 2);
}

int
stk_udh_find_ports(const struct stk_udh *udh, struct stk_udh_ports *out,
    struct stk_diag *diag)
{
	const struct stk_udh_ie *ie;
	struct stk_cur c;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = find_checked(udh, STK_IEI_PORT8, &ie, diag)) != STK_OK)
		return rc;
	stk_cur_init(&c, ie->data, ie->len);
	out->port16 = ie->iei == STK_IEI_PORT16;
	out->dst = get_num(&c, out->port16);
	out->src = get_num(&c, out->port16);
	return STK_OK;
}

bool
stk_udh_is_command_packet(const struct stk_udh *udh)
{
	return stk_udh_find(udh, STK_IEI_CPI) != NULL;
}

bool
stk_udh_is_response_packet(const struct stk_udh *udh)
{
	return stk_udh_find(udh, STK_IEI_RPI) != NULL;
}

int
stk_udh_check_ie(const struct stk_udh_ie *ie, struct stk_diag *diag)
{
	struct stk_udh_concat cc;
	int rc;

	if (ie->len > 0 && ie->data == NULL)
		return stk_fail(diag, STK_E_ARG, "UDH-IED", ie->off + 2);
	if ((rc = check_len(ie, diag)) != STK_OK)
		return rc;
	switch (ie->iei) {
	case STK_IEI_CONCAT8:
	case STK_IEI_CONCAT16:
		concat_decode(ie, &cc);
		return concat_semantics(&cc, diag, ie->off + 2);
	default:
		return STK_OK;
	}
}

int
stk_udh_validate(const struct stk_udh *udh, struct stk_diag *diag)
{
	int rc;

	for (size_t i = 0; i < udh->n; i++)
		if ((rc = stk_udh_check_ie(&udh->ie[i], diag)) != STK_OK)
			return rc;
	for (size_t i = 1; i < udh->n; i++) {
		const struct stk_udh_ie *ie = &udh->ie[i];

		if (stk_iei_repeatable(ie->iei))
			continue;
		for (size_t j = 0; j < i; j++)
			if (iei_class(udh->ie[j].iei) == iei_class(ie->iei))
				return stk_fail(diag, STK_E_DUPLICATE,
				    "UDH-IEI", ie->off);
	}
	return STK_OK;
}

/* Append printf-style text; the builder's sticky flag carries failure. */
static void
put_text(struct stk_buf *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
put_text(struct stk_buf *out, const char *fmt, ...)
{
	char line[160];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0) {
		out->failed = true;
		return;
	}
	if ((size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1;
	stk_buf_add_bytes(out, line, (size_t)n);
}

int
stk_udh_describe(const struct stk_udh *udh, struct stk_buf *out)
{
	for (size_t i = 0; i < udh->n; i++) {
		const struct stk_udh_ie *ie = &udh->ie[i];
		struct stk_udh concat1;
		struct stk_udh_concat cc;
		struct stk_udh_ports pp;

		put_text(out, "IEI 0x%02x (%s) len %u", ie->iei,
		    stk_iei_name(ie->iei), ie->len);
		/* Decode the known IEs through the same checked helpers. */
		concat1.n = 1;
		concat1.ie[0] = *ie;
		if (iei_class(ie->iei) == STK_IEI_CONCAT8) {
			int rc = stk_udh_find_concat(&concat1, &cc, NULL);
			if (rc == STK_OK || rc == STK_E_INVALID)
				put_text(out, ": ref %u part %u/%u%s", cc.ref,
				    cc.seq, cc.total,
				    rc == STK_OK ? "" : " (invalid)");
			else
				put_text(out, ": bad length");
		} else if (iei_class(ie->iei) == STK_IEI_PORT8) {
			if (stk_udh_find_ports(&concat1, &pp, NULL) == STK_OK)
				put_text(out, ": dst %u src %u", pp.dst,
				    pp.src);
			else
				put_text(out, ": bad length");
		} else if (ie->len > 0) {
			put_text(out, ":");
			for (size_t k = 0; k < ie->len; k++)
				put_text(out, " %02X", ie->data[k]);
		}
		put_text(out, "\n");
	}
	if (!stk_buf_ok(out))
		return buf_err(out);
	return STK_OK;
}
