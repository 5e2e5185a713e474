/*
 * bridge_modem_drive - a test harness (not a product part) for the modem
 * pool transport (transport_modem_ops): a tiny libevent main that opens
 * one [transport NAME] section of an INI file, submits N SMS-SUBMIT TPDUs
 * as the bridge core would (respecting capacity(), retrying TEMPORARY
 * failures a bounded number of times), and prints every event:
 *
 *   link <modem> up|down <why>
 *   sent <id> <ref>
 *   failed <id> <temporary|permanent|throttled> <reason>
 *   received <modem> SMS-DELIVER <from> <hex>
 *   received <modem> SMS-STATUS-REPORT mr=<mr> st=<st> <hex>
 *   done sent=N failed=N received=N elapsed_ms=N rate=R
 *
 * Options:
 *   -c FILE -t NAME     the INI file and the transport section name
 *   -n N                messages to send (default 0)
 *   --to NUMBER         destination (default +491700000001)
 *   --srr               ask for status reports
 *   --retries K         resubmit a TEMPORARY failure up to K times (0)
 *   --wait-rx N         also wait until N TPDUs were received
 *   --wait-up N         submit only once N modems reported link up
 *   --refuse-rx K       answer received() with an error for the first K
 *   --timeout S         give up after S seconds (default 30): exit 1
 *   --after-ended K CMD run the shell command CMD once K messages ended
 *   --after-ms T CMD    run CMD T ms after the start
 *   --delay MS          put a relay in front of every tcp: modem that
 *                       holds back what the modem says by MS ms (a
 *                       fixed per-exchange latency for the benchmark)
 *   --linger MS         keep the loop running MS ms after the end (so
 *                       acknowledgements finish before --metrics)
 *   --drain             drain the transport at the end
 *   --metrics           print the transport's metrics at the end
 *   --check             only run check() on the section and print the result
 *
 * Exit 0 when every message ended in sent and the receive target was
 * met, 1 otherwise.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <ini.h>

#include "bytes.h"
#include "err.h"
#include "hex.h"
#include "log.h"
#include "tpdu.h"
#include "transport.h"

#define KV_MAX 256
#define HOOKS_MAX 8
#define RELAYS_MAX 64

struct kv {
	char key[80];
	char val[320];
};

static struct kv kvs[KV_MAX];
static size_t nkv;
static char section[96];

static struct event_base *base;
static struct transport *tr;
static unsigned total, submitted, ended, n_sent, n_failed, n_received;
static unsigned retries, refuse_rx, wait_rx, wait_up, n_up;
static unsigned *tries;		/* per message id */
static uint64_t *retry_ids;
static size_t nretry;
static char dest[17] = "+491700000001";
static int srr;
static int64_t t0;
static int drained;
static long linger_ms;

struct hook {
	long k;			/* after K ended, or -1 */
	long ms;		/* after T ms, or -1 */
	const char *cmd;
	int done;
};
static struct hook hooks[HOOKS_MAX];
static size_t nhooks;

/* ---- relay with delay ---- */

static long delay_ms;

struct chunk {
	struct chunk *next;
	int64_t due;
	size_t len;
	uint8_t data[];
};

struct relay {
	char upstream[320];	/* host:port */
	struct evconnlistener *lst;
	int port;
	struct bufferevent *a, *b;	/* a: the transport, b: the modem */
	struct chunk *head, *tail;
	struct event *timer;
};
static struct relay relays[RELAYS_MAX];
static size_t nrelays;

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
relay_close(struct relay *r)
{
	if (r->a != NULL)
		bufferevent_free(r->a);
	if (r->b != NULL)
		bufferevent_free(r->b);
	r->a = r->b = NULL;
	while (r->head != NULL) {
		struct chunk *c = r->head;

		r->head = c->next;
		free(c);
	}
	r->tail = NULL;
	event_del(r->timer);
}

