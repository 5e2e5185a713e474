/*
 * modem_at.c - AT response parser (see modem_at.h).  Lines are read
 * through the bounded cursor of lib/bytes.h; result codes and the
 * prefixes of the lines we understand are tables.
 */
#include <string.h>
#include <strings.h>

#include "bytes.h"
#include "hex.h"
#include "modem_at.h"
#include "modem_err.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- small field readers over a cursor ---- */

static void
skip_spaces(struct stk_cur *c)
{
	uint8_t b;

	while (stk_cur_peek_u8(c, &b) && b == ' ')
		(void)stk_cur_skip(c, 1);
}

static bool
get_char(struct stk_cur *c, uint8_t want)
{
	uint8_t b;

	skip_spaces(c);
	if (!stk_cur_peek_u8(c, &b) || b != want)
		return false;
	return stk_cur_skip(c, 1);
}

/* A decimal number of at most 9 digits, not above max. */
static bool
get_uint(struct stk_cur *c, unsigned max, unsigned *v)
{
	unsigned x = 0, digits = 0;
	uint8_t b;

	skip_spaces(c);
	while (stk_cur_peek_u8(c, &b) && b >= '0' && b <= '9') {
		if (++digits > 9)
			return false;
		x = x * 10 + (unsigned)(b - '0');
		(void)stk_cur_skip(c, 1);
	}
	if (digits == 0 || x > max)
		return false;
	*v = x;
	return true;
}

/* A double-quoted string copied into out (at most outsz - 1 bytes). */
static bool
get_quoted(struct stk_cur *c, char *out, size_t outsz)
{
	size_t n = 0;
	uint8_t b;

	if (!get_char(c, '"'))
		return false;
	while (stk_cur_u8(c, &b)) {
		if (b == '"') {
			if (out != NULL)
				out[n] = '\0';
			return true;
		}
		if (out != NULL) {
			if (n + 1 >= outsz)
				return false;
			out[n++] = (char)b;
		}
	}
	return false;
}

/* An optional <alpha> field: a quoted string or nothing. */
static bool
skip_alpha(struct stk_cur *c)
{
	uint8_t b;

	skip_spaces(c);
	if (stk_cur_peek_u8(c, &b) && b == '"')
		return get_quoted(c, NULL, 0);
	return true;
}

static bool
at_end(struct stk_cur *c)
{
	skip_spaces(c);
	return stk_cur_empty(c);
}

/* ---- the lines we understand ---- */

/* +CMS ERROR / +CME ERROR: numeric (AT+CMEE=1) or verbose (=2). */
static bool
parse_err(struct stk_cur *c, struct mat_event *ev, unsigned *len)
{
	struct stk_cur save = *c;
	unsigned v;

	(void)len;
	if (get_uint(c, 65535, &v) && at_end(c)) {
		ev->code = (int)v;
		return true;
	}
	*c = save;
	skip_spaces(c);
	ev->code = ev->kind == MAT_CMS_ERROR ?
	    modem_cms_from_name((const char *)stk_cur_data(c), stk_cur_len(c)) :
	    modem_cme_from_name((const char *)stk_cur_data(c), stk_cur_len(c));
	return !stk_cur_empty(c);
}

/* +CMGS: <mr>[,<scts>|<ackpdu>] (TS 27.005 §3.5.1). */
static bool
parse_cmgs(struct stk_cur *c, struct mat_event *ev, unsigned *len)
{
	unsigned mr;

	(void)len;
	if (!get_uint(c, 255, &mr))
		return false;
	ev->code = (int)mr;
	return at_end(c) || get_char(c, ',');
}

/* +CMT: [<alpha>],<length> (§3.4.1). */
static bool
parse_cmt(struct stk_cur *c, struct mat_event *ev, unsigned *len)
{
	(void)ev;
	return skip_alpha(c) && get_char(c, ',') &&
	    get_uint(c, MAT_TPDU_MAX, len) && at_end(c);
}

/* +CDS: <length> (§3.4.1). */
static bool
parse_cds(struct stk_cur *c, struct mat_event *ev, unsigned *len)
{
	(void)ev;
	return get_uint(c, MAT_TPDU_MAX, len) && at_end(c);
}

/* +CMGR: <stat>,[<alpha>],<length> (§3.4.3). */
static bool
parse_cmgr(struct stk_cur *c, struct mat_event *ev, unsigned *len)
{
	unsigned stat;

	if (!get_uint(c, 4, &stat) || !get_char(c, ',') || !skip_alpha(c) ||
	    !get_char(c, ',') || !get_uint(c, MAT_TPDU_MAX, len) || !at_end(c))
		return false;
	ev->stat = (int)stat;
	return true;
}

