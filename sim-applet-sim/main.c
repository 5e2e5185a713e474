/*
 * main.c - stkauth-sim: the virtual UICC, plugged into pcscd through
 * vsmartcard's vpcd.  See docs/man/stkauth-sim.8 and docs/SIM.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "bytes.h"
#include "card.h"
#include "err.h"
#include "hex.h"
#include "log.h"

static volatile sig_atomic_t stop_flag;

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void
usage(FILE *f)
{
	fprintf(f,
"usage: stkauth-sim --state FILE [--iccid DIGITS --imsi DIGITS]\n"
"                   [--msisdn +NUMBER] [--smsc +NUMBER] [--pin PIN]\n"
"                   [--puk PUK] [--admin-key HEX] [--tar HEX]\n"
"                   [--vpcd HOST:PORT] [--log-level LEVEL] [-n] [-h]\n"
"\n"
"  --state FILE       card state; created from the options below when\n"
"                     it does not exist, loaded (and checked against\n"
"                     the options given) when it does\n"
"  --iccid DIGITS     ICCID, 18-20 digits (new card: required)\n"
"  --imsi DIGITS      IMSI, 6-15 digits (new card: required)\n"
"  --msisdn +NUMBER   subscriber number for EF MSISDN\n"
"  --smsc +NUMBER     service centre for EF SMSP\n"
"  --pin PIN          PIN1, 4-8 digits (new card; default 0000)\n"
"  --puk PUK          PUK1, 8 digits (new card; default 12345678)\n"
"                     (the applet PIN / PUK start with the same values)\n"
"  --admin-key HEX    personalisation key, 16 bytes (new card; default:\n"
"                     random, printed once on stdout)\n"
"  --tar HEX          TAR of the auth applet, 3 bytes (new card;\n"
"                     default 53544B)\n"
"  --vpcd HOST:PORT   vpcd to connect to (default %s:%u)\n"
"  --log-level LEVEL  error, warn, info (default) or debug\n"
"  -n, --check        check the state and options, then exit\n"
"  -h, --help         this text\n",
	    VPCD_DEFAULT_HOST, VPCD_DEFAULT_PORT);
}

/*
 * One card, one process: hold an exclusive lock on FILE.lock for the
 * lifetime of the program (the state file itself is replaced by rename,
 * so it cannot carry the lock).  Returns the fd, or -1 with a message.
 */
