/*
 * bridge.c - the bridge API, /bridge/v1 (docs/BRIDGE-API.md).
 *
 *   POST /bridge/v1/jobs/claim            long-poll claim with a lease
 *   POST /bridge/v1/jobs/{id}/ack         the SMS was handed to the network
 *   POST /bridge/v1/jobs/{id}/delivery    delivery status / PoR error
 *   POST /bridge/v1/results               an auth response from a card
 *
 * Bridges authenticate with "Authorization: Bearer TOKEN" (stored hashed).
 * Every call is idempotent: a repeated claim with the same claimId returns
 * the leases it already holds, ack and delivery repeat as no-ops under the
 * same lease, and a result is recorded under its resultId and answered
 * the same way when posted again.  Any number of bridges may claim at
 * once: a job is leased to one of them at a time (store_job_claim is a
 * compare-and-set in one transaction) and becomes claimable again when
 * its lease runs out without an ack (visibility timeout).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/http.h>

#include "err.h"
#include "log.h"
#include "ota.h"
#include "server.h"
#include "store.h"

#define CLAIM_BATCH_MAX 100

static bool
read_body(struct reqctx *rc, char **body, size_t *len)
{
	int r = http_body(rc, body, len);

	if (r == STK_OK)
		return true;
	if (r == STK_E_TOO_LONG)
		http_reply_error(rc, 413, "PAYLOAD_TOO_LARGE",
		    "request body too large", NULL);
	else if (r == STK_E_UNSUPPORTED)
		http_reply_error(rc, 415, "UNSUPPORTED_MEDIA_TYPE",
		    "expected Content-Type: application/json", NULL);
	else
		http_reply_error(rc, 500, "INTERNAL_ERROR",
		    "cannot read the body", NULL);
	return false;
}

/* ---- claim ---------------------------------------------------------- */

struct claim_arg {
	struct bridge_claim_in in;
	int64_t bridge_id;
};

static json_t *
job_json(const struct store_job *j)
{
	char hex[2 * STK_AUTH_REQUEST_MAX_LEN + 1];

	hex_upper(hex, j->request, j->request_len);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:o, s:i}",
	    "jobId", j->id, "sessionId", j->id, "msisdn", j->msisdn,
	    "iccid", j->iccid, "request", hex, "expiresAt",
	    json_time(j->expiry), "leaseId", j->lease_id, "leaseExpiresAt",
	    json_time(j->lease_until), "attempt", (int)j->attempts);
}

/* Try to claim; reply when something was claimed or on final. */
static bool
claim_check(struct reqctx *rc, void *arg, bool final)
{
	struct claim_arg *ca = arg;
	struct store_job jobs[CLAIM_BATCH_MAX];
	size_t n = 0;
	json_t *arr;

	if (store_job_claim(rc->s->store, ca->bridge_id, ca->in.claim_id,
	    ca->in.max_jobs, ca->in.lease_ms, srv_now_ms(), jobs, &n) !=
	    STK_OK) {
		http_reply_error(rc, 500, "INTERNAL_ERROR", "store failure",
		    NULL);
		return true;
	}
	if (n == 0 && !final)
		return false;
	if ((arr = json_array()) == NULL) {
		http_reply_error(rc, 500, "INTERNAL_ERROR", "no memory", NULL);
		return true;
	}
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(arr, job_json(&jobs[i]));
		log_info("bridge %s: job %s leased (lease %s, attempt %u)",
		    rc->party_name, jobs[i].id, jobs[i].lease_id,
		    jobs[i].attempts);
	}
	rc->s->m.jobs_claimed += n;
	http_reply_json(rc, 200, json_pack("{s:o}", "jobs", arr));
	return true;
}

