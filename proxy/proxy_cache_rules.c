/*
 * proxy_cache_rules.c: the RFC 9111 rules of a shared cache, as pure
 * functions over header views: storability, freshness, Age, Vary keys,
 * conditional requests, 304 updates, ranges, invalidation targets.
 *
 * Nothing here does I/O or keeps state, so each rule is unit-tested alone.
 * Functions that build strings return malloc'd memory and -1 when an
 * allocation fails; a failure only costs the proxy one cache operation.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_field.h"
#include "proxy_cache.h"

struct sbuf {
	char		*buf;
	size_t		 len;
	size_t		 size;
	int		 error;
};

static void	cc_directive(struct cache_cc *, const char *, size_t, int);
static int	etag_split(const char *, size_t, int *, const char **,
		    size_t *);
static void	sb_add(struct sbuf *, const char *, size_t);
static int	sb_finish(struct sbuf *, char **, size_t *);
static void	sb_addc(struct sbuf *, char);
static void	sb_add_norm(struct sbuf *, const char *, size_t);
static void	sb_add_field(struct sbuf *, const struct http_header *);
static int	in_list(const struct http_header *, size_t, const char *,
		    const char *, size_t);
static int	uri_origin_len(const char *);
static int	same_name(const struct http_header *,
		    const struct http_header *);
static int	has_name(const struct http_header *, size_t,
		    const struct http_header *);
static int	update_takes(const struct http_header *, size_t,
		    const struct http_header *);

/*
 * Find the next line named name from index *pos (0 if pos is NULL); *pos
 * is advanced past the match so callers can loop over repeated lines.
 */
const struct http_header *
cache_hdr_find(const struct http_header *h, size_t n, const char *name,
    size_t *pos)
{
	size_t	 i;

	for (i = (pos != NULL ? *pos : 0); i < n; i++) {
		if (http_header_is(&h[i], name)) {
			if (pos != NULL)
				*pos = i + 1;
			return (&h[i]);
		}
	}
	if (pos != NULL)
		*pos = n;
	return (NULL);
}

/*
 * Parse delta-seconds (RFC 9111 §1.2.2), quoted or not: the value, or
 * CACHE_DELTA_MAX if it is too large, or -1 if it is not a non-negative
 * integer ("-1", "1.5", "", "abc").
 */
int64_t
cache_delta_parse(const char *s, size_t len)
{
	int64_t	 v = 0;
	size_t	 i;

	http_trim(&s, &len);
	if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
		s++;
		len -= 2;
	}
	if (len == 0)
		return (-1);
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return (-1);
		if (v < CACHE_DELTA_MAX)
			v = v * 10 + (s[i] - '0');
	}
	if (v > CACHE_DELTA_MAX)
		v = CACHE_DELTA_MAX;
	return (v);
}

/* Apply one directive to a parsed Cache-Control. */
static void
cc_directive(struct cache_cc *cc, const char *d, size_t len, int request)
{
	const char	*name = d, *val = NULL;
	size_t		 nlen = len, vlen = 0;
	const char	*eq;
	int64_t		 v;

	if ((eq = memchr(d, '=', len)) != NULL) {
		nlen = eq - d;
		val = eq + 1;
		vlen = len - nlen - 1;
		http_trim(&name, &nlen);
		http_trim(&val, &vlen);
	}
	v = (val != NULL) ? cache_delta_parse(val, vlen) : -1;

	/*
	 * The first occurrence of a directive wins (RFC 9111 §4.2.1). An
	 * invalid max-age or s-maxage makes the response stale rather than
	 * fresh for an unknown time; an invalid request limit is ignored.
	 */
	if (http_streq(name, nlen, "max-age")) {
		if (cc->max_age == -1)
			cc->max_age = (v >= 0 || request) ? v : 0;
	} else if (http_streq(name, nlen, "s-maxage")) {
		if (cc->s_maxage == -1 && !request)
			cc->s_maxage = v >= 0 ? v : 0;
	} else if (http_streq(name, nlen, "max-stale")) {
		if (cc->max_stale == -1 && request) {
			if (val == NULL)
				cc->max_stale = CACHE_DELTA_MAX;
			else
				cc->max_stale = v;
		}
	} else if (http_streq(name, nlen, "min-fresh")) {
		if (cc->min_fresh == -1 && request)
			cc->min_fresh = v;
	} else if (http_streq(name, nlen, "stale-while-revalidate")) {
		if (cc->swr == -1)
			cc->swr = v;
	} else if (http_streq(name, nlen, "stale-if-error")) {
		if (cc->sie == -1)
			cc->sie = v;
	} else if (http_streq(name, nlen, "no-store"))
		cc->no_store = 1;
	else if (http_streq(name, nlen, "no-cache")) {
		cc->no_cache = 1;
		if (val != NULL)
			cc->no_cache_fields = 1;
	} else if (http_streq(name, nlen, "private")) {
		cc->private_ = 1;
		if (val != NULL)
			cc->private_fields = 1;
	} else if (http_streq(name, nlen, "public"))
		cc->public_ = 1;
	else if (http_streq(name, nlen, "must-revalidate"))
		cc->must_revalidate = 1;
	else if (http_streq(name, nlen, "proxy-revalidate"))
		cc->proxy_revalidate = 1;
	else if (http_streq(name, nlen, "must-understand"))
		cc->must_understand = 1;
	else if (http_streq(name, nlen, "only-if-cached"))
		cc->only_if_cached = 1;
	else if (http_streq(name, nlen, "no-transform"))
		cc->no_transform = 1;
	else if (http_streq(name, nlen, "immutable"))
		cc->immutable = 1;
	/* Unknown extensions are ignored (RFC 9111 §5.2.3). */
}

