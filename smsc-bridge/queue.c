/*
 * queue.c - the bridge's durable state (docs/BRIDGE.md §4): one SQLite
 * file in WAL mode with synchronous=FULL, so that a commit survives a
 * kill -9 or a power cut.
 *
 *   jobs   claimed jobs (BRIDGE-API §3), stored before anything is done
 *          with them; their state (enum q_job_state) and, once built, the
 *          command's OTA parameters (to match a PoR)
 *   msgs   the outbox: one row per SMS-SUBMIT, with attempts (counted
 *          before each submit, so retries stay bounded across crashes),
 *          the transport and network reference once sent
 *   inbox  every TPDU a transport handed over, stored before the
 *          transport acknowledges it to the network
 *   posts  the calls to the server still to make (ack, delivery,
 *          results): queued in the same transaction as the state change
 *          that causes them, retried until answered
 *
 * Finished rows are removed after the retention period by queue_purge()
 * (docs/BRIDGE.md §5a); the row ids are AUTOINCREMENT, so an id (a
 * resultId "NAME-in-ID") is never given twice, also after a purge.
 *
 * Every function is one statement or runs inside the caller's
 * queue_begin()/queue_commit(), except queue_purge(): its own
 * transaction per batch.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "bridge.h"
#include "err.h"
#include "log.h"
#include "sqldb.h"

struct queue {
	struct sqldb d;		/* who "queue", execs logged with 40
				   characters of their SQL */
};

#define STATE_NAMES(fn, ...) \
	const char *fn(int st) { \
		static const char *const n[] = { __VA_ARGS__ }; \
		return st >= 0 && (size_t)st < sizeof(n) / sizeof(n[0]) ? \
		    n[st] : "unknown"; \
	}

STATE_NAMES(q_job_state_name, "new", "ready", "sent", "failed", "abandoned",
    "done")
STATE_NAMES(q_msg_state_name, "queued", "inflight", "sent", "failed")
STATE_NAMES(q_in_state_name, "new", "segment", "done", "dropped", "expired")
STATE_NAMES(q_post_state_name, "pending", "ok", "refused", "gave_up",
    "cancelled")

static const char *const schema =
    "CREATE TABLE IF NOT EXISTS jobs ("
    "  job_id TEXT PRIMARY KEY, session_id TEXT NOT NULL,"
    "  msisdn TEXT NOT NULL, iccid TEXT NOT NULL,"
    "  lease_id TEXT NOT NULL, lease_expires INTEGER NOT NULL,"
    "  expires INTEGER NOT NULL, attempt INTEGER NOT NULL,"
    "  request BLOB NOT NULL, state INTEGER NOT NULL,"
    "  cntr INTEGER, kvn INTEGER, kic INTEGER, kid INTEGER, spi INTEGER,"
    "  delivered INTEGER NOT NULL DEFAULT 0,"
    "  created INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state);"
    "CREATE INDEX IF NOT EXISTS jobs_cntr ON jobs(iccid, cntr);"
    "CREATE TABLE IF NOT EXISTS msgs ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  job_id TEXT NOT NULL REFERENCES jobs(job_id),"
    "  dest TEXT NOT NULL, tpdu BLOB NOT NULL,"
    "  state INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_try INTEGER NOT NULL DEFAULT 0,"
    "  transport TEXT NOT NULL DEFAULT '', network_ref TEXT NOT NULL"
    "  DEFAULT '', sent INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS msgs_state ON msgs(state, next_try);"
    "CREATE INDEX IF NOT EXISTS msgs_job ON msgs(job_id);"
    /* queue_msg_by_ref(), on every status report: without it, a scan
     * of every message ever sent. */
    "CREATE INDEX IF NOT EXISTS msgs_dest ON msgs(dest, state);"
    "CREATE TABLE IF NOT EXISTS inbox ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  transport TEXT NOT NULL, tpdu BLOB NOT NULL,"
    "  received INTEGER NOT NULL, state INTEGER NOT NULL,"
    "  orig TEXT, ref INTEGER, total INTEGER, seq INTEGER, iei INTEGER,"
    "  note TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX IF NOT EXISTS inbox_state ON inbox(state);"
    "CREATE INDEX IF NOT EXISTS inbox_set ON inbox(orig, ref, total);"
    "CREATE TABLE IF NOT EXISTS posts ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, kind INTEGER NOT NULL,"
    "  job_id TEXT NOT NULL DEFAULT '', path TEXT NOT NULL,"
    "  body TEXT NOT NULL, state INTEGER NOT NULL,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_try INTEGER NOT NULL DEFAULT 0, http INTEGER NOT NULL"
    "  DEFAULT 0, created INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS posts_state ON posts(state, id);";

/* After migrate(): the purge finds the old rows through these, without
 * a scan of the rows still within the retention period. */
static const char *const schema_purge =
    "CREATE INDEX IF NOT EXISTS jobs_expires ON jobs(expires);"
    "CREATE INDEX IF NOT EXISTS posts_created ON posts(created);"
    "CREATE INDEX IF NOT EXISTS inbox_received ON inbox(received);";

