/*
 * web_form.c - what the login page reads from browsers: form bodies
 * (application/x-www-form-urlencoded, WHATWG URL standard §5.1), the
 * Cookie header (RFC 6265 §4.2.1, §5.4), the Accept-Language header
 * (RFC 9110 §12.5.4, RFC 4647), and the ticket grouping the page shows.
 * Pure functions over bounded buffers (no libevent), so that
 * tests/fuzz/fuzz_web_form.c can drive them directly.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "web.h"

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decode s[0..n) into out (cap octets, NUL included); "+" is a
 * space (§5.1 step 3.4).  A "%" not followed by two hex digits is
 * refused (the standard passes it through; no browser sends it).
 */
static int
pct_decode(const char *s, size_t n, char *out, size_t cap, size_t *outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int hi, lo;

		if (c == '%') {
			if (i + 2 >= n)
				return STK_E_INVALID;
			hi = hexval((unsigned char)s[i + 1]);
			lo = hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				return STK_E_INVALID;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+')
			c = ' ';
		if (o + 1 >= cap)
			return STK_E_TOO_LONG;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	*outlen = o;
	return STK_OK;
}

/*
 * Well-formed UTF-8 (RFC 3629 §4: no overlongs, no surrogates, at most
 * U+10FFFF) without C0 controls or DEL.  NUL is a control, so a value is
 * also a C string.
 */
static bool
text_ok(const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = p[i];
		size_t k;
		uint32_t cp;

		if (c < 0x20 || c == 0x7f)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			k = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			cp = c & 0x07;
		} else
			return false;
		if (n - i <= k)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((p[i + j] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i + j] & 0x3f);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

int
web_form_decode(const char *body, size_t len, struct web_field *f,
    size_t nf, const char **bad)
{
	char name[32];
	size_t pos = 0;

	*bad = "";
	for (size_t i = 0; i < nf; i++) {
		f[i].out[0] = '\0';
		f[i].seen = false;
	}
	while (pos < len) {
		const char *pair = body + pos, *amp, *eq;
		size_t plen, nlen, vlen, dlen;
		struct web_field *fl = NULL;
		int rc;

		*bad = "";
		amp = memchr(pair, '&', len - pos);
		plen = amp ? (size_t)(amp - pair) : len - pos;
		pos += plen + 1;
		if (plen == 0)
			continue;	/* "a=1&&b=2": empty pairs are skipped */
		eq = memchr(pair, '=', plen);
		nlen = eq ? (size_t)(eq - pair) : plen;
		vlen = eq ? plen - nlen - 1 : 0;
		if (pct_decode(pair, nlen, name, sizeof(name), &dlen) != STK_OK ||
		    strlen(name) != dlen)
			return STK_E_INVALID;
		for (size_t i = 0; i < nf && fl == NULL; i++)
			if (strcmp(f[i].name, name) == 0)
				fl = &f[i];
		if (fl == NULL)
			return STK_E_INVALID;	/* unknown member */
		*bad = fl->name;
		if (fl->seen)
			return STK_E_INVALID;	/* given twice */
		fl->seen = true;
		rc = pct_decode(eq ? eq + 1 : pair + plen, vlen, fl->out,
		    fl->cap, &dlen);
		if (rc != STK_OK)
			return rc;
		if (!text_ok((const unsigned char *)fl->out, dlen))
			return STK_E_INVALID;
	}
	*bad = "";
	return STK_OK;
}

/* RFC 6265 §4.1.1 cookie-octet: %x21 / %x23-2B / %x2D-3A / %x3C-5B /
 * %x5D-7E (no space, DQUOTE, comma, semicolon, backslash, controls). */
static bool
cookie_octet(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x2b) ||
	    (c >= 0x2d && c <= 0x3a) || (c >= 0x3c && c <= 0x5b) ||
	    (c >= 0x5d && c <= 0x7e);
}

/* RFC 7230 §3.2.6 tchar. */
static bool
tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != 0 && strchr("!#$%&'*+-.^_`|~",
	    c) != NULL);
}

bool
web_cookie_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!tchar((unsigned char)s[i]))
			return false;
	return true;
}

int
web_cookie_get(const char *header, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);
	const char *p = header;

	out[0] = '\0';
	while (*p) {
		const char *semi = strchr(p, ';'), *eq, *v, *end;
		size_t plen;

		while (*p == ' ' || *p == '\t')
			p++;
		plen = semi ? (size_t)(semi - p) : strlen(p);
		eq = memchr(p, '=', plen);
		if (eq && (size_t)(eq - p) == nl && memcmp(p, name, nl) == 0) {
			v = eq + 1;
			end = p + plen;
			while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
				end--;
			/* a DQUOTE-wrapped value (§4.1.1) is unwrapped */
			if (end - v >= 2 && v[0] == '"' && end[-1] == '"') {
				v++;
				end--;
			}
			if ((size_t)(end - v) + 1 > cap)
				return STK_E_TOO_LONG;
			for (const char *q = v; q < end; q++)
				if (!cookie_octet((unsigned char)*q))
					return STK_E_INVALID;
			memcpy(out, v, (size_t)(end - v));
			out[end - v] = '\0';
			return STK_OK;
		}
		if (semi == NULL)
			break;
		p = semi + 1;
	}
	return STK_E_NOT_FOUND;
}

