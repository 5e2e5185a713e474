/*
 * test_admin_parse.c - stkauth-admin's input parsers: RFC 4180 records
 * (tools/admin/csv.c, including every malformed form and the limits),
 * E.164 normalisation (tools/admin/msisdn.c) and the time syntax of
 * --since / --until (tools/admin/out.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "admin.h"
#include "err.h"

/* ---- CSV ------------------------------------------------------------ */

static FILE *
mem(const char *s)
{
	return fmemopen((void *)s, strlen(s), "r");
}

static void
test_csv_rfc4180(void **state)
{
	/* RFC 4180 §2 rules 1-7: CRLF and LF, quotes, "" escapes, line
	 * breaks and commas inside quotes, an empty last field */
	FILE *f = mem("a,b\r\n\"x,y\",\"say \"\"hi\"\"\"\r\n"
	    "\"multi\r\nline\",z\n,\n\"\",last");
	struct csv_reader r;
	const char *why;

	(void)state;
	csv_reader_init(&r, f);
	assert_int_equal(csv_read(&r, &why), 1);
	assert_int_equal(r.line, 1);
	assert_int_equal(r.nfields, 2);
	assert_string_equal(r.fields[0], "a");
	assert_string_equal(r.fields[1], "b");
	assert_int_equal(csv_read(&r, &why), 1);
	assert_int_equal(r.line, 2);
	assert_string_equal(r.fields[0], "x,y");
	assert_string_equal(r.fields[1], "say \"hi\"");
	assert_int_equal(csv_read(&r, &why), 1);
	assert_int_equal(r.line, 3);
	assert_string_equal(r.fields[0], "multi\r\nline");
	assert_string_equal(r.fields[1], "z");
	assert_int_equal(csv_read(&r, &why), 1);
	assert_int_equal(r.line, 5);
	assert_int_equal(r.nfields, 2);
	assert_string_equal(r.fields[0], "");
	assert_string_equal(r.fields[1], "");
	assert_int_equal(csv_read(&r, &why), 1);
	assert_int_equal(r.line, 6);
	assert_string_equal(r.fields[0], "");
	assert_string_equal(r.fields[1], "last");
	assert_int_equal(csv_read(&r, &why), 0);
	fclose(f);
}

/* Each bad line is an error with a reason; reading resumes at the next
 * line with the right line number. */
static void
test_csv_bad_lines(void **state)
{
	static const struct { const char *line, *why; } bad[] = {
		{ "ab\"c,d\n", "quote inside an unquoted field" },
		{ "\"ab\"c,d\n", "text after a closing quote" },
		{ "a,b\rc\n", "CR without LF" },
		{ "a,,,,,,,,\n", "too many fields" },
	};
	char text[4096];
	struct csv_reader r;
	const char *why;
	FILE *f;
	size_t o = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "%sok,%zu\n",
		    bad[i].line, i);
	f = mem(text);
	csv_reader_init(&r, f);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char n[8];

		assert_true(csv_read(&r, &why) < 0);
		assert_int_equal(r.line, (long)(2 * i + 1));
		assert_string_equal(why, bad[i].why);
		assert_int_equal(csv_read(&r, &why), 1);
		assert_int_equal(r.line, (long)(2 * i + 2));
		snprintf(n, sizeof(n), "%zu", i);
		assert_string_equal(r.fields[0], "ok");
		assert_string_equal(r.fields[1], n);
	}
	assert_int_equal(csv_read(&r, &why), 0);
	fclose(f);
}

static void
test_csv_limits(void **state)
{
	char *text = malloc(CSV_LINE_MAX * 2);
	struct csv_reader r;
	const char *why;
	FILE *f;

	(void)state;
	/* a field of CSV_FIELD_MAX is fine, one more is not */
	memset(text, 'x', CSV_FIELD_MAX);
	strcpy(text + CSV_FIELD_MAX, ",y\n");
	memset(text + CSV_FIELD_MAX + 3, 'z', CSV_FIELD_MAX + 1);
	strcpy(text + 2 * CSV_FIELD_MAX + 4, "\nend\n");
	f = mem(text);
	csv_reader_init(&r, f);
	assert_int_equal(csv_read(&r, &why), 1);
	assert_int_equal(strlen(r.fields[0]), CSV_FIELD_MAX);
	assert_int_equal(csv_read(&r, &why), STK_E_TOO_LONG);
	assert_string_equal(why, "field too long");
	assert_int_equal(csv_read(&r, &why), 1);
	assert_string_equal(r.fields[0], "end");
	assert_int_equal(r.line, 3);
	fclose(f);
	/* unterminated quote, NUL */
	f = mem("\"open,x\n");
	csv_reader_init(&r, f);
	assert_int_equal(csv_read(&r, &why), STK_E_INVALID);
	assert_string_equal(why, "quoted field not closed");
	fclose(f);
	memcpy(text, "a\0b\nc\n", 6);
	f = fmemopen(text, 6, "r");
	csv_reader_init(&r, f);
	assert_int_equal(csv_read(&r, &why), STK_E_INVALID);
	assert_string_equal(why, "NUL character");
	assert_int_equal(csv_read(&r, &why), 1);
	assert_string_equal(r.fields[0], "c");
	fclose(f);
	free(text);
}

