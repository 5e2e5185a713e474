/*
 * bench_bridge_core - what the bridge core costs (docs/PERFORMANCE.md,
 * "Bridge core"):
 *
 *   1. packets wrapped per second: the auth request of
 *      tests/vectors/authmsg put in a secured command packet (AES-128 CBC
 *      + AES-CMAC, TS 102 225) and an SMS-SUBMIT by sms_build_command(),
 *      alone and with the counter committed first in the SQLite key store
 *      (keystore_counter_next, synchronous = FULL: what the core does for
 *      every job);
 *   2. latency added by the bridge between job claim and submit: the real
 *      core (bridge_new/bridge_start: queue.db, key store, HTTP client,
 *      the `loop` transport) on one libevent loop with a small bridge-API
 *      server (BRIDGE-API.md §3) in the same process.  Clock starts when
 *      that server hands a job over in its claim answer; it stops when the
 *      loop transport's file for that job appears (inotify IN_MOVED_TO,
 *      the transport renames it into place inside submit()).  So the
 *      figure includes the HTTP answer's trip over loopback, storing the
 *      claim (one commit), the counter (one commit), building, queueing
 *      (one commit) and the submit.  One job per claim, one at a time
 *      (unloaded), then claims of 10 jobs (p50/p99 over every job).
 *
 * State lives in BENCH_DIR (default: a new folder under build/, i.e. the
 * same disk as a real state_dir, not a tmpfs).  Usage:
 *   bench_bridge_core [JOBS]      (default 300 jobs per latency run)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>

#include <arpa/inet.h>

#include "bridge.h"
#include "hex.h"
#include "keystore.h"
#include "log.h"

#define ICCID	"8944100000000123456"
#define MSISDN	"+37255500001"
/* request-gsm7 of tests/vectors/authmsg/messages.txt */
#define REQUEST	"0101015A1C3E779012ABCD00112233445566778899AABBCCDDEEFF" \
		"00786B048880063751324B395804124578616D706C652042616E6B206C" \
		"6F67696E"
