/*
 * tpdu.c - SMS TPDUs (TS 23.040 §9.2.2); see the contracts in tpdu.h.
 * The names of field values (TP-PID, TP-ST, ...) are in tpdu_names.c.
 *
 * One table row per TPDU type gives its TP-MTI, direction, the first-octet
 * bits it defines and its name; the field sequence of each type is then
 * written out once in decode and once in encode, in the order of the
 * type's table in §9.2.2.
 */
#include <string.h>

#include "gsm7.h"
#include "tpdu.h"

/* First-octet bits (§9.2.3.1 .. §9.2.3.28). */
#define FO_MTI 0x03
#define FO_MMS 0x04		/* DELIVER, STATUS-REPORT */
#define FO_RD 0x04		/* SUBMIT */
#define FO_LP 0x08		/* DELIVER, STATUS-REPORT */
#define FO_VPF 0x18		/* SUBMIT */
#define FO_VPF_SHIFT 3
#define FO_SRI 0x20		/* DELIVER */
#define FO_SRR 0x20		/* SUBMIT, COMMAND */
#define FO_SRQ 0x20		/* STATUS-REPORT */
#define FO_UDHI 0x40
#define FO_RP 0x80		/* DELIVER, SUBMIT */

#define MTI_RESERVED 3

static const struct tpdu_kind {
	const char *name;
	uint8_t mti;
	uint8_t dir;		/* enum stk_sms_dir */
	uint8_t fo_bits;	/* first-octet bits the type defines */
} tpdu_kinds[] = {
	[STK_TPDU_DELIVER] = { "SMS-DELIVER", 0, STK_DIR_SC_TO_MS,
	    FO_MTI | FO_MMS | FO_LP | FO_SRI | FO_UDHI | FO_RP },
	[STK_TPDU_DELIVER_REPORT] = { "SMS-DELIVER-REPORT", 0,
	    STK_DIR_MS_TO_SC, FO_MTI | FO_UDHI },
	[STK_TPDU_SUBMIT] = { "SMS-SUBMIT", 1, STK_DIR_MS_TO_SC,
	    FO_MTI | FO_RD | FO_VPF | FO_SRR | FO_UDHI | FO_RP },
	[STK_TPDU_SUBMIT_REPORT] = { "SMS-SUBMIT-REPORT", 1,
	    STK_DIR_SC_TO_MS, FO_MTI | FO_UDHI },
	[STK_TPDU_STATUS_REPORT] = { "SMS-STATUS-REPORT", 2,
	    STK_DIR_SC_TO_MS, FO_MTI | FO_MMS | FO_LP | FO_SRQ | FO_UDHI },
	[STK_TPDU_COMMAND] = { "SMS-COMMAND", 2, STK_DIR_MS_TO_SC,
	    FO_MTI | FO_SRR | FO_UDHI },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define NKINDS NELEM(tpdu_kinds)

/* The type for (direction, TP-MTI); -1 for MTI 11 (reserved). */
static int
type_for_mti(enum stk_sms_dir dir, unsigned mti)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (tpdu_kinds[i].mti == mti && tpdu_kinds[i].dir == dir)
			return (int)i;
	return -1;
}

const char *
stk_tpdu_type_name(unsigned type)
{
	return type < NKINDS ? tpdu_kinds[type].name : "unknown TPDU type";
}

const char *
stk_mti_name(enum stk_sms_dir dir, unsigned mti)
{
	int type;

	if (mti == MTI_RESERVED)
		return "reserved";
	if ((dir != STK_DIR_MS_TO_SC && dir != STK_DIR_SC_TO_MS) || mti > 3)
		return "invalid";
	type = type_for_mti(dir, mti);
	return type >= 0 ? tpdu_kinds[type].name : "invalid";
}

enum stk_sms_dir
stk_tpdu_type_dir(enum stk_tpdu_type type)
{
	return (unsigned)type < NKINDS ? tpdu_kinds[type].dir :
	    STK_DIR_MS_TO_SC;
}

/* ---- User data geometry (§9.2.3.16, §9.2.3.24) ---- */

/* TP-DCS as used for the user data: 0x00 when TP-PI omits it. */
static uint8_t
effective_dcs(const struct stk_tpdu *t)
{
	if (t->type == STK_TPDU_DELIVER || t->type == STK_TPDU_SUBMIT)
		return t->dcs;
	return t->has_dcs ? t->dcs : 0x00;
}

