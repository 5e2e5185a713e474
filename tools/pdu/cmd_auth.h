/*
 * cmd_auth.h - stkauth-pdu decoders for the stkauth application messages
 * (docs/PROTOCOL.md §3, §4), rows "auth-request" and "auth-response" of
 * decode.c's table.  Contract: the decoder contract of pdu.h.
 */
#ifndef STKAUTH_TOOLS_PDU_CMD_AUTH_H
#define STKAUTH_TOOLS_PDU_CMD_AUTH_H

#include "pdu.h"

int pdu_decode_auth_request(struct stk_cur *in, struct pdu_out *out,
    struct stk_diag *diag);
int pdu_decode_auth_response(struct stk_cur *in, struct pdu_out *out,
    struct stk_diag *diag);

#endif
