/*
 * test_gsm7.c - TS 23.038 GSM 7-bit alphabet, packing and UCS-2
 * (lib/gsm7.c) against tests/vectors/gsm7/.
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
#include "err.h"
#include "gsm7.h"
#include "support_vectors.h"

/* The text of a case: "text" verbatim, or "utf8" as hex. */
static uint8_t *
case_text(const struct vec_case *vc, size_t *len)
{
	const char *t = vec_get(vc, "text");
	uint8_t *out;

	if (t == NULL)
		return vec_hex(vc, "utf8", len);
	*len = strlen(t);
	out = malloc(*len + 1);
	assert_non_null(out);
	memcpy(out, t, *len + 1);
	return out;
}

static size_t
case_size(const struct vec_case *vc, const char *key)
{
	return (size_t)strtoul(vec_need(vc, key), NULL, 10);
}

static void
assert_buf_equal(const struct stk_buf *b, const uint8_t *want, size_t len,
    const struct vec_case *vc, const char *what)
{
	if (stk_buf_len(b) != len || (len > 0 &&
	    memcmp(stk_buf_data(b), want, len) != 0))
		fail_msg("case at line %zu: %s differs (%zu bytes, want %zu)",
		    vc->line, what, stk_buf_len(b), len);
}

static void
test_pack_vectors(void **state)
{
	struct vec_file *vf = vec_load("tests/vectors/gsm7/pack.txt");

	(void)state;
	for (size_t i = 0; i < vf->ncases; i++) {
		const struct vec_case *vc = &vf->cases[i];
		struct stk_buf sept, packed, unpacked, text;
		uint8_t *utf8, *want_packed, *want_sept;
		size_t ulen, plen, slen, n;
		unsigned fill = (unsigned)case_size(vc, "fill");

		utf8 = case_text(vc, &ulen);
		want_packed = vec_hex(vc, "packed", &plen);
		stk_buf_init(&sept);
		stk_buf_init(&packed);
		stk_buf_init(&unpacked);
		stk_buf_init(&text);

		assert_int_equal(stk_gsm7_from_utf8((char *)utf8, ulen, &sept),
		    STK_OK);
		assert_int_equal(stk_buf_len(&sept), case_size(vc, "nsept"));
		if (vec_get(vc, "septets") != NULL) {
			want_sept = vec_hex(vc, "septets", &slen);
			assert_buf_equal(&sept, want_sept, slen, vc, "septets");
			free(want_sept);
		}
		assert_int_equal(stk_gsm7_count((char *)utf8, ulen, &n), STK_OK);
		assert_int_equal(n, stk_buf_len(&sept));
		assert_true(stk_gsm7_representable((char *)utf8, ulen));
		assert_int_equal(stk_charset_for_text((char *)utf8, ulen),
		    STK_CHARSET_GSM7);

		assert_int_equal(stk_gsm7_packed_len(n, fill), plen);
		assert_int_equal(stk_gsm7_pack(stk_buf_data(&sept), n, fill,
		    &packed), STK_OK);
		assert_buf_equal(&packed, want_packed, plen, vc, "packed");

		assert_int_equal(stk_gsm7_unpack(want_packed, plen, fill, n,
		    &unpacked), STK_OK);
		assert_buf_equal(&unpacked, stk_buf_data(&sept), n, vc,
		    "unpacked");
		assert_int_equal(stk_gsm7_to_utf8(stk_buf_data(&unpacked), n,
		    &text), STK_OK);
		assert_buf_equal(&text, utf8, ulen, vc, "text");

		stk_buf_free(&sept);
		stk_buf_free(&packed);
		stk_buf_free(&unpacked);
		stk_buf_free(&text);
		free(utf8);
		free(want_packed);
	}
	vec_free(vf);
}

