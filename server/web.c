/*
 * web.c - the login page: routes, the three steps, security headers
 * (docs/WEB.md).
 *
 *   GET  /              step 1 (the form), or the signed-in page
 *   POST /login         CSRF, rate limits, CAPTCHA, password (worker),
 *                       then a session through auth_session_start; 303 /wait
 *   GET  /wait          step 2 (ticket, service name, countdown, progress)
 *                       or step 3 (result page; OK signs in: new cookie)
 *   GET  /wait/status   JSON long-poll of the progress (the page's script)
 *   POST /cancel        ends the running session (USER_REFUSED)
 *   POST /logout        signs out
 *   GET  /captcha.png   the current challenge (?new=1: a new one)
 *   GET  /captcha/text  the same challenge spelled out as words
 *   GET  /static/...    stylesheet and script (web_assets.c)
 *
 * Every answer carries a strict Content-Security-Policy and the other
 * security headers (sec_headers); the cookie is HttpOnly, Secure,
 * SameSite=Strict, Path=/ (a "__Host-" name by default); every POST
 * carries the session's CSRF token, compared in constant time.
 *
 * What the page reveals (docs/WEB.md §4): POST /login does the same work
 * for every account name (one scrypt check, real or dummy, on a worker
 * thread; one session start through the REST code) and always answers
 * "303 /wait".  Unknown account, account without binding and wrong
 * password then get a decoy (web_sess.c): a waiting page like that of a
 * real session whose phone never answers, ending in TIMEOUT.  The audit
 * log and /metrics keep the truth.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <gd.h>
#include <openssl/crypto.h>

#include "err.h"
#include "log.h"
#include "password.h"
#include "server.h"
#include "store.h"
#include "web.h"

#define SWEEP_MS		10000
#define FORM_MAX		4096	/* octets of a form body */
#define PW_QUEUE_MAX		64	/* password checks waiting */
#define STATUS_POLL_MAX_MS	25000

/* The relying party the page's sessions belong to.  Its "key hash" is
 * this constant, not the SHA-256 of any key anybody holds: no bearer
 * token can authenticate as it (that would take a SHA-256 preimage). */
static const uint8_t party_marker[32] = "stkauth-web-login-party/no-key";
#define PARTY_NAME		"web-login"

/* Pages shown, by step (the /metrics label). */
enum { WV_FORM, WV_WAIT, WV_RESULT, WV_SIGNED_IN, WV_COUNT };
static const char *const view_names[WV_COUNT] = {
	[WV_FORM] = "form", [WV_WAIT] = "wait", [WV_RESULT] = "result",
	[WV_SIGNED_IN] = "signed_in",
};

/* The page's counters (/metrics, web_metrics). */
struct web_counters {
	unsigned long views[WV_COUNT];
	unsigned long outcomes[SRV_RES_COUNT];	/* as the page showed */
	unsigned long password_rejected;	/* shown as a decoy */
	unsigned long decoys[WEB_DECOY_COUNT];	/* by reason */
	unsigned long csrf_token;		/* POST with a wrong token */
	unsigned long csrf_no_session;		/* POST, no session */
	unsigned long captcha_failed;
	unsigned long captcha_drawn;		/* challenges made */
};

struct web {
	struct web_sessions *sess;
	struct captcha_policy *policy;
	struct web_work *work;
	struct event *sweeper;
	int64_t party_id;
	bool stopping;
	struct web_counters m;
	struct web_decoy_clock clock;	/* real sessions' progress times */
};

/* ---- replies --------------------------------------------------------- */

static const struct {
	int status;
	const char *phrase;
} phrases[] = {
	{ 200, "OK" }, { 303, "See Other" }, { 400, "Bad Request" },
	{ 403, "Forbidden" }, { 404, "Not Found" },
	{ 405, "Method Not Allowed" }, { 415, "Unsupported Media Type" },
	{ 422, "Unprocessable Content" }, { 429, "Too Many Requests" },
	{ 500, "Internal Server Error" }, { 503, "Service Unavailable" },
};

static void
sec_headers(struct reqctx *rc)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(rc->req);

	evhttp_add_header(h, "Content-Security-Policy", "default-src 'none'; "
	    "script-src 'self'; style-src 'self'; img-src 'self' data:; "
	    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
	    "base-uri 'none'");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Cross-Origin-Opener-Policy", "same-origin");
	evhttp_add_header(h, "Cross-Origin-Resource-Policy", "same-origin");
	evhttp_add_header(h, "Permissions-Policy",
	    "camera=(), microphone=(), geolocation=(), payment=()");
	if (rc->s->cfg.tls)
		evhttp_add_header(h, "Strict-Transport-Security",
		    "max-age=31536000");
	evhttp_add_header(h, "X-Trace-Id", rc->trace);
}

/* The page's language for this request (Accept-Language, web_strings.c). */
static const char *
req_lang(struct reqctx *rc)
{
	return web_lang_negotiate(evhttp_find_header(
	    evhttp_request_get_input_headers(rc->req), "Accept-Language"));
}

static void
view_init(struct web_view *v, struct reqctx *rc, const struct web_sess *s)
{
	v->lang = req_lang(rc);
	v->csrf = s ? s->csrf : "";
	v->service = rc->s->cfg.web_service;
	v->now = srv_now_ms();
}

static void reply(struct reqctx *rc, int status, const char *type,
    struct evbuffer *b, const char *cache);

/* The page of a request whose group commit failed (batch.c). */
static void
reply_store_failed(struct reqctx *rc)
{
	struct web_view v;
	struct evbuffer *b = evbuffer_new();

	view_init(&v, rc, NULL);
	if (b)
		web_html_message(b, &v, WS_ERROR_T, WS_ERROR);
	reply(rc, 500, "text/html; charset=utf-8", b, NULL);
}

