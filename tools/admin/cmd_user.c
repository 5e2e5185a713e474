/*
 * cmd_user.c - accounts: user add|del|list|show|lock|unlock|passwd, and
 * bind / unbind of an MSISDN (one binding and one card per account, an
 * MSISDN bound to one account: the store's unique constraints, checked
 * first inside the same transaction so the error can name the holder).
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "admin.h"
#include "err.h"
#include "password.h"
#include "server.h"
#include "store.h"

/* ---- shared ---------------------------------------------------------- */

static json_t *
account_json(const struct store_account_info *ai, int64_t now)
{
	char t[32], until[32];
	bool locked = ai->locked_until > now;

	if (ai->locked_until == INT64_MAX)
		snprintf(until, sizeof(until), "until unlocked");
	else
		out_time(ai->locked_until > now ? ai->locked_until : 0, until);
	return json_pack("{s:s, s:s, s:s, s:b, s:s, s:I, s:b, s:s}",
	    "account", ai->name, "msisdn", ai->msisdn, "iccid", ai->iccid,
	    "locked", locked, "lockedUntil", until,
	    "failures", (json_int_t)ai->failures, "password", ai->has_password,
	    "created", out_time(ai->created, t));
}

static const struct out_col account_cols[] = {
	{ "account", "ACCOUNT" }, { "msisdn", "MSISDN" }, { "iccid", "ICCID" },
	{ "locked", "LOCKED" }, { "lockedUntil", "LOCKED UNTIL" },
	{ "failures", "FAILURES" }, { "password", "PASSWORD" },
	{ "created", "CREATED" },
};
#define NACCOUNT_COLS (sizeof(account_cols) / sizeof(account_cols[0]))

/* Validate an account name operand (server/json.c's rule). */
static int
check_name(struct admin *a, const char *name)
{
	if (!account_name_valid(name))
		return admin_err(a, EX_INVALID, "invalid account name '%s': "
		    "1-64 of A-Z a-z 0-9 . _ - @, not starting with . or -",
		    name);
	return EX_OK_;
}

static int
check_msisdn(struct admin *a, const char *in, char out[17])
{
	const char *why;

	if (msisdn_normalize(in, out, &why) != STK_OK)
		return admin_err(a, EX_INVALID, "invalid MSISDN '%s': %s", in,
		    why);
	return EX_OK_;
}

/*
 * The common start of a command whose only operand is ACCOUNT and whose
 * only option is --help: parse, validate, open the store.  Returns -1 to
 * go on (*st set), else the exit code to return.
 */
static int
one_account(struct admin *a, int argc, char **argv,
    const struct admin_cmd *cmd, struct store **st)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	int code = EX_OK_;

	if (admin_getopt(argc, argv, opts, cmd, &code) != -1)
		return code;
	if (argc - optind != 1)
		return admin_usage(a, cmd, "expected one ACCOUNT");
	if ((code = check_name(a, argv[optind])) != EX_OK_)
		return code;
	if ((*st = admin_store(a)) == NULL)
		return EX_FAIL;
	return -1;
}

/* The message for a failed lookup of account name. */
static int
account_err(struct admin *a, const char *name, int rc)
{
	return admin_err(a, admin_exit_code(rc), "account %s: %s", name,
	    rc == STK_E_NOT_FOUND ? "no such account" : stk_strerror(rc));
}

/* Bind inside an open transaction (admin.h; enroll --msisdn uses it). */
int
admin_bind_locked(struct admin *a, struct store *st, const char *name,
    const char *msisdn)
{
	struct store_account_info ai;
	struct store_account other;
	int rc;

	if ((rc = store_account_info_get(st, name, &ai)) != STK_OK)
		return account_err(a, name, rc);
	if (ai.msisdn[0] != '\0')
		return admin_err(a, EX_CONFLICT, "account %s is bound to %s "
		    "already (one MSISDN per account; unbind it first)", name,
		    ai.msisdn);
	rc = store_account_get(st, NULL, msisdn, &other);
	OPENSSL_cleanse(other.kauth, sizeof(other.kauth));
	if (rc == STK_OK)
		return admin_err(a, EX_CONFLICT, "MSISDN %s is bound to account "
		    "%s already", msisdn, other.name);
	if (rc != STK_E_NOT_FOUND ||
	    (rc = store_binding_add(st, name, msisdn, admin_now_ms())) !=
	    STK_OK)
		return admin_err(a, admin_exit_code(rc), "bind %s %s: %s", name,
		    msisdn, stk_strerror(rc));
	return EX_OK_;
}

