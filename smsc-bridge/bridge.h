/*
 * bridge.h - the private interfaces of stkauth-bridge's core, grouped by
 * file (docs/BRIDGE.md).  The transports' contract is transport.h; the
 * key store's is keystore.h.
 */
#ifndef STKAUTH_BRIDGE_H
#define STKAUTH_BRIDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "bytes.h"
#include "err.h"
#include "keystore.h"
#include "tpdu.h"
#include "transport.h"

struct event_base;

#define BRIDGE_VERSION		"0.1"
#define BRIDGE_TRANSPORTS_MAX	16
#define BRIDGE_ROUTES_MAX	16
#define BRIDGE_NAME_MAX		48
#define BRIDGE_PATH_MAX		512
#define BRIDGE_ID_MAX		64	/* [A-Za-z0-9_.:-]{1,64}, BRIDGE-API §2 */

/* ---- config.c: the INI file (inih), docs/BRIDGE.md §2 ----------------- */

struct bridge_kv {
	char *key;
	char *val;
	int line;
};

struct bridge_tconf {
	char name[BRIDGE_NAME_MAX + 1];
	char type[16];
	int line;
	/* Destination prefixes ("+372", "+4917"); none: every number. */
	char routes[BRIDGE_ROUTES_MAX][KS_MSISDN_MAX + 1];
	size_t nroutes;
	struct bridge_kv *kv;		/* the other keys, for the transport */
	size_t nkv;
};

struct bridge_config {
	char file[BRIDGE_PATH_MAX];
	char name[BRIDGE_NAME_MAX + 1];	/* claimId / resultId prefix */
	char server_url[256];
	char ca_file[BRIDGE_PATH_MAX];
	char token_file[BRIDGE_PATH_MAX];
	char token[128];		/* read from token_file */
	char state_dir[BRIDGE_PATH_MAX];
	char queue_db[BRIDGE_PATH_MAX];
	char keystore[BRIDGE_PATH_MAX];
	char metrics_listen[64];	/* "127.0.0.1:9102"; "" none */
	int log_level;
	unsigned claim_max_jobs;	/* 1..10 */
	unsigned lease_ms;		/* 1000..300000 */
	unsigned claim_wait_ms;		/* 0..30000 */
	unsigned http_timeout_s;	/* per request, on top of waits */
	unsigned max_jobs_in_flight;	/* local jobs not yet sent */
	unsigned send_attempts;		/* per SMS, across restarts */
	unsigned post_attempts;		/* per call to the server */
	unsigned retry_base_ms, retry_max_ms;
	unsigned reasm_timeout_s;
	unsigned queue_retention_s;	/* finished rows kept; 0 forever */
	unsigned lease_margin_ms;	/* do not send this close to lease end */
	bool status_report;		/* TP-SRR on submits */
	struct bridge_tconf t[BRIDGE_TRANSPORTS_MAX];
	size_t nt;
};

/*
 * Load and validate path into cfg (zeroed first).  Errors are
 * "FILE:LINE: message" in err.  The token file is read and its mode
 * checked (no group/other bits) unless check_only_syntax.
 */
int bridge_config_load(const char *path, struct bridge_config *cfg,
    char *err, size_t errsz);
void bridge_config_free(struct bridge_config *cfg);
/* transport_config.get over a struct bridge_tconf. */
int bridge_tconf_get(void *tconf, const char *key, const char **val);
/* Whether a transport with these routes may carry dest. */
bool bridge_route_match(const struct bridge_tconf *t, const char *dest);
/* Loopback host name or address ("127.0.0.1", "::1", "localhost"). */
bool bridge_host_is_loopback(const char *host);

/* ---- transports.c: the registry of transport types ------------------- */

/* The ops of a type name ("modem", "smpp", "loop"), NULL for any other. */
const struct transport_ops *bridge_transport_ops(const char *type);
/* The test-only loop transport (transport_loop.c). */
extern const struct transport_ops transport_loop_ops;

/* ---- queue.c: the durable outbox and inbox (SQLite WAL) --------------- */

