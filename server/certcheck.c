/*
 * certcheck.c - X.509 validation of a user certificate: chain, validity,
 * CRLs, key usage and identity (certcheck.h; RFC 5280 §6, §6.3,
 * §4.2.1.3, §4.2.1.6; RFC 3966; RFC 4519).  OpenSSL 3 only.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <openssl/evp.h>

#include "bytes.h"
#include "err.h"
#include "certcache.h"
#include "certcheck.h"

struct certcheck {
	X509_STORE *store;
	STACK_OF(X509_CRL) *file_crls;
	bool require_crl;
	bool crl_check_all;
	struct certcache *cache;	/* NULL: no caching */
};

static const struct {
	const char *name;
	const char *text;
} reason_table[] = {
#define CERTCHECK_ROW(sym, name, text) [sym] = { name, text },
	CERTCHECK_REASON_TABLE(CERTCHECK_ROW)
#undef CERTCHECK_ROW
};

const char *
certcheck_reason_name(int reason)
{
	if (reason < 0 || reason >= CERTCHECK_REASON_COUNT)
		return "unknown";
	return reason_table[reason].name;
}

const char *
certcheck_reason_text(int reason)
{
	if (reason < 0 || reason >= CERTCHECK_REASON_COUNT)
		return "unknown reason";
	return reason_table[reason].text;
}

/*
 * X509_V_ERR_* -> reason.  Everything not listed is a chain that does not
 * lead to a trusted CA, or does so improperly: CERTCHECK_UNTRUSTED.
 */
static const struct {
	int x509_err;
	int reason;
} x509_err_table[] = {
	{ X509_V_ERR_CERT_HAS_EXPIRED,			CERTCHECK_EXPIRED },
	{ X509_V_ERR_CERT_NOT_YET_VALID,		CERTCHECK_NOT_YET_VALID },
	{ X509_V_ERR_CERT_REVOKED,			CERTCHECK_REVOKED },
	{ X509_V_ERR_UNABLE_TO_GET_CRL,			CERTCHECK_REVOCATION_UNKNOWN },
	{ X509_V_ERR_CRL_HAS_EXPIRED,			CERTCHECK_REVOCATION_UNKNOWN },
	{ X509_V_ERR_CRL_NOT_YET_VALID,			CERTCHECK_REVOCATION_UNKNOWN },
	{ X509_V_ERR_CRL_SIGNATURE_FAILURE,		CERTCHECK_REVOCATION_UNKNOWN },
	{ X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE,	CERTCHECK_REVOCATION_UNKNOWN },
	{ X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD,	CERTCHECK_REVOCATION_UNKNOWN },
	{ X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD,	CERTCHECK_REVOCATION_UNKNOWN },
	{ X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER,		CERTCHECK_REVOCATION_UNKNOWN },
	{ X509_V_ERR_KEYUSAGE_NO_CRL_SIGN,		CERTCHECK_REVOCATION_UNKNOWN },
	{ X509_V_ERR_DIFFERENT_CRL_SCOPE,		CERTCHECK_REVOCATION_UNKNOWN },
	{ X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION,	CERTCHECK_REVOCATION_UNKNOWN },
	{ X509_V_ERR_CRL_PATH_VALIDATION_ERROR,		CERTCHECK_REVOCATION_UNKNOWN },
};

static int
reason_from_x509(int x509_err)
{
	size_t i;

	for (i = 0; i < sizeof(x509_err_table) / sizeof(x509_err_table[0]); i++)
		if (x509_err_table[i].x509_err == x509_err)
			return x509_err_table[i].reason;
	return CERTCHECK_UNTRUSTED;
}

static void seterr(char *err, size_t errsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* One line into err (may be NULL); a longer line is cut. */
static void
seterr(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errsz == 0)
		return;
	va_start(ap, fmt);
	if (vsnprintf(err, errsz, fmt, ap) < 0)
		err[0] = '\0';
	va_end(ap);
}

