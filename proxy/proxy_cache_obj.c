/*
 * proxy_cache_obj.c: stored objects: creation from a response head,
 * reference counting, Vary matching and the checksum used on disk.
 */
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "http_field.h"
#include "proxy_cache_int.h"

static int	obj_parse_fields(struct cache_obj *);
static int	obj_connection_listed(const struct http_header *, size_t,
		    const struct http_header *);

/* Split the stored "Name: value\r\n" lines into the header view. */
static int
obj_parse_fields(struct cache_obj *o)
{
	char	*p, *end, *eol, *colon;
	size_t	 n = 0;

	for (p = o->fields, end = o->fields + o->fields_len; p < end; p++)
		if (*p == '\n')
			n++;
	if ((o->hdrs = calloc(n ? n : 1, sizeof *o->hdrs)) == NULL)
		return (-1);
	o->nhdrs = 0;
	for (p = o->fields; p < end; p = eol + 1) {
		if ((eol = memchr(p, '\n', end - p)) == NULL)
			break;
		if ((colon = memchr(p, ':', eol - p)) == NULL)
			continue;
		o->hdrs[o->nhdrs].name = p;
		o->hdrs[o->nhdrs].name_len = colon - p;
		colon++;
		while (colon < eol && (*colon == ' ' || *colon == '\t'))
			colon++;
		o->hdrs[o->nhdrs].value = colon;
		o->hdrs[o->nhdrs].value_len = eol - colon;
		if (o->hdrs[o->nhdrs].value_len > 0 && eol[-1] == '\r')
			o->hdrs[o->nhdrs].value_len--;
		o->nhdrs++;
	}
	return (0);
}

/*
 * Create an object (one reference, no body) from a key, Vary names,
 * secondary key, status, stored field lines and times. NULL when out of
 * memory.
 */
struct cache_obj *
cache_obj_new(const char *key, const char *vary, const char *vkey,
    int status, const char *fields, size_t flen,
    const struct cache_times *t)
{
	struct cache_obj	*o;

	if ((o = calloc(1, sizeof *o)) == NULL)
		return (NULL);
	o->refcnt = 1;
	o->status = status;
	o->times = *t;
	if ((o->key = strdup(key)) == NULL ||
	    (vary != NULL && (o->vary = strdup(vary)) == NULL) ||
	    (vkey != NULL && (o->vkey = strdup(vkey)) == NULL) ||
	    (o->fields = malloc(flen + 1)) == NULL)
		goto fail;
	memcpy(o->fields, fields, flen);
	o->fields[flen] = '\0';
	o->fields_len = flen;
	if (obj_parse_fields(o) == -1)
		goto fail;
	cache_cc_parse(o->hdrs, o->nhdrs, 0, &o->cc);
	return (o);
fail:
	cache_obj_unref(o);
	return (NULL);
}

/* Take a reference. */
struct cache_obj *
cache_obj_ref(struct cache_obj *o)
{
	o->refcnt++;
	return (o);
}

/* Drop a reference; the last one frees the object. */
void
cache_obj_unref(struct cache_obj *o)
{
	if (o == NULL || --o->refcnt > 0)
		return;
	if (o->body != NULL)
		evbuffer_free(o->body);
	if (o->seg != NULL)
		evbuffer_file_segment_free(o->seg);
	if (o->body_from != NULL)
		cache_obj_unref(o->body_from);
	free(o->hdrs);
	free(o->fields);
	free(o->vkey);
	free(o->vary);
	free(o->key);
	free(o);
}

/* Return the stored status code. */
int
cache_obj_status(const struct cache_obj *o)
{
	return (o->status);
}

/* Return the body length. */
uint64_t
cache_obj_body_len(const struct cache_obj *o)
{
	return (o->body_len);
}

/* Return the stored header view. */
const struct http_header *
cache_obj_hdrs(const struct cache_obj *o, size_t *n)
{
	*n = o->nhdrs;
	return (o->hdrs);
}

/* Return the stored times. */
const struct cache_times *
cache_obj_times(const struct cache_obj *o)
{
	return (&o->times);
}

