/*
 * certcache.h - the cache of parsed and validated certificates and of
 * parsed CRLs behind certcheck.h (docs/LDAP.md "Certificate cache").
 *
 * Why: parsing a certificate (and with it OpenSSL 3's public key
 * decoder) and building its chain cost more than everything else of a
 * login but SQLite (docs/PERFORMANCE.md "Server"), and a user's
 * certificate is the same DER login after login.
 *
 * Keys are SHA-256 digests of the DER, so an entry can only ever stand
 * for the very bytes it was made from.  A certificate entry holds the
 * parsed X509 (with its decoded EVP_PKEY) and at most one successful
 * validation: the digest of everything else the validation depended on
 * (the CRLs used, account, MSISDN; certcheck.c makes it) and the span of
 * verification times over which it holds - from the time it was done
 * until the earliest of its TTL, the notAfter of the chain and the
 * nextUpdate of the CRLs.  A new CRL has another digest, so revocation
 * takes effect as soon as the new CRL is seen: the cache adds no delay.
 * Failed validations are not kept.
 *
 * Bounded: at most max entries (certificates and CRLs together); the
 * least recently used goes first.  Thread-safe (one mutex).
 */
#ifndef STKAUTH_SERVER_CERTCACHE_H
#define STKAUTH_SERVER_CERTCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#define CERTCACHE_DIGEST_LEN 32

struct certcache;

/* max_entries >= 1, ttl_s 0: validations are not kept (parses are).
 * NULL on failure. */
struct certcache *certcache_new(size_t max_entries, unsigned ttl_s);
void certcache_free(struct certcache *c);

/*
 * The parsed certificate of digest d (a new reference, NULL on a miss).
 * *valid is set when the entry's validation was made under vkey and
 * holds at time at (seconds).
 */
X509 *certcache_cert_get(struct certcache *c,
    const uint8_t d[CERTCACHE_DIGEST_LEN],
    const uint8_t vkey[CERTCACHE_DIGEST_LEN], int64_t at, bool *valid);
/* Keep cert (a reference is taken) under d; no-op when present. */
void certcache_cert_put(struct certcache *c,
    const uint8_t d[CERTCACHE_DIGEST_LEN], X509 *cert);
/*
 * Record that the certificate of d passed validation under vkey at time
 * at, valid until until (seconds; capped at at + ttl).
 */
void certcache_cert_validated(struct certcache *c,
    const uint8_t d[CERTCACHE_DIGEST_LEN],
    const uint8_t vkey[CERTCACHE_DIGEST_LEN], int64_t at, int64_t until);

/* Parsed CRLs, the same way (no validation part). */
X509_CRL *certcache_crl_get(struct certcache *c,
    const uint8_t d[CERTCACHE_DIGEST_LEN]);
void certcache_crl_put(struct certcache *c,
    const uint8_t d[CERTCACHE_DIGEST_LEN], X509_CRL *crl);

struct certcache_stats {
	unsigned long hits;	/* a validation reused */
	unsigned long misses;	/* a certificate validated afresh */
	size_t entries;
};
/* Count one validation lookup (certcheck.c calls it). */
void certcache_count(struct certcache *c, bool hit);
void certcache_stats(struct certcache *c, struct certcache_stats *st);

#endif
