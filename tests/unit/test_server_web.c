/*
 * test_server_web.c - the login page's pieces without a network: form
 * decoding (good and bad input), the Cookie header, CSRF tokens and web
 * sessions (lookup, expiry, regeneration, eviction), CAPTCHA challenges
 * (single use, expiry, PNG) and the policy, the ticket grouping, HTML
 * escaping, the strings table, the Accept-Language negotiation and the
 * [web] configuration checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>

#include "err.h"
#include "server.h"
#include "web.h"

/* ---- forms ----------------------------------------------------------- */

struct form {
	char csrf[64], account[80], password[40];
	struct web_field f[3];
};

static void
form_init(struct form *fm)
{
	memset(fm, 0, sizeof(*fm));
	fm->f[0] = (struct web_field){ "csrf", fm->csrf, sizeof(fm->csrf),
	    false };
	fm->f[1] = (struct web_field){ "account", fm->account,
	    sizeof(fm->account), false };
	fm->f[2] = (struct web_field){ "password", fm->password,
	    sizeof(fm->password), false };
}

static int
decode(struct form *fm, const char *body, const char **bad)
{
	form_init(fm);
	return web_form_decode(body, strlen(body), fm->f, 3, bad);
}

static void
test_form_good(void **state)
{
	struct form fm;
	const char *bad;

	(void)state;
	assert_int_equal(decode(&fm, "csrf=ct_1&account=alice%40example.org&"
	    "password=a+b%2Bc%26d%3D", &bad), STK_OK);
	assert_string_equal(fm.csrf, "ct_1");
	assert_string_equal(fm.account, "alice@example.org");
	assert_string_equal(fm.password, "a b+c&d=");
	assert_true(fm.f[2].seen);
	/* absent fields are "", empty pairs are skipped, no '=' is "" */
	assert_int_equal(decode(&fm, "&&account&", &bad), STK_OK);
	assert_string_equal(fm.account, "");
	assert_true(fm.f[1].seen);
	assert_false(fm.f[0].seen);
	assert_string_equal(fm.csrf, "");
	assert_int_equal(decode(&fm, "", &bad), STK_OK);
	/* UTF-8 passes: "Zoë" and a 4-octet character */
	assert_int_equal(decode(&fm, "password=Zo%C3%AB%F0%9F%98%80", &bad),
	    STK_OK);
	assert_string_equal(fm.password, "Zo\xc3\xab\xf0\x9f\x98\x80");
	/* hex digits of either case */
	assert_int_equal(decode(&fm, "account=%4a%4A", &bad), STK_OK);
	assert_string_equal(fm.account, "JJ");
}

static void
test_form_bad(void **state)
{
	static const struct {
		const char *body;
		int rc;
		const char *bad;
	} cases[] = {
		{ "account=a%", STK_E_INVALID, "account" },
		{ "account=a%4", STK_E_INVALID, "account" },
		{ "account=a%zz", STK_E_INVALID, "account" },
		{ "account=a%4g", STK_E_INVALID, "account" },
		{ "account=a&account=b", STK_E_INVALID, "account" },
		{ "admin=1", STK_E_INVALID, "" },
		{ "acc%6Funt=x&admin=1", STK_E_INVALID, "" },
		{ "%00=1", STK_E_INVALID, "" },
		{ "account=a%00b", STK_E_INVALID, "account" },
		{ "account=a%0Ab", STK_E_INVALID, "account" },
		{ "account=%7F", STK_E_INVALID, "account" },
		{ "password=%C3%28", STK_E_INVALID, "password" },
		{ "password=%C0%AF", STK_E_INVALID, "password" },	/* overlong */
		{ "password=%ED%A0%80", STK_E_INVALID, "password" }, /* surrogate */
		{ "password=%F4%90%80%80", STK_E_INVALID, "password" }, /* >10FFFF */
		{ "password=%E2%82", STK_E_INVALID, "password" },	/* cut */
		{ "password=%FF", STK_E_INVALID, "password" },
		{ "password=0123456789012345678901234567890123456789",
		    STK_E_TOO_LONG, "password" },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=1", STK_E_INVALID,
		    "" },
	};
	struct form fm;
	const char *bad;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = decode(&fm, cases[i].body, &bad);

		if (rc != cases[i].rc || strcmp(bad, cases[i].bad) != 0)
			fail_msg("%s: rc %d bad \"%s\"", cases[i].body, rc, bad);
	}
	/* 39 octets fit a 40-octet field, 40 do not */
	assert_int_equal(decode(&fm, "password=012345678901234567890123456789"
	    "012345678", &bad), STK_OK);
	/* a NUL inside the body (not %00) stops nothing: it is refused */
	form_init(&fm);
	assert_int_equal(web_form_decode("account=a\0b", 11, fm.f, 3, &bad),
	    STK_E_INVALID);
}

