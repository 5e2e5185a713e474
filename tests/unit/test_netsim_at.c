/*
 * test_netsim_at.c - the pure parts of stkauth-netsim: the AT command line
 * parser and parameter splitter, the modem byte input (command mode and
 * +CMGS PDU entry), the subscriber protocol line parser and the fault
 * settings.  Command lines come from tests/vectors/netsim/at_lines.txt.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "support_vectors.h"
#include "../../tools/netsim/at.h"
#include "../../tools/netsim/sub_proto.h"
#include "../../tools/netsim/ns_priv.h"

static const char *const form_names[] = {
	[AT_FORM_EXEC] = "exec", [AT_FORM_TEST] = "test",
	[AT_FORM_READ] = "read", [AT_FORM_SET] = "set",
};

/* NAME:FORM[:NUM][=ARGS] words, as in at_lines.txt. */
static void
describe(const struct at_cmdline *cl, char *out, size_t outsz)
{
	size_t i, k = 0;

	out[0] = '\0';
	for (i = 0; i < cl->ncmds; i++) {
		const struct at_cmd *c = &cl->cmd[i];

		k += (size_t)snprintf(out + k, outsz - k, "%s%s:%s", i ? " " : "",
		    c->name, form_names[c->form]);
		if (c->has_num)
			k += (size_t)snprintf(out + k, outsz - k, ":%lu", c->num);
		if (c->form == AT_FORM_SET)
			k += (size_t)snprintf(out + k, outsz - k, "=%.*s",
			    (int)c->args_len, c->args);
	}
}

static void
test_at_line_vectors(void **state)
{
	struct vec_file *vf = vec_load("tests/vectors/netsim/at_lines.txt");
	struct at_cmdline cl;
	char got[1024];
	size_t i;

	(void)state;
	assert_true(vf->ncases >= 25);
	for (i = 0; i < vf->ncases; i++) {
		const struct vec_case *vc = &vf->cases[i];
		const char *line = vec_need(vc, "line");
		const char *result = vec_need(vc, "result");
		const char *cmds = vec_get(vc, "cmds");
		int rc = at_parse_line(line, strlen(line), &cl);
		const char *rname = rc == AT_PARSE_OK ? "ok" :
		    rc == AT_PARSE_NOT_AT ? "not-at" :
		    rc == AT_PARSE_SYNTAX ? "syntax" :
		    rc == AT_PARSE_TOO_MANY ? "too-many" : "too-long";

		if (strcmp(rname, result) != 0)
			fail_msg("line %zu \"%s\": %s, want %s", vc->line, line,
			    rname, result);
		if (rc != AT_PARSE_OK) {
			assert_int_equal(cl.ncmds, 0);
			continue;
		}
		describe(&cl, got, sizeof(got));
		if (strcmp(got, cmds ? cmds : "") != 0)
			fail_msg("line %zu \"%s\": got \"%s\", want \"%s\"",
			    vc->line, line, got, cmds ? cmds : "");
	}
	vec_free(vf);
}

static void
test_at_line_too_long(void **state)
{
	char line[AT_LINE_MAX + 2];
	struct at_cmdline cl;

	(void)state;
	memset(line, 'E', sizeof(line));
	line[0] = 'A';
	line[1] = 'T';
	assert_int_equal(at_parse_line(line, AT_LINE_MAX + 1, &cl),
	    AT_PARSE_TOO_LONG);
	/* Exactly AT_LINE_MAX is parsed (too many commands here). */
	assert_int_equal(at_parse_line(line, AT_LINE_MAX, &cl),
	    AT_PARSE_TOO_MANY);
}

