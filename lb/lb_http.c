/*
 * lb_http.c: client connections of l7 and https clusters. Terminates TLS
 * (https), reads request heads through the strict parser, routes every
 * request (lb_route: per request, except that once-only routes only the
 * first of a connection), writes the head the server gets and hands the
 * exchange to lb_http_up.c; answers what no server can with a page of
 * its own (503 when no server is available), logs one line per request,
 * and keeps the connection alive between requests.
 *
 * A connection holds a slot of its server (what maxconn counts) while a
 * request of it is being served; under once-only, for as long as it is
 * bound to that server. The slot is given back when the exchange, or the
 * binding, ends, and on every path that closes the connection.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>

#include "conn.h"
#include "ev.h"
#include "http_field.h"
#include "http_status.h"
#include "lbd.h"
#include "log.h"
#include "logfile.h"
#include "pool.h"
#include "tls.h"

static void	 lbd_client_read_cb(struct bufferevent *, void *);
static void	 lbd_client_write_cb(struct bufferevent *, void *);
static void	 lbd_client_event_cb(struct bufferevent *, short, void *);
static void	 lbd_client_timer_cb(evutil_socket_t, short, void *);
static void	 lbd_client_timer(struct lbd_client *, uint64_t);
static void	 lbd_client_begin(struct lbd_client *);
static void	 lbd_client_parse(struct lbd_client *);
static void	 lbd_client_request(struct lbd_client *, struct http_msg *);
static int	 lbd_client_route(struct lbd_client *);
static void	 lbd_client_head_out(struct lbd_client *,
		    const struct http_msg *);
static void	 lbd_client_closing(struct lbd_client *);
static void	 lbd_client_linger_cb(enum conn_linger_end, void *);
static void	 lbd_client_copy(char *, size_t, const struct http_msg *,
		    const char *);
static void	 lbd_client_once_note(struct lbd_client *);

/* Count an error of a kind. */
void
lbd_client_count(struct lbd_client *cl, enum lbd_err e)
{
	cl->c->st.errors[e]++;
}

/* Count <n> bytes added to the client's output. */
void
lbd_client_sent(struct lbd_client *cl, size_t n)
{
	cl->x.bytes_out += n;
	cl->c->st.bytes_out += n;
}

/*
 * Accept connection <fd> from <sa> to <local> for cluster <c>: a TLS
 * server stream for https clusters, a plain one otherwise.
 */
