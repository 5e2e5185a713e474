/*
 * test_bridge_modem_at.c - the modem pool's AT response parser
 * (smsc-bridge/modem_at.c), error tables (modem_err.c), config
 * (modem_config.c) and the engine (modem_engine.c, modem_init.c) fed byte
 * by byte with a simulated clock.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "err.h"
#include "modem_at.h"
#include "modem_config.h"
#include "modem_engine.h"
#include "modem_err.h"

/* ---- parser ---- */

#define EV_MAX 16
static struct {
	enum mat_kind kind;
	int code, stat;
	unsigned index;
	char line[128], mem[8];
	size_t tpdu_len;
	uint8_t tpdu0;
	bool has_sca;
} evs[EV_MAX];
static size_t nev;

static void
collect(void *arg, const struct mat_event *ev)
{
	(void)arg;
	if (nev == EV_MAX)
		return;
	evs[nev].kind = ev->kind;
	evs[nev].code = ev->code;
	evs[nev].stat = ev->stat;
	evs[nev].index = ev->index;
	snprintf(evs[nev].line, sizeof(evs[0].line), "%s", ev->line);
	snprintf(evs[nev].mem, sizeof(evs[0].mem), "%s", ev->mem);
	evs[nev].tpdu_len = ev->tpdu_len;
	evs[nev].tpdu0 = ev->tpdu != NULL ? ev->tpdu[0] : 0;
	evs[nev].has_sca = ev->has_sca;
	nev++;
}

static void
feed(const char *s, bool bytewise)
{
	static struct mat_parser p;

	mat_init(&p, collect, NULL);
	nev = 0;
	if (!bytewise) {
		mat_feed(&p, (const uint8_t *)s, strlen(s));
		return;
	}
	for (size_t i = 0; s[i] != '\0'; i++)
		mat_feed(&p, (const uint8_t *)&s[i], 1);
}

static const char deliver_hex[] =
    "07919471000000F0040C919471000000100000622160320411000BE8329BFD06B5DFE4721B";

static void
test_finals_and_prompt(void **state)
{
	(void)state;
	for (int bw = 0; bw < 2; bw++) {
		feed("\r\nOK\r\n\r\nERROR\r\n\r\n+CMS ERROR: 38\r\n"
		    "\r\n+CME ERROR: SIM busy\r\n\r\n> ", bw);
		assert_int_equal(nev, 5);
		assert_int_equal(evs[0].kind, MAT_OK);
		assert_int_equal(evs[1].kind, MAT_ERROR);
		assert_int_equal(evs[2].kind, MAT_CMS_ERROR);
		assert_int_equal(evs[2].code, 38);
		assert_int_equal(evs[3].kind, MAT_CME_ERROR);
		assert_int_equal(evs[3].code, 14);
		assert_int_equal(evs[4].kind, MAT_PROMPT);
	}
}

static void
test_cmt_with_sca_and_urc_inside_response(void **state)
{
	char buf[512];

	(void)state;
	/* A +CMT (TS 27.005 §3.4.1) between +CMGS and OK. */
	snprintf(buf, sizeof(buf), "\r\n+CMGS: 17\r\n\r\n+CMT: ,29\r\n%s\r\n"
	    "\r\nOK\r\n", deliver_hex);
	feed(buf, true);
	assert_int_equal(nev, 3);
	assert_int_equal(evs[0].kind, MAT_CMGS);
	assert_int_equal(evs[0].code, 17);
	assert_int_equal(evs[1].kind, MAT_CMT);
	assert_int_equal(evs[1].tpdu_len, 29);
	assert_true(evs[1].has_sca);
	assert_int_equal(evs[1].tpdu0, 0x04);
	assert_int_equal(evs[2].kind, MAT_OK);
}

