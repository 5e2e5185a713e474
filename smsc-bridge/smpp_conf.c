/*
 * smpp_conf.c - the [transport NAME] section with type = smpp: one table
 * of keys (docs/BRIDGE-SMPP.md lists them), each parsed and range-checked
 * when the section is loaded, so `stkauth-bridge -n` catches every error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "smpp_esme.h"

enum key_kind {
	K_STR,		/* copied, at most size - 1 characters */
	K_UINT,		/* decimal in [min, max] */
	K_U8,		/* decimal in [min, max], stored as uint8_t */
	K_MS,		/* duration ("500ms", "2s", "2") in [min, max] ms */
	K_BOOL,		/* yes/no, true/false, 1/0, on/off */
};

struct key_def {
	const char *key;
	enum key_kind kind;
	size_t off;
	size_t size;		/* K_STR: the buffer */
	unsigned min, max;
};

#define F(m) offsetof(struct smpp_conf, m)
#define S(m) sizeof(((struct smpp_conf *)0)->m)

static const struct key_def keys[] = {
	{ "host", K_STR, F(host), S(host), 0, 0 },
	{ "port", K_UINT, F(port), 0, 1, 65535 },
	{ "system_id", K_STR, F(system_id), S(system_id), 0, 0 },
	{ "password", K_STR, F(password), S(password), 0, 0 },
	{ "system_type", K_STR, F(system_type), S(system_type), 0, 0 },
	{ "addr_ton", K_U8, F(addr_ton), 0, 0, 6 },
	{ "addr_npi", K_U8, F(addr_npi), 0, 0, 18 },
	{ "address_range", K_STR, F(address_range), S(address_range), 0, 0 },
	{ "window", K_UINT, F(window), 0, 1, 1000 },
	{ "enquire_link", K_MS, F(enquire_link_ms), 0, 0, 3600000 },
	{ "response_timeout", K_MS, F(response_timeout_ms), 0, 100, 600000 },
	{ "bind_timeout", K_MS, F(bind_timeout_ms), 0, 100, 600000 },
	{ "reconnect_min", K_MS, F(reconnect_min_ms), 0, 10, 3600000 },
	{ "reconnect_max", K_MS, F(reconnect_max_ms), 0, 10, 3600000 },
	{ "throttle_pause", K_MS, F(throttle_pause_ms), 0, 0, 600000 },
	{ "tls", K_BOOL, F(tls), 0, 0, 0 },
	{ "ca", K_STR, F(ca), S(ca), 0, 0 },
	{ "plain_remote", K_BOOL, F(plain_remote), 0, 0, 0 },
	{ "source_addr", K_STR, F(source_addr), S(source_addr), 0, 0 },
	{ "source_ton", K_U8, F(src_ton), 0, 0, 6 },
	{ "source_npi", K_U8, F(src_npi), 0, 0, 18 },
	{ "receipt_slots", K_UINT, F(receipt_slots), 0, 16, 1000000 },
};

#undef F
#undef S

static void
defaults(struct smpp_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->port = 2775;
	c->addr_ton = 1;
	c->addr_npi = 1;
	c->window = 10;
	c->enquire_link_ms = 30000;
	c->response_timeout_ms = 10000;
	c->bind_timeout_ms = 10000;
	c->reconnect_min_ms = 1000;
	c->reconnect_max_ms = 60000;
	c->throttle_pause_ms = 1000;
	c->src_ton = 1;
	c->src_npi = 1;
	c->receipt_slots = 4096;
}

int
smpp_parse_duration(const char *text, unsigned *ms)
{
	char *end;
	unsigned long v;

	if (text == NULL || text[0] < '0' || text[0] > '9')
		return STK_E_INVALID;
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno != 0 || v > 100000000ul)
		return STK_E_INVALID;
	if (strcmp(end, "ms") == 0)
		;
	else if (*end == '\0' || strcmp(end, "s") == 0)
		v *= 1000;
	else
		return STK_E_INVALID;
	*ms = (unsigned)v;
	return STK_OK;
}

