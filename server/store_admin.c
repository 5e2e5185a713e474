/*
 * store_admin.c - the administration half of store.h over SQLite: what
 * stkauth-admin (and the login page's password step) needs beyond the
 * server's hot path.  Same conventions as store_sqlite.c: prepared
 * statements, short transactions (BEGIN IMMEDIATE for read-modify-write),
 * busy_timeout set by store_open, so it runs beside a live server.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "err.h"
#include "log.h"
#include "store.h"
#include "store_internal.h"

/* ---- passwords ------------------------------------------------------- */

int
store_account_password_set(struct store *st, const char *name,
    const char *encoded)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = prep(st, "UPDATE accounts SET password_hash = ? "
	    "WHERE name = ?", &s)) != STK_OK)
		goto out;
	if (encoded)
		sqlite3_bind_text(s, 1, encoded, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_TRANSIENT);
	if ((rc = step_done(st, s)) == STK_OK && sqlite3_changes(st->d.db) != 1)
		rc = STK_E_NOT_FOUND;
 out:
	sqlite3_finalize(s);
	return rc;
}

int
store_account_password_get(struct store *st, const char *name, char *out,
    size_t outsz)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (outsz == 0)
		return STK_E_NOSPACE;
	out[0] = '\0';
	if ((rc = prep(st, "SELECT coalesce(password_hash, '') FROM accounts "
	    "WHERE name = ?", &s)) != STK_OK)
		goto out;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		rc = (rc == SQLITE_DONE) ? STK_E_NOT_FOUND :
		    dberr(st, "password");
		goto out;
	}
	if ((size_t)sqlite3_column_bytes(s, 0) >= outsz) {
		rc = STK_E_NOSPACE;
		goto out;
	}
	sqldb_col_text(s, 0, out, outsz);
	rc = STK_OK;
 out:
	sqlite3_finalize(s);
	return rc;
}

/* ---- transactions ---------------------------------------------------- */

void
store_busy_timeout(struct store *st, int ms)
{
	sqlite3_busy_timeout(st->d.db, ms);
}

int
store_begin(struct store *st)
{
	return exec(st, "BEGIN IMMEDIATE");
}

int
store_commit(struct store *st)
{
	return exec(st, "COMMIT");
}

void
store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->d.db))
		exec(st, "ROLLBACK");
}

/* ---- lists ----------------------------------------------------------- */

/*
 * The context each_row hands to the decoders below: the caller's
 * callback, typed for its row (one member per list), and its argument.
 * The row itself lives on the decoder's stack for the callback's call.
 */
struct row_cb {
	union {
		int (*account)(void *, const struct store_account_info *);
		int (*party)(void *, const struct store_party_info *);
		int (*session)(void *, const struct store_session_info *);
		int (*audit)(void *, const struct store_audit_entry *);
		int (*conflict)(void *, long, const char *, const char *,
		    const char *);
	} fn;
	void *arg;
	long rows;	/* rows seen: store_import_check counts them */
};

/* ---- accounts -------------------------------------------------------- */

#define ACCOUNT_COLS "a.id, a.name, coalesce(b.msisdn, ''), " \
	"coalesce(c.iccid, ''), a.created, a.locked_until, a.failures, " \
	"a.password_hash IS NOT NULL FROM accounts a " \
	"LEFT JOIN msisdn_bindings b ON b.account_id = a.id " \
	"LEFT JOIN cards c ON c.account_id = a.id"

static void
account_row(sqlite3_stmt *s, struct store_account_info *a)
{
	memset(a, 0, sizeof(*a));
	a->id = sqlite3_column_int64(s, 0);
	sqldb_col_text(s, 1, a->name, sizeof(a->name));
	sqldb_col_text(s, 2, a->msisdn, sizeof(a->msisdn));
	sqldb_col_text(s, 3, a->iccid, sizeof(a->iccid));
	a->created = sqlite3_column_int64(s, 4);
	a->locked_until = sqlite3_column_int64(s, 5);
	a->failures = (unsigned)sqlite3_column_int(s, 6);
	a->has_password = sqlite3_column_int(s, 7) != 0;
}

