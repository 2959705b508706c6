/*
 * mon_httpd.c: the center's small HTTP/1.1 server, for the agents'
 * listeners (HTTPS with client certificates) and the operators' (plain
 * or HTTPS). Requests are read whole, bounded, then handed to one
 * handler; the server writes the response head.
 *
 * A connection goes through these states:
 *	HANDSHAKE	TLS only: until the handshake is done; a failure is
 *			told to the tls callback with what verification
 *			found (the leaf's CN, expired, revoked, none), so
 *			the center logs a refusal with its reason
 *	HEAD		gathering a head: at most max_head bytes, parsed by
 *			lib/http once CRLFCRLF is there
 *	BODY		gathering Content-Length bytes, at most max_body
 *			(chunked bodies are refused: agents send a length)
 *	CLOSING		the last response goes out (lib/conn's lingering
 *			close), then the connection is freed
 * One timer per connection bounds each request: from the accept (or the
 * previous response) to the last byte of the body; a client that sent
 * nothing by then is closed quietly, one that sent part of a request
 * gets 408. Responses go through lib/flow: while a peer's output is over
 * the mark, its next request is not read.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "conn.h"
#include "ev.h"
#include "flow.h"
#include "http.h"
#include "http_head.h"
#include "http_status.h"
#include "listener.h"
#include "log.h"
#include "mon_center.h"
#include "tls.h"
#include "xmalloc.h"

enum hstate {
	H_HANDSHAKE,
	H_HEAD,
	H_BODY,
	H_CLOSING
};

struct mon_httpd {
	struct event_base	*base;
	struct mon_httpd_conf	 conf;
	struct listener_set	*ls;
	struct listener_counters cnt;
	struct flow_limits	 flow;
	mon_httpd_handler	 handler;
	mon_httpd_tls_cb	 tls_cb;
	void			*arg;
	struct http_msg		 msg;	/* requests are handled one at a time */
	struct mon_httpd_stats	 st;
};

struct hconn {
	struct mon_httpd	*h;
	struct bufferevent	*bev;
	SSL			*ssl;
	struct event		*timer;
	struct conn_linger	*linger;
	enum hstate		 state;
	struct addr		 peer;
	size_t			 head_len;
	size_t			 body_len;
	int			 gated;		/* flow: reading stopped */
	long			 verr;		/* first verification error */
	enum mon_cert_status	 cert;
	char			 cn[256];
};

static int	httpd_ssl_idx = -1;

static void	httpd_accept_cb(int, const struct sockaddr *, int, void *);
static void	httpd_close(struct hconn *);
static int	httpd_stream(struct hconn *);
static void	httpd_linger_cb(enum conn_linger_end, void *);
static void	httpd_finish(struct hconn *);
static void	httpd_tls_close_cb(struct bufferevent *, void *);
static void	httpd_linger(struct hconn *);
static void	httpd_read_cb(struct bufferevent *, void *);
static void	httpd_write_cb(struct bufferevent *, void *);
static void	httpd_event_cb(struct bufferevent *, short, void *);
static void	httpd_timer_cb(evutil_socket_t, short, void *);
static void	httpd_arm(struct hconn *);
static void	httpd_process(struct hconn *);
static void	httpd_error(struct hconn *, int, const char *);
static void	httpd_respond(struct hconn *, const struct mon_httpd_resp *,
		    int);
static int	httpd_verify_cb(int, X509_STORE_CTX *);
static void	httpd_cn(X509 *, char *, size_t);
static void	httpd_peer_cert(struct hconn *);

