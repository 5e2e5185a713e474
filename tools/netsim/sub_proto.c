/*
 * sub_proto.c - parsing the phone's lines of the subscriber protocol
 * (docs/NETSIM-SUBSCRIBER.md): words separated by one space, TPDUs in hex.
 */
#include <string.h>

#include "bytes.h"
#include "sub_proto.h"

#define MAX_WORDS 5

struct word {
	const char *p;
	size_t n;
};

static const struct {
	const char *name;
	enum sub_verb verb;
	size_t min_args, max_args;
} verbs[] = {
	{ "ATTACH", SUB_ATTACH, 1, 1 },
	{ "DETACH", SUB_DETACH, 0, 0 },
	{ "MO", SUB_MO, 2, 2 },
	{ "MT-ACK", SUB_MT_ACK, 1, 2 },
	{ "MT-NACK", SUB_MT_NACK, 2, 3 },
	{ "PING", SUB_PING, 0, 0 },
};

/* Split at single spaces; an empty word (two spaces) is an error. */
static int
split(const char *line, size_t len, struct word *w, size_t *nw)
{
	struct stk_cur c;
	const uint8_t *start;
	uint8_t b;
	size_t n = 0;

	stk_cur_init(&c, (const uint8_t *)line, len);
	*nw = 0;
	start = stk_cur_data(&c);
	while (stk_cur_u8(&c, &b)) {
		if (b == ' ') {
			if (n == 0 || *nw == MAX_WORDS)
				return -1;
			w[(*nw)++] = (struct word){ (const char *)start, n };
			start = stk_cur_data(&c);
			n = 0;
		} else if (b < 0x21 || b > 0x7e) {
			return -1;
		} else {
			n++;
		}
	}
	if (n == 0 || *nw == MAX_WORDS)
		return -1;
	w[(*nw)++] = (struct word){ (const char *)start, n };
	return 0;
}

static bool
word_is(const struct word *w, const char *s)
{
	return strlen(s) == w->n && memcmp(w->p, s, w->n) == 0;
}

/* Decimal number of 1..maxdigits digits, at most max. */
static bool
word_num(const struct word *w, size_t maxdigits, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (w->n == 0 || w->n > maxdigits)
		return false;
	for (i = 0; i < w->n; i++) {
		if (w->p[i] < '0' || w->p[i] > '9')
			return false;
		x = x * 10 + (uint64_t)(w->p[i] - '0');
	}
	if (x > max)
		return false;
	*v = x;
	return true;
}

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

static bool
word_hex(const struct word *w, struct sub_req *r)
{
	size_t i;

	if (w->n % 2 != 0 || w->n / 2 > sizeof(r->tpdu) || w->n == 0)
		return false;
	for (i = 0; i < w->n; i += 2) {
		int hi = hexval(w->p[i]), lo = hexval(w->p[i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		r->tpdu[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	r->tpdu_len = w->n / 2;
	return true;
}

int
sub_parse_line(const char *line, size_t len, struct sub_req *r,
    const char **reason)
{
	struct word w[MAX_WORDS];
	size_t nw, i, nargs;
	uint64_t v;

	memset(r, 0, sizeof(*r));
	*reason = "malformed line";
	if (len >= SUB_LINE_MAX) {
		*reason = "line too long";
		return -1;
	}
	if (split(line, len, w, &nw) != 0)
		return -1;
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (word_is(&w[0], verbs[i].name))
			break;
	if (i == sizeof(verbs) / sizeof(verbs[0])) {
		*reason = "unknown command";
		return -1;
	}
	nargs = nw - 1;
	if (nargs < verbs[i].min_args || nargs > verbs[i].max_args) {
		*reason = "wrong number of arguments";
		return -1;
	}
	r->verb = verbs[i].verb;
	switch (r->verb) {
	case SUB_ATTACH:
		if (w[1].n >= sizeof(r->msisdn) || w[1].p[0] != '+') {
			*reason = "MSISDN must be E.164 with +";
			return -1;
		}
		memcpy(r->msisdn, w[1].p, w[1].n);
		r->msisdn[w[1].n] = '\0';
		break;
	case SUB_MO:
		if (!word_num(&w[1], 10, UINT64_MAX, &v)) {
			*reason = "reference must be 1-10 digits";
			return -1;
		}
		memcpy(r->ref, w[1].p, w[1].n);
		r->ref[w[1].n] = '\0';
		if (!word_hex(&w[2], r)) {
			*reason = "bad TPDU hex";
			return -1;
		}
		break;
	case SUB_MT_ACK:
	case SUB_MT_NACK:
		if (!word_num(&w[1], 20, UINT64_MAX / 10, &r->id)) {
			*reason = "bad MT id";
			return -1;
		}
		if (r->verb == SUB_MT_NACK) {
			if (!word_num(&w[2], 3, 255, &v) || v == 0) {
				*reason = "RP cause must be 1..255";
				return -1;
			}
			r->cause = (unsigned)v;
		}
		if (nargs == (r->verb == SUB_MT_ACK ? 2u : 3u) &&
		    !word_hex(&w[nargs], r)) {
			*reason = "bad TPDU hex";
			return -1;
		}
		break;
	case SUB_DETACH:
	case SUB_PING:
		break;
	}
	return 0;
}