/*
 * Send b (may be NULL) with status; frees rc like http_reply_json.  The
 * request's transaction (http_tx_open) ends here, before the answer
 * leaves: kept unless status is a 5xx, and the answer held until the
 * loop turn's group commit (batch.c); a commit that fails turns the
 * answer into the 500 page (nothing it said was stored).
 */
static void
reply(struct reqctx *rc, int status, const char *type, struct evbuffer *b,
    const char *cache)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(rc->req);
	const char *phrase = "Error";
	struct web_view v;

	if (!http_tx_settle(rc, status)) {
		if (b)
			evbuffer_free(b);
		view_init(&v, rc, NULL);
		if ((b = evbuffer_new()) != NULL)
			web_html_message(b, &v, WS_ERROR_T, WS_ERROR);
		evhttp_remove_header(h, "Location");
		evhttp_remove_header(h, "Set-Cookie");
		status = 500;
		type = "text/html; charset=utf-8";
		cache = NULL;
	}
	for (size_t i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++)
		if (phrases[i].status == status)
			phrase = phrases[i].phrase;
	sec_headers(rc);
	if (type)
		evhttp_add_header(h, "Content-Type", type);
	evhttp_add_header(h, "Cache-Control", cache ? cache : "no-store");
	log_debug("web: %s %s -> %d client=%s trace=%s",
	    evhttp_request_get_command(rc->req) == EVHTTP_REQ_GET ? "GET" :
	    "POST", evhttp_request_get_uri(rc->req), status, rc->client,
	    rc->trace);
	http_send(rc, status, phrase, b, status == 500 ? NULL :
	    reply_store_failed);
}

static void
redirect(struct reqctx *rc, const char *to)
{
	evhttp_add_header(evhttp_request_get_output_headers(rc->req),
	    "Location", to);
	reply(rc, 303, NULL, NULL, NULL);
}

/*
 * An HTML page.  Its language (negotiated from Accept-Language) is in
 * <html lang>; no Vary or Content-Language header: every page is
 * no-store, so no cache keeps one (RFC 9111 §5.2.2.5), and each header
 * costs three allocations in libevent.
 */
static void
html(struct reqctx *rc, int status, struct evbuffer *b)
{
	reply(rc, status, "text/html; charset=utf-8", b, NULL);
}

static void
message(struct reqctx *rc, int status, int title, int text)
{
	struct evbuffer *b = evbuffer_new();
	struct web_view v;

	view_init(&v, rc, NULL);
	if (b)
		web_html_message(b, &v, title, text);
	html(rc, status, b);
}

/* ---- the cookie ------------------------------------------------------ */

static void
set_cookie(struct reqctx *rc, const char *value, bool expire)
{
	char c[256];

	/* RFC 6265 §4.1; SameSite (RFC 6265bis §4.1.2.7) */
	snprintf(c, sizeof(c), "%s=%s; Path=/; Secure; HttpOnly; "
	    "SameSite=Strict%s", rc->s->cfg.web_cookie, value,
	    expire ? "; Max-Age=0" : "");
	evhttp_add_header(evhttp_request_get_output_headers(rc->req),
	    "Set-Cookie", c);
}

static struct web_sess *
sess_by_id(struct srv *s, const char *id)
{
	return web_sess_find(s->web->sess, id, srv_now_ms(),
	    (int64_t)s->cfg.web_idle_s * 1000,
	    (int64_t)s->cfg.web_signed_in_s * 1000);
}

/* The session the request's cookie names, or NULL. */
static struct web_sess *
sess_get(struct reqctx *rc)
{
	const char *h = evhttp_find_header(
	    evhttp_request_get_input_headers(rc->req), "Cookie");
	char id[WEB_ID_LEN + 8];

	if (h == NULL || web_cookie_get(h, rc->s->cfg.web_cookie, id,
	    sizeof(id)) != STK_OK)
		return NULL;
	return sess_by_id(rc->s, id);
}

/* The session, or a new one with its Set-Cookie. */
static struct web_sess *
sess_get_or_create(struct reqctx *rc)
{
	struct web_sess *s = sess_get(rc);

	if (s == NULL && (s = web_sess_create(rc->s->web->sess,
	    srv_now_ms())) != NULL)
		set_cookie(rc, s->id, false);
	return s;
}

/* ---- POST bodies ----------------------------------------------------- */

/*
 * The session of a POST and its form, CSRF checked.  Replies itself and
 * returns NULL on any failure: no session 403 (expired), a body that is
 * not a form 400/415, a wrong or missing token 403.
 */
static struct web_sess *
post_begin(struct reqctx *rc, struct web_field *f, size_t nf)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(rc->req);
	const char *ct = evhttp_find_header(
	    evhttp_request_get_input_headers(rc->req), "Content-Type");
	size_t n = evbuffer_get_length(in);
	struct web_sess *s;
	const char *bad;
	char body[FORM_MAX + 1];
	int r;

	if ((s = sess_get(rc)) == NULL) {
		/* also what a cross-site form gets: SameSite=Strict keeps
		 * the cookie at home */
		rc->s->web->m.csrf_no_session++;
		message(rc, 403, WS_EXPIRED_T, WS_EXPIRED);
		return NULL;
	}
	if (ct == NULL || strncmp(ct, "application/x-www-form-urlencoded",
	    33) != 0 || (ct[33] != '\0' && ct[33] != ';')) {
		message(rc, 415, WS_BAD_FORM_T, WS_BAD_FORM);
		return NULL;
	}
	if (n > FORM_MAX || evbuffer_copyout(in, body, n) != (ev_ssize_t)n) {
		message(rc, 400, WS_BAD_FORM_T, WS_BAD_FORM);
		return NULL;
	}
	body[n] = '\0';
	r = web_form_decode(body, n, f, nf, &bad);
	OPENSSL_cleanse(body, sizeof(body));
	if (r != STK_OK) {
		log_info("web: form refused (%s%s%s) client=%s trace=%s",
		    stk_strerror(r), bad[0] ? ", field " : "", bad, rc->client,
		    rc->trace);
		message(rc, 400, WS_BAD_FORM_T, WS_BAD_FORM);
		return NULL;
	}
	/* f[0] is always the token */
	if (!web_csrf_ok(s, f[0].out)) {
		log_info("web: CSRF token refused client=%s trace=%s",
		    rc->client, rc->trace);
		rc->s->web->m.csrf_token++;
		message(rc, 403, WS_CSRF_T, WS_CSRF);
		return NULL;
	}
	return s;
}

