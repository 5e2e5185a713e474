/*
 * apdu.c - command APDUs, the dispatch table, the T=0 response procedure
 * and the ATR of the virtual UICC.
 */
#include <string.h>

#include "bytes.h"
#include "card.h"
#include "err.h"
#include "log.h"
#include "sw.h"

/* ISO/IEC 7816-4 §5.4.1: CLA 0x10-0x1F is command chaining. */
#define CARD_SW_CHAINING_NOT_SUPPORTED 0x6884

int
apdu_parse(const uint8_t *cmd, size_t len, struct apdu *a,
    struct stk_diag *diag)
{
	struct stk_cur c;
	uint8_t lc, le;

	memset(a, 0, sizeof(*a));
	stk_cur_init(&c, cmd, len);
	stk_cur_init(&a->data, NULL, 0);
	/* ISO/IEC 7816-4 §5.1: the four header bytes are mandatory. */
	if (!stk_cur_u8(&c, &a->cla) || !stk_cur_u8(&c, &a->ins) ||
	    !stk_cur_u8(&c, &a->p1) || !stk_cur_u8(&c, &a->p2))
		return stk_fail(diag, STK_E_TRUNCATED, "APDU header",
		    stk_cur_offset(&c));
	if (stk_cur_empty(&c)) {
		a->kase = APDU_CASE1;
		return STK_OK;
	}
	if (stk_cur_len(&c) == 1) {
		/* Case 2 short: Le, 00 meaning 256 (§5.1, table 1). */
		(void)stk_cur_u8(&c, &le);
		a->kase = APDU_CASE2;
		a->le_present = true;
		a->ne = le == 0 ? 256 : le;
		return STK_OK;
	}
	(void)stk_cur_u8(&c, &lc);
	if (lc == 0)
		/* 00 then more bytes: an extended Lc (§5.1), not supported. */
		return stk_fail(diag, STK_E_UNSUPPORTED, "Lc (extended)",
		    stk_cur_offset(&c) - 1);
	if (!stk_cur_sub(&c, &a->data, lc))
		return stk_fail(diag, STK_E_TRUNCATED, "APDU data (Lc)",
		    stk_cur_offset(&c) - 1);
	if (stk_cur_empty(&c)) {
		a->kase = APDU_CASE3;
		return STK_OK;
	}
	(void)stk_cur_u8(&c, &le);
	if (!stk_cur_empty(&c))
		return stk_fail(diag, STK_E_TRAILING, "APDU after Le",
		    stk_cur_offset(&c));
	a->kase = APDU_CASE4;
	a->le_present = true;
	a->ne = le == 0 ? 256 : le;
	return STK_OK;
}

const char *
apdu_case_name(unsigned kase)
{
	static const char *const names[] = {
		"?", "case 1", "case 2", "case 3", "case 4",
	};

	return kase < sizeof(names) / sizeof(names[0]) ? names[kase] : "?";
}

/* ---- CLA ---------------------------------------------------------------- */

/* Classes of CLA (ISO/IEC 7816-4 §5.4.1, TS 102 221 §10.1.1 table 10.3). */
enum cla_kind {
	CLA_BAD = 0,
	CLA_ISO,	/* 0X, 4X-7X: interindustry, ISO commands */
	CLA_ETSI,	/* 8X, CX-EX: TS 102 221 commands (STATUS, ...) */
	CLA_CHAIN,	/* 1X: command chaining (not supported) */
};

struct cla_info {
	uint8_t kind;
	uint8_t channel;	/* logical channel number */
	bool sm;		/* secure messaging indicated */
};

