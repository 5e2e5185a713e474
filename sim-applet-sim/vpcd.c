/*
 * vpcd.c - the card side of vsmartcard's vpcd: a TCP client of the vpcd
 * IFD handler inside pcscd.
 *
 * Protocol (vsmartcard virtualsmartcard, vpcd.c / VirtualSmartcard.py):
 * every message in either direction is a 2-byte big-endian length and
 * that many bytes.  From vpcd, a 1-byte message is a control message
 * (00 power off, 01 power on, 02 reset, 04 get ATR); anything longer is a
 * command APDU.  The card answers "get ATR" with the ATR and an APDU with
 * the response APDU; power off / on / reset get no answer.
 *
 * One poll() loop, single-threaded.  When the connection cannot be made
 * or goes away the card waits (doubling from backoff_min_ms up to
 * backoff_max_ms) and connects again; a power cycle (and a new
 * connection) resets the card's volatile state like a real card losing
 * power.  The loop ends when *stop is set (by a signal handler).
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bytes.h"
#include "card.h"
#include "err.h"
#include "log.h"

#define VPCD_MAX_FRAME 0xffff		/* the 2-byte length's range */
#define VPCD_MAX_PENDING_OUT 8192	/* replies not yet sent */
#define VPCD_POLL_MS 1000		/* upper bound between stop checks */
#define VPCD_CONNECT_MS 5000

static const char *
ctrl_name(uint8_t v)
{
	switch (v) {
	case VPCD_CTRL_OFF:	return "power off";
	case VPCD_CTRL_ON:	return "power on";
	case VPCD_CTRL_RESET:	return "reset";
	case VPCD_CTRL_ATR:	return "get ATR";
	default:		return "unknown control";
	}
}

/* Append one framed message (length + data). */
static void
frame(struct stk_buf *out, const uint8_t *p, size_t n)
{
	stk_buf_add_u16(out, (uint16_t)n);
	stk_buf_add_bytes(out, p, n);
}

int
vpcd_handle(struct card *c, const uint8_t *msg, size_t len,
    struct stk_buf *out)
{
	uint8_t mem[CARD_RESP_MAX + 2];
	struct stk_buf resp;
	const uint8_t *atr;
	size_t atrlen;
	int r;

	if (len == 0) {
		log_warn("vpcd: empty message ignored");
		return STK_OK;
	}
	if (len == 1) {
		log_debug("vpcd: %s", ctrl_name(msg[0]));
		switch (msg[0]) {
		case VPCD_CTRL_OFF:
		case VPCD_CTRL_ON:
		case VPCD_CTRL_RESET:
			card_reset(c);
			return STK_OK;
		case VPCD_CTRL_ATR:
			atrlen = card_atr(&atr);
			frame(out, atr, atrlen);
			return stk_buf_ok(out) ? STK_OK : STK_E_NOMEM;
		default:
			log_warn("vpcd: unknown control message %02X ignored",
			    msg[0]);
			return STK_OK;
		}
	}
	stk_buf_init_fixed(&resp, mem, sizeof(mem));
	if ((r = card_apdu(c, msg, len, &resp, NULL)) != STK_OK)
		return r;
	frame(out, stk_buf_data(&resp), stk_buf_len(&resp));
	return stk_buf_ok(out) ? STK_OK : STK_E_NOMEM;
}

/* Sleep ms milliseconds unless stopped (signals end poll() early). */
static void
nap(unsigned ms, volatile sig_atomic_t *stop)
{
	struct timespec t0, t1;
	long left = (long)ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!*stop && left > 0) {
		(void)poll(NULL, 0, left > VPCD_POLL_MS ? VPCD_POLL_MS :
		    (int)left);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		left = (long)ms - ((t1.tv_sec - t0.tv_sec) * 1000 +
		    (t1.tv_nsec - t0.tv_nsec) / 1000000);
	}
}

