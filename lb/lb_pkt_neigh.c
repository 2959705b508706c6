/*
 * lb_pkt_neigh.c: layer 2 for the L4 engine. It answers ARP requests and
 * IPv6 neighbour solicitations for dedicated cluster addresses (the kernel
 * does not hold them), announces them (gratuitous ARP, unsolicited NA)
 * when asked, and resolves the MAC addresses of servers and gateways with
 * its own requests, learning from the replies it sees on its rings. The
 * client side needs no resolution: a flow remembers the MAC its first
 * packet came from.
 */
#include <stdlib.h>
#include <string.h>

#include "lb_pkt_int.h"
#include "log.h"

#define NEIGH_RETRY_MS		1000	/* between requests while unknown */
#define NEIGH_REFRESH_MS	30000	/* ask again when confirmed older */
#define NEIGH_STALE_MS		90000	/* forget the MAC without reply */
#define NEIGH_UNUSED_MS		600000	/* drop an entry nobody uses */

static struct lb_neigh	*neigh_find(struct lb_pkt_engine *, int, int,
			    const struct lb_pkt_ip *, int);
static void		 neigh_ask(struct lb_pkt_engine *, struct lb_neigh *);
static void		 neigh_learn(struct lb_pkt_engine *, int, int,
			    const struct lb_pkt_ip *, const uint8_t *);
static const struct lb_pkt_cluster *neigh_owned(struct lb_pkt_engine *, int,
			    const struct lb_pkt_ip *);

static const uint8_t	bcast[LB_PKT_ETH_ALEN] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff
};
static const uint8_t	zero_mac[LB_PKT_ETH_ALEN];

static inline void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/*
 * Build an ARP packet (<op> 1 request, 2 reply) in <buf> (60 bytes, the
 * Ethernet minimum) to Ethernet <dst>, with sender <sha>/<spa> and target
 * <tha> (NULL: zero)/<tpa>. A gratuitous announcement has spa == tpa.
 */
size_t
lb_arp_frame(uint8_t *buf, int op, const uint8_t *dst, const uint8_t *sha,
    const struct lb_pkt_ip *spa, const uint8_t *tha,
    const struct lb_pkt_ip *tpa)
{
	uint8_t	*a = buf + LB_PKT_ETH_HLEN;

	memset(buf, 0, 60);
	memcpy(buf, dst, LB_PKT_ETH_ALEN);
	memcpy(buf + 6, sha, LB_PKT_ETH_ALEN);
	wr16(buf + 12, LB_ETH_ARP);
	wr16(a, 1);
	wr16(a + 2, LB_ETH_IPV4);
	a[4] = LB_PKT_ETH_ALEN;
	a[5] = 4;
	wr16(a + 6, (uint16_t)op);
	memcpy(a + 8, sha, LB_PKT_ETH_ALEN);
	memcpy(a + 14, spa->b, 4);
	memcpy(a + 18, tha != NULL ? tha : zero_mac, LB_PKT_ETH_ALEN);
	memcpy(a + 24, tpa->b, 4);
	return (60);
}

/*
 * Build a neighbour solicitation (<type> 135) or advertisement (136, with
 * flags <naflags>: 0x40 solicited, 0x20 override) in <buf> (86 bytes):
 * from <mac>/<src> to <dstmac> (NULL: the multicast MAC of <dst>) and
 * <dst>, about <target>, with our link-layer address option.
 */
size_t
lb_nd_frame(uint8_t *buf, int type, const uint8_t *dstmac, const uint8_t *mac,
    const struct lb_pkt_ip *src, const struct lb_pkt_ip *dst,
    const struct lb_pkt_ip *target, int naflags)
{
	uint8_t		*ip6 = buf + LB_PKT_ETH_HLEN, *icmp = ip6 + 40;
	const size_t	 plen = 32;

	memset(buf, 0, LB_PKT_ETH_HLEN + 40 + plen);
	if (dstmac != NULL)
		memcpy(buf, dstmac, LB_PKT_ETH_ALEN);
	else {
		buf[0] = 0x33;
		buf[1] = 0x33;
		memcpy(buf + 2, dst->b + 12, 4);
	}
	memcpy(buf + 6, mac, LB_PKT_ETH_ALEN);
	wr16(buf + 12, LB_ETH_IPV6);
	ip6[0] = 0x60;
	wr16(ip6 + 4, plen);
	ip6[6] = LB_IP_ICMPV6;
	ip6[7] = 255;		/* RFC 4861: receivers check it */
	memcpy(ip6 + 8, src->b, 16);
	memcpy(ip6 + 24, dst->b, 16);
	icmp[0] = type;
	if (type == 136)
		icmp[4] = naflags;
	memcpy(icmp + 8, target->b, 16);
	icmp[24] = type == 135 ? 1 : 2;	/* source / target link address */
	icmp[25] = 1;
	memcpy(icmp + 26, mac, LB_PKT_ETH_ALEN);
	lb_csum_l4(buf, LB_PKT_ETH_HLEN, 6, LB_PKT_ETH_HLEN + 40, LB_IP_ICMPV6,
	    plen);
	return (LB_PKT_ETH_HLEN + 40 + plen);
}

