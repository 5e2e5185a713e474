/*
 * json.c - decoders of every JSON request body (REST and bridge APIs).
 *
 * jansson parses (JSON_REJECT_DUPLICATES: a member given twice is an
 * error, not "the last one wins"); this file validates.  Every decoder
 * takes an object with a fixed set of members: an unknown member, a wrong
 * type, a string longer than its cap or a value out of range is refused
 * with the member's name in e->field.  Callers have already capped the
 * body (http.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "err.h"
#include "server.h"

static int
fail(struct json_err *e, const char *field, const char *msg)
{
	snprintf(e->field, sizeof(e->field), "%s", field);
	snprintf(e->message, sizeof(e->message), "%s", msg);
	return STK_E_INVALID;
}

/* Parse body as one JSON object. */
static int
parse_object(const char *body, size_t len, json_t **out, struct json_err *e)
{
	json_error_t je;
	json_t *root;

	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		snprintf(e->field, sizeof(e->field), "$");
		snprintf(e->message, sizeof(e->message),
		    "malformed JSON at line %d column %d", je.line, je.column);
		return STK_E_INVALID;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		return fail(e, "$", "expected a JSON object");
	}
	*out = root;
	return STK_OK;
}

/* Refuse members outside allowed (NULL-terminated). */
static int
only_members(json_t *obj, const char *const *allowed, struct json_err *e)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		bool ok = false;

		for (size_t i = 0; allowed[i]; i++)
			ok = ok || strcmp(key, allowed[i]) == 0;
		if (!ok) {
			char f[32];

			/* an empty name is still named in the error */
			snprintf(f, sizeof(f), "%.31s", key[0] ? key : "\"\"");
			return fail(e, f, "unknown member");
		}
	}
	return STK_OK;
}

/*
 * Optional string member into out (capacity cap, NUL included); absent is
 * "" unless required.  Strings holding NUL are refused.
 */
static int
get_str(json_t *obj, const char *name, bool required, char *out, size_t cap,
    struct json_err *e)
{
	json_t *v = json_object_get(obj, name);
	size_t n;

	out[0] = '\0';
	if (v == NULL || json_is_null(v))
		return required ? fail(e, name, "required") : STK_OK;
	if (!json_is_string(v))
		return fail(e, name, "expected a string");
	n = json_string_length(v);
	if (n >= cap)
		return fail(e, name, "too long");
	if (memchr(json_string_value(v), '\0', n) != NULL)
		return fail(e, name, "contains NUL");
	memcpy(out, json_string_value(v), n + 1);
	return STK_OK;
}

static int
get_uint(json_t *obj, const char *name, unsigned def, unsigned min,
    unsigned max, unsigned *out, struct json_err *e)
{
	json_t *v = json_object_get(obj, name);
	json_int_t i;

	if (v == NULL || json_is_null(v)) {
		*out = def;
		return STK_OK;
	}
	if (!json_is_integer(v))
		return fail(e, name, "expected an integer");
	i = json_integer_value(v);
	if (i < (json_int_t)min || i > (json_int_t)max)
		return fail(e, name, "out of range");
	*out = (unsigned)i;
	return STK_OK;
}

bool
msisdn_valid(const char *s)
{
	size_t n = strlen(s);

	/* E.164: "+" then 1..15 digits, the first not 0 (ITU-T E.164 §6) */
	if (n < 2 || n > API_MSISDN_MAX || s[0] != '+' || s[1] == '0')
		return false;
	for (size_t i = 1; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

bool
account_name_valid(const char *s)
{
	size_t n = strlen(s);

	/* also a safe file name (certsrc.c) and LDAP-filter-safe */
	if (n < 1 || n > API_ACCOUNT_MAX || s[0] == '.' || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-' || c == '@'))
			return false;
	}
	return true;
}

bool
id_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > API_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-' || c == ':'))
			return false;
	}
	return true;
}

