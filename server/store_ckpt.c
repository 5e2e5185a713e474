/*
 * store_ckpt.c - WAL checkpoints mostly off the event loop (store.h
 * store_checkpoints_offload).
 *
 * Why: SQLite checkpoints from the connection whose commit took the WAL
 * past 1,000 pages, inside that commit - on the server's event loop,
 * where copying the WAL into the database file (a pread and a pwrite per
 * page) and its two fdatasync calls were 6 % of the loop's CPU under the
 * authentication benchmark and a wait on the disk for every client
 * (docs/PERFORMANCE.md "Server").
 *
 * How, in two parts, because of when SQLite restarts the WAL: the next
 * writer starts writing it from its beginning again only if, when that
 * writer's transaction began, every frame was already copied.  A thread
 * alone never gets there under load - the loop commits again while it
 * copies - and the WAL (and the time every read spends looking through
 * its index) would grow without end.  So:
 *
 *   copy    the loop's WAL hook, called after each commit with the WAL's
 *           size in pages, wakes this file's thread when the WAL passes
 *           1,000 pages; it copies them from a connection of its own
 *           (the bulk of the work);
 *   finish  if the WAL did not start over after the copy (a commit or
 *           a reader came in between), the first commit after the copy
 *           checkpoints again inline, on the loop, as SQLite would have:
 *           only the frames committed meanwhile are left to copy, and
 *           the loop's next write transaction restarts the WAL.
 *
 * Both are PASSIVE, as SQLite's own automatic checkpoints: they copy
 * what no reader still needs and never wait for a lock.
 */
#include <pthread.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "err.h"
#include "log.h"
#include "store.h"
#include "store_internal.h"

/* SQLite's own threshold (SQLITE_DEFAULT_WAL_AUTOCHECKPOINT), in pages */
#define CKPT_PAGES 1000

struct store_ckpt {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool wanted;		/* copy: the hook asked for one */
	bool busy;		/* copy: running */
	bool copied;		/* copy done, the finish not yet */
	bool stop;
	sqlite3 *db;		/* the thread's own connection */
	/* under mu: store_checkpoint_stats */
	uint64_t runs[2], failures;
};

/* One PASSIVE checkpoint of db; false (logged) if it failed.  BUSY is
 * not a failure: another connection is checkpointing. */
static bool
checkpoint(sqlite3 *db, const char *what)
{
	int rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    NULL, NULL);

	if (rc == SQLITE_OK || rc == SQLITE_BUSY)
		return true;
	log_warn("store: checkpoint (%s) failed: %s", what,
	    sqlite3_errmsg(db));
	return false;
}

static void
count(struct store_ckpt *c, int part, bool ok)
{
	c->runs[part]++;
	if (!ok)
		c->failures++;
}

static void *
ckpt_main(void *arg)
{
	struct store_ckpt *c = arg;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		bool ok;

		while (!c->wanted && !c->stop)
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->stop)
			break;
		c->wanted = false;
		c->busy = true;
		pthread_mutex_unlock(&c->mu);
		ok = checkpoint(c->db, "copy");
		pthread_mutex_lock(&c->mu);
		c->busy = false;
		c->copied = true;
		count(c, STORE_CKPT_COPY, ok);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/* sqlite3_wal_hook: after each commit of the store's connection. */
static int
wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct store_ckpt *c = arg;
	bool finish = false;

	(void)name;
	pthread_mutex_lock(&c->mu);
	if (pages < CKPT_PAGES) {
		/* the WAL started over (or is small): nothing to finish */
		c->copied = false;
	} else if (c->copied) {
		c->copied = false;
		finish = true;
	} else if (!c->wanted && !c->busy) {
		c->wanted = true;
		pthread_cond_signal(&c->cv);
	}
	pthread_mutex_unlock(&c->mu);
	if (finish) {
		bool ok = checkpoint(db, "finish");

		pthread_mutex_lock(&c->mu);
		count(c, STORE_CKPT_FINISH, ok);
		pthread_mutex_unlock(&c->mu);
	}
	return SQLITE_OK;
}

static void
ckpt_stop(struct store *st)
{
	struct store_ckpt *c = st->ckpt;

	if (c == NULL)
		return;
	/* from here on the connection checkpoints itself again */
	sqlite3_wal_autocheckpoint(st->d.db, CKPT_PAGES);
	pthread_mutex_lock(&c->mu);
	c->stop = true;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thread, NULL);
	sqlite3_close_v2(c->db);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c);
	st->ckpt = NULL;
	st->ckpt_stop = NULL;
}

int
store_checkpoints_offload(struct store *st)
{
	struct store_ckpt *c;
	const char *path = sqlite3_db_filename(st->d.db, "main");

	if (st->ckpt != NULL)
		return STK_OK;
	if (path == NULL || path[0] == '\0')
		return STK_E_INVALID;	/* in memory: nothing to copy */
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return STK_E_NOMEM;
	/* A connection checkpoints only once it has seen that the database
	 * is in WAL mode: the pragma makes it look (the mode is the file's,
	 * set by store_open; this changes nothing). */
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
	    sqlite3_exec(c->db, "PRAGMA journal_mode = WAL", NULL, NULL,
	    NULL) != SQLITE_OK) {
		log_error("store: checkpoint connection: %s",
		    c->db ? sqlite3_errmsg(c->db) : "cannot open");
		sqlite3_close_v2(c->db);
		free(c);
		return STK_E_IO;
	}
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	if (pthread_create(&c->thread, NULL, ckpt_main, c) != 0) {
		log_error("store: cannot start the checkpoint thread");
		sqlite3_close_v2(c->db);
		pthread_cond_destroy(&c->cv);
		pthread_mutex_destroy(&c->mu);
		free(c);
		return STK_E_IO;
	}
	st->ckpt = c;
	st->ckpt_stop = ckpt_stop;
	/* replaces the automatic checkpoint's own hook */
	sqlite3_wal_hook(st->d.db, wal_hook, c);
	return STK_OK;
}

void
store_checkpoint_stats(struct store *st, uint64_t runs[2],
    uint64_t *failures)
{
	struct store_ckpt *c = st->ckpt;

	runs[0] = runs[1] = *failures = 0;
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	runs[0] = c->runs[0];
	runs[1] = c->runs[1];
	*failures = c->failures;
	pthread_mutex_unlock(&c->mu);
}
