/*
 * test_netsim_smpp.c - the netsim SMSC's SMPP 3.4 layer without sockets:
 * framing and caps, submit_sm validation and mapping to SMS-SUBMIT (vectors
 * in tests/vectors/smpp/submit_sm.txt), binds, the PDUs the SMSC packs
 * (checked field by field after decoding them again with libsmpp34),
 * delivery receipts (Appendix B), SMPP times, SMS-DELIVER -> deliver_sm,
 * and the [smsc] / [esme] configuration and fault keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <libsmpp34/smpp34.h>
#include <libsmpp34/smpp34_structs.h>
#include <libsmpp34/smpp34_params.h>

#include "hex.h"
#include "smpp.h"
#include "smpp_pdu.h"
#include "support_vectors.h"

static uint32_t
status_by_name(const char *name)
{
	for (uint32_t v = 0; v < 0x100; v++)
		if (strcmp(smpp_status_name(v), name) == 0)
			return v;
	fail_msg("unknown status name %s", name);
	return 0xffffffff;
}

static void
frame_whole(const uint8_t *p, size_t n, struct smpp_hdr *h)
{
	struct stk_diag d;

	stk_diag_clear(&d);
	assert_int_equal(smpp_frame(p, n, SMPP_MAX_PDU_BOUND, h, &d), 1);
	assert_int_equal(h->len, n);
}

static void
test_frame(void **state)
{
	static const uint8_t enq[] = { 0, 0, 0, 16, 0, 0, 0, 0x15, 0, 0, 0, 0,
		0x7f, 0xff, 0xff, 0xff };
	static const uint8_t shortlen[] = { 0, 0, 0, 15, 0, 0, 0, 0x15 };
	static const uint8_t huge[] = { 0, 0, 0x10, 0x01 };
	static const uint8_t bind_cap[] = { 0, 0, 1, 1 };	/* 257 */
	struct smpp_hdr h;
	struct stk_diag d;

	(void)state;
	stk_diag_clear(&d);
	/* Fewer than 4 octets, or a length not yet all here: wait. */
	assert_int_equal(smpp_frame(enq, 3, 4096, &h, &d), 0);
	memset(&h, 0, sizeof(h));
	assert_int_equal(smpp_frame(enq, 10, 4096, &h, &d), 0);
	assert_int_equal(h.len, 16);
	assert_int_equal(smpp_frame(enq, 16, 4096, &h, &d), 1);
	assert_int_equal(h.id, ENQUIRE_LINK);
	assert_int_equal(h.seq, 0x7fffffff);
	/* Bad lengths are refused from the length octets alone. */
	assert_int_equal(smpp_frame(shortlen, sizeof(shortlen), 4096, &h, &d),
	    STK_E_INVALID);
	assert_string_equal(d.field, "command_length");
	stk_diag_clear(&d);
	assert_int_equal(smpp_frame(huge, sizeof(huge), SMPP_MAX_PDU_BOUND, &h,
	    &d), STK_E_TOO_LONG);
	/* 257 octets: fine once bound, too long before the bind. */
	assert_int_equal(smpp_frame(bind_cap, 4, SMPP_MAX_PDU_BOUND, &h, &d),
	    0);
	assert_int_equal(smpp_frame(bind_cap, 4, SMPP_MAX_PDU_UNBOUND, &h, &d),
	    STK_E_TOO_LONG);
}

