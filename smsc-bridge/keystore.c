/*
 * keystore.c - the OTA key store over SQLite (keystore.h, docs/KEYSTORE.md).
 *
 * Two tables: cards (one row per ICCID, MSISDN unique) and keysets (one row
 * per card and key version, with the two counters).  Every write is one
 * transaction (BEGIN IMMEDIATE, so the read of a counter and its update
 * cannot interleave with another process on the same file).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "bytes.h"
#include "err.h"
#include "keystore.h"
#include "log.h"
#include "ota.h"
#include "sqldb.h"

#define KS_BUSY_MS 5000

struct keystore {
	struct sqldb d;		/* who "keystore", execs logged with
				   their whole SQL */
};

static const char *const schema =
    "PRAGMA foreign_keys = ON;"
    "CREATE TABLE IF NOT EXISTS cards ("
    "  iccid TEXT PRIMARY KEY,"
    "  msisdn TEXT NOT NULL UNIQUE,"
    "  tar BLOB NOT NULL CHECK (length(tar) = 3),"
    "  spi INTEGER NOT NULL CHECK (spi BETWEEN 0 AND 65535),"
    "  cmd_kvn INTEGER NOT NULL CHECK (cmd_kvn BETWEEN 1 AND 15),"
    "  updated INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS keysets ("
    "  iccid TEXT NOT NULL REFERENCES cards(iccid) ON DELETE CASCADE,"
    "  kvn INTEGER NOT NULL CHECK (kvn BETWEEN 1 AND 15),"
    "  kic INTEGER NOT NULL, kic_key BLOB NOT NULL,"
    "  kid INTEGER NOT NULL, kid_key BLOB NOT NULL,"
    "  tx_cntr INTEGER NOT NULL DEFAULT 0,"
    "  rx_cntr INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (iccid, kvn));";

