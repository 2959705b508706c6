/*
 * lb_main.c: the daemon's life: which clusters it serves (the one mode
 * switch), its listeners (lib/listener.h: bound with IP_FREEBIND, so a
 * standby listens on the floating IP before the address arrives), the
 * access logs, reload on SIGHUP and drain on SIGTERM.
 *
 * A reload builds every new cluster (reading its secret and certificate
 * files) and binds every new listener before it changes anything; any
 * failure keeps the running configuration whole. Then each new cluster
 * takes over the running state of the cluster of the same name (server
 * health, counters, connection counts, sticky entries, the TLS holder),
 * the open connections move to it, server by server name, and the old
 * clusters are dropped; a cluster the reload removed stays until its last
 * connection ends.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "lbd.h"
#include "listener.h"
#include "log.h"
#include "logfile.h"
#include "logfwd.h"
#include "pool.h"
#include "xmalloc.h"

static void	 lbd_accept_cb(int, const struct sockaddr *, int, void *);
static void	 lbd_drain_timer_cb(evutil_socket_t, short, void *);
static struct lbd_cluster *lbd_cluster_for(struct lbd *,
		    const struct addr *);
static int	 lbd_build(struct lbd *, const struct cfg *,
		    struct lbd_clusters *, char **);
static void	 lbd_clusters_free(struct lbd_clusters *);
static const struct cfg_cluster *lbd_cfg_cluster(const struct cfg *,
		    const char *);
static struct logfile *lbd_log_for(struct lbd *, const struct cfg *,
		    const struct cfg_cluster *);
static char	*lbd_log_key(const struct cfg *, const struct cfg_cluster *);
static void	 lbd_log_forward(struct logfwd *, const struct cfg *,
		    const struct cfg_cluster *);

/*
 * Whether this daemon serves clusters of <mode>: the one place the mode
 * picks an engine. l7 and https clusters are served by lb_http*.c on
 * sockets; l4 clusters by the packet engine (lb_l4.c, lb_pkt_*), which
 * takes no listener and writes no access log.
 */
int
lbd_serves(int mode)
{
	switch (mode) {
	case LB_MODE_L7:
	case LB_MODE_HTTPS:
	case LB_MODE_L4:
		return (1);
	default:
		return (0);
	}
}

/* Return 1 if <cfg> has an l4 cluster (the packet engine is needed). */
int
lbd_has_l4(const struct cfg *cfg)
{
	const struct cfg_cluster	*cc;

	TAILQ_FOREACH(cc, &cfg->clusters, entry)
		if (cc->mode == LB_MODE_L4)
			return (1);
	return (0);
}

/* Say which clusters of <cfg> this build leaves alone. */
void
lbd_skipped(const struct cfg *cfg)
{
	const struct cfg_cluster	*cc;

	TAILQ_FOREACH(cc, &cfg->clusters, entry)
		if (!lbd_serves(cc->mode))
			log_warnx("%s:%d: cluster %s: its mode is not "
			    "supported by this build; skipped", cc->blk.file,
			    cc->blk.line, cc->name);
}

/* Set up the daemon's state for <cfg> (nothing opened yet). */
void
lbd_init(struct lbd *d, struct event_base *base, struct cfg *cfg,
    const char *cfgfile)
{
	struct listener_conf	lc = { 1024, 1, LISTENER_PAUSE_MS, 0 };

	memset(d, 0, sizeof *d);
	d->base = base;
	d->cfg = cfg;
	d->cfgfile = cfgfile;
	d->flow = (struct flow_limits)FLOW_LIMITS_DEFAULT;
	TAILQ_INIT(&d->clusters);
	TAILQ_INIT(&d->dead);
	TAILQ_INIT(&d->clients);
	d->ls = listener_set_new(base, &lc, &d->conns, lbd_accept_cb, d);
	if ((d->drain_timer = evtimer_new(base, lbd_drain_timer_cb,
	    d)) == NULL)
		fatalx("evtimer_new");
	snprintf(d->via, sizeof d->via, "%s (twin-lb)",
	    cfg->peer.name != NULL ? cfg->peer.name : "twin-lb");
	lbd_metrics_init(d);
}

