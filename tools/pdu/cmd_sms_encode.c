/*
 * cmd_sms_encode.c - the SMS TPDU encoders of stkauth-pdu, "sms-submit"
 * and "sms-deliver" (3GPP TS 23.040 §9.2.2.2, §9.2.2.1), which print the
 * TPDU in upper-case hex on one line.  The decoders are in
 * cmd_sms_decode.c.
 *
 * All encoding is lib/'s (tpdu.h, udh.h, sms_*.h, gsm7.h); this file
 * parses options and reports what does not fit.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gsm7.h"
#include "hex.h"
#include "pdu.h"
#include "sms_addr.h"
#include "sms_dcs.h"
#include "sms_time.h"
#include "tpdu.h"
#include "udh.h"

/* ---- encoding ------------------------------------------------------ */

#define SUBMIT_USAGE PDU_PROG " sms-submit --to NUMBER [--from NUMBER] " \
	"[--mr N] [--pid HEX] [--dcs HEX]\n" \
	"       [--udh HEX] [--srr] [--vp MINUTES] [--sca NUMBER] " \
	"(--ud HEX | --text TEXT)"
#define DELIVER_USAGE PDU_PROG " sms-deliver --from NUMBER [--pid HEX] " \
	"[--dcs HEX] [--udh HEX]\n" \
	"       [--scts ISO8601] [--sca NUMBER] (--ud HEX | --text TEXT)"

/* What the command line asked for; strings point into argv. */
struct sms_args {
	const char *to, *from, *pid, *dcs, *udh, *ud, *text, *scts, *sca,
	    *vp, *mr;
	bool srr;
};

/* One octet given in hex ("7F", "7f" or "0x7F"). */
static bool
sms_parse_octet(const char *s, uint8_t *v)
{
	struct stk_buf b;
	bool ok;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	stk_buf_init(&b);
	ok = stk_hex_decode(s, &b) == STK_OK && stk_buf_len(&b) == 1;
	if (ok)
		*v = stk_buf_data(&b)[0];
	stk_buf_free(&b);
	return ok;
}

static int
sms_parse_addr(const char *opt, const char *text, struct stk_sms_addr *a)
{
	int rc = stk_sms_addr_from_text(text, a);

	/* Only an originator may be alphanumeric (TS 23.040 §9.1.2.5 is
	 * about sender names; a DA or SC address names a number). */
	if (rc == STK_OK && a->ton == STK_TON_ALPHANUMERIC &&
	    strcmp(opt, "--from") != 0) {
		pdu_err("%s '%s': not a number: give +DIGITS (international) "
		    "or DIGITS; '*' and '#' are allowed", opt, text);
		return 1;
	}
	if (rc == STK_OK)
		return 0;
	pdu_err("%s '%s': %s (a number is +DIGITS or DIGITS, at most %d "
	    "digits; an alphanumeric sender at most %d GSM 7-bit septets)",
	    opt, text, stk_strerror(rc), STK_ADDR_MAX_DIGITS,
	    STK_ADDR_MAX_ALPHA);
	return 1;
}

/*
 * Set the user data from --udh, --dcs and --ud / --text (see the man
 * page): --ud with a GSM 7-bit TP-DCS takes unpacked septets; --ud without
 * --dcs means 8-bit data (0x04); --text without --dcs picks GSM 7-bit or
 * UCS-2; --text with an 8-bit or compressed TP-DCS is refused.
 */
