/*
 * pdu.h - stkauth-pdu, the PDU inspector and encoder: the one private
 * header of tools/pdu/, prototypes grouped by file.
 *
 * Three tables drive the tool, one row per line so that a new module adds
 * itself with a one-line edit (plus its prototype below):
 *   main.c    pdu_commands[]  subcommands ("decode", "sms-submit", ...)
 *   decode.c  pdu_decoders[]  the types "decode --as NAME" understands
 * and the tree printer (tree.c) is what every decoder prints through.
 *
 * Contracts
 *   Subcommand:  int fn(int argc, char **argv) with argv[0] the command
 *                name; returns the process exit status: 0 success,
 *                1 bad input (malformed PDU, bad hex, unencodable text),
 *                2 usage error.  Commands print their own messages on
 *                stderr as "stkauth-pdu: ..." (see pdu_err/pdu_usage_err).
 *   Decoder:     int fn(struct stk_cur *in, struct pdu_out *out,
 *                struct stk_diag *diag); decodes exactly the bytes of *in
 *                (trailing bytes are an error with a field name), prints
 *                the tree into out, returns STK_OK or a negative STK_E_*
 *                after stk_fail(diag, ...) named the field and the absolute
 *                offset (stk_cur_offset).  Because the cursor carries
 *                absolute offsets, a decoder may hand a sub-cursor of its
 *                input to another decoder (pdu_decoder_find) and the
 *                offsets in the diagnostics still count from the start of
 *                the user's input.
 *   Tree:        output is buffered in memory and written only when the
 *                whole decode succeeded, so a malformed PDU prints nothing
 *                on stdout and exactly one line on stderr.
 */
#ifndef STKAUTH_TOOLS_PDU_H
#define STKAUTH_TOOLS_PDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bytes.h"
#include "err.h"

#define PDU_PROG "stkauth-pdu"

/* ---- main.c: the subcommand table --------------------------------- */

typedef int pdu_cmd_fn(int argc, char **argv);

struct pdu_cmd {
	const char *name;	/* argv[1] */
	pdu_cmd_fn *fn;
	const char *help;	/* one line for "stkauth-pdu --help" */
};

/* Message on stderr: "stkauth-pdu: <fmt>\n". */
void pdu_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Usage error: "stkauth-pdu: <fmt>" then "usage: <usage>" on stderr;
 * returns 2 so commands can "return pdu_usage_err(USAGE, "...")".
 */
int pdu_usage_err(const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/*
 * Hex argument -> bytes in *b (initialised here, free with stk_buf_free).
 * On bad hex prints "stkauth-pdu: WHAT: invalid hex ..." and returns 1;
 * 0 on success.
 */
int pdu_parse_hex_arg(const char *what, const char *text, struct stk_buf *b);
/*
 * Unsigned number argument (decimal, or hex with 0x) in [0, max]; false
 * when it is not one.
 */
bool pdu_parse_uint(const char *text, unsigned long max, unsigned long *v);
/* Print bytes as upper-case hex and a newline on stdout. */
void pdu_print_hex_line(const uint8_t *p, size_t n);

/* ---- tree.c: the tree printer ------------------------------------- */

/*
 * A tree being printed: lines "NAME: VALUE" indented two spaces per
 * nesting level.  The text accumulates in memory (pdu_out_flush writes it).
 * Any allocation failure is sticky (failed) and reported by pdu_out_flush.
 */
struct pdu_out {
	char *text;
	size_t len;
	size_t cap;
	unsigned depth;
	bool failed;
};

void pdu_out_init(struct pdu_out *out);
void pdu_out_free(struct pdu_out *out);
/* Write the accumulated text to f; STK_E_NOMEM if anything failed. */
int pdu_out_flush(struct pdu_out *out, FILE *f);

/* "NAME: VALUE" at the current depth; fmt NULL prints "NAME". */
void pdu_field(struct pdu_out *out, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Like pdu_field, then the following lines are nested one level deeper. */
void pdu_open(struct pdu_out *out, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* End the innermost pdu_open. */
void pdu_close(struct pdu_out *out);
/*
 * Append the text of sub (a tree printed by a nested decoder into its own
 * pdu_out, whose depth the caller preset to out->depth) to out; a failed
 * sub fails out.  Lets a decoder try a nested decode and print it only
 * when it succeeds.
 */
void pdu_out_append(struct pdu_out *out, const struct pdu_out *sub);
/*
 * Byte field: "NAME: <n> octets: 0011AA..." on one line (hex upper case;
 * long values are continued on following lines, 32 octets a line, one
 * level deeper).  n == 0 prints "NAME: 0 octets".
 */
void pdu_hex(struct pdu_out *out, const char *name, const uint8_t *p,
    size_t n);
/*
 * Text field: "NAME: "TEXT"" with the UTF-8 text quoted; '"' and '\' are
 * escaped with '\', control characters as \n, \r, \t or \xHH, so one field
 * is always one line.
 */
void pdu_text(struct pdu_out *out, const char *name, const char *utf8,
    size_t len);

/* ---- decode.c: the decode dispatcher and its table ---------------- */

typedef int pdu_decode_fn(struct stk_cur *in, struct pdu_out *out,
    struct stk_diag *diag);

struct pdu_decoder {
	const char *name;	/* for --as */
	pdu_decode_fn *fn;
	const char *desc;	/* one line for "decode --help" */
};

/*
 * The decoder called name, or NULL.  Nested decoders the SMS decoder looks
 * up by name when present: "ota-command" for user data whose header holds
 * IEI 0x70 and "ota-response" for IEI 0x71 (TS 31.115 §4), called on the
 * body of an unsegmented message.
 */
const struct pdu_decoder *pdu_decoder_find(const char *name);
/* "decode [--as TYPE] HEX" */
int pdu_cmd_decode(int argc, char **argv);

/* ---- cmd_sms_decode.c, cmd_sms_encode.c: SMS TPDUs --------------- */

int pdu_decode_sms_deliver(struct stk_cur *in, struct pdu_out *out,
    struct stk_diag *diag);
int pdu_decode_sms_submit(struct stk_cur *in, struct pdu_out *out,
    struct stk_diag *diag);
int pdu_decode_sms_status_report(struct stk_cur *in, struct pdu_out *out,
    struct stk_diag *diag);
int pdu_decode_sms_deliver_report(struct stk_cur *in, struct pdu_out *out,
    struct stk_diag *diag);
int pdu_decode_sms_submit_report(struct stk_cur *in, struct pdu_out *out,
    struct stk_diag *diag);
int pdu_decode_sms_command(struct stk_cur *in, struct pdu_out *out,
    struct stk_diag *diag);
/*
 * The decoder name for a TPDU whose direction is not given: from the MTI
 * (TS 23.040 §9.2.3.1) read as sent by the SC: 00 SMS-DELIVER, 01
 * SMS-SUBMIT (as the SC receives it), 10 SMS-STATUS-REPORT; NULL for 11
 * (reserved) and for empty input.
 */
const char *pdu_sms_guess_type(const uint8_t *in, size_t len);
/* "sms-submit ..." and "sms-deliver ..." */
int pdu_cmd_sms_submit(int argc, char **argv);
int pdu_cmd_sms_deliver(int argc, char **argv);

/* ---- cmd_gsm7.c: the GSM 7-bit alphabet ---------------------------- */

/* "gsm7 encode [--septets] [--fill N] TEXT", "gsm7 decode [...] HEX" */
int pdu_cmd_gsm7(int argc, char **argv);

#endif
