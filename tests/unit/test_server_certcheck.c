/*
 * test_server_certcheck.c - server/certcheck.c: chain, validity, CRLs (from a
 * file and as DER from LDAP), key usage, identity, tel URIs.
 *
 * The certificates and CRLs are made in the group setup with the OpenSSL
 * API (EC P-256 keys, generated fresh each run: no key is committed); the
 * CA bundle and CRL files go to a temporary folder removed at the end.
 * The RSA certificates of ldap-fixtures/ca.sh (OpenSSL command line) are
 * checked by tests/sh/test_ldap_directory.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certcheck.h"
#include "err.h"
#include "support_vectors.h"

#define DAY	(24 * 3600L)
#define ACCOUNT	"alice"
#define MSISDN	"+37255500001"

enum { C_GOOD, C_EXPIRED, C_NOT_YET, C_REVOKED, C_WRONG_CA, C_OTHER_UID,
	C_OTHER_TEL, C_BAD_KU, C_NO_KU, C_CA_AS_USER, C_CN_ONLY, C_NO_SAN,
	C_COUNT };
enum { R_OLD_EMPTY, R_REVOKED, R_NEW_EMPTY, R_EXPIRED, R_FORGED, R_COUNT };

struct fx {
	time_t now;
	char dir[64];
	char ca_file[96], empty_file[96], crl_file[96], crl_new_file[96],
	    bad_crl_file[96];
	EVP_PKEY *ca_key, *ca2_key, *user_key;
	X509 *ca, *ca2;
	uint8_t *cert[C_COUNT];
	size_t cert_len[C_COUNT];
	uint8_t *crl[R_COUNT];
	size_t crl_len[R_COUNT];
	struct certcheck *cc;		/* require_crl, no CRL file */
	struct certcheck *cc_soft;	/* CRLs optional */
	struct certcheck *cc_file;	/* CRL file: R_REVOKED */
};

static struct fx F;

static EVP_PKEY *
ec_key(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");

	assert_non_null(k);
	return k;
}

static void
add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	assert_non_null(ext);
	assert_int_equal(X509_add_ext(cert, ext, -1), 1);
	X509_EXTENSION_free(ext);
}

struct spec {
	const char *uid;	/* NULL: no UID attribute */
	const char *cn;
	const char *san;	/* NULL: no subjectAltName */
	const char *ku;		/* NULL: no keyUsage */
	bool ca;
	long nb, na;		/* validity, seconds from now */
	long serial;
};

/* A certificate for key per s, signed by issuer/ikey (NULL: self-signed). */
static X509 *
make_cert(EVP_PKEY *key, const struct spec *s, X509 *issuer, EVP_PKEY *ikey)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	time_t t = F.now;

	assert_non_null(x);
	assert_non_null(n);
	assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), s->serial),
	    1);
	if (s->uid != NULL)
		assert_int_equal(X509_NAME_add_entry_by_NID(n, NID_userId,
		    MBSTRING_UTF8, (const unsigned char *)s->uid, -1, -1, 0), 1);
	assert_int_equal(X509_NAME_add_entry_by_NID(n, NID_commonName,
	    MBSTRING_UTF8, (const unsigned char *)s->cn, -1, -1, 0), 1);
	assert_int_equal(X509_set_subject_name(x, n), 1);
	assert_int_equal(X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer) : n), 1);
	assert_non_null(X509_time_adj_ex(X509_getm_notBefore(x), 0, s->nb, &t));
	assert_non_null(X509_time_adj_ex(X509_getm_notAfter(x), 0, s->na, &t));
	assert_int_equal(X509_set_pubkey(x, key), 1);
	if (issuer == NULL)
		issuer = x;
	add_ext(x, issuer, NID_basic_constraints,
	    s->ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	if (s->ku != NULL)
		add_ext(x, issuer, NID_key_usage, s->ku);
	add_ext(x, issuer, NID_subject_key_identifier, "hash");
	add_ext(x, issuer, NID_authority_key_identifier, "keyid:always");
	if (s->san != NULL)
		add_ext(x, issuer, NID_subject_alt_name, s->san);
	assert_true(X509_sign(x, ikey != NULL ? ikey : key, EVP_sha256()) > 0);
	X509_NAME_free(n);
	return x;
}

static uint8_t *
der_of(X509 *x, size_t *len)
{
	uint8_t *der = NULL;
	int n = i2d_X509(x, &der);

	assert_true(n > 0);
	*len = (size_t)n;
	return der;
}

/*
 * A v2 CRL of issuer signed with key: lastUpdate/nextUpdate in seconds
 * from now, revoking serial (0: nobody).
 */