struct mon_httpd *
mon_httpd_new(struct event_base *base, const struct mon_httpd_conf *conf,
    mon_httpd_handler handler, mon_httpd_tls_cb tls_cb, void *arg)
{
	static const struct flow_limits	 fl = FLOW_LIMITS_DEFAULT;
	struct listener_conf		 lc;
	struct mon_httpd		*h;

	if (httpd_ssl_idx == -1 && (httpd_ssl_idx = SSL_get_ex_new_index(0,
	    NULL, NULL, NULL, NULL)) == -1)
		fatalx("%s: SSL_get_ex_new_index", __func__);
	h = xcalloc(1, sizeof *h);
	h->base = base;
	h->conf = *conf;
	h->flow = fl;
	h->handler = handler;
	h->tls_cb = tls_cb;
	h->arg = arg;
	memset(&lc, 0, sizeof lc);
	lc.backlog = 1024;
	lc.freebind = 1;
	lc.pause_ms = LISTENER_PAUSE_MS;
	lc.max_conns = conf->max_conns;
	h->ls = listener_set_new(base, &lc, &h->cnt, httpd_accept_cb, h);
	return (h);
}

/* Close the listeners; connections still open end with the loop. */
void
mon_httpd_free(struct mon_httpd *h)
{
	if (h == NULL)
		return;
	listener_set_free(h->ls);
	free(h);
}

/* Listen on exactly addrs[0..n), all or nothing. */
int
mon_httpd_listen(struct mon_httpd *h, const struct addr *addrs, size_t n,
    const char **cause)
{
	return (listener_set_sync(h->ls, addrs, n, cause));
}

/* A reload's timeout and max-connections, for what comes next. */
void
mon_httpd_set_limits(struct mon_httpd *h, uint64_t timeout_ms,
    uint64_t max_conns)
{
	h->conf.timeout_ms = timeout_ms;
	h->conf.max_conns = max_conns;
	listener_set_max(h->ls, max_conns);
}

/* New connections use <tls> (a reload); established ones keep theirs. */
void
mon_httpd_set_tls(struct mon_httpd *h, struct tls_server *tls)
{
	h->conf.tls = tls;
}

void
mon_httpd_stats(const struct mon_httpd *h, struct mon_httpd_stats *st)
{
	*st = h->st;
	st->open = h->cnt.open;
	st->accepted = h->cnt.total;
}

/*
 * What a failed verification means for the two factors: <verr> is the
 * first X509 error seen, <nocert> whether the client sent none.
 */
enum mon_cert_status
mon_httpd_cert_status(long verr, int nocert)
{
	switch (verr) {
	case X509_V_OK:
		return (nocert ? MON_CERT_NONE : MON_CERT_UNTRUSTED);
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return (MON_CERT_EXPIRED);
	case X509_V_ERR_CERT_REVOKED:
		return (MON_CERT_REVOKED);
	default:
		return (MON_CERT_UNTRUSTED);
	}
}

/*
 * The subject's CN exactly as the certificate has it, when it has one
 * and only one, without NUL or control bytes; "" otherwise, which no
 * site ID matches.
 */
static void
httpd_cn(X509 *x, char *buf, size_t len)
{
	const X509_NAME	*name = X509_get_subject_name(x);
	unsigned char	*u = NULL;
	int		 i, n, k;

	buf[0] = '\0';
	if ((i = X509_NAME_get_index_by_NID(name, NID_commonName, -1)) < 0 ||
	    X509_NAME_get_index_by_NID(name, NID_commonName, i) >= 0)
		return;
	n = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(
	    X509_NAME_get_entry(name, i)));
	if (n <= 0 || (size_t)n >= len) {
		OPENSSL_free(u);
		ERR_clear_error();
		return;
	}
	for (k = 0; k < n; k++)
		if (u[k] < 0x20 || u[k] > 0x7e) {
			OPENSSL_free(u);
			return;
		}
	memcpy(buf, u, n);
	buf[n] = '\0';
	OPENSSL_free(u);
}

