/*
 * proxy_cache.c: the cache as the proxy sees it: lookup decisions over
 * both tiers, serving hits, storing as bodies stream, revalidation,
 * collapsed forwarding, invalidation, purge, statistics and log codes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "ev.h"
#include "log.h"
#include "xmalloc.h"
#include "proxy_cache_int.h"

struct cache_waiter {
	struct cache_pending		*p;
	cache_wait_cb			 cb;
	void				*arg;
	TAILQ_ENTRY(cache_waiter)	 entry;
};

struct cache_pending {
	char				*key;
	TAILQ_HEAD(, cache_waiter)	 waiters;
	RB_ENTRY(cache_pending)		 entry;
};

RB_HEAD(pending_tree, cache_pending);

struct cache {
	struct cache_conf		 conf;
	struct cache_mem		*mem;
	struct cache_disk		*disk;
	struct pending_tree		 pending;
	uint64_t			 stores;
	uint64_t			 codes[CACHE_NCODES];
};

struct cache_store {
	struct cache			*c;
	struct cache_obj		*obj;
	struct cache_disk_writer	*w;
	uint64_t			 len;
	int64_t				 expect;	/* Content-Length */
	int				 failed;
};

static const char *const code_names[CACHE_NCODES] = {
	"NONE", "TCP_HIT", "TCP_MEM_HIT", "TCP_IMS_HIT", "TCP_STALE_HIT",
	"TCP_REFRESH_UNMODIFIED", "TCP_REFRESH_MODIFIED",
	"TCP_REFRESH_FAIL_OLD", "TCP_REFRESH_FAIL_ERR",
	"TCP_CLIENT_REFRESH_MISS", "TCP_SWAPFAIL_MISS", "TCP_MISS",
	"TCP_CF_MISS", "TCP_DENIED", "TCP_TUNNEL"
};

static int	pending_cmp(struct cache_pending *, struct cache_pending *);
static struct cache_pending *pending_find(struct cache *, const char *);
static int	pending_join(struct cache *, const char *, cache_wait_cb,
		    void *, struct cache_answer *);
static void	answer_hit(struct cache_answer *, const struct cache_req *,
		    time_t);
static int	stale_allowed(const struct cache_obj *);
static int	has_validator(const struct cache_obj *);
static void	body_unref_cb(const void *, size_t, void *);
static int	emit_field(struct evbuffer *, const struct http_header *);
static int	remove_key(struct cache *, const char *);
static int	add_date(char **, size_t *, time_t);
static struct cache_obj *refresh(struct cache *, struct cache_obj *,
		    const struct cache_resp *);

RB_GENERATE_STATIC(pending_tree, cache_pending, entry, pending_cmp);

/* Order pending fetches by key. */
static int
pending_cmp(struct cache_pending *a, struct cache_pending *b)
{
	return (strcmp(a->key, b->key));
}

/*
 * Fill cache settings from the proxy block of the config (durations there
 * are milliseconds, here seconds). The strings stay owned by the config.
 */
void
cache_conf_from_cfg(const struct cfg_proxy *px, struct cache_conf *conf)
{
	memset(conf, 0, sizeof *conf);
	conf->mem_max = px->cache_memory;
	conf->dir = px->cache_dir;
	conf->dir_max = px->cache_dir_size;
	conf->max_object = px->cache_max_object;
	conf->heuristic_max = px->cache_heuristic_max / 1000;
}

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
	return (0);
}

/* Free a cache; pending fetches and their waiters are dropped silently. */
void
cache_free(struct cache *c)
{
	struct cache_pending	*p;
	struct cache_waiter	*w;

	if (c == NULL)
		return;
	while ((p = RB_ROOT(&c->pending)) != NULL) {
		RB_REMOVE(pending_tree, &c->pending, p);
		while ((w = TAILQ_FIRST(&p->waiters)) != NULL) {
			TAILQ_REMOVE(&p->waiters, w, entry);
			free(w);
		}
		free(p->key);
		free(p);
	}
	cache_mem_free(c->mem);
	cache_disk_close(c->disk);
	free((char *)c->conf.dir);
	free(c);
}

/* Find the pending fetch of a key. */
static struct cache_pending *
pending_find(struct cache *c, const char *key)
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
static int
pending_join(struct cache *c, const char *key, cache_wait_cb cb, void *arg,
    struct cache_answer *ans)
{
	struct cache_pending	*p;
	struct cache_waiter	*w;

