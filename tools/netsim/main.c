/*
 * main.c - stkauth-netsim: the GSM network simulator daemon.
 *
 *   stkauth-netsim -c FILE [-n] [-d] [-v]
 *
 * -n checks the configuration and exits (0 valid, 1 with "FILE:LINE:
 * message" otherwise); -d logs at debug level (decoded PDUs); SIGTERM and
 * SIGINT stop it cleanly.  Startup failures are fatal, runtime failures
 * close only the one connection.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "ns_priv.h"

static void
usage(void)
{
	fprintf(stderr, "usage: stkauth-netsim -c FILE [-n] [-d]\n"
	    "  -c FILE  configuration (INI), see stkauth-netsim(8)\n"
	    "  -n       check the configuration and exit\n"
	    "  -d       debug logging (decoded PDUs)\n");
	exit(2);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct event_base *base = arg;

	(void)what;
	log_info("netsim: signal %d, shutting down", (int)sig);
	event_base_loopexit(base, NULL);
}

int
main(int argc, char **argv)
{
	static struct ns_config cfg;	/* large: not on the stack */
	const char *file = NULL;
	bool check_only = false, debug = false;
	struct event_base *base = NULL;
	struct event *sigterm = NULL, *sigint = NULL;
	struct netsim *ns = NULL;
	struct ns_subscribers *subs = NULL;
	struct ns_modems *modems = NULL;
	struct ns_control *ctl = NULL;
	char err[512];
	size_t i, started = 0;
	int ch, rc = 1;

	stk_log_init("stkauth-netsim", STK_LOG_INFO);
	while ((ch = getopt(argc, argv, "c:nd")) != -1) {
		switch (ch) {
		case 'c':
			file = optarg;
			break;
		case 'n':
			check_only = true;
			break;
		case 'd':
			debug = true;
			break;
		default:
			usage();
		}
	}
	if (file == NULL || optind != argc)
		usage();
	ns_config_init(&cfg);
	cfg.modules[cfg.nmodules++] = &ns_smpp_module;
	if (ns_config_load(&cfg, file, err, sizeof(err)) != 0) {
		fprintf(stderr, "stkauth-netsim: %s\n", err);
		goto out;
	}
	if (check_only) {
		printf("%s: configuration OK (%zu subscribers, %zu modems)\n",
		    file, cfg.nsubs, cfg.nmodems);
		rc = 0;
		goto out;
	}
	stk_log_set_level(debug ? STK_LOG_DEBUG :
	    (enum stk_log_level)cfg.log_level);
	signal(SIGPIPE, SIG_IGN);
	if ((base = event_base_new()) == NULL ||
	    (ns = ns_new(base, &cfg)) == NULL) {
		log_error("netsim: out of memory");
		goto out;
	}
	if ((subs = ns_subscribers_start(ns)) == NULL ||
	    (modems = ns_modems_start(ns)) == NULL)
		goto out;
	for (i = 0; i < cfg.nmodules; i++, started++)
		if (cfg.modules[i]->start(ns, cfg.module_cfg[i]) != 0) {
			log_error("netsim: module %s failed to start",
			    cfg.modules[i]->name);
			goto out;
		}
	for (i = 0; i < cfg.nfault_keys; i++)
		if (ns_fault_set(ns, cfg.fault_keys[i].key,
		    cfg.fault_keys[i].value, err, sizeof(err)) != 0) {
			log_error("netsim: %s:%d: %s", cfg.file,
			    cfg.fault_keys[i].line, err);
			goto out;
		}
	if (cfg.http_listen[0] != '\0' &&
	    (ctl = ns_control_start(ns, cfg.http_listen)) == NULL)
		goto out;
	sigterm = evsignal_new(base, SIGTERM, on_signal, base);
	sigint = evsignal_new(base, SIGINT, on_signal, base);
	if (sigterm == NULL || sigint == NULL || evsignal_add(sigterm, NULL) ||
	    evsignal_add(sigint, NULL))
		goto out;
	log_info("netsim: ready (%zu subscribers, %zu modems)", cfg.nsubs,
	    cfg.nmodems);
	event_base_dispatch(base);
	rc = 0;
out:
	if (sigterm != NULL)
		event_free(sigterm);
	if (sigint != NULL)
		event_free(sigint);
	ns_control_stop(ctl);
	for (i = started; i > 0; i--)
		if (cfg.modules[i - 1]->stop != NULL)
			cfg.modules[i - 1]->stop(ns, cfg.module_cfg[i - 1]);
	ns_modems_stop(modems);
	ns_subscribers_stop(subs);
	ns_free(ns);
	ns_config_free(&cfg);
	if (base != NULL)
		event_base_free(base);
	return rc;
}