static void
test_at_params(void **state)
{
	struct at_param p[AT_MAX_PARAMS];
	static const char a1[] = "\"SM\",,17,\"a\\22b\"";
	static const char a2[] = "2,1,0,2,";
	int n;

	(void)state;
	n = at_split_params(a1, strlen(a1), p, AT_MAX_PARAMS);
	assert_int_equal(n, 4);
	assert_int_equal(p[0].type, AT_P_STR);
	assert_string_equal(p[0].str, "SM");
	assert_int_equal(p[1].type, AT_P_OMITTED);
	assert_int_equal(p[2].type, AT_P_NUM);
	assert_int_equal(p[2].num, 17);
	/* \22 is '"' (TS 27.007 §4.1 / V.250 §5.4.2.2 hex escapes). */
	assert_string_equal(p[3].str, "a\"b");
	/* A trailing comma is one more omitted parameter. */
	n = at_split_params(a2, strlen(a2), p, AT_MAX_PARAMS);
	assert_int_equal(n, 5);
	assert_int_equal(p[4].type, AT_P_OMITTED);
	assert_int_equal(at_split_params("", 0, p, AT_MAX_PARAMS), 0);
	assert_int_equal(at_split_params("1,2,3", 5, p, 2), -1);
	assert_int_equal(at_split_params("x", 1, p, 8), -1);
	assert_int_equal(at_split_params("1 2", 3, p, 8), -1);
	assert_int_equal(at_split_params("\"ab", 3, p, 8), -1);
	assert_int_equal(at_split_params("\"\\2\"", 4, p, 8), -1);
	assert_int_equal(at_split_params("\"\\00\"", 5, p, 8), -1);
	assert_int_equal(at_split_params("2147483648", 10, p, 8), -1);
	assert_int_equal(at_split_params("2147483647", 10, p, 8), 1);
}

static enum at_event
feed(struct at_input *in, const char *s, size_t n)
{
	enum at_event ev = AT_EV_NONE;
	size_t i;

	for (i = 0; i < n; i++) {
		ev = at_input_byte(in, (uint8_t)s[i]);
		if (ev != AT_EV_NONE && i + 1 != n)
			fail_msg("event %d at byte %zu of %zu", ev, i, n);
	}
	return ev;
}

static void
test_input_lines(void **state)
{
	struct at_input in;
	char big[AT_LINE_MAX + 10];

	(void)state;
	at_input_init(&in);
	assert_int_equal(feed(&in, "AT+CSX\bQ\r", 9), AT_EV_LINE);
	assert_string_equal(in.line, "AT+CSQ");
	/* LF after CR and NULs are ignored; the next line starts clean. */
	assert_int_equal(feed(&in, "\nAT\0I\r", 6), AT_EV_LINE);
	assert_string_equal(in.line, "ATI");
	/* S3 changed to LF (V.250 §6.2.1): CR becomes ordinary. */
	in.s3 = '\n';
	assert_int_equal(feed(&in, "AT\n", 3), AT_EV_LINE);
	assert_string_equal(in.line, "AT");
	in.s3 = '\r';
	memset(big, 'A', sizeof(big));
	big[sizeof(big) - 1] = '\r';
	assert_int_equal(feed(&in, big, sizeof(big)), AT_EV_LINE_TOO_LONG);
	assert_int_equal(feed(&in, "AT\r", 3), AT_EV_LINE);
	assert_string_equal(in.line, "AT");
}

static void
test_input_pdu(void **state)
{
	struct at_input in;
	char big[AT_PDU_HEX_MAX + 4];

	(void)state;
	at_input_init(&in);
	at_input_pdu(&in);
	/* CR/LF/space inside the PDU are ignored; Ctrl-Z ends it. */
	assert_int_equal(feed(&in, "00 01\r\n02\x1a", 10), AT_EV_PDU);
	assert_string_equal(in.line, "000102");
	assert_false(in.pdu_mode);
	/* Back in command mode. */
	assert_int_equal(feed(&in, "AT\r", 3), AT_EV_LINE);
	/* ESC cancels (TS 27.005 §3.5.1). */
	at_input_pdu(&in);
	assert_int_equal(feed(&in, "0011\x1b", 5), AT_EV_PDU_ABORT);
	assert_false(in.pdu_mode);
	/* Over-long PDU text is reported at Ctrl-Z. */
	at_input_pdu(&in);
	memset(big, '0', sizeof(big));
	big[sizeof(big) - 1] = 0x1a;
	assert_int_equal(feed(&in, big, sizeof(big)), AT_EV_PDU_TOO_LONG);
	/* Control bytes are kept as '?' so hex decoding fails. */
	at_input_pdu(&in);
	assert_int_equal(feed(&in, "00\x01" "1\x1a", 5), AT_EV_PDU);
	assert_string_equal(in.line, "00?1");
}