/* ---- step 1 ---------------------------------------------------------- */

static void
render_login(struct reqctx *rc, struct web_sess *s, int status, int error)
{
	struct srv *srv = rc->s;
	struct evbuffer *b = evbuffer_new();
	struct web_view v;
	bool need = captcha_required(srv->web->policy, rc->client,
	    srv_now_ms());

	view_init(&v, rc, s);
	if (need && !captcha_live(&s->cap, v.now)) {
		if (captcha_new(&s->cap, v.now,
		    srv->cfg.web_captcha_lifetime_s) != STK_OK) {
			evbuffer_free(b);
			message(rc, 500, WS_ERROR_T, WS_ERROR);
			return;
		}
		srv->web->m.captcha_drawn++;
	}
	srv->web->m.views[WV_FORM]++;
	if (b && error < 0 && !need && s->account[0] == '\0')
		web_html_login_blank(b, &v);
	else if (b)
		web_html_login(b, &v, s->account, error, need, s->cap.seed);
	html(rc, status, b);
}

static void
page_root(struct reqctx *rc, const char *query)
{
	struct web_sess *s = sess_get_or_create(rc);
	struct evbuffer *b;
	struct web_view v;

	if (s == NULL) {
		message(rc, 503, WS_BUSY_T, WS_BUSY);
		return;
	}
	switch (s->state) {
	case WEB_SIGNED_IN:
		rc->s->web->m.views[WV_SIGNED_IN]++;
		view_init(&v, rc, s);
		if ((b = evbuffer_new()) != NULL)
			web_html_signed_in(b, &v, s);
		html(rc, 200, b);
		return;
	case WEB_CHECKING:
	case WEB_WAITING:
		redirect(rc, "/wait");
		return;
	case WEB_DONE:		/* "try again" */
		s->state = WEB_ANON;
		s->auth_sid[0] = s->ticket[0] = '\0';
		s->decoy = WEB_DECOY_NONE;
		s->decoy_cancelled = false;
		break;
	}
	if (query && strcmp(query, "captcha=new") == 0)
		s->cap.expires = 0;
	render_login(rc, s, 200, -1);
}

struct login_ctx {
	struct reqctx *rc;
	char sess_id[WEB_ID_LEN + 1];
	char account[API_ACCOUNT_MAX + 1];
	bool has_password;
};

/* A wrong password: count it for the lockout like any failed login
 * (inside the request's transaction).  STK_OK or the store's error. */
static int
password_failed(struct srv *srv, const char *account, const char *client)
{
	struct store_account a;
	int64_t now = srv_now_ms();
	bool locked = false;
	int rc;

	memset(&a, 0, sizeof(a));
	rc = store_account_get(srv->store, account, NULL, &a);
	if (rc == STK_OK) {
		rc = store_account_fail(srv->store, a.id,
		    srv->cfg.lockout_failures,
		    (int64_t)srv->cfg.lockout_duration_s * 1000, now, &locked);
		if (rc == STK_OK && locked)
			rc = store_audit(srv->store, now, NULL, account,
			    "account-locked", "ACCOUNT_LOCKED",
			    "repeated failures", client);
	} else if (rc == STK_E_NOT_FOUND)	/* deleted meanwhile */
		rc = STK_OK;
	if (rc == STK_OK)
		rc = store_audit(srv->store, now, NULL, account,
		    "web-password-failed", NULL,
		    "wrong password on the login page", client);
	OPENSSL_cleanse(&a, sizeof(a));
	return rc;
}

/*
 * One hit on a shared rate counter ([ratelimit], the REST API's): false,
 * with the 429 (or 500) page sent, when the request must stop here.
 */
static bool
rate_page_ok(struct reqctx *rc, const char *kind, const char *who,
    unsigned limit)
{
	bool over = false;

	if (rate_hit(rc->s, kind, who, limit, &over) == STK_OK && !over)
		return true;
	message(rc, over ? 429 : 500, over ? WS_RATE_T : WS_ERROR_T,
	    over ? WS_RATE : WS_ERROR);
	return false;
}

/* The end of a sign-in attempt as the page shows it (/metrics). */
static void
outcome(struct srv *srv, int result)
{
	if (result > SRV_RES_NONE && result < SRV_RES_COUNT)
		srv->web->m.outcomes[result]++;
}

/*
 * Back on the loop after the password check: the login's writes - the
 * rate counters, then the wrong password's failure count and audit, or
 * the session, its job and audit (auth_session_start, nested) - are one
 * transaction, committed before the in-memory web session moves on, so
 * a login commits once and the page never shows a step the store lost.
 */