/* ---- cookies --------------------------------------------------------- */

static void
test_cookie(void **state)
{
	char v[32];

	(void)state;
	assert_int_equal(web_cookie_get("a=1; __Host-stkauth=ws_x; b=2",
	    "__Host-stkauth", v, sizeof(v)), STK_OK);
	assert_string_equal(v, "ws_x");
	assert_int_equal(web_cookie_get("__Host-stkauth=first;"
	    "__Host-stkauth=second", "__Host-stkauth", v, sizeof(v)), STK_OK);
	assert_string_equal(v, "first");
	assert_int_equal(web_cookie_get("x=\"quoted\"", "x", v, sizeof(v)),
	    STK_OK);
	assert_string_equal(v, "quoted");
	assert_int_equal(web_cookie_get("  x=1  ", "x", v, sizeof(v)), STK_OK);
	assert_string_equal(v, "1");
	/* a name that merely ends or starts like ours is another cookie */
	assert_int_equal(web_cookie_get("my__Host-stkauth=1; __Host-stkauthx=2",
	    "__Host-stkauth", v, sizeof(v)), STK_E_NOT_FOUND);
	assert_int_equal(web_cookie_get("", "x", v, sizeof(v)),
	    STK_E_NOT_FOUND);
	assert_int_equal(web_cookie_get("x", "x", v, sizeof(v)),
	    STK_E_NOT_FOUND);
	assert_int_equal(web_cookie_get("x=a b", "x", v, sizeof(v)),
	    STK_E_INVALID);
	assert_int_equal(web_cookie_get("x=a\\b", "x", v, sizeof(v)),
	    STK_E_INVALID);
	assert_int_equal(web_cookie_get("x=a,b", "x", v, sizeof(v)),
	    STK_E_INVALID);
	assert_int_equal(web_cookie_get("x=0123456789012345678901234567890123",
	    "x", v, sizeof(v)), STK_E_TOO_LONG);
	assert_true(web_cookie_name_valid("__Host-stkauth"));
	assert_false(web_cookie_name_valid("a b"));
	assert_false(web_cookie_name_valid("a;b"));
	assert_false(web_cookie_name_valid("a=b"));
	assert_false(web_cookie_name_valid(""));
}

/* ---- sessions and CSRF ----------------------------------------------- */

