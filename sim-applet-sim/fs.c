/*
 * fs.c - the UICC file system (TS 102 221 §8) with the 2G DFs of
 * TS 51.011 §10 and the USIM application of TS 31.102 §4.2:
 *
 *   MF 3F00
 *   +- EF ICCID 2FE2   transparent, 10 bytes   (TS 102 221 §13.2)
 *   +- EF DIR 2F00     linear fixed, 1 x 32    (TS 102 221 §13.1)
 *   +- DF TELECOM 7F10
 *   |  +- EF MSISDN 6F40  linear fixed 2 x 26   (TS 51.011 §10.5.5)
 *   |  +- EF SMSP 6F42    linear fixed 1 x 40   (TS 51.011 §10.5.6)
 *   +- DF GSM 7F20
 *   |  +- EF IMSI 6F07    transparent, 9 bytes  (TS 51.011 §10.3.2)
 *   |  +- EF LOCI 6F7E    transparent, 11 bytes (TS 51.011 §10.3.17)
 *   ADF USIM (AID A0000000871002FFFFFFFF8907090000)
 *      +- EF IMSI 6F07    (TS 31.102 §4.2.2)
 *      +- EF MSISDN 6F40  (§4.2.26)
 *      +- EF SMSP 6F42    (§4.2.27)
 *      +- EF LOCI 6F7E    (§4.2.17)
 *
 * MSISDN and SMSP sit in DF TELECOM as TS 51.011 places them (not in DF
 * GSM); the 2G and 3G entries of one EF share their content.
 */
#include <string.h>

#include "bytes.h"
#include "card.h"
#include "err.h"
#include "log.h"
#include "sw.h"
#include "tlv.h"

/* TS 101 220 annex E: RID A000000087 (3GPP), app code 1002 (USIM); the
 * rest is the provider-chosen extension seen on sysmocom USIMs. */
const uint8_t card_usim_aid[CARD_USIM_AID_LEN] = {
	0xa0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02, 0xff,
	0xff, 0xff, 0xff, 0x89, 0x07, 0x09, 0x00, 0x00,
};

static const struct card_ef_layout ef_layouts[CARD_EF_COUNT] = {
	[CARD_EF_ICCID]  = { "EF.ICCID",  "ef.iccid",  CARD_EF_TRANSPARENT,
			     0, 0, 10 },
	[CARD_EF_DIR]    = { "EF.DIR",    "ef.dir",    CARD_EF_LINEAR_FIXED,
			     32, 1, 32 },
	[CARD_EF_IMSI]   = { "EF.IMSI",   "ef.imsi",   CARD_EF_TRANSPARENT,
			     0, 0, 9 },
	[CARD_EF_MSISDN] = { "EF.MSISDN", "ef.msisdn", CARD_EF_LINEAR_FIXED,
			     26, 2, 52 },
	[CARD_EF_SMSP]   = { "EF.SMSP",   "ef.smsp",   CARD_EF_LINEAR_FIXED,
			     40, 1, 40 },
	[CARD_EF_LOCI]   = { "EF.LOCI",   "ef.loci",   CARD_EF_TRANSPARENT,
			     0, 0, 11 },
};

const struct card_ef_layout *
card_ef_layout(unsigned e)
{
	return e < CARD_EF_COUNT ? &ef_layouts[e] : NULL;
}

/* Access conditions (TS 102 221 §9.2, key references §9.5.1). */
enum access {
	AC_ALW = 0,	/* always */
	AC_PIN1,	/* PIN Appl 1, key reference 01 */
	AC_ADM,		/* ADM1, key reference 0A: never granted here */
	AC_NEV,		/* never */
};

enum node_kind { N_MF, N_DF, N_ADF, N_EF };

struct node {
	uint16_t fid;
	uint8_t kind;		/* enum node_kind */
	int8_t parent;		/* index, -1 for the MF */
	uint8_t ef;		/* enum card_ef, for EFs */
	uint8_t read_ac;	/* enum access */
	uint8_t update_ac;
	const char *name;
};

