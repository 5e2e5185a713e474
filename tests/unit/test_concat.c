/* test_concat.c - concatenated SMS (TS 23.040 §9.2.3.24.1): segmenting
 * limits per character set, escape and UCS-2 borders, extra IEs, and the
 * reassembler (order, duplicates, conflicts, keys, expiry, caps). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bytes.h"
#include "concat.h"
#include "err.h"
#include "hex.h"
#include "tpdu.h"
#include "udh.h"

/* Deterministic filler: septets 0x20-0x5F, or any octet. */
static uint8_t *
make_payload(size_t n, enum stk_charset cs, unsigned seed)
{
	uint8_t *p = malloc(n > 0 ? n : 1);

	assert_non_null(p);
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
		if (cs == STK_CHARSET_GSM7)
			p[i] = (uint8_t)(0x20 + (p[i] & 0x3f));
	}
	return p;
}

/* Split and return the segment count (or the error). */
static int
split(size_t n, const struct stk_segment_opts *o, struct stk_seglist *l)
{
	uint8_t *p = make_payload(n, o->charset, 7);
	int rc = stk_segment(p, n, o, l);

	free(p);
	return rc == STK_OK ? (int)l->n : rc;
}

/* Every segment: UDHL consistent, concat IE (when present) numbered. */
static void
check_segments(const struct stk_seglist *l, const struct stk_segment_opts *o,
    const uint8_t *payload, size_t len)
{
	size_t at = 0;

	for (size_t i = 0; i < l->n; i++) {
		const struct stk_segment *s = &l->seg[i];
		struct stk_udh udh;
		struct stk_udh_concat cc;

		if (o->charset == STK_CHARSET_GSM7)
			assert_true(s->udl <= 160);
		else
			assert_true(s->udl <= 140);
		if (s->udh_len > 0) {
			assert_int_equal(stk_udh_parse(s->udh, s->udh_len, &udh,
			    NULL), STK_OK);
			assert_int_equal(stk_udh_validate(&udh, NULL), STK_OK);
			if (l->n > 1 || o->force_concat) {
				assert_int_equal(stk_udh_find_concat(&udh, &cc,
				    NULL), STK_OK);
				assert_int_equal(cc.seq, i + 1);
				assert_int_equal(cc.total, l->n);
				assert_int_equal(cc.ref, o->ref);
				assert_int_equal(cc.ref16, o->ref16);
			}
		}
		assert_true(at + s->body_len <= len);
		if (s->body_len > 0)
			assert_memory_equal(s->body, payload + at, s->body_len);
		at += s->body_len;
	}
	assert_int_equal(at, len);
}

static void
test_segment_8bit_limits(void **state)
{
	struct stk_segment_opts o = { .charset = STK_CHARSET_8BIT, .ref = 0x42 };
	static const uint8_t udh1[] = { 0x05, 0x00, 0x03, 0x42, 0x02, 0x01 };
	static const uint8_t udh2[] = { 0x05, 0x00, 0x03, 0x42, 0x02, 0x02 };
	struct stk_seglist l;

	(void)state;
	assert_int_equal(split(140, &o, &l), 1);
	assert_int_equal(l.seg[0].udh_len, 0);
	assert_int_equal(l.seg[0].body_len, 140);
	assert_int_equal(l.seg[0].udl, 140);
	stk_seglist_free(&l);

	assert_int_equal(split(141, &o, &l), 2);
	assert_int_equal(l.seg[0].body_len, 134);
	assert_int_equal(l.seg[1].body_len, 7);
	assert_int_equal(l.seg[0].udl, 140);
	assert_int_equal(l.seg[1].udl, 13);
	assert_int_equal(l.seg[0].udh_len, 6);
	assert_memory_equal(l.seg[0].udh, udh1, 6);
	assert_memory_equal(l.seg[1].udh, udh2, 6);
	stk_seglist_free(&l);

	assert_int_equal(split(267, &o, &l), 2);
	stk_seglist_free(&l);
	assert_int_equal(split(268, &o, &l), 2);
	assert_int_equal(l.seg[1].body_len, 134);
	stk_seglist_free(&l);
	assert_int_equal(split(269, &o, &l), 3);
	assert_int_equal(l.seg[2].body_len, 1);
	stk_seglist_free(&l);

	/* 16-bit reference: 133 octets per segment. */
	o.ref16 = true;
	o.ref = 0xbeef;
	assert_int_equal(split(266, &o, &l), 2);
	assert_int_equal(l.seg[0].body_len, 133);
	assert_int_equal(l.seg[0].udh_len, 7);
	assert_int_equal(l.seg[0].udh[2], 0x04);
	assert_int_equal(l.seg[0].udh[3], 0xbe);
	assert_int_equal(l.seg[0].udh[4], 0xef);
	stk_seglist_free(&l);
	assert_int_equal(split(267, &o, &l), 3);
	stk_seglist_free(&l);
}

