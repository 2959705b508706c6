/*
 * lb_mip6_xlate.c: the byte rewrites that let ordinary servers keep the
 * TCP state of a mobile node across its moves (cluster setting
 * home-address translate).
 *
 * On the way in, the home address option goes and the source becomes the
 * home address: the server sees the node as if it were at home, whatever
 * its care-of address. The upper-layer checksum needs no change, since a
 * node away from home sums it over its home address (RFC 6275 6.3).
 *
 * On the way out, a reply to the home address gets a type 2 routing
 * header holding the home address and the node's current care-of address
 * as its destination (RFC 6275 6.4), as a correspondent node would send
 * it; again the checksum stands, being over the final destination, the
 * home address (RFC 8200 8.1).
 *
 * Both work in place on a frame parsed by lb_pkt_parse(): the headers in
 * front of the change move (with the <pre> bytes before the frame, the
 * virtio header of lb_pkt_ring.c), the payload stays put, so a 64 KB GSO
 * frame costs what a small one does.
 */
#include <string.h>

#include "lb_pkt.h"

static int	only_padding(const uint8_t *, size_t);
static void	pad(uint8_t *, size_t);
static size_t	pad_run(const uint8_t *, size_t, size_t *);

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

/* Fill <len> bytes with padding options (Pad1 or one PadN). */
static void
pad(uint8_t *o, size_t len)
{
	if (len == 0)
		return;
	memset(o, 0, len);
	if (len >= 2) {
		o[0] = 1;
		o[1] = len - 2;
	}
}

/* Return 1 if the <len> bytes of options at <o> are all padding. */
static int
only_padding(const uint8_t *o, size_t len)
{
	size_t	i = 0;

	while (i < len) {
		if (o[i] == 0) {
			i++;
			continue;
		}
		if (o[i] != 1)
			return (0);
		i += 2 + (size_t)o[i + 1];
	}
	return (1);
}

/*
 * The longest run of padding among the <len> bytes of options at <o>
 * (well formed: the parse walked them): its length, its start in *start.
 */
static size_t
pad_run(const uint8_t *o, size_t len, size_t *start)
{
	size_t	i = 0, n, run = 0, best = 0, rs = 0;

	*start = 0;
	while (i < len) {
		n = o[i] == 0 ? 1 : 2 + (size_t)o[i + 1];
		if (o[i] == 0 || o[i] == 1) {
			if (run == 0)
				rs = i;
			run += n;
			if (run > best) {
				best = run;
				*start = rs;
			}
		} else
			run = 0;
		i += n;
	}
	return (best);
}

/*
 * Remove the home address option of the parsed packet <p> held at <f>,
 * and make its home address the source. The destination options header
 * goes when nothing but padding is left in it; otherwise it shrinks by
 * the multiples of 8 bytes of padding it can lose, in one run, so that
 * every other option keeps its alignment. <pre> bytes before <f> move
 * with the headers. Return where the frame now starts, with *cut the
 * bytes it lost (0: the header kept its size), or NULL if <p> has no
 * home address option.
 */
uint8_t *
lb_mip6_strip(uint8_t *f, size_t pre, const struct lb_pkt *p, size_t *cut)
{
	uint8_t	*d, *o, nh;
	size_t	 dlen, olen, from, run, rs, n;

	*cut = 0;
	if (!(p->flags & LB_PKT_F_HAO) || p->key.af != 6 ||
	    p->hao_hdr < p->l3off + 40 || p->hao_off < p->hao_hdr + 2 ||
	    p->hao_nh >= p->hao_hdr)
		return (NULL);
	d = f + p->hao_hdr;
	dlen = ((size_t)d[1] + 1) * 8;
	if (p->hao_hdr + dlen > p->len ||
	    (size_t)p->hao_off + 18 > p->hao_hdr + dlen)
		return (NULL);
	o = d + 2;
	olen = dlen - 2;
	pad(f + p->hao_off, 18);
	if (only_padding(o, olen)) {
		nh = d[0];
		f[p->hao_nh] = nh;
		from = p->hao_hdr;
		n = dlen;
	} else {
		run = pad_run(o, olen, &rs);
		n = run / 8 * 8;
		from = p->hao_hdr + 2 + rs;
		if (n != 0) {
			d[1] -= n / 8;
			/* What stays of the run, after the bytes that go. */
			pad(f + from + n, run - n);
		}
	}
	if (n != 0) {
		memmove(f - pre + n, f - pre, pre + from);
		f += n;
	}
	wr16(f + p->l3off + 4, rd16(f + p->l3off + 4) - n);
	memcpy(f + p->l3off + 8, p->hoa.b, 16);
	*cut = n;
	return (f);
}

/*
 * Return 1 if a type 2 routing header can go into the parsed packet <p>:
 * IPv6, no routing header of its own, room in the payload length.
 */
int
lb_mip6_rh2_fits(const struct lb_pkt *p)
{
	return (p->key.af == 6 && !(p->flags & LB_PKT_F_ROUTING) &&
	    p->l3len - 40 + LB_MIP6_RH2_LEN <= 0xffff &&
	    p->l4off >= p->l3off + 40);
}

/*
 * Send the parsed packet <p> held at <f>, addressed to a mobile node's
 * home address, to its care-of address <coa> with a type 2 routing header
 * holding the home address, after the hop-by-hop options if any. The
 * headers in front move LB_MIP6_RH2_LEN bytes back, with the <pre> bytes
 * before <f>, which the caller has room for. Return where the frame now
 * starts, or NULL when it cannot be done (lb_mip6_rh2_fits()).
 */
uint8_t *
lb_mip6_rh2(uint8_t *f, size_t pre, const struct lb_pkt *p,
    const struct lb_pkt_ip *coa)
{
	uint8_t	*r;
	size_t	 ins = p->l3off + 40, nhb = p->l3off + 6;

	if (!lb_mip6_rh2_fits(p))
		return (NULL);
	if (f[p->l3off + 6] == LB_IP_HOPOPT) {
		nhb = ins;
		ins += ((size_t)f[ins + 1] + 1) * 8;
		if (ins > p->l4off)
			return (NULL);
	}
	memmove(f - pre - LB_MIP6_RH2_LEN, f - pre, pre + ins);
	f -= LB_MIP6_RH2_LEN;
	r = f + ins;
	memset(r, 0, LB_MIP6_RH2_LEN);
	r[0] = f[nhb];
	r[1] = 2;
	r[2] = 2;		/* type 2 */
	r[3] = 1;		/* segments left */
	memcpy(r + 8, f + p->l3off + 24, 16);
	f[nhb] = LB_IP_ROUTING;
	wr16(f + p->l3off + 4, rd16(f + p->l3off + 4) + LB_MIP6_RH2_LEN);
	memcpy(f + p->l3off + 24, coa->b, 16);
	return (f);
}