static void
test_sessions(void **state)
{
	struct web_sessions *t;
	struct web_sess *a, *b, *c;
	char id[WEB_ID_LEN + 1], token[WEB_ID_LEN + 1];

	(void)state;
	assert_int_equal(web_sessions_new(2, &t), STK_OK);
	a = web_sess_create(t, 1000);
	assert_non_null(a);
	assert_int_equal(strlen(a->id), WEB_ID_LEN);
	assert_int_equal(strncmp(a->id, "ws_", 3), 0);
	assert_int_equal(strncmp(a->csrf, "ct_", 3), 0);
	assert_ptr_equal(web_sess_find(t, a->id, 2000, 10000, 10000), a);
	/* CSRF: the right token only, in full */
	snprintf(token, sizeof(token), "%s", a->csrf);
	assert_true(web_csrf_ok(a, token));
	token[WEB_ID_LEN - 1] ^= 1;
	assert_false(web_csrf_ok(a, token));
	token[WEB_ID_LEN - 1] = '\0';
	assert_false(web_csrf_ok(a, token));
	assert_false(web_csrf_ok(a, ""));
	assert_false(web_csrf_ok(a, a->id));
	/* unknown, wrong length */
	assert_null(web_sess_find(t, "ws_nothing", 2000, 10000, 10000));
	memcpy(id, a->id, sizeof(id));
	id[5] = id[5] == 'A' ? 'B' : 'A';
	assert_null(web_sess_find(t, id, 2000, 10000, 10000));
	/* regenerate: the old value is dead, the new one works */
	memcpy(id, a->id, sizeof(id));
	snprintf(token, sizeof(token), "%s", a->csrf);
	assert_int_equal(web_sess_regenerate(t, a), STK_OK);
	assert_string_not_equal(a->id, id);
	assert_false(web_csrf_ok(a, token));
	assert_null(web_sess_find(t, id, 3000, 10000, 10000));
	assert_ptr_equal(web_sess_find(t, a->id, 3000, 10000, 10000), a);
	/* full: the least recently used goes */
	b = web_sess_create(t, 3500);
	assert_non_null(b);
	assert_ptr_equal(web_sess_find(t, a->id, 4000, 10000, 10000), a);
	c = web_sess_create(t, 4500);	/* b is the oldest now */
	assert_non_null(c);
	assert_int_equal(web_sessions_count(t), 2);
	assert_ptr_equal(web_sess_find(t, a->id, 4600, 10000, 10000), a);
	/* idle expiry on lookup and by the sweeper */
	memcpy(id, c->id, sizeof(id));
	assert_null(web_sess_find(t, id, 4500 + 10001, 10000, 10000));
	assert_int_equal(web_sessions_count(t), 1);
	assert_int_equal(web_sess_sweep(t, 4600 + 10001, 10000), 1);
	assert_int_equal(web_sessions_count(t), 0);
	/* a signed-in session ends at its lifetime even when in use */
	a = web_sess_create(t, 100000);
	a->state = WEB_SIGNED_IN;
	a->signed_in_at = 100000;
	memcpy(id, a->id, sizeof(id));
	assert_ptr_equal(web_sess_find(t, id, 105000, 10000, 6000), a);
	assert_null(web_sess_find(t, id, 106001, 10000, 6000));
	web_sessions_free(t);
	assert_int_equal(web_sessions_new(0, &t), STK_E_ARG);
}

/* ---- CAPTCHA --------------------------------------------------------- */

static void
test_captcha(void **state)
{
	struct captcha c;
	char lower[CAPTCHA_LEN + 3];
	uint8_t *png = NULL, *png2 = NULL;
	size_t len = 0, len2 = 0;

	(void)state;
	assert_int_equal(captcha_new(&c, 1000, 60), STK_OK);
	assert_int_equal(strlen(c.answer), CAPTCHA_LEN);
	for (size_t i = 0; i < CAPTCHA_LEN; i++) {
		assert_non_null(strchr(TICKET_ALPHABET, c.answer[i]));
		assert_non_null(web_char_word("en", c.answer[i]));
	}
	assert_true(captcha_live(&c, 2000));
	/* a PNG, the same for the same challenge (libgd's bitmap font) */
	assert_int_equal(captcha_png(&c, "", &png, &len), STK_OK);
	assert_int_equal(captcha_png(&c, "", &png2, &len2), STK_OK);
	assert_true(len > 100 && len == len2);
	assert_memory_equal(png, "\x89PNG\r\n\x1a\n", 8);
	assert_memory_equal(png, png2, len);
	free(png);
	free(png2);
	/* any case, spaces ignored; single use */
	snprintf(lower, sizeof(lower), "%c %c%c%c%c", c.answer[0] | 0x20,
	    c.answer[1] | 0x20, c.answer[2], c.answer[3], c.answer[4]);
	assert_true(captcha_check(&c, lower, 2000));
	assert_false(captcha_live(&c, 2000));
	assert_false(captcha_check(&c, lower, 2000));
	assert_int_equal(captcha_png(&c, "", &png, &len), STK_E_STATE);
	/* a wrong answer uses it up too */
	assert_int_equal(captcha_new(&c, 1000, 60), STK_OK);
	memcpy(lower, c.answer, sizeof(c.answer));
	assert_false(captcha_check(&c, "22222X", 2000));
	assert_false(captcha_check(&c, lower, 2000));
	/* too short, too long, expired */
	assert_int_equal(captcha_new(&c, 1000, 60), STK_OK);
	memcpy(lower, c.answer, sizeof(c.answer));
	lower[CAPTCHA_LEN - 1] = '\0';
	assert_false(captcha_check(&c, lower, 2000));
	assert_int_equal(captcha_new(&c, 1000, 60), STK_OK);
	snprintf(lower, sizeof(lower), "%s2", c.answer);
	assert_false(captcha_check(&c, lower, 2000));
	assert_int_equal(captcha_new(&c, 1000, 60), STK_OK);
	memcpy(lower, c.answer, sizeof(c.answer));
	assert_false(captcha_check(&c, lower, 1000 + 60000));
	/* the alphabet has no word for what tickets leave out */
	assert_null(web_char_word("en", '0'));
	assert_null(web_char_word("en", 'O'));
	assert_null(web_char_word("en", 'I'));
	assert_null(web_char_word("en", 'L'));
	assert_null(web_char_word("en", '1'));
	assert_null(web_char_word("en", '\0'));
	/* every character of the alphabet has its own word */
	for (const char *p = TICKET_ALPHABET; *p; p++) {
		const char *w = web_char_word("en", *p);

		assert_non_null(w);
		for (const char *q = p + 1; *q; q++)
			assert_string_not_equal(w, web_char_word("en", *q));
	}
	assert_string_equal(web_char_word("en", '7'), "seven");
	assert_string_equal(web_char_word("en", 'K'), "K as in kilo");
	assert_string_equal(web_char_word("xx", 'K'), "K as in kilo");
}

