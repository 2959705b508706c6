/*
 * proxy_cache_hook.c: the RFC 9111 cache (proxy_cache.h) on the forward
 * path: lookups before a request goes to the origin, hits served from the
 * cache without copying bodies, validation of stale objects, response
 * bodies streamed into the cache as they pass to the client, collapsed
 * forwarding, invalidation by unsafe methods, and the cache's own codes
 * in the access log.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "ev.h"
#include "http_head.h"
#include "http_status.h"
#include "log.h"
#include "proxy.h"
#include "proxy_cache.h"

_Static_assert(sizeof(struct http_header) == sizeof(struct http_header),
    "struct http_header and struct http_header must share their layout");

/* The cache's view of one client's request in progress. */
struct proxy_cx {
	struct proxy_client	*c;
	char			*head;		/* copy of the request head */
	size_t			 head_size;
	struct http_header	*hdrs;		/* its fields, into head */
	size_t			 hdrs_size;
	struct cache_req	 req;
	struct cache_answer	 ans;
	int			 looked_up;	/* ans is valid */
	int			 validating;	/* validators went out */
	int			 unconditional;	/* sent again without them */
	time_t			 request_time;
	struct cache_store	*st;		/* storing the response */
	int			 dechunk;	/* st gets chunked data */
	struct http_chunked	 ch;
	struct evbuffer		*hit;		/* a hit's answer, being made */
	struct event		*wake;		/* collapsed fetch finished */
	struct event		*wait;		/* waited too long for it */
	enum cache_pending_result wake_res;
	int			 deferred;	/* wake: finish a hit */
};

/*
 * Hits answered one inside another: a hit finishes its request, which
 * parses the next pipelined one, which may be a hit again. Past this
 * depth the finish waits for the event loop, so the stack stays flat.
 */
#define PROXY_CACHE_HIT_DEPTH	8
static int	proxy_cache_depth;

static struct proxy_cx *proxy_cache_cx(struct proxy_client *);
static void	proxy_cache_wait_cb(enum cache_pending_result, void *);
static void	proxy_cache_wake_cb(evutil_socket_t, short, void *);
static void	proxy_cache_waited_cb(evutil_socket_t, short, void *);
static int	proxy_cache_answer(struct proxy_client *, cache_wait_cb);
static void	proxy_cache_serve(struct proxy_client *);
static void	proxy_cache_validators(struct proxy_client *, int);
static int	proxy_cache_conditional(const struct proxy_cx *);
static int	proxy_cache_unmatched(struct proxy_client *,
		    const struct http_msg *);
static void	proxy_cache_resp(const struct http_msg *, time_t,
		    struct cache_resp *);
static void	proxy_cache_tee(struct proxy_cx *, const char *, size_t);
static void	proxy_cache_finish(struct proxy_cx *, int);
static void	proxy_cache_background(struct proxy_client *);
static void	proxy_cache_sink_cb(evutil_socket_t, short, void *);

/*
 * Fields of the client's request a background validation does not send:
 * its own Cache-Control replaces the client's, and it asks for the whole
 * object, unconditionally (the cache adds the validators).
 */
static const char *const proxy_cache_bg_drop[] = { "cache-control",
	"pragma", "range", "if-range", "if-none-match", "if-modified-since",
	"content-length", NULL };

/* How long the far end of a background fetch waits for its answer. */
#define PROXY_CACHE_BG_MS	60000

/*
 * Fill cache settings from the proxy block of the config (durations there
 * are milliseconds, here seconds). The strings stay owned by the config.
 */
void
proxy_cache_conf(const struct cfg_proxy *pc, struct cache_conf *conf)
{
	memset(conf, 0, sizeof *conf);
	conf->mem_max = pc->cache_memory;
	conf->dir = pc->cache_dir;
	conf->dir_max = pc->cache_dir_size;
	conf->max_object = pc->cache_max_object;
	conf->heuristic_max = pc->cache_heuristic_max / 1000;
	conf->strip_cookies = pc->cache_set_cookie == CACHE_COOKIE_STRIP;
}

