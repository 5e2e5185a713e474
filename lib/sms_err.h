/*
 * sms_err.h - the error codes of short message transfer, their names and
 * the classes the standards give them:
 *
 *   RP-Cause       3GPP TS 24.011 §8.2.5.4, Table 8.4 (RP-ERROR of an MO
 *                  or MT relay; 7 bits)
 *   +CMS ERROR     3GPP TS 27.005 §3.2.5 <err>: 0-127 are RP causes,
 *                  128-255 TP-FCS values (TS 23.040 §9.2.3.22, named by
 *                  stk_fcs_name of tpdu.h), 300-500 ME/TA errors, 512
 *                  and up manufacturer specific, the rest reserved
 *   +CME ERROR     3GPP TS 27.007 §9.2.1 (general) and §9.2.2 (GPRS)
 *
 * One table per code space (lib/sms_err.c), for modems (the bridge's AT
 * transport) and the simulated ones (stkauth-netsim) alike.  The verbose
 * texts are the ones AT+CMEE=2 answers with.
 */
#ifndef STKAUTH_SMS_ERR_H
#define STKAUTH_SMS_ERR_H

#include <stddef.h>

/* The RP-Cause name; "unknown RP cause" when not in Table 8.4. */
const char *stk_rp_cause_name(unsigned cause);

/*
 * Whether Table 8.4 calls the failure temporary (1: worth trying again,
 * congestion included) or permanent (0); -1 when the cause is not in the
 * table (the note to the table treats such a cause as 41 "Temporary
 * failure" on the network side; the caller chooses).
 */
int stk_rp_cause_temporary(unsigned cause);

/* The name of any +CMS ERROR <err> value (see the top); never NULL. */
const char *stk_cms_error_name(unsigned code);

/* The name of a +CME ERROR <err> value; "unknown" when not in §9.2. */
const char *stk_cme_error_name(unsigned code);

/*
 * The code of a verbose error text of len octets (not terminated),
 * compared without regard to case: +CMS ERROR texts of 300-500, then the
 * RP causes; +CME ERROR texts.  -1 when the text is not in the tables.
 */
int stk_cms_error_from_name(const char *text, size_t len);
int stk_cme_error_from_name(const char *text, size_t len);

#endif
