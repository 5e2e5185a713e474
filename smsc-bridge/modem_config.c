/*
 * modem_config.c - the [transport NAME] keys of a modem pool (see
 * modem_config.h): one table of per-modem keys with their parsers and
 * defaults, looked up as NAME.KEY first, then KEY.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "modem_config.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

int64_t
modem_parse_duration(const char *text)
{
	char *end;
	double v = strtod(text, &end);

	if (end == text || v < 0 || v > 86400000.0)
		return -1;
	while (*end == ' ')
		end++;
	if (strcmp(end, "ms") == 0)
		return (int64_t)v;
	if (*end == '\0' || strcmp(end, "s") == 0)
		return (int64_t)(v * 1000.0);
	return -1;
}

static bool
all_digits(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);

	if (n < min || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

static bool
parse_hex16(const char *s, size_t n, unsigned *v)
{
	unsigned x = 0;

	if (n != 4)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return false;
		x = x * 16 + (unsigned)(isdigit((unsigned char)s[i]) ?
		    s[i] - '0' : (tolower((unsigned char)s[i]) - 'a' + 10));
	}
	*v = x;
	return true;
}

int
modem_link_parse(const char *spec, struct modem_link_cfg *out, char *err,
    size_t errsz)
{
	const char *colon;
	size_t n;

	memset(out, 0, sizeof(*out));
	out->baud = 115200;
	if (strncmp(spec, "tcp:", 4) == 0) {
		const char *hp = spec + 4;

		out->kind = MODEM_LINK_TCP;
		if (*hp == '[') {	/* [v6]:port */
			const char *rb = strchr(hp, ']');

			if (rb == NULL || rb[1] != ':')
				goto bad;
			n = (size_t)(rb - hp - 1);
			colon = rb + 1;
			hp++;
		} else {
			if ((colon = strrchr(hp, ':')) == NULL)
				goto bad;
			n = (size_t)(colon - hp);
		}
		if (n == 0 || n >= sizeof(out->host) ||
		    !all_digits(colon + 1, 1, 5) || atoi(colon + 1) == 0 ||
		    atoi(colon + 1) > 65535)
			goto bad;
		memcpy(out->host, hp, n);
		out->host[n] = '\0';
		snprintf(out->port, sizeof(out->port), "%s", colon + 1);
		return STK_OK;
	}
	if (strncmp(spec, "serial:usb:", 11) == 0) {
		const char *v = spec + 11;
		const char *sn;

		out->kind = MODEM_LINK_SERIAL;
		out->by_usb = true;
		if (!parse_hex16(v, 4, &out->usb_vid) || v[4] != ':' ||
		    !parse_hex16(v + 5, 4, &out->usb_pid))
			goto bad;
		sn = v + 9;
		if (*sn == ':') {
			if (strlen(sn + 1) == 0 ||
			    strlen(sn + 1) >= sizeof(out->usb_serial))
				goto bad;
			snprintf(out->usb_serial, sizeof(out->usb_serial), "%s",
			    sn + 1);
		} else if (*sn != '\0') {
			goto bad;
		}
		return STK_OK;
	}
	if (strncmp(spec, "serial:", 7) == 0) {
		out->kind = MODEM_LINK_SERIAL;
		if (spec[7] != '/' || strlen(spec + 7) >= sizeof(out->path))
			goto bad;
		snprintf(out->path, sizeof(out->path), "%s", spec + 7);
		return STK_OK;
	}
bad:
	snprintf(err, errsz, "\"%s\" is not tcp:HOST:PORT, serial:/dev/PATH "
	    "or serial:usb:VID:PID[:SERIAL]", spec);
	return STK_E_INVALID;
}

int
modem_route_score(const struct modem_cfg *m, const char *dest)
{
	int best = -1;

	if (m->nroutes == 0)
		return 0;
	for (size_t i = 0; i < m->nroutes; i++) {
		size_t n = strlen(m->routes[i]);

		if (strncmp(dest, m->routes[i], n) == 0 && (int)n > best)
			best = (int)n;
	}
	return best;
}

/* ---- per-modem keys ---- */

struct loader {
	const struct transport_config *tc;
	struct modem_cfg *m;
	char *err;
	size_t errsz;
	char key[80];		/* the key actually found, for messages */
};

static int
fail(struct loader *l, const char *val, const char *what)
{
	snprintf(l->err, l->errsz, "%s = %s: %s", l->key, val, what);
	return STK_E_INVALID;
}

static int
k_pin(struct loader *l, const char *v)
{
	if (!all_digits(v, 4, 8))
		return fail(l, "<hidden>", "a PIN is 4 to 8 digits");
	snprintf(l->m->me.pin, sizeof(l->m->me.pin), "%s", v);
	return STK_OK;
}

static int
k_smsc(struct loader *l, const char *v)
{
	if (!all_digits(v[0] == '+' ? v + 1 : v, 3, 20))
		return fail(l, v, "an SMSC number is [+]digits");
	snprintf(l->m->me.smsc, sizeof(l->m->me.smsc), "%s", v);
	return STK_OK;
}

