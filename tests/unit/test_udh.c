/* test_udh.c - the user data header (TS 23.040 §9.2.3.24): vectors from
 * tests/vectors/udh/udh.txt plus builder and table tests. */
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
#include "udh.h"
#include "support_vectors.h"

#define VEC_FILE "tests/vectors/udh/udh.txt"

/* Hex value of key, "-" meaning empty input. */
static uint8_t *
hex_or_empty(const struct vec_case *vc, const char *key, size_t *len)
{
	const char *v = vec_need(vc, key);

	if (strcmp(v, "-") == 0) {
		*len = 0;
		return calloc(1, 1);
	}
	return vec_hex(vc, key, len);
}

/* "00:CC0201 70:-" against the parsed list. */
static void
check_ies(const struct vec_case *vc, const struct stk_udh *udh)
{
	const char *want = vec_get(vc, "ies");
	struct stk_buf got;
	char hex[2 * 255 + 1];

	if (want == NULL)
		return;
	stk_buf_init(&got);
	for (size_t i = 0; i < udh->n; i++) {
		char item[8 + sizeof(hex)];

		if (udh->ie[i].len > 0)
			stk_hex_format(hex, udh->ie[i].data, udh->ie[i].len, 1);
		else
			strcpy(hex, "-");
		snprintf(item, sizeof(item), "%s%02X:%s", i > 0 ? " " : "",
		    udh->ie[i].iei, hex);
		stk_buf_add_bytes(&got, item, strlen(item));
	}
	stk_buf_add_u8(&got, 0);
	assert_true(stk_buf_ok(&got));
	if (strcmp((char *)stk_buf_data(&got), want) != 0)
		fail_msg("line %zu: ies '%s', want '%s'", vc->line,
		    (char *)stk_buf_data(&got), want);
	stk_buf_free(&got);
}

static void
check_concat(const struct vec_case *vc, const struct stk_udh *udh)
{
	const char *want = vec_get(vc, "concat");
	struct stk_udh_concat cc;
	char got[96];
	int rc;

	if (want == NULL)
		return;
	rc = stk_udh_find_concat(udh, &cc, NULL);
	if (rc == STK_OK || rc == STK_E_INVALID)
		snprintf(got, sizeof(got), "%s %d %u %u %u", stk_errname(rc),
		    cc.ref16 ? 16 : 8, cc.ref, cc.total, cc.seq);
	else
		snprintf(got, sizeof(got), "%s", stk_errname(rc));
	if (strcmp(got, want) != 0)
		fail_msg("line %zu: concat '%s', want '%s'", vc->line, got,
		    want);
}

static void
check_ports(const struct vec_case *vc, const struct stk_udh *udh)
{
	const char *want = vec_get(vc, "ports");
	struct stk_udh_ports pp;
	char got[96];
	int rc;

	if (want == NULL)
		return;
	rc = stk_udh_find_ports(udh, &pp, NULL);
	if (rc == STK_OK)
		snprintf(got, sizeof(got), "%s %d %u %u", stk_errname(rc),
		    pp.port16 ? 16 : 8, pp.dst, pp.src);
	else
		snprintf(got, sizeof(got), "%s", stk_errname(rc));
	if (strcmp(got, want) != 0)
		fail_msg("line %zu: ports '%s', want '%s'", vc->line, got,
		    want);
}

static void
check_validate(const struct vec_case *vc, const struct stk_udh *udh)
{
	const char *want = vec_get(vc, "validate");
	const char *vfield = vec_get(vc, "vfield");
	const char *voff = vec_get(vc, "voffset");
	struct stk_diag d;
	int rc;

	if (want == NULL)
		return;
	stk_diag_clear(&d);
	rc = stk_udh_validate(udh, &d);
	if (strcmp(stk_errname(rc), want) != 0)
		fail_msg("line %zu: validate %s, want %s", vc->line,
		    stk_errname(rc), want);
	if (vfield != NULL) {
		assert_non_null(d.field);
		assert_string_equal(d.field, vfield);
	}
	if (voff != NULL)
		assert_int_equal(d.offset, strtoul(voff, NULL, 10));
}

static void
check_flag(const struct vec_case *vc, const char *key, bool got)
{
	const char *want = vec_get(vc, key);

	if (want != NULL && (want[0] == '1') != got)
		fail_msg("line %zu: %s %d, want %s", vc->line, key, got, want);
}

