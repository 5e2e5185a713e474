/*
 * test_authsig.c - authentication password, signing and verification over
 * the stkauth messages (lib/authsig.h, docs/PROTOCOL.md §6, §7).
 * Vectors and test keys: tests/vectors/authmsg/.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/pem.h>

#include "authmsg.h"
#include "authsig.h"
#include "bytes.h"
#include "err.h"
#include "support_vectors.h"

#define VDIR	"tests/vectors/authmsg/"
#define VECTORS	VDIR "messages.txt"

static const uint8_t iccid_ok[STK_AUTH_ICCID_LEN] = {
	0x98, 0x44, 0x01, 0x00, 0x00, 0x00, 0x10, 0x32, 0x54, 0xf6
};

static FILE *
open_src(const char *rel)
{
	const char *root = getenv("STKAUTH_SRCDIR");
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root ? root : ".", rel);
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	return f;
}

static EVP_PKEY *
load_priv(const char *rel)
{
	FILE *f = open_src(rel);
	EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);

	fclose(f);
	assert_non_null(k);
	return k;
}

static EVP_PKEY *
load_pub(const char *rel)
{
	FILE *f = open_src(rel);
	EVP_PKEY *k = PEM_read_PUBKEY(f, NULL, NULL, NULL);

	fclose(f);
	assert_non_null(k);
	return k;
}

static X509 *
load_cert(const char *rel)
{
	FILE *f = open_src(rel);
	X509 *c = PEM_read_X509(f, NULL, NULL, NULL);

	fclose(f);
	assert_non_null(c);
	return c;
}

/* The pair (request, response) of vector case name. */
struct pair {
	struct stk_auth_request req;
	struct stk_auth_response resp;
	char pub[256];
	char priv[256];
	char password[16];
	uint8_t key[64];
	size_t keylen;
	uint8_t dtbs[STK_AUTH_DTBS_MAX_LEN];
	size_t dtbs_len;
	int deterministic;
};

static void
load_pair(const char *name, struct pair *p)
{
	struct vec_file *vf = vec_load(VECTORS);
	const struct vec_case *vc = NULL;
	uint8_t *b;
	size_t n;

	for (size_t i = 0; i < vf->ncases; i++)
		if (strcmp(vec_need(&vf->cases[i], "name"), name) == 0)
			vc = &vf->cases[i];
	assert_non_null(vc);
	memset(p, 0, sizeof(*p));
	b = vec_hex(vc, "request", &n);
	assert_int_equal(stk_auth_request_decode(b, n, &p->req, NULL), STK_OK);
	free(b);
	b = vec_hex(vc, "hex", &n);
	assert_int_equal(stk_auth_response_decode(b, n, &p->resp, NULL),
	    STK_OK);
	free(b);
	b = vec_hex(vc, "k-auth-card", &n);
	assert_true(n <= sizeof(p->key));
	memcpy(p->key, b, n);
	p->keylen = n;
	free(b);
	b = vec_hex(vc, "dtbs", &n);
	assert_true(n <= sizeof(p->dtbs));
	memcpy(p->dtbs, b, n);
	p->dtbs_len = n;
	free(b);
	snprintf(p->pub, sizeof(p->pub), "%s", vec_need(vc, "public-key"));
	snprintf(p->priv, sizeof(p->priv), "%s", vec_need(vc, "private-key"));
	snprintf(p->password, sizeof(p->password), "%s",
	    vec_need(vc, "password"));
	p->deterministic = atoi(vec_need(vc, "deterministic"));
	vec_free(vf);
}

static const char *const pair_names[] = {
	"response-rsa-pkcs1", "response-rsa-pss", "response-ecdsa-p256",
};

/* ---- password ---------------------------------------------------------- */

static void
test_password_vector(void **state)
{
	struct pair p;
	char pw[STK_AUTH_PASSWORD_DIGITS + 1];

	(void)state;
	load_pair("response-rsa-pkcs1", &p);
	assert_int_equal(stk_auth_password_derive(p.key, p.keylen, &p.req, pw),
	    STK_OK);
	/* 14255179, cross-checked with Python hmac (see the vector file) */
	assert_string_equal(pw, p.password);
	assert_string_equal(pw, "14255179");
	assert_int_equal(stk_auth_password_check(p.key, p.keylen, &p.req,
	    p.resp.password, p.resp.password_len), STK_OK);
}