#define MAXJOBS	5000

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(const char *what)
{
	fprintf(stderr, "bench_bridge_core: %s\n", what);
	exit(1);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
pct(double *v, int n, double p)
{
	int i = (int)(p * (n - 1) + 0.5);

	return v[i < n ? i : n - 1];
}

static void
card_make(struct ks_card *c)
{
	static const uint8_t k1[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
	    12, 13, 14, 15 };

	memset(c, 0, sizeof(*c));
	snprintf(c->iccid, sizeof(c->iccid), ICCID);
	snprintf(c->msisdn, sizeof(c->msisdn), MSISDN);
	memcpy(c->tar, "STK", 3);
	c->spi = KS_SPI_DEFAULT;
	c->cmd_kvn = 1;
	c->nkeysets = 1;
	c->ks[0].kvn = 1;
	c->ks[0].kic = 0x12;
	c->ks[0].kid = 0x12;
	memcpy(c->ks[0].kic_key, k1, 16);
	c->ks[0].kic_len = 16;
	memcpy(c->ks[0].kid_key, k1, 16);
	c->ks[0].kid_key[0] = 0x10;
	c->ks[0].kid_len = 16;
}

/* ---- 1. wrapping ------------------------------------------------------ */

static void
bench_wrap(struct keystore *ks, const struct ks_card *c)
{
	struct stk_buf req, tpdus[4];
	const int nwrap = 20000, ncommit = 1000;
	uint64_t cntr;
	size_t n;
	double t0, t1, t2;

	stk_buf_init(&req);
	if (stk_hex_decode(REQUEST, &req) != STK_OK)
		die("request vector");
	t0 = now_s();
	for (int i = 0; i < nwrap; i++) {
		if (sms_build_command(c, (uint64_t)i + 1, stk_buf_data(&req),
		    stk_buf_len(&req), MSISDN, true, 120, (uint8_t)i, tpdus, 4,
		    &n) != STK_OK)
			die("sms_build_command");
		for (size_t k = 0; k < n; k++)
			stk_buf_free(&tpdus[k]);
	}
	t1 = now_s();
	for (int i = 0; i < ncommit; i++) {
		if (keystore_counter_next(ks, ICCID, 1, &cntr) != STK_OK ||
		    sms_build_command(c, cntr, stk_buf_data(&req),
		    stk_buf_len(&req), MSISDN, true, 120, (uint8_t)i, tpdus, 4,
		    &n) != STK_OK)
			die("counter + build");
		for (size_t k = 0; k < n; k++)
			stk_buf_free(&tpdus[k]);
	}
	t2 = now_s();
	printf("wrap only (packet + SMS-SUBMIT, %zu SMS each): %d in %.3f s "
	    "= %.0f packets/s\n", n, nwrap, t1 - t0, nwrap / (t1 - t0));
	printf("wrap with the counter committed first (key store, "
	    "synchronous=FULL): %d in %.3f s = %.0f packets/s\n", ncommit,
	    t2 - t1, ncommit / (t2 - t1));
	stk_buf_free(&req);
}

/* ---- 2. claim -> submit ---------------------------------------------- */

struct lat {
	struct event_base *base;
	int batch;		/* jobs per claim answer */
	int total, handed, seen;
	double t_hand[MAXJOBS];
	double lat[MAXJOBS];
	char run[16];
	struct evhttp_request *waiting;	/* a claim held (long poll) */
	int ino;
	struct event *ino_ev, *next_ev;
};

static void
reply_json(struct evhttp_request *r, int code, json_t *body)
{
	struct evbuffer *b = evbuffer_new();
	char *s = json_dumps(body, JSON_COMPACT);

	evbuffer_add(b, s, strlen(s));
	evhttp_add_header(evhttp_request_get_output_headers(r),
	    "Content-Type", "application/json");
	evhttp_send_reply(r, code, "OK", b);
	evbuffer_free(b);
	free(s);
	json_decref(body);
}

/* Hand the next batch to the held claim. */
static void
hand_out(struct lat *L)
{
	json_t *jobs = json_array();
	char exp[32], id[40];
	time_t t = time(NULL) + 600;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(exp, sizeof(exp), "%Y-%m-%dT%H:%M:%S.000Z", &tm);
	for (int i = 0; i < L->batch && L->handed < L->total; i++) {
		snprintf(id, sizeof(id), "%s%06d", L->run, L->handed);
		json_array_append_new(jobs, json_pack("{s:s, s:s, s:s, s:s, "
		    "s:s, s:s, s:s, s:i}", "jobId", id, "sessionId", id,
		    "msisdn", MSISDN, "iccid", ICCID, "request", REQUEST,
		    "leaseId", id, "expiresAt", exp, "attempt", 1));
		L->t_hand[L->handed++] = now_s();
	}
	reply_json(L->waiting, 200, json_pack("{s:o}", "jobs", jobs));
	L->waiting = NULL;
}

static void
serve(struct evhttp_request *r, void *arg)
{
	struct lat *L = arg;
	const char *uri = evhttp_request_get_uri(r);

	if (strstr(uri, "/jobs/claim") != NULL) {
		if (L->waiting != NULL)
			reply_json(L->waiting, 200, json_pack("{s:[]}",
			    "jobs"));
		L->waiting = r;
		/* Unloaded: the next job once the last one was submitted. */
		if (L->handed < L->total && L->seen == L->handed)
			hand_out(L);
		return;
	}
	reply_json(r, 200, json_object());	/* acks, deliveries */
}

static void
on_files(evutil_socket_t fd, short what, void *arg)
{
	struct lat *L = arg;
	char buf[16384];
	ssize_t len;
	double t = now_s();

	(void)what;
	while ((len = read(fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + len;) {
			struct inotify_event *e = (struct inotify_event *)p;

			if (e->len > 0 && strstr(e->name, ".sub") != NULL &&
			    L->seen < L->handed) {
				L->lat[L->seen] = t - L->t_hand[L->seen];
				L->seen++;
			}
			p += sizeof(*e) + e->len;
		}
	}
	if (L->seen == L->total)
		event_base_loopexit(L->base, NULL);
	else if (L->seen == L->handed && L->waiting != NULL)
		hand_out(L);
}

static void
write_conf(const char *dir, int port, const char *tok, const char *out)
{
	char p[600];
	FILE *f;

	snprintf(p, sizeof(p), "%s/bridge.ini", dir);
	if ((f = fopen(p, "w")) == NULL)
		die("bridge.ini");
	fprintf(f, "[bridge]\nname = bench\nserver_url = http://127.0.0.1:%d\n"
	    "token_file = %s\nstate_dir = %s\nlog_level = warn\n"
	    "claim_max_jobs = 10\nclaim_wait_ms = 30000\n"
	    "max_jobs_in_flight = 50\nstatus_report = no\n\n"
	    "[transport bench]\ntype = loop\noutdir = %s\nindir = %s/in\n"
	    "capacity = 100\npoll_ms = 1000\n", port, tok, dir, out, dir);
	fclose(f);
}

static void
bench_latency(const char *dir, int jobs, int batch, const char *label)
{
	static struct lat L;
	struct bridge_config *cfg;
	struct bridge *b;
	struct evhttp *http;
	struct evhttp_bound_socket *bs;
	char out[520], ini[600], err[512];
	int port;

	memset(&L, 0, sizeof(L));
	L.total = jobs;
	L.batch = batch;
	snprintf(L.run, sizeof(L.run), "%s", label);
	snprintf(out, sizeof(out), "%s/out-%s", dir, label);
	snprintf(ini, sizeof(ini), "%s/in", dir);
	mkdir(out, 0700);
	mkdir(ini, 0700);
	L.base = event_base_new();
	http = evhttp_new(L.base);
	evhttp_set_gencb(http, serve, &L);
	if ((bs = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0)) == NULL)
		die("listen");
	{
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);

		getsockname(evhttp_bound_socket_get_fd(bs),
		    (struct sockaddr *)&ss, &sl);
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	}
	snprintf(ini, sizeof(ini), "%s/token", dir);
	write_conf(dir, port, ini, out);
	snprintf(ini, sizeof(ini), "%s/bridge.ini", dir);
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL ||
	    bridge_config_load(ini, cfg, err, sizeof(err)) != STK_OK)
		die(err);
	if ((L.ino = inotify_init1(IN_NONBLOCK)) < 0 ||
	    inotify_add_watch(L.ino, out, IN_MOVED_TO | IN_CLOSE_WRITE) < 0)
		die("inotify");
	L.ino_ev = event_new(L.base, L.ino, EV_READ | EV_PERSIST, on_files,
	    &L);
	event_add(L.ino_ev, NULL);
	if (bridge_new(L.base, cfg, &b, err, sizeof(err)) != STK_OK ||
	    bridge_start(b) != STK_OK)
		die(err);
	{
		double t0 = now_s(), t1;
		event_base_dispatch(L.base);
		t1 = now_s();
		qsort(L.lat, (size_t)L.seen, sizeof(double), cmp_double);
		printf("claim -> submit, %s: %d jobs in %.2f s: p50 %.2f ms, "
		    "p90 %.2f ms, p99 %.2f ms, max %.2f ms\n", batch == 1 ?
		    "one job at a time" : "claims of 10 jobs", L.seen,
		    t1 - t0, pct(L.lat, L.seen, 0.5) * 1e3,
		    pct(L.lat, L.seen, 0.9) * 1e3,
		    pct(L.lat, L.seen, 0.99) * 1e3,
		    L.lat[L.seen - 1] * 1e3);
	}
	if (L.waiting != NULL)
		reply_json(L.waiting, 200, json_pack("{s:[]}", "jobs"));
	bridge_free(b);
	bridge_config_free(cfg);
	free(cfg);
	event_free(L.ino_ev);
	close(L.ino);
	evhttp_free(http);
	event_base_free(L.base);
}