static void
claim(struct reqctx *rc)
{
	struct claim_arg *ca;
	struct json_err je;
	char *body = NULL;
	size_t len;

	if (!read_body(rc, &body, &len))
		return;
	if ((ca = calloc(1, sizeof(*ca))) == NULL) {
		http_reply_error(rc, 500, "INTERNAL_ERROR", "no memory", NULL);
		goto out;
	}
	if (json_decode_claim(body, len, &rc->s->cfg, &ca->in, &je) !=
	    STK_OK) {
		http_reply_error(rc, 400, "BAD_REQUEST", je.message, je.field);
		goto out;
	}
	if (ca->in.max_jobs > CLAIM_BATCH_MAX)
		ca->in.max_jobs = CLAIM_BATCH_MAX;
	ca->bridge_id = rc->party_id;
	if (claim_check(rc, ca, ca->in.wait_ms == 0))
		goto out;
	if (waiter_add(rc, "jobs", ca->in.wait_ms, WAITER_PEER, claim_check,
	    ca) != STK_OK)
		http_reply_error(rc, 503, "BUSY", "too many long-polls", NULL);
	ca = NULL;	/* owned by the waiter (freed by waiter_add on error) */
 out:
	free(ca);
	free(body);
}

/* ---- ack and delivery ----------------------------------------------- */

static void
advance_reply(struct reqctx *rc, const char *id, int r, int to)
{
	if (r == STK_OK)
		/* the login page shows the job's progress (web.c) */
		waiters_kick(rc->s, id);
	if (r == STK_OK)
		http_reply_json(rc, 200, json_pack("{s:s, s:s}", "jobId", id,
		    "state", store_job_state_name(to)));
	else if (r == STK_E_NOT_FOUND)
		http_reply_error(rc, 404, "NOT_FOUND", "no such job", NULL);
	else if (r == STK_E_STATE)
		http_reply_error(rc, 409, "LEASE_LOST", "this lease is not "
		    "(or no longer) the job's, or the step is not allowed",
		    NULL);
	else
		http_reply_error(rc, 500, "INTERNAL_ERROR", "store failure",
		    NULL);
}

static void
ack(struct reqctx *rc, const char *id)
{
	struct bridge_ack_in in;
	struct json_err je;
	char *body = NULL;
	size_t len;

	if (!read_body(rc, &body, &len))
		return;
	if (json_decode_ack(body, len, &in, &je) != STK_OK)
		http_reply_error(rc, 400, "BAD_REQUEST", je.message, je.field);
	else
		advance_reply(rc, id, store_job_advance(rc->s->store, id,
		    rc->party_id, in.lease_id, JOB_SENT, "handed to the network",
		    srv_now_ms()), JOB_SENT);
	free(body);
}

static void
delivery(struct reqctx *rc, const char *id)
{
	struct bridge_delivery_in in;
	struct json_err je;
	char *body = NULL, reason[200];
	size_t len;
	int to, r;

	if (!read_body(rc, &body, &len))
		return;
	if (json_decode_delivery(body, len, &in, &je) != STK_OK) {
		http_reply_error(rc, 400, "BAD_REQUEST", je.message, je.field);
		goto out;
	}
	to = in.status == BR_DLV_SUBMITTED ? JOB_SENT :
	    in.status == BR_DLV_DELIVERED ? JOB_DELIVERED : JOB_FAILED;
	if (in.status == BR_DLV_POR_ERROR)
		/* TS 102 225 §5.2 / TS 31.115 §7 status names */
		snprintf(reason, sizeof(reason), "PoR status %02X %s%s%s",
		    (unsigned)in.por_status,
		    stk_ota_status_name((uint8_t)in.por_status),
		    in.detail[0] ? ": " : "", in.detail);
	else
		snprintf(reason, sizeof(reason), "%s", in.detail[0] ?
		    in.detail : to == JOB_FAILED ? "delivery failed" : "");
	r = store_job_advance(rc->s->store, id, rc->party_id, in.lease_id, to,
	    reason, srv_now_ms());
	if (r == STK_OK && to == JOB_FAILED) {
		/* the session ends here unless something else ended it */
		int fr = session_finish(rc->s, id, SRV_ST_RUNNING,
		    in.status == BR_DLV_POR_ERROR ? SRV_RES_SIM_ERROR :
		    SRV_RES_DELIVERY_ERROR, reason, NULL, 0);

		if (fr != STK_OK && fr != STK_E_STATE)
			r = fr;
	}
	advance_reply(rc, id, r, to);
 out:
	free(body);
}