static void
test_submit_vectors(void **state)
{
	struct vec_file *vf = vec_load("tests/vectors/smpp/submit_sm.txt");
	size_t nok = 0, nerr = 0;

	(void)state;
	for (size_t i = 0; i < vf->ncases; i++) {
		const struct vec_case *vc = &vf->cases[i];
		const char *name = vec_need(vc, "name");
		uint32_t want = status_by_name(vec_need(vc, "status"));
		struct smpp_hdr h;
		struct smpp_sm sm;
		struct stk_tpdu t;
		struct stk_diag d;
		size_t n;
		uint8_t *pdu = vec_hex(vc, "pdu", &n);
		uint32_t st;

		stk_diag_clear(&d);
		frame_whole(pdu, n, &h);
		st = smpp_submit_decode(pdu, &h, &sm, &d);
		if (st == ESME_ROK)
			st = smpp_sm_to_submit(&sm, 1795000000, &t, &d);
		if (st != want)
			fail_msg("%s (line %zu): %s, want %s", name, vc->line,
			    smpp_status_name(st), smpp_status_name(want));
		if (st == ESME_ROK) {
			struct stk_buf b;
			char hex[1024], snip[21];
			const char *want_tpdu = vec_need(vc, "tpdu");

			stk_buf_init(&b);
			assert_int_equal(stk_tpdu_encode(&t, &b), STK_OK);
			assert_true(stk_buf_len(&b) * 2 < sizeof(hex));
			stk_hex_format(hex, stk_buf_data(&b), stk_buf_len(&b), 1);
			if (strcmp(hex, want_tpdu) != 0)
				fail_msg("%s: TPDU %s, want %s", name, hex,
				    want_tpdu);
			stk_buf_free(&b);
			smpp_receipt_snippet(&sm, snip);
			assert_string_equal(snip, vec_get(vc, "snippet") ?
			    vec_get(vc, "snippet") : "");
			nok++;
		} else {
			assert_non_null(d.field);
			if (strcmp(d.field, vec_need(vc, "field")) != 0)
				fail_msg("%s: field %s, want %s", name, d.field,
				    vec_need(vc, "field"));
			nerr++;
		}
		free(pdu);
	}
	assert_true(nok >= 8);
	assert_true(nerr >= 15);
	vec_free(vf);
}

/* A bind PDU: body fields as given. */
static size_t
make_bind(uint8_t *out, uint32_t id, const char *sysid, const char *pw,
    uint8_t version, size_t extra)
{
	struct stk_buf b;
	size_t n;

	stk_buf_init_fixed(&b, out, 512);
	stk_buf_add_u32(&b, 0);
	stk_buf_add_u32(&b, id);
	stk_buf_add_u32(&b, 0);
	stk_buf_add_u32(&b, 42);
	stk_buf_add_bytes(&b, sysid, strlen(sysid) + 1);
	stk_buf_add_bytes(&b, pw, strlen(pw) + 1);
	stk_buf_add_u8(&b, 0);			/* system_type "" */
	stk_buf_add_u8(&b, version);
	stk_buf_add_u8(&b, 1);
	stk_buf_add_u8(&b, 1);
	stk_buf_add_bytes(&b, "555", 4);	/* address_range */
	stk_buf_add_zeros(&b, extra);
	assert_true(stk_buf_ok(&b));
	n = stk_buf_len(&b);
	out[0] = (uint8_t)(n >> 24);
	out[1] = (uint8_t)(n >> 16);
	out[2] = (uint8_t)(n >> 8);
	out[3] = (uint8_t)n;
	return n;
}

