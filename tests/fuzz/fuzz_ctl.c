/*
 * fuzz_ctl.c: libFuzzer target for the control-socket protocol (lib/ctl.c)
 * through its real entry points, over real unix sockets:
 *
 *  - the daemon side: the input, as the bytes a client sends, goes to a
 *    ctl_server (libevent) that knows three test commands; its whole
 *    answer must equal what a model of the protocol predicts (line
 *    splitting with CRLF or LF, the line limit, word splitting, the
 *    argument limit, help, ping, unknown commands, .OK/.ERR, and the
 *    dot-stuffing of data lines, including lines a command prints with
 *    newlines in them);
 *  - the client side: the input, and then the daemon's answer, are sent
 *    by a fake daemon (a thread) to ctl_request(), whose result, data
 *    lines (dot-stuffing undone) and error message must equal the model's.
 *
 * The input is sent in one write followed by "\nping\n", so the daemon
 * reads it in one piece: the answer does not depend on how the kernel
 * splits the stream.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "ev.h"
#include "fuzz.h"

#define MAXINPUT	8000
#define SENTINEL	"\nping\n"

/* A growing byte string. */
struct str {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

struct fake {
	int		 lfd;
	const char	*reply;
	size_t		 len;
};

static int	cmd_print(struct ctl_conn *, int, char **, void *);
static int	cmd_fail(struct ctl_conn *, int, char **, void *);
static void	join(char *, size_t, int, char **, const char *);
static void	str_add(struct str *, const void *, size_t);
static void	str_adds(struct str *, const char *);
static void	model_data(struct str *, const char *);
static int	model_server(const char *, size_t, struct str *);
static int	model_client(const char *, size_t, struct str *, char *,
		    size_t);
static int	unix_socket(const char *, struct sockaddr_un *);
static void	*fake_daemon(void *);
static void	fuzz_server(const uint8_t *, size_t, struct str *);
static void	fuzz_client(const char *, size_t);

static const struct ctl_cmd cmds[] = {
	{ "echo", "WORDS...", cmd_print },
	{ "lines", "WORDS...", cmd_print },
	{ "fail", NULL, cmd_fail },
	{ NULL, NULL, NULL }
};

static struct event_base	*base;
static char			 srvpath[PATH_MAX], fakepath[PATH_MAX];
static int			 fakefd = -1;

/* Join argv[1..] with sep into buf (truncated like vsnprintf). */
static void
join(char *buf, size_t len, int argc, char **argv, const char *sep)
{
	int	i;

	buf[0] = '\0';
	for (i = 1; i < argc; i++) {
		if (i > 1)
			strlcat(buf, sep, len);
		strlcat(buf, argv[i], len);
	}
}

/*
 * echo WORDS: one data line, the words joined by blanks; lines WORDS: one
 * data line a word (joined by newlines, which ctl_printf splits at).
 */
static int
cmd_print(struct ctl_conn *c, int argc, char **argv, void *arg)
{
	char	buf[4096];

	join(buf, sizeof buf, argc, argv, argv[0][0] == 'e' ? " " : "\n");
	ctl_printf(c, "%s", buf);
	return (0);
}

/* fail [WORDS]: .ERR with the words, or the default message. */
static int
cmd_fail(struct ctl_conn *c, int argc, char **argv, void *arg)
{
	char	buf[4096];

	if (argc > 1) {
		join(buf, sizeof buf, argc, argv, " ");
		ctl_error(c, "%s", buf);
	}
	return (-1);
}

static void
str_add(struct str *s, const void *p, size_t n)
{
	if (s->len + n + 1 > s->cap) {
		s->cap = (s->len + n + 1) * 2;
		s->p = realloc(s->p, s->cap);
		CHECK(s->p != NULL);
	}
	memcpy(s->p + s->len, p, n);
	s->len += n;
	s->p[s->len] = '\0';
}

static void
str_adds(struct str *s, const char *p)
{
	str_add(s, p, strlen(p));
}

/* What ctl_printf sends for the text s: cut to a line, split, stuffed. */
static void
model_data(struct str *out, const char *s)
{
	char	 buf[CTL_MAXLINE], *p, *nl;

	strlcpy(buf, s, sizeof buf);
	for (p = buf; p != NULL; p = nl) {
		if ((nl = strchr(p, '\n')) != NULL)
			*nl++ = '\0';
		if (*p == '.')
			str_adds(out, ".");
		str_adds(out, p);
		str_adds(out, "\n");
	}
}

/*
 * The daemon's answer to the bytes in (which end with a newline). Returns
 * 1 if the daemon closes the connection instead (a line too long): then
 * nothing it had queued is sent.
 */
static int
model_server(const char *in, size_t len, struct str *out)
{
	const struct ctl_cmd	*cmd;
	const char		*p = in, *nl;
	char			 line[CTL_MAXLINE], *argv[CTL_MAXARGS + 1];
	char			*w, *save, err[256], buf[4096];
	size_t			 n;
	int			 argc;

	for (; p < in + len; p = nl + 1) {
		nl = memchr(p, '\n', in + len - p);
		CHECK(nl != NULL);
		n = nl - p;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n >= CTL_MAXLINE)
			return (1);
		memcpy(line, p, n);
		line[n] = '\0';
		argc = 0;
		for (w = strtok_r(line, " \t", &save); w != NULL;
		    w = strtok_r(NULL, " \t", &save)) {
			if (argc == CTL_MAXARGS) {
				argc = -1;
				break;
			}
			argv[argc++] = w;
		}
		if (argc == -1) {
			str_adds(out, ".ERR too many arguments\n");
			continue;
		}
		if (argc == 0)
			continue;
		if (strcmp(argv[0], "help") == 0) {
			model_data(out, "ping");
			for (cmd = cmds; cmd->name != NULL; cmd++) {
				snprintf(buf, sizeof buf, "%s%s%s", cmd->name,
				    cmd->usage ? " " : "",
				    cmd->usage ? cmd->usage : "");
				model_data(out, buf);
			}
			str_adds(out, ".OK\n");
		} else if (strcmp(argv[0], "ping") == 0) {
			str_adds(out, "pong\n.OK\n");
		} else if (strcmp(argv[0], "echo") == 0 ||
		    strcmp(argv[0], "lines") == 0) {
			join(buf, sizeof buf, argc, argv,
			    argv[0][0] == 'e' ? " " : "\n");
			model_data(out, buf);
			str_adds(out, ".OK\n");
		} else if (strcmp(argv[0], "fail") == 0) {
			join(buf, sizeof buf, argc, argv, " ");
			strlcpy(err, buf, sizeof err);
			str_adds(out, ".ERR ");
			str_adds(out, err[0] != '\0' ? err : "failed");
			str_adds(out, "\n");
		} else {
			snprintf(err, sizeof err,
			    "unknown command '%s' (try help)", argv[0]);
			str_adds(out, ".ERR ");
			str_adds(out, err);
			str_adds(out, "\n");
		}
	}
	return (0);
}

