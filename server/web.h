/*
 * web.h - the login page served by stkauth-server (docs/WEB.md): private
 * header, prototypes grouped by file.
 *
 * Roles (one file each):
 *   web.c          routes, the three steps, security headers, replies
 *   web_config.c   checks of the [web] configuration keys
 *   web_form.c     form bodies (application/x-www-form-urlencoded), the
 *                  Cookie and Accept-Language headers, ticket grouping
 *                  (no libevent: fuzzed)
 *   web_sess.c     web sessions in memory: cookie -> state, CSRF tokens,
 *                  the decoy waiting state (step 2 without a phone)
 *   web_work.c     password checks (scrypt) on worker threads
 *   web_html.c     the pages
 *   web_assets.c   the stylesheet and the script, compiled in
 *   web_strings.c  every string a user sees, one table per language
 *                  (English), and the choice of the language
 *   captcha.c      CAPTCHA challenges, their PNG (libgd), the policy
 *
 * The page is a client of the same session code as the REST API
 * (auth_session_start in api.c) under a relying party of its own
 * ("web-login", created at start).  Web sessions and CAPTCHA state live in
 * this process's memory: a restart signs everybody out of the page (the
 * authentication sessions themselves are in the store).
 */
#ifndef STKAUTH_WEB_H
#define STKAUTH_WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "authmsg.h"

struct event_base;
struct srv;
struct srv_config;
struct reqctx;
struct evbuffer;

/* ---- web_config.c ---------------------------------------------------- */

enum web_captcha_policy { WEB_CAPTCHA_NEVER = 0, WEB_CAPTCHA_AFTER,
	WEB_CAPTCHA_ALWAYS };
/* "never", "after", "always" -> policy; STK_E_INVALID otherwise. */
int web_captcha_policy_parse(const char *s, int *policy);
/* The [web] keys: service name within the STK limits (PROTOCOL.md §2.1),
 * cookie name an RFC 6265 token, the policy, the font readable. */
int web_config_check(const struct srv_config *c, char *err, size_t errsz);

/* ---- web_form.c ------------------------------------------------------ */

/* One expected member of a form: name, where its value goes. */
struct web_field {
	const char *name;
	char *out;		/* NUL-terminated value, "" when absent */
	size_t cap;		/* capacity of out, NUL included */
	bool seen;
};

/*
 * Decode an application/x-www-form-urlencoded body (WHATWG URL standard
 * §5.1, the encoding HTML forms use): "name=value" pairs split by "&",
 * "+" is a space, "%XX" an octet.  Stricter than the standard on purpose:
 * every name must be one of f[0..nf), each at most once; a malformed
 * escape, a value that is not UTF-8, holds a control character (C0 or
 * DEL) or does not fit its field is refused.  STK_OK; STK_E_INVALID or
 * STK_E_TOO_LONG with *bad naming the pair ("" when not known).
 */
int web_form_decode(const char *body, size_t len, struct web_field *f,
    size_t nf, const char **bad);

/*
 * The value of cookie name in a Cookie request header (RFC 6265 §4.2.1:
 * cookie-pair *( "; " cookie-pair ), parsed leniently about the spaces as
 * §5.4 asks).  The first pair with that name wins.  STK_OK with out set;
 * STK_E_NOT_FOUND; STK_E_TOO_LONG when the value does not fit cap;
 * STK_E_INVALID when the value holds characters outside cookie-octet.
 */
int web_cookie_get(const char *header, const char *name, char *out,
    size_t cap);

/* Whether s is an RFC 6265 cookie name (an RFC 7230 token). */
bool web_cookie_name_valid(const char *s);

/*
 * The ticket in groups for reading aloud and comparing: groups of three,
 * the last two groups of two when one character would be left alone
 * ("ABCD" -> "AB CD", "ABCDEFG" -> "ABC DE FG").  sep separates groups.
 * out holds 2 * len + 1.  Returns the number of groups.
 */
size_t web_ticket_groups(const char *ticket, char sep, char *out,
    size_t outsz);

