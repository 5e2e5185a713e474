/*
 * ota.c - TS 102 225 / TS 31.115 command and response packets: SPI, KIc
 * and KID coding, counter management, building and opening packets.
 * Layouts and the exact byte ranges covered by RC/CC are in ota.h; the
 * primitives are in ota_crypto.c, the status names in ota_status.c and
 * the SMS transport in ota_sms.c.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ota.h"
#include "ota_crypto.h"

/* Octets of CPL, CHL, SPI, KIc, KID, TAR: the clear command header. */
#define CMD_CLEAR_LEN	10
/* Octets of RPL, RHL, TAR: the clear response header. */
#define RESP_CLEAR_LEN	6
/* The UDH a single-SMS response packet starts with; covered by its CC. */
static const uint8_t resp_udh[3] = { 0x02, STK_OTA_IEI_RESPONSE, 0x00 };

/* ---- SPI, TS 102 225 §5.1.1, TS 31.115 §4.2 ---------------------------- */

int
stk_ota_spi_decode(uint16_t raw, struct stk_ota_spi *spi)
{
	uint8_t o1 = (uint8_t)(raw >> 8), o2 = (uint8_t)raw;

	/* Octet 1 b8..b6 and octet 2 b8b7 are reserved; PoR b2b1 = 11 too. */
	if ((o1 & 0xE0) != 0 || (o2 & 0xC0) != 0 || (o2 & 0x03) == 0x03)
		return STK_E_INVALID;
	spi->integrity = (enum stk_ota_integrity)(o1 & 0x03);
	spi->ciphering = (o1 & 0x04) != 0;
	spi->cntr = (enum stk_ota_cntr_mode)((o1 >> 3) & 0x03);
	spi->por = (enum stk_ota_por_req)(o2 & 0x03);
	spi->por_integrity = (enum stk_ota_integrity)((o2 >> 2) & 0x03);
	spi->por_ciphering = (o2 & 0x10) != 0;
	spi->por_via_submit = (o2 & 0x20) != 0;
	return STK_OK;
}

uint16_t
stk_ota_spi_encode(const struct stk_ota_spi *spi)
{
	unsigned o1, o2;

	o1 = ((unsigned)spi->integrity & 3) | (spi->ciphering ? 0x04 : 0) |
	    (((unsigned)spi->cntr & 3) << 3);
	o2 = ((unsigned)spi->por & 3) | (((unsigned)spi->por_integrity & 3) << 2) |
	    (spi->por_ciphering ? 0x10 : 0) | (spi->por_via_submit ? 0x20 : 0);
	return (uint16_t)(o1 << 8 | o2);
}

/* ---- KIc / KID, TS 102 225 §5.1.2, §5.1.3 ------------------------------ */

enum stk_ota_alg
stk_ota_kic_alg(uint8_t kic)
{
	unsigned sub = (kic >> 2) & 3;

	switch (kic & 3) {
	case 0:
		return STK_OTA_ALG_IMPLICIT;
	case 1: {	/* DES family, b4b3 */
		static const enum stk_ota_alg des[4] = {
			STK_OTA_ALG_DES_CBC, STK_OTA_ALG_3DES2_CBC,
			STK_OTA_ALG_3DES3_CBC, STK_OTA_ALG_DES_ECB,
		};
		return des[sub];
	}
	case 2:		/* AES: b4b3 = 00 CBC, others reserved */
		return sub == 0 ? STK_OTA_ALG_AES_CBC : STK_OTA_ALG_RESERVED;
	default:
		return STK_OTA_ALG_PROPRIETARY;
	}
}

