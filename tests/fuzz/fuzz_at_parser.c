/*
 * fuzz_at_parser.c - libFuzzer target for stkauth-netsim's untrusted input
 * parsers: the modem byte input state machine (command lines and +CMGS PDU
 * entry), the AT command-line parser and parameter splitter, and the
 * subscriber protocol line parser.  The first byte picks where a PDU entry
 * starts, so both modes are reached.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "at.h"
#include "sub_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
run_line(const char *line, size_t len)
{
	static struct at_cmdline cl;
	struct at_param p[AT_MAX_PARAMS];
	size_t i;

	if (at_parse_line(line, len, &cl) != AT_PARSE_OK)
		return;
	for (i = 0; i < cl.ncmds; i++)
		if (cl.cmd[i].form == AT_FORM_SET)
			(void)at_split_params(cl.cmd[i].args,
			    cl.cmd[i].args_len, p, AT_MAX_PARAMS);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct at_input in;
	struct sub_req r;
	const char *why;
	size_t i, start, pdu_at;

	if (size == 0)
		return 0;
	pdu_at = data[0];
	at_input_init(&in);
	for (i = 1; i < size; i++) {
		enum at_event ev;

		if (i == pdu_at)
			at_input_pdu(&in);
		ev = at_input_byte(&in, data[i]);
		if (ev == AT_EV_LINE)
			run_line(in.line, in.len);
	}
	/* The same bytes as subscriber protocol lines. */
	for (start = 1, i = 1; i < size; i++)
		if (data[i] == '\n') {
			(void)sub_parse_line((const char *)data + start,
			    i - start, &r, &why);
			start = i + 1;
		}
	run_line((const char *)data + 1, size - 1);
	return 0;
}
