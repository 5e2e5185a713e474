/*
 * sms_addr.h - SMS addresses: TP-OA / TP-DA / TP-RA (3GPP TS 23.040
 * §9.1.2.5) and the service centre address (RP-address, TS 24.011
 * §8.2.5.1, as prefixed to a TPDU in TS 27.005 PDU mode).
 *
 * Two wire forms:
 *   TP address:  length (semi-octets of the address value), type of address,
 *                value.  2..12 octets.  For numbers the length counts
 *                digits; for alphanumeric addresses (TON 101, §9.1.2.5) the
 *                value is GSM 7-bit packed (TS 23.038 §6.1.2.1.1) and the
 *                length counts the useful semi-octets of the packed data.
 *   SC address:  length (octets of type-of-address + value; 0 = no address
 *                and no type-of-address octet), type of address, value.
 *
 * Digits are semi-octets (TS 23.040 §9.1.2.3), low nibble first, with the
 * filler 0xF in the high nibble after an odd digit count.  Semi-octets
 * 0xA..0xE are the characters '*', '#', 'a', 'b', 'c' (TS 24.008 table
 * 10.5.118); in text they are written exactly so.
 */
#ifndef STKAUTH_SMS_ADDR_H
#define STKAUTH_SMS_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "err.h"

/* Type of number, bits 6-4 of the type-of-address octet (§9.1.2.5). */
enum stk_ton {
	STK_TON_UNKNOWN = 0,
	STK_TON_INTERNATIONAL = 1,
	STK_TON_NATIONAL = 2,
	STK_TON_NETWORK = 3,
	STK_TON_SUBSCRIBER = 4,
	STK_TON_ALPHANUMERIC = 5,
	STK_TON_ABBREVIATED = 6,
	STK_TON_RESERVED = 7,
};

/* Numbering plan identification, bits 3-0 (§9.1.2.5). */
enum stk_npi {
	STK_NPI_UNKNOWN = 0,
	STK_NPI_ISDN = 1,		/* E.164 / E.163 */
	STK_NPI_DATA = 3,		/* X.121 */
	STK_NPI_TELEX = 4,
	STK_NPI_SC_SPECIFIC_1 = 5,
	STK_NPI_SC_SPECIFIC_2 = 6,
	STK_NPI_NATIONAL = 8,
	STK_NPI_PRIVATE = 9,
	STK_NPI_ERMES = 10,
	STK_NPI_RESERVED = 15,		/* reserved for extension */
};

/* A TP address value holds at most 10 octets (§9.1.2.5: 2..12 octets). */
#define STK_ADDR_MAX_OCTETS 10
#define STK_ADDR_MAX_DIGITS 20
/* 10 octets of packed septets hold 11 of them (80 bits / 7). */
#define STK_ADDR_MAX_ALPHA 11
/* Longest text form: "+" + 20 digits, or 11 septets as UTF-8 (<= 3 each). */
#define STK_ADDR_TEXT_MAX 40

struct stk_sms_addr {
	uint8_t ton;			/* enum stk_ton, 0..7 */
	uint8_t npi;			/* enum stk_npi, 0..15 */
	/* Numeric addresses (ton != ALPHANUMERIC): NUL-terminated,
	 * characters 0-9 * # a b c. */
	size_t ndigits;
	char digits[STK_ADDR_MAX_DIGITS + 1];
	/* Alphanumeric addresses: unpacked GSM 7-bit septets. */
	size_t nseptets;
	uint8_t septets[STK_ADDR_MAX_ALPHA];
	/*
	 * Alphanumeric only: the address-length (semi-octets) as received,
	 * so a decoded address re-encodes byte for byte; senders differ on
	 * whether the last partly used octet counts as 1 or 2 semi-octets.
	 * 0 makes the encoder use the exact count ceil(7 * nseptets / 4).
	 */
	uint8_t alpha_semi;
	/*
	 * Alphanumeric only: the bits after the last septet in the last
	 * value octet, as received (senders should send 0, some pad with
	 * CR per TS 23.038 §6.1.2.3.1); the encoder writes them back.
	 */
	uint8_t alpha_spare;
};

