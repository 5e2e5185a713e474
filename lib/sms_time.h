/*
 * sms_time.h - SMS time stamps and validity periods (3GPP TS 23.040).
 *
 *   TP-SCTS / TP-DT (§9.2.3.11, §9.2.3.13): 7 octets, each two swapped
 *   BCD semi-octets: year, month, day, hour, minute, second, time zone.
 *   The time zone is the offset from UTC in quarters of an hour, two BCD
 *   digits of which the tens digit has 3 bits; bit 3 of the octet (the
 *   top bit of the low, i.e. first, semi-octet) is the sign, 1 = negative.
 *
 *   TP-VP (§9.2.3.12): absent, relative (1 octet, §9.2.3.12.1), absolute
 *   (an SCTS, §9.2.3.12.2) or enhanced (7 octets, §9.2.3.12.3), selected
 *   by TP-VPF in the first octet of SMS-SUBMIT.
 *
 * The year is two digits on the wire; as TS 23.040 names no century, this
 * code maps 90..99 to 1990..1999 and 00..89 to 2000..2089.
 */
#ifndef STKAUTH_SMS_TIME_H
#define STKAUTH_SMS_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "err.h"

#define STK_SCTS_LEN 7
/* "2026-11-23T18:43:35+01:00" plus the NUL. */
#define STK_SMS_TIME_ISO_LEN 26

struct stk_sms_time {
	int year;		/* 1990..2089 */
	int month;		/* 1..12 */
	int day;		/* 1..days in that month (leap years counted) */
	int hour;		/* 0..23 */
	int minute;		/* 0..59 */
	int second;		/* 0..59 */
	int tz_minutes;		/* offset from UTC, multiple of 15,
				 * -1185..+1185 (79 quarters) */
	bool tz_minus_zero;	/* received as "-0" (sign bit, zero
				 * quarters): means UTC; kept so the octets
				 * re-encode exactly */
};

/* STK_OK when every field is in the range above, else STK_E_INVALID. */
int stk_sms_time_validate(const struct stk_sms_time *t);

/*
 * Decode 7 octets at the cursor.  field names it ("TP-SCTS", "TP-DT",
 * "TP-VP").  STK_E_TRUNCATED; STK_E_INVALID for a semi-octet above 9, a
 * value out of range (month 13, 30 February, hour 24, ...).  The offset
 * names the failing octet.  A time zone of "minus zero", which handsets
 * and SMSCs do send, is read as UTC with tz_minus_zero set.
 */
int stk_scts_decode(struct stk_cur *c, struct stk_sms_time *t,
    const char *field, struct stk_diag *diag);

/* Append the 7 octets.  STK_E_INVALID when t does not validate. */
int stk_scts_encode(const struct stk_sms_time *t, struct stk_buf *out);

/*
 * ISO 8601 text "YYYY-MM-DDThh:mm:ss+hh:mm" (always with the numeric
 * offset, "+00:00" for UTC).  out needs STK_SMS_TIME_ISO_LEN bytes;
 * STK_E_NOSPACE if smaller, STK_E_INVALID if t does not validate.
 */
int stk_sms_time_to_iso(const struct stk_sms_time *t, char *out,
    size_t outsz);

/*
 * Parse "YYYY-MM-DDThh:mm:ss" followed by "Z", "+hh:mm", "-hh:mm",
 * "+hhmm" or "-hhmm" ('t' or ' ' also accepted for 'T').  The offset must
 * be a multiple of 15 minutes.  STK_E_INVALID on anything else, trailing
 * characters included.
 */
int stk_sms_time_from_iso(const char *text, struct stk_sms_time *t);

/* Seconds since 1970-01-01T00:00:00Z of the instant t denotes. */
int64_t stk_sms_time_to_unix(const struct stk_sms_time *t);

/*
 * The instant secs, shown in the time zone tz_minutes (a multiple of 15).
 * STK_E_INVALID when the local date falls outside 1990..2089 or the zone
 * is not representable.
 */
int stk_sms_time_from_unix(int64_t secs, int tz_minutes,
    struct stk_sms_time *t);

