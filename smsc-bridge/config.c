/*
 * config.c - the bridge's INI file (inih), validated when loaded
 * (docs/BRIDGE.md §2).  Every [bridge] key is in the table below with its
 * range; an unknown section or key, a malformed number or a value out of
 * range is "FILE:LINE: message".  [transport NAME] sections: the core
 * reads `type` and `route`, every other key is kept for the transport,
 * which checks it itself (transport_ops.check).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ini.h>

#include "bridge.h"
#include "err.h"
#include "log.h"

enum kind { K_STR, K_UINT, K_BOOL, K_LEVEL, K_DUR };

struct key {
	const char *name;
	enum kind kind;
	size_t off;
	size_t size;			/* K_STR: buffer size */
	unsigned min, max;		/* K_UINT; K_DUR: seconds, or 0 */
};

#define S(f) K_STR, offsetof(struct bridge_config, f), \
	sizeof(((struct bridge_config *)0)->f), 0, 0
#define U(f, lo, hi) K_UINT, offsetof(struct bridge_config, f), 0, lo, hi
#define D(f, lo, hi) K_DUR, offsetof(struct bridge_config, f), 0, lo, hi

#define DAY_S	86400u

static const struct key keys[] = {
	{ "name",		S(name) },
	{ "server_url",		S(server_url) },
	{ "ca_file",		S(ca_file) },
	{ "token_file",		S(token_file) },
	{ "state_dir",		S(state_dir) },
	{ "queue_db",		S(queue_db) },
	{ "keystore",		S(keystore) },
	{ "metrics_listen",	S(metrics_listen) },
	{ "log_level",		K_LEVEL, offsetof(struct bridge_config,
				    log_level), 0, 0, 0 },
	{ "claim_max_jobs",	U(claim_max_jobs, 1, 10) },
	{ "lease_ms",		U(lease_ms, 1000, 300000) },
	{ "claim_wait_ms",	U(claim_wait_ms, 0, 30000) },
	{ "http_timeout_s",	U(http_timeout_s, 1, 300) },
	{ "max_jobs_in_flight",	U(max_jobs_in_flight, 1, 10000) },
	{ "send_attempts",	U(send_attempts, 1, 100) },
	{ "post_attempts",	U(post_attempts, 1, 1000) },
	{ "retry_base_ms",	U(retry_base_ms, 10, 600000) },
	{ "retry_max_ms",	U(retry_max_ms, 10, 3600000) },
	{ "reassembly_timeout_s", U(reasm_timeout_s, 1, 86400) },
	{ "lease_margin_ms",	U(lease_margin_ms, 0, 60000) },
	/* At least an hour: a late status report or PoR still finds its
	 * job (queue.c JOB_GONE). */
	{ "queue_retention",	D(queue_retention_s, 3600, 3650 * DAY_S) },
	{ "status_report",	K_BOOL, offsetof(struct bridge_config,
				    status_report), 0, 0, 0 },
};

struct pctx {
	struct bridge_config *cfg;
	char *err;
	size_t errsz;
	struct bridge_tconf *cur;	/* current [transport] section */
	char section[64];
};

