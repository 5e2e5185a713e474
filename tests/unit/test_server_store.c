/*
 * test_server_store.c - the SQLite store (server/store.h): migrations,
 * parties and hashed secrets, accounts, the session compare-and-set,
 * job leases (claim, visibility timeout, re-claim, idempotent claims and
 * steps), result idempotency, rate windows, lockout, read batches, the
 * checkpoint thread.  Each test works on a fresh database in a temporary
 * directory; the clock is passed in.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "err.h"
#include "server.h"
#include "store.h"
#include "store_fixture.h"

/* the ids of the parties setup adds to the current test's store */
static struct {
	int64_t rp, br1, br2;
} P;

static const uint8_t K[32] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
	14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31 };

/* store_fixture.h's store with an API key, two bridges and alice's
 * binding and card */
static int
setup(void **state)
{
	struct store_fx *f = store_fx_open(sizeof(*f), "store");
	uint8_t h[32];

	memset(h, 1, 32);
	assert_int_equal(store_party_add(f->st, STORE_RP, "rp", h, 1, &P.rp),
	    STK_OK);
	memset(h, 2, 32);
	assert_int_equal(store_party_add(f->st, STORE_BRIDGE, "b1", h, 1,
	    &P.br1), STK_OK);
	memset(h, 3, 32);
	assert_int_equal(store_party_add(f->st, STORE_BRIDGE, "b2", h, 1,
	    &P.br2), STK_OK);
	assert_int_equal(store_binding_add(f->st, "alice", "+37255500001", 1),
	    STK_OK);
	assert_int_equal(store_card_enrol(f->st, "alice", "8944100000000123456",
	    K, sizeof(K), 1), STK_OK);
	*state = f;
	return 0;
}

/* A RUNNING session with a job, expiring at expiry. */
static void
mksession(struct store_fx *f, const char *id, int64_t now, int64_t expiry)
{
	struct store_session s;

	memset(&s, 0, sizeof(s));
	snprintf(s.id, sizeof(s.id), "%s", id);
	s.rp_id = P.rp;
	s.account_id = 1;
	snprintf(s.account, sizeof(s.account), "alice");
	snprintf(s.msisdn, sizeof(s.msisdn), "+37255500001");
	snprintf(s.iccid, sizeof(s.iccid), "8944100000000123456");
	snprintf(s.ticket, sizeof(s.ticket), "7Q2K9X");
	s.request_len = 3;
	memcpy(s.request, "\x01\x01\x00", 3);
	s.state = SRV_ST_RUNNING;
	s.created = now;
	s.expiry = expiry;
	assert_int_equal(store_session_insert(f->st, &s, true, now), STK_OK);
}

static void
test_migrations(void **state)
{
	struct store_fx *f = *state;
	struct store *again = NULL;
	struct stat sb;
	sqlite3 *db;

	assert_int_equal(store_schema_version(f->st), STORE_SCHEMA_VERSION);
	/* the file holds K_auth: 0600 */
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	/* reopening migrates nothing and keeps the data */
	assert_int_equal(store_open(f->path, &again), STK_OK);
	assert_int_equal(store_schema_version(again), STORE_SCHEMA_VERSION);
	store_close(again);
	/* WAL persists in the file */
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	{
		sqlite3_stmt *s = NULL;

		assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode",
		    -1, &s, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		assert_string_equal((const char *)sqlite3_column_text(s, 0),
		    "wal");
		sqlite3_finalize(s);
	}
	/* a database from a newer server is refused, not damaged */
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(f->path, &again), STK_E_UNSUPPORTED);
}

