/*
 * test_lb_pkt.c: the L4 engine's frame parser, checksums and rewrites
 * (lb/lb_pkt_parse.c, lb_pkt_csum.c, lb_pkt_nat.c, lb_pkt_dr.c and the
 * ARP/ND builders of lb_pkt_neigh.c) on golden frames, on every prefix
 * of them and on malformed variants.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "lb/lb_pkt_int.h"
#include "test_lb_pkt_gold.h"

#define FRAME(a)	{ #a, a, sizeof a }

struct gold {
	const char	*name;
	const uint8_t	*b;
	size_t		 len;
};

static const struct gold golds[] = {
	FRAME(tcp4_syn), FRAME(udp4), FRAME(udp4_nocsum), FRAME(tcp6_ext),
	FRAME(esp6), FRAME(frag6_first), FRAME(frag6_later),
	FRAME(frag4_later), FRAME(icmp4_fragneeded), FRAME(icmp6_ptb),
	FRAME(arp_req), FRAME(ns), FRAME(bu6), FRAME(vlan_tcp4)
};

static struct lb_pkt_ip
ip4(const char *s)
{
	struct lb_pkt_ip	ip;

	memset(&ip, 0, sizeof ip);
	inet_pton(AF_INET, s, ip.b);
	return (ip);
}

static struct lb_pkt_ip
ip6(const char *s)
{
	struct lb_pkt_ip	ip;

	memset(&ip, 0, sizeof ip);
	inet_pton(AF_INET6, s, ip.b);
	return (ip);
}

static int
ip_is(const struct lb_pkt_ip *ip, const char *s)
{
	struct lb_pkt_ip	want;

	want = strchr(s, ':') != NULL ? ip6(s) : ip4(s);
	return (memcmp(ip, &want, sizeof want) == 0);
}

/* A writable copy of exactly <len> bytes (ASan sees any overrun). */
static uint8_t *
copy(const uint8_t *b, size_t len)
{
	uint8_t	*c = malloc(len ? len : 1);

	memcpy(c, b, len);
	return (c);
}

/* The IPv4 header checksum holds. */
static int
ip4_ok(const uint8_t *f, size_t l3)
{
	size_t	hl = (size_t)(f[l3] & 0x0f) * 4;

	return (lb_csum_fold(lb_csum_partial(f + l3, hl, 0)) == 0xffff);
}

static void
test_lb_pkt_parse_tcp4(void)
{
	struct lb_pkt	p;

	CU_ASSERT_EQUAL(lb_pkt_parse(tcp4_syn, sizeof tcp4_syn, &p),
	    LB_PKT_OK);
	CU_ASSERT_EQUAL(p.ethertype, LB_ETH_IPV4);
	CU_ASSERT_EQUAL(p.l3off, 14);
	CU_ASSERT_EQUAL(p.l4off, 14 + 24);
	CU_ASSERT_EQUAL(p.proto, LB_IP_TCP);
	CU_ASSERT_EQUAL(p.ttl, 64);
	CU_ASSERT(p.flags & LB_PKT_F_IPOPT);
	CU_ASSERT(p.flags & LB_PKT_F_DF);
	CU_ASSERT(p.flags & LB_PKT_F_PORTS);
	CU_ASSERT(p.flags & LB_PKT_F_L4FULL);
	CU_ASSERT(!(p.flags & LB_PKT_F_FRAG));
	CU_ASSERT_EQUAL(p.tcpflags, LB_TCP_SYN);
	CU_ASSERT_EQUAL(p.key.af, 4);
	CU_ASSERT(ip_is(&p.key.src, "198.18.0.11"));
	CU_ASSERT(ip_is(&p.key.dst, "198.18.0.100"));
	CU_ASSERT_EQUAL(p.key.sport, 40000);
	CU_ASSERT_EQUAL(p.key.dport, 80);
	CU_ASSERT(lb_csum_verify(tcp4_syn, 14, 4, p.l4off, p.proto, p.l4len));
}

static void
test_lb_pkt_parse_udp4(void)
{
	struct lb_pkt	p;

	CU_ASSERT_EQUAL(lb_pkt_parse(udp4, sizeof udp4, &p), LB_PKT_OK);
	CU_ASSERT_EQUAL(p.proto, LB_IP_UDP);
	CU_ASSERT_EQUAL(p.l4len, 8 + 5);
	CU_ASSERT_EQUAL(p.key.sport, 5353);
	CU_ASSERT_EQUAL(p.key.dport, 53);
	CU_ASSERT(!(p.flags & LB_PKT_F_DF));
}

