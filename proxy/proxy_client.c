/*
 * proxy_client.c: client connections. Reads request heads through the
 * strict parser, applies access control, builds the head sent to the
 * origin and hands the request to proxy_server.c (or proxy_tunnel.c for
 * CONNECT); answers errors with a short page; keeps the connection alive
 * between requests.
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

#include "ev.h"
#include "http_field.h"
#include "http_head.h"
#include "http_status.h"
#include "log.h"
#include "proxy.h"

/* How long a closing connection waits for the client to go away. */
#define PROXY_LINGER_MS		2000

/*
 * The most one write to a client may take: the kernel's largest default
 * send buffer, so that the socket alone bounds a write. A hit of 1 MiB
 * then leaves in one or two calls instead of nine of 128 KiB, each of
 * which took one more turn of the loop and woke the reader once more.
 * What is queued for a client stays bounded by the flow high-water mark.
 */
#define PROXY_WRITE_MAX		(4 * 1024 * 1024)

static void	proxy_client_read_cb(struct bufferevent *, void *);
static void	proxy_client_write_cb(struct bufferevent *, void *);
static void	proxy_client_event_cb(struct bufferevent *, short, void *);
static void	proxy_client_timer_cb(evutil_socket_t, short, void *);
static void	proxy_client_begin(struct proxy_client *);
static void	proxy_client_parse(struct proxy_client *);
static void	proxy_client_request(struct proxy_client *,
		    struct http_msg *, const char *);
static int	proxy_client_max_forwards(struct proxy_client *,
		    struct http_msg *, const char *, long *);
static void	proxy_client_head_out(struct proxy_client *,
		    struct http_msg *, long);
static void	proxy_client_closing(struct proxy_client *);
static void	proxy_client_linger_cb(enum conn_linger_end, void *);
static int	proxy_client_loop(struct proxy_client *, struct http_msg *);
static void	proxy_client_trace(struct proxy_client *, struct http_msg *,
		    const char *);

/* Count an error of a kind. */
void
proxy_client_count(struct proxy_client *c, enum proxy_err e)
{
	c->px->stats.errors[e]++;
}

