/*
 * ca.c - the project CA for enroll / revoke, on the folder that
 * ldap-fixtures/ca.sh creates and "openssl ca" keeps (ldap-fixtures/
 * openssl-ca.cnf): ca.pem, ca.key, index.txt, crlnumber, newcerts/,
 * crl.pem / crl.der.  Certificates and CRLs are built with the OpenSSL
 * X509 API; the database stays in openssl-ca's format, so "openssl ca
 * -gencrl" and ca.sh keep working on the same folder and see what the CLI
 * issued and revoked.
 *
 * index.txt (OpenSSL apps/ca.c, one certificate per line, 6 fields
 * separated by TAB):
 *   status   V (valid), R (revoked), E (expired)
 *   expiry   the certificate's notAfter as in the certificate
 *            (UTCTime YYMMDDHHMMSSZ, GeneralizedTime from 2050)
 *   revoked  "" or the revocation time, optionally ",reason"
 *   serial   upper-case hex, an even number of digits
 *   file     "unknown"
 *   subject  X509_NAME_oneline form, "/UID=alice/CN=alice"
 *
 * The user certificate (docs/LDAP.md "Identity", server/certcheck.c):
 * subject UID = CN = the account, subjectAltName URI tel:+MSISDN,
 * keyUsage (critical) digitalSignature + nonRepudiation, basicConstraints
 * (critical) CA:FALSE, SKI, AKI; serial 127 random bits (RFC 5280 §4.1.2.2:
 * positive, at most 20 octets; unpredictable, CA/B BR §7.1), unique in the
 * database.  The CRL (RFC 5280 §5): v2, every R row with its reason
 * (§5.3.1), CRL number (§5.2.3, from crlnumber), AKI (§5.2.1).
 *
 * Concurrency: a CLI holds an exclusive flock on DIR/ca.lock from ca_open
 * to ca_close; index.txt is replaced atomically (temp file, fsync,
 * rename).  ca.sh does not take that lock: do not run both at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "admin.h"
#include "err.h"

#define SERIAL_OCTETS	16	/* 127 random bits, first bit 0 */

struct ca {
	char dir[256];
	int lockfd;
	X509 *cert;
	EVP_PKEY *key;
	struct ca_entry *e;
	size_t n, cap;
};

/* RFC 5280 §5.3.1 CRLReason, with openssl-ca's names for index.txt. */
static const struct {
	const char *name;
	int code;
	bool choosable;		/* offered by `revoke --reason` */
} reasons[] = {
	{ "unspecified", 0, true },
	{ "keyCompromise", 1, true },
	{ "CACompromise", 2, false },
	{ "affiliationChanged", 3, true },
	{ "superseded", 4, true },
	{ "cessationOfOperation", 5, true },
	{ "certificateHold", 6, false },
	{ "removeFromCRL", 8, false },
};
#define NREASONS (sizeof(reasons) / sizeof(reasons[0]))

static int
reason_code(const char *name, size_t len)
{
	for (size_t i = 0; i < NREASONS; i++)
		if (strlen(reasons[i].name) == len &&
		    strncmp(reasons[i].name, name, len) == 0)
			return reasons[i].code;
	return -1;
}

bool
ca_reason_valid(const char *name)
{
	for (size_t i = 0; i < NREASONS; i++)
		if (reasons[i].choosable && strcmp(reasons[i].name, name) == 0)
			return true;
	return false;
}

/* "DIR/name" into out; false when it does not fit. */
static bool
path_of(const struct ca *ca, const char *name, char *out, size_t outsz)
{
	return (size_t)snprintf(out, outsz, "%s/%s", ca->dir, name) < outsz;
}

/* "what: OpenSSL's first error" */
static int
ossl_fail(char *err, size_t errsz, const char *what)
{
	char buf[160];
	unsigned long e = ERR_get_error();

	ERR_error_string_n(e, buf, sizeof(buf));
	snprintf(err, errsz, "%s%s%s", what, e ? ": " : "", e ? buf : "");
	ERR_clear_error();
	return STK_E_CRYPTO;
}

/* ---- index.txt --------------------------------------------------------- */