/* DELIVER and SUBMIT always have TP-UDL; the others per TP-PI. */
static bool
has_ud(const struct stk_tpdu *t)
{
	if (t->type == STK_TPDU_DELIVER || t->type == STK_TPDU_SUBMIT)
		return true;
	return t->type != STK_TPDU_COMMAND && t->has_ud;
}

static bool
ud_in_septets(uint8_t dcs)
{
	struct stk_dcs d;

	stk_dcs_decode(dcs, &d);
	return stk_dcs_udl_in_septets(&d);
}

/* Septets a header of hlen octets occupies, fill bits included. */
static size_t
header_septets(size_t hlen)
{
	return (hlen * 8 + 6) / 7;
}

size_t
stk_tpdu_udl(const struct stk_tpdu *t)
{
	if (ud_in_septets(effective_dcs(t)))
		return header_septets(t->udh_len) + t->body_len;
	return t->udh_len + t->body_len;
}

size_t
stk_tpdu_body_capacity(const struct stk_tpdu *t)
{
	if (ud_in_septets(effective_dcs(t))) {
		size_t h = header_septets(t->udh_len);
		return h < STK_UD_MAX_SEPTETS ? STK_UD_MAX_SEPTETS - h : 0;
	}
	return t->udh_len < STK_UD_MAX_OCTETS ?
	    STK_UD_MAX_OCTETS - t->udh_len : 0;
}

/* ---- Decoding ---- */

static int
get_u8(struct stk_cur *c, uint8_t *v, const char *field,
    struct stk_diag *diag)
{
	if (!stk_cur_u8(c, v))
		return stk_fail(diag, STK_E_TRUNCATED, field,
		    stk_cur_offset(c));
	return STK_OK;
}

/*
 * The GSM 7-bit body: udl septets in all, of which the header (hlen
 * octets, fill bits included) takes the first; p holds the n octets after
 * the header.  off is p's absolute offset.
 */
static int
septet_body(struct stk_tpdu *t, const uint8_t *p, size_t n, size_t udl,
    size_t hlen, size_t off, struct stk_diag *diag)
{
	size_t hsept = hlen ? header_septets(hlen) : 0;
	unsigned fill = (unsigned)(hsept * 7 - hlen * 8);
	size_t nbody = udl - hsept;
	unsigned spare = (unsigned)(n * 8 - fill - nbody * 7);
	struct stk_buf b;
	int r;

	stk_buf_init_fixed(&b, t->body, sizeof(t->body));
	r = stk_gsm7_unpack(p, n, fill, nbody, &b);
	if (r != STK_OK || !stk_buf_ok(&b) || stk_buf_len(&b) != nbody)
		return stk_fail(diag, r != STK_OK ? r : STK_E_INVALID, "TP-UD",
		    off);
	t->body_len = nbody;
	/*
	 * Fill and spare bits should be 0, but networks send other values
	 * (seen: fill bit 1 after a concatenation UDH); keep them for an
	 * exact re-encoding.
	 */
	if (n > 0) {
		t->ud_fill_value = (uint8_t)(p[0] & ((1u << fill) - 1));
		t->ud_spare_value = spare ? (uint8_t)(p[n - 1] >> (8 - spare)) :
		    0;
	}
	return STK_OK;
}

/*
 * TP-UDL and TP-UD, which end every TPDU that has them: the rest of the
 * input must be exactly the user data TP-UDL announces.
 */
static int
decode_ud(struct stk_cur *c, struct stk_tpdu *t, struct stk_diag *diag)
{
	size_t udl_off = stk_cur_offset(c);
	bool septets = ud_in_septets(effective_dcs(t));
	const uint8_t *ud;
	size_t octets, hlen = 0;
	uint8_t udl;
	int r;

	if ((r = get_u8(c, &udl, "TP-UDL", diag)) != STK_OK)
		return r;
	if (septets ? udl > STK_UD_MAX_SEPTETS : udl > STK_UD_MAX_OCTETS)
		return stk_fail(diag, STK_E_TOO_LONG, "TP-UDL", udl_off);
	octets = septets ? stk_gsm7_packed_len(udl, 0) : udl;
	if (stk_cur_len(c) < octets)
		return stk_fail(diag, STK_E_TRUNCATED, "TP-UDL", udl_off);
	if (stk_cur_len(c) > octets)
		return stk_fail(diag, STK_E_TRAILING, "TP-UD",
		    stk_cur_offset(c) + octets);
	if (!stk_cur_bytes(c, &ud, octets))
		return stk_fail(diag, STK_E_TRUNCATED, "TP-UDL", udl_off);

	if (t->udhi) {
		/* §9.2.3.24: TP-UDHL, then the header, inside TP-UD. */
		if (octets == 0)
			return stk_fail(diag, STK_E_INCONSISTENT, "TP-UDHL",
			    udl_off + 1);
		hlen = (size_t)ud[0] + 1;
		if (hlen > octets || (septets && header_septets(hlen) > udl))
			return stk_fail(diag, STK_E_INCONSISTENT, "TP-UDHL",
			    udl_off + 1);
		memcpy(t->udh, ud, hlen);
		t->udh_len = hlen;
	}
	if (!septets) {
		t->body_len = octets - hlen;
		memcpy(t->body, ud + hlen, t->body_len);
		return STK_OK;
	}
	return septet_body(t, ud + hlen, octets - hlen, (size_t)udl, hlen,
	    udl_off + 1 + hlen, diag);
}