static int
sms_set_ud(struct stk_tpdu *t, const struct sms_args *a)
{
	struct stk_buf udh, ud, enc;
	struct stk_udh parsed;
	struct stk_diag d;
	struct stk_dcs dcs;
	char msg[160];
	uint8_t dcs_raw = 0x04;
	size_t i;
	int rc, status = 1;

	stk_buf_init(&udh);
	stk_buf_init(&ud);
	stk_buf_init(&enc);
	if (a->dcs != NULL && !sms_parse_octet(a->dcs, &dcs_raw)) {
		pdu_err("--dcs '%s': expected one octet in hex, e.g. F6",
		    a->dcs);
		goto out;
	}
	if (a->udh != NULL) {
		stk_buf_free(&udh);
		if (pdu_parse_hex_arg("--udh", a->udh, &udh) != 0)
			goto out;
		stk_diag_clear(&d);
		if (stk_udh_parse(stk_buf_data(&udh), stk_buf_len(&udh),
		    &parsed, &d) != STK_OK) {
			pdu_err("--udh: %s (give the header as it starts "
			    "TP-UD, its length octet first, e.g. 027000)",
			    stk_diag_format(&d, msg, sizeof(msg)));
			goto out;
		}
		rc = stk_tpdu_set_udh(t, stk_buf_data(&udh),
		    stk_buf_len(&udh));
		if (rc != STK_OK) {
			pdu_err("--udh: %s", stk_strerror(rc));
			goto out;
		}
	}
	stk_dcs_decode(dcs_raw, &dcs);
	if (a->text != NULL && a->dcs == NULL) {
		rc = stk_tpdu_set_text(t, a->text, strlen(a->text),
		    STK_CLASS_NONE);
		if (rc == STK_E_TOO_LONG)
			pdu_err("--text: too long for one message: room for "
			    "%zu %s after the header (TS 23.040 §9.2.3.16)",
			    stk_tpdu_body_capacity(t),
			    stk_charset_for_text(a->text, strlen(a->text)) ==
			    STK_CHARSET_GSM7 ? "septets" : "octets");
		else if (rc != STK_OK)
			pdu_err("--text: %s", stk_strerror(rc));
		status = rc == STK_OK ? 0 : 1;
		goto out;
	}
	if (a->text != NULL) {
		if (dcs.compressed || dcs.charset == STK_CHARSET_8BIT) {
			pdu_err("--text: TP-DCS 0x%02X is not a text coding "
			    "(GSM 7-bit or UCS-2, uncompressed); use --ud "
			    "HEX", dcs_raw);
			goto out;
		}
		if (dcs.charset == STK_CHARSET_GSM7)
			rc = stk_gsm7_from_utf8(a->text, strlen(a->text),
			    &enc);
		else
			rc = stk_ucs2_from_utf8(a->text, strlen(a->text),
			    &enc);
		if (rc != STK_OK) {
			pdu_err("--text: not encodable as %s: %s",
			    stk_charset_name(dcs.charset), stk_strerror(rc));
			goto out;
		}
	} else {
		if (pdu_parse_hex_arg("--ud", a->ud, &ud) != 0)
			goto out;
		stk_buf_add_bytes(&enc, stk_buf_data(&ud), stk_buf_len(&ud));
		if (!stk_buf_ok(&enc)) {
			pdu_err("--ud: %s", stk_strerror(STK_E_NOMEM));
			goto out;
		}
	}
	if (stk_dcs_udl_in_septets(&dcs)) {
		for (i = 0; i < stk_buf_len(&enc); i++)
			if (stk_buf_data(&enc)[i] > 0x7f) {
				pdu_err("--ud: with the GSM 7-bit TP-DCS 0x%02X "
				    "HEX is unpacked septets (00-7F), octet "
				    "%zu is 0x%02X", dcs_raw, i + 1,
				    stk_buf_data(&enc)[i]);
				goto out;
			}
		rc = stk_tpdu_set_septets(t, stk_buf_data(&enc),
		    stk_buf_len(&enc), dcs_raw);
	} else {
		rc = stk_tpdu_set_octets(t, stk_buf_data(&enc),
		    stk_buf_len(&enc), dcs_raw);
	}
	if (rc == STK_E_TOO_LONG)
		pdu_err("%s: %zu %s do not fit: room for %zu after the header "
		    "(TS 23.040 §9.2.3.16)", a->text != NULL ? "--text" :
		    "--ud", stk_buf_len(&enc), stk_dcs_udl_in_septets(&dcs) ?
		    "septets" : "octets", stk_tpdu_body_capacity(t));
	else if (rc != STK_OK)
		pdu_err("%s: %s", a->text != NULL ? "--text" : "--ud",
		    stk_strerror(rc));
	else
		status = 0;
out:
	stk_buf_free(&udh);
	stk_buf_free(&ud);
	stk_buf_free(&enc);
	return status;
}

