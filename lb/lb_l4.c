/*
 * lb_l4.c: l4 clusters in the daemon. Their packets go through the packet
 * engine (lb_pkt_*.c); the servers are chosen by the selection module
 * every cluster shares (lb_select.c: health from lb_check.c, admin state,
 * hot spares, maxconn, dont-persist, sticky entries by masked source
 * address, Mobile IPv6 keys through lb_mip6_sel.c).
 *
 * The engine reads the interfaces the cluster addresses and the servers
 * are reached through (found from the addresses and the routing table),
 * one engine cluster per listen entry of a cluster. A reload keeps the
 * engine while the interfaces stay the same: each cluster is replaced in
 * place, and flows to servers that remain carry on. A change of
 * interfaces restarts the engine, which loses its flows (logged).
 *
 * In a pair only the peer holding the floating IP forwards: a timer
 * looks at the host's addresses and switches the engine. The connection
 * table is not shared with the partner, so the flows of a failover are
 * lost and their clients reconnect (persistence entries are lost too).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "ev.h"
#include "lb_pkt.h"
#include "lbd.h"
#include "log.h"
#include "xmalloc.h"

/* How often the floating IP is looked for. */
#define LBD_L4_HELD_MS		200

static int	 l4_pick(void *, const struct lb_pkt_cluster *,
		    const struct lb_pkt_key *, const char **);
static int	 l4_pick_keys(void *, const struct lb_pkt_cluster *,
		    const struct lb_pkt_key *, const struct lb_pkt_pkey *,
		    size_t, const char **);
static void	 l4_flow_end(void *, const struct lb_pkt_cluster *, size_t);
static void	 l4_touch(void *, const struct lb_pkt_cluster *,
		    const struct lb_pkt_pkey *, size_t);
static void	 l4_bind(void *, const struct lb_pkt_cluster *,
		    const struct lb_pkt_pkey *, const struct lb_pkt_pkey *,
		    size_t);
static void	 l4_timer_cb(evutil_socket_t, short, void *);
static void	 l4_active(struct lbd *, int);
static int	 l4_local(const struct addr *, char *);
static int	 l4_is_floating(const struct cfg *, const struct addr *);
static int	 l4_if_add(char (*)[IFNAMSIZ], size_t *, const char *,
		    char **);
static void	 l4_counts(struct lbd *);
static void	 l4_counts_cb(void *, const struct lb_pkt_cluster *);
static int	 l4_cfg_engine(const struct cfg *, struct lb_pkt_conf *);
static void	 l4_gone_cb(void *, const struct lb_pkt_cluster *);
static int	 l4_outbound(struct lb_pkt_cluster_conf *, const struct cfg *,
		    const struct cfg_cluster *, char **);

/* The engine clusters no running cluster owns any more. */
struct l4_gone {
	struct lbd		*d;
	char			(*names)[LB_PKT_NAMELEN];
	size_t			 n;
};

/*
 * The running cluster that owns engine cluster <name> ("NAME" or
 * "NAME#n"), or NULL.
 */
struct lbd_cluster *
lbd_l4_owner(struct lbd *d, const char *name)
{
	struct lbd_cluster	*c;
	size_t			 len;

	len = strcspn(name, "#");
	TAILQ_FOREACH(c, &d->clusters, entry)
		if (c->mode == LB_MODE_L4 && strlen(c->name) == len &&
		    strncmp(c->name, name, len) == 0)
			return (c);
	return (NULL);
}

/* What lbd_l4_sum() walks the engine clusters with. */
struct l4_sum_walk {
	struct lbd		*d;
	struct lbd_cluster	*c;
	struct lbd_l4_sum	*s;
};

static void
l4_sum_cb(void *arg, const struct lb_pkt_cluster *pc)
{
	struct l4_sum_walk	*w = arg;
	struct lbd_l4_sum	*s = w->s;
	size_t			 i;

	if (lbd_l4_owner(w->d, pc->conf.name) != w->c)
		return;
	s->flows += pc->flows;
	s->refused += pc->refused;
	for (i = 0; i < pc->nservers && i < w->c->nsrv; i++) {
		s->st[i].active += pc->servers[i].st.active;
		s->st[i].flows += pc->servers[i].st.flows;
		s->st[i].pkts[0] += pc->servers[i].st.pkts[0];
		s->st[i].pkts[1] += pc->servers[i].st.pkts[1];
		s->st[i].bytes[0] += pc->servers[i].st.bytes[0];
		s->st[i].bytes[1] += pc->servers[i].st.bytes[1];
	}
}

