/*
 * core.c - the bridge: claims jobs from the server, builds the secured SMS,
 * hands them to the transports, and brings the cards' answers back
 * (docs/BRIDGE.md).  Every step is recorded in the queue (queue.c) before
 * it is acted on, so that after a crash at any point a restart continues
 * where the last commit left off:
 *
 *   claim --store--> NEW --build (counter committed first)--> READY
 *   READY --submit (attempt counted first)--> in flight
 *        --sent()--> SENT + ack queued     --failed() x N--> FAILED + report
 *   READY whose lease ran out before sending --> ABANDONED (the server
 *        offers the job again, to us or another bridge)
 *   received() --store--> inbox --decode/reassemble/unwrap--> result queued
 *   posts (ack, delivery, results) are sent in order, retried with backoff
 *
 * One libevent loop; transports call back from it, never re-entrantly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "authmsg.h"
#include "bridge.h"
#include "concat.h"
#include "err.h"
#include "hex.h"
#include "log.h"
#include "ota.h"
#include "tpdu.h"

#define CORE_BATCH		64	/* rows taken per pass */
#define CORE_SEGMENTS_MAX	8	/* a request is 1 SMS; room to spare */
#define CORE_ERRS_MAX		64
#define CORE_STOP_FLUSH_MS	5000	/* posts flushed this long on SIGTERM */
#define CORE_POSTS_MAX		32	/* calls to the server in flight */

#define CORE_UNITS_MAX		64	/* links of one transport (modems) */

/* Retention (docs/BRIDGE.md §5a): a purge at start and every
 * CORE_PURGE_EVERY_MS, in transactions of at most CORE_PURGE_BATCH rows
 * CORE_PURGE_PAUSE_MS apart, so that a backlog never holds the loop for
 * more than one batch. */
#define CORE_PURGE_EVERY_MS	300000
#define CORE_PURGE_BATCH	1000
#define CORE_PURGE_PAUSE_MS	50

struct btransport {
	const struct transport_ops *ops;
	struct transport *t;
	struct bridge_tconf *conf;
	bool up;
	bool drained;
	uint64_t submitted, sent, failed, received;
	/* Links reported as "NAME/UNIT" (transport.h): the transport is up
	 * while one of them is. */
	struct {
		char name[BRIDGE_NAME_MAX + 1];
		bool up;
	} units[CORE_UNITS_MAX];
	size_t nunits;
};

struct errcount {
	char name[48];
	uint64_t n;
};

struct bridge {
	struct event_base *base;
	struct bridge_config *cfg;
	struct keystore *ks;
	struct queue *q;
	struct link *link;
	struct btransport tr[BRIDGE_TRANSPORTS_MAX];
	size_t ntr, rr;
	struct stk_reasm *reasm;
	struct event *claim_ev, *pump_ev, *post_ev, *inbox_ev, *sweep_ev;
	struct event *purge_ev;
	struct event *stop_ev;

	struct link_req *claim_req;
	char claim_id[BRIDGE_ID_MAX + 1];
	bool claim_retry;		/* resend claim_id (answer was lost) */
	unsigned claim_seq, claim_failures;
	/* Posts in flight, each on its own connection (link.c); ids of
	 * the queue's posts table, 0 for a free slot. */
	struct post_slot {
		struct bridge *b;
		uint64_t id;
	} posts[CORE_POSTS_MAX];
	unsigned nposting;
	/* Segments stored at arrival with their set (QI_SEGMENT), not yet
	 * given to the reassembler. */
	uint64_t fresh[CORE_BATCH];
	size_t nfresh;

	bool stopping;
	unsigned draining;
	void (*stop_done)(void *arg);
	void *stop_arg;
	int64_t stop_deadline;

	struct errcount errs[CORE_ERRS_MAX];
	size_t nerrs;
	uint64_t n_claimed, n_built, n_sent, n_acked, n_results,
	    n_results_refused, n_reports, n_por, n_dup, n_unknown;
	uint64_t n_purged[QT_TABLES];	/* rows, since start */
	long purge_run[QT_TABLES];	/* rows of the purge going on */
};

int64_t
bridge_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
bridge_count_error(struct bridge *b, const char *name)
{
	for (size_t i = 0; i < b->nerrs; i++)
		if (strcmp(b->errs[i].name, name) == 0) {
			b->errs[i].n++;
			return;
		}
	if (b->nerrs < CORE_ERRS_MAX) {
		snprintf(b->errs[b->nerrs].name, sizeof(b->errs[0].name), "%s",
		    name);
		b->errs[b->nerrs++].n = 1;
	}
}

static void
arm(struct event *ev, int64_t ms)
{
	struct timeval tv;

	if (ms < 0)
		ms = 0;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)((ms % 1000) * 1000);
	event_add(ev, &tv);
}

/* Exponential backoff after n failures: base * 2^(n-1), capped. */
static int64_t
backoff_ms(const struct bridge *b, int n)
{
	int64_t d = b->cfg->retry_base_ms;

	for (int i = 1; i < n && d < (int64_t)b->cfg->retry_max_ms; i++)
		d *= 2;
	if (d > (int64_t)b->cfg->retry_max_ms)
		d = b->cfg->retry_max_ms;
	return d;
}

static void
kick_pump(struct bridge *b)
{
	event_active(b->pump_ev, EV_TIMEOUT, 0);
}

/*
 * Process the inbox after the I/O the loop has pending, not before it:
 * a zero timeout, not event_active().  libevent runs the I/O callbacks
 * its poll reports before the timers that expired in the same pass, so
 * the acknowledgement a transport queued when it stored a message (the
 * +CNMA of TS 27.005 §3.4.4, an SMPP deliver_sm_resp) reaches the socket
 * first.  With event_active() it waited for the processing and its
 * commits, and on a modem with +CSMS=1 the next segment waits for that
 * +CNMA.
 */
static void
kick_inbox(struct bridge *b)
{
	arm(b->inbox_ev, 0);
}

static void
kick_posts(struct bridge *b)
{
	if (b->nposting < CORE_POSTS_MAX)
		event_active(b->post_ev, EV_TIMEOUT, 0);
}

/* ---- posts ----------------------------------------------------------- */

/* Queue a call to the server (inside the caller's transaction). */
static int
post(struct bridge *b, int kind, const char *job_id, const char *path,
    json_t *body, uint64_t *id)
{
	char *text = json_dumps(body, JSON_COMPACT);
	int r;

	json_decref(body);
	if (text == NULL)
		return STK_E_NOMEM;
	r = queue_post_add(b->q, kind, job_id, path, text, id);
	free(text);
	return r;
}

static int
post_delivery(struct bridge *b, const struct q_job *j, const char *status,
    int por_status, const char *detail)
{
	char path[160];
	json_t *o;

	snprintf(path, sizeof(path), "/bridge/v1/jobs/%s/delivery", j->job_id);
	o = json_pack("{s:s, s:s}", "leaseId", j->lease_id, "status", status);
	if (o == NULL)
		return STK_E_NOMEM;
	if (por_status > 0)
		json_object_set_new(o, "porStatus", json_integer(por_status));
	if (detail != NULL && detail[0] != '\0') {
		char d[128];

		snprintf(d, sizeof(d), "%s", detail);
		json_object_set_new(o, "detail", json_string(d));
	}
	return post(b, QP_DELIVERY, j->job_id, path, o, NULL);
}

/* Job j cannot be sent: FAILED, its unsent SMS too, and the server told
 * (BRIDGE-API §5 FAILED).  Own transaction. */
static void
fail_job(struct bridge *b, const struct q_job *j, const char *errname,
    const char *detail)
{
	log_warn("job %s (session %s, %s): failed: %s", j->job_id,
	    j->session_id, j->msisdn, detail);
	bridge_count_error(b, errname);
	if (queue_begin(b->q) != STK_OK)
		return;
	if (queue_job_set_state(b->q, j->job_id, QJ_FAILED) != STK_OK ||
	    post_delivery(b, j, "FAILED", 0, detail) != STK_OK) {
		queue_rollback(b->q);
		return;
	}
	if (queue_commit(b->q) != STK_OK)
		queue_rollback(b->q);
	kick_posts(b);
}

static void post_cb(evutil_socket_t fd, short what, void *arg);

