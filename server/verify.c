/*
 * verify.c - the checks of an auth response (PROTOCOL.md §5-§7) and the
 * worker threads that run them off the event loop.
 *
 * Why threads: a certificate fetch may wait on LDAP for seconds and an
 * RSA verification costs tens of microseconds to milliseconds; neither may
 * stall the other clients of the loop.  A task carries copies of
 * everything it needs (no store access from the workers); its outcome goes
 * back to the loop through a pipe, where done() writes the store.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "certcheck.h"
#include "err.h"
#include "log.h"
#include "server.h"

static const char *const fail_labels[] = {
#define VF_LABEL(sym, label, text) [sym] = label,
	VERIFY_FAIL_TABLE(VF_LABEL)
#undef VF_LABEL
};

const char *
verify_fail_label(int f)
{
	if (f < 0 || f >= VF_COUNT)
		return "unknown";
	return fail_labels[f];
}

/*
 * The certcheck reason a certificate source's text starts with
 * (certsrc.c writes "NAME: detail", certcheck.h names); CERTCHECK_OK
 * when none does.
 */
static int
cert_reason_of(const char *why)
{
	for (int i = 1; i < CERTCHECK_REASON_COUNT; i++) {
		const char *n = certcheck_reason_name(i);
		size_t len = strlen(n);

		if (strncmp(why, n, len) == 0 && why[len] == ':')
			return i;
	}
	return CERTCHECK_OK;
}

void
verify_task_free(struct verify_task *t)
{
	if (t == NULL)
		return;
	OPENSSL_cleanse(t->kauth, sizeof(t->kauth));
	free(t->cert_der);
	free(t);
}

static void
set(struct verify_task *t, int result, int fail, const char *what,
    const char *detail)
{
	t->result = result;
	t->fail = fail;
	snprintf(t->reason, sizeof(t->reason), "%s%s%s", what,
	    detail ? ": " : "", detail ? detail : "");
}

/* Keep the certificate (DER) for the API answer. */
static int
keep_cert(struct verify_task *t, X509 *cert)
{
	unsigned char *der = NULL;
	int len = i2d_X509(cert, &der);

	if (len <= 0)
		return STK_E_CRYPTO;
	if ((t->cert_der = malloc((size_t)len)) == NULL) {
		OPENSSL_free(der);
		return STK_E_NOMEM;
	}
	memcpy(t->cert_der, der, (size_t)len);
	t->cert_der_len = (size_t)len;
	OPENSSL_free(der);
	return STK_OK;
}

