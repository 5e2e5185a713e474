/*
 * test_tpdu.c - SMS TPDUs (TS 23.040 §9.2.2): published and computed
 * vectors (tests/vectors/sms/tpdu.txt) decode to the expected fields and
 * re-encode byte for byte; malformed ones (tpdu_bad.txt) fail with the
 * named error, field and offset; the builders and the name tables.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bytes.h"
#include "err.h"
#include "hex.h"
#include "tpdu.h"
#include "support_vectors.h"

/* ---- helpers ---- */

static enum stk_sms_dir
vec_dir(const struct vec_case *vc)
{
	const char *d = vec_need(vc, "dir");

	if (strcmp(d, "mo") == 0)
		return STK_DIR_MS_TO_SC;
	if (strcmp(d, "mt") == 0)
		return STK_DIR_SC_TO_MS;
	fail_msg("line %zu: bad dir %s", vc->line, d);
	return STK_DIR_MS_TO_SC;
}

static int
type_by_name(const char *name)
{
	for (unsigned i = 0; i <= STK_TPDU_COMMAND; i++)
		if (strcmp(stk_tpdu_type_name(i), name) == 0)
			return (int)i;
	fail_msg("unknown TPDU type %s", name);
	return -1;
}

/* Compare "XX" hex of one octet. */
static void
check_octet(const struct vec_case *vc, const char *key, uint8_t got)
{
	const char *want = vec_get(vc, key);
	char buf[3];

	if (want == NULL)
		return;
	snprintf(buf, sizeof(buf), "%02X", got);
	if (strcmp(buf, want) != 0)
		fail_msg("line %zu: %s: want %s, got %s", vc->line, key, want,
		    buf);
}

static void
check_hex(const struct vec_case *vc, const char *key, const uint8_t *p,
    size_t n)
{
	const char *want = vec_get(vc, key);
	uint8_t *exp;
	size_t elen;

	if (want == NULL)
		return;
	exp = vec_hex(vc, key, &elen);
	if (elen != n || (n > 0 && memcmp(exp, p, n) != 0)) {
		char *got = stk_hex_string(p, n, 1);
		fail_msg("line %zu: %s: want %s, got %s", vc->line, key, want,
		    got);
	}
	free(exp);
}

static void
check_str(const struct vec_case *vc, const char *key, const char *got)
{
	const char *want = vec_get(vc, key);

	if (want != NULL && strcmp(want, got) != 0)
		fail_msg("line %zu: %s: want \"%s\", got \"%s\"", vc->line, key,
		    want, got);
}

static void
check_time(const struct vec_case *vc, const char *key,
    const struct stk_sms_time *t)
{
	char iso[STK_SMS_TIME_ISO_LEN];

	if (vec_get(vc, key) == NULL)
		return;
	assert_int_equal(stk_sms_time_to_iso(t, iso, sizeof(iso)), STK_OK);
	check_str(vc, key, iso);
}

/* The first-octet flags the type has and are set, in a fixed order. */
static void
flags_text(const struct stk_tpdu *t, char *out, size_t outsz)
{
	struct {
		const char *name;
		bool set;
		unsigned types;	/* bit per enum stk_tpdu_type */
	} f[] = {
		{ "rp", t->rp, 1u << STK_TPDU_DELIVER | 1u << STK_TPDU_SUBMIT },
		{ "udhi", t->udhi, 0x3f },
		{ "srr", t->srr, 1u << STK_TPDU_SUBMIT | 1u << STK_TPDU_COMMAND },
		{ "sri", t->sri, 1u << STK_TPDU_DELIVER },
		{ "srq", t->srq, 1u << STK_TPDU_STATUS_REPORT },
		{ "rd", t->rd, 1u << STK_TPDU_SUBMIT },
		{ "mms", t->mms, 1u << STK_TPDU_DELIVER |
		    1u << STK_TPDU_STATUS_REPORT },
		{ "lp", t->lp, 1u << STK_TPDU_DELIVER |
		    1u << STK_TPDU_STATUS_REPORT },
	};
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (!f[i].set || !(f[i].types & (1u << t->type)))
			continue;
		n += (size_t)snprintf(out + n, outsz - n, "%s%s",
		    n ? "," : "", f[i].name);
	}
	if (n == 0)
		snprintf(out, outsz, "-");
}

