/*
 * proxy_tunnel.c: CONNECT tunnels. After the access checks the origin
 * connection is opened like any other (never from the pool), the client
 * gets "200 Connection established", and bytes are relayed both ways
 * with backpressure until either side closes or both stay silent for the
 * idle timeout.
 *
 * Relaying reads each socket with an event of our own: bufferevents read
 * 4 KiB at a time, which would cap a tunnel at a fraction of what the
 * loopback carries. While the destination's bufferevent still holds
 * bytes (our 200, early data), reads go into it, PROXY_IO_MAX at a time;
 * from then on splice(2) moves the bytes through a pipe inside the
 * kernel. A direction never has bytes in both places at once: its source
 * is not read while its pipe holds anything, so order is kept.
 */
#include <sys/uio.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "log.h"
#include "proxy.h"

/*
 * Both directions' timers run out at about the same time in a silent
 * tunnel; activity closer than this to the deadline does not count.
 */
#define PROXY_TUNNEL_SLACK_MS	100

static uint64_t	proxy_tunnel_since(const struct timespec *);
static void	proxy_tunnel_read_cb(evutil_socket_t, short, void *);
static void	proxy_tunnel_read(struct proxy_client *, int, short);
static void	proxy_tunnel_write_cb(evutil_socket_t, short, void *);
static int	proxy_tunnel_splice(struct proxy_client *, int);
static int	proxy_tunnel_flush(struct proxy_client *, int);
static void	proxy_tunnel_count(struct proxy_client *, int, size_t);

/* Milliseconds since *t. */
/*
 * Count <n> bytes read from <side> (0: the client, 1: the origin) and note
 * the activity for the idle timeout.
 */
static void
proxy_tunnel_count(struct proxy_client *c, int side, size_t n)
{
	if (side == 0) {
		clock_gettime(CLOCK_MONOTONIC, &c->t_client);
		c->bytes_in += n;
		c->px->stats.bytes_in += n;
	} else {
		clock_gettime(CLOCK_MONOTONIC, &c->t_server);
		c->bytes_out += n;
		c->px->stats.bytes_out += n;
	}
}

static uint64_t
proxy_tunnel_since(const struct timespec *t)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return ((now.tv_sec - t->tv_sec) * 1000 +
	    (now.tv_nsec - t->tv_nsec) / 1000000);
}

/* Open the origin side of a CONNECT request (access already checked). */
void
proxy_tunnel_start(struct proxy_client *c)
{
	c->tunnel = 1;
	c->state = CLIENT_BUSY;
	c->req.state = HTTP_MOVE_DONE;
	evtimer_del(c->timer);
	c->px->stats.tunnels++;
	log_debug("client %s: CONNECT %s", c->addr_str, c->url);
	/* Bytes sent before our 200 wait in the input buffer. */
	bufferevent_disable(c->bev, EV_READ);
	proxy_server_start(c);
}

/* The origin accepted: tell the client and start relaying. */
void
proxy_tunnel_connected(struct proxy_client *c)
{
	struct proxy_server	*s = c->srv;
	struct evbuffer		*out = bufferevent_get_output(c->bev);
	struct timeval		 tv;
	static const char	 ok[] = "HTTP/1.1 200 Connection established"
	    "\r\n\r\n";
	int			 i;

	c->state = CLIENT_TUNNEL;
	c->status = 200;
	c->code = "TCP_TUNNEL";
	c->resp_started = 1;
	c->close_after = 1;
	evbuffer_add(out, ok, sizeof ok - 1);
	c->px->stats.bytes_out += sizeof ok - 1;
	clock_gettime(CLOCK_MONOTONIC, &c->t_client);
	c->t_server = c->t_client;
	ev_tv(&tv, c->px->cfg->proxy.idle_timeout);
	bufferevent_set_timeouts(c->bev, NULL, &tv);
	bufferevent_set_timeouts(s->bev, NULL, &tv);
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_disable(s->bev, EV_READ);
	bufferevent_enable(c->bev, EV_WRITE);
	bufferevent_enable(s->bev, EV_WRITE);
	c->tun_rd[0] = event_new(c->px->base, bufferevent_getfd(c->bev),
	    EV_READ | EV_PERSIST, proxy_tunnel_read_cb, c);
	c->tun_rd[1] = event_new(c->px->base, bufferevent_getfd(s->bev),
	    EV_READ | EV_PERSIST, proxy_tunnel_read_cb, c);
	c->tun_wr[0] = event_new(c->px->base, bufferevent_getfd(s->bev),
	    EV_WRITE | EV_PERSIST, proxy_tunnel_write_cb, c);
	c->tun_wr[1] = event_new(c->px->base, bufferevent_getfd(c->bev),
	    EV_WRITE | EV_PERSIST, proxy_tunnel_write_cb, c);
	for (i = 0; i < 2; i++) {
		/* Without pipes (out of descriptors), copy instead. */
		if (pipe2(c->tun_pipe[i], O_NONBLOCK | O_CLOEXEC) == -1) {
			c->tun_pipe[i][0] = c->tun_pipe[i][1] = -1;
			continue;
		}
		fcntl(c->tun_pipe[i][1], F_SETPIPE_SZ, PROXY_IO_MAX);
	}
	if (c->tun_rd[0] == NULL || c->tun_rd[1] == NULL ||
	    c->tun_wr[0] == NULL || c->tun_wr[1] == NULL) {
		proxy_client_count(c, PROXY_ERR_NOMEM);
		proxy_tunnel_close(c, "out of memory");
		return;
	}
	log_debug("client %s: tunnel to %s open", c->addr_str, c->url);
	/* What either side sent early is already in a bufferevent. */
	proxy_client_pump(c);
	proxy_tunnel_pump(c);
	proxy_tunnel_resume(c, 0);
	proxy_tunnel_resume(c, 1);
}

