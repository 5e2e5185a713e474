/*
 * card_harness.h - an in-process ME and bridge around the virtual card,
 * shared by test_card_ota.c, test_card_applet.c and test_card_perso.c.
 *
 * The harness builds what the bridge would send (auth request ->
 * secured command packet -> SMS-DELIVER TP-PID 7F TP-DCS F6 UDH 027000 ->
 * ENVELOPE D1), plays the ME (TERMINAL PROFILE, FETCH, TERMINAL RESPONSE),
 * and plays the bridge on the way back (SMS-SUBMITs -> stk_ota_sms_join ->
 * stk_ota_unwrap_command -> auth response).  Everything goes through
 * card_apdu() and lib/, as bytes.
 *
 * All helpers are static inline so that a test file may use any subset.
 */
#ifndef STKAUTH_CARD_HARNESS_H
#define STKAUTH_CARD_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "authmsg.h"
#include "authsig.h"
#include "bytes.h"
#include "card.h"
#include "cat.h"
#include "err.h"
#include "hex.h"
#include "log.h"
#include "ota.h"
#include "sms_addr.h"
#include "sms_time.h"
#include "sw.h"
#include "tpdu.h"

/* The card's OTA key set 1: AES-128 ciphering and AES-CMAC. */
#define H_KVN		1
#define H_KIC		0x12	/* key version 1, AES (b2b1 10), CBC */
#define H_KID		0x12	/* key version 1, AES, CMAC */
/* SPI of the bridge's requests: CC, ciphering, counter higher | PoR
 * always, PoR CC, PoR ciphered, via SMS-DELIVER-REPORT. */
#define H_SPI		0x1619
#define H_SERVICE	"+491710000001"
#define H_ICCID		"8944100000000123456"

static const uint8_t h_kic_key[16] = {
	0x20, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
};
static const uint8_t h_kid_key[16] = {
	0x20, 0x11, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
};
static const uint8_t h_admin_key[16] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
};

struct harness {
	struct card card;
	struct card_data stored;	/* what the persist hook last got */
	unsigned persists;
	bool fail_persist;
	/* the bridge's view */
	uint64_t cntr;			/* last CNTR it sent */
	uint64_t rx_cntr;		/* last card CNTR it accepted */
	/* the last response APDU */
	uint8_t resp[CARD_RESP_MAX + 2];
	size_t resp_len;		/* data only, without SW */
	uint16_t sw;
};

static inline int
h_persist(const struct card_data *d, void *arg)
{
	struct harness *h = arg;

	if (h->fail_persist)
		return STK_E_IO;
	h->stored = *d;
	h->persists++;
	return STK_OK;
}

/* The fixed RSA-2048 test key of tests/vectors/authmsg as DER. */
static inline size_t
h_rsa_der(uint8_t *out, size_t cap)
{
	FILE *f = fopen("tests/vectors/authmsg/rsa2048_test_key.pem", "r");
	EVP_PKEY *k;
	unsigned char *der = NULL;
	int n;

	assert_non_null(f);
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(k);
	n = i2d_PrivateKey(k, &der);
	assert_true(n > 0 && (size_t)n <= cap);
	memcpy(out, der, (size_t)n);
	OPENSSL_free(der);
	EVP_PKEY_free(k);
	return (size_t)n;
}

/*
 * A personalised card: key set 1, K_auth = 00..1F (PROTOCOL.md §6
 * vector), the fixed RSA key, the service number, applet PIN "1234".
 */
static inline void
h_init(struct harness *h)
{
	static const struct card_params p = {
		H_ICCID, "001010123456789", "+491701234567",
		"+491710760000", "1234", "12345678",
	};
	struct card_data *d;
	const char *what;

	memset(h, 0, sizeof(*h));
	d = calloc(1, sizeof(*d));
	assert_non_null(d);
	assert_int_equal(content_new_card(&p, d, &what), STK_OK);
	memcpy(d->admin_key, h_admin_key, sizeof(h_admin_key));
	d->ks[0].kvn = H_KVN;
	d->ks[0].kic_len = 16;
	memcpy(d->ks[0].kic, h_kic_key, 16);
	d->ks[0].kid_len = 16;
	memcpy(d->ks[0].kid, h_kid_key, 16);
	d->kauth_len = 32;
	for (unsigned i = 0; i < 32; i++)
		d->kauth[i] = (uint8_t)i;
	d->rsa_len = (uint16_t)h_rsa_der(d->rsa, sizeof(d->rsa));
	strcpy(d->service, H_SERVICE);
	card_init(&h->card, d, h_persist, h);
	h->stored = *d;
	free(d);
}