void
lbd_client_new(struct lbd *d, struct lbd_cluster *c, int fd,
    const struct sockaddr *sa, int salen, const struct addr *local)
{
	struct lbd_client	*cl;
	struct timeval		 tv;
	SSL			*ssl = NULL;
	int			 on = 1;

	if ((cl = calloc(1, sizeof *cl)) == NULL) {
		log_warn("client: calloc");
		c->st.errors[LBD_ERR_NOMEM]++;
		close(fd);
		return;
	}
	cl->d = d;
	cl->c = c;
	cl->local = *local;
	if (addr_from_sa(&cl->addr, sa, salen) == -1)
		memset(&cl->addr, 0, sizeof cl->addr);
	addr_ntop(&cl->addr, cl->addr_str, sizeof cl->addr_str);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	if (c->conf.https) {
		if ((ssl = tls_server_ssl(c->tls)) != NULL)
			cl->bev = bufferevent_openssl_socket_new(d->base, fd,
			    ssl, BUFFEREVENT_SSL_ACCEPTING,
			    BEV_OPT_CLOSE_ON_FREE);
		cl->state = LBD_C_HANDSHAKE;
	} else {
		cl->bev = bufferevent_socket_new(d->base, fd,
		    BEV_OPT_CLOSE_ON_FREE);
		cl->state = LBD_C_IDLE;
	}
	cl->timer = evtimer_new(d->base, lbd_client_timer_cb, cl);
	cl->x.head_out = evbuffer_new();
	if (cl->bev == NULL || cl->timer == NULL || cl->x.head_out == NULL) {
		log_warnx("cluster %s: client %s: out of memory", c->name,
		    cl->addr_str);
		c->st.errors[LBD_ERR_NOMEM]++;
		if (cl->bev != NULL)
			bufferevent_free(cl->bev);
		else {
			SSL_free(ssl);
			close(fd);
		}
		if (cl->timer != NULL)
			event_free(cl->timer);
		if (cl->x.head_out != NULL)
			evbuffer_free(cl->x.head_out);
		free(cl);
		return;
	}
	if (c->conf.https)
		bufferevent_openssl_set_allow_dirty_shutdown(cl->bev, 1);
	bufferevent_setcb(cl->bev, lbd_client_read_cb, lbd_client_write_cb,
	    lbd_client_event_cb, cl);
	flow_watch(cl->bev, &d->flow);
	bufferevent_set_max_single_read(cl->bev, LBD_IO_MAX);
	bufferevent_set_max_single_write(cl->bev, LBD_IO_MAX);
	/* Reads are timed by cl->timer; a client that stops reading, here. */
	ev_tv(&tv, c->conf.client_ms);
	bufferevent_set_timeouts(cl->bev, NULL, &tv);
	TAILQ_INSERT_TAIL(&d->clients, cl, entry);
	lbd_cluster_ref(c);
	c->st.conns++;
	lbd_conn_count(d, 1);
	log_debug("cluster %s: client %s: connected", c->name, cl->addr_str);
	lbd_client_begin(cl);
	/*
	 * Output is sent by flow_send() as it is queued; the write event is
	 * armed only for what the socket does not take (TLS: libevent's).
	 */
	if (c->conf.https)
		bufferevent_enable(cl->bev, EV_READ | EV_WRITE);
	else {
		/* A new bufferevent has EV_WRITE on: off until needed. */
		bufferevent_disable(cl->bev, EV_WRITE);
		bufferevent_enable(cl->bev, EV_READ);
	}
}

/* Arm the connection's timer for <ms> milliseconds (0: disarm). */
static void
lbd_client_timer(struct lbd_client *cl, uint64_t ms)
{
	struct timeval	tv;

	if (ms == 0) {
		evtimer_del(cl->timer);
		return;
	}
	ev_tv(&tv, ms);
	evtimer_add(cl->timer, &tv);
}

/*
 * Get ready for the next request: the first of a connection (or its TLS
 * handshake) must come within client-timeout, a later one within
 * idle-timeout.
 */
static void
lbd_client_begin(struct lbd_client *cl)
{
	struct lbd_xchg	*x = &cl->x;
	struct evbuffer	*ho = x->head_out;

	memset(x, 0, offsetof(struct lbd_xchg, reqline));
	x->reqline[0] = x->referer[0] = x->agent[0] = x->srvname[0] = '\0';
	x->head_out = ho;
	evbuffer_drain(ho, evbuffer_get_length(ho));
	x->req.state = x->resp.state = HTTP_MOVE_DONE;
	if (cl->state != LBD_C_HANDSHAKE)
		cl->state = LBD_C_IDLE;
	lbd_client_timer(cl, cl->nreq == 0 ? cl->c->conf.client_ms :
	    cl->c->conf.idle_ms);
}

/* Give back the server slot the connection holds, if any. */
void
lbd_client_unslot(struct lbd_client *cl)
{
	if (cl->slot == NULL)
		return;
	lb_server_release(cl->slot->s);
	cl->slot = NULL;
}

/*
 * Close a client connection and everything attached to it; the single
 * teardown path. <reason> is logged at debug level.
 */