/*
 * What ctl_request makes of an answer: 0 (.OK), 1 (.ERR, message in err)
 * or -1 (the connection closed first); data lines, unstuffed, in out.
 * Lines are C strings: a NUL ends them.
 */
static int
model_client(const char *in, size_t len, struct str *out, char *err,
    size_t errlen)
{
	char	line[CTL_MAXLINE * 2];
	size_t	i, llen = 0;

	for (i = 0; i < len; i++) {
		if (in[i] != '\n') {
			if (llen < sizeof line - 1)
				line[llen++] = in[i];
			continue;
		}
		line[llen] = '\0';
		llen = 0;
		if (strcmp(line, ".OK") == 0)
			return (0);
		if (strncmp(line, ".ERR", 4) == 0) {
			snprintf(err, errlen, "%s", line[4] == ' ' ? line + 5 :
			    "failed");
			return (1);
		}
		str_adds(out, line[0] == '.' ? line + 1 : line);
		str_adds(out, "\n");
	}
	return (-1);
}

/* A unix stream socket, and the address of path in sun. */
static int
unix_socket(const char *path, struct sockaddr_un *sun)
{
	int	fd;

	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	strlcpy(sun->sun_path, path, sizeof sun->sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(fd != -1);
	return (fd);
}

/* The fake daemon: take one connection, read its command, send reply. */
static void *
fake_daemon(void *arg)
{
	struct fake	*f = arg;
	char		 c;
	size_t		 off;
	ssize_t		 n;
	int		 fd;

	fd = accept(f->lfd, NULL, NULL);
	CHECK(fd != -1);
	do {
		n = read(fd, &c, 1);
	} while (n == 1 && c != '\n');
	for (off = 0; off < f->len; off += n) {
		n = send(fd, f->reply + off, f->len - off, MSG_NOSIGNAL);
		if (n <= 0)
			break;
	}
	close(fd);
	return (NULL);
}

/* Send the bytes to ctl_request() and compare with the model. */
static void
fuzz_client(const char *reply, size_t len)
{
	struct fake	 f = { fakefd, reply, len };
	struct str	 want = { NULL, 0, 0 };
	pthread_t	 t;
	FILE		*out;
	char		*got = NULL, err[256], werr[256];
	size_t		 glen = 0;
	int		 rv, wrv;

	wrv = model_client(reply, len, &want, werr, sizeof werr);
	out = open_memstream(&got, &glen);
	CHECK(out != NULL);
	CHECK(pthread_create(&t, NULL, fake_daemon, &f) == 0);
	rv = ctl_request(fakepath, "status", out, err, sizeof err, 5000);
	CHECK(pthread_join(t, NULL) == 0);
	CHECK(fclose(out) == 0);
	CHECK(rv == wrv);
	CHECK(glen == want.len &&
	    (glen == 0 || memcmp(got, want.p, glen) == 0));
	if (rv == 1)
		CHECK(strcmp(err, werr) == 0);
	else if (rv == -1)
		CHECK(strstr(err, "connection closed") != NULL);
	free(got);
	free(want.p);
}

/* Send the bytes to the ctl_server; its whole answer goes in got. */
static void
fuzz_server(const uint8_t *data, size_t size, struct str *got)
{
	struct sockaddr_un	 sun;
	struct str		 in = { NULL, 0, 0 }, want = { NULL, 0, 0 };
	char			 buf[65536];
	ssize_t			 n;
	int			 fd, i, closed, eof = 0;

	str_add(&in, data, size);
	str_adds(&in, SENTINEL);
	closed = model_server(in.p, in.len, &want);

	fd = unix_socket(srvpath, &sun);
	CHECK(connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0);
	CHECK(send(fd, in.p, in.len, MSG_NOSIGNAL) == (ssize_t)in.len);
	CHECK(fcntl(fd, F_SETFL, O_NONBLOCK) == 0);
	/* Until the answer is whole or the daemon hangs up; bounded. */
	for (i = 0; i < 100000 && !eof; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		while ((n = read(fd, buf, sizeof buf)) > 0)
			str_add(got, buf, n);
		if (n == 0 || (n == -1 && errno != EAGAIN))
			eof = 1;
		if (!closed && got->len >= want.len)
			break;
	}
	close(fd);
	/* Let the daemon see the end of the connection and free it. */
	for (i = 0; i < 4; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);

	if (closed)
		CHECK(eof && got->len == 0);
	else {
		if (got->len != want.len || memcmp(got->p, want.p, want.len))
			fprintf(stderr, "daemon answered:\n%.*s\nmodel:\n%s\n",
			    (int)got->len, got->p ? got->p : "", want.p);
		CHECK(got->len == want.len &&
		    memcmp(got->p, want.p, want.len) == 0);
	}
	free(in.p);
	free(want.p);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sockaddr_un	 sun;
	struct ctl_server	*srv;
	const char		*cause = NULL, *tmp = getenv("TMPDIR");
	char			 dir[PATH_MAX];

	snprintf(dir, sizeof dir, "%s/fuzz_ctl.XXXXXX", tmp ? tmp : "/tmp");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(srvpath, sizeof srvpath, "%s/ctl.sock", dir);
	snprintf(fakepath, sizeof fakepath, "%s/fake.sock", dir);
	base = event_base_new();
	CHECK(base != NULL);
	srv = ctl_server_new(base, srvpath, cmds, NULL, &cause);
	if (srv == NULL)
		fprintf(stderr, "ctl_server_new: %s\n", cause);
	CHECK(srv != NULL);

	fakefd = unix_socket(fakepath, &sun);
	CHECK(bind(fakefd, (struct sockaddr *)&sun, sizeof sun) == 0);
	CHECK(listen(fakefd, 4) == 0);
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct str	 got = { NULL, 0, 0 };

	if (size > MAXINPUT)
		return (0);
	fuzz_server(data, size, &got);
	fuzz_client((const char *)data, size);
	if (got.len > 0)
		fuzz_client(got.p, got.len);
	free(got.p);
	return (0);
}
