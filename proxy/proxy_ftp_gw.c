/*
 * proxy_ftp_gw.c: the ftp:// gateway. An HTTP client asks the proxy for
 * GET or HEAD of ftp://[user[:password]@]server[:port]/path (curl and
 * wget send URLs so, with ftp_proxy or -x); the proxy logs in to the
 * server, anonymously unless the URL or an Authorization: Basic field
 * gives a login, and answers with the file (Content-Length from SIZE,
 * Last-Modified from MDTM, a Content-Type from the name, a Range served
 * with REST) or, for a directory, an HTML listing with links.
 *
 * The FTP conversation is lib/ftp_client.c's machine; this file carries
 * out its steps: the control connection (proxy_ftp_conn.c), the data
 * connection (proxy_ftp_data.c: passive first, active as a fallback or
 * alone, as ftp-server-data says), the response head and the body, which
 * streams with the client's output as the brake (lib/flow). FTP errors
 * are answered with the status of lib/ftp's table and a page naming the
 * reason and the server's reply code; a login the server refuses asks
 * for credentials (401 with a Basic challenge), as Squid does.
 *
 * The password never reaches a log: the request's URL is kept without it
 * from the moment it is read (proxy_ftp_gw_url()).
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ev.h"
#include "ftp.h"
#include "http_head.h"
#include "http_status.h"
#include "log.h"
#include "proxy.h"
#include "proxy_cache.h"
#include "proxy_ftp.h"

struct proxy_ftp_gw {
	struct proxy_client		*c;
	struct proxy			*px;
	struct ftp_client		 fc;
	struct ftp_client_params	 p;
	char				 user[FTP_LINE_MAX + 1];
	char				 pass[FTP_LINE_MAX + 1];
	int				 has_user;
	int				 has_pass;
	char				 host[HOST_MAXLEN + 1];
	int				 host_af;
	uint16_t			 port;
	char				 path[PROXY_URL_MAX];
	size_t				 path_len;
	int				 range;
	uint64_t			 range_first;
	uint64_t			 range_last;
	uint64_t			 range_suffix;

	struct proxy_ftp_open		 op;
	struct bufferevent		*ctrl;
	struct addr			 saddr;
	struct addr			 slocal;
	struct proxy_ftp_dc		*dc;
	int				 listening;	/* active mode */
	int				 connecting;	/* passive mode */
	struct bufferevent		*data;
	int				 flowing;	/* the body goes */
	uint64_t			 received;	/* data bytes */
	uint64_t			 sent;		/* body bytes */
	int				 chunked;
	int				 listing;
	struct ftp_listing		 lst;
};

/* Media types by file name extension; the rest are octet streams. */
static const struct {
	const char	*ext;
	const char	*type;
} gw_types[] = {
	{ "txt", "text/plain" }, { "text", "text/plain" },
	{ "log", "text/plain" }, { "md", "text/markdown" },
	{ "csv", "text/csv" }, { "htm", "text/html" },
	{ "html", "text/html" }, { "css", "text/css" },
	{ "js", "text/javascript" }, { "json", "application/json" },
	{ "xml", "application/xml" }, { "pdf", "application/pdf" },
	{ "png", "image/png" }, { "jpg", "image/jpeg" },
	{ "jpeg", "image/jpeg" }, { "gif", "image/gif" },
	{ "svg", "image/svg+xml" }, { "webp", "image/webp" },
	{ "ico", "image/vnd.microsoft.icon" }, { "mp3", "audio/mpeg" },
	{ "mp4", "video/mp4" }, { "zip", "application/zip" },
	{ "gz", "application/gzip" }, { "tgz", "application/gzip" },
	{ "bz2", "application/x-bzip2" }, { "xz", "application/x-xz" },
	{ "zst", "application/zstd" }, { "tar", "application/x-tar" },
	{ "iso", "application/x-iso9660-image" },
	{ "deb", "application/vnd.debian.binary-package" },
	{ "rpm", "application/x-rpm" }, { "sig", "application/pgp-signature" },
	{ "asc", "application/pgp-signature" },
};

static void	gw_url_user(struct proxy_client *, const char *);
static int	gw_fail_early(struct proxy_client *, const struct http_msg *,
		    int, const char *);
static int	gw_basic(struct proxy_ftp_gw *, const struct http_msg *);
static void	gw_range(struct proxy_ftp_gw *, const struct http_msg *);
static void	gw_open_cb(struct bufferevent *, const struct addr *,
		    enum proxy_ftp_open_err, const char *, void *);
