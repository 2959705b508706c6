/*
 * lb_pkt_nat.c: the rewrites of NAT forwarding. The destination of a
 * client's packet becomes the server, the source of the server's reply
 * becomes the cluster address again, and ICMP errors about either are
 * translated (outer and quoted headers, every checksum) so that Path MTU
 * discovery works through the balancer. Also the TTL (or hop limit)
 * decrement both modes do, and the ICMP errors the engine itself sends
 * when a packet cannot go on (too big for the next link, TTL expired).
 *
 * All of it works on a frame already parsed by lb_pkt_parse(), in place,
 * and never reads past what the parse found present.
 */
#include <string.h>

#include "lb_pkt_int.h"

static inline uint16_t
rd16(const uint8_t *p)
{
	return ((uint16_t)(p[0] << 8 | p[1]));
}

static inline void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* Offset of the source (or destination) address in an IP header. */
static size_t
addr_off(int af, int which)
{
	if (af == 4)
		return (which == LB_NAT_SRC ? 12 : 16);
	return (which == LB_NAT_SRC ? 8 : 24);
}

/*
 * Replace the address <which> (LB_NAT_SRC or LB_NAT_DST) of the IP header
 * at <l3> with <ip>, fixing the IPv4 header checksum; the old address is
 * left in <old>.
 */
static void
rewrite_ip(uint8_t *l3, int af, int which, const struct lb_pkt_ip *ip,
    uint8_t *old)
{
	size_t	alen = af == 4 ? 4 : 16, o = addr_off(af, which);

	memcpy(old, l3 + o, alen);
	memcpy(l3 + o, ip->b, alen);
	if (af == 4)
		wr16(l3 + 10, lb_csum_replace(rd16(l3 + 10), old, ip->b, 4));
}

/* Offset of the checksum in a TCP or UDP header, 0 for others. */
static size_t
l4_csum_off(uint8_t proto)
{
	if (proto == LB_IP_TCP)
		return (16);
	if (proto == LB_IP_UDP)
		return (6);
	return (0);
}

/*
 * Rewrite the source or destination (<which>) of the parsed packet <p>
 * held in <f> to <ip> and, when it has ports, <port>. <partial>: the
 * transport checksum holds only the pseudo-header sum (CHECKSUM_PARTIAL),
 * so only the address change applies to it; the ports are summed by
 * whoever completes it. A later fragment has no transport header: its
 * first fragment's checksum covers the whole datagram and was fixed then.
 */
int
lb_nat_rewrite(uint8_t *f, const struct lb_pkt *p, int which,
    const struct lb_pkt_ip *ip, uint16_t port, int partial)
{
	uint8_t		 old[16], *l4;
	size_t		 fo, alen = p->key.af == 4 ? 4 : 16;
	uint16_t	 c, oport;
	int		 outside;

	rewrite_ip(f + p->l3off, p->key.af, which, ip, old);
	if (p->flags & LB_PKT_F_FRAG_LATER)
		return (0);
	/*
	 * Mobile IPv6: a home address option puts the home address in the
	 * pseudo-header instead of the source, a type 2 routing header its
	 * address instead of the destination; the checksum does not sum the
	 * address rewritten then.
	 */
	outside = (which == LB_NAT_SRC && (p->flags & LB_PKT_F_HAO)) ||
	    (which == LB_NAT_DST && (p->flags & LB_PKT_F_RH2));
	if ((p->flags & LB_PKT_F_MH) && !outside &&
	    (size_t)p->l4off + 6 <= p->len && p->l4len >= 6) {
		l4 = f + p->l4off;
		wr16(l4 + 4, lb_csum_replace(rd16(l4 + 4), old, ip->b, alen));
		return (0);
	}
	if (!(p->flags & LB_PKT_F_PORTS))
		return (0);
	if ((fo = l4_csum_off(p->proto)) == 0)
		return (0);
	l4 = f + p->l4off;
	oport = rd16(l4 + (which == LB_NAT_SRC ? 0 : 2));
	wr16(l4 + (which == LB_NAT_SRC ? 0 : 2), port);
	if (p->l4len < fo + 2 || p->l4off + fo + 2 > p->len)
		return (0);	/* a first fragment cut before the checksum */
	c = rd16(l4 + fo);
	if (p->proto == LB_IP_UDP && p->key.af == 4 && c == 0)
		return (0);	/* no checksum */
	if (outside && partial)
		return (0);
	if (partial)
		c = lb_csum_replace_partial(c, old, ip->b, alen);
	else {
		if (!outside)
			c = lb_csum_replace(c, old, ip->b, alen);
		c = lb_csum_replace16(c, oport, port);
		if (p->proto == LB_IP_UDP && c == 0)
			c = 0xffff;
	}
	wr16(l4 + fo, c);
	return (0);
}

