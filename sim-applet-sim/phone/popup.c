/*
 * popup.c - the STK pop-up: a proactive command as the user sees it
 * (TS 102 223 §6.4.1 DISPLAY TEXT, §6.4.3 GET INPUT, §6.4.8 SELECT ITEM),
 * the user's answer as a TERMINAL RESPONSE (§6.8, general results §8.12),
 * the framed dialog and the one-line form for the control socket.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cat.h"
#include "err.h"
#include "gsm7.h"
#include "phone.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const kind_names[] = {
	[PHONE_POPUP_NONE] = "none",
	[PHONE_POPUP_DISPLAY_TEXT] = "display-text",
	[PHONE_POPUP_SELECT_ITEM] = "select-item",
	[PHONE_POPUP_GET_INPUT] = "get-input",
};

const char *
phone_popup_kind_name(unsigned kind)
{
	return kind < NELEM(kind_names) ? kind_names[kind] : "unknown";
}

static void
copy_text(char *dst, const struct stk_cat_text *t)
{
	/* Both are PHONE_TEXT_MAX == STK_CAT_TEXT_MAX and NUL-terminated. */
	if (t->present)
		memcpy(dst, t->utf8, t->len + 1);
	else
		dst[0] = '\0';
}

/* Duration object (§8.8) in milliseconds; 0 when absent. */
static unsigned
duration_ms(const struct stk_cat_duration *d)
{
	static const unsigned unit_ms[] = { 60000, 1000, 100 };

	if (!d->present || d->unit >= NELEM(unit_ms))
		return 0;
	return unit_ms[d->unit] * d->interval;
}

int
phone_popup_from_cmd(const struct stk_cat_proactive *p,
    struct phone_popup *pp)
{
	uint8_t q = p->cmd.qualifier;
	size_t i;

	memset(pp, 0, sizeof(*pp));
	pp->cmd = p->cmd;
	copy_text(pp->title, &p->alpha);
	copy_text(pp->text, &p->text);
	switch (p->cmd.type) {
	case STK_CAT_CMD_DISPLAY_TEXT:
		pp->kind = PHONE_POPUP_DISPLAY_TEXT;
		pp->high_priority = (q & STK_CAT_DT_HIGH_PRIORITY) != 0;
		pp->wait_for_user = (q & STK_CAT_DT_WAIT_FOR_USER) != 0;
		pp->immediate_response = p->immediate_response;
		pp->duration_ms = duration_ms(&p->duration);
		break;
	case STK_CAT_CMD_GET_INPUT:
		pp->kind = PHONE_POPUP_GET_INPUT;
		copy_text(pp->default_text, &p->default_text);
		pp->digits_only = (q & STK_CAT_GI_ALPHABET) == 0;
		pp->ucs2 = (q & STK_CAT_GI_UCS2) != 0;
		pp->hidden = (q & STK_CAT_GI_HIDDEN) != 0;
		pp->packed = (q & STK_CAT_GI_PACKED) != 0;
		pp->help = (q & STK_CAT_GI_HELP) != 0;
		pp->min_len = p->resp_min;
		pp->max_len = p->resp_max;
		break;
	case STK_CAT_CMD_SELECT_ITEM:
		pp->kind = PHONE_POPUP_SELECT_ITEM;
		pp->help = (q & STK_CAT_SI_HELP) != 0;
		for (i = 0; i < p->nitems && i < NELEM(pp->items); i++) {
			pp->items[i].id = p->items[i].id;
			copy_text(pp->items[i].text, &p->items[i].text);
		}
		pp->nitems = i;
		pp->has_default_item = p->has_default_item;
		pp->default_item = p->default_item;
		break;
	default:
		memset(pp, 0, sizeof(*pp));
		return STK_E_UNSUPPORTED;
	}
	return 0;
}

/* ---- answers ------------------------------------------------------------ */

int
phone_answer_parse(const char *arg, struct phone_answer *a)
{
	static const struct {
		const char *word;
		uint8_t kind;
	} words[] = {
		{ "confirm", PHONE_ANS_CONFIRM },
		{ "reject", PHONE_ANS_REJECT },
		{ "back", PHONE_ANS_BACK },
		{ "help", PHONE_ANS_HELP },
		{ "ignore", PHONE_ANS_NO_RESPONSE },
		{ "timeout", PHONE_ANS_NO_RESPONSE },
	};
	unsigned long v;
	char *end;
	size_t i;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < NELEM(words); i++)
		if (strcmp(arg, words[i].word) == 0) {
			a->kind = words[i].kind;
			return 0;
		}
	if (strncmp(arg, "item ", 5) == 0) {
		if (!isdigit((unsigned char)arg[5]))
			return STK_E_INVALID;
		errno = 0;
		v = strtoul(arg + 5, &end, 10);
		if (errno != 0 || *end != '\0' || v < 1 || v > 255)
			return STK_E_INVALID;
		a->kind = PHONE_ANS_ITEM;
		a->item = (uint8_t)v;
		return 0;
	}
	if (strncmp(arg, "input ", 6) == 0 || strcmp(arg, "input") == 0) {
		const char *t = arg[5] == ' ' ? arg + 6 : "";

		if (strlen(t) >= sizeof(a->input))
			return STK_E_TOO_LONG;
		a->kind = PHONE_ANS_INPUT;
		strcpy(a->input, t);
		return 0;
	}
	return STK_E_INVALID;
}

