/*
 * config.c - the INI configuration of stkauth-netsim (inih), validated
 * while it is read and once more as a whole; every error is
 * "FILE:LINE: message".  The keys are documented in docs/NETSIM.md and
 * stkauth-netsim(8).
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "err.h"
#include "log.h"
#include "sms_addr.h"
#include "ns_priv.h"

struct load_ctx {
	struct ns_config *cfg;
	FILE *f;
	int line;
	int err_line;
	char err[256];
	char cur_section[128];
	struct ns_modem_cfg *modem;	/* current [modem NAME] */
};

void
ns_config_init(struct ns_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->sca, sizeof(cfg->sca), "+491700000000");
	cfg->default_validity_s = 24 * 3600;
	cfg->max_validity_s = 7 * 24 * 3600;
	cfg->mt_ack_timeout_s = 30;
	cfg->retry_s = 10;
	cfg->store_max = 10000;
	cfg->seed = 1;
	cfg->log_level = STK_LOG_INFO;
	ns_path_faults_init(cfg->path);
}

void
ns_config_free(struct ns_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nmodules; i++)
		if (cfg->module_cfg[i] != NULL &&
		    cfg->modules[i]->config_free != NULL)
			cfg->modules[i]->config_free(cfg->module_cfg[i]);
	cfg->nmodules = 0;
}

int
ns_parse_listen(const char *s, char *host, size_t hostsz, unsigned *port)
{
	const char *colon = strrchr(s, ':');
	struct in_addr a;
	size_t n;

	if (colon == NULL || (n = (size_t)(colon - s)) == 0 || n >= hostsz)
		return STK_E_INVALID;
	memcpy(host, s, n);
	host[n] = '\0';
	if (inet_pton(AF_INET, host, &a) != 1)
		return STK_E_INVALID;
	return ns_parse_uint(colon + 1, 0, 65535, port);
}

static char *
reader(char *str, int num, void *stream)
{
	struct load_ctx *c = stream;
	char *r = fgets(str, num, c->f);

	if (r != NULL)
		c->line++;
	return r;
}

static int fail(struct load_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Record the first error with its line; returns 0 (inih: error). */
static int
fail(struct load_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->err_line == 0) {
		va_start(ap, fmt);
		vsnprintf(c->err, sizeof(c->err), fmt, ap);
		va_end(ap);
		c->err_line = c->line;
	}
	return 0;
}

static int
set_str(struct load_ctx *c, char *dst, size_t dstsz, const char *name,
    const char *value)
{
	if (strlen(value) >= dstsz)
		return fail(c, "%s: value too long (\"%s\")", name, value);
	memcpy(dst, value, strlen(value) + 1);
	return 1;
}

static int
set_uint(struct load_ctx *c, unsigned *dst, unsigned lo, unsigned hi,
    const char *name, const char *value)
{
	if (ns_parse_uint(value, lo, hi, dst) != 0)
		return fail(c, "%s: \"%s\" is not a number in range", name,
		    value);
	return 1;
}

static int
set_listen(struct load_ctx *c, char *dst, size_t dstsz, const char *name,
    const char *value)
{
	char host[64];
	unsigned port;

	if (ns_parse_listen(value, host, sizeof(host), &port) != 0)
		return fail(c, "%s: \"%s\" is not IPV4:PORT", name, value);
	return set_str(c, dst, dstsz, name, value);
}

static int
set_msisdn(struct load_ctx *c, char *dst, size_t dstsz, const char *name,
    const char *value)
{
	struct stk_sms_addr a;

	if (value[0] != '+' || stk_sms_addr_from_text(value, &a) != 0 ||
	    a.ton != STK_TON_INTERNATIONAL || a.ndigits < 3)
		return fail(c, "%s: \"%s\" is not an E.164 number with '+'",
		    name, value);
	return set_str(c, dst, dstsz, name, value);
}

