/*
 * ctl.c: control sockets, server side (libevent) and client side
 * (blocking, for twinctl).
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "ev.h"
#include "flow.h"
#include "log.h"
#include "xmalloc.h"

/* A line must arrive, and an answer leave, within this. */
#define CTL_TIMEOUT_S	10
/* However busy, a control connection lasts no longer than this. */
#define CTL_LIFETIME_S	60
#define CTL_MAXCONN	32

/* Answers queued to one client before its next command waits. */
static const struct flow_limits ctl_flow = FLOW_LIMITS_DEFAULT;

struct ctl_conn;

struct ctl_server {
	struct evconnlistener	*lev;
	const struct ctl_cmd	*cmds;
	void			*arg;
	char			*path;
	TAILQ_HEAD(, ctl_conn)	 conns;		/* closed with the server */
	int			 nconn;
};

struct ctl_conn {
	struct ctl_server	*srv;
	TAILQ_ENTRY(ctl_conn)	 entry;
	struct bufferevent	*bev;
	struct event		*life;		/* CTL_LIFETIME_S */
	int			 held;		/* output full: not reading */
	char			 err[256];
};

static void	ctl_accept_cb(struct evconnlistener *, evutil_socket_t,
		    struct sockaddr *, int, void *);
static void	ctl_read_cb(struct bufferevent *, void *);
static void	ctl_write_cb(struct bufferevent *, void *);
static void	ctl_event_cb(struct bufferevent *, short, void *);
static void	ctl_life_cb(evutil_socket_t, short, void *);
static void	ctl_close(struct ctl_conn *);
static void	ctl_dispatch(struct ctl_conn *, char *);
static int	ctl_help(struct ctl_conn *, int, char **, void *);

/* Return "<rundir>/<name>.sock" (allocated). */
char *
ctl_sockpath(const char *rundir, const char *name)
{
	char	*p;

	xasprintf(&p, "%s/%s.sock", rundir, name);
	return (p);
}

/*
 * Listen on a unix socket at <path>. A stale socket file left by a crashed
 * daemon is removed, but a live one (something answers) is not stolen.
 */
struct ctl_server *
ctl_server_new(struct event_base *base, const char *path,
    const struct ctl_cmd *cmds, void *arg, const char **cause)
{
	struct ctl_server	*srv;
	struct sockaddr_un	 sun;
	mode_t			 old;
	int			 fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof sun.sun_path) >=
	    sizeof sun.sun_path) {
		*cause = "socket path too long";
		return (NULL);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		*cause = "socket";
		return (NULL);
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0) {
		close(fd);
		*cause = "another daemon is using the control socket";
		return (NULL);
	}
	close(fd);
	unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		*cause = "socket";
		return (NULL);
	}
	old = umask(0077);
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		umask(old);
		close(fd);
		*cause = errno == ENOENT ? "run directory does not exist" :
		    "cannot bind control socket";
		return (NULL);
	}
	umask(old);
	srv = xcalloc(1, sizeof *srv);
	srv->cmds = cmds;
	srv->arg = arg;
	srv->path = xstrdup(path);
	TAILQ_INIT(&srv->conns);
	srv->lev = evconnlistener_new(base, ctl_accept_cb, srv,
	    LEV_OPT_CLOSE_ON_FREE, 16, fd);
	if (srv->lev == NULL) {
		close(fd);
		unlink(path);
		free(srv->path);
		free(srv);
		*cause = "cannot listen on control socket";
		return (NULL);
	}
	return (srv);
}

/*
 * Stop listening, close the clients' connections (a client whose answers
 * wait for it to read may be there yet), and remove the socket file.
 */
void
ctl_server_free(struct ctl_server *srv)
{
	if (srv == NULL)
		return;
	while (!TAILQ_EMPTY(&srv->conns))
		ctl_close(TAILQ_FIRST(&srv->conns));
	evconnlistener_free(srv->lev);
	unlink(srv->path);
	free(srv->path);
	free(srv);
}

