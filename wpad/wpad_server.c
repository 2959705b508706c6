/*
 * wpad_server.c: the WPAD HTTP server: listeners, the request handler that
 * picks a client's script, and reload.
 *
 * Only GET and HEAD of /wpad.dat and /proxy.pac are answered with a
 * script; every other path is 404 and every other method 405 (evhttp).
 * Nothing is computed per request beyond the client's parity: the scripts
 * are built when the config or a proxy's health changes.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "flow.h"
#include "listener.h"
#include "log.h"
#include "wpad.h"
#include "xmalloc.h"

#define SERVER_TIMEOUT_S	10
#define SERVER_MAXHEADERS	8192
#define SERVER_MAXBODY		1024	/* GET and HEAD carry none */
#define SERVER_BACKLOG		128
#define SERVER_LOGPATH		64

/*
 * What a client may send ahead of the reply it is waiting for. evhttp
 * answers one request at a time per connection and takes the next only
 * once the reply is out, so its output holds one reply at most; but it
 * goes on reading while a reply waits, so a client that pipelines
 * requests without reading would grow the input without bound. Its
 * connections are read only while their input is below this (flow.h).
 */
#define SERVER_INPUT_MAX	(64 * 1024)

/*
 * The listeners' error callback gets evhttp's argument, not ours; there is
 * one server per process, so it finds the server here.
 */
static struct wpad	*server_self;

static void	server_request_cb(struct evhttp_request *, void *);
static struct bufferevent *server_bev_cb(struct event_base *, void *);
static void	server_accept_error_cb(struct evconnlistener *, void *);
static void	server_toggle_cb(int, void *);
static void	server_listen(struct wpad *);
static const char *server_clean(const char *, char *, size_t);
static int	server_same_listen(const struct cfg_wpad *,
		    const struct cfg_wpad *);
static int	server_same_proxies(const struct cfg_wpad *,
		    const struct cfg_wpad *);

/* Copy <s> for a log line: printable ASCII only, bounded. */
static const char *
server_clean(const char *s, char *buf, size_t len)
{
	size_t	i;

	for (i = 0; s[i] != '\0' && i + 1 < len; i++)
		buf[i] = s[i] >= 0x21 && s[i] <= 0x7e ? s[i] : '?';
	buf[i] = '\0';
	if (s[i] != '\0' && len > 4)
		memcpy(buf + len - 4, "...", 4);
	return (buf);
}