static void
seterr(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errsz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

/* The helpers of common/sqldb.h, for this key store's connection. */
static int
db_fail(struct keystore *ks, const char *what)
{
	return sqldb_fail(&ks->d, what);
}

static int
exec(struct keystore *ks, const char *sql)
{
	return sqldb_exec(&ks->d, sql);
}

bool
ks_iccid_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n < 18 || n > KS_ICCID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

bool
ks_msisdn_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n < 2 || n > KS_MSISDN_MAX || s[0] != '+' || s[1] == '0')
		return false;
	for (size_t i = 1; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

const struct ks_keyset *
ks_card_keyset(const struct ks_card *c, uint8_t kvn)
{
	for (size_t i = 0; i < c->nkeysets && i < KS_KEYSETS_MAX; i++)
		if (c->ks[i].kvn == kvn)
			return &c->ks[i];
	return NULL;
}

void
ks_card_clear(struct ks_card *c)
{
	if (c != NULL)
		explicit_bzero(c, sizeof(*c));
}

/* A KIc/KID octet's key version must be the key set's, or 0. */
static bool
kvn_agrees(uint8_t octet, uint8_t kvn)
{
	unsigned v = stk_ota_key_version(octet);

	return v == 0 || v == kvn;
}

int
ks_card_check(const struct ks_card *c, char *err, size_t errsz)
{
	struct stk_ota_spi spi;
	struct stk_ota_cmd_params p;
	struct stk_ota_key kic, kid;
	const struct ks_keyset *k;
	struct stk_buf b;
	int r;

	if (!ks_iccid_valid(c->iccid)) {
		seterr(err, errsz, "iccid: 18 to 20 digits expected");
		return STK_E_INVALID;
	}
	if (!ks_msisdn_valid(c->msisdn)) {
		seterr(err, errsz, "msisdn: E.164 \"+\" and 1 to 15 digits "
		    "expected");
		return STK_E_INVALID;
	}
	if (stk_ota_spi_decode(c->spi, &spi) != STK_OK ||
	    spi.integrity == STK_OTA_INTEG_DS ||
	    spi.por_integrity == STK_OTA_INTEG_DS) {
		seterr(err, errsz, "spi: %04X is reserved or unsupported",
		    c->spi);
		return STK_E_INVALID;
	}
	if (c->nkeysets == 0 || c->nkeysets > KS_KEYSETS_MAX) {
		seterr(err, errsz, "keysets: 1 to %d expected", KS_KEYSETS_MAX);
		return STK_E_INVALID;
	}
	for (size_t i = 0; i < c->nkeysets; i++) {
		k = &c->ks[i];
		if (k->kvn < 1 || k->kvn > 15) {
			seterr(err, errsz, "keyset %zu: kvn 1..15", i + 1);
			return STK_E_INVALID;
		}
		for (size_t j = 0; j < i; j++)
			if (c->ks[j].kvn == k->kvn) {
				seterr(err, errsz, "keyset kvn %u twice",
				    k->kvn);
				return STK_E_DUPLICATE;
			}
		if (!kvn_agrees(k->kic, k->kvn) ||
		    !kvn_agrees(k->kid, k->kvn)) {
			seterr(err, errsz, "keyset %u: KIc/KID key version "
			    "differs from kvn", k->kvn);
			return STK_E_INVALID;
		}
		if (k->kic_len > STK_OTA_KEY_MAX ||
		    k->kid_len > STK_OTA_KEY_MAX ||
		    k->tx_cntr > STK_OTA_CNTR_MAX ||
		    k->rx_cntr > STK_OTA_CNTR_MAX) {
			seterr(err, errsz, "keyset %u: key or counter too "
			    "large", k->kvn);
			return STK_E_INVALID;
		}
	}
	if ((k = ks_card_keyset(c, c->cmd_kvn)) == NULL) {
		seterr(err, errsz, "cmd_kvn: no key set %u", c->cmd_kvn);
		return STK_E_INVALID;
	}
	/* Trial wrap: the command key set must serve the SPI (algorithms
	 * supported, keys of the right size). */
	memset(&kic, 0, sizeof(kic));
	memset(&kid, 0, sizeof(kid));
	kic.len = k->kic_len;
	memcpy(kic.key, k->kic_key, k->kic_len);
	kid.len = k->kid_len;
	memcpy(kid.key, k->kid_key, k->kid_len);
	memset(&p, 0, sizeof(p));
	p.spi = c->spi;
	p.kic = k->kic;
	p.kid = k->kid;
	memcpy(p.tar, c->tar, STK_OTA_TAR_LEN);
	p.cntr = 1;
	p.kic_key = &kic;
	p.kid_key = &kid;
	stk_buf_init(&b);
	r = stk_ota_wrap_command(&p, (const uint8_t *)"\x01", 1, &b);
	stk_buf_free(&b);
	explicit_bzero(&kic, sizeof(kic));
	explicit_bzero(&kid, sizeof(kid));
	if (r != STK_OK) {
		seterr(err, errsz, "keyset %u cannot serve SPI %04X "
		    "(KIc %02X %s, KID %02X): %s", k->kvn, c->spi, k->kic,
		    stk_ota_alg_name(stk_ota_kic_alg(k->kic)), k->kid,
		    stk_strerror(r));
		return STK_E_INVALID;
	}
	return STK_OK;
}

int
keystore_open(const char *path, struct keystore **out, char *err,
    size_t errsz)
{
	struct keystore *ks = NULL;
	struct stat st;
	int fd, r = STK_E_IO;

	*out = NULL;
	/* Create the file ourselves so that it never exists with a wider
	 * mode than 0600 (sqlite would use 0644 minus the umask). */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		seterr(err, errsz, "%s: %s", path, strerror(errno));
		return STK_E_IO;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		seterr(err, errsz, "%s: not a regular file", path);
		close(fd);
		return STK_E_IO;
	}
	close(fd);
	if ((st.st_mode & 077) != 0) {
		seterr(err, errsz, "%s: mode %03o, must not be accessible to "
		    "group or others (chmod 600)", path,
		    (unsigned)(st.st_mode & 0777));
		return STK_E_STATE;
	}
	if ((ks = calloc(1, sizeof(*ks))) == NULL)
		return STK_E_NOMEM;
	ks->d.who = "keystore";
	ks->d.exec_sql = -1;
	if (sqlite3_open_v2(path, &ks->d.db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		seterr(err, errsz, "%s: %s", path, ks->d.db ?
		    sqlite3_errmsg(ks->d.db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(ks->d.db, KS_BUSY_MS);
	if (exec(ks, "PRAGMA journal_mode = WAL;") != STK_OK ||
	    exec(ks, "PRAGMA synchronous = FULL;") != STK_OK ||
	    exec(ks, schema) != STK_OK) {
		seterr(err, errsz, "%s: %s", path, sqlite3_errmsg(ks->d.db));
		goto fail;
	}
	*out = ks;
	return STK_OK;
fail:
	keystore_close(ks);
	return r;
}

void
keystore_close(struct keystore *ks)
{
	if (ks == NULL)
		return;
	sqlite3_close(ks->d.db);
	free(ks);
}

/* ---- reading ------------------------------------------------------------ */

/* Fill c's key sets from the keysets table. */
static int
load_keysets(struct keystore *ks, struct ks_card *c)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = sqldb_prep(&ks->d, &st, "load key sets", "SELECT kvn, kic, "
	    "kic_key, kid, kid_key, tx_cntr, rx_cntr FROM keysets WHERE "
	    "iccid = ? ORDER BY kvn", "t", c->iccid)) != STK_OK)
		return rc;
	c->nkeysets = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	    c->nkeysets < KS_KEYSETS_MAX) {
		struct ks_keyset *k = &c->ks[c->nkeysets++];
		size_t n;

		k->kvn = (uint8_t)sqlite3_column_int(st, 0);
		k->kic = (uint8_t)sqlite3_column_int(st, 1);
		(void)sqldb_col_blob(st, 2, k->kic_key, sizeof(k->kic_key), &n);
		k->kic_len = n;
		k->kid = (uint8_t)sqlite3_column_int(st, 3);
		(void)sqldb_col_blob(st, 4, k->kid_key, sizeof(k->kid_key), &n);
		k->kid_len = n;
		k->tx_cntr = (uint64_t)sqlite3_column_int64(st, 5);
		k->rx_cntr = (uint64_t)sqlite3_column_int64(st, 6);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(ks, "load key sets");
	return STK_OK;
}

/* One card row from a statement whose columns are
 * iccid, msisdn, tar, spi, cmd_kvn. */
static int
card_from_row(struct keystore *ks, sqlite3_stmt *st, struct ks_card *c)
{
	size_t n;

	memset(c, 0, sizeof(*c));
	sqldb_col_text(st, 0, c->iccid, sizeof(c->iccid));
	sqldb_col_text(st, 1, c->msisdn, sizeof(c->msisdn));
	(void)sqldb_col_blob(st, 2, c->tar, sizeof(c->tar), &n);
	c->spi = (uint16_t)sqlite3_column_int(st, 3);
	c->cmd_kvn = (uint8_t)sqlite3_column_int(st, 4);
	return load_keysets(ks, c);
}

static int
card_get(struct keystore *ks, const char *col, const char *val,
    struct ks_card *out)
{
	char sql[160];
	sqlite3_stmt *st = NULL;
	int rc, r;

	snprintf(sql, sizeof(sql), "SELECT iccid, msisdn, tar, spi, cmd_kvn "
	    "FROM cards WHERE %s = ?", col);
	memset(out, 0, sizeof(*out));
	if ((r = sqldb_prep(&ks->d, &st, "card look-up", sql, "t", val)) !=
	    STK_OK)
		return r;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		r = card_from_row(ks, st, out);
	else if (rc == SQLITE_DONE)
		r = STK_E_NOT_FOUND;
	else
		r = db_fail(ks, "card look-up");
	sqlite3_finalize(st);
	return r;
}

int
keystore_card_get_by_iccid(struct keystore *ks, const char *iccid,
    struct ks_card *out)
{
	return card_get(ks, "iccid", iccid, out);
}

int
keystore_card_get_by_msisdn(struct keystore *ks, const char *msisdn,
    struct ks_card *out)
{
	return card_get(ks, "msisdn", msisdn, out);
}

int
keystore_list(struct keystore *ks,
    int (*cb)(void *arg, const struct ks_card *c), void *arg)
{
	sqlite3_stmt *st = NULL;
	struct ks_card *c;
	int rc, r = STK_OK;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return STK_E_NOMEM;
	if ((r = sqldb_prep(&ks->d, &st, "list", "SELECT iccid, msisdn, tar, "
	    "spi, cmd_kvn FROM cards ORDER BY iccid", NULL)) != STK_OK) {
		free(c);
		return r;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = card_from_row(ks, st, c)) != STK_OK)
			break;
		if ((r = cb(arg, c)) != 0)
			break;
	}
	if (r == STK_OK && rc != SQLITE_DONE)
		r = db_fail(ks, "list");
	sqlite3_finalize(st);
	ks_card_clear(c);
	free(c);
	return r;
}

