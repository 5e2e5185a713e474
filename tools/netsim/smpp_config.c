/*
 * smpp_config.c - [smsc] and [esme NAME] sections, and the SMSC faults.
 * Values are validated as they are read; the daemon adds file:line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "smpp.h"

int
smpp_parse_uint(const char *value, unsigned min, unsigned max, unsigned *out)
{
	unsigned long v;
	char *end;

	if (value[0] < '0' || value[0] > '9')
		return STK_E_INVALID;
	errno = 0;
	v = strtoul(value, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return STK_E_INVALID;
	*out = (unsigned)v;
	return STK_OK;
}

void *
smpp_config_new(void)
{
	struct smpp_cfg *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	snprintf(c->listen, sizeof(c->listen), "127.0.0.1:2775");
	snprintf(c->system_id, sizeof(c->system_id), "netsim");
	c->window = 10;
	c->throughput = 0;
	c->enquire_link_s = 30;
	c->response_timeout_s = 10;
	c->bind_timeout_s = 10;
	c->max_sessions = 64;
	return c;
}

void
smpp_config_free(void *cfg)
{
	struct smpp_cfg *c = cfg;

	if (c == NULL)
		return;
	/* Passwords do not linger in freed memory. */
	memset(c, 0, sizeof(*c));
	free(c);
}

/* One numeric key of a table: name, bounds, where it goes. */
struct uint_key {
	const char *key;
	unsigned min, max;
	size_t off;
};

static const struct uint_key smsc_uint_keys[] = {
	{ "window", 1, 1000, offsetof(struct smpp_cfg, window) },
	{ "throughput_per_second", 0, 1000000,
	    offsetof(struct smpp_cfg, throughput) },
	{ "enquire_link_s", 0, 3600, offsetof(struct smpp_cfg, enquire_link_s) },
	{ "response_timeout_s", 1, 600,
	    offsetof(struct smpp_cfg, response_timeout_s) },
	{ "bind_timeout_s", 1, 600, offsetof(struct smpp_cfg, bind_timeout_s) },
	{ "max_sessions", 1, 10000, offsetof(struct smpp_cfg, max_sessions) },
};

static int
set_text(char *dst, size_t dstsz, const char *key, const char *value,
    char *err, size_t errsz)
{
	if (strlen(value) >= dstsz || value[0] == '\0') {
		snprintf(err, errsz, "%s: 1 to %zu characters", key, dstsz - 1);
		return STK_E_INVALID;
	}
	memcpy(dst, value, strlen(value) + 1);
	return STK_OK;
}

static int
smsc_key(struct smpp_cfg *c, const char *key, const char *value, char *err,
    size_t errsz)
{
	c->enabled = true;
	for (size_t i = 0; i < sizeof(smsc_uint_keys) /
	    sizeof(smsc_uint_keys[0]); i++) {
		const struct uint_key *k = &smsc_uint_keys[i];

		if (strcmp(key, k->key) != 0)
			continue;
		if (smpp_parse_uint(value, k->min, k->max,
		    (unsigned *)(void *)((char *)c + k->off)) != STK_OK) {
			snprintf(err, errsz, "[smsc] %s: a number from %u to "
			    "%u", key, k->min, k->max);
			return STK_E_INVALID;
		}
		return STK_OK;
	}
	if (strcmp(key, "listen") == 0) {
		const char *colon = strrchr(value, ':');
		unsigned port;

		if (colon == NULL || colon == value ||
		    smpp_parse_uint(colon + 1, 0, 65535, &port) != STK_OK) {
			snprintf(err, errsz, "[smsc] listen: HOST:PORT "
			    "expected, e.g. 127.0.0.1:2775");
			return STK_E_INVALID;
		}
		return set_text(c->listen, sizeof(c->listen), key, value, err,
		    errsz);
	}
	if (strcmp(key, "system_id") == 0)
		return set_text(c->system_id, sizeof(c->system_id), key, value,
		    err, errsz);
	snprintf(err, errsz, "[smsc]: unknown key \"%s\"", key);
	return STK_E_NOT_FOUND;
}

