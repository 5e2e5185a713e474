/*
 * net.c - the phone's side of the netsim subscriber protocol
 * (docs/NETSIM-SUBSCRIBER.md): LF-terminated ASCII lines over TCP or a
 * Unix stream socket, ATTACH on every connection, reconnection with
 * backoff.  phone_net_parse() is the whole grammar of what the network
 * sends; anything else is refused with a named error.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "bytes.h"
#include "err.h"
#include "hex.h"
#include "log.h"
#include "phone.h"

#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 8000

struct phone_net {
	char endpoint[256];
	char msisdn[32];
	int fd;
	bool attached;
	unsigned backoff_ms;
	struct timespec next_try;	/* CLOCK_MONOTONIC */
	bool retry_pending;
	size_t rlen;
	char rbuf[PHONE_NET_LINE_MAX + 1];
};

/* A decimal number of 1..maxdigits digits that fits in *v. */
static bool
parse_num(const char *s, size_t maxdigits, unsigned long max,
    unsigned long *v)
{
	size_t n = strspn(s, "0123456789");
	char *end;

	if (n == 0 || n > maxdigits || s[n] != '\0')
		return false;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno == 0 && *v <= max;
}

int
phone_net_parse(const char *line, struct phone_net_msg *m)
{
	char buf[PHONE_NET_LINE_MAX + 1], *f[4], *save = NULL, *tok;
	size_t len = strlen(line), nf = 0;
	unsigned long v;
	struct stk_buf b;

	memset(m, 0, offsetof(struct phone_net_msg, text));
	m->text[0] = '\0';
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len >= sizeof(buf))
		return STK_E_TOO_LONG;
	memcpy(buf, line, len);
	buf[len] = '\0';
	if (strncmp(buf, "OK", 2) == 0 && (buf[2] == '\0' || buf[2] == ' ')) {
		m->kind = PHONE_NET_OK;
		strcpy(m->text, buf[2] == ' ' ? buf + 3 : "");
		return 0;
	}
	if (strncmp(buf, "ERR ", 4) == 0) {
		char *sp = strchr(buf + 4, ' ');

		if (sp != NULL)
			*sp = '\0';
		if (!parse_num(buf + 4, 3, 999, &v))
			return STK_E_INVALID;
		m->kind = PHONE_NET_ERR;
		m->code = (unsigned)v;
		strcpy(m->text, sp != NULL ? sp + 1 : "");
		return 0;
	}
	if (strcmp(buf, "PONG") == 0) {
		m->kind = PHONE_NET_PONG;
		return 0;
	}
	for (tok = strtok_r(buf, " ", &save); tok != NULL;
	    tok = strtok_r(NULL, " ", &save)) {
		if (nf == 4)
			return STK_E_TRAILING;
		f[nf++] = tok;
	}
	if (nf == 3 && strcmp(f[0], "MT") == 0) {
		if (!parse_num(f[1], 10, 0xffffffffUL, &m->id))
			return STK_E_INVALID;
		if (strlen(f[2]) > 2 * sizeof(m->tpdu))
			return STK_E_TOO_LONG;
		stk_buf_init_fixed(&b, m->tpdu, sizeof(m->tpdu));
		if (f[2][0] == '\0' || stk_hex_decode(f[2], &b) != 0)
			return STK_E_INVALID;
		m->tpdu_len = stk_buf_len(&b);
		m->kind = PHONE_NET_MT;
		return 0;
	}
	if (nf == 4 && strcmp(f[0], "MO-RESULT") == 0) {
		if (!parse_num(f[1], 10, 0xffffffffUL, &m->id))
			return STK_E_INVALID;
		if (strcmp(f[2], "OK") == 0)
			m->ok = true;
		else if (strcmp(f[2], "ERR") != 0)
			return STK_E_INVALID;
		/* TP-MR 0..255; RP-Cause 0..127 (TS 24.011 §8.2.5.4). */
		if (!parse_num(f[3], 3, m->ok ? 255 : 127, &v))
			return STK_E_INVALID;
		m->code = (unsigned)v;
		m->kind = PHONE_NET_MO_RESULT;
		return 0;
	}
	return STK_E_INVALID;
}

/* ---- the connection ------------------------------------------------------ */

static void
now(struct timespec *t)
{
	clock_gettime(CLOCK_MONOTONIC, t);
}

static void
schedule_retry(struct phone_net *n)
{
	now(&n->next_try);
	n->next_try.tv_sec += n->backoff_ms / 1000;
	n->next_try.tv_nsec += (long)(n->backoff_ms % 1000) * 1000000L;
	if (n->next_try.tv_nsec >= 1000000000L) {
		n->next_try.tv_sec++;
		n->next_try.tv_nsec -= 1000000000L;
	}
	n->retry_pending = true;
	n->backoff_ms = n->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
	    n->backoff_ms * 2;
}

static void
drop(struct phone_net *n, const char *why)
{
	if (n->fd >= 0) {
		log_warn("network: %s: connection closed (%s)", n->endpoint,
		    why);
		close(n->fd);
	}
	n->fd = -1;
	n->attached = false;
	n->rlen = 0;
	schedule_retry(n);
}

static int
open_socket(const char *ep)
{
	struct addrinfo hints, *res = NULL, *ai;
	char host[256];
	const char *colon;
	int fd = -1, one = 1;

	if (strchr(ep, '/') != NULL) {
		struct sockaddr_un sun;

		if (strlen(ep) >= sizeof(sun.sun_path))
			return -1;
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		strcpy(sun.sun_path, ep);
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
			return -1;
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
			close(fd);
			return -1;
		}
		return fd;
	}
	if ((colon = strrchr(ep, ':')) == NULL ||
	    (size_t)(colon - ep) >= sizeof(host))
		return -1;
	memcpy(host, ep, (size_t)(colon - ep));
	host[colon - ep] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, colon + 1, &hints, &res) != 0)
		return -1;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			/* Each line (MT-ACK, then MO) leaves at once: with
			 * Nagle's algorithm an MO right after an MT-ACK
			 * would wait for the network's delayed ACK of it,
			 * up to 40 ms on Linux, which a radio link never
			 * does. */
			(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof(one));
			break;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