enum stk_ota_alg
stk_ota_kid_alg(uint8_t kid, enum stk_ota_integrity integ)
{
	unsigned sub = (kid >> 2) & 3;

	if (integ == STK_OTA_INTEG_RC) {	/* §5.1.3.2 */
		switch (kid & 3) {
		case 0:
			return STK_OTA_ALG_IMPLICIT;
		case 1:
			return sub == 0 ? STK_OTA_ALG_CRC16 :
			    sub == 1 ? STK_OTA_ALG_CRC32 : STK_OTA_ALG_RESERVED;
		case 2:
			return STK_OTA_ALG_RESERVED;
		default:
			return STK_OTA_ALG_PROPRIETARY;
		}
	}
	if (integ == STK_OTA_INTEG_CC) {	/* §5.1.3.1 */
		switch (kid & 3) {
		case 0:
			return STK_OTA_ALG_IMPLICIT;
		case 1:
			return sub == 0 ? STK_OTA_ALG_DES_CBC :
			    sub == 1 ? STK_OTA_ALG_3DES2_CBC :
			    sub == 2 ? STK_OTA_ALG_3DES3_CBC : STK_OTA_ALG_RESERVED;
		case 2:
			return sub == 0 ? STK_OTA_ALG_AES_CMAC : STK_OTA_ALG_RESERVED;
		default:
			return STK_OTA_ALG_PROPRIETARY;
		}
	}
	if (integ == STK_OTA_INTEG_DS)
		return STK_OTA_ALG_PROPRIETARY;	/* DS: §5.1.3.3, not supported */
	return STK_OTA_ALG_NONE;
}

static const char *const alg_names[] = {
	[STK_OTA_ALG_NONE] = "none",
	[STK_OTA_ALG_IMPLICIT] = "known implicitly",
	[STK_OTA_ALG_DES_CBC] = "DES-CBC",
	[STK_OTA_ALG_3DES2_CBC] = "3DES-CBC-2KEY",
	[STK_OTA_ALG_3DES3_CBC] = "3DES-CBC-3KEY",
	[STK_OTA_ALG_DES_ECB] = "DES-ECB",
	[STK_OTA_ALG_AES_CBC] = "AES-CBC",
	[STK_OTA_ALG_AES_CMAC] = "AES-CMAC",
	[STK_OTA_ALG_CRC16] = "CRC-16",
	[STK_OTA_ALG_CRC32] = "CRC-32",
	[STK_OTA_ALG_PROPRIETARY] = "proprietary",
	[STK_OTA_ALG_RESERVED] = "reserved",
};

const char *
stk_ota_alg_name(enum stk_ota_alg alg)
{
	if ((size_t)alg < sizeof(alg_names) / sizeof(alg_names[0]) &&
	    alg_names[alg] != NULL)
		return alg_names[alg];
	return "unknown";
}

/* ---- counter management, TS 102 225 §5.1.1 ----------------------------- */

uint8_t
stk_ota_counter_check(enum stk_ota_cntr_mode mode, uint64_t stored,
    uint64_t received, bool *update, uint64_t *new_stored)
{
	*update = false;
	*new_stored = stored;
	if (mode == STK_OTA_CNTR_NONE || mode == STK_OTA_CNTR_NOCHECK)
		return STK_OTA_ST_OK;
	/* No value can exceed a counter that reached its maximum. */
	if (stored >= STK_OTA_CNTR_MAX)
		return STK_OTA_ST_CNTR_BLOCKED;
	if (received <= stored)
		return STK_OTA_ST_CNTR_LOW;
	if (mode == STK_OTA_CNTR_ONE_HIGHER && received != stored + 1)
		return STK_OTA_ST_CNTR_HIGH;
	*update = true;
	*new_stored = received;
	return STK_OTA_ST_OK;
}

bool
stk_ota_por_wanted(const struct stk_ota_spi *spi, uint8_t status)
{
	return spi->por == STK_OTA_POR_ALWAYS ||
	    (spi->por == STK_OTA_POR_ON_ERROR && status != STK_OTA_ST_OK);
}

/* ---- algorithm resolution ---------------------------------------------- */

/* A KIc/KID code point resolved against the key ("known implicitly"). */
static enum stk_ota_alg
resolve(enum stk_ota_alg coded, const struct stk_ota_key *key)
{
	if (coded == STK_OTA_ALG_IMPLICIT)
		return key != NULL ? key->implicit_alg : STK_OTA_ALG_RESERVED;
	return coded;
}

