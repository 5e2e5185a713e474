/*
 * test_sms_addr.c - TP addresses (TS 23.040 §9.1.2.5) and SC addresses
 * (TS 24.011 §8.2.5.1): vectors in tests/vectors/sms/addr.txt, the text
 * forms, every error path, and the TON/NPI name tables.
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
#include "sms_addr.h"
#include "support_vectors.h"

static void
test_vectors(void **state)
{
	struct vec_file *vf = vec_load("tests/vectors/sms/addr.txt");

	(void)state;
	assert_true(vf->ncases >= 20);
	for (size_t i = 0; i < vf->ncases; i++) {
		const struct vec_case *vc = &vf->cases[i];
		bool sca = strcmp(vec_need(vc, "form"), "sca") == 0;
		const char *want = vec_need(vc, "text");
		const char *ft = vec_get(vc, "from-text");
		char text[STK_ADDR_TEXT_MAX + 1];
		struct stk_sms_addr a, b;
		struct stk_diag d;
		struct stk_cur c;
		struct stk_buf out;
		bool present;
		uint8_t *hex;
		size_t len;
		int r;

		hex = vec_hex(vc, "hex", &len);
		stk_cur_init(&c, hex, len);
		stk_diag_clear(&d);
		r = sca ? stk_smsc_addr_decode(&c, &a, &present, &d) :
		    stk_sms_addr_decode(&c, &a, "TP-DA", &d);
		if (r != STK_OK)
			fail_msg("line %zu: decode: %s", vc->line, stk_errname(r));
		assert_true(stk_cur_empty(&c));
		assert_int_equal(stk_sms_addr_to_text(&a, text, sizeof(text)),
		    STK_OK);
		if (strcmp(text, want) != 0)
			fail_msg("line %zu: text: want \"%s\" got \"%s\"", vc->line,
			    want, text);
		if (vec_get(vc, "ton") != NULL)
			assert_int_equal(a.ton, atoi(vec_get(vc, "ton")));
		if (vec_get(vc, "npi") != NULL)
			assert_int_equal(a.npi, atoi(vec_get(vc, "npi")));
		/* re-encode */
		stk_buf_init(&out);
		assert_int_equal(sca ? stk_smsc_addr_encode(&a, &out) :
		    stk_sms_addr_encode(&a, &out), STK_OK);
		if (stk_buf_len(&out) != len ||
		    memcmp(stk_buf_data(&out), hex, len) != 0)
			fail_msg("line %zu: re-encoded %s", vc->line,
			    stk_hex_string(stk_buf_data(&out), stk_buf_len(&out),
			    1));
		/* from text */
		if (ft != NULL && strcmp(ft, "yes") == 0) {
			assert_int_equal(stk_sms_addr_from_text(want, &b), STK_OK);
			assert_true(stk_sms_addr_equal(&a, &b));
			stk_buf_reset(&out);
			assert_int_equal(sca ? stk_smsc_addr_encode(&b, &out) :
			    stk_sms_addr_encode(&b, &out), STK_OK);
			assert_int_equal(stk_buf_len(&out), len);
			assert_memory_equal(stk_buf_data(&out), hex, len);
		}
		stk_buf_free(&out);
		free(hex);
	}
	vec_free(vf);
}

/* Decode hex as a TP address; return the error and the diag. */
static int
decode_tp(const char *hex, struct stk_diag *d)
{
	struct stk_sms_addr a;
	struct stk_buf b;
	struct stk_cur c;
	int r;

	stk_buf_init(&b);
	assert_int_equal(stk_hex_decode(hex, &b), STK_OK);
	stk_cur_init(&c, stk_buf_data(&b), stk_buf_len(&b));
	stk_diag_clear(d);
	r = stk_sms_addr_decode(&c, &a, "TP-OA", d);
	stk_buf_free(&b);
	return r;
}

static int
decode_sca(const char *hex, struct stk_diag *d)
{
	struct stk_sms_addr a;
	struct stk_buf b;
	struct stk_cur c;
	bool present;
	int r;

	stk_buf_init(&b);
	assert_int_equal(stk_hex_decode(hex, &b), STK_OK);
	stk_cur_init(&c, stk_buf_data(&b), stk_buf_len(&b));
	stk_diag_clear(d);
	r = stk_smsc_addr_decode(&c, &a, &present, d);
	stk_buf_free(&b);
	return r;
}