static int
parse_bool(const char *v, bool *out)
{
	static const struct {
		const char *word;
		bool value;
	} words[] = {
		{ "yes", true }, { "true", true }, { "on", true }, { "1", true },
		{ "no", false }, { "false", false }, { "off", false },
		{ "0", false },
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strcasecmp(v, words[i].word) == 0) {
			*out = words[i].value;
			return STK_OK;
		}
	}
	return STK_E_INVALID;
}

static int
parse_uint(const char *v, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long n;

	if (v[0] < '0' || v[0] > '9')
		return STK_E_INVALID;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return STK_E_INVALID;
	*out = (unsigned)n;
	return STK_OK;
}

static int
set_key(struct smpp_conf *c, const struct key_def *k, const char *v)
{
	unsigned char *field = (unsigned char *)c + k->off;
	unsigned n;
	bool b;

	switch (k->kind) {
	case K_STR:
		if (strlen(v) >= k->size)
			return STK_E_TOO_LONG;
		memcpy(field, v, strlen(v) + 1);
		return STK_OK;
	case K_UINT:
	case K_U8:
		if (parse_uint(v, k->min, k->max, &n) != STK_OK)
			return STK_E_INVALID;
		break;
	case K_MS:
		if (smpp_parse_duration(v, &n) != STK_OK || n < k->min ||
		    n > k->max)
			return STK_E_INVALID;
		break;
	case K_BOOL:
		if (parse_bool(v, &b) != STK_OK)
			return STK_E_INVALID;
		memcpy(field, &b, sizeof(b));
		return STK_OK;
	default:
		return STK_E_INVALID;
	}
	if (k->kind == K_U8)
		*(uint8_t *)field = (uint8_t)n;
	else
		memcpy(field, &n, sizeof(n));
	return STK_OK;
}

bool
smpp_host_is_loopback(const char *host)
{
	return strncmp(host, "127.", 4) == 0 || strcmp(host, "::1") == 0 ||
	    strcmp(host, "[::1]") == 0 || strcasecmp(host, "localhost") == 0;
}

/*
 * The password from a file: first line, owner-only permissions (no group
 * or other bits, like an ssh key), at most 8 characters (§4.1.1).
 */
static int
read_password_file(const char *path, struct smpp_conf *c, char *err,
    size_t errsz)
{
	char line[64];
	struct stat st;
	size_t n;
	int fd, r = STK_E_IO;
	ssize_t got;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, errsz, "password_file: %s: %s", path,
		    strerror(errno));
		return STK_E_IO;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "password_file: %s: not a regular file",
		    path);
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(err, errsz, "password_file: %s: mode %03o, must not "
		    "be readable by group or others (chmod 600)", path,
		    (unsigned)(st.st_mode & 0777));
		r = STK_E_INVALID;
		goto out;
	}
	got = read(fd, line, sizeof(line) - 1);
	if (got < 0) {
		snprintf(err, errsz, "password_file: %s: %s", path,
		    strerror(errno));
		goto out;
	}
	line[got] = '\0';
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	r = STK_E_INVALID;
	if (n == 0 || n >= sizeof(c->password)) {
		snprintf(err, errsz, "password_file: %s: the first line must "
		    "hold 1 to 8 characters", path);
		goto out;
	}
	memcpy(c->password, line, n + 1);
	r = STK_OK;
 out:
	memset(line, 0, sizeof(line));
	close(fd);
	return r;
}

