/*
 * ldapdir.c - the LDAP certificate directory (ldapdir.h, docs/LDAP.md):
 * libldap connections on worker threads, reconnect with backoff, the TTL
 * cache, and the completion pipe the event loop watches.
 *
 * Locking: d->mu guards the job queues, the connection slots' busy flags,
 * the backoff state and the statistics.  A slot's LDAP handle is used
 * only by the thread that holds the slot busy.  The cache has its own
 * lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <ldap.h>

#include "certcheck.h"
#include "err.h"
#include "log.h"
#include "ldapdir.h"

#define USER_KEY_PREFIX	"U:"
#define CRL_KEY_PREFIX	"C:"
#define FILTER_MAX	1024

/* Attribute types read, by name and OID (RFC 4523 §2.1, §2.3). */
static const struct {
	const char *name;
	const char *oid;
	const char *request;	/* with the binary transfer option, §2 */
} attr_cert = { "userCertificate", "2.5.4.36", "userCertificate;binary" },
  attr_crl = { "certificateRevocationList", "2.5.4.39",
	"certificateRevocationList;binary" };

struct slot {
	LDAP *ld;		/* NULL: not connected */
	bool busy;
};

enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE };

struct job {
	struct job *next;
	uint64_t id;
	enum job_state state;
	bool cancelled;
	ldapdir_cb cb;
	void *arg;
	struct ldapdir_result res;
};

struct ldapdir {
	struct ldapdir_config cfg;	/* strings point into owned copies */
	char *owned[8 + LDAPDIR_MAX_CRL_DNS];
	size_t nowned;
	struct ldapcache *cache;

	pthread_mutex_t mu;
	pthread_cond_t job_cv;		/* queue not empty, or stop */
	pthread_cond_t slot_cv;		/* a slot became free */
	struct job *q_head, *q_tail;	/* queued */
	size_t q_len;
	struct job *d_head, *d_tail;	/* done, not yet delivered */
	struct job *running[LDAPDIR_MAX_WORKERS];
	struct slot slots[LDAPDIR_MAX_WORKERS];
	unsigned nslots;
	pthread_t threads[LDAPDIR_MAX_WORKERS];
	struct worker_arg {
		struct ldapdir *d;
		unsigned idx;		/* its running[] slot */
	} wargs[LDAPDIR_MAX_WORKERS];
	unsigned nthreads;
	bool stop;
	uint64_t next_id;
	unsigned fails;			/* consecutive connect failures */
	int64_t retry_at_ms;		/* backoff: no connect before this */
	struct ldapdir_stats st;

