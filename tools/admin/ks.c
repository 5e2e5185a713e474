/*
 * ks.c - the bridge's OTA key store (smsc-bridge/keystore.h,
 * docs/KEYSTORE.md), linked rather than reimplemented: enroll registers a
 * card there, unbind / revoke / user del remove it.  The file is the
 * bridge's (SQLite, WAL, 0600); it may be in use by a running bridge.
 */
#include <stdio.h>

#include "admin.h"
#include "err.h"
#include "keystore.h"

struct keystore *
admin_keystore(struct admin *a, bool required)
{
	char err[256];

	if (a->ks)
		return a->ks;
	if (a->cfg->keystore[0] == '\0') {
		if (required)
			admin_err(a, EX_USAGE_, "no key store: set [bridge] "
			    "keystore in the configuration or --keystore");
		return NULL;
	}
	if (keystore_open(a->cfg->keystore, &a->ks, err, sizeof(err)) !=
	    STK_OK) {
		admin_err(a, EX_FAIL, "key store: %s", err);
		a->ks = NULL;
	}
	return a->ks;
}

int
admin_keystore_forget(struct admin *a, const char *iccid)
{
	struct keystore *ks;
	int rc;

	if (a->cfg->keystore[0] == '\0')
		return EX_OK_;
	if ((ks = admin_keystore(a, true)) == NULL)
		return EX_FAIL;
	rc = keystore_card_delete(ks, iccid);
	if (rc != STK_OK && rc != STK_E_NOT_FOUND)
		return admin_err(a, EX_FAIL, "key store: card %s: %s", iccid,
		    stk_strerror(rc));
	return EX_OK_;
}