static void
test_cmgl_cmgr_cmti_cds(void **state)
{
	char buf[1024];

	(void)state;
	snprintf(buf, sizeof(buf), "+CMGL: 3,1,\"alpha\",29\r\n%s\r\n"
	    "+CMGR: 0,,29\r\n%s\r\n+CMTI: \"SM\",4\r\n+CDSI: \"ME\",9\r\n"
	    "+CDS: 29\r\n%s\r\n", deliver_hex, deliver_hex,
	    deliver_hex + 16);	/* +CDS without the SC address */
	feed(buf, false);
	assert_int_equal(nev, 5);
	assert_int_equal(evs[0].kind, MAT_CMGL);
	assert_int_equal(evs[0].index, 3);
	assert_int_equal(evs[0].stat, 1);
	assert_int_equal(evs[1].kind, MAT_CMGR);
	assert_int_equal(evs[1].stat, 0);
	assert_int_equal(evs[2].kind, MAT_CMTI);
	assert_string_equal(evs[2].mem, "SM");
	assert_int_equal(evs[2].index, 4);
	assert_int_equal(evs[3].kind, MAT_CDSI);
	assert_int_equal(evs[3].index, 9);
	assert_int_equal(evs[4].kind, MAT_CDS);
	assert_false(evs[4].has_sca);
}

static void
test_bad_input(void **state)
{
	char longline[MAT_LINE_MAX + 50];

	(void)state;
	/* Length disagreeing with the PDU, odd hex, missing PDU line. */
	feed("+CMT: ,27\r\n07919471000000F0040C91\r\n+CMT: ,3\r\nABC\r\n"
	    "+CMGR: 0,,5\r\nOK\r\n+CMTI: SM,1\r\n+CMS ERROR: \r\n"
	    "+CMGS: 256\r\nA\x01" "B\r\n", false);
	assert_int_equal(nev, 8);
	assert_int_equal(evs[0].kind, MAT_BAD);	/* length */
	assert_int_equal(evs[1].kind, MAT_BAD);	/* odd hex */
	assert_int_equal(evs[2].kind, MAT_BAD);	/* PDU missing */
	assert_int_equal(evs[3].kind, MAT_OK);	/* ... and the line itself */
	assert_int_equal(evs[4].kind, MAT_BAD);	/* unquoted mem */
	assert_int_equal(evs[5].kind, MAT_BAD);	/* no code */
	assert_int_equal(evs[6].kind, MAT_BAD);	/* mr > 255 */
	assert_int_equal(evs[7].kind, MAT_BAD);	/* control byte */
	memset(longline, 'A', sizeof(longline) - 3);
	memcpy(longline + sizeof(longline) - 3, "\r\n", 3);
	feed(longline, false);
	assert_int_equal(nev, 1);
	assert_int_equal(evs[0].kind, MAT_BAD);
	assert_string_equal(evs[0].line, "");
}

static void
test_error_tables(void **state)
{
	char buf[96];

	(void)state;
	assert_string_equal(modem_cms_name(38), "Network out of order");
	assert_int_equal(modem_cms_class(38), TRANSPORT_FAIL_TEMPORARY);
	assert_int_equal(modem_cms_class(1), TRANSPORT_FAIL_PERMANENT);
	assert_int_equal(modem_cms_class(42), TRANSPORT_FAIL_THROTTLED);
	assert_int_equal(modem_cms_class(77), TRANSPORT_FAIL_TEMPORARY);
	assert_int_equal(modem_cms_class(304), TRANSPORT_FAIL_PERMANENT);
	assert_int_equal(modem_cms_class(0xc0), TRANSPORT_FAIL_THROTTLED);
	assert_int_equal(modem_cms_class(0xd5), TRANSPORT_FAIL_PERMANENT);
	assert_string_equal(modem_cms_name(330), "SMSC address unknown");
	assert_string_equal(modem_cms_name(600), "manufacturer specific");
	assert_string_equal(modem_cme_name(16), "incorrect password");
	assert_int_equal(modem_cms_from_name("sms" "c address unknown", 20),
	    330);
	assert_string_equal(modem_err_format(buf, sizeof(buf), true, 500),
	    "+CMS ERROR 500 unknown error");
}

/* ---- config ---- */

static const char *const *cfg_kv;

static int
kv_get(void *cfg, const char *key, const char **val)
{
	(void)cfg;
	for (size_t i = 0; cfg_kv[i] != NULL; i += 2)
		if (strcmp(cfg_kv[i], key) == 0) {
			*val = cfg_kv[i + 1];
			return STK_OK;
		}
	return STK_E_NOT_FOUND;
}

