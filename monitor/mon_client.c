/*
 * mon_client.c: one report to the center over HTTPS: the agent's only
 * way out of the office. The connection goes to an HTTP proxy, which is
 * asked to CONNECT to the center's port 443, or straight to the center;
 * TLS runs inside with the site's client certificate, the center's
 * certificate checked against the CA file and the center's name; then
 * one POST with the device ID in a header, and its response.
 *
 * An exchange is a chain of steps, each with its own callbacks, under one
 * timer for the whole of it (the report block's timeout):
 *	RESOLVE	the first hop's name (evdns), unless it is a literal
 *	TCP	conn_connect to each address in turn
 *	TUNNEL	"CONNECT center:443" and the proxy's answer (proxies only)
 *	TLS	the handshake, on a duplicate of the socket once the tunnel
 *		stands (no byte of the proxy's answer is left unread)
 *	POST	the request, then the response head and body, bounded
 * The callback runs exactly once with what happened; the exchange is
 * freed by its owner afterwards (or cancelled before). With p.open (the
 * gateway's streams), the body is a whole request sent as it is once TLS
 * stands, and the callback gets the connection itself (res.bev, its
 * callbacks to be set at once) instead of a response.
 */
#include <sys/socket.h>
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
#include "http.h"
#include "http_body.h"
#include "http_head.h"
#include "log.h"
#include "mon_agent.h"
#include "mon_auth.h"
#include "mon_report.h"
#include "tls.h"
#include "xmalloc.h"

#define CLIENT_MAXHEAD	16384	/* a response head, the proxy's included */

enum client_step {
	STEP_RESOLVE,
	STEP_TCP,
	STEP_TUNNEL,
	STEP_TLS,
	STEP_POST,
	STEP_BODY,
	STEP_DONE
};

struct mon_client {
	struct event_base		*base;
	struct mon_client_params	 p;
	struct hostport			 center;	/* p's, copied */
	struct hostport			 proxy;
	enum client_step		 step;
	struct conn_addrs		 addrs;
	const struct hostport		*hop;	/* the proxy, or the center */
	struct evdns_getaddrinfo_request *dnsreq;
	struct bufferevent		*bev;
	SSL				*ssl;
	struct event			*timer;
	struct evbuffer			*req;	/* head and body to send */
	struct evbuffer			*body;	/* the response body */
	struct http_msg			 msg;
	struct http_body		 mover;
	struct mon_client_result	 res;
	mon_client_cb			 cb;
	void				*arg;
};

static void	client_fail(struct mon_client *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	client_finish(struct mon_client *);
static void	client_resolve(struct mon_client *);
static void	client_dns_cb(int, struct evutil_addrinfo *, void *);
static void	client_connect(struct mon_client *);
static void	client_tcp_cb(struct bufferevent *, short, void *);
static void	client_tunnel_read_cb(struct bufferevent *, void *);
static void	client_tunnel_event_cb(struct bufferevent *, short, void *);
static void	client_tls(struct mon_client *);
static void	client_tls_event_cb(struct bufferevent *, short, void *);
static void	client_read_cb(struct bufferevent *, void *);
static void	client_body_done(struct mon_client *);
static void	client_timer_cb(evutil_socket_t, short, void *);
static size_t	client_max_body(const struct mon_client *);
static const char *client_tls_error(struct mon_client *, char *, size_t);
static int	client_head(struct mon_client *, struct evbuffer *,
		    enum http_method);

/*
 * Write a request head of the agent's to the center into <out>: <method>
 * <path> on <authority> (host, or host:port when the port is not 443),
 * then User-Agent, the <n> fields <extra> and the device ID (in
 * Twinproxy-Device-ID); <flags> add Transfer-Encoding: chunked
 * (MON_CLIENT_CHUNKED) and Connection: close (MON_CLIENT_CLOSE), which
 * the head writer does not take among the fields. Nothing in it comes
 * from the network, and every field passes through the head writer.
 */
void
mon_client_head(struct evbuffer *out, const char *method,
    const char *authority, const char *path, const char *devid,
    const char *agent, const struct http_header *extra, size_t n,
    int flags)
{
	struct http_head_opts	 o;
	struct http_header	 h[MON_CLIENT_EXTRA + 3];
	size_t			 i, k = 0;

	memset(&o, 0, sizeof o);
	o.xff = HTTP_XFF_KEEP;
	o.max_forwards = -1;
#define FIELD(k_, v) do {						\
	h[k].name = (k_);						\
	h[k].name_len = strlen(k_);					\
	h[k].value = (v);						\
	h[k].value_len = strlen(v);					\
	k++;								\
} while (0)
	FIELD("Host", authority);
	FIELD("User-Agent", agent);
	for (i = 0; i < n && i < MON_CLIENT_EXTRA; i++)
		h[k++] = extra[i];
	FIELD(MON_DEVID_FIELD, devid);
#undef FIELD
	evbuffer_add_printf(out, "%s %s HTTP/1.1\r\n", method, path);
	http_head_fields(out, h, k, &o);
	http_head_end(out, (flags & MON_CLIENT_CHUNKED) != 0,
	    (flags & MON_CLIENT_CLOSE) ? HTTP_CONN_CLOSE : HTTP_CONN_NONE);
}

