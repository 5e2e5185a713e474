/*
 * test_bridge_queue.c - the retention of the bridge's queue
 * (smsc-bridge/queue.c queue_purge(), docs/BRIDGE.md §5a): a queue with
 * finished and unfinished rows of various ages loses exactly the old
 * finished ones; a batch never removes more rows than asked; retention 0
 * keeps everything; a queue.db from before posts.created is migrated;
 * the queue_retention key (config.c) with its units and FILE:LINE
 * errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "bridge.h"
#include "support_tmpdir.h"

#define DAY_MS		(86400LL * 1000)
#define RETENTION_S	(7 * 86400u)
#define REASM_S		600u

static char dir[64];
static int64_t now;

static int
setup(void **state)
{
	(void)state;
	assert_int_equal(tmpdir_make(dir, sizeof(dir), "bridge-queue"), 0);
	now = bridge_now_ms();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	assert_int_equal(tmpdir_remove(dir), 0);
	return 0;
}

/* Run sql on the file behind the queue's back (to age rows: the queue
 * stamps jobs and posts with the time they are stored). */
static void
sql(const char *path, const char *fmt, ...)
{
	char text[512];
	sqlite3 *db;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_exec(db, text, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static long
count(const char *path, const char *fmt, ...)
{
	char text[256];
	sqlite3 *db;
	sqlite3_stmt *st;
	va_list ap;
	long n;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, text, -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/* Job id in state st, created at created, expiring at expires, with nmsg
 * SMS in state mst. */
static void
job(struct queue *q, const char *path, const char *id, int st,
    int64_t created, int64_t expires, int nmsg, int mst)
{
	struct q_job j;
	struct q_msg m;
	uint64_t mid;
	int was;

	memset(&j, 0, sizeof(j));
	snprintf(j.job_id, sizeof(j.job_id), "%s", id);
	snprintf(j.session_id, sizeof(j.session_id), "S-%s", id);
	snprintf(j.msisdn, sizeof(j.msisdn), "+37255500001");
	snprintf(j.iccid, sizeof(j.iccid), "8944100000000123456");
	snprintf(j.lease_id, sizeof(j.lease_id), "L-%s", id);
	j.request_len = 3;
	j.lease_expires_ms = expires;
	j.expires_ms = expires;
	assert_int_equal(queue_job_put(q, &j, &was), STK_OK);
	assert_int_equal(queue_job_set_state(q, id, st), STK_OK);
	for (int i = 0; i < nmsg; i++) {
		memset(&m, 0, sizeof(m));
		snprintf(m.job_id, sizeof(m.job_id), "%s", id);
		snprintf(m.dest, sizeof(m.dest), "+37255500001");
		m.tpdu_len = 5;
		assert_int_equal(queue_msg_add(q, &m, &mid), STK_OK);
		if (mst == QM_INFLIGHT || mst == QM_SENT)
			assert_int_equal(queue_msg_inflight(q, mid, "t1"),
			    STK_OK);
		if (mst == QM_SENT)
			assert_int_equal(queue_msg_sent(q, mid, "7"), STK_OK);
		if (mst == QM_FAILED)
			assert_int_equal(queue_msg_failed(q, mid), STK_OK);
	}
	sql(path, "UPDATE jobs SET created = %lld WHERE job_id = '%s'",
	    (long long)created, id);
}

/* A call to the server about job (may be ""), in state st, queued at
 * created; its id. */
static uint64_t
post(struct queue *q, const char *path, const char *job_id, int st,
    int64_t created)
{
	uint64_t id;

	assert_int_equal(queue_post_add(q, job_id[0] ? QP_DELIVERY :
	    QP_RESULT, job_id, "/p", "{}", &id), STK_OK);
	if (st != QP_PENDING)
		assert_int_equal(queue_post_done(q, id, st, 200), STK_OK);
	sql(path, "UPDATE posts SET created = %lld WHERE id = %llu",
	    (long long)created, (unsigned long long)id);
	return id;
}

/* An inbox row received at received, in state st. */
static uint64_t
in(struct queue *q, int st, int64_t received)
{
	uint64_t id;

	if (st == QI_SEGMENT) {
		assert_int_equal(queue_in_add_segment(q, "t1",
		    (const uint8_t *)"s", 1, received, "+1", 3, 2, 1, 0x70,
		    &id), STK_OK);
		return id;
	}
	assert_int_equal(queue_in_add(q, "t1", (const uint8_t *)"x", 1,
	    received, &id), STK_OK);
	if (st != QI_NEW)
		assert_int_equal(queue_in_set(q, id, st, "t"), STK_OK);
	return id;
}

static bool
job_there(struct queue *q, const char *id)
{
	struct q_job j;

	return queue_job_get(q, id, &j) == STK_OK;
}

static void
test_purge_exact(void **state)
{
	char path[128], err[256];
	struct queue *q;
	long got[QT_TABLES];
	int64_t old = now - 8 * DAY_MS, young = now - DAY_MS;
	uint64_t p_ok, p_ref, p_gave, p_canc, p_pend, p_young;
	uint64_t i_done, i_drop, i_exp, i_new, i_seg_old, i_seg_win, i_young;
	struct q_in r;

	(void)state;
	snprintf(path, sizeof(path), "%s/exact.db", dir);
	assert_int_equal(queue_open(path, &q, err, sizeof(err)), STK_OK);
	/* Finished and older than the retention: removed, SMS with them. */
	job(q, path, "old-done", QJ_DONE, old, old + 60000, 2, QM_SENT);
	job(q, path, "old-failed", QJ_FAILED, old, old + 60000, 1, QM_QUEUED);
	job(q, path, "old-abandoned", QJ_ABANDONED, old, old + 60000, 0, 0);
	job(q, path, "old-sent", QJ_SENT, old, old + 60000, 1, QM_SENT);
	/* Kept: work in hand, a pending call, an SMS in flight, too young,
	 * not expired (a status report may still come). */
	job(q, path, "old-new", QJ_NEW, old, old + 60000, 0, 0);
	job(q, path, "old-ready", QJ_READY, old, old + 60000, 1, QM_QUEUED);
	job(q, path, "old-pending", QJ_DONE, old, old + 60000, 1, QM_SENT);
	job(q, path, "old-inflight", QJ_SENT, old, old + 60000, 1,
	    QM_INFLIGHT);
	job(q, path, "young-done", QJ_DONE, young, young + 60000, 1, QM_SENT);
	job(q, path, "old-not-expired", QJ_DONE, old, now + DAY_MS, 1,
	    QM_SENT);
	p_ok = post(q, path, "", QP_OK, old);
	p_ref = post(q, path, "old-done", QP_REFUSED, old);
	p_gave = post(q, path, "old-sent", QP_GAVE_UP, old);
	p_canc = post(q, path, "", QP_CANCELLED, old);
	p_pend = post(q, path, "old-pending", QP_PENDING, old);
	p_young = post(q, path, "young-done", QP_OK, young);
	i_done = in(q, QI_DONE, old);
	i_drop = in(q, QI_DROPPED, old);
	i_exp = in(q, QI_EXPIRED, old);
	i_new = in(q, QI_NEW, old);
	i_seg_old = in(q, QI_SEGMENT, old);
	i_young = in(q, QI_DONE, young);
	queue_close(q);
	assert_int_equal(queue_open(path, &q, err, sizeof(err)), STK_OK);

	/* Retention 0: everything stays. */
	assert_int_equal(queue_purge(q, now, 0, REASM_S, 1000, got), STK_OK);
	for (int i = 0; i < QT_TABLES; i++)
		assert_int_equal(got[i], 0);
	assert_int_equal(count(path, "SELECT count(*) FROM jobs"), 10);

	assert_int_equal(queue_purge(q, now, RETENTION_S, REASM_S, 1000, got),
	    STK_OK);
	assert_int_equal(got[QT_JOBS], 4);
	assert_int_equal(got[QT_MSGS], 4);	/* 2 + 1 + 0 + 1 */
	assert_int_equal(got[QT_POSTS], 4);
	assert_int_equal(got[QT_INBOX], 4);
	assert_false(job_there(q, "old-done"));
	assert_false(job_there(q, "old-failed"));
	assert_false(job_there(q, "old-abandoned"));
	assert_false(job_there(q, "old-sent"));
	assert_true(job_there(q, "old-new"));
	assert_true(job_there(q, "old-ready"));
	assert_true(job_there(q, "old-pending"));
	assert_true(job_there(q, "old-inflight"));
	assert_true(job_there(q, "young-done"));
	assert_true(job_there(q, "old-not-expired"));
	assert_int_equal(count(path, "SELECT count(*) FROM msgs WHERE job_id "
	    "IN ('old-done', 'old-failed', 'old-sent')"), 0);
	assert_int_equal(count(path, "SELECT count(*) FROM msgs"), 5);
	assert_int_equal(count(path, "SELECT count(*) FROM posts WHERE id IN "
	    "(%llu, %llu, %llu, %llu)", (unsigned long long)p_ok,
	    (unsigned long long)p_ref, (unsigned long long)p_gave,
	    (unsigned long long)p_canc), 0);
	assert_int_equal(count(path, "SELECT count(*) FROM posts WHERE id IN "
	    "(%llu, %llu)", (unsigned long long)p_pend,
	    (unsigned long long)p_young), 2);
	assert_int_equal(queue_in_get(q, i_done, &r), STK_E_NOT_FOUND);
	assert_int_equal(queue_in_get(q, i_drop, &r), STK_E_NOT_FOUND);
	assert_int_equal(queue_in_get(q, i_exp, &r), STK_E_NOT_FOUND);
	assert_int_equal(queue_in_get(q, i_seg_old, &r), STK_E_NOT_FOUND);
	assert_int_equal(queue_in_get(q, i_new, &r), STK_OK);
	assert_int_equal(queue_in_get(q, i_young, &r), STK_OK);

	/* A segment within its reassembly window stays, also with a
	 * retention shorter than the window. */
	i_seg_win = in(q, QI_SEGMENT, now - (REASM_S - 10) * 1000LL);
	assert_int_equal(queue_purge(q, now + 3601 * 1000LL, 3600,
	    REASM_S + 3600, 1000, got), STK_OK);
	assert_int_equal(queue_in_get(q, i_seg_win, &r), STK_OK);
	assert_int_equal(r.state, QI_SEGMENT);
	/* A second purge finds nothing more. */
	assert_int_equal(queue_purge(q, now, RETENTION_S, REASM_S, 1000, got),
	    STK_OK);
	assert_int_equal(got[QT_JOBS] + got[QT_MSGS] + got[QT_POSTS] +
	    got[QT_INBOX], 0);
	/* Ids are not given again after a purge (resultIds stay unique). */
	assert_true(in(q, QI_NEW, now) > i_seg_win);
	queue_close(q);
}

static void
test_purge_batches(void **state)
{
	char path[128], err[256], id[16];
	struct queue *q;
	long got[QT_TABLES], total[QT_TABLES] = { 0 }, n;
	int64_t old = now - 30 * DAY_MS;
	int rounds = 0, full = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/batch.db", dir);
	assert_int_equal(queue_open(path, &q, err, sizeof(err)), STK_OK);
	for (int i = 0; i < 20; i++) {
		snprintf(id, sizeof(id), "J%d", i);
		job(q, path, id, QJ_DONE, old, old + 1000, 3, QM_SENT);
		(void)post(q, path, id, QP_OK, old);
		(void)in(q, QI_DONE, old);
	}
	job(q, path, "keep", QJ_READY, old, old + 1000, 1, QM_QUEUED);
	/* 20 jobs + 60 SMS + 20 posts + 20 TPDUs = 120 rows, at most 7 a
	 * batch, a job with its 3 SMS in one batch, until a batch finds
	 * nothing. */
	do {
		assert_int_equal(queue_purge(q, now, RETENTION_S, REASM_S, 7,
		    got), STK_OK);
		n = 0;
		for (int i = 0; i < QT_TABLES; i++) {
			n += got[i];
			total[i] += got[i];
		}
		assert_true(n <= 7);
		assert_int_equal(got[QT_MSGS], 3 * got[QT_JOBS]);
		full += n == 7;
		rounds++;
	} while (n > 0 && rounds < 100);
	/* Posts 7, 7, 6 + TPDUs 1, then TPDUs 7, 7 (five full batches), 5
	 * (a job does not fit in the 2 left), one job a batch (4 rows: two
	 * do not fit in 7), and the batch that finds nothing. */
	assert_int_equal(full, 5);
	assert_int_equal(rounds, 6 + 20 + 1);
	assert_int_equal(total[QT_JOBS], 20);
	assert_int_equal(total[QT_MSGS], 60);
	assert_int_equal(total[QT_POSTS], 20);
	assert_int_equal(total[QT_INBOX], 20);
	assert_int_equal(count(path, "SELECT count(*) FROM jobs"), 1);
	assert_int_equal(count(path, "SELECT count(*) FROM msgs"), 1);
	/* No job was left without the SMS it had, mid-way or at the end. */
	assert_int_equal(count(path, "SELECT count(*) FROM msgs WHERE job_id "
	    "NOT IN (SELECT job_id FROM jobs)"), 0);
	queue_close(q);
}

/* A queue.db written before posts had a creation time. */
static void
test_purge_migration(void **state)
{
	char path[128], err[256];
	struct queue *q;
	long got[QT_TABLES];

	(void)state;
	snprintf(path, sizeof(path), "%s/old.db", dir);
	sql(path, "CREATE TABLE posts (id INTEGER PRIMARY KEY AUTOINCREMENT, "
	    "kind INTEGER NOT NULL, job_id TEXT NOT NULL DEFAULT '', path TEXT "
	    "NOT NULL, body TEXT NOT NULL, state INTEGER NOT NULL, attempts "
	    "INTEGER NOT NULL DEFAULT 0, next_try INTEGER NOT NULL DEFAULT 0, "
	    "http INTEGER NOT NULL DEFAULT 0); INSERT INTO posts (kind, path, "
	    "body, state) VALUES (2, '/r', '{}', 1)");
	assert_int_equal(queue_open(path, &q, err, sizeof(err)), STK_OK);
	assert_true(count(path, "SELECT created FROM posts") >= now);
	/* Kept one retention period from the upgrade, then purged. */
	assert_int_equal(queue_purge(q, now, RETENTION_S, REASM_S, 1000, got),
	    STK_OK);
	assert_int_equal(got[QT_POSTS], 0);
	assert_int_equal(queue_purge(q, now + 8 * DAY_MS, RETENTION_S, REASM_S,
	    1000, got), STK_OK);
	assert_int_equal(got[QT_POSTS], 1);
	queue_close(q);
	assert_int_equal(queue_open(path, &q, err, sizeof(err)), STK_OK);
	queue_close(q);
}

/* queue_retention in [bridge]: default, units, range, FILE:LINE. */
static void
test_retention_config(void **state)
{
	static const struct {
		const char *val;
		int rc;
		unsigned s;
	} cases[] = {
		{ NULL, STK_OK, 7 * 86400 },
		{ "0", STK_OK, 0 },
		{ "7d", STK_OK, 7 * 86400 },
		{ "36h", STK_OK, 36 * 3600 },
		{ "90m", STK_OK, 5400 },
		{ "3600", STK_OK, 3600 },
		{ "7200s", STK_OK, 7200 },
		{ "3650d", STK_OK, 3650u * 86400 },
		{ "59m", STK_E_INVALID, 0 },
		{ "3651d", STK_E_INVALID, 0 },
		{ "7w", STK_E_INVALID, 0 },
		{ "7dd", STK_E_INVALID, 0 },
		{ "-1d", STK_E_INVALID, 0 },
		{ "", STK_E_INVALID, 0 },
		{ "99999999999999999999d", STK_E_INVALID, 0 },
	};
	struct bridge_config *cfg = calloc(1, sizeof(*cfg));
	char path[128], tok[128], err[512];
	FILE *f;

	(void)state;
	assert_non_null(cfg);
	snprintf(tok, sizeof(tok), "%s/tok", dir);
	assert_non_null(f = fopen(tok, "w"));
	fputs("br_abc\n", f);
	fclose(f);
	chmod(tok, 0600);
	snprintf(path, sizeof(path), "%s/r.ini", dir);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_non_null(f = fopen(path, "w"));
		fprintf(f, "[bridge]\nserver_url = http://127.0.0.1:1\n"
		    "token_file = %s\n", tok);
		if (cases[i].val != NULL)
			fprintf(f, "queue_retention = %s\n", cases[i].val);
		fprintf(f, "[transport x]\ntype = loop\noutdir = /tmp\n"
		    "indir = /tmp\n");
		fclose(f);
		assert_int_equal(bridge_config_load(path, cfg, err,
		    sizeof(err)), cases[i].rc);
		if (cases[i].rc == STK_OK)
			assert_int_equal(cfg->queue_retention_s, cases[i].s);
		else
			assert_non_null(strstr(err, "r.ini:4: queue_retention"));
		bridge_config_free(cfg);
	}
	free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_purge_exact),
		cmocka_unit_test(test_purge_batches),
		cmocka_unit_test(test_purge_migration),
		cmocka_unit_test(test_retention_config),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