static bool
is_cipher(enum stk_ota_alg a)
{
	return a == STK_OTA_ALG_DES_CBC || a == STK_OTA_ALG_3DES2_CBC ||
	    a == STK_OTA_ALG_3DES3_CBC || a == STK_OTA_ALG_AES_CBC;
}

static bool
is_cc(enum stk_ota_alg a)
{
	return a == STK_OTA_ALG_DES_CBC || a == STK_OTA_ALG_3DES2_CBC ||
	    a == STK_OTA_ALG_3DES3_CBC || a == STK_OTA_ALG_AES_CMAC;
}

/*
 * The security of one direction: cipher algorithm (or NONE), integrity
 * algorithm (or NONE) and the RC/CC/DS length the sender uses.
 */
struct sec {
	enum stk_ota_alg cipher;
	enum stk_ota_alg integ;
	size_t sig_len;
	size_t block;		/* cipher block, 1 without ciphering */
};

/*
 * Resolve what ciphering/integrity need: STK_E_UNSUPPORTED for DS,
 * DES-ECB, proprietary or reserved code points; STK_E_ARG when a needed
 * key is missing or of the wrong length for the algorithm.
 */
static int
sec_resolve(bool ciphering, enum stk_ota_integrity integ, uint8_t kic,
    uint8_t kid, const struct stk_ota_key *kic_key,
    const struct stk_ota_key *kid_key, struct sec *s)
{
	memset(s, 0, sizeof(*s));
	s->block = 1;
	if (ciphering) {
		s->cipher = resolve(stk_ota_kic_alg(kic), kic_key);
		if (!is_cipher(s->cipher))
			return STK_E_UNSUPPORTED;
		if (kic_key == NULL ||
		    stk_ota_key_check(s->cipher, kic_key->len) != STK_OK)
			return STK_E_ARG;
		s->block = stk_ota_alg_block(s->cipher);
	}
	switch (integ) {
	case STK_OTA_INTEG_NONE:
		return STK_OK;
	case STK_OTA_INTEG_RC:
		s->integ = resolve(stk_ota_kid_alg(kid, integ), kid_key);
		if (s->integ == STK_OTA_ALG_CRC16)
			s->sig_len = 2;
		else if (s->integ == STK_OTA_ALG_CRC32)
			s->sig_len = 4;
		else
			return STK_E_UNSUPPORTED;
		return STK_OK;
	case STK_OTA_INTEG_CC:
		s->integ = resolve(stk_ota_kid_alg(kid, integ), kid_key);
		if (!is_cc(s->integ))
			return STK_E_UNSUPPORTED;
		if (kid_key == NULL ||
		    stk_ota_key_check(s->integ, kid_key->len) != STK_OK)
			return STK_E_ARG;
		s->sig_len = 8;
		return STK_OK;
	default:
		return STK_E_UNSUPPORTED;	/* DS */
	}
}

/*
 * Whether a received RC/CC length suits the algorithm.  AES-CMAC is
 * accepted with 8 octets only, the length we send and pySim sends: a
 * receiver that also took a 4-octet CMAC because CHL/RHL says so would
 * let a forger pick the 32-bit tag.
 */
static bool
sig_len_ok(const struct sec *s, size_t got)
{
	return got == s->sig_len;
}

/* One piece of the octets an RC/CC covers. */
struct part {
	const uint8_t *p;
	size_t n;
};

/*
 * RC/CC over the concatenation of parts[0..n) (the ranges of ota.h, the
 * RC/CC field itself left out), written to sig (sig_len octets).
 */