static void
check_decoded(const struct vec_case *vc, const struct stk_tpdu *t)
{
	char text[STK_ADDR_TEXT_MAX + 1], vp[96], flags[64];
	struct stk_buf b;

	check_str(vc, "type", stk_tpdu_type_name(t->type));
	if (vec_get(vc, "addr") != NULL) {
		assert_int_equal(stk_sms_addr_to_text(&t->addr, text,
		    sizeof(text)), STK_OK);
		check_str(vc, "addr", text);
	}
	if (vec_get(vc, "ton") != NULL)
		assert_int_equal(t->addr.ton, atoi(vec_get(vc, "ton")));
	if (vec_get(vc, "npi") != NULL)
		assert_int_equal(t->addr.npi, atoi(vec_get(vc, "npi")));
	check_octet(vc, "mr", t->mr);
	check_octet(vc, "pid", t->pid);
	check_octet(vc, "dcs", t->dcs);
	check_octet(vc, "st", t->st);
	check_octet(vc, "fcs", t->fcs);
	check_octet(vc, "pi", t->pi);
	check_octet(vc, "ct", t->ct);
	check_octet(vc, "mn", t->mn);
	check_time(vc, "scts", &t->scts);
	check_time(vc, "dt", &t->dt);
	if (vec_get(vc, "vp") != NULL) {
		assert_int_equal(stk_vp_to_text(&t->vp, vp, sizeof(vp)), STK_OK);
		check_str(vc, "vp", vp);
	}
	if (vec_get(vc, "flags") != NULL) {
		flags_text(t, flags, sizeof(flags));
		check_str(vc, "flags", flags);
	}
	check_hex(vc, "udh", t->udh, t->udh_len);
	check_hex(vc, "body", t->body, t->body_len);
	check_hex(vc, "cd", t->cd, t->cd_len);
	if (vec_get(vc, "text") != NULL) {
		char *got;
		size_t n;

		stk_buf_init(&b);
		assert_int_equal(stk_tpdu_body_text(t, &b), STK_OK);
		/* vector values are trimmed: compare without trailing blanks */
		n = stk_buf_len(&b);
		while (n > 0 && stk_buf_data(&b)[n - 1] == ' ')
			n--;
		got = calloc(1, n + 1);
		assert_non_null(got);
		if (n > 0)
			memcpy(got, stk_buf_data(&b), n);
		check_str(vc, "text", got);
		free(got);
		stk_buf_free(&b);
	}
}

/* ---- vectors ---- */

static void
test_valid_vectors(void **state)
{
	struct vec_file *vf = vec_load("tests/vectors/sms/tpdu.txt");

	(void)state;
	assert_true(vf->ncases >= 35);
	for (size_t i = 0; i < vf->ncases; i++) {
		const struct vec_case *vc = &vf->cases[i];
		const char *rperr = vec_get(vc, "rp-error");
		bool with_sca = vec_get(vc, "sca-pdu") != NULL;
		struct stk_sms_addr sca;
		bool sca_present = false;
		struct stk_tpdu t;
		struct stk_diag d;
		struct stk_buf out;
		uint8_t *pdu;
		size_t len;
		char buf[128];
		int r;

		pdu = vec_hex(vc, with_sca ? "sca-pdu" : "pdu", &len);
		stk_diag_clear(&d);
		if (rperr != NULL && strcmp(rperr, "yes") == 0)
			r = stk_tpdu_decode_as(pdu, len,
			    (enum stk_tpdu_type)type_by_name(vec_need(vc,
			    "type")), true, &t, &d);
		else if (with_sca)
			r = stk_tpdu_decode_with_sca(pdu, len, vec_dir(vc), &sca,
			    &sca_present, &t, &d);
		else
			r = stk_tpdu_decode(pdu, len, vec_dir(vc), &t, &d);
		if (r != STK_OK)
			fail_msg("%s (line %zu): %s", vec_get(vc, "name"),
			    vc->line, stk_diag_format(&d, buf, sizeof(buf)));
		check_decoded(vc, &t);
		if (vec_get(vc, "sca") != NULL) {
			if (!sca_present)
				check_str(vc, "sca", "none");
			else {
				char text[STK_ADDR_TEXT_MAX + 1];
				assert_int_equal(stk_sms_addr_to_text(&sca, text,
				    sizeof(text)), STK_OK);
				check_str(vc, "sca", text);
			}
		}
		/* encode(decode(x)) == x */
		stk_buf_init(&out);
		if (with_sca)
			assert_int_equal(stk_smsc_addr_encode(sca_present ?
			    &sca : NULL, &out), STK_OK);
		assert_int_equal(stk_tpdu_encode(&t, &out), STK_OK);
		if (stk_buf_len(&out) != len ||
		    memcmp(stk_buf_data(&out), pdu, len) != 0)
			fail_msg("%s: re-encoding differs: %s", vec_get(vc, "name"),
			    stk_hex_string(stk_buf_data(&out), stk_buf_len(&out),
			    1));
		/* the UDL the struct reports is the one on the wire */
		stk_buf_free(&out);
		free(pdu);
	}
	vec_free(vf);
}