#define N_NONE 0xff

static const struct node tree[] = {
	/*  0 */ { 0x3f00, N_MF,  -1, N_NONE, AC_ALW, AC_ADM, "MF" },
	/*  1 */ { 0x2fe2, N_EF,   0, CARD_EF_ICCID, AC_ALW, AC_NEV,
		   "EF.ICCID" },
	/*  2 */ { 0x2f00, N_EF,   0, CARD_EF_DIR, AC_ALW, AC_ADM, "EF.DIR" },
	/*  3 */ { 0x7f10, N_DF,   0, N_NONE, AC_ALW, AC_ADM, "DF.TELECOM" },
	/*  4 */ { 0x6f40, N_EF,   3, CARD_EF_MSISDN, AC_PIN1, AC_PIN1,
		   "EF.MSISDN" },
	/*  5 */ { 0x6f42, N_EF,   3, CARD_EF_SMSP, AC_PIN1, AC_PIN1,
		   "EF.SMSP" },
	/*  6 */ { 0x7f20, N_DF,   0, N_NONE, AC_ALW, AC_ADM, "DF.GSM" },
	/*  7 */ { 0x6f07, N_EF,   6, CARD_EF_IMSI, AC_PIN1, AC_ADM,
		   "EF.IMSI" },
	/*  8 */ { 0x6f7e, N_EF,   6, CARD_EF_LOCI, AC_PIN1, AC_PIN1,
		   "EF.LOCI" },
	/*  9 */ { 0x7fff, N_ADF,  0, N_NONE, AC_ALW, AC_ADM, "ADF.USIM" },
	/* 10 */ { 0x6f07, N_EF,   9, CARD_EF_IMSI, AC_PIN1, AC_ADM,
		   "EF.IMSI" },
	/* 11 */ { 0x6f40, N_EF,   9, CARD_EF_MSISDN, AC_PIN1, AC_PIN1,
		   "EF.MSISDN" },
	/* 12 */ { 0x6f42, N_EF,   9, CARD_EF_SMSP, AC_PIN1, AC_PIN1,
		   "EF.SMSP" },
	/* 13 */ { 0x6f7e, N_EF,   9, CARD_EF_LOCI, AC_PIN1, AC_PIN1,
		   "EF.LOCI" },
};

#define NNODES ((int)(sizeof(tree) / sizeof(tree[0])))
#define NODE_MF 0
#define NODE_ADF_USIM 9

#define FID_MF 0x3f00
#define FID_CURRENT_ADF 0x7fff

/* ---- state -------------------------------------------------------------- */

void
card_reset(struct card *c)
{
	c->cur_df = NODE_MF;
	c->cur_ef = -1;
	c->cur_adf = -1;
	c->cur_rec = 0;
	c->pin1_verified = false;
	c->has_pending = false;
	c->npending = 0;
	/* The proactive session and the admin session end with a reset. */
	tk_reset(c);
	explicit_bzero(c->challenge, sizeof(c->challenge));
	c->challenge_valid = false;
	c->admin = false;
}

void
card_init(struct card *c, const struct card_data *d, card_persist_fn persist,
    void *arg)
{
	memset(c, 0, sizeof(*c));
	c->d = *d;
	c->persist = persist;
	c->persist_arg = arg;
	card_reset(c);
}

uint16_t
card_current_ef(const struct card *c)
{
	return c->cur_ef >= 0 ? tree[c->cur_ef].fid : 0;
}

uint16_t
card_current_df(const struct card *c)
{
	return tree[c->cur_df].fid;
}

int
card_persist(struct card *c)
{
	if (c->persist == NULL)
		return STK_OK;
	return c->persist(&c->d, c->persist_arg);
}

static bool
access_ok(const struct card *c, unsigned ac)
{
	switch (ac) {
	case AC_ALW:
		return true;
	case AC_PIN1:
		return pin1_satisfied(c);
	default:
		return false;
	}
}

