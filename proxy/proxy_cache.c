/*
 * proxy_cache.c: the cache as the proxy sees it: its life, lookup
 * decisions over both tiers, invalidation, purge, statistics and log
 * codes. Serving and revalidation are in proxy_cache_serve.c and
 * proxy_cache_reval.c, storing in proxy_cache_store.c, collapsed
 * forwarding in proxy_cache_pending.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "log.h"
#include "xmalloc.h"
#include "proxy_cache_int.h"

static const char *const code_names[CACHE_NCODES] = {
	"NONE", "TCP_HIT", "TCP_MEM_HIT", "TCP_IMS_HIT", "TCP_STALE_HIT",
	"TCP_REFRESH_UNMODIFIED", "TCP_REFRESH_MODIFIED",
	"TCP_REFRESH_FAIL_OLD", "TCP_REFRESH_FAIL_ERR",
	"TCP_CLIENT_REFRESH_MISS", "TCP_SWAPFAIL_MISS", "TCP_MISS",
	"TCP_CF_MISS", "TCP_DENIED", "TCP_TUNNEL"
};

static int	has_validator(const struct cache_obj *);

/*
 * Create a cache from its settings, opening (and indexing) the disk tier.
 * NULL with *cause when the cache directory cannot be used.
 */
struct cache *
cache_new(const struct cache_conf *conf, char **cause)
{
	struct cache	*c;

	c = xcalloc(1, sizeof *c);
	c->conf = *conf;
	c->conf.dir = NULL;
	RB_INIT(&c->pending);
	if (conf->mem_max > 0 && (c->mem = cache_mem_new(conf->mem_max)) ==
	    NULL) {
		xasprintf(cause, "out of memory");
		goto fail;
	}
	if (conf->dir != NULL) {
		c->conf.dir = xstrdup(conf->dir);
		if ((c->disk = cache_disk_open(conf->dir, conf->dir_max,
		    cause)) == NULL)
			goto fail;
	}
	return (c);
fail:
	cache_free(c);
	return (NULL);
}

/*
 * Apply new settings to a running cache (reload): sizes shrink or grow
 * in place, evicting the least recently used objects to fit; the object
 * size limit and heuristic bound apply to new stores. Adding or removing
 * a tier, or moving the cache directory, needs a restart: -1 with *why,
 * and nothing changes.
 */
int
cache_set_limits(struct cache *c, const struct cache_conf *conf,
    const char **why)
{
	if ((conf->mem_max > 0) != (c->mem != NULL)) {
		*why = "the memory tier is switched on or off";
		return (-1);
	}
	if ((conf->dir != NULL) != (c->disk != NULL) || (conf->dir != NULL &&
	    strcmp(conf->dir, c->conf.dir) != 0)) {
		*why = "the cache directory changed";
		return (-1);
	}
	if (c->mem != NULL && conf->mem_max != c->conf.mem_max)
		cache_mem_resize(c->mem, conf->mem_max);
	if (c->disk != NULL && conf->dir_max != c->conf.dir_max)
		cache_disk_resize(c->disk, conf->dir_max);
	c->conf.mem_max = conf->mem_max;
	c->conf.dir_max = conf->dir_max;
	c->conf.max_object = conf->max_object;
	c->conf.heuristic_max = conf->heuristic_max;
	c->conf.strip_cookies = conf->strip_cookies;
	return (0);
}

/* Free a cache; pending fetches and their waiters are dropped silently. */
void
cache_free(struct cache *c)
{
	if (c == NULL)
		return;
	cache_pending_free_all(c);
	cache_mem_free(c->mem);
	cache_disk_close(c->disk);
	free((char *)c->conf.dir);
	free(c);
}

/* Tell whether a stale object may ever be served (RFC 9111 §4.2.4). */
int
cache_stale_allowed(const struct cache_obj *o)
{
	return (!o->cc.must_revalidate && !o->cc.proxy_revalidate &&
	    o->cc.s_maxage < 0 && !o->cc.no_cache);
}

/* Tell whether an object can be validated. */
static int
has_validator(const struct cache_obj *o)
{
	return (cache_hdr_find(o->hdrs, o->nhdrs, "etag", NULL) != NULL ||
	    cache_hdr_find(o->hdrs, o->nhdrs, "last-modified", NULL) != NULL);
}

/*
 * Turn an answer holding a usable object into a hit: Age, the client's
 * conditional (304) and Range (206 or 416; If-Range must match a strong
 * validator or the whole object is sent).
 */