static bool
all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'A' && s[i] <= 'F') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* YYMMDDHHMMSSZ or YYYYMMDDHHMMSSZ */
static bool
time_text_valid(const char *s, size_t n)
{
	if (n != 13 && n != 15)
		return false;
	for (size_t i = 0; i + 1 < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return s[n - 1] == 'Z';
}

/* Copy field f (len n) into out (size sz); false when too long. */
static bool
field_copy(char *out, size_t sz, const char *f, size_t n)
{
	if (n >= sz)
		return false;
	memcpy(out, f, n);
	out[n] = '\0';
	return true;
}

/*
 * One index.txt line (without its newline) into e.  why says what is
 * wrong: field count, status, dates, revocation reason, serial.
 */
int
ca_index_parse_line(const char *line, struct ca_entry *e, const char **why)
{
	const char *f[6], *p = line, *tab;
	size_t len[6], nf = 0;

	memset(e, 0, sizeof(*e));
	for (;;) {
		tab = strchr(p, '\t');
		if (nf == 6) {
			*why = "more than 6 fields";
			return STK_E_INVALID;
		}
		f[nf] = p;
		len[nf] = tab ? (size_t)(tab - p) : strlen(p);
		nf++;
		if (tab == NULL)
			break;
		p = tab + 1;
	}
	if (nf != 6) {
		*why = "expected 6 TAB-separated fields";
		return STK_E_INVALID;
	}
	if (len[0] != 1 || (f[0][0] != 'V' && f[0][0] != 'R' &&
	    f[0][0] != 'E')) {
		*why = "status is not V, R or E";
		return STK_E_INVALID;
	}
	e->status = f[0][0];
	if (!time_text_valid(f[1], len[1]) ||
	    !field_copy(e->expiry, sizeof(e->expiry), f[1], len[1])) {
		*why = "bad expiry time";
		return STK_E_INVALID;
	}
	if ((e->status == 'R') != (len[2] > 0)) {
		*why = "revocation time and status disagree";
		return STK_E_INVALID;
	}
	if (len[2] > 0) {
		const char *comma = memchr(f[2], ',', len[2]);
		size_t tl = comma ? (size_t)(comma - f[2]) : len[2];

		if (!time_text_valid(f[2], tl) ||
		    !field_copy(e->revoked, sizeof(e->revoked), f[2],
		    len[2])) {
			*why = "bad revocation time";
			return STK_E_INVALID;
		}
		if (comma != NULL) {
			const char *r = comma + 1, *end = f[2] + len[2];
			const char *c2 = memchr(r, ',', (size_t)(end - r));

			if (reason_code(r, (size_t)((c2 ? c2 : end) - r)) < 0) {
				*why = "unknown revocation reason";
				return STK_E_INVALID;
			}
		}
	}
	if (len[3] == 0 || len[3] % 2 != 0 || !all_hex(f[3], len[3]) ||
	    !field_copy(e->serial, sizeof(e->serial), f[3], len[3])) {
		*why = "bad serial number";
		return STK_E_INVALID;
	}
	for (char *s = e->serial; *s; s++)
		if (*s >= 'a' && *s <= 'f')
			*s = (char)(*s - 'a' + 'A');
	if (!field_copy(e->file, sizeof(e->file), f[4], len[4])) {
		*why = "file name too long";
		return STK_E_INVALID;
	}
	if (len[5] == 0 || f[5][0] != '/' ||
	    !field_copy(e->subject, sizeof(e->subject), f[5], len[5])) {
		*why = "bad subject";
		return STK_E_INVALID;
	}
	return STK_OK;
}

static int
entry_add(struct ca *ca, const struct ca_entry *e)
{
	if (ca->n == ca->cap) {
		size_t cap = ca->cap ? ca->cap * 2 : 16;
		struct ca_entry *ne = realloc(ca->e, cap * sizeof(*ne));

		if (ne == NULL)
			return STK_E_NOMEM;
		ca->e = ne;
		ca->cap = cap;
	}
	ca->e[ca->n++] = *e;
	return STK_OK;
}

static int
index_load(struct ca *ca, char *err, size_t errsz)
{
	char path[300], line[CA_INDEX_LINE_MAX + 2];
	struct ca_entry e;
	const char *why;
	long lineno = 0;
	FILE *f;
	int rc = STK_OK;

	if (!path_of(ca, "index.txt", path, sizeof(path)) ||
	    (f = fopen(path, "r")) == NULL) {
		snprintf(err, errsz, "%s/index.txt: cannot read (not a CA "
		    "folder? ldap-fixtures/ca.sh init makes one)", ca->dir);
		return STK_E_NOT_FOUND;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t n = strlen(line);

		lineno++;
		if (n == 0 || line[n - 1] != '\n') {
			snprintf(err, errsz, "%s:%ld: line too long or not "
			    "terminated", path, lineno);
			rc = STK_E_INVALID;
			break;
		}
		line[n - 1] = '\0';
		if ((rc = ca_index_parse_line(line, &e, &why)) != STK_OK) {
			snprintf(err, errsz, "%s:%ld: %s", path, lineno, why);
			break;
		}
		if ((rc = entry_add(ca, &e)) != STK_OK)
			break;
	}
	if (rc == STK_OK && ferror(f)) {
		snprintf(err, errsz, "%s: read error", path);
		rc = STK_E_IO;
	}
	fclose(f);
	return rc;
}

/* Write data to DIR/name atomically: temp file (0600), fsync, rename. */
static int
write_atomic(const struct ca *ca, const char *name, const void *data,
    size_t len, char *err, size_t errsz)
{
	char path[300], tmp[320];
	int fd;
	bool ok;

	if (!path_of(ca, name, path, sizeof(path)) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s.new", path) >= sizeof(tmp))
		return STK_E_TOO_LONG;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) < 0) {
		snprintf(err, errsz, "%s: %s", tmp, strerror(errno));
		return STK_E_IO;
	}
	ok = write(fd, data, len) == (ssize_t)len && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return STK_E_IO;
	}
	return STK_OK;
}

