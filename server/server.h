/*
 * server.h - stkauth-server private header: prototypes grouped by file.
 *
 * Roles (one file each):
 *   result.c   the result codes (DESIGN.md §5), one table
 *   ticket.c   tickets, session identifiers, secrets and their hashes
 *   config.c   the INI configuration, validated when loaded
 *   json.c     decoders of every JSON request body (fuzzed)
 *   certsrc.c  where certificates come from: PEM files or LDAP
 *              (ldapdir.h), validated by certcheck.h (struct cert_source)
 *   verify.c   verification of a bridge result, on worker threads
 *   http.c     listener (HTTPS, plain HTTP on loopback only), limits,
 *              JSON errors with trace ids, metrics, long-poll waiters
 *   api.c      REST API for relying parties, /api/v1
 *   bridge.c   bridge API, /bridge/v1
 *   web*.c     the login page (web.h), captcha.c its CAPTCHA
 *   main.c     options, bootstrap commands, the event loop, the sweeper
 * The store interface is store.h (store_sqlite.c implements it).
 */
#ifndef STKAUTH_SERVER_H
#define STKAUTH_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "authmsg.h"
#include "authsig.h"
#include "store.h"

struct event_base;
struct evhttp_request;
struct store;

/* ---- result.c ------------------------------------------------------- */

/*
 * Result codes: the same strings in the API, the audit log and the page.
 * X(symbol, name, meaning).  SRV_RES_NONE is "no result yet" (RUNNING).
 */
#define SRV_RESULT_TABLE(X)						\
	X(SRV_RES_NONE,              "",                  "no result yet")	\
	X(SRV_RES_OK,                "OK",                "user confirmed; password, certificate and signature verified") \
	X(SRV_RES_USER_REFUSED,      "USER_REFUSED",      "user rejected the request on the phone") \
	X(SRV_RES_TIMEOUT,           "TIMEOUT",           "no valid answer before the session expired") \
	X(SRV_RES_NOT_BOUND,         "NOT_BOUND",         "account unknown or without an MSISDN binding and an enrolled card") \
	X(SRV_RES_DELIVERY_ERROR,    "DELIVERY_ERROR",    "the request could not be delivered to the phone") \
	X(SRV_RES_SIM_ERROR,         "SIM_ERROR",         "the SIM reported an error (PoR status or applet error)") \
	X(SRV_RES_PIN_BLOCKED,       "PIN_BLOCKED",       "the user's PIN on the SIM is blocked") \
	X(SRV_RES_SIGNATURE_INVALID, "SIGNATURE_INVALID", "password or signature did not verify, or the answer came from another card") \
	X(SRV_RES_CERT_INVALID,      "CERT_INVALID",      "user certificate missing, expired, revoked or not trusted") \
	X(SRV_RES_ACCOUNT_LOCKED,    "ACCOUNT_LOCKED",    "too many failed logins; the account is locked for a while") \
	X(SRV_RES_INTERNAL_ERROR,    "INTERNAL_ERROR",    "the server could not finish the check (store or directory failure); try again")

enum srv_result {
#define SRV_RES_ENUM(sym, name, text) sym,
	SRV_RESULT_TABLE(SRV_RES_ENUM)
#undef SRV_RES_ENUM
	SRV_RES_COUNT
};

/* "OK", ...; "" for SRV_RES_NONE; NULL outside the table. */
const char *srv_result_name(int res);
const char *srv_result_text(int res);
/* STK_E_NOT_FOUND for an unknown name ("" is SRV_RES_NONE). */
int srv_result_from_name(const char *name, int *res);
/* Whether a result counts as a failed login for the account lockout. */
bool srv_result_counts_as_failure(int res);

