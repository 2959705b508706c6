/*
 * lb_cluster.c: the daemon's running clusters: built from a cluster
 * block (its secret, the selection model, the servers' source addresses
 * and TLS, the settings its connections read), carried over to their
 * successors by a reload, and freed when the last connection of a
 * cluster a reload removed has ended.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "ev.h"
#include "lbd.h"
#include "log.h"
#include "pool.h"
#include "tls.h"
#include "xmalloc.h"

/* Largest secret-file read (the key is derived from it). */
#define LBD_SECRET_MAX		4096

static void	 lbd_cluster_free(struct lbd_cluster *);
static void	 lbd_cluster_conf(struct lbd_conf *,
		    const struct cfg_cluster *);
static int	 lbd_server_init(struct lbd_server *, struct lbd_cluster *,
		    const struct cfg *, const struct cfg_server *, char **);
static void	 lbd_tick_cb(evutil_socket_t, short, void *);
static int	 floating(const struct cfg *, int, struct addr *);

/* Copy what connections read from the cluster block. */
static void
lbd_cluster_conf(struct lbd_conf *o, const struct cfg_cluster *cc)
{
	memset(o, 0, sizeof *o);
	o->req_lim.max_head = cc->request_max;
	o->req_lim.max_line = cc->request_max < 8192 ? cc->request_max : 8192;
	o->req_lim.max_headers = cc->max_headers < HTTP_MAX_HEADERS ?
	    cc->max_headers : HTTP_MAX_HEADERS;
	o->resp_lim.max_head = LBD_RESP_HEAD_MAX;
	o->resp_lim.max_line = 8192;
	o->resp_lim.max_headers = o->req_lim.max_headers;
	o->client_ms = cc->client_timeout;
	o->idle_ms = cc->idle_timeout;
	o->server_ms = cc->server_timeout;
	o->server_idle_ms = cc->server_idle_timeout;
	o->connect_ms = cc->connect_timeout;
	o->xff = cc->x_forwarded_for == XFF_ON ? HTTP_XFF_APPEND :
	    cc->x_forwarded_for == XFF_DELETE ? HTTP_XFF_DELETE : HTTP_XFF_KEEP;
	o->forwarded = cc->forwarded;
	o->via = cc->via;
	o->https = cc->mode == LB_MODE_HTTPS;
}

/*
 * The first floating IP of the ha block in family <af>, into <a>; -1 if
 * there is none.
 */
static int
floating(const struct cfg *cfg, int af, struct addr *a)
{
	size_t	i;

	for (i = 0; i < cfg->ha.nfloating_ip; i++)
		if (cfg->ha.floating_ip[i].a.af == af) {
			*a = cfg->ha.floating_ip[i].a;
			a->port = 0;
			return (0);
		}
	return (-1);
}

/*
 * Set up server <ls> of cluster <c> from its config line <cs>: where
 * connections to it leave from, and where its checks leave from. The
 * checks never depend on an address this peer may not hold (the floating
 * IP on a standby, a cluster address on the partner): with source
 * floating or cluster they leave from the peer's own address, which the
 * server answers as surely.
 */
static int
lbd_server_init(struct lbd_server *ls, struct lbd_cluster *c,
    const struct cfg *cfg, const struct cfg_server *cs, char **cause)
{
	char	buf[ADDR_STRLEN];

	ls->c = c;
	ls->name = ls->s->name;
	ls->addr = cs->addr;
	ls->source = cs->source;
	ls->tls = (cs->flags & LB_SRV_TLS) != 0;
	ls->verify = cs->verify;
	ls->tls_name = xstrdup(cs->tls_name != NULL ? cs->tls_name :
	    addr_ntop(&cs->addr, buf, sizeof buf));
	ls->cfg_flags = cs->flags;
	ls->cfg_maxconn = cs->maxconn;
	ls->since = time(NULL);
	ls->cst[LBD_CHK_ICMP] = ls->cst[LBD_CHK_L4] = CHECK_UNKNOWN;
	strlcpy(ls->reason, "not checked yet", sizeof ls->reason);
	switch (cs->source) {
	case LB_SOURCE_PEER:
		ls->src = cfg->peer.address;
		break;
	case LB_SOURCE_FLOATING:
		if (floating(cfg, cs->addr.af, &ls->src) == -1) {
			xasprintf(cause, "server %s: source floating: no "
			    "floating-ip of its address family", cs->name);
			return (-1);
		}
		break;
	default:
		/* default: the kernel's choice; cluster: per connection. */
		break;
	}
	if (cs->source != LB_SOURCE_DEFAULT &&
	    cfg->peer.address.af == cs->addr.af)
		ls->check_src = cfg->peer.address;
	ls->src.port = ls->check_src.port = 0;
	snprintf(ls->key, sizeof ls->key, "%s/%s", c->name, ls->name);
	return (0);
}