int
lbd_l4_sum(struct lbd *d, struct lbd_cluster *c, struct lbd_l4_sum *s)
{
	struct l4_sum_walk	w = { d, c, s };

	memset(s, 0, sizeof *s);
	if (d->pkt == NULL || c->mode != LB_MODE_L4 || c->npkt == 0)
		return (-1);
	s->st = xcalloc(c->nsrv ? c->nsrv : 1, sizeof *s->st);
	lb_pkt_clusters_walk(d->pkt, l4_sum_cb, &w);
	return (0);
}

/* A new flow: the selection module chooses, by sticky entry if any. */
static int
l4_pick(void *arg, const struct lb_pkt_cluster *pc,
    const struct lb_pkt_key *k, const char **reason)
{
	struct lbd		*d = arg;
	struct lbd_cluster	*c;
	struct lb_cluster	*cl;
	struct lb_pick		 pk;
	struct lb_key		 key;
	struct addr		 src;
	int			 rv;

	if ((c = lbd_l4_owner(d, pc->conf.name)) == NULL) {
		*reason = "no such cluster";
		return (-1);
	}
	cl = c->cl;
	if (cl->p.persist == LB_PERSIST_STICKY) {
		lb_pkt_ip_to_addr(&src, &k->src, k->af);
		lb_key_addr(&key, &src, cl->p.plen4, cl->p.plen6);
		rv = lb_select_sticky(cl, &key, NULL, 0, check_now(), &pk);
	} else
		rv = lb_select(cl, NULL, &pk);
	if (rv == -1 || pk.srv->idx >= pc->nservers) {
		if (rv == 0)
			lb_server_release(pk.srv);
		*reason = lb_reason_str(pk.reason);
		return (-1);
	}
	c->st.conns++;
	c->srv[pk.srv->idx].requests++;
	return ((int)pk.srv->idx);
}

/* A new flow of a persist mobile-ipv6 cluster, with its packet's keys. */
static int
l4_pick_keys(void *arg, const struct lb_pkt_cluster *pc,
    const struct lb_pkt_key *k, const struct lb_pkt_pkey *keys, size_t n,
    const char **reason)
{
	struct lbd		*d = arg;
	struct lbd_cluster	*c;
	struct lb_pick		 pk;

	if ((c = lbd_l4_owner(d, pc->conf.name)) == NULL) {
		*reason = "no such cluster";
		return (-1);
	}
	if (c->cl->p.persist != LB_PERSIST_MIP6)
		return (l4_pick(arg, pc, k, reason));
	if (lb_mip6_select(c->cl, keys, n, check_now(), &pk) == -1) {
		*reason = lb_reason_str(pk.reason);
		return (-1);
	}
	if (pk.srv->idx >= pc->nservers) {
		lb_server_release(pk.srv);
		*reason = "server not in the engine";
		return (-1);
	}
	c->st.conns++;
	c->srv[pk.srv->idx].requests++;
	return ((int)pk.srv->idx);
}

/* A flow stopped counting: its server's connection slot is free again. */
static void
l4_flow_end(void *arg, const struct lb_pkt_cluster *pc, size_t server)
{
	struct lbd		*d = arg;
	struct lbd_cluster	*c;

	if ((c = lbd_l4_owner(d, pc->conf.name)) == NULL ||
	    server >= c->cl->nsrv)
		return;
	lb_server_release(&c->cl->srv[server]);
}

/* Packets of a mobile node's flow refresh its persistence entries. */
static void
l4_touch(void *arg, const struct lb_pkt_cluster *pc,
    const struct lb_pkt_pkey *keys, size_t n)
{
	struct lbd_cluster	*c;

	if ((c = lbd_l4_owner(arg, pc->conf.name)) != NULL)
		lb_mip6_touch(c->cl, keys, n, check_now());
}

/* A binding update: the node's entries follow it to its new address. */
static void
l4_bind(void *arg, const struct lb_pkt_cluster *pc,
    const struct lb_pkt_pkey *from, const struct lb_pkt_pkey *to, size_t n)
{
	struct lbd_cluster	*c;
	size_t			 done;

	if ((c = lbd_l4_owner(arg, pc->conf.name)) == NULL)
		return;
	done = lb_mip6_bind(c->cl, from, to, n, check_now());
	log_debug("cluster %s: binding update, %zu entries copied", c->name,
	    done);
}

/*
 * Whether <a> is an address of this host; the interface holding it, or
 * else the one whose subnet holds it, into <ifname> (empty: none).
 */
