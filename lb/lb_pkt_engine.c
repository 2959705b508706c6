/*
 * lb_pkt_engine.c: the L4 engine's packet path and its API for the
 * daemon. A frame from a ring is parsed, then either belongs to a flow
 * (either direction), is an ICMP error about one, opens a new flow to a
 * cluster (the daemon's selector picks the server), opens an outbound
 * flow from a server, or is left to the kernel. Forwarding rewrites it in
 * place (NAT or DR) and queues it on the egress ring.
 *
 * Clusters with Mobile IPv6 persistence see their packets first in
 * engine_mip6(): home address options are translated or kept, ESP goes
 * by direct routing to the server of its SPI, binding updates are
 * followed; replies to a node away from home get a type 2 routing header
 * (lb_mip6.c, lb_mip6_xlate.c).
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ev.h"
#include "lb_pkt_int.h"
#include "log.h"
#include "xmalloc.h"

/* What engine_mip6() learnt of a packet for the flow it goes through. */
struct mip6_note {
	struct lb_pkt_cluster	*cl;		/* NULL: not mobile */
	struct lb_mip6_id	 id;		/* the node, as it sent it */
};

static void	engine_tick_cb(evutil_socket_t, short, void *);
static int	engine_locals(struct lb_pkt_engine *);
static void	engine_ip(struct lb_pkt_engine *, struct lb_pkt_rx *,
		    struct lb_pkt *);
static void	engine_icmp(struct lb_pkt_engine *, struct lb_pkt_rx *,
		    struct lb_pkt *);
static void	engine_forward(struct lb_pkt_engine *, struct lb_pkt_rx *,
		    struct lb_pkt *, struct lb_flow *, int, int);
static struct lb_flow *engine_new_flow(struct lb_pkt_engine *,
		    struct lb_pkt_rx *, struct lb_pkt *,
		    struct lb_pkt_cluster *, const struct mip6_note *);
static struct lb_flow *engine_outbound(struct lb_pkt_engine *,
		    struct lb_pkt_rx *, struct lb_pkt *);
static struct lb_pkt_cluster *engine_match(struct lb_pkt_engine *,
		    const struct lb_pkt *);
static int	engine_egress(struct lb_pkt_engine *, struct lb_flow *, int,
		    struct lb_pkt_ring **, const uint8_t **);
static int	engine_xlate(const struct lb_flow *, int, int *,
		    const struct lb_pkt_ip **, uint16_t *);
static void	engine_toobig(struct lb_pkt_engine *, struct lb_pkt_rx *,
		    const struct lb_pkt *, const struct lb_pkt_cluster *,
		    uint32_t);
static void	engine_flow_end_cb(void *, struct lb_flow *);
static void	engine_flow_free_cb(void *, struct lb_flow *);
static void	engine_cluster_free(struct lb_pkt_cluster *);
static void	engine_frag_note(struct lb_pkt_engine *, const struct lb_pkt *,
		    const struct lb_flow *, int);
static struct lb_flow *engine_frag_flow(struct lb_pkt_engine *,
		    const struct lb_pkt *, int *);
static void	engine_kernel(struct lb_pkt_engine *);
static void	engine_count_mip6(struct lb_pkt_engine *);

static int	engine_mip6(struct lb_pkt_engine *, struct lb_pkt_rx *,
		    struct lb_pkt *, struct mip6_note *);
static struct lb_pkt_cluster *engine_mip6_cluster(struct lb_pkt_engine *,
		    const struct lb_pkt *);
static int	engine_mip6_strip(struct lb_pkt_engine *, struct lb_pkt_rx *,
		    struct lb_pkt *);
static void	engine_mip6_flow(struct lb_pkt_engine *, struct lb_flow *,
		    const struct lb_pkt *, const struct mip6_note *);
static void	engine_mip6_dgram(struct lb_pkt_engine *, struct lb_pkt_rx *,
		    struct lb_pkt *, struct mip6_note *, int);
static void	engine_bu(struct lb_pkt_engine *, struct lb_pkt_cluster *,
		    const struct lb_pkt *);
static int	engine_rh2(struct lb_pkt_engine *, struct lb_pkt_rx *,
		    const struct lb_pkt *, const struct lb_flow *);

static const char *const lb_drop_names[] = {
	"malformed", "truncated", "vlan", "no-flow", "table-full",
	"no-server", "no-neighbour", "ttl", "too-big", "fragment",
	"inactive", "tx", "icmp-no-flow", "no-port"
};

/* Name a drop reason. */
const char *
lb_pkt_drop_name(enum lb_pkt_drop d)
{
	if (d >= LB_DROP_MAX)
		return ("?");
	return (lb_drop_names[d]);
}

/* Milliseconds on the monotonic clock. */
uint64_t
lb_pkt_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Safe defaults for every setting. */
void
lb_pkt_conf_default(struct lb_pkt_conf *c)
{
	memset(c, 0, sizeof *c);
	c->max_flows = 65536;
	lb_flow_timeouts_default(&c->timeouts);
	/* 8192 slots of 2 KB a ring. */
	c->ring_block_size = 1 << 17;
	c->ring_blocks = 128;
	c->tick_ms = 1000;
	c->icmp_rate = 100;
	c->kernel_rules = 1;
	c->max_bindings = 65536;
	c->binding_ms = 300 * 1000;
	c->nft = "nft";
	strlcpy(c->nft_table, "twin_lb", sizeof c->nft_table);
}

/* The ring of interface <ifindex>, or NULL. */
struct lb_pkt_ring *
lb_engine_ring(struct lb_pkt_engine *e, int ifindex)
{
	size_t	i;

	for (i = 0; i < e->nrings; i++)
		if (e->rings[i].ifindex == ifindex)
			return (&e->rings[i]);
	return (NULL);
}

/* Send whatever every ring has queued. */
void
lb_engine_flush(struct lb_pkt_engine *e)
{
	size_t	i;

	for (i = 0; i < e->nrings; i++)
		if (e->rings[i].txq.n != 0)
			lb_ring_flush(&e->rings[i]);
}

/*
 * Note this host's addresses (outbound NAT and nftables leave them be);
 * return 1 if they changed.
 */
static int
engine_locals(struct lb_pkt_engine *e)
{
	struct lb_pkt_ip old[64];
	int		 oldaf[64];
	struct ifaddrs	*ifa, *i;
	size_t		 n = 0, nold = e->nlocals;

	memcpy(old, e->locals, sizeof old);
	memcpy(oldaf, e->localaf, sizeof oldaf);
	if (getifaddrs(&ifa) == -1)
		return (0);
	for (i = ifa; i != NULL && n < 64; i = i->ifa_next) {
		if (i->ifa_addr == NULL)
			continue;
		memset(&e->locals[n], 0, sizeof e->locals[n]);
		if (i->ifa_addr->sa_family == AF_INET) {
			memcpy(e->locals[n].b, &((struct sockaddr_in *)(void *)
			    i->ifa_addr)->sin_addr, 4);
			e->localaf[n++] = 4;
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			memcpy(e->locals[n].b, &((struct sockaddr_in6 *)(void *)
			    i->ifa_addr)->sin6_addr, 16);
			e->localaf[n++] = 6;
		}
	}
	e->nlocals = n;
	freeifaddrs(ifa);
	return (n != nold || memcmp(old, e->locals, n * sizeof old[0]) != 0 ||
	    memcmp(oldaf, e->localaf, n * sizeof oldaf[0]) != 0);
}

/*
 * Create the engine on <base> with <conf> (copied; conf->nft kept by
 * reference) and the daemon's selector <sel>: one ring per interface,
 * the connection table, the tick. Needs CAP_NET_RAW and CAP_NET_ADMIN.
 */
