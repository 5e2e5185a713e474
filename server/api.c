/*
 * api.c - the REST API for relying parties, /api/v1 (docs/REST-API.md,
 * docs/openapi.yaml), modelled on Mobile-ID's:
 *
 *   POST /api/v1/authentication                 start; session id + ticket
 *   GET  /api/v1/authentication/session/{id}    state, long-poll timeoutMs
 *
 * Every call carries "Authorization: Bearer API-KEY"; keys are stored as
 * SHA-256 hashes (ticket.c).  A relying party sees only its own sessions.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/evp.h>

#include "err.h"
#include "log.h"
#include "server.h"
#include "store.h"

/* RFC 3339 UTC with milliseconds. */
json_t *
json_time(int64_t ms)
{
	char buf[64];
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ms % 1000));
	return json_string(buf);
}

/* Authenticate the caller as a party of kind; replies 401 itself. */
bool
authenticate(struct reqctx *rc, int kind)
{
	const char *tok = http_bearer(rc);
	uint8_t h[SECRET_HASH_LEN];

	if (tok == NULL || secret_hash(tok, strlen(tok), h) != STK_OK ||
	    store_party_find(rc->s->store, kind, h, &rc->party_id,
	    rc->party_name) != STK_OK) {
		http_reply_error(rc, 401, "UNAUTHORIZED", kind == STORE_RP ?
		    "missing or unknown API key" :
		    "missing or unknown bridge token", NULL);
		return false;
	}
	return true;
}

/*
 * One hit on the rate counter of kind ("addr", "acct") for who; *over
 * tells whether the limit (0: none) is passed.  Shared by the REST API
 * and the login page, so both count against the same windows.
 */
int
rate_hit(struct srv *s, const char *kind, const char *who, unsigned limit,
    bool *over)
{
	char key[128];

	*over = false;
	if (limit == 0)
		return STK_OK;
	snprintf(key, sizeof(key), "%s:%s", kind, who);
	if (store_rate_hit(s->store, key, (int64_t)s->cfg.rate_window_s * 1000,
	    limit, srv_now_ms(), over) != STK_OK)
		return STK_E_IO;
	if (*over)
		s->m.rate_limited++;
	return STK_OK;
}

/* One hit on a rate counter; replies 429 itself when over. */
static bool
rate_ok(struct reqctx *rc, const char *kind, const char *who, unsigned limit)
{
	bool over = false;

	if (rate_hit(rc->s, kind, who, limit, &over) != STK_OK) {
		http_reply_error(rc, 500, "INTERNAL_ERROR", "store failure",
		    NULL);
		return false;
	}
	if (over) {
		http_reply_error(rc, 429, "RATE_LIMITED", strcmp(kind, "addr")
		    == 0 ? "too many requests from this address" :
		    "too many requests for this account", NULL);
		return false;
	}
	return true;
}

/*
 * The nonce (PROTOCOL.md §3).  Without a hash: 16 random octets.  With
 * the relying party's hash to be signed: the first 16 octets of
 *   SHA-256("stkauth-v1-hash-nonce" || SALT(16) || HASH-TYPE || HASH)
 * with a random SALT returned to the relying party, so the card's
 * signature over the DTBS (which holds the nonce) covers the hash: anyone
 * holding salt, hash and DTBS can recompute the nonce (docs/REST-API.md).
 */
static int
make_nonce(const struct api_auth_in *in, struct store_session *ss,
    uint8_t nonce[STK_AUTH_NONCE_LEN])
{
	static const char label[] = "stkauth-v1-hash-nonce";
	uint8_t md[32], ht = (uint8_t)in->hash_type;
	EVP_MD_CTX *ctx = NULL;
	int rc;

	if (in->hash_len == 0)
		return srv_random(nonce, STK_AUTH_NONCE_LEN);
	if ((rc = srv_random(ss->hash_salt, sizeof(ss->hash_salt))) != STK_OK)
		return rc;
	rc = STK_E_CRYPTO;
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, label, sizeof(label) - 1) != 1 ||
	    EVP_DigestUpdate(ctx, ss->hash_salt, sizeof(ss->hash_salt)) != 1 ||
	    EVP_DigestUpdate(ctx, &ht, 1) != 1 ||
	    EVP_DigestUpdate(ctx, in->hash, in->hash_len) != 1 ||
	    EVP_DigestFinal_ex(ctx, md, NULL) != 1)
		goto out;
	memcpy(nonce, md, STK_AUTH_NONCE_LEN);
	memcpy(ss->hash, in->hash, in->hash_len);
	ss->hash_len = in->hash_len;
	ss->hash_type = in->hash_type;
	rc = STK_OK;
 out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