/*
 * Parse every Cache-Control line. For a request (request != 0) without
 * Cache-Control, "Pragma: no-cache" means no-cache (RFC 9111 §5.4).
 */
void
cache_cc_parse(const struct http_header *h, size_t n, int request,
    struct cache_cc *cc)
{
	const struct http_header	*l;
	struct http_list		 c;
	const char		*e;
	size_t			 elen, pos = 0;

	memset(cc, 0, sizeof *cc);
	cc->max_age = cc->s_maxage = cc->max_stale = cc->min_fresh = -1;
	cc->swr = cc->sie = -1;
	while ((l = cache_hdr_find(h, n, "cache-control", &pos)) != NULL) {
		cc->present = 1;
		http_list_init(&c, l->value, l->value_len,
		    HTTP_LIST_SKIP_EMPTY);
		while (http_list_next(&c, &e, &elen))
			cc_directive(cc, e, elen, request);
	}
	if (request && !cc->present) {
		pos = 0;
		while ((l = cache_hdr_find(h, n, "pragma", &pos)) != NULL) {
			http_list_init(&c, l->value, l->value_len,
			    HTTP_LIST_SKIP_EMPTY);
			while (http_list_next(&c, &e, &elen))
				if (http_streq(e, elen, "no-cache"))
					cc->no_cache = 1;
		}
	}
}

/*
 * Tell whether a qualified private="a, b" directive of a response names
 * this field: a shared cache stores the response without it (RFC 9111
 * §5.2.2.7).
 */
int
cache_cc_private_field(const struct http_header *h, size_t n, const char *name,
    size_t nlen)
{
	const struct http_header	*l;
	struct http_list		 c, in;
	const char		*e, *v, *f;
	size_t			 elen, vlen, flen, pos = 0;

	while ((l = cache_hdr_find(h, n, "cache-control", &pos)) != NULL) {
		http_list_init(&c, l->value, l->value_len,
		    HTTP_LIST_SKIP_EMPTY);
		while (http_list_next(&c, &e, &elen)) {
			if ((v = memchr(e, '=', elen)) == NULL)
				continue;
			f = e;
			flen = v - e;
			http_trim(&f, &flen);
			if (!http_streq(f, flen, "private"))
				continue;
			v++;
			vlen = e + elen - v;
			http_trim(&v, &vlen);
			if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
				v++;
				vlen -= 2;
			}
			http_list_init(&in, v, vlen,
			    HTTP_LIST_SKIP_EMPTY);
			while (http_list_next(&in, &f, &flen))
				if (http_caseeq(f, flen, name, nlen))
					return (1);
		}
	}
	return (0);
}

/* Tell whether a method is safe (RFC 9110 §9.2.1). */
int
cache_method_safe(const char *m)
{
	return (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 ||
	    strcmp(m, "OPTIONS") == 0 || strcmp(m, "TRACE") == 0);
}

/* Tell whether a status is heuristically cacheable (RFC 9110 §15.1). */
int
cache_status_heuristic(int s)
{
	switch (s) {
	case 200: case 203: case 204: case 206: case 300: case 301:
	case 308: case 404: case 405: case 410: case 414: case 501:
		return (1);
	}
	return (0);
}