/* ---- results -------------------------------------------------------- */

/*
 * Reply and record the answer under result_id (idempotency), in the
 * request's transaction: when the record cannot be written the answer
 * is 500 and nothing of the request stays (the bridge posts again).
 */
static void
result_reply(struct reqctx *rc, const char *result_id, int status,
    json_t *o, bool record)
{
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;

	if (record && text && store_result_put(rc->s->store, rc->party_id,
	    result_id, status, text, srv_now_ms()) != STK_OK) {
		free(text);
		json_decref(o);
		http_reply_error(rc, 500, "INTERNAL_ERROR", "store failure",
		    NULL);
		return;
	}
	free(text);
	http_reply_json(rc, status, o);
}

/*
 * Everything a worker needs to verify the result of session ss (in
 * VERIFYING, its response stored), copied: the request, the enrolled
 * card and its K_auth.  now: when the result arrived.  t->resp must be
 * set by the caller.  STK_E_INVALID when the session does not fit the
 * store any more (card re-enrolled) or does not decode.
 */
static int
task_fill(struct srv *s, const struct store_session *ss, int64_t now,
    struct verify_task *t)
{
	struct store_account acct;
	int rc = STK_E_INVALID;

	memset(&acct, 0, sizeof(acct));
	snprintf(t->session_id, sizeof(t->session_id), "%s", ss->id);
	snprintf(t->account, sizeof(t->account), "%s", ss->account);
	snprintf(t->msisdn, sizeof(t->msisdn), "%s", ss->msisdn);
	t->now = now;
	if (stk_auth_request_decode(ss->request, ss->request_len, &t->req,
	    NULL) != STK_OK || iccid_to_ef(ss->iccid, t->iccid_ef) != STK_OK ||
	    store_account_get(s->store, ss->account, NULL, &acct) != STK_OK ||
	    strcmp(acct.iccid, ss->iccid) != 0)
		goto out;
	memcpy(t->kauth, acct.kauth, acct.kauth_len);
	t->kauth_len = acct.kauth_len;
	rc = STK_OK;
 out:
	OPENSSL_cleanse(&acct, sizeof(acct));
	return rc;
}

/*
 * A session left VERIFYING by a server that stopped (crash, SIGKILL, a
 * SIGTERM whose grace ran out): verify its stored response again, as of
 * the time it arrived (PROTOCOL.md §5: EXPIRY is checked against that
 * time, not against now), on the workers like any result.  The outcome
 * is stored through bridge_verify_done; only a compare-and-set from
 * VERIFYING completes it, so a session another server process finishes
 * meanwhile is completed once.  A session that cannot be verified any
 * more ends INTERNAL_ERROR at once.
 */
int
bridge_reverify(struct srv *s, const char *sid)
{
	struct store_session ss;
	struct verify_task *t = NULL;
	int rc;

	if ((rc = store_session_get(s->store, sid, &ss)) != STK_OK)
		goto out;
	rc = STK_E_NOMEM;
	if (ss.state != SRV_ST_VERIFYING || (t = calloc(1, sizeof(*t))) ==
	    NULL)
		goto out;
	t->restart = true;
	if (stk_auth_response_decode(ss.response, ss.response_len, &t->resp,
	    NULL) != STK_OK || task_fill(s, &ss, ss.received ? ss.received :
	    ss.created, t) != STK_OK) {
		rc = session_finish(s, sid, SRV_ST_VERIFYING,
		    SRV_RES_INTERNAL_ERROR, "after a restart: session data "
		    "inconsistent with the store", NULL, 0);
		goto out;
	}
	store_audit(s->store, srv_now_ms(), sid, ss.account,
	    "result-reverify", NULL, "verification interrupted by a server "
	    "stop, started again", ss.client);
	if ((rc = verify_pool_submit(s->pool, t)) == STK_OK) {
		t = NULL;
		s->reverify_pending++;
	}
 out:
	store_session_clear(&ss);
	verify_task_free(t);
	return rc;
}