static void
test_lb_pkt_parse_ip6_ext(void)
{
	struct lb_pkt	 p;
	uint8_t		*c;

	CU_ASSERT_EQUAL(lb_pkt_parse(tcp6_ext, sizeof tcp6_ext, &p),
	    LB_PKT_OK);
	CU_ASSERT_EQUAL(p.key.af, 6);
	CU_ASSERT_EQUAL(p.proto, LB_IP_TCP);
	CU_ASSERT_EQUAL(p.l4off, 14 + 40 + 8 + 24);
	CU_ASSERT(p.flags & LB_PKT_F_HAO);
	CU_ASSERT(ip_is(&p.hoa, "2001:2:0:9::5"));
	CU_ASSERT(ip_is(&p.key.src, "2001:2::11"));
	CU_ASSERT_EQUAL(p.key.sport, 40001);
	CU_ASSERT_EQUAL(p.tcpflags, LB_TCP_SYN);
	/* With a home address option the pseudo-header sums the home
	 * address, not the care-of source (RFC 6275 6.3). */
	c = copy(tcp6_ext, sizeof tcp6_ext);
	CU_ASSERT(!lb_csum_verify(c, 14, 6, p.l4off, p.proto, p.l4len));
	memcpy(c + 14 + 8, p.hoa.b, 16);
	CU_ASSERT(lb_csum_verify(c, 14, 6, p.l4off, p.proto, p.l4len));
	free(c);

	CU_ASSERT_EQUAL(lb_pkt_parse(esp6, sizeof esp6, &p), LB_PKT_OK);
	CU_ASSERT(p.flags & LB_PKT_F_ESP);
	CU_ASSERT_EQUAL(p.proto, LB_IP_ESP);
	CU_ASSERT_EQUAL(p.spi, 0x1234);
	CU_ASSERT(!(p.flags & LB_PKT_F_PORTS));

	CU_ASSERT_EQUAL(lb_pkt_parse(bu6, sizeof bu6, &p), LB_PKT_OK);
	CU_ASSERT_EQUAL(p.proto, LB_IP_MOBILITY);
	CU_ASSERT(p.flags & LB_PKT_F_BU);
}

static void
test_lb_pkt_parse_frag(void)
{
	struct lb_pkt	p;

	CU_ASSERT_EQUAL(lb_pkt_parse(frag6_first, sizeof frag6_first, &p),
	    LB_PKT_OK);
	CU_ASSERT(p.flags & LB_PKT_F_FRAG);
	CU_ASSERT(!(p.flags & LB_PKT_F_FRAG_LATER));
	CU_ASSERT(p.flags & LB_PKT_F_PORTS);
	CU_ASSERT_EQUAL(p.fragid, 0xabcdef);
	CU_ASSERT_EQUAL(p.proto, LB_IP_UDP);
	CU_ASSERT_EQUAL(p.key.dport, 53);

	CU_ASSERT_EQUAL(lb_pkt_parse(frag6_later, sizeof frag6_later, &p),
	    LB_PKT_OK);
	CU_ASSERT(p.flags & LB_PKT_F_FRAG_LATER);
	CU_ASSERT(!(p.flags & LB_PKT_F_PORTS));
	CU_ASSERT_EQUAL(p.fragoff, 40);
	CU_ASSERT_EQUAL(p.fragid, 0xabcdef);
	CU_ASSERT_EQUAL(p.proto, LB_IP_UDP);

	CU_ASSERT_EQUAL(lb_pkt_parse(frag4_later, sizeof frag4_later, &p),
	    LB_PKT_OK);
	CU_ASSERT(p.flags & LB_PKT_F_FRAG_LATER);
	CU_ASSERT_EQUAL(p.fragoff, 80);
	CU_ASSERT_EQUAL(p.fragid, 77);
	CU_ASSERT_EQUAL(p.key.sport, 0);
}

static void
test_lb_pkt_parse_icmp_err(void)
{
	struct lb_pkt	p;

	CU_ASSERT_EQUAL(lb_pkt_parse(icmp4_fragneeded, sizeof icmp4_fragneeded,
	    &p), LB_PKT_OK);
	CU_ASSERT(p.flags & LB_PKT_F_ICMPERR);
	CU_ASSERT_EQUAL(p.icmp_type, 3);
	CU_ASSERT_EQUAL(p.icmp_code, 4);
	CU_ASSERT_EQUAL(p.inner.l3off, 14 + 20 + 8);
	CU_ASSERT_EQUAL(p.inner.proto, LB_IP_TCP);
	CU_ASSERT(p.inner.flags & LB_PKT_F_PORTS);
	CU_ASSERT(p.inner.flags & LB_PKT_F_L4FULL);
	CU_ASSERT(ip_is(&p.inner.key.src, "198.18.0.100"));
	CU_ASSERT(ip_is(&p.inner.key.dst, "198.18.0.11"));
	CU_ASSERT_EQUAL(p.inner.key.sport, 80);
	CU_ASSERT_EQUAL(p.inner.key.dport, 40000);

	CU_ASSERT_EQUAL(lb_pkt_parse(icmp6_ptb, sizeof icmp6_ptb, &p),
	    LB_PKT_OK);
	CU_ASSERT(p.flags & LB_PKT_F_ICMPERR);
	CU_ASSERT_EQUAL(p.icmp_type, 2);
	CU_ASSERT(ip_is(&p.inner.key.dst, "2001:2::11"));
	CU_ASSERT_EQUAL(p.inner.key.dport, 40001);
}

