/*
 * test_lib_fsafe.c: directories and files opened where someone else
 * could have been first (lib/fsafe.h), the run directory and the pid
 * file (lib/daemon.h).
 */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "fsafe.h"
#include "unit.h"

/* A uid and gid nobody on a test machine has. */
#define OTHER_ID	61234

static char	 top[] = "/tmp/fsafetest.XXXXXX";

/* Create the test's own directory (mode 0700, ours). */
static void
setup(void)
{
	strlcpy(top, "/tmp/fsafetest.XXXXXX", sizeof top);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(top));
}

/* Remove it and what the test put in it. */
static void
teardown(void)
{
	char	cmd[64];

	snprintf(cmd, sizeof cmd, "rm -rf %s", top);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

/* Check a directory; return the cause of a refusal (static) or NULL. */
static const char *
dir_cause(const char *path, uid_t user, int flags)
{
	static char	 buf[512];
	char		*cause;
	int		 fd;

	if ((fd = fsafe_dir(path, user, flags, 0700, &cause)) != -1) {
		close(fd);
		return (NULL);
	}
	strlcpy(buf, cause, sizeof buf);
	free(cause);
	return (buf);
}

/* Whether <s> holds <what>; prints <s> otherwise. */
static int
says(const char *s, const char *what)
{
	if (s != NULL && strstr(s, what) != NULL)
		return (1);
	fprintf(stderr, "\nwanted \"%s\", got \"%s\"\n", what,
	    s != NULL ? s : "(accepted)");
	return (0);
}

static void
test_fsafe_dir_modes(void)
{
	char	sub[128];

	setup();
	CU_ASSERT_PTR_NULL(dir_cause(top, (uid_t)-1, 0));
	CU_ASSERT_PTR_NULL(dir_cause(top, (uid_t)-1, FSAFE_PRIVATE));
	chmod(top, 0777);
	CU_ASSERT(says(dir_cause(top, (uid_t)-1, 0), "writable by everyone"));
	CU_ASSERT(says(dir_cause(top, (uid_t)-1, FSAFE_PRIVATE),
	    "writable by group or others (mode 0777)"));
	/* Sticky: others cannot replace what is ours, but private it is not. */
	chmod(top, 01777);
	CU_ASSERT_PTR_NULL(dir_cause(top, (uid_t)-1, 0));
	CU_ASSERT(says(dir_cause(top, (uid_t)-1, FSAFE_PRIVATE),
	    "writable by group or others"));
	/* What is above counts too. */
	chmod(top, 0777);
	snprintf(sub, sizeof sub, "%s/sub", top);
	CU_ASSERT_EQUAL(mkdir(sub, 0700), 0);
	CU_ASSERT(says(dir_cause(sub, (uid_t)-1, FSAFE_PRIVATE), top));
	chmod(top, 0700);
	CU_ASSERT_PTR_NULL(dir_cause(sub, (uid_t)-1, FSAFE_PRIVATE));
	teardown();
}

static void
test_fsafe_dir_mkdir(void)
{
	char		 sub[128];
	struct stat	 st;

	setup();
	snprintf(sub, sizeof sub, "%s/made", top);
	CU_ASSERT(says(dir_cause(sub, (uid_t)-1, 0), "No such file"));
	CU_ASSERT_PTR_NULL(dir_cause(sub, (uid_t)-1, FSAFE_MKDIR));
	CU_ASSERT_EQUAL_FATAL(stat(sub, &st), 0);
	CU_ASSERT(S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0700);
	/* A file where the directory should be is no directory. */
	snprintf(sub, sizeof sub, "%s/file", top);
	close(open(sub, O_WRONLY | O_CREAT, 0600));
	CU_ASSERT(says(dir_cause(sub, (uid_t)-1, FSAFE_MKDIR),
	    "not a directory"));
	teardown();
}

/* Owners other than root and the user: only root can make them. */
static void
test_fsafe_dir_owners(void)
{
	setup();
	if (geteuid() != 0) {
		teardown();
		return;
	}
	CU_ASSERT_EQUAL(chown(top, OTHER_ID, OTHER_ID), 0);
	CU_ASSERT(says(dir_cause(top, (uid_t)-1, 0), "owned by uid 61234, "
	    "neither root nor"));
	/* The service user may own it, but a private one is ours. */
	CU_ASSERT_PTR_NULL(dir_cause(top, OTHER_ID, 0));
	CU_ASSERT(says(dir_cause(top, OTHER_ID, FSAFE_PRIVATE),
	    "owned by uid 61234, not by"));
	/* Group-writable: fine for root's group, not for another. */
	CU_ASSERT_EQUAL(chown(top, 0, 0), 0);
	chmod(top, 0770);
	CU_ASSERT_PTR_NULL(dir_cause(top, (uid_t)-1, 0));
	CU_ASSERT_EQUAL(chown(top, 0, OTHER_ID), 0);
	CU_ASSERT(says(dir_cause(top, (uid_t)-1, 0), "writable by its group"));
	teardown();
}

/* Open a file; return the cause of a refusal (static) or NULL. */
static const char *
open_cause(const char *path, int flags)
{
	static char	 buf[512];
	char		*cause;
	int		 fd;

	if ((fd = fsafe_open(path, flags, 0600, (uid_t)-1, &cause)) != -1) {
		close(fd);
		return (NULL);
	}
	strlcpy(buf, cause, sizeof buf);
	free(cause);
	return (buf);
}

static void
test_fsafe_open_files(void)
{
	char	 f[128], target[128], lnk[128], fifo[128], buf[16];
	int	 fd;

	setup();
	snprintf(f, sizeof f, "%s/log", top);
	snprintf(target, sizeof target, "%s/target", top);
	snprintf(lnk, sizeof lnk, "%s/link", top);
	snprintf(fifo, sizeof fifo, "%s/fifo", top);
	CU_ASSERT_PTR_NULL(open_cause(f, O_WRONLY | O_APPEND | O_CREAT));
	CU_ASSERT_PTR_NULL(open_cause(f, O_WRONLY | O_APPEND));
	/* A planted link is never followed, so its target is untouched. */
	fd = open(target, O_WRONLY | O_CREAT, 0600);
	CU_ASSERT_EQUAL(write(fd, "keep", 4), 4);
	close(fd);
	CU_ASSERT_EQUAL(symlink(target, lnk), 0);
	CU_ASSERT(says(open_cause(lnk, O_WRONLY | O_CREAT), "a symbolic link"));
	/* Nor is a second name of the same file written. */
	unlink(lnk);
	CU_ASSERT_EQUAL(link(target, lnk), 0);
	CU_ASSERT(says(open_cause(lnk, O_WRONLY), "has 2 hard links"));
	fd = open(target, O_RDONLY);
	CU_ASSERT_EQUAL(read(fd, buf, sizeof buf), 4);
	close(fd);
	/* A FIFO does not block the daemon and is refused. */
	CU_ASSERT_EQUAL(mkfifo(fifo, 0600), 0);
	CU_ASSERT(says(open_cause(fifo, O_RDONLY), "not a regular file"));
	/* In a directory anyone may write, nothing is opened. */
	chmod(top, 0777);
	CU_ASSERT(says(open_cause(f, O_WRONLY), "writable by everyone"));
	chmod(top, 0700);
	if (geteuid() == 0) {
		CU_ASSERT_EQUAL(chown(f, OTHER_ID, OTHER_ID), 0);
		CU_ASSERT(says(open_cause(f, O_WRONLY), "owned by uid 61234"));
	}
	CU_ASSERT(says(open_cause(top, O_RDONLY), "not a regular file"));
	teardown();
}

static void
test_daemon_pidfile_safe(void)
{
	char	 pidf[128], target[128], buf[32], *cause;
	int	 fd;
	ssize_t	 n;

	setup();
	snprintf(pidf, sizeof pidf, "%s/d.pid", top);
	snprintf(target, sizeof target, "%s/precious", top);
	CU_ASSERT_EQUAL(daemon_pidfile(pidf, "root", &cause), 0);
	fd = open(pidf, O_RDONLY);
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	CU_ASSERT_FATAL(n > 0);
	buf[n] = '\0';
	CU_ASSERT_EQUAL(strtol(buf, NULL, 10), (long)getpid());
	/* Another live process (our parent) holds it: refused. */
	fd = open(pidf, O_WRONLY | O_TRUNC);
	dprintf(fd, "%ld\n", (long)getppid());
	close(fd);
	CU_ASSERT_EQUAL(daemon_pidfile(pidf, "root", &cause), -1);
	CU_ASSERT(says(cause, "is running"));
	free(cause);
	/* A link planted in its place is refused, its target kept whole. */
	unlink(pidf);
	fd = open(target, O_WRONLY | O_CREAT, 0600);
	CU_ASSERT_EQUAL(write(fd, "precious\n", 9), 9);
	close(fd);
	CU_ASSERT_EQUAL(symlink(target, pidf), 0);
	CU_ASSERT_EQUAL(daemon_pidfile(pidf, "root", &cause), -1);
	CU_ASSERT(says(cause, "a symbolic link"));
	free(cause);
	fd = open(target, O_RDONLY);
	CU_ASSERT_EQUAL(read(fd, buf, sizeof buf), 9);
	close(fd);
	teardown();
}

static void
test_daemon_mkdir_run_checks(void)
{
	char	 run[128], *cause;

	setup();
	snprintf(run, sizeof run, "%s/run", top);
	CU_ASSERT_EQUAL(daemon_mkdir_run(run, "root", &cause), 0);
	chmod(run, 0777);
	CU_ASSERT_EQUAL(daemon_mkdir_run(run, "root", &cause), -1);
	CU_ASSERT(says(cause, "run: writable by everyone"));
	free(cause);
	teardown();
}

static CU_TestInfo tests[] = {
	{ "test_fsafe_dir_modes", test_fsafe_dir_modes },
	{ "test_fsafe_dir_mkdir", test_fsafe_dir_mkdir },
	{ "test_fsafe_dir_owners", test_fsafe_dir_owners },
	{ "test_fsafe_open_files", test_fsafe_open_files },
	{ "test_daemon_pidfile_safe", test_daemon_pidfile_safe },
	{ "test_daemon_mkdir_run_checks", test_daemon_mkdir_run_checks },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(lib_fsafe_suite, "lib_fsafe", tests)