static struct cla_info
cla_decode(uint8_t cla)
{
	struct cla_info ci = { CLA_BAD, 0, false };

	if (cla == 0xff)		/* PPS, never a class (§5.4.1) */
		return ci;
	if ((cla & 0xe0) == 0x00 || (cla & 0xe0) == 0x80) {
		/* First interindustry / its TS 102 221 twin: b2 b1 channel,
		 * b4 b3 secure messaging, b5 chaining. */
		ci.kind = (cla & 0x80) ? CLA_ETSI : CLA_ISO;
		if (cla & 0x10)
			ci.kind = CLA_CHAIN;
		ci.channel = cla & 0x03;
		ci.sm = (cla & 0x0c) != 0;
	} else if ((cla & 0xc0) == 0x40 || (cla & 0xe0) == 0xc0) {
		/* Further interindustry: b4-b1 channel - 4, b6 SM, b5 chaining. */
		ci.kind = (cla & 0x80) ? CLA_ETSI : CLA_ISO;
		if (cla & 0x10)
			ci.kind = CLA_CHAIN;
		ci.channel = (uint8_t)(4 + (cla & 0x0f));
		ci.sm = (cla & 0x20) != 0;
	}
	/* 2X, 3X, 9X-BX (A0 is the TS 51.011 GSM class), FX: not ours. */
	return ci;
}

/* ---- dispatch ----------------------------------------------------------- */

typedef int (*cmd_fn)(struct card *, const struct apdu *, struct stk_buf *,
    uint16_t *);

static int cmd_get_response(struct card *, const struct apdu *,
    struct stk_buf *, uint16_t *);

#define CASES(a, b, c, d) ((a) << 1 | (b) << 2 | (c) << 3 | (d) << 4)

struct cmd_def {
	uint8_t kind;		/* enum cla_kind */
	uint8_t ins;
	uint8_t cases;		/* bit n set: case n allowed */
	bool raw;		/* builds its own SW (no T=0 procedure) */
	const char *name;
	cmd_fn fn;
	const char *clause;
};

/* Every command the card understands, once (TS 102 221 §10.1.2 table
 * 10.5).  Commands that have data to return on success also accept their
 * T=0 form without Le (case 3 for case 4) and then answer 61xx. */
