/* hex.c - hexadecimal conversion. */
#include <stdlib.h>

#include "err.h"
#include "hex.h"

static int
hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int
hex_separator(char ch)
{
	return ch == ' ' || ch == '\t' || ch == ':' || ch == '\n' || ch == '\r';
}

int
stk_hex_decode(const char *text, struct stk_buf *b)
{
	size_t start = stk_buf_len(b);
	const char *s = text;

	for (;;) {
		int hi, lo;

		while (hex_separator(*s))
			s++;
		if (*s == '\0')
			break;
		if ((hi = hex_digit(s[0])) < 0 || (lo = hex_digit(s[1])) < 0)
			goto invalid;
		if (!stk_buf_add_u8(b, (uint8_t)(hi << 4 | lo)))
			return STK_E_NOMEM;
		s += 2;
	}
	return STK_OK;
invalid:
	stk_buf_truncate(b, start);
	return STK_E_INVALID;
}

char *
stk_hex_format(char *out, const uint8_t *p, size_t n, int upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0x0f];
	}
	out[2 * n] = '\0';
	return out;
}

char *
stk_hex_string(const uint8_t *p, size_t n, int upper)
{
	char *out;

	if (n > (SIZE_MAX - 1) / 2)
		return NULL;
	if ((out = malloc(2 * n + 1)) == NULL)
		return NULL;
	return stk_hex_format(out, p, n, upper);
}
