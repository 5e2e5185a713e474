/*
 * main.c - stkauth-server: options, bootstrap commands, the event loop,
 * the expiry sweeper, signals (docs/man/stkauth-server.8).
 *
 * One libevent loop serves every client; verification runs on the worker
 * threads of verify.c; SQLite calls are short (store_sqlite.c).  SIGTERM
 * and SIGINT drain: the listening socket is closed (new connections are
 * refused), requests on connections still open get 503 SHUTTING_DOWN,
 * long-polls too; the results already accepted are verified and their
 * outcomes stored; then the loop ends - at the latest after
 * SHUTDOWN_GRACE_MS - and the store is closed.  A session still
 * VERIFYING then (grace over, or a crash) is verified again by the next
 * start (bridge_reverify).
 */
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/http.h>
#include <openssl/crypto.h>

#include "err.h"
#include "log.h"
#include "server.h"
#include "store.h"

#define SWEEP_INTERVAL_MS	1000
#define SWEEP_BATCH		100
/* A VERIFYING session whose worker vanished ends this long after expiry. */
#define VERIFY_GRACE_MS		60000
/* SIGTERM: how long the drain (503 replies leaving, verifications of
 * accepted results) may take; checked every DRAIN_TICK_MS. */
#define SHUTDOWN_GRACE_MS	5000
#define DRAIN_TICK_MS		20

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: stkauth-server [-dn] -c FILE\n"
	    "       stkauth-server [-c FILE | --db FILE] --add-api-key NAME\n"
	    "       stkauth-server [-c FILE | --db FILE] --add-bridge-token NAME\n"
	    "       stkauth-server [-c FILE | --db FILE] --add-account NAME\n"
	    "           [--msisdn +E164] [--iccid DIGITS --kauth-file FILE]\n"
	    "  -c, --config FILE   configuration (INI)\n"
	    "  -n, --check         check the configuration and exit\n"
	    "  -d, --debug         log at debug level\n"
	    "  --db FILE           database (overrides the configuration)\n");
}

/* ---- the sweeper ---------------------------------------------------- */

static void
sweep(evutil_socket_t fd, short what, void *arg)
{
	struct srv *s = arg;
	char ids[SWEEP_BATCH][2 * STK_AUTH_SESSION_ID_LEN + 1];
	int64_t now = srv_now_ms();
	struct store_tx tx;
	size_t n = 0;

	(void)fd;
	(void)what;
	if (s->reverify_pending > 0 && verify_pool_busy(s->pool) == 0)
		s->reverify_pending = 0;	/* a task was lost (no memory) */
	/* a batch of endings, one commit (each one atomic inside) */
	if (srv_tx_begin(s, &tx) != STK_OK)
		return;
	/* RUNNING past EXPIRY: TIMEOUT (PROTOCOL.md §5) */
	if (store_session_overdue(s->store, SRV_ST_RUNNING, 0, now, ids,
	    SWEEP_BATCH, &n) == STK_OK)
		for (size_t i = 0; i < n; i++)
			session_finish(s, ids[i], SRV_ST_RUNNING,
			    SRV_RES_TIMEOUT, "no answer before the expiry",
			    NULL, 0);
	/* VERIFYING long past EXPIRY: the verifier died and the start's
	 * re-verification (bridge_reverify) is over but did not end it */
	if (s->reverify_pending == 0 && store_session_overdue(s->store, SRV_ST_VERIFYING, VERIFY_GRACE_MS,
	    now, ids, SWEEP_BATCH, &n) == STK_OK)
		for (size_t i = 0; i < n; i++)
			session_finish(s, ids[i], SRV_ST_VERIFYING,
			    SRV_RES_INTERNAL_ERROR, "verification never finished",
			    NULL, 0);
	if (store_tx_end(s->store, &tx, true) != STK_OK)
		log_error("sweeper: commit failed");
}

/*
 * At start: every session a stopped server left VERIFYING (its result
 * arrived before this process started) is verified again.
 */
