/*
 * bench_server_auth.c - completed authentications per second of
 * stkauth-server, and the latency of the status long-poll after a result
 * arrives (docs/PERFORMANCE.md "Server"; make bench).
 *
 * A completed authentication is the whole server-side flow of issue 7:
 * a relying party starts a session (POST /api/v1/authentication) and
 * long-polls its status, a synthetic bridge claims the job (POST
 * /bridge/v1/jobs/claim) and posts the card's signed answer (POST
 * /bridge/v1/results), the server verifies it (password, certificate
 * chain and identity, RSA-2048 signature) on its workers and the
 * long-poll returns COMPLETE / OK.  The card's RSA signatures need the
 * session's nonce and ticket, so they can only be made once the jobs are
 * claimed: a round therefore runs in stages over N sessions, and the
 * signing stage (the card's work, not the server's) is left out of the
 * timed total:
 *
 *   1 start     N sessions, over CONNS keep-alive connections
 *   2 claim     every job, by one bridge, 100 per claim
 *   - sign      N answers (two threads; not timed)
 *   3 poll      N long-polls opened (timeoutMs=100000), until the
 *               server's stkauth_longpoll_waiters gauge shows them all
 *   4 result    N results posted over CONNS connections, each sent when
 *               its connection is free, until every long-poll returned
 *
 *   completed auth/s = N / (t1 + t2 + t3 + t4)
 *
 * The connections are the relying party's and the bridge's HTTP clients:
 * kept alive from round to round (struct conns), as such a client keeps
 * them.  The first round pays for opening the N long-poll connections
 * (TCP handshakes on both sides); the later rounds reuse them.
 *
 * The long-poll latency is, per session, from sending its result to the
 * long-poll's answer: under the load of stage 4 (CONNS results in
 * flight), and alone (one session at a time, its long-poll registered
 * before the result is sent).  `openssl speed -seconds 3 rsa2048` runs in
 * the same run, while the server is idle.  Every long-poll must end OK,
 * otherwise the benchmark fails.
 *
 *   bench_server_auth [-n SESSIONS] [-r ROUNDS] [-c CONNS] [-a ACCOUNTS]
 *                     [-l LATENCY-SAMPLES] [-s OPENSSL-SECONDS]
 *   defaults: -n 3000 -r 3 -c 32 -a 1000 -l 300 -s 3
 */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "server_bench.h"

struct sess {
	char id[40];
	char name[16], msisdn[16], iccid[24];
	char *request;		/* hex, from the claimed job */
	char *answer;		/* hex, the card's signed response */
	double t_sent, t_done;
	int result_ok;		/* 1 OK, 0 pending, -1 anything else */
};

struct run {
	struct sb_fixture *f;
	struct sb_http h;
	struct sess *s;
	size_t n, started, claimed, next_result, polls_done;
	struct evhttp_connection **conns;
	unsigned nconns;
	struct evhttp_connection **pollc;	/* of struct conns */
	size_t *order;		/* session indices sorted by id */
	unsigned naccounts;	/* the sessions' accounts: u000000... */
	size_t errors;
};

static struct run *g_sort_run;

static int
cmp_order(const void *a, const void *b)
{
	return strcmp(g_sort_run->s[*(const size_t *)a].id,
	    g_sort_run->s[*(const size_t *)b].id);
}

static struct sess *
find(struct run *r, const char *id)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(r->s[r->order[mid]].id, id);

		if (c == 0)
			return &r->s[r->order[mid]];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ---- stage 1: start ------------------------------------------------- */

static void
started(void *arg, int status, json_t *body)
{
	struct sess *s = arg;
	const char *id = json_string_value(json_object_get(body, "sessionId"));

	if (status != 200 || id == NULL)
		sb_die("start %s: status %d", s->name, status);
	snprintf(s->id, sizeof(s->id), "%s", id);
}

static double
stage_start(struct run *r)
{
	char body[160];

	for (size_t i = 0; i < r->n; i++) {
		struct sess *s = &r->s[i];

		sb_account((unsigned)(i % r->naccounts), s->name, s->msisdn,
		    s->iccid);
		snprintf(body, sizeof(body), "{\"account\":\"%s\","
		    "\"serviceName\":\"Bench Bank login\"}", s->name);
		sb_request(&r->h, r->conns[i % r->nconns], EVHTTP_REQ_POST,
		    "/api/v1/authentication", r->f->api_key, body, started, s);
	}
	return sb_run(&r->h);
}