/*
 * The language to answer in, from an Accept-Language request header
 * (RFC 9110 §12.5.4: language ranges with optional weights "q=", q=0
 * meaning "not acceptable"): ranges are tried by descending weight (the
 * earlier first on a tie), each by the Lookup scheme of RFC 4647 §3.4
 * (the range, then the range with its last subtag cut, "de-CH-1996" ->
 * "de-CH" -> "de"), where a candidate also matches a tag of avail that it
 * is a prefix of ("pt" -> "pt-BR", RFC 4647 §3.3.1 basic filtering).
 * Tags compare case-insensitively.  Returns the index into avail, or -1
 * when no range picks one ("*", nothing acceptable, no header, a header
 * above WEB_LANG_HEADER_MAX octets): the caller uses its default.
 * Malformed members are skipped; at most WEB_LANG_RANGES are read.
 */
#define WEB_LANG_HEADER_MAX	1024
#define WEB_LANG_RANGES		32
int web_lang_pick(const char *header, const char *const *avail, size_t n);

/* ---- captcha.c ------------------------------------------------------- */

#define CAPTCHA_LEN	5

/* One challenge: single use, with an expiry. */
struct captcha {
	char answer[CAPTCHA_LEN + 1];	/* from TICKET_ALPHABET */
	uint32_t seed;			/* distortion of this challenge */
	int64_t expires;		/* ms; 0: none live */
};

/* A new challenge (RAND_bytes). */
int captcha_new(struct captcha *c, int64_t now, unsigned lifetime_s);
/*
 * Check a typed answer: case and spaces ignored, compared in constant
 * time.  The challenge is used up whatever the outcome (single use);
 * an expired or used challenge never matches.
 */
bool captcha_check(struct captcha *c, const char *typed, int64_t now);
bool captcha_live(const struct captcha *c, int64_t now);
/*
 * The challenge as a PNG (libgd): distorted characters, noise lines, the
 * same picture for the same challenge.  font: a TrueType file, or "" for
 * libgd's built-in bitmap font.  *png is malloc'd.
 */
int captcha_png(const struct captcha *c, const char *font, uint8_t **png,
    size_t *len);

/*
 * The "after N failures" policy: failed attempts per client address, in
 * memory, forgotten after window_s without a failure.
 */
struct captcha_policy;
int captcha_policy_new(int policy, unsigned after, unsigned window_s,
    struct captcha_policy **out);
void captcha_policy_free(struct captcha_policy *p);
bool captcha_required(struct captcha_policy *p, const char *addr,
    int64_t now);
void captcha_fail(struct captcha_policy *p, const char *addr, int64_t now);
void captcha_reset(struct captcha_policy *p, const char *addr);

/* ---- web_sess.c ------------------------------------------------------ */

/* base64url of 32 random octets, with a 3-octet prefix (ticket.c). */
#define WEB_ID_LEN	46

enum web_state {
	WEB_ANON = 0,		/* step 1: the form */
	WEB_CHECKING,		/* the password is being checked */
	WEB_WAITING,		/* step 2: the phone has the ticket */
	WEB_DONE,		/* step 3: a failure, result set */
	WEB_SIGNED_IN,		/* step 3: signed in */
};

struct web_sess {
	char id[WEB_ID_LEN + 1];	/* the cookie value */
	uint8_t key[32];		/* SHA-256(id): the table key */
	char csrf[WEB_ID_LEN + 1];
	int state;
	int64_t created, seen;		/* ms */
	/* step 1 */
	struct captcha cap;
	char account[65];		/* API_ACCOUNT_MAX + 1 */
	/* step 2 */
	char auth_sid[2 * STK_AUTH_SESSION_ID_LEN + 1];
	char ticket[STK_AUTH_TICKET_MAX + 1];
	int64_t expiry;
	int64_t waiting_since;		/* ms: step 2 began */
	int seen_pr;			/* highest progress observed */
	/* step 2 of a decoy (docs/WEB.md §4): no phone is asked */
	int decoy;			/* enum web_decoy_reason */
	int64_t decoy_sent, decoy_delivered, decoy_end;	/* ms */
	bool decoy_cancelled;
	/* step 3 */
	int result;			/* enum srv_result */
	int64_t signed_in_at;
	TAILQ_ENTRY(web_sess) lru;
	struct web_sess *next;		/* hash chain */
};

