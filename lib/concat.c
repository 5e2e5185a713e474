/*
 * concat.c - concatenated short messages, TS 23.040 §9.2.3.24.1 and
 * §9.2.3.24.8: segmenting and reassembly; contracts in concat.h.
 */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include "concat.h"

/* Segmenting ---------------------------------------------------------- */

/* Octets one IE list takes in a header (IEI + IEIDL + data each). */
static size_t
ies_len(const struct stk_udh_ie *ies, size_t n)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++)
		len += 2 + (size_t)ies[i].len;
	return len;
}

static int
ies_check(const struct stk_udh_ie *ies, size_t n)
{
	if (n > 0 && ies == NULL)
		return STK_E_ARG;
	for (size_t i = 0; i < n; i++) {
		/* The segmenter owns the concatenation IE. */
		if (ies[i].iei == STK_IEI_CONCAT8 ||
		    ies[i].iei == STK_IEI_CONCAT16)
			return STK_E_ARG;
		if (ies[i].len > 0 && ies[i].data == NULL)
			return STK_E_ARG;
	}
	return STK_OK;
}

/* Septets a header of hdr octets (UDHL included) occupies, fill bits
 * included: §9.2.3.24, the body starts on a septet boundary. */
static size_t
hdr_septets(size_t hdr)
{
	return (hdr * 8 + 6) / 7;
}

/*
 * Body room, in payload units (septets for GSM 7-bit, octets otherwise),
 * left by a header of hdr octets (0: no header).  UCS-2 rounds down to
 * whole characters (§9.2.3.24.1: "if the length of the User Data Header is
 * odd, the maximum length of the whole TP-UD field is 139 octets").
 */
static size_t
body_room(enum stk_charset cs, size_t hdr)
{
	size_t room;

	if (cs == STK_CHARSET_GSM7) {
		if (hdr_septets(hdr) >= STK_CONCAT_UD_SEPTETS)
			return 0;
		return STK_CONCAT_UD_SEPTETS - hdr_septets(hdr);
	}
	if (hdr >= STK_CONCAT_UD_OCTETS)
		return 0;
	room = STK_CONCAT_UD_OCTETS - hdr;
	if (cs == STK_CHARSET_UCS2)
		room &= ~(size_t)1;
	return room;
}

/*
 * Length of the next segment body starting at pos with room units: never
 * splits a UCS-2 character or a GSM 7-bit escape sequence (0x1B + code).
 * Returns 0 when nothing fits (only possible with no room left, or room 1
 * before an escape sequence).
 */
static size_t
next_take(const uint8_t *p, size_t len, size_t pos, size_t room,
    enum stk_charset cs)
{
	size_t rem = len - pos, j;

	if (cs != STK_CHARSET_GSM7)
		return rem < room ? rem : room;	/* room is even for UCS-2 */
	j = pos;
	while (j < len) {
		size_t unit = (p[j] == STK_GSM7_ESCAPE && j + 1 < len) ? 2 : 1;

		if (j - pos + unit > room)
			break;
		j += unit;
	}
	return j - pos;
}

/* Fill one segment: header from its parts, body from the payload. */
static int
segment_fill(struct stk_segment *s, const struct stk_segment_opts *o,
    const struct stk_udh_concat *cc, bool first, const uint8_t *body,
    size_t n)
{
	struct stk_buf w;
	int rc;

	memset(s, 0, sizeof(*s));
	if (cc != NULL || o->n_every > 0 || (first && o->n_first > 0)) {
		stk_buf_init_fixed(&w, s->udh, sizeof(s->udh));
		stk_buf_add_u8(&w, 0);		/* UDHL, set below */
		if (cc != NULL && (rc = stk_udh_put_concat(&w, cc)) != STK_OK)
			return rc;
		for (size_t i = 0; first && i < o->n_first; i++)
			stk_udh_put_ie(&w, o->first[i].iei, o->first[i].data,
			    o->first[i].len);
		for (size_t i = 0; i < o->n_every; i++)
			stk_udh_put_ie(&w, o->every[i].iei, o->every[i].data,
			    o->every[i].len);
		if (!stk_buf_ok(&w) ||
		    !stk_buf_set_u8(&w, 0, (uint8_t)(stk_buf_len(&w) - 1)))
			return STK_E_TOO_LONG;
		s->udh_len = stk_buf_len(&w);
	}
	if (n > sizeof(s->body))
		return STK_E_TOO_LONG;
	if (n > 0)
		memcpy(s->body, body, n);
	s->body_len = n;
	if (o->charset == STK_CHARSET_GSM7) {
		s->fill_bits = s->udh_len > 0 ?
		    (unsigned)(hdr_septets(s->udh_len) * 7 - s->udh_len * 8) : 0;
		s->udl = hdr_septets(s->udh_len) + n;
	} else {
		s->udl = s->udh_len + n;
	}
	return STK_OK;
}

