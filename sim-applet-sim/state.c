/*
 * state.c - the card state file.
 *
 * Format, version 1 (text, one "key value" line each, LF endings, every
 * key exactly once, in any order; nothing else, not even blank lines):
 *
 *   stkauth-sim-state 1
 *   ef.iccid <hex, 10 bytes>      EF contents, exactly the EF size
 *   ef.dir <hex, 32 bytes>
 *   ef.imsi <hex, 9 bytes>
 *   ef.msisdn <hex, 52 bytes>     all records, record 1 first
 *   ef.smsp <hex, 40 bytes>
 *   ef.loci <hex, 11 bytes>
 *   pin1 <hex, 8 bytes>           PIN block (TS 102 221 §9.5.1)
 *   pin1.tries <0..3>
 *   pin1.enabled <0|1>
 *   puk1 <hex, 8 bytes>
 *   puk1.tries <0..10>
 *
 * Version 2 adds the OTA layer and the authentication applet (a version 1
 * file is still read: those keys then take the defaults of a new card,
 * content_new_applet(), and the card is written back as version 2):
 *
 *   admin.key <hex, 16 bytes>     personalisation key (AES-128)
 *   auth.tar <hex, 3 bytes>       TAR of the auth applet
 *   ota.1 .. ota.4 <kvn> <KIc hex|-> <KID hex|-> <rx cntr> <tx cntr>
 *                                 key set slots; "0 - - 0 0" is empty;
 *                                 keys 8/16/24/32 bytes, counters
 *                                 0..2^40-1, each kvn 1..15 at most once
 *   auth.kauth <hex, 16..64 bytes | ->      K_auth_card
 *   auth.rsa <hex DER RSAPrivateKey | ->   must parse, >= 1024 bits
 *   auth.service <+digits | digits | ->     service number (<= 20 digits)
 *   auth.pin <hex, 8 bytes>       applet PIN block
 *   auth.pin.tries <0..3>
 *   auth.puk <hex, 8 bytes>
 *   auth.puk.tries <0..10>
 *   auth.seen <hex, n * 8 bytes | ->       seen session ids, oldest
 *                                 first, n <= 16
 *
 * The file holds the PIN and PUK: it is created 0600 and replaced
 * atomically (temp file in the same directory, fsync, rename, fsync of
 * the directory), so a crash leaves either the old or the new card.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "bytes.h"
#include "card.h"
#include "err.h"
#include "log.h"
#include "ota.h"
#include "sms_addr.h"

#define STATE_MAGIC "stkauth-sim-state"
#define STATE_VERSION 2		/* written; 1 and 2 are read */

enum key_kind {
	K_EF, K_PIN, K_PUK, K_PIN_TRIES, K_PUK_TRIES, K_ENABLED,
	/* version 2 */
	K_ADMIN, K_TAR, K_KEYSET, K_KAUTH, K_RSA, K_SERVICE, K_APIN,
	K_APIN_TRIES, K_APUK, K_APUK_TRIES, K_SEEN,
};

struct state_key {
	const char *name;
	uint8_t kind;		/* enum key_kind */
	uint8_t ef;		/* K_EF: enum card_ef; K_KEYSET: slot */
	uint8_t since;		/* first version with this key */
};