static void
post_answer(void *arg, int status, json_t *body)
{
	struct post_slot *slot = arg;
	struct bridge *b = slot->b;
	struct q_post p;
	const char *code = NULL;
	int state = -1;
	int64_t now = bridge_now_ms();
	uint64_t id = slot->id;
	bool tx;

	slot->id = 0;
	b->nposting--;
	if (queue_post_get(b->q, id, &p) != STK_OK) {
		kick_posts(b);
		return;
	}
	/* The outcome and what follows from it (an acked job DONE) in one
	 * commit: one wait for the disk instead of two.  Without the
	 * transaction each statement commits alone, as before. */
	tx = queue_begin(b->q) == STK_OK;
	if (body != NULL)
		code = json_string_value(json_object_get(json_object_get(body,
		    "error"), "code"));
	if (status >= 200 && status < 300) {
		state = QP_OK;
		if (p.kind == QP_ACK) {
			b->n_acked++;
			(void)queue_job_set_state(b->q, p.job_id, QJ_DONE);
		} else if (p.kind == QP_RESULT) {
			json_t *o = json_loads(p.body, 0, NULL);
			const char *rid = json_string_value(json_object_get(o,
			    "resultId"));

			log_info("result %s accepted by the server (%d)",
			    rid ? rid : p.path, status);
			json_decref(o);
		}
	} else if (status == 409 || status == 404 || status == 422 ||
	    status == 400 || status == 413 || status == 415) {
		state = QP_REFUSED;
		if (p.kind == QP_ACK && code && strcmp(code, "LEASE_LOST") == 0) {
			/* Sent already: the server had given the job to
			 * someone else after our lease ran out. */
			log_error("job %s: ack refused, LEASE_LOST: the SMS "
			    "left after the lease ran out", p.job_id);
			bridge_count_error(b, "lease_lost_after_send");
			(void)queue_job_set_state(b->q, p.job_id, QJ_DONE);
		} else if (p.kind == QP_RESULT) {
			b->n_results_refused++;
			log_warn("result refused by the server: %d %s", status,
			    code ? code : "");
			bridge_count_error(b, code ? code : "result_refused");
		} else {
			log_warn("%s refused by the server: %d %s", p.path,
			    status, code ? code : "");
			bridge_count_error(b, code ? code : "post_refused");
			if (p.kind == QP_ACK)
				(void)queue_job_set_state(b->q, p.job_id,
				    QJ_DONE);
		}
	}
	if (state >= 0) {
		(void)queue_post_done(b->q, p.id, state, status);
	} else if (p.attempts + 1 >= (int)b->cfg->post_attempts) {
		log_error("%s: no answer after %d attempts (last %d): given up",
		    p.path, p.attempts + 1, status);
		bridge_count_error(b, "post_gave_up");
		(void)queue_post_done(b->q, p.id, QP_GAVE_UP, status);
	} else {
		int64_t d = backoff_ms(b, p.attempts + 1);

		log_warn("%s: %s%d; retry in %lld ms", p.path,
		    status ? "HTTP " : "no answer ", status, (long long)d);
		bridge_count_error(b, status ? "server_error" :
		    "server_unreachable");
		(void)queue_post_retry(b->q, p.id, now + d);
	}
	if (tx && queue_commit(b->q) != STK_OK)
		queue_rollback(b->q);	/* still pending: posted again */
	q_post_clear(&p);
	kick_posts(b);
}

/* Whether post id is in flight. */
static bool
post_busy(const struct bridge *b, uint64_t id)
{
	for (size_t i = 0; i < CORE_POSTS_MAX; i++)
		if (b->posts[i].id == id)
			return true;
	return false;
}

/* Start post id in a free slot.  STK_OK also when there was nothing to
 * send (no longer pending, unreadable body: dropped); STK_E_IO when the
 * request could not be made (tried again later). */
static int
post_start(struct bridge *b, uint64_t id)
{
	struct post_slot *slot = NULL;
	struct q_post p;
	json_t *body;
	int r;

	for (size_t i = 0; i < CORE_POSTS_MAX && slot == NULL; i++)
		if (b->posts[i].id == 0)
			slot = &b->posts[i];
	if (slot == NULL)
		return STK_E_IO;
	if ((r = queue_post_get(b->q, id, &p)) != STK_OK)
		return r == STK_E_NOT_FOUND ? STK_OK : r;
	if ((body = json_loads(p.body, 0, NULL)) == NULL) {
		log_error("post %llu: stored body unreadable; dropped",
		    (unsigned long long)p.id);
		(void)queue_post_done(b->q, p.id, QP_REFUSED, 0);
		q_post_clear(&p);
		return STK_OK;
	}
	slot->b = b;
	slot->id = id;
	r = link_post(b->link, LINK_API, p.path, body, 0, post_answer, slot,
	    NULL);
	if (r == STK_OK)
		b->nposting++;
	else
		slot->id = 0;
	json_decref(body);
	q_post_clear(&p);
	return r;
}

/*
 * Start the due posts, up to CORE_POSTS_MAX in flight, each on its own
 * connection: a slow answer (the server busy with one call) does not hold
 * up the others.  Only the oldest pending post of a job is due
 * (queue_post_due), so the calls about one job stay in order: its ack is
 * answered before its delivery report is sent.
 */
static void
post_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bridge *b = arg;
	uint64_t ids[CORE_POSTS_MAX * 2];
	size_t n = 0;
	int64_t now = bridge_now_ms(), next;

	(void)fd;
	(void)what;
	if (b->nposting >= CORE_POSTS_MAX)
		return;
	/* In flight posts are still pending, hence among the due ones. */
	if (queue_post_due(b->q, now, ids, CORE_POSTS_MAX + b->nposting,
	    &n) != STK_OK) {
		arm(b->post_ev, 1000);
		return;
	}
	for (size_t i = 0; i < n && b->nposting < CORE_POSTS_MAX; i++) {
		if (post_busy(b, ids[i]))
			continue;
		if (post_start(b, ids[i]) != STK_OK) {
			arm(b->post_ev, 1000);
			return;
		}
	}
	/* The next retry; a post in flight kicks again when answered. */
	next = queue_post_next_due(b->q);
	if (next > now)
		arm(b->post_ev, next - now);
}

/* ---- claiming ------------------------------------------------------- */

static void claim_cb(evutil_socket_t fd, short what, void *arg);

/* RFC 3339 UTC ("2026-11-23T19:33:12.000Z") -> Unix ms; -1 if not. */
static int64_t
rfc3339_ms(const char *s)
{
	struct tm tm;
	int ms = 0, n = 0;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year,
	    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
	    &n) != 6)
		return -1;
	s += n;
	if (*s == '.') {
		int d = 0;

		for (s++; *s >= '0' && *s <= '9'; s++, d++)
			if (d < 3)
				ms = ms * 10 + (*s - '0');
		for (; d < 3; d++)
			ms *= 10;
	}
	if (strcmp(s, "Z") != 0)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * 1000 + ms;
}

static bool
id_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n < 1 || n > BRIDGE_ID_MAX)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_.:-") == n;
}

/* One job of a claim answer into j; false (logged) when malformed. */
static bool
job_from_json(const json_t *o, int64_t now, unsigned lease_ms,
    struct q_job *j)
{
	const char *jid, *sid, *msisdn, *iccid, *req, *lease, *exp;
	json_int_t attempt = 1;
	struct stk_buf rb;
	bool ok;

	memset(j, 0, sizeof(*j));
	if (json_unpack((json_t *)o, "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
	    "s?I}", "jobId", &jid, "sessionId", &sid, "msisdn", &msisdn,
	    "iccid", &iccid, "request", &req, "leaseId", &lease, "expiresAt",
	    &exp, "attempt", &attempt) != 0 || !id_ok(jid) || !id_ok(sid) ||
	    !id_ok(lease) || !ks_msisdn_valid(msisdn) ||
	    !ks_iccid_valid(iccid)) {
		log_error("claim: a job with missing or malformed members");
		return false;
	}
	snprintf(j->job_id, sizeof(j->job_id), "%s", jid);
	snprintf(j->session_id, sizeof(j->session_id), "%s", sid);
	snprintf(j->msisdn, sizeof(j->msisdn), "%s", msisdn);
	snprintf(j->iccid, sizeof(j->iccid), "%s", iccid);
	snprintf(j->lease_id, sizeof(j->lease_id), "%s", lease);
	j->expires_ms = rfc3339_ms(exp);
	/* The lease is counted on our clock from now (not the server's
	 * leaseExpiresAt): clock skew cannot make us send late. */
	j->lease_expires_ms = now + lease_ms;
	j->attempt = (int)attempt;
	stk_buf_init(&rb);
	ok = stk_hex_decode(req, &rb) == STK_OK && stk_buf_len(&rb) > 0 &&
	    stk_buf_len(&rb) <= STK_AUTH_REQUEST_MAX_LEN &&
	    j->expires_ms > 0;
	if (ok) {
		memcpy(j->request, stk_buf_data(&rb), stk_buf_len(&rb));
		j->request_len = stk_buf_len(&rb);
	} else {
		log_error("claim: job %s: request or expiresAt malformed", jid);
	}
	stk_buf_free(&rb);
	return ok;
}

static void process_new_jobs(struct bridge *b);

