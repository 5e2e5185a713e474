/*
 * bridge_smpp_drive - a test harness for the SMPP transport of
 * stkauth-bridge (transport_smpp_ops) without the bridge core: a tiny
 * libevent main that opens the transport with the section given as
 * KEY=VALUE arguments, submits N SMS-SUBMIT TPDUs as fast as capacity()
 * allows, and prints every event on stdout:
 *
 *   link up|down WHY
 *   sent ID NETWORK_REF
 *   failed ID temporary|permanent|throttled REASON
 *   received SMS-DELIVER oa=+NUMBER pid=7F dcs=F6 udh=HEX body=HEX
 *   received SMS-STATUS-REPORT ra=+NUMBER mr=N st=HEX
 *   done sent=N failed=N received=N
 *   drained
 *
 *   bridge_smpp_drive [options] KEY=VALUE...
 *     -n              check the section (transport check()), print "ok"
 *     --to NUMBER     destination, +E.164
 *     --count N       messages to submit (ids 1..N)
 *     --tpdu HEX      the SMS-SUBMIT to send (default: 8-bit class 2,
 *                     TP-PID 7F, UDH 027000, body "drive N")
 *     --report        ask for a status report (registered_delivery)
 *     --retry         resubmit messages that failed temporary/throttled
 *                     (at most 100 attempts each), as the core does
 *     --expect-rx N   wait for N received TPDUs too
 *     --reject-rx K   received() refuses the first K TPDUs (not stored)
 *     --linger MS     keep running MS after the work is done
 *     --timeout S     give up after S seconds (default 20): exit 1
 *     --no-drain      end without drain()
 *     --metrics       print the transport's metrics before exiting
 *
 * Exit 0 when every message ended (sent, or failed and not retried), the
 * expected TPDUs arrived and drain() completed; 1 otherwise.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "bytes.h"
#include "err.h"
#include "hex.h"
#include "log.h"
#include "tpdu.h"
#include "transport.h"

#define MAX_KV 64
#define MAX_MSGS 200000

static struct {
	const char *key[MAX_KV], *val[MAX_KV];
	int n;
} kv;

static struct event_base *base;
static struct transport *tp;
static const struct transport_ops *ops = &transport_smpp_ops;
static char to[17];
static uint8_t tpdu_fixed[200];
static size_t tpdu_fixed_len;
static bool want_report, retry, do_drain = true, print_metrics;
static unsigned count, expect_rx, reject_rx, linger_ms;
static unsigned next_id = 1, n_sent, n_failed, n_rx, n_final;
static unsigned *attempts;
static uint64_t *queue;
static size_t qhead, qtail;
static bool finishing, drained, ok_exit;

static int
kv_get(void *cfg, const char *key, const char **val)
{
	(void)cfg;
	for (int i = kv.n - 1; i >= 0; i--) {
		if (strcmp(kv.key[i], key) == 0) {
			*val = kv.val[i];
			return STK_OK;
		}
	}
	return STK_E_NOT_FOUND;
}

/* The default TPDU: what the bridge sends, minus the secured packet. */
static int
build_tpdu(uint64_t id, struct stk_buf *out)
{
	static const uint8_t udh[] = { 0x02, 0x70, 0x00 };
	char body[32];
	struct stk_tpdu t;
	int n;

	stk_tpdu_init(&t, STK_TPDU_SUBMIT);
	if (stk_sms_addr_from_text(to, &t.addr) != STK_OK)
		return STK_E_INVALID;
	t.pid = STK_PID_SIM_DOWNLOAD;
	t.srr = want_report;
	n = snprintf(body, sizeof(body), "drive %" PRIu64, id);
	if (stk_tpdu_set_udh(&t, udh, sizeof(udh)) != STK_OK ||
	    stk_tpdu_set_octets(&t, (const uint8_t *)body, (size_t)n,
	    0xf6) != STK_OK)
		return STK_E_INVALID;
	return stk_tpdu_encode(&t, out);
}

static void maybe_finish(void);

