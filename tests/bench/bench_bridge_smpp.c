/*
 * bench_bridge_smpp.c - secured auth requests per second through one bind
 * of the bridge's SMPP transport (transport_smpp_ops) against the
 * stkauth-netsim SMSC on loopback (make bench).
 *
 * Starts build/bin/stkauth-netsim (or $STKAUTH_NETSIM) on free loopback
 * ports and, for window 10 and 100, opens the transport (bind_transceiver)
 * and keeps it full for a fixed time.  Each message is built as the core
 * will: an auth request (lib/authmsg.h) wrapped in a TS 102 225 command
 * packet (AES-128 CBC + CMAC, counter incremented per message,
 * stk_ota_wrap_command), put in an SMS-SUBMIT (TP-PID 7F, DCS F6, UDH
 * 027000) and submitted.  The destination belongs to the ESME itself, so
 * every message also comes back as a deliver_sm through the receive path.
 * Prints submit_sm accepted per second and the CPU time of both processes
 * (getrusage for this one, /proc/PID/stat for the daemon).
 *
 *   bench_bridge_smpp [SECONDS]        default 3 seconds per window
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "authmsg.h"
#include "bench_support.h"
#include "log.h"
#include "ota.h"
#include "tpdu.h"
#include "transport.h"

static const struct transport_ops *ops = &transport_smpp_ops;
static struct event_base *base;
static struct transport *tp;
static unsigned long n_sent, n_throttled, n_failed, n_rx, n_built;
static uint64_t next_id = 1, cntr = 1;
static bool running, bound;
static double end_at, build_cpu;
static struct stk_ota_key kic_key, kid_key;

/* The SMS-SUBMIT of one secured auth request, as the core builds it. */
static int
build(uint8_t *out, size_t cap, size_t *len)
{
	struct stk_auth_request r;
	struct stk_ota_cmd_params p;
	uint8_t req[STK_AUTH_REQUEST_MAX_LEN], pkt[160];
	struct stk_buf rb, pb, tb;
	struct stk_tpdu t;

	memset(&r, 0, sizeof(r));
	memset(r.session_id, (int)(cntr & 0xff), sizeof(r.session_id));
	memset(r.nonce, 0x5a, sizeof(r.nonce));
	r.lifetime_s = 120;
	r.expiry_utc = (uint32_t)time(NULL) + 120;
	stk_buf_init_fixed(&rb, req, sizeof(req));
	if (stk_auth_request_set_ticket(&r, "7K3Q9", 5) != STK_OK ||
	    stk_auth_request_set_service(&r, "Example Bank", 12) != STK_OK ||
	    stk_auth_request_encode(&r, &rb) != STK_OK)
		return STK_E_INVALID;
	memset(&p, 0, sizeof(p));
	p.spi = 0x1621;		/* CC, ciphered, counter higher */
	p.kic = 0x22;		/* AES-CBC */
	p.kid = 0x22;		/* AES-CMAC */
	memcpy(p.tar, "\xb0\x00\x10", 3);
	p.cntr = cntr++;
	p.kic_key = &kic_key;
	p.kid_key = &kid_key;
	stk_buf_init_fixed(&pb, pkt, sizeof(pkt));
	if (stk_ota_wrap_command(&p, stk_buf_data(&rb), stk_buf_len(&rb),
	    &pb) != STK_OK)
		return STK_E_INVALID;
	stk_tpdu_init(&t, STK_TPDU_SUBMIT);
	stk_sms_addr_from_text("+4999000002", &t.addr);
	t.pid = STK_PID_SIM_DOWNLOAD;
	if (stk_tpdu_set_udh(&t, (const uint8_t *)"\x02\x70\x00", 3) !=
	    STK_OK || stk_tpdu_set_octets(&t, stk_buf_data(&pb),
	    stk_buf_len(&pb), 0xf6) != STK_OK)
		return STK_E_TOO_LONG;
	stk_buf_init_fixed(&tb, out, cap);
	if (stk_tpdu_encode(&t, &tb) != STK_OK)
		return STK_E_INVALID;
	*len = stk_buf_len(&tb);
	n_built++;
	return STK_OK;
}

static void
pump(void)
{
	uint8_t tpdu[200];
	struct transport_msg m;

	memset(&m, 0, sizeof(m));
	snprintf(m.dest, sizeof(m.dest), "+4999000002");
	m.tpdu = tpdu;
	while (running && ops->capacity(tp) > 0) {
		double c0 = bench_thread_cpu();

		if (build(tpdu, sizeof(tpdu), &m.tpdu_len) != STK_OK) {
			fprintf(stderr, "bench_bridge_smpp: build failed\n");
			exit(1);
		}
		build_cpu += bench_thread_cpu() - c0;
		m.id = next_id++;
		if (ops->submit(tp, &m) != STK_OK)
			break;
	}
}

static void
ev_sent(void *core, uint64_t id, const char *ref)
{
	(void)core;
	(void)id;
	(void)ref;
	n_sent++;
	pump();
}

static void
ev_failed(void *core, uint64_t id, enum transport_fail cls, const char *why)
{
	(void)core;
	(void)id;
	(void)why;
	if (cls == TRANSPORT_FAIL_THROTTLED)
		n_throttled++;
	else
		n_failed++;
	pump();
}