void
verify_run(struct verify_task *t, struct cert_source *cs)
{
	const struct stk_auth_response *r = &t->resp;
	const char *dres = stk_auth_decision_result(r->decision);
	char why[160] = "";
	X509 *cert = NULL;
	int rc, dr = SRV_RES_SIM_ERROR;

	/* PROTOCOL.md §5: EXPIRY is the server's own, whatever is inside */
	if (stk_auth_request_check_expiry(&t->req, t->now / 1000) != STK_OK) {
		set(t, SRV_RES_TIMEOUT, VF_LATE,
		    "response after the session expiry", NULL);
		goto out;
	}
	if (memcmp(r->session_id, t->req.session_id,
	    STK_AUTH_SESSION_ID_LEN) != 0) {
		set(t, SRV_RES_SIGNATURE_INVALID, VF_SESSION,
		    "session identifier is not the session's", NULL);
		goto out;
	}
	/* the ENROLLED card's identity, never the response's claim */
	if (memcmp(r->iccid, t->iccid_ef, STK_AUTH_ICCID_LEN) != 0) {
		set(t, SRV_RES_SIGNATURE_INVALID, VF_CARD,
		    "response from another card (ICCID is not the enrolled "
		    "one)", NULL);
		goto out;
	}
	if (dres == NULL || srv_result_from_name(dres, &dr) != STK_OK)
		dr = SRV_RES_SIM_ERROR;
	if (r->decision != STK_AUTH_CONFIRMED && r->sig_alg ==
	    STK_AUTH_SIG_NONE) {
		/* PROTOCOL.md §4: unsigned negative answers are advisory */
		set(t, dr, VF_NONE, "unsigned, advisory",
		    stk_auth_decision_name(r->decision));
		goto out;
	}
	if (r->decision == STK_AUTH_CONFIRMED) {
		/* PROTOCOL.md §6, compared in constant time */
		rc = stk_auth_password_check(t->kauth, t->kauth_len, &t->req,
		    r->password, r->password_len);
		if (rc != STK_OK) {
			set(t, SRV_RES_SIGNATURE_INVALID, VF_PASSWORD,
			    "authentication password mismatch", NULL);
			goto out;
		}
	}
	rc = cs->fetch(cs, t->account, t->msisdn, t->now / 1000, &cert, why,
	    sizeof(why));
	if (rc == STK_E_NOT_FOUND || rc == STK_E_VERIFY) {
		t->cert_reason = cert_reason_of(why);
		set(t, SRV_RES_CERT_INVALID, VF_CERT, "certificate", why);
		goto out;
	} else if (rc != STK_OK) {
		set(t, SRV_RES_INTERNAL_ERROR, VF_SOURCE,
		    "certificate source", why);
		goto out;
	}
	/* PROTOCOL.md §7: signature over the rebuilt DTBS */
	rc = stk_auth_verify_cert(&t->req, r, t->iccid_ef, cert);
	if (rc != STK_OK) {
		set(t, SRV_RES_SIGNATURE_INVALID, VF_SIGNATURE, "signature",
		    stk_strerror(rc));
		goto out;
	}
	if (keep_cert(t, cert) != STK_OK) {
		set(t, SRV_RES_INTERNAL_ERROR, VF_INTERNAL, "out of memory",
		    NULL);
		goto out;
	}
	if (r->decision == STK_AUTH_CONFIRMED)
		set(t, SRV_RES_OK, VF_NONE, "password, certificate and "
		    "signature verified", NULL);
	else
		set(t, dr, VF_NONE, "signed",
		    stk_auth_decision_name(r->decision));
 out:
	X509_free(cert);
}

/* ---- the pool ------------------------------------------------------- */

struct qnode {
	struct verify_task *t;
	struct qnode *next;
};

struct queue {
	struct qnode *head, *tail;
	unsigned len;
};

struct verify_pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct queue todo, done;
	unsigned running;	/* tasks a worker holds */
	unsigned idle;		/* workers waiting on cv */
	unsigned wakes;		/* signals sent that no worker has taken */
	bool stop;
	pthread_t *threads;
	unsigned nthreads;
	int pipefd[2];
	bool woken;		/* a byte is in the pipe for done's tasks */
	struct event *ev;
	struct cert_source *cs;
	verify_done_fn done_fn;
	void *arg;
};

static int
q_push(struct queue *q, struct verify_task *t)
{
	struct qnode *n = malloc(sizeof(*n));

	if (n == NULL)
		return STK_E_NOMEM;
	n->t = t;
	n->next = NULL;
	if (q->tail)
		q->tail->next = n;
	else
		q->head = n;
	q->tail = n;
	q->len++;
	return STK_OK;
}

static struct verify_task *
q_pop(struct queue *q)
{
	struct qnode *n = q->head;
	struct verify_task *t;

	if (n == NULL)
		return NULL;
	q->head = n->next;
	if (q->head == NULL)
		q->tail = NULL;
	q->len--;
	t = n->t;
	free(n);
	return t;
}

/* One byte into the loop's pipe.  Should it not be written (a pipe
 * holds thousands; at most one waits in it), the next task tries again. */
static void
wake_loop(struct verify_pool *p)
{
	ssize_t w;

	do {
		w = write(p->pipefd[1], "", 1);
	} while (w < 0 && errno == EINTR);
	if (w == 1)
		return;
	pthread_mutex_lock(&p->mu);
	p->woken = false;
	pthread_mutex_unlock(&p->mu);
}