static void
test_sub_lines(void **state)
{
	struct sub_req r;
	const char *why;
	char big[SUB_LINE_MAX + 1];

	(void)state;
	/* The example of docs/NETSIM-SUBSCRIBER.md. */
	assert_int_equal(sub_parse_line("ATTACH +491700000001", 20, &r, &why), 0);
	assert_int_equal(r.verb, SUB_ATTACH);
	assert_string_equal(r.msisdn, "+491700000001");
	assert_int_equal(sub_parse_line("MT-ACK 17 0000", 14, &r, &why), 0);
	assert_int_equal(r.verb, SUB_MT_ACK);
	assert_true(r.id == 17);
	assert_int_equal(r.tpdu_len, 2);
	assert_int_equal(sub_parse_line("MO 1 0141000C91", 15, &r, &why), 0);
	assert_int_equal(r.verb, SUB_MO);
	assert_string_equal(r.ref, "1");
	assert_int_equal(r.tpdu_len, 5);
	assert_int_equal(r.tpdu[0], 0x01);
	assert_int_equal(r.tpdu[4], 0x91);
	assert_int_equal(sub_parse_line("MT-NACK 3 22 00d4", 17, &r, &why), 0);
	assert_int_equal(r.cause, 22);
	assert_int_equal(r.tpdu[1], 0xd4);
	assert_int_equal(sub_parse_line("PING", 4, &r, &why), 0);
	assert_int_equal(sub_parse_line("DETACH", 6, &r, &why), 0);

	assert_int_equal(sub_parse_line("ping", 4, &r, &why), -1);
	assert_string_equal(why, "unknown command");
	assert_int_equal(sub_parse_line("PING x", 6, &r, &why), -1);
	assert_int_equal(sub_parse_line("MO  1 00", 8, &r, &why), -1);
	assert_int_equal(sub_parse_line("MO 1 00 ", 8, &r, &why), -1);
	assert_int_equal(sub_parse_line("MO 12345678901 00", 17, &r, &why),
	    -1);
	assert_int_equal(sub_parse_line("MO 1 0", 6, &r, &why), -1);
	assert_string_equal(why, "bad TPDU hex");
	assert_int_equal(sub_parse_line("MT-NACK 1 256", 13, &r, &why), -1);
	assert_int_equal(sub_parse_line("MT-NACK 1 0", 11, &r, &why), -1);
	assert_int_equal(sub_parse_line("ATTACH 4917", 11, &r, &why), -1);
	assert_int_equal(sub_parse_line("MT-ACK 1\t", 9, &r, &why), -1);
	assert_int_equal(sub_parse_line("", 0, &r, &why), -1);
	/* 177 octets of TPDU: more than any SMS-SUBMIT. */
	memset(big, 'A', sizeof(big));
	memcpy(big, "MO 1 ", 5);
	assert_int_equal(sub_parse_line(big, 5 + 2 * 177, &r, &why), -1);
	assert_int_equal(sub_parse_line(big, SUB_LINE_MAX, &r, &why), -1);
	assert_string_equal(why, "line too long");
}

