/*
 * modem_at.h - the response side of an AT modem conversation
 * (ITU-T V.250 §5.7, 3GPP TS 27.007, TS 27.005 PDU mode), turned into
 * events.  No I/O and no state about which command is running: the
 * engine (modem_engine.c) decides what an event means for it.
 *
 * Framing: lines end in CR and/or LF; empty lines are skipped.  The
 * TS 27.005 §3.5.1 prompt "> " has no line end and is recognised at the
 * start of a line.  The headers +CMT, +CDS (§3.4.1 URCs), +CMGR and
 * +CMGL (§3.4.3, §3.4.2 responses) are followed by a PDU line: the parser
 * holds the header and reports both together, with the SC address split
 * off the TPDU.  Unsolicited result codes may arrive between the lines
 * of a command's response; a +CMT header is never confused with a
 * response line because each event kind is named by its prefix.
 *
 * Limits: a line longer than MAT_LINE_MAX is dropped whole (one MAT_BAD
 * event); a PDU longer than the TS 27.005 maximum (SC address 12 octets +
 * TPDU 164) is MAT_BAD.
 */
#ifndef STKAUTH_BRIDGE_MODEM_AT_H
#define STKAUTH_BRIDGE_MODEM_AT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAT_LINE_MAX 1024
#define MAT_TPDU_MAX 164	/* TS 27.005 §3.5.1 <length> upper bound */
#define MAT_SCA_MAX 12		/* length octet + 11 address octets */

enum mat_kind {
	MAT_OK = 0,		/* final: OK */
	MAT_ERROR,		/* final: ERROR (and NO CARRIER etc.) */
	MAT_CMS_ERROR,		/* final: +CMS ERROR: <err>; code */
	MAT_CME_ERROR,		/* final: +CME ERROR: <err>; code */
	MAT_PROMPT,		/* "> " */
	MAT_CMGS,		/* +CMGS: <mr>; code = mr */
	MAT_CMT,		/* +CMT: [<alpha>],<length> + PDU */
	MAT_CDS,		/* +CDS: <length> + PDU */
	MAT_CMGR,		/* +CMGR: <stat>,[<alpha>],<length> + PDU */
	MAT_CMGL,		/* +CMGL: <index>,<stat>,[<alpha>],<length> + PDU */
	MAT_CMTI,		/* +CMTI: <mem>,<index> */
	MAT_CDSI,		/* +CDSI: <mem>,<index> */
	MAT_LINE,		/* any other line: information text, echo, URC */
	MAT_BAD,		/* a known line that does not parse; reason */
	MAT_KIND_COUNT
};

struct mat_event {
	enum mat_kind kind;
	const char *line;	/* the line as received (NUL-terminated); for
				 * PDU events the header line */
	int code;		/* CMS/CME error (-1: verbose text unknown),
				 * +CMGS <mr> */
	unsigned index;		/* CMGL, CMTI, CDSI */
	int stat;		/* CMGR, CMGL <stat> 0-4 */
	char mem[8];		/* CMTI, CDSI storage ("SM") */
	const uint8_t *tpdu;	/* CMT, CDS, CMGR, CMGL: the TPDU */
	size_t tpdu_len;
	bool has_sca;		/* an SC address preceded the TPDU */
	const char *reason;	/* MAT_BAD: what is wrong (static text) */
};

typedef void (*mat_cb)(void *arg, const struct mat_event *ev);

struct mat_parser {
	mat_cb cb;
	void *arg;
	char line[MAT_LINE_MAX + 1];
	size_t len;
	bool overflow;		/* dropping the rest of an over-long line */
	bool want_pdu;		/* the next line is the PDU of hdr */
	struct mat_event hdr;
	char hdr_line[MAT_LINE_MAX + 1];
	unsigned hdr_length;	/* <length>: TPDU octets */
	uint8_t pdu[MAT_SCA_MAX + MAT_TPDU_MAX];
	unsigned gen;		/* bumped by mat_reset: stops a running feed */
};

void mat_init(struct mat_parser *p, mat_cb cb, void *arg);
/* Forget any partial line and held header (the link was reopened). */
void mat_reset(struct mat_parser *p);
/* Feed received bytes; events are reported through cb, in order. */
void mat_feed(struct mat_parser *p, const uint8_t *data, size_t n);

/* Whether a kind ends a command (OK, ERROR, +CMS/+CME ERROR). */
bool mat_is_final(enum mat_kind kind);
/* "OK", "+CMT", ...: from a table. */
const char *mat_kind_name(enum mat_kind kind);

#endif