/* Session states (DESIGN.md §5): the state machine is in session_next(). */
enum srv_state {
	SRV_ST_RUNNING = 0,	/* waiting for the phone */
	SRV_ST_VERIFYING = 1,	/* a result arrived, checks in progress */
	SRV_ST_COMPLETE = 2,	/* terminal: result set */
};
enum srv_event {
	SRV_EV_RESULT,		/* a bridge delivered an auth response */
	SRV_EV_VERIFIED,	/* verification finished (any result) */
	SRV_EV_EXPIRED,		/* the sweeper found the session overdue */
	SRV_EV_DELIVERY_FAILED,	/* the bridge could not deliver */
};
const char *srv_state_name(int st);
int srv_state_from_name(const char *name, int *st);
/*
 * The session state machine.  Returns the next state, or STK_E_STATE when
 * the event is not allowed in state st (COMPLETE is terminal).
 */
int session_next(int st, int ev);

/* ---- ticket.c ------------------------------------------------------- */

/*
 * Tickets: 0-9 A-Z as PROTOCOL.md §3 allows, minus the characters people
 * confuse (0 O, 1 I L): 31 symbols, log2(31) = 4.95 bits each.
 */
#define TICKET_ALPHABET		"23456789ABCDEFGHJKMNPQRSTUVWXYZ"
#define TICKET_ALPHABET_LEN	31
#define TICKET_DEFAULT_LEN	6

/* len characters (4..10) from RAND_bytes by rejection sampling, NUL-ended
 * (out holds len + 1).  STK_E_ARG for a bad length, STK_E_CRYPTO. */
int ticket_generate(char *out, size_t len);
/* Rejection sampling core, testable: map one random octet to a symbol
 * index, or -1 when the octet must be discarded (>= 248 = 8 * 31). */
int ticket_symbol(uint8_t octet);
/* Whether t[0..len) is a ticket this server could have issued. */
bool ticket_valid(const char *t, size_t len);

/* Random octets (RAND_bytes): STK_E_CRYPTO on failure. */
int srv_random(uint8_t *p, size_t n);

/*
 * Secrets (relying-party API keys, bridge tokens): PREFIX "_" + 43
 * base64url characters of 32 random octets.  Stored as SHA-256 of the
 * whole string: the secret has 256 bits of entropy, so a fast hash is
 * enough (no password stretching needed) and a stolen database gives
 * nothing to log in with.
 */
#define SECRET_RANDOM_LEN	32
#define SECRET_MAX_LEN		128
#define SECRET_HASH_LEN		32
int secret_generate(const char *prefix, char *out, size_t outsz);
int secret_hash(const char *secret, size_t len,
    uint8_t hash[SECRET_HASH_LEN]);

/* Upper-case hex of n octets into out (2n + 1). */
void hex_upper(char *out, const uint8_t *p, size_t n);
/* Decode exactly 2n hex characters; STK_E_INVALID otherwise. */
int hex_exact(const char *s, uint8_t *out, size_t n);

/* ICCID digits (18..20, Luhn not enforced) <-> EF_ICCID octets
 * (TS 102 221 §13.2: BCD, low nibble first, F filler). */
int iccid_to_ef(const char *digits, uint8_t ef[STK_AUTH_ICCID_LEN]);
int iccid_from_ef(const uint8_t ef[STK_AUTH_ICCID_LEN], char out[21]);

/* ---- config.c ------------------------------------------------------- */

struct srv_config {
	char listen_addr[64];
	uint16_t listen_port;
	bool tls;
	char tls_cert[256];
	char tls_key[256];
	char db_path[256];
	int log_level;
	size_t max_body;	/* JSON bodies, soft limit (JSON 413) */
	size_t max_body_hard;	/* libevent cut-off */
	size_t max_headers;	/* libevent cut-off for the header block */
	unsigned workers;
	unsigned max_waiters;	/* concurrent long-polls */

	unsigned ticket_len;
	unsigned session_lifetime_s;
	unsigned longpoll_max_ms;
	bool pin_required;

	unsigned lockout_failures;	/* 0: lockout off */
	unsigned lockout_duration_s;
	unsigned rate_window_s;
	unsigned rate_per_address;	/* per window; 0: off */
	unsigned rate_per_account;

	unsigned lease_default_ms;
	unsigned lease_max_ms;
	unsigned claim_wait_max_ms;
	unsigned claim_max_jobs;

	char cert_source[16];	/* "file" (or "ldap" when available) */
	char cert_dir[256];
	char cert_ca[256];
	char cert_crl[256];
	bool cert_require_crl;

