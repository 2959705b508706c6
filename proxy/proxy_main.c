/*
 * proxy_main.c: the daemon's life: listeners (lib/listener.h: bound with
 * IP_FREEBIND so the floating IP can be listened on before it arrives,
 * held at max-connections), reload on SIGHUP without dropping
 * connections, drain on SIGTERM.
 */
#include <sys/socket.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "listener.h"
#include "log.h"
#include "pool.h"
#include "logfile.h"
#include "logfwd.h"
#include "proxy.h"
#include "xmalloc.h"

static void	proxy_accept_cb(int, const struct sockaddr *, int, void *);
static void	proxy_apply(struct proxy *);
static void	proxy_drain_timer_cb(evutil_socket_t, short, void *);

/* Set up the daemon's state for cfg (listeners are opened separately). */
void
proxy_init(struct proxy *px, struct event_base *base, struct cfg *cfg,
    const char *cfgfile)
{
	struct listener_conf	lc = { 1024, 1, LISTENER_PAUSE_MS, 0 };

	memset(px, 0, sizeof *px);
	px->base = base;
	px->cfg = cfg;
	px->cfgfile = cfgfile;
	px->log = logfile_new(base, "access log", LOGFILE_FLUSH,
	    LOGFILE_MAXBUF);
	px->logfwd = logfwd_new(base, "access log");
	logfile_set_forward(px->log, px->logfwd);
	px->flow = (struct flow_limits)FLOW_LIMITS_DEFAULT;
	TAILQ_INIT(&px->clients);
	px->pool = pool_new(&(struct pool_conf){ PROXY_POOL_MAX,
	    cfg->proxy.server_idle_timeout });
	lc.max_conns = cfg->proxy.max_connections;
	px->ls = listener_set_new(base, &lc, &px->stats.conns,
	    proxy_accept_cb, px);
	if ((px->drain_timer = evtimer_new(base, proxy_drain_timer_cb,
	    px)) == NULL)
		fatalx("evtimer_new");
	proxy_ftp_init(px);
	proxy_metrics_init(px);
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
	proxy_log_forward(px);
}

/* A new connection on a listener. */
static void
proxy_accept_cb(int fd, const struct sockaddr *sa, int salen, void *arg)
{
	struct proxy	*px = arg;

	if (px->draining) {
		close(fd);
		return;
	}
	proxy_client_new(px, fd, sa, salen);
}

/*
 * Track open client connections (the listeners hold accepting at
 * max-connections). During a drain, exit when the last one closes.
 */
void
proxy_conn_count(struct proxy *px, int delta)
{
	listener_set_conn(px->ls, delta);
	if (px->draining && px->stats.conns.open == 0 &&
	    proxy_ftp_open_conns(px) == 0)
		event_base_loopexit(px->base, NULL);
}

/* Listen on the addresses of the config, all or nothing. */
int
proxy_listen(struct proxy *px, const char **cause)
{
	if (listener_set_sync(px->ls, px->cfg->proxy.listen,
	    px->cfg->proxy.nlisten, cause) == -1)
		return (-1);
	if (proxy_ftp_listen(px, cause) == -1)
		return (-1);
	return (proxy_metrics_sync(px, cause));
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
	if (proxy_listen(px, &cause) == -1) {
		px->cfg = old;
		/* Those before the one that failed may have changed. */
		proxy_listen(px, &(const char *){ NULL });
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
			log_warnx("reload: access log: %s; still writing "
			    "to %s", cause, oldpath != NULL ? oldpath :
			    "nothing");
		else
			log_info("access log is now %s",
			    cfg->proxy.access_log);
	} else
		logfile_reopen(px->log);
	free(oldpath);
	proxy_apply(px);
	listener_set_max(px->ls, cfg->proxy.max_connections);
	proxy_cache_reload(px, &old->proxy);
	/* The pool may hold connections from an old outgoing-address. */
	pool_flush(px->pool);
	pool_set(px->pool, &(struct pool_conf){ PROXY_POOL_MAX,
	    cfg->proxy.server_idle_timeout });
	cfg_free(old);
	log_info("reload: configuration from %s in effect", px->cfgfile);
}

/* Drain took too long: stop anyway. */
static void
proxy_drain_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct proxy	*px = arg;

	log_warnx("%llu connections still busy after %d ms; stopping",
	    (unsigned long long)px->stats.conns.open, PROXY_DRAIN_MS);
	event_base_loopexit(px->base, NULL);
}

/*
 * SIGTERM: stop accepting, close idle connections, let requests in
 * progress finish (bounded by PROXY_DRAIN_MS), then exit.
 */
void
proxy_drain(struct proxy *px)
{
	struct timeval	tv;

	if (px->draining)
		return;
	log_info("draining: %llu connections open",
	    (unsigned long long)px->stats.conns.open);
	px->draining = 1;
	listener_set_close(px->ls);
	pool_flush(px->pool);
	proxy_client_drain_idle(px);
	proxy_ftp_drain(px);
	if (px->stats.conns.open == 0 && proxy_ftp_open_conns(px) == 0) {
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
	struct proxy_client	*c;

	listener_set_close(px->ls);
	px->draining = 1;
	while ((c = TAILQ_FIRST(&px->clients)) != NULL)
		proxy_client_close(c, "shutting down");
	proxy_ftp_shutdown(px);
	proxy_metrics_free(px);
	pool_free(px->pool);
	px->pool = NULL;
	logfile_free(px->log);
	px->log = NULL;
	logfwd_free(px->logfwd);
	px->logfwd = NULL;
	proxy_ctl_close(px);
	proxy_cache_close(px);
	evdns_base_free(px->dns, 1);
	listener_set_free(px->ls);
	event_free(px->drain_timer);
}