/* Verification of a client chain: note the leaf's CN and the first error. */
static int
httpd_verify_cb(int ok, X509_STORE_CTX *xs)
{
	struct hconn	*c;
	SSL		*ssl;
	X509		*x;

	ssl = X509_STORE_CTX_get_ex_data(xs,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	if (ssl == NULL || (c = SSL_get_ex_data(ssl, httpd_ssl_idx)) == NULL)
		return (ok);
	/* The leaf, whichever link of its chain failed. */
	if (c->cn[0] == '\0' && (x = X509_STORE_CTX_get0_cert(xs)) != NULL)
		httpd_cn(x, c->cn, sizeof c->cn);
	if (!ok && c->verr == X509_V_OK)
		c->verr = X509_STORE_CTX_get_error(xs);
	return (ok);
}

/* A new connection: TLS or plain, timed, counted. */
static void
httpd_accept_cb(int fd, const struct sockaddr *sa, int salen, void *arg)
{
	struct mon_httpd	*h = arg;
	struct hconn		*c;
	struct timeval		 tv;
	int			 on = 1;

	if ((c = calloc(1, sizeof *c)) == NULL) {
		close(fd);
		return;
	}
	/* The answer and the close_notify after it go out at once. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	c->h = h;
	if (addr_from_sa(&c->peer, sa, (socklen_t)salen) == -1)
		memset(&c->peer, 0, sizeof c->peer);
	if ((c->timer = evtimer_new(h->base, httpd_timer_cb, c)) == NULL)
		goto fail;
	if (h->conf.tls != NULL) {
		if ((c->ssl = tls_server_ssl(h->conf.tls)) == NULL)
			goto fail;
		SSL_set_ex_data(c->ssl, httpd_ssl_idx, c);
		SSL_set_verify(c->ssl, SSL_get_verify_mode(c->ssl),
		    httpd_verify_cb);
		c->bev = bufferevent_openssl_socket_new(h->base, fd, c->ssl,
		    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
		c->state = H_HANDSHAKE;
	} else {
		c->bev = bufferevent_socket_new(h->base, fd,
		    BEV_OPT_CLOSE_ON_FREE);
		c->state = H_HEAD;
	}
	if (c->bev == NULL)
		goto fail;
	fd = -1;	/* the bufferevent's now */
	listener_set_conn(h->ls, 1);
	if (c->ssl != NULL)
		bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
	bufferevent_setcb(c->bev, httpd_read_cb, httpd_write_cb,
	    httpd_event_cb, c);
	/* Never hold more than one request's worth of input. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, h->conf.max_head +
	    h->conf.max_body);
	flow_watch(c->bev, &h->flow);
	ev_tv(&tv, h->conf.timeout_ms);
	bufferevent_set_timeouts(c->bev, NULL, &tv);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	httpd_arm(c);
	return;
fail:
	if (c->ssl != NULL && c->bev == NULL)
		SSL_free(c->ssl);
	if (c->timer != NULL)
		event_free(c->timer);
	free(c);
	if (fd != -1)
		close(fd);
}

/* The request timer: from now to the end of the next request. */
static void
httpd_arm(struct hconn *c)
{
	struct timeval	tv;

	ev_tv(&tv, c->h->conf.timeout_ms);
	evtimer_add(c->timer, &tv);
}

/* Free a connection now. */
static void
httpd_close(struct hconn *c)
{
	if (c->linger != NULL)
		conn_linger_free(c->linger);
	bufferevent_free(c->bev);	/* and its SSL */
	event_free(c->timer);
	listener_set_conn(c->h->ls, -1);
	free(c);
}

static void
httpd_linger_cb(enum conn_linger_end why, void *arg)
{
	httpd_close(arg);
}

/*
 * Send what is queued, then close: over TLS, once the output is out, a
 * close_notify first (a TLS peer takes a bare TCP close for a truncation
 * attack), then lib/conn's lingering close.
 */
static void
httpd_finish(struct hconn *c)
{
	c->state = H_CLOSING;
	evtimer_del(c->timer);
	if (c->ssl == NULL) {
		httpd_linger(c);
		return;
	}
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	bufferevent_setcb(c->bev, NULL, httpd_tls_close_cb, httpd_event_cb, c);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		bufferevent_trigger(c->bev, EV_WRITE, BEV_TRIG_DEFER_CALLBACKS);
}

static void
httpd_linger(struct hconn *c)
{
	if ((c->linger = conn_linger_new(c->h->base, c->bev,
	    c->h->conf.timeout_ms, 1000, httpd_linger_cb, c)) == NULL)
		httpd_close(c);
}

/*
 * The TLS output is out: libevent holds nothing more, so the alert the
 * SSL writes straight to the socket comes after the response.
 */
static void
httpd_tls_close_cb(struct bufferevent *bev, void *arg)
{
	struct hconn	*c = arg;

	if (evbuffer_get_length(bufferevent_get_output(bev)) > 0)
		return;
	if (SSL_shutdown(c->ssl) < 0)
		ERR_clear_error();	/* best effort: the peer may be gone */
	httpd_linger(c);
}

/* Fill a short text response: <status>, the formatted line. */
void
mon_httpd_text(struct mon_httpd_resp *r, int status, const char *fmt, ...)
{
	va_list	ap;

	r->status = status;
	r->ctype = "text/plain; charset=us-ascii";
	va_start(ap, fmt);
	evbuffer_add_vprintf(r->body, fmt, ap);
	va_end(ap);
	evbuffer_add(r->body, "\n", 1);
}

/*
 * Write a response: status line, the fields, the body. <head> true for
 * a HEAD request (the fields say what GET would have sent). A 204 has
 * neither body nor Content-Length (RFC 9110, 8.6).
 */
void
mon_httpd_answer(struct evbuffer *out, const struct mon_httpd_resp *r,
    int head, int close)
{
	struct http_head_opts	 o;
	struct http_header	 h[8];
	char			 len[24];
	size_t			 n = 0, blen;

	memset(&o, 0, sizeof o);
	o.xff = HTTP_XFF_KEEP;
	o.max_forwards = -1;
	blen = r->body != NULL ? evbuffer_get_length(r->body) : 0;
	snprintf(len, sizeof len, "%zu", blen);
#define FIELD(k, v) do {						\
	h[n].name = (k);						\
	h[n].name_len = strlen(k);					\
	h[n].value = (v);						\
	h[n].value_len = strlen(v);					\
	n++;								\
} while (0)
	FIELD("Server", "twin-monitord");
	if (r->status == 204)
		blen = 0;
	else {
		FIELD("Content-Type", r->ctype != NULL ? r->ctype :
		    "text/plain; charset=us-ascii");
		FIELD("Content-Length", len);
	}
	FIELD("Cache-Control", "no-store");
	FIELD("X-Content-Type-Options", "nosniff");
	if (r->allow != NULL)
		FIELD("Allow", r->allow);
	if (r->html) {
		FIELD("Content-Security-Policy", "default-src 'none'; "
		    "style-src 'unsafe-inline'; frame-ancestors 'none'");
		FIELD("X-Frame-Options", "DENY");
	}
#undef FIELD
	http_status_line(out, r->status);
	http_head_fields(out, h, n, &o);
	http_head_end(out, 0, close ? HTTP_CONN_CLOSE : HTTP_CONN_NONE);
	if (!head && blen > 0)
		evbuffer_add_buffer(out, r->body);
}

/* Answer with the response and carry on or close. */
static void
httpd_respond(struct hconn *c, const struct mon_httpd_resp *r, int close)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);

	mon_httpd_answer(out, r, c->h->msg.method == HTTP_METHOD_HEAD &&
	    c->state == H_BODY, close);
	if (close) {
		httpd_finish(c);
		return;
	}
	c->state = H_HEAD;
	httpd_arm(c);
	/* Flow: no next request while this response has not drained. */
	c->gated = flow_gate(c->bev, out, &c->h->flow);
}

