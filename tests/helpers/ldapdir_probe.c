/*
 * ldapdir_probe.c - drives server/ldapdir.c and server/certcheck.c for
 * tests/sh/test_ldap_directory.sh: looks users up in a real slapd and
 * validates what it finds, one command per input line, one answer line
 * per command (so a shell coprocess can drive it step by step).
 *
 *   ldapdir_probe --uri URI --base DN --ca-file PEM [options] < commands
 *
 * options: --starttls --tls-ca PEM --bind-dn DN --bind-pw-file FILE
 *          --crl-dn DN --crl-file FILE --no-require-crl --timeout-ms N
 *          --cache-ttl-ms N --negative-ttl-ms N --crl-ttl-ms N
 *          --backoff-min-ms N --backoff-max-ms N --workers N
 * commands:
 *   lookup UID MSISDN   asynchronous lookup through the poll loop ("-"
 *                       for an empty UID or MSISDN), then certcheck
 *   sync UID MSISDN     the same with ldapdir_lookup_sync
 *   fetch UID MSISDN    certdir_fetch: "STATUS reason=REASON | DETAIL"
 *   flush               drop the cache
 *   stats               counters
 *   sleep MS
 * answer: "STATUS cache=0|1 certs=N crls=N verdict=REASON ms=N | DETAIL"
 * where STATUS is the STK_* name, REASON a certcheck reason name (or "-"
 * when there was nothing to check).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "certcheck.h"
#include "certdir.h"
#include "err.h"
#include "ldapdir.h"

struct probe {
	struct ldapdir *dir;
	struct certcheck *cc;
	bool done;
	struct ldapdir_result res;	/* copy of the callback's answer */
};

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
copy_result(struct ldapdir_result *dst, const struct ldapdir_result *src)
{
	*dst = *src;
	ldapcache_values_copy(&dst->certs, &src->certs);
	ldapcache_values_copy(&dst->crls, &src->crls);
}

static void
on_result(const struct ldapdir_result *res, void *arg)
{
	struct probe *p = arg;

	copy_result(&p->res, res);
	p->done = true;
}

static void
report(struct probe *p, const char *uid, const char *msisdn, long long ms)
{
	struct certcheck_der certs[LDAPCACHE_MAX_VALUES];
	struct certcheck_der crls[LDAPCACHE_MAX_VALUES];
	struct certcheck_result cr;
	const struct ldapdir_result *r = &p->res;
	const char *verdict = "-";
	size_t i;

	memset(&cr, 0, sizeof(cr));
	certcheck_result_clear(&cr);
	if (r->status == STK_OK) {
		for (i = 0; i < r->certs.n; i++)
			certs[i] = (struct certcheck_der){ r->certs.der[i],
			    r->certs.len[i] };
		for (i = 0; i < r->crls.n; i++)
			crls[i] = (struct certcheck_der){ r->crls.der[i],
			    r->crls.len[i] };
		certcheck_verify(p->cc, certs, r->certs.n, crls, r->crls.n,
		    uid, msisdn, 0, &cr);
		verdict = certcheck_reason_name(cr.reason);
	}
	printf("%s cache=%d certs=%zu crls=%zu verdict=%s ms=%lld | %s%s%s\n",
	    stk_errname(r->status), r->from_cache ? 1 : 0, r->certs.n,
	    r->crls.n, verdict, ms, r->detail, r->status == STK_OK ? " | " : "",
	    r->status == STK_OK ? cr.detail : "");
	fflush(stdout);
	certcheck_result_clear(&cr);
}

static const char *
arg_or_empty(const char *s)
{
	return s == NULL || strcmp(s, "-") == 0 ? "" : s;
}

static int
cmd_lookup(struct probe *p, const char *uid, const char *msisdn, bool sync)
{
	struct pollfd pfd;
	long long t0 = mono_ms(), deadline = t0 + 60000;
	int rv;

	memset(&p->res, 0, sizeof(p->res));
	p->done = false;
	if (sync) {
		ldapdir_lookup_sync(p->dir, uid, msisdn, &p->res);
	} else {
		rv = ldapdir_lookup(p->dir, uid, msisdn, on_result, p, NULL);
		if (rv != STK_OK) {
			p->res.status = rv;
			snprintf(p->res.detail, sizeof(p->res.detail),
			    "ldapdir_lookup refused");
		}
		while (rv == STK_OK && !p->done) {
			if (mono_ms() > deadline) {
				printf("HANG no answer within 60 s\n");
				fflush(stdout);
				return -1;
			}
			pfd.fd = ldapdir_fd(p->dir);
			pfd.events = POLLIN;
			if (poll(&pfd, 1, 100) < 0 && errno != EINTR)
				return -1;
			ldapdir_process(p->dir);
		}
	}
	report(p, uid, msisdn, mono_ms() - t0);
	ldapdir_result_clear(&p->res);
	return 0;
}

static char *
read_file_line(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return buf;
}