static int
l4_local(const struct addr *a, char *ifname)
{
	struct ifaddrs	*ifa, *i;
	struct addr	 x, m;
	const uint8_t	*pa, *px, *pm;
	size_t		 len, j;
	int		 local = 0, in;

	ifname[0] = '\0';
	if (getifaddrs(&ifa) == -1)
		return (0);
	len = a->af == AF_INET ? 4 : 16;
	for (i = ifa; i != NULL && !local; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_netmask == NULL ||
		    i->ifa_addr->sa_family != a->af ||
		    addr_from_sa(&x, i->ifa_addr, a->af == AF_INET ?
		    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) ==
		    -1 || addr_from_sa(&m, i->ifa_netmask, a->af == AF_INET ?
		    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) ==
		    -1)
			continue;
		x.port = 0;
		if (addr_eq(&x, a)) {
			local = 1;
			strlcpy(ifname, i->ifa_name, IFNAMSIZ);
			break;
		}
		pa = (const uint8_t *)&a->u;
		px = (const uint8_t *)&x.u;
		pm = (const uint8_t *)&m.u;
		for (j = 0, in = 1; j < len && in; j++)
			in = (pa[j] & pm[j]) == (px[j] & pm[j]);
		if (in && ifname[0] == '\0' && strcmp(i->ifa_name, "lo") != 0)
			strlcpy(ifname, i->ifa_name, IFNAMSIZ);
	}
	freeifaddrs(ifa);
	return (local);
}

/* Return 1 if <a> is one of the pair's floating IPs. */
static int
l4_is_floating(const struct cfg *cfg, const struct addr *a)
{
	struct addr	x;
	size_t		i;

	for (i = 0; i < cfg->ha.nfloating_ip; i++) {
		x = cfg->ha.floating_ip[i].a;
		x.port = a->port;
		if (addr_eq(&x, a))
			return (1);
	}
	return (0);
}

/*
 * Whether this peer forwards for its l4 clusters: it does unless the ha
 * block names floating IPs and this host holds none of them (the standby
 * of a pair; twin-ha moves the address).
 */
int
lbd_l4_held(const struct cfg *cfg)
{
	char	ifname[IFNAMSIZ];
	size_t	i;

	if (cfg->ha.nfloating_ip == 0)
		return (1);
	for (i = 0; i < cfg->ha.nfloating_ip; i++)
		if (l4_local(&cfg->ha.floating_ip[i].a, ifname))
			return (1);
	return (0);
}

/* Add <name> to the interface set <set> of *n unless there. */
static int
l4_if_add(char (*set)[IFNAMSIZ], size_t *n, const char *name, char **cause)
{
	size_t	i;

	for (i = 0; i < *n; i++)
		if (strcmp(set[i], name) == 0)
			return (0);
	if (*n == LBD_L4_MAXIF) {
		xasprintf(cause, "l4 clusters on more than %d interfaces",
		    LBD_L4_MAXIF);
		return (-1);
	}
	strlcpy(set[(*n)++], name, IFNAMSIZ);
	return (0);
}

/*
 * Outbound NAT of engine cluster <pc> (cluster <cc>): the source the
 * servers' own connections get. -1 with *cause (allocated).
 */
static int
l4_outbound(struct lb_pkt_cluster_conf *pc, const struct cfg *cfg,
    const struct cfg_cluster *cc, char **cause)
{
	size_t	i;

	memset(&pc->out_addr, 0, sizeof pc->out_addr);
	pc->out_egress = 0;
	switch (cc->outbound_address) {
	case LB_OUT_NONE:
		return (0);
	case LB_OUT_DEFAULT:
		/* The active peer's: this one's where the connection leaves. */
		pc->out_addr.af = pc->addr.af;
		pc->out_egress = 1;
		break;
	case LB_OUT_SELF:
		pc->out_addr = cfg->peer.address;
		break;
	case LB_OUT_FLOATING:
		for (i = 0; i < cfg->ha.nfloating_ip; i++)
			if (cfg->ha.floating_ip[i].a.af == pc->addr.af)
				break;
		if (i == cfg->ha.nfloating_ip) {
			xasprintf(cause, "cluster %s: outbound-address "
			    "floating: no floating-ip of its family",
			    cc->name);
			return (-1);
		}
		pc->out_addr = cfg->ha.floating_ip[i].a;
		break;
	case LB_OUT_CLUSTER:
		pc->out_addr = pc->addr;
		break;
	}
	if (pc->out_addr.af != pc->addr.af) {
		xasprintf(cause, "cluster %s: outbound-address: no address of "
		    "the cluster's family", cc->name);
		return (-1);
	}
	pc->out_addr.port = 0;
	pc->out_lo = cc->outbound_lo ? cc->outbound_lo : LB_OUT_PORT_LO;
	pc->out_hi = cc->outbound_lo ? cc->outbound_hi : LB_OUT_PORT_HI;
	return (0);
}