/* "a, b c" -> addresses; a trailing '*' makes a prefix. */
static int
esme_addresses(struct smpp_esme_cfg *out, const char *value, char *err,
    size_t errsz)
{
	/* Parsed into a copy: only a valid list replaces the old one. */
	struct smpp_esme_cfg parsed = *out, *e = &parsed;
	const char *p = value;

	e->naddrs = 0;
	while (*p != '\0') {
		size_t n = strcspn(p, ", \t");
		bool prefix = false;

		if (n == 0) {
			p++;
			continue;
		}
		if (p[n - 1] == '*') {
			prefix = true;
			n--;
		}
		if (n == 0 || n > STK_ADDR_TEXT_MAX ||
		    e->naddrs == SMPP_MAX_ADDRS) {
			snprintf(err, errsz, "[esme %s] addresses: at most %d "
			    "numbers or prefixes (\"+4917*\")", e->name,
			    SMPP_MAX_ADDRS);
			return STK_E_INVALID;
		}
		for (size_t i = (p[0] == '+'); i < n; i++) {
			if (p[i] < '0' || p[i] > '9') {
				snprintf(err, errsz, "[esme %s] addresses: "
				    "\"%.*s\" is not a number", e->name,
				    (int)n, p);
				return STK_E_INVALID;
			}
		}
		memcpy(e->addrs[e->naddrs], p, n);
		e->addrs[e->naddrs][n] = '\0';
		e->addr_prefix[e->naddrs] = prefix;
		e->naddrs++;
		p += n + (prefix ? 1 : 0);
	}
	memcpy(out, &parsed, sizeof(parsed));
	return STK_OK;
}

static const struct {
	const char *word;
	unsigned bit;
} bind_words[] = {
	{ "transmitter", SMPP_BIND_TX },
	{ "receiver", SMPP_BIND_RX },
	{ "transceiver", SMPP_BIND_TRX },
};

static int
esme_binds(struct smpp_esme_cfg *e, const char *value, char *err,
    size_t errsz)
{
	const char *p = value;
	unsigned binds = 0;

	while (*p != '\0') {
		size_t n = strcspn(p, ", \t"), i;

		if (n == 0) {
			p++;
			continue;
		}
		for (i = 0; i < sizeof(bind_words) / sizeof(bind_words[0]);
		    i++) {
			if (strlen(bind_words[i].word) == n &&
			    strncmp(bind_words[i].word, p, n) == 0)
				break;
		}
		if (i == sizeof(bind_words) / sizeof(bind_words[0])) {
			snprintf(err, errsz, "[esme %s] bind: transmitter, "
			    "receiver, transceiver", e->name);
			return STK_E_INVALID;
		}
		binds |= bind_words[i].bit;
		p += n;
	}
	e->binds = binds;	/* only a valid list replaces the old one */
	return STK_OK;
}

static struct smpp_esme_cfg *
esme_section(struct smpp_cfg *c, const char *name, char *err, size_t errsz)
{
	struct smpp_esme_cfg *e;

	for (size_t i = 0; i < c->nesmes; i++)
		if (strcmp(c->esmes[i].name, name) == 0)
			return &c->esmes[i];
	if (name[0] == '\0' || strlen(name) >= SMPP_NAME_MAX ||
	    strchr(name, ' ') != NULL) {
		snprintf(err, errsz, "[esme NAME]: a name of 1 to %d "
		    "characters without spaces", SMPP_NAME_MAX - 1);
		return NULL;
	}
	if (c->nesmes == SMPP_MAX_ESMES) {
		snprintf(err, errsz, "at most %d [esme] sections",
		    SMPP_MAX_ESMES);
		return NULL;
	}
	e = &c->esmes[c->nesmes++];
	memset(e, 0, sizeof(*e));
	memcpy(e->name, name, strlen(name) + 1);
	if (strlen(name) < sizeof(e->system_id))
		memcpy(e->system_id, name, strlen(name) + 1);
	e->binds = SMPP_BIND_TX | SMPP_BIND_RX | SMPP_BIND_TRX;
	e->max_binds = 4;
	return e;
}

static int
esme_key(struct smpp_cfg *c, const char *name, const char *key,
    const char *value, char *err, size_t errsz)
{
	struct smpp_esme_cfg *e = esme_section(c, name, err, errsz);

	if (e == NULL)
		return STK_E_INVALID;
	if (strcmp(key, "system_id") == 0)
		return set_text(e->system_id, sizeof(e->system_id), key,
		    value, err, errsz);
	if (strcmp(key, "password") == 0) {
		e->has_password = true;
		return set_text(e->password, sizeof(e->password), key, value,
		    err, errsz);
	}
	if (strcmp(key, "addresses") == 0)
		return esme_addresses(e, value, err, errsz);
	if (strcmp(key, "bind") == 0)
		return esme_binds(e, value, err, errsz);
	if (strcmp(key, "window") == 0) {
		if (smpp_parse_uint(value, 1, 1000, &e->window) == STK_OK)
			return STK_OK;
		snprintf(err, errsz, "[esme %s] window: 1 to 1000", name);
		return STK_E_INVALID;
	}
	if (strcmp(key, "throughput_per_second") == 0) {
		e->has_throughput = true;
		if (smpp_parse_uint(value, 0, 1000000, &e->throughput) ==
		    STK_OK)
			return STK_OK;
		snprintf(err, errsz, "[esme %s] throughput_per_second: 0 "
		    "(unlimited) to 1000000", name);
		return STK_E_INVALID;
	}
	if (strcmp(key, "max_binds") == 0) {
		if (smpp_parse_uint(value, 1, 1000, &e->max_binds) == STK_OK)
			return STK_OK;
		snprintf(err, errsz, "[esme %s] max_binds: 1 to 1000", name);
		return STK_E_INVALID;
	}
	snprintf(err, errsz, "[esme %s]: unknown key \"%s\"", name, key);
	return STK_E_NOT_FOUND;
}

