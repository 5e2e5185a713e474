/*
 * test_ota_sms.c - secured packets over (concatenated) SMS, TS 31.115
 * §4.2-§4.4: splitting with the packet identifier in the first segment
 * only, and joining with every consistency check.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bytes.h"
#include "concat.h"
#include "err.h"
#include "hex.h"
#include "ota.h"

/* TP-UD of segment i: UDH then body. */
static uint8_t *
seg_ud(const struct stk_segment *s, size_t *n)
{
	uint8_t *ud = malloc(s->udh_len + s->body_len + 1);

	assert_non_null(ud);
	memcpy(ud, s->udh, s->udh_len);
	memcpy(ud + s->udh_len, s->body, s->body_len);
	*n = s->udh_len + s->body_len;
	return ud;
}

static void
test_single_sms(void **state)
{
	struct stk_buf b;
	struct stk_seglist l;
	uint8_t *ud, *pkt, iei;
	size_t n, plen;
	const uint8_t *const uds[1] = { NULL };

	(void)state;
	(void)uds;
	/* pySim's AES-128 packet: one SMS, UDH 027000 (TS 31.115 §4.2). */
	stk_buf_init(&b);
	assert_int_equal(stk_hex_decode("00281506192222b00011e87cceebb2d93083"
	    "011ce294f93fc4d8de80da1abae8c37ca3e72ec4432e5058", &b), STK_OK);
	assert_int_equal(stk_ota_sms_split(stk_buf_data(&b), stk_buf_len(&b),
	    STK_OTA_IEI_COMMAND, 7, false, &l), STK_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.seg[0].udh_len, 3);
	assert_memory_equal(l.seg[0].udh, "\x02\x70\x00", 3);
	assert_int_equal(l.seg[0].body_len, stk_buf_len(&b));
	ud = seg_ud(&l.seg[0], &n);
	{
		const uint8_t *const one[1] = { ud };
		assert_int_equal(stk_ota_sms_join(one, &n, 1, &pkt, &plen, &iei,
		    NULL), STK_OK);
	}
	assert_int_equal(iei, STK_OTA_IEI_COMMAND);
	assert_int_equal(plen, stk_buf_len(&b));
	assert_memory_equal(pkt, stk_buf_data(&b), plen);
	free(pkt);
	free(ud);
	stk_seglist_free(&l);
	/* The largest packet that fits one SMS: 137 octets. */
	stk_buf_reset(&b);
	stk_buf_add_u16(&b, 135);
	stk_buf_add_zeros(&b, 135);
	assert_int_equal(stk_ota_sms_split(stk_buf_data(&b), 137,
	    STK_OTA_IEI_RESPONSE, 7, false, &l), STK_OK);
	assert_int_equal(l.n, 1);
	assert_memory_equal(l.seg[0].udh, "\x02\x71\x00", 3);
	stk_seglist_free(&l);
	stk_buf_add_u8(&b, 0);
	assert_int_equal(stk_ota_sms_split(stk_buf_data(&b), 138,
	    STK_OTA_IEI_RESPONSE, 7, false, &l), STK_OK);
	assert_int_equal(l.n, 2);
	stk_seglist_free(&l);
	assert_int_equal(stk_ota_sms_split(stk_buf_data(&b), 138, 0x72, 7,
	    false, &l), STK_E_ARG);
	assert_int_equal(stk_ota_sms_split(stk_buf_data(&b), 138, 0x70, 300,
	    false, &l), STK_E_ARG);
	stk_buf_free(&b);
}

static int
lookup_cb(void *arg, const uint8_t tar[3], uint8_t kic, uint8_t kid,
    struct stk_ota_rx_keys *keys)
{
	(void)tar;
	(void)kic;
	(void)kid;
	*keys = *(const struct stk_ota_rx_keys *)arg;
	return STK_OK;
}

