/*
 * cmd_ota.c - TS 102 225 / TS 31.115 secured packets in stkauth-pdu:
 *
 *   ota-wrap --spi HEX4 --kic HEX2 --kid HEX2 [--kic-key HEX] [--kid-key HEX]
 *            --tar HEX6 [--cntr HEX10] [--udh] DATA_HEX
 *   ota-unwrap [--kic-key HEX] [--kid-key HEX] [--stored-cntr HEX10] HEX
 *   ota-unwrap-response --spi HEX4 [--kic HEX2] [--kid HEX2]
 *            [--kic-key HEX] [--kid-key HEX] HEX
 *   decode --as command-packet|response-packet HEX
 *
 * Building and opening are lib/ota_wrap.c's and lib/ota_unwrap.c's; this
 * file parses options and prints.  Keys are never printed.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_ota.h"
#include "hex.h"
#include "ota.h"
#include "pdu.h"

#define WRAP_USAGE PDU_PROG " ota-wrap --spi HEX4 --kic HEX2 --kid HEX2 " \
	"[--kic-key HEX] [--kid-key HEX] --tar HEX6 [--cntr HEX10] [--udh] " \
	"DATA_HEX"
#define UNWRAP_USAGE PDU_PROG " ota-unwrap [--kic-key HEX] [--kid-key HEX] " \
	"[--stored-cntr HEX10] HEX"
#define UNWRAP_RESP_USAGE PDU_PROG " ota-unwrap-response --spi HEX4 " \
	"[--kic HEX2] [--kid HEX2] [--kic-key HEX] [--kid-key HEX] HEX"

/* A hex option of exactly n octets into out; false (message printed). */
static bool
hex_fixed(const char *what, const char *text, size_t n, uint8_t *out)
{
	struct stk_buf b;
	bool ok;

	if (pdu_parse_hex_arg(what, text, &b) != 0)
		return false;
	ok = stk_buf_len(&b) == n;
	if (ok)
		memcpy(out, stk_buf_data(&b), n);
	else
		pdu_err("%s: %zu octets expected (%zu hex digits), got %zu",
		    what, n, 2 * n, stk_buf_len(&b));
	stk_buf_free(&b);
	return ok;
}

/* A key option: 8..32 octets; false (message printed). */
static bool
hex_key(const char *what, const char *text, struct stk_ota_key *k)
{
	struct stk_buf b;
	bool ok;

	memset(k, 0, sizeof(*k));
	if (pdu_parse_hex_arg(what, text, &b) != 0)
		return false;
	ok = stk_buf_len(&b) >= 8 && stk_buf_len(&b) <= STK_OTA_KEY_MAX;
	if (ok) {
		memcpy(k->key, stk_buf_data(&b), stk_buf_len(&b));
		k->len = stk_buf_len(&b);
	} else {
		pdu_err("%s: a key of 8 to %d octets expected", what,
		    STK_OTA_KEY_MAX);
	}
	/* The builder held key material: wipe before freeing. */
	if (stk_buf_data(&b) != NULL)
		memset(stk_buf_data(&b), 0, stk_buf_len(&b));
	stk_buf_free(&b);
	return ok;
}

