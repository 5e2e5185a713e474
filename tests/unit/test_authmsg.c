/*
 * test_authmsg.c - the auth request / auth response wire formats and the
 * data to be signed (lib/authmsg.h, docs/PROTOCOL.md §3-§5, §7).
 * Vectors: tests/vectors/authmsg/messages.txt.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "authmsg.h"
#include "bytes.h"
#include "err.h"
#include "gsm7.h"
#include "hex.h"
#include "ota.h"
#include "support_vectors.h"

#define VECTORS "tests/vectors/authmsg/messages.txt"

static const uint8_t sid[STK_AUTH_SESSION_ID_LEN] = {
	0x5a, 0x1c, 0x3e, 0x77, 0x90, 0x12, 0xab, 0xcd
};
static const uint8_t iccid_ok[STK_AUTH_ICCID_LEN] = {
	0x98, 0x44, 0x01, 0x00, 0x00, 0x00, 0x10, 0x32, 0x54, 0xf6
};

/* The request of the vectors, built through the API. */
static void
make_request(struct stk_auth_request *r)
{
	memset(r, 0, sizeof(*r));
	r->pin_required = true;
	memcpy(r->session_id, sid, sizeof(sid));
	for (int i = 0; i < STK_AUTH_NONCE_LEN; i++)
		r->nonce[i] = (uint8_t)(i * 0x11);
	r->lifetime_s = 120;
	r->expiry_utc = 1795459200u;
	assert_int_equal(stk_auth_request_set_ticket(r, "7Q2K9X", 6), STK_OK);
	assert_int_equal(stk_auth_request_set_service(r, "Example Bank login",
	    18), STK_OK);
}

/* A confirmed response with a (fake, never verified here) RSA-2048 size
 * signature. */
static void
make_response(struct stk_auth_response *r)
{
	memset(r, 0, sizeof(*r));
	r->decision = STK_AUTH_CONFIRMED;
	memcpy(r->session_id, sid, sizeof(sid));
	memcpy(r->iccid, iccid_ok, sizeof(iccid_ok));
	r->password_len = 8;
	memcpy(r->password, "14255179", 9);
	r->sig_alg = STK_AUTH_SIG_RSA_PKCS1;
	r->sig_len = 256;
	for (int i = 0; i < 256; i++)
		r->sig[i] = (uint8_t)(0xa5 ^ i);
}

static uint8_t *
encode_request(const struct stk_auth_request *r, size_t *len)
{
	struct stk_buf b;
	uint8_t *p;

	stk_buf_init(&b);
	assert_int_equal(stk_auth_request_encode(r, &b), STK_OK);
	p = stk_buf_detach(&b, len);
	assert_non_null(p);
	stk_buf_free(&b);
	return p;
}

static uint8_t *
encode_response(const struct stk_auth_response *r, size_t *len)
{
	struct stk_buf b;
	uint8_t *p;

	stk_buf_init(&b);
	assert_int_equal(stk_auth_response_encode(r, &b), STK_OK);
	p = stk_buf_detach(&b, len);
	assert_non_null(p);
	stk_buf_free(&b);
	return p;
}

/* Decode p as a request; expect err and (when given) the field name and
 * the offset. */
static void
expect_req_fail(const uint8_t *p, size_t len, int err, const char *field,
    size_t offset)
{
	struct stk_auth_request r;
	struct stk_diag d;

	stk_diag_clear(&d);
	assert_int_equal(stk_auth_request_decode(p, len, &r, &d), err);
	assert_int_equal(d.err, err);
	assert_non_null(d.field);
	if (field != NULL) {
		assert_string_equal(d.field, field);
		assert_int_equal(d.offset, offset);
	}
}

static void
expect_resp_fail(const uint8_t *p, size_t len, int err, const char *field,
    size_t offset)
{
	struct stk_auth_response r;
	struct stk_diag d;

	stk_diag_clear(&d);
	assert_int_equal(stk_auth_response_decode(p, len, &r, &d), err);
	assert_int_equal(d.err, err);
	assert_non_null(d.field);
	if (field != NULL) {
		assert_string_equal(d.field, field);
		assert_int_equal(d.offset, offset);
	}
}

/* ---- vectors ---------------------------------------------------------- */

