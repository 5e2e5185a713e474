/*
 * store_internal.h - what the files implementing store.h over SQLite share:
 * the handle and the statement helpers.  store_sqlite.c (the server's
 * queries and the migrations) and store_admin.c (the administration
 * queries of stkauth-admin) include it; nothing else should.
 *
 * The helpers are short names for common/sqldb.h's, static inline so
 * that no generic name (exec, prep) is exported from the server.
 */
#ifndef STKAUTH_STORE_INTERNAL_H
#define STKAUTH_STORE_INTERNAL_H

#include <stdbool.h>

#include <sqlite3.h>

#include "err.h"
#include "sqldb.h"
#include "store.h"

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
	struct sqldb d;		/* d.db the connection; who "store" */
	struct store_stmt_slot stmts[STORE_STMT_SLOTS];
	/* store_read_batching */
	void (*read_opened)(void *);
	void *read_arg;
	bool read_open;		/* a read batch's BEGIN is open */
	/* store_checkpoints_offload (store_ckpt.c); store_close stops it
	 * through ckpt_stop, so that the admin CLI, which links the store
	 * but never offloads, needs no thread code */
	struct store_ckpt *ckpt;
	void (*ckpt_stop)(struct store *st);
};

/*
 * The statement helpers are common/sqldb.h's (shared with the bridge's
 * queue and key store); these name them for a struct store, whose log
 * lines start "store: " and whose failed execs show no SQL.
 */
static inline int
dberr(struct store *st, const char *what)
{
	return sqldb_fail(&st->d, what);
}

/* exec and the prep helpers may write: each ends a read batch first
 * (store_sqlite.c "Read batches"). */
static inline int
exec(struct store *st, const char *sql)
{
	int rc = store_read_end(st);

	return rc == STK_OK ? sqldb_exec(&st->d, sql) : rc;
}

static inline int
prep(struct store *st, const char *sql, sqlite3_stmt **stmt)
{
	int rc = store_read_end(st);

	return rc == STK_OK ? sqldb_prep(&st->d, stmt, "prepare", sql,
	    NULL) : rc;
}

/* prep with one text parameter bound. */
static inline int
prep_text(struct store *st, const char *sql, const char *p,
    sqlite3_stmt **stmt)
{
	int rc = store_read_end(st);

	return rc == STK_OK ? sqldb_prep(&st->d, stmt, "prepare", sql,
	    "t", p) : rc;
}

/* Step a statement that returns no rows; maps constraint failures. */
static inline int
step_done(struct store *st, sqlite3_stmt *s)
{
	return sqldb_step_done(&st->d, s);
}

/* sqldb_each_row: s is finalized on every path. */
static inline int
each_row(struct store *st, sqlite3_stmt *s, const char *what,
    int (*row)(sqlite3_stmt *, void *), void *ctx)
{
	return sqldb_each_row(&st->d, s, what, row, ctx);
}

#endif