/* ---- FCP (TS 102 221 §11.1.1.3, §11.1.1.4) ----------------------------- */

/* Security condition data objects of the expanded format (TS 102 221
 * §9.2.4 / ISO/IEC 7816-4 §5.4.3.3): SC_DO always 90 00, never 97 00,
 * or a CRT A4 with key reference 83 and usage qualifier 95 08 (user
 * authentication, knowledge based). */
static void
add_sc_do(struct stk_buf *b, unsigned ac)
{
	size_t m;

	switch (ac) {
	case AC_ALW:
		stk_ber_tlv_add(b, 0x90, NULL, 0);
		break;
	case AC_NEV:
		stk_ber_tlv_add(b, 0x97, NULL, 0);
		break;
	default:
		m = stk_ber_tlv_open(b, 0xa4);
		stk_buf_add_u8(b, 0x83);
		stk_buf_add_u8(b, 1);
		stk_buf_add_u8(b, ac == AC_PIN1 ? 0x01 : 0x0a);
		stk_buf_add_u8(b, 0x95);
		stk_buf_add_u8(b, 1);
		stk_buf_add_u8(b, 0x08);
		stk_tlv_close(b, m);
		break;
	}
}

/*
 * Security attributes in the expanded format, tag AB (TS 102 221
 * §11.1.1.4.7.3): pairs of AM_DO (tag 80, access mode byte, ISO/IEC
 * 7816-4 §5.4.3.2 table 17/18) and SC_DO, one pair per distinct
 * condition.  EF AM bits: b1 READ, b2 UPDATE, b4 DEACTIVATE, b5 ACTIVATE;
 * DF AM bits: b1 DELETE child, b2 CREATE EF, b3 CREATE DF, b4 DEACTIVATE,
 * b5 ACTIVATE, b6 TERMINATE, b7 DELETE self (all ADM here).
 */
static void
add_security(struct stk_buf *b, const struct node *n)
{
	uint8_t am[4] = { 0, 0, 0, 0 };	/* indexed by enum access */
	size_t m;

	if (n->kind == N_EF) {
		am[n->read_ac] |= 0x01;
		am[n->update_ac] |= 0x02;
		am[AC_ADM] |= 0x18;
	} else {
		am[AC_ADM] |= 0x7f;
	}
	m = stk_ber_tlv_open(b, 0xab);
	for (unsigned ac = AC_ALW; ac <= AC_NEV; ac++) {
		if (am[ac] == 0)
			continue;
		stk_ber_tlv_add(b, 0x80, &am[ac], 1);
		add_sc_do(b, ac);
	}
	stk_tlv_close(b, m);
}

