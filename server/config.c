/*
 * config.c - the INI configuration (inih), validated when loaded.
 *
 * Every key is in the table below with its range; an unknown section or
 * key, a value out of range or a malformed number is an error reported as
 * "FILE:LINE: message" (ini_parse returns the line of the first error).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ini.h>

#include "err.h"
#include "log.h"
#include "server.h"
#include "web.h"

void
config_defaults(struct srv_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->listen_addr, sizeof(c->listen_addr), "127.0.0.1");
	c->listen_port = 8443;
	c->tls = true;
	snprintf(c->db_path, sizeof(c->db_path), "stkauth-server.db");
	c->log_level = STK_LOG_INFO;
	c->max_body = 16384;
	c->max_body_hard = 65536;
	c->max_headers = 8192;
	c->workers = 2;
	c->max_waiters = 1000;
	c->ticket_len = TICKET_DEFAULT_LEN;
	c->session_lifetime_s = 120;
	c->longpoll_max_ms = 30000;
	c->lockout_failures = 5;
	c->lockout_duration_s = 900;
	c->rate_window_s = 60;
	c->rate_per_address = 60;
	c->rate_per_account = 10;
	c->lease_default_ms = 30000;
	c->lease_max_ms = 300000;
	c->claim_wait_max_ms = 30000;
	c->claim_max_jobs = 10;
	snprintf(c->cert_source, sizeof(c->cert_source), "file");
	c->ldap_timeout_ms = 5000;
	c->ldap_workers = 2;
	c->ldap_cache_ttl_ms = 300000;
	c->web_enabled = true;
	snprintf(c->web_service, sizeof(c->web_service), "stkauth login");
	snprintf(c->web_captcha, sizeof(c->web_captcha), "after");
	c->web_captcha_after = 3;
	c->web_captcha_lifetime_s = 300;
	snprintf(c->web_captcha_font, sizeof(c->web_captcha_font),
	    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf");
	snprintf(c->web_cookie, sizeof(c->web_cookie), "__Host-stkauth");
	c->web_idle_s = 900;
	c->web_signed_in_s = 28800;
	c->web_max_sessions = 10000;
	c->web_password_workers = 2;
}

enum kind { K_STR, K_UINT, K_BOOL, K_LOGLEVEL, K_SIZE };

struct key {
	const char *section, *name;
	enum kind kind;
	size_t off, size;	/* field offset; string capacity */
	unsigned long min, max;
};

#define F(field) offsetof(struct srv_config, field), \
	sizeof(((struct srv_config *)0)->field)

