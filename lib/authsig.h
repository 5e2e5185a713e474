/*
 * authsig.h - the crypto over the stkauth application messages
 * (docs/PROTOCOL.md §6, §7): the authentication password, the data to be
 * signed (DTBS), signing and verification.  OpenSSL 3 EVP APIs only.
 *
 * Authentication password (PROTOCOL.md §6):
 *   mac = HMAC-SHA256(K_auth_card, "stkauth-v1-password" || SESSION-ID
 *                     || NONCE || TICKET-LEN || TICKET)
 *   password = (first 8 octets of mac as a big-endian uint64) mod 10^8,
 *              written as 8 ASCII decimal digits with leading zeros.
 *   K_auth_card is a per-card secret of 16..64 octets loaded at enrolment.
 *
 * Data to be signed: built by stk_auth_dtbs() (authmsg.h, PROTOCOL.md §7).
 *
 * Signature algorithms (authmsg.h enum stk_auth_sig_alg), all over SHA-256
 * of the DTBS: RSA PKCS#1 v1.5 (RFC 8017 §8.2), RSA-PSS with MGF1-SHA256
 * and a 32-octet salt (RFC 8017 §8.1), ECDSA P-256 (FIPS 186-4) with the
 * signature as raw r || s (64 octets).
 */
#ifndef STKAUTH_AUTHSIG_H
#define STKAUTH_AUTHSIG_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "authmsg.h"
#include "bytes.h"

#define STK_AUTH_PASSWORD_LABEL	"stkauth-v1-password"
#define STK_AUTH_KEY_MIN	16	/* K_auth_card octets */
#define STK_AUTH_KEY_MAX	64
#define STK_AUTH_PSS_SALT_LEN	32

/*
 * Derive the password for req's session, nonce and ticket into out
 * (8 digits + NUL).  STK_E_ARG for a key outside 16..64 octets or an
 * invalid ticket, STK_E_CRYPTO when OpenSSL fails.
 */
int stk_auth_password_derive(const uint8_t *key, size_t keylen,
    const struct stk_auth_request *req,
    char out[STK_AUTH_PASSWORD_DIGITS + 1]);

/*
 * Recompute the password and compare it with password[0..len) in constant
 * time (stk_ct_equal).  STK_OK when equal, STK_E_VERIFY otherwise (a wrong
 * length included), other codes as stk_auth_password_derive.
 */
int stk_auth_password_check(const uint8_t *key, size_t keylen,
    const struct stk_auth_request *req, const char *password, size_t len);

/*
 * Sign data[0..len) with key under alg (not NONE) into sig (capacity
 * STK_AUTH_SIG_MAX), *sig_len set.  STK_E_ARG when the key type does not
 * fit alg (RSA for PKCS#1/PSS, EC P-256 for ECDSA) or the signature would
 * exceed STK_AUTH_SIG_MAX; STK_E_CRYPTO when OpenSSL fails.
 */
int stk_auth_sign_data(unsigned alg, EVP_PKEY *key, const uint8_t *data,
    size_t len, uint8_t sig[STK_AUTH_SIG_MAX], uint16_t *sig_len);

/*
 * Verify sig over data under alg with the public key.  STK_OK or
 * STK_E_VERIFY (also for a key that does not fit alg, a malformed
 * signature, an ECDSA r or s of 0 or >= n); STK_E_CRYPTO when OpenSSL
 * fails for other reasons (no memory).
 */
int stk_auth_verify_data(unsigned alg, EVP_PKEY *key, const uint8_t *data,
    size_t len, const uint8_t *sig, size_t sig_len);

/*
 * Applet side: build the DTBS from req and resp (resp->sig_alg chosen,
 * decision, ICCID and password filled) and set resp->sig / sig_len.
 */
int stk_auth_sign(const struct stk_auth_request *req,
    struct stk_auth_response *resp, EVP_PKEY *key);

/*
 * Server side.  req is the request as the server sent it (its session
 * record), iccid the card identity from the enrolment (NOT the response's
 * own claim: a response whose ICCID differs is STK_E_VERIFY), pub the
 * public key from the user's certificate.  STK_OK only when resp carries a
 * signature (sig_alg != NONE) that verifies over the DTBS; STK_E_VERIFY
 * otherwise (unsigned responses included); STK_E_INCONSISTENT for a
 * session identifier that is not req's.  The password is checked
 * separately (stk_auth_password_check), the certificate's validity and
 * chain by the caller.
 */
int stk_auth_verify(const struct stk_auth_request *req,
    const struct stk_auth_response *resp,
    const uint8_t iccid[STK_AUTH_ICCID_LEN], EVP_PKEY *pub);

/* The same with the public key of an X.509 certificate. */
int stk_auth_verify_cert(const struct stk_auth_request *req,
    const struct stk_auth_response *resp,
    const uint8_t iccid[STK_AUTH_ICCID_LEN], X509 *cert);

#endif