/* Read every CRL of path (PEM, one or more; or one DER) into sk. */
static int
load_crl_file(const char *path, STACK_OF(X509_CRL) *sk, char *err,
    size_t errsz)
{
	BIO *bio = NULL;
	X509_CRL *crl = NULL;
	int rv = STK_E_INVALID;

	if ((bio = BIO_new_file(path, "rb")) == NULL) {
		seterr(err, errsz, "cannot read CRL file %s", path);
		rv = STK_E_IO;
		goto out;
	}
	while ((crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL)) != NULL) {
		if (!sk_X509_CRL_push(sk, crl)) {
			rv = STK_E_NOMEM;
			goto out;
		}
		crl = NULL;
	}
	ERR_clear_error();
	if (sk_X509_CRL_num(sk) == 0) {
		/* Not PEM: one DER CRL, the whole file. */
		if (BIO_reset(bio) != 0 ||
		    (crl = d2i_X509_CRL_bio(bio, NULL)) == NULL) {
			ERR_clear_error();
			seterr(err, errsz, "no CRL in %s", path);
			goto out;
		}
		if (!sk_X509_CRL_push(sk, crl)) {
			rv = STK_E_NOMEM;
			goto out;
		}
		crl = NULL;
	}
	rv = STK_OK;
out:
	X509_CRL_free(crl);
	BIO_free(bio);
	return rv;
}

static int
count_store_certs(X509_STORE *store)
{
	STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(store);
	int i, n = 0;

	for (i = 0; i < sk_X509_OBJECT_num(objs); i++)
		if (X509_OBJECT_get_type(sk_X509_OBJECT_value(objs, i)) ==
		    X509_LU_X509)
			n++;
	return n;
}

int
certcheck_new(const struct certcheck_config *cfg, struct certcheck **out,
    char *err, size_t errsz)
{
	struct certcheck *cc = NULL;
	FILE *f;
	int rv = STK_E_NOMEM;

	if (out != NULL)
		*out = NULL;
	if (cfg == NULL || out == NULL || cfg->ca_file == NULL ||
	    cfg->ca_file[0] == '\0') {
		seterr(err, errsz, "CA file not configured");
		return STK_E_ARG;
	}
	if ((cc = calloc(1, sizeof(*cc))) == NULL)
		goto out;
	cc->require_crl = cfg->require_crl;
	cc->crl_check_all = cfg->crl_check_all;
	if (cfg->cache_max > 0 &&
	    (cc->cache = certcache_new(cfg->cache_max, cfg->cache_ttl_s)) ==
	    NULL)
		goto out;
	if ((cc->store = X509_STORE_new()) == NULL ||
	    (cc->file_crls = sk_X509_CRL_new_null()) == NULL)
		goto out;
	if ((f = fopen(cfg->ca_file, "rb")) == NULL) {
		seterr(err, errsz, "cannot read CA file %s", cfg->ca_file);
		rv = STK_E_IO;
		goto out;
	}
	fclose(f);
	if (X509_STORE_load_file(cc->store, cfg->ca_file) != 1 ||
	    count_store_certs(cc->store) == 0) {
		ERR_clear_error();
		seterr(err, errsz, "no PEM certificate in CA file %s",
		    cfg->ca_file);
		rv = STK_E_INVALID;
		goto out;
	}
	if (cfg->crl_file != NULL && cfg->crl_file[0] != '\0' &&
	    (rv = load_crl_file(cfg->crl_file, cc->file_crls, err, errsz))
	    != STK_OK)
		goto out;
	*out = cc;
	cc = NULL;
	rv = STK_OK;
out:
	certcheck_free(cc);
	return rv;
}

void
certcheck_cache_stats(const struct certcheck *cc, unsigned long *hits,
    unsigned long *misses)
{
	struct certcache_stats st;

	certcache_stats(cc ? cc->cache : NULL, &st);
	*hits = st.hits;
	*misses = st.misses;
}

void
certcheck_free(struct certcheck *cc)
{
	if (cc == NULL)
		return;
	X509_STORE_free(cc->store);
	sk_X509_CRL_pop_free(cc->file_crls, X509_CRL_free);
	certcache_free(cc->cache);
	free(cc);
}

void
certcheck_result_clear(struct certcheck_result *res)
{
	if (res == NULL)
		return;
	X509_free(res->cert);
	memset(res, 0, sizeof(*res));
	res->reason = CERTCHECK_NO_CERTIFICATE;
	res->depth = -1;
}

