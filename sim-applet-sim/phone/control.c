/*
 * control.c - the control socket: a Unix stream socket through which
 * tests and scripts read the pending pop-up and answer it.  Line protocol
 * (LF-terminated, at most 1024 octets; docs/PHONE.md):
 *
 *   STATUS            -> POPUP <status line> | NONE
 *   ANSWER <answer>   -> OK | ERR <reason>
 *   INFO              -> INFO iccid=... msisdn=... network=...
 *   EVENTS            -> OK, then "EVENT ..." lines as things happen
 *   PING              -> PONG
 *
 * Runtime failures close only the one client; so does a client that
 * does not read its answers (sends never block the phone's loop).  The
 * socket file is created mode 0600 (whoever can answer pop-ups is the
 * user).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "phone.h"

#define CTL_CLIENTS (PHONE_CTL_MAX_FDS - 1)
#define CTL_LINE_MAX 1024

struct ctl_client {
	int fd;
	bool events;
	size_t rlen;
	char rbuf[CTL_LINE_MAX + 1];
};

struct phone_ctl {
	int lfd;
	char path[108];
	struct phone_ctl_ops ops;
	struct ctl_client cl[CTL_CLIENTS];
	/* Which fd each pollfd slot of the last phone_ctl_pollfds() was. */
	int slot[PHONE_CTL_MAX_FDS];
};

int
phone_ctl_open(const char *path, const struct phone_ctl_ops *ops,
    struct phone_ctl **out)
{
	struct sockaddr_un sun;
	struct phone_ctl *c;
	mode_t old;
	size_t i;

	*out = NULL;
	if (strlen(path) >= sizeof(sun.sun_path))
		return STK_E_TOO_LONG;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return STK_E_NOMEM;
	c->ops = *ops;
	for (i = 0; i < CTL_CLIENTS; i++)
		c->cl[i].fd = -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	strcpy(c->path, path);
	if ((c->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) < 0)
		goto fail;
	unlink(path);	/* a stale socket of an earlier run */
	old = umask(0077);
	if (bind(c->lfd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		umask(old);
		goto fail;
	}
	umask(old);
	if (listen(c->lfd, 4) != 0)
		goto fail;
	*out = c;
	return 0;
 fail:
	log_error("control socket %s: %s", path, strerror(errno));
	if (c->lfd >= 0)
		close(c->lfd);
	free(c);
	return STK_E_IO;
}

static void
client_close(struct ctl_client *cl)
{
	if (cl->fd >= 0)
		close(cl->fd);
	cl->fd = -1;
	cl->events = false;
	cl->rlen = 0;
}

void
phone_ctl_close(struct phone_ctl *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < CTL_CLIENTS; i++)
		client_close(&c->cl[i]);
	close(c->lfd);
	unlink(c->path);
	free(c);
}

/* Write a whole line (LF added); a client that cannot take it is closed. */
static void
client_say(struct ctl_client *cl, const char *line)
{
	size_t len = strlen(line), off = 0;
	ssize_t w;

	while (cl->fd >= 0 && off <= len) {
		const char *p = off < len ? line + off : "\n";
		size_t n = off < len ? len - off : 1;

		w = send(cl->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			client_close(cl);
			return;
		}
		off += (size_t)w;
		if (off == len + 1)
			break;
	}
}

static void
client_line(struct phone_ctl *c, struct ctl_client *cl, char *line)
{
	char out[8192];
	struct phone_answer a;
	const char *why = NULL;
	size_t len = strlen(line);
	int r;

	if (len > 0 && line[len - 1] == '\r')
		line[--len] = '\0';
	if (strcmp(line, "STATUS") == 0) {
		char st[8000];

		c->ops.status(c->ops.ctx, st, sizeof(st));
		if (strcmp(st, "NONE") == 0)
			client_say(cl, "NONE");
		else {
			snprintf(out, sizeof(out), "POPUP %s", st);
			client_say(cl, out);
		}
	} else if (strncmp(line, "ANSWER ", 7) == 0) {
		if ((r = phone_answer_parse(line + 7, &a)) != 0) {
			client_say(cl, "ERR unknown answer");
			return;
		}
		if ((r = c->ops.answer(c->ops.ctx, &a, &why)) != 0) {
			snprintf(out, sizeof(out), "ERR %s", why != NULL ? why :
			    stk_strerror(r));
			client_say(cl, out);
		} else {
			client_say(cl, "OK");
		}
	} else if (strcmp(line, "INFO") == 0) {
		c->ops.info(c->ops.ctx, out, sizeof(out));
		client_say(cl, out);
	} else if (strcmp(line, "EVENTS") == 0) {
		cl->events = true;
		client_say(cl, "OK");
	} else if (strcmp(line, "PING") == 0) {
		client_say(cl, "PONG");
	} else {
		client_say(cl, "ERR unknown command");
	}
}

size_t
phone_ctl_pollfds(struct phone_ctl *c, struct pollfd *pfd)
{
	size_t n = 0, i;

	pfd[n].fd = c->lfd;
	pfd[n].events = POLLIN;
	c->slot[n++] = -1;
	for (i = 0; i < CTL_CLIENTS; i++) {
		if (c->cl[i].fd < 0)
			continue;
		pfd[n].fd = c->cl[i].fd;
		pfd[n].events = POLLIN;
		c->slot[n++] = (int)i;
	}
	return n;
}

void
phone_ctl_handle(struct phone_ctl *c, const struct pollfd *pfd, size_t n)
{
	size_t k, i, start;
	ssize_t got;

	for (k = 0; k < n; k++) {
		struct ctl_client *cl;

		if (pfd[k].revents == 0)
			continue;
		if (c->slot[k] < 0) {
			int fd = accept(c->lfd, NULL, NULL);

			if (fd < 0)
				continue;
			(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
			for (i = 0; i < CTL_CLIENTS && c->cl[i].fd >= 0; i++)
				;
			if (i == CTL_CLIENTS) {
				(void)!write(fd, "ERR busy\n", 9);
				close(fd);
				continue;
			}
			c->cl[i].fd = fd;
			c->cl[i].rlen = 0;
			c->cl[i].events = false;
			continue;
		}
		cl = &c->cl[c->slot[k]];
		if (cl->fd != pfd[k].fd)
			continue;	/* closed meanwhile */
		got = read(cl->fd, cl->rbuf + cl->rlen,
		    CTL_LINE_MAX - cl->rlen);
		if (got <= 0) {
			client_close(cl);
			continue;
		}
		cl->rlen += (size_t)got;
		start = 0;
		for (i = 0; i < cl->rlen && cl->fd >= 0; i++) {
			if (cl->rbuf[i] != '\n')
				continue;
			cl->rbuf[i] = '\0';
			client_line(c, cl, cl->rbuf + start);
			start = i + 1;
		}
		if (cl->fd < 0)
			continue;
		memmove(cl->rbuf, cl->rbuf + start, cl->rlen - start);
		cl->rlen -= start;
		if (cl->rlen >= CTL_LINE_MAX) {
			client_say(cl, "ERR line too long");
			client_close(cl);
		}
	}
}

void
phone_ctl_event(struct phone_ctl *c, const char *fmt, ...)
{
	char line[8192];
	va_list ap;
	size_t i;
	int n;

	if (c == NULL)
		return;
	memcpy(line, "EVENT ", 6);
	va_start(ap, fmt);
	n = vsnprintf(line + 6, sizeof(line) - 6, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	for (i = 0; i < CTL_CLIENTS; i++)
		if (c->cl[i].fd >= 0 && c->cl[i].events)
			client_say(&c->cl[i], line);
}