static void
claim_answer(void *arg, int status, json_t *body)
{
	struct bridge *b = arg;
	json_t *jobs, *o;
	size_t i, stored = 0;
	int64_t now = bridge_now_ms();

	b->claim_req = NULL;
	if (status != 200 || !json_is_array(jobs = json_object_get(body,
	    "jobs"))) {
		b->claim_failures++;
		/* Same claimId again: if the server did lease jobs to us,
		 * it answers with those leases (BRIDGE-API §3). */
		b->claim_retry = status == 0 || status >= 500;
		if (status != 0)
			log_warn("claim: HTTP %d %s", status,
			    json_string_value(json_object_get(json_object_get(
			    body, "error"), "code")) ?: "");
		bridge_count_error(b, status == 0 ? "server_unreachable" :
		    status == 401 ? "unauthorized" : "claim_refused");
		if (!b->stopping)
			arm(b->claim_ev, backoff_ms(b, (int)b->claim_failures));
		return;
	}
	b->claim_failures = 0;
	b->claim_retry = false;
	if (queue_begin(b->q) != STK_OK)
		goto again;
	json_array_foreach(jobs, i, o) {
		struct q_job j;
		int was;

		if (!job_from_json(o, now, b->cfg->lease_ms, &j)) {
			bridge_count_error(b, "bad_job");
			continue;
		}
		if (queue_job_put(b->q, &j, &was) != STK_OK) {
			queue_rollback(b->q);
			goto again;
		}
		stored++;
		log_info("job %s (session %s) claimed for %s, attempt %d%s%s",
		    j.job_id, j.session_id, j.msisdn, j.attempt,
		    was >= 0 ? ", already known: " : "",
		    was >= 0 ? q_job_state_name(was) : "");
	}
	if (queue_commit(b->q) != STK_OK) {
		queue_rollback(b->q);
		goto again;
	}
	b->n_claimed += stored;
	if (stored > 0) {
		process_new_jobs(b);
		kick_pump(b);
	}
again:
	if (!b->stopping)
		arm(b->claim_ev, 0);
}

static void
claim_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bridge *b = arg;
	long held;
	unsigned room;
	json_t *body;

	(void)fd;
	(void)what;
	if (b->stopping || b->claim_req != NULL)
		return;
	if (queue_jobs_held(b->q, &held) != STK_OK) {
		arm(b->claim_ev, 1000);
		return;
	}
	/* Do not take more than we can hold: jobs not sent yet. */
	if (held >= (long)b->cfg->max_jobs_in_flight) {
		arm(b->claim_ev, 100);
		return;
	}
	room = b->cfg->max_jobs_in_flight - (unsigned)held;
	if (room > b->cfg->claim_max_jobs)
		room = b->cfg->claim_max_jobs;
	if (!b->claim_retry)
		snprintf(b->claim_id, sizeof(b->claim_id), "%.32s-%lld-%u",
		    b->cfg->name, (long long)(bridge_now_ms() / 1000) %
		    100000000000LL, ++b->claim_seq % 1000000000u);
	body = json_pack("{s:s, s:i, s:i, s:i}", "claimId", b->claim_id,
	    "maxJobs", (int)room, "leaseMs", (int)b->cfg->lease_ms, "waitMs",
	    (int)b->cfg->claim_wait_ms);
	if (body == NULL || link_post(b->link, LINK_CLAIM,
	    "/bridge/v1/jobs/claim", body, (b->cfg->claim_wait_ms + 999) / 1000,
	    claim_answer, b, &b->claim_req) != STK_OK) {
		b->claim_req = NULL;
		arm(b->claim_ev, 1000);
	}
	json_decref(body);
}

/* ---- building and sending -------------------------------------------- */

/* NEW -> READY: card, counter (committed first), packet, SMS. */
static void
build_job(struct bridge *b, struct q_job *j)
{
	struct stk_buf tpdus[CORE_SEGMENTS_MAX];
	struct ks_card *c;
	const struct ks_keyset *k;
	int64_t now = bridge_now_ms();
	uint64_t cntr;
	size_t n = 0;
	int r;

	if (j->expires_ms <= now) {
		fail_job(b, j, "expired", "expired before sending");
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return;
	r = keystore_card_get_by_iccid(b->ks, j->iccid, c);
	if (r == STK_E_NOT_FOUND) {
		char d[128];

		snprintf(d, sizeof(d), "card %s not enrolled at bridge %s",
		    j->iccid, b->cfg->name);
		fail_job(b, j, "card_unknown", d);
		goto out;
	}
	if (r != STK_OK)
		goto out;		/* store trouble: retried by the sweep */
	if (strcmp(c->msisdn, j->msisdn) != 0) {
		fail_job(b, j, "msisdn_mismatch", "the key store binds this "
		    "card to another MSISDN");
		goto out;
	}
	k = ks_card_keyset(c, c->cmd_kvn);
	/* TS 102 225 §5.1.1: the counter is spent before the packet
	 * exists; a crash from here on skips it, never reuses it. */
	if ((r = keystore_counter_next(b->ks, c->iccid, c->cmd_kvn, &cntr)) !=
	    STK_OK) {
		if (r == STK_E_REPLAY)
			fail_job(b, j, "counter_exhausted", "OTA counter "
			    "exhausted");
		goto out;
	}
	r = sms_build_command(c, cntr, j->request, j->request_len, j->msisdn,
	    b->cfg->status_report, (unsigned)((j->expires_ms - now) / 1000),
	    (uint8_t)(cntr & 0xff), tpdus, CORE_SEGMENTS_MAX, &n);
	if (r != STK_OK) {
		char d[128];

		snprintf(d, sizeof(d), "cannot build the secured packet: %s",
		    stk_strerror(r));
		fail_job(b, j, "build_failed", d);
		goto out;
	}
	j->cntr = cntr;
	j->kvn = c->cmd_kvn;
	j->kic = k->kic;
	j->kid = k->kid;
	j->spi = c->spi;
	if (queue_begin(b->q) != STK_OK)
		goto free_tpdus;
	for (size_t i = 0; i < n; i++) {
		struct q_msg m;

		memset(&m, 0, sizeof(m));
		snprintf(m.job_id, sizeof(m.job_id), "%s", j->job_id);
		snprintf(m.dest, sizeof(m.dest), "%s", j->msisdn);
		if (stk_buf_len(&tpdus[i]) > sizeof(m.tpdu)) {
			queue_rollback(b->q);
			goto free_tpdus;
		}
		memcpy(m.tpdu, stk_buf_data(&tpdus[i]), stk_buf_len(&tpdus[i]));
		m.tpdu_len = stk_buf_len(&tpdus[i]);
		if (queue_msg_add(b->q, &m, NULL) != STK_OK) {
			queue_rollback(b->q);
			goto free_tpdus;
		}
	}
	if (queue_job_set_built(b->q, j) != STK_OK ||
	    queue_commit(b->q) != STK_OK) {
		queue_rollback(b->q);
		goto free_tpdus;
	}
	b->n_built++;
	if (stk_log_get_level() >= STK_LOG_DEBUG) {
		char *hex = stk_hex_string(stk_buf_data(&tpdus[0]),
		    stk_buf_len(&tpdus[0]), 1);

		log_debug("job %s: command packet TAR %02X%02X%02X CNTR %llu "
		    "KIc %02X KID %02X SPI %04X in %zu SMS-SUBMIT (PID 7F, "
		    "DCS F6): %s", j->job_id, c->tar[0], c->tar[1], c->tar[2],
		    (unsigned long long)cntr, k->kic, k->kid, c->spi, n,
		    hex ? hex : "");
		free(hex);
	}
free_tpdus:
	for (size_t i = 0; i < n; i++)
		stk_buf_free(&tpdus[i]);
out:
	ks_card_clear(c);
	free(c);
}

static void
process_new_jobs(struct bridge *b)
{
	char ids[CORE_BATCH][BRIDGE_ID_MAX + 1];
	int n = queue_jobs_in_state(b->q, QJ_NEW, ids, CORE_BATCH);

	for (int i = 0; i < n; i++) {
		struct q_job j;

		if (queue_job_get(b->q, ids[i], &j) == STK_OK &&
		    j.state == QJ_NEW)
			build_job(b, &j);
	}
}

/* A transport that may carry dest now, round robin among the ones up. */
static struct btransport *
pick(struct bridge *b, const char *dest, bool *any_route)
{
	*any_route = false;
	for (size_t i = 0; i < b->ntr; i++) {
		struct btransport *t = &b->tr[(b->rr + i) % b->ntr];

		if (!bridge_route_match(t->conf, dest))
			continue;
		*any_route = true;
		if (t->up && t->ops->capacity(t->t) > 0) {
			b->rr = (b->rr + i + 1) % b->ntr;
			return t;
		}
	}
	return NULL;
}

static void
pump_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bridge *b = arg;
	struct q_msg *ms;
	int64_t now = bridge_now_ms(), next;
	int n;

	(void)fd;
	(void)what;
	if (b->stopping)
		return;
	if ((ms = calloc(CORE_BATCH, sizeof(*ms))) == NULL)
		return;
	n = queue_msgs_due(b->q, now, ms, CORE_BATCH);
	for (int i = 0; i < n; i++) {
		struct q_msg *m = &ms[i];
		struct transport_msg tm;
		struct btransport *t;
		struct q_job j;
		bool any;

		if (queue_job_get(b->q, m->job_id, &j) != STK_OK ||
		    j.state != QJ_READY)
			continue;
		if (j.expires_ms <= now) {
			fail_job(b, &j, "expired", "expired before sending");
			continue;
		}
		if (j.lease_expires_ms - (int64_t)b->cfg->lease_margin_ms <=
		    now) {
			/* BRIDGE-API §1: past the lease another bridge may
			 * hold the job; sending now could send it twice. */
			log_warn("job %s: lease ran out before sending; left "
			    "to the server to offer again", j.job_id);
			bridge_count_error(b, "lease_expired_unsent");
			(void)queue_job_set_state(b->q, j.job_id,
			    QJ_ABANDONED);
			continue;
		}
		if ((t = pick(b, m->dest, &any)) == NULL) {
			if (!any)
				fail_job(b, &j, "no_route", "no transport "
				    "routes this number");
			continue;
		}
		/* The attempt is counted before the submit: retries stay
		 * bounded however often we crash. */
		if (queue_msg_inflight(b->q, m->id, t->conf->name) != STK_OK)
			break;
		memset(&tm, 0, sizeof(tm));
		tm.id = m->id;
		snprintf(tm.dest, sizeof(tm.dest), "%s", m->dest);
		tm.tpdu = m->tpdu;
		tm.tpdu_len = m->tpdu_len;
		tm.status_report = b->cfg->status_report;
		if (t->ops->submit(t->t, &tm) != STK_OK) {
			bridge_count_error(b, "submit_refused");
			(void)queue_msg_requeue(b->q, m->id, now +
			    backoff_ms(b, m->attempts + 1));
			continue;
		}
		t->submitted++;
		log_debug("message %llu (job %s) submitted via %s, attempt %d",
		    (unsigned long long)m->id, m->job_id, t->conf->name,
		    m->attempts + 1);
	}
	free(ms);
	next = queue_msgs_next_due(b->q);
	if (next > now)
		arm(b->pump_ev, next - now);
	else if (n == CORE_BATCH)
		arm(b->pump_ev, 0);
	else if (next > 0)
		arm(b->pump_ev, 200);	/* waiting for capacity / a link */
}

