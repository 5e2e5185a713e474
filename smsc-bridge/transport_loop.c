/*
 * transport_loop.c - `type = loop`: a TEST FIXTURE transport, not a way to
 * reach a network.  It lets the core be tested end to end without modems
 * or an SMSC (docs/BRIDGE.md §8):
 *
 *   outdir = DIR   each submitted SMS-SUBMIT is written, atomically, as
 *                  DIR/<id>-<pid>-<seq>.sub holding "ID DEST HEX\n"; sent() follows
 *                  with network_ref = TP-MR, a counter 0..255 as a modem's
 *                  +CMGS gives it (TS 27.005 §3.5.1)
 *   indir = DIR    polled every poll_ms; each DIR/NAME.tpdu (hex of an
 *                  SMS-DELIVER or SMS-STATUS-REPORT) is handed to
 *                  received() in name order and deleted once the core
 *                  stored it (STK_OK), kept otherwise; a writer makes
 *                  the file under another name and renames it, or a
 *                  poll may read it half written
 *   capacity = N   submits taken at once (default 10)
 *   fail_every = N every Nth submit ends in failed(TEMPORARY) (0: never)
 *   report = yes   after each submit with status_report, an
 *                  SMS-STATUS-REPORT "delivered" (TP-ST 00) is injected
 *   poll_ms = N    default 50
 *
 * Everything runs on the loop; sent()/failed() are deferred (never made
 * from inside submit()), as transport.h requires.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "bridge.h"
#include "bytes.h"
#include "err.h"
#include "hex.h"
#include "log.h"
#include "sms_addr.h"
#include "sms_time.h"
#include "tpdu.h"

#define LOOP_NAMES_MAX 256

struct loop_pending {
	uint64_t id;
	bool ok;
	bool report;
	uint8_t mr;
	char dest[KS_MSISDN_MAX + 1];
};

struct transport {
	struct event_base *base;
	const struct transport_events *ev;
	void *core;
	char name[BRIDGE_NAME_MAX + 1];
	char outdir[BRIDGE_PATH_MAX];
	char indir[BRIDGE_PATH_MAX];
	unsigned capacity, fail_every, poll_ms;
	bool report;
	bool draining;
	void (*drain_done)(void *core);
	uint64_t seq;
	unsigned inflight;
	uint8_t mr;
	struct loop_pending *pend;	/* deferred results */
	size_t npend, cappend;
	struct event *flush_ev;
	struct event *poll_ev;
	uint64_t n_submitted, n_failed, n_received;
};

struct lcfg {
	const char *outdir, *indir;
	unsigned capacity, fail_every, poll_ms;
	bool report;
};

static int
get_uint(const struct transport_config *tc, const char *key, unsigned def,
    unsigned max, unsigned *out, char *err, size_t errsz)
{
	const char *v;
	char *end;
	unsigned long x;

	*out = def;
	if (tc->get(tc->cfg, key, &v) != STK_OK)
		return STK_OK;
	x = strtoul(v, &end, 10);
	if (*v == '\0' || *end != '\0' || x > max) {
		snprintf(err, errsz, "%s: 0..%u expected", key, max);
		return STK_E_INVALID;
	}
	*out = (unsigned)x;
	return STK_OK;
}

static int
parse(const struct transport_config *tc, struct lcfg *c, char *err,
    size_t errsz)
{
	const char *v;
	int r;

	memset(c, 0, sizeof(*c));
	if (tc->get(tc->cfg, "outdir", &c->outdir) != STK_OK ||
	    tc->get(tc->cfg, "indir", &c->indir) != STK_OK) {
		snprintf(err, errsz, "outdir and indir are required");
		return STK_E_INVALID;
	}
	if (strlen(c->outdir) >= BRIDGE_PATH_MAX - 32 ||
	    strlen(c->indir) >= BRIDGE_PATH_MAX - 32) {
		snprintf(err, errsz, "outdir/indir: path too long");
		return STK_E_INVALID;
	}
	if ((r = get_uint(tc, "capacity", 10, 10000, &c->capacity, err,
	    errsz)) != STK_OK ||
	    (r = get_uint(tc, "fail_every", 0, 1000000, &c->fail_every, err,
	    errsz)) != STK_OK ||
	    (r = get_uint(tc, "poll_ms", 50, 60000, &c->poll_ms, err,
	    errsz)) != STK_OK)
		return r;
	if (c->capacity == 0 || c->poll_ms == 0) {
		snprintf(err, errsz, "capacity and poll_ms must be > 0");
		return STK_E_INVALID;
	}
	c->report = tc->get(tc->cfg, "report", &v) == STK_OK &&
	    strcmp(v, "yes") == 0;
	return STK_OK;
}