static void
test_udh_vectors(void **state)
{
	struct vec_file *vf = vec_load(VEC_FILE);
	size_t ok_cases = 0;

	(void)state;
	for (size_t i = 0; i < vf->ncases; i++) {
		const struct vec_case *vc = &vf->cases[i];
		const char *want = vec_need(vc, "parse");
		const char *field = vec_get(vc, "field");
		const char *off = vec_get(vc, "offset");
		struct stk_udh udh;
		struct stk_diag d;
		size_t len;
		uint8_t *raw = hex_or_empty(vc, "udh", &len);
		int rc;

		stk_diag_clear(&d);
		rc = stk_udh_parse(raw, len, &udh, &d);
		if (strcmp(stk_errname(rc), want) != 0)
			fail_msg("line %zu: parse %s, want %s", vc->line,
			    stk_errname(rc), want);
		if (rc != STK_OK) {
			assert_int_equal(udh.n, 0);
			if (field != NULL)
				assert_string_equal(d.field, field);
			if (off != NULL)
				assert_int_equal(d.offset,
				    strtoul(off, NULL, 10));
			free(raw);
			continue;
		}
		/* Lossless: building what parsed gives the input back. */
		{
			struct stk_buf b;

			stk_buf_init(&b);
			assert_int_equal(stk_udh_build(&udh, &b), STK_OK);
			assert_int_equal(stk_buf_len(&b), len);
			assert_int_equal(stk_udh_encoded_len(&udh), len);
			assert_memory_equal(stk_buf_data(&b), raw, len);
			stk_buf_free(&b);
		}
		check_ies(vc, &udh);
		check_concat(vc, &udh);
		check_ports(vc, &udh);
		check_validate(vc, &udh);
		check_flag(vc, "cpi", stk_udh_is_command_packet(&udh));
		check_flag(vc, "rpi", stk_udh_is_response_packet(&udh));
		ok_cases++;
		free(raw);
	}
	assert_true(ok_cases >= 15);
	vec_free(vf);
}

/* The cursor form leaves the cursor on the body and keeps offsets. */
static void
test_udh_parse_cursor(void **state)
{
	/* SMS TP-UD: UDH 05 00 03 CC 02 01, then the body "hi" as octets;
	 * placed after 3 octets of other TPDU fields. */
	static const uint8_t tpdu[] = { 0x11, 0x22, 0x33, 0x05, 0x00, 0x03,
	    0xcc, 0x02, 0x01, 'h', 'i' };
	struct stk_cur c, bad;
	struct stk_udh udh;
	struct stk_diag d;

	(void)state;
	stk_cur_init(&c, tpdu, sizeof(tpdu));
	assert_true(stk_cur_skip(&c, 3));
	assert_int_equal(stk_udh_parse_cur(&c, &udh, NULL), STK_OK);
	assert_int_equal(udh.n, 1);
	assert_int_equal(udh.ie[0].off, 4);
	assert_int_equal(stk_cur_len(&c), 2);
	assert_int_equal(stk_cur_offset(&c), 9);

	/* Failure: cursor unchanged, offset absolute. */
	stk_cur_init(&bad, tpdu, 8);
	assert_true(stk_cur_skip(&bad, 3));
	stk_diag_clear(&d);
	assert_int_equal(stk_udh_parse_cur(&bad, &udh, &d), STK_E_TRUNCATED);
	assert_int_equal(stk_cur_offset(&bad), 3);
	assert_int_equal(stk_cur_len(&bad), 5);
	assert_string_equal(d.field, "TP-UDHL");
	assert_int_equal(d.offset, 3);
}