/* The transport named by name, "NAME" or "NAME/UNIT" (transport.h);
 * *unit (may be NULL) points at UNIT, or at "" for the whole transport. */
static struct btransport *
find_transport_unit(struct bridge *b, const char *name, const char **unit)
{
	const char *slash = strchr(name, '/');
	size_t len = slash ? (size_t)(slash - name) : strlen(name);

	if (unit != NULL)
		*unit = slash ? slash + 1 : "";
	for (size_t i = 0; i < b->ntr; i++)
		if (strlen(b->tr[i].conf->name) == len &&
		    strncmp(b->tr[i].conf->name, name, len) == 0)
			return &b->tr[i];
	return NULL;
}

static struct btransport *
find_transport(struct bridge *b, const char *name)
{
	return find_transport_unit(b, name, NULL);
}

static void
ev_sent(void *core, uint64_t id, const char *ref)
{
	struct bridge *b = core;
	struct btransport *t;
	struct q_msg m;
	struct q_job j;
	char path[160];
	int unsent;

	if (queue_msg_get(b->q, id, &m) != STK_OK || m.state != QM_INFLIGHT) {
		log_warn("sent() for message %llu that is not in flight",
		    (unsigned long long)id);
		return;
	}
	if ((t = find_transport(b, m.transport)) != NULL)
		t->sent++;
	b->n_sent++;
	if (queue_job_get(b->q, m.job_id, &j) != STK_OK ||
	    queue_begin(b->q) != STK_OK)
		return;
	if (queue_msg_sent(b->q, id, ref) != STK_OK ||
	    queue_job_unsent(b->q, m.job_id, &unsent) != STK_OK)
		goto rollback;
	if (unsent == 0 && (j.state == QJ_READY || j.state == QJ_ABANDONED)) {
		/* BRIDGE-API §4: ack = handed to the network. */
		snprintf(path, sizeof(path), "/bridge/v1/jobs/%s/ack", j.job_id);
		if (queue_job_set_state(b->q, j.job_id, QJ_SENT) != STK_OK ||
		    post(b, QP_ACK, j.job_id, path, json_pack("{s:s}",
		    "leaseId", j.lease_id), NULL) != STK_OK)
			goto rollback;
	}
	if (queue_commit(b->q) != STK_OK)
		goto rollback;
	log_info("message %llu (job %s) sent via %s, reference %s",
	    (unsigned long long)id, m.job_id, m.transport, ref ? ref : "-");
	kick_posts(b);
	kick_pump(b);
	return;
rollback:
	queue_rollback(b->q);
}

static const char *const fail_class_name[] = {
	[TRANSPORT_FAIL_TEMPORARY] = "send_temporary",
	[TRANSPORT_FAIL_PERMANENT] = "send_permanent",
	[TRANSPORT_FAIL_THROTTLED] = "send_throttled",
};

static void
ev_failed(void *core, uint64_t id, enum transport_fail cls,
    const char *reason)
{
	struct bridge *b = core;
	struct btransport *t;
	struct q_msg m;
	struct q_job j;

	if (queue_msg_get(b->q, id, &m) != STK_OK || m.state != QM_INFLIGHT) {
		log_warn("failed() for message %llu that is not in flight",
		    (unsigned long long)id);
		return;
	}
	if ((t = find_transport(b, m.transport)) != NULL)
		t->failed++;
	bridge_count_error(b, (unsigned)cls <= TRANSPORT_FAIL_THROTTLED ?
	    fail_class_name[cls] : "send_failed");
	if (cls == TRANSPORT_FAIL_PERMANENT ||
	    m.attempts >= (int)b->cfg->send_attempts) {
		char d[128];

		snprintf(d, sizeof(d), "%s (attempt %d)", reason ? reason :
		    "?", m.attempts);
		(void)queue_msg_failed(b->q, id);
		if (queue_job_get(b->q, m.job_id, &j) == STK_OK &&
		    j.state == QJ_READY)
			fail_job(b, &j, "send_gave_up", d);
	} else {
		int64_t d = backoff_ms(b, m.attempts);

		log_warn("message %llu (job %s) via %s failed: %s; retry %d/%u "
		    "in %lld ms", (unsigned long long)id, m.job_id, m.transport,
		    reason ? reason : "?", m.attempts + 1, b->cfg->send_attempts,
		    (long long)d);
		(void)queue_msg_requeue(b->q, id, bridge_now_ms() + d);
	}
	kick_pump(b);
}

/*
 * Store a received TPDU before the transport acknowledges it.  A segment
 * of a concatenated SMS (TS 23.040 §9.2.3.24.1) is stored with its set in
 * the same commit and remembered for the reassembler, which saves a
 * commit per segment (each one a wait for the disk that the next segment
 * behind a +CNMA waits for too); anything else is stored as it came and
 * decoded by process_in().  The TPDU is decoded again there: cheap.
 */
static int
store_in(struct bridge *b, const char *from, const uint8_t *tpdu, size_t len)
{
	struct sms_in s;
	struct stk_diag d;
	uint64_t id;
	int r;

	memset(&s, 0, sizeof(s));
	stk_diag_clear(&d);
	if (b->nfresh < CORE_BATCH && sms_in_decode(tpdu, len, &s, &d) ==
	    STK_OK && s.kind == SMS_IN_SEGMENT) {
		r = queue_in_add_segment(b->q, from, tpdu, len,
		    bridge_now_ms(), s.orig, s.ref, s.total, s.seq, s.iei, &id);
		if (r == STK_OK)
			b->fresh[b->nfresh++] = id;
	} else {
		r = queue_in_add(b->q, from, tpdu, len, bridge_now_ms(), NULL);
	}
	sms_in_clear(&s);
	return r;
}

static int
ev_received(void *core, const char *from, const uint8_t *tpdu, size_t len)
{
	struct bridge *b = core;
	struct btransport *t;
	int r;

	if (len == 0 || len > sizeof(((struct q_in *)0)->tpdu)) {
		/* Cannot be an SMS TPDU (TS 23.040: at most 175 octets):
		 * "stored" as nothing, so the network does not retry. */
		log_warn("transport %s: a TPDU of %zu octets dropped", from,
		    len);
		bridge_count_error(b, "tpdu_size");
		return STK_OK;
	}
	if ((r = store_in(b, from, tpdu, len)) != STK_OK)
		return r;
	if ((t = find_transport(b, from)) != NULL)
		t->received++;
	kick_inbox(b);
	return STK_OK;
}

