/*
 * lb_pkt_parse.c: the frame parser of the L4 engine. Ethernet (with up to
 * two VLAN tags), ARP, IPv4 (options, fragments), IPv6 with its extension
 * header chain (hop-by-hop, routing with the type 2 routing header of
 * Mobile IPv6, fragment, destination options with the home address
 * option, AH; ESP and the mobility header end the walk),
 * TCP, UDP, ICMP and ICMPv6 (errors: the quoted header is parsed to find
 * the flow; neighbour solicitations: target and source link address).
 *
 * Frames come from any host on the link, so every read is checked against
 * the bytes present. Nothing here writes to the frame.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "lb_pkt.h"

#define MAX_EXTHDRS	16	/* more is an attack, not a packet */

/* Where an IP header's parse starts and how strict it is. */
struct ipctx {
	const uint8_t	*f;
	size_t		 end;		/* bytes of the frame usable */
	int		 inner;		/* quoted in an ICMP error: may be cut */
};

struct l3res {
	uint16_t	 l4off;
	uint32_t	 l3len;
	uint32_t	 l4len;
	uint16_t	 flags;
	uint8_t		 proto;
	uint8_t		 ttl;
	uint16_t	 fragoff;
	uint32_t	 fragid;
	uint32_t	 spi;
	struct lb_pkt_ip hoa;
	uint16_t	 hao_off;
	uint16_t	 hao_hdr;
	uint16_t	 hao_nh;
	struct lb_pkt_ip rh2;
	struct lb_pkt_key key;
};

static enum lb_pkt_err	parse_ip4(const struct ipctx *, size_t,
			    struct l3res *);
static enum lb_pkt_err	parse_ip6(const struct ipctx *, size_t,
			    struct l3res *);
static enum lb_pkt_err	parse_exthdrs(const struct ipctx *, size_t, uint8_t,
			    struct l3res *);
static enum lb_pkt_err	parse_dstopts(const uint8_t *, size_t, size_t,
			    size_t, struct l3res *);
static enum lb_pkt_err	parse_rh2(const uint8_t *, struct l3res *);
static enum lb_pkt_err	parse_ports(const struct ipctx *, struct l3res *);
static enum lb_pkt_err	parse_l4(struct lb_pkt *, const struct ipctx *,
			    const struct l3res *);
static enum lb_pkt_err	parse_icmp_inner(struct lb_pkt *, size_t, int);
static enum lb_pkt_err	parse_nd(struct lb_pkt *, size_t, size_t);
static enum lb_pkt_err	parse_arp(struct lb_pkt *, size_t);

static const char *const lb_pkt_errs[] = {
	"ok", "truncated", "bad link-layer header", "bad IP version",
	"bad IP header or total length", "bad IPv6 extension header",
	"bad transport header", "bad ARP packet"
};