static int
index_save(struct ca *ca, char *err, size_t errsz)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m;
	int rc;

	if ((m = open_memstream(&buf, &len)) == NULL)
		return STK_E_NOMEM;
	for (size_t i = 0; i < ca->n; i++) {
		const struct ca_entry *e = &ca->e[i];

		fprintf(m, "%c\t%s\t%s\t%s\t%s\t%s\n", e->status, e->expiry,
		    e->revoked, e->serial, e->file, e->subject);
	}
	if (fclose(m) != 0) {
		free(buf);
		return STK_E_NOMEM;
	}
	rc = write_atomic(ca, "index.txt", buf, len, err, errsz);
	free(buf);
	return rc;
}

/* ---- open / close ------------------------------------------------------ */

int
ca_open(const char *dir, struct ca **out, char *err, size_t errsz)
{
	char path[300];
	const char *why;
	struct ca *ca;
	FILE *f = NULL;
	int fd, rc = STK_E_INVALID;

	*out = NULL;
	if (dir[0] == '\0') {
		snprintf(err, errsz, "no CA: set [ca] dir in the configuration");
		return STK_E_ARG;
	}
	if ((ca = calloc(1, sizeof(*ca))) == NULL)
		return STK_E_NOMEM;
	ca->lockfd = -1;
	if (strlen(dir) >= sizeof(ca->dir)) {
		snprintf(err, errsz, "[ca] dir too long");
		goto fail;
	}
	snprintf(ca->dir, sizeof(ca->dir), "%s", dir);
	if (!path_of(ca, "ca.lock", path, sizeof(path)) ||
	    (ca->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0 ||
	    flock(ca->lockfd, LOCK_EX) != 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		rc = errno == ENOENT ? STK_E_NOT_FOUND : STK_E_IO;
		goto fail;
	}
	if (!path_of(ca, "ca.pem", path, sizeof(path)) ||
	    (f = fopen(path, "r")) == NULL ||
	    (ca->cert = PEM_read_X509(f, NULL, NULL, NULL)) == NULL) {
		snprintf(err, errsz, "%s: no CA certificate", path);
		goto fail;
	}
	fclose(f);
	f = NULL;
	/* The CA key is a secret file: 0600 like every other. */
	if (!path_of(ca, "ca.key", path, sizeof(path)) ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (secret_file_check(fd, &why) != STK_OK) {
		snprintf(err, errsz, "%s: %s", path, why);
		close(fd);
		goto fail;
	}
	if ((f = fdopen(fd, "r")) == NULL) {
		close(fd);
		goto fail;
	}
	if ((ca->key = PEM_read_PrivateKey(f, NULL, NULL, NULL)) == NULL) {
		rc = ossl_fail(err, errsz, "ca.key: not an unencrypted PEM "
		    "private key");
		goto fail;
	}
	if (X509_check_private_key(ca->cert, ca->key) != 1) {
		rc = ossl_fail(err, errsz, "ca.key does not belong to ca.pem");
		goto fail;
	}
	fclose(f);
	f = NULL;
	if ((rc = index_load(ca, err, errsz)) != STK_OK)
		goto fail;
	*out = ca;
	return STK_OK;
 fail:
	if (f != NULL)
		fclose(f);
	ERR_clear_error();
	ca_close(ca);
	return rc;
}

void
ca_close(struct ca *ca)
{
	if (ca == NULL)
		return;
	if (ca->lockfd >= 0)
		close(ca->lockfd);	/* releases the flock */
	X509_free(ca->cert);
	EVP_PKEY_free(ca->key);
	free(ca->e);
	free(ca);
}

/* ---- issue ------------------------------------------------------------- */

static struct ca_entry *
find_serial(struct ca *ca, const char *serial)
{
	for (size_t i = 0; i < ca->n; i++)
		if (strcmp(ca->e[i].serial, serial) == 0)
			return &ca->e[i];
	return NULL;
}

/* A fresh random serial, unique in the database: hex into out. */
static int
new_serial(struct ca *ca, ASN1_INTEGER **ai, char *out, size_t outsz)
{
	uint8_t r[SERIAL_OCTETS];
	BIGNUM *bn = NULL;
	char *hex = NULL;
	int rc = STK_E_CRYPTO;

	for (int tries = 0; tries < 8; tries++) {
		if (RAND_bytes(r, sizeof(r)) != 1)
			break;
		r[0] = (uint8_t)((r[0] & 0x7f) | 0x40);	/* positive, 16 octets */
		BN_free(bn);
		OPENSSL_free(hex);
		if ((bn = BN_bin2bn(r, sizeof(r), NULL)) == NULL ||
		    (hex = BN_bn2hex(bn)) == NULL)
			break;
		if (find_serial(ca, hex) != NULL) {
			rc = STK_E_DUPLICATE;
			continue;
		}
		if (strlen(hex) >= outsz ||
		    (*ai = BN_to_ASN1_INTEGER(bn, NULL)) == NULL) {
			rc = STK_E_CRYPTO;
			break;
		}
		snprintf(out, outsz, "%s", hex);
		rc = STK_OK;
		break;
	}
	BN_free(bn);
	OPENSSL_free(hex);
	return rc;
}

/* The extensions of a login certificate, values in openssl-conf syntax
 * (ldap-fixtures/openssl-ca.cnf [v3_user]); NULL: "URI:tel:MSISDN". */
static const struct {
	int nid;
	const char *value;
} user_exts[] = {
	{ NID_basic_constraints, "critical,CA:FALSE" },
	{ NID_key_usage, "critical,digitalSignature,nonRepudiation" },
	{ NID_subject_key_identifier, "hash" },
	{ NID_authority_key_identifier, "keyid" },
	{ NID_subject_alt_name, NULL },
};

int
ca_issue(struct ca *ca, EVP_PKEY *pub, const char *account,
    const char *msisdn, unsigned days, X509 **out, char *serial,
    size_t serialsz, char *err, size_t errsz)
{
	struct ca_entry e;
	ASN1_INTEGER *sn = NULL;
	X509V3_CTX ctx;
	X509_NAME *name;
	X509 *x = NULL;
	const ASN1_TIME *na;
	char san[64], path[300], *pem = NULL, *subj = NULL;
	BIO *mem = NULL;
	long pemlen;
	int rc;

	*out = NULL;
	if ((rc = new_serial(ca, &sn, serial, serialsz)) != STK_OK) {
		snprintf(err, errsz, "no unique serial number");
		return rc;
	}
	rc = STK_E_CRYPTO;
	if ((x = X509_new()) == NULL || X509_set_version(x, X509_VERSION_3) !=
	    1 || X509_set_serialNumber(x, sn) != 1 ||
	    X509_set_issuer_name(x, X509_get_subject_name(ca->cert)) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), 0) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, NULL) ==
	    NULL || X509_set_pubkey(x, pub) != 1) {
		ossl_fail(err, errsz, "certificate");
		goto out;
	}
	/* subject UID=account, CN=account (ca.sh: -subj /UID=../CN=..) */
	name = X509_get_subject_name(x);
	if (X509_NAME_add_entry_by_NID(name, NID_userId, MBSTRING_UTF8,
	    (const unsigned char *)account, -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
	    (const unsigned char *)account, -1, -1, 0) != 1) {
		ossl_fail(err, errsz, "subject");
		goto out;
	}
	snprintf(san, sizeof(san), "URI:tel:%s", msisdn);
	X509V3_set_ctx(&ctx, ca->cert, x, NULL, NULL, 0);
	for (size_t i = 0; i < sizeof(user_exts) / sizeof(user_exts[0]); i++) {
		X509_EXTENSION *ext;

		ext = X509V3_EXT_nconf_nid(NULL, &ctx, user_exts[i].nid,
		    user_exts[i].value ? user_exts[i].value : san);
		if (ext == NULL || X509_add_ext(x, ext, -1) != 1) {
			X509_EXTENSION_free(ext);
			ossl_fail(err, errsz, OBJ_nid2sn(user_exts[i].nid));
			goto out;
		}
		X509_EXTENSION_free(ext);
	}
	if (X509_sign(x, ca->key, EVP_sha256()) <= 0 ||
	    X509_verify(x, X509_get0_pubkey(ca->cert)) != 1) {
		ossl_fail(err, errsz, "signing");
		goto out;
	}

	/* Record it: newcerts/SERIAL.pem, then the index row. */
	memset(&e, 0, sizeof(e));
	e.status = 'V';
	na = X509_get0_notAfter(x);
	subj = X509_NAME_oneline(name, NULL, 0);
	if (subj == NULL || strlen(subj) >= sizeof(e.subject) ||
	    (size_t)ASN1_STRING_length(na) >= sizeof(e.expiry)) {
		snprintf(err, errsz, "subject or date too long");
		goto out;
	}
	memcpy(e.expiry, ASN1_STRING_get0_data(na),
	    (size_t)ASN1_STRING_length(na));
	snprintf(e.serial, sizeof(e.serial), "%s", serial);
	snprintf(e.file, sizeof(e.file), "unknown");
	snprintf(e.subject, sizeof(e.subject), "%s", subj);
	if ((mem = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_X509(mem, x) != 1 ||
	    (pemlen = BIO_get_mem_data(mem, &pem)) <= 0) {
		ossl_fail(err, errsz, "PEM");
		goto out;
	}
	if ((size_t)snprintf(path, sizeof(path), "newcerts/%s.pem", serial) >=
	    sizeof(path) || (rc = write_atomic(ca, path, pem, (size_t)pemlen,
	    err, errsz)) != STK_OK)
		goto out;
	if ((rc = entry_add(ca, &e)) != STK_OK)
		goto out;
	if ((rc = index_save(ca, err, errsz)) != STK_OK) {
		ca->n--;
		goto out;
	}
	*out = x;
	x = NULL;
	rc = STK_OK;
 out:
	ASN1_INTEGER_free(sn);
	OPENSSL_free(subj);
	BIO_free(mem);
	X509_free(x);
	ERR_clear_error();
	return rc;
}