static uint8_t *
make_crl(X509 *issuer, EVP_PKEY *key, long last, long next, long serial,
    size_t *len)
{
	X509_CRL *crl = X509_CRL_new();
	X509_REVOKED *r;
	ASN1_TIME *tm;
	ASN1_INTEGER *num;
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	uint8_t *der = NULL;
	time_t t = F.now;
	int n;

	assert_non_null(crl);
	assert_int_equal(X509_CRL_set_version(crl, X509_CRL_VERSION_2), 1);
	assert_int_equal(X509_CRL_set_issuer_name(crl,
	    X509_get_subject_name(issuer)), 1);
	tm = X509_time_adj_ex(NULL, 0, last, &t);
	assert_int_equal(X509_CRL_set1_lastUpdate(crl, tm), 1);
	ASN1_TIME_free(tm);
	tm = X509_time_adj_ex(NULL, 0, next, &t);
	assert_int_equal(X509_CRL_set1_nextUpdate(crl, tm), 1);
	ASN1_TIME_free(tm);
	if (serial != 0) {
		r = X509_REVOKED_new();
		num = ASN1_INTEGER_new();
		assert_int_equal(ASN1_INTEGER_set(num, serial), 1);
		assert_int_equal(X509_REVOKED_set_serialNumber(r, num), 1);
		tm = X509_time_adj_ex(NULL, 0, last - 60, &t);
		assert_int_equal(X509_REVOKED_set_revocationDate(r, tm), 1);
		assert_int_equal(X509_CRL_add0_revoked(crl, r), 1);
		ASN1_TIME_free(tm);
		ASN1_INTEGER_free(num);
	}
	num = ASN1_INTEGER_new();
	assert_int_equal(ASN1_INTEGER_set(num, last + 1000000000L), 1);
	assert_int_equal(X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0,
	    0), 1);
	ASN1_INTEGER_free(num);
	X509V3_set_ctx(&ctx, issuer, NULL, NULL, crl, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_authority_key_identifier,
	    "keyid:always");
	assert_non_null(ext);
	assert_int_equal(X509_CRL_add_ext(crl, ext, -1), 1);
	X509_EXTENSION_free(ext);
	assert_int_equal(X509_CRL_sort(crl), 1);
	assert_true(X509_CRL_sign(crl, key, EVP_sha256()) > 0);
	n = i2d_X509_CRL(crl, &der);
	assert_true(n > 0);
	*len = (size_t)n;
	X509_CRL_free(crl);
	return der;
}

static void
write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static void
write_pem_cert(const char *path, X509 *x)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(PEM_write_X509(f, x), 1);
	assert_int_equal(fclose(f), 0);
}

static void
write_pem_crl(const char *path, const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)len);
	FILE *f = fopen(path, "wb");

	assert_non_null(crl);
	assert_non_null(f);
	assert_int_equal(PEM_write_X509_CRL(f, crl), 1);
	assert_int_equal(fclose(f), 0);
	X509_CRL_free(crl);
}