static void
pump(void)
{
	while (!finishing && qhead != qtail && ops->capacity(tp) > 0) {
		uint64_t id = queue[qhead % (MAX_MSGS + 1)];
		struct transport_msg m;
		struct stk_buf b;
		int r;

		stk_buf_init(&b);
		if (tpdu_fixed_len > 0)
			stk_buf_add_bytes(&b, tpdu_fixed, tpdu_fixed_len);
		else if (build_tpdu(id, &b) != STK_OK) {
			fprintf(stderr, "cannot build the TPDU\n");
			exit(1);
		}
		memset(&m, 0, sizeof(m));
		m.id = id;
		snprintf(m.dest, sizeof(m.dest), "%s", to);
		m.tpdu = stk_buf_data(&b);
		m.tpdu_len = stk_buf_len(&b);
		m.status_report = want_report;
		r = ops->submit(tp, &m);
		stk_buf_free(&b);
		if (r != STK_OK) {
			printf("refused %" PRIu64 " %s\n", id, stk_errname(r));
			n_failed++;
			n_final++;
		}
		qhead++;
		attempts[id]++;
	}
	maybe_finish();
}

static void
ev_sent(void *core, uint64_t id, const char *ref)
{
	(void)core;
	printf("sent %" PRIu64 " %s\n", id, ref);
	n_sent++;
	n_final++;
	pump();
}

static void
ev_failed(void *core, uint64_t id, enum transport_fail cls,
    const char *reason)
{
	static const char *const names[] = { "temporary", "permanent",
	    "throttled" };

	(void)core;
	printf("failed %" PRIu64 " %s %s\n", id, names[cls], reason);
	if (retry && cls != TRANSPORT_FAIL_PERMANENT && attempts[id] < 100) {
		queue[qtail++ % (MAX_MSGS + 1)] = id;
	} else {
		n_failed++;
		n_final++;
	}
	pump();
}

static int
ev_received(void *core, const char *from, const uint8_t *p, size_t len)
{
	char addr[STK_ADDR_TEXT_MAX + 1], *udh, *body;
	struct stk_diag d;
	struct stk_tpdu t;

	(void)core;
	(void)from;
	if (reject_rx > 0) {
		reject_rx--;
		printf("rejected-rx %zu octets\n", len);
		return STK_E_IO;
	}
	stk_diag_clear(&d);
	if (stk_tpdu_decode(p, len, STK_DIR_SC_TO_MS, &t, &d) != STK_OK) {
		printf("received undecodable\n");
		return STK_E_INVALID;
	}
	stk_sms_addr_to_text(&t.addr, addr, sizeof(addr));
	if (t.type == STK_TPDU_STATUS_REPORT) {
		printf("received SMS-STATUS-REPORT ra=%s mr=%u st=%02X\n", addr,
		    t.mr, t.st);
	} else {
		udh = stk_hex_string(t.udh, t.udh_len, 1);
		body = stk_hex_string(t.body, t.body_len, 1);
		printf("received %s oa=%s pid=%02X dcs=%02X udh=%s body=%s\n",
		    stk_tpdu_type_name(t.type), addr, t.pid, t.dcs,
		    udh != NULL ? udh : "", body != NULL ? body : "");
		free(udh);
		free(body);
	}
	n_rx++;
	maybe_finish();
	return STK_OK;
}

static void
ev_link(void *core, const char *name, bool up, const char *why)
{
	(void)core;
	(void)name;
	printf("link %s %s\n", up ? "up" : "down", why);
	if (up)
		pump();
}

static const struct transport_events events = {
	.sent = ev_sent,
	.failed = ev_failed,
	.received = ev_received,
	.link = ev_link,
};

static void
on_drained(void *core)
{
	(void)core;
	printf("drained\n");
	drained = true;
	ok_exit = true;
	event_base_loopexit(base, NULL);
}

static void
finish_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	printf("done sent=%u failed=%u received=%u\n", n_sent, n_failed,
	    n_rx);
	fflush(stdout);
	if (do_drain) {
		ops->drain(tp, on_drained);
	} else {
		ok_exit = true;
		event_base_loopexit(base, NULL);
	}
}

static void
maybe_finish(void)
{
	struct timeval tv = { linger_ms / 1000, (linger_ms % 1000) * 1000 };

	if (finishing || n_final < count || n_rx < expect_rx)
		return;
	finishing = true;
	event_base_once(base, -1, EV_TIMEOUT, finish_cb, NULL, &tv);
}