/*
 * The running cluster a connection to <local> belongs to: the one that
 * listens on exactly that address and port, else one listening on the
 * wildcard of the port (the config allows no two that could both).
 */
static struct lbd_cluster *
lbd_cluster_for(struct lbd *d, const struct addr *local)
{
	struct lbd_cluster	*c, *wild = NULL;
	const struct addr	*a;
	size_t			 i;

	TAILQ_FOREACH(c, &d->clusters, entry)
		for (i = 0; i < c->nlisten && c->mode != LB_MODE_L4; i++) {
			a = &c->listen[i].addr;
			if (a->af != local->af || a->port != local->port)
				continue;
			if (addr_eq(a, local))
				return (c);
			if (addr_is_any(a))
				wild = c;
		}
	return (wild);
}

/* A new connection on a listener. */
static void
lbd_accept_cb(int fd, const struct sockaddr *sa, int salen, void *arg)
{
	struct lbd		*d = arg;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof ss;
	struct addr		 local;
	struct lbd_cluster	*c;

	if (d->draining || getsockname(fd, (struct sockaddr *)&ss,
	    &sslen) == -1 || addr_from_sa(&local, (struct sockaddr *)&ss,
	    sslen) == -1 || (c = lbd_cluster_for(d, &local)) == NULL) {
		close(fd);
		return;
	}
	lbd_client_new(d, c, fd, sa, salen, &local);
}

/*
 * Track open client connections. During a drain, exit when the last one
 * closes.
 */
void
lbd_conn_count(struct lbd *d, int delta)
{
	listener_set_conn(d->ls, delta);
	if (d->draining && d->conns.open == 0)
		event_base_loopexit(d->base, NULL);
}

/* Listen on the addresses of the clusters of <cfg> served, all or none. */
int
lbd_listen(struct lbd *d, const struct cfg *cfg, const char **cause)
{
	const struct cfg_cluster	*cc;
	struct addr			*a = NULL;
	size_t				 n = 0, i;
	int				 rv;

	TAILQ_FOREACH(cc, &cfg->clusters, entry) {
		if (!lbd_serves(cc->mode) || cc->mode == LB_MODE_L4)
			continue;
		for (i = 0; i < cc->nlisten; i++) {
			a = xreallocarray(a, n + 1, sizeof *a);
			a[n++] = cc->listen[i].addr;
		}
	}
	/* The metrics endpoint first: it is put back if a listener fails. */
	if (lbd_metrics_sync(d, cfg, cause) == -1) {
		free(a);
		return (-1);
	}
	rv = listener_set_sync(d->ls, a, n, cause);
	free(a);
	if (rv == -1 && d->cfg != cfg)
		lbd_metrics_sync(d, d->cfg, &(const char *){ NULL });
	return (rv);
}

/*
 * The key of <cc>'s access log: its path and its forwarding settings.
 * Clusters that agree on both share one file and one connection to the
 * log server; the tag defaults to the peer's name, so that the two
 * peers' lines never meet under one name at the server.
 */
static char *
lbd_log_key(const struct cfg *cfg, const struct cfg_cluster *cc)
{
	const struct cfg_logfwd	*f = &cc->access_fwd;
	char			*key, *k, a[ADDR_STRLEN];
	size_t			 i;

	xasprintf(&key, "%s\n%d %s %d %llu %d %s %s", cc->access_log,
	    f->syslog, f->tag != NULL ? f->tag : (cfg->peer.name != NULL ?
	    cfg->peer.name : "-"), f->facility, (unsigned long long)f->queue,
	    f->tls, f->ca_file != NULL ? f->ca_file : "-",
	    f->server_name != NULL ? f->server_name : "-");
	for (i = 0; i < f->nserver; i++) {
		xasprintf(&k, "%s %s", key, addr_fmt(&f->server[i], a,
		    sizeof a));
		free(key);
		key = k;
	}
	return (key);
}

/* Apply <cc>'s forwarding settings to <fwd>. */
static void
lbd_log_forward(struct logfwd *fwd, const struct cfg *cfg,
    const struct cfg_cluster *cc)
{
	struct logfwd_conf	 conf;

	cfg_logfwd_conf(cfg, &cc->access_fwd, "twin-lb", &conf);
	logfwd_configure(fwd, &conf);
}