static void
test_lb_pkt_parse_arp_nd(void)
{
	struct lb_pkt	p;

	CU_ASSERT_EQUAL(lb_pkt_parse(arp_req, sizeof arp_req, &p), LB_PKT_OK);
	CU_ASSERT_EQUAL(p.ethertype, LB_ETH_ARP);
	CU_ASSERT_EQUAL(p.arp_op, 1);
	CU_ASSERT(ip_is(&p.arp_spa, "198.18.0.11"));
	CU_ASSERT(ip_is(&p.arp_tpa, "198.18.0.100"));
	CU_ASSERT_EQUAL(p.arp_sha[5], 0x02);

	CU_ASSERT_EQUAL(lb_pkt_parse(ns, sizeof ns, &p), LB_PKT_OK);
	CU_ASSERT_EQUAL(p.icmp_type, 135);
	CU_ASSERT_EQUAL(p.ttl, 255);
	CU_ASSERT(ip_is(&p.nd_target, "2001:2::100"));
	CU_ASSERT(p.nd_has_ll);
	CU_ASSERT_EQUAL(p.nd_ll[5], 0x02);

	CU_ASSERT_EQUAL(lb_pkt_parse(vlan_tcp4, sizeof vlan_tcp4, &p),
	    LB_PKT_OK);
	CU_ASSERT(p.flags & LB_PKT_F_VLAN);
	CU_ASSERT_EQUAL(p.vlan & 0xfff, 10);
	CU_ASSERT_EQUAL(p.l3off, 18);
	CU_ASSERT_EQUAL(p.key.dport, 80);
}

/* Every prefix of every golden frame is refused, and read within bounds. */
static void
test_lb_pkt_parse_truncated(void)
{
	struct lb_pkt	 p;
	uint8_t		*c;
	size_t		 i, n;

	for (i = 0; i < sizeof golds / sizeof golds[0]; i++) {
		for (n = 0; n < golds[i].len; n++) {
			c = copy(golds[i].b, n);
			if (lb_pkt_parse(c, n, &p) == LB_PKT_OK &&
			    (p.ethertype == LB_ETH_IPV4 ||
			    p.ethertype == LB_ETH_IPV6 ||
			    p.ethertype == LB_ETH_ARP)) {
				CU_FAIL("a cut frame parsed");
				fprintf(stderr, "%s cut at %zu parsed\n",
				    golds[i].name, n);
			}
			free(c);
		}
		c = copy(golds[i].b, golds[i].len);
		CU_ASSERT_EQUAL(lb_pkt_parse(c, golds[i].len, &p), LB_PKT_OK);
		free(c);
	}
}

/* Parse a mutated copy of <b>: byte <off> set to <v>. */
static enum lb_pkt_err
mutate(const uint8_t *b, size_t len, size_t off, uint8_t v)
{
	struct lb_pkt	 p;
	enum lb_pkt_err	 e;
	uint8_t		*c = copy(b, len);

	c[off] = v;
	e = lb_pkt_parse(c, len, &p);
	free(c);
	return (e);
}