static int
setup(void **state)
{
	static const struct {
		int which;
		struct spec s;
		bool wrong_ca;
	} certs[] = {
		{ C_GOOD, { ACCOUNT, ACCOUNT, "URI:tel:+37255500001",
		    "critical,digitalSignature,nonRepudiation", false, -DAY,
		    365 * DAY, 101 }, false },
		{ C_EXPIRED, { ACCOUNT, ACCOUNT, "URI:tel:+37255500001",
		    "critical,digitalSignature", false, -400 * DAY, -30 * DAY,
		    102 }, false },
		{ C_NOT_YET, { ACCOUNT, ACCOUNT, "URI:tel:+37255500001",
		    "critical,digitalSignature", false, 30 * DAY, 400 * DAY,
		    103 }, false },
		{ C_REVOKED, { ACCOUNT, ACCOUNT, "URI:tel:+37255500001",
		    "critical,nonRepudiation", false, -DAY, 365 * DAY, 104 },
		    false },
		{ C_WRONG_CA, { ACCOUNT, ACCOUNT, "URI:tel:+37255500001",
		    "critical,digitalSignature", false, -DAY, 365 * DAY, 105 },
		    true },
		{ C_OTHER_UID, { "bob", ACCOUNT, "URI:tel:+37255500001",
		    "critical,digitalSignature", false, -DAY, 365 * DAY, 106 },
		    false },
		{ C_OTHER_TEL, { ACCOUNT, ACCOUNT,
		    "URI:tel:+37255500002,email:alice@example.com",
		    "critical,digitalSignature", false, -DAY, 365 * DAY, 107 },
		    false },
		{ C_BAD_KU, { ACCOUNT, ACCOUNT, "URI:tel:+37255500001",
		    "critical,keyEncipherment", false, -DAY, 365 * DAY, 108 },
		    false },
		{ C_NO_KU, { ACCOUNT, ACCOUNT, "URI:tel:+37255500001", NULL,
		    false, -DAY, 365 * DAY, 109 }, false },
		{ C_CA_AS_USER, { ACCOUNT, ACCOUNT, "URI:tel:+37255500001",
		    "critical,digitalSignature,keyCertSign,cRLSign", true, -DAY,
		    365 * DAY, 110 }, false },
		{ C_CN_ONLY, { NULL, ACCOUNT,
		    "URI:tel:+372-555-00001,URI:https://example.com/",
		    "critical,digitalSignature", false, -DAY, 365 * DAY, 111 },
		    false },
		{ C_NO_SAN, { ACCOUNT, ACCOUNT, NULL,
		    "critical,digitalSignature", false, -DAY, 365 * DAY, 112 },
		    false },
	};
	struct spec cas = { NULL, "certcheck test CA", NULL,
	    "critical,keyCertSign,cRLSign", true, -10 * DAY, 3650 * DAY, 1 };
	struct certcheck_config cfg = { 0 };
	char err[256];
	size_t i;
	X509 *x;
	FILE *f;

	(void)state;
	F.now = time(NULL);
	snprintf(F.dir, sizeof(F.dir), "/tmp/stkauth-certtest-XXXXXX");
	assert_non_null(mkdtemp(F.dir));
	F.ca_key = ec_key();
	F.ca2_key = ec_key();
	F.user_key = ec_key();
	F.ca = make_cert(F.ca_key, &cas, NULL, NULL);
	cas.cn = "certcheck other CA";
	F.ca2 = make_cert(F.ca2_key, &cas, NULL, NULL);
	for (i = 0; i < sizeof(certs) / sizeof(certs[0]); i++) {
		x = make_cert(F.user_key, &certs[i].s,
		    certs[i].wrong_ca ? F.ca2 : F.ca,
		    certs[i].wrong_ca ? F.ca2_key : F.ca_key);
		F.cert[certs[i].which] = der_of(x, &F.cert_len[certs[i].which]);
		X509_free(x);
	}
	F.crl[R_OLD_EMPTY] = make_crl(F.ca, F.ca_key, -2 * DAY, 30 * DAY, 0,
	    &F.crl_len[R_OLD_EMPTY]);
	F.crl[R_REVOKED] = make_crl(F.ca, F.ca_key, -DAY, 30 * DAY, 104,
	    &F.crl_len[R_REVOKED]);
	F.crl[R_NEW_EMPTY] = make_crl(F.ca, F.ca_key, -3600, 30 * DAY, 0,
	    &F.crl_len[R_NEW_EMPTY]);
	F.crl[R_EXPIRED] = make_crl(F.ca, F.ca_key, -60 * DAY, -30 * DAY, 0,
	    &F.crl_len[R_EXPIRED]);
	/* CA's name, other CA's key: a CRL anyone could have planted. */
	F.crl[R_FORGED] = make_crl(F.ca, F.ca2_key, -3600, 30 * DAY, 0,
	    &F.crl_len[R_FORGED]);

	snprintf(F.ca_file, sizeof(F.ca_file), "%s/ca.pem", F.dir);
	snprintf(F.empty_file, sizeof(F.empty_file), "%s/empty.pem", F.dir);
	snprintf(F.crl_file, sizeof(F.crl_file), "%s/crl.pem", F.dir);
	snprintf(F.crl_new_file, sizeof(F.crl_new_file), "%s/crl-new.der",
	    F.dir);
	snprintf(F.bad_crl_file, sizeof(F.bad_crl_file), "%s/bad-crl.pem",
	    F.dir);
	write_pem_cert(F.ca_file, F.ca);
	write_file(F.empty_file, "", 0);
	write_pem_crl(F.crl_file, F.crl[R_REVOKED], F.crl_len[R_REVOKED]);
	write_file(F.crl_new_file, F.crl[R_NEW_EMPTY], F.crl_len[R_NEW_EMPTY]);
	f = fopen(F.bad_crl_file, "w");
	assert_non_null(f);
	fputs("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n", f);
	fclose(f);

	cfg.ca_file = F.ca_file;
	cfg.require_crl = true;
	assert_int_equal(certcheck_new(&cfg, &F.cc, err, sizeof(err)), STK_OK);
	cfg.require_crl = false;
	assert_int_equal(certcheck_new(&cfg, &F.cc_soft, err, sizeof(err)),
	    STK_OK);
	cfg.require_crl = true;
	cfg.crl_file = F.crl_file;
	assert_int_equal(certcheck_new(&cfg, &F.cc_file, err, sizeof(err)),
	    STK_OK);
	return 0;
}

static int
teardown(void **state)
{
	const char *files[] = { F.ca_file, F.empty_file, F.crl_file,
	    F.crl_new_file, F.bad_crl_file };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		unlink(files[i]);
	rmdir(F.dir);
	for (i = 0; i < C_COUNT; i++)
		OPENSSL_free(F.cert[i]);
	for (i = 0; i < R_COUNT; i++)
		OPENSSL_free(F.crl[i]);
	certcheck_free(F.cc);
	certcheck_free(F.cc_soft);
	certcheck_free(F.cc_file);
	X509_free(F.ca);
	X509_free(F.ca2);
	EVP_PKEY_free(F.ca_key);
	EVP_PKEY_free(F.ca2_key);
	EVP_PKEY_free(F.user_key);
	return 0;
}

