/*
 * bench_netsim_at.c - AT round trips per second against stkauth-netsim:
 * "AT" / "OK" and complete AT+CMGS submissions (prompt, PDU, Ctrl-Z,
 * +CMGS: <mr>, OK) on one modem's TCP port.  Starts a private daemon
 * (build/bin/stkauth-netsim, or $NETSIM) on free loopback ports and stops
 * it.  Not a test: prints the rates.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS_AT 5000
#define ROUNDS_CMGS 2000

/* No SC address (00), then an SMS-SUBMIT to +491700000001 with the text
 * "bench" (built with stkauth-pdu sms-submit). */
static const char submit_hex[] = "0001000C91947100000010000005E2B27B8C06";

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned
free_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	unsigned port = 0;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s >= 0 && bind(s, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(s, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	if (s >= 0)
		close(s);
	return port;
}

static int
connect_port(unsigned port)
{
	struct sockaddr_in sin;
	int i, s;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < 100; i++) {
		if ((s = socket(AF_INET, SOCK_STREAM, 0)) < 0)
			return -1;
		if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) == 0)
			return s;
		close(s);
		usleep(50000);
	}
	return -1;
}

/* Read until buf ends with want (bounded); 0 on success. */
static int
wait_for(int s, const char *want)
{
	char buf[4096];
	size_t n = 0, w = strlen(want);
	ssize_t r;

	for (;;) {
		if (n == sizeof(buf))
			return -1;
		if ((r = read(s, buf + n, sizeof(buf) - n)) <= 0)
			return -1;
		n += (size_t)r;
		if (n >= w && memcmp(buf + n - w, want, w) == 0)
			return 0;
	}
}

static int
say(int s, const char *text)
{
	size_t n = strlen(text);

	return write(s, text, n) == (ssize_t)n ? 0 : -1;
}

int
main(void)
{
	const char *bin = getenv("NETSIM") ? getenv("NETSIM") :
	    "build/bin/stkauth-netsim";
	char cfg[] = "/tmp/bench-netsim-XXXXXX";
	char cmd[64], pdu[128];
	unsigned mport = free_port(), sport = free_port();
	double t0, t;
	pid_t pid;
	FILE *f;
	int fd, s, i, rc = 1;

	if ((fd = mkstemp(cfg)) < 0 || (f = fdopen(fd, "w")) == NULL)
		return 1;
	fprintf(f, "[network]\nsubscriber_listen = 127.0.0.1:%u\n"
	    "store_max = 100000\nlog_level = error\n[subscribers]\n"
	    "msisdn = +491700000001\n[modem b]\nmsisdn = +491710000009\n"
	    "listen = 127.0.0.1:%u\n", sport, mport);
	fclose(f);
	if ((pid = fork()) == 0) {
		execl(bin, bin, "-c", cfg, (char *)NULL);
		_exit(127);
	}
	if ((s = connect_port(mport)) < 0 || say(s, "ATE0\r") != 0 ||
	    wait_for(s, "OK\r\n") != 0) {
		fprintf(stderr, "bench_netsim_at: no modem on port %u\n", mport);
		goto out;
	}
	t0 = now_s();
	for (i = 0; i < ROUNDS_AT; i++)
		if (say(s, "AT\r") != 0 || wait_for(s, "\r\nOK\r\n") != 0)
			goto out;
	t = now_s() - t0;
	printf("AT round trips:    %6d in %.3f s: %8.0f/s\n", ROUNDS_AT, t,
	    ROUNDS_AT / t);
	snprintf(cmd, sizeof(cmd), "AT+CMGS=%zu\r", strlen(submit_hex) / 2 - 1);
	snprintf(pdu, sizeof(pdu), "%s\x1a", submit_hex);
	t0 = now_s();
	for (i = 0; i < ROUNDS_CMGS; i++)
		if (say(s, cmd) != 0 || wait_for(s, "> ") != 0 ||
		    say(s, pdu) != 0 || wait_for(s, "\r\nOK\r\n") != 0) {
			fprintf(stderr, "bench_netsim_at: +CMGS failed\n");
			goto out;
		}
	t = now_s() - t0;
	printf("AT+CMGS submits:   %6d in %.3f s: %8.0f/s\n", ROUNDS_CMGS, t,
	    ROUNDS_CMGS / t);
	rc = 0;
out:
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	unlink(cfg);
	return rc;
}