/* The helpers of common/sqldb.h, for this queue's connection. */
static int
fail(struct queue *q, const char *what)
{
	return sqldb_fail(&q->d, what);
}

static int
exec(struct queue *q, const char *sql)
{
	return sqldb_exec(&q->d, sql);
}

/*
 * Prepare sql and bind the arguments described by fmt: 't' text,
 * 'i' int64, 'b' blob (pointer, size_t).  NULL on failure (logged with
 * the SQL).
 */
static sqlite3_stmt *
prep(struct queue *q, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st;
	va_list ap;

	va_start(ap, fmt);
	(void)sqldb_vprep(&q->d, &st, sql, sql, fmt, ap);
	va_end(ap);
	return st;
}

/* Step a write statement to completion and finalize it (NULL: an
 * error already logged). */
static int
done(struct queue *q, sqlite3_stmt *st, const char *what)
{
	return sqldb_done(&q->d, st, what);
}

/*
 * A queue.db written before posts had a creation time: the column is
 * added, and the rows already there get the time of the upgrade, so that they
 * are kept a full retention period from now, not purged at once for an
 * age nobody knows.
 */
static int
migrate(struct queue *q)
{
	sqlite3_stmt *st;
	int r;

	if (sqlite3_prepare_v2(q->d.db, "SELECT created FROM posts LIMIT 0",
	    -1, &st, NULL) == SQLITE_OK) {
		sqlite3_finalize(st);
		return STK_OK;
	}
	sqlite3_finalize(st);
	if ((r = queue_begin(q)) != STK_OK)
		return r;
	if (exec(q, "ALTER TABLE posts ADD COLUMN created INTEGER NOT NULL "
	    "DEFAULT 0") != STK_OK || done(q, prep(q, "UPDATE posts SET "
	    "created = ?", "i", bridge_now_ms()), "posts created") != STK_OK ||
	    queue_commit(q) != STK_OK) {
		queue_rollback(q);
		return STK_E_IO;
	}
	log_info("queue: posts.created added (rows there kept one retention "
	    "period from now)");
	return STK_OK;
}

int
queue_open(const char *path, struct queue **out, char *err, size_t errsz)
{
	struct queue *q;

	*out = NULL;
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return STK_E_NOMEM;
	q->d.who = "queue";
	q->d.exec_sql = 40;
	if (sqlite3_open_v2(path, &q->d.db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		snprintf(err, errsz, "%s: %s", path, q->d.db ?
		    sqlite3_errmsg(q->d.db) : "cannot open");
		queue_close(q);
		return STK_E_IO;
	}
	sqlite3_busy_timeout(q->d.db, 5000);
	if (exec(q, "PRAGMA journal_mode = WAL;") != STK_OK ||
	    exec(q, "PRAGMA synchronous = FULL;") != STK_OK ||
	    exec(q, schema) != STK_OK || migrate(q) != STK_OK ||
	    exec(q, schema_purge) != STK_OK || exec(q, "CREATE TEMP TABLE "
	    "purge_jobs (job_id TEXT PRIMARY KEY)") != STK_OK) {
		snprintf(err, errsz, "%s: %s", path, sqlite3_errmsg(q->d.db));
		queue_close(q);
		return STK_E_IO;
	}
	*out = q;
	return STK_OK;
}

void
queue_close(struct queue *q)
{
	if (q == NULL)
		return;
	sqlite3_close(q->d.db);
	free(q);
}

int queue_begin(struct queue *q) { return exec(q, "BEGIN IMMEDIATE"); }
int queue_commit(struct queue *q) { return exec(q, "COMMIT"); }

void
queue_rollback(struct queue *q)
{
	if (!sqlite3_get_autocommit(q->d.db))
		(void)exec(q, "ROLLBACK");
}

/* ---- jobs ---------------------------------------------------------------- */

#define JOB_COLS "job_id, session_id, msisdn, iccid, lease_id, " \
	"lease_expires, expires, attempt, request, state, " \
	"coalesce(cntr, 0), coalesce(kvn, 0), coalesce(kic, 0), " \
	"coalesce(kid, 0), coalesce(spi, 0), delivered"

static void
job_from_row(sqlite3_stmt *st, struct q_job *j)
{
	memset(j, 0, sizeof(*j));
	sqldb_col_text(st, 0, j->job_id, sizeof(j->job_id));
	sqldb_col_text(st, 1, j->session_id, sizeof(j->session_id));
	sqldb_col_text(st, 2, j->msisdn, sizeof(j->msisdn));
	sqldb_col_text(st, 3, j->iccid, sizeof(j->iccid));
	sqldb_col_text(st, 4, j->lease_id, sizeof(j->lease_id));
	j->lease_expires_ms = sqlite3_column_int64(st, 5);
	j->expires_ms = sqlite3_column_int64(st, 6);
	j->attempt = sqlite3_column_int(st, 7);
	(void)sqldb_col_blob(st, 8, j->request, sizeof(j->request),
	    &j->request_len);
	j->state = sqlite3_column_int(st, 9);
	j->cntr = (uint64_t)sqlite3_column_int64(st, 10);
	j->kvn = (uint8_t)sqlite3_column_int(st, 11);
	j->kic = (uint8_t)sqlite3_column_int(st, 12);
	j->kid = (uint8_t)sqlite3_column_int(st, 13);
	j->spi = (uint16_t)sqlite3_column_int(st, 14);
	j->delivered_reported = sqlite3_column_int(st, 15) != 0;
}

static int
job_query(struct queue *q, sqlite3_stmt *st, struct q_job *j)
{
	int rc, r;

	if (st == NULL)
		return STK_E_IO;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		job_from_row(st, j);
		r = STK_OK;
	} else if (rc == SQLITE_DONE) {
		r = STK_E_NOT_FOUND;
	} else {
		r = fail(q, "job");
	}
	sqlite3_finalize(st);
	return r;
}

