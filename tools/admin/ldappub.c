/*
 * ldappub.c - writing to the certificate directory (libldap), as the
 * layout of docs/LDAP.md wants it:
 *
 *   uid=ACCOUNT,PEOPLE   inetOrgPerson + pkiUser (RFC 2798, RFC 4523 §4.1):
 *                        uid, cn, sn, mobile (E.164 with "+"),
 *                        userCertificate;binary (RFC 4523 §2.1)
 *   CA entry ([ldap] ca_dn)  certificateRevocationList;binary (§2.3)
 *
 * The server reads these (server/ldapdir.c: filter on objectClass, uid and
 * mobile).  enroll creates the user entry when it is missing, otherwise
 * replaces its certificate and mobile; what was there before is kept so
 * that a failed enrolment can put it back (ldappub_user_undo).  The bind
 * is a simple bind with the DN and the password file of [ldap] (0600);
 * every operation is bounded by a network and an operation timeout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <ldap.h>
#include <openssl/crypto.h>

#include "admin.h"
#include "err.h"

#define LDAPPUB_TIMEOUT_S	10
#define LDAPPUB_PASSWORD_MAX	256

#define ATTR_CERT	"userCertificate;binary"
#define ATTR_CRL	"certificateRevocationList;binary"

struct ldappub {
	LDAP *ld;
};

/* The user's entry as it was before enroll touched it. */
struct ldappub_undo {
	char dn[512];
	bool created;		/* enroll added it: undo deletes it */
	struct berval **certs;	/* old userCertificate;binary values */
	struct berval **mobile;	/* old mobile values */
};

static int
ld_fail(char *err, size_t errsz, const char *what, int lrc)
{
	snprintf(err, errsz, "LDAP %s: %s", what, ldap_err2string(lrc));
	return lrc == LDAP_NO_SUCH_OBJECT ? STK_E_NOT_FOUND :
	    lrc == LDAP_ALREADY_EXISTS ? STK_E_DUPLICATE :
	    lrc == LDAP_INVALID_CREDENTIALS ? STK_E_VERIFY : STK_E_IO;
}

int
ldappub_open(const char *uri, const char *bind_dn, const char *pwfile,
    struct ldappub **out, char *err, size_t errsz)
{
	struct timeval tv = { LDAPPUB_TIMEOUT_S, 0 };
	char pw[LDAPPUB_PASSWORD_MAX];
	struct berval cred = { 0, NULL };
	struct ldappub *lp;
	const char *why;
	size_t pwlen = 0;
	int v3 = LDAP_VERSION3, lrc, rc;