/* Accept a control client. */
static void
ctl_accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct ctl_server	*srv = arg;
	struct event_base	*base = evconnlistener_get_base(lev);
	struct ctl_conn		*c;
	struct timeval		 tv = { CTL_TIMEOUT_S, 0 };
	struct timeval		 life = { CTL_LIFETIME_S, 0 };

	if (srv->nconn >= CTL_MAXCONN || (c = calloc(1, sizeof *c)) == NULL) {
		close(fd);
		return;
	}
	c->srv = srv;
	c->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->life = evtimer_new(base, ctl_life_cb, c);
	if (c->bev == NULL || c->life == NULL) {
		if (c->bev != NULL)
			bufferevent_free(c->bev);
		else
			close(fd);
		if (c->life != NULL)
			event_free(c->life);
		free(c);
		return;
	}
	srv->nconn++;
	TAILQ_INSERT_TAIL(&srv->conns, c, entry);
	bufferevent_setcb(c->bev, ctl_read_cb, ctl_write_cb, ctl_event_cb, c);
	flow_watch(c->bev, &ctl_flow);
	bufferevent_set_timeouts(c->bev, &tv, &tv);
	bufferevent_enable(c->bev, EV_READ);
	/*
	 * The timeouts above are between bytes: a client trickling a byte
	 * now and then would keep its slot for ever without this.
	 */
	evtimer_add(c->life, &life);
}

/* Close a control connection. */
static void
ctl_close(struct ctl_conn *c)
{
	c->srv->nconn--;
	TAILQ_REMOVE(&c->srv->conns, c, entry);
	event_free(c->life);
	bufferevent_free(c->bev);
	free(c);
}

/* The connection's lifetime is over. */
static void
ctl_life_cb(evutil_socket_t fd, short ev, void *arg)
{
	ctl_close(arg);
}

/*
 * Run the command lines received. A client that sends commands without
 * reading the answers gets no more of them run (and is not read) while
 * its output is above the high-water mark (flow.h); ctl_write_cb() goes
 * on once it has drained.
 */
static void
ctl_read_cb(struct bufferevent *bev, void *arg)
{
	struct ctl_conn	*c = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	char		*line;
	size_t		 len;

	for (;;) {
		if (flow_gate(bev, bufferevent_get_output(bev), &ctl_flow)) {
			c->held = 1;
			return;
		}
		if ((line = evbuffer_readln(in, &len,
		    EVBUFFER_EOL_CRLF)) == NULL)
			break;
		if (len >= CTL_MAXLINE) {
			free(line);
			ctl_close(c);
			return;
		}
		ctl_dispatch(c, line);
		free(line);
	}
	if (evbuffer_get_length(in) >= CTL_MAXLINE)
		ctl_close(c);
}

/* The output drained to the low-water mark: take commands again. */
static void
ctl_write_cb(struct bufferevent *bev, void *arg)
{
	struct ctl_conn	*c = arg;

	if (!c->held)
		return;
	c->held = 0;
	flow_resume(bev);
	ctl_read_cb(bev, c);
}

/* Close on EOF, error or timeout, once the answer has been written. */
static void
ctl_event_cb(struct bufferevent *bev, short what, void *arg)
{
	ctl_close(arg);
}

/* Split a command line into words and run the matching command. */
static void
ctl_dispatch(struct ctl_conn *c, char *line)
{
	const struct ctl_cmd	*cmd;
	char			*argv[CTL_MAXARGS], *word, *save;
	int			 argc = 0, rv;

	for (word = strtok_r(line, " \t", &save); word != NULL;
	    word = strtok_r(NULL, " \t", &save)) {
		if (argc == CTL_MAXARGS) {
			ctl_error(c, "too many arguments");
			goto err;
		}
		argv[argc++] = word;
	}
	if (argc == 0)
		return;
	c->err[0] = '\0';
	if (strcmp(argv[0], "help") == 0) {
		rv = ctl_help(c, argc, argv, NULL);
		goto done;
	}
	if (strcmp(argv[0], "ping") == 0) {
		ctl_printf(c, "pong");
		rv = 0;
		goto done;
	}
	for (cmd = c->srv->cmds; cmd != NULL && cmd->name != NULL; cmd++)
		if (strcmp(cmd->name, argv[0]) == 0)
			break;
	if (cmd == NULL || cmd->name == NULL) {
		ctl_error(c, "unknown command '%s' (try help)", argv[0]);
		goto err;
	}
	rv = cmd->fn(c, argc, argv, c->srv->arg);
done:
	if (rv == 0) {
		evbuffer_add_printf(bufferevent_get_output(c->bev), ".OK\n");
		return;
	}
err:
	evbuffer_add_printf(bufferevent_get_output(c->bev), ".ERR %s\n",
	    c->err[0] != '\0' ? c->err : "failed");
}