static void
test_captcha_policy(void **state)
{
	struct captcha_policy *p;

	(void)state;
	assert_int_equal(captcha_policy_new(WEB_CAPTCHA_AFTER, 2, 60, &p),
	    STK_OK);
	assert_false(captcha_required(p, "10.0.0.1", 1000));
	captcha_fail(p, "10.0.0.1", 1000);
	assert_false(captcha_required(p, "10.0.0.1", 1000));
	captcha_fail(p, "10.0.0.1", 2000);
	assert_true(captcha_required(p, "10.0.0.1", 2000));
	assert_false(captcha_required(p, "10.0.0.2", 2000));
	/* forgotten after the window without failures */
	assert_false(captcha_required(p, "10.0.0.1", 2000 + 60001));
	captcha_fail(p, "10.0.0.1", 3000);
	captcha_fail(p, "10.0.0.1", 3000);
	captcha_reset(p, "10.0.0.1");
	assert_false(captcha_required(p, "10.0.0.1", 3000));
	/* many addresses: the table stays bounded and keeps working */
	for (int i = 0; i < 20000; i++) {
		char a[32];

		snprintf(a, sizeof(a), "10.1.%d.%d", i / 256, i % 256);
		captcha_fail(p, a, 5000);
	}
	captcha_fail(p, "10.0.0.9", 5000);
	captcha_fail(p, "10.0.0.9", 5000);
	assert_true(captcha_required(p, "10.0.0.9", 5000));
	captcha_policy_free(p);
	assert_int_equal(captcha_policy_new(WEB_CAPTCHA_ALWAYS, 2, 60, &p),
	    STK_OK);
	assert_true(captcha_required(p, "10.0.0.1", 1000));
	captcha_policy_free(p);
	assert_int_equal(captcha_policy_new(WEB_CAPTCHA_NEVER, 1, 60, &p),
	    STK_OK);
	captcha_fail(p, "10.0.0.1", 1000);
	captcha_fail(p, "10.0.0.1", 1000);
	assert_false(captcha_required(p, "10.0.0.1", 1000));
	captcha_policy_free(p);
}

/* ---- small pieces ---------------------------------------------------- */

