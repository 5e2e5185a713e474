/*
 * cmd_gsm7.c - "stkauth-pdu gsm7": the GSM 7-bit default alphabet and its
 * extension table (TS 23.038 §6.2.1, §6.2.1.1) with septet packing
 * (TS 23.038 §6.1.2.1.1), on the command line.
 *
 *   gsm7 encode [--fill N] [--septets | --count] TEXT
 *       TEXT (UTF-8) -> packed octets in hex; --septets prints the
 *       unpacked septets (one per octet, escapes included) instead,
 *       --count only their number.
 *   gsm7 decode [--fill N] [--septets N] [--unpacked] HEX
 *       packed octets -> UTF-8 text.  Without --septets the count is
 *       every whole septet the octets hold, except that a last septet
 *       0x00 ('@') lying entirely in the spare bits of the last octet is
 *       taken as padding (7 septets fill 7 octets with 7 bits to spare:
 *       the classic ambiguity that TP-UDL resolves in an SMS).
 *       --unpacked: HEX is unpacked septets, one per octet.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gsm7.h"
#include "hex.h"
#include "pdu.h"

#define GSM7_USAGE \
	PDU_PROG " gsm7 encode [--fill N] [--septets | --count] TEXT\n" \
	"       " PDU_PROG " gsm7 decode [--fill N] [--septets N | --unpacked] HEX"

static void
gsm7_help(void)
{
	printf("usage: %s\n\n"
	    "encode: UTF-8 TEXT -> GSM 7-bit septets packed LSB first "
	    "(TS 23.038 §6.1.2.1.1), in hex.\n"
	    "  --fill N      start after N zero fill bits (0-6), as after "
	    "a user data header\n"
	    "  --septets     print the unpacked septets (one per octet) "
	    "instead\n"
	    "  --count       print only the number of septets (escapes "
	    "count)\n"
	    "decode: packed HEX -> UTF-8 text.\n"
	    "  --fill N      skip N fill bits (0-6) first\n"
	    "  --septets N   the number of septets (default: all whole "
	    "septets; a\n"
	    "                final '@' in the spare bits counts as "
	    "padding)\n"
	    "  --unpacked    HEX is unpacked septets, one per octet\n",
	    GSM7_USAGE);
}

/*
 * Name the first character of utf8 that the GSM 7-bit alphabet lacks, in
 * an error message; the text is known not to be representable.
 */