int
certcheck_msisdn_normalize(const char *in, char out[CERTCHECK_MSISDN_MAX + 1])
{
	size_t i, n;

	out[0] = '\0';
	if (in == NULL)
		return STK_E_INVALID;
	if (in[0] == '+')
		in++;
	n = strlen(in);
	if (n < 1 || n > CERTCHECK_MSISDN_MAX - 1)
		return STK_E_INVALID;
	for (i = 0; i < n; i++)
		if (in[i] < '0' || in[i] > '9')
			return STK_E_INVALID;
	out[0] = '+';
	memcpy(out + 1, in, n + 1);
	return STK_OK;
}

/*
 * RFC 3966 §3: telephone-uri = "tel:" telephone-subscriber;
 * global-number-digits = "+" *phonedigit DIGIT *phonedigit, phonedigit =
 * DIGIT / visual-separator, visual-separator = "-" / "." / "(" / ")".
 * Parameters (";" par) are refused: a certificate that qualifies the
 * number names something else than the bare MSISDN.
 */
int
certcheck_tel_uri(const char *uri, size_t len,
    char out[CERTCHECK_MSISDN_MAX + 1])
{
	struct stk_cur c;
	const uint8_t *scheme;
	uint8_t ch;
	size_t n = 0;

	out[0] = '\0';
	if (uri == NULL)
		return STK_E_INVALID;
	stk_cur_init(&c, (const uint8_t *)uri, len);
	if (!stk_cur_bytes(&c, &scheme, 4) ||
	    strncasecmp((const char *)scheme, "tel:", 4) != 0)
		return STK_E_INVALID;
	if (!stk_cur_u8(&c, &ch) || ch != '+')
		return STK_E_INVALID;
	out[n++] = '+';
	while (stk_cur_u8(&c, &ch)) {
		if (ch == '-' || ch == '.' || ch == '(' || ch == ')')
			continue;
		if (ch < '0' || ch > '9' || n >= CERTCHECK_MSISDN_MAX) {
			out[0] = '\0';
			return STK_E_INVALID;
		}
		out[n++] = (char)ch;
	}
	out[n] = '\0';
	if (n < 2) {
		out[0] = '\0';
		return STK_E_INVALID;
	}
	return STK_OK;
}

/*
 * The one value of attribute nid in the subject as NUL-free UTF-8 into
 * val.  Returns the number of values (0, 1, or 2 meaning "more than
 * one"), or -1 when the one value is not representable.
 */
static int
subject_value(X509 *cert, int nid, char *val, size_t valsz)
{
	const X509_NAME *name = X509_get_subject_name(cert);
	const X509_NAME_ENTRY *e;
	unsigned char *utf8 = NULL;
	int idx, len, rv = -1;

	idx = X509_NAME_get_index_by_NID(name, nid, -1);
	if (idx < 0)
		return 0;
	if (X509_NAME_get_index_by_NID(name, nid, idx) >= 0)
		return 2;
	e = X509_NAME_get_entry(name, idx);
	len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
	if (len < 0 || (size_t)len >= valsz ||
	    memchr(utf8, '\0', (size_t)len) != NULL) {
		ERR_clear_error();
		goto out;
	}
	memcpy(val, utf8, (size_t)len);
	val[len] = '\0';
	rv = 1;
out:
	OPENSSL_free(utf8);
	return rv;
}

static int
identity_account(X509 *cert, const char *account, char *why, size_t whysz)
{
	char val[256];
	const char *attr = "UID";
	int n;

	n = subject_value(cert, NID_userId, val, sizeof(val));
	if (n == 0) {
		attr = "CN";
		n = subject_value(cert, NID_commonName, val, sizeof(val));
	}
	if (n == 0) {
		seterr(why, whysz, "subject has neither UID nor CN");
		return STK_E_VERIFY;
	}
	if (n != 1) {
		seterr(why, whysz, "subject %s is ambiguous or not text", attr);
		return STK_E_VERIFY;
	}
	if (strcmp(val, account) != 0) {
		seterr(why, whysz, "subject %s names another account", attr);
		return STK_E_VERIFY;
	}
	return STK_OK;
}