/* Every key, once; also the order in which state_encode writes them. */
static const struct state_key keys[] = {
	{ "ef.iccid",       K_EF, CARD_EF_ICCID, 1 },
	{ "ef.dir",         K_EF, CARD_EF_DIR, 1 },
	{ "ef.imsi",        K_EF, CARD_EF_IMSI, 1 },
	{ "ef.msisdn",      K_EF, CARD_EF_MSISDN, 1 },
	{ "ef.smsp",        K_EF, CARD_EF_SMSP, 1 },
	{ "ef.loci",        K_EF, CARD_EF_LOCI, 1 },
	{ "pin1",           K_PIN, 0, 1 },
	{ "pin1.tries",     K_PIN_TRIES, 0, 1 },
	{ "pin1.enabled",   K_ENABLED, 0, 1 },
	{ "puk1",           K_PUK, 0, 1 },
	{ "puk1.tries",     K_PUK_TRIES, 0, 1 },
	{ "admin.key",      K_ADMIN, 0, 2 },
	{ "auth.tar",       K_TAR, 0, 2 },
	{ "ota.1",          K_KEYSET, 0, 2 },
	{ "ota.2",          K_KEYSET, 1, 2 },
	{ "ota.3",          K_KEYSET, 2, 2 },
	{ "ota.4",          K_KEYSET, 3, 2 },
	{ "auth.kauth",     K_KAUTH, 0, 2 },
	{ "auth.rsa",       K_RSA, 0, 2 },
	{ "auth.service",   K_SERVICE, 0, 2 },
	{ "auth.pin",       K_APIN, 0, 2 },
	{ "auth.pin.tries", K_APIN_TRIES, 0, 2 },
	{ "auth.puk",       K_APUK, 0, 2 },
	{ "auth.puk.tries", K_APUK_TRIES, 0, 2 },
	{ "auth.seen",      K_SEEN, 0, 2 },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static void
add_str(struct stk_buf *b, const char *s)
{
	stk_buf_add_bytes(b, s, strlen(s));
}

static void
add_hex(struct stk_buf *b, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		stk_buf_add_u8(b, (uint8_t)digits[p[i] >> 4]);
		stk_buf_add_u8(b, (uint8_t)digits[p[i] & 0x0f]);
	}
}

static void
add_u64(struct stk_buf *b, uint64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	add_str(b, num);
}

/* Hex of n bytes, or "-" for none. */
static void
add_hex_opt(struct stk_buf *b, const uint8_t *p, size_t n)
{
	if (n == 0)
		add_str(b, "-");
	else
		add_hex(b, p, n);
}

static void
encode_value(const struct state_key *k, const struct card_data *d,
    struct stk_buf *out)
{
	const struct card_keyset *ks;

	switch (k->kind) {
	case K_EF:
		add_hex(out, d->ef[k->ef], card_ef_layout(k->ef)->size);
		break;
	case K_PIN:
		add_hex(out, d->pin1, CARD_PIN_LEN);
		break;
	case K_PUK:
		add_hex(out, d->puk1, CARD_PIN_LEN);
		break;
	case K_PIN_TRIES:
		add_u64(out, d->pin1_tries);
		break;
	case K_PUK_TRIES:
		add_u64(out, d->puk1_tries);
		break;
	case K_ENABLED:
		add_u64(out, d->pin1_enabled ? 1 : 0);
		break;
	case K_ADMIN:
		add_hex(out, d->admin_key, CARD_ADMIN_KEY_LEN);
		break;
	case K_TAR:
		add_hex(out, d->auth_tar, sizeof(d->auth_tar));
		break;
	case K_KEYSET:
		ks = &d->ks[k->ef];
		add_u64(out, ks->kvn);
		stk_buf_add_u8(out, ' ');
		add_hex_opt(out, ks->kic, ks->kvn != 0 ? ks->kic_len : 0);
		stk_buf_add_u8(out, ' ');
		add_hex_opt(out, ks->kid, ks->kvn != 0 ? ks->kid_len : 0);
		stk_buf_add_u8(out, ' ');
		add_u64(out, ks->kvn != 0 ? ks->rx_cntr : 0);
		stk_buf_add_u8(out, ' ');
		add_u64(out, ks->kvn != 0 ? ks->tx_cntr : 0);
		break;
	case K_KAUTH:
		add_hex_opt(out, d->kauth, d->kauth_len);
		break;
	case K_RSA:
		add_hex_opt(out, d->rsa, d->rsa_len);
		break;
	case K_SERVICE:
		add_str(out, d->service[0] != '\0' ? d->service : "-");
		break;
	case K_APIN:
		add_hex(out, d->apin, CARD_PIN_LEN);
		break;
	case K_APIN_TRIES:
		add_u64(out, d->apin_tries);
		break;
	case K_APUK:
		add_hex(out, d->apuk, CARD_PIN_LEN);
		break;
	case K_APUK_TRIES:
		add_u64(out, d->apuk_tries);
		break;
	case K_SEEN:
		add_hex_opt(out, d->seen[0],
		    (size_t)d->nseen * CARD_SESSION_ID_LEN);
		break;
	}
}

