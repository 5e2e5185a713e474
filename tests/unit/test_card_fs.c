/* test_card_fs.c - the UICC file system (SELECT / FCP, READ / UPDATE
 * BINARY and RECORD, STATUS) and PIN1 / PUK1 handling. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bytes.h"
#include "card.h"
#include "err.h"
#include "hex.h"
#include "log.h"
#include "tlv.h"

static struct card card;
static int persist_calls;
static int persist_result;
static struct card_data persisted;

static int
fake_persist(const struct card_data *d, void *arg)
{
	(void)arg;
	persist_calls++;
	if (persist_result == STK_OK)
		persisted = *d;
	return persist_result;
}

/* A fresh card before each test. */
static int
setup(void **state)
{
	struct card_data d;
	const char *what;
	static const struct card_params p = {
		"8949440000001155314", "001010123456789", "+491701234567",
		"+491710760000", "1234", "12345678",
	};

	(void)state;
	stk_log_init("test_card_fs", STK_LOG_ERROR);
	if (content_new_card(&p, &d, &what) != STK_OK)
		return -1;
	card_init(&card, &d, fake_persist, NULL);
	persist_calls = 0;
	persist_result = STK_OK;
	return 0;
}

static const char *
xfer(const char *cmdhex)
{
	static char out[2 * (CARD_RESP_MAX + 2) + 1];
	struct stk_buf cmd, resp;

	stk_buf_init(&cmd);
	stk_buf_init(&resp);
	assert_int_equal(stk_hex_decode(cmdhex, &cmd), STK_OK);
	assert_int_equal(card_apdu(&card, stk_buf_data(&cmd),
	    stk_buf_len(&cmd), &resp, NULL), STK_OK);
	stk_hex_format(out, stk_buf_data(&resp), stk_buf_len(&resp), 1);
	stk_buf_free(&cmd);
	stk_buf_free(&resp);
	return out;
}

#define SEND(cmd, want) assert_string_equal(xfer(cmd), want)
#define VERIFY_1234 "002000010831323334FFFFFFFF"

static void
test_fcp_ef_iccid(void **state)
{
	(void)state;
	/* TS 102 221 §11.1.1.3.2 layout; bytes derived by hand from the
	 * tables (82 41 21 transparent shareable; 8A 05 activated; AB
	 * expanded security: READ always, UPDATE never, (DE)ACTIVATE ADM1
	 * (key 0A); 80 size 10; 88 empty: no SFI). */
	SEND("00A40004022FE200",
	    "6228" "82024121" "83022FE2" "8A0105"
	    "AB15" "8001019000" "800118A40683010A950108" "8001029700"
	    "8002000A" "8800" "9000");
}

static void
test_fcp_mf_and_adf(void **state)
{
	struct stk_buf b;
	struct stk_tlv t, inner;
	struct stk_tlv_iter it;
	bool seen84 = false, seenc6 = false;
	const char *r;
	int e;

	(void)state;
	SEND("00A40004023F0000",
	    "6225" "82027821" "83023F00" "A503800171" "8A0105"
	    "AB0B80017FA40683010A950108" "C606900180830101" "9000");
	/* ADF: DF name 84 instead of a file id, parsed with lib/tlv */
	r = xfer("00A4040410A0000000871002FFFFFFFF890709000000");
	stk_buf_init(&b);
	assert_int_equal(stk_hex_decode(r, &b), STK_OK);
	assert_int_equal(stk_ber_tlv_parse_one(stk_buf_data(&b),
	    stk_buf_len(&b) - 2, 0x62, &t, NULL), STK_OK);
	stk_tlv_iter_init(&it, &t.value, false);
	while ((e = stk_tlv_next(&it, &inner, NULL)) > 0) {
		if (inner.tag == 0x84) {
			seen84 = true;
			assert_int_equal(stk_cur_len(&inner.value), 16);
			assert_memory_equal(stk_cur_data(&inner.value),
			    card_usim_aid, 16);
		}
		if (inner.tag == 0xc6)
			seenc6 = true;
		assert_int_not_equal(inner.tag, 0x83);
	}
	assert_int_equal(e, 0);
	assert_true(seen84 && seenc6);
	stk_buf_free(&b);
}