	/* [ldap]: the directory of certificate source "ldap" (ldapdir.h) */
	char ldap_uri[256];
	bool ldap_starttls;
	char ldap_tls_ca[256];
	char ldap_bind_dn[256];
	char ldap_bind_password_file[256];
	char ldap_base_dn[256];
	char ldap_user_class[64];
	char ldap_uid_attr[64];
	char ldap_msisdn_attr[64];
	char ldap_crl_dn[256];
	unsigned ldap_timeout_ms;
	unsigned ldap_workers;
	unsigned ldap_cache_ttl_ms;

	/* [web]: the login page (web.h, docs/WEB.md) */
	bool web_enabled;
	char web_service[256];		/* as the phone shows it */
	char web_captcha[8];		/* always, after, never */
	unsigned web_captcha_after;	/* failures per address before one */
	unsigned web_captcha_lifetime_s;
	char web_captcha_font[256];	/* TrueType; "" built-in bitmap */
	char web_cookie[64];
	unsigned web_idle_s;		/* anonymous / waiting web session */
	unsigned web_signed_in_s;	/* signed-in web session */
	unsigned web_max_sessions;
	unsigned web_password_workers;
};

void config_defaults(struct srv_config *c);
/*
 * Load path into c (defaults first).  On error returns STK_E_INVALID and
 * writes "FILE:LINE: message" into err.
 */
int config_load(const char *path, struct srv_config *c, char *err,
    size_t errsz);
/* Cross-field checks (plain HTTP only on loopback, files present...). */
int config_check(const struct srv_config *c, char *err, size_t errsz);
bool addr_is_loopback(const char *addr);

/* ---- json.c --------------------------------------------------------- */

/* Where a JSON decoder failed: HTTP 400 with code BAD_REQUEST. */
struct json_err {
	char field[32];
	char message[96];
};

#define API_ACCOUNT_MAX		64
#define API_MSISDN_MAX		16	/* "+" and E.164's 15 digits */
#define API_SERVICE_MAX		200	/* UTF-8 octets before STK limits */
#define API_HASH_MAX		64	/* SHA-512 */
#define API_ID_MAX		64	/* idempotency keys, lease ids */

enum api_hash_type { API_HASH_NONE = 0, API_HASH_SHA256 = 1,
	API_HASH_SHA384 = 2, API_HASH_SHA512 = 3 };

struct api_auth_in {
	char account[API_ACCOUNT_MAX + 1];	/* "" when msisdn given */
	char msisdn[API_MSISDN_MAX + 1];	/* "" when account given */
	struct stk_auth_request req;		/* service set */
	char service_utf8[API_SERVICE_MAX + 1];
	int hash_type;
	uint8_t hash[API_HASH_MAX];
	size_t hash_len;
};

struct bridge_claim_in {
	char claim_id[API_ID_MAX + 1];	/* idempotency key, optional */
	unsigned max_jobs;
	unsigned lease_ms;
	unsigned wait_ms;
};

struct bridge_ack_in {
	char lease_id[API_ID_MAX + 1];
};

enum bridge_delivery { BR_DLV_SUBMITTED = 1, BR_DLV_DELIVERED,
	BR_DLV_FAILED, BR_DLV_POR_ERROR };

struct bridge_delivery_in {
	char lease_id[API_ID_MAX + 1];
	int status;		/* enum bridge_delivery */
	int por_status;		/* 0..255, -1 absent */
	char detail[128];
};

struct bridge_result_in {
	char result_id[API_ID_MAX + 1];	/* idempotency key */
	char msisdn[API_MSISDN_MAX + 1];
	char iccid[21];			/* digits, "" when absent */
	uint8_t response[STK_AUTH_RESPONSE_MAX_LEN];
	size_t response_len;
};

/* Each: STK_OK, or STK_E_INVALID with e filled.  Unknown members,
 * duplicate members, wrong types and out-of-range values are refused. */
int json_decode_auth(const char *body, size_t len, const struct srv_config *c,
    struct api_auth_in *out, struct json_err *e);
