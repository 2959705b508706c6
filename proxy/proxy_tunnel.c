/*
 * proxy_tunnel.c: CONNECT tunnels. After the access checks the origin
 * connection is opened like any other (never from the pool), the client
 * gets "200 Connection established", and bytes are relayed both ways
 * with backpressure until either side closes or both stay silent for the
 * idle timeout.
 */
#include <stdio.h>
#include <string.h>

#include "ev.h"
#include "log.h"
#include "proxy.h"

static uint64_t	proxy_tunnel_since(const struct timespec *);

/* Milliseconds since *t. */
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
	c->req_body = BODY_DONE;
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
	bufferevent_set_timeouts(c->bev, &tv, &tv);
	bufferevent_set_timeouts(s->bev, &tv, &tv);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	log_debug("client %s: tunnel to %s open", c->addr_str, c->url);
	proxy_client_pump(c);
	proxy_tunnel_pump(c);
}

/* Move tunnel bytes from the origin to the client. */
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
	if (evbuffer_get_length(out) >= PROXY_BUF_HIGH)
		bufferevent_disable(s->bev, EV_READ);
}

/*
 * An event on one side of a tunnel. A read timeout on one side is
 * forgiven while the other side is still active: a download with a
 * silent client is not idle.
 */
void
proxy_tunnel_event(struct proxy_client *c, int client_side, short what)
{
	struct bufferevent	*bev;
	uint64_t		 idle = c->px->cfg->proxy.idle_timeout;

	if (what & BEV_EVENT_TIMEOUT) {
		bev = client_side ? c->bev : c->srv->bev;
		if (proxy_tunnel_since(client_side ? &c->t_server :
		    &c->t_client) < idle) {
			bufferevent_enable(bev, (what & BEV_EVENT_READING) ?
			    EV_READ : EV_WRITE);
			return;
		}
		proxy_tunnel_close(c, "idle timeout");
		return;
	}
	if ((what & BEV_EVENT_EOF) && client_side) {
		/* Send what the client still had queued, then close. */
		proxy_client_pump(c);
		c->tunnel_eof = 1;
		if (c->srv != NULL && evbuffer_get_length(
		    bufferevent_get_output(c->srv->bev)) > 0) {
			bufferevent_disable(c->bev, EV_READ);
			bufferevent_setwatermark(c->srv->bev, EV_WRITE, 0, 0);
			return;
		}
		proxy_tunnel_close(c, "client closed the tunnel");
		return;
	}
	if ((what & BEV_EVENT_EOF) && !client_side) {
		/* Flush the origin's last bytes to the client, then close. */
		proxy_tunnel_pump(c);
		log_debug("client %s: tunnel to %s closed by the origin "
		    "(%llu bytes in, %llu out)", c->addr_str, c->url,
		    (unsigned long long)c->bytes_in,
		    (unsigned long long)c->bytes_out);
		proxy_server_release(c->srv, 0);
		c->srv = NULL;
		proxy_client_response_done(c);
		return;
	}
	proxy_tunnel_close(c, client_side ? "client connection error" :
	    "origin connection error");
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
