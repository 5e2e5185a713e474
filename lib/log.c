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

/*
 * Held lines (stk_log_hold): the holding thread's own buffer.  Lines of
 * level info and debug wait in it for stk_log_flush, which writes them
 * with one call; a warning or an error writes the held lines and itself
 * at once, so nothing of weight waits and the order is kept.
 */
#define HOLD_SIZE 16384

struct log_hold {
	void (*held)(void *);	/* told when a line enters an empty buffer */
	void *arg;
	size_t len;
	char buf[HOLD_SIZE];
};

static __thread struct log_hold *log_hold;

static void forget_held(void);

static void
forget_pid(void)
{
	log_pid = 0;
	forget_held();
}

static void watch_fork(void) { pthread_atfork(NULL, NULL, forget_pid); }

static long
pid_now(void)
{
	pthread_once(&log_pid_once, watch_fork);
	if (log_pid == 0)
		log_pid = getpid();
	return (long)log_pid;
}

static void
out_write(const char *p, size_t n)
{
	FILE *out = log_stream != NULL ? log_stream : stderr;

	fwrite(p, 1, n, out);
	fflush(out);
}

void
stk_log_flush(void)
{
	struct log_hold *h = log_hold;

	if (h == NULL || h->len == 0)
		return;
	out_write(h->buf, h->len);
	h->len = 0;
}

void
stk_log_hold(void (*held)(void *), void *arg)
{
	stk_log_flush();
	if (held == NULL) {
		forget_held();
		return;
	}
	pthread_once(&log_pid_once, watch_fork);
	if (log_hold == NULL && (log_hold = calloc(1, sizeof(*log_hold))) ==
	    NULL)
		return;		/* no memory: lines are written at once */
	log_hold->held = held;
	log_hold->arg = arg;
}

/* Hold nothing more (what was held is written or, in a child made by
 * fork(), left to the parent). */
static void
forget_held(void)
{
	free(log_hold);
	log_hold = NULL;
}

/* One whole line: held, or written with the lines held before it. */
static void
emit(enum stk_log_level level, const char *line, size_t n)
{
	struct log_hold *h = log_hold;

	if (h == NULL || level < STK_LOG_INFO || n > HOLD_SIZE) {
		stk_log_flush();
		out_write(line, n);
		return;
	}
	if (h->len + n > HOLD_SIZE)
		stk_log_flush();
	memcpy(h->buf + h->len, line, n);
	h->len += n;
	if (h->len == n)
		h->held(h->arg);
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
	emit(level, line, (size_t)head + len + 1);
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
