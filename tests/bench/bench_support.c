/*
 * bench_support.c - the benchmarks' shared scaffolding (bench_support.h):
 * clocks, CPU times, free loopback ports, connections, and a daemon under
 * test started from a private configuration and stopped by its pid.
 */
#include "bench_support.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

static const char *prog = "bench";

void
bench_init(const char *name)
{
	prog = name;
	/* As in the daemons: a peer that closes makes a write fail with
	 * EPIPE (reported) instead of killing the benchmark silently. */
	signal(SIGPIPE, SIG_IGN);
}

void
bench_die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(errno));
	exit(1);
}

/* A fatal error that errno does not describe. */
static _Noreturn void
fail(const char *what, const char *detail)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, detail);
	exit(1);
}

static double
ts_seconds(const struct timespec *ts)
{
	return (double)ts->tv_sec + (double)ts->tv_nsec / 1e9;
}

double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts_seconds(&ts);
}

double
bench_thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts_seconds(&ts);
}

double
bench_self_cpu(double *user, double *sys)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		bench_die("getrusage");
	*user = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
	*sys = (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	return *user + *sys;
}

/* proc(5): after "PID (comm) " come state (3), ppid, pgrp, session,
 * tty_nr, tpgid, flags, minflt, cminflt, majflt, cmajflt, then utime (14)
 * and stime (15) in clock ticks.  comm may hold spaces and parentheses:
 * the fields start after the last ')'. */
double
bench_proc_cpu(pid_t pid, double *user, double *sys)
{
	char path[64], buf[1024], *p;
	unsigned long ut = 0, st = 0;
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		bench_die(path);
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (p == NULL || (p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
	    "%lu %lu", &ut, &st) != 2)
		fail(path, "not in the format of proc(5)");
	*user = (double)ut / (double)hz;
	*sys = (double)st / (double)hz;
	return *user + *sys;
}

static void
loopback(struct sockaddr_in *a, unsigned port)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a->sin_port = htons((uint16_t)port);
}

unsigned
bench_free_port(void)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	unsigned port;

	if (fd < 0)
		bench_die("socket");
	loopback(&a, 0);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &alen) != 0)
		bench_die("bind a loopback port");
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

int
bench_connect(unsigned port, double timeout_s)
{
	struct sockaddr_in a;
	double end = bench_now() + timeout_s;
	int fd, one = 1;

	loopback(&a, port);
	for (;;) {
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
			bench_die("socket");
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0) {
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof(one));
			return fd;
		}
		close(fd);
		if (bench_now() >= end)
			bench_die("connect to 127.0.0.1");
		usleep(50000);
	}
}

void
bench_write_all(int fd, const void *p, size_t n)
{
	const unsigned char *at = p;

	while (n > 0) {
		ssize_t w = write(fd, at, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			bench_die("write");
		at += w;
		n -= (size_t)w;
	}
}

/* Whether a socket listens on 127.0.0.1:PORT or *:PORT: a row of
 * /proc/net/tcp (proc(5)) with that local address and state 0A (LISTEN).
 * Read, not connected to, so the daemon sees no stray connection. */
static bool
listening(unsigned port)
{
	char line[256];
	unsigned addr, lport, state;
	bool found = false;
	FILE *f;

	if ((f = fopen("/proc/net/tcp", "r")) == NULL)
		bench_die("/proc/net/tcp");
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, " %*u: %8x:%4x %*x:%*x %2x", &addr, &lport,
		    &state) != 3)
			continue;	/* the header line */
		found = lport == port && state == 0x0a &&
		    (addr == 0 || addr == htonl(INADDR_LOOPBACK));
	}
	fclose(f);
	return found;
}

const char *
bench_binary(const char *env, const char *default_path)
{
	const char *bin = getenv(env);

	if (bin == NULL || *bin == '\0')
		bin = default_path;
	if (access(bin, X_OK) != 0) {
		fprintf(stderr, "%s: %s not built (make bench builds it)\n",
		    prog, bin);
		exit(1);
	}
	return bin;
}

/* Copy the daemon's log to stderr (it failed: say why). */
static void
show_log(const struct bench_daemon *d)
{
	char line[512];
	FILE *f = fopen(d->log, "r");

	if (f == NULL)
		return;
	fprintf(stderr, "%s: %s:\n", prog, d->log);
	while (fgets(line, sizeof(line), f) != NULL)
		fprintf(stderr, "  %s", line);
	fclose(f);
}

void
bench_daemon_start(struct bench_daemon *d, const char *bin,
    const char *name, const char *config, unsigned ready_port)
{
	double end;
	FILE *f;
	int status;

	memset(d, 0, sizeof(*d));
	snprintf(d->dir, sizeof(d->dir), "/tmp/stkauth-bench.XXXXXX");
	if (mkdtemp(d->dir) == NULL)
		bench_die("mkdtemp");
	snprintf(d->ini, sizeof(d->ini), "%s/%s.ini", d->dir, name);
	snprintf(d->log, sizeof(d->log), "%s/%s.log", d->dir, name);
	if ((f = fopen(d->ini, "w")) == NULL)
		bench_die(d->ini);
	if (fputs(config, f) == EOF || fclose(f) != 0)
		bench_die(d->ini);
	if ((d->pid = fork()) < 0)
		bench_die("fork");
	if (d->pid == 0) {
		if (freopen(d->log, "w", stderr) == NULL)
			_exit(127);
		execl(bin, bin, "-c", d->ini, (char *)NULL);
		_exit(127);
	}
	for (end = bench_now() + 10; !listening(ready_port); usleep(20000)) {
		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			show_log(d);
			d->pid = 0;
			bench_daemon_stop(d);
			fail(bin, "exited before it listened");
		}
		if (bench_now() >= end) {
			bench_daemon_stop(d);
			fail(bin, "does not listen after 10 s");
		}
	}
}

void
bench_daemon_stop(struct bench_daemon *d)
{
	int status = 0;
	pid_t r = 0;

	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		for (int i = 0; i < 500; i++) {
			if ((r = waitpid(d->pid, &status, WNOHANG)) != 0)
				break;
			usleep(20000);
		}
		if (r == 0) {
			kill(d->pid, SIGKILL);
			waitpid(d->pid, &status, 0);
		}
		if (r <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			show_log(d);
		d->pid = 0;
	}
	unlink(d->ini);
	unlink(d->log);
	rmdir(d->dir);
}

unsigned
bench_netsim_smsc(struct bench_daemon *d)
{
	const char *bin = bench_binary("STKAUTH_NETSIM",
	    "build/bin/stkauth-netsim");
	unsigned smpp = bench_free_port(), sub = bench_free_port();
	char conf[512];

	snprintf(conf, sizeof(conf),
	    "[network]\nsubscriber_listen = 127.0.0.1:%u\n"
	    "log_level = warn\n\n"
	    "[smsc]\nlisten = 127.0.0.1:%u\nwindow = 100\n\n"
	    "[esme bench]\npassword = bench\naddresses = +4999*\n",
	    sub, smpp);
	bench_daemon_start(d, bin, "netsim", conf, smpp);
	return smpp;
}
