/*
 * lb_sched_hash.c: consistent hashing of the request URI (hash-uri) or
 * Host (hash-host), for clusters of caching proxies: each key always goes
 * to the same server, so no two caches hold the same objects.
 *
 * Every server owns LB_RING_VNODES points per unit of weight on a ring of
 * 64-bit hashes; a key goes to the owner of the first point at or after
 * its hash that is a candidate now. A server that goes down (or is full)
 * hands only its own keys to the next points' owners, spread over all the
 * others, and gets exactly those keys back when it returns. The points
 * hash the server names under a fixed key, so both peers of a pair, and a
 * restarted daemon, send each key to the same server.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "lb.h"
#include "xmalloc.h"

#define LB_RING_VNODES	160	/* points per unit of weight */
#define LB_RING_MAXW	100	/* weights above count as this */
#define LB_HOST_MAX	255	/* longest host name folded */

struct ring_pt {
	uint64_t	 h;
	uint32_t	 srv;		/* index in cl->srv[] */
};

struct ring {
	struct ring_pt	*pt;
	size_t		 n;
};

static int	 hash_init(struct lb_cluster *, const char **);
static void	 hash_free(struct lb_cluster *);
static struct lb_server *hash_pick(struct lb_cluster *, struct lb_server **,
		    size_t, const struct lb_req *);
static int	 pt_cmp(const void *, const void *);

const struct lb_sched_ops lb_sched_hash = {
	"hash", hash_init, hash_free, hash_pick
};

/* The fixed key of ring hashes: the same on every peer, on purpose. */
static const unsigned char ring_key[16] = "twin-lb ring v1";

/* Hash a key (URI, host, server name) onto the ring. */
uint64_t
lb_hash_key(const void *p, size_t len)
{
	return (lb_siphash(ring_key, p, len));
}

/* Order ring points by hash, then server, so equal hashes sort stably. */
static int
pt_cmp(const void *a, const void *b)
{
	const struct ring_pt	*x = a, *y = b;

	if (x->h != y->h)
		return (x->h < y->h ? -1 : 1);
	return (x->srv < y->srv ? -1 : x->srv > y->srv);
}

/* Build the ring of a finished cluster's servers. */
static int
hash_init(struct lb_cluster *cl, const char **cause)
{
	struct ring		*r;
	struct lb_server	*s;
	char			 buf[128];
	size_t			 i, j, n = 0, k;
	int			 len;

	for (i = 0; i < cl->nsrv; i++) {
		s = &cl->srv[i];
		n += (size_t)(s->weight < LB_RING_MAXW ? s->weight :
		    LB_RING_MAXW) * LB_RING_VNODES;
	}
	r = xcalloc(1, sizeof *r);
	r->pt = xcalloc(n, sizeof *r->pt);
	for (i = 0, k = 0; i < cl->nsrv; i++) {
		s = &cl->srv[i];
		n = (size_t)(s->weight < LB_RING_MAXW ? s->weight :
		    LB_RING_MAXW) * LB_RING_VNODES;
		for (j = 0; j < n; j++) {
			len = snprintf(buf, sizeof buf, "%s#%zu", s->name, j);
			r->pt[k].h = lb_hash_key(buf, (size_t)len);
			r->pt[k].srv = (uint32_t)i;
			k++;
		}
	}
	r->n = k;
	qsort(r->pt, r->n, sizeof *r->pt, pt_cmp);
	cl->sched_data = r;
	return (0);
}

static void
hash_free(struct lb_cluster *cl)
{
	struct ring	*r = cl->sched_data;

	if (r == NULL)
		return;
	free(r->pt);
	free(r);
	cl->sched_data = NULL;
}

/*
 * Walk the ring from the key's hash to the first candidate's point. A
 * request without a key (no Host header) is scheduled in turn instead.
 */
static struct lb_server *
hash_pick(struct lb_cluster *cl, struct lb_server **c, size_t n,
    const struct lb_req *rq)
{
	struct ring		*r = cl->sched_data;
	struct lb_server	*s;
	const unsigned char	*key;
	char			 host[LB_HOST_MAX];
	size_t			 lo, hi, mid, i, len;
	uint64_t		 h;

	if (rq == NULL || rq->hkey == NULL || r == NULL || r->n == 0)
		return (lb_sched_rotate(cl, c, n));
	key = rq->hkey;
	len = rq->hkeylen;
	/* Host names are case-insensitive; URIs are not. */
	if (cl->p.scheduler == LB_SCHED_HASH_HOST) {
		if (len > sizeof host)
			len = sizeof host;
		for (i = 0; i < len; i++)
			host[i] = (char)tolower(key[i]);
		key = (const unsigned char *)host;
	}
	h = lb_hash_key(key, len);
	lo = 0;
	hi = r->n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (r->pt[mid].h < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = 0; i < r->n; i++) {
		s = &cl->srv[r->pt[(lo + i) % r->n].srv];
		if (s->mark == cl->mark)
			return (s);
	}
	return (lb_sched_rotate(cl, c, n));
}