static void
test_segment_gsm7_limits(void **state)
{
	struct stk_segment_opts o = { .charset = STK_CHARSET_GSM7, .ref = 7 };
	struct stk_seglist l;
	uint8_t *p;

	(void)state;
	assert_int_equal(split(160, &o, &l), 1);
	assert_int_equal(l.seg[0].udh_len, 0);
	assert_int_equal(l.seg[0].udl, 160);
	assert_int_equal(l.seg[0].fill_bits, 0);
	stk_seglist_free(&l);

	/* 8-bit reference: 6 octets of header = 7 septets with 1 fill bit. */
	assert_int_equal(split(161, &o, &l), 2);
	assert_int_equal(l.seg[0].body_len, 153);
	assert_int_equal(l.seg[1].body_len, 8);
	assert_int_equal(l.seg[0].fill_bits, 1);
	assert_int_equal(l.seg[0].udl, 160);
	assert_int_equal(l.seg[1].udl, 15);
	stk_seglist_free(&l);
	assert_int_equal(split(306, &o, &l), 2);
	stk_seglist_free(&l);
	assert_int_equal(split(307, &o, &l), 3);
	stk_seglist_free(&l);

	/* 16-bit reference: 7 octets = 8 septets, no fill bits, 152 each. */
	o.ref16 = true;
	assert_int_equal(split(161, &o, &l), 2);
	assert_int_equal(l.seg[0].body_len, 152);
	assert_int_equal(l.seg[0].fill_bits, 0);
	assert_int_equal(l.seg[0].udl, 160);
	stk_seglist_free(&l);
	assert_int_equal(split(304, &o, &l), 2);
	stk_seglist_free(&l);
	assert_int_equal(split(305, &o, &l), 3);
	stk_seglist_free(&l);

	/* Septets above 0x7F are not septets. */
	p = make_payload(10, STK_CHARSET_GSM7, 1);
	p[5] = 0x80;
	assert_int_equal(stk_segment(p, 10, &o, &l), STK_E_INVALID);
	assert_int_equal(l.n, 0);
	assert_null(l.seg);
	free(p);
}

/* §9.2.3.24.1: "A character represented by an escape-sequence shall not
 * be split in the middle." */
static void
test_segment_gsm7_escape_border(void **state)
{
	struct stk_segment_opts o = { .charset = STK_CHARSET_GSM7, .ref = 1 };
	struct stk_seglist l;
	uint8_t p[170];

	(void)state;
	memset(p, 'a', sizeof(p));
	/* Escape at septet 153 (index 152): the pair moves on. */
	p[152] = STK_GSM7_ESCAPE;
	p[153] = 0x65;			/* euro sign */
	assert_int_equal(stk_segment(p, sizeof(p), &o, &l), STK_OK);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.seg[0].body_len, 152);
	assert_int_equal(l.seg[0].udl, 159);
	assert_int_equal(l.seg[1].body[0], STK_GSM7_ESCAPE);
	assert_int_equal(l.seg[1].body[1], 0x65);
	check_segments(&l, &o, p, sizeof(p));
	stk_seglist_free(&l);

	/* Ending exactly on the border: the pair stays. */
	memset(p, 'a', sizeof(p));
	p[151] = STK_GSM7_ESCAPE;
	p[152] = 0x65;
	assert_int_equal(stk_segment(p, sizeof(p), &o, &l), STK_OK);
	assert_int_equal(l.seg[0].body_len, 153);
	stk_seglist_free(&l);

	/* Escapes are pairs left to right: 1B 1B 1B 65 is two pairs. */
	memset(p, 'a', sizeof(p));
	p[150] = STK_GSM7_ESCAPE;
	p[151] = STK_GSM7_ESCAPE;
	p[152] = STK_GSM7_ESCAPE;
	p[153] = 0x65;
	assert_int_equal(stk_segment(p, sizeof(p), &o, &l), STK_OK);
	assert_int_equal(l.seg[0].body_len, 152);
	check_segments(&l, &o, p, sizeof(p));
	stk_seglist_free(&l);
}