/* ---- stage 2: claim ------------------------------------------------- */

static void claim_more(struct run *r, struct evhttp_connection *c);

struct claim_ctx {
	struct run *r;
	struct evhttp_connection *c;
};

static void
claimed(void *arg, int status, json_t *body)
{
	struct claim_ctx *cc = arg;
	struct run *r = cc->r;
	json_t *jobs = json_object_get(body, "jobs"), *j;
	size_t i;

	if (status != 200 || !json_is_array(jobs))
		sb_die("claim: status %d", status);
	json_array_foreach(jobs, i, j) {
		const char *id = json_string_value(json_object_get(j, "jobId"));
		const char *rq = json_string_value(json_object_get(j,
		    "request"));
		struct sess *s = id ? find(r, id) : NULL;

		if (s == NULL || rq == NULL || s->request)
			sb_die("claim: unexpected job %s", id ? id : "?");
		if ((s->request = strdup(rq)) == NULL)
			sb_die("no memory");
		r->claimed++;
	}
	if (r->claimed < r->n)
		claim_more(r, cc->c);
	free(cc);
}

static void
claim_more(struct run *r, struct evhttp_connection *c)
{
	struct claim_ctx *cc = malloc(sizeof(*cc));

	if (cc == NULL)
		sb_die("no memory");
	cc->r = r;
	cc->c = c;
	sb_request(&r->h, c, EVHTTP_REQ_POST, "/bridge/v1/jobs/claim",
	    r->f->bridge_token, "{\"maxJobs\":100,\"leaseMs\":60000}",
	    claimed, cc);
}

static double
stage_claim(struct run *r)
{
	r->order = malloc(r->n * sizeof(*r->order));
	if (r->order == NULL)
		sb_die("no memory");
	for (size_t i = 0; i < r->n; i++)
		r->order[i] = i;
	g_sort_run = r;
	qsort(r->order, r->n, sizeof(*r->order), cmp_order);
	claim_more(r, r->conns[0]);
	return sb_run(&r->h);
}

/* ---- signing (the card's work, not timed) --------------------------- */

struct signer {
	struct run *r;
	size_t from, step;
};

static void *
sign_some(void *arg)
{
	struct signer *sg = arg;

	for (size_t i = sg->from; i < sg->r->n; i += sg->step) {
		struct sess *s = &sg->r->s[i];

		if (sb_card_answer(sg->r->f, s->request, s->iccid,
		    &s->answer) != STK_OK)
			sb_die("signing the answer of %s", s->id);
	}
	return NULL;
}

static double
stage_sign(struct run *r)
{
	pthread_t t[2];
	struct signer sg[2] = { { r, 0, 2 }, { r, 1, 2 } };
	double t0 = sb_now();

	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, sign_some, &sg[i]) != 0)
			sb_die("pthread_create");
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	return sb_now() - t0;
}

/* ---- stage 3: long-polls -------------------------------------------- */

struct poll_ctx {
	struct run *r;
	struct sess *s;
};

static void
polled(void *arg, int status, json_t *body)
{
	struct poll_ctx *pc = arg;
	const char *st = json_string_value(json_object_get(body, "state"));
	const char *res = json_string_value(json_object_get(body, "result"));

	pc->s->t_done = sb_now();
	if (status == 200 && st && strcmp(st, "COMPLETE") == 0 && res &&
	    strcmp(res, "OK") == 0)
		pc->s->result_ok = 1;
	else {
		pc->s->result_ok = -1;
		if (pc->r->errors++ < 5)
			fprintf(stderr, "bench: session %s: status %d state %s "
			    "result %s\n", pc->s->id, status, st ? st : "-",
			    res ? res : "-");
	}
	pc->r->polls_done++;
	free(pc);
}

