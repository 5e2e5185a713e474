/*
 * fuzz_server_json - the JSON request decoders of stkauth-server
 * (server/json.c: jansson parse + our validation).  The first input octet
 * picks the decoder (mod 5), the rest is the body.  Checks, beyond "no
 * crash": on success every output respects its documented bounds; on
 * failure a member name and a message are set.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct srv_config cfg;
	static int init;
	struct json_err e;
	const char *body = (const char *)data + 1;
	size_t len;
	int rc;

	if (!init) {
		config_defaults(&cfg);
		init = 1;
	}
	if (size < 1 || size > 16384)
		return 0;
	len = size - 1;
	memset(&e, 0, sizeof(e));
	switch (data[0] % 5) {
	case 0: {
		struct api_auth_in in;

		rc = json_decode_auth(body, len, &cfg, &in, &e);
		if (rc == STK_OK) {
			if ((in.account[0] == '\0') == (in.msisdn[0] == '\0'))
				abort();
			if (in.req.service_len < 1 ||
			    in.req.service_len > STK_AUTH_SERVICE_MAX_OCTETS)
				abort();
			if (in.hash_type != API_HASH_NONE &&
			    in.hash_len != 32 && in.hash_len != 48 &&
			    in.hash_len != 64)
				abort();
		}
		break;
	}
	case 1: {
		struct bridge_claim_in in;

		rc = json_decode_claim(body, len, &cfg, &in, &e);
		if (rc == STK_OK && (in.max_jobs < 1 ||
		    in.max_jobs > cfg.claim_max_jobs ||
		    in.lease_ms < 1000 || in.lease_ms > cfg.lease_max_ms ||
		    in.wait_ms > cfg.claim_wait_max_ms))
			abort();
		break;
	}
	case 2: {
		struct bridge_ack_in in;

		rc = json_decode_ack(body, len, &in, &e);
		if (rc == STK_OK && !id_valid(in.lease_id))
			abort();
		break;
	}
	case 3: {
		struct bridge_delivery_in in;

		rc = json_decode_delivery(body, len, &in, &e);
		if (rc == STK_OK && (in.por_status > 255 ||
		    (in.status == BR_DLV_POR_ERROR) != (in.por_status > 0)))
			abort();
		break;
	}
	default: {
		struct bridge_result_in in;

		rc = json_decode_result(body, len, &in, &e);
		if (rc == STK_OK && (in.response_len < 1 ||
		    in.response_len > STK_AUTH_RESPONSE_MAX_LEN ||
		    !msisdn_valid(in.msisdn)))
			abort();
		break;
	}
	}
	if (rc != STK_OK && (e.field[0] == '\0' || e.message[0] == '\0'))
		abort();
	return 0;
}
