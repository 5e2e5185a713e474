/*
 * concat.h - concatenated short messages (3GPP TS 23.040 §9.2.3.24.1,
 * §9.2.3.24.8): splitting a payload into segments, and reassembling
 * received segments.
 *
 * Segmenting.  The payload is octets (8-bit data, UCS-2 big-endian) or
 * unpacked septets (GSM 7-bit: one code 0x00-0x7F per byte, an extension
 * character being 0x1B + code).  Each segment comes out as raw UDH bytes
 * (UDHL octet first, or none) and a body in the form lib/tpdu.h takes
 * (stk_tpdu_set_udh() + stk_tpdu_set_octets() / stk_tpdu_set_septets()).
 * Capacity per segment (§9.2.3.16): 140 octets of TP-UD for 8-bit and
 * UCS-2; for GSM 7-bit 160 septets minus the header's septets including
 * the fill bits, ceil((1 + UDHL) * 8 / 7): 153 with an 8-bit reference,
 * 152 with a 16-bit one.  A UCS-2 character (2 octets) and a GSM 7-bit
 * escape sequence (0x1B + code) are never split across segments.  When
 * payload and non-concatenation IEs fit one message, no concatenation IE
 * is added.
 *
 * Segment UDH layout: concatenation IE (when concatenated), then the
 * first-only IEs (first segment only; e.g. the TS 31.115 command packet
 * identifier 0x70, whose command header must start the first segment's
 * body), then the IEs repeated in every segment (e.g. application ports).
 *
 * Reassembly.  A struct stk_reasm collects segments keyed by originator
 * address text + reference + reference width + total, and hands back the
 * payload (bodies concatenated in sequence order) when the last one
 * arrives.  It holds no clock: every call carries the time, in whatever
 * monotonic unit the caller uses consistently (seconds suggested), so
 * tests control time and a restarted bridge can re-insert the segments it
 * stored, with their original arrival times, to rebuild its state.
 * Memory is capped (sets, bytes); when full, new segments are refused with
 * STK_E_NOSPACE and nothing is evicted silently.
 */
#ifndef STKAUTH_CONCAT_H
#define STKAUTH_CONCAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "gsm7.h"
#include "udh.h"

#define STK_CONCAT_MAX_SEGMENTS 255
#define STK_CONCAT_UD_OCTETS 140
#define STK_CONCAT_UD_SEPTETS 160

/* One output segment. */
struct stk_segment {
	size_t udh_len;			/* 0: no header (single segment) */
	uint8_t udh[STK_CONCAT_UD_OCTETS];	/* UDHL first */
	size_t body_len;		/* octets, or septets for GSM 7-bit */
	uint8_t body[STK_CONCAT_UD_SEPTETS];
	unsigned fill_bits;		/* GSM 7-bit: fill bits after UDH */
	size_t udl;			/* TP-UDL: septets (GSM 7) or octets */
};

struct stk_seglist {
	size_t n;
	struct stk_segment *seg;	/* n entries, heap; stk_seglist_free */
};

struct stk_segment_opts {
	enum stk_charset charset;	/* how the payload is expressed */
	bool ref16;			/* IEI 0x08 instead of 0x00 */
	uint16_t ref;			/* <= 255 unless ref16 */
	/* IEs placed in every segment (e.g. ports), borrowed. */
	const struct stk_udh_ie *every;
	size_t n_every;
	/* IEs placed in the first segment only (e.g. IEI 0x70), borrowed. */
	const struct stk_udh_ie *first;
	size_t n_first;
	/* Always add a concatenation IE, even for a single segment. */
	bool force_concat;
};

/*
 * Split payload into segments (see top).  Errors: STK_E_ARG (bad options:
 * 8-bit reference > 255, an IE 0x00 / 0x08 in every/first, NULL with a
 * length), STK_E_INVALID (a GSM 7-bit septet above 0x7F),
 * STK_E_INCONSISTENT (odd UCS-2 length), STK_E_TOO_LONG (more than 255
 * segments needed, or the IEs leave no room for a body), STK_E_NOMEM.
 * An empty payload gives one segment with an empty body.  On success
 * *out owns the segments (release with stk_seglist_free); on error it is
 * empty.
 */
