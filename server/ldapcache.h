/*
 * ldapcache.h - the bounded TTL cache of the LDAP certificate directory
 * (server/ldapdir.c): a key (a user's uid + MSISDN, or a CA entry's DN)
 * maps to a status and up to LDAPCACHE_MAX_VALUES DER values
 * (userCertificate;binary or certificateRevocationList;binary).
 *
 * Bounded in entries; when full, the least recently used entry goes.  An
 * entry expires ttl milliseconds after it was stored (a hit does not
 * extend it: what the directory says must be re-read at least every ttl).
 * Times are supplied by the caller (monotonic milliseconds), so the
 * expiry is testable.  All calls are thread-safe.
 */
#ifndef STKAUTH_SERVER_LDAPCACHE_H
#define STKAUTH_SERVER_LDAPCACHE_H

#include <stddef.h>
#include <stdint.h>

#define LDAPCACHE_MAX_VALUES	8
#define LDAPCACHE_KEY_MAX	512	/* octets, NUL excluded */

/* A set of DER values; each der[i] is malloc'd and owned by the set. */
struct ldapcache_values {
	size_t n;
	uint8_t *der[LDAPCACHE_MAX_VALUES];
	size_t len[LDAPCACHE_MAX_VALUES];
};

void ldapcache_values_free(struct ldapcache_values *v);
/* Append a copy of p[0..len).  STK_E_TOO_LONG when the set is full,
 * STK_E_NOMEM. */
int ldapcache_values_add(struct ldapcache_values *v, const uint8_t *p,
    size_t len);
/* dst (uninitialised) = deep copy of src.  STK_E_NOMEM (dst empty). */
int ldapcache_values_copy(struct ldapcache_values *dst,
    const struct ldapcache_values *src);

struct ldapcache;

/* max_entries >= 1.  STK_E_ARG, STK_E_NOMEM. */
int ldapcache_new(size_t max_entries, struct ldapcache **out);
void ldapcache_free(struct ldapcache *c);

/*
 * Store status and a copy of vals under key for ttl_ms from now_ms,
 * replacing an entry of the same key.  ttl_ms 0 stores nothing.
 * STK_E_ARG for an empty key or one over LDAPCACHE_KEY_MAX, STK_E_NOMEM.
 */
int ldapcache_put(struct ldapcache *c, const char *key, int status,
    const struct ldapcache_values *vals, int64_t now_ms, uint64_t ttl_ms);

/*
 * Look key up at now_ms.  STK_OK: *status and *vals (a copy for the
 * caller to free; uninitialised on entry) are set.  STK_E_NOT_FOUND: no
 * entry, or an expired one (removed).  STK_E_NOMEM.
 */
int ldapcache_get(struct ldapcache *c, const char *key, int64_t now_ms,
    int *status, struct ldapcache_values *vals);

/* Forget key (no error when absent) / everything. */
void ldapcache_del(struct ldapcache *c, const char *key);
void ldapcache_clear(struct ldapcache *c);
size_t ldapcache_count(struct ldapcache *c);

#endif