/* Send an APDU; keep data and SW in h; return the SW. */
static inline uint16_t
h_apdu(struct harness *h, const uint8_t *cmd, size_t len)
{
	struct stk_buf resp;

	stk_buf_init(&resp);
	assert_int_equal(card_apdu(&h->card, cmd, len, &resp, &h->sw),
	    STK_OK);
	assert_true(stk_buf_len(&resp) >= 2);
	assert_true(stk_buf_len(&resp) <= CARD_RESP_MAX + 2);
	h->resp_len = stk_buf_len(&resp) - 2;
	memcpy(h->resp, stk_buf_data(&resp), h->resp_len);
	assert_int_equal((stk_buf_data(&resp)[h->resp_len] << 8 |
	    stk_buf_data(&resp)[h->resp_len + 1]), h->sw);
	stk_buf_free(&resp);
	return h->sw;
}

static inline uint16_t
h_apdu_hex(struct harness *h, const char *hex)
{
	struct stk_buf b;
	uint16_t sw;

	stk_buf_init(&b);
	assert_int_equal(stk_hex_decode(hex, &b), STK_OK);
	sw = h_apdu(h, stk_buf_data(&b), stk_buf_len(&b));
	stk_buf_free(&b);
	return sw;
}

/* CLA INS P1 P2 Lc data [Le] */
static inline uint16_t
h_cmd(struct harness *h, uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2,
    const uint8_t *data, size_t len, int le)
{
	uint8_t apdu[5 + 255 + 1];
	size_t n = 0;

	assert_true(len <= 255);
	apdu[n++] = cla;
	apdu[n++] = ins;
	apdu[n++] = p1;
	apdu[n++] = p2;
	if (len > 0) {
		apdu[n++] = (uint8_t)len;
		memcpy(apdu + n, data, len);
		n += len;
	}
	if (le >= 0)
		apdu[n++] = (uint8_t)le;
	return h_apdu(h, apdu, n);
}

/* Facility sets for TERMINAL PROFILE. */
#define H_TP_FULL	0x01	/* SELECT ITEM, DISPLAY TEXT, GET INPUT, SMS */
#define H_TP_NO_SELECT	0x02	/* no SELECT ITEM */
#define H_TP_NO_DISPLAY	0x04	/* neither SELECT ITEM nor DISPLAY TEXT */
#define H_TP_PLI_TIME	0x08	/* PROVIDE LOCAL INFORMATION date/time */
#define H_TP_NO_INPUT	0x10	/* no GET INPUT */

static inline uint16_t
h_terminal_profile(struct harness *h, unsigned set)
{
	uint8_t tp[20];

	memset(tp, 0, sizeof(tp));
	assert_int_equal(stk_tp_set(tp, sizeof(tp), STK_TP_PROFILE_DOWNLOAD,
	    true), STK_OK);
	assert_int_equal(stk_tp_set(tp, sizeof(tp), STK_TP_SMS_PP_DOWNLOAD,
	    true), STK_OK);
	assert_int_equal(stk_tp_set(tp, sizeof(tp), STK_TP_UCS2_DISPLAY,
	    true), STK_OK);
	assert_int_equal(stk_tp_set(tp, sizeof(tp), STK_TP_SEND_SHORT_MESSAGE,
	    true), STK_OK);
	if (!(set & H_TP_NO_DISPLAY))
		assert_int_equal(stk_tp_set(tp, sizeof(tp),
		    STK_TP_DISPLAY_TEXT, true), STK_OK);
	if (!(set & (H_TP_NO_SELECT | H_TP_NO_DISPLAY)))
		assert_int_equal(stk_tp_set(tp, sizeof(tp),
		    STK_TP_SELECT_ITEM, true), STK_OK);
	if (!(set & H_TP_NO_INPUT))
		assert_int_equal(stk_tp_set(tp, sizeof(tp), STK_TP_GET_INPUT,
		    true), STK_OK);
	if (set & H_TP_PLI_TIME)
		tp[CARD_TP_PLI_DATETIME_BYTE - 1] |= CARD_TP_PLI_DATETIME_MASK;
	return h_cmd(h, 0x80, 0x10, 0, 0, tp, sizeof(tp), -1);
}

/* The request of PROTOCOL.md §3 (vector request-gsm7), session id last
 * octet and PIN flag as given. */
