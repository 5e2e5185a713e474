/*
 * test_tlv.c - BER-TLV and COMPREHENSION-TLV (lib/tlv.c) against
 * tests/vectors/tlv/.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <cmocka.h>

#include "bytes.h"
#include "err.h"
#include "tlv.h"
#include "support_vectors.h"

/* Proactive DISPLAY TEXT "Toolkit Test 1" (see tests/vectors/tlv/decode.txt). */
static const uint8_t display_text_1[] = {
	0xd0, 0x1a, 0x81, 0x03, 0x01, 0x21, 0x80, 0x82, 0x02, 0x81, 0x02,
	0x8d, 0x0f, 0x04, 'T', 'o', 'o', 'l', 'k', 'i', 't', ' ', 'T', 'e',
	's', 't', ' ', '1',
};

struct dump {
	char s[8192];
	size_t len;
};

static void
dump_add(struct dump *d, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(d->s + d->len, sizeof(d->s) - d->len, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof(d->s) - d->len);
	d->len += (size_t)n;
}

static void
dump_ctlv(struct dump *d, const struct stk_tlv *t)
{
	const uint8_t *p = stk_cur_data(&t->value);

	assert_true(t->comprehension);
	if (t->tag3)
		dump_add(d, "7F%04X", (unsigned)t->tag);
	else
		dump_add(d, "%02X", (unsigned)t->tag);
	dump_add(d, "%s/%zu=", t->cr ? "!" : "", stk_cur_len(&t->value));
	for (size_t i = 0; i < stk_cur_len(&t->value); i++)
		dump_add(d, "%02X", p[i]);
	dump_add(d, " ");
}

/* Decode input by kind into a dump; returns the error (dump partial). */
static int
decode_dump(const char *kind, const uint8_t *in, size_t len, struct dump *d,
    struct stk_diag *diag)
{
	struct stk_tlv_iter it, inner;
	struct stk_tlv t, c;
	struct stk_cur cur;
	bool ctlv = strcmp(kind, "ctlv") == 0;
	bool nested = strcmp(kind, "ber") == 0;
	int r;

	stk_cur_init(&cur, in, len);
	stk_tlv_iter_init(&it, &cur, ctlv);
	while ((r = stk_tlv_next(&it, &t, diag)) > 0) {
		if (ctlv) {
			dump_ctlv(d, &t);
			continue;
		}
		assert_false(t.comprehension);
		dump_add(d, "%02X/%zu ", (unsigned)t.tag,
		    stk_cur_len(&t.value));
		if (!nested)
			continue;
		dump_add(d, "( ");
		stk_tlv_iter_init(&inner, &t.value, true);
		while ((r = stk_tlv_next(&inner, &c, diag)) > 0)
			dump_ctlv(d, &c);
		if (r < 0)
			return r;
		dump_add(d, ") ");
	}
	return r;
}

/* Compare ignoring all whitespace (vector values wrap long hex). */
static bool
same_tokens(const char *a, const char *b)
{
	for (;;) {
		while (isspace((unsigned char)*a))
			a++;
		while (isspace((unsigned char)*b))
			b++;
		if (*a != *b)
			return false;
		if (*a == '\0')
			return true;
		a++, b++;
	}
}

static void
test_decode_vectors(void **state)
{
	struct vec_file *vf = vec_load("tests/vectors/tlv/decode.txt");

	(void)state;
	for (size_t i = 0; i < vf->ncases; i++) {
		const struct vec_case *vc = &vf->cases[i];
		const char *want_err = vec_get(vc, "error");
		struct stk_diag diag;
		struct dump d = { .len = 0 };
		uint8_t *in;
		size_t len;
		int r;

		d.s[0] = '\0';
		in = vec_hex(vc, "input", &len);
		stk_diag_clear(&diag);
		r = decode_dump(vec_need(vc, "kind"), in, len, &d, &diag);
		if (want_err == NULL) {
			if (r != 0)
				fail_msg("case at line %zu: %s (%s at %zu)",
				    vc->line, stk_errname(r),
				    diag.field ? diag.field : "-", diag.offset);
			if (!same_tokens(d.s, vec_need(vc, "dump")))
				fail_msg("case at line %zu: dump\n  got  %s\n"
				    "  want %s", vc->line, d.s,
				    vec_need(vc, "dump"));
		} else {
			if (r >= 0)
				fail_msg("case at line %zu: decoded, want %s",
				    vc->line, want_err);
			assert_string_equal(stk_errname(r), want_err);
			assert_int_equal(diag.err, r);
			assert_non_null(diag.field);
			assert_string_equal(diag.field, vec_need(vc, "field"));
			if (diag.offset != strtoul(vec_need(vc, "offset"),
			    NULL, 10))
				fail_msg("case at line %zu: offset %zu",
				    vc->line, diag.offset);
		}
		free(in);
	}
	vec_free(vf);
}