int
state_encode(const struct card_data *d, struct stk_buf *out)
{
	add_str(out, STATE_MAGIC " 2\n");
	for (size_t i = 0; i < NKEYS; i++) {
		add_str(out, keys[i].name);
		stk_buf_add_u8(out, ' ');
		encode_value(&keys[i], d, out);
		stk_buf_add_u8(out, '\n');
	}
	return stk_buf_ok(out) ? STK_OK : STK_E_NOMEM;
}

/* ---- decoding ----------------------------------------------------------- */

/* Split the next LF-terminated line off c (without the LF). */
static bool
take_line(struct stk_cur *c, struct stk_cur *line)
{
	const uint8_t *p = stk_cur_data(c);
	const uint8_t *nl = stk_cur_len(c) > 0 ?
	    memchr(p, '\n', stk_cur_len(c)) : NULL;

	if (nl == NULL)
		return false;
	if (!stk_cur_sub(c, line, (size_t)(nl - p)))
		return false;
	return stk_cur_skip(c, 1);
}

/* Whether line starts with the bytes of s; consumes them if so. */
static bool
take_token(struct stk_cur *line, const char *s)
{
	size_t n = strlen(s);
	const uint8_t *p;

	if (stk_cur_len(line) < n || memcmp(stk_cur_data(line), s, n) != 0)
		return false;
	return stk_cur_bytes(line, &p, n);
}

