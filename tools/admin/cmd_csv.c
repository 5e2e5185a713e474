/*
 * cmd_csv.c - import and export of accounts and bindings as CSV
 * (RFC 4180; docs/ADMIN.md "CSV").
 *
 *   account,msisdn          header line, required, case-insensitive
 *   alice,+37255500001
 *   bob,"0037 255 500 02"   normalised like `bind`
 *   carol,                  an account without a binding
 *
 * Import is all or nothing: every line is validated (fields, account
 * name, MSISDN, repeats within the file, conflicts with the database)
 * and every error is reported with its line number before anything is
 * written; then the rows go in with one transaction (store_import_*).
 */
#include <getopt.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "admin.h"
#include "err.h"
#include "server.h"
#include "store.h"

#define ERRORS_SHOWN	20

static const struct admin_cmd c_import = { "import", NULL, NULL,
	"usage: stkauth-admin import [--dry-run] FILE|-\n\n"
	"Create the accounts and bindings of a CSV file (RFC 4180, UTF-8):\n"
	"a header line \"account,msisdn\", then one account per line; an empty\n"
	"MSISDN creates an account without a binding.  MSISDNs are normalised\n"
	"like `bind`.  All or nothing: on any error (malformed line, invalid\n"
	"name or MSISDN, a repeat within the file, an account that exists, an\n"
	"MSISDN bound already) nothing is written and each error is printed\n"
	"as \"FILE:LINE: message\" (the first 20, then a count).\n"
	"  --dry-run   validate only\n" };

struct import_ctx {
	struct admin *a;
	const char *file;
	long errors;
};