static void
test_lb_pkt_parse_malformed(void)
{
	uint8_t		 buf[256], *c;
	struct lb_pkt	 p;
	size_t		 i, n;

	/* IPv4: header length below 20, version, total length. */
	CU_ASSERT_EQUAL(mutate(tcp4_syn, sizeof tcp4_syn, 14, 0x44),
	    LB_PKT_EHDRLEN);
	CU_ASSERT_EQUAL(mutate(tcp4_syn, sizeof tcp4_syn, 14, 0x66),
	    LB_PKT_EVERSION);
	CU_ASSERT_EQUAL(mutate(tcp4_syn, sizeof tcp4_syn, 14, 0x4f),
	    LB_PKT_EHDRLEN);
	CU_ASSERT_EQUAL(mutate(tcp4_syn, sizeof tcp4_syn, 17, 0x10),
	    LB_PKT_EHDRLEN);
	/* TCP data offset below 5, and past the segment. */
	CU_ASSERT_EQUAL(mutate(tcp4_syn, sizeof tcp4_syn, 14 + 24 + 12, 0x40),
	    LB_PKT_EL4);
	CU_ASSERT_EQUAL(mutate(tcp4_syn, sizeof tcp4_syn, 14 + 24 + 12, 0xf0),
	    LB_PKT_EL4);
	/* UDP length past the datagram. */
	CU_ASSERT_EQUAL(mutate(udp4, sizeof udp4, 14 + 20 + 5, 200),
	    LB_PKT_EL4);
	/* IPv6: hop-by-hop not first, a destination option overrunning. */
	CU_ASSERT_EQUAL(mutate(tcp6_ext, sizeof tcp6_ext, 14 + 40 + 8,
	    LB_IP_HOPOPT), LB_PKT_EEXTHDR);
	CU_ASSERT_EQUAL(mutate(tcp6_ext, sizeof tcp6_ext, 14 + 40 + 8 + 3,
	    200), LB_PKT_EEXTHDR);
	/* A home address option of the wrong size. */
	CU_ASSERT_EQUAL(mutate(tcp6_ext, sizeof tcp6_ext, 14 + 40 + 8 + 7,
	    14), LB_PKT_EEXTHDR);
	/* Extension header length past the packet. */
	CU_ASSERT_EQUAL(mutate(tcp6_ext, sizeof tcp6_ext, 14 + 40 + 1, 30),
	    LB_PKT_EEXTHDR);
	/* ARP with 8-byte hardware addresses. */
	CU_ASSERT_EQUAL(mutate(arp_req, sizeof arp_req, 14 + 4, 8),
	    LB_PKT_EARP);
	/* A neighbour solicitation option of length 0. */
	CU_ASSERT_EQUAL(mutate(ns, sizeof ns, 14 + 40 + 25, 0), LB_PKT_EL4);
	/* An IPv6 jumbogram. */
	c = copy(tcp6_ext, sizeof tcp6_ext);
	c[18] = c[19] = 0;
	CU_ASSERT_EQUAL(lb_pkt_parse(c, sizeof tcp6_ext, &p), LB_PKT_EHDRLEN);
	free(c);

	/* Three VLAN tags. */
	memset(buf, 0, sizeof buf);
	buf[12] = 0x81;
	for (i = 0; i < 3; i++)
		buf[16 + 4 * i] = 0x81;
	CU_ASSERT_EQUAL(lb_pkt_parse(buf, 64, &p), LB_PKT_EL2);

	/* Seventeen destination option headers in a row. */
	memset(buf, 0, sizeof buf);
	buf[12] = 0x86;
	buf[13] = 0xdd;
	buf[14] = 0x60;
	n = 17 * 8;
	buf[18] = n >> 8;
	buf[19] = n & 0xff;
	buf[20] = LB_IP_DSTOPTS;
	for (i = 0; i < 17; i++) {
		buf[54 + 8 * i] = i == 16 ? LB_IP_NONE : LB_IP_DSTOPTS;
		buf[54 + 8 * i + 2] = 1;	/* PadN of 4 */
		buf[54 + 8 * i + 3] = 4;
	}
	CU_ASSERT_EQUAL(lb_pkt_parse(buf, 54 + n, &p), LB_PKT_EEXTHDR);
	/* Sixteen are fine. */
	buf[54 + 8 * 15] = LB_IP_NONE;
	CU_ASSERT_EQUAL(lb_pkt_parse(buf, 54 + n, &p), LB_PKT_OK);
	CU_ASSERT_EQUAL(p.proto, LB_IP_NONE);

	/* ICMP error quoting too little to show an IP header. */
	c = copy(icmp4_fragneeded, 14 + 20 + 8 + 12);
	c[16] = 0;
	c[17] = 20 + 8 + 12;
	lb_csum_ip4(c + 14);
	CU_ASSERT_EQUAL(lb_pkt_parse(c, 14 + 20 + 8 + 12, &p), LB_PKT_EL4);
	free(c);
	/* Ethernet padding after the datagram is ignored. */
	memcpy(buf, udp4, sizeof udp4);
	memset(buf + sizeof udp4, 0xee, 10);
	CU_ASSERT_EQUAL(lb_pkt_parse(buf, sizeof udp4 + 10, &p), LB_PKT_OK);
	CU_ASSERT_EQUAL(p.l4len, 13);
}

