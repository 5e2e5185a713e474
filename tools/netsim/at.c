/*
 * at.c - AT command line parsing (ITU-T V.250 §5, 3GPP TS 27.007 §4) and
 * the byte input state machine of a modem's serial line, including the
 * TS 27.005 §3.5.1 PDU entry after the "> " prompt.  No I/O here.
 */
#include <ctype.h>
#include <string.h>

#include "bytes.h"
#include "at.h"

#define CTRL_Z 0x1a
#define ESC 0x1b

static bool
is_ext_name_char(uint8_t c)
{
	/* V.250 §5.4.1: A-Z 0-9 ! % - . / : _ */
	return isupper(c) || isdigit(c) || c == '!' || c == '%' ||
	    c == '-' || c == '.' || c == '/' || c == ':' || c == '_';
}

/*
 * Copy the line into out->buf upper-casing and dropping spaces outside
 * double-quoted strings (V.250 §5.1, §5.4.2.2: strings keep their case).
 */
static int
normalise(const char *line, size_t len, struct at_cmdline *out, size_t *n)
{
	struct stk_cur c;
	bool quoted = false;
	size_t k = 0;
	uint8_t b;

	if (len > AT_LINE_MAX)
		return AT_PARSE_TOO_LONG;
	stk_cur_init(&c, (const uint8_t *)line, len);
	while (stk_cur_u8(&c, &b)) {
		if (b == '"')
			quoted = !quoted;
		else if (!quoted && b == ' ')
			continue;
		else if (!quoted && (b < 0x20 || b > 0x7e))
			return AT_PARSE_SYNTAX;
		out->buf[k++] = quoted ? (char)b : (char)toupper(b);
	}
	if (quoted)
		return AT_PARSE_SYNTAX;
	out->buf[k] = '\0';
	*n = k;
	return AT_PARSE_OK;
}

/* Decimal number at the cursor (at least one digit), capped at 2^31-1. */
static bool
get_number(struct stk_cur *c, unsigned long *v)
{
	uint8_t b;
	unsigned long x = 0;
	size_t digits = 0;

	while (stk_cur_peek_u8(c, &b) && isdigit(b)) {
		(void)stk_cur_u8(c, &b);
		x = x * 10 + (unsigned long)(b - '0');
		if (x > 0x7fffffffUL)
			return false;
		digits++;
	}
	*v = x;
	return digits > 0;
}

/* The text of an extended command's arguments: up to ';' outside strings. */
static void
take_args(struct stk_cur *c, struct at_cmd *cmd)
{
	const uint8_t *start = stk_cur_data(c);
	bool quoted = false;
	size_t n = 0;
	uint8_t b;

	while (stk_cur_peek_u8(c, &b)) {
		if (b == '"')
			quoted = !quoted;
		else if (b == ';' && !quoted)
			break;
		(void)stk_cur_u8(c, &b);
		n++;
	}
	cmd->args = (const char *)start;
	cmd->args_len = n;
}

static int
parse_extended(struct stk_cur *c, struct at_cmd *cmd)
{
	size_t n = 1;
	uint8_t b;

	cmd->extended = true;
	cmd->name[0] = '+';
	while (stk_cur_peek_u8(c, &b) && is_ext_name_char(b)) {
		if (n + 1 >= sizeof(cmd->name))
			return AT_PARSE_SYNTAX;
		(void)stk_cur_u8(c, &b);
		cmd->name[n++] = (char)b;
	}
	cmd->name[n] = '\0';
	if (n == 1)
		return AT_PARSE_SYNTAX;
	cmd->form = AT_FORM_EXEC;
	if (stk_cur_peek_u8(c, &b) && b == '?') {
		(void)stk_cur_u8(c, &b);
		cmd->form = AT_FORM_READ;
	} else if (stk_cur_peek_u8(c, &b) && b == '=') {
		(void)stk_cur_u8(c, &b);
		if (stk_cur_peek_u8(c, &b) && b == '?') {
			(void)stk_cur_u8(c, &b);
			cmd->form = AT_FORM_TEST;
		} else {
			cmd->form = AT_FORM_SET;
			take_args(c, cmd);
		}
	}
	/* The command ends at ';' or the end of the line. */
	if (stk_cur_empty(c))
		return AT_PARSE_OK;
	if (!stk_cur_u8(c, &b) || b != ';')
		return AT_PARSE_SYNTAX;
	return AT_PARSE_OK;
}

