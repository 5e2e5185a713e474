/*
 * main.c - stkauth-bridge: options, start-up, signals (docs/BRIDGE.md,
 * stkauth-bridge(8)).
 *
 *   stkauth-bridge -c FILE [-n] [-d]      run (-n: check the configuration
 *                                         and exit; -d: debug log)
 *   stkauth-bridge --list-modems          serial ports (modem pool)
 *   stkauth-bridge --help | --version
 *
 * Start-up failures are fatal (exit 1, configuration errors exit 2);
 * SIGTERM/SIGINT stop claiming, drain the transports and exit 0; SIGHUP
 * is ignored (restart to reload: every state is on disk).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "bridge.h"
#include "err.h"
#include "log.h"
#include "modem_list.h"

/* Commands other than running; --list-modems belongs to the modem pool
 * (modem_list.c). */
struct command {
	const char *opt;
	int (*run)(void);
	const char *what;
};

static int
list_modems(void)
{
	return modem_list_ports(stdout) == 0 ? 0 : 1;
}

static const struct command commands[] = {
	{ "--list-modems", list_modems,
	    "list serial ports with their USB details" },
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: stkauth-bridge -c FILE [-n] [-d]\n"
	    "       stkauth-bridge --help | --version\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "       stkauth-bridge %s   (%s)\n", commands[i].opt,
		    commands[i].what);
	fprintf(f, "  -c FILE  configuration (INI, docs/BRIDGE.md)\n"
	    "  -n       check the configuration and exit\n"
	    "  -d       debug log (decoded PDUs)\n");
}

struct run {
	struct event_base *base;
	struct bridge *b;
	int signals;
};

static void
stopped(void *arg)
{
	struct run *r = arg;

	log_info("stopped");
	event_base_loopexit(r->base, NULL);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct run *r = arg;

	(void)what;
	if (sig == SIGHUP) {
		log_info("SIGHUP: nothing to reload (restart to apply a new "
		    "configuration)");
		return;
	}
	if (++r->signals > 1) {
		log_warn("second signal: exiting now");
		event_base_loopbreak(r->base);
		return;
	}
	log_info("signal %d: stopping", (int)sig);
	bridge_stop(r->b, stopped, r);
}

int
main(int argc, char **argv)
{
	struct bridge_config *cfg;
	struct metrics_http *mh = NULL;
	struct event *sigs[3] = { NULL, NULL, NULL };
	static const int signums[3] = { SIGTERM, SIGINT, SIGHUP };
	const char *file = NULL;
	struct run run;
	char err[512];
	bool check = false, debug = false;
	int rc = 1;

	stk_log_init("stkauth-bridge", STK_LOG_INFO);
	for (int i = 1; i < argc; i++) {
		bool done = false;

		for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]);
		    k++)
			if (strcmp(argv[i], commands[k].opt) == 0)
				return commands[k].run();
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("stkauth-bridge %s\n", BRIDGE_VERSION);
			return 0;
		} else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			file = argv[++i];
			done = true;
		} else if (strcmp(argv[i], "-n") == 0) {
			check = done = true;
		} else if (strcmp(argv[i], "-d") == 0) {
			debug = done = true;
		}
		if (!done) {
			usage(stderr);
			return 2;
		}
	}
	if (file == NULL) {
		usage(stderr);
		return 2;
	}
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL)
		return 1;
	if (bridge_config_load(file, cfg, err, sizeof(err)) != STK_OK) {
		fprintf(stderr, "stkauth-bridge: %s\n", err);
		bridge_config_free(cfg);
		free(cfg);
		return 2;
	}
	if (check) {
		printf("%s: configuration OK (%zu transport(s), "
		    "queue_retention %u s)\n", file, cfg->nt,
		    cfg->queue_retention_s);
		bridge_config_free(cfg);
		free(cfg);
		return 0;
	}
	stk_log_set_level(debug ? STK_LOG_DEBUG : cfg->log_level);
	signal(SIGPIPE, SIG_IGN);
	umask(077);
	memset(&run, 0, sizeof(run));
	if ((run.base = event_base_new()) == NULL)
		goto out;
	if (bridge_new(run.base, cfg, &run.b, err, sizeof(err)) != STK_OK) {
		log_error("%s", err);
		goto out;
	}
	if (cfg->metrics_listen[0] != '\0' && metrics_http_start(run.base,
	    cfg->metrics_listen, run.b, &mh, err, sizeof(err)) != STK_OK) {
		log_error("%s", err);
		goto out;
	}
	for (int i = 0; i < 3; i++) {
		sigs[i] = evsignal_new(run.base, signums[i], on_signal, &run);
		if (sigs[i] == NULL || event_add(sigs[i], NULL) != 0)
			goto out;
	}
	log_info("stkauth-bridge %s started (pid %ld)", BRIDGE_VERSION,
	    (long)getpid());
	bridge_start(run.b);
	event_base_dispatch(run.base);
	rc = 0;
out:
	for (int i = 0; i < 3; i++)
		if (sigs[i] != NULL)
			event_free(sigs[i]);
	metrics_http_free(mh);
	bridge_free(run.b);
	if (run.base != NULL)
		event_base_free(run.base);
	bridge_config_free(cfg);
	free(cfg);
	return rc;
}
