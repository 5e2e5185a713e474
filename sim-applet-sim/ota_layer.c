/*
 * ota_layer.c - the card's TS 102 225 / TS 31.115 security layer: the TAR
 * registry, the key sets with their counters, SMS-PP data download
 * (TS 31.111 §7.1.1) with the Proof of Receipt, and the command packets
 * the card itself sends (the auth response, docs/PROTOCOL.md §1).
 *
 * The packet work is lib/ota.h's; this file supplies the key look-up,
 * stores the counter before the data is acted on (TS 102 225 §5.1.1), and
 * chooses how the PoR travels back.
 */
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "card.h"
#include "cat.h"
#include "err.h"
#include "log.h"
#include "ota.h"
#include "sms_dcs.h"
#include "sms_time.h"
#include "sw.h"
#include "tpdu.h"
#include "udh.h"

/* Warning "no information given", NV memory unchanged (ISO/IEC 7816-4
 * §5.6): the ENVELOPE answer carrying a PoR with an error status, which
 * the ME returns in RP-ERROR (TS 31.111 §7.1.1.2). */
#define CARD_SW_WARNING 0x6200

/*
 * TAR registry (TS 101 220 §6, TS 102 225 §5.1.1 TAR): one application,
 * the authentication applet, whose TAR is in the card data.  Its minimum
 * security level (TS 102 226 §8.2.1.3.2.4.2 in spirit): cryptographic
 * checksum, ciphering, counter "higher than".
 */
static const struct stk_ota_msl auth_msl = {
	STK_OTA_INTEG_CC, true, STK_OTA_CNTR_HIGHER,
};

/* SPI of the packets the card sends: CC, ciphered, counter higher
 * (octet 1 = 0001 0110); no PoR asked (octet 2 = 00). */
#define CARD_TX_SPI 0x1600

/* TP-DCS of a PoR sent by SMS-SUBMIT: class 2, 8-bit data (TS 23.038 §4,
 * 1111 0 1 10), as the command packets travel. */
#define CARD_DCS_CLASS2_8BIT 0xF6
/* TP-DCS of the auth response: general group, 8-bit data, no class
 * (TS 23.038 §4, PROTOCOL.md §1). */
#define CARD_DCS_8BIT 0x04

/*
 * How the SMS-SUBMITs the card sends are coded (TS 23.040 §9.2.2.2): the
 * auth response goes to the service number as ordinary 8-bit data
 * (PROTOCOL.md §1); a PoR goes back to where the command came from, as a
 * (U)SIM data download message like the command (below, por_sms).
 */
struct submit_form {
	const struct stk_sms_addr *da;	/* TP-DA */
	uint8_t pid;			/* TP-PID */
	uint8_t dcs;			/* TP-DCS */
	unsigned kind;			/* enum card_sms_kind */
};

static int por_sms(struct card *c, const struct stk_tpdu *deliver,
    const struct stk_ota_command *cmd, const struct stk_buf *por);

struct card_keyset *
card_keyset_find(struct card_data *d, unsigned kvn)
{
	if (kvn == 0 || kvn > 15)
		return NULL;
	for (size_t i = 0; i < CARD_KEYSET_SLOTS; i++)
		if (d->ks[i].kvn == kvn)
			return &d->ks[i];
	return NULL;
}

struct card_keyset *
card_keyset_find_free(struct card_data *d)
{
	for (size_t i = 0; i < CARD_KEYSET_SLOTS; i++)
		if (d->ks[i].kvn == 0)
			return &d->ks[i];
	return NULL;
}

/*
 * The key set a packet names: the version in KID b8..b5, or in KIc when
 * KID says version 0; both must agree when both are non-zero.  0 when
 * they disagree or both are 0.
 */
static unsigned
packet_kvn(uint8_t kic, uint8_t kid)
{
	unsigned vc = stk_ota_key_version(kic), vd = stk_ota_key_version(kid);

	if (vc != 0 && vd != 0 && vc != vd)
		return 0;
	return vd != 0 ? vd : vc;
}

static void
fill_key(struct stk_ota_key *k, const uint8_t *key, size_t len)
{
	memset(k, 0, sizeof(*k));
	k->implicit_alg = STK_OTA_ALG_NONE;
	k->len = len;
	memcpy(k->key, key, len);
}