static void
test_segment_ucs2(void **state)
{
	struct stk_segment_opts o = { .charset = STK_CHARSET_UCS2, .ref = 9 };
	struct stk_seglist l;
	uint8_t odd[3] = { 0, 'a', 0 };

	(void)state;
	assert_int_equal(split(140, &o, &l), 1);		/* 70 chars */
	stk_seglist_free(&l);
	assert_int_equal(split(142, &o, &l), 2);		/* 71 chars */
	assert_int_equal(l.seg[0].body_len, 134);		/* 67 chars */
	assert_int_equal(l.seg[1].body_len, 8);
	stk_seglist_free(&l);
	assert_int_equal(split(268, &o, &l), 2);		/* 134 chars */
	stk_seglist_free(&l);
	assert_int_equal(split(270, &o, &l), 3);
	stk_seglist_free(&l);
	/* Odd header (16-bit ref, 7 octets): 133 octets left, 66 chars. */
	o.ref16 = true;
	assert_int_equal(split(142, &o, &l), 2);
	assert_int_equal(l.seg[0].body_len, 132);
	assert_int_equal(l.seg[0].udl, 139);
	stk_seglist_free(&l);
	assert_int_equal(stk_segment(odd, 3, &o, &l), STK_E_INCONSISTENT);
}

static void
test_segment_max_segments(void **state)
{
	struct stk_segment_opts o = { .charset = STK_CHARSET_8BIT, .ref = 200 };
	struct stk_seglist l;
	uint8_t *p;

	(void)state;
	p = make_payload(134 * 255 + 1, o.charset, 3);
	assert_int_equal(stk_segment(p, 134 * 255, &o, &l), STK_OK);
	assert_int_equal(l.n, 255);
	check_segments(&l, &o, p, 134 * 255);
	stk_seglist_free(&l);
	assert_int_equal(stk_segment(p, 134 * 255 + 1, &o, &l),
	    STK_E_TOO_LONG);
	assert_int_equal(l.n, 0);
	free(p);

	o.charset = STK_CHARSET_GSM7;
	assert_int_equal(split(153 * 255, &o, &l), 255);
	stk_seglist_free(&l);
	assert_int_equal(split(153 * 255 + 1, &o, &l), STK_E_TOO_LONG);
}

/* Port IEs in every segment; the 0x70 command packet identifier only in
 * the first (TS 31.115: the command header starts the first segment). */