void
stk_seglist_free(struct stk_seglist *l)
{
	if (l == NULL)
		return;
	free(l->seg);
	l->seg = NULL;
	l->n = 0;
}

int
stk_segment(const uint8_t *payload, size_t len,
    const struct stk_segment_opts *o, struct stk_seglist *out)
{
	size_t cut[STK_CONCAT_MAX_SEGMENTS + 1];	/* segment start offsets */
	size_t nseg, single_hdr, first_hdr, other_hdr, cc_len, pos;
	struct stk_segment *seg = NULL;
	int rc;

	out->n = 0;
	out->seg = NULL;
	if (o == NULL || (len > 0 && payload == NULL))
		return STK_E_ARG;
	if (!o->ref16 && o->ref > 0xff)
		return STK_E_ARG;
	if (o->charset != STK_CHARSET_GSM7 && o->charset != STK_CHARSET_8BIT &&
	    o->charset != STK_CHARSET_UCS2)
		return STK_E_ARG;
	if ((rc = ies_check(o->every, o->n_every)) != STK_OK ||
	    (rc = ies_check(o->first, o->n_first)) != STK_OK)
		return rc;
	if (o->charset == STK_CHARSET_GSM7) {
		for (size_t i = 0; i < len; i++)
			if (payload[i] > 0x7f)
				return STK_E_INVALID;
	} else if (o->charset == STK_CHARSET_UCS2 && len % 2 != 0) {
		return STK_E_INCONSISTENT;
	}

	/* Header sizes, UDHL octet included (0 = no header at all). */
	cc_len = o->ref16 ? 6 : 5;
	single_hdr = o->n_every + o->n_first > 0 ?
	    1 + ies_len(o->first, o->n_first) + ies_len(o->every, o->n_every) :
	    0;
	first_hdr = 1 + cc_len + ies_len(o->first, o->n_first) +
	    ies_len(o->every, o->n_every);
	other_hdr = 1 + cc_len + ies_len(o->every, o->n_every);

	if (!o->force_concat && single_hdr <= STK_CONCAT_UD_OCTETS &&
	    len <= body_room(o->charset, single_hdr)) {
		if ((seg = calloc(1, sizeof(*seg))) == NULL)
			return STK_E_NOMEM;
		if ((rc = segment_fill(seg, o, NULL, true, payload, len))
		    != STK_OK)
			goto out;
		out->seg = seg;
		out->n = 1;
		seg = NULL;
		rc = STK_OK;
		goto out;
	}

	/* §9.2.3.24.1: fill each segment as far as its header allows. */
	if (first_hdr > STK_CONCAT_UD_OCTETS)
		return STK_E_TOO_LONG;
	nseg = 0;
	pos = 0;
	do {
		size_t room = body_room(o->charset,
		    nseg == 0 ? first_hdr : other_hdr);
		size_t take = next_take(payload, len, pos, room, o->charset);

		if (take == 0 && pos < len)
			return STK_E_TOO_LONG;	/* no room for a body */
		if (nseg == STK_CONCAT_MAX_SEGMENTS)
			return STK_E_TOO_LONG;
		cut[nseg++] = pos;
		pos += take;
	} while (pos < len);
	cut[nseg] = len;

	if ((seg = calloc(nseg, sizeof(*seg))) == NULL)
		return STK_E_NOMEM;
	for (size_t i = 0; i < nseg; i++) {
		struct stk_udh_concat cc = {
			.ref = o->ref, .ref16 = o->ref16,
			.total = (uint8_t)nseg, .seq = (uint8_t)(i + 1),
		};

		if ((rc = segment_fill(&seg[i], o, &cc, i == 0,
		    payload + cut[i], cut[i + 1] - cut[i])) != STK_OK)
			goto out;
	}
	out->seg = seg;
	out->n = nseg;
	seg = NULL;
	rc = STK_OK;
out:
	free(seg);
	return rc;
}

