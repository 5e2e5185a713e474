/*
 * store_sqlite.c - store.h over SQLite.
 *
 * Why on the event loop and not on a thread of its own: every statement
 * is a primary-key or unique-index lookup or a short indexed update, in
 * WAL mode (readers never wait for the writer) and in short transactions,
 * so a call takes well under a millisecond; busy_timeout (250 ms) bounds
 * the wait when another process holds the write lock.  The slow work
 * (LDAP, certificate validation, signatures) is on the worker threads of
 * verify.c, which never touch the database.
 *
 * Schema changes are migrations: migrations[i] takes user_version i to
 * i + 1, inside one transaction with the version bump.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "err.h"
#include "log.h"
#include "server.h"
#include "store.h"
#include "store_internal.h"

static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE relying_parties ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  key_hash BLOB NOT NULL UNIQUE CHECK (length(key_hash) = 32),"
	"  disabled INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE bridges ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),"
	"  disabled INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE accounts ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  failures INTEGER NOT NULL DEFAULT 0,"
	"  locked_until INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE msisdn_bindings ("
	"  msisdn TEXT PRIMARY KEY,"
	"  account_id INTEGER NOT NULL UNIQUE REFERENCES accounts(id)"
	"    ON DELETE CASCADE,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE cards ("
	"  iccid TEXT PRIMARY KEY,"
	"  account_id INTEGER NOT NULL UNIQUE REFERENCES accounts(id)"
	"    ON DELETE CASCADE,"
	"  k_auth BLOB NOT NULL CHECK (length(k_auth) BETWEEN 16 AND 64),"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE sessions ("
	"  id TEXT PRIMARY KEY,"
	"  rp_id INTEGER NOT NULL REFERENCES relying_parties(id),"
	"  account_id INTEGER REFERENCES accounts(id),"
	"  account TEXT NOT NULL, msisdn TEXT NOT NULL, iccid TEXT NOT NULL,"
	"  ticket TEXT NOT NULL,"
	"  request BLOB NOT NULL,"
	"  hash_type INTEGER NOT NULL DEFAULT 0,"
	"  hash BLOB, hash_salt BLOB,"
	"  state INTEGER NOT NULL, result INTEGER NOT NULL,"
	"  reason TEXT NOT NULL DEFAULT '',"
	"  created INTEGER NOT NULL, expiry INTEGER NOT NULL,"
	"  completed INTEGER NOT NULL DEFAULT 0,"
	"  response BLOB, cert BLOB,"
	"  client TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX sessions_state_expiry ON sessions(state, expiry);"
	"CREATE TABLE jobs ("
	"  id TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,"
	"  state INTEGER NOT NULL,"
	"  bridge_id INTEGER REFERENCES bridges(id),"
	"  claim_id TEXT NOT NULL DEFAULT '',"
	"  lease_id TEXT NOT NULL DEFAULT '',"
	"  lease_until INTEGER NOT NULL DEFAULT 0,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  detail TEXT NOT NULL DEFAULT '',"
	"  created INTEGER NOT NULL, updated INTEGER NOT NULL);"
	"CREATE INDEX jobs_state ON jobs(state, lease_until);"
	"CREATE TABLE bridge_results ("
	"  bridge_id INTEGER NOT NULL REFERENCES bridges(id),"
	"  result_id TEXT NOT NULL,"
	"  status INTEGER NOT NULL, body TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  PRIMARY KEY (bridge_id, result_id));"
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY,"
	"  ts INTEGER NOT NULL, session_id TEXT, account TEXT,"
	"  event TEXT NOT NULL, result TEXT, reason TEXT, client TEXT);"
	"CREATE TABLE rate_counters ("
	"  key TEXT PRIMARY KEY, window_start INTEGER NOT NULL,"
	"  count INTEGER NOT NULL);",
	/* 1 -> 2 (admin): account passwords, password.h strings; NULL none */
	"ALTER TABLE accounts ADD COLUMN password_hash TEXT;"
	"CREATE INDEX audit_ts ON audit(ts);"
	"CREATE INDEX audit_account ON audit(account, ts);",
	/* 2 -> 3: when the result of a VERIFYING session arrived (ms), so
	 * that a restarted server re-verifies it as of that time */
	"ALTER TABLE sessions ADD COLUMN received INTEGER NOT NULL "
	"DEFAULT 0;",
};

#define NMIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))
_Static_assert(NMIGRATIONS == STORE_SCHEMA_VERSION,
    "one migration per schema version");

/*
 * Statements are prepared once and kept on the connection: parsing and
 * planning cost more than running most of these (a fifth of the
 * server's CPU per login, docs/PERFORMANCE.md "Server").  stmt_get finds
 * the statement of a SQL literal in st->stmts by the literal's address
 * (store_internal.h) or prepares it there; crel resets it and clears its
 * bindings instead of finalizing it, so it holds no lock and no read
 * snapshot.  A statement still busy (a caller holding the same text one
 * level up: none does today) gets a second copy, left on the connection
 * for store_close.  sql must be a string literal.
 */
static int
stmt_get(struct store *st, const char *sql, sqlite3_stmt **stmt)
{
	size_t i = ((uintptr_t)sql >> 3) % STORE_STMT_SLOTS;

	for (size_t k = 0; k < STORE_STMT_SLOTS; k++,
	    i = (i + 1) % STORE_STMT_SLOTS) {
		struct store_stmt_slot *sl = &st->stmts[i];

		if (sl->sql == sql) {
			if (sqlite3_stmt_busy(sl->stmt))
				break;
			*stmt = sl->stmt;
			return STK_OK;
		}
		if (sl->sql != NULL)
			continue;
		if (sqlite3_prepare_v3(st->d.db, sql, -1,
		    SQLITE_PREPARE_PERSISTENT, stmt, NULL) != SQLITE_OK)
			return dberr(st, "prepare");
		sl->sql = sql;
		sl->stmt = *stmt;
		return STK_OK;
	}
	if (sqlite3_prepare_v3(st->d.db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    stmt, NULL) != SQLITE_OK)
		return dberr(st, "prepare");
	return STK_OK;
}

