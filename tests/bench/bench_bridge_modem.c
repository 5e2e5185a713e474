/*
 * bench_bridge_modem.c - throughput of the modem pool transport with 1, 2,
 * 4 and 8 simulated modems (stkauth-netsim AT modems over TCP), each
 * exchange with a modem delayed by a fixed latency, to show that the pool
 * scales linearly with the number of modems.
 *
 * It starts a private stkauth-netsim (8 modems, store big enough), then
 * for each pool size runs build/tests/helpers/bridge_modem_drive with
 * --delay (a relay that holds back every answer of the modem by DELAY ms,
 * so each AT+CMGS costs two delayed answers: the prompt and +CMGS) and
 * reads its "done ... rate=" line.
 *
 *   bench_bridge_modem [DELAY_MS] [MESSAGES_PER_MODEM]     (50, 20)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MODEMS 8

static const char *netsim = "build/bin/stkauth-netsim";
static const char *drive = "build/tests/helpers/bridge_modem_drive";

/* A free loopback port (bound, read back, closed). */
static int
free_port(void)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &sl) == 0)
		port = ntohs(sin.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static int
wait_ready(const char *log)
{
	char line[512];

	for (int i = 0; i < 100; i++) {
		FILE *f = fopen(log, "r");

		if (f != NULL) {
			while (fgets(line, sizeof(line), f) != NULL)
				if (strstr(line, "netsim: ready") != NULL) {
					fclose(f);
					return 0;
				}
			fclose(f);
		}
		usleep(50000);
	}
	return -1;
}

int
main(int argc, char **argv)
{
	char dir[] = "/tmp/stkauth-bench-modem.XXXXXX", path[256], cmd[1024];
	int delay = argc > 1 ? atoi(argv[1]) : 50;
	int per = argc > 2 ? atoi(argv[2]) : 20;
	int ports[MODEMS], sub = free_port(), rc = 0;
	double base_rate = 0;
	pid_t ns;
	FILE *f;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/ns.ini", dir);
	if ((f = fopen(path, "w")) == NULL)
		return 1;
	fprintf(f, "[network]\nsubscriber_listen = 127.0.0.1:%d\n"
	    "sca = +491700000000\nstore_max = 100000\n\n"
	    "[subscribers]\nmsisdn = +491700000001\n", sub);
	for (int i = 0; i < MODEMS; i++) {
		ports[i] = free_port();
		fprintf(f, "\n[modem m%d]\nmsisdn = +4917100000%02d\n"
		    "listen = 127.0.0.1:%d\n", i, i, ports[i]);
	}
	fclose(f);
	snprintf(path, sizeof(path), "%s/br.ini", dir);
	if ((f = fopen(path, "w")) == NULL)
		return 1;
	for (int k = 1; k <= MODEMS; k *= 2) {
		fprintf(f, "[transport p%d]\nmodems =", k);
		for (int i = 0; i < k; i++)
			fprintf(f, " m%d", i);
		fprintf(f, "\nsmsc = +491700000000\nkeepalive = 0\n");
		for (int i = 0; i < k; i++)
			fprintf(f, "m%d.link = tcp:127.0.0.1:%d\n", i, ports[i]);
		fprintf(f, "\n");
	}
	fclose(f);
	if ((ns = fork()) == 0) {
		snprintf(path, sizeof(path), "%s/ns.log", dir);
		if (freopen(path, "w", stderr) == NULL)
			_exit(1);
		snprintf(path, sizeof(path), "%s/ns.ini", dir);
		execl(netsim, netsim, "-c", path, (char *)NULL);
		_exit(127);
	}
	snprintf(path, sizeof(path), "%s/ns.log", dir);
	if (wait_ready(path) != 0) {
		fprintf(stderr, "bench_bridge_modem: netsim did not start\n");
		rc = 1;
		goto out;
	}
	printf("modem pool: %d ms per modem answer (2 per AT+CMGS), "
	    "%d messages per modem\n", delay, per);
	printf("%7s %9s %11s %12s %9s\n", "modems", "messages", "elapsed_ms",
	    "messages/s", "speed-up");
	for (int k = 1; k <= MODEMS; k *= 2) {
		char line[512];
		double rate = 0;
		long el = 0;
		unsigned sent = 0;

		snprintf(cmd, sizeof(cmd), "%s -c %s/br.ini -t p%d -n %d "
		    "--wait-up %d --delay %d --timeout 120 2>/dev/null", drive,
		    dir, k, per * k, k, delay);
		if ((f = popen(cmd, "r")) == NULL) {
			rc = 1;
			break;
		}
		while (fgets(line, sizeof(line), f) != NULL)
			(void)sscanf(line, "done sent=%u failed=%*u received=%*u "
			    "elapsed_ms=%ld rate=%lf", &sent, &el, &rate);
		if (pclose(f) != 0 || sent != (unsigned)(per * k)) {
			fprintf(stderr, "bench_bridge_modem: %d modems: only %u "
			    "sent\n", k, sent);
			rc = 1;
			break;
		}
		if (k == 1)
			base_rate = rate;
		printf("%7d %9u %11ld %12.1f %8.2fx\n", k, sent, el, rate,
		    base_rate > 0 ? rate / base_rate : 0);
	}
out:
	kill(ns, SIGTERM);
	waitpid(ns, NULL, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