static int
loop_check(const struct transport_config *tc, char *err, size_t errsz)
{
	struct lcfg c;

	return parse(tc, &c, err, errsz);
}

/* An SMS-STATUS-REPORT "delivered" for TP-MR mr to dest (TS 23.040
 * §9.2.2.3), as a network would return it. */
static int
make_report(uint8_t mr, const char *dest, struct stk_buf *out)
{
	struct stk_tpdu *t;
	int r;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return STK_E_NOMEM;
	stk_tpdu_init(t, STK_TPDU_STATUS_REPORT);
	t->mr = mr;
	if ((r = stk_sms_addr_from_text(dest, &t->addr)) == STK_OK) {
		stk_sms_time_from_unix((int64_t)time(NULL), 0, &t->scts);
		t->dt = t->scts;
		t->st = 0x00;
		r = stk_tpdu_encode(t, out);
	}
	free(t);
	return r;
}

static void
flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct transport *t = arg;
	struct loop_pending *p;
	size_t n = t->npend;

	(void)fd;
	(void)what;
	/* Take the batch first: callbacks may submit more. */
	p = t->pend;
	t->pend = NULL;
	t->npend = t->cappend = 0;
	for (size_t i = 0; i < n; i++) {
		char ref[8];

		t->inflight--;
		if (p[i].ok) {
			snprintf(ref, sizeof(ref), "%u", p[i].mr);
			t->ev->sent(t->core, p[i].id, ref);
		} else {
			t->n_failed++;
			t->ev->failed(t->core, p[i].id,
			    TRANSPORT_FAIL_TEMPORARY, "loop: injected failure");
		}
		if (p[i].ok && p[i].report) {
			struct stk_buf b;

			stk_buf_init(&b);
			if (make_report(p[i].mr, p[i].dest, &b) == STK_OK)
				(void)t->ev->received(t->core, t->name,
				    stk_buf_data(&b), stk_buf_len(&b));
			stk_buf_free(&b);
		}
	}
	free(p);
	if (t->draining && t->inflight == 0 && t->drain_done != NULL) {
		void (*done)(void *) = t->drain_done;

		t->drain_done = NULL;
		done(t->core);
	}
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Inject every NAME.tpdu of indir, in name order. */
static void
poll_cb(evutil_socket_t fd, short what, void *arg)
{
	struct transport *t = arg;
	char *names[LOOP_NAMES_MAX];
	size_t n = 0;
	struct dirent *de;
	DIR *d;

	(void)fd;
	(void)what;
	if ((d = opendir(t->indir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL && n < LOOP_NAMES_MAX) {
		size_t l = strlen(de->d_name);

		if (l > 5 && strcmp(de->d_name + l - 5, ".tpdu") == 0 &&
		    (names[n] = strdup(de->d_name)) != NULL)
			n++;
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), name_cmp);
	for (size_t i = 0; i < n; i++) {
		char path[BRIDGE_PATH_MAX + 300], line[1024];
		struct stk_buf b;
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", t->indir, names[i]);
		free(names[i]);
		if ((f = fopen(path, "re")) == NULL)
			continue;
		if (fgets(line, sizeof(line), f) == NULL)
			line[0] = '\0';
		fclose(f);
		line[strcspn(line, "\r\n ")] = '\0';
		stk_buf_init(&b);
		if (stk_hex_decode(line, &b) != STK_OK) {
			log_warn("loop %s: %s: not hex; removed", t->name,
			    path);
			unlink(path);
		} else if (t->ev->received(t->core, t->name, stk_buf_data(&b),
		    stk_buf_len(&b)) == STK_OK) {
			t->n_received++;
			unlink(path);
		}
		stk_buf_free(&b);
	}
}

static int
loop_open(struct event_base *base, const struct transport_config *tc,
    const struct transport_events *ev, void *core, struct transport **out,
    char *err, size_t errsz)
{
	struct transport *t;
	struct lcfg c;
	struct timeval tv;
	int r;

	*out = NULL;
	if ((r = parse(tc, &c, err, errsz)) != STK_OK)
		return r;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return STK_E_NOMEM;
	t->base = base;
	t->ev = ev;
	t->core = core;
	snprintf(t->name, sizeof(t->name), "%s", tc->name);
	snprintf(t->outdir, sizeof(t->outdir), "%s", c.outdir);
	snprintf(t->indir, sizeof(t->indir), "%s", c.indir);
	t->capacity = c.capacity;
	t->fail_every = c.fail_every;
	t->poll_ms = c.poll_ms;
	t->report = c.report;
	t->flush_ev = event_new(base, -1, 0, flush_cb, t);
	t->poll_ev = event_new(base, -1, EV_PERSIST, poll_cb, t);
	if (t->flush_ev == NULL || t->poll_ev == NULL) {
		snprintf(err, errsz, "out of memory");
		if (t->flush_ev)
			event_free(t->flush_ev);
		if (t->poll_ev)
			event_free(t->poll_ev);
		free(t);
		return STK_E_NOMEM;
	}
	tv.tv_sec = t->poll_ms / 1000;
	tv.tv_usec = (t->poll_ms % 1000) * 1000;
	event_add(t->poll_ev, &tv);
	/* Test fixture: say so at start-up. */
	log_warn("transport %s: type loop (TEST FIXTURE: files in %s / %s, "
	    "no network)", t->name, t->outdir, t->indir);
	ev->link(core, t->name, true, "loop ready");
	*out = t;
	return STK_OK;
}

static unsigned
loop_capacity(struct transport *t)
{
	if (t->draining || t->inflight >= t->capacity)
		return 0;
	return t->capacity - t->inflight;
}

static int
loop_submit(struct transport *t, const struct transport_msg *m)
{
	char tmp[BRIDGE_PATH_MAX + 64], path[BRIDGE_PATH_MAX + 64];
	struct loop_pending *p;
	char *hex;
	FILE *f;
	bool ok;

	if (loop_capacity(t) == 0)
		return STK_E_STATE;
	if (t->npend == t->cappend) {
		size_t nc = t->cappend ? t->cappend * 2 : 16;

		if ((p = realloc(t->pend, nc * sizeof(*p))) == NULL)
			return STK_E_NOMEM;
		t->pend = p;
		t->cappend = nc;
	}
	t->seq++;
	ok = t->fail_every == 0 || t->seq % t->fail_every != 0;
	if (ok) {
		if ((hex = stk_hex_string(m->tpdu, m->tpdu_len, 1)) == NULL)
			return STK_E_NOMEM;
		/* Unique across restarts: outbox id, pid, sequence. */
		snprintf(tmp, sizeof(tmp), "%s/.%012llu-%ld-%llu.tmp",
		    t->outdir, (unsigned long long)m->id, (long)getpid(),
		    (unsigned long long)t->seq);
		snprintf(path, sizeof(path), "%s/%012llu-%ld-%llu.sub",
		    t->outdir, (unsigned long long)m->id, (long)getpid(),
		    (unsigned long long)t->seq);
		if ((f = fopen(tmp, "we")) == NULL) {
			free(hex);
			return STK_E_IO;
		}
		fprintf(f, "%llu %s %s\n", (unsigned long long)m->id, m->dest,
		    hex);
		free(hex);
		if (fclose(f) != 0 || rename(tmp, path) != 0)
			return STK_E_IO;
	}
	p = &t->pend[t->npend++];
	memset(p, 0, sizeof(*p));
	p->id = m->id;
	p->ok = ok;
	p->report = t->report && m->status_report;
	p->mr = t->mr++;
	snprintf(p->dest, sizeof(p->dest), "%s", m->dest);
	t->inflight++;
	t->n_submitted++;
	event_active(t->flush_ev, 0, 0);
	return STK_OK;
}

static void
loop_metrics(struct transport *t, struct stk_buf *out)
{
	char line[512];
	int n;

	n = snprintf(line, sizeof(line),
	    "stkauth_bridge_loop_submitted_total{transport=\"%s\"} %llu\n"
	    "stkauth_bridge_loop_failed_total{transport=\"%s\"} %llu\n"
	    "stkauth_bridge_loop_received_total{transport=\"%s\"} %llu\n",
	    t->name, (unsigned long long)t->n_submitted, t->name,
	    (unsigned long long)t->n_failed, t->name,
	    (unsigned long long)t->n_received);
	if (n > 0)
		stk_buf_add_bytes(out, line, (size_t)n < sizeof(line) ?
		    (size_t)n : sizeof(line) - 1);
}

static void
loop_drain(struct transport *t, void (*done)(void *core))
{
	t->draining = true;
	event_del(t->poll_ev);
	if (t->inflight == 0) {
		done(t->core);
		return;
	}
	t->drain_done = done;
}

static void
loop_free(struct transport *t)
{
	if (t == NULL)
		return;
	event_free(t->flush_ev);
	event_free(t->poll_ev);
	free(t->pend);
	free(t);
}

const struct transport_ops transport_loop_ops = {
	.type = "loop",
	.check = loop_check,
	.open = loop_open,
	.capacity = loop_capacity,
	.submit = loop_submit,
	.metrics = loop_metrics,
	.drain = loop_drain,
	.free = loop_free,
};