static void
ev_link(void *core, const char *from, bool up, const char *why)
{
	struct bridge *b = core;
	const char *unit;
	struct btransport *t = find_transport_unit(b, from, &unit);
	bool was;
	size_t i;

	if (t == NULL)
		return;
	was = t->up;
	if (*unit == '\0') {
		t->up = up;
	} else {
		/* One link of several: the transport is up while any is. */
		for (i = 0; i < t->nunits; i++)
			if (strcmp(t->units[i].name, unit) == 0)
				break;
		if (i == t->nunits && i < CORE_UNITS_MAX) {
			snprintf(t->units[i].name, sizeof(t->units[i].name),
			    "%s", unit);
			t->nunits++;
		}
		if (i < t->nunits)
			t->units[i].up = up;
		t->up = false;
		for (i = 0; i < t->nunits; i++)
			t->up = t->up || t->units[i].up;
	}
	if (t->up != was)
		log_info("transport %s %s: %s%s%s", t->conf->name, t->up ?
		    "up" : "down", *unit ? unit : "", *unit ? ": " : "",
		    why ? why : "");
	if (up)
		kick_pump(b);
}

static const struct transport_events events = {
	.sent = ev_sent,
	.failed = ev_failed,
	.received = ev_received,
	.link = ev_link,
};

/* ---- inbound -------------------------------------------------------- */

/* What to do with the inbox rows of one message. */
struct verdict {
	int state;			/* QI_DONE / QI_DROPPED */
	char note[160];
	json_t *post;			/* body, or NULL */
	int post_kind;
	char path[160];
	char job_id[BRIDGE_ID_MAX + 1];
	bool mark_delivered;
	bool counter;			/* keystore_counter_seen() after */
	char iccid[KS_ICCID_MAX + 1];
	uint8_t kvn;
	uint64_t cntr;
};

static void
drop(struct bridge *b, struct verdict *v, const char *errname,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
drop(struct bridge *b, struct verdict *v, const char *errname,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->note, sizeof(v->note), fmt, ap);
	va_end(ap);
	v->state = QI_DROPPED;
	bridge_count_error(b, errname);
}

/* A command packet from the card: the auth response (PROTOCOL.md §1). */
static void
on_command(struct bridge *b, const struct ks_card *c, const char *orig,
    const uint8_t *pkt, size_t len, uint64_t first_id, struct verdict *v)
{
	struct stk_auth_response *resp;
	struct sms_open o;
	struct stk_diag d;
	char dbuf[128], *hex;
	int r;

	stk_diag_clear(&d);
	r = sms_open_command(c, pkt, len, &o, &d);
	if (r == STK_E_REPLAY) {
		b->n_dup++;
		log_info("packet from %s (card %s): counter %llu not higher "
		    "than the last one: duplicate or replay, dropped", orig,
		    c->iccid, (unsigned long long)o.cntr);
		drop(b, v, "replayed_counter", "counter not higher (%s)",
		    stk_ota_status_name(o.status));
		goto out;
	}
	if (r != STK_OK) {
		log_warn("packet from %s (card %s) refused: %s (%s)", orig,
		    c->iccid, stk_ota_status_name(o.status),
		    stk_diag_format(&d, dbuf, sizeof(dbuf)));
		drop(b, v, r == STK_E_VERIFY ? "cc_failed" : "packet_refused",
		    "%s", stk_ota_status_name(o.status));
		goto out;
	}
	if ((resp = calloc(1, sizeof(*resp))) == NULL)
		goto out;
	r = stk_auth_response_decode(o.data, o.data_len, resp, &d);
	if (r != STK_OK) {
		log_warn("packet from %s (card %s): not an auth response: %s",
		    orig, c->iccid, stk_diag_format(&d, dbuf, sizeof(dbuf)));
		drop(b, v, "bad_response", "not an auth response");
		free(resp);
		goto out;
	}
	hex = stk_hex_string(o.data, o.data_len, 1);
	snprintf(v->path, sizeof(v->path), "/bridge/v1/results");
	snprintf(dbuf, sizeof(dbuf), "%s-in-%llu", b->cfg->name,
	    (unsigned long long)first_id);
	v->post = json_pack("{s:s, s:s, s:s, s:s}", "resultId", dbuf,
	    "msisdn", orig, "iccid", c->iccid, "response", hex ? hex : "");
	v->post_kind = QP_RESULT;
	v->state = QI_DONE;
	v->counter = true;
	snprintf(v->iccid, sizeof(v->iccid), "%s", c->iccid);
	v->kvn = o.kvn;
	v->cntr = o.cntr;
	snprintf(v->note, sizeof(v->note), "result %s", dbuf);
	log_info("auth response from %s (card %s, CNTR %llu, session "
	    "%02X%02X%02X%02X%02X%02X%02X%02X, %s): forwarded as %s", orig,
	    c->iccid, (unsigned long long)o.cntr, resp->session_id[0],
	    resp->session_id[1], resp->session_id[2], resp->session_id[3],
	    resp->session_id[4], resp->session_id[5], resp->session_id[6],
	    resp->session_id[7], resp->decision == STK_AUTH_CONFIRMED ?
	    "confirmed" : "not confirmed", dbuf);
	b->n_results++;
	free(hex);
	explicit_bzero(resp, sizeof(*resp));
	free(resp);
out:
	sms_open_clear(&o);
}

/*
 * A PoR from an enrolled card's number that its key set does not open
 * (CC, deciphering or TAR): most likely the card holds other OTA keys than
 * the key store (a card re-personalised without enrolment).  Its status is
 * unreadable, so it is not reported as a PoR status; the card's newest
 * running job fails with a detail naming the cause, instead of waiting for
 * the session to time out.  Dropped when no job of that card is running.
 */
static void
por_unverifiable(struct bridge *b, const struct ks_card *c,
    struct verdict *v)
{
	struct q_job j;

	if (queue_job_latest_sent(b->q, c->iccid, bridge_now_ms(), &j) !=
	    STK_OK) {
		drop(b, v, "por_refused", "PoR does not verify");
		return;
	}
	bridge_count_error(b, "por_refused");
	snprintf(v->job_id, sizeof(v->job_id), "%s", j.job_id);
	snprintf(v->path, sizeof(v->path), "/bridge/v1/jobs/%s/delivery",
	    j.job_id);
	v->state = QI_DONE;
	v->post = json_pack("{s:s, s:s, s:s}", "leaseId", j.lease_id,
	    "status", "FAILED", "detail", "the card answered with a PoR "
	    "its key store keys do not verify (OTA keys differ? re-enrol)");
	v->post_kind = QP_DELIVERY;
	snprintf(v->note, sizeof(v->note), "unverifiable PoR for job %s",
	    j.job_id);
	log_warn("%s (card %s): reported as a delivery failure", v->note,
	    c->iccid);
}

/* A PoR (TS 102 225 §5.2) sent by SMS-SUBMIT: the job's delivery. */
static void
on_por(struct bridge *b, const struct ks_card *c, const char *orig,
    const uint8_t *pkt, size_t len, struct verdict *v)
{
	struct sms_open o;
	struct stk_diag d;
	struct q_job j;
	char dbuf[128];
	bool resent = false;

	b->n_por++;
	stk_diag_clear(&d);
	if (sms_open_por(c, pkt, len, &o, &d) != STK_OK) {
		log_warn("PoR from %s (card %s) refused: %s", orig, c->iccid,
		    stk_diag_format(&d, dbuf, sizeof(dbuf)));
		por_unverifiable(b, c, v);
		return;
	}
	if (queue_job_by_cntr(b->q, c->iccid, o.cntr, &j) != STK_OK) {
		log_warn("PoR from %s (card %s) for counter %llu: no such job",
		    orig, c->iccid, (unsigned long long)o.cntr);
		drop(b, v, "por_unknown", "PoR for an unknown counter");
		return;
	}
	snprintf(v->job_id, sizeof(v->job_id), "%s", j.job_id);
	snprintf(v->path, sizeof(v->path), "/bridge/v1/jobs/%s/delivery",
	    j.job_id);
	v->state = QI_DONE;
	if (o.status == STK_OTA_ST_OK) {
		snprintf(v->note, sizeof(v->note), "PoR OK for job %s",
		    j.job_id);
		if (!j.delivered_reported) {
			v->post = json_pack("{s:s, s:s}", "leaseId", j.lease_id,
			    "status", "DELIVERED");
			v->post_kind = QP_DELIVERY;
			v->mark_delivered = true;
		}
		return;
	}
	(void)queue_job_resent(b->q, j.job_id, &resent);
	if (o.status == STK_OTA_ST_CNTR_LOW && resent) {
		/* A second copy of a packet the card already took. */
		snprintf(v->note, sizeof(v->note), "CNTR low for a repeated "
		    "copy of job %s: ignored", j.job_id);
		log_info("%s", v->note);
		return;
	}
	snprintf(dbuf, sizeof(dbuf), "%s%s", stk_ota_status_name(o.status),
	    o.secured ? "" : " (unsecured PoR)");
	log_warn("job %s: the card answered PoR status %02X %s", j.job_id,
	    o.status, dbuf);
	bridge_count_error(b, "por_error");
	v->post = json_pack("{s:s, s:s, s:i, s:s}", "leaseId", j.lease_id,
	    "status", "POR_ERROR", "porStatus", (int)o.status, "detail", dbuf);
	v->post_kind = QP_DELIVERY;
	snprintf(v->note, sizeof(v->note), "PoR %02X for job %s", o.status,
	    j.job_id);
}