/* Tell whether this cache implements a status code's semantics. */
int
cache_status_understood(int s)
{
	switch (s) {
	case 200: case 203: case 204: case 300: case 301: case 302:
	case 303: case 307: case 308: case 400: case 403: case 404:
	case 405: case 410: case 414: case 451: case 500: case 501:
	case 502: case 503: case 504:
		return (1);
	}
	return (0);
}

/*
 * Decide whether a response to a request may be stored (RFC 9111 §3, for
 * a shared cache). heuristic_max is the cap on heuristic lifetimes; a
 * response with no explicit freshness whose heuristic lifetime is zero and
 * which has no validator would never be reusable, so it is not stored.
 * Returns 1 (store) or 0 with *why.
 */
int
cache_storable(const struct cache_req *rq, const struct cache_resp *rs,
    int64_t heuristic_max, const char **why)
{
	struct cache_cc		 cc, rcc;
	struct cache_times	 t;
	const struct http_header	*vary;
	char			*names = NULL;
	int			 explicit;

	if (strcmp(rq->method, "GET") != 0) {
		*why = "method is not GET";
		return (0);
	}
	if (rs->status < 200 || rs->status > 999) {
		*why = "status is not final";
		return (0);
	}
	if (rs->status == 206 || rs->status == 304) {
		*why = "partial or not-modified responses are not stored";
		return (0);
	}
	cache_cc_parse(rs->hdrs, rs->nhdrs, 0, &cc);
	cache_cc_parse(rq->hdrs, rq->nhdrs, 1, &rcc);
	if (cc.must_understand) {
		if (!cache_status_understood(rs->status)) {
			*why = "must-understand with a status not understood";
			return (0);
		}
	} else if (cc.no_store) {
		*why = "response has no-store";
		return (0);
	}
	if (rcc.no_store) {
		*why = "request has no-store";
		return (0);
	}
	if (cc.private_ && !cc.private_fields) {
		*why = "response is private";
		return (0);
	}
	if (cache_hdr_find(rq->hdrs, rq->nhdrs, "authorization", NULL) !=
	    NULL && !cc.public_ && cc.s_maxage < 0 && !cc.must_revalidate) {
		*why = "request has Authorization and the response does not "
		    "allow shared caching";
		return (0);
	}
	if ((vary = cache_hdr_find(rs->hdrs, rs->nhdrs, "vary", NULL)) !=
	    NULL) {
		if (cache_vary_names(rs->hdrs, rs->nhdrs, &names) == -1) {
			*why = "out of memory";
			return (0);
		}
		if (names != NULL && strcmp(names, "*") == 0) {
			free(names);
			*why = "Vary: * never matches";
			return (0);
		}
		free(names);
	}
	explicit = cc.public_ || cc.s_maxage >= 0 || cc.max_age >= 0 ||
	    cache_hdr_find(rs->hdrs, rs->nhdrs, "expires", NULL) != NULL;
	if (!explicit && !cache_status_heuristic(rs->status)) {
		*why = "no freshness information and status not "
		    "heuristically cacheable";
		return (0);
	}
	if (!explicit || (cc.public_ && cc.s_maxage < 0 && cc.max_age < 0 &&
	    cache_hdr_find(rs->hdrs, rs->nhdrs, "expires", NULL) == NULL)) {
		cache_times_init(&t, rs->status, rs->hdrs, rs->nhdrs,
		    rs->request_time, rs->response_time, heuristic_max);
		if (t.lifetime <= 0 &&
		    cache_hdr_find(rs->hdrs, rs->nhdrs, "etag", NULL) == NULL &&
		    cache_hdr_find(rs->hdrs, rs->nhdrs, "last-modified",
		    NULL) == NULL) {
			*why = "no freshness information, no validator and not "
			    "heuristically fresh";
			return (0);
		}
	}
	*why = "storable";
	return (1);
}

/*
 * Fill the times of a response (RFC 9111 §4.2.1 and §4.2.3): Date (or the
 * response time when Date is absent or invalid), Age (ignored when
 * negative or not an integer, capped when huge) and the freshness
 * lifetime: s-maxage, then max-age, then Expires - Date (an invalid
 * Expires means already expired), then 10% of Date - Last-Modified capped
 * at heuristic_max for heuristically cacheable or public responses.
 */