struct lb_pkt_engine *
lb_pkt_engine_new(struct event_base *base, const struct lb_pkt_conf *conf,
    const struct lb_pkt_selector *sel, char **cause)
{
	struct lb_pkt_engine	*e;
	struct timeval		 tv;
	size_t			 i;

	if (conf->nif == 0 || conf->nif > LB_PKT_MAXIF) {
		xasprintf(cause, "between 1 and %d interfaces", LB_PKT_MAXIF);
		return (NULL);
	}
	if (conf->max_flows == 0 || conf->ring_blocks == 0 ||
	    conf->ring_block_size < 65536 ||
	    (conf->ring_block_size & (conf->ring_block_size - 1)) != 0) {
		xasprintf(cause, "bad flow bound or ring size");
		return (NULL);
	}
	e = xcalloc(1, sizeof *e);
	e->base = base;
	e->conf = *conf;
	e->sel = *sel;
	e->nl = -1;
	e->active = 1;
	e->now = lb_pkt_now();
	e->icmp_tokens = conf->icmp_rate;
	if (e->conf.fanout_id == 0)
		e->conf.fanout_id = getpid() & 0xffff;
	TAILQ_INIT(&e->clusters);
	for (i = 0; i < LB_NEIGH_BUCKETS; i++)
		LIST_INIT(&e->neigh[i]);
	if (lb_flow_table_init(&e->flows, conf->max_flows, &conf->timeouts,
	    arc4random()) == -1) {
		xasprintf(cause, "out of memory for %u flows", conf->max_flows);
		goto fail;
	}
	e->flows.end_cb = engine_flow_end_cb;
	e->flows.free_cb = engine_flow_free_cb;
	e->flows.arg = e;
	e->frags = xcalloc(LB_FRAG_SLOTS, sizeof *e->frags);
	if (lb_mip6_bc_init(&e->binds, conf->max_bindings, conf->binding_ms,
	    arc4random()) == -1) {
		xasprintf(cause, "out of memory for %u bindings",
		    conf->max_bindings);
		goto fail;
	}
	if (lb_kern_open(e, cause) == -1)
		goto fail;
	engine_locals(e);
	for (i = 0; i < conf->nif; i++) {
		if (lb_ring_open(e, &e->rings[i], conf->ifnames[i], cause) ==
		    -1)
			goto fail;
		e->nrings++;
	}
	e->tick = event_new(base, -1, EV_PERSIST, engine_tick_cb, e);
	ev_tv(&tv, conf->tick_ms);
	if (e->tick == NULL || event_add(e->tick, &tv) == -1) {
		xasprintf(cause, "cannot add the engine's timer");
		goto fail;
	}
	if (conf->kernel_rules && lb_kern_nft(e, cause) == -1)
		goto fail;
	return (e);
fail:
	lb_pkt_engine_free(e);
	return (NULL);
}

/* Stop: end every flow, remove what was added to the kernel, close. */
void
lb_pkt_engine_free(struct lb_pkt_engine *e)
{
	struct lb_pkt_cluster	*cl;
	size_t			 i;

	if (e == NULL)
		return;
	if (e->flows.buckets != NULL)
		lb_flow_table_free(&e->flows);
	while ((cl = TAILQ_FIRST(&e->clusters)) != NULL) {
		TAILQ_REMOVE(&e->clusters, cl, link);
		if (cl->route_added)
			lb_kern_blackhole(e, cl->conf.addr.af == AF_INET ? 4 :
			    6, &cl->ip, 0);
		engine_cluster_free(cl);
	}
	if (e->conf.kernel_rules)
		lb_kern_nft_del(e);
	for (i = 0; i < e->nrings; i++)
		lb_ring_close(&e->rings[i]);
	if (e->tick != NULL)
		event_free(e->tick);
	lb_neigh_free(e);
	lb_kern_close(e);
	lb_mip6_bc_free(&e->binds);
	free(e->frags);
	free(e);
}

/* The periodic work: expiry, neighbours, counters, the full-table log. */
static void
engine_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lb_pkt_engine	*e = arg;
	struct lb_pkt_cluster	*cl;
	size_t			 i;

	e->now = lb_pkt_now();
	lb_flow_tick(&e->flows, e->now, 0);
	lb_mip6_bc_tick(&e->binds, e->now);
	if (lb_flow_full_log(&e->flows, e->now))
		log_warnx("l4: connection table full (%u flows): %llu new "
		    "flows refused so far", e->flows.max,
		    (unsigned long long)e->flows.refused);
	TAILQ_FOREACH(cl, &e->clusters, link)
		for (i = 0; i < cl->nservers && !cl->dead; i++)
			if (!cl->servers[i].gone)
				lb_neigh_want(e, cl->servers[i].ifindex,
				    cl->conf.addr.af == AF_INET ? 4 : 6,
				    &cl->servers[i].nexthop);
	lb_neigh_tick(e);
	for (i = 0; i < e->nrings; i++) {
		lb_ring_stats(&e->rings[i]);
		lb_ring_addrs(&e->rings[i]);
	}
	/*
	 * An address arrived or went (the floating IP): the nftables rules
	 * must leave the host's own traffic to the kernel, so they follow.
	 */
	if (engine_locals(e) && !TAILQ_EMPTY(&e->clusters))
		engine_kernel(e);
	e->icmp_tokens = e->conf.icmp_rate * (uint64_t)e->conf.tick_ms / 1000;
	lb_engine_flush(e);
}

/* One frame from a ring. */
void
lb_engine_rx(struct lb_pkt_engine *e, struct lb_pkt_rx *rx)
{
	struct lb_pkt	p;
	enum lb_pkt_err	err;

	e->st.rx_pkts++;
	e->st.rx_bytes += rx->len;
	if (rx->snaplen < rx->len) {
		e->st.drops[LB_DROP_TRUNC]++;
		return;
	}
	if (rx->status & TP_STATUS_VLAN_VALID) {
		/* Run the engine on the VLAN's own interface instead. */
		e->st.drops[LB_DROP_VLAN]++;
		return;
	}
	err = lb_pkt_parse(rx->frame, rx->snaplen, &p);
	if (err != LB_PKT_OK) {
		if (p.ethertype == LB_ETH_IPV4 || p.ethertype == LB_ETH_IPV6 ||
		    p.ethertype == LB_ETH_ARP) {
			e->st.drops[LB_DROP_PARSE]++;
			e->st.parse_err[err]++;
		}
		return;
	}
	if (p.flags & LB_PKT_F_VLAN) {
		e->st.drops[LB_DROP_VLAN]++;
		return;
	}
	if (p.ethertype == LB_ETH_ARP) {
		lb_neigh_rx(e, rx->ring, &p);
		return;
	}
	if (p.ethertype != LB_ETH_IPV4 && p.ethertype != LB_ETH_IPV6)
		return;
	if (p.proto == LB_IP_ICMPV6 && (p.icmp_type == 135 ||
	    p.icmp_type == 136) && !(p.flags & LB_PKT_F_FRAG)) {
		lb_neigh_rx(e, rx->ring, &p);
		return;
	}
	engine_ip(e, rx, &p);
}

/* The cluster whose address and port <p> is sent to, if any. */
static struct lb_pkt_cluster *
engine_match(struct lb_pkt_engine *e, const struct lb_pkt *p)
{
	struct lb_pkt_cluster	*cl;
	int			 af;

	TAILQ_FOREACH(cl, &e->clusters, link) {
		if (cl->dead)
			continue;
		af = cl->conf.addr.af == AF_INET ? 4 : 6;
		if (af != p->key.af || cl->conf.proto != p->proto ||
		    memcmp(&cl->ip, &p->key.dst, sizeof cl->ip) != 0)
			continue;
		if (!(p->flags & LB_PKT_F_PORTS))
			return (cl);
		if (p->key.dport >= cl->conf.port_lo &&
		    p->key.dport <= cl->conf.port_hi)
			return (cl);
	}
	return (NULL);
}