/* stk_ota_lookup_fn over the card's registry and key sets. */
static int
lookup(void *arg, const uint8_t tar[STK_OTA_TAR_LEN], uint8_t kic,
    uint8_t kid, struct stk_ota_rx_keys *keys)
{
	struct card *c = arg;
	struct card_keyset *ks;

	if (memcmp(tar, c->d.auth_tar, STK_OTA_TAR_LEN) != 0)
		return STK_E_NOT_FOUND;
	if ((ks = card_keyset_find(&c->d, packet_kvn(kic, kid))) == NULL) {
		/* No such key version: "unidentified security error". */
		log_debug("OTA: no key set for KIc %02X KID %02X", kic, kid);
		return STK_E_INVALID;
	}
	memset(keys, 0, sizeof(*keys));
	fill_key(&keys->kic, ks->kic, ks->kic_len);
	fill_key(&keys->kid, ks->kid, ks->kid_len);
	keys->counter = ks->rx_cntr;
	keys->msl = auth_msl;
	return STK_OK;
}

/*
 * The PoR (TS 102 225 §5.2, TS 31.115 §4.4), from RPL on, for a command
 * as far as it was parsed.  Secured with the command's keys unless they
 * are unknown or the status is 06 (then unsecured, docs/OTA.md §5).
 */
static int
build_por(struct card *c, const struct stk_ota_command *cmd, uint8_t status,
    struct stk_buf *por)
{
	struct stk_ota_resp_params rp;
	struct stk_ota_key kic, kid;
	struct card_keyset *ks = NULL;
	int r;

	memset(&rp, 0, sizeof(rp));
	rp.cmd_spi = cmd->spi_raw;
	rp.kic = cmd->kic;
	rp.kid = cmd->kid;
	memcpy(rp.tar, cmd->tar, STK_OTA_TAR_LEN);
	rp.cntr = cmd->cntr;
	rp.status = status;
	rp.secured = cmd->keys_known && status != STK_OTA_ST_SECURITY_ERROR;
	if (rp.secured &&
	    (ks = card_keyset_find(&c->d, packet_kvn(cmd->kic, cmd->kid))) ==
	    NULL)
		rp.secured = false;
	if (ks != NULL) {
		fill_key(&kic, ks->kic, ks->kic_len);
		fill_key(&kid, ks->kid, ks->kid_len);
		rp.kic_key = &kic;
		rp.kid_key = &kid;
	}
	r = stk_ota_wrap_response(&rp, NULL, 0, por);
	explicit_bzero(&kic, sizeof(kic));
	explicit_bzero(&kid, sizeof(kid));
	if (r != STK_OK && rp.secured) {
		/* Keys unusable for the PoR (e.g. no KIc for a PoR the SPI
		 * wants ciphered): answer unsecured rather than not at all. */
		stk_buf_reset(por);
		rp.secured = false;
		r = stk_ota_wrap_response(&rp, NULL, 0, por);
	}
	return r;
}

/*
 * The SMS-DELIVER of an SMS-PP DOWNLOAD as a data download: TP-PID 7F
 * (TS 31.111 §7.1.1, TS 23.040 §9.2.3.9), 8-bit data, a UDH whose only IE
 * is the command packet identifier 70 with no data (TS 31.115 §4.2; a
 * concatenated command packet is not supported: the auth request always
 * fits one SMS, PROTOCOL.md §2.1).  On success the packet (from CPL on)
 * is in t->body[0..body_len).
 */
static int
check_download(const struct stk_tpdu *t, struct stk_diag *diag)
{
	struct stk_dcs dcs;
	struct stk_udh udh;

	if (t->pid != STK_PID_SIM_DOWNLOAD)
		return stk_fail(diag, STK_E_UNSUPPORTED, "TP-PID", 0);
	stk_dcs_decode(t->dcs, &dcs);
	if (dcs.charset != STK_CHARSET_8BIT || dcs.compressed)
		return stk_fail(diag, STK_E_UNSUPPORTED, "TP-DCS", 0);
	if (!t->udhi || stk_udh_parse(t->udh, t->udh_len, &udh, diag) !=
	    STK_OK)
		return stk_fail(diag, STK_E_INVALID, "TP-UDH", 0);
	if (udh.n != 1 || udh.ie[0].iei != STK_OTA_IEI_COMMAND ||
	    udh.ie[0].len != 0)
		return stk_fail(diag, STK_E_UNSUPPORTED, "CPI", 0);
	return STK_OK;
}