int
smpp_conf_load(const struct transport_config *tc, struct smpp_conf *c,
    char *err, size_t errsz)
{
	const char *v;
	int r;

	defaults(c);
	snprintf(c->name, sizeof(c->name), "%s",
	    tc->name != NULL ? tc->name : "smpp");
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (tc->get(tc->cfg, keys[i].key, &v) != STK_OK)
			continue;
		r = set_key(c, &keys[i], v);
		if (r == STK_E_TOO_LONG) {
			snprintf(err, errsz, "%s: longer than %zu characters",
			    keys[i].key, keys[i].size - 1);
			return STK_E_INVALID;
		}
		if (r != STK_OK) {
			if (keys[i].kind == K_BOOL)
				snprintf(err, errsz, "%s: \"%s\" is not yes "
				    "or no", keys[i].key, v);
			else if (keys[i].kind == K_MS)
				snprintf(err, errsz, "%s: \"%s\" is not a "
				    "duration from %ums to %ums", keys[i].key,
				    v, keys[i].min, keys[i].max);
			else if (keys[i].kind != K_STR)
				snprintf(err, errsz, "%s: \"%s\" is not a "
				    "number from %u to %u", keys[i].key, v,
				    keys[i].min, keys[i].max);
			return STK_E_INVALID;
		}
	}
	if (tc->get(tc->cfg, "bind", &v) == STK_OK) {
		if (strcmp(v, "trx") == 0)
			c->bind = SMPP_BIND_TRX;
		else if (strcmp(v, "tx+rx") == 0)
			c->bind = SMPP_BIND_TX_RX;
		else {
			snprintf(err, errsz, "bind: \"%s\" is not trx or "
			    "tx+rx", v);
			return STK_E_INVALID;
		}
	}
	if (tc->get(tc->cfg, "payload", &v) == STK_OK) {
		if (strcmp(v, "auto") == 0 || strcmp(v, "short") == 0)
			c->payload = SMPP_PAYLOAD_AUTO;
		else if (strcmp(v, "tlv") == 0 ||
		    strcmp(v, "message_payload") == 0)
			c->payload = SMPP_PAYLOAD_TLV;
		else {
			snprintf(err, errsz, "payload: \"%s\" is not auto or "
			    "message_payload", v);
			return STK_E_INVALID;
		}
	}
	if (c->host[0] == '\0') {
		snprintf(err, errsz, "host: missing");
		return STK_E_INVALID;
	}
	if (c->system_id[0] == '\0') {
		snprintf(err, errsz, "system_id: missing");
		return STK_E_INVALID;
	}
	if (tc->get(tc->cfg, "password_file", &v) == STK_OK) {
		if (c->password[0] != '\0') {
			snprintf(err, errsz, "password_file: give password "
			    "or password_file, not both");
			return STK_E_INVALID;
		}
		r = read_password_file(v, c, err, errsz);
		if (r != STK_OK)
			return r;
	}
	if (c->reconnect_max_ms < c->reconnect_min_ms) {
		snprintf(err, errsz, "reconnect_max: below reconnect_min");
		return STK_E_INVALID;
	}
	if (c->ca[0] != '\0' && !c->tls) {
		snprintf(err, errsz, "ca: only with tls = yes");
		return STK_E_INVALID;
	}
	if (c->ca[0] != '\0' && access(c->ca, R_OK) != 0) {
		snprintf(err, errsz, "ca: %s: %s", c->ca, strerror(errno));
		return STK_E_INVALID;
	}
	/* The password travels in clear in bind_* (§4.1.1): without TLS,
	 * only to this machine unless the operator says otherwise. */
	if (!c->tls && !c->plain_remote && !smpp_host_is_loopback(c->host)) {
		snprintf(err, errsz, "host: %s is not loopback; set tls = yes "
		    "or plain_remote = yes", c->host);
		return STK_E_INVALID;
	}
	if (c->source_addr[0] != '\0') {
		struct stk_sms_addr a;

		if (smpp_addr_to_sms(c->src_ton, c->src_npi, c->source_addr,
		    &a) != STK_OK) {
			snprintf(err, errsz, "source_addr: \"%s\" is not an "
			    "address of TON %u", c->source_addr, c->src_ton);
			return STK_E_INVALID;
		}
	}
	return STK_OK;
}