static void
test_decode_vectors(void **state)
{
	struct vec_file *vf = vec_load("tests/vectors/gsm7/decode.txt");

	(void)state;
	for (size_t i = 0; i < vf->ncases; i++) {
		const struct vec_case *vc = &vf->cases[i];
		struct stk_buf sept, text, packed;
		uint8_t *want, *in, *pk;
		size_t wlen, ilen, plen;

		want = vec_hex(vc, "utf8", &wlen);
		stk_buf_init(&sept);
		stk_buf_init(&text);
		stk_buf_init(&packed);
		if (vec_get(vc, "septets") != NULL) {
			in = vec_hex(vc, "septets", &ilen);
			stk_buf_add_bytes(&sept, in, ilen);
			free(in);
		}
		if (vec_get(vc, "packed") != NULL) {
			pk = vec_hex(vc, "packed", &plen);
			if (stk_buf_len(&sept) == 0)
				assert_int_equal(stk_gsm7_unpack(pk, plen, 0,
				    case_size(vc, "nsept"), &sept), STK_OK);
			/* the sender's side: text -> septets -> octets */
			stk_buf_reset(&text);
			assert_int_equal(stk_gsm7_from_utf8((char *)want, wlen,
			    &text), STK_OK);
			assert_int_equal(stk_gsm7_pack(stk_buf_data(&text),
			    stk_buf_len(&text), 0, &packed), STK_OK);
			assert_buf_equal(&packed, pk, plen, vc, "packed");
			stk_buf_reset(&text);
			free(pk);
		}
		assert_int_equal(stk_gsm7_to_utf8(stk_buf_data(&sept),
		    stk_buf_len(&sept), &text), STK_OK);
		assert_buf_equal(&text, want, wlen, vc, "utf8");
		stk_buf_free(&sept);
		stk_buf_free(&text);
		stk_buf_free(&packed);
		free(want);
	}
	vec_free(vf);
}

/* Append the UTF-8 form of a BMP code point (test-side, independent). */
static size_t
put_utf8(uint8_t *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (uint8_t)(0xc0 | (cp >> 6));
		o[1] = (uint8_t)(0x80 | (cp & 0x3f));
		return 2;
	}
	o[0] = (uint8_t)(0xe0 | (cp >> 12));
	o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
	o[2] = (uint8_t)(0x80 | (cp & 0x3f));
	return 3;
}

/* Every one of the 127 characters and 10 extension characters both ways. */
static void
test_alphabet_table(void **state)
{
	struct vec_file *vf = vec_load("tests/vectors/gsm7/alphabet.txt");
	size_t ndefault = 0, next = 0;

	(void)state;
	for (size_t i = 0; i < vf->ncases; i++) {
		const struct vec_case *vc = &vf->cases[i];
		bool ext = strcmp(vec_need(vc, "table"), "extension") == 0;
		unsigned code = (unsigned)strtoul(vec_need(vc, "code"), NULL, 16);
		unsigned ucs = (unsigned)strtoul(vec_need(vc, "ucs"), NULL, 16);
		uint8_t septets[2], utf8[4];
		size_t ns = 0, nu = put_utf8(utf8, ucs), n;
		struct stk_buf b;

		if (ext)
			septets[ns++] = STK_GSM7_ESCAPE, next++;
		else
			ndefault++;
		septets[ns++] = (uint8_t)code;
		stk_buf_init(&b);
		assert_int_equal(stk_gsm7_to_utf8(septets, ns, &b), STK_OK);
		assert_buf_equal(&b, utf8, nu, vc, "decoded character");
		stk_buf_reset(&b);
		assert_int_equal(stk_gsm7_from_utf8((char *)utf8, nu, &b),
		    STK_OK);
		assert_buf_equal(&b, septets, ns, vc, "encoded septets");
		assert_int_equal(stk_gsm7_count((char *)utf8, nu, &n), STK_OK);
		assert_int_equal(n, ns);
		stk_buf_free(&b);
	}
	assert_int_equal(ndefault, 127);
	assert_int_equal(next, 10);
	vec_free(vf);
}

/* All 127 default codes and all extension codes in one string. */
static void
test_all_septets_round_trip(void **state)
{
	static const uint8_t ext[] = { 0x0a, 0x14, 0x28, 0x29, 0x2f, 0x3c,
	    0x3d, 0x3e, 0x40, 0x65 };
	uint8_t s[127 + 2 * sizeof(ext)];
	struct stk_buf text, back, packed, unpacked;
	size_t n = 0;

	(void)state;
	for (unsigned c = 0; c < 128; c++)
		if (c != STK_GSM7_ESCAPE)
			s[n++] = (uint8_t)c;
	for (size_t i = 0; i < sizeof(ext); i++) {
		s[n++] = STK_GSM7_ESCAPE;
		s[n++] = ext[i];
	}
	stk_buf_init(&text);
	stk_buf_init(&back);
	stk_buf_init(&packed);
	stk_buf_init(&unpacked);
	assert_int_equal(stk_gsm7_to_utf8(s, n, &text), STK_OK);
	assert_int_equal(stk_gsm7_from_utf8((char *)stk_buf_data(&text),
	    stk_buf_len(&text), &back), STK_OK);
	assert_int_equal(stk_buf_len(&back), n);
	assert_memory_equal(stk_buf_data(&back), s, n);
	for (unsigned fill = 0; fill <= 6; fill++) {
		stk_buf_reset(&packed);
		stk_buf_reset(&unpacked);
		assert_int_equal(stk_gsm7_pack(s, n, fill, &packed), STK_OK);
		assert_int_equal(stk_buf_len(&packed),
		    (fill + 7 * n + 7) / 8);
		assert_int_equal(stk_gsm7_unpack(stk_buf_data(&packed),
		    stk_buf_len(&packed), fill, n, &unpacked), STK_OK);
		assert_memory_equal(stk_buf_data(&unpacked), s, n);
	}
	stk_buf_free(&text);
	stk_buf_free(&back);
	stk_buf_free(&packed);
	stk_buf_free(&unpacked);
}