/* The FCP template of node idx. */
static void
build_fcp(const struct card *c, int idx, struct stk_buf *b)
{
	const struct node *n = &tree[idx];
	uint8_t v[8];
	size_t m, pm;

	m = stk_ber_tlv_open(b, 0x62);
	if (n->kind == N_EF) {
		const struct card_ef_layout *l = &ef_layouts[n->ef];

		/* 82: file descriptor byte (b7 shareable, b3-b1 structure),
		 * data coding byte 21, and for records the record length
		 * (2 bytes) and number of records (§11.1.1.4.3). */
		v[0] = l->structure == CARD_EF_TRANSPARENT ? 0x41 : 0x42;
		v[1] = 0x21;
		if (l->structure == CARD_EF_TRANSPARENT) {
			stk_ber_tlv_add(b, 0x82, v, 2);
		} else {
			v[2] = 0x00;
			v[3] = l->reclen;
			v[4] = l->nrec;
			stk_ber_tlv_add(b, 0x82, v, 5);
		}
		v[0] = (uint8_t)(n->fid >> 8);
		v[1] = (uint8_t)n->fid;
		stk_ber_tlv_add(b, 0x83, v, 2);
		v[0] = 0x05;	/* LCSI: operational state, activated */
		stk_ber_tlv_add(b, 0x8a, v, 1);
		add_security(b, n);
		v[0] = 0x00;	/* 80: file size (§11.1.1.4.1) */
		v[1] = l->size;
		stk_ber_tlv_add(b, 0x80, v, 2);
		/* 88 empty: no short file identifier (§11.1.1.4.8). */
		stk_ber_tlv_add(b, 0x88, NULL, 0);
	} else {
		v[0] = 0x78;	/* shareable DF or ADF */
		v[1] = 0x21;
		stk_ber_tlv_add(b, 0x82, v, 2);
		if (n->kind == N_ADF) {
			/* 84: DF name, the AID (§11.1.1.4.5). */
			stk_ber_tlv_add(b, 0x84, card_usim_aid,
			    sizeof(card_usim_aid));
		} else {
			v[0] = (uint8_t)(n->fid >> 8);
			v[1] = (uint8_t)n->fid;
			stk_ber_tlv_add(b, 0x83, v, 2);
		}
		if (n->kind == N_MF) {
			/* A5 / 80: UICC characteristics (§11.1.1.4.6.1):
			 * clock stop allowed, no preferred level; supply
			 * voltage classes as in the ATR. */
			pm = stk_ber_tlv_open(b, 0xa5);
			v[0] = 0x71;
			stk_ber_tlv_add(b, 0x80, v, 1);
			stk_tlv_close(b, pm);
		}
		v[0] = 0x05;
		stk_ber_tlv_add(b, 0x8a, v, 1);
		add_security(b, n);
		/* C6: PIN status template DO (§11.1.1.4.10, §9.5.2): PS_DO
		 * bit 8 = PIN1 enabled, then its key reference 83 01 01. */
		pm = stk_ber_tlv_open(b, 0xc6);
		v[0] = c->d.pin1_enabled ? 0x80 : 0x00;
		stk_ber_tlv_add(b, 0x90, v, 1);
		v[0] = 0x01;
		stk_ber_tlv_add(b, 0x83, v, 1);
		stk_tlv_close(b, pm);
	}
	stk_tlv_close(b, m);
}

/* ---- SELECT ------------------------------------------------------------- */

/* Child of parent with fid (ADFs have no file id of their own). */
static int
find_child(int parent, uint16_t fid)
{
	for (int i = 0; i < NNODES; i++)
		if (tree[i].parent == parent && tree[i].fid == fid &&
		    tree[i].kind != N_ADF)
			return i;
	return -1;
}

/*
 * Selection by file identifier from the current DF (TS 102 221 §8.4.1):
 * the MF, the current ADF (7FFF), the current DF itself, a child of the
 * current DF, its parent, or a DF sibling of the current DF.
 */
static int
select_fid(const struct card *c, uint16_t fid)
{
	int df = c->cur_df, parent = tree[df].parent, i;

	if (fid == FID_MF)
		return NODE_MF;
	if (fid == FID_CURRENT_ADF)
		return c->cur_adf;
	if (tree[df].fid == fid && tree[df].kind != N_ADF)
		return df;
	if ((i = find_child(df, fid)) >= 0)
		return i;
	if (parent >= 0) {
		if (tree[parent].fid == fid)
			return parent;
		if ((i = find_child(parent, fid)) >= 0 &&
		    tree[i].kind != N_EF)
			return i;
	}
	return -1;
}

/* Walk a path of file ids (TS 102 221 §8.4.2) from start.  7FFF as first
 * element stands for the current ADF.  Intermediate files must be DFs. */
static int
select_path(const struct card *c, int start, struct stk_cur *path)
{
	int at = start;
	bool first = true;
	uint16_t fid;

	while (stk_cur_u16(path, &fid)) {
		if (tree[at].kind == N_EF)
			return -1;
		if (first && fid == FID_CURRENT_ADF)
			at = c->cur_adf;
		else
			at = find_child(at, fid);
		if (at < 0)
			return -1;
		first = false;
	}
	return at;
}