static void
test_length_vectors(void **state)
{
	struct vec_file *vf = vec_load("tests/vectors/tlv/lengths.txt");

	(void)state;
	for (size_t i = 0; i < vf->ncases; i++) {
		const struct vec_case *vc = &vf->cases[i];
		const char *want_err = vec_get(vc, "error");
		struct stk_diag diag;
		struct stk_cur c;
		struct stk_buf b;
		uint8_t *enc;
		size_t elen, got = 12345, want;
		int r;

		enc = vec_hex(vc, "enc", &elen);
		stk_cur_init(&c, enc, elen);
		stk_diag_clear(&diag);
		r = stk_tlv_get_length(&c, &got, &diag, NULL);
		if (want_err != NULL) {
			assert_string_equal(stk_errname(r), want_err);
			assert_string_equal(diag.field, "TLV length");
			assert_int_equal(diag.offset, 0);
			assert_int_equal(stk_cur_len(&c), elen);	/* unmoved */
			free(enc);
			continue;
		}
		want = strtoul(vec_need(vc, "len"), NULL, 10);
		assert_int_equal(r, STK_OK);
		assert_int_equal(got, want);
		assert_true(stk_cur_empty(&c));
		assert_int_equal(stk_tlv_len_size(want), elen);
		stk_buf_init(&b);
		assert_true(stk_tlv_add_length(&b, want));
		assert_int_equal(stk_buf_len(&b), elen);
		assert_memory_equal(stk_buf_data(&b), enc, elen);
		stk_buf_free(&b);
		free(enc);
	}
	vec_free(vf);
}

static void
test_length_limits(void **state)
{
	struct stk_buf b;

	(void)state;
	assert_int_equal(stk_tlv_len_size(0x1000000), 0);
	assert_int_equal(stk_tlv_len_size(SIZE_MAX), 0);
	stk_buf_init(&b);
	assert_false(stk_tlv_add_length(&b, 0x1000000));
	assert_false(stk_buf_ok(&b));
	assert_false(stk_tlv_add_length(&b, 1));	/* sticky */
	stk_buf_free(&b);
}

/*
 * Build an element with the open/close builder for each boundary length
 * and parse it back: TS 102 223 annex C 1/2/3/4-byte length forms.
 */
