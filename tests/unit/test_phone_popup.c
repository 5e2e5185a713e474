/*
 * test_phone_popup.c - stkauth-phone's pop-ups: proactive command ->
 * pop-up (against the decodes of tests/vectors/cat/proactive.txt),
 * answer -> TERMINAL RESPONSE (tests/vectors/phone/popup.txt), the
 * automatic user, the ANSWER syntax, the STATUS line and the dialog.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bytes.h"
#include "cat.h"
#include "err.h"
#include "hex.h"
#include "phone.h"
#include "support_vectors.h"

static struct stk_cat_proactive cmd;
static struct phone_popup pp;

static void
load_popup(const struct vec_case *vc)
{
	uint8_t *in;
	size_t n;

	in = vec_hex(vc, "cmd", &n);
	assert_int_equal(stk_cat_proactive_decode(in, n, &cmd, NULL), 0);
	assert_int_equal(phone_popup_from_cmd(&cmd, &pp), 0);
	free(in);
}

static void
test_answer_vectors(void **state)
{
	struct vec_file *vf = vec_load("tests/vectors/phone/popup.txt");
	static struct stk_cat_terminal_response tr;
	struct phone_answer a;
	struct stk_buf b;
	const char *why, *err;
	char got[600];
	size_t i;
	int r;

	(void)state;
	assert_true(vf->ncases >= 20);
	for (i = 0; i < vf->ncases; i++) {
		const struct vec_case *vc = &vf->cases[i];
		const char *name = vec_need(vc, "name");

		load_popup(vc);
		assert_int_equal(phone_answer_parse(vec_need(vc, "answer"), &a),
		    0);
		r = phone_popup_response(&pp, &a, &tr, &why);
		if ((err = vec_get(vc, "error")) != NULL) {
			if (r == 0 || strcmp(stk_errname(r), err) != 0)
				fail_msg("%s: %s", name, stk_errname(r));
			assert_non_null(why);
			continue;
		}
		if (r != 0)
			fail_msg("%s: %s (%s)", name, stk_errname(r), why);
		stk_buf_init(&b);
		assert_int_equal(stk_cat_tr_encode(&tr, &b), 0);
		stk_hex_format(got, stk_buf_data(&b), stk_buf_len(&b), 1);
		{
			/* expected hex with the spaces of continuation lines */
			char want[600];
			const char *w = vec_need(vc, "tr");
			size_t k = 0;

			for (; *w != '\0' && k + 1 < sizeof(want); w++)
				if (*w != ' ')
					want[k++] = *w;
			want[k] = '\0';
			if (strcmp(got, want) != 0)
				fail_msg("%s: TR %s, expected %s", name, got,
				    want);
		}
		stk_buf_free(&b);
	}
	vec_free(vf);
}

/* A vector text: "..." keeps its spaces; the quotes are not part of it. */
static void
assert_text(const char *got, const char *v)
{
	size_t n = strlen(v);

	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		assert_int_equal(strlen(got), n - 2);
		assert_memory_equal(got, v + 1, n - 2);
	} else {
		assert_string_equal(got, v);
	}
}

