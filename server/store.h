/*
 * store.h - the server's durable state behind one interface (DESIGN.md §6).
 *
 * store_sqlite.c implements it over SQLite (WAL, foreign keys on, prepared
 * statements only, schema versioned with migrations in PRAGMA
 * user_version).  Nothing here assumes one server process: every state
 * change is a compare-and-set inside a transaction (a session leaves
 * RUNNING once; a job lease is taken by one bridge), so several server
 * processes (or a later PostgreSQL implementation of this header) can share
 * the state.  Times are Unix milliseconds passed in by the caller (tests
 * drive the clock).
 *
 * All functions return STK_OK or a negative STK_E_* code: STK_E_NOT_FOUND,
 * STK_E_DUPLICATE (unique constraint), STK_E_STATE (compare-and-set lost),
 * STK_E_IO (database failure, logged with the SQLite message).
 */
#ifndef STKAUTH_STORE_H
#define STKAUTH_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "authmsg.h"
#include "authsig.h"

struct store;

#define STORE_SCHEMA_VERSION 3

/* Open (create) the database at path, mode 0600, and migrate it.  A
 * handle belongs to one thread at a time (SQLite's no-mutex mode). */
int store_open(const char *path, struct store **out);
void store_close(struct store *st);
/* PRAGMA user_version as found after migration. */
int store_schema_version(struct store *st);

/*
 * Transactions around several calls, nesting: the outermost is BEGIN
 * IMMEDIATE (the write lock at once, so the reads inside see the state
 * the writes change), an inner one (inside another store_tx or the
 * admin's store_begin) a SAVEPOINT.  Every multi-statement call below
 * uses one, so it is atomic inside a caller's transaction as well as on
 * its own.  The server puts each request's writes in one (http.c), so a
 * login costs a few commits instead of ten.  store_tx_end commits (or
 * releases) when commit is true and rolls back otherwise; a failed
 * commit rolls back and returns its error.  Durability: WAL with
 * synchronous = NORMAL - a commit survives a crash of the process, the
 * last ones before a power cut or kernel crash may be lost
 * (docs/REST-API.md "Durability").
 */
struct store_tx {
	bool outer;	/* BEGIN (not SAVEPOINT) */
	bool open;
};
int store_tx_begin(struct store *st, struct store_tx *tx);
int store_tx_end(struct store *st, struct store_tx *tx, bool commit);
/*
 * Read batches, for an event loop: with opened set, a query that only
 * reads, made while no transaction is open, opens a read transaction
 * and calls opened(arg); the reads after it share its snapshot (and one
 * WAL read lock) until the owner calls store_read_end - at the end of
 * its loop turn, or before it waits.  Anything that may write ends the
 * batch first, so writes behave as without it.  NULL (the default)
 * turns batching off; store_read_end is then a no-op.
 */
void store_read_batching(struct store *st, void (*opened)(void *),
    void *arg);
int store_read_end(struct store *st);
/*
 * WAL checkpoints mostly off the caller's thread (store_ckpt.c): when the
 * WAL passes 1,000 pages a thread of the store's, with a connection of
 * its own, copies them ("copy"); the caller's first commit after that
 * copies what was committed meanwhile ("finish"), so that its next
 * write restarts the WAL.  Until store_close.  Stats: the checkpoints
 * run, by part, and those that failed (each logged).
 */
enum { STORE_CKPT_COPY = 0, STORE_CKPT_FINISH = 1 };
int store_checkpoints_offload(struct store *st);
void store_checkpoint_stats(struct store *st, uint64_t runs[2],
    uint64_t *failures);
/* Rows inserted, updated or deleted through this handle so far (rolled
 * back ones included): equal before and after a stretch of calls means
 * that stretch changed nothing. */
int64_t store_changes(struct store *st);

/* ---- parties: relying parties and bridges ---------------------------- */

enum store_party { STORE_RP = 0, STORE_BRIDGE = 1 };

int store_party_add(struct store *st, int kind, const char *name,
    const uint8_t hash[32], int64_t now, int64_t *id);
