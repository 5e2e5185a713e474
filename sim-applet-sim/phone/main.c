/*
 * main.c - stkauth-phone: the ME (handset) simulator.  Drives a (U)SIM
 * through PC/SC exactly as a handset does (power-on, TERMINAL PROFILE,
 * EF ICCID / EF MSISDN, the proactive loop), attaches to the network
 * simulator as the card's subscriber, passes SMS-PP data download to the
 * card, shows plain SMS, sends the card's SEND SHORT MESSAGE as MO SMS and
 * shows proactive pop-ups (terminal, automatic answers, control socket).
 * See docs/PHONE.md and docs/man/stkauth-phone.1.
 *
 * This file: options, signals, the PC/SC transport's life cycle and the
 * one single-threaded poll() loop over stdin (the keypad), the network
 * connection and the control socket; what the handset does is session.c.
 * SCardTransmit blocks, but only for the few milliseconds a card takes.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "phone.h"
#include "sms_addr.h"

static volatile sig_atomic_t stop_flag;

static void
pcsc_release(struct phone *ph)
{
	phone_pcsc_close(ph->pcsc);
	ph->pcsc = NULL;
}

/* Power-on: the PC/SC connection, then the handset's start-up. */
static int
card_start(struct phone *ph)
{
	int err;

	if ((err = phone_pcsc_open(ph->reader, ph->protocol, &ph->pcsc)) != 0)
		return err;
	ph->card.xmit = phone_pcsc_xmit;
	ph->card.ctx = ph->pcsc;
	ph->card.t1 = strcmp(phone_pcsc_protocol(ph->pcsc), "T=1") == 0;
	if ((err = phone_session_card_ready(ph)) != 0)
		pcsc_release(ph);
	return err;
}

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* ---- options and the loop ------------------------------------------------ */

static void
usage(FILE *f)
{
	fprintf(f,
"usage: stkauth-phone [--reader NAME] [--protocol T=0|T=1] [--sim-pin PIN]\n"
"                     [--network ENDPOINT]\n"
"                     [--msisdn +NUMBER] [--smsc +NUMBER] [--control PATH]\n"
"                     [--auto confirm|reject|ignore] [--pin PIN]\n"
"                     [--delay MS] [--ui-timeout SEC] [--rel11-smspp]\n"
"                     [--log-level LEVEL] [-h]\n"
"\n"
"  --reader NAME      PC/SC reader (default: the first with a card)\n"
"  --protocol T=0|T=1 insist on this transmission protocol (default: any)\n"
"  --sim-pin PIN      PIN1, verified when EF MSISDN needs it\n"
"  --network EP       netsim subscriber port: HOST:PORT or a socket path\n"
"  --msisdn +NUMBER   attach with this number (default: EF MSISDN)\n"
"  --smsc +NUMBER     SC address put into SMS-PP DOWNLOAD envelopes\n"
"  --control PATH     control socket (STATUS, ANSWER, INFO, EVENTS)\n"
"  --auto MODE        answer pop-ups: confirm, reject or ignore\n"
"  --pin PIN          what --auto confirm types into GET INPUT\n"
"  --delay MS         wait before an automatic answer (default 500)\n"
"  --ui-timeout SEC   no answer -> \"no response from user\" (default 60)\n"
"  --rel11-smspp      62xx/63xx to SMS-PP download: RP-ACK (Rel-11)\n"
"  --log-level LEVEL  error, warn, info (default) or debug (APDUs)\n"
"  -h, --help         this text\n");
}

