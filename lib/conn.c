/* conn.c: the outgoing connect, address lists and the lingering close. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "conn.h"
#include "ev.h"

struct conn_linger {
	struct bufferevent	*bev;
	struct event		*timer;
	uint64_t		 linger_ms;
	int			 sent;		/* half-closed */
	conn_linger_cb		 done;
	void			*arg;
	bufferevent_data_cb	 own_rd, own_wr;
	bufferevent_event_cb	 own_ev;
	void			*own_arg;
};

static void	conn_linger_read_cb(struct bufferevent *, void *);
static void	conn_linger_write_cb(struct bufferevent *, void *);
static void	conn_linger_event_cb(struct bufferevent *, short, void *);
static void	conn_linger_timer_cb(evutil_socket_t, short, void *);
static void	conn_linger_tls(struct bufferevent *);

/*
 * Weak references: a daemon that makes TLS bufferevents links libssl and
 * libevent_openssl, and then a lingering close finds its TLS streams; one
 * that makes none does not load libssl for it.
 */
#pragma weak bufferevent_openssl_get_ssl
#pragma weak SSL_shutdown

/* Start a connection from src to dst. */
struct bufferevent *
conn_connect(struct event_base *base, const struct addr *dst,
    const struct addr *src, const struct conn_limits *lim,
    const struct conn_cbs *cbs, int *err, const char **op)
{
	struct bufferevent	*bev;
	struct sockaddr_storage	 ss;
	struct addr		 from;
	struct timeval		 tv;
	socklen_t		 len;
	int			 fd, on = 1;

	fd = socket(dst->af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		*err = errno;
		*op = "socket";
		return (NULL);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	if (src != NULL && src->af == dst->af) {
		from = *src;
		from.port = 0;
#ifdef IP_BIND_ADDRESS_NO_PORT
		/* The port waits for connect(): the 4-tuple decides it. */
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on,
		    sizeof on);
#endif
		len = addr_to_sa(&from, &ss);
		if (bind(fd, (struct sockaddr *)&ss, len) == -1) {
			*err = errno;
			*op = "bind to the source address";
			close(fd);
			return (NULL);
		}
	}
	if ((bev = bufferevent_socket_new(base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		close(fd);
		*err = ENOMEM;
		*op = "bufferevent";
		return (NULL);
	}
	bufferevent_setcb(bev, cbs->read, cbs->write, cbs->event, cbs->arg);
	flow_watch(bev, &lim->flow);
	bufferevent_set_max_single_read(bev, lim->io_max);
	bufferevent_set_max_single_write(bev, lim->io_max);
	ev_tv(&tv, lim->connect_ms);
	bufferevent_set_timeouts(bev, NULL, &tv);
	len = addr_to_sa(dst, &ss);
	if (bufferevent_socket_connect(bev, (struct sockaddr *)&ss,
	    len) == -1) {
		*err = errno;
		*op = "connect";
		bufferevent_free(bev);
		return (NULL);
	}
	return (bev);
}

/* Empty an address list. */
void
conn_addrs_clear(struct conn_addrs *ca)
{
	ca->n = ca->idx = 0;
}

/* Add an address to the list. */
int
conn_addrs_add(struct conn_addrs *ca, const struct addr *a)
{
	if (ca->n >= CONN_MAXADDRS)
		return (0);
	ca->a[ca->n++] = *a;
	return (1);
}

/* Return the address being tried. */
const struct addr *
conn_addrs_cur(const struct conn_addrs *ca)
{
	return (&ca->a[ca->idx]);
}

/* Step to the next address. */
int
conn_addrs_next(struct conn_addrs *ca)
{
	if (ca->idx + 1 >= ca->n)
		return (0);
	ca->idx++;
	return (1);
}

/* Start a lingering close. */
struct conn_linger *
conn_linger_new(struct event_base *base, struct bufferevent *bev,
    uint64_t send_ms, uint64_t linger_ms, conn_linger_cb done, void *arg)
{
	struct conn_linger	*cl;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct timeval		 tv;

	if ((cl = calloc(1, sizeof *cl)) == NULL)
		return (NULL);
	if ((cl->timer = evtimer_new(base, conn_linger_timer_cb,
	    cl)) == NULL) {
		free(cl);
		return (NULL);
	}
	cl->bev = bev;
	cl->linger_ms = linger_ms;
	cl->done = done;
	cl->arg = arg;
	bufferevent_getcb(bev, &cl->own_rd, &cl->own_wr, &cl->own_ev,
	    &cl->own_arg);
	bufferevent_setcb(bev, conn_linger_read_cb, conn_linger_write_cb,
	    conn_linger_event_cb, cl);
	bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	evbuffer_drain(in, evbuffer_get_length(in));
	ev_tv(&tv, send_ms);
	evtimer_add(cl->timer, &tv);
	/* Nothing queued: half-close at once (from the loop, not here). */
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		bufferevent_trigger(bev, EV_WRITE, BEV_TRIG_DEFER_CALLBACKS);
	return (cl);
}

/* Free a linger and give the bufferevent its callbacks back. */
void
conn_linger_free(struct conn_linger *cl)
{
	if (cl == NULL)
		return;
	event_free(cl->timer);
	bufferevent_setcb(cl->bev, cl->own_rd, cl->own_wr, cl->own_ev,
	    cl->own_arg);
	free(cl);
}

/* Name how a linger ended. */
const char *
conn_linger_str(enum conn_linger_end why)
{
	switch (why) {
	case CONN_LINGER_SENT:
		return ("sent");
	case CONN_LINGER_CLOSED:
		return ("peer closed");
	case CONN_LINGER_STALLED:
	case CONN_LINGER_TIMEOUT:
		return ("peer stopped reading");
	case CONN_LINGER_ERROR:
		return ("connection error");
	}
	return ("?");
}

/* What the peer still sends is dropped. */
static void
conn_linger_read_cb(struct bufferevent *bev, void *arg)
{
	struct evbuffer	*in = bufferevent_get_input(bev);

	evbuffer_drain(in, evbuffer_get_length(in));
}

/*
 * End a TLS stream with close_notify before the half-close. Without it
 * the peer sees the connection cut short, and a TLS client then forgets
 * the session it would have resumed: every next connection would cost a
 * full handshake.
 */
static void
conn_linger_tls(struct bufferevent *bev)
{
	SSL	*ssl;

	if (bufferevent_openssl_get_ssl == NULL || SSL_shutdown == NULL ||
	    (ssl = bufferevent_openssl_get_ssl(bev)) == NULL)
		return;
	/* One alert, written at once; the peer's own is not waited for. */
	(void)SSL_shutdown(ssl);
}

/* The output is empty: half-close and wait for the peer to go. */
static void
conn_linger_write_cb(struct bufferevent *bev, void *arg)
{
	struct conn_linger	*cl = arg;
	struct timeval		 tv;
	int			 fd;

	if (evbuffer_get_length(bufferevent_get_output(bev)) > 0 || cl->sent)
		return;
	cl->sent = 1;
	conn_linger_tls(bev);
	fd = bufferevent_getfd(bev);
	if (fd == -1 || shutdown(fd, SHUT_WR) == -1) {
		cl->done(CONN_LINGER_SENT, cl->arg);
		return;
	}
	ev_tv(&tv, cl->linger_ms);
	evtimer_add(cl->timer, &tv);
}

/* EOF, error or write timeout. */
static void
conn_linger_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn_linger	*cl = arg;

	if (what & BEV_EVENT_TIMEOUT)
		cl->done(CONN_LINGER_TIMEOUT, cl->arg);
	else if (what & BEV_EVENT_EOF)
		cl->done(CONN_LINGER_CLOSED, cl->arg);
	else
		cl->done(CONN_LINGER_ERROR, cl->arg);
}

/* Sending took too long, or the linger is over. */
static void
conn_linger_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct conn_linger	*cl = arg;

	cl->done(cl->sent ? CONN_LINGER_SENT : CONN_LINGER_STALLED, cl->arg);
}