static int
account_next(sqlite3_stmt *s, void *ctx)
{
	struct row_cb *c = ctx;
	struct store_account_info a;

	account_row(s, &a);
	return c->fn.account(c->arg, &a);
}

int
store_account_info_get(struct store *st, const char *name,
    struct store_account_info *a)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = prep(st, "SELECT " ACCOUNT_COLS " WHERE a.name = ?", &s)) !=
	    STK_OK)
		goto out;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		account_row(s, a);
		rc = STK_OK;
	} else
		rc = (rc == SQLITE_DONE) ? STK_E_NOT_FOUND : dberr(st, "account");
 out:
	sqlite3_finalize(s);
	return rc;
}

int
store_account_list(struct store *st,
    int (*cb)(void *arg, const struct store_account_info *a), void *arg)
{
	struct row_cb c = { .fn.account = cb, .arg = arg };
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = prep(st, "SELECT " ACCOUNT_COLS " ORDER BY a.name", &s)) !=
	    STK_OK)
		return rc;
	return each_row(st, s, "accounts", account_next, &c);
}

/* Run one statement with a single text parameter; *changes set. */
static int
exec1(struct store *st, const char *sql, const char *p, int *changes)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = prep_text(st, sql, p, &s)) == STK_OK &&
	    (rc = step_done(st, s)) == STK_OK && changes)
		*changes = sqlite3_changes(st->d.db);
	sqlite3_finalize(s);
	return rc;
}

int
store_account_delete(struct store *st, const char *name)
{
	int rc, n = 0;

	if ((rc = store_begin(st)) != STK_OK)
		return rc;
	/* sessions keep the name (audit trail) but not the reference */
	if ((rc = exec1(st, "UPDATE sessions SET account_id = NULL WHERE "
	    "account_id = (SELECT id FROM accounts WHERE name = ?)", name,
	    NULL)) != STK_OK ||
	    (rc = exec1(st, "DELETE FROM accounts WHERE name = ?", name,
	    &n)) != STK_OK)
		goto out;
	rc = (n == 1) ? store_commit(st) : STK_E_NOT_FOUND;
 out:
	if (rc != STK_OK)
		store_rollback(st);
	return rc;
}

int
store_account_lock(struct store *st, const char *name, int64_t until)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = prep(st, "UPDATE accounts SET locked_until = ?, failures = 0 "
	    "WHERE name = ?", &s)) != STK_OK)
		goto out;
	sqlite3_bind_int64(s, 1, until);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_TRANSIENT);
	if ((rc = step_done(st, s)) == STK_OK && sqlite3_changes(st->d.db) != 1)
		rc = STK_E_NOT_FOUND;
 out:
	sqlite3_finalize(s);
	return rc;
}

int
store_account_unbind(struct store *st, const char *name, char *msisdn,
    char *iccid)
{
	struct store_account_info a;
	int rc;

	msisdn[0] = iccid[0] = '\0';
	if ((rc = store_begin(st)) != STK_OK)
		return rc;
	if ((rc = store_account_info_get(st, name, &a)) != STK_OK ||
	    (rc = exec1(st, "DELETE FROM cards WHERE account_id = (SELECT id "
	    "FROM accounts WHERE name = ?)", name, NULL)) != STK_OK ||
	    (rc = exec1(st, "DELETE FROM msisdn_bindings WHERE account_id = "
	    "(SELECT id FROM accounts WHERE name = ?)", name, NULL)) != STK_OK ||
	    (rc = store_commit(st)) != STK_OK)
		goto out;
	memcpy(msisdn, a.msisdn, sizeof(a.msisdn));
	memcpy(iccid, a.iccid, sizeof(a.iccid));
 out:
	if (rc != STK_OK)
		store_rollback(st);
	return rc;
}

/* ---- parties --------------------------------------------------------- */