	int pipe_r, pipe_w;
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void detail(struct ldapdir_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Append one clause to r->detail ("; " separated; cut when full). */
static void
detail(struct ldapdir_result *r, const char *fmt, ...)
{
	size_t used = strlen(r->detail);
	va_list ap;
	int n;

	if (used > 0 && used + 2 < sizeof(r->detail)) {
		memcpy(r->detail + used, "; ", 3);
		used += 2;
	}
	if (used + 1 >= sizeof(r->detail))
		return;
	va_start(ap, fmt);
	n = vsnprintf(r->detail + used, sizeof(r->detail) - used, fmt, ap);
	va_end(ap);
	if (n < 0)
		r->detail[used] = '\0';
}

void
ldapdir_config_defaults(struct ldapdir_config *c)
{
	memset(c, 0, sizeof(*c));
	c->timeout_ms = 5000;
	c->cache_ttl_ms = 300000;
	c->negative_ttl_ms = 30000;
	c->crl_ttl_ms = 300000;
	c->cache_max = 10000;
	c->backoff_min_ms = 250;
	c->backoff_max_ms = 30000;
	c->workers = 2;
	c->queue_max = 1000;
}

void
ldapdir_result_clear(struct ldapdir_result *r)
{
	if (r == NULL)
		return;
	ldapcache_values_free(&r->certs);
	ldapcache_values_free(&r->crls);
	memset(r, 0, sizeof(*r));
	r->status = STK_E_STATE;
}

/* ---- filters (RFC 4515) ---------------------------------------------- */

bool
ldapdir_filter_escape(struct stk_buf *b, const uint8_t *v, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	struct stk_cur c;
	uint8_t ch;

	stk_cur_init(&c, v, n);
	while (stk_cur_u8(&c, &ch)) {
		if (ch == '*' || ch == '(' || ch == ')' || ch == '\\' ||
		    ch < 0x20 || ch >= 0x7f) {
			stk_buf_add_u8(b, '\\');
			stk_buf_add_u8(b, (uint8_t)hex[ch >> 4]);
			stk_buf_add_u8(b, (uint8_t)hex[ch & 0x0f]);
		} else {
			stk_buf_add_u8(b, ch);
		}
	}
	return stk_buf_ok(b);
}

static void
add_str(struct stk_buf *b, const char *s)
{
	stk_buf_add_bytes(b, s, strlen(s));
}

int
ldapdir_filter(const struct ldapdir_config *cfg, const char *uid,
    const char *msisdn, struct stk_buf *b)
{
	bool has_uid = uid != NULL && uid[0] != '\0';
	bool has_msisdn = msisdn != NULL && msisdn[0] != '\0';

	if (!has_uid && !has_msisdn)
		return STK_E_ARG;
	add_str(b, "(&(objectClass=");
	add_str(b, cfg->user_class != NULL ? cfg->user_class : "inetOrgPerson");
	add_str(b, ")");
	if (has_uid) {
		add_str(b, "(");
		add_str(b, cfg->uid_attr != NULL ? cfg->uid_attr : "uid");
		add_str(b, "=");
		ldapdir_filter_escape(b, (const uint8_t *)uid, strlen(uid));
		add_str(b, ")");
	}
	if (has_msisdn) {
		add_str(b, "(");
		add_str(b, cfg->msisdn_attr != NULL ? cfg->msisdn_attr :
		    "mobile");
		add_str(b, "=");
		ldapdir_filter_escape(b, (const uint8_t *)msisdn,
		    strlen(msisdn));
		add_str(b, ")");
	}
	add_str(b, ")");
	stk_buf_add_u8(b, 0);
	return stk_buf_ok(b) ? STK_OK : STK_E_NOSPACE;
}

/* ---- configuration ---------------------------------------------------- */

/* An attribute type or object class name (RFC 4512 §1.4 descr / OID). */
static bool
descr_valid(const char *s)
{
	size_t i;
	bool oid = s[0] >= '0' && s[0] <= '9';

	if (s[0] == '\0' || strlen(s) > 64)
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		if (oid ? !((s[i] >= '0' && s[i] <= '9') || s[i] == '.') :
		    !((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (i > 0 && ((s[i] >= '0' && s[i] <= '9') || s[i] == '-'))))
			return false;
	}
	return true;
}

static bool
dn_valid(const char *s)
{
	LDAPDN dn = NULL;
	bool ok;

	if (s == NULL || s[0] == '\0' || strlen(s) > 400)
		return false;
	ok = ldap_str2dn(s, &dn, LDAP_DN_FORMAT_LDAPV3) == LDAP_SUCCESS;
	ldap_dnfree(dn);
	return ok;
}

static bool
uri_valid(const char *uri, bool starttls)
{
	LDAPURLDesc *lud = NULL;
	char *copy, *tok, *save = NULL;
	bool ok = true;

	if (uri == NULL || uri[0] == '\0' || (copy = strdup(uri)) == NULL)
		return false;
	for (tok = strtok_r(copy, " ", &save); tok != NULL && ok;
	    tok = strtok_r(NULL, " ", &save)) {
		if (ldap_url_parse(tok, &lud) != LDAP_URL_SUCCESS)
			ok = false;
		else if (strcasecmp(lud->lud_scheme, "ldap") != 0 &&
		    strcasecmp(lud->lud_scheme, "ldaps") != 0)
			ok = false;
		else if (starttls && strcasecmp(lud->lud_scheme, "ldaps") == 0)
			ok = false;	/* TLS already; StartTLS is refused */
		ldap_free_urldesc(lud);
		lud = NULL;
	}
	free(copy);
	return ok;
}

static int
own(struct ldapdir *d, const char **field)
{
	char *copy;

	if (*field == NULL)
		return STK_OK;
	if (d->nowned >= sizeof(d->owned) / sizeof(d->owned[0]) ||
	    (copy = strdup(*field)) == NULL)
		return STK_E_NOMEM;
	d->owned[d->nowned++] = copy;
	*field = copy;
	return STK_OK;
}

static int
config_check(const struct ldapdir_config *c, char *err, size_t errsz)
{
	const char *bad = NULL;
	size_t i;

	if (!uri_valid(c->uri, c->starttls))
		bad = c->starttls ? "uri (ldap:// URLs; StartTLS is not for "
		    "ldaps://)" : "uri (ldap:// or ldaps:// URLs)";
	else if (!dn_valid(c->base_dn))
		bad = "base_dn";
	else if (c->bind_dn != NULL && c->bind_dn[0] != '\0' &&
	    (!dn_valid(c->bind_dn) || c->bind_password == NULL))
		bad = "bind_dn / bind_password";
	else if (c->user_class != NULL && !descr_valid(c->user_class))
		bad = "user_class";
	else if (c->uid_attr != NULL && !descr_valid(c->uid_attr))
		bad = "uid_attr";
	else if (c->msisdn_attr != NULL && !descr_valid(c->msisdn_attr))
		bad = "msisdn_attr";
	else if (c->timeout_ms < 10 || c->timeout_ms > 600000)
		bad = "timeout_ms (10..600000)";
	else if (c->cache_max < 1 || c->cache_max > 1000000)
		bad = "cache_max (1..1000000)";
	else if (c->backoff_min_ms < 1 || c->backoff_max_ms <
	    c->backoff_min_ms || c->backoff_max_ms > 3600000)
		bad = "backoff_min_ms / backoff_max_ms";
	else if (c->workers < 1 || c->workers > LDAPDIR_MAX_WORKERS)
		bad = "workers (1..16)";
	else if (c->queue_max < 1 || c->queue_max > 100000)
		bad = "queue_max (1..100000)";
	for (i = 0; bad == NULL && i < LDAPDIR_MAX_CRL_DNS; i++)
		if (c->crl_dns[i] != NULL && !dn_valid(c->crl_dns[i]))
			bad = "crl_dns";
	if (bad == NULL)
		return STK_OK;
	if (err != NULL && errsz > 0)
		snprintf(err, errsz, "ldap: invalid %s", bad);
	return STK_E_ARG;
}

/* ---- connections ------------------------------------------------------ */

static bool
conn_error(int rc)
{
	return rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR ||
	    rc == LDAP_TIMEOUT || rc == LDAP_UNAVAILABLE ||
	    rc == LDAP_LOCAL_ERROR || rc == LDAP_BUSY;
}

/*
 * Open, secure and bind one connection (RFC 4513 §3 StartTLS, §5.1
 * simple bind; an anonymous simple bind when no bind DN is configured, so
 * the connection is made and checked here).  LDAP_SUCCESS with *out, or
 * the libldap code with the detail in res.
 */
static int
conn_open(struct ldapdir *d, LDAP **out, struct ldapdir_result *res)
{
	const struct ldapdir_config *c = &d->cfg;
	LDAP *ld = NULL;
	struct timeval tv;
	struct berval cred = { 0, NULL };
	int v3 = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, zero = 0;
	int tlsmin = LDAP_OPT_X_TLS_PROTOCOL_TLS1_2, rc;
	char *diag = NULL;
	const char *what = "initialize";

	*out = NULL;
	tv.tv_sec = c->timeout_ms / 1000;
	tv.tv_usec = (c->timeout_ms % 1000) * 1000;
	if ((rc = ldap_initialize(&ld, c->uri)) != LDAP_SUCCESS)
		goto out;
	what = "options";
	if ((rc = ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3)) != 0 ||
	    (rc = ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF)) != 0 ||
	    (rc = ldap_set_option(ld, LDAP_OPT_RESTART, LDAP_OPT_ON)) != 0 ||
	    (rc = ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv)) != 0 ||
	    (rc = ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv)) != 0 ||
	    (rc = ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand))
	    != 0 ||
	    (rc = ldap_set_option(ld, LDAP_OPT_X_TLS_PROTOCOL_MIN, &tlsmin))
	    != 0 ||
	    (c->tls_ca_file != NULL && (rc = ldap_set_option(ld,
	    LDAP_OPT_X_TLS_CACERTFILE, c->tls_ca_file)) != 0) ||
	    (rc = ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero)) != 0)
		goto out;
	if (c->starttls) {
		what = "StartTLS";
		if ((rc = ldap_start_tls_s(ld, NULL, NULL)) != LDAP_SUCCESS)
			goto out;
	}
	what = "bind";
	if (c->bind_dn != NULL && c->bind_dn[0] != '\0') {
		cred.bv_val = (char *)c->bind_password;
		cred.bv_len = strlen(c->bind_password);
	}
	rc = ldap_sasl_bind_s(ld, c->bind_dn != NULL ? c->bind_dn : "",
	    LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
	if (rc != LDAP_SUCCESS)
		goto out;
	*out = ld;
	ld = NULL;
out:
	if (rc != LDAP_SUCCESS) {
		if (ld != NULL)
			ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
		detail(res, "%s to %s failed: %s%s%s", what, c->uri,
		    ldap_err2string(rc), diag != NULL && diag[0] != '\0' ?
		    ": " : "", diag != NULL ? diag : "");
		ldap_memfree(diag);
	}
	if (ld != NULL)
		ldap_unbind_ext_s(ld, NULL, NULL);
	return rc;
}

