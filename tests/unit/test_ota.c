/*
 * test_ota.c - TS 102 225 / TS 31.115 secured packets: published vectors
 * (tests/vectors/ota/pysim.txt), vectors we computed and cross-checked
 * (tests/vectors/ota/computed.txt), and every way a packet can be bad.
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
#include "ota.h"
#include "ota_crypto.h"
#include "support_vectors.h"

/* ---- helpers ----------------------------------------------------------- */

static void
key_from_hex(const char *hex, struct stk_ota_key *k)
{
	struct stk_buf b;

	memset(k, 0, sizeof(*k));
	if (hex == NULL)
		return;
	stk_buf_init(&b);
	assert_int_equal(stk_hex_decode(hex, &b), STK_OK);
	assert_true(stk_buf_len(&b) <= STK_OTA_KEY_MAX);
	memcpy(k->key, stk_buf_data(&b), stk_buf_len(&b));
	k->len = stk_buf_len(&b);
	stk_buf_free(&b);
}

static unsigned long
hexnum(const char *s)
{
	return strtoul(s, NULL, 16);
}

static void
tar_from_hex(const char *s, uint8_t tar[3])
{
	unsigned long v = hexnum(s);

	tar[0] = (uint8_t)(v >> 16);
	tar[1] = (uint8_t)(v >> 8);
	tar[2] = (uint8_t)v;
}

static void
assert_hex_equal(const uint8_t *got, size_t got_len, const uint8_t *want,
    size_t want_len, const char *what)
{
	if (got_len != want_len || memcmp(got, want, want_len) != 0) {
		char *g = stk_hex_string(got, got_len, 0);
		char *w = stk_hex_string(want, want_len, 0);
		print_error("%s:\n  got  %s\n  want %s\n", what, g, w);
		free(g);
		free(w);
		fail();
	}
}

/* The receiver's view of one TAR, for the look-up callback. */
struct rx_state {
	uint8_t tar[3];
	struct stk_ota_rx_keys keys;
	int calls;
	int fail_with;		/* non-zero: what the look-up returns */
};

static int
lookup_cb(void *arg, const uint8_t tar[3], uint8_t kic, uint8_t kid,
    struct stk_ota_rx_keys *keys)
{
	struct rx_state *rx = arg;

	(void)kic;
	(void)kid;
	rx->calls++;
	if (rx->fail_with != 0)
		return rx->fail_with;
	if (memcmp(tar, rx->tar, 3) != 0)
		return STK_E_NOT_FOUND;
	*keys = rx->keys;
	return STK_OK;
}

/* A vector case read into parameters. */
struct vcase {
	struct stk_ota_key kic_key, kid_key;
	uint16_t spi;
	uint8_t kic, kid, tar[3];
	uint64_t cntr;
	uint8_t *data;
	size_t data_len;
	const char *name;
};

static void
vcase_load(const struct vec_case *vc, struct vcase *v)
{
	const char *s;

	memset(v, 0, sizeof(*v));
	v->name = vec_need(vc, "name");
	v->spi = (uint16_t)hexnum(vec_need(vc, "spi"));
	v->kic = (uint8_t)hexnum(vec_need(vc, "kic"));
	v->kid = (uint8_t)hexnum(vec_need(vc, "kid"));
	key_from_hex(vec_get(vc, "kic-key"), &v->kic_key);
	key_from_hex(vec_get(vc, "kid-key"), &v->kid_key);
	if ((s = vec_get(vc, "tar")) != NULL)
		tar_from_hex(s, v->tar);
	if ((s = vec_get(vc, "cntr")) != NULL)
		v->cntr = strtoull(s, NULL, 16);
	if (vec_get(vc, "data") != NULL)
		v->data = vec_hex(vc, "data", &v->data_len);
}

static void
run_command_case(const struct vec_case *vc, const struct vcase *v)
{
	struct stk_ota_cmd_params p;
	struct stk_buf out;
	uint8_t *want, *udh;
	size_t want_len;
	struct rx_state rx;
	struct stk_ota_command cmd;
	struct stk_diag d;
	uint8_t st;

	want = vec_hex(vc, "packet", &want_len);
	memset(&p, 0, sizeof(p));
	p.spi = v->spi;
	p.kic = v->kic;
	p.kid = v->kid;
	memcpy(p.tar, v->tar, 3);
	p.cntr = v->cntr;
	p.kic_key = &v->kic_key;
	p.kid_key = &v->kid_key;
	stk_buf_init(&out);
	assert_int_equal(stk_ota_wrap_command(&p, v->data, v->data_len, &out),
	    STK_OK);
	assert_hex_equal(stk_buf_data(&out), stk_buf_len(&out), want, want_len,
	    v->name);

	/* And open it again, from CPL on and with the 027000 UDH. */
	memset(&rx, 0, sizeof(rx));
	memcpy(rx.tar, v->tar, 3);
	rx.keys.kic = v->kic_key;
	rx.keys.kid = v->kid_key;
	if (vec_get(vc, "stored-cntr") != NULL)
		rx.keys.counter = strtoull(vec_get(vc, "stored-cntr"), NULL, 16);
	stk_diag_clear(&d);
	assert_int_equal(stk_ota_unwrap_command(want, want_len, lookup_cb, &rx,
	    &cmd, &st, &d), STK_OK);
	assert_int_equal(st, STK_OTA_ST_OK);
	assert_hex_equal(cmd.data, cmd.data_len, v->data, v->data_len, v->name);
	assert_memory_equal(cmd.tar, v->tar, 3);
	assert_true(cmd.cntr == v->cntr);
	assert_int_equal(cmd.spi_raw, v->spi);
	stk_ota_command_free(&cmd);

	udh = malloc(want_len + 3);
	assert_non_null(udh);
	udh[0] = 0x02;
	udh[1] = 0x70;
	udh[2] = 0x00;
	memcpy(udh + 3, want, want_len);
	assert_int_equal(stk_ota_unwrap_command(udh, want_len + 3, lookup_cb,
	    &rx, &cmd, &st, NULL), STK_OK);
	assert_hex_equal(cmd.data, cmd.data_len, v->data, v->data_len, v->name);
	stk_ota_command_free(&cmd);
	free(udh);
	free(want);
	stk_buf_free(&out);
}

static int
errcode(const char *name)
{
	for (int e = 0; e >= -40; e--)
		if (strcmp(stk_errname(e), name) == 0)
			return e;
	fail_msg("unknown error name %s", name);
	return 1;
}