static void
test_not_in_alphabet(void **state)
{
	static const char *const texts[] = {
		"\xc3\xa7",		/* U+00E7 small c cedilla (0x09 is capital) */
		"`",			/* grave accent */
		"\xc2\xa0",		/* no-break space (not the escape) */
		"\x01",			/* C0 control */
		"\t",			/* tab */
		"abc\xf0\x9f\x98\x80",	/* emoji */
		"\xd0\x96",		/* Cyrillic */
		"\xe2\x82\xac\xe2\x82\xad", /* euro ok, then kip sign */
		"\xef\xbf\xbf",		/* U+FFFF, the tables' own "no char" */
	};
	struct stk_buf b;
	size_t n = 99;

	(void)state;
	stk_buf_init(&b);
	stk_buf_add_bytes(&b, "xy", 2);
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		size_t len = strlen(texts[i]);

		assert_int_equal(stk_gsm7_from_utf8(texts[i], len, &b),
		    STK_E_CHARSET);
		assert_int_equal(stk_buf_len(&b), 2);	/* nothing appended */
		assert_int_equal(stk_gsm7_count(texts[i], len, &n),
		    STK_E_CHARSET);
		assert_false(stk_gsm7_representable(texts[i], len));
		assert_int_equal(stk_charset_for_text(texts[i], len),
		    STK_CHARSET_UCS2);
	}
	/* U+0000 is not '@' */
	assert_int_equal(stk_gsm7_from_utf8("\0", 1, &b), STK_E_CHARSET);
	stk_buf_free(&b);
}

static void
test_malformed_utf8(void **state)
{
	static const struct { const char *s; size_t len; } bad[] = {
		{ "\x80", 1 },			/* stray continuation */
		{ "\xbf", 1 },
		{ "\xc0\x80", 2 },		/* overlong NUL */
		{ "\xc1\xbf", 2 },		/* overlong */
		{ "\xe0\x80\x80", 3 },		/* overlong */
		{ "\xe0\x9f\xbf", 3 },		/* overlong U+07FF */
		{ "\xf0\x8f\xbf\xbf", 4 },	/* overlong U+FFFF */
		{ "\xed\xa0\x80", 3 },		/* surrogate U+D800 */
		{ "\xed\xbf\xbf", 3 },		/* surrogate U+DFFF */
		{ "\xf4\x90\x80\x80", 4 },	/* U+110000 */
		{ "\xf5\x80\x80\x80", 4 },
		{ "\xf8\x88\x80\x80\x80", 5 },	/* 5-byte form */
		{ "\xfe", 1 },
		{ "\xff", 1 },
		{ "A\xc3", 2 },			/* cut */
		{ "\xe2\x82", 2 },		/* cut euro */
		{ "\xe2\x28\xac", 3 },		/* bad continuation */
		{ "\xf0\x9f\x98", 3 },		/* cut emoji */
	};
	struct stk_buf b;
	size_t n;

	(void)state;
	stk_buf_init(&b);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(stk_gsm7_from_utf8(bad[i].s, bad[i].len, &b),
		    STK_E_INVALID);
		assert_int_equal(stk_gsm7_count(bad[i].s, bad[i].len, &n),
		    STK_E_INVALID);
		assert_false(stk_gsm7_representable(bad[i].s, bad[i].len));
		assert_int_equal(stk_ucs2_from_utf8(bad[i].s, bad[i].len, &b),
		    STK_E_INVALID);
		assert_int_equal(stk_buf_len(&b), 0);
	}
	stk_buf_free(&b);
}