/* Return the memory used, for the memory tier's accounting. */
uint64_t
cache_obj_size(const struct cache_obj *o)
{
	uint64_t	 sz;

	sz = sizeof *o + o->fields_len + o->nhdrs * sizeof *o->hdrs +
	    strlen(o->key) + (o->vary ? strlen(o->vary) : 0) +
	    (o->vkey ? strlen(o->vkey) : 0);
	/* A body borrowed after a 304 counts for the object that holds it. */
	if (cache_obj_membody(o) != NULL)
		sz += o->body_len;
	return (sz);
}

/* Return the in-memory body, following a 304's borrowed body. */
struct evbuffer *
cache_obj_membody(const struct cache_obj *o)
{
	return (o->body_from != NULL ? o->body_from->body : o->body);
}

/* Return the file body, following a 304's borrowed body. */
struct evbuffer_file_segment *
cache_obj_segment(const struct cache_obj *o)
{
	return (o->body_from != NULL ? o->body_from->seg : o->seg);
}

/*
 * Tell whether a stored variant serves a request: the request's secondary
 * key for the object's Vary names must equal the stored one; Vary: *
 * never matches (RFC 9111 §4.1).
 */
int
cache_obj_matches(const struct cache_obj *o, const struct cache_req *rq)
{
	char	*k;
	int	 rv, match;

	if (o->vary == NULL)
		return (1);
	if ((rv = cache_vary_key(o->vary, rq->hdrs, rq->nhdrs, &k)) != 0)
		return (0);
	match = (o->vkey != NULL && k != NULL && strcmp(o->vkey, k) == 0);
	free(k);
	return (match);
}

/* Tell whether a response's Connection field names this field. */
static int
obj_connection_listed(const struct http_header *h, size_t n,
    const struct http_header *f)
{
	const struct http_header	*c;
	struct http_list		 l;
	const char			*e;
	size_t				 pos = 0, elen;

	while ((c = cache_hdr_find(h, n, "connection", &pos)) != NULL) {
		http_list_init(&l, c->value, c->value_len,
		    HTTP_LIST_SKIP_EMPTY);
		while (http_list_next(&l, &e, &elen))
			if (http_caseeq(e, elen, f->name, f->name_len))
				return (1);
	}
	return (0);
}

/*
 * Build the field lines to store from a response (RFC 9111 §3.1): without
 * hop-by-hop fields, fields the Connection field names, Age (recomputed
 * on every hit), fields named by a qualified private directive, and
 * Set-Cookie (the cookie of the client that caused the fetch).
 */
int
cache_obj_fields(const struct http_header *h, size_t n, char **out,
    size_t *outlen)
{
	char			*buf, *p;
	size_t			 i, len = 0;

	for (i = 0; i < n; i++)
		len += h[i].name_len + h[i].value_len + 4;
	if ((buf = malloc(len + 1)) == NULL)
		return (-1);
	p = buf;
	for (i = 0; i < n; i++) {
		if (http_hop_field(h[i].name, h[i].name_len) ||
		    http_header_is(&h[i], "age") ||
		    obj_connection_listed(h, n, &h[i]))
			continue;
		/* A cookie set for one client is never given to others. */
		if (http_header_is(&h[i], "set-cookie") ||
		    http_header_is(&h[i], "set-cookie2"))
			continue;
		/* private="a, b": a shared cache stores the rest only. */
		if (cache_cc_private_field(h, n, h[i].name, h[i].name_len))
			continue;
		memcpy(p, h[i].name, h[i].name_len);
		p += h[i].name_len;
		*p++ = ':';
		*p++ = ' ';
		memcpy(p, h[i].value, h[i].value_len);
		p += h[i].value_len;
		*p++ = '\r';
		*p++ = '\n';
	}
	*p = '\0';
	*out = buf;
	*outlen = p - buf;
	return (0);
}

/* Update a running FNV-1a checksum with len bytes. */
uint64_t
cache_sum(uint64_t h, const void *data, size_t len)
{
	const unsigned char	*p = data;
	size_t			 i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return (h);
}