static void
test_request_vectors(void **state)
{
	struct vec_file *vf = vec_load(VECTORS);
	size_t nreq = 0;

	(void)state;
	for (size_t i = 0; i < vf->ncases; i++) {
		const struct vec_case *vc = &vf->cases[i];
		struct stk_auth_request r;
		struct stk_diag d;
		struct stk_buf b;
		uint8_t *wire, *want;
		size_t len, wlen;

		if (strcmp(vec_need(vc, "kind"), "request") != 0)
			continue;
		nreq++;
		wire = vec_hex(vc, "hex", &len);
		stk_diag_clear(&d);
		assert_int_equal(stk_auth_request_decode(wire, len, &r, &d),
		    STK_OK);
		assert_int_equal(r.pin_required,
		    atoi(vec_need(vc, "pin-required")));
		want = vec_hex(vc, "session-id", &wlen);
		assert_memory_equal(r.session_id, want, wlen);
		free(want);
		want = vec_hex(vc, "nonce", &wlen);
		assert_memory_equal(r.nonce, want, wlen);
		free(want);
		assert_int_equal(r.lifetime_s, atoi(vec_need(vc, "lifetime")));
		assert_int_equal(r.expiry_utc,
		    strtoul(vec_need(vc, "expiry"), NULL, 10));
		assert_string_equal(r.ticket, vec_need(vc, "ticket"));
		assert_int_equal(r.service_coding,
		    strtoul(vec_need(vc, "service-coding"), NULL, 16));
		stk_buf_init(&b);
		assert_int_equal(stk_auth_request_service_utf8(&r, &b), STK_OK);
		stk_buf_add_u8(&b, 0);
		assert_string_equal((char *)stk_buf_data(&b),
		    vec_need(vc, "service-utf8"));
		stk_buf_free(&b);

		/* the encoder gives back the same octets */
		stk_buf_init(&b);
		assert_int_equal(stk_auth_request_encode(&r, &b), STK_OK);
		assert_int_equal(stk_buf_len(&b), len);
		assert_memory_equal(stk_buf_data(&b), wire, len);
		stk_buf_free(&b);

		/* and so does building it from the text */
		{
			struct stk_auth_request r2 = r;
			const char *t = vec_need(vc, "service-utf8");

			memset(r2.service, 0, sizeof(r2.service));
			assert_int_equal(stk_auth_request_set_service(&r2, t,
			    strlen(t)), STK_OK);
			assert_int_equal(r2.service_len, r.service_len);
			assert_int_equal(r2.service_coding, r.service_coding);
			assert_memory_equal(r2.service, r.service,
			    r.service_len);
		}
		free(wire);
	}
	assert_int_equal(nreq, 2);
	vec_free(vf);
}

static void
test_response_vectors(void **state)
{
	struct vec_file *vf = vec_load(VECTORS);
	size_t nresp = 0;

	(void)state;
	for (size_t i = 0; i < vf->ncases; i++) {
		const struct vec_case *vc = &vf->cases[i];
		struct stk_auth_request req;
		struct stk_auth_response r;
		struct stk_diag d;
		struct stk_buf b;
		uint8_t *wire, *want, *rq;
		size_t len, wlen, rqlen;
		uint8_t alg, dec;

		if (strcmp(vec_need(vc, "kind"), "response") != 0)
			continue;
		nresp++;
		wire = vec_hex(vc, "hex", &len);
		stk_diag_clear(&d);
		assert_int_equal(stk_auth_response_decode(wire, len, &r, &d),
		    STK_OK);
		assert_int_equal(stk_auth_decision_from_name(
		    vec_need(vc, "decision"), &dec), STK_OK);
		assert_int_equal(r.decision, dec);
		assert_int_equal(stk_auth_sig_alg_from_name(
		    vec_need(vc, "sig-alg"), &alg), STK_OK);
		assert_int_equal(r.sig_alg, alg);
		assert_string_equal(r.password, vec_need(vc, "password"));
		want = vec_hex(vc, "iccid", &wlen);
		assert_int_equal(wlen, STK_AUTH_ICCID_LEN);
		assert_memory_equal(r.iccid, want, wlen);
		free(want);
		want = vec_hex(vc, "signature", &wlen);
		assert_int_equal(r.sig_len, wlen);
		assert_memory_equal(r.sig, want, wlen);
		free(want);

		stk_buf_init(&b);
		assert_int_equal(stk_auth_response_encode(&r, &b), STK_OK);
		assert_int_equal(stk_buf_len(&b), len);
		assert_memory_equal(stk_buf_data(&b), wire, len);
		stk_buf_free(&b);

		/* the DTBS of the vector, from the request and response */
		rq = vec_hex(vc, "request", &rqlen);
		assert_int_equal(stk_auth_request_decode(rq, rqlen, &req, NULL),
		    STK_OK);
		want = vec_hex(vc, "dtbs", &wlen);
		stk_buf_init(&b);
		assert_int_equal(stk_auth_dtbs(&req, &r, &b), STK_OK);
		assert_int_equal(stk_buf_len(&b), wlen);
		assert_memory_equal(stk_buf_data(&b), want, wlen);
		assert_true(wlen <= STK_AUTH_DTBS_MAX_LEN);
		stk_buf_free(&b);
		free(want);
		free(rq);
		free(wire);
	}
	assert_int_equal(nresp, 3);
	vec_free(vf);
}

/* ---- request: limits ------------------------------------------------ */

static void
test_request_max_size_fits(void **state)
{
	struct stk_auth_request r;
	char name[STK_AUTH_SERVICE_MAX_GSM7 + 2];
	uint8_t *p;
	size_t len;

	(void)state;
	make_request(&r);
	assert_int_equal(stk_auth_request_set_ticket(&r, "ABCDEFGHJK", 10),
	    STK_OK);
	memset(name, 'x', sizeof(name));
	assert_int_equal(stk_auth_request_set_service(&r, name,
	    STK_AUTH_SERVICE_MAX_GSM7), STK_OK);
	p = encode_request(&r, &len);
	assert_int_equal(len, STK_AUTH_REQUEST_MAX_LEN);
	assert_int_equal(len, 98);
	free(p);
	/* one septet more does not fit */
	assert_int_equal(stk_auth_request_set_service(&r, name,
	    STK_AUTH_SERVICE_MAX_GSM7 + 1), STK_E_TOO_LONG);
	/* and r kept the previous name */
	assert_int_equal(r.service_len, STK_AUTH_SERVICE_MAX_GSM7);
}

