/*
 * csv.c - RFC 4180 records with line numbers, for import and export.
 *
 * The reader is a small state machine over getc: one record at a time in
 * fixed buffers (no allocation, so a million-line import runs in constant
 * memory), every limit checked, errors named.  RFC 4180 §2 rules: fields
 * separated by ',', records ended by CRLF (LF alone accepted), a field in
 * double quotes may contain ',', CR, LF and "" (one quote); a quote in an
 * unquoted field, or text after a closing quote, is an error.
 */
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "err.h"

void
csv_reader_init(struct csv_reader *r, FILE *f)
{
	memset(r, 0, sizeof(*r));
	r->f = f;
	r->next_line = 1;
}

/* After an error: drop the rest of the physical line. */
static void
skip_line(struct csv_reader *r, int c)
{
	while (c != '\n' && c != EOF)
		c = getc_unlocked(r->f);
	if (c == '\n')
		r->next_line++;
}

static int
fail(struct csv_reader *r, int c, int err, const char *msg, const char **why)
{
	skip_line(r, c);
	*why = msg;
	return err;
}

int
csv_read(struct csv_reader *r, const char **why)
{
	size_t used = 0, flen = 0;
	bool quoted = false, closed = false;
	int c;

	*why = NULL;
	r->line = r->next_line;
	r->nfields = 0;
	if ((c = getc_unlocked(r->f)) == EOF)
		return 0;
	r->fields[r->nfields++] = r->store;
	for (;; c = getc_unlocked(r->f)) {
		if (quoted && !closed) {
			if (c == EOF)
				return fail(r, c, STK_E_INVALID,
				    "quoted field not closed", why);
			if (c == '"') {
				int d = getc_unlocked(r->f);

				if (d != '"') {
					closed = true;
					c = d;
					goto after_field_char;
				}
			} else if (c == '\n')
				r->next_line++;
			goto append;
		}
 after_field_char:
		if (c == ',' || c == '\n' || c == EOF || c == '\r') {
			if (c == '\r') {
				int d = getc_unlocked(r->f);

				if (d != '\n')
					return fail(r, d, STK_E_INVALID,
					    "CR without LF", why);
				c = '\n';
			}
			r->store[used++] = '\0';
			if (c != ',') {
				if (c == '\n')
					r->next_line++;
				return 1;
			}
			if (r->nfields == CSV_FIELDS_MAX)
				return fail(r, c, STK_E_TOO_LONG,
				    "too many fields", why);
			r->fields[r->nfields++] = r->store + used;
			flen = 0;
			quoted = closed = false;
			continue;
		}
		if (closed)
			return fail(r, c, STK_E_INVALID,
			    "text after a closing quote", why);
		if (c == '"') {
			if (flen > 0)
				return fail(r, c, STK_E_INVALID,
				    "quote inside an unquoted field", why);
			quoted = true;
			continue;
		}
 append:
		if (c == '\0')
			return fail(r, c, STK_E_INVALID, "NUL character", why);
		if (flen >= CSV_FIELD_MAX || used + 2 >= sizeof(r->store))
			return fail(r, c, STK_E_TOO_LONG, "field too long", why);
		r->store[used++] = (char)c;
		flen++;
	}
}

void
csv_write(FILE *f, const char *const *fields, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *v = fields[i] ? fields[i] : "";

		if (i > 0)
			fputc(',', f);
		if (strpbrk(v, ",\"\r\n") == NULL) {
			fputs(v, f);
			continue;
		}
		fputc('"', f);
		for (; *v; v++) {
			if (*v == '"')
				fputc('"', f);
			fputc(*v, f);
		}
		fputc('"', f);
	}
	fputs("\r\n", f);
}