/* Verify one certificate with one optional LDAP CRL. */
static int
check(const struct certcheck *cc, int which, int crl, const char *account,
    const char *msisdn, struct certcheck_result *res)
{
	struct certcheck_der c = { F.cert[which], F.cert_len[which] };
	struct certcheck_der r = { crl >= 0 ? F.crl[crl] : NULL,
	    crl >= 0 ? F.crl_len[crl] : 0 };

	return certcheck_verify(cc, &c, 1, &r, crl >= 0 ? 1 : 0, account,
	    msisdn, (int64_t)F.now, res);
}

static void
expect(const struct certcheck *cc, int which, int crl, int reason)
{
	struct certcheck_result res;
	int rv = check(cc, which, crl, ACCOUNT, MSISDN, &res);

	if (res.reason != reason)
		print_error("cert %d crl %d: got %s (%s), want %s\n", which,
		    crl, certcheck_reason_name(res.reason), res.detail,
		    certcheck_reason_name(reason));
	assert_int_equal(res.reason, reason);
	assert_int_equal(rv, reason == CERTCHECK_OK ? STK_OK : STK_E_VERIFY);
	if (reason == CERTCHECK_OK)
		assert_non_null(res.cert);
	else
		assert_null(res.cert);
	/* The audit line starts with the reason's name. */
	assert_memory_equal(res.detail, certcheck_reason_name(reason),
	    strlen(certcheck_reason_name(reason)));
	certcheck_result_clear(&res);
}

static void
test_good(void **state)
{
	struct certcheck_result res;

	(void)state;
	assert_int_equal(check(F.cc, C_GOOD, R_OLD_EMPTY, ACCOUNT, MSISDN,
	    &res), STK_OK);
	assert_int_equal(res.reason, CERTCHECK_OK);
	assert_int_equal(res.index, 0);
	assert_non_null(res.cert);
	/* The key that will verify the signature is the user's. */
	assert_int_equal(EVP_PKEY_eq(X509_get0_pubkey(res.cert), F.user_key),
	    1);
	assert_int_equal(res.x509_err, 0);
	certcheck_result_clear(&res);
	assert_null(res.cert);
	/* MSISDN without "+", account only, MSISDN only. */
	assert_int_equal(check(F.cc, C_GOOD, R_OLD_EMPTY, ACCOUNT,
	    "37255500001", &res), STK_OK);
	certcheck_result_clear(&res);
	assert_int_equal(check(F.cc, C_GOOD, R_OLD_EMPTY, ACCOUNT, NULL,
	    &res), STK_OK);
	certcheck_result_clear(&res);
	assert_int_equal(check(F.cc, C_GOOD, R_OLD_EMPTY, "", MSISDN, &res),
	    STK_OK);
	certcheck_result_clear(&res);
	/* CN when the subject has no UID; visual separators in the URI. */
	expect(F.cc, C_CN_ONLY, R_OLD_EMPTY, CERTCHECK_OK);
}

static void
test_validity(void **state)
{
	struct certcheck_result res;

	(void)state;
	expect(F.cc, C_EXPIRED, R_OLD_EMPTY, CERTCHECK_EXPIRED);
	expect(F.cc, C_NOT_YET, R_OLD_EMPTY, CERTCHECK_NOT_YET_VALID);
	assert_int_equal(check(F.cc, C_EXPIRED, R_OLD_EMPTY, ACCOUNT, MSISDN,
	    &res), STK_E_VERIFY);
	assert_int_equal(res.x509_err, X509_V_ERR_CERT_HAS_EXPIRED);
	assert_int_equal(res.depth, 0);
	certcheck_result_clear(&res);
	/* The verification time is honoured: two years on, GOOD expired. */
	{
		struct certcheck_der c = { F.cert[C_GOOD], F.cert_len[C_GOOD] };

		assert_int_equal(certcheck_verify(F.cc_soft, &c, 1, NULL, 0,
		    ACCOUNT, MSISDN, (int64_t)F.now + 730 * DAY, &res),
		    STK_E_VERIFY);
		assert_int_equal(res.reason, CERTCHECK_EXPIRED);
		certcheck_result_clear(&res);
	}
}

static void
test_revoked_ldap_crl(void **state)
{
	(void)state;
	expect(F.cc, C_REVOKED, R_REVOKED, CERTCHECK_REVOKED);
	expect(F.cc, C_GOOD, R_REVOKED, CERTCHECK_OK);
	/* The same certificate against a CRL that does not list it. */
	expect(F.cc, C_REVOKED, R_OLD_EMPTY, CERTCHECK_OK);
	expect(F.cc_soft, C_REVOKED, R_REVOKED, CERTCHECK_REVOKED);
}

