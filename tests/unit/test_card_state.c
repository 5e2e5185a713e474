/* test_card_state.c - EF contents from text (vectors) and the card state
 * file: round trip, atomic save, corruption rejection. */
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

#include "bytes.h"
#include "card.h"
#include "err.h"
#include "hex.h"
#include "support_vectors.h"

static const struct card_params test_params = {
	"8949440000001155314", "001010123456789", "+491701234567",
	"+491710760000", "1234", "87654321",
};

static void
make_card(struct card_data *d)
{
	const char *what;

	assert_int_equal(content_new_card(&test_params, d, &what), STK_OK);
}

static void
test_content_vectors(void **state)
{
	struct vec_file *vf = vec_load("tests/vectors/card/content.txt");
	uint8_t ef[CARD_EF_MAX];
	char text[64];
	size_t n, total = 0;

	(void)state;
	for (size_t i = 0; i < vf->ncases; i++) {
		const struct vec_case *vc = &vf->cases[i];
		const char *kind = vec_need(vc, "kind");
		const char *txt = vec_need(vc, "text");
		uint8_t *want;

		if (strcmp(kind, "iccid") == 0) {
			want = vec_hex(vc, "ef", &n);
			assert_int_equal(n, 10);
			assert_int_equal(content_iccid(txt, ef), STK_OK);
			assert_memory_equal(ef, want, 10);
			assert_int_equal(content_iccid_text(want, text), STK_OK);
			assert_string_equal(text, txt);
		} else if (strcmp(kind, "imsi") == 0) {
			want = vec_hex(vc, "ef", &n);
			assert_true(n <= 9);
			assert_int_equal(content_imsi(txt, ef), STK_OK);
			assert_memory_equal(ef, want, n);
			for (size_t k = n; k < 9; k++)
				assert_int_equal(ef[k], 0xff);
			assert_int_equal(content_imsi_text(ef, text), STK_OK);
			assert_string_equal(text, txt);
		} else if (strcmp(kind, "msisdn") == 0) {
			want = vec_hex(vc, "tail", &n);
			assert_int_equal(n, 14);
			assert_int_equal(content_msisdn_record(txt, ef, 26),
			    STK_OK);
			assert_memory_equal(ef + 12, want, 14);
			for (size_t k = 0; k < 12; k++)
				assert_int_equal(ef[k], 0xff);
			if (vec_get(vc, "record") != NULL) {
				uint8_t *rec;

				free(want);
				want = NULL;
				rec = vec_hex(vc, "record", &n);
				assert_int_equal(content_msisdn_text(rec, n,
				    text, sizeof(text)), STK_OK);
				assert_string_equal(text, txt);
				free(rec);
			}
		} else if (strcmp(kind, "smsp") == 0) {
			want = vec_hex(vc, "tail", &n);
			assert_int_equal(n, 28);
			assert_int_equal(content_smsp_record(txt, ef, 40),
			    STK_OK);
			assert_memory_equal(ef + 12, want, 28);
		} else {
			fail_msg("unknown kind %s at line %zu", kind, vc->line);
			want = NULL;
		}
		free(want);
		total++;
	}
	assert_true(total >= 10);
	vec_free(vf);
}

