/*
 * sms.c - the bridge's packets: an auth request into secured SMS-SUBMITs,
 * and the card's SMS-DELIVERs back into packets.  The formats are lib's
 * (ota.h, concat.h, tpdu.h, udh.h); this file only chooses the fields.
 *
 *   out: TS 102 225 §5.1 command packet (stk_ota_wrap_command) with the
 *        card's SPI, KIc/KID and TAR and a fresh counter; TS 31.115 §4.2
 *        over SMS (stk_ota_sms_split: UDH IEI 0x70, concatenated when
 *        longer than 137 octets); SMS-SUBMIT (TS 23.040 §9.2.2.2) with
 *        TP-PID 0x7F (U)SIM data download (§9.2.3.9) and TP-DCS 0xF6,
 *        class 2 8-bit (TS 23.038 §4), so the ME hands it to the card
 *        (TS 31.111 §7.1.1).
 *   in:  SMS-DELIVER whose UDH carries IEI 0x70 (a command packet the
 *        card sent: the auth response, docs/PROTOCOL.md §1) or 0x71 (a
 *        PoR sent by SMS-SUBMIT, TS 31.115 §4.4), possibly concatenated
 *        (TS 23.040 §9.2.3.24.1/.8); SMS-STATUS-REPORT (§9.2.2.3).
 */
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "concat.h"
#include "err.h"
#include "ota.h"
#include "sms_addr.h"
#include "sms_dcs.h"
#include "sms_time.h"
#include "tpdu.h"
#include "udh.h"

#define SMS_DCS_CLASS2_8BIT	0xF6	/* TS 23.038 §4: 1111 0 1 10 */

static void
key_of(struct stk_ota_key *k, const uint8_t *key, size_t len)
{
	memset(k, 0, sizeof(*k));
	k->len = len;
	memcpy(k->key, key, len);
}

int
sms_build_command(const struct ks_card *c, uint64_t cntr,
    const uint8_t *request, size_t len, const char *dest, bool srr,
    unsigned validity_s, uint8_t ref, struct stk_buf *tpdus, size_t max,
    size_t *n)
{
	const struct ks_keyset *k;
	struct stk_ota_cmd_params p;
	struct stk_ota_key kic, kid;
	struct stk_seglist segs = { 0, NULL };
	struct stk_tpdu *t = NULL;
	struct stk_buf pkt;
	int r;

	*n = 0;
	stk_buf_init(&pkt);
	memset(&kic, 0, sizeof(kic));
	memset(&kid, 0, sizeof(kid));
	if ((k = ks_card_keyset(c, c->cmd_kvn)) == NULL) {
		r = STK_E_NOT_FOUND;
		goto out;
	}
	key_of(&kic, k->kic_key, k->kic_len);
	key_of(&kid, k->kid_key, k->kid_len);
	memset(&p, 0, sizeof(p));
	p.spi = c->spi;
	p.kic = k->kic;
	p.kid = k->kid;
	memcpy(p.tar, c->tar, STK_OTA_TAR_LEN);
	p.cntr = cntr;
	p.kic_key = &kic;
	p.kid_key = &kid;
	if ((r = stk_ota_wrap_command(&p, request, len, &pkt)) != STK_OK)
		goto out;
	if ((r = stk_ota_sms_split(stk_buf_data(&pkt), stk_buf_len(&pkt),
	    STK_OTA_IEI_COMMAND, ref, false, &segs)) != STK_OK)
		goto out;
	if (segs.n > max) {
		r = STK_E_TOO_LONG;
		goto out;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		r = STK_E_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < segs.n; i++) {
		stk_tpdu_init(t, STK_TPDU_SUBMIT);
		t->mr = 0;		/* set by the modem / SMSC */
		t->srr = srr;
		t->vpf = STK_VPF_NONE;
		t->vp.vpf = STK_VPF_NONE;
		if (validity_s > 0) {
			uint8_t v;

			if (stk_vp_relative_from_minutes((validity_s + 59) /
			    60, &v) == STK_OK) {
				t->vpf = STK_VPF_RELATIVE;
				t->vp.vpf = STK_VPF_RELATIVE;
				t->vp.relative = v;
			}
		}
		if ((r = stk_sms_addr_from_text(dest, &t->addr)) != STK_OK)
			goto out;
		t->pid = STK_PID_SIM_DOWNLOAD;
		if ((r = stk_tpdu_set_udh(t, segs.seg[i].udh,
		    segs.seg[i].udh_len)) != STK_OK ||
		    (r = stk_tpdu_set_octets(t, segs.seg[i].body,
		    segs.seg[i].body_len, SMS_DCS_CLASS2_8BIT)) != STK_OK)
			goto out;
		stk_buf_init(&tpdus[i]);
		*n = i + 1;
		if ((r = stk_tpdu_encode(t, &tpdus[i])) != STK_OK)
			goto out;
	}
out:
	if (r != STK_OK) {
		for (size_t i = 0; i < *n; i++)
			stk_buf_free(&tpdus[i]);
		*n = 0;
	}
	explicit_bzero(&kic, sizeof(kic));
	explicit_bzero(&kid, sizeof(kid));
	explicit_bzero(stk_buf_data(&pkt), stk_buf_len(&pkt));
	stk_buf_free(&pkt);
	stk_seglist_free(&segs);
	free(t);
	return r;
}