static void
test_bind_decode(void **state)
{
	uint8_t pdu[512];
	struct smpp_hdr h;
	struct smpp_bind b;
	struct stk_diag d;
	size_t n;

	(void)state;
	stk_diag_clear(&d);
	n = make_bind(pdu, BIND_TRANSCEIVER, "bank", "secret", 0x34, 0);
	frame_whole(pdu, n, &h);
	assert_int_equal(smpp_bind_decode(pdu, &h, &b, &d), ESME_ROK);
	assert_string_equal(b.system_id, "bank");
	assert_string_equal(b.password, "secret");
	assert_string_equal(b.address_range, "555");
	assert_int_equal(b.interface_version, 0x34);
	assert_int_equal(b.addr_ton, 1);
	/* An SMPP 5.0 ESME (0x50) binds; its version is reported as sent. */
	n = make_bind(pdu, BIND_RECEIVER, "bank", "secret", 0x50, 0);
	frame_whole(pdu, n, &h);
	assert_int_equal(smpp_bind_decode(pdu, &h, &b, &d), ESME_ROK);
	assert_int_equal(b.interface_version, 0x50);
	assert_int_equal(b.command_id, BIND_RECEIVER);
	/* A trailing octet. */
	n = make_bind(pdu, BIND_TRANSMITTER, "bank", "secret", 0x34, 1);
	frame_whole(pdu, n, &h);
	assert_int_equal(smpp_bind_decode(pdu, &h, &b, &d), ESME_RINVCMDLEN);
	assert_string_equal(d.field, "bind");
	/* system_id of 16 characters: no NUL within its 16 octets. */
	stk_diag_clear(&d);
	n = make_bind(pdu, BIND_TRANSMITTER, "0123456789abcdef", "pw", 0x34,
	    0);
	frame_whole(pdu, n, &h);
	assert_int_equal(smpp_bind_decode(pdu, &h, &b, &d), ESME_RINVCMDLEN);
	assert_string_equal(d.field, "system_id");
	assert_int_equal(d.err, STK_E_TOO_LONG);
	/* Password of 9 characters (at most 8). */
	stk_diag_clear(&d);
	n = make_bind(pdu, BIND_TRANSMITTER, "bank", "123456789", 0x34, 0);
	frame_whole(pdu, n, &h);
	assert_int_equal(smpp_bind_decode(pdu, &h, &b, &d), ESME_RINVCMDLEN);
	assert_string_equal(d.field, "password");
	/* Cut inside address_range. */
	stk_diag_clear(&d);
	n = make_bind(pdu, BIND_TRANSMITTER, "bank", "pw", 0x34, 0);
	pdu[3] = (uint8_t)(n - 2);
	frame_whole(pdu, n - 2, &h);
	assert_int_equal(smpp_bind_decode(pdu, &h, &b, &d), ESME_RINVCMDLEN);
}

static void
test_empty_and_deliver_resp(void **state)
{
	static const uint8_t enq17[] = { 0, 0, 0, 17, 0, 0, 0, 0x15, 0, 0, 0,
		0, 0, 0, 0, 1, 0 };
	static const uint8_t dresp[] = { 0, 0, 0, 17, 0x80, 0, 0, 5, 0, 0, 0,
		0, 0, 0, 0, 1, 0 };
	static const uint8_t dresp_bare[] = { 0, 0, 0, 16, 0x80, 0, 0, 5, 0,
		0, 0, 0x58, 0, 0, 0, 1 };
	static const uint8_t dresp_junk[] = { 0, 0, 0, 18, 0x80, 0, 0, 5, 0,
		0, 0, 0, 0, 0, 0, 1, 'x', 'y' };
	struct smpp_hdr h;
	struct stk_diag d;

	(void)state;
	stk_diag_clear(&d);
	frame_whole(enq17, sizeof(enq17), &h);
	assert_int_equal(smpp_empty_body_check(&h, &d), ESME_RINVCMDLEN);
	frame_whole(dresp, sizeof(dresp), &h);
	assert_int_equal(smpp_deliver_resp_decode(dresp, &h, &d), ESME_ROK);
	frame_whole(dresp_bare, sizeof(dresp_bare), &h);
	assert_int_equal(smpp_deliver_resp_decode(dresp_bare, &h, &d),
	    ESME_ROK);
	frame_whole(dresp_junk, sizeof(dresp_junk), &h);
	assert_int_equal(smpp_deliver_resp_decode(dresp_junk, &h, &d),
	    ESME_RINVCMDLEN);
}

static void
expect_hex(const struct stk_buf *b, const char *want)
{
	char hex[4096];

	assert_true(stk_buf_len(b) * 2 < sizeof(hex));
	stk_hex_format(hex, stk_buf_data(b), stk_buf_len(b), 1);
	assert_string_equal(hex, want);
}