/* Select by DF name (TS 102 221 §8.5.1): the given AID (5..16 bytes, at
 * least the RID) matches a right-truncated prefix of ours. */
static int
select_aid(const struct apdu *a)
{
	size_t n = stk_cur_len(&a->data);

	if (n < 5 || n > CARD_USIM_AID_LEN)
		return -1;
	if (memcmp(stk_cur_data(&a->data), card_usim_aid, n) != 0)
		return -1;
	return NODE_ADF_USIM;
}

int
fs_select(struct card *c, const struct apdu *a, struct stk_buf *out,
    uint16_t *sw)
{
	size_t n = stk_cur_len(&a->data);
	struct stk_cur path = a->data;
	uint16_t fid;
	int sel;

	/* P2 (§11.1.1.2): 04 return the FCP, 0C return nothing; for
	 * selection by DF name b2 b1 = 00 (first or only occurrence) and
	 * b7 = 0 (activation) are the only ones supported. */
	if (a->p2 != 0x04 && a->p2 != 0x0c) {
		*sw = STK_SW_WRONG_P1P2;
		return STK_OK;
	}
	switch (a->p1) {
	case 0x00:	/* DF, EF or MF by file id */
	case 0x01:	/* child DF */
		if (n != 2) {
			*sw = STK_SW_WRONG_LENGTH;
			return STK_OK;
		}
		(void)stk_cur_u16(&path, &fid);
		if (a->p1 == 0x00) {
			sel = select_fid(c, fid);
		} else {
			sel = find_child(c->cur_df, fid);
			if (sel >= 0 && tree[sel].kind == N_EF)
				sel = -1;
		}
		break;
	case 0x04:	/* by DF name */
		sel = select_aid(a);
		break;
	case 0x08:	/* by path from the MF */
	case 0x09:	/* by path from the current DF */
		if (n == 0 || n % 2 != 0) {
			*sw = STK_SW_WRONG_LENGTH;
			return STK_OK;
		}
		sel = select_path(c, a->p1 == 0x08 ? NODE_MF : c->cur_df,
		    &path);
		break;
	default:	/* 03 (parent DF) is not a TS 102 221 selection */
		*sw = STK_SW_WRONG_P1P2;
		return STK_OK;
	}
	if (sel < 0) {
		*sw = STK_SW_FILE_NOT_FOUND;
		return STK_OK;
	}
	if (tree[sel].kind == N_EF) {
		c->cur_ef = sel;
		c->cur_df = tree[sel].parent;
		c->cur_rec = 0;
	} else {
		c->cur_df = sel;
		c->cur_ef = -1;
		c->cur_rec = 0;
		if (tree[sel].kind == N_ADF)
			c->cur_adf = sel;
	}
	log_debug("selected %s", tree[sel].name);
	if (a->p2 == 0x04)
		build_fcp(c, sel, out);
	*sw = STK_SW_OK;
	return stk_buf_ok(out) ? STK_OK : STK_E_NOSPACE;
}

/* ---- EF access ---------------------------------------------------------- */

/* The current EF if it has the structure and the access condition for
 * the operation; otherwise NULL with *sw set (TS 102 221 §10.2.1.5). */
static const struct node *
current_ef(const struct card *c, unsigned structure, bool update,
    uint16_t *sw)
{
	const struct node *n;

	if (c->cur_ef < 0) {
		*sw = STK_SW_NO_EF_SELECTED;
		return NULL;
	}
	n = &tree[c->cur_ef];
	if (ef_layouts[n->ef].structure != structure) {
		*sw = STK_SW_INCOMPATIBLE_FILE;
		return NULL;
	}
	if (!access_ok(c, update ? n->update_ac : n->read_ac)) {
		*sw = STK_SW_SECURITY_NOT_SATISFIED;
		return NULL;
	}
	return n;
}

