/*
 * test_cat.c - CAT (TS 102 223 / TS 31.111): proactive commands, envelopes,
 * terminal responses, texts and the terminal profile, from the vector files
 * in tests/vectors/cat/ plus builder tests.
 *
 * With STKAUTH_CAT_DUMP=FILE set, every positive vector's re-encoding by
 * our encoder is written to FILE (one tab-separated record a line, with the
 * expectations of the vector file) for tests/sh/test_tshark_cat.sh, which
 * feeds the bytes to Wireshark's independent etsi_cat dissector.
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
#include "sms_addr.h"
#include "support_vectors.h"
#include "tlv.h"

static FILE *dump;

/* ---- helpers -------------------------------------------------------- */

static int
err_by_name(const char *name)
{
	for (int e = 0; e >= -64; e--)
		if (strcmp(stk_errname(e), name) == 0)
			return e;
	fail_msg("unknown error name %s", name);
	return 1;
}

/* The value of key with surrounding double quotes removed (static buf). */
static const char *
text_value(const struct vec_case *vc, const char *key)
{
	static char buf[2048];
	const char *v = vec_get(vc, key);
	size_t n;

	if (v == NULL)
		return NULL;
	n = strlen(v);
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		assert_true(n - 2 < sizeof(buf));
		memcpy(buf, v + 1, n - 2);
		buf[n - 2] = '\0';
		return buf;
	}
	return v;
}

static unsigned
hexnum(const char *v)
{
	return (unsigned)strtoul(v, NULL, 16);
}

static bool
yes(const struct vec_case *vc, const char *key)
{
	const char *v = vec_get(vc, key);
	return v != NULL && strcmp(v, "yes") == 0;
}

/* Input bytes of a case; "" is the empty input. */
static uint8_t *
case_input(const struct vec_case *vc, size_t *len)
{
	const char *h = vec_need(vc, "hex");

	if (strcmp(h, "\"\"") == 0) {
		*len = 0;
		return calloc(1, 1);
	}
	return vec_hex(vc, "hex", len);
}

static void
assert_text(const struct stk_cat_text *t, const char *want, const char *name)
{
	if (!t->present || strcmp(t->utf8, want) != 0)
		fail_msg("%s: text \"%s\" (present %d), want \"%s\"", name,
		    t->utf8, t->present, want);
}

static void
assert_hex_equal(const uint8_t *p, size_t n, const uint8_t *want,
    size_t wlen, const char *name)
{
	if (n != wlen || memcmp(p, want, n) != 0) {
		char *a = stk_hex_string(p, n, 1), *b = stk_hex_string(want,
		    wlen, 1);
		fail_msg("%s: got %s want %s", name, a, b);
		free(a);
		free(b);
	}
}

static void
check_error(int r, const struct stk_diag *d, const struct vec_case *vc,
    const char *name)
{
	const char *field = vec_get(vc, "field");
	int want = err_by_name(vec_get(vc, "error"));

	if (r != want)
		fail_msg("%s: got %s, want %s (field %s)", name,
		    stk_errname(r), stk_errname(want),
		    d->field != NULL ? d->field : "-");
	assert_int_equal(d->err, want);
	if (field != NULL && (d->field == NULL || strcmp(d->field, field)))
		fail_msg("%s: field \"%s\", want \"%s\"", name,
		    d->field != NULL ? d->field : "(none)", field);
}

/*
 * After a decode: true when the case expects success and got it; false
 * when it expects an error, which is then checked (the caller skips the
 * rest of the case).  An unexpected failure fails the test.
 */
static bool
decoded_as_expected(int r, const struct stk_diag *d,
    const struct vec_case *vc, const char *name)
{
	if (vec_get(vc, "error") != NULL) {
		check_error(r, d, vc, name);
		return false;
	}
	if (r != STK_OK) {
		char msg[160];
		fail_msg("%s: %s", name, stk_diag_format(d, msg, sizeof(msg)));
	}
	return true;
}

/* A decimal count the case gives, 0 when it gives none. */
static unsigned long
count_of(const struct vec_case *vc, const char *key)
{
	const char *v = vec_get(vc, key);

	return v != NULL ? strtoul(v, NULL, 10) : 0;
}

/* The command details the case gives (number, type, qualifier). */
static void
check_cmd_details(const struct vec_case *vc,
    const struct stk_cat_cmd_details *cd)
{
	const char *v;

	if ((v = vec_get(vc, "number")) != NULL)
		assert_int_equal(cd->number, hexnum(v));
	if ((v = vec_get(vc, "type")) != NULL)
		assert_int_equal(cd->type, hexnum(v));
	if ((v = vec_get(vc, "qualifier")) != NULL)
		assert_int_equal(cd->qualifier, hexnum(v));
}

/* The address the case gives, as text; false when it gives none. */
static bool
check_address(const struct vec_case *vc, const struct stk_cat_address *a)
{
	const char *v = vec_get(vc, "address");
	char text[STK_ADDR_TEXT_MAX + 1];

	if (v == NULL)
		return false;
	assert_true(a->present);
	assert_int_equal(stk_sms_addr_to_text(&a->addr, text, sizeof(text)),
	    0);
	assert_string_equal(text, v);
	return true;
}

