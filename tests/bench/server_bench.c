/*
 * server_bench.c - the fixture of the stkauth-server benchmarks (see
 * server_bench.h): PKI, store, server process, HTTP client, card answers.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "authmsg.h"
#include "authsig.h"
#include "bytes.h"
#include "err.h"
#include "hex.h"
#include "server.h"
#include "store.h"
#include "server_bench.h"

void
sb_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

double
sb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
sb_account(unsigned i, char name[16], char msisdn[16], char iccid[24])
{
	snprintf(name, 16, "u%06u", i % 1000000);
	snprintf(msisdn, 16, "+3725%07u", i % 10000000);
	snprintf(iccid, 24, "894410%013u", i);
}

void
sb_init(struct sb_fixture *f, const char *tag)
{
	const char *t = getenv("TMPDIR");

	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "%s/stkauth-%s-XXXXXX",
	    t && t[0] ? t : "/tmp", tag);
	if (mkdtemp(f->dir) == NULL)
		sb_die("mkdtemp %s: %s", f->dir, strerror(errno));
	snprintf(f->db, sizeof(f->db), "%s/server.db", f->dir);
	snprintf(f->conf, sizeof(f->conf), "%s/server.ini", f->dir);
	snprintf(f->log, sizeof(f->log), "%s/server.log", f->dir);
	snprintf(f->certs, sizeof(f->certs), "%s/certs", f->dir);
	snprintf(f->ca, sizeof(f->ca), "%s/ca.pem", f->dir);
	for (size_t i = 0; i < SB_KAUTH_LEN; i++)
		f->kauth[i] = (uint8_t)(0xA0 + i);
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void
sb_cleanup(struct sb_fixture *f)
{
	if (f->pid > 0)
		sb_server_stop(f);
	EVP_PKEY_free(f->user_key);
	f->user_key = NULL;
	if (getenv("SB_KEEP") == NULL && f->dir[0])
		nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- PKI ------------------------------------------------------------ */

static void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	if ((e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL ||
	    X509_add_ext(x, e, -1) != 1)
		sb_die("extension %s", value);
	X509_EXTENSION_free(e);
}

/* A certificate for pub named cn, signed by (issuer, sign); issuer NULL:
 * self-signed CA. */
static X509 *
make_cert(EVP_PKEY *pub, EVP_PKEY *sign, X509 *issuer, const char *cn,
    const char *tel, long serial)
{
	X509 *x = X509_new();
	X509_NAME *name;
	char san[64];

	if (x == NULL || X509_set_version(x, 2) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(x), serial) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 7 * 86400) == NULL ||
	    X509_set_pubkey(x, pub) != 1)
		sb_die("certificate %s", cn);
	name = X509_get_subject_name(x);
	if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) :
	    name) != 1)
		sb_die("name %s", cn);
	add_ext(x, issuer ? issuer : x, NID_subject_key_identifier, "hash");
	if (issuer == NULL) {
		add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign");
	} else {
		add_ext(x, issuer, NID_authority_key_identifier, "keyid");
		add_ext(x, issuer, NID_basic_constraints, "critical,CA:FALSE");
		add_ext(x, issuer, NID_key_usage, "critical,digitalSignature");
		snprintf(san, sizeof(san), "URI:tel:%s", tel);
		add_ext(x, issuer, NID_subject_alt_name, san);
	}
	if (X509_sign(x, sign, EVP_sha256()) <= 0)
		sb_die("signing %s", cn);
	return x;
}

static void
write_pem(const char *path, X509 *x)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL || PEM_write_X509(fp, x) != 1 || fclose(fp) != 0)
		sb_die("%s: cannot write", path);
}

void
sb_pki(struct sb_fixture *f, unsigned ncerts)
{
	EVP_PKEY *cakey = EVP_RSA_gen(2048);
	X509 *ca;
	char path[256], name[16], msisdn[16], iccid[24];

	if (cakey == NULL || (f->user_key = EVP_RSA_gen(2048)) == NULL)
		sb_die("RSA key generation");
	ca = make_cert(cakey, cakey, NULL, "stkauth bench CA", NULL, 1);
	write_pem(f->ca, ca);
	if (mkdir(f->certs, 0700) != 0)
		sb_die("mkdir %s: %s", f->certs, strerror(errno));
	for (unsigned i = 0; i < ncerts; i++) {
		X509 *x;

		sb_account(i, name, msisdn, iccid);
		x = make_cert(f->user_key, cakey, ca, name, msisdn, 100 + i);
		snprintf(path, sizeof(path), "%s/%s.pem", f->certs, name);
		write_pem(path, x);
		X509_free(x);
	}
	X509_free(ca);
	EVP_PKEY_free(cakey);
}