static void	gw_ctrl_read_cb(struct bufferevent *, void *);
static void	gw_ctrl_event_cb(struct bufferevent *, short, void *);
static int	gw_feed(struct proxy_ftp_gw *);
static int	gw_step(struct proxy_ftp_gw *, enum ftp_step);
static void	gw_dc_cb(struct proxy_ftp_dc *, struct bufferevent *,
		    const char *, void *);
static void	gw_data_drop(struct proxy_ftp_gw *);
static int	gw_data_start(struct proxy_ftp_gw *);
static void	gw_data_read_cb(struct bufferevent *, void *);
static void	gw_data_event_cb(struct bufferevent *, short, void *);
static void	gw_data_ended(struct proxy_ftp_gw *);
static int	gw_data_move(struct proxy_ftp_gw *);
static void	gw_emit_cb(void *, const char *, size_t);
static void	gw_body(struct proxy_ftp_gw *, struct evbuffer *, size_t);
static const char *gw_ctype(const struct proxy_ftp_gw *);
static void	gw_head(struct proxy_ftp_gw *);
static void	gw_cache_store(struct proxy_ftp_gw *, struct evbuffer *,
		    size_t);
static void	gw_done(struct proxy_ftp_gw *);
static void	gw_failed(struct proxy_ftp_gw *);
static void	gw_error(struct proxy_client *, int, const char *,
		    const char *);

/*
 * Keep the request's URL without its password, before anything logs
 * it: ftp://user:password@server/... becomes ftp://user@server/...
 */
void
proxy_ftp_gw_url(struct proxy_client *c, const struct http_msg *m)
{
	const char	*end = m->target + m->target_len, *colon;
	size_t		 ulen;

	if (m->userinfo == NULL)
		return;
	colon = memchr(m->userinfo, ':', m->userinfo_len);
	ulen = colon != NULL ? (size_t)(colon - m->userinfo) :
	    m->userinfo_len;
	snprintf(c->url, sizeof c->url, "%.*s://%.*s@%.*s",
	    (int)m->scheme_len, m->scheme_str, (int)ulen, m->userinfo,
	    (int)(end - m->authority), m->authority);
}

/*
 * Name the user of an Authorization login in the request's URL, as a
 * login in the URL is: the log says whose the transfer was, and the
 * cache leaves it alone.
 */
static void
gw_url_user(struct proxy_client *c, const char *user)
{
	char	 enc[PROXY_URL_MAX], url[PROXY_URL_MAX];
	char	*at;

	/* "ftp://<user, encoded>@/" */
	ftp_url_format(enc, sizeof enc, user, "", 0, 21, NULL);
	if ((at = strrchr(enc, '@')) == NULL || strlen(c->url) < 6)
		return;
	at[1] = '\0';
	snprintf(url, sizeof url, "%s%s", enc, c->url + 6);
	strlcpy(c->url, url, sizeof c->url);
}

/* Refuse a request before it starts: 400-like errors. */
static int
gw_fail_early(struct proxy_client *c, const struct http_msg *m, int status,
    const char *why)
{
	evbuffer_drain(bufferevent_get_input(c->bev), m->head_len);
	proxy_ftp_gw_free(c);
	proxy_client_error(c, status, why, "TAG_NONE", PROXY_ERR_PARSE);
	return (-1);
}

/*
 * Take what an ftp:// request needs from its head (GET or HEAD, no body,
 * no query; the login; a Range). -1 when it was answered with an error.
 */
int
proxy_ftp_gw_prepare(struct proxy_client *c, const struct http_msg *m)
{
	struct proxy_ftp_gw	*g;
	const char		*cause;

	proxy_ftp_gw_free(c);
	if (m->method != HTTP_METHOD_GET && m->method != HTTP_METHOD_HEAD)
		return (gw_fail_early(c, m, 501, "only GET and HEAD are "
		    "served for ftp:// URLs"));
	if (m->framing == HTTP_BODY_CHUNKED || (m->framing ==
	    HTTP_BODY_LENGTH && m->content_length > 0))
		return (gw_fail_early(c, m, 400, "a request body for an "
		    "ftp:// URL"));
	if (m->query_len > 0)
		return (gw_fail_early(c, m, 400, "a query in an ftp:// URL"));
	if (m->host_len >= HOST_MAXLEN + 1 || m->path_len >= PROXY_URL_MAX)
		return (gw_fail_early(c, m, 414, "ftp:// URL too long"));
	if ((g = calloc(1, sizeof *g)) == NULL) {
		evbuffer_drain(bufferevent_get_input(c->bev), m->head_len);
		proxy_client_error(c, 503, "out of memory", "TAG_NONE",
		    PROXY_ERR_NOMEM);
		return (-1);
	}
	g->c = c;
	g->px = c->px;
	c->ftp = g;
	memcpy(g->host, m->host, m->host_len);
	g->host[m->host_len] = '\0';
	g->host_af = m->host_ipv6 ? AF_INET6 : 0;
	g->port = (uint16_t)m->port;
	memcpy(g->path, m->path, m->path_len);
	g->path[m->path_len] = '\0';
	g->path_len = m->path_len;
	if (m->userinfo != NULL) {
		if (ftp_userinfo_decode(m->userinfo, m->userinfo_len, g->user,
		    g->pass, &g->has_pass, &cause) == -1)
			return (gw_fail_early(c, m, 400, cause));
		g->has_user = 1;
	} else if (gw_basic(g, m) == -1)
		return (gw_fail_early(c, m, 400, "invalid Authorization "
		    "field for an ftp:// URL"));
	else if (g->has_user)
		gw_url_user(c, g->user);
	if (m->method == HTTP_METHOD_GET)
		gw_range(g, m);
	return (0);
}