static json_t *
err_obj(struct reqctx *rc, const char *code, const char *msg)
{
	return json_pack("{s:{s:s, s:s, s:s}}", "error", "code", code,
	    "message", msg, "traceId", rc->trace);
}

static void
result(struct reqctx *rc)
{
	struct srv *s = rc->s;
	struct bridge_result_in *in = NULL;
	struct verify_task *t = NULL;
	struct store_session ss;
	struct stk_diag diag;
	struct json_err je;
	char *body = NULL, *prev = NULL, sid[2 * STK_AUTH_SESSION_ID_LEN + 1];
	char msg[160];
	size_t len;
	int status, r;
	int64_t now = srv_now_ms();

	memset(&ss, 0, sizeof(ss));
	stk_diag_clear(&diag);
	if (!read_body(rc, &body, &len))
		goto out;
	if ((in = calloc(1, sizeof(*in))) == NULL ||
	    (t = calloc(1, sizeof(*t))) == NULL) {
		http_reply_error(rc, 500, "INTERNAL_ERROR", "no memory", NULL);
		goto out;
	}
	if (json_decode_result(body, len, in, &je) != STK_OK) {
		http_reply_error(rc, 400, "BAD_REQUEST", je.message, je.field);
		goto out;
	}
	s->m.bridge_results++;
	/* the same resultId again: the same answer */
	if (store_result_get(s->store, rc->party_id, in->result_id, &status,
	    &prev) == STK_OK) {
		json_t *o = json_loads(prev, 0, NULL);

		http_reply_json(rc, status, o);
		goto out;
	}
	/* PROTOCOL.md §4 */
	if (stk_auth_response_decode(in->response, in->response_len, &t->resp,
	    &diag) != STK_OK) {
		stk_diag_format(&diag, msg, sizeof(msg));
		store_audit(s->store, now, NULL, NULL, "result-malformed", NULL,
		    msg, in->msisdn);
		result_reply(rc, in->result_id, 422, err_obj(rc, "BAD_RESPONSE",
		    msg), true);
		goto out;
	}
	hex_upper(sid, t->resp.session_id, STK_AUTH_SESSION_ID_LEN);
	r = store_session_get(s->store, sid, &ss);
	if (r == STK_E_NOT_FOUND || (r == STK_OK && ss.msisdn[0] == '\0')) {
		store_audit(s->store, now, sid, NULL, "result-unknown-session",
		    NULL, "no such session", in->msisdn);
		result_reply(rc, in->result_id, 404, err_obj(rc,
		    "UNKNOWN_SESSION", "no session for this response"), true);
		goto out;
	} else if (r != STK_OK) {
		http_reply_error(rc, 500, "INTERNAL_ERROR", "store failure",
		    NULL);
		goto out;
	}
	/* the answer must come from the bound number and the enrolled card */
	if (strcmp(ss.msisdn, in->msisdn) != 0 ||
	    (in->iccid[0] && strcmp(ss.iccid, in->iccid) != 0)) {
		const char *what = strcmp(ss.msisdn, in->msisdn) != 0 ?
		    "MSISDN_MISMATCH" : "ICCID_MISMATCH";

		store_audit(s->store, now, sid, ss.account, "result-dropped",
		    NULL, what, in->msisdn);
		result_reply(rc, in->result_id, 422, err_obj(rc, what,
		    "the response does not come from the session's MSISDN / "
		    "card"), true);
		goto out;
	}
	/* single use: only a RUNNING session takes a result */
	r = store_session_transition(s->store, sid, SRV_ST_RUNNING,
	    SRV_ST_VERIFYING, SRV_RES_NONE, "", in->response, in->response_len,
	    NULL, 0, now);
	if (r == STK_E_STATE) {
		store_audit(s->store, now, sid, ss.account, "result-duplicate",
		    NULL, "session no longer RUNNING", in->msisdn);
		result_reply(rc, in->result_id, 409, err_obj(rc,
		    "SESSION_NOT_RUNNING", "the session already has a result "
		    "or has ended"), true);
		goto out;
	} else if (r != STK_OK) {
		http_reply_error(rc, 500, "INTERNAL_ERROR", "store failure",
		    NULL);
		goto out;
	}
	t->bridge_id = rc->party_id;
	if (task_fill(s, &ss, now, t) != STK_OK) {
		/* the card was re-enrolled meanwhile, or the store is bad */
		session_finish(s, sid, SRV_ST_VERIFYING, SRV_RES_INTERNAL_ERROR,
		    "session data inconsistent with the store", NULL, 0);
		result_reply(rc, in->result_id, 202, json_pack("{s:s, s:s}",
		    "sessionId", sid, "state", "ACCEPTED"), true);
		goto out;
	}
	snprintf(msg, sizeof(msg), "decision %s, via bridge %s",
	    stk_auth_decision_name(t->resp.decision), rc->party_name);
	store_audit(s->store, now, sid, ss.account, "result-received", NULL,
	    msg, in->msisdn);
	if (verify_pool_submit(s->pool, t) != STK_OK) {
		session_finish(s, sid, SRV_ST_VERIFYING, SRV_RES_INTERNAL_ERROR,
		    "verifier queue full", NULL, 0);
	} else
		t = NULL;
	result_reply(rc, in->result_id, 202, json_pack("{s:s, s:s}",
	    "sessionId", sid, "state", "ACCEPTED"), true);
 out:
	store_session_clear(&ss);
	verify_task_free(t);
	free(in);
	free(prev);
	free(body);
}

