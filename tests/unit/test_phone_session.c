/*
 * test_phone_session.c - the handset's behaviour end to end without a
 * reader: a scripted card (exact APDUs expected, answers given) and a
 * fake network on a Unix socket speaking docs/NETSIM-SUBSCRIBER.md.
 * Covers the proactive loop (FETCH on 91xx, pop-ups answered by the
 * control path, the automatic user and the UI timeout, SEND SHORT
 * MESSAGE -> MO -> TERMINAL RESPONSE per MO-RESULT, unsupported and
 * malformed commands), MT SMS (SMS-PP download and plain) and a card lost
 * in the middle.
 *
 * Commands are the TS 31.124 conformance sequences as copied by Mozilla
 * (tests/vectors/cat/proactive.txt: display_text_1, select_item_1,
 * get_input_hidden_pin, set_up_menu_1, send_sm_1); the TERMINAL
 * RESPONSEs are the forms of tests/vectors/phone/popup.txt.
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

#include "bytes.h"
#include "cat.h"
#include "err.h"
#include "hex.h"
#include "phone.h"

#define DISPLAY_TEXT "D01A8103012180820281028D0F04546F6F6C6B697420546573742031"
#define SELECT_ITEM "D03D810301240082028182850E546F6F6C6B69742053656C65637" \
	"48F07014974656D20318F07024974656D20328F07034974656D20338F07044974656D2034"
#define GET_INPUT "D0198103012304820281828D0A04456E7465722050494E91020408"
#define SET_UP_MENU "D03B810301250082028182850C546F6F6C6B6974204D656E758F070" \
	"14974656D20318F07024974656D20328F07034974656D20338F07044974656D2034"
#define SEND_SM_TPDU "0100099110325476F840F40C54657374204D657373616765"
#define SEND_SM "D02E81030113008202818386099111223344556677F88B18" SEND_SM_TPDU
#define DL_TPDU "040C919471000000107FF6621132918200000401020304"
#define TXT_TPDU "040C9194710000001000006211329182000005E8329BFD06"

struct script {
	const char *const *steps;	/* "CMDHEX", "RESPHEX", ..., NULL */
	size_t at;
	bool fail_io;
};

static int
scripted_xmit(void *ctx, const uint8_t *apdu, size_t len, uint8_t *resp,
    size_t *rlen)
{
	struct script *s = ctx;
	char got[2 * PHONE_APDU_MAX + 1];
	struct stk_buf b;

	if (s->fail_io)
		return STK_E_IO;
	stk_hex_format(got, apdu, len, 1);
	if (s->steps[s->at] == NULL)
		fail_msg("unexpected APDU %s", got);
	if (strcmp(got, s->steps[s->at]) != 0)
		fail_msg("step %zu: APDU %s, expected %s", s->at / 2, got,
		    s->steps[s->at]);
	stk_buf_init_fixed(&b, resp, *rlen);
	assert_int_equal(stk_hex_decode(s->steps[s->at + 1], &b), 0);
	*rlen = stk_buf_len(&b);
	s->at += 2;
	return 0;
}

static struct phone ph;
static struct script script;
static char *screen_buf;
static size_t screen_len;
static int closed_count;

static void
card_close(struct phone *p)
{
	(void)p;
	closed_count++;
}

/* A phone with a ready card that runs this script. */
static void
phone_setup(const char *const *steps)
{
	memset(&ph, 0, sizeof(ph));
	memset(&script, 0, sizeof(script));
	script.steps = steps;
	ph.card.xmit = scripted_xmit;
	ph.card.ctx = &script;
	ph.card_close = card_close;
	ph.card_ok = true;
	ph.ui_timeout_ms = 60000;
	ph.delay_ms = 0;
	closed_count = 0;
	free(screen_buf);
	screen_buf = NULL;
	assert_non_null(ph.screen = open_memstream(&screen_buf, &screen_len));
	strcpy(ph.info.iccid, "8949440000001155314");
	strcpy(ph.info.msisdn, "+491701234567");
}