/*
 * Start a session for in (account or MSISDN, service, optional hash) on
 * behalf of relying party rp_id: ticket, nonce, auth request, the session
 * row and, for a bound and unlocked account, its job.  Unknown, unbound
 * and locked accounts get a session like any other (same shape and
 * timing class), completed at once with NOT_BOUND or ACCOUNT_LOCKED.  ss
 * is filled (id, ticket, expiry, state, result, hash salt).  Used by the
 * REST API and the login page (web.c), so both start sessions the same
 * way.  STK_E_IO (store), STK_E_CRYPTO (randomness), STK_E_INVALID (the
 * request does not encode).
 */
int
auth_session_start(struct srv *s, struct api_auth_in *in, int64_t rp_id,
    const char *rp_name, const char *client, struct store_session *ss)
{
	struct store_account acct;
	struct store_tx tx;
	struct stk_buf b;
	int64_t now = srv_now_ms();
	uint8_t sid[STK_AUTH_SESSION_ID_LEN];
	bool bound = false, locked = false, with_job = false;
	int rc, rc2;

	memset(ss, 0, sizeof(*ss));
	memset(&acct, 0, sizeof(acct));
	stk_buf_init_fixed(&b, ss->request, sizeof(ss->request));
	/* the account read, the session, its job and the audit row: one
	 * transaction (nested in the request's when there is one) */
	if (srv_tx_begin(s, &tx) != STK_OK)
		return STK_E_IO;
	rc2 = store_account_get(s->store, in->account[0] ? in->account : NULL,
	    in->msisdn, &acct);
	if (rc2 != STK_OK && rc2 != STK_E_NOT_FOUND) {
		rc = STK_E_IO;
		goto out;
	}
	bound = rc2 == STK_OK && acct.msisdn[0] && acct.iccid[0] &&
	    acct.kauth_len >= STK_AUTH_KEY_MIN;
	locked = bound && acct.locked_until > now;

	/* the request (PROTOCOL.md §3) */
	if (srv_random(sid, sizeof(sid)) != STK_OK ||
	    ticket_generate(ss->ticket, s->cfg.ticket_len) != STK_OK ||
	    make_nonce(in, ss, in->req.nonce) != STK_OK) {
		rc = STK_E_CRYPTO;
		goto out;
	}
	memcpy(in->req.session_id, sid, sizeof(sid));
	in->req.pin_required = s->cfg.pin_required;
	in->req.lifetime_s = (uint16_t)s->cfg.session_lifetime_s;
	in->req.expiry_utc = (uint32_t)((now + 999) / 1000 +
	    s->cfg.session_lifetime_s);
	if (stk_auth_request_set_ticket(&in->req, ss->ticket,
	    strlen(ss->ticket)) != STK_OK ||
	    stk_auth_request_encode(&in->req, &b) != STK_OK) {
		rc = STK_E_INVALID;
		goto out;
	}
	ss->request_len = stk_buf_len(&b);
	hex_upper(ss->id, sid, sizeof(sid));
	ss->rp_id = rp_id;
	snprintf(ss->client, sizeof(ss->client), "%s", client);
	ss->created = now;
	ss->expiry = (int64_t)in->req.expiry_utc * 1000;
	if (rc2 == STK_OK) {
		ss->account_id = acct.id;
		snprintf(ss->account, sizeof(ss->account), "%s", acct.name);
		snprintf(ss->msisdn, sizeof(ss->msisdn), "%s", acct.msisdn);
		snprintf(ss->iccid, sizeof(ss->iccid), "%s", acct.iccid);
	} else
		snprintf(ss->account, sizeof(ss->account), "%s", in->account);
	if (!bound || locked) {
		ss->state = SRV_ST_COMPLETE;
		ss->result = locked ? SRV_RES_ACCOUNT_LOCKED : SRV_RES_NOT_BOUND;
		snprintf(ss->reason, sizeof(ss->reason), "%s", locked ?
		    "account locked after repeated failures" : rc2 != STK_OK ?
		    "no such account or MSISDN" :
		    "no MSISDN binding or no enrolled card");
		ss->completed = now;
	} else {
		ss->state = SRV_ST_RUNNING;
		ss->result = SRV_RES_NONE;
		with_job = true;
	}
	if (store_session_insert(s->store, ss, with_job, now) != STK_OK ||
	    store_audit(s->store, now, ss->id, ss->account, "session-created",
	    with_job ? NULL : srv_result_name(ss->result),
	    with_job ? rp_name : ss->reason, client) != STK_OK) {
		rc = STK_E_IO;
		goto out;
	}
	rc = STK_OK;
 out:
	if (store_tx_end(s->store, &tx, rc == STK_OK) != STK_OK)
		rc = STK_E_IO;
	if (rc == STK_OK) {
		s->m.sessions_created++;
		if (!with_job)
			s->m.results[ss->result]++;
		if (with_job)
			waiters_kick(s, "jobs");
	}
	OPENSSL_cleanse(&acct, sizeof(acct));
	return rc;
}

