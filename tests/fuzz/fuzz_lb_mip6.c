/*
 * fuzz_lb_mip6.c: libFuzzer target for the Mobile IPv6 side of the L4
 * engine: the extension header walk of lb/lb_pkt_parse.c (home address
 * option, type 2 routing header, mobility header), the keys and binding
 * updates of lb/lb_mip6.c, and the in-place rewrites of
 * lb/lb_mip6_xlate.c, all on frames any host can send.
 *
 * The input is the frame. Invariants: the keys are at most four, well
 * formed; a binding update that parses names unicast addresses; removing
 * the home address option leaves a frame that parses, without the option,
 * from the home address, shorter by a multiple of 8, its upper-layer
 * checksum still valid when it was, and the bytes before it moved along;
 * a type 2 routing header added parses back to the old destination, the
 * checksum again kept; the binding cache stays within its bound.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lb/lb_pkt.h"

#define CHECK(x) do {							\
	if (!(x)) {							\
		fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
		    __FILE__, __LINE__, #x);				\
		abort();						\
	}								\
} while (0)

#define ROOM	64
#define PRE	10

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct lb_mip6_bcache	bc;
static uint64_t			clock_ms;

/* The checksum a mobile node sums (home address, final destination). */
static int
csum_mobile(const struct lb_pkt *p)
{
	const uint8_t	*src, *dst;
	uint32_t	 s;

	if (!(p->flags & LB_PKT_F_L4FULL) || (p->flags & LB_PKT_F_FRAG) ||
	    (p->proto != LB_IP_TCP && p->proto != LB_IP_UDP) ||
	    p->l4off + (size_t)p->l4len > p->len)
		return (0);
	src = (p->flags & LB_PKT_F_HAO) ? p->hoa.b : p->frame + p->l3off + 8;
	dst = (p->flags & LB_PKT_F_RH2) ? p->rh2.b : p->frame + p->l3off + 24;
	s = lb_csum_pseudo(6, src, dst, p->proto, p->l4len);
	return (lb_csum_fold(lb_csum_partial(p->frame + p->l4off, p->l4len,
	    s)) == 0xffff);
}

/* A buffer with room in front, PRE bytes of it a pattern to keep. */
static uint8_t *
room(const uint8_t *b, size_t len, uint8_t **buf)
{
	size_t	i;

	*buf = malloc(ROOM + len);
	for (i = 0; i < ROOM; i++)
		(*buf)[i] = (uint8_t)i;
	memcpy(*buf + ROOM, b, len);
	return (*buf + ROOM);
}

static int
kept(const uint8_t *f)
{
	size_t	i;

	for (i = 0; i < PRE; i++)
		if (f[i - PRE] != ROOM - PRE + i)
			return (0);
	return (1);
}

static void
strip(const struct lb_pkt *p, const uint8_t *data, size_t len)
{
	struct lb_pkt	 q;
	uint8_t		*buf, *f, *nf;
	size_t		 cut;
	int		 ok = csum_mobile(p);

	f = room(data, len, &buf);
	CHECK(lb_pkt_parse(f, len, &q) == LB_PKT_OK);
	nf = lb_mip6_strip(f, PRE, &q, &cut);
	CHECK(nf != NULL);		/* any option the walk found */
	CHECK(nf == f + cut && cut % 8 == 0 && cut < len);
	CHECK(kept(nf));
	CHECK(lb_pkt_parse(nf, len - cut, &q) == LB_PKT_OK);
	CHECK(!(q.flags & LB_PKT_F_HAO));
	CHECK(memcmp(q.key.src.b, p->hoa.b, 16) == 0);
	CHECK(q.l3len + cut == p->l3len);
	if (ok)
		CHECK(csum_mobile(&q));
	free(buf);
}

static void
rh2(const struct lb_pkt *p, const uint8_t *data, size_t len)
{
	struct lb_pkt		 q;
	struct lb_pkt_ip	 coa;
	uint8_t			*buf, *f, *nf;
	int			 ok = csum_mobile(p);

	memset(&coa, 0, sizeof coa);
	coa.b[0] = 0x20;
	coa.b[1] = 0x01;
	coa.b[3] = 0x02;
	coa.b[15] = 0x44;
	f = room(data, len, &buf);
	CHECK(lb_pkt_parse(f, len, &q) == LB_PKT_OK);
	if ((nf = lb_mip6_rh2(f, PRE, &q, &coa)) == NULL) {
		free(buf);
		return;
	}
	CHECK(nf == f - LB_MIP6_RH2_LEN && kept(nf));
	CHECK(lb_pkt_parse(nf, len + LB_MIP6_RH2_LEN, &q) == LB_PKT_OK);
	CHECK(q.flags & LB_PKT_F_RH2);
	CHECK(memcmp(&q.rh2, &p->key.dst, 16) == 0);
	CHECK(memcmp(&q.key.dst, &coa, 16) == 0);
	CHECK(q.proto == p->proto);
	if (ok && !(p->flags & LB_PKT_F_HAO))
		CHECK(csum_mobile(&q));
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct lb_pkt		 p;
	struct lb_mip6_id	 id;
	struct lb_pkt_pkey	 k[LB_MIP6_NKEYS];
	struct lb_mip6_bu	 bu;
	char			 buf[96];
	size_t			 n, i;

	if (bc.buckets == NULL && lb_mip6_bc_init(&bc, 8, 3000, 1) == -1)
		abort();
	if (lb_pkt_parse(data, len, &p) != LB_PKT_OK || p.key.af != 6)
		return (0);
	lb_mip6_id(&p, &id);
	n = lb_mip6_keys(LB_MIP6_K_ALL, &id, k);
	CHECK(n <= LB_MIP6_NKEYS);
	for (i = 0; i < n; i++) {
		CHECK(k[i].len <= sizeof k[i].b && k[i].len > 0);
		lb_pkt_pkey_fmt(&k[i], buf, sizeof buf);
	}
	CHECK(lb_mip6_addr_keys(LB_MIP6_K_ALL, &id.src, k) <= 3);
	if ((p.flags & LB_PKT_F_MH) && lb_mip6_bu_parse(&p, &bu) ==
	    LB_MIP6_OK) {
		CHECK(bu.home.b[0] != 0xff && bu.coa.b[0] != 0xff);
		clock_ms += 1000;
		lb_mip6_bc_set(&bc, &bu.home, &bu.coa, clock_ms);
		(void)lb_mip6_bc_get(&bc, &bu.home, clock_ms);
		lb_mip6_bc_tick(&bc, clock_ms);
		CHECK(bc.count <= bc.max);
	}
	if (p.flags & LB_PKT_F_HAO)
		strip(&p, data, len);
	if (lb_mip6_rh2_fits(&p))
		rh2(&p, data, len);
	return (0);
}
