/*
 * faults.c - fault settings: per path (delay, loss, duplication, reordering
 * of concatenated segments) and per modem (+CMS ERROR rates, hang, drop,
 * SIM busy after PIN).  Keys are the same in the INI [faults] section and
 * in POST /faults on the control port (docs/NETSIM.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "ns_priv.h"

#define STAR NS_ENT_KIND_COUNT

int
ns_parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *v)
{
	unsigned long x = 0;
	size_t i, n = strlen(s);

	if (n == 0 || n > 9)
		return STK_E_INVALID;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return STK_E_INVALID;
		x = x * 10 + (unsigned long)(s[i] - '0');
	}
	if (x < lo || x > hi)
		return STK_E_INVALID;
	*v = (unsigned)x;
	return 0;
}

void
ns_path_faults_init(struct ns_path_faults
    p[NS_ENT_KIND_COUNT + 1][NS_ENT_KIND_COUNT + 1])
{
	size_t i, j;

	for (i = 0; i <= STAR; i++)
		for (j = 0; j <= STAR; j++) {
			p[i][j].delay_ms = -1;
			p[i][j].loss_pct = -1;
			p[i][j].dup_pct = -1;
			p[i][j].reorder_ms = -1;
		}
}

static int
kind_index(const char *s, size_t n)
{
	unsigned k;

	if (n == 1 && s[0] == '*')
		return STAR;
	for (k = 0; k < NS_ENT_KIND_COUNT; k++)
		if (strlen(ns_entity_kind_name(k)) == n &&
		    strncmp(ns_entity_kind_name(k), s, n) == 0)
			return (int)k;
	return -1;
}

/* key: "FROM->TO.field" (the "path." prefix removed). */
int
ns_path_fault_set(struct ns_path_faults
    p[NS_ENT_KIND_COUNT + 1][NS_ENT_KIND_COUNT + 1], const char *key,
    const char *value, char *err, size_t errsz)
{
	const char *arrow = strstr(key, "->");
	const char *dot = strrchr(key, '.');
	struct ns_path_faults *f;
	int from, to;
	unsigned v, hi;
	int *slot;

	if (arrow == NULL || dot == NULL || dot < arrow) {
		snprintf(err, errsz, "path fault key must be "
		    "path.FROM->TO.FIELD, not \"path.%s\"", key);
		return STK_E_INVALID;
	}
	from = kind_index(key, (size_t)(arrow - key));
	to = kind_index(arrow + 2, (size_t)(dot - arrow - 2));
	if (from < 0 || to < 0) {
		snprintf(err, errsz, "unknown path in \"path.%s\" (kinds: "
		    "subscriber, modem, smpp, *)", key);
		return STK_E_INVALID;
	}
	f = &p[from][to];
	if (strcmp(dot + 1, "delay_ms") == 0) {
		slot = &f->delay_ms;
		hi = 600000;
	} else if (strcmp(dot + 1, "loss_pct") == 0) {
		slot = &f->loss_pct;
		hi = 100;
	} else if (strcmp(dot + 1, "dup_pct") == 0) {
		slot = &f->dup_pct;
		hi = 100;
	} else if (strcmp(dot + 1, "reorder_ms") == 0) {
		slot = &f->reorder_ms;
		hi = 60000;
	} else {
		snprintf(err, errsz, "unknown path fault \"%s\" (delay_ms, "
		    "loss_pct, dup_pct, reorder_ms)", dot + 1);
		return STK_E_NOT_FOUND;
	}
	if (ns_parse_uint(value, 0, hi, &v) != 0) {
		snprintf(err, errsz, "%s: \"%s\" is not a number 0..%u",
		    dot + 1, value, hi);
		return STK_E_INVALID;
	}
	*slot = (int)v;
	return 0;
}

static int
pick(int exact, int from_star, int star_to, int star_star)
{
	if (exact >= 0)
		return exact;
	if (from_star >= 0)
		return from_star;
	if (star_to >= 0)
		return star_to;
	return star_star >= 0 ? star_star : 0;
}