static const struct cmd_def commands[] = {
	{ CLA_ISO,  0xa4, CASES(0, 0, 1, 1), false, "SELECT",
	  fs_select, "TS 102 221 §11.1.1" },
	{ CLA_ETSI, 0xf2, CASES(1, 1, 0, 0), false, "STATUS",
	  fs_status, "TS 102 221 §11.1.2" },
	{ CLA_ISO,  0xb0, CASES(0, 1, 0, 0), false, "READ BINARY",
	  fs_read_binary, "TS 102 221 §11.1.3" },
	{ CLA_ISO,  0xd6, CASES(0, 0, 1, 0), false, "UPDATE BINARY",
	  fs_update_binary, "TS 102 221 §11.1.4" },
	{ CLA_ISO,  0xb2, CASES(0, 1, 0, 0), false, "READ RECORD",
	  fs_read_record, "TS 102 221 §11.1.5" },
	{ CLA_ISO,  0xdc, CASES(0, 0, 1, 0), false, "UPDATE RECORD",
	  fs_update_record, "TS 102 221 §11.1.6" },
	{ CLA_ISO,  0x20, CASES(1, 0, 1, 0), false, "VERIFY PIN",
	  pin_verify, "TS 102 221 §11.1.9" },
	{ CLA_ISO,  0x24, CASES(0, 0, 1, 0), false, "CHANGE PIN",
	  pin_change, "TS 102 221 §11.1.10" },
	{ CLA_ISO,  0x26, CASES(0, 0, 1, 0), false, "DISABLE PIN",
	  pin_disable, "TS 102 221 §11.1.11" },
	{ CLA_ISO,  0x28, CASES(0, 0, 1, 0), false, "ENABLE PIN",
	  pin_enable, "TS 102 221 §11.1.12" },
	{ CLA_ISO,  0x2c, CASES(1, 0, 1, 0), false, "UNBLOCK PIN",
	  pin_unblock, "TS 102 221 §11.1.13" },
	{ CLA_ISO,  0xc0, CASES(0, 1, 0, 0), true, "GET RESPONSE",
	  cmd_get_response, "TS 102 221 §11.1.7" },
	/* CAT (toolkit.c) */
	{ CLA_ETSI, 0x10, CASES(0, 0, 1, 0), false, "TERMINAL PROFILE",
	  tk_terminal_profile, "TS 102 221 §11.2.1" },
	{ CLA_ETSI, 0xc2, CASES(0, 0, 1, 1), false, "ENVELOPE",
	  tk_envelope, "TS 102 221 §11.2.2" },
	{ CLA_ETSI, 0x12, CASES(0, 1, 0, 0), false, "FETCH",
	  tk_fetch, "TS 102 221 §11.2.3" },
	{ CLA_ETSI, 0x14, CASES(0, 0, 1, 0), false, "TERMINAL RESPONSE",
	  tk_terminal_response, "TS 102 221 §11.2.4" },
	/* Personalisation (perso.c, docs/SIM.md) */
	{ CLA_ISO,  0x84, CASES(0, 1, 0, 0), false, "GET CHALLENGE",
	  perso_get_challenge, "ISO/IEC 7816-4 §7.5.3" },
	{ CLA_ISO,  0x82, CASES(0, 0, 1, 0), false, "EXTERNAL AUTHENTICATE",
	  perso_external_auth, "ISO/IEC 7816-4 §7.5.4" },
	{ CLA_ETSI, 0xd0, CASES(1, 1, 0, 0), false, "GENERATE KEY PAIR",
	  perso_generate_key, "docs/SIM.md" },
	{ CLA_ETSI, 0xd2, CASES(0, 1, 0, 0), false, "READ PUBLIC KEY",
	  perso_read_public_key, "docs/SIM.md" },
	{ CLA_ETSI, 0xd4, CASES(0, 0, 1, 0), false, "LOAD KEY SET",
	  perso_load_keyset, "docs/SIM.md" },
	{ CLA_ETSI, 0xd6, CASES(0, 0, 1, 0), false, "SET SERVICE NUMBER",
	  perso_set_service, "docs/SIM.md" },
	{ CLA_ETSI, 0xd8, CASES(1, 0, 1, 0), false, "SET PIN",
	  perso_set_pin, "docs/SIM.md" },
	{ CLA_ETSI, 0xda, CASES(0, 0, 1, 0), false, "LOAD K_AUTH",
	  perso_load_kauth, "docs/SIM.md" },
	{ CLA_ETSI, 0xdc, CASES(0, 1, 0, 0), false, "READ ICCID",
	  perso_read_iccid, "docs/SIM.md" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

const char *
card_ins_name(uint8_t cla, uint8_t ins)
{
	struct cla_info ci = cla_decode(cla);

	for (size_t i = 0; i < NCOMMANDS; i++)
		if (commands[i].ins == ins && commands[i].kind == ci.kind)
			return commands[i].name;
	return NULL;
}

/*
 * GET RESPONSE (TS 102 221 §11.1.7, ISO/IEC 7816-4 §7.6.1): hand out the
 * data a previous case 4 command left.  Le = what is left, or 00: all of
 * it and 9000; Le shorter: that much and 61xx for the rest; Le longer:
 * 6Cxx with the exact length, data kept.
 */
static int
cmd_get_response(struct card *c, const struct apdu *a, struct stk_buf *out,
    uint16_t *sw)
{
	size_t n;

	if (a->p1 != 0 || a->p2 != 0) {
		*sw = STK_SW_WRONG_P1P2;
		return STK_OK;
	}
	if (!c->has_pending) {
		*sw = STK_SW_CONDITIONS_NOT_SATISFIED;
		return STK_OK;
	}
	n = c->npending;
	if (a->ne == 256 && n < 256) {
		stk_buf_add_bytes(out, c->pending, n);
		c->has_pending = false;
		c->npending = 0;
		*sw = STK_SW_OK;
		return stk_buf_ok(out) ? STK_OK : STK_E_NOSPACE;
	}
	if (a->ne > n) {
		*sw = (uint16_t)(STK_SW_WRONG_LE | (n & 0xff));
		return STK_OK;
	}
	stk_buf_add_bytes(out, c->pending, a->ne);
	if (a->ne == n) {
		c->has_pending = false;
		c->npending = 0;
		*sw = STK_SW_OK;
	} else {
		memmove(c->pending, c->pending + a->ne, n - a->ne);
		c->npending = n - a->ne;
		*sw = (uint16_t)(STK_SW_BYTES_AVAILABLE | (c->npending & 0xff));
	}
	return stk_buf_ok(out) ? STK_OK : STK_E_NOSPACE;
}

/* Keep body for GET RESPONSE. */
static void
keep_pending(struct card *c, const uint8_t *p, size_t n)
{
	memcpy(c->pending, p, n);
	c->npending = n;
	c->has_pending = true;
}

/*
 * Apply the outgoing-data rules to a successful command with body[0..n)
 * (ISO/IEC 7816-3 §10.3.5 / §12.2 for T=0, TS 102 221 §7.3.1.1,
 * ISO/IEC 7816-4 §5.1):
 *   no Le (case 1/3, i.e. the T=0 form of case 4): 61xx, data kept for
 *   GET RESPONSE;
 *   Le == n: data + 9000;
 *   Le = 00 (Ne = 256, a maximum): all of the data + 9000;
 *   case 2 and any other Le: 6Cxx with the exact length, nothing kept
 *   (case 2 commands have no side effects and are repeated with that Le);
 *   case 4 and a shorter Le: Le bytes + 61xx, the rest kept;
 *   case 4 and a longer Le: the data + 9000 (Nr <= Ne).
 * Le = 00 as "everything" is what PC/SC clients send under T=1 (and what
 * the Onomondo SoftSIM UICC accepts); exact-length terminals still get
 * the T=0 6Cxx answer for a wrong non-zero Le.
 */
static uint16_t
t0_procedure(struct card *c, const struct apdu *a, const uint8_t *body,
    size_t n, struct stk_buf *resp)
{
	if (!a->le_present) {
		keep_pending(c, body, n);
		return (uint16_t)(STK_SW_BYTES_AVAILABLE | (n & 0xff));
	}
	if (n == a->ne || (a->ne == 256 && n < 256)) {
		stk_buf_add_bytes(resp, body, n);
		return STK_SW_OK;
	}
	if (a->kase == APDU_CASE2)
		return (uint16_t)(STK_SW_WRONG_LE | (n & 0xff));
	if (n > a->ne) {
		stk_buf_add_bytes(resp, body, a->ne);
		keep_pending(c, body + a->ne, n - a->ne);
		return (uint16_t)(STK_SW_BYTES_AVAILABLE | ((n - a->ne) & 0xff));
	}
	stk_buf_add_bytes(resp, body, n);
	return STK_SW_OK;
}

/* Find the command; *sw gets 6E00 / 6D00 when there is none. */
static const struct cmd_def *
find_command(uint8_t kind, uint8_t ins, uint16_t *sw)
{
	bool ins_known = false;

	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (commands[i].ins != ins)
			continue;
		if (commands[i].kind == kind)
			return &commands[i];
		ins_known = true;
	}
	/* A known INS under the wrong class is a class problem. */
	*sw = ins_known ? STK_SW_CLA_NOT_SUPPORTED : STK_SW_INS_NOT_SUPPORTED;
	return NULL;
}

int
card_apdu(struct card *c, const uint8_t *cmd, size_t len,
    struct stk_buf *resp, uint16_t *sw_out)
{
	uint8_t bodymem[CARD_RESP_MAX];
	struct stk_buf body;
	struct stk_diag diag;
	struct apdu a;
	struct cla_info ci;
	const struct cmd_def *def = NULL;
	uint16_t sw = STK_SW_TECHNICAL_PROBLEM;
	int r;

	stk_buf_init_fixed(&body, bodymem, sizeof(bodymem));
	stk_diag_clear(&diag);
	if ((r = apdu_parse(cmd, len, &a, &diag)) != STK_OK) {
		/* Malformed framing: a length problem (ISO 7816-4 §5.6). */
		log_debug("APDU rejected: %s at offset %zu: %s", diag.field,
		    diag.offset, stk_strerror(r));
		sw = STK_SW_WRONG_LENGTH;
		c->has_pending = false;
		goto out;
	}
	ci = cla_decode(a.cla);
	if (ci.kind == CLA_BAD) {
		sw = STK_SW_CLA_NOT_SUPPORTED;
	} else if ((a.ins & 0xf0) == 0x60 || (a.ins & 0xf0) == 0x90) {
		/* 6X / 9X are T=0 procedure bytes, never an INS (§5.4.2). */
		sw = STK_SW_INS_NOT_SUPPORTED;
	} else if (ci.kind == CLA_CHAIN) {
		sw = CARD_SW_CHAINING_NOT_SUPPORTED;
	} else if ((def = find_command(ci.kind, a.ins, &sw)) == NULL) {
		/* sw set */
	} else if (ci.channel != 0) {
		/* Only the basic logical channel (TS 102 221 §10.1.1). */
		sw = CARD_SW_CHANNEL_NOT_SUPPORTED;
		def = NULL;
	} else if (ci.sm) {
		sw = CARD_SW_SM_NOT_SUPPORTED;
		def = NULL;
	} else if ((def->cases & (1u << a.kase)) == 0) {
		sw = STK_SW_WRONG_LENGTH;
		def = NULL;
	}
	if (def == NULL) {
		/* Any command but GET RESPONSE ends the pending data. */
		if (a.ins != 0xc0)
			c->has_pending = false;
		goto out;
	}
	if (!def->raw)
		c->has_pending = false;
	if ((r = def->fn(c, &a, &body, &sw)) != STK_OK) {
		log_warn("%s failed inside the card: %s", def->name,
		    stk_strerror(r));
		sw = STK_SW_TECHNICAL_PROBLEM;
		stk_buf_reset(&body);
	}
	if (!def->raw && (sw >> 8 == 0x62 || sw >> 8 == 0x63) &&
	    stk_buf_len(&body) > 0 && !a.le_present) {
		/* A warning with response data (the ENVELOPE's PoR with an
		 * error status) under T=0: the terminal fetches the data with
		 * GET RESPONSE (TS 102 221 §7.3.1.1, case 4 ending with a
		 * warning). */
		keep_pending(c, stk_buf_data(&body), stk_buf_len(&body));
	} else if (def->raw || sw != STK_SW_OK || stk_buf_len(&body) == 0) {
		stk_buf_add_bytes(resp, stk_buf_data(&body), stk_buf_len(&body));
	} else {
		sw = t0_procedure(c, &a, stk_buf_data(&body),
		    stk_buf_len(&body), resp);
	}
out:
	/* TS 102 221 §10.2.1.1, TS 102 223 §6.4: while a proactive command
	 * waits, a normal ending is 91xx (its length) instead of 9000. */
	if (sw == STK_SW_OK && tk_pending_sw(c) != 0)
		sw = tk_pending_sw(c);
	log_debug("APDU %02X %02X %02X %02X %s (%s) -> SW %04X (%s)", a.cla,
	    a.ins, a.p1, a.p2, def != NULL ? def->name : "-",
	    apdu_case_name(a.kase), sw, stk_sw_name(sw));
	stk_buf_add_u16(resp, sw);
	if (sw_out != NULL)
		*sw_out = sw;
	return stk_buf_ok(resp) ? STK_OK : STK_E_NOMEM;
}

/* ---- ATR ---------------------------------------------------------------- */

/*
 * ISO/IEC 7816-3 §8.2 layout, one byte per line:
 *   3B  TS: direct convention
 *   9A  T0: TA1 and TD1 follow, K = 10 historical bytes
 *   96  TA1: Fi = 512, Di = 32 (TS 102 221 §6.3.1 allows 512/8..64)
 *   80  TD1: TD2 follows, protocol T=0
 *   B1  TD2: TA3, TB3, TD3 follow, protocol T=1
 *   FE  TA3: IFSC = 254 (T=1, ISO/IEC 7816-3 §11.4.2)
 *   45  TB3: BWI = 4, CWI = 5 (§11.4.3)
 *   1F  TD3: TA4 follows, T=15 (global)
 *   C7  TA4: clock stop no preference, classes A, B and C (TS 102 221
 *       §6.3.3, ISO/IEC 7816-3 §8.3)
 *   historical bytes (ISO/IEC 7816-4 §8.1.1): 80 category indicator,
 *     31 E0        card service data: selection by full and partial DF
 *                  name, BER-TLV data objects in EF.DIR
 *     73 F2 21 00  card capabilities: selection by full / partial DF name,
 *                  path, file identifier, record number; data coding
 *                  byte 21; no chaining, no logical channels
 *     82 90 00     status indicator: SW 9000
 *   TCK: XOR of T0..the last historical byte (present because T=1 is
 *   indicated, §8.2.5).
 */
static const uint8_t atr_body[] = {
	0x3b, 0x9a, 0x96, 0x80, 0xb1, 0xfe, 0x45, 0x1f, 0xc7,
	0x80, 0x31, 0xe0, 0x73, 0xf2, 0x21, 0x00, 0x82, 0x90, 0x00,
};

size_t
card_atr(const uint8_t **atr)
{
	static uint8_t full[sizeof(atr_body) + 1];
	uint8_t tck = 0;

	memcpy(full, atr_body, sizeof(atr_body));
	for (size_t i = 1; i < sizeof(atr_body); i++)
		tck ^= atr_body[i];
	full[sizeof(atr_body)] = tck;
	*atr = full;
	return sizeof(full);
}

int
card_atr_check(const uint8_t *atr, size_t len, struct stk_diag *diag)
{
	struct stk_cur c;
	uint8_t ts, y, td, b, k, x = 0;
	bool need_tck = false;
	const uint8_t *hist;

	if (len > 33)	/* §8.2.1: at most 32 characters after TS */
		return stk_fail(diag, STK_E_TOO_LONG, "ATR", 0);
	stk_cur_init(&c, atr, len);
	if (!stk_cur_u8(&c, &ts))
		return stk_fail(diag, STK_E_TRUNCATED, "TS", 0);
	if (ts != 0x3b && ts != 0x3f)
		return stk_fail(diag, STK_E_INVALID, "TS", 0);
	if (!stk_cur_u8(&c, &td))
		return stk_fail(diag, STK_E_TRUNCATED, "T0", 1);
	x ^= td;
	k = td & 0x0f;
	y = td >> 4;
	for (unsigned i = 1; y != 0; i++) {
		/* TAi TBi TCi TDi as announced by Yi (bits 5..8). */
		for (unsigned bit = 0; bit < 4; bit++) {
			if (!(y & (1u << bit)))
				continue;
			if (!stk_cur_u8(&c, &b))
				return stk_fail(diag, STK_E_TRUNCATED,
				    "interface byte", stk_cur_offset(&c));
			x ^= b;
			if (bit == 3) {
				td = b;
				if ((td & 0x0f) != 0)
					need_tck = true;
			}
		}
		if (!(y & 0x08))
			break;
		y = td >> 4;
	}
	if (!stk_cur_bytes(&c, &hist, k))
		return stk_fail(diag, STK_E_TRUNCATED, "historical bytes",
		    stk_cur_offset(&c));
	for (size_t i = 0; i < k; i++)
		x ^= hist[i];
	if (need_tck) {
		if (!stk_cur_u8(&c, &b))
			return stk_fail(diag, STK_E_TRUNCATED, "TCK",
			    stk_cur_offset(&c));
		if ((x ^ b) != 0)
			return stk_fail(diag, STK_E_VERIFY, "TCK",
			    stk_cur_offset(&c) - 1);
	}
	if (!stk_cur_empty(&c))
		return stk_fail(diag, STK_E_TRAILING, "ATR",
		    stk_cur_offset(&c));
	return STK_OK;
}
