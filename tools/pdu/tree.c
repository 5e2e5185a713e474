/*
 * tree.c - the tree printer of stkauth-pdu: "NAME: VALUE" lines indented
 * two spaces per level, accumulated in memory and written only once the
 * whole decode succeeded (pdu.h).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "pdu.h"

#define TREE_INDENT 2
#define TREE_HEX_PER_LINE 32
/* Nesting deeper than this is a decoder bug or hostile recursion. */
#define TREE_MAX_DEPTH 32

void
pdu_out_init(struct pdu_out *out)
{
	memset(out, 0, sizeof(*out));
}

void
pdu_out_free(struct pdu_out *out)
{
	if (out == NULL)
		return;
	free(out->text);
	memset(out, 0, sizeof(*out));
}

int
pdu_out_flush(struct pdu_out *out, FILE *f)
{
	if (out->failed)
		return STK_E_NOMEM;
	if (out->len > 0 && fwrite(out->text, 1, out->len, f) != out->len)
		return STK_E_IO;
	if (fflush(f) != 0)
		return STK_E_IO;
	return STK_OK;
}

/* Make room for n more characters plus a NUL; false (sticky) on failure. */
static bool
tree_reserve(struct pdu_out *out, size_t n)
{
	size_t need, cap;
	char *p;

	if (out->failed)
		return false;
	if (n > SIZE_MAX / 2 - out->len - 1)
		goto fail;
	need = out->len + n + 1;
	if (need <= out->cap)
		return true;
	cap = out->cap != 0 ? out->cap : 256;
	while (cap < need)
		cap *= 2;
	p = realloc(out->text, cap);
	if (p == NULL)
		goto fail;
	out->text = p;
	out->cap = cap;
	return true;
fail:
	out->failed = true;
	return false;
}

static void
tree_add(struct pdu_out *out, const char *s, size_t n)
{
	if (!tree_reserve(out, n))
		return;
	memcpy(out->text + out->len, s, n);
	out->len += n;
	out->text[out->len] = '\0';
}

static void
tree_adds(struct pdu_out *out, const char *s)
{
	tree_add(out, s, strlen(s));
}

static void tree_vadd(struct pdu_out *, const char *, va_list)
    __attribute__((format(printf, 2, 0)));
static void tree_vline(struct pdu_out *, const char *, const char *,
    va_list) __attribute__((format(printf, 3, 0)));

static void
tree_vadd(struct pdu_out *out, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		out->failed = true;
		return;
	}
	if (!tree_reserve(out, (size_t)n))
		return;
	vsnprintf(out->text + out->len, (size_t)n + 1, fmt, ap);
	out->len += (size_t)n;
}

static void
tree_indent(struct pdu_out *out, unsigned depth)
{
	static const char spaces[] = "                                ";
	size_t n = (size_t)depth * TREE_INDENT;

	while (n > 0) {
		size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;
		tree_add(out, spaces, k);
		n -= k;
	}
}

/* One "NAME: VALUE" line at the current depth. */
static void
tree_vline(struct pdu_out *out, const char *name, const char *fmt,
    va_list ap)
{
	tree_indent(out, out->depth);
	tree_adds(out, name);
	if (fmt != NULL) {
		tree_adds(out, ": ");
		tree_vadd(out, fmt, ap);
	}
	tree_add(out, "\n", 1);
}

void
pdu_field(struct pdu_out *out, const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tree_vline(out, name, fmt, ap);
	va_end(ap);
}

void
pdu_open(struct pdu_out *out, const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tree_vline(out, name, fmt, ap);
	va_end(ap);
	if (out->depth < TREE_MAX_DEPTH)
		out->depth++;
	else
		out->failed = true;
}

void
pdu_close(struct pdu_out *out)
{
	if (out->depth > 0)
		out->depth--;
	else
		out->failed = true;	/* unbalanced: a decoder bug */
}

void
pdu_out_append(struct pdu_out *out, const struct pdu_out *sub)
{
	if (sub->failed) {
		out->failed = true;
		return;
	}
	if (sub->len > 0)
		tree_add(out, sub->text, sub->len);
}

void
pdu_hex(struct pdu_out *out, const char *name, const uint8_t *p, size_t n)
{
	char hex[2 * TREE_HEX_PER_LINE + 1];
	char head[48];
	size_t i, k;

	tree_indent(out, out->depth);
	tree_adds(out, name);
	if (n == 0) {
		tree_adds(out, ": 0 octets\n");
		return;
	}
	k = n < TREE_HEX_PER_LINE ? n : TREE_HEX_PER_LINE;
	snprintf(head, sizeof(head), ": %zu octet%s: ", n, n == 1 ? "" : "s");
	tree_adds(out, head);
	tree_adds(out, stk_hex_format(hex, p, k, 1));
	tree_add(out, "\n", 1);
	for (i = k; i < n; i += k) {
		k = n - i < TREE_HEX_PER_LINE ? n - i : TREE_HEX_PER_LINE;
		tree_indent(out, out->depth + 1);
		tree_adds(out, stk_hex_format(hex, p + i, k, 1));
		tree_add(out, "\n", 1);
	}
}

void
pdu_text(struct pdu_out *out, const char *name, const char *utf8,
    size_t len)
{
	char esc[8];
	size_t i;

	tree_indent(out, out->depth);
	tree_adds(out, name);
	tree_adds(out, ": \"");
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)utf8[i];

		switch (ch) {
		case '"':
			tree_adds(out, "\\\"");
			break;
		case '\\':
			tree_adds(out, "\\\\");
			break;
		case '\n':
			tree_adds(out, "\\n");
			break;
		case '\r':
			tree_adds(out, "\\r");
			break;
		case '\t':
			tree_adds(out, "\\t");
			break;
		default:
			if (ch < 0x20 || ch == 0x7f) {
				snprintf(esc, sizeof(esc), "\\x%02X", ch);
				tree_adds(out, esc);
			} else {
				tree_add(out, (const char *)&utf8[i], 1);
			}
		}
	}
	tree_adds(out, "\"\n");
}
