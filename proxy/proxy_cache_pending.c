/*
 * proxy_cache_pending.c: collapsed forwarding. The first request for a
 * key leads a fetch; the ones after it wait for it and look up again
 * once it has stored an object, or fetch alone when it failed.
 */
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "log.h"
#include "xmalloc.h"
#include "proxy_cache_int.h"

static int	pending_cmp(struct cache_pending *, struct cache_pending *);

RB_GENERATE_STATIC(pending_tree, cache_pending, entry, pending_cmp);

/* Order pending fetches by key. */
static int
pending_cmp(struct cache_pending *a, struct cache_pending *b)
{
	return (strcmp(a->key, b->key));
}

/* Find the pending fetch of a key. */
struct cache_pending *
cache_pending_find(struct cache *c, const char *key)
{
	struct cache_pending	 find;

	find.key = (char *)key;
	return (RB_FIND(pending_tree, &c->pending, &find));
}

/*
 * Collapse a fetch: wait on the pending fetch of key if there is one
 * (returns 1, ans->waiter set), else become its leader (returns 0,
 * ans->pending set). Returns -1 when out of memory: fetch alone.
 */
int
cache_pending_join(struct cache *c, const char *key, cache_wait_cb cb,
    void *arg, struct cache_answer *ans)
{
	struct cache_pending	*p;
	struct cache_waiter	*w;

	if ((p = cache_pending_find(c, key)) != NULL) {
		if (cb == NULL || (w = calloc(1, sizeof *w)) == NULL)
			return (-1);
		w->p = p;
		w->cb = cb;
		w->arg = arg;
		TAILQ_INSERT_TAIL(&p->waiters, w, entry);
		ans->waiter = w;
		return (1);
	}
	if ((p = calloc(1, sizeof *p)) == NULL)
		return (-1);
	if ((p->key = strdup(key)) == NULL) {
		free(p);
		return (-1);
	}
	TAILQ_INIT(&p->waiters);
	RB_INSERT(pending_tree, &c->pending, p);
	ans->pending = p;
	return (0);
}

/*
 * Finish a collapsed fetch: every waiter's callback runs once with the
 * result, after the pending entry is gone (a callback may look up again
 * and lead a new fetch). The pending handle is invalid afterwards.
 */
void
cache_pending_done(struct cache *c, struct cache_pending *p,
    enum cache_pending_result res)
{
	struct cache_waiter	*w;
	cache_wait_cb		 cb;
	void			*arg;

	if (p == NULL)
		return;
	RB_REMOVE(pending_tree, &c->pending, p);
	log_debug("cache: fetch of %s done (%s)", p->key,
	    res == CACHE_PENDING_STORED ? "stored" : "failed");
	while ((w = TAILQ_FIRST(&p->waiters)) != NULL) {
		TAILQ_REMOVE(&p->waiters, w, entry);
		cb = w->cb;
		arg = w->arg;
		free(w);
		cb(res, arg);
	}
	free(p->key);
	free(p);
}

/* Stop waiting (the client went away); the handle is invalid afterwards. */
void
cache_wait_cancel(struct cache *c, struct cache_waiter *w)
{
	if (w == NULL)
		return;
	TAILQ_REMOVE(&w->p->waiters, w, entry);
	free(w);
}

/* Drop every pending fetch and its waiters silently (cache_free()). */
void
cache_pending_free_all(struct cache *c)
{
	struct cache_pending	*p;
	struct cache_waiter	*w;

	while ((p = RB_ROOT(&c->pending)) != NULL) {
		RB_REMOVE(pending_tree, &c->pending, p);
		while ((w = TAILQ_FIRST(&p->waiters)) != NULL) {
			TAILQ_REMOVE(&p->waiters, w, entry);
			free(w);
		}
		free(p->key);
		free(p);
	}
}
