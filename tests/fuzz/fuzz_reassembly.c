/*
 * fuzz_reassembly.c - the reassembler driven by a byte stream of
 * operations, checked against a simple shadow model.
 *
 * Stream: 3 config bytes (max_age, max_sets, max_bytes / 4), then ops:
 *   op % 4 == 0, 3: insert  orig(1) ref(1) flags(1) total(1) seq(1)
 *                   len(1) body(len % 48 octets)
 *   op % 4 == 1:    advance time by the next byte
 *   op % 4 == 2:    expire at the current time
 * Invariants: no crash; sets <= max_sets and bytes <= max_bytes; the
 * library's counts equal the model's; duplicate / conflict verdicts match
 * the model; a completed payload is the kept bodies in sequence order, so
 * its length is the sum of their lengths.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "concat.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXSETS 16
#define MAXBODY 48

struct shadow_set {
	bool used;
	char orig[2];
	uint16_t ref;
	bool ref16;
	uint8_t total;
	uint64_t first;
	bool have[256];
	uint8_t len[256];
	uint8_t body[256][MAXBODY];
};

struct model {
	struct shadow_set set[MAXSETS];
	size_t nsets, bytes;
};

static struct model *m;

static struct shadow_set *
shadow_find(const char *orig, uint16_t ref, bool ref16, uint8_t total)
{
	for (size_t i = 0; i < MAXSETS; i++) {
		struct shadow_set *s = &m->set[i];
		if (s->used && s->orig[0] == orig[0] && s->ref == ref &&
		    s->ref16 == ref16 && s->total == total)
			return s;
	}
	return NULL;
}

static size_t
shadow_bytes(const struct shadow_set *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->total; i++)
		n += s->have[i] ? s->len[i] : 0;
	return n;
}

static void
shadow_drop(struct shadow_set *s)
{
	m->bytes -= shadow_bytes(s);
	m->nsets--;
	memset(s, 0, sizeof(*s));
}

static void
on_expired(const struct stk_reasm_expired *e, void *arg)
{
	struct shadow_set *s = shadow_find(e->originator, e->ref, e->ref16,
	    e->total);

	(void)arg;
	if (s == NULL || shadow_bytes(s) != e->bytes)
		abort();
	shadow_drop(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stk_reasm_config cfg;
	struct stk_reasm *r;
	uint64_t now = 0;
	size_t i = 3;

	if (size < 3)
		return 0;
	cfg.max_age = (uint64_t)data[0] + 1;
	cfg.max_sets = data[1] % MAXSETS + 1;
	cfg.max_bytes = (size_t)data[2] * 4 + 1;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return 0;
	if ((r = stk_reasm_new(&cfg)) == NULL)
		abort();

	while (i < size) {
		uint8_t op = data[i++];

		if (op % 4 == 1) {
			if (i < size)
				now += data[i++];
		} else if (op % 4 == 2) {
			size_t before = m->nsets;
			size_t n = stk_reasm_expire(r, now, on_expired, NULL);
			if (before - m->nsets != n)
				abort();
		} else {
			char orig[2];
			struct stk_reasm_seg g = { 0 };
			struct stk_reasm_msg msg = { 0 };
			enum stk_reasm_status st;
			struct shadow_set *s;
			uint8_t flags, len;
			int rc;

			if (size - i < 6)
				break;
			orig[0] = (char)('A' + data[i++] % 3);
			orig[1] = '\0';
			g.originator = orig;
			g.ref = data[i++];
			flags = data[i++];
			g.ref16 = (flags & 1) != 0;
			if (g.ref16)
				g.ref |= (uint16_t)((flags & 0x02) << 8);
			/* Mostly small totals so sets complete; op 3 may
			 * give any value including 0. */
			g.total = op % 4 == 3 ? data[i++] : data[i++] % 5 + 1;
			g.seq = op % 4 == 3 ? data[i++] : data[i++] % 6 + 1;
			len = data[i++] % MAXBODY;
			if (size - i < len)
				len = (uint8_t)(size - i);
			g.body = data + i;
			g.body_len = len;
			i += len;
			g.time = now;

			s = shadow_find(orig, g.ref, g.ref16, g.total);
			rc = stk_reasm_add(r, &g, &st, &msg);
			if (g.total == 0 || g.seq == 0 || g.seq > g.total) {
				if (rc != STK_E_INVALID)
					abort();
			} else if (rc == STK_E_NOSPACE) {
				/* Only when a cap would be exceeded. */
				if (s == NULL && g.total > 1 &&
				    m->nsets < cfg.max_sets &&
				    m->bytes + len <= cfg.max_bytes)
					abort();
				if (s != NULL &&
				    m->bytes + len <= cfg.max_bytes)
					abort();
			} else if (rc != STK_OK) {
				abort();
			} else if (st == STK_REASM_DUPLICATE ||
			    st == STK_REASM_CONFLICT) {
				bool same;
				if (s == NULL || !s->have[g.seq - 1])
					abort();
				same = s->len[g.seq - 1] == len &&
				    memcmp(s->body[g.seq - 1], g.body, len) == 0;
				if (same != (st == STK_REASM_DUPLICATE))
					abort();
			} else if (st == STK_REASM_COMPLETE) {
				size_t want = len, at = 0;
				for (size_t k = 0; s != NULL && k < s->total; k++)
					if (k + 1 != g.seq)
						want += s->len[k];
				if (msg.len != want)
					abort();
				/* Bodies in sequence order. */
				for (size_t k = 0; k < g.total; k++) {
					const uint8_t *b = k + 1 == g.seq ?
					    g.body : s->body[k];
					size_t n = k + 1 == g.seq ? len :
					    s->len[k];
					if (n > 0 &&
					    memcmp(msg.payload + at, b, n) != 0)
						abort();
					at += n;
				}
				if (s != NULL)
					shadow_drop(s);
				stk_reasm_msg_clear(&msg);
			} else if (st == STK_REASM_STORED) {
				if (s == NULL) {
					for (size_t k = 0; k < MAXSETS; k++)
						if (!m->set[k].used) {
							s = &m->set[k];
							break;
						}
					if (s == NULL)
						abort();
					s->used = true;
					s->orig[0] = orig[0];
					s->ref = g.ref;
					s->ref16 = g.ref16;
					s->total = g.total;
					m->nsets++;
				}
				if (s->have[g.seq - 1])
					abort();
				s->have[g.seq - 1] = true;
				s->len[g.seq - 1] = len;
				memcpy(s->body[g.seq - 1], g.body, len);
				m->bytes += len;
			} else {
				abort();
			}
		}
		if (stk_reasm_sets(r) != m->nsets ||
		    stk_reasm_bytes(r) != m->bytes ||
		    m->nsets > cfg.max_sets || m->bytes > cfg.max_bytes)
			abort();
	}
	stk_reasm_free(r);
	free(m);
	m = NULL;
	return 0;
}