int
queue_job_get(struct queue *q, const char *job_id, struct q_job *j)
{
	return job_query(q, prep(q, "SELECT " JOB_COLS " FROM jobs WHERE "
	    "job_id = ?", "t", job_id), j);
}

int
queue_job_by_cntr(struct queue *q, const char *iccid, uint64_t cntr,
    struct q_job *j)
{
	return job_query(q, prep(q, "SELECT " JOB_COLS " FROM jobs WHERE "
	    "iccid = ? AND cntr = ? ORDER BY created DESC LIMIT 1", "ti",
	    iccid, (int64_t)cntr), j);
}

int
queue_job_latest_sent(struct queue *q, const char *iccid, int64_t now_ms,
    struct q_job *j)
{
	return job_query(q, prep(q, "SELECT " JOB_COLS " FROM jobs WHERE "
	    "iccid = ? AND state IN (?, ?) AND expires > ? "
	    "ORDER BY created DESC LIMIT 1", "tiii", iccid, (int64_t)QJ_SENT,
	    (int64_t)QJ_DONE, now_ms), j);
}

int
queue_job_put(struct queue *q, const struct q_job *j, int *was_state)
{
	struct q_job old;
	int r;

	r = queue_job_get(q, j->job_id, &old);
	if (r != STK_OK && r != STK_E_NOT_FOUND)
		return r;
	if (r == STK_E_NOT_FOUND) {
		*was_state = -1;
		return done(q, prep(q, "INSERT INTO jobs (job_id, session_id, "
		    "msisdn, iccid, lease_id, lease_expires, expires, attempt, "
		    "request, state, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
		    "?, ?, ?)", "tttttiiibii", j->job_id, j->session_id,
		    j->msisdn, j->iccid, j->lease_id,
		    (int64_t)j->lease_expires_ms, (int64_t)j->expires_ms,
		    (int64_t)j->attempt, j->request, j->request_len,
		    (int64_t)QJ_NEW, bridge_now_ms()), "insert job");
	}
	/* Re-claimed: the new lease replaces the old one.  A job we had
	 * given up because its lease ran out becomes ours to send again
	 * (READY when it was built, with the same packet: the card drops a
	 * copy it already has, by its counter). */
	*was_state = old.state;
	return done(q, prep(q, "UPDATE jobs SET lease_id = ?, lease_expires "
	    "= ?, attempt = ?, expires = ?, state = CASE state WHEN ? THEN "
	    "CASE WHEN cntr IS NULL THEN ? ELSE ? END ELSE state END WHERE "
	    "job_id = ?", "tiiiiiit", j->lease_id,
	    (int64_t)j->lease_expires_ms, (int64_t)j->attempt,
	    (int64_t)j->expires_ms, (int64_t)QJ_ABANDONED, (int64_t)QJ_NEW,
	    (int64_t)QJ_READY, j->job_id), "re-claim job");
}

int
queue_job_set_state(struct queue *q, const char *job_id, int state)
{
	return done(q, prep(q, "UPDATE jobs SET state = ? WHERE job_id = ?",
	    "it", (int64_t)state, job_id), "job state");
}

int
queue_job_set_built(struct queue *q, const struct q_job *j)
{
	return done(q, prep(q, "UPDATE jobs SET state = ?, cntr = ?, kvn = ?, "
	    "kic = ?, kid = ?, spi = ? WHERE job_id = ?", "iiiiiit",
	    (int64_t)QJ_READY, (int64_t)j->cntr, (int64_t)j->kvn,
	    (int64_t)j->kic, (int64_t)j->kid, (int64_t)j->spi, j->job_id),
	    "job built");
}

int
queue_job_set_delivered(struct queue *q, const char *job_id)
{
	return done(q, prep(q, "UPDATE jobs SET delivered = 1 WHERE job_id = ?",
	    "t", job_id), "job delivered");
}

int
queue_jobs_in_state(struct queue *q, int st, char (*ids)[BRIDGE_ID_MAX + 1],
    int max)
{
	sqlite3_stmt *s;
	int n = 0, rc;

	if ((s = prep(q, "SELECT job_id FROM jobs WHERE state = ? ORDER BY "
	    "created, job_id LIMIT ?", "ii", (int64_t)st, (int64_t)max)) ==
	    NULL)
		return STK_E_IO;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && n < max)
		sqldb_col_text(s, 0, ids[n++], BRIDGE_ID_MAX + 1);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(q, "jobs in state");
	return n;
}