static void
test_content_rejects(void **state)
{
	uint8_t ef[CARD_EF_MAX];
	char text[64];
	static const uint8_t bad_imsi_parity[9] = {
		/* even parity claimed but no F filler */
		0x08, 0x01, 0x10, 0x10, 0x10, 0x32, 0x54, 0x76, 0x98,
	};
	static const uint8_t bad_iccid[10] = {
		0x98, 0x94, 0x4f, 0x00, 0x00, 0x11, 0x55, 0x13, 0xf4, 0xff,
	};
	static const uint8_t empty_msisdn[26] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};

	(void)state;
	assert_int_equal(content_iccid("89494400000011553", ef), STK_E_INVALID);
	assert_int_equal(content_iccid("894944000000115531412", ef),
	    STK_E_INVALID);
	assert_int_equal(content_iccid("89494400000011553x4", ef),
	    STK_E_INVALID);
	assert_int_equal(content_imsi("00101", ef), STK_E_INVALID);
	assert_int_equal(content_imsi("0010101234567890", ef), STK_E_INVALID);
	assert_int_equal(content_imsi("00101012345678a", ef), STK_E_INVALID);
	assert_int_equal(content_imsi_text(bad_imsi_parity, text),
	    STK_E_INVALID);
	assert_int_equal(content_iccid_text(bad_iccid, text), STK_E_INVALID);
	assert_int_equal(content_msisdn_record("Hello", ef, 26), STK_E_INVALID);
	assert_int_equal(content_msisdn_record("+123456789012345678901", ef,
	    26), STK_E_TOO_LONG);
	assert_int_equal(content_msisdn_record("+49", ef, 13), STK_E_ARG);
	assert_int_equal(content_msisdn_text(empty_msisdn, 26, text,
	    sizeof(text)), STK_E_NOT_FOUND);
	assert_int_equal(content_smsp_record("+49", ef, 27), STK_E_ARG);
	assert_int_equal(content_msisdn_record(NULL, ef, 26), STK_OK);
	assert_int_equal(ef[0], 0xff);
	assert_int_equal(ef[25], 0xff);
}

static void
test_pin_blocks(void **state)
{
	uint8_t b[CARD_PIN_LEN];

	(void)state;
	assert_int_equal(pin_from_text("1234", false, b), STK_OK);
	assert_memory_equal(b, "1234\xff\xff\xff\xff", 8);
	assert_int_equal(pin_from_text("12345678", false, b), STK_OK);
	assert_int_equal(pin_from_text("123", false, b), STK_E_INVALID);
	assert_int_equal(pin_from_text("123456789", false, b), STK_E_INVALID);
	assert_int_equal(pin_from_text("12a4", false, b), STK_E_INVALID);
	assert_int_equal(pin_from_text("1234567", true, b), STK_E_INVALID);
	assert_int_equal(pin_from_text("12345678", true, b), STK_OK);
	/* a digit after the padding is not a PIN block */
	memcpy(b, "1234\xff\xff\xff" "5", 8);
	assert_false(pin_block_valid(b, false));
}

static void
test_new_card_and_matches(void **state)
{
	struct card_data d;
	struct card_params p = test_params;
	const char *what;

	(void)state;
	make_card(&d);
	assert_int_equal(d.pin1_tries, 3);
	assert_int_equal(d.puk1_tries, 10);
	assert_true(d.pin1_enabled);
	assert_true(content_matches(&p, &d, &what));
	p.imsi = "001010123456780";
	assert_false(content_matches(&p, &d, &what));
	assert_string_equal(what, "--imsi");
	p = test_params;
	p.msisdn = "+491701234568";
	assert_false(content_matches(&p, &d, &what));
	assert_string_equal(what, "--msisdn");
	p = test_params;
	p.pin1 = "4321";
	assert_false(content_matches(&p, &d, &what));
	assert_string_equal(what, "--pin");
	/* only given options are compared */
	memset(&p, 0, sizeof(p));
	assert_true(content_matches(&p, &d, &what));
	/* a new card needs an ICCID and an IMSI */
	p.imsi = "001010123456789";
	assert_int_equal(content_new_card(&p, &d, &what), STK_E_ARG);
	assert_string_equal(what, "--iccid");
	p.iccid = "8949440000001155314";
	p.pin1 = "12";
	assert_int_equal(content_new_card(&p, &d, &what), STK_E_INVALID);
	assert_string_equal(what, "--pin");
}