/*
 * Build the engine clusters of l4 cluster <c> from its block <cc>: one
 * per listen entry, its servers in config order (so that an engine
 * server's index is the model server's). -1 with *cause (allocated).
 */
int
lbd_l4_cluster(struct lbd_cluster *c, const struct cfg *cfg,
    const struct cfg_cluster *cc, char **cause)
{
	struct lb_pkt_cluster_conf	*pc;
	const struct cfg_listen		*l;
	char				 ifname[IFNAMSIZ];
	size_t				 i, j;
	int				 n;

	c->npkt = cc->nlisten;
	c->pkt = xcalloc(c->npkt, sizeof *c->pkt);
	for (i = 0; i < cc->nlisten; i++) {
		pc = &c->pkt[i];
		l = &cc->listen[i];
		n = i == 0 ? snprintf(pc->name, sizeof pc->name, "%s",
		    cc->name) : snprintf(pc->name, sizeof pc->name, "%s#%zu",
		    cc->name, i + 1);
		if (n < 0 || (size_t)n >= sizeof pc->name) {
			xasprintf(cause, "cluster %s: an l4 cluster's name "
			    "must be shorter than %zu characters", cc->name,
			    sizeof pc->name - 4);
			return (-1);
		}
		pc->addr = l->addr;
		pc->addr.port = 0;
		pc->port_lo = l->addr.port;
		pc->port_hi = l->port_last;
		pc->proto = cc->protocol == LB_PROTO_UDP ? LB_IP_UDP :
		    LB_IP_TCP;
		pc->mode = cc->forwarding == LB_FWD_DR ? LB_PKT_DR :
		    LB_PKT_NAT;
		/*
		 * The kernel holds the floating IP (and any address of this
		 * host): it answers ARP for it, the engine takes the ports.
		 */
		pc->shared = l4_is_floating(cfg, &pc->addr) ||
		    l4_local(&pc->addr, ifname);
		if (pc->addr.af == AF_INET6)
			lb_mip6_conf_from_cfg(&pc->mip6, cc);
		if (l4_outbound(pc, cfg, cc, cause) == -1)
			return (-1);
		pc->nservers = cc->nserver;
		pc->servers = xcalloc(cc->nserver ? cc->nserver : 1,
		    sizeof *pc->servers);
		for (j = 0; j < cc->nserver; j++) {
			strlcpy(pc->servers[j].name, cc->server[j].name,
			    sizeof pc->servers[j].name);
			pc->servers[j].addr = cc->server[j].addr;
			/* A range keeps the client's port; DR always. */
			if (pc->mode == LB_PKT_DR || pc->port_lo != pc->port_hi)
				pc->servers[j].addr.port = 0;
		}
	}
	return (0);
}

/* Free what lbd_l4_cluster built. */
void
lbd_l4_cluster_free(struct lbd_cluster *c)
{
	size_t	i;

	for (i = 0; i < c->npkt; i++)
		free(c->pkt[i].servers);
	free(c->pkt);
	c->pkt = NULL;
	c->npkt = 0;
}

/*
 * Before a start or reload changes anything: find the interfaces the
 * l4 clusters of <list> need (where each cluster address is, where each
 * server is reached) into d->pkt_want. -1 with *cause (allocated) when
 * an address cannot be placed: the running configuration stays.
 */
