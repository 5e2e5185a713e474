/*
 * test_server_admin.c - the lists of the administration store
 * (server/store_admin.c): accounts, relying parties and bridges,
 * sessions, the audit trail and the conflicts of a bulk import - their
 * order, filters and limits, the row each callback sees, and a callback
 * that stops the walk.  Each test works on store_fixture.h's fresh store
 * (the account alice).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "err.h"
#include "server.h"
#include "store.h"
#include "store_fixture.h"

/*
 * What the callbacks saw: the names (or ids, lines) in the order given,
 * joined with ','; stop_after > 0 makes the callback return STOP_RC on
 * that call.
 */
struct seen {
	char list[512];
	int calls;
	int stop_after;
};

#define STOP_RC	42

static int
seen_add(struct seen *w, const char *name)
{
	size_t n = strlen(w->list);

	snprintf(w->list + n, sizeof(w->list) - n, "%s%s", n ? "," : "",
	    name);
	return ++w->calls == w->stop_after ? STOP_RC : 0;
}

static int
setup(void **state)
{
	*state = store_fx_open(sizeof(struct store_fx), "admin");
	return 0;
}

static int
on_account(void *arg, const struct store_account_info *a)
{
	char row[256];

	snprintf(row, sizeof(row), "%s/%s/%s/%d", a->name, a->msisdn,
	    a->iccid, a->has_password);
	return seen_add(arg, row);
}

static void
test_accounts(void **state)
{
	struct store_fx *f = *state;
	static const uint8_t k[32];
	struct seen w = { .stop_after = 0 };

	assert_int_equal(store_account_add(f->st, "carol", 3, NULL), STK_OK);
	assert_int_equal(store_account_add(f->st, "bob", 2, NULL), STK_OK);
	assert_int_equal(store_binding_add(f->st, "bob", "+37255500002", 2),
	    STK_OK);
	assert_int_equal(store_card_enrol(f->st, "bob", "8944100000000123464",
	    k, sizeof(k), 2), STK_OK);
	assert_int_equal(store_account_password_set(f->st, "carol",
	    "$scrypt$x"), STK_OK);
	/* name order, whatever the order of creation */
	assert_int_equal(store_account_list(f->st, on_account, &w), STK_OK);
	assert_string_equal(w.list, "alice///0,bob/+37255500002/"
	    "8944100000000123464/0,carol///1");
	/* a non-zero return stops the walk and is returned */
	memset(&w, 0, sizeof(w));
	w.stop_after = 2;
	assert_int_equal(store_account_list(f->st, on_account, &w), STOP_RC);
	assert_int_equal(w.calls, 2);
	assert_string_equal(w.list, "alice///0,bob/+37255500002/"
	    "8944100000000123464/0");
}

static int
on_party(void *arg, const struct store_party_info *p)
{
	char row[256];

	snprintf(row, sizeof(row), "%s/%lld/%d", p->name, (long long)p->created,
	    p->disabled);
	return seen_add(arg, row);
}

static void
test_parties(void **state)
{
	struct store_fx *f = *state;
	struct seen w = { .stop_after = 0 };
	uint8_t h[32];

	memset(h, 1, sizeof(h));
	assert_int_equal(store_party_add(f->st, STORE_RP, "zeta", h, 10, NULL),
	    STK_OK);
	memset(h, 2, sizeof(h));
	assert_int_equal(store_party_add(f->st, STORE_RP, "alpha", h, 20,
	    NULL), STK_OK);
	memset(h, 3, sizeof(h));
	assert_int_equal(store_party_add(f->st, STORE_BRIDGE, "b1", h, 30,
	    NULL), STK_OK);
	assert_int_equal(store_party_disable(f->st, STORE_RP, "alpha"), STK_OK);
	assert_int_equal(store_party_disable(f->st, STORE_RP, "alpha"),
	    STK_E_STATE);
	assert_int_equal(store_party_disable(f->st, STORE_RP, "b1"),
	    STK_E_NOT_FOUND);
	assert_int_equal(store_party_list(f->st, STORE_RP, on_party, &w),
	    STK_OK);
	assert_string_equal(w.list, "alpha/20/1,zeta/10/0");
	memset(&w, 0, sizeof(w));
	assert_int_equal(store_party_list(f->st, STORE_BRIDGE, on_party, &w),
	    STK_OK);
	assert_string_equal(w.list, "b1/30/0");
	memset(&w, 0, sizeof(w));
	w.stop_after = 1;
	assert_int_equal(store_party_list(f->st, STORE_RP, on_party, &w),
	    STOP_RC);
	assert_string_equal(w.list, "alpha/20/1");
}