/*
 * Build the running cluster of block <cc> of <cfg>: read its secret
 * (persist cookie), make the model, load its certificates (https) and
 * its client contexts (servers with tls, check-tls). Every file is read
 * here, so a reload that cannot read one keeps the running config.
 * NULL with *cause (allocated) on an error.
 */
struct lbd_cluster *
lbd_cluster_new(struct lbd *d, const struct cfg *cfg,
    const struct cfg_cluster *cc, char **cause)
{
	struct lbd_cluster	*c;
	unsigned char		 secret[LBD_SECRET_MAX];
	size_t			 len = 0, i;
	const char		*why;

	c = xcalloc(1, sizeof *c);
	c->d = d;
	c->name = xstrdup(cc->name);
	c->mode = cc->mode;
	c->refs = 1;
	lbd_cluster_conf(&c->conf, cc);
	if (cc->persist == LB_PERSIST_COOKIE &&
	    daemon_read_secret(cc->secret_file, secret, sizeof secret, &len,
	    &why) == -1) {
		xasprintf(cause, "cluster %s: secret-file %s: %s", cc->name,
		    cc->secret_file, why);
		goto fail;
	}
	c->cl = lb_cluster_from_cfg(cc, len > 0 ? secret : NULL, len, &why);
	explicit_bzero(secret, sizeof secret);
	if (c->cl == NULL) {
		xasprintf(cause, "cluster %s: %s", cc->name, why);
		goto fail;
	}
	c->nsrv = c->cl->nsrv;
	c->srv = xcalloc(c->nsrv, sizeof *c->srv);
	for (i = 0; i < c->nsrv; i++) {
		c->srv[i].s = &c->cl->srv[i];
		if (lbd_server_init(&c->srv[i], c, cfg, &cc->server[i],
		    cause) == -1)
			goto fail_named;
	}
	c->nlisten = cc->nlisten;
	c->listen = xreallocarray(NULL, c->nlisten, sizeof *c->listen);
	memcpy(c->listen, cc->listen, c->nlisten * sizeof *c->listen);
	if (cc->mode == LB_MODE_HTTPS && lbd_tls_server(c, cc, cause) == -1)
		goto fail;
	if (lbd_tls_clients(c, cc, cause) == -1)
		goto fail;
	if (cc->mode == LB_MODE_L4 && lbd_l4_cluster(c, cfg, cc, cause) == -1)
		goto fail;
	if ((cc->persist == LB_PERSIST_STICKY ||
	    cc->persist == LB_PERSIST_MIP6) &&
	    (c->tick = evtimer_new(d->base, lbd_tick_cb, c)) == NULL)
		fatalx("evtimer_new");
	return (c);
fail_named:
	{
		char	*tmp = *cause;

		xasprintf(cause, "cluster %s: %s", cc->name, tmp);
		free(tmp);
	}
fail:
	lbd_cluster_free(c);
	return (NULL);
}

/*
 * Carry cluster <old>'s running state over to <c>, which replaces it:
 * the model's (health, counts, sticky table: lb_cluster_carry), and each
 * server's check results, counters and the admin state or maxconn set
 * with twinctl, as long as the file does not change that setting of the
 * server (the file was edited: it is the newer word).
 */
