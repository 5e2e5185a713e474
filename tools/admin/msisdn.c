/*
 * msisdn.c - MSISDNs as administrators type them, normalised to the
 * "+DIGITS" form the store, the key store and certificates use (ITU-T
 * E.164 §6: country code 1..3 digits not starting with 0, at most 15
 * digits in all; RFC 3966 §5.1.1 visual separators).
 */
#include <stddef.h>
#include <string.h>

#include "admin.h"
#include "err.h"

/* RFC 3966 visual-separator plus the space people type */
static const char separators[] = " -.()";

int
msisdn_normalize(const char *in, char out[17], const char **why)
{
	char digits[MSISDN_DIGITS_MAX + 1];
	size_t nd = 0, i = 0;
	const char *dummy;

	if (why == NULL)
		why = &dummy;
	*why = NULL;
	/* "(+49) 170 ...": separators may come before the prefix */
	while (in[i] != '\0' && strchr(separators, in[i]) != NULL)
		i++;
	if (in[i] == '+')
		i++;
	else if (in[i] == '0' && in[i + 1] == '0')
		i += 2;		/* international prefix 00 */
	else {
		*why = in[i] == '\0' ? "empty" : "not international: start "
		    "with + or 00 and the country code";
		return STK_E_INVALID;
	}
	for (; in[i] != '\0'; i++) {
		char c = in[i];

		if (c >= '0' && c <= '9') {
			if (nd == MSISDN_DIGITS_MAX) {
				*why = "more than 15 digits (E.164)";
				return STK_E_INVALID;
			}
			digits[nd++] = c;
		} else if (strchr(separators, c) == NULL) {
			*why = "only digits, spaces, '-', '.', '(' and ')'";
			return STK_E_INVALID;
		}
	}
	if (nd < MSISDN_DIGITS_MIN) {
		*why = "fewer than 6 digits";
		return STK_E_INVALID;
	}
	if (digits[0] == '0') {
		*why = "country codes do not start with 0";
		return STK_E_INVALID;
	}
	out[0] = '+';
	memcpy(out + 1, digits, nd);
	out[nd + 1] = '\0';
	return STK_OK;
}