/* Whether an item's text reads like word (case-insensitive prefix). */
static bool
item_says(const struct phone_popup_item *it, const char *const *words,
    size_t n)
{
	const char *s = it->text;
	size_t i;

	while (*s == ' ' || isdigit((unsigned char)*s) || *s == '.' ||
	    *s == ')')
		s++;
	for (i = 0; i < n; i++)
		if (strncasecmp(s, words[i], strlen(words[i])) == 0)
			return true;
	return false;
}

int
phone_auto_answer(const struct phone_popup *pp, bool confirm,
    const char *pin, struct phone_answer *a)
{
	static const char *const yes[] = { "confirm", "accept", "approve",
	    "yes", "ok" };
	static const char *const no[] = { "reject", "decline", "deny",
	    "cancel", "no" };
	size_t i;

	memset(a, 0, sizeof(*a));
	if (!confirm) {
		a->kind = PHONE_ANS_REJECT;
		if (pp->kind == PHONE_POPUP_SELECT_ITEM)
			for (i = 0; i < pp->nitems; i++)
				if (item_says(&pp->items[i], no, NELEM(no))) {
					a->kind = PHONE_ANS_ITEM;
					a->item = pp->items[i].id;
					break;
				}
		return 0;
	}
	switch (pp->kind) {
	case PHONE_POPUP_SELECT_ITEM:
		a->kind = PHONE_ANS_ITEM;
		if (pp->nitems == 0)
			return STK_E_INVALID;
		a->item = pp->items[0].id;
		if (pp->has_default_item) {
			a->item = pp->default_item;
			break;
		}
		for (i = 0; i < pp->nitems; i++)
			if (item_says(&pp->items[i], yes, NELEM(yes))) {
				a->item = pp->items[i].id;
				break;
			}
		break;
	case PHONE_POPUP_GET_INPUT:
		if (pin == NULL)
			pin = pp->default_text;
		if (strlen(pin) >= sizeof(a->input))
			return STK_E_INVALID;
		a->kind = PHONE_ANS_INPUT;
		strcpy(a->input, pin);
		break;
	default:
		a->kind = PHONE_ANS_CONFIRM;
		break;
	}
	return 0;
}

/* Characters (code points) of a UTF-8 string. */
static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* Code points in the first n bytes of s. */
static size_t
utf8_chars_n(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n && s[i] != '\0'; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	return c;
}

static const struct phone_popup_item *
find_item(const struct phone_popup *pp, uint8_t id)
{
	size_t i;

	for (i = 0; i < pp->nitems; i++)
		if (pp->items[i].id == id)
			return &pp->items[i];
	return NULL;
}

/* GET INPUT text: alphabet and length per the command (§6.4.3, §8.11). */
static int
input_response(const struct phone_popup *pp, const char *in,
    struct stk_cat_terminal_response *tr, const char **why)
{
	size_t n = utf8_chars(in), len = strlen(in);
	int coding;

	if (n < pp->min_len || n > pp->max_len) {
		*why = "input length outside the response length";
		return STK_E_INVALID;
	}
	if (pp->digits_only && strspn(in, "0123456789*#+") != len) {
		*why = "digits (0-9, *, #, +) only";
		return STK_E_INVALID;
	}
	if (!pp->ucs2 && !stk_gsm7_representable(in, len)) {
		*why = "not in the SMS default alphabet";
		return STK_E_INVALID;
	}
	if (n == 0)
		coding = STK_CAT_CODING_NULL;	/* §8.15 null text string */
	else if (pp->ucs2)
		coding = STK_CAT_DCS_UCS2;
	else if (pp->packed)
		coding = STK_CAT_DCS_GSM7_PACKED;
	else
		coding = STK_CAT_DCS_8BIT;
	if (stk_cat_text_set(&tr->text, in, len, coding) != 0) {
		*why = "input not encodable";
		return STK_E_INVALID;
	}
	return 0;
}