void
lbd_client_close(struct lbd_client *cl, const char *reason)
{
	struct lbd		*d = cl->d;
	struct lbd_cluster	*c = cl->c;

	if (cl->up != NULL) {
		lbd_up_release(cl->up, 0);
		cl->up = NULL;
	}
	lbd_client_unslot(cl);
	if (cl->state == LBD_C_BUSY && !cl->x.logged)
		lbd_log_request(cl);
	log_debug("cluster %s: client %s: closed: %s", c->name, cl->addr_str,
	    reason);
	TAILQ_REMOVE(&d->clients, cl, entry);
	conn_linger_free(cl->linger);
	bufferevent_free(cl->bev);
	event_free(cl->timer);
	evbuffer_free(cl->x.head_out);
	free(cl);
	lbd_cluster_unref(c);
	lbd_conn_count(d, -1);
}

/*
 * Answer the current request with error page <status> (<reason> is ours,
 * static) and close once it is out. If the response has begun already,
 * the connection is just closed: the client sees it cut short.
 */
void
lbd_client_error(struct lbd_client *cl, int status, const char *reason,
    enum lbd_err kind)
{
	struct lbd_xchg		*x = &cl->x;
	struct evbuffer		*out = bufferevent_get_output(cl->bev);
	struct evbuffer_ptr	 p;
	size_t			 before;

	lbd_client_count(cl, kind);
	if (cl->up != NULL) {
		lbd_up_release(cl->up, 0);
		cl->up = NULL;
	}
	if (x->resp_started) {
		log_info("cluster %s: client %s: %s: %s after the response "
		    "began; closing", cl->c->name, cl->addr_str, x->reqline,
		    reason);
		lbd_client_close(cl, reason);
		return;
	}
	log_info("cluster %s: client %s: %s: %d %s", cl->c->name,
	    cl->addr_str, x->reqline[0] != '\0' ? x->reqline : "-", status,
	    reason);
	x->status = status;
	x->resp_started = 1;
	before = evbuffer_get_length(out);
	http_error_page(out, status, reason, "twin-lb",
	    cl->c->conf.via ? cl->d->via : NULL, 0);
	lbd_client_sent(cl, evbuffer_get_length(out) - before);
	/* The log counts the page's body, as for a server's response. */
	if (evbuffer_ptr_set(out, &p, before, EVBUFFER_PTR_SET) == 0 &&
	    (p = evbuffer_search(out, "\r\n\r\n", 4, &p)).pos >= 0)
		x->body_out = evbuffer_get_length(out) - (size_t)p.pos - 4;
	lbd_log_request(cl);
	lbd_client_closing(cl);
}

/*
 * Stop taking requests: send what is queued, then half-close and wait a
 * little for the client to close, so that request bytes it is still
 * sending do not turn the last response into a reset.
 */
static void
lbd_client_closing(struct lbd_client *cl)
{
	lbd_client_unslot(cl);
	cl->state = LBD_C_CLOSING;
	lbd_client_timer(cl, 0);
	cl->linger = conn_linger_new(cl->d->base, cl->bev,
	    cl->c->conf.client_ms, LBD_LINGER_MS, lbd_client_linger_cb, cl);
	if (cl->linger == NULL) {
		lbd_client_count(cl, LBD_ERR_NOMEM);
		lbd_client_close(cl, "out of memory");
	}
}

/* The lingering close is over. */
static void
lbd_client_linger_cb(enum conn_linger_end why, void *arg)
{
	lbd_client_close(arg, conn_linger_str(why));
}

/* The response on this connection is complete. */
void
lbd_client_response_done(struct lbd_client *cl)
{
	struct lbd	*d = cl->d;
	struct lbd_xchg	*x = &cl->x;
	struct lbd_up	*up = cl->up;
	int		 reuse;

	if (up != NULL) {
		reuse = up->keep_alive && x->req.state == HTTP_MOVE_DONE &&
		    x->resp.state == HTTP_MOVE_DONE &&
		    evbuffer_get_length(bufferevent_get_input(up->bev)) == 0 &&
		    !d->draining;
		lbd_up_release(up, reuse);
		cl->up = NULL;
	}
	if (!cl->c->cl->p.once_only)
		lbd_client_unslot(cl);
	/* The server answered before the whole request body came. */
	if (x->req.state != HTTP_MOVE_DONE)
		x->close_after = 1;
	lbd_log_request(cl);
	if (x->close_after || !x->keep_alive || d->draining) {
		lbd_client_closing(cl);
		return;
	}
	lbd_client_begin(cl);
	/* Pipelined requests wait while the client's output is full. */
	if (flow_gate(cl->bev, bufferevent_get_output(cl->bev), &d->flow)) {
		cl->held = 1;
		return;
	}
	bufferevent_enable(cl->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_input(cl->bev)) > 0)
		lbd_client_parse(cl);
}