static void
test_revoked_crl_file(void **state)
{
	(void)state;
	/* The file's CRL alone. */
	expect(F.cc_file, C_REVOKED, -1, CERTCHECK_REVOKED);
	expect(F.cc_file, C_GOOD, -1, CERTCHECK_OK);
	/* An older CRL from LDAP does not hide the file's revocation... */
	expect(F.cc_file, C_REVOKED, R_OLD_EMPTY, CERTCHECK_REVOKED);
	/* ...a newer one supersedes it (RFC 5280 §5: the latest CRL). */
	expect(F.cc_file, C_REVOKED, R_NEW_EMPTY, CERTCHECK_OK);
	/* and a revocation published in LDAP after the file's CRL counts. */
	expect(F.cc, C_REVOKED, R_REVOKED, CERTCHECK_REVOKED);
}

static void
test_revocation_unknown(void **state)
{
	(void)state;
	expect(F.cc, C_GOOD, -1, CERTCHECK_REVOCATION_UNKNOWN);
	expect(F.cc_soft, C_GOOD, -1, CERTCHECK_OK);
	expect(F.cc, C_GOOD, R_EXPIRED, CERTCHECK_REVOCATION_UNKNOWN);
	expect(F.cc_soft, C_GOOD, R_EXPIRED, CERTCHECK_REVOCATION_UNKNOWN);
	expect(F.cc, C_GOOD, R_FORGED, CERTCHECK_REVOCATION_UNKNOWN);
	expect(F.cc_soft, C_GOOD, R_FORGED, CERTCHECK_REVOCATION_UNKNOWN);
}

static void
test_untrusted(void **state)
{
	(void)state;
	expect(F.cc, C_WRONG_CA, R_OLD_EMPTY, CERTCHECK_UNTRUSTED);
	expect(F.cc_soft, C_WRONG_CA, -1, CERTCHECK_UNTRUSTED);
}

static void
test_key_usage(void **state)
{
	(void)state;
	expect(F.cc, C_BAD_KU, R_OLD_EMPTY, CERTCHECK_BAD_KEY_USAGE);
	expect(F.cc, C_NO_KU, R_OLD_EMPTY, CERTCHECK_BAD_KEY_USAGE);
	expect(F.cc, C_CA_AS_USER, R_OLD_EMPTY, CERTCHECK_BAD_KEY_USAGE);
	expect(F.cc, C_REVOKED, R_OLD_EMPTY, CERTCHECK_OK);	/* nonRep */
}

static void
test_identity(void **state)
{
	struct certcheck_result res;

	(void)state;
	expect(F.cc, C_OTHER_UID, R_OLD_EMPTY, CERTCHECK_WRONG_IDENTITY);
	expect(F.cc, C_OTHER_TEL, R_OLD_EMPTY, CERTCHECK_WRONG_IDENTITY);
	expect(F.cc, C_NO_SAN, R_OLD_EMPTY, CERTCHECK_WRONG_IDENTITY);
	/* UID wins over CN: CN says alice, UID says bob. */
	assert_int_equal(check(F.cc, C_OTHER_UID, R_OLD_EMPTY, "bob", MSISDN,
	    &res), STK_OK);
	certcheck_result_clear(&res);
	/* Exact comparison: no case folding, no prefix match. */
	assert_int_equal(check(F.cc, C_GOOD, R_OLD_EMPTY, "Alice", MSISDN,
	    &res), STK_E_VERIFY);
	assert_int_equal(res.reason, CERTCHECK_WRONG_IDENTITY);
	certcheck_result_clear(&res);
	assert_int_equal(check(F.cc, C_GOOD, R_OLD_EMPTY, "alic", MSISDN,
	    &res), STK_E_VERIFY);
	certcheck_result_clear(&res);
	assert_int_equal(check(F.cc, C_GOOD, R_OLD_EMPTY, ACCOUNT,
	    "+3725550000", &res), STK_E_VERIFY);
	assert_int_equal(res.reason, CERTCHECK_WRONG_IDENTITY);
	certcheck_result_clear(&res);
	/* OTHER_TEL's e-mail SAN is skipped, its tel: is +...02. */
	assert_int_equal(check(F.cc, C_OTHER_TEL, R_OLD_EMPTY, ACCOUNT,
	    "+37255500002", &res), STK_OK);
	certcheck_result_clear(&res);
}