static int
parse_basic(struct stk_cur *c, struct at_cmd *cmd)
{
	uint8_t b;
	size_t n = 0;

	cmd->extended = false;
	cmd->form = AT_FORM_EXEC;
	if (!stk_cur_u8(c, &b))
		return AT_PARSE_SYNTAX;
	if (b == '&') {
		cmd->name[n++] = '&';
		if (!stk_cur_u8(c, &b))
			return AT_PARSE_SYNTAX;
	}
	if (!isupper(b))
		return AT_PARSE_SYNTAX;
	cmd->name[n++] = (char)b;
	cmd->name[n] = '\0';
	if (b == 'S' && n == 1) {
		/* S-parameter: S<n>? or S<n>=<v> (V.250 §5.3.2). */
		unsigned long reg;
		const uint8_t *start;

		if (!get_number(c, &reg) || reg > 255)
			return AT_PARSE_SYNTAX;
		cmd->has_num = true;
		cmd->num = reg;
		if (!stk_cur_u8(c, &b))
			return AT_PARSE_SYNTAX;
		if (b == '?') {
			cmd->form = AT_FORM_READ;
		} else if (b == '=') {
			unsigned long v;

			start = stk_cur_data(c);
			cmd->form = AT_FORM_SET;
			/* An empty value means 0 (V.250 §5.3.2). */
			if (!get_number(c, &v))
				v = 0;
			cmd->args = (const char *)start;
			cmd->args_len = (size_t)(stk_cur_data(c) - start);
		} else {
			return AT_PARSE_SYNTAX;
		}
	} else if (stk_cur_peek_u8(c, &b) && isdigit(b)) {
		if (!get_number(c, &cmd->num))
			return AT_PARSE_SYNTAX;
		cmd->has_num = true;
	}
	/* A ';' may follow a basic command too (TS 27.007 §4.0). */
	if (stk_cur_peek_u8(c, &b) && b == ';')
		(void)stk_cur_u8(c, &b);
	return AT_PARSE_OK;
}

int
at_parse_line(const char *line, size_t len, struct at_cmdline *out)
{
	struct stk_cur c;
	size_t n;
	uint8_t a, t, b;
	int rc;

	out->ncmds = 0;
	out->buf[0] = '\0';
	if ((rc = normalise(line, len, out, &n)) != AT_PARSE_OK)
		return rc;
	stk_cur_init(&c, (const uint8_t *)out->buf, n);
	if (!stk_cur_u8(&c, &a) || !stk_cur_u8(&c, &t) || a != 'A' ||
	    t != 'T')
		return AT_PARSE_NOT_AT;
	while (!stk_cur_empty(&c)) {
		struct at_cmd *cmd;

		if (out->ncmds == AT_MAX_CMDS) {
			out->ncmds = 0;
			return AT_PARSE_TOO_MANY;
		}
		cmd = &out->cmd[out->ncmds];
		memset(cmd, 0, sizeof(*cmd));
		(void)stk_cur_peek_u8(&c, &b);
		if (b == '+') {
			(void)stk_cur_u8(&c, &b);
			rc = parse_extended(&c, cmd);
		} else if (b == ';') {
			/* Empty command between separators. */
			(void)stk_cur_u8(&c, &b);
			continue;
		} else {
			rc = parse_basic(&c, cmd);
		}
		if (rc != AT_PARSE_OK) {
			out->ncmds = 0;
			return rc;
		}
		out->ncmds++;
	}
	return AT_PARSE_OK;
}

static int
hexval(uint8_t b)
{
	if (b >= '0' && b <= '9')
		return b - '0';
	if (b >= 'A' && b <= 'F')
		return b - 'A' + 10;
	if (b >= 'a' && b <= 'f')
		return b - 'a' + 10;
	return -1;
}

