/*
 * sub_proto.h - lines of the subscriber protocol (docs/NETSIM-SUBSCRIBER.md)
 * from the phone to the network.  Pure parsing, no I/O (fuzzed).
 */
#ifndef STKAUTH_NETSIM_SUB_PROTO_H
#define STKAUTH_NETSIM_SUB_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "sms_addr.h"

/* A line is at most this many octets including the LF. */
#define SUB_LINE_MAX 1024
/* A TPDU is at most 164 octets (SMS-SUBMIT with 140 octets of UD). */
#define SUB_TPDU_MAX 176

enum sub_verb {
	SUB_ATTACH = 1,
	SUB_DETACH,
	SUB_MO,
	SUB_MT_ACK,
	SUB_MT_NACK,
	SUB_PING,
};

struct sub_req {
	enum sub_verb verb;
	char msisdn[STK_ADDR_TEXT_MAX + 1];	/* ATTACH */
	char ref[11];				/* MO: 1-10 digits */
	uint64_t id;				/* MT-ACK / MT-NACK */
	unsigned cause;				/* MT-NACK: 1..255 */
	size_t tpdu_len;			/* MO, optional for MT-* */
	uint8_t tpdu[SUB_TPDU_MAX];
};

/*
 * Parse one line (LF and an optional CR before it already removed).
 * Returns 0, or -1 with a short reason ("unknown command", "bad hex")
 * for the ERR 400 answer.
 */
int sub_parse_line(const char *line, size_t len, struct sub_req *r,
    const char **reason);

#endif