/* Accept a new client connection on fd; NULL if it could not be (closed). */
struct proxy_client *
proxy_client_new(struct proxy *px, int fd, const struct sockaddr *sa,
    int salen)
{
	struct proxy_client	*c;
	struct timeval		 tv;
	int			 on = 1;

	if ((c = calloc(1, sizeof *c)) == NULL) {
		log_warn("client: calloc");
		px->stats.errors[PROXY_ERR_NOMEM]++;
		close(fd);
		return (NULL);
	}
	c->px = px;
	if (addr_from_sa(&c->addr, sa, salen) == -1)
		memset(&c->addr, 0, sizeof c->addr);
	addr_ntop(&c->addr, c->addr_str, sizeof c->addr_str);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	c->bev = bufferevent_socket_new(px->base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->timer = evtimer_new(px->base, proxy_client_timer_cb, c);
	c->head_out = evbuffer_new();
	if (c->bev == NULL || c->timer == NULL || c->head_out == NULL) {
		log_warnx("client %s: out of memory", c->addr_str);
		px->stats.errors[PROXY_ERR_NOMEM]++;
		if (c->bev != NULL)
			bufferevent_free(c->bev);
		else
			close(fd);
		if (c->timer != NULL)
			event_free(c->timer);
		if (c->head_out != NULL)
			evbuffer_free(c->head_out);
		free(c);
		return (NULL);
	}
	bufferevent_setcb(c->bev, proxy_client_read_cb, proxy_client_write_cb,
	    proxy_client_event_cb, c);
	flow_watch(c->bev, &px->flow);
	bufferevent_set_max_single_read(c->bev, PROXY_IO_MAX);
	bufferevent_set_max_single_write(c->bev, PROXY_WRITE_MAX);
	TAILQ_INSERT_TAIL(&px->clients, c, entry);
	proxy_conn_count(px, 1);
	log_debug("client %s: connected", c->addr_str);
	/* Reads are timed by c->timer; a client that stops reading, here. */
	ev_tv(&tv, px->cfg->proxy.read_timeout);
	bufferevent_set_timeouts(c->bev, NULL, &tv);
	proxy_client_begin(c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	return (c);
}

/* The client's output buffer, for answers made here (the FTP gateway's). */
struct evbuffer *
proxy_client_output(struct proxy_client *c)
{
	return (bufferevent_get_output(c->bev));
}

/*
 * Send an answer made here (a cache hit), all of buf, which is emptied:
 * a large one at once when nothing is queued before it (flow_add()),
 * then the flow rule of every answer made here (proxy_client_answered())
 * on what the socket did not take.
 */
void
proxy_client_send(struct proxy_client *c, struct evbuffer *buf)
{
	size_t	n = evbuffer_get_length(buf);

	flow_add(c->bev, buf, &c->px->flow);
	proxy_client_answered(c, n);
}

/* Count <n> bytes added to the client's output. */
void
proxy_client_sent(struct proxy_client *c, size_t n)
{
	c->bytes_out += n;
	c->px->stats.bytes_out += n;
}

/*
 * Count <n> bytes of an answer made here (error pages, TRACE and
 * OPTIONS answers, CONNECT's 200, cache hits) and apply the flow rule to
 * it: what feeds such answers is the client's own requests, so the
 * client is not read while its output is full (flow.h); the write
 * callback reads it again once the output has drained.
 */
void
proxy_client_answered(struct proxy_client *c, size_t n)
{
	proxy_client_sent(c, n);
	if (flow_gate(c->bev, bufferevent_get_output(c->bev), &c->px->flow))
		c->held = 1;
}

/*
 * Time the client's side of the bodies in <which> (PROXY_BODY_REQ: its
 * request body comes, timed reads; PROXY_BODY_RESP: a response body goes
 * to it, timed writes) with body-timeout; with 0, back to the ordinary
 * timeouts: reads timed by c->timer, a client that stops reading by
 * read-timeout.
 */
void
proxy_client_body_timeout(struct proxy_client *c, int which)
{
	struct cfg_proxy	*pc = &c->px->cfg->proxy;
	struct timeval		 rt, bt;

	if (c->body_timed == which)
		return;
	c->body_timed = which;
	ev_tv(&rt, pc->read_timeout);
	ev_tv(&bt, pc->body_timeout);
	bufferevent_set_timeouts(c->bev, (which & PROXY_BODY_REQ) ? &bt : NULL,
	    (which & PROXY_BODY_RESP) ? &bt : &rt);
}

/*
 * Arm the connection's timer for ms milliseconds (0: disarm): idle and
 * request head timeouts, and the time the origin has for its response
 * head (proxy_client_timer_cb()).
 */
void
proxy_client_timer(struct proxy_client *c, uint64_t ms)
{
	struct timeval	tv;

	if (ms == 0) {
		evtimer_del(c->timer);
		return;
	}
	ev_tv(&tv, ms);
	evtimer_add(c->timer, &tv);
}

/* Get ready for the next request on a connection. */
static void
proxy_client_begin(struct proxy_client *c)
{
	c->state = CLIENT_HEAD;
	c->head_started = 0;
	c->in_request = 0;
	c->retried = 0;
	c->body_sent = 0;
	c->interim = 0;
	c->tunnel = 0;
	c->resp_started = 0;
	c->status = 0;
	c->close_after = 0;
	c->bytes_in = c->bytes_out = 0;
	c->code = NULL;
	c->url[0] = c->method_str[0] = c->ctype[0] = c->hier[0] = '\0';
	c->host[0] = '\0';
	conn_addrs_clear(&c->addrs);
	c->req.state = c->resp.state = HTTP_MOVE_DONE;
	http_resume_init(&c->hr);
	proxy_client_body_timeout(c, 0);
	clock_gettime(CLOCK_MONOTONIC, &c->t_start);
	/* Between requests: the idle timeout. */
	proxy_client_timer(c, c->px->cfg->proxy.idle_timeout);
}

/*
 * Close a client connection and everything attached to it; the single
 * teardown path. <reason> is logged (debug level for the ordinary ones).
 */
void
proxy_client_close(struct proxy_client *c, const char *reason)
{
	struct proxy				*px = c->px;
	struct evdns_getaddrinfo_request	*req;

	proxy_tunnel_free(c);
	proxy_ftp_gw_free(c);
	proxy_cache_client_free(c);
	if (c->dnsreq != NULL) {
		req = c->dnsreq;
		c->dnsreq = NULL;
		evdns_getaddrinfo_cancel(req);
	}
	if (c->srv != NULL)
		proxy_server_release(c->srv, 0);
	c->srv = NULL;
	if (c->in_request) {
		if (c->code == NULL)
			c->code = c->tunnel ? "TCP_TUNNEL" : "TCP_MISS_ABORTED";
		proxy_log_request(c);
		c->in_request = 0;
	}
	log_debug("client %s: closed: %s", c->addr_str, reason);
	TAILQ_REMOVE(&px->clients, c, entry);
	conn_linger_free(c->linger);
	bufferevent_free(c->bev);
	event_free(c->timer);
	evbuffer_free(c->head_out);
	free(c);
	proxy_conn_count(px, -1);
}

/*
 * Answer the current request with an error page and close the
 * connection once the page is out. If the response has already begun,
 * the connection is just closed (the client sees a truncated response).
 */
void
proxy_client_error(struct proxy_client *c, int status, const char *reason,
    const char *code, enum proxy_err kind)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);
	size_t		 before;

	/* A stale object may stand in for the origin's failure. */
	if (proxy_cache_error(c))
		return;
	proxy_cache_abort(c);
	proxy_client_count(c, kind);
	proxy_server_detach(c, NULL);
	if (c->resp_started) {
		log_info("client %s: %s %s: %s after the response began; "
		    "closing", c->addr_str, c->method_str, c->url, reason);
		proxy_client_close(c, reason);
		return;
	}
	log_info("client %s: %s %s: %d %s", c->addr_str,
	    c->method_str[0] != '\0' ? c->method_str : "-",
	    c->url[0] != '\0' ? c->url : "-", status, reason);
	c->status = status;
	c->code = code;
	c->resp_started = 1;
	before = evbuffer_get_length(out);
	http_error_page(out, status, reason, "twin-proxy",
	    c->px->cfg->proxy.via ? c->px->via : NULL, 0);
	proxy_client_answered(c, evbuffer_get_length(out) - before);
	c->in_request = 1;
	proxy_log_request(c);
	c->in_request = 0;
	proxy_client_closing(c);
}

