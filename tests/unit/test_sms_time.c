/*
 * test_sms_time.c - TP-SCTS/TP-DT (TS 23.040 §9.2.3.11) and TP-VP in all
 * formats (§9.2.3.12): published time stamps and relative periods
 * (python-gsmmodem test/test_pdu.py), range boundaries, ISO 8601 text,
 * Unix time and every error path.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bytes.h"
#include "err.h"
#include "hex.h"
#include "sms_time.h"

/* [gsmmodem] TestTimestamp: ISO text <-> the 7 octets. */
static const struct {
	const char *iso;
	const char *hex;
} scts_vectors[] = {
	{ "2015-11-27T00:00:00+00:00", "51117200000000" },
	{ "2015-11-27T00:00:00+02:00", "51117200000080" },
	{ "2007-04-12T23:25:42+08:00", "70402132522423" },
	{ "2007-04-12T23:25:42-08:00", "7040213252242B" },
	/* [gsmmodem] test_decode time stamps */
	{ "2013-03-08T15:02:16+02:00", "31308051206180" },
	{ "1999-03-29T15:16:59+02:00", "99309251619580" },
	/* [computed] extremes of the time zone: +/- 79 quarters */
	{ "2026-11-23T18:43:35+19:45", "62113281345397" },
	{ "2026-11-23T18:43:35-19:45", "6211328134539F" },
	{ "2024-02-29T23:59:59-00:15", "42209232959518" },
	{ "2089-12-31T00:00:00+00:00", "98211300000000" },
	{ "1990-01-01T00:00:00+00:00", "09101000000000" },
};

static void
test_scts_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(scts_vectors) / sizeof(scts_vectors[0]);
	    i++) {
		struct stk_sms_time t, u;
		struct stk_buf b, out;
		struct stk_cur c;
		char iso[STK_SMS_TIME_ISO_LEN];

		stk_buf_init(&b);
		stk_buf_init(&out);
		assert_int_equal(stk_hex_decode(scts_vectors[i].hex, &b), STK_OK);
		stk_cur_init(&c, stk_buf_data(&b), stk_buf_len(&b));
		assert_int_equal(stk_scts_decode(&c, &t, "TP-SCTS", NULL), STK_OK);
		assert_int_equal(stk_sms_time_to_iso(&t, iso, sizeof(iso)),
		    STK_OK);
		assert_string_equal(iso, scts_vectors[i].iso);
		assert_int_equal(stk_sms_time_from_iso(scts_vectors[i].iso, &u),
		    STK_OK);
		assert_memory_equal(&t, &u, sizeof(t));
		assert_int_equal(stk_scts_encode(&u, &out), STK_OK);
		assert_int_equal(stk_buf_len(&out), STK_SCTS_LEN);
		assert_memory_equal(stk_buf_data(&out), stk_buf_data(&b),
		    STK_SCTS_LEN);
		stk_buf_free(&b);
		stk_buf_free(&out);
	}
}

static void
scts_fails(const char *hex, int err, size_t off)
{
	struct stk_sms_time t;
	struct stk_diag d;
	struct stk_buf b;
	struct stk_cur c;

	stk_buf_init(&b);
	assert_int_equal(stk_hex_decode(hex, &b), STK_OK);
	stk_cur_init(&c, stk_buf_data(&b), stk_buf_len(&b));
	stk_diag_clear(&d);
	assert_int_equal(stk_scts_decode(&c, &t, "TP-DT", &d), err);
	assert_string_equal(d.field, "TP-DT");
	assert_int_equal(d.offset, off);
	stk_buf_free(&b);
}