static void
seterr(struct pctx *p, const char *fmt, ...)
{
	va_list ap;

	if (p->err[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(p->err, p->errsz, fmt, ap);
	va_end(ap);
}

static void
defaults(struct bridge_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "bridge");
	snprintf(c->state_dir, sizeof(c->state_dir), ".");
	c->log_level = STK_LOG_INFO;
	c->claim_max_jobs = 5;
	c->lease_ms = 60000;
	c->claim_wait_ms = 25000;
	c->http_timeout_s = 15;
	c->max_jobs_in_flight = 50;
	c->send_attempts = 5;
	c->post_attempts = 50;
	c->retry_base_ms = 1000;
	c->retry_max_ms = 60000;
	c->reasm_timeout_s = 600;
	c->lease_margin_ms = 2000;
	c->queue_retention_s = 7 * DAY_S;
	c->status_report = true;
}

static int
parse_uint(const char *v, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long x;

	if (*v < '0' || *v > '9')
		return -1;
	errno = 0;
	x = strtoul(v, &end, 10);
	if (errno != 0 || *end != '\0' || x < min || x > max)
		return -1;
	*out = (unsigned)x;
	return 0;
}

/* Units of a duration: "90", "90s", "15m", "12h", "7d". */
static const struct {
	char suffix;
	unsigned seconds;
} dur_units[] = {
	{ '\0', 1 }, { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', DAY_S },
};

/* A duration in seconds: 0, or min..max. */
static int
parse_duration(const char *v, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long long x;

	if (*v < '0' || *v > '9')
		return -1;
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno != 0 || (end[0] != '\0' && end[1] != '\0'))
		return -1;
	for (size_t i = 0; i < sizeof(dur_units) / sizeof(dur_units[0]);
	    i++) {
		if (dur_units[i].suffix != end[0])
			continue;
		if (x > max / dur_units[i].seconds)
			return -1;
		x *= dur_units[i].seconds;
		if (x != 0 && x < min)
			return -1;
		*out = (unsigned)x;
		return 0;
	}
	return -1;
}

static int
set_bridge_key(struct pctx *p, const char *name, const char *val)
{
	struct bridge_config *c = p->cfg;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const struct key *k = &keys[i];
		char *field = (char *)c + k->off;
		int lv;

		if (strcmp(k->name, name) != 0)
			continue;
		switch (k->kind) {
		case K_STR:
			if (strlen(val) >= k->size) {
				seterr(p, "%s: longer than %zu", name,
				    k->size - 1);
				return 0;
			}
			memcpy(field, val, strlen(val) + 1);
			return 1;
		case K_UINT:
			if (parse_uint(val, k->min, k->max,
			    (unsigned *)(void *)field) != 0) {
				seterr(p, "%s: a number %u..%u expected", name,
				    k->min, k->max);
				return 0;
			}
			return 1;
		case K_DUR:
			if (parse_duration(val, k->min, k->max,
			    (unsigned *)(void *)field) != 0) {
				seterr(p, "%s: 0 (keep forever) or %uh..%ud "
				    "(a number of seconds, or with s, m, h or "
				    "d)", name, k->min / 3600, k->max / DAY_S);
				return 0;
			}
			return 1;
		case K_BOOL:
			if (strcmp(val, "yes") == 0 || strcmp(val, "1") == 0 ||
			    strcmp(val, "true") == 0)
				*(bool *)(void *)field = true;
			else if (strcmp(val, "no") == 0 ||
			    strcmp(val, "0") == 0 || strcmp(val, "false") == 0)
				*(bool *)(void *)field = false;
			else {
				seterr(p, "%s: yes or no expected", name);
				return 0;
			}
			return 1;
		case K_LEVEL:
			if ((lv = stk_log_level_parse(val)) < 0) {
				seterr(p, "%s: error, warn, info or debug",
				    name);
				return 0;
			}
			*(int *)(void *)field = lv;
			return 1;
		}
	}
	seterr(p, "unknown key \"%s\" in [bridge]", name);
	return 0;
}

/* "+372, +4917 ,+1" -> routes; each "+" then digits, or "*". */
static int
set_routes(struct pctx *p, struct bridge_tconf *t, const char *val)
{
	char buf[512], *save = NULL, *tok;

	if (strlen(val) >= sizeof(buf)) {
		seterr(p, "route: too long");
		return 0;
	}
	memcpy(buf, val, strlen(val) + 1);
	for (tok = strtok_r(buf, ", \t", &save); tok != NULL;
	    tok = strtok_r(NULL, ", \t", &save)) {
		size_t n = strlen(tok);
		bool okp = n >= 1 && n <= KS_MSISDN_MAX &&
		    (strcmp(tok, "*") == 0 || tok[0] == '+');

		for (size_t i = 1; okp && i < n && tok[0] == '+'; i++)
			okp = tok[i] >= '0' && tok[i] <= '9';
		if (!okp) {
			seterr(p, "route: \"%s\" is not \"+digits\" or \"*\"",
			    tok);
			return 0;
		}
		if (t->nroutes >= BRIDGE_ROUTES_MAX) {
			seterr(p, "route: at most %d prefixes",
			    BRIDGE_ROUTES_MAX);
			return 0;
		}
		memcpy(t->routes[t->nroutes++], tok, n + 1);
	}
	return 1;
}