static int
hexval(uint8_t ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* The value must be exactly n bytes of hex. */
static bool
get_hex(struct stk_cur *v, uint8_t *out, size_t n)
{
	uint8_t hi, lo;

	if (stk_cur_len(v) != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		(void)stk_cur_u8(v, &hi);
		(void)stk_cur_u8(v, &lo);
		if (hexval(hi) < 0 || hexval(lo) < 0)
			return false;
		out[i] = (uint8_t)(hexval(hi) << 4 | hexval(lo));
	}
	return true;
}

/* A decimal 0..max without sign or leading zeros. */
static bool
get_uint(struct stk_cur *v, unsigned max, unsigned *out)
{
	unsigned acc = 0;
	size_t n = stk_cur_len(v);
	uint8_t ch;

	if (n == 0 || n > 3)
		return false;
	for (size_t i = 0; i < n; i++) {
		(void)stk_cur_u8(v, &ch);
		if (ch < '0' || ch > '9' || (i == 0 && ch == '0' && n > 1))
			return false;
		acc = acc * 10 + (unsigned)(ch - '0');
	}
	if (acc > max)
		return false;
	*out = acc;
	return true;
}

/* A decimal 0..max (max < 10^19) without sign or leading zeros. */
static bool
get_u64(struct stk_cur *v, uint64_t max, uint64_t *out)
{
	uint64_t acc = 0;
	size_t n = stk_cur_len(v);
	uint8_t ch;

	if (n == 0 || n > 19)
		return false;
	for (size_t i = 0; i < n; i++) {
		(void)stk_cur_u8(v, &ch);
		if (ch < '0' || ch > '9' || (i == 0 && ch == '0' && n > 1))
			return false;
		acc = acc * 10 + (uint64_t)(ch - '0');
	}
	if (acc > max)
		return false;
	*out = acc;
	return true;
}

/* The next space-separated word of v (the space is consumed); the last
 * word runs to the end.  Empty words are refused. */
static bool
take_word(struct stk_cur *v, struct stk_cur *word)
{
	const uint8_t *p = stk_cur_data(v);
	const uint8_t *sp = stk_cur_len(v) > 0 ?
	    memchr(p, ' ', stk_cur_len(v)) : NULL;

	if (sp == NULL) {
		stk_cur_rest(v, word);
		return stk_cur_len(word) > 0;
	}
	if (sp == p || !stk_cur_sub(v, word, (size_t)(sp - p)))
		return false;
	/* A space must be followed by another word. */
	return stk_cur_skip(v, 1) && !stk_cur_empty(v);
}

/* "-" (nothing: *n = 0) or the hex of 1..max bytes. */
static bool
get_hex_opt(struct stk_cur *v, uint8_t *out, size_t max, size_t *n)
{
	size_t len = stk_cur_len(v);

	if (len == 1 && stk_cur_data(v)[0] == '-') {
		*n = 0;
		return stk_cur_skip(v, 1);
	}
	if (len == 0 || len % 2 != 0 || len / 2 > max)
		return false;
	*n = len / 2;
	return get_hex(v, out, *n);
}

static bool
ota_key_len_ok(size_t n)
{
	return n == 0 || n == 8 || n == 16 || n == 24 || n == 32;
}

/* "<kvn> <KIc|-> <KID|-> <rx> <tx>" */
static bool
get_keyset(struct stk_cur *v, struct card_keyset *ks)
{
	struct stk_cur w;
	uint64_t kvn;
	size_t n;

	memset(ks, 0, sizeof(*ks));
	if (!take_word(v, &w) || !get_u64(&w, 15, &kvn))
		return false;
	ks->kvn = (uint8_t)kvn;
	if (!take_word(v, &w) || !get_hex_opt(&w, ks->kic, CARD_OTA_KEY_MAX,
	    &n) || !ota_key_len_ok(n))
		return false;
	ks->kic_len = (uint8_t)n;
	if (!take_word(v, &w) || !get_hex_opt(&w, ks->kid, CARD_OTA_KEY_MAX,
	    &n) || !ota_key_len_ok(n))
		return false;
	ks->kid_len = (uint8_t)n;
	if (!take_word(v, &w) || !get_u64(&w, STK_OTA_CNTR_MAX, &ks->rx_cntr))
		return false;
	if (!take_word(v, &w) || !get_u64(&w, STK_OTA_CNTR_MAX, &ks->tx_cntr))
		return false;
	if (!stk_cur_empty(v))
		return false;
	/* An empty slot is exactly "0 - - 0 0"; a used one has a key. */
	if (ks->kvn == 0)
		return ks->kic_len == 0 && ks->kid_len == 0 &&
		    ks->rx_cntr == 0 && ks->tx_cntr == 0;
	return ks->kic_len != 0 || ks->kid_len != 0;
}

/* The private key must parse (DER RSAPrivateKey), exactly, >= 1024 bits. */
static bool
rsa_der_ok(const uint8_t *der, size_t n)
{
	const unsigned char *p = der;
	EVP_PKEY *k = d2i_PrivateKey(EVP_PKEY_RSA, NULL, &p, (long)n);
	bool ok;

	ok = k != NULL && p == der + n && EVP_PKEY_get_bits(k) >= 1024;
	EVP_PKEY_free(k);
	return ok;
}

/* "+digits" or digits, 1..20 digits, as stk_sms_addr_from_text reads. */
static bool
get_service(struct stk_cur *v, char *out, size_t outsz)
{
	struct stk_sms_addr a;
	size_t n = stk_cur_len(v);

	if (n == 1 && stk_cur_data(v)[0] == '-') {
		out[0] = '\0';
		return true;
	}
	if (n == 0 || n >= outsz)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = stk_cur_data(v)[i];

		if (!((ch >= '0' && ch <= '9') || (i == 0 && ch == '+')))
			return false;
	}
	memcpy(out, stk_cur_data(v), n);
	out[n] = '\0';
	return stk_sms_addr_from_text(out, &a) == STK_OK && a.ndigits > 0 &&
	    a.ndigits <= CARD_SERVICE_NUMBER_MAX;
}

static int
decode_value(const struct state_key *k, struct stk_cur *v,
    struct card_data *d)
{
	char text[21];
	unsigned u;
	size_t n;

