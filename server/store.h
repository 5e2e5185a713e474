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

#define STORE_SCHEMA_VERSION 1

/* Open (create) the database at path, mode 0600, and migrate it. */
int store_open(const char *path, struct store **out);
void store_close(struct store *st);
/* PRAGMA user_version as found after migration. */
int store_schema_version(struct store *st);

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
 * from.  When to is COMPLETE, result, reason, response and cert are set,
 * the session's job is closed and completed stamped. */
int store_session_transition(struct store *st, const char *id, int from,
    int to, int result, const char *reason, const uint8_t *resp,
    size_t resp_len, const uint8_t *cert, size_t cert_len, int64_t now);
/* Up to max ids of sessions in state whose expiry (+ grace) is before
 * now, into ids[][17]; *n set. */
int store_session_overdue(struct store *st, int state, int64_t grace_ms,
    int64_t now, char (*ids)[2 * STK_AUTH_SESSION_ID_LEN + 1], size_t max,
    size_t *n);

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
 * Fixed-window counter: add one hit to key for the window containing now
 * and tell whether the count is above limit (*over).
 */
int store_rate_hit(struct store *st, const char *key, int64_t window_ms,
    unsigned limit, int64_t now, bool *over);

#endif
