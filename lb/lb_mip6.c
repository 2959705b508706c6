/*
 * lb_mip6.c: what identifies a Mobile IPv6 node to the L4 engine, after
 * JP2003-204350. A mobile node's source address is its care-of address,
 * which changes as it moves, so persistence keyed on it sends the node to
 * another server after every move. The keys here do not move with it:
 *
 *   spi           the ESP security parameter index (IPsec traffic);
 *   home-address  the home address option (destination options header,
 *                 option 201), else the source address: a node at home
 *                 sends from its home address, so at home and away it is
 *                 the same key;
 *   interface-id  the low 64 bits of a source address in modified EUI-64
 *                 form (SLAAC from a MAC address), the same on every link;
 *   source        the source address.
 *
 * A packet gets the keys of its cluster's list that apply to it, in that
 * order (the patent's); the selection module tries them in turn and
 * records the server under each (lb_mip6_sel.c).
 *
 * The second method of the patent follows binding updates: a node tells
 * its correspondent (here, the cluster address) its new care-of address,
 * and the entry of its old address is carried over to the new one. For
 * that the engine remembers each home address's last care-of address, in
 * a bounded cache living a lifetime from its last use (the bcache below).
 *
 * Binding updates come from any host, so lb_mip6_bu_parse() checks every
 * length and the checksum before anything is believed.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lb_pkt.h"

#define BC_MINBUCKETS	64

static uint32_t	bc_hash(const struct lb_mip6_bcache *,
		    const struct lb_pkt_ip *);
static struct lb_mip6_bind *bc_find(struct lb_mip6_bcache *,
		    const struct lb_pkt_ip *);
static void	bc_del(struct lb_mip6_bcache *, struct lb_mip6_bind *);
static void	pkey_set(struct lb_pkt_pkey *, int, const void *, size_t);
static enum lb_mip6_err bu_options(const uint8_t *, size_t,
		    struct lb_mip6_bu *);
static int	unicast(const struct lb_pkt_ip *);

static const char *const lb_mip6_errs[] = {
	"ok", "truncated", "header length too small",
	"payload protocol is not 59", "not a binding update", "bad checksum",
	"malformed mobility option", "home registration (for a home agent)",
	"care-of address not unicast"
};

static inline uint16_t
rd16(const uint8_t *p)
{
	return ((uint16_t)(p[0] << 8 | p[1]));
}

/* Name a binding update error. */
const char *
lb_mip6_strerror(enum lb_mip6_err e)
{
	if (e >= LB_MIP6_ENERR)
		return ("?");
	return (lb_mip6_errs[e]);
}

/* What names the node that sent the parsed packet <p>. */
void
lb_mip6_id(const struct lb_pkt *p, struct lb_mip6_id *id)
{
	memset(id, 0, sizeof *id);
	id->src = p->key.src;
	if (p->flags & LB_PKT_F_HAO) {
		id->hoa = p->hoa;
		id->has_hoa = 1;
	}
	if (p->flags & LB_PKT_F_ESP) {
		id->spi = p->spi;
		id->has_spi = 1;
	}
}

/*
 * Return 1 if <ip> has a modified EUI-64 interface identifier (RFC 4291
 * appendix A: ff:fe in its middle), made from a MAC address and thus the
 * same on every link the node visits. Temporary (RFC 8981) and stable
 * privacy (RFC 7217) identifiers are random and change with the prefix.
 */
int
lb_mip6_eui64(const struct lb_pkt_ip *ip)
{
	return (ip->b[11] == 0xff && ip->b[12] == 0xfe);
}

static void
pkey_set(struct lb_pkt_pkey *k, int kind, const void *b, size_t len)
{
	memset(k, 0, sizeof *k);
	k->kind = kind;
	k->len = len;
	memcpy(k->b, b, len);
}

/*
 * Fill <k> (LB_MIP6_NKEYS slots) with the keys of <keys> (LB_MIP6_K_*)
 * that apply to the node <id>, in the order they are tried; return how
 * many. None may apply (an spi-only cluster and a TCP packet): the
 * packet is then scheduled without persistence.
 */
