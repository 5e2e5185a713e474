/*
 * cmd_enroll.c - `stkauth-admin enroll ACCOUNT --reader NAME`: make a SIM
 * the account's authenticator (docs/ADMIN.md "Enrolment").
 *
 *   1. checks that touch nothing: options, configuration, secret files,
 *      the account (exists, bound or --msisdn, no card yet), the key
 *      store, the CA folder, the LDAP bind;
 *   2. the card (docs/SIM.md "Personalisation"): READ ICCID (the ICCID
 *      must not belong to another account), admin session with the key
 *      of [card] admin_key_file;
 *   3. the card changes: its RSA-2048 key pair (generated on the card),
 *      the OTA key set(s) (TS 102 225 §5.1.2/§5.1.3: random KIc / KID,
 *      AES-128 by default), the service number, the applet PIN (when
 *      asked), K_auth (PROTOCOL.md §6, random);
 *   4. the certificate from the project CA (ca.c), published to LDAP
 *      (ldappub.c);
 *   5. registration: the bridge's key store (smsc-bridge/keystore.c, SPI
 *      KS_SPI_DEFAULT; keystore_card_rekey: the card's row replaced with
 *      counters 0 as the card starts them), then the
 *      server's database (binding and card with K_auth, one transaction).
 *
 * All or nothing from the outside: a failure in 4 or 5 undoes what 4 and
 * 5 did (key store row deleted, LDAP entry restored, the unused
 * certificate revoked as cessationOfOperation).  The card cannot be put
 * back: after a failure in 3-5 the message says so and that the same
 * command, run again, re-personalises it completely (new key pair, keys,
 * K_auth), which is what a retry must do.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "admin.h"
#include "err.h"
#include "keystore.h"
#include "ota.h"
#include "server.h"
#include "store.h"

#define PIN_MIN		4
#define PIN_MAX		8
#define SERVICE_DIGITS_MAX 20	/* docs/SIM.md SET SERVICE NUMBER */

static const struct admin_cmd c_enroll = { "enroll", NULL, NULL,
	"usage: stkauth-admin enroll ACCOUNT --reader NAME [--msisdn M]\n"
	"           [--pin | --pin-file FILE|-] [--service-number N]\n"
	"           [--admin-key-file FILE] [--kvn N] [--tar HEX] [--days N]\n\n"
	"Personalise the SIM in the PC/SC reader NAME for ACCOUNT and register\n"
	"it: the card generates its RSA-2048 key pair; the project CA ([ca]\n"
	"dir) issues the certificate (subject UID=CN=ACCOUNT, subjectAltName\n"
	"tel:MSISDN), published in LDAP as userCertificate;binary of\n"
	"uid=ACCOUNT,[ldap] people_dn; random OTA keys (AES-128, or 3DES with\n"
	"[card] ota_alg), the service number and K_auth go into the card, the\n"
	"card into the bridge's key store ([bridge] keystore) and the server's\n"
	"database.  The account must exist and be bound to an MSISDN, or\n"
	"--msisdn binds it.  An account with a card is refused: revoke first.\n\n"
	"  --reader NAME          the PC/SC reader (pcsc_scan -n lists them)\n"
	"  --msisdn M             bind the account to M (if it is not bound)\n"
	"  --pin                  set the applet PIN, typed twice (no echo)\n"
	"  --pin-file FILE|-      set the applet PIN from FILE (0600) or stdin\n"
	"  --service-number N     the bridge's number (default [card]\n"
	"                         service_number)\n"
	"  --admin-key-file FILE  the card's personalisation key (hex, 0600;\n"
	"                         default [card] admin_key_file)\n"
	"  --kvn N                OTA key version 1..15 (default 1)\n"
	"  --tar HEX              the applet's TAR (default [card] tar)\n"
	"  --days N               certificate validity (default [ca] cert_days)\n\n"
	"The PIN is never taken from the command line.  If enroll fails after\n"
	"the card was changed it says so: run the same command again.\n"
	"Exit status: 0 ok, 1 card/CA/LDAP/database failure, 2 usage,\n"
	"3 invalid input or key file, 4 unknown account, reader or no card,\n"
	"5 enrolled already, not bound, MSISDN or card taken.\n" };