static void
test_segment_extra_ies(void **state)
{
	static const uint8_t ports[] = { 0x0b, 0x84, 0x23, 0xf0 };
	static const uint8_t single_udh[] = { 0x08, 0x70, 0x00, 0x05, 0x04,
	    0x0b, 0x84, 0x23, 0xf0 };
	static const uint8_t first_udh[] = { 0x0d, 0x00, 0x03, 0x33, 0x02,
	    0x01, 0x70, 0x00, 0x05, 0x04, 0x0b, 0x84, 0x23, 0xf0 };
	static const uint8_t next_udh[] = { 0x0b, 0x00, 0x03, 0x33, 0x02,
	    0x02, 0x05, 0x04, 0x0b, 0x84, 0x23, 0xf0 };
	const struct stk_udh_ie every[] = { { .iei = 0x05, .len = 4,
	    .data = ports } };
	const struct stk_udh_ie first[] = { { .iei = 0x70, .len = 0 } };
	const struct stk_udh_ie bad[] = { { .iei = 0x08, .len = 0 } };
	struct stk_segment_opts o = { .charset = STK_CHARSET_8BIT, .ref = 0x33,
	    .every = every, .n_every = 1, .first = first, .n_first = 1 };
	struct stk_seglist l;
	uint8_t *p;

	(void)state;
	/* Single: 1 + 2 + 6 = 9 octets of header, 131 left. */
	assert_int_equal(split(131, &o, &l), 1);
	assert_int_equal(l.seg[0].udh_len, sizeof(single_udh));
	assert_memory_equal(l.seg[0].udh, single_udh, sizeof(single_udh));
	assert_int_equal(l.seg[0].udl, 140);
	stk_seglist_free(&l);

	/* 132: first 14 octets of header (126 body), then 12 (128). */
	p = make_payload(132, o.charset, 5);
	assert_int_equal(stk_segment(p, 132, &o, &l), STK_OK);
	assert_int_equal(l.n, 2);
	assert_memory_equal(l.seg[0].udh, first_udh, sizeof(first_udh));
	assert_memory_equal(l.seg[1].udh, next_udh, sizeof(next_udh));
	assert_int_equal(l.seg[0].body_len, 126);
	assert_int_equal(l.seg[1].body_len, 6);
	check_segments(&l, &o, p, 132);
	stk_seglist_free(&l);
	free(p);
	assert_int_equal(split(126 + 128, &o, &l), 2);
	stk_seglist_free(&l);
	assert_int_equal(split(126 + 128 + 1, &o, &l), 3);
	stk_seglist_free(&l);

	/* The segmenter owns the concatenation IE. */
	o.every = bad;
	assert_int_equal(split(10, &o, &l), STK_E_ARG);
	o.every = every;
	o.ref = 256;
	assert_int_equal(split(10, &o, &l), STK_E_ARG);
}

static void
test_segment_empty_and_forced(void **state)
{
	static const uint8_t udh[] = { 0x05, 0x00, 0x03, 0x05, 0x01, 0x01 };
	struct stk_segment_opts o = { .charset = STK_CHARSET_GSM7, .ref = 5 };
	struct stk_seglist l;

	(void)state;
	assert_int_equal(stk_segment(NULL, 0, &o, &l), STK_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.seg[0].udh_len, 0);
	assert_int_equal(l.seg[0].body_len, 0);
	stk_seglist_free(&l);

	o.force_concat = true;
	assert_int_equal(split(20, &o, &l), 1);
	assert_memory_equal(l.seg[0].udh, udh, sizeof(udh));
	assert_int_equal(l.seg[0].udl, 27);
	stk_seglist_free(&l);
	assert_int_equal(stk_segment(NULL, 5, &o, &l), STK_E_ARG);
}

/* Segments go into lib/tpdu.h as they are and come back out. */
static void
test_segment_into_tpdu(void **state)
{
	struct stk_segment_opts o = { .charset = STK_CHARSET_GSM7, .ref = 0xcc };
	struct stk_seglist l;
	uint8_t *p;

	(void)state;
	p = make_payload(200, o.charset, 11);
	assert_int_equal(stk_segment(p, 200, &o, &l), STK_OK);
	assert_int_equal(l.n, 2);
	for (size_t i = 0; i < l.n; i++) {
		struct stk_tpdu t, back;
		struct stk_buf b;
		struct stk_udh udh;
		struct stk_udh_concat cc;

		stk_tpdu_init(&t, STK_TPDU_SUBMIT);
		assert_int_equal(stk_tpdu_set_udh(&t, l.seg[i].udh,
		    l.seg[i].udh_len), STK_OK);
		assert_int_equal(stk_tpdu_set_septets(&t, l.seg[i].body,
		    l.seg[i].body_len, 0x00), STK_OK);
		assert_int_equal(stk_tpdu_udl(&t), l.seg[i].udl);
		stk_buf_init(&b);
		assert_int_equal(stk_tpdu_encode(&t, &b), STK_OK);
		assert_int_equal(stk_tpdu_decode(stk_buf_data(&b),
		    stk_buf_len(&b), STK_DIR_MS_TO_SC, &back, NULL), STK_OK);
		assert_int_equal(stk_udh_parse(back.udh, back.udh_len, &udh,
		    NULL), STK_OK);
		assert_int_equal(stk_udh_find_concat(&udh, &cc, NULL), STK_OK);
		assert_int_equal(cc.seq, i + 1);
		assert_int_equal(back.body_len, l.seg[i].body_len);
		assert_memory_equal(back.body, l.seg[i].body, back.body_len);
		stk_buf_free(&b);
	}
	stk_seglist_free(&l);
	free(p);
}