/* What csv_write writes, csv_read reads back unchanged. */
static void
test_csv_roundtrip(void **state)
{
	const char *rec[4] = { "plain", "com,ma", "quo\"te", "line\r\nbreak" };
	char buf[256];
	struct csv_reader r;
	const char *why;
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	(void)state;
	csv_write(f, rec, 4);
	fclose(f);
	assert_string_equal(buf, "plain,\"com,ma\",\"quo\"\"te\","
	    "\"line\r\nbreak\"\r\n");
	f = mem(buf);
	csv_reader_init(&r, f);
	assert_int_equal(csv_read(&r, &why), 1);
	assert_int_equal(r.nfields, 4);
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(r.fields[i], rec[i]);
	fclose(f);
}

/* ---- MSISDN --------------------------------------------------------- */

static void
test_msisdn(void **state)
{
	static const struct { const char *in, *out; } good[] = {
		{ "+37255500001", "+37255500001" },
		{ "+372 555 00001", "+37255500001" },
		{ "0037255500001", "+37255500001" },
		{ "00 372 555-00001", "+37255500001" },
		{ "(+49) 170-123.4567", "+491701234567" },
		{ "+123456", "+123456" },
		{ "+123456789012345", "+123456789012345" },
	};
	static const char *const bad[] = {
		"", "   ", "37255500001", "055500001", "0+37255500001",
		"+0372555001", "000372555001", "+12345", "+1234567890123456",
		"+372 555 0000a", "+372/55500001", "++37255500001",
		"+3725550+0001", "tel:+37255500001", "+372\t55500001",
	};
	char out[17];
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(msisdn_normalize(good[i].in, out, &why), STK_OK);
		assert_string_equal(out, good[i].out);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_int_equal(msisdn_normalize(bad[i], out, &why),
		    STK_E_INVALID);
		assert_non_null(why);
	}
}

/* ---- times ---------------------------------------------------------- */

static void
test_times(void **state)
{
	const int64_t now = 1795000000000;	/* 2026-11-18T08:26:40Z */
	int64_t t;
	char buf[32];

	(void)state;
	assert_int_equal(out_parse_time("2026-11-23", now, &t), STK_OK);
	assert_string_equal(out_time(t, buf), "2026-11-23T00:00:00Z");
	assert_int_equal(out_parse_time("2026-11-23T18:43:35Z", now, &t),
	    STK_OK);
	assert_string_equal(out_time(t, buf), "2026-11-23T18:43:35Z");
	assert_int_equal(out_parse_time("1795000000", now, &t), STK_OK);
	assert_true(t == now);
	assert_int_equal(out_parse_time("2h", now, &t), STK_OK);
	assert_true(t == now - 7200000);
	assert_int_equal(out_parse_time("7d", now, &t), STK_OK);
	assert_true(t == now - 7 * 86400000LL);
	assert_int_equal(out_parse_time("30s", now, &t), STK_OK);
	assert_true(t == now - 30000);
	assert_string_equal(out_time(0, buf), "");
	static const char *const bad[] = { "", "h", "2x", "-2h", "2h3",
	    "2026-13-01", "2026-11-23T18:43:35", "2026-11-23 18:43",
	    "yesterday", "1e9", "99999999999999" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(out_parse_time(bad[i], now, &t), STK_E_INVALID);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_rfc4180),
		cmocka_unit_test(test_csv_bad_lines),
		cmocka_unit_test(test_csv_limits),
		cmocka_unit_test(test_csv_roundtrip),
		cmocka_unit_test(test_msisdn),
		cmocka_unit_test(test_times),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