int json_decode_claim(const char *body, size_t len, const struct srv_config *c,
    struct bridge_claim_in *out, struct json_err *e);
int json_decode_ack(const char *body, size_t len, struct bridge_ack_in *out,
    struct json_err *e);
int json_decode_delivery(const char *body, size_t len,
    struct bridge_delivery_in *out, struct json_err *e);
int json_decode_result(const char *body, size_t len,
    struct bridge_result_in *out, struct json_err *e);

bool msisdn_valid(const char *s);
bool account_name_valid(const char *s);
bool id_valid(const char *s);	/* [A-Za-z0-9_.:-]{1,64} */

/* base64 (RFC 4648 §4) encode into a new json string; NULL on failure. */
json_t *json_base64(const uint8_t *p, size_t n);
/* base64 decode, strict (padding, alphabet); STK_E_INVALID. */
int base64_decode(const char *s, uint8_t *out, size_t cap, size_t *outlen);

/* ---- certsrc.c ------------------------------------------------------ */

/*
 * Figures of a certificate source for /metrics.  Directory lookups that
 * went to the server (not answered from the LDAP cache) are timed into
 * a histogram with the upper bounds CERTSRC_LATENCY_BOUNDS (seconds);
 * the certificate cache (certcheck.h) counts its hits and misses.
 */
#define CERTSRC_LATENCY_BOUNDS { 0.001, 0.0025, 0.005, 0.01, 0.025, \
	0.05, 0.1, 0.25, 0.5, 1, 2.5, 5 }
#define CERTSRC_LATENCY_N 12
struct certsrc_stats {
	bool directory;		/* an LDAP source: the latency is meaningful */
	unsigned long lookups;	/* timed (went to the directory) */
	unsigned long cached;	/* answered from the LDAP cache */
	unsigned long bucket[CERTSRC_LATENCY_N];	/* not cumulative */
	double sum_s;
	unsigned long cert_hits, cert_misses;	/* validated-certificate cache */
};

/*
 * Where the user's certificate comes from and how it is validated (the
 * validation is certcheck.h's: chain, dates, CRLs, key usage, identity of
 * account and MSISDN at time at).  The calls run on worker threads and may
 * block (LDAP).  fetch returns STK_OK
 * with *cert (caller frees), STK_E_NOT_FOUND (no certificate),
 * STK_E_VERIFY (certificate present but not valid: chain, dates,
 * revocation), STK_E_IO (directory unreachable); reason is filled for the
 * audit log.
 */
struct cert_source {
	const char *name;
	int (*fetch)(struct cert_source *cs, const char *account,
	    const char *msisdn, int64_t at, X509 **cert, char *reason,
	    size_t reasonsz);
	void (*free)(struct cert_source *cs);
	void *priv;
	/* optional: figures for /metrics (certsrc_stats) */
	void (*stats)(struct cert_source *cs, struct certsrc_stats *st);
};

/* The file source: DIR/ACCOUNT.pem, validated against CA (+ CRL). */
int certsrc_file_new(const char *dir, const char *ca, const char *crl,
    bool require_crl, struct cert_source **out, char *err, size_t errsz);
/* Build the configured source. */
int certsrc_from_config(const struct srv_config *c, struct cert_source **out,
    char *err, size_t errsz);
void certsrc_free(struct cert_source *cs);
/* The source's figures (all zero when it keeps none). */
void certsrc_stats(struct cert_source *cs, struct certsrc_stats *st);

/* ---- verify.c ------------------------------------------------------- */

/* Everything a worker needs: copies, no pointers into the store. */
struct verify_task {
	char session_id[2 * STK_AUTH_SESSION_ID_LEN + 1];
	char account[API_ACCOUNT_MAX + 1];
	char msisdn[API_MSISDN_MAX + 1];
	struct stk_auth_request req;
	struct stk_auth_response resp;
	int64_t bridge_id;
	uint8_t iccid_ef[STK_AUTH_ICCID_LEN];	/* the ENROLLED card */
	uint8_t kauth[STK_AUTH_KEY_MAX];
	size_t kauth_len;
	int64_t now;		/* ms: when the result arrived */
	bool restart;		/* re-verification after a restart (main.c) */
	unsigned attempts;	/* tries again after VF_SOURCE (bridge.c) */
	/* out */
	int result;
	int fail;		/* enum verify_fail: why it is not OK */
	int cert_reason;	/* VF_CERT: certcheck.h enum certcheck_reason */
	char reason[160];
	uint8_t *cert_der;
	size_t cert_der_len;
};