	switch (k->kind) {
	case K_EF:
		if (!get_hex(v, d->ef[k->ef], card_ef_layout(k->ef)->size))
			return STK_E_INVALID;
		/* The identities must decode: the card announces them. */
		if (k->ef == CARD_EF_ICCID &&
		    content_iccid_text(d->ef[k->ef], text) != STK_OK)
			return STK_E_INVALID;
		if (k->ef == CARD_EF_IMSI &&
		    content_imsi_text(d->ef[k->ef], text) != STK_OK)
			return STK_E_INVALID;
		return STK_OK;
	case K_PIN:
	case K_PUK:
	case K_APIN:
	case K_APUK: {
		uint8_t *blk = k->kind == K_PIN ? d->pin1 :
		    k->kind == K_PUK ? d->puk1 :
		    k->kind == K_APIN ? d->apin : d->apuk;
		bool puk = k->kind == K_PUK || k->kind == K_APUK;

		if (!get_hex(v, blk, CARD_PIN_LEN))
			return STK_E_INVALID;
		return pin_block_valid(blk, puk) ? STK_OK : STK_E_INVALID;
	}
	case K_PIN_TRIES:
		if (!get_uint(v, CARD_PIN1_TRIES_MAX, &u))
			return STK_E_INVALID;
		d->pin1_tries = (uint8_t)u;
		return STK_OK;
	case K_PUK_TRIES:
		if (!get_uint(v, CARD_PUK1_TRIES_MAX, &u))
			return STK_E_INVALID;
		d->puk1_tries = (uint8_t)u;
		return STK_OK;
	case K_APIN_TRIES:
		if (!get_uint(v, CARD_APIN_TRIES_MAX, &u))
			return STK_E_INVALID;
		d->apin_tries = (uint8_t)u;
		return STK_OK;
	case K_APUK_TRIES:
		if (!get_uint(v, CARD_APUK_TRIES_MAX, &u))
			return STK_E_INVALID;
		d->apuk_tries = (uint8_t)u;
		return STK_OK;
	case K_ENABLED:
		if (!get_uint(v, 1, &u))
			return STK_E_INVALID;
		d->pin1_enabled = u != 0;
		return STK_OK;
	case K_ADMIN:
		return get_hex(v, d->admin_key, CARD_ADMIN_KEY_LEN) ?
		    STK_OK : STK_E_INVALID;
	case K_TAR:
		return get_hex(v, d->auth_tar, sizeof(d->auth_tar)) ?
		    STK_OK : STK_E_INVALID;
	case K_KEYSET:
		return get_keyset(v, &d->ks[k->ef]) ? STK_OK : STK_E_INVALID;
	case K_KAUTH:
		if (!get_hex_opt(v, d->kauth, CARD_KAUTH_MAX, &n) ||
		    (n != 0 && n < CARD_KAUTH_MIN))
			return STK_E_INVALID;
		d->kauth_len = (uint8_t)n;
		return STK_OK;
	case K_RSA:
		if (!get_hex_opt(v, d->rsa, CARD_RSA_DER_MAX, &n) ||
		    (n != 0 && !rsa_der_ok(d->rsa, n)))
			return STK_E_INVALID;
		d->rsa_len = (uint16_t)n;
		return STK_OK;
	case K_SERVICE:
		return get_service(v, d->service, sizeof(d->service)) ?
		    STK_OK : STK_E_INVALID;
	case K_SEEN:
		if (!get_hex_opt(v, d->seen[0], sizeof(d->seen), &n) ||
		    n % CARD_SESSION_ID_LEN != 0)
			return STK_E_INVALID;
		d->nseen = (uint8_t)(n / CARD_SESSION_ID_LEN);
		return STK_OK;
	}
	return STK_E_INVALID;
}

int
state_decode(const uint8_t *text, size_t len, struct card_data *d,
    struct stk_diag *diag)
{
	struct stk_cur c, line;
	bool seen[NKEYS];
	unsigned version;
	int r;