void
sms_in_clear(struct sms_in *in)
{
	free(in->t);
	memset(in, 0, sizeof(*in));
}

int
sms_in_decode(const uint8_t *tpdu, size_t len, struct sms_in *in,
    struct stk_diag *diag)
{
	struct stk_udh udh;
	struct stk_udh_concat cc;
	struct stk_dcs dcs;
	struct stk_tpdu *t;
	int r;

	memset(in, 0, sizeof(*in));
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return STK_E_NOMEM;
	in->t = t;
	if ((r = stk_tpdu_decode(tpdu, len, STK_DIR_SC_TO_MS, t, diag)) !=
	    STK_OK)
		goto fail;
	if (stk_sms_addr_to_text(&t->addr, in->orig, sizeof(in->orig)) !=
	    STK_OK) {
		r = stk_fail(diag, STK_E_INVALID, t->type ==
		    STK_TPDU_STATUS_REPORT ? "TP-RA" : "TP-OA", 0);
		goto fail;
	}
	if (t->type == STK_TPDU_STATUS_REPORT) {
		in->kind = SMS_IN_REPORT;
		in->mr = t->mr;
		in->st = t->st;
		return STK_OK;
	}
	if (t->type != STK_TPDU_DELIVER) {
		r = stk_fail(diag, STK_E_UNSUPPORTED, "TP-MTI", 0);
		goto fail;
	}
	in->kind = SMS_IN_OTHER;
	if (!t->udhi)
		return STK_OK;
	/* 8-bit data only: a secured packet is never GSM 7-bit text. */
	stk_dcs_decode(t->dcs, &dcs);
	if (stk_dcs_udl_in_septets(&dcs))
		return STK_OK;
	if ((r = stk_udh_parse(t->udh, t->udh_len, &udh, diag)) != STK_OK)
		goto fail;
	if (stk_udh_is_command_packet(&udh))
		in->iei = STK_OTA_IEI_COMMAND;
	else if (stk_udh_is_response_packet(&udh))
		in->iei = STK_OTA_IEI_RESPONSE;
	in->body = t->body;
	in->body_len = t->body_len;
	r = stk_udh_find_concat(&udh, &cc, diag);
	if (r == STK_OK) {
		if (cc.total == 0 || cc.seq == 0 || cc.seq > cc.total) {
			/* TS 23.040 §9.2.3.24.1: ignore the IE; a segment
			 * we cannot place is useless. */
			r = stk_fail(diag, STK_E_INVALID, "CONCAT-SEQ", 0);
			goto fail;
		}
		in->kind = SMS_IN_SEGMENT;
		in->ref = cc.ref;
		in->ref16 = cc.ref16;
		in->total = cc.total;
		in->seq = cc.seq;
		return STK_OK;
	}
	if (r != STK_E_NOT_FOUND)
		goto fail;
	if (in->iei != 0)
		in->kind = SMS_IN_SINGLE;
	return STK_OK;
fail:
	sms_in_clear(in);
	return r;
}