static void
test_no_certificate_and_malformed(void **state)
{
	struct certcheck_result res;
	struct certcheck_der d;
	uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x00 };
	uint8_t *longer;

	(void)state;
	assert_int_equal(certcheck_verify(F.cc, NULL, 0, NULL, 0, ACCOUNT,
	    MSISDN, 0, &res), STK_E_VERIFY);
	assert_int_equal(res.reason, CERTCHECK_NO_CERTIFICATE);
	certcheck_result_clear(&res);

	d.der = junk;
	d.len = sizeof(junk);
	assert_int_equal(certcheck_verify(F.cc, &d, 1, NULL, 0, ACCOUNT,
	    MSISDN, 0, &res), STK_E_VERIFY);
	assert_int_equal(res.reason, CERTCHECK_MALFORMED);
	certcheck_result_clear(&res);

	/* Truncated by one byte, and one byte too many. */
	d.der = F.cert[C_GOOD];
	d.len = F.cert_len[C_GOOD] - 1;
	assert_int_equal(certcheck_verify(F.cc, &d, 1, NULL, 0, ACCOUNT,
	    MSISDN, 0, &res), STK_E_VERIFY);
	assert_int_equal(res.reason, CERTCHECK_MALFORMED);
	certcheck_result_clear(&res);
	longer = malloc(F.cert_len[C_GOOD] + 1);
	assert_non_null(longer);
	memcpy(longer, F.cert[C_GOOD], F.cert_len[C_GOOD]);
	longer[F.cert_len[C_GOOD]] = 0;
	d.der = longer;
	d.len = F.cert_len[C_GOOD] + 1;
	assert_int_equal(certcheck_verify(F.cc_soft, &d, 1, NULL, 0, ACCOUNT,
	    MSISDN, 0, &res), STK_E_VERIFY);
	assert_int_equal(res.reason, CERTCHECK_MALFORMED);
	certcheck_result_clear(&res);
	free(longer);
	d.len = 0;
	assert_int_equal(certcheck_verify(F.cc, &d, 1, NULL, 0, ACCOUNT,
	    MSISDN, 0, &res), STK_E_VERIFY);
	assert_int_equal(res.reason, CERTCHECK_MALFORMED);
	certcheck_result_clear(&res);
}

static void
test_several(void **state)
{
	struct certcheck_der c[3];
	struct certcheck_der r = { F.crl[R_REVOKED], F.crl_len[R_REVOKED] };
	struct certcheck_result res;

	(void)state;
	c[0] = (struct certcheck_der){ F.cert[C_EXPIRED], F.cert_len[C_EXPIRED] };
	c[1] = (struct certcheck_der){ F.cert[C_REVOKED], F.cert_len[C_REVOKED] };
	c[2] = (struct certcheck_der){ F.cert[C_GOOD], F.cert_len[C_GOOD] };
	assert_int_equal(certcheck_verify(F.cc, c, 3, &r, 1, ACCOUNT, MSISDN,
	    (int64_t)F.now, &res), STK_OK);
	assert_int_equal(res.index, 2);
	assert_int_equal(res.reason, CERTCHECK_OK);
	certcheck_result_clear(&res);
	/* None valid: the first one's failure is reported. */
	assert_int_equal(certcheck_verify(F.cc, c, 2, &r, 1, ACCOUNT, MSISDN,
	    (int64_t)F.now, &res), STK_E_VERIFY);
	assert_int_equal(res.index, 0);
	assert_int_equal(res.reason, CERTCHECK_EXPIRED);
	certcheck_result_clear(&res);
}

static void
test_bad_crls_skipped(void **state)
{
	uint8_t junk[] = { 0x30, 0x00 };
	struct certcheck_der c = { F.cert[C_GOOD], F.cert_len[C_GOOD] };
	struct certcheck_der r[2] = { { junk, sizeof(junk) },
	    { F.crl[R_OLD_EMPTY], F.crl_len[R_OLD_EMPTY] } };
	struct certcheck_result res;

	(void)state;
	/* A junk CRL beside a good one: the good one is used. */
	assert_int_equal(certcheck_verify(F.cc, &c, 1, r, 2, ACCOUNT, MSISDN,
	    (int64_t)F.now, &res), STK_OK);
	certcheck_result_clear(&res);
	/* Only junk: no usable CRL, and the detail says one was skipped. */
	assert_int_equal(certcheck_verify(F.cc, &c, 1, r, 1, ACCOUNT, MSISDN,
	    (int64_t)F.now, &res), STK_E_VERIFY);
	assert_int_equal(res.reason, CERTCHECK_REVOCATION_UNKNOWN);
	assert_non_null(strstr(res.detail, "1 unreadable CRL skipped"));
	certcheck_result_clear(&res);
}

static void
test_args(void **state)
{
	struct certcheck_der c[CERTCHECK_MAX_CERTS + 1];
	struct certcheck_result res;
	size_t i;

	(void)state;
	for (i = 0; i <= CERTCHECK_MAX_CERTS; i++)
		c[i] = (struct certcheck_der){ F.cert[C_GOOD],
		    F.cert_len[C_GOOD] };
	assert_int_equal(certcheck_verify(F.cc, c, 1, NULL, 0, NULL, NULL, 0,
	    &res), STK_E_ARG);
	assert_int_equal(certcheck_verify(F.cc, c, 1, NULL, 0, "", "", 0,
	    &res), STK_E_ARG);
	assert_int_equal(certcheck_verify(F.cc, c, 1, NULL, 0, ACCOUNT,
	    "+372-555", 0, &res), STK_E_ARG);
	assert_int_equal(certcheck_verify(F.cc, c, CERTCHECK_MAX_CERTS + 1,
	    NULL, 0, ACCOUNT, MSISDN, 0, &res), STK_E_ARG);
	assert_int_equal(certcheck_verify(NULL, c, 1, NULL, 0, ACCOUNT,
	    MSISDN, 0, &res), STK_E_ARG);
	assert_int_equal(certcheck_verify(F.cc, c, 1, NULL, 0, ACCOUNT,
	    MSISDN, 0, NULL), STK_E_ARG);
	assert_null(res.cert);
}