/* Bytes from the client. */
static void
lbd_client_read_cb(struct bufferevent *bev, void *arg)
{
	struct lbd_client	*cl = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);

	switch (cl->state) {
	case LBD_C_HANDSHAKE:
	case LBD_C_IDLE:
	case LBD_C_HEAD:
		lbd_client_parse(cl);
		break;
	case LBD_C_BUSY:
		if (cl->x.req.state != HTTP_MOVE_DONE)
			lbd_up_pump_request(cl);
		else if (evbuffer_get_length(in) >=
		    cl->c->conf.req_lim.max_head) {
			/* Pipelined requests wait for this one. */
			bufferevent_disable(bev, EV_READ);
		}
		break;
	case LBD_C_CLOSING:
		break;
	}
}

/* The client's output has drained below the low-water mark. */
static void
lbd_client_write_cb(struct bufferevent *bev, void *arg)
{
	struct lbd_client	*cl = arg;

	switch (cl->state) {
	case LBD_C_BUSY:
		lbd_up_resume(cl);
		break;
	case LBD_C_IDLE:
	case LBD_C_HEAD:
		if (!cl->held)
			break;
		cl->held = 0;
		flow_resume(bev);
		if (evbuffer_get_length(bufferevent_get_input(bev)) > 0)
			lbd_client_parse(cl);
		break;
	default:
		break;
	}
}

/* TLS handshake done, EOF, error or timeout on the client side. */
static void
lbd_client_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct lbd_client	*cl = arg;
	unsigned long		 e;
	char			 buf[128];

	if (what & BEV_EVENT_CONNECTED) {
		if (cl->state == LBD_C_HANDSHAKE)
			cl->state = LBD_C_IDLE;
		cl->c->st.handshakes++;
		if (SSL_session_reused(bufferevent_openssl_get_ssl(bev)))
			cl->c->st.resumed++;
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		if ((what & BEV_EVENT_READING) && cl->state == LBD_C_BUSY) {
			lbd_client_error(cl, 408, "the request body was not "
			    "received in time", LBD_ERR_CLIENT_TIMEOUT);
			return;
		}
		lbd_client_count(cl, LBD_ERR_CLIENT_TIMEOUT);
		lbd_client_close(cl, "client stopped reading");
		return;
	}
	if (cl->state == LBD_C_HANDSHAKE) {
		lbd_client_count(cl, LBD_ERR_HANDSHAKE);
		if ((e = bufferevent_get_openssl_error(bev)) != 0) {
			ERR_error_string_n(e, buf, sizeof buf);
			log_debug("cluster %s: client %s: TLS handshake "
			    "failed: %s", cl->c->name, cl->addr_str, buf);
		}
		lbd_client_close(cl, "TLS handshake failed");
		return;
	}
	if (cl->state == LBD_C_BUSY)
		lbd_client_count(cl, LBD_ERR_CLIENT_ABORT);
	lbd_client_close(cl, (what & BEV_EVENT_EOF) ? "client closed" :
	    "client connection error");
}

/* The connection's timer: handshake, idle or head timeout. */
static void
lbd_client_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct lbd_client	*cl = arg;

	switch (cl->state) {
	case LBD_C_HANDSHAKE:
		lbd_client_count(cl, LBD_ERR_CLIENT_TIMEOUT);
		lbd_client_close(cl, "TLS handshake timed out");
		break;
	case LBD_C_IDLE:
		lbd_client_close(cl, "idle timeout");
		break;
	case LBD_C_HEAD:
		lbd_client_error(cl, 408, "the request was not received in "
		    "time", LBD_ERR_CLIENT_TIMEOUT);
		break;
	default:
		break;
	}
}