static uint64_t
be_uint(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* ---- options shared by the ota-* commands ----------------------------- */

/*
 * What the ota-* commands' options give.  Every command accepts a subset
 * (its option table); an option letter means the same in all of them.
 */
struct ota_args {
	uint16_t spi;			/* 's' --spi */
	uint8_t kic;			/* 'c' --kic */
	uint8_t kid;			/* 'd' --kid */
	uint8_t tar[STK_OTA_TAR_LEN];	/* 't' --tar */
	uint64_t cntr;			/* 'n' --cntr / --stored-cntr */
	bool have_spi, have_kic, have_kid, have_tar;
	bool udh;			/* 'u' --udh */
	struct stk_ota_key kic_key;	/* 'C' --kic-key; len 0: not given */
	struct stk_ota_key kid_key;	/* 'D' --kid-key */
};

/*
 * Parse the options of command cmd (table opts, every entry with one of
 * the letters above or 'h') into *a, which is zeroed first and holds key
 * material afterwards (the caller wipes it with memset).  Returns -1 to
 * go on with the positional arguments at optind, or the exit status
 * after printing the usage (-h, 0) or an error (1 for a bad value, 2 for
 * an unknown option).
 */
static int
ota_getopt(int argc, char **argv, const struct option *opts, const char *cmd,
    const char *usage, struct ota_args *a)
{
	uint8_t two[2], cntr[5];
	char what[32];
	int ch, idx = 0;

	memset(a, 0, sizeof(*a));
	opterr = 0;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, &idx)) != -1) {
		/* The option's own name for messages ("--stored-cntr"). */
		snprintf(what, sizeof(what), "--%s", opts[idx].name);
		switch (ch) {
		case 'h':
			printf("usage: %s\n", usage);
			return 0;
		case 's':
			if (!hex_fixed(what, optarg, 2, two))
				return 1;
			a->spi = (uint16_t)(two[0] << 8 | two[1]);
			a->have_spi = true;
			break;
		case 'c':
			if (!hex_fixed(what, optarg, 1, &a->kic))
				return 1;
			a->have_kic = true;
			break;
		case 'd':
			if (!hex_fixed(what, optarg, 1, &a->kid))
				return 1;
			a->have_kid = true;
			break;
		case 'C':
			if (!hex_key(what, optarg, &a->kic_key))
				return 1;
			break;
		case 'D':
			if (!hex_key(what, optarg, &a->kid_key))
				return 1;
			break;
		case 't':
			if (!hex_fixed(what, optarg, STK_OTA_TAR_LEN, a->tar))
				return 1;
			a->have_tar = true;
			break;
		case 'n':
			if (!hex_fixed(what, optarg, 5, cntr))
				return 1;
			a->cntr = be_uint(cntr, 5);
			break;
		case 'u':
			a->udh = true;
			break;
		default:
			return pdu_usage_err(usage, "%s: unknown option or "
			    "missing value '%s'", cmd, argv[optind - 1]);
		}
	}
	return -1;
}

/* A key given on the command line, or NULL. */
static const struct stk_ota_key *
given_key(const struct stk_ota_key *k)
{
	return k->len > 0 ? k : NULL;
}

/* ---- ota-wrap ---------------------------------------------------------- */