/* Fill field <h> with <name> and <value>. */
void
mon_client_field(struct http_header *h, const char *name, const char *value)
{
	h->name = name;
	h->name_len = strlen(name);
	h->value = value;
	h->value_len = strlen(value);
}

/* The report request: the POST of <len> body bytes to <path>. */
void
mon_client_request(struct evbuffer *out, const char *authority,
    const char *path, const char *devid, const char *agent, size_t len)
{
	struct http_header	 h[2];
	char			 clen[24];

	snprintf(clen, sizeof clen, "%zu", len);
	mon_client_field(&h[0], "Content-Type",
	    "text/plain; charset=us-ascii");
	mon_client_field(&h[1], "Content-Length", clen);
	mon_client_head(out, "POST", authority, path, devid, agent, h, 2,
	    MON_CLIENT_CLOSE);
}

/* The CONNECT request to a proxy for <authority> (host:port). */
void
mon_client_connect_request(struct evbuffer *out, const char *authority,
    const char *agent)
{
	struct http_head_opts	 o;
	struct http_header	 h[2];

	memset(&o, 0, sizeof o);
	o.xff = HTTP_XFF_KEEP;
	o.max_forwards = -1;
	h[0].name = "Host";
	h[0].name_len = 4;
	h[0].value = authority;
	h[0].value_len = strlen(authority);
	h[1].name = "User-Agent";
	h[1].name_len = 10;
	h[1].value = agent;
	h[1].value_len = strlen(agent);
	evbuffer_add_printf(out, "CONNECT %s HTTP/1.1\r\n", authority);
	http_head_fields(out, h, 2, &o);
	http_head_end(out, 0, HTTP_CONN_NONE);
}

/*
 * Start posting body[0..len) to the center as <p> says; <cb> hears the
 * outcome once. The parameters are copied; the strings, the context and
 * the DNS base they point to must outlive the exchange.
 */