static const struct key keys[] = {
	{ "server", "listen", K_STR, F(listen_addr), 0, 0 },
	{ "server", "port", K_UINT, F(listen_port), 1, 65535 },
	{ "server", "tls", K_BOOL, F(tls), 0, 0 },
	{ "server", "tls_cert", K_STR, F(tls_cert), 0, 0 },
	{ "server", "tls_key", K_STR, F(tls_key), 0, 0 },
	{ "server", "database", K_STR, F(db_path), 0, 0 },
	{ "server", "log_level", K_LOGLEVEL, F(log_level), 0, 0 },
	{ "server", "max_body", K_SIZE, F(max_body), 256, 1048576 },
	{ "server", "max_body_hard", K_SIZE, F(max_body_hard), 256, 4194304 },
	{ "server", "max_headers", K_SIZE, F(max_headers), 1024, 65536 },
	{ "server", "workers", K_UINT, F(workers), 1, 64 },
	{ "server", "max_waiters", K_UINT, F(max_waiters), 1, 100000 },
	{ "session", "ticket_length", K_UINT, F(ticket_len),
	    STK_AUTH_TICKET_MIN, STK_AUTH_TICKET_MAX },
	{ "session", "lifetime", K_UINT, F(session_lifetime_s),
	    STK_AUTH_LIFETIME_MIN, STK_AUTH_LIFETIME_MAX },
	{ "session", "longpoll_max_ms", K_UINT, F(longpoll_max_ms), 1000, 120000 },
	{ "session", "pin_required", K_BOOL, F(pin_required), 0, 0 },
	{ "lockout", "max_failures", K_UINT, F(lockout_failures), 0, 1000 },
	{ "lockout", "duration", K_UINT, F(lockout_duration_s), 1, 86400 * 7 },
	{ "ratelimit", "window", K_UINT, F(rate_window_s), 1, 86400 },
	{ "ratelimit", "per_address", K_UINT, F(rate_per_address), 0, 1000000 },
	{ "ratelimit", "per_account", K_UINT, F(rate_per_account), 0, 1000000 },
	{ "bridge", "lease_ms", K_UINT, F(lease_default_ms), 1000, 3600000 },
	{ "bridge", "lease_max_ms", K_UINT, F(lease_max_ms), 1000, 3600000 },
	{ "bridge", "claim_wait_max_ms", K_UINT, F(claim_wait_max_ms), 0, 120000 },
	{ "bridge", "claim_max_jobs", K_UINT, F(claim_max_jobs), 1, 100 },
	{ "certs", "source", K_STR, F(cert_source), 0, 0 },
	{ "certs", "dir", K_STR, F(cert_dir), 0, 0 },
	{ "certs", "ca", K_STR, F(cert_ca), 0, 0 },
	{ "certs", "crl", K_STR, F(cert_crl), 0, 0 },
	{ "certs", "require_crl", K_BOOL, F(cert_require_crl), 0, 0 },
	{ "ldap", "uri", K_STR, F(ldap_uri), 0, 0 },
	{ "ldap", "starttls", K_BOOL, F(ldap_starttls), 0, 0 },
	{ "ldap", "tls_ca", K_STR, F(ldap_tls_ca), 0, 0 },
	{ "ldap", "bind_dn", K_STR, F(ldap_bind_dn), 0, 0 },
	{ "ldap", "bind_password_file", K_STR, F(ldap_bind_password_file),
	    0, 0 },
	{ "ldap", "base_dn", K_STR, F(ldap_base_dn), 0, 0 },
	{ "ldap", "user_class", K_STR, F(ldap_user_class), 0, 0 },
	{ "ldap", "uid_attr", K_STR, F(ldap_uid_attr), 0, 0 },
	{ "ldap", "msisdn_attr", K_STR, F(ldap_msisdn_attr), 0, 0 },
	{ "ldap", "crl_dn", K_STR, F(ldap_crl_dn), 0, 0 },
	{ "ldap", "timeout_ms", K_UINT, F(ldap_timeout_ms), 100, 60000 },
	{ "ldap", "workers", K_UINT, F(ldap_workers), 1, 16 },
	{ "ldap", "cache_ttl_ms", K_UINT, F(ldap_cache_ttl_ms), 0, 86400000 },
	{ "web", "enabled", K_BOOL, F(web_enabled), 0, 0 },
	{ "web", "service_name", K_STR, F(web_service), 0, 0 },
	{ "web", "captcha", K_STR, F(web_captcha), 0, 0 },
	{ "web", "captcha_after", K_UINT, F(web_captcha_after), 1, 1000 },
	{ "web", "captcha_lifetime", K_UINT, F(web_captcha_lifetime_s), 30,
	    3600 },
	{ "web", "captcha_font", K_STR, F(web_captcha_font), 0, 0 },
	{ "web", "cookie_name", K_STR, F(web_cookie), 0, 0 },
	{ "web", "idle_timeout", K_UINT, F(web_idle_s), 60, 86400 },
	{ "web", "signed_in_lifetime", K_UINT, F(web_signed_in_s), 60,
	    86400 * 30 },
	{ "web", "max_sessions", K_UINT, F(web_max_sessions), 10, 10000000 },
	{ "web", "password_workers", K_UINT, F(web_password_workers), 1, 16 },
};

struct loadctx {
	struct srv_config *c;
	char msg[160];
};

static int
set_key(struct loadctx *lc, const struct key *k, const char *value)
{
	char *base = (char *)lc->c + k->off, *end;
	unsigned long v;

	switch (k->kind) {
	case K_STR:
		if (strlen(value) >= k->size) {
			snprintf(lc->msg, sizeof(lc->msg), "%s: longer than %zu",
			    k->name, k->size - 1);
			return 0;
		}
		memcpy(base, value, strlen(value) + 1);
		return 1;
	case K_BOOL:
		if (strcmp(value, "yes") == 0 || strcmp(value, "true") == 0 ||
		    strcmp(value, "1") == 0)
			*(bool *)base = true;
		else if (strcmp(value, "no") == 0 ||
		    strcmp(value, "false") == 0 || strcmp(value, "0") == 0)
			*(bool *)base = false;
		else {
			snprintf(lc->msg, sizeof(lc->msg),
			    "%s: expected yes or no", k->name);
			return 0;
		}
		return 1;
	case K_LOGLEVEL: {
		int lv = stk_log_level_parse(value);

		if (lv < 0) {
			snprintf(lc->msg, sizeof(lc->msg),
			    "%s: expected error, warn, info or debug", k->name);
			return 0;
		}
		*(int *)base = lv;
		return 1;
	}
	case K_UINT:
	case K_SIZE:
		errno = 0;
		if (value[0] < '0' || value[0] > '9')
			goto bad;
		v = strtoul(value, &end, 10);
		if (errno != 0 || *end != '\0' || v < k->min || v > k->max)
			goto bad;
		if (k->kind == K_SIZE)
			*(size_t *)base = v;
		else if (k->size == sizeof(uint16_t))
			*(uint16_t *)base = (uint16_t)v;
		else
			*(unsigned *)base = (unsigned)v;
		return 1;
	}
 bad:
	snprintf(lc->msg, sizeof(lc->msg), "%s: expected an integer %lu..%lu",
	    k->name, k->min, k->max);
	return 0;
}