static void
line_error(struct import_ctx *x, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
line_error(struct import_ctx *x, long line, const char *fmt, ...)
{
	va_list ap;

	if (++x->errors > ERRORS_SHOWN)
		return;
	fprintf(stderr, "%s:%ld: ", x->file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int
on_conflict(void *arg, long line, const char *account, const char *msisdn,
    const char *what)
{
	struct import_ctx *x = arg;

	line_error(x, line, "%s (%s%s%s)", what, account, msisdn[0] ? " " : "",
	    msisdn);
	return 0;
}

/* The header: exactly the columns account,msisdn. */
static bool
header_ok(const struct csv_reader *r)
{
	return r->nfields == 2 && strcasecmp(r->fields[0], "account") == 0 &&
	    strcasecmp(r->fields[1], "msisdn") == 0;
}

int
cmd_import(struct admin *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	struct import_ctx x = { a, NULL, 0 };
	struct store_import *im = NULL;
	struct csv_reader r;
	struct store *st;
	FILE *f = NULL;
	bool dry = false;
	long rows = 0, staged = 0, conflicts = 0, dup;
	int64_t t0, locked;
	const char *why;
	char msisdn[17];
	int ch, code = EX_OK_, rc;

	while ((ch = admin_getopt(argc, argv, opts, &c_import, &code)) != -1) {
		if (ch == 'h' || ch == '?')
			return code;
		dry = true;
	}
	if (argc - optind != 1)
		return admin_usage(a, &c_import, "expected one FILE (- for "
		    "stdin)");
	x.file = argv[optind];
	if (strcmp(x.file, "-") == 0) {
		f = stdin;
		x.file = "(stdin)";
	} else if ((f = fopen(x.file, "r")) == NULL)
		return admin_err(a, EX_FAIL, "%s: cannot open", x.file);
	if ((st = admin_store(a)) == NULL) {
		code = EX_FAIL;
		goto out;
	}
	if ((rc = store_import_begin(st, &im)) != STK_OK) {
		code = admin_err(a, EX_FAIL, "import: %s", stk_strerror(rc));
		goto out;
	}
	csv_reader_init(&r, f);
	rc = csv_read(&r, &why);
	if (rc <= 0 || !header_ok(&r)) {
		line_error(&x, 1, rc < 0 ? "%s" : "expected the header line "
		    "\"account,msisdn\"%s", rc < 0 ? why : "");
		code = EX_INVALID;
		goto out;
	}
	while ((rc = csv_read(&r, &why)) != 0) {
		const char *acc, *num;

		if (rc < 0) {
			line_error(&x, r.line, "%s", why);
			continue;
		}
		if (r.nfields == 1 && r.fields[0][0] == '\0')
			continue;	/* blank line */
		if (r.nfields != 2) {
			line_error(&x, r.line, "expected 2 fields (account,"
			    "msisdn), found %zu", r.nfields);
			continue;
		}
		acc = r.fields[0];
		num = r.fields[1];
		if (!account_name_valid(acc)) {
			line_error(&x, r.line, "invalid account name '%.64s'",
			    acc);
			continue;
		}
		msisdn[0] = '\0';
		if (num[0] != '\0' &&
		    msisdn_normalize(num, msisdn, &why) != STK_OK) {
			line_error(&x, r.line, "invalid MSISDN '%.32s': %s", num,
			    why);
			continue;
		}
		rc = store_import_row(im, r.line, acc, msisdn, &dup);
		if (rc == STK_E_DUPLICATE)
			line_error(&x, r.line, "account %s or MSISDN %s repeats "
			    "line %ld", acc, msisdn[0] ? msisdn : "-", dup);
		else if (rc != STK_OK) {
			code = admin_err(a, EX_FAIL, "import: %s",
			    stk_strerror(rc));
			goto out;
		} else
			staged++;
	}
	/* conflicts with the database too, so one run lists every error */
	if ((rc = store_import_check(im, on_conflict, &x, &conflicts)) !=
	    STK_OK) {
		code = admin_err(a, EX_FAIL, "import: %s", stk_strerror(rc));
		goto out;
	}
	if (x.errors > 0) {
		if (x.errors > ERRORS_SHOWN)
			fprintf(stderr, "%s: ... %ld errors in all\n", x.file,
			    x.errors);
		code = admin_err(a, EX_INVALID, "import of %s refused: %ld "
		    "error%s, nothing written", x.file, x.errors,
		    x.errors == 1 ? "" : "s");
		goto out;
	}
	if (dry) {
		out_done(a, json_pack("{s:I, s:b}", "rows", (json_int_t)staged,
		    "dryRun", 1), "%s: %ld rows valid (dry run, nothing "
		    "written)", x.file, staged);
		goto out;
	}
	t0 = admin_now_ms();
	if ((rc = store_import_commit(im, t0, &rows)) != STK_OK) {
		code = admin_err(a, admin_exit_code(rc), "import of %s failed "
		    "(nothing written): %s", x.file, stk_strerror(rc));
		goto out;
	}
	/* how long the server's writers had to wait for us */
	locked = admin_now_ms() - t0;
	out_done(a, json_pack("{s:I, s:I}", "rows", (json_int_t)rows,
	    "writeLockMs", (json_int_t)locked), "%s: %ld accounts imported "
	    "(database write lock held %lld ms)", x.file, rows,
	    (long long)locked);
 out:
	store_import_free(im);
	if (f && f != stdin)
		fclose(f);
	return code;
}

/* ---- export ---------------------------------------------------------- */

static const struct admin_cmd c_export = { "export", NULL, NULL,
	"usage: stkauth-admin export [FILE]\n\n"
	"Write every account and its MSISDN as CSV (the import format, CRLF\n"
	"line ends) to FILE (created 0600) or stdout.\n" };

static int
export_one(void *arg, const struct store_account_info *ai)
{
	const char *f[2] = { ai->name, ai->msisdn };

	csv_write(arg, f, 2);
	return 0;
}

int
cmd_export(struct admin *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	static const char *const head[2] = { "account", "msisdn" };
	struct store *st;
	FILE *f = stdout;
	int ch, code = EX_OK_, rc;

	while ((ch = admin_getopt(argc, argv, opts, &c_export, &code)) != -1)
		return code;
	if (argc - optind > 1)
		return admin_usage(a, &c_export, "at most one FILE");
	if ((st = admin_store(a)) == NULL)
		return EX_FAIL;
	if (argc - optind == 1) {
		mode_t old = umask(077);

		f = fopen(argv[optind], "w");
		umask(old);
		if (f == NULL)
			return admin_err(a, EX_FAIL, "%s: cannot create",
			    argv[optind]);
	}
	csv_write(f, head, 2);
	rc = store_account_list(st, export_one, f);
	if (fflush(f) != 0 || ferror(f))
		rc = STK_E_IO;
	if (f != stdout && fclose(f) != 0)
		rc = STK_E_IO;
	if (rc != STK_OK)
		return admin_err(a, EX_FAIL, "export: %s", stk_strerror(rc));
	return EX_OK_;
}