static void
expect(int got, const struct stk_diag *d, int err, const char *field,
    size_t off)
{
	assert_int_equal(got, err);
	assert_int_equal(d->err, err);
	assert_string_equal(d->field, field);
	assert_int_equal(d->offset, off);
}

static void
test_decode_errors(void **state)
{
	struct stk_diag d;

	(void)state;
	expect(decode_tp("", &d), &d, STK_E_TRUNCATED, "TP-OA", 0);
	expect(decode_tp("0A", &d), &d, STK_E_TRUNCATED, "TP-OA", 1);
	expect(decode_tp("0A9189", &d), &d, STK_E_TRUNCATED, "TP-OA", 2);
	expect(decode_tp("1591111111111111111111F1", &d), &d, STK_E_TOO_LONG,
	    "TP-OA", 0);
	expect(decode_tp("0A118967452301", &d), &d, STK_E_INVALID, "TP-OA", 1);
	expect(decode_tp("09918967452301", &d), &d, STK_E_INVALID, "TP-OA", 6);
	expect(decode_tp("0A9189F7452301", &d), &d, STK_E_INVALID, "TP-OA", 3);
	/* alphanumeric: 1 semi-octet holds no septet but takes an octet */
	expect(decode_tp("01D000", &d), &d, STK_E_INVALID, "TP-OA", 2);
	/* 3 semi-octets: 1 septet, but 2 value octets */
	expect(decode_tp("03D06100", &d), &d, STK_E_INVALID, "TP-OA", 2);
	expect(decode_sca("", &d), &d, STK_E_TRUNCATED, "SCA", 0);
	expect(decode_sca("0C911111111111111111111111", &d), &d,
	    STK_E_TOO_LONG, "SCA", 0);
	expect(decode_sca("0691896745", &d), &d, STK_E_TRUNCATED, "SCA", 2);
	expect(decode_sca("06118967452301", &d), &d, STK_E_INVALID, "SCA", 1);
	expect(decode_sca("06918967F52301", &d), &d, STK_E_INVALID, "SCA", 4);
	expect(decode_sca("01", &d), &d, STK_E_TRUNCATED, "SCA", 1);
}

static void
test_sca_absent(void **state)
{
	static const uint8_t zero[] = { 0x00 };
	struct stk_sms_addr a;
	struct stk_buf out;
	struct stk_cur c;
	bool present = true;

	(void)state;
	stk_cur_init(&c, zero, 1);
	assert_int_equal(stk_smsc_addr_decode(&c, &a, &present, NULL), STK_OK);
	assert_false(present);
	stk_buf_init(&out);
	assert_int_equal(stk_smsc_addr_encode(NULL, &out), STK_OK);
	assert_int_equal(stk_buf_len(&out), 1);
	assert_int_equal(stk_buf_data(&out)[0], 0);
	stk_buf_free(&out);
}

static void
test_setters_and_text(void **state)
{
	struct stk_sms_addr a;
	char small[5], text[STK_ADDR_TEXT_MAX + 1];

	(void)state;
	assert_int_equal(stk_sms_addr_set_digits(&a, STK_TON_NATIONAL,
	    STK_NPI_ISDN, "0171*#ABC"), STK_OK);
	assert_string_equal(a.digits, "0171*#abc");
	assert_int_equal(stk_sms_addr_set_digits(&a, 1, 1, "12x"),
	    STK_E_INVALID);
	assert_int_equal(stk_sms_addr_set_digits(&a, STK_TON_ALPHANUMERIC, 0,
	    "12"), STK_E_INVALID);
	assert_int_equal(stk_sms_addr_set_digits(&a, 8, 0, "12"), STK_E_INVALID);
	assert_int_equal(stk_sms_addr_set_digits(&a, 1, 16, "12"), STK_E_INVALID);
	assert_int_equal(stk_sms_addr_set_digits(&a, 1, 1,
	    "123456789012345678901"), STK_E_TOO_LONG);
	assert_int_equal(stk_sms_addr_set_digits(&a, 1, 1,
	    "12345678901234567890"), STK_OK);
	/* alphanumeric limits: 11 septets, extension characters count 2 */
	assert_int_equal(stk_sms_addr_set_alpha(&a, "ABCDEFGHIJK"), STK_OK);
	assert_int_equal(a.nseptets, 11);
	assert_int_equal(stk_sms_addr_set_alpha(&a, "ABCDEFGHIJKL"),
	    STK_E_TOO_LONG);
	assert_int_equal(stk_sms_addr_set_alpha(&a, "ABCDEFGHIJ€"),
	    STK_E_TOO_LONG);
	assert_int_equal(stk_sms_addr_set_alpha(&a, "日本"), STK_E_CHARSET);
	/* CLI text */
	assert_int_equal(stk_sms_addr_from_text("", &a), STK_E_INVALID);
	assert_int_equal(stk_sms_addr_from_text("+", &a), STK_OK);
	assert_int_equal(a.ton, STK_TON_ALPHANUMERIC);	/* "+" is no number */
	assert_int_equal(stk_sms_addr_from_text("+49*100#", &a), STK_OK);
	assert_int_equal(a.ton, STK_TON_INTERNATIONAL);
	assert_int_equal(a.npi, STK_NPI_ISDN);
	assert_string_equal(a.digits, "49*100#");
	assert_int_equal(stk_sms_addr_from_text("Bank", &a), STK_OK);
	assert_int_equal(a.ton, STK_TON_ALPHANUMERIC);
	assert_int_equal(a.npi, STK_NPI_UNKNOWN);
	/* a too small output is truncated, NUL-terminated and reported */
	assert_int_equal(stk_sms_addr_from_text("+4912345678", &a), STK_OK);
	assert_int_equal(stk_sms_addr_to_text(&a, small, sizeof(small)),
	    STK_E_NOSPACE);
	assert_string_equal(small, "+491");
	assert_int_equal(stk_sms_addr_to_text(&a, text, sizeof(text)), STK_OK);
	assert_string_equal(text, "+4912345678");
}