static void
test_config(void **state)
{
	static const char *const good[] = {
		"modems", "a b", "a.link", "tcp:127.0.0.1:7010",
		"b.link", "serial:usb:1E0E:9001:SN1", "rate", "2.5",
		"b.rate", "1", "a.route", "+3725, +3726", "command_timeout",
		"250ms", "b.flow", "rtscts", NULL };
	static const char *const dup[] = { "modems", "a a", "a.link",
		"tcp:h:1", NULL };
	static const char *const nolink[] = { "modems", "a", NULL };
	static struct modem_pool_cfg c;
	struct transport_config tc = { "pool", kv_get, NULL };
	char err[256];

	(void)state;
	cfg_kv = good;
	assert_int_equal(modem_config_load(&tc, &c, err, sizeof(err)), STK_OK);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.m[0].link.host, "127.0.0.1");
	assert_true(c.m[1].link.by_usb);
	assert_int_equal(c.m[1].link.usb_vid, 0x1e0e);
	assert_string_equal(c.m[1].link.usb_serial, "SN1");
	assert_int_equal(c.m[1].link.flow, MODEM_FLOW_RTSCTS);
	assert_true(c.m[0].me.rate == 2.5 && c.m[1].me.rate == 1.0);
	assert_int_equal(c.m[0].me.cmd_timeout_ms, 250);
	assert_int_equal(modem_route_score(&c.m[0], "+37255500001"), 5);
	assert_int_equal(modem_route_score(&c.m[0], "+4917"), -1);
	assert_int_equal(modem_route_score(&c.m[1], "+4917"), 0);
	cfg_kv = dup;
	assert_int_equal(modem_config_load(&tc, &c, err, sizeof(err)),
	    STK_E_INVALID);
	assert_string_equal(err, "modems: \"a\" twice");
	cfg_kv = nolink;
	assert_int_equal(modem_config_load(&tc, &c, err, sizeof(err)),
	    STK_E_INVALID);
	assert_non_null(strstr(err, "a.link: missing"));
	assert_int_equal(modem_parse_duration("1.5"), 1500);
	assert_int_equal(modem_parse_duration("10 ms"), 10);
	assert_int_equal(modem_parse_duration("5m"), -1);
}

/* ---- engine ---- */

static char wrote[4096];
static size_t nwrote;
static int n_up, n_down, n_reopen, n_sent, n_failed, n_rx, rx_result;
static unsigned last_mr;
static enum transport_fail last_cls;
static char last_reason[128];

static void
o_write(void *ctx, const void *p, size_t n)
{
	(void)ctx;
	if (nwrote + n < sizeof(wrote)) {
		memcpy(wrote + nwrote, p, n);
		nwrote += n;
		wrote[nwrote] = '\0';
	}
}

static void
o_state(void *ctx, bool up, const char *why)
{
	(void)ctx;
	(void)why;
	if (up)
		n_up++;
	else
		n_down++;
}

static void
o_reopen(void *ctx, const char *why)
{
	(void)ctx;
	(void)why;
	n_reopen++;
}

static void
o_sent(void *ctx, uint64_t id, unsigned mr)
{
	(void)ctx;
	(void)id;
	n_sent++;
	last_mr = mr;
}

static void
o_failed(void *ctx, uint64_t id, enum transport_fail cls, const char *r)
{
	(void)ctx;
	(void)id;
	n_failed++;
	last_cls = cls;
	snprintf(last_reason, sizeof(last_reason), "%s", r);
}

static int
o_received(void *ctx, const uint8_t *tpdu, size_t len)
{
	(void)ctx;
	(void)tpdu;
	(void)len;
	n_rx++;
	return rx_result;
}

static const struct me_ops ops = { o_write, o_state, o_reopen, o_sent,
	o_failed, o_received };

/* Expect the engine to have written cmd (then forget what it wrote). */
static void
expect_cmd(const char *cmd)
{
	if (strcmp(wrote, cmd) != 0)
		fail_msg("wrote \"%s\", expected \"%s\"", wrote, cmd);
	nwrote = 0;
	wrote[0] = '\0';
}

static void
say(struct modem_engine *e, int64_t now, const char *s)
{
	me_input(e, now, (const uint8_t *)s, strlen(s));
}