/* Read, hash and store a password for name (inside a transaction). */
static int
set_password(struct admin *a, struct store *st, const char *name,
    bool from_stdin)
{
	char pw[PASSWORD_MAX_LEN + 2], enc[PASSWORD_ENCODED_MAX];
	const char *why;
	size_t len = 0;
	int rc, code = EX_OK_;

	if ((rc = pwread(from_stdin, pw, sizeof(pw), &len, &why)) != STK_OK) {
		code = admin_err(a, rc == STK_E_IO ? EX_FAIL : EX_INVALID,
		    "password: %s", why);
		goto out;
	}
	if ((rc = password_hash(pw, len, NULL, enc, sizeof(enc))) != STK_OK ||
	    (rc = store_account_password_set(st, name, enc)) != STK_OK)
		code = admin_err(a, admin_exit_code(rc), "password of %s: %s",
		    name, stk_strerror(rc));
 out:
	OPENSSL_cleanse(pw, sizeof(pw));
	OPENSSL_cleanse(enc, sizeof(enc));
	return code;
}

/* ---- user add -------------------------------------------------------- */

static const struct admin_cmd c_add = { "user add", NULL, "create an account",
	"usage: stkauth-admin user add ACCOUNT [--msisdn M] [--password "
	"[--stdin]]\n\n"
	"Create ACCOUNT (1-64 of A-Z a-z 0-9 . _ - @).\n"
	"  --msisdn M   bind it to MSISDN M at once (E.164: +CC..., 00CC...;\n"
	"               spaces and - . ( ) are ignored)\n"
	"  --password   give it a password, typed twice without echo\n"
	"  --stdin      read the password as one line from stdin instead\n" };

static int
user_add(struct admin *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "msisdn", required_argument, NULL, 'm' },
		{ "password", no_argument, NULL, 'p' },
		{ "stdin", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	const char *msisdn_in = NULL;
	bool pw = false, from_stdin = false;
	char msisdn[17] = "";
	struct store *st;
	int ch, code = EX_OK_, rc;

	while ((ch = admin_getopt(argc, argv, opts, &c_add, &code)) != -1) {
		if (ch == 'h' || ch == '?')
			return code;
		if (ch == 'm')
			msisdn_in = optarg;
		else if (ch == 'p')
			pw = true;
		else if (ch == 's')
			from_stdin = true;
	}
	if (argc - optind != 1)
		return admin_usage(a, &c_add, "expected one ACCOUNT");
	if (from_stdin && !pw)
		return admin_usage(a, &c_add, "--stdin goes with --password");
	if ((code = check_name(a, argv[optind])) != EX_OK_ ||
	    (msisdn_in && (code = check_msisdn(a, msisdn_in, msisdn)) !=
	    EX_OK_))
		return code;
	if ((st = admin_store(a)) == NULL)
		return EX_FAIL;
	if ((rc = store_begin(st)) != STK_OK)
		return admin_err(a, EX_FAIL, "database busy or failing: %s",
		    stk_strerror(rc));
	rc = store_account_add(st, argv[optind], admin_now_ms(), NULL);
	if (rc != STK_OK) {
		code = admin_err(a, admin_exit_code(rc), "account %s: %s",
		    argv[optind], rc == STK_E_DUPLICATE ? "exists already" :
		    stk_strerror(rc));
		goto out;
	}
	if ((msisdn[0] && (code = admin_bind_locked(a, st, argv[optind],
	    msisdn)) != EX_OK_) ||
	    (pw && (code = set_password(a, st, argv[optind], from_stdin)) !=
	    EX_OK_))
		goto out;
	if ((rc = store_commit(st)) != STK_OK) {
		code = admin_err(a, EX_FAIL, "commit: %s", stk_strerror(rc));
		goto out;
	}
	out_done(a, json_pack("{s:s, s:s}", "account", argv[optind], "msisdn",
	    msisdn), "account %s added%s%s%s", argv[optind],
	    msisdn[0] ? ", bound to " : "", msisdn, pw ? ", with a password" :
	    "");
 out:
	if (code != EX_OK_)
		store_rollback(st);
	return code;
}

