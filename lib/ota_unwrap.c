/*
 * ota_unwrap.c - parsing and opening TS 102 225 / TS 31.115 secured
 * packets: the clear headers (no keys, for inspectors), command packets
 * as the receiving entity (the card) opens them (§5.1 / §4.2) and
 * response packets (PoR, §5.2 / §4.4).  The secured part of both kinds is
 * opened by one routine, open_secured(), parameterised by the packet kind
 * of ota_sec.h.  Contracts in ota.h.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ota.h"
#include "ota_crypto.h"
#include "ota_sec.h"

/* ---- parsing headers (no keys) ----------------------------------------- */

/* Skip a leading "02 iei 00" UDH (see ota.h on why this is unambiguous). */
static void
skip_udh(struct stk_cur *c, uint8_t iei)
{
	const uint8_t *p = stk_cur_data(c);

	if (stk_cur_len(c) >= 3 && p[0] == 0x02 && p[1] == iei && p[2] == 0x00)
		stk_cur_skip(c, 3);
}

/* Read a 2-octet length that must cover exactly the rest of c. */
static int
exact_len(struct stk_cur *c, uint16_t *v, const char *field,
    struct stk_diag *diag)
{
	size_t at = stk_cur_offset(c);

	if (!stk_cur_u16(c, v))
		return stk_fail(diag, STK_E_TRUNCATED, field, at);
	if (stk_cur_len(c) < *v)
		return stk_fail(diag, STK_E_TRUNCATED, field, at);
	if (stk_cur_len(c) > *v)
		return stk_fail(diag, STK_E_TRAILING, field, at + 2 + *v);
	return STK_OK;
}

/*
 * CPL/RPL, which must cover exactly the rest of c (at most
 * STK_OTA_PACKET_MAX), then CHL/RHL: at least its minimum and no more
 * than what CPL/RPL leaves.
 */
static int
read_lengths(struct stk_cur *c, const struct ota_kind *k, uint16_t *pl,
    uint8_t *hl, struct stk_diag *diag)
{
	size_t at;
	int ret;

	if (stk_cur_len(c) > STK_OTA_PACKET_MAX)
		return stk_fail(diag, STK_E_TOO_LONG, k->pl_name,
		    stk_cur_offset(c));
	if ((ret = exact_len(c, pl, k->pl_name, diag)) != STK_OK)
		return ret;
	at = stk_cur_offset(c);
	if (!stk_cur_u8(c, hl))
		return stk_fail(diag, STK_E_TRUNCATED, k->hl_name, at);
	if (*hl < k->hl_min || (size_t)*hl > stk_cur_len(c))
		return stk_fail(diag, STK_E_INCONSISTENT, k->hl_name, at);
	return STK_OK;
}

/* TAR, then the rest of c (the secured part, as sent) handed out whole. */
static int
read_tar_rest(struct stk_cur *c, uint8_t tar[STK_OTA_TAR_LEN],
    const uint8_t **rest, size_t *rest_len, size_t *rest_offset,
    struct stk_diag *diag)
{
	size_t at = stk_cur_offset(c);

	if (!stk_cur_copy(c, tar, STK_OTA_TAR_LEN))
		return stk_fail(diag, STK_E_TRUNCATED, "TAR", at);
	*rest = stk_cur_data(c);
	*rest_len = stk_cur_len(c);
	*rest_offset = stk_cur_offset(c);
	stk_cur_skip(c, *rest_len);
	return STK_OK;
}

int
stk_ota_parse_command_header_cur(struct stk_cur *c,
    struct stk_ota_cmd_header *h, struct stk_diag *diag)
{
	size_t at;
	int ret;

	memset(h, 0, sizeof(*h));
	if ((ret = read_lengths(c, &ota_kind_command, &h->cpl, &h->chl,
	    diag)) != STK_OK)
		return ret;
	at = stk_cur_offset(c);
	if (!stk_cur_u16(c, &h->spi_raw))
		return stk_fail(diag, STK_E_TRUNCATED, "SPI", at);
	if (stk_ota_spi_decode(h->spi_raw, &h->spi) != STK_OK)
		return stk_fail(diag, STK_E_INVALID, "SPI", at);
	at = stk_cur_offset(c);
	if (!stk_cur_u8(c, &h->kic))
		return stk_fail(diag, STK_E_TRUNCATED, "KIc", at);
	at = stk_cur_offset(c);
	if (!stk_cur_u8(c, &h->kid))
		return stk_fail(diag, STK_E_TRUNCATED, "KID", at);
	return read_tar_rest(c, h->tar, &h->rest, &h->rest_len,
	    &h->rest_offset, diag);
}