static void
test_ticket_groups(void **state)
{
	static const struct {
		const char *in, *out;
		size_t groups;
	} cases[] = {
		{ "ABCD", "AB CD", 2 }, { "ABCDE", "ABC DE", 2 },
		{ "ABCDEF", "ABC DEF", 2 }, { "ABCDEFG", "ABC DE FG", 3 },
		{ "ABCDEFGH", "ABC DEF GH", 3 },
		{ "ABCDEFGHJ", "ABC DEF GHJ", 3 },
		{ "ABCDEFGHJK", "ABC DEF GH JK", 4 }, { "", "", 0 },
	};
	char out[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(web_ticket_groups(cases[i].in, ' ', out,
		    sizeof(out)), cases[i].groups);
		assert_string_equal(out, cases[i].out);
	}
	/* a short buffer is cut, still terminated */
	web_ticket_groups("ABCDEF", ' ', out, 4);
	assert_string_equal(out, "ABC");
}

static void
test_escape(void **state)
{
	struct evbuffer *b = evbuffer_new();
	char out[128];
	size_t n;

	(void)state;
	assert_int_equal(web_escape(b, "<a href=\"x\">'&'</a>"), STK_OK);
	n = evbuffer_remove(b, out, sizeof(out) - 1);
	out[n] = '\0';
	assert_string_equal(out, "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;"
	    "&lt;/a&gt;");
	assert_int_equal(web_escape(b, "plain"), STK_OK);
	n = evbuffer_remove(b, out, sizeof(out) - 1);
	out[n] = '\0';
	assert_string_equal(out, "plain");
	evbuffer_free(b);
}

static void
test_strings(void **state)
{
	static const int results[] = { SRV_RES_USER_REFUSED, SRV_RES_TIMEOUT,
		SRV_RES_DELIVERY_ERROR, SRV_RES_SIM_ERROR, SRV_RES_PIN_BLOCKED,
		SRV_RES_SIGNATURE_INVALID, SRV_RES_CERT_INVALID,
		SRV_RES_ACCOUNT_LOCKED, SRV_RES_NOT_BOUND,
		SRV_RES_INTERNAL_ERROR };

	(void)state;
	/* English is complete */
	for (int i = 0; i < WS_COUNT; i++)
		if (web_str("en", i)[0] == '\0')
			fail_msg("string %d has no English text", i);
	/* unknown languages fall back; ids outside the table are "" */
	assert_string_equal(web_str("xx", WS_TITLE_SIGNIN), "Sign in");
	assert_string_equal(web_str(NULL, WS_TITLE_SIGNIN), "Sign in");
	assert_string_equal(web_str("en", WS_COUNT), "");
	assert_string_equal(web_str("en", -1), "");
	/* each failure has its own message, NOT_BOUND the generic one */
	for (size_t i = 0; i < sizeof(results) / sizeof(results[0]); i++)
		for (size_t k = i + 1; k < sizeof(results) / sizeof(results[0]);
		    k++)
			assert_int_not_equal(web_result_text(results[i]),
			    web_result_text(results[k]));
	assert_int_equal(web_result_text(SRV_RES_NOT_BOUND), WS_RES_GENERIC);
	assert_int_equal(web_result_title(SRV_RES_NOT_BOUND),
	    WS_RES_GENERIC_T);
	assert_int_equal(web_result_text(9999), WS_RES_INTERNAL);
	/* progress names and labels */
	assert_string_equal(web_progress_name(WEB_PR_SENT), "sent");
	assert_string_equal(web_progress_name(-1), "gone");
	assert_int_equal(web_progress_label(WEB_PR_DELIVERED),
	    WS_PR_DELIVERED);
}

/* The cached blank form is the full rendering, octet for octet, for
 * every token (and the first call, which fills the cache, too). */
static void
test_blank_form(void **state)
{
	static const char *const tokens[] = {
		"ct_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"ct_zzzz-___0123456789abcdefghijklmnopqrstuvw", "a&b\"<x>",
	};
	struct web_view v = { "en", NULL, "Example", 0 };

	(void)state;
	for (int round = 0; round < 2; round++)
		for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
			struct evbuffer *a = evbuffer_new(), *b = evbuffer_new();
			size_t n;

			assert_non_null(a);
			assert_non_null(b);
			v.csrf = tokens[i];
			web_html_login(a, &v, "", -1, false, 0);
			web_html_login_blank(b, &v);
			n = evbuffer_get_length(a);
			assert_true(n > 1000);
			assert_int_equal(evbuffer_get_length(b), n);
			assert_memory_equal(evbuffer_pullup(a, -1),
			    evbuffer_pullup(b, -1), n);
			evbuffer_free(a);
			evbuffer_free(b);
		}
}