static void
test_pack_responses(void **state)
{
	struct stk_buf b;

	(void)state;
	stk_buf_init(&b);
	assert_int_equal(smpp_pack_submit_resp(&b, ESME_ROK, 7, "12"), STK_OK);
	expect_hex(&b, "00000013800000040000000000000007313200");
	/* §4.4.2: no body on errors. */
	stk_buf_reset(&b);
	assert_int_equal(smpp_pack_submit_resp(&b, ESME_RTHROTTLED, 8, "12"),
	    STK_OK);
	expect_hex(&b, "00000010800000040000005800000008");
	stk_buf_reset(&b);
	assert_int_equal(smpp_pack_bind_resp(&b, BIND_TRANSCEIVER_RESP,
	    ESME_ROK, 1, "netsim"), STK_OK);
	expect_hex(&b, "00000017800000090000000000000001" "6E657473696D00");
	stk_buf_reset(&b);
	assert_int_equal(smpp_pack_bind_resp(&b, BIND_RECEIVER_RESP,
	    ESME_RINVPASWD, 2, "netsim"), STK_OK);
	expect_hex(&b, "0000001080000001" "0000000E00000002");
	stk_buf_reset(&b);
	assert_int_equal(smpp_pack_header_only(&b, GENERIC_NACK,
	    ESME_RINVCMDID, 9), STK_OK);
	expect_hex(&b, "00000010800000000000000300000009");
	stk_buf_reset(&b);
	assert_int_equal(smpp_pack_header_only(&b, ENQUIRE_LINK, 0,
	    0x7fffffff), STK_OK);
	expect_hex(&b, "000000100000001500000000" "7FFFFFFF");
	stk_buf_free(&b);
}

static void
test_receipt(void **state)
{
	struct smpp_receipt r;
	char text[256];
	struct smpp_sm sm;
	struct stk_buf b;
	struct smpp_hdr h;
	deliver_sm_t d;
	tlv_t *t;
	bool saw_id = false, saw_state = false;

	(void)state;
	memset(&r, 0, sizeof(r));
	snprintf(r.id, sizeof(r.id), "1234567890");
	r.sub = 1;
	r.dlvrd = 1;
	/* 2026-11-23 18:43:35 UTC shown in UTC+01:00. */
	r.submit_date = 1795459415;
	r.done_date = 1795459415 + 125;
	r.tz_minutes = 60;
	r.stat = "DELIVRD";
	r.err = 0;
	snprintf(r.text, sizeof(r.text), "Hello phone");
	assert_int_equal(smpp_receipt_text(&r, text, sizeof(text)), STK_OK);
	assert_string_equal(text, "id:1234567890 sub:001 dlvrd:001 submit "
	    "date:2611231943 done date:2611231945 stat:DELIVRD err:000 "
	    "text:Hello phone");
	assert_int_equal(smpp_receipt_text(&r, text, 40), STK_E_NOSPACE);
	assert_int_equal(smpp_receipt_text(&r, text, sizeof(text)), STK_OK);

	memset(&sm, 0, sizeof(sm));
	sm.src_ton = 1;
	sm.src_npi = 1;
	snprintf(sm.src, sizeof(sm.src), "491700000001");
	sm.dst_ton = 1;
	sm.dst_npi = 1;
	snprintf(sm.dst, sizeof(sm.dst), "4912345");
	stk_buf_init(&b);
	assert_int_equal(smpp_pack_deliver(&b, 5, &sm, &r), STK_OK);
	frame_whole(stk_buf_data(&b), stk_buf_len(&b), &h);
	assert_int_equal(h.id, DELIVER_SM);
	memset(&d, 0, sizeof(d));
	assert_int_equal(smpp34_unpack(DELIVER_SM, &d, stk_buf_data(&b),
	    (int)stk_buf_len(&b)), 0);
	assert_int_equal(d.esm_class, SMPP_ESM_TYPE_RECEIPT);
	assert_int_equal(d.sm_length, strlen(text));
	assert_memory_equal(d.short_message, text, d.sm_length);
	assert_string_equal((char *)d.source_addr, "491700000001");
	smpp34_tlv_for_each(t, d.tlv) {
		if (t->tag == TLVID_receipted_message_id) {
			assert_string_equal((char *)t->value.octet,
			    "1234567890");
			saw_id = true;
		} else if (t->tag == TLVID_message_state) {
			assert_int_equal(t->value.val08, 2);	/* DELIVERED */
			saw_state = true;
		}
	}
	destroy_tlv(d.tlv);
	assert_true(saw_id && saw_state);
	stk_buf_free(&b);

	/* TS 23.040 §9.2.3.15 -> stat; §5.2.28 message_state. */
	assert_string_equal(smpp_stat_for_st(0x00), "DELIVRD");
	assert_string_equal(smpp_stat_for_st(0x21), "ENROUTE");
	assert_string_equal(smpp_stat_for_st(0x46), "EXPIRED");
	assert_string_equal(smpp_stat_for_st(0x48), "DELETED");
	assert_string_equal(smpp_stat_for_st(0x41), "REJECTD");
	assert_string_equal(smpp_stat_for_st(0x45), "UNDELIV");
	assert_string_equal(smpp_stat_for_st(0x62), "UNDELIV");
	assert_int_equal(smpp_message_state("UNDELIV"), 5);
	assert_int_equal(smpp_message_state("EXPIRED"), 3);
	assert_int_equal(smpp_message_state("nonsense"), 7);
}