/* The SMS TPDU the case gives, if any. */
static void
check_tpdu(const struct vec_case *vc, const uint8_t *tpdu, size_t len,
    const char *name)
{
	size_t tl;
	uint8_t *t;

	if (vec_get(vc, "tpdu") == NULL)
		return;
	t = vec_hex(vc, "tpdu", &tl);
	assert_hex_equal(tpdu, len, t, tl, name);
	free(t);
}

/* Load a vector file, require at least min cases, check each. */
static void
run_vectors(const char *path, size_t min,
    void (*check)(const struct vec_case *))
{
	struct vec_file *vf = vec_load(path);

	assert_true(vf->ncases >= min);
	for (size_t i = 0; i < vf->ncases; i++)
		check(&vf->cases[i]);
	vec_free(vf);
}

static bool
text_same(const struct stk_cat_text *a, const struct stk_cat_text *b)
{
	if (a->present != b->present)
		return false;
	if (!a->present)
		return true;
	return a->coding == b->coding && a->len == b->len &&
	    memcmp(a->utf8, b->utf8, a->len) == 0;
}

static void
dump_field(const char *key, const char *value)
{
	if (dump != NULL && value != NULL)
		fprintf(dump, "\t%s=%s", key, value);
}

/* An octet field of the dump, as 0x%02x. */
static void
dump_octet(const char *key, unsigned v)
{
	char num[8];

	snprintf(num, sizeof(num), "0x%02x", v);
	dump_field(key, num);
}

/* kind, name, our bytes and the BER value (what etsi_cat dissects). */
static void
dump_begin(const char *kind, const char *name, const uint8_t *p, size_t n,
    bool ber)
{
	struct stk_tlv t;
	char *h, *inner;

	if (dump == NULL)
		return;
	h = stk_hex_string(p, n, 1);
	if (ber) {
		assert_int_equal(stk_ber_tlv_parse_one(p, n, 0, &t, NULL), 0);
		inner = stk_hex_string(stk_cur_data(&t.value),
		    stk_cur_len(&t.value), 1);
	} else {
		inner = stk_hex_string(p, n, 1);
	}
	fprintf(dump, "kind=%s\tname=%s\thex=%s\tinner=%s", kind, name, h,
	    inner);
	free(h);
	free(inner);
}

static void
dump_end(void)
{
	if (dump != NULL)
		fputc('\n', dump);
}

/* ---- proactive commands ----------------------------------------------- */

static void
check_items(const struct stk_cat_proactive *p, const char *spec,
    const char *name)
{
	char *copy = strdup(spec), *save = NULL, *tok;
	size_t i = 0;

	for (tok = strtok_r(copy, "|", &save); tok != NULL;
	    tok = strtok_r(NULL, "|", &save), i++) {
		char *colon = strchr(tok, ':');

		if (i >= p->nitems)
			fail_msg("%s: only %zu items", name, p->nitems);
		if (strcmp(tok, "null") == 0) {
			assert_true(p->items[i].null_item);
			continue;
		}
		assert_non_null(colon);
		*colon = '\0';
		assert_false(p->items[i].null_item);
		assert_int_equal(p->items[i].id, strtoul(tok, NULL, 10));
		assert_text(&p->items[i].text, colon + 1, name);
	}
	assert_int_equal(i, p->nitems);
	free(copy);
}

static void
proactive_same(const struct stk_cat_proactive *a,
    const struct stk_cat_proactive *b, const char *name)
{
	bool same = memcmp(&a->cmd, &b->cmd, sizeof(a->cmd)) == 0 &&
	    memcmp(&a->dev, &b->dev, sizeof(a->dev)) == 0 &&
	    text_same(&a->text, &b->text) && text_same(&a->alpha, &b->alpha) &&
	    text_same(&a->default_text, &b->default_text) &&
	    a->icon.present == b->icon.present &&
	    a->icon.qualifier == b->icon.qualifier &&
	    a->icon.record == b->icon.record &&
	    a->immediate_response == b->immediate_response &&
	    a->duration.present == b->duration.present &&
	    a->duration.unit == b->duration.unit &&
	    a->duration.interval == b->duration.interval &&
	    a->has_response_length == b->has_response_length &&
	    a->resp_min == b->resp_min && a->resp_max == b->resp_max &&
	    a->nitems == b->nitems &&
	    a->has_default_item == b->has_default_item &&
	    a->default_item == b->default_item &&
	    a->address.present == b->address.present &&
	    (!a->address.present ||
	    stk_sms_addr_equal(&a->address.addr, &b->address.addr)) &&
	    a->tpdu_len == b->tpdu_len &&
	    (a->tpdu_len == 0 || memcmp(a->tpdu, b->tpdu, a->tpdu_len) == 0);

	for (size_t i = 0; same && i < a->nitems; i++)
		same = a->items[i].null_item == b->items[i].null_item &&
		    a->items[i].id == b->items[i].id &&
		    text_same(&a->items[i].text, &b->items[i].text);
	if (!same)
		fail_msg("%s: decode(encode(decode(x))) differs", name);
}