/*
 * Credentials from "Authorization: Basic ...", what a browser sends
 * after our 401. 0 also when there is none.
 */
static int
gw_basic(struct proxy_ftp_gw *g, const struct http_msg *m)
{
	const struct http_header	*h;
	const char			*cause;

	if ((h = http_header_find(m, "authorization")) == NULL)
		return (0);
	if (ftp_basic_decode(h->value, h->value_len, g->user, g->pass,
	    &cause) == -1) {
		log_debug("client %s: %s: Authorization: %s", g->c->addr_str,
		    g->c->url, cause);
		return (-1);
	}
	g->has_user = g->has_pass = 1;
	return (0);
}

/*
 * A single byte range, read with the cache's Range parser against a
 * length no file reaches: what it returns tells a suffix ("-N"), an
 * open range ("N-") and a bounded one apart. Anything else (several
 * ranges, nonsense) is ignored and the whole file served.
 */
static void
gw_range(struct proxy_ftp_gw *g, const struct http_msg *m)
{
	const struct http_header	*h;
	const char			*v;
	uint64_t			 start, len;
	size_t				 i;

	if ((h = http_header_find(m, "range")) == NULL ||
	    cache_range_parse(h->value, h->value_len, HTTP_LENGTH_MAX, &start,
	    &len) != CACHE_RANGE_OK)
		return;
	v = h->value;
	for (i = 6; i < h->value_len && (v[i] == ' ' || v[i] == '\t'); i++)
		;
	g->range = 1;
	if (i < h->value_len && v[i] == '-') {
		g->range_suffix = len;
		return;
	}
	g->range_first = start;
	g->range_last = start + len == HTTP_LENGTH_MAX ? UINT64_MAX :
	    start + len - 1;
}

/*
 * Whether the cache may look up and store this request: with ftp-cache
 * on, for anonymous logins only (a file fetched with a password is that
 * user's, and the URL of the cache key would not say so).
 */
int
proxy_ftp_gw_cacheable(const struct proxy_client *c)
{
	return (c->ftp != NULL && c->px->cfg->proxy.ftp_cache &&
	    !c->ftp->has_user);
}

/* Free the gateway state of a client (any time). */
void
proxy_ftp_gw_free(struct proxy_client *c)
{
	struct proxy_ftp_gw	*g = c->ftp;

	if (g == NULL)
		return;
	proxy_ftp_open_cancel(&g->op);
	proxy_ftp_dc_free(g->dc);
	if (g->data != NULL)
		bufferevent_free(g->data);
	if (g->ctrl != NULL)
		bufferevent_free(g->ctrl);
	explicit_bzero(g->pass, sizeof g->pass);
	free(g);
	c->ftp = NULL;
}

/* The request goes to the FTP server (the cache had no answer). */
void
proxy_ftp_gw_start(struct proxy_client *c)
{
	struct proxy_ftp_gw	*g = c->ftp;
	struct cfg_proxy	*pc = &c->px->cfg->proxy;

	c->px->ftp->st.gateway++;
	/* The cache may have named the miss already (TCP_CF_MISS...). */
	if (c->code == NULL)
		c->code = "TCP_MISS";
	memset(&g->p, 0, sizeof g->p);
	g->p.user = g->has_user ? g->user : NULL;
	g->p.pass = g->has_pass ? g->pass : NULL;
	g->p.anon_pass = pc->ftp_anonymous_password;
	g->p.path = g->path;
	g->p.path_len = g->path_len;
	g->p.head = c->method == HTTP_METHOD_HEAD;
	g->p.range = g->range;
	g->p.range_first = g->range_first;
	g->p.range_last = g->range_last;
	g->p.range_suffix = g->range_suffix;
	g->p.active = pc->ftp_server_data != FTP_SERVER_PASSIVE_ONLY;
	g->p.active_only = pc->ftp_server_data == FTP_SERVER_ACTIVE;
	log_debug("client %s: %s %s: to FTP server %s port %u", c->addr_str,
	    c->method_str, c->url, g->host, (unsigned)g->port);
	proxy_ftp_open_start(&g->op, c->px, g->host, g->port, gw_open_cb, g);
}