/* Zero the address (TON/NPI unknown, no digits). */
void stk_sms_addr_clear(struct stk_sms_addr *a);

/*
 * Set a numeric address.  digits: characters 0-9 * # a b c (A B C accepted
 * and stored lower case), at most STK_ADDR_MAX_DIGITS; ton must not be
 * ALPHANUMERIC and must be < 8, npi < 16.  STK_E_INVALID / STK_E_TOO_LONG.
 */
int stk_sms_addr_set_digits(struct stk_sms_addr *a, unsigned ton,
    unsigned npi, const char *digits);

/*
 * Set an alphanumeric address (TON 101, NPI 0000) from UTF-8 text in the
 * GSM 7-bit alphabet: STK_E_CHARSET if a character is not representable,
 * STK_E_TOO_LONG beyond STK_ADDR_MAX_ALPHA septets (escapes count).
 */
int stk_sms_addr_set_alpha(struct stk_sms_addr *a, const char *utf8);

/*
 * CLI text form -> address:
 *   "+4912345"  international, ISDN
 *   "12345"     unknown TON, ISDN (also with * and #)
 *   otherwise   alphanumeric (as stk_sms_addr_set_alpha); the empty string
 *               is STK_E_INVALID.
 * Because 'a'-'c' are also letters, digit semi-octets a, b, c can only be
 * set with stk_sms_addr_set_digits().
 */
int stk_sms_addr_from_text(const char *text, struct stk_sms_addr *a);

/*
 * Address -> text: "+digits" for international numbers, the digits for
 * other numeric TONs, the UTF-8 text for alphanumeric addresses.  out must
 * hold STK_ADDR_TEXT_MAX + 1 bytes to never truncate; STK_E_NOSPACE when
 * it is too small (out is still NUL-terminated if outsz > 0).
 */
int stk_sms_addr_to_text(const struct stk_sms_addr *a, char *out,
    size_t outsz);

/* True when both addresses have the same TON, NPI and value. */
bool stk_sms_addr_equal(const struct stk_sms_addr *a,
    const struct stk_sms_addr *b);

/*
 * Decode a TP address (TP-OA, TP-DA, TP-RA; TS 23.040 §9.1.2.5) at the
 * cursor, advancing past it.  field names the address in diagnostics
 * ("TP-OA").  Errors: STK_E_TRUNCATED; STK_E_TOO_LONG (length > 20
 * semi-octets); STK_E_INVALID (type-of-address bit 7 not 1, filler 0xF
 * inside the digits, high nibble of an odd-length address not 0xF, or an
 * alphanumeric length whose septets do not fill exactly the value octets).
 */
int stk_sms_addr_decode(struct stk_cur *c, struct stk_sms_addr *a,
    const char *field, struct stk_diag *diag);

/* Append the TP address form.  STK_E_INVALID / STK_E_NOSPACE / NOMEM. */
int stk_sms_addr_encode(const struct stk_sms_addr *a, struct stk_buf *out);

/*
 * Decode the SC address (TS 24.011 §8.2.5.1 RP-address value with its
 * length octet, as in TS 27.005 §3.1 <pdu>: length in octets).  Length 0
 * means "no SC address" and sets *present = false.  An alphanumeric TON
 * is decoded as packed septets filling the value octets.  Errors as for
 * stk_sms_addr_decode; field is "SCA" in diagnostics.
 */
int stk_smsc_addr_decode(struct stk_cur *c, struct stk_sms_addr *a,
    bool *present, struct stk_diag *diag);

/* Append the SC address form; a == NULL writes the single octet 00. */
int stk_smsc_addr_encode(const struct stk_sms_addr *a, struct stk_buf *out);

/* Table names: "international", "ISDN/telephone (E.164)", ... never NULL. */
const char *stk_ton_name(unsigned ton);
const char *stk_npi_name(unsigned npi);

#endif
