/*
 * proxy_server.c: connections to origins. Resolves names (evdns), reuses
 * pooled connections (lib/pool.h), connects from the configured source
 * address (lib/conn.h), streams the request body out and the response
 * back with backpressure, and returns connections to the pool when the
 * exchange left them clean.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conn.h"
#include "ev.h"
#include "http_field.h"
#include "http_head.h"
#include "pool.h"
#include "log.h"
#include "proxy.h"

static void	proxy_server_dns_cb(int, struct evutil_addrinfo *, void *);
static void	proxy_server_connect(struct proxy_client *);
static void	proxy_server_connect_failed(struct proxy_client *, int,
		    const char *);
static void	proxy_server_send(struct proxy_client *);
static void	proxy_server_read_cb(struct bufferevent *, void *);
static void	proxy_server_write_cb(struct bufferevent *, void *);
static void	proxy_server_event_cb(struct bufferevent *, short, void *);
static void	proxy_server_free(struct proxy_server *);
static int	proxy_server_head(struct proxy_client *, struct proxy_server *);
static void	proxy_server_ctype(struct proxy_client *,
		    const struct http_msg *);
static int	proxy_server_pump_response(struct proxy_client *,
		    struct proxy_server *);

/*
 * Find an origin connection for the client's request: a pooled one to
 * the same host and port, else resolve and connect.
 */