enum q_job_state {
	QJ_NEW = 0,		/* stored as claimed, not built */
	QJ_READY = 1,		/* packet built, SMS queued */
	QJ_SENT = 2,		/* every SMS accepted; ack queued */
	QJ_FAILED = 3,		/* could not be sent; FAILED queued */
	QJ_ABANDONED = 4,	/* lease ran out before sending */
	QJ_DONE = 5,		/* acked (and nothing else to do) */
};
const char *q_job_state_name(int st);
#define QJ_STATES 6

enum q_msg_state {
	QM_QUEUED = 0, QM_INFLIGHT = 1, QM_SENT = 2, QM_FAILED = 3,
};
#define QM_STATES 4
const char *q_msg_state_name(int st);

enum q_in_state {
	QI_NEW = 0,		/* stored, not looked at */
	QI_SEGMENT = 1,		/* part of an incomplete concatenation */
	QI_DONE = 2,		/* used (forwarded, matched, or reported) */
	QI_DROPPED = 3,		/* refused (unknown sender, bad packet...) */
	QI_EXPIRED = 4,		/* its concatenation never completed */
};
#define QI_STATES 5
const char *q_in_state_name(int st);

enum q_post_kind { QP_ACK = 0, QP_DELIVERY = 1, QP_RESULT = 2 };
enum q_post_state { QP_PENDING = 0, QP_OK = 1, QP_REFUSED = 2,
    QP_GAVE_UP = 3, QP_CANCELLED = 4 };
#define QP_STATES 5
const char *q_post_state_name(int st);

struct q_job {
	char job_id[BRIDGE_ID_MAX + 1];
	char session_id[BRIDGE_ID_MAX + 1];
	char msisdn[KS_MSISDN_MAX + 1];
	char iccid[KS_ICCID_MAX + 1];
	char lease_id[BRIDGE_ID_MAX + 1];
	int64_t expires_ms;		/* Unix ms */
	int64_t lease_expires_ms;	/* local clock, Unix ms */
	int attempt;
	int state;
	uint8_t request[128];
	size_t request_len;
	/* Set when built: the command's OTA parameters (for the PoR). */
	uint64_t cntr;
	uint8_t kvn, kic, kid;
	uint16_t spi;
	bool delivered_reported;
};

struct q_msg {
	uint64_t id;
	char job_id[BRIDGE_ID_MAX + 1];
	char dest[KS_MSISDN_MAX + 1];
	uint8_t tpdu[176];
	size_t tpdu_len;
	int state;
	int attempts;
	int64_t next_try_ms;
	char transport[BRIDGE_NAME_MAX + 1];
	char network_ref[72];
};

struct q_post {
	uint64_t id;
	int kind;
	char job_id[BRIDGE_ID_MAX + 1];
	char path[160];
	char *body;			/* heap, JSON text */
	int attempts;
	int64_t next_try_ms;
};

struct q_in {
	uint64_t id;
	char transport[BRIDGE_NAME_MAX + 1];
	uint8_t tpdu[192];
	size_t tpdu_len;
	int64_t received_ms;
	int state;
};

struct queue;

int queue_open(const char *path, struct queue **out, char *err,
    size_t errsz);
void queue_close(struct queue *q);
int queue_begin(struct queue *q);
int queue_commit(struct queue *q);
void queue_rollback(struct queue *q);

/* Store a claimed job, or refresh an existing one with its new lease
 * (BRIDGE-API §3: a re-claim after a lease ran out).  *was_state is the
 * state it had (-1: new). */
int queue_job_put(struct queue *q, const struct q_job *j, int *was_state);
int queue_job_get(struct queue *q, const char *job_id, struct q_job *j);
int queue_job_set_state(struct queue *q, const char *job_id, int state);
int queue_job_set_built(struct queue *q, const struct q_job *j);
int queue_job_set_delivered(struct queue *q, const char *job_id);
/* The job that sent counter cntr to card iccid (for a PoR). */
int queue_job_by_cntr(struct queue *q, const char *iccid, uint64_t cntr,
    struct q_job *j);
/* The newest job sent to card iccid that has not expired by now_ms (state
 * SENT or DONE): whom an unverifiable PoR from that card concerns. */
int queue_job_latest_sent(struct queue *q, const char *iccid, int64_t now_ms,
    struct q_job *j);