/* An IP packet: find its flow or make one. */
static void
engine_ip(struct lb_pkt_engine *e, struct lb_pkt_rx *rx, struct lb_pkt *p)
{
	struct lb_pkt_cluster	*cl;
	struct lb_flow		*f;
	struct mip6_note	 mn;
	int			 dir;

	mn.cl = NULL;
	if (e->nmip6 > 0 && p->key.af == 6 && (p->flags & (LB_PKT_F_HAO |
	    LB_PKT_F_RH2 | LB_PKT_F_ESP | LB_PKT_F_MH)) &&
	    engine_mip6(e, rx, p, &mn))
		return;
	if (p->flags & LB_PKT_F_FRAG_LATER) {
		if ((f = engine_frag_flow(e, p, &dir)) != NULL) {
			if (!e->active)
				e->st.drops[LB_DROP_INACTIVE]++;
			else
				engine_forward(e, rx, p, f, dir, 0);
		} else if (engine_match(e, p) != NULL)
			e->st.drops[LB_DROP_FRAG]++;
		return;
	}
	if ((f = lb_flow_lookup(&e->flows, &p->key, &dir)) != NULL) {
		if (!e->active) {
			e->st.drops[LB_DROP_INACTIVE]++;
			return;
		}
		/* A new connection reusing the ports of a closing one. */
		if (p->proto == LB_IP_TCP && dir == LB_FLOW_ORIG &&
		    (p->tcpflags & (LB_TCP_SYN | LB_TCP_ACK)) == LB_TCP_SYN &&
		    (f->state == LB_FS_FIN || f->state == LB_FS_CLOSE))
			lb_flow_del(&e->flows, f);
		else {
			if (dir == LB_FLOW_ORIG && f->cl->conf.mip6.keys != 0)
				engine_mip6_flow(e, f, p, &mn);
			engine_forward(e, rx, p, f, dir, 0);
			return;
		}
	}
	if (p->flags & LB_PKT_F_ICMPERR) {
		engine_icmp(e, rx, p);
		return;
	}
	if ((cl = engine_match(e, p)) != NULL) {
		if (!e->active) {
			e->st.drops[LB_DROP_INACTIVE]++;
			return;
		}
		if (!(p->flags & LB_PKT_F_PORTS) || (p->proto == LB_IP_TCP &&
		    (p->tcpflags & (LB_TCP_SYN | LB_TCP_ACK | LB_TCP_RST)) !=
		    LB_TCP_SYN)) {
			e->st.drops[LB_DROP_NOFLOW]++;
			return;
		}
		if ((f = engine_new_flow(e, rx, p, cl, &mn)) != NULL) {
			if (cl->conf.mip6.keys != 0)
				engine_mip6_flow(e, f, p, &mn);
			engine_forward(e, rx, p, f, LB_FLOW_ORIG, 0);
		}
		return;
	}
	if (e->active && (f = engine_outbound(e, rx, p)) != NULL)
		engine_forward(e, rx, p, f, LB_FLOW_ORIG, 0);
}

/*
 * An ICMP error: the quoted packet went the other way through a flow, so
 * its reversed key finds the flow and the direction the error goes.
 */
static void
engine_icmp(struct lb_pkt_engine *e, struct lb_pkt_rx *rx, struct lb_pkt *p)
{
	struct lb_pkt_key	 k;
	struct lb_flow		*f;
	int			 dir;

	if (!(p->inner.flags & LB_PKT_F_PORTS))
		return;
	lb_flow_key_reverse(&k, &p->inner.key);
	if ((f = lb_flow_lookup(&e->flows, &k, &dir)) == NULL) {
		if (engine_match(e, p) != NULL)
			e->st.drops[LB_DROP_ICMP]++;
		return;
	}
	if (!e->active) {
		e->st.drops[LB_DROP_INACTIVE]++;
		return;
	}
	engine_forward(e, rx, p, f, dir, 1);
}

/* Open a flow of cluster <cl> for the client packet <p>. */
static struct lb_flow *
engine_new_flow(struct lb_pkt_engine *e, struct lb_pkt_rx *rx,
    struct lb_pkt *p, struct lb_pkt_cluster *cl, const struct mip6_note *mn)
{
	struct lb_pkt_pkey	 keys[LB_MIP6_NKEYS];
	struct lb_mip6_id	 id;
	struct lb_pkt_key	 reply;
	struct lb_pkt_server	*s;
	struct lb_flow		*f;
	const char		*reason = "none";
	char			 kb[128];
	size_t			 nkeys;
	int			 idx, mode;

	if (e->flows.count >= e->flows.max) {
		e->flows.refused++;
		e->flows.log_full = 1;
		e->st.drops[LB_DROP_FULL]++;
		if (lb_flow_full_log(&e->flows, e->now))
			log_warnx("l4: connection table full (%u flows): %llu "
			    "new flows refused so far", e->flows.max,
			    (unsigned long long)e->flows.refused);
		return (NULL);
	}
	if (cl->conf.mip6.keys != 0 && e->sel.pick_keys != NULL) {
		if (mn->cl == cl)
			id = mn->id;
		else
			lb_mip6_id(p, &id);
		nkeys = lb_mip6_keys(cl->conf.mip6.keys, &id, keys);
		idx = e->sel.pick_keys(e->sel.arg, cl, &p->key, keys, nkeys,
		    &reason);
	} else
		idx = e->sel.pick(e->sel.arg, cl, &p->key, &reason);
	if (idx < 0 || (size_t)idx >= cl->nservers ||
	    cl->servers[idx].gone) {
		cl->refused++;
		e->st.drops[LB_DROP_NOSERVER]++;
		log_debug("l4: cluster %s: no server for %s: %s",
		    cl->conf.name, lb_pkt_key_fmt(&p->key, kb, sizeof kb),
		    reason);
		return (NULL);
	}
	s = &cl->servers[idx];
	/* The servers' security associations hold the cluster address. */
	mode = p->proto == LB_IP_ESP ? LB_PKT_DR : cl->conf.mode;
	if (mode == LB_PKT_NAT) {
		memset(&reply, 0, sizeof reply);
		reply.af = p->key.af;
		reply.proto = p->key.proto;
		reply.src = s->ip;
		reply.sport = s->conf.addr.port ? s->conf.addr.port :
		    p->key.dport;
		reply.dst = p->key.src;
		reply.dport = p->key.sport;
	} else
		lb_flow_key_reverse(&reply, &p->key);
	f = lb_flow_new(&e->flows, &p->key, &reply, p->proto == LB_IP_TCP ?
	    LB_FS_SYN : LB_FS_UDP, e->now);
	if (f == NULL) {
		/* The reply key is taken (or memory short): undo the pick. */
		e->st.drops[LB_DROP_FULL]++;
		if (e->sel.flow_end != NULL)
			e->sel.flow_end(e->sel.arg, cl, idx);
		return (NULL);
	}
	f->cl = cl;
	f->server = idx;
	f->mode = mode;
	f->ptouch = e->now;
	f->oifindex = rx->ring->ifindex;
	memcpy(f->omac, rx->frame + LB_PKT_ETH_ALEN, LB_PKT_ETH_ALEN);
	cl->refs++;
	cl->flows++;
	s->st.active++;
	s->st.flows++;
	return (f);
}

/*
 * A server opens a connection of its own: with outbound NAT on its
 * cluster, give it the configured source address and a free port outside
 * the cluster's range, and route it like the kernel would.
 */