/* SMS-STATUS-REPORT (TS 23.040 §9.2.2.3, TP-ST §9.2.3.15). */
static void
on_report(struct bridge *b, const struct q_in *in, const struct sms_in *s,
    struct verdict *v)
{
	struct q_msg m;
	struct q_job j;
	struct btransport *t;
	const char *unit;

	b->n_reports++;
	/* A report comes back through the link that sent the message:
	 * "NAME/UNIT" matches references "UNIT:MR" of transport NAME. */
	t = find_transport_unit(b, in->transport, &unit);
	if (t == NULL || queue_msg_by_ref(b->q, t->conf->name, unit, s->mr,
	    s->orig, &m) !=
	    STK_OK || queue_job_get(b->q, m.job_id, &j) != STK_OK) {
		log_info("status report via %s (TP-MR %u, %s): no message "
		    "matches", in->transport, s->mr, s->orig);
		drop(b, v, "report_unmatched", "no message with TP-MR %u",
		    s->mr);
		return;
	}
	v->state = QI_DONE;
	snprintf(v->job_id, sizeof(v->job_id), "%s", j.job_id);
	snprintf(v->path, sizeof(v->path), "/bridge/v1/jobs/%s/delivery",
	    j.job_id);
	snprintf(v->note, sizeof(v->note), "report %02X %s for job %s", s->st,
	    stk_st_name(s->st), j.job_id);
	log_info("job %s: status report %02X %s", j.job_id, s->st,
	    stk_st_name(s->st));
	if (s->st < 0x20) {			/* transaction completed */
		if (!j.delivered_reported) {
			v->post = json_pack("{s:s, s:s}", "leaseId", j.lease_id,
			    "status", "DELIVERED");
			v->post_kind = QP_DELIVERY;
			v->mark_delivered = true;
		}
	} else if (s->st >= 0x40) {		/* permanent / given up */
		char d[128];

		snprintf(d, sizeof(d), "status report: %s", stk_st_name(s->st));
		v->post = json_pack("{s:s, s:s, s:s}", "leaseId", j.lease_id,
		    "status", "FAILED", "detail", d);
		v->post_kind = QP_DELIVERY;
		bridge_count_error(b, "report_failed");
	}
	/* 0x20..0x3F: the SC is still trying; nothing to report. */
}

/* Record the verdict for rows (one row id, or a concatenation set) in
 * one transaction, then the card's counter (see below). */
static void
apply(struct bridge *b, uint64_t row, const struct sms_in *set,
    struct verdict *v)
{
	uint64_t post_id = 0, first;
	uint8_t iei;
	char *text = NULL;

	if (queue_begin(b->q) != STK_OK)
		goto out;
	if (set != NULL) {
		if (queue_in_close_set(b->q, set->orig, set->ref, set->total,
		    v->state, &first, &iei) != STK_OK)
			goto rollback;
	} else if (queue_in_set(b->q, row, v->state, v->note) != STK_OK) {
		goto rollback;
	}
	if (v->post != NULL) {
		if ((text = json_dumps(v->post, JSON_COMPACT)) == NULL ||
		    queue_post_add(b->q, v->post_kind, v->job_id, v->path,
		    text, &post_id) != STK_OK)
			goto rollback;
	}
	if (v->mark_delivered &&
	    queue_job_set_delivered(b->q, v->job_id) != STK_OK)
		goto rollback;
	if (queue_commit(b->q) != STK_OK)
		goto rollback;
	/*
	 * The result is queued before the counter moves: a crash in
	 * between can at worst let a redelivered copy through once more,
	 * which the server refuses (409, one answer per session); the
	 * other order could lose the answer.  A counter that moved
	 * meanwhile (another process on the key store) cancels the post.
	 */
	if (v->counter && keystore_counter_seen(b->ks, v->iccid, v->kvn,
	    v->cntr) == STK_E_REPLAY) {
		log_info("card %s counter %llu taken meanwhile: dropped",
		    v->iccid, (unsigned long long)v->cntr);
		b->n_dup++;
		(void)queue_post_cancel(b->q, post_id);
		if (set == NULL)
			(void)queue_in_set(b->q, row, QI_DROPPED, "replay");
	}
	if (v->post != NULL)
		kick_posts(b);
	goto out;
rollback:
	queue_rollback(b->q);
out:
	free(text);
	json_decref(v->post);
	v->post = NULL;
}

static void
reasm_expired(const struct stk_reasm_expired *e, void *arg)
{
	struct bridge *b = arg;
	uint64_t first;
	uint8_t iei;

	log_warn("concatenated SMS from %s (ref %u, %u/%u parts) incomplete "
	    "after the reassembly timeout: dropped", e->originator, e->ref,
	    e->received, e->total);
	bridge_count_error(b, "reassembly_timeout");
	(void)queue_in_close_set(b->q, e->originator, e->ref, e->total,
	    QI_EXPIRED, &first, &iei);
}

/*
 * Look at one inbox row.  stored: the row is recorded as a segment of its
 * set already (at arrival, store_in(), or before a restart); only the
 * reassembler is fed.
 */
static void
process_in(struct bridge *b, uint64_t id, bool stored)
{
	struct q_in in;
	struct sms_in s;
	struct stk_diag d;
	struct verdict v;
	struct ks_card *c = NULL;
	char dbuf[128];
	int r;

	memset(&v, 0, sizeof(v));
	if (queue_in_get(b->q, id, &in) != STK_OK)
		return;
	stk_diag_clear(&d);
	if (sms_in_decode(in.tpdu, in.tpdu_len, &s, &d) != STK_OK) {
		log_warn("inbox %llu via %s: undecodable TPDU: %s",
		    (unsigned long long)id, in.transport,
		    stk_diag_format(&d, dbuf, sizeof(dbuf)));
		drop(b, &v, "bad_tpdu", "undecodable: %s", dbuf);
		apply(b, id, NULL, &v);
		return;
	}
	if (stk_log_get_level() >= STK_LOG_DEBUG) {
		char *hex = stk_hex_string(in.tpdu, in.tpdu_len, 1);

		log_debug("inbox %llu via %s: %s from %s, kind %d, IEI %02X, "
		    "concat %u/%u ref %u: %s", (unsigned long long)id,
		    in.transport, stk_tpdu_type_name(s.t->type), s.orig,
		    s.kind, s.iei, s.seq, s.total, s.ref, hex ? hex : "");
		free(hex);
	}
	if (s.kind == SMS_IN_REPORT) {
		on_report(b, &in, &s, &v);
		apply(b, id, NULL, &v);
		goto out;
	}
	if (s.kind == SMS_IN_OTHER) {
		log_info("SMS from %s via %s carries no secured packet: "
		    "dropped", s.orig, in.transport);
		drop(b, &v, "not_secured", "no secured packet");
		apply(b, id, NULL, &v);
		goto out;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto out;
	r = keystore_card_get_by_msisdn(b->ks, s.orig, c);
	if (r == STK_E_NOT_FOUND) {
		b->n_unknown++;
		log_warn("SMS from %s via %s: no enrolled card has this "
		    "number: dropped", s.orig, in.transport);
		drop(b, &v, "unknown_sender", "unknown sender");
		apply(b, id, NULL, &v);
		goto out;
	}
	if (r != STK_OK)
		goto out;		/* stays NEW: retried by the sweep */
	if (s.kind == SMS_IN_SINGLE) {
		if (s.iei == STK_OTA_IEI_COMMAND)
			on_command(b, c, s.orig, s.body, s.body_len, id, &v);
		else
			on_por(b, c, s.orig, s.body, s.body_len, &v);
		apply(b, id, NULL, &v);
		goto out;
	}
	/* A segment (TS 23.040 §9.2.3.24.1): kept durably, then offered
	 * to the reassembler. */
	{
		struct stk_reasm_seg seg;
		struct stk_reasm_msg msg;
		enum stk_reasm_status st;

		if (!stored && queue_in_set_segment(b->q, id, s.orig, s.ref,
		    s.total, s.seq, s.iei) != STK_OK)
			goto out;
		memset(&seg, 0, sizeof(seg));
		memset(&msg, 0, sizeof(msg));
		seg.originator = s.orig;
		seg.ref = s.ref;
		seg.ref16 = s.ref16;
		seg.total = s.total;
		seg.seq = s.seq;
		seg.body = s.body;
		seg.body_len = s.body_len;
		seg.time = (uint64_t)(in.received_ms / 1000);
		r = stk_reasm_add(b->reasm, &seg, &st, &msg);
		if (r != STK_OK) {
			log_warn("segment from %s refused by the reassembler: "
			    "%s", s.orig, stk_strerror(r));
			drop(b, &v, "reassembly_refused", "%s",
			    stk_strerror(r));
			apply(b, id, NULL, &v);
			goto out;
		}
		if (st == STK_REASM_DUPLICATE || st == STK_REASM_CONFLICT) {
			b->n_dup += st == STK_REASM_DUPLICATE;
			v.state = st == STK_REASM_DUPLICATE ? QI_DONE :
			    QI_DROPPED;
			snprintf(v.note, sizeof(v.note), "%s segment %u/%u",
			    st == STK_REASM_DUPLICATE ? "duplicate" :
			    "conflicting", s.seq, s.total);
			if (st == STK_REASM_CONFLICT)
				bridge_count_error(b, "segment_conflict");
			apply(b, id, NULL, &v);
			goto out;
		}
		if (st == STK_REASM_COMPLETE) {
			uint64_t first = 0;
			uint8_t iei = 0;
			struct sms_in set = s;

			/* Which row was first and what sequence 1 held:
			 * read before apply() closes the set. */
			(void)queue_in_set_peek(b->q, s.orig, s.ref,
			    s.total, &first, &iei);
			if (iei == STK_OTA_IEI_COMMAND)
				on_command(b, c, s.orig, msg.payload, msg.len,
				    first, &v);
			else if (iei == STK_OTA_IEI_RESPONSE)
				on_por(b, c, s.orig, msg.payload, msg.len,
				    &v);
			else
				drop(b, &v, "not_secured", "concatenated SMS "
				    "without a secured packet");
			set.t = NULL;
			apply(b, id, &set, &v);
			stk_reasm_msg_clear(&msg);
		}
	}
out:
	if (c != NULL) {
		ks_card_clear(c);
		free(c);
	}
	sms_in_clear(&s);
}

static void
inbox_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bridge *b = arg;
	uint64_t ids[CORE_BATCH];
	int n;

	(void)fd;
	(void)what;
	/* The segments stored at arrival first (transports never call
	 * back from inside process_in(): the list stays as it is). */
	for (size_t i = 0; i < b->nfresh; i++)
		process_in(b, b->fresh[i], true);
	b->nfresh = 0;
	n = queue_in_ids(b->q, QI_NEW, 0, ids, CORE_BATCH);
	for (int i = 0; i < n; i++)
		process_in(b, ids[i], false);
	if (n == CORE_BATCH)
		kick_inbox(b);
}