/* ---- outbox messages ------------------------------------------------------ */

#define MSG_COLS "id, job_id, dest, tpdu, state, attempts, next_try, " \
	"transport, network_ref"

static void
msg_from_row(sqlite3_stmt *st, struct q_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->id = (uint64_t)sqlite3_column_int64(st, 0);
	sqldb_col_text(st, 1, m->job_id, sizeof(m->job_id));
	sqldb_col_text(st, 2, m->dest, sizeof(m->dest));
	(void)sqldb_col_blob(st, 3, m->tpdu, sizeof(m->tpdu), &m->tpdu_len);
	m->state = sqlite3_column_int(st, 4);
	m->attempts = sqlite3_column_int(st, 5);
	m->next_try_ms = sqlite3_column_int64(st, 6);
	sqldb_col_text(st, 7, m->transport, sizeof(m->transport));
	sqldb_col_text(st, 8, m->network_ref, sizeof(m->network_ref));
}

int
queue_msg_add(struct queue *q, const struct q_msg *m, uint64_t *id)
{
	int r;

	r = done(q, prep(q, "INSERT INTO msgs (job_id, dest, tpdu, state) "
	    "VALUES (?, ?, ?, ?)", "ttbi", m->job_id, m->dest, m->tpdu,
	    m->tpdu_len, (int64_t)QM_QUEUED), "add message");
	if (r == STK_OK && id != NULL)
		*id = (uint64_t)sqlite3_last_insert_rowid(q->d.db);
	return r;
}

int
queue_msg_get(struct queue *q, uint64_t id, struct q_msg *m)
{
	sqlite3_stmt *st;
	int rc, r;

	if ((st = prep(q, "SELECT " MSG_COLS " FROM msgs WHERE id = ?", "i",
	    (int64_t)id)) == NULL)
		return STK_E_IO;
	rc = sqlite3_step(st);
	r = rc == SQLITE_ROW ? STK_OK : rc == SQLITE_DONE ? STK_E_NOT_FOUND :
	    fail(q, "message");
	if (rc == SQLITE_ROW)
		msg_from_row(st, m);
	sqlite3_finalize(st);
	return r;
}

int
queue_msgs_due(struct queue *q, int64_t now, struct q_msg *out, int max)
{
	sqlite3_stmt *st;
	int n = 0, rc;

	if ((st = prep(q, "SELECT m.id, m.job_id, m.dest, m.tpdu, m.state, "
	    "m.attempts, m.next_try, m.transport, m.network_ref FROM msgs m "
	    "JOIN jobs j ON j.job_id = m.job_id WHERE m.state = ? AND "
	    "m.next_try <= ? AND j.state = ? ORDER BY m.id LIMIT ?", "iiii",
	    (int64_t)QM_QUEUED, (int64_t)now, (int64_t)QJ_READY,
	    (int64_t)max)) == NULL)
		return STK_E_IO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < max)
		msg_from_row(st, &out[n++]);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(q, "due messages");
	return n;
}

int64_t
queue_msgs_next_due(struct queue *q)
{
	sqlite3_stmt *st;
	int64_t t = 0;

	if ((st = prep(q, "SELECT min(m.next_try) FROM msgs m JOIN jobs j ON "
	    "j.job_id = m.job_id WHERE m.state = ? AND j.state = ?", "ii",
	    (int64_t)QM_QUEUED, (int64_t)QJ_READY)) == NULL)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		t = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return t;
}

int
queue_msg_inflight(struct queue *q, uint64_t id, const char *transport)
{
	return done(q, prep(q, "UPDATE msgs SET state = ?, attempts = "
	    "attempts + 1, transport = ? WHERE id = ?", "iti",
	    (int64_t)QM_INFLIGHT, transport, (int64_t)id), "in flight");
}

int
queue_msg_sent(struct queue *q, uint64_t id, const char *ref)
{
	return done(q, prep(q, "UPDATE msgs SET state = ?, network_ref = ?, "
	    "sent = ? WHERE id = ?", "itii", (int64_t)QM_SENT, ref ? ref : "",
	    bridge_now_ms(), (int64_t)id), "sent");
}

int
queue_msg_requeue(struct queue *q, uint64_t id, int64_t next_try_ms)
{
	return done(q, prep(q, "UPDATE msgs SET state = ?, next_try = ? WHERE "
	    "id = ?", "iii", (int64_t)QM_QUEUED, (int64_t)next_try_ms,
	    (int64_t)id), "requeue");
}

int
queue_msg_failed(struct queue *q, uint64_t id)
{
	return done(q, prep(q, "UPDATE msgs SET state = ? WHERE id = ?", "ii",
	    (int64_t)QM_FAILED, (int64_t)id), "failed");
}