size_t
lb_mip6_keys(unsigned int keys, const struct lb_mip6_id *id,
    struct lb_pkt_pkey *k)
{
	uint8_t	spi[4];
	size_t	n = 0;

	if ((keys & LB_MIP6_K_SPI) && id->has_spi) {
		spi[0] = id->spi >> 24;
		spi[1] = id->spi >> 16;
		spi[2] = id->spi >> 8;
		spi[3] = id->spi;
		pkey_set(&k[n++], LB_PKT_PK_SPI, spi, 4);
	}
	if (keys & LB_MIP6_K_HOA)
		pkey_set(&k[n++], LB_PKT_PK_HOA, id->has_hoa ? id->hoa.b :
		    id->src.b, 16);
	if ((keys & LB_MIP6_K_IID) && lb_mip6_eui64(&id->src))
		pkey_set(&k[n++], LB_PKT_PK_IID, id->src.b + 8, 8);
	if (keys & LB_MIP6_K_SRC)
		pkey_set(&k[n++], LB_PKT_PK_IP6, id->src.b, 16);
	return (n);
}

/*
 * The keys a packet from <addr> without options would get: those a
 * binding update carries from the old care-of address to the new one.
 */
size_t
lb_mip6_addr_keys(unsigned int keys, const struct lb_pkt_ip *addr,
    struct lb_pkt_pkey *k)
{
	struct lb_mip6_id	id;

	memset(&id, 0, sizeof id);
	id.src = *addr;
	return (lb_mip6_keys(keys & ~LB_MIP6_K_SPI, &id, k));
}

/* Format a key as "kind value", the way the persist table shows it. */
const char *
lb_pkt_pkey_fmt(const struct lb_pkt_pkey *k, char *buf, size_t len)
{
	char	a[INET6_ADDRSTRLEN];

	switch (k->kind) {
	case LB_PKT_PK_SPI:
		snprintf(buf, len, "spi 0x%02x%02x%02x%02x", k->b[0], k->b[1],
		    k->b[2], k->b[3]);
		break;
	case LB_PKT_PK_HOA:
	case LB_PKT_PK_IP6:
		inet_ntop(AF_INET6, k->b, a, sizeof a);
		snprintf(buf, len, "%s %s", k->kind == LB_PKT_PK_HOA ?
		    "home-address" : "source", a);
		break;
	case LB_PKT_PK_IID:
		snprintf(buf, len, "interface-id ::%x:%x:%x:%x", rd16(k->b),
		    rd16(k->b + 2), rd16(k->b + 4), rd16(k->b + 6));
		break;
	default:
		snprintf(buf, len, "kind-%u", k->kind);
		break;
	}
	return (buf);
}

/* Return 1 for an address a node can be reached at (not ::, ::1, ff/8). */
static int
unicast(const struct lb_pkt_ip *ip)
{
	static const uint8_t	zero[15];

	if (ip->b[0] == 0xff)
		return (0);
	if (memcmp(ip->b, zero, 15) == 0 && (ip->b[15] == 0 ||
	    ip->b[15] == 1))
		return (0);
	return (1);
}

/*
 * The mobility options of a binding update (<len> bytes at <o>): Pad1,
 * PadN and the alternate care-of address (type 3) are read, others
 * skipped; each must fit.
 */
static enum lb_mip6_err
bu_options(const uint8_t *o, size_t len, struct lb_mip6_bu *bu)
{
	size_t	i = 0;

	while (i < len) {
		if (o[i] == 0) {		/* Pad1 */
			i++;
			continue;
		}
		if (len - i < 2 || (size_t)o[i + 1] > len - i - 2)
			return (LB_MIP6_EOPT);
		if (o[i] == 3) {
			if (o[i + 1] != 16 || bu->has_alt)
				return (LB_MIP6_EOPT);
			memcpy(bu->coa.b, o + i + 2, 16);
			bu->has_alt = 1;
		}
		i += 2 + (size_t)o[i + 1];
	}
	return (LB_MIP6_OK);
}