static inline uint16_t
rd16(const uint8_t *p)
{
	return ((uint16_t)(p[0] << 8 | p[1]));
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

/* Name a parse error. */
const char *
lb_pkt_strerror(enum lb_pkt_err e)
{
	if (e >= LB_PKT_ENERR)
		return ("?");
	return (lb_pkt_errs[e]);
}

/* Convert between struct addr and the engine's address bytes. */
void
lb_pkt_ip_from_addr(struct lb_pkt_ip *ip, const struct addr *a)
{
	memset(ip, 0, sizeof *ip);
	if (a->af == AF_INET)
		memcpy(ip->b, &a->u.v4, 4);
	else if (a->af == AF_INET6)
		memcpy(ip->b, &a->u.v6, 16);
}

void
lb_pkt_ip_to_addr(struct addr *a, const struct lb_pkt_ip *ip, int af)
{
	memset(a, 0, sizeof *a);
	if (af == 4) {
		a->af = AF_INET;
		memcpy(&a->u.v4, ip->b, 4);
	} else {
		a->af = AF_INET6;
		memcpy(&a->u.v6, ip->b, 16);
	}
}

/* Format a key as "proto src:port > dst:port". */
const char *
lb_pkt_key_fmt(const struct lb_pkt_key *k, char *buf, size_t len)
{
	char		 s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	const char	*p;
	int		 af = k->af == 6 ? AF_INET6 : AF_INET;

	inet_ntop(af, k->src.b, s, sizeof s);
	inet_ntop(af, k->dst.b, d, sizeof d);
	switch (k->proto) {
	case LB_IP_TCP:
		p = "tcp";
		break;
	case LB_IP_UDP:
		p = "udp";
		break;
	default:
		p = "ip";
		break;
	}
	if (af == AF_INET6)
		snprintf(buf, len, "%s [%s]:%u > [%s]:%u", p, s, k->sport, d,
		    k->dport);
	else
		snprintf(buf, len, "%s %s:%u > %s:%u", p, s, k->sport, d,
		    k->dport);
	return (buf);
}

/*
 * Parse an IPv4 header at <off>. Outer headers must be whole (total
 * length within the frame); a quoted inner one may be cut short.
 */
static enum lb_pkt_err
parse_ip4(const struct ipctx *c, size_t off, struct l3res *r)
{
	const uint8_t	*h = c->f + off;
	size_t		 avail = c->end - off, hl, tot;
	uint16_t	 frag;

	if (avail < 20)
		return (LB_PKT_ETRUNC);
	if (h[0] >> 4 != 4)
		return (LB_PKT_EVERSION);
	hl = (size_t)(h[0] & 0x0f) * 4;
	tot = rd16(h + 2);
	if (hl < 20 || tot < hl)
		return (LB_PKT_EHDRLEN);
	if (hl > avail)
		return (LB_PKT_ETRUNC);
	if (tot > avail && !c->inner)
		return (LB_PKT_ETRUNC);
	if (hl > 20)
		r->flags |= LB_PKT_F_IPOPT;
	r->l3len = tot;
	r->l4len = tot - hl;
	r->l4off = off + hl;
	r->proto = h[9];
	r->ttl = h[8];
	frag = rd16(h + 6);
	if (frag & 0x4000)
		r->flags |= LB_PKT_F_DF;
	r->fragoff = (frag & 0x1fff) * 8;
	r->fragid = rd16(h + 4);
	if ((frag & 0x2000) || r->fragoff != 0)
		r->flags |= LB_PKT_F_FRAG;
	if (r->fragoff != 0)
		r->flags |= LB_PKT_F_FRAG_LATER;
	r->key.af = 4;
	r->key.proto = r->proto;
	memcpy(r->key.src.b, h + 12, 4);
	memcpy(r->key.dst.b, h + 16, 4);
	return (LB_PKT_OK);
}

/* Parse an IPv6 header at <off> and walk its extension headers. */
static enum lb_pkt_err
parse_ip6(const struct ipctx *c, size_t off, struct l3res *r)
{
	const uint8_t	*h = c->f + off;
	size_t		 avail = c->end - off, plen;

	if (avail < 40)
		return (LB_PKT_ETRUNC);
	if (h[0] >> 4 != 6)
		return (LB_PKT_EVERSION);
	plen = rd16(h + 4);
	/* A zero payload length means a jumbogram: not on Ethernet. */
	if (plen == 0 && h[6] == LB_IP_HOPOPT)
		return (LB_PKT_EHDRLEN);
	if (40 + plen > avail && !c->inner)
		return (LB_PKT_ETRUNC);
	r->l3len = 40 + plen;
	r->ttl = h[7];
	r->key.af = 6;
	memcpy(r->key.src.b, h + 8, 16);
	memcpy(r->key.dst.b, h + 24, 16);
	return (parse_exthdrs(c, off, h[6], r));
}

/*
 * Walk the extension header chain from next header <nh>, starting after
 * the fixed header at <off>. Stops at the upper-layer header, at ESP (no
 * further header is readable) and at a later fragment.
 */
static enum lb_pkt_err
parse_exthdrs(const struct ipctx *c, size_t off, uint8_t nh, struct l3res *r)
{
	const uint8_t	*h;
	size_t		 p = off + 40, end, n, hlen, nhoff = off + 6;
	uint16_t	 fo;

	/* Bytes of this datagram present: the frame may carry padding. */
	end = off + r->l3len;
	if (end > c->end)
		end = c->end;
	for (n = 0; n <= MAX_EXTHDRS; n++) {
		h = c->f + p;
		switch (nh) {
		case LB_IP_HOPOPT:
		case LB_IP_ROUTING:
		case LB_IP_DSTOPTS:
			/* Hop-by-hop must come first (RFC 8200 4.1). */
			if (nh == LB_IP_HOPOPT && n != 0)
				return (LB_PKT_EEXTHDR);
			if (end - p < 8)
				return (c->inner && end == c->end ?
				    LB_PKT_ETRUNC : LB_PKT_EEXTHDR);
			hlen = ((size_t)h[1] + 1) * 8;
			if (hlen > end - p)
				return (c->inner && end == c->end ?
				    LB_PKT_ETRUNC : LB_PKT_EEXTHDR);
			if (nh == LB_IP_ROUTING) {
				r->flags |= LB_PKT_F_ROUTING;
				if (h[2] == 2 && parse_rh2(h, r) != LB_PKT_OK)
					return (LB_PKT_EEXTHDR);
			}
			if (nh == LB_IP_DSTOPTS && parse_dstopts(c->f, p,
			    hlen, nhoff, r) != LB_PKT_OK)
				return (LB_PKT_EEXTHDR);
			nhoff = p;
			nh = h[0];
			p += hlen;
			break;
		case LB_IP_FRAGMENT:
			if (end - p < 8)
				return (c->inner && end == c->end ?
				    LB_PKT_ETRUNC : LB_PKT_EEXTHDR);
			fo = rd16(h + 2);
			r->flags |= LB_PKT_F_FRAG;
			r->fragoff = fo & 0xfff8;
			r->fragid = rd32(h + 4);
			nhoff = p;
			nh = h[0];
			p += 8;
			if (r->fragoff != 0) {
				r->flags |= LB_PKT_F_FRAG_LATER;
				goto done;
			}
			break;
		case LB_IP_AH:
			if (end - p < 8)
				return (c->inner && end == c->end ?
				    LB_PKT_ETRUNC : LB_PKT_EEXTHDR);
			hlen = ((size_t)h[1] + 2) * 4;
			if (hlen > end - p)
				return (c->inner && end == c->end ?
				    LB_PKT_ETRUNC : LB_PKT_EEXTHDR);
			nhoff = p;
			nh = h[0];
			p += hlen;
			break;
		case LB_IP_ESP:
			if (end - p < 8)
				return (c->inner && end == c->end ?
				    LB_PKT_ETRUNC : LB_PKT_EEXTHDR);
			r->spi = rd32(h);
			r->flags |= LB_PKT_F_ESP;
			goto done;
		case LB_IP_MOBILITY:
			if (end - p < 6)
				return (c->inner && end == c->end ?
				    LB_PKT_ETRUNC : LB_PKT_EEXTHDR);
			hlen = ((size_t)h[1] + 1) * 8;
			if (hlen > end - p && !c->inner)
				return (LB_PKT_EEXTHDR);
			r->flags |= LB_PKT_F_MH;
			if (h[2] == 5)
				r->flags |= LB_PKT_F_BU;
			goto done;
		default:
			goto done;
		}
	}
	return (LB_PKT_EEXTHDR);
done:
	r->proto = nh;
	r->key.proto = nh;
	r->l4off = p;
	r->l4len = off + r->l3len - p;
	return (LB_PKT_OK);
}

/*
 * Walk the options (TLVs) of the destination options header of <hlen>
 * bytes at offset <hdr> of frame <f>, named by the byte at <nhoff>, for
 * the home address option (201): one at most (RFC 6275 6.3), of 16 bytes.
 */
static enum lb_pkt_err
parse_dstopts(const uint8_t *f, size_t hdr, size_t hlen, size_t nhoff,
    struct l3res *r)
{
	const uint8_t	*o = f + hdr + 2;
	size_t		 i = 0, len = hlen - 2;

	while (i < len) {
		if (o[i] == 0) {		/* Pad1 */
			i++;
			continue;
		}
		if (len - i < 2 || (size_t)o[i + 1] > len - i - 2)
			return (LB_PKT_EEXTHDR);
		if (o[i] == 201) {
			if (o[i + 1] != 16 || (r->flags & LB_PKT_F_HAO))
				return (LB_PKT_EEXTHDR);
			memcpy(r->hoa.b, o + i + 2, 16);
			r->flags |= LB_PKT_F_HAO;
			r->hao_off = hdr + 2 + i;
			r->hao_hdr = hdr;
			r->hao_nh = nhoff;
		}
		i += 2 + (size_t)o[i + 1];
	}
	return (LB_PKT_OK);
}

/*
 * A type 2 routing header (RFC 6275 6.4) at <h>, whole: one address, the
 * mobile node's home address, which is the packet's final destination
 * while a segment is left. Anything else of type 2 is malformed.
 */
static enum lb_pkt_err
parse_rh2(const uint8_t *h, struct l3res *r)
{
	if (h[1] != 2 || h[3] > 1 || (r->flags & LB_PKT_F_RH2))
		return (LB_PKT_EEXTHDR);
	if (h[3] == 1) {
		memcpy(r->rh2.b, h + 8, 16);
		r->flags |= LB_PKT_F_RH2;
	}
	return (LB_PKT_OK);
}

/* Read the ports of a TCP or UDP header (first fragments included). */
static enum lb_pkt_err
parse_ports(const struct ipctx *c, struct l3res *r)
{
	const uint8_t	*h = c->f + r->l4off;
	size_t		 avail = c->end - r->l4off;

	if (r->flags & LB_PKT_F_FRAG_LATER)
		return (LB_PKT_OK);
	if (r->proto != LB_IP_TCP && r->proto != LB_IP_UDP)
		return (LB_PKT_OK);
	if (avail < 4 || r->l4len < 4)
		return (c->inner ? LB_PKT_OK : LB_PKT_ETRUNC);
	r->key.sport = rd16(h);
	r->key.dport = rd16(h + 2);
	r->flags |= LB_PKT_F_PORTS;
	return (LB_PKT_OK);
}

/* The transport header of the outer packet. */
static enum lb_pkt_err
parse_l4(struct lb_pkt *p, const struct ipctx *c, const struct l3res *r)
{
	const uint8_t	*h = p->frame + p->l4off;
	size_t		 avail = p->l4len, hl;

	if (p->flags & (LB_PKT_F_FRAG_LATER | LB_PKT_F_ESP | LB_PKT_F_BU))
		return (LB_PKT_OK);
	switch (p->proto) {
	case LB_IP_TCP:
		if (avail < 20)
			return (LB_PKT_EL4);
		hl = (size_t)(h[12] >> 4) * 4;
		if (hl < 20)
			return (LB_PKT_EL4);
		/* A first fragment may hold less than the options. */
		if (hl > avail && !(p->flags & LB_PKT_F_FRAG))
			return (LB_PKT_EL4);
		if (hl <= avail)
			p->flags |= LB_PKT_F_L4FULL;
		p->tcpflags = h[13];
		break;
	case LB_IP_UDP:
		if (avail < 8)
			return (LB_PKT_EL4);
		if (!(p->flags & LB_PKT_F_FRAG) &&
		    (rd16(h + 4) < 8 || rd16(h + 4) > avail))
			return (LB_PKT_EL4);
		p->flags |= LB_PKT_F_L4FULL;
		break;
	case LB_IP_ICMP:
		if (p->key.af != 4)
			return (LB_PKT_OK);
		if (avail < 8)
			return (LB_PKT_EL4);
		p->icmp_type = h[0];
		p->icmp_code = h[1];
		p->flags |= LB_PKT_F_L4FULL;
		switch (h[0]) {
		case 3:		/* destination unreachable */
		case 4:		/* source quench */
		case 5:		/* redirect */
		case 11:	/* time exceeded */
		case 12:	/* parameter problem */
			if (p->flags & LB_PKT_F_FRAG)
				return (LB_PKT_OK);
			return (parse_icmp_inner(p, p->l4off + 8, 4));
		case 0:
		case 8:
			p->key.sport = p->key.dport = rd16(h + 4);
			break;
		}
		break;
	case LB_IP_ICMPV6:
		if (p->key.af != 6)
			return (LB_PKT_OK);
		if (avail < 8)
			return (LB_PKT_EL4);
		p->icmp_type = h[0];
		p->icmp_code = h[1];
		p->flags |= LB_PKT_F_L4FULL;
		if (p->flags & LB_PKT_F_FRAG)
			return (LB_PKT_OK);
		switch (h[0]) {
		case 1:		/* destination unreachable */
		case 2:		/* packet too big */
		case 3:		/* time exceeded */
		case 4:		/* parameter problem */
			return (parse_icmp_inner(p, p->l4off + 8, 6));
		case 128:
		case 129:
			p->key.sport = p->key.dport = rd16(h + 4);
			break;
		case 135:	/* neighbour solicitation */
		case 136:	/* neighbour advertisement */
			return (parse_nd(p, p->l4off, avail));
		}
		break;
	}
	(void)c;
	(void)r;
	return (LB_PKT_OK);
}

/*
 * The datagram quoted by an ICMP error at <off>: an IP header of family
 * <af> and as much of the rest as fits. It need only show the addresses;
 * the ports when at least four bytes of TCP/UDP follow.
 */
static enum lb_pkt_err
parse_icmp_inner(struct lb_pkt *p, size_t off, int af)
{
	struct ipctx	 c;
	struct l3res	 r;
	enum lb_pkt_err	 e;
	size_t		 end = p->l3off + p->l3len;

	memset(&c, 0, sizeof c);
	memset(&r, 0, sizeof r);
	c.f = p->frame;
	c.end = end < p->len ? end : p->len;
	c.inner = 1;
	if (off >= c.end)
		return (LB_PKT_EL4);
	if (af == 4)
		e = parse_ip4(&c, off, &r);
	else
		e = parse_ip6(&c, off, &r);
	if (e != LB_PKT_OK)
		return (e == LB_PKT_ETRUNC ? LB_PKT_EL4 : e);
	if ((e = parse_ports(&c, &r)) != LB_PKT_OK)
		return (e);
	p->inner.l3off = off;
	p->inner.l4off = r.l4off;
	p->inner.caplen = c.end - off;
	p->inner.flags = r.flags;
	p->inner.proto = r.proto;
	p->inner.key = r.key;
	if (r.l4off <= c.end && r.proto == LB_IP_TCP && c.end - r.l4off >= 20)
		p->inner.flags |= LB_PKT_F_L4FULL;
	if (r.l4off <= c.end && r.proto == LB_IP_UDP && c.end - r.l4off >= 8)
		p->inner.flags |= LB_PKT_F_L4FULL;
	p->flags |= LB_PKT_F_ICMPERR;
	return (LB_PKT_OK);
}

/* A neighbour solicitation or advertisement: target, link address. */
static enum lb_pkt_err
parse_nd(struct lb_pkt *p, size_t off, size_t avail)
{
	const uint8_t	*h = p->frame + off;
	size_t		 i, olen;

	if (avail < 24)
		return (LB_PKT_EL4);
	memcpy(p->nd_target.b, h + 8, 16);
	for (i = 24; i < avail; i += olen) {
		if (avail - i < 2)
			return (LB_PKT_EL4);
		olen = (size_t)h[i + 1] * 8;
		if (olen == 0 || olen > avail - i)
			return (LB_PKT_EL4);
		/* Source (solicitation) or target (advertisement) address. */
		if ((h[i] == 1 || h[i] == 2) && olen == 8) {
			memcpy(p->nd_ll, h + i + 2, LB_PKT_ETH_ALEN);
			p->nd_has_ll = 1;
		}
	}
	return (LB_PKT_OK);
}

/* An ARP packet for IPv4 over Ethernet. */
static enum lb_pkt_err
parse_arp(struct lb_pkt *p, size_t off)
{
	const uint8_t	*a = p->frame + off;

	if (p->len - off < 28)
		return (LB_PKT_ETRUNC);
	if (rd16(a) != 1 || rd16(a + 2) != LB_ETH_IPV4 || a[4] != 6 ||
	    a[5] != 4)
		return (LB_PKT_EARP);
	p->arp_op = rd16(a + 6);
	if (p->arp_op != 1 && p->arp_op != 2)
		return (LB_PKT_EARP);
	memcpy(p->arp_sha, a + 8, LB_PKT_ETH_ALEN);
	memcpy(p->arp_spa.b, a + 14, 4);
	memcpy(p->arp_tpa.b, a + 24, 4);
	return (LB_PKT_OK);
}

/*
 * Parse the frame <f> of <len> bytes into <p>. On error, the fields up to
 * the failing header are filled (for logs) and the error says which.
 */
enum lb_pkt_err
lb_pkt_parse(const uint8_t *f, size_t len, struct lb_pkt *p)
{
	struct ipctx	 c;
	struct l3res	 r;
	enum lb_pkt_err	 e;
	size_t		 off = LB_PKT_ETH_HLEN;
	int		 tags;

	memset(p, 0, sizeof *p);
	p->frame = f;
	p->len = len;
	if (len < LB_PKT_ETH_HLEN)
		return (LB_PKT_ETRUNC);
	p->ethertype = rd16(f + 12);
	for (tags = 0; p->ethertype == LB_ETH_VLAN ||
	    p->ethertype == LB_ETH_QINQ; tags++) {
		if (tags == 2)
			return (LB_PKT_EL2);
		if (len - off < 4)
			return (LB_PKT_ETRUNC);
		p->vlan = rd16(f + off);
		p->ethertype = rd16(f + off + 2);
		p->flags |= LB_PKT_F_VLAN;
		off += 4;
	}
	p->l3off = off;
	if (p->ethertype == LB_ETH_ARP)
		return (parse_arp(p, off));
	if (p->ethertype != LB_ETH_IPV4 && p->ethertype != LB_ETH_IPV6)
		return (LB_PKT_OK);

	memset(&c, 0, sizeof c);
	memset(&r, 0, sizeof r);
	c.f = f;
	c.end = len;
	if (p->ethertype == LB_ETH_IPV4)
		e = parse_ip4(&c, off, &r);
	else
		e = parse_ip6(&c, off, &r);
	if (e == LB_PKT_OK)
		e = parse_ports(&c, &r);
	p->l4off = r.l4off;
	p->l3len = r.l3len;
	p->l4len = r.l4len;
	p->flags |= r.flags;
	p->proto = r.proto;
	p->ttl = r.ttl;
	p->fragoff = r.fragoff;
	p->fragid = r.fragid;
	p->spi = r.spi;
	p->hoa = r.hoa;
	p->hao_off = r.hao_off;
	p->hao_hdr = r.hao_hdr;
	p->hao_nh = r.hao_nh;
	p->rh2 = r.rh2;
	p->key = r.key;
	if (e != LB_PKT_OK)
		return (e);
	return (parse_l4(p, &c, &r));
}

/* True for an address in the IPv4 layout (bytes 4..15 zero). */
int
lb_pkt_ip_is_v4(const struct lb_pkt_ip *ip)
{
	static const uint8_t	zero[12];

	return (memcmp(ip->b + 4, zero, sizeof zero) == 0);
}