static void
test_state_round_trip(void **state)
{
	struct card_data d, back;
	struct stk_buf b;
	struct stk_diag diag;

	(void)state;
	make_card(&d);
	d.pin1_tries = 1;
	d.pin1_enabled = false;
	d.ef[CARD_EF_LOCI][0] = 0x12;
	stk_buf_init(&b);
	assert_int_equal(state_encode(&d, &b), STK_OK);
	stk_diag_clear(&diag);
	assert_int_equal(state_decode(stk_buf_data(&b), stk_buf_len(&b),
	    &back, &diag), STK_OK);
	for (unsigned e = 0; e < CARD_EF_COUNT; e++)
		assert_memory_equal(d.ef[e], back.ef[e],
		    card_ef_layout(e)->size);
	assert_memory_equal(d.pin1, back.pin1, CARD_PIN_LEN);
	assert_memory_equal(d.puk1, back.puk1, CARD_PIN_LEN);
	assert_int_equal(back.pin1_tries, 1);
	assert_int_equal(back.puk1_tries, 10);
	assert_false(back.pin1_enabled);
	stk_buf_free(&b);
}

/* The fixed RSA-2048 test key of tests/vectors/authmsg as DER. */
static size_t
test_rsa_der(uint8_t *out, size_t cap)
{
	FILE *f = fopen("tests/vectors/authmsg/rsa2048_test_key.pem", "r");
	EVP_PKEY *k;
	unsigned char *der = NULL;
	int n;

	assert_non_null(f);
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(k);
	n = i2d_PrivateKey(k, &der);
	assert_true(n > 0 && (size_t)n <= cap);
	memcpy(out, der, (size_t)n);
	OPENSSL_free(der);
	EVP_PKEY_free(k);
	return (size_t)n;
}

/* Every version-2 field set to something other than the default. */
static void
test_state_v2_round_trip(void **state)
{
	struct card_data d, back;
	struct stk_buf b;
	struct stk_diag diag;

	(void)state;
	make_card(&d);
	memset(d.admin_key, 0xa5, sizeof(d.admin_key));
	d.auth_tar[0] = 0xb0;
	d.ks[1].kvn = 3;
	d.ks[1].kic_len = 16;
	memset(d.ks[1].kic, 0x11, 16);
	d.ks[1].kid_len = 32;
	memset(d.ks[1].kid, 0x22, 32);
	d.ks[1].rx_cntr = 0xffffffffffull;
	d.ks[1].tx_cntr = 7;
	d.ks[3].kvn = 15;
	d.ks[3].kid_len = 8;
	memset(d.ks[3].kid, 0x33, 8);
	d.kauth_len = 64;
	memset(d.kauth, 0x44, 64);
	d.rsa_len = (uint16_t)test_rsa_der(d.rsa, sizeof(d.rsa));
	strcpy(d.service, "+491710000001");
	assert_int_equal(pin_from_text("99887766", false, d.apin), STK_OK);
	d.apin_tries = 0;
	d.apuk_tries = 9;
	d.nseen = CARD_SEEN_MAX;
	for (unsigned i = 0; i < CARD_SEEN_MAX; i++)
		memset(d.seen[i], (int)i, CARD_SESSION_ID_LEN);
	stk_buf_init(&b);
	assert_int_equal(state_encode(&d, &b), STK_OK);
	assert_true(stk_buf_len(&b) <= STATE_MAX_SIZE);
	stk_diag_clear(&diag);
	assert_int_equal(state_decode(stk_buf_data(&b), stk_buf_len(&b),
	    &back, &diag), STK_OK);
	assert_memory_equal(d.admin_key, back.admin_key, 16);
	assert_memory_equal(d.auth_tar, back.auth_tar, 3);
	for (unsigned i = 0; i < CARD_KEYSET_SLOTS; i++) {
		assert_int_equal(d.ks[i].kvn, back.ks[i].kvn);
		if (d.ks[i].kvn == 0)
			continue;
		assert_int_equal(d.ks[i].kic_len, back.ks[i].kic_len);
		assert_int_equal(d.ks[i].kid_len, back.ks[i].kid_len);
		assert_memory_equal(d.ks[i].kic, back.ks[i].kic,
		    d.ks[i].kic_len);
		assert_memory_equal(d.ks[i].kid, back.ks[i].kid,
		    d.ks[i].kid_len);
		assert_true(d.ks[i].rx_cntr == back.ks[i].rx_cntr);
		assert_true(d.ks[i].tx_cntr == back.ks[i].tx_cntr);
	}
	assert_int_equal(back.kauth_len, 64);
	assert_memory_equal(d.kauth, back.kauth, 64);
	assert_int_equal(back.rsa_len, d.rsa_len);
	assert_memory_equal(d.rsa, back.rsa, d.rsa_len);
	assert_string_equal(back.service, "+491710000001");
	assert_memory_equal(d.apin, back.apin, CARD_PIN_LEN);
	assert_int_equal(back.apin_tries, 0);
	assert_int_equal(back.apuk_tries, 9);
	assert_int_equal(back.nseen, CARD_SEEN_MAX);
	assert_memory_equal(d.seen, back.seen, sizeof(d.seen));
	stk_buf_free(&b);
}