static void
test_scts_errors(void **state)
{
	(void)state;
	scts_fails("621132813453", STK_E_TRUNCATED, 0);
	scts_fails("A2113281345340", STK_E_INVALID, 0);	/* units digit A */
	scts_fails("6F113281345340", STK_E_INVALID, 0);	/* tens digit F */
	scts_fails("62003281345340", STK_E_INVALID, 1);	/* month 0 */
	scts_fails("62313281345340", STK_E_INVALID, 1);	/* month 13 */
	scts_fails("62110081345340", STK_E_INVALID, 2);	/* day 0 */
	scts_fails("62111381345340", STK_E_INVALID, 2);	/* 31 November */
	scts_fails("32209281345340", STK_E_INVALID, 2);	/* 29 February 2023 */
	scts_fails("62113242345340", STK_E_INVALID, 3);	/* hour 24 */
	scts_fails("62113281065340", STK_E_INVALID, 4);	/* minute 60 */
	scts_fails("62113281340640", STK_E_INVALID, 5);	/* second 60 */
	scts_fails("621132813453A0", STK_E_INVALID, 6);	/* zone units A */
}

/* A zone of "-0" (sign bit, zero quarters) is UTC and re-encodes as sent. */
static void
test_scts_minus_zero(void **state)
{
	static const uint8_t in[] = { 0x62, 0x11, 0x32, 0x81, 0x34, 0x53, 0x08 };
	struct stk_sms_time t;
	struct stk_buf b;
	struct stk_cur c;

	(void)state;
	stk_cur_init(&c, in, sizeof(in));
	assert_int_equal(stk_scts_decode(&c, &t, "TP-SCTS", NULL), STK_OK);
	assert_int_equal(t.tz_minutes, 0);
	assert_true(t.tz_minus_zero);
	stk_buf_init(&b);
	assert_int_equal(stk_scts_encode(&t, &b), STK_OK);
	assert_memory_equal(stk_buf_data(&b), in, sizeof(in));
	stk_buf_free(&b);
}

static void
test_iso_parsing(void **state)
{
	struct stk_sms_time t;
	char iso[STK_SMS_TIME_ISO_LEN];

	(void)state;
	assert_int_equal(stk_sms_time_from_iso("2026-11-23T18:43:35Z", &t),
	    STK_OK);
	assert_int_equal(t.tz_minutes, 0);
	assert_int_equal(stk_sms_time_from_iso("2026-11-23 18:43:35+0100", &t),
	    STK_OK);
	assert_int_equal(t.tz_minutes, 60);
	assert_int_equal(stk_sms_time_from_iso("2026-11-23t18:43:35-05:30", &t),
	    STK_OK);
	assert_int_equal(t.tz_minutes, -330);
	assert_int_equal(stk_sms_time_to_iso(&t, iso, sizeof(iso)), STK_OK);
	assert_string_equal(iso, "2026-11-23T18:43:35-05:30");
	/* offsets not in quarter hours, out of range, bad dates, junk */
	assert_int_equal(stk_sms_time_from_iso("2026-11-23T18:43:35+01:10", &t),
	    STK_E_INVALID);
	assert_int_equal(stk_sms_time_from_iso("2026-11-23T18:43:35+20:00", &t),
	    STK_E_INVALID);
	assert_int_equal(stk_sms_time_from_iso("2026-11-23T18:43:35", &t),
	    STK_E_INVALID);
	assert_int_equal(stk_sms_time_from_iso("2026-11-23T18:43:35Zx", &t),
	    STK_E_INVALID);
	assert_int_equal(stk_sms_time_from_iso("2023-02-29T00:00:00Z", &t),
	    STK_E_INVALID);
	assert_int_equal(stk_sms_time_from_iso("2024-02-29T00:00:00Z", &t),
	    STK_OK);
	assert_int_equal(stk_sms_time_from_iso("1989-12-31T23:59:59Z", &t),
	    STK_E_INVALID);
	assert_int_equal(stk_sms_time_from_iso("2090-01-01T00:00:00Z", &t),
	    STK_E_INVALID);
	assert_int_equal(stk_sms_time_from_iso("2026-1-23T18:43:35Z", &t),
	    STK_E_INVALID);
	assert_int_equal(stk_sms_time_from_iso("", &t), STK_E_INVALID);
	/* output buffer too small */
	assert_int_equal(stk_sms_time_from_iso("2026-11-23T18:43:35Z", &t),
	    STK_OK);
	assert_int_equal(stk_sms_time_to_iso(&t, iso, 25), STK_E_NOSPACE);
	t.month = 13;
	assert_int_equal(stk_sms_time_to_iso(&t, iso, sizeof(iso)),
	    STK_E_INVALID);
	{
		struct stk_buf b;

		stk_buf_init(&b);
		assert_int_equal(stk_scts_encode(&t, &b), STK_E_INVALID);
		assert_int_equal(stk_buf_len(&b), 0);
		stk_buf_free(&b);
	}
}