static struct slot *
slot_acquire(struct ldapdir *d)
{
	struct slot *s = NULL;
	unsigned i;

	pthread_mutex_lock(&d->mu);
	for (;;) {
		for (i = 0; i < d->nslots; i++)
			if (!d->slots[i].busy) {
				s = &d->slots[i];
				s->busy = true;
				goto out;
			}
		pthread_cond_wait(&d->slot_cv, &d->mu);
	}
out:
	pthread_mutex_unlock(&d->mu);
	return s;
}

static void
slot_release(struct ldapdir *d, struct slot *s)
{
	pthread_mutex_lock(&d->mu);
	s->busy = false;
	pthread_cond_signal(&d->slot_cv);
	pthread_mutex_unlock(&d->mu);
}

static void
slot_close(struct slot *s)
{
	if (s->ld != NULL)
		ldap_unbind_ext_s(s->ld, NULL, NULL);
	s->ld = NULL;
}

/* Whether a new connection may be tried now; counts a refusal if not. */
static bool
backoff_allows(struct ldapdir *d, int64_t *wait_ms)
{
	int64_t now = now_ms();
	bool ok;

	pthread_mutex_lock(&d->mu);
	ok = now >= d->retry_at_ms;
	*wait_ms = ok ? 0 : d->retry_at_ms - now;
	if (!ok)
		d->st.backoff_refusals++;
	pthread_mutex_unlock(&d->mu);
	return ok;
}

