/* test_card_perso.c - personalisation: the admin session (GET CHALLENGE,
 * EXTERNAL AUTHENTICATE with AES-CMAC), key pair generation on the card,
 * READ PUBLIC KEY, LOAD KEY SET, SET SERVICE NUMBER, SET PIN, LOAD K_AUTH,
 * READ ICCID; every one refused without the session (6982). */
#include "card_harness.h"
#include "support_vectors.h"

static struct harness H;

static int
setup(void **state)
{
	(void)state;
	stk_log_init("test_card_perso", STK_LOG_ERROR);
	h_init(&H);
	return 0;
}

/* GET CHALLENGE + EXTERNAL AUTHENTICATE with key; returns the SW of the
 * latter. */
static uint16_t
authenticate(struct harness *h, const uint8_t key[16])
{
	uint8_t chal[16], crypt[16];

	assert_int_equal(h_apdu_hex(h, "0084000010"), STK_SW_OK);
	assert_int_equal(h->resp_len, 16);
	memcpy(chal, h->resp, 16);
	assert_int_equal(perso_cryptogram(key, chal, h->card.d.ef[CARD_EF_ICCID],
	    crypt), STK_OK);
	return h_cmd(h, 0x00, 0x82, 0x00, 0x01, crypt, 16, -1);
}

static void
test_cryptogram_vectors(void **state)
{
	struct vec_file *vf = vec_load("tests/vectors/card/perso.txt");
	uint8_t out[16];
	size_t n, total = 0;

	(void)state;
	for (size_t i = 0; i < vf->ncases; i++) {
		const struct vec_case *vc = &vf->cases[i];
		uint8_t *key = vec_hex(vc, "key", &n);
		uint8_t *chal, *iccid, *want;

		assert_int_equal(n, 16);
		chal = vec_hex(vc, "challenge", &n);
		assert_int_equal(n, 16);
		iccid = vec_hex(vc, "iccid-ef", &n);
		assert_int_equal(n, 10);
		want = vec_hex(vc, "cryptogram", &n);
		assert_int_equal(n, 16);
		assert_int_equal(perso_cryptogram(key, chal, iccid, out),
		    STK_OK);
		assert_memory_equal(out, want, 16);
		free(key);
		free(chal);
		free(iccid);
		free(want);
		total++;
	}
	assert_int_equal(total, 2);
	vec_free(vf);
}

/* Every admin command without a session: 6982, nothing changes. */
static void
test_no_session(void **state)
{
	static const char *const cmds[] = {
		"80D00000",				/* GENERATE KEY PAIR */
		"80D0000002",
		"80D401000A08000102030405060700",	/* LOAD KEY SET */
		"80D600000D2B343931373130303030303039",	/* SET SERVICE NUMBER */
		"80D801000431323334",			/* SET PIN */
		"80D80100",
		"80DA000010000102030405060708090A0B0C0D0E0F",	/* LOAD K_AUTH */
	};
	struct card_data before = H.card.d;
	unsigned persists = H.persists;

	(void)state;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		assert_int_equal(h_apdu_hex(&H, cmds[i]),
		    STK_SW_SECURITY_NOT_SATISFIED);
	/* a wrong admin key opens nothing */
	assert_int_equal(authenticate(&H, h_kid_key), 0x6300);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		assert_int_equal(h_apdu_hex(&H, cmds[i]),
		    STK_SW_SECURITY_NOT_SATISFIED);
	assert_memory_equal(&before, &H.card.d, sizeof(before));
	assert_int_equal(H.persists, persists);
}