/* ---- store ---------------------------------------------------------- */

static void
add_party(struct store *st, int kind, const char *name, char *secret,
    size_t sz)
{
	uint8_t h[SECRET_HASH_LEN];

	if (secret_generate(kind == STORE_RP ? "rp" : "br", secret, sz) !=
	    STK_OK || secret_hash(secret, strlen(secret), h) != STK_OK ||
	    store_party_add(st, kind, name, h, srv_now_ms(), NULL) != STK_OK)
		sb_die("party %s", name);
}

double
sb_populate(struct sb_fixture *f, unsigned naccounts)
{
	struct store *st;
	char name[16], msisdn[16], iccid[24];
	double t0 = sb_now();
	int64_t now = srv_now_ms();

	if (store_open(f->db, &st) != STK_OK)
		sb_die("store %s", f->db);
	add_party(st, STORE_RP, "bench-rp", f->api_key, sizeof(f->api_key));
	add_party(st, STORE_BRIDGE, "bench-bridge", f->bridge_token,
	    sizeof(f->bridge_token));
	for (unsigned i = 0; i < naccounts; i++) {
		sb_account(i, name, msisdn, iccid);
		if (store_account_add(st, name, now, NULL) != STK_OK ||
		    store_binding_add(st, name, msisdn, now) != STK_OK ||
		    store_card_enrol(st, name, iccid, f->kauth, SB_KAUTH_LEN,
		    now) != STK_OK)
			sb_die("account %s", name);
	}
	store_close(st);
	return sb_now() - t0;
}

/* ---- the server ----------------------------------------------------- */

static unsigned
free_port(void)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	unsigned port;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &alen) != 0)
		sb_die("free port: %s", strerror(errno));
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static void
health_done(void *arg, int status, json_t *body)
{
	(void)body;
	*(int *)arg = status;
}

void
sb_server_start(struct sb_fixture *f, const char *server_extra)
{
	const char *bin = getenv("STKAUTH_SERVER");
	struct sb_http h;
	FILE *fp;
	int status = 0;
	double t0;

	if (bin == NULL || bin[0] == '\0')
		bin = "build/bin/stkauth-server";
	if (access(bin, X_OK) != 0)
		sb_die("%s not built (make %s)", bin, bin);
	f->port = free_port();
	if ((fp = fopen(f->conf, "w")) == NULL)
		sb_die("%s: %s", f->conf, strerror(errno));
	fprintf(fp, "[server]\nlisten = 127.0.0.1\nport = %u\ntls = no\n"
	    "database = %s\nlog_level = info\nworkers = 2\n"
	    "max_waiters = 20000\n%s\n"
	    "[session]\nlifetime = 900\nlongpoll_max_ms = 120000\n"
	    "[ratelimit]\nwindow = 60\nper_address = 1000000\n"
	    "per_account = 1000000\n"
	    "[bridge]\nlease_ms = 60000\nclaim_max_jobs = 100\n"
	    "[certs]\nsource = file\ndir = %s\nca = %s\n", f->port, f->db,
	    server_extra ? server_extra : "", f->certs, f->ca);
	if (fclose(fp) != 0)
		sb_die("%s: cannot write", f->conf);
	if ((f->pid = fork()) < 0)
		sb_die("fork: %s", strerror(errno));
	if (f->pid == 0) {
		int fd = open(f->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd >= 0) {
			dup2(fd, STDERR_FILENO);
			close(fd);
		}
		execl(bin, bin, "-c", f->conf, (char *)NULL);
		_exit(127);
	}
	h.base = event_base_new();
	h.port = f->port;
	t0 = sb_now();
	while (status != 200 && sb_now() - t0 < 20) {
		struct evhttp_connection *c;

		h.pending = h.failed = 0;
		c = sb_conn(&h);
		sb_request(&h, c, EVHTTP_REQ_GET, "/healthz", NULL, NULL,
		    health_done, &status);
		sb_run(&h);
		evhttp_connection_free(c);
		if (status != 200)
			usleep(100000);
		if (waitpid(f->pid, NULL, WNOHANG) == f->pid) {
			f->pid = 0;
			sb_die("the server exited at start (see %s)", f->log);
		}
	}
	event_base_free(h.base);
	if (status != 200)
		sb_die("the server does not answer /healthz (see %s)", f->log);
}