static void
login_checked(struct web_pwjob *j, void *arg)
{
	struct login_ctx *lc = arg;
	struct reqctx *rc = lc->rc;
	struct srv *srv = rc->s;
	struct web_sess *s;
	struct api_auth_in in;
	struct store_session ss;
	bool wrong;
	int reason;

	memset(&ss, 0, sizeof(ss));
	if (srv->web->stopping) {
		message(rc, 503, WS_BUSY_T, WS_BUSY);
		goto out;
	}
	if ((s = sess_by_id(srv, lc->sess_id)) == NULL) {
		message(rc, 403, WS_EXPIRED_T, WS_EXPIRED);
		goto out;
	}
	snprintf(s->account, sizeof(s->account), "%s", lc->account);
	s->state = WEB_ANON;		/* unless it moves on below */
	if (!http_tx_open(rc)) {
		message(rc, 503, WS_BUSY_T, WS_BUSY);
		goto out;
	}
	/* the hits the probe in do_login rolled back, now for real */
	if (!rate_page_ok(rc, "addr", rc->client, srv->cfg.rate_per_address) ||
	    !rate_page_ok(rc, "acct", lc->account, srv->cfg.rate_per_account))
		goto out;
	wrong = lc->has_password && !j->matched;
	if (wrong) {
		if (password_failed(srv, lc->account, rc->client) != STK_OK) {
			message(rc, 500, WS_ERROR_T, WS_ERROR);
			goto out;
		}
	} else {
		memset(&in, 0, sizeof(in));
		snprintf(in.account, sizeof(in.account), "%s", lc->account);
		/* web_config_check: at most API_SERVICE_MAX octets */
		snprintf(in.service_utf8, sizeof(in.service_utf8), "%.*s",
		    (int)sizeof(in.service_utf8) - 1, srv->cfg.web_service);
		if (stk_auth_request_set_service(&in.req, in.service_utf8,
		    strlen(in.service_utf8)) != STK_OK ||
		    auth_session_start(srv, &in, srv->web->party_id,
		    PARTY_NAME, rc->client, &ss) != STK_OK) {
			message(rc, 500, WS_ERROR_T, WS_ERROR);
			goto out;
		}
	}
	if (!http_tx_settle(rc, 303)) {
		message(rc, 500, WS_ERROR_T, WS_ERROR);
		goto out;
	}
	/* every attempt counts for the CAPTCHA policy until one signs in
	 * (page_wait resets it): the same count whatever the outcome, so
	 * the CAPTCHA tells nothing about the account either */
	captcha_fail(srv->web->policy, rc->client, srv_now_ms());
	s->decoy = WEB_DECOY_NONE;
	s->decoy_cancelled = false;
	if (!wrong && ss.state == SRV_ST_RUNNING) {
		s->state = WEB_WAITING;
		snprintf(s->auth_sid, sizeof(s->auth_sid), "%s", ss.id);
		snprintf(s->ticket, sizeof(s->ticket), "%s", ss.ticket);
		s->expiry = ss.expiry;
		s->waiting_since = srv_now_ms();
		s->seen_pr = WEB_PR_SENDING;
	} else if (wrong || ss.result == SRV_RES_NOT_BOUND) {
		/* §4: a decoy waiting page; the truth is in the audit log
		 * (auth_session_start's or password_failed's row) */
		reason = wrong ? WEB_DECOY_WRONG_PASSWORD : ss.account_id ?
		    WEB_DECOY_NOT_BOUND : WEB_DECOY_UNKNOWN;
		if (web_decoy_start(s, &srv->web->clock, reason,
		    wrong ? NULL : ss.ticket, srv->cfg.ticket_len,
		    wrong ? NULL : ss.id, wrong ? 0 : ss.expiry,
		    srv->cfg.session_lifetime_s, srv_now_ms()) != STK_OK) {
			s->state = WEB_ANON;
			message(rc, 500, WS_ERROR_T, WS_ERROR);
			goto out;
		}
		srv->web->m.decoys[reason]++;
		if (wrong)
			srv->web->m.password_rejected++;
		else
			outcome(srv, SRV_RES_NOT_BOUND);
		log_info("web: %s cannot sign in (%s): decoy waiting page "
		    "client=%s", lc->account, web_decoy_reason_name(reason),
		    rc->client);
	} else {
		s->state = WEB_DONE;	/* ACCOUNT_LOCKED */
		s->result = ss.result;
		outcome(srv, s->result);
	}
	redirect(rc, "/wait");
 out:
	store_session_clear(&ss);
	OPENSSL_cleanse(j, sizeof(*j));
	free(j);
	free(lc);
}

/*
 * POST /login.  The checks that can refuse at once run inside the
 * request's transaction: the rate counters (per address first, per
 * account once the name is valid), the CAPTCHA, the account name.  An
 * answer given here commits the counters' hits.  When the form passes,
 * the transaction is rolled back - it was a probe, so that an address or
 * account over its limit costs no scrypt check - and login_checked hits
 * the counters again, for real, in the one transaction of the login.
 */
