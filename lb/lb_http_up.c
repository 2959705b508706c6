/*
 * lb_http_up.c: connections to the servers of l7 and https clusters.
 * Takes an idle connection from the cluster's pool (lib/pool.h) or opens
 * one from the server's source address (lib/conn.h), over TLS for a
 * server marked tls (the server's transport, the one its ACV check uses
 * too); streams the request body out and the response back through
 * lib/http_body with backpressure (lib/flow), adds the persistence
 * cookie to the response head, and pools the connection when the
 * exchange left it clean.
 *
 * When a server fails a request, the request goes to the next server
 * (at most LB_TRIES_MAX in all) only if that cannot do it twice: when
 * nothing reached the server (the connection or its TLS handshake
 * failed), or, for an idempotent request without a body, when the server
 * closed without a byte of answer. A pooled connection that the server
 * had closed is first replaced by a new one to the same server, on the
 * same terms. Anything else is answered: 502 when the server refused or
 * failed, 504 when it did not connect or answer in time. A server that
 * was slow is never asked again for the same request, and a response
 * under way cannot be retried: the client's connection is closed.
 */
#include <sys/socket.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "ev.h"
#include "http_field.h"
#include "lbd.h"
#include "log.h"
#include "pool.h"

static void	 lbd_up_connect(struct lbd_client *, struct lbd_server *,
		    const char *);
static void	 lbd_up_send(struct lbd_client *);
static void	 lbd_up_tls(struct lbd_client *, struct lbd_up *);
static void	 lbd_up_read_cb(struct bufferevent *, void *);
static void	 lbd_up_write_cb(struct bufferevent *, void *);
static void	 lbd_up_event_cb(struct bufferevent *, short, void *);
static int	 lbd_up_head(struct lbd_client *, struct lbd_up *);
static int	 lbd_up_pump_response(struct lbd_client *, struct lbd_up *);
static void	 lbd_up_fail(struct lbd_client *, struct lbd_up *, int,
		    enum lbd_err, int, const char *, const char *);
static void	 lbd_up_free(struct lbd_up *);
static struct lbd_up *lbd_up_alloc(struct lbd_client *,
		    struct lbd_server *, const char *);
static int	 lbd_up_cookie(struct lbd_client *, const struct http_msg *,
		    char *, size_t);
static const struct addr *lbd_up_source(struct lbd_client *,
		    struct lbd_server *);

/*
 * Where connections to <s> leave from for client <cl>: source cluster
 * is the address the client connected to (with a wildcard listener,
 * the one it actually reached), the others as lb_cluster.c set them
 * (af 0: the kernel chooses, from the route to the server).
 */
static const struct addr *
lbd_up_source(struct lbd_client *cl, struct lbd_server *s)
{
	static struct addr	a;

	if (s->source != LB_SOURCE_CLUSTER)
		return (&s->src);
	a = cl->local;
	a.port = 0;
	return (&a);
}

/* The pool key of connections to <s> from <src>, on every request. */
void
lbd_up_key(char *buf, size_t len, const struct lbd_server *s,
    const struct addr *src)
{
	size_t	n;

	n = strlcpy(buf, s->key, len);
	if (src->af == 0 || n + 2 >= len)
		return;
	buf[n++] = '/';
	addr_ntop(src, buf + n, len - n);
}

/* A new server connection object for <cl> to <s>, pool key <key>. */
static struct lbd_up *
lbd_up_alloc(struct lbd_client *cl, struct lbd_server *s, const char *key)
{
	struct lbd_up	*up;

	if ((up = calloc(1, sizeof *up)) == NULL)
		return (NULL);
	up->d = cl->d;
	up->client = cl;
	up->srv = s;
	up->addr = s->addr;
	strlcpy(up->key, key, sizeof up->key);
	return (up);
}

/*
 * Start the current request on its server (x->pk.srv): a pooled
 * connection, unless the last one was stale, else a new one.
 */
void
lbd_up_start(struct lbd_client *cl)
{
	struct lbd_xchg		*x = &cl->x;
	struct lbd_server	*s = lbd_server_of(cl->c, x->pk.srv);
	struct lbd_up		*up;
	struct bufferevent	*bev;
	char			 key[LBD_KEY_MAX];

	if (s == NULL) {
		/* A reload removed the server while this request waited. */
		lbd_client_error(cl, 502, "the server was removed",
		    LBD_ERR_UPSTREAM);
		return;
	}
	lbd_up_key(key, sizeof key, s, lbd_up_source(cl, s));
	if (!x->fresh && (bev = pool_get(cl->c->pool, key, NULL)) != NULL) {
		if ((up = lbd_up_alloc(cl, s, key)) == NULL) {
			bufferevent_free(bev);
			lbd_client_error(cl, 503, "out of memory",
			    LBD_ERR_NOMEM);
			return;
		}
		up->bev = bev;
		up->reused = 1;
		cl->up = up;
		bufferevent_setcb(bev, lbd_up_read_cb, lbd_up_write_cb,
		    lbd_up_event_cb, up);
		log_debug("cluster %s: client %s: reusing a connection to %s",
		    cl->c->name, cl->addr_str, s->name);
		lbd_up_send(cl);
		return;
	}
	lbd_up_connect(cl, s, key);
}