/* ---- revoke and CRL ---------------------------------------------------- */

/* True when the index subject has the component "UID=account". */
static bool
subject_names(const char *subject, const char *account)
{
	size_t al = strlen(account);

	for (const char *p = subject; (p = strchr(p, '/')) != NULL; p++)
		if (strncmp(p + 1, "UID=", 4) == 0 &&
		    strncmp(p + 5, account, al) == 0 &&
		    (p[5 + al] == '/' || p[5 + al] == '\0'))
			return true;
	return false;
}

int
ca_valid_serials(struct ca *ca, const char *account,
    char serials[][CA_SERIAL_MAX], size_t max, size_t *n)
{
	*n = 0;
	for (size_t i = 0; i < ca->n; i++) {
		if (ca->e[i].status != 'V' ||
		    !subject_names(ca->e[i].subject, account))
			continue;
		if (*n == max)
			return STK_E_TOO_LONG;
		snprintf(serials[(*n)++], CA_SERIAL_MAX, "%s", ca->e[i].serial);
	}
	return STK_OK;
}

int
ca_revoke(struct ca *ca, const char *serial, const char *reason,
    char *err, size_t errsz)
{
	struct ca_entry *e = find_serial(ca, serial), saved;
	ASN1_TIME *now = NULL;
	int rc;

	if (e == NULL) {
		snprintf(err, errsz, "serial %s: not in the CA database",
		    serial);
		return STK_E_NOT_FOUND;
	}
	if (e->status == 'R') {
		snprintf(err, errsz, "serial %s: revoked already", serial);
		return STK_E_STATE;
	}
	if (reason_code(reason, strlen(reason)) < 0) {
		snprintf(err, errsz, "unknown reason %s", reason);
		return STK_E_ARG;
	}
	/* UTCTime as openssl ca writes it; reason left out when
	 * unspecified (RFC 5280 §5.3.1: SHOULD be absent then). */
	if ((now = X509_gmtime_adj(NULL, 0)) == NULL)
		return ossl_fail(err, errsz, "time");
	saved = *e;
	snprintf(e->revoked, sizeof(e->revoked), "%.*s%s%s",
	    ASN1_STRING_length(now), (const char *)ASN1_STRING_get0_data(now),
	    strcmp(reason, "unspecified") ? "," : "",
	    strcmp(reason, "unspecified") ? reason : "");
	e->status = 'R';
	ASN1_TIME_free(now);
	if ((rc = index_save(ca, err, errsz)) != STK_OK)
		*e = saved;
	return rc;
}

