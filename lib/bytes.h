/*
 * bytes.h - the bounded read cursor and the byte builder (after OpenBSD's
 * CBS/CBB).  Every decoder and encoder in stkauth reads and writes wire data
 * through these, and nowhere else does pointer arithmetic on peer bytes.
 *
 * Cursor contract: a cursor never owns memory.  Every getter performs one
 * bounds check and returns false, leaving the cursor unchanged, when the
 * input is too short.  Multi-byte integers are big-endian (network order),
 * as in every format we speak except semi-octets, which have their own code.
 * stk_cur_offset() is the position in the outermost buffer, carried into
 * sub-cursors, so error reports can name absolute offsets.
 *
 * Builder contract: appends never overrun.  A growable builder reallocates;
 * a fixed one (over caller memory) fails when full.  Failures are sticky:
 * after one failed append every later call fails too and stk_buf_ok() is
 * false, so encoders may append freely and check once at the end.
 */
#ifndef STKAUTH_BYTES_H
#define STKAUTH_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct stk_cur {
	const uint8_t *p;
	size_t len;
	size_t off;	/* offset of p in the outermost buffer */
};

void stk_cur_init(struct stk_cur *c, const uint8_t *data, size_t len);
static inline size_t stk_cur_len(const struct stk_cur *c) { return c->len; }
static inline const uint8_t *stk_cur_data(const struct stk_cur *c) { return c->p; }
static inline size_t stk_cur_offset(const struct stk_cur *c) { return c->off; }
static inline bool stk_cur_empty(const struct stk_cur *c) { return c->len == 0; }

bool stk_cur_skip(struct stk_cur *c, size_t n);
bool stk_cur_peek_u8(const struct stk_cur *c, uint8_t *v);
bool stk_cur_u8(struct stk_cur *c, uint8_t *v);
bool stk_cur_u16(struct stk_cur *c, uint16_t *v);
bool stk_cur_u24(struct stk_cur *c, uint32_t *v);
bool stk_cur_u32(struct stk_cur *c, uint32_t *v);
bool stk_cur_u40(struct stk_cur *c, uint64_t *v);
/* Borrow n bytes: *p points into the input, valid while the input lives. */
bool stk_cur_bytes(struct stk_cur *c, const uint8_t **p, size_t n);
bool stk_cur_copy(struct stk_cur *c, uint8_t *out, size_t n);
/* Split off the next n bytes as sub-cursor *sub and advance past them. */
bool stk_cur_sub(struct stk_cur *c, struct stk_cur *sub, size_t n);
/* Length-prefixed sub-cursors: 1- or 2-byte big-endian length, then data. */
bool stk_cur_u8_prefixed(struct stk_cur *c, struct stk_cur *sub);
bool stk_cur_u16_prefixed(struct stk_cur *c, struct stk_cur *sub);
/* Take everything that is left as *sub; c becomes empty. */
void stk_cur_rest(struct stk_cur *c, struct stk_cur *sub);

struct stk_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	bool fixed;	/* caller memory: never reallocated or freed */
	bool failed;	/* sticky failure flag */
	size_t max;	/* growable: hard upper bound on len (0: 1 MiB) */
};

/* Growable, heap-backed builder; release with stk_buf_free(). */
void stk_buf_init(struct stk_buf *b);
/* Builder over caller memory of cap bytes. */
void stk_buf_init_fixed(struct stk_buf *b, uint8_t *mem, size_t cap);
/* Free a growable builder's memory (safe on fixed ones and twice). */
void stk_buf_free(struct stk_buf *b);
/* Forget the contents, keep the memory and clear the failure flag. */
void stk_buf_reset(struct stk_buf *b);

static inline bool stk_buf_ok(const struct stk_buf *b) { return !b->failed; }
static inline size_t stk_buf_len(const struct stk_buf *b) { return b->len; }
static inline uint8_t *stk_buf_data(const struct stk_buf *b) { return b->data; }

bool stk_buf_add_u8(struct stk_buf *b, uint8_t v);
bool stk_buf_add_u16(struct stk_buf *b, uint16_t v);
bool stk_buf_add_u24(struct stk_buf *b, uint32_t v);
bool stk_buf_add_u32(struct stk_buf *b, uint32_t v);
bool stk_buf_add_u40(struct stk_buf *b, uint64_t v);
bool stk_buf_add_bytes(struct stk_buf *b, const void *p, size_t n);
bool stk_buf_add_zeros(struct stk_buf *b, size_t n);
/* Reserve n bytes at the end and return them in *p for the caller to fill. */
bool stk_buf_add_space(struct stk_buf *b, uint8_t **p, size_t n);
/* Overwrite one already written byte (to fill a reserved length prefix). */
bool stk_buf_set_u8(struct stk_buf *b, size_t at, uint8_t v);
/* Insert n bytes at offset at, moving what follows (variable-width prefixes). */
bool stk_buf_insert(struct stk_buf *b, size_t at, const void *p, size_t n);
/* Drop everything from offset len on. */
bool stk_buf_truncate(struct stk_buf *b, size_t len);

/*
 * Length-prefixed children, CBB style: stk_buf_open_u8() writes a 1-byte
 * placeholder and returns its position; stk_buf_close_u8() fills it with the
 * number of bytes written since.  Fails (sticky) if the child exceeds 255.
 */
size_t stk_buf_open_u8(struct stk_buf *b);
bool stk_buf_close_u8(struct stk_buf *b, size_t mark);
size_t stk_buf_open_u16(struct stk_buf *b);
bool stk_buf_close_u16(struct stk_buf *b, size_t mark);

/*
 * Hand the contents of a growable builder to the caller (free() it) and
 * leave the builder empty.  NULL if the builder failed or is fixed.
 */
uint8_t *stk_buf_detach(struct stk_buf *b, size_t *len);

/* Constant-time comparison of two equal-length byte strings: 1 equal. */
int stk_ct_equal(const void *a, const void *b, size_t n);

#endif