/* The control connection is open (or not): start the conversation. */
static void
gw_open_cb(struct bufferevent *bev, const struct addr *a,
    enum proxy_ftp_open_err err, const char *why, void *arg)
{
	struct proxy_ftp_gw	*g = arg;
	struct proxy_client	*c = g->c;
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof ss;
	struct timeval		 tv;
	char			 buf[ADDR_STRLEN], reason[HOST_MAXLEN + 128];
	int			 status;

	if (bev == NULL) {
		status = err == PROXY_FTP_OPEN_DNS || err ==
		    PROXY_FTP_OPEN_NOMEM ? 503 : err ==
		    PROXY_FTP_OPEN_TIMEOUT ? 504 : 502;
		strlcpy(reason, why, sizeof reason);
		c->px->ftp->st.gateway_failed++;
		proxy_client_count(c, err == PROXY_FTP_OPEN_DNS ?
		    PROXY_ERR_DNS : err == PROXY_FTP_OPEN_TIMEOUT ?
		    PROXY_ERR_CONNECT_TIMEOUT : err == PROXY_FTP_OPEN_NOMEM ?
		    PROXY_ERR_NOMEM : PROXY_ERR_CONNECT);
		proxy_ftp_gw_free(c);
		gw_error(c, status, reason, NULL);
		return;
	}
	g->ctrl = bev;
	g->saddr = *a;
	if (getsockname(bufferevent_getfd(bev), (struct sockaddr *)&ss,
	    &len) == -1 || addr_from_sa(&g->slocal, (struct sockaddr *)&ss,
	    len) == -1)
		g->slocal = *proxy_ftp_source(c->px);
	g->slocal.port = 0;
	snprintf(c->hier, sizeof c->hier, "HIER_DIRECT/%s",
	    addr_ntop(a, buf, sizeof buf));
	bufferevent_setcb(bev, gw_ctrl_read_cb, NULL, gw_ctrl_event_cb, g);
	ev_tv(&tv, c->px->cfg->proxy.read_timeout);
	bufferevent_set_timeouts(bev, &tv, &tv);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	g->p.ctrl_af = a->af;
	ftp_client_init(&g->fc, &g->p);
	gw_step(g, ftp_client_start(&g->fc));
}

/* Replies from the server. */
static void
gw_ctrl_read_cb(struct bufferevent *bev, void *arg)
{
	gw_feed(arg);
}

/* The control connection closed, failed or timed out. */
static void
gw_ctrl_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct proxy_ftp_gw	*g = arg;
	enum ftp_step		 st;

	/* What came before the close is read first. */
	if (gw_feed(g) == -1)
		return;
	if (what & BEV_EVENT_TIMEOUT)
		st = ftp_client_abort(&g->fc, 504, "the FTP server did not "
		    "answer in time");
	else
		st = ftp_client_abort(&g->fc, 502, (what & BEV_EVENT_EOF) ?
		    "the FTP server closed the connection" :
		    "error on the connection to the FTP server");
	gw_step(g, st);
}

/*
 * Hand the machine what the server said, step by step; stop at a step
 * that waits for a connection. -1 when g is gone.
 */
static int
gw_feed(struct proxy_ftp_gw *g)
{
	struct evbuffer	*in;
	enum ftp_step	 st;
	const char	*buf;
	size_t		 len, used;

	if (g->ctrl == NULL)
		return (0);
	in = bufferevent_get_input(g->ctrl);
	while ((len = evbuffer_get_length(in)) > 0 && !g->connecting) {
		if (len > 65536)
			len = 65536;
		if ((buf = (const char *)evbuffer_pullup(in, len)) == NULL)
			return (0);
		st = ftp_client_feed(&g->fc, buf, len, &used);
		evbuffer_drain(in, used);
		if (gw_step(g, st) == -1)
			return (-1);
		if (st == FTP_STEP_WAIT)
			break;
	}
	return (0);
}

