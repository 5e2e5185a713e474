/*
 * decode.c - "stkauth-pdu decode": hex in, a tree of named fields out.
 *
 *   decode [--as TYPE] [--sca] HEX
 *
 * The decoder table below lists every type --as accepts, one row per line.
 * Without --as the type is inferred from the SMS TP-MTI (TS 23.040
 * §9.2.3.1) read in the direction SC -> MS, except that MTI 01 is taken as
 * SMS-SUBMIT (what an SC receives): 00 SMS-DELIVER, 01 SMS-SUBMIT, 10
 * SMS-STATUS-REPORT.  The same MTIs sent by an MS mean SMS-DELIVER-REPORT
 * (00) and SMS-COMMAND (10), and MTI 01 sent by the SC is
 * SMS-SUBMIT-REPORT: only --as can say so.
 *
 * With --sca the hex is a TS 27.005 §3.1 PDU-mode <pdu>: the SC address
 * (TS 24.011 §8.2.5.1, length in octets) precedes the TPDU.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_auth.h"
#include "cmd_cat.h"
#include "cmd_ota.h"
#include "pdu.h"
#include "sms_addr.h"
#include "tpdu.h"

static const struct pdu_decoder pdu_decoders[] = {
	{ "sms-deliver",        pdu_decode_sms_deliver,        "SMS-DELIVER, SC to MS (TS 23.040 §9.2.2.1)" },
	{ "sms-deliver-report", pdu_decode_sms_deliver_report, "SMS-DELIVER-REPORT, MS to SC (TS 23.040 §9.2.2.1a)" },
	{ "sms-submit",         pdu_decode_sms_submit,         "SMS-SUBMIT, MS to SC (TS 23.040 §9.2.2.2)" },
	{ "sms-submit-report",  pdu_decode_sms_submit_report,  "SMS-SUBMIT-REPORT, SC to MS (TS 23.040 §9.2.2.2a)" },
	{ "sms-status-report",  pdu_decode_sms_status_report,  "SMS-STATUS-REPORT, SC to MS (TS 23.040 §9.2.2.3)" },
	{ "sms-command",        pdu_decode_sms_command,        "SMS-COMMAND, MS to SC (TS 23.040 §9.2.2.4)" },
	{ "auth-request",       pdu_decode_auth_request,       "stkauth auth request, server to applet (docs/PROTOCOL.md §3)" },
	{ "proactive",          pdu_decode_cat_proactive,      "CAT proactive command, BER tag D0 (TS 102 223 §6.6)" },
	{ "envelope",           pdu_decode_cat_envelope,       "CAT ENVELOPE: SMS-PP download D1, menu selection D3 (TS 102 223 §7)" },
	{ "terminal-response",  pdu_decode_cat_terminal_response, "CAT TERMINAL RESPONSE data (TS 102 223 §6.8)" },
	{ "terminal-profile",   pdu_decode_cat_terminal_profile, "CAT TERMINAL PROFILE (TS 102 223 §5.2)" },
	{ "auth-response",      pdu_decode_auth_response,      "stkauth auth response, applet to server (docs/PROTOCOL.md §4)" },
	{ "command-packet",     pdu_decode_ota_command,        "secured command packet, CPL.. or 027000.. (TS 102 225 §5.1, TS 31.115 §4.2)" },
	{ "response-packet",    pdu_decode_ota_response,       "secured response packet / PoR, RPL.. or 027100.. (TS 102 225 §5.2, TS 31.115 §4.4)" },
	{ "ota-command",        pdu_decode_ota_command,        "same as command-packet (used for SMS bodies with IEI 70)" },
	{ "ota-response",       pdu_decode_ota_response,       "same as response-packet (used for SMS bodies with IEI 71)" },
};

#define PDU_NDECODERS (sizeof(pdu_decoders) / sizeof(pdu_decoders[0]))

#define DECODE_USAGE PDU_PROG " decode [--as TYPE] [--sca] HEX"

const struct pdu_decoder *
pdu_decoder_find(const char *name)
{
	size_t i;

	for (i = 0; i < PDU_NDECODERS; i++)
		if (strcmp(pdu_decoders[i].name, name) == 0)
			return &pdu_decoders[i];
	return NULL;
}

static void
decode_help(void)
{
	size_t i;

	printf("usage: %s\n\n"
	    "Decode HEX and print its fields as a tree.\n"
	    "  --as TYPE  decode as TYPE; without it the SMS TP-MTI decides:\n"
	    "             00 sms-deliver, 01 sms-submit, 10 sms-status-report\n"
	    "             (from an MS, 00 is sms-deliver-report and 10\n"
	    "             sms-command; from an SC, 01 is sms-submit-report:\n"
	    "             use --as for those)\n"
	    "  --sca      HEX starts with the SC address (TS 27.005 PDU mode)\n"
	    "\ntypes:\n", DECODE_USAGE);
	for (i = 0; i < PDU_NDECODERS; i++)
		printf("  %-20s %s\n", pdu_decoders[i].name,
		    pdu_decoders[i].desc);
}

/* The SC address prefix of a TS 27.005 PDU-mode <pdu>, printed. */
static int
decode_sca(struct stk_cur *c, struct pdu_out *out, struct stk_diag *diag)
{
	struct stk_sms_addr sca;
	char text[STK_ADDR_TEXT_MAX + 1];
	bool present;
	int rc;

	rc = stk_smsc_addr_decode(c, &sca, &present, diag);
	if (rc != STK_OK)
		return rc;
	if (!present) {
		pdu_field(out, "SCA", "none (length 0: the ME's default SC)");
		return STK_OK;
	}
	rc = stk_sms_addr_to_text(&sca, text, sizeof(text));
	if (rc != STK_OK)
		return stk_fail(diag, rc, "SCA", 0);
	pdu_open(out, "SCA", "%s", text);
	pdu_field(out, "type-of-address", "0x%02x (TON %s, NPI %s)",
	    0x80 | (sca.ton << 4) | sca.npi, stk_ton_name(sca.ton),
	    stk_npi_name(sca.npi));
	pdu_close(out);
	return STK_OK;
}