static void
open_poll(struct run *r, struct sess *s, struct evhttp_connection *c)
{
	struct poll_ctx *pc = malloc(sizeof(*pc));
	char uri[128];

	if (pc == NULL)
		sb_die("no memory");
	pc->r = r;
	pc->s = s;
	snprintf(uri, sizeof(uri), "/api/v1/authentication/session/%s"
	    "?timeoutMs=100000", s->id);
	sb_request(&r->h, c, EVHTTP_REQ_GET, uri, r->f->api_key, NULL,
	    polled, pc);
}

/* Wait (pumping the loop) until the server holds want long-polls. */
static void
wait_waiters(struct run *r, long want)
{
	double t0 = sb_now();

	for (;;) {
		sb_pump(&r->h, 0.005);
		if (sb_metric(&r->h, "stkauth_longpoll_waiters") >= want)
			return;
		if (sb_now() - t0 > 60)
			sb_die("the server holds fewer than %ld long-polls",
			    want);
	}
}

static double
stage_poll(struct run *r)
{
	double t0 = sb_now();

	for (size_t i = 0; i < r->n; i++) {
		if (r->pollc[i] == NULL)
			r->pollc[i] = sb_conn(&r->h);
		open_poll(r, &r->s[i], r->pollc[i]);
	}
	wait_waiters(r, (long)r->n);
	return sb_now() - t0;
}

/* ---- stage 4: results ----------------------------------------------- */

static void post_next(struct run *r, struct evhttp_connection *c);

struct post_ctx {
	struct run *r;
	struct evhttp_connection *c;
	struct sess *s;
};

static void
posted(void *arg, int status, json_t *body)
{
	struct post_ctx *pc = arg;

	(void)body;
	if (status != 202)
		sb_die("result of %s: status %d", pc->s->id, status);
	post_next(pc->r, pc->c);
	free(pc);
}

static void
post_next(struct run *r, struct evhttp_connection *c)
{
	struct post_ctx *pc;
	struct sess *s;
	char *body;
	size_t blen;

	if (r->next_result >= r->n)
		return;
	s = &r->s[r->next_result++];
	if ((pc = malloc(sizeof(*pc))) == NULL)
		sb_die("no memory");
	pc->r = r;
	pc->c = c;
	pc->s = s;
	blen = strlen(s->answer) + 200;
	if ((body = malloc(blen)) == NULL)
		sb_die("no memory");
	snprintf(body, blen, "{\"resultId\":\"r-%s\",\"msisdn\":\"%s\","
	    "\"iccid\":\"%s\",\"response\":\"%s\"}", s->id, s->msisdn,
	    s->iccid, s->answer);
	s->t_sent = sb_now();
	sb_request(&r->h, c, EVHTTP_REQ_POST, "/bridge/v1/results",
	    r->f->bridge_token, body, posted, pc);
	free(body);
}

static double
stage_result(struct run *r)
{
	for (unsigned i = 0; i < r->nconns; i++)
		post_next(r, r->conns[i]);
	return sb_run(&r->h);
}

/* ---- a round -------------------------------------------------------- */

/* The clients' connections, kept from round to round (keep-alive). */
struct conns {
	struct event_base *base;
	struct evhttp_connection **poll;	/* n, opened when first used */
	struct evhttp_connection **keep;	/* nconns, for the other calls */
	size_t n;
	unsigned nconns;
};

static void
conns_init(struct conns *cs, unsigned port, size_t n, unsigned nconns)
{
	struct sb_http h = { .port = port };

	cs->n = n;
	cs->nconns = nconns;
	cs->base = h.base = event_base_new();
	cs->poll = calloc(n, sizeof(*cs->poll));
	cs->keep = calloc(nconns, sizeof(*cs->keep));
	if (cs->base == NULL || cs->poll == NULL || cs->keep == NULL)
		sb_die("no memory");
	for (unsigned i = 0; i < nconns; i++)
		cs->keep[i] = sb_conn(&h);
}

static void
conns_free(struct conns *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		if (cs->poll[i])
			evhttp_connection_free(cs->poll[i]);
	for (unsigned i = 0; i < cs->nconns; i++)
		evhttp_connection_free(cs->keep[i]);
	free(cs->poll);
	free(cs->keep);
	event_base_free(cs->base);
}