static int
on_session(void *arg, const struct store_session_info *s)
{
	char row[256];

	snprintf(row, sizeof(row), "%s/%s/%d/%lld/%s", s->id + 14, s->account,
	    s->state, (long long)s->created, s->client);
	return seen_add(arg, row);
}

/* A session of alice's created at created, in state. */
static void
mksession(struct store_fx *f, int64_t rp, const char *id, int64_t created,
    int state)
{
	struct store_session s;

	memset(&s, 0, sizeof(s));
	snprintf(s.id, sizeof(s.id), "%s", id);
	s.rp_id = rp;
	s.account_id = 1;
	snprintf(s.account, sizeof(s.account), "alice");
	snprintf(s.client, sizeof(s.client), "c%s", id + 14);
	s.request_len = 1;
	s.state = state;
	s.created = created;
	s.expiry = created + 60000;
	assert_int_equal(store_session_insert(f->st, &s, false, created),
	    STK_OK);
}

static void
test_sessions(void **state)
{
	struct store_fx *f = *state;
	struct seen w = { .stop_after = 0 };
	uint8_t h[32];
	int64_t rp;

	memset(h, 1, sizeof(h));
	assert_int_equal(store_party_add(f->st, STORE_RP, "rp", h, 1, &rp),
	    STK_OK);
	mksession(f, rp, "00000000000000B1", 1000, SRV_ST_RUNNING);
	mksession(f, rp, "00000000000000A2", 3000, SRV_ST_VERIFYING);
	mksession(f, rp, "00000000000000A3", 2000, SRV_ST_RUNNING);
	mksession(f, rp, "00000000000000A1", 1000, SRV_ST_RUNNING);
	/* newest first, then by id; every state, no limit */
	assert_int_equal(store_session_list(f->st, -1, 0, on_session, &w),
	    STK_OK);
	assert_string_equal(w.list, "A2/alice/1/3000/cA2,A3/alice/0/2000/cA3,"
	    "A1/alice/0/1000/cA1,B1/alice/0/1000/cB1");
	memset(&w, 0, sizeof(w));
	assert_int_equal(store_session_list(f->st, SRV_ST_RUNNING, 2,
	    on_session, &w), STK_OK);
	assert_string_equal(w.list, "A3/alice/0/2000/cA3,A1/alice/0/1000/cA1");
	memset(&w, 0, sizeof(w));
	assert_int_equal(store_session_list(f->st, SRV_ST_COMPLETE, 0,
	    on_session, &w), STK_OK);
	assert_int_equal(w.calls, 0);
	w.stop_after = 3;
	assert_int_equal(store_session_list(f->st, -1, 0, on_session, &w),
	    STOP_RC);
	assert_int_equal(w.calls, 3);
}

static int
on_audit(void *arg, const struct store_audit_entry *e)
{
	char row[256];

	snprintf(row, sizeof(row), "%lld:%s:%s:%s", (long long)e->ts,
	    e->account, e->event, e->result);
	return seen_add(arg, row);
}