	*out = NULL;
	if (uri[0] == '\0') {
		snprintf(err, errsz, "no directory: set [ldap] uri");
		return STK_E_ARG;
	}
	if (pwfile[0] != '\0') {
		if ((rc = secret_file_line(pwfile, pw, sizeof(pw), &pwlen,
		    &why)) != STK_OK) {
			snprintf(err, errsz, "[ldap] password_file %s: %s",
			    pwfile, why);
			return rc == STK_E_NOT_FOUND ? STK_E_IO : rc;
		}
		cred.bv_val = pw;
		cred.bv_len = pwlen;
	}
	if ((lp = calloc(1, sizeof(*lp))) == NULL) {
		OPENSSL_cleanse(pw, sizeof(pw));
		return STK_E_NOMEM;
	}
	if ((lrc = ldap_initialize(&lp->ld, uri)) != LDAP_SUCCESS) {
		rc = ld_fail(err, errsz, uri, lrc);
		goto fail;
	}
	ldap_set_option(lp->ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	ldap_set_option(lp->ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
	ldap_set_option(lp->ld, LDAP_OPT_TIMEOUT, &tv);
	ldap_set_option(lp->ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
	lrc = ldap_sasl_bind_s(lp->ld, bind_dn[0] ? bind_dn : NULL,
	    LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
	if (lrc != LDAP_SUCCESS) {
		rc = ld_fail(err, errsz, "bind", lrc);
		goto fail;
	}
	OPENSSL_cleanse(pw, sizeof(pw));
	*out = lp;
	return STK_OK;
 fail:
	OPENSSL_cleanse(pw, sizeof(pw));
	ldappub_close(lp);
	return rc;
}

void
ldappub_close(struct ldappub *lp)
{
	if (lp == NULL)
		return;
	if (lp->ld != NULL)
		ldap_unbind_ext_s(lp->ld, NULL, NULL);
	free(lp);
}

void
ldappub_undo_free(struct ldappub_undo *u)
{
	if (u == NULL)
		return;
	ber_bvecfree(u->certs);
	ber_bvecfree(u->mobile);
	free(u);
}

/* Read the entry dn (base search): does it exist, its old values, and
 * whether it is a pkiUser already. */
static int
read_entry(struct ldappub *lp, struct ldappub_undo *u, bool *exists,
    bool *pki, char *err, size_t errsz)
{
	char *attrs[] = { ATTR_CERT, "mobile", "objectClass", NULL };
	struct timeval tv = { LDAPPUB_TIMEOUT_S, 0 };
	LDAPMessage *res = NULL, *e;
	struct berval **oc;
	int lrc;

	*exists = *pki = false;
	lrc = ldap_search_ext_s(lp->ld, u->dn, LDAP_SCOPE_BASE,
	    "(objectClass=*)", attrs, 0, NULL, NULL, &tv, 2, &res);
	if (lrc == LDAP_NO_SUCH_OBJECT) {
		ldap_msgfree(res);
		return STK_OK;
	}
	if (lrc != LDAP_SUCCESS) {
		ldap_msgfree(res);
		return ld_fail(err, errsz, u->dn, lrc);
	}
	if ((e = ldap_first_entry(lp->ld, res)) != NULL) {
		*exists = true;
		u->certs = ldap_get_values_len(lp->ld, e, ATTR_CERT);
		if (u->certs == NULL)	/* returned without the option */
			u->certs = ldap_get_values_len(lp->ld, e,
			    "userCertificate");
		u->mobile = ldap_get_values_len(lp->ld, e, "mobile");
		if ((oc = ldap_get_values_len(lp->ld, e, "objectClass")) !=
		    NULL) {
			for (size_t i = 0; oc[i] != NULL; i++)
				if (oc[i]->bv_len == 7 && strncasecmp(
				    oc[i]->bv_val, "pkiUser", 7) == 0)
					*pki = true;
			ber_bvecfree(oc);
		}
	}
	ldap_msgfree(res);
	return STK_OK;
}

int
ldappub_user_publish(struct ldappub *lp, const char *people_dn,
    const char *account, const char *msisdn, const uint8_t *der,
    size_t len, struct ldappub_undo **undo, char *err, size_t errsz)
{
	struct berval cert = { len, (char *)der };
	struct berval *certv[] = { &cert, NULL };
	char *ocv[] = { "inetOrgPerson", "pkiUser", NULL };
	char *pkiv[] = { "pkiUser", NULL };
	char *uidv[] = { (char *)account, NULL };
	char *mobv[] = { (char *)msisdn, NULL };
	LDAPMod m_oc = { LDAP_MOD_ADD, "objectClass", { .modv_strvals = ocv } };
	LDAPMod m_uid = { LDAP_MOD_ADD, "uid", { .modv_strvals = uidv } };
	LDAPMod m_cn = { LDAP_MOD_ADD, "cn", { .modv_strvals = uidv } };
	LDAPMod m_sn = { LDAP_MOD_ADD, "sn", { .modv_strvals = uidv } };
	LDAPMod m_mob = { LDAP_MOD_ADD, "mobile", { .modv_strvals = mobv } };
	LDAPMod m_cert = { LDAP_MOD_ADD | LDAP_MOD_BVALUES, ATTR_CERT,
	    { .modv_bvals = certv } };
	LDAPMod m_pki = { LDAP_MOD_ADD, "objectClass",
	    { .modv_strvals = pkiv } };
	LDAPMod *add[] = { &m_oc, &m_uid, &m_cn, &m_sn, &m_mob, &m_cert, NULL };
	LDAPMod *mod[4];
	struct ldappub_undo *u;
	bool exists, pki;
	size_t nm = 0;
	int lrc, rc;

	*undo = NULL;
	if ((u = calloc(1, sizeof(*u))) == NULL)
		return STK_E_NOMEM;
	/* account names are [A-Za-z0-9._@-]: nothing to escape in a DN
	 * (RFC 4514 §2.4), checked by the caller (account_name_valid) */
	if ((size_t)snprintf(u->dn, sizeof(u->dn), "uid=%s,%s", account,
	    people_dn) >= sizeof(u->dn)) {
		free(u);
		return STK_E_TOO_LONG;
	}
	if ((rc = read_entry(lp, u, &exists, &pki, err, errsz)) != STK_OK)
		goto fail;
	if (!exists) {
		lrc = ldap_add_ext_s(lp->ld, u->dn, add, NULL, NULL);
		if (lrc != LDAP_SUCCESS) {
			rc = ld_fail(err, errsz, "add", lrc);
			goto fail;
		}
		u->created = true;
		*undo = u;
		return STK_OK;
	}
	m_cert.mod_op = LDAP_MOD_REPLACE | LDAP_MOD_BVALUES;
	m_mob.mod_op = LDAP_MOD_REPLACE;
	if (!pki)
		mod[nm++] = &m_pki;
	mod[nm++] = &m_cert;
	mod[nm++] = &m_mob;
	mod[nm] = NULL;
	if ((lrc = ldap_modify_ext_s(lp->ld, u->dn, mod, NULL, NULL)) !=
	    LDAP_SUCCESS) {
		rc = ld_fail(err, errsz, "modify", lrc);
		goto fail;
	}
	*undo = u;
	return STK_OK;
 fail:
	ldappub_undo_free(u);
	return rc;
}

int
ldappub_user_undo(struct ldappub *lp, const struct ldappub_undo *u,
    char *err, size_t errsz)
{
	LDAPMod m_cert = { LDAP_MOD_REPLACE | LDAP_MOD_BVALUES, ATTR_CERT,
	    { .modv_bvals = u->certs } };
	LDAPMod m_mob = { LDAP_MOD_REPLACE | LDAP_MOD_BVALUES, "mobile",
	    { .modv_bvals = u->mobile } };
	LDAPMod *mod[] = { &m_cert, &m_mob, NULL };
	int lrc;

	/* REPLACE without values deletes the attribute (RFC 4511 §4.6). */
	if (u->created)
		lrc = ldap_delete_ext_s(lp->ld, u->dn, NULL, NULL);
	else
		lrc = ldap_modify_ext_s(lp->ld, u->dn, mod, NULL, NULL);
	if (lrc != LDAP_SUCCESS)
		return ld_fail(err, errsz, u->created ? "delete" : "modify",
		    lrc);
	return STK_OK;
}

const char *
ldappub_undo_dn(const struct ldappub_undo *u)
{
	return u->dn;
}

int
ldappub_crl_publish(struct ldappub *lp, const char *ca_dn,
    const uint8_t *der, size_t len, char *err, size_t errsz)
{
	struct berval crl = { len, (char *)der };
	struct berval *crlv[] = { &crl, NULL };
	LDAPMod m = { LDAP_MOD_REPLACE | LDAP_MOD_BVALUES, ATTR_CRL,
	    { .modv_bvals = crlv } };
	LDAPMod *mod[] = { &m, NULL };
	int lrc;

	if ((lrc = ldap_modify_ext_s(lp->ld, ca_dn, mod, NULL, NULL)) !=
	    LDAP_SUCCESS)
		return ld_fail(err, errsz, ca_dn, lrc);
	return STK_OK;
}