static int
k_rate(struct loader *l, const char *v)
{
	char *end;
	double r = strtod(v, &end);

	if (end == v || *end != '\0' || r < 0 || r > 1000)
		return fail(l, v, "messages per second, 0 (no limit) to 1000");
	l->m->me.rate = r;
	return STK_OK;
}

static int
k_cnmi(struct loader *l, const char *v)
{
	if (strcmp(v, "cmt") == 0)
		l->m->me.mt = ME_MT_CMT;
	else if (strcmp(v, "cmti") == 0)
		l->m->me.mt = ME_MT_CMTI;
	else
		return fail(l, v, "cmt (direct, acknowledged with +CNMA) or "
		    "cmti (stored, read with +CMGR)");
	return STK_OK;
}

static int
k_ds(struct loader *l, const char *v)
{
	if (strcmp(v, "cds") == 0)
		l->m->me.ds = ME_DS_CDS;
	else if (strcmp(v, "cdsi") == 0)
		l->m->me.ds = ME_DS_CDSI;
	else if (strcmp(v, "none") == 0)
		l->m->me.ds = ME_DS_NONE;
	else
		return fail(l, v, "cds, cdsi or none");
	return STK_OK;
}

static int
duration(struct loader *l, const char *v, int64_t min, int64_t *out)
{
	int64_t d = modem_parse_duration(v);

	if (d < min)
		return fail(l, v, min > 0 ? "a positive duration (10s, 500ms)" :
		    "a duration (10s, 500ms, 0 = off)");
	*out = d;
	return STK_OK;
}

static int
k_cmd_to(struct loader *l, const char *v)
{
	return duration(l, v, 1, &l->m->me.cmd_timeout_ms);
}

static int
k_send_to(struct loader *l, const char *v)
{
	return duration(l, v, 1, &l->m->me.send_timeout_ms);
}

static int
k_keepalive(struct loader *l, const char *v)
{
	return duration(l, v, 0, &l->m->me.keepalive_ms);
}

static int
k_init_to(struct loader *l, const char *v)
{
	return duration(l, v, 1, &l->m->me.init_timeout_ms);
}

static int
k_retry(struct loader *l, const char *v)
{
	return duration(l, v, 1, &l->m->me.retry_ms);
}

static int
k_baud(struct loader *l, const char *v)
{
	if (!all_digits(v, 3, 7))
		return fail(l, v, "a baud rate (9600, 115200, ...)");
	l->m->link.baud = (unsigned)atoi(v);
	return STK_OK;
}

static int
k_flow(struct loader *l, const char *v)
{
	static const struct {
		const char *name;
		enum modem_flow flow;
	} flows[] = {
		{ "none", MODEM_FLOW_NONE }, { "rtscts", MODEM_FLOW_RTSCTS },
		{ "xonxoff", MODEM_FLOW_XONXOFF }, { "dtrdsr", MODEM_FLOW_DTRDSR },
	};

	for (size_t i = 0; i < NELEM(flows); i++)
		if (strcmp(v, flows[i].name) == 0) {
			l->m->link.flow = flows[i].flow;
			return STK_OK;
		}
	return fail(l, v, "none, rtscts, xonxoff or dtrdsr");
}

static int
k_route(struct loader *l, const char *v)
{
	char buf[512], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", v);
	for (tok = strtok_r(buf, " ,", &save); tok != NULL;
	    tok = strtok_r(NULL, " ,", &save)) {
		if (tok[0] != '+' || !all_digits(tok + 1, 1, 15))
			return fail(l, v, "prefixes of E.164 numbers: +3725 ...");
		if (l->m->nroutes == MODEM_ROUTES_MAX)
			return fail(l, v, "at most 16 prefixes");
		snprintf(l->m->routes[l->m->nroutes++], sizeof(l->m->routes[0]),
		    "%s", tok);
	}
	return STK_OK;
}

/* Keys a modem takes from NAME.KEY, else from the pool-wide KEY. */
static const struct {
	const char *key;
	int (*parse)(struct loader *l, const char *val);
	bool per_modem_only;
} modem_keys[] = {
	{ "pin", k_pin, false },
	{ "smsc", k_smsc, false },
	{ "rate", k_rate, false },
	{ "cnmi", k_cnmi, false },
	{ "status_reports", k_ds, false },
	{ "command_timeout", k_cmd_to, false },
	{ "send_timeout", k_send_to, false },
	{ "keepalive", k_keepalive, false },
	{ "init_timeout", k_init_to, false },
	{ "retry", k_retry, false },
	{ "baud", k_baud, false },
	{ "flow", k_flow, false },
	{ "route", k_route, true },	/* plain "route" is the core's */
};