/* Accept-Language (RFC 9110 §12.5.4) against a made-up set of tables:
 * the matcher is the same whatever languages are written. */
static void
test_lang(void **state)
{
	static const char *const avail[] = { "en", "de", "pt-BR", "fr-CA",
		"zh-Hant" };
	static const struct {
		const char *header;
		int want;
	} v[] = {
		{ NULL, -1 }, { "", -1 }, { "de", 1 }, { "DE", 1 },
		{ "it, de;q=0.5", 1 },			/* it: no table */
		{ "de;q=0.5, en", 0 },			/* by weight */
		{ "de;q=0.5, en;q=0.5", 1 },		/* tie: the earlier */
		{ "de-CH", 1 },				/* Lookup: cut */
		{ "de-CH-1996", 1 },
		{ "pt", 2 },				/* prefix of pt-BR */
		{ "pt-PT, en;q=0.1", 2 },		/* pt-PT -> pt -> pt-BR */
		{ "fr-FR, fr;q=0.9", 3 },		/* fr-FR -> fr -> fr-CA */
		{ "zh-Hant-TW", 4 },
		{ "zh-x-foo", 4 },			/* -> zh-x -> zh -> zh-Hant */
		{ "de-x-y", 1 },			/* singleton cut too */
		{ "*", -1 }, { "*, de", -1 }, { "de, *", 1 },
		{ "de;q=0, en;q=0.1", 0 },		/* q=0: not acceptable */
		{ "de;q=0.000", -1 }, { "de;q=0.001", 1 },
		{ "de ; q=0.8 , en;q=0.7", 1 },		/* OWS */
		{ "de;Q=0.8,en;q=0.7", 1 },		/* "q" in any case */
		{ "en;q=0.7,de;q=1.0", 1 }, { "en;q=0.7,de;q=1.000", 1 },
		{ "de;q=1.5, en;q=0.1", 0 },		/* bad q: member skipped */
		{ "de;q=0.1234, en;q=0.1", 0 },
		{ "de;q=, en;q=0.1", 0 }, { "de;q=.5, en;q=0.1", 0 },
		{ "de;level=1, en;q=0.1", 0 },		/* no other parameter */
		{ "de;q=0.5x, en;q=0.1", 0 },
		{ ",, de ,", 1 },			/* empty members */
		{ "1de, de", 1 }, { "de-, en", 0 }, { "-de, en", 0 },
		{ "abcdefghi, en", 0 },			/* subtag > 8 */
		{ "de-abcdefghi, en", 0 }, { "de-abcdefgh", 1 },
		{ "d\xc3\xa9, en", 0 }, { "de_DE, en", 0 },
		{ "en-US, en;q=0.9", 0 }, { "EN-gb", 0 },
	};
	char big[WEB_LANG_HEADER_MAX + 8];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (web_lang_pick(v[i].header, avail, 5) != v[i].want)
			fail_msg("\"%s\": %d, expected %d", v[i].header ?
			    v[i].header : "(null)", web_lang_pick(v[i].header,
			    avail, 5), v[i].want);
	assert_int_equal(web_lang_pick("de", avail, 0), -1);
	/* a header above the cap is not read; more than WEB_LANG_RANGES
	 * members: the later ones are not read */
	memset(big, ' ', sizeof(big));
	memcpy(big, "de", 2);
	big[WEB_LANG_HEADER_MAX + 1] = '\0';
	assert_int_equal(web_lang_pick(big, avail, 5), -1);
	big[WEB_LANG_HEADER_MAX] = '\0';
	assert_int_equal(web_lang_pick(big, avail, 5), 1);
	big[0] = '\0';
	for (int i = 0; i < WEB_LANG_RANGES; i++)
		strcat(big, "xx;q=0.9,");
	strcat(big, "de");
	assert_int_equal(web_lang_pick(big, avail, 5), -1);
	/* the page's own tables: English only, the fallback for all */
	assert_string_equal(web_lang_negotiate(NULL), "en");
	assert_string_equal(web_lang_negotiate("de-DE, de;q=0.9"), "en");
	assert_string_equal(web_lang_negotiate("en-GB"), "en");
	assert_string_equal(web_lang_negotiate("garbage;;;"), "en");
	assert_string_equal(web_str(web_lang_negotiate("fr"), WS_LANG),
	    "en");
}