/* Incremental updates agree with a full computation. */
static void
test_lb_pkt_csum_replace(void)
{
	uint8_t		a[4] = { 1, 2, 3, 4 }, b[4] = { 200, 201, 0, 7 };
	uint8_t		buf[20];
	uint16_t	c, full;

	memset(buf, 0x5a, sizeof buf);
	memcpy(buf + 8, a, 4);
	c = ~lb_csum_fold(lb_csum_partial(buf, sizeof buf, 0));
	memcpy(buf + 8, b, 4);
	full = ~lb_csum_fold(lb_csum_partial(buf, sizeof buf, 0));
	CU_ASSERT_EQUAL(lb_csum_replace(c, a, b, 4), full);
	CU_ASSERT_EQUAL(lb_csum_replace16(lb_csum_replace16(c, 0x1234, 0x4321),
	    0x4321, 0x1234), c);
	/* Odd lengths sum the last byte as the high half of a word. */
	CU_ASSERT_EQUAL(lb_csum_partial("\x01", 1, 0), 0x0100);
	CU_ASSERT_EQUAL(lb_csum_fold(0x1ffff), 1);
}

/* NAT rewrites keep every checksum valid, IPv4 and IPv6. */
static void
test_lb_pkt_nat_rewrite(void)
{
	struct lb_pkt_ip	 s = ip4("198.18.1.11"), s6;
	struct lb_pkt		 p, q;
	uint8_t			*c;

	c = copy(tcp4_syn, sizeof tcp4_syn);
	CU_ASSERT_EQUAL(lb_pkt_parse(c, sizeof tcp4_syn, &p), LB_PKT_OK);
	CU_ASSERT_EQUAL(lb_nat_rewrite(c, &p, LB_NAT_DST, &s, 8080, 0), 0);
	CU_ASSERT_EQUAL(lb_pkt_parse(c, sizeof tcp4_syn, &q), LB_PKT_OK);
	CU_ASSERT(ip_is(&q.key.dst, "198.18.1.11"));
	CU_ASSERT_EQUAL(q.key.dport, 8080);
	CU_ASSERT(ip4_ok(c, 14));
	CU_ASSERT(lb_csum_verify(c, 14, 4, q.l4off, q.proto, q.l4len));
	/* And back, to the original bytes. */
	s = ip4("198.18.0.100");
	lb_nat_rewrite(c, &q, LB_NAT_DST, &s, 80, 0);
	CU_ASSERT(memcmp(c, tcp4_syn, sizeof tcp4_syn) == 0);
	free(c);

	c = copy(udp4, sizeof udp4);
	lb_pkt_parse(c, sizeof udp4, &p);
	s = ip4("198.18.1.12");
	lb_nat_rewrite(c, &p, LB_NAT_SRC, &s, 1, 0);
	lb_pkt_parse(c, sizeof udp4, &q);
	CU_ASSERT(ip_is(&q.key.src, "198.18.1.12"));
	CU_ASSERT(ip4_ok(c, 14));
	CU_ASSERT(lb_csum_verify(c, 14, 4, q.l4off, q.proto, q.l4len));
	free(c);

	/* IPv4 UDP without checksum stays without. */
	c = copy(udp4_nocsum, sizeof udp4_nocsum);
	lb_pkt_parse(c, sizeof udp4_nocsum, &p);
	lb_nat_rewrite(c, &p, LB_NAT_DST, &s, 5300, 0);
	CU_ASSERT_EQUAL(c[14 + 20 + 6], 0);
	CU_ASSERT_EQUAL(c[14 + 20 + 7], 0);
	CU_ASSERT(ip4_ok(c, 14));
	free(c);

	/* Summed with the plain source (see above), then rewritten. */
	c = copy(tcp6_ext, sizeof tcp6_ext);
	lb_pkt_parse(c, sizeof tcp6_ext, &p);
	lb_csum_l4(c, 14, 6, p.l4off, p.proto, p.l4len);
	s6 = ip6("2001:2:0:1::11");
	lb_nat_rewrite(c, &p, LB_NAT_DST, &s6, 8080, 0);
	lb_pkt_parse(c, sizeof tcp6_ext, &q);
	CU_ASSERT(ip_is(&q.key.dst, "2001:2:0:1::11"));
	CU_ASSERT(lb_csum_verify(c, 14, 6, q.l4off, q.proto, q.l4len));
	free(c);

	/* A later fragment: only the IP header changes. */
	c = copy(frag4_later, sizeof frag4_later);
	lb_pkt_parse(c, sizeof frag4_later, &p);
	lb_nat_rewrite(c, &p, LB_NAT_DST, &s, 9, 0);
	CU_ASSERT(ip4_ok(c, 14));
	CU_ASSERT(memcmp(c + 34, frag4_later + 34, sizeof frag4_later - 34)
	    == 0);
	free(c);
}