/*
 * Stop taking requests: send what is queued, then half-close and wait
 * briefly for the client to close, so that unread request bytes do not
 * turn our last response into a reset.
 */
static void
proxy_client_closing(struct proxy_client *c)
{
	c->state = CLIENT_CLOSING;
	proxy_client_timer(c, 0);
	c->linger = conn_linger_new(c->px->base, c->bev,
	    c->px->cfg->proxy.read_timeout, PROXY_LINGER_MS,
	    proxy_client_linger_cb, c);
	if (c->linger == NULL) {
		proxy_client_count(c, PROXY_ERR_NOMEM);
		proxy_client_close(c, "out of memory");
	}
}

/* The lingering close is over. */
static void
proxy_client_linger_cb(enum conn_linger_end why, void *arg)
{
	struct proxy_client	*c = arg;

	switch (why) {
	case CONN_LINGER_SENT:
		proxy_client_close(c, "response sent");
		break;
	case CONN_LINGER_CLOSED:
		proxy_client_close(c, "client closed");
		break;
	case CONN_LINGER_TIMEOUT:
		proxy_client_count(c, PROXY_ERR_CLIENT_TIMEOUT);
		/* FALLTHROUGH */
	case CONN_LINGER_STALLED:
		proxy_client_close(c, "client stopped reading");
		break;
	case CONN_LINGER_ERROR:
		proxy_client_close(c, "client connection error");
		break;
	}
}

/* The response on this connection is complete. */
void
proxy_client_response_done(struct proxy_client *c)
{
	struct proxy	*px = c->px;
	int		 reuse;

	proxy_cache_done(c);
	if (c->srv != NULL) {
		reuse = c->srv->keep_alive && c->req.state == HTTP_MOVE_DONE &&
		    c->resp.state == HTTP_MOVE_DONE &&
		    evbuffer_get_length(bufferevent_get_input(c->srv->bev)) ==
		    0 && !px->draining;
		proxy_server_release(c->srv, reuse);
		c->srv = NULL;
	}
	if (c->req.state != HTTP_MOVE_DONE) {
		/* The origin answered before the whole body came. */
		c->close_after = 1;
	}
	if (c->in_request) {
		proxy_log_request(c);
		c->in_request = 0;
	}
	if (c->close_after || !c->keep_alive || px->draining) {
		proxy_client_closing(c);
		return;
	}
	proxy_client_begin(c);
	/*
	 * Answers made here (cache hits, pages) have no origin to pause:
	 * pipelined requests wait while the client's output is full.
	 */
	if (c->held || flow_gate(c->bev, bufferevent_get_output(c->bev),
	    &px->flow)) {
		c->held = 1;
		return;
	}
	bufferevent_enable(c->bev, EV_READ);
	/* A pipelined request may be waiting already. */
	if (evbuffer_get_length(bufferevent_get_input(c->bev)) > 0)
		proxy_client_parse(c);
}

