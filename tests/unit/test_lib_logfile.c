/* test_lib_logfile.c: the buffered log writer: buffer, flush, cap, reopen. */
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "logfile.h"
#include "unit.h"

static char	*lf_dir(void);
static size_t	 lf_size(const char *);

/* A fresh temporary directory (static buffer). */
static char *
lf_dir(void)
{
	static char	dir[64];

	strlcpy(dir, "/tmp/test_logfile.XXXXXX", sizeof dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	return (dir);
}

/* The size of a file, 0 if it does not exist. */
static size_t
lf_size(const char *path)
{
	struct stat	st;

	return (stat(path, &st) == 0 ? (size_t)st.st_size : 0);
}

/* Lines wait in the buffer until the threshold, the timer or a flush. */
static void
test_logfile_buffer_flush(void)
{
	struct event_base	*base = event_base_new();
	struct logfile		*lf;
	const char		*cause;
	char			 path[128], *dir = lf_dir();
	struct timeval		 tv = { 1, 300000 };
	int			 i;

	snprintf(path, sizeof path, "%s/access.log", dir);
	lf = logfile_new(base, "access log", 100, 1000);
	CU_ASSERT_EQUAL(logfile_write(lf, "x\n", 2), -1);	/* closed */
	CU_ASSERT_EQUAL_FATAL(logfile_open(lf, path, &cause), 0);
	CU_ASSERT_STRING_EQUAL(logfile_path(lf), path);
	CU_ASSERT_EQUAL(logfile_write(lf, "line one\n", 9), 0);
	CU_ASSERT_EQUAL(lf_size(path), 0);
	/* The once-a-second timer writes it out. */
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	CU_ASSERT_EQUAL(lf_size(path), 9);
	/* Past the threshold, the write itself flushes. */
	for (i = 0; i < 12; i++)
		CU_ASSERT_EQUAL(logfile_write(lf, "0123456789", 10), 0);
	CU_ASSERT(lf_size(path) >= 109);
	logfile_write(lf, "tail\n", 5);
	logfile_flush(lf);
	CU_ASSERT_EQUAL(lf_size(path), 9 + 120 + 5);
	logfile_free(lf);
	unlink(path);
	rmdir(dir);
	event_base_free(base);
}

/* A file that takes nothing costs dropped lines, not memory. */
static void
test_logfile_buffer_cap(void)
{
	struct event_base	*base = event_base_new();
	struct logfile		*lf;
	const char		*cause;
	char			 line[100], path[128], *dir = lf_dir();
	int			 i, ok = 0;

	memset(line, 'a', sizeof line);
	snprintf(path, sizeof path, "%s/capped.log", dir);
	/* Never flushed (huge threshold): the cap is all that limits. */
	lf = logfile_new(base, "access log", 1 << 30, 1000);
	CU_ASSERT_EQUAL_FATAL(logfile_open(lf, path, &cause), 0);
	for (i = 0; i < 20; i++)
		if (logfile_write(lf, line, sizeof line) == 0)
			ok++;
	CU_ASSERT_EQUAL(ok, 10);
	CU_ASSERT_EQUAL(logfile_dropped(lf), 10);
	logfile_free(lf);
	unlink(path);
	rmdir(dir);
	event_base_free(base);
}

/*
 * A reopen that fails (a link planted where the new file should be)
 * keeps writing to the file in use, counts the failure and is tried
 * again; a device is not a log file either.
 */
static void
test_logfile_reopen_fails(void)
{
	struct event_base	*base = event_base_new();
	struct logfile		*lf;
	const char		*cause;
	char			 path[128], old[140], *dir = lf_dir();

	snprintf(path, sizeof path, "%s/access.log", dir);
	snprintf(old, sizeof old, "%s.1", path);
	lf = logfile_new(base, "access log", 64 * 1024, 1 << 20);
	CU_ASSERT_EQUAL(logfile_open(lf, "/dev/null", &cause), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, "not a regular file"));
	CU_ASSERT_EQUAL_FATAL(logfile_open(lf, path, &cause), 0);
	CU_ASSERT_EQUAL(rename(path, old), 0);
	CU_ASSERT_EQUAL(symlink("/etc/passwd", path), 0);
	logfile_write(lf, "one\n", 4);
	logfile_reopen(lf);
	CU_ASSERT_EQUAL(logfile_reopen_failures(lf), 1);
	logfile_reopen(lf);
	CU_ASSERT_EQUAL(logfile_reopen_failures(lf), 2);
	logfile_write(lf, "two\n", 4);
	logfile_flush(lf);
	CU_ASSERT_EQUAL(lf_size(old), 8);
	/* Once the way is clear, the next try gets a file of its own. */
	unlink(path);
	logfile_reopen(lf);
	CU_ASSERT_EQUAL(logfile_reopen_failures(lf), 2);
	logfile_write(lf, "three\n", 6);
	logfile_flush(lf);
	CU_ASSERT_EQUAL(lf_size(path), 6);
	logfile_free(lf);
	unlink(path);
	unlink(old);
	rmdir(dir);
	event_base_free(base);
}

/* Reopen after rotation writes to a new file of the same name. */
static void
test_logfile_reopen(void)
{
	struct event_base	*base = event_base_new();
	struct logfile		*lf;
	const char		*cause;
	char			 path[128], old[140], *dir = lf_dir();

	snprintf(path, sizeof path, "%s/access.log", dir);
	snprintf(old, sizeof old, "%s.1", path);
	lf = logfile_new(base, "access log", 64 * 1024, 1 << 20);
	CU_ASSERT_EQUAL_FATAL(logfile_open(lf, path, &cause), 0);
	logfile_write(lf, "before\n", 7);
	logfile_flush(lf);
	CU_ASSERT_EQUAL(rename(path, old), 0);
	logfile_write(lf, "queued\n", 7);
	/* What was buffered goes to the old file, the rest to the new. */
	logfile_reopen(lf);
	logfile_write(lf, "after\n", 6);
	logfile_flush(lf);
	CU_ASSERT_EQUAL(lf_size(old), 14);
	CU_ASSERT_EQUAL(lf_size(path), 6);
	/* A path that cannot be opened keeps the file in use. */
	CU_ASSERT_EQUAL(logfile_open(lf, "/nonexistent/dir/log", &cause), -1);
	CU_ASSERT_PTR_NOT_NULL(cause);
	CU_ASSERT_STRING_EQUAL(logfile_path(lf), path);
	/* "none" turns the log off. */
	CU_ASSERT_EQUAL(logfile_open(lf, "none", &cause), 0);
	CU_ASSERT_PTR_NULL(logfile_path(lf));
	CU_ASSERT_EQUAL(logfile_fd(lf), -1);
	logfile_free(lf);
	unlink(path);
	unlink(old);
	rmdir(dir);
	event_base_free(base);
}

static CU_TestInfo tests[] = {
	{ "buffer_flush", test_logfile_buffer_flush },
	{ "buffer_cap", test_logfile_buffer_cap },
	{ "reopen", test_logfile_reopen },
	{ "reopen_fails", test_logfile_reopen_fails },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(lib_logfile_suite, "lib_logfile", tests)