static void
check_proactive_case(const struct vec_case *vc)
{
	const char *name = vec_need(vc, "name"), *v;
	struct stk_cat_proactive *p = malloc(sizeof(*p));
	struct stk_cat_proactive *q = malloc(sizeof(*q));
	struct stk_diag d;
	struct stk_buf b;
	uint8_t *in;
	size_t len;
	int r;

	assert_non_null(p);
	assert_non_null(q);
	in = case_input(vc, &len);
	stk_diag_clear(&d);
	r = stk_cat_proactive_decode(in, len, p, &d);
	if (!decoded_as_expected(r, &d, vc, name))
		goto out;
	check_cmd_details(vc, &p->cmd);
	assert_int_equal(p->dev.source, STK_CAT_DEV_UICC);
	if ((v = vec_get(vc, "dest")) != NULL)
		assert_int_equal(p->dev.dest, hexnum(v));
	if ((v = vec_get(vc, "known")) != NULL)
		assert_int_equal(p->known, strcmp(v, "yes") == 0);
	if ((v = text_value(vc, "text")) != NULL)
		assert_text(&p->text, v, name);
	if ((v = vec_get(vc, "text_dcs")) != NULL)
		assert_int_equal(p->text.coding, (int)hexnum(v));
	if ((v = text_value(vc, "alpha")) != NULL)
		assert_text(&p->alpha, v, name);
	if ((v = vec_get(vc, "alpha_coding")) != NULL)
		assert_int_equal(p->alpha.coding, strcmp(v, "null") == 0 ?
		    STK_CAT_CODING_NULL : (int)hexnum(v));
	if ((v = text_value(vc, "default_text")) != NULL)
		assert_text(&p->default_text, v, name);
	if ((v = vec_get(vc, "items")) != NULL)
		check_items(p, v, name);
	if ((v = vec_get(vc, "default_item")) != NULL) {
		assert_true(p->has_default_item);
		assert_int_equal(p->default_item, strtoul(v, NULL, 10));
	}
	if ((v = vec_get(vc, "response")) != NULL) {
		unsigned lo, hi;
		assert_int_equal(sscanf(v, "%u-%u", &lo, &hi), 2);
		assert_true(p->has_response_length);
		assert_int_equal(p->resp_min, lo);
		assert_int_equal(p->resp_max, hi);
	}
	if ((v = vec_get(vc, "duration")) != NULL) {
		unsigned u, i;
		assert_int_equal(sscanf(v, "%x/%x", &u, &i), 2);
		assert_true(p->duration.present);
		assert_int_equal(p->duration.unit, u);
		assert_int_equal(p->duration.interval, i);
	}
	if ((v = vec_get(vc, "icon")) != NULL) {
		unsigned qq, rec;
		assert_int_equal(sscanf(v, "%x/%x", &qq, &rec), 2);
		assert_true(p->icon.present);
		assert_int_equal(p->icon.qualifier, qq);
		assert_int_equal(p->icon.record, rec);
	}
	assert_int_equal(p->immediate_response, yes(vc, "immediate"));
	(void)check_address(vc, &p->address);
	check_tpdu(vc, p->tpdu, p->tpdu_len, name);
	assert_int_equal(p->nunknown, count_of(vc, "unknown"));
	assert_int_equal(p->unknown_cr, yes(vc, "unknown_cr"));

	if (!p->known)
		goto out;
	/* re-encode: canonical inputs come back byte for byte, all others
	 * at least decode to the same command */
	stk_buf_init(&b);
	r = stk_cat_proactive_encode(p, &b);
	if (r != STK_OK)
		fail_msg("%s: encode: %s", name, stk_errname(r));
	if (yes(vc, "canonical"))
		assert_hex_equal(stk_buf_data(&b), stk_buf_len(&b), in, len,
		    name);
	assert_int_equal(stk_cat_proactive_decode(stk_buf_data(&b),
	    stk_buf_len(&b), q, NULL), 0);
	proactive_same(p, q, name);

	dump_begin("proactive", name, stk_buf_data(&b), stk_buf_len(&b), true);
	dump_octet("type", p->cmd.type);
	dump_octet("qualifier", p->cmd.qualifier);
	dump_octet("dest", p->dev.dest);
	dump_field("text", text_value(vc, "text"));
	dump_field("alpha", text_value(vc, "alpha"));
	dump_field("items", vec_get(vc, "items"));
	dump_field("address", vec_get(vc, "address"));
	dump_field("response", vec_get(vc, "response"));
	dump_field("duration", vec_get(vc, "duration"));
	dump_field("alpha_coding", vec_get(vc, "alpha_coding"));
	dump_field("text_dcs", vec_get(vc, "text_dcs"));
	dump_end();
	stk_buf_free(&b);
out:
	free(in);
	free(p);
	free(q);
}

static void
test_proactive_vectors(void **state)
{
	(void)state;
	run_vectors("tests/vectors/cat/proactive.txt", 60,
	    check_proactive_case);
}

/* ---- envelopes -------------------------------------------------------- */

