/*
 * sms_time.c - TP-SCTS/TP-DT (TS 23.040 §9.2.3.11, §9.2.3.13) and TP-VP
 * (§9.2.3.12); see the contracts in sms_time.h.
 */
#include <stdio.h>
#include <string.h>

#include "sms_time.h"

#define TZ_MAX_QUARTERS 79		/* 3-bit tens digit, units 0-9 */
#define VP_RELATIVE_MAX_MINUTES (63u * 7 * 24 * 60)

static const char *const vpf_names[] = {
	[STK_VPF_NONE] = "not present",
	[STK_VPF_ENHANCED] = "enhanced format",
	[STK_VPF_RELATIVE] = "relative format",
	[STK_VPF_ABSOLUTE] = "absolute format",
};

static const char *const evp_format_names[] = {
	[STK_EVP_NONE] = "no validity period",
	[STK_EVP_RELATIVE] = "relative",
	[STK_EVP_SECONDS] = "relative-seconds",
	[STK_EVP_HHMMSS] = "relative-hhmmss",
};

const char *
stk_vpf_name(unsigned vpf)
{
	return vpf < 4 ? vpf_names[vpf] : "invalid";
}

static bool
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (m == 2 && is_leap(y))
		return 29;
	return days[m - 1];
}

int
stk_sms_time_validate(const struct stk_sms_time *t)
{
	if (t->year < 1990 || t->year > 2089 || t->month < 1 ||
	    t->month > 12 || t->day < 1 ||
	    t->day > days_in_month(t->year, t->month) || t->hour < 0 ||
	    t->hour > 23 || t->minute < 0 || t->minute > 59 ||
	    t->second < 0 || t->second > 59 || t->tz_minutes % 15 != 0 ||
	    t->tz_minutes < -TZ_MAX_QUARTERS * 15 ||
	    t->tz_minutes > TZ_MAX_QUARTERS * 15)
		return STK_E_INVALID;
	return STK_OK;
}

/* One swapped-BCD octet (§9.1.2.3): first digit in the low nibble. */
static bool
bcd_swapped(uint8_t o, int *v)
{
	unsigned tens = o & 0x0f, units = o >> 4;

	if (tens > 9 || units > 9)
		return false;
	*v = (int)(tens * 10 + units);
	return true;
}

static uint8_t
bcd_swapped_make(int v)
{
	return (uint8_t)((v % 10) << 4 | (v / 10));
}

int
stk_scts_decode(struct stk_cur *c, struct stk_sms_time *t, const char *field,
    struct stk_diag *diag)
{
	size_t off = stk_cur_offset(c);
	uint8_t o[STK_SCTS_LEN];
	int v[6];
	unsigned q;

	if (!stk_cur_copy(c, o, sizeof(o)))
		return stk_fail(diag, STK_E_TRUNCATED, field, off);
	for (size_t i = 0; i < 6; i++)
		if (!bcd_swapped(o[i], &v[i]))
			return stk_fail(diag, STK_E_INVALID, field, off + i);
	memset(t, 0, sizeof(*t));	/* padding too: callers may memcmp */
	t->year = v[0] >= 90 ? 1900 + v[0] : 2000 + v[0];
	t->month = v[1];
	t->day = v[2];
	t->hour = v[3];
	t->minute = v[4];
	t->second = v[5];
	/* Time zone: tens in bits 2-0, sign in bit 3, units in bits 7-4. */
	if ((o[6] >> 4) > 9)
		return stk_fail(diag, STK_E_INVALID, field, off + 6);
	q = (o[6] & 0x07) * 10u + (o[6] >> 4);
	t->tz_minus_zero = (o[6] & 0x08) && q == 0;
	t->tz_minutes = (o[6] & 0x08) ? -(int)q * 15 : (int)q * 15;
	/* Name the first field out of range. */
	if (t->month < 1 || t->month > 12)
		return stk_fail(diag, STK_E_INVALID, field, off + 1);
	if (t->day < 1 || t->day > days_in_month(t->year, t->month))
		return stk_fail(diag, STK_E_INVALID, field, off + 2);
	if (t->hour > 23)
		return stk_fail(diag, STK_E_INVALID, field, off + 3);
	if (t->minute > 59)
		return stk_fail(diag, STK_E_INVALID, field, off + 4);
	if (t->second > 59)
		return stk_fail(diag, STK_E_INVALID, field, off + 5);
	return STK_OK;
}