static struct lb_flow *
engine_outbound(struct lb_pkt_engine *e, struct lb_pkt_rx *rx,
    struct lb_pkt *p)
{
	struct lb_pkt_cluster	*cl;
	struct lb_pkt_ring	*r;
	struct lb_pkt_key	 reply;
	struct lb_flow		*f;
	size_t			 i, tries, span;
	int			 dir, ifindex, local;
	struct lb_pkt_ip	 nh;

	if (!(p->flags & LB_PKT_F_PORTS) || (p->proto == LB_IP_TCP &&
	    (p->tcpflags & (LB_TCP_SYN | LB_TCP_ACK)) != LB_TCP_SYN))
		return (NULL);
	TAILQ_FOREACH(cl, &e->clusters, link) {
		if (cl->dead || cl->conf.out_addr.af == 0 ||
		    (cl->conf.addr.af == AF_INET) != (p->key.af == 4))
			continue;
		for (i = 0; i < cl->nservers; i++)
			if (!cl->servers[i].gone && memcmp(&cl->servers[i].ip,
			    &p->key.src, sizeof p->key.src) == 0)
				break;
		if (i < cl->nservers)
			break;
	}
	if (cl == NULL || lb_kern_is_local(e, p->key.af, &p->key.dst))
		return (NULL);
	if (e->flows.count >= e->flows.max) {
		e->flows.refused++;
		e->flows.log_full = 1;
		e->st.drops[LB_DROP_FULL]++;
		return (NULL);
	}
	if (lb_kern_route_get(e, p->key.af, &p->key.dst, &ifindex, &nh,
	    &local) == -1 || local || (r = lb_engine_ring(e, ifindex)) == NULL) {
		e->st.drops[LB_DROP_NONEIGH]++;
		return (NULL);
	}
	memset(&reply, 0, sizeof reply);
	reply.af = p->key.af;
	reply.proto = p->key.proto;
	reply.src = p->key.dst;
	reply.sport = p->key.dport;
	reply.dst = cl->out_ip;
	if (cl->conf.out_egress) {
		/* The address this peer has where the connection leaves. */
		if (!(p->key.af == 4 ? r->has4 : r->has6)) {
			e->st.drops[LB_DROP_NONEIGH]++;
			return (NULL);
		}
		reply.dst = p->key.af == 4 ? r->ip4 : r->ip6;
	}
	span = (size_t)cl->conf.out_hi - cl->conf.out_lo + 1;
	for (tries = 0; tries < 64 && tries < span; tries++) {
		if (cl->out_next < cl->conf.out_lo ||
		    cl->out_next > cl->conf.out_hi)
			cl->out_next = cl->conf.out_lo;
		reply.dport = cl->out_next++;
		if (lb_flow_lookup(&e->flows, &reply, &dir) == NULL)
			break;
	}
	if (tries == 64 || tries == span) {
		e->st.drops[LB_DROP_NOPORT]++;
		return (NULL);
	}
	f = lb_flow_new(&e->flows, &p->key, &reply, p->proto == LB_IP_TCP ?
	    LB_FS_SYN : LB_FS_UDP, e->now);
	if (f == NULL)
		return (NULL);
	f->flags |= LB_FLOW_F_OUTBOUND | LB_FLOW_F_ENDED;
	f->cl = cl;
	f->server = i;
	f->mode = LB_PKT_NAT;
	f->oifindex = rx->ring->ifindex;
	memcpy(f->omac, rx->frame + LB_PKT_ETH_ALEN, LB_PKT_ETH_ALEN);
	f->rifindex = ifindex;
	f->rnexthop = nh;
	cl->refs++;
	return (f);
}

/* Where a packet of <f> going in <dir> leaves, and to which MAC. */
static int
engine_egress(struct lb_pkt_engine *e, struct lb_flow *f, int dir,
    struct lb_pkt_ring **rp, const uint8_t **macp)
{
	struct lb_pkt_server	*s = &f->cl->servers[f->server];
	int			 af = f->ent[0].key.af;

	if (dir == LB_FLOW_REPLY) {
		*rp = lb_engine_ring(e, f->oifindex);
		*macp = f->omac;
	} else if (f->flags & LB_FLOW_F_OUTBOUND) {
		*rp = lb_engine_ring(e, f->rifindex);
		*macp = lb_neigh_get(e, f->rifindex, af, &f->rnexthop);
	} else {
		*rp = lb_engine_ring(e, s->ifindex);
		*macp = lb_neigh_get(e, s->ifindex, af, &s->nexthop);
	}
	return (*rp != NULL && *macp != NULL ? 0 : -1);
}

/*
 * The address rewrite a packet of <f> going in <dir> gets: which side,
 * to what, and the port. Returns -1 when none (direct routing).
 */
static int
engine_xlate(const struct lb_flow *f, int dir, int *which,
    const struct lb_pkt_ip **ip, uint16_t *port)
{
	if (f->mode == LB_PKT_DR)
		return (-1);
	if (f->flags & LB_FLOW_F_OUTBOUND) {
		if (dir == LB_FLOW_ORIG) {
			*which = LB_NAT_SRC;
			*ip = &f->ent[LB_FLOW_REPLY].key.dst;
			*port = f->ent[LB_FLOW_REPLY].key.dport;
		} else {
			*which = LB_NAT_DST;
			*ip = &f->ent[LB_FLOW_ORIG].key.src;
			*port = f->ent[LB_FLOW_ORIG].key.sport;
		}
	} else if (dir == LB_FLOW_ORIG) {
		*which = LB_NAT_DST;
		*ip = &f->ent[LB_FLOW_REPLY].key.src;
		*port = f->ent[LB_FLOW_REPLY].key.sport;
	} else {
		*which = LB_NAT_SRC;
		*ip = &f->ent[LB_FLOW_ORIG].key.dst;
		*port = f->ent[LB_FLOW_ORIG].key.dport;
	}
	return (0);
}

/*
 * Tell the sender of <p> that it is too big for the next link (<mtu>),
 * from this side's address (the cluster's if this side has none).
 */
static void
engine_toobig(struct lb_pkt_engine *e, struct lb_pkt_rx *rx,
    const struct lb_pkt *p, const struct lb_pkt_cluster *cl, uint32_t mtu)
{
	struct lb_pkt_ring	*r = rx->ring;
	const struct lb_pkt_ip	*src;
	uint8_t			*buf;
	size_t			 len;

	if (p->proto == LB_IP_ICMP || p->proto == LB_IP_ICMPV6 ||
	    (p->flags & LB_PKT_F_FRAG_LATER) || e->icmp_tokens == 0)
		return;
	if (p->key.af == 4)
		src = r->has4 ? &r->ip4 : &cl->ip;
	else
		src = r->has6 ? &r->ip6 : &cl->ip;
	if ((buf = lb_ring_scratch(r)) == NULL)
		return;
	len = lb_icmp_error(buf, LB_SCRATCH_LEN, p, r->mac,
	    rx->frame + LB_PKT_ETH_ALEN, src, LB_ICMP_TOOBIG, mtu);
	if (lb_ring_tx_scratch(r, buf, len) == 0) {
		e->icmp_tokens--;
		e->st.icmp_sent++;
	}
}

/*
 * Forward <p> through flow <f> in direction <dir> (<icmp>: it is an ICMP
 * error about the flow, translated both outside and inside).
 */
static void
engine_forward(struct lb_pkt_engine *e, struct lb_pkt_rx *rx,
    struct lb_pkt *p, struct lb_flow *f, int dir, int icmp)
{
	struct lb_pkt_server	*s = &f->cl->servers[f->server];
	struct virtio_net_hdr	*vh = rx->vnet;
	struct lb_pkt_ring	*out;
	const struct lb_pkt_ip	*ip;
	const uint8_t		*mac;
	uint32_t		 seg, hl, grow = 0;
	uint16_t		 port;
	int			 which, partial, outbound;