static void
test_password_mismatches(void **state)
{
	struct pair p;
	struct stk_auth_request r;
	char pw[STK_AUTH_PASSWORD_DIGITS + 1];

	(void)state;
	load_pair("response-rsa-pkcs1", &p);
	/* a wrong digit, a wrong length */
	assert_int_equal(stk_auth_password_check(p.key, p.keylen, &p.req,
	    "14255178", 8), STK_E_VERIFY);
	assert_int_equal(stk_auth_password_check(p.key, p.keylen, &p.req,
	    "1425517", 7), STK_E_VERIFY);
	assert_int_equal(stk_auth_password_check(p.key, p.keylen, &p.req,
	    "142551790", 9), STK_E_VERIFY);
	/* another card key */
	p.key[0] ^= 1;
	assert_int_equal(stk_auth_password_check(p.key, p.keylen, &p.req,
	    "14255179", 8), STK_E_VERIFY);
	p.key[0] ^= 1;
	/* each input of the derivation changes the password */
	r = p.req;
	r.session_id[0] ^= 1;
	assert_int_equal(stk_auth_password_check(p.key, p.keylen, &r,
	    "14255179", 8), STK_E_VERIFY);
	r = p.req;
	r.nonce[15] ^= 1;
	assert_int_equal(stk_auth_password_check(p.key, p.keylen, &r,
	    "14255179", 8), STK_E_VERIFY);
	r = p.req;
	r.ticket[5] = 'Y';
	assert_int_equal(stk_auth_password_check(p.key, p.keylen, &r,
	    "14255179", 8), STK_E_VERIFY);
	/* key length limits */
	assert_int_equal(stk_auth_password_derive(p.key, 15, &p.req, pw),
	    STK_E_ARG);
	assert_int_equal(stk_auth_password_derive(p.key, 65, &p.req, pw),
	    STK_E_ARG);
	assert_int_equal(stk_auth_password_derive(p.key, 16, &p.req, pw),
	    STK_OK);
	assert_int_equal(strlen(pw), 8);
	assert_int_equal(stk_auth_password_check(p.key, 15, &p.req,
	    "14255179", 8), STK_E_ARG);
}

/* ---- signatures ---------------------------------------------------------- */

static void
test_vectors_verify(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(pair_names) / sizeof(pair_names[0]);
	    i++) {
		struct pair p;
		EVP_PKEY *pub;

		load_pair(pair_names[i], &p);
		pub = load_pub(p.pub);
		assert_int_equal(stk_auth_verify(&p.req, &p.resp, iccid_ok,
		    pub), STK_OK);
		assert_int_equal(stk_auth_verify_data(p.resp.sig_alg, pub,
		    p.dtbs, p.dtbs_len, p.resp.sig, p.resp.sig_len), STK_OK);
		EVP_PKEY_free(pub);
	}
}

static void
test_pkcs1_is_deterministic(void **state)
{
	struct pair p;
	struct stk_auth_response r;
	EVP_PKEY *key;

	(void)state;
	load_pair("response-rsa-pkcs1", &p);
	assert_int_equal(p.deterministic, 1);
	key = load_priv(p.priv);
	r = p.resp;
	memset(r.sig, 0, sizeof(r.sig));
	r.sig_len = 0;
	assert_int_equal(stk_auth_sign(&p.req, &r, key), STK_OK);
	assert_int_equal(r.sig_len, 256);
	assert_memory_equal(r.sig, p.resp.sig, 256);
	EVP_PKEY_free(key);
}

