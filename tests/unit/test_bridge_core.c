/*
 * test_bridge_core.c - the bridge core's stores and packets:
 * smsc-bridge/keystore.c (mode 0600, enrol/replace/delete, counters),
 * queue.c (jobs, outbox, inbox sets, posts, recovery), sms.c (an auth
 * request wrapped into SMS-SUBMIT and opened again as a card would; the
 * card's answer opened by the bridge; replay, wrong key, bad TPDUs) and
 * config.c (errors with FILE:LINE).
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

#include "bridge.h"
#include "keystore.h"
#include "ota.h"
#include "support_tmpdir.h"
#include "tpdu.h"

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	assert_int_equal(tmpdir_make(dir, sizeof(dir), "bridge-core"), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	assert_int_equal(tmpdir_remove(dir), 0);
	return 0;
}

static void
card_a(struct ks_card *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->iccid, sizeof(c->iccid), "8944100000000123456");
	snprintf(c->msisdn, sizeof(c->msisdn), "+37255500001");
	memcpy(c->tar, "\x53\x54\x4B", 3);
	c->spi = KS_SPI_DEFAULT;
	c->cmd_kvn = 1;
	c->nkeysets = 1;
	c->ks[0].kvn = 1;
	c->ks[0].kic = 0x12;		/* AES-CBC, key version 1 */
	c->ks[0].kid = 0x12;		/* AES-CMAC */
	c->ks[0].kic_len = 16;
	c->ks[0].kid_len = 16;
	for (int i = 0; i < 16; i++) {
		c->ks[0].kic_key[i] = (uint8_t)i;
		c->ks[0].kid_key[i] = (uint8_t)(0x10 + i);
	}
}

static struct keystore *
open_ks(void)
{
	char path[128], err[256];
	struct keystore *ks;

	snprintf(path, sizeof(path), "%s/ks.db", dir);
	assert_int_equal(keystore_open(path, &ks, err, sizeof(err)), STK_OK);
	return ks;
}