static struct modem_engine *
ready_engine(const char *pin)
{
	struct me_params p;
	struct modem_engine *e;

	memset(&p, 0, sizeof(p));
	snprintf(p.name, sizeof(p.name), "t");
	snprintf(p.pin, sizeof(p.pin), "%s", pin);
	p.mt = ME_MT_CMT;
	p.ds = ME_DS_CDS;
	p.cmd_timeout_ms = 1000;
	p.send_timeout_ms = 5000;
	p.keepalive_ms = 0;
	p.init_timeout_ms = 60000;
	p.retry_ms = 100;
	n_up = n_down = n_reopen = n_sent = n_failed = n_rx = 0;
	rx_result = STK_OK;
	nwrote = 0;
	wrote[0] = '\0';
	e = me_new(&p, &ops, NULL);
	me_link_up(e, 0);
	expect_cmd("ATZ\r");
	say(e, 1, "ATZ\r\r\nOK\r\n");
	expect_cmd("ATE0V1\r");
	say(e, 1, "\r\nOK\r\n");
	expect_cmd("AT+CMEE=1\r");
	say(e, 1, "\r\nOK\r\n");
	expect_cmd("AT+CPIN?\r");
	if (pin[0] != '\0') {
		say(e, 1, "\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n");
		expect_cmd("AT+CPIN=\"1234\"\r");
		say(e, 1, "\r\nOK\r\n");
		assert_int_equal(nwrote, 0);		/* waits retry_ms */
		me_tick(e, 200);
		expect_cmd("AT+CPIN?\r");
		say(e, 200, "\r\n+CME ERROR: 14\r\n");	/* SIM busy */
		me_tick(e, 400);
		expect_cmd("AT+CPIN?\r");
	}
	say(e, 400, "\r\n+CPIN: READY\r\n\r\nOK\r\n");
	expect_cmd("AT+CMGF=0\r");
	say(e, 400, "\r\nOK\r\n");
	expect_cmd("AT+CSMS=1\r");
	say(e, 400, "\r\n+CSMS: 1,1,1\r\n\r\nOK\r\n");
	expect_cmd("AT+CSCA?\r");
	say(e, 400, "\r\n+CSCA: \"+491700000000\",145\r\n\r\nOK\r\n");
	expect_cmd("AT+CPMS=\"SM\",\"SM\",\"SM\"\r");
	say(e, 400, "\r\nOK\r\n");
	expect_cmd("AT+CNMI=2,2,0,1,0\r");
	say(e, 400, "\r\nOK\r\n");
	assert_int_equal(n_up, 1);
	expect_cmd("AT+CMGL=4\r");
	say(e, 400, "\r\nOK\r\n");
	assert_string_equal(me_smsc(e), "+491700000000");
	return e;
}

static const uint8_t submit[] = { 0x01, 0x00, 0x0b, 0x91, 0x94, 0x71, 0x00,
	0x00, 0x00, 0xf1, 0x00, 0x00, 0x01, 0x31 };

static void
test_engine_init_send_receive(void **state)
{
	struct modem_engine *e = ready_engine("1234");
	char buf[256];

	(void)state;
	assert_true(me_can_send(e));
	assert_int_equal(me_send(e, 500, 7, submit, sizeof(submit)), STK_OK);
	assert_false(me_can_send(e));
	expect_cmd("AT+CMGS=14\r");
	say(e, 500, "\r\n> ");
	expect_cmd("0001000B919471000000F100000131\x1a");
	say(e, 510, "\r\n+CMGS: 42\r\n\r\nOK\r\n");
	assert_int_equal(n_sent, 1);
	assert_int_equal(last_mr, 42);
	/* +CMT: stored by the core, then acknowledged with +CNMA. */
	snprintf(buf, sizeof(buf), "\r\n+CMT: ,29\r\n%s\r\n", deliver_hex);
	say(e, 600, buf);
	assert_int_equal(n_rx, 1);
	expect_cmd("AT+CNMA\r");
	say(e, 600, "\r\nOK\r\n");
	/* Not stored: no +CNMA. */
	rx_result = STK_E_IO;
	say(e, 700, buf);
	assert_int_equal(n_rx, 2);
	assert_int_equal(nwrote, 0);
	/* +CMTI: +CMGR, then +CMGD once stored. */
	rx_result = STK_OK;
	say(e, 800, "\r\n+CMTI: \"SM\",3\r\n");
	expect_cmd("AT+CMGR=3\r");
	snprintf(buf, sizeof(buf), "\r\n+CMGR: 0,,29\r\n%s\r\n\r\nOK\r\n",
	    deliver_hex);
	say(e, 800, buf);
	expect_cmd("AT+CMGD=3\r");
	say(e, 800, "\r\nOK\r\n");
	assert_int_equal(me_stats(e)->deleted, 1);
	me_free(e);
}

