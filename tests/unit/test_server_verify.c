/*
 * test_server_verify.c - the checks of an auth response (server/verify.c)
 * with the vectors of tests/vectors/authmsg/messages.txt (request-gsm7,
 * response-rsa-pkcs1: K_auth 00..1F, ICCID 8944100000000123456) and a
 * test double for the certificate source; and the worker pool handing
 * tasks back to an event loop.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <event2/event.h>
#include <openssl/pem.h>

#include "err.h"
#include "hex.h"
#include "log.h"
#include "server.h"
#include "support_vectors.h"

/* ---- the certificate source double ---------------------------------- */

struct dbl {
	int mode;		/* STK_OK or the error fetch returns */
	unsigned calls;
	X509 *cert;
};

static int
dbl_fetch(struct cert_source *cs, const char *account, const char *msisdn,
    int64_t at, X509 **cert, char *reason, size_t reasonsz)
{
	struct dbl *d = cs->priv;

	(void)at;
	assert_string_equal(account, "alice");
	assert_string_equal(msisdn, "+37255500001");
	d->calls++;
	snprintf(reason, reasonsz, "double: %s", stk_errname(d->mode));
	if (d->mode != STK_OK)
		return d->mode;
	X509_up_ref(d->cert);
	*cert = d->cert;
	return STK_OK;
}

static void
dbl_free(struct cert_source *cs)
{
	(void)cs;
}

static struct dbl dbl;
static struct cert_source src = { .name = "double", .fetch = dbl_fetch,
    .free = dbl_free, .priv = &dbl };

/* ---- fixtures ------------------------------------------------------- */

static struct vec_file *vf;
static const struct vec_case *vreq, *vrsa, *vecdsa;

static const struct vec_case *
find(const char *name)
{
	for (size_t i = 0; i < vf->ncases; i++)
		if (strcmp(vec_get(&vf->cases[i], "name"), name) == 0)
			return &vf->cases[i];
	fail_msg("vector %s missing", name);
	return NULL;
}

static int
setup(void **state)
{
	FILE *f;

	(void)state;
	stk_log_set_level(STK_LOG_ERROR);
	vf = vec_load("tests/vectors/authmsg/messages.txt");
	vreq = find("request-gsm7");
	vrsa = find("response-rsa-pkcs1");
	vecdsa = find("response-ecdsa-p256");
	f = fopen("tests/vectors/authmsg/rsa2048_test_cert.pem", "r");
	assert_non_null(f);
	dbl.cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(dbl.cert);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	X509_free(dbl.cert);
	vec_free(vf);
	return 0;
}

/* A task as bridge.c builds it, from the vectors. */
static struct verify_task *
mktask(const struct vec_case *resp)
{
	struct verify_task *t = calloc(1, sizeof(*t));
	uint8_t *p;
	size_t n;

	assert_non_null(t);
	p = vec_hex(vreq, "hex", &n);
	assert_int_equal(stk_auth_request_decode(p, n, &t->req, NULL), STK_OK);
	free(p);
	p = vec_hex(resp, "hex", &n);
	assert_int_equal(stk_auth_response_decode(p, n, &t->resp, NULL),
	    STK_OK);
	free(p);
	p = vec_hex(vrsa, "k-auth-card", &n);
	memcpy(t->kauth, p, n);
	t->kauth_len = n;
	free(p);
	assert_int_equal(iccid_to_ef("8944100000000123456", t->iccid_ef),
	    STK_OK);
	snprintf(t->session_id, sizeof(t->session_id), "5A1C3E779012ABCD");
	snprintf(t->account, sizeof(t->account), "alice");
	snprintf(t->msisdn, sizeof(t->msisdn), "+37255500001");
	/* ten seconds before the vector's EXPIRY */
	t->now = ((int64_t)t->req.expiry_utc - 10) * 1000;
	dbl.mode = STK_OK;
	dbl.calls = 0;
	return t;
}

static void
expect(struct verify_task *t, int result, const char *reason_part)
{
	verify_run(t, &src);
	if (t->result != result || strstr(t->reason, reason_part) == NULL)
		fail_msg("got %s (%s), want %s (%s)", srv_result_name(t->result),
		    t->reason, srv_result_name(result), reason_part);
}

static void
test_ok(void **state)
{
	struct verify_task *t = mktask(vrsa);

	(void)state;
	expect(t, SRV_RES_OK, "verified");
	assert_int_equal(dbl.calls, 1);
	/* the certificate kept for the API answer is the source's */
	assert_non_null(t->cert_der);
	assert_int_equal(t->cert_der_len, (size_t)i2d_X509(dbl.cert, NULL));
	verify_task_free(t);
}

static void
test_expired(void **state)
{
	struct verify_task *t = mktask(vrsa);

	(void)state;
	t->now = ((int64_t)t->req.expiry_utc + 1) * 1000;
	expect(t, SRV_RES_TIMEOUT, "expiry");
	assert_int_equal(dbl.calls, 0);
	verify_task_free(t);
}