/* TP-PI (§9.2.3.27): which of TP-PID, TP-DCS, TP-UDL follow. */
static int
decode_pi(struct stk_cur *c, struct stk_tpdu *t, struct stk_diag *diag)
{
	size_t off = stk_cur_offset(c);
	int r;

	if ((r = get_u8(c, &t->pi, "TP-PI", diag)) != STK_OK)
		return r;
	if (t->pi & STK_PI_EXTENSION)
		return stk_fail(diag, STK_E_UNSUPPORTED, "TP-PI", off);
	t->has_pi = true;
	t->has_pid = (t->pi & STK_PI_PID) != 0;
	t->has_dcs = (t->pi & STK_PI_DCS) != 0;
	t->has_ud = (t->pi & STK_PI_UDL) != 0;
	return STK_OK;
}

/* The optional TP-PID, TP-DCS, TP-UDL/TP-UD that TP-PI announced. */
static int
decode_optional(struct stk_cur *c, struct stk_tpdu *t, struct stk_diag *diag)
{
	int r;

	if (t->has_pid && (r = get_u8(c, &t->pid, "TP-PID", diag)) != STK_OK)
		return r;
	if (t->has_dcs && (r = get_u8(c, &t->dcs, "TP-DCS", diag)) != STK_OK)
		return r;
	return t->has_ud ? decode_ud(c, t, diag) : STK_OK;
}

/* TP-CDL and TP-CD (§9.2.3.20, §9.2.3.21), which end an SMS-COMMAND. */
static int
decode_cd(struct stk_cur *c, struct stk_tpdu *t, struct stk_diag *diag)
{
	size_t off = stk_cur_offset(c);
	uint8_t cdl;
	int r;

	if ((r = get_u8(c, &cdl, "TP-CDL", diag)) != STK_OK)
		return r;
	if (cdl > STK_CD_MAX_OCTETS)
		return stk_fail(diag, STK_E_TOO_LONG, "TP-CDL", off);
	if (stk_cur_len(c) < cdl)
		return stk_fail(diag, STK_E_TRUNCATED, "TP-CDL", off);
	if (stk_cur_len(c) > cdl)
		return stk_fail(diag, STK_E_TRAILING, "TP-CD",
		    stk_cur_offset(c) + cdl);
	if (!stk_cur_copy(c, t->cd, cdl))
		return stk_fail(diag, STK_E_TRUNCATED, "TP-CDL", off);
	t->cd_len = cdl;
	return STK_OK;
}