/* Create the cache from the proxy block; NULL with *cause on failure. */
int
proxy_cache_open(struct proxy *px, char **cause)
{
	struct cache_conf	conf;

	proxy_cache_conf(&px->cfg->proxy, &conf);
	if ((px->cache = cache_new(&conf, cause)) == NULL)
		return (-1);
	log_info("cache: memory %llu bytes, %s%s, objects up to %llu bytes",
	    (unsigned long long)conf.mem_max,
	    conf.dir != NULL ? "disk " : "no disk tier",
	    conf.dir != NULL ? conf.dir : "",
	    (unsigned long long)conf.max_object);
	return (0);
}

/* Free the cache at exit. */
void
proxy_cache_close(struct proxy *px)
{
	cache_free(px->cache);
	px->cache = NULL;
}

/*
 * After a reload: the cache and what it holds stay; changed sizes apply
 * at once. A tier switched on or off, or a new cache directory, waits
 * for a restart.
 */
void
proxy_cache_reload(struct proxy *px, const struct cfg_proxy *old)
{
	struct cache_conf	conf;
	const char		*why;

	if (px->cache == NULL)
		return;
	proxy_cache_conf(&px->cfg->proxy, &conf);
	if (cache_set_limits(px->cache, &conf, &why) == -1) {
		log_warnx("reload: %s; the cache keeps its storage until "
		    "twin-proxy restarts", why);
		return;
	}
	if (old->cache_memory != conf.mem_max ||
	    old->cache_dir_size != conf.dir_max ||
	    old->cache_max_object != conf.max_object)
		log_info("reload: cache limits now memory %llu, disk %llu, "
		    "objects up to %llu bytes",
		    (unsigned long long)conf.mem_max,
		    (unsigned long long)conf.dir_max,
		    (unsigned long long)conf.max_object);
}

/* The control command "cache stats | purge URL". */
int
proxy_cache_ctl(struct ctl_conn *cc, int argc, char **argv, void *arg)
{
	struct proxy	*px = arg;

	return (cache_ctl(px->cache, cc, argc, argv));
}

/* Return the client's cache state, allocating it on first use. */
static struct proxy_cx *
proxy_cache_cx(struct proxy_client *c)
{
	struct proxy_cx	*cx;

	if (c->cx != NULL)
		return (c->cx);
	if ((cx = calloc(1, sizeof *cx)) == NULL)
		return (NULL);
	if ((cx->wake = evtimer_new(c->px->base, proxy_cache_wake_cb,
	    c)) == NULL) {
		free(cx);
		return (NULL);
	}
	if ((cx->wait = evtimer_new(c->px->base, proxy_cache_waited_cb,
	    c)) == NULL) {
		event_free(cx->wake);
		free(cx);
		return (NULL);
	}
	/* Segments added to it go out with sendfile (else they are mapped). */
	if ((cx->hit = evbuffer_new()) == NULL ||
	    evbuffer_set_flags(cx->hit, EVBUFFER_FLAG_DRAINS_TO_FD) == -1) {
		if (cx->hit != NULL)
			evbuffer_free(cx->hit);
		event_free(cx->wait);
		event_free(cx->wake);
		free(cx);
		return (NULL);
	}
	cx->c = c;
	c->cx = cx;
	return (cx);
}

/*
 * Keep the request head m (parsed from buf, which the caller drains
 * next) for the cache: the method, absolute URI and fields.
 */
