/*
 * proxy_ftp_data.c: FTP data connections as the FTP proxy and the ftp://
 * gateway open them: a listener on a port of ftp-data-ports that takes
 * one connection, from the expected host only, or a connection out from
 * a given source address; both bounded by ftp-data-timeout.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "ftp.h"
#include "log.h"
#include "proxy.h"
#include "proxy_ftp.h"

/* Most ports of the range tried for one listener. */
#define PROXY_FTP_PORT_TRIES	64

struct proxy_ftp_dc {
	struct proxy		*px;
	int			 fd;		/* listening, or -1 */
	struct event		*ev;		/* accept */
	struct event		*timer;		/* the deadline */
	struct bufferevent	*bev;		/* connecting */
	struct addr		 local;		/* where it listens */
	struct addr		 peer;		/* the one host let in */
	proxy_ftp_dc_cb		 cb;
	void			*arg;
	int			 done;
};

static struct proxy_ftp_dc *proxy_ftp_dc_new(struct proxy *, proxy_ftp_dc_cb,
		    void *);
static void	proxy_ftp_dc_finish(struct proxy_ftp_dc *, struct bufferevent *,
		    const char *);
static void	proxy_ftp_dc_accept_cb(evutil_socket_t, short, void *);
static void	proxy_ftp_dc_timer_cb(evutil_socket_t, short, void *);
static void	proxy_ftp_dc_event_cb(struct bufferevent *, short, void *);

/* Allocate a data connection with its deadline armed. */
static struct proxy_ftp_dc *
proxy_ftp_dc_new(struct proxy *px, proxy_ftp_dc_cb cb, void *arg)
{
	struct proxy_ftp_dc	*dc;
	struct timeval		 tv;

	if ((dc = calloc(1, sizeof *dc)) == NULL)
		return (NULL);
	dc->px = px;
	dc->fd = -1;
	dc->cb = cb;
	dc->arg = arg;
	if ((dc->timer = evtimer_new(px->base, proxy_ftp_dc_timer_cb,
	    dc)) == NULL) {
		free(dc);
		return (NULL);
	}
	ev_tv(&tv, px->cfg->proxy.ftp_data_timeout);
	evtimer_add(dc->timer, &tv);
	return (dc);
}

/* Free a data connection (any time; what it had open is closed). */
void
proxy_ftp_dc_free(struct proxy_ftp_dc *dc)
{
	if (dc == NULL)
		return;
	if (dc->ev != NULL)
		event_free(dc->ev);
	if (dc->fd != -1)
		close(dc->fd);
	if (dc->bev != NULL)
		bufferevent_free(dc->bev);
	event_free(dc->timer);
	free(dc);
}

/* Stop everything and report, once. */
static void
proxy_ftp_dc_finish(struct proxy_ftp_dc *dc, struct bufferevent *bev,
    const char *why)
{
	if (dc->done)
		return;
	dc->done = 1;
	evtimer_del(dc->timer);
	if (dc->ev != NULL) {
		event_free(dc->ev);
		dc->ev = NULL;
	}
	if (dc->fd != -1) {
		close(dc->fd);
		dc->fd = -1;
	}
	dc->cb(dc, bev, why, dc->arg);
}

/*
 * Listen on <local> (its port ignored) at a port of ftp-data-ports for a
 * connection from <peer>'s host. *bound is the address listened on.
 * NULL with *cause when no port could be had.
 */
struct proxy_ftp_dc *
proxy_ftp_dc_listen(struct proxy *px, const struct addr *local,
    const struct addr *peer, proxy_ftp_dc_cb cb, void *arg,
    struct addr *bound, const char **cause)
{
	struct cfg_proxy	*pc = &px->cfg->proxy;
	struct proxy_ftp_dc	*dc;
	struct addr		 a;
	unsigned int		 n, first, i;
	int			 fd = -1;

	n = pc->ftp_data_port_max - pc->ftp_data_port_min + 1;
	/* A random start: the next data port is not for a third to guess. */
	first = arc4random_uniform(n);
	a = *local;
	*cause = "no free port in ftp-data-ports";
	for (i = 0; i < n && i < PROXY_FTP_PORT_TRIES; i++) {
		a.port = (uint16_t)(pc->ftp_data_port_min + (first + i) % n);
		if ((fd = ev_listen_socket(&a, 0, 4, cause)) != -1)
			break;
		if (errno != EADDRINUSE)
			return (NULL);
		*cause = "no free port in ftp-data-ports";
	}
	if (fd == -1)
		return (NULL);
	if ((dc = proxy_ftp_dc_new(px, cb, arg)) == NULL) {
		close(fd);
		*cause = "out of memory";
		return (NULL);
	}
	dc->fd = fd;
	dc->local = a;
	dc->peer = *peer;
	if ((dc->ev = event_new(px->base, fd, EV_READ | EV_PERSIST,
	    proxy_ftp_dc_accept_cb, dc)) == NULL) {
		proxy_ftp_dc_free(dc);
		*cause = "out of memory";
		return (NULL);
	}
	event_add(dc->ev, NULL);
	*bound = a;
	return (dc);
}