int
stk_ota_parse_command_header(const uint8_t *in, size_t len,
    struct stk_ota_cmd_header *h, struct stk_diag *diag)
{
	struct stk_cur c;

	stk_cur_init(&c, in, len);
	skip_udh(&c, STK_OTA_IEI_COMMAND);
	return stk_ota_parse_command_header_cur(&c, h, diag);
}

int
stk_ota_parse_response_header_cur(struct stk_cur *c,
    struct stk_ota_resp_header *h, struct stk_diag *diag)
{
	int ret;

	memset(h, 0, sizeof(*h));
	if ((ret = read_lengths(c, &ota_kind_response, &h->rpl, &h->rhl,
	    diag)) != STK_OK)
		return ret;
	return read_tar_rest(c, h->tar, &h->rest, &h->rest_len,
	    &h->rest_offset, diag);
}

int
stk_ota_parse_response_header(const uint8_t *in, size_t len,
    struct stk_ota_resp_header *h, struct stk_diag *diag)
{
	struct stk_cur c;

	stk_cur_init(&c, in, len);
	return stk_ota_parse_response_header_cur(&c, h, diag);
}

/* ---- opening the secured part ------------------------------------------ */

/* One received packet whose clear header has been parsed. */
struct open_req {
	const struct ota_kind *kind;
	const struct ota_sec *sec;
	const struct stk_ota_key *kic_key;
	const struct stk_ota_key *kid_key;
	const uint8_t *hdr;		/* clear header as received */
	size_t hdr_at;			/* its absolute offset */
	const uint8_t *rest;		/* secured part as received */
	size_t rest_len;
	size_t rest_at;			/* its absolute offset */
	size_t sig_len;			/* RC/CC/DS length from CHL/RHL */
	/* Where the fields go as they are read (status: responses only). */
	uint64_t *cntr;
	uint8_t *pcntr;
	uint8_t *status;
};

/*
 * Decipher the secured part into *plain (heap, rest_len octets: the
 * caller cleanses and frees it whatever the result), read CNTR PCNTR
 * [status] RC/CC/DS, verify the RC/CC over prefix || clear header ||
 * CNTR PCNTR [status] || data padding in constant time, and check PCNTR
 * (judged only once the checksum vouches for it).  On success *data
 * holds data and padding (PCNTR octets at its end).  *st is the PoR
 * status a receiving entity answers on failure (TS 102 225 §5.2):
 *   STK_E_NOMEM         07 (no buffer for deciphering)
 *   STK_E_CRYPTO        05 ciphertext not a multiple of the block or
 *                       undecipherable, PCNTR >= block or > data
 *   STK_E_INCONSISTENT  06 CHL/RHL longer than the packet, PCNTR != 0
 *                       without ciphering
 *   STK_E_VERIFY        01 RC/CC mismatch; any error computing the RC/CC
 *                       (its own code, STK_E_NOMEM included) is 01 too
 */