void
lbd_cluster_carry(struct lbd_cluster *c, struct lbd_cluster *old)
{
	struct lbd_server	*s, *o;
	size_t			 i;
	int			 mask = LB_SRV_DISABLED | LB_SRV_QUIESCE;

	lb_cluster_carry(c->cl, old->cl);
	c->st = old->st;
	for (i = 0; i < c->nsrv; i++) {
		s = &c->srv[i];
		if ((o = lbd_server_find(old, s->name)) == NULL)
			continue;
		memcpy(s->cst, o->cst, sizeof s->cst);
		strlcpy(s->reason, o->reason, sizeof s->reason);
		s->since = o->since;
		s->requests = o->requests;
		s->failures = o->failures;
		if (o->admin_ctl && (o->cfg_flags & mask) ==
		    (s->cfg_flags & mask)) {
			s->admin_ctl = 1;
			lb_server_set_admin(s->s, o->s->admin);
		}
		if (o->maxconn_ctl && o->cfg_maxconn == s->cfg_maxconn) {
			s->maxconn_ctl = 1;
			s->s->maxconn = o->s->maxconn;
		}
	}
}

/* Start a cluster's checks and its sticky-expiry tick. */
void
lbd_cluster_start(struct lbd_cluster *c, const struct cfg_cluster *cc)
{
	struct timeval	tv;

	lbd_check_start(c, c->d->base, cc);
	if (c->tick != NULL) {
		ev_tv(&tv, 1000);
		evtimer_add(c->tick, &tv);
	}
}

/* Take a reference (a connection of the cluster). */
void
lbd_cluster_ref(struct lbd_cluster *c)
{
	c->refs++;
}

/* Drop a reference; the last one frees the cluster. */
void
lbd_cluster_unref(struct lbd_cluster *c)
{
	if (--c->refs > 0)
		return;
	if (c->dead)
		TAILQ_REMOVE(&c->d->dead, c, entry);
	lbd_cluster_free(c);
}

/*
 * A reload removed the cluster, or the daemon stops: stop its checks
 * and timer and drop the daemon's reference. Its connections carry on;
 * the last one frees it. The caller has taken it off d->clusters.
 */
void
lbd_cluster_kill(struct lbd_cluster *c)
{
	lbd_check_stop(c);
	if (c->tick != NULL)
		evtimer_del(c->tick);
	c->dead = 1;
	TAILQ_INSERT_TAIL(&c->d->dead, c, entry);
	lbd_cluster_unref(c);
}

/* Free a cluster (no reference left, or never started). */
static void
lbd_cluster_free(struct lbd_cluster *c)
{
	size_t	i;

	lbd_check_stop(c);
	for (i = 0; i < c->nsrv; i++) {
		free(c->srv[i].tls_name);
		check_tls_free(c->srv[i].tr);
	}
	free(c->srv);
	pool_free(c->pool);
	lbd_tls_free(c);
	lb_cluster_free(c->cl);
	lbd_l4_cluster_free(c);
	if (c->tick != NULL)
		event_free(c->tick);
	free(c->listen);
	free(c->name);
	free(c);
}

/* The daemon's server of model server <s>. */
struct lbd_server *
lbd_server_of(struct lbd_cluster *c, const struct lb_server *s)
{
	if (s == NULL || s->idx >= c->nsrv)
		return (NULL);
	return (&c->srv[s->idx]);
}

/* Find a server by name. */
struct lbd_server *
lbd_server_find(struct lbd_cluster *c, const char *name)
{
	size_t	i;

	for (i = 0; i < c->nsrv; i++)
		if (strcmp(c->srv[i].name, name) == 0)
			return (&c->srv[i]);
	return (NULL);
}

/*
 * A server's state in one word, for `lb servers`: what an operator acts
 * on first. Disabled is the operator's own decision and says so even for
 * a server that is also down; down comes before quiesced.
 */
const char *
lbd_server_state(const struct lbd_server *s)
{
	if (s->s->admin == LB_DISABLED)
		return ("disabled");
	if (s->s->health == LB_DOWN)
		return ("down");
	if (s->s->admin == LB_QUIESCED)
		return ("quiesced");
	return ("up");
}

/*
 * Once a second: forget expired sticky entries (persist sticky), or
 * persistence entries (persist mobile-ipv6: lifetimes counted down).
 */
static void
lbd_tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct lbd_cluster	*c = arg;
	struct timeval		 tv;

	if (c->cl->sticky != NULL)
		lb_sticky_expire(c->cl->sticky, check_now());
	ev_tv(&tv, 1000);
	evtimer_add(c->tick, &tv);
}
