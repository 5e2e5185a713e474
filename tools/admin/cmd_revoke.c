/*
 * cmd_revoke.c - `stkauth-admin revoke ACCOUNT`: end an enrolment (a lost
 * or replaced SIM, a person who left; docs/ADMIN.md "Revocation").
 *
 *   1. every valid certificate the CA database holds for the account
 *      (subject UID=ACCOUNT) is marked revoked (RFC 5280 §5.3.1 reason);
 *   2. a new CRL is issued (ca.c): DIR/crl.pem and crl.der, which the
 *      server may read as [certs] crl, and published as
 *      certificateRevocationList;binary of [ldap] ca_dn when [ldap] uri
 *      is set (the server's LDAP source reads it there, docs/LDAP.md);
 *   3. the account's MSISDN binding and card leave the server's database,
 *      the card the bridge's key store.
 *
 * In this order, so that a failure leaves the strongest state reached
 * and the same command run again finishes the work: with nothing valid
 * left to revoke it still issues and publishes the CRL and unbinds.
 * Only an account with neither a valid certificate nor a binding is
 * "revoked already" (exit 5).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "admin.h"
#include "err.h"
#include "server.h"
#include "store.h"

#define REVOKE_MAX 32		/* valid certificates of one account */

static const struct admin_cmd c_revoke = { "revoke", NULL, NULL,
	"usage: stkauth-admin revoke ACCOUNT [--reason R]\n\n"
	"Revoke every valid certificate of ACCOUNT in the CA database ([ca]\n"
	"dir), issue a new CRL (DIR/crl.pem and DIR/crl.der, valid [ca]\n"
	"crl_days) and publish it as certificateRevocationList;binary of\n"
	"[ldap] ca_dn (when [ldap] uri is set), then remove the account's\n"
	"MSISDN binding and card from the server's database and the card from\n"
	"the bridge's key store ([bridge] keystore).  After a failure, run it\n"
	"again: it finishes the work.\n\n"
	"  --reason R   unspecified (default), keyCompromise, affiliationChanged,\n"
	"               superseded or cessationOfOperation (RFC 5280 §5.3.1)\n\n"
	"Exit status: 0 ok, 1 CA/LDAP/database failure, 2 usage, 3 invalid\n"
	"name, 4 unknown account, 5 nothing left to revoke.\n" };

int
cmd_revoke(struct admin *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static char serials[REVOKE_MAX][CA_SERIAL_MAX];
	const struct admin_config *cfg = a->cfg;
	const char *reason = "unspecified", *account;
	struct store_account_info ai;
	struct ldappub *lp = NULL;
	struct store *st;
	struct ca *ca = NULL;
	char err[512], msisdn[17] = "", iccid[21] = "", crlpath[300];
	uint8_t *der = NULL;
	size_t n = 0, derlen = 0;
	json_t *revoked = NULL;
	bool published = false;
	int ch, code = EX_OK_, rc;

	while ((ch = admin_getopt(argc, argv, opts, &c_revoke, &code)) != -1) {
		if (ch != 'r')
			return code;
		reason = optarg;
	}
	if (argc - optind != 1)
		return admin_usage(a, &c_revoke, "expected one ACCOUNT");
	account = argv[optind];
	if (!ca_reason_valid(reason))
		return admin_usage(a, &c_revoke, "unknown --reason %s", reason);
	if (!account_name_valid(account))
		return admin_err(a, EX_INVALID, "invalid account name '%s'",
		    account);
	if ((st = admin_store(a)) == NULL)
		return EX_FAIL;
	if ((rc = store_account_info_get(st, account, &ai)) != STK_OK)
		return admin_err(a, admin_exit_code(rc), "account %s: %s",
		    account, rc == STK_E_NOT_FOUND ? "no such account" :
		    stk_strerror(rc));
	if ((rc = ca_open(cfg->ca_dir, &ca, err, sizeof(err))) != STK_OK)
		return admin_err(a, rc == STK_E_ARG ? EX_USAGE_ : EX_FAIL,
		    "CA: %s", err);
	if ((rc = ca_valid_serials(ca, account, serials, REVOKE_MAX, &n)) !=
	    STK_OK) {
		code = admin_err(a, EX_FAIL, "more than %d valid certificates "
		    "for %s", REVOKE_MAX, account);
		goto out;
	}
	if (n == 0 && ai.msisdn[0] == '\0' && ai.iccid[0] == '\0') {
		code = admin_err(a, EX_CONFLICT, "account %s: nothing to revoke "
		    "(no valid certificate, not bound)", account);
		goto out;
	}
	/* 1. the CA database */
	revoked = json_array();
	for (size_t i = 0; i < n; i++) {
		if ((rc = ca_revoke(ca, serials[i], reason, err, sizeof(err))) !=
		    STK_OK) {
			code = admin_err(a, EX_FAIL, "CA: %s", err);
			goto out;
		}
		json_array_append_new(revoked, json_string(serials[i]));
	}
	/* 2. the CRL: files, then the directory */
	if ((rc = ca_crl(ca, cfg->crl_days, &der, &derlen, err, sizeof(err))) !=
	    STK_OK) {
		code = admin_err(a, EX_FAIL, "CRL: %s", err);
		goto out;
	}
	snprintf(crlpath, sizeof(crlpath), "%s/crl.pem", cfg->ca_dir);
	if (cfg->ldap_uri[0] != '\0') {
		if ((rc = ldappub_open(cfg->ldap_uri, cfg->ldap_bind_dn,
		    cfg->ldap_password_file, &lp, err, sizeof(err))) != STK_OK ||
		    (rc = ldappub_crl_publish(lp, cfg->ldap_ca_dn, der, derlen,
		    err, sizeof(err))) != STK_OK) {
			code = admin_err(a, EX_FAIL, "%s; the CRL is in %s but "
			    "not in the directory, and %s is still bound: run "
			    "revoke again", err, crlpath, account);
			goto out;
		}
		published = true;
	}
	/* 3. the binding, the card, the key store */
	if ((rc = store_account_unbind(st, account, msisdn, iccid)) != STK_OK) {
		code = admin_err(a, EX_FAIL, "database: %s (certificates are "
		    "revoked; run revoke again to unbind)", stk_strerror(rc));
		goto out;
	}
	if (iccid[0] && (code = admin_keystore_forget(a, iccid)) != EX_OK_)
		goto out;
	out_done(a, json_pack("{s:s, s:O, s:s, s:s, s:s, s:s, s:b}",
	    "account", account, "revoked", revoked, "reason", reason,
	    "msisdn", msisdn, "iccid", iccid, "crl", crlpath,
	    "crlPublished", published),
	    "account %s: %zu certificate%s revoked (%s), CRL %s%s; %s%s%s%s",
	    account, n, n == 1 ? "" : "s", reason, crlpath,
	    published ? " published in LDAP" : "",
	    msisdn[0] || iccid[0] ? "unbound from " : "was not bound",
	    msisdn, iccid[0] ? ", card " : "", iccid);
 out:
	json_decref(revoked);
	OPENSSL_free(der);
	ldappub_close(lp);
	ca_close(ca);
	return code;
}
