/*
 * ldapdir.h - the LDAP certificate directory of stkauth-server
 * (docs/LDAP.md): finds a user's certificates (userCertificate;binary,
 * RFC 4523 §2.1) by account uid and/or MSISDN, and the CRLs of the CA
 * entries (certificateRevocationList;binary, RFC 4523 §2.3), with libldap.
 *
 * - Connections: up to `connections` LDAPv3 connections, each reused for
 *   many searches; ldap:// with StartTLS (RFC 4513 §3) or ldaps://, the
 *   server certificate checked against tls_ca_file (demand); simple bind
 *   (RFC 4513 §5.1.3) with a service account, or anonymous.
 * - Failures: a search that fails on a connection that worked before is
 *   retried once on a new connection (the server restarted); a connection
 *   that cannot be made starts an exponential backoff (backoff_min_ms,
 *   doubling to backoff_max_ms), during which lookups fail at once with
 *   STK_E_IO instead of waiting; the first successful connection ends it.
 * - Cache: answers (found, not found) and CRLs are cached for their TTLs
 *   in a bounded LRU cache (ldapcache.h); errors are never cached.
 * - Threads: every network operation of libldap that matters here
 *   (connect, TLS handshake, StartTLS, bind) is synchronous, so the
 *   directory does its work on its own worker threads.  The event loop
 *   uses the asynchronous interface: ldapdir_lookup() queues and returns
 *   at once, the loop watches ldapdir_fd() for reading and calls
 *   ldapdir_process(), which runs the callbacks on the loop's thread.
 *   Code that already runs on a worker thread may call ldapdir_lookup_sync.
 *
 * Search: base base_dn, scope subtree, filter
 *   (&(objectClass=USER_CLASS)(UID_ATTR=uid)(MSISDN_ATTR=msisdn))
 * with either equality left out when its value is not given, values
 * escaped per RFC 4515 §3, size limit 2 (two entries are an ambiguity,
 * STK_E_DUPLICATE, never a choice).
 */
#ifndef STKAUTH_SERVER_LDAPDIR_H
#define STKAUTH_SERVER_LDAPDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "ldapcache.h"

#define LDAPDIR_UID_MAX		64	/* octets */
#define LDAPDIR_MSISDN_MAX	16	/* "+" and 15 digits */
#define LDAPDIR_MAX_CRL_DNS	4
#define LDAPDIR_MAX_WORKERS	16
#define LDAPDIR_CERT_MAX	(64 * 1024)		/* one value */
#define LDAPDIR_CRL_MAX		(4 * 1024 * 1024)	/* one value */

struct ldapdir_config {
	const char *uri;		/* "ldap://127.0.0.1:389/", "ldaps://..." */
	bool starttls;			/* ldap:// only: StartTLS, required */
	const char *tls_ca_file;	/* CA of the server cert; NULL: system */
	const char *bind_dn;		/* NULL or "": anonymous */
	const char *bind_password;
	const char *base_dn;		/* where users live; required */
	const char *user_class;		/* default "inetOrgPerson" */
	const char *uid_attr;		/* default "uid" */
	const char *msisdn_attr;	/* default "mobile" */
	const char *crl_dns[LDAPDIR_MAX_CRL_DNS];	/* CA entries, or NULL */
	unsigned timeout_ms;		/* connect, bind, each search; 5000 */
	unsigned cache_ttl_ms;		/* found: 300000; 0: no caching */
	unsigned negative_ttl_ms;	/* not found: 30000 */
	unsigned crl_ttl_ms;		/* CRLs: 300000 */
	size_t cache_max;		/* entries: 10000 */
	unsigned backoff_min_ms;	/* 250 */
	unsigned backoff_max_ms;	/* 30000 */
	unsigned workers;		/* threads = connections: 2 (1..16) */
	unsigned queue_max;		/* queued lookups: 1000 */
};

/* Fill c with the defaults above (pointers NULL). */
void ldapdir_config_defaults(struct ldapdir_config *c);

