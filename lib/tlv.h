/*
 * tlv.h - BER-TLV and COMPREHENSION-TLV as used by the (U)SIM toolkit:
 * ETSI TS 101 220 §7.1 (after ISO/IEC 8825-1) and ETSI TS 102 223 annex C.
 *
 * BER-TLV (TS 101 220 §7.1.1): a tag of one byte, or of two bytes when the
 * low five bits of the first byte are all ones (0x1F): the second byte then
 * has bit 8 clear and a value 0x1F-0x7F (ISO/IEC 7816-4 §5.2.2.1: 0x00-0x1E
 * would be a non-minimal tag number).  Tags of three or more bytes are
 * STK_E_UNSUPPORTED; first bytes 0x00 and 0xFF (padding in ISO/IEC 7816-4)
 * are STK_E_INVALID.  A BER tag is reported as the number formed by its
 * bytes, big-endian: 0xD0 (proactive command), 0x7F21, ...
 *
 * COMPREHENSION-TLV (TS 101 220 §7.1.1.1 and §7.1.1.2):
 *   single-byte tag:  CR (bit 8) + tag value (bits 7-1), 0x01-0x7E; the
 *                     bytes 0x00, 0x80 and 0xFF are not tags (STK_E_INVALID)
 *                     and 0x7F announces the three-byte format;
 *   three-byte tag:   0x7F, then CR (bit 16) + tag value (bits 15-1),
 *                     value 0x0001-0x7FFF (0x0000 is STK_E_INVALID).
 * The tag value is the same number whichever format carries it (so the
 * Command details tag is 0x01 whether it arrived as 01, 81 or 7F 00 01).
 *
 * Length (TS 102 223 annex C, TS 101 220 §7.1.2), the same for both kinds:
 *   0x00-0x7F           one byte, the length itself
 *   0x81 L              L = 0x80-0xFF
 *   0x82 L1 L2          L = 0x0100-0xFFFF
 *   0x83 L1 L2 L3       L = 0x010000-0xFFFFFF
 * Any other first byte (0x80, 0x84-0xFF) is STK_E_INVALID; a length written
 * in a longer form than needed (e.g. 81 05, 82 00 FF) is STK_E_INVALID
 * ("non-minimal"), so that every element has exactly one encoding; a length
 * beyond the input is STK_E_TRUNCATED.
 *
 * Decoders read through struct stk_cur, never copy, and on failure name the
 * field ("BER-TLV tag", "BER-TLV length", "COMPREHENSION-TLV tag",
 * "COMPREHENSION-TLV length") and its absolute offset in the diag, leaving
 * the cursor unchanged.  A length that runs past the input is reported on
 * the length field (STK_E_TRUNCATED at the offset of the length).
 *
 * Builders append to a struct stk_buf and follow its sticky failure rule:
 * they return false and mark the builder failed on any error (invalid tag,
 * length above 0xFFFFFF, out of space), so callers may check once at the end.
 */
#ifndef STKAUTH_TLV_H
#define STKAUTH_TLV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "err.h"

/* Largest length the TS 102 223 annex C length field can express. */
#define STK_TLV_LEN_MAX 0xffffffu

/* Largest COMPREHENSION-TLV tag value (15 bits, three-byte format). */
#define STK_CTLV_TAG_MAX 0x7fffu

/* CR flag of the single-byte COMPREHENSION-TLV tag (TS 101 220 §7.1.1.1). */
#define STK_CTLV_CR 0x80u

/* The first byte that announces a three-byte COMPREHENSION-TLV tag. */
#define STK_CTLV_TAG3 0x7fu

/* One decoded element.  value borrows from the input. */
struct stk_tlv {
	uint32_t tag;		/* BER: tag bytes as a number; CTLV: tag value */
	bool cr;		/* CTLV: comprehension required; BER: false */
	bool comprehension;	/* true when read as a COMPREHENSION-TLV */
	bool tag3;		/* CTLV: the tag used the three-byte format */
	struct stk_cur value;	/* the value field, absolute offsets kept */
	size_t tag_offset;	/* absolute offset of the first tag byte */
	size_t size;		/* whole element: tag + length + value bytes */
};

/* ---- lengths ---------------------------------------------------------- */

/*
 * Read a length field (TS 102 223 annex C) at the cursor into *len and
 * advance past it.  Only the length field is read: whether *len bytes
 * follow is the caller's business.  field names the failure in the diag
 * (e.g. "BER-TLV length"); NULL means "TLV length".  Errors:
 * STK_E_TRUNCATED (field cut short), STK_E_INVALID (0x80, 0x84-0xFF, or a
 * non-minimal form).
 */
int stk_tlv_get_length(struct stk_cur *c, size_t *len, struct stk_diag *d,
    const char *field);

/* Bytes of the length field for len: 1, 2, 3 or 4; 0 when len > 0xFFFFFF. */
size_t stk_tlv_len_size(size_t len);