int
ota_sms_pp(struct card *c, const struct stk_cat_envelope *env,
    struct stk_buf *out, uint16_t *sw)
{
	struct stk_tpdu *t = NULL;
	struct stk_ota_command cmd;
	struct stk_ota_cmd_header hdr;
	struct stk_diag diag;
	struct stk_buf por;
	struct card_keyset *ks;
	uint8_t status = STK_OTA_ST_SECURITY_ERROR;
	int r = STK_OK, ur;

	memset(&cmd, 0, sizeof(cmd));
	stk_buf_init(&por);
	stk_diag_clear(&diag);
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		r = STK_E_NOMEM;
		goto out;
	}
	if (stk_tpdu_decode_as(env->tpdu, env->tpdu_len, STK_TPDU_DELIVER,
	    false, t, &diag) != STK_OK || check_download(t, &diag) != STK_OK) {
		log_debug("SMS-PP DOWNLOAD: no data download: %s at offset "
		    "%zu: %s", diag.field, diag.offset, stk_strerror(diag.err));
		*sw = STK_SW_WRONG_DATA;
		goto out;
	}
	/* A header that does not parse (CPL / CHL disagreeing with the SMS,
	 * reserved SPI bits) names no SPI and no TAR to answer: the ENVELOPE
	 * is refused like any other malformed data, without PoR. */
	if (stk_ota_parse_command_header(t->body, t->body_len, &hdr, &diag) !=
	    STK_OK) {
		log_debug("SMS-PP DOWNLOAD: command packet %s at offset %zu: "
		    "%s", diag.field, diag.offset, stk_strerror(diag.err));
		*sw = STK_SW_WRONG_DATA;
		goto out;
	}
	ur = stk_ota_unwrap_command(t->body, t->body_len, lookup, c, &cmd,
	    &status, &diag);
	log_debug("OTA command packet TAR %02X%02X%02X CNTR %010llX: %s",
	    cmd.tar[0], cmd.tar[1], cmd.tar[2], (unsigned long long)cmd.cntr,
	    stk_ota_status_name(status));
	if (ur == STK_OK && cmd.counter_update) {
		/* TS 102 225 §5.1.1: the counter is stored before the data is
		 * acted on, so a power cut cannot let the packet run twice. */
		ks = card_keyset_find(&c->d, packet_kvn(cmd.kic, cmd.kid));
		if (ks == NULL) {
			r = STK_E_STATE;
			goto out;
		}
		ks->rx_cntr = cmd.new_counter;
		if (card_persist(c) != STK_OK) {
			log_error("OTA: cannot store the counter; packet "
			    "dropped");
			*sw = STK_SW_MEMORY_PROBLEM;
			goto out;
		}
	}
	/* An accepted request waits (CARD_APP_READY) until tk_kick, which
	 * tk_envelope calls after us: a PoR queued below goes first. */
	if (ur == STK_OK)
		(void)applet_request(c, cmd.data, cmd.data_len,
		    stk_sms_time_to_unix(&t->scts), cmd.kic, cmd.kid);
	/* The PoR, when the SPI asks for one (TS 102 225 §5.1.1 octet 2
	 * b2b1: always, or on error). */
	if (!stk_ota_por_wanted(&cmd.spi, status)) {
		*sw = STK_SW_OK;
		goto out;
	}
	if ((r = build_por(c, &cmd, status, &por)) != STK_OK)
		goto out;
	/* Octet 2 b6 = 1 (TS 31.115 §4.2): by SMS-SUBMIT, so the ENVELOPE
	 * ends 9000 (91xx: the SEND SHORT MESSAGE) with no data and the ME
	 * answers a plain RP-ACK (TS 31.111 §7.1.1.2). */
	if (cmd.spi.por_via_submit && por_sms(c, t, &cmd, &por) == STK_OK) {
		log_debug("PoR %02X (%s) queued for SMS-SUBMIT", status,
		    stk_ota_status_name(status));
		*sw = STK_SW_OK;
		goto out;
	}
	/* b6 = 0, or no way to send an SMS: in the SMS-DELIVER-REPORT,
	 * i.e. as the ENVELOPE's response data. */
	stk_buf_add_bytes(out, (const uint8_t *)"\x02\x71\x00", 3);
	stk_buf_add_bytes(out, stk_buf_data(&por), stk_buf_len(&por));
	if (!stk_buf_ok(out)) {
		r = STK_E_NOSPACE;
		goto out;
	}
	*sw = status == STK_OTA_ST_OK ? STK_SW_OK : CARD_SW_WARNING;
