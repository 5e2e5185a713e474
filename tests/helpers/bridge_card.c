/*
 * bridge_card - the card's side of the bridge core's shell tests
 * (tests/sh/test_bridge_core.sh, test_bridge_crash.sh), with the `loop`
 * test transport:
 *
 *   bridge_card enrol KEYSTORE ICCID MSISDN TAR KIC KID KICKEY KIDKEY [SPI]
 *       enrol a card (key set of the KIc/KID octets' version) with
 *       smsc-bridge/keystore.c
 *   bridge_card open SUBMIT-HEX TAR KICKEY KIDKEY
 *       the SMS-SUBMIT the bridge sent: check TP-PID 7F, TP-DCS F6, UDH
 *       IEI 70, open the command packet (lib) and print
 *       "CNTR REQUEST-HEX"
 *   bridge_card answer RESPONSE-HEX FROM TAR KIC KID KICKEY KIDKEY CNTR
 *       OUTDIR PREFIX [reverse] [dup]
 *       wrap an auth response as the card does (docs/SIM.md: SPI 1600,
 *       the command's key set, counter CNTR), split it into SMS-DELIVERs
 *       from FROM and write OUTDIR/PREFIX-N.tpdu (reverse: the segments
 *       in reverse order; dup: each twice)
 *   bridge_card por FROM TAR KIC KID KICKEY KIDKEY SPI CNTR STATUS OUTDIR
 *       a PoR (TS 102 225 §5.2) for command counter CNTR, as the card
 *       would send it by SMS-SUBMIT (SPI octet 2 b6)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bytes.h"
#include "err.h"
#include "hex.h"
#include "keystore.h"
#include "ota.h"
#include "sms_addr.h"
#include "sms_time.h"
#include "tpdu.h"

static int
die(const char *what, int r)
{
	fprintf(stderr, "bridge_card: %s: %s\n", what, stk_strerror(r));
	return 1;
}

static int
hex_to(const char *hex, uint8_t *out, size_t max, size_t *len)
{
	struct stk_buf b;
	int r;

	stk_buf_init(&b);
	r = stk_hex_decode(hex, &b);
	if (r == STK_OK && stk_buf_len(&b) > max)
		r = STK_E_TOO_LONG;
	if (r == STK_OK) {
		memcpy(out, stk_buf_data(&b), stk_buf_len(&b));
		*len = stk_buf_len(&b);
	}
	stk_buf_free(&b);
	return r;
}

static int
key(const char *hex, struct stk_ota_key *k)
{
	memset(k, 0, sizeof(*k));
	return hex_to(hex, k->key, sizeof(k->key), &k->len);
}

static int
enrol(int argc, char **argv)
{
	struct keystore *ks;
	struct ks_card c;
	struct ks_keyset *k;
	char err[256];
	size_t n;
	int r;

	if (argc < 10)
		return 2;
	memset(&c, 0, sizeof(c));
	snprintf(c.iccid, sizeof(c.iccid), "%s", argv[3]);
	snprintf(c.msisdn, sizeof(c.msisdn), "%s", argv[4]);
	if (hex_to(argv[5], c.tar, 3, &n) != STK_OK || n != 3)
		return die("TAR", STK_E_INVALID);
	c.spi = argc > 10 ? (uint16_t)strtoul(argv[10], NULL, 16) :
	    KS_SPI_DEFAULT;
	k = &c.ks[0];
	k->kic = (uint8_t)strtoul(argv[6], NULL, 16);
	k->kid = (uint8_t)strtoul(argv[7], NULL, 16);
	k->kvn = (uint8_t)stk_ota_key_version(k->kid);
	if (hex_to(argv[8], k->kic_key, sizeof(k->kic_key), &k->kic_len) !=
	    STK_OK || hex_to(argv[9], k->kid_key, sizeof(k->kid_key),
	    &k->kid_len) != STK_OK)
		return die("keys", STK_E_INVALID);
	c.nkeysets = 1;
	c.cmd_kvn = k->kvn;
	if ((r = keystore_open(argv[2], &ks, err, sizeof(err))) != STK_OK) {
		fprintf(stderr, "bridge_card: %s\n", err);
		return 1;
	}
	r = keystore_card_put(ks, &c, true, err, sizeof(err));
	keystore_close(ks);
	if (r != STK_OK) {
		fprintf(stderr, "bridge_card: enrol: %s\n", err);
		return 1;
	}
	return 0;
}

struct rx {
	struct stk_ota_key kic, kid;
	uint8_t tar[3];
};

static int
lookup(void *arg, const uint8_t tar[STK_OTA_TAR_LEN], uint8_t kic,
    uint8_t kid, struct stk_ota_rx_keys *keys)
{
	struct rx *x = arg;

	(void)kic;
	(void)kid;
	if (memcmp(tar, x->tar, 3) != 0)
		return STK_E_NOT_FOUND;
	memset(keys, 0, sizeof(*keys));
	keys->kic = x->kic;
	keys->kid = x->kid;
	keys->counter = 0;
	keys->msl.integrity = STK_OTA_INTEG_CC;
	keys->msl.ciphering = true;
	keys->msl.cntr = STK_OTA_CNTR_NOCHECK;
	return STK_OK;
}

static int
open_cmd(int argc, char **argv)
{
	static uint8_t pdu[200];
	struct stk_tpdu t;
	struct stk_ota_command cmd;
	struct stk_diag d;
	struct rx x;
	uint8_t st;
	size_t n;
	char *hex;
	int r;

	if (argc < 6)
		return 2;
	if ((r = hex_to(argv[2], pdu, sizeof(pdu), &n)) != STK_OK ||
	    (r = stk_tpdu_decode(pdu, n, STK_DIR_MS_TO_SC, &t, &d)) != STK_OK)
		return die("SMS-SUBMIT", r);
	if (t.type != STK_TPDU_SUBMIT || t.pid != 0x7F || t.dcs != 0xF6 ||
	    !t.udhi || t.udh_len != 3 || t.udh[1] != 0x70) {
		fprintf(stderr, "bridge_card: not an SMS-PP data download "
		    "(PID %02X DCS %02X)\n", t.pid, t.dcs);
		return 1;
	}
	if (hex_to(argv[3], x.tar, 3, &n) != STK_OK || key(argv[4], &x.kic) ||
	    key(argv[5], &x.kid))
		return die("keys", STK_E_INVALID);
	memset(&cmd, 0, sizeof(cmd));
	r = stk_ota_unwrap_command(t.body, t.body_len, lookup, &x, &cmd, &st,
	    &d);
	if (r != STK_OK) {
		stk_ota_command_free(&cmd);
		return die("command packet", r);
	}
	hex = stk_hex_string(cmd.data, cmd.data_len, 1);
	printf("%llu %s\n", (unsigned long long)cmd.cntr, hex);
	free(hex);
	stk_ota_command_free(&cmd);
	return 0;
}

/* Write SMS-DELIVERs from `from` with the segments of packet. */
static int
deliver(const uint8_t *pkt, size_t len, uint8_t iei, uint8_t ref,
    const char *from, const char *dir, const char *prefix, bool reverse,
    bool dup)
{
	struct stk_seglist segs = { 0, NULL };
	struct stk_tpdu t;
	int r;

	if ((r = stk_ota_sms_split(pkt, len, iei, ref, false, &segs)) !=
	    STK_OK)
		return die("split", r);
	for (size_t k = 0; k < segs.n * (dup ? 2 : 1); k++) {
		size_t i = reverse ? segs.n - 1 - k % segs.n : k % segs.n;
		struct stk_buf b;
		char path[512], tmp[520], *hex;
		FILE *f;

		stk_tpdu_init(&t, STK_TPDU_DELIVER);
		if ((r = stk_sms_addr_from_text(from, &t.addr)) != STK_OK ||
		    (r = stk_sms_time_from_unix(time(NULL), 0, &t.scts)) !=
		    STK_OK ||
		    (r = stk_tpdu_set_udh(&t, segs.seg[i].udh,
		    segs.seg[i].udh_len)) != STK_OK ||
		    (r = stk_tpdu_set_octets(&t, segs.seg[i].body,
		    segs.seg[i].body_len, 0x04)) != STK_OK)
			return die("SMS-DELIVER", r);
		t.mms = true;
		stk_buf_init(&b);
		if ((r = stk_tpdu_encode(&t, &b)) != STK_OK)
			return die("encode", r);
		hex = stk_hex_string(stk_buf_data(&b), stk_buf_len(&b), 1);
		/* written under another name, then renamed: the bridge's
		 * loop transport polls DIR and must never read half a file
		 * (an empty line was taken as a TPDU, the segment lost) */
		snprintf(path, sizeof(path), "%s/%s-%02zu.tpdu", dir, prefix,
		    k);
		snprintf(tmp, sizeof(tmp), "%s.part", path);
		if ((f = fopen(tmp, "w")) == NULL)
			return die(tmp, STK_E_IO);
		fprintf(f, "%s\n", hex);
		free(hex);
		if (fclose(f) != 0 || rename(tmp, path) != 0)
			return die(path, STK_E_IO);
		stk_buf_free(&b);
	}
	stk_seglist_free(&segs);
	return 0;
}