static int
party_next(sqlite3_stmt *s, void *ctx)
{
	struct row_cb *c = ctx;
	struct store_party_info p;

	memset(&p, 0, sizeof(p));
	p.id = sqlite3_column_int64(s, 0);
	sqldb_col_text(s, 1, p.name, sizeof(p.name));
	p.created = sqlite3_column_int64(s, 2);
	p.disabled = sqlite3_column_int(s, 3) != 0;
	return c->fn.party(c->arg, &p);
}

int
store_party_list(struct store *st, int kind,
    int (*cb)(void *arg, const struct store_party_info *p), void *arg)
{
	struct row_cb c = { .fn.party = cb, .arg = arg };
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = prep(st, kind == STORE_RP ?
	    "SELECT id, name, created, disabled FROM relying_parties "
	    "ORDER BY name" :
	    "SELECT id, name, created, disabled FROM bridges ORDER BY name",
	    &s)) != STK_OK)
		return rc;
	return each_row(st, s, "parties", party_next, &c);
}

/* Whether sql with one text parameter returns a row. */
static int
exists(struct store *st, const char *sql, const char *p, bool *found)
{
	sqlite3_stmt *s = NULL;
	int rc;

	*found = false;
	if ((rc = prep_text(st, sql, p, &s)) != STK_OK)
		return rc;
	rc = sqlite3_step(s);
	*found = rc == SQLITE_ROW;
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? STK_OK :
	    dberr(st, "exists");
	sqlite3_finalize(s);
	return rc;
}

int
store_party_disable(struct store *st, int kind, const char *name)
{
	bool found;
	int rc, n = 0;

	if ((rc = exec1(st, kind == STORE_RP ?
	    "UPDATE relying_parties SET disabled = 1 WHERE name = ? AND "
	    "disabled = 0" :
	    "UPDATE bridges SET disabled = 1 WHERE name = ? AND disabled = 0",
	    name, &n)) != STK_OK || n == 1)
		return rc;
	/* nothing changed: unknown, or revoked already */
	if ((rc = exists(st, kind == STORE_RP ?
	    "SELECT 1 FROM relying_parties WHERE name = ?" :
	    "SELECT 1 FROM bridges WHERE name = ?", name, &found)) != STK_OK)
		return rc;
	return found ? STK_E_STATE : STK_E_NOT_FOUND;
}

/* ---- sessions and audit ---------------------------------------------- */

static int
session_next(sqlite3_stmt *s, void *ctx)
{
	struct row_cb *c = ctx;
	struct store_session_info si;

	memset(&si, 0, sizeof(si));
	sqldb_col_text(s, 0, si.id, sizeof(si.id));
	sqldb_col_text(s, 1, si.account, sizeof(si.account));
	sqldb_col_text(s, 2, si.msisdn, sizeof(si.msisdn));
	si.state = sqlite3_column_int(s, 3);
	si.result = sqlite3_column_int(s, 4);
	sqldb_col_text(s, 5, si.reason, sizeof(si.reason));
	si.created = sqlite3_column_int64(s, 6);
	si.expiry = sqlite3_column_int64(s, 7);
	si.completed = sqlite3_column_int64(s, 8);
	sqldb_col_text(s, 9, si.client, sizeof(si.client));
	return c->fn.session(c->arg, &si);
}

int
store_session_list(struct store *st, int state, unsigned limit,
    int (*cb)(void *arg, const struct store_session_info *s), void *arg)
{
	struct row_cb c = { .fn.session = cb, .arg = arg };
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = prep(st, "SELECT id, account, msisdn, state, result, reason, "
	    "created, expiry, completed, client FROM sessions "
	    "WHERE ?1 < 0 OR state = ?1 ORDER BY created DESC, id LIMIT ?2",
	    &s)) != STK_OK)
		return rc;
	sqlite3_bind_int(s, 1, state);
	sqlite3_bind_int64(s, 2, limit ? (int64_t)limit : -1);
	return each_row(st, s, "sessions", session_next, &c);
}