static void
relay_arm(struct relay *r)
{
	int64_t w;
	struct timeval tv;

	if (r->head == NULL)
		return;
	w = r->head->due - now_ms();
	if (w < 0)
		w = 0;
	tv.tv_sec = (time_t)(w / 1000);
	tv.tv_usec = (suseconds_t)(w % 1000) * 1000;
	evtimer_add(r->timer, &tv);
}

static void
relay_timer(evutil_socket_t fd, short what, void *arg)
{
	struct relay *r = arg;
	int64_t now = now_ms();

	(void)fd;
	(void)what;
	while (r->head != NULL && r->head->due <= now) {
		struct chunk *c = r->head;

		r->head = c->next;
		if (r->head == NULL)
			r->tail = NULL;
		if (r->a != NULL)
			bufferevent_write(r->a, c->data, c->len);
		free(c);
	}
	relay_arm(r);
}

static void
relay_from_modem(struct bufferevent *bev, void *arg)
{
	struct relay *r = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t n = evbuffer_get_length(in);
	struct chunk *c = malloc(sizeof(*c) + n);

	if (c == NULL)
		return;
	c->next = NULL;
	c->due = now_ms() + delay_ms;
	c->len = n;
	evbuffer_remove(in, c->data, n);
	if (r->tail != NULL)
		r->tail->next = c;
	else
		r->head = c;
	r->tail = c;
	if (r->head == c)
		relay_arm(r);
}

static void
relay_to_modem(struct bufferevent *bev, void *arg)
{
	struct relay *r = arg;

	if (r->b != NULL)
		bufferevent_write_buffer(r->b, bufferevent_get_input(bev));
}

static void
relay_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		relay_close(arg);
}

static void
relay_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct relay *r = arg;
	char host[sizeof(r->upstream)], *colon;

	(void)l;
	(void)sa;
	(void)salen;
	if (r->a != NULL) {
		evutil_closesocket(fd);
		return;
	}
	snprintf(host, sizeof(host), "%s", r->upstream);
	colon = strrchr(host, ':');
	*colon = '\0';
	r->a = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	r->b = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(r->a, relay_to_modem, NULL, relay_event, r);
	bufferevent_setcb(r->b, relay_from_modem, NULL, relay_event, r);
	bufferevent_enable(r->a, EV_READ | EV_WRITE);
	bufferevent_enable(r->b, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect_hostname(r->b, NULL, AF_INET, host,
	    atoi(colon + 1)) != 0)
		relay_close(r);
}

/* A relay for "tcp:HOST:PORT"; returns the replacement link text. */
static const char *
relay_for(const char *link)
{
	static char out[RELAYS_MAX][64];
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	struct relay *r;

	if (strncmp(link, "tcp:", 4) != 0 || nrelays == RELAYS_MAX)
		return link;
	for (size_t i = 0; i < nrelays; i++)
		if (strcmp(relays[i].upstream, link + 4) == 0)
			return out[i];
	r = &relays[nrelays];
	snprintf(r->upstream, sizeof(r->upstream), "%s", link + 4);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r->lst = evconnlistener_new_bind(base, relay_accept, r,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 4,
	    (struct sockaddr *)&sin, sizeof(sin));
	r->timer = evtimer_new(base, relay_timer, r);
	if (r->lst == NULL || r->timer == NULL)
		return link;
	getsockname(evconnlistener_get_fd(r->lst), (struct sockaddr *)&sin,
	    &sl);
	snprintf(out[nrelays], sizeof(out[0]), "tcp:127.0.0.1:%u",
	    ntohs(sin.sin_port));
	return out[nrelays++];
}

/* ---- configuration ---- */

static int
ini_cb(void *user, const char *sec, const char *key, const char *val)
{
	(void)user;
	if (strcmp(sec, section) != 0 || nkv == KV_MAX)
		return 1;
	snprintf(kvs[nkv].key, sizeof(kvs[0].key), "%s", key);
	snprintf(kvs[nkv].val, sizeof(kvs[0].val), "%s", val);
	nkv++;
	return 1;
}