static void
test_wal_and_foreign_keys(void **state)
{
	struct store_fx *f = *state;
	struct store_session s;

	/* a session for a relying party that does not exist */
	memset(&s, 0, sizeof(s));
	snprintf(s.id, sizeof(s.id), "00000000000000AA");
	s.rp_id = 999;
	s.request_len = 1;
	assert_int_equal(store_session_insert(f->st, &s, true, 1),
	    STK_E_NOT_FOUND);
	assert_int_equal(store_session_get(f->st, s.id, &s), STK_E_NOT_FOUND);
	/* binding for an unknown account */
	assert_int_equal(store_binding_add(f->st, "nobody", "+3720", 1),
	    STK_E_NOT_FOUND);
	/* one MSISDN, one account */
	assert_int_equal(store_account_add(f->st, "bob", 1, NULL), STK_OK);
	assert_int_equal(store_binding_add(f->st, "bob", "+37255500001", 1),
	    STK_E_DUPLICATE);
	/* K_auth length enforced */
	assert_int_equal(store_card_enrol(f->st, "bob", "8944100000000123464",
	    K, 8, 1), STK_E_ARG);
}

static void
test_parties(void **state)
{
	struct store_fx *f = *state;
	uint8_t h[32];
	int64_t id;
	char name[65];

	memset(h, 2, 32);
	assert_int_equal(store_party_find(f->st, STORE_BRIDGE, h, &id, name),
	    STK_OK);
	assert_int_equal(id, P.br1);
	assert_string_equal(name, "b1");
	/* a bridge token is not an API key */
	assert_int_equal(store_party_find(f->st, STORE_RP, h, &id, name),
	    STK_E_NOT_FOUND);
	/* the same hash twice, or the same name twice */
	assert_int_equal(store_party_add(f->st, STORE_BRIDGE, "b3", h, 1, NULL),
	    STK_E_DUPLICATE);
	memset(h, 9, 32);
	assert_int_equal(store_party_add(f->st, STORE_BRIDGE, "b1", h, 1, NULL),
	    STK_E_DUPLICATE);
}

static void
test_account_lookup_and_lockout(void **state)
{
	struct store_fx *f = *state;
	struct store_account a;
	bool locked;

	assert_int_equal(store_account_get(f->st, NULL, "+37255500001", &a),
	    STK_OK);
	assert_string_equal(a.name, "alice");
	assert_string_equal(a.iccid, "8944100000000123456");
	assert_int_equal(a.kauth_len, 32);
	assert_memory_equal(a.kauth, K, 32);
	assert_int_equal(store_account_get(f->st, "nobody", NULL, &a),
	    STK_E_NOT_FOUND);
	/* three failures with max 3 lock for 1000 ms; the count restarts */
	assert_int_equal(store_account_fail(f->st, 1, 3, 1000, 5000, &locked),
	    STK_OK);
	assert_false(locked);
	assert_int_equal(store_account_fail(f->st, 1, 3, 1000, 5001, &locked),
	    STK_OK);
	assert_false(locked);
	assert_int_equal(store_account_fail(f->st, 1, 3, 1000, 5002, &locked),
	    STK_OK);
	assert_true(locked);
	assert_int_equal(store_account_get(f->st, "alice", NULL, &a), STK_OK);
	assert_int_equal(a.locked_until, 6002);
	assert_int_equal(a.failures, 0);
	/* a success resets; max 0 never locks */
	assert_int_equal(store_account_fail(f->st, 1, 3, 1000, 7000, &locked),
	    STK_OK);
	assert_int_equal(store_account_reset(f->st, 1), STK_OK);
	assert_int_equal(store_account_get(f->st, "alice", NULL, &a), STK_OK);
	assert_int_equal(a.failures, 0);
	for (int i = 0; i < 10; i++) {
		assert_int_equal(store_account_fail(f->st, 1, 0, 1000, 8000,
		    &locked), STK_OK);
		assert_false(locked);
	}
}

