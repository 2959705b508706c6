/*
 * lb_pkt_csum.c: Internet checksums for the L4 engine. Rewrites update the
 * IPv4 header and the TCP/UDP checksum incrementally (RFC 1624, eqn. 3:
 * HC' = ~(~HC + ~m + m')), so a NAT costs a few additions whatever the
 * packet's size. Packets the kernel left with a partial checksum (veth,
 * TP_STATUS_CSUMNOTREADY) hold only the pseudo-header sum, not inverted,
 * in the field; they are updated without the inversion and either passed
 * on as partial (the virtio header says so) or completed here.
 */
#include <string.h>

#include "lb_pkt.h"

/* Add <len> bytes at <p> (big-endian 16-bit words) to the sum <sum>. */
uint32_t
lb_csum_partial(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t	*p = buf;
	uint64_t	 s = sum;

	while (len >= 8) {
		s += (uint32_t)(p[0] << 8 | p[1]) + (uint32_t)(p[2] << 8 | p[3])
		    + (uint32_t)(p[4] << 8 | p[5]) +
		    (uint32_t)(p[6] << 8 | p[7]);
		p += 8;
		len -= 8;
	}
	while (len >= 2) {
		s += (uint32_t)(p[0] << 8 | p[1]);
		p += 2;
		len -= 2;
	}
	if (len)
		s += (uint32_t)p[0] << 8;
	while (s >> 32)
		s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return ((uint32_t)s);
}

/* Fold a sum to 16 bits (not inverted). */
uint16_t
lb_csum_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ((uint16_t)s);
}

/*
 * The checksum field <csum> (host order) after <len> bytes covered by it
 * changed from <old> to <new> (RFC 1624 eqn. 3).
 */
uint16_t
lb_csum_replace(uint16_t csum, const void *old, const void *new, size_t len)
{
	const uint8_t	*o = old;
	uint32_t	 s = (uint16_t)~csum;
	size_t		 i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint16_t)~(o[i] << 8 | o[i + 1]);
	s = lb_csum_partial(new, len, s);
	return ((uint16_t)~lb_csum_fold(s));
}

/* The same for a field holding a partial (not inverted) pseudo sum. */
uint16_t
lb_csum_replace_partial(uint16_t sum, const void *old, const void *new,
    size_t len)
{
	return ((uint16_t)~lb_csum_replace((uint16_t)~sum, old, new, len));
}

/* One 16-bit word <old> became <new>. */
uint16_t
lb_csum_replace16(uint16_t csum, uint16_t old, uint16_t new)
{
	uint8_t	o[2] = { old >> 8, old & 0xff }, n[2] = { new >> 8, new & 0xff };

	return (lb_csum_replace(csum, o, n, 2));
}

/* Sum of the pseudo-header for family <af> (4 or 6). */
uint32_t
lb_csum_pseudo(int af, const uint8_t *src, const uint8_t *dst, uint8_t proto,
    uint32_t len)
{
	size_t		alen = af == 4 ? 4 : 16;
	uint32_t	s;

	s = lb_csum_partial(src, alen, 0);
	s = lb_csum_partial(dst, alen, s);
	s += proto;
	s += len >> 16;
	s += len & 0xffff;
	return (s);
}

/* Compute the IPv4 header checksum in place. */
void
lb_csum_ip4(uint8_t *h)
{
	size_t		hl = (size_t)(h[0] & 0x0f) * 4;
	uint16_t	c;

	h[10] = h[11] = 0;
	c = ~lb_csum_fold(lb_csum_partial(h, hl, 0));
	h[10] = c >> 8;
	h[11] = c & 0xff;
}

/* Offset of the checksum field in a transport header, or 0. */
static size_t
csum_field(uint8_t proto)
{
	switch (proto) {
	case LB_IP_TCP:
		return (16);
	case LB_IP_UDP:
		return (6);
	case LB_IP_ICMP:
	case LB_IP_ICMPV6:
		return (2);
	}
	return (0);
}

/*
 * Compute from scratch the checksum of the transport segment at <l4>
 * (<l4len> bytes, protocol <proto>) of the IP packet at <l3> (family <af>),
 * in place. ICMP (IPv4) has no pseudo-header. Returns -1 for a protocol
 * without a checksum.
 */
int
lb_csum_l4(uint8_t *f, size_t l3, int af, size_t l4, uint8_t proto,
    size_t l4len)
{
	const uint8_t	*ip = f + l3;
	uint8_t		*h = f + l4;
	size_t		 fo = csum_field(proto);
	uint32_t	 s = 0;
	uint16_t	 c;

	if (fo == 0 || l4len < fo + 2)
		return (-1);
	h[fo] = h[fo + 1] = 0;
	if (proto != LB_IP_ICMP)
		s = lb_csum_pseudo(af, af == 4 ? ip + 12 : ip + 8,
		    af == 4 ? ip + 16 : ip + 24, proto, l4len);
	c = ~lb_csum_fold(lb_csum_partial(h, l4len, s));
	if (c == 0 && proto == LB_IP_UDP)
		c = 0xffff;
	h[fo] = c >> 8;
	h[fo + 1] = c & 0xff;
	return (0);
}

/* Return 1 if the transport checksum (as lb_csum_l4 computes it) holds. */
int
lb_csum_verify(const uint8_t *f, size_t l3, int af, size_t l4, uint8_t proto,
    size_t l4len)
{
	const uint8_t	*ip = f + l3;
	uint32_t	 s = 0;

	if (csum_field(proto) == 0)
		return (0);
	if (proto != LB_IP_ICMP)
		s = lb_csum_pseudo(af, af == 4 ? ip + 12 : ip + 8,
		    af == 4 ? ip + 16 : ip + 24, proto, l4len);
	return (lb_csum_fold(lb_csum_partial(f + l4, l4len, s)) == 0xffff);
}
