/*
 * ota_wrap.c - building TS 102 225 / TS 31.115 secured packets: command
 * packets (sending entity, §5.1 / §4.2) and response packets (PoR, §5.2 /
 * §4.4).  Both go through one routine, seal(), parameterised by the packet
 * kind of ota_sec.h.  Contracts in ota.h.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "ota.h"
#include "ota_crypto.h"
#include "ota_sec.h"

/* One packet to build, all checks on the caller's parameters done. */
struct seal_req {
	const struct ota_kind *kind;
	struct ota_sec sec;
	const struct stk_ota_key *kic_key;
	const struct stk_ota_key *kid_key;
	uint8_t mid[4];			/* SPI KIc KID of a command */
	size_t mid_len;			/* 4, or 0 for a response */
	const uint8_t *tar;
	uint64_t cntr;
	uint8_t status;			/* responses only */
};

/*
 * Append to out the packet for data[0..len) from CPL/RPL on:
 *   clear header   CPL|RPL  CHL|RHL  [SPI KIc KID]  TAR
 *   secured part   CNTR PCNTR [status] RC/CC/DS data padding
 * The secured part is zero-padded to the cipher block (PCNTR counts the
 * padding), its RC/CC is computed over prefix || clear header ||
 * CNTR PCNTR [status] || data padding (the RC/CC field itself skipped,
 * ota.h), then it is ciphered in place.  Working copies are cleansed.
 * Errors: STK_E_TOO_LONG, STK_E_NOMEM (work buffers), STK_E_NOSPACE/NOMEM
 * (out), those of ota_sec_sig() and stk_ota_cbc().
 */
static int
seal(const struct seal_req *q, const uint8_t *data, size_t len,
    struct stk_buf *out)
{
	const struct ota_kind *k = q->kind;
	const struct ota_sec *s = &q->sec;
	struct stk_buf hdr, body;
	uint8_t sig[8];
	size_t pad, pl, sig_at;
	int ret;

	stk_buf_init(&hdr);
	stk_buf_init(&body);
	if (len > STK_OTA_PACKET_MAX) {
		ret = STK_E_TOO_LONG;
		goto out;
	}
	pad = ota_sec_pad_len(k->fixed_len + s->sig_len + len, s->block);
	pl = 1 + k->hl_min + s->sig_len + len + pad;
	if (pl + 2 > STK_OTA_PACKET_MAX) {
		ret = STK_E_TOO_LONG;
		goto out;
	}
	stk_buf_add_u16(&hdr, (uint16_t)pl);
	stk_buf_add_u8(&hdr, (uint8_t)(k->hl_min + s->sig_len));
	stk_buf_add_bytes(&hdr, q->mid, q->mid_len);
	stk_buf_add_bytes(&hdr, q->tar, STK_OTA_TAR_LEN);
	stk_buf_add_u40(&body, q->cntr);
	stk_buf_add_u8(&body, (uint8_t)pad);
	if (k->has_status)
		stk_buf_add_u8(&body, q->status);
	sig_at = stk_buf_len(&body);
	stk_buf_add_zeros(&body, s->sig_len);
	stk_buf_add_bytes(&body, data, len);
	stk_buf_add_zeros(&body, pad);
	if (!stk_buf_ok(&hdr) || !stk_buf_ok(&body)) {
		ret = STK_E_NOMEM;
		goto out;
	}
	if (s->sig_len > 0) {
		uint8_t *b = stk_buf_data(&body);
		struct ota_part parts[4] = {
			{ k->prefix, k->prefix_len },
			{ stk_buf_data(&hdr), stk_buf_len(&hdr) },
			{ b, sig_at },
			{ b + sig_at + s->sig_len, len + pad },
		};

		if ((ret = ota_sec_sig(s, q->kid_key, parts, 4, sig,
		    s->sig_len)) != STK_OK)
			goto out;
		memcpy(b + sig_at, sig, s->sig_len);
	}
	if (s->cipher != STK_OTA_ALG_NONE &&
	    (ret = stk_ota_cbc(s->cipher, q->kic_key, 1, stk_buf_data(&body),
	    stk_buf_data(&body), stk_buf_len(&body))) != STK_OK)
		goto out;
	stk_buf_add_bytes(out, stk_buf_data(&hdr), stk_buf_len(&hdr));
	stk_buf_add_bytes(out, stk_buf_data(&body), stk_buf_len(&body));
	ret = stk_buf_ok(out) ? STK_OK : (out->fixed ? STK_E_NOSPACE :
	    STK_E_NOMEM);
out:
	OPENSSL_cleanse(sig, sizeof(sig));
	if (body.data != NULL)
		OPENSSL_cleanse(body.data, body.len);
	stk_buf_free(&hdr);
	stk_buf_free(&body);
	return ret;
}

/* What both wraps check before anything else (STK_E_ARG otherwise). */
static bool
args_ok(uint64_t cntr, const uint8_t *data, size_t len,
    const struct stk_buf *out)
{
	return out != NULL && (data != NULL || len == 0) &&
	    cntr <= STK_OTA_CNTR_MAX;
}

/* Command packet, secured as its own SPI octet 1 asks (TS 31.115 §4.2). */
int
stk_ota_wrap_command(const struct stk_ota_cmd_params *p, const uint8_t *data,
    size_t len, struct stk_buf *out)
{
	struct stk_ota_spi spi;
	struct seal_req q;
	int ret;

	if (p == NULL || !args_ok(p->cntr, data, len, out))
		return STK_E_ARG;
	if ((ret = stk_ota_spi_decode(p->spi, &spi)) != STK_OK)
		return ret;
	memset(&q, 0, sizeof(q));
	if ((ret = ota_sec_resolve(spi.ciphering, spi.integrity, p->kic, p->kid,
	    p->kic_key, p->kid_key, &q.sec)) != STK_OK)
		return ret;
	q.kind = &ota_kind_command;
	q.kic_key = p->kic_key;
	q.kid_key = p->kid_key;
	q.mid[0] = (uint8_t)(p->spi >> 8);
	q.mid[1] = (uint8_t)p->spi;
	q.mid[2] = p->kic;
	q.mid[3] = p->kid;
	q.mid_len = 4;
	q.tar = p->tar;
	q.cntr = p->cntr;
	return seal(&q, data, len, out);
}

/* Response packet, secured as the command's SPI octet 2 asks (b5 PoR
 * ciphering, b4b3 PoR RC/CC/DS; TS 31.115 §4.4) unless p->secured is
 * false. */
int
stk_ota_wrap_response(const struct stk_ota_resp_params *p,
    const uint8_t *data, size_t len, struct stk_buf *out)
{
	struct stk_ota_spi spi;
	struct seal_req q;
	int ret;

	if (p == NULL || !args_ok(p->cntr, data, len, out))
		return STK_E_ARG;
	if ((ret = stk_ota_spi_decode(p->cmd_spi, &spi)) != STK_OK)
		return ret;
	memset(&q, 0, sizeof(q));
	if (!p->secured)
		ota_sec_none(&q.sec);
	else if ((ret = ota_sec_resolve(spi.por_ciphering, spi.por_integrity,
	    p->kic, p->kid, p->kic_key, p->kid_key, &q.sec)) != STK_OK)
		return ret;
	q.kind = &ota_kind_response;
	q.kic_key = p->kic_key;
	q.kid_key = p->kid_key;
	q.mid_len = 0;
	q.tar = p->tar;
	q.cntr = p->cntr;
	q.status = p->status;
	return seal(&q, data, len, out);
}