/* An error answered by the server itself, and the connection closed. */
static void
httpd_error(struct hconn *c, int status, const char *why)
{
	struct mon_httpd_resp	 r;
	char			 buf[ADDR_STRLEN];

	c->h->st.bad_requests++;
	log_debug("%s: %s: %d %s", c->h->conf.name, addr_fmt(&c->peer, buf,
	    sizeof buf), status, why);
	memset(&r, 0, sizeof r);
	r.status = status;
	r.body = evbuffer_new();
	if (r.body != NULL)
		evbuffer_add_printf(r.body, "%d %s: %s\n", status,
		    http_status_reason(status), why);
	c->state = H_HEAD;
	httpd_respond(c, &r, 1);
	if (r.body != NULL)
		evbuffer_free(r.body);
}

/* The client's certificate after a completed handshake. */
static void
httpd_peer_cert(struct hconn *c)
{
	X509	*x;

	c->cert = MON_CERT_NONE;
	c->cn[0] = '\0';
	if ((x = SSL_get0_peer_certificate(c->ssl)) == NULL)
		return;
	httpd_cn(x, c->cn, sizeof c->cn);
	c->cert = SSL_get_verify_result(c->ssl) == X509_V_OK ?
	    MON_CERT_OK : mon_httpd_cert_status(SSL_get_verify_result(c->ssl),
	    0);
}