	outbound = (f->flags & LB_FLOW_F_OUTBOUND) != 0;
	/* A reply to a mobile node away from home: to its care-of address. */
	if (f->has_coa && dir == LB_FLOW_REPLY && !outbound)
		grow = LB_MIP6_RH2_LEN;
	lb_flow_touch(&e->flows, f, dir, icmp ? 0 : p->tcpflags, rx->len,
	    e->now);
	if (!outbound) {
		s->st.pkts[dir]++;
		s->st.bytes[dir] += rx->len;
	}
	if (engine_egress(e, f, dir, &out, &mac) == -1) {
		e->st.drops[LB_DROP_NONEIGH]++;
		return;
	}

	/* The next link's MTU, segment by segment for a GSO frame. */
	seg = p->l3len;
	if (vh->gso_type != VIRTIO_NET_HDR_GSO_NONE && !icmp) {
		hl = p->l4off - p->l3off;
		if (p->proto == LB_IP_TCP)
			hl += (uint32_t)(p->frame[p->l4off + 12] >> 4) * 4;
		else
			hl += 8;
		seg = hl + vh->gso_size;
	}
	if (seg + grow > out->mtu) {
		e->st.drops[LB_DROP_TOOBIG]++;
		if (p->key.af == 6 || (p->flags & LB_PKT_F_DF))
			engine_toobig(e, rx, p, f->cl, out->mtu - grow);
		return;
	}
	if (lb_pkt_ttl(rx->frame, p) == -1) {
		e->st.drops[LB_DROP_TTL]++;
		return;
	}
	partial = (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) != 0;
	if (engine_xlate(f, dir, &which, &ip, &port) == 0) {
		if (icmp) {
			lb_nat_icmp(rx->frame, p, which, ip, !which, ip, port);
			e->st.icmp_xlated++;
		} else
			lb_nat_rewrite(rx->frame, p, which, ip, port, partial);
	}
	if (partial && e->conf.csum_complete &&
	    vh->gso_type == VIRTIO_NET_HDR_GSO_NONE) {
		lb_pkt_complete_csum(rx->frame, p);
		vh->flags &= ~VIRTIO_NET_HDR_F_NEEDS_CSUM;
		vh->csum_start = vh->csum_offset = 0;
		e->st.csum_fixed++;
	}
	if (grow != 0)
		engine_rh2(e, rx, p, f);
	vh = rx->vnet;
	lb_eth_rewrite(rx->frame, mac, out->mac);
	lb_ring_tx(out, vh, rx->frame, rx->snaplen);
	e->st.fwd_pkts++;
	if ((p->flags & (LB_PKT_F_FRAG | LB_PKT_F_FRAG_LATER)) ==
	    LB_PKT_F_FRAG && !icmp)
		engine_frag_note(e, p, f, dir);
}

/*
 * The Mobile IPv6 cluster <p> is for: the cluster its destination and
 * port match, or for ESP and mobility headers, which have no ports, the
 * first cluster of its destination address that takes them.
 */
static struct lb_pkt_cluster *
engine_mip6_cluster(struct lb_pkt_engine *e, const struct lb_pkt *p)
{
	struct lb_pkt_cluster		*cl;
	const struct lb_mip6_conf	*m;

	if (!(p->flags & (LB_PKT_F_ESP | LB_PKT_F_MH))) {
		cl = engine_match(e, p);
		return (cl != NULL && cl->conf.mip6.keys != 0 ? cl : NULL);
	}
	TAILQ_FOREACH(cl, &e->clusters, link) {
		m = &cl->conf.mip6;
		if (cl->dead || m->keys == 0 || cl->conf.addr.af != AF_INET6 ||
		    memcmp(&cl->ip, &p->key.dst, sizeof cl->ip) != 0)
			continue;
		if ((p->flags & LB_PKT_F_ESP) && (m->keys & LB_MIP6_K_SPI))
			return (cl);
		if ((p->flags & LB_PKT_F_MH) && (m->bu ||
		    m->hoa_mode == LB_MIP6_PASS))
			return (cl);
	}
	return (NULL);
}

/*
 * The packets of Mobile IPv6 (a home address option, a type 2 routing
 * header, ESP, a mobility header). Return 1 when the packet was dealt
 * with here; 0 to go the common way with <p> as it is now (translated,
 * or keyed on the home address), <mn> telling its flow about the node.
 */
static int
engine_mip6(struct lb_pkt_engine *e, struct lb_pkt_rx *rx, struct lb_pkt *p,
    struct mip6_note *mn)
{
	struct lb_pkt_cluster	*cl;

	/* A correspondent's reply: its flow knows the home address. */
	if (p->flags & LB_PKT_F_RH2)
		p->key.dst = p->rh2;
	if ((cl = engine_mip6_cluster(e, p)) == NULL)
		return (0);
	if (!e->active) {
		e->st.drops[LB_DROP_INACTIVE]++;
		return (1);
	}
	mn->cl = cl;
	lb_mip6_id(p, &mn->id);
	if ((p->flags & LB_PKT_F_MH) && !(p->flags & LB_PKT_F_FRAG_LATER)) {
		if ((p->flags & LB_PKT_F_BU) && cl->conf.mip6.bu)
			engine_bu(e, cl, p);
		/* Signalling is the engine's, but for correspondents. */
		if (cl->conf.mip6.hoa_mode != LB_MIP6_PASS)
			return (1);
	}
	if (p->flags & LB_PKT_F_HAO) {
		if (cl->conf.mip6.hoa_mode == LB_MIP6_TRANSLATE) {
			if (engine_mip6_strip(e, rx, p) == -1)
				return (1);
		} else
			p->key.src = p->hoa;
	}
	if (p->flags & (LB_PKT_F_ESP | LB_PKT_F_MH)) {
		engine_mip6_dgram(e, rx, p, mn, (p->flags &
		    LB_PKT_F_ESP) != 0);
		return (1);
	}
	return (0);
}

/*
 * Translate the home address option of <p> away (lb_mip6_strip), keeping
 * the frame's virtio header in step, and parse the result into <p>.
 */
static int
engine_mip6_strip(struct lb_pkt_engine *e, struct lb_pkt_rx *rx,
    struct lb_pkt *p)
{
	struct virtio_net_hdr	*vh;
	enum lb_pkt_err		 err;
	uint8_t			*nf;
	size_t			 cut;

