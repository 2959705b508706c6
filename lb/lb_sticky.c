/*
 * lb_sticky.c: the sticky table of a cluster: client key -> server, each
 * entry living sticky-timeout from its last use.
 *
 * A hash table (chained, grown by doubling) finds an entry in O(1) on
 * average; a list in order of last use gives the oldest entry at once,
 * both for expiry and for eviction when the table is full. Since every
 * entry has the same timeout and time only moves on, that list is also
 * the order of expiry, so the periodic tick stops at the first live entry.
 * Time is whatever the caller passes (ms of a monotonic clock).
 *
 * An entry may be a copy of another (lb_sticky_copy, for a mobile node's
 * binding update: its new care-of address gets its old address's server):
 * it then names the key it was copied from, for the persist table walk.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lb.h"

#define LB_STICKY_MINBUCKETS	64

struct lb_sticky_ent {
	struct lb_key			 key;
	struct lb_key			 from;		/* copied from, or 0 */
	uint32_t			 id;		/* lb_server id */
	uint64_t			 last;		/* last use, ms */
	struct lb_sticky_ent		*hnext;
	TAILQ_ENTRY(lb_sticky_ent)	 lru;
};
TAILQ_HEAD(lb_sticky_lru, lb_sticky_ent);

struct lb_sticky {
	struct lb_sticky_ent	**bucket;
	size_t			  nbucket;	/* a power of two */
	size_t			  n;
	size_t			  max;
	uint64_t		  timeout;
	int			  overflow;	/* LB_STICKY_EVICT, _REFUSE */
	unsigned char		  hkey[16];
	struct lb_sticky_lru	  lru;
	struct lb_sticky_stats	  st;
};

static size_t	 key_bucket(const struct lb_sticky *, const struct lb_key *);
static struct lb_sticky_ent **lookup(struct lb_sticky *,
		    const struct lb_key *);
static void	 ent_remove(struct lb_sticky *, struct lb_sticky_ent **);
static void	 grow(struct lb_sticky *);
static int	 expired(const struct lb_sticky *,
		    const struct lb_sticky_ent *, uint64_t);

/* Set a key from raw bytes; -1 if they do not fit. */
int
lb_key_set(struct lb_key *k, enum lb_key_kind kind, const void *p, size_t len)
{
	memset(k, 0, sizeof *k);
	if (len > sizeof k->b)
		return (-1);
	k->kind = (uint8_t)kind;
	k->len = (uint8_t)len;
	memcpy(k->b, p, len);
	return (0);
}

/*
 * Key a client by its address cut to <plen4> (IPv4) or <plen6> (IPv6)
 * bits, so that one sticky entry covers a whole network if wanted.
 */
void
lb_key_addr(struct lb_key *k, const struct addr *a, unsigned int plen4,
    unsigned int plen6)
{
	unsigned int	plen, i;

	memset(k, 0, sizeof *k);
	if (a->af == AF_INET) {
		k->kind = LB_KEY_IP4;
		k->len = 4;
		memcpy(k->b, &a->u.v4, 4);
		plen = plen4 > 32 ? 32 : plen4;
	} else if (a->af == AF_INET6) {
		k->kind = LB_KEY_IP6;
		k->len = 16;
		memcpy(k->b, &a->u.v6, 16);
		plen = plen6 > 128 ? 128 : plen6;
	} else
		return;
	for (i = 0; i < k->len; i++) {
		if (plen >= 8)
			plen -= 8;
		else {
			k->b[i] &= (uint8_t)(0xff00 >> plen);
			plen = 0;
		}
	}
}

/* Return 1 if two keys are the same. */
int
lb_key_eq(const struct lb_key *a, const struct lb_key *b)
{
	return (a->kind == b->kind && a->len == b->len &&
	    memcmp(a->b, b->b, a->len) == 0);
}

/*
 * A table of at most <max> entries living <timeout> ms from their last
 * use; when full, <overflow> says whether a new client evicts the oldest
 * entry or goes without one.
 */
struct lb_sticky *
lb_sticky_new(size_t max, uint64_t timeout, int overflow)
{
	struct lb_sticky	*t;

	if ((t = calloc(1, sizeof *t)) == NULL)
		return (NULL);
	t->max = max == 0 ? 1 : max;
	t->timeout = timeout;
	t->overflow = overflow;
	t->nbucket = LB_STICKY_MINBUCKETS;
	if ((t->bucket = calloc(t->nbucket, sizeof *t->bucket)) == NULL) {
		free(t);
		return (NULL);
	}
	arc4random_buf(t->hkey, sizeof t->hkey);
	TAILQ_INIT(&t->lru);
	return (t);
}

/* Free a table and its entries. */
void
lb_sticky_free(struct lb_sticky *t)
{
	struct lb_sticky_ent	*e;

	if (t == NULL)
		return;
	while ((e = TAILQ_FIRST(&t->lru)) != NULL) {
		TAILQ_REMOVE(&t->lru, e, lru);
		free(e);
	}
	free(t->bucket);
	explicit_bzero(t->hkey, sizeof t->hkey);
	free(t);
}

