/*
 * result.c - the result codes and session states, once (DESIGN.md §5).
 */
#include <string.h>

#include "err.h"
#include "server.h"

static const struct {
	const char *name;
	const char *text;
} results[SRV_RES_COUNT] = {
#define SRV_RES_ROW(sym, name, text) [sym] = { name, text },
	SRV_RESULT_TABLE(SRV_RES_ROW)
#undef SRV_RES_ROW
};

const char *
srv_result_name(int res)
{
	if (res < 0 || res >= SRV_RES_COUNT)
		return NULL;
	return results[res].name;
}

const char *
srv_result_text(int res)
{
	if (res < 0 || res >= SRV_RES_COUNT)
		return NULL;
	return results[res].text;
}

int
srv_result_from_name(const char *name, int *res)
{
	for (int i = 0; i < SRV_RES_COUNT; i++) {
		if (strcmp(results[i].name, name) == 0) {
			*res = i;
			return STK_OK;
		}
	}
	return STK_E_NOT_FOUND;
}

/*
 * Failed logins for the lockout: what a guessing or pushing attacker
 * produces (refusals by the user, bad passwords/signatures, bad
 * certificates, unanswered requests).  Delivery and SIM errors are the
 * network's or the card's, not the account's.
 */
bool
srv_result_counts_as_failure(int res)
{
	switch (res) {
	case SRV_RES_USER_REFUSED:
	case SRV_RES_TIMEOUT:
	case SRV_RES_SIGNATURE_INVALID:
	case SRV_RES_CERT_INVALID:
		return true;
	default:
		return false;
	}
}

static const char *const state_names[] = {
	[SRV_ST_RUNNING] = "RUNNING",
	[SRV_ST_VERIFYING] = "VERIFYING",
	[SRV_ST_COMPLETE] = "COMPLETE",
};

const char *
srv_state_name(int st)
{
	if (st < 0 || st > SRV_ST_COMPLETE)
		return NULL;
	return state_names[st];
}

int
srv_state_from_name(const char *name, int *st)
{
	for (int i = 0; i <= SRV_ST_COMPLETE; i++) {
		if (strcmp(state_names[i], name) == 0) {
			*st = i;
			return STK_OK;
		}
	}
	return STK_E_NOT_FOUND;
}

/*
 *   RUNNING   --RESULT-->           VERIFYING
 *   RUNNING   --EXPIRED-->          COMPLETE (TIMEOUT)
 *   RUNNING   --DELIVERY_FAILED-->  COMPLETE (DELIVERY_ERROR / SIM_ERROR)
 *   VERIFYING --VERIFIED-->         COMPLETE (any result)
 *   VERIFYING --EXPIRED-->          COMPLETE (INTERNAL_ERROR: a verifier
 *                                   died; only after a grace period)
 * COMPLETE is terminal: a second result can never complete a session twice.
 */
int
session_next(int st, int ev)
{
	switch (st) {
	case SRV_ST_RUNNING:
		if (ev == SRV_EV_RESULT)
			return SRV_ST_VERIFYING;
		if (ev == SRV_EV_EXPIRED || ev == SRV_EV_DELIVERY_FAILED)
			return SRV_ST_COMPLETE;
		return STK_E_STATE;
	case SRV_ST_VERIFYING:
		if (ev == SRV_EV_VERIFIED || ev == SRV_EV_EXPIRED)
			return SRV_ST_COMPLETE;
		return STK_E_STATE;
	default:
		return STK_E_STATE;
	}
}