/* A version-1 file still loads; the applet part takes the defaults. */
static void
test_state_v1_compat(void **state)
{
	static const uint8_t tar[3] = CARD_AUTH_TAR_DEFAULT;
	struct card_data d, back;
	struct stk_buf b;
	struct stk_diag diag;
	char *text, *cut;

	(void)state;
	make_card(&d);
	stk_buf_init(&b);
	assert_int_equal(state_encode(&d, &b), STK_OK);
	stk_buf_add_u8(&b, 0);
	text = (char *)stk_buf_data(&b);
	cut = strstr(text, "admin.key ");
	assert_non_null(cut);
	*cut = '\0';
	assert_int_equal(text[strlen("stkauth-sim-state ")], '2');
	text[strlen("stkauth-sim-state ")] = '1';
	stk_diag_clear(&diag);
	assert_int_equal(state_decode((const uint8_t *)text, strlen(text),
	    &back, &diag), STK_OK);
	assert_memory_equal(back.auth_tar, tar, 3);
	assert_memory_equal(back.apin, d.pin1, CARD_PIN_LEN);
	assert_int_equal(back.apin_tries, CARD_APIN_TRIES_MAX);
	assert_int_equal(back.kauth_len, 0);
	assert_int_equal(back.rsa_len, 0);
	assert_int_equal(back.nseen, 0);
	assert_int_equal(back.ks[0].kvn, 0);
	stk_buf_free(&b);
}

/* Replace the first occurrence of from by to in the encoded state and
 * check the decoder's error and field name. */
static void
corrupt(const char *from, const char *to, int want_err,
    const char *want_field)
{
	struct card_data d;
	struct stk_buf b;
	struct stk_diag diag;
	char *text, *at, *out;
	size_t len;
	int r;

	make_card(&d);
	stk_buf_init(&b);
	assert_int_equal(state_encode(&d, &b), STK_OK);
	stk_buf_add_u8(&b, 0);
	text = (char *)stk_buf_data(&b);
	at = strstr(text, from);
	assert_non_null(at);
	len = strlen(text) - strlen(from) + strlen(to);
	out = malloc(len + 1);
	assert_non_null(out);
	memcpy(out, text, (size_t)(at - text));
	strcpy(out + (at - text), to);
	strcat(out, at + strlen(from));
	stk_diag_clear(&diag);
	r = state_decode((const uint8_t *)out, strlen(out), &d, &diag);
	if (r != want_err)
		print_message("# \"%s\" -> \"%s\": %d\n", from, to, r);
	assert_int_equal(r, want_err);
	assert_string_equal(diag.field, want_field);
	free(out);
	stk_buf_free(&b);
}