void
cache_answer_hit(struct cache_answer *ans, const struct cache_req *rq,
    time_t now)
{
	struct cache_obj	*o = ans->obj;
	const struct http_header	*range, *ifr, *etag, *lm;
	time_t			 t1, t2;
	int			 r, use_range = 1;

	ans->action = CACHE_ACT_HIT;
	ans->age = cache_current_age(&o->times, now);
	ans->status = o->status;
	ans->range_bad = 0;
	ans->range_start = 0;
	ans->range_len = o->body_len;
	if (cache_client_not_modified(rq, o->hdrs, o->nhdrs,
	    o->times.response_time)) {
		ans->status = 304;
		ans->code = CACHE_TCP_IMS_HIT;
		return;
	}
	if (o->status != 200 || (range = cache_hdr_find(rq->hdrs, rq->nhdrs,
	    "range", NULL)) == NULL || strcmp(rq->method, "GET") != 0)
		return;
	if ((ifr = cache_hdr_find(rq->hdrs, rq->nhdrs, "if-range", NULL)) !=
	    NULL) {
		etag = cache_hdr_find(o->hdrs, o->nhdrs, "etag", NULL);
		lm = cache_hdr_find(o->hdrs, o->nhdrs, "last-modified", NULL);
		if (ifr->value_len > 0 && (ifr->value[0] == '"' ||
		    ifr->value[0] == 'W'))
			use_range = etag != NULL && cache_etag_list_match(
			    ifr->value, ifr->value_len, etag->value,
			    etag->value_len, 0);
		else
			use_range = lm != NULL &&
			    cache_date_parse(ifr->value, ifr->value_len,
			    &t1) == 0 &&
			    cache_date_parse(lm->value, lm->value_len,
			    &t2) == 0 &&
			    t1 == t2;
	}
	if (!use_range)
		return;
	r = cache_range_parse(range->value, range->value_len, o->body_len,
	    &ans->range_start, &ans->range_len);
	if (r == CACHE_RANGE_OK)
		ans->status = 206;
	else if (r == CACHE_RANGE_BAD) {
		ans->status = 416;
		ans->range_bad = 1;
		ans->range_len = 0;
	}
}

/*
 * Decide how to answer a request (see proxy_cache.h). Returns 0; the
 * answer always says what to do, even when the cache fails internally.
 */
