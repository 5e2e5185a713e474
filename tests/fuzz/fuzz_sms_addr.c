/*
 * fuzz_sms_addr.c - libFuzzer target for the address codecs (TS 23.040
 * §9.1.2.5, TS 24.011 §8.2.5.1) and the CLI text parsers of addresses and
 * ISO 8601 time stamps.
 *
 * First byte: 0 TP address, 1 SC address, 2 address text, 3 ISO 8601 text
 * (modulo 4).  Decoded addresses must re-encode exactly; parsed text must
 * print and re-parse to the same value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "err.h"
#include "sms_addr.h"
#include "sms_time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
binary(const uint8_t *data, size_t size, bool sca)
{
	char text[STK_ADDR_TEXT_MAX + 1];
	struct stk_sms_addr a;
	struct stk_diag d;
	struct stk_buf out;
	struct stk_cur c;
	bool present = true;
	size_t used;
	int r;

	stk_cur_init(&c, data, size);
	stk_diag_clear(&d);
	r = sca ? stk_smsc_addr_decode(&c, &a, &present, &d) :
	    stk_sms_addr_decode(&c, &a, "TP-OA", &d);
	if (r != STK_OK) {
		if (d.err != r || d.field == NULL || d.offset > size)
			abort();
		return;
	}
	used = size - stk_cur_len(&c);
	stk_buf_init(&out);
	r = sca ? stk_smsc_addr_encode(present ? &a : NULL, &out) :
	    stk_sms_addr_encode(&a, &out);
	if (r != STK_OK || stk_buf_len(&out) != used ||
	    memcmp(stk_buf_data(&out), data, used) != 0)
		abort();
	stk_buf_free(&out);
	if (stk_sms_addr_to_text(&a, text, sizeof(text)) != STK_OK)
		abort();
	(void)stk_ton_name(a.ton);
	(void)stk_npi_name(a.npi);
}

static void
address_text(const char *s)
{
	char text[STK_ADDR_TEXT_MAX + 1];
	struct stk_sms_addr a, b;
	struct stk_buf out;

	if (stk_sms_addr_from_text(s, &a) != STK_OK)
		return;
	if (stk_sms_addr_to_text(&a, text, sizeof(text)) != STK_OK)
		abort();
	/* numbers print back as given; both forms re-parse to the same */
	if (stk_sms_addr_from_text(text, &b) != STK_OK ||
	    !stk_sms_addr_equal(&a, &b))
		abort();
	stk_buf_init(&out);
	if (stk_sms_addr_encode(&a, &out) != STK_OK)
		abort();
	stk_buf_free(&out);
}

/* Field-wise: the struct has padding, which memcmp would compare. */
static int
time_equal(const struct stk_sms_time *a, const struct stk_sms_time *b)
{
	return a->year == b->year && a->month == b->month &&
	    a->day == b->day && a->hour == b->hour && a->minute == b->minute &&
	    a->second == b->second && a->tz_minutes == b->tz_minutes &&
	    a->tz_minus_zero == b->tz_minus_zero;
}

static void
iso_text(const char *s)
{
	char iso[STK_SMS_TIME_ISO_LEN];
	struct stk_sms_time t, u;
	struct stk_buf out;
	struct stk_cur c;

	if (stk_sms_time_from_iso(s, &t) != STK_OK)
		return;
	if (stk_sms_time_to_iso(&t, iso, sizeof(iso)) != STK_OK ||
	    stk_sms_time_from_iso(iso, &u) != STK_OK ||
	    !time_equal(&t, &u))
		abort();
	if (stk_sms_time_from_unix(stk_sms_time_to_unix(&t), t.tz_minutes,
	    &u) != STK_OK || !time_equal(&t, &u))
		abort();
	stk_buf_init(&out);
	if (stk_scts_encode(&t, &out) != STK_OK)
		abort();
	stk_cur_init(&c, stk_buf_data(&out), stk_buf_len(&out));
	if (stk_scts_decode(&c, &u, "TP-SCTS", NULL) != STK_OK ||
	    !time_equal(&t, &u))
		abort();
	stk_buf_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size < 1)
		return 0;
	switch (data[0] & 3) {
	case 0:
	case 1:
		binary(data + 1, size - 1, data[0] & 1);
		return 0;
	default:
		if ((s = malloc(size)) == NULL)
			return 0;
		memcpy(s, data + 1, size - 1);
		s[size - 1] = '\0';
		if (data[0] & 1)
			iso_text(s);
		else
			address_text(s);
		free(s);
		return 0;
	}
}