/* ---- base64, RFC 4648 §4, strict ------------------------------------ */

json_t *
json_base64(const uint8_t *p, size_t n)
{
	char *buf;
	json_t *s;

	if (n > (1u << 24) || (buf = malloc(4 * ((n + 2) / 3) + 1)) == NULL)
		return NULL;
	EVP_EncodeBlock((unsigned char *)buf, p, (int)n);
	s = json_string(buf);
	free(buf);
	return s;
}

static int
b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Length a multiple of 4, '=' only as the last one or two characters, the
 * unused bits of the last symbol zero (RFC 4648 §3.5: canonical).
 */
int
base64_decode(const char *s, uint8_t *out, size_t cap, size_t *outlen)
{
	size_t n = strlen(s), o = 0;

	if (n % 4 != 0)
		return STK_E_INVALID;
	for (size_t i = 0; i < n; i += 4) {
		int v[4], pad = 0;
		uint32_t acc;

		for (int k = 0; k < 4; k++) {
			if (s[i + k] == '=' && i + 4 == n && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad > 0 || (v[k] = b64val(s[i + k])) < 0)
				return STK_E_INVALID;
		}
		acc = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 |
		    (uint32_t)v[2] << 6 | (uint32_t)v[3];
		if ((pad == 1 && (acc & 0xff)) || (pad == 2 && (acc & 0xffff)))
			return STK_E_INVALID;
		if (o + 3 - (size_t)pad > cap)
			return STK_E_TOO_LONG;
		out[o++] = (uint8_t)(acc >> 16);
		if (pad < 2)
			out[o++] = (uint8_t)(acc >> 8);
		if (pad < 1)
			out[o++] = (uint8_t)acc;
	}
	*outlen = o;
	return STK_OK;
}

/* ---- REST: POST /api/v1/authentication ------------------------------ */

static const struct {
	const char *name;
	int type;
	size_t len;
} hash_types[] = {
	{ "SHA256", API_HASH_SHA256, 32 },
	{ "SHA384", API_HASH_SHA384, 48 },
	{ "SHA512", API_HASH_SHA512, 64 },
};

int
json_decode_auth(const char *body, size_t len, const struct srv_config *c,
    struct api_auth_in *out, struct json_err *e)
{
	static const char *const members[] = { "account", "msisdn",
	    "serviceName", "hash", "hashType", NULL };
	char hash_b64[2 * API_HASH_MAX], hash_type[16];
	json_t *root = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	(void)c;
	if ((rc = parse_object(body, len, &root, e)) != STK_OK)
		return rc;
	if ((rc = only_members(root, members, e)) != STK_OK ||
	    (rc = get_str(root, "account", false, out->account,
	    sizeof(out->account), e)) != STK_OK ||
	    (rc = get_str(root, "msisdn", false, out->msisdn,
	    sizeof(out->msisdn), e)) != STK_OK ||
	    (rc = get_str(root, "serviceName", true, out->service_utf8,
	    sizeof(out->service_utf8), e)) != STK_OK ||
	    (rc = get_str(root, "hash", false, hash_b64, sizeof(hash_b64),
	    e)) != STK_OK ||
	    (rc = get_str(root, "hashType", false, hash_type,
	    sizeof(hash_type), e)) != STK_OK)
		goto out;
	if ((out->account[0] == '\0') == (out->msisdn[0] == '\0')) {
		rc = fail(e, "account", "give exactly one of account, msisdn");
		goto out;
	}
	if (out->account[0] && !account_name_valid(out->account)) {
		rc = fail(e, "account", "invalid account name");
		goto out;
	}
	if (out->msisdn[0] && !msisdn_valid(out->msisdn)) {
		rc = fail(e, "msisdn", "expected +E.164 digits");
		goto out;
	}
	/* STK limits and coding: PROTOCOL.md §2.1, TS 23.038 §6.2 */
	rc = stk_auth_request_set_service(&out->req, out->service_utf8,
	    strlen(out->service_utf8));
	if (rc == STK_E_TOO_LONG) {
		rc = fail(e, "serviceName", "longer than 52 GSM 7-bit septets "
		    "or 26 UCS-2 characters");
		goto out;
	} else if (rc != STK_OK) {
		rc = fail(e, "serviceName", "empty, malformed UTF-8 or outside "
		    "the BMP");
		goto out;
	}
	if ((hash_b64[0] == '\0') != (hash_type[0] == '\0')) {
		rc = fail(e, hash_b64[0] ? "hashType" : "hash",
		    "hash and hashType go together");
		goto out;
	}
	if (hash_type[0]) {
		size_t i, n = sizeof(hash_types) / sizeof(hash_types[0]);

		for (i = 0; i < n; i++)
			if (strcmp(hash_types[i].name, hash_type) == 0)
				break;
		if (i == n) {
			rc = fail(e, "hashType", "expected SHA256, SHA384 or "
			    "SHA512");
			goto out;
		}
		if (base64_decode(hash_b64, out->hash, sizeof(out->hash),
		    &out->hash_len) != STK_OK ||
		    out->hash_len != hash_types[i].len) {
			rc = fail(e, "hash", "expected the base64 of a digest "
			    "of hashType's length");
			goto out;
		}
		out->hash_type = hash_types[i].type;
	}
	rc = STK_OK;
 out:
	json_decref(root);
	return rc;
}