struct web_sessions;
int web_sessions_new(unsigned max, struct web_sessions **out);
void web_sessions_free(struct web_sessions *t);
unsigned web_sessions_count(const struct web_sessions *t);
/*
 * The live session whose cookie value is id, touched (seen = now), or
 * NULL.  A session idle for idle_ms, or signed in for longer than
 * signed_ms, is dropped and not returned.
 */
struct web_sess *web_sess_find(struct web_sessions *t, const char *id,
    int64_t now, int64_t idle_ms, int64_t signed_ms);
/* A new anonymous session; when the table is full the least recently
 * used one is dropped.  NULL on failure (randomness, memory). */
struct web_sess *web_sess_create(struct web_sessions *t, int64_t now);
/* New cookie value and CSRF token for s (after login, RFC 6265 §8.6 /
 * OWASP session fixation). */
int web_sess_regenerate(struct web_sessions *t, struct web_sess *s);
void web_sess_drop(struct web_sessions *t, struct web_sess *s);
/* Drop sessions idle for idle_ms; returns how many. */
unsigned web_sess_sweep(struct web_sessions *t, int64_t now,
    int64_t idle_ms);
/* The form's token against the session's, in constant time. */
bool web_csrf_ok(const struct web_sess *s, const char *token);

/*
 * Decoys (docs/WEB.md §4).  An unknown account, an account without
 * binding and a wrong password get a waiting page like a real one whose
 * phone never answers: a ticket drawn by ticket_generate, the session
 * lifetime, progress "sending" -> "sent" -> "delivered" at times drawn
 * from those the page observed on real sessions (web_decoy_clock), and
 * TIMEOUT at the expiry (or USER_REFUSED when cancelled).  The truth goes
 * to the audit log and /metrics (reason names below).
 */
enum web_decoy_reason { WEB_DECOY_NONE = 0, WEB_DECOY_UNKNOWN,
	WEB_DECOY_NOT_BOUND, WEB_DECOY_WRONG_PASSWORD, WEB_DECOY_COUNT };
/* "unknown_account", "not_bound", "wrong_password"; NULL otherwise. */
const char *web_decoy_reason_name(int reason);

/* Delays of real sessions, from the start of step 2 to the first time
 * the page saw them "sent" / "delivered": the last WEB_DECOY_SAMPLES of
 * each.  Until one is seen, the defaults below (a real network: the
 * SMSC accepts within a second or two, its status report follows). */
#define WEB_DECOY_SAMPLES		32
#define WEB_DECOY_DEFAULT_SENT_MS	1200
#define WEB_DECOY_DEFAULT_DELIVERED_MS	3500
/* The server's sweeper ends an overdue RUNNING session on its next tick
 * (main.c SWEEP_INTERVAL_MS): a real TIMEOUT lands 0..1 s after expiry. */
#define WEB_DECOY_END_JITTER_MS		1000
struct web_decoy_clock {
	int64_t sent[WEB_DECOY_SAMPLES], delivered[WEB_DECOY_SAMPLES];
	unsigned nsent, ndelivered;	/* samples taken (ring index) */
};
/* A real session reached progress pr delay_ms after step 2 began. */
void web_decoy_learn(struct web_decoy_clock *c, int pr, int64_t delay_ms);
/*
 * Turn s (any state) into a decoy in step 2: reason, ticket (ticket (a
 * string of the server's issued tickets) or a new one of ticket_len from
 * ticket_generate), sid (or a new random one, same format), expiry (or
 * the one auth_session_start would give: whole seconds, lifetime_s
 * ahead), the progress times drawn from c.  STK_OK or the error of the
 * random source.
 */
