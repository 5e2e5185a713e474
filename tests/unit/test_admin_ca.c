/*
 * test_admin_ca.c - the CA of `stkauth-admin enroll / revoke`
 * (tools/admin/ca.c) and its secret files (tools/admin/secret.c):
 *
 *   - index.txt lines in openssl-ca's format, good and every malformed
 *     form (field count, status, dates, reason, serial, subject);
 *   - a CA made here with the OpenSSL API: the certificate ca_issue makes
 *     passes the server's own validation (server/certcheck.c) for the
 *     account and MSISDN and fails it for others; after ca_revoke +
 *     ca_crl the same check says "revoked" with the CRL ca_crl wrote;
 *     the database rows, newcerts/, crlnumber; revoking twice, unknown
 *     serials;
 *   - refusals: a CA key readable by others, a folder without index.txt,
 *     a broken index line (FILE:LINE in the message), a key that does not
 *     match the certificate;
 *   - secret files: mode 0600 required, hex keys of the exact length.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "admin.h"
#include "certcheck.h"
#include "err.h"
#include "support_tmpdir.h"

/* ---- index.txt lines ------------------------------------------------ */

static void
test_index_good(void **state)
{
	struct ca_entry e;
	const char *why;

	(void)state;
	assert_int_equal(ca_index_parse_line("V\t280101000000Z\t\t0A1B\t"
	    "unknown\t/UID=alice/CN=alice", &e, &why), STK_OK);
	assert_int_equal(e.status, 'V');
	assert_string_equal(e.expiry, "280101000000Z");
	assert_string_equal(e.revoked, "");
	assert_string_equal(e.serial, "0A1B");
	assert_string_equal(e.subject, "/UID=alice/CN=alice");
	/* revoked with a reason; lower-case serial normalised; 2050+ dates */
	assert_int_equal(ca_index_parse_line("R\t20510101000000Z\t"
	    "240101000000Z,keyCompromise\t0a1b\tunknown\t/CN=x", &e, &why),
	    STK_OK);
	assert_string_equal(e.serial, "0A1B");
	assert_string_equal(e.revoked, "240101000000Z,keyCompromise");
	assert_int_equal(ca_index_parse_line("R\t280101000000Z\t240101000000Z"
	    "\t00\tunknown\t/CN=x", &e, &why), STK_OK);
	assert_int_equal(ca_index_parse_line("E\t200101000000Z\t\t01\t"
	    "unknown\t/CN=old", &e, &why), STK_OK);
}

static void
test_index_bad(void **state)
{
	static const struct {
		const char *line, *why;
	} bad[] = {
		{ "", "expected 6 TAB-separated fields" },
		{ "V\t280101000000Z\t\t0A\tunknown", "expected 6" },
		{ "V\t280101000000Z\t\t0A\tunknown\t/CN=x\textra",
		    "more than 6 fields" },
		{ "X\t280101000000Z\t\t0A\tunknown\t/CN=x", "status" },
		{ "VV\t280101000000Z\t\t0A\tunknown\t/CN=x", "status" },
		{ "V\t2801010000Z\t\t0A\tunknown\t/CN=x", "expiry" },
		{ "V\t28010100000AZ\t\t0A\tunknown\t/CN=x", "expiry" },
		{ "V\t280101000000\t\t0A\tunknown\t/CN=x", "expiry" },
		{ "R\t280101000000Z\t\t0A\tunknown\t/CN=x", "disagree" },
		{ "V\t280101000000Z\t240101000000Z\t0A\tunknown\t/CN=x",
		    "disagree" },
		{ "R\t280101000000Z\t2401010000Z\t0A\tunknown\t/CN=x",
		    "revocation time" },
		{ "R\t280101000000Z\t240101000000Z,badReason\t0A\tunknown\t"
		    "/CN=x", "unknown revocation reason" },
		{ "R\t280101000000Z\t240101000000Z,\t0A\tunknown\t/CN=x",
		    "unknown revocation reason" },
		{ "V\t280101000000Z\t\t0A1\tunknown\t/CN=x", "serial" },
		{ "V\t280101000000Z\t\t\tunknown\t/CN=x", "serial" },
		{ "V\t280101000000Z\t\t0G\tunknown\t/CN=x", "serial" },
		{ "V\t280101000000Z\t\t0A\tunknown\t", "subject" },
		{ "V\t280101000000Z\t\t0A\tunknown\tCN=x", "subject" },
	};
	struct ca_entry e;
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_int_equal(ca_index_parse_line(bad[i].line, &e, &why),
		    STK_E_INVALID);
		assert_non_null(why);
		if (strstr(why, bad[i].why) == NULL)
			fail_msg("line %zu: '%s' does not say '%s'", i, why,
			    bad[i].why);
	}
}