static void
start_auth(struct reqctx *rc)
{
	struct srv *s = rc->s;
	struct api_auth_in in;
	struct json_err je;
	struct store_session ss;
	char *body = NULL;
	size_t len = 0;
	json_t *reply;
	int rc2;

	if (!rate_ok(rc, "addr", rc->client, s->cfg.rate_per_address))
		goto out;
	if ((rc2 = http_body(rc, &body, &len)) != STK_OK) {
		if (rc2 == STK_E_TOO_LONG)
			http_reply_error(rc, 413, "PAYLOAD_TOO_LARGE",
			    "request body too large", NULL);
		else if (rc2 == STK_E_UNSUPPORTED)
			http_reply_error(rc, 415, "UNSUPPORTED_MEDIA_TYPE",
			    "expected Content-Type: application/json", NULL);
		else
			http_reply_error(rc, 500, "INTERNAL_ERROR",
			    "cannot read the body", NULL);
		goto out;
	}
	if (json_decode_auth(body, len, &s->cfg, &in, &je) != STK_OK) {
		http_reply_error(rc, 400, "BAD_REQUEST", je.message, je.field);
		goto out;
	}
	if (!rate_ok(rc, "acct", in.account[0] ? in.account : in.msisdn,
	    s->cfg.rate_per_account))
		goto out;
	rc2 = auth_session_start(s, &in, rc->party_id, rc->party_name,
	    rc->client, &ss);
	if (rc2 != STK_OK) {
		http_reply_error(rc, 500, "INTERNAL_ERROR", rc2 == STK_E_IO ?
		    "store failure" : rc2 == STK_E_CRYPTO ? "no randomness" :
		    "request encoding", NULL);
		goto out;
	}
	reply = json_pack("{s:s, s:s, s:o}", "sessionId", ss.id, "ticket",
	    ss.ticket, "expiresAt", json_time(ss.expiry));
	if (reply && ss.hash_len)
		json_object_set_new(reply, "hashSalt",
		    json_base64(ss.hash_salt, sizeof(ss.hash_salt)));
	http_reply_json(rc, 200, reply);
 out:
	free(body);
}

static const char *const hash_type_names[] = { NULL, "SHA256", "SHA384",
	"SHA512" };