/*
 * A verification the certificate source could not serve (VF_SOURCE: the
 * directory down or restarting) is tried again instead of ending
 * INTERNAL_ERROR: after 250 ms, doubling up to 2 s, as long as the next
 * try comes before the session's expiry.  The session stays VERIFYING
 * meanwhile, and the expiry check of each try still uses the time the
 * result arrived (t->now).  A server stopped during the wait verifies the
 * session again at its next start (bridge_reverify).
 */
#define RETRY_FIRST_MS 250
#define RETRY_DOUBLINGS 3	/* 250, 500, 1000, then 2000 ms */

struct verify_retry {
	struct srv *s;
	struct verify_task *t;
	struct event *ev;
	struct verify_retry *next;
};

static void
retry_unlink(struct verify_retry *vr)
{
	struct verify_retry **pp;

	for (pp = &vr->s->retries; *pp != NULL; pp = &(*pp)->next)
		if (*pp == vr) {
			*pp = vr->next;
			break;
		}
	event_free(vr->ev);
	free(vr);
}

static void
retry_fire(evutil_socket_t fd, short what, void *arg)
{
	struct verify_retry *vr = arg;
	struct srv *s = vr->s;
	struct verify_task *t = vr->t;

	(void)fd;
	(void)what;
	retry_unlink(vr);
	if (verify_pool_submit(s->pool, t) == STK_OK)
		return;
	if (session_finish(s, t->session_id, SRV_ST_VERIFYING,
	    SRV_RES_INTERNAL_ERROR, "certificate source: no worker to try "
	    "again", NULL, 0) != STK_OK)
		log_warn("session %s: not ended after a failed retry",
		    t->session_id);
	verify_task_free(t);
}

