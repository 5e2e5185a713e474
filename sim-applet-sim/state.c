/*
 * state.c - the card state file.
 *
 * Format, version 1 (text, one "key value" line each, LF endings, every
 * key exactly once, in any order; nothing else, not even blank lines):
 *
 *   stkauth-sim-state 1
 *   ef.iccid <hex, 10 bytes>      EF contents, exactly the EF size
 *   ef.dir <hex, 32 bytes>
 *   ef.imsi <hex, 9 bytes>
 *   ef.msisdn <hex, 52 bytes>     all records, record 1 first
 *   ef.smsp <hex, 40 bytes>
 *   ef.loci <hex, 11 bytes>
 *   pin1 <hex, 8 bytes>           PIN block (TS 102 221 §9.5.1)
 *   pin1.tries <0..3>
 *   pin1.enabled <0|1>
 *   puk1 <hex, 8 bytes>
 *   puk1.tries <0..10>
 *
 * The file holds the PIN and PUK: it is created 0600 and replaced
 * atomically (temp file in the same directory, fsync, rename, fsync of
 * the directory), so a crash leaves either the old or the new card.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bytes.h"
#include "card.h"
#include "err.h"
#include "log.h"

#define STATE_MAGIC "stkauth-sim-state"
#define STATE_VERSION 1

enum key_kind { K_EF, K_PIN, K_PUK, K_PIN_TRIES, K_PUK_TRIES, K_ENABLED };

struct state_key {
	const char *name;
	uint8_t kind;		/* enum key_kind */
	uint8_t ef;		/* K_EF: enum card_ef */
};

/* Every key, once; also the order in which state_encode writes them. */
static const struct state_key keys[] = {
	{ "ef.iccid",     K_EF, CARD_EF_ICCID },
	{ "ef.dir",       K_EF, CARD_EF_DIR },
	{ "ef.imsi",      K_EF, CARD_EF_IMSI },
	{ "ef.msisdn",    K_EF, CARD_EF_MSISDN },
	{ "ef.smsp",      K_EF, CARD_EF_SMSP },
	{ "ef.loci",      K_EF, CARD_EF_LOCI },
	{ "pin1",         K_PIN, 0 },
	{ "pin1.tries",   K_PIN_TRIES, 0 },
	{ "pin1.enabled", K_ENABLED, 0 },
	{ "puk1",         K_PUK, 0 },
	{ "puk1.tries",   K_PUK_TRIES, 0 },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static void
add_str(struct stk_buf *b, const char *s)
{
	stk_buf_add_bytes(b, s, strlen(s));
}

static void
add_hex(struct stk_buf *b, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		stk_buf_add_u8(b, (uint8_t)digits[p[i] >> 4]);
		stk_buf_add_u8(b, (uint8_t)digits[p[i] & 0x0f]);
	}
}

int
state_encode(const struct card_data *d, struct stk_buf *out)
{
	char num[8];

	add_str(out, STATE_MAGIC " 1\n");
	for (size_t i = 0; i < NKEYS; i++) {
		const struct state_key *k = &keys[i];

		add_str(out, k->name);
		stk_buf_add_u8(out, ' ');
		switch (k->kind) {
		case K_EF:
			add_hex(out, d->ef[k->ef], card_ef_layout(k->ef)->size);
			break;
		case K_PIN:
			add_hex(out, d->pin1, CARD_PIN_LEN);
			break;
		case K_PUK:
			add_hex(out, d->puk1, CARD_PIN_LEN);
			break;
		case K_PIN_TRIES:
		case K_PUK_TRIES:
		case K_ENABLED:
			snprintf(num, sizeof(num), "%u",
			    k->kind == K_PIN_TRIES ? d->pin1_tries :
			    k->kind == K_PUK_TRIES ? d->puk1_tries :
			    (unsigned)d->pin1_enabled);
			add_str(out, num);
			break;
		}
		stk_buf_add_u8(out, '\n');
	}
	return stk_buf_ok(out) ? STK_OK : STK_E_NOMEM;
}

/* ---- decoding ----------------------------------------------------------- */

