/*
 * cmd_log.c - reading what happened: `sessions list` (the session table,
 * newest first) and `audit` (the audit log, oldest first of the newest
 * --limit entries).  Result and state names are the server's tables
 * (server/result.c), so filters accept exactly what the API shows.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "err.h"
#include "server.h"
#include "store.h"

#define LIMIT_DEFAULT	100

static int
parse_limit(const char *s, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s < '0' || *s > '9' || *end != '\0' || v > 10000000)
		return STK_E_INVALID;
	*out = (unsigned)v;
	return STK_OK;
}

static const struct admin_cmd c_sessions = { "sessions list", NULL, NULL,
	"usage: stkauth-admin [--json] sessions list [--state S] [--limit N]\n\n"
	"Authentication sessions, newest first (default at most 100; --limit 0\n"
	"for all).  S is RUNNING, VERIFYING or COMPLETE.\n" };

static int
session_one(void *arg, const struct store_session_info *s)
{
	char c[32], e[32], d[32];
	const char *res = srv_result_name(s->result);

	return json_array_append_new(arg, json_pack("{s:s, s:s, s:s, s:s, "
	    "s:s, s:s, s:s, s:s, s:s, s:s}", "id", s->id, "account",
	    s->account, "msisdn", s->msisdn, "state",
	    srv_state_name(s->state) ? srv_state_name(s->state) : "?",
	    "result", res ? res : "?", "reason", s->reason, "created",
	    out_time(s->created, c), "expiry", out_time(s->expiry, e),
	    "completed", out_time(s->completed, d), "client", s->client)) == 0 ?
	    0 : STK_E_NOMEM;
}

static int
sessions_list(struct admin *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	static const struct out_col cols[] = {
		{ "id", "SESSION" }, { "account", "ACCOUNT" },
		{ "msisdn", "MSISDN" }, { "state", "STATE" },
		{ "result", "RESULT" }, { "created", "CREATED" },
		{ "completed", "COMPLETED" }, { "client", "CLIENT" } };
	unsigned limit = LIMIT_DEFAULT;
	int state = -1, ch, code = EX_OK_, rc;
	struct store *st;
	json_t *rows;

	while ((ch = admin_getopt(argc, argv, opts, &c_sessions, &code)) !=
	    -1) {
		if (ch == 'h' || ch == '?')
			return code;
		if (ch == 's' && srv_state_from_name(optarg, &state) != STK_OK)
			return admin_err(a, EX_INVALID, "--state %s: expected "
			    "RUNNING, VERIFYING or COMPLETE", optarg);
		if (ch == 'l' && parse_limit(optarg, &limit) != STK_OK)
			return admin_err(a, EX_INVALID, "--limit %s: expected a "
			    "number", optarg);
	}
	if (argc - optind != 0)
		return admin_usage(a, &c_sessions, "no operands expected");
	if ((st = admin_store(a)) == NULL)
		return EX_FAIL;
	rows = json_array();
	if ((rc = store_session_list(st, state, limit, session_one, rows)) !=
	    STK_OK)
		code = admin_err(a, EX_FAIL, "sessions: %s", stk_strerror(rc));
	else
		out_rows(a, cols, sizeof(cols) / sizeof(cols[0]), rows);
	json_decref(rows);
	return code;
}

int
cmd_sessions(struct admin *a, int argc, char **argv)
{
	static const struct admin_cmd subs[] = {
		{ "list", sessions_list, "list sessions", NULL } };

	return admin_dispatch(a, "sessions", subs, 1, argc, argv);
}

static const struct admin_cmd c_audit = { "audit", NULL, NULL,
	"usage: stkauth-admin [--json] audit [--since T] [--account A]\n"
	"                     [--result R] [--limit N]\n\n"
	"The audit log, oldest first, of the newest N matching entries\n"
	"(default 100; --limit 0 for all).\n"
	"  --since T    from T: 2026-11-23, 2026-11-23T18:00:00Z (UTC), Unix\n"
	"               seconds, or an age: 30m, 2h, 7d\n"
	"  --account A  entries of account A\n"
	"  --result R   entries with result R (OK, USER_REFUSED, TIMEOUT,\n"
	"               NOT_BOUND, ..., as the REST API names them)\n" };

static int
audit_one(void *arg, const struct store_audit_entry *e)
{
	char t[32];

	return json_array_append_new(arg, json_pack("{s:I, s:s, s:s, s:s, "
	    "s:s, s:s, s:s, s:s}", "id", (json_int_t)e->id, "time",
	    out_time(e->ts, t), "event", e->event, "session", e->session_id,
	    "account", e->account, "result", e->result, "reason", e->reason,
	    "client", e->client)) == 0 ? 0 : STK_E_NOMEM;
}

int
cmd_audit(struct admin *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "account", required_argument, NULL, 'a' },
		{ "result", required_argument, NULL, 'r' },
		{ "limit", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	static const struct out_col cols[] = {
		{ "time", "TIME" }, { "event", "EVENT" },
		{ "account", "ACCOUNT" }, { "result", "RESULT" },
		{ "session", "SESSION" }, { "client", "CLIENT" },
		{ "reason", "REASON" } };
	struct store_audit_filter f = { 0, NULL, NULL, LIMIT_DEFAULT };
	struct store *st;
	json_t *rows;
	int ch, code = EX_OK_, rc, res;

	while ((ch = admin_getopt(argc, argv, opts, &c_audit, &code)) != -1) {
		switch (ch) {
		case 'h':
		case '?':
			return code;
		case 's':
			if (out_parse_time(optarg, admin_now_ms(), &f.since) !=
			    STK_OK)
				return admin_err(a, EX_INVALID, "--since %s: "
				    "expected 2026-11-23, 2026-11-23T18:00:00Z, "
				    "Unix seconds or an age (2h, 7d)", optarg);
			break;
		case 'a':
			if (!account_name_valid(optarg))
				return admin_err(a, EX_INVALID, "--account %s: "
				    "invalid account name", optarg);
			f.account = optarg;
			break;
		case 'r':
			if (srv_result_from_name(optarg, &res) != STK_OK ||
			    res == SRV_RES_NONE)
				return admin_err(a, EX_INVALID, "--result %s: "
				    "unknown result (OK, USER_REFUSED, TIMEOUT, "
				    "NOT_BOUND, ...)", optarg);
			f.result = optarg;
			break;
		case 'l':
			if (parse_limit(optarg, &f.limit) != STK_OK)
				return admin_err(a, EX_INVALID, "--limit %s: "
				    "expected a number", optarg);
			break;
		}
	}
	if (argc - optind != 0)
		return admin_usage(a, &c_audit, "no operands expected");
	if ((st = admin_store(a)) == NULL)
		return EX_FAIL;
	rows = json_array();
	if ((rc = store_audit_list(st, &f, audit_one, rows)) != STK_OK)
		code = admin_err(a, EX_FAIL, "audit: %s", stk_strerror(rc));
	else
		out_rows(a, cols, sizeof(cols) / sizeof(cols[0]), rows);
	json_decref(rows);
	return code;
}