static bool
parse_uint(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	return s[0] >= '0' && s[0] <= '9' && *end == '\0' && errno == 0 &&
	    *v <= max;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "reader",      required_argument, NULL, 'r' },
		{ "protocol",    required_argument, NULL, 'T' },
		{ "sim-pin",     required_argument, NULL, 'P' },
		{ "network",     required_argument, NULL, 'N' },
		{ "msisdn",      required_argument, NULL, 'm' },
		{ "smsc",        required_argument, NULL, 'S' },
		{ "control",     required_argument, NULL, 'c' },
		{ "auto",        required_argument, NULL, 'a' },
		{ "pin",         required_argument, NULL, 'p' },
		{ "delay",       required_argument, NULL, 'd' },
		{ "ui-timeout",  required_argument, NULL, 't' },
		{ "rel11-smspp", no_argument,       NULL, '1' },
		{ "log-level",   required_argument, NULL, 'l' },
		{ "help",        no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct phone ph;
	struct phone_ctl_ops ops;
	struct pollfd pfd[2 + PHONE_CTL_MAX_FDS];
	struct sigaction sa;
	unsigned long v;
	const char *msisdn;
	int ch, level, rc = 1;
	size_t n, ctl_first, nctl;

	stk_log_init("stkauth-phone", STK_LOG_INFO);
	ph.delay_ms = 500;
	ph.screen = stdout;
	ph.card_close = pcsc_release;
	ph.ui_timeout_ms = 60000;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r': ph.reader = optarg; break;
		case 'T':
			if (strcmp(optarg, "T=0") != 0 &&
			    strcmp(optarg, "T=1") != 0) {
				fprintf(stderr, "stkauth-phone: --protocol: T=0 "
				    "or T=1\n");
				return 2;
			}
			ph.protocol = optarg;
			break;
		case 'P': ph.sim_pin = optarg; break;
		case 'N': ph.network = optarg; break;
		case 'm': ph.msisdn_opt = optarg; break;
		case 'c': ph.control = optarg; break;
		case 'p': ph.input_pin = optarg; break;
		case '1': ph.rel11 = true; break;
		case 'S':
			if (stk_sms_addr_from_text(optarg, &ph.smsc) != 0 ||
			    ph.smsc.ton == STK_TON_ALPHANUMERIC) {
				fprintf(stderr, "stkauth-phone: --smsc: a number "
				    "please\n");
				return 2;
			}
			ph.have_smsc = true;
			break;
		case 'a':
			if (strcmp(optarg, "confirm") == 0)
				ph.auto_mode = PHONE_AUTO_CONFIRM;
			else if (strcmp(optarg, "reject") == 0)
				ph.auto_mode = PHONE_AUTO_REJECT;
			else if (strcmp(optarg, "ignore") == 0)
				ph.auto_mode = PHONE_AUTO_IGNORE;
			else {
				fprintf(stderr, "stkauth-phone: --auto: "
				    "confirm, reject or ignore\n");
				return 2;
			}
			break;
		case 'd':
			if (!parse_uint(optarg, 3600000, &v)) {
				fprintf(stderr, "stkauth-phone: --delay: "
				    "milliseconds\n");
				return 2;
			}
			ph.delay_ms = (unsigned)v;
			break;
		case 't':
			if (!parse_uint(optarg, 86400, &v) || v == 0) {
				fprintf(stderr, "stkauth-phone: --ui-timeout: "
				    "seconds, 1-86400\n");
				return 2;
			}
			ph.ui_timeout_ms = (unsigned)v * 1000;
			break;
		case 'l':
			if ((level = stk_log_level_parse(optarg)) < 0) {
				fprintf(stderr, "stkauth-phone: unknown log "
				    "level %s\n", optarg);
				return 2;
			}
			stk_log_set_level((enum stk_log_level)level);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	ph.ui = ph.auto_mode == PHONE_AUTO_NONE && isatty(0);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	phone_session_ctl_ops(&ph, &ops);
	if (ph.control != NULL && phone_ctl_open(ph.control, &ops,
	    &ph.ctl) != 0)
		return 1;

	while (!stop_flag) {
		int err, timeout;

		if (!ph.card_ok && phone_now_ms() >= ph.card_retry_at) {
			err = card_start(&ph);
			if (err == STK_E_VERIFY) {
				/* Never guess a PIN twice: the card counts. */
				log_error("wrong PIN1; giving up");
				goto out;
			}
			if (err != 0)
				ph.card_retry_at = phone_now_ms() +
				    PHONE_CARD_RETRY_MS;
		}
		if (ph.card_ok && ph.net == NULL && ph.network != NULL) {
			msisdn = ph.msisdn_opt != NULL ? ph.msisdn_opt :
			    ph.info.msisdn;
			if (msisdn[0] == '\0') {
				log_error("no MSISDN on the card: give --msisdn");
				goto out;
			}
			if (phone_net_new(ph.network, msisdn, &ph.net) != 0) {
				log_error("--network %s / MSISDN %s: invalid",
				    ph.network, msisdn);
				goto out;
			}
		}
		if (ph.net != NULL)
			phone_net_tick(ph.net);
		/* The proactive loop: FETCH while the card has commands and
		 * the terminal is free to run them. */
		phone_session_proactive(&ph);

		n = 0;
		if (ph.ui) {
			pfd[n].fd = 0;
			pfd[n++].events = POLLIN;
		}
		if (ph.net != NULL && phone_net_fd(ph.net) >= 0) {
			pfd[n].fd = phone_net_fd(ph.net);
			pfd[n++].events = POLLIN;
		}
		ctl_first = n;
		nctl = ph.ctl != NULL ? phone_ctl_pollfds(ph.ctl,
		    pfd + n) : 0;
		n += nctl;
		timeout = phone_session_timeout(&ph);
		if (poll(pfd, n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			log_error("poll: %s", strerror(errno));
			goto out;
		}
		for (size_t k = 0; k < ctl_first; k++) {
			if (pfd[k].revents == 0)
				continue;
			if (pfd[k].fd == 0) {
				char line[PHONE_INPUT_MAX + 2];

				if (fgets(line, sizeof(line), stdin) == NULL) {
					ph.ui = false;	/* EOF: no keypad */
					continue;
				}
				phone_session_keypad(&ph, line);
				memset(line, 0, sizeof(line));
			} else if (ph.net != NULL &&
			    pfd[k].fd == phone_net_fd(ph.net)) {
				phone_session_net_input(&ph);
			}
		}
		if (ph.ctl != NULL)
			phone_ctl_handle(ph.ctl, pfd + ctl_first, nctl);
		phone_session_timers(&ph);
	}
	log_info("stopping");
	rc = 0;
 out:
	phone_session_end(&ph);
	phone_net_free(ph.net);
	phone_ctl_close(ph.ctl);
	phone_pcsc_close(ph.pcsc);
	return rc;
}