static void
test_keystore_mode(void **state)
{
	char path[128], err[256];
	struct keystore *ks;
	struct stat st;

	(void)state;
	ks = open_ks();
	keystore_close(ks);
	snprintf(path, sizeof(path), "%s/ks.db", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	chmod(path, 0640);
	assert_int_equal(keystore_open(path, &ks, err, sizeof(err)),
	    STK_E_STATE);
	assert_null(ks);
	assert_non_null(strstr(err, "chmod 600"));
	chmod(path, 0600);
}

static void
test_keystore_put_get(void **state)
{
	struct keystore *ks = open_ks();
	struct ks_card c, g, b;
	char err[256];
	long n;

	(void)state;
	card_a(&c);
	assert_int_equal(keystore_card_put(ks, &c, false, err, sizeof(err)),
	    STK_OK);
	assert_int_equal(keystore_card_put(ks, &c, false, err, sizeof(err)),
	    STK_E_DUPLICATE);
	assert_int_equal(keystore_card_get_by_msisdn(ks, "+37255500001", &g),
	    STK_OK);
	assert_string_equal(g.iccid, c.iccid);
	assert_int_equal(g.spi, KS_SPI_DEFAULT);
	assert_int_equal(g.nkeysets, 1);
	assert_memory_equal(g.ks[0].kid_key, c.ks[0].kid_key, 16);
	assert_int_equal(keystore_card_get_by_iccid(ks, "8944100000000999999",
	    &g), STK_E_NOT_FOUND);
	/* Another card with the same MSISDN: refused, nothing stored. */
	b = c;
	snprintf(b.iccid, sizeof(b.iccid), "8944100000000123464");
	assert_int_equal(keystore_card_put(ks, &b, false, err, sizeof(err)),
	    STK_E_DUPLICATE);
	assert_int_equal(keystore_count(ks, &n), STK_OK);
	assert_int_equal(n, 1);
	/* Bad fields name themselves. */
	b = c;
	snprintf(b.msisdn, sizeof(b.msisdn), "37255500001");
	assert_int_equal(keystore_card_put(ks, &b, true, err, sizeof(err)),
	    STK_E_INVALID);
	assert_non_null(strstr(err, "msisdn"));
	b = c;
	b.ks[0].kic_len = 5;		/* no AES key of 5 octets */
	assert_int_equal(ks_card_check(&b, err, sizeof(err)), STK_E_INVALID);
	b = c;
	b.ks[0].kic = 0x22;		/* version 2 in a key set 1 */
	assert_int_equal(ks_card_check(&b, err, sizeof(err)), STK_E_INVALID);
	b = c;
	b.spi = 0xC000;			/* reserved bits */
	assert_int_equal(ks_card_check(&b, err, sizeof(err)), STK_E_INVALID);
	b = c;
	b.cmd_kvn = 3;
	assert_int_equal(ks_card_check(&b, err, sizeof(err)), STK_E_INVALID);
	assert_int_equal(keystore_card_delete(ks, c.iccid), STK_OK);
	assert_int_equal(keystore_card_delete(ks, c.iccid), STK_E_NOT_FOUND);
	keystore_close(ks);
}

static void
test_keystore_counters(void **state)
{
	struct keystore *ks = open_ks();
	struct ks_card c, g;
	uint64_t v;
	char err[256];

	(void)state;
	card_a(&c);
	assert_int_equal(keystore_card_put(ks, &c, true, err, sizeof(err)),
	    STK_OK);
	assert_int_equal(keystore_counter_next(ks, c.iccid, 1, &v), STK_OK);
	assert_int_equal(v, 1);
	assert_int_equal(keystore_counter_next(ks, c.iccid, 1, &v), STK_OK);
	assert_int_equal(v, 2);
	assert_int_equal(keystore_counter_next(ks, c.iccid, 2, &v),
	    STK_E_NOT_FOUND);
	assert_int_equal(keystore_counter_seen(ks, c.iccid, 1, 5), STK_OK);
	assert_int_equal(keystore_counter_seen(ks, c.iccid, 1, 5),
	    STK_E_REPLAY);
	assert_int_equal(keystore_counter_seen(ks, c.iccid, 1, 4),
	    STK_E_REPLAY);
	assert_int_equal(keystore_counter_seen(ks, c.iccid, 1, 6), STK_OK);
	/* Replacing keeps the higher counters. */
	c.ks[0].kid_key[0] ^= 0xFF;
	assert_int_equal(keystore_card_put(ks, &c, true, err, sizeof(err)),
	    STK_OK);
	assert_int_equal(keystore_card_get_by_iccid(ks, c.iccid, &g), STK_OK);
	assert_int_equal(g.ks[0].tx_cntr, 2);
	assert_int_equal(g.ks[0].rx_cntr, 6);
	assert_int_equal(g.ks[0].kid_key[0], c.ks[0].kid_key[0]);
	/* Exhausted. */
	c.ks[0].tx_cntr = STK_OTA_CNTR_MAX;
	assert_int_equal(keystore_card_put(ks, &c, true, err, sizeof(err)),
	    STK_OK);
	assert_int_equal(keystore_counter_next(ks, c.iccid, 1, &v),
	    STK_E_REPLAY);
	keystore_close(ks);
}

/* Re-key: new key sets, counters as given, old row replaced at once. */
static void
test_keystore_rekey(void **state)
{
	struct keystore *ks = open_ks();
	struct ks_card c, g, b;
	uint64_t v;
	char err[256];
	long n;

	(void)state;
	card_a(&c);
	/* a card not stored yet (the store is shared with the tests above)
	 * is enrolled */
	(void)keystore_card_delete(ks, c.iccid);
	assert_int_equal(keystore_card_rekey(ks, &c, err, sizeof(err)),
	    STK_OK);
	assert_int_equal(keystore_counter_next(ks, c.iccid, 1, &v), STK_OK);
	assert_int_equal(keystore_counter_next(ks, c.iccid, 1, &v), STK_OK);
	assert_int_equal(keystore_counter_seen(ks, c.iccid, 1, 9), STK_OK);
	/* personalised again: key set 2 only, new keys, counters reset */
	c.cmd_kvn = 2;
	c.ks[0].kvn = 2;
	c.ks[0].kic = 0x22;
	c.ks[0].kid = 0x22;
	c.ks[0].kid_key[0] ^= 0xFF;
	assert_int_equal(keystore_card_rekey(ks, &c, err, sizeof(err)),
	    STK_OK);
	assert_int_equal(keystore_card_get_by_iccid(ks, c.iccid, &g), STK_OK);
	assert_int_equal(g.nkeysets, 1);
	assert_int_equal(g.cmd_kvn, 2);
	assert_int_equal(g.ks[0].kvn, 2);
	assert_int_equal(g.ks[0].tx_cntr, 0);
	assert_int_equal(g.ks[0].rx_cntr, 0);
	assert_int_equal(g.ks[0].kid_key[0], c.ks[0].kid_key[0]);
	assert_int_equal(keystore_counter_next(ks, c.iccid, 1, &v),
	    STK_E_NOT_FOUND);
	/* the card's first answer after the re-key is no replay */
	assert_int_equal(keystore_counter_seen(ks, c.iccid, 2, 1), STK_OK);
	/* the same key version again: counters reset, unlike replace */
	assert_int_equal(keystore_counter_next(ks, c.iccid, 2, &v), STK_OK);
	assert_int_equal(keystore_card_rekey(ks, &c, err, sizeof(err)),
	    STK_OK);
	assert_int_equal(keystore_card_get_by_iccid(ks, c.iccid, &g), STK_OK);
	assert_int_equal(g.ks[0].tx_cntr, 0);
	assert_int_equal(g.ks[0].rx_cntr, 0);
	/* counters given are stored as given */
	c.ks[0].tx_cntr = 7;
	c.ks[0].rx_cntr = 3;
	assert_int_equal(keystore_card_rekey(ks, &c, err, sizeof(err)),
	    STK_OK);
	assert_int_equal(keystore_card_get_by_iccid(ks, c.iccid, &g), STK_OK);
	assert_int_equal(g.ks[0].tx_cntr, 7);
	assert_int_equal(g.ks[0].rx_cntr, 3);
	/* another card's MSISDN: refused, the old row is untouched */
	b = c;
	snprintf(b.iccid, sizeof(b.iccid), "8944100000000123464");
	snprintf(b.msisdn, sizeof(b.msisdn), "+37255500002");
	b.ks[0].tx_cntr = 0;
	b.ks[0].rx_cntr = 0;
	assert_int_equal(keystore_card_put(ks, &b, false, err, sizeof(err)),
	    STK_OK);
	b.ks[0].tx_cntr = 11;
	snprintf(b.msisdn, sizeof(b.msisdn), "+37255500001");
	assert_int_equal(keystore_card_rekey(ks, &b, err, sizeof(err)),
	    STK_E_DUPLICATE);
	assert_non_null(strstr(err, "+37255500001"));
	assert_int_equal(keystore_card_get_by_iccid(ks, b.iccid, &g), STK_OK);
	assert_string_equal(g.msisdn, "+37255500002");
	assert_int_equal(g.ks[0].tx_cntr, 0);
	assert_int_equal(keystore_count(ks, &n), STK_OK);
	assert_int_equal(n, 2);
	/* a bad field: nothing written */
	b.spi = 0xC000;
	assert_int_equal(keystore_card_rekey(ks, &b, err, sizeof(err)),
	    STK_E_INVALID);
	keystore_close(ks);
}

/* The card's side: open the SMS-SUBMIT's command packet. */
static int
card_lookup(void *arg, const uint8_t tar[3], uint8_t kic, uint8_t kid,
    struct stk_ota_rx_keys *keys)
{
	const struct ks_card *c = arg;

	(void)kic;
	(void)kid;
	if (memcmp(tar, c->tar, 3) != 0)
		return STK_E_NOT_FOUND;
	memset(keys, 0, sizeof(*keys));
	keys->kic.len = 16;
	memcpy(keys->kic.key, c->ks[0].kic_key, 16);
	keys->kid.len = 16;
	memcpy(keys->kid.key, c->ks[0].kid_key, 16);
	keys->counter = 0;
	keys->msl.integrity = STK_OTA_INTEG_CC;
	keys->msl.ciphering = true;
	keys->msl.cntr = STK_OTA_CNTR_HIGHER;
	return STK_OK;
}

static void
test_sms_command_roundtrip(void **state)
{
	struct ks_card c;
	struct stk_buf tp[4];
	struct stk_tpdu t;
	struct stk_ota_command cmd;
	uint8_t req[98], st;
	size_t n;

	(void)state;
	card_a(&c);
	for (size_t i = 0; i < sizeof(req); i++)
		req[i] = (uint8_t)i;
	assert_int_equal(sms_build_command(&c, 7, req, sizeof(req),
	    "+37255500001", true, 120, 7, tp, 4, &n), STK_OK);
	assert_int_equal(n, 1);		/* PROTOCOL.md §2.1: one SMS */
	assert_int_equal(stk_tpdu_decode(stk_buf_data(&tp[0]),
	    stk_buf_len(&tp[0]), STK_DIR_MS_TO_SC, &t, NULL), STK_OK);
	assert_int_equal(t.type, STK_TPDU_SUBMIT);
	assert_int_equal(t.pid, 0x7F);
	assert_int_equal(t.dcs, 0xF6);
	assert_true(t.udhi && t.srr);
	assert_int_equal(t.vpf, STK_VPF_RELATIVE);
	assert_memory_equal(t.udh, "\x02\x70\x00", 3);
	memset(&cmd, 0, sizeof(cmd));
	assert_int_equal(stk_ota_unwrap_command(t.body, t.body_len,
	    card_lookup, &c, &cmd, &st, NULL), STK_OK);
	assert_int_equal(cmd.cntr, 7);
	assert_int_equal(cmd.spi_raw, KS_SPI_DEFAULT);
	assert_true(cmd.spi.ciphering);
	assert_int_equal(cmd.data_len, sizeof(req));
	assert_memory_equal(cmd.data, req, sizeof(req));
	stk_ota_command_free(&cmd);
	stk_buf_free(&tp[0]);
	/* 99 octets need two SMS with AES; a too small list is refused. */
	{
		uint8_t big[120] = { 0 };

		assert_int_equal(sms_build_command(&c, 8, big, sizeof(big),
		    "+37255500001", false, 0, 8, tp, 1, &n), STK_E_TOO_LONG);
	}
}

/* The card's answer (docs/SIM.md: SPI 1600, same key set). */
static void
card_packet(const struct ks_card *c, uint64_t cntr, const uint8_t *data,
    size_t len, struct stk_buf *out)
{
	struct stk_ota_cmd_params p;
	struct stk_ota_key kic, kid;

	memset(&p, 0, sizeof(p));
	memset(&kic, 0, sizeof(kic));
	memset(&kid, 0, sizeof(kid));
	kic.len = kid.len = 16;
	memcpy(kic.key, c->ks[0].kic_key, 16);
	memcpy(kid.key, c->ks[0].kid_key, 16);
	p.spi = 0x1600;
	p.kic = 0x12;
	p.kid = 0x12;
	memcpy(p.tar, c->tar, 3);
	p.cntr = cntr;
	p.kic_key = &kic;
	p.kid_key = &kid;
	stk_buf_init(out);
	assert_int_equal(stk_ota_wrap_command(&p, data, len, out), STK_OK);
}

static void
test_sms_open_card_packet(void **state)
{
	struct ks_card c, wrong;
	struct sms_open o;
	struct stk_buf pkt;
	uint8_t data[40];

	(void)state;
	card_a(&c);
	memset(data, 0xA5, sizeof(data));
	card_packet(&c, 3, data, sizeof(data), &pkt);
	assert_int_equal(sms_open_command(&c, stk_buf_data(&pkt),
	    stk_buf_len(&pkt), &o, NULL), STK_OK);
	assert_int_equal(o.cntr, 3);
	assert_int_equal(o.kvn, 1);
	assert_int_equal(o.data_len, sizeof(data));
	assert_memory_equal(o.data, data, sizeof(data));
	sms_open_clear(&o);
	/* Counter not higher than the stored one: replay. */
	c.ks[0].rx_cntr = 3;
	assert_int_equal(sms_open_command(&c, stk_buf_data(&pkt),
	    stk_buf_len(&pkt), &o, NULL), STK_E_REPLAY);
	assert_int_equal(o.status, STK_OTA_ST_CNTR_LOW);
	sms_open_clear(&o);
	/* Wrong KID key: CC fails. */
	c.ks[0].rx_cntr = 0;
	wrong = c;
	wrong.ks[0].kid_key[3] ^= 1;
	assert_int_equal(sms_open_command(&wrong, stk_buf_data(&pkt),
	    stk_buf_len(&pkt), &o, NULL), STK_E_VERIFY);
	sms_open_clear(&o);
	/* Another TAR. */
	wrong = c;
	wrong.tar[2] ^= 1;
	assert_int_equal(sms_open_command(&wrong, stk_buf_data(&pkt),
	    stk_buf_len(&pkt), &o, NULL), STK_E_NOT_FOUND);
	sms_open_clear(&o);
	/* Every truncation is refused. */
	for (size_t n = 0; n < stk_buf_len(&pkt); n++) {
		assert_int_not_equal(sms_open_command(&c, stk_buf_data(&pkt),
		    n, &o, NULL), STK_OK);
		sms_open_clear(&o);
	}
	stk_buf_free(&pkt);
}

static void
test_sms_in_decode(void **state)
{
	/* SMS-DELIVER from +37255500001, PID 00, DCS 04, UDH 027000 */
	static const uint8_t deliver[] = {
		0x44, 0x0B, 0x91, 0x73, 0x52, 0x55, 0x00, 0x00, 0xF1,
		0x00, 0x04, 0x62, 0x11, 0x32, 0x91, 0x83, 0x00, 0x40,
		0x05, 0x02, 0x70, 0x00, 0xAA, 0xBB,
	};
	struct sms_in in;
	struct stk_diag d;

	(void)state;
	assert_int_equal(sms_in_decode(deliver, sizeof(deliver), &in, &d),
	    STK_OK);
	assert_int_equal(in.kind, SMS_IN_SINGLE);
	assert_int_equal(in.iei, 0x70);
	assert_string_equal(in.orig, "+37255500001");
	assert_int_equal(in.body_len, 2);
	sms_in_clear(&in);
	/* Truncated anywhere, trailing byte: refused with a field. */
	for (size_t n = 0; n < sizeof(deliver); n++) {
		stk_diag_clear(&d);
		assert_int_not_equal(sms_in_decode(deliver, n, &in, &d),
		    STK_OK);
		assert_non_null(d.field);
	}
	{
		uint8_t more[sizeof(deliver) + 1];

		memcpy(more, deliver, sizeof(deliver));
		more[sizeof(deliver)] = 0;
		assert_int_equal(sms_in_decode(more, sizeof(more), &in, &d),
		    STK_E_TRAILING);
	}
}

static void
test_queue_flow(void **state)
{
	char path[128], err[256];
	struct queue *q;
	struct q_job j, g;
	struct q_msg m, due[4];
	struct q_post p;
	uint64_t id, first;
	uint8_t iei;
	int was, n, un;

	(void)state;
	snprintf(path, sizeof(path), "%s/q.db", dir);
	assert_int_equal(queue_open(path, &q, err, sizeof(err)), STK_OK);
	memset(&j, 0, sizeof(j));
	snprintf(j.job_id, sizeof(j.job_id), "J1");
	snprintf(j.session_id, sizeof(j.session_id), "J1");
	snprintf(j.msisdn, sizeof(j.msisdn), "+37255500001");
	snprintf(j.iccid, sizeof(j.iccid), "8944100000000123456");
	snprintf(j.lease_id, sizeof(j.lease_id), "L1");
	j.request_len = 3;
	j.lease_expires_ms = bridge_now_ms() + 10000;
	j.expires_ms = bridge_now_ms() + 60000;
	assert_int_equal(queue_job_put(q, &j, &was), STK_OK);
	assert_int_equal(was, -1);
	j.cntr = 9;
	assert_int_equal(queue_job_set_built(q, &j), STK_OK);
	memset(&m, 0, sizeof(m));
	snprintf(m.job_id, sizeof(m.job_id), "J1");
	snprintf(m.dest, sizeof(m.dest), "+37255500001");
	m.tpdu_len = 5;
	assert_int_equal(queue_msg_add(q, &m, &id), STK_OK);
	assert_int_equal(queue_msgs_due(q, bridge_now_ms(), due, 4), 1);
	assert_int_equal(queue_msg_inflight(q, id, "t1"), STK_OK);
	assert_int_equal(queue_msgs_due(q, bridge_now_ms(), due, 4), 0);
	/* A crash with the message in flight: requeued, attempt kept. */
	assert_int_equal(queue_msgs_recover(q, &n), STK_OK);
	assert_int_equal(n, 1);
	assert_int_equal(queue_msgs_due(q, bridge_now_ms(), due, 4), 1);
	assert_int_equal(due[0].attempts, 1);
	assert_int_equal(queue_msg_inflight(q, id, "t1"), STK_OK);
	assert_int_equal(queue_msg_sent(q, id, "300"), STK_OK);
	assert_int_equal(queue_job_unsent(q, "J1", &un), STK_OK);
	assert_int_equal(un, 0);
	/* TP-MR 300 mod 256 = 44 matches the SMSC reference 300. */
	assert_int_equal(queue_msg_by_ref(q, "t1", NULL, 44, "+37255500001",
	    &m), STK_OK);
	assert_int_equal(queue_msg_by_ref(q, "t1", "", 45, "+37255500001",
	    &m), STK_E_NOT_FOUND);
	/* A modem of a pool: reference "UNIT:MR", report from "t1/UNIT". */
	assert_int_equal(queue_msg_add(q, &m, &id), STK_OK);
	assert_int_equal(queue_msg_inflight(q, id, "t1"), STK_OK);
	assert_int_equal(queue_msg_sent(q, id, "gsm1:7"), STK_OK);
	assert_int_equal(queue_msg_by_ref(q, "t1", "gsm1", 7, "+37255500001",
	    &m), STK_OK);
	assert_int_equal(m.id, id);
	assert_int_equal(queue_msg_by_ref(q, "t1", "gsm0", 7, "+37255500001",
	    &m), STK_E_NOT_FOUND);
	assert_int_equal(queue_msg_by_ref(q, "t1", NULL, 7, "+37255500001",
	    &m), STK_E_NOT_FOUND);
	assert_int_equal(queue_msg_by_ref(q, "t1", "gsm", 7, "+37255500001",
	    &m), STK_E_NOT_FOUND);
	assert_int_equal(queue_job_by_cntr(q, j.iccid, 9, &g), STK_OK);
	assert_string_equal(g.job_id, "J1");
	/* Re-claimed after we gave it up: READY again, new lease. */
	assert_int_equal(queue_job_set_state(q, "J1", QJ_ABANDONED), STK_OK);
	snprintf(j.lease_id, sizeof(j.lease_id), "L2");
	assert_int_equal(queue_job_put(q, &j, &was), STK_OK);
	assert_int_equal(was, QJ_ABANDONED);
	assert_int_equal(queue_job_get(q, "J1", &g), STK_OK);
	assert_int_equal(g.state, QJ_READY);
	assert_string_equal(g.lease_id, "L2");
	/* Posts go in order. */
	assert_int_equal(queue_post_add(q, QP_ACK, "J1", "/a", "{}", NULL),
	    STK_OK);
	assert_int_equal(queue_post_add(q, QP_DELIVERY, "J1", "/d", "{}",
	    NULL), STK_OK);
	assert_int_equal(queue_post_next(q, bridge_now_ms(), &p), STK_OK);
	assert_string_equal(p.path, "/a");
	assert_int_equal(queue_post_done(q, p.id, QP_OK, 200), STK_OK);
	q_post_clear(&p);
	assert_int_equal(queue_post_next(q, bridge_now_ms(), &p), STK_OK);
	assert_string_equal(p.path, "/d");
	assert_int_equal(queue_post_retry(q, p.id, bridge_now_ms() + 60000),
	    STK_OK);
	q_post_clear(&p);
	assert_int_equal(queue_post_next(q, bridge_now_ms(), &p),
	    STK_E_NOT_FOUND);
	/* Inbox set: two segments closed together. */
	assert_int_equal(queue_in_add(q, "t1", (const uint8_t *)"x", 1, 0,
	    &id), STK_OK);
	assert_int_equal(queue_in_set_segment(q, id, "+1", 5, 2, 2, 0),
	    STK_OK);
	assert_int_equal(queue_in_add(q, "t1", (const uint8_t *)"y", 1, 0,
	    &first), STK_OK);
	assert_int_equal(queue_in_set_segment(q, first, "+1", 5, 2, 1, 0x70),
	    STK_OK);
	assert_int_equal(queue_in_close_set(q, "+1", 5, 2, QI_DONE, &first,
	    &iei), STK_OK);
	assert_int_equal(first, id);
	assert_int_equal(iei, 0x70);
	assert_int_equal(queue_in_ids(q, QI_SEGMENT, 0, &first, 1), 0);
	/* Segments kept across a restart are read page by page by id,
	 * however many there are. */
	for (int i = 0; i < 5; i++) {
		assert_int_equal(queue_in_add(q, "t1", (const uint8_t *)"z", 1,
		    0, &id), STK_OK);
		assert_int_equal(queue_in_set_segment(q, id, "+2", 9, 8,
		    (unsigned)i + 1, 0), STK_OK);
	}
	{
		uint64_t page[2], after = 0;
		int got = 0, k;

		while ((k = queue_in_ids(q, QI_SEGMENT, after, page, 2)) > 0) {
			got += k;
			after = page[k - 1];
		}
		assert_int_equal(k, 0);
		assert_int_equal(got, 5);
		assert_int_equal(after, id);
	}
	queue_close(q);
}

static void
test_config_errors(void **state)
{
	struct bridge_config *cfg = calloc(1, sizeof(*cfg));
	char path[128], tok[128], err[512];
	FILE *f;

	(void)state;
	assert_non_null(cfg);
	snprintf(tok, sizeof(tok), "%s/tok", dir);
	f = fopen(tok, "w");
	fputs("br_abc\n", f);
	fclose(f);
	chmod(tok, 0600);
	snprintf(path, sizeof(path), "%s/b.ini", dir);
	f = fopen(path, "w");
	fprintf(f, "[bridge]\nserver_url = http://127.0.0.1:1\n"
	    "token_file = %s\nlease_ms = 5\n[transport x]\ntype = loop\n", tok);
	fclose(f);
	assert_int_equal(bridge_config_load(path, cfg, err, sizeof(err)),
	    STK_E_INVALID);
	assert_non_null(strstr(err, "b.ini:4: lease_ms"));
	bridge_config_free(cfg);
	f = fopen(path, "w");
	fprintf(f, "[bridge]\nserver_url = http://127.0.0.1:1\n"
	    "token_file = %s\n[transport x]\ntype = loop\nroute = 372\n", tok);
	fclose(f);
	assert_int_not_equal(bridge_config_load(path, cfg, err, sizeof(err)),
	    STK_OK);
	assert_non_null(strstr(err, "route"));
	bridge_config_free(cfg);
	f = fopen(path, "w");
	fprintf(f, "[bridge]\nserver_url = http://127.0.0.1:1\n"
	    "token_file = %s\n[transport x]\ntype = loop\n", tok);
	fclose(f);
	assert_int_not_equal(bridge_config_load(path, cfg, err, sizeof(err)),
	    STK_OK);
	assert_non_null(strstr(err, "outdir"));
	bridge_config_free(cfg);
	f = fopen(path, "w");
	fprintf(f, "[bridge]\nserver_url = http://127.0.0.1:1\n"
	    "token_file = %s\nmetrics_listen = 127.0.0.1:9\n[transport x]\n"
	    "type = loop\noutdir = /tmp\nindir = /tmp\nroute = +372, +49\n",
	    tok);
	fclose(f);
	assert_int_equal(bridge_config_load(path, cfg, err, sizeof(err)),
	    STK_OK);
	assert_true(bridge_route_match(&cfg->t[0], "+4917"));
	assert_false(bridge_route_match(&cfg->t[0], "+1555"));
	assert_string_equal(cfg->token, "br_abc");
	bridge_config_free(cfg);
	free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keystore_mode),
		cmocka_unit_test(test_keystore_put_get),
		cmocka_unit_test(test_keystore_counters),
		cmocka_unit_test(test_keystore_rekey),
		cmocka_unit_test(test_sms_command_roundtrip),
		cmocka_unit_test(test_sms_open_card_packet),
		cmocka_unit_test(test_sms_in_decode),
		cmocka_unit_test(test_queue_flow),
		cmocka_unit_test(test_config_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