void
cache_times_init(struct cache_times *t, int status, const struct http_header *h,
    size_t n, time_t request_time, time_t response_time, int64_t heuristic_max)
{
	const struct http_header	*l;
	struct cache_cc		 cc;
	time_t			 v, lm;
	int64_t			 age;

	memset(t, 0, sizeof *t);
	t->request_time = request_time;
	t->response_time = response_time;
	t->date_value = response_time;
	if ((l = cache_hdr_find(h, n, "date", NULL)) != NULL &&
	    cache_date_parse(l->value, l->value_len, &v) == 0)
		t->date_value = v;
	if ((l = cache_hdr_find(h, n, "age", NULL)) != NULL &&
	    (age = cache_delta_parse(l->value, l->value_len)) >= 0)
		t->age_value = age;

	cache_cc_parse(h, n, 0, &cc);
	if (cc.s_maxage >= 0)
		t->lifetime = cc.s_maxage;
	else if (cc.max_age >= 0)
		t->lifetime = cc.max_age;
	else if ((l = cache_hdr_find(h, n, "expires", NULL)) != NULL) {
		if (cache_date_parse(l->value, l->value_len, &v) == -1 ||
		    v <= t->date_value)
			t->lifetime = 0;
		else
			t->lifetime = (int64_t)v - (int64_t)t->date_value;
	} else if ((l = cache_hdr_find(h, n, "last-modified", NULL)) != NULL &&
	    cache_date_parse(l->value, l->value_len, &lm) == 0 &&
	    lm < t->date_value &&
	    (cache_status_heuristic(status) || cc.public_)) {
		t->lifetime = ((int64_t)t->date_value - (int64_t)lm) / 10;
		if (t->lifetime > heuristic_max)
			t->lifetime = heuristic_max;
		t->heuristic = 1;
	}
	if (t->lifetime > CACHE_DELTA_MAX)
		t->lifetime = CACHE_DELTA_MAX;
}

/*
 * Compute current_age (RFC 9111 §4.2.3) at now. Clocks going backwards
 * count as zero; the result is capped at CACHE_DELTA_MAX.
 */
int64_t
cache_current_age(const struct cache_times *t, time_t now)
{
	int64_t	 apparent, delay, corrected, initial, resident, age;

	apparent = (int64_t)t->response_time - (int64_t)t->date_value;
	if (apparent < 0)
		apparent = 0;
	delay = (int64_t)t->response_time - (int64_t)t->request_time;
	if (delay < 0)
		delay = 0;
	corrected = t->age_value + delay;
	initial = apparent > corrected ? apparent : corrected;
	resident = (int64_t)now - (int64_t)t->response_time;
	if (resident < 0)
		resident = 0;
	age = initial + resident;
	if (age > CACHE_DELTA_MAX || age < 0)
		age = CACHE_DELTA_MAX;
	return (age);
}