int
main(int argc, char **argv)
{
	char dir[256], path[300], err[256];
	struct keystore *ks;
	struct ks_card c;
	int jobs = argc > 1 ? atoi(argv[1]) : 300;
	FILE *f;

	if (jobs < 10 || jobs > MAXJOBS)
		die("JOBS: 10..5000");
	stk_log_set_level(STK_LOG_ERROR);
	if (getenv("BENCH_DIR") != NULL)
		snprintf(dir, sizeof(dir), "%s", getenv("BENCH_DIR"));
	else
		snprintf(dir, sizeof(dir), "build/bench-bridge-core.%d",
		    (int)getpid());
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		die("BENCH_DIR");
	snprintf(path, sizeof(path), "%s/keystore.db", dir);
	if (keystore_open(path, &ks, err, sizeof(err)) != STK_OK)
		die(err);
	card_make(&c);
	if (keystore_card_put(ks, &c, true, err, sizeof(err)) != STK_OK)
		die(err);
	snprintf(path, sizeof(path), "%s/token", dir);
	if ((f = fopen(path, "w")) == NULL)
		die("token");
	fprintf(f, "br_bench\n");
	fclose(f);
	chmod(path, 0600);
	printf("state in %s\n", dir);
	bench_wrap(ks, &c);
	keystore_close(ks);
	bench_latency(dir, jobs, 1, "one");
	bench_latency(dir, jobs, 10, "ten");
	ks_card_clear(&c);
	if (getenv("BENCH_DIR") == NULL) {
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			return 1;
	}
	return 0;
}
