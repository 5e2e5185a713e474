/* bytes.c - bounded cursor and builder; see the contracts in bytes.h. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "bytes.h"

#define STK_BUF_DEFAULT_MAX (1u << 20)

void
stk_cur_init(struct stk_cur *c, const uint8_t *data, size_t len)
{
	c->p = data;
	c->len = data != NULL ? len : 0;
	c->off = 0;
}

bool
stk_cur_skip(struct stk_cur *c, size_t n)
{
	if (n > c->len)
		return false;
	c->p += n;
	c->len -= n;
	c->off += n;
	return true;
}

bool
stk_cur_peek_u8(const struct stk_cur *c, uint8_t *v)
{
	if (c->len < 1)
		return false;
	*v = c->p[0];
	return true;
}

/* Read an n-byte big-endian unsigned integer, n <= 8. */
static bool
cur_uint(struct stk_cur *c, size_t n, uint64_t *v)
{
	uint64_t acc = 0;

	if (n > c->len)
		return false;
	for (size_t i = 0; i < n; i++)
		acc = (acc << 8) | c->p[i];
	*v = acc;
	return stk_cur_skip(c, n);
}

bool
stk_cur_u8(struct stk_cur *c, uint8_t *v)
{
	uint64_t t;
	if (!cur_uint(c, 1, &t))
		return false;
	*v = (uint8_t)t;
	return true;
}

bool
stk_cur_u16(struct stk_cur *c, uint16_t *v)
{
	uint64_t t;
	if (!cur_uint(c, 2, &t))
		return false;
	*v = (uint16_t)t;
	return true;
}

bool
stk_cur_u24(struct stk_cur *c, uint32_t *v)
{
	uint64_t t;
	if (!cur_uint(c, 3, &t))
		return false;
	*v = (uint32_t)t;
	return true;
}

bool
stk_cur_u32(struct stk_cur *c, uint32_t *v)
{
	uint64_t t;
	if (!cur_uint(c, 4, &t))
		return false;
	*v = (uint32_t)t;
	return true;
}

bool
stk_cur_u40(struct stk_cur *c, uint64_t *v)
{
	return cur_uint(c, 5, v);
}

bool
stk_cur_bytes(struct stk_cur *c, const uint8_t **p, size_t n)
{
	if (n > c->len)
		return false;
	*p = c->p;
	return stk_cur_skip(c, n);
}

bool
stk_cur_copy(struct stk_cur *c, uint8_t *out, size_t n)
{
	const uint8_t *p;
	if (!stk_cur_bytes(c, &p, n))
		return false;
	if (n > 0)
		memcpy(out, p, n);
	return true;
}

bool
stk_cur_sub(struct stk_cur *c, struct stk_cur *sub, size_t n)
{
	if (n > c->len)
		return false;
	sub->p = c->p;
	sub->len = n;
	sub->off = c->off;
	return stk_cur_skip(c, n);
}

bool
stk_cur_u8_prefixed(struct stk_cur *c, struct stk_cur *sub)
{
	struct stk_cur save = *c;
	uint8_t n;

	if (!stk_cur_u8(c, &n) || !stk_cur_sub(c, sub, n)) {
		*c = save;
		return false;
	}
	return true;
}

bool
stk_cur_u16_prefixed(struct stk_cur *c, struct stk_cur *sub)
{
	struct stk_cur save = *c;
	uint16_t n;

	if (!stk_cur_u16(c, &n) || !stk_cur_sub(c, sub, n)) {
		*c = save;
		return false;
	}
	return true;
}

void
stk_cur_rest(struct stk_cur *c, struct stk_cur *sub)
{
	*sub = *c;
	c->p += c->len;
	c->off += c->len;
	c->len = 0;
}