/* Carry out the machine's steps. -1 when g (and maybe c) is gone. */
static int
gw_step(struct proxy_ftp_gw *g, enum ftp_step st)
{
	struct addr	 dst, bound;
	const char	*cause;

	for (;;) {
		switch (st) {
		case FTP_STEP_WAIT:
			return (0);
		case FTP_STEP_SEND:
			if (g->fc.close_data)
				gw_data_drop(g);
			bufferevent_write(g->ctrl, g->fc.out, g->fc.out_len);
			return (0);
		case FTP_STEP_CONNECT:
			/* To the server's own address, whatever 227 said. */
			dst = g->saddr;
			dst.port = g->fc.data_port;
			g->listening = 0;
			if ((g->dc = proxy_ftp_dc_connect(g->px, &dst,
			    &g->slocal, gw_dc_cb, g, &cause)) == NULL) {
				st = ftp_client_data_fail(&g->fc, cause);
				continue;
			}
			g->connecting = 1;
			return (0);
		case FTP_STEP_LISTEN:
			gw_data_drop(g);
			if ((g->dc = proxy_ftp_dc_listen(g->px, &g->slocal,
			    &g->saddr, gw_dc_cb, g, &bound, &cause)) == NULL) {
				st = ftp_client_abort(&g->fc, 502, "no data "
				    "port for the FTP server");
				continue;
			}
			g->listening = 1;
			st = ftp_client_listening(&g->fc, &bound);
			continue;
		case FTP_STEP_HEAD:
			gw_head(g);
			if (g->c->method == HTTP_METHOD_HEAD) {
				gw_done(g);
				return (-1);
			}
			g->flowing = 1;
			return (gw_data_start(g));
		case FTP_STEP_DONE:
			gw_done(g);
			return (-1);
		case FTP_STEP_FAIL:
		default:
			gw_failed(g);
			return (-1);
		}
	}
}

/* A data connection is up, or could not be had. */
static void
gw_dc_cb(struct proxy_ftp_dc *dc, struct bufferevent *bev, const char *why,
    void *arg)
{
	struct proxy_ftp_gw	*g = arg;
	enum ftp_step		 st;

	proxy_ftp_dc_free(dc);
	g->dc = NULL;
	g->connecting = 0;
	if (bev == NULL) {
		st = ftp_client_data_fail(&g->fc, why);
		if (gw_step(g, st) == 0)
			gw_feed(g);
		return;
	}
	g->data = bev;
	if (g->listening) {
		/* The server connected for the transfer under way. */
		if (g->flowing)
			gw_data_start(g);
		return;
	}
	if (gw_step(g, ftp_client_data_open(&g->fc)) == 0)
		gw_feed(g);
}

/* Close the data connection (a RETR that failed, before LIST). */
static void
gw_data_drop(struct proxy_ftp_gw *g)
{
	proxy_ftp_dc_free(g->dc);
	g->dc = NULL;
	if (g->data != NULL)
		bufferevent_free(g->data);
	g->data = NULL;
	g->received = 0;
}

/* The head is out: let the data flow into the body; -1 if g is gone. */
static int
gw_data_start(struct proxy_ftp_gw *g)
{
	struct timeval	 tv;

	/* The control connection is silent while the data flows. */
	bufferevent_set_timeouts(g->ctrl, NULL, NULL);
	if (g->data == NULL)
		return (0);
	bufferevent_setcb(g->data, gw_data_read_cb, NULL, gw_data_event_cb,
	    g);
	ev_tv(&tv, g->px->cfg->proxy.ftp_data_timeout);
	bufferevent_set_timeouts(g->data, &tv, NULL);
	bufferevent_enable(g->data, EV_READ);
	/* Bytes that came before the head. */
	if (evbuffer_get_length(bufferevent_get_input(g->data)) > 0)
		return (gw_data_move(g));
	return (0);
}

/* Data from the server. */
static void
gw_data_read_cb(struct bufferevent *bev, void *arg)
{
	gw_data_move(arg);
}

/*
 * Move what the data connection brought into the body; a bounded range
 * ends once its bytes are in. -1 when g is gone.
 */