/* Append the minimal length field for len; false (sticky) if > 0xFFFFFF. */
bool stk_tlv_add_length(struct stk_buf *b, size_t len);

/* ---- decoding one element --------------------------------------------- */

/*
 * Read one BER-TLV element at the cursor into *t and advance past it.
 * On error the cursor is unchanged and *t is unspecified.
 */
int stk_ber_tlv_get(struct stk_cur *c, struct stk_tlv *t, struct stk_diag *d);

/* The same for one COMPREHENSION-TLV element. */
int stk_ctlv_get(struct stk_cur *c, struct stk_tlv *t, struct stk_diag *d);

/*
 * The whole input must be exactly one BER-TLV element whose tag is
 * want_tag (0: any tag).  STK_E_TRAILING when bytes follow it,
 * STK_E_INVALID ("BER-TLV tag") when the tag differs.  Used for the top
 * level of proactive commands (D0) and envelopes (D1...).
 */
int stk_ber_tlv_parse_one(const uint8_t *data, size_t len, uint32_t want_tag,
    struct stk_tlv *t, struct stk_diag *d);

/* ---- sequences -------------------------------------------------------- */

/*
 * Iterator over a sequence of elements that fills its cursor exactly, e.g.
 * the COMPREHENSION-TLVs inside a D0 proactive command:
 *
 *	struct stk_tlv_iter it;
 *	struct stk_tlv t;
 *	int r;
 *
 *	stk_tlv_iter_init(&it, &outer.value, true);
 *	while ((r = stk_tlv_next(&it, &t, d)) > 0)
 *		... use t ...
 *	if (r < 0)
 *		return r;	(named error, diag filled)
 *
 * stk_tlv_next() returns 1 with the next element, 0 at the clean end of
 * the input, or a negative error; after an error it keeps returning that
 * error.  The iterator copies the cursor; the input must outlive it.
 */
struct stk_tlv_iter {
	struct stk_cur rest;
	bool comprehension;	/* elements are COMPREHENSION-TLVs */
	int err;		/* sticky error, STK_OK while healthy */
};

void stk_tlv_iter_init(struct stk_tlv_iter *it, const struct stk_cur *seq,
    bool comprehension);
int stk_tlv_next(struct stk_tlv_iter *it, struct stk_tlv *t,
    struct stk_diag *d);

/*
 * Find the first COMPREHENSION-TLV with tag value tag (CR ignored) in a
 * sequence.  The whole sequence is validated first, so a malformed
 * sequence is its decoding error even when the tag occurs before the
 * damage.  Returns STK_OK with *t filled, STK_E_NOT_FOUND (diag untouched)
 * or the decoding error.
 */
int stk_ctlv_find(const struct stk_cur *seq, uint32_t tag, struct stk_tlv *t,
    struct stk_diag *d);

/* Count the elements of a sequence (validating it): >= 0, or an error. */
int stk_tlv_count(const struct stk_cur *seq, bool comprehension,
    struct stk_diag *d);

/* ---- building --------------------------------------------------------- */

/*
 * Append a BER tag given as the number its bytes form: a one-byte tag
 * 0x01-0xFE whose low five bits are not all ones, or a two-byte tag
 * 0xXXYY whose first byte XX has its low five bits all ones (and is not
 * 0xFF) and whose second byte YY is 0x1F-0x7F.  Anything else fails
 * (sticky).
 */
bool stk_ber_add_tag(struct stk_buf *b, uint32_t tag);

/*
 * Append a COMPREHENSION-TLV tag for tag value 0x0001-0x7FFF: the
 * single-byte format for 0x01-0x7E, the three-byte format otherwise (or
 * always when force3 is true).  Other values fail (sticky).
 */
bool stk_ctlv_add_tag(struct stk_buf *b, uint32_t tag, bool cr, bool force3);

/* Append a whole element: tag, minimal length, value (len bytes). */
bool stk_ber_tlv_add(struct stk_buf *b, uint32_t tag, const void *value,
    size_t len);
bool stk_ctlv_add(struct stk_buf *b, uint32_t tag, bool cr, const void *value,
    size_t len);

/*
 * Open an element whose value is built next: writes the tag and a one-byte
 * length placeholder and returns a mark for stk_tlv_close().  Children may
 * be opened inside (nested BER/COMPREHENSION-TLVs) and must be closed
 * first, innermost first.
 */
size_t stk_ber_tlv_open(struct stk_buf *b, uint32_t tag);
size_t stk_ctlv_open(struct stk_buf *b, uint32_t tag, bool cr);

/*
 * Close an element opened at mark: the length is everything written since
 * the placeholder; it is filled in in its minimal form, inserting the extra
 * length bytes (0x81/0x82/0x83 forms) after the placeholder when needed, so
 * every offset taken after the mark moves.  False (sticky) when the value
 * exceeds 0xFFFFFF bytes or the builder already failed.
 */
bool stk_tlv_close(struct stk_buf *b, size_t mark);

#endif
