/*
 * certcheck.h - validation of a user's X.509 certificate before its key is
 * trusted to verify a login signature (DESIGN.md §3 "PKI"; docs/LDAP.md).
 *
 * One call decides, for a certificate (DER, as stored in LDAP
 * userCertificate;binary) and the account + MSISDN the login is for:
 *
 *   1. path validation against the configured CA bundle, RFC 5280 §6
 *      (signatures, validity periods, basic constraints), done by OpenSSL
 *      X509_verify_cert at the verification time;
 *   2. revocation, RFC 5280 §6.3, with the CRLs of a CRL file and the CRLs
 *      the caller passes (certificateRevocationList;binary of the CA entry
 *      in LDAP, RFC 4523 §2.3); of several CRLs of one issuer that are
 *      usable, the one issued last wins;
 *   3. key usage, RFC 5280 §4.2.1.3: the extension must be present and
 *      assert digitalSignature or nonRepudiation (contentCommitment), and
 *      the certificate must not be a CA certificate;
 *   4. identity: the subject names the account and a subjectAltName names
 *      the MSISDN (below).
 *
 * Identity convention (what ldap-fixtures/ca.sh issues):
 *   account: the subject's UID attribute (userId, 0.9.2342.19200300.100.1.1,
 *            RFC 4519 §2.39) when the subject has one, else its CN
 *            (RFC 4519 §2.3); exactly one such value, equal byte for byte
 *            to the account name (LDAP's uid matching ignores case, this
 *            check does not).
 *   MSISDN:  a subjectAltName uniformResourceIdentifier (RFC 5280
 *            §4.2.1.6) "tel:+DIGITS", a global number of RFC 3966 §5.1.4;
 *            the visual separators "-", ".", "(" and ")" are ignored,
 *            parameters (";...") make the URI not match; the scheme is
 *            case-insensitive (RFC 3986 §3.1).  Equal to the login's MSISDN
 *            as E.164 digits.
 *
 * A certcheck may be used by several threads at once: after
 * certcheck_new only its certificate cache changes, under its own lock.
 *
 * The cache (certcache.h; cache_max > 0): a certificate's DER is parsed
 * once, and a successful validation is reused for the same DER, the
 * same CRLs (by digest), account and MSISDN, at verification times from
 * when it was made until the earliest of cache_ttl_s later, the chain's
 * notAfter and the CRLs' nextUpdate.  A new CRL is other bytes: the
 * next call validates afresh, so revocation is as prompt as without the
 * cache.  Failures are always checked afresh.
 */
#ifndef STKAUTH_SERVER_CERTCHECK_H
#define STKAUTH_SERVER_CERTCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

/*
 * Why a certificate was refused: X(symbol, name, text).  The name goes
 * into the audit log and the CERT_INVALID reason; the reasons are
 * expired, not-yet-valid, revoked, untrusted, wrong-identity,
 * bad-key-usage and no-certificate; malformed (not a certificate) and
 * revocation-unknown (no usable CRL from the issuer: missing when CRLs
 * are required, expired, or with a bad signature) complete them.
 */
#define CERTCHECK_REASON_TABLE(X)					\
	X(CERTCHECK_OK,                 "ok",                 "certificate valid for this account and MSISDN") \
	X(CERTCHECK_NO_CERTIFICATE,     "no-certificate",     "no certificate for the user") \
	X(CERTCHECK_MALFORMED,          "malformed",          "not a DER X.509 certificate") \
	X(CERTCHECK_EXPIRED,            "expired",            "a certificate of the chain has expired") \
	X(CERTCHECK_NOT_YET_VALID,      "not-yet-valid",      "a certificate of the chain is not yet valid") \
	X(CERTCHECK_REVOKED,            "revoked",            "the certificate is revoked by its issuer's CRL") \
	X(CERTCHECK_REVOCATION_UNKNOWN, "revocation-unknown", "no current, correctly signed CRL of the issuer") \
	X(CERTCHECK_UNTRUSTED,          "untrusted",          "no valid chain to a configured CA") \
	X(CERTCHECK_BAD_KEY_USAGE,      "bad-key-usage",      "key usage does not allow signatures, or a CA certificate") \
	X(CERTCHECK_WRONG_IDENTITY,     "wrong-identity",     "the certificate names another account or MSISDN")

enum certcheck_reason {
#define CERTCHECK_ENUM(sym, name, text) sym,
	CERTCHECK_REASON_TABLE(CERTCHECK_ENUM)
#undef CERTCHECK_ENUM
	CERTCHECK_REASON_COUNT
};

/* "expired", ...; "unknown" outside the table. */
const char *certcheck_reason_name(int reason);
const char *certcheck_reason_text(int reason);