static void
test_time(void **state)
{
	bool rel;
	int64_t s;

	(void)state;
	/* §7.1.1 absolute: local time 2026-11-23 19:43:35.0, 4 quarter
	 * hours ahead of UTC = 18:43:35Z. */
	assert_int_equal(smpp_time_parse("261123194335004+", &rel, &s), STK_OK);
	assert_false(rel);
	assert_int_equal(s, 1795459415);
	assert_int_equal(smpp_time_parse("261123174335004-", &rel, &s), STK_OK);
	assert_int_equal(s, 1795459415);
	/* Relative: 1 day 2 hours 3 minutes 4 seconds. */
	assert_int_equal(smpp_time_parse("000001020304000R", &rel, &s), STK_OK);
	assert_true(rel);
	assert_int_equal(s, 86400 + 7200 + 180 + 4);
	assert_int_equal(smpp_time_parse("261123194335004", &rel, &s),
	    STK_E_INVALID);
	assert_int_equal(smpp_time_parse("261131194335004+", &rel, &s),
	    STK_E_INVALID);			/* 31 November */
	assert_int_equal(smpp_time_parse("261123194335049+", &rel, &s),
	    STK_E_INVALID);			/* 49 quarter hours */
	assert_int_equal(smpp_time_parse("000001020304100R", &rel, &s),
	    STK_E_INVALID);
	assert_int_equal(smpp_time_parse("26112319433500A+", &rel, &s),
	    STK_E_INVALID);
}