/*
 * A partial checksum (CHECKSUM_PARTIAL: the pseudo-header sum in the
 * field) follows the address change and completes to the right value.
 */
static void
test_lb_pkt_csum_partial(void)
{
	struct lb_pkt_ip	 s = ip4("198.18.1.11"), s6;
	struct lb_pkt		 p;
	uint8_t			*c, *l4;
	uint16_t		 ps;
	int			 v6;

	for (v6 = 0; v6 < 2; v6++) {
		c = v6 ? copy(tcp6_ext, sizeof tcp6_ext) :
		    copy(tcp4_syn, sizeof tcp4_syn);
		lb_pkt_parse(c, v6 ? sizeof tcp6_ext : sizeof tcp4_syn, &p);
		l4 = c + p.l4off;
		ps = lb_csum_fold(lb_csum_pseudo(p.key.af, p.key.src.b,
		    p.key.dst.b, LB_IP_TCP, p.l4len));
		l4[16] = ps >> 8;
		l4[17] = ps & 0xff;
		s6 = ip6("2001:2:0:1::12");
		lb_nat_rewrite(c, &p, LB_NAT_DST, v6 ? &s6 : &s, 8080, 1);
		/* Still partial: it is the new pseudo-header's sum. */
		lb_pkt_parse(c, v6 ? sizeof tcp6_ext : sizeof tcp4_syn, &p);
		ps = lb_csum_fold(lb_csum_pseudo(p.key.af, p.key.src.b,
		    p.key.dst.b, LB_IP_TCP, p.l4len));
		CU_ASSERT_EQUAL(l4[16] << 8 | l4[17], ps);
		lb_pkt_complete_csum(c, &p);
		CU_ASSERT(lb_csum_verify(c, 14, p.key.af, p.l4off, p.proto,
		    p.l4len));
		free(c);
	}
}

/* An ICMP error about a reply is translated for the server, and back. */
static void
test_lb_pkt_nat_icmp(void)
{
	struct lb_pkt_ip	 srv = ip4("198.18.1.11"), srv6;
	struct lb_pkt		 p, q;
	uint8_t			*c;
	size_t			 n = sizeof icmp4_fragneeded;

	c = copy(icmp4_fragneeded, n);
	lb_pkt_parse(c, n, &p);
	/* Outer destination (the cluster) and quoted source: the server. */
	CU_ASSERT_EQUAL(lb_nat_icmp(c, &p, LB_NAT_DST, &srv, LB_NAT_SRC, &srv,
	    8080), 0);
	CU_ASSERT_EQUAL(lb_pkt_parse(c, n, &q), LB_PKT_OK);
	CU_ASSERT(ip_is(&q.key.dst, "198.18.1.11"));
	CU_ASSERT(ip_is(&q.inner.key.src, "198.18.1.11"));
	CU_ASSERT_EQUAL(q.inner.key.sport, 8080);
	CU_ASSERT(ip4_ok(c, 14));
	CU_ASSERT(ip4_ok(c, q.inner.l3off));
	CU_ASSERT(lb_csum_verify(c, 14, 4, q.l4off, LB_IP_ICMP, q.l4len));
	/* The quoted segment is whole here: its checksum holds too. */
	CU_ASSERT(lb_csum_verify(c, q.inner.l3off, 4, q.inner.l4off,
	    LB_IP_TCP, n - q.inner.l4off));
	free(c);

	c = copy(icmp6_ptb, sizeof icmp6_ptb);
	lb_pkt_parse(c, sizeof icmp6_ptb, &p);
	srv6 = ip6("2001:2:0:1::11");
	lb_nat_icmp(c, &p, LB_NAT_DST, &srv6, LB_NAT_SRC, &srv6, 80);
	lb_pkt_parse(c, sizeof icmp6_ptb, &q);
	CU_ASSERT(ip_is(&q.key.dst, "2001:2:0:1::11"));
	CU_ASSERT(ip_is(&q.inner.key.src, "2001:2:0:1::11"));
	CU_ASSERT(lb_csum_verify(c, 14, 6, q.l4off, LB_IP_ICMPV6, q.l4len));
	CU_ASSERT(lb_csum_verify(c, q.inner.l3off, 6, q.inner.l4off,
	    LB_IP_TCP, sizeof icmp6_ptb - q.inner.l4off));
	/* Not an ICMP error: refused. */
	lb_pkt_parse(tcp4_syn, sizeof tcp4_syn, &p);
	CU_ASSERT_EQUAL(lb_nat_icmp(c, &p, LB_NAT_DST, &srv, LB_NAT_SRC, &srv,
	    80), -1);
	free(c);
}

