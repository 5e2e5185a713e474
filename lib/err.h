/*
 * err.h - the one error convention of libstkauth.
 *
 * Every fallible function returns 0 (STK_OK) or one of the negative codes
 * below.  Decoders additionally fill a struct stk_diag, when the caller passes
 * one, with the name of the field that failed and its byte offset in the
 * outermost input, so tools can print "TP-UDL at offset 12: input truncated".
 */
#ifndef STKAUTH_ERR_H
#define STKAUTH_ERR_H

#include <stddef.h>

/* X(symbol, value, message): the table of every error, once. */
#define STK_ERROR_TABLE(X)                                                  \
	X(STK_OK,             0,  "success")                                \
	X(STK_E_TRUNCATED,   -1,  "input truncated")                        \
	X(STK_E_TRAILING,    -2,  "trailing bytes after the end")           \
	X(STK_E_TOO_LONG,    -3,  "length exceeds the allowed maximum")     \
	X(STK_E_INCONSISTENT,-4,  "length or field inconsistent with data") \
	X(STK_E_INVALID,     -5,  "invalid value")                          \
	X(STK_E_UNSUPPORTED, -6,  "unsupported value or feature")           \
	X(STK_E_NOMEM,       -7,  "out of memory")                          \
	X(STK_E_NOSPACE,     -8,  "output does not fit")                    \
	X(STK_E_CHARSET,     -9,  "character not representable")            \
	X(STK_E_CRYPTO,      -10, "cryptographic operation failed")         \
	X(STK_E_VERIFY,      -11, "verification failed")                    \
	X(STK_E_DUPLICATE,   -12, "duplicate")                              \
	X(STK_E_NOT_FOUND,   -13, "not found")                              \
	X(STK_E_ARG,         -14, "invalid argument")                       \
	X(STK_E_IO,          -15, "input/output error")                     \
	X(STK_E_EXPIRED,     -16, "expired")                                \
	X(STK_E_REPLAY,      -17, "replayed or stale counter")              \
	X(STK_E_STATE,       -18, "operation not allowed in this state")

enum stk_err {
#define STK_ERR_ENUM(sym, val, msg) sym = (val),
	STK_ERROR_TABLE(STK_ERR_ENUM)
#undef STK_ERR_ENUM
};

/* Human-readable message; never NULL, "unknown error" for foreign codes. */
const char *stk_strerror(int err);
/* Symbolic name ("STK_E_TRUNCATED"); never NULL. */
const char *stk_errname(int err);

/* Where a decoder failed.  field points to a static string. */
struct stk_diag {
	int err;
	const char *field;
	size_t offset;
};

/*
 * Record a failure in diag (if non-NULL, and only the first one: inner
 * decoders name the precise field, outer ones must not overwrite it) and
 * return err, so decoders can write "return stk_fail(d, E, "TP-UDL", off);".
 */
int stk_fail(struct stk_diag *diag, int err, const char *field, size_t offset);

/* Reset diag to "no error". */
void stk_diag_clear(struct stk_diag *diag);

/* Format "FIELD at offset N: MESSAGE" into buf; returns buf. */
const char *stk_diag_format(const struct stk_diag *diag, char *buf,
    size_t bufsz);

#endif