void
proxy_server_start(struct proxy_client *c)
{
	struct proxy		*px = c->px;
	struct proxy_server	*s;
	struct bufferevent	*bev;
	struct evutil_addrinfo	 hints;
	struct evdns_getaddrinfo_request *req;
	struct addr		 a;
	char			 key[HOST_MAXLEN + 8], port[8];
	char			 buf[ADDR_STRLEN];

	if (c->ftp != NULL) {
		proxy_ftp_gw_start(c);
		return;
	}
	snprintf(key, sizeof key, "%s:%u", c->host, c->port);
	if (!c->tunnel && !c->retried &&
	    (bev = pool_get(px->pool, key, &a)) != NULL) {
		if ((s = calloc(1, sizeof *s)) == NULL) {
			bufferevent_free(bev);
			proxy_client_error(c, 503, "out of memory",
			    "TCP_MISS", PROXY_ERR_NOMEM);
			return;
		}
		px->stats.origin_reused++;
		s->px = px;
		s->bev = bev;
		s->addr = a;
		strlcpy(s->key, key, sizeof s->key);
		s->client = c;
		s->state = SERVER_ACTIVE;
		s->reused = 1;
		c->srv = s;
		/* The log names the origin whether the connection is new. */
		addr_ntop(&a, buf, sizeof buf);
		snprintf(c->hier, sizeof c->hier, "HIER_DIRECT/%s", buf);
		bufferevent_setcb(bev, proxy_server_read_cb,
		    proxy_server_write_cb, proxy_server_event_cb, s);
		log_debug("client %s: reusing connection to %s",
		    c->addr_str, s->key);
		proxy_server_send(c);
		return;
	}
	if (c->addrs.n > 0) {
		proxy_server_connect(c);
		return;
	}
	/* A literal address needs no lookup. */
	if (addr_parse(c->host, &a, &(const char *){ NULL }) == 0) {
		a.port = c->port;
		conn_addrs_add(&c->addrs, &a);
		proxy_server_connect(c);
		return;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	snprintf(port, sizeof port, "%u", c->port);
	log_debug("client %s: resolving %s", c->addr_str, c->host);
	/* The callback may run before this returns; then c may be gone. */
	req = evdns_getaddrinfo(px->dns, c->host, port, &hints,
	    proxy_server_dns_cb, c);
	if (req != NULL)
		c->dnsreq = req;
}

/* A name lookup finished. */
static void
proxy_server_dns_cb(int result, struct evutil_addrinfo *res, void *arg)
{
	struct proxy_client	*c = arg;
	struct evutil_addrinfo	*ai;
	struct addr		 a;
	char			 reason[HOST_MAXLEN + 128];

	if (result == EVUTIL_EAI_CANCEL) {
		/* The client went away; c is gone. */
		if (res != NULL)
			evutil_freeaddrinfo(res);
		return;
	}
	c->dnsreq = NULL;
	conn_addrs_clear(&c->addrs);
	for (ai = res; result == 0 && ai != NULL; ai = ai->ai_next)
		if (addr_from_sa(&a, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    !conn_addrs_add(&c->addrs, &a))
			break;
	if (res != NULL)
		evutil_freeaddrinfo(res);
	if (c->addrs.n == 0) {
		snprintf(reason, sizeof reason, "cannot resolve %s: %s",
		    c->host, result != 0 ? evutil_gai_strerror(result) :
		    "no address");
		c->code = "TCP_MISS";
		proxy_client_error(c, 503, reason, "TCP_MISS", PROXY_ERR_DNS);
		return;
	}
	proxy_server_connect(c);
}

/* Connect to the address being tried. */
static void
proxy_server_connect(struct proxy_client *c)
{
	struct proxy		*px = c->px;
	struct cfg_proxy	*pc = &px->cfg->proxy;
	struct proxy_server	*s;
	struct conn_limits	 lim;
	struct conn_cbs		 cbs;
	const char		*op;
	char			 buf[ADDR_STRLEN];
	int			 err;

	if ((s = calloc(1, sizeof *s)) == NULL) {
		proxy_client_error(c, 503, "out of memory", "TCP_MISS",
		    PROXY_ERR_NOMEM);
		return;
	}
	s->px = px;
	s->client = c;
	s->addr = *conn_addrs_cur(&c->addrs);
	snprintf(s->key, sizeof s->key, "%s:%u", c->host, c->port);
	addr_ntop(&s->addr, buf, sizeof buf);
	snprintf(c->hier, sizeof c->hier, "HIER_DIRECT/%s", buf);
	lim.io_max = PROXY_IO_MAX;
	lim.flow = px->flow;
	lim.connect_ms = pc->connect_timeout;
	cbs.read = proxy_server_read_cb;
	cbs.write = proxy_server_write_cb;
	cbs.event = proxy_server_event_cb;
	cbs.arg = s;
	log_debug("client %s: connecting to %s", c->addr_str,
	    addr_fmt(&s->addr, buf, sizeof buf));
	/*
	 * Outbound connections leave from the real address, never the
	 * floating IP: outgoing-address, by default the peer's address.
	 */
	s->bev = conn_connect(px->base, &s->addr,
	    pc->outgoing_address.af != 0 ? &pc->outgoing_address :
	    &px->cfg->peer.address, &lim, &cbs, &err, &op);
	if (s->bev == NULL) {
		free(s);
		if (err == ENOMEM) {
			proxy_client_error(c, 503, "out of memory",
			    "TCP_MISS", PROXY_ERR_NOMEM);
			return;
		}
		proxy_server_connect_failed(c, err, op);
		return;
	}
	s->state = SERVER_CONNECTING;
	c->srv = s;
	px->stats.origin_connects++;
}

/*
 * A connection attempt failed with err: try the next address of the
 * name, else answer 502 (504 for a timeout).
 */
static void
proxy_server_connect_failed(struct proxy_client *c, int err, const char *op)
{
	char	 reason[256], buf[ADDR_STRLEN];

	addr_fmt(conn_addrs_cur(&c->addrs), buf, sizeof buf);
	if (conn_addrs_next(&c->addrs)) {
		log_info("client %s: %s %s: %s failed (%s); trying the next "
		    "address", c->addr_str, c->url, buf, op,
		    err == ETIMEDOUT ? "timed out" : strerror(err));
		proxy_server_connect(c);
		return;
	}
	if (err == ETIMEDOUT) {
		snprintf(reason, sizeof reason, "connecting to the origin "
		    "server %s timed out", buf);
		proxy_client_error(c, 504, reason, "TCP_MISS",
		    PROXY_ERR_CONNECT_TIMEOUT);
		return;
	}
	snprintf(reason, sizeof reason, "cannot connect to the origin server "
	    "%s: %s", buf, strerror(err));
	proxy_client_error(c, 502, reason, "TCP_MISS", PROXY_ERR_CONNECT);
}

/* Connected (or reused): send the head and whatever body there is. */
static void
proxy_server_send(struct proxy_client *c)
{
	struct proxy_server	*s = c->srv;
	struct cfg_proxy	*pc = &c->px->cfg->proxy;
	struct timeval		 tv, bt;
	size_t			 len;

	s->state = SERVER_ACTIVE;
	s->got_bytes = 0;
	s->head_done = 0;
	s->keep_alive = 0;
	http_resume_init(&s->hr);
	/*
	 * An origin owes us nothing while the request body is still going
	 * out: only a stalled upload (write timeout, body-timeout) counts
	 * until then.
	 */
	ev_tv(&tv, pc->read_timeout);
	ev_tv(&bt, pc->body_timeout);
	if (c->req.state == HTTP_MOVE_DONE)
		bufferevent_set_timeouts(s->bev, &tv, &tv);
	else
		bufferevent_set_timeouts(s->bev, NULL, &bt);
	if (c->tunnel) {
		proxy_tunnel_connected(c);
		return;
	}
	/* Copy, not move: a stale pooled connection means sending again. */
	len = evbuffer_get_length(c->head_out);
	bufferevent_write(s->bev, evbuffer_pullup(c->head_out, len), len);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
	if (c->req.state != HTTP_MOVE_DONE)
		proxy_server_pump_request(c);
	else
		proxy_client_timer(c, pc->read_timeout);
}

/* Move request body bytes from the client to the origin. */
void
proxy_server_pump_request(struct proxy_client *c)
{
	struct proxy_server	*s = c->srv;
	struct timeval		 tv;
	size_t			 moved;

	if (s == NULL || s->state != SERVER_ACTIVE) {
		/* Not connected yet: hold a bounded amount. */
		flow_hold(c->bev, c->px->flow.high);
		return;
	}
	if (http_body_relay(&c->req, c->bev, s->bev, &c->px->flow,
	    &moved) == -1) {
		log_info("client %s: %s %s: bad chunked request body: %s",
		    c->addr_str, c->method_str, c->url, c->req.ch.error);
		proxy_client_error(c, 400, c->req.ch.error, "TAG_NONE",
		    PROXY_ERR_PARSE);
		return;
	}
	c->bytes_in += moved;
	c->px->stats.bytes_in += moved;
	if (moved > 0)
		c->body_sent = 1;
	if (c->req.state == HTTP_MOVE_DONE) {
		/* Body sent: from now on the origin must answer in time. */
		ev_tv(&tv, c->px->cfg->proxy.read_timeout);
		bufferevent_set_timeouts(s->bev, &tv, &tv);
		proxy_client_body_timeout(c, c->body_timed & ~PROXY_BODY_REQ);
		if (!s->head_done)
			proxy_client_timer(c, c->px->cfg->proxy.read_timeout);
	}
	if (c->req.state == HTTP_MOVE_DONE ||
	    !flow_full(bufferevent_get_output(s->bev), &c->px->flow))
		flow_resume(c->bev);
}

/* Bytes from the origin. */
static void
proxy_server_read_cb(struct bufferevent *bev, void *arg)
{
	struct proxy_server	*s = arg;
	struct proxy_client	*c = s->client;

	s->got_bytes = 1;
	if (!s->head_done && proxy_server_head(c, s) == -1)
		return;
	if (s->head_done)
		proxy_server_pump_response(c, s);
}

/* Note the media type of a final response for the access log. */
static void
proxy_server_ctype(struct proxy_client *c, const struct http_msg *m)
{
	const struct http_header	*h;
	size_t				 n = 0;

	c->ctype[0] = '\0';
	if ((h = http_header_find(m, "content-type")) == NULL)
		return;
	while (n < h->value_len && n + 1 < sizeof c->ctype &&
	    h->value[n] != ';' && h->value[n] != ' ')
		n++;
	memcpy(c->ctype, h->value, n);
	c->ctype[n] = '\0';
}

/*
 * Parse response heads: forward 1xx interim responses and stop at the
 * final one. Returns -1 when c was closed or answered.
 */
static int
proxy_server_head(struct proxy_client *c, struct proxy_server *s)
{
	struct proxy			*px = c->px;
	struct evbuffer			*in = bufferevent_get_input(s->bev);
	struct evbuffer			*out = bufferevent_get_output(c->bev);
	struct http_msg			*m = &px->msg;
	struct http_head_opts		 o;
	struct timeval			 bt;
	const char			*buf;
	char				 reason[256];
	size_t				 len, before;
	int				 rv, interim;
	static const char *const no_length[] = { "content-length",
	    "transfer-encoding", NULL };

	for (;;) {
		if ((len = evbuffer_get_length(in)) == 0)
			return (0);
		if (len > px->lim.max_head)
			len = px->lim.max_head;
		buf = (const char *)evbuffer_pullup(in, len);
		rv = http_parse_response_more(m, &s->hr, buf, len, &px->lim,
		    c->method);
		if (rv == HTTP_MORE) {
			if (evbuffer_get_length(in) > px->lim.max_head)
				goto bad;
			return (0);
		}
		if (rv == HTTP_ERROR)
			goto bad;
		interim = m->code < 200;
		if (interim && m->code == 101) {
			m->error = "protocol switch (101) without an upgrade "
			    "request";
			goto bad;
		}
		if (interim && ++c->interim > PROXY_MAX_INTERIM) {
			m->error = "too many interim (1xx) responses";
			goto bad;
		}
		/* The cache may answer instead (validated, stale-if-error). */
		if (!interim && proxy_cache_response(c, m))
			return (-1);
		before = evbuffer_get_length(out);
		if (interim && c->version < 11) {
			/* HTTP/1.0 clients do not expect 1xx responses. */
			evbuffer_drain(in, m->head_len);
			continue;
		}
		http_head_status_line(out, m);
		if (!interim)
			proxy_server_ctype(c, m);
		memset(&o, 0, sizeof o);
		o.via = px->cfg->proxy.via ? px->via : NULL;
		o.version = m->version;
		o.max_forwards = -1;
		/* RFC 9110 section 8.6: never a length on 1xx and 204. */
		if (interim || m->code == 204)
			o.drop = no_length;
		http_head_fields(out, m->headers, m->nheaders, &o);
		if (interim) {
			http_head_end(out, 0, HTTP_CONN_NONE);
			proxy_client_sent(c, evbuffer_get_length(out) -
			    before);
			evbuffer_drain(in, m->head_len);
			/* A flood of 1xx waits for the client to read. */
			if (flow_gate(s->bev, out, &px->flow))
				return (0);
			continue;
		}

		/* The final response. */
		s->head_done = 1;
		proxy_client_timer(c, 0);
		s->keep_alive = http_keep_alive(m);
		c->status = m->code;
		c->code = "TCP_MISS";
		c->resp_started = 1;
		http_body_init(&c->resp, m->framing, m->content_length,
		    c->version < 11, &px->lim);
		if (c->resp.state == HTTP_MOVE_DECHUNK ||
		    c->resp.state == HTTP_MOVE_CLOSE)
			c->close_after = 1;
		http_head_end(out, c->resp.state == HTTP_MOVE_CHUNKED,
		    http_head_conn(c->version, c->close_after ||
		    !c->keep_alive || px->draining));
		proxy_client_sent(c, evbuffer_get_length(out) - before);
		proxy_cache_store(c, m);
		evbuffer_drain(in, m->head_len);
		if (c->resp.state != HTTP_MOVE_DONE) {
			/* A body that stops moving ends it (body-timeout). */
			ev_tv(&bt, px->cfg->proxy.body_timeout);
			bufferevent_set_timeouts(s->bev, &bt, &bt);
			proxy_client_body_timeout(c, c->body_timed |
			    PROXY_BODY_RESP);
		}
		return (0);
	}
bad:
	log_info("origin %s: invalid response: %s", s->key, m->error);
	snprintf(reason, sizeof reason, "the origin server sent an invalid "
	    "response: %s", m->error);
	proxy_client_error(c, 502, reason, "TCP_MISS", PROXY_ERR_UPSTREAM);
	return (-1);
}

/*
 * Move response body bytes to the client; finish the exchange at the
 * end of the body. Returns -1 when c was closed.
 */
static int
proxy_server_pump_response(struct proxy_client *c, struct proxy_server *s)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);
	size_t		 moved;

	if (http_body_relay(&c->resp, s->bev, c->bev, &c->px->flow,
	    &moved) == -1) {
		log_info("origin %s: bad chunked response body: %s", s->key,
		    c->resp.ch.error);
		proxy_client_count(c, PROXY_ERR_UPSTREAM);
		proxy_client_close(c, "bad chunked body from the origin");
		return (-1);
	}
	proxy_client_sent(c, moved);
	proxy_cache_body(c, out, moved);
	if (c->resp.state == HTTP_MOVE_DONE) {
		proxy_client_response_done(c);
		return (-1);
	}
	return (0);
}