static void
test_new_errors(void **state)
{
	struct certcheck_config cfg = { 0 };
	struct certcheck *cc = (struct certcheck *)&cfg;
	char err[256];

	(void)state;
	assert_int_equal(certcheck_new(&cfg, &cc, err, sizeof(err)), STK_E_ARG);
	assert_null(cc);
	cfg.ca_file = "/nonexistent/stkauth-ca.pem";
	assert_int_equal(certcheck_new(&cfg, &cc, err, sizeof(err)), STK_E_IO);
	assert_non_null(strstr(err, "/nonexistent/stkauth-ca.pem"));
	cfg.ca_file = F.empty_file;
	assert_int_equal(certcheck_new(&cfg, &cc, err, sizeof(err)),
	    STK_E_INVALID);
	cfg.ca_file = F.ca_file;
	cfg.crl_file = F.bad_crl_file;
	assert_int_equal(certcheck_new(&cfg, &cc, err, sizeof(err)),
	    STK_E_INVALID);
	cfg.crl_file = "/nonexistent/crl.pem";
	assert_int_equal(certcheck_new(&cfg, &cc, err, sizeof(err)), STK_E_IO);
	/* A DER CRL file works too. */
	cfg.crl_file = F.crl_new_file;
	assert_int_equal(certcheck_new(&cfg, &cc, err, sizeof(err)), STK_OK);
	assert_non_null(cc);
	expect(cc, C_GOOD, -1, CERTCHECK_OK);
	certcheck_free(cc);
	certcheck_free(NULL);
}

/*
 * The certificate cache (certcache.h): a validation is reused for the
 * same DER, CRLs, account and MSISDN only; a new CRL, another identity
 * or a time past the chain's notAfter validates afresh; bounded LRU.
 */
static void
cache_expect(const struct certcheck *cc, int which, int crl,
    const char *account, int64_t at, int reason, unsigned long *hits,
    unsigned long *misses)
{
	struct certcheck_der c = { F.cert[which], F.cert_len[which] };
	struct certcheck_der r = { F.crl[crl], F.crl_len[crl] };
	struct certcheck_result res;

	assert_int_equal(certcheck_verify(cc, &c, 1, &r, 1, account, MSISDN,
	    at, &res), reason == CERTCHECK_OK ? STK_OK : STK_E_VERIFY);
	assert_int_equal(res.reason, reason);
	if (reason == CERTCHECK_OK)
		assert_int_equal(EVP_PKEY_eq(X509_get0_pubkey(res.cert),
		    F.user_key), 1);
	certcheck_result_clear(&res);
	certcheck_cache_stats(cc, hits, misses);
}

static void
test_cache(void **state)
{
	struct certcheck_config cfg = { .ca_file = F.ca_file,
	    .require_crl = true, .cache_max = 3, .cache_ttl_s = 3600 };
	struct certcheck *cc = NULL;
	unsigned long h = 0, m = 0;
	int64_t now = (int64_t)F.now;
	char err[128];

	(void)state;
	assert_int_equal(certcheck_new(&cfg, &cc, err, sizeof(err)), STK_OK);
	cache_expect(cc, C_REVOKED, R_OLD_EMPTY, ACCOUNT, now, CERTCHECK_OK,
	    &h, &m);
	assert_true(h == 0 && m == 1);
	cache_expect(cc, C_REVOKED, R_OLD_EMPTY, ACCOUNT, now + 10,
	    CERTCHECK_OK, &h, &m);
	assert_true(h == 1 && m == 1);
	/* the CRL that revokes it: never hidden by the cached validation */
	cache_expect(cc, C_REVOKED, R_REVOKED, ACCOUNT, now + 20,
	    CERTCHECK_REVOKED, &h, &m);
	assert_true(h == 1 && m == 2);
	/* another identity, a time before the validation, one past the
	 * CRL's nextUpdate (the end of the validation's span): checked
	 * afresh */
	cache_expect(cc, C_REVOKED, R_OLD_EMPTY, "bob", now + 30,
	    CERTCHECK_WRONG_IDENTITY, &h, &m);
	assert_true(h == 1 && m == 3);
	cache_expect(cc, C_REVOKED, R_OLD_EMPTY, ACCOUNT, now - 10,
	    CERTCHECK_OK, &h, &m);
	assert_true(h == 1 && m == 4);
	cache_expect(cc, C_REVOKED, R_OLD_EMPTY, ACCOUNT, now + 60 * DAY,
	    CERTCHECK_REVOCATION_UNKNOWN, &h, &m);
	assert_true(h == 1 && m == 5);
	certcheck_free(cc);

	/* three entries: a CRL and two certificates; a third evicts the
	 * least recently used */
	cc = NULL;
	assert_int_equal(certcheck_new(&cfg, &cc, err, sizeof(err)), STK_OK);
	cache_expect(cc, C_GOOD, R_OLD_EMPTY, ACCOUNT, now, CERTCHECK_OK, &h,
	    &m);
	cache_expect(cc, C_CN_ONLY, R_OLD_EMPTY, ACCOUNT, now, CERTCHECK_OK,
	    &h, &m);
	cache_expect(cc, C_GOOD, R_OLD_EMPTY, ACCOUNT, now, CERTCHECK_OK, &h,
	    &m);
	assert_true(h == 1 && m == 2);
	cache_expect(cc, C_REVOKED, R_OLD_EMPTY, ACCOUNT, now, CERTCHECK_OK,
	    &h, &m);	/* evicts C_CN_ONLY */
	cache_expect(cc, C_GOOD, R_OLD_EMPTY, ACCOUNT, now, CERTCHECK_OK, &h,
	    &m);
	assert_true(h == 2 && m == 3);
	cache_expect(cc, C_CN_ONLY, R_OLD_EMPTY, ACCOUNT, now, CERTCHECK_OK,
	    &h, &m);
	assert_true(h == 2 && m == 4);
	certcheck_free(cc);
}