static void
test_sign_verify_each_alg(void **state)
{
	static const struct {
		uint8_t alg;
		const char *priv, *pub;
		uint16_t len;
	} t[] = {
		{ STK_AUTH_SIG_RSA_PKCS1, VDIR "rsa2048_test_key.pem",
		  VDIR "rsa2048_test_pub.pem", 256 },
		{ STK_AUTH_SIG_RSA_PSS, VDIR "rsa2048_test_key.pem",
		  VDIR "rsa2048_test_pub.pem", 256 },
		{ STK_AUTH_SIG_ECDSA_P256, VDIR "p256_test_key.pem",
		  VDIR "p256_test_pub.pem", 64 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct pair p;
		struct stk_auth_response r, back;
		struct stk_buf b;
		EVP_PKEY *key = load_priv(t[i].priv);
		EVP_PKEY *pub = load_pub(t[i].pub);

		load_pair("response-rsa-pkcs1", &p);
		r = p.resp;
		r.sig_alg = t[i].alg;
		assert_int_equal(stk_auth_sign(&p.req, &r, key), STK_OK);
		assert_int_equal(r.sig_len, t[i].len);
		/* through the wire and back */
		stk_buf_init(&b);
		assert_int_equal(stk_auth_response_encode(&r, &b), STK_OK);
		assert_int_equal(stk_auth_response_decode(stk_buf_data(&b),
		    stk_buf_len(&b), &back, NULL), STK_OK);
		stk_buf_free(&b);
		assert_int_equal(stk_auth_verify(&p.req, &back, iccid_ok, pub),
		    STK_OK);
		/* a signed rejection verifies too */
		r.decision = STK_AUTH_REJECTED;
		r.password_len = 0;
		r.password[0] = '\0';
		assert_int_equal(stk_auth_sign(&p.req, &r, key), STK_OK);
		assert_int_equal(stk_auth_verify(&p.req, &r, iccid_ok, pub),
		    STK_OK);
		/* and cannot be turned into a confirmation */
		r.decision = STK_AUTH_CONFIRMED;
		r.password_len = 8;
		memcpy(r.password, "14255179", 9);
		assert_int_equal(stk_auth_verify(&p.req, &r, iccid_ok, pub),
		    STK_E_VERIFY);
		EVP_PKEY_free(key);
		EVP_PKEY_free(pub);
	}
}

/*
 * Every field the DTBS binds, changed on the verifier's side, makes the
 * vector signature fail: for each algorithm.
 */
static void
test_tampered_fields_fail(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(pair_names) / sizeof(pair_names[0]);
	    i++) {
		struct pair p;
		struct stk_auth_request rq;
		struct stk_auth_response rs;
		uint8_t other_iccid[STK_AUTH_ICCID_LEN];
		EVP_PKEY *pub;

		load_pair(pair_names[i], &p);
		pub = load_pub(p.pub);

		/* session identifier (changed on both sides, consistently) */
		rq = p.req;
		rs = p.resp;
		rq.session_id[3] ^= 0x40;
		rs.session_id[3] ^= 0x40;
		assert_int_equal(stk_auth_verify(&rq, &rs, iccid_ok, pub),
		    STK_E_VERIFY);
		/* only on one side: not even the same session */
		rs = p.resp;
		assert_int_equal(stk_auth_verify(&rq, &rs, iccid_ok, pub),
		    STK_E_INCONSISTENT);
		/* nonce */
		rq = p.req;
		rq.nonce[0] ^= 1;
		assert_int_equal(stk_auth_verify(&rq, &p.resp, iccid_ok, pub),
		    STK_E_VERIFY);
		/* ticket */
		rq = p.req;
		rq.ticket[0] = rq.ticket[0] == 'A' ? 'B' : 'A';
		assert_int_equal(stk_auth_verify(&rq, &p.resp, iccid_ok, pub),
		    STK_E_VERIFY);
		/* service name: text and coding */
		rq = p.req;
		rq.service[rq.service_len - 1] ^= 0x01;
		assert_int_equal(stk_auth_verify(&rq, &p.resp, iccid_ok, pub),
		    STK_E_VERIFY);
		/* the same octets under the other coding (both vectors'
		 * texts are valid either way) */
		rq = p.req;
		rq.service_coding = rq.service_coding == STK_AUTH_TEXT_GSM7 ?
		    STK_AUTH_TEXT_UCS2 : STK_AUTH_TEXT_GSM7;
		{
			struct stk_buf tmp;

			stk_buf_init(&tmp);
			assert_int_equal(stk_auth_request_encode(&rq, &tmp),
			    STK_OK);
			stk_buf_free(&tmp);
		}
		assert_int_equal(stk_auth_verify(&rq, &p.resp, iccid_ok, pub),
		    STK_E_VERIFY);
		/* ICCID: the enrolment says another card */
		memcpy(other_iccid, iccid_ok, sizeof(other_iccid));
		other_iccid[5] ^= 0x01;
		assert_int_equal(stk_auth_verify(&p.req, &p.resp, other_iccid,
		    pub), STK_E_VERIFY);
		/* ... and the response is edited to claim that card */
		rs = p.resp;
		memcpy(rs.iccid, other_iccid, sizeof(other_iccid));
		assert_int_equal(stk_auth_verify(&p.req, &rs, other_iccid, pub),
		    STK_E_VERIFY);
		/* decision: confirmed -> timeout */
		rs = p.resp;
		rs.decision = STK_AUTH_TIMEOUT;
		rs.password_len = 0;
		assert_int_equal(stk_auth_verify(&p.req, &rs, iccid_ok, pub),
		    STK_E_VERIFY);
		/* password */
		rs = p.resp;
		rs.password[7] = rs.password[7] == '0' ? '1' : '0';
		assert_int_equal(stk_auth_verify(&p.req, &rs, iccid_ok, pub),
		    STK_E_VERIFY);
		/* signature octets: first, last */
		rs = p.resp;
		rs.sig[0] ^= 0x01;
		assert_int_equal(stk_auth_verify(&p.req, &rs, iccid_ok, pub),
		    STK_E_VERIFY);
		rs = p.resp;
		rs.sig[rs.sig_len - 1] ^= 0x80;
		assert_int_equal(stk_auth_verify(&p.req, &rs, iccid_ok, pub),
		    STK_E_VERIFY);
		/* unsigned */
		rs = p.resp;
		rs.sig_alg = STK_AUTH_SIG_NONE;
		rs.sig_len = 0;
		assert_int_equal(stk_auth_verify(&p.req, &rs, iccid_ok, pub),
		    STK_E_VERIFY);
		EVP_PKEY_free(pub);
	}
}

