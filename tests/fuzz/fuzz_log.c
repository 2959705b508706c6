/*
 * fuzz_log.c: a quiet stand-in for lib/log.c in the fuzz targets. The
 * parsers log what they reject, which would print a line on every input
 * and slow the run down; here messages go to stderr only when FUZZ_LOG is
 * set, and fatal()/fatalx() abort so that libFuzzer reports them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"

static void	fuzz_log(const char *, va_list)
		    __attribute__((format(printf, 1, 0)));

static void
fuzz_log(const char *fmt, va_list ap)
{
	static int	on = -1;

	if (on == -1)
		on = getenv("FUZZ_LOG") != NULL;
	if (!on)
		return;
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
log_init(const char *name, int foreground, int verbose)
{
}

void
log_setverbose(int v)
{
}

int
log_getverbose(void)
{
	return (0);
}

void
log_procname(const char *name)
{
}

void
vlog(int pri, const char *fmt, va_list ap)
{
	fuzz_log(fmt, ap);
}

#define FUZZ_LOG_FN(name)						\
void									\
name(const char *fmt, ...)						\
{									\
	va_list	ap;							\
									\
	va_start(ap, fmt);						\
	fuzz_log(fmt, ap);						\
	va_end(ap);							\
}
FUZZ_LOG_FN(log_warn)
FUZZ_LOG_FN(log_warnx)
FUZZ_LOG_FN(log_info)
FUZZ_LOG_FN(log_debug)

/* fatal() and fatalx(): say why, always, and abort. */
#define FUZZ_FATAL_FN(name)						\
void									\
name(const char *fmt, ...)						\
{									\
	va_list	ap;							\
									\
	va_start(ap, fmt);						\
	vfprintf(stderr, fmt, ap);					\
	va_end(ap);							\
	fputc('\n', stderr);						\
	abort();							\
}
FUZZ_FATAL_FN(fatal)
FUZZ_FATAL_FN(fatalx)
