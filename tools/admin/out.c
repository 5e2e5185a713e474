/*
 * out.c - results for people (aligned tables, "key: value" lines) or for
 * scripts (--json: one JSON document on stdout), from the same jansson
 * objects, so both forms always carry the same data.  Times are UTC.
 */
#define _XOPEN_SOURCE 700	/* strptime */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "err.h"

const char *
out_time(int64_t ms, char buf[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	buf[0] = '\0';
	if (ms <= 0 || gmtime_r(&t, &tm) == NULL)
		return buf;
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

int
out_parse_time(const char *s, int64_t now_ms, int64_t *ms)
{
	static const struct { char unit; int64_t ms; } ages[] = {
		{ 's', 1000 }, { 'm', 60000 }, { 'h', 3600000 },
		{ 'd', 86400000 },
	};
	struct tm tm;
	char *end;
	long long v;
	size_t n = strlen(s);

	if (n == 0 || n > 32)
		return STK_E_INVALID;
	for (size_t i = 0; i < sizeof(ages) / sizeof(ages[0]); i++) {
		if (s[n - 1] != ages[i].unit || s[0] < '0' || s[0] > '9')
			continue;
		v = strtoll(s, &end, 10);
		if (end != s + n - 1 || v < 0 || v > 100000)
			return STK_E_INVALID;
		*ms = now_ms - v * ages[i].ms;
		return STK_OK;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end == NULL || *end != '\0') {
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, "%Y-%m-%d", &tm);
	}
	if (end != NULL && *end == '\0') {
		*ms = (int64_t)timegm(&tm) * 1000;
		return STK_OK;
	}
	if (s[0] < '0' || s[0] > '9')
		return STK_E_INVALID;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || v < 0 || v > 32503680000LL)
		return STK_E_INVALID;
	*ms = (int64_t)v * 1000;
	return STK_OK;
}

/* A cell's text: strings as they are, integers, booleans as yes/no. */
static const char *
cell(json_t *v, char *buf, size_t sz)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, sz, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	if (json_is_boolean(v))
		return json_is_true(v) ? "yes" : "no";
	return "";
}

static void
print_json(json_t *v)
{
	json_dumpf(v, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
}

/* One table cell padded to w; the last of a row ends the line. */
static void
print_cell(const char *v, size_t w, bool last)
{
	if (last)
		printf("%s\n", v);
	else
		printf("%-*s  ", (int)w, v);
}

void
out_rows(const struct admin *a, const struct out_col *cols, size_t n,
    json_t *rows)
{
	size_t w[16] = { 0 }, i;
	json_t *row;
	char buf[32];

	if (a->json) {
		print_json(rows);
		return;
	}
	if (n > sizeof(w) / sizeof(w[0]))
		n = sizeof(w) / sizeof(w[0]);
	for (size_t c = 0; c < n; c++)
		w[c] = strlen(cols[c].head);
	json_array_foreach(rows, i, row)
		for (size_t c = 0; c < n; c++) {
			size_t l = strlen(cell(json_object_get(row, cols[c].key),
			    buf, sizeof(buf)));

			if (l > w[c])
				w[c] = l;
		}
	for (size_t c = 0; c < n; c++)
		print_cell(cols[c].head, w[c], c + 1 == n);
	json_array_foreach(rows, i, row)
		for (size_t c = 0; c < n; c++)
			print_cell(cell(json_object_get(row, cols[c].key), buf,
			    sizeof(buf)), w[c], c + 1 == n);
	if (json_array_size(rows) == 0)
		printf("(none)\n");
}

void
out_object(const struct admin *a, const struct out_col *cols, size_t n,
    json_t *obj)
{
	char buf[32];

	if (a->json) {
		print_json(obj);
		return;
	}
	for (size_t c = 0; c < n; c++)
		printf("%-*s %s\n", 14, cols[c].head,
		    cell(json_object_get(obj, cols[c].key), buf, sizeof(buf)));
}

void
out_done(const struct admin *a, json_t *obj, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (a->json) {
		json_t *o = json_pack("{s:b, s:s}", "ok", 1, "message", msg);

		if (obj)
			json_object_update(o, obj);
		print_json(o);
		json_decref(o);
	} else
		printf("%s\n", msg);
	json_decref(obj);
}