int
phone_popup_response(const struct phone_popup *pp,
    const struct phone_answer *a, struct stk_cat_terminal_response *tr,
    const char **why)
{
	const char *dummy;
	int r;

	if (why == NULL)
		why = &dummy;
	*why = NULL;
	if (pp->kind == PHONE_POPUP_NONE) {
		*why = "no pop-up";
		return STK_E_STATE;
	}
	stk_cat_tr_init(tr, &pp->cmd, STK_CAT_RES_OK);
	switch (a->kind) {
	case PHONE_ANS_REJECT:
		tr->result = STK_CAT_RES_TERMINATED_BY_USER;
		return 0;
	case PHONE_ANS_BACK:
		tr->result = STK_CAT_RES_BACKWARD_MOVE;
		return 0;
	case PHONE_ANS_NO_RESPONSE:
		tr->result = STK_CAT_RES_NO_RESPONSE;
		return 0;
	case PHONE_ANS_HELP:
		if (!pp->help) {
			*why = "the command offers no help";
			return STK_E_INVALID;
		}
		tr->result = STK_CAT_RES_HELP_REQUIRED;
		if (pp->kind == PHONE_POPUP_SELECT_ITEM && pp->nitems > 0) {
			/* §6.8.12: help for the item highlighted */
			tr->has_item_id = true;
			tr->item_id = pp->has_default_item ?
			    pp->default_item : pp->items[0].id;
		}
		return 0;
	case PHONE_ANS_CONFIRM:
		if (pp->kind == PHONE_POPUP_SELECT_ITEM) {
			if (pp->nitems == 0) {
				*why = "no items";
				return STK_E_INVALID;
			}
			tr->has_item_id = true;
			tr->item_id = pp->has_default_item ?
			    pp->default_item : pp->items[0].id;
		} else if (pp->kind == PHONE_POPUP_GET_INPUT) {
			return input_response(pp, pp->default_text, tr, why);
		}
		return 0;
	case PHONE_ANS_ITEM:
		if (pp->kind != PHONE_POPUP_SELECT_ITEM) {
			*why = "not a SELECT ITEM";
			return STK_E_INVALID;
		}
		if (find_item(pp, a->item) == NULL) {
			*why = "no such item";
			return STK_E_INVALID;
		}
		tr->has_item_id = true;
		tr->item_id = a->item;
		return 0;
	case PHONE_ANS_INPUT:
		if (pp->kind != PHONE_POPUP_GET_INPUT) {
			*why = "not a GET INPUT";
			return STK_E_INVALID;
		}
		r = input_response(pp, a->input, tr, why);
		return r;
	default:
		*why = "unknown answer";
		return STK_E_INVALID;
	}
}

/* ---- the dialog --------------------------------------------------------- */

/* Byte length of the first n code points of s. */
static size_t
utf8_prefix(const char *s, size_t n)
{
	size_t i = 0;

	while (s[i] != '\0') {
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (n == 0)
				break;
			n--;
		}
		i++;
	}
	return i;
}

static void
rule(FILE *f, unsigned width)
{
	unsigned i;

	fputc('+', f);
	for (i = 0; i < width + 2; i++)
		fputc('-', f);
	fputs("+\n", f);
}

/* One framed line of at most width code points. */
static void
framed(FILE *f, const char *s, size_t bytes, unsigned width)
{
	char tmp[PHONE_TEXT_MAX];
	size_t n;

	if (bytes >= sizeof(tmp))
		bytes = sizeof(tmp) - 1;
	memcpy(tmp, s, bytes);
	tmp[bytes] = '\0';
	n = utf8_chars(tmp);
	fprintf(f, "| %s%*s |\n", tmp, (int)(width > n ? width - n : 0), "");
}

/* Word-wrap text into framed lines; newlines break lines. */
static void
wrapped(FILE *f, const char *text, unsigned width)
{
	const char *p = text;

	if (*p == '\0')
		return;
	while (*p != '\0') {
		size_t line = strcspn(p, "\n"), take = line;

		if (utf8_chars_n(p, line) > width) {
			size_t cut = utf8_prefix(p, width), sp = cut;

			while (sp > 0 && p[sp] != ' ')
				sp--;
			take = sp > 0 ? sp : cut;
		}
		framed(f, p, take, width);
		p += take;
		if (*p == ' ' || *p == '\n')
			p++;
	}
}

