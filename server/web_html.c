/*
 * web_html.c - the pages of the login flow (docs/WEB.md §2).
 *
 * Every page is the same skeleton (web_page_begin/end): one stylesheet
 * and one deferred script from /static/, no inline style or script (the
 * CSP forbids both), one <h1>, a <main> landmark.  Every string comes from
 * web_strings.c; everything that is not a fixed string of ours (account
 * names, the service name, tokens) goes through web_escape().  Forms are
 * plain POST forms with the CSRF token as a hidden field, so each step
 * works without JavaScript.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "err.h"
#include "server.h"
#include "web.h"

int
web_escape(struct evbuffer *b, const char *s)
{
	const char *run = s;

	for (; *s; s++) {
		const char *rep;

		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		if (evbuffer_add(b, run, (size_t)(s - run)) != 0 ||
		    evbuffer_add(b, rep, strlen(rep)) != 0)
			return STK_E_NOMEM;
		run = s + 1;
	}
	return evbuffer_add(b, run, (size_t)(s - run)) == 0 ? STK_OK :
	    STK_E_NOMEM;
}

/* A fixed string of ours, escaped all the same (translations may hold
 * "&" or quotes). */
static void
str(struct evbuffer *b, const struct web_view *v, int id)
{
	web_escape(b, web_str(v->lang, id));
}

static void
lit(struct evbuffer *b, const char *s)
{
	evbuffer_add(b, s, strlen(s));
}

void
web_page_begin(struct evbuffer *b, const struct web_view *v, int title,
    const char *refresh)
{
	/* one allocation for the whole page (pages are 1.5..3 KiB) */
	evbuffer_expand(b, 4096);
	lit(b, "<!doctype html>\n<html lang=\"");
	str(b, v, WS_LANG);
	lit(b, "\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n<title>");
	str(b, v, title);
	lit(b, " \xc2\xb7 ");
	str(b, v, WS_PRODUCT);
	lit(b, "</title>\n<link rel=\"stylesheet\" href=\"/static/web.css\">\n"
	    "<script src=\"/static/web.js\" defer></script>\n");
	if (refresh) {
		/* HTML §4.2.5.3 refresh in a <noscript> of the head: only
		 * browsers without scripting follow it */
		lit(b, "<noscript><meta http-equiv=\"refresh\" content=\"");
		web_escape(b, refresh);
		lit(b, "\"></noscript>\n");
	}
	lit(b, "</head>\n<body>\n<header class=\"bar\"><span class=\"brand\">");
	str(b, v, WS_PRODUCT);
	lit(b, "</span></header>\n<main class=\"card\" id=\"main\">\n<h1>");
	str(b, v, title);
	lit(b, "</h1>\n");
}

void
web_page_end(struct evbuffer *b, const struct web_view *v)
{
	lit(b, "</main>\n<footer class=\"foot\"><p>");
	str(b, v, WS_FOOTER);
	lit(b, "</p></footer>\n</body>\n</html>\n");
}

static void
csrf_field(struct evbuffer *b, const struct web_view *v)
{
	lit(b, "<input type=\"hidden\" name=\"csrf\" value=\"");
	web_escape(b, v->csrf);
	lit(b, "\">\n");
}

static void
para(struct evbuffer *b, const struct web_view *v, const char *cls, int id)
{
	evbuffer_add_printf(b, "<p%s%s%s>", cls ? " class=\"" : "",
	    cls ? cls : "", cls ? "\"" : "");
	str(b, v, id);
	lit(b, "</p>\n");
}

/* ---- step 1 ---------------------------------------------------------- */