void
proxy_cache_capture(struct proxy_client *c, const struct http_msg *m,
    const char *buf)
{
	struct proxy_cx	*cx;
	char		*nh;
	void		*nv;
	unsigned	 i;

	if (c->px->cache == NULL || (cx = proxy_cache_cx(c)) == NULL)
		return;
	proxy_cache_finish(cx, 0);
	/* ftp:// answers are stored only with ftp-cache, anonymous ones. */
	if (c->ftp != NULL && !proxy_ftp_gw_cacheable(c)) {
		cx->req.method = NULL;
		return;
	}
	cx->req.method = NULL;
	if (m->head_len > cx->head_size) {
		if ((nh = realloc(cx->head, m->head_len)) == NULL)
			return;
		cx->head = nh;
		cx->head_size = m->head_len;
	}
	if (m->nheaders > cx->hdrs_size) {
		if ((nv = reallocarray(cx->hdrs, m->nheaders,
		    sizeof *cx->hdrs)) == NULL)
			return;
		cx->hdrs = nv;
		cx->hdrs_size = m->nheaders;
	}
	memcpy(cx->head, buf, m->head_len);
	for (i = 0; i < m->nheaders; i++) {
		cx->hdrs[i].name = cx->head + (m->headers[i].name - buf);
		cx->hdrs[i].name_len = m->headers[i].name_len;
		cx->hdrs[i].value = cx->head + (m->headers[i].value - buf);
		cx->hdrs[i].value_len = m->headers[i].value_len;
	}
	cx->req.method = c->method_str;
	cx->req.uri = c->url;
	cx->req.hdrs = cx->hdrs;
	cx->req.nhdrs = m->nheaders;
}

/*
 * Look a request up. Returns 1 when the cache answered the client itself
 * (or the request waits for another fetch), 0 when it goes to the origin.
 */
int
proxy_cache_lookup(struct proxy_client *c)
{
	struct proxy_cx	*cx = c->cx;

	if (c->px->cache == NULL || cx == NULL || cx->req.method == NULL)
		return (0);
	/* A URL cut short for the log is not the URL: never cache it. */
	if (strlen(c->url) + 1 >= sizeof c->url) {
		cx->req.method = NULL;
		return (0);
	}
	return (proxy_cache_answer(c, proxy_cache_wait_cb));
}

/* Act on a cache_lookup() answer; as proxy_cache_lookup(). */
static int
proxy_cache_answer(struct proxy_client *c, cache_wait_cb cb)
{
	struct proxy_cx	*cx = c->cx;
	struct timeval	 tv;
	time_t		 now = time(NULL);

	cache_lookup(c->px->cache, &cx->req, now, cb, c, &cx->ans);
	cx->looked_up = 1;
	cx->request_time = now;
	c->code = cache_code_name(cx->ans.code);
	switch (cx->ans.action) {
	case CACHE_ACT_HIT:
		log_debug("client %s: %s %s: %s from the cache (%s)",
		    c->addr_str, c->method_str, c->url, c->code,
		    cx->ans.why);
		proxy_cache_serve(c);
		return (1);
	case CACHE_ACT_STALE_REVALIDATE:
		/*
		 * Served stale within stale-while-revalidate; an internal
		 * request validates the object behind it. It leads its own
		 * collapsed fetch, so this one ends here.
		 */
		cache_pending_done(c->px->cache, cx->ans.pending,
		    CACHE_PENDING_FAILED);
		cx->ans.pending = NULL;
		log_debug("client %s: %s %s: %s (%s)", c->addr_str,
		    c->method_str, c->url, c->code, cx->ans.why);
		proxy_cache_background(c);
		proxy_cache_serve(c);
		return (1);
	case CACHE_ACT_GATEWAY_TIMEOUT:
		proxy_client_error(c, 504, cx->ans.why, c->code,
		    PROXY_ERR_TIMEOUT);
		return (1);
	case CACHE_ACT_WAIT:
		log_debug("client %s: %s %s: waiting for the same fetch",
		    c->addr_str, c->method_str, c->url);
		/* The leader may take its time; waiting has a bound. */
		ev_tv(&tv, c->px->cfg->proxy.read_timeout);
		evtimer_add(cx->wait, &tv);
		return (1);
	case CACHE_ACT_VALIDATE:
		proxy_cache_validators(c, 1);
		cx->validating = 1;
		break;
	case CACHE_ACT_MISS:
	case CACHE_ACT_PASS:
		break;
	}
	log_debug("client %s: %s %s: to the origin: %s", c->addr_str,
	    c->method_str, c->url, cx->ans.why);
	return (0);
}

/* A collapsed fetch this client waits for has finished. */
static void
proxy_cache_wait_cb(enum cache_pending_result res, void *arg)
{
	struct proxy_client	*c = arg;
	struct proxy_cx		*cx = c->cx;
	struct timeval		 tv = { 0, 0 };

	/* The waiter is gone; act from the event loop, not from here. */
	cx->ans.waiter = NULL;
	evtimer_del(cx->wait);
	cx->wake_res = res;
	evtimer_add(cx->wake, &tv);
}