static int
set_transport_key(struct pctx *p, struct bridge_tconf *t, const char *name,
    const char *val)
{
	struct bridge_kv *kv;

	if (strcmp(name, "type") == 0) {
		if (strlen(val) >= sizeof(t->type) || val[0] == '\0') {
			seterr(p, "type: modem, smpp or loop expected");
			return 0;
		}
		memcpy(t->type, val, strlen(val) + 1);
		return 1;
	}
	if (strcmp(name, "route") == 0)
		return set_routes(p, t, val);
	kv = realloc(t->kv, (t->nkv + 1) * sizeof(*kv));
	if (kv == NULL) {
		seterr(p, "out of memory");
		return 0;
	}
	t->kv = kv;
	kv = &t->kv[t->nkv];
	kv->key = strdup(name);
	kv->val = strdup(val);
	kv->line = 0;
	if (kv->key == NULL || kv->val == NULL) {
		free(kv->key);
		free(kv->val);
		seterr(p, "out of memory");
		return 0;
	}
	t->nkv++;
	return 1;
}

static int
handler(void *user, const char *section, const char *name, const char *val)
{
	struct pctx *p = user;
	struct bridge_config *c = p->cfg;

	if (strcmp(section, p->section) != 0) {
		snprintf(p->section, sizeof(p->section), "%s", section);
		p->cur = NULL;
		if (strncmp(section, "transport ", 10) == 0) {
			const char *tn = section + 10;

			if (*tn == '\0' || strlen(tn) > BRIDGE_NAME_MAX) {
				seterr(p, "[%s]: a name of 1..%d characters",
				    section, BRIDGE_NAME_MAX);
				return 0;
			}
			for (size_t i = 0; i < c->nt; i++)
				if (strcmp(c->t[i].name, tn) == 0) {
					seterr(p, "[%s] appears twice",
					    section);
					return 0;
				}
			if (c->nt >= BRIDGE_TRANSPORTS_MAX) {
				seterr(p, "at most %d transports",
				    BRIDGE_TRANSPORTS_MAX);
				return 0;
			}
			p->cur = &c->t[c->nt++];
			snprintf(p->cur->name, sizeof(p->cur->name), "%s", tn);
		} else if (strcmp(section, "bridge") != 0) {
			seterr(p, "unknown section [%s]", section);
			return 0;
		}
	}
	if (p->cur != NULL)
		return set_transport_key(p, p->cur, name, val);
	return set_bridge_key(p, name, val);
}

bool
bridge_host_is_loopback(const char *h)
{
	return strcmp(h, "127.0.0.1") == 0 || strcmp(h, "::1") == 0 ||
	    strcmp(h, "[::1]") == 0 || strcmp(h, "localhost") == 0;
}