int
queue_jobs_held(struct queue *q, long *n)
{
	sqlite3_stmt *st;
	int r = STK_E_IO;

	*n = 0;
	if ((st = prep(q, "SELECT count(*) FROM jobs WHERE state IN (?, ?)",
	    "ii", (int64_t)QJ_NEW, (int64_t)QJ_READY)) == NULL)
		return STK_E_IO;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*n = (long)sqlite3_column_int64(st, 0);
		r = STK_OK;
	} else {
		r = fail(q, "held jobs");
	}
	sqlite3_finalize(st);
	return r;
}

int
queue_job_unsent(struct queue *q, const char *job_id, int *n)
{
	sqlite3_stmt *st;

	if ((st = prep(q, "SELECT count(*) FROM msgs WHERE job_id = ? AND "
	    "state IN (?, ?)", "tii", job_id, (int64_t)QM_QUEUED,
	    (int64_t)QM_INFLIGHT)) == NULL)
		return STK_E_IO;
	*n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return STK_OK;
}

int
queue_job_resent(struct queue *q, const char *job_id, bool *resent)
{
	sqlite3_stmt *st;

	if ((st = prep(q, "SELECT count(*) FROM msgs WHERE job_id = ? AND "
	    "attempts > 1", "t", job_id)) == NULL)
		return STK_E_IO;
	*resent = sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_int(st, 0) > 0;
	sqlite3_finalize(st);
	return STK_OK;
}

int
queue_post_cancel(struct queue *q, uint64_t id)
{
	return done(q, prep(q, "UPDATE posts SET state = ? WHERE id = ? AND "
	    "state = ?", "iii", (int64_t)QP_CANCELLED, (int64_t)id,
	    (int64_t)QP_PENDING), "cancel post");
}

int
queue_msgs_recover(struct queue *q, int *n)
{
	int r = done(q, prep(q, "UPDATE msgs SET state = ? WHERE state = ?",
	    "ii", (int64_t)QM_QUEUED, (int64_t)QM_INFLIGHT), "recover");

	*n = r == STK_OK ? sqlite3_changes(q->d.db) : 0;
	return r;
}

int
queue_msg_by_ref(struct queue *q, const char *transport, const char *unit,
    unsigned mr, const char *dest, struct q_msg *m)
{
	sqlite3_stmt *st;
	char prefix[BRIDGE_NAME_MAX + 2] = "";
	int rc, r = STK_E_NOT_FOUND;

	/* Network references are TP-MR (0..255, modems) or longer SMSC
	 * ids whose report carries them modulo 256, after "UNIT:" when a
	 * link of the transport gave them; the most recent match to the
	 * same recipient wins. */
	if (unit != NULL && *unit != '\0')
		snprintf(prefix, sizeof(prefix), "%s:", unit);
	if ((st = prep(q, "SELECT " MSG_COLS " FROM msgs WHERE transport = ? "
	    "AND state = ? AND dest = ? AND substr(network_ref, 1, ?) = ? AND "
	    "substr(network_ref, ? + 1) GLOB '[0-9]*' AND "
	    "(CAST(substr(network_ref, ? + 1) AS INTEGER) % 256) = ? "
	    "ORDER BY sent DESC, id DESC LIMIT 1", "tititiii", transport,
	    (int64_t)QM_SENT, dest, (int64_t)strlen(prefix), prefix,
	    (int64_t)strlen(prefix), (int64_t)strlen(prefix), (int64_t)mr)) ==
	    NULL)
		return STK_E_IO;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		msg_from_row(st, m);
		r = STK_OK;
	} else if (rc != SQLITE_DONE) {
		r = fail(q, "message by reference");
	}
	sqlite3_finalize(st);
	return r;
}

/* ---- posts to the server ---------------------------------------------------- */

int
queue_post_add(struct queue *q, int kind, const char *job_id,
    const char *path, const char *body, uint64_t *id)
{
	int r = done(q, prep(q, "INSERT INTO posts (kind, job_id, path, body, "
	    "state, created) VALUES (?, ?, ?, ?, ?, ?)", "itttii",
	    (int64_t)kind, job_id ? job_id : "", path, body,
	    (int64_t)QP_PENDING, bridge_now_ms()), "post");

	if (r == STK_OK && id != NULL)
		*id = (uint64_t)sqlite3_last_insert_rowid(q->d.db);
	return r;
}

#define POST_COLS "id, kind, job_id, path, body, attempts, next_try"

/* The first row of st (selecting POST_COLS) into p, st finalized:
 * STK_E_NOT_FOUND without a row; st NULL (prep failed, logged): STK_E_IO. */
static int
post_read(struct queue *q, sqlite3_stmt *st, struct q_post *p,
    const char *what)
{
	int rc, r = STK_E_NOT_FOUND;

	memset(p, 0, sizeof(*p));
	if (st == NULL)
		return STK_E_IO;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *b = sqlite3_column_text(st, 4);

		p->id = (uint64_t)sqlite3_column_int64(st, 0);
		p->kind = sqlite3_column_int(st, 1);
		sqldb_col_text(st, 2, p->job_id, sizeof(p->job_id));
		sqldb_col_text(st, 3, p->path, sizeof(p->path));
		p->body = strdup(b ? (const char *)b : "{}");
		p->attempts = sqlite3_column_int(st, 5);
		p->next_try_ms = sqlite3_column_int64(st, 6);
		r = p->body ? STK_OK : STK_E_NOMEM;
	} else if (rc != SQLITE_DONE) {
		r = fail(q, what);
	}
	sqlite3_finalize(st);
	return r;
}