out:
	stk_ota_command_free(&cmd);
	stk_buf_free(&por);
	free(t);
	return r;
}

/* ---- packets from the card --------------------------------------------- */

/* One SMS-SUBMIT as f says with TP-UD = udh + body. */
static int
submit_tpdu(const struct submit_form *f, const struct stk_segment *seg,
    struct stk_buf *out)
{
	struct stk_tpdu *t;
	int r;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return STK_E_NOMEM;
	stk_tpdu_init(t, STK_TPDU_SUBMIT);
	/* TP-MR 00: the ME sets the message reference (TS 102 223 §6.4.10,
	 * TS 31.111 §6.4.10); no validity period, no status report. */
	t->mr = 0;
	t->vpf = STK_VPF_NONE;
	t->vp.vpf = STK_VPF_NONE;
	t->addr = *f->da;
	t->pid = f->pid;
	if ((r = stk_tpdu_set_udh(t, seg->udh, seg->udh_len)) != STK_OK)
		goto out;
	if ((r = stk_tpdu_set_octets(t, seg->body, seg->body_len, f->dcs)) !=
	    STK_OK)
		goto out;
	r = stk_tpdu_encode(t, out);
out:
	free(t);
	return r;
}

/*
 * Queue a packet (from CPL/RPL on) as SMS-SUBMITs coded as f says, split
 * by stk_ota_sms_split() with packet identifier iei and concatenation
 * reference ref.  All or nothing: STK_E_NOSPACE, before anything is
 * queued, when the segments do not all fit the queue.
 */
static int
queue_packet(struct card *c, const struct submit_form *f, uint8_t iei,
    uint8_t ref, const uint8_t *pkt, size_t len, size_t *nsms)
{
	struct stk_seglist segs = { 0, NULL };
	struct stk_buf tpdu;
	unsigned first = c->tk.nsms;
	int r;

	stk_buf_init(&tpdu);
	if ((r = stk_ota_sms_split(pkt, len, iei, ref, false, &segs)) !=
	    STK_OK)
		goto out;
	if (segs.n > CARD_SMS_QUEUE - c->tk.nsms) {
		r = STK_E_NOSPACE;
		goto out;
	}
	for (size_t i = 0; i < segs.n; i++) {
		stk_buf_reset(&tpdu);
		if ((r = submit_tpdu(f, &segs.seg[i], &tpdu)) != STK_OK ||
		    (r = tk_queue_sms(c, stk_buf_data(&tpdu),
		    stk_buf_len(&tpdu), f->kind)) != STK_OK)
			goto out;
	}
	*nsms = segs.n;
out:
	/* A packet in part is worth nothing to its receiver. */
	if (r != STK_OK)
		tk_drop_queued(c, first);
	stk_seglist_free(&segs);
	stk_buf_free(&tpdu);
	return r;
}

/*
 * A PoR "via SMS-SUBMIT" (TS 102 225 §5.1.1 SPI octet 2 b6 = 1; TS 31.115
 * §4.4): the response packet por (from RPL on, secured by build_por) in
 * SMS-SUBMIT(s) with UDH IEI 71 "response packet identifier" (split into
 * concatenated SMS by stk_ota_sms_split when longer than 137 octets),
 * sent with SEND SHORT MESSAGE (TS 102 223 §6.4.10) to the originator of
 * the command: TP-DA = the TP-OA of the SMS-DELIVER, TP-PID 7F (U)SIM
 * data download (TS 23.040 §9.2.3.9), TP-DCS F6 class 2 8-bit, no
 * validity period, no SC address in the command (the ME's default SC).
 * Concatenation reference: the low octet of the command's counter.
 *
 * STK_E_UNSUPPORTED when the card cannot send it: the terminal did not
 * announce SEND SHORT MESSAGE (TS 102 223 §5.2) or the TP-OA is no number
 * (alphanumeric or empty); the caller then answers in the ENVELOPE
 * response.
 */
