/* test_bytes.c - the cursor, the builder, hex and error helpers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bytes.h"
#include "err.h"
#include "hex.h"
#include "log.h"

static void
test_cursor_reads_big_endian(void **state)
{
	static const uint8_t in[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
	struct stk_cur c;
	uint8_t u8;
	uint16_t u16;
	uint32_t u24, u32;
	uint64_t u40;

	(void)state;
	stk_cur_init(&c, in, sizeof(in));
	assert_true(stk_cur_u8(&c, &u8));
	assert_int_equal(u8, 1);
	assert_true(stk_cur_u16(&c, &u16));
	assert_int_equal(u16, 0x0203);
	assert_true(stk_cur_u24(&c, &u24));
	assert_int_equal(u24, 0x040506);
	assert_true(stk_cur_u32(&c, &u32));
	assert_int_equal(u32, 0x0708090a);
	assert_int_equal(stk_cur_offset(&c), 10);
	assert_true(stk_cur_u40(&c, &u40));
	assert_true(u40 == 0x0b0c0d0e0full);
	assert_true(stk_cur_empty(&c));
	assert_false(stk_cur_u8(&c, &u8));
}

static void
test_cursor_failure_leaves_state(void **state)
{
	static const uint8_t in[] = { 0x03, 0xaa, 0xbb };
	struct stk_cur c, sub;
	uint32_t v;

	(void)state;
	stk_cur_init(&c, in, sizeof(in));
	assert_false(stk_cur_u32(&c, &v));
	assert_int_equal(stk_cur_len(&c), 3);
	/* prefix says 3 but only 2 follow: fail and do not consume */
	assert_false(stk_cur_u8_prefixed(&c, &sub));
	assert_int_equal(stk_cur_len(&c), 3);
	assert_int_equal(stk_cur_offset(&c), 0);
}

static void
test_cursor_sub_keeps_offsets(void **state)
{
	static const uint8_t in[] = { 0x00, 0x02, 0xaa, 0xbb, 0xcc };
	struct stk_cur c, sub, rest;
	uint8_t v;

	(void)state;
	stk_cur_init(&c, in, sizeof(in));
	assert_true(stk_cur_u16_prefixed(&c, &sub));
	assert_int_equal(stk_cur_len(&sub), 2);
	assert_int_equal(stk_cur_offset(&sub), 2);
	assert_true(stk_cur_skip(&sub, 1));
	assert_int_equal(stk_cur_offset(&sub), 3);
	assert_true(stk_cur_u8(&sub, &v));
	assert_int_equal(v, 0xbb);
	assert_false(stk_cur_u8(&sub, &v));
	stk_cur_rest(&c, &rest);
	assert_int_equal(stk_cur_offset(&rest), 4);
	assert_int_equal(stk_cur_len(&rest), 1);
	assert_true(stk_cur_empty(&c));
}

static void
test_builder_grows_and_prefixes(void **state)
{
	struct stk_buf b;
	size_t mark, mark16, len;
	uint8_t *out;

	(void)state;
	stk_buf_init(&b);
	mark = stk_buf_open_u8(&b);
	for (int i = 0; i < 200; i++)
		stk_buf_add_u8(&b, (uint8_t)i);
	assert_true(stk_buf_close_u8(&b, mark));
	mark16 = stk_buf_open_u16(&b);
	stk_buf_add_u40(&b, 0x0102030405ull);
	assert_true(stk_buf_close_u16(&b, mark16));
	assert_true(stk_buf_ok(&b));
	assert_int_equal(stk_buf_len(&b), 1 + 200 + 2 + 5);
	assert_int_equal(stk_buf_data(&b)[0], 200);
	assert_int_equal(stk_buf_data(&b)[201], 0);
	assert_int_equal(stk_buf_data(&b)[202], 5);
	out = stk_buf_detach(&b, &len);
	assert_non_null(out);
	assert_int_equal(len, 208);
	free(out);
	stk_buf_free(&b);
}

static void
test_builder_child_overflow_is_sticky(void **state)
{
	struct stk_buf b;
	size_t mark;

	(void)state;
	stk_buf_init(&b);
	mark = stk_buf_open_u8(&b);
	stk_buf_add_zeros(&b, 256);
	assert_false(stk_buf_close_u8(&b, mark));
	assert_false(stk_buf_ok(&b));
	assert_false(stk_buf_add_u8(&b, 1));
	stk_buf_free(&b);
}