/*
 * The client's output drained: read the origin again, and act on what
 * it sent already (interim responses held back, the rest of a body).
 */
void
proxy_server_resume(struct proxy_client *c)
{
	struct proxy_server	*s = c->srv;

	if (c->ftp != NULL) {
		proxy_ftp_gw_resume(c);
		return;
	}
	if (s == NULL || s->state != SERVER_ACTIVE)
		return;
	flow_resume(s->bev);
	if (evbuffer_get_length(bufferevent_get_input(s->bev)) > 0)
		proxy_server_read_cb(s->bev, s);
}

/* The origin's output drained: the client may send more body. */
static void
proxy_server_write_cb(struct bufferevent *bev, void *arg)
{
	struct proxy_server	*s = arg;
	struct proxy_client	*c = s->client;

	if (s->state != SERVER_ACTIVE)
		return;
	if (c->req.state != HTTP_MOVE_DONE) {
		bufferevent_enable(c->bev, EV_READ);
		proxy_server_pump_request(c);
	}
}

/* Connected, EOF, error or timeout on an origin connection. */
static void
proxy_server_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct proxy_server	*s = arg;
	struct proxy_client	*c = s->client;
	char			 reason[256];
	int			 err = EVUTIL_SOCKET_ERROR();

	if (s->state == SERVER_CONNECTING) {
		if (what & BEV_EVENT_CONNECTED) {
			log_debug("client %s: connected to %s", c->addr_str,
			    s->key);
			proxy_server_send(c);
			return;
		}
		c->srv = NULL;
		proxy_server_free(s);
		proxy_server_connect_failed(c, (what & BEV_EVENT_TIMEOUT) ?
		    ETIMEDOUT : err != 0 ? err : ECONNREFUSED, "connect");
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		if (s->head_done || c->req.state != HTTP_MOVE_DONE)
			snprintf(reason, sizeof reason, "the origin server "
			    "%s the %s body for %llu ms (body-timeout)",
			    (what & BEV_EVENT_WRITING) ? "stopped reading" :
			    "stopped sending", (what & BEV_EVENT_WRITING) ?
			    "request" : "response", (unsigned long long)
			    c->px->cfg->proxy.body_timeout);
		else
			snprintf(reason, sizeof reason, "the origin server "
			    "did not answer within %llu ms",
			    (unsigned long long)
			    c->px->cfg->proxy.read_timeout);
		proxy_client_error(c, 504, reason, "TCP_MISS",
		    PROXY_ERR_TIMEOUT);
		return;
	}
	if (!s->head_done) {
		if (s->reused && !s->got_bytes && !c->retried &&
		    !c->body_sent && (what & BEV_EVENT_EOF)) {
			/* A pooled connection the origin had closed. */
			log_debug("client %s: pooled connection to %s was "
			    "closed; retrying on a new one", c->addr_str,
			    s->key);
			c->srv = NULL;
			proxy_server_free(s);
			c->retried = 1;
			proxy_server_start(c);
			return;
		}
		proxy_client_error(c, 502, (what & BEV_EVENT_EOF) ?
		    "the origin server closed the connection without "
		    "answering" : "error on the connection to the origin "
		    "server", "TCP_MISS", PROXY_ERR_UPSTREAM);
		return;
	}
	if (c->resp.state == HTTP_MOVE_CLOSE && (what & BEV_EVENT_EOF)) {
		/* The end of a close-delimited body. */
		proxy_server_pump_response(c, s);
		if (c->srv == s) {
			s->keep_alive = 0;
			c->resp.state = HTTP_MOVE_DONE;
			proxy_client_response_done(c);
		}
		return;
	}
	proxy_client_count(c, PROXY_ERR_UPSTREAM);
	log_info("client %s: %s %s: origin closed mid-response", c->addr_str,
	    c->method_str, c->url);
	proxy_client_close(c, "origin closed mid-response");
}

