/*
 * support_vectors.h - test vectors as data files.
 *
 * A vector file is a list of cases separated by blank lines; each case is
 * "key: value" lines ('#' starts a comment line).  A value may continue on
 * following lines that start with whitespace (joined with one space), which
 * keeps long hex strings and multi-line expected decodes readable.  Paths
 * are relative to the source tree root (tests run from there), or to
 * $STKAUTH_SRCDIR when set.
 */
#ifndef STKAUTH_SUPPORT_VECTORS_H
#define STKAUTH_SUPPORT_VECTORS_H

#include <stddef.h>
#include <stdint.h>

#define VEC_MAX_FIELDS 32

struct vec_case {
	size_t line;			/* first line of the case in the file */
	size_t nfields;
	char *key[VEC_MAX_FIELDS];
	char *value[VEC_MAX_FIELDS];
};

struct vec_file {
	char *path;
	size_t ncases;
	struct vec_case *cases;
};

/* Load a vector file; aborts the test program with a message on error. */
struct vec_file *vec_load(const char *relpath);
void vec_free(struct vec_file *vf);

/* The value of key in the case, or NULL when absent. */
const char *vec_get(const struct vec_case *vc, const char *key);
/* Same, but fails the running cmocka test when absent. */
const char *vec_need(const struct vec_case *vc, const char *key);
/*
 * Decode the hex value of key into a malloc'd buffer (*len bytes; free it).
 * Fails the running test when absent or not hex.
 */
uint8_t *vec_hex(const struct vec_case *vc, const char *key, size_t *len);

#endif
