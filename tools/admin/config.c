/*
 * config.c - stkauth-admin's INI configuration (inih), validated on load.
 *
 * Every key is in the table below; an unknown section or key, or a value
 * out of range, is "FILE:LINE: message".  Paths are not opened here: the
 * command that needs a file says when it is missing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "admin.h"
#include "err.h"

void
admin_config_defaults(struct admin_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->db, sizeof(c->db), "stkauth-server.db");
	c->cert_days = 825;
	c->crl_days = 30;
	snprintf(c->ldap_people_dn, sizeof(c->ldap_people_dn),
	    "ou=people,dc=stkauth,dc=test");
	snprintf(c->ldap_ca_dn, sizeof(c->ldap_ca_dn),
	    "cn=stkauth Test CA,ou=ca,dc=stkauth,dc=test");
	snprintf(c->tar, sizeof(c->tar), "53544B");
	snprintf(c->ota_alg, sizeof(c->ota_alg), "aes");
	c->kauth_len = 32;
}

enum kind { K_STR, K_UINT };

struct key {
	const char *section, *name;
	enum kind kind;
	size_t off, size;
	unsigned min, max;
};

#define S(sec, nm, field) { sec, nm, K_STR, \
	offsetof(struct admin_config, field), \
	sizeof(((struct admin_config *)0)->field), 0, 0 }
#define U(sec, nm, field, lo, hi) { sec, nm, K_UINT, \
	offsetof(struct admin_config, field), 0, lo, hi }

static const struct key keys[] = {
	S("server", "db", db),
	S("bridge", "keystore", keystore),
	S("ca", "dir", ca_dir),
	U("ca", "cert_days", cert_days, 1, 3650),
	U("ca", "crl_days", crl_days, 1, 365),
	S("ldap", "uri", ldap_uri),
	S("ldap", "bind_dn", ldap_bind_dn),
	S("ldap", "password_file", ldap_password_file),
	S("ldap", "people_dn", ldap_people_dn),
	S("ldap", "ca_dn", ldap_ca_dn),
	S("card", "admin_key_file", admin_key_file),
	S("card", "service_number", service_number),
	S("card", "tar", tar),
	S("card", "ota_alg", ota_alg),
	U("card", "kauth_len", kauth_len, 16, 64),
};

struct ctx {
	struct admin_config *c;
	char *err;
	size_t errsz;
};

static int
on_key(void *arg, const char *section, const char *name, const char *value)
{
	struct ctx *x = arg;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const struct key *k = &keys[i];
		char *p = (char *)x->c + k->off, *end;
		unsigned long v;

		if (strcmp(section, k->section) != 0 ||
		    strcmp(name, k->name) != 0)
			continue;
		if (k->kind == K_STR) {
			if (strlen(value) >= k->size) {
				snprintf(x->err, x->errsz, "%s too long", name);
				return 0;
			}
			memcpy(p, value, strlen(value) + 1);
			return 1;
		}
		v = strtoul(value, &end, 10);
		if (*value < '0' || *value > '9' || *end != '\0' ||
		    v < k->min || v > k->max) {
			snprintf(x->err, x->errsz, "%s: expected %u..%u", name,
			    k->min, k->max);
			return 0;
		}
		*(unsigned *)(void *)p = (unsigned)v;
		return 1;
	}
	snprintf(x->err, x->errsz, "unknown key [%s] %s", section, name);
	return 0;
}

int
admin_config_load(const char *path, struct admin_config *c, char *err,
    size_t errsz)
{
	struct ctx x = { c, err, errsz };
	char why[256] = "";
	int line;

	x.err = why;
	x.errsz = sizeof(why);
	line = ini_parse(path, on_key, &x);
	if (line < 0) {
		snprintf(err, errsz, "%s: cannot read", path);
		return STK_E_INVALID;
	}
	if (line > 0) {
		snprintf(err, errsz, "%s:%d: %s", path, line,
		    why[0] ? why : "syntax error");
		return STK_E_INVALID;
	}
	if (strcmp(c->ota_alg, "aes") != 0 && strcmp(c->ota_alg, "3des") != 0) {
		snprintf(err, errsz, "%s: [card] ota_alg: aes or 3des", path);
		return STK_E_INVALID;
	}
	return STK_OK;
}