static int
gw_data_move(struct proxy_ftp_gw *g)
{
	struct proxy_client	*c = g->c;
	struct evbuffer		*in = bufferevent_get_input(g->data);
	struct evbuffer		*out = proxy_client_output(c);
	const char		*buf;
	size_t			 n, k;
	uint64_t		 want = g->fc.body_len;
	enum ftp_step		 st;

	while ((n = evbuffer_get_length(in)) > 0) {
		if (g->listing) {
			k = n > 16384 ? 16384 : n;
			if ((buf = (const char *)evbuffer_pullup(in, k)) ==
			    NULL)
				break;
			ftp_listing_feed(&g->lst, buf, k);
			evbuffer_drain(in, k);
			g->received += k;
			continue;
		}
		k = n;
		if (want != FTP_BODY_UNKNOWN && k > want - g->sent)
			k = (size_t)(want - g->sent);
		if (k > 0)
			gw_body(g, in, k);
		g->received += k;
		if (want != FTP_BODY_UNKNOWN && g->sent >= want) {
			/* Anything past the length is not ours to send. */
			evbuffer_drain(in, evbuffer_get_length(in));
			gw_data_ended(g);
			st = ftp_client_data_end(&g->fc, g->received);
			/*
			 * The body is whole (the file's SIZE, or the range):
			 * the client may be gone before the server's 226,
			 * which is not waited for.
			 */
			return (gw_step(g, st == FTP_STEP_WAIT ?
			    FTP_STEP_DONE : st));
		}
	}
	flow_gate(g->data, out, &g->px->flow);
	return (0);
}

/* The data connection ended. */
static void
gw_data_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct proxy_ftp_gw	*g = arg;
	enum ftp_step		 st;

	if (gw_data_move(g) == -1 || g->data == NULL)
		return;
	gw_data_ended(g);
	if (what & BEV_EVENT_EOF)
		st = ftp_client_data_end(&g->fc, g->received);
	else
		st = ftp_client_abort(&g->fc, (what & BEV_EVENT_TIMEOUT) ?
		    504 : 502, (what & BEV_EVENT_TIMEOUT) ? "the FTP data "
		    "connection stalled" : "error on the FTP data connection");
	if (gw_step(g, st) == 0)
		gw_feed(g);
}

/* The data connection is done with: the server's 226 is due in time. */
static void
gw_data_ended(struct proxy_ftp_gw *g)
{
	struct timeval	tv;

	bufferevent_free(g->data);
	g->data = NULL;
	ev_tv(&tv, g->px->cfg->proxy.read_timeout);
	bufferevent_set_timeouts(g->ctrl, &tv, &tv);
}

/* The client's output drained: read the data connection again. */
void
proxy_ftp_gw_resume(struct proxy_client *c)
{
	struct proxy_ftp_gw	*g = c->ftp;

	if (g == NULL || g->data == NULL || !g->flowing)
		return;
	flow_resume(g->data);
	if (evbuffer_get_length(bufferevent_get_input(g->data)) > 0)
		gw_data_move(g);
}

/* Listing page bytes: into the body. */
static void
gw_emit_cb(void *arg, const char *buf, size_t len)
{
	struct proxy_ftp_gw	*g = arg;
	struct evbuffer		*out = proxy_client_output(g->c);
	size_t			 before = evbuffer_get_length(out);

	if (len == 0)
		return;
	if (g->chunked)
		evbuffer_add_printf(out, "%zx\r\n", len);
	evbuffer_add(out, buf, len);
	if (g->chunked)
		evbuffer_add(out, "\r\n", 2);
	proxy_client_sent(g->c, evbuffer_get_length(out) - before);
	proxy_cache_body(g->c, out, evbuffer_get_length(out) - before);
}

/* Append n bytes of src to the body, framed for the client. */
static void
gw_body(struct proxy_ftp_gw *g, struct evbuffer *src, size_t n)
{
	struct evbuffer	*out = proxy_client_output(g->c);
	size_t		 before = evbuffer_get_length(out);

	if (g->chunked)
		evbuffer_add_printf(out, "%zx\r\n", n);
	evbuffer_remove_buffer(src, out, n);
	if (g->chunked)
		evbuffer_add(out, "\r\n", 2);
	g->sent += n;
	proxy_client_sent(g->c, evbuffer_get_length(out) - before);
	proxy_cache_body(g->c, out, evbuffer_get_length(out) - before);
}

/* The media type of the answer. */
static const char *
gw_ctype(const struct proxy_ftp_gw *g)
{
	const char	*dot;
	size_t		 i;

	if (g->fc.dir)
		return ("text/html; charset=utf-8");
	if (g->fc.url.type == FTP_URL_ASCII)
		return ("text/plain");
	if ((dot = strrchr(g->fc.url.leaf, '.')) != NULL)
		for (i = 0; i < sizeof gw_types / sizeof gw_types[0]; i++)
			if (strcasecmp(dot + 1, gw_types[i].ext) == 0)
				return (gw_types[i].type);
	return ("application/octet-stream");
}

