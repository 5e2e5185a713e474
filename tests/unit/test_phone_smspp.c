/*
 * test_phone_smspp.c - stkauth-phone's SMS-PP data download decisions
 * (TS 31.111 §7.1.1.1) and SMS-DELIVER-REPORTs from
 * tests/vectors/phone/smspp.txt, which SMS go to the card, and the ME's
 * part of SEND SHORT MESSAGE (TP-MR, packing).
 */
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
#include "phone.h"
#include "support_vectors.h"
#include "tpdu.h"

/* Hex of key into out (cap bytes); an empty value is 0 bytes. */
static size_t
hex_opt(const struct vec_case *vc, const char *key, uint8_t *out, size_t cap)
{
	const char *v = vec_get(vc, key);
	struct stk_buf b;

	if (v == NULL || v[0] == '\0')
		return 0;
	stk_buf_init_fixed(&b, out, cap);
	if (stk_hex_decode(v, &b) != 0)
		fail_msg("case at line %zu: %s is not hex", vc->line, key);
	return stk_buf_len(&b);
}

static bool
yes(const struct vec_case *vc, const char *key)
{
	const char *v = vec_get(vc, key);

	return v != NULL && strcmp(v, "yes") == 0;
}

static void
test_smspp_vectors(void **state)
{
	struct vec_file *vf = vec_load("tests/vectors/phone/smspp.txt");
	static struct stk_tpdu deliver, rep;
	struct phone_mt_answer ans;
	struct phone_rapdu r;
	uint8_t pdu[200], want[200];
	size_t i, n, wn;
	int ret;

	(void)state;
	assert_true(vf->ncases >= 10);
	for (i = 0; i < vf->ncases; i++) {
		const struct vec_case *vc = &vf->cases[i];
		const char *name = vec_need(vc, "name"), *res;
		unsigned long sw = strtoul(vec_need(vc, "sw"), NULL, 16);

		n = hex_opt(vc, "deliver", pdu, sizeof(pdu));
		assert_int_equal(stk_tpdu_decode(pdu, n, STK_DIR_SC_TO_MS,
		    &deliver, NULL), 0);
		assert_true(phone_sms_is_download(&deliver));
		memset(&r, 0, sizeof(r));
		r.first_sw = (uint16_t)sw;
		r.sw = 0x9000;
		r.len = hex_opt(vc, "data", r.data, sizeof(r.data));
		ret = phone_smspp_answer(&deliver, &r, yes(vc, "rel11"), &ans);
		res = vec_get(vc, "result");
		if (res == NULL)
			assert_int_equal(ret, 0);
		else
			assert_string_equal(stk_errname(ret), res);
		if (ans.ack != yes(vc, "ack"))
			fail_msg("%s: ack %d", name, ans.ack);
		assert_non_null(ans.why);
		if (!ans.ack)
			assert_int_equal(ans.rp_cause,
			    strtoul(vec_need(vc, "cause"), NULL, 10));
		wn = hex_opt(vc, "report", want, sizeof(want));
		if (ans.report_len != wn || memcmp(ans.report, want, wn) != 0) {
			char got[400];

			fail_msg("%s: report %s", name, stk_hex_format(got,
			    ans.report, ans.report_len, 1));
		}
		if (wn == 0)
			continue;
		/* The report is a valid SMS-DELIVER-REPORT of that form. */
		assert_int_equal(stk_tpdu_decode_as(ans.report, ans.report_len,
		    STK_TPDU_DELIVER_REPORT, !ans.ack, &rep, NULL), 0);
		if (r.len > 0 && ret == 0) {
			assert_true(rep.has_pid && rep.pid == deliver.pid);
			assert_true(rep.has_dcs && rep.dcs == deliver.dcs);
			assert_int_equal(rep.udh_len + rep.body_len, r.len);
		}
	}
	vec_free(vf);
}