/* ---- a CA made here ------------------------------------------------- */

struct fixture {
	char dir[64];
	EVP_PKEY *ca_key;
	X509 *ca_cert;
};

static void
write_file(const char *dir, const char *name, const char *text, int mode)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, (mode_t)mode), 0);
}

static void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	assert_non_null(e = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value));
	assert_int_equal(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
}

/* A CA folder as ca.sh init leaves it: ca.pem, ca.key 0600, empty
 * index.txt, crlnumber 1000, newcerts/. */
static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	X509_NAME *n;
	FILE *f;
	char path[128];

	assert_int_equal(tmpdir_make(fx->dir, sizeof(fx->dir), "admin-ca"), 0);
	snprintf(path, sizeof(path), "%s/newcerts", fx->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_non_null(fx->ca_key = EVP_RSA_gen(2048));
	assert_non_null(fx->ca_cert = X509_new());
	X509_set_version(fx->ca_cert, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(fx->ca_cert), 1);
	n = X509_get_subject_name(fx->ca_cert);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)"test CA", -1, -1, 0);
	X509_set_issuer_name(fx->ca_cert, n);
	X509_gmtime_adj(X509_getm_notBefore(fx->ca_cert), -3600);
	X509_gmtime_adj(X509_getm_notAfter(fx->ca_cert), 86400L * 3650);
	X509_set_pubkey(fx->ca_cert, fx->ca_key);
	add_ext(fx->ca_cert, fx->ca_cert, NID_basic_constraints,
	    "critical,CA:TRUE");
	add_ext(fx->ca_cert, fx->ca_cert, NID_key_usage,
	    "critical,keyCertSign,cRLSign");
	add_ext(fx->ca_cert, fx->ca_cert, NID_subject_key_identifier, "hash");
	assert_true(X509_sign(fx->ca_cert, fx->ca_key, EVP_sha256()) > 0);
	snprintf(path, sizeof(path), "%s/ca.pem", fx->dir);
	assert_non_null(f = fopen(path, "w"));
	PEM_write_X509(f, fx->ca_cert);
	fclose(f);
	snprintf(path, sizeof(path), "%s/ca.key", fx->dir);
	assert_non_null(f = fopen(path, "w"));
	PEM_write_PrivateKey(f, fx->ca_key, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	assert_int_equal(chmod(path, 0600), 0);
	write_file(fx->dir, "index.txt", "", 0600);
	write_file(fx->dir, "crlnumber", "1000\n", 0600);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	if (tmpdir_remove(fx->dir) != 0)
		return -1;
	EVP_PKEY_free(fx->ca_key);
	X509_free(fx->ca_cert);
	free(fx);
	return 0;
}

/* certcheck (the server's validation) of der with the CA and crl_file. */
static int
server_check(const struct fixture *fx, const uint8_t *der, size_t len,
    const char *crl_file, const char *account, const char *msisdn,
    int *reason)
{
	struct certcheck_config cfg;
	struct certcheck_der d = { der, len };
	struct certcheck_result res;
	struct certcheck *cc;
	char path[128], err[256];
	int rc;

	snprintf(path, sizeof(path), "%s/ca.pem", fx->dir);
	memset(&cfg, 0, sizeof(cfg));
	cfg.ca_file = path;
	cfg.crl_file = crl_file;
	cfg.require_crl = crl_file != NULL;
	assert_int_equal(certcheck_new(&cfg, &cc, err, sizeof(err)), STK_OK);
	rc = certcheck_verify(cc, &d, 1, NULL, 0, account, msisdn, 0, &res);
	*reason = res.reason;
	certcheck_result_clear(&res);
	certcheck_free(cc);
	return rc;
}