/* Append bytes to a growing string. */
static void
sb_add(struct sbuf *sb, const char *s, size_t len)
{
	char	*nb;
	size_t	 ns;

	if (sb->error)
		return;
	if (sb->len + len + 1 > sb->size) {
		ns = sb->size ? sb->size : 64;
		while (ns < sb->len + len + 1)
			ns *= 2;
		if ((nb = realloc(sb->buf, ns)) == NULL) {
			sb->error = 1;
			return;
		}
		sb->buf = nb;
		sb->size = ns;
	}
	memcpy(sb->buf + sb->len, s, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

/* Append a character. */
static void
sb_addc(struct sbuf *sb, char c)
{
	sb_add(sb, &c, 1);
}

/*
 * Append a field value normalised for Vary matching: whitespace around
 * commas removed, other whitespace runs folded to one space.
 */
static void
sb_add_norm(struct sbuf *sb, const char *v, size_t len)
{
	size_t	 i;
	int	 sp = 0;

	http_trim(&v, &len);
	for (i = 0; i < len; i++) {
		if (v[i] == ' ' || v[i] == '\t') {
			sp = 1;
			continue;
		}
		if (v[i] == ',') {
			while (sb->len > 0 && sb->buf[sb->len - 1] == ' ')
				sb->len--;
			sb_addc(sb, ',');
			sp = 0;
			/* Skip whitespace after the comma. */
			while (i + 1 < len && (v[i + 1] == ' ' ||
			    v[i + 1] == '\t'))
				i++;
			continue;
		}
		if (sp && sb->len > 0 && sb->buf[sb->len - 1] != ',')
			sb_addc(sb, ' ');
		sp = 0;
		sb_addc(sb, v[i]);
	}
}

/*
 * Collect the field names listed by Vary, lower-cased and comma-joined
 * ("accept-encoding,accept-language"); "*" if any element is "*"; *out
 * is NULL when there is no Vary or it lists nothing.
 */
int
cache_vary_names(const struct http_header *h, size_t n, char **out)
{
	const struct http_header	*l;
	struct sbuf		 sb;
	struct http_list		 c;
	const char		*e;
	size_t			 elen, i, pos = 0;

	memset(&sb, 0, sizeof sb);
	*out = NULL;
	while ((l = cache_hdr_find(h, n, "vary", &pos)) != NULL) {
		http_list_init(&c, l->value, l->value_len,
		    HTTP_LIST_SKIP_EMPTY);
		while (http_list_next(&c, &e, &elen)) {
			if (elen == 1 && e[0] == '*') {
				free(sb.buf);
				if ((*out = strdup("*")) == NULL)
					return (-1);
				return (0);
			}
			if (sb.len > 0)
				sb_addc(&sb, ',');
			for (i = 0; i < elen; i++)
				sb_addc(&sb, tolower((unsigned char)e[i]));
		}
	}
	if (sb.error) {
		free(sb.buf);
		return (-1);
	}
	*out = sb.buf;
	return (0);
}

/*
 * Build the secondary key of a request for the Vary names of a stored
 * response (RFC 9111 §4.1): per name, the request's lines for it combined
 * and normalised, or a marker when absent (absent and empty differ).
 * Returns 0 with *key (NULL when names is NULL), 1 for "*" (never
 * matches, no key), -1 when out of memory.
 */
int
cache_vary_key(const char *names, const struct http_header *h, size_t n,
    char **key)
{
	struct sbuf		 sb;
	const char		*p, *q;
	size_t			 len, i;
	int			 found;

	*key = NULL;
	if (names == NULL)
		return (0);
	if (strcmp(names, "*") == 0)
		return (1);
	memset(&sb, 0, sizeof sb);
	for (p = names; *p != '\0'; p = (*q == ',') ? q + 1 : q) {
		q = strchr(p, ',');
		if (q == NULL)
			q = p + strlen(p);
		len = q - p;
		/* Names of any length: a cut one would match every variant. */
		sb_add(&sb, p, len);
		found = 0;
		for (i = 0; i < n; i++) {
			if (!http_caseeq(h[i].name, h[i].name_len, p, len))
				continue;
			sb_addc(&sb, found ? ',' : '=');
			sb_add_norm(&sb, h[i].value, h[i].value_len);
			found = 1;
		}
		if (!found)
			sb_addc(&sb, '-');
		sb_addc(&sb, '\n');
	}
	return (sb_finish(&sb, key, NULL));
}

/* Split an entity-tag into weakness and opaque part; -1 if malformed. */
static int
etag_split(const char *s, size_t len, int *weak, const char **op,
    size_t *oplen)
{
	http_trim(&s, &len);
	*weak = 0;
	if (len >= 2 && s[0] == 'W' && s[1] == '/') {
		*weak = 1;
		s += 2;
		len -= 2;
	}
	if (len < 2 || s[0] != '"' || s[len - 1] != '"')
		return (-1);
	*op = s + 1;
	*oplen = len - 2;
	if (memchr(*op, '"', *oplen) != NULL)
		return (-1);
	return (0);
}

/* Compare two entity-tags weakly (RFC 9110 §8.8.3.2). */
int
cache_etag_match_weak(const char *a, size_t alen, const char *b, size_t blen)
{
	const char	*oa, *ob;
	size_t		 la, lb;
	int		 wa, wb;

	if (etag_split(a, alen, &wa, &oa, &la) == -1 ||
	    etag_split(b, blen, &wb, &ob, &lb) == -1)
		return (0);
	return (la == lb && memcmp(oa, ob, la) == 0);
}

/*
 * Match an If-None-Match (or If-Match) list against a stored entity-tag;
 * "*" matches any. weak selects weak comparison, else strong.
 */
int
cache_etag_list_match(const char *list, size_t llen, const char *etag,
    size_t elen, int weak)
{
	struct http_list	 c;
	const char	*e, *o1, *o2;
	size_t		 len, l1, l2;
	int		 w1, w2;

	http_list_init(&c, list, llen,
	    HTTP_LIST_SKIP_EMPTY);
	while (http_list_next(&c, &e, &len)) {
		if (len == 1 && *e == '*')
			return (1);
		if (etag == NULL)
			continue;
		if (weak) {
			if (cache_etag_match_weak(e, len, etag, elen))
				return (1);
		} else if (etag_split(e, len, &w1, &o1, &l1) == 0 &&
		    etag_split(etag, elen, &w2, &o2, &l2) == 0 && !w1 && !w2 &&
		    l1 == l2 && memcmp(o1, o2, l1) == 0)
			return (1);
	}
	return (0);
}

/*
 * Evaluate a client's If-None-Match / If-Modified-Since against a stored
 * response (RFC 9111 §4.3.2, RFC 9110 §13.2.2): 1 if the client's copy is
 * current (answer 304), 0 otherwise. If-Modified-Since is ignored when
 * If-None-Match is present, when its date is invalid, and for methods
 * other than GET and HEAD. The stored response's Last-Modified is used,
 * else its Date, else the time it was received (received).
 */
int
cache_client_not_modified(const struct cache_req *rq,
    const struct http_header *h, size_t n, time_t received)
{
	const struct http_header	*inm, *etag, *ims, *l;
	size_t			 pos = 0;
	time_t			 since, lm;
	int			 seen = 0;

	if (strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0)
		return (0);
	etag = cache_hdr_find(h, n, "etag", NULL);
	while ((inm = cache_hdr_find(rq->hdrs, rq->nhdrs, "if-none-match",
	    &pos)) != NULL) {
		seen = 1;
		if (cache_etag_list_match(inm->value, inm->value_len,
		    etag ? etag->value : NULL, etag ? etag->value_len : 0, 1))
			return (1);
	}
	if (seen)
		return (0);
	if ((ims = cache_hdr_find(rq->hdrs, rq->nhdrs, "if-modified-since",
	    NULL)) == NULL || cache_date_parse(ims->value, ims->value_len,
	    &since) == -1)
		return (0);
	lm = received;
	if ((l = cache_hdr_find(h, n, "last-modified", NULL)) != NULL &&
	    cache_date_parse(l->value, l->value_len, &lm) == 0)
		;
	else if ((l = cache_hdr_find(h, n, "date", NULL)) != NULL &&
	    cache_date_parse(l->value, l->value_len, &lm) == 0)
		;
	else
		lm = received;
	return (lm <= since);
}

/*
 * Tell whether a 304 (or HEAD) response must not replace a stored field
 * (RFC 9111 §3.2): hop-by-hop fields, Content-Length and the fields that
 * describe the stored body's encoding or range, and Age (the cache keeps
 * its own times).
 */
int
cache_update_excluded(const char *name, size_t len)
{
	return (http_hop_field(name, len) ||
	    http_streq(name, len, "set-cookie") ||
	    http_streq(name, len, "set-cookie2") ||
	    http_streq(name, len, "content-length") ||
	    http_streq(name, len, "content-encoding") ||
	    http_streq(name, len, "content-range") ||
	    http_streq(name, len, "age"));
}

/* Tell whether name appears in any list line called field. */
static int
in_list(const struct http_header *h, size_t n, const char *field,
    const char *name, size_t nlen)
{
	const struct http_header	*l;
	struct http_list		 c;
	const char		*e;
	size_t			 elen, pos = 0;

	while ((l = cache_hdr_find(h, n, field, &pos)) != NULL) {
		http_list_init(&c, l->value, l->value_len,
		    HTTP_LIST_SKIP_EMPTY);
		while (http_list_next(&c, &e, &elen))
			if (http_caseeq(e, elen, name, nlen))
				return (1);
	}
	return (0);
}

/*
 * Hand the built string over (an empty one when nothing was added), or
 * free it and return -1 when an allocation failed on the way.
 */
static int
sb_finish(struct sbuf *sb, char **out, size_t *outlen)
{
	if (sb->error) {
		free(sb->buf);
		return (-1);
	}
	if (sb->buf == NULL && (sb->buf = strdup("")) == NULL)
		return (-1);
	*out = sb->buf;
	if (outlen != NULL)
		*outlen = sb->len;
	return (0);
}

/* Append "Name: value\r\n". */
static void
sb_add_field(struct sbuf *sb, const struct http_header *h)
{
	struct iovec	v[HTTP_FIELD_IOV];
	int		i;

	http_field_iov(h, v);
	for (i = 0; i < HTTP_FIELD_IOV; i++)
		sb_add(sb, v[i].iov_base, v[i].iov_len);
}

/* Return 1 if two fields have the same name (in any case). */
static int
same_name(const struct http_header *a, const struct http_header *b)
{
	return (http_caseeq(a->name, a->name_len, b->name, b->name_len));
}

/* Return 1 if one of the first <n> fields of <h> is named like <f>. */
static int
has_name(const struct http_header *h, size_t n, const struct http_header *f)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (same_name(&h[i], f))
			return (1);
	return (0);
}

/*
 * Return 1 if field <f> of a 304 (<up>, <un> fields) may update a stored
 * response: not excluded by RFC 9111 §3.2, not named by its Connection.
 */
static int
update_takes(const struct http_header *up, size_t un,
    const struct http_header *f)
{
	return (!cache_update_excluded(f->name, f->name_len) &&
	    !in_list(up, un, "connection", f->name, f->name_len));
}

/*
 * Merge a 304's fields into a stored response's (RFC 9111 §3.2 and
 * §4.3.4): a field present in the 304 replaces every stored line of that
 * name, at the place of the first one; new fields are appended; excluded
 * fields and those the 304's Connection names are never taken from it.
 * Output is "Name: value\r\n" lines in a malloc'd string.
 */
int
cache_merge_304(const struct http_header *st, size_t sn,
    const struct http_header *up, size_t un, char **out, size_t *outlen)
{
	struct sbuf	 sb;
	size_t		 i, j;
	int		 take;

	memset(&sb, 0, sizeof sb);
	for (i = 0; i < sn; i++) {
		take = 0;
		for (j = 0; j < un && !take; j++)
			take = same_name(&up[j], &st[i]) &&
			    update_takes(up, un, &up[j]);
		if (!take) {
			sb_add_field(&sb, &st[i]);
			continue;
		}
		/* Emit the 304's lines once, at the first stored line. */
		if (has_name(st, i, &st[i]))
			continue;
		for (j = 0; j < un; j++)
			if (same_name(&up[j], &st[i]))
				sb_add_field(&sb, &up[j]);
	}
	for (j = 0; j < un; j++)
		if (update_takes(up, un, &up[j]) && !has_name(st, sn, &up[j]))
			sb_add_field(&sb, &up[j]);
	return (sb_finish(&sb, out, outlen));
}

/*
 * Parse a Range field against a body of total bytes (RFC 9110 §14.2).
 * A single satisfiable byte range gives CACHE_RANGE_OK with *start and
 * *len; an unsatisfiable one CACHE_RANGE_BAD (416); anything else,
 * including several ranges, CACHE_RANGE_NONE: the whole body is served
 * with 200, which RFC 9110 §14.2 allows.
 */
int
cache_range_parse(const char *v, size_t vlen, uint64_t total,
    uint64_t *start, uint64_t *len)
{
	const char	*p, *end, *dash;
	uint64_t	 a = 0, b = 0;
	int		 hasa = 0, hasb = 0;

	http_trim(&v, &vlen);
	if (vlen < 6 || strncasecmp(v, "bytes=", 6) != 0)
		return (CACHE_RANGE_NONE);
	p = v + 6;
	end = v + vlen;
	if (memchr(p, ',', end - p) != NULL)
		return (CACHE_RANGE_NONE);
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if ((dash = memchr(p, '-', end - p)) == NULL)
		return (CACHE_RANGE_NONE);
	for (; p < dash; p++) {
		if (!isdigit((unsigned char)*p) || a > UINT64_MAX / 10 - 10)
			return (CACHE_RANGE_NONE);
		a = a * 10 + (*p - '0');
		hasa = 1;
	}
	for (p = dash + 1; p < end && !(*p == ' ' || *p == '\t'); p++) {
		if (!isdigit((unsigned char)*p) || b > UINT64_MAX / 10 - 10)
			return (CACHE_RANGE_NONE);
		b = b * 10 + (*p - '0');
		hasb = 1;
	}
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p != end || (!hasa && !hasb))
		return (CACHE_RANGE_NONE);
	if (!hasa) {
		/* Suffix range: the last b bytes. */
		if (b == 0 || total == 0)
			return (CACHE_RANGE_BAD);
		if (b > total)
			b = total;
		*start = total - b;
		*len = b;
		return (CACHE_RANGE_OK);
	}
	if (hasb && b < a)
		return (CACHE_RANGE_NONE);
	if (a >= total)
		return (CACHE_RANGE_BAD);
	if (!hasb || b >= total)
		b = total - 1;
	*start = a;
	*len = b - a + 1;
	return (CACHE_RANGE_OK);
}