static void
test_session(void **state)
{
	uint8_t chal[16], crypt[16];

	(void)state;
	/* EXTERNAL AUTHENTICATE without a challenge, wrong P2, wrong Lc */
	assert_int_equal(h_apdu_hex(&H, "0082000110"
	    "00000000000000000000000000000000"),
	    STK_SW_CONDITIONS_NOT_SATISFIED);
	assert_int_equal(h_apdu_hex(&H, "0084000008"), STK_SW_WRONG_LE | 16);
	assert_int_equal(h_apdu_hex(&H, "0084010010"), STK_SW_WRONG_P1P2);
	assert_int_equal(h_apdu_hex(&H, "0084000010"), STK_SW_OK);
	assert_int_equal(h_apdu_hex(&H, "00820001080000000000000000"),
	    STK_SW_WRONG_LENGTH);
	/* the challenge was used up by that attempt */
	assert_int_equal(h_apdu_hex(&H, "0082000110"
	    "00000000000000000000000000000000"),
	    STK_SW_CONDITIONS_NOT_SATISFIED);
	/* a replayed cryptogram for an old challenge fails */
	assert_int_equal(h_apdu_hex(&H, "0084000010"), STK_SW_OK);
	memcpy(chal, H.resp, 16);
	assert_int_equal(perso_cryptogram(h_admin_key, chal,
	    H.card.d.ef[CARD_EF_ICCID], crypt), STK_OK);
	assert_int_equal(h_cmd(&H, 0x00, 0x82, 0x00, 0x01, crypt, 16, -1),
	    STK_SW_OK);
	assert_true(H.card.admin);
	assert_int_equal(h_apdu_hex(&H, "0084000010"), STK_SW_OK);
	assert_false(H.card.admin);	/* a new challenge closes it */
	assert_int_equal(h_cmd(&H, 0x00, 0x82, 0x00, 0x01, crypt, 16, -1),
	    0x6300);
	/* the right key opens it, a reset closes it */
	assert_int_equal(authenticate(&H, h_admin_key), STK_SW_OK);
	assert_int_equal(h_apdu_hex(&H, "80D80100"), STK_SW_OK);
	card_reset(&H.card);
	assert_int_equal(h_apdu_hex(&H, "80D80100"),
	    STK_SW_SECURITY_NOT_SATISFIED);
}

/* GENERATE KEY PAIR on the card; the public key read back fits the
 * private key kept inside, which never appears in any response. */
static void
test_generate_key(void **state)
{
	struct stk_buf mine;
	const unsigned char *q;
	unsigned char *der = NULL;
	EVP_PKEY *pub, *priv;
	uint16_t len;
	int n;

	(void)state;
	/* no key pair: READ PUBLIC KEY 6A88 */
	H.card.d.rsa_len = 0;
	assert_int_equal(h_apdu_hex(&H, "80D2000010"),
	    STK_SW_REF_DATA_NOT_FOUND);
	assert_int_equal(authenticate(&H, h_admin_key), STK_SW_OK);
	assert_int_equal(h_apdu_hex(&H, "80D0010002"), STK_SW_WRONG_P1P2);
	/* T=0 form: 6102, GET RESPONSE */
	assert_int_equal(h_apdu_hex(&H, "80D00000"), STK_SW_BYTES_AVAILABLE | 2);
	assert_int_equal(h_apdu_hex(&H, "00C0000002"), STK_SW_OK);
	len = (uint16_t)(H.resp[0] << 8 | H.resp[1]);
	assert_true(H.stored.rsa_len > 0);
	assert_memory_equal(H.stored.rsa, H.card.d.rsa, H.card.d.rsa_len);
	pub = h_read_public_key(&H);
	assert_int_equal(EVP_PKEY_get_bits(pub), 2048);
	n = i2d_PUBKEY(pub, &der);
	assert_int_equal(n, len);
	/* the public key is the private key's */
	q = H.card.d.rsa;
	priv = d2i_PrivateKey(EVP_PKEY_RSA, NULL, &q, H.card.d.rsa_len);
	assert_non_null(priv);
	assert_int_equal(EVP_PKEY_eq(pub, priv), 1);
	stk_buf_init(&mine);
	assert_int_equal(perso_public_key_der(&H.card.d, &mine), STK_OK);
	assert_int_equal(stk_buf_len(&mine), (size_t)n);
	assert_memory_equal(stk_buf_data(&mine), der, (size_t)n);
	/* READ PUBLIC KEY limits: past the end 6B00, Le too long 6Cxx */
	assert_int_equal(h_cmd(&H, 0x80, 0xd2, (uint8_t)(len >> 8),
	    (uint8_t)len, NULL, 0, 1), STK_SW_WRONG_PARAMS);
	assert_int_equal(h_cmd(&H, 0x80, 0xd2, (uint8_t)((len - 4) >> 8),
	    (uint8_t)(len - 4), NULL, 0, 8), STK_SW_WRONG_LE | 4);
	/* a second key pair replaces the first */
	assert_int_equal(h_apdu_hex(&H, "80D0000002"), STK_SW_OK);
	q = H.card.d.rsa;
	EVP_PKEY_free(priv);
	priv = d2i_PrivateKey(EVP_PKEY_RSA, NULL, &q, H.card.d.rsa_len);
	assert_non_null(priv);
	assert_int_not_equal(EVP_PKEY_eq(pub, priv), 1);
	OPENSSL_free(der);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(priv);
	stk_buf_free(&mine);
}