/* Bucket of a neighbour. */
static size_t
neigh_bucket(int ifindex, const struct lb_pkt_ip *ip)
{
	return ((ip->b[3] ^ ip->b[15] ^ ip->b[14] ^ (unsigned)ifindex) %
	    LB_NEIGH_BUCKETS);
}

/* Find (or, with <create>, add) the entry for <ip> on <ifindex>. */
static struct lb_neigh *
neigh_find(struct lb_pkt_engine *e, int ifindex, int af,
    const struct lb_pkt_ip *ip, int create)
{
	struct lb_neigh	*n;
	size_t		 b = neigh_bucket(ifindex, ip);

	LIST_FOREACH(n, &e->neigh[b], link)
		if (n->ifindex == ifindex && n->af == af &&
		    memcmp(&n->ip, ip, sizeof *ip) == 0)
			return (n);
	if (!create || (n = calloc(1, sizeof *n)) == NULL)
		return (NULL);
	n->ifindex = ifindex;
	n->af = af;
	n->ip = *ip;
	n->used = e->now;
	LIST_INSERT_HEAD(&e->neigh[b], n, link);
	return (n);
}

/* Send one ARP request or neighbour solicitation for <n>. */
static void
neigh_ask(struct lb_pkt_engine *e, struct lb_neigh *n)
{
	struct lb_pkt_ring	*r;
	struct lb_pkt_ip	 snm, none;
	uint8_t			*buf;
	size_t			 len;

	n->asked = e->now;
	if ((r = lb_engine_ring(e, n->ifindex)) == NULL ||
	    (buf = lb_ring_scratch(r)) == NULL)
		return;
	memset(&none, 0, sizeof none);
	if (n->af == 4)
		len = lb_arp_frame(buf, 1, bcast, r->mac,
		    r->has4 ? &r->ip4 : &none, NULL, &n->ip);
	else {
		/* To the solicited-node group ff02::1:ffXX:XXXX. */
		memset(&snm, 0, sizeof snm);
		snm.b[0] = 0xff;
		snm.b[1] = 0x02;
		snm.b[11] = 0x01;
		snm.b[12] = 0xff;
		memcpy(snm.b + 13, n->ip.b + 13, 3);
		len = lb_nd_frame(buf, 135, NULL, r->mac,
		    r->has6 ? &r->ip6 : &none, &snm, &n->ip, 0);
	}
	lb_ring_tx_scratch(r, buf, len);
}

/*
 * The MAC of <ip> (family <af>) on <ifindex>, or NULL while unknown; asks
 * for it (at most once a second) when unknown or old.
 */
const uint8_t *
lb_neigh_get(struct lb_pkt_engine *e, int ifindex, int af,
    const struct lb_pkt_ip *ip)
{
	struct lb_neigh	*n;

	if ((n = neigh_find(e, ifindex, af, ip, 1)) == NULL)
		return (NULL);
	n->used = e->now;
	if ((!n->valid || e->now - n->confirmed > NEIGH_REFRESH_MS) &&
	    (n->asked == 0 || e->now - n->asked >= NEIGH_RETRY_MS))
		neigh_ask(e, n);
	return (n->valid ? n->mac : NULL);
}

/* Start resolving <ip> now (a server was added). */
void
lb_neigh_want(struct lb_pkt_engine *e, int ifindex, int af,
    const struct lb_pkt_ip *ip)
{
	(void)lb_neigh_get(e, ifindex, af, ip);
}

/* Note <mac> for <ip>, if that neighbour is one we resolve. */
static void
neigh_learn(struct lb_pkt_engine *e, int ifindex, int af,
    const struct lb_pkt_ip *ip, const uint8_t *mac)
{
	struct lb_neigh	*n;

	/* Only entries we asked about: a flood must not fill the table. */
	if ((n = neigh_find(e, ifindex, af, ip, 0)) == NULL)
		return;
	if (memcmp(mac, zero_mac, LB_PKT_ETH_ALEN) == 0 || (mac[0] & 1))
		return;
	if (n->valid && memcmp(n->mac, mac, LB_PKT_ETH_ALEN) != 0)
		log_info("l4: neighbour %s moved", n->af == 4 ? "(IPv4)" :
		    "(IPv6)");
	memcpy(n->mac, mac, LB_PKT_ETH_ALEN);
	n->valid = 1;
	n->confirmed = e->now;
}

/* The dedicated cluster that has address <ip>, if any. */
static const struct lb_pkt_cluster *
neigh_owned(struct lb_pkt_engine *e, int af, const struct lb_pkt_ip *ip)
{
	struct lb_pkt_cluster	*cl;

	TAILQ_FOREACH(cl, &e->clusters, link) {
		if (cl->dead || cl->conf.shared)
			continue;
		if ((cl->conf.addr.af == AF_INET) != (af == 4))
			continue;
		if (memcmp(&cl->ip, ip, sizeof *ip) == 0)
			return (cl);
	}
	return (NULL);
}

/*
 * An ARP packet or a neighbour solicitation/advertisement arrived on <r>:
 * learn the sender if we resolve it, and answer for cluster addresses.
 */