static void
test_request_service_limits(void **state)
{
	struct stk_auth_request r;
	char buf[256];
	size_t n;

	(void)state;
	make_request(&r);
	/* 26 extension characters (EURO SIGN, 2 septets each) = 52 septets */
	n = 0;
	for (int i = 0; i < 26; i++) {
		memcpy(buf + n, "\xe2\x82\xac", 3);
		n += 3;
	}
	assert_int_equal(stk_auth_request_set_service(&r, buf, n), STK_OK);
	assert_int_equal(r.service_coding, STK_AUTH_TEXT_GSM7);
	assert_int_equal(r.service_len, 52);
	assert_int_equal(r.service[0], STK_GSM7_ESCAPE);
	assert_int_equal(r.service[1], 0x65);
	memcpy(buf + n, "\xe2\x82\xac", 3);
	assert_int_equal(stk_auth_request_set_service(&r, buf, n + 3),
	    STK_E_TOO_LONG);

	/* 26 Cyrillic letters -> UCS-2, 52 octets; 27 too long */
	n = 0;
	for (int i = 0; i < 27; i++) {
		memcpy(buf + n, "\xd0\x96", 2);	/* U+0416 */
		n += 2;
	}
	assert_int_equal(stk_auth_request_set_service(&r, buf, 52), STK_OK);
	assert_int_equal(r.service_coding, STK_AUTH_TEXT_UCS2);
	assert_int_equal(r.service_len, 52);
	assert_int_equal(r.service[0], 0x04);
	assert_int_equal(r.service[1], 0x16);
	assert_int_equal(stk_auth_request_set_service(&r, buf, 54),
	    STK_E_TOO_LONG);

	/* outside the BMP, empty, malformed UTF-8 */
	assert_int_equal(stk_auth_request_set_service(&r,
	    "\xf0\x9f\x98\x80", 4), STK_E_CHARSET);
	assert_int_equal(stk_auth_request_set_service(&r, "", 0),
	    STK_E_INVALID);
	assert_int_equal(stk_auth_request_set_service(&r, "\xc3", 1),
	    STK_E_INVALID);
	assert_int_equal(r.service_coding, STK_AUTH_TEXT_UCS2);
	assert_int_equal(r.service_len, 52);
}

static void
test_request_ticket_rules(void **state)
{
	struct stk_auth_request r;

	(void)state;
	make_request(&r);
	assert_int_equal(stk_auth_request_set_ticket(&r, "ABC", 3),
	    STK_E_INVALID);
	assert_int_equal(stk_auth_request_set_ticket(&r, "ABCDEFGHIJK", 11),
	    STK_E_TOO_LONG);
	assert_int_equal(stk_auth_request_set_ticket(&r, "ab12", 4),
	    STK_E_INVALID);
	assert_int_equal(stk_auth_request_set_ticket(&r, "12 4", 4),
	    STK_E_INVALID);
	assert_string_equal(r.ticket, "7Q2K9X");
	assert_int_equal(stk_auth_request_set_ticket(&r, "0000", 4), STK_OK);
	assert_int_equal(r.ticket_len, 4);
}

static void
test_request_encoder_rejects(void **state)
{
	struct stk_auth_request r, bad;
	struct stk_buf b;
	uint8_t mem[97];

	(void)state;
	make_request(&r);
	stk_buf_init(&b);
	bad = r;
	bad.lifetime_s = STK_AUTH_LIFETIME_MIN - 1;
	assert_int_equal(stk_auth_request_encode(&bad, &b), STK_E_INVALID);
	bad = r;
	bad.lifetime_s = STK_AUTH_LIFETIME_MAX + 1;
	assert_int_equal(stk_auth_request_encode(&bad, &b), STK_E_INVALID);
	bad = r;
	bad.expiry_utc = 0;
	assert_int_equal(stk_auth_request_encode(&bad, &b), STK_E_INVALID);
	bad = r;
	bad.ticket_len = 11;
	assert_int_equal(stk_auth_request_encode(&bad, &b), STK_E_TOO_LONG);
	bad = r;
	bad.ticket[0] = 'q';
	assert_int_equal(stk_auth_request_encode(&bad, &b), STK_E_INVALID);
	bad = r;
	bad.service_len = STK_AUTH_SERVICE_MAX_OCTETS + 1;
	assert_int_equal(stk_auth_request_encode(&bad, &b), STK_E_TOO_LONG);
	bad = r;
	bad.service_coding = 0x00;	/* packed GSM 7-bit: not ours */
	assert_int_equal(stk_auth_request_encode(&bad, &b), STK_E_UNSUPPORTED);
	bad = r;
	bad.service_len = 0;
	assert_int_equal(stk_auth_request_encode(&bad, &b), STK_E_INVALID);
	assert_int_equal(stk_buf_len(&b), 0);
	assert_true(stk_buf_ok(&b));
	stk_buf_free(&b);

	/* a fixed builder one octet too small: NOSPACE, nothing written */
	stk_buf_init_fixed(&b, mem, 36 + 6 + 18 - 1);
	stk_buf_add_u8(&b, 0x42);
	assert_int_equal(stk_auth_request_encode(&r, &b), STK_E_NOSPACE);
	assert_int_equal(stk_buf_len(&b), 1);
	stk_buf_init_fixed(&b, mem, 36 + 6 + 18);
	assert_int_equal(stk_auth_request_encode(&r, &b), STK_OK);
	assert_int_equal(stk_buf_len(&b), 60);
}