/* Look up again after a collapsed fetch, or forward alone. */
static void
proxy_cache_wake_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct proxy_client	*c = arg;
	struct proxy_cx		*cx = c->cx;

	if (cx->deferred) {
		cx->deferred = 0;
		proxy_client_response_done(c);
		return;
	}
	cache_answer_clear(&cx->ans);
	if (proxy_cache_answer(c, cx->wake_res == CACHE_PENDING_STORED ?
	    proxy_cache_wait_cb : NULL))
		return;
	if (cx->wake_res == CACHE_PENDING_FAILED && cx->ans.code ==
	    CACHE_TCP_MISS)
		c->code = cache_code_name(CACHE_TCP_CF_MISS);
	proxy_server_start(c);
}

/*
 * The fetch this client waits for has not finished within read-timeout:
 * stop waiting and forward alone, as after a failed fetch.
 */
static void
proxy_cache_waited_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct proxy_client	*c = arg;
	struct proxy_cx		*cx = c->cx;

	if (cx->ans.waiter == NULL)
		return;
	cache_wait_cancel(c->px->cache, cx->ans.waiter);
	cx->ans.waiter = NULL;
	log_info("client %s: %s %s: the fetch it waited for took longer than "
	    "read-timeout; forwarding alone", c->addr_str, c->method_str,
	    c->url);
	c->code = cache_code_name(CACHE_TCP_CF_MISS);
	proxy_server_start(c);
}

/*
 * Remove If-None-Match and If-Modified-Since from the head for the
 * origin; with <add>, put the stored object's validators in their place:
 * the cache answers the client's conditionals itself from whatever the
 * validation brings.
 */
static void
proxy_cache_validators(struct proxy_client *c, int add)
{
	struct proxy_cx	*cx = c->cx;
	struct evbuffer	*b = c->head_out, *nb;
	char		*line;
	size_t		 len;

	if ((nb = evbuffer_new()) == NULL)
		return;
	while ((line = evbuffer_readln(b, &len, EVBUFFER_EOL_CRLF_STRICT)) !=
	    NULL) {
		if (len == 0) {
			free(line);
			break;
		}
		if (strncasecmp(line, "if-none-match:", 14) != 0 &&
		    strncasecmp(line, "if-modified-since:", 18) != 0) {
			evbuffer_add(nb, line, len);
			evbuffer_add(nb, "\r\n", 2);
		}
		free(line);
	}
	if (add)
		cache_validators(cx->ans.obj, nb);
	evbuffer_add(nb, "\r\n", 2);
	/* Whatever followed the head (nothing, normally) goes after it. */
	evbuffer_add_buffer(nb, b);
	evbuffer_add_buffer(b, nb);
	evbuffer_free(nb);
}

/*
 * Answer the client from ans (a hit): head, then the body by reference.
 * The answer is made apart and handed to proxy_client_send(): a large one
 * finding nothing queued before it goes to the socket, head and body in
 * one system call, at once; only what the socket does not take waits.
 */