void
ns_path_faults_get(const struct ns_path_faults
    p[NS_ENT_KIND_COUNT + 1][NS_ENT_KIND_COUNT + 1], unsigned from,
    unsigned to, struct ns_path_faults *out)
{
	const struct ns_path_faults *e, *fs, *st, *ss;

	if (from > STAR)
		from = STAR;
	if (to > STAR)
		to = STAR;
	e = &p[from][to];
	fs = &p[from][STAR];
	st = &p[STAR][to];
	ss = &p[STAR][STAR];
	out->delay_ms = pick(e->delay_ms, fs->delay_ms, st->delay_ms,
	    ss->delay_ms);
	out->loss_pct = pick(e->loss_pct, fs->loss_pct, st->loss_pct,
	    ss->loss_pct);
	out->dup_pct = pick(e->dup_pct, fs->dup_pct, st->dup_pct,
	    ss->dup_pct);
	out->reorder_ms = pick(e->reorder_ms, fs->reorder_ms, st->reorder_ms,
	    ss->reorder_ms);
}

static int
parse_bool(const char *s, bool *v)
{
	if (strcmp(s, "1") == 0 || strcmp(s, "yes") == 0 ||
	    strcmp(s, "true") == 0 || strcmp(s, "on") == 0)
		*v = true;
	else if (strcmp(s, "0") == 0 || strcmp(s, "no") == 0 ||
	    strcmp(s, "false") == 0 || strcmp(s, "off") == 0)
		*v = false;
	else
		return STK_E_INVALID;
	return 0;
}

/*
 * key: the field ("cms_error_pct", "cms_error_codes", "hang", "drop",
 * "sim_busy_ms"); the caller removed "modem.NAME.".
 */
int
ns_modem_fault_set(struct ns_modem_faults *f, const char *key,
    const char *value, char *err, size_t errsz)
{
	if (strcmp(key, "cms_error_pct") == 0) {
		if (ns_parse_uint(value, 0, 100, &f->cms_error_pct) != 0)
			goto bad_number;
	} else if (strcmp(key, "cms_error_codes") == 0) {
		/* Comma-separated TS 27.005 §3.2.5 codes, e.g. 500,512,330. */
		char buf[96], *tok, *save = NULL;
		struct ns_modem_faults tmp = *f;

		if (strlen(value) >= sizeof(buf))
			goto bad_list;
		memcpy(buf, value, strlen(value) + 1);
		tmp.ncms_codes = 0;
		for (tok = strtok_r(buf, ",", &save); tok != NULL;
		    tok = strtok_r(NULL, ",", &save)) {
			while (*tok == ' ')
				tok++;
			if (tmp.ncms_codes == NS_CMS_CODES_MAX ||
			    ns_parse_uint(tok, 0, 999,
			    &tmp.cms_codes[tmp.ncms_codes]) != 0)
				goto bad_list;
			tmp.ncms_codes++;
		}
		if (tmp.ncms_codes == 0)
			goto bad_list;
		*f = tmp;
	} else if (strcmp(key, "hang") == 0) {
		if (parse_bool(value, &f->hang) != 0)
			goto bad_bool;
	} else if (strcmp(key, "drop") == 0) {
		if (parse_bool(value, &f->drop) != 0)
			goto bad_bool;
	} else if (strcmp(key, "sim_busy_ms") == 0) {
		if (ns_parse_uint(value, 0, 600000, &f->sim_busy_ms) != 0)
			goto bad_number;
	} else {
		snprintf(err, errsz, "unknown modem fault \"%s\" "
		    "(cms_error_pct, cms_error_codes, hang, drop, sim_busy_ms)",
		    key);
		return STK_E_NOT_FOUND;
	}
	return 0;
bad_number:
	snprintf(err, errsz, "%s: \"%s\" is out of range", key, value);
	return STK_E_INVALID;
bad_list:
	snprintf(err, errsz, "%s: \"%s\" is not a list of 1..%d codes 0..999",
	    key, value, NS_CMS_CODES_MAX);
	return STK_E_INVALID;
bad_bool:
	snprintf(err, errsz, "%s: \"%s\" is not a boolean", key, value);
	return STK_E_INVALID;
}