int
lbd_l4_prepare(struct lbd *d, const struct cfg *cfg,
    const struct lbd_clusters *list, char **cause)
{
	const struct lbd_cluster	*c;
	const struct lb_pkt_cluster_conf *pc;
	char				 ifname[IFNAMSIZ], a[ADDR_STRLEN];
	char				*why;
	size_t				 i, j;
	int				 local;

	d->pkt_nwant = 0;
	TAILQ_FOREACH(c, list, entry) {
		for (i = 0; i < c->npkt; i++) {
			pc = &c->pkt[i];
			(void)l4_local(&pc->addr, ifname);
			if (ifname[0] == '\0' && lb_pkt_route_ifname(&pc->addr,
			    ifname, &local, &why) == -1) {
				xasprintf(cause, "cluster %s: %s: no interface "
				    "on its network (%s)", c->name, addr_ntop(
				    &pc->addr, a, sizeof a), why);
				free(why);
				return (-1);
			}
			if (ifname[0] != '\0' && l4_if_add(d->pkt_want,
			    &d->pkt_nwant, ifname, cause) == -1)
				return (-1);
			for (j = 0; j < pc->nservers; j++) {
				if (lb_pkt_route_ifname(&pc->servers[j].addr,
				    ifname, &local, &why) == -1) {
					xasprintf(cause, "cluster %s: server "
					    "%s: %s", c->name,
					    pc->servers[j].name, why);
					free(why);
					return (-1);
				}
				if (local) {
					xasprintf(cause, "cluster %s: server "
					    "%s: an address of this host",
					    c->name, pc->servers[j].name);
					return (-1);
				}
				if (l4_if_add(d->pkt_want, &d->pkt_nwant,
				    ifname, cause) == -1)
					return (-1);
			}
		}
	}
	(void)cfg;
	return (0);
}

/* The engine's settings from the l4 clusters of <cfg>. */
static int
l4_cfg_engine(const struct cfg *cfg, struct lb_pkt_conf *pc)
{
	const struct cfg_cluster	*cc;
	uint64_t			 flows = 0, syn = 0, life = 0;
	int				 n = 0;

	TAILQ_FOREACH(cc, &cfg->clusters, entry) {
		if (cc->mode != LB_MODE_L4)
			continue;
		n++;
		flows += cc->flow_table_size;
		if (cc->syn_timeout > syn)
			syn = cc->syn_timeout;
		if (cc->persist == LB_PERSIST_MIP6 &&
		    cc->persist_lifetime > life)
			life = cc->persist_lifetime;
	}
	if (flows > 16000000)
		flows = 16000000;
	pc->max_flows = flows;
	if (syn != 0)
		pc->timeouts.t[LB_FS_SYN] = syn;
	if (life != 0)
		pc->binding_ms = life;
	return (n);
}

/* Note an engine cluster that no running cluster's config names. */
static void
l4_gone_cb(void *arg, const struct lb_pkt_cluster *pc)
{
	struct l4_gone		*g = arg;
	struct lbd_cluster	*c;
	size_t			 i;

	if ((c = lbd_l4_owner(g->d, pc->conf.name)) != NULL)
		for (i = 0; i < c->npkt; i++)
			if (strcmp(c->pkt[i].name, pc->conf.name) == 0)
				return;
	g->names = xreallocarray(g->names, g->n + 1, sizeof *g->names);
	strlcpy(g->names[g->n++], pc->conf.name, sizeof g->names[0]);
}

/* Per engine cluster: add its servers' active flows to their models. */
static void
l4_counts_cb(void *arg, const struct lb_pkt_cluster *pc)
{
	struct lbd_cluster	*c;
	size_t			 i;

	if ((c = lbd_l4_owner(arg, pc->conf.name)) == NULL)
		return;
	for (i = 0; i < pc->nservers && i < c->cl->nsrv; i++)
		c->cl->srv[i].active += pc->servers[i].st.active;
}

/*
 * After the engine's clusters changed: the models' connection counts are
 * the engine's active flows (a reload moved flows by server address).
 */
static void
l4_counts(struct lbd *d)
{
	struct lbd_cluster	*c;
	size_t			 i;

	TAILQ_FOREACH(c, &d->clusters, entry)
		if (c->mode == LB_MODE_L4)
			for (i = 0; i < c->cl->nsrv; i++)
				c->cl->srv[i].active = 0;
	if (d->pkt != NULL)
		lb_pkt_clusters_walk(d->pkt, l4_counts_cb, d);
}

/*
 * Once the clusters of <cfg> run (d->clusters): bring the engine in line,
 * with the interfaces lbd_l4_prepare found. Nothing here fails the start
 * or the reload: a cluster the engine refuses is logged, and forwards
 * nothing until a reload fixes it.
 */