static void
crel(sqlite3_stmt *s)
{
	if (s == NULL)
		return;
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

/* Run one kept statement that returns no rows (BEGIN, COMMIT...). */
static int
cexec(struct store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = stmt_get(st, sql, &s)) == STK_OK)
		rc = step_done(st, s);
	crel(s);
	return rc;
}

/*
 * Read batches (store.h store_read_batching).  A query that only reads,
 * run while no transaction is open, opens a deferred one ("BEGIN": the
 * read snapshot is taken by the query itself) and tells the owner, who
 * ends it with store_read_end; the queries after it ride the same
 * snapshot instead of each taking and dropping the WAL read lock (two
 * fcntl calls and a look at the shared WAL index each).
 *
 * A write never runs inside one: SQLite would have to upgrade the read
 * snapshot to the write lock, which fails (SQLITE_BUSY_SNAPSHOT, no
 * retry helps) when another connection committed since the snapshot.
 * So every path that may write ends the read batch first: a statement
 * that is not read-only (cprep), store_tx_begin, and the generic
 * helpers of store_internal.h.
 */
static const char sql_read_begin[] = "BEGIN";

void
store_read_batching(struct store *st, void (*opened)(void *), void *arg)
{
	st->read_opened = opened;
	st->read_arg = arg;
}

int
store_read_end(struct store *st)
{
	if (!st->read_open)
		return STK_OK;
	st->read_open = false;
	/* a failed statement may have rolled it back already */
	if (sqlite3_get_autocommit(st->d.db))
		return STK_OK;
	return cexec(st, "COMMIT");
}

static int
read_guard(struct store *st, sqlite3_stmt *stmt)
{
	int rc;

	if (!sqlite3_stmt_readonly(stmt))
		return store_read_end(st);
	if (st->read_opened == NULL || st->read_open ||
	    !sqlite3_get_autocommit(st->d.db))
		return STK_OK;
	if ((rc = cexec(st, sql_read_begin)) != STK_OK)
		return rc;
	st->read_open = true;
	st->read_opened(st->read_arg);
	return STK_OK;
}

/* A kept statement for sql (stmt_get), after read_guard. */
static int
cprep(struct store *st, const char *sql, sqlite3_stmt **stmt)
{
	int rc = stmt_get(st, sql, stmt);

	if (rc == STK_OK && (rc = read_guard(st, *stmt)) != STK_OK)
		crel(*stmt);
	return rc;
}

/*
 * Transactions that nest (store.h store_tx_begin): the outermost is
 * BEGIN IMMEDIATE (the write lock at once, so the reads of the
 * transaction see the state its writes change), one inside another
 * transaction - ours or a caller's store_begin - a SAVEPOINT, so that a
 * failed inner call undoes its own writes and leaves the caller's.
 */
int
store_tx_begin(struct store *st, struct store_tx *tx)
{
	int rc;

	tx->open = false;
	if ((rc = store_read_end(st)) != STK_OK)
		return rc;
	tx->outer = sqlite3_get_autocommit(st->d.db) != 0;
	rc = cexec(st, tx->outer ? "BEGIN IMMEDIATE" : "SAVEPOINT store_tx");
	if (rc == STK_OK)
		tx->open = true;
	return rc;
}

int
store_tx_end(struct store *st, struct store_tx *tx, bool commit)
{
	int rc = STK_OK;

	if (!tx->open)
		return STK_OK;
	tx->open = false;
	if (commit) {
		rc = cexec(st, tx->outer ? "COMMIT" : "RELEASE store_tx");
		if (rc == STK_OK)
			return STK_OK;
	}
	if (tx->outer) {
		if (!sqlite3_get_autocommit(st->d.db))
			cexec(st, "ROLLBACK");
	} else if (cexec(st, "ROLLBACK TO store_tx") == STK_OK)
		cexec(st, "RELEASE store_tx");
	return commit ? (rc != STK_OK ? rc : STK_E_IO) : STK_OK;
}

int64_t
store_changes(struct store *st)
{
	return sqlite3_total_changes64(st->d.db);
}

/* End tx: commit when *rc is STK_OK (a failed commit becomes *rc),
 * roll back otherwise. */
static void
tx_finish(struct store *st, struct store_tx *tx, int *rc)
{
	int r = store_tx_end(st, tx, *rc == STK_OK);

	if (*rc == STK_OK)
		*rc = r;
}

static int
migrate(struct store *st)
{
	int ver = store_schema_version(st), rc;

	if (ver < 0 || (size_t)ver > NMIGRATIONS) {
		log_error("store: schema version %d is newer than this server "
		    "(%d)", ver, STORE_SCHEMA_VERSION);
		return STK_E_UNSUPPORTED;
	}
	for (size_t v = (size_t)ver; v < NMIGRATIONS; v++) {
		char bump[64];

		if ((rc = exec(st, "BEGIN IMMEDIATE")) != STK_OK)
			return rc;
		/* PRAGMA takes no bound parameters; v is our own counter */
		snprintf(bump, sizeof(bump), "PRAGMA user_version = %zu", v + 1);
		if ((rc = exec(st, migrations[v])) != STK_OK ||
		    (rc = exec(st, bump)) != STK_OK) {
			exec(st, "ROLLBACK");
			return rc;
		}
		if ((rc = exec(st, "COMMIT")) != STK_OK)
			return rc;
		log_info("store: migrated schema to version %zu", v + 1);
	}
	return STK_OK;
}