static int
decode_body(struct stk_cur *c, struct stk_tpdu *t, struct stk_diag *diag)
{
	int r = STK_OK;

	switch (t->type) {
	case STK_TPDU_DELIVER:				/* §9.2.2.1 */
		if ((r = stk_sms_addr_decode(c, &t->addr, "TP-OA", diag)) ||
		    (r = get_u8(c, &t->pid, "TP-PID", diag)) ||
		    (r = get_u8(c, &t->dcs, "TP-DCS", diag)) ||
		    (r = stk_scts_decode(c, &t->scts, "TP-SCTS", diag)))
			return r;
		return decode_ud(c, t, diag);
	case STK_TPDU_SUBMIT:				/* §9.2.2.2 */
		if ((r = get_u8(c, &t->mr, "TP-MR", diag)) ||
		    (r = stk_sms_addr_decode(c, &t->addr, "TP-DA", diag)) ||
		    (r = get_u8(c, &t->pid, "TP-PID", diag)) ||
		    (r = get_u8(c, &t->dcs, "TP-DCS", diag)) ||
		    (r = stk_vp_decode(c, t->vpf, &t->vp, diag)))
			return r;
		return decode_ud(c, t, diag);
	case STK_TPDU_STATUS_REPORT:			/* §9.2.2.3 */
		if ((r = get_u8(c, &t->mr, "TP-MR", diag)) ||
		    (r = stk_sms_addr_decode(c, &t->addr, "TP-RA", diag)) ||
		    (r = stk_scts_decode(c, &t->scts, "TP-SCTS", diag)) ||
		    (r = stk_scts_decode(c, &t->dt, "TP-DT", diag)) ||
		    (r = get_u8(c, &t->st, "TP-ST", diag)))
			return r;
		/* TP-PI is mandatory only if any later field is present. */
		if (stk_cur_empty(c))
			return STK_OK;
		if ((r = decode_pi(c, t, diag)))
			return r;
		return decode_optional(c, t, diag);
	case STK_TPDU_DELIVER_REPORT:			/* §9.2.2.1a */
	case STK_TPDU_SUBMIT_REPORT:			/* §9.2.2.2a */
		if (t->rp_error) {
			size_t off = stk_cur_offset(c);

			if ((r = get_u8(c, &t->fcs, "TP-FCS", diag)))
				return r;
			/* 0x00-0x7F are reserved failure causes */
			if (t->fcs < 0x80)
				return stk_fail(diag, STK_E_INVALID, "TP-FCS",
				    off);
		}
		if ((r = decode_pi(c, t, diag)))
			return r;
		/* SUBMIT-REPORT: TP-SCTS between TP-PI and the options */
		if (t->type == STK_TPDU_SUBMIT_REPORT &&
		    (r = stk_scts_decode(c, &t->scts, "TP-SCTS", diag)))
			return r;
		return decode_optional(c, t, diag);
	case STK_TPDU_COMMAND:				/* §9.2.2.4 */
		if ((r = get_u8(c, &t->mr, "TP-MR", diag)) ||
		    (r = get_u8(c, &t->pid, "TP-PID", diag)) ||
		    (r = get_u8(c, &t->ct, "TP-CT", diag)) ||
		    (r = get_u8(c, &t->mn, "TP-MN", diag)) ||
		    (r = stk_sms_addr_decode(c, &t->addr, "TP-DA", diag)))
			return r;
		return decode_cd(c, t, diag);
	default:
		return stk_fail(diag, STK_E_ARG, "TPDU", stk_cur_offset(c));
	}
}

/* The first octet: MTI check and the flags of the type. */
static int
decode_first_octet(struct stk_cur *c, struct stk_tpdu *t,
    struct stk_diag *diag)
{
	const struct tpdu_kind *k = &tpdu_kinds[t->type];
	size_t off = stk_cur_offset(c);
	uint8_t fo;
	int r;

	if ((r = get_u8(c, &fo, "TP-MTI", diag)) != STK_OK)
		return r;
	if ((fo & FO_MTI) != k->mti)
		return stk_fail(diag, (fo & FO_MTI) == MTI_RESERVED ?
		    STK_E_UNSUPPORTED : STK_E_INVALID, "TP-MTI", off);
	t->spare_bits = fo & (uint8_t)~k->fo_bits;
	t->udhi = (fo & FO_UDHI) != 0;
	switch (t->type) {
	case STK_TPDU_DELIVER:
		t->mms = (fo & FO_MMS) != 0;
		t->lp = (fo & FO_LP) != 0;
		t->sri = (fo & FO_SRI) != 0;
		t->rp = (fo & FO_RP) != 0;
		break;
	case STK_TPDU_SUBMIT:
		t->rd = (fo & FO_RD) != 0;
		t->vpf = (fo & FO_VPF) >> FO_VPF_SHIFT;
		t->srr = (fo & FO_SRR) != 0;
		t->rp = (fo & FO_RP) != 0;
		break;
	case STK_TPDU_STATUS_REPORT:
		t->mms = (fo & FO_MMS) != 0;
		t->lp = (fo & FO_LP) != 0;
		t->srq = (fo & FO_SRQ) != 0;
		break;
	case STK_TPDU_COMMAND:
		t->srr = (fo & FO_SRR) != 0;
		break;
	default:
		break;
	}
	return STK_OK;
}

/* Decode one TPDU of a known type from the cursor, consuming all of it. */
static int
decode_cur(struct stk_cur *c, enum stk_tpdu_type type, bool rp_error,
    struct stk_tpdu *t, struct stk_diag *diag)
{
	size_t start = stk_cur_offset(c);
	int r;