static void
test_udh_build_from_list(void **state)
{
	static const uint8_t cc[] = { 0xcc, 0x02, 0x01 };
	static const uint8_t unk[] = { 0xde, 0xad };
	static const uint8_t want[] = { 0x0b, 0x00, 0x03, 0xcc, 0x02, 0x01,
	    0x70, 0x00, 0x9f, 0x02, 0xde, 0xad };
	uint8_t big[255] = { 0 };
	struct stk_udh udh;
	struct stk_buf b;
	uint8_t mem[4];

	(void)state;
	stk_udh_init(&udh);
	assert_int_equal(stk_udh_add(&udh, STK_IEI_CONCAT8, cc, 3), STK_OK);
	assert_int_equal(stk_udh_add(&udh, STK_IEI_CPI, NULL, 0), STK_OK);
	assert_int_equal(stk_udh_add(&udh, 0x9f, unk, 2), STK_OK);
	assert_int_equal(stk_udh_add(&udh, 0x9f, NULL, 2), STK_E_ARG);
	stk_buf_init(&b);
	assert_int_equal(stk_udh_build(&udh, &b), STK_OK);
	assert_int_equal(stk_buf_len(&b), sizeof(want));
	assert_memory_equal(stk_buf_data(&b), want, sizeof(want));
	stk_buf_free(&b);

	/* A fixed builder too small: error, nothing appended. */
	stk_buf_init_fixed(&b, mem, sizeof(mem));
	assert_int_equal(stk_udh_build(&udh, &b), STK_E_NOSPACE);
	assert_int_equal(stk_buf_len(&b), 0);

	/* The header cannot exceed 255 octets after the UDHL. */
	stk_udh_init(&udh);
	assert_int_equal(stk_udh_add(&udh, 0x80, big, 253), STK_OK);
	assert_int_equal(stk_udh_add(&udh, 0x81, NULL, 0), STK_E_NOSPACE);
	assert_int_equal(stk_udh_add(&udh, 0x81, big, 256), STK_E_ARG);
	stk_udh_init(&udh);
	assert_int_equal(stk_udh_add(&udh, 0x80, big, 252), STK_OK);
	assert_int_equal(stk_udh_add(&udh, 0x81, NULL, 0), STK_E_NOSPACE);
	/* Hand-made list past the limit is refused by the builder. */
	udh.n = 2;
	udh.ie[1].iei = 0x81;
	udh.ie[1].len = 2;
	udh.ie[1].data = big;
	stk_buf_init(&b);
	assert_int_equal(stk_udh_build(&udh, &b), STK_E_TOO_LONG);
	assert_int_equal(stk_buf_len(&b), 0);
	stk_buf_free(&b);
}

/* 127 empty IEs is the most a 255-octet header can hold. */
static void
test_udh_max_ies(void **state)
{
	uint8_t raw[256];
	struct stk_udh udh;
	struct stk_buf b;

	(void)state;
	raw[0] = 254;
	for (size_t i = 0; i < 127; i++) {
		raw[1 + 2 * i] = (uint8_t)(0x80 + (i & 0x1f));
		raw[2 + 2 * i] = 0;
	}
	assert_int_equal(stk_udh_parse(raw, 255, &udh, NULL), STK_OK);
	assert_int_equal(udh.n, 127);
	/* 255 octets: 127 IEs and one lone IEI, truncated. */
	raw[0] = 255;
	raw[255] = 0x80;
	assert_int_equal(stk_udh_parse(raw, 256, &udh, NULL), STK_E_TRUNCATED);
	raw[0] = 254;
	stk_udh_parse(raw, 255, &udh, NULL);
	stk_buf_init(&b);
	assert_int_equal(stk_udh_build(&udh, &b), STK_OK);
	assert_memory_equal(stk_buf_data(&b), raw, 255);
	assert_int_equal(stk_udh_add(&udh, 0x80, NULL, 0), STK_E_NOSPACE);
	stk_buf_free(&b);
}