struct figures {
	double t[5];		/* start, claim, sign, poll, result */
	double auth_s;
	double p50, p99, max;	/* ms */
	double cpu_ms;		/* server CPU per completed auth */
	double cpu_us[5];	/* the same per stage, microseconds */
	double client_us[5];	/* this process's CPU per stage, per auth */
};

/* A round's state; its connections are cs's. */
static void
run_init(struct run *r, struct sb_fixture *f, struct conns *cs,
    unsigned naccounts)
{
	memset(r, 0, sizeof(*r));
	r->f = f;
	r->naccounts = naccounts;
	r->n = cs->n;
	r->nconns = cs->nconns;
	r->h.base = cs->base;
	r->h.port = f->port;
	r->pollc = cs->poll;
	r->conns = cs->keep;
	if ((r->s = calloc(r->n, sizeof(*r->s))) == NULL)
		sb_die("no memory");
}

static void
run_free(struct run *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->s[i].request);
		free(r->s[i].answer);
	}
	free(r->order);
	free(r->s);
}

/* The stages of a round, in order (the header comment). */
static double (*const stage[5])(struct run *) = {
	stage_start, stage_claim, stage_sign, stage_poll, stage_result
};

static void
print_stage_cpu(const char *who, const double us[5])
{
	printf("        %s CPU us/auth by stage: start %.0f, claim %.0f, "
	    "(sign %.0f), poll %.0f, result %.0f\n", who, us[0], us[1],
	    us[2], us[3], us[4]);
}

static void
round_run(struct sb_fixture *f, struct conns *cs, unsigned naccounts,
    struct figures *fg)
{
	struct run r;
	size_t n = cs->n;
	double *lat, cpu[6], client[6];

	run_init(&r, f, cs, naccounts);

	/* the server's CPU and ours (the load generator: both share the
	 * machine's cores) around each stage */
	cpu[0] = sb_proc_cpu(f->pid);
	client[0] = sb_proc_cpu(getpid());
	for (int i = 0; i < 5; i++) {
		fg->t[i] = stage[i](&r);
		cpu[i + 1] = sb_proc_cpu(f->pid);
		client[i + 1] = sb_proc_cpu(getpid());
	}
	if (r.polls_done != n || r.errors || r.h.failed)
		sb_die("%zu of %zu long-polls ended OK (%zu errors, %zu "
		    "failed requests; server log %s)", r.polls_done - r.errors,
		    n, r.errors, r.h.failed, f->log);
	for (int i = 0; i < 5; i++) {
		fg->cpu_us[i] = (cpu[i + 1] - cpu[i]) * 1e6 / (double)n;
		fg->client_us[i] = (client[i + 1] - client[i]) * 1e6 /
		    (double)n;
	}
	fg->cpu_ms = (cpu[5] - cpu[0] - (cpu[3] - cpu[2])) * 1000 /
	    (double)n;
	fg->auth_s = (double)n / (fg->t[0] + fg->t[1] + fg->t[3] + fg->t[4]);
	if ((lat = malloc(n * sizeof(*lat))) == NULL)
		sb_die("no memory");
	for (size_t i = 0; i < n; i++)
		lat[i] = (r.s[i].t_done - r.s[i].t_sent) * 1000;
	fg->p50 = sb_quantile(lat, n, 0.50);
	fg->p99 = sb_quantile(lat, n, 0.99);
	fg->max = lat[n - 1];
	free(lat);
	run_free(&r);
}

/* ---- latency, one session at a time -------------------------------- */

static void
latency_alone(struct sb_fixture *f, unsigned samples, unsigned naccounts,
    double *p50, double *p99)
{
	struct run r;
	struct conns cs;
	double *lat = malloc(samples * sizeof(*lat));

	if (lat == NULL)
		sb_die("no memory");
	conns_init(&cs, f->port, 1, 1);
	for (unsigned k = 0; k < samples; k++) {
		run_init(&r, f, &cs, naccounts);
		for (int i = 0; i < 5; i++)
			stage[i](&r);
		if (r.s[0].result_ok != 1)
			sb_die("latency sample %u did not end OK", k);
		lat[k] = (r.s[0].t_done - r.s[0].t_sent) * 1000;
		run_free(&r);
	}
	conns_free(&cs);
	*p50 = sb_quantile(lat, samples, 0.50);
	*p99 = sb_quantile(lat, samples, 0.99);
	free(lat);
}