	if ((p = pending_find(c, key)) != NULL) {
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

/* Tell whether a stale object may ever be served (RFC 9111 §4.2.4). */
static int
stale_allowed(const struct cache_obj *o)
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
static void
answer_hit(struct cache_answer *ans, const struct cache_req *rq, time_t now)
{
	struct cache_obj	*o = ans->obj;
	const struct http_header	*range, *ifr, *etag, *lm;
	time_t			 t1, t2;
	int			 r, use_range = 1;

	ans->action = CACHE_ACT_HIT;
	ans->age = cache_current_age(&o->times, now);
	ans->status = o->status;
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
		answer_hit(ans, rq, now);
		goto out;
	}
	if (!fresh && stale_allowed(o) && !rcc.no_cache &&
	    (rcc.max_age < 0 || age <= rcc.max_age || rcc.max_stale >= 0)) {
		if (rcc.max_stale >= 0 && stale <= rcc.max_stale) {
			ans->code = ans->tier == CACHE_TIER_MEM ?
			    CACHE_TCP_MEM_HIT : CACHE_TCP_HIT;
			ans->why = "stale, within the client's max-stale";
			answer_hit(ans, rq, now);
			goto out;
		}
		if (o->cc.swr >= 0 && stale <= o->cc.swr) {
			ans->code = CACHE_TCP_STALE_HIT;
			ans->why = "stale-while-revalidate";
			answer_hit(ans, rq, now);
			if (ans->code == CACHE_TCP_IMS_HIT)
				ans->code = CACHE_TCP_STALE_HIT;
			/* One background revalidation at a time. */
			if (pending_find(c, key) == NULL &&
			    pending_join(c, key, NULL, NULL, ans) == 0)
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
	if ((rv = pending_join(c, key, cb, arg, ans)) == 1) {
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

/* Write one field line. */
static int
emit_field(struct evbuffer *out, const struct http_header *h)
{
	return (evbuffer_add_printf(out, "%.*s: %.*s\r\n", (int)h->name_len,
	    h->name, (int)h->value_len, h->value) < 0 ? -1 : 0);
}

/*
 * Write the field lines of a hit: for 304 only those RFC 9110 §15.4.5
 * keeps; else the stored fields with our own Content-Length (and
 * Content-Range for 206 and 416); always Age.
 */
int
cache_hit_fields(const struct cache_answer *ans, struct evbuffer *out)
{
	static const char *const keep304[] = { "cache-control",
	    "content-location", "date", "etag", "expires", "vary",
	    "last-modified", NULL };
	const struct cache_obj	*o = ans->obj;
	size_t			 i;
	int			 k, keep;

	if (o == NULL)
		return (-1);
	for (i = 0; i < o->nhdrs; i++) {
		if (http_header_is(&o->hdrs[i], "content-length") ||
		    http_header_is(&o->hdrs[i], "content-range"))
			continue;
		if (ans->status == 304) {
			keep = 0;
			for (k = 0; keep304[k] != NULL; k++)
				if (http_header_is(&o->hdrs[i], keep304[k]))
					keep = 1;
			if (!keep)
				continue;
		}
		if (emit_field(out, &o->hdrs[i]) == -1)
			return (-1);
	}
	if (evbuffer_add_printf(out, "Age: %" PRId64 "\r\n", ans->age) < 0)
		return (-1);
	switch (ans->status) {
	case 304:
	case 204:
		return (0);
	case 206:
		return (evbuffer_add_printf(out, "Content-Range: bytes %"
		    PRIu64 "-%" PRIu64 "/%" PRIu64 "\r\nContent-Length: %"
		    PRIu64 "\r\n", ans->range_start, ans->range_start +
		    ans->range_len - 1, o->body_len, ans->range_len) < 0 ?
		    -1 : 0);
	case 416:
		return (evbuffer_add_printf(out, "Content-Range: bytes */%"
		    PRIu64 "\r\nContent-Length: 0\r\n", o->body_len) < 0 ?
		    -1 : 0);
	}
	return (evbuffer_add_printf(out, "Content-Length: %" PRIu64 "\r\n",
	    o->body_len) < 0 ? -1 : 0);
}

/* Drop the reference a body slice holds once the output has sent it. */
static void
body_unref_cb(const void *data, size_t len, void *arg)
{
	cache_obj_unref(arg);
}

/*
 * Add the body of a hit (or its range) to an output buffer without
 * copying: by reference to the frozen memory body, or as a file segment
 * that libevent sends with sendfile. Nothing for HEAD, 304 and 416.
 */
int
cache_hit_body(const struct cache_answer *ans, struct evbuffer *out)
{
	struct cache_obj		*o = ans->obj;
	struct evbuffer			*body;
	struct evbuffer_file_segment	*seg;
	struct evbuffer_ptr		 ptr;
	struct evbuffer_iovec		 v[16];
	uint64_t			 left;
	int				 i, n;

	if (o == NULL)
		return (-1);
	if (ans->head || ans->status == 304 || ans->status == 416 ||
	    ans->status == 204 || ans->range_len == 0)
		return (0);
	if ((body = cache_obj_membody(o)) != NULL) {
		if (ans->range_start == 0 && ans->range_len == o->body_len)
			return (evbuffer_add_buffer_reference(out, body));
		if (evbuffer_ptr_set(body, &ptr, ans->range_start,
		    EVBUFFER_PTR_SET) == -1)
			return (-1);
		for (left = ans->range_len; left > 0; ) {
			n = evbuffer_peek(body, left, &ptr, v, 16);
			if (n <= 0)
				return (-1);
			for (i = 0; i < n && i < 16 && left > 0; i++) {
				if (v[i].iov_len > left)
					v[i].iov_len = left;
				cache_obj_ref(o);
				if (evbuffer_add_reference(out, v[i].iov_base,
				    v[i].iov_len, body_unref_cb, o) == -1) {
					cache_obj_unref(o);
					return (-1);
				}
				left -= v[i].iov_len;
				if (evbuffer_ptr_set(body, &ptr,
				    v[i].iov_len, EVBUFFER_PTR_ADD) == -1 &&
				    left > 0)
					return (-1);
			}
		}
		return (0);
	}
	if ((seg = cache_obj_segment(o)) == NULL)
		return (-1);
	return (evbuffer_add_file_segment(out, seg, ans->range_start,
	    ans->range_len));
}

/*
 * Add the conditional fields for validating a stored object: If-None-Match
 * with its ETag, If-Modified-Since with its Last-Modified. Returns how
 * many were written.
 */
int
cache_validators(const struct cache_obj *o, struct evbuffer *out)
{
	const struct http_header	*h;
	int			 n = 0;

	if ((h = cache_hdr_find(o->hdrs, o->nhdrs, "etag", NULL)) != NULL) {
		evbuffer_add_printf(out, "If-None-Match: %.*s\r\n",
		    (int)h->value_len, h->value);
		n++;
	}
	if ((h = cache_hdr_find(o->hdrs, o->nhdrs, "last-modified", NULL)) !=
	    NULL) {
		evbuffer_add_printf(out, "If-Modified-Since: %.*s\r\n",
		    (int)h->value_len, h->value);
		n++;
	}
	return (n);
}

/*
 * Refresh a stored object's head from a 304 or HEAD response: merged
 * fields, times of this exchange, the same body; the new object replaces
 * the old in both tiers. Returns it referenced, or NULL.
 */
static struct cache_obj *
refresh(struct cache *c, struct cache_obj *o, const struct cache_resp *rs)
{
	struct cache_obj	*n;
	const struct http_header	*age;
	struct cache_times	 t;
	char			*fields;
	size_t			 flen;
	int64_t			 a;

	if (cache_merge_304(o->hdrs, o->nhdrs, rs->hdrs, rs->nhdrs, &fields,
	    &flen) == -1)
		return (NULL);
	n = cache_obj_new(o->key, o->vary, o->vkey, o->status, fields, flen,
	    &o->times);
	free(fields);
	if (n == NULL)
		return (NULL);
	cache_times_init(&t, o->status, n->hdrs, n->nhdrs, rs->request_time,
	    rs->response_time, c->conf.heuristic_max);
	/* The stored Age was not kept: only this exchange's counts. */
	t.age_value = 0;
	if ((age = cache_hdr_find(rs->hdrs, rs->nhdrs, "age", NULL)) != NULL &&
	    (a = cache_delta_parse(age->value, age->value_len)) >= 0)
		t.age_value = a;
	n->times = t;
	n->body_len = o->body_len;
	n->body_from = cache_obj_ref(o->body_from ? o->body_from : o);

	if (c->disk != NULL && o->disk_id != 0 &&
	    cache_disk_rewrite(c->disk, n, o) == -1)
		cache_disk_remove_key(c->disk, o->key);
	if (c->mem != NULL) {
		cache_mem_remove(c->mem, o);
		if (cache_obj_membody(n) != NULL)
			cache_mem_insert(c->mem, n);
	}
	log_debug("cache: %s refreshed by a %d, lifetime %" PRId64 "s",
	    n->key, rs->status, t.lifetime);
	return (n);
}

/*
 * Apply a 304 that answers a validation (RFC 9111 §4.3.3, §4.3.4): the
 * stored head is updated (never Content-Length and the like), the times
 * restart from this exchange, and the answer becomes a hit on the
 * refreshed object (TCP_REFRESH_UNMODIFIED). -1 when the 304 does not
 * select the stored response (its strong ETag differs): fetch again.
 */
int
cache_revalidated(struct cache *c, struct cache_answer *ans,
    const struct cache_req *rq, const struct cache_resp *rs, time_t now)
{
	struct cache_obj	*o = ans->obj, *n;
	const struct http_header	*e1, *e2;

	if (o == NULL || rs->status != 304)
		return (-1);
	e1 = cache_hdr_find(o->hdrs, o->nhdrs, "etag", NULL);
	e2 = cache_hdr_find(rs->hdrs, rs->nhdrs, "etag", NULL);
	if (e2 != NULL && (e1 == NULL || !cache_etag_list_match(e2->value,
	    e2->value_len, e1->value, e1->value_len, 1))) {
		log_debug("cache: 304 for %s selects another response",
		    o->key);
		return (-1);
	}
	if ((n = refresh(c, o, rs)) == NULL)
		return (-1);
	cache_obj_unref(o);
	ans->obj = n;
	ans->code = CACHE_TCP_REFRESH_UNMODIFIED;
	ans->why = "validated";
	answer_hit(ans, rq, now);
	if (ans->code == CACHE_TCP_IMS_HIT)
		ans->code = CACHE_TCP_REFRESH_UNMODIFIED;
	return (0);
}

/*
 * Use a 200 answering a HEAD the proxy forwarded (RFC 9111 §4.3.5): the
 * stored GET response that request would select is refreshed when the
 * validators received match it (and Content-Length, if sent, equals its
 * length), else it is dropped as no longer current. Returns 1 refreshed,
 * 0 dropped or nothing stored.
 */
int
cache_head_update(struct cache *c, const struct cache_req *rq,
    const struct cache_resp *rs)
{
	struct cache_obj	*o = NULL, *n;
	const struct http_header	*v1, *v2;
	const char		*names[] = { "etag", "last-modified" };
	char			*key;
	int64_t			 cl;
	int			 corrupt, i, seen = 0, match = 1;

	if (strcmp(rq->method, "HEAD") != 0 || rs->status != 200 ||
	    cache_uri_normalise(rq->uri, &key) == -1)
		return (0);
	if (c->mem != NULL)
		o = cache_mem_lookup(c->mem, key, rq);
	if (o == NULL && c->disk != NULL)
		o = cache_disk_lookup(c->disk, key, rq, 0, &corrupt);
	if (o == NULL) {
		free(key);
		return (0);
	}
	for (i = 0; i < 2; i++) {
		if ((v2 = cache_hdr_find(rs->hdrs, rs->nhdrs, names[i],
		    NULL)) == NULL)
			continue;
		seen = 1;
		v1 = cache_hdr_find(o->hdrs, o->nhdrs, names[i], NULL);
		if (v1 == NULL || v1->value_len != v2->value_len ||
		    memcmp(v1->value, v2->value, v1->value_len) != 0)
			match = 0;
	}
	if ((v2 = cache_hdr_find(rs->hdrs, rs->nhdrs, "content-length",
	    NULL)) != NULL && ((cl = cache_delta_parse(v2->value,
	    v2->value_len)) < 0 || (uint64_t)cl != o->body_len))
		match = 0;
	if (seen && match && (n = refresh(c, o, rs)) != NULL) {
		cache_obj_unref(n);
		cache_obj_unref(o);
		free(key);
		return (1);
	}
	log_debug("cache: HEAD %s does not match the stored response, "
	    "dropped", key);
	remove_key(c, key);
	cache_obj_unref(o);
	free(key);
	return (0);
}

/*
 * After a validation failed (5xx or no answer), tell whether the stale
 * object may be served (RFC 5861 stale-if-error, from the response or the
 * request, and never against must-revalidate and the like). On 1 the
 * answer is a hit coded TCP_REFRESH_FAIL_OLD; on 0 it is coded
 * TCP_REFRESH_FAIL_ERR and the error goes to the client.
 */
int
cache_stale_if_error(struct cache_answer *ans, const struct cache_req *rq,
    time_t now)
{
	struct cache_obj	*o = ans->obj;
	struct cache_cc		 rcc;
	int64_t			 stale, limit;

	ans->code = CACHE_TCP_REFRESH_FAIL_ERR;
	if (o == NULL || !stale_allowed(o))
		return (0);
	cache_cc_parse(rq->hdrs, rq->nhdrs, 1, &rcc);
	limit = rcc.sie >= 0 ? rcc.sie : o->cc.sie;
	stale = cache_current_age(&o->times, now) - o->times.lifetime;
	if (limit < 0 || stale > limit)
		return (0);
	answer_hit(ans, rq, now);
	ans->code = CACHE_TCP_REFRESH_FAIL_OLD;
	ans->why = "stale-if-error";
	return (1);
}

/* Append a Date field line for time t to stored fields. */
static int
add_date(char **fields, size_t *flen, time_t t)
{
	char	 date[64], *n;
	size_t	 dlen;

	if ((dlen = cache_date_format(t, date, sizeof date)) == 0)
		return (-1);
	if ((n = realloc(*fields, *flen + dlen + 9)) == NULL)
		return (-1);
	memcpy(n + *flen, "Date: ", 6);
	memcpy(n + *flen + 6, date, dlen);
	memcpy(n + *flen + 6 + dlen, "\r\n", 3);
	*flen += dlen + 8;
	*fields = n;
	return (0);
}

/*
 * Start storing a response as it streams. NULL with *why when the
 * response must not (or cannot) be stored; the proxy just forwards it.
 */
struct cache_store *
cache_store_begin(struct cache *c, const struct cache_req *rq,
    const struct cache_resp *rs, const char **why)
{
	struct cache_store	*st = NULL;
	const struct http_header	*cl;
	struct cache_times	 t;
	char			*key = NULL, *vary = NULL, *vkey = NULL;
	char			*fields = NULL;
	size_t			 flen;
	int64_t			 expect = -1;

	if (c->mem == NULL && c->disk == NULL) {
		*why = "no cache storage configured";
		return (NULL);
	}
	if (!cache_storable(rq, rs, c->conf.heuristic_max, why))
		goto fail;
	if ((cl = cache_hdr_find(rs->hdrs, rs->nhdrs, "content-length",
	    NULL)) != NULL) {
		expect = cache_delta_parse(cl->value, cl->value_len);
		if (expect < 0) {
			*why = "invalid Content-Length";
			goto fail;
		}
		if ((uint64_t)expect > c->conf.max_object) {
			*why = "larger than cache-max-object";
			goto fail;
		}
	}
	*why = "out of memory";
	if (cache_uri_normalise(rq->uri, &key) == -1) {
		*why = "URI not cacheable";
		goto fail;
	}
	if (cache_vary_names(rs->hdrs, rs->nhdrs, &vary) == -1 ||
	    cache_vary_key(vary, rq->hdrs, rq->nhdrs, &vkey) != 0 ||
	    cache_obj_fields(rs->hdrs, rs->nhdrs, &fields, &flen) == -1)
		goto fail;
	/* A cached response without Date gets one (RFC 9110 §6.6.1). */
	if (cache_hdr_find(rs->hdrs, rs->nhdrs, "date", NULL) == NULL &&
	    add_date(&fields, &flen, rs->response_time) == -1)
		goto fail;
	cache_times_init(&t, rs->status, rs->hdrs, rs->nhdrs, rs->request_time,
	    rs->response_time, c->conf.heuristic_max);
	if ((st = calloc(1, sizeof *st)) == NULL)
		goto fail;
	st->c = c;
	st->expect = expect;
	if ((st->obj = cache_obj_new(key, vary, vkey, rs->status, fields, flen,
	    &t)) == NULL)
		goto fail;
	if (c->mem != NULL && (expect < 0 ||
	    (uint64_t)expect <= cache_mem_max_object(c->mem)) &&
	    (st->obj->body = evbuffer_new()) == NULL)
		goto fail;
	if (c->disk != NULL)
		st->w = cache_disk_write_begin(c->disk, st->obj);
	if (st->obj->body == NULL && st->w == NULL) {
		*why = "too large for memory and no disk";
		goto fail;
	}
	free(key);
	free(vary);
	free(vkey);
	free(fields);
	*why = "storing";
	log_debug("cache: storing %s (status %d, lifetime %" PRId64 "s%s)",
	    st->obj->key, rs->status, t.lifetime,
	    t.heuristic ? ", heuristic" : "");
	return (st);
fail:
	log_debug("cache: not storing %s: %s", rq->uri, *why);
	if (st != NULL)
		cache_store_abort(st);
	free(key);
	free(vary);
	free(vkey);
	free(fields);
	return (NULL);
}

/* Append body bytes as they pass to the client. -1: storing gave up. */
int
cache_store_append(struct cache_store *st, const void *buf, size_t len)
{
	struct cache	*c = st->c;

	if (st->failed)
		return (-1);
	if (st->len + len > c->conf.max_object) {
		log_debug("cache: %s exceeds cache-max-object, not stored",
		    st->obj->key);
		st->failed = 1;
		return (-1);
	}
	st->len += len;
	if (st->obj->body != NULL) {
		if (st->len > cache_mem_max_object(c->mem) ||
		    evbuffer_add(st->obj->body, buf, len) == -1) {
			evbuffer_free(st->obj->body);
			st->obj->body = NULL;
		}
	}
	if (st->w != NULL && cache_disk_write(st->w, buf, len) == -1) {
		cache_disk_write_abort(st->w);
		st->w = NULL;
	}
	if (st->obj->body == NULL && st->w == NULL)
		st->failed = 1;
	return (st->failed ? -1 : 0);
}

/* Append the bytes of a buffer without draining it. */
int
cache_store_append_buffer(struct cache_store *st, struct evbuffer *buf)
{
	struct evbuffer_iovec	*v;
	int			 i, n, rv = 0;

	if ((n = evbuffer_peek(buf, -1, NULL, NULL, 0)) <= 0)
		return (st->failed ? -1 : 0);
	if ((v = calloc(n, sizeof *v)) == NULL) {
		st->failed = 1;
		return (-1);
	}
	n = evbuffer_peek(buf, -1, NULL, v, n);
	for (i = 0; i < n && rv == 0; i++)
		rv = cache_store_append(st, v[i].iov_base, v[i].iov_len);
	free(v);
	return (rv);
}

/*
 * Complete a store: the object becomes visible, replacing the same
 * variant. A body whose length differs from Content-Length is dropped.
 * The store handle is freed either way.
 */
int
cache_store_end(struct cache_store *st, const char **why)
{
	struct cache	*c = st->c;
	struct cache_obj *o = st->obj;
	int		 in_mem = 0, on_disk = 0;

	*why = "stored";
	if (st->failed) {
		*why = "storing failed or object too large";
		goto fail;
	}
	if (st->expect >= 0 && (uint64_t)st->expect != st->len) {
		*why = "body length differs from Content-Length";
		goto fail;
	}
	o->body_len = st->len;
	if (st->w != NULL) {
		on_disk = cache_disk_write_end(st->w, &o->disk_id) == 0;
		st->w = NULL;
	}
	if (o->body != NULL) {
		evbuffer_freeze(o->body, 0);
		evbuffer_freeze(o->body, 1);
		in_mem = cache_mem_insert(c->mem, o) == 0;
	}
	/* An older copy must not outlive the new one in the other tier. */
	if (!in_mem && c->mem != NULL)
		cache_mem_remove_key(c->mem, o->key);
	if (!on_disk && c->disk != NULL)
		cache_disk_remove_key(c->disk, o->key);
	if (!in_mem && !on_disk) {
		*why = "no tier accepted the object";
		goto fail;
	}
	c->stores++;
	log_debug("cache: stored %s, %" PRIu64 " bytes%s%s", o->key, st->len,
	    in_mem ? ", memory" : "", on_disk ? ", disk" : "");
	cache_obj_unref(o);
	free(st);
	return (0);
fail:
	log_debug("cache: %s not stored: %s", o->key, *why);
	st->failed = 1;
	cache_store_abort(st);
	return (-1);
}

/* Give up a store (truncated transfer, client abort): nothing is kept. */
void
cache_store_abort(struct cache_store *st)
{
	if (st == NULL)
		return;
	cache_disk_write_abort(st->w);
	cache_obj_unref(st->obj);
	free(st);
}

/* Remove every variant of a key from both tiers; returns how many. */
static int
remove_key(struct cache *c, const char *key)
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
	removed = remove_key(c, key);
	for (i = 0; fields[i] != NULL; i++) {
		if ((l = cache_hdr_find(h, n, fields[i], NULL)) == NULL ||
		    cache_uri_resolve(key, l->value, l->value_len,
		    &other) == -1)
			continue;
		if (cache_same_origin(key, other))
			removed += remove_key(c, other);
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
	n = remove_key(c, key);
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