static void
sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bridge *b = arg;

	(void)fd;
	(void)what;
	stk_reasm_expire(b->reasm, (uint64_t)(bridge_now_ms() / 1000),
	    reasm_expired, b);
	if (!b->stopping)
		process_new_jobs(b);
	kick_inbox(b);
	kick_pump(b);
	kick_posts(b);
}

/* ---- retention ------------------------------------------------------ */

/*
 * One batch of the purge of finished queue rows older than the retention
 * period (queue_purge()).  A batch that removed rows is followed by
 * another after a pause; the first that finds nothing logs what the whole
 * purge removed (nothing when nothing was) and schedules the next purge.
 */
static void
purge_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bridge *b = arg;
	long got[QT_TABLES], n = 0;
	int64_t t0 = bridge_now_ms();

	(void)fd;
	(void)what;
	if (b->stopping)
		return;
	if (queue_purge(b->q, t0, b->cfg->queue_retention_s,
	    b->cfg->reasm_timeout_s, CORE_PURGE_BATCH, got) != STK_OK) {
		log_warn("queue purge failed; tried again in %d s",
		    CORE_PURGE_EVERY_MS / 1000);
		bridge_count_error(b, "queue_purge");
		memset(b->purge_run, 0, sizeof(b->purge_run));
		arm(b->purge_ev, CORE_PURGE_EVERY_MS);
		return;
	}
	for (int i = 0; i < QT_TABLES; i++) {
		b->n_purged[i] += (uint64_t)got[i];
		b->purge_run[i] += got[i];
		n += got[i];
	}
	log_debug("queue purge batch: %ld row(s) in %lld ms", n,
	    (long long)(bridge_now_ms() - t0));
	if (n > 0) {
		arm(b->purge_ev, CORE_PURGE_PAUSE_MS);
		return;
	}
	if (b->purge_run[QT_JOBS] + b->purge_run[QT_MSGS] +
	    b->purge_run[QT_POSTS] + b->purge_run[QT_INBOX] > 0)
		log_info("queue purge: %ld job(s), %ld SMS, %ld call(s) to the "
		    "server, %ld received TPDU(s) finished more than %u s ago "
		    "removed", b->purge_run[QT_JOBS], b->purge_run[QT_MSGS],
		    b->purge_run[QT_POSTS], b->purge_run[QT_INBOX],
		    b->cfg->queue_retention_s);
	memset(b->purge_run, 0, sizeof(b->purge_run));
	arm(b->purge_ev, CORE_PURGE_EVERY_MS);
}

/* ---- life cycle ---------------------------------------------------- */

int
bridge_new(struct event_base *base, struct bridge_config *cfg,
    struct bridge **out, char *err, size_t errsz)
{
	struct stk_reasm_config rc;
	struct bridge *b;
	int r;

	*out = NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return STK_E_NOMEM;
	b->base = base;
	b->cfg = cfg;
	if ((r = keystore_open(cfg->keystore, &b->ks, err, errsz)) != STK_OK ||
	    (r = queue_open(cfg->queue_db, &b->q, err, errsz)) != STK_OK ||
	    (r = link_new(base, cfg, &b->link, err, errsz)) != STK_OK)
		goto fail;
	memset(&rc, 0, sizeof(rc));
	rc.max_age = cfg->reasm_timeout_s;
	if ((b->reasm = stk_reasm_new(&rc)) == NULL) {
		r = STK_E_NOMEM;
		goto fail;
	}
	b->claim_ev = evtimer_new(base, claim_cb, b);
	b->pump_ev = evtimer_new(base, pump_cb, b);
	b->post_ev = evtimer_new(base, post_cb, b);
	b->inbox_ev = evtimer_new(base, inbox_cb, b);
	b->sweep_ev = event_new(base, -1, EV_PERSIST, sweep_cb, b);
	b->purge_ev = evtimer_new(base, purge_cb, b);
	if (!b->claim_ev || !b->pump_ev || !b->post_ev || !b->inbox_ev ||
	    !b->sweep_ev || !b->purge_ev) {
		r = STK_E_NOMEM;
		goto fail;
	}
	for (size_t i = 0; i < cfg->nt; i++) {
		struct btransport *t = &b->tr[b->ntr];
		struct transport_config tc = { cfg->t[i].name,
		    bridge_tconf_get, &cfg->t[i] };

		t->conf = &cfg->t[i];
		t->ops = bridge_transport_ops(cfg->t[i].type);
		if (t->ops == NULL) {
			snprintf(err, errsz, "transport %s: type %s not built "
			    "in", cfg->t[i].name, cfg->t[i].type);
			r = STK_E_UNSUPPORTED;
			goto fail;
		}
		b->ntr++;
		if ((r = t->ops->open(base, &tc, &events, b, &t->t, err,
		    errsz)) != STK_OK) {
			b->ntr--;
			goto fail;
		}
	}
	*out = b;
	return STK_OK;
fail:
	bridge_free(b);
	return r;
}

int
bridge_start(struct bridge *b)
{
	uint64_t ids[CORE_BATCH];
	int n, rec = 0, total = 0;
	long cards = 0;

	if (queue_msgs_recover(b->q, &rec) == STK_OK && rec > 0) {
		log_warn("%d message(s) were being submitted when the bridge "
		    "stopped: queued again (the network may see a copy twice; "
		    "the card drops it by its counter)", rec);
		bridge_count_error(b, "recovered_inflight");
	}
	/* Rebuild the reassembler from every stored segment, in arrival
	 * order, with their arrival times (lib/concat.h), CORE_BATCH rows
	 * at a time.  The rows keep their state while their set is
	 * incomplete, so the pages go by id; a set completed on the way
	 * closes its rows (DONE), which later pages no longer see.  The
	 * reassembler's own limits (sets, bytes) bound the memory. */
	for (uint64_t after = 0;; after = ids[n - 1]) {
		n = queue_in_ids(b->q, QI_SEGMENT, after, ids, CORE_BATCH);
		if (n <= 0)
			break;
		for (int i = 0; i < n; i++)
			process_in(b, ids[i], true);
		total += n;
		if (n < CORE_BATCH)
			break;
	}
	if (total > 0)
		log_info("%d stored segment(s) given back to the reassembler",
		    total);
	(void)keystore_count(b->ks, &cards);
	log_info("bridge %s: %ld card(s) in the key store, %zu transport(s), "
	    "server %s", b->cfg->name, cards, b->ntr, b->cfg->server_url);
	process_new_jobs(b);
	arm(b->sweep_ev, 1000);
	if (b->cfg->queue_retention_s > 0)
		arm(b->purge_ev, 0);	/* then every CORE_PURGE_EVERY_MS */
	kick_inbox(b);
	kick_pump(b);
	kick_posts(b);
	arm(b->claim_ev, 0);
	return STK_OK;
}