static void
test_unix_time(void **state)
{
	struct stk_sms_time t;
	char iso[STK_SMS_TIME_ISO_LEN];

	(void)state;
	/* values from Python's datetime.timestamp() */
	assert_int_equal(stk_sms_time_from_iso("2026-11-23T18:43:35+01:00", &t),
	    STK_OK);
	assert_true(stk_sms_time_to_unix(&t) == 1795455815);
	assert_int_equal(stk_sms_time_from_iso("2007-04-12T23:25:42-08:00", &t),
	    STK_OK);
	assert_true(stk_sms_time_to_unix(&t) == 1176449142);
	assert_int_equal(stk_sms_time_from_unix(1795455815, 60, &t), STK_OK);
	assert_int_equal(stk_sms_time_to_iso(&t, iso, sizeof(iso)), STK_OK);
	assert_string_equal(iso, "2026-11-23T18:43:35+01:00");
	assert_int_equal(stk_sms_time_from_unix(1795455815, -600, &t), STK_OK);
	assert_int_equal(stk_sms_time_to_iso(&t, iso, sizeof(iso)), STK_OK);
	assert_string_equal(iso, "2026-11-23T07:43:35-10:00");
	assert_int_equal(stk_sms_time_from_unix(631152000, 0, &t), STK_OK);
	assert_int_equal(t.year, 1990);
	assert_int_equal(stk_sms_time_from_unix(3786911999, 0, &t), STK_OK);
	assert_int_equal(t.year, 2089);
	assert_int_equal(stk_sms_time_from_unix(3786912000, 0, &t),
	    STK_E_INVALID);
	assert_int_equal(stk_sms_time_from_unix(631151999, 0, &t),
	    STK_E_INVALID);
	assert_int_equal(stk_sms_time_from_unix(0, 7, &t), STK_E_INVALID);
	assert_int_equal(stk_sms_time_from_unix(INT64_MIN, 0, &t),
	    STK_E_INVALID);
}

static void
test_relative_vp(void **state)
{
	/* [gsmmodem] TestRelativeValidityPeriod, then range boundaries */
	static const struct {
		uint8_t v;
		uint32_t minutes;
	} rel[] = {
		{ 5, 30 }, { 151, 16 * 60 }, { 169, 3 * 1440 },
		{ 197, 5 * 7 * 1440 }, { 0, 5 }, { 143, 720 }, { 144, 750 },
		{ 167, 1440 }, { 168, 2 * 1440 }, { 196, 30 * 1440 },
		{ 255, 63 * 7 * 1440 }, { 0xf4, 52 * 7 * 1440 }, { 0xa7, 1440 },
		{ 0xaa, 4 * 1440 },
	};
	uint8_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		assert_int_equal(stk_vp_relative_minutes(rel[i].v),
		    rel[i].minutes);
		assert_int_equal(stk_vp_relative_from_minutes(rel[i].minutes,
		    &v), STK_OK);
		assert_int_equal(v, rel[i].v);
	}
	/* nearest not shorter */
	assert_int_equal(stk_vp_relative_from_minutes(0, &v), STK_OK);
	assert_int_equal(v, 0);
	assert_int_equal(stk_vp_relative_from_minutes(6, &v), STK_OK);
	assert_int_equal(v, 1);
	assert_int_equal(stk_vp_relative_from_minutes(721, &v), STK_OK);
	assert_int_equal(v, 144);
	assert_int_equal(stk_vp_relative_from_minutes(1441, &v), STK_OK);
	assert_int_equal(v, 168);
	assert_int_equal(stk_vp_relative_from_minutes(30 * 1440 + 1, &v),
	    STK_OK);
	assert_int_equal(v, 197);
	assert_int_equal(stk_vp_relative_from_minutes(63 * 7 * 1440 + 1, &v),
	    STK_E_TOO_LONG);
	/* the mapping is strictly increasing */
	for (unsigned i = 1; i < 256; i++)
		assert_true(stk_vp_relative_minutes((uint8_t)i) >
		    stk_vp_relative_minutes((uint8_t)(i - 1)));
}

