/*
 * at.h - the AT command line: byte input state machine and command-line
 * parser (ITU-T V.250 §5.1-§5.4, 3GPP TS 27.007 §4, TS 27.005 §3/§4 PDU
 * input).  Pure code, no I/O, no libevent: fuzzed by tests/fuzz/fuzz_at_parser.c.
 */
#ifndef STKAUTH_NETSIM_AT_H
#define STKAUTH_NETSIM_AT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest command line accepted (V.250 §5.2.4 asks for at least 40). */
#define AT_LINE_MAX 512
/* Most commands on one line. */
#define AT_MAX_CMDS 16
/* Most parameters of one extended command. */
#define AT_MAX_PARAMS 8
/* Longest string parameter after unescaping. */
#define AT_STR_MAX 64
/* Longest PDU text after +CMGS (hex of SCA 12 + TPDU 164 octets). */
#define AT_PDU_HEX_MAX (2 * (12 + 164))

/* Forms of a command (TS 27.007 §4.1, V.250 §5.4.2-§5.4.3). */
enum at_form {
	AT_FORM_EXEC = 0x01,	/* +CMD or basic command */
	AT_FORM_TEST = 0x02,	/* +CMD=? */
	AT_FORM_READ = 0x04,	/* +CMD?  (also S<n>?) */
	AT_FORM_SET = 0x08,	/* +CMD=...  (also S<n>=<v>) */
};

struct at_cmd {
	/* "E", "&F", "S3", "+CMGS"; upper case. */
	char name[20];
	bool extended;
	enum at_form form;
	/* Basic commands: the numeric argument, if any ("E1" -> 1). */
	bool has_num;
	unsigned long num;
	/* SET form of extended commands and S-registers: the raw text after
	 * '=' (spaces outside strings removed), inside the cmdline buffer. */
	const char *args;
	size_t args_len;
};

struct at_cmdline {
	char buf[AT_LINE_MAX + 1];
	size_t ncmds;
	struct at_cmd cmd[AT_MAX_CMDS];
};

enum at_parse_err {
	AT_PARSE_OK = 0,
	AT_PARSE_NOT_AT = -1,		/* line does not start with AT */
	AT_PARSE_SYNTAX = -2,		/* malformed command */
	AT_PARSE_TOO_MANY = -3,		/* more than AT_MAX_CMDS */
	AT_PARSE_TOO_LONG = -4,		/* longer than AT_LINE_MAX */
};

/*
 * Parse one command line (without its S3 terminator).  Leading
 * characters before "AT" are not skipped: the line must start with "AT"
 * (either case).  Spaces outside quoted strings are ignored (V.250
 * §5.1).  Commands: basic ([&]letter[number]), S-parameters (S<n>?,
 * S<n>=<v>) and extended (+NAME with exec/test/read/set forms) separated
 * by ';' (required after an extended command, TS 27.007 §4.0).  "AT"
 * alone gives ncmds 0.
 */
int at_parse_line(const char *line, size_t len, struct at_cmdline *out);

enum at_param_type {
	AT_P_OMITTED = 0,	/* ",," */
	AT_P_NUM = 1,
	AT_P_STR = 2,
};

struct at_param {
	enum at_param_type type;
	unsigned long num;		/* 0 .. 2^31-1 */
	size_t len;
	char str[AT_STR_MAX + 1];	/* NUL-terminated */
};

/*
 * Split the SET-form arguments into parameters: decimal numbers, quoted
 * strings (with \HH escapes, TS 27.007 §4.1 / V.250 §5.4.2.2) and empty
 * ones.  Returns the count (0..AT_MAX_PARAMS) or -1 on a syntax error,
 * a number above 2^31-1, a string above AT_STR_MAX or too many.
 */
int at_split_params(const char *args, size_t len, struct at_param *p,
    size_t max);

/* ---- byte input (command mode and the +CMGS PDU entry mode) ---- */

enum at_event {
	AT_EV_NONE = 0,
	AT_EV_LINE,		/* a command line is ready in in->line */
	AT_EV_LINE_TOO_LONG,	/* the line overflowed: discarded */
	AT_EV_PDU,		/* Ctrl-Z: in->line holds the PDU hex */
	AT_EV_PDU_ABORT,	/* ESC: PDU entry cancelled */
	AT_EV_PDU_TOO_LONG,	/* Ctrl-Z after an overlong PDU */
};

struct at_input {
	uint8_t s3;		/* command line termination (CR) */
	uint8_t s5;		/* editing, backspace (BS) */
	bool pdu_mode;		/* set after the "> " prompt */
	bool overflow;
	bool ready;		/* an event consumed the line: restart */
	size_t len;
	char line[AT_LINE_MAX + 1];
};

void at_input_init(struct at_input *in);
/* Enter PDU entry mode (after printing the prompt). */
void at_input_pdu(struct at_input *in);
/*
 * Feed one byte.  Command mode: S3 ends a line, S5 deletes the last
 * character, LF and NUL are ignored, other bytes are kept (up to
 * AT_LINE_MAX; more make the line AT_EV_LINE_TOO_LONG at S3).  PDU mode:
 * hex digits are kept (up to AT_PDU_HEX_MAX), CR/LF/spaces are ignored,
 * Ctrl-Z (0x1A) ends, ESC (0x1B) cancels, any other byte makes the PDU
 * invalid (reported as AT_EV_PDU with a line that fails hex decoding).
 * After an event the line is consumed by the caller before the next
 * byte; the mode returns to command mode after a PDU event.
 */
enum at_event at_input_byte(struct at_input *in, uint8_t b);

#endif