/* ---- user del -------------------------------------------------------- */

static const struct admin_cmd c_del = { "user del", NULL, "delete an account",
	"usage: stkauth-admin user del ACCOUNT\n\n"
	"Delete ACCOUNT with its binding, card and password.  Its past\n"
	"sessions and audit entries stay (they keep the name).  A card with a\n"
	"certificate should be revoked first (stkauth-admin revoke).\n" };

static int
user_del(struct admin *a, int argc, char **argv)
{
	struct store *st = NULL;
	int code, rc;

	if ((code = one_account(a, argc, argv, &c_del, &st)) != -1)
		return code;
	if ((rc = store_account_delete(st, argv[optind])) != STK_OK)
		return account_err(a, argv[optind], rc);
	out_done(a, json_pack("{s:s}", "account", argv[optind]),
	    "account %s deleted", argv[optind]);
	return EX_OK_;
}

/* ---- user list / show ------------------------------------------------ */

static const struct admin_cmd c_list = { "user list", NULL, "list the accounts",
	"usage: stkauth-admin [--json] user list\n\n"
	"Every account with its MSISDN, card (ICCID), lock state, failure\n"
	"count and whether it has a password, in name order.\n" };

struct list_ctx {
	json_t *rows;
	int64_t now;
};

static int
list_one(void *arg, const struct store_account_info *ai)
{
	struct list_ctx *x = arg;

	return json_array_append_new(x->rows, account_json(ai, x->now)) == 0 ?
	    0 : STK_E_NOMEM;
}

static int
user_list(struct admin *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	struct list_ctx x = { json_array(), admin_now_ms() };
	struct store *st;
	int ch, code = EX_OK_, rc;

	while ((ch = admin_getopt(argc, argv, opts, &c_list, &code)) != -1)
		goto out;
	if (argc - optind != 0) {
		code = admin_usage(a, &c_list, "no operands expected");
		goto out;
	}
	if ((st = admin_store(a)) == NULL) {
		code = EX_FAIL;
		goto out;
	}
	if ((rc = store_account_list(st, list_one, &x)) != STK_OK) {
		code = admin_err(a, EX_FAIL, "list: %s", stk_strerror(rc));
		goto out;
	}
	out_rows(a, account_cols, NACCOUNT_COLS, x.rows);
 out:
	json_decref(x.rows);
	return code;
}

static const struct admin_cmd c_show = { "user show", NULL, "show one account",
	"usage: stkauth-admin [--json] user show ACCOUNT\n" };

static int
user_show(struct admin *a, int argc, char **argv)
{
	struct store_account_info ai;
	struct store *st = NULL;
	json_t *o;
	int code, rc;

	if ((code = one_account(a, argc, argv, &c_show, &st)) != -1)
		return code;
	if ((rc = store_account_info_get(st, argv[optind], &ai)) != STK_OK)
		return account_err(a, argv[optind], rc);
	o = account_json(&ai, admin_now_ms());
	out_object(a, account_cols, NACCOUNT_COLS, o);
	json_decref(o);
	return EX_OK_;
}

/* ---- user lock / unlock ---------------------------------------------- */

static const struct admin_cmd c_lock = { "user lock", NULL, "lock an account",
	"usage: stkauth-admin user lock ACCOUNT [--until TIME]\n\n"
	"Refuse logins of ACCOUNT (result ACCOUNT_LOCKED) until it is unlocked,\n"
	"or until TIME: 2026-12-31, 2026-12-31T18:00:00Z (UTC), or a duration\n"
	"from now: 30m, 2h, 7d.\n" };
static const struct admin_cmd c_unlock = { "user unlock", NULL,
	"unlock an account",
	"usage: stkauth-admin user unlock ACCOUNT\n\n"
	"Lift a lock (set by an administrator or by repeated failed logins)\n"
	"and reset the failure count.\n" };

/* "+2h" means from now for --until: accept the age syntax forwards. */
static int
parse_until(const char *s, int64_t now, int64_t *until)
{
	int64_t past;
	int rc;

	if ((rc = out_parse_time(s, now, &past)) != STK_OK)
		return rc;
	/* a duration came back as now - d: turn it into now + d */
	if (s[strlen(s) - 1] >= 'a' && s[strlen(s) - 1] <= 'z')
		past = now + (now - past);
	if (past <= now)
		return STK_E_INVALID;
	*until = past;
	return STK_OK;
}