/* The bucket of a key: kind, length and bytes all count. */
static size_t
key_bucket(const struct lb_sticky *t, const struct lb_key *k)
{
	return ((size_t)lb_siphash(t->hkey, k, 2 + (size_t)k->len) &
	    (t->nbucket - 1));
}

/* Find a key: the link that points to its entry, or to NULL. */
static struct lb_sticky_ent **
lookup(struct lb_sticky *t, const struct lb_key *k)
{
	struct lb_sticky_ent	**pe;

	for (pe = &t->bucket[key_bucket(t, k)]; *pe != NULL;
	    pe = &(*pe)->hnext)
		if (lb_key_eq(&(*pe)->key, k))
			break;
	return (pe);
}

/* Unlink and free the entry <*pe> points to. */
static void
ent_remove(struct lb_sticky *t, struct lb_sticky_ent **pe)
{
	struct lb_sticky_ent	*e = *pe;

	*pe = e->hnext;
	TAILQ_REMOVE(&t->lru, e, lru);
	free(e);
	t->n--;
}

/* Return 1 if an entry's time is up at <now>. */
static int
expired(const struct lb_sticky *t, const struct lb_sticky_ent *e,
    uint64_t now)
{
	return (now >= e->last && now - e->last >= t->timeout);
}

/*
 * Double the buckets before an entry is added that would make more
 * entries than buckets. Without memory the table keeps its longer chains.
 */
static void
grow(struct lb_sticky *t)
{
	struct lb_sticky_ent	**nb, *e;
	size_t			  nn = t->nbucket * 2, i;

	if (t->n < t->nbucket || t->nbucket >= t->max)
		return;
	if ((nb = calloc(nn, sizeof *nb)) == NULL)
		return;
	free(t->bucket);
	t->bucket = nb;
	t->nbucket = nn;
	TAILQ_FOREACH(e, &t->lru, lru) {
		i = key_bucket(t, &e->key);
		e->hnext = nb[i];
		nb[i] = e;
	}
}

/*
 * Look a key up at <now>; on a hit, refresh the entry, set *id and
 * return 1. An entry past its time counts as absent and goes.
 */
int
lb_sticky_get(struct lb_sticky *t, const struct lb_key *k, uint64_t now,
    uint32_t *id)
{
	struct lb_sticky_ent	**pe, *e;

	pe = lookup(t, k);
	if ((e = *pe) == NULL) {
		t->st.misses++;
		return (0);
	}
	if (expired(t, e, now)) {
		ent_remove(t, pe);
		t->st.expired++;
		t->st.misses++;
		return (0);
	}
	e->last = now;
	TAILQ_REMOVE(&t->lru, e, lru);
	TAILQ_INSERT_TAIL(&t->lru, e, lru);
	*id = e->id;
	t->st.hits++;
	return (1);
}

/*
 * Record that key <k> goes to server <id> from <now> on. Return 0, or -1
 * when the table is full and refuses new entries, or out of memory.
 */
int
lb_sticky_put(struct lb_sticky *t, const struct lb_key *k, uint32_t id,
    uint64_t now)
{
	struct lb_sticky_ent	**pe, *e;

	pe = lookup(t, k);
	if ((e = *pe) != NULL) {
		if (e->id != id)
			memset(&e->from, 0, sizeof e->from);
		e->id = id;
		e->last = now;
		TAILQ_REMOVE(&t->lru, e, lru);
		TAILQ_INSERT_TAIL(&t->lru, e, lru);
		return (0);
	}
	/* The oldest entry may be dead already: that makes room for free. */
	if (t->n >= t->max && (e = TAILQ_FIRST(&t->lru)) != NULL &&
	    expired(t, e, now)) {
		ent_remove(t, lookup(t, &e->key));
		t->st.expired++;
	}
	if (t->n >= t->max) {
		if (t->overflow == LB_STICKY_REFUSE) {
			t->st.refused++;
			return (-1);
		}
		e = TAILQ_FIRST(&t->lru);
		ent_remove(t, lookup(t, &e->key));
		t->st.evicted++;
	}
	if ((e = calloc(1, sizeof *e)) == NULL) {
		t->st.nomem++;
		return (-1);
	}
	grow(t);
	e->key = *k;
	e->id = id;
	e->last = now;
	pe = &t->bucket[key_bucket(t, k)];	/* grow() moved them */
	e->hnext = *pe;
	*pe = e;
	TAILQ_INSERT_TAIL(&t->lru, e, lru);
	t->n++;
	t->st.inserts++;
	return (0);
}

/*
 * Look a key up at <now> without refreshing it: 1 and *id for a live
 * entry, else 0.
 */