/* Look a secret's hash up: id and name (65 octets) of an enabled party. */
int store_party_find(struct store *st, int kind, const uint8_t hash[32],
    int64_t *id, char name[65]);

/* ---- accounts, bindings, cards -------------------------------------- */

int store_account_add(struct store *st, const char *name, int64_t now,
    int64_t *id);
int store_binding_add(struct store *st, const char *account,
    const char *msisdn, int64_t now);
int store_card_enrol(struct store *st, const char *account,
    const char *iccid, const uint8_t *kauth, size_t kauth_len, int64_t now);

struct store_account {
	int64_t id;
	char name[65];
	char msisdn[17];	/* "" when not bound */
	char iccid[21];		/* "" when no card */
	uint8_t kauth[STK_AUTH_KEY_MAX];
	size_t kauth_len;
	int64_t locked_until;	/* ms, 0 none */
	unsigned failures;
};
/* By account name or, when name is NULL, by bound MSISDN. */
int store_account_get(struct store *st, const char *name,
    const char *msisdn, struct store_account *a);
/* Count one failed login; lock for lock_ms when failures reach max
 * (max 0: never).  *locked tells whether this call locked it. */
int store_account_fail(struct store *st, int64_t account_id, unsigned max,
    int64_t lock_ms, int64_t now, bool *locked);
int store_account_reset(struct store *st, int64_t account_id);

/* ---- sessions and jobs ---------------------------------------------- */

struct store_session {
	char id[2 * STK_AUTH_SESSION_ID_LEN + 1];	/* hex, upper case */
	int64_t rp_id;
	int64_t account_id;	/* 0 when no account matched */
	char account[65];
	char msisdn[17];
	char iccid[21];
	char ticket[STK_AUTH_TICKET_MAX + 1];
	uint8_t request[STK_AUTH_REQUEST_MAX_LEN];
	size_t request_len;
	uint8_t hash_salt[16];
	uint8_t hash[64];
	size_t hash_len;	/* 0: no hash given */
	int hash_type;
	int state;		/* enum srv_state */
	int result;		/* enum srv_result */
	char reason[161];
	int64_t created, expiry, completed;	/* ms */
	uint8_t response[STK_AUTH_RESPONSE_MAX_LEN];
	size_t response_len;
	uint8_t *cert;		/* DER, malloc'd; store_session_clear frees */
	size_t cert_len;
	char client[64];
	int64_t received;	/* ms: the result arrived (RUNNING -> VERIFYING) */
};
void store_session_clear(struct store_session *s);

/*
 * Insert a session; when with_job, also its delivery job (state QUEUED)
 * in the same transaction.  state/result as given (a NOT_BOUND session is
 * inserted COMPLETE).
 */
int store_session_insert(struct store *st, const struct store_session *s,
    bool with_job, int64_t now);
int store_session_get(struct store *st, const char *id,
    struct store_session *s);
/* Compare-and-set of the state machine; STK_E_STATE when s is not in
 * from.  When to is VERIFYING, received is stamped (now).  When to is
 * COMPLETE, result, reason, response and cert are set, the session's
 * job is closed and completed stamped. */
int store_session_transition(struct store *st, const char *id, int from,
    int to, int result, const char *reason, const uint8_t *resp,
    size_t resp_len, const uint8_t *cert, size_t cert_len, int64_t now);
/* Up to max ids of sessions in state whose expiry (+ grace) is before
 * now, into ids[][17]; *n set. */
int store_session_overdue(struct store *st, int state, int64_t grace_ms,
    int64_t now, char (*ids)[2 * STK_AUTH_SESSION_ID_LEN + 1], size_t max,
    size_t *n);

/*
 * Up to max ids, in id order after after ("" from the start), of the
 * VERIFYING sessions whose result arrived before received_before (ms):
 * the ones a server that starts re-verifies (their verifier was
 * stopped).
 */
int store_session_verifying(struct store *st, int64_t received_before,
    const char *after, char (*ids)[2 * STK_AUTH_SESSION_ID_LEN + 1],
    size_t max, size_t *n);