void
web_html_login(struct evbuffer *b, const struct web_view *v,
    const char *account, int error, bool captcha, unsigned captcha_ver)
{
	bool acct_err = error == WS_ERR_ACCOUNT_EMPTY ||
	    error == WS_ERR_ACCOUNT_SYNTAX;
	bool cap_err = error == WS_ERR_CAPTCHA;

	web_page_begin(b, v, WS_TITLE_SIGNIN, NULL);
	para(b, v, "intro", WS_INTRO_SIGNIN);
	if (error >= 0) {
		lit(b, "<div class=\"alert\" role=\"alert\" id=\"error\"><p>");
		str(b, v, error);
		lit(b, "</p></div>\n");
	}
	lit(b, "<form method=\"post\" action=\"/login\">\n");
	csrf_field(b, v);
	lit(b, "<div class=\"field\">\n<label for=\"account\">");
	str(b, v, WS_LABEL_ACCOUNT);
	lit(b, "</label>\n<input type=\"text\" id=\"account\" name=\"account\" "
	    "autocomplete=\"username\" autocapitalize=\"none\" "
	    "spellcheck=\"false\" maxlength=\"64\" required "
	    "aria-describedby=\"account-hint");
	lit(b, acct_err ? " error\" aria-invalid=\"true\" autofocus" :
	    (cap_err ? "\"" : "\" autofocus"));
	lit(b, " value=\"");
	web_escape(b, account ? account : "");
	lit(b, "\">\n<p class=\"hint\" id=\"account-hint\">");
	str(b, v, WS_HINT_ACCOUNT);
	lit(b, "</p>\n</div>\n<div class=\"field\">\n<label for=\"password\">");
	str(b, v, WS_LABEL_PASSWORD);
	lit(b, "</label>\n<input type=\"password\" id=\"password\" "
	    "name=\"password\" autocomplete=\"current-password\" "
	    "maxlength=\"1024\" aria-describedby=\"password-hint\">\n"
	    "<p class=\"hint\" id=\"password-hint\">");
	str(b, v, WS_HINT_PASSWORD);
	lit(b, "</p>\n</div>\n");
	if (captcha) {
		lit(b, "<div class=\"field\">\n<label for=\"captcha\">");
		str(b, v, WS_LABEL_CAPTCHA);
		evbuffer_add_printf(b, "</label>\n<img class=\"captcha-img\" "
		    "id=\"captcha-img\" src=\"/captcha.png?v=%u\" width=\"220\" "
		    "height=\"80\" alt=\"", captcha_ver);
		str(b, v, WS_CAPTCHA_ALT);
		lit(b, "\">\n<p class=\"links\"><a href=\"/?captcha=new\" "
		    "id=\"captcha-new\">");
		str(b, v, WS_CAPTCHA_REFRESH);
		lit(b, "</a> <a href=\"/captcha/text\">");
		str(b, v, WS_CAPTCHA_TEXT_LINK);
		lit(b, "</a></p>\n<input type=\"text\" id=\"captcha\" "
		    "name=\"captcha\" autocomplete=\"off\" "
		    "autocapitalize=\"characters\" spellcheck=\"false\" "
		    "maxlength=\"16\" required aria-describedby=\"captcha-hint");
		lit(b, cap_err ? " error\" aria-invalid=\"true\" autofocus>" :
		    "\">");
		lit(b, "\n<p class=\"hint\" id=\"captcha-hint\">");
		str(b, v, WS_HINT_CAPTCHA);
		lit(b, "</p>\n</div>\n");
	}
	lit(b, "<button type=\"submit\" class=\"primary\">");
	str(b, v, WS_BUTTON_CONTINUE);
	lit(b, "</button>\n</form>\n");
	web_page_end(b, v);
}

/*
 * The blank form - step 1 without an error, a CAPTCHA or a typed account
 * - is the page most requests get, and apart from the CSRF token it
 * depends on the language alone.  It is rendered once per language
 * around a marker (control octets: no string of ours holds one, and
 * web_escape passes them through) and then served as head, token, tail:
 * three copies instead of some sixty appends and escapes
 * (docs/PERFORMANCE.md "Login page").
 */
#define BLANK_MAX	4096
#define BLANK_LANGS	8
#define BLANK_MARK	"\001csrf\001"

static struct blank {
	char lang[16];
	char head[BLANK_MAX], tail[BLANK_MAX];
	size_t hlen, tlen;
} blanks[BLANK_LANGS];

static const struct blank *
blank_get(const struct web_view *v)
{
	struct web_view tv = *v;
	struct blank *bl = NULL;
	struct evbuffer *b;
	char page[2 * BLANK_MAX];
	const char *m;
	size_t len;

	for (size_t i = 0; i < BLANK_LANGS; i++) {
		if (blanks[i].hlen && strcmp(blanks[i].lang, v->lang) == 0)
			return &blanks[i];
		if (blanks[i].hlen == 0 && bl == NULL)
			bl = &blanks[i];
	}
	if (bl == NULL || strlen(v->lang) >= sizeof(bl->lang) ||
	    (b = evbuffer_new()) == NULL)
		return NULL;
	tv.csrf = BLANK_MARK;
	web_html_login(b, &tv, "", -1, false, 0);
	len = evbuffer_get_length(b);
	if (len >= sizeof(page) || evbuffer_copyout(b, page, len) !=
	    (ev_ssize_t)len) {
		evbuffer_free(b);
		return NULL;
	}
	evbuffer_free(b);
	page[len] = '\0';
	if ((m = strstr(page, BLANK_MARK)) == NULL ||
	    (size_t)(m - page) >= BLANK_MAX ||
	    strlen(m + sizeof(BLANK_MARK) - 1) >= BLANK_MAX)
		return NULL;
	bl->tlen = strlen(m + sizeof(BLANK_MARK) - 1);
	memcpy(bl->tail, m + sizeof(BLANK_MARK) - 1, bl->tlen);
	bl->hlen = (size_t)(m - page);
	memcpy(bl->head, page, bl->hlen);
	snprintf(bl->lang, sizeof(bl->lang), "%s", v->lang);
	return bl;
}

