/*
 * fuzz_apdu.c - libFuzzer target over the virtual UICC.
 *
 * Input byte 0 chooses the mode:
 *   bit 0 = 0: an APDU sequence against a fresh, personalised card (OTA
 *              key set 1 AES-128 keys 2001..0F / 2011..0F, K_auth 00..1F,
 *              service number +491710000001, the RSA test key of
 *              tests/vectors/authmsg when it can be read), so that the
 *              toolkit, the OTA layer and the applet are reachable.  The
 *              rest is a list of [length byte][message] items, each handed
 *              to vpcd_handle() (so 1-byte items are vpcd control
 *              messages, longer ones command APDUs); a short last item
 *              takes what is left.  Bit 1 makes the persist hook fail;
 *              bit 2 opens the admin session (personalisation commands).
 *   bit 0 = 1: the rest is a card state file for state_decode(); a state
 *              that decodes must encode to text that decodes to the same
 *              data, and then serves as the card for one more APDU run
 *              over the same bytes.
 * Invariants checked (abort on violation): every APDU gets a framed
 * response of 2..CARD_RESP_MAX + 2 bytes ending in a status word; the
 * applet never holds a dialogue without a proactive command pending or
 * outstanding; counters never go down.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "bytes.h"
#include "card.h"
#include "err.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool fail_persist;

static int
persist(const struct card_data *d, void *arg)
{
	(void)d;
	(void)arg;
	return fail_persist ? STK_E_IO : STK_OK;
}

static uint8_t rsa_der[CARD_RSA_DER_MAX];
static size_t rsa_len;

/* The RSA test key, once (none when the file is not there). */
static void
load_rsa(void)
{
	FILE *f = fopen("tests/vectors/authmsg/rsa2048_test_key.pem", "r");
	unsigned char *der = NULL;
	EVP_PKEY *k = NULL;
	int n;

	if (f == NULL)
		return;
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (k != NULL && (n = i2d_PrivateKey(k, &der)) > 0 &&
	    (size_t)n <= sizeof(rsa_der)) {
		memcpy(rsa_der, der, (size_t)n);
		rsa_len = (size_t)n;
	}
	OPENSSL_free(der);
	EVP_PKEY_free(k);
}

/* The personalisation the seeds of tests/fuzz/corpus/fuzz_apdu assume. */
static void
personalise(struct card_data *d)
{
	for (unsigned i = 0; i < 16; i++) {
		d->admin_key[i] = (uint8_t)i;
		d->ks[0].kic[i] = (uint8_t)i;
		d->ks[0].kid[i] = (uint8_t)i;
	}
	d->ks[0].kic[0] = 0x20;
	d->ks[0].kid[0] = 0x20;
	d->ks[0].kid[1] = 0x11;
	d->ks[0].kvn = 1;
	d->ks[0].kic_len = 16;
	d->ks[0].kid_len = 16;
	d->kauth_len = 32;
	for (unsigned i = 0; i < 32; i++)
		d->kauth[i] = (uint8_t)i;
	memcpy(d->rsa, rsa_der, rsa_len);
	d->rsa_len = (uint16_t)rsa_len;
	strcpy(d->service, "+491710000001");
}

