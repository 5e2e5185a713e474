/* support_tmpdir.c - see support_tmpdir.h. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

#include "support_tmpdir.h"

int
tmpdir_make(char *dir, size_t size, const char *tag)
{
	int n = snprintf(dir, size, "/tmp/stkauth-%s-XXXXXX", tag);

	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int
remove_one(const char *path, const struct stat *sb, int type,
    struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

int
tmpdir_remove(const char *dir)
{
	/* depth first, not following symbolic links */
	return nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}
