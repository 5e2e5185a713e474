/*
 * captcha.c - the "graphic add-on code" of the login page (issue 8): a
 * challenge of CAPTCHA_LEN characters from the ticket alphabet (no 0 O 1
 * I L, ticket.c), drawn server-side with libgd as a PNG: each character
 * rotated, scaled and placed at random, crossed by noise lines and arcs,
 * the whole picture bent by two sine waves.  The distortion comes from a
 * per-challenge seed, so reloading the image shows the same picture (no
 * averaging over many renderings); a new challenge is a new picture.
 *
 * Challenges are single use (captcha_check consumes them) and expire.
 * The accessible alternative (docs/WEB.md §6) spells the same challenge
 * as words: web_char_word() (web_strings.c, per language).
 *
 * The policy "after N failures" counts failed sign-ins per client address
 * in a bounded in-memory table (POLICY_SLOTS, probing POLICY_PROBE slots;
 * when all are taken the stalest is reused).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gd.h>
#include <gdfonts.h>
#include <gdfontg.h>
#include <openssl/crypto.h>

#include "err.h"
#include "server.h"
#include "web.h"

#define IMG_W		220
#define IMG_H		80

int
captcha_new(struct captcha *c, int64_t now, unsigned lifetime_s)
{
	uint8_t r[CAPTCHA_LEN * 4 + 4];
	size_t used = 0;
	int rc;

	memset(c, 0, sizeof(*c));
	/* rejection sampling as ticket_symbol(): uniform over 31 symbols */
	while (used < CAPTCHA_LEN) {
		if ((rc = srv_random(r, sizeof(r))) != STK_OK)
			return rc;
		for (size_t i = 0; i + 4 < sizeof(r) && used < CAPTCHA_LEN; i++) {
			int k = ticket_symbol(r[i]);

			if (k >= 0)
				c->answer[used++] = TICKET_ALPHABET[k];
		}
		memcpy(&c->seed, r + sizeof(r) - 4, 4);
	}
	c->answer[CAPTCHA_LEN] = '\0';
	c->expires = now + (int64_t)lifetime_s * 1000;
	OPENSSL_cleanse(r, sizeof(r));
	return STK_OK;
}

bool
captcha_live(const struct captcha *c, int64_t now)
{
	return c->expires != 0 && now < c->expires;
}

bool
captcha_check(struct captcha *c, const char *typed, int64_t now)
{
	char norm[CAPTCHA_LEN];
	size_t n = 0;
	bool live = captcha_live(c, now), over = false;
	int diff;

	memset(norm, 0, sizeof(norm));
	for (const char *p = typed; *p; p++) {
		char ch = *p;

		if (ch == ' ' || ch == '-')
			continue;
		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		if (n < CAPTCHA_LEN)
			norm[n] = ch;
		else
			over = true;
		n++;
	}
	diff = CRYPTO_memcmp(norm, c->answer, CAPTCHA_LEN);
	/* single use: whatever the outcome, this challenge is gone */
	c->expires = 0;
	OPENSSL_cleanse(c->answer, sizeof(c->answer));
	return live && !over && n == CAPTCHA_LEN && diff == 0;
}

/* ---- the picture ----------------------------------------------------- */

/* xorshift32 (Marsaglia 2003): layout randomness, not key material */
static uint32_t
rnd(uint32_t *st)
{
	uint32_t x = *st ? *st : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *st = x;
}

static int
rnd_in(uint32_t *st, int lo, int hi)
{
	return lo + (int)(rnd(st) % (uint32_t)(hi - lo + 1));
}

/* Draw the characters onto im with the TrueType font, or libgd's giant
 * bitmap font scaled up when font is "" (or cannot be used). */
static void
draw_text(gdImagePtr im, const struct captcha *c, const char *font,
    uint32_t *st)
{
	int x = 14;

	for (int i = 0; i < CAPTCHA_LEN; i++) {
		char s[2] = { c->answer[i], '\0' };
		int col = gdImageColorAllocate(im, rnd_in(st, 10, 70),
		    rnd_in(st, 20, 60), rnd_in(st, 60, 120));
		double angle = (rnd_in(st, -20, 20)) * M_PI / 180.0;
		double size = rnd_in(st, 26, 34);
		int y = rnd_in(st, 50, 64), brect[8];
		char *e = NULL;

		if (font[0])
			e = gdImageStringFT(im, brect, col, (char *)font, size,
			    angle, x, y, s);
		if (font[0] == '\0' || e != NULL) {
			/* giant font is 9x15: draw small, scale up 3x */
			gdImagePtr g = gdImageCreateTrueColor(12, 17);
			int bg = gdImageColorAllocate(g, 255, 255, 255);

			gdImageColorTransparent(g, bg);
			gdImageFilledRectangle(g, 0, 0, 11, 16, bg);
			gdImageChar(g, gdFontGetGiant(), 1, 1, s[0], col);
			gdImageCopyResized(im, g, x, y - 48, 0, 0, 34, 50, 12,
			    17);
			gdImageDestroy(g);
		}
		x += rnd_in(st, 36, 42);
	}
}