size_t
web_ticket_groups(const char *ticket, char sep, char *out, size_t outsz)
{
	size_t n = strlen(ticket), o = 0, groups = 0, i = 0;

	if (outsz == 0)
		return 0;
	while (i < n) {
		size_t left = n - i;
		size_t g = left == 4 || left == 2 ? 2 : left < 3 ? left : 3;

		if (groups > 0 && o + 1 < outsz)
			out[o++] = sep;
		for (size_t k = 0; k < g && o + 1 < outsz; k++)
			out[o++] = ticket[i + k];
		i += g;
		groups++;
	}
	out[o] = '\0';
	return groups;
}

/* ---- Accept-Language ------------------------------------------------- */

/* One member of the header: a language range and its weight (0..1000). */
struct lang_range {
	char tag[64];
	unsigned q;
};

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * qvalue (RFC 9110 §12.4.2): ( "0" [ "." 0*3DIGIT ] ) /
 * ( "1" [ "." 0*3("0") ] ), as thousandths.  *i advances; false when
 * malformed.
 */
static bool
lang_qvalue(const char *s, size_t n, size_t *i, unsigned *q)
{
	unsigned scale = 100;

	if (*i >= n || (s[*i] != '0' && s[*i] != '1'))
		return false;
	*q = s[*i] == '1' ? 1000 : 0;
	if (++*i >= n || s[*i] != '.')
		return true;
	for (++*i; *i < n && is_digit(s[*i]) && scale > 0; ++*i, scale /= 10) {
		if (*q == 1000 && s[*i] != '0')
			return false;
		*q += (unsigned)(s[*i] - '0') * scale;
	}
	return true;
}

/*
 * Parse s[0..n) = OWS language-range [ weight ] OWS, where
 * language-range = (1*8ALPHA *("-" 1*8alphanum)) / "*" (RFC 4647 §2.1)
 * and weight = OWS ";" OWS "q=" qvalue (RFC 9110 §12.4.2; "q" in any
 * case).  false when the member is empty or malformed.
 */
static bool
lang_member(const char *s, size_t n, struct lang_range *r)
{
	size_t i = 0, t = 0, sub = 0;
	bool first = true;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i < n && s[i] == '*') {
		r->tag[t++] = '*';
		sub = 1;
		i++;
	} else
		for (; i < n && s[i] != ';' && s[i] != ' ' && s[i] != '\t';
		    i++) {
			if (s[i] == '-') {
				if (sub == 0)
					return false;
				first = false;
				sub = 0;
			} else if (!is_alpha(s[i]) && (first ||
			    !is_digit(s[i])))
				return false;
			else if (++sub > 8)
				return false;
			if (t + 1 >= sizeof(r->tag))
				return false;
			r->tag[t++] = s[i];
		}
	if (sub == 0)
		return false;
	r->tag[t] = '\0';
	r->q = 1000;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == n)
		return true;
	if (s[i++] != ';')
		return false;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (n - i < 2 || (s[i] != 'q' && s[i] != 'Q') || s[i + 1] != '=')
		return false;
	i += 2;
	return lang_qvalue(s, n, &i, &r->q) && i == n;
}

/* RFC 4647 §3.4 Lookup of one range in avail, with the prefix match of
 * §3.3.1 at each step; -1 when the range is used up. */
static int
lang_lookup(const char *range, const char *const *avail, size_t n)
{
	char r[64];
	char *cut;
	size_t len;

	snprintf(r, sizeof(r), "%.63s", range);
	for (;;) {
		len = strlen(r);
		for (size_t i = 0; i < n; i++)
			if (strcasecmp(avail[i], r) == 0)
				return (int)i;
		for (size_t i = 0; i < n; i++)
			if (strncasecmp(avail[i], r, len) == 0 &&
			    avail[i][len] == '-')
				return (int)i;
		if ((cut = strrchr(r, '-')) == NULL)
			return -1;
		*cut = '\0';
		/* a single-letter subtag (an extension or private-use
		 * singleton) left at the end goes too (§3.4 step 3) */
		if ((cut = strrchr(r, '-')) != NULL && cut[1] != '\0' &&
		    cut[2] == '\0')
			*cut = '\0';
	}
}

int
web_lang_pick(const char *header, const char *const *avail, size_t n)
{
	struct lang_range rr[WEB_LANG_RANGES], one;
	size_t nr = 0, len, j;
	const char *p = header, *comma;
	int k;

	if (header == NULL || n == 0 ||
	    strnlen(header, WEB_LANG_HEADER_MAX + 1) > WEB_LANG_HEADER_MAX)
		return -1;
	while (nr < WEB_LANG_RANGES) {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		if (lang_member(p, len, &one)) {
			/* by descending weight, the earlier first on a tie */
			for (j = nr; j > 0 && rr[j - 1].q < one.q; j--)
				rr[j] = rr[j - 1];
			rr[j] = one;
			nr++;
		}
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	for (size_t i = 0; i < nr; i++) {
		if (rr[i].q == 0)
			continue;	/* "not acceptable" */
		if (strcmp(rr[i].tag, "*") == 0)
			return -1;	/* any: the default */
		if ((k = lang_lookup(rr[i].tag, avail, n)) >= 0)
			return k;
	}
	return -1;
}