int
pdu_cmd_ota_wrap(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help",    no_argument,       NULL, 'h' },
		{ "spi",     required_argument, NULL, 's' },
		{ "kic",     required_argument, NULL, 'c' },
		{ "kid",     required_argument, NULL, 'd' },
		{ "kic-key", required_argument, NULL, 'C' },
		{ "kid-key", required_argument, NULL, 'D' },
		{ "tar",     required_argument, NULL, 't' },
		{ "cntr",    required_argument, NULL, 'n' },
		{ "udh",     no_argument,       NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	struct ota_args a;
	struct stk_ota_cmd_params p;
	struct stk_buf data, out;
	int ret, status;

	stk_buf_init(&data);
	stk_buf_init(&out);
	if ((status = ota_getopt(argc, argv, opts, "ota-wrap", WRAP_USAGE,
	    &a)) >= 0)
		goto out;
	status = 1;
	if (!a.have_spi || !a.have_kic || !a.have_kid || !a.have_tar) {
		status = pdu_usage_err(WRAP_USAGE, "ota-wrap: --spi, --kic, "
		    "--kid and --tar are required");
		goto out;
	}
	if (optind + 1 != argc) {
		status = pdu_usage_err(WRAP_USAGE, "ota-wrap: one DATA_HEX "
		    "argument expected");
		goto out;
	}
	if (pdu_parse_hex_arg("DATA_HEX", argv[optind], &data) != 0)
		goto out;
	memset(&p, 0, sizeof(p));
	p.spi = a.spi;
	p.kic = a.kic;
	p.kid = a.kid;
	memcpy(p.tar, a.tar, STK_OTA_TAR_LEN);
	p.cntr = a.cntr;
	p.kic_key = given_key(&a.kic_key);
	p.kid_key = given_key(&a.kid_key);
	if (a.udh) {
		stk_buf_add_u8(&out, 0x02);
		stk_buf_add_u8(&out, STK_OTA_IEI_COMMAND);
		stk_buf_add_u8(&out, 0x00);
	}
	if ((ret = stk_ota_wrap_command(&p, stk_buf_data(&data),
	    stk_buf_len(&data), &out)) != STK_OK) {
		pdu_err("ota-wrap: %s%s", stk_strerror(ret), ret == STK_E_ARG ?
		    " (a key the SPI needs is missing or of the wrong size "
		    "for the algorithm in KIc/KID?)" : "");
		goto out;
	}
	pdu_print_hex_line(stk_buf_data(&out), stk_buf_len(&out));
	status = 0;
out:
	memset(&a, 0, sizeof(a));
	stk_buf_free(&data);
	stk_buf_free(&out);
	return status;
}

/* ---- ota-unwrap -------------------------------------------------------- */

/* The command line holds one key set for any TAR. */
static int
cli_lookup(void *arg, const uint8_t tar[3], uint8_t kic, uint8_t kid,
    struct stk_ota_rx_keys *keys)
{
	(void)tar;
	(void)kic;
	(void)kid;
	*keys = *(const struct stk_ota_rx_keys *)arg;
	return STK_OK;
}

int
pdu_cmd_ota_unwrap(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help",        no_argument,       NULL, 'h' },
		{ "kic-key",     required_argument, NULL, 'C' },
		{ "kid-key",     required_argument, NULL, 'D' },
		{ "stored-cntr", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct ota_args a;
	struct stk_ota_rx_keys rx;
	struct stk_ota_command cmd;
	struct stk_buf in;
	struct stk_diag d;
	uint8_t st;
	char msg[160], tar[7], *hex;
	int ret, status;

	memset(&rx, 0, sizeof(rx));
	memset(&cmd, 0, sizeof(cmd));
	stk_buf_init(&in);
	if ((status = ota_getopt(argc, argv, opts, "ota-unwrap", UNWRAP_USAGE,
	    &a)) >= 0)
		goto out;
	status = 1;
	if (optind + 1 != argc) {
		status = pdu_usage_err(UNWRAP_USAGE, "ota-unwrap: one HEX "
		    "argument expected");
		goto out;
	}
	if (pdu_parse_hex_arg("HEX", argv[optind], &in) != 0)
		goto out;
	rx.kic = a.kic_key;
	rx.kid = a.kid_key;
	rx.counter = a.cntr;
	stk_diag_clear(&d);
	ret = stk_ota_unwrap_command(stk_buf_data(&in), stk_buf_len(&in),
	    cli_lookup, &rx, &cmd, &st, &d);
	if (ret != STK_OK) {
		pdu_err("ota-unwrap: PoR status %02X (%s): %s", st,
		    stk_ota_status_name(st), stk_diag_format(&d, msg,
		    sizeof(msg)));
		goto out;
	}
	stk_hex_format(tar, cmd.tar, 3, 1);
	if ((hex = stk_hex_string(cmd.data, cmd.data_len, 1)) == NULL) {
		pdu_err("%s", stk_strerror(STK_E_NOMEM));
		goto out;
	}
	printf("tar=%s cntr=%010llX data=%s\n", tar,
	    (unsigned long long)cmd.cntr, hex);
	free(hex);
	status = 0;
out:
	stk_ota_command_free(&cmd);
	memset(&a, 0, sizeof(a));
	memset(&rx, 0, sizeof(rx));
	stk_buf_free(&in);
	return status;
}

/* ---- ota-unwrap-response ----------------------------------------------- */

int
pdu_cmd_ota_unwrap_response(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help",    no_argument,       NULL, 'h' },
		{ "spi",     required_argument, NULL, 's' },
		{ "kic",     required_argument, NULL, 'c' },
		{ "kid",     required_argument, NULL, 'd' },
		{ "kic-key", required_argument, NULL, 'C' },
		{ "kid-key", required_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	struct ota_args a;
	struct stk_ota_response r;
	struct stk_buf in;
	struct stk_diag d;
	char msg[160], *hex;
	int ret, status;

	memset(&r, 0, sizeof(r));
	stk_buf_init(&in);
	if ((status = ota_getopt(argc, argv, opts, "ota-unwrap-response",
	    UNWRAP_RESP_USAGE, &a)) >= 0)
		goto out;
	status = 1;
	if (!a.have_spi || optind + 1 != argc) {
		status = pdu_usage_err(UNWRAP_RESP_USAGE, "ota-unwrap-response: "
		    "--spi and one HEX argument expected");
		goto out;
	}
	if (pdu_parse_hex_arg("HEX", argv[optind], &in) != 0)
		goto out;
	stk_diag_clear(&d);
	ret = stk_ota_unwrap_response(stk_buf_data(&in), stk_buf_len(&in),
	    a.spi, a.kic, a.kid, given_key(&a.kic_key), given_key(&a.kid_key),
	    &r, &d);
	if (ret != STK_OK) {
		pdu_err("ota-unwrap-response: %s%s", stk_diag_format(&d, msg,
		    sizeof(msg)), ret == STK_E_UNSUPPORTED || ret == STK_E_ARG ?
		    " (--kic/--kid give the command's algorithms)" : "");
		goto out;
	}
	if ((hex = stk_hex_string(r.data, r.data_len, 1)) == NULL) {
		pdu_err("%s", stk_strerror(STK_E_NOMEM));
		goto out;
	}
	printf("status=%02X (%s) data=%s%s\n", r.status,
	    stk_ota_status_name(r.status), hex, r.secured ||
	    ((a.spi & 0x1C) == 0) ? "" : " (unsecured PoR)");
	free(hex);
	status = 0;
out:
	stk_ota_response_free(&r);
	memset(&a, 0, sizeof(a));
	stk_buf_free(&in);
	return status;
}

/* ---- decoders ---------------------------------------------------------- */

static const char *const integ_names[4] = {
	"none", "RC (redundancy check)", "CC (cryptographic checksum)",
	"DS (digital signature)",
};
static const char *const cntr_names[4] = {
	"no counter available",
	"counter available, no replay or sequence checking",
	"process if and only if counter higher than the RE's",
	"process if and only if counter exactly one higher than the RE's",
};
static const char *const por_names[4] = {
	"no PoR", "PoR required", "PoR required only on error", "reserved",
};

/* SPI, TS 102 225 §5.1.1 with TS 31.115 §4.2 for b6 of octet 2. */
static void
print_spi(struct pdu_out *out, uint16_t raw, const struct stk_ota_spi *spi)
{
	pdu_open(out, "SPI", "%04X", raw);
	pdu_field(out, "RC/CC/DS", "%s", integ_names[spi->integrity & 3]);
	pdu_field(out, "ciphering", "%s", spi->ciphering ? "yes" : "no");
	pdu_field(out, "counter", "%s", cntr_names[spi->cntr & 3]);
	pdu_field(out, "PoR", "%s", por_names[spi->por & 3]);
	pdu_field(out, "PoR RC/CC/DS", "%s",
	    integ_names[spi->por_integrity & 3]);
	pdu_field(out, "PoR ciphering", "%s", spi->por_ciphering ? "yes" :
	    "no");
	pdu_field(out, "PoR via", "%s", spi->por_via_submit ? "SMS-SUBMIT" :
	    "SMS-DELIVER-REPORT");
	pdu_close(out);
}

static void
print_key_id(struct pdu_out *out, const char *name, uint8_t v,
    enum stk_ota_alg alg)
{
	pdu_open(out, name, "%02X", v);
	pdu_field(out, "algorithm", "%s", stk_ota_alg_name(alg));
	pdu_field(out, "key version", "%u", stk_ota_key_version(v));
	pdu_close(out);
}

/* Skip and print a leading "02 iei 00" UDH. */
static void
print_udh(struct stk_cur *in, struct pdu_out *out, uint8_t iei)
{
	const uint8_t *p = stk_cur_data(in);

	if (stk_cur_len(in) >= 3 && p[0] == 0x02 && p[1] == iei &&
	    p[2] == 0x00) {
		pdu_field(out, "UDH", "02%02X00 (IEI %02X, %s packet)", iei,
		    iei, iei == STK_OTA_IEI_COMMAND ? "command" : "response");
		stk_cur_skip(in, 3);
	}
}

int
pdu_decode_ota_command(struct stk_cur *in, struct pdu_out *out,
    struct stk_diag *diag)
{
	struct stk_ota_cmd_header h;
	struct stk_cur r;
	uint64_t cntr;
	uint8_t pcntr;
	const uint8_t *sig;
	size_t sig_len;
	int ret;

	pdu_open(out, "command-packet", "TS 102 225 §5.1, TS 31.115 §4.2");
	print_udh(in, out, STK_OTA_IEI_COMMAND);
	if ((ret = stk_ota_parse_command_header_cur(in, &h, diag)) != STK_OK)
		return ret;
	pdu_field(out, "CPL", "%u", h.cpl);
	pdu_field(out, "CHL", "%u", h.chl);
	print_spi(out, h.spi_raw, &h.spi);
	print_key_id(out, "KIc", h.kic, stk_ota_kic_alg(h.kic));
	print_key_id(out, "KID", h.kid, stk_ota_kid_alg(h.kid,
	    h.spi.integrity));
	pdu_field(out, "TAR", "%02X%02X%02X", h.tar[0], h.tar[1], h.tar[2]);
	if (h.spi.ciphering) {
		pdu_hex(out, "ciphered (CNTR..padding)", h.rest, h.rest_len);
		pdu_close(out);
		return STK_OK;
	}
	sig_len = (size_t)h.chl - STK_OTA_CHL_MIN;
	stk_cur_init(&r, h.rest, h.rest_len);
	r.off = h.rest_offset;
	if (!stk_cur_u40(&r, &cntr))
		return stk_fail(diag, STK_E_TRUNCATED, "CNTR", r.off);
	if (!stk_cur_u8(&r, &pcntr))
		return stk_fail(diag, STK_E_TRUNCATED, "PCNTR", r.off);
	if (!stk_cur_bytes(&r, &sig, sig_len))
		return stk_fail(diag, STK_E_INCONSISTENT, "CHL", r.off);
	pdu_field(out, "CNTR", "%010llX", (unsigned long long)cntr);
	pdu_field(out, "PCNTR", "%u", pcntr);
	pdu_hex(out, "RC/CC/DS", sig, sig_len);
	pdu_hex(out, "secured data", stk_cur_data(&r), stk_cur_len(&r));
	pdu_close(out);
	return STK_OK;
}

int
pdu_decode_ota_response(struct stk_cur *in, struct pdu_out *out,
    struct stk_diag *diag)
{
	struct stk_ota_resp_header h;
	struct stk_cur r;
	uint64_t cntr;
	uint8_t pcntr, st;
	const uint8_t *sig;
	size_t sig_len;
	int ret;

	pdu_open(out, "response-packet", "TS 102 225 §5.2, TS 31.115 §4.4");
	print_udh(in, out, STK_OTA_IEI_RESPONSE);
	if ((ret = stk_ota_parse_response_header_cur(in, &h, diag)) != STK_OK)
		return ret;
	pdu_field(out, "RPL", "%u", h.rpl);
	pdu_field(out, "RHL", "%u", h.rhl);
	pdu_field(out, "TAR", "%02X%02X%02X", h.tar[0], h.tar[1], h.tar[2]);
	/*
	 * Whether the rest is ciphered is in the command's SPI, not here.
	 * Show it in clear when it reads consistently as clear (PCNTR 0 and
	 * a known status code), else as octets.
	 */
	sig_len = (size_t)h.rhl - STK_OTA_RHL_MIN;
	stk_cur_init(&r, h.rest, h.rest_len);
	r.off = h.rest_offset;
	if (!stk_cur_u40(&r, &cntr) || !stk_cur_u8(&r, &pcntr) ||
	    !stk_cur_u8(&r, &st) || !stk_cur_bytes(&r, &sig, sig_len))
		return stk_fail(diag, STK_E_INCONSISTENT, "RHL",
		    h.rest_offset - 4);
	if (pcntr != 0 || stk_ota_status_symbol(st) == NULL) {
		pdu_hex(out, "ciphered (CNTR..padding)", h.rest, h.rest_len);
		pdu_close(out);
		return STK_OK;
	}
	pdu_field(out, "note", "read as unciphered (the command's SPI tells; "
	    "ota-unwrap-response verifies)");
	pdu_field(out, "CNTR", "%010llX", (unsigned long long)cntr);
	pdu_field(out, "PCNTR", "%u", pcntr);
	pdu_field(out, "status", "%02X (%s)", st, stk_ota_status_name(st));
	pdu_hex(out, "RC/CC/DS", sig, sig_len);
	pdu_hex(out, "additional response data", stk_cur_data(&r),
	    stk_cur_len(&r));
	pdu_close(out);
	return STK_OK;
}