static int
identity_msisdn(X509 *cert, const char *want, char *why, size_t whysz)
{
	GENERAL_NAMES *sans;
	const GENERAL_NAME *gn;
	char got[CERTCHECK_MSISDN_MAX + 1];
	int crit = -1, i, rv = STK_E_VERIFY, tel = 0;

	sans = X509_get_ext_d2i(cert, NID_subject_alt_name, &crit, NULL);
	if (sans == NULL) {
		ERR_clear_error();
		seterr(why, whysz, "%s", crit == -2 ?
		    "more than one subjectAltName extension" :
		    "no subjectAltName (the MSISDN is a tel: URI there)");
		return STK_E_VERIFY;
	}
	for (i = 0; i < sk_GENERAL_NAME_num(sans); i++) {
		gn = sk_GENERAL_NAME_value(sans, i);
		if (gn->type != GEN_URI)
			continue;
		if (certcheck_tel_uri((const char *)
		    ASN1_STRING_get0_data(gn->d.uniformResourceIdentifier),
		    (size_t)ASN1_STRING_length(gn->d.uniformResourceIdentifier),
		    got) != STK_OK)
			continue;
		tel++;
		if (strcmp(got, want) == 0) {
			rv = STK_OK;
			goto out;
		}
	}
	seterr(why, whysz, "%s", tel == 0 ?
	    "no tel: URI in subjectAltName" :
	    "subjectAltName tel: URI names another MSISDN");
out:
	GENERAL_NAMES_free(sans);
	return rv;
}

int
certcheck_identity(X509 *cert, const char *account, const char *msisdn,
    char *why, size_t whysz)
{
	char want[CERTCHECK_MSISDN_MAX + 1];
	bool has_account = account != NULL && account[0] != '\0';
	bool has_msisdn = msisdn != NULL && msisdn[0] != '\0';
	int rv;

	if (why != NULL && whysz > 0)
		why[0] = '\0';
	if (cert == NULL || (!has_account && !has_msisdn))
		return STK_E_ARG;
	if (has_msisdn && certcheck_msisdn_normalize(msisdn, want) != STK_OK)
		return STK_E_ARG;
	if (has_account &&
	    (rv = identity_account(cert, account, why, whysz)) != STK_OK)
		return rv;
	if (has_msisdn &&
	    (rv = identity_msisdn(cert, want, why, whysz)) != STK_OK)
		return rv;
	return STK_OK;
}

/*
 * With require_crl off, an issuer without any CRL is accepted (nothing to
 * check against); every other failure stands.
 */
static int
verify_cb(int ok, X509_STORE_CTX *ctx)
{
	const struct certcheck *cc = X509_STORE_CTX_get_app_data(ctx);

	if (!ok && cc != NULL && !cc->require_crl &&
	    X509_STORE_CTX_get_error(ctx) == X509_V_ERR_UNABLE_TO_GET_CRL)
		return 1;
	return ok;
}

/* "serial 1A2B..." of cert into buf (for the audit line). */
static const char *
serial_text(X509 *cert, char *buf, size_t bufsz)
{
	BIGNUM *bn;
	char *hex = NULL;

	snprintf(buf, bufsz, "?");
	bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
	if (bn != NULL && (hex = BN_bn2hex(bn)) != NULL)
		snprintf(buf, bufsz, "%s", hex);
	OPENSSL_free(hex);
	BN_free(bn);
	ERR_clear_error();
	return buf;
}

static void
set_result(struct certcheck_result *res, int reason, int x509_err,
    int depth, const char *serial, const char *what, const char *extra)
{
	res->reason = reason;
	res->x509_err = x509_err;
	res->depth = depth;
	/* The audit line may be cut; the reason name leads it. */
	seterr(res->detail, sizeof(res->detail), "%s: serial %s: %s%s",
	    certcheck_reason_name(reason), serial, what, extra);
}

/* Seconds since the epoch of an ASN.1 time; fallback when unreadable
 * or absent. */
static int64_t
asn1_seconds(const ASN1_TIME *t, int64_t fallback)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1) {
		ERR_clear_error();
		return fallback;
	}
	return (int64_t)timegm(&tm);
}