static void
test_session_cas(void **state)
{
	struct store_fx *f = *state;
	struct store_session s;
	static const uint8_t resp[] = { 1, 2, 3 }, cert[] = { 0x30, 0 };

	mksession(f, "0000000000000001", 1000, 5000);
	assert_int_equal(store_session_transition(f->st, "0000000000000001",
	    SRV_ST_RUNNING, SRV_ST_VERIFYING, SRV_RES_NONE, "", resp, 3, NULL,
	    0, 1100), STK_OK);
	/* a second result loses the compare-and-set */
	assert_int_equal(store_session_transition(f->st, "0000000000000001",
	    SRV_ST_RUNNING, SRV_ST_VERIFYING, SRV_RES_NONE, "", resp, 3, NULL,
	    0, 1101), STK_E_STATE);
	assert_int_equal(store_session_transition(f->st, "0000000000000001",
	    SRV_ST_VERIFYING, SRV_ST_COMPLETE, SRV_RES_OK, "fine", NULL, 0,
	    cert, 2, 1200), STK_OK);
	assert_int_equal(store_session_transition(f->st, "0000000000000001",
	    SRV_ST_VERIFYING, SRV_ST_COMPLETE, SRV_RES_CERT_INVALID, "late",
	    NULL, 0, NULL, 0, 1300), STK_E_STATE);
	assert_int_equal(store_session_get(f->st, "0000000000000001", &s),
	    STK_OK);
	assert_int_equal(s.state, SRV_ST_COMPLETE);
	assert_int_equal(s.result, SRV_RES_OK);
	assert_string_equal(s.reason, "fine");
	assert_int_equal(s.completed, 1200);
	assert_int_equal(s.response_len, 3);
	assert_memory_equal(s.response, resp, 3);
	assert_int_equal(s.cert_len, 2);
	store_session_clear(&s);
}

static void
test_overdue(void **state)
{
	struct store_fx *f = *state;
	char ids[4][2 * STK_AUTH_SESSION_ID_LEN + 1];
	size_t n;

	mksession(f, "0000000000000001", 1000, 5000);
	mksession(f, "0000000000000002", 1000, 9000);
	assert_int_equal(store_session_overdue(f->st, SRV_ST_RUNNING, 0, 5000,
	    ids, 4, &n), STK_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_session_overdue(f->st, SRV_ST_RUNNING, 0, 5001,
	    ids, 4, &n), STK_OK);
	assert_int_equal(n, 1);
	assert_string_equal(ids[0], "0000000000000001");
	/* grace */
	assert_int_equal(store_session_overdue(f->st, SRV_ST_RUNNING, 5000,
	    9001, ids, 4, &n), STK_OK);
	assert_int_equal(n, 0);
}

static void
test_lease_expiry_and_reclaim(void **state)
{
	struct store_fx *f = *state;
	struct store_job j[4];
	size_t n;
	char lease1[33];

	mksession(f, "0000000000000001", 1000, 60000);
	assert_int_equal(store_job_claim(f->st, P.br1, "", 5, 1000, 2000, j,
	    &n), STK_OK);
	assert_int_equal(n, 1);
	assert_string_equal(j[0].id, "0000000000000001");
	assert_string_equal(j[0].msisdn, "+37255500001");
	assert_int_equal(j[0].lease_until, 3000);
	assert_int_equal(j[0].attempts, 1);
	assert_int_equal(strlen(j[0].lease_id), 32);
	snprintf(lease1, sizeof(lease1), "%s", j[0].lease_id);
	/* leased: invisible to others until the lease runs out */
	assert_int_equal(store_job_claim(f->st, P.br2, "", 5, 1000, 2999, j,
	    &n), STK_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_job_claim(f->st, P.br2, "", 5, 1000, 3000, j,
	    &n), STK_OK);
	assert_int_equal(n, 1);
	assert_int_equal(j[0].attempts, 2);
	assert_string_not_equal(j[0].lease_id, lease1);
	/* the old holder lost it */
	assert_int_equal(store_job_advance(f->st, "0000000000000001", P.br1,
	    lease1, JOB_SENT, NULL, 3100), STK_E_STATE);
	assert_int_equal(store_job_advance(f->st, "0000000000000001", P.br2,
	    j[0].lease_id, JOB_SENT, NULL, 3100), STK_OK);
	/* sent: never claimable again, even after the lease */
	assert_int_equal(store_job_claim(f->st, P.br1, "", 5, 1000, 50000, j,
	    &n), STK_OK);
	assert_int_equal(n, 0);
}