static int
open_secured(const struct open_req *q, uint8_t **plain, struct stk_cur *data,
    uint8_t *st, struct stk_diag *diag)
{
	const struct ota_kind *k = q->kind;
	const struct ota_sec *s = q->sec;
	struct stk_cur body;
	const uint8_t *rx_sig = NULL;
	uint8_t sig[16];
	size_t fixed = k->fixed_len;
	int ret;

	if ((*plain = malloc(q->rest_len + 1)) == NULL) {
		*st = STK_OTA_ST_NO_MEMORY;
		return stk_fail(diag, STK_E_NOMEM, "data", q->rest_at);
	}
	if (q->rest_len > 0)
		memcpy(*plain, q->rest, q->rest_len);
	if (s->cipher != STK_OTA_ALG_NONE && (q->rest_len % s->block != 0 ||
	    stk_ota_cbc(s->cipher, q->kic_key, 0, *plain, *plain,
	    q->rest_len) != STK_OK)) {
		*st = STK_OTA_ST_CIPHERING_ERROR;
		return stk_fail(diag, STK_E_CRYPTO, "ciphered data", q->rest_at);
	}
	/* Offsets inside plain are reported as offsets of the packet. */
	stk_cur_init(&body, *plain, q->rest_len);
	body.off = q->rest_at;
	if (!stk_cur_u40(&body, q->cntr) || !stk_cur_u8(&body, q->pcntr) ||
	    (k->has_status && !stk_cur_u8(&body, q->status)) ||
	    !stk_cur_bytes(&body, &rx_sig, q->sig_len)) {
		/* CHL/RHL promised more than the packet holds. */
		*st = STK_OTA_ST_SECURITY_ERROR;
		return stk_fail(diag, STK_E_INCONSISTENT, k->hl_name,
		    q->hdr_at + 2);
	}
	if (s->integ != STK_OTA_ALG_NONE) {
		struct ota_part parts[4] = {
			{ k->prefix, k->prefix_len },
			{ q->hdr, k->clear_len },
			{ *plain, fixed },
			{ *plain + fixed + q->sig_len,
			    q->rest_len - fixed - q->sig_len },
		};

		*st = STK_OTA_ST_RC_CC_DS_FAILED;
		ret = ota_sec_sig(s, q->kid_key, parts, 4, sig, q->sig_len);
		if (ret == STK_OK && !stk_ct_equal(sig, rx_sig, q->sig_len))
			ret = STK_E_VERIFY;
		OPENSSL_cleanse(sig, sizeof(sig));
		if (ret != STK_OK)
			return stk_fail(diag, ret, "RC/CC/DS", q->rest_at + fixed);
	}
	if (*q->pcntr > stk_cur_len(&body) ||
	    (s->cipher == STK_OTA_ALG_NONE && *q->pcntr != 0) ||
	    (s->cipher != STK_OTA_ALG_NONE && *q->pcntr >= s->block)) {
		if (s->cipher != STK_OTA_ALG_NONE) {
			*st = STK_OTA_ST_CIPHERING_ERROR;
			return stk_fail(diag, STK_E_CRYPTO, "PCNTR",
			    q->rest_at + 5);
		}
		*st = STK_OTA_ST_SECURITY_ERROR;
		return stk_fail(diag, STK_E_INCONSISTENT, "PCNTR",
		    q->rest_at + 5);
	}
	*data = body;
	return STK_OK;
}

/* Copy the data of an opened packet, its pcntr padding octets dropped. */
static int
take_data(const struct stk_cur *data, uint8_t pcntr, uint8_t **out,
    size_t *out_len)
{
	size_t n = stk_cur_len(data) - pcntr;

	if ((*out = malloc(n + 1)) == NULL)
		return STK_E_NOMEM;
	if (n > 0)
		memcpy(*out, stk_cur_data(data), n);
	*out_len = n;
	return STK_OK;
}

/* ---- opening a command packet ------------------------------------------ */

static int
integ_rank(enum stk_ota_integrity i)
{
	return (int)i;		/* NONE 0 < RC 1 < CC 2 < DS 3 */
}

/* Whether the packet's SPI meets the TAR's minimum security level. */
static bool
msl_ok(const struct stk_ota_spi *spi, const struct stk_ota_msl *msl)
{
	if (integ_rank(spi->integrity) < integ_rank(msl->integrity))
		return false;
	if (msl->ciphering && !spi->ciphering)
		return false;
	return (int)spi->cntr >= (int)msl->cntr;
}

static int
cmd_fail(uint8_t *por_status, uint8_t st, int err)
{
	*por_status = st;
	return err;
}

