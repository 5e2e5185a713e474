/*
 * bench_support.h - the scaffolding the benchmark programs share
 * (tests/bench/bench_*.c): clocks and CPU times, free loopback ports and
 * connections to them, and a daemon under test (stkauth-netsim, ...)
 * started from a private configuration in a temporary folder and stopped
 * by its pid.  Not a benchmark itself: the top Makefile leaves it out of
 * BENCH_BINS and links $(BENCH_SUPPORT_OBJ) into the benches.
 *
 * Errors are fatal: a benchmark that cannot set itself up has nothing to
 * measure, so every function here prints "NAME: what: why" (NAME from
 * bench_init) and exits 1 instead of returning an error.
 */
#ifndef STKAUTH_BENCH_SUPPORT_H
#define STKAUTH_BENCH_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The program's name for messages; SIGPIPE ignored (as the daemons do). */
void bench_init(const char *name);

/* Print "NAME: WHAT: strerror(errno)" and exit 1. */
_Noreturn void bench_die(const char *what);

/* CLOCK_MONOTONIC in seconds. */
double bench_now(void);

/* CPU time of the calling thread in seconds. */
double bench_thread_cpu(void);

/* User and system CPU time of this process (getrusage); their sum. */
double bench_self_cpu(double *user, double *sys);

/* User and system CPU time of process PID (/proc/PID/stat fields 14 and
 * 15, proc(5)); their sum. */
double bench_proc_cpu(pid_t pid, double *user, double *sys);

/* A loopback TCP port nobody listens on right now (the kernel's pick). */
unsigned bench_free_port(void);

/* A TCP connection to 127.0.0.1:PORT with TCP_NODELAY, retried every
 * 50 ms for up to TIMEOUT_S seconds (a daemon that is still starting). */
int bench_connect(unsigned port, double timeout_s);

/* Write all N octets to FD (retried after EINTR and short writes). */
void bench_write_all(int fd, const void *p, size_t n);

/* A daemon run for a benchmark: BIN -c DIR/NAME.ini, its stderr in
 * DIR/NAME.log, DIR a fresh folder under /tmp. */
struct bench_daemon {
	pid_t pid;
	char dir[64];
	char ini[96];
	char log[96];
};

/* The binary from the environment variable ENV, else DEFAULT_PATH; fatal
 * when it is not an executable ("make bench" builds it first). */
const char *bench_binary(const char *env, const char *default_path);

/* Write CONFIG to the daemon's configuration file, start BIN with it
 * ("BIN -c INI") and wait until it accepts TCP connections on
 * READY_PORT (10 s at most; fatal when it exits or never listens). */
void bench_daemon_start(struct bench_daemon *d, const char *bin,
    const char *name, const char *config, unsigned ready_port);

/* SIGTERM, wait up to 10 s, then SIGKILL; remove the folder (the log is
 * printed to stderr first when the daemon did not exit 0). */
void bench_daemon_stop(struct bench_daemon *d);

/* The netsim SMSC of the SMPP benches: stkauth-netsim ($STKAUTH_NETSIM or
 * build/bin/stkauth-netsim) with one SMPP listener (window 100) and the
 * ESME "bench" (password "bench") owning the numbers +4999*, so that
 * every message an ESME submits to +4999... comes back to it as a
 * deliver_sm.  Returns the SMPP port. */
unsigned bench_netsim_smsc(struct bench_daemon *d);

#endif