/* Decode hex as TP-VP of format vpf, check text and re-encoding. */
static void
vp_round_trip(unsigned vpf, const char *hex, const char *text, int64_t secs)
{
	struct stk_buf b, out;
	struct stk_cur c;
	struct stk_vp vp;
	char buf[96];
	uint32_t s;

	stk_buf_init(&b);
	stk_buf_init(&out);
	assert_int_equal(stk_hex_decode(hex, &b), STK_OK);
	stk_cur_init(&c, stk_buf_data(&b), stk_buf_len(&b));
	assert_int_equal(stk_vp_decode(&c, vpf, &vp, NULL), STK_OK);
	assert_true(stk_cur_empty(&c));
	assert_int_equal(stk_vp_to_text(&vp, buf, sizeof(buf)), STK_OK);
	assert_string_equal(buf, text);
	if (secs >= 0) {
		assert_int_equal(stk_vp_seconds(&vp, &s), STK_OK);
		assert_int_equal(s, secs);
	}
	assert_int_equal(stk_vp_encode(&vp, &out), STK_OK);
	assert_int_equal(stk_buf_len(&out), stk_buf_len(&b));
	assert_memory_equal(stk_buf_data(&out), stk_buf_data(&b),
	    stk_buf_len(&b));
	stk_buf_free(&b);
	stk_buf_free(&out);
}

static void
vp_fails(unsigned vpf, const char *hex, int err, size_t off)
{
	struct stk_buf b;
	struct stk_cur c;
	struct stk_diag d;
	struct stk_vp vp;

	stk_buf_init(&b);
	assert_int_equal(stk_hex_decode(hex, &b), STK_OK);
	stk_cur_init(&c, stk_buf_data(&b), stk_buf_len(&b));
	stk_diag_clear(&d);
	assert_int_equal(stk_vp_decode(&c, vpf, &vp, &d), err);
	assert_int_equal(d.offset, off);
	stk_buf_free(&b);
}