static int
sig_compute(const struct sec *s, const struct stk_ota_key *kid_key,
    const struct part *parts, size_t nparts, uint8_t *sig, size_t sig_len)
{
	uint8_t *tmp;
	size_t total = 0, at = 0;
	int ret;

	for (size_t i = 0; i < nparts; i++)
		total += parts[i].n;
	if ((tmp = malloc(total + 1)) == NULL)
		return STK_E_NOMEM;
	for (size_t i = 0; i < nparts; i++) {
		if (parts[i].n > 0)
			memcpy(tmp + at, parts[i].p, parts[i].n);
		at += parts[i].n;
	}
	if (s->integ == STK_OTA_ALG_CRC16) {
		uint16_t c = stk_ota_crc16(tmp, total);
		sig[0] = (uint8_t)(c >> 8);
		sig[1] = (uint8_t)c;
		ret = STK_OK;
	} else if (s->integ == STK_OTA_ALG_CRC32) {
		uint32_t c = stk_ota_crc32(tmp, total);
		for (int i = 0; i < 4; i++)
			sig[i] = (uint8_t)(c >> (24 - 8 * i));
		ret = STK_OK;
	} else {
		ret = stk_ota_cc(s->integ, kid_key, tmp, total, sig, sig_len);
	}
	OPENSSL_cleanse(tmp, total);
	free(tmp);
	return ret;
}

static size_t
pad_len(size_t n, size_t block)
{
	return block <= 1 ? 0 : (block - n % block) % block;
}

/* ---- building a command packet ----------------------------------------- */