double
sb_server_stop(struct sb_fixture *f)
{
	double t0 = sb_now();
	int st;

	if (f->pid <= 0)
		return 0;
	kill(f->pid, SIGTERM);
	while (waitpid(f->pid, &st, 0) < 0 && errno == EINTR)
		;
	f->pid = 0;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fprintf(stderr, "bench: the server did not exit cleanly "
		    "(status %d, see %s)\n", st, f->log);
	return sb_now() - t0;
}

long
sb_proc_kb(pid_t pid, const char *field)
{
	char path[64], line[256];
	size_t n = strlen(field);
	long kb = -1;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp))
		if (strncmp(line, field, n) == 0 && line[n] == ':') {
			kb = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(fp);
	return kb;
}

/* ---- HTTP client ---------------------------------------------------- */

struct call {
	struct sb_http *h;
	sb_done_fn done;
	void *arg;
	char **raw;	/* sb_metric: the body as text */
};

struct evhttp_connection *
sb_conn(struct sb_http *h)
{
	struct evhttp_connection *c = evhttp_connection_base_new(h->base,
	    NULL, "127.0.0.1", (ev_uint16_t)h->port);

	if (c == NULL)
		sb_die("evhttp_connection_base_new");
	evhttp_connection_set_timeout(c, 300);
	evhttp_connection_set_retries(c, 0);
	return c;
}

static void
call_done(struct evhttp_request *req, void *arg)
{
	struct call *cl = arg;
	int status = req ? evhttp_request_get_response_code(req) : 0;
	json_t *body = NULL;

	if (req && status > 0) {
		struct evbuffer *in = evhttp_request_get_input_buffer(req);
		size_t n = evbuffer_get_length(in);
		const char *p = (const char *)evbuffer_pullup(in, -1);

		if (cl->raw) {
			if ((*cl->raw = malloc(n + 1)) != NULL) {
				memcpy(*cl->raw, p, n);
				(*cl->raw)[n] = '\0';
			}
		} else if (n > 0)
			body = json_loadb(p, n, 0, NULL);
	}
	if (status == 0)
		cl->h->failed++;
	if (cl->done)
		cl->done(cl->arg, status, body);
	json_decref(body);
	if (--cl->h->pending == 0)
		event_base_loopbreak(cl->h->base);
	free(cl);
}

static void
request(struct sb_http *h, struct evhttp_connection *c,
    enum evhttp_cmd_type type, const char *uri, const char *token,
    const char *body, sb_done_fn done, void *arg, char **raw)
{
	struct call *cl = calloc(1, sizeof(*cl));
	struct evhttp_request *req;
	struct evkeyvalq *hd;
	char auth[200];

	if (cl == NULL)
		sb_die("no memory");
	cl->h = h;
	cl->done = done;
	cl->arg = arg;
	cl->raw = raw;
	if ((req = evhttp_request_new(call_done, cl)) == NULL)
		sb_die("evhttp_request_new");
	hd = evhttp_request_get_output_headers(req);
	evhttp_add_header(hd, "Host", "127.0.0.1");
	if (token) {
		snprintf(auth, sizeof(auth), "Bearer %s", token);
		evhttp_add_header(hd, "Authorization", auth);
	}
	if (body) {
		evhttp_add_header(hd, "Content-Type", "application/json");
		evbuffer_add(evhttp_request_get_output_buffer(req), body,
		    strlen(body));
	}
	h->pending++;
	if (evhttp_make_request(c, req, type, uri) != 0)
		sb_die("evhttp_make_request %s", uri);
}

void
sb_request(struct sb_http *h, struct evhttp_connection *c,
    enum evhttp_cmd_type type, const char *uri, const char *token,
    const char *body, sb_done_fn done, void *arg)
{
	request(h, c, type, uri, token, body, done, arg, NULL);
}

