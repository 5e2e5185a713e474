/*
 * test_bridge_smpp.c - the SMPP transport's pure parts: configuration,
 * the TPDU <-> submit_sm / deliver_sm mapping, delivery receipts, the
 * status table, and the session engine (smpp_link.c) fed with PDUs packed
 * by libsmpp34 (the SMSC module's packers) and with bad input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <libsmpp34/smpp34.h>

#include "hex.h"
#include "log.h"
#include "smpp_esme.h"

/* ---- a configuration from key=value pairs ---- */

static const char *const *cur_kv;

static int
kv_get(void *cfg, const char *key, const char **val)
{
	(void)cfg;
	for (const char *const *p = cur_kv; p[0] != NULL; p += 2) {
		if (strcmp(p[0], key) == 0) {
			*val = p[1];
			return STK_OK;
		}
	}
	return STK_E_NOT_FOUND;
}

static int
load(const char *const *kv, struct smpp_conf *c, char *err, size_t errsz)
{
	struct transport_config tc = { .name = "t", .get = kv_get };

	cur_kv = kv;
	err[0] = '\0';
	return smpp_conf_load(&tc, c, err, errsz);
}

static void
test_conf(void **state)
{
	static const char *const good[] = { "host", "127.0.0.1", "system_id",
	    "bank", "password", "secret", "window", "100", "response_timeout",
	    "500ms", "enquire_link", "15", "bind", "tx+rx", "payload",
	    "message_payload", NULL };
	static const char *const remote[] = { "host", "smsc.example",
	    "system_id", "x", NULL };
	static const char *const remote_ok[] = { "host", "smsc.example",
	    "system_id", "x", "plain_remote", "yes", NULL };
	static const char *const bad[][8] = {
		{ "host", "127.0.0.1", "system_id", "x", "window", "0", NULL },
		{ "host", "127.0.0.1", "system_id", "x", "window", "10x",
		    NULL },
		{ "host", "127.0.0.1", "system_id", "x", "bind", "rx", NULL },
		{ "host", "127.0.0.1", "system_id", "x", "tls", "maybe",
		    NULL },
		{ "host", "127.0.0.1", "system_id", "0123456789abcdef",
		    NULL },
		{ "host", "127.0.0.1", "system_id", "x", "password",
		    "123456789", NULL },
		{ "host", "127.0.0.1", "system_id", "x", "response_timeout",
		    "5m", NULL },
		{ "host", "127.0.0.1", "system_id", "x", "source_addr",
		    "12ab", NULL },
		{ "system_id", "x", NULL },
		{ "host", "127.0.0.1", NULL },
	};
	struct smpp_conf c;
	char err[256];
	unsigned ms;

	(void)state;
	assert_int_equal(load(good, &c, err, sizeof(err)), STK_OK);
	assert_int_equal(c.port, 2775);
	assert_int_equal(c.window, 100);
	assert_int_equal(c.response_timeout_ms, 500);
	assert_int_equal(c.enquire_link_ms, 15000);
	assert_int_equal(c.bind, SMPP_BIND_TX_RX);
	assert_int_equal(c.payload, SMPP_PAYLOAD_TLV);
	assert_string_equal(c.password, "secret");
	assert_int_equal(load(remote, &c, err, sizeof(err)), STK_E_INVALID);
	assert_non_null(strstr(err, "not loopback"));
	assert_int_equal(load(remote_ok, &c, err, sizeof(err)), STK_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(load(bad[i], &c, err, sizeof(err)),
		    STK_E_INVALID);
		assert_true(err[0] != '\0');
	}
	assert_int_equal(smpp_parse_duration("2s", &ms), STK_OK);
	assert_int_equal(ms, 2000);
	assert_int_equal(smpp_parse_duration("-1", &ms), STK_E_INVALID);
	assert_int_equal(smpp_parse_duration("", &ms), STK_E_INVALID);
	assert_true(smpp_host_is_loopback("127.0.0.2"));
	assert_false(smpp_host_is_loopback("10.0.0.1"));
}

static void
test_conf_password_file(void **state)
{
	char path[] = "/tmp/test_bridge_smpp.XXXXXX", err[256];
	const char *kv[] = { "host", "::1", "system_id", "x", "password_file",
	    path, NULL };
	struct smpp_conf c;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "pw123\n", 6), 6);
	close(fd);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(load(kv, &c, err, sizeof(err)), STK_E_INVALID);
	assert_non_null(strstr(err, "chmod 600"));
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(load(kv, &c, err, sizeof(err)), STK_OK);
	assert_string_equal(c.password, "pw123");
	unlink(path);
	assert_int_equal(load(kv, &c, err, sizeof(err)), STK_E_IO);
}

/* ---- mapping ---- */