static bool
retry_later(struct srv *s, struct verify_task *t)
{
	unsigned ms = RETRY_FIRST_MS << (t->attempts < RETRY_DOUBLINGS ?
	    t->attempts : RETRY_DOUBLINGS);
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	struct verify_retry *vr;

	if (t->fail != VF_SOURCE || s->stopping ||
	    srv_now_ms() + ms >= (int64_t)t->req.expiry_utc * 1000 ||
	    (vr = calloc(1, sizeof(*vr))) == NULL)
		return false;
	vr->s = s;
	vr->t = t;
	if ((vr->ev = event_new(s->base, -1, 0, retry_fire, vr)) == NULL ||
	    event_add(vr->ev, &tv) != 0) {
		if (vr->ev)
			event_free(vr->ev);
		free(vr);
		return false;
	}
	vr->next = s->retries;
	s->retries = vr;
	t->attempts++;
	s->m.verify_retries++;
	log_warn("session %s: %s (%s); verifying again in %u ms (try %u)",
	    t->session_id, t->reason, verify_fail_label(t->fail), ms,
	    t->attempts + 1);
	return true;
}

void
bridge_retries_free(struct srv *s)
{
	while (s->retries != NULL) {
		struct verify_task *t = s->retries->t;

		retry_unlink(s->retries);
		verify_task_free(t);
	}
}

/* Loop side of a finished verification. */
void
bridge_verify_done(struct verify_task *t, void *arg)
{
	struct srv *s = arg;
	int r;

	if (t->restart && s->reverify_pending > 0)
		s->reverify_pending--;
	if (retry_later(s, t))
		return;
	r = session_finish(s, t->session_id, SRV_ST_VERIFYING, t->result,
	    t->reason, t->cert_der, t->cert_der_len);
	if (r != STK_OK) {
		log_warn("session %s: verification outcome %s not stored: %s",
		    t->session_id, srv_result_name(t->result), stk_strerror(r));
		verify_task_free(t);
		return;
	}
	if (t->fail > VF_NONE && t->fail < VF_COUNT)
		s->m.verify_failures[t->fail]++;
	if (t->fail == VF_CERT && t->cert_reason > 0 && t->cert_reason <
	    (int)(sizeof(s->m.verify_cert_failures) /
	    sizeof(s->m.verify_cert_failures[0])))
		s->m.verify_cert_failures[t->cert_reason]++;
	if (t->restart)
		s->m.reverified++;
	verify_task_free(t);
}

void
bridge_dispatch(struct reqctx *rc, const char *path)
{
	static const char jobs[] = "/jobs/";
	char id[2 * STK_AUTH_SESSION_ID_LEN + 1];
	const char *rest, *slash;
	uint8_t raw[STK_AUTH_SESSION_ID_LEN];

	/* every call's writes are one transaction, committed as the answer
	 * leaves (http.c): a result is one commit, not six */
	if (!http_tx_begin(rc) || !authenticate(rc, STORE_BRIDGE))
		return;
	if (evhttp_request_get_command(rc->req) != EVHTTP_REQ_POST) {
		http_reply_error(rc, 405, "METHOD_NOT_ALLOWED", "use POST",
		    NULL);
		return;
	}
	if (strcmp(path, "/jobs/claim") == 0) {
		claim(rc);
		return;
	}
	if (strcmp(path, "/results") == 0) {
		result(rc);
		return;
	}
	if (strncmp(path, jobs, sizeof(jobs) - 1) != 0)
		goto notfound;
	rest = path + sizeof(jobs) - 1;
	slash = strchr(rest, '/');
	if (slash == NULL || (size_t)(slash - rest) != 2 * sizeof(raw))
		goto notfound;
	memcpy(id, rest, 2 * sizeof(raw));
	id[2 * sizeof(raw)] = '\0';
	if (hex_exact(id, raw, sizeof(raw)) != STK_OK)
		goto notfound;
	hex_upper(id, raw, sizeof(raw));
	if (strcmp(slash, "/ack") == 0)
		ack(rc, id);
	else if (strcmp(slash, "/delivery") == 0)
		delivery(rc, id);
	else
		goto notfound;
	return;
 notfound:
	http_reply_error(rc, 404, "NOT_FOUND", "no such resource", NULL);
}