/* The pop-up shows what the independent decodes say the command holds. */
static void
test_popup_from_conformance_commands(void **state)
{
	struct vec_file *vf = vec_load("tests/vectors/cat/proactive.txt");
	size_t i, k, seen = 0;
	char items[4096];

	(void)state;
	for (i = 0; i < vf->ncases; i++) {
		const struct vec_case *vc = &vf->cases[i];
		const char *v, *name = vec_need(vc, "name");
		unsigned long type;
		uint8_t *in;
		size_t n;
		int r;

		if (vec_get(vc, "error") != NULL)
			continue;
		type = strtoul(vec_need(vc, "type"), NULL, 16);
		in = vec_hex(vc, "hex", &n);
		assert_int_equal(stk_cat_proactive_decode(in, n, &cmd, NULL),
		    0);
		free(in);
		r = phone_popup_from_cmd(&cmd, &pp);
		if (type != 0x21 && type != 0x23 && type != 0x24) {
			/* SET UP MENU, SEND SHORT MESSAGE, ...: no pop-up */
			assert_int_equal(r, STK_E_UNSUPPORTED);
			assert_int_equal(pp.kind, PHONE_POPUP_NONE);
			continue;
		}
		assert_int_equal(r, 0);
		seen++;
		assert_int_equal(pp.cmd.type, type);
		if ((v = vec_get(vc, "text")) != NULL)
			assert_text(pp.text, v);
		if ((v = vec_get(vc, "alpha")) != NULL)
			assert_text(pp.title, v);
		if ((v = vec_get(vc, "default_text")) != NULL)
			assert_string_equal(pp.default_text, v);
		if ((v = vec_get(vc, "response")) != NULL) {
			char want[16];

			snprintf(want, sizeof(want), "%u-%u", pp.min_len,
			    pp.max_len);
			if (strcmp(want, v) != 0)
				fail_msg("%s: response %s", name, want);
		}
		if ((v = vec_get(vc, "default_item")) != NULL) {
			assert_true(pp.has_default_item);
			assert_int_equal(pp.default_item, strtoul(v, NULL, 10));
		}
		if ((v = vec_get(vc, "items")) != NULL) {
			size_t o = 0;

			items[0] = '\0';
			for (k = 0; k < pp.nitems; k++)
				o += (size_t)snprintf(items + o,
				    sizeof(items) - o, "%s%u:%s",
				    k > 0 ? "|" : "", pp.items[k].id,
				    pp.items[k].text);
			if (strcmp(items, v) != 0)
				fail_msg("%s: items %s", name, items);
		}
		if (type == 0x21) {
			assert_int_equal(pp.wait_for_user,
			    (cmd.cmd.qualifier & 0x80) != 0);
			assert_int_equal(pp.immediate_response,
			    vec_get(vc, "immediate") != NULL);
		}
		if (type == 0x23) {
			assert_int_equal(pp.hidden,
			    (cmd.cmd.qualifier & 0x04) != 0);
			assert_int_equal(pp.digits_only,
			    (cmd.cmd.qualifier & 0x01) == 0);
		}
	}
	assert_true(seen >= 15);
	vec_free(vf);
}

/* Build a SELECT ITEM with these item texts (ids 1..n). */
static void
select_items(const char *const *texts, size_t n, int def)
{
	struct stk_buf b;
	size_t i;

	stk_cat_proactive_init(&cmd, 1, STK_CAT_CMD_SELECT_ITEM, 0);
	for (i = 0; i < n; i++) {
		cmd.items[i].id = (uint8_t)(i + 1);
		assert_int_equal(stk_cat_text_set(&cmd.items[i].text, texts[i],
		    strlen(texts[i]), STK_CAT_CODING_AUTO), 0);
	}
	cmd.nitems = n;
	if (def > 0) {
		cmd.has_default_item = true;
		cmd.default_item = (uint8_t)def;
	}
	stk_buf_init(&b);
	assert_int_equal(stk_cat_proactive_encode(&cmd, &b), 0);
	assert_int_equal(stk_cat_proactive_decode(stk_buf_data(&b),
	    stk_buf_len(&b), &cmd, NULL), 0);
	assert_int_equal(phone_popup_from_cmd(&cmd, &pp), 0);
	stk_buf_free(&b);
}