static void
check_envelope_case(const struct vec_case *vc)
{
	const char *name = vec_need(vc, "name"), *v;
	struct stk_cat_envelope *e = malloc(sizeof(*e));
	struct stk_diag d;
	struct stk_buf b;
	uint8_t *in;
	size_t len;
	int r;

	assert_non_null(e);
	in = case_input(vc, &len);
	stk_diag_clear(&d);
	r = stk_cat_envelope_decode(in, len, e, &d);
	if (!decoded_as_expected(r, &d, vc, name))
		goto out;
	assert_int_equal(e->tag, hexnum(vec_need(vc, "tag")));
	if ((v = vec_get(vc, "src")) != NULL)
		assert_int_equal(e->dev.source, hexnum(v));
	if ((v = vec_get(vc, "dest")) != NULL)
		assert_int_equal(e->dev.dest, hexnum(v));
	if ((v = vec_get(vc, "known")) != NULL)
		assert_int_equal(e->known, strcmp(v, "yes") == 0);
	if (!check_address(vc, &e->address))
		assert_false(e->address.present);
	check_tpdu(vc, e->tpdu, e->tpdu_len, name);
	if ((v = vec_get(vc, "item_id")) != NULL)
		assert_int_equal(e->item_id, strtoul(v, NULL, 10));
	assert_int_equal(e->help_request, yes(vc, "help"));
	assert_int_equal(e->nunknown, count_of(vc, "unknown"));
	assert_int_equal(e->unknown_cr, yes(vc, "unknown_cr"));
	if (!e->known)
		goto out;

	stk_buf_init(&b);
	if (e->tag == STK_CAT_BER_SMS_PP_DOWNLOAD)
		r = stk_cat_envelope_sms_pp(&b, e->address.present ?
		    &e->address.addr : NULL, e->tpdu, e->tpdu_len);
	else
		r = stk_cat_envelope_menu_selection(&b, e->item_id,
		    e->help_request);
	assert_int_equal(r, 0);
	if (yes(vc, "canonical"))
		assert_hex_equal(stk_buf_data(&b), stk_buf_len(&b), in, len,
		    name);
	dump_begin("envelope", name, stk_buf_data(&b), stk_buf_len(&b), true);
	dump_octet("src", e->dev.source);
	dump_octet("dest", e->dev.dest);
	dump_field("address", vec_get(vc, "address"));
	dump_field("item_id", vec_get(vc, "item_id"));
	dump_end();
	stk_buf_free(&b);
out:
	free(in);
	free(e);
}

static void
test_envelope_vectors(void **state)
{
	(void)state;
	run_vectors("tests/vectors/cat/envelope.txt", 10, check_envelope_case);
}

/* ---- terminal responses ------------------------------------------------ */

static void
check_tr_case(const struct vec_case *vc)
{
	const char *name = vec_need(vc, "name"), *v;
	struct stk_cat_terminal_response *tr = malloc(sizeof(*tr));
	struct stk_cat_terminal_response *tr2 = malloc(sizeof(*tr2));
	struct stk_diag d;
	struct stk_buf b;
	uint8_t *in;
	size_t len;
	int r;

	assert_non_null(tr);
	assert_non_null(tr2);
	in = case_input(vc, &len);
	stk_diag_clear(&d);
	r = stk_cat_tr_decode(in, len, tr, &d);
	if (!decoded_as_expected(r, &d, vc, name))
		goto out;
	check_cmd_details(vc, &tr->cmd);
	assert_int_equal(tr->result, hexnum(vec_need(vc, "result")));
	if (vec_get(vc, "add_info") != NULL) {
		size_t al;
		uint8_t *a = vec_hex(vc, "add_info", &al);
		assert_hex_equal(tr->add_info, tr->add_info_len, a, al, name);
		free(a);
	} else {
		assert_int_equal(tr->add_info_len, 0);
	}
	if ((v = text_value(vc, "text")) != NULL)
		assert_text(&tr->text, v, name);
	else
		assert_false(tr->text.present);
	if ((v = vec_get(vc, "text_dcs")) != NULL)
		assert_int_equal(tr->text.coding, (int)hexnum(v));
	if ((v = vec_get(vc, "item_id")) != NULL) {
		assert_true(tr->has_item_id);
		assert_int_equal(tr->item_id, strtoul(v, NULL, 10));
	}
	assert_int_equal(tr->nunknown, count_of(vc, "unknown"));

	stk_buf_init(&b);
	assert_int_equal(stk_cat_tr_encode(tr, &b), 0);
	if (yes(vc, "canonical"))
		assert_hex_equal(stk_buf_data(&b), stk_buf_len(&b), in, len,
		    name);
	assert_int_equal(stk_cat_tr_decode(stk_buf_data(&b), stk_buf_len(&b),
	    tr2, NULL), 0);
	assert_memory_equal(&tr->cmd, &tr2->cmd, sizeof(tr->cmd));
	assert_int_equal(tr->result, tr2->result);
	assert_int_equal(tr->add_info_len, tr2->add_info_len);
	assert_true(text_same(&tr->text, &tr2->text));
	assert_int_equal(tr->has_item_id, tr2->has_item_id);
	assert_int_equal(tr->item_id, tr2->item_id);

	dump_begin("tr", name, stk_buf_data(&b), stk_buf_len(&b), false);
	dump_octet("type", tr->cmd.type);
	dump_octet("result", tr->result);
	dump_field("text", text_value(vc, "text"));
	dump_field("item_id", vec_get(vc, "item_id"));
	dump_end();
	stk_buf_free(&b);
out:
	free(in);
	free(tr);
	free(tr2);
}

