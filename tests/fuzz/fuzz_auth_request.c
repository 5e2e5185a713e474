/*
 * fuzz_auth_request.c - libFuzzer target for stk_auth_request_decode()
 * (docs/PROTOCOL.md §3).  Properties: no crash or out-of-bounds read on
 * any input; an accepted input re-encodes to exactly the same octets (the
 * format is canonical); the accepted service name converts to UTF-8; the
 * DTBS of an accepted request builds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authmsg.h"
#include "bytes.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t iccid[STK_AUTH_ICCID_LEN] = {
		0x98, 0x44, 0x01, 0x00, 0x00, 0x00, 0x10, 0x32, 0x54, 0xf6
	};
	struct stk_auth_request r;
	struct stk_auth_response resp;
	struct stk_diag d;
	struct stk_buf b;

	stk_diag_clear(&d);
	if (stk_auth_request_decode(data, size, &r, &d) != STK_OK) {
		if (d.field == NULL || d.offset > size)
			abort();
		return 0;
	}
	if (size > STK_AUTH_REQUEST_MAX_LEN)
		abort();
	stk_buf_init(&b);
	if (stk_auth_request_encode(&r, &b) != STK_OK ||
	    stk_buf_len(&b) != size || memcmp(stk_buf_data(&b), data, size))
		abort();
	stk_buf_reset(&b);
	if (stk_auth_request_service_utf8(&r, &b) != STK_OK)
		abort();
	stk_buf_reset(&b);
	memset(&resp, 0, sizeof(resp));
	memcpy(resp.session_id, r.session_id, sizeof(resp.session_id));
	memcpy(resp.iccid, iccid, sizeof(iccid));
	resp.decision = STK_AUTH_REJECTED;
	resp.sig_alg = STK_AUTH_SIG_ECDSA_P256;
	if (stk_auth_dtbs(&r, &resp, &b) != STK_OK ||
	    stk_buf_len(&b) > STK_AUTH_DTBS_MAX_LEN)
		abort();
	stk_buf_free(&b);
	return 0;
}
