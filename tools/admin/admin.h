/*
 * admin.h - stkauth-admin private header: prototypes grouped by file.
 *
 * Roles (one file each):
 *   main.c       global options, the command table, exit codes
 *   config.c     the INI configuration (docs/ADMIN.md), validated on load
 *   out.c        results as aligned tables or JSON (--json), times
 *   msisdn.c     E.164 validation and normalisation
 *   csv.c        RFC 4180 records: reader with line numbers, writer
 *   pwread.c     reading a password from the terminal or stdin
 *   cmd_user.c   user add|del|list|show|lock|unlock|passwd, bind, unbind
 *   cmd_csv.c    import, export
 *   cmd_party.c  rp and bridge add|list|revoke
 *   cmd_log.c    sessions list, audit
 *   secret.c     key, password and PIN files (0600 enforced)
 *   pcsc.c       the PC/SC reader: exclusive connection (libpcsclite)
 *   card.c       the card's personalisation over PC/SC (docs/SIM.md)
 *   ca.c         the project CA: issue, revoke, CRL (openssl-ca database)
 *   ldappub.c    publishing certificates and CRLs to LDAP (libldap)
 *   ks.c         the bridge's key store (smsc-bridge/keystore.h), when
 *                configured
 *   cmd_enroll.c enroll
 *   cmd_revoke.c revoke
 */
#ifndef STKAUTH_ADMIN_H
#define STKAUTH_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <openssl/types.h>

struct store;

/* ---- main.c ------------------------------------------------------- */

/* Exit codes (stkauth-admin(8), docs/ADMIN.md). */
enum admin_exit {
	EX_OK_ = 0,		/* success */
	EX_FAIL = 1,		/* database, card, CA, LDAP or system failure */
	EX_USAGE_ = 2,		/* unknown command or option, missing argument */
	EX_INVALID = 3,		/* malformed input: MSISDN, name, CSV, password */
	EX_NOTFOUND = 4,	/* unknown account, party or card */
	EX_CONFLICT = 5,	/* exists already, bound elsewhere, revoked */
};

struct admin_config;

struct admin {
	const char *prog;
	const struct admin_config *cfg;
	const char *db_path;
	int busy_ms;
	bool json;
	struct store *st;	/* opened on first use (admin_store) */
	struct keystore *ks;	/* opened on first use (admin_keystore) */
};

/* The store, opened on first use with the busy timeout; NULL after an
 * error message. */