static void
stop_check(struct bridge *b)
{
	int64_t now = bridge_now_ms(), due;

	if (b->draining > 0 || b->stop_done == NULL)
		return;
	due = queue_post_next_due(b->q);
	if ((due < 0 || due > now) || now >= b->stop_deadline) {
		void (*done)(void *) = b->stop_done;

		b->stop_done = NULL;
		if (due >= 0)
			log_warn("stopping with calls to the server still "
			    "queued; they are sent at the next start");
		done(b->stop_arg);
	}
}

static void
stop_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	stop_check(arg);
}

static void
drained(void *core)
{
	struct bridge *b = core;

	if (b->draining > 0)
		b->draining--;
	if (b->draining == 0)
		log_info("transports drained");
	stop_check(b);
}

void
bridge_stop(struct bridge *b, void (*done)(void *arg), void *arg)
{
	if (b->stopping)
		return;
	log_info("stopping: no more claims; draining the transports");
	b->stopping = true;
	b->stop_done = done;
	b->stop_arg = arg;
	b->stop_deadline = bridge_now_ms() + CORE_STOP_FLUSH_MS;
	event_del(b->claim_ev);
	if (b->claim_req != NULL) {
		/* Jobs leased by this lost answer come back after the
		 * lease (BRIDGE-API §7). */
		link_cancel(b->claim_req);
		b->claim_req = NULL;
	}
	b->stop_ev = event_new(b->base, -1, EV_PERSIST, stop_tick, b);
	if (b->stop_ev != NULL)
		arm(b->stop_ev, 100);
	b->draining = (unsigned)b->ntr;
	for (size_t i = 0; i < b->ntr; i++)
		b->tr[i].ops->drain(b->tr[i].t, drained);
	stop_check(b);
}

void
bridge_free(struct bridge *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->ntr; i++)
		b->tr[i].ops->free(b->tr[i].t);
	if (b->claim_ev)
		event_free(b->claim_ev);
	if (b->pump_ev)
		event_free(b->pump_ev);
	if (b->post_ev)
		event_free(b->post_ev);
	if (b->inbox_ev)
		event_free(b->inbox_ev);
	if (b->sweep_ev)
		event_free(b->sweep_ev);
	if (b->purge_ev)
		event_free(b->purge_ev);
	if (b->stop_ev)
		event_free(b->stop_ev);
	link_free(b->link);
	stk_reasm_free(b->reasm);
	queue_close(b->q);
	keystore_close(b->ks);
	free(b);
}

/* ---- metrics -------------------------------------------------------- */

static void
addf(struct stk_buf *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
addf(struct stk_buf *out, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		stk_buf_add_bytes(out, line, (size_t)n < sizeof(line) ?
		    (size_t)n : sizeof(line) - 1);
}

static void
gauge_states(struct bridge *b, struct stk_buf *out, const char *metric,
    const char *help, const char *table, int nstates,
    const char *(*name)(int))
{
	long counts[8];

	if (queue_counts(b->q, table, counts, nstates) != STK_OK)
		return;
	addf(out, "# HELP %s %s\n# TYPE %s gauge\n", metric, help, metric);
	for (int i = 0; i < nstates; i++)
		addf(out, "%s{state=\"%s\"} %ld\n", metric, name(i), counts[i]);
}

void
bridge_metrics(struct bridge *b, struct stk_buf *out)
{
	static const struct {
		const char *name;
		size_t off;
	} counters[] = {
		{ "jobs_claimed", offsetof(struct bridge, n_claimed) },
		{ "jobs_built", offsetof(struct bridge, n_built) },
		{ "sms_sent", offsetof(struct bridge, n_sent) },
		{ "jobs_acked", offsetof(struct bridge, n_acked) },
		{ "results_forwarded", offsetof(struct bridge, n_results) },
		{ "results_refused", offsetof(struct bridge,
		    n_results_refused) },
		{ "status_reports", offsetof(struct bridge, n_reports) },
		{ "pors", offsetof(struct bridge, n_por) },
		{ "duplicates", offsetof(struct bridge, n_dup) },
		{ "unknown_senders", offsetof(struct bridge, n_unknown) },
	};
	long cards = 0;
	uint64_t tls_full, tls_resumed;

	gauge_states(b, out, "stkauth_bridge_jobs", "Jobs in the outbox by "
	    "state.", "jobs", QJ_STATES, q_job_state_name);
	gauge_states(b, out, "stkauth_bridge_outbox_sms", "SMS in the outbox "
	    "by state.", "msgs", QM_STATES, q_msg_state_name);
	gauge_states(b, out, "stkauth_bridge_inbox", "Received TPDUs by "
	    "state.", "inbox", QI_STATES, q_in_state_name);
	gauge_states(b, out, "stkauth_bridge_server_calls", "Calls to the "
	    "server by state.", "posts", QP_STATES, q_post_state_name);
	addf(out, "# TYPE stkauth_bridge_reassembly_sets gauge\n"
	    "stkauth_bridge_reassembly_sets %zu\n"
	    "# TYPE stkauth_bridge_reassembly_bytes gauge\n"
	    "stkauth_bridge_reassembly_bytes %zu\n",
	    stk_reasm_sets(b->reasm), stk_reasm_bytes(b->reasm));
	if (keystore_count(b->ks, &cards) == STK_OK)
		addf(out, "# TYPE stkauth_bridge_cards gauge\n"
		    "stkauth_bridge_cards %ld\n", cards);
	addf(out, "# TYPE stkauth_bridge_events_total counter\n");
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		addf(out, "stkauth_bridge_events_total{event=\"%s\"} %llu\n",
		    counters[i].name, (unsigned long long)*(const uint64_t *)
		    (const void *)((const char *)b + counters[i].off));
	link_tls_stats(b->link, &tls_full, &tls_resumed);
	addf(out, "# HELP stkauth_bridge_server_tls_total HTTPS connections "
	    "to the server, by handshake: full, or resuming a session.\n"
	    "# TYPE stkauth_bridge_server_tls_total counter\n");
	addf(out, "stkauth_bridge_server_tls_total{handshake=\"full\"} %llu\n"
	    "stkauth_bridge_server_tls_total{handshake=\"resumed\"} %llu\n",
	    (unsigned long long)tls_full, (unsigned long long)tls_resumed);
	addf(out, "# HELP stkauth_bridge_queue_retention_seconds Finished "
	    "queue rows are kept this long (0: forever).\n"
	    "# TYPE stkauth_bridge_queue_retention_seconds gauge\n"
	    "stkauth_bridge_queue_retention_seconds %u\n"
	    "# HELP stkauth_bridge_queue_purged_total Finished queue rows "
	    "removed after the retention period, by table.\n"
	    "# TYPE stkauth_bridge_queue_purged_total counter\n",
	    b->cfg->queue_retention_s);
	for (int i = 0; i < QT_TABLES; i++)
		addf(out, "stkauth_bridge_queue_purged_total{table=\"%s\"} "
		    "%llu\n", q_table_name(i),
		    (unsigned long long)b->n_purged[i]);
	addf(out, "# HELP stkauth_bridge_errors_total Errors by name.\n"
	    "# TYPE stkauth_bridge_errors_total counter\n");
	for (size_t i = 0; i < b->nerrs; i++)
		addf(out, "stkauth_bridge_errors_total{error=\"%s\"} %llu\n",
		    b->errs[i].name, (unsigned long long)b->errs[i].n);
	addf(out, "# TYPE stkauth_bridge_transport_up gauge\n");
	for (size_t i = 0; i < b->ntr; i++)
		addf(out, "stkauth_bridge_transport_up{transport=\"%s\","
		    "type=\"%s\"} %d\n", b->tr[i].conf->name,
		    b->tr[i].conf->type, b->tr[i].up ? 1 : 0);
	addf(out, "# TYPE stkauth_bridge_transport_sms_total counter\n");
	for (size_t i = 0; i < b->ntr; i++) {
		const struct btransport *t = &b->tr[i];

		addf(out, "stkauth_bridge_transport_sms_total{transport=\"%s\","
		    "event=\"submitted\"} %llu\n"
		    "stkauth_bridge_transport_sms_total{transport=\"%s\","
		    "event=\"sent\"} %llu\n"
		    "stkauth_bridge_transport_sms_total{transport=\"%s\","
		    "event=\"failed\"} %llu\n"
		    "stkauth_bridge_transport_sms_total{transport=\"%s\","
		    "event=\"received\"} %llu\n", t->conf->name,
		    (unsigned long long)t->submitted, t->conf->name,
		    (unsigned long long)t->sent, t->conf->name,
		    (unsigned long long)t->failed, t->conf->name,
		    (unsigned long long)t->received);
	}
	for (size_t i = 0; i < b->ntr; i++)
		b->tr[i].ops->metrics(b->tr[i].t, out);
}