/* Read the bearer token: one line, br_ + base64url, file mode 0600. */
static int
read_token(struct bridge_config *c, char *err, size_t errsz)
{
	struct stat st;
	FILE *f;
	size_t n;

	if ((f = fopen(c->token_file, "re")) == NULL) {
		snprintf(err, errsz, "%s: token_file %s: %s", c->file,
		    c->token_file, strerror(errno));
		return STK_E_IO;
	}
	if (fstat(fileno(f), &st) != 0 || (st.st_mode & 077) != 0) {
		snprintf(err, errsz, "%s: token_file %s: mode %03o, must not "
		    "be accessible to group or others (chmod 600)", c->file,
		    c->token_file, (unsigned)(st.st_mode & 0777));
		fclose(f);
		return STK_E_STATE;
	}
	if (fgets(c->token, sizeof(c->token), f) == NULL)
		c->token[0] = '\0';
	fclose(f);
	n = strcspn(c->token, "\r\n \t");
	c->token[n] = '\0';
	for (size_t i = 0; i < n; i++) {
		char ch = c->token[i];

		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '_' || ch == '-')) {
			n = 0;
			break;
		}
	}
	if (n < 4 || strncmp(c->token, "br_", 3) != 0) {
		explicit_bzero(c->token, sizeof(c->token));
		snprintf(err, errsz, "%s: token_file %s: no bridge token "
		    "(br_...) in it", c->file, c->token_file);
		return STK_E_INVALID;
	}
	return STK_OK;
}

/* Line of "[transport NAME]" in the file, for messages (0: unknown). */
static int
section_line(const char *path, const char *name)
{
	char line[256], want[128];
	FILE *f;
	int n = 0;

	snprintf(want, sizeof(want), "[transport %s]", name);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		n++;
		line[strcspn(line, "\r\n")] = '\0';
		if (strcmp(line, want) == 0) {
			fclose(f);
			return n;
		}
	}
	fclose(f);
	return 0;
}