int
smpp_config_set(void *cfg, const char *section, const char *key,
    const char *value, char *err, size_t errsz)
{
	struct smpp_cfg *c = cfg;

	if (strcmp(section, "smsc") == 0)
		return smsc_key(c, key, value, err, errsz);
	if (strncmp(section, "esme ", 5) == 0)
		return esme_key(c, section + 5, key, value, err, errsz);
	snprintf(err, errsz, "[%s]: say [esme NAME]", section);
	return STK_E_INVALID;
}

int
smpp_config_check(void *cfg, char *err, size_t errsz)
{
	struct smpp_cfg *c = cfg;

	if (!c->enabled && c->nesmes > 0) {
		snprintf(err, errsz, "[esme %s] needs an [smsc] section",
		    c->esmes[0].name);
		return STK_E_INVALID;
	}
	for (size_t i = 0; i < c->nesmes; i++) {
		const struct smpp_esme_cfg *e = &c->esmes[i];

		if (!e->has_password) {
			snprintf(err, errsz, "[esme %s]: password missing",
			    e->name);
			return STK_E_INVALID;
		}
		if (e->system_id[0] == '\0') {
			snprintf(err, errsz, "[esme %s]: system_id missing "
			    "(the name is too long to stand for it)", e->name);
			return STK_E_INVALID;
		}
		if (e->binds == 0) {
			snprintf(err, errsz, "[esme %s]: bind allows nothing",
			    e->name);
			return STK_E_INVALID;
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp(c->esmes[j].system_id, e->system_id) == 0) {
				snprintf(err, errsz, "[esme %s] and [esme %s] "
				    "share system_id \"%s\"", c->esmes[j].name,
				    e->name, e->system_id);
				return STK_E_INVALID;
			}
		}
	}
	return STK_OK;
}

/* ---- faults ---- */

static const struct {
	const char *key;
	unsigned max;
	size_t off;
} fault_keys[] = {
	{ "throttle_pct", 100, offsetof(struct smpp_faults, throttle_pct) },
	{ "bind_refuse_pct", 100,
	    offsetof(struct smpp_faults, bind_refuse_pct) },
	{ "drop_pct", 100, offsetof(struct smpp_faults, drop_pct) },
	{ "delay_ms", 600000, offsetof(struct smpp_faults, delay_ms) },
};

int
smpp_fault_parse(struct smpp_faults *f, const char *key, const char *value,
    bool *drop_all, char *err, size_t errsz)
{
	unsigned v;

	*drop_all = false;
	if (strncmp(key, "smsc.", 5) == 0)
		key += 5;
	if (strcmp(key, "drop_all") == 0) {
		if (smpp_parse_uint(value, 0, 1, &v) != STK_OK) {
			snprintf(err, errsz, "smsc.drop_all: 1 closes every "
			    "SMPP connection now");
			return STK_E_INVALID;
		}
		*drop_all = v == 1;
		return STK_OK;
	}
	for (size_t i = 0; i < sizeof(fault_keys) / sizeof(fault_keys[0]);
	    i++) {
		if (strcmp(key, fault_keys[i].key) != 0)
			continue;
		if (smpp_parse_uint(value, 0, fault_keys[i].max, &v) !=
		    STK_OK) {
			snprintf(err, errsz, "smsc.%s: 0 to %u", key,
			    fault_keys[i].max);
			return STK_E_INVALID;
		}
		*(unsigned *)(void *)((char *)f + fault_keys[i].off) = v;
		return STK_OK;
	}
	snprintf(err, errsz, "smsc.%s: unknown SMSC fault (throttle_pct, "
	    "bind_refuse_pct, drop_pct, delay_ms, drop_all)", key);
	return STK_E_NOT_FOUND;
}