static void
test_config(void **state)
{
	struct srv_config c;
	char err[256];
	int p;

	(void)state;
	config_defaults(&c);
	snprintf(c.web_captcha_font, sizeof(c.web_captcha_font), "%s", "");
	assert_int_equal(web_config_check(&c, err, sizeof(err)), STK_OK);
	snprintf(c.web_service, sizeof(c.web_service), "%s",
	    "\xd0\x91\xd0\xb0\xd0\xbd\xd0\xba");	/* UCS-2 */
	assert_int_equal(web_config_check(&c, err, sizeof(err)), STK_OK);
	memset(c.web_service, 'A', 53);
	c.web_service[53] = '\0';
	assert_int_equal(web_config_check(&c, err, sizeof(err)),
	    STK_E_INVALID);
	assert_non_null(strstr(err, "52"));
	c.web_service[52] = '\0';
	assert_int_equal(web_config_check(&c, err, sizeof(err)), STK_OK);
	c.web_service[0] = '\0';
	assert_int_equal(web_config_check(&c, err, sizeof(err)),
	    STK_E_INVALID);
	config_defaults(&c);
	c.web_captcha_font[0] = '\0';
	snprintf(c.web_cookie, sizeof(c.web_cookie), "%s", "a;b");
	assert_int_equal(web_config_check(&c, err, sizeof(err)),
	    STK_E_INVALID);
	config_defaults(&c);
	snprintf(c.web_captcha_font, sizeof(c.web_captcha_font), "%s",
	    "/nonexistent/font.ttf");
	assert_int_equal(web_config_check(&c, err, sizeof(err)),
	    STK_E_INVALID);
	assert_int_equal(web_captcha_policy_parse("after", &p), STK_OK);
	assert_int_equal(p, WEB_CAPTCHA_AFTER);
	assert_int_equal(web_captcha_policy_parse("Always", &p),
	    STK_E_INVALID);
}