static int
err_by_name(const char *name)
{
	for (int e = 0; e >= -18; e--)
		if (strcmp(stk_errname(e), name) == 0)
			return e;
	fail_msg("unknown error name %s", name);
	return 1;
}

static void
test_bad_vectors(void **state)
{
	struct vec_file *vf = vec_load("tests/vectors/sms/tpdu_bad.txt");

	(void)state;
	assert_true(vf->ncases >= 50);
	for (size_t i = 0; i < vf->ncases; i++) {
		const struct vec_case *vc = &vf->cases[i];
		const char *rperr = vec_get(vc, "rp-error");
		const char *type = vec_get(vc, "type");
		bool with_sca = vec_get(vc, "sca-pdu") != NULL;
		struct stk_sms_addr sca;
		bool sca_present;
		struct stk_tpdu t;
		struct stk_diag d;
		uint8_t *pdu;
		size_t len;
		int r, want;

		pdu = vec_hex(vc, with_sca ? "sca-pdu" : "pdu", &len);
		stk_diag_clear(&d);
		if (type != NULL)
			r = stk_tpdu_decode_as(pdu, len,
			    (enum stk_tpdu_type)type_by_name(type),
			    rperr != NULL && strcmp(rperr, "yes") == 0, &t, &d);
		else if (with_sca)
			r = stk_tpdu_decode_with_sca(pdu, len, vec_dir(vc), &sca,
			    &sca_present, &t, &d);
		else
			r = stk_tpdu_decode(pdu, len, vec_dir(vc), &t, &d);
		want = err_by_name(vec_need(vc, "err"));
		if (r != want || d.err != want || d.field == NULL ||
		    strcmp(d.field, vec_need(vc, "field")) != 0 ||
		    d.offset != strtoul(vec_need(vc, "offset"), NULL, 10))
			fail_msg("%s (line %zu): want %s %s@%s, got %s %s@%zu",
			    vec_get(vc, "name"), vc->line, vec_get(vc, "err"),
			    vec_get(vc, "field"), vec_get(vc, "offset"),
			    stk_errname(r), d.field ? d.field : "(none)",
			    d.offset);
		free(pdu);
	}
	vec_free(vf);
}

/* Every strict prefix of every valid vector fails as truncated. */
static void
test_every_prefix_is_truncated(void **state)
{
	struct vec_file *vf = vec_load("tests/vectors/sms/tpdu.txt");
	size_t checked = 0;

	(void)state;
	for (size_t i = 0; i < vf->ncases; i++) {
		const struct vec_case *vc = &vf->cases[i];
		struct stk_tpdu t;
		struct stk_diag d;
		uint8_t *pdu;
		size_t len;

		if (vec_get(vc, "pdu") == NULL || vec_get(vc, "rp-error"))
			continue;
		pdu = vec_hex(vc, "pdu", &len);
		for (size_t n = 0; n < len; n++) {
			int r;

			stk_diag_clear(&d);
			r = stk_tpdu_decode(pdu, n, vec_dir(vc), &t, &d);
			/* a status report may legitimately end after TP-ST */
			if (r == STK_OK) {
				assert_int_equal(t.type, STK_TPDU_STATUS_REPORT);
				continue;
			}
			if (r != STK_E_TRUNCATED)
				fail_msg("%s: prefix %zu: %s",
				    vec_get(vc, "name"), n, stk_errname(r));
			assert_true(d.offset <= n);
			checked++;
		}
		free(pdu);
	}
	assert_true(checked > 500);
	vec_free(vf);
}

/* ---- builders ---- */

