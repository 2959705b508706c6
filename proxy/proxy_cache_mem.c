/*
 * proxy_cache_mem.c: the memory tier: objects indexed by primary key (one
 * variant per secondary key), a byte budget and LRU eviction.
 *
 * Bodies are frozen evbuffers; hits add them to output buffers by
 * reference, so a hit copies no body byte and an evicted object lives on
 * until the last output buffer that references it is drained. A body
 * enters the tier as one piece, so that a hit adds one reference and
 * goes out in one iovec.
 */
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "log.h"
#include "proxy_cache_int.h"

struct cache_mem_key {
	char				*key;
	TAILQ_HEAD(, cache_obj)		 variants;
	RB_ENTRY(cache_mem_key)		 entry;
};

RB_HEAD(mem_tree, cache_mem_key);

struct cache_mem {
	uint64_t			 max;
	uint64_t			 bytes;
	uint64_t			 objects;
	uint64_t			 evictions;
	struct mem_tree			 tree;
	TAILQ_HEAD(, cache_obj)		 lru;	/* least recent first */
};

static int	mem_key_cmp(struct cache_mem_key *, struct cache_mem_key *);
static void	mem_unlink(struct cache_mem *, struct cache_obj *);
static void	mem_flatten(struct cache_obj *);
static void	mem_piece_free_cb(const void *, size_t, void *);

RB_GENERATE_STATIC(mem_tree, cache_mem_key, entry, mem_key_cmp);

/* Order keys. */
static int
mem_key_cmp(struct cache_mem_key *a, struct cache_mem_key *b)
{
	return (strcmp(a->key, b->key));
}

/* Create a memory tier holding up to max bytes. */
struct cache_mem *
cache_mem_new(uint64_t max)
{
	struct cache_mem	*m;

	if ((m = calloc(1, sizeof *m)) == NULL)
		return (NULL);
	m->max = max;
	RB_INIT(&m->tree);
	TAILQ_INIT(&m->lru);
	return (m);
}

/* Free the tier, dropping its references. */
void
cache_mem_free(struct cache_mem *m)
{
	struct cache_obj	*o;

	if (m == NULL)
		return;
	while ((o = TAILQ_FIRST(&m->lru)) != NULL)
		mem_unlink(m, o);
	free(m);
}

/*
 * Return the largest object admitted: a quarter of the budget, so one
 * object never flushes the whole tier.
 */
uint64_t
cache_mem_max_object(const struct cache_mem *m)
{
	return (m->max / 4);
}

/* Remove an object from the index and LRU and drop the tier's reference. */
static void
mem_unlink(struct cache_mem *m, struct cache_obj *o)
{
	struct cache_mem_key	*k = o->mkey;

	TAILQ_REMOVE(&k->variants, o, variants);
	TAILQ_REMOVE(&m->lru, o, lru);
	m->bytes -= cache_obj_size(o);
	m->objects--;
	o->mkey = NULL;
	if (TAILQ_EMPTY(&k->variants)) {
		RB_REMOVE(mem_tree, &m->tree, k);
		free(k->key);
		free(k);
	}
	cache_obj_unref(o);
}

/* Change the size limit, evicting least recently used objects to fit. */
void
cache_mem_resize(struct cache_mem *m, uint64_t max)
{
	struct cache_obj	*v;

	m->max = max;
	while (m->bytes > m->max && (v = TAILQ_FIRST(&m->lru)) != NULL) {
		log_debug("cache: memory limit lowered, evicting %s", v->key);
		mem_unlink(m, v);
		m->evictions++;
	}
}

/* Free a body's single piece once no buffer references it any more. */
static void
mem_piece_free_cb(const void *data, size_t len, void *arg)
{
	free((void *)data);
}

/*
 * Make an object's own body one piece of exactly its size. Stored as it
 * streamed, a body is a chain of a few KiB per piece (130 for 1 MiB):
 * each hit would then allocate a reference per piece and the writes
 * would stop at the iovec limit. Copied once here, each hit costs one
 * reference and the socket takes it in one call. Short of memory, the
 * body stays as it is (still correct, only slower). Buffers that already
 * reference the old pieces keep them alive until they drain.
 */
