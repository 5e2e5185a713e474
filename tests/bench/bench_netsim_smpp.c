/*
 * bench_netsim_smpp.c - submit_sm throughput of the netsim SMSC on
 * loopback (make bench).
 *
 * Starts build/bin/stkauth-netsim (or $STKAUTH_NETSIM) with a private
 * configuration on free loopback ports, binds one transceiver and keeps
 * `window` submit_sm outstanding for a fixed time, for windows 1, 10 and
 * 100.  Every message is routed back to the same bind (the ESME owns the
 * destination prefix), so each one is a full trip: submit_sm in, the
 * network's routing, deliver_sm out, deliver_sm_resp in.  Prints the
 * accepted submit_sm per second per window.  Stops the daemon it started
 * (by pid) at the end.
 *
 *   bench_netsim_smpp [SECONDS]        default 3 seconds per window
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* libsmpp34's headers use uint8_t without <stdint.h> (included above) */
#include <libsmpp34/smpp34.h>
#include <libsmpp34/smpp34_structs.h>
#include <libsmpp34/smpp34_params.h>

#include "bench_support.h"
#include "smpp_pdu.h"

struct conn {
	int fd;
	uint8_t in[1 << 16];
	size_t len;
	struct stk_buf out;
};

/* Read what is there; return PDUs one by one through *h / *pdu. */
static int
next_pdu(struct conn *c, struct smpp_hdr *h, const uint8_t **pdu,
    size_t *consumed)
{
	struct stk_diag d;
	int r;

	stk_diag_clear(&d);
	r = smpp_frame(c->in + *consumed, c->len - *consumed, 1 << 16, h, &d);
	if (r < 0) {
		fprintf(stderr, "bench_netsim_smpp: bad framing from the SMSC\n");
		exit(1);
	}
	if (r == 0)
		return 0;
	*pdu = c->in + *consumed;
	*consumed += h->len;
	return 1;
}

static void
fill(struct conn *c, int timeout_ms)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	ssize_t r;

	if (poll(&p, 1, timeout_ms) <= 0)
		return;
	r = read(c->fd, c->in + c->len, sizeof(c->in) - c->len);
	if (r == 0) {
		fprintf(stderr, "bench_netsim_smpp: the SMSC closed\n");
		exit(1);
	}
	if (r < 0 && errno != EINTR && errno != EAGAIN)
		bench_die("read");
	if (r > 0)
		c->len += (size_t)r;
}

static void
compact(struct conn *c, size_t consumed)
{
	memmove(c->in, c->in + consumed, c->len - consumed);
	c->len -= consumed;
}

/* deliver_sm_resp with an empty message_id (SMPP 3.4 §4.6.2), packed
 * once by libsmpp34; each answer patches the sequence number, so the load
 * generator spends its CPU time on I/O, not on packing. */
static void
queue_deliver_resp(struct conn *c, uint32_t seq)
{
	static uint8_t tmpl[64];
	static int len;
	uint8_t *p;

	if (len == 0) {
		deliver_sm_resp_t r;

		memset(&r, 0, sizeof(r));
		r.command_id = DELIVER_SM_RESP;
		r.sequence_number = 1;
		if (smpp34_pack(DELIVER_SM_RESP, tmpl, sizeof(tmpl), &len,
		    &r) != 0) {
			fprintf(stderr, "bench_netsim_smpp: pack "
			    "deliver_sm_resp\n");
			exit(1);
		}
	}
	if (!stk_buf_add_space(&c->out, &p, (size_t)len))
		bench_die("out of memory");
	memcpy(p, tmpl, (size_t)len);
	p[12] = (uint8_t)(seq >> 24);
	p[13] = (uint8_t)(seq >> 16);
	p[14] = (uint8_t)(seq >> 8);
	p[15] = (uint8_t)seq;
}

static void
flush_out(struct conn *c)
{
	bench_write_all(c->fd, stk_buf_data(&c->out), stk_buf_len(&c->out));
	stk_buf_reset(&c->out);
}