static void
gsm7_report_charset(const char *utf8)
{
	size_t i = 0, n, pos = 1;

	while (utf8[i] != '\0') {
		unsigned char c = (unsigned char)utf8[i];

		n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 :
		    (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 1;
		if (strnlen(utf8 + i, n) < n)
			n = strnlen(utf8 + i, n);
		if (!stk_gsm7_representable(utf8 + i, n)) {
			pdu_err("gsm7 encode: character %d (\"%.*s\") is not "
			    "in the GSM 7-bit alphabet (TS 23.038 §6.2.1)",
			    (int)pos, (int)n, utf8 + i);
			return;
		}
		i += n;
		pos++;
	}
	pdu_err("gsm7 encode: %s", stk_strerror(STK_E_CHARSET));
}

static int
gsm7_encode(const char *text, unsigned fill, int mode)
{
	struct stk_buf septets, packed;
	int rc, status = 1;

	stk_buf_init(&septets);
	stk_buf_init(&packed);
	rc = stk_gsm7_from_utf8(text, strlen(text), &septets);
	if (rc == STK_E_CHARSET) {
		gsm7_report_charset(text);
		goto out;
	}
	if (rc != STK_OK) {
		pdu_err("gsm7 encode: %s", stk_strerror(rc));
		goto out;
	}
	if (mode == 's') {
		pdu_print_hex_line(stk_buf_data(&septets),
		    stk_buf_len(&septets));
		status = 0;
		goto out;
	}
	if (mode == 'c') {
		printf("%zu\n", stk_buf_len(&septets));
		status = 0;
		goto out;
	}
	rc = stk_gsm7_pack(stk_buf_data(&septets), stk_buf_len(&septets),
	    fill, &packed);
	if (rc != STK_OK) {
		pdu_err("gsm7 encode: %s", stk_strerror(rc));
		goto out;
	}
	pdu_print_hex_line(stk_buf_data(&packed), stk_buf_len(&packed));
	status = 0;
out:
	stk_buf_free(&septets);
	stk_buf_free(&packed);
	return status;
}

static int
gsm7_decode(const char *hex, unsigned fill, bool have_count, size_t count,
    bool unpacked)
{
	struct stk_buf in, septets, text;
	const uint8_t *p;
	size_t len, n;
	int rc, status = 1;

	stk_buf_init(&septets);
	stk_buf_init(&text);
	if (pdu_parse_hex_arg("gsm7 decode", hex, &in) != 0)
		goto out;
	p = stk_buf_data(&in);
	len = stk_buf_len(&in);
	if (unpacked) {
		rc = stk_gsm7_to_utf8(p, len, &text);
		if (rc != STK_OK) {
			pdu_err("gsm7 decode: %s", stk_strerror(rc));
			goto out;
		}
	} else {
		if (have_count) {
			n = count;
		} else if (len * 8 < fill) {
			n = 0;
		} else {
			n = (len * 8 - fill) / 7;
			/* A last '@' entirely in the spare bits: padding. */
			if (n > 0 && stk_gsm7_packed_len(n - 1, fill) == len) {
				if (stk_gsm7_unpack(p, len, fill, n,
				    &septets) == STK_OK &&
				    stk_buf_data(&septets)[n - 1] == 0)
					n--;
				stk_buf_reset(&septets);
			}
		}
		rc = stk_gsm7_unpack(p, len, fill, n, &septets);
		if (rc != STK_OK) {
			pdu_err("gsm7 decode: %zu septets after %u fill bits "
			    "take %zu octets, the input has %zu: %s", n, fill,
			    stk_gsm7_packed_len(n, fill), len,
			    stk_strerror(rc));
			goto out;
		}
		rc = stk_gsm7_to_utf8(stk_buf_data(&septets),
		    stk_buf_len(&septets), &text);
		if (rc != STK_OK) {
			pdu_err("gsm7 decode: %s", stk_strerror(rc));
			goto out;
		}
	}
	if (stk_buf_len(&text) > 0)
		fwrite(stk_buf_data(&text), 1, stk_buf_len(&text), stdout);
	fputc('\n', stdout);
	status = 0;
out:
	stk_buf_free(&in);
	stk_buf_free(&septets);
	stk_buf_free(&text);
	return status;
}

int
pdu_cmd_gsm7(int argc, char **argv)
{
	static const struct option top_opts[] = {
		{ "help",     no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	/* --septets is a flag for encode and takes a count for decode. */
	static const struct option enc_opts[] = {
		{ "help",     no_argument,       NULL, 'h' },
		{ "fill",     required_argument, NULL, 'f' },
		{ "septets",  no_argument,       NULL, 's' },
		{ "count",    no_argument,       NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct option dec_opts[] = {
		{ "help",     no_argument,       NULL, 'h' },
		{ "fill",     required_argument, NULL, 'f' },
		{ "septets",  required_argument, NULL, 's' },
		{ "unpacked", no_argument,       NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v, nseptets = 0;
	unsigned fill = 0;
	bool encode, septets = false, count = false, unpacked = false;
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", top_opts, NULL)) != -1) {
		if (ch == 'h') {
			gsm7_help();
			return 0;
		}
		return pdu_usage_err(GSM7_USAGE, "gsm7: unknown option '%s'",
		    argv[optind - 1]);
	}
	if (optind >= argc)
		return pdu_usage_err(GSM7_USAGE, "gsm7: encode or decode?");
	if (strcmp(argv[optind], "encode") == 0)
		encode = true;
	else if (strcmp(argv[optind], "decode") == 0)
		encode = false;
	else
		return pdu_usage_err(GSM7_USAGE, "gsm7: unknown subcommand "
		    "'%s'", argv[optind]);
	/* Options of encode/decode follow the subcommand word. */
	argv += optind;
	argc -= optind;
	optind = 0;	/* glibc: restart scanning on the new vector */
	while ((ch = getopt_long(argc, argv, "h",
	    encode ? enc_opts : dec_opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			gsm7_help();
			return 0;
		case 'f':
			if (!pdu_parse_uint(optarg, 6, &v))
				return pdu_usage_err(GSM7_USAGE, "gsm7: --fill "
				    "takes 0 to 6 bits, not '%s'", optarg);
			fill = (unsigned)v;
			break;
		case 's':
			septets = true;
			if (!encode && !pdu_parse_uint(optarg, 65535,
			    &nseptets))
				return pdu_usage_err(GSM7_USAGE, "gsm7 decode: "
				    "--septets takes a number of septets, "
				    "not '%s'", optarg);
			break;
		case 'c':
			count = true;
			break;
		case 'u':
			unpacked = true;
			break;
		default:
			return pdu_usage_err(GSM7_USAGE, "gsm7 %s: unknown "
			    "option or missing value '%s'", argv[0],
			    argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return pdu_usage_err(GSM7_USAGE, "gsm7 %s: expected one %s "
		    "argument", argv[0], encode ? "TEXT" : "HEX");
	if (encode) {
		if (septets && count)
			return pdu_usage_err(GSM7_USAGE, "gsm7 encode: "
			    "--septets or --count, not both");
		return gsm7_encode(argv[optind], fill,
		    septets ? 's' : count ? 'c' : 'p');
	}
	if (unpacked && (septets || fill != 0))
		return pdu_usage_err(GSM7_USAGE, "gsm7 decode: --unpacked "
		    "takes neither --septets nor --fill");
	return gsm7_decode(argv[optind], fill, septets, nseptets, unpacked);
}