static void
mem_flatten(struct cache_obj *o)
{
	struct evbuffer	*nb;
	size_t		 len;
	ev_ssize_t	 n;
	void		*p;

	if (o->body_from != NULL || o->body == NULL ||
	    evbuffer_peek(o->body, -1, NULL, NULL, 0) <= 1)
		return;
	len = evbuffer_get_length(o->body);
	if ((p = malloc(len)) == NULL)
		return;
	if ((nb = evbuffer_new()) == NULL) {
		free(p);
		return;
	}
	/* Its front is frozen against draining, which copyout checks. */
	evbuffer_unfreeze(o->body, 1);
	n = evbuffer_copyout(o->body, p, len);
	evbuffer_freeze(o->body, 1);
	if (n != (ev_ssize_t)len || evbuffer_add_reference(nb, p, len,
	    mem_piece_free_cb, NULL) == -1) {
		evbuffer_free(nb);
		free(p);
		return;
	}
	evbuffer_freeze(nb, 0);
	evbuffer_freeze(nb, 1);
	evbuffer_free(o->body);
	o->body = nb;
}

/*
 * Insert an object (the tier takes its own reference). It replaces the
 * variant with the same secondary key; least recently used objects are
 * evicted until it fits. -1 if it is too large or memory is short.
 */
int
cache_mem_insert(struct cache_mem *m, struct cache_obj *o)
{
	struct cache_mem_key	 find, *k;
	struct cache_obj	*v;
	uint64_t		 sz = cache_obj_size(o);

	if (o->mkey != NULL)
		return (0);
	if (sz > cache_mem_max_object(m) || cache_obj_membody(o) == NULL)
		return (-1);
	mem_flatten(o);
	find.key = o->key;
again:
	/* One variant per secondary key: the new one replaces the old. */
	if ((k = RB_FIND(mem_tree, &m->tree, &find)) != NULL) {
		TAILQ_FOREACH(v, &k->variants, variants) {
			if (v->vary == NULL || o->vary == NULL ||
			    (v->vkey != NULL && o->vkey != NULL &&
			    strcmp(v->vkey, o->vkey) == 0)) {
				mem_unlink(m, v);
				goto again;
			}
		}
	}
	while (m->bytes + sz > m->max && (v = TAILQ_FIRST(&m->lru)) != NULL) {
		log_debug("cache: memory full, evicting %s", v->key);
		mem_unlink(m, v);
		m->evictions++;
	}
	k = RB_FIND(mem_tree, &m->tree, &find);
	if (k == NULL) {
		if ((k = calloc(1, sizeof *k)) == NULL)
			return (-1);
		if ((k->key = strdup(o->key)) == NULL) {
			free(k);
			return (-1);
		}
		TAILQ_INIT(&k->variants);
		RB_INSERT(mem_tree, &m->tree, k);
	}
	o->mkey = k;
	cache_obj_ref(o);
	TAILQ_INSERT_TAIL(&k->variants, o, variants);
	TAILQ_INSERT_TAIL(&m->lru, o, lru);
	m->bytes += sz;
	m->objects++;
	return (0);
}

/* Find the variant serving a request; a referenced object or NULL. */
struct cache_obj *
cache_mem_lookup(struct cache_mem *m, const char *key,
    const struct cache_req *rq)
{
	struct cache_mem_key	 find, *k;
	struct cache_obj	*o;

	find.key = (char *)key;
	if ((k = RB_FIND(mem_tree, &m->tree, &find)) == NULL)
		return (NULL);
	TAILQ_FOREACH(o, &k->variants, variants) {
		if (cache_obj_matches(o, rq)) {
			TAILQ_REMOVE(&m->lru, o, lru);
			TAILQ_INSERT_TAIL(&m->lru, o, lru);
			return (cache_obj_ref(o));
		}
	}
	return (NULL);
}

/* Remove one object if the tier holds it. */
void
cache_mem_remove(struct cache_mem *m, struct cache_obj *o)
{
	if (o->mkey != NULL)
		mem_unlink(m, o);
}

/* Remove every variant of a key; returns how many. */
int
cache_mem_remove_key(struct cache_mem *m, const char *key)
{
	struct cache_mem_key	 find, *k;
	int			 n = 0;

	find.key = (char *)key;
	while ((k = RB_FIND(mem_tree, &m->tree, &find)) != NULL) {
		mem_unlink(m, TAILQ_FIRST(&k->variants));
		n++;
	}
	return (n);
}

/* Report objects, bytes and evictions. */
void
cache_mem_stats(const struct cache_mem *m, uint64_t *objects,
    uint64_t *bytes, uint64_t *evictions)
{
	*objects = m->objects;
	*bytes = m->bytes;
	*evictions = m->evictions;
}