/* Store the change, or undo it and answer 6581 (memory problem). */
static int
commit_or_undo(struct card *c, unsigned ef, size_t off, const uint8_t *old,
    size_t n, uint16_t *sw)
{
	int r;

	if ((r = card_persist(c)) != STK_OK) {
		log_error("cannot store the card state: %s", stk_strerror(r));
		memcpy(&c->d.ef[ef][off], old, n);
		*sw = STK_SW_MEMORY_PROBLEM;
		return STK_OK;
	}
	*sw = STK_SW_OK;
	return STK_OK;
}

/*
 * READ BINARY (TS 102 221 §11.1.3): offset P1 (b7-b1) P2, Ne bytes; a
 * short file identifier in P1 (b8 = 1) is not supported (our EFs have
 * none, FCP tag 88 empty).  Fewer bytes than Ne left: the T=0 procedure
 * answers 6Cxx with what is left.
 */
int
fs_read_binary(struct card *c, const struct apdu *a, struct stk_buf *out,
    uint16_t *sw)
{
	const struct node *n;
	size_t off, size, len;

	if (a->p1 & 0x80) {
		*sw = STK_SW_FILE_NOT_FOUND;
		return STK_OK;
	}
	if ((n = current_ef(c, CARD_EF_TRANSPARENT, false, sw)) == NULL)
		return STK_OK;
	off = (size_t)a->p1 << 8 | a->p2;
	size = ef_layouts[n->ef].size;
	if (off >= size) {
		*sw = STK_SW_WRONG_PARAMS;
		return STK_OK;
	}
	len = size - off < a->ne ? size - off : a->ne;
	stk_buf_add_bytes(out, &c->d.ef[n->ef][off], len);
	*sw = STK_SW_OK;
	return stk_buf_ok(out) ? STK_OK : STK_E_NOSPACE;
}

/* UPDATE BINARY (TS 102 221 §11.1.4): Lc bytes at offset P1 P2. */
int
fs_update_binary(struct card *c, const struct apdu *a, struct stk_buf *out,
    uint16_t *sw)
{
	const struct node *n;
	uint8_t old[CARD_EF_MAX];
	size_t off, size, len = stk_cur_len(&a->data);

	(void)out;
	if (a->p1 & 0x80) {
		*sw = STK_SW_FILE_NOT_FOUND;
		return STK_OK;
	}
	if ((n = current_ef(c, CARD_EF_TRANSPARENT, true, sw)) == NULL)
		return STK_OK;
	off = (size_t)a->p1 << 8 | a->p2;
	size = ef_layouts[n->ef].size;
	if (off >= size) {
		*sw = STK_SW_WRONG_PARAMS;
		return STK_OK;
	}
	if (len > size - off) {
		*sw = STK_SW_WRONG_LENGTH;
		return STK_OK;
	}
	memcpy(old, &c->d.ef[n->ef][off], len);
	memcpy(&c->d.ef[n->ef][off], stk_cur_data(&a->data), len);
	return commit_or_undo(c, n->ef, off, old, len, sw);
}

/*
 * The record a READ / UPDATE RECORD addresses (TS 102 221 §11.1.5.2):
 * P2 b3-b1 = 100 absolute (P1 = number, 00 = the current record; the
 * record pointer is not moved), 010 next, 011 previous (P1 = 00; the
 * pointer moves; linear fixed files do not wrap).  P2 b8-b4 (SFI) must
 * be 0.  Returns 1..nrec, or 0 with *sw set.
 */