static void
test_state_corruption(void **state)
{
	(void)state;
	corrupt("stkauth-sim-state 2\n", "stkauth-sim-state 3\n",
	    STK_E_UNSUPPORTED, "version");
	corrupt("stkauth-sim-state 2\n", "stkauth-sim-state 0\n",
	    STK_E_UNSUPPORTED, "version");
	corrupt("stkauth-sim-state 2\n", "stkauth-sim-stat 2\n",
	    STK_E_INVALID, "version line");
	corrupt("stkauth-sim-state 2\n", "stkauth-sim-state 02\n",
	    STK_E_INVALID, "version");
	/* a version-1 file has no version-2 keys */
	corrupt("stkauth-sim-state 2\n", "stkauth-sim-state 1\n",
	    STK_E_INVALID, "state key");
	corrupt("ef.imsi 080910", "ef.imsi 0809", STK_E_INVALID, "ef.imsi");
	corrupt("ef.imsi 080910", "ef.imsi 080g10", STK_E_INVALID,
	    "ef.imsi");
	/* IMSI with a bad type nibble: decodes as hex but is no IMSI */
	corrupt("ef.imsi 080910", "ef.imsi 080a10", STK_E_INVALID, "ef.imsi");
	corrupt("pin1.tries 3\n", "pin1.tries 4\n", STK_E_INVALID,
	    "pin1.tries");
	corrupt("pin1.tries 3\n", "pin1.tries -1\n", STK_E_INVALID,
	    "pin1.tries");
	corrupt("puk1.tries 10\n", "puk1.tries 11\n", STK_E_INVALID,
	    "puk1.tries");
	corrupt("pin1.enabled 1\n", "pin1.enabled 2\n", STK_E_INVALID,
	    "pin1.enabled");
	/* PIN block: '3' after FF padding */
	corrupt("pin1 31323334ffffffff", "pin1 31323334ffffff33",
	    STK_E_INVALID, "pin1");
	corrupt("puk1.tries 10\n", "puk1.tries 10\npin1.tries 3\n",
	    STK_E_DUPLICATE, "pin1.tries");
	corrupt("puk1.tries 10\n", "", STK_E_TRUNCATED, "puk1.tries");
	corrupt("auth.seen -\n", "auth.seen -", STK_E_TRUNCATED,
	    "line end");
	corrupt("puk1.tries 10\n", "puk1.tries 10", STK_E_INVALID,
	    "puk1.tries");
	/* version 2 keys */
	corrupt("admin.key 00", "admin.key 0g", STK_E_INVALID, "admin.key");
	corrupt("auth.tar 53544b", "auth.tar 5354", STK_E_INVALID, "auth.tar");
	corrupt("ota.1 0 - - 0 0\n", "ota.1 0 00 - 0 0\n", STK_E_INVALID,
	    "ota.1");
	corrupt("ota.1 0 - - 0 0\n", "ota.1 1 - - 0 0\n", STK_E_INVALID,
	    "ota.1");
	corrupt("ota.1 0 - - 0 0\n", "ota.1 16 0011223344556677 - 0 0\n",
	    STK_E_INVALID, "ota.1");
	corrupt("ota.1 0 - - 0 0\n", "ota.1 1 001122334455 - 0 0\n",
	    STK_E_INVALID, "ota.1");
	corrupt("ota.1 0 - - 0 0\n",
	    "ota.1 1 0011223344556677 - 1099511627776 0\n", STK_E_INVALID,
	    "ota.1");
	corrupt("ota.1 0 - - 0 0\n", "ota.1 1 0011223344556677 - 01 0\n",
	    STK_E_INVALID, "ota.1");
	corrupt("ota.1 0 - - 0 0\n", "ota.1 1 0011223344556677 - 0 0 \n",
	    STK_E_INVALID, "ota.1");
	corrupt("ota.1 0 - - 0 0\nota.2 0 - - 0 0\n",
	    "ota.1 2 - 0011223344556677 5 6\nota.2 2 - 0011223344556677 0 0\n",
	    STK_E_DUPLICATE, "ota key version");
	corrupt("auth.kauth -", "auth.kauth 00112233445566778899aabbccddee",
	    STK_E_INVALID, "auth.kauth");
	corrupt("auth.rsa -", "auth.rsa 3000", STK_E_INVALID, "auth.rsa");
	corrupt("auth.service -", "auth.service +49x1", STK_E_INVALID,
	    "auth.service");
	corrupt("auth.service -", "auth.service +", STK_E_INVALID,
	    "auth.service");
	corrupt("auth.service -", "auth.service 123456789012345678901",
	    STK_E_INVALID, "auth.service");
	corrupt("auth.pin.tries 3", "auth.pin.tries 4", STK_E_INVALID,
	    "auth.pin.tries");
	corrupt("auth.puk.tries 10", "auth.puk.tries 11", STK_E_INVALID,
	    "auth.puk.tries");
	corrupt("auth.pin 31323334ffffffff", "auth.pin 3132ffffffffffff",
	    STK_E_INVALID, "auth.pin");
	corrupt("auth.seen -", "auth.seen 0011", STK_E_INVALID, "auth.seen");
	/* 17 session ids: one more than the ring holds */
	corrupt("auth.seen -", "auth.seen "
	    "0000000000000000000000000000000000000000000000000000000000000000"
	    "0000000000000000000000000000000000000000000000000000000000000000"
	    "0000000000000000000000000000000000000000000000000000000000000000"
	    "0000000000000000000000000000000000000000000000000000000000000000"
	    "0000000000000000", STK_E_INVALID, "auth.seen");
	corrupt("puk1.tries 10\n", "puk1.tries 10\n\n", STK_E_INVALID,
	    "state key");
	corrupt("ef.loci ", "ef.locus ", STK_E_INVALID, "state key");
	corrupt("ef.loci ", "ef.loci  ", STK_E_INVALID, "ef.loci");
	corrupt("\npin1 ", "\r\npin1 ", STK_E_INVALID, "ef.loci");
}

