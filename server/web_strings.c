/*
 * web_strings.c - every string the login page shows, in one place.
 *
 * One table per language, indexed by enum web_str (web.h).  English is
 * complete (tests/unit/test_server_web.c checks that no id is missing);
 * another language is a second table plus a line in langs[], and may leave
 * ids out: they fall back to English.  The page's language is negotiated
 * per request from Accept-Language (web_lang_negotiate, web_form.c's
 * web_lang_pick), English when nothing else fits.  Strings are plain text: web_html.c
 * escapes them.  Wording: short sentences, say what happened and what to
 * do next, never which accounts exist (docs/WEB.md §4).
 */
#include <stddef.h>
#include <string.h>

#include "server.h"
#include "web.h"

static const char *const en[WS_COUNT] = {
	[WS_LANG] = "en",
	[WS_PRODUCT] = "stkauth",
	[WS_FOOTER] = "Only confirm a request on your phone if you started "
	    "it here and the code matches.",

	[WS_TITLE_SIGNIN] = "Sign in",
	[WS_INTRO_SIGNIN] = "Sign in with the SIM card in your phone. We "
	    "send a request to your phone; you confirm it there.",
	[WS_LABEL_ACCOUNT] = "Account name",
	[WS_HINT_ACCOUNT] = "Letters, digits and . _ - @",
	[WS_LABEL_PASSWORD] = "Password",
	[WS_HINT_PASSWORD] = "Leave it empty if your account has no password.",
	[WS_LABEL_CAPTCHA] = "Characters in the picture",
	[WS_HINT_CAPTCHA] = "Type the 5 characters you see. Capitals or "
	    "small letters, both work.",
	[WS_CAPTCHA_ALT] = "A picture of 5 distorted characters to type in",
	[WS_CAPTCHA_REFRESH] = "Show another picture",
	[WS_CAPTCHA_TEXT_LINK] = "Cannot read it? Get the characters as words",
	[WS_BUTTON_CONTINUE] = "Continue",
	[WS_ERR_ACCOUNT_EMPTY] = "Enter your account name.",
	[WS_ERR_ACCOUNT_SYNTAX] = "An account name has up to 64 letters, "
	    "digits and . _ - @ (not starting with . or -).",
	[WS_ERR_CAPTCHA] = "The characters did not match the picture. Here "
	    "is a new one.",
	[WS_ERR_SUMMARY] = "Please check the form:",

	[WS_TITLE_WAIT] = "Check your phone",
	[WS_WAIT_INTRO] = "We sent a sign-in request to your phone. Confirm "
	    "it only if your phone shows the same code as this page.",
	[WS_WAIT_CODE] = "Code",
	[WS_WAIT_CODE_ARIA] = "Code, character by character:",
	[WS_WAIT_SERVICE] = "Your phone shows",
	[WS_WAIT_TIME_LEFT] = "Time left",
	[WS_WAIT_SECONDS] = "seconds",
	[WS_WAIT_EXPIRES_AT] = "The code expires at",
	[WS_WAIT_NOSCRIPT] = "This page updates itself every few seconds.",
	[WS_WAIT_STATUS] = "Status",
	[WS_BUTTON_CANCEL] = "Cancel sign-in",
	[WS_WAIT_NO_POPUP] = "No pop-up on your phone? Check the account "
	    "name and try again.",
	[WS_PR_SENDING] = "Sending the request to your phone\u2026",
	[WS_PR_SENT] = "Sent to your phone",
	[WS_PR_DELIVERED] = "Delivered. Waiting for your confirmation on "
	    "the phone\u2026",
	[WS_PR_CHECKING] = "Answer received. Checking it\u2026",
	[WS_PR_DONE] = "Finished",
	[WS_STEP_SENT] = "Sent",
	[WS_STEP_DELIVERED] = "Delivered",
	[WS_STEP_CONFIRMED] = "Confirmed",

	[WS_TITLE_SIGNED_IN] = "You are signed in",
	[WS_SIGNED_IN_INTRO] = "Your phone confirmed the sign-in.",
	[WS_SIGNED_IN_ACCOUNT] = "Account",
	[WS_SIGNED_IN_AT] = "Signed in at",
	[WS_BUTTON_SIGN_OUT] = "Sign out",
	[WS_TRY_AGAIN] = "Try again",
	[WS_START_AGAIN] = "Go to the sign-in page",

	[WS_RES_REFUSED_T] = "Sign-in rejected",
	[WS_RES_REFUSED] = "The request was rejected on your phone or "
	    "cancelled here, so you are not signed in.",
	[WS_RES_TIMEOUT_T] = "No answer in time",
	[WS_RES_TIMEOUT] = "Your phone did not confirm before the code "
	    "expired. Check that the phone is on and has signal, then try "
	    "again.",
	[WS_RES_DELIVERY_T] = "Your phone could not be reached",
	[WS_RES_DELIVERY] = "We could not deliver the request to your phone. "
	    "Check that it is switched on and has signal, then try again.",
	[WS_RES_SIM_T] = "Your SIM card reported a problem",
	[WS_RES_SIM] = "The SIM card could not handle the request. Try again; "
	    "if it happens again, contact your administrator.",
	[WS_RES_PIN_T] = "Your PIN is blocked",
	[WS_RES_PIN] = "The PIN of the sign-in application on your SIM card "
	    "is blocked. Contact your administrator to unblock it.",
	[WS_RES_SIG_T] = "The answer could not be verified",
	[WS_RES_SIG] = "The answer from your phone did not pass the security "
	    "check, so you are not signed in. Try again; if it happens again, "
	    "contact your administrator.",
	[WS_RES_CERT_T] = "Your certificate is not valid",
	[WS_RES_CERT] = "Your sign-in certificate has expired, has been "
	    "revoked or is not trusted. Contact your administrator.",
	[WS_RES_LOCKED_T] = "Account locked for now",
	[WS_RES_LOCKED] = "There were too many failed sign-ins, so the "
	    "account is locked for a while. Try again later.",
	[WS_RES_GENERIC_T] = "We could not sign you in",
	[WS_RES_GENERIC] = "Check your account name and password and try "
	    "again. If your account is not set up for signing in with your "
	    "phone yet, contact your administrator.",
	[WS_RES_INTERNAL_T] = "Something went wrong on our side",
	[WS_RES_INTERNAL] = "The sign-in could not be completed. Please try "
	    "again in a moment.",

	[WS_EXPIRED_T] = "Your session has expired",
	[WS_EXPIRED] = "The sign-in form works for a limited time and needs "
	    "cookies. Please start again.",
	[WS_CSRF_T] = "This form has expired",
	[WS_CSRF] = "The form arrived without its security token. Please "
	    "start again from the sign-in page.",
	[WS_BAD_FORM_T] = "The form could not be read",
	[WS_BAD_FORM] = "Something in the form was not as expected. Please "
	    "start again from the sign-in page.",
	[WS_RATE_T] = "Too many attempts",
	[WS_RATE] = "There were too many sign-in attempts. Wait a minute, "
	    "then try again.",
	[WS_BUSY_T] = "The service is busy",
	[WS_BUSY] = "Too many sign-ins are being handled right now. Please "
	    "try again in a moment.",
	[WS_NOT_FOUND_T] = "Page not found",
	[WS_NOT_FOUND] = "There is no page at this address.",
	[WS_ERROR_T] = "Something went wrong",
	[WS_ERROR] = "Please try again in a moment.",

	[WS_CAPTCHA_TEXT_T] = "The characters as words",
	[WS_CAPTCHA_TEXT_INTRO] = "The picture shows these characters, in "
	    "this order. Type them into the form without spaces.",
	[WS_CAPTCHA_TEXT_NONE] = "There is no picture to describe right now.",
	[WS_CAPTCHA_TEXT_BACK] = "Back to the sign-in form",
};

