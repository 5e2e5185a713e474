/*
 * cmd_ota.h - stkauth-pdu commands and decoders for TS 102 225 / TS 31.115
 * secured packets: subcommands "ota-wrap", "ota-unwrap",
 * "ota-unwrap-response" (rows of main.c's table) and decoders
 * "ota-command" / "command-packet", "ota-response" / "response-packet"
 * (rows of decode.c's table).  Contracts: those of pdu.h.
 */
#ifndef STKAUTH_TOOLS_PDU_CMD_OTA_H
#define STKAUTH_TOOLS_PDU_CMD_OTA_H

#include "pdu.h"

int pdu_cmd_ota_wrap(int argc, char **argv);
int pdu_cmd_ota_unwrap(int argc, char **argv);
int pdu_cmd_ota_unwrap_response(int argc, char **argv);

/* Command packet from CPL on, or with its 027000 UDH. */
int pdu_decode_ota_command(struct stk_cur *in, struct pdu_out *out,
    struct stk_diag *diag);
/* Response packet from RPL on, or with its 027100 UDH. */
int pdu_decode_ota_response(struct stk_cur *in, struct pdu_out *out,
    struct stk_diag *diag);

#endif