static void
test_issue_revoke_crl(void **state)
{
	struct fixture *fx = *state;
	char err[512], serial[CA_SERIAL_MAX], serial2[CA_SERIAL_MAX];
	char serials[4][CA_SERIAL_MAX], path[128], line[256];
	EVP_PKEY *user = EVP_RSA_gen(2048);
	unsigned char *der = NULL;
	uint8_t *crl = NULL;
	size_t crllen, n;
	struct ca *ca;
	X509 *x = NULL, *x2 = NULL;
	int len, reason;
	FILE *f;

	assert_non_null(user);
	assert_int_equal(ca_open(fx->dir, &ca, err, sizeof(err)), STK_OK);
	assert_int_equal(ca_issue(ca, user, "alice", "+491701234567", 30, &x,
	    serial, sizeof(serial), err, sizeof(err)), STK_OK);
	assert_int_equal(strlen(serial), 32);
	assert_true(serial[0] >= '4' && serial[0] <= '7');	/* positive */
	/* a second one for bob: another serial */
	assert_int_equal(ca_issue(ca, user, "bob", "+491700000002", 30, &x2,
	    serial2, sizeof(serial2), err, sizeof(err)), STK_OK);
	assert_string_not_equal(serial, serial2);

	/* The server accepts it for alice and her MSISDN only. */
	assert_true((len = i2d_X509(x, &der)) > 0);
	assert_int_equal(server_check(fx, der, (size_t)len, NULL, "alice",
	    "+491701234567", &reason), STK_OK);
	assert_int_equal(server_check(fx, der, (size_t)len, NULL, "bob",
	    "+491701234567", &reason), STK_E_VERIFY);
	assert_int_equal(reason, CERTCHECK_WRONG_IDENTITY);
	assert_int_equal(server_check(fx, der, (size_t)len, NULL, "alice",
	    "+491701234568", &reason), STK_E_VERIFY);
	assert_int_equal(reason, CERTCHECK_WRONG_IDENTITY);

	/* The database: two V rows, alice's found by UID. */
	assert_int_equal(ca_valid_serials(ca, "alice", serials, 4, &n), STK_OK);
	assert_int_equal(n, 1);
	assert_string_equal(serials[0], serial);
	assert_int_equal(ca_valid_serials(ca, "alic", serials, 4, &n), STK_OK);
	assert_int_equal(n, 0);
	snprintf(path, sizeof(path), "%s/newcerts/%s.pem", fx->dir, serial);
	assert_int_equal(access(path, R_OK), 0);

	/* Revoke: the CRL lists it; the server says "revoked". */
	assert_int_equal(ca_revoke(ca, serial, "keyCompromise", err,
	    sizeof(err)), STK_OK);
	assert_int_equal(ca_revoke(ca, serial, "keyCompromise", err,
	    sizeof(err)), STK_E_STATE);
	assert_int_equal(ca_revoke(ca, "0ABC", "unspecified", err,
	    sizeof(err)), STK_E_NOT_FOUND);
	assert_int_equal(ca_revoke(ca, serial2, "nonsense", err, sizeof(err)),
	    STK_E_ARG);
	assert_int_equal(ca_valid_serials(ca, "alice", serials, 4, &n), STK_OK);
	assert_int_equal(n, 0);
	assert_int_equal(ca_crl(ca, 7, &crl, &crllen, err, sizeof(err)),
	    STK_OK);
	assert_true(crllen > 100);
	snprintf(path, sizeof(path), "%s/crl.pem", fx->dir);
	assert_int_equal(server_check(fx, der, (size_t)len, path, "alice",
	    "+491701234567", &reason), STK_E_VERIFY);
	assert_int_equal(reason, CERTCHECK_REVOKED);
	/* bob's is still good with the same CRL */
	OPENSSL_free(der);
	der = NULL;
	assert_true((len = i2d_X509(x2, &der)) > 0);
	assert_int_equal(server_check(fx, der, (size_t)len, path, "bob",
	    "+491700000002", &reason), STK_OK);
	/* crlnumber moved on (hex, as openssl ca keeps it) */
	snprintf(path, sizeof(path), "%s/crlnumber", fx->dir);
	assert_non_null(f = fopen(path, "r"));
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	assert_string_equal(line, "1001\n");
	ca_close(ca);

	/* Reopened: the rows were saved (R with the reason, V for bob). */
	assert_int_equal(ca_open(fx->dir, &ca, err, sizeof(err)), STK_OK);
	assert_int_equal(ca_valid_serials(ca, "bob", serials, 4, &n), STK_OK);
	assert_int_equal(n, 1);
	assert_int_equal(ca_valid_serials(ca, "alice", serials, 4, &n), STK_OK);
	assert_int_equal(n, 0);
	assert_int_equal(ca_revoke(ca, serial, "unspecified", err,
	    sizeof(err)), STK_E_STATE);
	ca_close(ca);

	OPENSSL_free(der);
	OPENSSL_free(crl);
	X509_free(x);
	X509_free(x2);
	EVP_PKEY_free(user);
}

