/* err.c - error names and messages from the table in err.h. */
#include <stdio.h>

#include "err.h"

struct err_entry {
	int code;
	const char *name;
	const char *message;
};

static const struct err_entry err_table[] = {
#define STK_ERR_ROW(sym, val, msg) { (val), #sym, (msg) },
	STK_ERROR_TABLE(STK_ERR_ROW)
#undef STK_ERR_ROW
};

static const struct err_entry *
err_lookup(int err)
{
	for (size_t i = 0; i < sizeof(err_table) / sizeof(err_table[0]); i++)
		if (err_table[i].code == err)
			return &err_table[i];
	return NULL;
}

const char *
stk_strerror(int err)
{
	const struct err_entry *e = err_lookup(err);
	return e != NULL ? e->message : "unknown error";
}

const char *
stk_errname(int err)
{
	const struct err_entry *e = err_lookup(err);
	return e != NULL ? e->name : "STK_E_UNKNOWN";
}

int
stk_fail(struct stk_diag *diag, int err, const char *field, size_t offset)
{
	if (diag != NULL && diag->err == STK_OK) {
		diag->err = err;
		diag->field = field;
		diag->offset = offset;
	}
	return err;
}

void
stk_diag_clear(struct stk_diag *diag)
{
	diag->err = STK_OK;
	diag->field = NULL;
	diag->offset = 0;
}

const char *
stk_diag_format(const struct stk_diag *diag, char *buf, size_t bufsz)
{
	if (diag->field != NULL)
		snprintf(buf, bufsz, "%s at offset %zu: %s", diag->field,
		    diag->offset, stk_strerror(diag->err));
	else
		snprintf(buf, bufsz, "%s", stk_strerror(diag->err));
	return buf;
}