void
sms_open_clear(struct sms_open *o)
{
	if (o->data != NULL) {
		explicit_bzero(o->data, o->data_len);
		free(o->data);
	}
	memset(o, 0, sizeof(*o));
}

/* The key set a packet names: KID's version, or KIc's when KID's is 0;
 * both non-zero must agree (as the card decides, docs/SIM.md). */
static uint8_t
packet_kvn(uint8_t kic, uint8_t kid)
{
	unsigned vc = stk_ota_key_version(kic), vd = stk_ota_key_version(kid);

	if (vc != 0 && vd != 0 && vc != vd)
		return 0;
	return (uint8_t)(vd != 0 ? vd : vc);
}

/* Minimum security of what a card sends us: CC, ciphered (the response
 * carries the password), counter higher than the last one. */
static const struct stk_ota_msl card_msl = {
	STK_OTA_INTEG_CC, true, STK_OTA_CNTR_HIGHER,
};

static int
lookup(void *arg, const uint8_t tar[STK_OTA_TAR_LEN], uint8_t kic,
    uint8_t kid, struct stk_ota_rx_keys *keys)
{
	const struct ks_card *c = arg;
	const struct ks_keyset *k;

	if (memcmp(tar, c->tar, STK_OTA_TAR_LEN) != 0)
		return STK_E_NOT_FOUND;
	if ((k = ks_card_keyset(c, packet_kvn(kic, kid))) == NULL)
		return STK_E_NOT_FOUND;
	memset(keys, 0, sizeof(*keys));
	key_of(&keys->kic, k->kic_key, k->kic_len);
	key_of(&keys->kid, k->kid_key, k->kid_len);
	keys->counter = k->rx_cntr;
	keys->msl = card_msl;
	return STK_OK;
}

int
sms_open_command(const struct ks_card *c, const uint8_t *pkt, size_t len,
    struct sms_open *out, struct stk_diag *diag)
{
	struct stk_ota_command cmd;
	int r;

	memset(out, 0, sizeof(*out));
	memset(&cmd, 0, sizeof(cmd));
	r = stk_ota_unwrap_command(pkt, len, lookup, (void *)c, &cmd,
	    &out->status, diag);
	out->kvn = packet_kvn(cmd.kic, cmd.kid);
	out->cntr = cmd.counter_update ? cmd.new_counter : cmd.cntr;
	if (r == STK_OK) {
		out->secured = true;
		out->data = cmd.data;
		out->data_len = cmd.data_len;
		cmd.data = NULL;
	}
	stk_ota_command_free(&cmd);
	return r;
}

int
sms_open_por(const struct ks_card *c, const uint8_t *pkt, size_t len,
    struct sms_open *out, struct stk_diag *diag)
{
	const struct ks_keyset *k;
	struct stk_ota_response resp;
	struct stk_ota_key kic, kid;
	int r;

	memset(out, 0, sizeof(*out));
	memset(&resp, 0, sizeof(resp));
	if ((k = ks_card_keyset(c, c->cmd_kvn)) == NULL)
		return STK_E_NOT_FOUND;
	key_of(&kic, k->kic_key, k->kic_len);
	key_of(&kid, k->kid_key, k->kid_len);
	r = stk_ota_unwrap_response(pkt, len, c->spi, k->kic, k->kid, &kic,
	    &kid, &resp, diag);
	explicit_bzero(&kic, sizeof(kic));
	explicit_bzero(&kid, sizeof(kid));
	if (r == STK_OK) {
		if (memcmp(resp.tar, c->tar, STK_OTA_TAR_LEN) != 0) {
			r = stk_fail(diag, STK_E_NOT_FOUND, "TAR", 3);
		} else {
			out->status = resp.status;
			out->cntr = resp.cntr;
			out->kvn = c->cmd_kvn;
			out->secured = resp.secured;
		}
	}
	stk_ota_response_free(&resp);
	return r;
}