/* Encode t (with the SC address prefix when asked) and print it. */
static int
sms_emit(const struct stk_tpdu *t, const char *sca_text)
{
	struct stk_sms_addr sca;
	struct stk_buf b;
	int rc, status = 1;

	stk_buf_init(&b);
	if (sca_text != NULL) {
		if (sms_parse_addr("--sca", sca_text, &sca) != 0)
			goto out;
		if ((rc = stk_smsc_addr_encode(&sca, &b)) != STK_OK) {
			pdu_err("--sca: %s", stk_strerror(rc));
			goto out;
		}
	}
	rc = stk_tpdu_encode(t, &b);
	if (rc != STK_OK) {
		pdu_err("cannot encode: %s", stk_strerror(rc));
		goto out;
	}
	pdu_print_hex_line(stk_buf_data(&b), stk_buf_len(&b));
	status = 0;
out:
	stk_buf_free(&b);
	return status;
}

/*
 * Options shared by both encoders.  Returns -1 to go on, else the exit
 * status (help printed: 0; usage error: 2).
 */
static int
sms_parse_args(int argc, char **argv, bool submit, struct sms_args *a)
{
	static const struct option opts[] = {
		{ "help", no_argument,       NULL, 'h' },
		{ "to",   required_argument, NULL, 't' },
		{ "from", required_argument, NULL, 'f' },
		{ "pid",  required_argument, NULL, 'p' },
		{ "dcs",  required_argument, NULL, 'd' },
		{ "udh",  required_argument, NULL, 'H' },
		{ "ud",   required_argument, NULL, 'u' },
		{ "text", required_argument, NULL, 'T' },
		{ "scts", required_argument, NULL, 's' },
		{ "sca",  required_argument, NULL, 'c' },
		{ "vp",   required_argument, NULL, 'v' },
		{ "mr",   required_argument, NULL, 'm' },
		{ "srr",  no_argument,       NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *usage = submit ? SUBMIT_USAGE : DELIVER_USAGE;
	const char *cmd = submit ? "sms-submit" : "sms-deliver";
	int ch;

	memset(a, 0, sizeof(*a));
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			printf("usage: %s\n\nSee stkauth-pdu(1) for the "
			    "options.\n", usage);
			return 0;
		case 't': a->to = optarg; break;
		case 'f': a->from = optarg; break;
		case 'p': a->pid = optarg; break;
		case 'd': a->dcs = optarg; break;
		case 'H': a->udh = optarg; break;
		case 'u': a->ud = optarg; break;
		case 'T': a->text = optarg; break;
		case 's': a->scts = optarg; break;
		case 'c': a->sca = optarg; break;
		case 'v': a->vp = optarg; break;
		case 'm': a->mr = optarg; break;
		case 'r': a->srr = true; break;
		default:
			return pdu_usage_err(usage, "%s: unknown option or "
			    "missing value '%s'", cmd, argv[optind - 1]);
		}
	}
	if (optind != argc)
		return pdu_usage_err(usage, "%s: unexpected argument '%s'",
		    cmd, argv[optind]);
	if ((a->ud == NULL) == (a->text == NULL))
		return pdu_usage_err(usage, "%s: give exactly one of --ud "
		    "and --text", cmd);
	if (submit) {
		if (a->to == NULL)
			return pdu_usage_err(usage, "sms-submit: --to is "
			    "required");
		if (a->scts != NULL)
			return pdu_usage_err(usage, "sms-submit: --scts is "
			    "for sms-deliver (the SC stamps the time)");
	} else {
		if (a->from == NULL)
			return pdu_usage_err(usage, "sms-deliver: --from is "
			    "required");
		if (a->to != NULL || a->srr || a->vp != NULL || a->mr != NULL)
			return pdu_usage_err(usage, "sms-deliver: --to, --srr,"
			    " --vp and --mr are for sms-submit");
	}
	return -1;
}

/* TP-PID from --pid (default 0x00). */
static int
sms_set_pid(struct stk_tpdu *t, const char *pid)
{
	if (pid == NULL)
		return 0;
	if (!sms_parse_octet(pid, &t->pid)) {
		pdu_err("--pid '%s': expected one octet in hex, e.g. 7F", pid);
		return 1;
	}
	t->has_pid = true;
	return 0;
}