void
phone_net_tick(struct phone_net *n)
{
	if (n->fd >= 0 || phone_net_timeout(n) != 0)
		return;
	n->retry_pending = false;
	if ((n->fd = open_socket(n->endpoint)) < 0) {
		log_debug("network: %s: connect failed (%s), retrying in %u ms",
		    n->endpoint, strerror(errno), n->backoff_ms);
		schedule_retry(n);
		return;
	}
	log_info("network: connected to %s, ATTACH %s", n->endpoint,
	    n->msisdn);
	n->rlen = 0;
	if (phone_net_send(n, "ATTACH %s", n->msisdn) != 0)
		return;
}

int
phone_net_new(const char *endpoint, const char *msisdn,
    struct phone_net **out)
{
	struct phone_net *n;

	*out = NULL;
	if (strlen(endpoint) >= sizeof(n->endpoint) || msisdn[0] != '+' ||
	    strlen(msisdn) < 2 || strlen(msisdn) > 16 ||
	    strspn(msisdn + 1, "0123456789") != strlen(msisdn) - 1)
		return STK_E_INVALID;
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return STK_E_NOMEM;
	strcpy(n->endpoint, endpoint);
	strcpy(n->msisdn, msisdn);
	n->fd = -1;
	n->backoff_ms = BACKOFF_MIN_MS;
	n->retry_pending = true;
	now(&n->next_try);		/* first attempt right away */
	*out = n;
	return 0;
}

void
phone_net_free(struct phone_net *n)
{
	if (n == NULL)
		return;
	if (n->fd >= 0) {
		(void)phone_net_send(n, "DETACH");
		close(n->fd);
	}
	free(n);
}

int
phone_net_fd(const struct phone_net *n)
{
	return n->fd;
}

int
phone_net_timeout(const struct phone_net *n)
{
	struct timespec t;
	long long ms;

	if (n->fd >= 0 || !n->retry_pending)
		return -1;
	now(&t);
	ms = (long long)(n->next_try.tv_sec - t.tv_sec) * 1000 +
	    (n->next_try.tv_nsec - t.tv_nsec) / 1000000;
	return ms <= 0 ? 0 : (int)ms;
}

bool
phone_net_attached(const struct phone_net *n)
{
	return n->attached;
}

int
phone_net_read(struct phone_net *n, struct phone_net_msg *msgs, size_t cap)
{
	size_t count = 0, start = 0, i;
	ssize_t got;
	int r;

	if (n->fd < 0)
		return STK_E_IO;
	/* Lines left over from the last call (cap reached) come first. */
	if (memchr(n->rbuf, '\n', n->rlen) == NULL) {
		got = read(n->fd, n->rbuf + n->rlen,
		    sizeof(n->rbuf) - 1 - n->rlen);
		if (got <= 0) {
			if (got < 0 && (errno == EINTR || errno == EAGAIN))
				return 0;
			drop(n, got == 0 ? "closed by the network" :
			    strerror(errno));
			return STK_E_IO;
		}
		n->rlen += (size_t)got;
	}
	for (i = 0; i < n->rlen && count < cap; i++) {
		if (n->rbuf[i] != '\n')
			continue;
		n->rbuf[i] = '\0';
		log_debug("network < %s", n->rbuf + start);
		if ((r = phone_net_parse(n->rbuf + start, &msgs[count])) != 0) {
			log_warn("network: unexpected line \"%.80s\": %s",
			    n->rbuf + start, stk_strerror(r));
		} else {
			struct phone_net_msg *m = &msgs[count];

			if (m->kind == PHONE_NET_OK &&
			    strncmp(m->text, "ATTACH ", 7) == 0) {
				n->attached = true;
				n->backoff_ms = BACKOFF_MIN_MS;
				log_info("network: attached as %s",
				    m->text + 7);
			} else if (m->kind == PHONE_NET_ERR && !n->attached) {
				/* 409 may be our own previous connection not
				 * yet gone, 404 a network being configured:
				 * try again later, with backoff. */
				log_error("network: ATTACH refused: %u %s",
				    m->code, m->text);
				drop(n, "ATTACH refused");
				return STK_E_IO;
			}
			count++;
		}
		start = i + 1;
	}
	memmove(n->rbuf, n->rbuf + start, n->rlen - start);
	n->rlen -= start;
	if (n->rlen >= PHONE_NET_LINE_MAX) {
		drop(n, "line too long");
		return count > 0 ? (int)count : STK_E_IO;
	}
	return (int)count;
}

int
phone_net_send(struct phone_net *n, const char *fmt, ...)
{
	char line[PHONE_NET_LINE_MAX + 1];
	size_t off = 0, len;
	va_list ap;
	ssize_t w;
	int k;

	if (n->fd < 0)
		return STK_E_IO;
	va_start(ap, fmt);
	k = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= sizeof(line) - 1)
		return STK_E_TOO_LONG;
	len = (size_t)k;
	log_debug("network > %s", line);
	line[len++] = '\n';
	while (off < len) {
		w = send(n->fd, line + off, len - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			drop(n, strerror(errno));
			return STK_E_IO;
		}
		off += (size_t)w;
	}
	return 0;
}
