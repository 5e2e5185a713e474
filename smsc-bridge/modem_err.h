/*
 * modem_err.h - the +CMS ERROR (3GPP TS 27.005 §3.2.5) and +CME ERROR
 * (3GPP TS 27.007 §9.2) codes a modem answers with: their names, and how
 * a failed submission is classed for the bridge core's retry table.
 *
 * +CMS ERROR values 0-127 are TS 24.011 §8.2.5.4 RP causes, 128-255
 * TS 23.040 §9.2.3.22 TP-FCS values (names from lib/tpdu.h), 300-500 the
 * TS 27.005 ME/TA errors, 512 and up manufacturer specific.
 */
#ifndef STKAUTH_BRIDGE_MODEM_ERR_H
#define STKAUTH_BRIDGE_MODEM_ERR_H

#include <stdbool.h>
#include <stddef.h>

#include "transport.h"

/* Names from the tables; never NULL. */
const char *modem_cms_name(unsigned code);
const char *modem_cme_name(unsigned code);

/* How a +CMS ERROR on AT+CMGS is reported to the core (failed()). */
enum transport_fail modem_cms_class(unsigned code);

/*
 * The code of a verbose error text (AT+CMEE=2 answers "+CMS ERROR: SMSC
 * address unknown"), compared without regard to case; -1 if unknown.
 */
int modem_cms_from_name(const char *text, size_t len);
int modem_cme_from_name(const char *text, size_t len);

/* "+CMS ERROR 38 Network out of order" into out (always terminated). */
const char *modem_err_format(char *out, size_t outsz, bool cms,
    unsigned code);

#endif