int
store_open(const char *path, struct store **out)
{
	struct store *st;
	int rc;
	mode_t old;

	/*
	 * No memory statistics: with them every allocation of SQLite's
	 * takes a process-wide mutex (2.7 % of the server's CPU under the
	 * authentication benchmark).  Only possible before SQLite
	 * initialises; later calls fail harmlessly (SQLITE_MISUSE).
	 */
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return STK_E_NOMEM;
	st->d.who = "store";
	/* K_auth lives here: the file is created 0600 and kept so. */
	old = umask(077);
	/* one thread per handle (store.h): no mutex around every call */
	rc = sqlite3_open_v2(path, &st->d.db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	umask(old);
	if (rc != SQLITE_OK) {
		log_error("store: %s: %s", path,
		    st->d.db ? sqlite3_errmsg(st->d.db) : "cannot open");
		rc = STK_E_IO;
		goto out;
	}
	if (chmod(path, 0600) != 0) {
		log_error("store: chmod 0600 %s failed", path);
		rc = STK_E_IO;
		goto out;
	}
	sqlite3_busy_timeout(st->d.db, 250);
	if ((rc = exec(st, "PRAGMA journal_mode = WAL")) != STK_OK ||
	    (rc = exec(st, "PRAGMA foreign_keys = ON")) != STK_OK ||
	    (rc = exec(st, "PRAGMA synchronous = NORMAL")) != STK_OK ||
	    /* the statement journals of nested transactions (SAVEPOINTs
	     * inside the server's group commit, batch.c) in memory, not in
	     * a temporary file opened, written and removed per request */
	    (rc = exec(st, "PRAGMA temp_store = MEMORY")) != STK_OK ||
	    (rc = migrate(st)) != STK_OK)
		goto out;
	*out = st;
	st = NULL;
	rc = STK_OK;
 out:
	store_close(st);
	return rc;
}

void
store_close(struct store *st)
{
	sqlite3_stmt *s;

	if (st == NULL)
		return;
	if (st->ckpt_stop)
		st->ckpt_stop(st);
	/* the statements cprep kept (and any other left open) */
	while (st->d.db && (s = sqlite3_next_stmt(st->d.db, NULL)) != NULL)
		sqlite3_finalize(s);
	sqlite3_close_v2(st->d.db);
	free(st);
}

int
store_schema_version(struct store *st)
{
	sqlite3_stmt *s = NULL;
	int v = -1;

	if (cprep(st, "PRAGMA user_version", &s) == STK_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	crel(s);
	return v;
}

/* ---- parties ------------------------------------------------------- */

int
store_party_add(struct store *st, int kind, const char *name,
    const uint8_t hash[32], int64_t now, int64_t *id)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = cprep(st, kind == STORE_RP ?
	    "INSERT INTO relying_parties (name, key_hash, created) "
	    "VALUES (?, ?, ?)" :
	    "INSERT INTO bridges (name, token_hash, created) VALUES (?, ?, ?)",
	    &s);
	if (rc != STK_OK)
		goto out;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(s, 2, hash, 32, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, now);
	if ((rc = step_done(st, s)) == STK_OK && id)
		*id = sqlite3_last_insert_rowid(st->d.db);
 out:
	crel(s);
	return rc;
}

int
store_party_find(struct store *st, int kind, const uint8_t hash[32],
    int64_t *id, char name[65])
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = cprep(st, kind == STORE_RP ?
	    "SELECT id, name FROM relying_parties "
	    "WHERE key_hash = ? AND disabled = 0" :
	    "SELECT id, name FROM bridges WHERE token_hash = ? AND disabled = 0",
	    &s);
	if (rc != STK_OK)
		goto out;
	sqlite3_bind_blob(s, 1, hash, 32, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		sqldb_col_text(s, 1, name, 65);
		rc = STK_OK;
	} else
		rc = (rc == SQLITE_DONE) ? STK_E_NOT_FOUND : dberr(st, "party");
 out:
	crel(s);
	return rc;
}

/* ---- accounts ------------------------------------------------------ */

int
store_account_add(struct store *st, const char *name, int64_t now,
    int64_t *id)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = cprep(st, "INSERT INTO accounts (name, created) VALUES (?, ?)",
	    &s)) != STK_OK)
		goto out;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, now);
	if ((rc = step_done(st, s)) == STK_OK && id)
		*id = sqlite3_last_insert_rowid(st->d.db);
 out:
	crel(s);
	return rc;
}

int
store_binding_add(struct store *st, const char *account, const char *msisdn,
    int64_t now)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = cprep(st, "INSERT INTO msisdn_bindings (msisdn, account_id, "
	    "created) SELECT ?, id, ? FROM accounts WHERE name = ?", &s)) !=
	    STK_OK)
		goto out;
	sqlite3_bind_text(s, 1, msisdn, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_text(s, 3, account, -1, SQLITE_TRANSIENT);
	if ((rc = step_done(st, s)) == STK_OK && sqlite3_changes(st->d.db) != 1)
		rc = STK_E_NOT_FOUND;
 out:
	crel(s);
	return rc;
}

int
store_card_enrol(struct store *st, const char *account, const char *iccid,
    const uint8_t *kauth, size_t kauth_len, int64_t now)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (kauth_len < STK_AUTH_KEY_MIN || kauth_len > STK_AUTH_KEY_MAX)
		return STK_E_ARG;
	if ((rc = cprep(st, "INSERT INTO cards (iccid, account_id, k_auth, "
	    "created) SELECT ?, id, ?, ? FROM accounts WHERE name = ?", &s)) !=
	    STK_OK)
		goto out;
	sqlite3_bind_text(s, 1, iccid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(s, 2, kauth, (int)kauth_len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, now);
	sqlite3_bind_text(s, 4, account, -1, SQLITE_TRANSIENT);
	if ((rc = step_done(st, s)) == STK_OK && sqlite3_changes(st->d.db) != 1)
		rc = STK_E_NOT_FOUND;
 out:
	crel(s);
	return rc;
}