/* Bytes from the client. */
static void
proxy_client_read_cb(struct bufferevent *bev, void *arg)
{
	struct proxy_client	*c = arg;

	switch (c->state) {
	case CLIENT_HEAD:
		proxy_client_parse(c);
		break;
	case CLIENT_BUSY:
		if (c->req.state != HTTP_MOVE_DONE)
			proxy_server_pump_request(c);
		else {
			/*
			 * Pipelined requests wait for this one; stop reading
			 * once a head's worth is queued. (Reading stays on
			 * otherwise: toggling it costs two system calls per
			 * request, and a client that leaves is noticed.)
			 */
			flow_hold(bev, c->px->lim.max_head);
		}
		break;
	default:
		/* A relay or a lingering close has the callbacks. */
		break;
	}
}

/* The client's output has drained below the low-water mark. */
static void
proxy_client_write_cb(struct bufferevent *bev, void *arg)
{
	struct proxy_client	*c = arg;

	switch (c->state) {
	case CLIENT_BUSY:
		if (c->held) {
			/* An answer made here drained (a request body?). */
			c->held = 0;
			flow_resume(bev);
			if (c->req.state != HTTP_MOVE_DONE)
				proxy_server_pump_request(c);
		}
		/* Room again: let the origin's data flow. */
		proxy_server_resume(c);
		break;
	case CLIENT_HEAD:
		if (!c->held)
			break;
		c->held = 0;
		flow_resume(bev);
		if (evbuffer_get_length(bufferevent_get_input(bev)) > 0)
			proxy_client_parse(c);
		break;
	default:
		break;
	}
}

/* EOF, error or timeout on the client side. */
static void
proxy_client_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct proxy_client	*c = arg;

	if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_READING)) {
		/* Only read-timed while a request body comes (body-timeout). */
		proxy_client_error(c, 408, "the request body stalled: nothing "
		    "came for body-timeout", "TAG_NONE",
		    PROXY_ERR_CLIENT_TIMEOUT);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		proxy_client_count(c, PROXY_ERR_CLIENT_TIMEOUT);
		proxy_client_close(c, "client stopped reading");
		return;
	}
	if (c->state == CLIENT_BUSY)
		proxy_client_count(c, PROXY_ERR_CLIENT_ABORT);
	proxy_client_close(c, (what & BEV_EVENT_EOF) ? "client closed" :
	    "client connection error");
}

/*
 * The connection's timer: idle or request head timeout; while busy, the
 * time the origin has for its response head (proxy_server.c).
 */
static void
proxy_client_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct proxy_client	*c = arg;
	char			 reason[128];

	switch (c->state) {
	case CLIENT_HEAD:
		if (!c->head_started) {
			proxy_client_close(c, "idle timeout");
			break;
		}
		proxy_client_error(c, 408, "the request was not received "
		    "in time", "TAG_NONE", PROXY_ERR_CLIENT_TIMEOUT);
		break;
	case CLIENT_BUSY:
		if (c->srv == NULL || c->srv->head_done)
			break;
		snprintf(reason, sizeof reason, "the origin server did not "
		    "answer within %llu ms", (unsigned long long)
		    c->px->cfg->proxy.read_timeout);
		proxy_client_error(c, 504, reason, "TCP_MISS",
		    PROXY_ERR_TIMEOUT);
		break;
	default:
		break;
	}
}

/* Close idle connections, for draining. */
void
proxy_client_drain_idle(struct proxy *px)
{
	struct proxy_client	*c, *next;

	TAILQ_FOREACH_SAFE(c, &px->clients, entry, next)
		if (c->state == CLIENT_HEAD && !c->head_started)
			proxy_client_close(c, "shutting down");
}

