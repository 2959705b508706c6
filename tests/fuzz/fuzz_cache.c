/*
 * fuzz_cache.c: libFuzzer target for the cache's parsers of header values
 * (proxy/proxy_cache_rules.c: Cache-Control, delta-seconds, Vary,
 * entity-tags and their lists, conditionals, Range, the 304 merge, URIs)
 * and of HTTP dates (proxy/proxy_cache_date.c), with their invariants.
 *
 * Input: byte 0 picks the response status and byte 1 the body length the
 * Range is judged against; the rest is text lines (LF), cut into three
 * sections by empty lines:
 *	METHOD			(first line)
 *	URI			(second line)
 *	request fields...	"Name: value", or a line without ':' as a
 *	(empty line)		name with an empty value
 *	response fields...
 *	(empty line)
 *	304 fields...
 * Every field value is also given to the date, delta-seconds, entity-tag
 * and Range parsers on its own.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http_field.h"
#include "proxy_cache.h"
#include "fuzz.h"

#define MAXHDRS		64
#define NOW		((time_t)1700000000)

struct hset {
	struct http_header	 h[MAXHDRS];
	size_t			 n;
};

static const int	 statuses[] = {
	200, 203, 204, 206, 300, 301, 304, 308, 404, 405, 410, 414, 451,
	500, 501, 502, 100, 302, 307, 599, 999, 0
};

static void	check_delta(int64_t);
static void	check_cc(const struct cache_cc *);
static void	fuzz_value(const char *, size_t, uint64_t);
static void	fuzz_fields(const struct hset *, const struct hset *,
		    const struct hset *, const char *, const char *, int);
static void	fuzz_uri(const char *, const struct hset *);
static void	check_lines(const char *, size_t);

/* A delta-seconds value or -1 for absent. */
static void
check_delta(int64_t v)
{
	CHECK(v == -1 || (v >= 0 && v <= CACHE_DELTA_MAX));
}

static void
check_cc(const struct cache_cc *cc)
{
	check_delta(cc->max_age);
	check_delta(cc->s_maxage);
	check_delta(cc->max_stale);
	check_delta(cc->min_fresh);
	check_delta(cc->swr);
	check_delta(cc->sie);
}

/* "Name: value\r\n" lines and nothing else. */
static void
check_lines(const char *s, size_t len)
{
	const char	*p = s, *end = s + len, *nl;

	while (p < end) {
		nl = memchr(p, '\n', end - p);
		CHECK(nl != NULL && nl > p && nl[-1] == '\r');
		CHECK(memchr(p, ':', nl - p) != NULL);
		p = nl + 1;
	}
}

/* One field value on its own, through every value parser. */
static void
fuzz_value(const char *v, size_t len, uint64_t total)
{
	char		 buf[64], buf2[64];
	time_t		 t, t2;
	uint64_t	 start = 0, n = 0;
	size_t		 k;
	int		 r, r2;

	check_delta(cache_delta_parse(v, len));

	/* A parsed date prints as an IMF-fixdate that parses back to it. */
	if (cache_date_parse(v, len, &t) == 0) {
		k = cache_date_format(t, buf, sizeof buf);
		if (k != 0) {
			CHECK(k == 29 && strlen(buf) == 29);
			CHECK(cache_date_parse(buf, k, &t2) == 0 && t2 == t);
			CHECK(cache_date_format(t2, buf2, sizeof buf2) == k &&
			    memcmp(buf, buf2, k) == 0);
		}
	}

	/* Weak comparison is symmetric; a list holds the tag it is. */
	r = cache_etag_match_weak(v, len, v, len);
	CHECK(r == 0 || r == 1);
	if (r == 1) {
		CHECK(cache_etag_list_match(v, len, v, len, 1) == 1);
	}
	r = cache_etag_list_match(v, len, "\"x\"", 3, 0);
	r2 = cache_etag_list_match(v, len, "W/\"x\"", 5, 1);
	CHECK((r == 0 || r == 1) && (r2 == 0 || r2 == 1));
	CHECK(r == 0 || r2 == 1);

	r = cache_range_parse(v, len, total, &start, &n);
	CHECK(r == CACHE_RANGE_NONE || r == CACHE_RANGE_OK ||
	    r == CACHE_RANGE_BAD);
	if (r == CACHE_RANGE_OK)
		CHECK(n > 0 && start < total && n <= total - start);

	http_hop_field(v, len);
	cache_update_excluded(v, len);
}