/* The log object of <cc> (opened by lbd_logs_open), or NULL. */
static struct logfile *
lbd_log_for(struct lbd *d, const struct cfg *cfg,
    const struct cfg_cluster *cc)
{
	struct logfile	*lf = NULL;
	char		*key = lbd_log_key(cfg, cc);
	size_t		 i;

	for (i = 0; i < d->nlogs; i++)
		if (strcmp(d->logs[i].key, key) == 0) {
			lf = d->logs[i].used ? d->logs[i].lf : NULL;
			break;
		}
	free(key);
	return (lf);
}

/*
 * Open the access logs <cfg>'s clusters name (one object per path, the
 * clusters sharing it); reopen those open already (rotation, SIGHUP);
 * close those no longer named. With <strict> (start-up) a log that does
 * not open is fatal to the caller: -1; otherwise it is logged, and its
 * clusters log nothing until a reload opens it.
 */
int
lbd_logs_open(struct lbd *d, const struct cfg *cfg, int strict)
{
	const struct cfg_cluster	*cc;
	struct lbd_log			*l;
	const char			*cause;
	char				*key;
	size_t				 i;
	int				 rv = 0;

	for (i = 0; i < d->nlogs; i++)
		d->logs[i].used = 0;
	TAILQ_FOREACH(cc, &cfg->clusters, entry) {
		if (!lbd_serves(cc->mode) || cc->mode == LB_MODE_L4)
			continue;
		key = lbd_log_key(cfg, cc);
		for (i = 0; i < d->nlogs; i++)
			if (strcmp(d->logs[i].key, key) == 0)
				break;
		if (i == d->nlogs) {
			d->logs = xreallocarray(d->logs, d->nlogs + 1,
			    sizeof *d->logs);
			l = &d->logs[d->nlogs++];
			l->path = xstrdup(cc->access_log);
			l->key = key;
			l->lf = logfile_new(d->base, "access log",
			    LOGFILE_FLUSH, LOGFILE_MAXBUF);
			l->fwd = logfwd_new(d->base, "access log");
			logfile_set_forward(l->lf, l->fwd);
			l->used = 0;
		} else
			free(key);
		l = &d->logs[i];
		if (l->used)
			continue;
		l->used = 1;
		lbd_log_forward(l->fwd, cfg, cc);
		if (logfile_path(l->lf) != NULL) {
			logfile_reopen(l->lf);
			continue;
		}
		if (logfile_open(l->lf, l->path, &cause) == 0)
			continue;
		log_warnx("access log %s: %s", l->path, cause);
		l->used = 0;
		if (strict)
			rv = -1;
	}
	for (i = 0; i < d->nlogs; i++) {
		if (d->logs[i].used)
			continue;
		if (logfile_path(d->logs[i].lf) != NULL)
			logfile_close(d->logs[i].lf);
		/* No cluster logs this way any more: stop forwarding. */
		logfwd_configure(d->logs[i].fwd, &(struct logfwd_conf){ 0 });
	}
	return (rv);
}

/* SIGUSR1: reopen every access log (rotation). */
void
lbd_logs_reopen(struct lbd *d)
{
	size_t	i;

	for (i = 0; i < d->nlogs; i++)
		if (d->logs[i].used) {
			logfile_reopen(d->logs[i].lf);
			logfwd_reopen(d->logs[i].fwd);
		}
}

/* The block of cluster <name> in <cfg>. */
static const struct cfg_cluster *
lbd_cfg_cluster(const struct cfg *cfg, const char *name)
{
	const struct cfg_cluster	*cc;

	TAILQ_FOREACH(cc, &cfg->clusters, entry)
		if (strcmp(cc->name, name) == 0)
			return (cc);
	return (NULL);
}

/*
 * Build a running cluster for every block of <cfg> this daemon serves,
 * into <list>, in config order; each gets its pool and access log. -1
 * with *cause (allocated) at the first that cannot be built; <list> then
 * holds the ones that were.
 */