/* ---- request: decoder negatives ------------------------------------- */

static void
test_request_truncated_everywhere(void **state)
{
	struct stk_auth_request r;
	uint8_t *p;
	size_t len;

	(void)state;
	make_request(&r);
	p = encode_request(&r, &len);
	for (size_t n = 0; n < len; n++) {
		struct stk_diag d;
		struct stk_auth_request out;

		stk_diag_clear(&d);
		assert_int_equal(stk_auth_request_decode(p, n, &out, &d),
		    STK_E_TRUNCATED);
		assert_non_null(d.field);
		assert_true(d.offset <= n);
	}
	/* a few named exactly */
	expect_req_fail(p, 0, STK_E_TRUNCATED, "VERSION", 0);
	expect_req_fail(p, 1, STK_E_TRUNCATED, "MSG-TYPE", 1);
	expect_req_fail(p, 2, STK_E_TRUNCATED, "FLAGS", 2);
	expect_req_fail(p, 10, STK_E_TRUNCATED, "SESSION-ID", 3);
	expect_req_fail(p, 26, STK_E_TRUNCATED, "NONCE", 11);
	expect_req_fail(p, 28, STK_E_TRUNCATED, "LIFETIME", 27);
	expect_req_fail(p, 32, STK_E_TRUNCATED, "EXPIRY", 29);
	expect_req_fail(p, 33, STK_E_TRUNCATED, "TICKET-LEN", 33);
	expect_req_fail(p, 35, STK_E_TRUNCATED, "TICKET", 34);
	expect_req_fail(p, 40, STK_E_TRUNCATED, "SERVICE-CODING", 40);
	expect_req_fail(p, 41, STK_E_TRUNCATED, "SERVICE-LEN", 41);
	expect_req_fail(p, len - 1, STK_E_TRUNCATED, "SERVICE", 42);
	free(p);
}

static void
test_request_field_errors(void **state)
{
	struct stk_auth_request r;
	uint8_t *p, *q;
	size_t len;

	(void)state;
	make_request(&r);
	p = encode_request(&r, &len);
	q = malloc(len + 1);
	assert_non_null(q);

	/* trailing byte */
	memcpy(q, p, len);
	q[len] = 0x00;
	expect_req_fail(q, len + 1, STK_E_TRAILING, "REQUEST", len);

#define MUTATE(at, val, err, field, off) do {			\
		memcpy(q, p, len);				\
		q[(at)] = (uint8_t)(val);			\
		expect_req_fail(q, len, (err), (field), (off));	\
	} while (0)

	MUTATE(0, 0x02, STK_E_UNSUPPORTED, "VERSION", 0);
	MUTATE(0, 0x00, STK_E_UNSUPPORTED, "VERSION", 0);
	MUTATE(1, STK_AUTH_MSG_RESPONSE, STK_E_INVALID, "MSG-TYPE", 1);
	MUTATE(2, 0x03, STK_E_INVALID, "FLAGS", 2);
	MUTATE(2, 0x80, STK_E_INVALID, "FLAGS", 2);
	/* lifetime 0x0000, 0x0009 (below 10), 0x0E11 (3601) */
	MUTATE(28, 0x00, STK_E_INVALID, "LIFETIME", 27);
	MUTATE(28, 0x09, STK_E_INVALID, "LIFETIME", 27);
	memcpy(q, p, len);
	q[27] = 0x0e;
	q[28] = 0x11;
	expect_req_fail(q, len, STK_E_INVALID, "LIFETIME", 27);
	/* expiry 0 */
	memcpy(q, p, len);
	memset(q + 29, 0, 4);
	expect_req_fail(q, len, STK_E_INVALID, "EXPIRY", 29);
	/* ticket length 3, 11, 0xFF; a lower-case ticket character */
	MUTATE(33, 3, STK_E_INVALID, "TICKET-LEN", 33);
	MUTATE(33, 11, STK_E_TOO_LONG, "TICKET-LEN", 33);
	MUTATE(33, 0xff, STK_E_TOO_LONG, "TICKET-LEN", 33);
	MUTATE(35, 'q', STK_E_INVALID, "TICKET", 34);
	MUTATE(35, 0x00, STK_E_INVALID, "TICKET", 34);
	/* a shorter ticket length shifts everything: still an error */
	memcpy(q, p, len);
	q[33] = 5;
	expect_req_fail(q, len, STK_E_UNSUPPORTED, "SERVICE-CODING", 39);
	/* coding: packed GSM (00), 8-bit data (F4), UCS-2 with odd length */
	MUTATE(40, 0x00, STK_E_UNSUPPORTED, "SERVICE-CODING", 40);
	MUTATE(40, 0xf4, STK_E_UNSUPPORTED, "SERVICE-CODING", 40);
	/* service length 0, 53, longer than the rest */
	MUTATE(41, 0, STK_E_INVALID, "SERVICE-LEN", 41);
	MUTATE(41, 53, STK_E_TOO_LONG, "SERVICE-LEN", 41);
	MUTATE(41, 19, STK_E_TRUNCATED, "SERVICE", 42);
	MUTATE(41, 17, STK_E_TRAILING, "REQUEST", len - 1);
	/* GSM 7-bit: an octet above 0x7F, a trailing escape, ESC ESC */
	MUTATE(45, 0x80, STK_E_INVALID, "SERVICE", 42);
	MUTATE(len - 1, STK_GSM7_ESCAPE, STK_E_INVALID, "SERVICE", 42);
	memcpy(q, p, len);
	q[42] = STK_GSM7_ESCAPE;
	q[43] = STK_GSM7_ESCAPE;
	expect_req_fail(q, len, STK_E_INVALID, "SERVICE", 42);
	/* the same text read as UCS-2: 18 octets fine, "Ex" is U+4578 */
	memcpy(q, p, len);
	q[40] = STK_AUTH_TEXT_UCS2;
	{
		struct stk_auth_request out;

		assert_int_equal(stk_auth_request_decode(q, len, &out, NULL),
		    STK_OK);
	}
