/*
 * fuzz_auth_response.c - libFuzzer target for stk_auth_response_decode()
 * (docs/PROTOCOL.md §4).  Properties: no crash or out-of-bounds read on
 * any input; an accepted input re-encodes to exactly the same octets; an
 * accepted signed response yields a DTBS with a fixed request.
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
	struct stk_auth_request req;
	struct stk_auth_response r;
	struct stk_diag d;
	struct stk_buf b;
	int rc;

	stk_diag_clear(&d);
	if (stk_auth_response_decode(data, size, &r, &d) != STK_OK) {
		if (d.field == NULL || d.offset > size)
			abort();
		return 0;
	}
	if (size > STK_AUTH_RESPONSE_MAX_LEN)
		abort();
	stk_buf_init(&b);
	if (stk_auth_response_encode(&r, &b) != STK_OK ||
	    stk_buf_len(&b) != size || memcmp(stk_buf_data(&b), data, size))
		abort();
	stk_buf_reset(&b);

	memset(&req, 0, sizeof(req));
	memcpy(req.session_id, r.session_id, sizeof(req.session_id));
	req.lifetime_s = 120;
	req.expiry_utc = 1;
	if (stk_auth_request_set_ticket(&req, "1234", 4) != STK_OK ||
	    stk_auth_request_set_service(&req, "x", 1) != STK_OK)
		abort();
	rc = stk_auth_dtbs(&req, &r, &b);
	if ((r.sig_alg != STK_AUTH_SIG_NONE) != (rc == STK_OK))
		abort();
	stk_buf_free(&b);
	return 0;
}
