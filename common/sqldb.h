/*
 * sqldb.h - the SQLite statement helpers of the three programs that keep
 * state in SQLite: the server's store (server/store_*.c, also linked by
 * stkauth-admin), the bridge's queue and its OTA key store
 * (smsc-bridge/queue.c, keystore.c).  Error convention: lib/err.h codes;
 * a database error is logged as "WHO: WHAT: sqlite's message" and is
 * STK_E_IO.
 *
 * Not in lib/: libstkauth stays free of SQLite (and of any link flag
 * beyond libcrypto).
 */
#ifndef STKAUTH_SQLDB_H
#define STKAUTH_SQLDB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

/*
 * One connection and how its errors are logged.  exec_sql: how many
 * characters of a failed sqldb_exec's SQL its log line shows, -1 all of
 * it, 0 none (the line is then "WHO: sqlite's message").
 */
struct sqldb {
	sqlite3		*db;
	const char	*who;
	int		 exec_sql;
};

/* Log "WHO: WHAT: sqlite's message"; returns STK_E_IO. */
int	sqldb_fail(const struct sqldb *d, const char *what);

/* Run SQL text (one or more statements, no rows wanted); STK_E_IO logged. */
int	sqldb_exec(const struct sqldb *d, const char *sql);

/*
 * Prepare sql into *s and bind the arguments fmt describes, one letter a
 * parameter from ?1 on: 't' text (const char *; NULL binds NULL), 'i'
 * int64_t, 'b' blob (const void *, size_t).  fmt NULL or "": no binds.
 * A failed prepare is logged with what (what NULL: not logged, the
 * caller reports it) and is STK_E_IO, *s NULL.  The statement is the
 * caller's to finalize.
 */
int	sqldb_prep(const struct sqldb *d, sqlite3_stmt **s, const char *what,
	    const char *sql, const char *fmt, ...);
int	sqldb_vprep(const struct sqldb *d, sqlite3_stmt **s, const char *what,
	    const char *sql, const char *fmt, va_list ap);

/*
 * Step a statement that returns no rows, leaving it to the caller
 * (finalize or reset).  Constraint failures are the caller's input, not
 * the database's fault, and are not logged: UNIQUE or PRIMARY KEY
 * STK_E_DUPLICATE, FOREIGN KEY STK_E_NOT_FOUND, any other
 * STK_E_INVALID.  Anything else is logged as "step", STK_E_IO.
 */
int	sqldb_step_done(const struct sqldb *d, sqlite3_stmt *s);

/*
 * Step a statement that returns no rows and finalize it: STK_OK on
 * SQLITE_DONE, anything else (constraints included) logged with what
 * and STK_E_IO.  s NULL (a prepare that failed, already logged):
 * STK_E_IO.
 */
int	sqldb_done(const struct sqldb *d, sqlite3_stmt *s, const char *what);

/*
 * Walk the rows of a prepared and bound SELECT: row(s, ctx) decodes the
 * current row and hands it on (ctx carries the caller's callback); a
 * non-zero return of row stops the walk and is returned as it is.
 * STK_OK after the last row; a failed step - SQLITE_BUSY once the
 * connection's busy_timeout has run out, among others - is logged with
 * what and is STK_E_IO.  s belongs to the walk: finalized on every path.
 */
int	sqldb_each_row(const struct sqldb *d, sqlite3_stmt *s,
	    const char *what, int (*row)(sqlite3_stmt *, void *), void *ctx);

/* Copy text column i into out (cap >= 1), truncated to cap - 1 octets,
 * always terminated; NULL reads as "". */
void	sqldb_col_text(sqlite3_stmt *s, int i, char *out, size_t cap);

/* Copy blob column i of at most cap octets into out, its length in *len;
 * longer: nothing copied, *len 0, STK_E_INVALID.  NULL reads as empty. */
int	sqldb_col_blob(sqlite3_stmt *s, int i, uint8_t *out, size_t cap,
	    size_t *len);

#endif