/* Job ids in state st, oldest first, at most max; returns the count. */
int queue_jobs_in_state(struct queue *q, int st,
    char (*ids)[BRIDGE_ID_MAX + 1], int max);

int queue_msg_add(struct queue *q, const struct q_msg *m, uint64_t *id);
int queue_msg_get(struct queue *q, uint64_t id, struct q_msg *m);
/* Queued messages due at now whose job is READY, oldest first. */
int queue_msgs_due(struct queue *q, int64_t now, struct q_msg *out,
    int max);
/* The earliest next_try of a queued message of a READY job (0: none). */
int64_t queue_msgs_next_due(struct queue *q);
int queue_msg_inflight(struct queue *q, uint64_t id, const char *transport);
int queue_msg_sent(struct queue *q, uint64_t id, const char *ref);
int queue_msg_requeue(struct queue *q, uint64_t id, int64_t next_try_ms);
int queue_msg_failed(struct queue *q, uint64_t id);
/* Jobs held and not sent yet (NEW or READY): through the state index,
 * not a count of every job ever claimed. */
int queue_jobs_held(struct queue *q, long *n);
/* Messages of a job not yet sent (queued or in flight). */
int queue_job_unsent(struct queue *q, const char *job_id, int *n);
/* Whether a message of the job was handed to a transport more than once
 * (a copy may have reached the card twice). */
int queue_job_resent(struct queue *q, const char *job_id, bool *resent);
int queue_post_cancel(struct queue *q, uint64_t id);
/* Requeue every in-flight message (start-up after a crash). */
int queue_msgs_recover(struct queue *q, int *n);
/* The most recent sent message of transport to dest whose network
 * reference is mr, or a number equal to it mod 256 (TP-MR, TS 23.040
 * §9.2.3.6); with a unit ("gsm0", may be NULL or ""), the reference must
 * be "UNIT:NUMBER" (transport.h). */
int queue_msg_by_ref(struct queue *q, const char *transport,
    const char *unit, unsigned mr, const char *dest, struct q_msg *m);

int queue_post_add(struct queue *q, int kind, const char *job_id,
    const char *path, const char *body, uint64_t *id);
/* The oldest pending post due at now (body heap in p->body). */
int queue_post_next(struct queue *q, int64_t now, struct q_post *p);
/* Up to max pending posts due at now, oldest first, each the oldest
 * pending post of its job (queue.c POST_HEAD): ids[0..*n). */
int queue_post_due(struct queue *q, int64_t now, uint64_t *ids, size_t max,
    size_t *n);
/* Pending post id (body heap in p->body); STK_E_NOT_FOUND when it is no
 * longer pending. */
int queue_post_get(struct queue *q, uint64_t id, struct q_post *p);
/* When the next post becomes due (the earliest next_try among the posts
 * at the head of their job), -1 when none is pending. */
int64_t queue_post_next_due(struct queue *q);
int queue_post_done(struct queue *q, uint64_t id, int state, int http);
int queue_post_retry(struct queue *q, uint64_t id, int64_t next_try_ms);
void q_post_clear(struct q_post *p);

int queue_in_add(struct queue *q, const char *transport, const uint8_t *tpdu,
    size_t len, int64_t now_ms, uint64_t *id);
/* The same for a segment of a concatenated SMS: stored with its set
 * (QI_SEGMENT, orig/ref/total/seq/iei as queue_in_set_segment()) in one
 * commit. */
int queue_in_add_segment(struct queue *q, const char *transport,
    const uint8_t *tpdu, size_t len, int64_t now_ms, const char *orig,
    unsigned ref, unsigned total, unsigned seq, uint8_t iei, uint64_t *id);
int queue_in_get(struct queue *q, uint64_t id, struct q_in *in);
int queue_in_set(struct queue *q, uint64_t id, int state, const char *note);
int queue_in_set_segment(struct queue *q, uint64_t id, const char *orig,
    unsigned ref, unsigned total, unsigned seq, uint8_t iei);
/* Mark every segment row of a concatenation set with state; *first_id
 * gets the lowest row id, *iei the OTA IEI found in its sequence 1. */