/* Reassembly ---------------------------------------------------------- */

#define REASM_DEFAULT_SETS 256
#define REASM_DEFAULT_BYTES (256u * 1024u)

struct reasm_part {
	uint8_t *data;		/* NULL when len is 0 */
	size_t len;
	bool have;
};

struct reasm_set {
	char orig[STK_REASM_ORIG_MAX + 1];
	uint16_t ref;
	bool ref16;
	uint8_t total;
	uint8_t received;
	size_t bytes;
	uint64_t first, last;
	struct reasm_part part[];	/* total entries */
};

struct stk_reasm {
	struct stk_reasm_config cfg;
	struct reasm_set **set;		/* cfg.max_sets slots, nsets used */
	size_t nsets;
	size_t bytes;
};

struct stk_reasm *
stk_reasm_new(const struct stk_reasm_config *cfg)
{
	struct stk_reasm *r = NULL;

	if (cfg == NULL || cfg->max_age == 0)
		return NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->cfg = *cfg;
	if (r->cfg.max_sets == 0)
		r->cfg.max_sets = REASM_DEFAULT_SETS;
	if (r->cfg.max_bytes == 0)
		r->cfg.max_bytes = REASM_DEFAULT_BYTES;
	if ((r->set = calloc(r->cfg.max_sets, sizeof(*r->set))) == NULL) {
		free(r);
		return NULL;
	}
	return r;
}

static void
set_free(struct reasm_set *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->total; i++)
		free(s->part[i].data);
	free(s);
}

/* Remove slot i keeping arrival order (expiry reports oldest first). */
static void
set_remove(struct stk_reasm *r, size_t i)
{
	r->bytes -= r->set[i]->bytes;
	set_free(r->set[i]);
	memmove(&r->set[i], &r->set[i + 1],
	    (r->nsets - i - 1) * sizeof(r->set[0]));
	r->nsets--;
}

void
stk_reasm_free(struct stk_reasm *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nsets; i++)
		set_free(r->set[i]);
	free(r->set);
	free(r);
}

void
stk_reasm_msg_clear(struct stk_reasm_msg *msg)
{
	if (msg == NULL)
		return;
	free(msg->payload);
	memset(msg, 0, sizeof(*msg));
}

size_t
stk_reasm_sets(const struct stk_reasm *r)
{
	return r->nsets;
}

size_t
stk_reasm_bytes(const struct stk_reasm *r)
{
	return r->bytes;
}

/* The set key: originator, reference and its width, total. */
static ssize_t
set_find(const struct stk_reasm *r, const struct stk_reasm_seg *g)
{
	for (size_t i = 0; i < r->nsets; i++) {
		const struct reasm_set *s = r->set[i];

		if (s->ref == g->ref && s->ref16 == g->ref16 &&
		    s->total == g->total && strcmp(s->orig, g->originator) == 0)
			return (ssize_t)i;
	}
	return -1;
}

/*
 * Build the payload of a set that seg (not yet stored) completes; s may
 * be NULL for a single-segment message.  On success *msg owns it.
 */
static int
complete(const struct reasm_set *s, const struct stk_reasm_seg *g,
    struct stk_reasm_msg *msg)
{
	size_t len = g->body_len, at = 0;
	uint8_t *p = NULL;

	if (s != NULL)
		len += s->bytes;
	if (len > 0 && (p = malloc(len)) == NULL)
		return STK_E_NOMEM;
	for (size_t i = 0; i < g->total; i++) {
		const uint8_t *d;
		size_t n;

		if (i + 1 == g->seq) {
			d = g->body;
			n = g->body_len;
		} else {
			d = s->part[i].data;
			n = s->part[i].len;
		}
		if (n > 0)
			memcpy(p + at, d, n);
		at += n;
	}
	memset(msg, 0, sizeof(*msg));
	memcpy(msg->originator, g->originator, strlen(g->originator) + 1);
	msg->ref = g->ref;
	msg->ref16 = g->ref16;
	msg->total = g->total;
	msg->first_time = msg->last_time = g->time;
	if (s != NULL) {
		if (s->first < msg->first_time)
			msg->first_time = s->first;
		if (s->last > msg->last_time)
			msg->last_time = s->last;
	}
	msg->payload = p;
	msg->len = len;
	return STK_OK;
}