static void
test_password(void **state)
{
	struct verify_task *t = mktask(vrsa);

	(void)state;
	t->kauth[0] ^= 1;	/* the server's K_auth is not the card's */
	expect(t, SRV_RES_SIGNATURE_INVALID, "password mismatch");
	verify_task_free(t);
	t = mktask(vrsa);
	t->resp.password[7] = t->resp.password[7] == '0' ? '1' : '0';
	expect(t, SRV_RES_SIGNATURE_INVALID, "password mismatch");
	verify_task_free(t);
}

static void
test_enrolled_iccid(void **state)
{
	struct verify_task *t = mktask(vrsa);

	(void)state;
	assert_int_equal(iccid_to_ef("8944100000000123464", t->iccid_ef),
	    STK_OK);
	expect(t, SRV_RES_SIGNATURE_INVALID, "another card");
	verify_task_free(t);
}

static void
test_session_mismatch(void **state)
{
	struct verify_task *t = mktask(vrsa);

	(void)state;
	t->req.session_id[0] ^= 1;
	expect(t, SRV_RES_SIGNATURE_INVALID, "session identifier");
	verify_task_free(t);
}

static void
test_cert_source_failures(void **state)
{
	static const struct { int mode, result; } c[] = {
		{ STK_E_NOT_FOUND, SRV_RES_CERT_INVALID },
		{ STK_E_VERIFY, SRV_RES_CERT_INVALID },
		{ STK_E_IO, SRV_RES_INTERNAL_ERROR },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct verify_task *t = mktask(vrsa);

		dbl.mode = c[i].mode;
		expect(t, c[i].result, stk_errname(c[i].mode));
		assert_null(t->cert_der);
		verify_task_free(t);
	}
}

static void
test_signature(void **state)
{
	struct verify_task *t = mktask(vrsa);

	(void)state;
	t->resp.sig[100] ^= 0x10;
	expect(t, SRV_RES_SIGNATURE_INVALID, "signature");
	verify_task_free(t);
	/* an ECDSA signature against the RSA certificate */
	t = mktask(vecdsa);
	expect(t, SRV_RES_SIGNATURE_INVALID, "signature");
	verify_task_free(t);
}

static void
test_negative_decisions(void **state)
{
	struct verify_task *t = mktask(vrsa);

	(void)state;
	/* unsigned rejection: advisory, no certificate needed */
	t->resp.decision = STK_AUTH_REJECTED;
	t->resp.password_len = 0;
	t->resp.password[0] = '\0';
	t->resp.sig_alg = STK_AUTH_SIG_NONE;
	t->resp.sig_len = 0;
	expect(t, SRV_RES_USER_REFUSED, "advisory");
	assert_int_equal(dbl.calls, 0);
	verify_task_free(t);
	/* a "signed" PIN-blocked answer whose signature is not valid */
	t = mktask(vrsa);
	t->resp.decision = STK_AUTH_PIN_BLOCKED;
	t->resp.password_len = 0;
	t->resp.password[0] = '\0';
	expect(t, SRV_RES_SIGNATURE_INVALID, "signature");
	verify_task_free(t);
}

/* ---- the pool ------------------------------------------------------- */

#define POOL_TASKS 300

struct loopctx {
	struct event_base *base;
	unsigned done, ok, bad;
};

static void
on_done(struct verify_task *t, void *arg)
{
	struct loopctx *lc = arg;

	lc->done++;
	lc->ok += t->result == SRV_RES_OK;
	lc->bad += t->result == SRV_RES_SIGNATURE_INVALID;
	verify_task_free(t);
	if (lc->done == POOL_TASKS)
		event_base_loopexit(lc->base, NULL);
}

/* Every task submitted comes back once, with its own result, however
 * the workers' wake-ups of the loop coalesce. */
static void
test_pool(void **state)
{
	struct loopctx lc = { .base = event_base_new() };
	struct verify_pool *p = NULL;
	struct timeval limit = { 20, 0 };

	(void)state;
	assert_non_null(lc.base);
	assert_int_equal(verify_pool_new(lc.base, 2, &src, on_done, &lc, &p),
	    STK_OK);
	for (int i = 0; i < POOL_TASKS; i++) {
		struct verify_task *t = mktask(vrsa);

		if (i % 3 == 1)
			t->kauth[0] ^= 1;
		assert_int_equal(verify_pool_submit(p, t), STK_OK);
	}
	event_base_loopexit(lc.base, &limit);	/* bounded */
	event_base_dispatch(lc.base);
	assert_int_equal(lc.done, POOL_TASKS);
	assert_int_equal(lc.ok, POOL_TASKS / 3 * 2);
	assert_int_equal(lc.bad, POOL_TASKS / 3);
	assert_int_equal(verify_pool_busy(p), 0);
	verify_pool_free(p);
	event_base_free(lc.base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_password),
		cmocka_unit_test(test_enrolled_iccid),
		cmocka_unit_test(test_session_mismatch),
		cmocka_unit_test(test_cert_source_failures),
		cmocka_unit_test(test_signature),
		cmocka_unit_test(test_negative_decisions),
		cmocka_unit_test(test_pool),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