static void
test_udh_put_helpers(void **state)
{
	static const uint8_t c8[] = { 0x00, 0x03, 0xcc, 0x02, 0x01 };
	static const uint8_t c16[] = { 0x08, 0x04, 0x12, 0x34, 0xff, 0xff };
	static const uint8_t p16[] = { 0x05, 0x04, 0x0b, 0x84, 0x23, 0xf0 };
	static const uint8_t p8[] = { 0x04, 0x02, 0xf5, 0xf0 };
	struct stk_udh_concat cc = { .ref = 0xcc, .total = 2, .seq = 1 };
	struct stk_udh_ports pp = { .dst = 2948, .src = 9200, .port16 = true };
	struct stk_buf b;

	(void)state;
	stk_buf_init(&b);
	assert_int_equal(stk_udh_put_concat(&b, &cc), STK_OK);
	assert_memory_equal(stk_buf_data(&b), c8, sizeof(c8));
	stk_buf_reset(&b);
	cc = (struct stk_udh_concat){ .ref = 0x1234, .ref16 = true,
	    .total = 255, .seq = 255 };
	assert_int_equal(stk_udh_put_concat(&b, &cc), STK_OK);
	assert_memory_equal(stk_buf_data(&b), c16, sizeof(c16));
	stk_buf_reset(&b);
	assert_int_equal(stk_udh_put_ports(&b, &pp), STK_OK);
	assert_memory_equal(stk_buf_data(&b), p16, sizeof(p16));
	stk_buf_reset(&b);
	pp = (struct stk_udh_ports){ .dst = 245, .src = 240 };
	assert_int_equal(stk_udh_put_ports(&b, &pp), STK_OK);
	assert_memory_equal(stk_buf_data(&b), p8, sizeof(p8));
	stk_buf_reset(&b);

	/* Refused: 8-bit values too big, invalid sequence numbers. */
	pp.dst = 256;
	assert_int_equal(stk_udh_put_ports(&b, &pp), STK_E_ARG);
	cc = (struct stk_udh_concat){ .ref = 256, .total = 2, .seq = 1 };
	assert_int_equal(stk_udh_put_concat(&b, &cc), STK_E_ARG);
	cc = (struct stk_udh_concat){ .ref = 1, .total = 2, .seq = 0 };
	assert_int_equal(stk_udh_put_concat(&b, &cc), STK_E_ARG);
	cc = (struct stk_udh_concat){ .ref = 1, .total = 2, .seq = 3 };
	assert_int_equal(stk_udh_put_concat(&b, &cc), STK_E_ARG);
	cc = (struct stk_udh_concat){ .ref = 1, .total = 0, .seq = 0 };
	assert_int_equal(stk_udh_put_concat(&b, &cc), STK_E_ARG);
	assert_int_equal(stk_buf_len(&b), 0);
	stk_buf_free(&b);
}

static void
test_iei_table(void **state)
{
	(void)state;
	assert_string_equal(stk_iei_name(0x00),
	    "Concatenated short messages, 8-bit reference number");
	assert_string_equal(stk_iei_name(0x08),
	    "Concatenated short messages, 16-bit reference number");
	assert_string_equal(stk_iei_name(0x05),
	    "Application port addressing scheme, 16 bit address");
	assert_string_equal(stk_iei_name(0x1c),
	    "Reserved for future EMS features");
	assert_string_equal(stk_iei_name(0x70),
	    "(U)SIM Toolkit Security Header: command packet");
	assert_string_equal(stk_iei_name(0x85), "SME to SME specific use");
	assert_string_equal(stk_iei_name(0xc0), "SC specific use");
	assert_string_equal(stk_iei_name(0x50), "Reserved");
	assert_string_equal(stk_iei_name(0xff), "Reserved");
	for (unsigned i = 0; i < 256; i++)
		assert_non_null(stk_iei_name((uint8_t)i));
	assert_false(stk_iei_repeatable(0x00));
	assert_false(stk_iei_repeatable(0x08));
	assert_false(stk_iei_repeatable(0x04));
	assert_false(stk_iei_repeatable(0x24));
	assert_true(stk_iei_repeatable(0x01));
	assert_true(stk_iei_repeatable(0x0a));
	assert_true(stk_iei_repeatable(0x80));
}

static void
test_udh_describe(void **state)
{
	static const uint8_t raw[] = { 0x0d, 0x00, 0x03, 0xcc, 0x02, 0x01,
	    0x05, 0x04, 0x0b, 0x84, 0x23, 0xf0, 0x70, 0x00 };
	static const char want[] =
	    "IEI 0x00 (Concatenated short messages, 8-bit reference number) "
	    "len 3: ref 204 part 1/2\n"
	    "IEI 0x05 (Application port addressing scheme, 16 bit address) "
	    "len 4: dst 2948 src 9200\n"
	    "IEI 0x70 ((U)SIM Toolkit Security Header: command packet) "
	    "len 0\n";
	struct stk_udh udh;
	struct stk_buf b;

	(void)state;
	assert_int_equal(stk_udh_parse(raw, sizeof(raw), &udh, NULL), STK_OK);
	stk_buf_init(&b);
	assert_int_equal(stk_udh_describe(&udh, &b), STK_OK);
	stk_buf_add_u8(&b, 0);
	assert_string_equal((char *)stk_buf_data(&b), want);
	stk_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udh_vectors),
		cmocka_unit_test(test_udh_parse_cursor),
		cmocka_unit_test(test_udh_build_from_list),
		cmocka_unit_test(test_udh_max_ies),
		cmocka_unit_test(test_udh_put_helpers),
		cmocka_unit_test(test_iei_table),
		cmocka_unit_test(test_udh_describe),
	};

	return cmocka_run_group_tests_name("udh", tests, NULL, NULL);
}