static void
test_load_keyset(void **state)
{
	(void)state;
	assert_int_equal(authenticate(&H, h_admin_key), STK_SW_OK);
	/* bad key version, bad lengths, both absent, trailing bytes */
	assert_int_equal(h_apdu_hex(&H, "80D400000400000000"),
	    STK_SW_WRONG_P1P2);
	assert_int_equal(h_apdu_hex(&H, "80D410000400000000"),
	    STK_SW_WRONG_P1P2);
	assert_int_equal(h_apdu_hex(&H, "80D40201020000"), STK_SW_WRONG_P1P2);
	assert_int_equal(h_apdu_hex(&H, "80D40200020000"), STK_SW_WRONG_DATA);
	assert_int_equal(h_apdu_hex(&H, "80D402000403AABBCC"),
	    STK_SW_WRONG_DATA);
	assert_int_equal(h_apdu_hex(&H, "80D40200050100000000"),
	    STK_SW_WRONG_DATA);
	assert_int_equal(h_apdu_hex(&H, "80D4020003000800"), STK_SW_WRONG_DATA);
	/* key set 2: KIc 3DES-2, no KID; key set 3, 4; a fifth: no room */
	assert_int_equal(h_apdu_hex(&H, "80D4020012"
	    "10000102030405060708090A0B0C0D0E0F00"), STK_SW_OK);
	assert_int_equal(H.stored.ks[1].kvn, 2);
	assert_int_equal(H.stored.ks[1].kic_len, 16);
	assert_int_equal(H.stored.ks[1].kid_len, 0);
	assert_int_equal(h_apdu_hex(&H, "80D403000A"
	    "00080001020304050607"), STK_SW_OK);
	assert_int_equal(h_apdu_hex(&H, "80D404000A"
	    "00080001020304050607"), STK_SW_OK);
	assert_int_equal(h_apdu_hex(&H, "80D405000A"
	    "00080001020304050607"), STK_SW_NOT_ENOUGH_MEMORY);
	/* reloading key set 1 resets its counters */
	H.card.d.ks[0].rx_cntr = 99;
	H.card.d.ks[0].tx_cntr = 98;
	assert_int_equal(h_apdu_hex(&H, "80D401000A"
	    "08000102030405060700"), STK_SW_OK);
	assert_true(H.stored.ks[0].rx_cntr == 0 && H.stored.ks[0].tx_cntr == 0);
	assert_int_equal(H.stored.ks[0].kic_len, 8);
	/* a failed write leaves the old key set */
	H.fail_persist = true;
	assert_int_equal(h_apdu_hex(&H, "80D401000A"
	    "00080001020304050607"), STK_SW_MEMORY_PROBLEM);
	assert_int_equal(H.card.d.ks[0].kic_len, 8);
	H.fail_persist = false;
}