static void *
worker(void *arg)
{
	struct verify_pool *p = arg;

	for (;;) {
		struct verify_task *t;
		bool wake;

		pthread_mutex_lock(&p->mu);
		while (!p->stop && p->todo.head == NULL) {
			p->idle++;
			pthread_cond_wait(&p->cv, &p->mu);
			p->idle--;
			if (p->wakes > 0)
				p->wakes--;
		}
		if (p->stop) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		t = q_pop(&p->todo);
		p->running++;
		pthread_mutex_unlock(&p->mu);

		verify_run(t, p->cs);

		pthread_mutex_lock(&p->mu);
		p->running--;
		if (q_push(&p->done, t) != STK_OK) {
			/* the session stays VERIFYING; the sweeper ends it */
			log_error("verify: out of memory, task dropped");
			verify_task_free(t);
		}
		/* one byte wakes the loop for every task done until it
		 * takes them: one write and one read per batch, not per
		 * task */
		wake = !p->woken;
		p->woken = true;
		pthread_mutex_unlock(&p->mu);
		if (wake)
			wake_loop(p);
	}
}

/* Loop side: drain the pipe, take every finished task at once (a worker
 * finishing after that writes a byte again) and hand each to done(). */
static void
on_done(evutil_socket_t fd, short what, void *arg)
{
	struct verify_pool *p = arg;
	char buf[64];
	struct queue batch;
	struct verify_task *t;

	(void)what;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&p->mu);
	batch = p->done;
	memset(&p->done, 0, sizeof(p->done));
	p->woken = false;
	pthread_mutex_unlock(&p->mu);
	while ((t = q_pop(&batch)) != NULL)
		p->done_fn(t, p->arg);
}

int
verify_pool_new(struct event_base *base, unsigned n, struct cert_source *cs,
    verify_done_fn done, void *arg, struct verify_pool **out)
{
	struct verify_pool *p;
	int rc = STK_E_IO;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return STK_E_NOMEM;
	p->pipefd[0] = p->pipefd[1] = -1;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->cs = cs;
	p->done_fn = done;
	p->arg = arg;
	if (pipe(p->pipefd) != 0)
		goto out;
	for (int i = 0; i < 2; i++)
		if (fcntl(p->pipefd[i], F_SETFL, O_NONBLOCK) != 0 ||
		    fcntl(p->pipefd[i], F_SETFD, FD_CLOEXEC) != 0)
			goto out;
	p->ev = event_new(base, p->pipefd[0], EV_READ | EV_PERSIST, on_done, p);
	if (p->ev == NULL || event_add(p->ev, NULL) != 0)
		goto out;
	if ((p->threads = calloc(n, sizeof(*p->threads))) == NULL) {
		rc = STK_E_NOMEM;
		goto out;
	}
	for (; p->nthreads < n; p->nthreads++)
		if (pthread_create(&p->threads[p->nthreads], NULL, worker, p))
			goto out;
	*out = p;
	p = NULL;
	rc = STK_OK;
 out:
	verify_pool_free(p);
	return rc;
}

int
verify_pool_submit(struct verify_pool *p, struct verify_task *t)
{
	int rc;

	pthread_mutex_lock(&p->mu);
	rc = q_push(&p->todo, t);
	/* wake a sleeping worker unless each already has a wake-up coming
	 * (a futex call per task otherwise): a worker takes tasks until the
	 * queue is empty before it sleeps, so none is left waiting */
	if (p->idle > p->wakes) {
		p->wakes++;
		pthread_cond_signal(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return rc;
}

unsigned
verify_pool_depth(struct verify_pool *p)
{
	unsigned n;

	pthread_mutex_lock(&p->mu);
	n = p->todo.len;
	pthread_mutex_unlock(&p->mu);
	return n;
}

unsigned
verify_pool_busy(struct verify_pool *p)
{
	unsigned n;

	pthread_mutex_lock(&p->mu);
	n = p->todo.len + p->running + p->done.len;
	pthread_mutex_unlock(&p->mu);
	return n;
}

/* Stops the workers after their current task; unfinished tasks are
 * dropped (their sessions stay VERIFYING and the sweeper ends them). */
void
verify_pool_free(struct verify_pool *p)
{
	struct verify_task *t;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	while ((t = q_pop(&p->todo)) != NULL)
		verify_task_free(t);
	while ((t = q_pop(&p->done)) != NULL)
		verify_task_free(t);
	if (p->ev)
		event_free(p->ev);
	if (p->pipefd[0] >= 0)
		close(p->pipefd[0]);
	if (p->pipefd[1] >= 0)
		close(p->pipefd[1]);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->threads);
	free(p);
}