/* Reassembly ---------------------------------------------------------- */

static struct stk_reasm *
reasm(uint64_t max_age, size_t sets, size_t bytes)
{
	struct stk_reasm_config cfg = { .max_age = max_age, .max_sets = sets,
	    .max_bytes = bytes };
	struct stk_reasm *r = stk_reasm_new(&cfg);

	assert_non_null(r);
	return r;
}

static int
offer(struct stk_reasm *r, const char *orig, uint16_t ref, uint8_t total,
    uint8_t seq, const char *body, uint64_t t, enum stk_reasm_status *st,
    struct stk_reasm_msg *m)
{
	struct stk_reasm_seg g = { .originator = orig, .ref = ref,
	    .total = total, .seq = seq, .body = (const uint8_t *)body,
	    .body_len = strlen(body), .time = t };

	return stk_reasm_add(r, &g, st, m);
}

static void
test_reasm_out_of_order(void **state)
{
	struct stk_reasm *r = reasm(60, 0, 0);
	enum stk_reasm_status st;
	struct stk_reasm_msg m;

	(void)state;
	assert_int_equal(offer(r, "+491701", 9, 3, 3, "three", 10, &st, &m), 0);
	assert_int_equal(st, STK_REASM_STORED);
	assert_int_equal(offer(r, "+491701", 9, 3, 1, "one-", 12, &st, &m), 0);
	assert_int_equal(st, STK_REASM_STORED);
	assert_int_equal(stk_reasm_sets(r), 1);
	assert_int_equal(stk_reasm_bytes(r), 9);
	assert_int_equal(offer(r, "+491701", 9, 3, 2, "two-", 11, &st, &m), 0);
	assert_int_equal(st, STK_REASM_COMPLETE);
	assert_int_equal(m.len, 13);
	assert_memory_equal(m.payload, "one-two-three", 13);
	assert_string_equal(m.originator, "+491701");
	assert_int_equal(m.ref, 9);
	assert_int_equal(m.total, 3);
	assert_int_equal(m.first_time, 10);
	assert_int_equal(m.last_time, 12);
	stk_reasm_msg_clear(&m);
	assert_int_equal(stk_reasm_sets(r), 0);
	assert_int_equal(stk_reasm_bytes(r), 0);

	/* total 1 completes at once; nothing is held. */
	assert_int_equal(offer(r, "+491701", 9, 1, 1, "solo", 13, &st, &m), 0);
	assert_int_equal(st, STK_REASM_COMPLETE);
	assert_memory_equal(m.payload, "solo", 4);
	stk_reasm_msg_clear(&m);
	assert_int_equal(stk_reasm_sets(r), 0);
	stk_reasm_free(r);
}

static void
test_reasm_duplicate_and_conflict(void **state)
{
	struct stk_reasm *r = reasm(60, 0, 0);
	enum stk_reasm_status st;
	struct stk_reasm_msg m;

	(void)state;
	assert_int_equal(offer(r, "A", 1, 2, 1, "first", 0, &st, &m), 0);
	assert_int_equal(offer(r, "A", 1, 2, 1, "first", 1, &st, &m), 0);
	assert_int_equal(st, STK_REASM_DUPLICATE);
	assert_int_equal(offer(r, "A", 1, 2, 1, "FIRST", 2, &st, &m), 0);
	assert_int_equal(st, STK_REASM_CONFLICT);
	assert_int_equal(offer(r, "A", 1, 2, 1, "firs", 2, &st, &m), 0);
	assert_int_equal(st, STK_REASM_CONFLICT);
	assert_int_equal(stk_reasm_bytes(r), 5);
	assert_int_equal(offer(r, "A", 1, 2, 2, "+second", 3, &st, &m), 0);
	assert_int_equal(st, STK_REASM_COMPLETE);
	/* The first body was kept. */
	assert_int_equal(m.len, 12);
	assert_memory_equal(m.payload, "first+second", 12);
	assert_int_equal(m.last_time, 3);
	stk_reasm_msg_clear(&m);
	stk_reasm_free(r);
}