/* One claim takes the leases that ran out first, then the queue in the
 * order it was filled, no more than asked; expired sessions' jobs never. */
static void
test_claim_order(void **state)
{
	struct store_fx *f = *state;
	struct store_job j[4];
	size_t n;

	mksession(f, "00000000000000C3", 1000, 60000);
	mksession(f, "00000000000000A1", 1001, 60000);
	mksession(f, "00000000000000B2", 1002, 1500);	/* expires first */
	mksession(f, "00000000000000D4", 1003, 60000);
	assert_int_equal(store_job_claim(f->st, P.br1, "", 1, 1000, 2000, j,
	    &n), STK_OK);
	assert_int_equal(n, 1);
	assert_string_equal(j[0].id, "00000000000000C3");
	/* C3's lease ran out at 3000; B2's session at 1500 */
	assert_int_equal(store_job_claim(f->st, P.br2, "", 2, 1000, 3000, j,
	    &n), STK_OK);
	assert_int_equal(n, 2);
	assert_string_equal(j[0].id, "00000000000000C3");
	assert_int_equal(j[0].attempts, 2);
	assert_string_equal(j[1].id, "00000000000000A1");
	assert_int_equal(store_job_claim(f->st, P.br2, "", 4, 1000, 3000, j,
	    &n), STK_OK);
	assert_int_equal(n, 1);
	assert_string_equal(j[0].id, "00000000000000D4");
}

static void
test_claim_idempotent_and_expired(void **state)
{
	struct store_fx *f = *state;
	struct store_job a[4], b[4];
	size_t na, nb;

	mksession(f, "0000000000000001", 1000, 60000);
	mksession(f, "0000000000000002", 1000, 1500);	/* expires soon */
	assert_int_equal(store_job_claim(f->st, P.br1, "c-1", 5, 10000, 2000,
	    a, &na), STK_OK);
	assert_int_equal(na, 1);	/* the expired session's job is not */
	assert_string_equal(a[0].id, "0000000000000001");
	mksession(f, "0000000000000003", 1000, 60000);
	/* the retried claim returns what it holds, takes nothing new */
	assert_int_equal(store_job_claim(f->st, P.br1, "c-1", 5, 10000, 2100,
	    b, &nb), STK_OK);
	assert_int_equal(nb, 1);
	assert_string_equal(b[0].lease_id, a[0].lease_id);
	/* another claim id takes the new job */
	assert_int_equal(store_job_claim(f->st, P.br1, "c-2", 5, 10000, 2100,
	    b, &nb), STK_OK);
	assert_int_equal(nb, 1);
	assert_string_equal(b[0].id, "0000000000000003");
	/* max is honoured */
	mksession(f, "0000000000000004", 1000, 60000);
	mksession(f, "0000000000000005", 1000, 60000);
	assert_int_equal(store_job_claim(f->st, P.br2, "", 1, 10000, 2200, b,
	    &nb), STK_OK);
	assert_int_equal(nb, 1);
}