static void
test_audit(void **state)
{
	struct store_fx *f = *state;
	struct store_audit_filter flt = { 0 };
	struct seen w = { .stop_after = 0 };

	assert_int_equal(store_audit(f->st, 10, NULL, "alice", "login", "OK",
	    NULL, NULL), STK_OK);
	assert_int_equal(store_audit(f->st, 20, NULL, "bob", "login",
	    "USER_REJECTED", NULL, NULL), STK_OK);
	assert_int_equal(store_audit(f->st, 30, NULL, NULL, "startup", NULL,
	    NULL, NULL), STK_OK);
	assert_int_equal(store_audit(f->st, 40, NULL, "alice", "login",
	    "USER_REJECTED", NULL, NULL), STK_OK);
	/* oldest first; NULL columns come as "" */
	assert_int_equal(store_audit_list(f->st, &flt, on_audit, &w), STK_OK);
	assert_string_equal(w.list, "10:alice:login:OK,"
	    "20:bob:login:USER_REJECTED,30::startup:,"
	    "40:alice:login:USER_REJECTED");
	/* the newest two of the selection, still oldest first */
	memset(&w, 0, sizeof(w));
	flt.limit = 2;
	assert_int_equal(store_audit_list(f->st, &flt, on_audit, &w), STK_OK);
	assert_string_equal(w.list, "30::startup:,"
	    "40:alice:login:USER_REJECTED");
	/* filters: account, result, since */
	memset(&w, 0, sizeof(w));
	flt.limit = 0;
	flt.account = "alice";
	assert_int_equal(store_audit_list(f->st, &flt, on_audit, &w), STK_OK);
	assert_string_equal(w.list, "10:alice:login:OK,"
	    "40:alice:login:USER_REJECTED");
	memset(&w, 0, sizeof(w));
	flt.account = NULL;
	flt.result = "USER_REJECTED";
	flt.since = 25;
	assert_int_equal(store_audit_list(f->st, &flt, on_audit, &w), STK_OK);
	assert_string_equal(w.list, "40:alice:login:USER_REJECTED");
	memset(&w, 0, sizeof(w));
	memset(&flt, 0, sizeof(flt));
	w.stop_after = 1;
	assert_int_equal(store_audit_list(f->st, &flt, on_audit, &w), STOP_RC);
	assert_string_equal(w.list, "10:alice:login:OK");
}

static int
on_conflict(void *arg, long line, const char *account, const char *msisdn,
    const char *what)
{
	char row[256];

	snprintf(row, sizeof(row), "%ld/%s/%s/%s", line, account, msisdn,
	    what);
	return seen_add(arg, row);
}

/* Stage the rows of an import that conflicts twice with the store. */
static struct store_import *
stage(struct store_fx *f)
{
	struct store_import *im;
	long dup;

	assert_int_equal(store_import_begin(f->st, &im), STK_OK);
	assert_int_equal(store_import_row(im, 2, "dave", "+37255500004", &dup),
	    STK_OK);
	assert_int_equal(store_import_row(im, 3, "alice", "", &dup), STK_OK);
	assert_int_equal(store_import_row(im, 4, "erin", "+37255500001", &dup),
	    STK_OK);
	/* a repeat of an earlier row is refused at once, with its line */
	assert_int_equal(store_import_row(im, 5, "dave", NULL, &dup),
	    STK_E_DUPLICATE);
	assert_int_equal(dup, 2);
	return im;
}

static void
test_import_conflicts(void **state)
{
	struct store_fx *f = *state;
	struct seen w = { .stop_after = 0 };
	struct store_import *im;
	long conflicts = -1, rows = -1;

	assert_int_equal(store_binding_add(f->st, "alice", "+37255500001", 1),
	    STK_OK);
	im = stage(f);
	/* in line order, each counted */
	assert_int_equal(store_import_check(im, on_conflict, &w, &conflicts),
	    STK_OK);
	assert_int_equal(conflicts, 2);
	assert_string_equal(w.list, "3/alice//account exists,"
	    "4/erin/+37255500001/MSISDN bound to another account");
	/* a callback's stop is no error: STK_OK, counted up to the stop */
	memset(&w, 0, sizeof(w));
	w.stop_after = 1;
	assert_int_equal(store_import_check(im, on_conflict, &w, &conflicts),
	    STK_OK);
	assert_int_equal(conflicts, 1);
	assert_int_equal(w.calls, 1);
	store_import_free(im);

	/* without the conflicting rows the import goes through */
	assert_int_equal(store_import_begin(f->st, &im), STK_OK);
	assert_int_equal(store_import_row(im, 2, "dave", "+37255500004",
	    &conflicts), STK_OK);
	memset(&w, 0, sizeof(w));
	assert_int_equal(store_import_check(im, on_conflict, &w, &conflicts),
	    STK_OK);
	assert_int_equal(conflicts, 0);
	assert_int_equal(w.calls, 0);
	assert_int_equal(store_import_commit(im, 50, &rows), STK_OK);
	assert_int_equal(rows, 1);
	store_import_free(im);
	memset(&w, 0, sizeof(w));
	assert_int_equal(store_account_list(f->st, on_account, &w), STK_OK);
	assert_string_equal(w.list, "alice/+37255500001//0,"
	    "dave/+37255500004//0");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		STORE_FX_TEST(test_accounts, setup),
		STORE_FX_TEST(test_parties, setup),
		STORE_FX_TEST(test_sessions, setup),
		STORE_FX_TEST(test_audit, setup),
		STORE_FX_TEST(test_import_conflicts, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