/* ---- bridge API ----------------------------------------------------- */

int
json_decode_claim(const char *body, size_t len, const struct srv_config *c,
    struct bridge_claim_in *out, struct json_err *e)
{
	static const char *const members[] = { "claimId", "maxJobs",
	    "leaseMs", "waitMs", NULL };
	json_t *root = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = parse_object(body, len, &root, e)) != STK_OK)
		return rc;
	if ((rc = only_members(root, members, e)) != STK_OK ||
	    (rc = get_str(root, "claimId", false, out->claim_id,
	    sizeof(out->claim_id), e)) != STK_OK ||
	    (rc = get_uint(root, "maxJobs", 1, 1, c->claim_max_jobs,
	    &out->max_jobs, e)) != STK_OK ||
	    (rc = get_uint(root, "leaseMs", c->lease_default_ms, 1000,
	    c->lease_max_ms, &out->lease_ms, e)) != STK_OK ||
	    (rc = get_uint(root, "waitMs", 0, 0, c->claim_wait_max_ms,
	    &out->wait_ms, e)) != STK_OK)
		goto out;
	if (out->claim_id[0] && !id_valid(out->claim_id))
		rc = fail(e, "claimId", "expected [A-Za-z0-9_.:-]{1,64}");
 out:
	json_decref(root);
	return rc;
}

int
json_decode_ack(const char *body, size_t len, struct bridge_ack_in *out,
    struct json_err *e)
{
	static const char *const members[] = { "leaseId", NULL };
	json_t *root = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = parse_object(body, len, &root, e)) != STK_OK)
		return rc;
	if ((rc = only_members(root, members, e)) != STK_OK ||
	    (rc = get_str(root, "leaseId", true, out->lease_id,
	    sizeof(out->lease_id), e)) != STK_OK)
		goto out;
	if (!id_valid(out->lease_id))
		rc = fail(e, "leaseId", "expected [A-Za-z0-9_.:-]{1,64}");
 out:
	json_decref(root);
	return rc;
}

static const struct {
	const char *name;
	int status;
} delivery_names[] = {
	{ "SUBMITTED", BR_DLV_SUBMITTED },
	{ "DELIVERED", BR_DLV_DELIVERED },
	{ "FAILED", BR_DLV_FAILED },
	{ "POR_ERROR", BR_DLV_POR_ERROR },
};