static void
test_service_pin_kauth_iccid(void **state)
{
	uint8_t iccid[10], blk[CARD_PIN_LEN];

	(void)state;
	/* READ ICCID needs no session */
	assert_int_equal(h_apdu_hex(&H, "80DC00000A"), STK_SW_OK);
	assert_int_equal(content_iccid(H_ICCID, iccid), STK_OK);
	assert_memory_equal(H.resp, iccid, 10);
	assert_int_equal(h_apdu_hex(&H, "80DC000008"), STK_SW_WRONG_LE | 10);
	assert_int_equal(authenticate(&H, h_admin_key), STK_SW_OK);
	/* SET SERVICE NUMBER */
	assert_int_equal(h_apdu_hex(&H, "80D60000032B3439"), STK_SW_OK);
	assert_string_equal(H.stored.service, "+49");
	assert_int_equal(h_apdu_hex(&H, "80D60000022B2B"), STK_SW_WRONG_DATA);
	assert_int_equal(h_apdu_hex(&H, "80D6000003343941"), STK_SW_WRONG_DATA);
	assert_int_equal(h_apdu_hex(&H, "80D60000012B"), STK_SW_WRONG_DATA);
	assert_int_equal(h_apdu_hex(&H, "80D6000015"
	    "313233343536373839303132333435363738393031"), STK_SW_WRONG_DATA);
	assert_string_equal(H.card.d.service, "+49");
	/* SET PIN / PUK, counter reset */
	assert_int_equal(h_apdu_hex(&H, "80D80100043132333435"),
	    STK_SW_WRONG_LENGTH);
	assert_int_equal(h_apdu_hex(&H, "80D801000439393939"), STK_SW_OK);
	assert_int_equal(pin_from_text("9999", false, blk), STK_OK);
	assert_memory_equal(H.stored.apin, blk, CARD_PIN_LEN);
	assert_int_equal(h_apdu_hex(&H, "80D8010003313233"), STK_SW_WRONG_DATA);
	assert_int_equal(h_apdu_hex(&H, "80D80100043132333A"),
	    STK_SW_WRONG_DATA);
	assert_int_equal(h_apdu_hex(&H, "80D80200043132333435"),
	    STK_SW_WRONG_LENGTH);
	assert_int_equal(h_apdu_hex(&H, "80D802000431323334"),
	    STK_SW_WRONG_DATA);	/* a PUK has 8 digits */
	assert_int_equal(h_apdu_hex(&H, "80D80200083837363534333231"),
	    STK_SW_OK);
	assert_int_equal(h_apdu_hex(&H, "80D80300043132333435"),
	    STK_SW_WRONG_LENGTH);
	assert_int_equal(h_apdu_hex(&H, "80D8030004313233"),
	    STK_SW_WRONG_LENGTH);
	assert_int_equal(h_apdu_hex(&H, "80D80300"), STK_SW_WRONG_P1P2);
	H.card.d.apin_tries = 0;
	assert_int_equal(h_apdu_hex(&H, "80D80100"), STK_SW_OK);
	assert_int_equal(H.stored.apin_tries, CARD_APIN_TRIES_MAX);
	assert_memory_equal(H.stored.apin, blk, CARD_PIN_LEN);
	/* LOAD K_AUTH: 16..64 octets */
	assert_int_equal(h_apdu_hex(&H, "80DA00000F"
	    "000102030405060708090A0B0C0D0E"), STK_SW_WRONG_DATA);
	assert_int_equal(h_apdu_hex(&H, "80DA000010"
	    "F00102030405060708090A0B0C0D0E0F"), STK_SW_OK);
	assert_int_equal(H.stored.kauth_len, 16);
	assert_int_equal(H.stored.kauth[0], 0xf0);
	assert_int_equal(h_apdu_hex(&H, "80DA010010"
	    "F00102030405060708090A0B0C0D0E0F"), STK_SW_WRONG_P1P2);
}

/* After personalisation through APDUs only, the applet works with the
 * new values (bridge side: the same keys and K_auth). */
static void
test_personalised_flow(void **state)
{
	struct stk_auth_request req;
	struct stk_cat_proactive *p = calloc(1, sizeof(*p));
	struct h_result res;
	uint8_t data[34];

	(void)state;
	assert_non_null(p);
	h_init(&H);
	memset(&H.card.d.ks, 0, sizeof(H.card.d.ks));
	H.card.d.kauth_len = 0;
	H.card.d.service[0] = '\0';
	assert_int_equal(authenticate(&H, h_admin_key), STK_SW_OK);
	data[0] = 16;
	memcpy(data + 1, h_kic_key, 16);
	data[17] = 16;
	memcpy(data + 18, h_kid_key, 16);
	assert_int_equal(h_cmd(&H, 0x80, 0xd4, H_KVN, 0, data, 34, -1),
	    STK_SW_OK);
	for (unsigned i = 0; i < 32; i++)
		data[i] = (uint8_t)i;
	assert_int_equal(h_cmd(&H, 0x80, 0xda, 0, 0, data, 32, -1), STK_SW_OK);
	assert_int_equal(h_cmd(&H, 0x80, 0xd6, 0, 0,
	    (const uint8_t *)H_SERVICE, strlen(H_SERVICE), -1), STK_SW_OK);
	assert_int_equal(h_apdu_hex(&H, "80D0000002"), STK_SW_OK);
	card_reset(&H.card);
	assert_int_equal(h_terminal_profile(&H, H_TP_FULL), STK_SW_OK);
	h_request(&req, 0x01, false);
	assert_int_equal(h_send_request(&H, &req) & 0xff00,
	    STK_SW_PROACTIVE_PENDING);
	h_fetch(&H, p);
	h_tr(&H, p, STK_CAT_RES_OK, 1, NULL);
	h_collect(&H, &res);
	h_verify(&H, &req, &res, STK_AUTH_CONFIRMED);
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cryptogram_vectors),
		cmocka_unit_test_setup(test_no_session, setup),
		cmocka_unit_test_setup(test_session, setup),
		cmocka_unit_test_setup(test_generate_key, setup),
		cmocka_unit_test_setup(test_load_keyset, setup),
		cmocka_unit_test_setup(test_service_pin_kauth_iccid, setup),
		cmocka_unit_test_setup(test_personalised_flow, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