/* Return the length of "scheme://authority" in a URI, 0 if not absolute. */
static int
uri_origin_len(const char *u)
{
	const char	*p;

	if ((p = strstr(u, "://")) == NULL || p == u)
		return (0);
	for (const char *s = u; s < p; s++)
		if (!isalnum((unsigned char)*s) && *s != '+' && *s != '-' &&
		    *s != '.')
			return (0);
	p += 3;
	p += strcspn(p, "/?#");
	return ((int)(p - u));
}

/*
 * Normalise an absolute URI into a cache key: scheme and host lower-cased,
 * the scheme's default port dropped, an empty path made "/", fragment
 * dropped. -1 if not an absolute http(s) or ftp URI or out of memory.
 */
int
cache_uri_normalise(const char *u, char **out)
{
	struct sbuf	 sb;
	const char	*auth, *port, *rest, *dport, *p;
	size_t		 i, olen, hlen, slen, plen;

	if ((olen = uri_origin_len(u)) == 0)
		return (-1);
	if (strncasecmp(u, "http://", 7) == 0) {
		slen = 7;
		dport = "80";
	} else if (strncasecmp(u, "https://", 8) == 0) {
		slen = 8;
		dport = "443";
	} else if (strncasecmp(u, "ftp://", 6) == 0) {
		/* The ftp:// gateway's answers (ftp-cache). */
		slen = 6;
		dport = "21";
	} else
		return (-1);
	memset(&sb, 0, sizeof sb);
	for (i = 0; i < slen; i++)
		sb_addc(&sb, tolower((unsigned char)u[i]));
	auth = u + slen;
	rest = u + olen;
	if (auth == rest || memchr(auth, '@', rest - auth) != NULL) {
		free(sb.buf);
		return (-1);
	}
	port = NULL;
	if (*auth != '[')
		port = memchr(auth, ':', rest - auth);
	else if ((port = memchr(auth, ']', rest - auth)) != NULL)
		port = (port + 1 < rest && port[1] == ':') ? port + 1 : NULL;
	hlen = (port ? port : rest) - auth;
	if (hlen == 0) {
		/* "http://:80/": a port without a host is no origin. */
		free(sb.buf);
		return (-1);
	}
	for (i = 0; i < hlen; i++)
		sb_addc(&sb, tolower((unsigned char)auth[i]));
	/*
	 * The port as a number: ":080" and ":80" and "" are one origin,
	 * and the scheme's default is left out (RFC 3986 section 6.2.3).
	 */
	if (port != NULL) {
		for (p = port + 1; p < rest && *p == '0'; p++)
			;
		plen = rest - p;
		for (i = 0; i < plen; i++)
			if (!isdigit((unsigned char)p[i]))
				break;
		if (i != plen || plen > 5) {
			free(sb.buf);
			return (-1);
		}
		if (plen > 0 && !(plen == strlen(dport) &&
		    memcmp(p, dport, plen) == 0)) {
			sb_addc(&sb, ':');
			sb_add(&sb, p, plen);
		}
	}
	if (*rest != '/')
		sb_addc(&sb, '/');
	sb_add(&sb, rest, strcspn(rest, "#"));
	if (sb.error) {
		free(sb.buf);
		return (-1);
	}
	*out = sb.buf;
	return (0);
}