static inline void
h_request(struct stk_auth_request *r, uint8_t sid_last, bool pin)
{
	static const uint8_t sid[8] = {
		0x5a, 0x1c, 0x3e, 0x77, 0x90, 0x12, 0xab, 0xcd,
	};
	static const char svc[] = "Example Bank login";

	memset(r, 0, sizeof(*r));
	r->pin_required = pin;
	memcpy(r->session_id, sid, 8);
	r->session_id[7] = sid_last;
	for (unsigned i = 0; i < 16; i++)
		r->nonce[i] = (uint8_t)(0x11 * i);
	r->lifetime_s = 120;
	r->expiry_utc = 1795459200;
	assert_int_equal(stk_auth_request_set_ticket(r, "7Q2K9X", 6), STK_OK);
	assert_int_equal(stk_auth_request_set_service(r, svc, sizeof(svc) - 1),
	    STK_OK);
}

/* Options of one secured SMS from the bridge. */
struct h_pkt {
	uint16_t spi;
	uint8_t kic, kid;
	uint8_t tar[3];
	uint64_t cntr;
	const uint8_t *kic_key, *kid_key;	/* 16 octets each */
	int64_t scts;				/* Unix seconds */
	uint8_t pid, dcs;
};

static inline void
h_pkt_default(const struct harness *h, struct h_pkt *o)
{
	memset(o, 0, sizeof(*o));
	o->spi = H_SPI;
	o->kic = H_KIC;
	o->kid = H_KID;
	memcpy(o->tar, h->card.d.auth_tar, 3);
	o->cntr = h->cntr + 1;
	o->kic_key = h_kic_key;
	o->kid_key = h_kid_key;
	o->scts = 1795459080;	/* 2026-11-23T18:38:00Z: expiry - 120 s */
	o->pid = STK_PID_SIM_DOWNLOAD;
	o->dcs = 0xf6;
}

/* The SMS-DELIVER carrying data in a command packet as o says. */
static inline void
h_deliver(const struct h_pkt *o, const uint8_t *data, size_t len,
    struct stk_buf *tpdu)
{
	static const uint8_t udh[3] = { 0x02, STK_OTA_IEI_COMMAND, 0x00 };
	struct stk_ota_cmd_params p;
	struct stk_ota_key kk, dk;
	struct stk_tpdu *t = calloc(1, sizeof(*t));
	struct stk_buf pkt;

	assert_non_null(t);
	memset(&p, 0, sizeof(p));
	memset(&kk, 0, sizeof(kk));
	memset(&dk, 0, sizeof(dk));
	kk.len = 16;
	memcpy(kk.key, o->kic_key, 16);
	dk.len = 16;
	memcpy(dk.key, o->kid_key, 16);
	p.spi = o->spi;
	p.kic = o->kic;
	p.kid = o->kid;
	memcpy(p.tar, o->tar, 3);
	p.cntr = o->cntr;
	p.kic_key = &kk;
	p.kid_key = &dk;
	stk_buf_init(&pkt);
	assert_int_equal(stk_ota_wrap_command(&p, data, len, &pkt), STK_OK);
	stk_tpdu_init(t, STK_TPDU_DELIVER);
	assert_int_equal(stk_sms_addr_from_text("+491710000002", &t->addr),
	    STK_OK);
	t->pid = o->pid;
	assert_int_equal(stk_sms_time_from_unix(o->scts, 60, &t->scts),
	    STK_OK);
	assert_int_equal(stk_tpdu_set_udh(t, udh, sizeof(udh)), STK_OK);
	assert_int_equal(stk_tpdu_set_octets(t, stk_buf_data(&pkt),
	    stk_buf_len(&pkt), o->dcs), STK_OK);
	assert_int_equal(stk_tpdu_encode(t, tpdu), STK_OK);
	stk_buf_free(&pkt);
	free(t);
}

/* ENVELOPE (SMS-PP DOWNLOAD) with this TPDU, Le 00; returns the SW. */
static inline uint16_t
h_envelope_tpdu(struct harness *h, const uint8_t *tpdu, size_t len)
{
	struct stk_sms_addr sc;
	struct stk_buf env;
	uint16_t sw;

	assert_int_equal(stk_sms_addr_from_text("+491710760000", &sc), STK_OK);
	stk_buf_init(&env);
	assert_int_equal(stk_cat_envelope_sms_pp(&env, &sc, tpdu, len),
	    STK_OK);
	sw = h_cmd(h, 0x80, 0xc2, 0, 0, stk_buf_data(&env),
	    stk_buf_len(&env), 0x00);
	stk_buf_free(&env);
	return sw;
}