static void
test_tr_vectors(void **state)
{
	(void)state;
	run_vectors("tests/vectors/cat/terminal_response.txt", 15,
	    check_tr_case);
}

/* ---- builders ------------------------------------------------------------ */

static void
assert_buf_hex(const struct stk_buf *b, const char *hex)
{
	struct stk_buf want;

	stk_buf_init(&want);
	assert_int_equal(stk_hex_decode(hex, &want), 0);
	assert_hex_equal(b->data, b->len, want.data, want.len, hex);
	stk_buf_free(&want);
}

static void
test_build_display_text(void **state)
{
	struct stk_cat_proactive *p = malloc(sizeof(*p));
	struct stk_buf b;

	(void)state;
	stk_cat_proactive_init(p, 1, STK_CAT_CMD_DISPLAY_TEXT,
	    STK_CAT_DT_WAIT_FOR_USER);
	assert_int_equal(p->dev.dest, STK_CAT_DEV_DISPLAY);
	assert_int_equal(stk_cat_text_set(&p->text, "Toolkit Test 1", 14,
	    STK_CAT_CODING_AUTO), 0);
	stk_buf_init(&b);
	assert_int_equal(stk_cat_proactive_encode(p, &b), 0);
	/* TS 31.124 DISPLAY TEXT 1.1 (as in proactive.txt display_text_1) */
	assert_buf_hex(&b, "D01A8103012180820281028D0F04546F6F6C6B6974205465"
	    "73742031");

	/* AUTO picks UCS2 when the GSM alphabet cannot hold the text */
	stk_buf_reset(&b);
	assert_int_equal(stk_cat_text_set(&p->text, "\xe4\xbd\xa0\xe5\xa5\xbd",
	    6, STK_CAT_CODING_AUTO), 0);
	assert_int_equal(stk_cat_proactive_encode(p, &b), 0);
	assert_buf_hex(&b, "D0108103012180820281028D05084F60597D");

	/* an explicit 8-bit DCS with a non-GSM character is refused */
	stk_buf_reset(&b);
	assert_int_equal(stk_cat_text_set(&p->text, "\xe4\xbd\xa0", 3,
	    STK_CAT_DCS_8BIT), 0);
	assert_int_equal(stk_cat_proactive_encode(p, &b), STK_E_CHARSET);

	/* no text: mandatory object missing */
	stk_buf_reset(&b);
	p->text.present = false;
	assert_int_equal(stk_cat_proactive_encode(p, &b), STK_E_INVALID);

	/* a type this module does not build */
	stk_buf_reset(&b);
	stk_cat_proactive_init(p, 1, STK_CAT_CMD_PLAY_TONE, 0);
	assert_int_equal(stk_cat_proactive_encode(p, &b), STK_E_UNSUPPORTED);
	stk_buf_free(&b);
	free(p);
}

static void
test_build_get_input_and_select_item(void **state)
{
	struct stk_cat_proactive *p = malloc(sizeof(*p));
	struct stk_buf b;

	(void)state;
	stk_buf_init(&b);
	stk_cat_proactive_init(p, 1, STK_CAT_CMD_GET_INPUT, STK_CAT_GI_HIDDEN);
	assert_int_equal(stk_cat_text_set(&p->text, "Enter PIN", 9,
	    STK_CAT_CODING_AUTO), 0);
	p->has_response_length = true;
	p->resp_min = 4;
	p->resp_max = 8;
	assert_int_equal(stk_cat_proactive_encode(p, &b), 0);
	assert_buf_hex(&b, "D0198103012304820281828D0A04456E7465722050494E"
	    "91020408");
	p->resp_min = 9;
	stk_buf_reset(&b);
	assert_int_equal(stk_cat_proactive_encode(p, &b), STK_E_INVALID);

	/* SELECT ITEM 1.1 of TS 31.124 (proactive.txt select_item_1) */
	stk_cat_proactive_init(p, 1, STK_CAT_CMD_SELECT_ITEM, 0);
	assert_int_equal(stk_cat_text_set(&p->alpha, "Toolkit Select", 14,
	    STK_CAT_CODING_AUTO), 0);
	for (int i = 0; i < 4; i++) {
		char t[32];
		snprintf(t, sizeof(t), "Item %d", i + 1);
		p->items[i].id = (uint8_t)(i + 1);
		assert_int_equal(stk_cat_text_set(&p->items[i].text, t,
		    strlen(t), STK_CAT_CODING_AUTO), 0);
	}
	p->nitems = 4;
	stk_buf_reset(&b);
	assert_int_equal(stk_cat_proactive_encode(p, &b), 0);
	assert_buf_hex(&b, "D03D810301240082028182850E546F6F6C6B69742053656C"
	    "6563748F07014974656D20318F07024974656D20328F07034974656D2033"
	    "8F07044974656D2034");

	/* a null item is only allowed alone in SET UP MENU */
	p->items[1].null_item = true;
	stk_buf_reset(&b);
	assert_int_equal(stk_cat_proactive_encode(p, &b), STK_E_INVALID);

	/* too long: 255 octets is the limit of the BER value */
	stk_cat_proactive_init(p, 1, STK_CAT_CMD_SELECT_ITEM, 0);
	for (int i = 0; i < 10; i++) {
		char t[40];
		memset(t, 'x', 30);
		p->items[i].id = (uint8_t)(i + 1);
		assert_int_equal(stk_cat_text_set(&p->items[i].text, t, 30,
		    STK_CAT_CODING_AUTO), 0);
	}
	p->nitems = 10;
	stk_buf_reset(&b);
	assert_int_equal(stk_cat_proactive_encode(p, &b), STK_E_TOO_LONG);
	stk_buf_free(&b);
	free(p);
}