/* A TPDU of the type, initialised (heap); NULL, message printed, when
 * memory is short. */
static struct stk_tpdu *
sms_tpdu_new(enum stk_tpdu_type type)
{
	struct stk_tpdu *t = malloc(sizeof(*t));

	if (t == NULL) {
		pdu_err("%s", stk_strerror(STK_E_NOMEM));
		return NULL;
	}
	stk_tpdu_init(t, type);
	return t;
}

int
pdu_cmd_sms_submit(int argc, char **argv)
{
	struct stk_sms_addr from;
	struct sms_args a;
	struct stk_tpdu *t;
	unsigned long v;
	int rc, status = 1;

	if ((rc = sms_parse_args(argc, argv, true, &a)) >= 0)
		return rc;
	if ((t = sms_tpdu_new(STK_TPDU_SUBMIT)) == NULL)
		return 1;
	if (sms_parse_addr("--to", a.to, &t->addr) != 0)
		goto out;
	/*
	 * SMS-SUBMIT has no originator (TS 23.040 §9.2.2.2): the SC takes
	 * it from the submitting subscription.  --from is checked and
	 * otherwise ignored, with a note, so scripts written for both
	 * encoders keep working.
	 */
	if (a.from != NULL) {
		if (sms_parse_addr("--from", a.from, &from) != 0)
			goto out;
		pdu_err("note: --from is not encoded: SMS-SUBMIT has no "
		    "originator field (TS 23.040 §9.2.2.2)");
	}
	if (a.mr != NULL) {
		if (!pdu_parse_uint(a.mr, 255, &v)) {
			status = pdu_usage_err(SUBMIT_USAGE, "--mr '%s': "
			    "expected 0 to 255", a.mr);
			goto out;
		}
		t->mr = (uint8_t)v;
	}
	if (sms_set_pid(t, a.pid) != 0)
		goto out;
	t->srr = a.srr;
	if (a.vp != NULL) {
		if (!pdu_parse_uint(a.vp, 0xffffffffUL, &v)) {
			status = pdu_usage_err(SUBMIT_USAGE, "--vp '%s': "
			    "expected a number of minutes", a.vp);
			goto out;
		}
		/* TS 23.040 §9.2.3.12.1, rounded up to a representable
		 * period. */
		if (stk_vp_relative_from_minutes((uint32_t)v,
		    &t->vp.relative) != STK_OK) {
			pdu_err("--vp %lu: longer than the longest relative "
			    "validity period, 63 weeks (635040 minutes)", v);
			goto out;
		}
		t->vp.vpf = STK_VPF_RELATIVE;
		t->vpf = STK_VPF_RELATIVE;
	}
	if (sms_set_ud(t, &a) != 0)
		goto out;
	status = sms_emit(t, a.sca);
out:
	free(t);
	return status;
}

int
pdu_cmd_sms_deliver(int argc, char **argv)
{
	struct sms_args a;
	struct stk_tpdu *t;
	int rc, status = 1;

	if ((rc = sms_parse_args(argc, argv, false, &a)) >= 0)
		return rc;
	if ((t = sms_tpdu_new(STK_TPDU_DELIVER)) == NULL)
		return 1;
	t->mms = true;	/* TP-MMS 1: no more messages waiting */
	if (sms_parse_addr("--from", a.from, &t->addr) != 0)
		goto out;
	if (sms_set_pid(t, a.pid) != 0)
		goto out;
	if (a.scts != NULL) {
		if (stk_sms_time_from_iso(a.scts, &t->scts) != STK_OK) {
			pdu_err("--scts '%s': expected YYYY-MM-DDThh:mm:ss "
			    "with Z or +hh:mm (a multiple of 15 minutes), "
			    "years 1990-2089", a.scts);
			goto out;
		}
	} else if (stk_sms_time_from_unix((int64_t)time(NULL), 0,
	    &t->scts) != STK_OK) {
		pdu_err("--scts: the current time is outside 1990-2089");
		goto out;
	}
	if (sms_set_ud(t, &a) != 0)
		goto out;
	status = sms_emit(t, a.sca);
out:
	free(t);
	return status;
}
