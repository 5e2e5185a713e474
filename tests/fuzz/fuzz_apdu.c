/*
 * fuzz_apdu.c - libFuzzer target over the virtual UICC.
 *
 * Input byte 0 chooses the mode:
 *   bit 0 = 0: an APDU sequence against a fresh card.  The rest is a list
 *              of [length byte][message] items, each handed to
 *              vpcd_handle() (so 1-byte items are vpcd control messages,
 *              longer ones command APDUs); a short last item takes what
 *              is left.  Bit 1 makes the persist hook fail.
 *   bit 0 = 1: the rest is a card state file for state_decode(); a state
 *              that decodes must encode to text that decodes to the same
 *              data, and then serves as the card for one more APDU run
 *              over the same bytes.
 * Invariants checked (abort on violation): every APDU gets a framed
 * response of 2..CARD_RESP_MAX + 2 bytes ending in a status word.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void
run_apdus(const struct card_data *d, const uint8_t *p, size_t n)
{
	static struct card card;
	struct stk_buf out;
	struct stk_cur c, item, frame;
	uint8_t len;
	uint16_t flen;

	card_init(&card, d, persist, NULL);
	stk_buf_init(&out);
	stk_cur_init(&c, p, n);
	while (stk_cur_u8(&c, &len)) {
		if (!stk_cur_sub(&c, &item, len))
			stk_cur_rest(&c, &item);
		stk_buf_reset(&out);
		if (vpcd_handle(&card, stk_cur_data(&item), stk_cur_len(&item),
		    &out) != STK_OK)
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
		init = true;
	}
	if (size < 1)
		return 0;
	fail_persist = (data[0] & 2) != 0;
	if ((data[0] & 1) == 0) {
		if (content_new_card(&p, &d, &what) != STK_OK)
			abort();
		run_apdus(&d, data + 1, size - 1);
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
	stk_buf_free(&b);
	run_apdus(&d, data + 1, size - 1);
	return 0;
}