/* Decoys (docs/WEB.md §4): ticket, expiry, schedule, the clock. */
static void
test_decoy(void **state)
{
	struct web_decoy_clock c;
	struct web_sess s;
	int64_t now = 1700000000123;

	memset(&c, 0, sizeof(c));
	memset(&s, 0, sizeof(s));
	(void)state;
	assert_string_equal(web_decoy_reason_name(WEB_DECOY_UNKNOWN),
	    "unknown_account");
	assert_string_equal(web_decoy_reason_name(WEB_DECOY_NOT_BOUND),
	    "not_bound");
	assert_string_equal(web_decoy_reason_name(WEB_DECOY_WRONG_PASSWORD),
	    "wrong_password");
	assert_null(web_decoy_reason_name(WEB_DECOY_NONE));
	assert_null(web_decoy_reason_name(WEB_DECOY_COUNT));
	assert_int_equal(web_decoy_start(&s, &c, WEB_DECOY_NONE, NULL, 6,
	    NULL, 0, 60, now), STK_E_ARG);
	/* a ticket of the server's kind, a session id, the expiry of
	 * auth_session_start (whole seconds), defaults for the delays */
	assert_int_equal(web_decoy_start(&s, &c, WEB_DECOY_WRONG_PASSWORD,
	    NULL, 6, NULL, 0, 60, now), STK_OK);
	assert_int_equal(s.state, WEB_WAITING);
	assert_true(ticket_valid(s.ticket, strlen(s.ticket)));
	assert_int_equal(strlen(s.ticket), 6);
	assert_int_equal(strlen(s.auth_sid), 2 * STK_AUTH_SESSION_ID_LEN);
	assert_int_equal(s.expiry, (now / 1000 + 1 + 60) * 1000);
	assert_true(s.decoy_sent - now >= WEB_DECOY_DEFAULT_SENT_MS * 7 / 10);
	assert_true(s.decoy_sent - now <= WEB_DECOY_DEFAULT_SENT_MS * 13 / 10);
	assert_true(s.decoy_delivered >= s.decoy_sent);
	assert_true(s.decoy_end >= s.expiry &&
	    s.decoy_end < s.expiry + WEB_DECOY_END_JITTER_MS);
	/* the schedule */
	assert_int_equal(web_decoy_progress(&s, now), WEB_PR_SENDING);
	assert_int_equal(web_decoy_next_ms(&s, now), s.decoy_sent - now);
	assert_int_equal(web_decoy_progress(&s, s.decoy_sent), WEB_PR_SENT);
	assert_int_equal(web_decoy_progress(&s, s.decoy_delivered),
	    WEB_PR_DELIVERED);
	assert_int_equal(web_decoy_next_ms(&s, s.decoy_delivered),
	    s.decoy_end - s.decoy_delivered);
	assert_int_equal(web_decoy_progress(&s, s.decoy_end - 1),
	    WEB_PR_DELIVERED);
	assert_int_equal(web_decoy_progress(&s, s.decoy_end), WEB_PR_DONE);
	assert_int_equal(web_decoy_next_ms(&s, s.decoy_end), 0);
	assert_int_equal(web_decoy_result(&s), SRV_RES_TIMEOUT);
	s.decoy_cancelled = true;
	assert_int_equal(web_decoy_progress(&s, now), WEB_PR_DONE);
	assert_int_equal(web_decoy_result(&s), SRV_RES_USER_REFUSED);
	/* the given ticket, id and expiry (an unknown account's NOT_BOUND
	 * session); delays learnt from real sessions */
	web_decoy_learn(&c, WEB_PR_SENT, 40);
	web_decoy_learn(&c, WEB_PR_DELIVERED, 90);
	web_decoy_learn(&c, WEB_PR_CHECKING, 5000);	/* ignored */
	web_decoy_learn(&c, WEB_PR_SENT, -3);		/* clock step: 0 */
	assert_int_equal(c.nsent, 2);
	assert_int_equal(c.ndelivered, 1);
	assert_int_equal(c.sent[1], 0);
	for (int i = 0; i < 50; i++) {
		assert_int_equal(web_decoy_start(&s, &c, WEB_DECOY_UNKNOWN,
		    "ABC234", 6, "0011223344556677", now + 5000,
		    60, now), STK_OK);
		assert_string_equal(s.ticket, "ABC234");
		assert_string_equal(s.auth_sid,
		    "0011223344556677");
		assert_int_equal(s.expiry, now + 5000);
		assert_false(s.decoy_cancelled);
		assert_true(s.decoy_sent == now + 40 || s.decoy_sent == now);
		assert_int_equal(s.decoy_delivered, now + 90);
	}
	/* the ring keeps the last WEB_DECOY_SAMPLES */
	for (int i = 0; i < 3 * WEB_DECOY_SAMPLES; i++)
		web_decoy_learn(&c, WEB_PR_DELIVERED, 7);
	for (int i = 0; i < WEB_DECOY_SAMPLES; i++)
		assert_int_equal(c.delivered[i], 7);
	/* a stage may be empty: still at least 1 ms to wait */
	s.decoy_cancelled = false;
	s.decoy_sent = s.decoy_delivered = now + 10;
	assert_int_equal(web_decoy_progress(&s, now + 10), WEB_PR_DELIVERED);
	assert_true(web_decoy_next_ms(&s, now) >= 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form_good),
		cmocka_unit_test(test_form_bad),
		cmocka_unit_test(test_cookie),
		cmocka_unit_test(test_sessions),
		cmocka_unit_test(test_captcha),
		cmocka_unit_test(test_captcha_policy),
		cmocka_unit_test(test_ticket_groups),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_lang),
		cmocka_unit_test(test_blank_form),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_decoy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