int
store_account_get(struct store *st, const char *name, const char *msisdn,
    struct store_account *a)
{
	sqlite3_stmt *s = NULL;
	int rc;

	memset(a, 0, sizeof(*a));
	rc = cprep(st, name ?
	    "SELECT a.id, a.name, coalesce(b.msisdn, ''), coalesce(c.iccid, ''),"
	    " c.k_auth, a.locked_until, a.failures FROM accounts a"
	    " LEFT JOIN msisdn_bindings b ON b.account_id = a.id"
	    " LEFT JOIN cards c ON c.account_id = a.id WHERE a.name = ?" :
	    "SELECT a.id, a.name, b.msisdn, coalesce(c.iccid, ''),"
	    " c.k_auth, a.locked_until, a.failures FROM msisdn_bindings b"
	    " JOIN accounts a ON a.id = b.account_id"
	    " LEFT JOIN cards c ON c.account_id = a.id WHERE b.msisdn = ?", &s);
	if (rc != STK_OK)
		goto out;
	sqlite3_bind_text(s, 1, name ? name : msisdn, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		rc = (rc == SQLITE_DONE) ? STK_E_NOT_FOUND : dberr(st, "account");
		goto out;
	}
	a->id = sqlite3_column_int64(s, 0);
	sqldb_col_text(s, 1, a->name, sizeof(a->name));
	sqldb_col_text(s, 2, a->msisdn, sizeof(a->msisdn));
	sqldb_col_text(s, 3, a->iccid, sizeof(a->iccid));
	if ((rc = sqldb_col_blob(s, 4, a->kauth, sizeof(a->kauth),
	    &a->kauth_len)) != STK_OK)
		goto out;
	a->locked_until = sqlite3_column_int64(s, 5);
	a->failures = (unsigned)sqlite3_column_int(s, 6);
	rc = STK_OK;
 out:
	crel(s);
	return rc;
}

int
store_account_fail(struct store *st, int64_t account_id, unsigned max,
    int64_t lock_ms, int64_t now, bool *locked)
{
	sqlite3_stmt *s = NULL;
	int rc;

	*locked = false;
	/*
	 * One statement: count the failure; at the threshold lock and start
	 * counting afresh (the lock auto-releases at locked_until).
	 */
	if ((rc = cprep(st, "UPDATE accounts SET "
	    " locked_until = CASE WHEN ?1 > 0 AND failures + 1 >= ?1"
	    "   THEN ?2 + ?3 ELSE locked_until END,"
	    " failures = CASE WHEN ?1 > 0 AND failures + 1 >= ?1"
	    "   THEN 0 ELSE failures + 1 END "
	    "WHERE id = ?4 RETURNING locked_until", &s)) != STK_OK)
		goto out;
	sqlite3_bind_int64(s, 1, max);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int64(s, 3, lock_ms);
	sqlite3_bind_int64(s, 4, account_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*locked = sqlite3_column_int64(s, 0) == now + lock_ms && max > 0;
		rc = STK_OK;
	} else
		rc = (rc == SQLITE_DONE) ? STK_E_NOT_FOUND : dberr(st, "fail");
 out:
	crel(s);
	return rc;
}

int
store_account_reset(struct store *st, int64_t account_id)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = cprep(st, "UPDATE accounts SET failures = 0 WHERE id = ? "
	    "AND failures != 0",
	    &s)) != STK_OK)
		goto out;
	sqlite3_bind_int64(s, 1, account_id);
	rc = step_done(st, s);
 out:
	crel(s);
	return rc;
}

/* ---- sessions ------------------------------------------------------ */

void
store_session_clear(struct store_session *s)
{
	if (s == NULL)
		return;
	free(s->cert);
	memset(s, 0, sizeof(*s));
}