/* Open a new connection to server <s>, pool key <key>. */
static void
lbd_up_connect(struct lbd_client *cl, struct lbd_server *s, const char *key)
{
	struct lbd_up		*up;
	struct conn_limits	 lim;
	struct conn_cbs		 cbs;
	const char		*op;
	char			 reason[128];
	int			 err;

	if ((up = lbd_up_alloc(cl, s, key)) == NULL) {
		lbd_client_error(cl, 503, "out of memory", LBD_ERR_NOMEM);
		return;
	}
	lim.io_max = LBD_IO_MAX;
	lim.flow = cl->d->flow;
	lim.connect_ms = cl->c->conf.connect_ms;
	cbs.read = lbd_up_read_cb;
	cbs.write = lbd_up_write_cb;
	cbs.event = lbd_up_event_cb;
	cbs.arg = up;
	up->bev = conn_connect(cl->d->base, &s->addr, lbd_up_source(cl, s),
	    &lim, &cbs, &err, &op);
	if (up->bev == NULL) {
		snprintf(reason, sizeof reason, "%s: %s", op, strerror(err));
		lbd_up_fail(cl, up, 1, LBD_ERR_CONNECT, 502, reason,
		    "the server could not be reached");
		return;
	}
	up->state = LBD_U_CONNECTING;
	cl->up = up;
}

/*
 * Connected to a tls server: move the socket into a TLS stream of the
 * server's transport (the socket bufferevent lets go of it first).
 */
