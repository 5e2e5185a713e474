/* log.c - levelled logging; see log.h. */
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

void
stk_vlog(enum stk_log_level level, const char *fmt, va_list ap)
{
	FILE *out = log_stream != NULL ? log_stream : stderr;
	struct timeval tv;
	struct tm tm;
	char stamp[32];

	if (level > log_level)
		return;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(out, "%s.%03ldZ %s[%ld] %s: ", stamp, (long)(tv.tv_usec / 1000),
	    log_ident, (long)getpid(), stk_log_level_name(level));
	vfprintf(out, fmt, ap);
	fputc('\n', out);
	fflush(out);
}

void
stk_log(enum stk_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	stk_vlog(level, fmt, ap);
	va_end(ap);
}