int queue_in_close_set(struct queue *q, const char *orig, unsigned ref,
    unsigned total, int state, uint64_t *first_id, uint8_t *iei);
/* The same without changing anything. */
int queue_in_set_peek(struct queue *q, const char *orig, unsigned ref,
    unsigned total, uint64_t *first_id, uint8_t *iei);
/* Ids in state st above after (0: from the start), oldest first, at
 * most max; returns the count.  Paging by the last id seen walks rows
 * that keep their state (segments at start-up). */
int queue_in_ids(struct queue *q, int st, uint64_t after, uint64_t *ids,
    int max);

/* Row counts per state, for /metrics: table "jobs", "msgs", "inbox",
 * "posts"; counts[nstates]. */
int queue_counts(struct queue *q, const char *table, long *counts,
    int nstates);

/* The tables queue_purge() removes rows from (metrics, logs). */
enum q_table { QT_JOBS = 0, QT_MSGS = 1, QT_POSTS = 2, QT_INBOX = 3 };
#define QT_TABLES 4
const char *q_table_name(int t);

/*
 * Remove at most max_rows rows finished more than retention_s before
 * now_ms, in one transaction of its own (docs/BRIDGE.md §5a): calls to
 * the server no longer pending; received TPDUs used, refused or expired,
 * and segments of sets never completed once reassembly_timeout_s (and a
 * minute) is over too; jobs finished (queue.c JOB_GONE) that expired and
 * were created before the cut-off, with their SMS.  Never a job NEW or
 * READY, a pending call, an SMS in flight, an inbox row not looked at.
 * retention_s 0: nothing (kept forever).  purged[QT_TABLES] gets the
 * rows removed per table (all 0 on error); call again while a batch
 * removes rows (a job is removed with its SMS in one batch, so one may
 * stop short of max_rows with more left).
 */
int queue_purge(struct queue *q, int64_t now_ms, unsigned retention_s,
    unsigned reasm_timeout_s, unsigned max_rows, long purged[QT_TABLES]);

/* ---- sms.c: jobs -> SMS-SUBMITs, SMS-DELIVERs -> packets ------------- */

/*
 * Build the SMS-SUBMITs carrying request under card c's command key set
 * with counter cntr (TS 102 225 §5.1, TS 31.115 §4.2): TP-PID 0x7F,
 * TP-DCS 0xF6 (class 2, 8-bit), TP-UDHI with IEI 0x70 (concatenated when
 * needed, reference ref), TP-SRR as asked, TP-VP relative from
 * validity_s (0: none).  tpdus[i] heap (free), *n segments.
 */
int sms_build_command(const struct ks_card *c, uint64_t cntr,
    const uint8_t *request, size_t len, const char *dest, bool srr,
    unsigned validity_s, uint8_t ref, struct stk_buf *tpdus, size_t max,
    size_t *n);

/* What an incoming TPDU is. */
enum sms_in_kind {
	SMS_IN_OTHER = 0,	/* not for us (plain SMS, other UDH) */
	SMS_IN_SINGLE = 1,	/* one SMS carrying an OTA packet */
	SMS_IN_SEGMENT = 2,	/* one segment of a concatenated SMS */
	SMS_IN_REPORT = 3,	/* SMS-STATUS-REPORT */
};

struct sms_in {
	int kind;
	char orig[24];		/* TP-OA (or TP-RA of a report), "+digits" */
	uint8_t iei;		/* 0x70 / 0x71 in this segment, else 0 */
	uint16_t ref;		/* concatenation */
	bool ref16;
	uint8_t total, seq;
	const uint8_t *body;	/* into the TPDU struct below */
	size_t body_len;
	uint8_t mr, st;		/* reports: TP-MR, TP-ST */
	struct stk_tpdu *t;	/* heap; sms_in_clear */
};

/* Decode an SMS-DELIVER or SMS-STATUS-REPORT (TS 23.040 §9.2.2.1,
 * §9.2.2.3) and classify it.  Errors name the field in diag. */
int sms_in_decode(const uint8_t *tpdu, size_t len, struct sms_in *in,
    struct stk_diag *diag);
void sms_in_clear(struct sms_in *in);