/* Sets are keyed by originator, reference, its width and total. */
static void
test_reasm_keys(void **state)
{
	struct stk_reasm *r = reasm(60, 0, 0);
	struct stk_reasm_seg g = { .originator = "A", .ref = 5, .total = 2,
	    .seq = 1, .body = (const uint8_t *)"w16", .body_len = 3,
	    .ref16 = true };
	enum stk_reasm_status st;
	struct stk_reasm_msg m;

	(void)state;
	assert_int_equal(offer(r, "A", 5, 2, 1, "a1", 0, &st, &m), 0);
	assert_int_equal(offer(r, "B", 5, 2, 1, "b1", 0, &st, &m), 0);
	assert_int_equal(offer(r, "A", 5, 3, 1, "t3", 0, &st, &m), 0);
	assert_int_equal(stk_reasm_add(r, &g, &st, &m), 0);
	assert_int_equal(st, STK_REASM_STORED);
	assert_int_equal(stk_reasm_sets(r), 4);
	assert_int_equal(offer(r, "B", 5, 2, 2, "b2", 0, &st, &m), 0);
	assert_int_equal(st, STK_REASM_COMPLETE);
	assert_memory_equal(m.payload, "b1b2", 4);
	stk_reasm_msg_clear(&m);
	assert_int_equal(offer(r, "A", 5, 2, 2, "a2", 0, &st, &m), 0);
	assert_int_equal(st, STK_REASM_COMPLETE);
	assert_memory_equal(m.payload, "a1a2", 4);
	assert_false(m.ref16);
	stk_reasm_msg_clear(&m);
	g.seq = 2;
	g.body = (const uint8_t *)"!";
	g.body_len = 1;
	assert_int_equal(stk_reasm_add(r, &g, &st, &m), 0);
	assert_int_equal(st, STK_REASM_COMPLETE);
	assert_true(m.ref16);
	assert_memory_equal(m.payload, "w16!", 4);
	stk_reasm_msg_clear(&m);
	assert_int_equal(stk_reasm_sets(r), 1);
	stk_reasm_free(r);
}

struct expired_log {
	size_t n;
	char orig[4][STK_REASM_ORIG_MAX + 1];
	uint8_t received[4];
	size_t bytes[4];
};

static void
on_expired(const struct stk_reasm_expired *e, void *arg)
{
	struct expired_log *log = arg;

	assert_true(log->n < 4);
	snprintf(log->orig[log->n], sizeof(log->orig[0]), "%s", e->originator);
	log->received[log->n] = e->received;
	log->bytes[log->n] = e->bytes;
	log->n++;
}