/* Parse what the client has sent as a request head. */
static void
proxy_client_parse(struct proxy_client *c)
{
	struct proxy	*px = c->px;
	struct evbuffer	*in = bufferevent_get_input(c->bev);
	struct http_msg	*m = &px->msg;
	size_t		 len;
	const char	*buf;
	int		 rv;

	if ((len = evbuffer_get_length(in)) == 0)
		return;
	if (!c->head_started) {
		c->head_started = 1;
		clock_gettime(CLOCK_MONOTONIC, &c->t_start);
		/* Per request, so a reload's allow list applies at once. */
		c->denied = !c->internal &&
		    !proxy_acl_client(&px->cfg->proxy, &c->addr);
	}
	if (len > px->lim.max_head)
		len = px->lim.max_head;
	if ((buf = (const char *)evbuffer_pullup(in, len)) == NULL) {
		proxy_client_count(c, PROXY_ERR_NOMEM);
		proxy_client_close(c, "out of memory");
		return;
	}
	/* Only what came since the last call is looked at (lib/http.h). */
	rv = http_parse_request_more(m, &c->hr, buf, len, &px->lim);
	if (rv == HTTP_MORE) {
		/* The head is incomplete: from now on, request-timeout. */
		if (c->head_started == 1) {
			c->head_started = 2;
			proxy_client_timer(c, px->cfg->proxy.request_timeout);
		}
		/* Wait for more, but never hold more than a head. */
		if (evbuffer_get_length(in) > px->lim.max_head)
			proxy_client_error(c, 400, "request head too large",
			    "TAG_NONE", PROXY_ERR_PARSE);
		return;
	}
	if (rv == HTTP_ERROR) {
		px->stats.requests++;
		if (c->denied) {
			proxy_client_error(c, 403, "this client is not "
			    "allowed to use the proxy", "TCP_DENIED",
			    PROXY_ERR_DENIED);
			return;
		}
		/*
		 * Every malformed request gets 400, the one answer clients
		 * and log tools expect from a proxy refusing a request; the
		 * page and the log name the precise reason.
		 */
		log_info("client %s: rejected request: %s", c->addr_str,
		    m->error);
		proxy_client_error(c, 400, m->error, "TAG_NONE",
		    PROXY_ERR_PARSE);
		return;
	}
	proxy_client_request(c, m, buf);
}

/*
 * Find Max-Forwards on a TRACE or OPTIONS request. Returns 1 if the
 * proxy must answer itself (the value is 0), else 0 with *fwd the value
 * to forward (-1: none given).
 */
static int
proxy_client_max_forwards(struct proxy_client *c, struct http_msg *m,
    const char *buf, long *fwd)
{
	const struct http_header	*h;
	size_t				 i;
	long				 v = 0;

	*fwd = -1;
	if (m->method != HTTP_METHOD_TRACE && m->method != HTTP_METHOD_OPTIONS)
		return (0);
	if ((h = http_header_find(m, "max-forwards")) == NULL)
		return (0);
	for (i = 0; i < h->value_len; i++) {
		if (h->value[i] < '0' || h->value[i] > '9')
			return (0);	/* invalid: forward unchanged */
		if (v < 100000000)
			v = v * 10 + (h->value[i] - '0');
	}
	if (h->value_len == 0)
		return (0);
	if (v == 0)
		return (1);
	*fwd = v - 1;
	return (0);
}