static int
lock_state(const char *state)
{
	char path[4096];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s.lock", state) >=
	    sizeof(path)) {
		fprintf(stderr, "stkauth-sim: %s: name too long\n", state);
		return -1;
	}
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		fprintf(stderr, "stkauth-sim: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		fprintf(stderr, "stkauth-sim: %s: %s\n", path,
		    errno == EWOULDBLOCK ?
		    "another stkauth-sim is running this card" :
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Exactly n bytes of hex from text into out. */
static bool
parse_hex_exact(const char *text, uint8_t *out, size_t n)
{
	struct stk_buf b;
	bool ok;

	stk_buf_init(&b);
	ok = stk_hex_decode(text, &b) == STK_OK && stk_buf_len(&b) == n;
	if (ok)
		memcpy(out, stk_buf_data(&b), n);
	explicit_bzero(stk_buf_data(&b), stk_buf_len(&b));
	stk_buf_free(&b);
	return ok;
}

/*
 * Give the card its admin key: the one of --admin-key, or a random one
 * printed once on stdout (the only time it is ever shown).  Returns
 * false when no randomness is available.
 */
static bool
set_admin_key(struct card_data *d, const uint8_t *given)
{
	char hex[2 * CARD_ADMIN_KEY_LEN + 1];

	if (given != NULL) {
		memcpy(d->admin_key, given, CARD_ADMIN_KEY_LEN);
		return true;
	}
	if (RAND_bytes(d->admin_key, CARD_ADMIN_KEY_LEN) != 1)
		return false;
	stk_hex_format(hex, d->admin_key, CARD_ADMIN_KEY_LEN, 1);
	printf("admin-key %s\n", hex);
	fflush(stdout);
	explicit_bzero(hex, sizeof(hex));
	return true;
}

static bool
all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/* "host:port" or "[v6]:port" into conf (host points into arg). */
static bool
parse_endpoint(char *arg, struct vpcd_conf *conf)
{
	char *colon, *end;
	unsigned long port;

	if (arg[0] == '[') {
		char *close = strchr(arg, ']');

		if (close == NULL || close[1] != ':')
			return false;
		*close = '\0';
		conf->host = arg + 1;
		colon = close + 1;
	} else {
		if ((colon = strrchr(arg, ':')) == NULL)
			return false;
		*colon = '\0';
		conf->host = arg;
	}
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || end == colon + 1 || port == 0 ||
	    port > 65535 || conf->host[0] == '\0')
		return false;
	conf->port = (uint16_t)port;
	return true;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "state",     required_argument, NULL, 's' },
		{ "iccid",     required_argument, NULL, 'c' },
		{ "imsi",      required_argument, NULL, 'i' },
		{ "msisdn",    required_argument, NULL, 'm' },
		{ "smsc",      required_argument, NULL, 'S' },
		{ "pin",       required_argument, NULL, 'p' },
		{ "puk",       required_argument, NULL, 'u' },
		{ "admin-key", required_argument, NULL, 'A' },
		{ "tar",       required_argument, NULL, 'T' },
		{ "vpcd",      required_argument, NULL, 'v' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "check",     no_argument,       NULL, 'n' },
		{ "help",      no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vpcd_conf conf = {
		VPCD_DEFAULT_HOST, VPCD_DEFAULT_PORT, 250, 8000,
	};
	struct card_params params;
	struct card_data data;
	struct stk_diag diag;
	struct sigaction sa;
	static struct card card;
	const char *state = NULL, *what = NULL;
	char iccid[21], imsi[16], msg[128];
	uint8_t admin_key[CARD_ADMIN_KEY_LEN], tar[3];
	bool check = false, created = false, have_admin = false;
	bool have_tar = false, migrate = false;
	int ch, r, level, lockfd = -1;

	memset(&params, 0, sizeof(params));
	stk_log_init("stkauth-sim", STK_LOG_INFO);
	while ((ch = getopt_long(argc, argv, "nh", longopts, NULL)) != -1) {
		switch (ch) {
		case 's': state = optarg; break;
		case 'c': params.iccid = optarg; break;
		case 'i': params.imsi = optarg; break;
		case 'm': params.msisdn = optarg; break;
		case 'S': params.smsc = optarg; break;
		case 'p': params.pin1 = optarg; break;
		case 'u': params.puk1 = optarg; break;
		case 'A':
			if (!parse_hex_exact(optarg, admin_key,
			    sizeof(admin_key))) {
				fprintf(stderr, "stkauth-sim: --admin-key: "
				    "expected 16 bytes of hex\n");
				return 2;
			}
			have_admin = true;
			break;
		case 'T':
			if (!parse_hex_exact(optarg, tar, sizeof(tar))) {
				fprintf(stderr, "stkauth-sim: --tar: expected "
				    "3 bytes of hex\n");
				return 2;
			}
			have_tar = true;
			break;
		case 'v':
			if (!parse_endpoint(optarg, &conf)) {
				fprintf(stderr, "stkauth-sim: --vpcd: expected "
				    "HOST:PORT, got \"%s\"\n", optarg);
				return 2;
			}
			break;
		case 'l':
			if ((level = stk_log_level_parse(optarg)) < 0) {
				fprintf(stderr, "stkauth-sim: --log-level: "
				    "unknown level \"%s\"\n", optarg);
				return 2;
			}
			stk_log_set_level((enum stk_log_level)level);
			break;
		case 'n': check = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || state == NULL) {
		fprintf(stderr, "stkauth-sim: %s\n", state == NULL ?
		    "--state FILE is required" : "unexpected argument");
		usage(stderr);
		return 2;
	}

	if (!check && (lockfd = lock_state(state)) < 0)
		return 1;
	stk_diag_clear(&diag);
	r = state_load(state, &data, &diag);
	if (r == STK_E_NOT_FOUND) {
		if ((r = content_new_card(&params, &data, &what)) != STK_OK) {
			fprintf(stderr, "stkauth-sim: cannot create %s: %s: "
			    "%s\n", state, what, r == STK_E_ARG ?
			    "required for a new card" : stk_strerror(r));
			return 2;
		}
		if (have_tar)
			memcpy(data.auth_tar, tar, sizeof(tar));
		created = true;
	} else if (r != STK_OK) {
		fprintf(stderr, "stkauth-sim: %s: %s\n", state,
		    r == STK_E_IO ? stk_strerror(r) :
		    stk_diag_format(&diag, msg, sizeof(msg)));
		return 1;
	} else if (!content_matches(&params, &data, &what) ||
	    (have_tar && memcmp(tar, data.auth_tar, sizeof(tar)) != 0 &&
	    (what = "--tar") != NULL) ||
	    (have_admin && stk_ct_equal(admin_key, data.admin_key,
	    sizeof(admin_key)) != 1 && (what = "--admin-key") != NULL)) {
		fprintf(stderr, "stkauth-sim: %s exists and %s disagrees with "
		    "the card in it (remove the option, or the file to make "
		    "a new card)\n", state, what);
		return 2;
	} else if (all_zero(data.admin_key, sizeof(data.admin_key))) {
		/* A version-1 card: it gets its admin key now. */
		migrate = true;
	}
	if (content_iccid_text(data.ef[CARD_EF_ICCID], iccid) != STK_OK ||
	    content_imsi_text(data.ef[CARD_EF_IMSI], imsi) != STK_OK) {
		fprintf(stderr, "stkauth-sim: %s: bad identities\n", state);
		return 1;
	}
	if (check) {
		printf("%s: %s card ICCID %s IMSI %s, PIN1 %s, %u tries left\n",
		    state, created ? "would create" : "valid", iccid, imsi,
		    data.pin1_enabled ? "enabled" : "disabled",
		    data.pin1_tries);
		r = 0;
		for (size_t i = 0; i < CARD_KEYSET_SLOTS; i++)
			r += data.ks[i].kvn != 0;
		printf("%s: applet TAR %02X%02X%02X, %d OTA key set(s), "
		    "K_auth %s, key pair %s, service number %s\n", state,
		    data.auth_tar[0], data.auth_tar[1], data.auth_tar[2], r,
		    data.kauth_len != 0 ? "loaded" : "missing",
		    data.rsa_len != 0 ? "present" : "missing",
		    data.service[0] != '\0' ? data.service : "missing");
		return 0;
	}
	if ((created || migrate) &&
	    !set_admin_key(&data, have_admin ? admin_key : NULL)) {
		fprintf(stderr, "stkauth-sim: no random bytes for the admin "
		    "key\n");
		return 1;
	}
	explicit_bzero(admin_key, sizeof(admin_key));
	if (created || migrate) {
		if ((r = state_save(state, &data)) != STK_OK) {
			fprintf(stderr, "stkauth-sim: cannot write %s: %s\n",
			    state, stk_strerror(r));
			return 1;
		}
		log_info("%s card ICCID %s IMSI %s in %s", created ?
		    "created" : "upgraded", iccid, imsi, state);
	} else {
		log_info("loaded card ICCID %s IMSI %s from %s", iccid, imsi,
		    state);
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: poll() wakes up */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	card_init(&card, &data, state_persist, (void *)state);
	explicit_bzero(&data, sizeof(data));
	r = vpcd_run(&conf, &card, &stop_flag);
	explicit_bzero(&card, sizeof(card));
	close(lockfd);
	return r == STK_OK ? 0 : 1;
}
