/*
 * log.c: logging for daemons and tools.
 *
 * In the foreground (-d) messages go to stderr with a timestamp, otherwise
 * to syslog. log_warn appends strerror(errno); every function preserves
 * errno so callers can log and then still inspect it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <sys/time.h>

#include "log.h"

static int		 log_foreground = 1;
static int		 log_verbose;
static const char	*log_name = "twinproxy";

/* Start logging: to stderr when <foreground>, else syslog. */
void
log_init(const char *name, int foreground, int verbose)
{
	log_name = name;
	log_foreground = foreground;
	log_verbose = verbose;
	if (!foreground)
		openlog(name, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	tzset();
}

/* Change the debug level at run time. */
void
log_setverbose(int v)
{
	log_verbose = v;
}

/* Return the debug level. */
int
log_getverbose(void)
{
	return (log_verbose);
}

/* Change the name shown in front of messages. */
void
log_procname(const char *name)
{
	log_name = name;
}

/* Log a message at a syslog priority. */
void
vlog(int pri, const char *fmt, va_list ap)
{
	struct timeval	 tv;
	struct tm	 tm;
	char		 ts[32];
	int		 saved_errno = errno;

	if (log_foreground) {
		gettimeofday(&tv, NULL);
		localtime_r(&tv.tv_sec, &tm);
		strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ld %s: ", ts, (long)tv.tv_usec / 1000,
		    log_name);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		fflush(stderr);
	} else
		vsyslog(pri, fmt, ap);
	errno = saved_errno;
}

static void
logit(int pri, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Log at a priority with variable arguments. */
static void
logit(int pri, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(pri, fmt, ap);
	va_end(ap);
}

/* Log a warning with the current errno's text appended. */
void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	char	 buf[1024];
	int	 saved_errno = errno;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	logit(LOG_ERR, "%s: %s", buf, strerror(saved_errno));
	errno = saved_errno;
}

/* Log a warning. */
void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
}

/* Log an informational message; always shown. */
void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

/* Log a debug message when -v was given. */
void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

/* Log with errno's text and exit. */
void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	char	 buf[1024];
	int	 saved_errno = errno;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	logit(LOG_CRIT, "fatal: %s: %s", buf, strerror(saved_errno));
	exit(1);
}

/* Log and exit. */
void
fatalx(const char *fmt, ...)
{
	va_list	 ap;
	char	 buf[1024];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	logit(LOG_CRIT, "fatal: %s", buf);
	exit(1);
}