/* The engine's own ICMP errors quote the packet and check-sum right. */
static void
test_lb_pkt_icmp_error(void)
{
	static const uint8_t	 me[6] = { 2, 0, 0, 0, 0, 9 };
	struct lb_pkt_ip	 src = ip4("198.18.1.1"), src6;
	struct lb_pkt		 p, q;
	uint8_t			 out[LB_SCRATCH_LEN];
	size_t			 n;

	lb_pkt_parse(tcp4_syn, sizeof tcp4_syn, &p);
	n = lb_icmp_error(out, sizeof out, &p, me, tcp4_syn + 6, &src,
	    LB_ICMP_TOOBIG, 1280);
	CU_ASSERT_EQUAL(n, 14 + 20 + 8 + sizeof tcp4_syn - 14);
	CU_ASSERT_EQUAL(lb_pkt_parse(out, n, &q), LB_PKT_OK);
	CU_ASSERT(q.flags & LB_PKT_F_ICMPERR);
	CU_ASSERT_EQUAL(q.icmp_type, 3);
	CU_ASSERT_EQUAL(q.icmp_code, 4);
	CU_ASSERT_EQUAL(out[14 + 20 + 6] << 8 | out[14 + 20 + 7], 1280);
	CU_ASSERT(ip_is(&q.key.src, "198.18.1.1"));
	CU_ASSERT(ip_is(&q.key.dst, "198.18.0.11"));
	CU_ASSERT(memcmp(&q.inner.key, &p.key, sizeof p.key) == 0);
	CU_ASSERT(ip4_ok(out, 14));
	CU_ASSERT(lb_csum_verify(out, 14, 4, q.l4off, LB_IP_ICMP, q.l4len));
	CU_ASSERT(memcmp(out, tcp4_syn + 6, 6) == 0);
	/* Too small a buffer. */
	CU_ASSERT_EQUAL(lb_icmp_error(out, 40, &p, me, me, &src,
	    LB_ICMP_TOOBIG, 1280), 0);

	lb_pkt_parse(tcp6_ext, sizeof tcp6_ext, &p);
	src6 = ip6("2001:2:0:1::1");
	n = lb_icmp_error(out, sizeof out, &p, me, tcp6_ext + 6, &src6,
	    LB_ICMP_TTL, 0);
	CU_ASSERT_EQUAL(lb_pkt_parse(out, n, &q), LB_PKT_OK);
	CU_ASSERT_EQUAL(q.icmp_type, 3);
	CU_ASSERT(q.flags & LB_PKT_F_ICMPERR);
	CU_ASSERT_EQUAL(q.inner.key.sport, 40001);
	CU_ASSERT(lb_csum_verify(out, 14, 6, q.l4off, LB_IP_ICMPV6, q.l4len));
}

static void
test_lb_pkt_ttl(void)
{
	struct lb_pkt	 p;
	uint8_t		*c = copy(tcp4_syn, sizeof tcp4_syn);
	static const uint8_t	 mac[6] = { 2, 0, 0, 0, 0, 7 };

	lb_pkt_parse(c, sizeof tcp4_syn, &p);
	CU_ASSERT_EQUAL(lb_dr_forward(c, &p, mac, mac + 0), 0);
	CU_ASSERT_EQUAL(c[14 + 8], 63);
	CU_ASSERT(ip4_ok(c, 14));
	CU_ASSERT(memcmp(c, mac, 6) == 0);
	c[14 + 8] = 1;
	lb_csum_ip4(c + 14);
	CU_ASSERT_EQUAL(lb_pkt_ttl(c, &p), -1);
	CU_ASSERT_EQUAL(c[14 + 8], 1);
	free(c);

	c = copy(tcp6_ext, sizeof tcp6_ext);
	lb_pkt_parse(c, sizeof tcp6_ext, &p);
	CU_ASSERT_EQUAL(lb_pkt_ttl(c, &p), 0);
	CU_ASSERT_EQUAL(c[14 + 7], 63);
	c[14 + 7] = 0;
	CU_ASSERT_EQUAL(lb_pkt_ttl(c, &p), -1);
	free(c);
}