int web_decoy_start(struct web_sess *s, const struct web_decoy_clock *c,
    int reason, const char *ticket, unsigned ticket_len, const char *sid,
    int64_t expiry, unsigned lifetime_s, int64_t now);
/* The decoy's progress at now: WEB_PR_SENDING, _SENT, _DELIVERED, then
 * WEB_PR_DONE from decoy_end (or at once when cancelled). */
int web_decoy_progress(const struct web_sess *s, int64_t now);
/* Milliseconds from now until its progress changes; 0 when done. */
int64_t web_decoy_next_ms(const struct web_sess *s, int64_t now);
/* The result its page shows once done: TIMEOUT or USER_REFUSED. */
int web_decoy_result(const struct web_sess *s);

/* ---- web_work.c ------------------------------------------------------ */

/*
 * A password check: the loop fills account/encoded/pw and submits; a
 * worker runs password_verify (or password_dummy_verify when encoded is
 * "": unknown account or none set, so the time is the same); done runs
 * on the loop with matched set.  The password is wiped before done.
 */
struct web_pwjob {
	char encoded[128];		/* PASSWORD_ENCODED_MAX */
	char pw[1025];			/* PASSWORD_MAX_LEN + 1 */
	size_t pwlen;
	bool matched;			/* out */
	void (*done)(struct web_pwjob *j, void *arg);
	void *arg;
	struct web_pwjob *next;
};
struct web_work;
int web_work_new(struct event_base *base, unsigned threads,
    unsigned max_queue, struct web_work **out);
/* STK_E_NOSPACE when max_queue checks are waiting (the caller says busy).
 * The job is owned by the pool until done, which must free it. */
int web_work_submit(struct web_work *w, struct web_pwjob *j);
void web_work_free(struct web_work *w);

/* ---- web_strings.c --------------------------------------------------- */

/* Every string a user sees has an id here and its text in web_strings.c
 * (one table per language; English is complete, others may leave ids
 * out and fall back to English). */
enum web_str {
	WS_LANG, WS_PRODUCT, WS_FOOTER,
	WS_TITLE_SIGNIN, WS_INTRO_SIGNIN, WS_LABEL_ACCOUNT, WS_HINT_ACCOUNT,
	WS_LABEL_PASSWORD, WS_HINT_PASSWORD, WS_LABEL_CAPTCHA,
	WS_HINT_CAPTCHA, WS_CAPTCHA_ALT, WS_CAPTCHA_REFRESH,
	WS_CAPTCHA_TEXT_LINK, WS_BUTTON_CONTINUE,
	WS_ERR_ACCOUNT_EMPTY, WS_ERR_ACCOUNT_SYNTAX, WS_ERR_CAPTCHA,
	WS_ERR_SUMMARY,
	WS_TITLE_WAIT, WS_WAIT_INTRO, WS_WAIT_CODE, WS_WAIT_CODE_ARIA,
	WS_WAIT_SERVICE, WS_WAIT_TIME_LEFT, WS_WAIT_SECONDS,
	WS_WAIT_EXPIRES_AT, WS_WAIT_NOSCRIPT, WS_WAIT_STATUS,
	WS_BUTTON_CANCEL, WS_WAIT_NO_POPUP,
	WS_PR_SENDING, WS_PR_SENT, WS_PR_DELIVERED, WS_PR_CHECKING,
	WS_PR_DONE, WS_STEP_SENT, WS_STEP_DELIVERED, WS_STEP_CONFIRMED,
	WS_TITLE_SIGNED_IN, WS_SIGNED_IN_INTRO, WS_SIGNED_IN_ACCOUNT,
	WS_SIGNED_IN_AT, WS_BUTTON_SIGN_OUT, WS_TRY_AGAIN, WS_START_AGAIN,
	WS_RES_REFUSED_T, WS_RES_REFUSED, WS_RES_TIMEOUT_T, WS_RES_TIMEOUT,
	WS_RES_DELIVERY_T, WS_RES_DELIVERY, WS_RES_SIM_T, WS_RES_SIM,
	WS_RES_PIN_T, WS_RES_PIN, WS_RES_SIG_T, WS_RES_SIG, WS_RES_CERT_T,
	WS_RES_CERT, WS_RES_LOCKED_T, WS_RES_LOCKED, WS_RES_GENERIC_T,
	WS_RES_GENERIC, WS_RES_INTERNAL_T, WS_RES_INTERNAL,
	WS_EXPIRED_T, WS_EXPIRED, WS_CSRF_T, WS_CSRF, WS_BAD_FORM_T,
	WS_BAD_FORM, WS_RATE_T, WS_RATE, WS_BUSY_T, WS_BUSY, WS_NOT_FOUND_T,
	WS_NOT_FOUND, WS_ERROR_T, WS_ERROR,
	WS_CAPTCHA_TEXT_T, WS_CAPTCHA_TEXT_INTRO, WS_CAPTCHA_TEXT_NONE,
	WS_CAPTCHA_TEXT_BACK,
	WS_COUNT
};
/* The text of id in lang ("en"; unknown languages fall back to "en"). */
const char *web_str(const char *lang, int id);
/* The language of the page for an Accept-Language header (NULL: none):
 * one of the tables' tags (web_lang_pick), "en" when none fits. */