static void
timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	printf("timeout sent=%u failed=%u received=%u\n", n_sent, n_failed,
	    n_rx);
	event_base_loopexit(base, NULL);
}

static void
usage(void)
{
	fprintf(stderr, "usage: bridge_smpp_drive [-n] [--to NUMBER] "
	    "[--count N] [--tpdu HEX] [--report] [--retry] [--expect-rx N] "
	    "[--reject-rx K] [--linger MS] [--timeout S] [--no-drain] "
	    "[--metrics] [-d] KEY=VALUE...\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct transport_config tc = { .name = "smsc1", .get = kv_get };
	struct timeval tmo = { 20, 0 };
	struct event *tev;
	bool check_only = false;
	char err[256];
	int level = STK_LOG_INFO;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "-n") == 0)
			check_only = true;
		else if (strcmp(a, "-d") == 0)
			level = STK_LOG_DEBUG;
		else if (strcmp(a, "--report") == 0)
			want_report = true;
		else if (strcmp(a, "--retry") == 0)
			retry = true;
		else if (strcmp(a, "--no-drain") == 0)
			do_drain = false;
		else if (strcmp(a, "--metrics") == 0)
			print_metrics = true;
		else if (v != NULL && strcmp(a, "--to") == 0)
			snprintf(to, sizeof(to), "%s", argv[++i]);
		else if (v != NULL && strcmp(a, "--count") == 0)
			count = (unsigned)atoi(argv[++i]);
		else if (v != NULL && strcmp(a, "--expect-rx") == 0)
			expect_rx = (unsigned)atoi(argv[++i]);
		else if (v != NULL && strcmp(a, "--reject-rx") == 0)
			reject_rx = (unsigned)atoi(argv[++i]);
		else if (v != NULL && strcmp(a, "--linger") == 0)
			linger_ms = (unsigned)atoi(argv[++i]);
		else if (v != NULL && strcmp(a, "--timeout") == 0)
			tmo.tv_sec = atoi(argv[++i]);
		else if (v != NULL && strcmp(a, "--name") == 0)
			tc.name = argv[++i];
		else if (v != NULL && strcmp(a, "--tpdu") == 0) {
			struct stk_buf b;

			stk_buf_init_fixed(&b, tpdu_fixed, sizeof(tpdu_fixed));
			if (stk_hex_decode(argv[++i], &b) != STK_OK)
				usage();
			tpdu_fixed_len = stk_buf_len(&b);
		} else if (strchr(a, '=') != NULL && a[0] != '-' &&
		    kv.n < MAX_KV) {
			char *eq = strchr(argv[i], '=');

			*eq = '\0';
			kv.key[kv.n] = argv[i];
			kv.val[kv.n++] = eq + 1;
		} else
			usage();
	}
	if (count > MAX_MSGS)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	stk_log_init("bridge_smpp_drive", (enum stk_log_level)level);
	if (check_only) {
		if (ops->check(&tc, err, sizeof(err)) != STK_OK) {
			printf("error: %s\n", err);
			return 1;
		}
		printf("ok\n");
		return 0;
	}
	if (count > 0 && to[0] == '\0')
		usage();
	attempts = calloc(count + 1, sizeof(*attempts));
	queue = calloc(MAX_MSGS + 1, sizeof(*queue));
	if (attempts == NULL || queue == NULL)
		return 1;
	for (unsigned i = 0; i < count; i++)
		queue[qtail++] = next_id++;
	base = event_base_new();
	if (ops->open(base, &tc, &events, NULL, &tp, err, sizeof(err)) !=
	    STK_OK) {
		printf("error: %s\n", err);
		return 1;
	}
	tev = evtimer_new(base, timeout_cb, NULL);
	evtimer_add(tev, &tmo);
	maybe_finish();
	event_base_dispatch(base);
	if (print_metrics) {
		struct stk_buf m;

		stk_buf_init(&m);
		ops->metrics(tp, &m);
		fwrite(stk_buf_data(&m), 1, stk_buf_len(&m), stdout);
		stk_buf_free(&m);
	}
	ops->free(tp);
	event_free(tev);
	event_base_free(base);
	free(attempts);
	free(queue);
	return ok_exit && (!do_drain || drained) ? 0 : 1;
}