static void
test_septet_errors(void **state)
{
	static const uint8_t bad[] = { 0x41, 0x80, 0x42 };
	static const uint8_t three[] = { 0xe8, 0x32, 0x9b };
	struct stk_buf b;

	(void)state;
	stk_buf_init(&b);
	assert_int_equal(stk_gsm7_to_utf8(bad, sizeof(bad), &b),
	    STK_E_INVALID);
	assert_int_equal(stk_buf_len(&b), 0);
	assert_int_equal(stk_gsm7_pack(bad, sizeof(bad), 0, &b),
	    STK_E_INVALID);
	assert_int_equal(stk_gsm7_pack(three, 1, 7, &b), STK_E_ARG);
	assert_int_equal(stk_gsm7_unpack(three, 3, 7, 3, &b), STK_E_ARG);
	assert_int_equal(stk_buf_len(&b), 0);
	/* 3 septets need 3 octets (21 bits): 2 is short, 4 is long */
	assert_int_equal(stk_gsm7_unpack(three, 2, 0, 3, &b), STK_E_TRUNCATED);
	assert_int_equal(stk_gsm7_unpack(three, 3, 0, 2, &b), STK_E_TRAILING);
	assert_int_equal(stk_gsm7_unpack(three, 3, 0, 3, &b), STK_OK);
	assert_int_equal(stk_buf_len(&b), 3);
	assert_memory_equal(stk_buf_data(&b), "hel", 3);
	/* with 4 fill bits, 3 septets take 25 bits = 4 octets */
	stk_buf_reset(&b);
	assert_int_equal(stk_gsm7_unpack(three, 3, 4, 3, &b), STK_E_TRUNCATED);
	assert_int_equal(stk_buf_len(&b), 0);
	stk_buf_free(&b);
}

/* TS 23.040 §9.2.3.16: 160 septets fill the 140 octets of TP-UD. */
static void
test_160_septet_boundary(void **state)
{
	uint8_t s[161], packed[141];
	struct stk_buf b, u;

	(void)state;
	memset(s, 0x41, sizeof(s));
	assert_int_equal(stk_gsm7_packed_len(160, 0), 140);
	assert_int_equal(stk_gsm7_packed_len(161, 0), 141);
	assert_int_equal(stk_gsm7_packed_len(159, 0), 140);
	assert_int_equal(stk_gsm7_packed_len(153, 1), 134);	/* + 6 UDH */
	assert_int_equal(stk_gsm7_packed_len(0, 0), 0);
	assert_int_equal(stk_gsm7_packed_len(0, 1), 1);
	assert_int_equal(stk_gsm7_packed_len(1, 6), 2);
	assert_int_equal(stk_gsm7_packed_len(SIZE_MAX / 2, 0), SIZE_MAX);

	stk_buf_init_fixed(&b, packed, 140);
	assert_int_equal(stk_gsm7_pack(s, 160, 0, &b), STK_OK);
	assert_int_equal(stk_buf_len(&b), 140);
	/* one more septet does not fit the fixed 140-octet buffer */
	stk_buf_init_fixed(&b, packed, 140);
	assert_int_equal(stk_gsm7_pack(s, 161, 0, &b), STK_E_NOSPACE);

	stk_buf_init(&u);
	assert_int_equal(stk_gsm7_unpack(packed, 140, 0, 160, &u), STK_OK);
	assert_int_equal(stk_buf_len(&u), 160);
	assert_memory_equal(stk_buf_data(&u), s, 160);
	/* 159 septets also occupy 140 octets: the count decides (the CR
	 * padding of §6.1.2.3.1 exists because USSD/CBS have no count) */
	stk_buf_reset(&u);
	assert_int_equal(stk_gsm7_unpack(packed, 140, 0, 159, &u), STK_OK);
	assert_int_equal(stk_buf_len(&u), 159);
	stk_buf_reset(&u);
	assert_int_equal(stk_gsm7_unpack(packed, 140, 0, 161, &u),
	    STK_E_TRUNCATED);
	stk_buf_free(&u);
}

static void
test_fixed_buffer_too_small(void **state)
{
	uint8_t mem[4];
	struct stk_buf b;
	static const uint8_t s[] = { 0x68, 0x65, 0x6c, 0x6c, 0x6f };

	(void)state;
	stk_buf_init_fixed(&b, mem, sizeof(mem));
	assert_int_equal(stk_gsm7_from_utf8("hello", 5, &b), STK_E_NOSPACE);
	stk_buf_init_fixed(&b, mem, sizeof(mem));
	assert_int_equal(stk_gsm7_to_utf8(s, sizeof(s), &b), STK_E_NOSPACE);
	stk_buf_init_fixed(&b, mem, sizeof(mem));
	assert_int_equal(stk_ucs2_from_utf8("abc", 3, &b), STK_E_NOSPACE);
	stk_buf_init_fixed(&b, mem, sizeof(mem));
	assert_int_equal(stk_gsm7_unpack((const uint8_t *)"\xe8\x32\x9b\xfd\x06",
	    5, 0, 5, &b), STK_E_NOSPACE);
}