static void
test_build_envelopes_and_responses(void **state)
{
	struct stk_cat_terminal_response *tr = malloc(sizeof(*tr));
	struct stk_cat_cmd_details cd = { 1, STK_CAT_CMD_SELECT_ITEM, 0 };
	struct stk_sms_addr sc;
	struct stk_buf b;
	static const uint8_t tpdu[] = { 0x00 };

	(void)state;
	stk_buf_init(&b);
	assert_int_equal(stk_sms_addr_set_digits(&sc, STK_TON_INTERNATIONAL,
	    STK_NPI_ISDN, "112233445566778"), 0);
	assert_int_equal(stk_cat_envelope_sms_pp(&b, &sc, tpdu, 1), 0);
	assert_buf_hex(&b, "D1128202838186099111223344556677F88B0100");
	stk_buf_reset(&b);
	assert_int_equal(stk_cat_envelope_menu_selection(&b, 1, true), 0);
	assert_buf_hex(&b, "D309820201819001019500");
	stk_buf_reset(&b);
	assert_int_equal(stk_cat_envelope_menu_selection(&b, 0, false),
	    STK_E_ARG);

	stk_cat_tr_init(tr, &cd, STK_CAT_RES_OK);
	tr->has_item_id = true;
	tr->item_id = 2;
	stk_buf_reset(&b);
	assert_int_equal(stk_cat_tr_encode(tr, &b), 0);
	assert_buf_hex(&b, "810301240082028281830100900102");

	/* §8.12: 20 needs a cause */
	stk_cat_tr_init(tr, &cd, STK_CAT_RES_ME_UNABLE);
	stk_buf_reset(&b);
	assert_int_equal(stk_cat_tr_encode(tr, &b), STK_E_INVALID);
	tr->add_info[0] = 0x01;
	tr->add_info_len = 1;
	stk_buf_reset(&b);
	assert_int_equal(stk_cat_tr_encode(tr, &b), 0);
	assert_buf_hex(&b, "81030124008202828183022001");
	stk_buf_free(&b);
	free(tr);
}

/* ---- texts ------------------------------------------------------------- */

static void
text_roundtrip(const char *utf8, int coding, const char *want_hex)
{
	struct stk_cat_text t, back;
	struct stk_buf b;
	struct stk_cur c;

	stk_buf_init(&b);
	assert_int_equal(stk_cat_text_set(&t, utf8, strlen(utf8), coding), 0);
	assert_int_equal(stk_cat_text_string_encode(&t, &b), 0);
	assert_buf_hex(&b, want_hex);
	stk_cur_init(&c, b.data, b.len);
	assert_int_equal(stk_cat_text_string_decode(&c, &back, NULL), 0);
	assert_string_equal(back.utf8, utf8);
	stk_buf_free(&b);
}

static void
test_text_string_packing(void **state)
{
	(void)state;
	/* 7 septets leave 7 spare bits: CR padding (TS 23.038 §6.1.2.3.1) */
	text_roundtrip("1234567", STK_CAT_DCS_GSM7_PACKED,
	    "0031D98C56B3DD1A");
	/* 8 septets fill 7 octets exactly: no padding */
	text_roundtrip("12345678", STK_CAT_DCS_GSM7_PACKED,
	    "0031D98C56B3DD70");
	/* a wanted final CR on an octet boundary is doubled (§6.1.2.3.1):
	 * the receiver sees CR CR, which the standard defines as CR */
	{
		struct stk_cat_text t, back;
		struct stk_buf b;
		struct stk_cur c;

		stk_buf_init(&b);
		assert_int_equal(stk_cat_text_set(&t, "1234567\r", 8,
		    STK_CAT_DCS_GSM7_PACKED), 0);
		assert_int_equal(stk_cat_text_string_encode(&t, &b), 0);
		assert_buf_hex(&b, "0031D98C56B3DD1A0D");
		stk_cur_init(&c, b.data, b.len);
		assert_int_equal(stk_cat_text_string_decode(&c, &back, NULL),
		    0);
		assert_string_equal(back.utf8, "1234567\r\r");
		stk_buf_free(&b);
	}
	text_roundtrip("Toolkit Test 3", STK_CAT_DCS_GSM7_PACKED,
	    "00D4F79BBD4ED341D4F29C0E9A01");
	/* extension character: escape + code, 8-bit unpacked */
	text_roundtrip("\xe2\x82\xac" "5", STK_CAT_DCS_8BIT, "041B6535");
	text_roundtrip("", STK_CAT_DCS_UCS2, "08");
}