int
stk_reasm_add(struct stk_reasm *r, const struct stk_reasm_seg *g,
    enum stk_reasm_status *status, struct stk_reasm_msg *msg)
{
	struct reasm_set *s = NULL;
	struct reasm_part *pt;
	size_t olen;
	ssize_t idx;
	int rc;

	if (r == NULL || g == NULL || status == NULL || msg == NULL ||
	    g->originator == NULL || (g->body_len > 0 && g->body == NULL))
		return STK_E_ARG;
	olen = strnlen(g->originator, STK_REASM_ORIG_MAX + 1);
	if (olen == 0 || olen > STK_REASM_ORIG_MAX)
		return STK_E_ARG;
	if (!g->ref16 && g->ref > 0xff)
		return STK_E_ARG;
	/* §9.2.3.24.1: such a concatenation IE is to be ignored. */
	if (g->total == 0 || g->seq == 0 || g->seq > g->total)
		return STK_E_INVALID;

	if ((idx = set_find(r, g)) < 0) {
		if (g->total == 1) {
			if ((rc = complete(NULL, g, msg)) != STK_OK)
				return rc;
			*status = STK_REASM_COMPLETE;
			return STK_OK;
		}
		if (r->nsets >= r->cfg.max_sets ||
		    g->body_len > r->cfg.max_bytes - r->bytes)
			return STK_E_NOSPACE;
		s = calloc(1, sizeof(*s) + g->total * sizeof(s->part[0]));
		if (s == NULL)
			return STK_E_NOMEM;
		memcpy(s->orig, g->originator, olen + 1);
		s->ref = g->ref;
		s->ref16 = g->ref16;
		s->total = g->total;
		s->first = s->last = g->time;
		pt = &s->part[g->seq - 1];
		if (g->body_len > 0) {
			if ((pt->data = malloc(g->body_len)) == NULL) {
				free(s);
				return STK_E_NOMEM;
			}
			memcpy(pt->data, g->body, g->body_len);
		}
		pt->len = g->body_len;
		pt->have = true;
		s->received = 1;
		s->bytes = g->body_len;
		r->set[r->nsets++] = s;
		r->bytes += g->body_len;
		*status = STK_REASM_STORED;
		return STK_OK;
	}

	s = r->set[idx];
	pt = &s->part[g->seq - 1];
	if (pt->have) {
		bool same = pt->len == g->body_len &&
		    (g->body_len == 0 ||
		    memcmp(pt->data, g->body, g->body_len) == 0);

		*status = same ? STK_REASM_DUPLICATE : STK_REASM_CONFLICT;
		return STK_OK;
	}
	if (s->received + 1 == s->total) {
		/* The last one: build the payload without storing it. */
		if ((rc = complete(s, g, msg)) != STK_OK)
			return rc;
		set_remove(r, (size_t)idx);
		*status = STK_REASM_COMPLETE;
		return STK_OK;
	}
	if (g->body_len > r->cfg.max_bytes - r->bytes)
		return STK_E_NOSPACE;
	if (g->body_len > 0) {
		if ((pt->data = malloc(g->body_len)) == NULL)
			return STK_E_NOMEM;
		memcpy(pt->data, g->body, g->body_len);
	}
	pt->len = g->body_len;
	pt->have = true;
	s->received++;
	s->bytes += g->body_len;
	r->bytes += g->body_len;
	if (g->time < s->first)
		s->first = g->time;
	if (g->time > s->last)
		s->last = g->time;
	*status = STK_REASM_STORED;
	return STK_OK;
}

size_t
stk_reasm_expire(struct stk_reasm *r, uint64_t now,
    void (*cb)(const struct stk_reasm_expired *e, void *arg), void *arg)
{
	size_t dropped = 0, i = 0;

	while (i < r->nsets) {
		const struct reasm_set *s = r->set[i];

		if (now < s->first || now - s->first < r->cfg.max_age) {
			i++;
			continue;
		}
		if (cb != NULL) {
			struct stk_reasm_expired e = {
				.originator = s->orig, .ref = s->ref,
				.ref16 = s->ref16, .total = s->total,
				.received = s->received, .bytes = s->bytes,
				.first_time = s->first, .last_time = s->last,
			};
			cb(&e, arg);
		}
		set_remove(r, i);
		dropped++;
	}
	return dropped;
}