	if ((unsigned)type >= NKINDS)
		return stk_fail(diag, STK_E_ARG, "TPDU", start);
	memset(t, 0, sizeof(*t));
	t->type = (uint8_t)type;
	t->rp_error = rp_error && (type == STK_TPDU_DELIVER_REPORT ||
	    type == STK_TPDU_SUBMIT_REPORT);
	/* DELIVER, SUBMIT and COMMAND always carry TP-PID (and the first
	 * two TP-DCS and TP-UD); the others say so in TP-PI. */
	if (type == STK_TPDU_DELIVER || type == STK_TPDU_SUBMIT) {
		t->has_pid = t->has_dcs = t->has_ud = true;
	} else if (type == STK_TPDU_COMMAND) {
		t->has_pid = true;
	}
	if ((r = decode_first_octet(c, t, diag)) != STK_OK)
		return r;
	if ((r = decode_body(c, t, diag)) != STK_OK)
		return r;
	if (t->udhi && !t->has_ud && t->type != STK_TPDU_COMMAND)
		return stk_fail(diag, STK_E_INCONSISTENT, "TP-UDHI", start);
	if (!stk_cur_empty(c))
		return stk_fail(diag, STK_E_TRAILING, "TPDU",
		    stk_cur_offset(c));
	return STK_OK;
}

/* Type and form of a TPDU travelling in dir, from its first octets. */
static int
sniff(const struct stk_cur *c, enum stk_sms_dir dir, int *type,
    bool *rp_error, struct stk_diag *diag)
{
	uint8_t fo;
	struct stk_cur p = *c;

	if (dir != STK_DIR_MS_TO_SC && dir != STK_DIR_SC_TO_MS)
		return stk_fail(diag, STK_E_ARG, "TPDU", stk_cur_offset(c));
	if (!stk_cur_u8(&p, &fo))
		return stk_fail(diag, STK_E_TRUNCATED, "TP-MTI",
		    stk_cur_offset(c));
	*type = type_for_mti(dir, fo & FO_MTI);
	if (*type < 0)
		return stk_fail(diag, STK_E_UNSUPPORTED, "TP-MTI",
		    stk_cur_offset(c));
	*rp_error = false;
	if (*type == STK_TPDU_DELIVER_REPORT || *type == STK_TPDU_SUBMIT_REPORT) {
		uint8_t second;

		if (!stk_cur_u8(&p, &second))
			return stk_fail(diag, STK_E_TRUNCATED, "TP-PI",
			    stk_cur_offset(&p));
		*rp_error = (second & 0x80) != 0;
	}
	return STK_OK;
}

int
stk_tpdu_decode(const uint8_t *pdu, size_t len, enum stk_sms_dir dir,
    struct stk_tpdu *t, struct stk_diag *diag)
{
	struct stk_cur c;
	bool rp_error;
	int type, r;

	stk_cur_init(&c, pdu, len);
	if ((r = sniff(&c, dir, &type, &rp_error, diag)) != STK_OK)
		return r;
	return decode_cur(&c, (enum stk_tpdu_type)type, rp_error, t, diag);
}

int
stk_tpdu_decode_as(const uint8_t *pdu, size_t len, enum stk_tpdu_type type,
    bool rp_error, struct stk_tpdu *t, struct stk_diag *diag)
{
	struct stk_cur c;

	stk_cur_init(&c, pdu, len);
	return decode_cur(&c, type, rp_error, t, diag);
}

int
stk_tpdu_decode_with_sca(const uint8_t *pdu, size_t len, enum stk_sms_dir dir,
    struct stk_sms_addr *sca, bool *sca_present, struct stk_tpdu *t,
    struct stk_diag *diag)
{
	struct stk_cur c;
	bool rp_error;
	int type, r;

	stk_cur_init(&c, pdu, len);
	if ((r = stk_smsc_addr_decode(&c, sca, sca_present, diag)) != STK_OK)
		return r;
	if ((r = sniff(&c, dir, &type, &rp_error, diag)) != STK_OK)
		return r;
	return decode_cur(&c, (enum stk_tpdu_type)type, rp_error, t, diag);
}

/* ---- Encoding ---- */