static void
backoff_result(struct ldapdir *d, bool connected)
{
	uint64_t delay;
	unsigned shift;

	pthread_mutex_lock(&d->mu);
	if (connected) {
		d->st.connects++;
		d->fails = 0;
		d->retry_at_ms = 0;
	} else {
		d->st.connect_failures++;
		shift = d->fails < 20 ? d->fails : 20;
		delay = (uint64_t)d->cfg.backoff_min_ms << shift;
		if (delay > d->cfg.backoff_max_ms)
			delay = d->cfg.backoff_max_ms;
		d->fails++;
		d->retry_at_ms = now_ms() + (int64_t)delay;
	}
	pthread_mutex_unlock(&d->mu);
}

typedef int (*op_fn)(struct ldapdir *d, LDAP *ld, const void *ctx,
    struct ldapdir_result *res);

/*
 * Run op on a connection: reuse the slot's, or open one (unless in
 * backoff).  A connection-level failure on a reused connection is retried
 * once on a fresh one.  Returns the op's libldap code, or -1 with
 * res->status STK_E_IO when no connection could be had.
 */
static int
with_connection(struct ldapdir *d, op_fn op, const void *ctx,
    struct ldapdir_result *res)
{
	struct slot *s = slot_acquire(d);
	int64_t wait;
	int attempt, rc = -1;
	bool fresh;

	for (attempt = 0; attempt < 2; attempt++) {
		fresh = s->ld == NULL;
		if (fresh) {
			if (!backoff_allows(d, &wait)) {
				detail(res, "directory unavailable, next "
				    "connection attempt in %lld ms",
				    (long long)wait);
				rc = -1;
				break;
			}
			rc = conn_open(d, &s->ld, res);
			backoff_result(d, rc == LDAP_SUCCESS);
			if (rc != LDAP_SUCCESS) {
				rc = -1;
				break;
			}
		}
		pthread_mutex_lock(&d->mu);
		d->st.searches++;
		pthread_mutex_unlock(&d->mu);
		rc = op(d, s->ld, ctx, res);
		if (!conn_error(rc))
			break;
		slot_close(s);
		if (fresh)
			break;
		log_info("ldap: connection lost (%s), reconnecting",
		    ldap_err2string(rc));
	}
	slot_release(d, s);
	if (rc == -1 || conn_error(rc)) {
		res->status = STK_E_IO;
		pthread_mutex_lock(&d->mu);
		d->st.errors++;
		pthread_mutex_unlock(&d->mu);
	}
	return rc;
}

/* ---- searches ------------------------------------------------------------ */

/* Whether attribute description desc is of type t (options ignored). */
static bool
attr_is(const char *desc, const char *name, const char *oid)
{
	size_t n = strcspn(desc, ";");

	return (strlen(name) == n && strncasecmp(desc, name, n) == 0) ||
	    (strlen(oid) == n && strncmp(desc, oid, n) == 0);
}

/* Copy the values of type name/oid of entry e into v, within max each. */
static int
collect(LDAP *ld, LDAPMessage *e, const char *name, const char *oid,
    size_t max, const char *what, struct ldapcache_values *v,
    struct ldapdir_result *res)
{
	BerElement *ber = NULL;
	struct berval **vals;
	char *a;
	size_t i, skipped = 0, dropped = 0;
	int rv = STK_OK;

	for (a = ldap_first_attribute(ld, e, &ber); a != NULL && rv == STK_OK;
	    a = ldap_next_attribute(ld, e, ber)) {
		if (attr_is(a, name, oid) &&
		    (vals = ldap_get_values_len(ld, e, a)) != NULL) {
			for (i = 0; vals[i] != NULL && rv == STK_OK; i++) {
				if (vals[i]->bv_len == 0 ||
				    vals[i]->bv_len > max)
					skipped++;
				else if (v->n >= LDAPCACHE_MAX_VALUES)
					dropped++;
				else
					rv = ldapcache_values_add(v,
					    (const uint8_t *)vals[i]->bv_val,
					    vals[i]->bv_len);
			}
			ldap_value_free_len(vals);
		}
		ldap_memfree(a);
	}
	ber_free(ber, 0);
	if (skipped > 0)
		detail(res, "%zu empty or oversized %s value%s skipped",
		    skipped, what, skipped == 1 ? "" : "s");
	if (dropped > 0)
		detail(res, "%zu %s value%s beyond %d ignored", dropped, what,
		    dropped == 1 ? "" : "s", LDAPCACHE_MAX_VALUES);
	return rv;
}