int
stk_ota_wrap_command(const struct stk_ota_cmd_params *p, const uint8_t *data,
    size_t len, struct stk_buf *out)
{
	struct stk_ota_spi spi;
	struct sec s;
	struct stk_buf hdr, body;
	uint8_t sig[8];
	size_t pad, cpl, sig_at;
	int ret;

	stk_buf_init(&hdr);
	stk_buf_init(&body);
	if (p == NULL || out == NULL || (data == NULL && len > 0) ||
	    p->cntr > STK_OTA_CNTR_MAX) {
		ret = STK_E_ARG;
		goto out;
	}
	if ((ret = stk_ota_spi_decode(p->spi, &spi)) != STK_OK)
		goto out;
	if ((ret = sec_resolve(spi.ciphering, spi.integrity, p->kic, p->kid,
	    p->kic_key, p->kid_key, &s)) != STK_OK)
		goto out;
	if (len > STK_OTA_PACKET_MAX) {
		ret = STK_E_TOO_LONG;
		goto out;
	}
	/* CNTR PCNTR RC/CC/DS data padding is a multiple of the block. */
	pad = pad_len(6 + s.sig_len + len, s.block);
	cpl = 1 + STK_OTA_CHL_MIN + s.sig_len + len + pad;
	if (cpl + 2 > STK_OTA_PACKET_MAX) {
		ret = STK_E_TOO_LONG;
		goto out;
	}
	/* Clear header: CPL CHL SPI KIc KID TAR. */
	stk_buf_add_u16(&hdr, (uint16_t)cpl);
	stk_buf_add_u8(&hdr, (uint8_t)(STK_OTA_CHL_MIN + s.sig_len));
	stk_buf_add_u16(&hdr, p->spi);
	stk_buf_add_u8(&hdr, p->kic);
	stk_buf_add_u8(&hdr, p->kid);
	stk_buf_add_bytes(&hdr, p->tar, STK_OTA_TAR_LEN);
	/* Body in clear: CNTR PCNTR [RC/CC/DS] data padding. */
	stk_buf_add_u40(&body, p->cntr);
	stk_buf_add_u8(&body, (uint8_t)pad);
	sig_at = stk_buf_len(&body);
	stk_buf_add_zeros(&body, s.sig_len);
	stk_buf_add_bytes(&body, data, len);
	stk_buf_add_zeros(&body, pad);
	if (!stk_buf_ok(&hdr) || !stk_buf_ok(&body)) {
		ret = STK_E_NOMEM;
		goto out;
	}
	if (s.sig_len > 0) {
		/* Covered: CPL..TAR || CNTR PCNTR || data padding (TS 31.115
		 * §4.2); the RC/CC field itself is skipped. */
		uint8_t *b = stk_buf_data(&body);
		struct part parts[3] = {
			{ stk_buf_data(&hdr), stk_buf_len(&hdr) },
			{ b, 6 },
			{ b + sig_at + s.sig_len, len + pad },
		};

		if ((ret = sig_compute(&s, p->kid_key, parts, 3, sig,
		    s.sig_len)) != STK_OK)
			goto out;
		memcpy(b + sig_at, sig, s.sig_len);
	}
	if (s.cipher != STK_OTA_ALG_NONE &&
	    (ret = stk_ota_cbc(s.cipher, p->kic_key, 1, stk_buf_data(&body),
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

int
stk_ota_parse_command_header_cur(struct stk_cur *c,
    struct stk_ota_cmd_header *h, struct stk_diag *diag)
{
	size_t at;
	int ret;

	memset(h, 0, sizeof(*h));
	if (stk_cur_len(c) > STK_OTA_PACKET_MAX)
		return stk_fail(diag, STK_E_TOO_LONG, "CPL", stk_cur_offset(c));
	if ((ret = exact_len(c, &h->cpl, "CPL", diag)) != STK_OK)
		return ret;
	at = stk_cur_offset(c);
	if (!stk_cur_u8(c, &h->chl))
		return stk_fail(diag, STK_E_TRUNCATED, "CHL", at);
	if (h->chl < STK_OTA_CHL_MIN)
		return stk_fail(diag, STK_E_INCONSISTENT, "CHL", at);
	/* The header (SPI..RC/CC/DS) must fit in what CPL announces. */
	if ((size_t)h->chl > stk_cur_len(c))
		return stk_fail(diag, STK_E_INCONSISTENT, "CHL", at);
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
	at = stk_cur_offset(c);
	if (!stk_cur_copy(c, h->tar, STK_OTA_TAR_LEN))
		return stk_fail(diag, STK_E_TRUNCATED, "TAR", at);
	h->rest = stk_cur_data(c);
	h->rest_len = stk_cur_len(c);
	h->rest_offset = stk_cur_offset(c);
	stk_cur_skip(c, h->rest_len);
	return STK_OK;
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
	size_t at;
	int ret;

	memset(h, 0, sizeof(*h));
	if (stk_cur_len(c) > STK_OTA_PACKET_MAX)
		return stk_fail(diag, STK_E_TOO_LONG, "RPL", stk_cur_offset(c));
	if ((ret = exact_len(c, &h->rpl, "RPL", diag)) != STK_OK)
		return ret;
	at = stk_cur_offset(c);
	if (!stk_cur_u8(c, &h->rhl))
		return stk_fail(diag, STK_E_TRUNCATED, "RHL", at);
	if (h->rhl < STK_OTA_RHL_MIN || (size_t)h->rhl > stk_cur_len(c))
		return stk_fail(diag, STK_E_INCONSISTENT, "RHL", at);
	at = stk_cur_offset(c);
	if (!stk_cur_copy(c, h->tar, STK_OTA_TAR_LEN))
		return stk_fail(diag, STK_E_TRUNCATED, "TAR", at);
	h->rest = stk_cur_data(c);
	h->rest_len = stk_cur_len(c);
	h->rest_offset = stk_cur_offset(c);
	stk_cur_skip(c, h->rest_len);
	return STK_OK;
}

int
stk_ota_parse_response_header(const uint8_t *in, size_t len,
    struct stk_ota_resp_header *h, struct stk_diag *diag)
{
	struct stk_cur c;

	stk_cur_init(&c, in, len);
	return stk_ota_parse_response_header_cur(&c, h, diag);
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
	struct stk_cur c, body;
	struct sec s;
	uint8_t *plain = NULL, sig[16];
	const uint8_t *rx_sig = NULL, *hdr;
	size_t sig_len, data_len, hdr_at;
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
	sig_len = (size_t)h.chl - STK_OTA_CHL_MIN;
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
	ret = sec_resolve(h.spi.ciphering, h.spi.integrity, h.kic, h.kid,
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
	if (!sig_len_ok(&s, sig_len)) {
		ret = cmd_fail(por_status, STK_OTA_ST_SECURITY_ERROR,
		    stk_fail(diag, STK_E_INCONSISTENT, "CHL", hdr_at + 2));
		goto out;
	}
	/* Decipher CNTR..padding (TS 102 225 §5.1: all after TAR). */
	if ((plain = malloc(h.rest_len + 1)) == NULL) {
		ret = cmd_fail(por_status, STK_OTA_ST_NO_MEMORY,
		    stk_fail(diag, STK_E_NOMEM, "data", h.rest_offset));
		goto out;
	}
	if (h.rest_len > 0)
		memcpy(plain, h.rest, h.rest_len);
	if (s.cipher != STK_OTA_ALG_NONE) {
		if (h.rest_len % s.block != 0) {
			ret = cmd_fail(por_status, STK_OTA_ST_CIPHERING_ERROR,
			    stk_fail(diag, STK_E_CRYPTO, "ciphered data",
			    h.rest_offset));
			goto out;
		}
		if ((ret = stk_ota_cbc(s.cipher, &keys.kic, 0, plain, plain,
		    h.rest_len)) != STK_OK) {
			ret = cmd_fail(por_status, STK_OTA_ST_CIPHERING_ERROR,
			    stk_fail(diag, STK_E_CRYPTO, "ciphered data",
			    h.rest_offset));
			goto out;
		}
	}
	/* Offsets inside plain are reported as offsets of the packet. */
	stk_cur_init(&body, plain, h.rest_len);
	body.off = h.rest_offset;
	if (!stk_cur_u40(&body, &cmd->cntr) || !stk_cur_u8(&body, &cmd->pcntr) ||
	    !stk_cur_bytes(&body, &rx_sig, sig_len)) {
		/* CHL promised more than the packet holds. */
		ret = cmd_fail(por_status, STK_OTA_ST_SECURITY_ERROR,
		    stk_fail(diag, STK_E_INCONSISTENT, "CHL", hdr_at + 2));
		goto out;
	}
	if (s.integ != STK_OTA_ALG_NONE) {
		/* Covered: CPL..TAR || CNTR PCNTR || data padding. */
		struct part parts[3] = {
			{ hdr, CMD_CLEAR_LEN },
			{ plain, 6 },
			{ plain + 6 + sig_len, h.rest_len - 6 - sig_len },
		};

		ret = sig_compute(&s, &keys.kid, parts, 3, sig, sig_len);
		if (ret != STK_OK) {
			ret = cmd_fail(por_status, STK_OTA_ST_RC_CC_DS_FAILED,
			    stk_fail(diag, ret, "RC/CC/DS", h.rest_offset + 6));
			goto out;
		}
		if (!stk_ct_equal(sig, rx_sig, sig_len)) {
			ret = cmd_fail(por_status, STK_OTA_ST_RC_CC_DS_FAILED,
			    stk_fail(diag, STK_E_VERIFY, "RC/CC/DS",
			    h.rest_offset + 6));
			goto out;
		}
	}
	/* PCNTR is judged only once the checksum vouches for it. */
	data_len = stk_cur_len(&body);
	if (cmd->pcntr > data_len ||
	    (s.cipher == STK_OTA_ALG_NONE && cmd->pcntr != 0) ||
	    (s.cipher != STK_OTA_ALG_NONE && cmd->pcntr >= s.block)) {
		ret = cmd_fail(por_status, s.cipher != STK_OTA_ALG_NONE ?
		    STK_OTA_ST_CIPHERING_ERROR : STK_OTA_ST_SECURITY_ERROR,
		    stk_fail(diag, s.cipher != STK_OTA_ALG_NONE ? STK_E_CRYPTO :
		    STK_E_INCONSISTENT, "PCNTR", h.rest_offset + 5));
		goto out;
	}
	st = stk_ota_counter_check(h.spi.cntr, keys.counter, cmd->cntr, &upd,
	    &newc);
	if (st != STK_OTA_ST_OK) {
		ret = cmd_fail(por_status, st, stk_fail(diag, STK_E_REPLAY,
		    "CNTR", h.rest_offset));
		goto out;
	}
	data_len -= cmd->pcntr;
	if ((cmd->data = malloc(data_len + 1)) == NULL) {
		ret = cmd_fail(por_status, STK_OTA_ST_NO_MEMORY,
		    stk_fail(diag, STK_E_NOMEM, "data", h.rest_offset));
		goto out;
	}
	if (data_len > 0)
		memcpy(cmd->data, stk_cur_data(&body), data_len);
	cmd->data_len = data_len;
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
	OPENSSL_cleanse(sig, sizeof(sig));
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

/* ---- response packets / PoR, TS 102 225 §5.2, TS 31.115 §4.4 ----------- */

int
stk_ota_wrap_response(const struct stk_ota_resp_params *p,
    const uint8_t *data, size_t len, struct stk_buf *out)
{
	struct stk_ota_spi spi;
	struct sec s;
	struct stk_buf hdr, body;
	uint8_t sig[8];
	size_t pad, rpl, sig_at;
	int ret;

	stk_buf_init(&hdr);
	stk_buf_init(&body);
	if (p == NULL || out == NULL || (data == NULL && len > 0) ||
	    p->cntr > STK_OTA_CNTR_MAX) {
		ret = STK_E_ARG;
		goto out;
	}
	if ((ret = stk_ota_spi_decode(p->cmd_spi, &spi)) != STK_OK)
		goto out;
	if (!p->secured) {
		memset(&s, 0, sizeof(s));
		s.block = 1;
	} else if ((ret = sec_resolve(spi.por_ciphering, spi.por_integrity,
	    p->kic, p->kid, p->kic_key, p->kid_key, &s)) != STK_OK)
		goto out;
	if (len > STK_OTA_PACKET_MAX) {
		ret = STK_E_TOO_LONG;
		goto out;
	}
	/* CNTR PCNTR status RC/CC/DS data padding: a multiple of the block. */
	pad = pad_len(7 + s.sig_len + len, s.block);
	rpl = 1 + STK_OTA_RHL_MIN + s.sig_len + len + pad;
	if (rpl + 2 > STK_OTA_PACKET_MAX) {
		ret = STK_E_TOO_LONG;
		goto out;
	}
	stk_buf_add_u16(&hdr, (uint16_t)rpl);
	stk_buf_add_u8(&hdr, (uint8_t)(STK_OTA_RHL_MIN + s.sig_len));
	stk_buf_add_bytes(&hdr, p->tar, STK_OTA_TAR_LEN);
	stk_buf_add_u40(&body, p->cntr);
	stk_buf_add_u8(&body, (uint8_t)pad);
	stk_buf_add_u8(&body, p->status);
	sig_at = stk_buf_len(&body);
	stk_buf_add_zeros(&body, s.sig_len);
	stk_buf_add_bytes(&body, data, len);
	stk_buf_add_zeros(&body, pad);
	if (!stk_buf_ok(&hdr) || !stk_buf_ok(&body)) {
		ret = STK_E_NOMEM;
		goto out;
	}
	if (s.sig_len > 0) {
		/* Covered: 027100 RPL RHL TAR || CNTR PCNTR status || data
		 * padding (TS 31.115 §4.4). */
		uint8_t *b = stk_buf_data(&body);
		struct part parts[4] = {
			{ resp_udh, sizeof(resp_udh) },
			{ stk_buf_data(&hdr), stk_buf_len(&hdr) },
			{ b, 7 },
			{ b + sig_at + s.sig_len, len + pad },
		};

		if ((ret = sig_compute(&s, p->kid_key, parts, 4, sig,
		    s.sig_len)) != STK_OK)
			goto out;
		memcpy(b + sig_at, sig, s.sig_len);
	}
	if (s.cipher != STK_OTA_ALG_NONE &&
	    (ret = stk_ota_cbc(s.cipher, p->kic_key, 1, stk_buf_data(&body),
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

int
stk_ota_unwrap_response(const uint8_t *in, size_t len, uint16_t cmd_spi,
    uint8_t kic, uint8_t kid, const struct stk_ota_key *kic_key,
    const struct stk_ota_key *kid_key, struct stk_ota_response *resp,
    struct stk_diag *diag)
{
	struct stk_ota_spi spi;
	struct stk_ota_resp_header h;
	struct stk_cur c, body;
	struct sec s;
	uint8_t *plain = NULL, sig[16];
	const uint8_t *hdr, *rx_sig = NULL;
	size_t sig_len, data_len, hdr_at;
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
		memset(&s, 0, sizeof(s));
		s.block = 1;
	} else {
		ret = sec_resolve(spi.por_ciphering, spi.por_integrity, kic, kid,
		    kic_key, kid_key, &s);
		if (ret != STK_OK)
			return stk_fail(diag, ret, ret == STK_E_UNSUPPORTED ?
			    "SPI" : "key", hdr_at);
		if (!sig_len_ok(&s, sig_len))
			return stk_fail(diag, STK_E_INCONSISTENT, "RHL",
			    hdr_at + 2);
		resp->secured = s.cipher != STK_OTA_ALG_NONE ||
		    s.integ != STK_OTA_ALG_NONE;
	}
	if ((plain = malloc(h.rest_len + 1)) == NULL)
		return stk_fail(diag, STK_E_NOMEM, "data", h.rest_offset);
	if (h.rest_len > 0)
		memcpy(plain, h.rest, h.rest_len);
	if (s.cipher != STK_OTA_ALG_NONE) {
		if (h.rest_len % s.block != 0 ||
		    stk_ota_cbc(s.cipher, kic_key, 0, plain, plain,
		    h.rest_len) != STK_OK) {
			ret = stk_fail(diag, STK_E_CRYPTO, "ciphered data",
			    h.rest_offset);
			goto out;
		}
	}
	stk_cur_init(&body, plain, h.rest_len);
	body.off = h.rest_offset;
	if (!stk_cur_u40(&body, &resp->cntr) || !stk_cur_u8(&body, &resp->pcntr) ||
	    !stk_cur_u8(&body, &resp->status) ||
	    !stk_cur_bytes(&body, &rx_sig, sig_len)) {
		ret = stk_fail(diag, STK_E_INCONSISTENT, "RHL", hdr_at + 2);
		goto out;
	}
	if (s.integ != STK_OTA_ALG_NONE) {
		/* Covered: 027100 RPL RHL TAR || CNTR PCNTR status || data. */
		struct part parts[4] = {
			{ resp_udh, sizeof(resp_udh) },
			{ hdr, RESP_CLEAR_LEN },
			{ plain, 7 },
			{ plain + 7 + sig_len, h.rest_len - 7 - sig_len },
		};

		if ((ret = sig_compute(&s, kid_key, parts, 4, sig,
		    sig_len)) != STK_OK) {
			ret = stk_fail(diag, ret, "RC/CC/DS", h.rest_offset + 7);
			goto out;
		}
		if (!stk_ct_equal(sig, rx_sig, sig_len)) {
			ret = stk_fail(diag, STK_E_VERIFY, "RC/CC/DS",
			    h.rest_offset + 7);
			goto out;
		}
	}
	data_len = stk_cur_len(&body);
	if (resp->pcntr > data_len ||
	    (s.cipher == STK_OTA_ALG_NONE && resp->pcntr != 0) ||
	    (s.cipher != STK_OTA_ALG_NONE && resp->pcntr >= s.block)) {
		ret = stk_fail(diag, s.cipher != STK_OTA_ALG_NONE ?
		    STK_E_CRYPTO : STK_E_INCONSISTENT, "PCNTR",
		    h.rest_offset + 5);
		goto out;
	}
	data_len -= resp->pcntr;
	if ((resp->data = malloc(data_len + 1)) == NULL) {
		ret = stk_fail(diag, STK_E_NOMEM, "data", h.rest_offset);
		goto out;
	}
	if (data_len > 0)
		memcpy(resp->data, stk_cur_data(&body), data_len);
	resp->data_len = data_len;
	ret = STK_OK;
out:
	if (plain != NULL) {
		OPENSSL_cleanse(plain, h.rest_len);
		free(plain);
	}
	OPENSSL_cleanse(sig, sizeof(sig));
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