/* Write the response head the machine worked out. */
static void
gw_head(struct proxy_ftp_gw *g)
{
	struct proxy_client	*c = g->c;
	struct proxy		*px = c->px;
	struct ftp_client	*fc = &g->fc;
	struct evbuffer		*out = proxy_client_output(c);
	struct http_head_opts	 o;
	const char		*ct = gw_ctype(g);
	char			 date[64], title[FTP_LINE_MAX * 2 + 4];
	char			 base[PROXY_URL_MAX + 2];
	size_t			 before = evbuffer_get_length(out), i;
	int			 head = c->method == HTTP_METHOD_HEAD;

	c->status = fc->status;
	c->resp_started = 1;
	for (i = 0; ct[i] != '\0' && ct[i] != ';' && i + 1 < sizeof c->ctype;
	    i++)
		c->ctype[i] = ct[i];
	c->ctype[i] = '\0';
	http_status_line(out, fc->status);
	evbuffer_add_printf(out, "Content-Type: %s\r\n", ct);
	if (fc->body_len != FTP_BODY_UNKNOWN && (!fc->dir || !head))
		evbuffer_add_printf(out, "Content-Length: %llu\r\n",
		    (unsigned long long)fc->body_len);
	else if (!head && c->version >= 11)
		g->chunked = 1;
	else if (!head)
		c->close_after = 1;
	if (fc->status == 206)
		evbuffer_add_printf(out, "Content-Range: bytes %llu-%llu/"
		    "%llu\r\n", (unsigned long long)fc->range_first,
		    (unsigned long long)fc->range_last,
		    (unsigned long long)fc->size);
	if (!fc->dir && fc->has_size && fc->url.type != FTP_URL_ASCII &&
	    (!fc->feat_known || (fc->feat & FTP_FEAT_REST)))
		evbuffer_add(out, "Accept-Ranges: bytes\r\n", 22);
	if (fc->has_mtime && cache_date_format(fc->mtime, date,
	    sizeof date) > 0)
		evbuffer_add_printf(out, "Last-Modified: %s\r\n", date);
	memset(&o, 0, sizeof o);
	o.via = px->cfg->proxy.via ? px->via : NULL;
	o.version = 11;
	o.max_forwards = -1;
	http_head_fields(out, NULL, 0, &o);
	http_head_end(out, g->chunked, http_head_conn(c->version,
	    c->close_after || !c->keep_alive || px->draining));
	proxy_client_sent(c, evbuffer_get_length(out) - before);
	gw_cache_store(g, out, before);
	if (!fc->dir || head)
		return;
	/* The page of a directory: its links are relative to base. */
	g->listing = 1;
	snprintf(title, sizeof title, "/%s%s%s", fc->url.dir,
	    fc->url.dir_len > 0 && fc->url.leaf_len > 0 ? "/" : "",
	    fc->url.leaf);
	i = strlen(c->url);
	snprintf(base, sizeof base, "%s%s", c->url,
	    i > 0 && c->url[i - 1] == '/' ? "" : "/");
	ftp_listing_begin(&g->lst, fc->list, gw_emit_cb, g, title, base,
	    strcmp(title, "/") == 0);
}

/*
 * Offer the head just written (from offset <off> of out) to the cache,
 * parsed back into a message as the cache takes an origin's; the body
 * follows through proxy_cache_body(). Without ftp-cache the cache never
 * looked the request up, and this does nothing.
 */
static void
gw_cache_store(struct proxy_ftp_gw *g, struct evbuffer *out, size_t off)
{
	struct proxy_client	*c = g->c;
	struct http_msg		*m = &c->px->msg;
	struct evbuffer_ptr	 pos;
	struct evbuffer_iovec	 v[8];
	char			*head;
	size_t			 len = evbuffer_get_length(out) - off, n = 0;
	int			 i, nv;

	if (!proxy_ftp_gw_cacheable(c) || g->fc.dir ||
	    (head = malloc(len)) == NULL)
		return;
	/* Peeked: a bufferevent's output is not for copying out. */
	if (evbuffer_ptr_set(out, &pos, off, EVBUFFER_PTR_SET) == 0 &&
	    (nv = evbuffer_peek(out, len, &pos, v, 8)) > 0 && nv <= 8)
		for (i = 0; i < nv && n < len; i++) {
			if (v[i].iov_len > len - n)
				v[i].iov_len = len - n;
			memcpy(head + n, v[i].iov_base, v[i].iov_len);
			n += v[i].iov_len;
		}
	if (n == len && http_parse_response(m, head, len, &c->px->lim,
	    c->method) == HTTP_DONE) {
		/* The cache de-chunks what it stores. */
		c->resp.state = g->chunked ? HTTP_MOVE_CHUNKED :
		    HTTP_MOVE_LENGTH;
		proxy_cache_store(c, m);
		c->resp.state = HTTP_MOVE_DONE;
	}
	free(head);
}

