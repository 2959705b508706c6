/*
 * mon_ctlc.c: one control-socket request (lib/ctl.h protocol) on the
 * agent's event loop. lib/ctl.c's client blocks, which twinctl can
 * afford and the agent cannot: a hung daemon must delay neither the
 * other polls nor the reports. The answer is bounded, the whole request
 * is timed, and the callback runs exactly once, never from inside
 * mon_ctlc_new().
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "log.h"
#include "mon_agent.h"
#include "xmalloc.h"

#define CTLC_MAXANSWER	(256 * 1024)

struct mon_ctlc {
	struct bufferevent	*bev;
	struct event		*timer;
	struct evbuffer		*data;
	mon_ctlc_cb		 cb;
	void			*arg;
	int			 rv;	/* for a failure found at once */
	char			 err[256];
};

static void	ctlc_read_cb(struct bufferevent *, void *);
static void	ctlc_event_cb(struct bufferevent *, short, void *);
static void	ctlc_timer_cb(evutil_socket_t, short, void *);
static void	ctlc_done(struct mon_ctlc *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/*
 * Connect to the control socket <path> without blocking; the descriptor,
 * or -1 with the reason in <err>.
 */
int
mon_ctlc_connect(const char *path, char *err, size_t len)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof sun.sun_path) >=
	    sizeof sun.sun_path) {
		snprintf(err, len, "%s: path too long", path);
		return (-1);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		snprintf(err, len, "%s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return (-1);
	}
	return (fd);
}

/*
 * Send <cmd> on the connected control socket <fd> (-1: the connection
 * failed, <failed> says why); <cb> gets 0 and the data lines
 * (dot-stuffing undone, each ended by LF) on ".OK", 1 and the message on
 * ".ERR", -1 and the reason when the daemon could not be reached or did
 * not answer within <timeout_ms>. The request owns <fd> and frees itself
 * after the callback; mon_ctlc_free() cancels it before.
 */
struct mon_ctlc *
mon_ctlc_new(struct event_base *base, int fd, const char *failed,
    const char *cmd, uint64_t timeout_ms, mon_ctlc_cb cb, void *arg)
{
	struct mon_ctlc		*c;
	struct timeval		 tv;

	c = xcalloc(1, sizeof *c);
	c->cb = cb;
	c->arg = arg;
	c->data = evbuffer_new();
	c->timer = evtimer_new(base, ctlc_timer_cb, c);
	if (c->data == NULL || c->timer == NULL)
		fatalx("%s: out of memory", __func__);
	if (fd == -1) {
		snprintf(c->err, sizeof c->err, "%s", failed);
		goto later;
	}
	if (evutil_make_socket_nonblocking(fd) == -1 ||
	    (c->bev = bufferevent_socket_new(base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		close(fd);
		snprintf(c->err, sizeof c->err, "out of memory");
		goto later;
	}
	bufferevent_setcb(c->bev, ctlc_read_cb, NULL, ctlc_event_cb, c);
	bufferevent_enable(c->bev, EV_READ);
	evbuffer_add_printf(bufferevent_get_output(c->bev), "%s\n", cmd);
	ev_tv(&tv, timeout_ms);
	evtimer_add(c->timer, &tv);
	return (c);
later:
	/* Failures are told from the loop, like every other outcome. */
	c->rv = -1;
	tv.tv_sec = tv.tv_usec = 0;
	evtimer_add(c->timer, &tv);
	return (c);
}

/* Cancel a request (no callback) or free one whose callback ran. */
void
mon_ctlc_free(struct mon_ctlc *c)
{
	if (c == NULL)
		return;
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	event_free(c->timer);
	evbuffer_free(c->data);
	free(c);
}

/* Run the callback once and free the request. */
static void
ctlc_done(struct mon_ctlc *c, int rv, const char *fmt, ...)
{
	va_list		 ap;
	const char	*data;
	size_t		 len;

	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(c->err, sizeof c->err, fmt, ap);
		va_end(ap);
	}
	len = evbuffer_get_length(c->data);
	data = len > 0 ? (const char *)evbuffer_pullup(c->data, -1) : "";
	c->cb(c->arg, rv, data, len, c->err);
	mon_ctlc_free(c);
}

/* Gather data lines until the final ".OK" or ".ERR". */
static void
ctlc_read_cb(struct bufferevent *bev, void *arg)
{
	struct mon_ctlc	*c = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	char		*line;
	size_t		 n;

	while ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF)) != NULL) {
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (strcmp(line, ".OK") == 0) {
			free(line);
			ctlc_done(c, 0, NULL);
			return;
		}
		if (strncmp(line, ".ERR", 4) == 0 &&
		    (line[4] == '\0' || line[4] == ' ')) {
			snprintf(c->err, sizeof c->err, "%s",
			    line[4] == ' ' ? line + 5 : "failed");
			free(line);
			ctlc_done(c, 1, NULL);
			return;
		}
		if (evbuffer_get_length(c->data) + n > CTLC_MAXANSWER) {
			free(line);
			ctlc_done(c, -1, "answer longer than %d bytes",
			    CTLC_MAXANSWER);
			return;
		}
		evbuffer_add(c->data, line[0] == '.' ? line + 1 : line,
		    line[0] == '.' ? n - 1 : n);
		evbuffer_add(c->data, "\n", 1);
		free(line);
	}
	if (evbuffer_get_length(in) > CTLC_MAXANSWER)
		ctlc_done(c, -1, "a line longer than %d bytes", CTLC_MAXANSWER);
}

static void
ctlc_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct mon_ctlc	*c = arg;

	ctlc_done(c, -1, "connection closed before the answer ended");
}

static void
ctlc_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mon_ctlc	*c = arg;

	if (c->rv == -1)
		ctlc_done(c, -1, NULL);
	else
		ctlc_done(c, -1, "no answer in time");
}
