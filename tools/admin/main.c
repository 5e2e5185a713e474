/*
 * main.c - stkauth-admin: global options, the command table, exit codes
 * (stkauth-admin(8), docs/ADMIN.md).
 *
 *   stkauth-admin [-c FILE] [--db FILE] [--json] [--busy-timeout MS]
 *                 COMMAND [ARGS]
 *
 * Every command works on the server's SQLite store beside a running
 * server: the store waits up to --busy-timeout for the write lock and
 * every change is one transaction.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "err.h"
#include "keystore.h"
#include "log.h"
#include "store.h"

#define BUSY_MS_DEFAULT	5000

static const struct admin_cmd commands[] = {
	{ "user", cmd_user, "add, delete, list, show, lock, unlock accounts; "
	    "set passwords", NULL },
	{ "bind", cmd_bind, "bind an account to an MSISDN", NULL },
	{ "unbind", cmd_unbind, "remove an account's MSISDN binding and card",
	    NULL },
	{ "import", cmd_import, "import accounts and bindings from CSV", NULL },
	{ "export", cmd_export, "export accounts and bindings as CSV", NULL },
	{ "rp", cmd_rp, "relying parties: API keys", NULL },
	{ "bridge", cmd_bridge, "bridges: tokens", NULL },
	{ "sessions", cmd_sessions, "list authentication sessions", NULL },
	{ "audit", cmd_audit, "read the audit log", NULL },
	{ "enroll", cmd_enroll, "personalise a SIM and register it for an "
	    "account", NULL },
	{ "revoke", cmd_revoke, "revoke an account's certificate, publish "
	    "the CRL, unbind", NULL },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: stkauth-admin [-c FILE] [--db FILE] [--json] "
	    "[--busy-timeout MS] COMMAND [ARGS]\n"
	    "       stkauth-admin COMMAND --help\n\n"
	    "  -c, --config FILE     configuration (INI, docs/ADMIN.md)\n"
	    "  --db FILE             the server's database (overrides [server] db)\n"
	    "  --json                machine-readable output\n"
	    "  --busy-timeout MS     wait for the database lock (default %d)\n\n"
	    "commands:\n", BUSY_MS_DEFAULT);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nexit status: 0 ok, 1 failure, 2 usage, 3 invalid input, "
	    "4 not found, 5 conflict\n");
}

int64_t
admin_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
admin_err(struct admin *a, int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", a->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

/* Error codes -> exit codes, one table. */
static const struct {
	int err;
	int code;
} exit_map[] = {
	{ STK_OK, EX_OK_ },
	{ STK_E_INVALID, EX_INVALID },
	{ STK_E_ARG, EX_INVALID },
	{ STK_E_TOO_LONG, EX_INVALID },
	{ STK_E_CHARSET, EX_INVALID },
	{ STK_E_NOT_FOUND, EX_NOTFOUND },
	{ STK_E_DUPLICATE, EX_CONFLICT },
	{ STK_E_STATE, EX_CONFLICT },
};

int
admin_exit_code(int err)
{
	for (size_t i = 0; i < sizeof(exit_map) / sizeof(exit_map[0]); i++)
		if (exit_map[i].err == err)
			return exit_map[i].code;
	return EX_FAIL;
}

struct store *
admin_store(struct admin *a)
{
	if (a->st)
		return a->st;
	if (store_open(a->db_path, &a->st) != STK_OK) {
		admin_err(a, EX_FAIL, "cannot open the database %s", a->db_path);
		a->st = NULL;
		return NULL;
	}
	store_busy_timeout(a->st, a->busy_ms);
	return a->st;
}

static void
cmd_help(const struct admin_cmd *cmd, FILE *f)
{
	fputs(cmd->help, f);
}