void
sb_pump(struct sb_http *h, double seconds)
{
	struct timeval tv = { (time_t)seconds,
	    (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6) };

	event_base_loopexit(h->base, &tv);
	event_base_dispatch(h->base);
}

double
sb_proc_cpu(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut = 0, st = 0;
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	/* after "(comm)": state is field 3, utime 14, stime 15 */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
	    &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

double
sb_run(struct sb_http *h)
{
	double t0 = sb_now();

	if (h->pending > 0)
		event_base_dispatch(h->base);
	return sb_now() - t0;
}

long
sb_metric(struct sb_http *h, const char *name)
{
	struct sb_http m = { .base = event_base_new(), .port = h->port };
	struct evhttp_connection *c;
	char *text = NULL, *p;
	size_t n = strlen(name);
	long v = -1;

	if (m.base == NULL)
		sb_die("event_base_new");
	c = sb_conn(&m);
	request(&m, c, EVHTTP_REQ_GET, "/metrics", NULL, NULL, NULL, NULL,
	    &text);
	sb_run(&m);
	evhttp_connection_free(c);
	event_base_free(m.base);
	for (p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 :
	    NULL)
		if (strncmp(p, name, n) == 0 && p[n] == ' ') {
			v = strtol(p + n + 1, NULL, 10);
			break;
		}
	free(text);
	return v;
}

/* ---- the card ------------------------------------------------------- */

int
sb_card_answer(const struct sb_fixture *f, const char *request_hex,
    const char *iccid, char **out)
{
	struct stk_auth_request req;
	struct stk_auth_response resp;
	struct stk_buf in, enc;
	int rc;

	*out = NULL;
	memset(&resp, 0, sizeof(resp));
	stk_buf_init(&in);
	stk_buf_init(&enc);
	if ((rc = stk_hex_decode(request_hex, &in)) != STK_OK ||
	    (rc = stk_auth_request_decode(stk_buf_data(&in), stk_buf_len(&in),
	    &req, NULL)) != STK_OK ||
	    (rc = iccid_to_ef(iccid, resp.iccid)) != STK_OK)
		goto out;
	memcpy(resp.session_id, req.session_id, STK_AUTH_SESSION_ID_LEN);
	resp.decision = STK_AUTH_CONFIRMED;
	if ((rc = stk_auth_password_derive(f->kauth, SB_KAUTH_LEN, &req,
	    resp.password)) != STK_OK)
		goto out;
	resp.password_len = STK_AUTH_PASSWORD_DIGITS;
	resp.sig_alg = STK_AUTH_SIG_RSA_PKCS1;
	if ((rc = stk_auth_sign(&req, &resp, f->user_key)) != STK_OK ||
	    (rc = stk_auth_response_encode(&resp, &enc)) != STK_OK)
		goto out;
	if ((*out = stk_hex_string(stk_buf_data(&enc), stk_buf_len(&enc),
	    1)) == NULL)
		rc = STK_E_NOMEM;
 out:
	stk_buf_free(&in);
	stk_buf_free(&enc);
	return rc;
}

/* ---- figures -------------------------------------------------------- */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double
sb_quantile(double *v, size_t n, double q)
{
	size_t i;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	/* nearest rank */
	i = (size_t)(q * (double)n + 0.999999);
	if (i < 1)
		i = 1;
	if (i > n)
		i = n;
	return v[i - 1];
}

bool
sb_openssl_speed(unsigned seconds, double *sign_s, double *verify_s)
{
	char cmd[96], line[256];
	bool ok = false;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "openssl speed -seconds %u rsa2048 "
	    "2>/dev/null", seconds);
	if ((p = popen(cmd, "r")) == NULL)
		return false;
	/* "rsa 2048 bits 0.000657s 0.000019s   1522.1  51795.3" */
	while (fgets(line, sizeof(line), p)) {
		char *b = strstr(line, "2048 bits");
		double s, v, ss, vs;

		if (b && sscanf(b + 9, " %lfs %lfs %lf %lf", &s, &v, &ss,
		    &vs) == 4) {
			*sign_s = ss;
			*verify_s = vs;
			ok = true;
		}
	}
	pclose(p);
	return ok;
}