/* Gather a request; hand it over once it is whole. */
static void
httpd_process(struct hconn *c)
{
	struct mon_httpd	*h = c->h;
	struct evbuffer		*in = bufferevent_get_input(c->bev);
	struct http_limits	 lim;
	struct evbuffer_ptr	 end;
	struct mon_httpd_req	 req;
	struct mon_httpd_resp	 resp;
	size_t			 len;
	char			*buf;
	int			 rv, close;

	lim.max_line = 4096;
	lim.max_head = h->conf.max_head;
	lim.max_headers = h->conf.max_headers;
	while (!c->gated && (c->state == H_HEAD || c->state == H_BODY)) {
		len = evbuffer_get_length(in);
		if (c->state == H_HEAD) {
			if (len == 0)
				return;
			end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
			if (end.pos == -1) {
				if (len >= h->conf.max_head)
					httpd_error(c, 431, "request head too "
					    "long");
				return;
			}
			if ((size_t)end.pos + 4 > h->conf.max_head) {
				httpd_error(c, 431, "request head too long");
				return;
			}
			buf = (char *)evbuffer_pullup(in, end.pos + 4);
			rv = http_parse_request(&h->msg, buf, end.pos + 4,
			    &lim);
			if (rv != HTTP_DONE) {
				httpd_error(c, rv == HTTP_ERROR ?
				    h->msg.status : 400, rv == HTTP_ERROR ?
				    h->msg.error : "incomplete head");
				return;
			}
			if (h->conf.stream != NULL && httpd_stream(c))
				return;
			if (h->msg.framing == HTTP_BODY_CHUNKED) {
				httpd_error(c, 411, "a body needs a "
				    "Content-Length");
				return;
			}
			if (h->msg.framing == HTTP_BODY_LENGTH &&
			    h->msg.content_length > h->conf.max_body) {
				httpd_error(c, 413, "body too large");
				return;
			}
			c->head_len = h->msg.head_len;
			c->body_len = h->msg.framing == HTTP_BODY_LENGTH ?
			    (size_t)h->msg.content_length : 0;
			c->state = H_BODY;
		}
		if (len < c->head_len + c->body_len)
			return;
		/* Parse again: the pointers must lie in the pulled-up bytes. */
		buf = (char *)evbuffer_pullup(in, c->head_len + c->body_len);
		if (http_parse_request(&h->msg, buf, c->head_len, &lim) !=
		    HTTP_DONE) {
			httpd_error(c, 400, "head changed");
			return;
		}
		h->st.requests++;
		memset(&req, 0, sizeof req);
		req.msg = &h->msg;
		req.body = buf + c->head_len;
		req.body_len = c->body_len;
		req.peer = c->peer;
		req.tls = c->ssl != NULL;
		req.cert = c->cert;
		strlcpy(req.cn, c->cn, sizeof req.cn);
		req.ssl = c->ssl;
		memset(&resp, 0, sizeof resp);
		resp.status = 500;
		if ((resp.body = evbuffer_new()) == NULL) {
			httpd_close(c);
			return;
		}
		h->handler(h->arg, &req, &resp);
		/* The message points into the input: decide before draining. */
		close = resp.close || !http_keep_alive(&h->msg);
		evbuffer_drain(in, c->head_len + c->body_len);
		httpd_respond(c, &resp, close);
		evbuffer_free(resp.body);
	}
}

/*
 * A gateway request: offer the connection to the stream handler, which
 * takes it with the head still in its input. 1 when it did (the
 * connection is no longer the server's).
 */