static int
audit_next(sqlite3_stmt *s, void *ctx)
{
	struct row_cb *c = ctx;
	struct store_audit_entry e;

	memset(&e, 0, sizeof(e));
	e.id = sqlite3_column_int64(s, 0);
	e.ts = sqlite3_column_int64(s, 1);
	sqldb_col_text(s, 2, e.session_id, sizeof(e.session_id));
	sqldb_col_text(s, 3, e.account, sizeof(e.account));
	sqldb_col_text(s, 4, e.event, sizeof(e.event));
	sqldb_col_text(s, 5, e.result, sizeof(e.result));
	sqldb_col_text(s, 6, e.reason, sizeof(e.reason));
	sqldb_col_text(s, 7, e.client, sizeof(e.client));
	return c->fn.audit(c->arg, &e);
}

int
store_audit_list(struct store *st, const struct store_audit_filter *f,
    int (*cb)(void *arg, const struct store_audit_entry *e), void *arg)
{
	struct row_cb c = { .fn.audit = cb, .arg = arg };
	sqlite3_stmt *s = NULL;
	int rc;

	/* the newest limit rows of the selection, shown oldest first */
	if ((rc = prep(st, "SELECT * FROM (SELECT id, ts, "
	    "coalesce(session_id, ''), coalesce(account, ''), event, "
	    "coalesce(result, ''), coalesce(reason, ''), coalesce(client, '') "
	    "FROM audit WHERE ts >= ?1 AND (?2 IS NULL OR account = ?2) AND "
	    "(?3 IS NULL OR result = ?3) ORDER BY id DESC LIMIT ?4) ORDER BY id",
	    &s)) != STK_OK)
		return rc;
	sqlite3_bind_int64(s, 1, f->since);
	if (f->account)
		sqlite3_bind_text(s, 2, f->account, -1, SQLITE_TRANSIENT);
	if (f->result)
		sqlite3_bind_text(s, 3, f->result, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 4, f->limit ? (int64_t)f->limit : -1);
	return each_row(st, s, "audit", audit_next, &c);
}

/* ---- bulk import ----------------------------------------------------- */

/*
 * The staging table lives in the connection's temp database: writing it
 * takes no lock on the server's file, so a long parse never blocks the
 * server; only store_import_commit holds the write lock, for two
 * INSERT ... SELECT statements.
 */
struct store_import {
	struct store *st;
	sqlite3_stmt *ins;
	sqlite3_stmt *dup;
};

void
store_import_free(struct store_import *im)
{
	if (im == NULL)
		return;
	sqlite3_finalize(im->ins);
	sqlite3_finalize(im->dup);
	store_rollback(im->st);
	exec(im->st, "DROP TABLE IF EXISTS temp.import_rows");
	free(im);
}

int
store_import_begin(struct store *st, struct store_import **out)
{
	struct store_import *im;
	int rc;

	*out = NULL;
	if ((im = calloc(1, sizeof(*im))) == NULL)
		return STK_E_NOMEM;
	im->st = st;
	if ((rc = exec(st, "DROP TABLE IF EXISTS temp.import_rows;"
	    "CREATE TEMP TABLE import_rows ("
	    "  line INTEGER PRIMARY KEY,"
	    "  account TEXT NOT NULL UNIQUE,"
	    "  msisdn TEXT UNIQUE);"
	    "BEGIN")) != STK_OK ||
	    (rc = prep(st, "INSERT INTO temp.import_rows (line, account, "
	    "msisdn) VALUES (?, ?, ?)", &im->ins)) != STK_OK ||
	    (rc = prep(st, "SELECT line FROM temp.import_rows WHERE "
	    "account = ?1 OR msisdn = ?2 ORDER BY line LIMIT 1", &im->dup)) !=
	    STK_OK) {
		store_import_free(im);
		return rc;
	}
	*out = im;
	return STK_OK;
}

