/*
 * test_log.c - lib/log.h: the line format, the level filter, a line
 * longer than the formatting buffer kept whole, the process id asked
 * again in a child made by fork(), and lines held until a flush.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <pthread.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"

/* Everything logged to f so far, NUL-terminated (caller frees). */
static char *
slurp(FILE *f)
{
	long n;
	char *p;

	fflush(f);
	n = ftell(f);
	assert_true(n >= 0);
	p = calloc(1, (size_t)n + 1);
	assert_non_null(p);
	rewind(f);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	return p;
}

static void
test_format_and_levels(void **state)
{
	FILE *f = tmpfile();
	char *text, want[64];

	(void)state;
	assert_non_null(f);
	stk_log_init("tlog", STK_LOG_INFO);
	stk_log_set_stream(f);
	log_info("hello %d", 42);
	log_debug("not shown");
	log_error("bad %s", "thing");
	stk_log_set_stream(NULL);
	text = slurp(f);
	/* 2026-11-23T18:43:35.123Z tlog[PID] info: hello 42 */
	snprintf(want, sizeof(want), "Z tlog[%ld] info: hello 42\n",
	    (long)getpid());
	assert_non_null(strstr(text, want));
	assert_int_equal(text[4], '-');
	assert_int_equal(text[10], 'T');
	assert_int_equal(text[23], 'Z');
	assert_null(strstr(text, "not shown"));
	assert_non_null(strstr(text, "] error: bad thing\n"));
	free(text);
	fclose(f);
}

static void
test_long_line_whole(void **state)
{
	FILE *f = tmpfile();
	char *big = malloc(5001), *text, *p;

	(void)state;
	assert_non_null(f);
	assert_non_null(big);
	for (int i = 0; i < 5000; i++)
		big[i] = (char)('a' + i % 26);
	big[5000] = '\0';
	stk_log_init("tlog", STK_LOG_INFO);
	stk_log_set_stream(f);
	log_info("<%s>", big);
	log_info("after");
	stk_log_set_stream(NULL);
	text = slurp(f);
	p = strchr(text, '<');
	assert_non_null(p);
	assert_memory_equal(p + 1, big, 5000);
	assert_memory_equal(p + 5001, ">\n", 2);
	assert_non_null(strstr(p, "] info: after\n"));
	free(text);
	free(big);
	fclose(f);
}

static void
test_pid_after_fork(void **state)
{
	FILE *f = tmpfile();
	char *text, want[64];
	pid_t child;
	int status;

	(void)state;
	assert_non_null(f);
	stk_log_init("tlog", STK_LOG_INFO);
	stk_log_set_stream(f);
	log_info("parent");	/* the parent's id is remembered */
	fflush(f);
	if ((child = fork()) == 0) {
		log_info("child");
		fflush(f);
		_exit(0);
	}
	assert_true(child > 0);
	assert_int_equal(waitpid(child, &status, 0), child);
	stk_log_set_stream(NULL);
	fseek(f, 0, SEEK_END);
	text = slurp(f);
	snprintf(want, sizeof(want), "tlog[%ld] info: child\n", (long)child);
	assert_non_null(strstr(text, want));
	free(text);
	fclose(f);
}

static void
count_held(void *arg)
{
	(*(int *)arg)++;
}

static void *
log_from_thread(void *arg)
{
	(void)arg;
	log_info("from another thread");
	return NULL;
}

/* The number of bytes written to f so far. */
static long
written(FILE *f)
{
	fflush(f);
	return ftell(f);
}

/* stk_log_hold: info lines wait for stk_log_flush and leave in one
 * write, in order; a warning takes the held lines with it; other
 * threads and a forked child do not hold (the child drops its copy). */
static void
test_hold_and_flush(void **state)
{
	FILE *f = tmpfile();
	char *text;
	const char *a, *b, *c, *d, *t;
	pthread_t th;
	pid_t child;
	int held = 0, status;

	(void)state;
	assert_non_null(f);
	stk_log_init("tlog", STK_LOG_INFO);
	stk_log_set_stream(f);
	stk_log_hold(count_held, &held);
	log_info("one");
	log_info("two");
	log_debug("not at this level");
	assert_int_equal(written(f), 0);
	assert_int_equal(held, 1);	/* once, for the first line */

	assert_int_equal(pthread_create(&th, NULL, log_from_thread, NULL), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_true(written(f) > 0);	/* that thread does not hold */

	if ((child = fork()) == 0) {
		stk_log_flush();	/* dropped: the parent writes them */
		fflush(f);
		_exit(0);
	}
	assert_true(child > 0);
	assert_int_equal(waitpid(child, &status, 0), child);

	stk_log_flush();
	log_info("three");
	assert_int_equal(held, 2);
	log_warn("four");		/* three and four at once */
	log_info("five");
	stk_log_hold(NULL, NULL);	/* five written, holding ends */
	log_info("six");
	stk_log_set_stream(NULL);
	text = slurp(f);
	t = strstr(text, "info: from another thread\n");
	a = strstr(text, "info: one\n");
	b = strstr(text, "info: two\n");
	c = strstr(text, "info: three\n");
	d = strstr(text, "warn: four\n");
	assert_true(t && a && b && c && d);
	assert_true(t < a && a < b && b < c && c < d);
	assert_non_null(strstr(d, "info: five\n"));
	assert_non_null(strstr(d, "info: six\n"));
	assert_null(strstr(b + 1, "info: one\n"));	/* the child's copy */
	assert_null(strstr(text, "not at this level"));
	free(text);
	fclose(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_and_levels),
		cmocka_unit_test(test_long_line_whole),
		cmocka_unit_test(test_pid_after_fork),
		cmocka_unit_test(test_hold_and_flush),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