static void
test_open_close_boundaries(void **state)
{
	static const struct { size_t n; uint8_t hdr[5]; size_t hlen; } cases[] = {
		{ 0,       { 0xd0, 0x00 }, 2 },
		{ 127,     { 0xd0, 0x7f }, 2 },
		{ 128,     { 0xd0, 0x81, 0x80 }, 3 },
		{ 255,     { 0xd0, 0x81, 0xff }, 3 },
		{ 256,     { 0xd0, 0x82, 0x01, 0x00 }, 4 },
		{ 65535,   { 0xd0, 0x82, 0xff, 0xff }, 4 },
		{ 65536,   { 0xd0, 0x83, 0x01, 0x00, 0x00 }, 5 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct stk_buf b, b2;
		struct stk_tlv t;
		struct stk_diag d;
		size_t mark;
		uint8_t *v = calloc(1, cases[i].n + 1);

		assert_non_null(v);
		for (size_t k = 0; k < cases[i].n; k++)
			v[k] = (uint8_t)(k * 7);
		stk_buf_init(&b);
		stk_buf_add_u8(&b, 0xaa);	/* something before */
		mark = stk_ber_tlv_open(&b, 0xd0);
		stk_buf_add_bytes(&b, v, cases[i].n);
		assert_true(stk_tlv_close(&b, mark));
		assert_true(stk_buf_ok(&b));
		assert_int_equal(stk_buf_len(&b), 1 + cases[i].hlen + cases[i].n);
		assert_memory_equal(stk_buf_data(&b) + 1, cases[i].hdr,
		    cases[i].hlen);
		assert_memory_equal(stk_buf_data(&b) + 1 + cases[i].hlen, v,
		    cases[i].n);

		/* the one-shot builder writes the same bytes */
		stk_buf_init(&b2);
		stk_buf_add_u8(&b2, 0xaa);
		assert_true(stk_ber_tlv_add(&b2, 0xd0, v, cases[i].n));
		assert_int_equal(stk_buf_len(&b2), stk_buf_len(&b));
		assert_memory_equal(stk_buf_data(&b2), stk_buf_data(&b),
		    stk_buf_len(&b));

		stk_diag_clear(&d);
		assert_int_equal(stk_ber_tlv_parse_one(stk_buf_data(&b) + 1,
		    stk_buf_len(&b) - 1, 0xd0, &t, &d), STK_OK);
		assert_int_equal(stk_cur_len(&t.value), cases[i].n);
		assert_int_equal(stk_cur_offset(&t.value), cases[i].hlen);
		assert_int_equal(t.size, cases[i].hlen + cases[i].n);
		/* one byte short is truncated, on the length field */
		stk_diag_clear(&d);
		assert_int_equal(stk_ber_tlv_parse_one(stk_buf_data(&b) + 1,
		    stk_buf_len(&b) - 2, 0xd0, &t, &d),
		    STK_E_TRUNCATED);
		assert_string_equal(d.field, "BER-TLV length");
		assert_int_equal(d.offset, 1);
		stk_buf_free(&b);
		stk_buf_free(&b2);
		free(v);
	}
}

/* The largest length (0xFFFFFF) closes; one byte more fails, sticky. */
static void
test_close_too_long(void **state)
{
	struct stk_buf b;
	size_t mark;

	(void)state;
	stk_buf_init(&b);
	b.max = 0x1000010;
	mark = stk_ctlv_open(&b, 0x0d, true);
	stk_buf_add_zeros(&b, 0xffffff);
	assert_true(stk_tlv_close(&b, mark));
	assert_int_equal(stk_buf_len(&b), 1 + 4 + 0xffffff);
	assert_memory_equal(stk_buf_data(&b), "\x8d\x83\xff\xff\xff", 5);
	stk_buf_reset(&b);
	mark = stk_ctlv_open(&b, 0x0d, true);
	stk_buf_add_zeros(&b, 0x1000000);
	assert_false(stk_tlv_close(&b, mark));
	assert_false(stk_buf_ok(&b));
	stk_buf_free(&b);
	/* closing a mark that was never opened fails */
	stk_buf_init(&b);
	assert_false(stk_tlv_close(&b, 0));
	stk_buf_free(&b);
}

/* Nested open/close: the inner length grows, the outer one follows. */
static void
test_nested_build(void **state)
{
	struct stk_buf b;
	struct stk_tlv t, c;
	struct stk_cur cur;
	size_t outer, inner;
	uint8_t text[200];

	(void)state;
	memset(text, 'x', sizeof(text));
	stk_buf_init(&b);
	outer = stk_ber_tlv_open(&b, 0xd0);
	stk_ctlv_add(&b, 0x01, true, "\x01\x21\x80", 3);
	inner = stk_ctlv_open(&b, 0x0d, true);
	stk_buf_add_bytes(&b, text, sizeof(text));
	assert_true(stk_tlv_close(&b, inner));
	assert_true(stk_tlv_close(&b, outer));
	/* D0 81 D0 | 81 03 01 21 80 | 8D 81 C8 x*200 */
	assert_int_equal(stk_buf_len(&b), 3 + 5 + 3 + 200);
	assert_memory_equal(stk_buf_data(&b), "\xd0\x81\xd0\x81\x03\x01\x21"
	    "\x80\x8d\x81\xc8", 11);
	assert_int_equal(stk_ber_tlv_parse_one(stk_buf_data(&b),
	    stk_buf_len(&b), 0xd0, &t, NULL), STK_OK);
	assert_int_equal(stk_ctlv_find(&t.value, 0x0d, &c, NULL), STK_OK);
	assert_int_equal(stk_cur_len(&c.value), 200);
	assert_int_equal(stk_cur_offset(&c.value), 11);
	assert_true(c.cr);
	cur = t.value;
	assert_int_equal(stk_tlv_count(&cur, true, NULL), 2);
	stk_buf_free(&b);
}

/* The builders reproduce a published proactive command byte for byte. */
static void
test_build_display_text(void **state)
{
	struct stk_buf b;
	size_t mark;

	(void)state;
	stk_buf_init(&b);
	mark = stk_ber_tlv_open(&b, 0xd0);
	stk_ctlv_add(&b, 0x01, true, "\x01\x21\x80", 3);	/* command details */
	stk_ctlv_add(&b, 0x02, true, "\x81\x02", 2);		/* device identities */
	stk_ctlv_add(&b, 0x0d, true, "\x04Toolkit Test 1", 15);	/* text string */
	assert_true(stk_tlv_close(&b, mark));
	assert_int_equal(stk_buf_len(&b), sizeof(display_text_1));
	assert_memory_equal(stk_buf_data(&b), display_text_1,
	    sizeof(display_text_1));
	stk_buf_free(&b);
}

static void
test_tag_builders(void **state)
{
	static const uint32_t ber_ok[] = { 0x01, 0x80, 0xd0, 0xd1, 0xfe,
	    0x5f1f, 0x7f21, 0xbf7f, 0x1f1f };
	static const uint32_t ber_bad[] = { 0x00, 0xff, 0x1f, 0x3f, 0xdf,
	    0x7f1e, 0x7f80, 0x7fff, 0xd020, 0xff20, 0x10000, 0x7f8101 };
	static const uint8_t ctlv3[] = { 0x7f, 0x00, 0x7f, 0x7f, 0xff, 0xff,
	    0x7f, 0x80, 0x01 };
	struct stk_buf b;
	struct stk_cur c;
	struct stk_tlv t;

	(void)state;
	for (size_t i = 0; i < sizeof(ber_ok) / sizeof(ber_ok[0]); i++) {
		stk_buf_init(&b);
		assert_true(stk_ber_tlv_add(&b, ber_ok[i], "", 0));
		stk_cur_init(&c, stk_buf_data(&b), stk_buf_len(&b));
		assert_int_equal(stk_ber_tlv_get(&c, &t, NULL), STK_OK);
		assert_int_equal(t.tag, ber_ok[i]);
		assert_true(stk_cur_empty(&c));
		stk_buf_free(&b);
	}
	for (size_t i = 0; i < sizeof(ber_bad) / sizeof(ber_bad[0]); i++) {
		stk_buf_init(&b);
		assert_false(stk_ber_add_tag(&b, ber_bad[i]));
		assert_false(stk_buf_ok(&b));
		assert_int_equal(stk_ber_tlv_open(&b, ber_bad[i]), 0);
		assert_false(stk_tlv_close(&b, 0));
		stk_buf_free(&b);
	}
	stk_buf_init(&b);
	assert_true(stk_ctlv_add_tag(&b, 0x7f, false, false));
	assert_true(stk_ctlv_add_tag(&b, 0x7fff, true, false));
	assert_true(stk_ctlv_add_tag(&b, 0x01, true, true));
	assert_true(stk_ctlv_add_tag(&b, 0x7e, true, false));
	assert_true(stk_ctlv_add_tag(&b, 0x01, false, false));
	assert_int_equal(stk_buf_len(&b), sizeof(ctlv3) + 2);
	assert_memory_equal(stk_buf_data(&b), ctlv3, sizeof(ctlv3));
	assert_memory_equal(stk_buf_data(&b) + sizeof(ctlv3), "\xfe\x01", 2);
	assert_false(stk_ctlv_add_tag(&b, 0, false, false));
	assert_false(stk_buf_ok(&b));
	stk_buf_free(&b);
	stk_buf_init(&b);
	assert_false(stk_ctlv_add(&b, 0x8000, false, "", 0));
	stk_buf_free(&b);
}

/* A three-byte tag with a value below 0x7F reads as the same tag. */
static void
test_ctlv_tag_formats_equivalent(void **state)
{
	static const uint8_t seq[] = { 0x7f, 0x80, 0x0d, 0x01, 0x04,
	    0x0d, 0x00 };
	struct stk_cur c;
	struct stk_tlv t;

	(void)state;
	stk_cur_init(&c, seq, sizeof(seq));
	assert_int_equal(stk_ctlv_find(&c, 0x0d, &t, NULL), STK_OK);
	assert_true(t.tag3);
	assert_true(t.cr);
	assert_int_equal(t.tag_offset, 0);
	assert_int_equal(t.size, 5);
	assert_int_equal(stk_tlv_count(&c, true, NULL), 2);
}

static void
test_find_and_iter(void **state)
{
	static const uint8_t damaged[] = { 0x81, 0x03, 0x01, 0x21, 0x80,
	    0x8d, 0x09, 0x00 };
	static const uint8_t dup[] = { 0x0d, 0x01, 0xaa, 0x8d, 0x01, 0xbb };
	struct stk_tlv t, outer;
	struct stk_diag d;
	struct stk_cur c;
	struct stk_tlv_iter it;
	uint8_t v;

	(void)state;
	assert_int_equal(stk_ber_tlv_parse_one(display_text_1,
	    sizeof(display_text_1), 0xd0, &outer, NULL), STK_OK);
	assert_int_equal(stk_ctlv_find(&outer.value, 0x0d, &t, NULL), STK_OK);
	assert_int_equal(stk_cur_len(&t.value), 15);
	assert_int_equal(t.tag_offset, 11);
	assert_true(stk_cur_peek_u8(&t.value, &v));
	assert_int_equal(v, 0x04);
	stk_diag_clear(&d);
	assert_int_equal(stk_ctlv_find(&outer.value, 0x04, &t, &d),
	    STK_E_NOT_FOUND);
	assert_int_equal(d.err, STK_OK);	/* not a decoding error */
	assert_int_equal(stk_tlv_count(&outer.value, true, NULL), 3);

	/* the tag is before the damage, the whole sequence still fails */
	stk_cur_init(&c, damaged, sizeof(damaged));
	stk_diag_clear(&d);
	assert_int_equal(stk_ctlv_find(&c, 0x01, &t, &d), STK_E_TRUNCATED);
	assert_string_equal(d.field, "COMPREHENSION-TLV length");
	assert_int_equal(d.offset, 6);
	assert_int_equal(stk_tlv_count(&c, true, NULL), STK_E_TRUNCATED);

	/* the iterator's error is sticky */
	stk_tlv_iter_init(&it, &c, true);
	assert_int_equal(stk_tlv_next(&it, &t, NULL), 1);
	assert_int_equal(stk_tlv_next(&it, &t, NULL), STK_E_TRUNCATED);
	assert_int_equal(stk_tlv_next(&it, &t, NULL), STK_E_TRUNCATED);

	/* first of duplicates, CR ignored by find */
	stk_cur_init(&c, dup, sizeof(dup));
	assert_int_equal(stk_ctlv_find(&c, 0x0d, &t, NULL), STK_OK);
	assert_false(t.cr);
	assert_true(stk_cur_peek_u8(&t.value, &v));
	assert_int_equal(v, 0xaa);
}

static void
test_parse_one_strict(void **state)
{
	uint8_t buf[sizeof(display_text_1) + 1];
	struct stk_tlv t;
	struct stk_diag d;

	(void)state;
	memcpy(buf, display_text_1, sizeof(display_text_1));
	buf[sizeof(display_text_1)] = 0x00;
	stk_diag_clear(&d);
	assert_int_equal(stk_ber_tlv_parse_one(buf, sizeof(buf), 0xd0, &t, &d),
	    STK_E_TRAILING);
	assert_string_equal(d.field, "BER-TLV");
	assert_int_equal(d.offset, sizeof(display_text_1));
	stk_diag_clear(&d);
	assert_int_equal(stk_ber_tlv_parse_one(display_text_1,
	    sizeof(display_text_1), 0xd1, &t, &d), STK_E_INVALID);
	assert_string_equal(d.field, "BER-TLV tag");
	assert_int_equal(stk_ber_tlv_parse_one(display_text_1,
	    sizeof(display_text_1), 0, &t, NULL), STK_OK);
	assert_int_equal(t.tag, 0xd0);
	assert_int_equal(stk_ber_tlv_parse_one(NULL, 0, 0, &t, NULL),
	    STK_E_TRUNCATED);
}

static void
test_cursor_unchanged_on_error(void **state)
{
	static const uint8_t in[] = { 0x01, 0x01, 0xaa, 0x81, 0x81, 0x05 };
	struct stk_cur c;
	struct stk_tlv t;
	struct stk_diag d;

	(void)state;
	stk_cur_init(&c, in, sizeof(in));
	assert_int_equal(stk_ctlv_get(&c, &t, NULL), STK_OK);
	assert_int_equal(stk_cur_offset(&c), 3);
	assert_int_equal(t.size, 3);
	stk_diag_clear(&d);
	assert_int_equal(stk_ctlv_get(&c, &t, &d), STK_E_INVALID);
	assert_string_equal(d.field, "COMPREHENSION-TLV length");
	assert_int_equal(d.offset, 4);
	assert_int_equal(stk_cur_offset(&c), 3);
	assert_int_equal(stk_cur_len(&c), 3);
	assert_int_equal(stk_ber_tlv_get(&c, &t, NULL), STK_E_INVALID);
	assert_int_equal(stk_cur_offset(&c), 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_vectors),
		cmocka_unit_test(test_length_vectors),
		cmocka_unit_test(test_length_limits),
		cmocka_unit_test(test_open_close_boundaries),
		cmocka_unit_test(test_close_too_long),
		cmocka_unit_test(test_nested_build),
		cmocka_unit_test(test_build_display_text),
		cmocka_unit_test(test_tag_builders),
		cmocka_unit_test(test_ctlv_tag_formats_equivalent),
		cmocka_unit_test(test_find_and_iter),
		cmocka_unit_test(test_parse_one_strict),
		cmocka_unit_test(test_cursor_unchanged_on_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