static int
get(void *cfg, const char *key, const char **val)
{
	size_t klen = strlen(key);

	(void)cfg;
	for (size_t i = 0; i < nkv; i++)
		if (strcmp(kvs[i].key, key) == 0) {
			*val = kvs[i].val;
			if (delay_ms > 0 && klen > 5 &&
			    strcmp(key + klen - 5, ".link") == 0)
				*val = relay_for(kvs[i].val);
			return STK_OK;
		}
	return STK_E_NOT_FOUND;
}

/* ---- the core's side ---- */

static void feed(void);

static void
run_hooks(void)
{
	int64_t el = now_ms() - t0;

	for (size_t i = 0; i < nhooks; i++) {
		struct hook *h = &hooks[i];

		if (h->done || (h->k >= 0 && ended < (unsigned)h->k) ||
		    (h->ms >= 0 && el < h->ms))
			continue;
		h->done = 1;
		printf("hook %s\n", h->cmd);
		fflush(stdout);
		if (system(h->cmd) != 0)
			printf("hook failed: %s\n", h->cmd);
	}
}

static void
finish_check(void)
{
	if (ended >= total && n_received >= wait_rx && nretry == 0)
		event_base_loopbreak(base);
}

static void
ev_sent(void *core, uint64_t id, const char *ref)
{
	(void)core;
	printf("sent %llu %s\n", (unsigned long long)id, ref);
	n_sent++;
	ended++;
	feed();
}

static const char *const cls_names[] = { "temporary", "permanent",
	"throttled" };

static void
ev_failed(void *core, uint64_t id, enum transport_fail cls,
    const char *reason)
{
	(void)core;
	printf("failed %llu %s %s\n", (unsigned long long)id,
	    (unsigned)cls < 3 ? cls_names[cls] : "?", reason);
	if (cls != TRANSPORT_FAIL_PERMANENT && id >= 1 && id <= total &&
	    tries[id - 1] < retries) {
		tries[id - 1]++;
		retry_ids[nretry++] = id;
	} else {
		n_failed++;
		ended++;
	}
	feed();
}

static int
ev_received(void *core, const char *from, const uint8_t *tpdu, size_t len)
{
	struct stk_tpdu t;
	char hex[400], addr[STK_ADDR_TEXT_MAX + 1] = "?";

	(void)core;
	stk_hex_format(hex, tpdu, len, 1);
	if (refuse_rx > 0) {
		refuse_rx--;
		printf("refused %s %s\n", from, hex);
		return STK_E_IO;
	}
	if (stk_tpdu_decode(tpdu, len, STK_DIR_SC_TO_MS, &t, NULL) != STK_OK) {
		printf("received %s undecodable %s\n", from, hex);
	} else if (t.type == STK_TPDU_STATUS_REPORT) {
		printf("received %s SMS-STATUS-REPORT mr=%u st=%u %s\n", from,
		    t.mr, t.st, hex);
	} else {
		(void)stk_sms_addr_to_text(&t.addr, addr, sizeof(addr));
		printf("received %s %s %s %s\n", from,
		    stk_tpdu_type_name(t.type), addr, hex);
	}
	n_received++;
	finish_check();
	return STK_OK;
}

static void
ev_link(void *core, const char *from, bool up, const char *why)
{
	(void)core;
	printf("link %s %s %s\n", from, up ? "up" : "down", why);
	if (up)
		n_up++;
	feed();
}

static const struct transport_events events = {
	ev_sent, ev_failed, ev_received, ev_link,
};

static int
build(uint64_t id, struct stk_buf *b)
{
	struct stk_tpdu t;
	char text[32];

	stk_tpdu_init(&t, STK_TPDU_SUBMIT);
	if (stk_sms_addr_from_text(dest, &t.addr) != STK_OK)
		return STK_E_INVALID;
	t.srr = srr != 0;
	snprintf(text, sizeof(text), "msg %llu", (unsigned long long)id);
	if (stk_tpdu_set_text(&t, text, strlen(text), STK_CLASS_NONE) != STK_OK)
		return STK_E_INVALID;
	return stk_tpdu_encode(&t, b);
}