/* The algorithm octet is bound: PKCS#1 <-> PSS relabelling fails. */
static void
test_alg_relabel_fails(void **state)
{
	struct pair p;
	struct stk_auth_response rs;
	EVP_PKEY *pub, *ec;

	(void)state;
	load_pair("response-rsa-pkcs1", &p);
	pub = load_pub(p.pub);
	rs = p.resp;
	rs.sig_alg = STK_AUTH_SIG_RSA_PSS;
	assert_int_equal(stk_auth_verify(&p.req, &rs, iccid_ok, pub),
	    STK_E_VERIFY);
	/* even over the DTBS the signer used (alg octet 01), PSS fails */
	assert_int_equal(stk_auth_verify_data(STK_AUTH_SIG_RSA_PSS, pub,
	    p.dtbs, p.dtbs_len, p.resp.sig, p.resp.sig_len), STK_E_VERIFY);
	/* an EC key cannot verify an RSA algorithm, nor the reverse */
	ec = load_pub(VDIR "p256_test_pub.pem");
	assert_int_equal(stk_auth_verify(&p.req, &p.resp, iccid_ok, ec),
	    STK_E_VERIFY);
	EVP_PKEY_free(ec);
	load_pair("response-ecdsa-p256", &p);
	assert_int_equal(stk_auth_verify(&p.req, &p.resp, iccid_ok, pub),
	    STK_E_VERIFY);
	EVP_PKEY_free(pub);
}

static void
test_ecdsa_malformed(void **state)
{
	struct pair p;
	struct stk_auth_response rs;
	EVP_PKEY *pub;
	/* the order n of P-256 (FIPS 186-4 §D.1.2.3) */
	static const uint8_t n[32] = {
		0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
		0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
	};

	(void)state;
	load_pair("response-ecdsa-p256", &p);
	pub = load_pub(p.pub);
	rs = p.resp;
	memset(rs.sig, 0, 32);			/* r = 0 */
	assert_int_equal(stk_auth_verify(&p.req, &rs, iccid_ok, pub),
	    STK_E_VERIFY);
	rs = p.resp;
	memset(rs.sig + 32, 0, 32);		/* s = 0 */
	assert_int_equal(stk_auth_verify(&p.req, &rs, iccid_ok, pub),
	    STK_E_VERIFY);
	rs = p.resp;
	memcpy(rs.sig + 32, n, 32);		/* s = n */
	assert_int_equal(stk_auth_verify(&p.req, &rs, iccid_ok, pub),
	    STK_E_VERIFY);
	rs = p.resp;
	memset(rs.sig, 0xff, 64);		/* r, s > n */
	assert_int_equal(stk_auth_verify(&p.req, &rs, iccid_ok, pub),
	    STK_E_VERIFY);
	/* a length other than 64 */
	assert_int_equal(stk_auth_verify_data(STK_AUTH_SIG_ECDSA_P256, pub,
	    p.dtbs, p.dtbs_len, p.resp.sig, 63), STK_E_VERIFY);
	/* the high-s twin (n - s) of a valid signature is also valid ECDSA:
	 * we do not claim non-malleability; the DTBS binds the session */
	EVP_PKEY_free(pub);
}