static int
op_user(struct ldapdir *d, LDAP *ld, const void *ctx,
    struct ldapdir_result *res)
{
	const char *filter = ctx;
	char *attrs[] = { (char *)attr_cert.request, NULL };
	LDAPMessage *msg = NULL, *e;
	struct timeval tv;
	char *dn = NULL;
	int rc, n;

	tv.tv_sec = d->cfg.timeout_ms / 1000;
	tv.tv_usec = (d->cfg.timeout_ms % 1000) * 1000;
	ldapcache_values_free(&res->certs);
	rc = ldap_search_ext_s(ld, d->cfg.base_dn, LDAP_SCOPE_SUBTREE, filter,
	    attrs, 0, NULL, NULL, &tv, 2, &msg);
	if (rc == LDAP_SIZELIMIT_EXCEEDED ||
	    (rc == LDAP_SUCCESS && ldap_count_entries(ld, msg) > 1)) {
		res->status = STK_E_DUPLICATE;
		detail(res, "more than one entry matches");
		rc = LDAP_SUCCESS;
		goto out;
	}
	if (rc != LDAP_SUCCESS) {
		res->status = STK_E_IO;
		detail(res, "search under %s: %s", d->cfg.base_dn,
		    ldap_err2string(rc));
		goto out;
	}
	n = ldap_count_entries(ld, msg);
	if (n <= 0 || (e = ldap_first_entry(ld, msg)) == NULL) {
		res->status = STK_E_NOT_FOUND;
		detail(res, "no entry matches");
		goto out;
	}
	dn = ldap_get_dn(ld, e);
	res->status = collect(ld, e, attr_cert.name, attr_cert.oid,
	    LDAPDIR_CERT_MAX, "certificate", &res->certs, res);
	detail(res, "entry %s: %zu certificate%s", dn != NULL ? dn : "?",
	    res->certs.n, res->certs.n == 1 ? "" : "s");
out:
	ldap_memfree(dn);
	ldap_msgfree(msg);
	return rc;
}

/* What op_crl reads: the CA entry's DN and where its CRLs go. */
struct crl_ctx {
	const char *dn;
	struct ldapcache_values *out;
	bool read;		/* the entry was read (even without a CRL) */
};

static int
op_crl(struct ldapdir *d, LDAP *ld, const void *ctx,
    struct ldapdir_result *res)
{
	struct crl_ctx *cx = (struct crl_ctx *)ctx;
	char *attrs[] = { (char *)attr_crl.request, NULL };
	LDAPMessage *msg = NULL, *e;
	struct timeval tv;
	int rc;

	ldapcache_values_free(cx->out);
	tv.tv_sec = d->cfg.timeout_ms / 1000;
	tv.tv_usec = (d->cfg.timeout_ms % 1000) * 1000;
	rc = ldap_search_ext_s(ld, cx->dn, LDAP_SCOPE_BASE, "(objectClass=*)",
	    attrs, 0, NULL, NULL, &tv, 1, &msg);
	if (rc != LDAP_SUCCESS) {
		detail(res, "CRL of %s not read: %s", cx->dn,
		    ldap_err2string(rc));
		goto out;
	}
	if ((e = ldap_first_entry(ld, msg)) == NULL) {
		detail(res, "CRL of %s not read: no entry", cx->dn);
		goto out;
	}
	if (collect(ld, e, attr_crl.name, attr_crl.oid, LDAPDIR_CRL_MAX,
	    "CRL", cx->out, res) != STK_OK) {
		ldapcache_values_free(cx->out);
		detail(res, "CRL of %s: out of memory", cx->dn);
		goto out;
	}
	cx->read = true;
	if (cx->out->n == 0)
		detail(res, "%s has no CRL", cx->dn);
out:
	ldap_msgfree(msg);
	return rc;
}

/* ---- lookups ------------------------------------------------------------ */

/*
 * Check and normalise the arguments into res->uid / res->msisdn.  The uid
 * must be printable (no control characters: it is also part of the cache
 * key, "\n"-separated from the MSISDN).
 */
static int
prepare(const char *uid, const char *msisdn, struct ldapdir_result *res)
{
	size_t i, n = uid != NULL ? strlen(uid) : 0;

	if (n > LDAPDIR_UID_MAX) {
		detail(res, "uid longer than %d octets", LDAPDIR_UID_MAX);
		return STK_E_ARG;
	}
	for (i = 0; i < n; i++)
		if ((uint8_t)uid[i] < 0x20 || (uint8_t)uid[i] == 0x7f) {
			detail(res, "control character in uid");
			return STK_E_ARG;
		}
	if (n > 0)
		memcpy(res->uid, uid, n + 1);
	if (msisdn != NULL && msisdn[0] != '\0' &&
	    certcheck_msisdn_normalize(msisdn, res->msisdn) != STK_OK) {
		detail(res, "MSISDN is not E.164 digits");
		return STK_E_ARG;
	}
	if (res->uid[0] == '\0' && res->msisdn[0] == '\0') {
		detail(res, "neither uid nor MSISDN given");
		return STK_E_ARG;
	}
	return STK_OK;
}