/*
 * Until when a validation that passed at time at holds without a new
 * check: the earliest notAfter of the chain and nextUpdate of the CRLs
 * (an unreadable date: not at all, at).
 */
static int64_t
valid_until(X509_STORE_CTX *ctx, STACK_OF(X509_CRL) *crls, int64_t at)
{
	STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
	int64_t until = INT64_MAX, t;
	int i;

	for (i = 0; chain != NULL && i < sk_X509_num(chain); i++) {
		t = asn1_seconds(X509_get0_notAfter(sk_X509_value(chain, i)),
		    at);
		if (t < until)
			until = t;
	}
	for (i = 0; i < sk_X509_CRL_num(crls); i++) {
		t = asn1_seconds(X509_CRL_get0_nextUpdate(
		    sk_X509_CRL_value(crls, i)), INT64_MAX);
		if (t < until)
			until = t;
	}
	return chain == NULL ? at : until;
}

/*
 * The certificate of d, parsed (or from the cache).  STK_OK with *out
 * (a reference for the caller); STK_E_VERIFY (res: malformed).
 */
static int
parse_cert(const struct certcheck *cc, const struct certcheck_der *d,
    const uint8_t digest[CERTCACHE_DIGEST_LEN],
    const uint8_t vkey[CERTCACHE_DIGEST_LEN], int64_t now, const char *extra,
    struct certcheck_result *res, X509 **out, bool *valid)
{
	const unsigned char *p;
	X509 *cert;

	*valid = false;
	if (d->der == NULL || d->len == 0 || d->len > CERTCHECK_DER_MAX) {
		set_result(res, CERTCHECK_MALFORMED, 0, -1, "?",
		    "empty or oversized certificate", extra);
		return STK_E_VERIFY;
	}
	if (cc->cache != NULL && (*out = certcache_cert_get(cc->cache, digest,
	    vkey, now, valid)) != NULL)
		return STK_OK;
	p = d->der;
	cert = d2i_X509(NULL, &p, (long)d->len);
	if (cert == NULL || p != d->der + d->len) {
		ERR_clear_error();
		set_result(res, CERTCHECK_MALFORMED, 0, -1, "?", cert == NULL ?
		    "not a DER certificate" : "bytes after the certificate",
		    extra);
		X509_free(cert);
		return STK_E_VERIFY;
	}
	if (cc->cache != NULL)
		certcache_cert_put(cc->cache, digest, cert);
	*out = cert;
	return STK_OK;
}

/*
 * Steps 1-4 of certcheck.h for one certificate (cert: the caller's
 * reference, handed over).  STK_OK (res->cert set, *until: how long the
 * outcome holds), STK_E_VERIFY (res says why), or STK_E_NOMEM.
 */
static int
check_one(const struct certcheck *cc, X509 *cert, STACK_OF(X509_CRL) *crls,
    const char *account, const char *msisdn, int64_t at, const char *extra,
    struct certcheck_result *res, int64_t *until)
{
	X509_STORE_CTX *ctx = NULL;
	X509_VERIFY_PARAM *param;
	char serial[80], why[128], what[160];
	unsigned long flags;
	int rv = STK_E_NOMEM, err, depth;

	*until = at;
	serial_text(cert, serial, sizeof(serial));

	/* 1-2: RFC 5280 §6 path validation with §6.3 CRL checking. */
	if ((ctx = X509_STORE_CTX_new()) == NULL ||
	    X509_STORE_CTX_init(ctx, cc->store, cert, NULL) != 1)
		goto out;
	X509_STORE_CTX_set0_crls(ctx, crls);
	X509_STORE_CTX_set_app_data(ctx, (void *)cc);
	X509_STORE_CTX_set_verify_cb(ctx, verify_cb);
	param = X509_STORE_CTX_get0_param(ctx);
	flags = X509_V_FLAG_CRL_CHECK | X509_V_FLAG_X509_STRICT;
	if (cc->crl_check_all)
		flags |= X509_V_FLAG_CRL_CHECK_ALL;
	X509_VERIFY_PARAM_set_flags(param, flags);
	if (at != 0)
		X509_VERIFY_PARAM_set_time(param, (time_t)at);
	if (X509_verify_cert(ctx) != 1) {
		err = X509_STORE_CTX_get_error(ctx);
		depth = X509_STORE_CTX_get_error_depth(ctx);
		ERR_clear_error();
		snprintf(what, sizeof(what), "%s (depth %d)",
		    X509_verify_cert_error_string(err), depth);
		set_result(res, reason_from_x509(err), err, depth, serial,
		    what, extra);
		rv = STK_E_VERIFY;
		goto out;
	}
	*until = valid_until(ctx, crls, at);