static void
proxy_cache_serve(struct proxy_client *c)
{
	struct proxy		*px = c->px;
	struct proxy_cx		*cx = c->cx;
	struct evbuffer		*out = cx->hit;
	struct timeval		 tv = { 0, 0 };
	const struct http_header	*h;
	struct http_head_opts	 o;
	size_t			 n, i;

	c->status = cx->ans.status;
	c->resp_started = 1;
	c->code = cache_code_name(cx->ans.code);
	c->ctype[0] = '\0';
	if (cx->ans.obj != NULL) {
		h = cache_obj_hdrs(cx->ans.obj, &n);
		h = cache_hdr_find(h, n, "content-type", NULL);
		if (h != NULL) {
			for (i = 0; i < h->value_len &&
			    i + 1 < sizeof c->ctype &&
			    h->value[i] != ';' && h->value[i] != ' '; i++)
				c->ctype[i] = h->value[i];
			c->ctype[i] = '\0';
		}
	}
	evbuffer_drain(out, evbuffer_get_length(out));
	http_status_line(out, cx->ans.status);
	if (cache_hit_fields(&cx->ans, out) == -1) {
		evbuffer_drain(out, evbuffer_get_length(out));
		c->resp_started = 0;
		proxy_client_error(c, 500, "the cache could not serve the "
		    "stored response", c->code, PROXY_ERR_NOMEM);
		return;
	}
	memset(&o, 0, sizeof o);
	o.via = px->cfg->proxy.via ? px->via : NULL;
	o.version = 11;
	o.max_forwards = -1;
	http_head_fields(out, NULL, 0, &o);
	http_head_end(out, 0, http_head_conn(c->version, !c->keep_alive ||
	    px->draining));
	if (cache_hit_body(&cx->ans, out) == -1) {
		/* The head is out: the client sees a truncated response. */
		c->close_after = 1;
		log_warnx("client %s: %s %s: stored body unavailable",
		    c->addr_str, c->method_str, c->url);
	}
	proxy_client_send(c, out);
	if (proxy_cache_depth >= PROXY_CACHE_HIT_DEPTH) {
		cx->deferred = 1;
		evtimer_add(cx->wake, &tv);
		return;
	}
	proxy_cache_depth++;
	proxy_client_response_done(c);
	proxy_cache_depth--;
}

/* Fill a cache_resp from a parsed response head. */
static void
proxy_cache_resp(const struct http_msg *m, time_t request_time,
    struct cache_resp *rs)
{
	rs->status = m->code;
	rs->hdrs = m->headers;
	rs->nhdrs = m->nheaders;
	rs->request_time = request_time;
	rs->response_time = time(NULL);
}

/*
 * A final response head m came from the origin, before anything of it
 * is forwarded. Returns 1 when the cache answered the client instead (a
 * 304 that validated the stored object, or an error replaced by a stale
 * object under stale-if-error) or sent the request again (a 304 that
 * selects no stored response, proxy_cache_unmatched()); the origin
 * connection is then released and gone. Else 0: the response is
 * forwarded (proxy_cache_store()).
 */
int
proxy_cache_response(struct proxy_client *c, const struct http_msg *m)
{
	struct proxy_cx		*cx = c->cx;
	struct cache_resp	 rs;

	if (c->px->cache == NULL || cx == NULL || !cx->looked_up ||
	    !cx->validating)
		return (0);
	proxy_cache_resp(m, cx->request_time, &rs);
	if (m->code == 304) {
		if (cx->unconditional) {
			log_info("client %s: %s %s: the origin answered 304 "
			    "to the request sent without validators; "
			    "forwarded", c->addr_str, c->method_str, c->url);
			return (0);
		}
		if (cache_revalidated(c->px->cache, &cx->ans, &cx->req, &rs,
		    rs.response_time) == -1)
			return (proxy_cache_unmatched(c, m));
	} else if (m->code >= 500) {
		if (!cache_stale_if_error(&cx->ans, &cx->req, time(NULL)))
			return (0);
		log_info("client %s: %s %s: origin answered %d; serving the "
		    "stale object (stale-if-error)", c->addr_str,
		    c->method_str, c->url, m->code);
	} else
		return (0);
	proxy_server_detach(c, m);
	c->resp.state = HTTP_MOVE_DONE;
	cx->validating = 0;
	proxy_cache_serve(c);
	return (1);
}

/* Did the client's own request carry a conditional field? */
static int
proxy_cache_conditional(const struct proxy_cx *cx)
{
	const struct http_header	*h;
	size_t			 i;

	for (i = 0; i < cx->req.nhdrs; i++) {
		h = &cx->req.hdrs[i];
		if (http_header_is(h, "if-none-match") ||
		    http_header_is(h, "if-modified-since") ||
		    http_header_is(h, "if-match") ||
		    http_header_is(h, "if-unmodified-since") ||
		    http_header_is(h, "if-range"))
			return (1);
	}
	return (0);
}