static int
lock_common(struct admin *a, int argc, char **argv, bool lock)
{
	static const struct option opts[] = {
		{ "until", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	const struct admin_cmd *cmd = lock ? &c_lock : &c_unlock;
	int64_t until = lock ? INT64_MAX : 0, now = admin_now_ms();
	struct store *st;
	char t[32];
	int ch, code = EX_OK_, rc;

	while ((ch = admin_getopt(argc, argv, lock ? opts : opts + 1, cmd,
	    &code)) != -1) {
		if (ch == 'h' || ch == '?')
			return code;
		if (parse_until(optarg, now, &until) != STK_OK)
			return admin_err(a, EX_INVALID, "--until %s: expected a "
			    "future time (2026-12-31, 2026-12-31T18:00:00Z, 2h, "
			    "7d)", optarg);
	}
	if (argc - optind != 1)
		return admin_usage(a, cmd, "expected one ACCOUNT");
	if ((code = check_name(a, argv[optind])) != EX_OK_)
		return code;
	if ((st = admin_store(a)) == NULL)
		return EX_FAIL;
	if ((rc = store_account_lock(st, argv[optind], until)) != STK_OK)
		return account_err(a, argv[optind], rc);
	if (!lock)
		out_done(a, json_pack("{s:s}", "account", argv[optind]),
		    "account %s unlocked", argv[optind]);
	else
		out_done(a, json_pack("{s:s, s:s}", "account", argv[optind],
		    "lockedUntil", until == INT64_MAX ? "until unlocked" :
		    out_time(until, t)), "account %s locked %s%s", argv[optind],
		    until == INT64_MAX ? "until unlocked" : "until ",
		    until == INT64_MAX ? "" : out_time(until, t));
	return EX_OK_;
}

static int
user_lock(struct admin *a, int argc, char **argv)
{
	return lock_common(a, argc, argv, true);
}

static int
user_unlock(struct admin *a, int argc, char **argv)
{
	return lock_common(a, argc, argv, false);
}

/* ---- user passwd ----------------------------------------------------- */

static const struct admin_cmd c_passwd = { "user passwd", NULL,
	"set or remove a password",
	"usage: stkauth-admin user passwd ACCOUNT [--stdin | --clear]\n\n"
	"Set the password of ACCOUNT (scrypt, docs/ADMIN.md): typed twice on\n"
	"the terminal without echo, or one line from stdin with --stdin.  It\n"
	"is never taken from the command line.  --clear removes the password\n"
	"(the login page then asks for none).\n" };

static int
user_passwd(struct admin *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "stdin", no_argument, NULL, 's' },
		{ "clear", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	bool from_stdin = false, clear = false;
	struct store_account_info ai;
	struct store *st;
	int ch, code = EX_OK_, rc;

	while ((ch = admin_getopt(argc, argv, opts, &c_passwd, &code)) != -1) {
		if (ch == 'h' || ch == '?')
			return code;
		if (ch == 's')
			from_stdin = true;
		else
			clear = true;
	}
	if (argc - optind != 1)
		return admin_usage(a, &c_passwd, "expected one ACCOUNT");
	if (from_stdin && clear)
		return admin_usage(a, &c_passwd, "--stdin or --clear, not both");
	if ((code = check_name(a, argv[optind])) != EX_OK_)
		return code;
	if ((st = admin_store(a)) == NULL)
		return EX_FAIL;
	/* fail early, before asking for a password */
	if ((rc = store_account_info_get(st, argv[optind], &ai)) != STK_OK)
		return account_err(a, argv[optind], rc);
	if (clear) {
		if ((rc = store_account_password_set(st, argv[optind], NULL)) !=
		    STK_OK)
			return admin_err(a, admin_exit_code(rc), "account %s: %s",
			    argv[optind], stk_strerror(rc));
		out_done(a, json_pack("{s:s}", "account", argv[optind]),
		    "password of %s removed", argv[optind]);
		return EX_OK_;
	}
	if ((code = set_password(a, st, argv[optind], from_stdin)) != EX_OK_)
		return code;
	out_done(a, json_pack("{s:s}", "account", argv[optind]),
	    "password of %s set", argv[optind]);
	return EX_OK_;
}

/* ---- user ------------------------------------------------------------ */

static const struct admin_cmd user_cmds[] = {
	{ "add", user_add, "create an account", NULL },
	{ "del", user_del, "delete an account", NULL },
	{ "list", user_list, "list the accounts", NULL },
	{ "show", user_show, "show one account", NULL },
	{ "lock", user_lock, "lock an account", NULL },
	{ "unlock", user_unlock, "unlock an account", NULL },
	{ "passwd", user_passwd, "set or remove a password", NULL },
};

int
cmd_user(struct admin *a, int argc, char **argv)
{
	return admin_dispatch(a, "user", user_cmds,
	    sizeof(user_cmds) / sizeof(user_cmds[0]), argc, argv);
}

/* ---- bind / unbind --------------------------------------------------- */

static const struct admin_cmd c_bind = { "bind", NULL, NULL,
	"usage: stkauth-admin bind ACCOUNT MSISDN\n\n"
	"Bind ACCOUNT to MSISDN.  MSISDN in international form: \"+372 555\n"
	"00001\", \"0037255500001\" and \"+37255500001\" are the same number;\n"
	"spaces and - . ( ) are ignored.  An account has one MSISDN and an\n"
	"MSISDN one account: unbind first to move either.\n" };

int
cmd_bind(struct admin *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	char msisdn[17];
	struct store *st;
	int ch, code = EX_OK_, rc;

	while ((ch = admin_getopt(argc, argv, opts, &c_bind, &code)) != -1)
		return code;
	if (argc - optind != 2)
		return admin_usage(a, &c_bind, "expected ACCOUNT MSISDN");
	if ((code = check_name(a, argv[optind])) != EX_OK_ ||
	    (code = check_msisdn(a, argv[optind + 1], msisdn)) != EX_OK_)
		return code;
	if ((st = admin_store(a)) == NULL)
		return EX_FAIL;
	if ((rc = store_begin(st)) != STK_OK)
		return admin_err(a, EX_FAIL, "database busy or failing");
	if ((code = admin_bind_locked(a, st, argv[optind], msisdn)) != EX_OK_ ||
	    (rc = store_commit(st)) != STK_OK) {
		store_rollback(st);
		return code != EX_OK_ ? code : admin_err(a, EX_FAIL, "commit: "
		    "%s", stk_strerror(rc));
	}
	out_done(a, json_pack("{s:s, s:s}", "account", argv[optind], "msisdn",
	    msisdn), "account %s bound to %s", argv[optind], msisdn);
	return EX_OK_;
}

static const struct admin_cmd c_unbind = { "unbind", NULL, NULL,
	"usage: stkauth-admin unbind ACCOUNT\n\n"
	"Remove the MSISDN binding of ACCOUNT and the card enrolled for it\n"
	"(ICCID and K_auth in the server's database; with [bridge] keystore\n"
	"configured, the card's OTA keys in the bridge's key store too).  The\n"
	"certificate stays valid: use `stkauth-admin revoke` for a lost card.\n" };

int
cmd_unbind(struct admin *a, int argc, char **argv)
{
	char msisdn[17], iccid[21];
	struct store *st = NULL;
	int code, rc;

	if ((code = one_account(a, argc, argv, &c_unbind, &st)) != -1)
		return code;
	if ((rc = store_account_unbind(st, argv[optind], msisdn, iccid)) !=
	    STK_OK)
		return account_err(a, argv[optind], rc);
	if (msisdn[0] == '\0' && iccid[0] == '\0')
		return admin_err(a, EX_CONFLICT, "account %s is not bound",
		    argv[optind]);
	if (iccid[0] && (code = admin_keystore_forget(a, iccid)) != EX_OK_)
		return code;
	out_done(a, json_pack("{s:s, s:s, s:s}", "account", argv[optind],
	    "msisdn", msisdn, "iccid", iccid), "account %s unbound from %s%s%s",
	    argv[optind], msisdn[0] ? msisdn : "(no MSISDN)",
	    iccid[0] ? ", card " : "", iccid);
	return EX_OK_;
}