static int
submit_one(uint64_t id)
{
	struct transport_msg m;
	struct stk_buf b;
	int r;

	stk_buf_init(&b);
	if ((r = build(id, &b)) != STK_OK) {
		stk_buf_free(&b);
		return r;
	}
	memset(&m, 0, sizeof(m));
	m.id = id;
	snprintf(m.dest, sizeof(m.dest), "%s", dest);
	m.tpdu = stk_buf_data(&b);
	m.tpdu_len = stk_buf_len(&b);
	m.status_report = srr != 0;
	r = transport_modem_ops.submit(tr, &m);
	stk_buf_free(&b);
	return r;
}

/* Submit as much as capacity() allows: retries first. */
static void
feed(void)
{
	static int busy;

	if (busy || tr == NULL || n_up < wait_up)
		return;
	busy = 1;
	run_hooks();
	while (transport_modem_ops.capacity(tr) > 0) {
		uint64_t id;

		if (nretry > 0) {
			id = retry_ids[0];
			memmove(retry_ids, retry_ids + 1,
			    (nretry - 1) * sizeof(*retry_ids));
			nretry--;
		} else if (submitted < total) {
			id = ++submitted;
		} else {
			break;
		}
		if (submit_one(id) != STK_OK) {
			printf("submit %llu refused\n", (unsigned long long)id);
			n_failed++;
			ended++;
		}
	}
	busy = 0;
	finish_check();
}

static void
on_poll(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	feed();
	fflush(stdout);
}

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	printf("timeout\n");
	event_base_loopbreak(base);
}

static void
on_drained(void *core)
{
	(void)core;
	drained = 1;
	printf("drained\n");
	event_base_loopbreak(base);
}

