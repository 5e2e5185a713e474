/*
 * fuzz_web_form.c - what the login page reads from browsers
 * (server/web_form.c): form bodies (x-www-form-urlencoded), the Cookie
 * header and the Accept-Language header.  The first octet picks the
 * decoder (modulo 3: 0 form, 1 Cookie, 2 Accept-Language); the rest is
 * the input.  Checks the contracts: every decoded value is NUL-terminated
 * within its field, a form value never holds a control octet, a cookie
 * value only cookie-octets, a language pick is an index of the list or
 * -1.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "web.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char a[16], b[64], c[8], v[48];
	struct web_field f[] = {
		{ "csrf", a, sizeof(a), false },
		{ "account", b, sizeof(b), false },
		{ "password", c, sizeof(c), false },
	};
	static const char *const langs[] = { "en", "de", "pt-BR", "zh-Hant" };
	const char *bad;
	char *s;
	int k;

	if (size == 0 || size > 8192)
		return 0;

	if (data[0] % 3 == 0) {
		if (web_form_decode((const char *)data + 1, size - 1, f, 3,
		    &bad) == STK_OK)
			for (size_t i = 0; i < 3; i++) {
				size_t n = strnlen(f[i].out, f[i].cap);

				if (n >= f[i].cap)
					abort();
				for (size_t k = 0; k < n; k++)
					if ((unsigned char)f[i].out[k] < 0x20 ||
					    f[i].out[k] == 0x7f)
						abort();
			}
		return 0;
	}
	/* the Cookie header is a C string (libevent's header value) */
	if ((s = malloc(size)) == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	if (data[0] % 3 == 2) {
		k = web_lang_pick(s, langs, sizeof(langs) / sizeof(langs[0]));
		if (k < -1 || k >= (int)(sizeof(langs) / sizeof(langs[0])))
			abort();
		free(s);
		return 0;
	}
	if (web_cookie_get(s, "__Host-stkauth", v, sizeof(v)) == STK_OK)
		for (const char *p = v; *p; p++)
			if (*p <= ' ' || *p == '"' || *p == ',' || *p == ';' ||
			    *p == '\\' || (unsigned char)*p >= 0x7f)
				abort();
	free(s);
	return 0;
}