void
stk_buf_init(struct stk_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void
stk_buf_init_fixed(struct stk_buf *b, uint8_t *mem, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->data = mem;
	b->cap = cap;
	b->fixed = true;
}

void
stk_buf_free(struct stk_buf *b)
{
	if (!b->fixed)
		free(b->data);
	if (!b->fixed)
		b->data = NULL, b->cap = 0;
	b->len = 0;
}

void
stk_buf_reset(struct stk_buf *b)
{
	b->len = 0;
	b->failed = false;
}

/* Make room for n more bytes; sets the sticky failure flag on failure. */
static bool
buf_reserve(struct stk_buf *b, size_t n)
{
	size_t max = b->max != 0 ? b->max : STK_BUF_DEFAULT_MAX;
	size_t want, cap;
	uint8_t *p;

	if (b->failed)
		return false;
	if (n > SIZE_MAX - b->len)
		goto fail;
	want = b->len + n;
	if (want <= b->cap)
		return true;
	if (b->fixed || want > max)
		goto fail;
	cap = b->cap != 0 ? b->cap : 64;
	while (cap < want)
		cap *= 2;
	if (cap > max)
		cap = max;
	p = realloc(b->data, cap);
	if (p == NULL)
		goto fail;
	b->data = p;
	b->cap = cap;
	return true;
fail:
	b->failed = true;
	return false;
}

bool
stk_buf_add_space(struct stk_buf *b, uint8_t **p, size_t n)
{
	if (!buf_reserve(b, n))
		return false;
	if (n == 0) {		/* data may still be NULL: no pointer arithmetic */
		*p = b->data;
		return true;
	}
	*p = b->data + b->len;
	b->len += n;
	return true;
}

bool
stk_buf_add_bytes(struct stk_buf *b, const void *src, size_t n)
{
	uint8_t *p;
	if (!stk_buf_add_space(b, &p, n))
		return false;
	if (n > 0)
		memcpy(p, src, n);
	return true;
}

bool
stk_buf_add_zeros(struct stk_buf *b, size_t n)
{
	uint8_t *p;
	if (!stk_buf_add_space(b, &p, n))
		return false;
	if (n > 0)
		memset(p, 0, n);
	return true;
}

/* Append the low n bytes of v, big-endian. */
static bool
buf_add_uint(struct stk_buf *b, uint64_t v, size_t n)
{
	uint8_t *p;
	if (!stk_buf_add_space(b, &p, n))
		return false;
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	return true;
}

bool stk_buf_add_u8(struct stk_buf *b, uint8_t v) { return buf_add_uint(b, v, 1); }
bool stk_buf_add_u16(struct stk_buf *b, uint16_t v) { return buf_add_uint(b, v, 2); }
bool stk_buf_add_u24(struct stk_buf *b, uint32_t v)
{
	if (v > 0xffffffu) {
		b->failed = true;
		return false;
	}
	return buf_add_uint(b, v, 3);
}
bool stk_buf_add_u32(struct stk_buf *b, uint32_t v) { return buf_add_uint(b, v, 4); }
bool stk_buf_add_u40(struct stk_buf *b, uint64_t v)
{
	if (v > 0xffffffffffull) {
		b->failed = true;
		return false;
	}
	return buf_add_uint(b, v, 5);
}

bool
stk_buf_set_u8(struct stk_buf *b, size_t at, uint8_t v)
{
	if (b->failed || at >= b->len) {
		b->failed = true;
		return false;
	}
	b->data[at] = v;
	return true;
}

bool
stk_buf_insert(struct stk_buf *b, size_t at, const void *src, size_t n)
{
	if (b->failed || at > b->len) {
		b->failed = true;
		return false;
	}
	if (!buf_reserve(b, n))
		return false;
	memmove(b->data + at + n, b->data + at, b->len - at);
	if (n > 0)
		memcpy(b->data + at, src, n);
	b->len += n;
	return true;
}

bool
stk_buf_truncate(struct stk_buf *b, size_t len)
{
	if (b->failed || len > b->len) {
		b->failed = true;
		return false;
	}
	b->len = len;
	return true;
}

size_t
stk_buf_open_u8(struct stk_buf *b)
{
	size_t mark = b->len;
	stk_buf_add_u8(b, 0);
	return mark;
}

bool
stk_buf_close_u8(struct stk_buf *b, size_t mark)
{
	size_t n;

	if (b->failed || mark >= b->len)
		goto fail;
	n = b->len - mark - 1;
	if (n > 0xff)
		goto fail;
	b->data[mark] = (uint8_t)n;
	return true;
fail:
	b->failed = true;
	return false;
}

size_t
stk_buf_open_u16(struct stk_buf *b)
{
	size_t mark = b->len;
	stk_buf_add_u16(b, 0);
	return mark;
}

bool
stk_buf_close_u16(struct stk_buf *b, size_t mark)
{
	size_t n;

	if (b->failed || mark + 2 > b->len)
		goto fail;
	n = b->len - mark - 2;
	if (n > 0xffff)
		goto fail;
	b->data[mark] = (uint8_t)(n >> 8);
	b->data[mark + 1] = (uint8_t)n;
	return true;
fail:
	b->failed = true;
	return false;
}

uint8_t *
stk_buf_detach(struct stk_buf *b, size_t *len)
{
	uint8_t *p;

	if (b->failed || b->fixed)
		return NULL;
	if (b->data == NULL && !buf_reserve(b, 1))
		return NULL;
	p = b->data;
	*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

int
stk_ct_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}