/* The answer is complete: end the body and the request. */
static void
gw_done(struct proxy_ftp_gw *g)
{
	struct proxy_client	*c = g->c;
	struct evbuffer		*out = proxy_client_output(c);

	if (g->listing)
		ftp_listing_end(&g->lst);
	if (g->chunked) {
		evbuffer_add(out, "0\r\n\r\n", 5);
		proxy_client_sent(c, 5);
	}
	log_debug("client %s: %s %s: %d, %llu bytes from the FTP server",
	    c->addr_str, c->method_str, c->url, c->status,
	    (unsigned long long)g->received);
	/* QUIT is a courtesy; closing says the same. */
	if (g->ctrl != NULL)
		bufferevent_write(g->ctrl, "QUIT\r\n", 6);
	proxy_ftp_gw_free(c);
	proxy_client_response_done(c);
}

/* The machine failed: an error page, or a cut response. */
static void
gw_failed(struct proxy_ftp_gw *g)
{
	struct proxy_client	*c = g->c;
	struct ftp_client	*fc = &g->fc;
	char			 reason[256], field[HOST_MAXLEN + 64];
	int			 status = fc->status, code = fc->ftp_code;

	c->px->ftp->st.gateway_failed++;
	if (code != 0)
		snprintf(reason, sizeof reason, "%s (the FTP server answered "
		    "%d)", fc->reason, code);
	else
		strlcpy(reason, fc->reason != NULL ? fc->reason :
		    "FTP error", sizeof reason);
	field[0] = '\0';
	if (status == 401)
		snprintf(field, sizeof field, "WWW-Authenticate: Basic "
		    "realm=\"FTP server %s\"", g->host);
	else if (status == 416 && fc->has_size)
		snprintf(field, sizeof field, "Content-Range: bytes */%llu",
		    (unsigned long long)fc->size);
	if (fc->head_sent || g->flowing) {
		log_info("client %s: %s %s: %s after the response began; "
		    "closing", c->addr_str, c->method_str, c->url, reason);
		proxy_client_count(c, PROXY_ERR_UPSTREAM);
		proxy_ftp_gw_free(c);
		proxy_client_close(c, reason);
		return;
	}
	proxy_client_count(c, status == 504 ? PROXY_ERR_TIMEOUT :
	    PROXY_ERR_UPSTREAM);
	proxy_ftp_gw_free(c);
	gw_error(c, status, reason, field[0] != '\0' ? field : NULL);
}

/*
 * Answer with an error page naming the reason (our own words and the
 * server's reply code, nothing of its text), plus one field (the Basic
 * challenge of a 401, the length of a 416). The connection stays open:
 * a browser asked for credentials answers on it.
 */
static void
gw_error(struct proxy_client *c, int status, const char *reason,
    const char *field)
{
	struct proxy		*px = c->px;
	struct evbuffer		*out = proxy_client_output(c), *page, *head;
	struct evbuffer_ptr	 end;
	char			*line;
	size_t			 len, before = evbuffer_get_length(out);
	int			 keep = c->keep_alive && !px->draining;

	log_info("client %s: %s %s: %d %s", c->addr_str, c->method_str,
	    c->url, status, reason);
	c->status = status;
	c->code = "TCP_MISS";
	c->resp_started = 1;
	c->close_after = !keep;
	strlcpy(c->ctype, "text/html", sizeof c->ctype);
	if ((page = evbuffer_new()) == NULL) {
		proxy_client_close(c, "out of memory");
		return;
	}
	http_error_page(page, status, reason, "twin-proxy",
	    px->cfg->proxy.via ? px->via : NULL, keep);
	if (c->method == HTTP_METHOD_HEAD) {
		/* A HEAD gets the head only (with the page's length). */
		end = evbuffer_search(page, "\r\n\r\n", 4, NULL);
		if (end.pos >= 0 && (head = evbuffer_new()) != NULL) {
			evbuffer_remove_buffer(page, head, (size_t)end.pos + 4);
			evbuffer_free(page);
			page = head;
		}
	}
	if (field != NULL &&
	    (line = evbuffer_readln(page, &len, EVBUFFER_EOL_CRLF_STRICT)) !=
	    NULL) {
		evbuffer_add(out, line, len);
		evbuffer_add_printf(out, "\r\n%s\r\n", field);
		free(line);
	}
	evbuffer_add_buffer(out, page);
	evbuffer_free(page);
	proxy_client_sent(c, evbuffer_get_length(out) - before);
	proxy_client_response_done(c);
}