int
lb_sticky_peek(struct lb_sticky *t, const struct lb_key *k, uint64_t now,
    uint32_t *id)
{
	struct lb_sticky_ent	*e;

	if ((e = *lookup(t, k)) == NULL || expired(t, e, now))
		return (0);
	*id = e->id;
	return (1);
}

/*
 * A packet used key <k> at <now>: refresh its entry, if live, without
 * counting a lookup. Return 1 if there was one.
 */
int
lb_sticky_touch(struct lb_sticky *t, const struct lb_key *k, uint64_t now)
{
	struct lb_sticky_ent	*e;

	if ((e = *lookup(t, k)) == NULL || expired(t, e, now))
		return (0);
	e->last = now;
	TAILQ_REMOVE(&t->lru, e, lru);
	TAILQ_INSERT_TAIL(&t->lru, e, lru);
	return (1);
}

/*
 * Give key <to> the server of key <from>, as a copy of it, from <now> on;
 * <from> is left as it is (not refreshed). Nothing is done when <to> has
 * a live entry already or <from> none. Return 1 when copied, 0 when there
 * was nothing to do, -1 when the table refused the new entry.
 */
int
lb_sticky_copy(struct lb_sticky *t, const struct lb_key *from,
    const struct lb_key *to, uint64_t now)
{
	struct lb_sticky_ent	*e;
	uint32_t		 id;

	if (lb_key_eq(from, to) || lb_sticky_peek(t, to, now, &id) ||
	    !lb_sticky_peek(t, from, now, &id))
		return (0);
	if (lb_sticky_put(t, to, id, now) == -1)
		return (-1);
	e = *lookup(t, to);
	e->from = *from;
	t->st.copies++;
	return (1);
}

/*
 * Call <cb> for each live entry at <now>, least recently used first: its
 * key, server, the ms it has left, the key it was copied from (or NULL).
 * <cb> must not change the table.
 */
void
lb_sticky_walk(struct lb_sticky *t, uint64_t now,
    void (*cb)(void *, const struct lb_sticky_info *), void *arg)
{
	struct lb_sticky_info	 si;
	struct lb_sticky_ent	*e;

	TAILQ_FOREACH(e, &t->lru, lru) {
		if (expired(t, e, now))
			continue;
		si.key = &e->key;
		si.id = e->id;
		si.left = t->timeout - (now >= e->last ? now - e->last : 0);
		si.from = e->from.kind != LB_KEY_NONE ? &e->from : NULL;
		cb(arg, &si);
	}
}

/*
 * Format a key as the persist table shows it: its kind, then its value
 * ("home-address 2001:db8::1", "spi 0x00001234").
 */
const char *
lb_key_fmt(const struct lb_key *k, char *buf, size_t len)
{
	char	a[INET6_ADDRSTRLEN];

	switch (k->kind) {
	case LB_KEY_IP4:
	case LB_KEY_IP6:
	case LB_KEY_HOA:
		if (k->len != (k->kind == LB_KEY_IP4 ? 4 : 16) ||
		    inet_ntop(k->kind == LB_KEY_IP4 ? AF_INET : AF_INET6,
		    k->b, a, sizeof a) == NULL)
			break;
		snprintf(buf, len, "%s %s", k->kind == LB_KEY_HOA ?
		    "home-address" : "source", a);
		return (buf);
	case LB_KEY_IID:
		if (k->len != 8)
			break;
		snprintf(buf, len, "interface-id ::%x:%x:%x:%x",
		    k->b[0] << 8 | k->b[1], k->b[2] << 8 | k->b[3],
		    k->b[4] << 8 | k->b[5], k->b[6] << 8 | k->b[7]);
		return (buf);
	case LB_KEY_SPI:
		if (k->len != 4)
			break;
		snprintf(buf, len, "spi 0x%02x%02x%02x%02x", k->b[0], k->b[1],
		    k->b[2], k->b[3]);
		return (buf);
	}
	snprintf(buf, len, "kind-%u/%u", k->kind, k->len);
	return (buf);
}

/* Forget a key; return 1 if it was there. */
int
lb_sticky_del(struct lb_sticky *t, const struct lb_key *k)
{
	struct lb_sticky_ent	**pe;

	pe = lookup(t, k);
	if (*pe == NULL)
		return (0);
	ent_remove(t, pe);
	return (1);
}

/* The periodic tick: remove every entry past its time at <now>. */
size_t
lb_sticky_expire(struct lb_sticky *t, uint64_t now)
{
	struct lb_sticky_ent	*e;
	size_t			 n = 0;

	while ((e = TAILQ_FIRST(&t->lru)) != NULL && expired(t, e, now)) {
		ent_remove(t, lookup(t, &e->key));
		n++;
	}
	t->st.expired += n;
	return (n);
}

/* Number of entries held. */
size_t
lb_sticky_count(const struct lb_sticky *t)
{
	return (t->n);
}

/* The table's counters. */
const struct lb_sticky_stats *
lb_sticky_stats(const struct lb_sticky *t)
{
	return (&t->st);
}
