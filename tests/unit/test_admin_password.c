/*
 * test_admin_password.c - server/password.c (scrypt strings) and the
 * password columns of the store (store_account_password_set/get, the
 * 1 -> 2 migration).  The known answers were computed independently with
 * Python's hashlib.scrypt (RFC 7914) and base64.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "err.h"
#include "password.h"
#include "store.h"
#include "store_fixture.h"

/* hashlib.scrypt(b"correct horse battery staple", salt=bytes(range(16)),
 * n=1024, r=8, p=1, dklen=32) */
static const char KAT1[] = "$scrypt$ln=10,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$"
    "mp90zEQd5XGhjEv4WArVH4Z0XRSzkGWtJK2S/AXJlRU";
/* hashlib.scrypt("päss".encode(), salt=b"\xff" * 16, n=2048, r=4, p=2) */
static const char KAT2[] = "$scrypt$ln=11,r=4,p=2$/////////////////////w$"
    "C3kVzdvNsNI49P50RTLOiB6drd8A5n1J0VV6cJ4qO3A";

static const struct password_params FAST = { 10, 8, 1 };

static void
test_known_answers(void **state)
{
	const char *pw = "correct horse battery staple";

	(void)state;
	assert_int_equal(password_verify(pw, strlen(pw), KAT1), STK_OK);
	assert_int_equal(password_verify("p\xc3\xa4ss", 5, KAT2), STK_OK);
	/* one octet off, one octet short, one more */
	assert_int_equal(password_verify("correct horse battery stapla",
	    strlen(pw), KAT1), STK_E_VERIFY);
	assert_int_equal(password_verify(pw, strlen(pw) - 1, KAT1),
	    STK_E_VERIFY);
	assert_int_equal(password_verify("p\xc3\xa4ss!", 6, KAT2),
	    STK_E_VERIFY);
}

static void
test_roundtrip(void **state)
{
	char a[PASSWORD_ENCODED_MAX], b[PASSWORD_ENCODED_MAX];
	struct password_params pp;

	(void)state;
	assert_int_equal(password_hash("secret", 6, &FAST, a, sizeof(a)),
	    STK_OK);
	assert_int_equal(password_hash("secret", 6, &FAST, b, sizeof(b)),
	    STK_OK);
	/* fresh salt each time */
	assert_string_not_equal(a, b);
	assert_int_equal(strncmp(a, "$scrypt$ln=10,r=8,p=1$", 22), 0);
	assert_int_equal(strlen(a), 22 + 22 + 1 + 43);
	assert_int_equal(password_verify("secret", 6, a), STK_OK);
	assert_int_equal(password_verify("secret", 6, b), STK_OK);
	assert_int_equal(password_verify("Secret", 6, a), STK_E_VERIFY);
	assert_int_equal(password_verify("", 0, a), STK_E_VERIFY);
	assert_int_equal(password_params_get(a, &pp), STK_OK);
	assert_int_equal(pp.ln, 10);
	assert_int_equal(pp.r, 8);
	assert_int_equal(pp.p, 1);
	assert_true(password_needs_rehash(a, NULL));
	assert_false(password_needs_rehash(a, &FAST));
	assert_true(password_needs_rehash("garbage", &FAST));
}

static void
test_defaults(void **state)
{
	char a[PASSWORD_ENCODED_MAX];

	(void)state;
	assert_int_equal(password_hash("pw", 2, NULL, a, sizeof(a)), STK_OK);
	assert_int_equal(strncmp(a, "$scrypt$ln=15,r=8,p=1$", 22), 0);
	assert_false(password_needs_rehash(a, NULL));
	assert_int_equal(password_verify("pw", 2, a), STK_OK);
	assert_int_equal(password_dummy_verify("pw", 2), STK_E_VERIFY);
	assert_int_equal(password_dummy_verify(NULL, 0), STK_E_VERIFY);
}