static unsigned
address_record(struct card *c, const struct apdu *a, unsigned nrec,
    uint16_t *sw)
{
	unsigned rec;

	if ((a->p2 & 0xf8) != 0) {
		*sw = STK_SW_FILE_NOT_FOUND;
		return 0;
	}
	switch (a->p2 & 0x07) {
	case 0x04:
		rec = a->p1 != 0 ? a->p1 : (unsigned)c->cur_rec;
		if (rec == 0 || rec > nrec) {
			*sw = STK_SW_RECORD_NOT_FOUND;
			return 0;
		}
		return rec;
	case 0x02:
	case 0x03:
		if (a->p1 != 0) {
			*sw = STK_SW_WRONG_P1P2;
			return 0;
		}
		if ((a->p2 & 0x07) == 0x02)
			rec = c->cur_rec == 0 ? 1 : (unsigned)c->cur_rec + 1;
		else
			rec = c->cur_rec == 0 ? nrec : (unsigned)c->cur_rec - 1;
		if (rec == 0 || rec > nrec) {
			*sw = STK_SW_RECORD_NOT_FOUND;
			return 0;
		}
		c->cur_rec = (int)rec;
		return rec;
	default:
		*sw = STK_SW_WRONG_P1P2;
		return 0;
	}
}

/* READ RECORD (TS 102 221 §11.1.5). */
int
fs_read_record(struct card *c, const struct apdu *a, struct stk_buf *out,
    uint16_t *sw)
{
	const struct node *n;
	const struct card_ef_layout *l;
	unsigned rec;

	if ((n = current_ef(c, CARD_EF_LINEAR_FIXED, false, sw)) == NULL)
		return STK_OK;
	l = &ef_layouts[n->ef];
	if ((rec = address_record(c, a, l->nrec, sw)) == 0)
		return STK_OK;
	stk_buf_add_bytes(out, &c->d.ef[n->ef][(rec - 1) * l->reclen],
	    l->reclen);
	*sw = STK_SW_OK;
	return stk_buf_ok(out) ? STK_OK : STK_E_NOSPACE;
}

/* UPDATE RECORD (TS 102 221 §11.1.6): Lc must be the record length. */
int
fs_update_record(struct card *c, const struct apdu *a, struct stk_buf *out,
    uint16_t *sw)
{
	const struct node *n;
	const struct card_ef_layout *l;
	uint8_t old[CARD_EF_MAX];
	size_t off;
	unsigned rec;

	(void)out;
	if ((n = current_ef(c, CARD_EF_LINEAR_FIXED, true, sw)) == NULL)
		return STK_OK;
	l = &ef_layouts[n->ef];
	if (stk_cur_len(&a->data) != l->reclen) {
		*sw = STK_SW_WRONG_LENGTH;
		return STK_OK;
	}
	if ((rec = address_record(c, a, l->nrec, sw)) == 0)
		return STK_OK;
	off = (rec - 1) * l->reclen;
	memcpy(old, &c->d.ef[n->ef][off], l->reclen);
	memcpy(&c->d.ef[n->ef][off], stk_cur_data(&a->data), l->reclen);
	return commit_or_undo(c, n->ef, off, old, l->reclen, sw);
}

/*
 * STATUS (TS 102 221 §11.1.2): P1 00 / 01 / 02 (application status
 * indications, accepted), P2 00 the FCP of the current DF or ADF, 01 the
 * DF name (tag 84) of the current application, 0C nothing.
 */
int
fs_status(struct card *c, const struct apdu *a, struct stk_buf *out,
    uint16_t *sw)
{
	if (a->p1 > 0x02) {
		*sw = STK_SW_WRONG_P1P2;
		return STK_OK;
	}
	switch (a->p2) {
	case 0x00:
		build_fcp(c, c->cur_df, out);
		break;
	case 0x01:
		if (c->cur_adf < 0) {
			*sw = STK_SW_FILE_NOT_FOUND;
			return STK_OK;
		}
		stk_ber_tlv_add(out, 0x84, card_usim_aid,
		    sizeof(card_usim_aid));
		break;
	case 0x0c:
		break;
	default:
		*sw = STK_SW_WRONG_P1P2;
		return STK_OK;
	}
	*sw = STK_SW_OK;
	return stk_buf_ok(out) ? STK_OK : STK_E_NOSPACE;
}