struct mon_client *
mon_client_post(struct event_base *base, const struct mon_client_params *p,
    const char *body, size_t len, mon_client_cb cb, void *arg)
{
	struct mon_client	*c;
	struct timeval		 tv;
	char			 auth[HOST_MAXLEN + 16];

	c = xcalloc(1, sizeof *c);
	c->base = base;
	c->p = *p;
	/* A reload may free the config the parameters point into. */
	c->center = *p->center;
	c->p.center = &c->center;
	if (p->proxy != NULL) {
		c->proxy = *p->proxy;
		c->p.proxy = &c->proxy;
	}
	SSL_CTX_up_ref(c->p.ctx);
	if (c->p.session != NULL)
		SSL_SESSION_up_ref(c->p.session);
	c->cb = cb;
	c->arg = arg;
	c->hop = c->p.proxy != NULL ? c->p.proxy : c->p.center;
	if ((c->req = evbuffer_new()) == NULL ||
	    (c->body = evbuffer_new()) == NULL ||
	    (c->timer = evtimer_new(base, client_timer_cb, c)) == NULL)
		fatalx("%s: out of memory", __func__);
	if (c->center.port == 443)
		strlcpy(auth, c->center.host, sizeof auth);
	else
		hostport_fmt(&c->center, auth, sizeof auth);
	if (!p->open)
		mon_client_request(c->req, auth, p->path, p->devid, p->agent,
		    len);
	evbuffer_add(c->req, body, len);
	ev_tv(&tv, p->timeout_ms);
	evtimer_add(c->timer, &tv);
	client_resolve(c);
	return (c);
}

/* Free an exchange: finished, or cancelled (no callback then). */
void
mon_client_free(struct mon_client *c)
{
	if (c == NULL)
		return;
	if (c->dnsreq != NULL)
		evdns_getaddrinfo_cancel(c->dnsreq);
	if (c->bev != NULL)
		bufferevent_free(c->bev);	/* and the SSL with it */
	else if (c->ssl != NULL)
		SSL_free(c->ssl);
	if (c->timer != NULL)
		event_free(c->timer);
	evbuffer_free(c->req);
	evbuffer_free(c->body);
	free(c->res.body);
	if (c->res.session != NULL)
		SSL_SESSION_free(c->res.session);
	SSL_SESSION_free(c->p.session);
	SSL_CTX_free(c->p.ctx);
	free(c);
}

/* Stop with an error; the callback runs now. */
static void
client_fail(struct mon_client *c, const char *fmt, ...)
{
	va_list	ap;

	if (c->step == STEP_DONE)
		return;
	va_start(ap, fmt);
	vsnprintf(c->res.err, sizeof c->res.err, fmt, ap);
	va_end(ap);
	c->res.ok = 0;
	client_finish(c);
}

/* End the exchange: close the connection, tell the owner. */
static void
client_finish(struct mon_client *c)
{
	c->step = STEP_DONE;
	evtimer_del(c->timer);
	if (c->bev != NULL) {
		bufferevent_free(c->bev);
		c->bev = NULL;
		c->ssl = NULL;
	}
	c->cb(c->arg, &c->res);
}