/* One revoked row as a CRL entry (RFC 5280 §5.3.1 reason extension). */
static int
crl_entry(X509_CRL *crl, const struct ca_entry *e)
{
	X509_REVOKED *rev = X509_REVOKED_new();
	ASN1_INTEGER *sn = NULL;
	ASN1_TIME *t = ASN1_TIME_new();
	ASN1_ENUMERATED *why = NULL;
	BIGNUM *bn = NULL;
	char date[16];
	const char *comma = strchr(e->revoked, ',');
	size_t dl = comma ? (size_t)(comma - e->revoked) : strlen(e->revoked);
	int code = -1, rc = STK_E_CRYPTO;

	if (comma != NULL) {
		const char *r = comma + 1, *c2 = strchr(r, ',');

		code = reason_code(r, c2 ? (size_t)(c2 - r) : strlen(r));
	}
	snprintf(date, sizeof(date), "%.*s", (int)dl, e->revoked);
	if (rev == NULL || t == NULL || BN_hex2bn(&bn, e->serial) == 0 ||
	    (sn = BN_to_ASN1_INTEGER(bn, NULL)) == NULL ||
	    ASN1_TIME_set_string(t, date) != 1 ||
	    X509_REVOKED_set_serialNumber(rev, sn) != 1 ||
	    X509_REVOKED_set_revocationDate(rev, t) != 1)
		goto out;
	if (code > 0 && ((why = ASN1_ENUMERATED_new()) == NULL ||
	    ASN1_ENUMERATED_set(why, code) != 1 ||
	    X509_REVOKED_add1_ext_i2d(rev, NID_crl_reason, why, 0, 0) != 1))
		goto out;
	if (X509_CRL_add0_revoked(crl, rev) != 1)
		goto out;
	rev = NULL;
	rc = STK_OK;
 out:
	X509_REVOKED_free(rev);
	ASN1_INTEGER_free(sn);
	ASN1_TIME_free(t);
	ASN1_ENUMERATED_free(why);
	BN_free(bn);
	return rc;
}