/*
 * Why a verification did not end OK, for /metrics
 * (stkauth_verify_failures_total{reason}).  X(symbol, label, text).
 * VF_CERT is broken down further by certcheck.h's reason names
 * ("cert-revoked", ...).  A signed or advisory decision of the user
 * (USER_REFUSED, PIN_BLOCKED...) is no failure: VF_NONE.
 */
#define VERIFY_FAIL_TABLE(X)						\
	X(VF_NONE,      "",          "verified, or the user's own decision") \
	X(VF_LATE,      "late",      "the response came after the session expiry") \
	X(VF_SESSION,   "session",   "the response names another session") \
	X(VF_CARD,      "other-card", "the response comes from a card that is not the enrolled one") \
	X(VF_PASSWORD,  "password",  "authentication password mismatch") \
	X(VF_CERT,      "cert",      "the certificate is missing or not valid (by certcheck reason)") \
	X(VF_SOURCE,    "directory", "the certificate source could not be read") \
	X(VF_SIGNATURE, "signature", "the signature does not verify") \
	X(VF_INTERNAL,  "internal",  "out of memory, or the session was inconsistent")

enum verify_fail {
#define VF_ENUM(sym, label, text) sym,
	VERIFY_FAIL_TABLE(VF_ENUM)
#undef VF_ENUM
	VF_COUNT
};
const char *verify_fail_label(int f);

/*
 * The checks of one result, in order (PROTOCOL.md §5-§7): expiry; for a
 * confirmation the password (constant time), the certificate from the
 * source, the signature with the enrolled ICCID; for a negative decision
 * its result (USER_REFUSED, PIN_BLOCKED, TIMEOUT, SIM_ERROR), the
 * signature checked when present.  Sets t->result and t->reason.  Blocking:
 * call it on a worker thread.
 */
void verify_run(struct verify_task *t, struct cert_source *cs);

struct verify_pool;
typedef void (*verify_done_fn)(struct verify_task *t, void *arg);
/* Start n worker threads; done runs on the event loop for each task. */
int verify_pool_new(struct event_base *base, unsigned n,
    struct cert_source *cs, verify_done_fn done, void *arg,
    struct verify_pool **out);
/* Hand over t (owned by the pool until done). */
int verify_pool_submit(struct verify_pool *p, struct verify_task *t);
unsigned verify_pool_depth(struct verify_pool *p);
/* Tasks queued, being verified or waiting for done(): 0 when idle. */
unsigned verify_pool_busy(struct verify_pool *p);
void verify_pool_free(struct verify_pool *p);
void verify_task_free(struct verify_task *t);

/* ---- http.c --------------------------------------------------------- */

struct srv_metrics {
	unsigned long http_requests[6];	/* by status class 1xx..5xx, [0] other */
	unsigned long sessions_created;
	unsigned long results[SRV_RES_COUNT];
	unsigned long jobs_claimed;
	unsigned long bridge_results;
	unsigned long rate_limited;
	unsigned long waiters;	/* gauge */
	unsigned long waiters_gone;	/* WAITER_PEER clients that hung up */
	unsigned long verify_failures[VF_COUNT];
	unsigned long verify_cert_failures[16];	/* by certcheck reason */
	unsigned long reverified;	/* sessions re-verified after a start */
	unsigned long verify_retries;	/* bridge.c: VF_SOURCE, tried again */
	unsigned long group_commits;	/* batch.c: turns' commits */
	unsigned long held_answers;	/* answers held for one of them */
};