int
store_session_insert(struct store *st, const struct store_session *ss,
    bool with_job, int64_t now)
{
	sqlite3_stmt *s = NULL;
	struct store_tx tx;
	int rc;

	if ((rc = store_tx_begin(st, &tx)) != STK_OK)
		return rc;
	if ((rc = cprep(st, "INSERT INTO sessions (id, rp_id, account_id, "
	    "account, msisdn, iccid, ticket, request, hash_type, hash, "
	    "hash_salt, state, result, reason, created, expiry, completed, "
	    "client) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
	    "?12, ?13, ?14, ?15, ?16, ?17, ?18)", &s)) != STK_OK)
		goto out;
	sqlite3_bind_text(s, 1, ss->id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, ss->rp_id);
	if (ss->account_id > 0)
		sqlite3_bind_int64(s, 3, ss->account_id);
	else
		sqlite3_bind_null(s, 3);
	sqlite3_bind_text(s, 4, ss->account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 5, ss->msisdn, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 6, ss->iccid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 7, ss->ticket, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(s, 8, ss->request, (int)ss->request_len,
	    SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 9, ss->hash_type);
	if (ss->hash_len > 0) {
		sqlite3_bind_blob(s, 10, ss->hash, (int)ss->hash_len,
		    SQLITE_TRANSIENT);
		sqlite3_bind_blob(s, 11, ss->hash_salt, sizeof(ss->hash_salt),
		    SQLITE_TRANSIENT);
	}
	sqlite3_bind_int(s, 12, ss->state);
	sqlite3_bind_int(s, 13, ss->result);
	sqlite3_bind_text(s, 14, ss->reason, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 15, ss->created);
	sqlite3_bind_int64(s, 16, ss->expiry);
	sqlite3_bind_int64(s, 17, ss->completed);
	sqlite3_bind_text(s, 18, ss->client, -1, SQLITE_TRANSIENT);
	if ((rc = step_done(st, s)) != STK_OK)
		goto out;
	crel(s);
	s = NULL;
	if (with_job) {
		if ((rc = cprep(st, "INSERT INTO jobs (id, state, created, "
		    "updated) VALUES (?, 0, ?, ?)", &s)) != STK_OK)
			goto out;
		sqlite3_bind_text(s, 1, ss->id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 2, now);
		sqlite3_bind_int64(s, 3, now);
		if ((rc = step_done(st, s)) != STK_OK)
			goto out;
	}
 out:
	crel(s);
	tx_finish(st, &tx, &rc);
	return rc;
}

int
store_session_get(struct store *st, const char *id, struct store_session *ss)
{
	sqlite3_stmt *s = NULL;
	int rc;
	size_t n;

	memset(ss, 0, sizeof(*ss));
	if ((rc = cprep(st, "SELECT id, rp_id, coalesce(account_id, 0), "
	    "account, msisdn, iccid, ticket, request, hash_type, hash, "
	    "hash_salt, state, result, reason, created, expiry, completed, "
	    "response, cert, client, received FROM sessions WHERE id = ?", &s)) !=
	    STK_OK)
		goto out;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		rc = (rc == SQLITE_DONE) ? STK_E_NOT_FOUND : dberr(st, "session");
		goto out;
	}
	sqldb_col_text(s, 0, ss->id, sizeof(ss->id));
	ss->rp_id = sqlite3_column_int64(s, 1);
	ss->account_id = sqlite3_column_int64(s, 2);
	sqldb_col_text(s, 3, ss->account, sizeof(ss->account));
	sqldb_col_text(s, 4, ss->msisdn, sizeof(ss->msisdn));
	sqldb_col_text(s, 5, ss->iccid, sizeof(ss->iccid));
	sqldb_col_text(s, 6, ss->ticket, sizeof(ss->ticket));
	if ((rc = sqldb_col_blob(s, 7, ss->request, sizeof(ss->request),
	    &ss->request_len)) != STK_OK)
		goto out;
	ss->hash_type = sqlite3_column_int(s, 8);
	if ((rc = sqldb_col_blob(s, 9, ss->hash, sizeof(ss->hash),
	    &ss->hash_len)) != STK_OK ||
	    (rc = sqldb_col_blob(s, 10, ss->hash_salt, sizeof(ss->hash_salt),
	    &n)) != STK_OK)
		goto out;
	ss->state = sqlite3_column_int(s, 11);
	ss->result = sqlite3_column_int(s, 12);
	sqldb_col_text(s, 13, ss->reason, sizeof(ss->reason));
	ss->created = sqlite3_column_int64(s, 14);
	ss->expiry = sqlite3_column_int64(s, 15);
	ss->completed = sqlite3_column_int64(s, 16);
	if ((rc = sqldb_col_blob(s, 17, ss->response, sizeof(ss->response),
	    &ss->response_len)) != STK_OK)
		goto out;
	n = (size_t)sqlite3_column_bytes(s, 18);
	if (n > 0) {
		if ((ss->cert = malloc(n)) == NULL) {
			rc = STK_E_NOMEM;
			goto out;
		}
		memcpy(ss->cert, sqlite3_column_blob(s, 18), n);
		ss->cert_len = n;
	}
	sqldb_col_text(s, 19, ss->client, sizeof(ss->client));
	ss->received = sqlite3_column_int64(s, 20);
	rc = STK_OK;
 out:
	crel(s);
	return rc;
}

int
store_session_transition(struct store *st, const char *id, int from, int to,
    int result, const char *reason, const uint8_t *resp, size_t resp_len,
    const uint8_t *cert, size_t cert_len, int64_t now)
{
	sqlite3_stmt *s = NULL;
	struct store_tx tx;
	int rc;

	if ((rc = store_tx_begin(st, &tx)) != STK_OK)
		return rc;
	if ((rc = cprep(st, "UPDATE sessions SET state = ?1, result = ?2, "
	    "reason = ?3, response = coalesce(?4, response), "
	    "cert = coalesce(?5, cert), "
	    "completed = CASE WHEN ?1 = 2 THEN ?6 ELSE completed END, "
	    "received = CASE WHEN ?1 = 1 THEN ?6 ELSE received END "
	    "WHERE id = ?7 AND state = ?8", &s)) != STK_OK)
		goto out;
	sqlite3_bind_int(s, 1, to);
	sqlite3_bind_int(s, 2, result);
	sqlite3_bind_text(s, 3, reason ? reason : "", -1, SQLITE_TRANSIENT);
	if (resp && resp_len)
		sqlite3_bind_blob(s, 4, resp, (int)resp_len, SQLITE_TRANSIENT);
	if (cert && cert_len)
		sqlite3_bind_blob(s, 5, cert, (int)cert_len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 6, now);
	sqlite3_bind_text(s, 7, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 8, from);
	if ((rc = step_done(st, s)) != STK_OK)
		goto out;
	if (sqlite3_changes(st->d.db) != 1) {
		rc = STK_E_STATE;
		goto out;
	}
	crel(s);
	s = NULL;
	if (to == SRV_ST_COMPLETE) {
		/* the job is no longer claimable, whatever its state */
		if ((rc = cprep(st, "UPDATE jobs SET state = ?, updated = ? "
		    "WHERE id = ? AND state IN (0, 1, 2, 3)", &s)) != STK_OK)
			goto out;
		sqlite3_bind_int(s, 1, JOB_CLOSED);
		sqlite3_bind_int64(s, 2, now);
		sqlite3_bind_text(s, 3, id, -1, SQLITE_TRANSIENT);
		if ((rc = step_done(st, s)) != STK_OK)
			goto out;
	}
 out:
	crel(s);
	tx_finish(st, &tx, &rc);
	return rc;
}