/*
 * Translate the ICMP error <p>: the outer address <owhich> becomes <oip>
 * (NULL: unchanged), and in the quoted datagram the address <iwhich> and
 * its port become <iip> and <iport>, with the quoted IPv4 header and
 * transport checksums updated when quoted; the ICMP checksum is computed
 * anew (the message is small, and ICMPv6 sums the outer addresses too).
 */
int
lb_nat_icmp(uint8_t *f, const struct lb_pkt *p, int owhich,
    const struct lb_pkt_ip *oip, int iwhich, const struct lb_pkt_ip *iip,
    uint16_t iport)
{
	const struct lb_pkt_inner *in = &p->inner;
	uint8_t		 old[16], *l4;
	size_t		 fo, alen = p->key.af == 4 ? 4 : 16;
	size_t		 end = in->l3off + in->caplen;
	uint16_t	 c, oport;

	if (!(p->flags & LB_PKT_F_ICMPERR))
		return (-1);
	if (oip != NULL)
		rewrite_ip(f + p->l3off, p->key.af, owhich, oip, old);
	rewrite_ip(f + in->l3off, p->key.af, iwhich, iip, old);
	if ((in->flags & LB_PKT_F_PORTS) && !(in->flags & LB_PKT_F_FRAG_LATER)) {
		l4 = f + in->l4off;
		oport = rd16(l4 + (iwhich == LB_NAT_SRC ? 0 : 2));
		wr16(l4 + (iwhich == LB_NAT_SRC ? 0 : 2), iport);
		fo = l4_csum_off(in->proto);
		if (fo != 0 && in->l4off + fo + 2 <= end) {
			c = rd16(l4 + fo);
			if (!(in->proto == LB_IP_UDP && p->key.af == 4 &&
			    c == 0)) {
				c = lb_csum_replace(c, old, iip->b, alen);
				c = lb_csum_replace16(c, oport, iport);
				if (in->proto == LB_IP_UDP && c == 0)
					c = 0xffff;
				wr16(l4 + fo, c);
			}
		}
	}
	lb_csum_l4(f, p->l3off, p->key.af, p->l4off, p->proto, p->l4len);
	return (0);
}

/*
 * Decrement the TTL (IPv4, with its checksum) or hop limit (IPv6). Returns
 * -1, leaving the packet as it was, when it must not be forwarded.
 */
int
lb_pkt_ttl(uint8_t *f, const struct lb_pkt *p)
{
	uint8_t	*h = f + p->l3off;

	if (p->key.af == 4) {
		if (h[8] <= 1)
			return (-1);
		wr16(h + 10, lb_csum_replace16(rd16(h + 10),
		    (uint16_t)(h[8] << 8 | h[9]),
		    (uint16_t)((h[8] - 1) << 8 | h[9])));
		h[8]--;
	} else {
		if (h[7] <= 1)
			return (-1);
		h[7]--;
	}
	return (0);
}