static void
test_select_by_fid(void **state)
{
	(void)state;
	SEND("00A4000C027F10", "9000");
	assert_int_equal(card_current_df(&card), 0x7f10);
	SEND("00A4000C026F40", "9000");
	assert_int_equal(card_current_ef(&card), 0x6f40);
	/* a sibling DF of the current DF (TS 102 221 §8.4.1) */
	SEND("00A4000C027F20", "9000");
	SEND("00A4000C026F07", "9000");
	/* an EF of another DF is not reachable by file id */
	SEND("00A4000C026F42", "6A82");
	/* the parent, the MF */
	SEND("00A4000C027F20", "9000");
	SEND("00A4000C023F00", "9000");
	assert_int_equal(card_current_df(&card), 0x3f00);
	assert_int_equal(card_current_ef(&card), 0);
	SEND("00A4000C026F40", "6A82");
	/* 7FFF without an active application */
	SEND("00A4000C027FFF", "6A82");
	/* child DF only (P1 01) */
	SEND("00A4010C027F10", "9000");
	SEND("00A4010C026F40", "6A82");
	/* unsupported P1 / P2 */
	SEND("00A4030C023F00", "6A86");
	SEND("00A40000023F00", "6A86");
}

static void
test_select_by_aid_and_path(void **state)
{
	(void)state;
	/* partial AID: RID + application code */
	SEND("00A4040C07A0000000871002", "9000");
	assert_int_equal(card_current_df(&card), 0x7fff);
	SEND("00A4000C026F07", "9000");
	SEND("00A4040C07A0000000871003", "6A82");
	SEND("00A4040C04A0000000", "6A82");
	/* only the first occurrence, no termination */
	SEND("00A4040E07A0000000871002", "6A86");
	SEND("00A4044C07A0000000871002", "6A86");
	/* 7FFF is the active ADF now, also from the MF */
	SEND("00A4000C023F00", "9000");
	SEND("00A4000C027FFF", "9000");
	assert_int_equal(card_current_df(&card), 0x7fff);
	/* path from the MF */
	SEND("00A4080C047F206F07", "9000");
	assert_int_equal(card_current_ef(&card), 0x6f07);
	assert_int_equal(card_current_df(&card), 0x7f20);
	SEND("00A4080C047FFF6F40", "9000");
	assert_int_equal(card_current_df(&card), 0x7fff);
	SEND("00A4080C042FE26F07", "6A82");
	SEND("00A4080C047F206F40", "6A82");
	SEND("00A4080C037F206F", "6700");
	/* path from the current DF */
	SEND("00A4000C027F10", "9000");
	SEND("00A4090C026F42", "9000");
	assert_int_equal(card_current_ef(&card), 0x6f42);
}

static void
test_read_update_binary(void **state)
{
	(void)state;
	SEND("00B0000001", "6986");
	SEND("00A4000C027F20", "9000");
	SEND("00A4000C026F07", "9000");
	/* IMSI needs PIN1 */
	SEND("00B0000009", "6982");
	SEND(VERIFY_1234, "9000");
	SEND("00B0000009", "0809101010325476989000");
	SEND("00B0000304", "101032549000");
	SEND("00B0000900", "6B00");
	SEND("00B0800009", "6A82");
	/* IMSI is ADM to update */
	SEND("00D6000001FF", "6982");
	/* LOCI: PIN1 to update */
	SEND("00A4000C026F7E", "9000");
	persist_calls = 0;
	SEND("00D600000B1234567802F8100001FF00", "9000");
	assert_int_equal(persist_calls, 1);
	assert_memory_equal(persisted.ef[CARD_EF_LOCI],
	    "\x12\x34\x56\x78\x02\xf8\x10\x00\x01\xff\x00", 11);
	SEND("00B000000B", "1234567802F8100001FF009000");
	SEND("00D6000A0201FF", "6700");
	SEND("00D6000B0101", "6B00");
	/* the same EF through the ADF */
	SEND("00A4080C047FFF6F7E", "6A82");	/* no active ADF yet */
	SEND("00A4040C07A0000000871002", "9000");
	SEND("00A4080C047FFF6F7E", "9000");
	SEND("00B0000004", "123456789000");
	/* EF ICCID can never be updated */
	SEND("00A4080C022FE2", "9000");
	SEND("00D600000100", "6982");
	/* record commands on a transparent EF and vice versa */
	SEND("00B201041A", "6981");
	SEND("00A4080C047F106F40", "9000");
	SEND("00B0000001", "6981");
}