static void
test_reasm_expiry(void **state)
{
	struct stk_reasm *r = reasm(100, 0, 0);
	struct expired_log log = { 0 };
	enum stk_reasm_status st;
	struct stk_reasm_msg m;

	(void)state;
	assert_int_equal(offer(r, "old", 1, 3, 1, "xx", 1000, &st, &m), 0);
	assert_int_equal(offer(r, "old", 1, 3, 2, "yyy", 1090, &st, &m), 0);
	assert_int_equal(offer(r, "new", 1, 2, 1, "z", 1050, &st, &m), 0);
	assert_int_equal(stk_reasm_expire(r, 1099, on_expired, &log), 0);
	/* "old" is 100 old at 1100 (measured from its first segment). */
	assert_int_equal(stk_reasm_expire(r, 1100, on_expired, &log), 1);
	assert_int_equal(log.n, 1);
	assert_string_equal(log.orig[0], "old");
	assert_int_equal(log.received[0], 2);
	assert_int_equal(log.bytes[0], 5);
	assert_int_equal(stk_reasm_sets(r), 1);
	assert_int_equal(stk_reasm_bytes(r), 1);
	/* A late segment of an expired set starts a new set. */
	assert_int_equal(offer(r, "old", 1, 3, 3, "w", 1101, &st, &m), 0);
	assert_int_equal(st, STK_REASM_STORED);
	assert_int_equal(stk_reasm_expire(r, 1200, NULL, NULL), 1);
	assert_int_equal(stk_reasm_expire(r, 5000, on_expired, &log), 1);
	assert_int_equal(log.n, 2);
	assert_string_equal(log.orig[1], "old");
	assert_int_equal(stk_reasm_sets(r), 0);
	assert_int_equal(stk_reasm_bytes(r), 0);

	/* Re-inserting stored segments with their old times after a
	 * restart: an out-of-order older time moves the set's age back. */
	assert_int_equal(offer(r, "x", 2, 3, 2, "b", 500, &st, &m), 0);
	assert_int_equal(offer(r, "x", 2, 3, 1, "a", 300, &st, &m), 0);
	assert_int_equal(stk_reasm_expire(r, 400, NULL, NULL), 1);
	stk_reasm_free(r);
}

static void
test_reasm_caps(void **state)
{
	struct stk_reasm *r = reasm(60, 2, 10);
	enum stk_reasm_status st;
	struct stk_reasm_msg m;

	(void)state;
	assert_int_equal(offer(r, "A", 1, 2, 1, "aaaa", 0, &st, &m), 0);
	assert_int_equal(offer(r, "B", 1, 2, 1, "bbbb", 0, &st, &m), 0);
	/* Third set: refused. */
	assert_int_equal(offer(r, "C", 1, 2, 1, "c", 0, &st, &m),
	    STK_E_NOSPACE);
	assert_int_equal(stk_reasm_sets(r), 2);
	/* Completing a set frees its room without exceeding bytes: the
	 * final segment is not held. */
	assert_int_equal(offer(r, "A", 1, 2, 2, "AAAAAAAA", 0, &st, &m), 0);
	assert_int_equal(st, STK_REASM_COMPLETE);
	stk_reasm_msg_clear(&m);
	assert_int_equal(stk_reasm_bytes(r), 4);
	/* Byte cap: 4 held, 7 more would make 11 > 10. */
	assert_int_equal(offer(r, "C", 1, 3, 1, "ccccccc", 0, &st, &m),
	    STK_E_NOSPACE);
	assert_int_equal(offer(r, "C", 1, 3, 1, "cccccc", 0, &st, &m), 0);
	assert_int_equal(stk_reasm_bytes(r), 10);
	assert_int_equal(offer(r, "C", 1, 3, 2, "c", 0, &st, &m),
	    STK_E_NOSPACE);
	assert_int_equal(offer(r, "C", 1, 3, 2, "", 0, &st, &m), 0);
	assert_int_equal(st, STK_REASM_STORED);
	assert_int_equal(stk_reasm_sets(r), 2);
	stk_reasm_free(r);
}

static void
test_reasm_bad_input(void **state)
{
	struct stk_reasm *r = reasm(60, 0, 0);
	struct stk_reasm_config zero = { 0 };
	enum stk_reasm_status st;
	struct stk_reasm_msg m;
	char longname[STK_REASM_ORIG_MAX + 2];
	struct stk_reasm_seg g = { .originator = "A", .total = 2, .seq = 1,
	    .body = NULL, .body_len = 3 };

	(void)state;
	assert_null(stk_reasm_new(&zero));
	assert_null(stk_reasm_new(NULL));
	stk_reasm_free(NULL);
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(offer(r, longname, 1, 2, 1, "a", 0, &st, &m),
	    STK_E_ARG);
	longname[STK_REASM_ORIG_MAX] = '\0';
	assert_int_equal(offer(r, longname, 1, 2, 1, "a", 0, &st, &m), 0);
	assert_int_equal(offer(r, "", 1, 2, 1, "a", 0, &st, &m), STK_E_ARG);
	assert_int_equal(offer(r, "A", 256, 2, 1, "a", 0, &st, &m), STK_E_ARG);
	assert_int_equal(offer(r, "A", 1, 0, 0, "a", 0, &st, &m),
	    STK_E_INVALID);
	assert_int_equal(offer(r, "A", 1, 2, 0, "a", 0, &st, &m),
	    STK_E_INVALID);
	assert_int_equal(offer(r, "A", 1, 2, 3, "a", 0, &st, &m),
	    STK_E_INVALID);
	assert_int_equal(stk_reasm_add(r, &g, &st, &m), STK_E_ARG);
	assert_int_equal(stk_reasm_sets(r), 1);
	stk_reasm_free(r);
}