struct store *admin_store(struct admin *a);
/* Map a store/lib error code to an exit code. */
int admin_exit_code(int err);
/* "stkauth-admin: " + message on stderr; returns code. */
int admin_err(struct admin *a, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int64_t admin_now_ms(void);

/*
 * A subcommand: argv[0] is its own name.  help is the --help text.
 * Returns an exit code.
 */
struct admin_cmd {
	const char *name;
	int (*run)(struct admin *a, int argc, char **argv);
	const char *summary;
	const char *help;
};

/*
 * Options of a subcommand, getopt_long style, with --help handled: returns
 * -1 when done (optind at the first operand), '?' after printing the
 * usage error, 'h' after printing help.  Resets getopt.
 */
struct option;
int admin_getopt(int argc, char **argv, const struct option *opts,
    const struct admin_cmd *cmd, int *code);
/* Print the usage error "CMD: MSG" and the hint to use --help. */
int admin_usage(struct admin *a, const struct admin_cmd *cmd,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Dispatch to a sub-table (user add, rp list ...). */
int admin_dispatch(struct admin *a, const char *group,
    const struct admin_cmd *cmds, size_t n, int argc, char **argv);

/* ---- config.c ----------------------------------------------------- */

struct admin_config {
	char db[256];			/* [server] db */
	char keystore[256];		/* [bridge] keystore */
	/* [ca] */
	char ca_dir[256];		/* openssl-ca folder: ca.pem, ca.key, index.txt */
	unsigned cert_days;
	unsigned crl_days;
	/* [ldap] */
	char ldap_uri[256];
	char ldap_bind_dn[256];
	char ldap_password_file[256];
	char ldap_people_dn[256];	/* users are uid=X,PEOPLE */
	char ldap_ca_dn[256];		/* the CRL goes here */
	/* [card] */
	char admin_key_file[256];	/* 0600, hex */
	char service_number[24];
	char tar[8];			/* hex, 3 octets */
	char ota_alg[8];		/* "aes" (default) or "3des" */
	unsigned kauth_len;
};

void admin_config_defaults(struct admin_config *c);
/* STK_E_INVALID with "FILE:LINE: message" in err. */
int admin_config_load(const char *path, struct admin_config *c, char *err,
    size_t errsz);

/* ---- out.c -------------------------------------------------------- */

/*
 * A result set: in JSON mode rows are printed as one JSON array (or a
 * single object for a "show"), otherwise as an aligned table with the
 * given column keys and headings.  Values are strings, integers or
 * booleans of the row objects.
 */
struct out_col {
	const char *key;
	const char *head;
};
/* Print rows (a JSON array, reference kept by the caller). */
void out_rows(const struct admin *a, const struct out_col *cols, size_t n,
    json_t *rows);
/* One object: "key: value" lines, or JSON. */
void out_object(const struct admin *a, const struct out_col *cols,
    size_t n, json_t *obj);
/* A message for people (stdout) that JSON mode turns into
 * {"ok":true,"message":...} plus the extra members of obj (may be NULL,
 * reference stolen). */
void out_done(const struct admin *a, json_t *obj, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* ISO 8601 UTC ("2026-11-23T18:43:35Z") of ms; "" for 0. */
const char *out_time(int64_t ms, char buf[32]);
/* Parse a time for --since/--until: ISO 8601 date or date-time in UTC
 * ("2026-11-23", "2026-11-23T18:43:35Z"), a Unix time in seconds, or an
 * age "30s", "15m", "2h", "7d" before now.  STK_E_INVALID. */
int out_parse_time(const char *s, int64_t now_ms, int64_t *ms);

/* ---- msisdn.c ----------------------------------------------------- */

#define MSISDN_DIGITS_MIN	6
#define MSISDN_DIGITS_MAX	15	/* ITU-T E.164 §6.1 */

/*
 * Normalise an MSISDN as people write it to "+DIGITS" (out: 17 octets):
 * spaces, '-', '.', '(' and ')' are dropped; the number must start with
 * "+" or the international prefix "00"; the country code must not start
 * with 0; 6..15 digits.  why (may be NULL) says what is wrong.
 */
int msisdn_normalize(const char *in, char out[17], const char **why);

/* ---- csv.c -------------------------------------------------------- */

#define CSV_FIELDS_MAX	8
#define CSV_FIELD_MAX	256
#define CSV_LINE_MAX	4096

struct csv_reader {
	FILE *f;
	long line;		/* line where the current record started */
	long next_line;
	size_t nfields;
	char *fields[CSV_FIELDS_MAX];
	char store[CSV_LINE_MAX + CSV_FIELDS_MAX];
};

void csv_reader_init(struct csv_reader *r, FILE *f);
/*
 * Read the next record (RFC 4180 §2: fields separated by ',', records by
 * CRLF or LF, fields optionally in double quotes with "" for a quote and
 * line breaks inside quotes).  Returns 1 with r->fields/nfields set, 0 at
 * the end of input, or a negative code with why: STK_E_INVALID (a quote
 * inside an unquoted field, text after a closing quote, an unterminated
 * quote, a NUL), STK_E_TOO_LONG (record, field or field count over the
 * limits).  After an error the reader continues at the next line.
 */
int csv_read(struct csv_reader *r, const char **why);
/* Write fields as one record with CRLF, quoting only where needed. */
void csv_write(FILE *f, const char *const *fields, size_t n);

/* ---- pwread.c ----------------------------------------------------- */

/*
 * A new password: from stdin (one line) when from_stdin, else from the
 * terminal without echo, asked twice.  out holds PASSWORD_MAX_LEN + 1.
 * Returns STK_OK, STK_E_ARG (empty or mismatch), STK_E_TOO_LONG, STK_E_IO.
 */
int pwread(bool from_stdin, char *out, size_t outsz, size_t *len,
    const char **why);
/*
 * Ask on the terminal (/dev/tty) without echo, twice ("Again: "): the
 * two entries must be equal.  STK_E_IO (no terminal), STK_E_ARG (they
 * differ), STK_E_TOO_LONG.  Used for passwords and the applet PIN.
 */
int pwread_tty(const char *prompt, char *out, size_t outsz, size_t *len,
    const char **why);

/* ---- ks.c --------------------------------------------------------- */

struct keystore;
/* The key store of [bridge] keystore, opened on first use; NULL with a
 * message when not configured (required) or failing. */
struct keystore *admin_keystore(struct admin *a, bool required);
/* Remove card iccid from the key store when one is configured (a card
 * not there is fine).  Returns an exit code. */
int admin_keystore_forget(struct admin *a, const char *iccid);

/* ---- secret.c ----------------------------------------------------- */

/* fd is a regular file that group and others cannot access; why says
 * otherwise (STK_E_INVALID). */
int secret_file_check(int fd, const char **why);
/*
 * The first line of a secret file ("-": stdin, unchecked), without its
 * "\n" / "\r\n", into out.  The file must pass secret_file_check.
 * STK_E_NOT_FOUND (no file), STK_E_INVALID (mode, empty), STK_E_TOO_LONG,
 * STK_E_IO; why says which.
 */
int secret_file_line(const char *path, char *out, size_t outsz, size_t *len,
    const char **why);
/* A key of exactly want octets written in hex on the first line. */
int secret_file_hex(const char *path, uint8_t *key, size_t want,
    const char **why);

/* ---- pcsc.c ------------------------------------------------------- */

struct admin_pcsc;
/*
 * Connect to the reader exclusively (T=0 or T=1).  STK_E_NOT_FOUND: no
 * such reader (err lists the readers) or no card in it; STK_E_STATE: the
 * card is in use by another client; STK_E_IO: pcscd unreachable, other.
 */
int admin_pcsc_open(const char *reader, struct admin_pcsc **out, char *err,
    size_t errsz);
bool admin_pcsc_t1(const struct admin_pcsc *p);
/* phone_xmit_fn (sim-applet-sim/phone/phone.h) over this connection. */
int admin_pcsc_xmit(void *ctx, const uint8_t *apdu, size_t len,
    uint8_t *resp, size_t *rlen);
/* Disconnect with a card reset (ends the admin session). */
void admin_pcsc_close(struct admin_pcsc *p);

/* ---- card.c ------------------------------------------------------- */

#define ADMIN_CARD_KEY_LEN	16	/* AES-128 personalisation key */

struct admin_card;

/*
 * Personalisation (docs/SIM.md).  Every function returns STK_OK when the
 * card answered 9000; otherwise err holds "COMMAND: what happened" and
 * the code is STK_E_STATE (another status word), STK_E_IO (reader or
 * card gone), STK_E_INVALID (an answer that makes no sense),
 * STK_E_VERIFY (the admin key was refused).
 */
int admin_card_open(const char *reader, struct admin_card **out, char *err,
    size_t errsz);
void admin_card_close(struct admin_card *c);
/* READ ICCID: the digits (18..20) into iccid; needed before
 * admin_card_authenticate (the cryptogram covers EF ICCID). */
int admin_card_iccid(struct admin_card *c, char iccid[21], char *err,
    size_t errsz);
int admin_card_authenticate(struct admin_card *c,
    const uint8_t key[ADMIN_CARD_KEY_LEN], char *err, size_t errsz);
/* GENERATE KEY PAIR, then READ PUBLIC KEY: an RSA key >= 2048 bits. */
int admin_card_generate_key(struct admin_card *c, EVP_PKEY **pub,
    char *err, size_t errsz);
int admin_card_load_keyset(struct admin_card *c, uint8_t kvn,
    const uint8_t *kic, size_t kic_len, const uint8_t *kid, size_t kid_len,
    char *err, size_t errsz);
int admin_card_set_service(struct admin_card *c, const char *number,
    char *err, size_t errsz);
/* The applet PIN (4..8 digits). */
int admin_card_set_pin(struct admin_card *c, const char *pin, char *err,
    size_t errsz);
int admin_card_load_kauth(struct admin_card *c, const uint8_t *k,
    size_t len, char *err, size_t errsz);

/* ---- ca.c --------------------------------------------------------- */

#define CA_SERIAL_MAX		48	/* hex digits + NUL */
#define CA_INDEX_LINE_MAX	2048

/* One row of openssl-ca's index.txt (ca.c describes the format). */
struct ca_entry {
	char status;		/* 'V', 'R' or 'E' */
	char expiry[16];
	char revoked[64];	/* "" or "YYMMDDHHMMSSZ[,reason]" */
	char serial[CA_SERIAL_MAX];
	char file[64];
	char subject[CA_INDEX_LINE_MAX];
};

struct ca;
/* Parse one index.txt line (no newline); why names the bad field. */
int ca_index_parse_line(const char *line, struct ca_entry *e,
    const char **why);
/*
 * Open the CA folder (ca.pem, ca.key 0600 and matching, index.txt) and
 * hold its lock until ca_close.  STK_E_NOT_FOUND (no CA there),
 * STK_E_INVALID (a broken file: err says FILE:LINE), STK_E_ARG (no dir).
 */
int ca_open(const char *dir, struct ca **out, char *err, size_t errsz);
void ca_close(struct ca *ca);
/*
 * Issue the login certificate of account / msisdn ("+DIGITS") for pub,
 * valid days from now, and record it (index.txt, newcerts/SERIAL.pem).
 * serial gets the hex serial number.
 */
int ca_issue(struct ca *ca, EVP_PKEY *pub, const char *account,
    const char *msisdn, unsigned days, X509 **out, char *serial,
    size_t serialsz, char *err, size_t errsz);
/* The serials of the valid (V) certificates whose subject has
 * UID=account: at most max, *n set.  STK_E_TOO_LONG beyond max. */
int ca_valid_serials(struct ca *ca, const char *account,
    char serials[][CA_SERIAL_MAX], size_t max, size_t *n);
/* A revocation reason revoke --reason accepts (openssl-ca names). */
bool ca_reason_valid(const char *name);
/* Mark serial revoked now with reason (saved at once).  STK_E_NOT_FOUND,
 * STK_E_STATE (revoked already). */
int ca_revoke(struct ca *ca, const char *serial, const char *reason,
    char *err, size_t errsz);
/*
 * A new CRL of every revoked certificate, valid days, numbered from
 * crlnumber: written to crl.pem and crl.der, crlnumber advanced; *der
 * (OPENSSL_free) gets it for publication.
 */
int ca_crl(struct ca *ca, unsigned days, uint8_t **der, size_t *derlen,
    char *err, size_t errsz);

/* ---- ldappub.c ---------------------------------------------------- */

struct ldappub;
struct ldappub_undo;
/* Connect and bind ([ldap] uri, bind_dn, password_file 0600). */
int ldappub_open(const char *uri, const char *bind_dn, const char *pwfile,
    struct ldappub **out, char *err, size_t errsz);
void ldappub_close(struct ldappub *lp);
/*
 * Put the certificate (DER) on uid=ACCOUNT,people_dn as
 * userCertificate;binary with mobile = msisdn, creating the entry
 * (inetOrgPerson + pkiUser) when missing.  *undo describes how to put
 * the old state back.
 */
int ldappub_user_publish(struct ldappub *lp, const char *people_dn,
    const char *account, const char *msisdn, const uint8_t *der,
    size_t len, struct ldappub_undo **undo, char *err, size_t errsz);
int ldappub_user_undo(struct ldappub *lp, const struct ldappub_undo *u,
    char *err, size_t errsz);
const char *ldappub_undo_dn(const struct ldappub_undo *u);
void ldappub_undo_free(struct ldappub_undo *u);
/* Replace certificateRevocationList;binary of ca_dn. */
int ldappub_crl_publish(struct ldappub *lp, const char *ca_dn,
    const uint8_t *der, size_t len, char *err, size_t errsz);

/* ---- cmd_user.c (shared with enroll) ------------------------------ */

/*
 * Bind inside an open transaction: the account must exist and be
 * unbound, the MSISDN free.  Returns an exit code after the message.
 */
int admin_bind_locked(struct admin *a, struct store *st, const char *name,
    const char *msisdn);

/* ---- commands ----------------------------------------------------- */

int cmd_user(struct admin *a, int argc, char **argv);
int cmd_bind(struct admin *a, int argc, char **argv);
int cmd_unbind(struct admin *a, int argc, char **argv);
int cmd_import(struct admin *a, int argc, char **argv);
int cmd_export(struct admin *a, int argc, char **argv);
int cmd_rp(struct admin *a, int argc, char **argv);
int cmd_bridge(struct admin *a, int argc, char **argv);
int cmd_sessions(struct admin *a, int argc, char **argv);
int cmd_audit(struct admin *a, int argc, char **argv);
int cmd_enroll(struct admin *a, int argc, char **argv);
int cmd_revoke(struct admin *a, int argc, char **argv);

#endif
