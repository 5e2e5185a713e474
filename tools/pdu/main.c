/*
 * main.c - stkauth-pdu: inspect and build the PDUs stkauth speaks.
 *
 *   stkauth-pdu [--help | --version]
 *   stkauth-pdu COMMAND [OPTIONS] ARGS    (COMMAND --help for its usage)
 *
 * The command table below is the list of subcommands, one row per line;
 * each command parses its own options and returns the exit status
 * (0 ok, 1 bad input, 2 usage error), see pdu.h and stkauth-pdu(1).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_ota.h"
#include "hex.h"
#include "pdu.h"

#ifndef STKAUTH_VERSION
#define STKAUTH_VERSION "0.1.0"
#endif

static const struct pdu_cmd pdu_commands[] = {
	{ "decode",      pdu_cmd_decode,      "decode a PDU given in hex and print it as a tree" },
	{ "sms-submit",  pdu_cmd_sms_submit,  "build an SMS-SUBMIT TPDU (TS 23.040 §9.2.2.2) and print it in hex" },
	{ "sms-deliver", pdu_cmd_sms_deliver, "build an SMS-DELIVER TPDU (TS 23.040 §9.2.2.1) and print it in hex" },
	{ "gsm7",        pdu_cmd_gsm7,        "GSM 7-bit default alphabet (TS 23.038 §6.2.1): encode or decode" },
	{ "ota-wrap",    pdu_cmd_ota_wrap,    "build a TS 102 225 / TS 31.115 secured command packet and print it in hex" },
	{ "ota-unwrap",  pdu_cmd_ota_unwrap,  "verify and open a secured command packet (prints the PoR status on failure)" },
	{ "ota-unwrap-response", pdu_cmd_ota_unwrap_response, "verify and open a secured response packet (PoR)" },
};

#define PDU_NCOMMANDS (sizeof(pdu_commands) / sizeof(pdu_commands[0]))

void
pdu_err(const char *fmt, ...)
{
	va_list ap;

	fputs(PDU_PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
pdu_usage_err(const char *usage, const char *fmt, ...)
{
	va_list ap;

	fputs(PDU_PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: %s\n", usage);
	return 2;
}

int
pdu_parse_hex_arg(const char *what, const char *text, struct stk_buf *b)
{
	size_t i, digits = 0;

	stk_buf_init(b);
	if (stk_hex_decode(text, b) == STK_OK)
		return 0;
	/* Say what is wrong: a foreign character (and where) or odd length. */
	for (i = 0; text[i] != '\0'; i++) {
		unsigned char ch = (unsigned char)text[i];

		if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
		    (ch >= 'A' && ch <= 'F')) {
			digits++;
			continue;
		}
		if (ch == ' ' || ch == '\t' || ch == ':' || ch == '\n' ||
		    ch == '\r')
			continue;
		if (ch >= 0x21 && ch < 0x7f)
			pdu_err("%s: invalid hex: character '%c' at position "
			    "%zu", what, ch, i + 1);
		else
			pdu_err("%s: invalid hex: byte 0x%02X at position %zu",
			    what, ch, i + 1);
		return 1;
	}
	if (digits % 2 != 0)
		pdu_err("%s: invalid hex: odd number of digits (%zu)", what,
		    digits);
	else
		pdu_err("%s: invalid hex: separator inside a byte", what);
	return 1;
}

bool
pdu_parse_uint(const char *text, unsigned long max, unsigned long *v)
{
	char *end;
	unsigned long n;

	if (text == NULL || text[0] < '0' || text[0] > '9')
		return false;	/* no sign, no space, no empty string */
	errno = 0;
	n = strtoul(text, &end, 0);
	if (errno != 0 || *end != '\0' || n > max)
		return false;
	*v = n;
	return true;
}

void
pdu_print_hex_line(const uint8_t *p, size_t n)
{
	char *hex = stk_hex_string(p, n, 1);

	if (hex == NULL) {
		pdu_err("%s", stk_strerror(STK_E_NOMEM));
		return;
	}
	printf("%s\n", hex);
	free(hex);
}

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f,
	    "usage: " PDU_PROG " COMMAND [OPTIONS] ARGS\n"
	    "       " PDU_PROG " COMMAND --help\n"
	    "       " PDU_PROG " --help | --version\n"
	    "\n"
	    "Inspect and build SMS TPDUs and the other PDUs of stkauth.\n"
	    "\n"
	    "commands:\n");
	for (i = 0; i < PDU_NCOMMANDS; i++)
		fprintf(f, "  %-12s %s\n", pdu_commands[i].name,
		    pdu_commands[i].help);
	fprintf(f, "\nExit status: 0 success, 1 bad input, 2 usage error.\n"
	    "See stkauth-pdu(1).\n");
}

int
main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		if (argc > 2 && strcmp(argv[1], "help") == 0) {
			/* "help COMMAND" is "COMMAND --help". */
			char *sub[] = { argv[2], (char *)"--help", NULL };

			for (i = 0; i < PDU_NCOMMANDS; i++)
				if (strcmp(argv[2], pdu_commands[i].name) == 0)
					return pdu_commands[i].fn(2, sub);
			pdu_err("unknown command '%s'", argv[2]);
			usage(stderr);
			return 2;
		}
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf(PDU_PROG " " STKAUTH_VERSION "\n");
		return 0;
	}
	for (i = 0; i < PDU_NCOMMANDS; i++)
		if (strcmp(argv[1], pdu_commands[i].name) == 0)
			return pdu_commands[i].fn(argc - 1, argv + 1);
	if (argv[1][0] == '-')
		pdu_err("unknown option '%s'", argv[1]);
	else
		pdu_err("unknown command '%s'", argv[1]);
	usage(stderr);
	return 2;
}