int
queue_post_next(struct queue *q, int64_t now, struct q_post *p)
{
	return post_read(q, prep(q, "SELECT " POST_COLS " FROM posts WHERE "
	    "state = ? AND next_try <= ? ORDER BY id LIMIT 1", "ii",
	    (int64_t)QP_PENDING, (int64_t)now), p, "next post");
}

/*
 * A pending post is at the head of its job when no older post of the same
 * job is still pending: the calls about one job reach the server in the
 * order they were queued (its ack before its delivery report), also when
 * one of them waits for a retry.  Posts without a job are heads.
 */
#define POST_HEAD "p.state = ? AND (p.job_id = '' OR NOT EXISTS (SELECT 1 " \
	"FROM posts e WHERE e.state = p.state AND e.job_id = p.job_id AND " \
	"e.id < p.id))"

int
queue_post_due(struct queue *q, int64_t now, uint64_t *ids, size_t max,
    size_t *n)
{
	sqlite3_stmt *st;
	int rc;

	*n = 0;
	if ((st = prep(q, "SELECT p.id FROM posts p WHERE " POST_HEAD " AND "
	    "p.next_try <= ? ORDER BY p.id LIMIT ?", "iii",
	    (int64_t)QP_PENDING, (int64_t)now, (int64_t)max)) == NULL)
		return STK_E_IO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max)
		ids[(*n)++] = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STK_OK :
	    fail(q, "due posts");
}

int
queue_post_get(struct queue *q, uint64_t id, struct q_post *p)
{
	return post_read(q, prep(q, "SELECT " POST_COLS " FROM posts WHERE "
	    "id = ? AND state = ?", "ii", (int64_t)id, (int64_t)QP_PENDING), p,
	    "post");
}