int
stk_scts_encode(const struct stk_sms_time *t, struct stk_buf *out)
{
	int q;
	uint8_t tz;

	if (stk_sms_time_validate(t) != STK_OK)
		return STK_E_INVALID;
	q = t->tz_minutes / 15;
	tz = bcd_swapped_make(q < 0 ? -q : q);
	if (q < 0 || (q == 0 && t->tz_minus_zero))
		tz |= 0x08;
	stk_buf_add_u8(out, bcd_swapped_make(t->year % 100));
	stk_buf_add_u8(out, bcd_swapped_make(t->month));
	stk_buf_add_u8(out, bcd_swapped_make(t->day));
	stk_buf_add_u8(out, bcd_swapped_make(t->hour));
	stk_buf_add_u8(out, bcd_swapped_make(t->minute));
	stk_buf_add_u8(out, bcd_swapped_make(t->second));
	stk_buf_add_u8(out, tz);
	if (!stk_buf_ok(out))
		return out->fixed ? STK_E_NOSPACE : STK_E_NOMEM;
	return STK_OK;
}

int
stk_sms_time_to_iso(const struct stk_sms_time *t, char *out, size_t outsz)
{
	int tz, n;

	if (outsz > 0)
		out[0] = '\0';
	if (stk_sms_time_validate(t) != STK_OK)
		return STK_E_INVALID;
	if (outsz < STK_SMS_TIME_ISO_LEN)
		return STK_E_NOSPACE;
	tz = t->tz_minutes < 0 ? -t->tz_minutes : t->tz_minutes;
	n = snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
	    t->year, t->month, t->day, t->hour, t->minute, t->second,
	    t->tz_minutes < 0 ? '-' : '+', tz / 60, tz % 60);
	return n > 0 && (size_t)n < outsz ? STK_OK : STK_E_NOSPACE;
}