static void
reverify_all(struct srv *s, int64_t started)
{
	char ids[SWEEP_BATCH][2 * STK_AUTH_SESSION_ID_LEN + 1], last[40] = "";
	size_t n, total = 0;

	do {
		if (store_session_verifying(s->store, started, last, ids,
		    SWEEP_BATCH, &n) != STK_OK)
			break;
		for (size_t i = 0; i < n; i++)
			if (bridge_reverify(s, ids[i]) == STK_OK)
				total++;
		if (n > 0)
			snprintf(last, sizeof(last), "%s", ids[n - 1]);
	} while (n == SWEEP_BATCH);
	if (total > 0)
		log_info("%zu session(s) left VERIFYING by a stopped server: "
		    "verifying again", total);
}

/* Draining: end the loop when nothing is left or the grace is over. */
static struct event *drain_ev;
static int64_t drain_deadline;

static void
drain_tick(evutil_socket_t fd, short what, void *arg)
{
	struct srv *s = arg;
	unsigned busy = s->pool ? verify_pool_busy(s->pool) : 0;

	(void)fd;
	(void)what;
	if ((s->draining == 0 && busy == 0) ||
	    srv_now_ms() >= drain_deadline) {
		if (busy > 0)
			log_warn("drain: grace over, %u verification(s) "
			    "unfinished (the next start verifies them again)",
			    busy);
		event_base_loopexit(s->base, NULL);
	}
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct srv *s = arg;
	struct timeval tick = { 0, DRAIN_TICK_MS * 1000 };

	(void)what;
	log_info("signal %d: shutting down", (int)sig);
	if (drain_ev != NULL)
		return;		/* draining already */
	/*
	 * No new connections; answer the long-polls now; the loop ends when
	 * libevent has written the last of those replies and the workers
	 * have finished the results already accepted (their outcomes are
	 * stored on the loop), or after the grace time (10,000 long-polls
	 * need more than the 200 ms this once waited: docs/PERFORMANCE.md).
	 */
	http_stop_accepting(s);
	waiters_free_all(s);
	drain_deadline = srv_now_ms() + SHUTDOWN_GRACE_MS;
	if ((drain_ev = event_new(s->base, -1, EV_PERSIST, drain_tick, s)) ==
	    NULL || event_add(drain_ev, &tick) != 0) {
		event_base_loopexit(s->base, NULL);
		return;
	}
	drain_tick(-1, 0, s);
}

/* ---- bootstrap commands --------------------------------------------- */

static int
add_party(struct store *st, int kind, const char *name)
{
	char secret[SECRET_MAX_LEN + 1];
	uint8_t h[SECRET_HASH_LEN];
	int rc;

	if (!account_name_valid(name)) {
		fprintf(stderr, "stkauth-server: invalid name: %s\n", name);
		return STK_E_ARG;
	}
	if ((rc = secret_generate(kind == STORE_RP ? "rp" : "br", secret,
	    sizeof(secret))) != STK_OK ||
	    (rc = secret_hash(secret, strlen(secret), h)) != STK_OK ||
	    (rc = store_party_add(st, kind, name, h, srv_now_ms(), NULL)) !=
	    STK_OK) {
		fprintf(stderr, "stkauth-server: %s %s: %s\n", kind == STORE_RP ?
		    "relying party" : "bridge", name, stk_strerror(rc));
		goto out;
	}
	/* shown once: only the hash is stored */
	printf("%s\n", secret);
 out:
	OPENSSL_cleanse(secret, sizeof(secret));
	return rc;
}