/* The standard request (h_request: no PIN, session id ending sid_last),
 * encoded, appended to out. */
static inline void
h_request_bytes(struct stk_buf *out, uint8_t sid_last)
{
	struct stk_auth_request req;

	h_request(&req, sid_last, false);
	assert_int_equal(stk_auth_request_encode(&req, out), STK_OK);
}

/* The SMS-DELIVER carrying the standard request in a packet built with o
 * (the counter in h is not touched). */
static inline void
h_deliver_std(const struct h_pkt *o, uint8_t sid_last, struct stk_buf *tpdu)
{
	struct stk_buf req;

	stk_buf_init(&req);
	h_request_bytes(&req, sid_last);
	h_deliver(o, stk_buf_data(&req), stk_buf_len(&req), tpdu);
	stk_buf_free(&req);
}

/* ENVELOPE with that SMS-DELIVER; returns the SW. */
static inline uint16_t
h_send_std(struct harness *h, const struct h_pkt *o, uint8_t sid_last)
{
	struct stk_buf tpdu;
	uint16_t sw;

	stk_buf_init(&tpdu);
	h_deliver_std(o, sid_last, &tpdu);
	sw = h_envelope_tpdu(h, stk_buf_data(&tpdu), stk_buf_len(&tpdu));
	stk_buf_free(&tpdu);
	return sw;
}

/* Send request r the way the bridge does; the counter advances when the
 * packet uses h->cntr + 1. */
static inline uint16_t
h_send_request_opts(struct harness *h, const struct stk_auth_request *r,
    const struct h_pkt *o)
{
	struct stk_buf req, tpdu;
	uint16_t sw;

	stk_buf_init(&req);
	stk_buf_init(&tpdu);
	assert_int_equal(stk_auth_request_encode(r, &req), STK_OK);
	h_deliver(o, stk_buf_data(&req), stk_buf_len(&req), &tpdu);
	sw = h_envelope_tpdu(h, stk_buf_data(&tpdu), stk_buf_len(&tpdu));
	if (o->cntr > h->cntr)
		h->cntr = o->cntr;
	stk_buf_free(&req);
	stk_buf_free(&tpdu);
	return sw;
}

static inline uint16_t
h_send_request(struct harness *h, const struct stk_auth_request *r)
{
	struct h_pkt o;

	h_pkt_default(h, &o);
	return h_send_request_opts(h, r, &o);
}

/* Open the PoR in the last response (027100 + packet) as the bridge
 * does; returns its status. */
static inline uint8_t
h_por_status(const struct harness *h, uint16_t spi, bool *secured)
{
	struct stk_ota_response resp;
	struct stk_ota_key kk, dk;
	uint8_t st;

	memset(&kk, 0, sizeof(kk));
	memset(&dk, 0, sizeof(dk));
	kk.len = dk.len = 16;
	memcpy(kk.key, h_kic_key, 16);
	memcpy(dk.key, h_kid_key, 16);
	memset(&resp, 0, sizeof(resp));
	assert_true(h->resp_len > 3);
	assert_int_equal(stk_ota_unwrap_response(h->resp, h->resp_len, spi,
	    H_KIC, H_KID, &kk, &dk, &resp, NULL), STK_OK);
	st = resp.status;
	if (secured != NULL)
		*secured = resp.secured;
	stk_ota_response_free(&resp);
	return st;
}

/*
 * With STKAUTH_CARD_DUMP=FILE, every FETCHed command is appended to FILE
 * as "type=XX<TAB>cmd=HEX<TAB>tpdu=HEX" (tpdu for SEND SHORT MESSAGE), for
 * tests/sh/test_card_tshark.sh to check with Wireshark's dissectors.
 */
static inline void
h_dump(const struct harness *h, const struct stk_cat_proactive *p)
{
	const char *path = getenv("STKAUTH_CARD_DUMP");
	char *hex;
	FILE *f;

	if (path == NULL || (f = fopen(path, "a")) == NULL)
		return;
	hex = stk_hex_string(h->resp, h->resp_len, 1);
	fprintf(f, "type=%02X\tcmd=%s", p->cmd.type, hex != NULL ? hex : "");
	free(hex);
	if (p->tpdu != NULL) {
		hex = stk_hex_string(p->tpdu, p->tpdu_len, 1);
		fprintf(f, "\ttpdu=%s", hex != NULL ? hex : "");
		free(hex);
	}
	fprintf(f, "\n");
	fclose(f);
}