static void
user_key(const struct ldapdir_result *res, char *key, size_t keysz)
{
	snprintf(key, keysz, "%s%s\n%s", USER_KEY_PREFIX, res->uid,
	    res->msisdn);
}

static void
count_hit(struct ldapdir *d)
{
	pthread_mutex_lock(&d->mu);
	d->st.cache_hits++;
	pthread_mutex_unlock(&d->mu);
}

/*
 * The CRLs of the configured CA entries into res->crls, from the cache or
 * (when allowed to block) from the directory.  Returns false when a CRL
 * is not cached and may_block is false.
 */
static bool
crls_get(struct ldapdir *d, struct ldapdir_result *res, bool may_block)
{
	struct ldapcache_values got;
	struct crl_ctx cx;
	char key[LDAPCACHE_KEY_MAX + 1];
	size_t i, k;
	int st, rc;

	for (i = 0; i < LDAPDIR_MAX_CRL_DNS; i++) {
		if (d->cfg.crl_dns[i] == NULL)
			continue;
		snprintf(key, sizeof(key), "%s%s", CRL_KEY_PREFIX,
		    d->cfg.crl_dns[i]);
		if (ldapcache_get(d->cache, key, now_ms(), &st, &got) ==
		    STK_OK) {
			count_hit(d);
		} else if (!may_block) {
			return false;
		} else {
			memset(&cx, 0, sizeof(cx));
			memset(&got, 0, sizeof(got));
			cx.dn = d->cfg.crl_dns[i];
			cx.out = &got;
			rc = with_connection(d, op_crl, &cx, res);
			/* A user found is still found without the CRL. */
			if (res->status == STK_E_IO)
				res->status = STK_OK;
			if (rc == LDAP_SUCCESS && cx.read)
				ldapcache_put(d->cache, key, STK_OK, &got,
				    now_ms(), d->cfg.crl_ttl_ms);
		}
		for (k = 0; k < got.n; k++)
			if (ldapcache_values_add(&res->crls, got.der[k],
			    got.len[k]) != STK_OK) {
				detail(res, "more than %d CRLs in all",
				    LDAPCACHE_MAX_VALUES);
				break;
			}
		ldapcache_values_free(&got);
	}
	return true;
}

/* The answer from the cache alone; false on a miss. */
static bool
lookup_cached(struct ldapdir *d, struct ldapdir_result *res)
{
	char key[LDAPCACHE_KEY_MAX + 1];
	int st;

	user_key(res, key, sizeof(key));
	if (ldapcache_get(d->cache, key, now_ms(), &st, &res->certs) != STK_OK)
		return false;
	if (st == STK_OK && !crls_get(d, res, false)) {
		ldapcache_values_free(&res->certs);
		ldapcache_values_free(&res->crls);
		return false;
	}
	count_hit(d);
	res->status = st;
	res->from_cache = true;
	if (st == STK_OK)
		detail(res, "cached: %zu certificate%s", res->certs.n,
		    res->certs.n == 1 ? "" : "s");
	else
		detail(res, "cached: no entry matches");
	return true;
}

/* The whole lookup, blocking; res prepared. */
static void
lookup_run(struct ldapdir *d, struct ldapdir_result *res)
{
	struct stk_buf b;
	uint8_t mem[FILTER_MAX];
	char key[LDAPCACHE_KEY_MAX + 1];
	int st;

	user_key(res, key, sizeof(key));
	if (ldapcache_get(d->cache, key, now_ms(), &st, &res->certs) ==
	    STK_OK) {
		count_hit(d);
		res->status = st;
		res->from_cache = true;
		if (st == STK_OK)
			detail(res, "cached: %zu certificate%s", res->certs.n,
			    res->certs.n == 1 ? "" : "s");
		else
			detail(res, "cached: no entry matches");
	} else {
		stk_buf_init_fixed(&b, mem, sizeof(mem));
		if (ldapdir_filter(&d->cfg, res->uid, res->msisdn, &b) !=
		    STK_OK) {
			res->status = STK_E_ARG;
			detail(res, "search filter too long");
			return;
		}
		res->status = STK_E_IO;
		with_connection(d, op_user, mem, res);
		if (res->status == STK_OK)
			ldapcache_put(d->cache, key, STK_OK, &res->certs,
			    now_ms(), d->cfg.cache_ttl_ms);
		else if (res->status == STK_E_NOT_FOUND)
			ldapcache_put(d->cache, key, STK_E_NOT_FOUND, NULL,
			    now_ms(), d->cfg.negative_ttl_ms);
	}
	if (res->status == STK_OK)
		crls_get(d, res, true);
}