/* Gauges for /metrics: open sessions by state (RUNNING, VERIFYING) and
 * open jobs by state (QUEUED, LEASED, SENT, DELIVERED). */
int store_open_counts(struct store *st, int64_t sessions[2],
    int64_t jobs[4]);

enum store_job_state { JOB_QUEUED = 0, JOB_LEASED, JOB_SENT, JOB_DELIVERED,
	JOB_FAILED, JOB_CLOSED };
const char *store_job_state_name(int st);

struct store_job {
	char id[2 * STK_AUTH_SESSION_ID_LEN + 1];	/* = session id */
	char msisdn[17];
	char iccid[21];
	uint8_t request[STK_AUTH_REQUEST_MAX_LEN];
	size_t request_len;
	int64_t expiry;
	char lease_id[33];
	int64_t lease_until;
	unsigned attempts;
	int state;
	int64_t bridge_id;
};

/*
 * Claim up to max jobs for bridge_id: QUEUED ones and LEASED ones whose
 * lease has run out (visibility timeout), of RUNNING sessions not expired.
 * Each gets a fresh lease id and lease_until = now + lease_ms.  When
 * claim_id is not empty and this bridge already holds live leases under
 * it, those are returned instead (a retried claim takes nothing new).
 */
int store_job_claim(struct store *st, int64_t bridge_id,
    const char *claim_id, unsigned max, int64_t lease_ms, int64_t now,
    struct store_job *jobs, size_t *n);
int store_job_get(struct store *st, const char *id, struct store_job *j);
/*
 * Move a job under lease_id to state to (SENT, DELIVERED or FAILED).
 * Idempotent: repeating a step already taken under the same lease is
 * STK_OK.  STK_E_STATE when the lease is not (or no longer) this one.
 */
int store_job_advance(struct store *st, const char *id, int64_t bridge_id,
    const char *lease_id, int to, const char *detail, int64_t now);

/* ---- idempotency of bridge results ---------------------------------- */

/* Record result_id -> (status, body); STK_E_DUPLICATE when present. */
int store_result_put(struct store *st, int64_t bridge_id,
    const char *result_id, int status, const char *body, int64_t now);
/* The recorded answer; body malloc'd. */
int store_result_get(struct store *st, int64_t bridge_id,
    const char *result_id, int *status, char **body);

/* ---- audit and rate limits ------------------------------------------ */

int store_audit(struct store *st, int64_t now, const char *session_id,
    const char *account, const char *event, const char *result,
    const char *reason, const char *client);
/* Count rows for tests/tools: audit entries with event (NULL: all). */
int store_audit_count(struct store *st, const char *event, int64_t *n);

/*
 * A number that changes when another connection - another server
 * process on the same store - has committed since the previous call on
 * this one (SQLite's PRAGMA data_version; this connection's own commits
 * leave it alone).  The long-polls re-read their sessions only when it
 * moved (http.c).
 */
int store_data_version(struct store *st, int64_t *v);

/*
 * Fixed-window counter: add one hit to key for the window containing now
 * and tell whether the count is above limit (*over).
 */
int store_rate_hit(struct store *st, const char *key, int64_t window_ms,
    unsigned limit, int64_t now, bool *over);

/* ---- admin: stkauth-admin and the login page (store_admin.c) ------- */

/*
 * The password of an account: encoded is a password.h string, or NULL to
 * remove the password.  STK_E_NOT_FOUND for an unknown account.
 */
int store_account_password_set(struct store *st, const char *name,
    const char *encoded);
/*
 * The encoded password of account name into out: "" when the account has
 * none.  STK_E_NOT_FOUND for an unknown account, STK_E_NOSPACE when out
 * is too small (PASSWORD_ENCODED_MAX is enough).
 */
int store_account_password_get(struct store *st, const char *name,
    char *out, size_t outsz);

/*
 * stkauth-admin works beside a running server: it waits up to ms for a
 * write lock (the server's own calls keep their 250 ms).
 */
void store_busy_timeout(struct store *st, int ms);
/* An explicit transaction around several calls (BEGIN IMMEDIATE: the
 * write lock is taken at once, so checks and writes see one state). */