/* The rules that read whole header sets. */
static void
fuzz_fields(const struct hset *rq, const struct hset *rs,
    const struct hset *up, const char *method, const char *uri, int status)
{
	struct cache_req	 req = { method, uri, rq->h, rq->n };
	struct cache_resp	 resp = { status, rs->h, rs->n, NOW - 5, NOW };
	struct cache_cc		 cc;
	struct cache_times	 tm;
	const char		*why = NULL;
	char			*names = NULL, *key = NULL, *key2 = NULL;
	char			*merged = NULL;
	size_t			 i, mlen = 0;
	int			 r, r2;

	cache_cc_parse(rq->h, rq->n, 1, &cc);
	check_cc(&cc);
	cache_cc_parse(rs->h, rs->n, 0, &cc);
	check_cc(&cc);
	for (i = 0; i < rs->n; i++) {
		r = cache_cc_private_field(rs->h, rs->n, rs->h[i].name,
		    rs->h[i].name_len);
		CHECK(r == 0 || r == 1);
	}

	r = cache_storable(&req, &resp, 86400, &why);
	CHECK(r == 0 || r == 1);
	if (r == 0)
		CHECK(why != NULL && why[0] != '\0');

	cache_times_init(&tm, status, rs->h, rs->n, NOW - 5, NOW, 86400);
	CHECK(tm.lifetime >= 0 && tm.lifetime <= CACHE_DELTA_MAX);
	CHECK(tm.age_value >= 0 && tm.age_value <= CACHE_DELTA_MAX);
	r = (int)(cache_current_age(&tm, NOW) >= 0);
	CHECK(r == 1);
	CHECK(cache_current_age(&tm, NOW + 100) <= CACHE_DELTA_MAX);

	/* Vary: names once, a key that is the same every time. */
	r = cache_vary_names(rs->h, rs->n, &names);
	CHECK(r == 0 || r == -1);
	if (r == 0 && names != NULL) {
		CHECK(names[0] != '\0');
		r = cache_vary_key(names, rq->h, rq->n, &key);
		r2 = cache_vary_key(names, rq->h, rq->n, &key2);
		CHECK(r == r2 && (r == 0 || r == 1));
		if (r == 0)
			CHECK(key != NULL && key2 != NULL &&
			    strcmp(key, key2) == 0);
		else
			CHECK(strcmp(names, "*") == 0);
	}
	free(names);
	free(key);
	free(key2);

	r = cache_client_not_modified(&req, rs->h, rs->n, NOW - 5);
	CHECK(r == 0 || r == 1);

	r = cache_merge_304(rs->h, rs->n, up->h, up->n, &merged, &mlen);
	if (r == 0) {
		CHECK(merged != NULL && strlen(merged) == mlen);
		check_lines(merged, mlen);
	}
	free(merged);
}

/* Normalising is idempotent; resolving gives a normalised URI. */
static void
fuzz_uri(const char *uri, const struct hset *rs)
{
	char	*n1 = NULL, *n2 = NULL, *res = NULL, *n3 = NULL;
	size_t	 i;
	int	 a, b;

	if (cache_uri_normalise(uri, &n1) != 0)
		return;
	CHECK(cache_uri_normalise(n1, &n2) == 0);
	if (strcmp(n1, n2) != 0)
		fprintf(stderr, "normalised \"%s\", then \"%s\"\n", n1, n2);
	CHECK(strcmp(n1, n2) == 0);
	CHECK(cache_same_origin(n1, n1) == 1);
	for (i = 0; i < rs->n; i++) {
		if (cache_uri_resolve(n1, rs->h[i].value, rs->h[i].value_len,
		    &res) != 0)
			continue;
		CHECK(cache_uri_normalise(res, &n3) == 0);
		if (strcmp(res, n3) != 0)
			fprintf(stderr, "resolved \"%s\", normalised \"%s\"\n",
			    res, n3);
		CHECK(strcmp(res, n3) == 0);
		a = cache_same_origin(n1, res);
		b = cache_same_origin(res, n1);
		CHECK(a == b);
		free(res);
		free(n3);
		res = n3 = NULL;
	}
	free(n1);
	free(n2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hset	 sets[3];
	char		*buf, *p, *nl, *colon, *v, *method = NULL, *uri = NULL;
	uint64_t	 total;
	size_t		 i, k;
	int		 status, sec = 0, line = 0;

	if (size < 2 || size > 16384)
		return (0);
	status = statuses[data[0] % (sizeof statuses / sizeof statuses[0])];
	total = data[1] * 37;
	buf = malloc(size - 1);
	CHECK(buf != NULL);
	memcpy(buf, data + 2, size - 2);
	buf[size - 2] = '\0';
	memset(sets, 0, sizeof sets);

	/*
	 * Cut the lines in place: names and values are views that are not
	 * terminated, as the proxy's parser hands them over.
	 */
	for (p = buf; p != NULL && *p != '\0' && sec < 3; p = nl, line++) {
		if ((nl = strchr(p, '\n')) != NULL)
			*nl++ = '\0';
		if (line == 0) {
			method = p;
			continue;
		}
		if (line == 1) {
			uri = p;
			continue;
		}
		if (*p == '\0') {
			sec++;
			continue;
		}
		if (sets[sec].n == MAXHDRS)
			continue;
		i = sets[sec].n++;
		sets[sec].h[i].name = p;
		if ((colon = strchr(p, ':')) == NULL) {
			sets[sec].h[i].name_len = strlen(p);
			sets[sec].h[i].value = p + strlen(p);
			sets[sec].h[i].value_len = 0;
		} else {
			/* Values without their optional white space. */
			sets[sec].h[i].name_len = colon - p;
			v = colon + 1;
			v += strspn(v, " \t");
			k = strlen(v);
			while (k > 0 && (v[k - 1] == ' ' || v[k - 1] == '\t'))
				k--;
			sets[sec].h[i].value = v;
			sets[sec].h[i].value_len = k;
		}
	}
	if (method == NULL || uri == NULL) {
		free(buf);
		return (0);
	}

	for (sec = 0; sec < 3; sec++)
		for (i = 0; i < sets[sec].n; i++)
			fuzz_value(sets[sec].h[i].value, sets[sec].h[i].value_len,
			    total);
	CHECK(cache_method_safe(method) == 0 || cache_method_safe(method) == 1);
	cache_status_heuristic(status);
	cache_status_understood(status);
	fuzz_fields(&sets[0], &sets[1], &sets[2], method, uri, status);
	fuzz_uri(uri, &sets[1]);
	free(buf);
	return (0);
}