/* The CAPTCHA's text alternative: each character of TICKET_ALPHABET
 * spelled as a word, in the alphabet's order (NATO spelling for the
 * letters, so that similar-sounding ones differ). */
static const char *const en_words[TICKET_ALPHABET_LEN] = {
	"two", "three", "four", "five", "six", "seven", "eight", "nine",
	"A as in alfa", "B as in bravo", "C as in charlie", "D as in delta",
	"E as in echo", "F as in foxtrot", "G as in golf", "H as in hotel",
	"J as in juliett", "K as in kilo", "M as in mike", "N as in november",
	"P as in papa", "Q as in quebec", "R as in romeo", "S as in sierra",
	"T as in tango", "U as in uniform", "V as in victor",
	"W as in whiskey", "X as in x-ray", "Y as in yankee", "Z as in zulu",
};

/*
 * The languages: a BCP 47 tag (what Accept-Language is matched against
 * and what <html lang> and Content-Language say), the strings, the
 * spelled characters.  English first: it is the default and the
 * fallback of every missing entry.  Adding a language: docs/WEB.md §7.
 */
static const struct {
	const char *tag;
	const char *const *table;	/* WS_COUNT entries */
	const char *const *words;	/* TICKET_ALPHABET_LEN entries */
} langs[] = {
	{ "en", en, en_words },
};
#define NLANGS	(sizeof(langs) / sizeof(langs[0]))