int64_t
queue_post_next_due(struct queue *q)
{
	sqlite3_stmt *st;
	int64_t t = -1;

	if ((st = prep(q, "SELECT min(p.next_try) FROM posts p WHERE "
	    POST_HEAD, "i", (int64_t)QP_PENDING)) == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		t = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return t;
}

int
queue_post_done(struct queue *q, uint64_t id, int state, int http)
{
	return done(q, prep(q, "UPDATE posts SET state = ?, http = ?, attempts "
	    "= attempts + 1 WHERE id = ?", "iii", (int64_t)state,
	    (int64_t)http, (int64_t)id), "post done");
}

int
queue_post_retry(struct queue *q, uint64_t id, int64_t next_try_ms)
{
	return done(q, prep(q, "UPDATE posts SET attempts = attempts + 1, "
	    "next_try = ? WHERE id = ?", "ii", (int64_t)next_try_ms,
	    (int64_t)id), "post retry");
}

void
q_post_clear(struct q_post *p)
{
	free(p->body);
	p->body = NULL;
}

/* ---- inbox --------------------------------------------------------------- */

int
queue_in_add(struct queue *q, const char *transport, const uint8_t *tpdu,
    size_t len, int64_t now_ms, uint64_t *id)
{
	int r = done(q, prep(q, "INSERT INTO inbox (transport, tpdu, received, "
	    "state) VALUES (?, ?, ?, ?)", "tbii", transport, tpdu, len,
	    (int64_t)now_ms, (int64_t)QI_NEW), "inbox");

	if (r == STK_OK && id != NULL)
		*id = (uint64_t)sqlite3_last_insert_rowid(q->d.db);
	return r;
}

int
queue_in_add_segment(struct queue *q, const char *transport,
    const uint8_t *tpdu, size_t len, int64_t now_ms, const char *orig,
    unsigned ref, unsigned total, unsigned seq, uint8_t iei, uint64_t *id)
{
	int r = done(q, prep(q, "INSERT INTO inbox (transport, tpdu, received, "
	    "state, orig, ref, total, seq, iei) VALUES (?, ?, ?, ?, ?, ?, ?, "
	    "?, ?)", "tbiitiiii", transport, tpdu, len, (int64_t)now_ms,
	    (int64_t)QI_SEGMENT, orig, (int64_t)ref, (int64_t)total,
	    (int64_t)seq, (int64_t)iei), "inbox segment");

	if (r == STK_OK && id != NULL)
		*id = (uint64_t)sqlite3_last_insert_rowid(q->d.db);
	return r;
}

int
queue_in_get(struct queue *q, uint64_t id, struct q_in *in)
{
	sqlite3_stmt *st;
	int rc, r;

	memset(in, 0, sizeof(*in));
	if ((st = prep(q, "SELECT id, transport, tpdu, received, state FROM "
	    "inbox WHERE id = ?", "i", (int64_t)id)) == NULL)
		return STK_E_IO;
	rc = sqlite3_step(st);
	r = rc == SQLITE_ROW ? STK_OK : rc == SQLITE_DONE ? STK_E_NOT_FOUND :
	    fail(q, "inbox row");
	if (rc == SQLITE_ROW) {
		in->id = (uint64_t)sqlite3_column_int64(st, 0);
		sqldb_col_text(st, 1, in->transport, sizeof(in->transport));
		(void)sqldb_col_blob(st, 2, in->tpdu, sizeof(in->tpdu),
		    &in->tpdu_len);
		in->received_ms = sqlite3_column_int64(st, 3);
		in->state = sqlite3_column_int(st, 4);
	}
	sqlite3_finalize(st);
	return r;
}

int
queue_in_set(struct queue *q, uint64_t id, int state, const char *note)
{
	return done(q, prep(q, "UPDATE inbox SET state = ?, note = ? WHERE "
	    "id = ?", "iti", (int64_t)state, note ? note : "", (int64_t)id),
	    "inbox state");
}

int
queue_in_set_segment(struct queue *q, uint64_t id, const char *orig,
    unsigned ref, unsigned total, unsigned seq, uint8_t iei)
{
	return done(q, prep(q, "UPDATE inbox SET state = ?, orig = ?, ref = ?, "
	    "total = ?, seq = ?, iei = ? WHERE id = ?", "itiiiii",
	    (int64_t)QI_SEGMENT, orig, (int64_t)ref, (int64_t)total,
	    (int64_t)seq, (int64_t)iei, (int64_t)id), "segment");
}

int
queue_in_set_peek(struct queue *q, const char *orig, unsigned ref,
    unsigned total, uint64_t *first_id, uint8_t *iei)
{
	sqlite3_stmt *st;

	*first_id = 0;
	*iei = 0;
	if ((st = prep(q, "SELECT min(id), max(CASE WHEN seq = 1 THEN iei "
	    "ELSE 0 END) FROM inbox WHERE state = ? AND orig = ? AND ref = ? "
	    "AND total = ?", "itii", (int64_t)QI_SEGMENT, orig, (int64_t)ref,
	    (int64_t)total)) == NULL)
		return STK_E_IO;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*first_id = (uint64_t)sqlite3_column_int64(st, 0);
		*iei = (uint8_t)sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	return STK_OK;
}

int
queue_in_close_set(struct queue *q, const char *orig, unsigned ref,
    unsigned total, int state, uint64_t *first_id, uint8_t *iei)
{
	int r = queue_in_set_peek(q, orig, ref, total, first_id, iei);

	if (r != STK_OK)
		return r;
	return done(q, prep(q, "UPDATE inbox SET state = ? WHERE state = ? AND "
	    "orig = ? AND ref = ? AND total = ?", "iitii", (int64_t)state,
	    (int64_t)QI_SEGMENT, orig, (int64_t)ref, (int64_t)total),
	    "close set");
}

int
queue_in_ids(struct queue *q, int st, uint64_t after, uint64_t *ids,
    int max)
{
	sqlite3_stmt *s;
	int n = 0, rc;

	if ((s = prep(q, "SELECT id FROM inbox WHERE state = ? AND id > ? "
	    "ORDER BY id LIMIT ?", "iii", (int64_t)st, (int64_t)after,
	    (int64_t)max)) == NULL)
		return STK_E_IO;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && n < max)
		ids[n++] = (uint64_t)sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(q, "inbox ids");
	return n;
}

int
queue_counts(struct queue *q, const char *table, long *counts, int nstates)
{
	char sql[96];
	sqlite3_stmt *st;
	int rc;

	for (int i = 0; i < nstates; i++)
		counts[i] = 0;
	snprintf(sql, sizeof(sql), "SELECT state, count(*) FROM %s GROUP BY "
	    "state", table);
	if ((st = prep(q, sql, "")) == NULL)
		return STK_E_IO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int s = sqlite3_column_int(st, 0);

		if (s >= 0 && s < nstates)
			counts[s] = (long)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? STK_OK : fail(q, "counts");
}

/* ---- retention ------------------------------------------------------------ */

STATE_NAMES(q_table_name, "jobs", "msgs", "posts", "inbox")

/*
 * A job is finished when nothing the bridge does can concern it any more:
 *   - its state is SENT, FAILED, ABANDONED or DONE (NEW and READY are
 *     work in hand);
 *   - no call to the server about it is pending (an ack, a delivery
 *     report still to make);
 *   - no SMS of it is in flight (a transport may still call sent());
 *   - it expired before the cut-off: every SMS of it carried a TP-VP
 *     ending at the job's expiry (core.c build_job), so the SC has given
 *     up by then and a status report (TS 23.040 §9.2.3.15) or PoR no
 *     longer comes; an ABANDONED job is not offered again after it.
 * Its SMS go with it, whatever their state (queued SMS of a job no longer
 * READY are never sent).
 */
#define JOB_GONE "j.expires < :before AND j.created < :before AND " \
	"j.state NOT IN (:j_new, :j_ready) AND NOT EXISTS (SELECT 1 FROM " \
	"posts p WHERE p.state = :p_pending AND p.job_id = j.job_id) AND " \
	"NOT EXISTS (SELECT 1 FROM msgs m1 WHERE m1.job_id = j.job_id AND " \
	"m1.state = :m_inflight)"

