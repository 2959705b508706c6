/*
 * proxy_cache_serve.c: serving a hit: the stored fields with Age and the
 * framing, the body by reference (memory) or as a file segment (disk),
 * and the validators a stale object is checked with.
 */
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "http_field.h"
#include "log.h"
#include "xmalloc.h"
#include "proxy_cache_int.h"

static int	emit_field(struct evbuffer *, const struct http_header *);
static int	emit_num(struct evbuffer *, const char *, uint64_t,
		    const char *);
static void	body_unref_cb(const void *, size_t, void *);

/*
 * Write one field line. Without printf: a hit writes a dozen of these,
 * and formatting them was a third of a small hit's instructions.
 */
static int
emit_field(struct evbuffer *out, const struct http_header *h)
{
	struct iovec	v[HTTP_FIELD_IOV];
	int		i;

	http_field_iov(h, v);
	for (i = 0; i < HTTP_FIELD_IOV; i++)
		if (evbuffer_add(out, v[i].iov_base, v[i].iov_len) == -1)
			return (-1);
	return (0);
}

/* Write pre, the decimal number v, then post. */
static int
emit_num(struct evbuffer *out, const char *pre, uint64_t v, const char *post)
{
	char	d[HTTP_DECIMAL_MAX], *p = http_decimal(d, v);

	return (evbuffer_add(out, pre, strlen(pre)) == -1 ||
	    evbuffer_add(out, p, (size_t)(d + sizeof d - p)) == -1 ||
	    evbuffer_add(out, post, strlen(post)) == -1 ? -1 : 0);
}

/*
 * Write the field lines of a hit: for 304 only those RFC 9110 §15.4.5
 * keeps; else the stored fields with our own Content-Length (and
 * Content-Range for a 206 and for our own 416, an unsatisfiable range;
 * a stored 416 is the origin's and goes out as stored); always Age.
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
		    ((ans->status == 206 || ans->range_bad) &&
		    http_header_is(&o->hdrs[i], "content-range")))
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
	if (emit_num(out, "Age: ", ans->age > 0 ? ans->age : 0, "\r\n") == -1)
		return (-1);
	switch (ans->status) {
	case 304:
	case 204:
		return (0);
	case 206:
		return (emit_num(out, "Content-Range: bytes ", ans->range_start,
		    "-") == -1 || emit_num(out, "", ans->range_start +
		    ans->range_len - 1, "/") == -1 || emit_num(out, "",
		    o->body_len, "\r\n") == -1 || emit_num(out,
		    "Content-Length: ", ans->range_len, "\r\n") == -1 ? -1 : 0);
	case 416:
		if (!ans->range_bad)
			break;
		return (emit_num(out, "Content-Range: bytes */", o->body_len,
		    "\r\nContent-Length: 0\r\n"));
	}
	return (emit_num(out, "Content-Length: ", o->body_len, "\r\n"));
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
	if (ans->head || ans->status == 304 || ans->range_bad ||
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