static void
lbd_up_tls(struct lbd_client *cl, struct lbd_up *up)
{
	struct check_transport	*tr = up->srv->tr;
	struct bufferevent	*bev;
	struct timeval		 tv;
	char			 why[CHECK_REASONLEN];
	int			 fd;

	fd = bufferevent_getfd(up->bev);
	bufferevent_setfd(up->bev, -1);
	bufferevent_free(up->bev);
	up->bev = NULL;
	why[0] = '\0';
	if (tr == NULL || (bev = tr->open(tr->arg, cl->d->base, fd, NULL,
	    why, sizeof why)) == NULL) {
		if (tr == NULL)
			close(fd);
		lbd_up_fail(cl, up, 1, LBD_ERR_TLS, 502, why[0] != '\0' ? why :
		    "tls: cannot start", "TLS to the server failed");
		return;
	}
	up->bev = bev;
	up->state = LBD_U_HANDSHAKE;
	bufferevent_setcb(bev, lbd_up_read_cb, lbd_up_write_cb,
	    lbd_up_event_cb, up);
	flow_watch(bev, &cl->d->flow);
	bufferevent_set_max_single_read(bev, LBD_IO_MAX);
	bufferevent_set_max_single_write(bev, LBD_IO_MAX);
	ev_tv(&tv, cl->c->conf.connect_ms);
	bufferevent_set_timeouts(bev, &tv, &tv);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

/* Connected (or reused): send the head and whatever body there is. */
static void
lbd_up_send(struct lbd_client *cl)
{
	struct lbd_up	*up = cl->up;
	struct lbd_xchg	*x = &cl->x;
	struct timeval	 tv;
	size_t		 len;

	up->state = LBD_U_ACTIVE;
	up->got_bytes = up->head_done = up->keep_alive = 0;
	/*
	 * A server owes us nothing while the request body is still going
	 * out: only a stalled upload (the write timeout) counts until then.
	 */
	ev_tv(&tv, cl->c->conf.server_ms);
	bufferevent_set_timeouts(up->bev, x->req.state == HTTP_MOVE_DONE ?
	    &tv : NULL, &tv);
	/* Copied, not moved: a retry sends the same head again. */
	len = evbuffer_get_length(x->head_out);
	bufferevent_write(up->bev, evbuffer_pullup(x->head_out, len), len);
	bufferevent_enable(up->bev, EV_READ);
	up->t_sent = check_now();
	if (x->req.state != HTTP_MOVE_DONE)
		lbd_up_pump_request(cl);
	else
		flow_send(up->bev, NULL, &cl->d->flow);
}

/* Move request body bytes from the client to the server. */
void
lbd_up_pump_request(struct lbd_client *cl)
{
	struct lbd_up	*up = cl->up;
	struct lbd_xchg	*x = &cl->x;
	struct timeval	 tv;
	size_t		 moved;

	if (up == NULL || up->state != LBD_U_ACTIVE) {
		/* Not connected yet: hold a bounded amount. */
		flow_gate(cl->bev, bufferevent_get_input(cl->bev),
		    &cl->d->flow);
		return;
	}
	if (http_body_relay(&x->req, cl->bev, up->bev, &cl->d->flow,
	    &moved) == -1) {
		lbd_client_error(cl, 400, x->req.ch.error, LBD_ERR_PARSE);
		return;
	}
	flow_send(up->bev, NULL, &cl->d->flow);
	x->bytes_in += moved;
	cl->c->st.bytes_in += moved;
	if (moved > 0)
		x->body_sent = 1;
	if (x->req.state == HTTP_MOVE_DONE) {
		/* All sent: now the server must answer in time, and the
		 * client may be silent. */
		ev_tv(&tv, cl->c->conf.server_ms);
		bufferevent_set_timeouts(up->bev, &tv, &tv);
		ev_tv(&tv, cl->c->conf.client_ms);
		bufferevent_set_timeouts(cl->bev, NULL, &tv);
	}
	if (x->req.state == HTTP_MOVE_DONE ||
	    !flow_full(bufferevent_get_output(up->bev), &cl->d->flow))
		flow_resume(cl->bev);
}

/* Bytes from the server. */
static void
lbd_up_read_cb(struct bufferevent *bev, void *arg)
{
	struct lbd_up		*up = arg;
	struct lbd_client	*cl = up->client;

	up->got_bytes = 1;
	if (!up->head_done && lbd_up_head(cl, up) == -1)
		return;
	if (up->head_done) {
		lbd_up_pump_response(cl, up);
		return;
	}
	/* Interim responses only, so far. */
	flow_send(cl->bev, NULL, &cl->d->flow);
}

/*
 * The Set-Cookie value for the response to the current request, into
 * <buf>: 0, or -1 when the response gets none.
 */
static int
lbd_up_cookie(struct lbd_client *cl, const struct http_msg *m, char *buf,
    size_t len)
{
	char	 v[LB_COOKIE_VALLEN + 1];

	if (cl->x.pk.srv == NULL || !lb_cookie_want(cl->c->cl, &cl->x.pk,
	    http_header_find(m, "set-cookie") != NULL) ||
	    lb_cookie_value(cl->x.pk.srv, v) == -1 ||
	    lb_cookie_set_value(buf, len, &cl->c->cl->p.cookie, v,
	    time(NULL)) == -1)
		return (-1);
	cl->c->st.cookies++;
	return (0);
}

/*
 * Parse response heads: pass 1xx interim responses on, and stop at the
 * final one. Returns -1 when the client was closed or answered.
 */
static int
lbd_up_head(struct lbd_client *cl, struct lbd_up *up)
{
	struct lbd_xchg			*x = &cl->x;
	const struct http_limits	*lim = &cl->c->conf.resp_lim;
	struct evbuffer			*in = bufferevent_get_input(up->bev);
	struct evbuffer			*out = bufferevent_get_output(cl->bev);
	struct http_msg			*m = &cl->d->msg;
	struct http_head_opts		 o;
	const char			*buf;
	char				 setc[512], reason[256];
	size_t				 len, n, before;
	int				 rv, closing;

	for (;;) {
		if ((len = evbuffer_get_length(in)) == 0)
			return (0);
		n = len < lim->max_head ? len : lim->max_head;
		buf = (const char *)evbuffer_pullup(in, n);
		rv = http_parse_response(m, buf, n, lim, x->method);
		if (rv == HTTP_MORE) {
			if (len >= lim->max_head) {
				m->error = "response head too large";
				goto bad;
			}
			return (0);
		}
		if (rv == HTTP_ERROR)
			goto bad;
		memset(&o, 0, sizeof o);
		o.via = cl->c->conf.via ? cl->d->via : NULL;
		o.version = m->version;
		o.max_forwards = -1;
		before = evbuffer_get_length(out);
		if (m->code < 200) {
			if (m->code == 101) {
				m->error = "protocol switch (101) without an "
				    "upgrade request";
				goto bad;
			}
			/* HTTP/1.0 clients do not expect 1xx responses. */
			if (x->version >= 11) {
				lbd_head_response(out, m, &o, NULL, 0,
				    HTTP_CONN_NONE);
				lbd_client_sent(cl, evbuffer_get_length(out) -
				    before);
			}
			evbuffer_drain(in, m->head_len);
			/* A flood of 1xx waits for the client to read. */
			if (flow_gate(up->bev, out, &cl->d->flow))
				return (0);
			continue;
		}

		/* The final response. */
		if (up->srv != NULL)
			lb_server_rtt(up->srv->s, (check_now() - up->t_sent) *
			    1000);
		up->head_done = 1;
		up->keep_alive = http_keep_alive(m);
		x->status = m->code;
		x->resp_started = 1;
		http_body_init(&x->resp, m->framing, m->content_length,
		    x->version < 11, lim);
		if (x->resp.state == HTTP_MOVE_DECHUNK ||
		    x->resp.state == HTTP_MOVE_CLOSE)
			x->close_after = 1;
		closing = x->close_after || !x->keep_alive || cl->d->draining;
		lbd_head_response(out, m, &o, lbd_up_cookie(cl, m, setc,
		    sizeof setc) == 0 ? setc : NULL,
		    x->resp.state == HTTP_MOVE_CHUNKED,
		    http_head_conn(x->version, closing));
		lbd_client_sent(cl, evbuffer_get_length(out) - before);
		evbuffer_drain(in, m->head_len);
		return (0);
	}
bad:
	snprintf(reason, sizeof reason, "invalid response: %s", m->error);
	lbd_up_fail(cl, up, 0, LBD_ERR_UPSTREAM, 502, reason,
	    "the server sent an invalid response");
	return (-1);
}

/*
 * Move response body bytes to the client; finish the exchange at the
 * end of the body. Returns -1 when the exchange ended (or the client).
 */
static int
lbd_up_pump_response(struct lbd_client *cl, struct lbd_up *up)
{
	struct lbd_xchg	*x = &cl->x;
	size_t		 moved;

	if (http_body_relay(&x->resp, up->bev, cl->bev, &cl->d->flow,
	    &moved) == -1) {
		log_info("cluster %s: server %s: bad chunked response body: "
		    "%s", cl->c->name, up->srv != NULL ? up->srv->name : "-",
		    x->resp.ch.error);
		if (up->srv != NULL)
			up->srv->failures++;
		lbd_client_count(cl, LBD_ERR_UPSTREAM);
		lbd_client_close(cl, "bad chunked body from the server");
		return (-1);
	}
	lbd_client_sent(cl, moved);
	x->body_out += moved;
	/* The head and what came of the body, in one write. */
	flow_send(cl->bev, x->resp.state == HTTP_MOVE_DONE ? NULL : up->bev,
	    &cl->d->flow);
	if (x->resp.state == HTTP_MOVE_DONE) {
		lbd_client_response_done(cl);
		return (-1);
	}
	return (0);
}

/*
 * The client's output drained: read the server again, and act on what
 * it sent already.
 */
void
lbd_up_resume(struct lbd_client *cl)
{
	struct lbd_up	*up = cl->up;

	if (up == NULL || up->state != LBD_U_ACTIVE)
		return;
	flow_resume(up->bev);
	if (evbuffer_get_length(bufferevent_get_input(up->bev)) > 0)
		lbd_up_read_cb(up->bev, up);
}

/* The server's output drained: the client may send more body. */
static void
lbd_up_write_cb(struct bufferevent *bev, void *arg)
{
	struct lbd_up		*up = arg;
	struct lbd_client	*cl = up->client;

	if (up->state != LBD_U_ACTIVE)
		return;
	if (cl->x.req.state != HTTP_MOVE_DONE) {
		bufferevent_enable(cl->bev, EV_READ);
		lbd_up_pump_request(cl);
	}
}

/*
 * The request failed on connection <up> (freed here) of its server: log
 * <why> with the server, and send the request on to another server when
 * <retry> says it may and one is left; otherwise answer <status> with
 * page text <page> (static).
 */
static void
lbd_up_fail(struct lbd_client *cl, struct lbd_up *up, int retry,
    enum lbd_err kind, int status, const char *why, const char *page)
{
	struct lbd_server	*s = up->srv;

	if (cl->up == up)
		cl->up = NULL;
	lbd_up_free(up);
	if (s != NULL)
		s->failures++;
	log_info("cluster %s: client %s: server %s: %s", cl->c->name,
	    cl->addr_str, s != NULL ? s->name : "-", why);
	if (retry && lbd_client_reroute(cl, s) == 0) {
		log_info("cluster %s: client %s: %s sent on to server %s",
		    cl->c->name, cl->addr_str, cl->x.reqline,
		    cl->x.logsrv->name);
		cl->x.fresh = 0;
		lbd_up_start(cl);
		return;
	}
	lbd_client_error(cl, status, page, kind);
}

/* Connected, EOF, error or timeout on a server connection. */
static void
lbd_up_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct lbd_up		*up = arg;
	struct lbd_client	*cl = up->client;
	struct lbd_xchg		*x = &cl->x;
	char			 why[CHECK_REASONLEN + 32];
	int			 err = EVUTIL_SOCKET_ERROR();

	switch (up->state) {
	case LBD_U_CONNECTING:
		if (what & BEV_EVENT_CONNECTED) {
			if (up->srv != NULL && up->srv->tls)
				lbd_up_tls(cl, up);
			else
				lbd_up_send(cl);
			return;
		}
		if (what & BEV_EVENT_TIMEOUT) {
			lbd_up_fail(cl, up, 1, LBD_ERR_CONNECT_TIMEOUT, 504,
			    "connect timed out", "the server could not be "
			    "reached in time");
			return;
		}
		snprintf(why, sizeof why, "connect: %s",
		    strerror(err != 0 ? err : ECONNREFUSED));
		lbd_up_fail(cl, up, 1, LBD_ERR_CONNECT, 502, why,
		    "the server could not be reached");
		return;
	case LBD_U_HANDSHAKE:
		if (what & BEV_EVENT_CONNECTED) {
			lbd_up_send(cl);
			return;
		}
		if (what & BEV_EVENT_TIMEOUT)
			strlcpy(why, "tls: handshake timed out", sizeof why);
		else {
			strlcpy(why, "tls: handshake failed", sizeof why);
			if (up->srv != NULL && up->srv->tr != NULL &&
			    up->srv->tr->error != NULL)
				up->srv->tr->error(up->srv->tr->arg, bev, why,
				    sizeof why);
		}
		lbd_up_fail(cl, up, 1, LBD_ERR_TLS, 502, why,
		    "TLS to the server failed");
		return;
	case LBD_U_ACTIVE:
		break;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		if (!up->head_done) {
			lbd_up_fail(cl, up, 0, LBD_ERR_TIMEOUT, 504, "no "
			    "answer in time", "the server did not answer in "
			    "time");
			return;
		}
		lbd_client_count(cl, LBD_ERR_TIMEOUT);
		lbd_client_close(cl, "the server stopped sending");
		return;
	}
	if (!up->head_done) {
		if (up->reused && !up->got_bytes && !x->body_sent &&
		    !x->fresh && x->idempotent) {
			/* A pooled connection the server had closed. */
			log_debug("cluster %s: client %s: pooled connection "
			    "to %s was closed; again on a new one",
			    cl->c->name, cl->addr_str, up->srv != NULL ?
			    up->srv->name : "-");
			cl->up = NULL;
			lbd_up_free(up);
			x->fresh = 1;
			lbd_up_start(cl);
			return;
		}
		snprintf(why, sizeof why, "%s before answering",
		    (what & BEV_EVENT_EOF) ? "closed the connection" :
		    "connection error");
		lbd_up_fail(cl, up, !up->got_bytes && !x->body_sent &&
		    x->idempotent, LBD_ERR_UPSTREAM, 502, why,
		    "the server closed the connection without answering");
		return;
	}
	if (x->resp.state == HTTP_MOVE_CLOSE && (what & BEV_EVENT_EOF)) {
		/* The end of a close-delimited body. */
		if (lbd_up_pump_response(cl, up) == -1)
			return;
		up->keep_alive = 0;
		x->resp.state = HTTP_MOVE_DONE;
		lbd_client_response_done(cl);
		return;
	}
	if (up->srv != NULL)
		up->srv->failures++;
	lbd_client_count(cl, LBD_ERR_UPSTREAM);
	log_info("cluster %s: client %s: %s: server %s closed mid-response",
	    cl->c->name, cl->addr_str, x->reqline, up->srv != NULL ?
	    up->srv->name : "-");
	lbd_client_close(cl, "server closed mid-response");
}

/*
 * Detach a server connection from its client: into the pool of its
 * server's cluster when <reuse> (and the pool has room), else close it.
 */
void
lbd_up_release(struct lbd_up *up, int reuse)
{
	up->client = NULL;
	if (reuse && up->srv != NULL && up->state == LBD_U_ACTIVE &&
	    pool_put(up->srv->c->pool, up->key, &up->addr, up->bev) == 0) {
		free(up);
		return;
	}
	lbd_up_free(up);
}

/* Close a server connection. */
static void
lbd_up_free(struct lbd_up *up)
{
	if (up->bev != NULL)
		bufferevent_free(up->bev);
	free(up);
}