static int
network_key(struct load_ctx *c, const char *name, const char *value)
{
	struct ns_config *cfg = c->cfg;
	int lvl;

	if (strcmp(name, "subscriber_listen") == 0)
		return set_listen(c, cfg->subscriber_listen,
		    sizeof(cfg->subscriber_listen), name, value);
	if (strcmp(name, "subscriber_socket") == 0)
		return set_str(c, cfg->subscriber_socket,
		    sizeof(cfg->subscriber_socket), name, value);
	if (strcmp(name, "http_listen") == 0 ||
	    strcmp(name, "metrics_listen") == 0)
		return set_listen(c, cfg->http_listen,
		    sizeof(cfg->http_listen), name, value);
	if (strcmp(name, "sca") == 0)
		return set_msisdn(c, cfg->sca, sizeof(cfg->sca), name, value);
	if (strcmp(name, "tz_minutes") == 0) {
		long x;
		char *end;

		x = strtol(value, &end, 10);
		if (*value == '\0' || *end != '\0' || x < -1185 || x > 1185 ||
		    x % 15 != 0)
			return fail(c, "%s: \"%s\" is not a multiple of 15 in "
			    "-1185..1185", name, value);
		cfg->tz_minutes = (int)x;
		return 1;
	}
	if (strcmp(name, "seed") == 0)
		return set_uint(c, &cfg->seed, 0, 999999999, name, value);
	if (strcmp(name, "default_validity") == 0)
		return set_uint(c, &cfg->default_validity_s, 1, 63 * 7 * 86400,
		    name, value);
	if (strcmp(name, "max_validity") == 0)
		return set_uint(c, &cfg->max_validity_s, 1, 63 * 7 * 86400,
		    name, value);
	if (strcmp(name, "mt_ack_timeout") == 0)
		return set_uint(c, &cfg->mt_ack_timeout_s, 1, 3600, name,
		    value);
	if (strcmp(name, "retry") == 0)
		return set_uint(c, &cfg->retry_s, 1, 86400, name, value);
	if (strcmp(name, "store_max") == 0)
		return set_uint(c, &cfg->store_max, 1, 1000000, name, value);
	if (strcmp(name, "log_level") == 0) {
		if ((lvl = stk_log_level_parse(value)) < 0)
			return fail(c, "%s: \"%s\" is not error, warn, info "
			    "or debug", name, value);
		cfg->log_level = lvl;
		return 1;
	}
	return fail(c, "unknown key \"%s\" in [network]", name);
}

static int
subscribers_key(struct load_ctx *c, const char *name, const char *value)
{
	struct ns_config *cfg = c->cfg;
	size_t i;

	if (strcmp(name, "msisdn") != 0)
		return fail(c, "unknown key \"%s\" in [%s]", name,
		    "subscribers");
	if (cfg->nsubs == NS_MAX_SUBSCRIBERS)
		return fail(c, "%s: more than %s subscribers", name, "256");
	for (i = 0; i < cfg->nsubs; i++)
		if (strcmp(cfg->subs[i].msisdn, value) == 0)
			return fail(c, "%s: duplicate subscriber %s", name,
			    value);
	cfg->subs[cfg->nsubs].line = c->line;
	if (!set_msisdn(c, cfg->subs[cfg->nsubs].msisdn,
	    sizeof(cfg->subs[0].msisdn), name, value))
		return 0;
	cfg->nsubs++;
	return 1;
}

static int
modem_key(struct load_ctx *c, const char *name, const char *value)
{
	struct ns_modem_cfg *m = c->modem;

	if (strcmp(name, "msisdn") == 0)
		return set_msisdn(c, m->msisdn, sizeof(m->msisdn), name, value);
	if (strcmp(name, "listen") == 0)
		return set_listen(c, m->listen, sizeof(m->listen), name, value);
	if (strcmp(name, "pty") == 0)
		return set_str(c, m->pty_link, sizeof(m->pty_link), name,
		    value);
	if (strcmp(name, "pin") == 0) {
		size_t i, n = strlen(value);

		for (i = 0; i < n; i++)
			if (value[i] < '0' || value[i] > '9')
				break;
		if (n < 4 || n > 8 || i != n)
			return fail(c, "%s: a PIN is 4 to 8 digits%s", name,
			    "");
		return set_str(c, m->pin, sizeof(m->pin), name, value);
	}
	if (strcmp(name, "imei") == 0 || strcmp(name, "imsi") == 0) {
		char *dst = name[2] == 'e' ? m->imei : m->imsi;
		size_t i, n = strlen(value);

		for (i = 0; i < n; i++)
			if (value[i] < '0' || value[i] > '9')
				break;
		if (n != 15 || i != n)
			return fail(c, "%s: \"%s\" is not 15 digits", name,
			    value);
		return set_str(c, dst, 16, name, value);
	}
	if (strcmp(name, "sca") == 0)
		return set_msisdn(c, m->sca, sizeof(m->sca), name, value);
	if (strcmp(name, "store_size") == 0)
		return set_uint(c, &m->store_size, 1, NS_MODEM_STORE_MAX, name,
		    value);
	if (strcmp(name, "rssi") == 0)
		return set_uint(c, &m->rssi, 0, 31, name, value);
	return fail(c, "unknown key \"%s\" in [modem %s]", name, m->name);
}