/* KIc / KID octets for [card] ota_alg (TS 102 225 §5.1.2, §5.1.3.1):
 * b2b1 10 AES with b4b3 00 (AES-CBC / AES-CMAC); b2b1 01 DES with b4b3 01
 * (3DES outer-CBC with 2 keys / 3DES-MAC). */
static const struct {
	const char *name;
	uint8_t kic, kid;
	size_t key_len;
} ota_algs[] = {
	{ "aes", 0x02, 0x02, 16 },
	{ "3des", 0x05, 0x05, 16 },
};

struct enroll {
	struct admin *a;
	const char *account;
	const char *reader;
	const char *admin_key_file;
	char msisdn[17];
	bool bind;			/* bind msisdn in the final transaction */
	char service[sizeof(((struct admin_config *)0)->service_number)];
	uint8_t tar[STK_OTA_TAR_LEN];
	unsigned kvn, days;
	bool set_pin;
	char pin[PIN_MAX + 2];
	uint8_t admin_key[ADMIN_CARD_KEY_LEN];
	uint8_t kauth[STK_AUTH_KEY_MAX];
	size_t kauth_len;
	struct ks_card kc;
	char ks_holder[KS_ICCID_MAX + 1];	/* key store card of msisdn */
	/* what exists */
	struct keystore *ks;
	struct ca *ca;
	struct ldappub *lp;
	struct admin_card *card;
	char iccid[21];
	bool personalised;		/* every step of personalise() done */
	char serial[CA_SERIAL_MAX];
	X509 *cert;
	struct ldappub_undo *undo;
	bool ks_done;
	char err[512];
};

/* ---- step 1: checks ---------------------------------------------------- */

static int
parse_hex_tar(const char *s, uint8_t tar[STK_OTA_TAR_LEN])
{
	unsigned v[STK_OTA_TAR_LEN];

	if (strlen(s) != 2 * STK_OTA_TAR_LEN ||
	    strspn(s, "0123456789abcdefABCDEF") != strlen(s) ||
	    sscanf(s, "%2x%2x%2x", &v[0], &v[1], &v[2]) != 3)
		return STK_E_INVALID;
	for (size_t i = 0; i < STK_OTA_TAR_LEN; i++)
		tar[i] = (uint8_t)v[i];
	return STK_OK;
}

/* "+" and 1..20 digits, or 1..20 digits (the card's rule). */
static bool
service_valid(const char *s)
{
	const char *d = s[0] == '+' ? s + 1 : s;
	size_t n = strlen(d);

	return n >= 1 && n <= SERVICE_DIGITS_MAX &&
	    strspn(d, "0123456789") == n;
}

static int
read_pin(struct enroll *e, bool tty, const char *file)
{
	const char *why;
	size_t n;
	int rc;

	if (tty)
		rc = pwread_tty("Applet PIN (4-8 digits): ", e->pin,
		    sizeof(e->pin), &n, &why);
	else
		rc = secret_file_line(file, e->pin, sizeof(e->pin), &n, &why);
	if (rc != STK_OK)
		return admin_err(e->a, rc == STK_E_IO || rc == STK_E_NOT_FOUND ?
		    EX_FAIL : EX_INVALID, "PIN: %s", why ? why : "unreadable");
	if (n < PIN_MIN || n > PIN_MAX || strspn(e->pin, "0123456789") != n)
		return admin_err(e->a, EX_INVALID, "PIN: 4 to 8 digits");
	e->set_pin = true;
	return EX_OK_;
}

static int
parse_uint(struct admin *a, const char *opt, const char *s, unsigned lo,
    unsigned hi, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s < '0' || *s > '9' || *end != '\0' || v < lo || v > hi)
		return admin_usage(a, &c_enroll, "%s: %u..%u", opt, lo, hi);
	*out = (unsigned)v;
	return EX_OK_;
}