static void
usage(void)
{
	fprintf(stderr, "usage: bridge_modem_drive -c FILE -t NAME [-n N] "
	    "[--to NUM] [--srr] [--retries K] [--wait-rx N] [--refuse-rx K] "
	    "[--timeout S] [--after-ended K CMD] [--after-ms T CMD] "
	    "[--delay MS] [--wait-up N] [--linger MS] [--drain] [--metrics] [--check] [-d]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *file = NULL, *name = NULL;
	struct transport_config tc;
	struct event *poll_ev, *to_ev;
	struct timeval poll_tv = { 0, 100000 }, to_tv = { 30, 0 };
	int do_drain = 0, do_metrics = 0, check_only = 0, ok;
	char err[512];
	int64_t el;

	stk_log_init("bridge_modem_drive", STK_LOG_INFO);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-c") == 0 && i + 1 < argc)
			file = argv[++i];
		else if (strcmp(a, "-t") == 0 && i + 1 < argc)
			name = argv[++i];
		else if (strcmp(a, "-n") == 0 && i + 1 < argc)
			total = (unsigned)atoi(argv[++i]);
		else if (strcmp(a, "--to") == 0 && i + 1 < argc)
			snprintf(dest, sizeof(dest), "%s", argv[++i]);
		else if (strcmp(a, "--srr") == 0)
			srr = 1;
		else if (strcmp(a, "--retries") == 0 && i + 1 < argc)
			retries = (unsigned)atoi(argv[++i]);
		else if (strcmp(a, "--wait-rx") == 0 && i + 1 < argc)
			wait_rx = (unsigned)atoi(argv[++i]);
		else if (strcmp(a, "--wait-up") == 0 && i + 1 < argc)
			wait_up = (unsigned)atoi(argv[++i]);
		else if (strcmp(a, "--refuse-rx") == 0 && i + 1 < argc)
			refuse_rx = (unsigned)atoi(argv[++i]);
		else if (strcmp(a, "--timeout") == 0 && i + 1 < argc)
			to_tv.tv_sec = atoi(argv[++i]);
		else if (strcmp(a, "--delay") == 0 && i + 1 < argc)
			delay_ms = atol(argv[++i]);
		else if ((strcmp(a, "--after-ended") == 0 ||
		    strcmp(a, "--after-ms") == 0) && i + 2 < argc &&
		    nhooks < HOOKS_MAX) {
			struct hook *h = &hooks[nhooks++];

			h->k = a[8] == 'e' ? atol(argv[i + 1]) : -1;
			h->ms = a[8] == 'm' ? atol(argv[i + 1]) : -1;
			h->cmd = argv[i + 2];
			i += 2;
		} else if (strcmp(a, "--linger") == 0 && i + 1 < argc)
			linger_ms = atol(argv[++i]);
		else if (strcmp(a, "--drain") == 0)
			do_drain = 1;
		else if (strcmp(a, "--metrics") == 0)
			do_metrics = 1;
		else if (strcmp(a, "--check") == 0)
			check_only = 1;
		else if (strcmp(a, "-d") == 0)
			stk_log_set_level(STK_LOG_DEBUG);
		else
			usage();
	}
	if (file == NULL || name == NULL)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(section, sizeof(section), "transport %s", name);
	if (ini_parse(file, ini_cb, NULL) != 0) {
		fprintf(stderr, "%s: cannot parse\n", file);
		return 2;
	}
	tc.name = name;
	tc.get = get;
	tc.cfg = NULL;
	if (check_only) {
		if (transport_modem_ops.check(&tc, err, sizeof(err)) != STK_OK) {
			printf("invalid: %s\n", err);
			return 1;
		}
		printf("valid\n");
		return 0;
	}
	tries = calloc(total + 1, sizeof(*tries));
	retry_ids = calloc(total + 1, sizeof(*retry_ids));
	base = event_base_new();
	if (base == NULL || tries == NULL || retry_ids == NULL)
		return 2;
	if (transport_modem_ops.open(base, &tc, &events, NULL, &tr, err,
	    sizeof(err)) != STK_OK) {
		printf("open failed: %s\n", err);
		return 1;
	}
	t0 = now_ms();
	poll_ev = event_new(base, -1, EV_PERSIST, on_poll, NULL);
	to_ev = evtimer_new(base, on_timeout, NULL);
	event_add(poll_ev, &poll_tv);
	evtimer_add(to_ev, &to_tv);
	feed();
	event_base_dispatch(base);
	el = now_ms() - t0;
	ok = n_sent == total && n_received >= wait_rx;
	printf("done sent=%u failed=%u received=%u elapsed_ms=%lld rate=%.2f\n",
	    n_sent, n_failed, n_received, (long long)el,
	    el > 0 ? n_sent * 1000.0 / (double)el : 0.0);
	if (linger_ms > 0) {
		struct timeval ltv = { linger_ms / 1000,
		    (linger_ms % 1000) * 1000 };

		event_base_loopexit(base, &ltv);
		event_base_dispatch(base);
	}
	if (do_drain) {
		transport_modem_ops.drain(tr, on_drained);
		event_base_dispatch(base);
		if (!drained)
			ok = 0;
	}
	if (do_metrics) {
		struct stk_buf b;

		stk_buf_init(&b);
		transport_modem_ops.metrics(tr, &b);
		fwrite(stk_buf_data(&b), 1, stk_buf_len(&b), stdout);
		stk_buf_free(&b);
	}
	transport_modem_ops.free(tr);
	for (size_t i = 0; i < nrelays; i++) {
		relay_close(&relays[i]);
		evconnlistener_free(relays[i].lst);
		event_free(relays[i].timer);
	}
	event_free(poll_ev);
	event_free(to_ev);
	event_base_free(base);
	free(tries);
	free(retry_ids);
	return ok ? 0 : 1;
}