static void
test_data_coding(void **state)
{
	static const struct {
		uint8_t dcs;
		bool ok;
		uint8_t dc;
	} v[] = {
		{ 0x00, true, 0x00 }, { 0x04, true, 0x04 }, { 0x08, true, 0x08 },
		{ 0x11, true, 0xf1 }, { 0x16, true, 0xf6 }, { 0xf6, true, 0xf6 },
		{ 0xc8, true, 0xc8 }, { 0x18, false, 0 }, { 0x24, false, 0 },
		{ 0x44, false, 0 }, { 0x90, false, 0 }, { 0x0c, false, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t dc = 0x55;

		assert_int_equal(smpp_data_coding_for_dcs(v[i].dcs, &dc),
		    v[i].ok);
		if (v[i].ok)
			assert_int_equal(dc, v[i].dc);
	}
}

static struct smpp_conf conf;

static void
conf_defaults(void)
{
	static const char *const kv[] = { "host", "127.0.0.1", "system_id",
	    "bank", "password", "secret", "window", "3", "response_timeout",
	    "1s", "enquire_link", "5s", "throttle_pause", "200ms",
	    "source_addr", "+4912345", "receipt_slots", "16", NULL };
	char err[128];

	assert_int_equal(load(kv, &conf, err, sizeof(err)), STK_OK);
}

/* An SMS-SUBMIT as the core builds it: 8-bit class 2, PID 7F, UDH. */
static size_t
make_submit(uint8_t *out, size_t cap, uint8_t dcs, bool text)
{
	static const uint8_t udh[] = { 0x02, 0x70, 0x00 };
	static const uint8_t body[] = { 0x00, 0x10, 0x15, 0x16, 0x21 };
	struct stk_tpdu t;
	struct stk_buf b;

	stk_tpdu_init(&t, STK_TPDU_SUBMIT);
	assert_int_equal(stk_sms_addr_from_text("+37255500001", &t.addr),
	    STK_OK);
	if (text) {
		assert_int_equal(stk_tpdu_set_text(&t, "hi", 2,
		    STK_CLASS_NONE), STK_OK);
	} else {
		t.pid = 0x7f;
		t.vpf = STK_VPF_RELATIVE;
		t.vp.vpf = STK_VPF_RELATIVE;
		t.vp.relative = 0xa7;		/* one day */
		assert_int_equal(stk_tpdu_set_udh(&t, udh, sizeof(udh)),
		    STK_OK);
		assert_int_equal(stk_tpdu_set_octets(&t, body, sizeof(body),
		    dcs), STK_OK);
	}
	stk_buf_init_fixed(&b, out, cap);
	assert_int_equal(stk_tpdu_encode(&t, &b), STK_OK);
	return stk_buf_len(&b);
}

static void
test_map_submit(void **state)
{
	uint8_t tp[200];
	struct transport_msg m = { .id = 7, .dest = "+37255500001",
	    .tpdu = tp, .status_report = true };
	struct smpp_sm sm;
	const char *why;

	(void)state;
	conf_defaults();
	m.tpdu_len = make_submit(tp, sizeof(tp), 0xf6, false);
	assert_int_equal(smpp_map_submit(&conf, &m, &sm, &why), STK_OK);
	assert_string_equal(sm.dst, "37255500001");
	assert_int_equal(sm.dst_ton, 1);
	assert_int_equal(sm.dst_npi, 1);
	assert_string_equal(sm.src, "4912345");
	assert_int_equal(sm.esm_class, 0x40);
	assert_int_equal(sm.protocol_id, 0x7f);
	assert_int_equal(sm.data_coding, 0xf6);
	assert_int_equal(sm.registered_delivery, 1);
	assert_string_equal(sm.validity_period, "000001000000000R");
	assert_int_equal(sm.len, 8);
	assert_memory_equal(sm.data, "\x02\x70\x00\x00\x10\x15\x16\x21", 8);
	assert_false(sm.from_payload);

	/* GSM 7-bit text: data_coding 0, one septet per octet. */
	m.tpdu_len = make_submit(tp, sizeof(tp), 0, true);
	m.status_report = false;
	assert_int_equal(smpp_map_submit(&conf, &m, &sm, &why), STK_OK);
	assert_int_equal(sm.data_coding, 0);
	assert_int_equal(sm.esm_class, 0);
	assert_int_equal(sm.registered_delivery, 0);
	assert_int_equal(sm.len, 2);
	assert_memory_equal(sm.data, "hi", 2);

	/* payload = message_payload */
	conf.payload = SMPP_PAYLOAD_TLV;
	assert_int_equal(smpp_map_submit(&conf, &m, &sm, &why), STK_OK);
	assert_true(sm.from_payload);
	conf.payload = SMPP_PAYLOAD_AUTO;

	/* Bad input. */
	m.tpdu_len = make_submit(tp, sizeof(tp), 0x18, false);	/* UCS-2 cl */
	assert_int_equal(smpp_map_submit(&conf, &m, &sm, &why),
	    STK_E_UNSUPPORTED);
	m.tpdu_len = make_submit(tp, sizeof(tp), 0xf6, false);
	snprintf(m.dest, sizeof(m.dest), "37255500001");
	assert_int_equal(smpp_map_submit(&conf, &m, &sm, &why),
	    STK_E_INVALID);
	snprintf(m.dest, sizeof(m.dest), "+3725550000x");
	assert_int_equal(smpp_map_submit(&conf, &m, &sm, &why),
	    STK_E_INVALID);
	snprintf(m.dest, sizeof(m.dest), "+37255500001");
	tp[m.tpdu_len] = 0;
	m.tpdu_len++;			/* a trailing octet */
	assert_int_not_equal(smpp_map_submit(&conf, &m, &sm, &why), STK_OK);
	tp[0] = 0x04;			/* SMS-DELIVER, not SUBMIT */
	assert_int_not_equal(smpp_map_submit(&conf, &m, &sm, &why), STK_OK);
	m.tpdu_len = 0;
	assert_int_not_equal(smpp_map_submit(&conf, &m, &sm, &why), STK_OK);
}

static void
test_map_deliver(void **state)
{
	uint8_t mem[200];
	struct stk_buf out;
	struct stk_diag d;
	struct smpp_sm sm;
	struct stk_tpdu t;
	char oa[STK_ADDR_TEXT_MAX + 1];

	(void)state;
	memset(&sm, 0, sizeof(sm));
	sm.src_ton = 1;
	sm.src_npi = 1;
	snprintf(sm.src, sizeof(sm.src), "491700000001");
	sm.esm_class = 0x40;
	sm.protocol_id = 0x7f;
	sm.data_coding = 0xf6;
	memcpy(sm.data, "\x02\x71\x00\xaa\xbb", 5);
	sm.len = 5;
	stk_buf_init_fixed(&out, mem, sizeof(mem));
	stk_diag_clear(&d);
	assert_int_equal(smpp_map_deliver(&sm, 1795000000, &out, &d),
	    ESME_ROK);
	assert_int_equal(stk_tpdu_decode(stk_buf_data(&out), stk_buf_len(&out),
	    STK_DIR_SC_TO_MS, &t, &d), STK_OK);
	assert_int_equal(t.type, STK_TPDU_DELIVER);
	assert_int_equal(stk_sms_addr_to_text(&t.addr, oa, sizeof(oa)),
	    STK_OK);
	assert_string_equal(oa, "+491700000001");
	assert_int_equal(t.pid, 0x7f);
	assert_int_equal(t.dcs, 0xf6);
	assert_true(t.udhi);
	assert_int_equal(t.udh_len, 3);
	assert_int_equal(t.body_len, 2);
	assert_memory_equal(t.body, "\xaa\xbb", 2);
	assert_int_equal(t.scts.tz_minutes, 0);

	/* GSM 7-bit (data_coding 0) with an alphanumeric originator. */
	sm.src_ton = 5;
	sm.src_npi = 0;
	snprintf(sm.src, sizeof(sm.src), "Bank");
	sm.esm_class = 0;
	sm.data_coding = 0;
	memcpy(sm.data, "hello", 5);
	stk_buf_init_fixed(&out, mem, sizeof(mem));
	assert_int_equal(smpp_map_deliver(&sm, 1795000000, &out, &d),
	    ESME_ROK);
	assert_int_equal(stk_tpdu_decode(stk_buf_data(&out), stk_buf_len(&out),
	    STK_DIR_SC_TO_MS, &t, &d), STK_OK);
	assert_int_equal(t.dcs, 0);
	assert_memory_equal(t.body, "hello", 5);

	/* Bad input. */
	sm.src[0] = '\0';
	assert_int_equal(smpp_map_deliver(&sm, 1795000000, &out, &d),
	    ESME_RINVSRCADR);
	snprintf(sm.src, sizeof(sm.src), "491700000001");
	sm.src_ton = 1;
	sm.data_coding = 0x05;		/* JIS: not mapped */
	assert_int_equal(smpp_map_deliver(&sm, 1795000000, &out, &d),
	    ESME_RX_P_APPN);
	sm.data_coding = 0x04;
	sm.esm_class = 0x40;
	sm.data[0] = 9;			/* UDHL beyond the data */
	assert_int_equal(smpp_map_deliver(&sm, 1795000000, &out, &d),
	    ESME_RINVMSGLEN);
	sm.len = 200;			/* more than one SMS */
	sm.esm_class = 0;
	memset(sm.data, 0x41, 200);
	assert_int_equal(smpp_map_deliver(&sm, 1795000000, &out, &d),
	    ESME_RINVMSGLEN);
}

static void
test_receipts(void **state)
{
	static const char netsim[] = "id:4711 sub:001 dlvrd:001 submit "
	    "date:2611231943 done date:2611231945 stat:DELIVRD err:000 "
	    "text:Hello phone";
	static const char other[] = "Text:abc Stat:EXPIRED ERR:046 "
	    "ID:0A1B2C done date:261123194512";
	struct smpp_rcpt r;
	bool final;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(smpp_rcpt_parse((const uint8_t *)netsim,
	    strlen(netsim), &r), STK_OK);
	assert_string_equal(r.id, "4711");
	assert_string_equal(r.stat, "DELIVRD");
	assert_true(r.has_err);
	assert_int_equal(r.err, 0);
	assert_int_equal(r.submit_date, 1795462980);	/* 2026-11-23 19:43Z */
	assert_int_equal(r.done_date - r.submit_date, 120);
	assert_int_equal(smpp_rcpt_tp_st(&r, &final), 0x00);
	assert_true(final);

	memset(&r, 0, sizeof(r));
	assert_int_equal(smpp_rcpt_parse((const uint8_t *)other,
	    strlen(other), &r), STK_OK);
	assert_string_equal(r.id, "0A1B2C");
	assert_int_equal(r.err, 46);
	assert_int_equal(r.submit_date, 0);
	assert_int_equal(r.done_date, 1795463112);
	assert_int_equal(smpp_rcpt_tp_st(&r, &final), 0x46);
	/* The TLV wins over the text. */
	r.has_state = true;
	r.state = 8;
	assert_int_equal(smpp_rcpt_tp_st(&r, &final), 0x41);
	r.state = 1;
	assert_int_equal(smpp_rcpt_tp_st(&r, &final), 0x20);
	assert_false(final);

	/* No id anywhere; an id that does not fit; junk. */
	memset(&r, 0, sizeof(r));
	assert_int_equal(smpp_rcpt_parse((const uint8_t *)"stat:DELIVRD", 12,
	    &r), STK_E_INVALID);
	assert_int_equal(smpp_rcpt_parse((const uint8_t *)"xid:5", 5, &r),
	    STK_E_INVALID);
	assert_int_equal(smpp_rcpt_parse((const uint8_t *)"id:\0\xff", 5, &r),
	    STK_E_INVALID);
	assert_int_equal(smpp_rcpt_parse((const uint8_t *)"", 0, &r),
	    STK_E_INVALID);
}

static void
test_status_class(void **state)
{
	(void)state;
	assert_int_equal(smpp_status_class(ESME_RTHROTTLED),
	    TRANSPORT_FAIL_THROTTLED);
	assert_int_equal(smpp_status_class(ESME_RMSGQFUL),
	    TRANSPORT_FAIL_THROTTLED);
	assert_int_equal(smpp_status_class(ESME_RINVDSTADR),
	    TRANSPORT_FAIL_PERMANENT);
	assert_int_equal(smpp_status_class(ESME_RINVESMCLASS),
	    TRANSPORT_FAIL_PERMANENT);
	assert_int_equal(smpp_status_class(ESME_RSYSERR),
	    TRANSPORT_FAIL_TEMPORARY);
	assert_int_equal(smpp_status_class(ESME_RX_T_APPN),
	    TRANSPORT_FAIL_TEMPORARY);
	assert_int_equal(smpp_status_class(0x400), TRANSPORT_FAIL_TEMPORARY);
}

/* ---- the engine ---- */

struct rec {
	unsigned sent, failed, received, links;
	uint64_t last_id;
	char last_ref[80];
	enum transport_fail last_cls;
	char last_reason[80];
	uint8_t tpdu[200];
	size_t tpdu_len;
	int rx_result;
};
static struct rec rec;

static void
r_sent(void *core, uint64_t id, const char *ref)
{
	(void)core;
	rec.sent++;
	rec.last_id = id;
	snprintf(rec.last_ref, sizeof(rec.last_ref), "%s", ref);
}

static void
r_failed(void *core, uint64_t id, enum transport_fail cls,
    const char *reason)
{
	(void)core;
	rec.failed++;
	rec.last_id = id;
	rec.last_cls = cls;
	snprintf(rec.last_reason, sizeof(rec.last_reason), "%s", reason);
}

static int
r_received(void *core, const char *from, const uint8_t *p, size_t n)
{
	(void)core;
	(void)from;
	rec.received++;
	memcpy(rec.tpdu, p, n < sizeof(rec.tpdu) ? n : sizeof(rec.tpdu));
	rec.tpdu_len = n;
	return rec.rx_result;
}

static void
r_link(void *core, const char *name, bool up, const char *why)
{
	(void)core;
	(void)name;
	(void)up;
	(void)why;
	rec.links++;
}

static const struct transport_events rev = {
	r_sent, r_failed, r_received, r_link,
};

/* The PDUs the engine wrote since the last call: ids, statuses, seqs. */
struct outpdu {
	uint32_t id, status, seq, len;
};

static size_t
take_out(struct smpp_link *l, struct outpdu *o, size_t max)
{
	size_t n = 0, off = 0;
	struct smpp_hdr h;

	while (n < max && smpp_frame(stk_buf_data(&l->out) + off,
	    stk_buf_len(&l->out) - off, 65536, &h, NULL) == 1) {
		o[n].id = h.id;
		o[n].status = h.status;
		o[n].seq = h.seq;
		o[n].len = h.len;
		n++;
		off += h.len;
	}
	assert_int_equal(off, stk_buf_len(&l->out));
	stk_buf_reset(&l->out);
	return n;
}

static void
feed(struct smpp_link *l, const struct stk_buf *b, int64_t now)
{
	size_t used;

	smpp_link_input(l, stk_buf_data(b), stk_buf_len(b), now, &used);
	if (l->state != SMPP_LINK_CLOSED)
		assert_int_equal(used, stk_buf_len(b));
}

static void
feed_hdr(struct smpp_link *l, uint32_t id, uint32_t status, uint32_t seq,
    int64_t now)
{
	struct stk_buf b;

	stk_buf_init(&b);
	assert_int_equal(smpp_pack_header_only(&b, id, status, seq), STK_OK);
	feed(l, &b, now);
	stk_buf_free(&b);
}

static void
bound_link(struct smpp_ctx *x, struct smpp_link *l)
{
	struct outpdu o[4];
	struct stk_buf b;

	conf_defaults();
	memset(&rec, 0, sizeof(rec));
	assert_int_equal(smpp_ctx_init(x, &conf, &rev, NULL), STK_OK);
	assert_int_equal(smpp_link_init(l, x, SMPP_ROLE_TRX), STK_OK);
	smpp_link_start(l, 1000);
	assert_int_equal(take_out(l, o, 4), 1);
	assert_int_equal(o[0].id, BIND_TRANSCEIVER);
	assert_int_equal(smpp_link_capacity(l, 1000), 0);
	stk_buf_init(&b);
	assert_int_equal(smpp_pack_bind_resp(&b, BIND_TRANSCEIVER_RESP,
	    ESME_ROK, o[0].seq, "netsim"), STK_OK);
	feed(l, &b, 1001);
	stk_buf_free(&b);
	assert_int_equal(l->state, SMPP_LINK_BOUND);
	assert_int_equal(smpp_link_capacity(l, 1001), 3);
}

static void
unbound(struct smpp_ctx *x, struct smpp_link *l)
{
	smpp_link_free(l);
	smpp_ctx_free(x);
}

static void
submit(struct smpp_link *l, uint64_t id, int64_t now)
{
	uint8_t tp[200];
	struct transport_msg m = { .id = id, .dest = "+37255500001",
	    .tpdu = tp, .status_report = true };

	m.tpdu_len = make_submit(tp, sizeof(tp), 0xf6, false);
	assert_int_equal(smpp_link_submit(l, &m, now), STK_OK);
}

static void
test_link_window(void **state)
{
	struct smpp_ctx x;
	struct smpp_link l;
	struct outpdu o[8];
	struct stk_buf b;

	(void)state;
	bound_link(&x, &l);
	submit(&l, 1, 2000);
	submit(&l, 2, 2000);
	submit(&l, 3, 2000);
	assert_int_equal(smpp_link_capacity(&l, 2000), 0);
	assert_int_equal(take_out(&l, o, 8), 3);
	assert_int_equal(o[0].id, SUBMIT_SM);
	assert_true(o[0].seq != o[1].seq && o[1].seq != o[2].seq);

	/* The second answered first: matched by sequence number. */
	stk_buf_init(&b);
	assert_int_equal(smpp_pack_submit_resp(&b, ESME_ROK, o[1].seq,
	    "1234567"), STK_OK);
	feed(&l, &b, 2100);
	assert_int_equal(rec.sent, 1);
	assert_int_equal(rec.last_id, 2);
	assert_string_equal(rec.last_ref, "1234567");
	assert_int_equal(smpp_link_capacity(&l, 2100), 1);

	/* ESME_RTHROTTLED: failed(THROTTLED) and a pause. */
	stk_buf_reset(&b);
	assert_int_equal(smpp_pack_submit_resp(&b, ESME_RTHROTTLED, o[0].seq,
	    NULL), STK_OK);
	feed(&l, &b, 2100);
	assert_int_equal(rec.failed, 1);
	assert_int_equal(rec.last_id, 1);
	assert_int_equal(rec.last_cls, TRANSPORT_FAIL_THROTTLED);
	assert_string_equal(rec.last_reason, "ESME_RTHROTTLED");
	assert_int_equal(smpp_link_capacity(&l, 2200), 0);
	assert_int_equal(smpp_link_capacity(&l, 2300), 2);

	/* The third times out: failed(TEMPORARY); the late answer is
	 * ignored. */
	smpp_link_tick(&l, 2999);
	assert_int_equal(rec.failed, 1);
	smpp_link_tick(&l, 3000);
	assert_int_equal(rec.failed, 2);
	assert_int_equal(rec.last_id, 3);
	assert_int_equal(rec.last_cls, TRANSPORT_FAIL_TEMPORARY);
	stk_buf_reset(&b);
	assert_int_equal(smpp_pack_submit_resp(&b, ESME_ROK, o[2].seq, "9"),
	    STK_OK);
	feed(&l, &b, 3001);
	assert_int_equal(rec.sent, 1);
	assert_int_equal(rec.failed, 2);

	/* A permanent error by the table; generic_nack for a submit_sm. */
	submit(&l, 4, 3100);
	submit(&l, 5, 3100);
	assert_int_equal(take_out(&l, o, 8), 2);
	stk_buf_reset(&b);
	assert_int_equal(smpp_pack_submit_resp(&b, ESME_RINVDSTADR, o[0].seq,
	    NULL), STK_OK);
	feed(&l, &b, 3200);
	assert_int_equal(rec.last_cls, TRANSPORT_FAIL_PERMANENT);
	assert_string_equal(rec.last_reason, "ESME_RINVDSTADR");
	feed_hdr(&l, GENERIC_NACK, ESME_RINVCMDLEN, o[1].seq, 3200);
	assert_int_equal(rec.failed, 4);
	assert_int_equal(rec.last_id, 5);
	assert_int_equal(rec.last_cls, TRANSPORT_FAIL_PERMANENT);
	assert_int_equal(l.ctx->stats.generic_nack_in, 1);

	/* The link goes down with one in flight: failed(TEMPORARY). */
	submit(&l, 6, 3300);
	smpp_link_down(&l, "connection lost");
	assert_int_equal(rec.failed, 5);
	assert_int_equal(rec.last_id, 6);
	assert_string_equal(rec.last_reason, "connection lost");
	assert_int_equal(smpp_link_capacity(&l, 3300), 0);
	stk_buf_free(&b);
	unbound(&x, &l);
}

static void
test_link_deliver(void **state)
{
	struct smpp_ctx x;
	struct smpp_link l;
	struct outpdu o[4];
	struct smpp_receipt rc;
	struct smpp_sm sm;
	struct stk_buf b;
	struct stk_tpdu t;

	(void)state;
	bound_link(&x, &l);
	memset(&sm, 0, sizeof(sm));
	sm.src_ton = sm.src_npi = sm.dst_ton = sm.dst_npi = 1;
	snprintf(sm.src, sizeof(sm.src), "491700000001");
	snprintf(sm.dst, sizeof(sm.dst), "4912345");
	sm.esm_class = 0x40;
	sm.protocol_id = 0x7f;
	sm.data_coding = 0xf6;
	memcpy(sm.data, "\x02\x71\x00\x01\x02", 5);
	sm.len = 5;
	stk_buf_init(&b);
	assert_int_equal(smpp_pack_deliver(&b, 77, &sm, NULL), STK_OK);
	feed(&l, &b, 2000);
	assert_int_equal(rec.received, 1);
	assert_int_equal(stk_tpdu_decode(rec.tpdu, rec.tpdu_len,
	    STK_DIR_SC_TO_MS, &t, NULL), STK_OK);
	assert_int_equal(t.type, STK_TPDU_DELIVER);
	assert_int_equal(take_out(&l, o, 4), 1);
	assert_int_equal(o[0].id, DELIVER_SM_RESP);
	assert_int_equal(o[0].status, ESME_ROK);
	assert_int_equal(o[0].seq, 77);

	/* Not stored by the core: ESME_RX_T_APPN. */
	rec.rx_result = STK_E_IO;
	feed(&l, &b, 2000);
	assert_int_equal(take_out(&l, o, 4), 1);
	assert_int_equal(o[0].status, ESME_RX_T_APPN);
	rec.rx_result = STK_OK;

	/* The same as message_payload. */
	sm.from_payload = true;
	stk_buf_reset(&b);
	assert_int_equal(smpp_pack_deliver(&b, 78, &sm, NULL), STK_OK);
	feed(&l, &b, 2000);
	assert_int_equal(rec.received, 3);
	assert_int_equal(take_out(&l, o, 4), 1);
	assert_int_equal(o[0].status, ESME_ROK);

	/* A receipt for a message we sent: SMS-STATUS-REPORT, TP-MR =
	 * message_id mod 256, TP-RA the number we sent to. */
	submit(&l, 9, 2000);
	assert_int_equal(take_out(&l, o, 4), 1);
	stk_buf_reset(&b);
	assert_int_equal(smpp_pack_submit_resp(&b, ESME_ROK, o[0].seq, "4711"),
	    STK_OK);
	feed(&l, &b, 2001);
	memset(&rc, 0, sizeof(rc));
	snprintf(rc.id, sizeof(rc.id), "4711");
	rc.sub = rc.dlvrd = 1;
	rc.submit_date = rc.done_date = 1795000000;
	rc.stat = "UNDELIV";
	snprintf(rc.text, sizeof(rc.text), "x");
	snprintf(sm.src, sizeof(sm.src), "37255500001");
	stk_buf_reset(&b);
	assert_int_equal(smpp_pack_deliver(&b, 79, &sm, &rc), STK_OK);
	feed(&l, &b, 2002);
	assert_int_equal(rec.received, 4);
	assert_int_equal(stk_tpdu_decode(rec.tpdu, rec.tpdu_len,
	    STK_DIR_SC_TO_MS, &t, NULL), STK_OK);
	assert_int_equal(t.type, STK_TPDU_STATUS_REPORT);
	assert_int_equal(t.mr, 4711 % 256);
	assert_int_equal(t.st, 0x40);
	assert_string_equal(t.addr.digits, "37255500001");
	assert_int_equal(take_out(&l, o, 4), 1);
	assert_int_equal(o[0].status, ESME_ROK);

	/* A receipt whose id is not decimal cannot be matched: acked,
	 * dropped, counted. */
	snprintf(rc.id, sizeof(rc.id), "a1b2");
	stk_buf_reset(&b);
	assert_int_equal(smpp_pack_deliver(&b, 80, &sm, &rc), STK_OK);
	feed(&l, &b, 2003);
	assert_int_equal(rec.received, 4);
	assert_int_equal(x.stats.rcpt_unmatched, 1);
	assert_int_equal(take_out(&l, o, 4), 1);
	assert_int_equal(o[0].status, ESME_ROK);
	stk_buf_free(&b);
	unbound(&x, &l);
}

/* Raw PDUs: header fields and body bytes as given. */
static void
raw_pdu(struct stk_buf *b, uint32_t id, uint32_t seq, const char *body_hex)
{
	struct stk_buf body;

	stk_buf_init(&body);
	assert_int_equal(stk_hex_decode(body_hex, &body), STK_OK);
	stk_buf_reset(b);
	stk_buf_add_u32(b, (uint32_t)(16 + stk_buf_len(&body)));
	stk_buf_add_u32(b, id);
	stk_buf_add_u32(b, 0);
	stk_buf_add_u32(b, seq);
	stk_buf_add_bytes(b, stk_buf_data(&body), stk_buf_len(&body));
	stk_buf_free(&body);
}

static void
test_link_bad_input(void **state)
{
	/* deliver_sm body (§4.6.1) up to sm_length, then what follows. */
	static const char head[] = "00" "0101" "34393100" "0101" "343900"
	    "040000" "00" "00" "0100" "00" "00";
	struct smpp_ctx x;
	struct smpp_link l;
	struct outpdu o[4];
	struct stk_buf b;
	char hex[256];

	(void)state;
	bound_link(&x, &l);
	stk_buf_init(&b);

	/* Truncated body: deliver_sm_resp ESME_RINVCMDLEN, link stays. */
	raw_pdu(&b, DELIVER_SM, 5, "0001013439");
	feed(&l, &b, 2000);
	assert_int_equal(take_out(&l, o, 4), 1);
	assert_int_equal(o[0].id, DELIVER_SM_RESP);
	assert_int_equal(o[0].status, ESME_RINVCMDLEN);
	assert_int_equal(rec.received, 0);
	assert_int_equal(l.state, SMPP_LINK_BOUND);

	/* A receipt whose message_state has 2 octets: ESME_RINVPARLEN. */
	snprintf(hex, sizeof(hex), "%s" "00" "0427000201" "02", head);
	hex[2 + 4 + 8 + 4 + 6] = '0';
	raw_pdu(&b, DELIVER_SM, 6, hex);
	/* esm_class 0x04 (receipt) */
	b.data[16 + 1 + 2 + 4 + 2 + 3] = 0x04;
	feed(&l, &b, 2000);
	assert_int_equal(take_out(&l, o, 4), 1);
	assert_int_equal(o[0].status, ESME_RINVPARLEN);

	/* An optional parameter cut off. */
	snprintf(hex, sizeof(hex), "%s" "00" "0427", head);
	raw_pdu(&b, DELIVER_SM, 7, hex);
	feed(&l, &b, 2000);
	assert_int_equal(take_out(&l, o, 4), 1);
	assert_int_not_equal(o[0].status, ESME_ROK);

	/* enquire_link is answered; with a body it is generic_nack. */
	feed_hdr(&l, ENQUIRE_LINK, 0, 8, 2000);
	assert_int_equal(take_out(&l, o, 4), 1);
	assert_int_equal(o[0].id, ENQUIRE_LINK_RESP);
	raw_pdu(&b, ENQUIRE_LINK, 9, "00");
	feed(&l, &b, 2000);
	assert_int_equal(take_out(&l, o, 4), 1);
	assert_int_equal(o[0].id, GENERIC_NACK);
	assert_int_equal(o[0].status, ESME_RINVCMDLEN);

	/* Unknown and unoffered requests: generic_nack ESME_RINVCMDID; a
	 * stray response is only counted. */
	raw_pdu(&b, 0x00000777, 10, "");
	feed(&l, &b, 2000);
	raw_pdu(&b, DATA_SM, 11, "00");
	feed(&l, &b, 2000);
	assert_int_equal(take_out(&l, o, 4), 2);
	assert_int_equal(o[0].id, GENERIC_NACK);
	assert_int_equal(o[0].status, ESME_RINVCMDID);
	assert_int_equal(o[1].seq, 11);
	feed_hdr(&l, QUERY_SM_RESP, 0, 12, 2000);
	assert_int_equal(take_out(&l, o, 4), 0);
	assert_int_equal(x.stats.unknown_pdu, 3);

	/* command_length above the cap: generic_nack, link closed. */
	stk_buf_reset(&b);
	stk_buf_add_u32(&b, 5000);
	stk_buf_add_u32(&b, DELIVER_SM);
	feed(&l, &b, 2000);
	assert_int_equal(l.state, SMPP_LINK_CLOSED);
	assert_string_equal(l.why, "bad framing");
	assert_int_equal(x.stats.bad_framing, 1);
	unbound(&x, &l);

	/* Below 16 before the bind. */
	bound_link(&x, &l);
	smpp_link_down(&l, "test");
	smpp_link_start(&l, 1000);
	(void)take_out(&l, o, 4);
	stk_buf_reset(&b);
	stk_buf_add_u32(&b, 8);
	stk_buf_add_u32(&b, 0);
	feed(&l, &b, 1000);
	assert_int_equal(l.state, SMPP_LINK_CLOSED);
	/* A bind_resp of 300 octets is above the unbound cap. */
	smpp_link_down(&l, "test");
	smpp_link_start(&l, 1000);
	(void)take_out(&l, o, 4);
	stk_buf_reset(&b);
	stk_buf_add_u32(&b, 300);
	feed(&l, &b, 1000);
	assert_int_equal(l.state, SMPP_LINK_CLOSED);
	stk_buf_free(&b);
	unbound(&x, &l);
}

static void
test_link_session(void **state)
{
	struct smpp_ctx x;
	struct smpp_link l;
	struct outpdu o[4];

	(void)state;
	/* A refused bind closes with a reason. */
	conf_defaults();
	memset(&rec, 0, sizeof(rec));
	assert_int_equal(smpp_ctx_init(&x, &conf, &rev, NULL), STK_OK);
	assert_int_equal(smpp_link_init(&l, &x, SMPP_ROLE_TX), STK_OK);
	smpp_link_start(&l, 0);
	assert_int_equal(take_out(&l, o, 4), 1);
	assert_int_equal(o[0].id, BIND_TRANSMITTER);
	feed_hdr(&l, BIND_TRANSMITTER_RESP, ESME_RINVPASWD, o[0].seq, 10);
	assert_int_equal(l.state, SMPP_LINK_CLOSED);
	assert_string_equal(l.why, "bind refused");
	assert_int_equal(x.stats.binds_refused, 1);
	/* No bind_resp at all: bind timeout (10 s default). */
	smpp_link_down(&l, "x");
	smpp_link_start(&l, 0);
	assert_int_equal(take_out(&l, o, 4), 1);
	smpp_link_tick(&l, 9999);
	assert_int_equal(l.state, SMPP_LINK_BINDING);
	smpp_link_tick(&l, 10000);
	assert_int_equal(l.state, SMPP_LINK_CLOSED);
	assert_string_equal(l.why, "bind timeout");
	unbound(&x, &l);

	/* Idle: enquire_link after 5 s; unanswered: closed after 1 s. */
	bound_link(&x, &l);
	smpp_link_tick(&l, 5000);
	assert_int_equal(take_out(&l, o, 4), 0);
	smpp_link_tick(&l, 6001);
	assert_int_equal(take_out(&l, o, 4), 1);
	assert_int_equal(o[0].id, ENQUIRE_LINK);
	feed_hdr(&l, ENQUIRE_LINK_RESP, 0, o[0].seq, 6500);
	smpp_link_tick(&l, 7600);
	assert_int_equal(l.state, SMPP_LINK_BOUND);
	smpp_link_tick(&l, 11500);
	assert_int_equal(take_out(&l, o, 4), 1);
	smpp_link_tick(&l, 12500);
	assert_int_equal(l.state, SMPP_LINK_CLOSED);
	assert_string_equal(l.why, "enquire_link timeout");
	unbound(&x, &l);

	/* The SMSC unbinds: unbind_resp, then closed; ours: unbind. */
	bound_link(&x, &l);
	submit(&l, 1, 2000);
	(void)take_out(&l, o, 4);
	feed_hdr(&l, UNBIND, 0, 33, 2000);
	assert_int_equal(take_out(&l, o, 4), 1);
	assert_int_equal(o[0].id, UNBIND_RESP);
	assert_int_equal(o[0].seq, 33);
	assert_int_equal(l.state, SMPP_LINK_CLOSED);
	smpp_link_down(&l, l.why);
	assert_int_equal(rec.failed, 1);
	assert_string_equal(rec.last_reason, "the SMSC unbound");
	unbound(&x, &l);
	bound_link(&x, &l);
	smpp_link_unbind(&l, 3000);
	assert_int_equal(take_out(&l, o, 4), 1);
	assert_int_equal(o[0].id, UNBIND);
	assert_int_equal(l.state, SMPP_LINK_UNBINDING);
	assert_int_equal(smpp_link_capacity(&l, 3000), 0);
	feed_hdr(&l, UNBIND_RESP, 0, o[0].seq, 3001);
	assert_int_equal(l.state, SMPP_LINK_CLOSED);
	assert_string_equal(l.why, "unbound");
	unbound(&x, &l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf),
		cmocka_unit_test(test_conf_password_file),
		cmocka_unit_test(test_data_coding),
		cmocka_unit_test(test_map_submit),
		cmocka_unit_test(test_map_deliver),
		cmocka_unit_test(test_receipts),
		cmocka_unit_test(test_status_class),
		cmocka_unit_test(test_link_window),
		cmocka_unit_test(test_link_deliver),
		cmocka_unit_test(test_link_bad_input),
		cmocka_unit_test(test_link_session),
	};

	stk_log_init("test_bridge_smpp", STK_LOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
