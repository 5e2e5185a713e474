/*
 * certdir.c - find and validate a user's certificate (certdir.h).
 */
#include <stdio.h>
#include <string.h>

#include "certdir.h"
#include "err.h"

int
certdir_fetch(struct ldapdir *d, const struct certcheck *cc,
    const char *account, const char *msisdn, int64_t at, X509 **cert,
    int *reason, char *detail, size_t detailsz)
{
	struct certcheck_der certs[LDAPCACHE_MAX_VALUES];
	struct certcheck_der crls[LDAPCACHE_MAX_VALUES];
	struct certcheck_result cr;
	struct ldapdir_result lr;
	char dummy[1];
	size_t i;
	int rv;

	if (detail == NULL || detailsz == 0) {
		detail = dummy;
		detailsz = sizeof(dummy);
	}
	detail[0] = '\0';
	memset(&cr, 0, sizeof(cr));
	certcheck_result_clear(&cr);
	if (cert == NULL || reason == NULL || d == NULL || cc == NULL)
		return STK_E_ARG;
	*cert = NULL;
	*reason = CERTCHECK_NO_CERTIFICATE;

	switch ((rv = ldapdir_lookup_sync(d, account, msisdn, &lr))) {
	case STK_OK:
		break;
	case STK_E_NOT_FOUND:
		snprintf(detail, detailsz, "%s: %s",
		    certcheck_reason_name(CERTCHECK_NO_CERTIFICATE), lr.detail);
		goto out;
	case STK_E_DUPLICATE:
		snprintf(detail, detailsz, "ambiguous directory: %s",
		    lr.detail);
		rv = STK_E_IO;
		goto out;
	default:
		snprintf(detail, detailsz, "directory: %s", lr.detail);
		goto out;
	}
	for (i = 0; i < lr.certs.n; i++)
		certs[i] = (struct certcheck_der){ lr.certs.der[i],
		    lr.certs.len[i] };
	for (i = 0; i < lr.crls.n; i++)
		crls[i] = (struct certcheck_der){ lr.crls.der[i],
		    lr.crls.len[i] };
	rv = certcheck_verify(cc, certs, lr.certs.n, crls, lr.crls.n, account,
	    msisdn, at, &cr);
	*reason = cr.reason;
	if (rv == STK_OK) {
		*cert = cr.cert;
		cr.cert = NULL;
	} else if (rv == STK_E_VERIFY && lr.certs.n == 0) {
		rv = STK_E_NOT_FOUND;
	}
	snprintf(detail, detailsz, "%s (%s)", cr.detail, lr.detail);
out:
	certcheck_result_clear(&cr);
	ldapdir_result_clear(&lr);
	return rv;
}