static void
test_ca_refusals(void **state)
{
	struct fixture *fx = *state;
	char err[512], path[128];
	struct ca *ca = NULL;

	assert_int_equal(ca_open("", &ca, err, sizeof(err)), STK_E_ARG);
	assert_int_equal(ca_open("/nonexistent/ca", &ca, err, sizeof(err)),
	    STK_E_NOT_FOUND);
	assert_null(ca);

	/* a CA key others may read */
	snprintf(path, sizeof(path), "%s/ca.key", fx->dir);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(ca_open(fx->dir, &ca, err, sizeof(err)),
	    STK_E_INVALID);
	assert_non_null(strstr(err, "chmod 600"));
	assert_int_equal(chmod(path, 0600), 0);

	/* a broken index line: FILE:LINE */
	write_file(fx->dir, "index.txt", "V\t280101000000Z\t\t0A\tunknown\t"
	    "/CN=a\nV\t2801\t\t0B\tunknown\t/CN=b\n", 0600);
	assert_int_equal(ca_open(fx->dir, &ca, err, sizeof(err)),
	    STK_E_INVALID);
	assert_non_null(strstr(err, "index.txt:2: bad expiry time"));
	write_file(fx->dir, "index.txt", "V\t280101000000Z\t\t0A\tunknown\t"
	    "/CN=a", 0600);		/* no final newline */
	assert_int_equal(ca_open(fx->dir, &ca, err, sizeof(err)),
	    STK_E_INVALID);
	write_file(fx->dir, "index.txt", "", 0600);

	/* no index at all */
	snprintf(path, sizeof(path), "%s/index.txt", fx->dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(ca_open(fx->dir, &ca, err, sizeof(err)),
	    STK_E_NOT_FOUND);
	write_file(fx->dir, "index.txt", "", 0600);

	/* a key that is not the certificate's */
	{
		EVP_PKEY *other = EVP_RSA_gen(2048);
		FILE *f;

		snprintf(path, sizeof(path), "%s/ca.key", fx->dir);
		assert_non_null(f = fopen(path, "w"));
		PEM_write_PrivateKey(f, other, NULL, NULL, 0, NULL, NULL);
		fclose(f);
		EVP_PKEY_free(other);
		assert_int_equal(ca_open(fx->dir, &ca, err, sizeof(err)),
		    STK_E_CRYPTO);
		assert_non_null(strstr(err, "does not belong"));
	}
	assert_null(ca);
}

/* ---- secret files ---------------------------------------------------- */

static void
test_secret_files(void **state)
{
	struct fixture *fx = *state;
	uint8_t key[16];
	char path[128], line[16];
	const char *why;
	size_t n;

	snprintf(path, sizeof(path), "%s/k", fx->dir);
	write_file(fx->dir, "k", "000102030405060708090a0b0c0d0e0f\n", 0600);
	assert_int_equal(secret_file_hex(path, key, sizeof(key), &why), STK_OK);
	assert_int_equal(key[0], 0x00);
	assert_int_equal(key[15], 0x0f);
	write_file(fx->dir, "k", "000102030405060708090a0b0c0d0e0f\n", 0640);
	assert_int_equal(secret_file_hex(path, key, sizeof(key), &why),
	    STK_E_INVALID);
	assert_non_null(strstr(why, "chmod 600"));
	write_file(fx->dir, "k", "000102030405060708090a0b0c0d0e\n", 0600);
	assert_int_equal(secret_file_hex(path, key, sizeof(key), &why),
	    STK_E_INVALID);
	assert_string_equal(why, "wrong key length");
	write_file(fx->dir, "k", "00010203040506070809zz0b0c0d0e0f\n", 0600);
	assert_int_equal(secret_file_hex(path, key, sizeof(key), &why),
	    STK_E_INVALID);
	assert_string_equal(why, "not hexadecimal");
	write_file(fx->dir, "k", "\n", 0600);
	assert_int_equal(secret_file_line(path, line, sizeof(line), &n, &why),
	    STK_E_INVALID);
	assert_string_equal(why, "empty");
	write_file(fx->dir, "k", "1234\r\nrest", 0600);
	assert_int_equal(secret_file_line(path, line, sizeof(line), &n, &why),
	    STK_OK);
	assert_string_equal(line, "1234");
	assert_int_equal(n, 4);
	write_file(fx->dir, "k", "12345678901234567890\n", 0600);
	assert_int_equal(secret_file_line(path, line, sizeof(line), &n, &why),
	    STK_E_TOO_LONG);
	snprintf(path, sizeof(path), "%s/missing", fx->dir);
	assert_int_equal(secret_file_line(path, line, sizeof(line), &n, &why),
	    STK_E_NOT_FOUND);
	assert_int_equal(secret_file_line(fx->dir, line, sizeof(line), &n,
	    &why), STK_E_INVALID);	/* a folder */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index_good),
		cmocka_unit_test(test_index_bad),
		cmocka_unit_test_setup_teardown(test_issue_revoke_crl, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ca_refusals, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_secret_files, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