int
cache_lookup(struct cache *c, const struct cache_req *rq, time_t now,
    cache_wait_cb cb, void *arg, struct cache_answer *ans)
{
	struct cache_cc		 rcc;
	struct cache_obj	*o = NULL;
	char			*key = NULL;
	int64_t			 age, lifetime, stale;
	int			 corrupt = 0, fresh, usable, get, head, rv;
	int			 ranged;

	memset(ans, 0, sizeof *ans);
	ans->code = CACHE_TCP_MISS;
	get = strcmp(rq->method, "GET") == 0;
	head = strcmp(rq->method, "HEAD") == 0;
	ans->head = head;
	if (!get && !head) {
		ans->action = CACHE_ACT_PASS;
		ans->why = cache_method_safe(rq->method) ?
		    "method not served from cache" :
		    "unsafe method passes through";
		goto out;
	}
	if (cache_uri_normalise(rq->uri, &key) == -1) {
		ans->action = CACHE_ACT_PASS;
		ans->why = "URI not cacheable";
		goto out;
	}
	if (cache_hdr_find(rq->hdrs, rq->nhdrs, "if-match", NULL) != NULL ||
	    cache_hdr_find(rq->hdrs, rq->nhdrs, "if-unmodified-since",
	    NULL) != NULL) {
		ans->action = CACHE_ACT_PASS;
		ans->why = "precondition left to the origin";
		goto out;
	}
	ranged = cache_hdr_find(rq->hdrs, rq->nhdrs, "range", NULL) != NULL;
	cache_cc_parse(rq->hdrs, rq->nhdrs, 1, &rcc);

	if (c->mem != NULL && (o = cache_mem_lookup(c->mem, key, rq)) != NULL)
		ans->tier = CACHE_TIER_MEM;
	else if (c->disk != NULL && (o = cache_disk_lookup(c->disk, key, rq,
	    c->mem ? cache_mem_max_object(c->mem) : 0, &corrupt)) != NULL) {
		ans->tier = CACHE_TIER_DISK;
		/* Small objects move up to memory for the next hit. */
		if (c->mem != NULL && o->body != NULL)
			cache_mem_insert(c->mem, o);
	}

	if (o == NULL) {
		if (rcc.only_if_cached) {
			ans->action = CACHE_ACT_GATEWAY_TIMEOUT;
			ans->why = "only-if-cached and nothing stored";
			goto out;
		}
		ans->code = corrupt ? CACHE_TCP_SWAPFAIL_MISS : CACHE_TCP_MISS;
		if (ranged || head) {
			ans->action = ranged ? CACHE_ACT_PASS : CACHE_ACT_MISS;
			ans->why = "not stored";
			goto out;
		}
		ans->action = CACHE_ACT_MISS;
		ans->why = "not stored";
		goto collapse;
	}

	ans->obj = o;
	age = cache_current_age(&o->times, now);
	lifetime = o->times.lifetime;
	fresh = lifetime > age;
	stale = fresh ? 0 : age - lifetime;
	usable = fresh && !o->cc.no_cache && !rcc.no_cache;
	/*
	 * Ages have one-second resolution, so a request max-age=0 (what
	 * browsers send on reload) means "validate", as clients intend.
	 */
	if (usable && rcc.max_age >= 0 && (age > rcc.max_age ||
	    rcc.max_age == 0))
		usable = 0;
	if (usable && rcc.min_fresh >= 0 && lifetime - age < rcc.min_fresh)
		usable = 0;
	if (usable) {
		ans->code = ans->tier == CACHE_TIER_MEM ? CACHE_TCP_MEM_HIT :
		    CACHE_TCP_HIT;
		ans->why = "fresh";
		cache_answer_hit(ans, rq, now);
		goto out;
	}
	if (!fresh && cache_stale_allowed(o) && !rcc.no_cache &&
	    (rcc.max_age < 0 || age <= rcc.max_age || rcc.max_stale >= 0)) {
		if (rcc.max_stale >= 0 && stale <= rcc.max_stale) {
			ans->code = ans->tier == CACHE_TIER_MEM ?
			    CACHE_TCP_MEM_HIT : CACHE_TCP_HIT;
			ans->why = "stale, within the client's max-stale";
			cache_answer_hit(ans, rq, now);
			goto out;
		}
		if (o->cc.swr >= 0 && stale <= o->cc.swr) {
			ans->code = CACHE_TCP_STALE_HIT;
			ans->why = "stale-while-revalidate";
			cache_answer_hit(ans, rq, now);
			if (ans->code == CACHE_TCP_IMS_HIT)
				ans->code = CACHE_TCP_STALE_HIT;
			/* One background revalidation at a time. */
			if (cache_pending_find(c, key) == NULL &&
			    cache_pending_join(c, key, NULL, NULL, ans) == 0)
				ans->action = CACHE_ACT_STALE_REVALIDATE;
			goto out;
		}
	}
	if (rcc.only_if_cached) {
		ans->action = CACHE_ACT_GATEWAY_TIMEOUT;
		ans->why = "only-if-cached and the stored response is stale";
		cache_obj_unref(o);
		ans->obj = NULL;
		goto out;
	}
	if (ranged) {
		ans->action = CACHE_ACT_PASS;
		ans->why = "range of an object needing validation";
		cache_obj_unref(o);
		ans->obj = NULL;
		goto out;
	}
	if (has_validator(o)) {
		ans->action = CACHE_ACT_VALIDATE;
		ans->code = rcc.no_cache ? CACHE_TCP_CLIENT_REFRESH_MISS :
		    CACHE_TCP_REFRESH_MODIFIED;
		ans->why = rcc.no_cache ? "client asked for validation" :
		    (o->cc.no_cache ? "response requires validation" :
		    (fresh ? "client limits on age" : "stale"));
	} else {
		ans->action = CACHE_ACT_MISS;
		ans->code = rcc.no_cache ? CACHE_TCP_CLIENT_REFRESH_MISS :
		    CACHE_TCP_MISS;
		ans->why = "stale without validator";
		cache_obj_unref(o);
		ans->obj = NULL;
	}
	if (head)
		goto out;

collapse:
	/*
	 * Their responses are not shared (Authorization, no-store) or may
	 * be a bare 304 (the client's own conditionals on a miss): they
	 * neither lead nor wait.
	 */
	if (rcc.no_store ||
	    cache_hdr_find(rq->hdrs, rq->nhdrs, "authorization", NULL) !=
	    NULL || (ans->obj == NULL && (cache_hdr_find(rq->hdrs, rq->nhdrs,
	    "if-none-match", NULL) != NULL || cache_hdr_find(rq->hdrs,
	    rq->nhdrs, "if-modified-since", NULL) != NULL)))
		goto out;
	if ((rv = cache_pending_join(c, key, cb, arg, ans)) == 1) {
		ans->action = CACHE_ACT_WAIT;
		ans->code = CACHE_TCP_CF_MISS;
		ans->why = "waiting for the same fetch";
		if (ans->obj != NULL) {
			cache_obj_unref(ans->obj);
			ans->obj = NULL;
		}
	}

out:
	log_debug("cache: %s %s: %s, %s", rq->method, key ? key : rq->uri,
	    ans->why, cache_code_name(ans->code));
	free(key);
	return (0);
}