static void
phone_teardown(void)
{
	if (script.steps != NULL && script.steps[script.at] != NULL)
		fail_msg("APDU %s never came", script.steps[script.at]);
	phone_net_free(ph.net);
	ph.net = NULL;
	fclose(ph.screen);
	ph.screen = NULL;
}

/* The card announces a proactive command of n octets (91xx). */
static void
pending(uint8_t n)
{
	ph.fetch_pending = true;
	ph.fetch_len = n;
}

static void
test_display_text_answered_by_control(void **state)
{
	static const char *const steps[] = {
		"801200001C", DISPLAY_TEXT "9000",
		"801400000C810301218082028281830100", "9000",
		NULL,
	};
	struct phone_ctl_ops ops;
	struct phone_answer a;
	const char *why = NULL;
	char st[512];

	(void)state;
	phone_setup(steps);
	pending(0x1c);
	phone_session_proactive(&ph);
	assert_true(ph.popup_open);
	phone_session_ctl_ops(&ph, &ops);
	ops.status(ops.ctx, st, sizeof(st));
	assert_string_equal(st, "display-text cmd=1 title=\"\" "
	    "text=\"Toolkit Test 1\" wait-for-user");
	/* An item is no answer to DISPLAY TEXT: the pop-up stays. */
	assert_int_equal(phone_answer_parse("item 1", &a), 0);
	assert_int_equal(ops.answer(ops.ctx, &a, &why), STK_E_INVALID);
	assert_non_null(why);
	assert_true(ph.popup_open);
	assert_int_equal(phone_answer_parse("confirm", &a), 0);
	assert_int_equal(ops.answer(ops.ctx, &a, &why), 0);
	assert_false(ph.popup_open);
	assert_false(ph.fetch_pending);
	ops.status(ops.ctx, st, sizeof(st));
	assert_string_equal(st, "NONE");
	assert_int_equal(ops.answer(ops.ctx, &a, &why), STK_E_STATE);
	phone_teardown();
}

static void
test_auto_confirm_then_send_sm_without_network(void **state)
{
	/* SELECT ITEM confirmed automatically (first item), the card goes on
	 * with SEND SHORT MESSAGE; no network: 21, no specific cause. */
	static const char *const steps[] = {
		"801200003F", SELECT_ITEM "9000",
		"801400000F810301240082028281830100900101", "9130",
		"8012000030", SEND_SM "9000",
		"801400000D81030113008202828183022100", "9000",
		NULL,
	};

	(void)state;
	phone_setup(steps);
	ph.auto_mode = PHONE_AUTO_CONFIRM;
	pending(0x3f);
	phone_session_proactive(&ph);
	assert_true(ph.popup_open);
	assert_int_equal(phone_session_timeout(&ph), 0);
	phone_session_timers(&ph);
	assert_false(ph.popup_open);
	assert_true(ph.fetch_pending);
	phone_session_proactive(&ph);
	assert_false(ph.fetch_pending);
	fflush(ph.screen);
	assert_non_null(strstr(screen_buf, "Toolkit Select"));
	phone_teardown();
}

static void
test_ui_timeout_and_reject(void **state)
{
	static const char *const steps[] = {
		"801200001B", GET_INPUT "9000",
		"801400000C810301230482028281830112", "911C",
		"801200001C", DISPLAY_TEXT "9000",
		"801400000C810301218082028281830110", "9000",
		NULL,
	};

	(void)state;
	phone_setup(steps);
	ph.auto_mode = PHONE_AUTO_IGNORE;
	ph.ui_timeout_ms = 0;
	pending(0x1b);
	phone_session_proactive(&ph);
	assert_true(ph.popup_open);
	assert_int_equal(ph.auto_at, 0);	/* ignore: never answers */
	phone_session_timers(&ph);		/* the UI timeout: 12 */
	assert_false(ph.popup_open);
	/* The keypad: "x" is the End key. */
	ph.ui_timeout_ms = 60000;
	phone_session_proactive(&ph);
	assert_true(ph.popup_open);
	{
		char line[] = "x\n";

		phone_session_keypad(&ph, line);
	}
	assert_false(ph.popup_open);
	phone_teardown();
}