int
stk_ota_unwrap_command(const uint8_t *in, size_t len,
    stk_ota_lookup_fn lookup, void *lookup_arg, struct stk_ota_command *cmd,
    uint8_t *por_status, struct stk_diag *diag)
{
	struct stk_ota_cmd_header h;
	struct stk_ota_rx_keys keys;
	struct stk_cur c, data;
	struct ota_sec s;
	struct open_req q;
	uint8_t *plain = NULL;
	const uint8_t *hdr;
	size_t hdr_at;
	uint8_t st;
	bool upd;
	uint64_t newc;
	int ret;

	memset(&keys, 0, sizeof(keys));
	memset(cmd, 0, sizeof(*cmd));
	*por_status = STK_OTA_ST_SECURITY_ERROR;
	if (in == NULL && len > 0)
		return stk_fail(diag, STK_E_ARG, "input", 0);
	stk_cur_init(&c, in, len);
	skip_udh(&c, STK_OTA_IEI_COMMAND);
	hdr = stk_cur_data(&c);
	hdr_at = stk_cur_offset(&c);
	if ((ret = stk_ota_parse_command_header_cur(&c, &h, diag)) != STK_OK)
		return ret;		/* 06: header unreadable */
	cmd->spi_raw = h.spi_raw;
	cmd->spi = h.spi;
	cmd->kic = h.kic;
	cmd->kid = h.kid;
	memcpy(cmd->tar, h.tar, STK_OTA_TAR_LEN);
	/* Unciphered, CNTR and PCNTR are readable before any key is used. */
	if (!h.spi.ciphering && h.rest_len >= 6) {
		struct stk_cur r;
		stk_cur_init(&r, h.rest, 6);
		stk_cur_u40(&r, &cmd->cntr);
		stk_cur_u8(&r, &cmd->pcntr);
	}
	if (lookup == NULL)
		return cmd_fail(por_status, STK_OTA_ST_TAR_UNKNOWN,
		    stk_fail(diag, STK_E_NOT_FOUND, "TAR", hdr_at + 7));
	ret = lookup(lookup_arg, h.tar, h.kic, h.kid, &keys);
	if (ret == STK_E_NOT_FOUND) {
		ret = cmd_fail(por_status, STK_OTA_ST_TAR_UNKNOWN,
		    stk_fail(diag, STK_E_NOT_FOUND, "TAR", hdr_at + 7));
		goto out;
	}
	if (ret != STK_OK) {
		ret = cmd_fail(por_status, STK_OTA_ST_SECURITY_ERROR,
		    stk_fail(diag, ret < 0 ? ret : STK_E_ARG, "TAR",
		    hdr_at + 7));
		goto out;
	}
	cmd->keys_known = true;
	if (!msl_ok(&h.spi, &keys.msl)) {
		ret = cmd_fail(por_status, STK_OTA_ST_INSUFFICIENT_SEC,
		    stk_fail(diag, STK_E_STATE, "SPI", hdr_at + 3));
		goto out;
	}
	ret = ota_sec_resolve(h.spi.ciphering, h.spi.integrity, h.kic, h.kid,
	    &keys.kic, &keys.kid, &s);
	if (ret == STK_E_UNSUPPORTED) {
		ret = cmd_fail(por_status, STK_OTA_ST_SECURITY_ERROR,
		    stk_fail(diag, ret, s.cipher == STK_OTA_ALG_NONE &&
		    h.spi.ciphering ? "KIc" : "KID", hdr_at + 5));
		goto out;
	}
	if (ret != STK_OK) {	/* key missing or of the wrong size */
		bool kic_bad = h.spi.ciphering && (keys.kic.len == 0 ||
		    stk_ota_key_check(s.cipher, keys.kic.len) != STK_OK);
		ret = cmd_fail(por_status, kic_bad ?
		    STK_OTA_ST_CIPHERING_ERROR : STK_OTA_ST_RC_CC_DS_FAILED,
		    stk_fail(diag, STK_E_CRYPTO, kic_bad ? "KIc" : "KID",
		    hdr_at + (kic_bad ? 5 : 6)));
		goto out;
	}
	if (!ota_sec_sig_len_ok(&s, (size_t)h.chl - STK_OTA_CHL_MIN)) {
		ret = cmd_fail(por_status, STK_OTA_ST_SECURITY_ERROR,
		    stk_fail(diag, STK_E_INCONSISTENT, "CHL", hdr_at + 2));
		goto out;
	}
	/* Decipher and verify CNTR..padding (TS 102 225 §5.1: all after
	 * TAR). */
	q = (struct open_req){
		.kind = &ota_kind_command, .sec = &s,
		.kic_key = &keys.kic, .kid_key = &keys.kid,
		.hdr = hdr, .hdr_at = hdr_at,
		.rest = h.rest, .rest_len = h.rest_len, .rest_at = h.rest_offset,
		.sig_len = (size_t)h.chl - STK_OTA_CHL_MIN,
		.cntr = &cmd->cntr, .pcntr = &cmd->pcntr, .status = NULL,
	};
	if ((ret = open_secured(&q, &plain, &data, &st, diag)) != STK_OK) {
		ret = cmd_fail(por_status, st, ret);
		goto out;
	}
	st = stk_ota_counter_check(h.spi.cntr, keys.counter, cmd->cntr, &upd,
	    &newc);
	if (st != STK_OTA_ST_OK) {
		ret = cmd_fail(por_status, st, stk_fail(diag, STK_E_REPLAY,
		    "CNTR", h.rest_offset));
		goto out;
	}
	if (take_data(&data, cmd->pcntr, &cmd->data, &cmd->data_len) !=
	    STK_OK) {
		ret = cmd_fail(por_status, STK_OTA_ST_NO_MEMORY,
		    stk_fail(diag, STK_E_NOMEM, "data", h.rest_offset));
		goto out;
	}
	cmd->counter_update = upd;
	cmd->new_counter = newc;
	*por_status = STK_OTA_ST_OK;
	ret = STK_OK;
out:
	if (plain != NULL) {
		OPENSSL_cleanse(plain, h.rest_len);
		free(plain);
	}
	OPENSSL_cleanse(&keys, sizeof(keys));
	return ret;
}