static int
lbd_build(struct lbd *d, const struct cfg *cfg, struct lbd_clusters *list,
    char **cause)
{
	const struct cfg_cluster	*cc;
	struct lbd_cluster		*c;

	TAILQ_FOREACH(cc, &cfg->clusters, entry) {
		if (!lbd_serves(cc->mode))
			continue;
		if ((c = lbd_cluster_new(d, cfg, cc, cause)) == NULL)
			return (-1);
		c->pool = pool_new(&(struct pool_conf){ LBD_POOL_MAX,
		    cc->server_idle_timeout });
		c->log = lbd_log_for(d, cfg, cc);
		if (cc->spoof && cc->mode != LB_MODE_L4)
			log_warnx("%s:%d: cluster %s: spoof is not supported "
			    "for %s clusters by this build; connecting from "
			    "the servers' source addresses", cc->blk.file,
			    cc->blk.line, cc->name, cc->mode == LB_MODE_HTTPS ?
			    "https" : "l7");
		TAILQ_INSERT_TAIL(list, c, entry);
	}
	return (0);
}

/* Free clusters that never ran. */
static void
lbd_clusters_free(struct lbd_clusters *list)
{
	struct lbd_cluster	*c;

	while ((c = TAILQ_FIRST(list)) != NULL) {
		TAILQ_REMOVE(list, c, entry);
		c->dead = 0;
		lbd_cluster_unref(c);
	}
}

/*
 * Build and start the clusters of the config (once privileges are
 * dropped: the secret and certificate files are read as the daemon's
 * user, as every reload reads them). -1 with *cause (allocated).
 */
int
lbd_start(struct lbd *d, char **cause)
{
	struct lbd_cluster	*c;

	if (lbd_build(d, d->cfg, &d->clusters, cause) == -1) {
		lbd_clusters_free(&d->clusters);
		return (-1);
	}
	if (lbd_l4_prepare(d, d->cfg, &d->clusters, cause) == -1) {
		lbd_clusters_free(&d->clusters);
		return (-1);
	}
	TAILQ_FOREACH(c, &d->clusters, entry)
		lbd_cluster_start(c, lbd_cfg_cluster(d->cfg, c->name));
	lbd_l4_apply(d, d->cfg);
	return (0);
}

/*
 * For -n: build every cluster of the config, as a start would (reading
 * the secret and certificate files), and free them. -1 with *cause.
 */
int
lbd_verify(struct lbd *d, char **cause)
{
	struct lbd_clusters	list;
	int			rv;

	TAILQ_INIT(&list);
	rv = lbd_build(d, d->cfg, &list, cause);
	lbd_clusters_free(&list);
	return (rv);
}

/* Find a running cluster by name. */
struct lbd_cluster *
lbd_cluster_find(struct lbd *d, const char *name)
{
	struct lbd_cluster	*c;

	TAILQ_FOREACH(c, &d->clusters, entry)
		if (strcmp(c->name, name) == 0)
			return (c);
	return (NULL);
}

/*
 * SIGHUP: load the config file again. On any error (syntax, a secret or
 * certificate file, a listener) the running config stays; otherwise the
 * new clusters take over as described at the top of this file.
 */
