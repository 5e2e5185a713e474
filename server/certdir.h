/*
 * certdir.h - the user's certificate, found and validated: ldapdir (the
 * directory) + certcheck (the validation) in one blocking call, with the
 * contract of the server's certificate sources (server.h struct
 * cert_source: fetch).  For worker threads (docs/LDAP.md).
 */
#ifndef STKAUTH_SERVER_CERTDIR_H
#define STKAUTH_SERVER_CERTDIR_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "certcheck.h"
#include "ldapdir.h"

/*
 * Look account (and msisdn, when not NULL or "") up in d and validate
 * what is found with cc at time at (0: now).
 *   STK_OK           *cert set (the caller frees it), *reason CERTCHECK_OK;
 *   STK_E_NOT_FOUND  no entry, or an entry without a certificate:
 *                    *reason CERTCHECK_NO_CERTIFICATE (result CERT_INVALID);
 *   STK_E_VERIFY     certificates found, none valid: *reason says why
 *                    (result CERT_INVALID);
 *   STK_E_IO         directory unavailable, or an ambiguous directory
 *                    (two entries): result INTERNAL_ERROR;
 *   STK_E_ARG, STK_E_NOMEM, STK_E_CRYPTO.
 * detail (may be NULL) always gets one line for the audit log, starting
 * with the reason name when a certificate was refused.
 */
int certdir_fetch(struct ldapdir *d, const struct certcheck *cc,
    const char *account, const char *msisdn, int64_t at, X509 **cert,
    int *reason, char *detail, size_t detailsz);

#endif