static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct loadctx *lc = user;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(keys[i].section, section) == 0 &&
		    strcmp(keys[i].name, name) == 0)
			return set_key(lc, &keys[i], value);
	}
	snprintf(lc->msg, sizeof(lc->msg), "unknown key [%s] %s", section,
	    name);
	return 0;
}

int
config_load(const char *path, struct srv_config *c, char *err, size_t errsz)
{
	struct loadctx lc = { .c = c };
	int line;

	config_defaults(c);
	line = ini_parse(path, handler, &lc);
	if (line == -1) {
		snprintf(err, errsz, "%s: cannot open: %s", path,
		    strerror(errno));
		return STK_E_IO;
	}
	if (line != 0) {
		snprintf(err, errsz, "%s:%d: %s", path, line,
		    lc.msg[0] ? lc.msg : "syntax error");
		return STK_E_INVALID;
	}
	return config_check(c, err, errsz);
}

bool
addr_is_loopback(const char *addr)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (inet_pton(AF_INET, addr, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, addr, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return false;
}

static bool
readable(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

int
config_check(const struct srv_config *c, char *err, size_t errsz)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (inet_pton(AF_INET, c->listen_addr, &a4) != 1 &&
	    inet_pton(AF_INET6, c->listen_addr, &a6) != 1) {
		snprintf(err, errsz, "listen: not a numeric IP address: %s",
		    c->listen_addr);
		return STK_E_INVALID;
	}
	if (!c->tls && !addr_is_loopback(c->listen_addr)) {
		snprintf(err, errsz, "tls = no is allowed only on a loopback "
		    "address (listen = %s)", c->listen_addr);
		return STK_E_INVALID;
	}
	if (c->tls && (!readable(c->tls_cert) || !readable(c->tls_key))) {
		snprintf(err, errsz, "tls = yes needs readable tls_cert and "
		    "tls_key files");
		return STK_E_INVALID;
	}
	if (c->max_body > c->max_body_hard) {
		snprintf(err, errsz, "max_body must not exceed max_body_hard");
		return STK_E_INVALID;
	}
	if (c->lease_default_ms > c->lease_max_ms) {
		snprintf(err, errsz, "lease_ms must not exceed lease_max_ms");
		return STK_E_INVALID;
	}
	if (strcmp(c->cert_source, "file") != 0 &&
	    strcmp(c->cert_source, "ldap") != 0) {
		snprintf(err, errsz, "certs source: expected file or ldap");
		return STK_E_INVALID;
	}
	if (strcmp(c->cert_source, "file") == 0 && c->cert_dir[0] == '\0') {
		snprintf(err, errsz, "certs source = file needs dir");
		return STK_E_INVALID;
	}
	if (!readable(c->cert_ca)) {
		snprintf(err, errsz, "certs ca: a readable CA bundle is "
		    "required");
		return STK_E_INVALID;
	}
	if (strcmp(c->cert_source, "ldap") == 0 && (c->ldap_uri[0] == '\0' ||
	    c->ldap_base_dn[0] == '\0')) {
		snprintf(err, errsz, "certs source = ldap needs [ldap] uri and "
		    "base_dn");
		return STK_E_INVALID;
	}
	if (c->ldap_bind_password_file[0] &&
	    !readable(c->ldap_bind_password_file)) {
		snprintf(err, errsz, "ldap bind_password_file: not readable");
		return STK_E_INVALID;
	}
	if (c->cert_crl[0] != '\0' && !readable(c->cert_crl)) {
		snprintf(err, errsz, "certs crl: not readable: %s", c->cert_crl);
		return STK_E_INVALID;
	}
	if (c->web_enabled && web_config_check(c, err, errsz) != STK_OK)
		return STK_E_INVALID;
	if (c->db_path[0] == '\0') {
		snprintf(err, errsz, "database: empty path");
		return STK_E_INVALID;
	}
	return STK_OK;
}