static void
test_from_deliver(void **state)
{
	static const struct {
		uint8_t dcs, data_coding;
	} map[] = {
		{ 0x00, 0x00 }, { 0x04, 0x04 }, { 0x08, 0x08 },
		{ 0x11, 0xf1 }, { 0x16, 0xf6 }, { 0xf6, 0xf6 },
		{ 0x18, 0x18 }, { 0xc8, 0xc8 },
	};
	struct stk_tpdu t;
	struct stk_sms_addr oa, da;
	struct smpp_sm sm;
	static const uint8_t udh[] = { 0x05, 0x00, 0x03, 0x2a, 0x02, 0x01 };

	(void)state;
	assert_int_equal(stk_sms_addr_from_text("+491700000001", &oa), STK_OK);
	assert_int_equal(stk_sms_addr_from_text("12345", &da), STK_OK);
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		stk_tpdu_init(&t, STK_TPDU_DELIVER);
		t.dcs = map[i].dcs;
		assert_int_equal(smpp_sm_from_deliver(&t, &oa, &da, &sm),
		    STK_OK);
		assert_int_equal(sm.data_coding, map[i].data_coding);
	}
	stk_tpdu_init(&t, STK_TPDU_DELIVER);
	t.pid = 0x7f;
	t.rp = true;
	assert_int_equal(stk_tpdu_set_udh(&t, udh, sizeof(udh)), STK_OK);
	assert_int_equal(stk_tpdu_set_octets(&t, (const uint8_t *)"ab", 2,
	    0x04), STK_OK);
	assert_int_equal(smpp_sm_from_deliver(&t, &oa, &da, &sm), STK_OK);
	assert_int_equal(sm.esm_class, 0xc0);
	assert_int_equal(sm.protocol_id, 0x7f);
	assert_int_equal(sm.src_ton, 1);
	assert_string_equal(sm.src, "491700000001");
	assert_int_equal(sm.dst_ton, 0);
	assert_string_equal(sm.dst, "12345");
	assert_int_equal(sm.len, 8);
	assert_memory_equal(sm.data, "\x05\x00\x03\x2a\x02\x01" "ab", 8);
	assert_false(sm.from_payload);
}

static void
test_addr(void **state)
{
	struct stk_sms_addr a;
	uint8_t ton, npi;
	char out[SMPP_ADDR_MAX];

	(void)state;
	assert_int_equal(smpp_addr_to_sms(1, 1, "+4912", &a), STK_OK);
	assert_int_equal(a.ton, STK_TON_INTERNATIONAL);
	assert_string_equal(a.digits, "4912");
	assert_int_equal(smpp_addr_from_sms(&a, &ton, &npi, out, sizeof(out)),
	    STK_OK);
	assert_string_equal(out, "4912");
	assert_int_equal(smpp_addr_to_sms(5, 0, "Bank", &a), STK_OK);
	assert_int_equal(a.ton, STK_TON_ALPHANUMERIC);
	assert_int_equal(smpp_addr_to_sms(5, 0, "ThisIsTooLong", &a),
	    STK_E_TOO_LONG);
	assert_int_equal(smpp_addr_to_sms(0, 1, "12a", &a), STK_E_INVALID);
	assert_int_equal(smpp_addr_to_sms(1, 1, "", &a), STK_E_INVALID);
	assert_int_equal(smpp_addr_to_sms(7, 1, "12", &a), STK_E_INVALID);
	assert_int_equal(smpp_addr_to_sms(1, 18, "12", &a), STK_E_INVALID);
	assert_int_equal(smpp_addr_to_sms(0, 1, "*100#", &a), STK_OK);
}