static void
defaults(struct modem_cfg *m)
{
	m->me.mt = ME_MT_CMT;
	m->me.ds = ME_DS_CDS;
	m->me.rate = 0;
	m->me.cmd_timeout_ms = 10000;
	m->me.send_timeout_ms = 60000;
	m->me.keepalive_ms = 30000;
	m->me.init_timeout_ms = 120000;
	m->me.retry_ms = 1000;
}

static int
get(const struct transport_config *tc, const char *key, const char **val)
{
	return tc->get(tc->cfg, key, val);
}

static int
load_modem(const struct transport_config *tc, struct modem_cfg *m,
    char *err, size_t errsz)
{
	struct loader l = { tc, m, err, errsz, "" };
	char inner[400];
	const char *v;
	int r;

	defaults(m);
	snprintf(l.key, sizeof(l.key), "%s.link", m->name);
	if (get(tc, l.key, &v) != STK_OK) {
		snprintf(err, errsz, "%s: missing (tcp:HOST:PORT or "
		    "serial:...)", l.key);
		return STK_E_INVALID;
	}
	snprintf(m->spec, sizeof(m->spec), "%s", v);
	if (modem_link_parse(v, &m->link, inner, sizeof(inner)) != STK_OK) {
		snprintf(err, errsz, "%s: %s", l.key, inner);
		return STK_E_INVALID;
	}
	for (size_t i = 0; i < NELEM(modem_keys); i++) {
		snprintf(l.key, sizeof(l.key), "%s.%s", m->name,
		    modem_keys[i].key);
		r = get(tc, l.key, &v);
		if (r != STK_OK && !modem_keys[i].per_modem_only) {
			snprintf(l.key, sizeof(l.key), "%s", modem_keys[i].key);
			r = get(tc, l.key, &v);
		}
		if (r == STK_OK && (r = modem_keys[i].parse(&l, v)) != STK_OK)
			return r;
	}
	/* Names are at most MODEM_NAME_MAX (checked by the caller). */
	memcpy(m->me.name, m->name, sizeof(m->name));
	return STK_OK;
}

static bool
good_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > MODEM_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

static int
pool_duration(const struct transport_config *tc, const char *key,
    int64_t def, int64_t *out, char *err, size_t errsz)
{
	const char *v;

	*out = def;
	if (get(tc, key, &v) != STK_OK)
		return STK_OK;
	if ((*out = modem_parse_duration(v)) <= 0) {
		snprintf(err, errsz, "%s = %s: a positive duration (2s, 500ms)",
		    key, v);
		return STK_E_INVALID;
	}
	return STK_OK;
}

int
modem_config_load(const struct transport_config *tc,
    struct modem_pool_cfg *out, char *err, size_t errsz)
{
	char list[1024], *tok, *save = NULL;
	const char *v;
	int r;

	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", tc->name);
	if (get(tc, "modems", &v) != STK_OK) {
		snprintf(err, errsz, "modems: missing (the names of the "
		    "modems, e.g. \"modems = gsm0 gsm1\")");
		return STK_E_INVALID;
	}
	if (strlen(v) >= sizeof(list)) {
		snprintf(err, errsz, "modems: too long");
		return STK_E_INVALID;
	}
	snprintf(list, sizeof(list), "%s", v);
	for (tok = strtok_r(list, " ,", &save); tok != NULL;
	    tok = strtok_r(NULL, " ,", &save)) {
		if (!good_name(tok)) {
			snprintf(err, errsz, "modems: \"%s\" is not a name "
			    "(letters, digits, _ and -, at most 31)", tok);
			return STK_E_INVALID;
		}
		for (size_t i = 0; i < out->n; i++)
			if (strcmp(out->m[i].name, tok) == 0) {
				snprintf(err, errsz, "modems: \"%s\" twice",
				    tok);
				return STK_E_INVALID;
			}
		if (out->n == MODEM_MAX) {
			snprintf(err, errsz, "modems: at most %d", MODEM_MAX);
			return STK_E_INVALID;
		}
		snprintf(out->m[out->n].name, sizeof(out->m[0].name), "%s",
		    tok);
		if ((r = load_modem(tc, &out->m[out->n], err, errsz)) != STK_OK)
			return r;
		out->n++;
	}
	if (out->n == 0) {
		snprintf(err, errsz, "modems: empty");
		return STK_E_INVALID;
	}
	if ((r = pool_duration(tc, "backoff_min", 1000, &out->backoff_min_ms,
	    err, errsz)) != STK_OK ||
	    (r = pool_duration(tc, "backoff_max", 60000, &out->backoff_max_ms,
	    err, errsz)) != STK_OK ||
	    (r = pool_duration(tc, "queue_timeout", 30000,
	    &out->queue_timeout_ms, err, errsz)) != STK_OK)
		return r;
	if (out->backoff_max_ms < out->backoff_min_ms) {
		snprintf(err, errsz, "backoff_max is below backoff_min");
		return STK_E_INVALID;
	}
	return STK_OK;
}