int
ldapdir_lookup_sync(struct ldapdir *d, const char *uid, const char *msisdn,
    struct ldapdir_result *res)
{
	if (res == NULL)
		return STK_E_ARG;
	memset(res, 0, sizeof(*res));
	if (d == NULL) {
		res->status = STK_E_ARG;
		return res->status;
	}
	if ((res->status = prepare(uid, msisdn, res)) == STK_OK)
		lookup_run(d, res);
	return res->status;
}

/* ---- the asynchronous interface --------------------------------------- */

static void
wake_loop(struct ldapdir *d)
{
	uint8_t one = 1;
	ssize_t n;

	/* A full pipe already wakes the loop: EAGAIN is fine. */
	do
		n = write(d->pipe_w, &one, 1);
	while (n < 0 && errno == EINTR);
}

/* Append j to the done list (mu held). */
static void
push_done(struct ldapdir *d, struct job *j)
{
	j->state = JOB_DONE;
	j->next = NULL;
	if (d->d_tail != NULL)
		d->d_tail->next = j;
	else
		d->d_head = j;
	d->d_tail = j;
}

static void *
worker_main(void *arg)
{
	struct worker_arg *wa = arg;
	struct ldapdir *d = wa->d;
	unsigned me = wa->idx;
	struct job *j;

	pthread_mutex_lock(&d->mu);
	for (;;) {
		while (!d->stop && d->q_head == NULL)
			pthread_cond_wait(&d->job_cv, &d->mu);
		if (d->stop)
			break;
		j = d->q_head;
		d->q_head = j->next;
		if (d->q_head == NULL)
			d->q_tail = NULL;
		d->q_len--;
		j->state = JOB_RUNNING;
		d->running[me] = j;
		pthread_mutex_unlock(&d->mu);

		if (!j->cancelled)
			lookup_run(d, &j->res);

		pthread_mutex_lock(&d->mu);
		d->running[me] = NULL;
		push_done(d, j);
		pthread_mutex_unlock(&d->mu);
		wake_loop(d);
		pthread_mutex_lock(&d->mu);
	}
	pthread_mutex_unlock(&d->mu);
	return NULL;
}

static void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	ldapdir_result_clear(&j->res);
	free(j);
}

int
ldapdir_lookup(struct ldapdir *d, const char *uid, const char *msisdn,
    ldapdir_cb cb, void *arg, uint64_t *id)
{
	struct job *j;
	int rv;

	if (id != NULL)
		*id = 0;
	if (d == NULL || cb == NULL)
		return STK_E_ARG;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return STK_E_NOMEM;
	j->cb = cb;
	j->arg = arg;
	if ((rv = prepare(uid, msisdn, &j->res)) != STK_OK) {
		job_free(j);
		return rv;
	}
	/* A cached answer never waits behind a slow search. */
	if (lookup_cached(d, &j->res)) {
		pthread_mutex_lock(&d->mu);
		j->id = ++d->next_id;
		push_done(d, j);
		pthread_mutex_unlock(&d->mu);
		wake_loop(d);
		goto out;
	}
	pthread_mutex_lock(&d->mu);
	if (d->q_len >= d->cfg.queue_max) {
		pthread_mutex_unlock(&d->mu);
		job_free(j);
		return STK_E_NOSPACE;
	}
	j->id = ++d->next_id;
	j->state = JOB_QUEUED;
	if (d->q_tail != NULL)
		d->q_tail->next = j;
	else
		d->q_head = j;
	d->q_tail = j;
	d->q_len++;
	pthread_cond_signal(&d->job_cv);
	pthread_mutex_unlock(&d->mu);
out:
	if (id != NULL)
		*id = j->id;
	return STK_OK;
}

void
ldapdir_cancel(struct ldapdir *d, uint64_t id)
{
	struct job *j;
	unsigned i;

	if (d == NULL || id == 0)
		return;
	pthread_mutex_lock(&d->mu);
	for (j = d->q_head; j != NULL; j = j->next)
		if (j->id == id)
			j->cancelled = true;
	for (j = d->d_head; j != NULL; j = j->next)
		if (j->id == id)
			j->cancelled = true;
	for (i = 0; i < d->nthreads; i++)
		if (d->running[i] != NULL && d->running[i]->id == id)
			d->running[i]->cancelled = true;
	pthread_mutex_unlock(&d->mu);
}

int
ldapdir_fd(const struct ldapdir *d)
{
	return d != NULL ? d->pipe_r : -1;
}

int
ldapdir_process(struct ldapdir *d)
{
	struct job *list, *j;
	uint8_t drain[64];
	ssize_t n;
	int count = 0;

	if (d == NULL)
		return 0;
	do
		n = read(d->pipe_r, drain, sizeof(drain));
	while (n > 0 || (n < 0 && errno == EINTR));
	pthread_mutex_lock(&d->mu);
	list = d->d_head;
	d->d_head = d->d_tail = NULL;
	pthread_mutex_unlock(&d->mu);
	while ((j = list) != NULL) {
		list = j->next;
		if (!j->cancelled) {
			j->cb(&j->res, j->arg);
			count++;
		}
		job_free(j);
	}
	return count;
}