static int
answer(int argc, char **argv)
{
	static uint8_t resp[700];
	struct stk_ota_cmd_params p;
	struct stk_ota_key kic, kid;
	struct stk_buf pkt;
	size_t n, tn;
	int r;
	bool reverse = false, dup = false;

	if (argc < 12)
		return 2;
	for (int i = 12; i < argc; i++) {
		reverse |= strcmp(argv[i], "reverse") == 0;
		dup |= strcmp(argv[i], "dup") == 0;
	}
	memset(&p, 0, sizeof(p));
	if (hex_to(argv[2], resp, sizeof(resp), &n) != STK_OK ||
	    hex_to(argv[4], p.tar, 3, &tn) != STK_OK || key(argv[7], &kic) ||
	    key(argv[8], &kid))
		return die("arguments", STK_E_INVALID);
	p.spi = 0x1600;		/* docs/SIM.md: CC, ciphered, counter higher */
	p.kic = (uint8_t)strtoul(argv[5], NULL, 16);
	p.kid = (uint8_t)strtoul(argv[6], NULL, 16);
	p.cntr = strtoull(argv[9], NULL, 10);
	p.kic_key = &kic;
	p.kid_key = &kid;
	stk_buf_init(&pkt);
	if ((r = stk_ota_wrap_command(&p, resp, n, &pkt)) != STK_OK)
		return die("wrap", r);
	r = deliver(stk_buf_data(&pkt), stk_buf_len(&pkt), STK_OTA_IEI_COMMAND,
	    (uint8_t)p.cntr, argv[3], argv[10], argv[11], reverse, dup);
	stk_buf_free(&pkt);
	return r;
}