/* FETCH the pending command (the last SW must be 91xx) into p. */
static inline void
h_fetch(struct harness *h, struct stk_cat_proactive *p)
{
	uint8_t len;

	assert_int_equal(h->sw & 0xff00, STK_SW_PROACTIVE_PENDING);
	len = (uint8_t)(h->sw & 0xff);
	assert_int_equal(h_cmd(h, 0x80, 0x12, 0, 0, NULL, 0, len), STK_SW_OK);
	assert_int_equal(h->resp_len, len);
	assert_int_equal(stk_cat_proactive_decode(h->resp, h->resp_len, p,
	    NULL), STK_OK);
	h_dump(h, p);
}

/* TERMINAL RESPONSE to command p with result, optional item / text. */
static inline uint16_t
h_tr(struct harness *h, const struct stk_cat_proactive *p, uint8_t result,
    int item, const char *text)
{
	struct stk_cat_terminal_response *tr = calloc(1, sizeof(*tr));
	struct stk_buf b;
	uint16_t sw;

	assert_non_null(tr);
	stk_cat_tr_init(tr, &p->cmd, result);
	if (item >= 0) {
		tr->has_item_id = true;
		tr->item_id = (uint8_t)item;
	}
	if (text != NULL)
		assert_int_equal(stk_cat_text_set(&tr->text, text,
		    strlen(text), STK_CAT_DCS_8BIT), STK_OK);
	stk_buf_init(&b);
	assert_int_equal(stk_cat_tr_encode(tr, &b), STK_OK);
	sw = h_cmd(h, 0x80, 0x14, 0, 0, stk_buf_data(&b), stk_buf_len(&b), -1);
	stk_buf_free(&b);
	free(tr);
	return sw;
}

/* The auth response the card sent, after the bridge's checks. */
struct h_result {
	size_t nsms;
	struct stk_auth_response resp;
	uint64_t cntr;
	char da[STK_ADDR_TEXT_MAX + 1];
};

static inline int
h_bridge_lookup(void *arg, const uint8_t tar[STK_OTA_TAR_LEN], uint8_t kic,
    uint8_t kid, struct stk_ota_rx_keys *keys)
{
	struct harness *h = arg;

	(void)kic;
	(void)kid;
	if (memcmp(tar, h->card.d.auth_tar, 3) != 0)
		return STK_E_NOT_FOUND;
	memset(keys, 0, sizeof(*keys));
	keys->kic.len = keys->kid.len = 16;
	memcpy(keys->kic.key, h_kic_key, 16);
	memcpy(keys->kid.key, h_kid_key, 16);
	keys->counter = h->rx_cntr;
	keys->msl.integrity = STK_OTA_INTEG_CC;
	keys->msl.ciphering = true;
	keys->msl.cntr = STK_OTA_CNTR_HIGHER;
	return STK_OK;
}

/*
 * Act as ME and bridge for the SEND SHORT MESSAGEs now pending: FETCH
 * each, check the SMS-SUBMIT (TP-DA the service number, TP-PID 00,
 * TP-DCS 04), answer OK, then join, unwrap (counter "higher") and decode.
 */