void
ldapdir_flush(struct ldapdir *d)
{
	if (d != NULL)
		ldapcache_clear(d->cache);
}

void
ldapdir_stats(struct ldapdir *d, struct ldapdir_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (d == NULL)
		return;
	pthread_mutex_lock(&d->mu);
	*st = d->st;
	pthread_mutex_unlock(&d->mu);
}

/* ---- life cycle ----------------------------------------------------------- */

static int
pipe_nonblock(int fds[2])
{
	int i, fl;

	if (pipe(fds) != 0)
		return -1;
	for (i = 0; i < 2; i++) {
		if ((fl = fcntl(fds[i], F_GETFL)) < 0 ||
		    fcntl(fds[i], F_SETFL, fl | O_NONBLOCK) < 0 ||
		    fcntl(fds[i], F_SETFD, FD_CLOEXEC) < 0) {
			close(fds[0]);
			close(fds[1]);
			return -1;
		}
	}
	return 0;
}

int
ldapdir_new(const struct ldapdir_config *cfg, struct ldapdir **out,
    char *err, size_t errsz)
{
	struct ldapdir *d = NULL;
	int fds[2], rv;
	size_t i;
	unsigned t;

	if (out != NULL)
		*out = NULL;
	if (cfg == NULL || out == NULL)
		return STK_E_ARG;
	if ((rv = config_check(cfg, err, errsz)) != STK_OK)
		return rv;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return STK_E_NOMEM;
	d->pipe_r = d->pipe_w = -1;
	d->cfg = *cfg;
	rv = STK_E_NOMEM;
	if (own(d, &d->cfg.uri) != STK_OK ||
	    own(d, &d->cfg.tls_ca_file) != STK_OK ||
	    own(d, &d->cfg.bind_dn) != STK_OK ||
	    own(d, &d->cfg.bind_password) != STK_OK ||
	    own(d, &d->cfg.base_dn) != STK_OK ||
	    own(d, &d->cfg.user_class) != STK_OK ||
	    own(d, &d->cfg.uid_attr) != STK_OK ||
	    own(d, &d->cfg.msisdn_attr) != STK_OK)
		goto fail;
	for (i = 0; i < LDAPDIR_MAX_CRL_DNS; i++)
		if (own(d, &d->cfg.crl_dns[i]) != STK_OK)
			goto fail;
	if ((rv = ldapcache_new(cfg->cache_max, &d->cache)) != STK_OK)
		goto fail;
	rv = STK_E_IO;
	if (pipe_nonblock(fds) != 0) {
		if (err != NULL && errsz > 0)
			snprintf(err, errsz, "ldap: pipe: %s", strerror(errno));
		goto fail;
	}
	d->pipe_r = fds[0];
	d->pipe_w = fds[1];
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->job_cv, NULL);
	pthread_cond_init(&d->slot_cv, NULL);
	d->nslots = cfg->workers;
	for (t = 0; t < cfg->workers; t++) {
		d->wargs[t].d = d;
		d->wargs[t].idx = t;
		if (pthread_create(&d->threads[t], NULL, worker_main,
		    &d->wargs[t]) != 0) {
			if (err != NULL && errsz > 0)
				snprintf(err, errsz, "ldap: cannot start a "
				    "worker thread");
			ldapdir_free(d);
			return STK_E_IO;
		}
		d->nthreads++;
	}
	*out = d;
	return STK_OK;
fail:
	for (i = 0; i < d->nowned; i++)
		free(d->owned[i]);
	ldapcache_free(d->cache);
	free(d);
	return rv;
}

void
ldapdir_free(struct ldapdir *d)
{
	struct job *j;
	size_t i;
	unsigned t;

	if (d == NULL)
		return;
	pthread_mutex_lock(&d->mu);
	d->stop = true;
	pthread_cond_broadcast(&d->job_cv);
	pthread_mutex_unlock(&d->mu);
	for (t = 0; t < d->nthreads; t++)
		pthread_join(d->threads[t], NULL);
	while ((j = d->q_head) != NULL) {
		d->q_head = j->next;
		job_free(j);
	}
	while ((j = d->d_head) != NULL) {
		d->d_head = j->next;
		job_free(j);
	}
	for (t = 0; t < d->nslots; t++)
		slot_close(&d->slots[t]);
	pthread_cond_destroy(&d->slot_cv);
	pthread_cond_destroy(&d->job_cv);
	pthread_mutex_destroy(&d->mu);
	close(d->pipe_r);
	close(d->pipe_w);
	ldapcache_free(d->cache);
	for (i = 0; i < d->nowned; i++)
		free(d->owned[i]);
	free(d);
}