int
keystore_count(struct keystore *ks, long *n)
{
	sqlite3_stmt *st = NULL;
	int r = STK_OK;

	if ((r = sqldb_prep(&ks->d, &st, "count", "SELECT count(*) FROM cards",
	    NULL)) != STK_OK)
		return r;
	if (sqlite3_step(st) == SQLITE_ROW)
		*n = (long)sqlite3_column_int64(st, 0);
	else
		r = db_fail(ks, "count");
	sqlite3_finalize(st);
	return r;
}

/* ---- writing ------------------------------------------------------------ */

/* Run one statement with binds given as a format (sqldb_prep: 't'
 * text, 'i' int64, 'b' blob pointer and size_t).  Returns the
 * sqlite3_step code; a failed prepare is SQLITE_ERROR, for the caller
 * to log. */
static int
run(struct keystore *ks, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = sqldb_vprep(&ks->d, &st, NULL, sql, fmt, ap);
	va_end(ap);
	if (rc != STK_OK)
		return SQLITE_ERROR;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc;
}

/* Old counters of iccid's key set kvn (0 when none). */
static void
old_counters(const struct ks_card *old, uint8_t kvn, uint64_t *tx,
    uint64_t *rx)
{
	const struct ks_keyset *k = old ? ks_card_keyset(old, kvn) : NULL;

	*tx = k ? k->tx_cntr : 0;
	*rx = k ? k->rx_cntr : 0;
}

