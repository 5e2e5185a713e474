/*
 * certsrc.c - where the user's certificate comes from.
 *
 * The "file" source reads DIR/ACCOUNT.pem (one or more PEM certificates,
 * as an LDAP entry's userCertificate;binary values would be) and validates
 * them with certcheck.h (RFC 5280 path validation, CRLs, key usage, the
 * account and MSISDN identity).  It serves tests and small installations.
 * The "ldap" source finds the entry by uid and MSISDN with ldapdir.h
 * (userCertificate;binary, and the CA entry's certificateRevocationList;
 * binary) and validates the same way.  Both run on verify.c's workers,
 * so the blocking ldapdir_lookup_sync is the right call.
 *
 * Both keep certcheck.h's certificate cache (CERTSRC_CACHE_MAX entries):
 * the file source reads the PEM's DER without parsing it, so a known
 * certificate costs a file read, a SHA-256 and a cache lookup.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "certcheck.h"
#include "ldapdir.h"
#include "err.h"
#include "log.h"
#include "server.h"

/* Validated certificates kept (a parsed RSA-2048 certificate is about
 * 4 KB) and, for the file source, how long a validation is reused at
 * most (its CRL file is read at start; chain expiry caps it anyway). */
#define CERTSRC_CACHE_MAX	1024
#define CERTSRC_FILE_TTL_S	300

struct file_source {
	char dir[256];
	struct certcheck *cc;
};

/*
 * The DER of every CERTIFICATE block of a PEM file, unparsed (certcheck
 * parses, or finds it in its cache).  Other blocks are skipped.
 */
static size_t
pem_ders(FILE *f, uint8_t **bufs, struct certcheck_der *ders)
{
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	long len = 0;
	size_t n = 0;

	while (n < CERTCHECK_MAX_CERTS &&
	    PEM_read(f, &name, &header, &data, &len) == 1) {
		if ((strcmp(name, PEM_STRING_X509) == 0 ||
		    strcmp(name, PEM_STRING_X509_OLD) == 0) && len > 0) {
			bufs[n] = data;
			ders[n].der = data;
			ders[n].len = (size_t)len;
			n++;
			data = NULL;
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(data);
		name = header = NULL;
		data = NULL;
	}
	ERR_clear_error();
	return n;
}

static int
file_fetch(struct cert_source *cs, const char *account, const char *msisdn,
    int64_t at, X509 **cert, char *reason, size_t reasonsz)
{
	struct file_source *fs = cs->priv;
	struct certcheck_der ders[CERTCHECK_MAX_CERTS];
	struct certcheck_result res;
	uint8_t *bufs[CERTCHECK_MAX_CERTS] = { NULL };
	size_t n = 0;
	char path[512];
	FILE *f = NULL;
	int rc;

	memset(&res, 0, sizeof(res));
	*cert = NULL;
	/* account names are [A-Za-z0-9._@-], no leading dot: a file name */
	if (!account_name_valid(account)) {
		snprintf(reason, reasonsz, "no-certificate: invalid account");
		return STK_E_NOT_FOUND;
	}
	snprintf(path, sizeof(path), "%s/%s.pem", fs->dir, account);
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(reason, reasonsz, "no-certificate: %s",
		    certcheck_reason_text(CERTCHECK_NO_CERTIFICATE));
		rc = STK_E_NOT_FOUND;
		goto out;
	}
	n = pem_ders(f, bufs, ders);
	rc = certcheck_verify(fs->cc, ders, n, NULL, 0, account, msisdn, at,
	    &res);
	if (rc == STK_OK) {
		*cert = res.cert;
		res.cert = NULL;
		snprintf(reason, reasonsz, "ok");
	} else if (rc == STK_E_VERIFY) {
		snprintf(reason, reasonsz, "%s: %s",
		    certcheck_reason_name(res.reason), res.detail);
		if (res.reason == CERTCHECK_NO_CERTIFICATE)
			rc = STK_E_NOT_FOUND;
	} else
		snprintf(reason, reasonsz, "certificate check failed: %s",
		    stk_strerror(rc));
 out:
	certcheck_result_clear(&res);
	for (size_t i = 0; i < n; i++)
		OPENSSL_free(bufs[i]);
	if (f)
		fclose(f);
	return rc;
}

static void
file_stats(struct cert_source *cs, struct certsrc_stats *st)
{
	struct file_source *fs = cs->priv;

	certcheck_cache_stats(fs->cc, &st->cert_hits, &st->cert_misses);
}

static void
file_free(struct cert_source *cs)
{
	struct file_source *fs = cs->priv;

	if (fs)
		certcheck_free(fs->cc);
	free(fs);
	free(cs);
}