static int
ev_received(void *core, const char *from, const uint8_t *p, size_t n)
{
	(void)core;
	(void)from;
	(void)p;
	(void)n;
	n_rx++;
	return STK_OK;
}

static void
ev_link(void *core, const char *name, bool up, const char *why)
{
	(void)core;
	(void)name;
	(void)why;
	if (up && !bound) {
		bound = true;
		event_base_loopbreak(base);
	}
	if (up)
		pump();
}

static const struct transport_events events = {
	ev_sent, ev_failed, ev_received, ev_link,
};

static char kv_port[16], kv_window[16];

static int
kv_get(void *cfg, const char *key, const char **val)
{
	static const char *const fixed[][2] = {
		{ "host", "127.0.0.1" }, { "system_id", "bench" },
		{ "password", "bench" }, { "source_addr", "+4999000001" },
		{ "response_timeout", "5s" },
	};

	(void)cfg;
	if (strcmp(key, "port") == 0) {
		*val = kv_port;
		return STK_OK;
	}
	if (strcmp(key, "window") == 0) {
		*val = kv_window;
		return STK_OK;
	}
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		if (strcmp(fixed[i][0], key) == 0) {
			*val = fixed[i][1];
			return STK_OK;
		}
	}
	return STK_E_NOT_FOUND;
}

static void
stop_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (bench_now() >= end_at) {
		running = false;
		event_base_loopbreak(base);
	}
}

static void
done_cb(void *core)
{
	(void)core;
	event_base_loopbreak(base);
}

static void
run_window(unsigned port, unsigned window, double seconds, pid_t ns)
{
	struct transport_config tc = { .name = "bench", .get = kv_get };
	struct timeval tick = { 0, 20000 };
	double t0, t1, bu0, bs0, bu1, bs1, nu0, ns0, nu1, ns1;
	struct event *stop;
	char err[256];

	snprintf(kv_port, sizeof(kv_port), "%u", port);
	snprintf(kv_window, sizeof(kv_window), "%u", window);
	n_sent = n_throttled = n_failed = n_rx = n_built = 0;
	build_cpu = 0;
	bound = false;
	running = false;
	if (ops->open(base, &tc, &events, NULL, &tp, err, sizeof(err)) !=
	    STK_OK) {
		fprintf(stderr, "bench_bridge_smpp: open: %s\n", err);
		exit(1);
	}
	event_base_dispatch(base);		/* until bound */
	stop = event_new(base, -1, EV_PERSIST, stop_cb, NULL);
	event_add(stop, &tick);
	bench_self_cpu(&bu0, &bs0);
	bench_proc_cpu(ns, &nu0, &ns0);
	t0 = bench_now();
	end_at = t0 + seconds;
	running = true;
	pump();
	event_base_dispatch(base);		/* until end_at */
	t1 = bench_now();
	bench_self_cpu(&bu1, &bs1);
	bench_proc_cpu(ns, &nu1, &ns1);
	event_free(stop);
	ops->drain(tp, done_cb);
	event_base_dispatch(base);
	ops->free(tp);
	printf("  window %3u: %7.0f submit_sm/s  (%lu accepted in %.2f s, "
	    "%lu throttled, %lu other failures, %lu deliver_sm in)\n",
	    window, n_sent / (t1 - t0), n_sent, t1 - t0, n_throttled,
	    n_failed, n_rx);
	printf("              CPU: bench process %.2f s = %.0f%% of one "
	    "core (user %.2f, sys %.2f; of it building the requests, OTA "
	    "wrap + TPDU: %.2f s), netsim %.2f s = %.0f%% (user %.2f, sys "
	    "%.2f); per message: transport %.1f us, netsim %.1f us\n",
	    bu1 - bu0 + bs1 - bs0, 100 * (bu1 - bu0 + bs1 - bs0) / (t1 - t0),
	    bu1 - bu0, bs1 - bs0, build_cpu, nu1 - nu0 + ns1 - ns0,
	    100 * (nu1 - nu0 + ns1 - ns0) / (t1 - t0), nu1 - nu0, ns1 - ns0,
	    n_sent ? 1e6 * (bu1 - bu0 + bs1 - bs0 - build_cpu) / n_sent : 0,
	    n_sent ? 1e6 * (nu1 - nu0 + ns1 - ns0) / n_sent : 0);
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	static const unsigned windows[] = { 10, 100 };
	double seconds = argc > 1 ? atof(argv[1]) : 3.0;
	struct bench_daemon netsim;
	unsigned smpp_port;

	if (seconds <= 0)
		seconds = 3.0;
	bench_init("bench_bridge_smpp");
	stk_log_init("bench_bridge_smpp", STK_LOG_WARN);
	kic_key.len = kid_key.len = 16;
	memset(kic_key.key, 0x11, 16);
	memset(kid_key.key, 0x22, 16);
	smpp_port = bench_netsim_smsc(&netsim);
	base = event_base_new();
	printf("stkauth-bridge SMPP transport -> stkauth-netsim SMSC on "
	    "loopback, one bind_transceiver, secured auth requests "
	    "(AES-128 OTA wrap per message), %.0f s per window:\n", seconds);
	for (size_t i = 0; i < sizeof(windows) / sizeof(windows[0]); i++)
		run_window(smpp_port, windows[i], seconds, netsim.pid);
	event_base_free(base);
	bench_daemon_stop(&netsim);
	return 0;
}