int
store_session_overdue(struct store *st, int state, int64_t grace_ms,
    int64_t now, char (*ids)[2 * STK_AUTH_SESSION_ID_LEN + 1], size_t max,
    size_t *n)
{
	sqlite3_stmt *s = NULL;
	int rc;

	*n = 0;
	if ((rc = cprep(st, "SELECT id FROM sessions WHERE state = ? AND "
	    "expiry + ? < ? ORDER BY expiry LIMIT ?", &s)) != STK_OK)
		goto out;
	sqlite3_bind_int(s, 1, state);
	sqlite3_bind_int64(s, 2, grace_ms);
	sqlite3_bind_int64(s, 3, now);
	sqlite3_bind_int64(s, 4, (int64_t)max);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		sqldb_col_text(s, 0, ids[(*n)++],
		    2 * STK_AUTH_SESSION_ID_LEN + 1);
	rc = (rc == SQLITE_DONE) ? STK_OK : dberr(st, "overdue");
 out:
	crel(s);
	return rc;
}

/* ---- jobs ---------------------------------------------------------- */

static const char *const job_state_names[] = {
	[JOB_QUEUED] = "QUEUED", [JOB_LEASED] = "LEASED", [JOB_SENT] = "SENT",
	[JOB_DELIVERED] = "DELIVERED", [JOB_FAILED] = "FAILED",
	[JOB_CLOSED] = "CLOSED",
};

const char *
store_job_state_name(int st)
{
	if (st < 0 || st > JOB_CLOSED)
		return NULL;
	return job_state_names[st];
}

#define JOB_COLS "j.id, s.msisdn, s.iccid, s.request, s.expiry, j.lease_id, " \
	"j.lease_until, j.attempts, j.state, coalesce(j.bridge_id, 0)"

static int
job_row(sqlite3_stmt *s, struct store_job *j)
{
	int rc;

	memset(j, 0, sizeof(*j));
	sqldb_col_text(s, 0, j->id, sizeof(j->id));
	sqldb_col_text(s, 1, j->msisdn, sizeof(j->msisdn));
	sqldb_col_text(s, 2, j->iccid, sizeof(j->iccid));
	if ((rc = sqldb_col_blob(s, 3, j->request, sizeof(j->request),
	    &j->request_len)) != STK_OK)
		return rc;
	j->expiry = sqlite3_column_int64(s, 4);
	sqldb_col_text(s, 5, j->lease_id, sizeof(j->lease_id));
	j->lease_until = sqlite3_column_int64(s, 6);
	j->attempts = (unsigned)sqlite3_column_int(s, 7);
	j->state = sqlite3_column_int(s, 8);
	j->bridge_id = sqlite3_column_int64(s, 9);
	return STK_OK;
}

/*
 * The claimable jobs of RUNNING sessions not expired, each query walking
 * jobs_state (state, lease_until, rowid) in order and stopping at its
 * LIMIT - CROSS JOIN keeps SQLite from starting at the sessions instead,
 * which visited every RUNNING session and sorted them on each claim
 * (27 us per job claimed under the benchmark, most of the claim's cost).
 * ?1 now, ?2 how many.
 *   [0] LEASED, lease run out (visibility timeout), oldest lease first
 *   [1] QUEUED: lease_until is 0 for each (a job leaves QUEUED only by
 *       its first claim), so the index has them in rowid order, the
 *       order they were queued
 */
static const char *const claimable[2] = {
	"SELECT " JOB_COLS " FROM jobs j CROSS JOIN sessions s ON s.id = j.id "
	"WHERE j.state = 1 AND j.lease_until <= ?1 AND s.state = 0 AND "
	"s.expiry > ?1 ORDER BY j.lease_until LIMIT ?2",
	"SELECT " JOB_COLS " FROM jobs j CROSS JOIN sessions s ON s.id = j.id "
	"WHERE j.state = 0 AND j.lease_until = 0 AND s.state = 0 AND "
	"s.expiry > ?1 ORDER BY j.rowid LIMIT ?2",
};

/* Lease each job the SELECT s returns: fresh lease id, lease_until now +
 * lease_ms, one more attempt; appended to jobs[*n]. */
static int
lease_rows(struct store *st, sqlite3_stmt *s, int64_t bridge_id,
    const char *claim_id, int64_t lease_ms, int64_t now,
    struct store_job *jobs, size_t *n)
{
	sqlite3_stmt *u = NULL;
	int rc;

	if ((rc = cprep(st, "UPDATE jobs SET state = 1, bridge_id = ?, "
	    "claim_id = ?, lease_id = ?, lease_until = ?, "
	    "attempts = attempts + 1, updated = ? WHERE id = ?", &u)) !=
	    STK_OK)
		return rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_job *j = &jobs[*n];
		uint8_t lid[16];