/* How card_write treats a card already stored under the ICCID. */
enum put_mode {
	PUT_NEW,		/* refused: STK_E_DUPLICATE */
	PUT_REPLACE,		/* replaced, counters max(old, given) */
	PUT_REKEY,		/* replaced, counters as given */
};

/*
 * Write card c in one transaction (see keystore_card_put and
 * keystore_card_rekey): the old row and its key sets go with the same
 * commit that stores the new ones.
 */
static int
card_write(struct keystore *ks, const struct ks_card *c, enum put_mode mode,
    char *err, size_t errsz)
{
	struct ks_card *old = NULL;
	int r, rc;

	if ((r = ks_card_check(c, err, errsz)) != STK_OK)
		return r;
	if ((old = calloc(1, sizeof(*old))) == NULL)
		return STK_E_NOMEM;
	if (exec(ks, "BEGIN IMMEDIATE") != STK_OK) {
		free(old);
		return STK_E_IO;
	}
	r = keystore_card_get_by_iccid(ks, c->iccid, old);
	if (r == STK_OK && mode == PUT_NEW) {
		seterr(err, errsz, "iccid %s is already enrolled", c->iccid);
		r = STK_E_DUPLICATE;
		goto rollback;
	}
	if (r != STK_OK && r != STK_E_NOT_FOUND)
		goto rollback;
	if (r == STK_E_NOT_FOUND) {
		ks_card_clear(old);
		free(old);
		old = NULL;
	}
	if (old != NULL && run(ks, "DELETE FROM cards WHERE iccid = ?", "t",
	    c->iccid) != SQLITE_DONE) {
		r = db_fail(ks, "replace");
		goto rollback;
	}
	rc = run(ks, "INSERT INTO cards (iccid, msisdn, tar, spi, cmd_kvn, "
	    "updated) VALUES (?, ?, ?, ?, ?, strftime('%s','now'))", "ttbii",
	    c->iccid, c->msisdn, c->tar, (size_t)STK_OTA_TAR_LEN,
	    (int64_t)c->spi, (int64_t)c->cmd_kvn);
	if (rc == SQLITE_CONSTRAINT) {
		seterr(err, errsz, "msisdn %s is bound to another card",
		    c->msisdn);
		r = STK_E_DUPLICATE;
		goto rollback;
	}
	if (rc != SQLITE_DONE) {
		r = db_fail(ks, "insert card");
		goto rollback;
	}
	for (size_t i = 0; i < c->nkeysets; i++) {
		const struct ks_keyset *k = &c->ks[i];
		uint64_t tx, rx;

		old_counters(mode == PUT_REPLACE ? old : NULL, k->kvn, &tx,
		    &rx);
		if (k->tx_cntr > tx)
			tx = k->tx_cntr;
		if (k->rx_cntr > rx)
			rx = k->rx_cntr;
		if (run(ks, "INSERT INTO keysets (iccid, kvn, kic, kic_key, "
		    "kid, kid_key, tx_cntr, rx_cntr) VALUES "
		    "(?, ?, ?, ?, ?, ?, ?, ?)", "tiibibii", c->iccid,
		    (int64_t)k->kvn, (int64_t)k->kic, k->kic_key, k->kic_len,
		    (int64_t)k->kid, k->kid_key, k->kid_len, (int64_t)tx,
		    (int64_t)rx) != SQLITE_DONE) {
			r = db_fail(ks, "insert key set");
			goto rollback;
		}
	}
	if (exec(ks, "COMMIT") != STK_OK) {
		r = STK_E_IO;
		goto rollback;
	}
	ks_card_clear(old);
	free(old);
	return STK_OK;
rollback:
	(void)exec(ks, "ROLLBACK");
	ks_card_clear(old);
	free(old);
	return r;
}