static void
do_login(struct reqctx *rc)
{
	struct srv *srv = rc->s;
	char csrf[WEB_ID_LEN + 8], account[256], captcha[32];
	struct web_pwjob *j = NULL;
	struct login_ctx *lc = NULL;
	struct web_sess *s;
	char password[PASSWORD_MAX_LEN + 1];
	struct web_field f[] = {
		{ "csrf", csrf, sizeof(csrf), false },
		{ "account", account, sizeof(account), false },
		{ "password", password, sizeof(password), false },
		{ "captcha", captcha, sizeof(captcha), false },
	};
	int64_t now = srv_now_ms();
	int r;

	if ((s = post_begin(rc, f, sizeof(f) / sizeof(f[0]))) == NULL)
		goto out;
	if (s->state == WEB_CHECKING || s->state == WEB_WAITING ||
	    s->state == WEB_SIGNED_IN) {
		/* a second submit: where this session already is */
		redirect(rc, s->state == WEB_SIGNED_IN ? "/" : "/wait");
		goto out;
	}
	s->state = WEB_ANON;
	if (!http_tx_open(rc)) {
		message(rc, 503, WS_BUSY_T, WS_BUSY);
		goto out;
	}
	if (!rate_page_ok(rc, "addr", rc->client, srv->cfg.rate_per_address))
		goto out;
	snprintf(s->account, sizeof(s->account), "%.*s",
	    (int)sizeof(s->account) - 1, account);
	if (captcha_required(srv->web->policy, rc->client, now) &&
	    !captcha_check(&s->cap, captcha, now)) {
		captcha_fail(srv->web->policy, rc->client, now);
		srv->web->m.captcha_failed++;
		render_login(rc, s, 422, WS_ERR_CAPTCHA);
		goto out;
	}
	if (account[0] == '\0' || !account_name_valid(account)) {
		render_login(rc, s, 422, account[0] ? WS_ERR_ACCOUNT_SYNTAX :
		    WS_ERR_ACCOUNT_EMPTY);
		goto out;
	}
	if (!rate_page_ok(rc, "acct", account, srv->cfg.rate_per_account))
		goto out;
	if ((j = calloc(1, sizeof(*j))) == NULL ||
	    (lc = calloc(1, sizeof(*lc))) == NULL) {
		message(rc, 500, WS_ERROR_T, WS_ERROR);
		goto out;
	}
	r = store_account_password_get(srv->store, account, j->encoded,
	    sizeof(j->encoded));
	if (r == STK_E_NOT_FOUND)
		j->encoded[0] = '\0';
	else if (r != STK_OK) {
		message(rc, 500, WS_ERROR_T, WS_ERROR);
		goto out;
	}
	http_tx_abort(rc);	/* the probe: nothing of it is kept */
	lc->rc = rc;
	lc->has_password = j->encoded[0] != '\0';
	snprintf(lc->sess_id, sizeof(lc->sess_id), "%s", s->id);
	/* valid: at most API_ACCOUNT_MAX characters */
	memcpy(lc->account, account, strlen(account) + 1);
	j->pwlen = strlen(password);
	memcpy(j->pw, password, j->pwlen + 1);
	j->done = login_checked;
	j->arg = lc;
	if (web_work_submit(srv->web->work, j) != STK_OK) {
		message(rc, 503, WS_BUSY_T, WS_BUSY);
		goto out;
	}
	s->state = WEB_CHECKING;
	j = NULL;
	lc = NULL;
 out:
	OPENSSL_cleanse(password, sizeof(password));
	if (j)
		OPENSSL_cleanse(j, sizeof(*j));
	free(j);
	free(lc);
}

/* ---- step 2 ---------------------------------------------------------- */

/* Progress of a waiting web session from the store; WEB_PR_DONE when the
 * session is complete, -1 when it cannot be read. */
static int
progress_of(struct srv *srv, const struct web_sess *s,
    struct store_session *ss)
{
	struct store_job job;

	if (store_session_get(srv->store, s->auth_sid, ss) != STK_OK)
		return -1;
	if (ss->state == SRV_ST_COMPLETE)
		return WEB_PR_DONE;
	if (ss->state == SRV_ST_VERIFYING)
		return WEB_PR_CHECKING;
	if (store_job_get(srv->store, s->auth_sid, &job) != STK_OK)
		return WEB_PR_SENDING;
	return job.state == JOB_DELIVERED ? WEB_PR_DELIVERED :
	    job.state == JOB_SENT ? WEB_PR_SENT : WEB_PR_SENDING;
}

/*
 * The progress of s as the page shows it.  A real session's comes from
 * the store (progress_of), and the first time the page sees it "sent" or
 * "delivered" the delay since step 2 began is a sample for the decoys'
 * clock.  A decoy's comes from its schedule (web_decoy_progress), after
 * the same two store reads a real one makes (on its completed NOT_BOUND
 * session, or an identifier that is in no row), so the two cost alike.
 */
static int
progress_shown(struct srv *srv, struct web_sess *s, struct store_session *ss)
{
	int64_t now;
	int pr = progress_of(srv, s, ss);

	if (s->decoy != WEB_DECOY_NONE)
		return web_decoy_progress(s, srv_now_ms());
	if (pr < 0)
		return pr;
	now = srv_now_ms();
	for (int k = s->seen_pr + 1; k <= pr; k++)
		if (k == WEB_PR_SENT || k == WEB_PR_DELIVERED)
			web_decoy_learn(&srv->web->clock, k,
			    now - s->waiting_since);
	if (pr > s->seen_pr && pr <= WEB_PR_DELIVERED)
		s->seen_pr = pr;
	return pr;
}

static void
render_result(struct reqctx *rc, struct web_sess *s)
{
	struct evbuffer *b = evbuffer_new();
	struct web_view v;

	rc->s->web->m.views[WV_RESULT]++;
	view_init(&v, rc, s);
	if (b)
		web_html_result(b, &v, s->result);
	html(rc, 200, b);
}

static void
page_wait(struct reqctx *rc)
{
	struct srv *srv = rc->s;
	struct web_sess *s = sess_get(rc);
	struct store_session ss;
	struct evbuffer *b;
	struct web_view v;
	int pr;

	memset(&ss, 0, sizeof(ss));
	if (s == NULL || s->state == WEB_ANON || s->state == WEB_CHECKING ||
	    s->state == WEB_SIGNED_IN) {
		redirect(rc, "/");
		return;
	}
	if (s->state == WEB_DONE) {
		render_result(rc, s);
		return;
	}
	if ((pr = progress_shown(srv, s, &ss)) < 0) {
		store_session_clear(&ss);
		message(rc, 500, WS_ERROR_T, WS_ERROR);
		return;
	}
	if (pr == WEB_PR_DONE && s->decoy != WEB_DECOY_NONE) {
		/* counted when it began (login_checked) */
		s->state = WEB_DONE;
		s->result = web_decoy_result(s);
		store_session_clear(&ss);
		render_result(rc, s);
		return;
	}
	if (pr == WEB_PR_DONE && ss.result == SRV_RES_OK) {
		/* signed in: a new cookie value (no session fixation) */
		if (web_sess_regenerate(srv->web->sess, s) != STK_OK) {
			store_session_clear(&ss);
			message(rc, 500, WS_ERROR_T, WS_ERROR);
			return;
		}
		s->state = WEB_SIGNED_IN;
		s->signed_in_at = ss.completed ? ss.completed : srv_now_ms();
		outcome(srv, SRV_RES_OK);
		captcha_reset(srv->web->policy, rc->client);
		set_cookie(rc, s->id, false);
		log_info("web: %s signed in client=%s", s->account, rc->client);
		store_session_clear(&ss);
		redirect(rc, "/");
		return;
	}
	if (pr == WEB_PR_DONE) {
		/* the CAPTCHA policy counted this attempt when it began */
		s->state = WEB_DONE;
		s->result = ss.result;
		outcome(srv, s->result);
		store_session_clear(&ss);
		render_result(rc, s);
		return;
	}
	store_session_clear(&ss);
	srv->web->m.views[WV_WAIT]++;
	view_init(&v, rc, s);
	if ((b = evbuffer_new()) != NULL)
		web_html_wait(b, &v, s, pr);
	html(rc, 200, b);
}