/* A complete request head is in buf (m parsed it). */
static void
proxy_client_request(struct proxy_client *c, struct http_msg *m,
    const char *buf)
{
	struct proxy		*px = c->px;
	struct cfg_proxy	*pc = &px->cfg->proxy;
	struct evbuffer		*in = bufferevent_get_input(c->bev);
	struct evbuffer		*out = bufferevent_get_output(c->bev);
	const char		*why;
	size_t			 n, before;
	long			 fwd;

	px->stats.requests++;
	c->in_request = 1;
	c->version = m->version;
	c->method = m->method;
	c->keep_alive = http_keep_alive(m);
	n = m->method_len < sizeof c->method_str ? m->method_len :
	    sizeof c->method_str - 1;
	memcpy(c->method_str, m->method_str, n);
	c->method_str[n] = '\0';
	n = m->target_len < sizeof c->url ? m->target_len : sizeof c->url - 1;
	memcpy(c->url, m->target, n);
	c->url[n] = '\0';
	/* ftp:// may carry a password: never in the log (proxy_ftp_gw.c). */
	if (m->scheme == HTTP_SCHEME_FTP)
		proxy_ftp_gw_url(c, m);
	c->host[0] = '\0';
	if (m->host != NULL && m->host_len < sizeof c->host) {
		memcpy(c->host, m->host, m->host_len);
		c->host[m->host_len] = '\0';
	}
	c->port = m->port;
	c->bytes_in = m->head_len;
	px->stats.bytes_in += m->head_len;

	if (c->denied) {
		evbuffer_drain(in, m->head_len);
		proxy_client_error(c, 403, "this client is not allowed to use "
		    "the proxy", "TCP_DENIED", PROXY_ERR_DENIED);
		return;
	}
	if (m->method == HTTP_METHOD_CONNECT) {
		if ((why = proxy_acl_request(pc, c->host, c->port, 1)) !=
		    NULL) {
			evbuffer_drain(in, m->head_len);
			proxy_client_error(c, 403, why, "TCP_DENIED",
			    PROXY_ERR_DENIED);
			return;
		}
		evbuffer_drain(in, m->head_len);
		proxy_tunnel_start(c);
		return;
	}
	if (proxy_client_loop(c, m)) {
		evbuffer_drain(in, m->head_len);
		proxy_client_error(c, 403, "forwarding loop detected: the "
		    "request already passed through this proxy", "TCP_DENIED",
		    PROXY_ERR_DENIED);
		return;
	}
	if (m->form != HTTP_FORM_ABSOLUTE) {
		evbuffer_drain(in, m->head_len);
		proxy_client_error(c, 400, "not a proxy request: the target "
		    "must be an absolute http:// URL", "TAG_NONE",
		    PROXY_ERR_PARSE);
		return;
	}
	if (m->scheme != HTTP_SCHEME_HTTP && !(m->scheme == HTTP_SCHEME_FTP &&
	    pc->ftp_gateway)) {
		evbuffer_drain(in, m->head_len);
		proxy_client_error(c, 400, "only http:// URLs can be "
		    "forwarded; use CONNECT for https", "TAG_NONE",
		    PROXY_ERR_PARSE);
		return;
	}
	if (c->host[0] == '\0') {
		evbuffer_drain(in, m->head_len);
		proxy_client_error(c, 400, "no host in the request",
		    "TAG_NONE", PROXY_ERR_PARSE);
		return;
	}
	if ((why = proxy_acl_request(pc, c->host, c->port, 0)) != NULL) {
		evbuffer_drain(in, m->head_len);
		proxy_client_error(c, 403, why, "TCP_DENIED",
		    PROXY_ERR_DENIED);
		return;
	}
	if (proxy_client_max_forwards(c, m, buf, &fwd)) {
		/* Max-Forwards: 0 means we are the final recipient. */
		c->state = CLIENT_BUSY;
		proxy_client_timer(c, 0);
		before = evbuffer_get_length(out);
		if (m->method == HTTP_METHOD_TRACE)
			proxy_client_trace(c, m, buf);
		else
			evbuffer_add_printf(out, "HTTP/1.1 200 OK\r\n"
			    "Allow: GET, HEAD, POST, PUT, DELETE, OPTIONS, "
			    "TRACE, CONNECT\r\nContent-Length: 0\r\n\r\n");
		proxy_client_answered(c, evbuffer_get_length(out) - before);
		c->status = 200;
		c->code = "TCP_MISS";
		c->close_after = m->framing == HTTP_BODY_LENGTH ||
		    m->framing == HTTP_BODY_CHUNKED;
		evbuffer_drain(in, m->head_len);
		log_debug("client %s: %s %s answered here (Max-Forwards: 0)",
		    c->addr_str, c->method_str, c->url);
		proxy_client_response_done(c);
		return;
	}

	/* ftp:// goes to the gateway (from proxy_server_start()). */
	if (m->scheme == HTTP_SCHEME_FTP && proxy_ftp_gw_prepare(c, m) == -1)
		return;
	proxy_client_head_out(c, m, fwd);
	proxy_cache_capture(c, m, buf);
	/*
	 * Chunked bytes that came with the head are checked before any of
	 * the request goes on, so a smuggling attempt sent in one piece
	 * never reaches the origin; later ones are checked as they stream.
	 */
	http_body_init(&c->req, m->framing, m->content_length, 0, &px->lim);
	evbuffer_drain(in, m->head_len);
	log_debug("client %s: %s %s", c->addr_str, c->method_str, c->url);
	if ((why = http_body_check(&c->req, in)) != NULL) {
		proxy_client_error(c, 400, why, "TAG_NONE", PROXY_ERR_PARSE);
		return;
	}

	c->state = CLIENT_BUSY;
	proxy_client_timer(c, 0);
	/* A body that stops coming fails the request (body-timeout). */
	if (c->req.state != HTTP_MOVE_DONE)
		proxy_client_body_timeout(c, PROXY_BODY_REQ);
	if (proxy_cache_lookup(c))
		return;
	proxy_server_start(c);
}