static void
test_equal_and_encode_errors(void **state)
{
	struct stk_sms_addr a, b;
	struct stk_buf out;
	uint8_t mem[3];

	(void)state;
	assert_int_equal(stk_sms_addr_from_text("+4912345678", &a), STK_OK);
	assert_int_equal(stk_sms_addr_from_text("4912345678", &b), STK_OK);
	assert_false(stk_sms_addr_equal(&a, &b));	/* TON differs */
	b.ton = STK_TON_INTERNATIONAL;
	assert_true(stk_sms_addr_equal(&a, &b));
	/* invalid structs are refused, nothing appended */
	stk_buf_init(&out);
	a.digits[3] = 'x';
	assert_int_equal(stk_sms_addr_encode(&a, &out), STK_E_INVALID);
	a.ndigits = 21;
	assert_int_equal(stk_sms_addr_encode(&a, &out), STK_E_TOO_LONG);
	assert_int_equal(stk_sms_addr_set_alpha(&a, "hello"), STK_OK);
	a.septets[0] = 0x80;
	assert_int_equal(stk_sms_addr_encode(&a, &out), STK_E_INVALID);
	a.septets[0] = 'h';
	a.alpha_semi = 3;	/* inconsistent with 5 septets */
	assert_int_equal(stk_sms_addr_encode(&a, &out), STK_E_INVALID);
	a.alpha_semi = 0;
	a.alpha_spare = 0x20;	/* only 5 spare bits exist */
	assert_int_equal(stk_smsc_addr_encode(&a, &out), STK_E_INVALID);
	assert_int_equal(stk_buf_len(&out), 0);
	stk_buf_free(&out);
	/* fixed output too small */
	stk_buf_init_fixed(&out, mem, sizeof(mem));
	assert_int_equal(stk_sms_addr_from_text("+4912345678", &a), STK_OK);
	assert_int_equal(stk_sms_addr_encode(&a, &out), STK_E_NOSPACE);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(stk_ton_name(STK_TON_INTERNATIONAL),
	    "international number");
	assert_string_equal(stk_ton_name(STK_TON_ALPHANUMERIC),
	    "alphanumeric (GSM 7-bit default alphabet)");
	assert_string_equal(stk_ton_name(8), "invalid type of number");
	assert_string_equal(stk_npi_name(STK_NPI_ISDN),
	    "ISDN/telephone numbering plan (E.164/E.163)");
	assert_string_equal(stk_npi_name(STK_NPI_ERMES),
	    "ERMES numbering plan (ETSI DE/PS 3 01-3)");
	assert_string_equal(stk_npi_name(2), "reserved numbering plan");
	assert_string_equal(stk_npi_name(16), "invalid numbering plan");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_decode_errors),
		cmocka_unit_test(test_sca_absent),
		cmocka_unit_test(test_setters_and_text),
		cmocka_unit_test(test_equal_and_encode_errors),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