static void
test_ucs2_vectors(void **state)
{
	struct vec_file *vf = vec_load("tests/vectors/gsm7/ucs2.txt");

	(void)state;
	for (size_t i = 0; i < vf->ncases; i++) {
		const struct vec_case *vc = &vf->cases[i];
		uint8_t *utf8, *ucs2;
		size_t ulen, clen;
		struct stk_buf b;

		utf8 = vec_hex(vc, "utf8", &ulen);
		ucs2 = vec_hex(vc, "ucs2", &clen);
		stk_buf_init(&b);
		assert_int_equal(stk_ucs2_from_utf8((char *)utf8, ulen, &b),
		    STK_OK);
		assert_buf_equal(&b, ucs2, clen, vc, "ucs2");
		stk_buf_reset(&b);
		assert_int_equal(stk_ucs2_to_utf8(ucs2, clen, &b), STK_OK);
		assert_buf_equal(&b, utf8, ulen, vc, "utf8");
		stk_buf_free(&b);
		free(utf8);
		free(ucs2);
	}
	vec_free(vf);
}

static void
test_ucs2_errors(void **state)
{
	struct stk_buf b;

	(void)state;
	stk_buf_init(&b);
	/* outside the BMP: U+1F600, U+10000, U+10FFFF */
	assert_int_equal(stk_ucs2_from_utf8("ok \xf0\x9f\x98\x80", 7, &b),
	    STK_E_CHARSET);
	assert_int_equal(stk_ucs2_from_utf8("\xf0\x90\x80\x80", 4, &b),
	    STK_E_CHARSET);
	assert_int_equal(stk_ucs2_from_utf8("\xf4\x8f\xbf\xbf", 4, &b),
	    STK_E_CHARSET);
	assert_int_equal(stk_buf_len(&b), 0);
	assert_int_equal(stk_ucs2_to_utf8((const uint8_t *)"\x00\x41\x00", 3,
	    &b), STK_E_INCONSISTENT);
	/* a surrogate pair is not UCS-2 */
	assert_int_equal(stk_ucs2_to_utf8((const uint8_t *)"\x00\x41\xd8\x3d"
	    "\xde\x00", 6, &b), STK_E_INVALID);
	assert_int_equal(stk_ucs2_to_utf8((const uint8_t *)"\xdc\x00", 2, &b),
	    STK_E_INVALID);
	assert_int_equal(stk_buf_len(&b), 0);
	assert_int_equal(stk_ucs2_to_utf8(NULL, 0, &b), STK_OK);
	assert_int_equal(stk_buf_len(&b), 0);
	stk_buf_free(&b);
}

static void
test_charset_choice(void **state)
{
	(void)state;
	assert_int_equal(stk_charset_for_text("Ticket 4711", 11),
	    STK_CHARSET_GSM7);
	assert_int_equal(stk_charset_for_text("{5\xe2\x82\xac}", 6),
	    STK_CHARSET_GSM7);
	assert_int_equal(stk_charset_for_text("", 0), STK_CHARSET_GSM7);
	assert_int_equal(stk_charset_for_text("Fran\xc3\xa7ois", 9),
	    STK_CHARSET_UCS2);
	assert_int_equal(stk_charset_for_text("\xd0\x9f\xd1\x80\xd0\xb8", 6),
	    STK_CHARSET_UCS2);
	assert_string_equal(stk_charset_name(STK_CHARSET_GSM7), "GSM 7-bit");
	assert_string_equal(stk_charset_name(STK_CHARSET_8BIT), "8-bit data");
	assert_string_equal(stk_charset_name(STK_CHARSET_UCS2), "UCS-2");
	assert_string_equal(stk_charset_name((enum stk_charset)7), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pack_vectors),
		cmocka_unit_test(test_decode_vectors),
		cmocka_unit_test(test_alphabet_table),
		cmocka_unit_test(test_all_septets_round_trip),
		cmocka_unit_test(test_not_in_alphabet),
		cmocka_unit_test(test_malformed_utf8),
		cmocka_unit_test(test_septet_errors),
		cmocka_unit_test(test_160_septet_boundary),
		cmocka_unit_test(test_fixed_buffer_too_small),
		cmocka_unit_test(test_ucs2_vectors),
		cmocka_unit_test(test_ucs2_errors),
		cmocka_unit_test(test_charset_choice),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