/*
 * Resolve a Location or Content-Location value against the request URI
 * (RFC 3986 §5.2, without dot-segment removal) and normalise it.
 */
int
cache_uri_resolve(const char *base, const char *ref, size_t rlen, char **out)
{
	struct sbuf	 sb;
	const char	*slash, *q;
	int		 olen, rv;

	http_trim(&ref, &rlen);
	memset(&sb, 0, sizeof sb);
	if ((olen = uri_origin_len(base)) == 0)
		return (-1);
	if (rlen >= 2 && ref[0] == '/' && ref[1] == '/') {
		q = strstr(base, "://");
		sb_add(&sb, base, q - base + 1);
		sb_add(&sb, ref, rlen);
	} else if (rlen > 0 && ref[0] == '/') {
		sb_add(&sb, base, olen);
		sb_add(&sb, ref, rlen);
	} else {
		sb_add(&sb, ref, rlen);
		if (!sb.error && uri_origin_len(sb.buf) == 0) {
			/* A relative path: replace the base's last segment. */
			sb.len = 0;
			q = base + olen;
			slash = NULL;
			for (const char *p = q; *p != '\0' && *p != '?' &&
			    *p != '#'; p++)
				if (*p == '/')
					slash = p;
			if (slash == NULL) {
				sb_add(&sb, base, olen);
				sb_addc(&sb, '/');
			} else
				sb_add(&sb, base, slash - base + 1);
			sb_add(&sb, ref, rlen);
		}
	}
	if (sb.error || sb.buf == NULL) {
		free(sb.buf);
		return (-1);
	}
	rv = cache_uri_normalise(sb.buf, out);
	free(sb.buf);
	return (rv);
}

/* Tell whether two normalised URIs share scheme, host and port. */
int
cache_same_origin(const char *a, const char *b)
{
	int	 la, lb;

	la = uri_origin_len(a);
	lb = uri_origin_len(b);
	return (la > 0 && la == lb && memcmp(a, b, la) == 0);
}