static void
test_rsa_wrong_length(void **state)
{
	struct pair p;
	EVP_PKEY *pub;
	uint8_t big[257];

	(void)state;
	load_pair("response-rsa-pkcs1", &p);
	pub = load_pub(p.pub);
	assert_int_equal(stk_auth_verify_data(STK_AUTH_SIG_RSA_PKCS1, pub,
	    p.dtbs, p.dtbs_len, p.resp.sig, 255), STK_E_VERIFY);
	big[0] = 0;
	memcpy(big + 1, p.resp.sig, 256);
	assert_int_equal(stk_auth_verify_data(STK_AUTH_SIG_RSA_PKCS1, pub,
	    p.dtbs, p.dtbs_len, big, 257), STK_E_VERIFY);
	/* unknown algorithm */
	assert_int_equal(stk_auth_verify_data(7, pub, p.dtbs, p.dtbs_len,
	    p.resp.sig, 256), STK_E_VERIFY);
	EVP_PKEY_free(pub);
}

static void
test_sign_refuses_wrong_key(void **state)
{
	struct pair p;
	struct stk_auth_response rs;
	EVP_PKEY *ec, *rsa;
	uint8_t sig[STK_AUTH_SIG_MAX];
	uint16_t n = 0;

	(void)state;
	load_pair("response-rsa-pkcs1", &p);
	ec = load_priv(VDIR "p256_test_key.pem");
	rsa = load_priv(VDIR "rsa2048_test_key.pem");
	rs = p.resp;
	assert_int_equal(stk_auth_sign(&p.req, &rs, ec), STK_E_ARG);
	rs.sig_alg = STK_AUTH_SIG_ECDSA_P256;
	assert_int_equal(stk_auth_sign(&p.req, &rs, rsa), STK_E_ARG);
	assert_int_equal(stk_auth_sign_data(STK_AUTH_SIG_NONE, rsa, p.dtbs,
	    p.dtbs_len, sig, &n), STK_E_ARG);
	/* a DTBS that cannot be built is not signed */
	rs = p.resp;
	rs.session_id[0] ^= 1;
	assert_int_equal(stk_auth_sign(&p.req, &rs, rsa), STK_E_INCONSISTENT);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(rsa);
}

static void
test_verify_with_certificate(void **state)
{
	struct pair p;
	struct stk_auth_response rs;
	X509 *cert;

	(void)state;
	load_pair("response-rsa-pkcs1", &p);
	cert = load_cert(VDIR "rsa2048_test_cert.pem");
	assert_int_equal(stk_auth_verify_cert(&p.req, &p.resp, iccid_ok, cert),
	    STK_OK);
	rs = p.resp;
	rs.sig[100] ^= 0x10;
	assert_int_equal(stk_auth_verify_cert(&p.req, &rs, iccid_ok, cert),
	    STK_E_VERIFY);
	assert_int_equal(stk_auth_verify_cert(&p.req, &p.resp, iccid_ok, NULL),
	    STK_E_ARG);
	X509_free(cert);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_password_vector),
		cmocka_unit_test(test_password_mismatches),
		cmocka_unit_test(test_vectors_verify),
		cmocka_unit_test(test_pkcs1_is_deterministic),
		cmocka_unit_test(test_sign_verify_each_alg),
		cmocka_unit_test(test_tampered_fields_fail),
		cmocka_unit_test(test_alg_relabel_fails),
		cmocka_unit_test(test_ecdsa_malformed),
		cmocka_unit_test(test_rsa_wrong_length),
		cmocka_unit_test(test_sign_refuses_wrong_key),
		cmocka_unit_test(test_verify_with_certificate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