static void
test_job_steps(void **state)
{
	struct store_fx *f = *state;
	struct store_job j[1];
	size_t n;
	const char *id = "0000000000000001";

	mksession(f, id, 1000, 60000);
	assert_int_equal(store_job_claim(f->st, P.br1, "", 1, 10000, 2000, j,
	    &n), STK_OK);
	assert_int_equal(store_job_advance(f->st, id, P.br1, j[0].lease_id,
	    JOB_DELIVERED, NULL, 2100), STK_OK);
	/* SENT after DELIVERED: already past it, a no-op */
	assert_int_equal(store_job_advance(f->st, id, P.br1, j[0].lease_id,
	    JOB_SENT, NULL, 2200), STK_OK);
	assert_int_equal(store_job_get(f->st, id, &j[0]), STK_OK);
	assert_int_equal(j[0].state, JOB_DELIVERED);
	assert_int_equal(store_job_advance(f->st, id, P.br1, j[0].lease_id,
	    JOB_FAILED, "PoR", 2300), STK_OK);
	assert_int_equal(store_job_advance(f->st, id, P.br1, j[0].lease_id,
	    JOB_FAILED, "PoR", 2300), STK_OK);
	assert_int_equal(store_job_advance(f->st, id, P.br1, j[0].lease_id,
	    JOB_DELIVERED, NULL, 2400), STK_E_STATE);
	/* wrong bridge, unknown job */
	assert_int_equal(store_job_advance(f->st, id, P.br2, j[0].lease_id,
	    JOB_SENT, NULL, 2400), STK_E_STATE);
	assert_int_equal(store_job_advance(f->st, "00000000000000FF", P.br1,
	    "x", JOB_SENT, NULL, 2400), STK_E_NOT_FOUND);
	/* completing the session closes the job; steps then are no-ops */
	assert_int_equal(store_session_transition(f->st, id, SRV_ST_RUNNING,
	    SRV_ST_COMPLETE, SRV_RES_SIM_ERROR, "PoR", NULL, 0, NULL, 0, 2500),
	    STK_OK);
	assert_int_equal(store_job_get(f->st, id, &j[0]), STK_OK);
	assert_int_equal(j[0].state, JOB_FAILED);
}

static void
test_results_idempotent(void **state)
{
	struct store_fx *f = *state;
	int status;
	char *body = NULL;

	assert_int_equal(store_result_get(f->st, P.br1, "r1", &status, &body),
	    STK_E_NOT_FOUND);
	assert_int_equal(store_result_put(f->st, P.br1, "r1", 202, "{}", 1),
	    STK_OK);
	assert_int_equal(store_result_put(f->st, P.br1, "r1", 409, "{}", 2),
	    STK_E_DUPLICATE);
	assert_int_equal(store_result_get(f->st, P.br1, "r1", &status, &body),
	    STK_OK);
	assert_int_equal(status, 202);
	assert_string_equal(body, "{}");
	free(body);
	/* result ids are per bridge */
	assert_int_equal(store_result_put(f->st, P.br2, "r1", 404, "{}", 1),
	    STK_OK);
}

static void
test_rate_windows(void **state)
{
	struct store_fx *f = *state;
	bool over;

	for (int i = 0; i < 3; i++) {
		assert_int_equal(store_rate_hit(f->st, "addr:x", 60000, 3,
		    60000 + i, &over), STK_OK);
		assert_false(over);
	}
	assert_int_equal(store_rate_hit(f->st, "addr:x", 60000, 3, 60010,
	    &over), STK_OK);
	assert_true(over);
	/* other keys are separate; a new window starts afresh */
	assert_int_equal(store_rate_hit(f->st, "addr:y", 60000, 3, 60010,
	    &over), STK_OK);
	assert_false(over);
	assert_int_equal(store_rate_hit(f->st, "addr:x", 60000, 3, 120000,
	    &over), STK_OK);
	assert_false(over);
	/* limit 0: off */
	for (int i = 0; i < 5; i++) {
		assert_int_equal(store_rate_hit(f->st, "addr:z", 60000, 0, 1,
		    &over), STK_OK);
		assert_false(over);
	}
}

/*
 * Nested transactions: an inner call's failure undoes its own writes
 * only (SAVEPOINT); the outer rollback undoes everything; a commit
 * keeps everything.  The VERIFYING listing of a start and the gauges.
 */