/*
 * A connection on a data listener: the expected host's is the data
 * connection; any other is refused, and the wait goes on for the right
 * one until the deadline.
 */
static void
proxy_ftp_dc_accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct proxy_ftp_dc	*dc = arg;
	struct sockaddr_storage	 ss;
	struct bufferevent	*bev;
	struct addr		 from;
	socklen_t		 len;
	const char		*cause;
	char			 fbuf[ADDR_STRLEN], lbuf[ADDR_STRLEN];
	char			 pbuf[ADDR_STRLEN];
	int			 fd, i;

	for (i = 0; i < 16; i++) {
		len = sizeof ss;
		fd = accept4(lfd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("FTP data port %s: accept",
				    addr_fmt(&dc->local, lbuf, sizeof lbuf));
			return;
		}
		if (addr_from_sa(&from, (struct sockaddr *)&ss, len) == -1 ||
		    ftp_data_peer_check(&from, &dc->peer, &cause) == -1) {
			dc->px->ftp->st.theft++;
			log_warnx("FTP data port %s: connection from %s "
			    "refused: not %s, which holds the control "
			    "connection", addr_fmt(&dc->local, lbuf,
			    sizeof lbuf), addr_fmt(&from, fbuf, sizeof fbuf),
			    addr_ntop(&dc->peer, pbuf, sizeof pbuf));
			close(fd);
			continue;
		}
		if ((bev = bufferevent_socket_new(dc->px->base, fd,
		    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
			close(fd);
			proxy_ftp_dc_finish(dc, NULL, "out of memory");
			return;
		}
		proxy_ftp_data_setup(dc->px, bev);
		proxy_ftp_dc_finish(dc, bev, NULL);
		return;
	}
}

/* The deadline passed. */
static void
proxy_ftp_dc_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct proxy_ftp_dc	*dc = arg;

	if (dc->bev != NULL) {
		bufferevent_free(dc->bev);
		dc->bev = NULL;
	}
	proxy_ftp_dc_finish(dc, NULL, dc->fd != -1 ? "no data connection "
	    "came in time" : "the data connection timed out");
}

/* Connect to <dst> from <src>; NULL with *cause if it cannot start. */
struct proxy_ftp_dc *
proxy_ftp_dc_connect(struct proxy *px, const struct addr *dst,
    const struct addr *src, proxy_ftp_dc_cb cb, void *arg,
    const char **cause)
{
	struct proxy_ftp_dc	*dc;
	struct conn_limits	 lim;
	struct conn_cbs		 cbs;
	const char		*op;
	int			 err;

	if ((dc = proxy_ftp_dc_new(px, cb, arg)) == NULL) {
		*cause = "out of memory";
		return (NULL);
	}
	dc->peer = *dst;
	lim.io_max = PROXY_IO_MAX;
	lim.flow = px->flow;
	lim.connect_ms = px->cfg->proxy.ftp_data_timeout;
	cbs.read = NULL;
	cbs.write = NULL;
	cbs.event = proxy_ftp_dc_event_cb;
	cbs.arg = dc;
	dc->bev = conn_connect(px->base, dst, src, &lim, &cbs, &err, &op);
	if (dc->bev == NULL) {
		proxy_ftp_dc_free(dc);
		*cause = strerror(err);
		return (NULL);
	}
	return (dc);
}

/* Connected, or not. */
static void
proxy_ftp_dc_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct proxy_ftp_dc	*dc = arg;
	int			 err = EVUTIL_SOCKET_ERROR();

	dc->bev = NULL;
	if (what & BEV_EVENT_CONNECTED) {
		bufferevent_setcb(bev, NULL, NULL, NULL, NULL);
		proxy_ftp_data_setup(dc->px, bev);
		proxy_ftp_dc_finish(dc, bev, NULL);
		return;
	}
	bufferevent_free(bev);
	proxy_ftp_dc_finish(dc, NULL, (what & BEV_EVENT_TIMEOUT) ?
	    "connecting timed out" : strerror(err != 0 ? err : ECONNREFUSED));
}

/* Limits and timeouts of a data connection's bufferevent. */
void
proxy_ftp_data_setup(struct proxy *px, struct bufferevent *bev)
{
	bufferevent_set_max_single_read(bev, PROXY_IO_MAX);
	bufferevent_set_max_single_write(bev, PROXY_IO_MAX);
	bufferevent_set_timeouts(bev, NULL, NULL);
	bufferevent_disable(bev, EV_READ);
}

/* Close with a reset: the peer must not take a cut transfer as whole. */
void
proxy_ftp_data_reset(struct bufferevent *bev)
{
	struct linger	 l = { 1, 0 };
	int		 fd;

	if (bev == NULL)
		return;
	if ((fd = bufferevent_getfd(bev)) != -1)
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
	bufferevent_free(bev);
}
