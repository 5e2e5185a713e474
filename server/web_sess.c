/*
 * web_sess.c - web sessions of the login page, in memory.
 *
 * A web session is what the cookie names: the state of one browser going
 * through the three steps (web.h enum web_state), its CSRF token and its
 * CAPTCHA challenge.  Cookie values and tokens are secret_generate()
 * strings (256 random bits).  The table is keyed by SHA-256 of the cookie
 * value, compared with CRYPTO_memcmp, so neither the hash chains nor the
 * comparison leak timing about a guessed value.  A least-recently-used
 * list bounds the table (max sessions; the oldest goes first) and lets
 * the sweeper stop at the first session still in use.
 *
 * Nothing here is durable: a server restart signs everybody out of the
 * page (docs/WEB.md §5).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "err.h"
#include "server.h"
#include "web.h"

TAILQ_HEAD(web_lru, web_sess);

struct web_sessions {
	struct web_sess **buckets;
	size_t nbuckets;		/* a power of two */
	unsigned count, max;
	struct web_lru lru;		/* least recently used first */
	EVP_MD *sha256;			/* fetched once: an implicit fetch
					 * per lookup costs more than the
					 * hash (OpenSSL 3 "Performance") */
	EVP_MD_CTX *md;			/* reused: no context allocated per
					 * lookup */
};