static void
test_records(void **state)
{
	char want[80];
	const char *r;

	(void)state;
	SEND("00A4080C047F106F40", "9000");
	SEND("00B201041A", "6982");
	SEND(VERIFY_1234, "9000");
	/* record 1: alpha FF x 12, 07 91 +491701234567, FF FF */
	snprintf(want, sizeof(want), "%s%s%s", "FFFFFFFFFFFFFFFFFFFFFFFF",
	    "0791947110325476FFFFFFFFFFFF", "9000");
	SEND("00B201041A", want);
	SEND("00B202041A", "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF9000");
	SEND("00B203041A", "6A83");
	SEND("00B200041A", "6A83");	/* no current record yet */
	SEND("00B2010400", want);
	SEND("00B201041B", "6C1A");
	SEND("00B2010402", "6C1A");
	/* next / previous move the pointer and do not wrap */
	r = xfer("00B200021A");
	assert_string_equal(r, want);
	SEND("00B200041A", want);	/* current = 1 */
	r = xfer("00B200021A");
	assert_string_equal(r + 52, "9000");
	SEND("00B200021A", "6A83");
	r = xfer("00B200031A");
	assert_string_equal(r, want);
	SEND("00B200031A", "6A83");
	SEND("00B201021A", "6A86");
	SEND("00B200051A", "6A86");
	SEND("00B2010C1A", "6A82");	/* SFI 1 */
	/* previous from no pointer: the last record */
	SEND("00A4000C026F40", "9000");
	r = xfer("00B200031A");
	assert_string_equal(r + 52, "9000");
	/* UPDATE RECORD: exact length, stored */
	SEND("00DC020419FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", "6700");
	persist_calls = 0;
	SEND("00DC02041A4D65FFFFFFFFFFFFFFFFFFFF0581214365F7FFFFFFFFFFFFFFFF",
	    "9000");
	assert_int_equal(persist_calls, 1);
	SEND("00B202041A",
	    "4D65FFFFFFFFFFFFFFFFFFFF0581214365F7FFFFFFFFFFFFFFFF9000");
	SEND("00DC03041A4D65FFFFFFFFFFFFFFFFFFFF0581214365F7FFFFFFFFFFFFFFFF",
	    "6A83");
	/* SMSP through the ADF, the SC address as created */
	SEND("00A4040C07A0000000871002", "9000");
	SEND("00A4000C026F42", "9000");
	r = xfer("00B2010428");
	assert_string_equal(r + 24, "FDFFFFFFFFFFFFFFFFFFFFFFFF0791947101670000"
	    "FFFFFFFFFFFFFF9000");
}

static void
test_status(void **state)
{
	const char *r;

	(void)state;
	r = xfer("80F2000010");
	assert_string_equal(r, "6C27");
	r = xfer("80F2000000");
	assert_string_equal(r + 2 * 0x27, "9000");
	r = xfer("80F2000027");
	assert_int_equal(strncmp(r, "622582027821" "83023F00", 20), 0);
	SEND("80F2000C00", "9000");
	SEND("80F2000C", "9000");
	SEND("80F2000112", "6A82");
	SEND("80F2030000", "6A86");
	SEND("80F2000200", "6A86");
	SEND("00A4040C07A0000000871002", "9000");
	SEND("00A4000C026F07", "9000");
	/* STATUS answers for the current DF (the ADF), not the EF */
	SEND("80F2010112", "8410A0000000871002FFFFFFFF89070900009000");
	r = xfer("80F20000");
	assert_int_equal(strncmp(r, "61", 2), 0);
}

static void
test_verify_and_block(void **state)
{
	(void)state;
	SEND("0020000100", "6700");	/* case 2 not allowed */
	SEND("00200001", "63C3");
	SEND("0020000107313233343536FF", "6700");
	SEND("002000020831323334FFFFFFFF", "6A88");
	SEND("002001010831323334FFFFFFFF", "6A86");
	SEND("00200001083132FFFFFFFFFFFF", "6A80");	/* 2 digits */
	SEND("00200001083132333435363738", "63C2");
	assert_int_equal(persisted.pin1_tries, 2);
	SEND("00200001083132333435363738", "63C1");
	SEND(VERIFY_1234, "9000");		/* resets the counter */
	assert_int_equal(persisted.pin1_tries, 3);
	SEND("00200001", "9000");
	SEND("00200001083132333435363738", "63C2");
	SEND("00200001", "63C2");		/* no longer verified */
	SEND("00200001083132333435363738", "63C1");
	SEND("00200001083132333435363738", "63C0");
	SEND(VERIFY_1234, "6983");
	SEND("00200001", "6983");
	assert_int_equal(persisted.pin1_tries, 0);
	/* reset keeps the counter (it is persistent) */
	card_reset(&card);
	SEND(VERIFY_1234, "6983");
	/* UNBLOCK */
	SEND("002C0001", "63CA");
	SEND("002C00010831323334FFFFFFFF", "6700");
	SEND("002C0001103132333435363730" "31323334FFFFFFFF", "63C9");
	SEND("002C0001103132333435363738" "3132FFFFFFFFFFFF", "6A80");
	SEND("002C0001103132333435363738" "35353535FFFFFFFF", "9000");
	assert_int_equal(persisted.pin1_tries, 3);
	assert_int_equal(persisted.puk1_tries, 10);
	SEND("00200001", "9000");
	card_reset(&card);
	SEND(VERIFY_1234, "63C2");
	SEND("002000010835353535FFFFFFFF", "9000");
}