/* +CMGL: <index>,<stat>,[<alpha>],<length> (§3.4.2). */
static bool
parse_cmgl(struct stk_cur *c, struct mat_event *ev, unsigned *len)
{
	if (!get_uint(c, 65535, &ev->index) || !get_char(c, ','))
		return false;
	return parse_cmgr(c, ev, len);
}

/* +CMTI / +CDSI: <mem>,<index> (§3.4.1). */
static bool
parse_mem_index(struct stk_cur *c, struct mat_event *ev, unsigned *len)
{
	(void)len;
	return get_quoted(c, ev->mem, sizeof(ev->mem)) && get_char(c, ',') &&
	    get_uint(c, 65535, &ev->index) && at_end(c);
}

static const struct {
	const char *prefix;
	enum mat_kind kind;
	bool (*parse)(struct stk_cur *c, struct mat_event *ev, unsigned *len);
	bool pdu_follows;
} prefixes[] = {
	{ "+CMS ERROR:", MAT_CMS_ERROR, parse_err, false },
	{ "+CME ERROR:", MAT_CME_ERROR, parse_err, false },
	{ "+CMGS:", MAT_CMGS, parse_cmgs, false },
	{ "+CMT:", MAT_CMT, parse_cmt, true },
	{ "+CDS:", MAT_CDS, parse_cds, true },
	{ "+CMGR:", MAT_CMGR, parse_cmgr, true },
	{ "+CMGL:", MAT_CMGL, parse_cmgl, true },
	{ "+CMTI:", MAT_CMTI, parse_mem_index, false },
	{ "+CDSI:", MAT_CDSI, parse_mem_index, false },
};

/* V.250 §5.7.1 final result codes in verbose form. */
static const struct {
	const char *text;
	enum mat_kind kind;
} finals[] = {
	{ "OK", MAT_OK },
	{ "ERROR", MAT_ERROR },
	{ "NO CARRIER", MAT_ERROR },
	{ "NO DIALTONE", MAT_ERROR },
	{ "BUSY", MAT_ERROR },
	{ "NO ANSWER", MAT_ERROR },
	{ "COMMAND NOT SUPPORT", MAT_ERROR },	/* seen on some modules */
};

static const char *const kind_names[MAT_KIND_COUNT] = {
	[MAT_OK] = "OK", [MAT_ERROR] = "ERROR",
	[MAT_CMS_ERROR] = "+CMS ERROR", [MAT_CME_ERROR] = "+CME ERROR",
	[MAT_PROMPT] = "prompt", [MAT_CMGS] = "+CMGS", [MAT_CMT] = "+CMT",
	[MAT_CDS] = "+CDS", [MAT_CMGR] = "+CMGR", [MAT_CMGL] = "+CMGL",
	[MAT_CMTI] = "+CMTI", [MAT_CDSI] = "+CDSI", [MAT_LINE] = "line",
	[MAT_BAD] = "bad line",
};

const char *
mat_kind_name(enum mat_kind kind)
{
	return (unsigned)kind < MAT_KIND_COUNT ? kind_names[kind] : "?";
}

bool
mat_is_final(enum mat_kind kind)
{
	return kind == MAT_OK || kind == MAT_ERROR || kind == MAT_CMS_ERROR ||
	    kind == MAT_CME_ERROR;
}

/* ---- framing ---- */

void
mat_init(struct mat_parser *p, mat_cb cb, void *arg)
{
	memset(p, 0, sizeof(*p));
	p->cb = cb;
	p->arg = arg;
}

void
mat_reset(struct mat_parser *p)
{
	p->len = 0;
	p->overflow = false;
	p->want_pdu = false;
	p->gen++;
}

static void
emit_bad(struct mat_parser *p, const char *line, const char *reason)
{
	struct mat_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = MAT_BAD;
	ev.line = line;
	ev.code = -1;
	ev.reason = reason;
	p->cb(p->arg, &ev);
}

static bool
looks_like_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		if (!((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'F') ||
		    (ch >= 'a' && ch <= 'f')))
			return false;
	}
	return n > 0;
}

/*
 * The line after a +CMT/+CDS/+CMGR/+CMGL header: the TS 27.005 §3.1
 * <pdu>, an SC address followed by <length> TPDU octets.  Modems differ
 * on +CDS (some leave the SC address out), so a PDU of exactly <length>
 * octets is taken as a bare TPDU.  Returns false if the line is not a PDU
 * at all (the header is reported bad and the line handled on its own).
 */
