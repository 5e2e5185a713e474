/*
 * netsim_chat - a scripted client for the netsim tests: connects to
 * HOST:PORT (TCP) or opens a tty path, then runs a script from stdin.
 *
 *   send TEXT        write TEXT; escapes \r \n \b \e (ESC) \z (Ctrl-Z) \xHH
 *                    \\ and
 *                    $1..$9 (groups of the last "match")
 *   expect TEXT      wait until TEXT (escapes as above) has been received;
 *                    what precedes it and TEXT itself are consumed
 *   match ERE        wait until the POSIX extended regex matches the
 *                    received text; keep its groups as $1..$9; consume
 *                    through the end of the match
 *   absent MS TEXT   fail if TEXT arrives within MS milliseconds
 *   sleep MS         wait
 *   timeout S        per-wait limit (default 5 s)
 *   print TEXT       write TEXT (escapes, $N) and a newline to stdout
 *   eof              wait until the peer closes the connection
 *   close            close the connection now
 *   # ...            comment
 *
 * Exit 0 when the script completes, 1 with a diagnostic (the line and
 * what was received) otherwise.  Every wait is bounded.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define RX_MAX 65536

static int fd = -1;
static char rx[RX_MAX + 1];
static size_t rxlen;
static char groups[10][512];
static int timeout_ms = 5000;
static int lineno;

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
dump_rx(void)
{
	size_t i;

	fprintf(stderr, "netsim_chat: received so far (%zu bytes): ", rxlen);
	for (i = 0; i < rxlen; i++) {
		unsigned char c = (unsigned char)rx[i];

		if (c == '\r')
			fputs("\\r", stderr);
		else if (c == '\n')
			fputs("\\n", stderr);
		else if (c < 0x20 || c > 0x7e)
			fprintf(stderr, "\\x%02x", c);
		else
			fputc(c, stderr);
	}
	fputc('\n', stderr);
}

static void
die(const char *what)
{
	fprintf(stderr, "netsim_chat: script line %d: %s\n", lineno, what);
	dump_rx();
	exit(1);
}

/* Read what is available within ms (at least one poll). 0 on EOF. */
static int
fill(int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	ssize_t n;

	if (fd < 0)
		return 0;
	if (poll(&p, 1, ms < 0 ? 0 : ms) <= 0)
		return 1;
	if (rxlen == RX_MAX)
		die("receive buffer full");
	n = read(fd, rx + rxlen, RX_MAX - rxlen);
	if (n <= 0)
		return 0;
	/* NULs would end the string searches: show them as '@'. */
	for (ssize_t i = 0; i < n; i++)
		if (rx[rxlen + (size_t)i] == '\0')
			rx[rxlen + (size_t)i] = '@';
	rxlen += (size_t)n;
	rx[rxlen] = '\0';
	return 1;
}

static void
consume(size_t n)
{
	memmove(rx, rx + n, rxlen - n);
	rxlen -= n;
	rx[rxlen] = '\0';
}

/* Unescape s into out (with $N substitution). */
static size_t
unescape_as(const char *s, char *out, size_t outsz, bool for_regex)
{
	size_t k = 0;

	while (*s != '\0' && k + 1 < outsz) {
		if (s[0] == '\\' && s[1] == 'x' && isxdigit((unsigned char)s[2])
		    && isxdigit((unsigned char)s[3])) {
			char hex[3] = { s[2], s[3], '\0' };

			out[k++] = (char)strtol(hex, NULL, 16);
			s += 4;
		} else if (s[0] == '\\' && s[1] != '\0') {
			char c = s[1];

			s += 2;
			if (for_regex && strchr("rnezbx", c) == NULL) {
				/* A regex escape such as \+ stays. */
				out[k++] = '\\';
				if (k + 1 >= outsz)
					break;
			}
			out[k++] = c == 'r' ? '\r' : c == 'n' ? '\n' :
			    c == 'e' ? 0x1b : c == 'z' ? 0x1a :
			    c == 'b' ? '\b' : c;
		} else if (!for_regex && s[0] == '$' && s[1] >= '1' &&
		    s[1] <= '9') {
			const char *g = groups[s[1] - '0'];
			size_t n = strlen(g);

			if (k + n >= outsz)
				die("substitution too long");
			memcpy(out + k, g, n);
			k += n;
			s += 2;
		} else {
			out[k++] = *s++;
		}
	}
	out[k] = '\0';
	return k;
}

static size_t
unescape(const char *s, char *out, size_t outsz)
{
	return unescape_as(s, out, outsz, false);
}

static void
do_send(const char *arg)
{
	char buf[4096];
	size_t n = unescape(arg, buf, sizeof(buf)), off = 0;

	while (off < n) {
		ssize_t w = write(fd, buf + off, n - off);

		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			die("write failed");
		}
		off += (size_t)w;
	}
}