static void
test_puk_exhaustion(void **state)
{
	char want[16];

	(void)state;
	for (int i = 9; i >= 0; i--) {
		snprintf(want, sizeof(want), "63C%X", i);
		SEND("002C0001103132333435363730" "31323334FFFFFFFF", want);
	}
	SEND("002C0001103132333435363738" "31323334FFFFFFFF", "6983");
	SEND("002C0001", "6983");
	assert_int_equal(persisted.puk1_tries, 0);
}

static void
test_change_disable_enable(void **state)
{
	const char *r;
	char le[16];

	(void)state;
	SEND("0024000110" "31323334FFFFFFFF" "3939FFFFFFFFFFFF", "6A80");
	SEND("0024000110" "30303030FFFFFFFF" "39393939FFFFFFFF", "63C2");
	SEND("0024000110" "31323334FFFFFFFF" "39393939FFFFFFFF", "9000");
	card_reset(&card);
	SEND(VERIFY_1234, "63C2");
	SEND("002000010839393939FFFFFFFF", "9000");
	/* ENABLE on an enabled PIN */
	SEND("002800010839393939FFFFFFFF", "6985");
	SEND("002600010831323334FFFFFFFF", "63C2");
	SEND("002600010839393939FFFFFFFF", "9000");
	assert_false(persisted.pin1_enabled);
	/* disabled: PIN1 files readable after a reset, FCP says so */
	card_reset(&card);
	SEND("00A4080C047F206F07", "9000");
	SEND("00B0000009", "0809101010325476989000");
	r = xfer("80F2000001");
	assert_int_equal(strncmp(r, "6C", 2), 0);
	snprintf(le, sizeof(le), "80F20000%s", r + 2);
	r = xfer(le);
	assert_non_null(strstr(r, "C606900100830101"));
	/* CHANGE on a disabled PIN is refused */
	SEND("0024000110" "39393939FFFFFFFF" "31323334FFFFFFFF", "6985");
	SEND("002000010839393939FFFFFFFF", "6985");
	SEND("002600010839393939FFFFFFFF", "6985");
	SEND("002800010839393939FFFFFFFF", "9000");
	assert_true(persisted.pin1_enabled);
}

static void
test_persist_failure(void **state)
{
	(void)state;
	persist_result = STK_E_IO;
	/* a wrong PIN still counts when storing fails */
	SEND("00200001083132333435363738", "6581");
	assert_int_equal(card.d.pin1_tries, 2);
	SEND("00200001", "63C2");
	persist_result = STK_OK;
	SEND(VERIFY_1234, "9000");
	persist_result = STK_E_IO;
	SEND("00A4080C047F206F7E", "9000");
	SEND("00D6000001AA", "6581");
	SEND("00B0000001", "FF9000");		/* unchanged */
	SEND("00A4080C047F106F40", "9000");
	SEND("00DC01041A4D65FFFFFFFFFFFFFFFFFFFF0581214365F7FFFFFFFFFFFFFFFF",
	    "6581");
	SEND("00B201041A", "FFFFFFFFFFFFFFFFFFFFFFFF0791947110325476FFFFFFFFFFFF9000");
	SEND("0024000110" "31323334FFFFFFFF" "39393939FFFFFFFF", "6581");
	persist_result = STK_OK;
	card_reset(&card);
	SEND(VERIFY_1234, "9000");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_fcp_ef_iccid, setup),
		cmocka_unit_test_setup(test_fcp_mf_and_adf, setup),
		cmocka_unit_test_setup(test_select_by_fid, setup),
		cmocka_unit_test_setup(test_select_by_aid_and_path, setup),
		cmocka_unit_test_setup(test_read_update_binary, setup),
		cmocka_unit_test_setup(test_records, setup),
		cmocka_unit_test_setup(test_status, setup),
		cmocka_unit_test_setup(test_verify_and_block, setup),
		cmocka_unit_test_setup(test_puk_exhaustion, setup),
		cmocka_unit_test_setup(test_change_disable_enable, setup),
		cmocka_unit_test_setup(test_persist_failure, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