static void
test_hash_bad_args(void **state)
{
	char a[PASSWORD_ENCODED_MAX], big[PASSWORD_MAX_LEN + 1];
	struct password_params bad;

	(void)state;
	memset(big, 'x', sizeof(big));
	assert_int_equal(password_hash("", 0, &FAST, a, sizeof(a)), STK_E_ARG);
	assert_int_equal(password_hash(big, sizeof(big), &FAST, a, sizeof(a)),
	    STK_E_ARG);
	assert_int_equal(password_hash(big, PASSWORD_MAX_LEN, &FAST, a,
	    sizeof(a)), STK_OK);
	assert_int_equal(password_hash("x", 1, &FAST, a, 40), STK_E_NOSPACE);
	bad = FAST;
	bad.ln = 9;
	assert_int_equal(password_hash("x", 1, &bad, a, sizeof(a)), STK_E_ARG);
	bad = FAST;
	bad.r = 0;
	assert_int_equal(password_hash("x", 1, &bad, a, sizeof(a)), STK_E_ARG);
	/* 128 * 32 * 2^20 * 16: far over the 1 GiB cap */
	bad.ln = 20;
	bad.r = 32;
	bad.p = 16;
	assert_int_equal(password_hash("x", 1, &bad, a, sizeof(a)), STK_E_ARG);
}

/* Every malformed string is STK_E_INVALID, never a crash or a match. */
static void
test_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"$scrypt$",
		"scrypt$ln=10,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$"
		    "mp90zEQd5XGhjEv4WArVH4Z0XRSzkGWtJK2S/AXJlRU",
		"$scrypt$ln=010,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$"
		    "mp90zEQd5XGhjEv4WArVH4Z0XRSzkGWtJK2S/AXJlRU",
		"$scrypt$ln=+10,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$"
		    "mp90zEQd5XGhjEv4WArVH4Z0XRSzkGWtJK2S/AXJlRU",
		"$scrypt$ln=9,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$"
		    "mp90zEQd5XGhjEv4WArVH4Z0XRSzkGWtJK2S/AXJlRU",
		"$scrypt$ln=21,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$"
		    "mp90zEQd5XGhjEv4WArVH4Z0XRSzkGWtJK2S/AXJlRU",
		"$scrypt$ln=10,r=0,p=1$AAECAwQFBgcICQoLDA0ODw$"
		    "mp90zEQd5XGhjEv4WArVH4Z0XRSzkGWtJK2S/AXJlRU",
		"$scrypt$ln=10,r=8,p=99999$AAECAwQFBgcICQoLDA0ODw$"
		    "mp90zEQd5XGhjEv4WArVH4Z0XRSzkGWtJK2S/AXJlRU",
		"$scrypt$r=8,ln=10,p=1$AAECAwQFBgcICQoLDA0ODw$"
		    "mp90zEQd5XGhjEv4WArVH4Z0XRSzkGWtJK2S/AXJlRU",
		"$scrypt$ln=10,r=8,p=1$AAECAwQFBgcICQoLDA0ODw==$"
		    "mp90zEQd5XGhjEv4WArVH4Z0XRSzkGWtJK2S/AXJlRU",
		/* salt one character short, hash one character long */
		"$scrypt$ln=10,r=8,p=1$AAECAwQFBgcICQoLDA0OD$"
		    "mp90zEQd5XGhjEv4WArVH4Z0XRSzkGWtJK2S/AXJlRU",
		"$scrypt$ln=10,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$"
		    "mp90zEQd5XGhjEv4WArVH4Z0XRSzkGWtJK2S/AXJlRUA",
		/* not canonical: low bits of the last character set */
		"$scrypt$ln=10,r=8,p=1$AAECAwQFBgcICQoLDA0ODx$"
		    "mp90zEQd5XGhjEv4WArVH4Z0XRSzkGWtJK2S/AXJlRU",
		/* base64url, a space, trailing data */
		"$scrypt$ln=10,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$"
		    "mp90zEQd5XGhjEv4WArVH4Z0XRSzkGWtJK2S_AXJlRU",
		"$scrypt$ln=10,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$"
		    "mp90zEQd5XGhjEv4WArVH4Z0XRSzkGWtJK2S/AXJlR ",
		"$scrypt$ln=10,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$"
		    "mp90zEQd5XGhjEv4WArVH4Z0XRSzkGWtJK2S/AXJlRU$",
		"$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub",
	};
	struct password_params pp;
	const char *pw = "correct horse battery staple";

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(password_verify(pw, strlen(pw), bad[i]),
		    STK_E_INVALID);
		assert_int_equal(password_params_get(bad[i], &pp),
		    STK_E_INVALID);
	}
	assert_int_equal(password_verify(pw, strlen(pw), NULL), STK_E_INVALID);
}

