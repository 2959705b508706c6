/*
 * test_lib_ctl.c: the control-socket protocol end to end (a daemon side on
 * an event base, twinctl's client side in a child process), and the
 * secret-file checks.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "daemon.h"
#include "ev.h"
#include "unit.h"

static int	echo_cmd(struct ctl_conn *, int, char **, void *);
static int	fail_cmd(struct ctl_conn *, int, char **, void *);

static const struct ctl_cmd test_cmds[] = {
	{ "echo", "words...", echo_cmd },
	{ "fail", "", fail_cmd },
	{ NULL, NULL, NULL }
};

/* Answer each argument on its own line; one of them starts with a dot. */
static int
echo_cmd(struct ctl_conn *c, int argc, char **argv, void *arg)
{
	int	i;

	(*(int *)arg)++;
	for (i = 1; i < argc; i++)
		ctl_printf(c, "%s", argv[i]);
	return (0);
}

static int
fail_cmd(struct ctl_conn *c, int argc, char **argv, void *arg)
{
	ctl_error(c, "it failed on purpose");
	return (-1);
}

struct child {
	pid_t	pid;
	int	status;
	int	done;
};

/* Stop the loop once the client process has exited. */
static void
reap_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct child	*ch = arg;

	if (waitpid(ch->pid, &ch->status, WNOHANG) == ch->pid)
		ch->done = 1;
}

/* Run <fn> in a child while the server's loop runs; return its exit code. */
static int
run_client(struct event_base *base, int (*fn)(const char *),
    const char *path)
{
	struct child	 ch = { 0, 0, 0 };
	struct event	*ev;
	struct timeval	 tv = { 0, 10000 };
	int		 rounds = 0;

	fflush(NULL);
	if ((ch.pid = fork()) == 0)
		_exit(fn(path));
	ev = event_new(base, -1, EV_PERSIST, reap_cb, &ch);
	event_add(ev, &tv);
	while (!ch.done && rounds++ < 1000)	/* at most ~10 s */
		event_base_loop(base, EVLOOP_ONCE);
	event_free(ev);
	if (!ch.done) {
		kill(ch.pid, SIGKILL);
		waitpid(ch.pid, NULL, 0);
		return (-1);
	}
	return (WIFEXITED(ch.status) ? WEXITSTATUS(ch.status) : -1);
}

static int
client_echo(const char *path)
{
	char	 err[256], *buf = NULL;
	size_t	 len;
	FILE	*out = open_memstream(&buf, &len);
	int	 rv;

	rv = ctl_request(path, "echo one .dot two", out, err, sizeof err,
	    5000);
	fclose(out);
	if (rv != 0 || strcmp(buf, "one\n.dot\ntwo\n") != 0)
		return (1);
	free(buf);
	return (0);
}

static int
client_errors(const char *path)
{
	char	err[256];

	if (ctl_request(path, "fail", NULL, err, sizeof err, 5000) != 1 ||
	    strcmp(err, "it failed on purpose") != 0)
		return (1);
	if (ctl_request(path, "nosuch", NULL, err, sizeof err, 5000) != 1 ||
	    strstr(err, "unknown command 'nosuch'") == NULL)
		return (2);
	if (ctl_request(path, "ping", NULL, err, sizeof err, 5000) != 0)
		return (3);
	return (0);
}

static void
test_ctl_request_roundtrip(void)
{
	struct event_base	*base;
	struct ctl_server	*srv;
	const char		*cause = NULL;
	char			 dir[] = "/tmp/ctltest.XXXXXX", path[64], err[64];
	int			 calls = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/t.sock", dir);
	base = event_base_new();
	srv = ctl_server_new(base, path, test_cmds, &calls, &cause);
	CU_ASSERT_PTR_NOT_NULL_FATAL(srv);
	CU_ASSERT_EQUAL(run_client(base, client_echo, path), 0);
	CU_ASSERT_EQUAL(calls, 1);
	CU_ASSERT_EQUAL(run_client(base, client_errors, path), 0);
	/* A second server must not steal a live socket. */
	CU_ASSERT_PTR_NULL(ctl_server_new(base, path, test_cmds, &calls,
	    &cause));
	ctl_server_free(srv);
	/* Once the daemon is gone, clients get a clear error, not a hang. */
	CU_ASSERT_EQUAL(ctl_request(path, "ping", NULL, err, sizeof err, 1000),
	    -1);
	event_base_free(base);
	rmdir(dir);
}

/* Commands sent by the flood client, through a file (it is a child). */
static char	 flood_count[64];

/*
 * A client that sends commands for a second and never reads their
 * answers; it writes how many it sent to flood_count.
 */
static int
client_flood(const char *path)
{
	struct sockaddr_un	 sun;
	struct timespec		 t0, now;
	const char		 cmd[] = "echo answer-of-some-length\n";
	long			 sent = 0;
	FILE			*f;
	int			 fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, path, sizeof sun.sun_path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1)
		return (1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		if (write(fd, cmd, sizeof cmd - 1) == (ssize_t)sizeof cmd - 1)
			sent++;
		else
			usleep(1000);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while ((now.tv_sec - t0.tv_sec) * 1000000000L +
	    (now.tv_nsec - t0.tv_nsec) < 1000000000L);
	if ((f = fopen(flood_count, "w")) == NULL)
		return (2);
	fprintf(f, "%ld\n", sent);
	fclose(f);
	close(fd);
	return (0);
}