/* crlnumber (hex, as openssl ca keeps it): the current value. */
static int
crl_number(struct ca *ca, BIGNUM **bn, char *err, size_t errsz)
{
	char path[300], line[128];
	FILE *f;
	size_t n;

	*bn = NULL;
	if (!path_of(ca, "crlnumber", path, sizeof(path)) ||
	    (f = fopen(path, "r")) == NULL) {
		/* openssl ca without crlnumber issues CRLs without number;
		 * we always number them, starting at 1000 like ca.sh */
		return BN_dec2bn(bn, "1000") ? STK_OK : STK_E_NOMEM;
	}
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	if (n == 0 || !all_hex(line, n) || BN_hex2bn(bn, line) != (int)n) {
		BN_free(*bn);
		*bn = NULL;
		snprintf(err, errsz, "%s: not a hex number", path);
		return STK_E_INVALID;
	}
	return STK_OK;
}

int
ca_crl(struct ca *ca, unsigned days, uint8_t **der, size_t *derlen,
    char *err, size_t errsz)
{
	X509_CRL *crl = NULL;
	ASN1_TIME *t = NULL;
	ASN1_INTEGER *num = NULL;
	X509_EXTENSION *aki = NULL;
	X509V3_CTX ctx;
	BIGNUM *bn = NULL;
	BIO *mem = NULL;
	unsigned char *d = NULL;
	char *pem, *hex = NULL;
	long pemlen;
	int n = 0, rc;

	*der = NULL;
	*derlen = 0;
	if ((rc = crl_number(ca, &bn, err, errsz)) != STK_OK)
		return rc;
	rc = STK_E_CRYPTO;
	if ((crl = X509_CRL_new()) == NULL ||
	    X509_CRL_set_version(crl, X509_CRL_VERSION_2) != 1 ||
	    X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca->cert)) !=
	    1 || (t = X509_gmtime_adj(NULL, 0)) == NULL ||
	    X509_CRL_set1_lastUpdate(crl, t) != 1 ||
	    X509_time_adj_ex(t, (int)days, 0, NULL) == NULL ||
	    X509_CRL_set1_nextUpdate(crl, t) != 1) {
		ossl_fail(err, errsz, "CRL");
		goto out;
	}
	for (size_t i = 0; i < ca->n; i++)
		if (ca->e[i].status == 'R' && crl_entry(crl, &ca->e[i]) !=
		    STK_OK) {
			snprintf(err, errsz, "CRL entry for serial %s",
			    ca->e[i].serial);
			goto out;
		}
	X509_CRL_sort(crl);
	X509V3_set_ctx(&ctx, ca->cert, NULL, NULL, crl, 0);
	if ((num = BN_to_ASN1_INTEGER(bn, NULL)) == NULL ||
	    X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0) != 1 ||
	    (aki = X509V3_EXT_nconf_nid(NULL, &ctx,
	    NID_authority_key_identifier, "keyid:always")) == NULL ||
	    X509_CRL_add_ext(crl, aki, -1) != 1 ||
	    X509_CRL_sign(crl, ca->key, EVP_sha256()) <= 0) {
		ossl_fail(err, errsz, "CRL");
		goto out;
	}
	if ((n = i2d_X509_CRL(crl, &d)) <= 0 ||
	    (mem = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_X509_CRL(mem, crl) != 1 ||
	    (pemlen = BIO_get_mem_data(mem, &pem)) <= 0) {
		ossl_fail(err, errsz, "CRL encoding");
		goto out;
	}
	/* The files the server may read ([certs] crl), then the next
	 * number (openssl ca: crlnumber holds the next CRL's number). */
	if ((rc = write_atomic(ca, "crl.pem", pem, (size_t)pemlen, err,
	    errsz)) != STK_OK || (rc = write_atomic(ca, "crl.der", d,
	    (size_t)n, err, errsz)) != STK_OK)
		goto out;
	rc = STK_E_NOMEM;
	if (BN_add_word(bn, 1) != 1 || (hex = BN_bn2hex(bn)) == NULL)
		goto out;
	{
		char line[136];
		int l = snprintf(line, sizeof(line), "%s\n", hex);

		if (l <= 0 || (size_t)l >= sizeof(line) ||
		    (rc = write_atomic(ca, "crlnumber", line, (size_t)l, err,
		    errsz)) != STK_OK)
			goto out;
	}
	*der = d;
	*derlen = (size_t)n;
	d = NULL;
	rc = STK_OK;
 out:
	OPENSSL_free(d);
	OPENSSL_free(hex);
	BIO_free(mem);
	X509_EXTENSION_free(aki);
	ASN1_INTEGER_free(num);
	ASN1_TIME_free(t);
	BN_free(bn);
	X509_CRL_free(crl);
	ERR_clear_error();
	return rc;
}