static int
validate(struct bridge_config *c, char *err, size_t errsz)
{
	char terr[256];
	const struct transport_ops *ops;

	if (c->name[0] == '\0' || strspn(c->name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_.-") != strlen(c->name) ||
	    strlen(c->name) > 32) {
		snprintf(err, errsz, "%s: name: 1..32 of A-Z a-z 0-9 _ . -",
		    c->file);
		return STK_E_INVALID;
	}
	if (c->server_url[0] == '\0') {
		snprintf(err, errsz, "%s: [bridge] server_url is required",
		    c->file);
		return STK_E_INVALID;
	}
	if (link_check_url(c->server_url, terr, sizeof(terr)) != STK_OK) {
		snprintf(err, errsz, "%s: server_url: %s", c->file, terr);
		return STK_E_INVALID;
	}
	if (strncmp(c->server_url, "https:", 6) == 0 && c->ca_file[0] == '\0') {
		snprintf(err, errsz, "%s: ca_file is required with https",
		    c->file);
		return STK_E_INVALID;
	}
	if (strncmp(c->server_url, "https:", 6) == 0 &&
	    link_check_ca(c->ca_file, terr, sizeof(terr)) != STK_OK) {
		snprintf(err, errsz, "%s: %s", c->file, terr);
		return STK_E_INVALID;
	}
	if (c->token_file[0] == '\0') {
		snprintf(err, errsz, "%s: [bridge] token_file is required",
		    c->file);
		return STK_E_INVALID;
	}
	if (c->retry_max_ms < c->retry_base_ms) {
		snprintf(err, errsz, "%s: retry_max_ms below retry_base_ms",
		    c->file);
		return STK_E_INVALID;
	}
	if (c->lease_margin_ms * 2 >= c->lease_ms) {
		snprintf(err, errsz, "%s: lease_margin_ms must be below half "
		    "of lease_ms", c->file);
		return STK_E_INVALID;
	}
	if (c->queue_db[0] == '\0')
		snprintf(c->queue_db, sizeof(c->queue_db), "%.*s/queue.db",
		    (int)sizeof(c->queue_db) - 10, c->state_dir);
	if (c->keystore[0] == '\0')
		snprintf(c->keystore, sizeof(c->keystore), "%.*s/keystore.db",
		    (int)sizeof(c->keystore) - 13, c->state_dir);
	if (c->metrics_listen[0] != '\0') {
		char host[64];
		const char *colon = strrchr(c->metrics_listen, ':');
		unsigned port;

		if (colon == NULL || (size_t)(colon - c->metrics_listen) >=
		    sizeof(host) || parse_uint(colon + 1, 0, 65535, &port)) {
			snprintf(err, errsz, "%s: metrics_listen: HOST:PORT",
			    c->file);
			return STK_E_INVALID;
		}
		memcpy(host, c->metrics_listen, colon - c->metrics_listen);
		host[colon - c->metrics_listen] = '\0';
		if (!bridge_host_is_loopback(host)) {
			snprintf(err, errsz, "%s: metrics_listen: loopback "
			    "only (127.0.0.1, ::1)", c->file);
			return STK_E_INVALID;
		}
	}
	if (c->nt == 0) {
		snprintf(err, errsz, "%s: no [transport NAME] section",
		    c->file);
		return STK_E_INVALID;
	}
	for (size_t i = 0; i < c->nt; i++) {
		struct bridge_tconf *t = &c->t[i];
		struct transport_config tc = { t->name, bridge_tconf_get, t };

		t->line = section_line(c->file, t->name);
		if (t->type[0] == '\0') {
			snprintf(err, errsz, "%s:%d: [transport %s]: type is "
			    "required", c->file, t->line, t->name);
			return STK_E_INVALID;
		}
		if ((ops = bridge_transport_ops(t->type)) == NULL) {
			snprintf(err, errsz, "%s:%d: [transport %s]: type %s "
			    "is not built into this stkauth-bridge", c->file,
			    t->line, t->name, t->type);
			return STK_E_UNSUPPORTED;
		}
		terr[0] = '\0';
		if (ops->check(&tc, terr, sizeof(terr)) != STK_OK) {
			snprintf(err, errsz, "%s:%d: [transport %s]: %s",
			    c->file, t->line, t->name, terr);
			return STK_E_INVALID;
		}
	}
	return read_token(c, err, errsz);
}

int
bridge_config_load(const char *path, struct bridge_config *cfg, char *err,
    size_t errsz)
{
	struct pctx p;
	int line;

	defaults(cfg);
	err[0] = '\0';
	snprintf(cfg->file, sizeof(cfg->file), "%s", path);
	memset(&p, 0, sizeof(p));
	p.cfg = cfg;
	p.err = err;
	p.errsz = errsz;
	line = ini_parse(path, handler, &p);
	if (line < 0) {
		snprintf(err, errsz, "%s: cannot read: %s", path,
		    strerror(errno));
		return STK_E_IO;
	}
	if (line > 0) {
		char msg[256];

		snprintf(msg, sizeof(msg), "%s", err[0] ? err :
		    "syntax error");
		snprintf(err, errsz, "%s:%d: %s", path, line, msg);
		return STK_E_INVALID;
	}
	return validate(cfg, err, errsz);
}

void
bridge_config_free(struct bridge_config *c)
{
	for (size_t i = 0; i < c->nt; i++) {
		for (size_t j = 0; j < c->t[i].nkv; j++) {
			free(c->t[i].kv[j].key);
			free(c->t[i].kv[j].val);
		}
		free(c->t[i].kv);
		c->t[i].kv = NULL;
		c->t[i].nkv = 0;
	}
	explicit_bzero(c->token, sizeof(c->token));
}

int
bridge_tconf_get(void *tconf, const char *key, const char **val)
{
	const struct bridge_tconf *t = tconf;

	for (size_t i = 0; i < t->nkv; i++)
		if (strcmp(t->kv[i].key, key) == 0) {
			*val = t->kv[i].val;
			return STK_OK;
		}
	if (strcmp(key, "type") == 0) {
		*val = t->type;
		return STK_OK;
	}
	return STK_E_NOT_FOUND;
}

bool
bridge_route_match(const struct bridge_tconf *t, const char *dest)
{
	if (t->nroutes == 0)
		return true;
	for (size_t i = 0; i < t->nroutes; i++)
		if (strcmp(t->routes[i], "*") == 0 ||
		    strncmp(dest, t->routes[i], strlen(t->routes[i])) == 0)
			return true;
	return false;
}
