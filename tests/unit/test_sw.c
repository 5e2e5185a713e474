/* test_sw.c - the status word table (lib/sw.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sw.h"

static void
test_exact_names(void **state)
{
	(void)state;
	assert_string_equal(stk_sw_name(0x9000), "normal ending of the command");
	assert_string_equal(stk_sw_name(0x9300),
	    "SIM Application Toolkit is busy, command cannot be executed at present");
	assert_string_equal(stk_sw_name(0x6982), "security status not satisfied");
	assert_string_equal(stk_sw_name(0x6983),
	    "authentication/verification method blocked");
	assert_string_equal(stk_sw_name(0x6a82), "file or application not found");
	assert_string_equal(stk_sw_name(0x6a88), "referenced data not found");
	assert_string_equal(stk_sw_name(0x6d00),
	    "instruction code not supported or invalid");
	assert_string_equal(stk_sw_name(0x6e00), "class not supported");
	assert_string_equal(stk_sw_name(0x6f00),
	    "technical problem, no precise diagnosis");
	assert_string_equal(stk_sw_name(0x6581), "memory problem");
	assert_string_equal(stk_sw_name(0x6281),
	    "part of returned data may be corrupted");
	assert_string_equal(stk_sw_name(0x9240), "memory problem");
}

static void
test_ranges_and_fallbacks(void **state)
{
	(void)state;
	assert_string_equal(stk_sw_name(0x911a), "proactive command pending");
	assert_string_equal(stk_sw_name(0x9f20), "response data available");
	assert_string_equal(stk_sw_name(0x63c3), "verification failed");
	/* an unlisted 6Axx falls back to its group, an unlisted 6Fxx too */
	assert_string_equal(stk_sw_name(0x6a99), "wrong parameter(s) P1-P2");
	assert_string_equal(stk_sw_name(0x6f12), "technical problem");
	assert_string_equal(stk_sw_name(0x1234), "unknown status word");
	assert_null(stk_sw_lookup(0x0000));
	assert_non_null(stk_sw_lookup(0x6c10));
}

static void
test_describe(void **state)
{
	char buf[96];

	(void)state;
	assert_string_equal(stk_sw_describe(0x9000, buf, sizeof(buf)),
	    "9000: normal ending of the command");
	assert_string_equal(stk_sw_describe(0x911a, buf, sizeof(buf)),
	    "911A: proactive command pending, 26 bytes to FETCH");
	assert_string_equal(stk_sw_describe(0x63c2, buf, sizeof(buf)),
	    "63C2: verification failed, 2 retries left");
	assert_string_equal(stk_sw_describe(0x63c1, buf, sizeof(buf)),
	    "63C1: verification failed, 1 retry left");
	assert_string_equal(stk_sw_describe(0x6100, buf, sizeof(buf)),
	    "6100: response bytes available, 256 bytes");
	assert_string_equal(stk_sw_describe(0x6c10, buf, sizeof(buf)),
	    "6C10: wrong length Le, exact length, 16 bytes");
	assert_string_equal(stk_sw_describe(0x6a99, buf, sizeof(buf)),
	    "6A99: wrong parameter(s) P1-P2 (SW2 99)");
	assert_string_equal(stk_sw_describe(0x0102, buf, sizeof(buf)),
	    "0102: unknown status word");
	/* truncation is safe and NUL-terminated */
	assert_string_equal(stk_sw_describe(0x9000, buf, 5), "9000");
}

static void
test_classes(void **state)
{
	uint8_t len = 0;

	(void)state;
	assert_true(stk_sw_is_success(0x9000));
	assert_true(stk_sw_is_success(0x9110));
	assert_false(stk_sw_is_success(0x9240));
	assert_false(stk_sw_is_success(0x9300));
	assert_false(stk_sw_is_success(0x6982));
	assert_int_equal(stk_sw_class_of(0x9300), STK_SW_CLASS_POSTPONED);
	assert_int_equal(stk_sw_class_of(0x63c0), STK_SW_CLASS_WARNING);
	assert_int_equal(stk_sw_class_of(0x6400), STK_SW_CLASS_EXEC_ERROR);
	assert_int_equal(stk_sw_class_of(0x6a82), STK_SW_CLASS_CHECK_ERROR);
	assert_int_equal(stk_sw_class_of(0x6110), STK_SW_CLASS_TRANSPORT);
	assert_int_equal(stk_sw_class_of(0x1234), STK_SW_CLASS_UNKNOWN);
	assert_string_equal(stk_sw_class_name(STK_SW_CLASS_WARNING), "warning");
	assert_true(stk_sw_proactive_pending(0x911a, &len));
	assert_int_equal(len, 0x1a);
	assert_false(stk_sw_proactive_pending(0x9100, &len));
	assert_false(stk_sw_proactive_pending(0x9000, &len));
}

static void
test_table_consistent(void **state)
{
	size_t n;
	const struct stk_sw_entry *t = stk_sw_table(&n);

	(void)state;
	assert_true(n > 50);
	for (size_t i = 0; i < n; i++) {
		/* each entry's own value matches it, with no bits outside
		 * the mask, and no two entries share value and mask */
		assert_int_equal(t[i].sw & t[i].mask, t[i].sw);
		assert_non_null(t[i].name);
		assert_non_null(t[i].source);
		for (size_t j = i + 1; j < n; j++)
			assert_false(t[i].sw == t[j].sw &&
			    t[i].mask == t[j].mask);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_names),
		cmocka_unit_test(test_ranges_and_fallbacks),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_table_consistent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