	memset(d, 0xff, sizeof(*d));
	memset(seen, 0, sizeof(seen));
	if (len > STATE_MAX_SIZE)
		return stk_fail(diag, STK_E_TOO_LONG, "state file", 0);
	stk_cur_init(&c, text, len);
	if (!take_line(&c, &line))
		return stk_fail(diag, STK_E_TRUNCATED, "version line", 0);
	if (!take_token(&line, STATE_MAGIC " "))
		return stk_fail(diag, STK_E_INVALID, "version line", 0);
	if (!get_uint(&line, 999, &version))
		return stk_fail(diag, STK_E_INVALID, "version",
		    stk_cur_offset(&line));
	if (version != 1 && version != STATE_VERSION)
		return stk_fail(diag, STK_E_UNSUPPORTED, "version",
		    stk_cur_offset(&line) - 1);
	while (!stk_cur_empty(&c)) {
		size_t at = stk_cur_offset(&c);
		size_t i;

		if (!take_line(&c, &line))
			return stk_fail(diag, STK_E_TRUNCATED, "line end", at);
		for (i = 0; i < NKEYS; i++) {
			struct stk_cur probe = line;

			if (take_token(&probe, keys[i].name) &&
			    take_token(&probe, " ")) {
				line = probe;
				break;
			}
		}
		if (i == NKEYS || keys[i].since > version)
			return stk_fail(diag, STK_E_INVALID, "state key", at);
		if (seen[i])
			return stk_fail(diag, STK_E_DUPLICATE, keys[i].name,
			    at);
		seen[i] = true;
		if ((r = decode_value(&keys[i], &line, d)) != STK_OK)
			return stk_fail(diag, r, keys[i].name,
			    stk_cur_offset(&line));
	}
	for (size_t i = 0; i < NKEYS; i++)
		if (!seen[i] && keys[i].since <= version)
			return stk_fail(diag, STK_E_TRUNCATED, keys[i].name,
			    len);
	/* Version 1: the applet part of a new card, from the PINs read. */
	if (version == 1)
		content_new_applet(d);
	/* A key version names one key set (TS 102 225 §5.1.2). */
	for (size_t i = 0; i < CARD_KEYSET_SLOTS; i++)
		for (size_t j = i + 1; j < CARD_KEYSET_SLOTS; j++)
			if (d->ks[i].kvn != 0 && d->ks[i].kvn == d->ks[j].kvn)
				return stk_fail(diag, STK_E_DUPLICATE,
				    "ota key version", len);
	return STK_OK;
}

/* ---- files -------------------------------------------------------------- */

int
state_load(const char *path, struct card_data *d, struct stk_diag *diag)
{
	uint8_t buf[STATE_MAX_SIZE + 1];
	size_t n = 0;
	ssize_t got;
	struct stat st;
	int fd, r;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		if (errno == ENOENT)
			return STK_E_NOT_FOUND;
		log_error("%s: %s", path, strerror(errno));
		return STK_E_IO;
	}
	if (fstat(fd, &st) == 0 && (st.st_mode & 077) != 0)
		log_warn("%s: readable by others (mode %03o); it holds the PIN",
		    path, (unsigned)(st.st_mode & 0777));
	while (n < sizeof(buf)) {
		got = read(fd, buf + n, sizeof(buf) - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			log_error("%s: %s", path, strerror(errno));
			close(fd);
			return STK_E_IO;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	r = state_decode(buf, n, d, diag);
	explicit_bzero(buf, sizeof(buf));
	return r;
}

static int
write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
state_save(const char *path, const struct card_data *d)
{
	uint8_t mem[STATE_MAX_SIZE];
	char tmp[PATH_MAX], dir[PATH_MAX];
	struct stk_buf b;
	char *slash;
	int fd = -1, dfd = -1, r = STK_E_IO;

	tmp[0] = '\0';
	stk_buf_init_fixed(&b, mem, sizeof(mem));
	if (state_encode(d, &b) != STK_OK) {
		r = STK_E_NOSPACE;
		goto out;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path) >=
	    sizeof(tmp) || (size_t)snprintf(dir, sizeof(dir), "%s", path) >=
	    sizeof(dir)) {
		tmp[0] = '\0';
		r = STK_E_TOO_LONG;
		goto out;
	}
	if ((slash = strrchr(dir, '/')) == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	/* mkstemp creates the file 0600. */
	if ((fd = mkstemp(tmp)) < 0) {
		log_error("%s: %s", tmp, strerror(errno));
		tmp[0] = '\0';
		goto out;
	}
	if (write_all(fd, stk_buf_data(&b), stk_buf_len(&b)) != 0 ||
	    fsync(fd) != 0) {
		log_error("%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		log_error("%s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		log_error("rename to %s: %s", path, strerror(errno));
		goto out;
	}
	tmp[0] = '\0';
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fsync(dfd) != 0) {
		log_error("%s: %s", dir, strerror(errno));
		goto out;
	}
	r = STK_OK;
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (tmp[0] != '\0')
		(void)unlink(tmp);
	explicit_bzero(mem, sizeof(mem));
	return r;
}

int
state_persist(const struct card_data *d, void *arg)
{
	return state_save((const char *)arg, d);
}
