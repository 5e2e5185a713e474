/*
 * bench_server_memory.c - stkauth-server's resident memory with many
 * accounts, open sessions and long-polls (docs/PERFORMANCE.md "Server";
 * make bench).  Issue 7: under 64 MB RSS with 100,000 accounts and
 * 10,000 open sessions.
 *
 * The store gets ACCOUNTS accounts (each bound to an MSISDN, with an
 * enrolled card) before the server starts; then SESSIONS sessions are
 * started (RUNNING: their jobs wait for a bridge) and, for each, the
 * relying party's long-poll is opened and held (timeoutMs=100000), as a
 * relying party does right after a start.  Prints the server's VmRSS
 * after start, after the sessions, with every long-poll held, and its
 * peak (VmHWM), read from /proc; then stops it with SIGTERM (every
 * long-poll must be answered 503 SHUTTING_DOWN) and prints how long
 * that took.  The client keeps one socket per long-poll: the file
 * descriptor limit must allow SESSIONS + 100.
 *
 *   bench_server_memory [-a ACCOUNTS] [-n SESSIONS]
 *   defaults: -a 100000 -n 10000
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "server_bench.h"

struct mem {
	struct sb_http h;
	size_t started, answered, shutdown_503;
	char (*ids)[40];
};

static void
started(void *arg, int status, json_t *body)
{
	char *id = arg;
	const char *s = json_string_value(json_object_get(body, "sessionId"));
	const char *st = json_string_value(json_object_get(body, "ticket"));

	if (status != 200 || s == NULL || st == NULL)
		sb_die("start: status %d", status);
	snprintf(id, 40, "%s", s);
}

static void
poll_done(void *arg, int status, json_t *body)
{
	struct mem *m = arg;
	json_t *e = json_object_get(body, "error");
	const char *code = json_string_value(json_object_get(e, "code"));

	m->answered++;
	if (status == 503 && code && strcmp(code, "SHUTTING_DOWN") == 0)
		m->shutdown_503++;
}

int
main(int argc, char **argv)
{
	struct sb_fixture f;
	struct mem m;
	struct evhttp_connection **pc, *conns[16];
	struct rlimit rl;
	unsigned naccounts = 100000, n = 10000;
	long rss_start, rss_sessions, rss_polls, hwm;
	double pop, t_start, stop_s;
	char body[160], uri[128], name[16], msisdn[16], iccid[24];
	int ch;

	while ((ch = getopt(argc, argv, "a:n:")) != -1) {
		unsigned long v = strtoul(optarg, NULL, 10);

		if (ch == 'a')
			naccounts = (unsigned)v;
		else if (ch == 'n')
			n = (unsigned)v;
		else {
			fprintf(stderr, "usage: bench_server_memory "
			    "[-a ACCOUNTS] [-n SESSIONS]\n");
			return 2;
		}
	}
	if (naccounts < 1 || n < 1 || n > 19000)
		sb_die("out of range: -a >= 1, -n 1..19000");
	/* one socket per long-poll, here and in the server */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < n + 100) {
		rl.rlim_cur = rl.rlim_max < n + 100 ? rl.rlim_max : n + 100;
		setrlimit(RLIMIT_NOFILE, &rl);
		if (rl.rlim_cur < n + 100)
			sb_die("the file descriptor limit (%lu) is below %u",
			    (unsigned long)rl.rlim_cur, n + 100);
	}

	sb_init(&f, "bench-mem");
	sb_pki(&f, 1);
	pop = sb_populate(&f, naccounts);
	printf("stkauth-server memory: %u accounts (store filled in %.1f s), "
	    "%u sessions\n", naccounts, pop, n);
	sb_server_start(&f, NULL);
	rss_start = sb_proc_kb(f.pid, "VmRSS");

	memset(&m, 0, sizeof(m));
	m.h.base = event_base_new();
	m.h.port = f.port;
	if (m.h.base == NULL || (m.ids = calloc(n, sizeof(*m.ids))) == NULL ||
	    (pc = calloc(n, sizeof(*pc))) == NULL)
		sb_die("no memory");
	for (int i = 0; i < 16; i++)
		conns[i] = sb_conn(&m.h);
	/* accounts spread over the whole table */
	for (unsigned i = 0; i < n; i++) {
		sb_account((unsigned)((unsigned long)i * naccounts / n), name,
		    msisdn, iccid);
		snprintf(body, sizeof(body), "{\"account\":\"%s\","
		    "\"serviceName\":\"Bench Bank login\"}", name);
		sb_request(&m.h, conns[i % 16], EVHTTP_REQ_POST,
		    "/api/v1/authentication", f.api_key, body, started,
		    m.ids[i]);
	}
	t_start = sb_run(&m.h);
	rss_sessions = sb_proc_kb(f.pid, "VmRSS");
	printf("%u sessions started in %.2f s (%.0f/s)\n", n, t_start,
	    n / t_start);

	for (unsigned i = 0; i < n; i++) {
		pc[i] = sb_conn(&m.h);
		snprintf(uri, sizeof(uri), "/api/v1/authentication/session/%s"
		    "?timeoutMs=100000", m.ids[i]);
		sb_request(&m.h, pc[i], EVHTTP_REQ_GET, uri, f.api_key, NULL,
		    poll_done, &m);
	}
	for (double t0 = sb_now(); sb_metric(&m.h,
	    "stkauth_longpoll_waiters") < (long)n;) {
		sb_pump(&m.h, 0.02);
		if (sb_now() - t0 > 60)
			sb_die("the server holds fewer than %u long-polls", n);
	}
	rss_polls = sb_proc_kb(f.pid, "VmRSS");
	hwm = sb_proc_kb(f.pid, "VmHWM");
	printf("server VmRSS: %.1f MB after start, %.1f MB with %u RUNNING "
	    "sessions, %.1f MB with their %u long-polls held; peak %.1f "
	    "MB\n", rss_start / 1024.0, rss_sessions / 1024.0, n,
	    rss_polls / 1024.0, n, hwm / 1024.0);

	stop_s = sb_server_stop(&f);
	sb_run(&m.h);
	printf("SIGTERM with %u long-polls held: stopped in %.2f s, %zu of "
	    "them answered 503 SHUTTING_DOWN\n", n, stop_s, m.shutdown_503);
	for (unsigned i = 0; i < n; i++)
		evhttp_connection_free(pc[i]);
	for (int i = 0; i < 16; i++)
		evhttp_connection_free(conns[i]);
	event_base_free(m.h.base);
	free(pc);
	free(m.ids);
	sb_cleanup(&f);
	if (m.shutdown_503 != n)
		sb_die("%zu long-polls were not answered SHUTTING_DOWN",
		    n - m.shutdown_503);
	return 0;
}