static bool
pdu_line(struct mat_parser *p)
{
	struct stk_buf b;
	struct mat_event ev = p->hdr;
	size_t n;

	p->want_pdu = false;
	if (!looks_like_hex(p->line, p->len)) {
		emit_bad(p, p->hdr_line, "PDU line missing after header");
		return false;
	}
	stk_buf_init_fixed(&b, p->pdu, sizeof(p->pdu));
	if (p->len % 2 != 0 || stk_hex_decode(p->line, &b) != 0) {
		emit_bad(p, p->hdr_line, "PDU is not hex or too long");
		return true;
	}
	n = stk_buf_len(&b);
	ev.line = p->hdr_line;
	if (n == p->hdr_length) {
		ev.tpdu = p->pdu;
		ev.has_sca = false;
	} else if (n > 0 && p->pdu[0] < MAT_SCA_MAX &&
	    n == 1u + p->pdu[0] + p->hdr_length) {
		ev.tpdu = p->pdu + 1 + p->pdu[0];
		ev.has_sca = true;
	} else {
		emit_bad(p, p->hdr_line, "PDU length disagrees with <length>");
		return true;
	}
	ev.tpdu_len = p->hdr_length;
	if (ev.tpdu_len == 0) {
		emit_bad(p, p->hdr_line, "empty TPDU");
		return true;
	}
	p->cb(p->arg, &ev);
	return true;
}

static void
on_line(struct mat_parser *p)
{
	struct mat_event ev;
	struct stk_cur c;
	size_t i;

	if (p->want_pdu && pdu_line(p))
		return;
	for (i = 0; i < p->len; i++)
		if ((uint8_t)p->line[i] < 0x20 || (uint8_t)p->line[i] > 0x7e) {
			emit_bad(p, p->line, "byte outside printable ASCII");
			return;
		}
	memset(&ev, 0, sizeof(ev));
	ev.line = p->line;
	ev.code = -1;
	ev.stat = -1;
	for (i = 0; i < NELEM(finals); i++)
		if (strcmp(p->line, finals[i].text) == 0) {
			ev.kind = finals[i].kind;
			p->cb(p->arg, &ev);
			return;
		}
	for (i = 0; i < NELEM(prefixes); i++) {
		size_t pl = strlen(prefixes[i].prefix);
		unsigned len = 0;

		if (p->len < pl || strncasecmp(p->line, prefixes[i].prefix,
		    pl) != 0)
			continue;
		ev.kind = prefixes[i].kind;
		stk_cur_init(&c, (const uint8_t *)p->line + pl, p->len - pl);
		if (!prefixes[i].parse(&c, &ev, &len)) {
			emit_bad(p, p->line, "malformed parameters");
			return;
		}
		if (prefixes[i].pdu_follows) {
			p->hdr = ev;
			p->hdr_length = len;
			memcpy(p->hdr_line, p->line, p->len + 1);
			p->want_pdu = true;
			return;
		}
		p->cb(p->arg, &ev);
		return;
	}
	ev.kind = MAT_LINE;
	p->cb(p->arg, &ev);
}

void
mat_feed(struct mat_parser *p, const uint8_t *data, size_t n)
{
	struct stk_cur c;
	unsigned gen = p->gen;
	uint8_t b;

	stk_cur_init(&c, data, n);
	while (p->gen == gen && stk_cur_u8(&c, &b)) {
		if (b == '\r' || b == '\n') {
			if (p->overflow) {
				p->overflow = false;
				p->len = 0;
				p->want_pdu = false;
				emit_bad(p, "", "line too long");
				continue;
			}
			if (p->len == 0)
				continue;
			p->line[p->len] = '\0';
			on_line(p);
			if (p->gen == gen)
				p->len = 0;
			continue;
		}
		if (p->overflow)
			continue;
		if (p->len >= MAT_LINE_MAX) {
			p->overflow = true;
			continue;
		}
		p->line[p->len++] = (char)b;
		/* TS 27.005 §3.5.1: the prompt has no line end. */
		if (p->len == 2 && p->line[0] == '>' && p->line[1] == ' ' &&
		    !p->want_pdu) {
			struct mat_event ev;

			memset(&ev, 0, sizeof(ev));
			ev.kind = MAT_PROMPT;
			ev.line = "> ";
			ev.code = -1;
			p->len = 0;
			p->cb(p->arg, &ev);
		}
	}
}