const char *web_lang_negotiate(const char *accept_language);
/* The word a character of the ticket alphabet is spelled with in lang
 * for the CAPTCHA's text alternative ("seven", "K as in kilo"; English
 * when lang has none); NULL outside the alphabet. */
const char *web_char_word(const char *lang, char ch);
/* Title and message of the failure page for a result code. */
int web_result_title(int result);
int web_result_text(int result);

/* ---- web_assets.c ---------------------------------------------------- */

struct web_asset {
	const char *path, *type, *body;
	size_t len;
};
/* The asset served at path, or NULL. */
const struct web_asset *web_asset_find(const char *path);

/* ---- web_html.c ------------------------------------------------------ */

/* Append s HTML-escaped (& < > " ' as character references). */
int web_escape(struct evbuffer *b, const char *s);

struct web_view {
	const char *lang;
	const char *csrf;
	const char *service;
	int64_t now;
};
void web_page_begin(struct evbuffer *b, const struct web_view *v,
    int title, const char *refresh);
void web_page_end(struct evbuffer *b, const struct web_view *v);
/* Step 1.  error: a WS_ id or -1; captcha: show the challenge. */
void web_html_login(struct evbuffer *b, const struct web_view *v,
    const char *account, int error, bool captcha, unsigned captcha_ver);
/* The same page for account "", no error, no CAPTCHA (the blank form),
 * from a copy rendered once per language: the same octets, faster. */
void web_html_login_blank(struct evbuffer *b, const struct web_view *v);
void web_html_wait(struct evbuffer *b, const struct web_view *v,
    const struct web_sess *s, int progress);
void web_html_result(struct evbuffer *b, const struct web_view *v,
    int result);
void web_html_signed_in(struct evbuffer *b, const struct web_view *v,
    const struct web_sess *s);
void web_html_message(struct evbuffer *b, const struct web_view *v,
    int title, int text);
void web_html_captcha_text(struct evbuffer *b, const struct web_view *v,
    const struct captcha *c);

/* Progress of step 2, from the job and session states. */
enum web_progress { WEB_PR_SENDING = 0, WEB_PR_SENT, WEB_PR_DELIVERED,
	WEB_PR_CHECKING, WEB_PR_DONE };
const char *web_progress_name(int pr);
int web_progress_label(int pr);

/* ---- web.c ----------------------------------------------------------- */

int web_start(struct srv *s, char *err, size_t errsz);
void web_stop(struct srv *s);
/* Everything that is not /api, /bridge, /healthz or /metrics. */
void web_dispatch(struct reqctx *rc, const char *path);
/* The page's counters in Prometheus text format (http.c /metrics);
 * nothing when the page is off. */
void web_metrics(struct srv *s, struct evbuffer *b);

#endif