/*
 * Answers a client does not read pile up to the high-water mark only:
 * past it, its commands wait and are not even read (lib/flow.h).
 */
static void
test_ctl_flood_bounded(void)
{
	struct event_base	*base;
	struct ctl_server	*srv;
	const char		*cause = NULL;
	char			 dir[] = "/tmp/ctltest.XXXXXX", path[64];
	long			 sent = 0;
	int			 calls = 0;
	FILE			*f;
	void			(*old)(int);

	/* As in the daemons: a client gone is an error, not a signal. */
	old = signal(SIGPIPE, SIG_IGN);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/t.sock", dir);
	snprintf(flood_count, sizeof flood_count, "%s/count", dir);
	base = event_base_new();
	srv = ctl_server_new(base, path, test_cmds, &calls, &cause);
	CU_ASSERT_PTR_NOT_NULL_FATAL(srv);
	CU_ASSERT_EQUAL(run_client(base, client_flood, path), 0);
	if ((f = fopen(flood_count, "r")) != NULL) {
		CU_ASSERT_EQUAL(fscanf(f, "%ld", &sent), 1);
		fclose(f);
	}
	/* 256 KiB of answers (plus the socket's own buffer), no more. */
	CU_ASSERT(sent > calls);
	CU_ASSERT(calls < (256 * 1024 + 4 * 1024 * 1024) / 30);
	ctl_server_free(srv);
	event_base_free(base);
	unlink(flood_count);
	rmdir(dir);
	signal(SIGPIPE, old);
}

static void
test_daemon_read_secret_modes(void)
{
	char		 path[] = "/tmp/keytest.XXXXXX";
	unsigned char	 key[256];
	size_t		 len;
	const char	*cause;
	int		 fd;

	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd != -1);
	CU_ASSERT_EQUAL(write(fd, "0123456789abcdefXYZ\n", 20), 20);
	close(fd);
	CU_ASSERT_EQUAL(chmod(path, 0600), 0);
	CU_ASSERT_EQUAL(daemon_read_secret(path, key, sizeof key, &len,
	    &cause), 0);
	CU_ASSERT_EQUAL(len, 19);	/* trailing newline dropped */
	CU_ASSERT_EQUAL(memcmp(key, "0123456789abcdefXYZ", 19), 0);
	CU_ASSERT_EQUAL(chmod(path, 0644), 0);
	CU_ASSERT_EQUAL(daemon_read_secret(path, key, sizeof key, &len,
	    &cause), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, "chmod 600"));
	CU_ASSERT_EQUAL(chmod(path, 0640), 0);
	CU_ASSERT_EQUAL(daemon_read_secret(path, key, sizeof key, &len,
	    &cause), -1);
	CU_ASSERT_EQUAL(chmod(path, 0600), 0);
	fd = open(path, O_WRONLY | O_TRUNC);
	CU_ASSERT_EQUAL(write(fd, "short\n", 6), 6);
	close(fd);
	CU_ASSERT_EQUAL(daemon_read_secret(path, key, sizeof key, &len,
	    &cause), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, "shorter"));
	unlink(path);
	CU_ASSERT_EQUAL(daemon_read_secret(path, key, sizeof key, &len,
	    &cause), -1);
}

/*
 * The server goes (a daemon stopping) while clients are connected, one
 * of them with a command half sent: their connections are closed with
 * it, nothing is left behind (LeakSanitizer checks at exit).
 */
static void
test_ctl_server_free_closes_clients(void)
{
	struct event_base	*base = event_base_new();
	struct ctl_server	*srv;
	struct sockaddr_un	 sun;
	const char		*cause = NULL;
	struct pollfd		 pfd;
	char			 dir[] = "/tmp/ctltest.XXXXXX", path[64], buf[64];
	int			 fd[2], i, calls = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/t.sock", dir);
	srv = ctl_server_new(base, path, test_cmds, &calls, &cause);
	CU_ASSERT_PTR_NOT_NULL_FATAL(srv);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, path, sizeof sun.sun_path);
	for (i = 0; i < 2; i++) {
		fd[i] = socket(AF_UNIX, SOCK_STREAM, 0);
		CU_ASSERT_FATAL(connect(fd[i], (struct sockaddr *)&sun,
		    sizeof sun) == 0);
	}
	CU_ASSERT_EQUAL(write(fd[1], "echo half", 9), 9);
	unit_run(base, 50);
	ctl_server_free(srv);
	unit_run(base, 10);		/* libevent closes freed sockets */
	for (i = 0; i < 2; i++) {
		/* The end of the stream: closed by the server. */
		pfd.fd = fd[i];
		pfd.events = POLLIN;
		CU_ASSERT_EQUAL(poll(&pfd, 1, 1000), 1);
		CU_ASSERT_EQUAL(recv(fd[i], buf, sizeof buf, MSG_DONTWAIT), 0);
		close(fd[i]);
	}
	CU_ASSERT_EQUAL(calls, 0);
	CU_ASSERT_EQUAL(access(path, F_OK), -1);
	event_base_free(base);
	rmdir(dir);
}

static CU_TestInfo ctl_tests[] = {
	{ "test_ctl_request_roundtrip", test_ctl_request_roundtrip },
	{ "test_ctl_flood_bounded", test_ctl_flood_bounded },
	{ "test_ctl_server_free_closes_clients",
	    test_ctl_server_free_closes_clients },
	{ "test_daemon_read_secret_modes", test_daemon_read_secret_modes },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(ctl_suite, "lib_ctl", ctl_tests)