static void
test_build_hellohello(void **state)
{
	static const char want[] = "01000B915121551532F400000AE8329BFD4697D9EC37";
	struct stk_tpdu t;
	struct stk_buf out;
	char hex[sizeof(want)];

	(void)state;
	stk_tpdu_init(&t, STK_TPDU_SUBMIT);
	assert_int_equal(stk_sms_addr_from_text("+15125551234", &t.addr), STK_OK);
	assert_int_equal(stk_tpdu_set_text(&t, "hellohello", 10, STK_CLASS_NONE),
	    STK_OK);
	assert_int_equal(stk_tpdu_udl(&t), 10);
	stk_buf_init(&out);
	assert_int_equal(stk_tpdu_encode(&t, &out), STK_OK);
	assert_int_equal(stk_buf_len(&out), (sizeof(want) - 1) / 2);
	stk_hex_format(hex, stk_buf_data(&out), stk_buf_len(&out), 1);
	assert_string_equal(hex, want);
	stk_buf_free(&out);
}

static void
test_build_ucs2_and_limits(void **state)
{
	struct stk_tpdu t;
	char text[200];

	(void)state;
	stk_tpdu_init(&t, STK_TPDU_SUBMIT);
	/* non-GSM text chooses UCS-2 */
	assert_int_equal(stk_tpdu_set_text(&t, "あ叶葉", strlen("あ叶葉"),
	    STK_CLASS_NONE), STK_OK);
	assert_int_equal(t.dcs, 0x08);
	assert_int_equal(t.body_len, 6);
	/* 70 UCS-2 characters fit, 71 do not */
	memset(text, 0, sizeof(text));
	for (int i = 0; i < 70; i++)
		memcpy(text + 2 * i, "\xd0\x96", 2);	/* U+0416 */
	assert_int_equal(stk_tpdu_set_text(&t, text, 140, STK_CLASS_NONE),
	    STK_OK);
	assert_int_equal(t.body_len, 140);
	memcpy(text + 140, "\xd0\x96", 2);
	assert_int_equal(stk_tpdu_set_text(&t, text, 142, STK_CLASS_NONE),
	    STK_E_TOO_LONG);
	assert_int_equal(t.body_len, 140);	/* unchanged on failure */
	/* 160 GSM septets fit, 161 do not; with a 6-octet UDH only 153 */
	memset(text, 'x', 161);
	assert_int_equal(stk_tpdu_set_text(&t, text, 160, STK_CLASS_NONE),
	    STK_OK);
	assert_int_equal(stk_tpdu_body_capacity(&t), 160);
	assert_int_equal(stk_tpdu_set_text(&t, text, 161, STK_CLASS_NONE),
	    STK_E_TOO_LONG);
	assert_int_equal(stk_tpdu_set_udh(&t, (const uint8_t *)"\x05\x00\x03\x01\x02\x01",
	    6), STK_OK);
	assert_int_equal(stk_tpdu_body_capacity(&t), 153);
	assert_int_equal(stk_tpdu_set_text(&t, text, 154, STK_CLASS_NONE),
	    STK_E_TOO_LONG);
	assert_int_equal(stk_tpdu_set_text(&t, text, 153, STK_CLASS_NONE),
	    STK_OK);
	assert_int_equal(stk_tpdu_udl(&t), 160);
	/* an extension character counts twice */
	memcpy(text + 152, "\xe2\x82\xac", 3);	/* euro at position 153 */
	assert_int_equal(stk_tpdu_set_text(&t, text, 155, STK_CLASS_NONE),
	    STK_E_TOO_LONG);
	/* class 0 GSM 7-bit text: DCS 0xF0 (data coding/message class group) */
	assert_int_equal(stk_tpdu_set_text(&t, "x", 1, STK_CLASS_0), STK_OK);
	assert_int_equal(t.dcs, 0xf0);
}

static void
test_build_sim_download(void **state)
{
	static const uint8_t udh[] = { 0x02, 0x70, 0x00 };
	static const uint8_t data[] = { 0x00, 0x15, 0x16, 0x06, 0x01, 0x25,
	    0x25, 0xb0, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01 };
	static const char want[] = "400A9194214365877FF6621132813453401302"
	    "700000151606012525B00010000000000001";
	struct stk_tpdu t;
	struct stk_buf out;
	uint8_t dcs;
	char hex[sizeof(want)];

	(void)state;
	stk_tpdu_init(&t, STK_TPDU_DELIVER);
	t.mms = false;
	assert_int_equal(stk_sms_addr_from_text("+4912345678", &t.addr), STK_OK);
	assert_int_equal(stk_sms_time_from_iso("2026-11-23T18:43:35+01:00",
	    &t.scts), STK_OK);
	t.pid = STK_PID_SIM_DOWNLOAD;
	assert_int_equal(stk_dcs_make(STK_CHARSET_8BIT, STK_CLASS_2, false, &dcs),
	    STK_OK);
	assert_int_equal(dcs, 0xf6);
	assert_int_equal(stk_tpdu_set_udh(&t, udh, sizeof(udh)), STK_OK);
	/* 8-bit data refuses a GSM 7-bit DCS */
	assert_int_equal(stk_tpdu_set_octets(&t, data, sizeof(data), 0x00),
	    STK_E_INVALID);
	assert_int_equal(stk_tpdu_set_octets(&t, data, sizeof(data), dcs),
	    STK_OK);
	stk_buf_init(&out);
	assert_int_equal(stk_tpdu_encode(&t, &out), STK_OK);
	assert_int_equal(stk_buf_len(&out), (sizeof(want) - 1) / 2);
	stk_hex_format(hex, stk_buf_data(&out), stk_buf_len(&out), 1);
	assert_string_equal(hex, want);
	stk_buf_free(&out);
}