/* List the commands. */
static int
ctl_help(struct ctl_conn *c, int argc, char **argv, void *arg)
{
	const struct ctl_cmd	*cmd;

	ctl_printf(c, "ping");
	for (cmd = c->srv->cmds; cmd != NULL && cmd->name != NULL; cmd++)
		ctl_printf(c, "%s%s%s", cmd->name, cmd->usage ? " " : "",
		    cmd->usage ? cmd->usage : "");
	return (0);
}

/* Send one data line (a trailing newline is added). */
void
ctl_printf(struct ctl_conn *c, const char *fmt, ...)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);
	va_list		 ap;
	char		 buf[CTL_MAXLINE], *p, *nl;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	for (p = buf; p != NULL; p = nl) {
		if ((nl = strchr(p, '\n')) != NULL)
			*nl++ = '\0';
		if (*p == '.')
			evbuffer_add(out, ".", 1);
		evbuffer_add_printf(out, "%s\n", p);
	}
}

/* Set the message of the final ".ERR" line. */
void
ctl_error(struct ctl_conn *c, const char *fmt, ...)
{
	va_list	 ap;
	char	*nl;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof c->err, fmt, ap);
	va_end(ap);
	if ((nl = strchr(c->err, '\n')) != NULL)
		*nl = '\0';
}

/*
 * Send one command and copy the data lines to <out>. Returns 0 on ".OK",
 * 1 on ".ERR" (message in <err>), -1 when the daemon cannot be reached or
 * does not answer within <timeout_ms> (reason in <err>).
 */
int
ctl_request(const char *path, const char *cmd, FILE *out, char *err,
    size_t errlen, int timeout_ms)
{
	struct sockaddr_un	 sun;
	struct pollfd		 pfd;
	struct timespec		 t0, now;
	char			 buf[8192], line[CTL_MAXLINE * 2];
	size_t			 llen = 0;
	long long		 left;
	ssize_t			 n, i;
	int			 fd, rv = -1;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof sun.sun_path) >=
	    sizeof sun.sun_path) {
		snprintf(err, errlen, "%s: path too long", path);
		return (-1);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return (-1);
	}
	if (dprintf(fd, "%s\n", cmd) < 0) {
		snprintf(err, errlen, "%s: write: %s", path, strerror(errno));
		close(fd);
		return (-1);
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	/* The whole answer within timeout_ms, not each piece of it. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = timeout_ms - ((now.tv_sec - t0.tv_sec) * 1000 +
		    (now.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) {
			snprintf(err, errlen, "%s: no answer", path);
			break;
		}
		if ((n = read(fd, buf, sizeof buf)) <= 0) {
			snprintf(err, errlen, "%s: connection closed", path);
			break;
		}
		for (i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (llen < sizeof line - 1)
					line[llen++] = buf[i];
				continue;
			}
			line[llen] = '\0';
			llen = 0;
			if (strcmp(line, ".OK") == 0) {
				rv = 0;
				goto done;
			}
			if (strncmp(line, ".ERR", 4) == 0) {
				snprintf(err, errlen, "%s", line[4] == ' ' ?
				    line + 5 : "failed");
				rv = 1;
				goto done;
			}
			if (out != NULL)
				fprintf(out, "%s\n",
				    line[0] == '.' ? line + 1 : line);
		}
	}
done:
	close(fd);
	return (rv);
}