static void
test_text_null_and_errors(void **state)
{
	static const uint8_t reserved_compressed[] = { 0x24, 0x41 };
	struct stk_cat_text t;
	struct stk_buf b;
	struct stk_cur c;
	struct stk_diag d;

	(void)state;
	stk_cur_init(&c, NULL, 0);
	assert_int_equal(stk_cat_text_string_decode(&c, &t, NULL), 0);
	assert_true(t.present);
	assert_int_equal(t.coding, STK_CAT_CODING_NULL);
	assert_int_equal(t.len, 0);

	stk_buf_init(&b);
	assert_int_equal(stk_cat_text_string_encode(&t, &b), 0);
	assert_int_equal(b.len, 0);

	/* compressed DCS (bit 5) is not supported */
	stk_diag_clear(&d);
	stk_cur_init(&c, reserved_compressed, sizeof(reserved_compressed));
	assert_int_equal(stk_cat_text_string_decode(&c, &t, &d),
	    STK_E_UNSUPPORTED);
	assert_string_equal(d.field, "text string DCS");

	assert_int_equal(stk_cat_text_set(&t, "\xff", 1, STK_CAT_CODING_AUTO),
	    STK_E_INVALID);
	assert_int_equal(stk_cat_text_set(&t, "a", 1, STK_CAT_CODING_NULL),
	    STK_E_INVALID);
	assert_int_equal(stk_cat_text_set(&t, "a", 1, 0x100), STK_E_INVALID);
	stk_buf_free(&b);
}

static void
alpha_decode_hex(const char *hex, int want_coding, const char *want)
{
	struct stk_cat_text t;
	struct stk_buf b;
	struct stk_cur c;

	stk_buf_init(&b);
	assert_int_equal(stk_hex_decode(hex, &b), 0);
	stk_cur_init(&c, b.data, b.len);
	assert_int_equal(stk_cat_alpha_decode(&c, &t, NULL), 0);
	assert_int_equal(t.coding, want_coding);
	assert_string_equal(t.utf8, want);
	stk_buf_free(&b);
}

static void
test_alpha_forms(void **state)
{
	struct stk_cat_text t;
	struct stk_buf b;

	(void)state;
	/* EF ADN style FF padding (TS 102 221 annex A) */
	alpha_decode_hex("414243FFFF", STK_CAT_ALPHA_GSM, "ABC");
	alpha_decode_hex("8000410042FFFFFF", STK_CAT_ALPHA_UCS2_80, "AB");
	alpha_decode_hex("81020841 97FFFF", STK_CAT_ALPHA_UCS2_81,
	    "A\xd0\x97");
	/* GSM escape inside an 81 string reaches the extension table */
	alpha_decode_hex("8103081B6597", STK_CAT_ALPHA_UCS2_81,
	    "\xe2\x82\xac\xd0\x97");

	alpha_decode_hex("FFFF", STK_CAT_CODING_NULL, "");
	/* an extension character travels as escape + code in the 81 form */
	stk_buf_init(&b);
	assert_int_equal(stk_cat_text_set(&t, "\xe2\x82\xac\xd0\x97", 5,
	    STK_CAT_ALPHA_UCS2_81), 0);
	assert_int_equal(stk_cat_alpha_encode(&t, &b), 0);
	assert_buf_hex(&b, "8103081B6597");
	stk_buf_free(&b);

	/* 81 form needs all non-GSM characters in one 128-wide window */
	stk_buf_init(&b);
	assert_int_equal(stk_cat_text_set(&t, "\xd0\x97\xe4\xbd\xa0", 5,
	    STK_CAT_ALPHA_UCS2_81), 0);
	assert_int_equal(stk_cat_alpha_encode(&t, &b), STK_E_CHARSET);
	/* AUTO: GSM when possible, else form 80 */
	stk_buf_reset(&b);
	assert_int_equal(stk_cat_text_set(&t, "Hi", 2, STK_CAT_CODING_AUTO), 0);
	assert_int_equal(stk_cat_alpha_encode(&t, &b), 0);
	assert_buf_hex(&b, "4869");
	stk_buf_reset(&b);
	assert_int_equal(stk_cat_text_set(&t, "\xd0\x97", 2,
	    STK_CAT_CODING_AUTO), 0);
	assert_int_equal(stk_cat_alpha_encode(&t, &b), 0);
	assert_buf_hex(&b, "800417");
	stk_buf_free(&b);
}

/* ---- names and the terminal profile ------------------------------------- */