/* Close idle connections, for draining. */
void
lbd_client_drain_idle(struct lbd *d)
{
	struct lbd_client	*cl, *next;

	TAILQ_FOREACH_SAFE(cl, &d->clients, entry, next)
		if (cl->state == LBD_C_IDLE || cl->state == LBD_C_HANDSHAKE)
			lbd_client_close(cl, "shutting down");
}

/* Parse what the client has sent as a request head. */
static void
lbd_client_parse(struct lbd_client *cl)
{
	const struct http_limits	*lim = &cl->c->conf.req_lim;
	struct evbuffer			*in = bufferevent_get_input(cl->bev);
	struct http_msg			*m = &cl->d->msg;
	size_t				 len, n;
	const char			*buf;
	int				 rv;

	if ((len = evbuffer_get_length(in)) == 0)
		return;
	if (cl->state != LBD_C_HEAD) {
		/* From the first byte on, the head has client-timeout. */
		cl->state = LBD_C_HEAD;
		clock_gettime(CLOCK_REALTIME, &cl->x.t_start);
		cl->x.t0 = check_now();
		lbd_client_timer(cl, cl->c->conf.client_ms);
	}
	n = len < lim->max_head ? len : lim->max_head;
	if ((buf = (const char *)evbuffer_pullup(in, n)) == NULL) {
		lbd_client_count(cl, LBD_ERR_NOMEM);
		lbd_client_close(cl, "out of memory");
		return;
	}
	rv = http_parse_request(m, buf, n, lim);
	if (rv == HTTP_MORE) {
		if (len >= lim->max_head)
			lbd_client_error(cl, 431, "request head too large",
			    LBD_ERR_PARSE);
		return;
	}
	if (rv == HTTP_ERROR) {
		cl->c->st.requests++;
		log_info("cluster %s: client %s: rejected request: %s",
		    cl->c->name, cl->addr_str, m->error);
		lbd_client_error(cl, m->status, m->error, LBD_ERR_PARSE);
		return;
	}
	lbd_client_request(cl, m);
}

/* Copy field <name> of <m> for the log, cut to <len> - 1 bytes. */
static void
lbd_client_copy(char *dst, size_t len, const struct http_msg *m,
    const char *name)
{
	const struct http_header	*h;
	size_t				 n;

	dst[0] = '\0';
	if ((h = http_header_find(m, name)) == NULL)
		return;
	n = h->value_len < len ? h->value_len : len - 1;
	memcpy(dst, h->value, n);
	dst[n] = '\0';
}

/*
 * Once-only: the first request of the connection bound it to a server,
 * and the rest go there unexamined. Say once, at debug level, what that
 * means for persistence, since it is the surprise of once-only.
 */
static void
lbd_client_once_note(struct lbd_client *cl)
{
	const struct lb_cluster	*m = cl->c->cl;

	if (cl->once_logged || log_getverbose() == 0)
		return;
	cl->once_logged = 1;
	if (m->p.persist == LB_PERSIST_COOKIE && m->p.cookie.age != 0)
		log_debug("cluster %s: client %s: once-only: later requests "
		    "of this connection go to %s unexamined, and their "
		    "responses do not renew the cookie; should it expire "
		    "(cookie-age %llus) while the connection lasts, the "
		    "client's next connection loses its server (once-only "
		    "no, or cookie-age 0, avoids this)", cl->c->name,
		    cl->addr_str, cl->slot != NULL ? cl->slot->name : "-",
		    (unsigned long long)(m->p.cookie.age / 1000));
	else
		log_debug("cluster %s: client %s: once-only: later requests "
		    "of this connection go to %s unexamined", cl->c->name,
		    cl->addr_str, cl->slot != NULL ? cl->slot->name : "-");
}

