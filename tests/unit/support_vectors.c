/* support_vectors.c - reader for the vector files; see support_vectors.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hex.h"
#include "support_vectors.h"

static void
vec_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "vectors: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

static char *
trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

/* Append " more" to the last value of the case. */
static void
continue_value(struct vec_case *vc, const char *more)
{
	size_t i = vc->nfields - 1;
	size_t n = strlen(vc->value[i]) + strlen(more) + 2;
	char *v = malloc(n);

	if (v == NULL)
		vec_die("out of memory");
	snprintf(v, n, "%s%s%s", vc->value[i], *vc->value[i] ? " " : "", more);
	free(vc->value[i]);
	vc->value[i] = v;
}

struct vec_file *
vec_load(const char *relpath)
{
	const char *root = getenv("STKAUTH_SRCDIR");
	struct vec_file *vf;
	struct vec_case *cur = NULL;
	char path[4096], line[8192];
	size_t lineno = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root ? root : ".", relpath);
	if ((f = fopen(path, "r")) == NULL)
		vec_die("cannot open %s", path);
	if ((vf = calloc(1, sizeof(*vf))) == NULL)
		vec_die("out of memory");
	vf->path = strdup(path);
	while (fgets(line, sizeof(line), f) != NULL) {
		char *s, *colon;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f))
			vec_die("%s:%zu: line too long", path, lineno);
		if (line[0] == '#')
			continue;
		s = trim(line);
		if (*s == '\0') {
			cur = NULL;
			continue;
		}
		if (line[0] == ' ' || line[0] == '\t') {
			if (cur == NULL || cur->nfields == 0)
				vec_die("%s:%zu: continuation without a key",
				    path, lineno);
			continue_value(cur, s);
			continue;
		}
		if (cur == NULL) {
			vf->cases = realloc(vf->cases,
			    (vf->ncases + 1) * sizeof(*vf->cases));
			if (vf->cases == NULL)
				vec_die("out of memory");
			cur = &vf->cases[vf->ncases++];
			memset(cur, 0, sizeof(*cur));
			cur->line = lineno;
		}
		if ((colon = strchr(s, ':')) == NULL)
			vec_die("%s:%zu: expected 'key: value'", path, lineno);
		if (cur->nfields == VEC_MAX_FIELDS)
			vec_die("%s:%zu: too many fields", path, lineno);
		*colon = '\0';
		cur->key[cur->nfields] = strdup(trim(s));
		cur->value[cur->nfields] = strdup(trim(colon + 1));
		cur->nfields++;
	}
	fclose(f);
	if (vf->ncases == 0)
		vec_die("%s: no cases", path);
	return vf;
}

void
vec_free(struct vec_file *vf)
{
	if (vf == NULL)
		return;
	for (size_t i = 0; i < vf->ncases; i++)
		for (size_t j = 0; j < vf->cases[i].nfields; j++) {
			free(vf->cases[i].key[j]);
			free(vf->cases[i].value[j]);
		}
	free(vf->cases);
	free(vf->path);
	free(vf);
}

const char *
vec_get(const struct vec_case *vc, const char *key)
{
	for (size_t i = 0; i < vc->nfields; i++)
		if (strcmp(vc->key[i], key) == 0)
			return vc->value[i];
	return NULL;
}

const char *
vec_need(const struct vec_case *vc, const char *key)
{
	const char *v = vec_get(vc, key);

	if (v == NULL)
		fail_msg("case at line %zu has no '%s'", vc->line, key);
	return v;
}

uint8_t *
vec_hex(const struct vec_case *vc, const char *key, size_t *len)
{
	const char *v = vec_need(vc, key);
	struct stk_buf b;
	uint8_t *out;

	stk_buf_init(&b);
	if (stk_hex_decode(v, &b) != 0)
		fail_msg("case at line %zu: '%s' is not hex", vc->line, key);
	out = stk_buf_detach(&b, len);
	if (out == NULL)
		fail_msg("out of memory");
	return out;
}
