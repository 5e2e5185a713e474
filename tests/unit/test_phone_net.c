/*
 * test_phone_net.c - stkauth-phone's network and control sockets: the
 * grammar of docs/NETSIM-SUBSCRIBER.md as the phone reads it, ATTACH on
 * connection and reconnection over a real Unix socket, and the control
 * socket's line protocol (docs/PHONE.md) against stub callbacks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "err.h"
#include "hex.h"
#include "phone.h"

static void
test_parse_lines(void **state)
{
	static const char *const bad[] = {
		"", "MT", "MT 1", "MT x 00", "MT 1 0", "MT 1 zz", "MT 1 00 00",
		"MT 12345678901 00", "MT -1 00", "MO-RESULT 1 OK", "MO-RESULT 1 OK 256",
		"MO-RESULT 1 ERR 128", "MO-RESULT 1 MAYBE 1", "MO-RESULT x OK 1",
		"ERR", "ERR x oops", "ERR 1000 oops", "PONG x", "OKAY", "mt 1 00",
		"HELLO",
	};
	struct phone_net_msg m;
	char line[PHONE_NET_LINE_MAX + 16], hex[2 * 200 + 1];
	size_t i;

	(void)state;
	assert_int_equal(phone_net_parse("MT 17 040C9194710000001000\r", &m),
	    0);
	assert_int_equal(m.kind, PHONE_NET_MT);
	assert_int_equal(m.id, 17);
	assert_string_equal(stk_hex_format(hex, m.tpdu, m.tpdu_len, 1),
	    "040C9194710000001000");
	assert_int_equal(phone_net_parse("mt 1 00", &m), STK_E_INVALID);
	assert_int_equal(phone_net_parse("MO-RESULT 4 OK 255", &m), 0);
	assert_int_equal(m.kind, PHONE_NET_MO_RESULT);
	assert_true(m.ok);
	assert_int_equal(m.id, 4);
	assert_int_equal(m.code, 255);
	assert_int_equal(phone_net_parse("MO-RESULT 4294967295 ERR 38", &m),
	    0);
	assert_false(m.ok);
	assert_int_equal(m.code, 38);
	assert_int_equal(phone_net_parse("OK ATTACH +491701234567", &m), 0);
	assert_int_equal(m.kind, PHONE_NET_OK);
	assert_string_equal(m.text, "ATTACH +491701234567");
	assert_int_equal(phone_net_parse("ERR 409 held by another phone", &m),
	    0);
	assert_int_equal(m.kind, PHONE_NET_ERR);
	assert_int_equal(m.code, 409);
	assert_string_equal(m.text, "held by another phone");
	assert_int_equal(phone_net_parse("PONG", &m), 0);
	assert_int_equal(m.kind, PHONE_NET_PONG);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = phone_net_parse(bad[i], &m);

		if (r == 0)
			fail_msg("accepted \"%s\"", bad[i]);
	}
	/* An MT TPDU longer than 200 octets, and a line over the limit. */
	memset(line, 0, sizeof(line));
	strcpy(line, "MT 1 ");
	memset(line + 5, 'A', 402);
	assert_int_equal(phone_net_parse(line, &m), STK_E_TOO_LONG);
	memset(line + 5, 'A', PHONE_NET_LINE_MAX);
	assert_int_equal(phone_net_parse(line, &m), STK_E_TOO_LONG);
}

static int
listen_unix(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	unlink(path);
	assert_true((fd = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(fd, 2), 0);
	return fd;
}

/* Read one LF-terminated line from fd (blocking, 2 s). */
static void
read_line(int fd, char *out, size_t cap)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t n = 0;

	while (n + 1 < cap) {
		assert_int_equal(poll(&p, 1, 2000), 1);
		assert_int_equal(read(fd, out + n, 1), 1);
		if (out[n] == '\n')
			break;
		n++;
	}
	out[n] = '\0';
}

