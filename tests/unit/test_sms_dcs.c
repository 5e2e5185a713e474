/*
 * test_sms_dcs.c - TP-DCS coding groups (TS 23.038 §4): one row per group
 * and per special bit, the builder and the printable description.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "err.h"
#include "sms_dcs.h"

static const struct {
	uint8_t dcs;
	uint8_t group;
	enum stk_charset cs;
	uint8_t cls;
	bool compressed, reserved, septets;
} rows[] = {
	{ 0x00, STK_DCS_GENERAL, STK_CHARSET_GSM7, STK_CLASS_NONE, false, false, true },
	{ 0x04, STK_DCS_GENERAL, STK_CHARSET_8BIT, STK_CLASS_NONE, false, false, false },
	{ 0x08, STK_DCS_GENERAL, STK_CHARSET_UCS2, STK_CLASS_NONE, false, false, false },
	/* charset 11 is reserved: GSM 7-bit assumed */
	{ 0x0c, STK_DCS_GENERAL, STK_CHARSET_GSM7, STK_CLASS_NONE, false, true, true },
	/* bits 1-0 without the class flag are reserved */
	{ 0x01, STK_DCS_GENERAL, STK_CHARSET_GSM7, STK_CLASS_NONE, false, true, true },
	{ 0x10, STK_DCS_GENERAL, STK_CHARSET_GSM7, STK_CLASS_0, false, false, true },
	{ 0x11, STK_DCS_GENERAL, STK_CHARSET_GSM7, STK_CLASS_1, false, false, true },
	{ 0x16, STK_DCS_GENERAL, STK_CHARSET_8BIT, STK_CLASS_2, false, false, false },
	{ 0x1b, STK_DCS_GENERAL, STK_CHARSET_UCS2, STK_CLASS_3, false, false, false },
	/* compressed GSM 7-bit: TP-UDL counts octets (TS 23.040 §9.2.3.16) */
	{ 0x20, STK_DCS_GENERAL, STK_CHARSET_GSM7, STK_CLASS_NONE, true, false, false },
	{ 0x32, STK_DCS_GENERAL, STK_CHARSET_GSM7, STK_CLASS_2, true, false, false },
	{ 0x40, STK_DCS_AUTO_DELETE, STK_CHARSET_GSM7, STK_CLASS_NONE, false, false, true },
	{ 0x56, STK_DCS_AUTO_DELETE, STK_CHARSET_8BIT, STK_CLASS_2, false, false, false },
	{ 0x80, STK_DCS_RESERVED_GROUP, STK_CHARSET_GSM7, STK_CLASS_NONE, false, true, true },
	{ 0xbf, STK_DCS_RESERVED_GROUP, STK_CHARSET_GSM7, STK_CLASS_NONE, false, true, true },
	{ 0xc0, STK_DCS_MWI_DISCARD, STK_CHARSET_GSM7, STK_CLASS_NONE, false, false, true },
	{ 0xc4, STK_DCS_MWI_DISCARD, STK_CHARSET_GSM7, STK_CLASS_NONE, false, true, true },
	{ 0xd9, STK_DCS_MWI_STORE_GSM7, STK_CHARSET_GSM7, STK_CLASS_NONE, false, false, true },
	{ 0xea, STK_DCS_MWI_STORE_UCS2, STK_CHARSET_UCS2, STK_CLASS_NONE, false, false, false },
	{ 0xf0, STK_DCS_DATA_CLASS, STK_CHARSET_GSM7, STK_CLASS_0, false, false, true },
	{ 0xf6, STK_DCS_DATA_CLASS, STK_CHARSET_8BIT, STK_CLASS_2, false, false, false },
	{ 0xf7, STK_DCS_DATA_CLASS, STK_CHARSET_8BIT, STK_CLASS_3, false, false, false },
	{ 0xf9, STK_DCS_DATA_CLASS, STK_CHARSET_GSM7, STK_CLASS_1, false, true, true },
};

static void
test_groups(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct stk_dcs d;

		stk_dcs_decode(rows[i].dcs, &d);
		if (d.group != rows[i].group || d.charset != rows[i].cs ||
		    d.msg_class != rows[i].cls ||
		    d.compressed != rows[i].compressed ||
		    d.reserved != rows[i].reserved ||
		    stk_dcs_udl_in_septets(&d) != rows[i].septets)
			fail_msg("DCS 0x%02X decoded wrongly", rows[i].dcs);
		assert_int_equal(d.raw, rows[i].dcs);
	}
}

static void
test_message_waiting(void **state)
{
	struct stk_dcs d;

	(void)state;
	stk_dcs_decode(0xc8, &d);	/* discard, active, voicemail */
	assert_true(d.mwi_active);
	assert_int_equal(d.mwi_type, STK_MWI_VOICEMAIL);
	stk_dcs_decode(0xd1, &d);	/* store, inactive, fax */
	assert_false(d.mwi_active);
	assert_int_equal(d.mwi_type, STK_MWI_FAX);
	stk_dcs_decode(0xeb, &d);	/* UCS-2, active, other */
	assert_true(d.mwi_active);
	assert_int_equal(d.mwi_type, STK_MWI_OTHER);
	stk_dcs_decode(0x46, &d);
	assert_true(d.auto_delete);
}