void
stk_ota_command_free(struct stk_ota_command *cmd)
{
	if (cmd == NULL)
		return;
	if (cmd->data != NULL) {
		OPENSSL_cleanse(cmd->data, cmd->data_len);
		free(cmd->data);
	}
	cmd->data = NULL;
	cmd->data_len = 0;
}

/* ---- opening a response packet / PoR ----------------------------------- */

int
stk_ota_unwrap_response(const uint8_t *in, size_t len, uint16_t cmd_spi,
    uint8_t kic, uint8_t kid, const struct stk_ota_key *kic_key,
    const struct stk_ota_key *kid_key, struct stk_ota_response *resp,
    struct stk_diag *diag)
{
	struct stk_ota_spi spi;
	struct stk_ota_resp_header h;
	struct stk_cur c, data;
	struct ota_sec s;
	struct open_req q;
	uint8_t *plain = NULL, st;
	const uint8_t *hdr;
	size_t sig_len, hdr_at;
	int ret;

	memset(resp, 0, sizeof(*resp));
	if (in == NULL && len > 0)
		return stk_fail(diag, STK_E_ARG, "input", 0);
	if (stk_ota_spi_decode(cmd_spi, &spi) != STK_OK)
		return stk_fail(diag, STK_E_ARG, "SPI", 0);
	stk_cur_init(&c, in, len);
	skip_udh(&c, STK_OTA_IEI_RESPONSE);
	hdr = stk_cur_data(&c);
	hdr_at = stk_cur_offset(&c);
	if ((ret = stk_ota_parse_response_header_cur(&c, &h, diag)) != STK_OK)
		return ret;
	memcpy(resp->tar, h.tar, STK_OTA_TAR_LEN);
	sig_len = (size_t)h.rhl - STK_OTA_RHL_MIN;
	if (sig_len == 0 && spi.por_integrity != STK_OTA_INTEG_NONE) {
		/* An unsecured PoR (06, 09...): nothing to verify or open. */
		ota_sec_none(&s);
	} else {
		ret = ota_sec_resolve(spi.por_ciphering, spi.por_integrity, kic,
		    kid, kic_key, kid_key, &s);
		if (ret != STK_OK)
			return stk_fail(diag, ret, ret == STK_E_UNSUPPORTED ?
			    "SPI" : "key", hdr_at);
		if (!ota_sec_sig_len_ok(&s, sig_len))
			return stk_fail(diag, STK_E_INCONSISTENT, "RHL",
			    hdr_at + 2);
		resp->secured = s.cipher != STK_OTA_ALG_NONE ||
		    s.integ != STK_OTA_ALG_NONE;
	}
	q = (struct open_req){
		.kind = &ota_kind_response, .sec = &s,
		.kic_key = kic_key, .kid_key = kid_key,
		.hdr = hdr, .hdr_at = hdr_at,
		.rest = h.rest, .rest_len = h.rest_len, .rest_at = h.rest_offset,
		.sig_len = sig_len,
		.cntr = &resp->cntr, .pcntr = &resp->pcntr,
		.status = &resp->status,
	};
	if ((ret = open_secured(&q, &plain, &data, &st, diag)) != STK_OK)
		goto out;
	if (take_data(&data, resp->pcntr, &resp->data, &resp->data_len) !=
	    STK_OK) {
		ret = stk_fail(diag, STK_E_NOMEM, "data", h.rest_offset);
		goto out;
	}
	ret = STK_OK;
out:
	if (plain != NULL) {
		OPENSSL_cleanse(plain, h.rest_len);
		free(plain);
	}
	return ret;
}

void
stk_ota_response_free(struct stk_ota_response *resp)
{
	if (resp == NULL)
		return;
	free(resp->data);
	resp->data = NULL;
	resp->data_len = 0;
}