static void
test_attach_and_reconnect(void **state)
{
	char path[64], line[256];
	struct phone_net *n;
	struct phone_net_msg msgs[4];
	struct pollfd p;
	int lfd, cfd;
	static const char burst[] = "OK ATTACH +491701234567\n"
	    "MT 5 0400\nbogus\nMO-RESULT 1 OK 7\n";

	(void)state;
	snprintf(path, sizeof(path), "/tmp/stkauth-phone-net.%d", getpid());
	lfd = listen_unix(path);
	assert_int_equal(phone_net_new(path, "491701234567", &n),
	    STK_E_INVALID);
	assert_int_equal(phone_net_new(path, "+49170x", &n), STK_E_INVALID);
	assert_int_equal(phone_net_new(path, "+491701234567", &n), 0);
	assert_int_equal(phone_net_timeout(n), 0);
	phone_net_tick(n);
	assert_true(phone_net_fd(n) >= 0);
	assert_false(phone_net_attached(n));
	assert_true((cfd = accept(lfd, NULL, NULL)) >= 0);
	read_line(cfd, line, sizeof(line));
	assert_string_equal(line, "ATTACH +491701234567");
	assert_int_equal(write(cfd, burst, sizeof(burst) - 1),
	    (ssize_t)sizeof(burst) - 1);
	p.fd = phone_net_fd(n);
	p.events = POLLIN;
	assert_int_equal(poll(&p, 1, 2000), 1);
	/* Three good lines; "bogus" is logged and skipped. */
	assert_int_equal(phone_net_read(n, msgs, 2), 2);
	assert_true(phone_net_attached(n));
	assert_int_equal(msgs[0].kind, PHONE_NET_OK);
	assert_int_equal(msgs[1].kind, PHONE_NET_MT);
	assert_int_equal(msgs[1].id, 5);
	/* The rest is in the buffer already: no read needed. */
	assert_int_equal(phone_net_read(n, msgs, 2), 1);
	assert_int_equal(msgs[0].kind, PHONE_NET_MO_RESULT);
	assert_int_equal(phone_net_send(n, "MT-ACK %d", 5), 0);
	read_line(cfd, line, sizeof(line));
	assert_string_equal(line, "MT-ACK 5");

	/* The network goes away: a reconnection is scheduled ... */
	close(cfd);
	assert_int_equal(poll(&p, 1, 2000), 1);
	assert_int_equal(phone_net_read(n, msgs, 2), STK_E_IO);
	assert_false(phone_net_attached(n));
	assert_int_equal(phone_net_fd(n), -1);
	assert_true(phone_net_timeout(n) > 0);
	assert_int_equal(phone_net_send(n, "PING"), STK_E_IO);
	/* ... and when it is due, the phone attaches again. */
	usleep(300000);
	phone_net_tick(n);
	assert_true(phone_net_fd(n) >= 0);
	assert_true((cfd = accept(lfd, NULL, NULL)) >= 0);
	read_line(cfd, line, sizeof(line));
	assert_string_equal(line, "ATTACH +491701234567");
	/* ATTACH refused (409: the old connection still holds the number):
	 * the phone drops the connection and attaches again later. */
	assert_int_equal(write(cfd, "ERR 409 busy\n", 13), 13);
	p.fd = phone_net_fd(n);
	assert_int_equal(poll(&p, 1, 2000), 1);
	assert_int_equal(phone_net_read(n, msgs, 2), STK_E_IO);
	assert_int_equal(phone_net_fd(n), -1);
	assert_true(phone_net_timeout(n) > 0);
	close(cfd);
	usleep(600000);
	phone_net_tick(n);
	assert_true((cfd = accept(lfd, NULL, NULL)) >= 0);
	read_line(cfd, line, sizeof(line));
	assert_string_equal(line, "ATTACH +491701234567");
	phone_net_free(n);
	read_line(cfd, line, sizeof(line));
	assert_string_equal(line, "DETACH");
	close(cfd);
	close(lfd);
	unlink(path);
}

/* Stub callbacks of the control socket. */
struct stub {
	int answers;
	struct phone_answer last;
};

static void
stub_status(void *ctx, char *out, size_t outsz)
{
	struct stub *s = ctx;

	snprintf(out, outsz, "%s", s->answers == 0 ?
	    "select-item cmd=1 title=\"T\" text=\"\" items=\"01:A|02:B\"" :
	    "NONE");
}