static void
do_expect(const char *arg)
{
	char want[4096];
	long long end = now_ms() + timeout_ms;
	char *p;

	unescape(arg, want, sizeof(want));
	for (;;) {
		if ((p = strstr(rx, want)) != NULL) {
			consume((size_t)(p - rx) + strlen(want));
			return;
		}
		if (now_ms() >= end)
			die("expected text did not arrive");
		if (!fill((int)(end - now_ms())) && strstr(rx, want) == NULL)
			die("connection closed before the expected text");
	}
}

static void
do_match(const char *arg)
{
	regex_t re;
	regmatch_t mt[10];
	long long end = now_ms() + timeout_ms;
	char pat[4096];
	int i;

	/* \r \n \e \z \b \xHH become bytes; other escapes are the
	 * regex's own. $N is not substituted in patterns. */
	unescape_as(arg, pat, sizeof(pat), true);
	if (regcomp(&re, pat, REG_EXTENDED) != 0)
		die("bad regex");
	for (;;) {
		if (regexec(&re, rx, 10, mt, 0) == 0) {
			for (i = 1; i < 10; i++) {
				size_t n = 0;

				if (mt[i].rm_so >= 0) {
					n = (size_t)(mt[i].rm_eo - mt[i].rm_so);
					if (n >= sizeof(groups[i]))
						n = sizeof(groups[i]) - 1;
					memcpy(groups[i], rx + mt[i].rm_so, n);
				}
				groups[i][n] = '\0';
			}
			consume((size_t)mt[0].rm_eo);
			regfree(&re);
			return;
		}
		if (now_ms() >= end)
			die("no match");
		if (!fill((int)(end - now_ms())) && regexec(&re, rx, 0, NULL,
		    0) != 0)
			die("connection closed before a match");
	}
}

static void
do_absent(const char *arg)
{
	char want[4096];
	char *sp;
	long long end;
	int ms = atoi(arg);

	if ((sp = strchr(arg, ' ')) == NULL)
		die("absent MS TEXT");
	unescape(sp + 1, want, sizeof(want));
	end = now_ms() + ms;
	while (now_ms() < end) {
		if (strstr(rx, want) != NULL)
			die("unexpected text arrived");
		if (!fill((int)(end - now_ms())))
			break;
	}
	if (strstr(rx, want) != NULL)
		die("unexpected text arrived");
}

static int
open_target(const char *target)
{
	struct addrinfo hints, *res;
	char host[256];
	const char *colon;
	int s;

	if (target[0] == '/') {
		struct termios t;

		if ((s = open(target, O_RDWR | O_NOCTTY)) < 0)
			return -1;
		if (tcgetattr(s, &t) == 0) {
			cfmakeraw(&t);
			tcsetattr(s, TCSANOW, &t);
		}
		return s;
	}
	if ((colon = strrchr(target, ':')) == NULL ||
	    (size_t)(colon - target) >= sizeof(host))
		return -1;
	memcpy(host, target, (size_t)(colon - target));
	host[colon - target] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, colon + 1, &hints, &res) != 0)
		return -1;
	s = socket(res->ai_family, res->ai_socktype, 0);
	if (s >= 0 && connect(s, res->ai_addr, res->ai_addrlen) != 0) {
		close(s);
		s = -1;
	}
	freeaddrinfo(res);
	return s;
}

int
main(int argc, char **argv)
{
	char line[8192];

	if (argc != 2) {
		fprintf(stderr, "usage: netsim_chat HOST:PORT|/dev/tty < "
		    "script\n");
		return 2;
	}
	if ((fd = open_target(argv[1])) < 0) {
		fprintf(stderr, "netsim_chat: cannot open %s\n", argv[1]);
		return 1;
	}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		size_t n = strlen(line);

		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		if (strncmp(line, "send ", 5) == 0)
			do_send(line + 5);
		else if (strncmp(line, "expect ", 7) == 0)
			do_expect(line + 7);
		else if (strncmp(line, "match ", 6) == 0)
			do_match(line + 6);
		else if (strncmp(line, "absent ", 7) == 0)
			do_absent(line + 7);
		else if (strncmp(line, "sleep ", 6) == 0)
			usleep((useconds_t)atoi(line + 6) * 1000);
		else if (strncmp(line, "timeout ", 8) == 0)
			timeout_ms = atoi(line + 8) * 1000;
		else if (strncmp(line, "print ", 6) == 0) {
			char out[4096];

			unescape(line + 6, out, sizeof(out));
			printf("%s\n", out);
			fflush(stdout);
		} else if (strcmp(line, "eof") == 0) {
			long long end = now_ms() + timeout_ms;

			while (fill((int)(end - now_ms())))
				if (now_ms() >= end)
					die("the connection stayed open");
		} else if (strcmp(line, "close") == 0) {
			close(fd);
			fd = -1;
		} else
			die("unknown script command");
	}
	if (fd >= 0)
		close(fd);
	return 0;
}