	/* 3: RFC 5280 §4.2.1.3; a CA certificate is nobody's login key. */
	if (!(X509_get_extension_flags(cert) & EXFLAG_KUSAGE) ||
	    !(X509_get_key_usage(cert) &
	    (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) ||
	    X509_check_ca(cert) != 0) {
		set_result(res, CERTCHECK_BAD_KEY_USAGE, 0, 0, serial,
		    X509_check_ca(cert) != 0 ? "a CA certificate" :
		    "keyUsage lacks digitalSignature and nonRepudiation",
		    extra);
		rv = STK_E_VERIFY;
		goto out;
	}

	/* 4: the certificate is this user's. */
	if ((rv = certcheck_identity(cert, account, msisdn, why,
	    sizeof(why))) != STK_OK) {
		set_result(res, CERTCHECK_WRONG_IDENTITY, 0, 0, serial, why,
		    extra);
		goto out;
	}
	set_result(res, CERTCHECK_OK, 0, -1, serial, "valid", "");
	res->cert = cert;
	cert = NULL;
	rv = STK_OK;
out:
	X509_STORE_CTX_free(ctx);
	X509_free(cert);
	return rv;
}

int
certcheck_verify(const struct certcheck *cc,
    const struct certcheck_der *certs, size_t ncerts,
    const struct certcheck_der *crls, size_t ncrls,
    const char *account, const char *msisdn, int64_t at,
    struct certcheck_result *res)
{
	STACK_OF(X509_CRL) *sk = NULL;
	X509_CRL *crl = NULL;
	struct certcheck_result one;
	char extra[64] = "", norm[CERTCHECK_MSISDN_MAX + 1] = "";
	uint8_t d[CERTCACHE_DIGEST_LEN] = { 0 }, vkey[CERTCACHE_DIGEST_LEN] = { 0 };
	EVP_MD_CTX *vctx = NULL;
	const unsigned char *p;
	size_t i, bad_crls = 0;
	int64_t now = at != 0 ? at : (int64_t)time(NULL);
	int j, rv = STK_E_NOMEM;

	if (res == NULL)
		return STK_E_ARG;
	memset(res, 0, sizeof(*res));
	certcheck_result_clear(res);
	memset(&one, 0, sizeof(one));
	certcheck_result_clear(&one);
	if (cc == NULL || (ncerts > 0 && certs == NULL) ||
	    (ncrls > 0 && crls == NULL) || ncerts > CERTCHECK_MAX_CERTS ||
	    ncrls > CERTCHECK_MAX_CRLS)
		return STK_E_ARG;
	if ((account == NULL || account[0] == '\0') &&
	    (msisdn == NULL || msisdn[0] == '\0'))
		return STK_E_ARG;
	if (msisdn != NULL && msisdn[0] != '\0' &&
	    certcheck_msisdn_normalize(msisdn, norm) != STK_OK)
		return STK_E_ARG;
	if (ncerts == 0) {
		snprintf(res->detail, sizeof(res->detail), "%s: %s",
		    certcheck_reason_name(CERTCHECK_NO_CERTIFICATE),
		    "the directory has no certificate for the user");
		return STK_E_VERIFY;
	}