void
lbd_reload(struct lbd *d)
{
	struct lbd_clusters	 fresh, old;
	struct cfg_msgs		 msgs;
	struct cfg_msg		*msg;
	struct lbd_cluster	*c, *o;
	struct cfg		*cfg;
	const char		*cause;
	char			*why = NULL;

	log_info("reloading %s", d->cfgfile);
	TAILQ_INIT(&msgs);
	cfg = cfg_load(d->cfgfile, &msgs);
	TAILQ_FOREACH(msg, &msgs, entry)
		log_warnx("%s%s", msg->warning ? "warning: " : "", msg->text);
	cfg_msgs_free(&msgs);
	if (cfg == NULL) {
		log_warnx("reload: %s has errors; keeping the running "
		    "configuration", d->cfgfile);
		return;
	}
	TAILQ_INIT(&fresh);
	if (lbd_build(d, cfg, &fresh, &why) == -1 ||
	    lbd_l4_prepare(d, cfg, &fresh, &why) == -1) {
		log_warnx("reload: %s; keeping the running configuration",
		    why);
		free(why);
		lbd_clusters_free(&fresh);
		cfg_free(cfg);
		return;
	}
	if (lbd_listen(d, cfg, &cause) == -1) {
		log_warnx("reload: %s; keeping the running configuration",
		    cause);
		lbd_clusters_free(&fresh);
		cfg_free(cfg);
		return;
	}
	lbd_skipped(cfg);
	lbd_logs_open(d, cfg, 0);

	/* Nothing can fail from here on. */
	TAILQ_FOREACH(c, &fresh, entry) {
		c->log = lbd_log_for(d, cfg, lbd_cfg_cluster(cfg, c->name));
		if ((o = lbd_cluster_find(d, c->name)) == NULL ||
		    o->mode != c->mode)
			continue;
		lbd_cluster_carry(c, o);
		if (lbd_tls_reload(c, o, &why) == -1) {
			log_warnx("cluster %s: %s; the new certificates "
			    "apply, but sessions cannot resume", c->name, why);
			free(why);
		}
	}
	TAILQ_FOREACH(c, &fresh, entry)
		if ((o = lbd_cluster_find(d, c->name)) != NULL &&
		    o->mode == c->mode)
			lbd_client_repoint(d, o, c);
	TAILQ_INIT(&old);
	TAILQ_CONCAT(&old, &d->clusters, entry);
	TAILQ_CONCAT(&d->clusters, &fresh, entry);
	while ((o = TAILQ_FIRST(&old)) != NULL) {
		TAILQ_REMOVE(&old, o, entry);
		pool_flush(o->pool);
		lbd_cluster_kill(o);
	}
	TAILQ_FOREACH(c, &d->clusters, entry)
		lbd_cluster_start(c, lbd_cfg_cluster(cfg, c->name));
	lbd_l4_apply(d, cfg);
	snprintf(d->via, sizeof d->via, "%s (twin-lb)",
	    cfg->peer.name != NULL ? cfg->peer.name : "twin-lb");
	cfg_free(d->cfg);
	d->cfg = cfg;
	d->reloads++;
	log_info("reload: configuration from %s in effect", d->cfgfile);
}

/* Drain took too long: stop anyway. */
static void
lbd_drain_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct lbd	*d = arg;

	log_warnx("%llu connections still busy after %d ms; stopping",
	    (unsigned long long)d->conns.open, LBD_DRAIN_MS);
	event_base_loopexit(d->base, NULL);
}

/*
 * SIGTERM: stop accepting, close idle connections, let requests in
 * progress finish (bounded by LBD_DRAIN_MS), then exit.
 */
void
lbd_drain(struct lbd *d)
{
	struct lbd_cluster	*c;
	struct timeval		 tv;

	if (d->draining)
		return;
	log_info("draining: %llu connections open",
	    (unsigned long long)d->conns.open);
	d->draining = 1;
	listener_set_close(d->ls);
	TAILQ_FOREACH(c, &d->clusters, entry)
		pool_flush(c->pool);
	lbd_client_drain_idle(d);
	if (d->conns.open == 0) {
		event_base_loopexit(d->base, NULL);
		return;
	}
	ev_tv(&tv, LBD_DRAIN_MS);
	evtimer_add(d->drain_timer, &tv);
}

/* Free everything (after the loop ended). */
void
lbd_shutdown(struct lbd *d)
{
	struct lbd_client	*cl;
	struct lbd_cluster	*c;
	size_t			 i;

	listener_set_close(d->ls);
	d->draining = 1;
	lbd_l4_stop(d);
	while ((cl = TAILQ_FIRST(&d->clients)) != NULL)
		lbd_client_close(cl, "shutting down");
	while ((c = TAILQ_FIRST(&d->clusters)) != NULL) {
		TAILQ_REMOVE(&d->clusters, c, entry);
		pool_flush(c->pool);
		lbd_cluster_kill(c);
	}
	for (i = 0; i < d->nlogs; i++) {
		logfile_free(d->logs[i].lf);
		logfwd_free(d->logs[i].fwd);
		free(d->logs[i].path);
		free(d->logs[i].key);
	}
	free(d->logs);
	d->logs = NULL;
	d->nlogs = 0;
	lbd_ctl_close(d);
	lbd_metrics_free(d);
	listener_set_free(d->ls);
	event_free(d->drain_timer);
}
