/*
 * test_sms_err.c - the RP-Cause, +CMS ERROR and +CME ERROR tables
 * (lib/sms_err.h): known codes of each code space, the fallbacks for
 * codes not in the tables, the classes of Table 8.4 and the verbose
 * texts read back into codes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sms_err.h"
#include "tpdu.h"

/* TS 24.011 §8.2.5.4 Table 8.4. */
static void
test_rp_causes(void **state)
{
	(void)state;
	assert_string_equal(stk_rp_cause_name(1),
	    "Unassigned (unallocated) number");
	assert_string_equal(stk_rp_cause_name(22), "Memory capacity exceeded");
	assert_string_equal(stk_rp_cause_name(38), "Network out of order");
	assert_string_equal(stk_rp_cause_name(127),
	    "Interworking, unspecified");
	assert_string_equal(stk_rp_cause_name(77), "unknown RP cause");
	assert_string_equal(stk_rp_cause_name(0), "unknown RP cause");
	assert_string_equal(stk_rp_cause_name(128), "unknown RP cause");

	assert_int_equal(stk_rp_cause_temporary(22), 1);
	assert_int_equal(stk_rp_cause_temporary(41), 1);
	assert_int_equal(stk_rp_cause_temporary(42), 1);	/* congestion */
	assert_int_equal(stk_rp_cause_temporary(1), 0);
	assert_int_equal(stk_rp_cause_temporary(21), 0);
	assert_int_equal(stk_rp_cause_temporary(111), 0);
	assert_int_equal(stk_rp_cause_temporary(77), -1);
	assert_int_equal(stk_rp_cause_temporary(1000), -1);
}

/* TS 27.005 §3.2.5: each range of <err> has its own names. */
static void
test_cms_names(void **state)
{
	(void)state;
	/* 0-127: the RP causes */
	assert_string_equal(stk_cms_error_name(42), "Congestion");
	assert_string_equal(stk_cms_error_name(77), "unknown RP cause");
	/* 128-255: TP-FCS, TS 23.040 §9.2.3.22 */
	assert_string_equal(stk_cms_error_name(0xc0), stk_fcs_name(0xc0));
	assert_string_equal(stk_cms_error_name(0xd5), stk_fcs_name(0xd5));
	/* 300-500 */
	assert_string_equal(stk_cms_error_name(300), "ME failure");
	assert_string_equal(stk_cms_error_name(304),
	    "invalid PDU mode parameter");
	assert_string_equal(stk_cms_error_name(330), "SMSC address unknown");
	assert_string_equal(stk_cms_error_name(340),
	    "no +CNMA acknowledgement expected");
	assert_string_equal(stk_cms_error_name(500), "unknown error");
	/* not in the table, and the ranges the clause leaves open */
	assert_string_equal(stk_cms_error_name(306), "reserved");
	assert_string_equal(stk_cms_error_name(256), "reserved");
	assert_string_equal(stk_cms_error_name(511), "reserved");
	assert_string_equal(stk_cms_error_name(512), "manufacturer specific");
	assert_string_equal(stk_cms_error_name(65535), "manufacturer specific");
}

/* TS 27.007 §9.2.1 and §9.2.2. */
static void
test_cme_names(void **state)
{
	(void)state;
	assert_string_equal(stk_cme_error_name(0), "phone failure");
	assert_string_equal(stk_cme_error_name(11), "SIM PIN required");
	assert_string_equal(stk_cme_error_name(16), "incorrect password");
	assert_string_equal(stk_cme_error_name(32),
	    "network not allowed - emergency calls only");
	assert_string_equal(stk_cme_error_name(100), "unknown");
	assert_string_equal(stk_cme_error_name(9), "unknown");
	assert_string_equal(stk_cme_error_name(4000), "unknown");
}

/* AT+CMEE=2 texts back into codes: whole text only, any case. */
static void
test_from_name(void **state)
{
	static const char line[] = "SMSC address unknown\r\n";

	(void)state;
	assert_int_equal(stk_cms_error_from_name("smsc ADDRESS unknown", 20),
	    330);
	/* len bounds the text: the line ending is not part of it */
	assert_int_equal(stk_cms_error_from_name(line, 20), 330);
	assert_int_equal(stk_cms_error_from_name(line, 19), -1);
	assert_int_equal(stk_cms_error_from_name(line, sizeof(line) - 1), -1);
	/* the RP causes after the ME/TA errors */
	assert_int_equal(stk_cms_error_from_name("Network out of order", 20),
	    38);
	assert_int_equal(stk_cms_error_from_name("unknown error", 13), 500);
	assert_int_equal(stk_cms_error_from_name("no such error", 13), -1);
	assert_int_equal(stk_cms_error_from_name("", 0), -1);

	assert_int_equal(stk_cme_error_from_name("sim pin required", 16), 11);
	assert_int_equal(stk_cme_error_from_name("incorrect password", 18),
	    16);
	assert_int_equal(stk_cme_error_from_name("SIM PIN", 7), -1);
	assert_int_equal(stk_cme_error_from_name("", 0), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rp_causes),
		cmocka_unit_test(test_cms_names),
		cmocka_unit_test(test_cme_names),
		cmocka_unit_test(test_from_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
