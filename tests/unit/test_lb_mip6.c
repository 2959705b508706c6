/*
 * test_lb_mip6.c: Mobile IPv6 persistence. The extension header walk of
 * lb/lb_pkt_parse.c and the keys of lb/lb_mip6.c on golden frames (and
 * every prefix and malformed variant of them), the translation's bytes
 * (lb/lb_mip6_xlate.c), binding updates and the binding cache, and the
 * selection module's side (lb/lb_mip6_sel.c, lb/lb_sticky.c): keys tried
 * in turn, the Equalizer rules, binding updates copying entries, and the
 * lifetimes, all on a fake clock.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "lb/lb.h"
#include "lb/lb_pkt.h"
#include "test_lb_mip6_gold.h"

#define FRAME(a)	{ #a, a, sizeof a }
#define PRE		10	/* bytes before a frame that move with it */

struct gold {
	const char	*name;
	const uint8_t	*b;
	size_t		 len;
};

static const struct gold golds[] = {
	FRAME(mip_syn_hao), FRAME(mip_syn_home), FRAME(mip_syn_hao_opt),
	FRAME(mip_syn_opt_home), FRAME(mip_hbh_hao), FRAME(mip_hbh_home),
	FRAME(mip_frag_hao), FRAME(mip_ah_hao), FRAME(mip_esp),
	FRAME(mip_esp_hao), FRAME(mip_udp_plain), FRAME(mip_bu),
	FRAME(mip_bu_plain), FRAME(mip_bu_home), FRAME(mip_bu_hreg),
	FRAME(mip_reply), FRAME(mip_reply_rh2), FRAME(mip_reply_hbh),
	FRAME(mip_reply_hbh_rh2), FRAME(mip_srv_rh2)
};

#define HOA	"2001:2:0:99::5"
#define COA	"2001:2:0:a:211:22ff:fe33:4455"
#define COA2	"2001:2:0:b:211:22ff:fe33:4455"
#define COA3	"2001:2:0:c:211:22ff:fe33:4455"

static struct lb_pkt_ip
ip6(const char *s)
{
	struct lb_pkt_ip	ip;

	memset(&ip, 0, sizeof ip);
	CU_ASSERT_EQUAL(inet_pton(AF_INET6, s, ip.b), 1);
	return (ip);
}