/*
 * The origin's 304 m selects no stored response (RFC 9111 section
 * 4.3.4): nothing is updated from it. A conditional request gets it as
 * the answer to its own conditionals. Any other asked for a full
 * response: the 304 is dropped and the same request goes to the origin
 * once more, without the stored validators. The object stays under
 * validation, so a full answer replaces it (TCP_REFRESH_MODIFIED) and a
 * second 304 is forwarded. Returns 1 when the request went again (the
 * origin connection is then released), else 0: m is forwarded.
 */
static int
proxy_cache_unmatched(struct proxy_client *c, const struct http_msg *m)
{
	struct proxy_cx		*cx = c->cx;

	if (proxy_cache_conditional(cx)) {
		log_info("client %s: %s %s: the origin's 304 does not match "
		    "the stored response; forwarded to the conditional "
		    "request", c->addr_str, c->method_str, c->url);
		return (0);
	}
	if (c->req.state != HTTP_MOVE_DONE || c->body_sent) {
		log_info("client %s: %s %s: the origin's 304 does not match "
		    "the stored response; forwarded (the request body is "
		    "gone)", c->addr_str, c->method_str, c->url);
		return (0);
	}
	log_info("client %s: %s %s: the origin's 304 does not match the "
	    "stored response; sending the request again without validators",
	    c->addr_str, c->method_str, c->url);
	proxy_server_detach(c, m);
	proxy_cache_validators(c, 0);
	cx->unconditional = 1;
	proxy_server_start(c);
	return (1);
}

/*
 * The origin did not answer (connection failure, timeout, invalid
 * response) and the client would get an error page. Returns 1 when a
 * stale object is served instead (stale-if-error).
 */
int
proxy_cache_error(struct proxy_client *c)
{
	struct proxy_cx	*cx = c->cx;

	if (c->px->cache == NULL || cx == NULL || !cx->looked_up ||
	    !cx->validating || c->resp_started)
		return (0);
	if (!cache_stale_if_error(&cx->ans, &cx->req, time(NULL)))
		return (0);
	log_info("client %s: %s %s: origin failed; serving the stale object "
	    "(stale-if-error)", c->addr_str, c->method_str, c->url);
	proxy_server_detach(c, NULL);
	c->resp.state = HTTP_MOVE_DONE;
	cx->validating = 0;
	proxy_cache_serve(c);
	return (1);
}

/*
 * The final response head m is being forwarded: start storing it,
 * refresh or drop the stored GET on a HEAD 200, invalidate after an
 * unsafe method, and note the cache code for the access log.
 */
void
proxy_cache_store(struct proxy_client *c, const struct http_msg *m)
{
	struct proxy		*px = c->px;
	struct proxy_cx		*cx = c->cx;
	struct cache_resp	 rs;
	const char		*why;
	int			 n;

	if (px->cache == NULL || cx == NULL || !cx->looked_up)
		return;
	c->code = cache_code_name(cx->ans.code == CACHE_TCP_REFRESH_MODIFIED &&
	    m->code == 304 ? CACHE_TCP_REFRESH_UNMODIFIED : cx->ans.code);
	proxy_cache_resp(m, cx->request_time, &rs);
	switch (cx->ans.action) {
	case CACHE_ACT_PASS:
		if ((n = cache_invalidate(px->cache, &cx->req, m->code,
		    rs.hdrs, rs.nhdrs)) > 0)
			log_info("client %s: %s %s: %d stored objects "
			    "invalidated", c->addr_str, c->method_str, c->url,
			    n);
		return;
	case CACHE_ACT_MISS:
	case CACHE_ACT_VALIDATE:
		break;
	default:
		return;
	}
	if (cx->ans.head) {
		if (m->code == 200)
			cache_head_update(px->cache, &cx->req, &rs);
		return;
	}
	if ((cx->st = cache_store_begin(px->cache, &cx->req, &rs, &why)) ==
	    NULL) {
		log_debug("client %s: %s %s: not stored: %s", c->addr_str,
		    c->method_str, c->url, why);
		return;
	}
	cx->dechunk = c->resp.state == HTTP_MOVE_CHUNKED;
	if (cx->dechunk)
		http_chunked_init(&cx->ch, &px->lim);
}