int
store_import_row(struct store_import *im, long line, const char *account,
    const char *msisdn, long *dup_line)
{
	int rc;

	*dup_line = 0;
	if (msisdn && msisdn[0] == '\0')
		msisdn = NULL;
	sqlite3_reset(im->ins);
	sqlite3_bind_int64(im->ins, 1, line);
	sqlite3_bind_text(im->ins, 2, account, -1, SQLITE_TRANSIENT);
	if (msisdn)
		sqlite3_bind_text(im->ins, 3, msisdn, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(im->ins, 3);
	rc = step_done(im->st, im->ins);
	if (rc != STK_E_DUPLICATE)
		return rc;
	sqlite3_reset(im->dup);
	sqlite3_bind_text(im->dup, 1, account, -1, SQLITE_TRANSIENT);
	if (msisdn)
		sqlite3_bind_text(im->dup, 2, msisdn, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(im->dup, 2);
	if (sqlite3_step(im->dup) == SQLITE_ROW)
		*dup_line = (long)sqlite3_column_int64(im->dup, 0);
	return STK_E_DUPLICATE;
}

/* A conflict's callback asked to stop: not an error (no STK_E_ value). */
#define CONFLICT_STOP	1

/* The columns are handed over as they are: valid for the callback only. */
static int
conflict_next(sqlite3_stmt *s, void *ctx)
{
	struct row_cb *c = ctx;

	c->rows++;
	return c->fn.conflict(c->arg, (long)sqlite3_column_int64(s, 0),
	    (const char *)sqlite3_column_text(s, 1),
	    (const char *)sqlite3_column_text(s, 2),
	    (const char *)sqlite3_column_text(s, 3)) != 0 ? CONFLICT_STOP : 0;
}

int
store_import_check(struct store_import *im,
    int (*cb)(void *arg, long line, const char *account, const char *msisdn,
    const char *what), void *arg, long *conflicts)
{
	struct row_cb c = { .fn.conflict = cb, .arg = arg };
	sqlite3_stmt *s = NULL;
	int rc;

	*conflicts = 0;
	if ((rc = prep(im->st, "SELECT r.line, r.account, "
	    "coalesce(r.msisdn, ''), 'account exists' FROM temp.import_rows r "
	    "JOIN accounts a ON a.name = r.account "
	    "UNION ALL SELECT r.line, r.account, r.msisdn, "
	    "'MSISDN bound to another account' FROM temp.import_rows r "
	    "JOIN msisdn_bindings b ON b.msisdn = r.msisdn ORDER BY 1", &s)) !=
	    STK_OK)
		return rc;
	rc = each_row(im->st, s, "import check", conflict_next, &c);
	*conflicts = c.rows;
	return rc == CONFLICT_STOP ? STK_OK : rc;
}

int
store_import_commit(struct store_import *im, int64_t now, long *rows)
{
	struct store *st = im->st;
	sqlite3_stmt *a = NULL, *b = NULL;
	int rc;

	*rows = 0;
	/* end the staging transaction (temp only), then the short write */
	if ((rc = exec(st, "COMMIT")) != STK_OK ||
	    (rc = store_begin(st)) != STK_OK)
		goto out;
	if ((rc = prep(st, "INSERT INTO accounts (name, created) SELECT "
	    "account, ? FROM temp.import_rows ORDER BY line", &a)) != STK_OK ||
	    (rc = prep(st, "INSERT INTO msisdn_bindings (msisdn, account_id, "
	    "created) SELECT r.msisdn, a.id, ? FROM temp.import_rows r "
	    "JOIN accounts a ON a.name = r.account WHERE r.msisdn IS NOT NULL",
	    &b)) != STK_OK)
		goto out;
	sqlite3_bind_int64(a, 1, now);
	if ((rc = step_done(st, a)) != STK_OK)
		goto out;
	*rows = sqlite3_changes(st->d.db);
	sqlite3_bind_int64(b, 1, now);
	if ((rc = step_done(st, b)) != STK_OK ||
	    (rc = store_commit(st)) != STK_OK)
		goto out;
 out:
	sqlite3_finalize(a);
	sqlite3_finalize(b);
	if (rc != STK_OK) {
		*rows = 0;
		store_rollback(st);
	}
	return rc;
}