static void
usage(void)
{
	fprintf(stderr, "usage: ldapdir_probe --uri URI --base DN --ca-file "
	    "PEM [options] < commands\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct ldapdir_config dc;
	struct certcheck_config cc = { 0 };
	struct probe p;
	struct ldapdir_stats st;
	char line[512], err[256], *cmd, *a1, *a2, *save;
	int i, ncrl = 0;

	signal(SIGPIPE, SIG_IGN);	/* libldap writes to sockets */
	memset(&p, 0, sizeof(p));
	ldapdir_config_defaults(&dc);
	cc.require_crl = true;
	for (i = 1; i < argc; i++) {
		const char *o = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(o, "--starttls") == 0) {
			dc.starttls = true;
			continue;
		}
		if (strcmp(o, "--no-require-crl") == 0) {
			cc.require_crl = false;
			continue;
		}
		if (v == NULL)
			usage();
		i++;
		if (strcmp(o, "--uri") == 0)
			dc.uri = v;
		else if (strcmp(o, "--base") == 0)
			dc.base_dn = v;
		else if (strcmp(o, "--tls-ca") == 0)
			dc.tls_ca_file = v;
		else if (strcmp(o, "--bind-dn") == 0)
			dc.bind_dn = v;
		else if (strcmp(o, "--bind-pw-file") == 0) {
			if ((dc.bind_password = read_file_line(v)) == NULL)
				usage();
		} else if (strcmp(o, "--crl-dn") == 0 &&
		    ncrl < LDAPDIR_MAX_CRL_DNS)
			dc.crl_dns[ncrl++] = v;
		else if (strcmp(o, "--ca-file") == 0)
			cc.ca_file = v;
		else if (strcmp(o, "--crl-file") == 0)
			cc.crl_file = v;
		else if (strcmp(o, "--timeout-ms") == 0)
			dc.timeout_ms = (unsigned)atoi(v);
		else if (strcmp(o, "--cache-ttl-ms") == 0)
			dc.cache_ttl_ms = (unsigned)atoi(v);
		else if (strcmp(o, "--negative-ttl-ms") == 0)
			dc.negative_ttl_ms = (unsigned)atoi(v);
		else if (strcmp(o, "--crl-ttl-ms") == 0)
			dc.crl_ttl_ms = (unsigned)atoi(v);
		else if (strcmp(o, "--backoff-min-ms") == 0)
			dc.backoff_min_ms = (unsigned)atoi(v);
		else if (strcmp(o, "--backoff-max-ms") == 0)
			dc.backoff_max_ms = (unsigned)atoi(v);
		else if (strcmp(o, "--workers") == 0)
			dc.workers = (unsigned)atoi(v);
		else
			usage();
	}
	if (certcheck_new(&cc, &p.cc, err, sizeof(err)) != STK_OK ||
	    ldapdir_new(&dc, &p.dir, err, sizeof(err)) != STK_OK) {
		fprintf(stderr, "ldapdir_probe: %s\n", err);
		certcheck_free(p.cc);
		return 1;
	}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		cmd = strtok_r(line, " \t\r\n", &save);
		a1 = strtok_r(NULL, " \t\r\n", &save);
		a2 = strtok_r(NULL, " \t\r\n", &save);
		if (cmd == NULL)
			continue;
		if (strcmp(cmd, "lookup") == 0 || strcmp(cmd, "sync") == 0) {
			if (cmd_lookup(&p, arg_or_empty(a1), arg_or_empty(a2),
			    cmd[0] == 's') != 0)
				break;
		} else if (strcmp(cmd, "fetch") == 0) {
			X509 *cert = NULL;
			char detail[512];
			int reason, rv;

			rv = certdir_fetch(p.dir, p.cc, arg_or_empty(a1),
			    arg_or_empty(a2), 0, &cert, &reason, detail,
			    sizeof(detail));
			printf("%s reason=%s cert=%s | %s\n", stk_errname(rv),
			    certcheck_reason_name(reason),
			    cert != NULL ? "yes" : "no", detail);
			X509_free(cert);
		} else if (strcmp(cmd, "flush") == 0) {
			ldapdir_flush(p.dir);
			printf("flushed\n");
		} else if (strcmp(cmd, "stats") == 0) {
			ldapdir_stats(p.dir, &st);
			printf("searches=%lu hits=%lu connects=%lu "
			    "connect_failures=%lu backoff_refusals=%lu "
			    "errors=%lu\n", st.searches, st.cache_hits,
			    st.connects, st.connect_failures,
			    st.backoff_refusals, st.errors);
		} else if (strcmp(cmd, "sleep") == 0 && a1 != NULL) {
			struct timespec ts = { atoi(a1) / 1000,
			    (atoi(a1) % 1000) * 1000000L };

			nanosleep(&ts, NULL);
			printf("slept\n");
		} else if (strcmp(cmd, "quit") == 0) {
			break;
		} else {
			printf("unknown command\n");
		}
		fflush(stdout);
	}
	ldapdir_free(p.dir);
	certcheck_free(p.cc);
	return 0;
}
