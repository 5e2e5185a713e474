/*
 * support_tmpdir.h - a private temporary folder for a unit test: made
 * under /tmp with a tag in its name, removed with everything in it.
 * Linked into every unit test (Makefile TEST_SUPPORT_OBJS).
 */
#ifndef STKAUTH_SUPPORT_TMPDIR_H
#define STKAUTH_SUPPORT_TMPDIR_H

#include <stddef.h>

/* Make /tmp/stkauth-TAG-XXXXXX (mode 0700) into dir (size octets);
 * 0, or -1 (errno set) if it cannot. */
int tmpdir_make(char *dir, size_t size, const char *tag);
/* Remove dir and all it holds (no shell); 0, or -1 if something stays. */
int tmpdir_remove(const char *dir);

#endif