/* Make the bufferevent of a new connection, its input bounded. */
static struct bufferevent *
server_bev_cb(struct event_base *base, void *arg)
{
	struct bufferevent	*bev;

	if ((bev = bufferevent_socket_new(base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		return (NULL);
	flow_cap_input(bev, SERVER_INPUT_MAX);
	return (bev);
}

/* Answer one request: a client's script, or 404. */
static void
server_request_cb(struct evhttp_request *req, void *arg)
{
	struct wpad			*w = arg;
	const struct evhttp_uri		*uri;
	const struct sockaddr		*sa;
	struct evkeyvalq		*hdrs;
	struct addr			 client;
	const char			*path, *method;
	char				 a[INET6_ADDRSTRLEN];
	char				 pbuf[SERVER_LOGPATH], clen[32];
	int				 i;

	method = evhttp_request_get_command(req) == EVHTTP_REQ_HEAD ?
	    "HEAD" : "GET";
	sa = evhttp_connection_get_addr(evhttp_request_get_connection(req));
	if (sa == NULL || addr_from_sa(&client, sa, sa->sa_family ==
	    AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in)) == -1) {
		log_warnx("%s request from an unknown address: 500", method);
		w->nerr_client++;
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	addr_ntop(&client, a, sizeof a);
	uri = evhttp_request_get_evhttp_uri(req);
	path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	if (path == NULL || (strcmp(path, "/wpad.dat") != 0 &&
	    strcmp(path, "/proxy.pac") != 0)) {
		w->nnotfound++;
		log_info("%s %s from %s: 404, not a script path", method,
		    server_clean(path != NULL ? path : "-", pbuf, sizeof pbuf),
		    a);
		/* evhttp_send_error() would give a HEAD request a body. */
		if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD)
			evhttp_send_reply(req, HTTP_NOTFOUND, "Not Found",
			    NULL);
		else
			evhttp_send_error(req, HTTP_NOTFOUND, NULL);
		return;
	}
	i = wpad_pac_select(&w->pac, &client);
	hdrs = evhttp_request_get_output_headers(req);

	evhttp_add_header(hdrs, "Content-Type",
	    "application/x-ns-proxy-autoconfig");
	evhttp_add_header(hdrs, "Cache-Control", w->cache_control);
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		/* evhttp would send a body; send only its length. */
		snprintf(clen, sizeof clen, "%zu", w->pac.len[i]);
		evhttp_add_header(hdrs, "Content-Length", clen);
	} else if (evbuffer_add(evhttp_request_get_output_buffer(req),
	    w->pac.script[i], w->pac.len[i]) == -1) {
		log_warnx("%s %s from %s: out of memory, 503", method, path, a);
		w->nerr_nomem++;
		evhttp_send_error(req, HTTP_SERVUNAVAIL, NULL);
		return;
	}
	w->nserved[i]++;
	if (w->pac.variant == PAC_MY_IP_ADDRESS)
		log_info("%s %s from %s: my-ip-address script, the browser "
		    "picks the order (fixed order: %s first)", method, path, a,
		    w->pac.first[WPAD_EVEN]);
	else
		log_info("%s %s from %s: %s client, %s first (%s)", method,
		    path, a, i == WPAD_ODD ? "odd" : "even", w->pac.first[i],
		    w->pac.result[i]);
	evhttp_send_reply(req, HTTP_OK, "OK", NULL);
}

/*
 * accept() failed. Out of descriptors, every listener is paused for a
 * moment rather than spinning on a connection it cannot take
 * (lib/listener.h).
 */
static void
server_accept_error_cb(struct evconnlistener *lev, void *unused)
{
	listener_pause_error(server_self->pause, EVUTIL_SOCKET_ERROR());
}

/* Turn accepting off or on, for the pause. */
static void
server_toggle_cb(int on, void *arg)
{
	struct wpad	*w = arg;
	size_t		 i;

	if (on)
		log_info("accepting connections again");
	for (i = 0; i < w->nlev; i++) {
		if (on)
			evconnlistener_enable(w->lev[i]);
		else
			evconnlistener_disable(w->lev[i]);
	}
}

/*
 * Bind every listen address. IP_FREEBIND lets the standby listen on the
 * floating IP before it holds it. Called before privileges are dropped, so
 * port 80 is fine.
 */
static void
server_listen(struct wpad *w)
{
	const struct cfg_wpad		*wc = &w->cfg->wpad;
	struct evhttp_bound_socket	*bs;
	const char			*cause;
	char				 buf[ADDR_STRLEN];
	size_t				 i;
	int				 fd;

	w->pause = listener_pause_new(w->base, LISTENER_PAUSE_MS,
	    server_toggle_cb, w);
	w->lev = xcalloc(wc->nlisten, sizeof *w->lev);
	for (i = 0; i < wc->nlisten; i++) {
		addr_fmt(&wc->listen[i], buf, sizeof buf);
		fd = ev_listen_socket(&wc->listen[i], 1, SERVER_BACKLOG,
		    &cause);
		if (fd == -1)
			fatal("listen %s: %s", buf, cause);
		if ((bs = evhttp_accept_socket_with_handle(w->http, fd)) ==
		    NULL) {
			close(fd);
			fatalx("listen %s: evhttp cannot accept", buf);
		}
		w->lev[w->nlev] = evhttp_bound_socket_get_listener(bs);
		evconnlistener_set_error_cb(w->lev[w->nlev],
		    server_accept_error_cb);
		w->nlev++;
		log_info("listening on %s", buf);
	}
}

/*
 * Create the server for config <cfg> (read from <cfgfile>, for reloads):
 * build and check the scripts, then bind the listeners. Any failure here
 * is fatal: it happens at start-up.
 */
struct wpad *
wpad_new(struct event_base *base, struct cfg *cfg, const char *cfgfile)
{
	struct wpad	*w;
	const char	*cause;
	int		 i;

	w = xcalloc(1, sizeof *w);
	w->base = base;
	w->cfg = cfg;
	w->cfgfile = cfgfile;
	server_self = w;
	for (i = 0; i < WPAD_NPROXY; i++) {
		w->probe[i].w = w;
		w->probe[i].idx = i;
		w->probe[i].up = 1;
		strlcpy(w->probe[i].why, "not probed yet",
		    sizeof w->probe[i].why);
	}
	if (wpad_rebuild(w, &cfg->wpad, &cause) == -1)
		fatalx("generated PAC script fails the built-in check: %s",
		    cause);
	if ((w->http = evhttp_new(base)) == NULL)
		fatalx("evhttp_new");
	evhttp_set_allowed_methods(w->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_timeout(w->http, SERVER_TIMEOUT_S);
	evhttp_set_max_headers_size(w->http, SERVER_MAXHEADERS);
	evhttp_set_max_body_size(w->http, SERVER_MAXBODY);
	evhttp_set_gencb(w->http, server_request_cb, w);
	evhttp_set_bevcb(w->http, server_bev_cb, w);
	server_listen(w);
	wpad_metrics_start(w);
	return (w);
}

/* Free the server. */
void
wpad_free(struct wpad *w)
{
	if (w == NULL)
		return;
	wpad_probe_stop(w);
	wpad_metrics_stop(w);
	if (w->http != NULL)
		evhttp_free(w->http);
	listener_pause_free(w->pause);
	free(w->lev);
	if (server_self == w)
		server_self = NULL;
	wpad_pac_free(&w->pac);
	free(w);
}

/*
 * Build the scripts for wpad block <wc> with the current health of the
 * proxies and swap them in; on failure the old scripts stay and -1 is
 * returned with <cause>.
 */
int
wpad_rebuild(struct wpad *w, const struct cfg_wpad *wc, const char **cause)
{
	struct wpad_pac	 pac;
	int		 down[WPAD_NPROXY];

	wpad_probe_down(w, down);
	if (wpad_pac_build(&pac, wc, down, cause) == -1) {
		log_warnx("new PAC scripts fail the built-in check (%s); "
		    "still serving the previous ones", *cause);
		return (-1);
	}
	wpad_pac_free(&w->pac);
	w->pac = pac;
	snprintf(w->cache_control, sizeof w->cache_control, "max-age=%llu",
	    (unsigned long long)(wc->max_age / 1000));
	if (pac.variant == PAC_MY_IP_ADDRESS)
		log_info("script (my-ip-address): even clients get \"%s\", odd "
		    "\"%s\", others \"%s\"", pac.result[WPAD_EVEN],
		    pac.result[WPAD_ODD], pac.result[WPAD_EVEN]);
	else
		log_info("scripts: even clients get \"%s\" (%s); odd clients "
		    "get \"%s\" (%s)", pac.result[WPAD_EVEN],
		    pac.why[WPAD_EVEN],
		    pac.result[WPAD_ODD], pac.why[WPAD_ODD]);
	return (0);
}

/* Return 1 if both blocks listen on the same addresses. */
static int
server_same_listen(const struct cfg_wpad *a, const struct cfg_wpad *b)
{
	size_t	i;

	if (a->nlisten != b->nlisten)
		return (0);
	for (i = 0; i < a->nlisten; i++)
		if (!addr_eq(&a->listen[i], &b->listen[i]) ||
		    a->listen[i].port != b->listen[i].port)
			return (0);
	return (1);
}

/* Return 1 if both blocks name the same two proxies. */
static int
server_same_proxies(const struct cfg_wpad *a, const struct cfg_wpad *b)
{
	return (wpad_hostport_cmp(&a->proxy, &b->proxy) == 0 &&
	    wpad_hostport_cmp(&a->partner_proxy, &b->partner_proxy) == 0);
}

/*
 * Reload the config file: parse and check it completely, build and check
 * the new scripts, and only then swap. On any error the running config and
 * scripts stay. Listen addresses cannot change without a restart (port 80
 * needs privileges that are gone).
 */
int
wpad_reload(struct wpad *w)
{
	struct cfg_msgs	 msgs;
	struct cfg_msg	*m;
	struct cfg	*ncfg;
	const char	*cause;
	int		 same, i;

	log_info("reloading %s", w->cfgfile);
	TAILQ_INIT(&msgs);
	ncfg = cfg_load(w->cfgfile, &msgs);
	TAILQ_FOREACH(m, &msgs, entry)
		log_warnx("%s", m->text);
	cfg_msgs_free(&msgs);
	if (ncfg == NULL) {
		log_warnx("reload: %s has errors; keeping the running "
		    "configuration", w->cfgfile);
		return (-1);
	}
	if (!ncfg->wpad.blk.present) {
		log_warnx("reload: %s has no wpad block; keeping the running "
		    "configuration", w->cfgfile);
		cfg_free(ncfg);
		return (-1);
	}
	if (!server_same_listen(&w->cfg->wpad, &ncfg->wpad))
		log_warnx("reload: listen addresses changed; they take effect "
		    "when twin-wpad is restarted");
	same = server_same_proxies(&w->cfg->wpad, &ncfg->wpad);
	wpad_probe_stop(w);
	if (!same) {
		/* New proxies: nothing is known of them yet. */
		for (i = 0; i < WPAD_NPROXY; i++) {
			w->probe[i].known = 0;
			w->probe[i].up = 1;
			strlcpy(w->probe[i].why, "not probed yet",
			    sizeof w->probe[i].why);
		}
	}
	/* The metrics endpoint may move; back again if the scripts fail. */
	if (wpad_metrics_sync(w, ncfg, &cause) == -1) {
		log_warnx("reload: metrics: %s; keeping the running "
		    "configuration", cause);
		cfg_free(ncfg);
		wpad_probe_start(w);
		return (-1);
	}
	if (wpad_rebuild(w, &ncfg->wpad, &cause) == -1) {
		log_warnx("reload: keeping the running configuration");
		if (wpad_metrics_sync(w, w->cfg, &cause) == -1)
			log_warnx("reload: metrics: %s", cause);
		cfg_free(ncfg);
		wpad_probe_start(w);
		return (-1);
	}
	/* Listeners stay as they are: keep the old list in the new config. */
	if (!server_same_listen(&w->cfg->wpad, &ncfg->wpad)) {
		free(ncfg->wpad.listen);
		ncfg->wpad.listen = w->cfg->wpad.listen;
		ncfg->wpad.nlisten = w->cfg->wpad.nlisten;
		w->cfg->wpad.listen = NULL;
		w->cfg->wpad.nlisten = 0;
	}
	cfg_free(w->cfg);
	w->cfg = ncfg;
	w->nreload++;
	wpad_probe_start(w);
	log_info("reloaded %s", w->cfgfile);
	return (0);
}