/* ARP and ND frames the engine sends parse back as meant. */
static void
test_lb_pkt_arp_nd_frames(void)
{
	static const uint8_t	 me[6] = { 2, 0, 0, 0, 0, 9 };
	static const uint8_t	 peer[6] = { 2, 0, 0, 0, 0, 2 };
	struct lb_pkt_ip	 vip = ip4("198.18.0.100"), cl = ip4("198.18.0.11");
	struct lb_pkt_ip	 v6 = ip6("2001:2::100"), c6 = ip6("2001:2::11");
	struct lb_pkt		 p;
	uint8_t			 buf[128];
	size_t			 n;

	n = lb_arp_frame(buf, 2, peer, me, &vip, peer, &cl);
	CU_ASSERT_EQUAL(n, 60);
	CU_ASSERT_EQUAL(lb_pkt_parse(buf, n, &p), LB_PKT_OK);
	CU_ASSERT_EQUAL(p.arp_op, 2);
	CU_ASSERT(memcmp(p.arp_sha, me, 6) == 0);
	CU_ASSERT(ip_is(&p.arp_spa, "198.18.0.100"));
	CU_ASSERT(ip_is(&p.arp_tpa, "198.18.0.11"));
	CU_ASSERT(memcmp(buf, peer, 6) == 0);

	n = lb_nd_frame(buf, 136, peer, me, &v6, &c6, &v6, 0x60);
	CU_ASSERT_EQUAL(lb_pkt_parse(buf, n, &p), LB_PKT_OK);
	CU_ASSERT_EQUAL(p.icmp_type, 136);
	CU_ASSERT_EQUAL(p.ttl, 255);
	CU_ASSERT(ip_is(&p.nd_target, "2001:2::100"));
	CU_ASSERT(p.nd_has_ll && memcmp(p.nd_ll, me, 6) == 0);
	CU_ASSERT(lb_csum_verify(buf, 14, 6, p.l4off, LB_IP_ICMPV6, p.l4len));

	/* A solicitation to the solicited-node group's multicast MAC. */
	n = lb_nd_frame(buf, 135, NULL, me, &c6, &v6, &v6, 0);
	CU_ASSERT_EQUAL(buf[0], 0x33);
	CU_ASSERT_EQUAL(buf[5], v6.b[15]);
	CU_ASSERT_EQUAL(lb_pkt_parse(buf, n, &p), LB_PKT_OK);
	CU_ASSERT_EQUAL(p.icmp_type, 135);
	CU_ASSERT(lb_csum_verify(buf, 14, 6, p.l4off, LB_IP_ICMPV6, p.l4len));
}

static void
test_lb_pkt_key_fmt(void)
{
	struct lb_pkt	p;
	char		buf[128];

	lb_pkt_parse(tcp4_syn, sizeof tcp4_syn, &p);
	CU_ASSERT_STRING_EQUAL(lb_pkt_key_fmt(&p.key, buf, sizeof buf),
	    "tcp 198.18.0.11:40000 > 198.18.0.100:80");
	lb_pkt_parse(tcp6_ext, sizeof tcp6_ext, &p);
	CU_ASSERT_STRING_EQUAL(lb_pkt_key_fmt(&p.key, buf, sizeof buf),
	    "tcp [2001:2::11]:40001 > [2001:2::100]:80");
	CU_ASSERT_STRING_EQUAL(lb_pkt_strerror(LB_PKT_ETRUNC), "truncated");
	CU_ASSERT_STRING_EQUAL(lb_pkt_strerror(LB_PKT_ENERR), "?");
}

static CU_TestInfo lb_pkt_tests[] = {
	{ "test_lb_pkt_parse_tcp4", test_lb_pkt_parse_tcp4 },
	{ "test_lb_pkt_parse_udp4", test_lb_pkt_parse_udp4 },
	{ "test_lb_pkt_parse_ip6_ext", test_lb_pkt_parse_ip6_ext },
	{ "test_lb_pkt_parse_frag", test_lb_pkt_parse_frag },
	{ "test_lb_pkt_parse_icmp_err", test_lb_pkt_parse_icmp_err },
	{ "test_lb_pkt_parse_arp_nd", test_lb_pkt_parse_arp_nd },
	{ "test_lb_pkt_parse_truncated", test_lb_pkt_parse_truncated },
	{ "test_lb_pkt_parse_malformed", test_lb_pkt_parse_malformed },
	{ "test_lb_pkt_csum_replace", test_lb_pkt_csum_replace },
	{ "test_lb_pkt_nat_rewrite", test_lb_pkt_nat_rewrite },
	{ "test_lb_pkt_csum_partial", test_lb_pkt_csum_partial },
	{ "test_lb_pkt_nat_icmp", test_lb_pkt_nat_icmp },
	{ "test_lb_pkt_icmp_error", test_lb_pkt_icmp_error },
	{ "test_lb_pkt_ttl", test_lb_pkt_ttl },
	{ "test_lb_pkt_arp_nd_frames", test_lb_pkt_arp_nd_frames },
	{ "test_lb_pkt_key_fmt", test_lb_pkt_key_fmt },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(lb_pkt_suite, "lb_pkt", lb_pkt_tests)