static void
test_engine_errors_and_recovery(void **state)
{
	struct modem_engine *e = ready_engine("");

	(void)state;
	/* +CMS ERROR classed by table, with its name. */
	assert_int_equal(me_send(e, 1000, 1, submit, sizeof(submit)), STK_OK);
	expect_cmd("AT+CMGS=14\r");
	say(e, 1000, "\r\n> ");
	nwrote = 0;
	say(e, 1000, "\r\n+CMS ERROR: 42\r\n");
	assert_int_equal(n_failed, 1);
	assert_int_equal(last_cls, TRANSPORT_FAIL_THROTTLED);
	assert_string_equal(last_reason, "+CMS ERROR 42 Congestion");
	/* No prompt: timeout, message failed, then ESC and a probe. */
	assert_int_equal(me_send(e, 2000, 2, submit, sizeof(submit)), STK_OK);
	expect_cmd("AT+CMGS=14\r");
	assert_int_equal(me_deadline(e), 3000);
	me_tick(e, 3000);
	assert_int_equal(n_failed, 2);
	assert_int_equal(last_cls, TRANSPORT_FAIL_TEMPORARY);
	assert_string_equal(last_reason,
	    "timeout waiting for the \"> \" prompt");
	assert_int_equal(me_state(e), ME_RECOVER);
	assert_int_equal(n_down, 1);
	expect_cmd("\x1b");
	me_tick(e, 3300);
	expect_cmd("AT\r");
	me_tick(e, 4300);			/* no answer: Ctrl-Z */
	expect_cmd("\x1a");
	me_tick(e, 4600);
	expect_cmd("AT\r");
	me_tick(e, 5600);			/* no answer: ATZ */
	expect_cmd("ATZ\r");
	me_tick(e, 5900);
	expect_cmd("AT\r");
	me_tick(e, 6900);			/* still nothing: reopen */
	assert_int_equal(n_reopen, 1);
	assert_int_equal(me_state(e), ME_DOWN);
	/* A new link: init again from ATZ. */
	me_link_up(e, 7000);
	expect_cmd("ATZ\r");
	me_free(e);
}

static void
test_engine_wrong_pin_is_fatal(void **state)
{
	struct me_params p;
	struct modem_engine *e;

	(void)state;
	memset(&p, 0, sizeof(p));
	snprintf(p.pin, sizeof(p.pin), "9999");
	p.cmd_timeout_ms = 1000;
	p.init_timeout_ms = 10000;
	p.retry_ms = 100;
	n_down = n_reopen = 0;
	nwrote = 0;
	e = me_new(&p, &ops, NULL);
	me_link_up(e, 0);
	say(e, 0, "\r\nOK\r\n");
	say(e, 0, "\r\nOK\r\n");
	say(e, 0, "\r\nOK\r\n");
	say(e, 0, "\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n");
	nwrote = 0;
	say(e, 0, "\r\n+CME ERROR: 16\r\n");
	assert_int_equal(me_state(e), ME_FATAL);
	assert_int_equal(n_reopen, 0);
	assert_int_equal(me_deadline(e), ME_NEVER);
	me_tick(e, 100000);
	assert_int_equal(nwrote, 0);		/* never tries again */
	me_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finals_and_prompt),
		cmocka_unit_test(test_cmt_with_sca_and_urc_inside_response),
		cmocka_unit_test(test_cmgl_cmgr_cmti_cds),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_error_tables),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_engine_init_send_receive),
		cmocka_unit_test(test_engine_errors_and_recovery),
		cmocka_unit_test(test_engine_wrong_pin_is_fatal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