/* The turn's transaction and the answers waiting for it (batch.c). */
struct srv_batch {
	struct store_tx tx;
	struct event *end;		/* active while tx is open */
	struct reqctx *held, **tail;	/* answers, in order */
	int64_t changes_at_open;	/* store_changes when tx opened */
};

struct srv {
	struct srv_config cfg;
	struct event_base *base;
	struct evhttp *http;
	void *ssl_ctx;
	struct store *store;
	struct cert_source *certs;
	struct verify_pool *pool;
	struct srv_metrics m;
	struct event *sweeper;
	struct waiter *waiters;	/* long-polls */
	struct waiter **wkeys;	/* the same by key (http.c), for the kicks */
	struct event *recheck;	/* http.c: other processes' changes */
	int64_t data_version;	/* store_data_version at the last tick */
	unsigned draining;	/* shutdown replies not yet written */
	struct web *web;	/* the login page (web.h), NULL when off */
	struct evhttp_bound_socket *listener;
	bool stopping;		/* SIGTERM: draining, no new requests */
	struct reqctx *tx_rc;	/* the request whose transaction is open */
	unsigned reverify_pending;	/* restart re-verifications queued */
	struct srv_batch batch;	/* group commit (batch.c) */
	struct verify_retry *retries;	/* bridge.c: waiting to try again */
};

/* Per-request context: trace id, client address, authenticated party. */
struct reqctx {
	struct srv *s;
	struct evhttp_request *req;
	char trace[33];
	char client[64];
	int64_t party_id;	/* relying party or bridge */
	char party_name[65];
	struct store_tx tx;	/* http_tx_begin */
	int64_t changes_at_begin;	/* store_changes then */
	/* an answer held until the turn's commit (batch.c http_send) */
	struct reqctx *held_next;
	int held_status;
	const char *held_phrase;
	struct evbuffer *held_body;
	void (*failed)(struct reqctx *rc);
};

/* ---- batch.c: group commit ------------------------------------------ */

/*
 * The writes of one turn of the event loop share one transaction,
 * committed at the end of the turn; the answers given meanwhile are held
 * until that commit (when it fails, each is replaced by its 500).  See
 * batch.c.
 */
int batch_init(struct srv *s);
/* Commit what is open, send what is held, free the end-of-turn event. */
void batch_free(struct srv *s);
/* Open the turn's transaction unless it is open; false: store busy. */
bool batch_join(struct srv *s);
/* Commit the turn's transaction and send the held answers. */
void batch_flush(struct srv *s);
/*
 * A request rolled back everything it wrote after the store's change
 * count was since: roll the turn's transaction back too when no row had
 * changed in it before that (the request's discarded probe was all it
 * did) - a savepoint rolled back leaves its pages dirty, and committing
 * them would write them again unchanged.
 */
void batch_discard_if_clean(struct srv *s, int64_t since);
/* store_tx_begin inside the turn's transaction (joined first). */
int srv_tx_begin(struct srv *s, struct store_tx *tx);
/*
 * Send rc's answer (b: the body or NULL, freed here) and free rc: now,
 * or after the turn's commit when its transaction is open.  failed(rc)
 * answers instead (a 500 in the request's format) when that commit
 * fails; NULL: the answer is sent anyway (it promised nothing).  Counts
 * the status class in the metrics.
 */
typedef void (*http_failed_fn)(struct reqctx *rc);
void http_send(struct reqctx *rc, int status, const char *phrase,
    struct evbuffer *b, http_failed_fn failed);

int http_start(struct srv *s, char *err, size_t errsz);
void http_stop(struct srv *s);
/* SIGTERM: close the listening socket (new connections are refused) and
 * answer requests that still arrive on open connections 503
 * SHUTTING_DOWN. */
void http_stop_accepting(struct srv *s);
/*
 * One transaction for the request's writes (store_tx, a SAVEPOINT inside
 * the loop turn's group transaction, batch.c): the reply keeps it - a
 * 5xx reply rolls it back instead - and is held until the turn's commit,
 * so an answer never promises a write that is not committed, and the
 * requests of one turn share one commit.  A handler that goes on
 * waiting (a long-poll) has it kept when it returns to the loop.
 * false: the store is busy; a 503 was sent.
 */
