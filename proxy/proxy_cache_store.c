/*
 * proxy_cache_store.c: storing a response as its body streams to the
 * client, into the memory tier, the disk tier or both; the object becomes
 * visible only once it is complete.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "log.h"
#include "xmalloc.h"
#include "proxy_cache_int.h"

struct cache_store {
	struct cache			*c;
	struct cache_obj		*obj;
	struct cache_disk_writer	*w;
	uint64_t			 len;
	int64_t				 expect;	/* Content-Length */
	int				 failed;
};

static int	add_date(char **, size_t *, time_t);

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
	/*
	 * A shared cache must not hand one client's cookie to the next
	 * (RFC 9111 section 7.3; Squid and Varnish fetch such responses
	 * again): not stored, or stored without it (cache-set-cookie).
	 * private="Set-Cookie" is the origin saying the latter itself.
	 */
	if (!c->conf.strip_cookies && (cache_hdr_find(rs->hdrs, rs->nhdrs,
	    "set-cookie", NULL) != NULL || cache_hdr_find(rs->hdrs, rs->nhdrs,
	    "set-cookie2", NULL) != NULL) &&
	    !cache_cc_private_field(rs->hdrs, rs->nhdrs, "set-cookie", 10)) {
		*why = "response sets a cookie (cache-set-cookie no-store)";
		goto fail;
	}
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