/*
 * Build into <out> (<outlen> bytes) the ICMP error <kind> (LB_ICMP_TOOBIG
 * with <mtu>, or LB_ICMP_TTL) about the packet <p>, from <srcmac>/<src>
 * to <dstmac> and the packet's source. It quotes as much of the packet
 * as the minimum MTU allows (RFC 1812 4.3.2.3, RFC 4443 2.4). Returns the
 * frame's length, 0 if it does not fit.
 */
size_t
lb_icmp_error(uint8_t *out, size_t outlen, const struct lb_pkt *p,
    const uint8_t *srcmac, const uint8_t *dstmac,
    const struct lb_pkt_ip *src, int kind, uint32_t mtu)
{
	const uint8_t	*ip = p->frame + p->l3off;
	uint8_t		*h = out + LB_PKT_ETH_HLEN, *icmp;
	size_t		 q, hl, len;
	int		 v4 = p->key.af == 4;

	hl = v4 ? 20 : 40;
	q = v4 ? 576 - 28 : 1280 - 48;
	if (q > p->l3len)
		q = p->l3len;
	if (q > p->len - p->l3off)
		q = p->len - p->l3off;
	len = LB_PKT_ETH_HLEN + hl + 8 + q;
	if (len > outlen)
		return (0);
	memset(out, 0, LB_PKT_ETH_HLEN + hl + 8);
	memcpy(out, dstmac, LB_PKT_ETH_ALEN);
	memcpy(out + 6, srcmac, LB_PKT_ETH_ALEN);
	wr16(out + 12, v4 ? LB_ETH_IPV4 : LB_ETH_IPV6);
	icmp = h + hl;
	if (v4) {
		h[0] = 0x45;
		wr16(h + 2, (uint16_t)(hl + 8 + q));
		h[8] = 64;
		h[9] = LB_IP_ICMP;
		memcpy(h + 12, src->b, 4);
		memcpy(h + 16, ip + 12, 4);
		lb_csum_ip4(h);
		if (kind == LB_ICMP_TOOBIG) {
			icmp[0] = 3;
			icmp[1] = 4;
			wr16(icmp + 6, (uint16_t)mtu);
		} else
			icmp[0] = 11;
	} else {
		h[0] = 0x60;
		wr16(h + 4, (uint16_t)(8 + q));
		h[6] = LB_IP_ICMPV6;
		h[7] = 64;
		memcpy(h + 8, src->b, 16);
		memcpy(h + 24, ip + 8, 16);
		if (kind == LB_ICMP_TOOBIG) {
			icmp[0] = 2;
			icmp[4] = mtu >> 24;
			icmp[5] = (mtu >> 16) & 0xff;
			icmp[6] = (mtu >> 8) & 0xff;
			icmp[7] = mtu & 0xff;
		} else
			icmp[0] = 3;
	}
	memcpy(icmp + 8, ip, q);
	lb_csum_l4(out, LB_PKT_ETH_HLEN, p->key.af, LB_PKT_ETH_HLEN + hl,
	    v4 ? LB_IP_ICMP : LB_IP_ICMPV6, 8 + q);
	return (len);
}

/*
 * Complete a transport checksum the kernel left partial: the field holds
 * the pseudo-header sum, so summing the segment with it in place and
 * inverting gives the checksum (what skb_checksum_help does).
 */
void
lb_pkt_complete_csum(uint8_t *f, const struct lb_pkt *p)
{
	size_t		fo = l4_csum_off(p->proto);
	uint8_t		*l4 = f + p->l4off;
	uint16_t	c;

	if (fo == 0 || !(p->flags & LB_PKT_F_L4FULL) ||
	    (p->flags & LB_PKT_F_FRAG))
		return;
	c = ~lb_csum_fold(lb_csum_partial(l4, p->l4len, 0));
	if (c == 0 && p->proto == LB_IP_UDP)
		c = 0xffff;
	wr16(l4 + fo, c);
}