/* The session as the API shows it (docs/REST-API.md). */
static json_t *
session_json(const struct store_session *ss)
{
	json_t *o;

	if (ss->state != SRV_ST_COMPLETE)
		/* VERIFYING is internal: for the client still RUNNING */
		return json_pack("{s:s}", "state", "RUNNING");
	o = json_pack("{s:s, s:s, s:o}", "state", "COMPLETE", "result",
	    srv_result_name(ss->result), "completedAt",
	    json_time(ss->completed));
	if (o == NULL || ss->result != SRV_RES_OK)
		return o;
	{
		struct stk_auth_request req;
		struct stk_auth_response resp;
		uint8_t dtbs[STK_AUTH_DTBS_MAX_LEN];
		struct stk_buf b;

		stk_buf_init_fixed(&b, dtbs, sizeof(dtbs));
		if (stk_auth_request_decode(ss->request, ss->request_len, &req,
		    NULL) != STK_OK || stk_auth_response_decode(ss->response,
		    ss->response_len, &resp, NULL) != STK_OK ||
		    stk_auth_dtbs(&req, &resp, &b) != STK_OK) {
			json_decref(o);
			return NULL;
		}
		json_object_set_new(o, "cert", json_base64(ss->cert,
		    ss->cert_len));
		json_object_set_new(o, "signature", json_pack("{s:s, s:o}",
		    "algorithm", stk_auth_sig_alg_name(resp.sig_alg), "value",
		    json_base64(resp.sig, resp.sig_len)));
		json_object_set_new(o, "signedData", json_base64(dtbs,
		    stk_buf_len(&b)));
		json_object_set_new(o, "iccid", json_string(ss->iccid));
		if (ss->hash_len > 0 && ss->hash_type > 0 && ss->hash_type <= 3)
			json_object_set_new(o, "hash", json_pack("{s:s, s:o, "
			    "s:o}", "type", hash_type_names[ss->hash_type],
			    "value", json_base64(ss->hash, ss->hash_len),
			    "salt", json_base64(ss->hash_salt,
			    sizeof(ss->hash_salt))));
	}
	return o;
}

struct poll_arg {
	char id[2 * STK_AUTH_SESSION_ID_LEN + 1];
	int64_t rp_id;
};

/* Reply when complete (or final); true when replied. */
static bool
session_check(struct reqctx *rc, void *arg, bool final)
{
	struct poll_arg *pa = arg;
	struct store_session ss;
	json_t *o;
	int rc2;

	rc2 = store_session_get(rc->s->store, pa->id, &ss);
	if (rc2 != STK_OK || ss.rp_id != pa->rp_id) {
		store_session_clear(&ss);
		if (rc2 == STK_E_NOT_FOUND || rc2 == STK_OK)
			http_reply_error(rc, 404, "NOT_FOUND", "no such session",
			    NULL);
		else
			http_reply_error(rc, 500, "INTERNAL_ERROR",
			    "store failure", NULL);
		return true;
	}
	if (ss.state != SRV_ST_COMPLETE && !final) {
		store_session_clear(&ss);
		return false;
	}
	o = session_json(&ss);
	store_session_clear(&ss);
	if (o == NULL)
		http_reply_error(rc, 500, "INTERNAL_ERROR", "cannot render",
		    NULL);
	else
		http_reply_json(rc, 200, o);
	return true;
}

static void
get_session(struct reqctx *rc, const char *id)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(rc->req);
	const char *q = evhttp_uri_get_query(uri), *tv;
	struct evkeyvalq params;
	struct poll_arg *pa;
	unsigned long timeout = 0;
	uint8_t raw[STK_AUTH_SESSION_ID_LEN];
	char *end;

	TAILQ_INIT(&params);
	if (hex_exact(id, raw, sizeof(raw)) != STK_OK) {
		http_reply_error(rc, 404, "NOT_FOUND", "no such session", NULL);
		return;
	}
	if (q && evhttp_parse_query_str(q, &params) != 0) {
		http_reply_error(rc, 400, "BAD_REQUEST", "malformed query",
		    NULL);
		return;
	}
	if ((tv = evhttp_find_header(&params, "timeoutMs")) != NULL) {
		timeout = strtoul(tv, &end, 10);
		if (tv[0] < '0' || tv[0] > '9' || *end != '\0' ||
		    timeout > rc->s->cfg.longpoll_max_ms) {
			evhttp_clear_headers(&params);
			http_reply_error(rc, 400, "BAD_REQUEST", "timeoutMs: "
			    "expected 0..longpoll_max_ms", "timeoutMs");
			return;
		}
	}
	evhttp_clear_headers(&params);
	if ((pa = calloc(1, sizeof(*pa))) == NULL) {
		http_reply_error(rc, 500, "INTERNAL_ERROR", "no memory", NULL);
		return;
	}
	hex_upper(pa->id, raw, sizeof(raw));
	pa->rp_id = rc->party_id;
	if (session_check(rc, pa, timeout == 0)) {
		free(pa);
		return;
	}
	if (waiter_add(rc, pa->id, (unsigned)timeout, 0, session_check, pa) !=
	    STK_OK)
		http_reply_error(rc, 503, "BUSY", "too many long-polls", NULL);
}