struct certcheck_config {
	const char *ca_file;	/* PEM bundle of trusted CAs; required */
	const char *crl_file;	/* PEM (one or more) or DER CRLs; or NULL */
	/*
	 * true: a certificate whose issuer has no CRL at all is refused
	 * (revocation-unknown).  false: such a certificate passes; a CRL that
	 * is present is still checked (an expired or badly signed one is
	 * refused either way).
	 */
	bool require_crl;
	/* true: every CA of the chain is checked against CRLs, not only the
	 * user certificate (X509_V_FLAG_CRL_CHECK_ALL). */
	bool crl_check_all;
	/* the certificate cache: entries (0: none) and how long a
	 * validation may be reused at most (0: only parses are kept) */
	size_t cache_max;
	unsigned cache_ttl_s;
};

/* A DER object (certificate or CRL) that the caller owns. */
struct certcheck_der {
	const uint8_t *der;
	size_t len;
};

/* Bounds on what one call examines (a directory entry is not trusted). */
#define CERTCHECK_MAX_CERTS	8
#define CERTCHECK_MAX_CRLS	8
#define CERTCHECK_DER_MAX	(64 * 1024)	/* one certificate */
#define CERTCHECK_CRL_DER_MAX	(4 * 1024 * 1024)
#define CERTCHECK_MSISDN_MAX	16		/* "+" and 15 digits */

struct certcheck_result {
	int reason;		/* enum certcheck_reason */
	int x509_err;		/* X509_V_ERR_* behind it, 0 if none */
	int depth;		/* chain depth of x509_err, -1 if none */
	size_t index;		/* which certificate the result is about */
	char detail[192];	/* one line for the audit log */
	X509 *cert;		/* CERTCHECK_OK: the certificate (owned) */
};

struct certcheck;

/*
 * Load the CA bundle and the CRL file.  STK_OK with *out set; STK_E_IO
 * (file missing or unreadable), STK_E_INVALID (no certificate in the
 * bundle, a CRL file without CRLs), STK_E_NOMEM; err gets one line.
 */
int certcheck_new(const struct certcheck_config *cfg, struct certcheck **out,
    char *err, size_t errsz);
void certcheck_free(struct certcheck *cc);

/*
 * Validate the certificates certs[0..ncerts) (those of one directory
 * entry) for account and msisdn at time at (seconds since the epoch; 0:
 * now), with the CRL file's CRLs and crls[0..ncrls) (DER; ones that do
 * not parse are skipped and said in the detail of a failure).
 *
 * STK_OK: res->reason is CERTCHECK_OK, res->cert the first certificate
 * that passes every check, res->index its position.  STK_E_VERIFY: none
 * passes; res describes the first certificate's failure
 * (CERTCHECK_NO_CERTIFICATE when ncerts is 0).  account or msisdn may be
 * NULL or "" to skip that half of the identity check, not both
 * (STK_E_ARG); STK_E_ARG too for an msisdn that is not E.164, more than
 * CERTCHECK_MAX_CERTS certificates or CERTCHECK_MAX_CRLS CRLs.
 * STK_E_NOMEM / STK_E_CRYPTO when OpenSSL fails.  res is always
 * initialised; release it with certcheck_result_clear.
 */
int certcheck_verify(const struct certcheck *cc,
    const struct certcheck_der *certs, size_t ncerts,
    const struct certcheck_der *crls, size_t ncrls,
    const char *account, const char *msisdn, int64_t at,
    struct certcheck_result *res);

void certcheck_result_clear(struct certcheck_result *res);

/* Validations answered from the cache and made afresh (0 without one). */
void certcheck_cache_stats(const struct certcheck *cc, unsigned long *hits,
    unsigned long *misses);

/*
 * The identity check alone (step 4): STK_OK or STK_E_VERIFY, with a
 * reason in why (may be NULL).  Arguments as certcheck_verify.
 */
int certcheck_identity(X509 *cert, const char *account, const char *msisdn,
    char *why, size_t whysz);

/*
 * "+DIGITS" from an MSISDN given as E.164 digits with or without a
 * leading "+" (1..15 digits).  STK_E_INVALID otherwise.
 */
int certcheck_msisdn_normalize(const char *in,
    char out[CERTCHECK_MSISDN_MAX + 1]);

/*
 * The MSISDN ("+DIGITS") named by a tel URI uri[0..len) (RFC 3966 global
 * number, visual separators dropped).  STK_E_INVALID for anything else: a
 * local number, parameters, other schemes, more than 15 digits.
 */
int certcheck_tel_uri(const char *uri, size_t len,
    char out[CERTCHECK_MSISDN_MAX + 1]);

#endif