static void
test_config(void **state)
{
	struct smpp_cfg *c = smpp_config_new();
	char err[200];
	struct smpp_faults f;
	bool drop;

	(void)state;
	assert_non_null(c);
	assert_int_equal(smpp_config_check(c, err, sizeof(err)), STK_OK);
	assert_int_equal(smpp_config_set(c, "esme bank", "password", "pw",
	    err, sizeof(err)), STK_OK);
	/* An [esme] needs the [smsc]. */
	assert_int_not_equal(smpp_config_check(c, err, sizeof(err)), STK_OK);
	assert_non_null(strstr(err, "[smsc]"));
	assert_int_equal(smpp_config_set(c, "smsc", "listen",
	    "127.0.0.1:2775", err, sizeof(err)), STK_OK);
	assert_int_equal(smpp_config_set(c, "smsc", "window", "100", err,
	    sizeof(err)), STK_OK);
	assert_int_equal(c->window, 100);
	assert_int_not_equal(smpp_config_set(c, "smsc", "window", "0", err,
	    sizeof(err)), STK_OK);
	assert_int_not_equal(smpp_config_set(c, "smsc", "window", "10x", err,
	    sizeof(err)), STK_OK);
	assert_int_not_equal(smpp_config_set(c, "smsc", "listen", "2775", err,
	    sizeof(err)), STK_OK);
	assert_int_not_equal(smpp_config_set(c, "smsc", "colour", "red", err,
	    sizeof(err)), STK_OK);
	assert_int_equal(smpp_config_set(c, "esme bank", "addresses",
	    "+4912345, 555*  +4970*", err, sizeof(err)), STK_OK);
	assert_int_equal(c->esmes[0].naddrs, 3);
	assert_string_equal(c->esmes[0].addrs[1], "555");
	assert_true(c->esmes[0].addr_prefix[1]);
	assert_false(c->esmes[0].addr_prefix[0]);
	assert_int_not_equal(smpp_config_set(c, "esme bank", "addresses",
	    "+49x", err, sizeof(err)), STK_OK);
	assert_int_equal(smpp_config_set(c, "esme bank", "bind",
	    "transmitter transceiver", err, sizeof(err)), STK_OK);
	assert_int_equal(c->esmes[0].binds, SMPP_BIND_TX | SMPP_BIND_TRX);
	assert_int_not_equal(smpp_config_set(c, "esme bank", "bind",
	    "outbind", err, sizeof(err)), STK_OK);
	assert_int_not_equal(smpp_config_set(c, "esme bank", "password",
	    "123456789", err, sizeof(err)), STK_OK);
	assert_int_equal(smpp_config_check(c, err, sizeof(err)), STK_OK);
	/* Two ESMEs with one system_id. */
	assert_int_equal(smpp_config_set(c, "esme other", "system_id", "bank",
	    err, sizeof(err)), STK_OK);
	assert_int_equal(smpp_config_set(c, "esme other", "password", "x",
	    err, sizeof(err)), STK_OK);
	assert_int_not_equal(smpp_config_check(c, err, sizeof(err)), STK_OK);
	assert_non_null(strstr(err, "share system_id"));
	smpp_config_free(c);

	memset(&f, 0, sizeof(f));
	assert_int_equal(smpp_fault_parse(&f, "smsc.throttle_pct", "25", &drop,
	    err, sizeof(err)), STK_OK);
	assert_int_equal(f.throttle_pct, 25);
	assert_int_equal(smpp_fault_parse(&f, "delay_ms", "1500", &drop, err,
	    sizeof(err)), STK_OK);
	assert_int_equal(f.delay_ms, 1500);
	assert_int_equal(smpp_fault_parse(&f, "smsc.drop_all", "1", &drop, err,
	    sizeof(err)), STK_OK);
	assert_true(drop);
	assert_int_not_equal(smpp_fault_parse(&f, "smsc.drop_pct", "101",
	    &drop, err, sizeof(err)), STK_OK);
	assert_int_not_equal(smpp_fault_parse(&f, "smsc.lightning", "1", &drop,
	    err, sizeof(err)), STK_OK);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(smpp_cmd_name(SUBMIT_SM), "submit_sm");
	assert_string_equal(smpp_cmd_name(0x80000009), "bind_transceiver_resp");
	assert_string_equal(smpp_cmd_name(0x12345678), "unknown");
	assert_true(smpp_cmd_known(DATA_SM));
	assert_false(smpp_cmd_known(0x0000000a));
	assert_string_equal(smpp_status_name(0x58), "ESME_RTHROTTLED");
	assert_string_equal(smpp_status_name(0x400), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame),
		cmocka_unit_test(test_submit_vectors),
		cmocka_unit_test(test_bind_decode),
		cmocka_unit_test(test_empty_and_deliver_resp),
		cmocka_unit_test(test_pack_responses),
		cmocka_unit_test(test_receipt),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_from_deliver),
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