int
keystore_card_put(struct keystore *ks, const struct ks_card *c,
    bool replace, char *err, size_t errsz)
{
	return card_write(ks, c, replace ? PUT_REPLACE : PUT_NEW, err, errsz);
}

int
keystore_card_rekey(struct keystore *ks, const struct ks_card *c,
    char *err, size_t errsz)
{
	return card_write(ks, c, PUT_REKEY, err, errsz);
}

int
keystore_card_delete(struct keystore *ks, const char *iccid)
{
	if (run(ks, "DELETE FROM cards WHERE iccid = ?", "t", iccid) !=
	    SQLITE_DONE)
		return db_fail(ks, "delete");
	return sqlite3_changes(ks->d.db) > 0 ? STK_OK : STK_E_NOT_FOUND;
}

/* Read one counter column of (iccid, kvn) inside a transaction. */
static int
read_counter(struct keystore *ks, const char *col, const char *iccid,
    uint8_t kvn, uint64_t *v)
{
	char sql[128];
	sqlite3_stmt *st = NULL;
	int rc, r = STK_OK;

	snprintf(sql, sizeof(sql), "SELECT %s FROM keysets WHERE iccid = ? "
	    "AND kvn = ?", col);
	if ((r = sqldb_prep(&ks->d, &st, "counter", sql, "ti", iccid,
	    (int64_t)kvn)) != STK_OK)
		return r;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = (uint64_t)sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		r = STK_E_NOT_FOUND;
	else
		r = db_fail(ks, "counter");
	sqlite3_finalize(st);
	return r;
}

static int
write_counter(struct keystore *ks, const char *col, const char *iccid,
    uint8_t kvn, uint64_t v)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "UPDATE keysets SET %s = ? WHERE iccid = ? "
	    "AND kvn = ?", col);
	if (run(ks, sql, "iti", (int64_t)v, iccid, (int64_t)kvn) !=
	    SQLITE_DONE)
		return db_fail(ks, "counter update");
	return STK_OK;
}

int
keystore_counter_next(struct keystore *ks, const char *iccid, uint8_t kvn,
    uint64_t *cntr)
{
	uint64_t v = 0;
	int r;

	if (exec(ks, "BEGIN IMMEDIATE") != STK_OK)
		return STK_E_IO;
	if ((r = read_counter(ks, "tx_cntr", iccid, kvn, &v)) != STK_OK)
		goto rollback;
	if (v >= STK_OTA_CNTR_MAX) {
		log_error("keystore: counter of card %s key set %u exhausted",
		    iccid, kvn);
		r = STK_E_REPLAY;
		goto rollback;
	}
	v++;
	if ((r = write_counter(ks, "tx_cntr", iccid, kvn, v)) != STK_OK)
		goto rollback;
	/* TS 102 225 §5.1.1: committed (synchronous = FULL) before the
	 * caller builds the packet. */
	if (exec(ks, "COMMIT") != STK_OK) {
		r = STK_E_IO;
		goto rollback;
	}
	*cntr = v;
	return STK_OK;
rollback:
	(void)exec(ks, "ROLLBACK");
	return r;
}

int
keystore_counter_seen(struct keystore *ks, const char *iccid, uint8_t kvn,
    uint64_t cntr)
{
	uint64_t v = 0;
	int r;

	if (cntr > STK_OTA_CNTR_MAX)
		return STK_E_REPLAY;
	if (exec(ks, "BEGIN IMMEDIATE") != STK_OK)
		return STK_E_IO;
	if ((r = read_counter(ks, "rx_cntr", iccid, kvn, &v)) != STK_OK)
		goto rollback;
	if (cntr <= v) {
		r = STK_E_REPLAY;
		goto rollback;
	}
	if ((r = write_counter(ks, "rx_cntr", iccid, kvn, cntr)) != STK_OK)
		goto rollback;
	if (exec(ks, "COMMIT") != STK_OK) {
		r = STK_E_IO;
		goto rollback;
	}
	return STK_OK;
rollback:
	(void)exec(ks, "ROLLBACK");
	return r;
}