/* TP-VPF values: bits 4-3 of the SMS-SUBMIT first octet (§9.2.3.3). */
enum stk_vpf {
	STK_VPF_NONE = 0,
	STK_VPF_ENHANCED = 1,
	STK_VPF_RELATIVE = 2,
	STK_VPF_ABSOLUTE = 3,
};

const char *stk_vpf_name(unsigned vpf);

/* Enhanced-format validity period formats, bits 2-0 of its octet 1. */
enum stk_evp_format {
	STK_EVP_NONE = 0,		/* no validity period */
	STK_EVP_RELATIVE = 1,		/* one octet as relative TP-VP */
	STK_EVP_SECONDS = 2,		/* one octet, 0..255 seconds */
	STK_EVP_HHMMSS = 3,		/* three semi-octet octets */
};

#define STK_EVP_LEN 7
#define STK_EVP_EXTENSION 0x80		/* another functionality octet follows */
#define STK_EVP_SINGLE_SHOT 0x40

struct stk_vp {
	uint8_t vpf;			/* enum stk_vpf */
	/* STK_VPF_RELATIVE: the octet (§9.2.3.12.1). */
	uint8_t relative;
	/* STK_VPF_ABSOLUTE. */
	struct stk_sms_time absolute;
	/*
	 * STK_VPF_ENHANCED (§9.2.3.12.3): the 7 octets as on the wire
	 * (the encoder writes these), and their decode.  fi_len counts the
	 * functionality-indicator octets (more than 1 when the extension
	 * bit is set); the format's value follows them.
	 */
	uint8_t enhanced[STK_EVP_LEN];
	size_t fi_len;
	bool single_shot;
	uint8_t evp_format;		/* enum stk_evp_format */
	uint32_t evp_seconds;		/* the period, for formats 1-3 */
};

/*
 * Decode TP-VP of format vpf at the cursor (nothing is read for
 * STK_VPF_NONE).  Enhanced: STK_E_UNSUPPORTED for a reserved format
 * (4-7), STK_E_INVALID for bad semi-octets, minutes or seconds above 59,
 * or non-zero octets after the value (they "shall be set to 0").
 */
int stk_vp_decode(struct stk_cur *c, unsigned vpf, struct stk_vp *vp,
    struct stk_diag *diag);

/* Append TP-VP per vp->vpf (nothing for NONE). */
int stk_vp_encode(const struct stk_vp *vp, struct stk_buf *out);

/*
 * Relative TP-VP octet -> minutes (§9.2.3.12.1):
 *   0..143    (v + 1) * 5 minutes
 *   144..167  12 hours + (v - 143) * 30 minutes
 *   168..196  (v - 166) days
 *   197..255  (v - 192) weeks
 */
uint32_t stk_vp_relative_minutes(uint8_t v);

/*
 * Minutes -> the relative TP-VP octet whose period is the shortest one
 * not shorter than minutes (0 gives 0 = 5 minutes).  STK_E_TOO_LONG when
 * minutes exceeds 63 weeks (635040 minutes).
 */
int stk_vp_relative_from_minutes(uint32_t minutes, uint8_t *v);

/*
 * Build an enhanced TP-VP into vp (vpf = ENHANCED, octets filled, unused
 * octets 0).  value: RELATIVE the relative octet; SECONDS 0..255 seconds;
 * HHMMSS seconds < 100 hours; NONE ignores value.  STK_E_INVALID.
 */
int stk_vp_make_enhanced(struct stk_vp *vp, unsigned format, uint32_t value,
    bool single_shot);

/*
 * The period in seconds: relative and enhanced formats 1-3.  STK_E_INVALID
 * for NONE and enhanced NONE (no period), STK_E_UNSUPPORTED for ABSOLUTE
 * (an instant, not a duration: use vp->absolute).
 */
int stk_vp_seconds(const struct stk_vp *vp, uint32_t *secs);

/*
 * Printable form: "none", "relative 0xA7 (1d)", "absolute
 * 2026-11-23T18:43:35+01:00", "enhanced relative-seconds 30s single-shot",
 * ...  Always NUL-terminates (truncating) when outsz > 0; STK_E_NOSPACE
 * when truncated.  80 bytes always suffice.
 */
int stk_vp_to_text(const struct stk_vp *vp, char *out, size_t outsz);

#endif