static void
test_make(void **state)
{
	uint8_t v;

	(void)state;
	assert_int_equal(stk_dcs_make(STK_CHARSET_GSM7, STK_CLASS_NONE, false,
	    &v), STK_OK);
	assert_int_equal(v, 0x00);
	assert_int_equal(stk_dcs_make(STK_CHARSET_8BIT, STK_CLASS_NONE, true,
	    &v), STK_OK);
	assert_int_equal(v, 0x04);
	assert_int_equal(stk_dcs_make(STK_CHARSET_UCS2, STK_CLASS_NONE, false,
	    &v), STK_OK);
	assert_int_equal(v, 0x08);
	/* the two forms of "class 2 8-bit" */
	assert_int_equal(stk_dcs_make(STK_CHARSET_8BIT, STK_CLASS_2, false, &v),
	    STK_OK);
	assert_int_equal(v, 0xf6);
	assert_int_equal(stk_dcs_make(STK_CHARSET_8BIT, STK_CLASS_2, true, &v),
	    STK_OK);
	assert_int_equal(v, 0x16);
	assert_int_equal(stk_dcs_make(STK_CHARSET_GSM7, STK_CLASS_0, false, &v),
	    STK_OK);
	assert_int_equal(v, 0xf0);
	/* UCS-2 has no group-1111 form */
	assert_int_equal(stk_dcs_make(STK_CHARSET_UCS2, STK_CLASS_1, false, &v),
	    STK_OK);
	assert_int_equal(v, 0x19);
	assert_int_equal(stk_dcs_make(STK_CHARSET_GSM7, 5, false, &v),
	    STK_E_INVALID);
	assert_int_equal(stk_dcs_make((enum stk_charset)3, STK_CLASS_NONE, false,
	    &v), STK_E_INVALID);
	/* every made value decodes back to what was asked */
	for (int cs = 0; cs < 3; cs++) {
		for (unsigned cls = 0; cls <= STK_CLASS_NONE; cls++) {
			for (int g = 0; g < 2; g++) {
				struct stk_dcs d;

				assert_int_equal(stk_dcs_make((enum stk_charset)cs,
				    cls, g, &v), STK_OK);
				stk_dcs_decode(v, &d);
				assert_int_equal(d.charset, cs);
				assert_int_equal(d.msg_class, cls);
				assert_false(d.reserved);
				assert_false(d.compressed);
			}
		}
	}
}

static void
test_describe(void **state)
{
	struct stk_dcs d;
	char buf[128], small[10];

	(void)state;
	stk_dcs_decode(0xf6, &d);
	assert_int_equal(stk_dcs_describe(&d, buf, sizeof(buf)), STK_OK);
	assert_string_equal(buf, "0xF6: data coding/message class, 8-bit data, "
	    "class 2 ((U)SIM specific)");
	stk_dcs_decode(0x00, &d);
	assert_int_equal(stk_dcs_describe(&d, buf, sizeof(buf)), STK_OK);
	assert_string_equal(buf, "0x00: general data coding, GSM 7-bit, "
	    "no message class");
	stk_dcs_decode(0x2a, &d);
	assert_int_equal(stk_dcs_describe(&d, buf, sizeof(buf)), STK_OK);
	assert_string_equal(buf, "0x2A: general data coding, UCS-2 compressed, "
	    "no message class (reserved bits set)");
	stk_dcs_decode(0x85, &d);
	assert_int_equal(stk_dcs_describe(&d, buf, sizeof(buf)), STK_OK);
	assert_string_equal(buf, "0x85: reserved coding group, GSM 7-bit "
	    "assumed");
	stk_dcs_decode(0xd8, &d);
	assert_int_equal(stk_dcs_describe(&d, buf, sizeof(buf)), STK_OK);
	assert_string_equal(buf, "0xD8: message waiting indication, store "
	    "message, GSM 7-bit, voicemail message waiting active");
	assert_int_equal(stk_dcs_describe(&d, small, sizeof(small)),
	    STK_E_NOSPACE);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	/* every value has a description that fits 128 bytes */
	for (unsigned v = 0; v < 256; v++) {
		stk_dcs_decode((uint8_t)v, &d);
		assert_int_equal(stk_dcs_describe(&d, buf, sizeof(buf)), STK_OK);
	}
	assert_string_equal(stk_dcs_group_name(9), "unknown coding group");
	assert_string_equal(stk_msg_class_name(STK_CLASS_0),
	    "class 0 (immediate display)");
	assert_string_equal(stk_mwi_type_name(STK_MWI_EMAIL),
	    "electronic mail message waiting");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_message_waiting),
		cmocka_unit_test(test_make),
		cmocka_unit_test(test_describe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
