/*
 * proxy_main.c: the daemon's life: listeners (bound with IP_FREEBIND so
 * the floating IP can be listened on before it arrives), connection
 * limits, reload on SIGHUP without dropping connections, drain on
 * SIGTERM.
 */
#include <sys/socket.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "log.h"
#include "logfile.h"
#include "proxy.h"
#include "xmalloc.h"

static void	proxy_accept_cb(struct evconnlistener *, evutil_socket_t,
		    struct sockaddr *, int, void *);
static void	proxy_accept_error_cb(struct evconnlistener *, void *);
static void	proxy_accept_timer_cb(evutil_socket_t, short, void *);
static void	proxy_listeners_enable(struct proxy *, int);
static void	proxy_apply(struct proxy *);
static void	proxy_drain_timer_cb(evutil_socket_t, short, void *);
static int	proxy_addr_same(const struct addr *, const struct addr *);

/* Same address and port (addr_eq ignores ports). */
static int
proxy_addr_same(const struct addr *a, const struct addr *b)
{
	return (addr_eq(a, b) && a->port == b->port);
}

/* Set up the daemon's state for cfg (listeners are opened separately). */
void
proxy_init(struct proxy *px, struct event_base *base, struct cfg *cfg,
    const char *cfgfile)
{
	memset(px, 0, sizeof *px);
	px->base = base;
	px->cfg = cfg;
	px->cfgfile = cfgfile;
	px->log = logfile_new(base, "access log", LOGFILE_FLUSH,
	    LOGFILE_MAXBUF);
	px->flow = (struct flow_limits)FLOW_LIMITS_DEFAULT;
	TAILQ_INIT(&px->listeners);
	TAILQ_INIT(&px->clients);
	TAILQ_INIT(&px->idle);
	px->accept_timer = evtimer_new(base, proxy_accept_timer_cb, px);
	px->drain_timer = evtimer_new(base, proxy_drain_timer_cb, px);
	if (px->accept_timer == NULL || px->drain_timer == NULL)
		fatalx("evtimer_new");
	px->dns = evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS |
	    EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	if (px->dns == NULL) {
		/* No resolv.conf: names still resolve from /etc/hosts. */
		log_warnx("no DNS servers configured; only /etc/hosts and "
		    "literal addresses will resolve");
		if ((px->dns = evdns_base_new(base,
		    EVDNS_BASE_DISABLE_WHEN_INACTIVE)) == NULL)
			fatalx("evdns_base_new");
		evdns_base_load_hosts(px->dns, NULL);
	}
	/* A dead resolver must fail a request in seconds, not minutes. */
	evdns_base_set_option(px->dns, "timeout:", "2");
	evdns_base_set_option(px->dns, "attempts:", "2");
	proxy_apply(px);
}

/* Derive the settings kept outside the cfg (limits, Via name). */
static void
proxy_apply(struct proxy *px)
{
	struct cfg_proxy	*pc = &px->cfg->proxy;

	px->lim.max_line = pc->max_header_size < 8192 ? pc->max_header_size :
	    8192;
	px->lim.max_head = pc->max_header_size;
	px->lim.max_headers = pc->max_headers < HTTP_MAX_HEADERS ?
	    pc->max_headers : HTTP_MAX_HEADERS;
	snprintf(px->via, sizeof px->via, "%s (twin-proxy)",
	    px->cfg->peer.name != NULL ? px->cfg->peer.name : "twin-proxy");
}

/* A new connection on a listener. */
static void
proxy_accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct proxy	*px = arg;

	if (px->draining) {
		close(fd);
		return;
	}
	proxy_client_new(px, fd, sa, salen);
}

/* accept() failed: out of descriptors, pause for a second. */
static void
proxy_accept_error_cb(struct evconnlistener *lev, void *arg)
{
	struct proxy	*px = arg;
	struct timeval	 tv = { 1, 0 };
	int		 err = EVUTIL_SOCKET_ERROR();

	if (err != EMFILE && err != ENFILE && err != ENOBUFS &&
	    err != ENOMEM) {
		log_warnx("accept: %s", strerror(err));
		return;
	}
	log_warnx("accept: %s; pausing listeners for 1s", strerror(err));
	proxy_listeners_enable(px, 0);
	evtimer_add(px->accept_timer, &tv);
}