static void
test_state_limits(void **state)
{
	static uint8_t big[STATE_MAX_SIZE + 1];
	struct card_data d;
	struct stk_diag diag;

	(void)state;
	memset(big, 'a', sizeof(big));
	stk_diag_clear(&diag);
	assert_int_equal(state_decode(big, sizeof(big), &d, &diag),
	    STK_E_TOO_LONG);
	stk_diag_clear(&diag);
	assert_int_equal(state_decode(NULL, 0, &d, &diag), STK_E_TRUNCATED);
	assert_string_equal(diag.field, "version line");
}

static void
test_state_file(void **state)
{
	char dir[] = "/tmp/stkauth-card-test.XXXXXX", path[64];
	struct card_data d, back;
	struct stk_diag diag;
	struct stat st;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/card.state", dir);
	stk_diag_clear(&diag);
	assert_int_equal(state_load(path, &back, &diag), STK_E_NOT_FOUND);
	make_card(&d);
	assert_int_equal(state_save(path, &d), STK_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(state_load(path, &back, &diag), STK_OK);
	assert_memory_equal(back.ef[CARD_EF_IMSI], d.ef[CARD_EF_IMSI], 9);
	/* overwrite through the persist hook: the new content wins, no
	 * temp file stays behind */
	d.pin1_tries = 2;
	assert_int_equal(state_persist(&d, path), STK_OK);
	assert_int_equal(state_load(path, &back, &diag), STK_OK);
	assert_int_equal(back.pin1_tries, 2);
	/* a truncated file is refused with a name */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("stkauth-sim-state 1\nef.iccid 98", f);
	fclose(f);
	stk_diag_clear(&diag);
	assert_int_equal(state_load(path, &back, &diag), STK_E_TRUNCATED);
	assert_string_equal(diag.field, "line end");
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);	/* empty: no temp file left */
	/* a directory that does not exist: an I/O error, not a crash */
	assert_int_equal(state_save("/nonexistent-dir/x/card.state", &d),
	    STK_E_IO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_content_vectors),
		cmocka_unit_test(test_content_rejects),
		cmocka_unit_test(test_pin_blocks),
		cmocka_unit_test(test_new_card_and_matches),
		cmocka_unit_test(test_state_round_trip),
		cmocka_unit_test(test_state_v2_round_trip),
		cmocka_unit_test(test_state_v1_compat),
		cmocka_unit_test(test_state_corruption),
		cmocka_unit_test(test_state_limits),
		cmocka_unit_test(test_state_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