void
web_html_login_blank(struct evbuffer *b, const struct web_view *v)
{
	const struct blank *bl = blank_get(v);

	if (bl == NULL) {
		web_html_login(b, v, "", -1, false, 0);
		return;
	}
	evbuffer_expand(b, bl->hlen + strlen(v->csrf) + bl->tlen);
	evbuffer_add(b, bl->head, bl->hlen);
	web_escape(b, v->csrf);
	evbuffer_add(b, bl->tail, bl->tlen);
}

/* ---- step 2 ---------------------------------------------------------- */

static const struct {
	const char *name;
	int label;
} progress[] = {
	[WEB_PR_SENDING] = { "sending", WS_PR_SENDING },
	[WEB_PR_SENT] = { "sent", WS_PR_SENT },
	[WEB_PR_DELIVERED] = { "delivered", WS_PR_DELIVERED },
	[WEB_PR_CHECKING] = { "checking", WS_PR_CHECKING },
	[WEB_PR_DONE] = { "done", WS_PR_DONE },
};

const char *
web_progress_name(int pr)
{
	if (pr < 0 || pr > WEB_PR_DONE)
		return "gone";
	return progress[pr].name;
}

int
web_progress_label(int pr)
{
	if (pr < 0 || pr > WEB_PR_DONE)
		return WS_PR_DONE;
	return progress[pr].label;
}

/* The steps shown under the status: what has happened, what is next. */
static const int step_labels[] = { WS_STEP_SENT, WS_STEP_DELIVERED,
	WS_STEP_CONFIRMED };

void
web_html_wait(struct evbuffer *b, const struct web_view *v,
    const struct web_sess *s, int pr)
{
	char grouped[2 * STK_AUTH_TICKET_MAX + 1];
	int64_t left = (s->expiry - v->now + 999) / 1000;
	const char *t;

	if (left < 0)
		left = 0;
	web_page_begin(b, v, WS_TITLE_WAIT, "3");
	evbuffer_add_printf(b, "<div id=\"wait\" data-now=\"%lld\" "
	    "data-expires=\"%lld\" data-progress=\"%s\">\n",
	    (long long)v->now, (long long)s->expiry, web_progress_name(pr));
	para(b, v, "intro", WS_WAIT_INTRO);
	lit(b, "<section class=\"ticket-box\" aria-labelledby=\"code-label\">\n"
	    "<p class=\"label\" id=\"code-label\">");
	str(b, v, WS_WAIT_CODE);
	lit(b, "</p>\n<p class=\"ticket\"><span class=\"sr\">");
	str(b, v, WS_WAIT_CODE_ARIA);
	for (t = s->ticket; *t; t++)
		evbuffer_add_printf(b, " %c", *t);
	lit(b, "</span>");
	web_ticket_groups(s->ticket, ' ', grouped, sizeof(grouped));
	lit(b, "<span aria-hidden=\"true\"><span class=\"grp\">");
	for (t = grouped; *t; t++)
		if (*t == ' ')
			lit(b, "</span><span class=\"grp\">");
		else
			evbuffer_add(b, t, 1);
	lit(b, "</span></span></p>\n</section>\n<section class=\"phone\">\n"
	    "<p class=\"label\">");
	str(b, v, WS_WAIT_SERVICE);
	lit(b, "</p>\n<div class=\"screen\"><p>");
	web_escape(b, v->service);
	lit(b, "</p><p>");
	web_escape(b, s->ticket);
	lit(b, "</p></div>\n</section>\n<dl class=\"facts\"><div><dt>");
	str(b, v, WS_WAIT_TIME_LEFT);
	evbuffer_add_printf(b, "</dt><dd><span id=\"left\">%lld</span> ",
	    (long long)left);
	str(b, v, WS_WAIT_SECONDS);
	lit(b, "</dd></div></dl>\n<p class=\"status\" role=\"status\">"
	    "<span class=\"spin\" aria-hidden=\"true\"></span>"
	    "<span id=\"status-text\">");
	str(b, v, web_progress_label(pr));
	lit(b, "</span></p>\n<ol class=\"steps\">\n");
	for (size_t i = 0; i < sizeof(step_labels) / sizeof(step_labels[0]);
	    i++) {
		int k = (int)i + WEB_PR_SENT;

		lit(b, k < pr ? "<li class=\"done\">" : k == pr ?
		    "<li class=\"now\">" : "<li>");
		str(b, v, step_labels[i]);
		lit(b, "</li>\n");
	}
	lit(b, "</ol>\n<noscript>");
	para(b, v, "hint", WS_WAIT_NOSCRIPT);
	lit(b, "</noscript>\n");
	/* on every waiting page, real or decoy (docs/WEB.md §4) */
	para(b, v, "hint", WS_WAIT_NO_POPUP);
	lit(b, "<form method=\"post\" action=\"/cancel\" "
	    "class=\"inline\">\n");
	csrf_field(b, v);
	lit(b, "<button type=\"submit\" class=\"secondary\">");
	str(b, v, WS_BUTTON_CANCEL);
	lit(b, "</button>\n</form>\n</div>\n");
	web_page_end(b, v);
}