#undef MUTATE
	free(q);
	free(p);
}

static void
test_request_ucs2_errors(void **state)
{
	struct stk_auth_request r;
	struct stk_buf b;
	uint8_t *p;
	size_t len;

	(void)state;
	make_request(&r);
	assert_int_equal(stk_auth_request_set_service(&r,
	    "\xd0\x96\xd0\x96", 4), STK_OK);
	p = encode_request(&r, &len);
	assert_int_equal(len, 36 + 6 + 4);
	/* a surrogate code unit */
	p[len - 2] = 0xd8;
	expect_req_fail(p, len, STK_E_INVALID, "SERVICE", 42);
	free(p);
	/* an odd length, built by hand through the builder */
	stk_buf_init(&b);
	stk_buf_add_bytes(&b, "\x01\x01\x00", 3);
	stk_buf_add_zeros(&b, 24);
	stk_buf_add_u16(&b, 120);
	stk_buf_add_u32(&b, 1);
	stk_buf_add_u8(&b, 4);
	stk_buf_add_bytes(&b, "1234", 4);
	stk_buf_add_u8(&b, STK_AUTH_TEXT_UCS2);
	stk_buf_add_u8(&b, 3);
	stk_buf_add_bytes(&b, "\x04\x16\x04", 3);
	assert_true(stk_buf_ok(&b));
	expect_req_fail(stk_buf_data(&b), stk_buf_len(&b), STK_E_INCONSISTENT,
	    "SERVICE", 40);
	stk_buf_free(&b);
}

/* ---- response -------------------------------------------------------- */

static void
test_response_round_trip_and_truncation(void **state)
{
	struct stk_auth_response r, out;
	uint8_t *p;
	size_t len;

	(void)state;
	make_response(&r);
	p = encode_response(&r, &len);
	assert_int_equal(len, STK_AUTH_RESPONSE_FIXED_LEN + 8 + 256);
	assert_int_equal(len, 289);
	assert_int_equal(stk_auth_response_decode(p, len, &out, NULL), STK_OK);
	assert_int_equal(out.decision, r.decision);
	assert_memory_equal(out.session_id, r.session_id, 8);
	assert_memory_equal(out.iccid, r.iccid, 10);
	assert_string_equal(out.password, r.password);
	assert_int_equal(out.sig_alg, r.sig_alg);
	assert_int_equal(out.sig_len, r.sig_len);
	assert_memory_equal(out.sig, r.sig, r.sig_len);

	for (size_t n = 0; n < len; n++) {
		struct stk_diag d;

		stk_diag_clear(&d);
		assert_int_equal(stk_auth_response_decode(p, n, &out, &d),
		    STK_E_TRUNCATED);
		assert_non_null(d.field);
		assert_true(d.offset <= n);
	}
	expect_resp_fail(p, 2, STK_E_TRUNCATED, "DECISION", 2);
	expect_resp_fail(p, 5, STK_E_TRUNCATED, "SESSION-ID", 3);
	expect_resp_fail(p, 12, STK_E_TRUNCATED, "ICCID", 11);
	expect_resp_fail(p, 21, STK_E_TRUNCATED, "PASSWORD-LEN", 21);
	expect_resp_fail(p, 25, STK_E_TRUNCATED, "PASSWORD", 22);
	expect_resp_fail(p, 30, STK_E_TRUNCATED, "SIG-ALG", 30);
	expect_resp_fail(p, 32, STK_E_TRUNCATED, "SIG-LEN", 31);
	expect_resp_fail(p, 100, STK_E_TRUNCATED, "SIGNATURE", 33);
	free(p);
}