int
captcha_png(const struct captcha *c, const char *font, uint8_t **png,
    size_t *len)
{
	gdImagePtr src = NULL, dst = NULL;
	uint32_t st = c->seed ^ 0xa5a5a5a5u;
	double ph1, ph2, a1, a2;
	void *p = NULL;
	int size = 0, rc = STK_E_NOMEM, bg;

	*png = NULL;
	if (c->expires == 0)
		return STK_E_STATE;
	if ((src = gdImageCreateTrueColor(IMG_W, IMG_H)) == NULL ||
	    (dst = gdImageCreateTrueColor(IMG_W, IMG_H)) == NULL)
		goto out;
	bg = gdImageColorAllocate(src, 246, 247, 250);
	gdImageFilledRectangle(src, 0, 0, IMG_W - 1, IMG_H - 1, bg);
	/* background clutter below the text */
	for (int i = 0; i < 6; i++) {
		int col = gdImageColorAllocate(src, rnd_in(&st, 150, 210),
		    rnd_in(&st, 150, 210), rnd_in(&st, 170, 230));

		gdImageArc(src, rnd_in(&st, 0, IMG_W), rnd_in(&st, 0, IMG_H),
		    rnd_in(&st, 40, 160), rnd_in(&st, 30, 90), 0, 360, col);
	}
	draw_text(src, c, font, &st);
	/* noise lines across the text, in the text's colours */
	gdImageSetThickness(src, 2);
	for (int i = 0; i < 5; i++) {
		int col = gdImageColorAllocate(src, rnd_in(&st, 20, 90),
		    rnd_in(&st, 20, 80), rnd_in(&st, 60, 130));

		gdImageLine(src, rnd_in(&st, 0, IMG_W / 3),
		    rnd_in(&st, 5, IMG_H - 5), rnd_in(&st, 2 * IMG_W / 3, IMG_W),
		    rnd_in(&st, 5, IMG_H - 5), col);
	}
	gdImageSetThickness(src, 1);
	/* bend: each column shifted vertically, each row horizontally */
	ph1 = rnd_in(&st, 0, 628) / 100.0;
	ph2 = rnd_in(&st, 0, 628) / 100.0;
	a1 = rnd_in(&st, 30, 55) / 10.0;
	a2 = rnd_in(&st, 20, 40) / 10.0;
	for (int y = 0; y < IMG_H; y++)
		for (int x = 0; x < IMG_W; x++) {
			int sx = x + (int)lround(a2 * sin(y / 9.0 + ph2));
			int sy = y + (int)lround(a1 * sin(x / 23.0 + ph1));

			gdImageSetPixel(dst, x, y, (sx < 0 || sy < 0 ||
			    sx >= IMG_W || sy >= IMG_H) ? bg :
			    gdImageGetTrueColorPixel(src, sx, sy));
		}
	if ((p = gdImagePngPtr(dst, &size)) == NULL || size <= 0)
		goto out;
	if ((*png = malloc((size_t)size)) == NULL)
		goto out;
	memcpy(*png, p, (size_t)size);
	*len = (size_t)size;
	rc = STK_OK;
 out:
	if (p)
		gdFree(p);
	if (src)
		gdImageDestroy(src);
	if (dst)
		gdImageDestroy(dst);
	return rc;
}

/* ---- the policy ------------------------------------------------------ */

#define POLICY_SLOTS	4096
#define POLICY_PROBE	8

struct policy_slot {
	char addr[64];
	unsigned failures;
	int64_t last;		/* ms of the last failure, 0 free */
};

struct captcha_policy {
	int policy;
	unsigned after;
	int64_t window_ms;
	struct policy_slot slots[POLICY_SLOTS];
};

int
captcha_policy_new(int policy, unsigned after, unsigned window_s,
    struct captcha_policy **out)
{
	struct captcha_policy *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return STK_E_NOMEM;
	p->policy = policy;
	p->after = after;
	p->window_ms = (int64_t)window_s * 1000;
	*out = p;
	return STK_OK;
}

void
captcha_policy_free(struct captcha_policy *p)
{
	free(p);
}

/* FNV-1a 32 of the address: where its probe sequence starts. */
static size_t
slot0(const char *addr)
{
	uint32_t h = 2166136261u;

	for (const char *q = addr; *q; q++)
		h = (h ^ (uint8_t)*q) * 16777619u;
	return h % POLICY_SLOTS;
}

/* The slot of addr, or (create) a free/stale/stalest one for it. */
static struct policy_slot *
find(struct captcha_policy *p, const char *addr, int64_t now, bool create)
{
	size_t s0 = slot0(addr);
	struct policy_slot *victim = NULL;

	for (size_t i = 0; i < POLICY_PROBE; i++) {
		struct policy_slot *sl = &p->slots[(s0 + i) % POLICY_SLOTS];
		bool stale = sl->last == 0 || now - sl->last > p->window_ms;

		if (!stale && strcmp(sl->addr, addr) == 0)
			return sl;
		if (stale && victim == NULL)
			victim = sl;
	}
	if (!create)
		return NULL;
	if (victim == NULL) {
		victim = &p->slots[s0];
		for (size_t i = 1; i < POLICY_PROBE; i++) {
			struct policy_slot *sl = &p->slots[(s0 + i) %
			    POLICY_SLOTS];

			if (sl->last < victim->last)
				victim = sl;
		}
	}
	memset(victim, 0, sizeof(*victim));
	snprintf(victim->addr, sizeof(victim->addr), "%s", addr);
	return victim;
}

bool
captcha_required(struct captcha_policy *p, const char *addr, int64_t now)
{
	struct policy_slot *sl;

	if (p->policy != WEB_CAPTCHA_AFTER)
		return p->policy == WEB_CAPTCHA_ALWAYS;
	sl = find(p, addr, now, false);
	return sl != NULL && sl->failures >= p->after;
}

void
captcha_fail(struct captcha_policy *p, const char *addr, int64_t now)
{
	struct policy_slot *sl = find(p, addr, now, true);

	sl->failures++;
	sl->last = now;
}

void
captcha_reset(struct captcha_policy *p, const char *addr)
{
	size_t s0 = slot0(addr);

	for (size_t i = 0; i < POLICY_PROBE; i++) {
		struct policy_slot *sl = &p->slots[(s0 + i) % POLICY_SLOTS];

		if (strcmp(sl->addr, addr) == 0)
			memset(sl, 0, sizeof(*sl));
	}
}