static void
test_auto_answers(void **state)
{
	static const char *const cr[] = { "Reject", "Confirm" };
	static const char *const yn[] = { "1. Yes", "2. No" };
	static const char *const other[] = { "Blue", "Green" };
	static const char *const ui[] = { "Accept login", "Decline" };
	struct phone_answer a;

	(void)state;
	select_items(cr, 2, 0);
	assert_int_equal(phone_auto_answer(&pp, true, NULL, &a), 0);
	assert_int_equal(a.kind, PHONE_ANS_ITEM);
	assert_int_equal(a.item, 2);
	assert_int_equal(phone_auto_answer(&pp, false, NULL, &a), 0);
	assert_int_equal(a.kind, PHONE_ANS_ITEM);
	assert_int_equal(a.item, 1);

	select_items(yn, 2, 0);
	assert_int_equal(phone_auto_answer(&pp, true, NULL, &a), 0);
	assert_int_equal(a.item, 1);
	assert_int_equal(phone_auto_answer(&pp, false, NULL, &a), 0);
	assert_int_equal(a.item, 2);

	/* Nothing reads like yes or no: the default (else the first) item
	 * confirms, and rejecting ends the session. */
	select_items(other, 2, 2);
	assert_int_equal(phone_auto_answer(&pp, true, NULL, &a), 0);
	assert_int_equal(a.item, 2);
	assert_int_equal(phone_auto_answer(&pp, false, NULL, &a), 0);
	assert_int_equal(a.kind, PHONE_ANS_REJECT);

	select_items(ui, 2, 0);
	assert_int_equal(phone_auto_answer(&pp, true, NULL, &a), 0);
	assert_int_equal(a.item, 1);
	assert_int_equal(phone_auto_answer(&pp, false, NULL, &a), 0);
	assert_int_equal(a.item, 2);

	/* GET INPUT: the PIN given with --pin. */
	stk_cat_proactive_init(&cmd, 3, STK_CAT_CMD_GET_INPUT,
	    STK_CAT_GI_HIDDEN);
	cmd.text.present = true;
	assert_int_equal(phone_popup_from_cmd(&cmd, &pp), 0);
	assert_int_equal(phone_auto_answer(&pp, true, "4321", &a), 0);
	assert_int_equal(a.kind, PHONE_ANS_INPUT);
	assert_string_equal(a.input, "4321");
	assert_int_equal(phone_auto_answer(&pp, false, "4321", &a), 0);
	assert_int_equal(a.kind, PHONE_ANS_REJECT);

	/* DISPLAY TEXT: OK / End. */
	stk_cat_proactive_init(&cmd, 4, STK_CAT_CMD_DISPLAY_TEXT, 0x80);
	assert_int_equal(phone_popup_from_cmd(&cmd, &pp), 0);
	assert_int_equal(phone_auto_answer(&pp, true, NULL, &a), 0);
	assert_int_equal(a.kind, PHONE_ANS_CONFIRM);
}

static void
test_answer_syntax(void **state)
{
	static const char *const bad[] = {
		"", "yes", "item", "item ", "item 0", "item 256", "item x",
		"item 1x", "item -1", "CONFIRM", "confirm ", "inputx",
	};
	struct phone_answer a;
	char long_input[PHONE_INPUT_MAX + 8];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (phone_answer_parse(bad[i], &a) != STK_E_INVALID)
			fail_msg("accepted \"%s\"", bad[i]);
	assert_int_equal(phone_answer_parse("item 255", &a), 0);
	assert_int_equal(a.kind, PHONE_ANS_ITEM);
	assert_int_equal(a.item, 255);
	assert_int_equal(phone_answer_parse("input  a b", &a), 0);
	assert_int_equal(a.kind, PHONE_ANS_INPUT);
	assert_string_equal(a.input, " a b");
	assert_int_equal(phone_answer_parse("input", &a), 0);
	assert_string_equal(a.input, "");
	assert_int_equal(phone_answer_parse("timeout", &a), 0);
	assert_int_equal(a.kind, PHONE_ANS_NO_RESPONSE);
	memset(long_input, 'x', sizeof(long_input) - 1);
	long_input[sizeof(long_input) - 1] = '\0';
	memcpy(long_input, "input ", 6);
	assert_int_equal(phone_answer_parse(long_input, &a), STK_E_TOO_LONG);
}