static void
test_encode_refuses_inconsistent(void **state)
{
	struct stk_tpdu t;
	struct stk_buf out;
	uint8_t mem[4];

	(void)state;
	stk_buf_init(&out);
	stk_tpdu_init(&t, STK_TPDU_SUBMIT);
	assert_int_equal(stk_sms_addr_from_text("123", &t.addr), STK_OK);
	/* UDHI without a header */
	t.udhi = true;
	assert_int_equal(stk_tpdu_encode(&t, &out), STK_E_INCONSISTENT);
	/* header whose UDHL disagrees with its length */
	t.udh_len = 3;
	t.udh[0] = 5;
	assert_int_equal(stk_tpdu_encode(&t, &out), STK_E_INCONSISTENT);
	t.udhi = false;
	t.udh_len = 0;
	/* VPF and the VP disagree */
	t.vpf = STK_VPF_RELATIVE;
	assert_int_equal(stk_tpdu_encode(&t, &out), STK_E_INCONSISTENT);
	t.vp.vpf = STK_VPF_RELATIVE;
	/* septet above 0x7F */
	t.body[0] = 0x80;
	t.body_len = 1;
	assert_int_equal(stk_tpdu_encode(&t, &out), STK_E_INVALID);
	/* 161 septets */
	memset(t.body, 'a', sizeof(t.body));
	t.body_len = 160;
	assert_int_equal(stk_tpdu_encode(&t, &out), STK_OK);
	stk_buf_reset(&out);
	t.udhi = true;
	t.udh_len = 1;
	t.udh[0] = 0;
	assert_int_equal(stk_tpdu_encode(&t, &out), STK_E_TOO_LONG);
	assert_int_equal(stk_buf_len(&out), 0);
	/* 141 octets */
	t.udhi = false;
	t.udh_len = 0;
	t.dcs = 0x04;
	t.body_len = 141;
	assert_int_equal(stk_tpdu_encode(&t, &out), STK_E_TOO_LONG);
	/* reports: RP-ERROR needs a valid TP-FCS */
	stk_tpdu_init(&t, STK_TPDU_DELIVER_REPORT);
	t.rp_error = true;
	t.fcs = 0x12;
	assert_int_equal(stk_tpdu_encode(&t, &out), STK_E_INVALID);
	t.fcs = 0xd5;
	assert_int_equal(stk_tpdu_encode(&t, &out), STK_OK);
	/* a fixed builder that is too small: NOSPACE, not a crash */
	stk_tpdu_init(&t, STK_TPDU_SUBMIT);
	assert_int_equal(stk_sms_addr_from_text("+4912345678", &t.addr), STK_OK);
	{
		struct stk_buf small;

		stk_buf_init_fixed(&small, mem, sizeof(mem));
		assert_int_equal(stk_tpdu_encode(&t, &small), STK_E_NOSPACE);
	}
	stk_buf_free(&out);
}

static void
test_direction_and_type(void **state)
{
	static const uint8_t report[] = { 0x00, 0x00 };
	struct stk_tpdu t;

	(void)state;
	/* MTI 00 is SMS-DELIVER-REPORT from the MS, truncated DELIVER to it */
	assert_int_equal(stk_tpdu_decode(report, sizeof(report),
	    STK_DIR_MS_TO_SC, &t, NULL), STK_OK);
	assert_int_equal(t.type, STK_TPDU_DELIVER_REPORT);
	assert_false(t.rp_error);
	assert_int_equal(stk_tpdu_decode(report, sizeof(report),
	    STK_DIR_SC_TO_MS, &t, NULL), STK_E_TRUNCATED);
	assert_int_equal(stk_tpdu_type_dir(STK_TPDU_SUBMIT), STK_DIR_MS_TO_SC);
	assert_int_equal(stk_tpdu_type_dir(STK_TPDU_STATUS_REPORT),
	    STK_DIR_SC_TO_MS);
	assert_int_equal(stk_tpdu_decode(report, sizeof(report),
	    (enum stk_sms_dir)7, &t, NULL), STK_E_ARG);
}