static void
test_response_field_errors(void **state)
{
	struct stk_auth_response r;
	uint8_t *p, *q;
	size_t len;

	(void)state;
	make_response(&r);
	p = encode_response(&r, &len);
	q = malloc(len + 1);
	assert_non_null(q);
	memcpy(q, p, len);
	q[len] = 0xff;
	expect_resp_fail(q, len + 1, STK_E_TRAILING, "RESPONSE", len);

#define MUTATE(at, val, err, field, off) do {			\
		memcpy(q, p, len);				\
		q[(at)] = (uint8_t)(val);			\
		expect_resp_fail(q, len, (err), (field), (off));	\
	} while (0)

	MUTATE(0, 0x7f, STK_E_UNSUPPORTED, "VERSION", 0);
	MUTATE(1, STK_AUTH_MSG_REQUEST, STK_E_INVALID, "MSG-TYPE", 1);
	MUTATE(2, 0x00, STK_E_INVALID, "DECISION", 2);
	MUTATE(2, 0x06, STK_E_INVALID, "DECISION", 2);
	MUTATE(2, 0xff, STK_E_INVALID, "DECISION", 2);
	/* a rejection must not carry a password */
	MUTATE(2, STK_AUTH_REJECTED, STK_E_INCONSISTENT, "PASSWORD", 22);
	/* ICCID: a nibble A-E, a digit after the F filler, too few digits */
	MUTATE(11, 0x9a, STK_E_INVALID, "ICCID", 11);
	MUTATE(19, 0xf2, STK_E_INVALID, "ICCID", 11);
	memcpy(q, p, len);
	q[19] = 0xff;
	q[20] = 0xff;	/* 16 digits: fewer than E.118's 18 */
	expect_resp_fail(q, len, STK_E_INVALID, "ICCID", 11);
	/* password: length 9, 7, 0; a non-digit */
	MUTATE(21, 9, STK_E_TOO_LONG, "PASSWORD-LEN", 21);
	MUTATE(21, 0, STK_E_INCONSISTENT, "PASSWORD-LEN", 21);
	MUTATE(22, 'a', STK_E_INVALID, "PASSWORD", 22);
	/* signature algorithm: unknown, and none for a confirmation */
	MUTATE(30, 0x04, STK_E_UNSUPPORTED, "SIG-ALG", 30);
	MUTATE(30, STK_AUTH_SIG_NONE, STK_E_INCONSISTENT, "SIG-ALG", 30);
	/* ECDSA demands exactly 64 octets */
	MUTATE(30, STK_AUTH_SIG_ECDSA_P256, STK_E_INCONSISTENT, "SIG-LEN", 31);
	/* RSA: more than 512, fewer than 64 */
	MUTATE(31, 0x03, STK_E_TOO_LONG, "SIG-LEN", 31);
	memcpy(q, p, len);
	q[31] = 0;
	q[32] = 63;
	expect_resp_fail(q, len, STK_E_INCONSISTENT, "SIG-LEN", 31);
	/* a signature length one short: trailing byte */
	memcpy(q, p, len);
	q[31] = 0x00;
	q[32] = 0xff;
	expect_resp_fail(q, len, STK_E_TRAILING, "RESPONSE", len - 1);
#undef MUTATE
	free(q);
	free(p);
}

static void
test_response_negative_decisions(void **state)
{
	struct stk_auth_response r, out;
	struct stk_buf b;
	uint8_t *p;
	size_t len;

	(void)state;
	make_response(&r);
	r.decision = STK_AUTH_PIN_BLOCKED;
	r.password_len = 0;
	r.password[0] = '\0';
	r.sig_alg = STK_AUTH_SIG_NONE;
	r.sig_len = 0;
	p = encode_response(&r, &len);
	assert_int_equal(len, STK_AUTH_RESPONSE_FIXED_LEN);
	assert_int_equal(stk_auth_response_decode(p, len, &out, NULL), STK_OK);
	assert_int_equal(out.decision, STK_AUTH_PIN_BLOCKED);
	assert_int_equal(out.sig_len, 0);
	free(p);

	/* encoder refuses what the decoder refuses */
	stk_buf_init(&b);
	r.sig_len = 5;
	assert_int_equal(stk_auth_response_encode(&r, &b), STK_E_INCONSISTENT);
	r.sig_len = 0;
	r.password_len = 8;
	assert_int_equal(stk_auth_response_encode(&r, &b), STK_E_INCONSISTENT);
	r.password_len = 0;
	r.decision = 0;
	assert_int_equal(stk_auth_response_encode(&r, &b), STK_E_INVALID);
	make_response(&r);
	r.sig_len = STK_AUTH_SIG_MAX + 1;
	assert_int_equal(stk_auth_response_encode(&r, &b), STK_E_TOO_LONG);
	make_response(&r);
	r.iccid[0] = 0xff;
	assert_int_equal(stk_auth_response_encode(&r, &b), STK_E_INVALID);
	make_response(&r);
	r.password_len = 7;
	assert_int_equal(stk_auth_response_encode(&r, &b), STK_E_INCONSISTENT);
	make_response(&r);
	r.sig_alg = 9;
	assert_int_equal(stk_auth_response_encode(&r, &b), STK_E_UNSUPPORTED);
	assert_int_equal(stk_buf_len(&b), 0);
	stk_buf_free(&b);
}

/* ---- data to be signed ---------------------------------------------- */

