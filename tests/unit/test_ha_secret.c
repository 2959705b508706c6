/*
 * test_ha_secret.c: the heartbeat key file (daemon_read_secret): only a
 * private regular file is read; a FIFO, a directory, a device or a
 * symbolic link is refused at once with a message naming what it is.
 */
#include <sys/stat.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "unit.h"

static char	dir[] = "/tmp/haseckey.XXXXXX";
static char	file[PATH_MAX], fifo[PATH_MAX], link_[PATH_MAX];

/* Try <path>; return the cause of a refusal, NULL on success. */
static const char *
try_read(const char *path)
{
	unsigned char	 key[256];
	size_t		 len = 0;
	const char	*cause = NULL;
	int		 r;

	/* A blocking open would hang here: fail loudly instead. */
	alarm(5);
	r = daemon_read_secret(path, key, sizeof key, &len, &cause);
	alarm(0);
	if (r == 0) {
		CU_ASSERT_EQUAL(len, 19);
		return (NULL);
	}
	CU_ASSERT_PTR_NOT_NULL(cause);
	return (cause != NULL ? cause : "?");
}

static void
test_daemon_read_secret_file_types(void)
{
	const char	*cause;
	int		 fd;

	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	snprintf(file, sizeof file, "%s/ha.key", dir);
	snprintf(fifo, sizeof fifo, "%s/fifo.key", dir);
	snprintf(link_, sizeof link_, "%s/link.key", dir);
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0600);
	CU_ASSERT_FATAL(fd != -1);
	CU_ASSERT_EQUAL(write(fd, "0123456789abcdefXYZ\n", 20), 20);
	close(fd);
	CU_ASSERT_PTR_NULL(try_read(file));

	/* A FIFO with no writer: refused without waiting for one. */
	CU_ASSERT_FATAL(mkfifo(fifo, 0600) == 0);
	cause = try_read(fifo);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cause);
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, "FIFO"));
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, "not a regular file"));

	/* A symbolic link to a good key file is refused all the same. */
	CU_ASSERT_FATAL(symlink(file, link_) == 0);
	cause = try_read(link_);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cause);
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, "symbolic link"));

	cause = try_read(dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cause);
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, "directory"));
	cause = try_read("/dev/null");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cause);
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, "device"));

	unlink(link_);
	unlink(fifo);
	unlink(file);
	rmdir(dir);
}

static CU_TestInfo tests[] = {
	{ "test_daemon_read_secret_file_types",
	    test_daemon_read_secret_file_types },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(ha_secret_suite, "ha_secret", tests)
