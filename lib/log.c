/* log.c - levelled logging; see log.h. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char *log_ident = "stkauth";
static enum stk_log_level log_level = STK_LOG_INFO;
static FILE *log_stream;

static const char *const level_names[] = {
	[STK_LOG_ERROR] = "error",
	[STK_LOG_WARN] = "warn",
	[STK_LOG_INFO] = "info",
	[STK_LOG_DEBUG] = "debug",
};

#define LEVEL_COUNT (sizeof(level_names) / sizeof(level_names[0]))

void
stk_log_init(const char *ident, enum stk_log_level level)
{
	if (ident != NULL)
		log_ident = ident;
	log_level = level;
}

void stk_log_set_level(enum stk_log_level level) { log_level = level; }
enum stk_log_level stk_log_get_level(void) { return log_level; }
void stk_log_set_stream(FILE *f) { log_stream = f; }

int
stk_log_level_parse(const char *name)
{
	for (size_t i = 0; i < LEVEL_COUNT; i++)
		if (strcasecmp(name, level_names[i]) == 0)
			return (int)i;
	if (strcasecmp(name, "warning") == 0)
		return STK_LOG_WARN;
	return -1;
}

const char *
stk_log_level_name(enum stk_log_level level)
{
	return (unsigned)level < LEVEL_COUNT ? level_names[level] : "?";
}

/*
 * The process id of every line, asked once: a getpid() system call per
 * line was a measurable share of a busy daemon's system calls.  A child
 * made by fork() asks again (pthread_atfork).
 */
static pid_t log_pid;
static pthread_once_t log_pid_once = PTHREAD_ONCE_INIT;

static void forget_pid(void) { log_pid = 0; }
static void watch_fork(void) { pthread_atfork(NULL, NULL, forget_pid); }

static long
pid_now(void)
{
	pthread_once(&log_pid_once, watch_fork);
	if (log_pid == 0)
		log_pid = getpid();
	return (long)log_pid;
}

/*
 * One line is formatted whole, then written with one call: on the
 * unbuffered stderr that is one write() per line (it was three), and the
 * lines of several threads never interleave.  A line longer than the
 * stack buffer is formatted again into one of its size.
 */
void
stk_vlog(enum stk_log_level level, const char *fmt, va_list ap)
{
	FILE *out = log_stream != NULL ? log_stream : stderr;
	struct timeval tv;
	struct tm tm;
	char stamp[32], buf[1024], *line = buf;
	int head, len;
	va_list again;

	if (level > log_level)
		return;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	head = snprintf(buf, sizeof(buf), "%s.%03ldZ %s[%ld] %s: ", stamp,
	    (long)(tv.tv_usec / 1000), log_ident, pid_now(),
	    stk_log_level_name(level));
	if (head < 0 || (size_t)head >= sizeof(buf))
		return;
	va_copy(again, ap);
	len = vsnprintf(buf + head, sizeof(buf) - head, fmt, ap);
	if (len >= 0 && (size_t)(head + len) + 1 >= sizeof(buf) &&
	    (line = malloc((size_t)head + len + 2)) != NULL) {
		memcpy(line, buf, head);
		vsnprintf(line + head, (size_t)len + 1, fmt, again);
	} else if (line == NULL) {
		line = buf;	/* no memory: the line cut at the buffer */
		len = (int)sizeof(buf) - head - 2;
	}
	va_end(again);
	if (len < 0)
		len = 0;
	line[head + len] = '\n';
	fwrite(line, 1, (size_t)head + len + 1, out);
	fflush(out);
	if (line != buf)
		free(line);
}

void
stk_log(enum stk_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	stk_vlog(level, fmt, ap);
	va_end(ap);
}