int
web_sessions_new(unsigned max, struct web_sessions **out)
{
	struct web_sessions *t;

	if (max == 0 || (t = calloc(1, sizeof(*t))) == NULL)
		return max == 0 ? STK_E_ARG : STK_E_NOMEM;
	t->max = max;
	t->nbuckets = 64;
	while (t->nbuckets < max && t->nbuckets < (1u << 20))
		t->nbuckets <<= 1;
	if ((t->buckets = calloc(t->nbuckets, sizeof(*t->buckets))) == NULL) {
		free(t);
		return STK_E_NOMEM;
	}
	if ((t->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL ||
	    (t->md = EVP_MD_CTX_new()) == NULL) {
		EVP_MD_free(t->sha256);
		free(t->buckets);
		free(t);
		return STK_E_CRYPTO;
	}
	TAILQ_INIT(&t->lru);
	*out = t;
	return STK_OK;
}

static void
sess_wipe_free(struct web_sess *s)
{
	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
}

void
web_sessions_free(struct web_sessions *t)
{
	struct web_sess *s;

	if (t == NULL)
		return;
	while ((s = TAILQ_FIRST(&t->lru)) != NULL) {
		TAILQ_REMOVE(&t->lru, s, lru);
		sess_wipe_free(s);
	}
	EVP_MD_CTX_free(t->md);
	EVP_MD_free(t->sha256);
	free(t->buckets);
	free(t);
}

unsigned
web_sessions_count(const struct web_sessions *t)
{
	return t->count;
}

static int
key_of(const struct web_sessions *t, const char *id, uint8_t key[32])
{
	unsigned int n = 0;

	return EVP_DigestInit_ex2(t->md, t->sha256, NULL) == 1 &&
	    EVP_DigestUpdate(t->md, id, strlen(id)) == 1 &&
	    EVP_DigestFinal_ex(t->md, key, &n) == 1 && n == 32 ? STK_OK :
	    STK_E_CRYPTO;
}

static size_t
bucket_of(const struct web_sessions *t, const uint8_t key[32])
{
	size_t h = 0;

	for (int i = 0; i < 8; i++)
		h = h << 8 | key[i];
	return h & (t->nbuckets - 1);
}

static void
unlink_hash(struct web_sessions *t, struct web_sess *s)
{
	struct web_sess **pp = &t->buckets[bucket_of(t, s->key)];

	while (*pp && *pp != s)
		pp = &(*pp)->next;
	if (*pp)
		*pp = s->next;
	s->next = NULL;
}

static void
link_hash(struct web_sessions *t, struct web_sess *s)
{
	size_t b = bucket_of(t, s->key);

	s->next = t->buckets[b];
	t->buckets[b] = s;
}

void
web_sess_drop(struct web_sessions *t, struct web_sess *s)
{
	unlink_hash(t, s);
	TAILQ_REMOVE(&t->lru, s, lru);
	t->count--;
	sess_wipe_free(s);
}

struct web_sess *
web_sess_find(struct web_sessions *t, const char *id, int64_t now,
    int64_t idle_ms, int64_t signed_ms)
{
	uint8_t key[32];
	struct web_sess *s;

	if (strlen(id) != WEB_ID_LEN || key_of(t, id, key) != STK_OK)
		return NULL;
	for (s = t->buckets[bucket_of(t, key)]; s; s = s->next)
		if (CRYPTO_memcmp(s->key, key, sizeof(key)) == 0)
			break;
	if (s == NULL)
		return NULL;
	if (now - s->seen > idle_ms || (s->state == WEB_SIGNED_IN &&
	    now - s->signed_in_at > signed_ms)) {
		web_sess_drop(t, s);
		return NULL;
	}
	s->seen = now;
	TAILQ_REMOVE(&t->lru, s, lru);
	TAILQ_INSERT_TAIL(&t->lru, s, lru);
	return s;
}

/*
 * Fresh cookie value, key and CSRF token into s (not linked):
 * secret_generate's 256-bit secrets, their octets from srv_random's
 * DRBG block (ticket.c: no fork-check system call per draw).
 */
static int
new_ids(struct web_sessions *t, struct web_sess *s)
{
	int rc;

	if ((rc = secret_generate("ws", s->id, sizeof(s->id))) == STK_OK &&
	    (rc = secret_generate("ct", s->csrf, sizeof(s->csrf))) == STK_OK)
		rc = key_of(t, s->id, s->key);
	return rc;
}

struct web_sess *
web_sess_create(struct web_sessions *t, int64_t now)
{
	struct web_sess *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if (new_ids(t, s) != STK_OK) {
		sess_wipe_free(s);
		return NULL;
	}
	s->state = WEB_ANON;
	s->created = s->seen = now;
	while (t->count >= t->max)
		web_sess_drop(t, TAILQ_FIRST(&t->lru));
	link_hash(t, s);
	TAILQ_INSERT_TAIL(&t->lru, s, lru);
	t->count++;
	return s;
}

int
web_sess_regenerate(struct web_sessions *t, struct web_sess *s)
{
	int rc;

	unlink_hash(t, s);
	rc = new_ids(t, s);
	link_hash(t, s);
	return rc;
}

unsigned
web_sess_sweep(struct web_sessions *t, int64_t now, int64_t idle_ms)
{
	struct web_sess *s;
	unsigned n = 0;

	while ((s = TAILQ_FIRST(&t->lru)) != NULL && now - s->seen > idle_ms) {
		web_sess_drop(t, s);
		n++;
	}
	return n;
}

bool
web_csrf_ok(const struct web_sess *s, const char *token)
{
	size_t n = strlen(token);

	/* lengths are public (fixed); the contents compare in constant time */
	return n == WEB_ID_LEN && strlen(s->csrf) == WEB_ID_LEN &&
	    CRYPTO_memcmp(s->csrf, token, WEB_ID_LEN) == 0;
}

/* ---- decoys (docs/WEB.md §4) ----------------------------------------- */

static const char *const decoy_names[WEB_DECOY_COUNT] = {
	[WEB_DECOY_UNKNOWN] = "unknown_account",
	[WEB_DECOY_NOT_BOUND] = "not_bound",
	[WEB_DECOY_WRONG_PASSWORD] = "wrong_password",
};

const char *
web_decoy_reason_name(int reason)
{
	if (reason <= WEB_DECOY_NONE || reason >= WEB_DECOY_COUNT)
		return NULL;
	return decoy_names[reason];
}

void
web_decoy_learn(struct web_decoy_clock *c, int pr, int64_t delay_ms)
{
	if (delay_ms < 0)
		delay_ms = 0;
	if (pr == WEB_PR_SENT)
		c->sent[c->nsent++ % WEB_DECOY_SAMPLES] = delay_ms;
	else if (pr == WEB_PR_DELIVERED)
		c->delivered[c->ndelivered++ % WEB_DECOY_SAMPLES] = delay_ms;
}

/*
 * One delay: a random one of the n samples taken (the ring holds the
 * last WEB_DECOY_SAMPLES), or def spread uniformly over 0.7..1.3 def
 * when none was taken.  r: a random 32-bit value.
 */
static int64_t
decoy_draw(const int64_t *ring, unsigned n, int64_t def, uint32_t r)
{
	unsigned have = n < WEB_DECOY_SAMPLES ? n : WEB_DECOY_SAMPLES;

	if (have > 0)
		return ring[r % have];
	return def * 7 / 10 + (int64_t)(r % (uint32_t)(def * 6 / 10 + 1));
}

int
web_decoy_start(struct web_sess *s, const struct web_decoy_clock *c,
    int reason, const char *ticket, unsigned ticket_len, const char *sid,
    int64_t expiry, unsigned lifetime_s, int64_t now)
{
	uint8_t rnd[STK_AUTH_SESSION_ID_LEN];
	uint32_t r[3];
	int64_t sent, delivered;
	int rc;

	if (reason <= WEB_DECOY_NONE || reason >= WEB_DECOY_COUNT)
		return STK_E_ARG;
	if (ticket && ticket[0])
		snprintf(s->ticket, sizeof(s->ticket), "%s", ticket);
	else if ((rc = ticket_generate(s->ticket, ticket_len)) != STK_OK)
		return rc;
	if (sid && sid[0])
		snprintf(s->auth_sid, sizeof(s->auth_sid), "%s", sid);
	else {
		if ((rc = srv_random(rnd, sizeof(rnd))) != STK_OK)
			return rc;
		hex_upper(s->auth_sid, rnd, sizeof(rnd));
	}
	if ((rc = srv_random((uint8_t *)r, sizeof(r))) != STK_OK)
		return rc;
	/* as auth_session_start: the expiry in whole seconds */
	s->expiry = expiry > 0 ? expiry :
	    ((now + 999) / 1000 + (int64_t)lifetime_s) * 1000;
	sent = decoy_draw(c->sent, c->nsent, WEB_DECOY_DEFAULT_SENT_MS, r[0]);
	delivered = decoy_draw(c->delivered, c->ndelivered,
	    WEB_DECOY_DEFAULT_DELIVERED_MS, r[1]);
	if (delivered < sent)
		delivered = sent;
	s->state = WEB_WAITING;
	s->decoy = reason;
	s->decoy_cancelled = false;
	s->waiting_since = now;
	s->seen_pr = WEB_PR_SENDING;
	s->decoy_sent = now + sent;
	s->decoy_delivered = now + delivered;
	s->decoy_end = s->expiry + (int64_t)(r[2] % WEB_DECOY_END_JITTER_MS);
	OPENSSL_cleanse(r, sizeof(r));
	return STK_OK;
}

int
web_decoy_progress(const struct web_sess *s, int64_t now)
{
	if (s->decoy_cancelled || now >= s->decoy_end)
		return WEB_PR_DONE;
	if (now >= s->decoy_delivered)
		return WEB_PR_DELIVERED;
	if (now >= s->decoy_sent)
		return WEB_PR_SENT;
	return WEB_PR_SENDING;
}

int64_t
web_decoy_next_ms(const struct web_sess *s, int64_t now)
{
	int64_t at;

	switch (web_decoy_progress(s, now)) {
	case WEB_PR_SENDING:
		at = s->decoy_sent;
		break;
	case WEB_PR_SENT:
		at = s->decoy_delivered;
		break;
	case WEB_PR_DELIVERED:
		at = s->decoy_end;
		break;
	default:
		return 0;
	}
	/* a stage may be empty (delivered == sent): at least 1 ms */
	return at > now ? at - now : 1;
}

int
web_decoy_result(const struct web_sess *s)
{
	return s->decoy_cancelled ? SRV_RES_USER_REFUSED : SRV_RES_TIMEOUT;
}
