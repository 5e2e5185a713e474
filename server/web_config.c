/*
 * web_config.c - checks of the [web] configuration keys (config.c calls
 * web_config_check from config_check, so "stkauth-server -n" reports
 * them).  No libevent, no libgd: the JSON fuzz target links config.c.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "authmsg.h"
#include "err.h"
#include "server.h"
#include "web.h"

static const struct {
	const char *name;
	int policy;
} policies[] = {
	{ "never", WEB_CAPTCHA_NEVER },
	{ "after", WEB_CAPTCHA_AFTER },
	{ "always", WEB_CAPTCHA_ALWAYS },
};

int
web_captcha_policy_parse(const char *s, int *policy)
{
	for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++)
		if (strcmp(s, policies[i].name) == 0) {
			*policy = policies[i].policy;
			return STK_OK;
		}
	return STK_E_INVALID;
}

int
web_config_check(const struct srv_config *c, char *err, size_t errsz)
{
	struct stk_auth_request r;
	struct stat sb;
	int policy, rc;

	memset(&r, 0, sizeof(r));
	/* the same rule as the REST API's serviceName (PROTOCOL.md §2.1) */
	rc = stk_auth_request_set_service(&r, c->web_service,
	    strlen(c->web_service));
	if (rc != STK_OK || strlen(c->web_service) > API_SERVICE_MAX) {
		snprintf(err, errsz, "web service_name: %s", rc ==
		    STK_E_TOO_LONG ? "longer than 52 GSM 7-bit septets or 26 "
		    "UCS-2 characters" : "empty, malformed UTF-8 or outside the "
		    "BMP");
		return STK_E_INVALID;
	}
	if (web_captcha_policy_parse(c->web_captcha, &policy) != STK_OK) {
		snprintf(err, errsz, "web captcha: expected always, after or "
		    "never");
		return STK_E_INVALID;
	}
	if (!web_cookie_name_valid(c->web_cookie)) {
		snprintf(err, errsz, "web cookie_name: not an RFC 6265 cookie "
		    "name: %s", c->web_cookie);
		return STK_E_INVALID;
	}
	if (c->web_captcha_font[0] && (stat(c->web_captcha_font, &sb) != 0 ||
	    !S_ISREG(sb.st_mode))) {
		snprintf(err, errsz, "web captcha_font: not readable: %s (\"\" "
		    "selects the built-in font)", c->web_captcha_font);
		return STK_E_INVALID;
	}
	return STK_OK;
}