void
api_dispatch(struct reqctx *rc, const char *path)
{
	enum evhttp_cmd_type cmd = evhttp_request_get_command(rc->req);
	static const char sess[] = "/authentication/session/";

	/* a POST's writes (rate counters, session, audit) are one
	 * transaction, committed as the answer leaves (http.c) */
	if (cmd == EVHTTP_REQ_POST && !http_tx_begin(rc))
		return;
	if (!authenticate(rc, STORE_RP))
		return;
	if (strcmp(path, "/authentication") == 0) {
		if (cmd != EVHTTP_REQ_POST)
			http_reply_error(rc, 405, "METHOD_NOT_ALLOWED",
			    "use POST", NULL);
		else
			start_auth(rc);
	} else if (strncmp(path, sess, sizeof(sess) - 1) == 0) {
		if (cmd != EVHTTP_REQ_GET)
			http_reply_error(rc, 405, "METHOD_NOT_ALLOWED",
			    "use GET", NULL);
		else
			get_session(rc, path + sizeof(sess) - 1);
	} else
		http_reply_error(rc, 404, "NOT_FOUND", "no such resource",
		    NULL);
}

/*
 * Complete a session: compare-and-set, audit, lockout bookkeeping, wake
 * the long-polls.  STK_E_STATE when it was not in from (somebody else
 * finished it: nothing is done twice).
 */
int
session_finish(struct srv *s, const char *sid, int from, int result,
    const char *reason, const uint8_t *cert, size_t cert_len)
{
	struct store_session ss;
	struct store_tx tx;
	int64_t now = srv_now_ms();
	bool locked = false;
	int rc;

	memset(&ss, 0, sizeof(ss));
	/* the state change, its audit rows and the lockout counter commit
	 * together (nested in the caller's transaction when there is one) */
	if ((rc = srv_tx_begin(s, &tx)) != STK_OK)
		return rc;
	rc = store_session_transition(s->store, sid, from, SRV_ST_COMPLETE,
	    result, reason, NULL, 0, cert, cert_len, now);
	if (rc != STK_OK ||
	    (rc = store_session_get(s->store, sid, &ss)) != STK_OK ||
	    (rc = store_audit(s->store, now, sid, ss.account,
	    "session-complete", srv_result_name(result), reason,
	    ss.client)) != STK_OK)
		goto out;
	if (ss.account_id > 0 && result == SRV_RES_OK)
		rc = store_account_reset(s->store, ss.account_id);
	else if (ss.account_id > 0 && srv_result_counts_as_failure(result)) {
		rc = store_account_fail(s->store, ss.account_id,
		    s->cfg.lockout_failures,
		    (int64_t)s->cfg.lockout_duration_s * 1000, now, &locked);
		if (rc == STK_OK && locked)
			rc = store_audit(s->store, now, sid, ss.account,
			    "account-locked", "ACCOUNT_LOCKED",
			    "repeated failures", ss.client);
	}
 out:
	{
		int rc2 = store_tx_end(s->store, &tx, rc == STK_OK);

		if (rc == STK_OK)
			rc = rc2;
	}
	store_session_clear(&ss);
	if (rc != STK_OK)
		return rc;
	s->m.results[result]++;
	waiters_kick(s, sid);
	return STK_OK;
}