int
certsrc_file_new(const char *dir, const char *ca, const char *crl,
    bool require_crl, struct cert_source **out, char *err, size_t errsz)
{
	struct certcheck_config cfg = { .ca_file = ca,
	    .crl_file = (crl && crl[0]) ? crl : NULL,
	    .require_crl = require_crl, .cache_max = CERTSRC_CACHE_MAX,
	    .cache_ttl_s = CERTSRC_FILE_TTL_S };
	struct cert_source *cs = NULL;
	struct file_source *fs = NULL;
	int rc;

	if ((cs = calloc(1, sizeof(*cs))) == NULL ||
	    (fs = calloc(1, sizeof(*fs))) == NULL) {
		rc = STK_E_NOMEM;
		goto out;
	}
	if (strlen(dir) >= sizeof(fs->dir)) {
		snprintf(err, errsz, "certs dir too long");
		rc = STK_E_ARG;
		goto out;
	}
	snprintf(fs->dir, sizeof(fs->dir), "%s", dir);
	if ((rc = certcheck_new(&cfg, &fs->cc, err, errsz)) != STK_OK)
		goto out;
	cs->name = "file";
	cs->fetch = file_fetch;
	cs->free = file_free;
	cs->stats = file_stats;
	cs->priv = fs;
	fs = NULL;
	*out = cs;
	cs = NULL;
 out:
	free(fs);
	free(cs);
	return rc;
}

/* ---- LDAP ------------------------------------------------------------ */

struct ldap_source {
	struct ldapdir *dir;
	struct certcheck *cc;
	char password[256];
	/* lookup latency (certsrc_stats), under mu: workers share it */
	pthread_mutex_t mu;
	struct certsrc_stats st;
};

static double
mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One lookup into the figures: a cache answer is counted, one that went
 * to the directory timed. */
static void
ldap_observe(struct ldap_source *ls, bool cached, double secs)
{
	static const double bounds[] = CERTSRC_LATENCY_BOUNDS;

	pthread_mutex_lock(&ls->mu);
	if (cached)
		ls->st.cached++;
	else {
		ls->st.lookups++;
		ls->st.sum_s += secs;
		for (int i = 0; i < CERTSRC_LATENCY_N; i++)
			if (secs <= bounds[i]) {
				ls->st.bucket[i]++;
				break;
			}
	}
	pthread_mutex_unlock(&ls->mu);
}

static int
verify_ders(struct certcheck *cc, const struct ldapcache_values *certs,
    const struct ldapcache_values *crls, const char *account,
    const char *msisdn, int64_t at, X509 **cert, char *reason,
    size_t reasonsz)
{
	struct certcheck_der c[CERTCHECK_MAX_CERTS], r[CERTCHECK_MAX_CRLS];
	struct certcheck_result res;
	size_t nc = 0, nr = 0;
	int rc;

	for (size_t i = 0; i < certs->n && nc < CERTCHECK_MAX_CERTS; i++) {
		c[nc].der = certs->der[i];
		c[nc++].len = certs->len[i];
	}
	for (size_t i = 0; i < crls->n && nr < CERTCHECK_MAX_CRLS; i++) {
		r[nr].der = crls->der[i];
		r[nr++].len = crls->len[i];
	}
	rc = certcheck_verify(cc, c, nc, r, nr, account, msisdn, at, &res);
	if (rc == STK_OK) {
		*cert = res.cert;
		res.cert = NULL;
		snprintf(reason, reasonsz, "ok");
	} else if (rc == STK_E_VERIFY) {
		snprintf(reason, reasonsz, "%s: %s",
		    certcheck_reason_name(res.reason), res.detail);
		if (res.reason == CERTCHECK_NO_CERTIFICATE)
			rc = STK_E_NOT_FOUND;
	} else
		snprintf(reason, reasonsz, "certificate check failed: %s",
		    stk_strerror(rc));
	certcheck_result_clear(&res);
	return rc;
}

static int
ldap_fetch(struct cert_source *cs, const char *account, const char *msisdn,
    int64_t at, X509 **cert, char *reason, size_t reasonsz)
{
	struct ldap_source *ls = cs->priv;
	struct ldapdir_result res;
	double t0 = mono_s();
	int rc;

	*cert = NULL;
	rc = ldapdir_lookup_sync(ls->dir, account, msisdn, &res);
	ldap_observe(ls, res.from_cache, mono_s() - t0);
	if (rc == STK_OK)
		rc = verify_ders(ls->cc, &res.certs, &res.crls, account, msisdn,
		    at, cert, reason, reasonsz);
	else if (rc == STK_E_NOT_FOUND || rc == STK_E_DUPLICATE) {
		snprintf(reason, reasonsz, "no-certificate: %s", res.detail);
		rc = STK_E_NOT_FOUND;
	} else {
		snprintf(reason, reasonsz, "directory: %s", res.detail);
		rc = STK_E_IO;
	}
	ldapdir_result_clear(&res);
	return rc;
}

static void
ldap_stats(struct cert_source *cs, struct certsrc_stats *st)
{
	struct ldap_source *ls = cs->priv;

	pthread_mutex_lock(&ls->mu);
	*st = ls->st;
	pthread_mutex_unlock(&ls->mu);
	st->directory = true;
	certcheck_cache_stats(ls->cc, &st->cert_hits, &st->cert_misses);
}