/*
 * Detach an origin connection from its client: into the pool when
 * <reuse> and the pool has room, else close it.
 */
void
proxy_server_release(struct proxy_server *s, int reuse)
{
	struct proxy	*px = s->px;

	s->client = NULL;
	if (reuse && !px->draining && s->state == SERVER_ACTIVE &&
	    pool_put(px->pool, s->key, &s->addr, s->bev) == 0) {
		free(s);
		return;
	}
	proxy_server_free(s);
}

/*
 * The client no longer wants its origin connection (the cache answers in
 * its place, or an error does): release it, into the pool when <m>, the
 * response head read from it, left it clean: persistent, no body, nothing
 * after the head. With <m> NULL it is closed.
 */
void
proxy_server_detach(struct proxy_client *c, const struct http_msg *m)
{
	struct proxy_server	*s = c->srv;
	struct evbuffer		*in;
	int			 reuse = 0;

	if (s == NULL)
		return;
	c->srv = NULL;
	if (m != NULL) {
		in = bufferevent_get_input(s->bev);
		reuse = m->framing == HTTP_BODY_NONE && http_keep_alive(m) &&
		    evbuffer_get_length(in) == m->head_len &&
		    !c->px->draining;
		if (reuse)
			evbuffer_drain(in, m->head_len);
	}
	proxy_server_release(s, reuse);
}

/* Close an origin connection. */
static void
proxy_server_free(struct proxy_server *s)
{
	bufferevent_free(s->bev);
	free(s);
}