static void
run_response_case(const struct vec_case *vc, const struct vcase *v)
{
	struct stk_ota_resp_params p;
	struct stk_ota_response r;
	struct stk_buf out;
	uint8_t *in;
	size_t in_len;
	struct stk_diag d;
	const char *err = vec_get(vc, "error");
	int ret;

	in = vec_hex(vc, "response", &in_len);
	stk_diag_clear(&d);
	ret = stk_ota_unwrap_response(in, in_len, v->spi, v->kic, v->kid,
	    &v->kic_key, &v->kid_key, &r, &d);
	if (err != NULL) {
		assert_int_equal(ret, errcode(err));
		stk_ota_response_free(&r);
		free(in);
		return;
	}
	assert_int_equal(ret, STK_OK);
	assert_int_equal(r.status, (uint8_t)hexnum(vec_need(vc, "status")));
	assert_memory_equal(r.tar, v->tar, 3);
	assert_true(r.cntr == v->cntr);
	assert_hex_equal(r.data, r.data_len, v->data, v->data_len, v->name);
	stk_ota_response_free(&r);

	/* Building the same PoR gives the same octets (after 027100). */
	memset(&p, 0, sizeof(p));
	p.cmd_spi = v->spi;
	p.kic = v->kic;
	p.kid = v->kid;
	memcpy(p.tar, v->tar, 3);
	p.cntr = v->cntr;
	p.status = (uint8_t)hexnum(vec_need(vc, "status"));
	p.secured = true;
	p.kic_key = &v->kic_key;
	p.kid_key = &v->kid_key;
	stk_buf_init(&out);
	assert_int_equal(stk_ota_wrap_response(&p, v->data, v->data_len, &out),
	    STK_OK);
	assert_true(in_len > 3);
	assert_hex_equal(stk_buf_data(&out), stk_buf_len(&out), in + 3,
	    in_len - 3, v->name);
	stk_buf_free(&out);
	free(in);
}

static void
run_vector_file(const char *path, size_t min_cases)
{
	struct vec_file *vf = vec_load(path);

	assert_true(vf->ncases >= min_cases);
	for (size_t i = 0; i < vf->ncases; i++) {
		const struct vec_case *vc = &vf->cases[i];
		const char *type = vec_need(vc, "type");
		struct vcase v;

		vcase_load(vc, &v);
		if (strcmp(type, "command") == 0)
			run_command_case(vc, &v);
		else if (strcmp(type, "response") == 0)
			run_response_case(vc, &v);
		else
			fail_msg("%s: unknown type %s", v.name, type);
		free(v.data);
	}
	vec_free(vf);
}

static void
test_pysim_vectors(void **state)
{
	(void)state;
	run_vector_file("tests/vectors/ota/pysim.txt", 15);
}

static void
test_asterix_vectors(void **state)
{
	(void)state;
	run_vector_file("tests/vectors/ota/asterix.txt", 8);
}

static void
test_computed_vectors(void **state)
{
	(void)state;
	run_vector_file("tests/vectors/ota/computed.txt", 10);
}

/* ---- field coding ------------------------------------------------------ */

static void
test_spi_round_trip(void **state)
{
	struct stk_ota_spi spi;
	unsigned ok = 0;

	(void)state;
	for (unsigned raw = 0; raw <= 0xFFFF; raw++) {
		bool reserved = (raw & 0xE000) || (raw & 0x00C0) ||
		    (raw & 0x0003) == 0x0003;
		int ret = stk_ota_spi_decode((uint16_t)raw, &spi);

		if (reserved) {
			assert_int_equal(ret, STK_E_INVALID);
			continue;
		}
		assert_int_equal(ret, STK_OK);
		assert_int_equal(stk_ota_spi_encode(&spi), raw);
		ok++;
	}
	assert_int_equal(ok, 32 * 48);	/* 5 bits x (3 * 16) */
	/* 0619 = CC + ciphering, no counter / PoR always, PoR CC, ciphered. */
	assert_int_equal(stk_ota_spi_decode(0x1621, &spi), STK_OK);
	assert_int_equal(spi.integrity, STK_OTA_INTEG_CC);
	assert_true(spi.ciphering);
	assert_int_equal(spi.cntr, STK_OTA_CNTR_HIGHER);
	assert_int_equal(spi.por, STK_OTA_POR_ALWAYS);
	assert_int_equal(spi.por_integrity, STK_OTA_INTEG_NONE);
	assert_false(spi.por_ciphering);
	assert_true(spi.por_via_submit);
	assert_int_equal(stk_ota_spi_decode(0x1E3A, &spi), STK_OK);
	assert_int_equal(spi.cntr, STK_OTA_CNTR_ONE_HIGHER);
	assert_int_equal(spi.integrity, STK_OTA_INTEG_CC);
	assert_int_equal(spi.por, STK_OTA_POR_ON_ERROR);
	assert_int_equal(spi.por_integrity, STK_OTA_INTEG_CC);
	assert_true(spi.por_ciphering);
}

static void
test_kic_kid_coding(void **state)
{
	/* TS 102 225 §5.1.2 (KIc), §5.1.3.1 (KID for CC), §5.1.3.2 (RC). */
	static const struct {
		uint8_t kic;
		enum stk_ota_alg alg;
	} kics[] = {
		{ 0x01, STK_OTA_ALG_DES_CBC },
		{ 0x35, STK_OTA_ALG_3DES2_CBC },
		{ 0x19, STK_OTA_ALG_3DES3_CBC },
		{ 0x0D, STK_OTA_ALG_DES_ECB },
		{ 0x22, STK_OTA_ALG_AES_CBC },
		{ 0x26, STK_OTA_ALG_RESERVED },
		{ 0x10, STK_OTA_ALG_IMPLICIT },
		{ 0x13, STK_OTA_ALG_PROPRIETARY },
	};
	static const struct {
		uint8_t kid;
		enum stk_ota_integrity integ;
		enum stk_ota_alg alg;
	} kids[] = {
		{ 0x15, STK_OTA_INTEG_CC, STK_OTA_ALG_3DES2_CBC },
		{ 0x12, STK_OTA_INTEG_CC, STK_OTA_ALG_AES_CMAC },
		{ 0x16, STK_OTA_INTEG_CC, STK_OTA_ALG_RESERVED },
		{ 0x0D, STK_OTA_INTEG_CC, STK_OTA_ALG_RESERVED },
		{ 0x01, STK_OTA_INTEG_RC, STK_OTA_ALG_CRC16 },
		{ 0x05, STK_OTA_INTEG_RC, STK_OTA_ALG_CRC32 },
		{ 0x09, STK_OTA_INTEG_RC, STK_OTA_ALG_RESERVED },
		{ 0x02, STK_OTA_INTEG_RC, STK_OTA_ALG_RESERVED },
		{ 0x35, STK_OTA_INTEG_NONE, STK_OTA_ALG_NONE },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(kics) / sizeof(kics[0]); i++)
		assert_int_equal(stk_ota_kic_alg(kics[i].kic), kics[i].alg);
	assert_int_equal(stk_ota_key_version(0x35), 3);
	for (size_t i = 0; i < sizeof(kids) / sizeof(kids[0]); i++)
		assert_int_equal(stk_ota_kid_alg(kids[i].kid, kids[i].integ),
		    kids[i].alg);
	assert_string_equal(stk_ota_alg_name(STK_OTA_ALG_AES_CMAC), "AES-CMAC");
}