static void
test_tx_nesting_and_verifying(void **state)
{
	struct store_fx *f = *state;
	struct store_tx outer;
	struct store_session s;
	char ids[4][2 * STK_AUTH_SESSION_ID_LEN + 1];
	int64_t n = 0, ns[2], nj[4];
	size_t k = 0;

	assert_int_equal(store_tx_begin(f->st, &outer), STK_OK);
	assert_true(outer.outer);
	mksession(f, "00000000000000A1", 1000, 100000);
	/* the same id again fails inside: the first insert stays */
	memset(&s, 0, sizeof(s));
	snprintf(s.id, sizeof(s.id), "00000000000000A1");
	s.rp_id = P.rp;
	assert_int_equal(store_session_insert(f->st, &s, true, 1000),
	    STK_E_DUPLICATE);
	assert_int_equal(store_audit(f->st, 1000, "00000000000000A1", "alice",
	    "tx-test", NULL, NULL, NULL), STK_OK);
	assert_int_equal(store_tx_end(f->st, &outer, false), STK_OK);
	assert_int_equal(store_session_get(f->st, "00000000000000A1", &s),
	    STK_E_NOT_FOUND);
	assert_int_equal(store_audit_count(f->st, "tx-test", &n), STK_OK);
	assert_int_equal(n, 0);

	assert_int_equal(store_tx_begin(f->st, &outer), STK_OK);
	mksession(f, "00000000000000A1", 1000, 100000);
	mksession(f, "00000000000000A2", 1000, 100000);
	mksession(f, "00000000000000A3", 1000, 100000);
	assert_int_equal(store_tx_end(f->st, &outer, true), STK_OK);
	/* RUNNING -> VERIFYING stamps received */
	assert_int_equal(store_session_transition(f->st, "00000000000000A1",
	    SRV_ST_RUNNING, SRV_ST_VERIFYING, SRV_RES_NONE, "",
	    (const uint8_t *)"\x01", 1, NULL, 0, 2000), STK_OK);
	assert_int_equal(store_session_transition(f->st, "00000000000000A2",
	    SRV_ST_RUNNING, SRV_ST_VERIFYING, SRV_RES_NONE, "",
	    (const uint8_t *)"\x01", 1, NULL, 0, 5000), STK_OK);
	assert_int_equal(store_session_get(f->st, "00000000000000A1", &s),
	    STK_OK);
	assert_int_equal(s.received, 2000);
	store_session_clear(&s);
	/* a start at 3000 re-verifies A1 only; paging by id */
	assert_int_equal(store_session_verifying(f->st, 3000, "", ids, 4, &k),
	    STK_OK);
	assert_int_equal(k, 1);
	assert_string_equal(ids[0], "00000000000000A1");
	assert_int_equal(store_session_verifying(f->st, 9000, ids[0], ids, 4,
	    &k), STK_OK);
	assert_int_equal(k, 1);
	assert_string_equal(ids[0], "00000000000000A2");
	assert_int_equal(store_open_counts(f->st, ns, nj), STK_OK);
	assert_int_equal(ns[0], 1);	/* A3 RUNNING */
	assert_int_equal(ns[1], 2);
	assert_int_equal(nj[JOB_QUEUED], 3);
}

static void
test_audit(void **state)
{
	struct store_fx *f = *state;
	int64_t n = -1;

	assert_int_equal(store_audit(f->st, 1, "S", "alice", "e1", "OK", "r",
	    "127.0.0.1"), STK_OK);
	assert_int_equal(store_audit(f->st, 2, NULL, NULL, "e2", NULL, NULL,
	    NULL), STK_OK);
	assert_int_equal(store_audit_count(f->st, "e1", &n), STK_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_audit_count(f->st, NULL, &n), STK_OK);
	assert_int_equal(n, 2);
}

static void
count_open(void *arg)
{
	(*(int *)arg)++;
}

/* Read batches (store.h store_read_batching): the reads share one
 * snapshot until store_read_end, and a write - bare or in a store_tx -
 * succeeds although another connection committed since that snapshot
 * (inside the read transaction SQLite would answer SQLITE_BUSY_SNAPSHOT). */