static void
run_apdus(const struct card_data *d, const uint8_t *p, size_t n, bool admin)
{
	static struct card card;
	struct stk_buf out;
	struct stk_cur c, item, frame;
	uint64_t rx[CARD_KEYSET_SLOTS], tx[CARD_KEYSET_SLOTS];
	uint8_t len;
	uint16_t flen;

	card_init(&card, d, persist, NULL);
	card.admin = admin;
	stk_buf_init(&out);
	stk_cur_init(&c, p, n);
	while (stk_cur_u8(&c, &len)) {
		if (!stk_cur_sub(&c, &item, len))
			stk_cur_rest(&c, &item);
		stk_buf_reset(&out);
		for (size_t i = 0; i < CARD_KEYSET_SLOTS; i++) {
			rx[i] = card.d.ks[i].kvn != 0 ? card.d.ks[i].rx_cntr : 0;
			tx[i] = card.d.ks[i].kvn != 0 ? card.d.ks[i].tx_cntr : 0;
		}
		if (vpcd_handle(&card, stk_cur_data(&item), stk_cur_len(&item),
		    &out) != STK_OK)
			abort();
		if (card.tk.app_state != CARD_APP_IDLE &&
		    !card.tk.cmd_pending && !card.tk.cmd_outstanding)
			abort();
		for (size_t i = 0; i < CARD_KEYSET_SLOTS; i++)
			if (card.d.ks[i].kvn != 0 && !admin &&
			    (card.d.ks[i].rx_cntr < rx[i] ||
			    card.d.ks[i].tx_cntr < tx[i]))
				abort();
		if (stk_cur_len(&item) < 2)
			continue;
		/* a framed response APDU: length, data, SW1 SW2 */
		stk_cur_init(&frame, stk_buf_data(&out), stk_buf_len(&out));
		if (!stk_cur_u16(&frame, &flen) || flen < 2 ||
		    flen > CARD_RESP_MAX + 2 || stk_cur_len(&frame) != flen)
			abort();
	}
	stk_buf_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	struct card_data d, back;
	struct stk_buf b;
	const char *what;
	static const struct card_params p = {
		"8949440000001155314", "001010123456789", "+491701234567",
		"+491710760000", "1234", "12345678",
	};

	if (!init) {
		/* the card logs failed writes at error level: keep quiet */
		stk_log_init("fuzz_apdu", STK_LOG_ERROR);
		stk_log_set_stream(fopen("/dev/null", "w"));
		load_rsa();
		init = true;
	}
	if (size < 1)
		return 0;
	fail_persist = (data[0] & 2) != 0;
	if ((data[0] & 1) == 0) {
		if (content_new_card(&p, &d, &what) != STK_OK)
			abort();
		personalise(&d);
		run_apdus(&d, data + 1, size - 1, (data[0] & 4) != 0);
		return 0;
	}
	if (state_decode(data + 1, size - 1, &d, NULL) != STK_OK)
		return 0;
	stk_buf_init(&b);
	if (state_encode(&d, &b) != STK_OK ||
	    state_decode(stk_buf_data(&b), stk_buf_len(&b), &back, NULL) !=
	    STK_OK)
		abort();
	for (unsigned e = 0; e < CARD_EF_COUNT; e++)
		if (memcmp(d.ef[e], back.ef[e], card_ef_layout(e)->size) != 0)
			abort();
	if (memcmp(d.pin1, back.pin1, CARD_PIN_LEN) != 0 ||
	    memcmp(d.puk1, back.puk1, CARD_PIN_LEN) != 0 ||
	    d.pin1_tries != back.pin1_tries ||
	    d.puk1_tries != back.puk1_tries ||
	    d.pin1_enabled != back.pin1_enabled)
		abort();
	if (memcmp(d.admin_key, back.admin_key, sizeof(d.admin_key)) != 0 ||
	    memcmp(d.auth_tar, back.auth_tar, sizeof(d.auth_tar)) != 0 ||
	    d.kauth_len != back.kauth_len ||
	    memcmp(d.kauth, back.kauth, d.kauth_len) != 0 ||
	    d.rsa_len != back.rsa_len ||
	    memcmp(d.rsa, back.rsa, d.rsa_len) != 0 ||
	    strcmp(d.service, back.service) != 0 ||
	    memcmp(d.apin, back.apin, CARD_PIN_LEN) != 0 ||
	    memcmp(d.apuk, back.apuk, CARD_PIN_LEN) != 0 ||
	    d.apin_tries != back.apin_tries || d.apuk_tries != back.apuk_tries ||
	    d.nseen != back.nseen ||
	    memcmp(d.seen, back.seen, (size_t)d.nseen * CARD_SESSION_ID_LEN)
	    != 0)
		abort();
	for (size_t i = 0; i < CARD_KEYSET_SLOTS; i++) {
		const struct card_keyset *x = &d.ks[i], *y = &back.ks[i];

		if (x->kvn != y->kvn || x->kic_len != y->kic_len ||
		    x->kid_len != y->kid_len ||
		    memcmp(x->kic, y->kic, x->kic_len) != 0 ||
		    memcmp(x->kid, y->kid, x->kid_len) != 0 ||
		    x->rx_cntr != y->rx_cntr || x->tx_cntr != y->tx_cntr)
			abort();
	}
	stk_buf_free(&b);
	run_apdus(&d, data + 1, size - 1, false);
	return 0;
}
