/*
 * cmd_cat.h - stkauth-pdu decoders for the Card Application Toolkit
 * (ETSI TS 102 223 / 3GPP TS 31.111), rows "proactive", "envelope",
 * "terminal-response" and "terminal-profile" of decode.c's table.
 * Contract: the decoder contract of pdu.h.
 */
#ifndef STKAUTH_TOOLS_PDU_CMD_CAT_H
#define STKAUTH_TOOLS_PDU_CMD_CAT_H

#include "pdu.h"

int pdu_decode_cat_proactive(struct stk_cur *in, struct pdu_out *out,
    struct stk_diag *diag);
int pdu_decode_cat_envelope(struct stk_cur *in, struct pdu_out *out,
    struct stk_diag *diag);
int pdu_decode_cat_terminal_response(struct stk_cur *in, struct pdu_out *out,
    struct stk_diag *diag);
int pdu_decode_cat_terminal_profile(struct stk_cur *in, struct pdu_out *out,
    struct stk_diag *diag);

#endif
