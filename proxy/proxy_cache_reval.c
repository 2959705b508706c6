/*
 * proxy_cache_reval.c: revalidation: a 304 refreshes the stored head
 * (RFC 9111 section 4.3.4), a HEAD 200 updates it or drops it, and a
 * failed origin may be replaced by a stale object (stale-if-error).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "log.h"
#include "xmalloc.h"
#include "proxy_cache_int.h"

static struct cache_obj *refresh(struct cache *, struct cache_obj *,
		    const struct cache_resp *);

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
	cache_answer_hit(ans, rq, now);
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
	cache_remove_key(c, key);
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
	if (o == NULL || !cache_stale_allowed(o))
		return (0);
	cache_cc_parse(rq->hdrs, rq->nhdrs, 1, &rcc);
	limit = rcc.sie >= 0 ? rcc.sie : o->cc.sie;
	stale = cache_current_age(&o->times, now) - o->times.lifetime;
	if (limit < 0 || stale > limit)
		return (0);
	cache_answer_hit(ans, rq, now);
	ans->code = CACHE_TCP_REFRESH_FAIL_OLD;
	ans->why = "stale-if-error";
	return (1);
}