/*
 * True when the input decodes as a TS 27.005 PDU-mode string (SC address,
 * then a TPDU in the direction its MTI suggests): used only to hint at
 * --sca after a failed decode, so a pasted AT+CMGS / +CMGR PDU is explained.
 */
static bool
looks_like_sca_form(const struct stk_buf *in)
{
	struct stk_sms_addr sca;
	struct stk_tpdu *t;
	bool present, ok = false;

	if ((t = malloc(sizeof(*t))) == NULL)
		return false;
	for (int dir = STK_DIR_MS_TO_SC; dir <= STK_DIR_SC_TO_MS && !ok; dir++)
		ok = stk_tpdu_decode_with_sca(stk_buf_data(in),
		    stk_buf_len(in), (enum stk_sms_dir)dir, &sca, &present, t,
		    NULL) == STK_OK;
	free(t);
	return ok;
}

int
pdu_cmd_decode(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument,       NULL, 'h' },
		{ "as",   required_argument, NULL, 'a' },
		{ "sca",  no_argument,       NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const struct pdu_decoder *dec = NULL;
	const char *type = NULL;
	struct pdu_out out;
	struct stk_diag diag;
	struct stk_buf in;
	struct stk_cur c;
	char msg[160];
	bool sca = false, guessed;
	int ch, rc, status = 1;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			decode_help();
			return 0;
		case 'a':
			type = optarg;
			break;
		case 's':
			sca = true;
			break;
		default:
			return pdu_usage_err(DECODE_USAGE, "decode: unknown "
			    "option or missing value '%s'", argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return pdu_usage_err(DECODE_USAGE, "decode: expected one HEX "
		    "argument");
	if (type != NULL && (dec = pdu_decoder_find(type)) == NULL)
		return pdu_usage_err(DECODE_USAGE, "decode: unknown type '%s' "
		    "(see decode --help)", type);

	pdu_out_init(&out);
	stk_diag_clear(&diag);
	if (pdu_parse_hex_arg("decode", argv[optind], &in) != 0)
		goto out;
	if (stk_buf_len(&in) == 0) {
		pdu_err("decode: empty input");
		goto out;
	}
	stk_cur_init(&c, stk_buf_data(&in), stk_buf_len(&in));
	if (sca) {
		rc = decode_sca(&c, &out, &diag);
		if (rc != STK_OK) {
			pdu_err("malformed SC address: %s",
			    stk_diag_format(&diag, msg, sizeof(msg)));
			goto out;
		}
	}
	guessed = dec == NULL && !sca;
	if (dec == NULL) {
		type = pdu_sms_guess_type(stk_cur_data(&c), stk_cur_len(&c));
		if (type == NULL) {
			bool empty = stk_cur_empty(&c);

			stk_fail(&diag, empty ? STK_E_TRUNCATED :
			    STK_E_UNSUPPORTED, "TP-MTI", stk_cur_offset(&c));
			pdu_err("malformed sms: %s%s", stk_diag_format(&diag,
			    msg, sizeof(msg)), empty ? "" : " (TP-MTI 11 is "
			    "reserved; use --as)");
			goto out;
		}
		dec = pdu_decoder_find(type);
	}
	rc = dec->fn(&c, &out, &diag);
	if (rc != STK_OK) {
		if (diag.err == STK_OK)
			stk_fail(&diag, rc, NULL, 0);
		pdu_err("malformed %s: %s%s", dec->name,
		    stk_diag_format(&diag, msg, sizeof(msg)),
		    guessed && looks_like_sca_form(&in) ? " (it decodes with "
		    "an SC address first: try --sca)" : "");
		goto out;
	}
	rc = pdu_out_flush(&out, stdout);
	if (rc != STK_OK) {
		pdu_err("decode: %s", stk_strerror(rc));
		goto out;
	}
	status = 0;
out:
	stk_buf_free(&in);
	pdu_out_free(&out);
	return status;
}