/* ---- step 3 ---------------------------------------------------------- */

static void
again_link(struct evbuffer *b, const struct web_view *v, int label)
{
	lit(b, "<p><a class=\"button primary\" href=\"/\" id=\"again\">");
	str(b, v, label);
	lit(b, "</a></p>\n");
}

void
web_html_result(struct evbuffer *b, const struct web_view *v, int result)
{
	web_page_begin(b, v, web_result_title(result), NULL);
	evbuffer_add_printf(b, "<div class=\"alert\" role=\"alert\" "
	    "data-result=\"%s\"><p>", srv_result_name(result) ?
	    srv_result_name(result) : "");
	str(b, v, web_result_text(result));
	lit(b, "</p></div>\n");
	again_link(b, v, WS_TRY_AGAIN);
	web_page_end(b, v);
}

void
web_html_signed_in(struct evbuffer *b, const struct web_view *v,
    const struct web_sess *s)
{
	char when[40];
	time_t t = (time_t)(s->signed_in_at / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	web_page_begin(b, v, WS_TITLE_SIGNED_IN, NULL);
	para(b, v, "intro", WS_SIGNED_IN_INTRO);
	lit(b, "<dl class=\"facts\"><div><dt>");
	str(b, v, WS_SIGNED_IN_ACCOUNT);
	lit(b, "</dt><dd id=\"account\">");
	web_escape(b, s->account);
	lit(b, "</dd></div><div><dt>");
	str(b, v, WS_SIGNED_IN_AT);
	lit(b, "</dt><dd><time datetime=\"");
	web_escape(b, when);
	lit(b, "\">");
	web_escape(b, when);
	lit(b, "</time></dd></div></dl>\n<form method=\"post\" "
	    "action=\"/logout\" class=\"inline\">\n");
	csrf_field(b, v);
	lit(b, "<button type=\"submit\" class=\"secondary\">");
	str(b, v, WS_BUTTON_SIGN_OUT);
	lit(b, "</button>\n</form>\n");
	web_page_end(b, v);
}

void
web_html_message(struct evbuffer *b, const struct web_view *v, int title,
    int text)
{
	web_page_begin(b, v, title, NULL);
	para(b, v, NULL, text);
	again_link(b, v, WS_START_AGAIN);
	web_page_end(b, v);
}

void
web_html_captcha_text(struct evbuffer *b, const struct web_view *v,
    const struct captcha *c)
{
	web_page_begin(b, v, WS_CAPTCHA_TEXT_T, NULL);
	if (c == NULL) {
		para(b, v, NULL, WS_CAPTCHA_TEXT_NONE);
	} else {
		para(b, v, NULL, WS_CAPTCHA_TEXT_INTRO);
		lit(b, "<ol class=\"words\">\n");
		for (const char *p = c->answer; *p; p++) {
			const char *w = web_char_word(v->lang, *p);

			lit(b, "<li>");
			web_escape(b, w ? w : "");
			lit(b, "</li>\n");
		}
		lit(b, "</ol>\n");
	}
	lit(b, "<p><a href=\"/#captcha\">");
	str(b, v, WS_CAPTCHA_TEXT_BACK);
	lit(b, "</a></p>\n");
	web_page_end(b, v);
}