static void
test_read_batch(void **state)
{
	struct store_fx *f = *state;
	struct store *other;
	struct store_tx tx;
	int64_t n0 = -1, n = -1;
	int opened = 0;

	assert_int_equal(store_open(f->path, &other), STK_OK);
	store_read_batching(f->st, count_open, &opened);
	assert_int_equal(store_audit_count(f->st, NULL, &n0), STK_OK);
	assert_int_equal(opened, 1);
	assert_int_equal(store_audit(other, 1, NULL, NULL, "elsewhere", NULL,
	    NULL, NULL), STK_OK);
	assert_int_equal(store_audit_count(f->st, NULL, &n), STK_OK);
	assert_int_equal(n, n0);	/* the batch's snapshot */
	assert_int_equal(opened, 1);

	/* a bare write ends the batch first */
	assert_int_equal(store_audit(f->st, 2, NULL, NULL, "here", NULL, NULL,
	    NULL), STK_OK);
	assert_int_equal(store_audit_count(f->st, NULL, &n), STK_OK);
	assert_int_equal(n, n0 + 2);
	assert_int_equal(opened, 2);

	/* so does a transaction: BEGIN IMMEDIATE, not a savepoint */
	assert_int_equal(store_audit(other, 3, NULL, NULL, "elsewhere", NULL,
	    NULL, NULL), STK_OK);
	assert_int_equal(store_tx_begin(f->st, &tx), STK_OK);
	assert_true(tx.outer);
	assert_int_equal(store_audit(f->st, 4, NULL, NULL, "here", NULL, NULL,
	    NULL), STK_OK);
	assert_int_equal(store_audit_count(f->st, NULL, &n), STK_OK);
	assert_int_equal(n, n0 + 4);
	assert_int_equal(opened, 2);	/* reads inside a tx open none */
	assert_int_equal(store_tx_end(f->st, &tx, true), STK_OK);

	/* store_read_end: the next read sees the other's commit */
	assert_int_equal(store_audit_count(f->st, NULL, &n), STK_OK);
	assert_int_equal(opened, 3);
	assert_int_equal(store_audit(other, 5, NULL, NULL, "elsewhere", NULL,
	    NULL, NULL), STK_OK);
	assert_int_equal(store_read_end(f->st), STK_OK);
	assert_int_equal(store_audit_count(f->st, NULL, &n), STK_OK);
	assert_int_equal(n, n0 + 5);
	assert_int_equal(opened, 4);

	/* off: no batch, every read sees the latest commit */
	assert_int_equal(store_read_end(f->st), STK_OK);
	store_read_batching(f->st, NULL, NULL);
	assert_int_equal(store_audit_count(f->st, NULL, &n), STK_OK);
	assert_int_equal(store_audit(other, 6, NULL, NULL, "elsewhere", NULL,
	    NULL, NULL), STK_OK);
	assert_int_equal(store_audit_count(f->st, NULL, &n), STK_OK);
	assert_int_equal(n, n0 + 6);
	assert_int_equal(opened, 4);
	store_close(other);
}

/* The frames in the WAL of the database at path (a connection of the
 * test's own, whose PASSIVE checkpoint finds nothing left to copy). */
static int
wal_frames(const char *path)
{
	sqlite3 *db = NULL;
	int frames = -1, copied = -1;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL,
	    NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_wal_checkpoint_v2(db, NULL,
	    SQLITE_CHECKPOINT_PASSIVE, &frames, &copied), SQLITE_OK);
	sqlite3_close(db);
	return frames;
}

/* Audit rows of a page or so each, in one commit. */
static void
fill_pages(struct store *st, int rows)
{
	struct store_tx tx;
	char reason[3000];

	memset(reason, 'r', sizeof(reason) - 1);
	reason[sizeof(reason) - 1] = '\0';
	assert_int_equal(store_tx_begin(st, &tx), STK_OK);
	for (int i = 0; i < rows; i++)
		assert_int_equal(store_audit(st, i, NULL, NULL, "big", NULL,
		    reason, NULL), STK_OK);
	assert_int_equal(store_tx_end(st, &tx, true), STK_OK);
}