static void
test_status_names(void **state)
{
	/* TS 102 225 §5.2, TS 31.115 §7; C0..FE proprietary. */
	static const struct {
		uint8_t status;
		const char *name;
	} names[] = {
		{ 0x00, "PoR OK" },
		{ 0x01, "RC/CC/DS failed" },
		{ 0x04, "CNTR blocked" },
		{ 0x09, "TAR unknown" },
		{ 0x0A, "insufficient security level" },
		{ 0x0B, "actual response data to be sent using SMS-SUBMIT" },
		{ 0x0D, "reserved" },
		{ 0xC0, "proprietary" },
		{ 0xFE, "proprietary" },
		{ 0xFF, "reserved" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_string_equal(stk_ota_status_name(names[i].status),
		    names[i].name);
	assert_string_equal(stk_ota_status_symbol(0x02), "STK_OTA_ST_CNTR_LOW");
	assert_null(stk_ota_status_symbol(0x0D));
	for (unsigned s = 0; s <= 0x0C; s++)
		assert_non_null(stk_ota_status_symbol((uint8_t)s));
}

/* Published check values of the ISO/IEC 13239 CRCs over "123456789"
 * (CRC-16/X-25 = CRC-16/IBM-SDLC: 906E; CRC-32: CBF43926). */
static void
test_crc_check_values(void **state)
{
	static const uint8_t check[] = "123456789";

	(void)state;
	assert_int_equal(stk_ota_crc16(check, 9), 0x906E);
	assert_int_equal(stk_ota_crc32(check, 9), 0xCBF43926u);
	assert_int_equal(stk_ota_crc16(check, 0), 0x0000);
	assert_int_equal(stk_ota_crc32(check, 0), 0x00000000u);
	/* asterix TestCRC.test_CRC32 ("ETSI 102.225 ... Annex B"). */
	assert_int_equal(stk_ota_crc32((const uint8_t *)"\x01\x02\x03\x04\x05",
	    5), 0x470B99F4u);
}

/* NIST SP 800-38B / RFC 4493 AES-128 CMAC examples 1-2 through stk_ota_cc. */
static void
test_cmac_rfc4493(void **state)
{
	struct stk_ota_key k;
	struct stk_buf m;
	uint8_t tag[16];
	static const uint8_t t0[16] = {
		0xbb, 0x1d, 0x69, 0x29, 0xe9, 0x59, 0x37, 0x28,
		0x7f, 0xa3, 0x7d, 0x12, 0x9b, 0x75, 0x67, 0x46 };
	static const uint8_t t16[16] = {
		0x07, 0x0a, 0x16, 0xb4, 0x6b, 0x4d, 0x41, 0x44,
		0xf7, 0x9b, 0xdd, 0x9d, 0xd0, 0x4a, 0x28, 0x7c };

	(void)state;
	key_from_hex("2b7e151628aed2a6abf7158809cf4f3c", &k);
	assert_int_equal(stk_ota_cc(STK_OTA_ALG_AES_CMAC, &k, NULL, 0, tag, 16),
	    STK_OK);
	assert_memory_equal(tag, t0, 16);
	stk_buf_init(&m);
	assert_int_equal(stk_hex_decode("6bc1bee22e409f96e93d7e117393172a", &m),
	    STK_OK);
	assert_int_equal(stk_ota_cc(STK_OTA_ALG_AES_CMAC, &k, stk_buf_data(&m),
	    16, tag, 8), STK_OK);
	assert_memory_equal(tag, t16, 8);	/* leftmost 8 octets */
	stk_buf_free(&m);
	assert_int_equal(stk_ota_cc(STK_OTA_ALG_3DES2_CBC, &k, tag, 8, tag, 4),
	    STK_E_ARG);
}

/* FIPS 81 / NBS example: DES key 0123456789ABCDEF, "Now is t" -> 3FA40E8A
 * 984D4815 (ECB of one block = CBC with zero IV). */
static void
test_des_known_answer(void **state)
{
	struct stk_ota_key k;
	uint8_t out[8];
	static const uint8_t in[8] = { 'N', 'o', 'w', ' ', 'i', 's', ' ', 't' };
	static const uint8_t want[8] = {
		0x3f, 0xa4, 0x0e, 0x8a, 0x98, 0x4d, 0x48, 0x15 };

	(void)state;
	assert_int_equal(stk_ota_crypto_legacy(), STK_OK);
	key_from_hex("0123456789ABCDEF", &k);
	assert_int_equal(stk_ota_cbc(STK_OTA_ALG_DES_CBC, &k, 1, in, out, 8),
	    STK_OK);
	assert_memory_equal(out, want, 8);
	assert_int_equal(stk_ota_cbc(STK_OTA_ALG_DES_CBC, &k, 1, in, out, 7),
	    STK_E_ARG);
	k.len = 16;
	assert_int_equal(stk_ota_cbc(STK_OTA_ALG_DES_CBC, &k, 1, in, out, 8),
	    STK_E_ARG);
}

/* ---- receiving: every PoR status --------------------------------------- */

/* A 3DES keyset and a TAR for the negative tests. */
static void
neg_setup(struct stk_ota_cmd_params *p, struct stk_ota_key *kic,
    struct stk_ota_key *kid, struct rx_state *rx, uint16_t spi, uint64_t cntr)
{
	key_from_hex("300102030405060708090a0b0c0d0e0f", kic);
	key_from_hex("301102030405060708090a0b0c0d0e0f", kid);
	memset(p, 0, sizeof(*p));
	p->spi = spi;
	p->kic = 0x35;
	p->kid = 0x35;
	p->tar[0] = 0xB0;
	p->tar[1] = 0x00;
	p->tar[2] = 0x11;
	p->cntr = cntr;
	p->kic_key = kic;
	p->kid_key = kid;
	memset(rx, 0, sizeof(*rx));
	memcpy(rx->tar, p->tar, 3);
	rx->keys.kic = *kic;
	rx->keys.kid = *kid;
}

static const uint8_t apdu[] = { 0x00, 0xa4, 0x00, 0x04, 0x02, 0x3f, 0x00 };

static int
wrap_unwrap(const struct stk_ota_cmd_params *p, struct rx_state *rx,
    uint8_t *st, struct stk_ota_command *cmd, struct stk_diag *d)
{
	struct stk_buf out;
	int ret;

	stk_buf_init(&out);
	assert_int_equal(stk_ota_wrap_command(p, apdu, sizeof(apdu), &out),
	    STK_OK);
	stk_diag_clear(d);
	ret = stk_ota_unwrap_command(stk_buf_data(&out), stk_buf_len(&out),
	    lookup_cb, rx, cmd, st, d);
	stk_buf_free(&out);
	return ret;
}

/*
 * Unwrap pkt[0..n) as the receiver rx and release the command: the
 * result, with the PoR status in *st and the diagnostic in *d.
 */
static int
unwrap_only(const uint8_t *pkt, size_t n, struct rx_state *rx, uint8_t *st,
    struct stk_diag *d)
{
	struct stk_ota_command cmd;
	int ret;

	stk_diag_clear(d);
	ret = stk_ota_unwrap_command(pkt, n, lookup_cb, rx, &cmd, st, d);
	stk_ota_command_free(&cmd);
	return ret;
}

static void
test_counter_rules(void **state)
{
	struct stk_ota_cmd_params p;
	struct stk_ota_key kic, kid;
	struct rx_state rx;
	struct stk_ota_command cmd;
	struct stk_diag d;
	uint8_t st;
	bool upd;
	uint64_t nc;

	(void)state;
	/* SPI 1E19: CC, ciphered, counter must be exactly one higher. */
	neg_setup(&p, &kic, &kid, &rx, 0x1E19, 6);
	rx.keys.counter = 5;
	assert_int_equal(wrap_unwrap(&p, &rx, &st, &cmd, &d), STK_OK);
	assert_int_equal(st, STK_OTA_ST_OK);
	assert_true(cmd.counter_update);
	assert_true(cmd.new_counter == 6);
	stk_ota_command_free(&cmd);
	/* Replay: the same counter again. */
	rx.keys.counter = 6;
	assert_int_equal(wrap_unwrap(&p, &rx, &st, &cmd, &d), STK_E_REPLAY);
	assert_int_equal(st, STK_OTA_ST_CNTR_LOW);
	assert_string_equal(d.field, "CNTR");
	assert_false(cmd.counter_update);
	stk_ota_command_free(&cmd);
	/* Lower. */
	rx.keys.counter = 100;
	assert_int_equal(wrap_unwrap(&p, &rx, &st, &cmd, &d), STK_E_REPLAY);
	assert_int_equal(st, STK_OTA_ST_CNTR_LOW);
	stk_ota_command_free(&cmd);
	/* Exactly-one-higher violated: two higher. */
	rx.keys.counter = 4;
	assert_int_equal(wrap_unwrap(&p, &rx, &st, &cmd, &d), STK_E_REPLAY);
	assert_int_equal(st, STK_OTA_ST_CNTR_HIGH);
	stk_ota_command_free(&cmd);
	/* "Higher" (SPI 1619) accepts a jump. */
	p.spi = 0x1619;
	assert_int_equal(wrap_unwrap(&p, &rx, &st, &cmd, &d), STK_OK);
	assert_true(cmd.counter_update && cmd.new_counter == 6);
	stk_ota_command_free(&cmd);
	/* Blocked at the maximum, even for a "higher" counter. */
	rx.keys.counter = STK_OTA_CNTR_MAX;
	p.cntr = STK_OTA_CNTR_MAX;
	assert_int_equal(wrap_unwrap(&p, &rx, &st, &cmd, &d), STK_E_REPLAY);
	assert_int_equal(st, STK_OTA_ST_CNTR_BLOCKED);
	stk_ota_command_free(&cmd);
	/* No checking: any counter, no update. */
	p.spi = 0x0E19;
	p.cntr = 1;
	assert_int_equal(wrap_unwrap(&p, &rx, &st, &cmd, &d), STK_OK);
	assert_false(cmd.counter_update);
	stk_ota_command_free(&cmd);
	/* The rule alone. */
	assert_int_equal(stk_ota_counter_check(STK_OTA_CNTR_HIGHER, 9, 10, &upd,
	    &nc), STK_OTA_ST_OK);
	assert_true(upd && nc == 10);
	assert_int_equal(stk_ota_counter_check(STK_OTA_CNTR_ONE_HIGHER,
	    STK_OTA_CNTR_MAX - 1, STK_OTA_CNTR_MAX, &upd, &nc), STK_OTA_ST_OK);
	assert_int_equal(stk_ota_counter_check(STK_OTA_CNTR_NONE, 9, 0, &upd,
	    &nc), STK_OTA_ST_OK);
	assert_false(upd);
	/* A counter beyond 5 octets cannot be sent. */
	p.cntr = STK_OTA_CNTR_MAX + 1;
	{
		struct stk_buf out;
		stk_buf_init(&out);
		assert_int_equal(stk_ota_wrap_command(&p, apdu, sizeof(apdu),
		    &out), STK_E_ARG);
		stk_buf_free(&out);
	}
}

static void
test_wrong_cc_and_keys(void **state)
{
	struct stk_ota_cmd_params p;
	struct stk_ota_key kic, kid;
	struct rx_state rx;
	struct stk_ota_command cmd;
	struct stk_buf out;
	struct stk_diag d;
	uint8_t st;

	(void)state;
	/* Unciphered CC packet with one CC bit flipped. */
	neg_setup(&p, &kic, &kid, &rx, 0x0209, 0);
	stk_buf_init(&out);
	assert_int_equal(stk_ota_wrap_command(&p, apdu, sizeof(apdu), &out),
	    STK_OK);
	stk_buf_data(&out)[16] ^= 0x01;		/* first CC octet */
	stk_diag_clear(&d);
	assert_int_equal(stk_ota_unwrap_command(stk_buf_data(&out),
	    stk_buf_len(&out), lookup_cb, &rx, &cmd, &st, &d), STK_E_VERIFY);
	assert_int_equal(st, STK_OTA_ST_RC_CC_DS_FAILED);
	assert_string_equal(d.field, "RC/CC/DS");
	assert_int_equal(d.offset, 16);
	assert_null(cmd.data);
	stk_ota_command_free(&cmd);
	/* A data bit flipped instead. */
	stk_buf_data(&out)[16] ^= 0x01;
	stk_buf_data(&out)[stk_buf_len(&out) - 1] ^= 0x80;
	assert_int_equal(stk_ota_unwrap_command(stk_buf_data(&out),
	    stk_buf_len(&out), lookup_cb, &rx, &cmd, &st, NULL), STK_E_VERIFY);
	stk_ota_command_free(&cmd);
	stk_buf_free(&out);

	/* Ciphered + CC, the receiver holds another KIc: CC fails (01). */
	neg_setup(&p, &kic, &kid, &rx, 0x0619, 0);
	rx.keys.kic.key[0] ^= 0x40;
	assert_int_equal(wrap_unwrap(&p, &rx, &st, &cmd, &d), STK_E_VERIFY);
	assert_int_equal(st, STK_OTA_ST_RC_CC_DS_FAILED);
	stk_ota_command_free(&cmd);
	/* ... another KID. */
	neg_setup(&p, &kic, &kid, &rx, 0x0619, 0);
	rx.keys.kid.key[15] ^= 0x02;	/* not a DES parity bit */
	assert_int_equal(wrap_unwrap(&p, &rx, &st, &cmd, &d), STK_E_VERIFY);
	stk_ota_command_free(&cmd);
	/* ... a KIc of the wrong size for 3DES-2KEY: ciphering error. */
	neg_setup(&p, &kic, &kid, &rx, 0x0619, 0);
	rx.keys.kic.len = 24;
	assert_int_equal(wrap_unwrap(&p, &rx, &st, &cmd, &d), STK_E_CRYPTO);
	assert_int_equal(st, STK_OTA_ST_CIPHERING_ERROR);
	stk_ota_command_free(&cmd);
	/* ... no KID at all. */
	neg_setup(&p, &kic, &kid, &rx, 0x0619, 0);
	rx.keys.kid.len = 0;
	assert_int_equal(wrap_unwrap(&p, &rx, &st, &cmd, &d), STK_E_CRYPTO);
	assert_int_equal(st, STK_OTA_ST_RC_CC_DS_FAILED);
	stk_ota_command_free(&cmd);
	/* Sender without the keys its SPI needs. */
	neg_setup(&p, &kic, &kid, &rx, 0x0619, 0);
	p.kic_key = NULL;
	stk_buf_init(&out);
	assert_int_equal(stk_ota_wrap_command(&p, apdu, sizeof(apdu), &out),
	    STK_E_ARG);
	/* DS and DES-ECB are not supported. */
	neg_setup(&p, &kic, &kid, &rx, 0x0319, 0);
	assert_int_equal(stk_ota_wrap_command(&p, apdu, sizeof(apdu), &out),
	    STK_E_UNSUPPORTED);
	neg_setup(&p, &kic, &kid, &rx, 0x0419, 0);
	p.kic = 0x0D;
	assert_int_equal(stk_ota_wrap_command(&p, apdu, sizeof(apdu), &out),
	    STK_E_UNSUPPORTED);
	assert_int_equal(stk_buf_len(&out), 0);
	stk_buf_free(&out);
}

static void
test_tar_and_msl(void **state)
{
	struct stk_ota_cmd_params p;
	struct stk_ota_key kic, kid;
	struct rx_state rx;
	struct stk_ota_command cmd;
	struct stk_diag d;
	uint8_t st;

	(void)state;
	neg_setup(&p, &kic, &kid, &rx, 0x0619, 0);
	rx.tar[2] = 0x12;
	assert_int_equal(wrap_unwrap(&p, &rx, &st, &cmd, &d), STK_E_NOT_FOUND);
	assert_int_equal(st, STK_OTA_ST_TAR_UNKNOWN);
	assert_string_equal(d.field, "TAR");
	assert_int_equal(d.offset, 7);
	assert_false(cmd.keys_known);
	assert_memory_equal(cmd.tar, p.tar, 3);	/* for the PoR */
	stk_ota_command_free(&cmd);
	/* Look-up failing otherwise: unidentified security error. */
	neg_setup(&p, &kic, &kid, &rx, 0x0619, 0);
	rx.fail_with = STK_E_IO;
	assert_int_equal(wrap_unwrap(&p, &rx, &st, &cmd, &d), STK_E_IO);
	assert_int_equal(st, STK_OTA_ST_SECURITY_ERROR);
	stk_ota_command_free(&cmd);
	/* MSL: TAR demands CC + ciphering + counter; packet has only RC. */
	neg_setup(&p, &kic, &kid, &rx, 0x0101, 0);
	p.kid = 0x05;	/* CRC-32 */
	rx.keys.msl.integrity = STK_OTA_INTEG_CC;
	assert_int_equal(wrap_unwrap(&p, &rx, &st, &cmd, &d), STK_E_STATE);
	assert_int_equal(st, STK_OTA_ST_INSUFFICIENT_SEC);
	assert_true(cmd.keys_known);
	stk_ota_command_free(&cmd);
	neg_setup(&p, &kic, &kid, &rx, 0x0219, 0);
	rx.keys.msl.ciphering = true;
	assert_int_equal(wrap_unwrap(&p, &rx, &st, &cmd, &d), STK_E_STATE);
	stk_ota_command_free(&cmd);
	neg_setup(&p, &kic, &kid, &rx, 0x0E19, 0);
	rx.keys.msl.cntr = STK_OTA_CNTR_HIGHER;
	assert_int_equal(wrap_unwrap(&p, &rx, &st, &cmd, &d), STK_E_STATE);
	stk_ota_command_free(&cmd);
	/* Meeting the MSL exactly passes. */
	neg_setup(&p, &kic, &kid, &rx, 0x1619, 1);
	rx.keys.msl.integrity = STK_OTA_INTEG_CC;
	rx.keys.msl.ciphering = true;
	rx.keys.msl.cntr = STK_OTA_CNTR_HIGHER;
	assert_int_equal(wrap_unwrap(&p, &rx, &st, &cmd, &d), STK_OK);
	stk_ota_command_free(&cmd);
	/* No look-up at all. */
	{
		uint8_t pkt[] = { 0x00, 0x0e, 0x0d, 0x00, 0x00, 0x00, 0x00,
		    1, 2, 3, 0, 0, 0, 0, 0, 0 };
		assert_int_equal(stk_ota_unwrap_command(pkt, sizeof(pkt), NULL,
		    NULL, &cmd, &st, NULL), STK_E_NOT_FOUND);
		assert_int_equal(st, STK_OTA_ST_TAR_UNKNOWN);
		stk_ota_command_free(&cmd);
	}
}

/*
 * Craft a ciphered 3DES packet with CC whose body is given in clear
 * (CNTR PCNTR CC-placeholder data...): the CC is computed correctly, so
 * only the PCNTR is wrong.
 */
static size_t
craft_ciphered(uint8_t *pkt, const uint8_t *tail, size_t tail_len,
    uint8_t pcntr, const struct stk_ota_key *kic, const struct stk_ota_key *kid)
{
	uint8_t mac_in[256], cc[8];
	size_t body_len = 6 + 8 + tail_len, cpl = 1 + 21 + tail_len, n = 0;

	assert_true(body_len % 8 == 0);
	pkt[0] = (uint8_t)(cpl >> 8);
	pkt[1] = (uint8_t)cpl;
	pkt[2] = 21;
	pkt[3] = 0x06;
	pkt[4] = 0x19;
	pkt[5] = 0x35;
	pkt[6] = 0x35;
	pkt[7] = 0xB0;
	pkt[8] = 0x00;
	pkt[9] = 0x11;
	memset(pkt + 10, 0, 5);
	pkt[15] = pcntr;
	memcpy(pkt + 24, tail, tail_len);
	memcpy(mac_in, pkt, 16);
	n = 16;
	memcpy(mac_in + n, tail, tail_len);
	n += tail_len;
	assert_int_equal(stk_ota_cc(STK_OTA_ALG_3DES2_CBC, kid, mac_in, n, cc, 8),
	    STK_OK);
	memcpy(pkt + 16, cc, 8);
	assert_int_equal(stk_ota_cbc(STK_OTA_ALG_3DES2_CBC, kic, 1, pkt + 10,
	    pkt + 10, body_len), STK_OK);
	return 10 + body_len;
}

static void
test_bad_padding(void **state)
{
	struct stk_ota_cmd_params p;
	struct stk_ota_key kic, kid;
	struct rx_state rx;
	struct stk_ota_command cmd;
	struct stk_diag d;
	uint8_t pkt[64], st;
	static const uint8_t tail[10] = { 0xAA, 0xBB, 0, 0, 0, 0, 0, 0, 0, 0 };
	size_t n;

	(void)state;
	neg_setup(&p, &kic, &kid, &rx, 0x0619, 0);
	/* Well-formed control: PCNTR 8 - 1... must be < 8, here 7 is fine. */
	n = craft_ciphered(pkt, tail, sizeof(tail), 7, &kic, &kid);
	assert_int_equal(stk_ota_unwrap_command(pkt, n, lookup_cb, &rx, &cmd,
	    &st, NULL), STK_OK);
	assert_int_equal(cmd.data_len, 3);
	stk_ota_command_free(&cmd);
	/* PCNTR larger than the data. */
	n = craft_ciphered(pkt, tail, sizeof(tail), 11, &kic, &kid);
	assert_int_equal(unwrap_only(pkt, n, &rx, &st, &d), STK_E_CRYPTO);
	assert_int_equal(st, STK_OTA_ST_CIPHERING_ERROR);
	assert_string_equal(d.field, "PCNTR");
	assert_int_equal(d.offset, 15);
	/* PCNTR a whole block or more (padding never needs 8). */
	n = craft_ciphered(pkt, tail, sizeof(tail), 8, &kic, &kid);
	assert_int_equal(unwrap_only(pkt, n, &rx, &st, &d), STK_E_CRYPTO);
	/* Ciphertext not a multiple of the block: drop one octet, fix CPL. */
	n = craft_ciphered(pkt, tail, sizeof(tail), 0, &kic, &kid);
	pkt[1]--;
	assert_int_equal(unwrap_only(pkt, n - 1, &rx, &st, &d), STK_E_CRYPTO);
	assert_int_equal(st, STK_OTA_ST_CIPHERING_ERROR);
	assert_string_equal(d.field, "ciphered data");
}

static void
test_structure_errors(void **state)
{
	struct stk_ota_cmd_params p;
	struct stk_ota_key kic, kid;
	struct rx_state rx;
	struct stk_ota_command cmd;
	struct stk_buf out;
	struct stk_diag d;
	uint8_t st, *big;
	uint8_t *pkt;
	size_t n;

	(void)state;
	neg_setup(&p, &kic, &kid, &rx, 0x0619, 0);
	stk_buf_init(&out);
	assert_int_equal(stk_ota_wrap_command(&p, apdu, sizeof(apdu), &out),
	    STK_OK);
	pkt = stk_buf_data(&out);
	n = stk_buf_len(&out);
	/* Every truncation: a named error, status 06, never a crash. */
	for (size_t cut = 0; cut < n; cut++) {
		assert_true(unwrap_only(pkt, cut, &rx, &st, &d) ==
		    STK_E_TRUNCATED);
		assert_int_equal(st, STK_OTA_ST_SECURITY_ERROR);
	}
	/* CPL one too large / too small. */
	pkt[1]++;
	assert_int_equal(unwrap_only(pkt, n, &rx, &st, &d), STK_E_TRUNCATED);
	assert_string_equal(d.field, "CPL");
	pkt[1] -= 2;
	assert_int_equal(unwrap_only(pkt, n, &rx, &st, &d), STK_E_TRAILING);
	assert_int_equal(d.offset, n - 1);
	pkt[1]++;
	/* CHL below 13 and beyond the packet. */
	pkt[2] = 12;
	assert_int_equal(unwrap_only(pkt, n, &rx, &st, &d),
	    STK_E_INCONSISTENT);
	assert_string_equal(d.field, "CHL");
	assert_int_equal(st, STK_OTA_ST_SECURITY_ERROR);
	pkt[2] = 0xFF;
	assert_int_equal(unwrap_only(pkt, n, &rx, &st, &d),
	    STK_E_INCONSISTENT);
	/* CHL not matching the CC length of the algorithm (3DES: 8). */
	pkt[2] = 21 + 8;
	assert_int_equal(unwrap_only(pkt, n, &rx, &st, &d),
	    STK_E_INCONSISTENT);
	pkt[2] = 21;
	/* Reserved SPI bits. */
	pkt[3] |= 0x80;
	assert_int_equal(unwrap_only(pkt, n, &rx, &st, &d), STK_E_INVALID);
	assert_string_equal(d.field, "SPI");
	assert_int_equal(d.offset, 3);
	pkt[3] &= 0x7F;
	/* Reserved KIc code point (AES b4b3 = 01). */
	pkt[5] = 0x26;
	assert_int_equal(unwrap_only(pkt, n, &rx, &st, &d), STK_E_UNSUPPORTED);
	assert_int_equal(st, STK_OTA_ST_SECURITY_ERROR);
	pkt[5] = 0x35;
	/* Still intact. */
	assert_int_equal(unwrap_only(pkt, n, &rx, &st, &d), STK_OK);
	stk_buf_free(&out);
	/* Oversized input. */
	big = calloc(1, STK_OTA_PACKET_MAX + 3);
	assert_non_null(big);
	big[0] = 0xFF;
	big[1] = 0xFF;
	assert_int_equal(unwrap_only(big, STK_OTA_PACKET_MAX + 3, &rx, &st, &d),
	    STK_E_TOO_LONG);
	/* And oversized data to wrap. */
	stk_buf_init(&out);
	assert_int_equal(stk_ota_wrap_command(&p, big, STK_OTA_PACKET_MAX,
	    &out), STK_E_TOO_LONG);
	stk_buf_free(&out);
	free(big);
	/* Unciphered packet with a non-zero PCNTR. */
	{
		uint8_t plain[] = { 0x00, 0x10, 0x0d, 0x00, 0x00, 0x35, 0x35,
		    0xB0, 0x00, 0x11, 0, 0, 0, 0, 0, 3, 0xAA, 0xBB };
		assert_int_equal(unwrap_only(plain, sizeof(plain), &rx, &st,
		    &d), STK_E_INCONSISTENT);
		assert_int_equal(st, STK_OTA_ST_SECURITY_ERROR);
		plain[15] = 0;
		assert_int_equal(stk_ota_unwrap_command(plain, sizeof(plain),
		    lookup_cb, &rx, &cmd, &st, NULL), STK_OK);
		assert_int_equal(cmd.data_len, 2);
		stk_ota_command_free(&cmd);
	}
}

/* ---- responses --------------------------------------------------------- */

static void
test_response_errors(void **state)
{
	struct stk_ota_key kic, kid;
	struct stk_ota_resp_params p;
	struct stk_ota_response r;
	struct stk_buf out;
	struct stk_diag d;
	uint8_t buf[128];
	static const uint8_t data[] = { 0x01, 0x90, 0x00 };
	size_t n;

	(void)state;
	key_from_hex("300102030405060708090a0b0c0d0e0f", &kic);
	key_from_hex("301102030405060708090a0b0c0d0e0f", &kid);
	memset(&p, 0, sizeof(p));
	p.cmd_spi = 0x0619;
	p.kic = p.kid = 0x35;
	p.tar[0] = 0xB0;
	p.cntr = 42;
	p.status = STK_OTA_ST_OK;
	p.secured = true;
	p.kic_key = &kic;
	p.kid_key = &kid;
	stk_buf_init(&out);
	stk_buf_add_bytes(&out, "\x02\x71\x00", 3);
	assert_int_equal(stk_ota_wrap_response(&p, data, sizeof(data), &out),
	    STK_OK);
	n = stk_buf_len(&out);
	assert_true(n <= sizeof(buf));
	memcpy(buf, stk_buf_data(&out), n);
	assert_int_equal(stk_ota_unwrap_response(buf, n, 0x0619, 0x35, 0x35,
	    &kic, &kid, &r, NULL), STK_OK);
	assert_true(r.secured);
	assert_true(r.cntr == 42);
	assert_int_equal(r.data_len, 3);
	stk_ota_response_free(&r);
	/* Without the UDH too (CC still covers 027100). */
	assert_int_equal(stk_ota_unwrap_response(buf + 3, n - 3, 0x0619, 0x35,
	    0x35, &kic, &kid, &r, NULL), STK_OK);
	stk_ota_response_free(&r);
	/* Truncations. */
	for (size_t cut = 0; cut < n; cut++) {
		int ret = stk_ota_unwrap_response(buf, cut, 0x0619, 0x35, 0x35,
		    &kic, &kid, &r, NULL);
		assert_true(ret < 0);
		stk_ota_response_free(&r);
	}
	/* Any flipped bit after the UDH fails. */
	for (size_t i = 3; i < n; i++) {
		int ret;
		buf[i] ^= 0x04;
		ret = stk_ota_unwrap_response(buf, n, 0x0619, 0x35, 0x35, &kic,
		    &kid, &r, NULL);
		assert_true(ret < 0);
		stk_ota_response_free(&r);
		buf[i] ^= 0x04;
	}
	/* A different UDH is not covered as 027100: CC fails. */
	buf[1] = 0x72;
	stk_diag_clear(&d);
	assert_true(stk_ota_unwrap_response(buf, n, 0x0619, 0x35, 0x35, &kic,
	    &kid, &r, &d) < 0);
	stk_ota_response_free(&r);
	buf[1] = 0x71;
	/* Wrong KID: verification failure. */
	kid.key[0] ^= 2;
	stk_diag_clear(&d);
	assert_int_equal(stk_ota_unwrap_response(buf, n, 0x0619, 0x35, 0x35,
	    &kic, &kid, &r, &d), STK_E_VERIFY);
	assert_string_equal(d.field, "RC/CC/DS");
	stk_ota_response_free(&r);
	kid.key[0] ^= 2;
	stk_buf_free(&out);

	/* An unsecured PoR (status 09) answering a CC-asking command. */
	p.secured = false;
	p.status = STK_OTA_ST_TAR_UNKNOWN;
	stk_buf_init(&out);
	assert_int_equal(stk_ota_wrap_response(&p, NULL, 0, &out), STK_OK);
	assert_int_equal(stk_buf_len(&out), 13);
	assert_int_equal(stk_ota_unwrap_response(stk_buf_data(&out),
	    stk_buf_len(&out), 0x0619, 0x35, 0x35, &kic, &kid, &r, NULL), STK_OK);
	assert_false(r.secured);
	assert_int_equal(r.status, STK_OTA_ST_TAR_UNKNOWN);
	stk_ota_response_free(&r);
	stk_buf_free(&out);
	/* RHL 9 is invalid; RHL inconsistent with the CC length. */
	{
		uint8_t bad[] = { 0x02, 0x71, 0x00, 0x00, 0x0c, 0x09, 0xB0, 0, 0,
		    0, 0, 0, 0, 0, 0, 0, 0 };
		stk_diag_clear(&d);
		assert_int_equal(stk_ota_unwrap_response(bad, sizeof(bad),
		    0x0601, 0x35, 0x35, &kic, &kid, &r, &d),
		    STK_E_INCONSISTENT);
		assert_string_equal(d.field, "RHL");
		assert_int_equal(d.offset, 5);
		stk_ota_response_free(&r);
		bad[5] = 0x0C;	/* 2-octet checksum where 3DES gives 8 */
		assert_int_equal(stk_ota_unwrap_response(bad, sizeof(bad),
		    0x0609, 0x35, 0x35, &kic, &kid, &r, NULL),
		    STK_E_INCONSISTENT);
		stk_ota_response_free(&r);
	}
}

/* ---- all algorithm combinations both ways ------------------------------ */

static void
test_all_combinations(void **state)
{
	static const struct {
		uint8_t kic;
		const char *key;
	} ciphers[] = {
		{ 0x01, "0123456789abcdef" },
		{ 0x05, "0123456789abcdeffedcba9876543210" },
		{ 0x09, "0123456789abcdeffedcba987654321089abcdef01234567" },
		{ 0x02, "000102030405060708090a0b0c0d0e0f" },
		{ 0x02, "000102030405060708090a0b0c0d0e0f1011121314151617" },
		{ 0x02, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" },
	};
	static const uint8_t integ[][2] = {	/* SPI b2b1, KID */
		{ 0, 0x00 }, { 1, 0x01 }, { 1, 0x05 }, { 2, 0x01 }, { 2, 0x05 },
		{ 2, 0x09 }, { 2, 0x02 },
	};
	static const char *const cc_keys[] = {
		NULL, NULL, NULL, "0123456789abcdef",
		"0123456789abcdeffedcba9876543210",
		"0123456789abcdeffedcba987654321089abcdef01234567",
		"000102030405060708090a0b0c0d0e0f",
	};
	uint8_t data[300];
	unsigned count = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 1);
	for (size_t c = 0; c < sizeof(ciphers) / sizeof(ciphers[0]); c++)
	for (size_t g = 0; g < sizeof(integ) / sizeof(integ[0]); g++)
	for (int ciph = 0; ciph <= 1; ciph++)
	for (size_t len = 0; len <= 40; len += 13) {
		struct stk_ota_cmd_params p;
		struct stk_ota_resp_params rp;
		struct stk_ota_key kic, kid;
		struct rx_state rx;
		struct stk_ota_command cmd;
		struct stk_ota_response r;
		struct stk_buf out;
		uint8_t st;
		uint16_t spi = (uint16_t)((integ[g][0] | (ciph ? 4 : 0) |
		    (2 << 3)) << 8 | 0x01 | (integ[g][0] << 2) |
		    (ciph ? 0x10 : 0));

		key_from_hex(ciphers[c].key, &kic);
		key_from_hex(cc_keys[g], &kid);
		memset(&p, 0, sizeof(p));
		p.spi = spi;
		p.kic = (uint8_t)(ciphers[c].kic | 0x10);
		p.kid = (uint8_t)(integ[g][1] | 0x20);
		p.tar[0] = 1;
		p.cntr = 7;
		p.kic_key = &kic;
		p.kid_key = &kid;
		stk_buf_init(&out);
		assert_int_equal(stk_ota_wrap_command(&p, data, len, &out),
		    STK_OK);
		memset(&rx, 0, sizeof(rx));
		rx.tar[0] = 1;
		rx.keys.kic = kic;
		rx.keys.kid = kid;
		rx.keys.counter = 6;
		assert_int_equal(stk_ota_unwrap_command(stk_buf_data(&out),
		    stk_buf_len(&out), lookup_cb, &rx, &cmd, &st, NULL), STK_OK);
		assert_int_equal(cmd.data_len, len);
		assert_memory_equal(cmd.data, data, len);
		if (ciph)
			assert_int_equal((stk_buf_len(&out) - 10) %
			    (ciphers[c].kic == 0x02 ? 16 : 8), 0);
		stk_ota_command_free(&cmd);
		/* Corrupt the last octet: secured packets must notice. */
		if (integ[g][0] != 0 && len > 0) {
			stk_buf_data(&out)[stk_buf_len(&out) - 1] ^= 0x10;
			assert_true(stk_ota_unwrap_command(stk_buf_data(&out),
			    stk_buf_len(&out), lookup_cb, &rx, &cmd, &st,
			    NULL) < 0);
			assert_true(st == STK_OTA_ST_RC_CC_DS_FAILED ||
			    st == STK_OTA_ST_CIPHERING_ERROR);
			stk_ota_command_free(&cmd);
		}
		stk_buf_free(&out);

		/* The PoR with the same SPI octet 2. */
		memset(&rp, 0, sizeof(rp));
		rp.cmd_spi = spi;
		rp.kic = p.kic;
		rp.kid = p.kid;
		rp.cntr = 7;
		rp.status = STK_OTA_ST_OK;
		rp.secured = true;
		rp.kic_key = &kic;
		rp.kid_key = &kid;
		stk_buf_init(&out);
		assert_int_equal(stk_ota_wrap_response(&rp, data, len, &out),
		    STK_OK);
		assert_int_equal(stk_ota_unwrap_response(stk_buf_data(&out),
		    stk_buf_len(&out), spi, p.kic, p.kid, &kic, &kid, &r, NULL),
		    STK_OK);
		assert_int_equal(r.data_len, len);
		assert_memory_equal(r.data, data, len);
		stk_ota_response_free(&r);
		stk_buf_free(&out);
		count++;
	}
	assert_int_equal(count, 6 * 7 * 2 * 4);
}

/* Implicit algorithms ("known implicitly", b2b1 = 00) come from the key. */
static void
test_implicit_algorithms(void **state)
{
	struct stk_ota_cmd_params p;
	struct stk_ota_key kic, kid;
	struct rx_state rx;
	struct stk_ota_command cmd;
	struct stk_buf a, b;
	struct stk_diag d;
	uint8_t st;

	(void)state;
	neg_setup(&p, &kic, &kid, &rx, 0x0619, 0);
	stk_buf_init(&a);
	assert_int_equal(stk_ota_wrap_command(&p, apdu, sizeof(apdu), &a),
	    STK_OK);
	/* Same keys, KIc/KID 30/30 with the algorithm carried by the key. */
	kic.implicit_alg = STK_OTA_ALG_3DES2_CBC;
	kid.implicit_alg = STK_OTA_ALG_3DES2_CBC;
	p.kic = 0x30;
	p.kid = 0x30;
	stk_buf_init(&b);
	assert_int_equal(stk_ota_wrap_command(&p, apdu, sizeof(apdu), &b),
	    STK_OK);
	assert_int_equal(stk_buf_len(&a), stk_buf_len(&b));
	rx.keys.kic = kic;
	rx.keys.kid = kid;
	assert_int_equal(stk_ota_unwrap_command(stk_buf_data(&b),
	    stk_buf_len(&b), lookup_cb, &rx, &cmd, &st, &d), STK_OK);
	stk_ota_command_free(&cmd);
	/* Without an implicit algorithm the receiver cannot proceed. */
	rx.keys.kic.implicit_alg = STK_OTA_ALG_NONE;
	assert_int_equal(stk_ota_unwrap_command(stk_buf_data(&b),
	    stk_buf_len(&b), lookup_cb, &rx, &cmd, &st, NULL), STK_E_UNSUPPORTED);
	assert_int_equal(st, STK_OTA_ST_SECURITY_ERROR);
	stk_ota_command_free(&cmd);
	stk_buf_free(&a);
	stk_buf_free(&b);
}

/*
 * An AES-CMAC packet cut down to a 4-octet CC (CHL 17) is refused: only
 * the 8-octet tag we send is accepted (no downgrade to 32 bits).
 */
static void
test_short_cmac_refused(void **state)
{
	struct stk_ota_cmd_params p;
	struct stk_ota_key k;
	struct rx_state rx;
	struct stk_ota_command cmd;
	struct stk_buf out, cut;
	struct stk_diag d;
	uint8_t st, *b;

	(void)state;
	key_from_hex("000102030405060708090a0b0c0d0e0f", &k);
	memset(&p, 0, sizeof(p));
	p.spi = 0x0201;
	p.kid = 0x12;
	p.kid_key = &k;
	stk_buf_init(&out);
	assert_int_equal(stk_ota_wrap_command(&p, apdu, sizeof(apdu), &out),
	    STK_OK);
	b = stk_buf_data(&out);
	/* CPL -4, CHL 17, drop CC octets 4..7 (packet octets 20..23). */
	stk_buf_init(&cut);
	stk_buf_add_u16(&cut, (uint16_t)(((b[0] << 8) | b[1]) - 4));
	stk_buf_add_u8(&cut, 17);
	stk_buf_add_bytes(&cut, b + 3, 17);
	stk_buf_add_bytes(&cut, b + 24, stk_buf_len(&out) - 24);
	memset(&rx, 0, sizeof(rx));
	rx.keys.kid = k;
	stk_diag_clear(&d);
	assert_int_equal(stk_ota_unwrap_command(stk_buf_data(&cut),
	    stk_buf_len(&cut), lookup_cb, &rx, &cmd, &st, &d),
	    STK_E_INCONSISTENT);
	assert_int_equal(st, STK_OTA_ST_SECURITY_ERROR);
	assert_string_equal(d.field, "CHL");
	stk_ota_command_free(&cmd);
	stk_buf_free(&cut);
	stk_buf_free(&out);
}

static void
test_por_wanted(void **state)
{
	struct stk_ota_spi spi;

	(void)state;
	memset(&spi, 0, sizeof(spi));
	assert_false(stk_ota_por_wanted(&spi, STK_OTA_ST_OK));
	assert_false(stk_ota_por_wanted(&spi, STK_OTA_ST_CNTR_LOW));
	spi.por = STK_OTA_POR_ALWAYS;
	assert_true(stk_ota_por_wanted(&spi, STK_OTA_ST_OK));
	spi.por = STK_OTA_POR_ON_ERROR;
	assert_false(stk_ota_por_wanted(&spi, STK_OTA_ST_OK));
	assert_true(stk_ota_por_wanted(&spi, STK_OTA_ST_RC_CC_DS_FAILED));
}

/* Header parsing for inspectors. */
static void
test_parse_headers(void **state)
{
	struct stk_ota_cmd_header h;
	struct stk_ota_resp_header rh;
	struct stk_buf b;
	struct stk_diag d;

	(void)state;
	stk_buf_init(&b);
	assert_int_equal(stk_hex_decode("027000 00281506192222b00011e87cceebb2"
	    "d93083011ce294f93fc4d8de80da1abae8c37ca3e72ec4432e5058", &b), STK_OK);
	assert_int_equal(stk_ota_parse_command_header(stk_buf_data(&b),
	    stk_buf_len(&b), &h, NULL), STK_OK);
	assert_int_equal(h.cpl, 0x28);
	assert_int_equal(h.chl, 0x15);
	assert_int_equal(h.spi_raw, 0x0619);
	assert_int_equal(h.kic, 0x22);
	assert_int_equal(h.rest_len, 32);
	assert_int_equal(h.rest_offset, 13);
	stk_buf_reset(&b);
	assert_int_equal(stk_hex_decode("000e0ab0001100000000000000016132", &b),
	    STK_OK);
	assert_int_equal(stk_ota_parse_response_header(stk_buf_data(&b),
	    stk_buf_len(&b), &rh, NULL), STK_OK);
	assert_int_equal(rh.rhl, 10);
	assert_int_equal(rh.rest_len, 10);
	stk_diag_clear(&d);
	assert_int_equal(stk_ota_parse_response_header(stk_buf_data(&b), 2, &rh,
	    &d), STK_E_TRUNCATED);
	assert_string_equal(d.field, "RPL");
	stk_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pysim_vectors),
		cmocka_unit_test(test_asterix_vectors),
		cmocka_unit_test(test_computed_vectors),
		cmocka_unit_test(test_spi_round_trip),
		cmocka_unit_test(test_kic_kid_coding),
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_crc_check_values),
		cmocka_unit_test(test_cmac_rfc4493),
		cmocka_unit_test(test_des_known_answer),
		cmocka_unit_test(test_counter_rules),
		cmocka_unit_test(test_wrong_cc_and_keys),
		cmocka_unit_test(test_tar_and_msl),
		cmocka_unit_test(test_bad_padding),
		cmocka_unit_test(test_structure_errors),
		cmocka_unit_test(test_response_errors),
		cmocka_unit_test(test_all_combinations),
		cmocka_unit_test(test_implicit_algorithms),
		cmocka_unit_test(test_parse_headers),
		cmocka_unit_test(test_short_cmac_refused),
		cmocka_unit_test(test_por_wanted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