/*
 * Read the binding update of the parsed packet <p> (LB_PKT_F_BU): whole,
 * its checksum right (over the pseudo-header of the home address, as the
 * node sums it), no next header, options well formed, and meant for a
 * correspondent, not a home agent. The new care-of address is the
 * alternate care-of address option's, else the source; the home address
 * the home address option's, else the source (a node at home).
 */
enum lb_mip6_err
lb_mip6_bu_parse(const struct lb_pkt *p, struct lb_mip6_bu *bu)
{
	const uint8_t		*h, *src;
	const struct lb_pkt_ip	*dst;
	enum lb_mip6_err	 e;
	size_t			 mhlen;
	uint32_t		 s;

	memset(bu, 0, sizeof *bu);
	if (p->key.af != 6 || !(p->flags & LB_PKT_F_MH) ||
	    (p->flags & LB_PKT_F_FRAG) || p->l4off >= p->len)
		return (LB_MIP6_ETRUNC);
	h = p->frame + p->l4off;
	if (p->len - p->l4off < 6 || p->l4len < 6)
		return (LB_MIP6_ETRUNC);
	mhlen = ((size_t)h[1] + 1) * 8;
	if (mhlen > p->l4len || mhlen > p->len - p->l4off)
		return (LB_MIP6_ETRUNC);
	if (h[0] != LB_IP_NONE)
		return (LB_MIP6_EPROTO);
	if (h[2] != 5)
		return (LB_MIP6_ETYPE);
	if (mhlen < 16)		/* 6 of header, 6 of message, padded */
		return (LB_MIP6_ELEN);
	src = (p->flags & LB_PKT_F_HAO) ? p->hoa.b : p->key.src.b;
	dst = (p->flags & LB_PKT_F_RH2) ? &p->rh2 : &p->key.dst;
	s = lb_csum_pseudo(6, src, dst->b, LB_IP_MOBILITY, mhlen);
	if (lb_csum_fold(lb_csum_partial(h, mhlen, s)) != 0xffff)
		return (LB_MIP6_ECSUM);
	bu->seq = rd16(h + 6);
	bu->flags = rd16(h + 8);
	bu->lifetime_ms = (uint32_t)rd16(h + 10) * 4000;
	if ((e = bu_options(h + 12, mhlen - 12, bu)) != LB_MIP6_OK)
		return (e);
	if (bu->flags & LB_MIP6_BU_H)
		return (LB_MIP6_EHOME);
	memcpy(bu->home.b, src, 16);
	if (!bu->has_alt)
		bu->coa = p->key.src;
	if (!unicast(&bu->coa) || !unicast(&bu->home))
		return (LB_MIP6_EADDR);
	return (LB_MIP6_OK);
}

/* ---- the binding cache ------------------------------------------------ */

/* Hash a home address (murmur3's mixing, seeded against aimed floods). */
static uint32_t
bc_hash(const struct lb_mip6_bcache *bc, const struct lb_pkt_ip *ip)
{
	uint32_t	h = bc->seed, w;
	size_t		i;

	for (i = 0; i < sizeof ip->b; i += 4) {
		memcpy(&w, ip->b + i, 4);
		w *= 0xcc9e2d51;
		w = (w << 15) | (w >> 17);
		w *= 0x1b873593;
		h ^= w;
		h = (h << 13) | (h >> 19);
		h = h * 5 + 0xe6546b64;
	}
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return (h & (bc->nbuckets - 1));
}

/*
 * Set up an empty cache of at most <max> bindings, each living
 * <lifetime> ms from its last use. Return -1 without memory.
 */
int
lb_mip6_bc_init(struct lb_mip6_bcache *bc, uint32_t max, uint64_t lifetime,
    uint32_t seed)
{
	uint32_t	i;

	memset(bc, 0, sizeof *bc);
	bc->max = max == 0 ? 1 : max;
	bc->lifetime = lifetime;
	bc->seed = seed;
	for (bc->nbuckets = BC_MINBUCKETS; bc->nbuckets < bc->max &&
	    bc->nbuckets < (1U << 20); bc->nbuckets <<= 1)
		;
	if ((bc->buckets = calloc(bc->nbuckets, sizeof *bc->buckets)) ==
	    NULL)
		return (-1);
	for (i = 0; i < bc->nbuckets; i++)
		LIST_INIT(&bc->buckets[i]);
	TAILQ_INIT(&bc->lru);
	return (0);
}

