/*
 * ticket.c - tickets, random identifiers, secrets and their hashes.
 */
#include <pthread.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "err.h"
#include "server.h"

/*
 * Random octets come from OpenSSL's DRBG (RAND_bytes) a block at a time:
 * every RAND_bytes call checks for a fork with a getpid() system call,
 * four per login (session id, ticket, nonce, lease id).  The block is
 * per thread; octets are erased from it as they are handed out, and a
 * child made by fork() throws the rest away (pthread_atfork), so no two
 * processes or calls ever get the same octets.
 */
#define RANDOM_BLOCK 512

static _Thread_local uint8_t rnd_block[RANDOM_BLOCK];
static _Thread_local size_t rnd_left;
static pthread_once_t rnd_once = PTHREAD_ONCE_INIT;

static void
rnd_forget(void)
{
	OPENSSL_cleanse(rnd_block, sizeof(rnd_block));
	rnd_left = 0;
}

static void rnd_watch_fork(void) { pthread_atfork(NULL, NULL, rnd_forget); }

int
srv_random(uint8_t *p, size_t n)
{
	pthread_once(&rnd_once, rnd_watch_fork);
	if (n > RANDOM_BLOCK / 4)	/* large: straight from the DRBG */
		return n > 0 && RAND_bytes(p, (int)n) != 1 ? STK_E_CRYPTO :
		    STK_OK;
	while (n > 0) {
		uint8_t *from;
		size_t take;

		if (rnd_left == 0) {
			if (RAND_bytes(rnd_block, sizeof(rnd_block)) != 1)
				return STK_E_CRYPTO;
			rnd_left = sizeof(rnd_block);
		}
		take = n < rnd_left ? n : rnd_left;
		from = rnd_block + sizeof(rnd_block) - rnd_left;
		memcpy(p, from, take);
		OPENSSL_cleanse(from, take);
		rnd_left -= take;
		p += take;
		n -= take;
	}
	return STK_OK;
}

/*
 * 248 = 8 * 31 is the largest multiple of 31 that fits an octet: octets
 * 0..247 map uniformly onto the 31 symbols, 248..255 are discarded (no
 * modulo bias).
 */
int
ticket_symbol(uint8_t octet)
{
	if (octet >= 8 * TICKET_ALPHABET_LEN)
		return -1;
	return octet % TICKET_ALPHABET_LEN;
}

int
ticket_generate(char *out, size_t len)
{
	uint8_t rnd[32];
	size_t have = 0;
	int rc;

	if (len < STK_AUTH_TICKET_MIN || len > STK_AUTH_TICKET_MAX)
		return STK_E_ARG;
	while (have < len) {
		if ((rc = srv_random(rnd, sizeof(rnd))) != STK_OK)
			goto out;
		for (size_t i = 0; i < sizeof(rnd) && have < len; i++) {
			int sym = ticket_symbol(rnd[i]);

			if (sym >= 0)
				out[have++] = TICKET_ALPHABET[sym];
		}
	}
	out[len] = '\0';
	rc = STK_OK;
 out:
	OPENSSL_cleanse(rnd, sizeof(rnd));
	return rc;
}

bool
ticket_valid(const char *t, size_t len)
{
	if (len < STK_AUTH_TICKET_MIN || len > STK_AUTH_TICKET_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (t[i] == '\0' || strchr(TICKET_ALPHABET, t[i]) == NULL)
			return false;
	}
	return true;
}

/* RFC 4648 §5 base64url without padding. */
static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int
secret_generate(const char *prefix, char *out, size_t outsz)
{
	uint8_t rnd[SECRET_RANDOM_LEN];
	size_t plen = strlen(prefix), o, bits = 0;
	uint32_t acc = 0;
	int rc;

	/* 32 octets = 256 bits -> 43 characters of 6 bits */
	if (plen + 1 + 43 + 1 > outsz || plen + 1 + 43 > SECRET_MAX_LEN)
		return STK_E_NOSPACE;
	if ((rc = srv_random(rnd, sizeof(rnd))) != STK_OK)
		return rc;
	memcpy(out, prefix, plen);
	o = plen;
	out[o++] = '_';
	for (size_t i = 0; i < sizeof(rnd); i++) {
		acc = (acc << 8) | rnd[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = b64url[(acc >> bits) & 0x3f];
		}
	}
	if (bits > 0)
		out[o++] = b64url[(acc << (6 - bits)) & 0x3f];
	out[o] = '\0';
	OPENSSL_cleanse(rnd, sizeof(rnd));
	return STK_OK;
}

int
secret_hash(const char *secret, size_t len, uint8_t hash[SECRET_HASH_LEN])
{
	unsigned int hl = 0;

	if (len == 0 || len > SECRET_MAX_LEN)
		return STK_E_ARG;
	if (EVP_Digest(secret, len, hash, &hl, EVP_sha256(), NULL) != 1 ||
	    hl != SECRET_HASH_LEN)
		return STK_E_CRYPTO;
	return STK_OK;
}

void
hex_upper(char *out, const uint8_t *p, size_t n)
{
	static const char d[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
hex_exact(const char *s, uint8_t *out, size_t n)
{
	if (strlen(s) != 2 * n)
		return STK_E_INVALID;
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return STK_E_INVALID;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return STK_OK;
}

/* TS 102 221 §13.2: EF_ICCID, BCD with the first digit in the low nibble. */
int
iccid_to_ef(const char *digits, uint8_t ef[STK_AUTH_ICCID_LEN])
{
	size_t n = strlen(digits);

	if (n < 18 || n > 20)
		return STK_E_INVALID;
	memset(ef, 0xff, STK_AUTH_ICCID_LEN);
	for (size_t i = 0; i < n; i++) {
		uint8_t d;

		if (digits[i] < '0' || digits[i] > '9')
			return STK_E_INVALID;
		d = (uint8_t)(digits[i] - '0');
		if (i % 2 == 0)
			ef[i / 2] = (uint8_t)(0xf0 | d);
		else
			ef[i / 2] = (uint8_t)((ef[i / 2] & 0x0f) | d << 4);
	}
	return STK_OK;
}

int
iccid_from_ef(const uint8_t ef[STK_AUTH_ICCID_LEN], char out[21])
{
	size_t n = 0;
	bool end = false;

	for (size_t i = 0; i < 2 * STK_AUTH_ICCID_LEN; i++) {
		uint8_t d = (i % 2 == 0) ? (ef[i / 2] & 0x0f) : (ef[i / 2] >> 4);

		if (d == 0x0f) {
			end = true;
			continue;
		}
		if (end || d > 9)
			return STK_E_INVALID;	/* digit after filler, or A-E */
		out[n++] = (char)('0' + d);
	}
	out[n] = '\0';
	return (n >= 18) ? STK_OK : STK_E_INVALID;
}