/* A 400-octet command (AES-128) travels in 4 segments and comes back. */
static void
test_concatenated_command(void **state)
{
	struct stk_ota_key k;
	struct stk_ota_cmd_params p;
	struct stk_ota_rx_keys rx;
	struct stk_ota_command cmd;
	struct stk_buf pkt;
	struct stk_seglist l;
	uint8_t data[400], *ud[8], *joined, iei, st;
	const uint8_t *cud[8];
	size_t ud_len[8], jlen;
	struct stk_diag d;

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	memset(&k, 0, sizeof(k));
	k.len = 16;
	memcpy(k.key, "0123456789abcdef", 16);
	memset(&p, 0, sizeof(p));
	p.spi = 0x1621;
	p.kic = 0x12;
	p.kid = 0x12;
	p.cntr = 1;
	p.kic_key = &k;
	p.kid_key = &k;
	stk_buf_init(&pkt);
	assert_int_equal(stk_ota_wrap_command(&p, data, sizeof(data), &pkt),
	    STK_OK);
	assert_int_equal(stk_ota_sms_split(stk_buf_data(&pkt), stk_buf_len(&pkt),
	    STK_OTA_IEI_COMMAND, 0x42, false, &l), STK_OK);
	/* CPL 424 + 2 = 426 octets: 132 + 134 + 134 + 26. */
	assert_int_equal(stk_buf_len(&pkt), 426);
	assert_int_equal(l.n, 4);
	/* First: concatenation IE then IEI 70 (length 0). */
	assert_int_equal(l.seg[0].udh_len, 8);
	assert_memory_equal(l.seg[0].udh,
	    "\x07\x00\x03\x42\x04\x01\x70\x00", 8);
	assert_int_equal(l.seg[0].body_len, 132);
	assert_memory_equal(l.seg[0].body, stk_buf_data(&pkt), 4);
	for (size_t i = 1; i < 4; i++) {
		assert_int_equal(l.seg[i].udh_len, 6);
		assert_int_equal(l.seg[i].udh[5], i + 1);
		assert_int_equal(l.seg[i].body_len, i < 3 ? 134 : 26);
	}
	/* Join them in reverse order. */
	for (size_t i = 0; i < 4; i++) {
		ud[3 - i] = seg_ud(&l.seg[i], &ud_len[3 - i]);
		cud[3 - i] = ud[3 - i];
	}
	assert_int_equal(stk_ota_sms_join(cud, ud_len, 4, &joined, &jlen, &iei,
	    NULL), STK_OK);
	assert_int_equal(iei, STK_OTA_IEI_COMMAND);
	assert_int_equal(jlen, stk_buf_len(&pkt));
	assert_memory_equal(joined, stk_buf_data(&pkt), jlen);
	memset(&rx, 0, sizeof(rx));
	rx.kic = k;
	rx.kid = k;
	assert_int_equal(stk_ota_unwrap_command(joined, jlen, lookup_cb, &rx,
	    &cmd, &st, NULL), STK_OK);
	assert_int_equal(cmd.data_len, sizeof(data));
	assert_memory_equal(cmd.data, data, sizeof(data));
	stk_ota_command_free(&cmd);
	free(joined);

	/* A segment missing. */
	stk_diag_clear(&d);
	assert_int_equal(stk_ota_sms_join(cud, ud_len, 3, &joined, &jlen, &iei,
	    &d), STK_E_INCONSISTENT);
	assert_string_equal(d.field, "CONCAT-TOTAL");
	assert_null(joined);
	/* A segment twice. */
	{
		const uint8_t *dup[4] = { cud[0], cud[1], cud[1], cud[3] };
		size_t dlen[4] = { ud_len[0], ud_len[1], ud_len[1], ud_len[3] };
		stk_diag_clear(&d);
		assert_int_equal(stk_ota_sms_join(dup, dlen, 4, &joined, &jlen,
		    &iei, &d), STK_E_DUPLICATE);
		assert_string_equal(d.field, "CONCAT-SEQ");
	}
	/* IEI 70 moved to a later segment: first UDH 0500034204 01 + 7000
	 * given to segment 2 instead. */
	{
		uint8_t s2[200];
		size_t n2 = 0;
		const uint8_t *bad[4];
		size_t blen[4];

		memcpy(s2, "\x07\x00\x03\x42\x04\x02\x70\x00", 8);
		n2 = 8;
		memcpy(s2 + n2, ud[2] + 6, ud_len[2] - 6);	/* seg 2 body */
		n2 += ud_len[2] - 6;
		bad[0] = cud[0];
		bad[1] = cud[1];
		bad[2] = s2;
		bad[3] = cud[3];
		blen[0] = ud_len[0];
		blen[1] = ud_len[1];
		blen[2] = n2;
		blen[3] = ud_len[3];
		stk_diag_clear(&d);
		assert_int_equal(stk_ota_sms_join(bad, blen, 4, &joined, &jlen,
		    &iei, &d), STK_E_INCONSISTENT);
		assert_string_equal(d.field, "CPI");
	}
	/* The first segment without IEI 70. */
	{
		uint8_t s1[200];
		const uint8_t *bad[4] = { cud[0], cud[1], cud[2], s1 };
		size_t blen[4] = { ud_len[0], ud_len[1], ud_len[2], 0 };

		memcpy(s1, "\x05\x00\x03\x42\x04\x01", 6);
		memcpy(s1 + 6, ud[3] + 8, ud_len[3] - 8);
		blen[3] = ud_len[3] - 2;
		assert_int_equal(stk_ota_sms_join(bad, blen, 4, &joined, &jlen,
		    &iei, NULL), STK_E_INCONSISTENT);
	}
	/* Other reference in one segment. */
	ud[1][3] ^= 1;
	assert_int_equal(stk_ota_sms_join(cud, ud_len, 4, &joined, &jlen, &iei,
	    NULL), STK_E_INCONSISTENT);
	ud[1][3] ^= 1;
	/* CPL not matching the reassembled length (last body shortened). */
	ud_len[0]--;
	stk_diag_clear(&d);
	assert_int_equal(stk_ota_sms_join(cud, ud_len, 4, &joined, &jlen, &iei,
	    &d), STK_E_INCONSISTENT);
	assert_string_equal(d.field, "CPL");
	ud_len[0]++;
	/* A broken UDH. */
	ud[2][0] = 0x30;
	assert_int_equal(stk_ota_sms_join(cud, ud_len, 4, &joined, &jlen, &iei,
	    NULL), STK_E_TRUNCATED);
	for (size_t i = 0; i < 4; i++)
		free(ud[i]);
	stk_seglist_free(&l);
	stk_buf_free(&pkt);
	assert_int_equal(stk_ota_sms_join(NULL, NULL, 0, &joined, &jlen, &iei,
	    NULL), STK_E_ARG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_sms),
		cmocka_unit_test(test_concatenated_command),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