/* The user data checks shared by encode and the setters. */
static int
check_ud(const struct stk_tpdu *t)
{
	bool septets = ud_in_septets(effective_dcs(t));

	if (t->udhi != (t->udh_len != 0))
		return STK_E_INCONSISTENT;
	if (t->udh_len > STK_UD_MAX_OCTETS)
		return STK_E_TOO_LONG;
	if (t->udh_len != 0 && t->udh[0] != t->udh_len - 1)
		return STK_E_INCONSISTENT;
	if (septets) {
		if (t->body_len > STK_UD_MAX_SEPTETS ||
		    header_septets(t->udh_len) + t->body_len >
		    STK_UD_MAX_SEPTETS)
			return STK_E_TOO_LONG;
		for (size_t i = 0; i < t->body_len; i++)
			if (t->body[i] > 0x7f)
				return STK_E_INVALID;
	} else if (t->body_len > STK_UD_MAX_OCTETS ||
	    t->udh_len + t->body_len > STK_UD_MAX_OCTETS) {
		return STK_E_TOO_LONG;
	}
	return STK_OK;
}

static int
encode_ud(const struct stk_tpdu *t, struct stk_buf *out)
{
	size_t hsept, start, bodyoct;
	unsigned fill, spare;
	uint8_t *p;
	int r;

	stk_buf_add_u8(out, (uint8_t)stk_tpdu_udl(t));
	stk_buf_add_bytes(out, t->udh, t->udh_len);
	if (!ud_in_septets(effective_dcs(t))) {
		stk_buf_add_bytes(out, t->body, t->body_len);
		return STK_OK;
	}
	hsept = t->udh_len ? header_septets(t->udh_len) : 0;
	fill = (unsigned)(hsept * 7 - t->udh_len * 8);
	start = stk_buf_len(out);
	if ((r = stk_gsm7_pack(t->body, t->body_len, fill, out)) != STK_OK)
		return r;
	bodyoct = stk_buf_len(out) - start;
	if (bodyoct == 0)
		return STK_OK;
	spare = (unsigned)(bodyoct * 8 - fill - t->body_len * 7);
	/* the kept fill and spare bits (see tpdu.h) */
	p = stk_buf_data(out) + start;
	p[0] |= (uint8_t)(t->ud_fill_value & ((1u << fill) - 1));
	if (spare != 0)
		p[bodyoct - 1] |= (uint8_t)(t->ud_spare_value << (8 - spare));
	return STK_OK;
}

/* TP-PI with its presence bits from the has_* flags. */
static uint8_t
pi_octet(const struct stk_tpdu *t)
{
	return (uint8_t)((t->pi & 0x78) | (t->has_pid ? STK_PI_PID : 0) |
	    (t->has_dcs ? STK_PI_DCS : 0) | (t->has_ud ? STK_PI_UDL : 0));
}

static int
encode_optional(const struct stk_tpdu *t, struct stk_buf *out)
{
	if (t->has_pid)
		stk_buf_add_u8(out, t->pid);
	if (t->has_dcs)
		stk_buf_add_u8(out, t->dcs);
	return t->has_ud ? encode_ud(t, out) : STK_OK;
}

static uint8_t
first_octet(const struct stk_tpdu *t)
{
	const struct tpdu_kind *k = &tpdu_kinds[t->type];
	uint8_t fo = k->mti | (t->spare_bits & (uint8_t)~k->fo_bits);

	if (t->udhi)
		fo |= FO_UDHI;
	switch (t->type) {
	case STK_TPDU_DELIVER:
		fo |= (t->mms ? FO_MMS : 0) | (t->lp ? FO_LP : 0) |
		    (t->sri ? FO_SRI : 0) | (t->rp ? FO_RP : 0);
		break;
	case STK_TPDU_SUBMIT:
		fo |= (t->rd ? FO_RD : 0) | (uint8_t)(t->vpf << FO_VPF_SHIFT) |
		    (t->srr ? FO_SRR : 0) | (t->rp ? FO_RP : 0);
		break;
	case STK_TPDU_STATUS_REPORT:
		fo |= (t->mms ? FO_MMS : 0) | (t->lp ? FO_LP : 0) |
		    (t->srq ? FO_SRQ : 0);
		break;
	case STK_TPDU_COMMAND:
		fo |= t->srr ? FO_SRR : 0;
		break;
	default:
		break;
	}
	return fo;
}