/* Feed response bytes (as framed for the client) to the store. */
static void
proxy_cache_tee(struct proxy_cx *cx, const char *buf, size_t len)
{
	size_t	off = 0, consumed, doff, dlen;
	int	rv;

	if (!cx->dechunk) {
		if (cache_store_append(cx->st, buf, len) == -1)
			goto fail;
		return;
	}
	while (off < len) {
		rv = http_chunked_feed(&cx->ch, buf + off, len - off,
		    &consumed, &doff, &dlen);
		if (rv == HTTP_ERROR)
			goto fail;
		if (dlen > 0 && cache_store_append(cx->st, buf + off + doff,
		    dlen) == -1)
			goto fail;
		off += consumed;
		if (rv == HTTP_DONE || consumed == 0)
			break;
	}
	return;
fail:
	cache_store_abort(cx->st);
	cx->st = NULL;
}

/*
 * <moved> response body bytes were just added at the end of out (the
 * client's output): copy them into the object being stored.
 */
void
proxy_cache_body(struct proxy_client *c, struct evbuffer *out, size_t moved)
{
	struct proxy_cx		*cx = c->cx;
	struct evbuffer_ptr	 pos;
	struct evbuffer_iovec	 v[16];
	size_t			 len, done = 0;
	int			 i, nv;

	if (cx == NULL || cx->st == NULL || moved == 0)
		return;
	len = evbuffer_get_length(out);
	if (evbuffer_ptr_set(out, &pos, len - moved, EVBUFFER_PTR_SET) == -1)
		goto fail;
	while (done < moved && cx->st != NULL) {
		nv = evbuffer_peek(out, moved - done, &pos, v, 16);
		if (nv <= 0)
			goto fail;
		for (i = 0; i < nv && i < 16 && done < moved &&
		    cx->st != NULL; i++) {
			if (v[i].iov_len > moved - done)
				v[i].iov_len = moved - done;
			proxy_cache_tee(cx, v[i].iov_base, v[i].iov_len);
			done += v[i].iov_len;
			if (evbuffer_ptr_set(out, &pos, v[i].iov_len,
			    EVBUFFER_PTR_ADD) == -1 && done < moved)
				goto fail;
		}
	}
	return;
fail:
	if (cx->st != NULL) {
		cache_store_abort(cx->st);
		cx->st = NULL;
	}
}

/*
 * The request is over: <complete> when the response went out whole.
 * Makes a stored object visible or drops a partial one, finishes a
 * collapsed fetch (waiters look up again or forward alone), counts the
 * cache code.
 */
static void
proxy_cache_finish(struct proxy_cx *cx, int complete)
{
	struct proxy_client		*c = cx->c;
	struct cache			*cache = c->px->cache;
	enum cache_pending_result	 res = CACHE_PENDING_FAILED;
	const char			*why;

	if (!cx->looked_up)
		return;
	if (cx->st != NULL) {
		if (complete && cache_store_end(cx->st, &why) == 0)
			res = CACHE_PENDING_STORED;
		else {
			if (!complete)
				cache_store_abort(cx->st);
			log_debug("client %s: %s not stored: %s", c->addr_str,
			    c->url, complete ? why : "transfer cut short");
		}
		cx->st = NULL;
	} else if (complete && cx->ans.action == CACHE_ACT_VALIDATE &&
	    cx->ans.code == CACHE_TCP_REFRESH_UNMODIFIED)
		res = CACHE_PENDING_STORED;
	cache_pending_done(cache, cx->ans.pending, res);
	cx->ans.pending = NULL;
	if (cx->ans.waiter != NULL) {
		cache_wait_cancel(cache, cx->ans.waiter);
		cx->ans.waiter = NULL;
	}
	evtimer_del(cx->wake);
	evtimer_del(cx->wait);
	cache_count(cache, cx->ans.code);
	cache_answer_clear(&cx->ans);
	cx->looked_up = 0;
	cx->validating = 0;
	cx->unconditional = 0;
}

/* The response is out whole (called before the access log line). */
void
proxy_cache_done(struct proxy_client *c)
{
	if (c->cx != NULL)
		proxy_cache_finish(c->cx, 1);
}