static int
ip_is(const struct lb_pkt_ip *ip, const char *s)
{
	struct lb_pkt_ip	want = ip6(s);

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

/*
 * A copy of <len> bytes with <room> bytes in front, the last PRE of them
 * a pattern (standing for the virtio header) that must move with it.
 */
static uint8_t *
copy_room(const uint8_t *b, size_t len, size_t room, uint8_t **buf)
{
	size_t	i;

	*buf = malloc(room + len);
	memset(*buf, 0xee, room);
	for (i = 0; i < PRE; i++)
		(*buf)[room - PRE + i] = 0xa0 + i;
	memcpy(*buf + room, b, len);
	return (*buf + room);
}

static int
pre_kept(const uint8_t *f)
{
	size_t	i;

	for (i = 0; i < PRE; i++)
		if (f[i - PRE] != 0xa0 + i)
			return (0);
	return (1);
}

/* The upper-layer checksum over the addresses an RFC 6275 node uses. */
static int
csum_mobile(const struct lb_pkt *p)
{
	const uint8_t	*src, *dst;
	uint32_t	 s;

	src = (p->flags & LB_PKT_F_HAO) ? p->hoa.b : p->frame + p->l3off + 8;
	dst = (p->flags & LB_PKT_F_RH2) ? p->rh2.b : p->frame + p->l3off + 24;
	s = lb_csum_pseudo(6, src, dst, p->proto, p->l4len);
	return (lb_csum_fold(lb_csum_partial(p->frame + p->l4off, p->l4len,
	    s)) == 0xffff);
}

/* ---- the walk ------------------------------------------------------------ */

static void
test_lb_mip6_parse_hao(void)
{
	struct lb_pkt	p;

	CU_ASSERT_EQUAL_FATAL(lb_pkt_parse(mip_syn_hao, sizeof mip_syn_hao,
	    &p), LB_PKT_OK);
	CU_ASSERT(p.flags & LB_PKT_F_HAO);
	CU_ASSERT(ip_is(&p.hoa, HOA));
	CU_ASSERT(ip_is(&p.key.src, COA));
	CU_ASSERT_EQUAL(p.proto, LB_IP_TCP);
	CU_ASSERT_EQUAL(p.key.dport, 80);
	CU_ASSERT_EQUAL(p.hao_hdr, 14 + 40);
	CU_ASSERT_EQUAL(p.hao_nh, 14 + 6);
	CU_ASSERT_EQUAL(p.hao_off, 14 + 40 + 6);	/* after PadN(2) */
	CU_ASSERT_EQUAL(p.l4off, 14 + 40 + 24);
	CU_ASSERT(csum_mobile(&p));
	/* Summed over the home address, not the source. */
	CU_ASSERT_FALSE(lb_csum_verify(p.frame, p.l3off, 6, p.l4off, p.proto,
	    p.l4len));
}

static void
test_lb_mip6_parse_chains(void)
{
	struct lb_pkt	p;

	CU_ASSERT_EQUAL(lb_pkt_parse(mip_hbh_hao, sizeof mip_hbh_hao, &p),
	    LB_PKT_OK);
	CU_ASSERT(p.flags & LB_PKT_F_HAO);
	CU_ASSERT_EQUAL(p.hao_hdr, 14 + 40 + 8);
	CU_ASSERT_EQUAL(p.hao_nh, 14 + 40);	/* the hop-by-hop header's */
	CU_ASSERT_EQUAL(p.proto, LB_IP_TCP);

	CU_ASSERT_EQUAL(lb_pkt_parse(mip_frag_hao, sizeof mip_frag_hao, &p),
	    LB_PKT_OK);
	CU_ASSERT((p.flags & (LB_PKT_F_HAO | LB_PKT_F_FRAG)) ==
	    (LB_PKT_F_HAO | LB_PKT_F_FRAG));
	CU_ASSERT_FALSE(p.flags & LB_PKT_F_FRAG_LATER);
	CU_ASSERT_EQUAL(p.fragid, 77);
	CU_ASSERT_EQUAL(p.proto, LB_IP_TCP);

	CU_ASSERT_EQUAL(lb_pkt_parse(mip_ah_hao, sizeof mip_ah_hao, &p),
	    LB_PKT_OK);
	CU_ASSERT(p.flags & LB_PKT_F_HAO);
	CU_ASSERT_EQUAL(p.proto, LB_IP_TCP);
	CU_ASSERT_EQUAL(p.l4off, 14 + 40 + 24 + 24);

	CU_ASSERT_EQUAL(lb_pkt_parse(mip_esp_hao, sizeof mip_esp_hao, &p),
	    LB_PKT_OK);
	CU_ASSERT((p.flags & (LB_PKT_F_HAO | LB_PKT_F_ESP)) ==
	    (LB_PKT_F_HAO | LB_PKT_F_ESP));
	CU_ASSERT_EQUAL(p.spi, 0x1234);
	CU_ASSERT_EQUAL(p.proto, LB_IP_ESP);

	CU_ASSERT_EQUAL(lb_pkt_parse(mip_bu, sizeof mip_bu, &p), LB_PKT_OK);
	CU_ASSERT((p.flags & (LB_PKT_F_MH | LB_PKT_F_BU | LB_PKT_F_HAO)) ==
	    (LB_PKT_F_MH | LB_PKT_F_BU | LB_PKT_F_HAO));
	CU_ASSERT_EQUAL(p.proto, LB_IP_MOBILITY);

	CU_ASSERT_EQUAL(lb_pkt_parse(mip_srv_rh2, sizeof mip_srv_rh2, &p),
	    LB_PKT_OK);
	CU_ASSERT(p.flags & LB_PKT_F_RH2);
	CU_ASSERT(ip_is(&p.rh2, HOA));
	CU_ASSERT(ip_is(&p.key.dst, COA));
	CU_ASSERT(csum_mobile(&p));
}

/* Every prefix of every golden frame: an error, never a read past it. */
static void
test_lb_mip6_parse_truncated(void)
{
	struct lb_pkt	 p;
	uint8_t		*c;
	size_t		 i, n;

	for (i = 0; i < sizeof golds / sizeof golds[0]; i++) {
		CU_ASSERT_EQUAL(lb_pkt_parse(golds[i].b, golds[i].len, &p),
		    LB_PKT_OK);
		for (n = 0; n < golds[i].len; n++) {
			c = copy(golds[i].b, n);
			if (lb_pkt_parse(c, n, &p) == LB_PKT_OK) {
				fprintf(stderr, "%s cut at %zu parses\n",
				    golds[i].name, n);
				CU_FAIL("a truncated frame parses");
			}
			free(c);
		}
	}
}

/* Parse <b> with byte <off> set to <v>. */
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
test_lb_mip6_parse_malformed(void)
{
	size_t	d = 14 + 40, r;
	uint8_t	 c[sizeof mip_syn_hao_opt];
	struct lb_pkt p;

	/* The home address option is 16 bytes, no other size. */
	CU_ASSERT_EQUAL(mutate(mip_syn_hao, sizeof mip_syn_hao, d + 7, 15),
	    LB_PKT_EEXTHDR);
	/* An option running past its header. */
	CU_ASSERT_EQUAL(mutate(mip_syn_hao, sizeof mip_syn_hao, d + 7, 17),
	    LB_PKT_EEXTHDR);
	CU_ASSERT_EQUAL(mutate(mip_syn_hao, sizeof mip_syn_hao, d + 3, 3),
	    LB_PKT_EEXTHDR);
	/* A header longer than the packet. */
	CU_ASSERT_EQUAL(mutate(mip_syn_hao, sizeof mip_syn_hao, d + 1, 9),
	    LB_PKT_EEXTHDR);
	/* Hop-by-hop options only first. */
	CU_ASSERT_EQUAL(mutate(mip_syn_hao, sizeof mip_syn_hao, d, 0),
	    LB_PKT_EEXTHDR);
	/* Two home address options: the 0x1e option made a second one. */
	memcpy(c, mip_syn_hao_opt, sizeof c);
	c[d + 24] = 201;
	CU_ASSERT_EQUAL(lb_pkt_parse(c, sizeof c, &p), LB_PKT_EEXTHDR);
	/* A type 2 routing header holds exactly one address. */
	r = 14 + 40;
	CU_ASSERT_EQUAL(mutate(mip_srv_rh2, sizeof mip_srv_rh2, r + 3, 2),
	    LB_PKT_EEXTHDR);
	CU_ASSERT_EQUAL(mutate(mip_srv_rh2, sizeof mip_srv_rh2, r + 1, 1),
	    LB_PKT_EEXTHDR);
	/* Segments left 0: already at its final destination. */
	CU_ASSERT_EQUAL(mutate(mip_srv_rh2, sizeof mip_srv_rh2, r + 3, 0),
	    LB_PKT_OK);
	/* A mobility header longer than the packet. */
	CU_ASSERT_EQUAL(mutate(mip_bu, sizeof mip_bu, 14 + 40 + 24 + 1, 9),
	    LB_PKT_EEXTHDR);
}

/* A chain of destination options headers, one after another. */
static void
test_lb_mip6_parse_long_chain(void)
{
	struct lb_pkt	 p;
	uint8_t		 f[14 + 40 + 18 * 8 + 20];
	size_t		 i, n;

	for (n = 15; n <= 18; n++) {
		memset(f, 0, sizeof f);
		memcpy(f, mip_syn_home, 14 + 40);
		f[14 + 4] = 0;
		f[14 + 5] = n * 8 + 20;
		f[14 + 6] = LB_IP_DSTOPTS;
		for (i = 0; i < n; i++) {
			f[14 + 40 + i * 8] = i + 1 < n ? LB_IP_DSTOPTS :
			    LB_IP_TCP;
			f[14 + 40 + i * 8 + 2] = 1;	/* PadN(4) */
			f[14 + 40 + i * 8 + 3] = 4;
		}
		f[14 + 40 + n * 8 + 12] = 0x50;
		/* The walk stops at 16 headers and more: an attack. */
		CU_ASSERT_EQUAL(lb_pkt_parse(f, 14 + 40 + n * 8 + 20, &p),
		    n <= 16 ? LB_PKT_OK : LB_PKT_EEXTHDR);
	}
}

/* ---- the keys ------------------------------------------------------------ */

static size_t
keys_of(const uint8_t *b, size_t len, unsigned int keys,
    struct lb_pkt_pkey *k)
{
	struct lb_pkt		p;
	struct lb_mip6_id	id;

	CU_ASSERT_EQUAL_FATAL(lb_pkt_parse(b, len, &p), LB_PKT_OK);
	lb_mip6_id(&p, &id);
	return (lb_mip6_keys(keys, &id, k));
}

static const char *
fmt(const struct lb_pkt_pkey *k)
{
	static char	buf[4][96];
	static int	n;

	return (lb_pkt_pkey_fmt(k, buf[n++ % 4], sizeof buf[0]));
}

static void
test_lb_mip6_keys_each(void)
{
	struct lb_pkt_pkey	k[LB_MIP6_NKEYS];
	size_t			n;

	n = keys_of(mip_syn_hao, sizeof mip_syn_hao, LB_MIP6_K_ALL, k);
	CU_ASSERT_EQUAL_FATAL(n, 3);		/* not ESP: no SPI */
	CU_ASSERT_STRING_EQUAL(fmt(&k[0]), "home-address " HOA);
	CU_ASSERT_STRING_EQUAL(fmt(&k[1]), "interface-id ::211:22ff:fe33:4455");
	CU_ASSERT_STRING_EQUAL(fmt(&k[2]), "source " COA);

	n = keys_of(mip_esp_hao, sizeof mip_esp_hao, LB_MIP6_K_ALL, k);
	CU_ASSERT_EQUAL_FATAL(n, 4);
	CU_ASSERT_STRING_EQUAL(fmt(&k[0]), "spi 0x00001234");
	CU_ASSERT_STRING_EQUAL(fmt(&k[1]), "home-address " HOA);

	/* Each key alone. */
	n = keys_of(mip_esp, sizeof mip_esp, LB_MIP6_K_SPI, k);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(k[0].kind, LB_PKT_PK_SPI);
	n = keys_of(mip_syn_hao, sizeof mip_syn_hao, LB_MIP6_K_IID, k);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(k[0].kind, LB_PKT_PK_IID);
	CU_ASSERT_EQUAL(k[0].len, 8);
	n = keys_of(mip_syn_hao, sizeof mip_syn_hao, LB_MIP6_K_SRC, k);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_STRING_EQUAL(fmt(&k[0]), "source " COA);

	/* Not modified EUI-64: no interface-id key. */
	n = keys_of(mip_udp_plain, sizeof mip_udp_plain, LB_MIP6_K_ALL, k);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(k[0].kind, LB_PKT_PK_HOA);
	CU_ASSERT_EQUAL(k[1].kind, LB_PKT_PK_IP6);
	/* An spi-only cluster and TCP: nothing applies. */
	CU_ASSERT_EQUAL(keys_of(mip_syn_hao, sizeof mip_syn_hao,
	    LB_MIP6_K_SPI, k), 0);
}

/* At home (source = home address) and away (the option): one key. */
static void
test_lb_mip6_keys_home_away(void)
{
	struct lb_pkt_pkey	a[LB_MIP6_NKEYS], h[LB_MIP6_NKEYS];
	struct lb_pkt_ip	ip;

	CU_ASSERT_EQUAL(keys_of(mip_syn_hao, sizeof mip_syn_hao,
	    LB_MIP6_K_HOA, a), 1);
	CU_ASSERT_EQUAL(keys_of(mip_syn_home, sizeof mip_syn_home,
	    LB_MIP6_K_HOA, h), 1);
	CU_ASSERT_EQUAL(memcmp(&a[0], &h[0], sizeof a[0]), 0);
	/* By source, they differ: the negative control. */
	keys_of(mip_syn_hao, sizeof mip_syn_hao, LB_MIP6_K_SRC, a);
	keys_of(mip_syn_home, sizeof mip_syn_home, LB_MIP6_K_SRC, h);
	CU_ASSERT_NOT_EQUAL(memcmp(&a[0], &h[0], sizeof a[0]), 0);
	/* The interface identifier is the same on every link. */
	ip = ip6(COA2);
	CU_ASSERT_EQUAL(lb_mip6_addr_keys(LB_MIP6_K_IID, &ip, h), 1);
	keys_of(mip_syn_hao, sizeof mip_syn_hao, LB_MIP6_K_IID, a);
	CU_ASSERT_EQUAL(memcmp(&a[0], &h[0], sizeof a[0]), 0);
	/* An address's keys never hold an SPI. */
	CU_ASSERT_EQUAL(lb_mip6_addr_keys(LB_MIP6_K_ALL, &ip, h), 3);
	CU_ASSERT_EQUAL(h[0].kind, LB_PKT_PK_HOA);
}

/* ---- the translation ---------------------------------------------------- */

static void
strip_gives(const uint8_t *in, size_t inlen, const uint8_t *want,
    size_t wantlen)
{
	struct lb_pkt	 p, q;
	uint8_t		*buf, *f, *nf;
	size_t		 cut;

	f = copy_room(in, inlen, 64, &buf);
	CU_ASSERT_EQUAL_FATAL(lb_pkt_parse(f, inlen, &p), LB_PKT_OK);
	nf = lb_mip6_strip(f, PRE, &p, &cut);
	CU_ASSERT_PTR_NOT_NULL_FATAL(nf);
	CU_ASSERT_EQUAL(cut, inlen - wantlen);
	CU_ASSERT_PTR_EQUAL(nf, f + cut);
	CU_ASSERT_EQUAL(inlen - cut, wantlen);
	CU_ASSERT_EQUAL(memcmp(nf, want, wantlen), 0);
	CU_ASSERT(pre_kept(nf));
	CU_ASSERT_EQUAL(lb_pkt_parse(nf, inlen - cut, &q), LB_PKT_OK);
	CU_ASSERT_FALSE(q.flags & LB_PKT_F_HAO);
	CU_ASSERT(ip_is(&q.key.src, HOA));
	free(buf);
}

static void
test_lb_mip6_strip_bytes(void)
{
	struct lb_pkt	 p;
	uint8_t		*buf, *f, *nf;
	size_t		 cut;

	/* The header goes: nothing but padding was left in it. */
	strip_gives(mip_syn_hao, sizeof mip_syn_hao, mip_syn_home,
	    sizeof mip_syn_home);
	/* Another option stays, 8-aligned as before: the header shrinks. */
	strip_gives(mip_syn_hao_opt, sizeof mip_syn_hao_opt,
	    mip_syn_opt_home, sizeof mip_syn_opt_home);
	/* After hop-by-hop options: their next header is fixed. */
	strip_gives(mip_hbh_hao, sizeof mip_hbh_hao, mip_hbh_home,
	    sizeof mip_hbh_home);

	/* The TCP checksum holds over the new source, untouched. */
	f = copy_room(mip_syn_hao, sizeof mip_syn_hao, 64, &buf);
	lb_pkt_parse(f, sizeof mip_syn_hao, &p);
	nf = lb_mip6_strip(f, PRE, &p, &cut);
	lb_pkt_parse(nf, sizeof mip_syn_hao - cut, &p);
	CU_ASSERT(lb_csum_verify(nf, p.l3off, 6, p.l4off, p.proto, p.l4len));
	free(buf);

	/* Before a fragment header, before AH, before ESP. */
	f = copy_room(mip_frag_hao, sizeof mip_frag_hao, 64, &buf);
	lb_pkt_parse(f, sizeof mip_frag_hao, &p);
	nf = lb_mip6_strip(f, PRE, &p, &cut);
	CU_ASSERT_EQUAL(cut, 24);
	CU_ASSERT_EQUAL(nf[14 + 6], LB_IP_FRAGMENT);
	CU_ASSERT_EQUAL(lb_pkt_parse(nf, sizeof mip_frag_hao - cut, &p),
	    LB_PKT_OK);
	CU_ASSERT_EQUAL(p.fragid, 77);
	CU_ASSERT(ip_is(&p.key.src, HOA));
	free(buf);
	f = copy_room(mip_ah_hao, sizeof mip_ah_hao, 64, &buf);
	lb_pkt_parse(f, sizeof mip_ah_hao, &p);
	nf = lb_mip6_strip(f, PRE, &p, &cut);
	CU_ASSERT_EQUAL(nf[14 + 6], LB_IP_AH);
	CU_ASSERT_EQUAL(lb_pkt_parse(nf, sizeof mip_ah_hao - cut, &p),
	    LB_PKT_OK);
	CU_ASSERT_EQUAL(p.proto, LB_IP_TCP);
	CU_ASSERT_EQUAL(p.l3len, sizeof mip_ah_hao - cut - 14);
	free(buf);
	f = copy_room(mip_esp_hao, sizeof mip_esp_hao, 64, &buf);
	lb_pkt_parse(f, sizeof mip_esp_hao, &p);
	nf = lb_mip6_strip(f, PRE, &p, &cut);
	CU_ASSERT_EQUAL(lb_pkt_parse(nf, sizeof mip_esp_hao - cut, &p),
	    LB_PKT_OK);
	CU_ASSERT(p.flags & LB_PKT_F_ESP);
	CU_ASSERT_EQUAL(p.spi, 0x1234);
	free(buf);

	/* Nothing to strip. */
	lb_pkt_parse(mip_syn_home, sizeof mip_syn_home, &p);
	CU_ASSERT_PTR_NULL(lb_mip6_strip((uint8_t *)mip_syn_home, 0, &p,
	    &cut));
}

static void
rh2_gives(const uint8_t *in, size_t inlen, const uint8_t *want,
    size_t wantlen)
{
	struct lb_pkt		 p, q;
	struct lb_pkt_ip	 coa = ip6(COA);
	uint8_t			*buf, *f, *nf;

	f = copy_room(in, inlen, 64, &buf);
	CU_ASSERT_EQUAL_FATAL(lb_pkt_parse(f, inlen, &p), LB_PKT_OK);
	CU_ASSERT(lb_mip6_rh2_fits(&p));
	nf = lb_mip6_rh2(f, PRE, &p, &coa);
	CU_ASSERT_PTR_EQUAL_FATAL(nf, f - LB_MIP6_RH2_LEN);
	CU_ASSERT_EQUAL(inlen + LB_MIP6_RH2_LEN, wantlen);
	CU_ASSERT_EQUAL(memcmp(nf, want, wantlen), 0);
	CU_ASSERT(pre_kept(nf));
	CU_ASSERT_EQUAL(lb_pkt_parse(nf, wantlen, &q), LB_PKT_OK);
	CU_ASSERT(q.flags & LB_PKT_F_RH2);
	CU_ASSERT(ip_is(&q.rh2, HOA));
	CU_ASSERT(ip_is(&q.key.dst, COA));
	CU_ASSERT(csum_mobile(&q));
	free(buf);
}

static void
test_lb_mip6_rh2_bytes(void)
{
	struct lb_pkt		p;
	struct lb_pkt_ip	coa = ip6(COA);

	rh2_gives(mip_reply, sizeof mip_reply, mip_reply_rh2,
	    sizeof mip_reply_rh2);
	rh2_gives(mip_reply_hbh, sizeof mip_reply_hbh, mip_reply_hbh_rh2,
	    sizeof mip_reply_hbh_rh2);
	/* A packet with a routing header of its own gets none. */
	lb_pkt_parse(mip_srv_rh2, sizeof mip_srv_rh2, &p);
	CU_ASSERT_FALSE(lb_mip6_rh2_fits(&p));
	CU_ASSERT_PTR_NULL(lb_mip6_rh2((uint8_t *)mip_srv_rh2, 0, &p, &coa));
}

/* ---- binding updates ----------------------------------------------------- */

/* Set the mobility header's checksum of <f> right after a change. */
static void
mh_fix(uint8_t *f, size_t len)
{
	struct lb_pkt	 p;
	uint8_t		*h;
	uint32_t	 s;
	uint16_t	 c;
	size_t		 mhlen;

	lb_pkt_parse(f, len, &p);
	h = f + p.l4off;
	mhlen = ((size_t)h[1] + 1) * 8;
	h[4] = h[5] = 0;
	s = lb_csum_pseudo(6, (p.flags & LB_PKT_F_HAO) ? p.hoa.b :
	    p.key.src.b, p.key.dst.b, LB_IP_MOBILITY, mhlen);
	c = ~lb_csum_fold(lb_csum_partial(h, mhlen, s));
	h[4] = c >> 8;
	h[5] = c & 0xff;
}

static enum lb_mip6_err
bu_of(const uint8_t *f, size_t len, struct lb_mip6_bu *bu)
{
	struct lb_pkt	p;

	if (lb_pkt_parse(f, len, &p) != LB_PKT_OK)
		return (LB_MIP6_ENERR);
	return (lb_mip6_bu_parse(&p, bu));
}

static void
test_lb_mip6_bu_parse(void)
{
	struct lb_mip6_bu	 bu;

	CU_ASSERT_EQUAL_FATAL(bu_of(mip_bu, sizeof mip_bu, &bu), LB_MIP6_OK);
	CU_ASSERT_EQUAL(bu.seq, 7);
	CU_ASSERT(bu.flags & LB_MIP6_BU_A);
	CU_ASSERT_EQUAL(bu.lifetime_ms, 400000);
	CU_ASSERT(bu.has_alt);
	CU_ASSERT(ip_is(&bu.home, HOA));
	CU_ASSERT(ip_is(&bu.coa, COA3));

	CU_ASSERT_EQUAL(bu_of(mip_bu_plain, sizeof mip_bu_plain, &bu),
	    LB_MIP6_OK);
	CU_ASSERT_FALSE(bu.has_alt);
	CU_ASSERT(ip_is(&bu.coa, COA2));	/* the source */
	CU_ASSERT_EQUAL(bu.seq, 8);

	CU_ASSERT_EQUAL(bu_of(mip_bu_home, sizeof mip_bu_home, &bu),
	    LB_MIP6_OK);
	CU_ASSERT(ip_is(&bu.home, HOA));
	CU_ASSERT(ip_is(&bu.coa, HOA));
	CU_ASSERT_EQUAL(bu.lifetime_ms, 0);

	CU_ASSERT_EQUAL(bu_of(mip_bu_hreg, sizeof mip_bu_hreg, &bu),
	    LB_MIP6_EHOME);
}

static void
test_lb_mip6_bu_malformed(void)
{
	struct lb_mip6_bu	 bu;
	uint8_t			 c[sizeof mip_bu];
	size_t			 mh = 14 + 40 + 24, o = mh + 12;
	struct lb_pkt		 p;

	/* Any changed byte: the checksum says so. */
	memcpy(c, mip_bu, sizeof c);
	c[mh + 7] ^= 1;
	CU_ASSERT_EQUAL(bu_of(c, sizeof c, &bu), LB_MIP6_ECSUM);
	/* Payload protocol, type, length. */
	memcpy(c, mip_bu, sizeof c);
	c[mh] = 6;
	CU_ASSERT_EQUAL(bu_of(c, sizeof c, &bu), LB_MIP6_EPROTO);
	memcpy(c, mip_bu, sizeof c);
	c[mh + 2] = 6;				/* a binding ack */
	CU_ASSERT_EQUAL(bu_of(c, sizeof c, &bu), LB_MIP6_ETYPE);
	memcpy(c, mip_bu, sizeof c);
	c[mh + 1] = 0;
	mh_fix(c, sizeof c);
	CU_ASSERT_EQUAL(bu_of(c, sizeof c, &bu), LB_MIP6_ELEN);
	/* Options: Pad1, PadN(2)? here the alternate care-of address. */
	memcpy(c, mip_bu, sizeof c);
	CU_ASSERT_EQUAL(c[o], 1);		/* PadN before it */
	CU_ASSERT_EQUAL(c[o + 2], 3);
	c[o + 3] = 15;
	mh_fix(c, sizeof c);
	CU_ASSERT_EQUAL(bu_of(c, sizeof c, &bu), LB_MIP6_EOPT);
	memcpy(c, mip_bu, sizeof c);
	c[o + 3] = 30;				/* past the header */
	mh_fix(c, sizeof c);
	CU_ASSERT_EQUAL(bu_of(c, sizeof c, &bu), LB_MIP6_EOPT);
	memcpy(c, mip_bu, sizeof c);
	c[o + 4] = 0xff;			/* a multicast care-of */
	mh_fix(c, sizeof c);
	CU_ASSERT_EQUAL(bu_of(c, sizeof c, &bu), LB_MIP6_EADDR);
	/* Cut short: the parse refuses, or the update does. */
	CU_ASSERT_EQUAL(lb_pkt_parse(mip_bu, mh + 4, &p), LB_PKT_ETRUNC);
	p.len = mh + 4;
	CU_ASSERT_EQUAL(lb_mip6_bu_parse(&p, &bu), LB_MIP6_ETRUNC);
	/* Not a mobility header at all. */
	lb_pkt_parse(mip_syn_hao, sizeof mip_syn_hao, &p);
	CU_ASSERT_EQUAL(lb_mip6_bu_parse(&p, &bu), LB_MIP6_ETRUNC);
	CU_ASSERT_STRING_EQUAL(lb_mip6_strerror(LB_MIP6_ECSUM),
	    "bad checksum");
	CU_ASSERT_STRING_EQUAL(lb_mip6_strerror(LB_MIP6_ENERR), "?");
}

/* The binding cache on a fake clock: lifetimes, bound, back home. */
static void
test_lb_mip6_bcache(void)
{
	struct lb_mip6_bcache	 bc;
	struct lb_mip6_bind	*b;
	struct lb_pkt_ip	 h = ip6(HOA), c1 = ip6(COA), c2 = ip6(COA2);
	struct lb_pkt_ip	 h2 = ip6("2001:2:0:99::6");
	struct lb_pkt_ip	 h3 = ip6("2001:2:0:99::7");
	uint64_t		 t = 1000;

	CU_ASSERT_EQUAL_FATAL(lb_mip6_bc_init(&bc, 2, 5000, 1), 0);
	CU_ASSERT_PTR_NULL(lb_mip6_bc_get(&bc, &h, t));
	CU_ASSERT_PTR_NOT_NULL(lb_mip6_bc_set(&bc, &h, &c1, t));
	b = lb_mip6_bc_get(&bc, &h, t + 4999);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT(memcmp(&b->coa, &c1, sizeof c1) == 0);
	/* Used again: lives on. */
	lb_mip6_bc_set(&bc, &h, &c2, t + 3000);
	CU_ASSERT_EQUAL(lb_mip6_bc_tick(&bc, t + 6000), 0);
	b = lb_mip6_bc_get(&bc, &h, t + 6000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT(memcmp(&b->coa, &c2, sizeof c2) == 0);
	CU_ASSERT_EQUAL(lb_mip6_bc_tick(&bc, t + 8000), 1);
	CU_ASSERT_EQUAL(bc.count, 0);
	/* Bounded: the least recently used goes. */
	lb_mip6_bc_set(&bc, &h, &c1, t);
	lb_mip6_bc_set(&bc, &h2, &c1, t + 1);
	lb_mip6_bc_set(&bc, &h3, &c1, t + 2);
	CU_ASSERT_EQUAL(bc.count, 2);
	CU_ASSERT_EQUAL(bc.evicted, 1);
	CU_ASSERT_PTR_NULL(lb_mip6_bc_get(&bc, &h, t + 3));
	/* Back home: no binding. */
	CU_ASSERT_PTR_NULL(lb_mip6_bc_set(&bc, &h2, &h2, t + 4));
	CU_ASSERT_PTR_NULL(lb_mip6_bc_get(&bc, &h2, t + 4));
	CU_ASSERT_EQUAL(bc.count, 1);
	lb_mip6_bc_free(&bc);

	/* Sequence numbers, modulo 2^16. */
	CU_ASSERT(lb_mip6_seq_newer(8, 7));
	CU_ASSERT_FALSE(lb_mip6_seq_newer(7, 7));
	CU_ASSERT_FALSE(lb_mip6_seq_newer(6, 7));
	CU_ASSERT(lb_mip6_seq_newer(2, 65530));
	CU_ASSERT_FALSE(lb_mip6_seq_newer(65530, 2));
}

/* ---- the selection module ------------------------------------------------ */

#define LIFE	60000

static struct lb_cluster *
mk(void)
{
	struct lb_params	 p;
	struct lb_cluster	*cl;
	struct addr		 a;
	const char		*cause, *err;
	char			 name[8], buf[32];
	int			 i;

	memset(&p, 0, sizeof p);
	p.mode = LB_MODE_L4;
	p.scheduler = LB_SCHED_RR;
	p.persist = LB_PERSIST_MIP6;
	p.sticky_max = 100;
	p.sticky_timeout = LIFE;
	p.plen4 = 32;
	p.plen6 = 128;
	cl = lb_cluster_new("mobile", &p);
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof name, "s%d", i + 1);
		snprintf(buf, sizeof buf, "[2001:2:0:1::%d]:80", 11 + i);
		CU_ASSERT_FATAL(addr_parse_port(buf, &a, &err) == 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(lb_cluster_add(cl, name, &a, 1,
		    0, 0));
	}
	CU_ASSERT_FATAL(lb_cluster_finish(cl, &cause) == 0);
	return (cl);
}

/* Pick for frame <b> at <now>: the server's name, "-" for none. */
static const char *
pick(struct lb_cluster *cl, const uint8_t *b, size_t len, unsigned int keys,
    uint64_t now, struct lb_pick *pk)
{
	struct lb_pkt_pkey	k[LB_MIP6_NKEYS];
	size_t			n = keys_of(b, len, keys, k);

	if (lb_mip6_select(cl, k, n, now, pk) == -1)
		return ("-");
	lb_server_release(pk->srv);	/* the flow ends at once */
	return (pk->srv->name);
}

struct walked {
	char	line[8][160];
	size_t	n;
};

static void
walk_cb(void *arg, const struct lb_persist_info *pi)
{
	struct walked	*w = arg;
	char		 k[96], f[96];

	if (w->n == 8)
		return;
	snprintf(w->line[w->n++], sizeof w->line[0], "%s %s %llu%s%s",
	    lb_key_fmt(pi->key, k, sizeof k), pi->srv ? pi->srv->name : "-",
	    (unsigned long long)pi->left, pi->from ? " from " : "",
	    pi->from ? lb_key_fmt(pi->from, f, sizeof f) : "");
}

static void
walk(struct lb_cluster *cl, uint64_t now, struct walked *w)
{
	memset(w, 0, sizeof *w);
	lb_mip6_walk(cl, now, walk_cb, w);
}

/* The node away and at home, IKE then ESP: one server. */
static void
test_lb_mip6_select_keys(void)
{
	struct lb_cluster	*cl = mk();
	struct lb_pick		 pk;
	struct walked		 w;
	const char		*s;
	unsigned int		 keys = LB_MIP6_K_SPI | LB_MIP6_K_HOA;

	s = pick(cl, mip_syn_hao, sizeof mip_syn_hao, keys, 1000, &pk);
	CU_ASSERT_STRING_EQUAL(s, "s1");
	CU_ASSERT_EQUAL(pk.reason, LB_R_SCHEDULED);
	/* Another client takes the next server... */
	CU_ASSERT_STRING_EQUAL(pick(cl, mip_udp_plain, sizeof mip_udp_plain,
	    keys, 1000, &pk), "s2");
	/* ...the node at home keeps its own. */
	CU_ASSERT_STRING_EQUAL(pick(cl, mip_syn_home, sizeof mip_syn_home,
	    keys, 2000, &pk), "s1");
	CU_ASSERT_EQUAL(pk.reason, LB_R_PERSISTENT);
	/* Its ESP finds it by the home address, and records the SPI. */
	CU_ASSERT_STRING_EQUAL(pick(cl, mip_esp_hao, sizeof mip_esp_hao,
	    keys, 3000, &pk), "s1");
	CU_ASSERT_EQUAL(pk.reason, LB_R_PERSISTENT);
	walk(cl, 3000, &w);
	CU_ASSERT_EQUAL_FATAL(w.n, 3);
	CU_ASSERT_STRING_EQUAL(w.line[0], "home-address 2001:2::77 s2 58000");
	CU_ASSERT_STRING_EQUAL(w.line[1], "home-address " HOA " s1 60000");
	CU_ASSERT_STRING_EQUAL(w.line[2], "spi 0x00001234 s1 60000");
	/* ESP from an address never seen: the SPI alone finds it. */
	CU_ASSERT_STRING_EQUAL(pick(cl, mip_esp, sizeof mip_esp, keys, 4000,
	    &pk), "s1");
	lb_cluster_free(cl);
}

/* Each key kind keeps a node that moves; the source alone does not. */
static void
test_lb_mip6_select_moves(void)
{
	struct lb_cluster	*cl;
	struct lb_pick		 pk;
	struct lb_pkt_pkey	 k[LB_MIP6_NKEYS];
	struct lb_pkt_ip	 a;
	const char		*coas[] = { COA, COA2, COA3 };
	const char		*first;
	unsigned int		 kinds[] = { LB_MIP6_K_IID, LB_MIP6_K_SRC };
	size_t			 i, j, n;

	for (j = 0; j < 2; j++) {
		cl = mk();
		first = NULL;
		for (i = 0; i < 3; i++) {
			a = ip6(coas[i]);
			n = lb_mip6_addr_keys(kinds[j], &a, k);
			CU_ASSERT_EQUAL_FATAL(n, 1);
			CU_ASSERT_FATAL(lb_mip6_select(cl, k, n, 1000 + i,
			    &pk) == 0);
			lb_server_release(pk.srv);
			if (first == NULL) {
				first = pk.srv->name;
				continue;
			}
			CU_ASSERT_EQUAL(strcmp(pk.srv->name, first) == 0,
			    kinds[j] == LB_MIP6_K_IID);
		}
		lb_cluster_free(cl);
	}
}

/* A key's server down, disabled, full or quiesced: as a sticky entry. */
static void
test_lb_mip6_select_equalizer(void)
{
	struct lb_cluster	*cl = mk();
	struct lb_pick		 pk;
	unsigned int		 keys = LB_MIP6_K_HOA;
	const char		*s;

	s = pick(cl, mip_syn_hao, sizeof mip_syn_hao, keys, 1000, &pk);
	CU_ASSERT_STRING_EQUAL(s, "s1");
	/* Quiesced: persistent clients still go there. */
	lb_server_set_admin(&cl->srv[0], LB_QUIESCED);
	CU_ASSERT_STRING_EQUAL(pick(cl, mip_syn_home, sizeof mip_syn_home,
	    keys, 1100, &pk), "s1");
	CU_ASSERT_EQUAL(pk.reason, LB_R_PERSISTENT);
	lb_server_set_admin(&cl->srv[0], LB_ENABLED);
	/* At its maxconn: capped like a sticky entry, the entry moves. */
	cl->srv[0].maxconn = 1;
	lb_server_take(&cl->srv[0]);
	s = pick(cl, mip_syn_hao, sizeof mip_syn_hao, keys, 1200, &pk);
	CU_ASSERT_STRING_NOT_EQUAL(s, "s1");
	CU_ASSERT_NOT_EQUAL(pk.reason, LB_R_PERSISTENT);
	CU_ASSERT_EQUAL(cl->st.sticky_capped, 1);
	lb_server_release(&cl->srv[0]);
	CU_ASSERT_STRING_EQUAL(pick(cl, mip_syn_hao, sizeof mip_syn_hao, keys,
	    1300, &pk), s);
	CU_ASSERT_EQUAL(pk.reason, LB_R_PERSISTENT);
	/* Down: the client is lost to it, and goes elsewhere. */
	lb_server_set_health(lb_server_find(cl, s), LB_DOWN);
	CU_ASSERT_STRING_NOT_EQUAL(pick(cl, mip_syn_hao, sizeof mip_syn_hao,
	    keys, 1400, &pk), s);
	CU_ASSERT_EQUAL(cl->st.persist_lost, 1);
	lb_cluster_free(cl);
}

/* Binding updates copy entries; lifetimes run on the fake clock. */
static void
test_lb_mip6_bind_lifetimes(void)
{
	struct lb_cluster	*cl = mk();
	struct lb_pick		 pk;
	struct lb_pkt_pkey	 k1[LB_MIP6_NKEYS], k2[LB_MIP6_NKEYS];
	struct lb_pkt_pkey	 k3[LB_MIP6_NKEYS];
	struct lb_pkt_ip	 a1 = ip6(COA), a2 = ip6(COA2), a3 = ip6(COA3);
	struct walked		 w;
	uint64_t		 t = 1000;

	lb_mip6_addr_keys(LB_MIP6_K_SRC, &a1, k1);
	lb_mip6_addr_keys(LB_MIP6_K_SRC, &a2, k2);
	lb_mip6_addr_keys(LB_MIP6_K_SRC, &a3, k3);
	CU_ASSERT_FATAL(lb_mip6_select(cl, k1, 1, t, &pk) == 0);
	CU_ASSERT_STRING_EQUAL(pk.srv->name, "s1");
	lb_server_release(pk.srv);
	/* Moved to COA2: the entry is copied, the old one kept as it is. */
	CU_ASSERT_EQUAL(lb_mip6_bind(cl, k1, k2, 1, t + 10000), 1);
	walk(cl, t + 10000, &w);
	CU_ASSERT_EQUAL_FATAL(w.n, 2);
	CU_ASSERT_STRING_EQUAL(w.line[0], "source " COA " s1 50000");
	CU_ASSERT_STRING_EQUAL(w.line[1], "source " COA2 " s1 60000 from "
	    "source " COA);
	/* Again: the new address has an entry, nothing is done. */
	CU_ASSERT_EQUAL(lb_mip6_bind(cl, k1, k2, 1, t + 11000), 0);
	/* A new connection from COA2 lands on s1. */
	CU_ASSERT_FATAL(lb_mip6_select(cl, k2, 1, t + 20000, &pk) == 0);
	CU_ASSERT_STRING_EQUAL(pk.srv->name, "s1");
	CU_ASSERT_EQUAL(pk.reason, LB_R_PERSISTENT);
	lb_server_release(pk.srv);
	/* Packets keep COA2's entry alive; COA1's runs out at 60 s. */
	CU_ASSERT_EQUAL(lb_mip6_touch(cl, k2, 1, t + 50000), 1);
	CU_ASSERT_EQUAL(lb_sticky_expire(cl->sticky, t + 59999), 0);
	CU_ASSERT_EQUAL(lb_sticky_expire(cl->sticky, t + 60000), 1);
	walk(cl, t + 60000, &w);
	CU_ASSERT_EQUAL_FATAL(w.n, 1);
	CU_ASSERT_STRING_EQUAL(w.line[0], "source " COA2 " s1 50000 from "
	    "source " COA);
	/* A copy of a copy names the one it came from. */
	CU_ASSERT_EQUAL(lb_mip6_bind(cl, k2, k3, 1, t + 60000), 1);
	/* An old entry gone: nothing to carry over. */
	CU_ASSERT_EQUAL(lb_mip6_bind(cl, k1, k3, 1, t + 60000), 0);
	walk(cl, t + 60000, &w);
	CU_ASSERT_EQUAL_FATAL(w.n, 2);
	CU_ASSERT_STRING_EQUAL(w.line[1], "source " COA3 " s1 60000 from "
	    "source " COA2);
	CU_ASSERT_EQUAL(lb_sticky_stats(cl->sticky)->copies, 2);
	/* Everything at zero goes. */
	CU_ASSERT_EQUAL(lb_sticky_expire(cl->sticky, t + 200000), 2);
	CU_ASSERT_EQUAL(lb_sticky_count(cl->sticky), 0);
	lb_cluster_free(cl);
}

/* The bounded table: a full one evicts its least recently used entry. */
static void
test_lb_mip6_select_bounded(void)
{
	struct lb_cluster	*cl = mk();
	struct lb_pick		 pk;
	struct lb_pkt_pkey	 k[LB_MIP6_NKEYS];
	struct lb_pkt_ip	 a;
	char			 buf[64];
	int			 i;

	for (i = 0; i < 150; i++) {
		snprintf(buf, sizeof buf, "2001:2:0:5::%x", i + 1);
		a = ip6(buf);
		lb_mip6_addr_keys(LB_MIP6_K_SRC, &a, k);
		CU_ASSERT(lb_mip6_select(cl, k, 1, 1000 + i, &pk) == 0);
		lb_server_release(pk.srv);
	}
	CU_ASSERT_EQUAL(lb_sticky_count(cl->sticky), 100);
	CU_ASSERT_EQUAL(lb_sticky_stats(cl->sticky)->evicted, 50);
	lb_cluster_free(cl);
}

static void
test_lb_mip6_key_fmt(void)
{
	struct lb_key	k;
	char		buf[96];
	uint8_t		b[16] = { 1, 2, 3, 4 };

	lb_key_set(&k, LB_KEY_SPI, b, 4);
	CU_ASSERT_STRING_EQUAL(lb_key_fmt(&k, buf, sizeof buf),
	    "spi 0x01020304");
	lb_key_set(&k, LB_KEY_IP4, b, 4);
	CU_ASSERT_STRING_EQUAL(lb_key_fmt(&k, buf, sizeof buf),
	    "source 1.2.3.4");
	lb_key_set(&k, LB_KEY_SPI, b, 3);
	CU_ASSERT_STRING_EQUAL(lb_key_fmt(&k, buf, sizeof buf), "kind-5/3");
}

static void
test_lb_mip6_conf_from_cfg(void)
{
	struct cfg_cluster	cc;
	struct lb_mip6_conf	m;

	memset(&cc, 0, sizeof cc);
	cc.persist = LB_PERSIST_STICKY;
	cc.persist_keys = LB_PKEY_SRC;
	lb_mip6_conf_from_cfg(&m, &cc);
	CU_ASSERT_EQUAL(m.keys, 0);
	cc.persist = LB_PERSIST_MIP6;
	cc.persist_keys = 0;
	cc.home_address = LB_HOA_PASS;
	cc.binding_updates = 1;
	lb_mip6_conf_from_cfg(&m, &cc);
	CU_ASSERT_EQUAL(m.keys, LB_MIP6_K_SPI | LB_MIP6_K_HOA);
	CU_ASSERT_EQUAL(m.hoa_mode, LB_MIP6_PASS);
	CU_ASSERT_EQUAL(m.bu, 1);
}

static CU_TestInfo tests[] = {
	{ "test_lb_mip6_parse_hao", test_lb_mip6_parse_hao },
	{ "test_lb_mip6_parse_chains", test_lb_mip6_parse_chains },
	{ "test_lb_mip6_parse_truncated", test_lb_mip6_parse_truncated },
	{ "test_lb_mip6_parse_malformed", test_lb_mip6_parse_malformed },
	{ "test_lb_mip6_parse_long_chain", test_lb_mip6_parse_long_chain },
	{ "test_lb_mip6_keys_each", test_lb_mip6_keys_each },
	{ "test_lb_mip6_keys_home_away", test_lb_mip6_keys_home_away },
	{ "test_lb_mip6_strip_bytes", test_lb_mip6_strip_bytes },
	{ "test_lb_mip6_rh2_bytes", test_lb_mip6_rh2_bytes },
	{ "test_lb_mip6_bu_parse", test_lb_mip6_bu_parse },
	{ "test_lb_mip6_bu_malformed", test_lb_mip6_bu_malformed },
	{ "test_lb_mip6_bcache", test_lb_mip6_bcache },
	{ "test_lb_mip6_select_keys", test_lb_mip6_select_keys },
	{ "test_lb_mip6_select_moves", test_lb_mip6_select_moves },
	{ "test_lb_mip6_select_equalizer", test_lb_mip6_select_equalizer },
	{ "test_lb_mip6_bind_lifetimes", test_lb_mip6_bind_lifetimes },
	{ "test_lb_mip6_select_bounded", test_lb_mip6_select_bounded },
	{ "test_lb_mip6_key_fmt", test_lb_mip6_key_fmt },
	{ "test_lb_mip6_conf_from_cfg", test_lb_mip6_conf_from_cfg },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(suite_lb_mip6, "lb_mip6", tests)
