/*
 * store_internal.h - what the files implementing store.h over SQLite share:
 * the handle and the statement helpers.  store_sqlite.c (the server's
 * queries and the migrations) and store_admin.c (the administration
 * queries of stkauth-admin) include it; nothing else should.
 *
 * The helpers are static inline so that each file keeps its own copy
 * without exporting generic names (exec, prep) from the library.
 */
#ifndef STKAUTH_STORE_INTERNAL_H
#define STKAUTH_STORE_INTERNAL_H

#include <stdint.h>
#include <string.h>

#include <sqlite3.h>

#include "err.h"
#include "log.h"

/*
 * The statements store_sqlite.c keeps prepared (cprep): open addressing
 * on the address of the SQL text, which is always a string literal, so
 * a lookup is a pointer comparison, not a string comparison.  More slots
 * than the file has statements.
 */
#define STORE_STMT_SLOTS 128

struct store_stmt_slot {
	const char *sql;	/* the literal; NULL: free slot */
	sqlite3_stmt *stmt;
};

struct store {
	sqlite3 *db;
	struct store_stmt_slot stmts[STORE_STMT_SLOTS];
};

static inline int
dberr(struct store *st, const char *what)
{
	log_error("store: %s: %s", what, sqlite3_errmsg(st->db));
	return STK_E_IO;
}

static inline int
exec(struct store *st, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_error("store: %s", msg ? msg : "exec failed");
		sqlite3_free(msg);
		return STK_E_IO;
	}
	return STK_OK;
}

static inline int
prep(struct store *st, const char *sql, sqlite3_stmt **stmt)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, stmt, NULL) != SQLITE_OK)
		return dberr(st, "prepare");
	return STK_OK;
}

/* Step a statement that returns no rows; maps constraint failures. */
static inline int
step_done(struct store *st, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_DONE)
		return STK_OK;
	if ((rc & 0xff) == SQLITE_CONSTRAINT) {
		int ext = sqlite3_extended_errcode(st->db);

		if (ext == SQLITE_CONSTRAINT_UNIQUE ||
		    ext == SQLITE_CONSTRAINT_PRIMARYKEY)
			return STK_E_DUPLICATE;
		if (ext == SQLITE_CONSTRAINT_FOREIGNKEY)
			return STK_E_NOT_FOUND;
		return STK_E_INVALID;
	}
	return dberr(st, "step");
}

static inline void
col_text(sqlite3_stmt *s, int i, char *out, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	size_t n = t ? (size_t)sqlite3_column_bytes(s, i) : 0;

	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(out, t, n);
	out[n] = '\0';
}

/* Copy a blob column of at most cap octets; STK_E_INVALID if longer. */
static inline int
col_blob(sqlite3_stmt *s, int i, uint8_t *out, size_t cap, size_t *len)
{
	const void *b = sqlite3_column_blob(s, i);
	int n = sqlite3_column_bytes(s, i);

	if (n < 0 || (size_t)n > cap)
		return STK_E_INVALID;
	if (n > 0)
		memcpy(out, b, (size_t)n);
	*len = (size_t)n;
	return STK_OK;
}

/*
 * Walk the rows of a prepared and bound SELECT: row(s, ctx) decodes the
 * current row and hands it to the caller's callback (ctx carries both);
 * a non-zero return of row stops the walk and is returned as it is.
 * STK_OK after the last row; a failed step - SQLITE_BUSY once the
 * busy_timeout store_open set has run out, among others - is logged with
 * what and is STK_E_IO.  s belongs to the walk: finalized on every path.
 */
static inline int
each_row(struct store *st, sqlite3_stmt *s, const char *what,
    int (*row)(sqlite3_stmt *, void *), void *ctx)
{
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if ((rc = row(s, ctx)) != 0)
			goto out;
	rc = (rc == SQLITE_DONE) ? STK_OK : dberr(st, what);
 out:
	sqlite3_finalize(s);
	return rc;
}

#endif