static void
run_window(unsigned port, unsigned window, double seconds)
{
	static struct conn c;
	struct smpp_sm sm;
	struct stk_buf tmpl;
	struct smpp_hdr h;
	const uint8_t *pdu;
	uint32_t seq = 1;
	unsigned outstanding = 0;
	unsigned long ok = 0, throttled = 0, other = 0, delivered = 0;
	double t0, t1, end;
	bool bound = false;

	memset(&c, 0, sizeof(c));
	stk_buf_init(&c.out);
	c.fd = bench_connect(port, 5);
	if (smpp_pack_bind(&c.out, BIND_TRANSCEIVER, seq++, "bench",
	    "bench") != STK_OK) {
		fprintf(stderr, "bench_netsim_smpp: pack bind_transceiver\n");
		exit(1);
	}
	flush_out(&c);
	while (!bound) {
		size_t consumed = 0;

		fill(&c, 2000);
		while (next_pdu(&c, &h, &pdu, &consumed)) {
			if (h.id == BIND_TRANSCEIVER_RESP && h.status == 0)
				bound = true;
			else if (h.id == BIND_TRANSCEIVER_RESP) {
				fprintf(stderr, "bench_netsim_smpp: bind "
				    "refused: %s\n", smpp_status_name(h.status));
				exit(1);
			}
		}
		compact(&c, consumed);
	}

	/* One submit_sm, packed once; only the sequence number changes. */
	memset(&sm, 0, sizeof(sm));
	sm.src_ton = sm.dst_ton = 1;
	sm.src_npi = sm.dst_npi = 1;
	snprintf(sm.src, sizeof(sm.src), "4999000001");
	snprintf(sm.dst, sizeof(sm.dst), "4999000002");
	sm.len = 20;
	memcpy(sm.data, "benchmark message 01", 20);
	stk_buf_init(&tmpl);
	if (smpp_pack_submit(&tmpl, 1, &sm) != STK_OK) {
		fprintf(stderr, "bench_netsim_smpp: pack submit_sm\n");
		exit(1);
	}

	t0 = bench_now();
	end = t0 + seconds;
	for (;;) {
		size_t consumed = 0;
		bool sending = bench_now() < end;

		while (sending && outstanding < window) {
			uint8_t *p;

			if (!stk_buf_add_space(&c.out, &p, stk_buf_len(&tmpl)))
				bench_die("out of memory");
			memcpy(p, stk_buf_data(&tmpl), stk_buf_len(&tmpl));
			p[12] = (uint8_t)(seq >> 24);
			p[13] = (uint8_t)(seq >> 16);
			p[14] = (uint8_t)(seq >> 8);
			p[15] = (uint8_t)seq;
			seq = seq >= 0x7fffffff ? 1 : seq + 1;
			outstanding++;
		}
		if (stk_buf_len(&c.out) > 0)
			flush_out(&c);
		if (!sending && outstanding == 0)
			break;
		fill(&c, 1000);
		while (next_pdu(&c, &h, &pdu, &consumed)) {
			if (h.id == SUBMIT_SM_RESP) {
				outstanding--;
				if (h.status == ESME_ROK)
					ok++;
				else if (h.status == ESME_RTHROTTLED)
					throttled++;
				else
					other++;
			} else if (h.id == DELIVER_SM) {
				delivered++;
				queue_deliver_resp(&c, h.seq);
			} else if (h.id == ENQUIRE_LINK) {
				smpp_pack_header_only(&c.out,
				    ENQUIRE_LINK_RESP, 0, h.seq);
			}
		}
		compact(&c, consumed);
	}
	t1 = bench_now();
	printf("  window %3u: %8.0f submit_sm/s  (%lu accepted in %.2f s; "
	    "%lu throttled, %lu other errors; %lu deliver_sm acked)\n",
	    window, ok / (t1 - t0), ok, t1 - t0, throttled, other, delivered);
	fflush(stdout);
	close(c.fd);
	stk_buf_free(&c.out);
	stk_buf_free(&tmpl);
}

int
main(int argc, char **argv)
{
	static const unsigned windows[] = { 1, 10, 100 };
	double seconds = argc > 1 ? atof(argv[1]) : 3.0;
	struct bench_daemon netsim;
	unsigned smpp_port;

	if (seconds <= 0)
		seconds = 3.0;
	bench_init("bench_netsim_smpp");
	smpp_port = bench_netsim_smsc(&netsim);
	printf("stkauth-netsim SMSC, submit_sm -> routing -> deliver_sm on "
	    "loopback, %.0f s per window:\n", seconds);
	for (size_t i = 0; i < sizeof(windows) / sizeof(windows[0]); i++)
		run_window(smpp_port, windows[i], seconds);
	bench_daemon_stop(&netsim);
	return 0;
}
