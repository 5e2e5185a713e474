/*
 * server_auth_respond - the card's side of one login, for the server's
 * integration tests (tests/sh/test_server_api.sh): read an auth request
 * (hex, as a bridge job carries it), build the auth response the applet
 * would send (PROTOCOL.md §4, password §6, signature §7) and print it in
 * hex.
 *
 *   server_auth_respond REQUEST-HEX ICCID-DIGITS KAUTH-HEX-FILE KEY.pem
 *       [confirmed|rejected|pin-blocked|timeout|error] [--unsigned]
 *       [--bad-password] [--session HEX16]
 *
 * --bad-password flips one password digit; --session replaces the session
 * identifier (a response for another session); --unsigned leaves a
 * negative decision unsigned.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "authmsg.h"
#include "authsig.h"
#include "bytes.h"
#include "err.h"
#include "hex.h"

static int
iccid_ef(const char *d, uint8_t ef[STK_AUTH_ICCID_LEN])
{
	size_t n = strlen(d);

	if (n < 18 || n > 20)
		return -1;
	memset(ef, 0xff, STK_AUTH_ICCID_LEN);
	for (size_t i = 0; i < n; i++) {
		if (d[i] < '0' || d[i] > '9')
			return -1;
		if (i % 2 == 0)
			ef[i / 2] = (uint8_t)(0xf0 | (d[i] - '0'));
		else
			ef[i / 2] = (uint8_t)((ef[i / 2] & 0x0f) |
			    (d[i] - '0') << 4);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct stk_auth_request req;
	struct stk_auth_response resp;
	struct stk_buf in, kb, out;
	struct stk_diag diag;
	char line[300], dbuf[128];
	bool unsigned_resp = false, bad_pw = false;
	const char *session = NULL;
	EVP_PKEY *key = NULL;
	FILE *f;
	int rc = 1;

	stk_diag_clear(&diag);
	stk_buf_init(&in);
	stk_buf_init(&kb);
	stk_buf_init(&out);
	if (argc < 5) {
		fprintf(stderr, "usage: server_auth_respond REQUEST-HEX ICCID "
		    "KAUTH-FILE KEY.pem [DECISION] [--unsigned] "
		    "[--bad-password] [--session HEX16]\n");
		return 2;
	}
	memset(&resp, 0, sizeof(resp));
	resp.decision = STK_AUTH_CONFIRMED;
	for (int i = 5; i < argc; i++) {
		if (strcmp(argv[i], "--unsigned") == 0)
			unsigned_resp = true;
		else if (strcmp(argv[i], "--bad-password") == 0)
			bad_pw = true;
		else if (strcmp(argv[i], "--session") == 0 && i + 1 < argc)
			session = argv[++i];
		else if (stk_auth_decision_from_name(argv[i],
		    &resp.decision) != STK_OK) {
			fprintf(stderr, "unknown argument %s\n", argv[i]);
			return 2;
		}
	}
	if (stk_hex_decode(argv[1], &in) != STK_OK ||
	    stk_auth_request_decode(stk_buf_data(&in), stk_buf_len(&in), &req,
	    &diag) != STK_OK) {
		fprintf(stderr, "request: %s\n",
		    stk_diag_format(&diag, dbuf, sizeof(dbuf)));
		goto out;
	}
	if ((f = fopen(argv[3], "r")) == NULL ||
	    fgets(line, sizeof(line), f) == NULL) {
		fprintf(stderr, "%s: cannot read\n", argv[3]);
		if (f)
			fclose(f);
		goto out;
	}
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	if (stk_hex_decode(line, &kb) != STK_OK) {
		fprintf(stderr, "%s: not hex\n", argv[3]);
		goto out;
	}
	if ((f = fopen(argv[4], "r")) == NULL ||
	    (key = PEM_read_PrivateKey(f, NULL, NULL, NULL)) == NULL) {
		fprintf(stderr, "%s: no private key\n", argv[4]);
		if (f)
			fclose(f);
		goto out;
	}
	fclose(f);
	memcpy(resp.session_id, req.session_id, STK_AUTH_SESSION_ID_LEN);
	if (iccid_ef(argv[2], resp.iccid) != 0) {
		fprintf(stderr, "bad ICCID %s\n", argv[2]);
		goto out;
	}
	if (resp.decision == STK_AUTH_CONFIRMED) {
		if (stk_auth_password_derive(stk_buf_data(&kb), stk_buf_len(&kb),
		    &req, resp.password) != STK_OK)
			goto out;
		resp.password_len = STK_AUTH_PASSWORD_DIGITS;
		if (bad_pw)
			resp.password[0] = resp.password[0] == '9' ? '0' :
			    (char)(resp.password[0] + 1);
	}
	if (!unsigned_resp || resp.decision == STK_AUTH_CONFIRMED) {
		resp.sig_alg = EVP_PKEY_get_base_id(key) == EVP_PKEY_EC ?
		    STK_AUTH_SIG_ECDSA_P256 : STK_AUTH_SIG_RSA_PKCS1;
		if (stk_auth_sign(&req, &resp, key) != STK_OK) {
			fprintf(stderr, "signing failed\n");
			goto out;
		}
	}
	if (session) {
		struct stk_buf sb;

		stk_buf_init(&sb);
		if (stk_hex_decode(session, &sb) != STK_OK ||
		    stk_buf_len(&sb) != STK_AUTH_SESSION_ID_LEN) {
			stk_buf_free(&sb);
			goto out;
		}
		memcpy(resp.session_id, stk_buf_data(&sb),
		    STK_AUTH_SESSION_ID_LEN);
		stk_buf_free(&sb);
	}
	if (stk_auth_response_encode(&resp, &out) != STK_OK)
		goto out;
	for (size_t i = 0; i < stk_buf_len(&out); i++)
		printf("%02X", stk_buf_data(&out)[i]);
	printf("\n");
	rc = 0;
 out:
	EVP_PKEY_free(key);
	stk_buf_free(&in);
	stk_buf_free(&kb);
	stk_buf_free(&out);
	return rc;
}