		if ((rc = job_row(s, j)) != STK_OK ||
		    (rc = srv_random(lid, sizeof(lid))) != STK_OK)
			goto out;
		hex_upper(j->lease_id, lid, sizeof(lid));
		j->lease_until = now + lease_ms;
		j->attempts++;
		j->state = JOB_LEASED;
		j->bridge_id = bridge_id;
		sqlite3_reset(u);
		sqlite3_bind_int64(u, 1, bridge_id);
		sqlite3_bind_text(u, 2, claim_id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(u, 3, j->lease_id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(u, 4, j->lease_until);
		sqlite3_bind_int64(u, 5, now);
		sqlite3_bind_text(u, 6, j->id, -1, SQLITE_TRANSIENT);
		if ((rc = step_done(st, u)) != STK_OK)
			goto out;
		(*n)++;
	}
	rc = rc == SQLITE_DONE ? STK_OK : dberr(st, "claim");
 out:
	crel(u);
	return rc;
}

int
store_job_claim(struct store *st, int64_t bridge_id, const char *claim_id,
    unsigned max, int64_t lease_ms, int64_t now, struct store_job *jobs,
    size_t *n)
{
	sqlite3_stmt *s = NULL;
	struct store_tx tx;
	int rc;

	*n = 0;
	if ((rc = store_tx_begin(st, &tx)) != STK_OK)
		return rc;
	if (claim_id[0] != '\0') {
		/* a retried claim: the leases it already holds */
		if ((rc = cprep(st, "SELECT " JOB_COLS " FROM jobs j JOIN "
		    "sessions s ON s.id = j.id WHERE j.bridge_id = ? AND "
		    "j.claim_id = ? AND j.state = 1 AND j.lease_until > ? "
		    "ORDER BY j.created LIMIT ?", &s)) != STK_OK)
			goto out;
		sqlite3_bind_int64(s, 1, bridge_id);
		sqlite3_bind_text(s, 2, claim_id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 3, now);
		sqlite3_bind_int64(s, 4, max);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			if ((rc = job_row(s, &jobs[*n])) != STK_OK)
				goto out;
			(*n)++;
		}
		if (rc != SQLITE_DONE) {
			rc = dberr(st, "claim");
			goto out;
		}
		crel(s);
		s = NULL;
		rc = STK_OK;
		if (*n > 0)
			goto out;
	}
	/* leases run out first (they have waited longest), then the queue */
	for (int q = 0; q < 2 && rc == STK_OK && *n < max; q++) {
		if ((rc = cprep(st, claimable[q], &s)) != STK_OK)
			goto out;
		sqlite3_bind_int64(s, 1, now);
		sqlite3_bind_int64(s, 2, max - *n);
		rc = lease_rows(st, s, bridge_id, claim_id, lease_ms, now,
		    jobs, n);
		crel(s);
		s = NULL;
	}
 out:
	crel(s);
	tx_finish(st, &tx, &rc);
	if (rc != STK_OK)
		*n = 0;
	return rc;
}

int
store_job_get(struct store *st, const char *id, struct store_job *j)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = cprep(st, "SELECT " JOB_COLS " FROM jobs j JOIN sessions s "
	    "ON s.id = j.id WHERE j.id = ?", &s)) != STK_OK)
		goto out;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		rc = job_row(s, j);
	else
		rc = (rc == SQLITE_DONE) ? STK_E_NOT_FOUND : dberr(st, "job");
 out:
	crel(s);
	return rc;
}

/*
 * Steps under one lease: LEASED -> SENT -> DELIVERED, and LEASED, SENT or
 * DELIVERED -> FAILED (a PoR error may follow the delivery report).
 * Returns 1 to move, 0 when the job is already there (or its session is
 * closed: nothing left to do), STK_E_STATE otherwise.
 */
static int
job_step(int from, int to)
{
	if (from == to || from == JOB_CLOSED)
		return 0;
	switch (to) {
	case JOB_SENT:
		if (from == JOB_DELIVERED)
			return 0;
		return from == JOB_LEASED ? 1 : STK_E_STATE;
	case JOB_DELIVERED:
		return (from == JOB_LEASED || from == JOB_SENT) ? 1 :
		    STK_E_STATE;
	case JOB_FAILED:
		return (from == JOB_LEASED || from == JOB_SENT ||
		    from == JOB_DELIVERED) ? 1 : STK_E_STATE;
	default:
		return STK_E_STATE;
	}
}

/*
 * A lease that ran out but was not taken by another bridge still counts
 * (nobody else can have sent the SMS).
 */
int
store_job_advance(struct store *st, const char *id, int64_t bridge_id,
    const char *lease_id, int to, const char *detail, int64_t now)
{
	struct store_job j;
	sqlite3_stmt *s = NULL;
	struct store_tx tx;
	int rc, step;

	if ((rc = store_tx_begin(st, &tx)) != STK_OK)
		return rc;
	if ((rc = store_job_get(st, id, &j)) != STK_OK)
		goto out;
	if (j.bridge_id != bridge_id || strcmp(j.lease_id, lease_id) != 0) {
		rc = STK_E_STATE;
		goto out;
	}
	if ((step = job_step(j.state, to)) <= 0) {
		rc = step;	/* 0 is STK_OK: nothing to do */
		goto out;
	}
	if ((rc = cprep(st, "UPDATE jobs SET state = ?, detail = ?, "
	    "updated = ? WHERE id = ?", &s)) != STK_OK)
		goto out;
	sqlite3_bind_int(s, 1, to);
	sqlite3_bind_text(s, 2, detail ? detail : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, now);
	sqlite3_bind_text(s, 4, id, -1, SQLITE_TRANSIENT);
	rc = step_done(st, s);
 out:
	crel(s);
	tx_finish(st, &tx, &rc);
	return rc;
}

/* ---- bridge results ------------------------------------------------ */

int
store_result_put(struct store *st, int64_t bridge_id, const char *result_id,
    int status, const char *body, int64_t now)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = cprep(st, "INSERT INTO bridge_results (bridge_id, result_id, "
	    "status, body, created) VALUES (?, ?, ?, ?, ?)", &s)) != STK_OK)
		goto out;
	sqlite3_bind_int64(s, 1, bridge_id);
	sqlite3_bind_text(s, 2, result_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 3, status);
	sqlite3_bind_text(s, 4, body, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 5, now);
	rc = step_done(st, s);
 out:
	crel(s);
	return rc;
}