static struct ns_modem_cfg *
modem_named(struct ns_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nmodems; i++)
		if (strcmp(cfg->modems[i].name, name) == 0)
			return &cfg->modems[i];
	return NULL;
}

static int
faults_key(struct load_ctx *c, const char *name, const char *value)
{
	struct ns_config *cfg = c->cfg;
	char err[200];

	if (strncmp(name, "path.", 5) == 0) {
		if (ns_path_fault_set(cfg->path, name + 5, value, err,
		    sizeof(err)) != 0)
			return fail(c, "%s%s", err, "");
		return 1;
	}
	if (strncmp(name, "modem.", 6) == 0) {
		const char *dot = strchr(name + 6, '.');
		char mname[NS_NAME_MAX];
		struct ns_modem_cfg *m;
		size_t n;

		if (dot == NULL || (n = (size_t)(dot - name - 6)) == 0 ||
		    n >= sizeof(mname))
			return fail(c, "\"%s\": modem faults are "
			    "modem.NAME.FIELD%s", name, "");
		memcpy(mname, name + 6, n);
		mname[n] = '\0';
		if ((m = modem_named(cfg, mname)) == NULL)
			return fail(c, "\"%s\": no [modem %s] above", name,
			    mname);
		if (ns_modem_fault_set(&m->faults, dot + 1, value, err,
		    sizeof(err)) != 0)
			return fail(c, "%s%s", err, "");
		return 1;
	}
	/* Module keys (smsc., ...): applied when the module has started. */
	if (cfg->nfault_keys == sizeof(cfg->fault_keys) /
	    sizeof(cfg->fault_keys[0]))
		return fail(c, "too many fault keys%s%s", "", "");
	if (strlen(name) >= sizeof(cfg->fault_keys[0].key) ||
	    strlen(value) >= sizeof(cfg->fault_keys[0].value))
		return fail(c, "fault key or value too long: %s%s", name, "");
	memcpy(cfg->fault_keys[cfg->nfault_keys].key, name, strlen(name) + 1);
	memcpy(cfg->fault_keys[cfg->nfault_keys].value, value,
	    strlen(value) + 1);
	cfg->fault_keys[cfg->nfault_keys].line = c->line;
	cfg->nfault_keys++;
	return 1;
}

/* The module claiming a section, or -1. */
static int
module_for(struct ns_config *cfg, const char *section)
{
	size_t i, j;

	for (i = 0; i < cfg->nmodules; i++)
		for (j = 0; cfg->modules[i]->sections[j] != NULL; j++) {
			const char *s = cfg->modules[i]->sections[j];
			size_t n = strlen(s);

			if (strncmp(section, s, n) == 0 &&
			    (section[n] == '\0' || section[n] == ' '))
				return (int)i;
		}
	return -1;
}

static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct load_ctx *c = user;
	struct ns_config *cfg = c->cfg;
	int mod;

	if (strcmp(section, c->cur_section) != 0) {
		/* A new section starts. */
		if (strlen(section) >= sizeof(c->cur_section))
			return fail(c, "section name too long: [%s]%s", section,
			    "");
		memcpy(c->cur_section, section, strlen(section) + 1);
		c->modem = NULL;
		if (strncmp(section, "modem ", 6) == 0) {
			const char *mname = section + 6;
			struct ns_modem_cfg *m;

			if (strlen(mname) == 0 || strlen(mname) >= NS_NAME_MAX ||
			    strchr(mname, ' ') || strchr(mname, '.'))
				return fail(c, "[modem NAME]: bad name \"%s\"%s",
				    mname, "");
			if (modem_named(cfg, mname) != NULL)
				return fail(c, "duplicate [modem %s]%s", mname,
				    "");
			if (cfg->nmodems == NS_MAX_MODEMS)
				return fail(c, "too many modems%s%s", "", "");
			m = &cfg->modems[cfg->nmodems++];
			memset(m, 0, sizeof(*m));
			memcpy(m->name, mname, strlen(mname) + 1);
			m->store_size = 20;
			m->rssi = 20;
			m->line = c->line;
			c->modem = m;
		}
	} else if (strncmp(section, "modem ", 6) == 0) {
		c->modem = modem_named(cfg, section + 6);
	}
	if (strcmp(section, "network") == 0)
		return network_key(c, name, value);
	if (strcmp(section, "subscribers") == 0)
		return subscribers_key(c, name, value);
	if (strncmp(section, "modem ", 6) == 0 && c->modem != NULL)
		return modem_key(c, name, value);
	if (strcmp(section, "faults") == 0)
		return faults_key(c, name, value);
	if ((mod = module_for(cfg, section)) >= 0) {
		char err[200] = "";

		if (cfg->modules[mod]->config_set(cfg->module_cfg[mod], section,
		    name, value, err, sizeof(err)) != 0)
			return fail(c, "%s%s", err[0] ? err : "invalid value",
			    "");
		return 1;
	}
	return fail(c, "unknown section [%s]%s", section, "");
}

