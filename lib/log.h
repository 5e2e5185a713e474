/*
 * log.h - levelled logging for every stkauth program.
 *
 * Lines go to stderr (or a file set with stk_log_open) as
 * "2026-11-23T18:43:35.123Z prog[pid] LEVEL: message".  Never pass key
 * material, PINs, passwords or tickets to these functions: log identifiers.
 */
#ifndef STKAUTH_LOG_H
#define STKAUTH_LOG_H

#include <stdarg.h>
#include <stdio.h>

enum stk_log_level {
	STK_LOG_ERROR = 0,
	STK_LOG_WARN = 1,
	STK_LOG_INFO = 2,
	STK_LOG_DEBUG = 3,
};

/* Program name shown in each line (not copied: pass a static string). */
void stk_log_init(const char *ident, enum stk_log_level level);
void stk_log_set_level(enum stk_log_level level);
enum stk_log_level stk_log_get_level(void);
/* Send lines to f instead of stderr (NULL: back to stderr). */
void stk_log_set_stream(FILE *f);

/* "error", "warn", "info", "debug" (case-insensitive); -1 if unknown. */
int stk_log_level_parse(const char *name);
const char *stk_log_level_name(enum stk_log_level level);

/*
 * Hold the calling thread's info and debug lines until stk_log_flush (an
 * event loop flushes once per turn: one write for many lines).  held(arg)
 * is called, on this thread, when a line enters the empty buffer, so the
 * owner can schedule the flush.  A warning or an error, a full buffer
 * (16 KiB) and stk_log_hold(NULL, NULL) write the held lines at once;
 * other threads are not affected, and a child made by fork() drops the
 * held lines (its parent writes them).  Lines held when the process
 * dies abnormally are lost.
 */
void stk_log_hold(void (*held)(void *), void *arg);
void stk_log_flush(void);

void stk_log(enum stk_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void stk_vlog(enum stk_log_level level, const char *fmt, va_list ap);

#define log_error(...) stk_log(STK_LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  stk_log(STK_LOG_WARN, __VA_ARGS__)
#define log_info(...)  stk_log(STK_LOG_INFO, __VA_ARGS__)
#define log_debug(...) stk_log(STK_LOG_DEBUG, __VA_ARGS__)

#endif