static void
ldap_free(struct cert_source *cs)
{
	struct ldap_source *ls = cs->priv;

	if (ls) {
		ldapdir_free(ls->dir);
		certcheck_free(ls->cc);
		OPENSSL_cleanse(ls->password, sizeof(ls->password));
		pthread_mutex_destroy(&ls->mu);
	}
	free(ls);
	free(cs);
}

static int
certsrc_ldap_new(const struct srv_config *c, struct cert_source **out,
    char *err, size_t errsz)
{
	/* a validation is reused no longer than the directory's answers */
	struct certcheck_config ccfg = { .ca_file = c->cert_ca,
	    .crl_file = c->cert_crl[0] ? c->cert_crl : NULL,
	    .require_crl = c->cert_require_crl,
	    .cache_max = CERTSRC_CACHE_MAX,
	    .cache_ttl_s = c->ldap_cache_ttl_ms / 1000 };
	struct ldapdir_config lc;
	struct cert_source *cs = NULL;
	struct ldap_source *ls = NULL;
	int rc = STK_E_NOMEM;

	if ((cs = calloc(1, sizeof(*cs))) == NULL ||
	    (ls = calloc(1, sizeof(*ls))) == NULL)
		goto out;
	pthread_mutex_init(&ls->mu, NULL);
	if (c->ldap_bind_password_file[0]) {
		FILE *f = fopen(c->ldap_bind_password_file, "r");

		if (f == NULL || fgets(ls->password, sizeof(ls->password), f) ==
		    NULL) {
			snprintf(err, errsz, "%s: cannot read",
			    c->ldap_bind_password_file);
			if (f)
				fclose(f);
			rc = STK_E_IO;
			goto out;
		}
		fclose(f);
		ls->password[strcspn(ls->password, "\r\n")] = '\0';
	}
	ldapdir_config_defaults(&lc);
	lc.uri = c->ldap_uri;
	lc.starttls = c->ldap_starttls;
	lc.tls_ca_file = c->ldap_tls_ca[0] ? c->ldap_tls_ca : NULL;
	lc.bind_dn = c->ldap_bind_dn[0] ? c->ldap_bind_dn : NULL;
	lc.bind_password = ls->password[0] ? ls->password : NULL;
	lc.base_dn = c->ldap_base_dn;
	if (c->ldap_user_class[0])
		lc.user_class = c->ldap_user_class;
	if (c->ldap_uid_attr[0])
		lc.uid_attr = c->ldap_uid_attr;
	if (c->ldap_msisdn_attr[0])
		lc.msisdn_attr = c->ldap_msisdn_attr;
	if (c->ldap_crl_dn[0])
		lc.crl_dns[0] = c->ldap_crl_dn;
	lc.timeout_ms = c->ldap_timeout_ms;
	lc.workers = c->ldap_workers;
	/* one knob for the three TTLs; the negative one never longer */
	lc.cache_ttl_ms = c->ldap_cache_ttl_ms;
	lc.crl_ttl_ms = c->ldap_cache_ttl_ms;
	if (lc.negative_ttl_ms > c->ldap_cache_ttl_ms)
		lc.negative_ttl_ms = c->ldap_cache_ttl_ms;
	if ((rc = certcheck_new(&ccfg, &ls->cc, err, errsz)) != STK_OK ||
	    (rc = ldapdir_new(&lc, &ls->dir, err, errsz)) != STK_OK)
		goto out;
	cs->name = "ldap";
	cs->fetch = ldap_fetch;
	cs->free = ldap_free;
	cs->stats = ldap_stats;
	cs->priv = ls;
	*out = cs;
	cs = NULL;
	ls = NULL;
 out:
	if (ls) {
		certcheck_free(ls->cc);
		OPENSSL_cleanse(ls->password, sizeof(ls->password));
		pthread_mutex_destroy(&ls->mu);
	}
	free(ls);
	free(cs);
	return rc;
}

int
certsrc_from_config(const struct srv_config *c, struct cert_source **out,
    char *err, size_t errsz)
{
	if (strcmp(c->cert_source, "file") == 0)
		return certsrc_file_new(c->cert_dir, c->cert_ca, c->cert_crl,
		    c->cert_require_crl, out, err, errsz);
	if (strcmp(c->cert_source, "ldap") == 0)
		return certsrc_ldap_new(c, out, err, errsz);
	snprintf(err, errsz, "certs source %s: unknown", c->cert_source);
	return STK_E_UNSUPPORTED;
}

void
certsrc_stats(struct cert_source *cs, struct certsrc_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (cs != NULL && cs->stats != NULL)
		cs->stats(cs, st);
}

void
certsrc_free(struct cert_source *cs)
{
	if (cs)
		cs->free(cs);
}
