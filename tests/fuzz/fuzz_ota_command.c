/*
 * fuzz_ota_command.c - libFuzzer target for stk_ota_unwrap_command()
 * (TS 102 225 §5.1, TS 31.115 §4.2), the card side of a secured packet.
 *
 * Input: octet 0 chooses the receiver's key lengths (b2b1 KIc, b4b3 KID:
 * 8/16/24/32 octets; with b5 set the keys carry "implicit" algorithms),
 * octet 1 its stored counter (FF: the blocked maximum), the rest is the
 * packet (from CPL on, or with the 027000 UDH).
 * With b8 of octet 0 set, round-trip mode instead: octets 1-2 SPI, 3 KIc,
 * 4 KID, the rest the data; whatever stk_ota_wrap_command() accepts must
 * unwrap to the same data, TAR and counter, and so must the PoR built by
 * stk_ota_wrap_response().
 * Properties: no crash or out-of-bounds read; a failure names a field at
 * an offset inside the input and a non-zero PoR status; a success returns
 * status 00, no more data than the input held, a counter update only for
 * the checking counter modes, and an unsecured packet re-wraps to exactly
 * the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "err.h"
#include "ota.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t keybytes[32] = {
	0x30, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};

static int
lookup(void *arg, const uint8_t tar[3], uint8_t kic, uint8_t kid,
    struct stk_ota_rx_keys *keys)
{
	(void)kic;
	(void)kid;
	if (tar[0] == 0xFF)
		return STK_E_NOT_FOUND;
	*keys = *(const struct stk_ota_rx_keys *)arg;
	return STK_OK;
}

/* Key length an algorithm needs (AES: 16), 0 for none. */
static size_t
key_len_for(enum stk_ota_alg a)
{
	switch (a) {
	case STK_OTA_ALG_DES_CBC:
		return 8;
	case STK_OTA_ALG_3DES2_CBC:
	case STK_OTA_ALG_AES_CBC:
	case STK_OTA_ALG_AES_CMAC:
		return 16;
	case STK_OTA_ALG_3DES3_CBC:
		return 24;
	default:
		return 0;
	}
}

