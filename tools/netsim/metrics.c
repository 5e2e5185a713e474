/*
 * metrics.c - counters and gauges, rendered in the Prometheus text
 * exposition format 0.0.4 (# HELP, # TYPE, name{labels} value).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "ns_priv.h"

#define METRIC_NAME_MAX 64
#define METRIC_LABELS_MAX 160

struct metric_family {
	char name[METRIC_NAME_MAX];
	char type[8];
	char help[128];
};

struct metric {
	char name[METRIC_NAME_MAX];
	char labels[METRIC_LABELS_MAX];
	int64_t value;
};

struct ns_metrics {
	size_t nfam, famcap;
	struct metric_family *fam;
	size_t n, cap;
	struct metric *m;
};

struct ns_metrics *
ns_metrics_new(void)
{
	return calloc(1, sizeof(struct ns_metrics));
}

void
ns_metrics_free(struct ns_metrics *m)
{
	if (m == NULL)
		return;
	free(m->fam);
	free(m->m);
	free(m);
}

static bool
copy(char *dst, size_t dstsz, const char *src)
{
	size_t n = strlen(src);

	if (n >= dstsz)
		return false;
	memcpy(dst, src, n + 1);
	return true;
}

void
ns_metrics_declare(struct ns_metrics *m, const char *name, const char *type,
    const char *help)
{
	struct metric_family *f;
	size_t i;

	for (i = 0; i < m->nfam; i++)
		if (strcmp(m->fam[i].name, name) == 0)
			return;
	if (m->nfam == m->famcap) {
		size_t cap = m->famcap ? m->famcap * 2 : 16;

		if ((f = realloc(m->fam, cap * sizeof(*f))) == NULL)
			return;
		m->fam = f;
		m->famcap = cap;
	}
	f = &m->fam[m->nfam];
	if (!copy(f->name, sizeof(f->name), name) ||
	    !copy(f->type, sizeof(f->type), type) ||
	    !copy(f->help, sizeof(f->help), help))
		return;
	m->nfam++;
}

static struct metric *
lookup(struct ns_metrics *m, const char *name, const char *labels)
{
	struct metric *x;
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->m[i].name, name) == 0 &&
		    strcmp(m->m[i].labels, labels) == 0)
			return &m->m[i];
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;

		if ((x = realloc(m->m, cap * sizeof(*x))) == NULL)
			return NULL;
		m->m = x;
		m->cap = cap;
	}
	x = &m->m[m->n];
	if (!copy(x->name, sizeof(x->name), name) ||
	    !copy(x->labels, sizeof(x->labels), labels))
		return NULL;
	x->value = 0;
	m->n++;
	ns_metrics_declare(m, name, "untyped", name);
	return x;
}

void
ns_metrics_add(struct ns_metrics *m, const char *name, const char *labels,
    uint64_t n)
{
	struct metric *x = lookup(m, name, labels ? labels : "");

	if (x != NULL)
		x->value += (int64_t)n;
}

void
ns_metrics_set(struct ns_metrics *m, const char *name, const char *labels,
    int64_t v)
{
	struct metric *x = lookup(m, name, labels ? labels : "");

	if (x != NULL)
		x->value = v;
}

char *
ns_metrics_render(const struct ns_metrics *m, size_t *len)
{
	struct stk_buf b;
	char line[METRIC_NAME_MAX + METRIC_LABELS_MAX + 200];
	size_t i, j;
	int n;
	uint8_t *out;

	stk_buf_init(&b);
	for (i = 0; i < m->nfam; i++) {
		const struct metric_family *f = &m->fam[i];
		bool any = false;

		for (j = 0; j < m->n; j++)
			if (strcmp(m->m[j].name, f->name) == 0)
				any = true;
		if (!any)
			continue;
		n = snprintf(line, sizeof(line), "# HELP %s %s\n# TYPE %s %s\n",
		    f->name, f->help, f->name, f->type);
		stk_buf_add_bytes(&b, line, (size_t)n);
		for (j = 0; j < m->n; j++) {
			const struct metric *x = &m->m[j];

			if (strcmp(x->name, f->name) != 0)
				continue;
			if (x->labels[0] != '\0')
				n = snprintf(line, sizeof(line),
				    "%s{%s} %" PRId64 "\n", x->name, x->labels,
				    x->value);
			else
				n = snprintf(line, sizeof(line),
				    "%s %" PRId64 "\n", x->name, x->value);
			stk_buf_add_bytes(&b, line, (size_t)n);
		}
	}
	stk_buf_add_u8(&b, 0);
	if (!stk_buf_ok(&b)) {
		stk_buf_free(&b);
		return NULL;
	}
	out = stk_buf_detach(&b, len);
	*len -= 1;
	return (char *)out;
}
