/*
 * sqldb.c - the SQLite statement helpers (sqldb.h) of the server's store,
 * the bridge's queue and its key store.
 */
#include <stdarg.h>
#include <string.h>

#include <sqlite3.h>

#include "err.h"
#include "log.h"
#include "sqldb.h"

int
sqldb_fail(const struct sqldb *d, const char *what)
{
	log_error("%s: %s: %s", d->who, what, sqlite3_errmsg(d->db));
	return STK_E_IO;
}

int
sqldb_exec(const struct sqldb *d, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(d->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return STK_OK;
	if (d->exec_sql == 0)
		log_error("%s: %s", d->who, msg ? msg : "exec failed");
	else
		log_error("%s: %.*s: %s", d->who, d->exec_sql, sql,
		    msg ? msg : "?");
	sqlite3_free(msg);
	return STK_E_IO;
}

int
sqldb_vprep(const struct sqldb *d, sqlite3_stmt **s, const char *what,
    const char *sql, const char *fmt, va_list ap)
{
	int i = 1;

	*s = NULL;
	if (sqlite3_prepare_v2(d->db, sql, -1, s, NULL) != SQLITE_OK) {
		sqlite3_finalize(*s);
		*s = NULL;
		return what ? sqldb_fail(d, what) : STK_E_IO;
	}
	for (const char *f = fmt ? fmt : ""; *f; f++, i++) {
		if (*f == 't') {
			sqlite3_bind_text(*s, i, va_arg(ap, const char *), -1,
			    SQLITE_TRANSIENT);
		} else if (*f == 'i') {
			sqlite3_bind_int64(*s, i, va_arg(ap, int64_t));
		} else {
			const void *p = va_arg(ap, const void *);
			size_t n = va_arg(ap, size_t);

			sqlite3_bind_blob(*s, i, p, (int)n, SQLITE_TRANSIENT);
		}
	}
	return STK_OK;
}

int
sqldb_prep(const struct sqldb *d, sqlite3_stmt **s, const char *what,
    const char *sql, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = sqldb_vprep(d, s, what, sql, fmt, ap);
	va_end(ap);
	return rc;
}

int
sqldb_step_done(const struct sqldb *d, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s), ext;

	if (rc == SQLITE_DONE)
		return STK_OK;
	if ((rc & 0xff) != SQLITE_CONSTRAINT)
		return sqldb_fail(d, "step");
	ext = sqlite3_extended_errcode(d->db);
	if (ext == SQLITE_CONSTRAINT_UNIQUE ||
	    ext == SQLITE_CONSTRAINT_PRIMARYKEY)
		return STK_E_DUPLICATE;
	if (ext == SQLITE_CONSTRAINT_FOREIGNKEY)
		return STK_E_NOT_FOUND;
	return STK_E_INVALID;
}

int
sqldb_done(const struct sqldb *d, sqlite3_stmt *s, const char *what)
{
	int rc;

	if (s == NULL)
		return STK_E_IO;
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? STK_OK : sqldb_fail(d, what);
}

int
sqldb_each_row(const struct sqldb *d, sqlite3_stmt *s, const char *what,
    int (*row)(sqlite3_stmt *, void *), void *ctx)
{
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if ((rc = row(s, ctx)) != 0)
			goto out;
	rc = (rc == SQLITE_DONE) ? STK_OK : sqldb_fail(d, what);
 out:
	sqlite3_finalize(s);
	return rc;
}

void
sqldb_col_text(sqlite3_stmt *s, int i, char *out, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	size_t n = t ? (size_t)sqlite3_column_bytes(s, i) : 0;

	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(out, t, n);
	out[n] = '\0';
}

int
sqldb_col_blob(sqlite3_stmt *s, int i, uint8_t *out, size_t cap,
    size_t *len)
{
	const void *b = sqlite3_column_blob(s, i);
	int n = sqlite3_column_bytes(s, i);

	*len = 0;
	if (n < 0 || (size_t)n > cap)
		return STK_E_INVALID;
	if (n > 0 && b != NULL) {
		memcpy(out, b, (size_t)n);
		*len = (size_t)n;
	}
	return STK_OK;
}