int store_begin(struct store *st);
int store_commit(struct store *st);
void store_rollback(struct store *st);

struct store_account_info {
	int64_t id;
	char name[65];
	char msisdn[17];	/* "" when not bound */
	char iccid[21];		/* "" when no card */
	int64_t created;	/* ms */
	int64_t locked_until;	/* ms, 0 none; INT64_MAX: locked by an admin */
	unsigned failures;
	bool has_password;
};
int store_account_info_get(struct store *st, const char *name,
    struct store_account_info *a);
/* Every account in name order; a non-zero return of cb stops the walk
 * and is returned. */
int store_account_list(struct store *st,
    int (*cb)(void *arg, const struct store_account_info *a), void *arg);
/* Delete the account with its binding and card; its sessions keep the
 * account's name but lose the reference.  STK_E_NOT_FOUND. */
int store_account_delete(struct store *st, const char *name);
/* locked_until = until (0: unlock); the failure count is reset. */
int store_account_lock(struct store *st, const char *name, int64_t until);
/*
 * Remove the MSISDN binding and the enrolled card of an account (one
 * transaction).  msisdn (17) and iccid (21) receive what was removed, ""
 * when there was none.  STK_E_NOT_FOUND for an unknown account.
 */
int store_account_unbind(struct store *st, const char *name, char *msisdn,
    char *iccid);

struct store_party_info {
	int64_t id;
	char name[65];
	int64_t created;
	bool disabled;
};
int store_party_list(struct store *st, int kind,
    int (*cb)(void *arg, const struct store_party_info *p), void *arg);
/* Disable (revoke) by name: STK_E_NOT_FOUND, STK_E_STATE if already. */
int store_party_disable(struct store *st, int kind, const char *name);

struct store_session_info {
	char id[2 * STK_AUTH_SESSION_ID_LEN + 1];
	char account[65];
	char msisdn[17];
	int state;		/* enum srv_state */
	int result;		/* enum srv_result */
	char reason[161];
	int64_t created, expiry, completed;
	char client[64];
};
/* Newest first, at most limit (0: all); state < 0: every state. */
int store_session_list(struct store *st, int state, unsigned limit,
    int (*cb)(void *arg, const struct store_session_info *s), void *arg);

struct store_audit_entry {
	int64_t id, ts;
	char session_id[2 * STK_AUTH_SESSION_ID_LEN + 1];
	char account[65];
	char event[33];
	char result[33];
	char reason[161];
	char client[64];
};
struct store_audit_filter {
	int64_t since;		/* ms, 0: from the start */
	const char *account;	/* NULL: any */
	const char *result;	/* NULL: any */
	unsigned limit;		/* 0: all; else the newest limit, in order */
};
/* Oldest first (of the selection). */
int store_audit_list(struct store *st, const struct store_audit_filter *f,
    int (*cb)(void *arg, const struct store_audit_entry *e), void *arg);

/*
 * Bulk import of accounts and bindings, all or nothing.  Rows are staged
 * in a temporary table first (no lock on the database), checked against
 * each other as they come and against the database at the end, then
 * written in one short transaction.
 */
struct store_import;
int store_import_begin(struct store *st, struct store_import **out);
/*
 * Stage one row (msisdn NULL or "": account without binding).
 * STK_E_DUPLICATE when the account or the MSISDN repeats an earlier row;
 * *dup_line is then that row's line.
 */
int store_import_row(struct store_import *im, long line, const char *account,
    const char *msisdn, long *dup_line);
/*
 * Check the staged rows against the database: for each row whose account
 * exists or whose MSISDN is bound already, cb(arg, line, account, msisdn,
 * what) with what "account exists" or "MSISDN bound to another account";
 * *conflicts counts them (all are reported up to the callback's stop).
 */
int store_import_check(struct store_import *im,
    int (*cb)(void *arg, long line, const char *account, const char *msisdn,
    const char *what), void *arg, long *conflicts);
/* Write the staged rows (one transaction; now stamps them); *rows set. */
int store_import_commit(struct store_import *im, int64_t now, long *rows);
void store_import_free(struct store_import *im);

#endif