static void
test_tel_uri_vectors(void **state)
{
	struct vec_file *vf = vec_load("tests/vectors/server-cert/tel-uri.txt");
	char out[CERTCHECK_MSISDN_MAX + 1];
	const char *uri, *want;
	size_t i;
	int rv;

	(void)state;
	assert_true(vf->ncases >= 10);
	for (i = 0; i < vf->ncases; i++) {
		uri = vec_need(&vf->cases[i], "uri");
		want = vec_need(&vf->cases[i], "msisdn");
		rv = certcheck_tel_uri(uri, strlen(uri), out);
		if (strcmp(want, "-") == 0) {
			if (rv != STK_E_INVALID)
				print_error("line %zu: %s accepted\n",
				    vf->cases[i].line, uri);
			assert_int_equal(rv, STK_E_INVALID);
			assert_string_equal(out, "");
		} else {
			assert_int_equal(rv, STK_OK);
			assert_string_equal(out, want);
		}
	}
	vec_free(vf);
	/* Length is honoured: the URI is not NUL-terminated in a cert. */
	assert_int_equal(certcheck_tel_uri("tel:+3725", 7, out), STK_OK);
	assert_string_equal(out, "+37");
	assert_int_equal(certcheck_tel_uri(NULL, 0, out), STK_E_INVALID);
}

static void
test_msisdn_normalize(void **state)
{
	char out[CERTCHECK_MSISDN_MAX + 1];

	(void)state;
	assert_int_equal(certcheck_msisdn_normalize("372555", out), STK_OK);
	assert_string_equal(out, "+372555");
	assert_int_equal(certcheck_msisdn_normalize("+123456789012345", out),
	    STK_OK);
	assert_int_equal(certcheck_msisdn_normalize("+1234567890123456", out),
	    STK_E_INVALID);
	assert_int_equal(certcheck_msisdn_normalize("+", out), STK_E_INVALID);
	assert_int_equal(certcheck_msisdn_normalize("", out), STK_E_INVALID);
	assert_int_equal(certcheck_msisdn_normalize("++1", out), STK_E_INVALID);
	assert_int_equal(certcheck_msisdn_normalize("12a", out), STK_E_INVALID);
	assert_int_equal(certcheck_msisdn_normalize(NULL, out), STK_E_INVALID);
}

static void
test_reason_table(void **state)
{
	int i, j;

	(void)state;
	for (i = 0; i < CERTCHECK_REASON_COUNT; i++) {
		assert_true(strlen(certcheck_reason_name(i)) > 0);
		assert_true(strlen(certcheck_reason_text(i)) > 0);
		for (j = 0; j < i; j++)
			assert_string_not_equal(certcheck_reason_name(i),
			    certcheck_reason_name(j));
	}
	assert_string_equal(certcheck_reason_name(CERTCHECK_REVOKED),
	    "revoked");
	assert_string_equal(certcheck_reason_name(-1), "unknown");
	assert_string_equal(certcheck_reason_name(CERTCHECK_REASON_COUNT),
	    "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_validity),
		cmocka_unit_test(test_revoked_ldap_crl),
		cmocka_unit_test(test_revoked_crl_file),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_revocation_unknown),
		cmocka_unit_test(test_untrusted),
		cmocka_unit_test(test_key_usage),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_no_certificate_and_malformed),
		cmocka_unit_test(test_several),
		cmocka_unit_test(test_bad_crls_skipped),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_new_errors),
		cmocka_unit_test(test_tel_uri_vectors),
		cmocka_unit_test(test_msisdn_normalize),
		cmocka_unit_test(test_reason_table),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