/* The client goes away: abort what is in progress and free the state. */
void
proxy_cache_client_free(struct proxy_client *c)
{
	struct proxy_cx	*cx = c->cx;

	if (cx == NULL)
		return;
	proxy_cache_finish(cx, 0);
	event_free(cx->wake);
	event_free(cx->wait);
	evbuffer_free(cx->hit);
	free(cx->head);
	free(cx->hdrs);
	free(cx);
	c->cx = NULL;
}

/* The request fails before its response began: abort any store. */
void
proxy_cache_abort(struct proxy_client *c)
{
	if (c->cx != NULL)
		proxy_cache_finish(c->cx, 0);
}

/*
 * Validate c's stale object in the background (stale-while-revalidate):
 * an internal client on one end of a socket pair sends the same request
 * with "Cache-Control: max-age=0", so it goes through the ordinary path
 * (validation, store, access log); the other end reads and drops the
 * answer, and closes at its end or after PROXY_CACHE_BG_MS.
 */
static void
proxy_cache_background(struct proxy_client *c)
{
	struct proxy		*px = c->px;
	struct proxy_cx		*cx = c->cx;
	struct proxy_client	*ic;
	struct sockaddr_un	 sun;
	struct evbuffer		*b = NULL;
	struct event		*ev = NULL;
	struct timeval		 tv;
	struct http_head_opts	 o;
	size_t			 len;
	int			 fds[2];

	if (c->internal || socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0, fds) == -1)
		return;
	if ((b = evbuffer_new()) == NULL ||
	    (ev = event_new(px->base, fds[1], EV_READ | EV_PERSIST,
	    proxy_cache_sink_cb, event_self_cbarg())) == NULL)
		goto fail;
	evbuffer_add_printf(b, "%s %s HTTP/1.1\r\n", cx->req.method,
	    cx->req.uri);
	memset(&o, 0, sizeof o);
	o.max_forwards = -1;
	o.drop = proxy_cache_bg_drop;
	http_head_fields(b, cx->req.hdrs, cx->req.nhdrs, &o);
	evbuffer_add(b, "Cache-Control: max-age=0\r\n", 26);
	http_head_end(b, 0, HTTP_CONN_CLOSE);
	len = evbuffer_get_length(b);
	/* A socket pair's buffer takes a request head whole. */
	if (write(fds[1], evbuffer_pullup(b, len), len) != (ssize_t)len)
		goto fail;
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	ic = proxy_client_new(px, fds[0], (struct sockaddr *)&sun,
	    sizeof sun);
	if (ic == NULL) {
		/* Not accepted (out of memory): fds[0] is closed. */
		event_free(ev);
		close(fds[1]);
		evbuffer_free(b);
		return;
	}
	ic->internal = 1;
	/*
	 * It asks for the client that found the object stale: its address
	 * goes into X-Forwarded-For and the access log line.
	 */
	ic->addr = c->addr;
	strlcpy(ic->addr_str, c->addr_str, sizeof ic->addr_str);
	ev_tv(&tv, PROXY_CACHE_BG_MS);
	event_add(ev, &tv);
	evbuffer_free(b);
	log_debug("client %s: %s %s: revalidating in the background",
	    c->addr_str, c->method_str, c->url);
	return;
fail:
	log_warn("client %s: %s: background revalidation", c->addr_str,
	    c->url);
	if (ev != NULL)
		event_free(ev);
	if (b != NULL)
		evbuffer_free(b);
	close(fds[0]);
	close(fds[1]);
}

/* Drop the answer of a background fetch; close at its end. */
static void
proxy_cache_sink_cb(evutil_socket_t fd, short what, void *arg)
{
	struct event	*ev = arg;
	char		 buf[16384];
	ssize_t		 n;
	int		 i;

	if (what & EV_READ) {
		for (i = 0; i < 64; i++) {
			if ((n = read(fd, buf, sizeof buf)) > 0)
				continue;
			if (n == -1 && (errno == EAGAIN || errno == EINTR))
				return;
			break;
		}
		if (i == 64)
			return;
	}
	event_free(ev);
	close(fd);
}