/* The first hop's addresses: the literal, or ask the resolver. */
static void
client_resolve(struct mon_client *c)
{
	struct evutil_addrinfo	 hints;
	struct addr		 a;
	const char		*cause;

	c->step = STEP_RESOLVE;
	conn_addrs_clear(&c->addrs);
	if (c->hop->af != 0) {
		if (addr_parse(c->hop->host, &a, &cause) == -1) {
			client_fail(c, "%s: %s", c->hop->host, cause);
			return;
		}
		a.port = c->hop->port;
		conn_addrs_add(&c->addrs, &a);
		client_connect(c);
		return;
	}
	if (c->p.dns == NULL) {
		client_fail(c, "%s: no resolver to look the name up",
		    c->hop->host);
		return;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = EVUTIL_AI_ADDRCONFIG;
	c->dnsreq = evdns_getaddrinfo(c->p.dns, c->hop->host, NULL, &hints,
	    client_dns_cb, c);
}

static void
client_dns_cb(int result, struct evutil_addrinfo *res, void *arg)
{
	struct mon_client	*c = arg;
	struct evutil_addrinfo	*ai;
	struct addr		 a;

	c->dnsreq = NULL;
	if (result == EVUTIL_EAI_CANCEL)
		return;
	if (result != 0) {
		client_fail(c, "%s: %s", c->hop->host,
		    evutil_gai_strerror(result));
		return;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next)
		if (addr_from_sa(&a, ai->ai_addr, ai->ai_addrlen) == 0) {
			a.port = c->hop->port;
			if (!conn_addrs_add(&c->addrs, &a))
				break;
		}
	evutil_freeaddrinfo(res);
	if (conn_addrs_cur(&c->addrs) == NULL) {
		client_fail(c, "%s: no address", c->hop->host);
		return;
	}
	client_connect(c);
}

/* Connect to the address being tried. */
static void
client_connect(struct mon_client *c)
{
	static const struct conn_cbs	 none;
	struct conn_cbs			 cbs = none;
	struct conn_limits		 lim = { 16384, FLOW_LIMITS_DEFAULT,
					    0 };
	const struct addr		*a;
	const char			*op;
	char				 buf[ADDR_STRLEN];
	int				 err;

	c->step = STEP_TCP;
	for (;;) {
		if ((a = conn_addrs_cur(&c->addrs)) == NULL) {
			client_fail(c, "%s: no address left to try",
			    c->hop->host);
			return;
		}
		lim.connect_ms = c->p.timeout_ms;
		cbs.event = client_tcp_cb;
		cbs.arg = c;
		if ((c->bev = conn_connect(c->base, a, NULL, &lim, &cbs, &err,
		    &op)) != NULL)
			return;
		log_debug("report: %s %s: %s", op, addr_fmt(a, buf,
		    sizeof buf), strerror(err));
		if (!conn_addrs_next(&c->addrs)) {
			client_fail(c, "%s: %s: %s", addr_fmt(a, buf,
			    sizeof buf), op, strerror(err));
			return;
		}
	}
}

/* TCP connected (tunnel or TLS next), or failed (next address). */
static void
client_tcp_cb(struct bufferevent *bev, short what, void *arg)
{
	struct mon_client	*c = arg;
	struct evbuffer		*out;
	char			 buf[ADDR_STRLEN], auth[HOST_MAXLEN + 16];
	int			 err;

	if (!(what & BEV_EVENT_CONNECTED)) {
		err = EVUTIL_SOCKET_ERROR();
		addr_fmt(conn_addrs_cur(&c->addrs), buf, sizeof buf);
		bufferevent_free(c->bev);
		c->bev = NULL;
		if (conn_addrs_next(&c->addrs)) {
			log_debug("report: connect %s: %s", buf,
			    (what & BEV_EVENT_TIMEOUT) ? "timed out" :
			    strerror(err));
			client_connect(c);
			return;
		}
		client_fail(c, "connect %s%s: %s", buf,
		    c->p.proxy != NULL ? " (proxy)" : "",
		    (what & BEV_EVENT_TIMEOUT) ? "timed out" :
		    err != 0 ? strerror(err) : "failed");
		return;
	}
	bufferevent_set_timeouts(bev, NULL, NULL);
	if (c->p.proxy == NULL) {
		client_tls(c);
		return;
	}
	c->step = STEP_TUNNEL;
	out = bufferevent_get_output(bev);
	mon_client_connect_request(out, hostport_fmt(c->p.center, auth,
	    sizeof auth), c->p.agent);
	bufferevent_setcb(bev, client_tunnel_read_cb, NULL,
	    client_tunnel_event_cb, c);
	bufferevent_enable(bev, EV_READ);
}

/*
 * Parse a response head gathered in <in> once it is complete (or too
 * long); 1 when parsed (c->msg, the head drained into c->res), 0 for
 * more, -1 after failing the exchange.
 */
static int
client_head(struct mon_client *c, struct evbuffer *in, enum http_method m)
{
	struct evbuffer_ptr	 end;
	size_t			 len = evbuffer_get_length(in);
	char			*buf;
	int			 rv;

	end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	if (end.pos == -1 && len < CLIENT_MAXHEAD)
		return (0);
	if (len > CLIENT_MAXHEAD)
		len = CLIENT_MAXHEAD;
	buf = (char *)evbuffer_pullup(in, len);
	rv = http_parse_response(&c->msg, buf, len, NULL, m);
	if (rv == HTTP_MORE) {
		client_fail(c, "%s: response head longer than %d bytes",
		    c->step == STEP_TUNNEL ? "proxy" : "center",
		    CLIENT_MAXHEAD);
		return (-1);
	}
	if (rv == HTTP_ERROR) {
		client_fail(c, "%s: bad response: %s",
		    c->step == STEP_TUNNEL ? "proxy" : "center",
		    c->msg.error);
		return (-1);
	}
	c->res.status = c->msg.code;
	return (1);
}

/* The proxy's answer to CONNECT. */
static void
client_tunnel_read_cb(struct bufferevent *bev, void *arg)
{
	struct mon_client	*c = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	char			 reason[64];
	size_t			 rlen;
	int			 rv;

	if ((rv = client_head(c, in, HTTP_METHOD_CONNECT)) <= 0)
		return;
	if (c->msg.code < 200 || c->msg.code > 299) {
		rlen = c->msg.reason_len < sizeof reason ? c->msg.reason_len :
		    sizeof reason - 1;
		memcpy(reason, c->msg.reason, rlen);
		reason[rlen] = '\0';
		mon_sanitize(reason);
		client_fail(c, "proxy %s:%u refused CONNECT: %d %s",
		    c->hop->host, c->hop->port, c->msg.code, reason);
		return;
	}
	evbuffer_drain(in, c->msg.head_len);
	if (evbuffer_get_length(in) > 0) {
		client_fail(c, "proxy sent bytes before the TLS handshake");
		return;
	}
	client_tls(c);
}

static void
client_tunnel_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct mon_client	*c = arg;

	client_fail(c, "proxy %s:%u closed the connection before answering "
	    "CONNECT", c->hop->host, c->hop->port);
}