/* K_auth from a file holding hex (not on the command line: ps shows it). */
static int
read_kauth(const char *path, uint8_t *k, size_t *klen)
{
	char buf[2 * STK_AUTH_KEY_MAX + 4];
	size_t n;
	FILE *f = fopen(path, "r");
	int rc = STK_E_INVALID;

	if (f == NULL)
		return STK_E_IO;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
	    buf[n - 1] == ' '))
		buf[--n] = '\0';
	if (n % 2 == 0 && n / 2 >= STK_AUTH_KEY_MIN &&
	    n / 2 <= STK_AUTH_KEY_MAX && hex_exact(buf, k, n / 2) == STK_OK) {
		*klen = n / 2;
		rc = STK_OK;
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

static int
add_account(struct store *st, const char *name, const char *msisdn,
    const char *iccid, const char *kauth_file)
{
	uint8_t k[STK_AUTH_KEY_MAX], ef[STK_AUTH_ICCID_LEN];
	size_t klen = 0;
	int64_t now = srv_now_ms();
	int rc;

	if (!account_name_valid(name) || (msisdn && !msisdn_valid(msisdn)) ||
	    (iccid && iccid_to_ef(iccid, ef) != STK_OK) ||
	    (iccid == NULL) != (kauth_file == NULL)) {
		fprintf(stderr, "stkauth-server: --add-account: invalid name, "
		    "MSISDN (+E.164), ICCID (18-20 digits), or --iccid without "
		    "--kauth-file\n");
		return STK_E_ARG;
	}
	if (kauth_file && (rc = read_kauth(kauth_file, k, &klen)) != STK_OK) {
		fprintf(stderr, "stkauth-server: %s: expected 16..64 octets in "
		    "hex\n", kauth_file);
		goto out;
	}
	if ((rc = store_account_add(st, name, now, NULL)) != STK_OK ||
	    (msisdn && (rc = store_binding_add(st, name, msisdn, now)) !=
	    STK_OK) ||
	    (iccid && (rc = store_card_enrol(st, name, iccid, k, klen, now)) !=
	    STK_OK)) {
		fprintf(stderr, "stkauth-server: account %s: %s\n", name,
		    stk_strerror(rc));
		goto out;
	}
	printf("account %s added\n", name);
 out:
	OPENSSL_cleanse(k, sizeof(k));
	return rc;
}

/* ---- main ----------------------------------------------------------- */

enum { OPT_DB = 256, OPT_API_KEY, OPT_BRIDGE, OPT_ACCOUNT, OPT_MSISDN,
	OPT_ICCID, OPT_KAUTH };

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'n' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "db", required_argument, NULL, OPT_DB },
		{ "add-api-key", required_argument, NULL, OPT_API_KEY },
		{ "add-bridge-token", required_argument, NULL, OPT_BRIDGE },
		{ "add-account", required_argument, NULL, OPT_ACCOUNT },
		{ "msisdn", required_argument, NULL, OPT_MSISDN },
		{ "iccid", required_argument, NULL, OPT_ICCID },
		{ "kauth-file", required_argument, NULL, OPT_KAUTH },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf = NULL, *db = NULL, *api_key = NULL, *bridge = NULL;
	const char *account = NULL, *msisdn = NULL, *iccid = NULL;
	const char *kauth = NULL;
	bool check = false, debug = false;
	int64_t started = srv_now_ms();
	struct srv s;
	struct event *sigterm = NULL, *sigint = NULL;
	struct event_config *ecfg = NULL;
	char err[512];
	int ch, rc = 1;

	memset(&s, 0, sizeof(s));
	stk_log_init("stkauth-server", STK_LOG_INFO);
	while ((ch = getopt_long(argc, argv, "c:ndh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': conf = optarg; break;
		case 'n': check = true; break;
		case 'd': debug = true; break;
		case 'h': usage(stdout); return 0;
		case OPT_DB: db = optarg; break;
		case OPT_API_KEY: api_key = optarg; break;
		case OPT_BRIDGE: bridge = optarg; break;
		case OPT_ACCOUNT: account = optarg; break;
		case OPT_MSISDN: msisdn = optarg; break;
		case OPT_ICCID: iccid = optarg; break;
		case OPT_KAUTH: kauth = optarg; break;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || (conf == NULL && db == NULL)) {
		usage(stderr);
		return 2;
	}
	config_defaults(&s.cfg);
	if (conf && config_load(conf, &s.cfg, err, sizeof(err)) != STK_OK) {
		fprintf(stderr, "stkauth-server: %s\n", err);
		return 1;
	}
	if (db)
		snprintf(s.cfg.db_path, sizeof(s.cfg.db_path), "%s", db);
	stk_log_set_level(debug ? STK_LOG_DEBUG :
	    (enum stk_log_level)s.cfg.log_level);
	if (check) {
		printf("configuration OK\n");
		return 0;
	}
	if (store_open(s.cfg.db_path, &s.store) != STK_OK) {
		fprintf(stderr, "stkauth-server: cannot open the store %s\n",
		    s.cfg.db_path);
		return 1;
	}
	if (api_key || bridge || account) {
		if (api_key)
			rc = add_party(s.store, STORE_RP, api_key);
		else if (bridge)
			rc = add_party(s.store, STORE_BRIDGE, bridge);
		else
			rc = add_account(s.store, account, msisdn, iccid, kauth);
		store_close(s.store);
		return rc == STK_OK ? 0 : 1;
	}
	if (conf == NULL) {
		fprintf(stderr, "stkauth-server: serving needs -c FILE\n");
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	/* WAL checkpoints (a copy and two fdatasync) off the event loop */
	if (store_checkpoints_offload(s.store) != STK_OK)
		goto out;
	/*
	 * Keep freed memory instead of handing it back at once: glibc's
	 * default trims the heap top above 128 KB, and the brk() and TLB
	 * shootdowns of trimming after every burst of requests were 5 % of
	 * the CPU (docs/PERFORMANCE.md "Server").  Only the sanitizer build
	 * allocates through glibc; the daemon links jemalloc (build.mk), for
	 * which these settings change nothing.
	 */
	mallopt(M_TRIM_THRESHOLD, 8 << 20);
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	/*
	 * epoll interest changes batched per loop turn (libevent's
	 * changelist): a keep-alive HTTP request toggles its connection's
	 * read and write interest several times, otherwise one epoll_ctl()
	 * each - 4 of its 8 system calls (docs/PERFORMANCE.md "Login page").
	 * The flag's one caveat, fds cloned with dup() registered in the
	 * loop, does not apply: this process registers none.
	 */
	if ((ecfg = event_config_new()) == NULL ||
	    event_config_set_flag(ecfg,
	    EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST) != 0 ||
	    (s.base = event_base_new_with_config(ecfg)) == NULL) {
		fprintf(stderr, "stkauth-server: event_base_new failed\n");
		event_config_free(ecfg);
		goto out;
	}
	event_config_free(ecfg);
	if (certsrc_from_config(&s.cfg, &s.certs, err, sizeof(err)) != STK_OK ||
	    http_start(&s, err, sizeof(err)) != STK_OK) {
		fprintf(stderr, "stkauth-server: %s\n", err);
		goto out;
	}
	if (verify_pool_new(s.base, s.cfg.workers, s.certs, bridge_verify_done,
	    &s, &s.pool) != STK_OK) {
		fprintf(stderr, "stkauth-server: cannot start the workers\n");
		goto out;
	}
	{
		struct timeval tv = { SWEEP_INTERVAL_MS / 1000, 0 };

		s.sweeper = event_new(s.base, -1, EV_PERSIST, sweep, &s);
		sigterm = evsignal_new(s.base, SIGTERM, on_signal, &s);
		sigint = evsignal_new(s.base, SIGINT, on_signal, &s);
		if (s.sweeper == NULL || sigterm == NULL || sigint == NULL ||
		    event_add(s.sweeper, &tv) != 0 ||
		    event_add(sigterm, NULL) != 0 ||
		    event_add(sigint, NULL) != 0) {
			fprintf(stderr, "stkauth-server: event setup failed\n");
			goto out;
		}
	}
	reverify_all(&s, started);
	log_info("stkauth-server ready (store %s, schema %d, %u workers)",
	    s.cfg.db_path, store_schema_version(s.store), s.cfg.workers);
	event_base_dispatch(s.base);
	rc = 0;
 out:
	http_stop(&s);
	bridge_retries_free(&s);
	verify_pool_free(s.pool);
	certsrc_free(s.certs);
	if (s.sweeper)
		event_free(s.sweeper);
	if (drain_ev)
		event_free(drain_ev);
	if (sigterm)
		event_free(sigterm);
	if (sigint)
		event_free(sigint);
	if (s.base)
		event_base_free(s.base);
	store_close(s.store);
	log_info("stopped");
	return rc;
}