static int
httpd_stream(struct hconn *c)
{
	struct mon_httpd	*h = c->h;
	struct mon_httpd_req	 req;

	if (h->msg.path_len < 4 || memcmp(h->msg.path, "/gw/", 4) != 0)
		return (0);
	memset(&req, 0, sizeof req);
	req.msg = &h->msg;
	req.peer = c->peer;
	req.tls = c->ssl != NULL;
	req.cert = c->cert;
	strlcpy(req.cn, c->cn, sizeof req.cn);
	bufferevent_setcb(c->bev, NULL, NULL, NULL, NULL);
	bufferevent_setwatermark(c->bev, EV_READ | EV_WRITE, 0, 0);
	evtimer_del(c->timer);
	if (!h->conf.stream(h->conf.stream_arg, &req, c->bev)) {
		bufferevent_setcb(c->bev, httpd_read_cb, httpd_write_cb,
		    httpd_event_cb, c);
		bufferevent_setwatermark(c->bev, EV_READ, 0,
		    h->conf.max_head + h->conf.max_body);
		flow_watch(c->bev, &h->flow);
		httpd_arm(c);
		return (0);
	}
	h->st.requests++;
	event_free(c->timer);
	listener_set_conn(h->ls, -1);
	free(c);
	return (1);
}

static void
httpd_read_cb(struct bufferevent *bev, void *arg)
{
	httpd_process(arg);
}

/* Output drained to the low mark: read the next request again. */
static void
httpd_write_cb(struct bufferevent *bev, void *arg)
{
	struct hconn	*c = arg;

	if (!c->gated)
		return;
	c->gated = 0;
	flow_resume(bev);
	httpd_process(c);
}

static void
httpd_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct hconn	*c = arg;
	unsigned long	 e;
	char		 why[256], buf[ADDR_STRLEN];
	int		 nocert = 0;

	if (c->state == H_CLOSING) {
		httpd_close(c);
		return;
	}
	if (what & BEV_EVENT_CONNECTED) {
		/* The handshake is over: both sides verified. */
		httpd_peer_cert(c);
		/*
		 * A TLS 1.3 ticket is used once: a resumed session gets a
		 * new one with the answer, or the agent's next report would
		 * need a full handshake again.
		 */
		if (c->ssl != NULL && SSL_version(c->ssl) == TLS1_3_VERSION &&
		    SSL_session_reused(c->ssl) &&
		    SSL_new_session_ticket(c->ssl) != 1)
			ERR_clear_error();
		c->state = H_HEAD;
		httpd_process(c);
		return;
	}
	if (c->state == H_HANDSHAKE) {
		c->h->st.tls_failures++;
		why[0] = '\0';
		while ((e = bufferevent_get_openssl_error(bev)) != 0) {
			if (ERR_GET_REASON(e) ==
			    SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE)
				nocert = 1;
			if (why[0] == '\0')
				ERR_error_string_n(e, why, sizeof why);
		}
		if (c->verr != X509_V_OK)
			snprintf(why, sizeof why, "%s",
			    X509_verify_cert_error_string(c->verr));
		else if (why[0] == '\0')
			snprintf(why, sizeof why, "%s", (what &
			    BEV_EVENT_TIMEOUT) ? "handshake timed out" :
			    (what & BEV_EVENT_EOF) ? "closed during the "
			    "handshake" : "handshake failed");
		if (c->h->tls_cb != NULL && (c->verr != X509_V_OK || nocert))
			c->h->tls_cb(c->h->arg, &c->peer,
			    mon_httpd_cert_status(c->verr, nocert), c->cn, why);
		else
			log_debug("%s: %s: TLS: %s", c->h->conf.name,
			    addr_fmt(&c->peer, buf, sizeof buf), why);
	} else if (what & BEV_EVENT_TIMEOUT)
		c->h->st.timeouts++;
	httpd_close(c);
}

/* A request not complete in time. */
static void
httpd_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hconn	*c = arg;

	c->h->st.timeouts++;
	if (c->state == H_HANDSHAKE ||
	    evbuffer_get_length(bufferevent_get_input(c->bev)) == 0) {
		httpd_close(c);
		return;
	}
	httpd_error(c, 408, "request not complete in time");
}