int
json_decode_delivery(const char *body, size_t len,
    struct bridge_delivery_in *out, struct json_err *e)
{
	static const char *const members[] = { "leaseId", "status",
	    "porStatus", "detail", NULL };
	char status[16];
	unsigned por;
	json_t *root = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	out->por_status = -1;
	if ((rc = parse_object(body, len, &root, e)) != STK_OK)
		return rc;
	if ((rc = only_members(root, members, e)) != STK_OK ||
	    (rc = get_str(root, "leaseId", true, out->lease_id,
	    sizeof(out->lease_id), e)) != STK_OK ||
	    (rc = get_str(root, "status", true, status, sizeof(status),
	    e)) != STK_OK ||
	    (rc = get_str(root, "detail", false, out->detail,
	    sizeof(out->detail), e)) != STK_OK ||
	    (rc = get_uint(root, "porStatus", 256, 0, 255, &por, e)) != STK_OK)
		goto out;
	if (!id_valid(out->lease_id)) {
		rc = fail(e, "leaseId", "expected [A-Za-z0-9_.:-]{1,64}");
		goto out;
	}
	for (size_t i = 0; i < sizeof(delivery_names) /
	    sizeof(delivery_names[0]); i++)
		if (strcmp(delivery_names[i].name, status) == 0)
			out->status = delivery_names[i].status;
	if (out->status == 0) {
		rc = fail(e, "status", "expected SUBMITTED, DELIVERED, FAILED "
		    "or POR_ERROR");
		goto out;
	}
	if ((out->status == BR_DLV_POR_ERROR) != (por != 256)) {
		rc = fail(e, "porStatus", "required with POR_ERROR and only "
		    "there");
		goto out;
	}
	/* TS 102 225 §5.2: 00 is "PoR OK", no error */
	if (por == 0) {
		rc = fail(e, "porStatus", "00 (PoR OK) is not an error");
		goto out;
	}
	out->por_status = (por == 256) ? -1 : (int)por;
 out:
	json_decref(root);
	return rc;
}

int
json_decode_result(const char *body, size_t len, struct bridge_result_in *out,
    struct json_err *e)
{
	static const char *const members[] = { "resultId", "msisdn", "iccid",
	    "response", NULL };
	char hex[2 * STK_AUTH_RESPONSE_MAX_LEN + 2];
	json_t *root = NULL;
	uint8_t ef[STK_AUTH_ICCID_LEN];
	size_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = parse_object(body, len, &root, e)) != STK_OK)
		return rc;
	if ((rc = only_members(root, members, e)) != STK_OK ||
	    (rc = get_str(root, "resultId", true, out->result_id,
	    sizeof(out->result_id), e)) != STK_OK ||
	    (rc = get_str(root, "msisdn", true, out->msisdn,
	    sizeof(out->msisdn), e)) != STK_OK ||
	    (rc = get_str(root, "iccid", false, out->iccid,
	    sizeof(out->iccid), e)) != STK_OK ||
	    (rc = get_str(root, "response", true, hex, sizeof(hex), e)) !=
	    STK_OK)
		goto out;
	if (!id_valid(out->result_id)) {
		rc = fail(e, "resultId", "expected [A-Za-z0-9_.:-]{1,64}");
		goto out;
	}
	if (!msisdn_valid(out->msisdn)) {
		rc = fail(e, "msisdn", "expected +E.164 digits");
		goto out;
	}
	if (out->iccid[0] && iccid_to_ef(out->iccid, ef) != STK_OK) {
		rc = fail(e, "iccid", "expected 18 to 20 digits");
		goto out;
	}
	n = strlen(hex);
	if (n == 0 || n % 2 != 0 ||
	    hex_exact(hex, out->response, n / 2) != STK_OK) {
		rc = fail(e, "response", "expected hex octets");
		goto out;
	}
	out->response_len = n / 2;
	rc = STK_OK;
 out:
	json_decref(root);
	return rc;
}