/* Exactly n decimal digits at *p; advances. */
static bool
iso_digits(const char **p, int n, int *v)
{
	int acc = 0;

	for (int i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return false;
		acc = acc * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*v = acc;
	return true;
}

static bool
iso_char(const char **p, const char *set)
{
	if (**p == '\0' || strchr(set, **p) == NULL)
		return false;
	(*p)++;
	return true;
}

int
stk_sms_time_from_iso(const char *text, struct stk_sms_time *t)
{
	struct stk_sms_time r;
	const char *p = text;
	int sign, hh, mm;

	memset(&r, 0, sizeof(r));
	if (!iso_digits(&p, 4, &r.year) || !iso_char(&p, "-") ||
	    !iso_digits(&p, 2, &r.month) || !iso_char(&p, "-") ||
	    !iso_digits(&p, 2, &r.day) || !iso_char(&p, "Tt ") ||
	    !iso_digits(&p, 2, &r.hour) || !iso_char(&p, ":") ||
	    !iso_digits(&p, 2, &r.minute) || !iso_char(&p, ":") ||
	    !iso_digits(&p, 2, &r.second))
		return STK_E_INVALID;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else {
		sign = *p == '-' ? -1 : 1;
		if (!iso_char(&p, "+-") || !iso_digits(&p, 2, &hh))
			return STK_E_INVALID;
		if (*p == ':')
			p++;
		if (!iso_digits(&p, 2, &mm) || mm > 59)
			return STK_E_INVALID;
		r.tz_minutes = sign * (hh * 60 + mm);
	}
	if (*p != '\0' || stk_sms_time_validate(&r) != STK_OK)
		return STK_E_INVALID;
	*t = r;
	return STK_OK;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (civil algorithm). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

int64_t
stk_sms_time_to_unix(const struct stk_sms_time *t)
{
	int64_t days = days_from_civil(t->year, t->month, t->day);

	return days * 86400 + t->hour * 3600 + t->minute * 60 + t->second -
	    (int64_t)t->tz_minutes * 60;
}

int
stk_sms_time_from_unix(int64_t secs, int tz_minutes, struct stk_sms_time *t)
{
	struct stk_sms_time r;

	int64_t local, days, rem, y;

	if (tz_minutes % 15 != 0 || tz_minutes < -TZ_MAX_QUARTERS * 15 ||
	    tz_minutes > TZ_MAX_QUARTERS * 15)
		return STK_E_INVALID;
	/* Years 1990..2089 lie well inside +-2^40 seconds. */
	if (secs < -((int64_t)1 << 40) || secs > ((int64_t)1 << 40))
		return STK_E_INVALID;
	memset(&r, 0, sizeof(r));
	local = secs + (int64_t)tz_minutes * 60;
	days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
	rem = local - days * 86400;
	civil_from_days(days, &y, &r.month, &r.day);
	r.year = (int)y;
	r.hour = (int)(rem / 3600);
	r.minute = (int)(rem % 3600 / 60);
	r.second = (int)(rem % 60);
	r.tz_minutes = tz_minutes;
	if (stk_sms_time_validate(&r) != STK_OK)
		return STK_E_INVALID;
	*t = r;
	return STK_OK;
}

uint32_t
stk_vp_relative_minutes(uint8_t v)
{
	if (v <= 143)
		return (v + 1u) * 5;
	if (v <= 167)
		return 12 * 60 + (v - 143u) * 30;
	if (v <= 196)
		return (v - 166u) * 24 * 60;
	return (v - 192u) * 7 * 24 * 60;
}

int
stk_vp_relative_from_minutes(uint32_t minutes, uint8_t *v)
{
	/* The mapping is strictly increasing: take the first that covers. */
	if (minutes > VP_RELATIVE_MAX_MINUTES)
		return STK_E_TOO_LONG;
	for (unsigned i = 0; i <= 255; i++) {
		if (stk_vp_relative_minutes((uint8_t)i) >= minutes) {
			*v = (uint8_t)i;
			return STK_OK;
		}
	}
	return STK_E_TOO_LONG;
}

/*
 * Decode the enhanced format (§9.2.3.12.3) from its 7 octets into vp.
 * Returns the error and the index of the failing octet in *bad.
 */
static int
evp_parse(struct stk_vp *vp, size_t *bad)
{
	const uint8_t *o = vp->enhanced;
	size_t i = 0, vlen = 0;
	int h, m, s;

	while (i < STK_EVP_LEN && (o[i] & STK_EVP_EXTENSION))
		i++;
	if (i >= STK_EVP_LEN) {
		*bad = STK_EVP_LEN - 1;
		return STK_E_INVALID;
	}
	vp->fi_len = i + 1;
	vp->single_shot = (o[0] & STK_EVP_SINGLE_SHOT) != 0;
	vp->evp_format = o[0] & 0x07;
	vp->evp_seconds = 0;
	switch (vp->evp_format) {
	case STK_EVP_NONE:
		break;
	case STK_EVP_RELATIVE:
	case STK_EVP_SECONDS:
		vlen = 1;
		break;
	case STK_EVP_HHMMSS:
		vlen = 3;
		break;
	default:
		*bad = 0;
		return STK_E_UNSUPPORTED;
	}
	if (vp->fi_len + vlen > STK_EVP_LEN) {
		*bad = STK_EVP_LEN - 1;
		return STK_E_INVALID;
	}
	o += vp->fi_len;
	switch (vp->evp_format) {
	case STK_EVP_RELATIVE:
		vp->evp_seconds = stk_vp_relative_minutes(o[0]) * 60;
		break;
	case STK_EVP_SECONDS:
		vp->evp_seconds = o[0];
		break;
	case STK_EVP_HHMMSS:
		if (!bcd_swapped(o[0], &h) || !bcd_swapped(o[1], &m) ||
		    !bcd_swapped(o[2], &s) || m > 59 || s > 59) {
			*bad = vp->fi_len;
			return STK_E_INVALID;
		}
		vp->evp_seconds = (uint32_t)(h * 3600 + m * 60 + s);
		break;
	}
	/* "The remaining octets ... shall be set to 0" (unused octets). */
	for (size_t k = vp->fi_len + vlen; k < STK_EVP_LEN; k++) {
		if (vp->enhanced[k] != 0) {
			*bad = k;
			return STK_E_INVALID;
		}
	}
	return STK_OK;
}

int
stk_vp_decode(struct stk_cur *c, unsigned vpf, struct stk_vp *vp,
    struct stk_diag *diag)
{
	size_t off = stk_cur_offset(c), bad = 0;
	int r;

	memset(vp, 0, sizeof(*vp));
	vp->vpf = (uint8_t)vpf;
	switch (vpf) {
	case STK_VPF_NONE:
		return STK_OK;
	case STK_VPF_RELATIVE:
		if (!stk_cur_u8(c, &vp->relative))
			return stk_fail(diag, STK_E_TRUNCATED, "TP-VP", off);
		return STK_OK;
	case STK_VPF_ABSOLUTE:
		return stk_scts_decode(c, &vp->absolute, "TP-VP", diag);
	case STK_VPF_ENHANCED:
		if (!stk_cur_copy(c, vp->enhanced, STK_EVP_LEN))
			return stk_fail(diag, STK_E_TRUNCATED, "TP-VP", off);
		if ((r = evp_parse(vp, &bad)) != STK_OK)
			return stk_fail(diag, r, "TP-VP", off + bad);
		return STK_OK;
	default:
		return stk_fail(diag, STK_E_INVALID, "TP-VPF", off);
	}
}

int
stk_vp_encode(const struct stk_vp *vp, struct stk_buf *out)
{
	struct stk_vp check;
	size_t bad;

	switch (vp->vpf) {
	case STK_VPF_NONE:
		return STK_OK;
	case STK_VPF_RELATIVE:
		stk_buf_add_u8(out, vp->relative);
		break;
	case STK_VPF_ABSOLUTE:
		return stk_scts_encode(&vp->absolute, out);
	case STK_VPF_ENHANCED:
		check = *vp;
		if (evp_parse(&check, &bad) != STK_OK)
			return STK_E_INVALID;
		stk_buf_add_bytes(out, vp->enhanced, STK_EVP_LEN);
		break;
	default:
		return STK_E_INVALID;
	}
	if (!stk_buf_ok(out))
		return out->fixed ? STK_E_NOSPACE : STK_E_NOMEM;
	return STK_OK;
}

int
stk_vp_make_enhanced(struct stk_vp *vp, unsigned format, uint32_t value,
    bool single_shot)
{
	size_t bad;

	memset(vp, 0, sizeof(*vp));
	vp->vpf = STK_VPF_ENHANCED;
	vp->enhanced[0] = (uint8_t)((single_shot ? STK_EVP_SINGLE_SHOT : 0) |
	    (format & 0x07));
	switch (format) {
	case STK_EVP_NONE:
		break;
	case STK_EVP_RELATIVE:
	case STK_EVP_SECONDS:
		if (value > 255)
			return STK_E_INVALID;
		vp->enhanced[1] = (uint8_t)value;
		break;
	case STK_EVP_HHMMSS:
		if (value >= 100u * 3600)
			return STK_E_INVALID;
		vp->enhanced[1] = bcd_swapped_make((int)(value / 3600));
		vp->enhanced[2] = bcd_swapped_make((int)(value / 60 % 60));
		vp->enhanced[3] = bcd_swapped_make((int)(value % 60));
		break;
	default:
		return STK_E_INVALID;
	}
	return evp_parse(vp, &bad);
}

int
stk_vp_seconds(const struct stk_vp *vp, uint32_t *secs)
{
	switch (vp->vpf) {
	case STK_VPF_RELATIVE:
		*secs = stk_vp_relative_minutes(vp->relative) * 60;
		return STK_OK;
	case STK_VPF_ENHANCED:
		if (vp->evp_format == STK_EVP_NONE)
			return STK_E_INVALID;
		*secs = vp->evp_seconds;
		return STK_OK;
	case STK_VPF_ABSOLUTE:
		return STK_E_UNSUPPORTED;
	default:
		return STK_E_INVALID;
	}
}

/* "1w", "2d", "12h30m", "45s"... the non-zero units of a duration. */
static void
duration_text(uint32_t secs, char *out, size_t outsz)
{
	static const struct {
		uint32_t unit;
		const char *suffix;
	} units[] = {
		{ 7 * 86400, "w" }, { 86400, "d" }, { 3600, "h" }, { 60, "m" },
		{ 1, "s" },
	};
	size_t n = 0;

	out[0] = '\0';
	if (secs == 0) {
		snprintf(out, outsz, "0s");
		return;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		uint32_t k = secs / units[i].unit;
		int w;

		if (k == 0)
			continue;
		secs -= k * units[i].unit;
		w = snprintf(out + n, outsz - n, "%u%s", (unsigned)k,
		    units[i].suffix);
		if (w < 0 || (size_t)w >= outsz - n)
			return;
		n += (size_t)w;
	}
}

int
stk_vp_to_text(const struct stk_vp *vp, char *out, size_t outsz)
{
	char iso[STK_SMS_TIME_ISO_LEN], dur[32];
	int n;

	switch (vp->vpf) {
	case STK_VPF_NONE:
		n = snprintf(out, outsz, "none");
		break;
	case STK_VPF_RELATIVE:
		duration_text(stk_vp_relative_minutes(vp->relative) * 60, dur,
		    sizeof(dur));
		n = snprintf(out, outsz, "relative 0x%02X (%s)", vp->relative,
		    dur);
		break;
	case STK_VPF_ABSOLUTE:
		if (stk_sms_time_to_iso(&vp->absolute, iso, sizeof(iso)) !=
		    STK_OK)
			snprintf(iso, sizeof(iso), "(invalid)");
		n = snprintf(out, outsz, "absolute %s", iso);
		break;
	case STK_VPF_ENHANCED:
		duration_text(vp->evp_seconds, dur, sizeof(dur));
		n = snprintf(out, outsz, "enhanced %s%s%s%s",
		    vp->evp_format < 4 ? evp_format_names[vp->evp_format] :
		    "reserved format",
		    vp->evp_format != STK_EVP_NONE ? " " : "",
		    vp->evp_format != STK_EVP_NONE ? dur : "",
		    vp->single_shot ? " single-shot" : "");
		break;
	default:
		n = snprintf(out, outsz, "invalid TP-VPF %u", vp->vpf);
		break;
	}
	if (n < 0 || (size_t)n >= outsz)
		return STK_E_NOSPACE;
	return STK_OK;
}
