/*
 * store_fixture.h - a fresh store (server/store.h) in a temporary folder,
 * shared by the unit tests of the store: test_server_store.c,
 * test_server_admin.c and test_admin_password.c.
 *
 * A test's fixture struct begins with a struct store_fx; its cmocka
 * setup calls store_fx_open and adds its own rows, and store_fx_teardown
 * is its teardown (the database, its -wal and -shm files and the folder
 * are removed, the struct is freed); STORE_FX_TEST(test, setup) is the
 * cmocka entry of such a test.
 *
 * All helpers are static inline, as in card_harness.h: each test links
 * its own store objects (server/build.mk, tools/admin/libs.mk), so this
 * cannot be a support_*.c file linked into every unit test.
 */
#ifndef STKAUTH_STORE_FIXTURE_H
#define STKAUTH_STORE_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "err.h"
#include "log.h"
#include "store.h"

struct store_fx {
	char dir[64];
	char path[128];		/* dir/s.db */
	struct store *st;	/* NULL while a test has it closed */
};

/*
 * Allocate a test's fixture struct of size octets (zeroed; it begins with
 * a struct store_fx), make /tmp/stkauth-TAG-XXXXXX and open a new store
 * in it with the account "alice" (id 1, created at 1, no password).
 * Only errors are logged.
 */
static inline void *
store_fx_open(size_t size, const char *tag)
{
	struct store_fx *f;

	assert_true(size >= sizeof(*f));
	assert_non_null(f = calloc(1, size));
	stk_log_set_level(STK_LOG_ERROR);
	snprintf(f->dir, sizeof(f->dir), "/tmp/stkauth-%s-XXXXXX", tag);
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/s.db", f->dir);
	assert_int_equal(store_open(f->path, &f->st), STK_OK);
	assert_int_equal(store_account_add(f->st, "alice", 1, NULL), STK_OK);
	return f;
}

/* cmocka teardown: close the store, remove its files and the folder. */
static inline int
store_fx_teardown(void **state)
{
	struct store_fx *f = *state;
	static const char *const suffix[] = { "", "-wal", "-shm" };
	char p[160];

	store_close(f->st);
	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", f->path, suffix[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

/* A cmocka test on a fresh store: setup calls store_fx_open. */
#define STORE_FX_TEST(t, setup) \
	cmocka_unit_test_setup_teardown(t, setup, store_fx_teardown)

#endif