static int
por(int argc, char **argv)
{
	struct stk_ota_resp_params p;
	struct stk_ota_key kic, kid;
	struct stk_buf pkt;
	size_t tn;
	int r;

	if (argc < 12)
		return 2;
	memset(&p, 0, sizeof(p));
	if (hex_to(argv[3], p.tar, 3, &tn) != STK_OK || key(argv[6], &kic) ||
	    key(argv[7], &kid))
		return die("arguments", STK_E_INVALID);
	p.kic = (uint8_t)strtoul(argv[4], NULL, 16);
	p.kid = (uint8_t)strtoul(argv[5], NULL, 16);
	p.cmd_spi = (uint16_t)strtoul(argv[8], NULL, 16);
	p.cntr = strtoull(argv[9], NULL, 10);
	p.status = (uint8_t)strtoul(argv[10], NULL, 16);
	p.secured = true;
	p.kic_key = &kic;
	p.kid_key = &kid;
	stk_buf_init(&pkt);
	if ((r = stk_ota_wrap_response(&p, NULL, 0, &pkt)) != STK_OK)
		return die("wrap response", r);
	r = deliver(stk_buf_data(&pkt), stk_buf_len(&pkt),
	    STK_OTA_IEI_RESPONSE, 0, argv[2], argv[11], "por", false, false);
	stk_buf_free(&pkt);
	return r;
}

int
main(int argc, char **argv)
{
	int r = 2;

	if (argc >= 2 && strcmp(argv[1], "enrol") == 0)
		r = enrol(argc, argv);
	else if (argc >= 2 && strcmp(argv[1], "open") == 0)
		r = open_cmd(argc, argv);
	else if (argc >= 2 && strcmp(argv[1], "answer") == 0)
		r = answer(argc, argv);
	else if (argc >= 2 && strcmp(argv[1], "por") == 0)
		r = por(argc, argv);
	if (r == 2)
		fprintf(stderr, "usage: see tests/helpers/bridge_card.c\n");
	return r;
}