/*
 * One purge batch, statement by statement; each removes at most :limit
 * rows (what is left of the batch).  The jobs: chosen first, oldest
 * first, as many as fit in what is left with their SMS (a running sum
 * over at most :limit candidates, so a backlog is never walked whole),
 * then their SMS and themselves.  table -1: the count is not rows
 * removed.
 */
static const struct {
	int table;
	const char *sql;
} purge_steps[] = {
	/* Answered, refused, given-up or cancelled calls. */
	{ QT_POSTS, "DELETE FROM posts WHERE id IN (SELECT id FROM posts "
	    "WHERE created < :before AND +state <> :p_pending ORDER BY "
	    "created LIMIT :limit)" },
	/* Used or refused TPDUs and status reports, expired sets; a segment
	 * still waiting for its set only when its reassembly window is
	 * over too (the sweep would have expired it). */
	{ QT_INBOX, "DELETE FROM inbox WHERE id IN (SELECT id FROM inbox "
	    "WHERE received < :before AND (+state NOT IN (:i_new, "
	    ":i_segment) OR (+state = :i_segment AND received < "
	    ":seg_before)) ORDER BY received LIMIT :limit)" },
	{ -1, "DELETE FROM temp.purge_jobs" },
	{ -1, "INSERT INTO temp.purge_jobs SELECT job_id FROM (SELECT "
	    "job_id, sum(n) OVER (ORDER BY expires, job_id) AS run FROM "
	    "(SELECT j.job_id, j.expires, 1 + (SELECT count(*) FROM msgs c "
	    "WHERE c.job_id = j.job_id) AS n FROM jobs j WHERE " JOB_GONE
	    " ORDER BY j.expires LIMIT :limit)) WHERE run <= :limit" },
	{ QT_MSGS, "DELETE FROM msgs WHERE job_id IN (SELECT job_id FROM "
	    "temp.purge_jobs)" },
	{ QT_JOBS, "DELETE FROM jobs WHERE job_id IN (SELECT job_id FROM "
	    "temp.purge_jobs)" },
};

struct purge_param {
	const char *name;		/* without the ':' */
	int64_t v;
};

/* Bind every named parameter of st from p[n]; one not in p is a bug in
 * the table above (STK_E_INVALID). */
static int
bind_named(sqlite3_stmt *st, const struct purge_param *p, size_t n)
{
	for (int i = 1; i <= sqlite3_bind_parameter_count(st); i++) {
		const char *name = sqlite3_bind_parameter_name(st, i);
		size_t k = 0;

		while (k < n && (name == NULL || strcmp(name + 1, p[k].name)))
			k++;
		if (k == n || sqlite3_bind_int64(st, i, p[k].v) != SQLITE_OK)
			return STK_E_INVALID;
	}
	return STK_OK;
}

/* A segment is purged this long after its reassembly window, when the
 * sweep (core.c, every second) has expired its set. */
#define PURGE_REASM_SLACK_S	60

int
queue_purge(struct queue *q, int64_t now_ms, unsigned retention_s,
    unsigned reasm_timeout_s, unsigned max_rows, long purged[QT_TABLES])
{
	int64_t before_ms = now_ms - (int64_t)retention_s * 1000;
	int64_t seg_before_ms = now_ms - ((int64_t)reasm_timeout_s +
	    PURGE_REASM_SLACK_S) * 1000;
	struct purge_param p[] = {
		{ "before", before_ms }, { "seg_before", seg_before_ms },
		{ "limit", 0 }, { "p_pending", QP_PENDING },
		{ "m_inflight", QM_INFLIGHT }, { "j_new", QJ_NEW },
		{ "j_ready", QJ_READY }, { "i_new", QI_NEW },
		{ "i_segment", QI_SEGMENT },
	};
	long left = (long)max_rows;
	sqlite3_stmt *st;
	int r;

	for (int i = 0; i < QT_TABLES; i++)
		purged[i] = 0;
	if (seg_before_ms > before_ms)
		p[1].v = before_ms;
	if (retention_s == 0 || max_rows == 0)
		return STK_OK;			/* kept forever */
	if ((r = queue_begin(q)) != STK_OK)
		return r;
	for (size_t i = 0; i < sizeof(purge_steps) / sizeof(purge_steps[0]) &&
	    left > 0; i++) {
		p[2].v = left;
		if ((st = prep(q, purge_steps[i].sql, "")) == NULL) {
			r = STK_E_IO;
			break;
		}
		if ((r = bind_named(st, p, sizeof(p) / sizeof(p[0]))) !=
		    STK_OK) {
			sqlite3_finalize(st);
			break;
		}
		if ((r = done(q, st, "purge")) != STK_OK)
			break;
		if (purge_steps[i].table < 0)
			continue;
		purged[purge_steps[i].table] += sqlite3_changes(q->d.db);
		left -= sqlite3_changes(q->d.db);
	}
	if (r == STK_OK)
		r = queue_commit(q);
	if (r != STK_OK) {
		queue_rollback(q);
		for (int i = 0; i < QT_TABLES; i++)
			purged[i] = 0;
	}
	return r;
}