/*
 * Start (again) reading side (0 client, 1 origin), unless the other
 * side's output is full; its write callback resumes us then.
 */
void
proxy_tunnel_resume(struct proxy_client *c, int side)
{
	struct bufferevent	*dst;
	struct timeval		 tv;

	if (c->tun_rd[side] == NULL || c->srv == NULL)
		return;
	if (side == 0 && c->tunnel_eof)
		return;
	dst = side == 0 ? c->srv->bev : c->bev;
	if (evbuffer_get_length(bufferevent_get_output(dst)) >= c->px->flow.high ||
	    c->tun_inpipe[side] > 0)
		return;
	if (event_pending(c->tun_rd[side], EV_READ, NULL))
		return;
	ev_tv(&tv, c->px->cfg->proxy.idle_timeout);
	event_add(c->tun_rd[side], &tv);
}

/* A tunnel socket is readable, or has been silent for the idle timeout. */
static void
proxy_tunnel_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct proxy_client	*c = arg;

	proxy_tunnel_read(c, fd == bufferevent_getfd(c->bev) ? 0 : 1, what);
}

/* Read side into the other side's output. */
static void
proxy_tunnel_read(struct proxy_client *c, int side, short what)
{
	struct bufferevent	*src, *dst;
	struct evbuffer		*out;
	struct evbuffer_iovec	 v[2];
	struct iovec		 iov[2];
	ssize_t			 n;
	size_t			 left;
	int			 i, nv;

	src = side == 0 ? c->bev : c->srv->bev;
	dst = side == 0 ? c->srv->bev : c->bev;
	if (what & EV_TIMEOUT) {
		/* Silent, but the other direction may still be busy. */
		if (proxy_tunnel_since(side == 0 ? &c->t_server :
		    &c->t_client) + PROXY_TUNNEL_SLACK_MS <
		    c->px->cfg->proxy.idle_timeout)
			return;
		proxy_tunnel_close(c, "idle timeout");
		return;
	}
	out = bufferevent_get_output(dst);
	if (c->tun_pipe[side][0] != -1 && evbuffer_get_length(out) == 0) {
		proxy_tunnel_splice(c, side);
		return;
	}
	nv = evbuffer_reserve_space(out, PROXY_IO_MAX, v, 2);
	if (nv <= 0) {
		proxy_client_count(c, PROXY_ERR_NOMEM);
		proxy_tunnel_close(c, "out of memory");
		return;
	}
	left = PROXY_IO_MAX;
	for (i = 0; i < nv; i++) {
		iov[i].iov_base = v[i].iov_base;
		iov[i].iov_len = v[i].iov_len < left ? v[i].iov_len : left;
		left -= iov[i].iov_len;
	}
	n = readv(bufferevent_getfd(src), iov, nv);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR)) {
		evbuffer_commit_space(out, v, 0);
		return;
	}
	if (n <= 0) {
		evbuffer_commit_space(out, v, 0);
		proxy_tunnel_event(c, side == 0, n == 0 ? BEV_EVENT_EOF :
		    BEV_EVENT_ERROR);
		return;
	}
	for (i = 0, left = n; i < nv; i++) {
		v[i].iov_len = iov[i].iov_len < left ? iov[i].iov_len : left;
		left -= v[i].iov_len;
	}
	evbuffer_commit_space(out, v, nv);
	proxy_tunnel_count(c, side, n);
	if (evbuffer_get_length(out) >= c->px->flow.high)
		event_del(c->tun_rd[side]);
}

/*
 * Splice what side's socket has into its pipe and on to the other side.
 * Returns -1 when the tunnel was closed.
 */