/* Wait (at most 5 s) until the thread's copies reach want. */
static void
wait_copies(struct store *st, uint64_t want)
{
	uint64_t runs[2] = { 0, 0 }, failed = 0;

	for (int i = 0; i < 500; i++) {
		store_checkpoint_stats(st, runs, &failed);
		if (runs[STORE_CKPT_COPY] >= want)
			break;
		usleep(10000);
	}
	assert_int_equal(runs[STORE_CKPT_COPY], want);
}

static off_t
file_size(const char *path)
{
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	return sb.st_size;
}

/* store_checkpoints_offload: a commit that takes the WAL past 1,000
 * pages wakes the checkpoint thread, which copies them into the database
 * file (until then it holds only the schema).  A reader holding an old
 * snapshot keeps the copy from getting anywhere; once it is gone, the
 * next commit finishes the checkpoint on the caller's thread and the
 * write after that starts the WAL over.  A copy that got everything
 * needs no finish.  store_close stops the thread (the sanitizer build
 * checks that nothing leaks). */
static void
test_checkpoint_thread(void **state)
{
	struct store_fx *f = *state;
	uint64_t runs[2] = { 1, 1 }, failed = 1;
	sqlite3 *reader = NULL;
	int64_t n = 0;

	store_checkpoint_stats(f->st, runs, &failed);
	assert_true(runs[0] == 0 && runs[1] == 0 && failed == 0);
	assert_int_equal(store_checkpoints_offload(f->st), STK_OK);

	/* a reader's snapshot from before the pages */
	assert_int_equal(sqlite3_open(f->path, &reader), SQLITE_OK);
	assert_int_equal(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM "
	    "audit", NULL, NULL, NULL), SQLITE_OK);
	fill_pages(f->st, 1200);
	wait_copies(f->st, 1);
	assert_true(file_size(f->path) < 1000 * 1024);	/* nothing copied */
	assert_true(wal_frames(f->path) >= 1000);
	sqlite3_exec(reader, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(reader);

	/* the finish, then a WAL started over */
	assert_int_equal(store_audit(f->st, 1, NULL, NULL, "small", NULL, NULL,
	    NULL), STK_OK);
	store_checkpoint_stats(f->st, runs, &failed);
	assert_int_equal(runs[STORE_CKPT_FINISH], 1);
	assert_true(file_size(f->path) >= 1200 * 3000);
	assert_int_equal(store_audit(f->st, 2, NULL, NULL, "small", NULL, NULL,
	    NULL), STK_OK);
	assert_true(wal_frames(f->path) < 10);

	/* a copy of everything: the next write starts the WAL over */
	fill_pages(f->st, 1200);
	wait_copies(f->st, 2);
	assert_int_equal(store_audit(f->st, 3, NULL, NULL, "small", NULL, NULL,
	    NULL), STK_OK);
	assert_true(wal_frames(f->path) < 10);
	store_checkpoint_stats(f->st, runs, &failed);
	assert_int_equal(runs[STORE_CKPT_FINISH], 1);
	assert_int_equal(failed, 0);
	assert_int_equal(store_audit_count(f->st, "big", &n), STK_OK);
	assert_int_equal(n, 2400);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		STORE_FX_TEST(test_migrations, setup),
		STORE_FX_TEST(test_wal_and_foreign_keys, setup),
		STORE_FX_TEST(test_parties, setup),
		STORE_FX_TEST(test_account_lookup_and_lockout, setup),
		STORE_FX_TEST(test_session_cas, setup),
		STORE_FX_TEST(test_overdue, setup),
		STORE_FX_TEST(test_lease_expiry_and_reclaim, setup),
		STORE_FX_TEST(test_claim_order, setup),
		STORE_FX_TEST(test_claim_idempotent_and_expired, setup),
		STORE_FX_TEST(test_job_steps, setup),
		STORE_FX_TEST(test_results_idempotent, setup),
		STORE_FX_TEST(test_rate_windows, setup),
		STORE_FX_TEST(test_audit, setup),
		STORE_FX_TEST(test_tx_nesting_and_verifying, setup),
		STORE_FX_TEST(test_read_batch, setup),
		STORE_FX_TEST(test_checkpoint_thread, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
