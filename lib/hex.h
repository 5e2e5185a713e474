/* hex.h - hexadecimal text <-> bytes, for tools, logs and test vectors. */
#ifndef STKAUTH_HEX_H
#define STKAUTH_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "bytes.h"

/*
 * Decode hex text into b.  Accepts upper and lower case; spaces, tabs, ':'
 * and newlines between byte pairs are ignored.  An odd number of digits or
 * any other character is STK_E_INVALID (nothing is appended then).
 */
int stk_hex_decode(const char *text, struct stk_buf *b);

/*
 * Write p[0..n) as hex into out (2n+1 bytes including the NUL); upper case
 * when upper is non-zero.  Returns out.
 */
char *stk_hex_format(char *out, const uint8_t *p, size_t n, int upper);

/* Same, into a freshly allocated string (free() it); NULL on no memory. */
char *stk_hex_string(const uint8_t *p, size_t n, int upper);

#endif