static inline void
h_collect(struct harness *h, struct h_result *res)
{
	struct stk_cat_proactive *p = calloc(1, sizeof(*p));
	struct stk_tpdu *t = calloc(1, sizeof(*t));
	uint8_t *ud[8], *packet = NULL;
	size_t udlen[8], plen, n = 0;
	struct stk_ota_command cmd;
	struct stk_diag diag;
	uint8_t iei, st;
	uint16_t sw;

	assert_non_null(p);
	assert_non_null(t);
	memset(res, 0, sizeof(*res));
	while ((h->sw & 0xff00) == STK_SW_PROACTIVE_PENDING) {
		h_fetch(h, p);
		assert_int_equal(p->cmd.type, STK_CAT_CMD_SEND_SHORT_MESSAGE);
		assert_int_equal(p->dev.dest, STK_CAT_DEV_NETWORK);
		assert_true(n < 8);
		assert_int_equal(stk_tpdu_decode_as(p->tpdu, p->tpdu_len,
		    STK_TPDU_SUBMIT, false, t, NULL), STK_OK);
		assert_int_equal(t->pid, 0x00);
		assert_int_equal(t->dcs, 0x04);
		assert_int_equal(stk_sms_addr_to_text(&t->addr, res->da,
		    sizeof(res->da)), STK_OK);
		assert_string_equal(res->da, H_SERVICE);
		ud[n] = malloc(t->udh_len + t->body_len);
		assert_non_null(ud[n]);
		memcpy(ud[n], t->udh, t->udh_len);
		memcpy(ud[n] + t->udh_len, t->body, t->body_len);
		udlen[n] = t->udh_len + t->body_len;
		n++;
		sw = h_tr(h, p, STK_CAT_RES_OK, -1, NULL);
		assert_true(sw == STK_SW_OK ||
		    (sw & 0xff00) == STK_SW_PROACTIVE_PENDING);
	}
	assert_int_equal(h->sw, STK_SW_OK);
	res->nsms = n;
	assert_true(n >= 1);
	stk_diag_clear(&diag);
	assert_int_equal(stk_ota_sms_join((const uint8_t *const *)ud, udlen, n,
	    &packet, &plen, &iei, &diag), STK_OK);
	assert_int_equal(iei, STK_OTA_IEI_COMMAND);
	memset(&cmd, 0, sizeof(cmd));
	assert_int_equal(stk_ota_unwrap_command(packet, plen, h_bridge_lookup,
	    h, &cmd, &st, &diag), STK_OK);
	assert_int_equal(st, STK_OTA_ST_OK);
	assert_true(cmd.counter_update);
	h->rx_cntr = cmd.new_counter;
	res->cntr = cmd.cntr;
	assert_int_equal(stk_auth_response_decode(cmd.data, cmd.data_len,
	    &res->resp, &diag), STK_OK);
	stk_ota_command_free(&cmd);
	free(packet);
	for (size_t i = 0; i < n; i++)
		free(ud[i]);
	free(p);
	free(t);
}

/* The card's public key, read with READ PUBLIC KEY in 200-octet chunks. */
static inline EVP_PKEY *
h_read_public_key(struct harness *h)
{
	uint8_t der[1024];
	const unsigned char *q = der;
	size_t n = 0;
	uint16_t sw;
	EVP_PKEY *k;

	for (;;) {
		sw = h_cmd(h, 0x80, 0xd2, (uint8_t)(n >> 8), (uint8_t)n, NULL, 0,
		    200);
		if ((sw & 0xff00) == STK_SW_WRONG_LE)
			sw = h_cmd(h, 0x80, 0xd2, (uint8_t)(n >> 8), (uint8_t)n,
			    NULL, 0, sw & 0xff);
		assert_int_equal(sw, STK_SW_OK);
		assert_true(n + h->resp_len <= sizeof(der));
		memcpy(der + n, h->resp, h->resp_len);
		n += h->resp_len;
		if (h->resp_len < 200)
			break;
		if (h_cmd(h, 0x80, 0xd2, (uint8_t)(n >> 8), (uint8_t)n, NULL,
		    0, 1) == STK_SW_WRONG_PARAMS)
			break;
	}
	k = d2i_PUBKEY(NULL, &q, (long)n);
	assert_non_null(k);
	assert_true(q == der + n);
	return k;
}

/* Verify a response as the server does: signature over the DTBS with the
 * card's public key and the enrolled ICCID, password with K_auth. */
static inline void
h_verify(struct harness *h, const struct stk_auth_request *req,
    const struct h_result *res, uint8_t decision)
{
	uint8_t iccid[10];
	EVP_PKEY *pub;

	assert_int_equal(res->resp.decision, decision);
	assert_memory_equal(res->resp.session_id, req->session_id, 8);
	assert_int_equal(content_iccid(H_ICCID, iccid), STK_OK);
	assert_memory_equal(res->resp.iccid, iccid, 10);
	assert_int_equal(res->resp.sig_alg, STK_AUTH_SIG_RSA_PKCS1);
	assert_int_equal(res->resp.sig_len, 256);
	pub = h_read_public_key(h);
	assert_int_equal(stk_auth_verify(req, &res->resp, iccid, pub), STK_OK);
	EVP_PKEY_free(pub);
	if (decision == STK_AUTH_CONFIRMED)
		assert_int_equal(stk_auth_password_check(h->card.d.kauth,
		    h->card.d.kauth_len, req, res->resp.password,
		    res->resp.password_len), STK_OK);
	else
		assert_int_equal(res->resp.password_len, 0);
}

#endif