/* Everything encode refuses, checked before the first byte is written. */
static int
encode_check(const struct stk_tpdu *t)
{
	bool report = t->type == STK_TPDU_DELIVER_REPORT ||
	    t->type == STK_TPDU_SUBMIT_REPORT;
	int r;

	if (t->type >= NKINDS)
		return STK_E_ARG;
	if (t->type == STK_TPDU_COMMAND) {
		if (t->cd_len > STK_CD_MAX_OCTETS)
			return STK_E_TOO_LONG;
		return STK_OK;
	}
	if (t->type == STK_TPDU_SUBMIT && (t->vpf > 3 || t->vpf != t->vp.vpf))
		return STK_E_INCONSISTENT;
	if (report && t->rp_error && t->fcs < 0x80)
		return STK_E_INVALID;
	if ((report || t->type == STK_TPDU_STATUS_REPORT) &&
	    (t->pi & STK_PI_EXTENSION))
		return STK_E_UNSUPPORTED;
	if (t->type == STK_TPDU_STATUS_REPORT && !t->has_pi &&
	    (t->has_pid || t->has_dcs || t->has_ud))
		return STK_E_INCONSISTENT;
	if (!has_ud(t)) {
		if (t->udhi || t->udh_len != 0 || t->body_len != 0)
			return STK_E_INCONSISTENT;
		return STK_OK;
	}
	if ((r = check_ud(t)) != STK_OK)
		return r;
	if (ud_in_septets(effective_dcs(t))) {
		size_t hlen = t->udh_len;
		size_t hsept = hlen ? header_septets(hlen) : 0;
		size_t fill = hsept * 7 - hlen * 8;
		size_t bits = fill + t->body_len * 7;
		size_t spare = (bits + 7) / 8 * 8 - bits;

		if (t->ud_fill_value >= (1u << fill) ||
		    t->ud_spare_value >= (1u << spare))
			return STK_E_INVALID;
	}
	return STK_OK;
}

int
stk_tpdu_encode(const struct stk_tpdu *t, struct stk_buf *out)
{
	size_t start = stk_buf_len(out);
	int r;

	if ((r = encode_check(t)) != STK_OK)
		return r;
	stk_buf_add_u8(out, first_octet(t));
	switch (t->type) {
	case STK_TPDU_DELIVER:
		if ((r = stk_sms_addr_encode(&t->addr, out)))
			goto out;
		stk_buf_add_u8(out, t->pid);
		stk_buf_add_u8(out, t->dcs);
		if ((r = stk_scts_encode(&t->scts, out)))
			goto out;
		r = encode_ud(t, out);
		break;
	case STK_TPDU_SUBMIT:
		stk_buf_add_u8(out, t->mr);
		if ((r = stk_sms_addr_encode(&t->addr, out)))
			goto out;
		stk_buf_add_u8(out, t->pid);
		stk_buf_add_u8(out, t->dcs);
		if ((r = stk_vp_encode(&t->vp, out)))
			goto out;
		r = encode_ud(t, out);
		break;
	case STK_TPDU_STATUS_REPORT:
		stk_buf_add_u8(out, t->mr);
		if ((r = stk_sms_addr_encode(&t->addr, out)) ||
		    (r = stk_scts_encode(&t->scts, out)) ||
		    (r = stk_scts_encode(&t->dt, out)))
			goto out;
		stk_buf_add_u8(out, t->st);
		if (t->has_pi) {
			stk_buf_add_u8(out, pi_octet(t));
			r = encode_optional(t, out);
		}
		break;
	case STK_TPDU_DELIVER_REPORT:
		if (t->rp_error)
			stk_buf_add_u8(out, t->fcs);
		stk_buf_add_u8(out, pi_octet(t));
		r = encode_optional(t, out);
		break;
	case STK_TPDU_SUBMIT_REPORT:
		if (t->rp_error)
			stk_buf_add_u8(out, t->fcs);
		stk_buf_add_u8(out, pi_octet(t));
		if ((r = stk_scts_encode(&t->scts, out)))
			goto out;
		r = encode_optional(t, out);
		break;
	case STK_TPDU_COMMAND:
		stk_buf_add_u8(out, t->mr);
		stk_buf_add_u8(out, t->pid);
		stk_buf_add_u8(out, t->ct);
		stk_buf_add_u8(out, t->mn);
		if ((r = stk_sms_addr_encode(&t->addr, out)))
			goto out;
		stk_buf_add_u8(out, (uint8_t)t->cd_len);
		stk_buf_add_bytes(out, t->cd, t->cd_len);
		break;
	}
out:
	if (r == STK_OK && !stk_buf_ok(out))
		r = out->fixed ? STK_E_NOSPACE : STK_E_NOMEM;
	if (r != STK_OK && stk_buf_ok(out))
		stk_buf_truncate(out, start);
	return r;
}

/* ---- Building ---- */