	if ((nf = lb_mip6_strip(rx->frame, LB_VNET_LEN, p, &cut)) == NULL) {
		e->st.drops[LB_DROP_PARSE]++;
		return (-1);
	}
	vh = (struct virtio_net_hdr *)(void *)((uint8_t *)rx->vnet + cut);
	if (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
		vh->csum_start -= cut;
	if (vh->gso_type != VIRTIO_NET_HDR_GSO_NONE && vh->hdr_len >= cut)
		vh->hdr_len -= cut;
	rx->vnet = vh;
	rx->frame = nf;
	rx->snaplen -= cut;
	rx->len -= cut;
	e->st.mip6_strip++;
	if ((err = lb_pkt_parse(rx->frame, rx->snaplen, p)) != LB_PKT_OK) {
		e->st.drops[LB_DROP_PARSE]++;
		e->st.parse_err[err]++;
		return (-1);
	}
	return (0);
}

/*
 * Give the reply <p> of flow <f> a type 2 routing header to the node's
 * care-of address (lb_mip6_rh2), in the room the ring leaves in front of
 * each frame. A packet it does not fit goes to the home address as it is.
 */
static int
engine_rh2(struct lb_pkt_engine *e, struct lb_pkt_rx *rx,
    const struct lb_pkt *p, const struct lb_flow *f)
{
	struct virtio_net_hdr	*vh;
	uint8_t			*nf;

	if (rx->headroom < LB_MIP6_RH2_LEN ||
	    (nf = lb_mip6_rh2(rx->frame, LB_VNET_LEN, p, &f->coa)) == NULL)
		return (0);
	vh = (struct virtio_net_hdr *)(void *)((uint8_t *)rx->vnet -
	    LB_MIP6_RH2_LEN);
	if (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
		vh->csum_start += LB_MIP6_RH2_LEN;
	if (vh->gso_type != VIRTIO_NET_HDR_GSO_NONE)
		vh->hdr_len += LB_MIP6_RH2_LEN;
	rx->vnet = vh;
	rx->frame = nf;
	rx->snaplen += LB_MIP6_RH2_LEN;
	rx->len += LB_MIP6_RH2_LEN;
	rx->headroom -= LB_MIP6_RH2_LEN;
	e->st.mip6_rh2++;
	return (0);
}

/*
 * A packet of flow <f> from its mobile node: note where the node is (a
 * home address option names its care-of address; without one, from its
 * home address, it is back home), and refresh its persistence keys, once
 * a tick at most.
 */
static void
engine_mip6_flow(struct lb_pkt_engine *e, struct lb_flow *f,
    const struct lb_pkt *p, const struct mip6_note *mn)
{
	struct lb_pkt_cluster	*cl = f->cl;
	struct lb_pkt_pkey	 keys[LB_MIP6_NKEYS];
	struct lb_mip6_id	 id;
	size_t			 n;
	int			 moved = 0;

	if (f->flags & LB_FLOW_F_OUTBOUND)
		return;
	if (mn->cl == cl)
		id = mn->id;
	else
		lb_mip6_id(p, &id);
	if (id.has_hoa && cl->conf.mip6.hoa_mode == LB_MIP6_TRANSLATE) {
		if (!f->has_coa || memcmp(&f->coa, &id.src,
		    sizeof f->coa) != 0) {
			f->coa = id.src;
			f->has_coa = 1;
			moved = 1;
		}
	} else if (!id.has_hoa && f->has_coa && memcmp(&id.src,
	    &f->ent[LB_FLOW_ORIG].key.src, sizeof id.src) == 0)
		f->has_coa = 0;
	if (!moved && e->now - f->ptouch < e->conf.tick_ms)
		return;
	if (id.has_hoa && cl->conf.mip6.bu)
		lb_mip6_bc_set(&e->binds, &id.hoa, &id.src, e->now);
	if (e->now - f->ptouch < e->conf.tick_ms)
		return;
	f->ptouch = e->now;
	if (e->sel.touch != NULL &&
	    (n = lb_mip6_keys(cl->conf.mip6.keys, &id, keys)) > 0)
		e->sel.touch(e->sel.arg, cl, keys, n);
}

/*
 * ESP (<esp>) or a mobility header passed to correspondent servers: no
 * ports, so the flow is keyed on the addresses, and for ESP the SPI in
 * the ports' place, so that each security association is a flow.
 */
static void
engine_mip6_dgram(struct lb_pkt_engine *e, struct lb_pkt_rx *rx,
    struct lb_pkt *p, struct mip6_note *mn, int esp)
{
	struct lb_flow	*f;
	int		 dir;

	p->key.sport = esp ? p->spi >> 16 : 0;
	p->key.dport = esp ? p->spi & 0xffff : 0;
	if ((f = lb_flow_lookup(&e->flows, &p->key, &dir)) == NULL) {
		if ((p->flags & LB_PKT_F_FRAG_LATER) ||
		    (f = engine_new_flow(e, rx, p, mn->cl, mn)) == NULL)
			return;
		dir = LB_FLOW_ORIG;
	}
	if (dir == LB_FLOW_ORIG)
		engine_mip6_flow(e, f, p, mn);
	if (esp)
		e->st.mip6_esp++;
	engine_forward(e, rx, p, f, dir, 0);
}

/*
 * A binding update to cluster <cl>: its node's old address is the
 * care-of address last known for its home address, or the home address;
 * the entries of the old address's keys are carried over to the new
 * one's, and the new address becomes the one known. Updates out of
 * sequence are old news and change nothing.
 */
static void
engine_bu(struct lb_pkt_engine *e, struct lb_pkt_cluster *cl,
    const struct lb_pkt *p)
{
	struct lb_pkt_pkey	 ko[LB_MIP6_NKEYS], kn[LB_MIP6_NKEYS];
	struct lb_pkt_pkey	 from[LB_MIP6_NKEYS], to[LB_MIP6_NKEYS];
	struct lb_mip6_bu	 bu;
	struct lb_mip6_bind	*b;
	struct lb_pkt_ip	 old, new;
	enum lb_mip6_err	 err;
	char			 ha[INET6_ADDRSTRLEN], ca[INET6_ADDRSTRLEN];
	size_t			 no, nn, i, j, n = 0;

	if ((err = lb_mip6_bu_parse(p, &bu)) != LB_MIP6_OK) {
		e->st.mip6_bu_bad++;
		inet_ntop(AF_INET6, p->key.src.b, ha, sizeof ha);
		log_debug("l4: cluster %s: binding update from %s refused: %s",
		    cl->conf.name, ha, lb_mip6_strerror(err));
		return;
	}
	b = lb_mip6_bc_get(&e->binds, &bu.home, e->now);
	if (b != NULL && b->has_seq && !lb_mip6_seq_newer(bu.seq, b->seq)) {
		e->st.mip6_bu_bad++;
		return;
	}
	old = b != NULL ? b->coa : bu.home;
	/* Lifetime 0: the binding ends, the node is (going) home. */
	new = bu.lifetime_ms == 0 ? bu.home : bu.coa;
	e->st.mip6_bu++;
	if (memcmp(&old, &new, sizeof old) != 0 && e->sel.bind != NULL) {
		no = lb_mip6_addr_keys(cl->conf.mip6.keys, &old, ko);
		nn = lb_mip6_addr_keys(cl->conf.mip6.keys, &new, kn);
		for (i = 0; i < no; i++)
			for (j = 0; j < nn; j++)
				if (ko[i].kind == kn[j].kind) {
					from[n] = ko[i];
					to[n++] = kn[j];
				}
		if (n > 0)
			e->sel.bind(e->sel.arg, cl, from, to, n);
	}
	if ((b = lb_mip6_bc_set(&e->binds, &bu.home, &new, e->now)) != NULL) {
		b->seq = bu.seq;
		b->has_seq = 1;
	}
	inet_ntop(AF_INET6, bu.home.b, ha, sizeof ha);
	inet_ntop(AF_INET6, new.b, ca, sizeof ca);
	log_debug("l4: cluster %s: %s is at %s (binding update %u)",
	    cl->conf.name, ha, ca, bu.seq);
}

/* The key naming the datagram a fragment belongs to. */
static size_t
frag_key(const struct lb_pkt *p, struct lb_pkt_key *k)
{
	memset(k, 0, sizeof *k);
	k->af = p->key.af;
	k->proto = p->proto;
	k->src = p->key.src;
	k->dst = p->key.dst;
	k->sport = p->fragid >> 16;
	k->dport = p->fragid & 0xffff;
	return ((p->fragid ^ p->key.src.b[3] ^ p->key.src.b[15] ^
	    (p->key.dst.b[3] << 4)) % LB_FRAG_SLOTS);
}

/* A first fragment went through <f>: its later fragments may follow. */
static void
engine_frag_note(struct lb_pkt_engine *e, const struct lb_pkt *p,
    const struct lb_flow *f, int dir)
{
	struct lb_frag_slot	*s;
	struct lb_pkt_key	 k;

	s = &e->frags[frag_key(p, &k)];
	s->dgram = k;
	s->flow = f->ent[dir].key;
	s->until = e->now + LB_FRAG_MS;
}

/* The flow of the first fragment of <p>'s datagram, if seen lately. */
static struct lb_flow *
engine_frag_flow(struct lb_pkt_engine *e, const struct lb_pkt *p, int *dirp)
{
	struct lb_frag_slot	*s;
	struct lb_pkt_key	 k;

	s = &e->frags[frag_key(p, &k)];
	if (s->until < e->now || memcmp(&s->dgram, &k, sizeof k) != 0)
		return (NULL);
	return (lb_flow_lookup(&e->flows, &s->flow, dirp));
}

/* A flow stops being active: keep the server's count and the daemon's. */
static void
engine_flow_end_cb(void *arg, struct lb_flow *f)
{
	struct lb_pkt_engine	*e = arg;
	struct lb_pkt_server	*s;

	if (f->cl == NULL || (f->flags & LB_FLOW_F_OUTBOUND))
		return;
	s = &f->cl->servers[f->server];
	if (s->st.active > 0)
		s->st.active--;
	if (e->sel.flow_end != NULL)
		e->sel.flow_end(e->sel.arg, f->cl, f->server);
}

/* A flow is freed: a removed cluster goes with its last flow. */
static void
engine_flow_free_cb(void *arg, struct lb_flow *f)
{
	struct lb_pkt_cluster	*cl = f->cl;

	if (cl == NULL)
		return;
	cl->refs--;
	if (cl->dead && cl->refs == 0)
		engine_cluster_free(cl);
}

static void
engine_cluster_free(struct lb_pkt_cluster *cl)
{
	free(cl->servers);
	free(cl);
}

/* Check a cluster's settings. */
static int
cluster_check(const struct lb_pkt_cluster_conf *c, char **cause)
{
	size_t	i;

	if (c->name[0] == '\0') {
		xasprintf(cause, "a cluster needs a name");
		return (-1);
	}
	if (c->addr.af != AF_INET && c->addr.af != AF_INET6) {
		xasprintf(cause, "cluster %s: no address", c->name);
		return (-1);
	}
	if (c->proto != LB_IP_TCP && c->proto != LB_IP_UDP) {
		xasprintf(cause, "cluster %s: protocol must be tcp or udp",
		    c->name);
		return (-1);
	}
	if (c->port_lo == 0 || c->port_hi < c->port_lo) {
		xasprintf(cause, "cluster %s: bad port range %u-%u", c->name,
		    c->port_lo, c->port_hi);
		return (-1);
	}
	if (c->mode != LB_PKT_NAT && c->mode != LB_PKT_DR) {
		xasprintf(cause, "cluster %s: bad mode", c->name);
		return (-1);
	}
	if (c->mip6.keys != 0 && (c->addr.af != AF_INET6 ||
	    (c->mip6.keys & ~LB_MIP6_K_ALL) != 0 ||
	    (c->mip6.hoa_mode != LB_MIP6_TRANSLATE &&
	    c->mip6.hoa_mode != LB_MIP6_PASS))) {
		xasprintf(cause, "cluster %s: Mobile IPv6 persistence needs an "
		    "IPv6 cluster address and known keys", c->name);
		return (-1);
	}
	for (i = 0; i < c->nservers; i++)
		if (c->servers[i].addr.af != c->addr.af) {
			xasprintf(cause, "cluster %s: server %s is not of the "
			    "cluster's address family", c->name,
			    c->servers[i].name);
			return (-1);
		}
	if (c->out_addr.af == 0)
		return (0);
	if (c->out_addr.af != c->addr.af || c->mode != LB_PKT_NAT) {
		xasprintf(cause, "cluster %s: outbound NAT needs NAT mode and "
		    "an address of the cluster's family", c->name);
		return (-1);
	}
	if (c->out_lo == 0 || c->out_hi < c->out_lo) {
		xasprintf(cause, "cluster %s: bad outbound port range %u-%u",
		    c->name, c->out_lo, c->out_hi);
		return (-1);
	}
	/* Replies to the cluster's own ports would look like clients. */
	if ((addr_eq(&c->out_addr, &c->addr) || c->out_egress) &&
	    c->out_lo <= c->port_hi &&
	    c->out_hi >= c->port_lo) {
		xasprintf(cause, "cluster %s: outbound ports %u-%u overlap the "
		    "cluster's ports %u-%u", c->name, c->out_lo, c->out_hi,
		    c->port_lo, c->port_hi);
		return (-1);
	}
	return (0);
}

/* Count the clusters whose packets engine_mip6() must look at. */
static void
engine_count_mip6(struct lb_pkt_engine *e)
{
	struct lb_pkt_cluster	*cl;

	e->nmip6 = 0;
	TAILQ_FOREACH(cl, &e->clusters, link)
		if (!cl->dead && cl->conf.mip6.keys != 0)
			e->nmip6++;
}

/* Bring the kernel's routes and rules in line with the clusters. */
static void
engine_kernel(struct lb_pkt_engine *e)
{
	char	*cause = NULL;

	if (!e->conf.kernel_rules)
		return;
	if (lb_kern_nft(e, &cause) == -1) {
		log_warnx("l4: nftables: %s", cause);
		free(cause);
	}
}

/*
 * Add the cluster <c> (copied), or replace the one of the same name:
 * flows to servers that remain carry on, with their counts; flows to
 * servers that went are ended.
 */
int
lb_pkt_cluster_set(struct lb_pkt_engine *e, const struct lb_pkt_cluster_conf *c,
    char **cause)
{
	struct lb_pkt_cluster	*cl, *old;
	struct lb_pkt_server	*s;
	struct lb_flow		*f, *next;
	struct lb_pkt_ring	*r;
	char			 a[ADDR_STRLEN];
	uint8_t			 mac[LB_PKT_ETH_ALEN];
	size_t			 i, j, q;
	int			 af, local;

	if (cluster_check(c, cause) == -1)
		return (-1);
	af = c->addr.af == AF_INET ? 4 : 6;
	cl = xcalloc(1, sizeof *cl);
	cl->e = e;
	cl->conf = *c;
	cl->conf.servers = NULL;
	lb_pkt_ip_from_addr(&cl->ip, &c->addr);
	lb_pkt_ip_from_addr(&cl->out_ip, &c->out_addr);
	cl->out_next = c->out_lo;
	cl->nservers = c->nservers;
	cl->servers = xcalloc(c->nservers ? c->nservers : 1,
	    sizeof *cl->servers);
	for (i = 0; i < c->nservers; i++) {
		s = &cl->servers[i];
		s->conf = c->servers[i];
		lb_pkt_ip_from_addr(&s->ip, &s->conf.addr);
		if (lb_kern_route_get(e, af, &s->ip, &s->ifindex, &s->nexthop,
		    &local) == -1 || local) {
			xasprintf(cause, "cluster %s: no route to server %s",
			    c->name, addr_ntop(&s->conf.addr, a, sizeof a));
			goto fail;
		}
		if (lb_engine_ring(e, s->ifindex) == NULL) {
			xasprintf(cause, "cluster %s: server %s is reached "
			    "through an interface the engine does not use",
			    c->name, addr_ntop(&s->conf.addr, a, sizeof a));
			goto fail;
		}
	}

	TAILQ_FOREACH(old, &e->clusters, link)
		if (!old->dead && strcmp(old->conf.name, c->name) == 0)
			break;
	if (old != NULL) {
		for (i = 0; i < cl->nservers; i++)
			for (j = 0; j < old->nservers; j++)
				if (!old->servers[j].gone &&
				    addr_eq(&old->servers[j].conf.addr,
				    &cl->servers[i].conf.addr))
					cl->servers[i].st = old->servers[j].st;
		cl->flows = old->flows;
		cl->refused = old->refused;
		cl->out_next = old->out_next;
		/* Move the flows over, or end those of removed servers. */
		for (q = 0; q < LB_FS_MAX; q++) {
			TAILQ_FOREACH_SAFE(f, &e->flows.queue[q], qlink, next) {
				if (f->cl != old)
					continue;
				for (i = 0; i < cl->nservers; i++)
					if (addr_eq(&cl->servers[i].conf.addr,
					    &old->servers[f->server].conf.addr))
						break;
				if (i == cl->nservers || f->mode != (f->ent[0].
				    key.proto == LB_IP_ESP ? LB_PKT_DR :
				    cl->conf.mode)) {
					lb_flow_del(&e->flows, f);
					continue;
				}
				f->cl = cl;
				f->server = i;
				old->refs--;
				cl->refs++;
			}
		}
		if (old->route_added && (c->shared ||
		    memcmp(&old->ip, &cl->ip, sizeof cl->ip) != 0))
			lb_kern_blackhole(e, af, &old->ip, 0);
		else if (old->route_added)
			cl->route_added = 1;
		TAILQ_REMOVE(&e->clusters, old, link);
		old->dead = 1;
		if (old->refs == 0)
			engine_cluster_free(old);
	}
	TAILQ_INSERT_TAIL(&e->clusters, cl, link);
	engine_count_mip6(e);

	if (!c->shared && !cl->route_added && e->conf.kernel_rules) {
		if (lb_kern_blackhole(e, af, &cl->ip, 1) == -1)
			log_warn("l4: cluster %s: blackhole route", c->name);
		else
			cl->route_added = 1;
	}
	if (!c->shared && af == 6) {
		/* Solicitations for it go to its solicited-node group. */
		mac[0] = mac[1] = 0x33;
		mac[2] = 0xff;
		memcpy(mac + 3, cl->ip.b + 13, 3);
		for (i = 0; i < e->nrings; i++)
			(void)lb_ring_join_mcast(&e->rings[i], mac);
	}
	e->now = lb_pkt_now();
	for (i = 0; i < cl->nservers; i++)
		lb_neigh_want(e, cl->servers[i].ifindex, af,
		    &cl->servers[i].nexthop);
	engine_kernel(e);
	if (e->active && !c->shared)
		for (i = 0; i < e->nrings; i++) {
			r = &e->rings[i];
			lb_neigh_announce(e, r, cl);
		}
	lb_engine_flush(e);
	return (0);
fail:
	engine_cluster_free(cl);
	return (-1);
}

/*
 * Change the bound on flows, the flow timeouts and the binding lifetime
 * of a running engine (a reload): flows and bindings stay. A bound below
 * the flows in the table refuses new ones until enough have gone.
 */
void
lb_pkt_engine_tune(struct lb_pkt_engine *e, uint32_t max_flows,
    const struct lb_flow_timeouts *to, uint64_t binding_ms)
{
	if (max_flows > 0) {
		e->conf.max_flows = max_flows;
		e->flows.max = max_flows;
	}
	e->conf.timeouts = *to;
	e->flows.to = *to;
	e->conf.binding_ms = binding_ms;
	e->binds.lifetime = binding_ms;
}

/* Remove cluster <name>, ending its flows. */
int
lb_pkt_cluster_del(struct lb_pkt_engine *e, const char *name)
{
	struct lb_pkt_cluster	*cl;
	struct lb_flow		*f, *next;
	size_t			 q;

	TAILQ_FOREACH(cl, &e->clusters, link)
		if (!cl->dead && strcmp(cl->conf.name, name) == 0)
			break;
	if (cl == NULL)
		return (-1);
	TAILQ_REMOVE(&e->clusters, cl, link);
	cl->dead = 1;
	cl->refs++;		/* held while its flows go */
	engine_count_mip6(e);
	for (q = 0; q < LB_FS_MAX; q++)
		TAILQ_FOREACH_SAFE(f, &e->flows.queue[q], qlink, next)
			if (f->cl == cl)
				lb_flow_del(&e->flows, f);
	if (cl->route_added)
		lb_kern_blackhole(e, cl->conf.addr.af == AF_INET ? 4 : 6,
		    &cl->ip, 0);
	engine_cluster_free(cl);
	engine_kernel(e);
	return (0);
}

/* The cluster named <name>, or NULL. */
const struct lb_pkt_cluster *
lb_pkt_cluster_find(struct lb_pkt_engine *e, const char *name)
{
	struct lb_pkt_cluster	*cl;

	TAILQ_FOREACH(cl, &e->clusters, link)
		if (!cl->dead && strcmp(cl->conf.name, name) == 0)
			return (cl);
	return (NULL);
}

/*
 * Forward (and answer ARP/ND) only while active: in a pair, only the peer
 * holding the floating IP does. Becoming active announces the clusters.
 */
void
lb_pkt_set_active(struct lb_pkt_engine *e, int on)
{
	int	was = e->active;

	e->active = on != 0;
	if (e->active && !was)
		(void)lb_pkt_announce(e);
}

/* Announce every dedicated cluster address on every interface. */
int
lb_pkt_announce(struct lb_pkt_engine *e)
{
	struct lb_pkt_cluster	*cl;
	size_t			 i;
	int			 n = 0;

	TAILQ_FOREACH(cl, &e->clusters, link) {
		if (cl->dead || cl->conf.shared)
			continue;
		for (i = 0; i < e->nrings; i++)
			n += lb_neigh_announce(e, &e->rings[i], cl);
	}
	lb_engine_flush(e);
	return (n);
}

/* Copy the engine's counters. */
void
lb_pkt_stats(struct lb_pkt_engine *e, struct lb_pkt_stats *st)
{
	size_t	i;

	*st = e->st;
	st->ring_drops = 0;
	for (i = 0; i < e->nrings; i++) {
		lb_ring_stats(&e->rings[i]);
		st->ring_drops += e->rings[i].drops;
	}
	st->flows = e->flows.count;
	st->flows_max = e->flows.max;
	st->flows_refused = e->flows.refused;
	st->flows_created = e->flows.created;
	st->mip6_bindings = e->binds.count;
}

/* Call <cb> for every cluster. */
void
lb_pkt_clusters_walk(struct lb_pkt_engine *e,
    void (*cb)(void *, const struct lb_pkt_cluster *), void *arg)
{
	struct lb_pkt_cluster	*cl;

	TAILQ_FOREACH(cl, &e->clusters, link)
		if (!cl->dead)
			cb(arg, cl);
}

/* Call <cb> for every flow. */
void
lb_pkt_flows_walk(struct lb_pkt_engine *e,
    void (*cb)(void *, const struct lb_pkt_flow_info *), void *arg)
{
	struct lb_pkt_flow_info	 fi;
	struct lb_flow		*f;
	uint64_t		 now = lb_pkt_now(), x;
	size_t			 q;

	for (q = 0; q < LB_FS_MAX; q++)
		TAILQ_FOREACH(f, &e->flows.queue[q], qlink) {
			memset(&fi, 0, sizeof fi);
			fi.cluster = f->cl->conf.name;
			fi.server = f->cl->servers[f->server].conf.name;
			fi.orig = f->ent[LB_FLOW_ORIG].key;
			fi.reply = f->ent[LB_FLOW_REPLY].key;
			fi.state = f->state;
			fi.outbound = (f->flags & LB_FLOW_F_OUTBOUND) != 0;
			fi.age_ms = now - f->created;
			x = lb_flow_expires(&e->flows, f);
			fi.expires_ms = x > now ? x - now : 0;
			memcpy(fi.pkts, f->pkts, sizeof fi.pkts);
			memcpy(fi.bytes, f->bytes, sizeof fi.bytes);
			cb(arg, &fi);
		}
}