int
store_result_get(struct store *st, int64_t bridge_id, const char *result_id,
    int *status, char **body)
{
	sqlite3_stmt *s = NULL;
	int rc;

	*body = NULL;
	if ((rc = cprep(st, "SELECT status, body FROM bridge_results WHERE "
	    "bridge_id = ? AND result_id = ?", &s)) != STK_OK)
		goto out;
	sqlite3_bind_int64(s, 1, bridge_id);
	sqlite3_bind_text(s, 2, result_id, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*status = sqlite3_column_int(s, 0);
		*body = strdup((const char *)sqlite3_column_text(s, 1));
		rc = *body ? STK_OK : STK_E_NOMEM;
	} else
		rc = (rc == SQLITE_DONE) ? STK_E_NOT_FOUND : dberr(st, "result");
 out:
	crel(s);
	return rc;
}

/* ---- audit, rate limits -------------------------------------------- */

int
store_audit(struct store *st, int64_t now, const char *session_id,
    const char *account, const char *event, const char *result,
    const char *reason, const char *client)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = cprep(st, "INSERT INTO audit (ts, session_id, account, event, "
	    "result, reason, client) VALUES (?, ?, ?, ?, ?, ?, ?)", &s)) !=
	    STK_OK)
		goto out;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_text(s, 2, session_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 4, event, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 5, result, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 6, reason, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 7, client, -1, SQLITE_TRANSIENT);
	rc = step_done(st, s);
	log_info("audit: event=%s session=%s account=%s result=%s reason=%s "
	    "client=%s", event, session_id ? session_id : "-",
	    account ? account : "-", result ? result : "-",
	    reason ? reason : "-", client ? client : "-");
 out:
	crel(s);
	return rc;
}

int
store_audit_count(struct store *st, const char *event, int64_t *n)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = cprep(st, "SELECT count(*) FROM audit WHERE ?1 IS NULL OR "
	    "event = ?1", &s)) != STK_OK)
		goto out;
	if (event)
		sqlite3_bind_text(s, 1, event, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) != SQLITE_ROW) {
		rc = dberr(st, "audit count");
		goto out;
	}
	*n = sqlite3_column_int64(s, 0);
 out:
	crel(s);
	return rc;
}

int
store_data_version(struct store *st, int64_t *v)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = cprep(st, "PRAGMA data_version", &s)) != STK_OK)
		return rc;
	if (sqlite3_step(s) == SQLITE_ROW) {
		*v = sqlite3_column_int64(s, 0);
		rc = STK_OK;
	} else
		rc = dberr(st, "data_version");
	crel(s);
	return rc;
}

int
store_rate_hit(struct store *st, const char *key, int64_t window_ms,
    unsigned limit, int64_t now, bool *over)
{
	sqlite3_stmt *s = NULL;
	int64_t start = now - now % window_ms;
	int rc;

	*over = false;
	if ((rc = cprep(st, "INSERT INTO rate_counters (key, window_start, "
	    "count) VALUES (?1, ?2, 1) ON CONFLICT (key) DO UPDATE SET "
	    "count = CASE WHEN window_start = ?2 THEN count + 1 ELSE 1 END, "
	    "window_start = ?2 RETURNING count", &s)) != STK_OK)
		goto out;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, start);
	if (sqlite3_step(s) != SQLITE_ROW) {
		rc = dberr(st, "rate");
		goto out;
	}
	*over = limit > 0 && sqlite3_column_int64(s, 0) > (int64_t)limit;
 out:
	crel(s);
	return rc;
}

/* ---- restarts and gauges ------------------------------------------- */

int
store_session_verifying(struct store *st, int64_t received_before,
    const char *after, char (*ids)[2 * STK_AUTH_SESSION_ID_LEN + 1],
    size_t max, size_t *n)
{
	sqlite3_stmt *s = NULL;
	int rc;

	*n = 0;
	if ((rc = cprep(st, "SELECT id FROM sessions WHERE state = 1 AND "
	    "received < ?1 AND id > ?2 ORDER BY id LIMIT ?3", &s)) != STK_OK)
		goto out;
	sqlite3_bind_int64(s, 1, received_before);
	sqlite3_bind_text(s, 2, after, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, (int64_t)max);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		sqldb_col_text(s, 0, ids[(*n)++],
		    2 * STK_AUTH_SESSION_ID_LEN + 1);
	rc = (rc == SQLITE_DONE) ? STK_OK : dberr(st, "verifying");
 out:
	crel(s);
	return rc;
}

/*
 * Both counts walk an index over the open rows only (sessions(state,
 * expiry), jobs(state, lease_until)): the completed sessions and closed
 * jobs, which pile up, are never read.
 */
int
store_open_counts(struct store *st, int64_t sessions[2], int64_t jobs[4])
{
	sqlite3_stmt *s = NULL;
	int rc;

	memset(sessions, 0, 2 * sizeof(*sessions));
	memset(jobs, 0, 4 * sizeof(*jobs));
	if ((rc = cprep(st, "SELECT state, count(*) FROM sessions WHERE "
	    "state IN (0, 1) GROUP BY state", &s)) != STK_OK)
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int k = sqlite3_column_int(s, 0);

		if (k >= 0 && k < 2)
			sessions[k] = sqlite3_column_int64(s, 1);
	}
	if (rc != SQLITE_DONE) {
		rc = dberr(st, "session counts");
		goto out;
	}
	crel(s);
	s = NULL;
	if ((rc = cprep(st, "SELECT state, count(*) FROM jobs WHERE "
	    "state IN (0, 1, 2, 3) GROUP BY state", &s)) != STK_OK)
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int k = sqlite3_column_int(s, 0);

		if (k >= 0 && k < 4)
			jobs[k] = sqlite3_column_int64(s, 1);
	}
	rc = (rc == SQLITE_DONE) ? STK_OK : dberr(st, "job counts");
 out:
	crel(s);
	return rc;
}