struct status_arg {
	char sess_id[WEB_ID_LEN + 1];
	int since;
};

static void
status_json(struct reqctx *rc, struct web_sess *s, int pr)
{
	int64_t left = s ? (s->expiry - srv_now_ms() + 999) / 1000 : 0;

	http_reply_json(rc, 200, json_pack("{s:s, s:s, s:I}", "progress",
	    web_progress_name(pr), "label", web_str(req_lang(rc),
	    web_progress_label(pr)), "secondsLeft", (json_int_t)(left > 0 ?
	    left : 0)));
}

/* waiter_check_fn: answer when the progress moved (or at the end). */
static bool
status_check(struct reqctx *rc, void *arg, bool final)
{
	struct status_arg *sa = arg;
	struct web_sess *s = sess_by_id(rc->s, sa->sess_id);
	struct store_session ss;
	int pr = -1;

	memset(&ss, 0, sizeof(ss));
	if (s != NULL && s->state == WEB_WAITING)
		pr = progress_shown(rc->s, s, &ss);
	store_session_clear(&ss);
	if (pr == sa->since && !final)
		return false;
	status_json(rc, pr < 0 ? NULL : s, pr);
	return true;
}

static void
wait_status(struct reqctx *rc, const char *query)
{
	struct web_sess *s = sess_get(rc);
	struct evkeyvalq q;
	struct status_arg *sa;
	const char *since, *tv;
	unsigned long timeout = 0;
	char *end;

	TAILQ_INIT(&q);
	if (s == NULL || s->state != WEB_WAITING) {
		status_json(rc, NULL, -1);
		return;
	}
	if ((sa = calloc(1, sizeof(*sa))) == NULL) {
		http_reply_error(rc, 500, "INTERNAL_ERROR", "no memory", NULL);
		return;
	}
	sa->since = -1;
	if (query && evhttp_parse_query_str(query, &q) == 0) {
		if ((since = evhttp_find_header(&q, "since")) != NULL)
			for (int p = WEB_PR_SENDING; p <= WEB_PR_DONE; p++)
				if (strcmp(since, web_progress_name(p)) == 0)
					sa->since = p;
		if ((tv = evhttp_find_header(&q, "timeoutMs")) != NULL &&
		    tv[0] >= '0' && tv[0] <= '9') {
			timeout = strtoul(tv, &end, 10);
			if (*end != '\0' || timeout > STATUS_POLL_MAX_MS)
				timeout = STATUS_POLL_MAX_MS;
		}
	}
	evhttp_clear_headers(&q);
	/* a decoy's progress moves with the clock, not with the store: its
	 * long-poll ends when the next step is due (then it has moved, as a
	 * real one answers when its step happens) */
	if (s->decoy != WEB_DECOY_NONE && timeout > 0 &&
	    (unsigned long)web_decoy_next_ms(s, srv_now_ms()) < timeout)
		timeout = (unsigned long)web_decoy_next_ms(s, srv_now_ms());
	snprintf(sa->sess_id, sizeof(sa->sess_id), "%s", s->id);
	if (status_check(rc, sa, timeout == 0)) {
		free(sa);
		return;
	}
	if (waiter_add(rc, s->auth_sid, (unsigned)timeout, 0, status_check, sa) !=
	    STK_OK)
		http_reply_error(rc, 503, "BUSY", "too many long-polls", NULL);
}

static void
do_cancel(struct reqctx *rc)
{
	char csrf[WEB_ID_LEN + 8];
	struct web_field f[] = { { "csrf", csrf, sizeof(csrf), false } };
	struct web_sess *s;
	int r;

	if ((s = post_begin(rc, f, 1)) == NULL)
		return;
	if (s->state == WEB_WAITING && s->decoy != WEB_DECOY_NONE) {
		/* a decoy ends USER_REFUSED like a real session; one store
		 * write (its audit row, with the truth) as a real cancel */
		if (!http_tx_open(rc)) {
			message(rc, 503, WS_BUSY_T, WS_BUSY);
			return;
		}
		if (web_decoy_progress(s, srv_now_ms()) != WEB_PR_DONE) {
			if (store_audit(rc->s->store, srv_now_ms(), NULL,
			    s->account, "web-decoy-cancelled", NULL,
			    web_decoy_reason_name(s->decoy), rc->client) !=
			    STK_OK) {
				message(rc, 500, WS_ERROR_T, WS_ERROR);
				return;
			}
			s->decoy_cancelled = true;
		}
	} else if (s->state == WEB_WAITING) {
		/* the completion, its audit and the lockout count: one
		 * transaction, committed by the answer */
		if (!http_tx_open(rc)) {
			message(rc, 503, WS_BUSY_T, WS_BUSY);
			return;
		}
		r = session_finish(rc->s, s->auth_sid, SRV_ST_RUNNING,
		    SRV_RES_USER_REFUSED, "cancelled on the login page", NULL,
		    0);
		/* STK_E_STATE: it ended meanwhile */
		if (r != STK_OK && r != STK_E_STATE) {
			message(rc, 500, WS_ERROR_T, WS_ERROR);
			return;
		}
		if (r == STK_OK)
			log_info("web: sign-in of %s cancelled client=%s",
			    s->account, rc->client);
	}
	redirect(rc, "/wait");
}