enum { O_READER = 256, O_MSISDN, O_PIN, O_PIN_FILE, O_SERVICE, O_KEYFILE,
	O_KVN, O_TAR, O_DAYS };

/* Options and operand: -1 to go on, else the exit code (help: 0). */
static int
parse_options(struct enroll *e, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reader", required_argument, NULL, O_READER },
		{ "msisdn", required_argument, NULL, O_MSISDN },
		{ "pin", no_argument, NULL, O_PIN },
		{ "pin-file", required_argument, NULL, O_PIN_FILE },
		{ "service-number", required_argument, NULL, O_SERVICE },
		{ "admin-key-file", required_argument, NULL, O_KEYFILE },
		{ "kvn", required_argument, NULL, O_KVN },
		{ "tar", required_argument, NULL, O_TAR },
		{ "days", required_argument, NULL, O_DAYS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct admin_config *cfg = e->a->cfg;
	const char *msisdn = NULL, *tar = cfg->tar, *pin_file = NULL, *why;
	bool pin_tty = false;
	int ch, code = EX_OK_;

	e->admin_key_file = cfg->admin_key_file;
	snprintf(e->service, sizeof(e->service), "%s", cfg->service_number);
	e->kvn = 1;
	e->days = cfg->cert_days;
	while ((ch = admin_getopt(argc, argv, opts, &c_enroll, &code)) != -1) {
		switch (ch) {
		case 'h': case '?': return code;
		case O_READER: e->reader = optarg; break;
		case O_MSISDN: msisdn = optarg; break;
		case O_PIN: pin_tty = true; break;
		case O_PIN_FILE: pin_file = optarg; break;
		case O_KEYFILE: e->admin_key_file = optarg; break;
		case O_TAR: tar = optarg; break;
		case O_SERVICE:
			if (strlen(optarg) >= sizeof(e->service))
				return admin_err(e->a, EX_INVALID, "service "
				    "number too long");
			snprintf(e->service, sizeof(e->service), "%s", optarg);
			break;
		case O_KVN:
			if ((code = parse_uint(e->a, "--kvn", optarg, 1, 15,
			    &e->kvn)) != EX_OK_)
				return code;
			break;
		case O_DAYS:
			if ((code = parse_uint(e->a, "--days", optarg, 1, 3650,
			    &e->days)) != EX_OK_)
				return code;
			break;
		}
	}
	if (argc - optind != 1)
		return admin_usage(e->a, &c_enroll, argc - optind > 1 ?
		    "expected one ACCOUNT (a PIN is never taken from the "
		    "command line: --pin asks for it, --pin-file reads it)" :
		    "expected ACCOUNT");
	e->account = argv[optind];
	if (e->reader == NULL)
		return admin_usage(e->a, &c_enroll, "--reader NAME is needed");
	if (pin_tty && pin_file)
		return admin_usage(e->a, &c_enroll, "--pin or --pin-file, "
		    "not both");
	if (!account_name_valid(e->account))
		return admin_err(e->a, EX_INVALID, "invalid account name '%s'",
		    e->account);
	if (msisdn && msisdn_normalize(msisdn, e->msisdn, &why) != STK_OK)
		return admin_err(e->a, EX_INVALID, "invalid MSISDN '%s': %s",
		    msisdn, why);
	if (parse_hex_tar(tar, e->tar) != STK_OK)
		return admin_err(e->a, EX_INVALID, "TAR '%s': 6 hex digits",
		    tar);
	if (e->service[0] == '\0')
		return admin_usage(e->a, &c_enroll, "no service number: set "
		    "[card] service_number or --service-number");
	if (!service_valid(e->service))
		return admin_err(e->a, EX_INVALID, "service number '%s': '+' "
		    "and 1 to 20 digits", e->service);
	if (e->admin_key_file[0] == '\0')
		return admin_usage(e->a, &c_enroll, "no admin key: set [card] "
		    "admin_key_file or --admin-key-file");
	if ((pin_tty || pin_file) && (code = read_pin(e, pin_tty, pin_file)) !=
	    EX_OK_)
		return code;
	return -1;
}

/* The account: exists, no card, bound (or bindable to --msisdn). */
static int
check_account(struct enroll *e, struct store *st)
{
	struct store_account_info ai;
	struct store_account other;
	int rc;

	if ((rc = store_account_info_get(st, e->account, &ai)) != STK_OK)
		return admin_err(e->a, admin_exit_code(rc), "account %s: %s",
		    e->account, rc == STK_E_NOT_FOUND ? "no such account" :
		    stk_strerror(rc));
	if (ai.iccid[0] != '\0')
		return admin_err(e->a, EX_CONFLICT, "account %s is enrolled "
		    "already (card %s): revoke it first", e->account, ai.iccid);
	if (ai.msisdn[0] == '\0' && e->msisdn[0] == '\0')
		return admin_err(e->a, EX_CONFLICT, "account %s is not bound to "
		    "an MSISDN: bind it or give --msisdn", e->account);
	if (ai.msisdn[0] != '\0' && e->msisdn[0] != '\0' &&
	    strcmp(ai.msisdn, e->msisdn) != 0)
		return admin_err(e->a, EX_CONFLICT, "account %s is bound to %s, "
		    "not %s (unbind it first)", e->account, ai.msisdn,
		    e->msisdn);
	if (ai.msisdn[0] == '\0') {
		rc = store_account_get(st, NULL, e->msisdn, &other);
		OPENSSL_cleanse(other.kauth, sizeof(other.kauth));
		if (rc == STK_OK)
			return admin_err(e->a, EX_CONFLICT, "MSISDN %s is bound "
			    "to account %s already", e->msisdn, other.name);
		if (rc != STK_E_NOT_FOUND)
			return admin_err(e->a, EX_FAIL, "database: %s",
			    stk_strerror(rc));
		e->bind = true;
	} else {
		snprintf(e->msisdn, sizeof(e->msisdn), "%s", ai.msisdn);
	}
	return EX_OK_;
}

/* Key store, CA, LDAP: opened (and so checked) before the card. */
static int
open_services(struct enroll *e)
{
	const struct admin_config *cfg = e->a->cfg;
	struct ks_card other;
	int rc;

	if ((e->ks = admin_keystore(e->a, true)) == NULL)
		return EX_FAIL;
	rc = keystore_card_get_by_msisdn(e->ks, e->msisdn, &other);
	ks_card_clear(&other);
	if (rc == STK_OK) {
		/* Kept to compare with the card's ICCID (stale rows of this
		 * very card are replaced). */
		snprintf(e->ks_holder, sizeof(e->ks_holder), "%s", other.iccid);
	} else if (rc != STK_E_NOT_FOUND) {
		return admin_err(e->a, EX_FAIL, "key store: %s",
		    stk_strerror(rc));
	}
	if ((rc = ca_open(cfg->ca_dir, &e->ca, e->err, sizeof(e->err))) !=
	    STK_OK)
		return admin_err(e->a, rc == STK_E_ARG ? EX_USAGE_ : EX_FAIL,
		    "CA: %s", e->err);
	if ((rc = ldappub_open(cfg->ldap_uri, cfg->ldap_bind_dn,
	    cfg->ldap_password_file, &e->lp, e->err, sizeof(e->err))) !=
	    STK_OK)
		return admin_err(e->a, rc == STK_E_ARG ? EX_USAGE_ :
		    rc == STK_E_INVALID ? EX_INVALID : EX_FAIL, "%s", e->err);
	return EX_OK_;
}

/* Random key set(s), K_auth; the key store row, checked (a trial wrap). */
static int
make_secrets(struct enroll *e)
{
	const struct admin_config *cfg = e->a->cfg;
	struct ks_keyset *k = &e->kc.ks[0];
	size_t alg = 0;

	while (strcmp(ota_algs[alg].name, cfg->ota_alg) != 0)
		alg++;		/* config.c accepts only names of the table */
	memset(&e->kc, 0, sizeof(e->kc));
	snprintf(e->kc.msisdn, sizeof(e->kc.msisdn), "%s", e->msisdn);
	memcpy(e->kc.tar, e->tar, sizeof(e->tar));
	e->kc.spi = KS_SPI_DEFAULT;
	e->kc.cmd_kvn = (uint8_t)e->kvn;
	e->kc.nkeysets = 1;
	k->kvn = (uint8_t)e->kvn;
	k->kic = (uint8_t)(e->kvn << 4 | ota_algs[alg].kic);
	k->kid = (uint8_t)(e->kvn << 4 | ota_algs[alg].kid);
	k->kic_len = k->kid_len = ota_algs[alg].key_len;
	e->kauth_len = cfg->kauth_len;
	if (RAND_priv_bytes(k->kic_key, k->kic_len) != 1 ||
	    RAND_priv_bytes(k->kid_key, k->kid_len) != 1 ||
	    RAND_priv_bytes(e->kauth, e->kauth_len) != 1)
		return admin_err(e->a, EX_FAIL, "no random numbers");
	return EX_OK_;
}

/* ---- step 2: the card, unchanged -------------------------------------- */

/* Walk callback: the account that holds iccid. */
struct iccid_owner {
	const char *iccid;
	char account[65];
};

static int
find_iccid(void *arg, const struct store_account_info *ai)
{
	struct iccid_owner *o = arg;

	if (strcmp(ai->iccid, o->iccid) != 0)
		return 0;
	snprintf(o->account, sizeof(o->account), "%s", ai->name);
	return 1;
}

static int
open_card(struct enroll *e, struct store *st)
{
	struct iccid_owner owner = { NULL, "" };
	struct ks_card other;
	const char *why;
	int rc;

	if ((rc = secret_file_hex(e->admin_key_file, e->admin_key,
	    sizeof(e->admin_key), &why)) != STK_OK)
		return admin_err(e->a, rc == STK_E_INVALID ? EX_INVALID :
		    EX_FAIL, "admin key file %s: %s", e->admin_key_file, why);
	if ((rc = admin_card_open(e->reader, &e->card, e->err,
	    sizeof(e->err))) != STK_OK)
		return admin_err(e->a, rc == STK_E_NOT_FOUND ? EX_NOTFOUND :
		    EX_FAIL, "%s", e->err);
	if ((rc = admin_card_iccid(e->card, e->iccid, e->err,
	    sizeof(e->err))) != STK_OK)
		return admin_err(e->a, EX_FAIL, "%s", e->err);
	/* The ICCID must not be another account's card. */
	owner.iccid = e->iccid;
	if ((rc = store_account_list(st, find_iccid, &owner)) < 0)
		return admin_err(e->a, EX_FAIL, "database: %s",
		    stk_strerror(rc));
	if (owner.account[0] != '\0')
		return admin_err(e->a, EX_CONFLICT, "card %s is enrolled for "
		    "account %s", e->iccid, owner.account);
	if (e->ks_holder[0] != '\0' && strcmp(e->ks_holder, e->iccid) != 0)
		return admin_err(e->a, EX_CONFLICT, "the key store has card %s "
		    "for %s: remove it (unbind/revoke its account) first",
		    e->ks_holder, e->msisdn);
	rc = keystore_card_get_by_iccid(e->ks, e->iccid, &other);
	if (rc == STK_OK && strcmp(other.msisdn, e->msisdn) != 0) {
		ks_card_clear(&other);
		return admin_err(e->a, EX_CONFLICT, "the key store has card %s "
		    "for MSISDN %s", e->iccid, other.msisdn);
	}
	ks_card_clear(&other);
	if (rc != STK_OK && rc != STK_E_NOT_FOUND)
		return admin_err(e->a, EX_FAIL, "key store: %s",
		    stk_strerror(rc));
	snprintf(e->kc.iccid, sizeof(e->kc.iccid), "%s", e->iccid);
	if (ks_card_check(&e->kc, e->err, sizeof(e->err)) != STK_OK)
		return admin_err(e->a, EX_INVALID, "key store row: %s", e->err);
	if ((rc = admin_card_authenticate(e->card, e->admin_key, e->err,
	    sizeof(e->err))) != STK_OK)
		return admin_err(e->a, EX_FAIL, "%s", e->err);
	return EX_OK_;
}

/* ---- step 3: the card changes ----------------------------------------- */

static int
personalise(struct enroll *e, EVP_PKEY **pub)
{
	const struct ks_keyset *k = &e->kc.ks[0];
	char *err = e->err;
	size_t errsz = sizeof(e->err);
	int rc;

	if ((rc = admin_card_generate_key(e->card, pub, err, errsz)) ==
	    STK_OK &&
	    (rc = admin_card_load_keyset(e->card, k->kvn, k->kic_key,
	    k->kic_len, k->kid_key, k->kid_len, err, errsz)) == STK_OK &&
	    (rc = admin_card_set_service(e->card, e->service, err, errsz)) ==
	    STK_OK &&
	    (!e->set_pin || (rc = admin_card_set_pin(e->card, e->pin, err,
	    errsz)) == STK_OK))
		rc = admin_card_load_kauth(e->card, e->kauth, e->kauth_len, err,
		    errsz);
	e->personalised = rc == STK_OK;
	return rc;
}

/* ---- steps 4, 5 and their undo ----------------------------------------- */

static int
register_card(struct enroll *e, struct store *st)
{
	int rc, code;

	/* the card was personalised anew: a stale row of this ICCID goes,
	 * with its counters, in the transaction that stores the new keys */
	if ((rc = keystore_card_rekey(e->ks, &e->kc, e->err,
	    sizeof(e->err))) != STK_OK)
		return rc == STK_E_DUPLICATE ? EX_CONFLICT : EX_FAIL;
	e->ks_done = true;
	if ((rc = store_begin(st)) != STK_OK) {
		snprintf(e->err, sizeof(e->err), "database busy or failing");
		return EX_FAIL;
	}
	if (e->bind && (code = admin_bind_locked(e->a, st, e->account,
	    e->msisdn)) != EX_OK_) {
		store_rollback(st);
		snprintf(e->err, sizeof(e->err), "binding %s failed",
		    e->msisdn);
		return code;
	}
	if ((rc = store_card_enrol(st, e->account, e->iccid, e->kauth,
	    e->kauth_len, admin_now_ms())) != STK_OK ||
	    (rc = store_commit(st)) != STK_OK) {
		store_rollback(st);
		snprintf(e->err, sizeof(e->err), "database: card %s: %s",
		    e->iccid, stk_strerror(rc));
		return rc == STK_E_DUPLICATE ? EX_CONFLICT : EX_FAIL;
	}
	return EX_OK_;
}

/* Undo steps 4 and 5, reporting each; the card stays as it is. */
static void
undo(struct enroll *e)
{
	char err[512];
	int rc;

	if (e->ks_done && (rc = keystore_card_delete(e->ks, e->iccid)) !=
	    STK_OK)
		admin_err(e->a, EX_FAIL, "undo: key store row of card %s not "
		    "removed: %s", e->iccid, stk_strerror(rc));
	if (e->undo != NULL && ldappub_user_undo(e->lp, e->undo, err,
	    sizeof(err)) != STK_OK)
		admin_err(e->a, EX_FAIL, "undo: %s not restored: %s",
		    ldappub_undo_dn(e->undo), err);
	if (e->serial[0] != '\0') {
		if (ca_revoke(e->ca, e->serial, "cessationOfOperation", err,
		    sizeof(err)) == STK_OK)
			admin_err(e->a, EX_FAIL, "undo: the unused certificate "
			    "%s is revoked in the CA database", e->serial);
		else
			admin_err(e->a, EX_FAIL, "undo: certificate %s not "
			    "revoked: %s", e->serial, err);
	}
}

static void
enroll_free(struct enroll *e)
{
	admin_card_close(e->card);
	ldappub_undo_free(e->undo);
	ldappub_close(e->lp);
	ca_close(e->ca);
	X509_free(e->cert);
	ks_card_clear(&e->kc);
	OPENSSL_cleanse(e->admin_key, sizeof(e->admin_key));
	OPENSSL_cleanse(e->kauth, sizeof(e->kauth));
	OPENSSL_cleanse(e->pin, sizeof(e->pin));
}

static int
finish(struct enroll *e)
{
	const struct ks_keyset *k = &e->kc.ks[0];
	char when[32], tar[7];
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	ASN1_TIME_to_tm(X509_get0_notAfter(e->cert), &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(tar, sizeof(tar), "%02X%02X%02X", e->tar[0], e->tar[1],
	    e->tar[2]);
	out_done(e->a, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, "
	    "s:s, s:s, s:b}", "account", e->account, "msisdn", e->msisdn,
	    "iccid", e->iccid, "serial", e->serial, "notAfter", when,
	    "ldapDn", ldappub_undo_dn(e->undo), "kvn", (int)k->kvn,
	    "otaAlgorithm", e->a->cfg->ota_alg, "tar", tar,
	    "serviceNumber", e->service, "pinSet", e->set_pin),
	    "account %s enrolled: card %s, MSISDN %s, certificate %s (until "
	    "%s) in %s, OTA key set %u (%s), TAR %s, service number %s%s",
	    e->account, e->iccid, e->msisdn, e->serial, when,
	    ldappub_undo_dn(e->undo), k->kvn, e->a->cfg->ota_alg, tar,
	    e->service, e->set_pin ? ", applet PIN set" : "");
	return EX_OK_;
}

int
cmd_enroll(struct admin *a, int argc, char **argv)
{
	static struct enroll e;	/* large; wiped by enroll_free */
	EVP_PKEY *pub = NULL;
	struct store *st;
	uint8_t *der = NULL;
	int code, rc, n;

	memset(&e, 0, sizeof(e));
	e.a = a;
	if ((code = parse_options(&e, argc, argv)) != -1)
		goto out;
	code = EX_FAIL;
	if ((st = admin_store(a)) == NULL)
		goto out;
	if ((code = check_account(&e, st)) != EX_OK_ ||
	    (code = open_services(&e)) != EX_OK_ ||
	    (code = make_secrets(&e)) != EX_OK_ ||
	    (code = open_card(&e, st)) != EX_OK_)
		goto out;

	/* From here on the card changes. */
	if ((rc = personalise(&e, &pub)) != STK_OK) {
		code = admin_err(a, EX_FAIL, "%s", e.err);
		goto changed;
	}
	if ((rc = ca_issue(e.ca, pub, e.account, e.msisdn, e.days, &e.cert,
	    e.serial, sizeof(e.serial), e.err, sizeof(e.err))) != STK_OK) {
		e.serial[0] = '\0';
		code = admin_err(a, EX_FAIL, "CA: %s", e.err);
		goto changed;
	}
	if ((n = i2d_X509(e.cert, &der)) <= 0) {
		code = admin_err(a, EX_FAIL, "certificate encoding");
		goto undo;
	}
	if ((rc = ldappub_user_publish(e.lp, a->cfg->ldap_people_dn,
	    e.account, e.msisdn, der, (size_t)n, &e.undo, e.err,
	    sizeof(e.err))) != STK_OK) {
		code = admin_err(a, EX_FAIL, "%s", e.err);
		goto undo;
	}
	if ((code = register_card(&e, st)) != EX_OK_) {
		admin_err(a, code, "%s", e.err);
		goto undo;
	}
	code = finish(&e);
	goto out;
 undo:
	undo(&e);
 changed:
	admin_err(a, code, "card %s: %s but NOT enrolled: it cannot be used "
	    "for logins.  Fix the cause above and run the same enroll command "
	    "again: it personalises the card anew.", e.iccid, e.personalised ?
	    "personalised (new key pair, OTA keys, K_auth)" : "partly "
	    "personalised (its key pair or keys may be new)");
 out:
	OPENSSL_free(der);
	EVP_PKEY_free(pub);
	enroll_free(&e);
	return code;
}