int stk_segment(const uint8_t *payload, size_t len,
    const struct stk_segment_opts *opts, struct stk_seglist *out);

void stk_seglist_free(struct stk_seglist *l);

/* Reassembly --------------------------------------------------------- */

#define STK_REASM_ORIG_MAX 64		/* originator text, octets */

struct stk_reasm_config {
	uint64_t max_age;	/* incomplete set expires at first + max_age
				 * (> 0, caller's time unit) */
	size_t max_sets;	/* concurrent incomplete sets; 0: 256 */
	size_t max_bytes;	/* body octets held in total; 0: 256 KiB */
};

/* One received segment, as the caller extracted it from the TPDU. */
struct stk_reasm_seg {
	const char *originator;	/* NUL-terminated, 1..STK_REASM_ORIG_MAX */
	uint16_t ref;
	bool ref16;
	uint8_t total;		/* >= 1 */
	uint8_t seq;		/* 1..total */
	const uint8_t *body;	/* may be NULL when body_len is 0 */
	size_t body_len;
	uint64_t time;		/* arrival time */
};

enum stk_reasm_status {
	STK_REASM_STORED = 0,	/* kept, set still incomplete */
	STK_REASM_COMPLETE = 1,	/* set complete: *msg filled, set removed */
	STK_REASM_DUPLICATE = 2,/* same seq, same body: ignored */
	STK_REASM_CONFLICT = 3,	/* same seq, other body: ignored, first kept */
};

/* A reassembled message; release the payload with stk_reasm_msg_clear. */
struct stk_reasm_msg {
	char originator[STK_REASM_ORIG_MAX + 1];
	uint16_t ref;
	bool ref16;
	uint8_t total;
	uint64_t first_time;	/* earliest arrival among its segments */
	uint64_t last_time;	/* latest arrival */
	uint8_t *payload;	/* heap, len octets (NULL when len is 0) */
	size_t len;
};

/* What stk_reasm_expire() reports for each set it drops. */
struct stk_reasm_expired {
	const char *originator;	/* valid during the callback only */
	uint16_t ref;
	bool ref16;
	uint8_t total;
	uint8_t received;	/* distinct segments that had arrived */
	size_t bytes;		/* body octets they held */
	uint64_t first_time;
	uint64_t last_time;
};

struct stk_reasm;

/*
 * New reassembler; NULL on bad config (max_age 0) or out of memory.
 * stk_reasm_free accepts NULL.
 */
struct stk_reasm *stk_reasm_new(const struct stk_reasm_config *cfg);
void stk_reasm_free(struct stk_reasm *r);

/*
 * Offer one segment.  Returns 0 with *status set (see the enum); on
 * STK_REASM_COMPLETE *msg owns the payload.  Errors (nothing stored):
 * STK_E_ARG (NULL, empty or overlong originator, body NULL with a length,
 * an 8-bit reference above 255), STK_E_INVALID (total 0, seq 0 or
 * seq > total: §9.2.3.24.1 says ignore), STK_E_NOSPACE (a new set would
 * exceed max_sets, or holding the body would exceed max_bytes; the
 * segment that completes a set is never held, so it is not refused for
 * bytes), STK_E_NOMEM.  A set of total 1 completes at once.  The originator
 * is compared as given: normalise it (e.g. international form) first.
 */
int stk_reasm_add(struct stk_reasm *r, const struct stk_reasm_seg *seg,
    enum stk_reasm_status *status, struct stk_reasm_msg *msg);

void stk_reasm_msg_clear(struct stk_reasm_msg *msg);

/*
 * Drop every incomplete set whose first segment arrived at or before
 * now - max_age, calling cb (if non-NULL) for each before it is freed.
 * Returns the number of sets dropped.
 */
size_t stk_reasm_expire(struct stk_reasm *r, uint64_t now,
    void (*cb)(const struct stk_reasm_expired *e, void *arg), void *arg);

/* Current incomplete sets and body octets held. */
size_t stk_reasm_sets(const struct stk_reasm *r);
size_t stk_reasm_bytes(const struct stk_reasm *r);

#endif