static void
test_names(void **state)
{
	char q[160];

	(void)state;
	assert_string_equal(stk_cat_cmd_name(0x21), "DISPLAY TEXT");
	assert_string_equal(stk_cat_cmd_name(0x13), "SEND SHORT MESSAGE");
	assert_null(stk_cat_cmd_name(0x99));
	assert_string_equal(stk_cat_tag_name(0x0d), "text string");
	assert_string_equal(stk_cat_ber_tag_name(0xd1), "SMS-PP download");
	assert_string_equal(stk_cat_device_name(0x81), "UICC");
	assert_string_equal(stk_cat_device_name(0x12),
	    "additional card reader 2");
	assert_string_equal(stk_cat_device_name(0x21), "channel 1");
	assert_null(stk_cat_device_name(0x20));
	assert_string_equal(stk_cat_result_name(0x35), "SMS RP-ERROR");
	assert_string_equal(stk_cat_result_name(0x22),
	    "user did not accept the proactive command");
	assert_true(stk_cat_result_needs_info(0x20));
	assert_true(stk_cat_result_needs_info(0x35));
	assert_false(stk_cat_result_needs_info(0x00));
	assert_false(stk_cat_result_needs_info(0x22));
	assert_string_equal(stk_cat_qualifier_describe(0x21, 0x81, q,
	    sizeof(q)), "high priority, wait for user to clear message");
	assert_string_equal(stk_cat_qualifier_describe(0x23, 0x04, q,
	    sizeof(q)), "digits (0-9, *, #, +) only, SMS default alphabet, "
	    "user input shall not be revealed, user input unpacked, "
	    "no help information available");
	assert_string_equal(stk_cat_qualifier_describe(0x13, 0x03, q,
	    sizeof(q)), "packing by the terminal required, RFU bits 0x02");
}

static void
test_terminal_profile(void **state)
{
	/* a profile as a real handset sends it (SIMtrace terminal_profile.py
	 * test "N1"): FFFFFFFF1F0000DFD7030A000000000600000000 */
	static const uint8_t n1[] = {
		0xff, 0xff, 0xff, 0xff, 0x1f, 0x00, 0x00, 0xdf, 0xd7, 0x03,
		0x0a, 0x00, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00,
	};
	uint8_t tp[3] = { 0, 0, 0 };
	size_t n;
	const struct stk_tp_entry *t = stk_tp_table(&n);
	char *buf = NULL;
	size_t buflen = 0;
	FILE *f;

	(void)state;
	assert_int_equal(n, STK_TP__COUNT);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(t[i].facility, i);
		assert_true(t[i].byte >= 1 && t[i].bit >= 1 && t[i].bit <= 8);
	}
	assert_true(stk_tp_has(n1, sizeof(n1), STK_TP_SMS_PP_DOWNLOAD));
	assert_true(stk_tp_has(n1, sizeof(n1), STK_TP_SELECT_ITEM));
	assert_true(stk_tp_has(n1, sizeof(n1), STK_TP_SET_UP_EVENT_LIST));
	assert_false(stk_tp_has(n1, sizeof(n1), STK_TP_EVENT_IDLE_SCREEN));
	assert_false(stk_tp_has(n1, sizeof(n1), STK_TP_OPEN_CHANNEL));
	assert_true(stk_tp_has(n1, sizeof(n1), STK_TP_SUSTAINED_DISPLAY_TEXT));
	assert_false(stk_tp_has(n1, 2, STK_TP_DISPLAY_TEXT));

	assert_int_equal(stk_tp_set(tp, sizeof(tp), STK_TP_DISPLAY_TEXT, true),
	    0);
	assert_int_equal(tp[2], 0x01);
	assert_int_equal(stk_tp_set(tp, sizeof(tp), STK_TP_GET_INPUT, true), 0);
	assert_int_equal(tp[2], 0x05);
	assert_int_equal(stk_tp_set(tp, sizeof(tp), STK_TP_DISPLAY_TEXT,
	    false), 0);
	assert_int_equal(tp[2], 0x04);
	assert_int_equal(stk_tp_set(tp, sizeof(tp), STK_TP_SELECT_ITEM, true),
	    STK_E_NOSPACE);
	assert_int_equal(stk_tp_set(tp, sizeof(tp), STK_TP__COUNT, true),
	    STK_E_ARG);

	f = open_memstream(&buf, &buflen);
	assert_non_null(f);
	assert_int_equal(stk_tp_print(f, tp, sizeof(tp)), 0);
	fclose(f);
	assert_non_null(strstr(buf,
	    "  byte 3 bit 3: proactive UICC: GET INPUT: yes\n"));
	assert_non_null(strstr(buf,
	    "  byte 1 bit 2: SMS-PP data download: no\n"));
	assert_null(strstr(buf, "byte 4"));
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proactive_vectors),
		cmocka_unit_test(test_envelope_vectors),
		cmocka_unit_test(test_tr_vectors),
		cmocka_unit_test(test_build_display_text),
		cmocka_unit_test(test_build_get_input_and_select_item),
		cmocka_unit_test(test_build_envelopes_and_responses),
		cmocka_unit_test(test_text_string_packing),
		cmocka_unit_test(test_text_null_and_errors),
		cmocka_unit_test(test_alpha_forms),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_terminal_profile),
	};
	const char *path = getenv("STKAUTH_CAT_DUMP");
	int r;

	if (path != NULL && (dump = fopen(path, "w")) == NULL) {
		perror(path);
		return 1;
	}
	r = cmocka_run_group_tests(tests, NULL, NULL);
	if (dump != NULL)
		fclose(dump);
	return r;
}