/* Split the next LF-terminated line off c (without the LF). */
static bool
take_line(struct stk_cur *c, struct stk_cur *line)
{
	const uint8_t *p = stk_cur_data(c);
	const uint8_t *nl = stk_cur_len(c) > 0 ?
	    memchr(p, '\n', stk_cur_len(c)) : NULL;

	if (nl == NULL)
		return false;
	if (!stk_cur_sub(c, line, (size_t)(nl - p)))
		return false;
	return stk_cur_skip(c, 1);
}

/* Whether line starts with the bytes of s; consumes them if so. */
static bool
take_token(struct stk_cur *line, const char *s)
{
	size_t n = strlen(s);
	const uint8_t *p;

	if (stk_cur_len(line) < n || memcmp(stk_cur_data(line), s, n) != 0)
		return false;
	return stk_cur_bytes(line, &p, n);
}

static int
hexval(uint8_t ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* The value must be exactly n bytes of hex. */
static bool
get_hex(struct stk_cur *v, uint8_t *out, size_t n)
{
	uint8_t hi, lo;

	if (stk_cur_len(v) != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		(void)stk_cur_u8(v, &hi);
		(void)stk_cur_u8(v, &lo);
		if (hexval(hi) < 0 || hexval(lo) < 0)
			return false;
		out[i] = (uint8_t)(hexval(hi) << 4 | hexval(lo));
	}
	return true;
}

/* A decimal 0..max without sign or leading zeros. */
static bool
get_uint(struct stk_cur *v, unsigned max, unsigned *out)
{
	unsigned acc = 0;
	size_t n = stk_cur_len(v);
	uint8_t ch;

	if (n == 0 || n > 3)
		return false;
	for (size_t i = 0; i < n; i++) {
		(void)stk_cur_u8(v, &ch);
		if (ch < '0' || ch > '9' || (i == 0 && ch == '0' && n > 1))
			return false;
		acc = acc * 10 + (unsigned)(ch - '0');
	}
	if (acc > max)
		return false;
	*out = acc;
	return true;
}

static int
decode_value(const struct state_key *k, struct stk_cur *v,
    struct card_data *d)
{
	char text[21];
	unsigned u;

	switch (k->kind) {
	case K_EF:
		if (!get_hex(v, d->ef[k->ef], card_ef_layout(k->ef)->size))
			return STK_E_INVALID;
		/* The identities must decode: the card announces them. */
		if (k->ef == CARD_EF_ICCID &&
		    content_iccid_text(d->ef[k->ef], text) != STK_OK)
			return STK_E_INVALID;
		if (k->ef == CARD_EF_IMSI &&
		    content_imsi_text(d->ef[k->ef], text) != STK_OK)
			return STK_E_INVALID;
		return STK_OK;
	case K_PIN:
	case K_PUK:
		if (!get_hex(v, k->kind == K_PIN ? d->pin1 : d->puk1,
		    CARD_PIN_LEN))
			return STK_E_INVALID;
		return pin_block_valid(k->kind == K_PIN ? d->pin1 : d->puk1,
		    k->kind == K_PUK) ? STK_OK : STK_E_INVALID;
	case K_PIN_TRIES:
		if (!get_uint(v, CARD_PIN1_TRIES_MAX, &u))
			return STK_E_INVALID;
		d->pin1_tries = (uint8_t)u;
		return STK_OK;
	case K_PUK_TRIES:
		if (!get_uint(v, CARD_PUK1_TRIES_MAX, &u))
			return STK_E_INVALID;
		d->puk1_tries = (uint8_t)u;
		return STK_OK;
	case K_ENABLED:
		if (!get_uint(v, 1, &u))
			return STK_E_INVALID;
		d->pin1_enabled = u != 0;
		return STK_OK;
	}
	return STK_E_INVALID;
}

int
state_decode(const uint8_t *text, size_t len, struct card_data *d,
    struct stk_diag *diag)
{
	struct stk_cur c, line;
	bool seen[NKEYS];
	unsigned version;
	int r;

	memset(d, 0xff, sizeof(*d));
	memset(seen, 0, sizeof(seen));
	if (len > STATE_MAX_SIZE)
		return stk_fail(diag, STK_E_TOO_LONG, "state file", 0);
	stk_cur_init(&c, text, len);
	if (!take_line(&c, &line))
		return stk_fail(diag, STK_E_TRUNCATED, "version line", 0);
	if (!take_token(&line, STATE_MAGIC " "))
		return stk_fail(diag, STK_E_INVALID, "version line", 0);
	if (!get_uint(&line, 999, &version))
		return stk_fail(diag, STK_E_INVALID, "version",
		    stk_cur_offset(&line));
	if (version != STATE_VERSION)
		return stk_fail(diag, STK_E_UNSUPPORTED, "version",
		    stk_cur_offset(&line) - 1);
	while (!stk_cur_empty(&c)) {
		size_t at = stk_cur_offset(&c);
		size_t i;

		if (!take_line(&c, &line))
			return stk_fail(diag, STK_E_TRUNCATED, "line end", at);
		for (i = 0; i < NKEYS; i++) {
			struct stk_cur probe = line;

			if (take_token(&probe, keys[i].name) &&
			    take_token(&probe, " ")) {
				line = probe;
				break;
			}
		}
		if (i == NKEYS)
			return stk_fail(diag, STK_E_INVALID, "state key", at);
		if (seen[i])
			return stk_fail(diag, STK_E_DUPLICATE, keys[i].name,
			    at);
		seen[i] = true;
		if ((r = decode_value(&keys[i], &line, d)) != STK_OK)
			return stk_fail(diag, r, keys[i].name,
			    stk_cur_offset(&line));
	}
	for (size_t i = 0; i < NKEYS; i++)
		if (!seen[i])
			return stk_fail(diag, STK_E_TRUNCATED, keys[i].name,
			    len);
	return STK_OK;
}

/* ---- files -------------------------------------------------------------- */

int
state_load(const char *path, struct card_data *d, struct stk_diag *diag)
{
	uint8_t buf[STATE_MAX_SIZE + 1];
	size_t n = 0;
	ssize_t got;
	struct stat st;
	int fd, r;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		if (errno == ENOENT)
			return STK_E_NOT_FOUND;
		log_error("%s: %s", path, strerror(errno));
		return STK_E_IO;
	}
	if (fstat(fd, &st) == 0 && (st.st_mode & 077) != 0)
		log_warn("%s: readable by others (mode %03o); it holds the PIN",
		    path, (unsigned)(st.st_mode & 0777));
	while (n < sizeof(buf)) {
		got = read(fd, buf + n, sizeof(buf) - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			log_error("%s: %s", path, strerror(errno));
			close(fd);
			return STK_E_IO;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	r = state_decode(buf, n, d, diag);
	explicit_bzero(buf, sizeof(buf));
	return r;
}

static int
write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
state_save(const char *path, const struct card_data *d)
{
	uint8_t mem[STATE_MAX_SIZE];
	char tmp[PATH_MAX], dir[PATH_MAX];
	struct stk_buf b;
	char *slash;
	int fd = -1, dfd = -1, r = STK_E_IO;

	tmp[0] = '\0';
	stk_buf_init_fixed(&b, mem, sizeof(mem));
	if (state_encode(d, &b) != STK_OK) {
		r = STK_E_NOSPACE;
		goto out;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path) >=
	    sizeof(tmp) || (size_t)snprintf(dir, sizeof(dir), "%s", path) >=
	    sizeof(dir)) {
		tmp[0] = '\0';
		r = STK_E_TOO_LONG;
		goto out;
	}
	if ((slash = strrchr(dir, '/')) == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	/* mkstemp creates the file 0600. */
	if ((fd = mkstemp(tmp)) < 0) {
		log_error("%s: %s", tmp, strerror(errno));
		tmp[0] = '\0';
		goto out;
	}
	if (write_all(fd, stk_buf_data(&b), stk_buf_len(&b)) != 0 ||
	    fsync(fd) != 0) {
		log_error("%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		log_error("%s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		log_error("rename to %s: %s", path, strerror(errno));
		goto out;
	}
	tmp[0] = '\0';
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fsync(dfd) != 0) {
		log_error("%s: %s", dir, strerror(errno));
		goto out;
	}
	r = STK_OK;
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (tmp[0] != '\0')
		(void)unlink(tmp);
	explicit_bzero(mem, sizeof(mem));
	return r;
}

int
state_persist(const struct card_data *d, void *arg)
{
	return state_save((const char *)arg, d);
}