/* Drop the object reference an answer holds. */
void
cache_answer_clear(struct cache_answer *ans)
{
	if (ans->obj != NULL)
		cache_obj_unref(ans->obj);
	ans->obj = NULL;
}

/* Remove every variant of a key from both tiers; returns how many. */
int
cache_remove_key(struct cache *c, const char *key)
{
	int	 n = 0;

	if (c->mem != NULL)
		n += cache_mem_remove_key(c->mem, key);
	if (c->disk != NULL)
		n += cache_disk_remove_key(c->disk, key);
	return (n);
}

/*
 * After an unsafe request got a non-error response (status), invalidate
 * the target URI and the same-origin Location and Content-Location of the
 * response (RFC 9111 §4.4). Returns how many objects were removed.
 */
int
cache_invalidate(struct cache *c, const struct cache_req *rq, int status,
    const struct http_header *h, size_t n)
{
	static const char *const fields[] = { "location", "content-location",
	    NULL };
	const struct http_header	*l;
	char			*key, *other;
	int			 i, removed;

	if (cache_method_safe(rq->method) || status < 200 || status > 399)
		return (0);
	if (cache_uri_normalise(rq->uri, &key) == -1)
		return (0);
	removed = cache_remove_key(c, key);
	for (i = 0; fields[i] != NULL; i++) {
		if ((l = cache_hdr_find(h, n, fields[i], NULL)) == NULL ||
		    cache_uri_resolve(key, l->value, l->value_len,
		    &other) == -1)
			continue;
		if (cache_same_origin(key, other))
			removed += cache_remove_key(c, other);
		else
			log_debug("cache: %s %s not invalidated: other origin",
			    fields[i], other);
		free(other);
	}
	if (removed > 0)
		log_debug("cache: %s %s invalidated %d objects", rq->method,
		    key, removed);
	free(key);
	return (removed);
}

/* Remove a URL (every variant) on request; returns how many, -1 if bad. */
int
cache_purge(struct cache *c, const char *uri)
{
	char	*key;
	int	 n;

	if (cache_uri_normalise(uri, &key) == -1)
		return (-1);
	n = cache_remove_key(c, key);
	log_info("cache: purge %s: %d objects removed", key, n);
	free(key);
	return (n);
}

/* Record the outcome of one request for the statistics. */
void
cache_count(struct cache *c, enum cache_code code)
{
	if ((unsigned int)code < CACHE_NCODES)
		c->codes[code]++;
}

/* Fill the statistics. */
void
cache_get_stats(struct cache *c, struct cache_stats *s)
{
	uint64_t	 ev = 0, rej = 0;
	int		 i;

	memset(s, 0, sizeof *s);
	if (c->mem != NULL)
		cache_mem_stats(c->mem, &s->mem_objects, &s->mem_bytes,
		    &s->evictions);
	if (c->disk != NULL) {
		cache_disk_stats(c->disk, &s->disk_objects, &s->disk_bytes,
		    &ev, &rej);
		s->evictions += ev;
		s->disk_rejected = rej;
	}
	/* The disk tier holds a copy of every object in memory. */
	if (c->disk != NULL) {
		s->objects = s->disk_objects > s->mem_objects ?
		    s->disk_objects : s->mem_objects;
		s->bytes = s->disk_bytes;
	} else {
		s->objects = s->mem_objects;
		s->bytes = s->mem_bytes;
	}
	s->stores = c->stores;
	for (i = 0; i < CACHE_NCODES; i++) {
		s->codes[i] = c->codes[i];
		if (cache_code_is_hit(i))
			s->hits += c->codes[i];
		else if (i != CACHE_NONE && i != CACHE_TCP_DENIED &&
		    i != CACHE_TCP_TUNNEL)
			s->misses += c->codes[i];
	}
}

/* Return the Squid access-log tag of a code. */
const char *
cache_code_name(enum cache_code code)
{
	if ((unsigned int)code >= CACHE_NCODES)
		return ("NONE");
	return (code_names[code]);
}

/* Tell whether a code counts as a hit (no full fetch from the origin). */
int
cache_code_is_hit(enum cache_code code)
{
	switch (code) {
	case CACHE_TCP_HIT:
	case CACHE_TCP_MEM_HIT:
	case CACHE_TCP_IMS_HIT:
	case CACHE_TCP_STALE_HIT:
	case CACHE_TCP_REFRESH_UNMODIFIED:
	case CACHE_TCP_REFRESH_FAIL_OLD:
		return (1);
	default:
		return (0);
	}
}