static void
test_unsupported_and_malformed_commands(void **state)
{
	static const char *const steps[] = {
		/* SET UP MENU: not in our profile, beyond capabilities (30) */
		"801200003D", SET_UP_MENU "9000",
		"801400000C810301250082028281830130", "910B",
		/* MORE TIME: performed (00) */
		"801200000B", "D009810301020082028182" "9000",
		"801400000C810301020082028281830100", "911F",
		/* DISPLAY TEXT with an unknown object with CR (tag 7E): 32 */
		"801200001F", "D01D8103012180820281028D0F04546F6F6C6B697420546573"
		    "742031FE0100" "9000",
		"801400000C810301218082028281830132", "910B",
		/* DISPLAY TEXT without its text string: 36 values missing */
		"801200000B", "D009810301218082028102" "9000",
		"801400000C810301218082028281830136", "910B",
		/* a command type nobody defines (0x7A): 31 */
		"801200000B", "D0098103017A0082028182" "9000",
		"801400000C8103017A0082028281830131", "9106",
		/* not even command details: no answer possible */
		"8012000006", "D00482028102" "9000",
		NULL,
	};

	(void)state;
	phone_setup(steps);
	pending(0x3d);
	phone_session_proactive(&ph);
	assert_false(ph.popup_open);
	assert_false(ph.fetch_pending);
	phone_teardown();
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

/* The network says line; the phone reads it. */
static void
net_say(int fd, const char *line)
{
	struct pollfd p;

	assert_int_equal(write(fd, line, strlen(line)), (ssize_t)strlen(line));
	assert_int_equal(write(fd, "\n", 1), 1);
	p.fd = phone_net_fd(ph.net);
	p.events = POLLIN;
	assert_int_equal(poll(&p, 1, 2000), 1);
	phone_session_net_input(&ph);
}

/* Attach the phone to a fake network at path; returns the network's fd. */
static int
attach(const char *path, int lfd)
{
	char line[256];
	int fd;

	assert_int_equal(phone_net_new(path, ph.info.msisdn, &ph.net), 0);
	phone_net_tick(ph.net);
	assert_true((fd = accept(lfd, NULL, NULL)) >= 0);
	read_line(fd, line, sizeof(line));
	assert_string_equal(line, "ATTACH +491701234567");
	net_say(fd, "OK ATTACH +491701234567");
	assert_true(phone_net_attached(ph.net));
	return fd;
}

static void
test_send_sm_over_the_network(void **state)
{
	static const char *const steps[] = {
		"8012000030", SEND_SM "9000",
		"801400000C810301130082028281830100", "9130",
		"8012000030", SEND_SM "9000",
		/* MO-RESULT ERR 38: 35 with the RP-Cause, bit 8 set */
		"801400000D810301130082028281830235A6", "9000",
		NULL,
	};
	char path[64], line[512];
	int lfd, fd;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/stkauth-phone-ses.%d", getpid());
	lfd = listen_unix(path);
	phone_setup(steps);
	fd = attach(path, lfd);
	pending(0x30);
	phone_session_proactive(&ph);
	assert_true(ph.mo_waiting);
	/* TP-MR from the ME (0 for the first message). */
	read_line(fd, line, sizeof(line));
	assert_string_equal(line, "MO 1 " SEND_SM_TPDU);
	net_say(fd, "MO-RESULT 99 OK 1");	/* not ours: ignored */
	assert_true(ph.mo_waiting);
	net_say(fd, "MO-RESULT 1 OK 42");
	assert_false(ph.mo_waiting);
	assert_true(ph.fetch_pending);
	phone_session_proactive(&ph);
	read_line(fd, line, sizeof(line));
	assert_string_equal(line,
	    "MO 2 0101099110325476F840F40C54657374204D657373616765");
	net_say(fd, "MO-RESULT 2 ERR 38");
	assert_false(ph.mo_waiting);
	close(fd);
	close(lfd);
	unlink(path);
	phone_teardown();
}

static void
test_mt_sms(void **state)
{
	static const char *const steps[] = {
		/* MT 5: accepted, PoR-less */
		"80C200001FD11D820283818B17" DL_TPDU, "9000",
		/* MT 6: toolkit busy */
		"80C200001FD11D820283818B17" DL_TPDU, "9300",
		/* MT 7: accepted, and the applet has a command */
		"80C200001FD11D820283818B17" DL_TPDU, "911C",
		"801200001C", DISPLAY_TEXT "9000",
		NULL,
	};
	char path[64], line[512];
	int lfd, fd;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/stkauth-phone-mt.%d", getpid());
	lfd = listen_unix(path);
	phone_setup(steps);
	fd = attach(path, lfd);
	net_say(fd, "MT 5 " DL_TPDU);
	read_line(fd, line, sizeof(line));
	assert_string_equal(line, "MT-ACK 5");
	net_say(fd, "MT 6 " DL_TPDU);
	read_line(fd, line, sizeof(line));
	assert_string_equal(line, "MT-NACK 6 111 00D400");
	net_say(fd, "MT 7 " DL_TPDU);
	read_line(fd, line, sizeof(line));
	assert_string_equal(line, "MT-ACK 7");
	assert_true(ph.fetch_pending);
	phone_session_proactive(&ph);
	assert_true(ph.popup_open);
	/* A plain SMS is shown and acknowledged; no APDU. */
	net_say(fd, "MT 8 " TXT_TPDU);
	read_line(fd, line, sizeof(line));
	assert_string_equal(line, "MT-ACK 8");
	fflush(ph.screen);
	assert_non_null(strstr(screen_buf, "SMS from +491700000001: hello\n"));
	/* A TPDU that does not decode: RP-ERROR, invalid mandatory info. */
	net_say(fd, "MT 9 0400");
	read_line(fd, line, sizeof(line));
	assert_string_equal(line, "MT-NACK 9 96");
	close(fd);
	close(lfd);
	unlink(path);
	phone_teardown();
}

static void
test_card_lost(void **state)
{
	static const char *const steps[] = { NULL };
	char path[64], line[512];
	int lfd, fd;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/stkauth-phone-lost.%d", getpid());
	lfd = listen_unix(path);
	phone_setup(steps);
	fd = attach(path, lfd);
	script.fail_io = true;
	pending(0x1c);
	phone_session_proactive(&ph);
	assert_false(ph.card_ok);
	assert_int_equal(closed_count, 1);
	assert_true(phone_session_timeout(&ph) <= PHONE_CARD_RETRY_MS);
	/* Without a card an SMS-PP download fails: RP-ERROR, TP-FCS D5. */
	net_say(fd, "MT 3 " DL_TPDU);
	read_line(fd, line, sizeof(line));
	assert_string_equal(line, "MT-NACK 3 111 00D500");
	close(fd);
	close(lfd);
	unlink(path);
	phone_teardown();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_display_text_answered_by_control),
		cmocka_unit_test(test_auto_confirm_then_send_sm_without_network),
		cmocka_unit_test(test_ui_timeout_and_reject),
		cmocka_unit_test(test_unsupported_and_malformed_commands),
		cmocka_unit_test(test_send_sm_over_the_network),
		cmocka_unit_test(test_mt_sms),
		cmocka_unit_test(test_card_lost),
	};
	int r;

	r = cmocka_run_group_tests(tests, NULL, NULL);
	free(screen_buf);
	return r;
}
