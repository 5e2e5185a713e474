/*
 * server_bench.h - the fixture of the stkauth-server benchmarks
 * (bench_server_auth.c, bench_server_memory.c): a private folder with a
 * test PKI made with OpenSSL's X509 API, a store filled through store.h,
 * a stkauth-server process on a free loopback port, and a small HTTP
 * client on libevent's evhttp.  Everything is made afresh per run in a
 * mkdtemp folder and removed at the end; the server is stopped by pid.
 *
 * Identities follow certcheck.h: account "uNNNNNN" is the certificate's
 * CN, its MSISDN "+3725NNNNNNN" a subjectAltName tel: URI; every user
 * certificate carries the same RSA-2048 key (the signature check costs
 * the same for any key of that size; generating thousands of keys would
 * only slow the set-up).
 */
#ifndef STKAUTH_SERVER_BENCH_H
#define STKAUTH_SERVER_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>
#include <openssl/evp.h>

#define SB_KAUTH_LEN	32

struct sb_fixture {
	char dir[128];		/* mkdtemp folder */
	char db[192], conf[192], log[192], certs[192], ca[192];
	char api_key[160], bridge_token[160];
	EVP_PKEY *user_key;	/* the cards' signing key */
	uint8_t kauth[SB_KAUTH_LEN];
	unsigned port;
	pid_t pid;		/* server, 0 when not running */
};

/* Account i's name, MSISDN and ICCID (digits). */
void sb_account(unsigned i, char name[16], char msisdn[16], char iccid[24]);
double sb_now(void);		/* monotonic seconds */
void sb_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* mkdtemp under $TMPDIR; exits on failure. */
void sb_init(struct sb_fixture *f, const char *tag);
/* Remove the folder (and stop the server if it still runs). */
void sb_cleanup(struct sb_fixture *f);
/*
 * CA (RSA-2048, self-signed, keyCertSign) into f->ca, the user key, and a
 * certificate for accounts 0..ncerts-1 as certs/uNNNNNN.pem.
 */
void sb_pki(struct sb_fixture *f, unsigned ncerts);
/*
 * Create the store: one relying party, one bridge (their secrets into
 * f->api_key / f->bridge_token) and naccounts accounts, each bound to
 * its MSISDN with an enrolled card (K_auth f->kauth).  Returns seconds.
 */
double sb_populate(struct sb_fixture *f, unsigned naccounts);
/*
 * Write the configuration (plain HTTP on 127.0.0.1, file certificate
 * source, rate limits high enough never to trigger but still counted)
 * with extra INI lines appended to [server], start the server and wait
 * until /healthz answers (20 s at most).
 */
void sb_server_start(struct sb_fixture *f, const char *server_extra);
/* SIGTERM, wait; returns the seconds the server took to exit. */
double sb_server_stop(struct sb_fixture *f);
/* CPU seconds (user + system) process pid has used so far. */
double sb_proc_cpu(pid_t pid);
/* A /proc/PID/status field in kB (VmRSS, VmHWM), -1 when absent. */
long sb_proc_kb(pid_t pid, const char *field);

/* ---- HTTP client ------------------------------------------------------ */

/* One answer: status (0 when the connection failed), parsed JSON body. */
typedef void (*sb_done_fn)(void *arg, int status, json_t *body);

struct sb_http {
	struct event_base *base;
	unsigned port;
	size_t pending;		/* requests in flight; the loop ends at 0 */
	size_t failed;		/* status 0 (connection or timeout) */
};

struct evhttp_connection *sb_conn(struct sb_http *h);
/*
 * Queue a request on c (libevent sends them one after another on a
 * keep-alive connection); body NULL for GET.  done runs on completion.
 */
void sb_request(struct sb_http *h, struct evhttp_connection *c,
    enum evhttp_cmd_type type, const char *uri, const char *token,
    const char *body, sb_done_fn done, void *arg);
/* Run the loop until nothing is pending; returns the seconds taken. */
double sb_run(struct sb_http *h);
/* Run the loop for about seconds (whatever is pending). */
void sb_pump(struct sb_http *h, double seconds);
/* A metric of the server's /metrics, e.g. "stkauth_longpoll_waiters"
 * (blocking, on a loop of its own); -1 when absent. */
long sb_metric(struct sb_http *h, const char *name);

/* ---- the card's side ------------------------------------------------ */

/*
 * The auth response a confirming card sends for request (hex, as a job
 * carries it), signed with f->user_key, in hex into out (malloc'd).
 * STK_OK or an STK_E_* code.
 */
int sb_card_answer(const struct sb_fixture *f, const char *request_hex,
    const char *iccid, char **out);

/* Quantile q (0..1) of v[0..n) (sorted in place), in the unit of v. */
double sb_quantile(double *v, size_t n, double q);

/* `openssl speed -seconds S rsa2048`: sign/s and verify/s; false when
 * the command is missing or its output was not understood. */
bool sb_openssl_speed(unsigned seconds, double *sign_s, double *verify_s);

#endif