/* Connect (non-blocking, bounded) to host:port; fd or -1. */
static int
dial(const struct vpcd_conf *conf, volatile sig_atomic_t *stop)
{
	struct addrinfo hints, *res = NULL, *ai;
	char port[8];
	int fd = -1, e, one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%u", (unsigned)conf->port);
	if ((e = getaddrinfo(conf->host, port, &hints, &res)) != 0) {
		log_warn("vpcd: %s: %s", conf->host, gai_strerror(e));
		return -1;
	}
	for (ai = res; ai != NULL && !*stop; ai = ai->ai_next) {
		struct pollfd pfd;
		socklen_t sl = sizeof(e);

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS) {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, VPCD_CONNECT_MS) == 1 &&
			    getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) == 0 &&
			    e == 0)
				break;
			if (e != 0)
				errno = e;
		}
		log_debug("vpcd: connect %s:%u: %s", conf->host,
		    (unsigned)conf->port, strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0 && *stop) {
		close(fd);
		fd = -1;
	}
	if (fd >= 0)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	return fd;
}

/*
 * Serve one connection until it closes, fails or *stop is set.  Returns
 * true when at least one message was exchanged (the backoff resets).
 */
static bool
serve(int fd, struct card *c, volatile sig_atomic_t *stop)
{
	static uint8_t in[2 + VPCD_MAX_FRAME];
	size_t inlen = 0, sent = 0;
	struct stk_buf out;
	bool talked = false;
	int one = 1;

	stk_buf_init(&out);
	out.max = VPCD_MAX_PENDING_OUT;
	card_reset(c);
	while (!*stop) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (sent < stk_buf_len(&out))
			pfd.events |= POLLOUT;
		if (poll(&pfd, 1, VPCD_POLL_MS) < 0) {
			if (errno == EINTR)
				continue;
			log_error("vpcd: poll: %s", strerror(errno));
			break;
		}
		if (pfd.revents & (POLLERR | POLLNVAL)) {
			log_warn("vpcd: connection error");
			break;
		}
		if (pfd.revents & POLLOUT) {
			n = send(fd, stk_buf_data(&out) + sent,
			    stk_buf_len(&out) - sent, MSG_NOSIGNAL);
			if (n < 0 && errno != EAGAIN && errno != EINTR) {
				log_warn("vpcd: send: %s", strerror(errno));
				break;
			}
			if (n > 0)
				sent += (size_t)n;
			if (sent == stk_buf_len(&out)) {
				stk_buf_reset(&out);
				sent = 0;
			}
		}
		if (!(pfd.revents & (POLLIN | POLLHUP)))
			continue;
		n = recv(fd, in + inlen, sizeof(in) - inlen, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0) {
			if (n == 0)
				log_info("vpcd closed the connection");
			else
				log_warn("vpcd: recv: %s", strerror(errno));
			break;
		}
		inlen += (size_t)n;
		/* vpcd writes the length prefix and the APDU separately and
		 * does not disable Nagle: acknowledge at once (Linux leaves
		 * quick-ACK mode by itself), or every APDU waits for our
		 * delayed ACK (about 40 ms). */
		(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one,
		    sizeof(one));
		/* Handle every complete frame read so far. */
		for (;;) {
			struct stk_cur cur, msg;
			size_t used;

			stk_cur_init(&cur, in, inlen);
			if (!stk_cur_u16_prefixed(&cur, &msg))
				break;
			if (vpcd_handle(c, stk_cur_data(&msg),
			    stk_cur_len(&msg), &out) != STK_OK) {
				log_error("vpcd: reply too large; dropping "
				    "the connection");
				goto out;
			}
			talked = true;
			used = inlen - stk_cur_len(&cur);
			memmove(in, in + used, inlen - used);
			inlen -= used;
		}
	}
out:
	stk_buf_free(&out);
	return talked;
}

int
vpcd_run(const struct vpcd_conf *conf, struct card *c,
    volatile sig_atomic_t *stop)
{
	unsigned delay = conf->backoff_min_ms;
	int fd;

	while (!*stop) {
		fd = dial(conf, stop);
		if (fd >= 0) {
			log_info("connected to vpcd at %s:%u", conf->host,
			    (unsigned)conf->port);
			if (serve(fd, c, stop))
				delay = conf->backoff_min_ms;
			close(fd);
			card_reset(c);	/* the reader lost the card */
		}
		if (*stop)
			break;
		log_info("vpcd %s:%u not reachable; retrying in %u ms",
		    conf->host, (unsigned)conf->port, delay);
		nap(delay, stop);
		delay = delay * 2 > conf->backoff_max_ms ?
		    conf->backoff_max_ms : delay * 2;
	}
	log_info("stopping");
	return STK_OK;
}