/* One quoted string at the cursor (the opening quote already read). */
static bool
get_string(struct stk_cur *c, struct at_param *p)
{
	uint8_t b, h1, h2;

	p->type = AT_P_STR;
	p->len = 0;
	for (;;) {
		if (!stk_cur_u8(c, &b))
			return false;
		if (b == '"')
			break;
		if (b == '\\') {
			/* \HH: the character with that hex code. */
			if (!stk_cur_u8(c, &h1) || !stk_cur_u8(c, &h2) ||
			    hexval(h1) < 0 || hexval(h2) < 0)
				return false;
			b = (uint8_t)(hexval(h1) << 4 | hexval(h2));
		}
		if (p->len == AT_STR_MAX || b == '\0')
			return false;
		p->str[p->len++] = (char)b;
	}
	p->str[p->len] = '\0';
	return true;
}

int
at_split_params(const char *args, size_t len, struct at_param *p, size_t max)
{
	struct stk_cur c;
	size_t n = 0;
	uint8_t b;

	stk_cur_init(&c, (const uint8_t *)args, len);
	if (len == 0)
		return 0;
	for (;;) {
		struct at_param *q;

		if (n == max)
			return -1;
		q = &p[n++];
		memset(q, 0, sizeof(*q));
		if (!stk_cur_peek_u8(&c, &b) || b == ',') {
			q->type = AT_P_OMITTED;
		} else if (b == '"') {
			(void)stk_cur_u8(&c, &b);
			if (!get_string(&c, q))
				return -1;
		} else {
			if (!get_number(&c, &q->num))
				return -1;
			q->type = AT_P_NUM;
		}
		if (stk_cur_empty(&c))
			break;
		if (!stk_cur_u8(&c, &b) || b != ',')
			return -1;
		if (stk_cur_empty(&c)) {
			/* Trailing comma: one more omitted parameter. */
			if (n == max)
				return -1;
			memset(&p[n], 0, sizeof(p[n]));
			n++;
			break;
		}
	}
	return (int)n;
}

void
at_input_init(struct at_input *in)
{
	memset(in, 0, sizeof(*in));
	in->s3 = '\r';
	in->s5 = '\b';
}

void
at_input_pdu(struct at_input *in)
{
	in->pdu_mode = true;
	in->overflow = false;
	in->len = 0;
	in->line[0] = '\0';
}

static enum at_event
pdu_byte(struct at_input *in, uint8_t b)
{
	enum at_event ev;

	if (b == ESC) {
		ev = AT_EV_PDU_ABORT;
		goto out;
	}
	if (b == CTRL_Z) {
		in->line[in->len] = '\0';
		ev = in->overflow ? AT_EV_PDU_TOO_LONG : AT_EV_PDU;
		goto out;
	}
	if (b == '\r' || b == '\n' || b == ' ' || b == '\0')
		return AT_EV_NONE;
	if (b == in->s5) {
		if (in->len > 0)
			in->len--;
		return AT_EV_NONE;
	}
	if (in->len >= AT_PDU_HEX_MAX) {
		in->overflow = true;
		return AT_EV_NONE;
	}
	/* Non-hex bytes are kept: the hex decoder rejects the PDU. */
	in->line[in->len++] = (char)(b >= 0x20 && b < 0x7f ? b : '?');
	return AT_EV_NONE;
out:
	in->pdu_mode = false;
	in->overflow = false;
	in->ready = true;
	return ev;
}

enum at_event
at_input_byte(struct at_input *in, uint8_t b)
{
	if (in->ready) {
		in->ready = false;
		in->len = 0;
		in->line[0] = '\0';
	}
	if (in->pdu_mode)
		return pdu_byte(in, b);
	if (b == in->s3) {
		enum at_event ev = in->overflow ? AT_EV_LINE_TOO_LONG :
		    AT_EV_LINE;

		in->line[in->len] = '\0';
		in->overflow = false;
		in->ready = true;
		return ev;
	}
	if (b == '\n' || b == '\0')
		return AT_EV_NONE;
	if (b == in->s5) {
		if (in->len > 0)
			in->len--;
		return AT_EV_NONE;
	}
	if (in->len >= AT_LINE_MAX) {
		in->overflow = true;
		return AT_EV_NONE;
	}
	in->line[in->len++] = (char)b;
	return AT_EV_NONE;
}