/* Resume accepting after a pause. */
static void
proxy_accept_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct proxy	*px = arg;

	if (!px->paused && !px->draining)
		proxy_listeners_enable(px, 1);
}

/* Turn accepting on or off on every listener. */
static void
proxy_listeners_enable(struct proxy *px, int on)
{
	struct proxy_listener	*l;

	TAILQ_FOREACH(l, &px->listeners, entry) {
		if (on)
			evconnlistener_enable(l->lev);
		else
			evconnlistener_disable(l->lev);
	}
}

/*
 * Track open client connections; stop accepting at max-connections and
 * start again below it. During a drain, exit when the last one closes.
 */
void
proxy_conn_count(struct proxy *px, int delta)
{
	if (delta > 0) {
		px->stats.conn_open++;
		px->stats.conn_total++;
	} else
		px->stats.conn_open--;
	if (!px->paused && px->stats.conn_open >=
	    px->cfg->proxy.max_connections) {
		log_warnx("%llu connections open (max-connections); not "
		    "accepting more for now",
		    (unsigned long long)px->stats.conn_open);
		px->paused = 1;
		proxy_listeners_enable(px, 0);
	} else if (px->paused && px->stats.conn_open <
	    px->cfg->proxy.max_connections) {
		px->paused = 0;
		if (!px->draining) {
			log_info("below max-connections again; accepting");
			proxy_listeners_enable(px, 1);
		}
	}
	if (px->draining && px->stats.conn_open == 0)
		event_base_loopexit(px->base, NULL);
}

/*
 * Make the listeners match the config: keep the sockets of addresses
 * still listed, open new ones, close the ones no longer listed. All or
 * nothing: if a new address cannot be bound, nothing changes and -1 is
 * returned with the reason in *cause (static).
 */
int
proxy_listeners_sync(struct proxy *px, const char **cause)
{
	static char		 msg[ADDR_STRLEN + 64];
	struct cfg_proxy	*pc = &px->cfg->proxy;
	struct proxy_listeners	 fresh;
	struct proxy_listener	*l, *next;
	const char		*why;
	char			 buf[ADDR_STRLEN];
	size_t			 i;
	int			 fd;

	TAILQ_INIT(&fresh);
	TAILQ_FOREACH(l, &px->listeners, entry)
		l->keep = 0;
	for (i = 0; i < pc->nlisten; i++) {
		TAILQ_FOREACH(l, &px->listeners, entry)
			if (proxy_addr_same(&l->addr, &pc->listen[i]))
				break;
		if (l != NULL) {
			l->keep = 1;
			continue;
		}
		TAILQ_FOREACH(l, &fresh, entry)
			if (proxy_addr_same(&l->addr, &pc->listen[i]))
				break;
		if (l != NULL)
			continue;
		addr_fmt(&pc->listen[i], buf, sizeof buf);
		fd = ev_listen_socket(&pc->listen[i], 1, 1024, &why);
		if (fd == -1) {
			snprintf(msg, sizeof msg, "listen %s: %s", buf, why);
			goto fail;
		}
		l = xcalloc(1, sizeof *l);
		l->addr = pc->listen[i];
		l->keep = 1;
		l->lev = evconnlistener_new(px->base, proxy_accept_cb, px,
		    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
		if (l->lev == NULL) {
			close(fd);
			free(l);
			snprintf(msg, sizeof msg, "listen %s: "
			    "evconnlistener_new failed", buf);
			goto fail;
		}
		evconnlistener_set_error_cb(l->lev, proxy_accept_error_cb);
		if (px->paused || px->draining)
			evconnlistener_disable(l->lev);
		TAILQ_INSERT_TAIL(&fresh, l, entry);
	}
	TAILQ_FOREACH_SAFE(l, &px->listeners, entry, next) {
		if (l->keep)
			continue;
		log_info("no longer listening on %s",
		    addr_fmt(&l->addr, buf, sizeof buf));
		TAILQ_REMOVE(&px->listeners, l, entry);
		evconnlistener_free(l->lev);
		free(l);
	}
	while ((l = TAILQ_FIRST(&fresh)) != NULL) {
		TAILQ_REMOVE(&fresh, l, entry);
		log_info("listening on %s", addr_fmt(&l->addr, buf,
		    sizeof buf));
		TAILQ_INSERT_TAIL(&px->listeners, l, entry);
	}
	return (0);
fail:
	while ((l = TAILQ_FIRST(&fresh)) != NULL) {
		TAILQ_REMOVE(&fresh, l, entry);
		evconnlistener_free(l->lev);
		free(l);
	}
	*cause = msg;
	return (-1);
}

/*
 * SIGHUP: load the config file again. On any error the running config
 * stays; otherwise listeners, access rules and settings switch over
 * while established connections carry on.
 */
void
proxy_reload(struct proxy *px)
{
	struct cfg_msgs	 msgs;
	struct cfg_msg	*msg;
	struct cfg	*cfg, *old;
	const char	*cause;
	char		*oldpath = NULL;

	log_info("reloading %s", px->cfgfile);
	TAILQ_INIT(&msgs);
	cfg = cfg_load(px->cfgfile, &msgs);
	TAILQ_FOREACH(msg, &msgs, entry)
		log_warnx("%s%s", msg->warning ? "warning: " : "", msg->text);
	cfg_msgs_free(&msgs);
	if (cfg == NULL) {
		log_warnx("reload: %s has errors; keeping the running "
		    "configuration", px->cfgfile);
		return;
	}
	old = px->cfg;
	px->cfg = cfg;
	if (proxy_listeners_sync(px, &cause) == -1) {
		px->cfg = old;
		cfg_free(cfg);
		log_warnx("reload: %s; keeping the running configuration",
		    cause);
		return;
	}
	if (logfile_path(px->log) != NULL)
		oldpath = xstrdup(logfile_path(px->log));
	if (oldpath == NULL || strcmp(oldpath, cfg->proxy.access_log) != 0) {
		if (logfile_open(px->log, cfg->proxy.access_log,
		    &cause) == -1)
			log_warnx("reload: access log %s: %s; still writing "
			    "to %s", cfg->proxy.access_log, cause,
			    oldpath != NULL ? oldpath : "nothing");
		else
			log_info("access log is now %s",
			    cfg->proxy.access_log);
	} else
		logfile_reopen(px->log);
	free(oldpath);
	proxy_apply(px);
	proxy_cache_reload(px, &old->proxy);
	/* The pool may hold connections from an old outgoing-address. */
	proxy_pool_flush(px);
	cfg_free(old);
	log_info("reload: configuration from %s in effect", px->cfgfile);
}

/* Drain took too long: stop anyway. */
static void
proxy_drain_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct proxy	*px = arg;

	log_warnx("%llu connections still busy after %d ms; stopping",
	    (unsigned long long)px->stats.conn_open, PROXY_DRAIN_MS);
	event_base_loopexit(px->base, NULL);
}