/* Free every binding and the cache's buckets. */
void
lb_mip6_bc_free(struct lb_mip6_bcache *bc)
{
	struct lb_mip6_bind	*b;

	if (bc->buckets == NULL)
		return;
	while ((b = TAILQ_FIRST(&bc->lru)) != NULL)
		bc_del(bc, b);
	free(bc->buckets);
	bc->buckets = NULL;
}

static struct lb_mip6_bind *
bc_find(struct lb_mip6_bcache *bc, const struct lb_pkt_ip *home)
{
	struct lb_mip6_bind	*b;

	LIST_FOREACH(b, &bc->buckets[bc_hash(bc, home)], hlink)
		if (memcmp(&b->home, home, sizeof *home) == 0)
			return (b);
	return (NULL);
}

static void
bc_del(struct lb_mip6_bcache *bc, struct lb_mip6_bind *b)
{
	LIST_REMOVE(b, hlink);
	TAILQ_REMOVE(&bc->lru, b, lru);
	free(b);
	bc->count--;
}

/* The binding of <home> at <now>, or NULL (none, or gone). */
struct lb_mip6_bind *
lb_mip6_bc_get(struct lb_mip6_bcache *bc, const struct lb_pkt_ip *home,
    uint64_t now)
{
	struct lb_mip6_bind	*b;

	if ((b = bc_find(bc, home)) == NULL)
		return (NULL);
	if (now >= b->last && now - b->last >= bc->lifetime) {
		bc_del(bc, b);
		bc->expired++;
		return (NULL);
	}
	return (b);
}

/*
 * Return 1 if binding update sequence number <seq> comes after <last>
 * (RFC 6275 9.5.1: modulo 2^16, within half the space).
 */
int
lb_mip6_seq_newer(uint16_t seq, uint16_t last)
{
	return ((int16_t)(uint16_t)(seq - last) > 0);
}

/*
 * Note that <home> is at <coa> from <now> on; a node back home (<coa> is
 * <home>) has no binding. A full cache forgets its least recently used
 * binding. Return the binding, or NULL when there is none (back home, or
 * no memory).
 */
struct lb_mip6_bind *
lb_mip6_bc_set(struct lb_mip6_bcache *bc, const struct lb_pkt_ip *home,
    const struct lb_pkt_ip *coa, uint64_t now)
{
	struct lb_mip6_bind	*b;

	b = bc_find(bc, home);
	if (memcmp(home, coa, sizeof *home) == 0) {
		if (b != NULL)
			bc_del(bc, b);
		return (NULL);
	}
	if (b == NULL) {
		if (bc->count >= bc->max) {
			bc_del(bc, TAILQ_FIRST(&bc->lru));
			bc->evicted++;
		}
		if ((b = calloc(1, sizeof *b)) == NULL)
			return (NULL);
		b->home = *home;
		LIST_INSERT_HEAD(&bc->buckets[bc_hash(bc, home)], b, hlink);
		bc->count++;
	} else
		TAILQ_REMOVE(&bc->lru, b, lru);
	b->coa = *coa;
	b->last = now;
	TAILQ_INSERT_TAIL(&bc->lru, b, lru);
	return (b);
}

/*
 * The periodic tick: forget the bindings whose time is up at <now>. All
 * share one lifetime, so the list in order of use is in order of expiry.
 */
size_t
lb_mip6_bc_tick(struct lb_mip6_bcache *bc, uint64_t now)
{
	struct lb_mip6_bind	*b;
	size_t			 n = 0;

	while ((b = TAILQ_FIRST(&bc->lru)) != NULL && now >= b->last &&
	    now - b->last >= bc->lifetime) {
		bc_del(bc, b);
		n++;
	}
	bc->expired += n;
	return (n);
}