static void
test_vp_formats(void **state)
{
	struct stk_vp vp;
	uint32_t s;
	char small[8];

	(void)state;
	vp_round_trip(STK_VPF_NONE, "", "none", -1);
	vp_round_trip(STK_VPF_RELATIVE, "A7", "relative 0xA7 (1d)", 86400);
	vp_round_trip(STK_VPF_RELATIVE, "90", "relative 0x90 (12h30m)", 45000);
	vp_round_trip(STK_VPF_ABSOLUTE, "31700131930080",
	    "absolute 2013-07-10T13:39:00+02:00", -1);
	vp_round_trip(STK_VPF_ENHANCED, "00000000000000", "enhanced no validity "
	    "period", -1);
	vp_round_trip(STK_VPF_ENHANCED, "01A70000000000", "enhanced relative 1d",
	    86400);
	vp_round_trip(STK_VPF_ENHANCED, "421E0000000000",
	    "enhanced relative-seconds 30s single-shot", 30);
	vp_round_trip(STK_VPF_ENHANCED, "03214365000000",
	    "enhanced relative-hhmmss 12h34m56s", 45296);
	vp_round_trip(STK_VPF_ENHANCED, "82001E00000000",
	    "enhanced relative-seconds 30s", 30);
	vp_round_trip(STK_VPF_ENHANCED, "83800021436500",
	    "enhanced relative-hhmmss 12h34m56s", 45296);
	/* seconds: NONE and enhanced NONE have none, ABSOLUTE is an instant */
	memset(&vp, 0, sizeof(vp));
	assert_int_equal(stk_vp_seconds(&vp, &s), STK_E_INVALID);
	vp.vpf = STK_VPF_ABSOLUTE;
	assert_int_equal(stk_vp_seconds(&vp, &s), STK_E_UNSUPPORTED);
	assert_int_equal(stk_vp_make_enhanced(&vp, STK_EVP_NONE, 0, false),
	    STK_OK);
	assert_int_equal(stk_vp_seconds(&vp, &s), STK_E_INVALID);
	/* builders */
	assert_int_equal(stk_vp_make_enhanced(&vp, STK_EVP_HHMMSS, 45296, true),
	    STK_OK);
	assert_memory_equal(vp.enhanced, "\x43\x21\x43\x65\x00\x00\x00", 7);
	assert_int_equal(stk_vp_make_enhanced(&vp, STK_EVP_HHMMSS, 360000,
	    false), STK_E_INVALID);
	assert_int_equal(stk_vp_make_enhanced(&vp, STK_EVP_SECONDS, 256, false),
	    STK_E_INVALID);
	assert_int_equal(stk_vp_make_enhanced(&vp, 5, 0, false), STK_E_INVALID);
	/* errors */
	vp_fails(STK_VPF_RELATIVE, "", STK_E_TRUNCATED, 0);
	vp_fails(STK_VPF_ENHANCED, "421E00000000", STK_E_TRUNCATED, 0);
	vp_fails(STK_VPF_ENHANCED, "05000000000000", STK_E_UNSUPPORTED, 0);
	vp_fails(STK_VPF_ENHANCED, "07000000000000", STK_E_UNSUPPORTED, 0);
	vp_fails(STK_VPF_ENHANCED, "021E0000000001", STK_E_INVALID, 6);
	vp_fails(STK_VPF_ENHANCED, "00010000000000", STK_E_INVALID, 1);
	vp_fails(STK_VPF_ENHANCED, "80808080808080", STK_E_INVALID, 6);
	vp_fails(STK_VPF_ENHANCED, "838080808080FF", STK_E_INVALID, 6);
	vp_fails(STK_VPF_ENHANCED, "032106000000", STK_E_TRUNCATED, 0);
	vp_fails(STK_VPF_ENHANCED, "03210600000000", STK_E_INVALID, 1);
	vp_fails(STK_VPF_ENHANCED, "032100A0000000", STK_E_INVALID, 1);
	vp_fails(STK_VPF_ABSOLUTE, "31130131930080", STK_E_INVALID, 1);
	vp_fails(4, "00", STK_E_INVALID, 0);
	/* encoder refuses a bad enhanced octet string, and bad VPF */
	{
		struct stk_buf out;

		stk_buf_init(&out);
		memset(&vp, 0, sizeof(vp));
		vp.vpf = STK_VPF_ENHANCED;
		vp.enhanced[0] = 0x06;
		assert_int_equal(stk_vp_encode(&vp, &out), STK_E_INVALID);
		vp.vpf = 9;
		assert_int_equal(stk_vp_encode(&vp, &out), STK_E_INVALID);
		assert_int_equal(stk_buf_len(&out), 0);
		stk_buf_free(&out);
	}
	/* truncated text is reported */
	memset(&vp, 0, sizeof(vp));
	vp.vpf = STK_VPF_RELATIVE;
	assert_int_equal(stk_vp_to_text(&vp, small, sizeof(small)),
	    STK_E_NOSPACE);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_string_equal(stk_vpf_name(STK_VPF_ENHANCED), "enhanced format");
	assert_string_equal(stk_vpf_name(4), "invalid");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scts_vectors),
		cmocka_unit_test(test_scts_errors),
		cmocka_unit_test(test_scts_minus_zero),
		cmocka_unit_test(test_iso_parsing),
		cmocka_unit_test(test_unix_time),
		cmocka_unit_test(test_relative_vp),
		cmocka_unit_test(test_vp_formats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