void
lbd_l4_apply(struct lbd *d, const struct cfg *cfg)
{
	struct lb_pkt_conf	 conf;
	struct lb_pkt_selector	 sel;
	struct lbd_cluster	*c;
	struct timeval		 tv;
	char			*cause;
	struct l4_gone		 gone;
	size_t			 i;
	int			 n, same;

	lb_pkt_conf_default(&conf);
	n = l4_cfg_engine(cfg, &conf);
	same = d->pkt != NULL && d->pkt_nif == d->pkt_nwant;
	for (i = 0; same && i < d->pkt_nif; i++)
		same = strcmp(d->pkt_if[i], d->pkt_want[i]) == 0;
	if (n == 0 || !same) {
		if (d->pkt != NULL) {
			log_info("l4: %s the packet engine%s; its flows are "
			    "lost", n == 0 ? "stopping" : "restarting",
			    n == 0 ? "" : " on other interfaces");
			lb_pkt_engine_free(d->pkt);
			d->pkt = NULL;
			d->pkt_nif = 0;
			d->pkt_restarts++;
		}
		if (n == 0) {
			lbd_l4_stop(d);
			return;
		}
		for (i = 0; i < d->pkt_nwant; i++)
			strlcpy(conf.ifnames[i], d->pkt_want[i],
			    sizeof conf.ifnames[i]);
		conf.nif = d->pkt_nwant;
		memset(&sel, 0, sizeof sel);
		sel.pick = l4_pick;
		sel.pick_keys = l4_pick_keys;
		sel.flow_end = l4_flow_end;
		sel.touch = l4_touch;
		sel.bind = l4_bind;
		sel.arg = d;
		/* A new group each time: no stale member shares it. */
		conf.fanout_id = ((getpid() << 4) + (int)d->pkt_restarts) &
		    0xffff;
		if ((d->pkt = lb_pkt_engine_new(d->base, &conf, &sel,
		    &cause)) == NULL) {
			log_warnx("l4: cannot start the packet engine: %s; "
			    "the l4 clusters forward nothing until a reload",
			    cause);
			free(cause);
			return;
		}
		memcpy(d->pkt_if, d->pkt_want, sizeof d->pkt_if);
		d->pkt_nif = d->pkt_nwant;
		d->pkt_active = 1;
		for (i = 0; i < d->pkt_nif; i++)
			log_info("l4: packet engine on %s", d->pkt_if[i]);
	} else
		lb_pkt_engine_tune(d->pkt, conf.max_flows, &conf.timeouts,
		    conf.binding_ms);
	/* Clusters gone from the config go, with their flows. */
	memset(&gone, 0, sizeof gone);
	gone.d = d;
	lb_pkt_clusters_walk(d->pkt, l4_gone_cb, &gone);
	for (i = 0; i < gone.n; i++) {
		log_info("l4: cluster %s removed", gone.names[i]);
		(void)lb_pkt_cluster_del(d->pkt, gone.names[i]);
	}
	free(gone.names);
	TAILQ_FOREACH(c, &d->clusters, entry)
		for (i = 0; i < c->npkt; i++)
			if (lb_pkt_cluster_set(d->pkt, &c->pkt[i], &cause) ==
			    -1) {
				log_warnx("l4: %s", cause);
				free(cause);
			}
	l4_counts(d);
	l4_active(d, lbd_l4_held(cfg));
	if (d->pkt_timer == NULL && (d->pkt_timer = evtimer_new(d->base,
	    l4_timer_cb, d)) == NULL)
		fatalx("evtimer_new");
	if (!evtimer_pending(d->pkt_timer, NULL)) {
		ev_tv(&tv, LBD_L4_HELD_MS);
		evtimer_add(d->pkt_timer, &tv);
	}
}

/* Stop the engine (shutdown, or no l4 cluster left). */
void
lbd_l4_stop(struct lbd *d)
{
	if (d->pkt != NULL)
		lb_pkt_engine_free(d->pkt);
	d->pkt = NULL;
	d->pkt_nif = 0;
	if (d->pkt_timer != NULL)
		event_free(d->pkt_timer);
	d->pkt_timer = NULL;
}

/* Forward (<on>) or stand by, saying so when it changes. */
static void
l4_active(struct lbd *d, int on)
{
	if (on != d->pkt_active)
		log_info("l4: %s the floating IP: %s", on ? "holding" :
		    "no longer holding", on ? "forwarding" : "standing by "
		    "(the flow table is not shared: the partner starts "
		    "without it)");
	d->pkt_active = on;
	lb_pkt_set_active(d->pkt, on);
}

/* Follow the floating IP: forward while this peer holds it. */
static void
l4_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct lbd	*d = arg;
	struct timeval	 tv;

	if (d->pkt != NULL)
		l4_active(d, lbd_l4_held(d->cfg));
	ev_tv(&tv, LBD_L4_HELD_MS);
	evtimer_add(d->pkt_timer, &tv);
}