int
admin_getopt(int argc, char **argv, const struct option *opts,
    const struct admin_cmd *cmd, int *code)
{
	int ch, idx = 0;

	/* options may follow operands; ':' reports missing arguments */
	ch = getopt_long(argc, argv, ":h", opts, &idx);
	if (ch == 'h') {
		cmd_help(cmd, stdout);
		*code = EX_OK_;
		return 'h';
	}
	if (ch == '?' || ch == ':') {
		if (ch == ':')
			fprintf(stderr, "stkauth-admin %s: option %s needs a "
			    "value\n", cmd->name, argv[optind - 1]);
		else
			fprintf(stderr, "stkauth-admin %s: unknown option %s\n",
			    cmd->name, argv[optind - 1]);
		fprintf(stderr, "see: stkauth-admin %s --help\n", cmd->name);
		*code = EX_USAGE_;
		return '?';
	}
	return ch;
}

int
admin_usage(struct admin *a, const struct admin_cmd *cmd, const char *fmt,
    ...)
{
	va_list ap;

	fprintf(stderr, "%s %s: ", a->prog, cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nsee: %s %s --help\n", a->prog, cmd->name);
	return EX_USAGE_;
}

int
admin_dispatch(struct admin *a, const char *group,
    const struct admin_cmd *cmds, size_t n, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		FILE *f = argc < 2 ? stderr : stdout;

		fprintf(f, "usage: %s %s SUBCOMMAND [ARGS]\n       %s %s "
		    "SUBCOMMAND --help\n\nsubcommands:\n", a->prog, group,
		    a->prog, group);
		for (size_t i = 0; i < n; i++) {
			const char *sp = strrchr(cmds[i].name, ' ');

			fprintf(f, "  %-8s %s\n", sp ? sp + 1 : cmds[i].name,
			    cmds[i].summary);
		}
		return argc < 2 ? EX_USAGE_ : EX_OK_;
	}
	for (size_t i = 0; i < n; i++) {
		if (cmds[i].run && strcmp(argv[1], cmds[i].name) == 0) {
			optind = 0;
			return cmds[i].run(a, argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "%s %s: unknown subcommand %s\nsee: %s %s --help\n",
	    a->prog, group, argv[1], a->prog, group);
	return EX_USAGE_;
}

enum { OPT_DB = 256, OPT_JSON, OPT_BUSY };

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, OPT_DB },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "busy-timeout", required_argument, NULL, OPT_BUSY },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct admin_config cfg;
	struct admin a;
	const char *conf = NULL, *db = NULL;
	char err[512], *end;
	long v;
	int ch, rc;

	memset(&a, 0, sizeof(a));
	a.prog = "stkauth-admin";
	a.busy_ms = BUSY_MS_DEFAULT;
	stk_log_init("stkauth-admin", STK_LOG_WARN);
	while ((ch = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': conf = optarg; break;
		case OPT_DB: db = optarg; break;
		case OPT_JSON: a.json = true; break;
		case OPT_BUSY:
			v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 0 ||
			    v > 600000) {
				fprintf(stderr, "stkauth-admin: --busy-timeout: "
				    "0..600000 ms\n");
				return EX_USAGE_;
			}
			a.busy_ms = (int)v;
			break;
		case 'h': usage(stdout); return EX_OK_;
		default: usage(stderr); return EX_USAGE_;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EX_USAGE_;
	}
	admin_config_defaults(&cfg);
	if (conf && admin_config_load(conf, &cfg, err, sizeof(err)) != STK_OK) {
		fprintf(stderr, "stkauth-admin: %s\n", err);
		return EX_USAGE_;
	}
	a.cfg = &cfg;
	a.db_path = db ? db : cfg.db;
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (strcmp(argv[optind], commands[i].name) == 0) {
			char **sub = argv + optind;
			int subc = argc - optind;

			optind = 0;
			rc = commands[i].run(&a, subc, sub);
			store_close(a.st);
			keystore_close(a.ks);
			return rc;
		}
	}
	fprintf(stderr, "stkauth-admin: unknown command %s\nsee: "
	    "stkauth-admin --help\n", argv[optind]);
	return EX_USAGE_;
}