static void
test_dtbs_layout(void **state)
{
	struct stk_auth_request req;
	struct stk_auth_response r;
	struct stk_buf b;
	const uint8_t *d;

	(void)state;
	make_request(&req);
	make_response(&r);
	stk_buf_init(&b);
	assert_int_equal(stk_auth_dtbs(&req, &r, &b), STK_OK);
	d = stk_buf_data(&b);
	assert_int_equal(stk_buf_len(&b), 24 + 2 + 8 + 16 + 7 + 20 + 10 + 1 +
	    9);
	assert_memory_equal(d, "stkauth-v1-auth-response", 24);
	assert_int_equal(d[24], STK_AUTH_VERSION);
	assert_int_equal(d[25], STK_AUTH_SIG_RSA_PKCS1);
	assert_memory_equal(d + 26, sid, 8);
	assert_int_equal(d[50], 6);
	assert_memory_equal(d + 51, "7Q2K9X", 6);
	assert_int_equal(d[57], STK_AUTH_TEXT_GSM7);
	assert_int_equal(d[58], 18);
	assert_memory_equal(d + 77, iccid_ok, 10);
	assert_int_equal(d[87], STK_AUTH_CONFIRMED);
	assert_int_equal(d[88], 8);
	assert_memory_equal(d + 89, "14255179", 8);
	stk_buf_free(&b);

	/* another session; an unsigned response: refused, nothing written */
	stk_buf_init(&b);
	r.session_id[7] ^= 1;
	assert_int_equal(stk_auth_dtbs(&req, &r, &b), STK_E_INCONSISTENT);
	make_response(&r);
	r.sig_alg = STK_AUTH_SIG_NONE;
	assert_int_equal(stk_auth_dtbs(&req, &r, &b), STK_E_INCONSISTENT);
	r.decision = STK_AUTH_REJECTED;
	r.password_len = 0;
	assert_int_equal(stk_auth_dtbs(&req, &r, &b), STK_E_INVALID);
	req.ticket_len = 200;
	r.sig_alg = STK_AUTH_SIG_RSA_PSS;
	assert_int_equal(stk_auth_dtbs(&req, &r, &b), STK_E_TOO_LONG);
	assert_int_equal(stk_buf_len(&b), 0);
	stk_buf_free(&b);
}

/* ---- size budgets through the real secured-packet code ------------- */

/*
 * Wrap data as a command packet (CC 8 octets, counter, ciphering with
 * AES-CBC or 3DES-CBC per kic/kid) and split it into SMS (lib/ota.h);
 * return the number of SMS.
 */
static size_t
sms_count(const uint8_t *data, size_t len, uint8_t kic, uint8_t kid)
{
	struct stk_ota_key kc, kd;
	struct stk_ota_cmd_params p;
	struct stk_seglist l = { 0 };
	struct stk_buf b;
	size_t n;

	memset(&kc, 0, sizeof(kc));
	memset(&kd, 0, sizeof(kd));
	kc.len = kd.len = 16;
	memset(kc.key, 0x11, 16);
	memset(kd.key, 0x22, 16);
	memset(&p, 0, sizeof(p));
	p.spi = 0x1600;		/* CC, ciphering, counter "higher"; no PoR */
	p.kic = kic;
	p.kid = kid;
	p.tar[0] = 0x53;
	p.cntr = 1;
	p.kic_key = &kc;
	p.kid_key = &kd;
	stk_buf_init(&b);
	assert_int_equal(stk_ota_wrap_command(&p, data, len, &b), STK_OK);
	assert_int_equal(stk_ota_sms_split(stk_buf_data(&b), stk_buf_len(&b),
	    STK_OTA_IEI_COMMAND, 7, false, &l), STK_OK);
	n = l.n;
	stk_seglist_free(&l);
	stk_buf_free(&b);
	return n;
}

/* PROTOCOL.md §2: the largest request fits one SMS with AES and 3DES; an
 * RSA-2048 response takes 3 SMS, an ECDSA one 1. */
static void
test_budgets_with_ota(void **state)
{
	static const uint8_t aes[2] = { 0x02, 0x02 };	/* AES-CBC, AES-CMAC */
	static const uint8_t des[2] = { 0x05, 0x05 };	/* 3DES 2-key CBC/MAC */
	const uint8_t *alg[2] = { aes, des };
	struct stk_auth_request r;
	struct stk_auth_response resp;
	char name[STK_AUTH_SERVICE_MAX_GSM7];
	uint8_t *p, big[STK_AUTH_REQUEST_MAX_LEN + 1];
	size_t len;

	(void)state;
	make_request(&r);
	assert_int_equal(stk_auth_request_set_ticket(&r, "ABCDEFGHJK", 10),
	    STK_OK);
	memset(name, 'n', sizeof(name));
	assert_int_equal(stk_auth_request_set_service(&r, name, sizeof(name)),
	    STK_OK);
	p = encode_request(&r, &len);
	assert_int_equal(len, 98);
	memcpy(big, p, len);
	big[len] = 0;
	for (int i = 0; i < 2; i++) {
		assert_int_equal(sms_count(p, len, alg[i][0], alg[i][1]), 1);
	}
	/* one octet more no longer fits with AES: the limit is exact */
	assert_int_equal(sms_count(big, len + 1, aes[0], aes[1]), 2);
	free(p);

	make_response(&resp);
	p = encode_response(&resp, &len);
	assert_int_equal(len, 289);
	for (int i = 0; i < 2; i++)
		assert_int_equal(sms_count(p, len, alg[i][0], alg[i][1]), 3);
	free(p);
	resp.sig_alg = STK_AUTH_SIG_ECDSA_P256;
	resp.sig_len = 64;
	p = encode_response(&resp, &len);
	assert_int_equal(len, 97);
	for (int i = 0; i < 2; i++)
		assert_int_equal(sms_count(p, len, alg[i][0], alg[i][1]), 1);
	free(p);
}