/* Outcome of opening a card's packet. */
struct sms_open {
	uint8_t status;		/* PoR status a card would answer / got */
	uint8_t kvn;
	uint64_t cntr;
	bool secured;		/* PoR: RC/CC verified */
	uint8_t *data;		/* heap (free) */
	size_t data_len;
};

/* Open a command packet (from CPL on) that card c sent (docs/PROTOCOL.md
 * §1): TAR of c, key set by KIc/KID, CC + ciphering + counter higher than
 * the key set's rx_cntr (TS 102 225 §5.1.1).  STK_OK: out->data holds the
 * secured data, out->cntr the counter to record with
 * keystore_counter_seen().  Errors: STK_E_NOT_FOUND (TAR/key set),
 * STK_E_VERIFY, STK_E_REPLAY, STK_E_STATE (security below minimum)... */
int sms_open_command(const struct ks_card *c, const uint8_t *pkt,
    size_t len, struct sms_open *out, struct stk_diag *diag);
/* Open a PoR (from RPL on) from card c, secured as the card's current
 * command SPI and key set ask (TS 102 225 §5.2); out->cntr is the echoed
 * counter, which names the job. */
int sms_open_por(const struct ks_card *c, const uint8_t *pkt, size_t len,
    struct sms_open *out, struct stk_diag *diag);
void sms_open_clear(struct sms_open *o);

/* ---- link.c: the HTTPS client to the server (BRIDGE-API.md) ---------- */

enum link_chan { LINK_CLAIM = 0, LINK_API = 1 };

/* status: the HTTP status, 0 when no answer (connection, TLS, timeout);
 * body: the parsed JSON answer or NULL (borrowed). */
typedef void (*link_cb)(void *arg, int status, json_t *body);

struct link;
struct link_req;
int link_new(struct event_base *base, const struct bridge_config *cfg,
    struct link **out, char *err, size_t errsz);
/* POST body (JSON, not stolen) to path; cb is always called once, from
 * the loop, unless the request is cancelled first.  timeout_s is added to
 * the configured http_timeout_s (the claim's long poll).  *handle (may be
 * NULL) identifies the request for link_cancel() until cb runs. */
int link_post(struct link *l, enum link_chan ch, const char *path,
    const json_t *body, unsigned timeout_s, link_cb cb, void *arg,
    struct link_req **handle);
/* Abort one request; its callback is not called. */
void link_cancel(struct link_req *lr);
/* Abort every request in flight; their callbacks are not called. */
void link_cancel_all(struct link *l);
void link_free(struct link *l);
/* HTTPS connections that completed a request: with a full handshake,
 * and resuming an earlier session (both 0 over plain HTTP). */
void link_tls_stats(const struct link *l, uint64_t *full,
    uint64_t *resumed);
/* Check the URL alone (scheme, loopback rule) for -n. */
int link_check_url(const char *url, char *err, size_t errsz);
/* Check that the CA file of an https server_url holds a certificate. */
int link_check_ca(const char *path, char *err, size_t errsz);

/* ---- core.c: the bridge ---------------------------------------------- */

struct bridge;

int bridge_new(struct event_base *base, struct bridge_config *cfg,
    struct bridge **out, char *err, size_t errsz);
/* Start claiming and sending. */
int bridge_start(struct bridge *b);
/* SIGTERM: stop claiming, drain transports, flush posts briefly; done()
 * is called once when the bridge may exit. */
void bridge_stop(struct bridge *b, void (*done)(void *arg), void *arg);
void bridge_free(struct bridge *b);
/* Prometheus text of the bridge, the queues and every transport. */
void bridge_metrics(struct bridge *b, struct stk_buf *out);
/* Count an error by name (metrics). */
void bridge_count_error(struct bridge *b, const char *name);

/* ---- metrics.c: the /metrics endpoint -------------------------------- */

struct metrics_http;
int metrics_http_start(struct event_base *base, const char *listen,
    struct bridge *b, struct metrics_http **out, char *err, size_t errsz);
void metrics_http_free(struct metrics_http *m);

/* Unix time in milliseconds (wall clock: queue times survive restarts). */
int64_t bridge_now_ms(void);

#endif
