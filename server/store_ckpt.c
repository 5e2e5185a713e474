/*
 * store_ckpt.c - WAL checkpoints on a thread of their own (store.h
 * store_checkpoints_offload).
 *
 * Why: SQLite checkpoints from the connection whose commit took the WAL
 * past 1,000 pages, inside that commit - on the server's event loop,
 * where the copy of the WAL into the database file (a pwrite per page)
 * and its two fdatasync calls were 6 % of the loop's CPU under the
 * authentication benchmark and a wait on the disk for every client
 * (docs/PERFORMANCE.md "Server").  Here the loop's connection no longer
 * checkpoints: its WAL hook, called after each commit with the WAL's
 * size in pages, wakes this thread, which checkpoints from a connection
 * of its own.
 *
 * The checkpoints are PASSIVE, as SQLite's own automatic ones: they copy
 * what no reader still needs and never wait for a lock, so the loop's
 * writers and readers never wait for them either.  The WAL is restarted
 * from its beginning by the next writer once a checkpoint has copied all
 * of it, exactly as before.
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
	bool wanted;		/* the WAL passed CKPT_PAGES since the last run */
	bool stop;
	sqlite3 *db;		/* the thread's own connection */
	/* under mu: store_checkpoint_stats */
	uint64_t runs, failures;
};

static void *
ckpt_main(void *arg)
{
	struct store_ckpt *c = arg;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		int rc;

		while (!c->wanted && !c->stop)
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->stop)
			break;
		c->wanted = false;
		pthread_mutex_unlock(&c->mu);
		rc = sqlite3_wal_checkpoint_v2(c->db, NULL,
		    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		if (rc != SQLITE_OK && rc != SQLITE_BUSY)
			log_warn("store: checkpoint failed: %s",
			    sqlite3_errmsg(c->db));
		pthread_mutex_lock(&c->mu);
		c->runs++;
		if (rc != SQLITE_OK && rc != SQLITE_BUSY)
			c->failures++;
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/* sqlite3_wal_hook: after each commit of the store's connection. */
static int
wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct store_ckpt *c = arg;

	(void)db;
	(void)name;
	if (pages < CKPT_PAGES)
		return SQLITE_OK;
	pthread_mutex_lock(&c->mu);
	if (!c->wanted) {
		c->wanted = true;
		pthread_cond_signal(&c->cv);
	}
	pthread_mutex_unlock(&c->mu);
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
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
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
store_checkpoint_stats(struct store *st, uint64_t *runs, uint64_t *failures)
{
	struct store_ckpt *c = st->ckpt;

	*runs = *failures = 0;
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	*runs = c->runs;
	*failures = c->failures;
	pthread_mutex_unlock(&c->mu);
}