/* ---- the store ------------------------------------------------------ */

/* store_fixture.h: a fresh store with the account alice */
static int
setup(void **state)
{
	*state = store_fx_open(sizeof(struct store_fx), "admpw");
	return 0;
}

static void
test_store_password(void **state)
{
	struct store_fx *f = *state;
	char out[PASSWORD_ENCODED_MAX];

	strcpy(out, "junk");
	assert_int_equal(store_account_password_get(f->st, "alice", out,
	    sizeof(out)), STK_OK);
	assert_string_equal(out, "");
	assert_int_equal(store_account_password_set(f->st, "alice", KAT1),
	    STK_OK);
	assert_int_equal(store_account_password_get(f->st, "alice", out,
	    sizeof(out)), STK_OK);
	assert_string_equal(out, KAT1);
	assert_int_equal(store_account_password_get(f->st, "alice", out, 10),
	    STK_E_NOSPACE);
	assert_int_equal(store_account_password_get(f->st, "alice", out,
	    strlen(KAT1)), STK_E_NOSPACE);
	assert_int_equal(store_account_password_get(f->st, "alice", out,
	    strlen(KAT1) + 1), STK_OK);
	assert_int_equal(store_account_password_set(f->st, "alice", NULL),
	    STK_OK);
	assert_int_equal(store_account_password_get(f->st, "alice", out,
	    sizeof(out)), STK_OK);
	assert_string_equal(out, "");
	assert_int_equal(store_account_password_set(f->st, "bob", KAT1),
	    STK_E_NOT_FOUND);
	assert_int_equal(store_account_password_get(f->st, "bob", out,
	    sizeof(out)), STK_E_NOT_FOUND);
}

/* A version 1 database (no password column) is migrated on open. */
static void
test_store_migration(void **state)
{
	struct store_fx *f = *state;
	char out[PASSWORD_ENCODED_MAX];
	sqlite3 *db;

	assert_int_equal(store_schema_version(f->st), STORE_SCHEMA_VERSION);
	store_close(f->st);
	f->st = NULL;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	/* back to exactly what version 1 had (undo migrations 2 and 3) */
	assert_int_equal(sqlite3_exec(db, "ALTER TABLE accounts DROP COLUMN "
	    "password_hash; DROP INDEX audit_ts; DROP INDEX audit_account; "
	    "ALTER TABLE sessions DROP COLUMN received; "
	    "PRAGMA user_version = 1", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(f->path, &f->st), STK_OK);
	assert_int_equal(store_schema_version(f->st), STORE_SCHEMA_VERSION);
	assert_int_equal(store_account_password_set(f->st, "alice", KAT2),
	    STK_OK);
	assert_int_equal(store_account_password_get(f->st, "alice", out,
	    sizeof(out)), STK_OK);
	assert_string_equal(out, KAT2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answers),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_hash_bad_args),
		cmocka_unit_test(test_malformed),
		STORE_FX_TEST(test_store_password, setup),
		STORE_FX_TEST(test_store_migration, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