/* ---- freshness, replay memory, names ------------------------------- */

static void
test_freshness(void **state)
{
	struct stk_auth_request r;
	const int64_t scts = 1795459080;	/* 2 minutes before expiry */

	(void)state;
	make_request(&r);
	assert_int_equal(stk_auth_request_check_fresh(&r, scts, scts), STK_OK);
	assert_int_equal(stk_auth_request_check_fresh(&r, scts, scts + 120),
	    STK_OK);
	assert_int_equal(stk_auth_request_check_fresh(&r, scts, scts + 121),
	    STK_E_EXPIRED);
	assert_int_equal(stk_auth_request_check_fresh(&r, scts, scts - 300),
	    STK_OK);
	assert_int_equal(stk_auth_request_check_fresh(&r, scts, scts - 301),
	    STK_E_EXPIRED);
	assert_int_equal(stk_auth_request_check_expiry(&r, 1795459200), STK_OK);
	assert_int_equal(stk_auth_request_check_expiry(&r, 1795459201),
	    STK_E_EXPIRED);
}

static void
test_seen_ring(void **state)
{
	struct stk_auth_seen s;
	uint8_t id[STK_AUTH_SESSION_ID_LEN] = { 0 };

	(void)state;
	stk_auth_seen_init(&s);
	for (int i = 0; i < STK_AUTH_SEEN_MAX; i++) {
		id[0] = (uint8_t)i;
		assert_int_equal(stk_auth_seen_check_and_add(&s, id), STK_OK);
	}
	for (int i = 0; i < STK_AUTH_SEEN_MAX; i++) {
		id[0] = (uint8_t)i;
		assert_int_equal(stk_auth_seen_check_and_add(&s, id),
		    STK_E_REPLAY);
	}
	/* the 17th evicts the oldest (id 0), and only that one */
	id[0] = 0x80;
	assert_int_equal(stk_auth_seen_check_and_add(&s, id), STK_OK);
	id[0] = 0;
	assert_int_equal(stk_auth_seen_check_and_add(&s, id), STK_OK);
	id[0] = 2;
	assert_int_equal(stk_auth_seen_check_and_add(&s, id), STK_E_REPLAY);
	id[0] = 1;	/* evicted by id 0's re-entry */
	assert_int_equal(stk_auth_seen_check_and_add(&s, id), STK_OK);
}

static void
test_names(void **state)
{
	uint8_t v;

	(void)state;
	assert_string_equal(stk_auth_decision_name(STK_AUTH_CONFIRMED),
	    "confirmed");
	assert_string_equal(stk_auth_decision_name(STK_AUTH_ERROR), "error");
	assert_string_equal(stk_auth_decision_result(STK_AUTH_REJECTED),
	    "USER_REFUSED");
	assert_string_equal(stk_auth_decision_result(STK_AUTH_PIN_BLOCKED),
	    "PIN_BLOCKED");
	assert_null(stk_auth_decision_name(0));
	assert_null(stk_auth_decision_name(6));
	assert_null(stk_auth_decision_result(0x100 + STK_AUTH_CONFIRMED));
	assert_string_equal(stk_auth_sig_alg_name(STK_AUTH_SIG_RSA_PSS),
	    "rsa-pss-sha256");
	assert_null(stk_auth_sig_alg_name(4));
	assert_string_equal(stk_auth_text_coding_name(0x08), "ucs2");
	assert_null(stk_auth_text_coding_name(0x00));
	assert_int_equal(stk_auth_decision_from_name("timeout", &v), STK_OK);
	assert_int_equal(v, STK_AUTH_TIMEOUT);
	assert_int_equal(stk_auth_decision_from_name("nope", &v),
	    STK_E_NOT_FOUND);
	assert_int_equal(stk_auth_sig_alg_from_name("ecdsa-p256-sha256", &v),
	    STK_OK);
	assert_int_equal(v, STK_AUTH_SIG_ECDSA_P256);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_vectors),
		cmocka_unit_test(test_response_vectors),
		cmocka_unit_test(test_request_max_size_fits),
		cmocka_unit_test(test_request_service_limits),
		cmocka_unit_test(test_request_ticket_rules),
		cmocka_unit_test(test_request_encoder_rejects),
		cmocka_unit_test(test_request_truncated_everywhere),
		cmocka_unit_test(test_request_field_errors),
		cmocka_unit_test(test_request_ucs2_errors),
		cmocka_unit_test(test_response_round_trip_and_truncation),
		cmocka_unit_test(test_response_field_errors),
		cmocka_unit_test(test_response_negative_decisions),
		cmocka_unit_test(test_dtbs_layout),
		cmocka_unit_test(test_budgets_with_ota),
		cmocka_unit_test(test_freshness),
		cmocka_unit_test(test_seen_ring),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
