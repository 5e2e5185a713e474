/*
 * password.c - scrypt password hashes (RFC 7914) in a self-describing
 * string, through OpenSSL 3's EVP_KDF "SCRYPT" (password.h).
 *
 * Decoding is strict: the exact prefix, decimal parameters without signs,
 * spaces or leading zeros, canonical unpadded base64 of exactly 16 and 32
 * octets, nothing after the hash.  A stored string is input like any
 * other: parameters outside the limits are refused before any memory is
 * committed to them.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "err.h"
#include "password.h"

#define PREFIX		"$scrypt$"
/* 128 * r * N * p octets at most (RFC 7914 §2 memory: 128 r N). */
#define MEM_MAX		((uint64_t)1 << 30)
/* unpadded base64 lengths of the salt and the hash */
#define SALT_B64_LEN	22
#define HASH_B64_LEN	43

void
password_params_default(struct password_params *pp)
{
	pp->ln = PASSWORD_LN_DEFAULT;
	pp->r = PASSWORD_R_DEFAULT;
	pp->p = PASSWORD_P_DEFAULT;
}

static bool
params_ok(const struct password_params *pp)
{
	if (pp->ln < PASSWORD_LN_MIN || pp->ln > PASSWORD_LN_MAX ||
	    pp->r < 1 || pp->r > PASSWORD_R_MAX ||
	    pp->p < 1 || pp->p > PASSWORD_P_MAX)
		return false;
	return 128ull * pp->r * ((uint64_t)1 << pp->ln) * pp->p <= MEM_MAX;
}

/* RFC 7914 through EVP_KDF: out[0..PASSWORD_HASH_LEN). */
static int
scrypt(const char *pw, size_t len, const uint8_t salt[PASSWORD_SALT_LEN],
    const struct password_params *pp, uint8_t out[PASSWORD_HASH_LEN])
{
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *ctx = NULL;
	OSSL_PARAM prm[7], *q = prm;
	uint64_t n = (uint64_t)1 << pp->ln;
	uint32_t r = pp->r, p = pp->p;
	/* V (128 r N) plus B (128 r p) plus slack: a limit, not an allocation */
	uint64_t maxmem = 128ull * r * (n + 2) + 128ull * r * p + (1u << 20);
	int rc = STK_E_CRYPTO;

	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
	    (void *)pw, len);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
	    (void *)salt, PASSWORD_SALT_LEN);
	*q++ = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n);
	*q++ = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r);
	*q++ = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p);
	*q++ = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM,
	    &maxmem);
	*q = OSSL_PARAM_construct_end();
	if ((kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL)) == NULL ||
	    (ctx = EVP_KDF_CTX_new(kdf)) == NULL ||
	    EVP_KDF_derive(ctx, out, PASSWORD_HASH_LEN, prm) != 1)
		goto out;
	rc = STK_OK;
 out:
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return rc;
}

/* Unpadded base64 of p[0..n) into out (needs 4 * ceil(n / 3) + 1). */
static void
b64_encode(char *out, const uint8_t *p, size_t n)
{
	int len = EVP_EncodeBlock((unsigned char *)out, p, (int)n);

	while (len > 0 && out[len - 1] == '=')
		out[--len] = '\0';
}

static bool
b64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/*
 * Decode exactly slen characters of unpadded base64 at s into exactly n
 * octets; canonical only (the unused low bits must be zero, which the
 * re-encoding comparison checks).
 */
static int
b64_decode_exact(const char *s, size_t slen, uint8_t *out, size_t n)
{
	char padded[64], again[64];
	uint8_t raw[48];
	size_t plen = slen;
	int got;

	if (slen != (4 * n + 2) / 3 || slen + 3 > sizeof(padded) ||
	    n > sizeof(raw))
		return STK_E_INVALID;
	for (size_t i = 0; i < slen; i++)
		if (!b64_char(s[i]))
			return STK_E_INVALID;
	memcpy(padded, s, slen);
	while (plen % 4 != 0)
		padded[plen++] = '=';
	padded[plen] = '\0';
	got = EVP_DecodeBlock(raw, (const unsigned char *)padded, (int)plen);
	/* EVP_DecodeBlock counts the padding as zero octets */
	if (got < 0 || (size_t)got != plen / 4 * 3)
		return STK_E_INVALID;
	b64_encode(again, raw, n);
	if (strlen(again) != slen || memcmp(again, s, slen) != 0)
		return STK_E_INVALID;
	memcpy(out, raw, n);
	OPENSSL_cleanse(raw, sizeof(raw));
	return STK_OK;
}

/* "NAME=digits" at *s, then sep; advances *s.  No sign, no leading 0. */
static int
parse_param(const char **s, const char *name, char sep, unsigned *v)
{
	size_t nl = strlen(name), i = 0;
	unsigned long acc = 0;
	const char *p = *s;

	if (strncmp(p, name, nl) != 0 || p[nl] != '=')
		return STK_E_INVALID;
	p += nl + 1;
	while (p[i] >= '0' && p[i] <= '9') {
		if (i == 1 && p[0] == '0')
			return STK_E_INVALID;
		acc = acc * 10 + (unsigned long)(p[i] - '0');
		if (++i > 4)
			return STK_E_INVALID;
	}
	if (i == 0 || p[i] != sep)
		return STK_E_INVALID;
	*v = (unsigned)acc;
	*s = p + i + 1;
	return STK_OK;
}