bool http_tx_begin(struct reqctx *rc);
/* The same without the 503 (the caller answers in its own format):
 * false when the store is busy. */
bool http_tx_open(struct reqctx *rc);
/*
 * End the request's transaction as an answer with status is about to
 * leave: keep it unless status is a 5xx (then roll back).  false when
 * that failed: nothing was stored, the answer must become a 500.  No
 * transaction open: true.
 */
bool http_tx_settle(struct reqctx *rc, int status);
/* Roll the request's transaction back, whatever it wrote (the login
 * page's probe before a password check, web.c). */
void http_tx_abort(struct reqctx *rc);
/* Send obj (reference stolen) with status; counts the metric. */
void http_reply_json(struct reqctx *rc, int status, json_t *obj);
/* {"error":{"code":CODE,"message":MSG,"field":F?,"traceId":T}} */
void http_reply_error(struct reqctx *rc, int status, const char *code,
    const char *msg, const char *field);
/* The request body, NUL-terminated copy; STK_E_TOO_LONG past max_body. */
int http_body(struct reqctx *rc, char **body, size_t *len);
/* Bearer token of the Authorization header or NULL. */
const char *http_bearer(struct reqctx *rc);

/*
 * Long-polls.  A waiter checks its condition at once when waiters_kick()
 * is called for its key, on a tick after another server process changed
 * the store (store_data_version; the "jobs" key on every tick: leases run
 * out), and at its deadline (final).  check returns true when it replied
 * (the waiter is then freed).
 */
struct waiter;
typedef bool (*waiter_check_fn)(struct reqctx *rc, void *arg, bool final);
/* flags: WAITER_PEER - answer and drop the waiter as soon as its client
 * closes the connection (a bridge's claim: no lease for a dead bridge). */
#define WAITER_PEER 0x1
int waiter_add(struct reqctx *rc, const char *key, unsigned timeout_ms,
    unsigned flags, waiter_check_fn check, void *arg);
void waiters_kick(struct srv *s, const char *key);
/* Answer every waiter 503 SHUTTING_DOWN; s->draining counts the replies
 * until libevent has written them (main.c's drain waits for 0). */
void waiters_free_all(struct srv *s);

/* ---- api.c / bridge.c ----------------------------------------------- */

void api_dispatch(struct reqctx *rc, const char *path);
struct store_session;
/* Start a session as POST /api/v1/authentication does (ticket, request,
 * session row, job); the login page uses it too.  See api.c. */
int auth_session_start(struct srv *s, struct api_auth_in *in, int64_t rp_id,
    const char *rp_name, const char *client, struct store_session *ss);
/* One hit on the shared rate counter "kind:who"; *over when past limit. */
int rate_hit(struct srv *s, const char *kind, const char *who, unsigned limit,
    bool *over);
/* Bearer secret -> party of kind (store.h enum store_party) into rc;
 * replies 401 itself and returns false when unknown. */
bool authenticate(struct reqctx *rc, int kind);
/* RFC 3339 UTC with milliseconds. */
json_t *json_time(int64_t ms);
void bridge_dispatch(struct reqctx *rc, const char *path);
/* Completion of a verification (loop thread): store, audit, wake; a
 * certificate source that failed is tried again (bridge.c). */
void bridge_verify_done(struct verify_task *t, void *arg);
/* Drop the verifications waiting to be tried again (at exit: their
 * sessions stay VERIFYING and the next start verifies them). */
void bridge_retries_free(struct srv *s);
/* Verify again a session left VERIFYING by a stopped server (bridge.c);
 * main.c calls it at start for each (store_session_verifying). */
int bridge_reverify(struct srv *s, const char *sid);

/* Finish a session (CAS from RUNNING/VERIFYING), audit, lockout counts,
 * wake waiters.  Used by api.c, bridge.c and the sweeper. */
int session_finish(struct srv *s, const char *sid, int from, int result,
    const char *reason, const uint8_t *cert, size_t cert_len);
/* Milliseconds since the epoch (CLOCK_REALTIME). */
int64_t srv_now_ms(void);

#endif
