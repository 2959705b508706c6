/*
 * fuzz_lb_pkt.c: libFuzzer target for the L4 engine's frame parser
 * (lb/lb_pkt_parse.c), which reads every frame any host puts on the
 * engine's links, and for the rewrites that follow a parse
 * (lb/lb_pkt_nat.c, lb/lb_pkt_csum.c).
 *
 * Build (from the top of the source tree) and run:
 *	clang -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I . -I lib \
 *	    tests/fuzz/fuzz_lb_pkt.c lb/lb_pkt_parse.c lb/lb_pkt_csum.c \
 *	    lb/lb_pkt_nat.c -o tests/fuzz/fuzz_lb_pkt
 *	tests/fuzz/fuzz_lb_pkt -max_total_time=60 tests/fuzz/corpus_lb_pkt
 *
 * The input is the frame. Invariants: every offset the parse returns
 * lies within the frame; a rewrite of a parsed packet parses again to the
 * rewritten key, keeps a valid IPv4 header checksum valid, and keeps a
 * valid TCP/UDP checksum valid; ICMP errors built about it parse as ICMP
 * errors quoting it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lb/lb_pkt_int.h"

#define CHECK(x) do {							\
	if (!(x)) {							\
		fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
		    __FILE__, __LINE__, #x);				\
		abort();						\
	}								\
} while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
ip4_ok(const uint8_t *f, size_t l3)
{
	size_t	hl = (size_t)(f[l3] & 0x0f) * 4;

	return (lb_csum_fold(lb_csum_partial(f + l3, hl, 0)) == 0xffff);
}

/* The transport checksum can be checked and should follow a rewrite. */
static int
l4_checkable(const struct lb_pkt *p)
{
	if (!(p->flags & LB_PKT_F_L4FULL) || (p->flags & (LB_PKT_F_FRAG |
	    LB_PKT_F_HAO | LB_PKT_F_ROUTING)))
		return (0);
	if (p->proto != LB_IP_TCP && p->proto != LB_IP_UDP)
		return (0);
	/* IPv4 UDP without a checksum has none to keep. */
	if (p->proto == LB_IP_UDP && p->key.af == 4 &&
	    p->frame[p->l4off + 6] == 0 && p->frame[p->l4off + 7] == 0)
		return (0);
	return (1);
}

static void
rewrite(const struct lb_pkt *p, uint8_t *c, size_t len, int which)
{
	struct lb_pkt_ip	 ip;
	struct lb_pkt		 q;
	int			 l4ok, ipok = 0;

	memset(&ip, 0, sizeof ip);
	ip.b[0] = 198;
	ip.b[1] = 19;
	ip.b[2] = which;
	ip.b[3] = 7;
	if (p->key.af == 6) {
		ip.b[0] = 0x20;
		ip.b[1] = 0x01;
		ip.b[3] = 0x02;
		ip.b[15] = 0x77;
	}
	l4ok = l4_checkable(p) && lb_csum_verify(c, p->l3off, p->key.af,
	    p->l4off, p->proto, p->l4len);
	if (p->key.af == 4)
		ipok = ip4_ok(c, p->l3off);
	CHECK(lb_nat_rewrite(c, p, which, &ip, 4242, 0) == 0);
	CHECK(lb_pkt_parse(c, len, &q) == LB_PKT_OK);
	CHECK(memcmp(which == LB_NAT_SRC ? &q.key.src : &q.key.dst, &ip,
	    sizeof ip) == 0);
	if (p->flags & LB_PKT_F_PORTS && !(p->flags & LB_PKT_F_FRAG_LATER) &&
	    (p->proto == LB_IP_TCP || p->proto == LB_IP_UDP))
		CHECK((which == LB_NAT_SRC ? q.key.sport : q.key.dport) ==
		    4242);
	if (ipok)
		CHECK(ip4_ok(c, p->l3off));
	if (l4ok)
		CHECK(lb_csum_verify(c, q.l3off, q.key.af, q.l4off, q.proto,
		    q.l4len));
	if (lb_pkt_ttl(c, &q) == 0 && ipok)
		CHECK(ip4_ok(c, q.l3off));
	if (q.flags & LB_PKT_F_ICMPERR) {
		CHECK(lb_nat_icmp(c, &q, which, &ip, !which, &ip, 99) == 0);
		CHECK(lb_pkt_parse(c, len, &q) == LB_PKT_OK);
		CHECK(lb_csum_verify(c, q.l3off, q.key.af, q.l4off, q.proto,
		    q.l4len));
	}
	lb_pkt_complete_csum(c, &q);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t	 mac[6] = { 2, 0, 0, 0, 0, 1 };
	struct lb_pkt		 p, q;
	struct lb_pkt_ip	 src;
	uint8_t			*c, out[LB_SCRATCH_LEN];
	size_t			 n;
	int			 which;

	if ((c = malloc(size ? size : 1)) == NULL)
		return (0);
	memcpy(c, data, size);
	if (lb_pkt_parse(c, size, &p) != LB_PKT_OK) {
		free(c);
		return (0);
	}
	CHECK(p.l3off <= size);
	if (p.ethertype != LB_ETH_IPV4 && p.ethertype != LB_ETH_IPV6) {
		free(c);
		return (0);
	}
	CHECK(p.l4off <= size && p.l3off + p.l3len <= size);
	CHECK(p.l4off + p.l4len == p.l3off + p.l3len);
	if (p.flags & LB_PKT_F_ICMPERR) {
		CHECK(p.inner.l3off >= p.l4off + 8);
		CHECK(p.inner.l3off + p.inner.caplen <= size);
		CHECK(p.inner.l4off >= p.inner.l3off);
		if (p.inner.flags & LB_PKT_F_PORTS)
			CHECK(p.inner.l4off + 4 <= p.inner.l3off +
			    p.inner.caplen);
	}
	if (p.flags & LB_PKT_F_PORTS)
		CHECK(p.l4off + 4 <= size);

	/* An ICMP error about it quotes it. */
	memset(&src, 0, sizeof src);
	src.b[0] = 198;
	src.b[1] = 18;
	n = lb_icmp_error(out, sizeof out, &p, mac, mac, &src,
	    LB_ICMP_TOOBIG, 1280);
	if (n != 0) {
		CHECK(lb_pkt_parse(out, n, &q) == LB_PKT_OK);
		CHECK(lb_csum_verify(out, q.l3off, q.key.af, q.l4off, q.proto,
		    q.l4len));
	}

	for (which = LB_NAT_SRC; which <= LB_NAT_DST; which++) {
		memcpy(c, data, size);
		rewrite(&p, c, size, which);
	}
	free(c);
	return (0);
}