/* Whole-file checks: things no single line can tell. */
static int
check(struct ns_config *cfg, char *err, size_t errsz)
{
	size_t i, j;

	if (cfg->subscriber_listen[0] == '\0' &&
	    cfg->subscriber_socket[0] == '\0' && cfg->nsubs > 0) {
		snprintf(err, errsz, "%s:1: [network] needs subscriber_listen "
		    "or subscriber_socket when subscribers are configured",
		    cfg->file);
		return STK_E_INVALID;
	}
	for (i = 0; i < cfg->nmodems; i++) {
		struct ns_modem_cfg *m = &cfg->modems[i];

		if (m->msisdn[0] == '\0' ||
		    (m->listen[0] == '\0' && m->pty_link[0] == '\0')) {
			snprintf(err, errsz, "%s:%d: [modem %s] needs msisdn "
			    "and listen (or pty)", cfg->file, m->line, m->name);
			return STK_E_INVALID;
		}
		if (m->imei[0] == '\0')
			snprintf(m->imei, sizeof(m->imei), "35000000%07u",
			    (unsigned)i % 10000000u);
		if (m->imsi[0] == '\0')
			snprintf(m->imsi, sizeof(m->imsi), "26201%010u",
			    (unsigned)i % 1000000000u);
		if (m->sca[0] == '\0')
			memcpy(m->sca, cfg->sca, sizeof(m->sca));
		for (j = 0; j < cfg->nsubs; j++)
			if (strcmp(cfg->subs[j].msisdn, m->msisdn) == 0) {
				snprintf(err, errsz, "%s:%d: [modem %s] msisdn "
				    "%s is also a subscriber", cfg->file,
				    m->line, m->name, m->msisdn);
				return STK_E_INVALID;
			}
		for (j = 0; j < i; j++)
			if (strcmp(cfg->modems[j].msisdn, m->msisdn) == 0 ||
			    (m->listen[0] && strcmp(cfg->modems[j].listen,
			    m->listen) == 0)) {
				snprintf(err, errsz, "%s:%d: [modem %s] shares "
				    "its msisdn or listen address with [modem "
				    "%s]", cfg->file, m->line, m->name,
				    cfg->modems[j].name);
				return STK_E_INVALID;
			}
	}
	for (i = 0; i < cfg->nmodules; i++) {
		char merr[200] = "";

		if (cfg->modules[i]->config_check != NULL &&
		    cfg->modules[i]->config_check(cfg->module_cfg[i], merr,
		    sizeof(merr)) != 0) {
			snprintf(err, errsz, "%s: %s", cfg->file,
			    merr[0] ? merr : "invalid module configuration");
			return STK_E_INVALID;
		}
	}
	return 0;
}

int
ns_config_load(struct ns_config *cfg, const char *file, char *err,
    size_t errsz)
{
	struct load_ctx c;
	int rc;
	size_t i;

	memset(&c, 0, sizeof(c));
	c.cfg = cfg;
	if (strlen(file) >= sizeof(cfg->file)) {
		snprintf(err, errsz, "%s: file name too long", file);
		return STK_E_INVALID;
	}
	memcpy(cfg->file, file, strlen(file) + 1);
	for (i = 0; i < cfg->nmodules; i++)
		if ((cfg->module_cfg[i] = cfg->modules[i]->config_new()) ==
		    NULL) {
			snprintf(err, errsz, "%s: out of memory", file);
			return STK_E_NOMEM;
		}
	if ((c.f = fopen(file, "r")) == NULL) {
		snprintf(err, errsz, "%s: cannot open", file);
		return STK_E_IO;
	}
	rc = ini_parse_stream(reader, &c, handler, &c);
	fclose(c.f);
	if (c.err_line != 0) {
		snprintf(err, errsz, "%s:%d: %s", file, c.err_line, c.err);
		return STK_E_INVALID;
	}
	if (rc != 0) {
		snprintf(err, errsz, "%s:%d: syntax error", file, rc);
		return STK_E_INVALID;
	}
	return check(cfg, err, errsz);
}