static int
stub_answer(void *ctx, const struct phone_answer *a, const char **why)
{
	struct stub *s = ctx;

	if (a->kind == PHONE_ANS_ITEM && a->item == 9) {
		*why = "no such item";
		return STK_E_INVALID;
	}
	s->answers++;
	s->last = *a;
	return 0;
}

static void
stub_info(void *ctx, char *out, size_t outsz)
{
	(void)ctx;
	snprintf(out, outsz, "INFO card=ok");
}

/* Send a request line, let the control socket handle it, read a line. */
static void
ask(struct phone_ctl *ctl, int fd, const char *req, char *out, size_t cap)
{
	struct pollfd pfd[PHONE_CTL_MAX_FDS];
	size_t n;
	int i;

	if (req != NULL)
		assert_int_equal(write(fd, req, strlen(req)),
		    (ssize_t)strlen(req));
	for (i = 0; i < 3; i++) {
		n = phone_ctl_pollfds(ctl, pfd);
		assert_true(poll(pfd, n, 200) >= 0);
		phone_ctl_handle(ctl, pfd, n);
	}
	read_line(fd, out, cap);
}

static void
test_control_socket(void **state)
{
	struct stub s = { 0 };
	struct phone_ctl_ops ops = { stub_status, stub_answer, stub_info, &s };
	struct sockaddr_un sun;
	struct phone_ctl *ctl;
	char path[64], line[512];
	int fd, fd2;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/stkauth-phone-ctl.%d", getpid());
	assert_int_equal(phone_ctl_open(path, &ops, &ctl), 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	assert_true((fd = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_true((fd2 = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(connect(fd2, (struct sockaddr *)&sun, sizeof(sun)),
	    0);

	ask(ctl, fd, "STATUS\n", line, sizeof(line));
	assert_string_equal(line, "POPUP select-item cmd=1 title=\"T\" "
	    "text=\"\" items=\"01:A|02:B\"");
	ask(ctl, fd, "PING\r\n", line, sizeof(line));
	assert_string_equal(line, "PONG");
	ask(ctl, fd, "ANSWER item 9\n", line, sizeof(line));
	assert_string_equal(line, "ERR no such item");
	ask(ctl, fd, "ANSWER maybe\n", line, sizeof(line));
	assert_string_equal(line, "ERR unknown answer");
	ask(ctl, fd, "FROB\n", line, sizeof(line));
	assert_string_equal(line, "ERR unknown command");
	ask(ctl, fd2, "EVENTS\n", line, sizeof(line));
	assert_string_equal(line, "OK");
	ask(ctl, fd, "ANSWER item 2\n", line, sizeof(line));
	assert_string_equal(line, "OK");
	assert_int_equal(s.answers, 1);
	assert_int_equal(s.last.kind, PHONE_ANS_ITEM);
	assert_int_equal(s.last.item, 2);
	ask(ctl, fd, "STATUS\n", line, sizeof(line));
	assert_string_equal(line, "NONE");
	ask(ctl, fd, "INFO\n", line, sizeof(line));
	assert_string_equal(line, "INFO card=ok");

	/* Events reach the subscriber only. */
	phone_ctl_event(ctl, "TR cmd=%d result=%02X", 1, 0);
	read_line(fd2, line, sizeof(line));
	assert_string_equal(line, "EVENT TR cmd=1 result=00");
	ask(ctl, fd, "PING\n", line, sizeof(line));
	assert_string_equal(line, "PONG");

	/* Two requests in one write, then a line that is too long. */
	ask(ctl, fd, "PING\nSTATUS\n", line, sizeof(line));
	assert_string_equal(line, "PONG");
	read_line(fd, line, sizeof(line));
	assert_string_equal(line, "NONE");
	{
		char big[1100];

		memset(big, 'A', sizeof(big));
		assert_int_equal(write(fd, big, sizeof(big)),
		    (ssize_t)sizeof(big));
		ask(ctl, fd, NULL, line, sizeof(line));
		assert_string_equal(line, "ERR line too long");
	}
	close(fd);
	close(fd2);
	phone_ctl_close(ctl);
	assert_int_equal(access(path, F_OK), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_lines),
		cmocka_unit_test(test_attach_and_reconnect),
		cmocka_unit_test(test_control_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
