/*
 * web_work.c - password checks of the login page on worker threads.
 *
 * scrypt costs ~0.1 s and 32 MiB by design (password.h); run on the event
 * loop it would stall every other client for that long.  A few threads
 * take jobs from a bounded queue; a finished job goes back to the loop
 * through a pipe (the loop is not thread-safe, so the loop thread runs
 * every done callback).  Unknown accounts and accounts without a password
 * get password_dummy_verify: the same work, so the time taken does not
 * tell which it was (docs/WEB.md §4).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/crypto.h>

#include "err.h"
#include "log.h"
#include "password.h"
#include "web.h"

struct jobq {
	struct web_pwjob *head, **tail;
	unsigned len;
};

struct web_work {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct jobq todo, done;
	unsigned max_queue, nthreads;
	pthread_t *threads;
	bool stop;
	int pipefd[2];
	struct event *ev;
};

static void
jq_init(struct jobq *q)
{
	q->head = NULL;
	q->tail = &q->head;
	q->len = 0;
}

static void
jq_put(struct jobq *q, struct web_pwjob *j)
{
	j->next = NULL;
	*q->tail = j;
	q->tail = &j->next;
	q->len++;
}

static struct web_pwjob *
jq_take(struct jobq *q)
{
	struct web_pwjob *j = q->head;

	if (j) {
		q->head = j->next;
		if (q->head == NULL)
			q->tail = &q->head;
		q->len--;
	}
	return j;
}

static void
run(struct web_pwjob *j)
{
	int rc;

	if (j->encoded[0])
		rc = password_verify(j->pw, j->pwlen, j->encoded);
	else
		rc = password_dummy_verify(j->pw, j->pwlen);
	j->matched = j->encoded[0] && rc == STK_OK;
	OPENSSL_cleanse(j->pw, sizeof(j->pw));
	OPENSSL_cleanse(j->encoded, sizeof(j->encoded));
}

static void *
thread_main(void *arg)
{
	struct web_work *w = arg;
	struct web_pwjob *j;
	ssize_t n;

	for (;;) {
		pthread_mutex_lock(&w->mu);
		while (!w->stop && w->todo.head == NULL)
			pthread_cond_wait(&w->cv, &w->mu);
		j = w->stop ? NULL : jq_take(&w->todo);
		pthread_mutex_unlock(&w->mu);
		if (j == NULL)
			return NULL;
		run(j);
		pthread_mutex_lock(&w->mu);
		jq_put(&w->done, j);
		pthread_mutex_unlock(&w->mu);
		do
			n = write(w->pipefd[1], "", 1);
		while (n < 0 && errno == EINTR);
	}
}

static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct web_work *w = arg;
	struct web_pwjob *j;
	char buf[64];

	(void)what;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	for (;;) {
		pthread_mutex_lock(&w->mu);
		j = jq_take(&w->done);
		pthread_mutex_unlock(&w->mu);
		if (j == NULL)
			return;
		j->done(j, j->arg);
	}
}

int
web_work_new(struct event_base *base, unsigned threads, unsigned max_queue,
    struct web_work **out)
{
	struct web_work *w = calloc(1, sizeof(*w));
	int rc = STK_E_IO;

	if (w == NULL)
		return STK_E_NOMEM;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	jq_init(&w->todo);
	jq_init(&w->done);
	w->max_queue = max_queue;
	w->pipefd[0] = w->pipefd[1] = -1;
	if (pipe(w->pipefd) != 0)
		goto out;
	for (int i = 0; i < 2; i++)
		if (fcntl(w->pipefd[i], F_SETFL, O_NONBLOCK) != 0 ||
		    fcntl(w->pipefd[i], F_SETFD, FD_CLOEXEC) != 0)
			goto out;
	w->ev = event_new(base, w->pipefd[0], EV_READ | EV_PERSIST, on_wake,
	    w);
	if (w->ev == NULL || event_add(w->ev, NULL) != 0)
		goto out;
	if ((w->threads = calloc(threads, sizeof(*w->threads))) == NULL) {
		rc = STK_E_NOMEM;
		goto out;
	}
	for (; w->nthreads < threads; w->nthreads++)
		if (pthread_create(&w->threads[w->nthreads], NULL, thread_main,
		    w) != 0)
			goto out;
	*out = w;
	w = NULL;
	rc = STK_OK;
 out:
	web_work_free(w);
	return rc;
}

int
web_work_submit(struct web_work *w, struct web_pwjob *j)
{
	int rc = STK_OK;

	pthread_mutex_lock(&w->mu);
	if (w->todo.len >= w->max_queue)
		rc = STK_E_NOSPACE;
	else {
		jq_put(&w->todo, j);
		pthread_cond_signal(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return rc;
}

/* Stops the threads after their current check; jobs not yet done are
 * finished with matched = false (their callbacks run here). */
void
web_work_free(struct web_work *w)
{
	struct web_pwjob *j;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	for (unsigned i = 0; i < w->nthreads; i++)
		pthread_join(w->threads[i], NULL);
	while ((j = jq_take(&w->todo)) != NULL) {
		OPENSSL_cleanse(j->pw, sizeof(j->pw));
		j->matched = false;
		j->done(j, j->arg);
	}
	while ((j = jq_take(&w->done)) != NULL)
		j->done(j, j->arg);
	if (w->ev)
		event_free(w->ev);
	for (int i = 0; i < 2; i++)
		if (w->pipefd[i] >= 0)
			close(w->pipefd[i]);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w->threads);
	free(w);
}