/* Split encoded into parameters, salt and hash. */
static int
decode(const char *enc, struct password_params *pp,
    uint8_t salt[PASSWORD_SALT_LEN], uint8_t hash[PASSWORD_HASH_LEN])
{
	const char *s = enc, *dollar;
	int rc;

	if (strlen(enc) >= PASSWORD_ENCODED_MAX ||
	    strncmp(s, PREFIX, strlen(PREFIX)) != 0)
		return STK_E_INVALID;
	s += strlen(PREFIX);
	if ((rc = parse_param(&s, "ln", ',', &pp->ln)) != STK_OK ||
	    (rc = parse_param(&s, "r", ',', &pp->r)) != STK_OK ||
	    (rc = parse_param(&s, "p", '$', &pp->p)) != STK_OK)
		return rc;
	if (!params_ok(pp))
		return STK_E_INVALID;
	if ((dollar = strchr(s, '$')) == NULL ||
	    (rc = b64_decode_exact(s, (size_t)(dollar - s), salt,
	    PASSWORD_SALT_LEN)) != STK_OK)
		return STK_E_INVALID;
	s = dollar + 1;
	return b64_decode_exact(s, strlen(s), hash, PASSWORD_HASH_LEN);
}

int
password_hash(const char *pw, size_t len, const struct password_params *pp,
    char *out, size_t outsz)
{
	struct password_params def;
	uint8_t salt[PASSWORD_SALT_LEN], h[PASSWORD_HASH_LEN];
	char salt64[SALT_B64_LEN + 3], h64[HASH_B64_LEN + 3];
	int rc, n;

	if (pp == NULL) {
		password_params_default(&def);
		pp = &def;
	}
	if (len == 0 || len > PASSWORD_MAX_LEN || !params_ok(pp))
		return STK_E_ARG;
	if (RAND_bytes(salt, sizeof(salt)) != 1)
		return STK_E_CRYPTO;
	if ((rc = scrypt(pw, len, salt, pp, h)) != STK_OK)
		goto out;
	b64_encode(salt64, salt, sizeof(salt));
	b64_encode(h64, h, sizeof(h));
	n = snprintf(out, outsz, PREFIX "ln=%u,r=%u,p=%u$%s$%s", pp->ln, pp->r,
	    pp->p, salt64, h64);
	rc = (n < 0 || (size_t)n >= outsz) ? STK_E_NOSPACE : STK_OK;
 out:
	OPENSSL_cleanse(h, sizeof(h));
	OPENSSL_cleanse(h64, sizeof(h64));
	return rc;
}

int
password_verify(const char *pw, size_t len, const char *encoded)
{
	struct password_params pp;
	uint8_t salt[PASSWORD_SALT_LEN], want[PASSWORD_HASH_LEN];
	uint8_t got[PASSWORD_HASH_LEN];
	int rc;

	if (encoded == NULL || decode(encoded, &pp, salt, want) != STK_OK) {
		/* spend the same time as a real check */
		password_dummy_verify(pw, len);
		return STK_E_INVALID;
	}
	if (len == 0 || len > PASSWORD_MAX_LEN) {
		password_dummy_verify(pw, len);
		return STK_E_VERIFY;
	}
	if ((rc = scrypt(pw, len, salt, &pp, got)) != STK_OK)
		goto out;
	rc = CRYPTO_memcmp(got, want, sizeof(got)) == 0 ? STK_OK :
	    STK_E_VERIFY;
 out:
	OPENSSL_cleanse(got, sizeof(got));
	OPENSSL_cleanse(want, sizeof(want));
	return rc;
}

int
password_dummy_verify(const char *pw, size_t len)
{
	static const uint8_t salt[PASSWORD_SALT_LEN] = { 0 };
	static const uint8_t want[PASSWORD_HASH_LEN] = { 0 };
	struct password_params pp;
	uint8_t got[PASSWORD_HASH_LEN];

	password_params_default(&pp);
	/* an over-long password is hashed in its first PASSWORD_MAX_LEN */
	if (len > PASSWORD_MAX_LEN)
		len = PASSWORD_MAX_LEN;
	if (scrypt(pw ? pw : "", pw ? len : 0, salt, &pp, got) == STK_OK)
		(void)CRYPTO_memcmp(got, want, sizeof(got));
	OPENSSL_cleanse(got, sizeof(got));
	return STK_E_VERIFY;
}

int
password_params_get(const char *encoded, struct password_params *pp)
{
	uint8_t salt[PASSWORD_SALT_LEN], h[PASSWORD_HASH_LEN];
	int rc = decode(encoded, pp, salt, h);

	OPENSSL_cleanse(h, sizeof(h));
	return rc;
}

bool
password_needs_rehash(const char *encoded, const struct password_params *pp)
{
	struct password_params def, have;

	if (pp == NULL) {
		password_params_default(&def);
		pp = &def;
	}
	if (password_params_get(encoded, &have) != STK_OK)
		return true;
	return have.ln != pp->ln || have.r != pp->r || have.p != pp->p;
}