static void
do_logout(struct reqctx *rc)
{
	char csrf[WEB_ID_LEN + 8];
	struct web_field f[] = { { "csrf", csrf, sizeof(csrf), false } };
	struct web_sess *s;

	if ((s = post_begin(rc, f, 1)) == NULL)
		return;
	if (s->state == WEB_SIGNED_IN)
		log_info("web: %s signed out client=%s", s->account,
		    rc->client);
	web_sess_drop(rc->s->web->sess, s);
	set_cookie(rc, "", true);
	redirect(rc, "/");
}

/* ---- CAPTCHA --------------------------------------------------------- */

static void
captcha_image(struct reqctx *rc, const char *query)
{
	struct srv *srv = rc->s;
	struct web_sess *s = sess_get(rc);
	struct evbuffer *b;
	uint8_t *png = NULL;
	size_t len = 0;
	int64_t now = srv_now_ms();

	if (s == NULL || s->state != WEB_ANON) {
		reply(rc, 404, NULL, NULL, NULL);
		return;
	}
	if (query && strncmp(query, "new=1", 5) == 0 &&
	    captcha_required(srv->web->policy, rc->client, now)) {
		if (captcha_new(&s->cap, now,
		    srv->cfg.web_captcha_lifetime_s) != STK_OK) {
			reply(rc, 500, NULL, NULL, NULL);
			return;
		}
		srv->web->m.captcha_drawn++;
	}
	if (!captcha_live(&s->cap, now) || captcha_png(&s->cap,
	    srv->cfg.web_captcha_font, &png, &len) != STK_OK ||
	    (b = evbuffer_new()) == NULL) {
		free(png);
		reply(rc, 404, NULL, NULL, NULL);
		return;
	}
	evbuffer_add(b, png, len);
	free(png);
	reply(rc, 200, "image/png", b, NULL);
}

static void
captcha_text(struct reqctx *rc)
{
	struct web_sess *s = sess_get(rc);
	struct evbuffer *b = evbuffer_new();
	struct web_view v;
	bool live = s && s->state == WEB_ANON && captcha_live(&s->cap,
	    srv_now_ms());

	view_init(&v, rc, s);
	if (b)
		web_html_captcha_text(b, &v, live ? &s->cap : NULL);
	html(rc, 200, b);
}

/* ---- routing --------------------------------------------------------- */

static void
asset(struct reqctx *rc, const struct web_asset *a)
{
	struct evbuffer *b = evbuffer_new();

	if (b)
		evbuffer_add_reference(b, a->body, a->len, NULL, NULL);
	reply(rc, 200, a->type, b, "public, max-age=300");
}

enum { R_GET = 1, R_POST = 2 };

static void r_root(struct reqctx *rc, const char *q) { page_root(rc, q); }
static void r_login(struct reqctx *rc, const char *q) { (void)q; do_login(rc); }
static void r_wait(struct reqctx *rc, const char *q) { (void)q; page_wait(rc); }
static void r_status(struct reqctx *rc, const char *q) { wait_status(rc, q); }
static void r_cancel(struct reqctx *rc, const char *q) { (void)q; do_cancel(rc); }
static void r_logout(struct reqctx *rc, const char *q) { (void)q; do_logout(rc); }
static void r_png(struct reqctx *rc, const char *q) { captcha_image(rc, q); }
static void r_text(struct reqctx *rc, const char *q) { (void)q; captcha_text(rc); }

static const struct {
	const char *path;
	int method;
	void (*fn)(struct reqctx *rc, const char *query);
} routes[] = {
	{ "/", R_GET, r_root },
	{ "/login", R_POST, r_login },
	{ "/wait", R_GET, r_wait },
	{ "/wait/status", R_GET, r_status },
	{ "/cancel", R_POST, r_cancel },
	{ "/logout", R_POST, r_logout },
	{ "/captcha.png", R_GET, r_png },
	{ "/captcha/text", R_GET, r_text },
};

void
web_dispatch(struct reqctx *rc, const char *path)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(rc->req);
	int m = evhttp_request_get_command(rc->req) == EVHTTP_REQ_POST ?
	    R_POST : R_GET;
	const struct web_asset *a;

	if (rc->s->web == NULL) {
		http_reply_error(rc, 404, "NOT_FOUND", "no such resource",
		    NULL);
		return;
	}
	if (m == R_GET && (a = web_asset_find(path)) != NULL) {
		asset(rc, a);
		return;
	}
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (strcmp(routes[i].path, path) != 0)
			continue;
		if (routes[i].method != m) {
			evhttp_add_header(evhttp_request_get_output_headers(
			    rc->req), "Allow", routes[i].method == R_GET ?
			    "GET" : "POST");
			message(rc, 405, WS_NOT_FOUND_T, WS_NOT_FOUND);
			return;
		}
		routes[i].fn(rc, uri ? evhttp_uri_get_query(uri) : NULL);
		return;
	}
	message(rc, 404, WS_NOT_FOUND_T, WS_NOT_FOUND);
}

/* ---- /metrics ---------------------------------------------------------- */