static void
round_trip(const uint8_t *data, size_t size)
{
	struct stk_ota_cmd_params p;
	struct stk_ota_resp_params rp;
	struct stk_ota_rx_keys rx;
	struct stk_ota_command cmd;
	struct stk_ota_response r;
	struct stk_ota_spi spi;
	struct stk_buf b;
	uint8_t st;

	if (size < 5)
		return;
	memset(&p, 0, sizeof(p));
	memset(&rx, 0, sizeof(rx));
	p.spi = (uint16_t)(data[1] << 8 | data[2]);
	p.kic = data[3];
	p.kid = data[4];
	p.tar[0] = 0xB0;
	p.cntr = 7;
	if (stk_ota_spi_decode(p.spi, &spi) != STK_OK)
		return;
	rx.kic.len = key_len_for(stk_ota_kic_alg(p.kic));
	rx.kid.len = key_len_for(stk_ota_kid_alg(p.kid, spi.integrity));
	if (rx.kid.len == 0)	/* RC or none: pick from the PoR's needs */
		rx.kid.len = key_len_for(stk_ota_kid_alg(p.kid,
		    spi.por_integrity));
	memcpy(rx.kic.key, keybytes, sizeof(rx.kic.key));
	memcpy(rx.kid.key, keybytes + 1, sizeof(keybytes) - 1);
	rx.counter = 6;
	p.kic_key = &rx.kic;
	p.kid_key = &rx.kid;
	stk_buf_init(&b);
	if (stk_ota_wrap_command(&p, data + 5, size - 5, &b) != STK_OK) {
		stk_buf_free(&b);
		return;
	}
	if (stk_ota_unwrap_command(stk_buf_data(&b), stk_buf_len(&b), lookup,
	    &rx, &cmd, &st, NULL) != STK_OK || st != STK_OTA_ST_OK ||
	    cmd.data_len != size - 5 ||
	    (cmd.data_len > 0 && memcmp(cmd.data, data + 5, size - 5) != 0) ||
	    cmd.cntr != 7 || memcmp(cmd.tar, p.tar, 3) != 0)
		abort();
	stk_ota_command_free(&cmd);
	stk_buf_free(&b);
	memset(&rp, 0, sizeof(rp));
	rp.cmd_spi = p.spi;
	rp.kic = p.kic;
	rp.kid = p.kid;
	rp.cntr = 7;
	rp.status = (uint8_t)size;
	rp.secured = true;
	rp.kic_key = &rx.kic;
	rp.kid_key = &rx.kid;
	stk_buf_init(&b);
	if (stk_ota_wrap_response(&rp, data + 5, size - 5, &b) == STK_OK) {
		if (stk_ota_unwrap_response(stk_buf_data(&b), stk_buf_len(&b),
		    p.spi, p.kic, p.kid, &rx.kic, &rx.kid, &r, NULL) != STK_OK ||
		    r.status != rp.status || r.data_len != size - 5 ||
		    (r.data_len > 0 && memcmp(r.data, data + 5, size - 5)))
			abort();
		stk_ota_response_free(&r);
	}
	stk_buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t lens[4] = { 8, 16, 24, 32 };
	struct stk_ota_rx_keys rx;
	struct stk_ota_command cmd;
	struct stk_diag d;
	const uint8_t *pkt;
	size_t n;
	uint8_t st = 0xEE;
	int ret;

	if (size < 2)
		return 0;
	if (data[0] & 0x80) {
		round_trip(data, size);
		return 0;
	}
	memset(&rx, 0, sizeof(rx));
	rx.kic.len = lens[data[0] & 3];
	rx.kid.len = lens[(data[0] >> 2) & 3];
	memcpy(rx.kic.key, keybytes, rx.kic.len);
	memcpy(rx.kid.key, keybytes, rx.kid.len);
	rx.kid.key[1] = 0x11;	/* KID 3011..: the pySim SJA5 sample keys */
	if (data[0] & 0x10) {
		rx.kic.implicit_alg = STK_OTA_ALG_AES_CBC;
		rx.kid.implicit_alg = STK_OTA_ALG_AES_CMAC;
	}
	rx.counter = data[1] == 0xFF ? STK_OTA_CNTR_MAX : data[1];
	pkt = data + 2;
	n = size - 2;
	stk_diag_clear(&d);
	ret = stk_ota_unwrap_command(pkt, n, lookup, &rx, &cmd, &st, &d);
	if (ret != STK_OK) {
		if (ret > 0 || st == STK_OTA_ST_OK || d.field == NULL ||
		    d.offset > n || cmd.data != NULL)
			abort();
		stk_ota_command_free(&cmd);
		return 0;
	}
	if (st != STK_OTA_ST_OK || cmd.data_len > n ||
	    (cmd.data_len > 0 && cmd.data == NULL))
		abort();
	if (cmd.counter_update && cmd.spi.cntr != STK_OTA_CNTR_HIGHER &&
	    cmd.spi.cntr != STK_OTA_CNTR_ONE_HIGHER)
		abort();
	if (cmd.counter_update && cmd.new_counter <= rx.counter)
		abort();
	if (cmd.spi.integrity == STK_OTA_INTEG_NONE && !cmd.spi.ciphering) {
		struct stk_ota_cmd_params p;
		struct stk_buf b;
		size_t skip = n - (cmd.data_len + 16);

		memset(&p, 0, sizeof(p));
		p.spi = cmd.spi_raw;
		p.kic = cmd.kic;
		p.kid = cmd.kid;
		memcpy(p.tar, cmd.tar, 3);
		p.cntr = cmd.cntr;
		stk_buf_init(&b);
		if (stk_ota_wrap_command(&p, cmd.data, cmd.data_len, &b) !=
		    STK_OK || stk_buf_len(&b) != n - skip ||
		    memcmp(stk_buf_data(&b), pkt + skip, n - skip) != 0)
			abort();
		stk_buf_free(&b);
	}
	stk_ota_command_free(&cmd);
	return 0;
}