/*
 * Echo a TRACE request answered here (RFC 9110 section 9.3.8), without
 * the fields that carry credentials: a TRACE must not hand a script the
 * cookies and passwords it could not read otherwise ("cross-site
 * tracing"). The request line goes back as received.
 */
static void
proxy_client_trace(struct proxy_client *c, struct http_msg *m,
    const char *buf)
{
	static const char *const secret[] = { "cookie", "authorization",
	    "proxy-authorization", NULL };
	struct evbuffer		*out = bufferevent_get_output(c->bev);
	struct iovec		 v[HTTP_FIELD_IOV];
	const char		*line, *eol;
	size_t			 len, llen;
	unsigned		 h;
	int			 i, k, pass;

	line = m->method_str;
	eol = memmem(line, m->head_len - (size_t)(line - buf), "\r\n", 2);
	llen = (size_t)(eol - line) + 2;
	/* Pass 0 measures the echo for Content-Length, pass 1 writes it. */
	for (pass = 0, len = llen + 2; pass < 2; pass++) {
		if (pass == 1) {
			evbuffer_add_printf(out, "HTTP/1.1 200 OK\r\n"
			    "Content-Type: message/http\r\n"
			    "Content-Length: %zu\r\n\r\n", len);
			evbuffer_add(out, line, llen);
		}
		for (h = 0; h < m->nheaders; h++) {
			for (k = 0; secret[k] != NULL; k++)
				if (http_header_is(&m->headers[h], secret[k]))
					break;
			if (secret[k] != NULL)
				continue;
			http_field_iov(&m->headers[h], v);
			for (i = 0; i < HTTP_FIELD_IOV; i++) {
				if (pass == 0)
					len += v[i].iov_len;
				else
					evbuffer_add(out, v[i].iov_base,
					    v[i].iov_len);
			}
		}
	}
	evbuffer_add(out, "\r\n", 2);
}

/*
 * Build the head sent to the origin: origin-form request line, the
 * end-to-end fields, Host if the client gave none, Via and
 * X-Forwarded-For as configured, and the framing.
 */
static void
proxy_client_head_out(struct proxy_client *c, struct http_msg *m, long fwd)
{
	struct proxy		*px = c->px;
	struct cfg_proxy	*pc = &px->cfg->proxy;
	struct evbuffer		*b = c->head_out;
	struct http_head_opts	 o;

	memset(&o, 0, sizeof o);
	o.via = pc->via ? px->via : NULL;
	o.version = m->version;
	o.xff = pc->x_forwarded_for == XFF_ON ? HTTP_XFF_APPEND :
	    pc->x_forwarded_for == XFF_DELETE ? HTTP_XFF_DELETE :
	    HTTP_XFF_KEEP;
	o.client = c->addr_str;
	o.max_forwards = fwd;
	o.host = m->authority;
	o.host_len = m->authority_len;
	evbuffer_drain(b, evbuffer_get_length(b));
	http_head_request_line(b, m);
	http_head_fields(b, m->headers, m->nheaders, &o);
	http_head_end(b, m->framing == HTTP_BODY_CHUNKED, HTTP_CONN_NONE);
}

/* Whether our own Via entry is already on the request. */
static int
proxy_client_loop(struct proxy_client *c, struct http_msg *m)
{
	const struct http_header	*h;
	size_t				 vlen = strlen(c->px->via);
	unsigned			 i;

	for (i = 0; i < m->nheaders; i++) {
		h = &m->headers[i];
		if (!http_header_is(h, "via") || h->value_len < vlen)
			continue;
		if (memmem(h->value, h->value_len, c->px->via, vlen) != NULL)
			return (1);
	}
	return (0);
}