/* Prometheus text format 0.0.4, appended to the server's (http.c). */
void
web_metrics(struct srv *s, struct evbuffer *b)
{
	const struct web_counters *m;

	if (s->web == NULL)
		return;
	m = &s->web->m;
	evbuffer_add_printf(b, "# HELP stkauth_web_page_views_total Login "
	    "page views by step (form: step 1, wait: step 2, result and "
	    "signed_in: step 3).\n"
	    "# TYPE stkauth_web_page_views_total counter\n");
	for (int i = 0; i < WV_COUNT; i++)
		evbuffer_add_printf(b, "stkauth_web_page_views_total{step="
		    "\"%s\"} %lu\n", view_names[i], m->views[i]);
	evbuffer_add_printf(b, "# HELP stkauth_web_logins_total Sign-ins on "
	    "the login page by their real result (NOT_BOUND: unknown or "
	    "unbound account, whose page is a decoy; wrong passwords are in "
	    "stkauth_web_password_rejected_total).\n"
	    "# TYPE stkauth_web_logins_total counter\n");
	for (int i = SRV_RES_NONE + 1; i < SRV_RES_COUNT; i++)
		evbuffer_add_printf(b, "stkauth_web_logins_total{result="
		    "\"%s\"} %lu\n", srv_result_name(i), m->outcomes[i]);
	evbuffer_add_printf(b, "# HELP stkauth_web_decoys_total Decoy "
	    "waiting pages shown (no phone asked) by the real reason the "
	    "sign-in cannot succeed.\n"
	    "# TYPE stkauth_web_decoys_total counter\n");
	for (int i = WEB_DECOY_NONE + 1; i < WEB_DECOY_COUNT; i++)
		evbuffer_add_printf(b, "stkauth_web_decoys_total{reason="
		    "\"%s\"} %lu\n", web_decoy_reason_name(i), m->decoys[i]);
	evbuffer_add_printf(b, "# HELP stkauth_web_password_rejected_total "
	    "Wrong passwords on the login page.\n"
	    "# TYPE stkauth_web_password_rejected_total counter\n"
	    "stkauth_web_password_rejected_total %lu\n"
	    "# HELP stkauth_web_csrf_rejected_total Form posts refused by the "
	    "CSRF protection (token: missing or wrong token; no_session: no "
	    "live web session cookie).\n"
	    "# TYPE stkauth_web_csrf_rejected_total counter\n"
	    "stkauth_web_csrf_rejected_total{reason=\"token\"} %lu\n"
	    "stkauth_web_csrf_rejected_total{reason=\"no_session\"} %lu\n"
	    "# HELP stkauth_web_captcha_failures_total CAPTCHA answers that "
	    "were wrong, missing or too late.\n"
	    "# TYPE stkauth_web_captcha_failures_total counter\n"
	    "stkauth_web_captcha_failures_total %lu\n"
	    "# HELP stkauth_web_captcha_challenges_total CAPTCHA challenges "
	    "drawn.\n"
	    "# TYPE stkauth_web_captcha_challenges_total counter\n"
	    "stkauth_web_captcha_challenges_total %lu\n"
	    "# HELP stkauth_web_sessions Web sessions in memory (this "
	    "process).\n"
	    "# TYPE stkauth_web_sessions gauge\n"
	    "stkauth_web_sessions %u\n", m->password_rejected, m->csrf_token,
	    m->csrf_no_session, m->captcha_failed, m->captcha_drawn,
	    web_sessions_count(s->web->sess));
}

/* ---- start and stop -------------------------------------------------- */

static void
sweep(evutil_socket_t fd, short what, void *arg)
{
	struct srv *s = arg;
	unsigned n;

	(void)fd;
	(void)what;
	n = web_sess_sweep(s->web->sess, srv_now_ms(),
	    (int64_t)s->cfg.web_idle_s * 1000);
	if (n)
		log_debug("web: %u idle web sessions ended", n);
}

/* The page's relying party: found by its marker, created once. */
static int
party(struct srv *s, char *err, size_t errsz)
{
	char name[65];
	int rc;

	rc = store_party_find(s->store, STORE_RP, party_marker,
	    &s->web->party_id, name);
	if (rc == STK_E_NOT_FOUND) {
		rc = store_party_add(s->store, STORE_RP, PARTY_NAME,
		    party_marker, srv_now_ms(), &s->web->party_id);
		if (rc == STK_E_DUPLICATE)	/* another process, just now */
			rc = store_party_find(s->store, STORE_RP,
			    party_marker, &s->web->party_id, name);
	}
	if (rc != STK_OK)
		snprintf(err, errsz, "login page: relying party \"%s\": %s "
		    "(revoked, or the name is taken? [web] enabled = no turns "
		    "the page off)", PARTY_NAME, stk_strerror(rc));
	return rc;
}

int
web_start(struct srv *s, char *err, size_t errsz)
{
	struct timeval tv = { SWEEP_MS / 1000, 0 };
	int policy = WEB_CAPTCHA_AFTER, rc;

	if (!s->cfg.web_enabled)
		return STK_OK;
	if ((s->web = calloc(1, sizeof(*s->web))) == NULL)
		return STK_E_NOMEM;
	web_captcha_policy_parse(s->cfg.web_captcha, &policy);
	gdFontCacheSetup();
	if ((rc = party(s, err, errsz)) != STK_OK)
		return rc;
	if ((rc = web_sessions_new(s->cfg.web_max_sessions, &s->web->sess)) !=
	    STK_OK ||
	    (rc = captcha_policy_new(policy, s->cfg.web_captcha_after,
	    s->cfg.web_idle_s, &s->web->policy)) != STK_OK ||
	    (rc = web_work_new(s->base, s->cfg.web_password_workers,
	    PW_QUEUE_MAX, &s->web->work)) != STK_OK) {
		snprintf(err, errsz, "login page: %s", stk_strerror(rc));
		return rc;
	}
	s->web->sweeper = event_new(s->base, -1, EV_PERSIST, sweep, s);
	if (s->web->sweeper == NULL || event_add(s->web->sweeper, &tv) != 0) {
		snprintf(err, errsz, "login page: timer setup failed");
		return STK_E_NOMEM;
	}
	log_info("login page on / (service \"%s\", CAPTCHA %s)",
	    s->cfg.web_service, s->cfg.web_captcha);
	return STK_OK;
}

void
web_stop(struct srv *s)
{
	if (s->web == NULL)
		return;
	s->web->stopping = true;
	/* pending checks finish here (their requests get 503) */
	web_work_free(s->web->work);
	if (s->web->sweeper)
		event_free(s->web->sweeper);
	web_sessions_free(s->web->sess);
	captcha_policy_free(s->web->policy);
	gdFontCacheShutdown();
	free(s->web);
	s->web = NULL;
}
