/*
 * password.h - account passwords: scrypt (RFC 7914) through OpenSSL 3's
 * EVP_KDF "SCRYPT", stored as one self-describing string
 *
 *     $scrypt$ln=15,r=8,p=1$SALT$HASH
 *
 * where N = 2^ln, SALT (16 octets) and HASH (32 octets) are standard
 * base64 (RFC 4648 §4) without padding.  The parameters travel with the
 * hash, so the cost can be raised later and old hashes still verify
 * (password_needs_rehash tells when to re-hash after a successful login).
 *
 * Used by the web login page (the password step) and by stkauth-admin
 * (`user passwd`, `user add --password-stdin`); the encoded string is what
 * store_account_password_set/get keep in accounts.password_hash.
 *
 * Never log a password or an encoded hash.
 */
#ifndef STKAUTH_PASSWORD_H
#define STKAUTH_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

/* Defaults: N = 2^15, r = 8, p = 1 -> 32 MiB and ~0.1 s per hash. */
#define PASSWORD_LN_DEFAULT	15
#define PASSWORD_R_DEFAULT	8
#define PASSWORD_P_DEFAULT	1
/* Accepted when decoding (a stored string is not trusted blindly):
 * ln 10..20, r 1..32, p 1..16 and 128 * r * N * p at most 1 GiB. */
#define PASSWORD_LN_MIN		10
#define PASSWORD_LN_MAX		20
#define PASSWORD_R_MAX		32
#define PASSWORD_P_MAX		16

#define PASSWORD_SALT_LEN	16
#define PASSWORD_HASH_LEN	32
/* A password is 1..1024 octets (UTF-8 as typed; not normalised). */
#define PASSWORD_MAX_LEN	1024
/* Longest encoded string with the limits above, plus the NUL. */
#define PASSWORD_ENCODED_MAX	128

struct password_params {
	unsigned ln, r, p;
};

/* The defaults above. */
void password_params_default(struct password_params *pp);

/*
 * Hash pw[0..len) with a fresh random salt and pp (NULL: defaults) into
 * out (outsz >= PASSWORD_ENCODED_MAX is always enough).  STK_E_ARG for an
 * empty or too long password or parameters outside the limits,
 * STK_E_NOSPACE, STK_E_CRYPTO.
 */
int password_hash(const char *pw, size_t len, const struct password_params *pp,
    char *out, size_t outsz);

/*
 * Check pw against encoded.  STK_OK when it matches, STK_E_VERIFY when it
 * does not, STK_E_INVALID when encoded is not a string password_hash
 * could have written (the caller must treat that as a failed login too).
 * The final comparison is constant-time (CRYPTO_memcmp).
 */
int password_verify(const char *pw, size_t len, const char *encoded);

/*
 * The same work as password_verify with the default parameters against a
 * fixed dummy hash, always STK_E_VERIFY: call it for unknown accounts and
 * accounts without a password, so that the time taken does not tell
 * whether the account exists.
 */
int password_dummy_verify(const char *pw, size_t len);

/* Parse the parameters of encoded; STK_E_INVALID when malformed. */
int password_params_get(const char *encoded, struct password_params *pp);

/* Whether encoded was made with parameters other than pp (NULL:
 * defaults), or is malformed. */
bool password_needs_rehash(const char *encoded,
    const struct password_params *pp);

#endif