/*
 * The answer to one lookup.  status:
 *   STK_OK           one entry; certs holds its certificates (possibly
 *                    none: certcheck says no-certificate), crls the CRLs
 *                    of the configured CA entries that could be read;
 *   STK_E_NOT_FOUND  no entry matches;
 *   STK_E_DUPLICATE  more than one entry matches;
 *   STK_E_IO         the directory is unreachable, timed out, refused the
 *                    bind or the search (detail says which), or backoff;
 *   STK_E_ARG        the uid or MSISDN is not acceptable;
 *   STK_E_NOMEM.
 */
struct ldapdir_result {
	int status;
	bool from_cache;	/* the entry part came from the cache */
	char uid[LDAPDIR_UID_MAX + 1];
	char msisdn[LDAPDIR_MSISDN_MAX + 1];
	struct ldapcache_values certs;
	struct ldapcache_values crls;
	char detail[200];	/* one line for logs and the audit */
};

void ldapdir_result_clear(struct ldapdir_result *r);

struct ldapdir;

/*
 * Validate cfg, start the worker threads (no connection is made yet: the
 * first lookup connects).  STK_E_ARG with err filled for a bad
 * configuration, STK_E_NOMEM, STK_E_IO (threads, pipe).
 */
int ldapdir_new(const struct ldapdir_config *cfg, struct ldapdir **out,
    char *err, size_t errsz);

/*
 * Stop the workers (waits for operations under way, each bounded by
 * timeout_ms), close the connections.  Callbacks of lookups not yet
 * delivered are not called.
 */
void ldapdir_free(struct ldapdir *d);

/*
 * Blocking lookup for worker threads: uid and/or msisdn (NULL or "" to
 * leave one out, not both).  res is always initialised; release it with
 * ldapdir_result_clear.  Returns res->status.
 */
int ldapdir_lookup_sync(struct ldapdir *d, const char *uid,
    const char *msisdn, struct ldapdir_result *res);

typedef void (*ldapdir_cb)(const struct ldapdir_result *res, void *arg);

/*
 * Asynchronous lookup: returns at once.  STK_OK: cb(res, arg) will run in
 * a later ldapdir_process() (also for cache hits), *id (may be NULL)
 * names the lookup for ldapdir_cancel.  STK_E_NOSPACE when queue_max
 * lookups are pending, STK_E_ARG for bad arguments (cb not called).
 * res is valid during the callback only.
 */
int ldapdir_lookup(struct ldapdir *d, const char *uid, const char *msisdn,
    ldapdir_cb cb, void *arg, uint64_t *id);

/* The callback of lookup id will not be called (the client went away). */
void ldapdir_cancel(struct ldapdir *d, uint64_t id);

/* The descriptor to watch for reading (non-blocking pipe). */
int ldapdir_fd(const struct ldapdir *d);

/* Deliver finished lookups; returns how many callbacks ran. */
int ldapdir_process(struct ldapdir *d);

/* Drop every cached answer and CRL (e.g. after publishing a new CRL). */
void ldapdir_flush(struct ldapdir *d);

struct ldapdir_stats {
	unsigned long searches;		/* sent to the server */
	unsigned long cache_hits;
	unsigned long connects;		/* connections made */
	unsigned long connect_failures;
	unsigned long backoff_refusals;	/* lookups failed during backoff */
	unsigned long errors;
};
void ldapdir_stats(struct ldapdir *d, struct ldapdir_stats *st);

/*
 * RFC 4515 §3 escaping of an assertion value v[0..n) into b: "*", "(",
 * ")", "\" and NUL, and also every octet outside printable ASCII, become
 * "\" and two lower-case hex digits.  false when b fails (it is sticky).
 */
bool ldapdir_filter_escape(struct stk_buf *b, const uint8_t *v, size_t n);

/*
 * The search filter for uid and/or msisdn (normalised "+DIGITS") with the
 * configured class and attributes, NUL-terminated, into b.  STK_E_ARG
 * when both are empty, STK_E_NOMEM / STK_E_NOSPACE when b fails.
 */
int ldapdir_filter(const struct ldapdir_config *cfg, const char *uid,
    const char *msisdn, struct stk_buf *b);

#endif