/*
 * TLS over the connection: a bufferevent of its own on a duplicate of
 * the socket, so the plain one can go without closing it.
 */
static void
client_tls(struct mon_client *c)
{
	char	*cause;
	int	 fd;

	c->step = STEP_TLS;
	if ((fd = dup(bufferevent_getfd(c->bev))) == -1) {
		client_fail(c, "dup: %s", strerror(errno));
		return;
	}
	bufferevent_free(c->bev);
	c->bev = NULL;
	if ((c->ssl = tls_client_ssl(c->p.ctx, c->p.center->host,
	    &cause)) == NULL) {
		close(fd);
		client_fail(c, "TLS: %s", cause);
		free(cause);
		return;
	}
	if (c->p.session != NULL)
		SSL_set_session(c->ssl, c->p.session);
	if ((c->bev = bufferevent_openssl_socket_new(c->base, fd, c->ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		close(fd);
		SSL_free(c->ssl);
		c->ssl = NULL;
		client_fail(c, "TLS: out of memory");
		return;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
	bufferevent_setcb(c->bev, client_read_cb, NULL, client_tls_event_cb,
	    c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/* Why TLS failed: the certificate check, else OpenSSL's own words. */
static const char *
client_tls_error(struct mon_client *c, char *buf, size_t len)
{
	unsigned long	e;
	long		v;

	if (c->ssl != NULL && c->step == STEP_TLS &&
	    (v = SSL_get_verify_result(c->ssl)) != X509_V_OK) {
		snprintf(buf, len, "the center's certificate: %s",
		    X509_verify_cert_error_string(v));
		return (buf);
	}
	if ((e = bufferevent_get_openssl_error(c->bev)) != 0) {
		ERR_error_string_n(e, buf, len);
		while (bufferevent_get_openssl_error(c->bev) != 0)
			;
		return (buf);
	}
	snprintf(buf, len, "%s", EVUTIL_SOCKET_ERROR() != 0 ?
	    strerror(EVUTIL_SOCKET_ERROR()) : "connection closed");
	return (buf);
}

/* Handshake done (send the request), or the connection failed. */
static void
client_tls_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct mon_client	*c = arg;
	char			 err[256];

	if (what & BEV_EVENT_CONNECTED) {
		c->step = STEP_POST;
		c->res.tls = 1;
		bufferevent_write_buffer(bev, c->req);
		if (c->p.open) {
			c->res.ok = 1;
			c->res.bev = c->bev;
			c->bev = NULL;
			c->ssl = NULL;
			client_finish(c);
		}
		return;
	}
	if (c->step == STEP_BODY && (what & BEV_EVENT_EOF) &&
	    c->mover.state == HTTP_MOVE_CLOSE) {
		/* A body delimited by the close: what came is all of it. */
		client_read_cb(bev, c);
		if (c->step != STEP_DONE)
			client_body_done(c);
		return;
	}
	client_fail(c, "%s: %s", c->step == STEP_TLS ? "TLS handshake with "
	    "the center" : "connection to the center", client_tls_error(c,
	    err, sizeof err));
}

/* The whole response is in: hand it over with a session to resume. */
static void
client_body_done(struct mon_client *c)
{
	SSL_SESSION	*sess;

	c->res.body_len = evbuffer_get_length(c->body);
	c->res.body = xmalloc(c->res.body_len + 1);
	evbuffer_remove(c->body, c->res.body, c->res.body_len);
	c->res.body[c->res.body_len] = '\0';
	/*
	 * A ticket for the next exchange, so it needs no full handshake;
	 * OpenSSL keeps a session resumable only if this side sent its
	 * close_notify (the request is out: nothing queued is overtaken).
	 */
	if (c->ssl != NULL && (sess = SSL_get1_session(c->ssl)) != NULL) {
		if (SSL_shutdown(c->ssl) < 0)
			ERR_clear_error();
		if (SSL_SESSION_is_resumable(sess))
			c->res.session = sess;
		else
			SSL_SESSION_free(sess);
	}
	c->res.ok = 1;
	client_finish(c);
}

/* The response: its head, then its body into c->body. */
static void
client_read_cb(struct bufferevent *bev, void *arg)
{
	struct mon_client	*c = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	size_t			 moved;
	int			 rv;

	if (c->step == STEP_POST) {
		if ((rv = client_head(c, in, HTTP_METHOD_POST)) <= 0)
			return;
		if (c->msg.framing == HTTP_BODY_LENGTH &&
		    c->msg.content_length > client_max_body(c)) {
			client_fail(c, "center: response body of %llu bytes",
			    (unsigned long long)c->msg.content_length);
			return;
		}
		http_body_init(&c->mover, c->msg.framing,
		    c->msg.content_length, 1, NULL);
		evbuffer_drain(in, c->msg.head_len);
		c->step = STEP_BODY;
	}
	if (c->step != STEP_BODY)
		return;
	if (http_body_move(&c->mover, in, c->body, &moved) == -1) {
		client_fail(c, "center: bad chunked body: %s",
		    c->mover.ch.error);
		return;
	}
	if (evbuffer_get_length(c->body) > client_max_body(c)) {
		client_fail(c, "center: response body over %zu bytes",
		    client_max_body(c));
		return;
	}
	if (c->mover.state == HTTP_MOVE_DONE)
		client_body_done(c);
}

static void
client_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mon_client	*c = arg;
	static const char *const steps[] = { "resolving", "connecting",
	    "waiting for the proxy's tunnel", "in the TLS handshake",
	    "waiting for the center's answer", "reading the answer" };

	client_fail(c, "no answer in time (%s, %s)", steps[c->step],
	    c->p.proxy != NULL ? "through a proxy" : "direct");
}

/* How much a response body may hold: a report's ack, or a bundle. */
static size_t
client_max_body(const struct mon_client *c)
{
	return (c->p.max_body != 0 ? c->p.max_body : MON_MSG_MAX);
}