void
phone_popup_render(const struct phone_popup *pp, FILE *f, unsigned width)
{
	char buf[64];
	size_t i;

	if (width < 20)
		width = 20;
	if (width > 120)
		width = 120;
	rule(f, width);
	wrapped(f, pp->title[0] != '\0' ? pp->title : "SIM Toolkit", width);
	rule(f, width);
	wrapped(f, pp->text, width);
	switch (pp->kind) {
	case PHONE_POPUP_SELECT_ITEM:
		for (i = 0; i < pp->nitems; i++) {
			char line[PHONE_TEXT_MAX + 16];

			snprintf(line, sizeof(line), "%c%3u) %s",
			    pp->has_default_item &&
			    pp->items[i].id == pp->default_item ? '*' : ' ',
			    pp->items[i].id, pp->items[i].text);
			wrapped(f, line, width);
		}
		rule(f, width);
		wrapped(f, "number+Enter: choose  Enter: default  b: back  "
		    "x: end", width);
		break;
	case PHONE_POPUP_GET_INPUT:
		snprintf(buf, sizeof(buf), "%s, %u-%u characters%s",
		    pp->digits_only ? "digits" : pp->ucs2 ? "any text" :
		    "SMS alphabet", pp->min_len, pp->max_len,
		    pp->hidden ? ", hidden" : "");
		wrapped(f, buf, width);
		rule(f, width);
		wrapped(f, "type+Enter: answer  /b: back  /x: end", width);
		break;
	default:
		rule(f, width);
		wrapped(f, pp->immediate_response ? "(shown; no answer needed)"
		    : "Enter: OK  b: back  x: end", width);
		break;
	}
	rule(f, width);
	fflush(f);
}

void
phone_quote(const char *s, char *out, size_t outsz)
{
	size_t o = 0;

	if (outsz < 3) {
		if (outsz > 0)
			out[0] = '\0';
		return;
	}
	out[o++] = '"';
	for (; *s != '\0' && o + 3 < outsz; s++) {
		char esc = 0;

		switch (*s) {
		case '"': esc = '"'; break;
		case '\\': esc = '\\'; break;
		case '\n': esc = 'n'; break;
		case '\t': esc = 't'; break;
		case '\r': esc = 'r'; break;
		default: break;
		}
		if (esc != 0) {
			out[o++] = '\\';
			out[o++] = esc;
		} else if ((unsigned char)*s < 0x20) {
			out[o++] = '?';
		} else {
			out[o++] = *s;
		}
	}
	out[o++] = '"';
	out[o] = '\0';
}

int
phone_popup_status(const struct phone_popup *pp, char *out, size_t outsz)
{
	char q[2 * PHONE_TEXT_MAX + 3], items[4096];
	size_t i, o = 0;
	int n;

	if (outsz == 0)
		return STK_E_NOSPACE;
	out[0] = '\0';
	if (pp->kind == PHONE_POPUP_NONE) {
		n = snprintf(out, outsz, "NONE");
		return n < 0 || (size_t)n >= outsz ? STK_E_NOSPACE : 0;
	}
	n = snprintf(out + o, outsz - o, "%s cmd=%u",
	    phone_popup_kind_name(pp->kind), pp->cmd.number);
	if (n < 0 || (size_t)n >= outsz - o)
		return STK_E_NOSPACE;
	o += (size_t)n;
	phone_quote(pp->title, q, sizeof(q));
	n = snprintf(out + o, outsz - o, " title=%s", q);
	if (n < 0 || (size_t)n >= outsz - o)
		return STK_E_NOSPACE;
	o += (size_t)n;
	phone_quote(pp->text, q, sizeof(q));
	n = snprintf(out + o, outsz - o, " text=%s", q);
	if (n < 0 || (size_t)n >= outsz - o)
		return STK_E_NOSPACE;
	o += (size_t)n;
	if (pp->kind == PHONE_POPUP_SELECT_ITEM) {
		size_t io = 0;

		items[0] = '\0';
		for (i = 0; i < pp->nitems && io < sizeof(items); i++) {
			n = snprintf(items + io, sizeof(items) - io, "%s%02X:%s",
			    i > 0 ? "|" : "", pp->items[i].id,
			    pp->items[i].text);
			if (n < 0)
				return STK_E_NOSPACE;
			io += (size_t)n;
		}
		phone_quote(items, q, sizeof(q));
		n = snprintf(out + o, outsz - o, " items=%s", q);
		if (n < 0 || (size_t)n >= outsz - o)
			return STK_E_NOSPACE;
		o += (size_t)n;
		if (pp->has_default_item) {
			n = snprintf(out + o, outsz - o, " default=%02X",
			    pp->default_item);
			if (n < 0 || (size_t)n >= outsz - o)
				return STK_E_NOSPACE;
			o += (size_t)n;
		}
	} else if (pp->kind == PHONE_POPUP_GET_INPUT) {
		n = snprintf(out + o, outsz - o, " input=%u-%u,%s%s",
		    pp->min_len, pp->max_len, pp->digits_only ? "digits" :
		    pp->ucs2 ? "ucs2" : "sms", pp->hidden ? ",hidden" : "");
		if (n < 0 || (size_t)n >= outsz - o)
			return STK_E_NOSPACE;
	} else if (pp->wait_for_user) {
		n = snprintf(out + o, outsz - o, " wait-for-user");
		if (n < 0 || (size_t)n >= outsz - o)
			return STK_E_NOSPACE;
	}
	return 0;
}