static void
test_which_sms_are_downloads(void **state)
{
	static const struct {
		uint8_t pid, dcs;
		bool download;
	} cases[] = {
		{ 0x7f, 0xf6, true },	/* 8-bit class 2 (group 1111) */
		{ 0x7f, 0xf2, true },	/* GSM 7-bit class 2 */
		{ 0x7f, 0x16, true },	/* general group, class 2, 8-bit */
		{ 0x7f, 0x12, true },	/* general group, class 2, GSM */
		{ 0x7c, 0xf6, true },	/* ANSI-136 R-DATA, class 2 */
		{ 0x7f, 0x04, false },	/* no message class */
		{ 0x7f, 0xf5, false },	/* class 1 */
		{ 0x7f, 0x06, false },	/* bit 4 clear: bits 1-0 no class */
		{ 0x00, 0xf6, false },	/* class 2, ordinary SMS: SIM storage */
		{ 0x7d, 0xf6, false },	/* ME data download */
		{ 0x7e, 0xf6, false },	/* ME de-personalization */
	};
	struct stk_tpdu t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		stk_tpdu_init(&t, STK_TPDU_DELIVER);
		t.pid = cases[i].pid;
		t.dcs = cases[i].dcs;
		if (phone_sms_is_download(&t) != cases[i].download)
			fail_msg("PID %02X DCS %02X", cases[i].pid,
			    cases[i].dcs);
	}
	/* Only SMS-DELIVER: a status report is never downloaded. */
	stk_tpdu_init(&t, STK_TPDU_STATUS_REPORT);
	t.pid = 0x7f;
	t.dcs = 0xf6;
	assert_false(phone_sms_is_download(&t));
}

/* phone_mo_prepare: input, qualifier, TP-MR -> output or error. */
static void
mo_case(const char *in, uint8_t qualifier, uint8_t mr, const char *want,
    int want_err)
{
	struct stk_buf b, out;
	struct stk_diag d;
	char got[400];
	int r;

	stk_buf_init(&b);
	stk_buf_init(&out);
	assert_int_equal(stk_hex_decode(in, &b), 0);
	stk_diag_clear(&d);
	r = phone_mo_prepare(stk_buf_data(&b), stk_buf_len(&b), qualifier,
	    mr, &out, &d);
	if (want == NULL) {
		assert_int_equal(r, want_err);
		assert_non_null(d.field);
	} else {
		assert_int_equal(r, 0);
		stk_hex_format(got, stk_buf_data(&out), stk_buf_len(&out), 1);
		assert_string_equal(got, want);
	}
	stk_buf_free(&b);
	stk_buf_free(&out);
}

static void
test_send_short_message_tpdu(void **state)
{
	(void)state;
	/* TS 23.040 §9.2.3.6: the ME's TP-MR replaces the card's 00. */
	mo_case("01000C9194710000001000040568656C6C6F", 0x00, 0x2a,
	    "012A0C9194710000001000040568656C6C6F", 0);
	/* TS 102 223 §6.4.10 packing: 8-bit "hello" -> GSM 7-bit packed
	 * E8 32 9B FD 06 (the TS 23.038 §6.1.2.1 example text), DCS 04 -> 00. */
	mo_case("01000C9194710000001000040568656C6C6F", 0x01, 0x2a,
	    "012A0C91947100000010000005E8329BFD06", 0);
	/* Group 1111: F4 (8-bit, class 0) -> F0 (GSM 7-bit, class 0). */
	mo_case("01000C91947100000010" "00F40568656C6C6F", 0x01, 0x07,
	    "01070C9194710000001000F005E8329BFD06", 0);
	/* Packing asked for a message that is already GSM 7-bit: as is. */
	mo_case("01000C91947100000010000005E8329BFD06", 0x01, 0x01,
	    "01010C91947100000010000005E8329BFD06", 0);
	/* UCS-2 is never packed. */
	mo_case("01000C919471000000100008020041", 0x01, 0x03,
	    "01030C919471000000100008020041", 0);
	/* An octet above 7F is no GSM character: cannot be packed. */
	mo_case("01000C919471000000100004026880", 0x01, 0x2a, NULL,
	    STK_E_INVALID);
	/* Not an SMS-SUBMIT (TP-MTI 00) and a truncated one. */
	mo_case("00000C9194710000001000040568656C6C6F", 0x00, 0x01, NULL,
	    STK_E_INVALID);
	mo_case("01000C91947100000010000405686C", 0x00, 0x01, NULL,
	    STK_E_TRUNCATED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_smspp_vectors),
		cmocka_unit_test(test_which_sms_are_downloads),
		cmocka_unit_test(test_send_short_message_tpdu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