static int
por_sms(struct card *c, const struct stk_tpdu *deliver,
    const struct stk_ota_command *cmd, const struct stk_buf *por)
{
	struct submit_form f = {
		&deliver->addr, STK_PID_SIM_DOWNLOAD, CARD_DCS_CLASS2_8BIT,
		CARD_SMS_POR,
	};
	size_t n = 0;
	int r;

	if (!tk_has(c, STK_TP_SEND_SHORT_MESSAGE)) {
		log_warn("PoR by SMS-SUBMIT: the terminal cannot SEND SHORT "
		    "MESSAGE; answered in the ENVELOPE response");
		return STK_E_UNSUPPORTED;
	}
	if (deliver->addr.ton == STK_TON_ALPHANUMERIC ||
	    deliver->addr.ndigits == 0) {
		log_warn("PoR by SMS-SUBMIT: the command's TP-OA is no number; "
		    "answered in the ENVELOPE response");
		return STK_E_UNSUPPORTED;
	}
	r = queue_packet(c, &f, STK_OTA_IEI_RESPONSE,
	    (uint8_t)(cmd->cntr & 0xff), stk_buf_data(por), stk_buf_len(por),
	    &n);
	if (r != STK_OK)
		log_error("PoR by SMS-SUBMIT: %s; answered in the ENVELOPE "
		    "response", stk_strerror(r));
	else
		log_debug("PoR: packet of %zu octets, %zu SMS", stk_buf_len(por),
		    n);
	return r;
}

int
ota_send_packet(struct card *c, uint8_t kic, uint8_t kid,
    const uint8_t *data, size_t len)
{
	struct stk_ota_cmd_params p;
	struct stk_ota_key kick, kidk;
	struct stk_sms_addr service;
	struct submit_form f = {
		&service, STK_PID_DEFAULT, CARD_DCS_8BIT, CARD_SMS_AUTH,
	};
	struct card_keyset *ks;
	struct stk_buf pkt;
	uint16_t spi = CARD_TX_SPI;
	size_t n = 0;
	int r;

	stk_buf_init(&pkt);
	memset(&kick, 0, sizeof(kick));
	memset(&kidk, 0, sizeof(kidk));
	if (c->d.service[0] == '\0') {
		log_error("auth response: no service number on the card");
		r = STK_E_STATE;
		goto out;
	}
	if ((r = stk_sms_addr_from_text(c->d.service, &service)) != STK_OK)
		goto out;
	if ((ks = card_keyset_find(&c->d, packet_kvn(kic, kid))) == NULL) {
		r = STK_E_NOT_FOUND;
		goto out;
	}
	if (ks->tx_cntr >= STK_OTA_CNTR_MAX) {
		log_error("auth response: counter of key set %u exhausted",
		    ks->kvn);
		r = STK_E_REPLAY;
		goto out;
	}
	/* The counter is spent before the packet exists (TS 102 225
	 * §5.1.1, sending entity): never the same value twice. */
	ks->tx_cntr++;
	if ((r = card_persist(c)) != STK_OK)
		goto out;
	fill_key(&kick, ks->kic, ks->kic_len);
	fill_key(&kidk, ks->kid, ks->kid_len);
	memset(&p, 0, sizeof(p));
	p.spi = spi;
	p.kic = kic;
	p.kid = kid;
	memcpy(p.tar, c->d.auth_tar, STK_OTA_TAR_LEN);
	p.cntr = ks->tx_cntr;
	p.kic_key = &kick;
	p.kid_key = &kidk;
	if ((r = stk_ota_wrap_command(&p, data, len, &pkt)) != STK_OK)
		goto out;
	/* Concatenation reference: the low octet of the counter, so that
	 * successive responses differ (TS 23.040 §9.2.3.24.1). */
	if ((r = queue_packet(c, &f, STK_OTA_IEI_COMMAND,
	    (uint8_t)(ks->tx_cntr & 0xff), stk_buf_data(&pkt),
	    stk_buf_len(&pkt), &n)) != STK_OK)
		goto out;
	log_debug("auth response: packet of %zu octets, CNTR %llu, %zu SMS",
	    stk_buf_len(&pkt), (unsigned long long)ks->tx_cntr, n);
out:
	explicit_bzero(&kick, sizeof(kick));
	explicit_bzero(&kidk, sizeof(kidk));
	stk_buf_free(&pkt);
	return r;
}