static void
test_path_faults(void **state)
{
	struct ns_path_faults p[NS_ENT_KIND_COUNT + 1][NS_ENT_KIND_COUNT + 1];
	struct ns_path_faults f;
	char err[200];

	(void)state;
	ns_path_faults_init(p);
	ns_path_faults_get(p, NS_ENT_SMPP, NS_ENT_SUBSCRIBER, &f);
	assert_int_equal(f.delay_ms + f.loss_pct + f.dup_pct + f.reorder_ms, 0);
	assert_int_equal(ns_path_fault_set(p, "*->*.delay_ms", "100", err,
	    sizeof(err)), 0);
	assert_int_equal(ns_path_fault_set(p, "smpp->*.delay_ms", "200", err,
	    sizeof(err)), 0);
	assert_int_equal(ns_path_fault_set(p, "smpp->subscriber.delay_ms", "0",
	    err, sizeof(err)), 0);
	assert_int_equal(ns_path_fault_set(p, "*->modem.loss_pct", "30", err,
	    sizeof(err)), 0);
	/* Exact beats FROM->*, which beats *->TO, which beats *->*. */
	ns_path_faults_get(p, NS_ENT_SMPP, NS_ENT_SUBSCRIBER, &f);
	assert_int_equal(f.delay_ms, 0);
	ns_path_faults_get(p, NS_ENT_SMPP, NS_ENT_MODEM, &f);
	assert_int_equal(f.delay_ms, 200);
	assert_int_equal(f.loss_pct, 30);
	ns_path_faults_get(p, NS_ENT_SUBSCRIBER, NS_ENT_SUBSCRIBER, &f);
	assert_int_equal(f.delay_ms, 100);
	assert_int_equal(f.loss_pct, 0);

	assert_int_not_equal(ns_path_fault_set(p, "phone->modem.delay_ms", "1",
	    err, sizeof(err)), 0);
	assert_non_null(strstr(err, "unknown path"));
	assert_int_not_equal(ns_path_fault_set(p, "*->*.loss_pct", "101", err,
	    sizeof(err)), 0);
	assert_int_not_equal(ns_path_fault_set(p, "*->*.speed", "1", err,
	    sizeof(err)), 0);
	assert_int_not_equal(ns_path_fault_set(p, "modem.delay_ms", "1", err,
	    sizeof(err)), 0);
	assert_int_not_equal(ns_path_fault_set(p, "*->*.delay_ms", "-1", err,
	    sizeof(err)), 0);
}

static void
test_modem_faults(void **state)
{
	struct ns_modem_faults f;
	char err[200];

	(void)state;
	memset(&f, 0, sizeof(f));
	assert_int_equal(ns_modem_fault_set(&f, "cms_error_codes",
	    "500, 512,330", err, sizeof(err)), 0);
	assert_int_equal(f.ncms_codes, 3);
	assert_int_equal(f.cms_codes[1], 512);
	assert_int_equal(ns_modem_fault_set(&f, "hang", "yes", err,
	    sizeof(err)), 0);
	assert_true(f.hang);
	assert_int_equal(ns_modem_fault_set(&f, "sim_busy_ms", "1500", err,
	    sizeof(err)), 0);
	assert_int_equal(f.sim_busy_ms, 1500);
	/* A bad list leaves the old one. */
	assert_int_not_equal(ns_modem_fault_set(&f, "cms_error_codes",
	    "500,x", err, sizeof(err)), 0);
	assert_int_equal(f.ncms_codes, 3);
	assert_int_not_equal(ns_modem_fault_set(&f, "cms_error_codes",
	    "1,2,3,4,5,6,7,8,9", err, sizeof(err)), 0);
	assert_int_not_equal(ns_modem_fault_set(&f, "hang", "maybe", err,
	    sizeof(err)), 0);
	assert_int_not_equal(ns_modem_fault_set(&f, "fly", "1", err,
	    sizeof(err)), 0);
	assert_int_not_equal(ns_modem_fault_set(&f, "cms_error_pct", "100x",
	    err, sizeof(err)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_at_line_vectors),
		cmocka_unit_test(test_at_line_too_long),
		cmocka_unit_test(test_at_params),
		cmocka_unit_test(test_input_lines),
		cmocka_unit_test(test_input_pdu),
		cmocka_unit_test(test_sub_lines),
		cmocka_unit_test(test_path_faults),
		cmocka_unit_test(test_modem_faults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