int
main(int argc, char **argv)
{
	struct sb_fixture f;
	struct conns cs;
	struct figures best, fg;
	unsigned n = 3000, rounds = 3, nconns = 32, naccounts = 1000;
	unsigned samples = 300, speed_s = 3;
	double sign_s = 0, verify_s = 0, pop, p50, p99;
	bool have_speed;
	int ch;

	while ((ch = getopt(argc, argv, "n:r:c:a:l:s:")) != -1) {
		unsigned long v = strtoul(optarg, NULL, 10);

		switch (ch) {
		case 'n': n = (unsigned)v; break;
		case 'r': rounds = (unsigned)v; break;
		case 'c': nconns = (unsigned)v; break;
		case 'a': naccounts = (unsigned)v; break;
		case 'l': samples = (unsigned)v; break;
		case 's': speed_s = (unsigned)v; break;
		default:
			fprintf(stderr, "usage: bench_server_auth [-n SESSIONS] "
			    "[-r ROUNDS] [-c CONNS] [-a ACCOUNTS] "
			    "[-l LATENCY-SAMPLES] [-s OPENSSL-SECONDS]\n");
			return 2;
		}
	}
	if (n < 1 || n > 15000 || rounds < 1 || nconns < 1 || nconns > 1000 ||
	    naccounts < 1 || samples < 1)
		sb_die("out of range: -n 1..15000, -c 1..1000");

	sb_init(&f, "bench-auth");
	sb_pki(&f, naccounts);
	pop = sb_populate(&f, naccounts);
	printf("stkauth-server: %u accounts with certificates (store filled "
	    "in %.1f s)\n", naccounts, pop);
	have_speed = sb_openssl_speed(speed_s, &sign_s, &verify_s);
	if (have_speed)
		printf("openssl speed -seconds %u rsa2048: %.0f sign/s, %.0f "
		    "verify/s (one core)\n", speed_s, sign_s, verify_s);
	else
		printf("openssl speed rsa2048: not available\n");

	sb_server_start(&f, NULL);
	memset(&best, 0, sizeof(best));
	printf("%u sessions per round over %u connections; seconds per "
	    "stage\n", n, nconns);
	printf("round   start   claim   (sign)  poll    result  auth/s  "
	    "p50 ms  p99 ms  max ms  server CPU ms/auth\n");
	conns_init(&cs, f.port, n, nconns);
	for (unsigned i = 0; i < rounds; i++) {
		round_run(&f, &cs, naccounts, &fg);
		printf("%-7u %-7.3f %-7.3f (%-5.2f) %-7.3f %-7.3f %-7.0f "
		    "%-7.2f %-7.2f %-7.2f %.3f\n", i + 1, fg.t[0], fg.t[1],
		    fg.t[2], fg.t[3], fg.t[4], fg.auth_s, fg.p50, fg.p99,
		    fg.max, fg.cpu_ms);
		if (getenv("SB_VERBOSE")) {
			print_stage_cpu("server", fg.cpu_us);
			print_stage_cpu("client", fg.client_us);
		}
		if (fg.auth_s > best.auth_s)
			best = fg;
	}
	conns_free(&cs);
	latency_alone(&f, samples, naccounts, &p50, &p99);
	printf("completed authentications/s (best of %u): %.0f\n", rounds,
	    best.auth_s);
	printf("long-poll latency after the result, %u in flight: p50 %.2f "
	    "ms, p99 %.2f ms\n", nconns, best.p50, best.p99);
	printf("long-poll latency after the result, alone (%u samples): "
	    "p50 %.2f ms, p99 %.2f ms\n", samples, p50, p99);
	if (have_speed)
		printf("RSA-2048 verify/s of one core (openssl speed): %.0f; "
		    "completed auth/s per verify/s: %.3f\n", verify_s,
		    best.auth_s / verify_s);
	printf("server RSS at the end: %ld kB (peak %ld kB)\n",
	    sb_proc_kb(f.pid, "VmRSS"), sb_proc_kb(f.pid, "VmHWM"));
	printf("SIGTERM: the server stopped in %.2f s\n",
	    sb_server_stop(&f));
	sb_cleanup(&f);
	return 0;
}