/*
 * Route the current request (x->rr filled): lb_route, and the slot that
 * comes with a new choice. -1 when no server can take it.
 */
static int
lbd_client_route(struct lbd_client *cl)
{
	struct lbd_xchg		*x = &cl->x;
	struct lbd_server	*s;

	x->how = lb_route(cl->c->cl, &x->rr, &x->pk);
	x->routed = 1;
	if (x->pk.srv == NULL) {
		x->logsrv = NULL;
		return (-1);
	}
	s = lbd_server_of(cl->c, x->pk.srv);
	if (x->how == LB_ROUTE_SELECTED) {
		/* lb_select took a slot on it. */
		lbd_client_unslot(cl);
		cl->slot = s;
	} else
		lbd_client_once_note(cl);
	x->logsrv = s;
	strlcpy(x->srvname, s->name, sizeof x->srvname);
	s->requests++;
	log_debug("cluster %s: client %s: %s -> %s (%s)", cl->c->name,
	    cl->addr_str, x->reqline, s->name, x->how == LB_ROUTE_BOUND ?
	    "once-only" : lb_reason_str(x->pk.reason));
	return (0);
}

/*
 * Server <failed> could not take the current request: route it again,
 * that server and those tried before it avoided. -1 when no other may
 * be tried (LB_TRIES_MAX in all, or no server left).
 */
int
lbd_client_reroute(struct lbd_client *cl, struct lbd_server *failed)
{
	struct lbd_xchg		*x = &cl->x;
	struct http_msg		*m = &cl->d->msg;
	struct http_limits	 lim;
	size_t			 len;
	const char		*buf;

	if (failed == NULL || x->rr.navoid + 1 >= LB_TRIES_MAX)
		return (-1);
	x->rr.avoid[x->rr.navoid++] = failed->s;
	x->rr.bound = NULL;
	/*
	 * The client's head is gone; the one written for the server has
	 * what routing reads (the URI, Host), without our cookie, whose
	 * server is the one that failed.
	 */
	len = evbuffer_get_length(x->head_out);
	lim.max_line = lim.max_head = len;
	lim.max_headers = HTTP_MAX_HEADERS;
	if ((buf = (const char *)evbuffer_pullup(x->head_out, len)) == NULL ||
	    http_parse_request(m, buf, len, &lim) != HTTP_DONE)
		return (-1);
	x->rr.m = m;
	x->rr.now = check_now();
	lbd_client_unslot(cl);
	if (lbd_client_route(cl) == -1)
		return (-1);
	x->rr.m = NULL;
	cl->c->st.retries++;
	return (0);
}

/* Build the head the server gets (x->head_out). */
static void
lbd_client_head_out(struct lbd_client *cl, const struct http_msg *m)
{
	const struct lbd_conf	*cf = &cl->c->conf;
	const struct lb_cluster	*mc = cl->c->cl;
	struct http_head_opts	 o;
	char			 fwd[ADDR_STRLEN + 32];

	memset(&o, 0, sizeof o);
	o.via = cf->via ? cl->d->via : NULL;
	o.version = m->version;
	o.xff = cf->xff;
	o.client = cl->addr_str;
	o.max_forwards = -1;
	o.host = m->authority;
	o.host_len = m->authority_len;
	if (cf->forwarded) {
		lbd_forwarded(fwd, sizeof fwd, &cl->addr, cf->https);
		o.forwarded = fwd;
	}
	evbuffer_drain(cl->x.head_out, evbuffer_get_length(cl->x.head_out));
	lbd_head_request(cl->x.head_out, m, &o,
	    mc->p.persist == LB_PERSIST_COOKIE ? mc->p.cookie.name : NULL);
}