static void
test_fixed_builder_refuses_overrun(void **state)
{
	uint8_t mem[4];
	struct stk_buf b;

	(void)state;
	stk_buf_init_fixed(&b, mem, sizeof(mem));
	assert_true(stk_buf_add_u24(&b, 0x010203));
	assert_false(stk_buf_add_u16(&b, 0x0405));
	assert_false(stk_buf_ok(&b));
	assert_int_equal(stk_buf_len(&b), 3);
	assert_false(stk_buf_add_u24(&b, 0));
}

static void
test_builder_insert(void **state)
{
	struct stk_buf b;
	static const uint8_t want[] = { 1, 9, 8, 2, 3 };

	(void)state;
	stk_buf_init(&b);
	stk_buf_add_bytes(&b, "\x01\x02\x03", 3);
	assert_true(stk_buf_insert(&b, 1, "\x09\x08", 2));
	assert_memory_equal(stk_buf_data(&b), want, sizeof(want));
	assert_false(stk_buf_insert(&b, 9, "\x00", 1));
	stk_buf_free(&b);
}

static void
test_empty_append_to_new_builder(void **state)
{
	struct stk_buf b;
	uint8_t *p;

	(void)state;
	stk_buf_init(&b);	/* no memory yet: nothing to offset from */
	assert_true(stk_buf_add_bytes(&b, NULL, 0));
	assert_true(stk_buf_add_space(&b, &p, 0));
	assert_true(stk_buf_ok(&b));
	assert_int_equal(stk_buf_len(&b), 0);
	stk_buf_free(&b);
}

static void
test_hex_round_trip_and_errors(void **state)
{
	struct stk_buf b;
	char out[16];

	(void)state;
	stk_buf_init(&b);
	assert_int_equal(stk_hex_decode("0a:Bc 7F\n", &b), STK_OK);
	assert_int_equal(stk_buf_len(&b), 3);
	assert_string_equal(stk_hex_format(out, stk_buf_data(&b), 3, 1), "0ABC7F");
	assert_string_equal(stk_hex_format(out, stk_buf_data(&b), 3, 0), "0abc7f");
	assert_int_equal(stk_hex_decode("abc", &b), STK_E_INVALID);
	assert_int_equal(stk_hex_decode("zz", &b), STK_E_INVALID);
	assert_int_equal(stk_buf_len(&b), 3);	/* failed decodes append nothing */
	stk_buf_free(&b);
}

static void
test_errors_have_names(void **state)
{
	struct stk_diag d;
	char line[128];

	(void)state;
	assert_string_equal(stk_errname(STK_E_TRUNCATED), "STK_E_TRUNCATED");
	assert_string_equal(stk_strerror(STK_E_TRAILING), "trailing bytes after the end");
	assert_string_equal(stk_strerror(12345), "unknown error");
	stk_diag_clear(&d);
	assert_int_equal(stk_fail(&d, STK_E_TRUNCATED, "TP-UDL", 12), STK_E_TRUNCATED);
	/* the innermost (first) failure is kept */
	stk_fail(&d, STK_E_INVALID, "TPDU", 0);
	assert_string_equal(stk_diag_format(&d, line, sizeof(line)),
	    "TP-UDL at offset 12: input truncated");
	assert_int_equal(stk_fail(NULL, STK_E_INVALID, "x", 0), STK_E_INVALID);
}

static void
test_ct_equal(void **state)
{
	(void)state;
	assert_true(stk_ct_equal("abcd", "abcd", 4));
	assert_false(stk_ct_equal("abcd", "abce", 4));
	assert_true(stk_ct_equal("", "", 0));
}

static void
test_log_levels(void **state)
{
	(void)state;
	assert_int_equal(stk_log_level_parse("DEBUG"), STK_LOG_DEBUG);
	assert_int_equal(stk_log_level_parse("warning"), STK_LOG_WARN);
	assert_int_equal(stk_log_level_parse("loud"), -1);
	assert_string_equal(stk_log_level_name(STK_LOG_ERROR), "error");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cursor_reads_big_endian),
		cmocka_unit_test(test_cursor_failure_leaves_state),
		cmocka_unit_test(test_cursor_sub_keeps_offsets),
		cmocka_unit_test(test_builder_grows_and_prefixes),
		cmocka_unit_test(test_builder_child_overflow_is_sticky),
		cmocka_unit_test(test_fixed_builder_refuses_overrun),
		cmocka_unit_test(test_builder_insert),
		cmocka_unit_test(test_empty_append_to_new_builder),
		cmocka_unit_test(test_hex_round_trip_and_errors),
		cmocka_unit_test(test_errors_have_names),
		cmocka_unit_test(test_ct_equal),
		cmocka_unit_test(test_log_levels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