static size_t
lang_index(const char *lang)
{
	for (size_t i = 0; lang && i < NLANGS; i++)
		if (strcmp(langs[i].tag, lang) == 0)
			return i;
	return 0;
}

const char *
web_str(const char *lang, int id)
{
	const char *s;

	if (id < 0 || id >= WS_COUNT)
		return "";
	if ((s = langs[lang_index(lang)].table[id]) == NULL)
		s = en[id];
	return s ? s : "";
}

const char *
web_lang_negotiate(const char *accept_language)
{
	const char *tags[NLANGS];
	int k;

	for (size_t i = 0; i < NLANGS; i++)
		tags[i] = langs[i].tag;
	k = web_lang_pick(accept_language, tags, NLANGS);
	return langs[k < 0 ? 0 : k].tag;
}

const char *
web_char_word(const char *lang, char ch)
{
	const char *p = ch ? strchr(TICKET_ALPHABET, ch) : NULL;
	const char *const *w = langs[lang_index(lang)].words;
	size_t i;

	if (p == NULL)
		return NULL;
	i = (size_t)(p - TICKET_ALPHABET);
	return w && w[i] ? w[i] : en_words[i];
}

/*
 * The failure page of each result (DESIGN.md §5).  NOT_BOUND reads like
 * an unknown account or a wrong password (docs/WEB.md §4): the page never
 * tells which.
 */
static const struct {
	int result, title, text;
} results[] = {
	{ SRV_RES_USER_REFUSED, WS_RES_REFUSED_T, WS_RES_REFUSED },
	{ SRV_RES_TIMEOUT, WS_RES_TIMEOUT_T, WS_RES_TIMEOUT },
	{ SRV_RES_NOT_BOUND, WS_RES_GENERIC_T, WS_RES_GENERIC },
	{ SRV_RES_DELIVERY_ERROR, WS_RES_DELIVERY_T, WS_RES_DELIVERY },
	{ SRV_RES_SIM_ERROR, WS_RES_SIM_T, WS_RES_SIM },
	{ SRV_RES_PIN_BLOCKED, WS_RES_PIN_T, WS_RES_PIN },
	{ SRV_RES_SIGNATURE_INVALID, WS_RES_SIG_T, WS_RES_SIG },
	{ SRV_RES_CERT_INVALID, WS_RES_CERT_T, WS_RES_CERT },
	{ SRV_RES_ACCOUNT_LOCKED, WS_RES_LOCKED_T, WS_RES_LOCKED },
	{ SRV_RES_INTERNAL_ERROR, WS_RES_INTERNAL_T, WS_RES_INTERNAL },
};

int
web_result_title(int result)
{
	for (size_t i = 0; i < sizeof(results) / sizeof(results[0]); i++)
		if (results[i].result == result)
			return results[i].title;
	return WS_RES_INTERNAL_T;
}

int
web_result_text(int result)
{
	for (size_t i = 0; i < sizeof(results) / sizeof(results[0]); i++)
		if (results[i].result == result)
			return results[i].text;
	return WS_RES_INTERNAL;
}
