/*
 * gsm7.h - 3GPP TS 23.038 character sets: the GSM 7-bit default alphabet
 * with its extension table (§6.2.1, §6.2.1.1), septet packing (§6.1.2.1.1)
 * and UCS-2 (§6.2.3).  Text crosses this API as UTF-8.
 *
 * "Septets" below are unpacked: one 7-bit code per byte (0x00-0x7F), an
 * extension character being the escape 0x1B followed by its code.
 */
#ifndef STKAUTH_GSM7_H
#define STKAUTH_GSM7_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"

/* The TS 23.038 escape to the extension table. */
#define STK_GSM7_ESCAPE 0x1b

/*
 * UTF-8 text -> unpacked septets appended to out.  A character outside the
 * default alphabet and the extension table is STK_E_CHARSET; malformed
 * UTF-8 is STK_E_INVALID.  Nothing is appended on failure.
 */
int stk_gsm7_from_utf8(const char *utf8, size_t len, struct stk_buf *out);

/*
 * Unpacked septets -> UTF-8 appended to out.  An escape followed by a code
 * that has no extension character shows the default-alphabet character of
 * that code (§6.2.1.1); a trailing lone escape is shown as a space.  Codes
 * above 0x7F are STK_E_INVALID.
 */
int stk_gsm7_to_utf8(const uint8_t *septets, size_t n, struct stk_buf *out);

/* Septets (escapes included) the text needs; STK_E_CHARSET if impossible. */
int stk_gsm7_count(const char *utf8, size_t len, size_t *septets);

/* True when every character of the text is in the GSM 7-bit alphabet. */
bool stk_gsm7_representable(const char *utf8, size_t len);

/*
 * Pack n septets, LSB first, after fill_bits (0-6) zero bits, appending
 * stk_gsm7_packed_len(n, fill_bits) octets to out.  fill_bits is what
 * TS 23.040 §9.2.3.24 requires after a user data header so the first
 * septet starts on a septet boundary.
 */
int stk_gsm7_pack(const uint8_t *septets, size_t n, unsigned fill_bits,
    struct stk_buf *out);

/*
 * Unpack n septets from packed octets, skipping fill_bits first.  The input
 * must hold exactly stk_gsm7_packed_len(n, fill_bits) octets, otherwise
 * STK_E_TRUNCATED or STK_E_TRAILING.
 */
int stk_gsm7_unpack(const uint8_t *octets, size_t len, unsigned fill_bits,
    size_t n, struct stk_buf *out);

/* Octets needed for n septets after fill_bits fill bits. */
size_t stk_gsm7_packed_len(size_t n, unsigned fill_bits);

/*
 * UCS-2 big-endian (§6.2.3).  Characters outside the BMP are STK_E_CHARSET;
 * an odd byte count is STK_E_INCONSISTENT; surrogate code units are
 * STK_E_INVALID.
 */
int stk_ucs2_from_utf8(const char *utf8, size_t len, struct stk_buf *out);
int stk_ucs2_to_utf8(const uint8_t *ucs2, size_t len, struct stk_buf *out);

/* TS 23.038 §4 character set of the user data, as chosen for a text. */
enum stk_charset {
	STK_CHARSET_GSM7 = 0,
	STK_CHARSET_8BIT = 1,
	STK_CHARSET_UCS2 = 2,
};

/* GSM 7-bit when the whole text allows it, UCS-2 otherwise. */
enum stk_charset stk_charset_for_text(const char *utf8, size_t len);
const char *stk_charset_name(enum stk_charset cs);

#endif