	/* The file's CRLs and the caller's, in one set: OpenSSL prefers the
	 * most recent of equally usable CRLs only within one set. */
	if ((sk = sk_X509_CRL_new_null()) == NULL)
		goto out;
	/*
	 * With the cache, vkey is what a validation depends on besides the
	 * certificate and the CA and CRL files (fixed for cc): the digests
	 * of the caller's CRLs, the account and the MSISDN (certcache.h).
	 */
	if (cc->cache != NULL && ((vctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(vctx, EVP_sha256(), NULL) != 1))
		goto out;
	for (j = 0; j < sk_X509_CRL_num(cc->file_crls); j++) {
		crl = sk_X509_CRL_value(cc->file_crls, j);
		if (!X509_CRL_up_ref(crl) || !sk_X509_CRL_push(sk, crl)) {
			crl = NULL;
			goto out;
		}
	}
	crl = NULL;
	for (i = 0; i < ncrls; i++) {
		if (crls[i].der == NULL || crls[i].len == 0 ||
		    crls[i].len > CERTCHECK_CRL_DER_MAX) {
			bad_crls++;
			continue;
		}
		if (vctx != NULL) {
			if (EVP_Digest(crls[i].der, crls[i].len, d, NULL,
			    EVP_sha256(), NULL) != 1 ||
			    EVP_DigestUpdate(vctx, d, sizeof(d)) != 1)
				goto out;
			if ((crl = certcache_crl_get(cc->cache, d)) != NULL) {
				if (!sk_X509_CRL_push(sk, crl))
					goto out;
				crl = NULL;
				continue;
			}
		}
		p = crls[i].der;
		crl = d2i_X509_CRL(NULL, &p, (long)crls[i].len);
		if (crl == NULL || p != crls[i].der + crls[i].len) {
			ERR_clear_error();
			X509_CRL_free(crl);
			crl = NULL;
			bad_crls++;
			continue;
		}
		if (vctx != NULL)
			certcache_crl_put(cc->cache, d, crl);
		if (!sk_X509_CRL_push(sk, crl))
			goto out;
		crl = NULL;
	}
	if (vctx != NULL && (EVP_DigestUpdate(vctx, "", 1) != 1 ||
	    (account && EVP_DigestUpdate(vctx, account, strlen(account) + 1) !=
	    1) || EVP_DigestUpdate(vctx, "", 1) != 1 ||
	    EVP_DigestUpdate(vctx, norm, strlen(norm)) != 1 ||
	    EVP_DigestFinal_ex(vctx, vkey, NULL) != 1))
		goto out;
	if (bad_crls > 0)
		snprintf(extra, sizeof(extra), " (%zu unreadable CRL%s skipped)",
		    bad_crls, bad_crls == 1 ? "" : "s");

	for (i = 0; i < ncerts; i++) {
		X509 *cert = NULL;
		int64_t until = now;
		bool valid = false;

		certcheck_result_clear(&one);
		if (cc->cache != NULL && certs[i].der != NULL &&
		    EVP_Digest(certs[i].der, certs[i].len, d, NULL,
		    EVP_sha256(), NULL) != 1)
			goto out;
		rv = parse_cert(cc, &certs[i], d, vkey, now, extra, &one, &cert,
		    &valid);
		if (rv == STK_OK && valid) {
			/* validated before under the same CRLs and identity,
			 * and still within its span: steps 1-4 hold */
			char serial[80];

			set_result(&one, CERTCHECK_OK, 0, -1,
			    serial_text(cert, serial, sizeof(serial)), "valid",
			    "");
			one.cert = cert;
			certcache_count(cc->cache, true);
		} else if (rv == STK_OK) {
			rv = check_one(cc, cert, sk, account, msisdn, now, extra,
			    &one, &until);
			if (cc->cache != NULL) {
				certcache_count(cc->cache, false);
				if (rv == STK_OK)
					certcache_cert_validated(cc->cache, d,
					    vkey, now, until);
			}
		}
		one.index = i;
		if (rv == STK_OK || i == 0) {
			certcheck_result_clear(res);
			*res = one;
			memset(&one, 0, sizeof(one));
			certcheck_result_clear(&one);
		}
		if (rv == STK_OK)
			goto out;
		if (rv != STK_E_VERIFY)
			goto out;
	}
	rv = STK_E_VERIFY;
out:
	EVP_MD_CTX_free(vctx);
	certcheck_result_clear(&one);
	X509_CRL_free(crl);
	sk_X509_CRL_pop_free(sk, X509_CRL_free);
	return rv;
}