void
lb_neigh_rx(struct lb_pkt_engine *e, struct lb_pkt_ring *r,
    const struct lb_pkt *p)
{
	struct lb_pkt_ip	 dst, allnodes;
	uint8_t			*buf;
	size_t			 len;
	int			 unspec;

	if (p->ethertype == LB_ETH_ARP) {
		neigh_learn(e, r->ifindex, 4, &p->arp_spa, p->arp_sha);
		if (p->arp_op != 1 || !e->active ||
		    neigh_owned(e, 4, &p->arp_tpa) == NULL)
			return;
		/* Not a gratuitous request of another host. */
		if (memcmp(&p->arp_spa, &p->arp_tpa, sizeof p->arp_spa) == 0)
			return;
		if ((buf = lb_ring_scratch(r)) == NULL)
			return;
		len = lb_arp_frame(buf, 2, p->arp_sha, r->mac, &p->arp_tpa,
		    p->arp_sha, &p->arp_spa);
		if (lb_ring_tx_scratch(r, buf, len) == 0)
			e->st.arp_replies++;
		return;
	}
	if (p->icmp_type == 136) {
		if (p->nd_has_ll)
			neigh_learn(e, r->ifindex, 6, &p->nd_target, p->nd_ll);
		return;
	}
	/* A solicitation. */
	if (p->nd_has_ll)
		neigh_learn(e, r->ifindex, 6, &p->key.src, p->nd_ll);
	if (!e->active || p->ttl != 255 ||
	    neigh_owned(e, 6, &p->nd_target) == NULL)
		return;
	if ((buf = lb_ring_scratch(r)) == NULL)
		return;
	memset(&allnodes, 0, sizeof allnodes);
	allnodes.b[0] = 0xff;
	allnodes.b[1] = 0x02;
	allnodes.b[15] = 0x01;
	/* From the unspecified address (DAD): answer to all nodes. */
	memset(&dst, 0, sizeof dst);
	unspec = memcmp(&p->key.src, &dst, sizeof dst) == 0;
	if (unspec)
		len = lb_nd_frame(buf, 136, NULL, r->mac, &p->nd_target,
		    &allnodes, &p->nd_target, 0x20);
	else
		len = lb_nd_frame(buf, 136, p->nd_has_ll ? p->nd_ll :
		    p->frame + 6, r->mac, &p->nd_target, &p->key.src,
		    &p->nd_target, 0x60);
	if (lb_ring_tx_scratch(r, buf, len) == 0)
		e->st.nd_replies++;
}

/*
 * Announce the cluster <cl> on <r>: gratuitous ARP in both forms, or an
 * unsolicited neighbour advertisement to all nodes. Returns frames sent.
 */
int
lb_neigh_announce(struct lb_pkt_engine *e, struct lb_pkt_ring *r,
    const struct lb_pkt_cluster *cl)
{
	struct lb_pkt_ip	 allnodes;
	uint8_t			*buf;
	size_t			 len;
	int			 n = 0, op;

	if (cl->conf.addr.af == AF_INET) {
		for (op = 1; op <= 2; op++) {
			if ((buf = lb_ring_scratch(r)) == NULL)
				break;
			len = lb_arp_frame(buf, op, bcast, r->mac, &cl->ip,
			    op == 2 ? r->mac : NULL, &cl->ip);
			if (lb_ring_tx_scratch(r, buf, len) == 0)
				n++;
		}
	} else if ((buf = lb_ring_scratch(r)) != NULL) {
		memset(&allnodes, 0, sizeof allnodes);
		allnodes.b[0] = 0xff;
		allnodes.b[1] = 0x02;
		allnodes.b[15] = 0x01;
		len = lb_nd_frame(buf, 136, NULL, r->mac, &cl->ip, &allnodes,
		    &cl->ip, 0x20);
		if (lb_ring_tx_scratch(r, buf, len) == 0)
			n++;
	}
	e->st.announces += n;
	return (n);
}

/* Refresh what is getting old, forget what nobody uses. */
void
lb_neigh_tick(struct lb_pkt_engine *e)
{
	struct lb_neigh	*n, *next;
	size_t		 i;

	for (i = 0; i < LB_NEIGH_BUCKETS; i++) {
		LIST_FOREACH_SAFE(n, &e->neigh[i], link, next) {
			if (e->now - n->used > NEIGH_UNUSED_MS) {
				LIST_REMOVE(n, link);
				free(n);
				continue;
			}
			if (n->valid && e->now - n->confirmed > NEIGH_STALE_MS)
				n->valid = 0;
			if ((!n->valid ||
			    e->now - n->confirmed > NEIGH_REFRESH_MS) &&
			    e->now - n->asked >= NEIGH_RETRY_MS)
				neigh_ask(e, n);
		}
	}
}

/* Free every entry. */
void
lb_neigh_free(struct lb_pkt_engine *e)
{
	struct lb_neigh	*n;
	size_t		 i;

	for (i = 0; i < LB_NEIGH_BUCKETS; i++)
		while ((n = LIST_FIRST(&e->neigh[i])) != NULL) {
			LIST_REMOVE(n, link);
			free(n);
		}
}