/*
 * SIGTERM: stop accepting, close idle connections, let requests in
 * progress finish (bounded by PROXY_DRAIN_MS), then exit.
 */
void
proxy_drain(struct proxy *px)
{
	struct proxy_listener	*l;
	struct timeval		 tv;

	if (px->draining)
		return;
	log_info("draining: %llu connections open",
	    (unsigned long long)px->stats.conn_open);
	px->draining = 1;
	while ((l = TAILQ_FIRST(&px->listeners)) != NULL) {
		TAILQ_REMOVE(&px->listeners, l, entry);
		evconnlistener_free(l->lev);
		free(l);
	}
	proxy_pool_flush(px);
	proxy_client_drain_idle(px);
	if (px->stats.conn_open == 0) {
		event_base_loopexit(px->base, NULL);
		return;
	}
	ev_tv(&tv, PROXY_DRAIN_MS);
	evtimer_add(px->drain_timer, &tv);
}

/* Free everything (after the loop ended). */
void
proxy_shutdown(struct proxy *px)
{
	struct proxy_listener	*l;
	struct proxy_client	*c;

	while ((l = TAILQ_FIRST(&px->listeners)) != NULL) {
		TAILQ_REMOVE(&px->listeners, l, entry);
		evconnlistener_free(l->lev);
		free(l);
	}
	px->draining = 1;
	while ((c = TAILQ_FIRST(&px->clients)) != NULL)
		proxy_client_close(c, "shutting down");
	proxy_pool_flush(px);
	logfile_free(px->log);
	px->log = NULL;
	proxy_ctl_close(px);
	proxy_cache_close(px);
	evdns_base_free(px->dns, 1);
	event_free(px->accept_timer);
	event_free(px->drain_timer);
}
