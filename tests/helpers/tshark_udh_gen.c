/*
 * tshark_udh_gen.c - helper of test_tshark_udh.sh (compiled by it against
 * build/libstkauth.a; not built by the Makefile).  Segments two payloads
 * with lib/concat.h, wraps each segment in an SMS-DELIVER with lib/tpdu.h
 * and prints one line per TPDU: "CASE SEQ HEX".  The script feeds them to
 * Wireshark's gsm_sms dissector and compares its view with ours.
 *
 *   case gsm7: 200 septets of text, 8-bit reference 204 -> 2 segments
 *   case bin:  300 octets of 8-bit data, 16-bit reference 0x1234 and
 *              16-bit ports 2948 / 9200 in every segment -> 3 segments
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "concat.h"
#include "gsm7.h"
#include "hex.h"
#include "tpdu.h"

static int
emit(const char *name, const struct stk_seglist *l, bool septets,
    uint8_t dcs)
{
	for (size_t i = 0; i < l->n; i++) {
		struct stk_tpdu t;
		struct stk_buf b;
		char *hex;
		int rc;

		stk_tpdu_init(&t, STK_TPDU_DELIVER);
		if ((rc = stk_sms_addr_from_text("+4917012345678", &t.addr)))
			return rc;
		t.scts = (struct stk_sms_time){ .year = 2024, .month = 5, .day = 17,
		    .hour = 10, .minute = 20, .second = 30, .tz_minutes = 60 };
		if ((rc = stk_tpdu_set_udh(&t, l->seg[i].udh,
		    l->seg[i].udh_len)) != 0)
			return rc;
		rc = septets ? stk_tpdu_set_septets(&t, l->seg[i].body,
		    l->seg[i].body_len, dcs) : stk_tpdu_set_octets(&t,
		    l->seg[i].body, l->seg[i].body_len, dcs);
		if (rc != 0)
			return rc;
		stk_buf_init(&b);
		if ((rc = stk_tpdu_encode(&t, &b)) != 0)
			return rc;
		hex = stk_hex_string(stk_buf_data(&b), stk_buf_len(&b), 1);
		if (hex == NULL)
			return -1;
		printf("%s %zu %s\n", name, i + 1, hex);
		free(hex);
		stk_buf_free(&b);
	}
	return 0;
}

int
main(void)
{
	static const uint8_t ports[] = { 0x0b, 0x84, 0x23, 0xf0 };
	const struct stk_udh_ie every[] = { { .iei = 0x05, .len = 4,
	    .data = ports } };
	struct stk_segment_opts o7 = { .charset = STK_CHARSET_GSM7, .ref = 204 };
	struct stk_segment_opts o8 = { .charset = STK_CHARSET_8BIT,
	    .ref16 = true, .ref = 0x1234, .every = every, .n_every = 1 };
	uint8_t text[200], bin[300];
	struct stk_seglist l;
	int rc;

	/* "The quick brown fox ..." repeated: plain GSM 7-bit letters. */
	for (size_t i = 0; i < sizeof(text); i++)
		text[i] = (uint8_t)"The quick brown fox jumps over the lazy dog "[i % 44];
	for (size_t i = 0; i < sizeof(bin); i++)
		bin[i] = (uint8_t)(i * 7 + 3);
	if ((rc = stk_segment(text, sizeof(text), &o7, &l)) != 0 ||
	    (rc = emit("gsm7", &l, true, 0x00)) != 0)
		goto out;
	stk_seglist_free(&l);
	if ((rc = stk_segment(bin, sizeof(bin), &o8, &l)) != 0 ||
	    (rc = emit("bin", &l, false, 0xf6)) != 0)
		goto out;
out:
	stk_seglist_free(&l);
	if (rc != 0)
		fprintf(stderr, "tshark_udh_gen: error %d\n", rc);
	return rc != 0;
}