/* A complete request head is in the input (m parsed it). */
static void
lbd_client_request(struct lbd_client *cl, struct http_msg *m)
{
	struct lbd_cluster	*c = cl->c;
	struct lbd_xchg		*x = &cl->x;
	struct evbuffer		*in = bufferevent_get_input(cl->bev);
	struct timeval		 tv;
	const char		*why;

	c->st.requests++;
	cl->nreq++;
	cl->state = LBD_C_BUSY;
	lbd_client_timer(cl, 0);
	x->version = m->version;
	x->method = m->method;
	x->keep_alive = http_keep_alive(m);
	x->idempotent = lbd_idempotent(m);
	lbd_reqline(x->reqline, sizeof x->reqline, m);
	lbd_client_copy(x->referer, sizeof x->referer, m, "referer");
	lbd_client_copy(x->agent, sizeof x->agent, m, "user-agent");
	x->bytes_in = m->head_len;
	c->st.bytes_in += m->head_len;

	if (m->method == HTTP_METHOD_CONNECT) {
		evbuffer_drain(in, m->head_len);
		lbd_client_error(cl, 405, "a cluster does not tunnel (no "
		    "CONNECT)", LBD_ERR_PARSE);
		return;
	}
	memset(&x->rr, 0, sizeof x->rr);
	x->rr.m = m;
	x->rr.client = &cl->addr;
	x->rr.now = x->t0;
	x->rr.bound = cl->slot != NULL && c->cl->p.once_only ?
	    cl->slot->s : NULL;
	if (lbd_client_route(cl) == -1) {
		evbuffer_drain(in, m->head_len);
		lbd_client_error(cl, 503, "no server is available",
		    LBD_ERR_NOSERVER);
		return;
	}
	x->rr.m = NULL;
	lbd_client_head_out(cl, m);
	/*
	 * Chunked bytes that came with the head are checked before any of
	 * the request goes on, so that a smuggling attempt sent in one
	 * piece never reaches a server; later ones as they stream.
	 */
	http_body_init(&x->req, m->framing, m->content_length, 0,
	    &c->conf.req_lim);
	evbuffer_drain(in, m->head_len);
	if ((why = http_body_check(&x->req, in)) != NULL) {
		lbd_client_error(cl, 400, why, LBD_ERR_PARSE);
		return;
	}
	/* A body must keep coming: client-timeout between its pieces. */
	ev_tv(&tv, c->conf.client_ms);
	if (x->req.state != HTTP_MOVE_DONE)
		bufferevent_set_timeouts(cl->bev, &tv, &tv);
	lbd_up_start(cl);
}

/*
 * A reload replaced cluster <old> by <c>: move <old>'s connections to
 * it, each pointer to a server of <old> to <c>'s server of the same name
 * (none when the reload removed it: the exchange goes on, its server no
 * longer counted). lbd_cluster_carry gave <c>'s servers the connection
 * counts of <old>'s, so the slots held stay right.
 */
void
lbd_client_repoint(struct lbd *d, struct lbd_cluster *old,
    struct lbd_cluster *c)
{
	struct lbd_client	*cl;
	struct lbd_xchg		*x;
	struct lbd_server	*s;
	size_t			 i, n;

#define MAPSRV(p)	((p) == NULL ? NULL : lbd_server_find(c, (p)->name))
#define MAPMODEL(p)	((p) == NULL || (s = lbd_server_find(c,		\
			    (p)->name)) == NULL ? NULL : s->s)
	TAILQ_FOREACH(cl, &d->clients, entry) {
		if (cl->c != old)
			continue;
		x = &cl->x;
		cl->c = c;
		lbd_cluster_ref(c);
		lbd_cluster_unref(old);
		cl->slot = MAPSRV(cl->slot);
		x->logsrv = MAPSRV(x->logsrv);
		x->pk.srv = MAPMODEL(x->pk.srv);
		x->rr.bound = MAPMODEL(x->rr.bound);
		for (i = n = 0; i < x->rr.navoid; i++)
			if ((x->rr.avoid[n] = MAPMODEL(x->rr.avoid[i])) !=
			    NULL)
				n++;
		x->rr.navoid = n;
		if (cl->up != NULL)
			cl->up->srv = MAPSRV(cl->up->srv);
	}
#undef MAPSRV
#undef MAPMODEL
}
