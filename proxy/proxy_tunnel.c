/*
 * proxy_tunnel.c: CONNECT tunnels. After the access checks the origin
 * connection is opened like any other (never from the pool), the client
 * gets "200 Connection established", and a relay (lib/relay.h) carries
 * the bytes both ways until either side closes or both stay silent for
 * the idle timeout. The relay owns both connections' callbacks while it
 * runs.
 */
#include <stdio.h>
#include <string.h>

#include "ev.h"
#include "log.h"
#include "proxy.h"
#include "relay.h"

static void	proxy_tunnel_done_cb(struct relay *, enum relay_end, void *);

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
	struct proxy		*px = c->px;
	struct evbuffer		*out = bufferevent_get_output(c->bev);
	struct relay_conf	 rc;
	static const char	 ok[] = "HTTP/1.1 200 Connection established"
	    "\r\n\r\n";

	c->state = CLIENT_TUNNEL;
	c->status = 200;
	c->code = "TCP_TUNNEL";
	c->resp_started = 1;
	c->close_after = 1;
	evbuffer_add(out, ok, sizeof ok - 1);
	/* Counted apart: the relay counts the tunnel's own bytes. */
	px->stats.bytes_out += sizeof ok - 1;
	memset(&rc, 0, sizeof rc);
	rc.io_max = PROXY_IO_MAX;
	rc.flow = px->flow;
	rc.idle_ms = px->cfg->proxy.idle_timeout;
	rc.stall_ms = px->cfg->proxy.read_timeout;
	rc.count[0] = &px->stats.bytes_in;
	rc.count[1] = &px->stats.bytes_out;
	c->relay = relay_new(px->base, c->bev, c->srv->bev, &rc,
	    proxy_tunnel_done_cb, c);
	if (c->relay == NULL) {
		proxy_client_count(c, PROXY_ERR_NOMEM);
		proxy_client_close(c, "out of memory");
		return;
	}
	log_debug("client %s: tunnel to %s open", c->addr_str, c->url);
}

/* Fold the relay's counts into the request and free it. */
void
proxy_tunnel_free(struct proxy_client *c)
{
	if (c->relay == NULL)
		return;
	c->bytes_in += relay_bytes(c->relay, 0);
	c->bytes_out += relay_bytes(c->relay, 1);
	relay_free(c->relay);
	c->relay = NULL;
}

/*
 * The relay ended. The origin closing ends the exchange like a response:
 * the client gets what is queued, then the connection closes. Anything
 * else closes the client connection now.
 */
static void
proxy_tunnel_done_cb(struct relay *r, enum relay_end why, void *arg)
{
	struct proxy_client	*c = arg;
	const char		*reason;

	proxy_tunnel_free(c);
	switch (why) {
	case RELAY_END_B_EOF:
		log_debug("client %s: tunnel to %s closed by the origin "
		    "(%llu bytes in, %llu out)", c->addr_str, c->url,
		    (unsigned long long)c->bytes_in,
		    (unsigned long long)c->bytes_out);
		proxy_server_release(c->srv, 0);
		c->srv = NULL;
		proxy_client_response_done(c);
		return;
	case RELAY_END_A_EOF:
		reason = "client closed the tunnel";
		break;
	case RELAY_END_IDLE:
		reason = "idle timeout";
		break;
	case RELAY_END_A_STALLED:
		reason = "client stopped reading";
		break;
	case RELAY_END_B_STALLED:
		reason = "origin stopped reading";
		break;
	case RELAY_END_A_ERROR:
		reason = "client connection error";
		break;
	case RELAY_END_B_ERROR:
		reason = "origin connection error";
		break;
	case RELAY_END_NOMEM:
	default:
		proxy_client_count(c, PROXY_ERR_NOMEM);
		reason = "out of memory";
		break;
	}
	log_debug("client %s: tunnel to %s closed: %s (%llu bytes in, %llu "
	    "out)", c->addr_str, c->url, reason,
	    (unsigned long long)c->bytes_in, (unsigned long long)c->bytes_out);
	proxy_client_close(c, reason);
}