static int
proxy_tunnel_splice(struct proxy_client *c, int side)
{
	struct bufferevent	*src = side == 0 ? c->bev : c->srv->bev;
	ssize_t			 n;

	n = splice(bufferevent_getfd(src), NULL, c->tun_pipe[side][1], NULL,
	    PROXY_IO_MAX, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return (0);
	if (n <= 0) {
		proxy_tunnel_event(c, side == 0, n == 0 ? BEV_EVENT_EOF :
		    BEV_EVENT_ERROR);
		return (-1);
	}
	c->tun_inpipe[side] += n;
	proxy_tunnel_count(c, side, n);
	return (proxy_tunnel_flush(c, side));
}

/*
 * Move what side's pipe holds to the destination socket. While some is
 * left, wait for the destination to take more instead of reading the
 * source. Returns -1 when the tunnel was closed.
 */
static int
proxy_tunnel_flush(struct proxy_client *c, int side)
{
	struct bufferevent	*dst = side == 0 ? c->srv->bev : c->bev;
	struct timeval		 tv;
	ssize_t			 n;

	while (c->tun_inpipe[side] > 0) {
		n = splice(c->tun_pipe[side][0], NULL, bufferevent_getfd(dst),
		    NULL, c->tun_inpipe[side], SPLICE_F_MOVE |
		    SPLICE_F_NONBLOCK);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			break;
		if (n <= 0) {
			proxy_tunnel_close(c, side == 0 ? "origin connection "
			    "error" : "client connection error");
			return (-1);
		}
		c->tun_inpipe[side] -= n;
	}
	if (c->tun_inpipe[side] > 0) {
		event_del(c->tun_rd[side]);
		ev_tv(&tv, c->px->cfg->proxy.read_timeout);
		event_add(c->tun_wr[side], &tv);
		return (0);
	}
	event_del(c->tun_wr[side]);
	if (side == 0 && c->tunnel_eof) {
		proxy_tunnel_close(c, "client closed the tunnel");
		return (-1);
	}
	proxy_tunnel_resume(c, side);
	return (0);
}

/* The destination of a direction can take more of its pipe. */
static void
proxy_tunnel_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct proxy_client	*c = arg;
	int			 side;

	side = fd == bufferevent_getfd(c->bev) ? 1 : 0;
	if (what & EV_TIMEOUT) {
		proxy_tunnel_close(c, side == 0 ? "origin stopped reading" :
		    "client stopped reading");
		return;
	}
	proxy_tunnel_flush(c, side);
}

/* Move tunnel bytes from the origin's bufferevent input to the client. */
void
proxy_tunnel_pump(struct proxy_client *c)
{
	struct proxy_server	*s = c->srv;
	struct evbuffer		*in, *out;
	size_t			 n;

	if (s == NULL)
		return;
	in = bufferevent_get_input(s->bev);
	out = bufferevent_get_output(c->bev);
	if ((n = evbuffer_get_length(in)) == 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &c->t_server);
	evbuffer_remove_buffer(in, out, n);
	c->bytes_out += n;
	c->px->stats.bytes_out += n;
}

/*
 * End of one side of a tunnel, or an error. The client closing means:
 * send the origin what is queued, then close. The origin closing means:
 * send the client what is queued, then close (as after a response).
 */
void
proxy_tunnel_event(struct proxy_client *c, int client_side, short what)
{
	if ((what & BEV_EVENT_EOF) && client_side) {
		c->tunnel_eof = 1;
		if (c->tun_rd[0] != NULL)
			event_del(c->tun_rd[0]);
		if (c->tun_inpipe[0] > 0)
			return;		/* proxy_tunnel_flush() closes */
		if (c->srv != NULL && evbuffer_get_length(
		    bufferevent_get_output(c->srv->bev)) > 0) {
			bufferevent_setwatermark(c->srv->bev, EV_WRITE, 0, 0);
			return;
		}
		proxy_tunnel_close(c, "client closed the tunnel");
		return;
	}
	if ((what & BEV_EVENT_EOF) && !client_side) {
		log_debug("client %s: tunnel to %s closed by the origin "
		    "(%llu bytes in, %llu out)", c->addr_str, c->url,
		    (unsigned long long)c->bytes_in,
		    (unsigned long long)c->bytes_out);
		proxy_tunnel_free(c);
		proxy_server_release(c->srv, 0);
		c->srv = NULL;
		proxy_client_response_done(c);
		return;
	}
	proxy_tunnel_close(c, (what & BEV_EVENT_TIMEOUT) ? "write timeout" :
	    client_side ? "client connection error" :
	    "origin connection error");
}

/* Free the tunnel's read events (before either socket goes). */
void
proxy_tunnel_free(struct proxy_client *c)
{
	int	i;

	for (i = 0; i < 2; i++) {
		if (c->tun_rd[i] != NULL)
			event_free(c->tun_rd[i]);
		if (c->tun_wr[i] != NULL)
			event_free(c->tun_wr[i]);
		c->tun_rd[i] = c->tun_wr[i] = NULL;
		if (c->tun_pipe[i][0] != -1) {
			close(c->tun_pipe[i][0]);
			close(c->tun_pipe[i][1]);
		}
		c->tun_pipe[i][0] = c->tun_pipe[i][1] = -1;
		c->tun_inpipe[i] = 0;
	}
}

/* Tear a tunnel down and log it. */
void
proxy_tunnel_close(struct proxy_client *c, const char *reason)
{
	log_debug("client %s: tunnel to %s closed: %s (%llu bytes in, %llu "
	    "out)", c->addr_str, c->url, reason,
	    (unsigned long long)c->bytes_in, (unsigned long long)c->bytes_out);
	proxy_client_close(c, reason);
}
