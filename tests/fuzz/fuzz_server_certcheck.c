/*
 * fuzz_server_certcheck.c - what a directory entry can make the server
 * read: the input is tried as a user certificate (DER) and as a CRL
 * (DER) through certcheck_verify, as a subjectAltName tel URI, and as an
 * LDAP assertion value through the RFC 4515 escaping.  The trusted CA is
 * made once at start-up (EC P-256, in a temporary file).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certcheck.h"
#include "err.h"
#include "ldapdir.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct certcheck *cc;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct certcheck_config cfg = { 0 };
	char path[] = "/tmp/stkauth-fuzz-ca-XXXXXX";
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *n;
	FILE *f;
	int fd;

	(void)argc;
	(void)argv;
	if (key == NULL || x == NULL)
		abort();
	n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_NID(n, NID_commonName, MBSTRING_UTF8,
	    (const unsigned char *)"fuzz CA", -1, -1, 0);
	X509_set_issuer_name(x, n);
	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -86400);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 3650);
	X509_set_pubkey(x, key);
	X509_sign(x, key, EVP_sha256());
	if ((fd = mkstemp(path)) < 0 || (f = fdopen(fd, "w")) == NULL)
		abort();
	PEM_write_X509(f, x);
	fclose(f);
	cfg.ca_file = path;
	cfg.require_crl = false;
	if (certcheck_new(&cfg, &cc, NULL, 0) != STK_OK)
		abort();
	unlink(path);
	X509_free(x);
	EVP_PKEY_free(key);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct certcheck_der cert = { data, size };
	struct certcheck_result res;
	char out[CERTCHECK_MSISDN_MAX + 1];
	struct stk_buf b;

	certcheck_verify(cc, &cert, 1, &cert, 1, "alice", "+37255500001", 0,
	    &res);
	certcheck_result_clear(&res);
	certcheck_tel_uri((const char *)data, size, out);
	stk_buf_init(&b);
	ldapdir_filter_escape(&b, data, size);
	stk_buf_free(&b);
	return 0;
}