static void
test_status_line(void **state)
{
	static const char *const items[] = { "Confirm \"login\"", "Reject" };
	struct stk_cat_terminal_response tr;
	struct phone_answer a = { .kind = PHONE_ANS_CONFIRM };
	char out[1024], small[24];

	(void)state;
	select_items(items, 2, 1);
	assert_int_equal(stk_cat_text_set(&cmd.alpha, "Bank\nLogin", 10,
	    STK_CAT_CODING_AUTO), 0);
	assert_int_equal(phone_popup_from_cmd(&cmd, &pp), 0);
	assert_int_equal(phone_popup_status(&pp, out, sizeof(out)), 0);
	assert_string_equal(out, "select-item cmd=1 title=\"Bank\\nLogin\" "
	    "text=\"\" items=\"01:Confirm \\\"login\\\"|02:Reject\" "
	    "default=01");
	assert_int_equal(phone_popup_status(&pp, small, sizeof(small)),
	    STK_E_NOSPACE);
	assert_int_equal(strlen(small), sizeof(small) - 1);

	stk_cat_proactive_init(&cmd, 7, STK_CAT_CMD_GET_INPUT,
	    STK_CAT_GI_HIDDEN);
	assert_int_equal(stk_cat_text_set(&cmd.text, "Enter PIN", 9,
	    STK_CAT_CODING_AUTO), 0);
	cmd.resp_min = 4;
	cmd.resp_max = 8;
	assert_int_equal(phone_popup_from_cmd(&cmd, &pp), 0);
	assert_int_equal(phone_popup_status(&pp, out, sizeof(out)), 0);
	assert_string_equal(out, "get-input cmd=7 title=\"\" "
	    "text=\"Enter PIN\" input=4-8,digits,hidden");

	memset(&pp, 0, sizeof(pp));
	assert_int_equal(phone_popup_status(&pp, out, sizeof(out)), 0);
	assert_string_equal(out, "NONE");
	assert_int_equal(phone_popup_response(&pp, &a, &tr, NULL),
	    STK_E_STATE);
}

static void
test_dialog(void **state)
{
	static const char *const items[] = { "Confirm", "Reject" };
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0, nlines = 0;
	FILE *f;

	(void)state;
	select_items(items, 2, 0);
	assert_int_equal(stk_cat_text_set(&cmd.alpha, "Example Bank", 12,
	    STK_CAT_CODING_AUTO), 0);
	assert_int_equal(phone_popup_from_cmd(&cmd, &pp), 0);
	strcpy(pp.text, "Ticket 4711: is this the code shown on the login "
	    "page of Example Bank?");
	assert_non_null(f = open_memstream(&buf, &len));
	phone_popup_render(&pp, f, 30);
	fclose(f);
	assert_non_null(strstr(buf, "| Example Bank"));
	assert_non_null(strstr(buf, "   1) Confirm"));
	assert_non_null(strstr(buf, "   2) Reject"));
	/* Every line is 34 columns: "| " + 30 + " |" or the rule. */
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save), nlines++)
		if (strlen(line) != 34)
			fail_msg("line \"%s\"", line);
	assert_true(nlines >= 9);
	free(buf);
}

static void
test_quote(void **state)
{
	char out[64], tiny[4];

	(void)state;
	phone_quote("a\"b\\c\nd\te\x01", out, sizeof(out));
	assert_string_equal(out, "\"a\\\"b\\\\c\\nd\\te?\"");
	phone_quote("abcdef", tiny, sizeof(tiny));
	assert_string_equal(tiny, "\"\"");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer_vectors),
		cmocka_unit_test(test_popup_from_conformance_commands),
		cmocka_unit_test(test_auto_answers),
		cmocka_unit_test(test_answer_syntax),
		cmocka_unit_test(test_status_line),
		cmocka_unit_test(test_dialog),
		cmocka_unit_test(test_quote),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