void
stk_tpdu_init(struct stk_tpdu *t, enum stk_tpdu_type type)
{
	memset(t, 0, sizeof(*t));
	t->type = (uint8_t)type;
	switch (type) {
	case STK_TPDU_DELIVER:
		/* TP-MMS 1: no more messages are waiting */
		t->mms = true;
		/* FALLTHROUGH */
	case STK_TPDU_SUBMIT:
		t->has_pid = t->has_dcs = t->has_ud = true;
		break;
	case STK_TPDU_STATUS_REPORT:
		t->mms = true;
		break;
	case STK_TPDU_DELIVER_REPORT:
	case STK_TPDU_SUBMIT_REPORT:
		t->has_pi = true;
		break;
	case STK_TPDU_COMMAND:
		t->has_pid = true;
		break;
	}
	/* An all-zero time stamp does not validate; start at 2000-01-01. */
	t->scts.year = t->dt.year = 2000;
	t->scts.month = t->dt.month = 1;
	t->scts.day = t->dt.day = 1;
}

int
stk_tpdu_set_udh(struct stk_tpdu *t, const uint8_t *udh, size_t n)
{
	if (n > STK_UD_MAX_OCTETS)
		return STK_E_TOO_LONG;
	if (n != 0 && udh[0] != n - 1)
		return STK_E_INCONSISTENT;
	if (n != 0)
		memcpy(t->udh, udh, n);
	t->udh_len = n;
	t->udhi = n != 0;
	t->ud_fill_value = t->ud_spare_value = 0;
	return STK_OK;
}

/* Mark TP-DCS and TP-UD present (reports announce them in TP-PI). */
static void
set_ud_present(struct stk_tpdu *t, uint8_t dcs)
{
	t->dcs = dcs;
	t->has_dcs = true;
	t->has_ud = true;
	t->ud_fill_value = t->ud_spare_value = 0;
	if (t->type == STK_TPDU_STATUS_REPORT)
		t->has_pi = true;
}

int
stk_tpdu_set_text(struct stk_tpdu *t, const char *utf8, size_t len,
    unsigned msg_class)
{
	enum stk_charset cs = stk_charset_for_text(utf8, len);
	struct stk_tpdu tmp = *t;
	struct stk_buf b;
	uint8_t dcs;
	int r;

	if ((r = stk_dcs_make(cs, msg_class, false, &dcs)) != STK_OK)
		return r;
	set_ud_present(&tmp, dcs);
	tmp.body_len = 0;
	stk_buf_init_fixed(&b, tmp.body, stk_tpdu_body_capacity(&tmp));
	if (cs == STK_CHARSET_GSM7)
		r = stk_gsm7_from_utf8(utf8, len, &b);
	else
		r = stk_ucs2_from_utf8(utf8, len, &b);
	if (r == STK_E_NOSPACE || (r == STK_OK && !stk_buf_ok(&b)))
		return STK_E_TOO_LONG;
	if (r != STK_OK)
		return r;
	tmp.body_len = stk_buf_len(&b);
	*t = tmp;
	return STK_OK;
}

int
stk_tpdu_set_octets(struct stk_tpdu *t, const uint8_t *data, size_t n,
    uint8_t dcs)
{
	struct stk_tpdu tmp = *t;

	if (ud_in_septets(dcs))
		return STK_E_INVALID;
	set_ud_present(&tmp, dcs);
	if (n > stk_tpdu_body_capacity(&tmp))
		return STK_E_TOO_LONG;
	if (n != 0)
		memcpy(tmp.body, data, n);
	tmp.body_len = n;
	*t = tmp;
	return STK_OK;
}

int
stk_tpdu_set_septets(struct stk_tpdu *t, const uint8_t *septets, size_t n,
    uint8_t dcs)
{
	struct stk_tpdu tmp = *t;

	if (!ud_in_septets(dcs))
		return STK_E_INVALID;
	set_ud_present(&tmp, dcs);
	if (n > stk_tpdu_body_capacity(&tmp))
		return STK_E_TOO_LONG;
	for (size_t i = 0; i < n; i++)
		if (septets[i] > 0x7f)
			return STK_E_INVALID;
	if (n != 0)
		memcpy(tmp.body, septets, n);
	tmp.body_len = n;
	*t = tmp;
	return STK_OK;
}

int
stk_tpdu_body_text(const struct stk_tpdu *t, struct stk_buf *out)
{
	struct stk_dcs d;

	stk_dcs_decode(effective_dcs(t), &d);
	if (d.compressed)
		return STK_E_UNSUPPORTED;
	switch (d.charset) {
	case STK_CHARSET_GSM7:
		return stk_gsm7_to_utf8(t->body, t->body_len, out);
	case STK_CHARSET_UCS2:
		return stk_ucs2_to_utf8(t->body, t->body_len, out);
	default:
		return STK_E_UNSUPPORTED;
	}
}
