/*
 * batch.c - group commit: the store writes of one turn of the event loop
 * share one SQLite transaction, and the answers of that turn leave after
 * its single commit.
 *
 * Why: committing is most of what a login costs the server (each commit
 * writes every page it touched to the WAL, two pwrite calls per page, and
 * takes and drops the POSIX locks; docs/PERFORMANCE.md "Server").  The
 * requests that one epoll round hands the loop - thirty logins under load
 * - touch the same pages (the sessions' last leaf, the indexes, the end
 * of the audit table), which one commit then writes once.
 *
 * The contract kept from one transaction per request (server.h
 * http_tx_begin): no answer promises a write that is not committed.
 * Every answer given while the turn's transaction is open is held and
 * sent after the commit; when the commit fails, each held answer is
 * replaced by its 500 (the request's failed callback) - nothing any of
 * them said was stored.  Each request's own writes are a SAVEPOINT inside
 * the turn's transaction (store_tx_begin nests), so a 5xx still undoes
 * only that request's writes.
 *
 * Reads made outside that transaction (status long-polls, key lookups)
 * share one read snapshot per turn the same way (store.h
 * store_read_batching): the first opens it, the end of the turn closes
 * it, a write ends it before it runs.  The loop's info and debug log
 * lines of the turn are written together at its end too (log.h
 * stk_log_hold): one write instead of four per login.
 *
 * The end of the turn is an event made active when the transaction opens:
 * libevent runs the active events of one priority in order, including
 * those activated meanwhile, so it runs after every callback of the epoll
 * round that opened it, before the loop polls again.  The write lock is
 * therefore held for one round only, and a waiter woken by a kick (its
 * event is activated after this one) reads committed state.
 */
#include <stdlib.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>

#include "err.h"
#include "log.h"
#include "server.h"
#include "store.h"

static void
turn_end(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	batch_flush(arg);
}

/* A read batch opened (store.h store_read_batching) or a log line was
 * held (log.h stk_log_hold): the end of the turn ends or writes it. */
static void
end_turn_later(void *arg)
{
	struct srv *s = arg;

	event_active(s->batch.end, EV_TIMEOUT, 0);
}

int
batch_init(struct srv *s)
{
	s->batch.end = event_new(s->base, -1, 0, turn_end, s);
	s->batch.tail = &s->batch.held;
	if (s->batch.end == NULL)
		return STK_E_NOMEM;
	store_read_batching(s->store, end_turn_later, s);
	stk_log_hold(end_turn_later, s);
	return STK_OK;
}

void
batch_free(struct srv *s)
{
	batch_flush(s);
	store_read_batching(s->store, NULL, NULL);
	stk_log_hold(NULL, NULL);
	if (s->m.group_commits > 0)
		log_info("store: %lu group commits, %lu answers held for "
		    "them", s->m.group_commits, s->m.held_answers);
	if (s->batch.end)
		event_free(s->batch.end);
	s->batch.end = NULL;
}

bool
batch_join(struct srv *s)
{
	if (s->batch.tx.open || s->batch.end == NULL)
		return true;	/* open, or no loop (tests): no group */
	if (store_tx_begin(s->store, &s->batch.tx) != STK_OK)
		return false;
	if (!s->batch.tx.outer) {
		/* a caller's transaction is open (tests, start-up code
		 * outside the loop): its end commits, not ours */
		store_tx_end(s->store, &s->batch.tx, true);
		return true;
	}
	s->batch.changes_at_open = store_changes(s->store);
	event_active(s->batch.end, EV_TIMEOUT, 0);
	return true;
}

void
batch_discard_if_clean(struct srv *s, int64_t since)
{
	if (s->batch.tx.open && since == s->batch.changes_at_open)
		store_tx_end(s->store, &s->batch.tx, false);
}

int
srv_tx_begin(struct srv *s, struct store_tx *tx)
{
	if (!batch_join(s))
		return STK_E_IO;
	return store_tx_begin(s->store, tx);
}

/*
 * The Date field (RFC 9110 §6.6.1, IMF-fixdate) formatted once a second
 * instead of once per answer, for every answer (the page's and the
 * APIs'): libevent adds its own only to an answer without one, and its
 * gmtime and printf were 6 % of the instructions of serving the page
 * (docs/PERFORMANCE.md "Login page").  NULL (libevent then adds it) if
 * the clock cannot be formatted.
 */
static const char *
http_date(void)
{
	static char d[48];
	static time_t at = -1;
	time_t now = time(NULL);
	struct tm tm;

	if (now != at) {
		at = -1;
		if (gmtime_r(&now, &tm) != NULL &&
		    evutil_date_rfc1123(d, sizeof(d), &tm) < (int)sizeof(d))
			at = now;
	}
	return at == now ? d : NULL;
}

static void
send_now(struct reqctx *rc, int status, const char *phrase,
    struct evbuffer *b)
{
	struct srv_metrics *m = &rc->s->m;
	const char *date = http_date();

	if (date != NULL)
		evhttp_add_header(evhttp_request_get_output_headers(rc->req),
		    "Date", date);

	m->http_requests[status / 100 >= 1 && status / 100 <= 5 ?
	    status / 100 : 0]++;
	evhttp_send_reply(rc->req, status, phrase, b);
	if (b)
		evbuffer_free(b);
	free(rc);
}

void
http_send(struct reqctx *rc, int status, const char *phrase,
    struct evbuffer *b, http_failed_fn failed)
{
	struct srv *s = rc->s;

	if (!s->batch.tx.open) {
		send_now(rc, status, phrase, b);
		return;
	}
	rc->held_status = status;
	rc->held_phrase = phrase;
	rc->held_body = b;
	rc->failed = failed;
	rc->held_next = NULL;
	*s->batch.tail = rc;
	s->batch.tail = &rc->held_next;
	s->m.held_answers++;
}

void
batch_flush(struct srv *s)
{
	struct reqctx *rc, *next;
	bool ok = true;

	if (s->batch.tx.open) {
		ok = store_tx_end(s->store, &s->batch.tx, true) == STK_OK;
		s->m.group_commits++;
		if (!ok)
			log_error("store: group commit failed, %s",
			    s->batch.held ? "answering its requests 500" :
			    "no answer was waiting for it");
	}
	store_read_end(s->store);
	rc = s->batch.held;
	s->batch.held = NULL;
	s->batch.tail = &s->batch.held;
	for (; rc != NULL; rc = next) {
		next = rc->held_next;
		if (ok || rc->failed == NULL) {
			send_now(rc, rc->held_status, rc->held_phrase,
			    rc->held_body);
			continue;
		}
		/* what it promised was not stored: its 500 instead */
		if (rc->held_body)
			evbuffer_free(rc->held_body);
		rc->held_body = NULL;
		evhttp_clear_headers(evhttp_request_get_output_headers(
		    rc->req));
		rc->failed(rc);
	}
	stk_log_flush();
}