static void
test_name_tables(void **state)
{
	(void)state;
	assert_string_equal(stk_mti_name(STK_DIR_SC_TO_MS, 0), "SMS-DELIVER");
	assert_string_equal(stk_mti_name(STK_DIR_MS_TO_SC, 0),
	    "SMS-DELIVER-REPORT");
	assert_string_equal(stk_mti_name(STK_DIR_MS_TO_SC, 1), "SMS-SUBMIT");
	assert_string_equal(stk_mti_name(STK_DIR_SC_TO_MS, 1),
	    "SMS-SUBMIT-REPORT");
	assert_string_equal(stk_mti_name(STK_DIR_SC_TO_MS, 2),
	    "SMS-STATUS-REPORT");
	assert_string_equal(stk_mti_name(STK_DIR_MS_TO_SC, 2), "SMS-COMMAND");
	assert_string_equal(stk_mti_name(STK_DIR_MS_TO_SC, 3), "reserved");
	assert_string_equal(stk_pid_name(0x00),
	    "default (no telematic interworking, SME-to-SME protocol)");
	assert_string_equal(stk_pid_name(0x7f), "(U)SIM data download");
	assert_string_equal(stk_pid_name(0x7e),
	    "ME de-personalization short message");
	assert_string_equal(stk_pid_name(0x7d), "ME data download");
	assert_string_equal(stk_pid_name(0x7c), "ANSI-136 R-DATA");
	assert_string_equal(stk_pid_name(0x40), "short message type 0");
	assert_string_equal(stk_pid_name(0x43), "replace short message type 3");
	assert_string_equal(stk_pid_name(0x47), "replace short message type 7");
	assert_string_equal(stk_pid_name(0x48), "reserved message type");
	assert_string_equal(stk_pid_name(0x5f), "return call message");
	assert_string_equal(stk_pid_name(0x3f),
	    "telematic interworking: GSM/UMTS mobile station");
	assert_string_equal(stk_pid_name(0x32),
	    "telematic interworking: Internet Electronic Mail");
	assert_string_equal(stk_pid_name(0x2e),
	    "telematic interworking: reserved device type");
	assert_string_equal(stk_pid_name(0x01),
	    "no telematic interworking, SM-AL protocol");
	assert_string_equal(stk_pid_name(0x80), "reserved");
	assert_string_equal(stk_pid_name(0xc5), "SC specific use");
	assert_string_equal(stk_st_name(0x00), "short message received by the SME");
	assert_string_equal(stk_st_name(0x46),
	    "permanent error: SM validity period expired");
	assert_string_equal(stk_st_name(0x61),
	    "temporary error, SC not trying: SME busy");
	assert_string_equal(stk_st_name(0x15), "values specific to each SC");
	assert_string_equal(stk_st_name(0x26),
	    "reserved (temporary error, SC still trying)");
	assert_string_equal(stk_st_name(0x90), "reserved");
	assert_string_equal(stk_fcs_name(0xd5), "(U)SIM data download error");
	assert_string_equal(stk_fcs_name(0xc5), "SM rejected-duplicate SM");
	assert_string_equal(stk_fcs_name(0xff), "unspecified error cause");
	assert_string_equal(stk_fcs_name(0xe3), "value specific to an application");
	assert_string_equal(stk_fcs_name(0x10), "reserved");
	assert_string_equal(stk_ct_name(0x02),
	    "delete previously submitted short message");
	assert_string_equal(stk_ct_name(0x10), "reserved");
	assert_string_equal(stk_ct_name(0xe0), "values specific for each SC");
	assert_string_equal(stk_tpdu_type_name(99), "unknown TPDU type");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_vectors),
		cmocka_unit_test(test_bad_vectors),
		cmocka_unit_test(test_every_prefix_is_truncated),
		cmocka_unit_test(test_build_hellohello),
		cmocka_unit_test(test_build_ucs2_and_limits),
		cmocka_unit_test(test_build_sim_download),
		cmocka_unit_test(test_encode_refuses_inconsistent),
		cmocka_unit_test(test_direction_and_type),
		cmocka_unit_test(test_name_tables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