/* Split with the segmenter, shuffle, reassemble: the payload returns. */
static void
test_segment_reassemble_roundtrip(void **state)
{
	static const enum stk_charset cs[] = { STK_CHARSET_GSM7,
	    STK_CHARSET_8BIT, STK_CHARSET_UCS2 };
	static const size_t lens[] = { 0, 1, 140, 160, 161, 600, 2000 };
	unsigned seed = 99;

	(void)state;
	for (size_t c = 0; c < 3; c++) {
		for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
			struct stk_segment_opts o = { .charset = cs[c],
			    .ref = (uint16_t)(k * 31), .ref16 = k % 2 == 1 };
			struct stk_reasm *r = reasm(60, 0, 0);
			size_t len = cs[c] == STK_CHARSET_UCS2 ?
			    lens[k] & ~(size_t)1 : lens[k];
			uint8_t *p = make_payload(len, cs[c], (unsigned)k);
			size_t order[STK_CONCAT_MAX_SEGMENTS];
			struct stk_seglist l;
			struct stk_reasm_msg m = { 0 };
			enum stk_reasm_status st = STK_REASM_STORED;

			assert_int_equal(stk_segment(p, len, &o, &l), STK_OK);
			check_segments(&l, &o, p, len);
			for (size_t i = 0; i < l.n; i++)
				order[i] = i;
			for (size_t i = l.n; i > 1; i--) {
				size_t j;

				seed = seed * 1103515245u + 12345u;
				j = (seed >> 16) % i;
				size_t t = order[i - 1];
				order[i - 1] = order[j];
				order[j] = t;
			}
			for (size_t i = 0; i < l.n; i++) {
				const struct stk_segment *s = &l.seg[order[i]];
				struct stk_reasm_seg g = { .originator = "+1",
				    .ref = o.ref, .ref16 = o.ref16,
				    .total = (uint8_t)l.n,
				    .seq = (uint8_t)(order[i] + 1),
				    .body = s->body, .body_len = s->body_len,
				    .time = i };

				assert_int_equal(stk_reasm_add(r, &g, &st, &m),
				    0);
				assert_int_equal(st, i + 1 == l.n ?
				    STK_REASM_COMPLETE : STK_REASM_STORED);
			}
			assert_int_equal(m.len, len);
			if (len > 0)
				assert_memory_equal(m.payload, p, len);
			stk_reasm_msg_clear(&m);
			stk_seglist_free(&l);
			stk_reasm_free(r);
			free(p);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_segment_8bit_limits),
		cmocka_unit_test(test_segment_gsm7_limits),
		cmocka_unit_test(test_segment_gsm7_escape_border),
		cmocka_unit_test(test_segment_ucs2),
		cmocka_unit_test(test_segment_max_segments),
		cmocka_unit_test(test_segment_extra_ies),
		cmocka_unit_test(test_segment_empty_and_forced),
		cmocka_unit_test(test_segment_into_tpdu),
		cmocka_unit_test(test_reasm_out_of_order),
		cmocka_unit_test(test_reasm_duplicate_and_conflict),
		cmocka_unit_test(test_reasm_keys),
		cmocka_unit_test(test_reasm_expiry),
		cmocka_unit_test(test_reasm_caps),
		cmocka_unit_test(test_reasm_bad_input),
		cmocka_unit_test(test_segment_reassemble_roundtrip),
	};

	return cmocka_run_group_tests_name("concat", tests, NULL, NULL);
}
