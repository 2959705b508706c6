/* test_proxy_cache_rules.c: RFC 9111 rules of the cache, one by one. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proxy/proxy_cache.h"
#include "test_proxy_cache.h"
#include "unit.h"



#define T0	784111777	/* Sun, 06 Nov 1994 08:49:37 GMT */

static void
test_cache_date_parse_forms(void)
{
	time_t	 t;
	char	 buf[64];

	CU_ASSERT_EQUAL(cache_date_parse("Sun, 06 Nov 1994 08:49:37 GMT", 29,
	    &t), 0);
	CU_ASSERT_EQUAL(t, T0);
	CU_ASSERT_EQUAL(cache_date_parse("Sunday, 06-Nov-94 08:49:37 GMT",
	    30, &t), 0);
	CU_ASSERT_EQUAL(t, T0);
	CU_ASSERT_EQUAL(cache_date_parse("Sun Nov  6 08:49:37 1994", 24, &t),
	    0);
	CU_ASSERT_EQUAL(t, T0);
	/* A two-digit year never lands more than 50 years ahead. */
	CU_ASSERT_EQUAL(cache_date_parse("Thursday, 01-Jan-70 00:00:00 GMT",
	    32, &t), 0);
	CU_ASSERT(t <= time(NULL) + 51LL * 366 * 86400);
	CU_ASSERT(t > time(NULL) - 50LL * 366 * 86400);
	CU_ASSERT_EQUAL(cache_date_parse("Thu, 01 Jan 1970 00:00:01 GMT", 29,
	    &t), 0);
	CU_ASSERT_EQUAL(t, 1);
	CU_ASSERT_EQUAL(cache_date_parse("Tue, 29 Feb 2000 00:00:00 GMT", 29,
	    &t), 0);
	CU_ASSERT_EQUAL(t, 951782400);
	/* Invalid forms. */
	CU_ASSERT_EQUAL(cache_date_parse("0", 1, &t), -1);
	CU_ASSERT_EQUAL(cache_date_parse("", 0, &t), -1);
	CU_ASSERT_EQUAL(cache_date_parse("Sun, 06 Nov 1994 08:49:37 UTC", 29,
	    &t), -1);
	CU_ASSERT_EQUAL(cache_date_parse("Sun, 6 Nov 1994 08:49:37 GMT", 28,
	    &t), -1);
	CU_ASSERT_EQUAL(cache_date_parse("Sun, 31 Feb 1994 08:49:37 GMT", 29,
	    &t), -1);
	CU_ASSERT_EQUAL(cache_date_parse("Sun, 06 Nov 1994 25:49:37 GMT", 29,
	    &t), -1);
	CU_ASSERT_EQUAL(cache_date_parse("Sun, 06 Nov 1994 08:49:37 GMTx",
	    30, &t), -1);
	CU_ASSERT_EQUAL(cache_date_parse("-1", 2, &t), -1);
	CU_ASSERT(cache_date_format(T0, buf, sizeof buf) > 0);
	CU_ASSERT_STRING_EQUAL(buf, "Sun, 06 Nov 1994 08:49:37 GMT");
	CU_ASSERT_EQUAL(cache_date_format(T0, buf, 10), 0);
}

static void
test_cache_delta_parse_values(void)
{
	CU_ASSERT_EQUAL(cache_delta_parse("10", 2), 10);
	CU_ASSERT_EQUAL(cache_delta_parse("\"10\"", 4), 10);
	CU_ASSERT_EQUAL(cache_delta_parse("0", 1), 0);
	CU_ASSERT_EQUAL(cache_delta_parse("-1", 2), -1);
	CU_ASSERT_EQUAL(cache_delta_parse("1.5", 3), -1);
	CU_ASSERT_EQUAL(cache_delta_parse("", 0), -1);
	CU_ASSERT_EQUAL(cache_delta_parse("abc", 3), -1);
	CU_ASSERT_EQUAL(cache_delta_parse("99999999999999999999999999", 26),
	    CACHE_DELTA_MAX);
	CU_ASSERT_EQUAL(cache_delta_parse("2147483648", 10), CACHE_DELTA_MAX);
}

static void
test_cache_cc_parse_directives(void)
{
	struct hset	 s;
	struct cache_cc	 cc;

	hs(&s, "Cache-Control: public, max-age=60, s-maxage=\"30\"\n"
	    "cache-control: MUST-REVALIDATE, stale-while-revalidate=5,"
	    " stale-if-error=7, x-ext=\"a,b\", max-age=1\n");
	cache_cc_parse(s.h, s.n, 0, &cc);
	CU_ASSERT(cc.present);
	CU_ASSERT(cc.public_);
	CU_ASSERT_EQUAL(cc.max_age, 60);	/* first occurrence wins */
	CU_ASSERT_EQUAL(cc.s_maxage, 30);
	CU_ASSERT(cc.must_revalidate);
	CU_ASSERT_EQUAL(cc.swr, 5);
	CU_ASSERT_EQUAL(cc.sie, 7);
	CU_ASSERT(!cc.no_store && !cc.private_ && !cc.no_cache);

	hs(&s, "Cache-Control: max-age=abc\n");
	cache_cc_parse(s.h, s.n, 0, &cc);
	CU_ASSERT_EQUAL(cc.max_age, 0);		/* invalid: stale */
	hs(&s, "Cache-Control: max-age=-5\n");
	cache_cc_parse(s.h, s.n, 0, &cc);
	CU_ASSERT_EQUAL(cc.max_age, 0);
	hs(&s, "Cache-Control: private=\"Set-Cookie\", no-cache=\"X\"\n");
	CU_ASSERT(cache_cc_private_field(s.h, s.n, "set-cookie", 10));
	CU_ASSERT(!cache_cc_private_field(s.h, s.n, "X", 1));
	CU_ASSERT(!cache_cc_private_field(s.h, s.n, "Cookie", 6));
	cache_cc_parse(s.h, s.n, 0, &cc);
	CU_ASSERT(cc.private_ && cc.private_fields);
	CU_ASSERT(cc.no_cache && cc.no_cache_fields);

	/* Request directives. */
	hs(&s, "Cache-Control: max-stale, min-fresh=10, only-if-cached\n");
	cache_cc_parse(s.h, s.n, 1, &cc);
	CU_ASSERT_EQUAL(cc.max_stale, CACHE_DELTA_MAX);
	CU_ASSERT_EQUAL(cc.min_fresh, 10);
	CU_ASSERT(cc.only_if_cached);
	CU_ASSERT_EQUAL(cc.max_age, -1);
	hs(&s, "Cache-Control: max-stale=20, max-age=x\n");
	cache_cc_parse(s.h, s.n, 1, &cc);
	CU_ASSERT_EQUAL(cc.max_stale, 20);
	/* An invalid request limit is ignored. */
	CU_ASSERT_EQUAL(cc.max_age, -1);
	hs(&s, "Pragma: no-cache\n");
	cache_cc_parse(s.h, s.n, 1, &cc);
	CU_ASSERT(cc.no_cache);
	hs(&s, "Pragma: no-cache\nCache-Control: max-age=5\n");
	cache_cc_parse(s.h, s.n, 1, &cc);
	CU_ASSERT(!cc.no_cache);
}

static void
test_cache_freshness_order(void)
{
	struct hset		 s;
	struct cache_times	 t;
	const int64_t		 hmax = 86400;

	/* s-maxage beats max-age beats Expires. */
	hs(&s, "Date: Sun, 06 Nov 1994 08:49:37 GMT\n"
	    "Expires: Sun, 06 Nov 1994 09:49:37 GMT\n"
	    "Cache-Control: max-age=100, s-maxage=50\n");
	cache_times_init(&t, 200, s.h, s.n, T0, T0, hmax);
	CU_ASSERT_EQUAL(t.lifetime, 50);
	hs(&s, "Date: Sun, 06 Nov 1994 08:49:37 GMT\n"
	    "Expires: Sun, 06 Nov 1994 09:49:37 GMT\n"
	    "Cache-Control: max-age=100\n");
	cache_times_init(&t, 200, s.h, s.n, T0, T0, hmax);
	CU_ASSERT_EQUAL(t.lifetime, 100);
	hs(&s, "Date: Sun, 06 Nov 1994 08:49:37 GMT\n"
	    "Expires: Sun, 06 Nov 1994 09:49:37 GMT\n");
	cache_times_init(&t, 200, s.h, s.n, T0, T0, hmax);
	CU_ASSERT_EQUAL(t.lifetime, 3600);
	CU_ASSERT(!t.heuristic);
	/* Expires relative to Date, not to our clock. */
	cache_times_init(&t, 200, s.h, s.n, T0 + 1000, T0 + 1000, hmax);
	CU_ASSERT_EQUAL(t.lifetime, 3600);
	/* Invalid Expires means already expired. */
	hs(&s, "Date: Sun, 06 Nov 1994 08:49:37 GMT\nExpires: 0\n"
	    "Last-Modified: Sun, 06 Nov 1994 07:49:37 GMT\n");
	cache_times_init(&t, 200, s.h, s.n, T0, T0, hmax);
	CU_ASSERT_EQUAL(t.lifetime, 0);
	/* Expires before Date. */
	hs(&s, "Date: Sun, 06 Nov 1994 08:49:37 GMT\n"
	    "Expires: Sun, 06 Nov 1994 08:00:00 GMT\n");
	cache_times_init(&t, 200, s.h, s.n, T0, T0, hmax);
	CU_ASSERT_EQUAL(t.lifetime, 0);
	/* No Date: the response time stands in. */
	hs(&s, "Expires: Sun, 06 Nov 1994 09:49:37 GMT\n");
	cache_times_init(&t, 200, s.h, s.n, T0 + 600, T0 + 600, hmax);
	CU_ASSERT_EQUAL(t.date_value, T0 + 600);
	CU_ASSERT_EQUAL(t.lifetime, 3000);
}

static void
test_cache_freshness_heuristic(void)
{
	struct hset		 s;
	struct cache_times	 t;

	/* 10% of Date - Last-Modified (10000 s): 1000 s. */
	hs(&s, "Date: Sun, 06 Nov 1994 08:49:37 GMT\n"
	    "Last-Modified: Sun, 06 Nov 1994 06:02:57 GMT\n");
	cache_times_init(&t, 200, s.h, s.n, T0, T0, 86400);
	CU_ASSERT_EQUAL(t.lifetime, 1000);
	CU_ASSERT(t.heuristic);
	/* Capped by cache-heuristic-max. */
	cache_times_init(&t, 200, s.h, s.n, T0, T0, 300);
	CU_ASSERT_EQUAL(t.lifetime, 300);
	/* 404 is heuristically cacheable, 302 is not. */
	cache_times_init(&t, 404, s.h, s.n, T0, T0, 86400);
	CU_ASSERT_EQUAL(t.lifetime, 1000);
	cache_times_init(&t, 302, s.h, s.n, T0, T0, 86400);
	CU_ASSERT_EQUAL(t.lifetime, 0);
	/* ...unless public. */
	hs(&s, "Date: Sun, 06 Nov 1994 08:49:37 GMT\nCache-Control: public\n"
	    "Last-Modified: Sun, 06 Nov 1994 06:02:57 GMT\n");
	cache_times_init(&t, 302, s.h, s.n, T0, T0, 86400);
	CU_ASSERT_EQUAL(t.lifetime, 1000);
	/* Last-Modified in the future gives nothing. */
	hs(&s, "Date: Sun, 06 Nov 1994 08:49:37 GMT\n"
	    "Last-Modified: Sun, 06 Nov 1994 10:00:00 GMT\n");
	cache_times_init(&t, 200, s.h, s.n, T0, T0, 86400);
	CU_ASSERT_EQUAL(t.lifetime, 0);
	CU_ASSERT_EQUAL(cache_status_heuristic(200), 1);
	CU_ASSERT_EQUAL(cache_status_heuristic(410), 1);
	CU_ASSERT_EQUAL(cache_status_heuristic(501), 1);
	CU_ASSERT_EQUAL(cache_status_heuristic(500), 0);
	CU_ASSERT_EQUAL(cache_status_heuristic(307), 0);
}

static void
test_cache_current_age_values(void)
{
	struct hset		 s;
	struct cache_times	 t;

	/* Plain: resident time only. */
	hs(&s, "Date: Sun, 06 Nov 1994 08:49:37 GMT\n");
	cache_times_init(&t, 200, s.h, s.n, T0, T0, 0);
	CU_ASSERT_EQUAL(cache_current_age(&t, T0), 0);
	CU_ASSERT_EQUAL(cache_current_age(&t, T0 + 42), 42);
	/* Clock going backwards: never negative. */
	CU_ASSERT_EQUAL(cache_current_age(&t, T0 - 100), 0);
	/* Age header plus response delay. */
	hs(&s, "Date: Sun, 06 Nov 1994 08:49:37 GMT\nAge: 30\n");
	cache_times_init(&t, 200, s.h, s.n, T0 - 2, T0, 0);
	CU_ASSERT_EQUAL(t.age_value, 30);
	CU_ASSERT_EQUAL(cache_current_age(&t, T0 + 10), 42);
	/* Apparent age from a Date in the past beats a small Age. */
	hs(&s, "Date: Sun, 06 Nov 1994 08:48:37 GMT\nAge: 5\n");
	cache_times_init(&t, 200, s.h, s.n, T0, T0, 0);
	CU_ASSERT_EQUAL(cache_current_age(&t, T0), 60);
	/* Huge Age: capped, never wraps. */
	hs(&s, "Date: Sun, 06 Nov 1994 08:49:37 GMT\n"
	    "Age: 999999999999999999999\n");
	cache_times_init(&t, 200, s.h, s.n, T0, T0, 0);
	CU_ASSERT_EQUAL(t.age_value, CACHE_DELTA_MAX);
	CU_ASSERT_EQUAL(cache_current_age(&t, T0 + 1000), CACHE_DELTA_MAX);
	/* Negative and non-integer Age are ignored. */
	hs(&s, "Date: Sun, 06 Nov 1994 08:49:37 GMT\nAge: -10\n");
	cache_times_init(&t, 200, s.h, s.n, T0, T0, 0);
	CU_ASSERT_EQUAL(t.age_value, 0);
	CU_ASSERT_EQUAL(cache_current_age(&t, T0 + 1), 1);
	hs(&s, "Date: Sun, 06 Nov 1994 08:49:37 GMT\nAge: 1.5\n");
	cache_times_init(&t, 200, s.h, s.n, T0, T0, 0);
	CU_ASSERT_EQUAL(t.age_value, 0);
	/* Date in the future (skewed origin): apparent age 0. */
	hs(&s, "Date: Sun, 06 Nov 1994 09:49:37 GMT\n");
	cache_times_init(&t, 200, s.h, s.n, T0, T0, 0);
	CU_ASSERT_EQUAL(cache_current_age(&t, T0 + 5), 5);
}

/* Storability of one response; returns cache_storable(). */
static int
storable(const char *method, const char *reqh, int status, const char *resh)
{
	struct hset		 rq, rs;
	struct cache_req	 req;
	struct cache_resp	 resp;
	const char		*why;

	hs(&rq, reqh);
	hs(&rs, resh);
	req.method = method;
	req.uri = "http://example.com/";
	req.hdrs = rq.h;
	req.nhdrs = rq.n;
	resp.status = status;
	resp.hdrs = rs.h;
	resp.nhdrs = rs.n;
	resp.request_time = resp.response_time = T0;
	return (cache_storable(&req, &resp, 86400, &why));
}

#define LM	"Date: Sun, 06 Nov 1994 08:49:37 GMT\n" \
		"Last-Modified: Sun, 06 Nov 1994 06:02:57 GMT\n"

static void
test_cache_storable_rules(void)
{
	/* Methods. */
	CU_ASSERT_EQUAL(storable("GET", "", 200, LM), 1);
	CU_ASSERT_EQUAL(storable("HEAD", "", 200, LM), 0);
	CU_ASSERT_EQUAL(storable("POST", "", 200,
	    "Cache-Control: max-age=60\n"), 0);
	CU_ASSERT_EQUAL(storable("PUT", "", 200, LM), 0);
	/* Status codes. */
	CU_ASSERT_EQUAL(storable("GET", "", 100, "Cache-Control: max-age=60\n"),
	    0);
	CU_ASSERT_EQUAL(storable("GET", "", 206, "Cache-Control: max-age=60\n"),
	    0);
	CU_ASSERT_EQUAL(storable("GET", "", 304, "Cache-Control: max-age=60\n"),
	    0);
	CU_ASSERT_EQUAL(storable("GET", "", 404, LM), 1);
	CU_ASSERT_EQUAL(storable("GET", "", 410, LM), 1);
	CU_ASSERT_EQUAL(storable("GET", "", 302, LM), 0);
	CU_ASSERT_EQUAL(storable("GET", "", 302, "Cache-Control: max-age=60\n"),
	    1);
	CU_ASSERT_EQUAL(storable("GET", "", 307,
	    "Expires: Sun, 06 Nov 1994 09:49:37 GMT\n"), 1);
	CU_ASSERT_EQUAL(storable("GET", "", 500, LM), 0);
	CU_ASSERT_EQUAL(storable("GET", "", 500, "Cache-Control: s-maxage=5\n"),
	    1);
	/* must-understand: only known codes, and no-store is overridden. */
	CU_ASSERT_EQUAL(storable("GET", "", 299,
	    "Cache-Control: max-age=60, must-understand, no-store\n"), 0);
	CU_ASSERT_EQUAL(storable("GET", "", 200,
	    "Cache-Control: max-age=60, must-understand, no-store\n"), 1);
	/* no-store, private. */
	CU_ASSERT_EQUAL(storable("GET", "", 200,
	    "Cache-Control: max-age=60, no-store\n"), 0);
	CU_ASSERT_EQUAL(storable("GET", "", 200,
	    "Cache-Control: max-age=60, private\n"), 0);
	CU_ASSERT_EQUAL(storable("GET", "", 200,
	    "Cache-Control: max-age=60, private=\"Set-Cookie\"\n"), 1);
	CU_ASSERT_EQUAL(storable("GET", "Cache-Control: no-store\n", 200,
	    "Cache-Control: max-age=60\n"), 0);
	/* Authorization. */
	CU_ASSERT_EQUAL(storable("GET", "Authorization: Basic eDp5\n", 200,
	    "Cache-Control: max-age=60\n"), 0);
	CU_ASSERT_EQUAL(storable("GET", "Authorization: Basic eDp5\n", 200,
	    "Cache-Control: max-age=60, public\n"), 1);
	CU_ASSERT_EQUAL(storable("GET", "Authorization: Basic eDp5\n", 200,
	    "Cache-Control: s-maxage=60\n"), 1);
	CU_ASSERT_EQUAL(storable("GET", "Authorization: Basic eDp5\n", 200,
	    "Cache-Control: max-age=60, must-revalidate\n"), 1);
	/* No freshness: stored only when heuristics or validation help. */
	CU_ASSERT_EQUAL(storable("GET", "", 200,
	    "Date: Sun, 06 Nov 1994 08:49:37 GMT\n"), 0);
	CU_ASSERT_EQUAL(storable("GET", "", 200, "ETag: \"a\"\n"), 1);
	CU_ASSERT_EQUAL(storable("GET", "", 200, "Cache-Control: public\n"),
	    0);
	CU_ASSERT_EQUAL(storable("GET", "", 200,
	    "Cache-Control: no-cache\nETag: \"a\"\n"), 1);
	/* Vary. */
	CU_ASSERT_EQUAL(storable("GET", "", 200,
	    "Cache-Control: max-age=60\nVary: *\n"), 0);
	CU_ASSERT_EQUAL(storable("GET", "", 200,
	    "Cache-Control: max-age=60\nVary: Accept-Encoding\n"), 1);
}

static void
test_cache_vary_keys(void)
{
	struct hset	 r, a, b;
	char		*names, *k1, *k2;

	hs(&r, "Vary: Accept-Encoding, ACCEPT-Language\nVary: Cookie\n");
	CU_ASSERT_EQUAL(cache_vary_names(r.h, r.n, &names), 0);
	CU_ASSERT_STRING_EQUAL(names, "accept-encoding,accept-language,cookie");
	free(names);
	hs(&r, "Vary: Accept, *\n");
	CU_ASSERT_EQUAL(cache_vary_names(r.h, r.n, &names), 0);
	CU_ASSERT_STRING_EQUAL(names, "*");
	CU_ASSERT_EQUAL(cache_vary_key(names, r.h, r.n, &k1), 1);
	free(names);
	hs(&r, "Content-Type: text/plain\n");
	CU_ASSERT_EQUAL(cache_vary_names(r.h, r.n, &names), 0);
	CU_ASSERT_PTR_NULL(names);

	/* Whitespace and line splits normalise away. */
	hs(&a, "Accept-Encoding: gzip,  deflate\n");
	hs(&b, "accept-encoding: gzip\nAccept-Encoding:deflate\n");
	CU_ASSERT_EQUAL(cache_vary_key("accept-encoding", a.h, a.n, &k1), 0);
	CU_ASSERT_EQUAL(cache_vary_key("accept-encoding", b.h, b.n, &k2), 0);
	CU_ASSERT_STRING_EQUAL(k1, k2);
	free(k1);
	free(k2);
	/* Different values differ. */
	hs(&b, "Accept-Encoding: br\n");
	CU_ASSERT_EQUAL(cache_vary_key("accept-encoding", a.h, a.n, &k1), 0);
	CU_ASSERT_EQUAL(cache_vary_key("accept-encoding", b.h, b.n, &k2), 0);
	CU_ASSERT(strcmp(k1, k2) != 0);
	free(k1);
	free(k2);
	/* Absent and empty differ. */
	hs(&a, "Accept-Encoding: \n");
	hs(&b, "Other: x\n");
	CU_ASSERT_EQUAL(cache_vary_key("accept-encoding", a.h, a.n, &k1), 0);
	CU_ASSERT_EQUAL(cache_vary_key("accept-encoding", b.h, b.n, &k2), 0);
	CU_ASSERT(strcmp(k1, k2) != 0);
	free(k1);
	free(k2);
	/* No Vary: no key. */
	CU_ASSERT_EQUAL(cache_vary_key(NULL, a.h, a.n, &k1), 0);
	CU_ASSERT_PTR_NULL(k1);
	/*
	 * A name longer than 127 characters counts whole: cut short, it
	 * matched no field and every client got the first variant.
	 */
	{
		char	 name[201], text[512];

		memset(name, 'n', 200);
		name[200] = '\0';
		snprintf(text, sizeof text, "%s: one\n", name);
		hs(&a, text);
		snprintf(text, sizeof text, "%s: two\n", name);
		hs(&b, text);
		CU_ASSERT_EQUAL(cache_vary_key(name, a.h, a.n, &k1), 0);
		CU_ASSERT_EQUAL(cache_vary_key(name, b.h, b.n, &k2), 0);
		CU_ASSERT(strcmp(k1, k2) != 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(k1, "=one"));
		free(k1);
		free(k2);
	}
}

static void
test_cache_etag_compare(void)
{
	CU_ASSERT(cache_etag_match_weak("\"a\"", 3, "W/\"a\"", 5));
	CU_ASSERT(cache_etag_match_weak("W/\"a\"", 5, "W/\"a\"", 5));
	CU_ASSERT(!cache_etag_match_weak("\"a\"", 3, "\"b\"", 3));
	CU_ASSERT(!cache_etag_match_weak("a", 1, "a", 1));
	CU_ASSERT(cache_etag_list_match("\"x\", W/\"a\"", 10, "\"a\"", 3, 1));
	CU_ASSERT(!cache_etag_list_match("\"x\", W/\"a\"", 10, "\"a\"", 3, 0));
	CU_ASSERT(cache_etag_list_match("\"a\"", 3, "\"a\"", 3, 0));
	CU_ASSERT(cache_etag_list_match("*", 1, "\"a\"", 3, 0));
	CU_ASSERT(!cache_etag_list_match("\"b\"", 3, NULL, 0, 1));
}

/* Evaluate a client's conditional against a stored head. */
static int
notmod(const char *reqh, const char *stored)
{
	struct hset		 r, s;
	struct cache_req	 req;

	hs(&r, reqh);
	hs(&s, stored);
	req.method = "GET";
	req.uri = "http://example.com/";
	req.hdrs = r.h;
	req.nhdrs = r.n;
	return (cache_client_not_modified(&req, s.h, s.n, T0));
}

static void
test_cache_client_conditional(void)
{
	const char	*st = "ETag: \"v1\"\n" LM;

	CU_ASSERT_EQUAL(notmod("If-None-Match: \"v1\"\n", st), 1);
	CU_ASSERT_EQUAL(notmod("If-None-Match: W/\"v1\"\n", st), 1);
	CU_ASSERT_EQUAL(notmod("If-None-Match: \"v0\", \"v2\"\n", st), 0);
	CU_ASSERT_EQUAL(notmod("If-None-Match: *\n", st), 1);
	/* If-Modified-Since is ignored when If-None-Match is present. */
	CU_ASSERT_EQUAL(notmod("If-None-Match: \"v0\"\n"
	    "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\n", st), 0);
	CU_ASSERT_EQUAL(notmod(
	    "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\n", st), 1);
	CU_ASSERT_EQUAL(notmod(
	    "If-Modified-Since: Sun, 06 Nov 1994 06:02:57 GMT\n", st), 1);
	CU_ASSERT_EQUAL(notmod(
	    "If-Modified-Since: Sun, 06 Nov 1994 06:00:00 GMT\n", st), 0);
	CU_ASSERT_EQUAL(notmod("If-Modified-Since: yesterday\n", st), 0);
	/* Without Last-Modified, Date stands in. */
	CU_ASSERT_EQUAL(notmod(
	    "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\n",
	    "Date: Sun, 06 Nov 1994 08:49:37 GMT\n"), 1);
	CU_ASSERT_EQUAL(notmod(
	    "If-Modified-Since: Sun, 06 Nov 1994 08:00:00 GMT\n",
	    "Date: Sun, 06 Nov 1994 08:49:37 GMT\n"), 0);
	CU_ASSERT_EQUAL(notmod("", st), 0);
}

static void
test_cache_merge_304_fields(void)
{
	struct hset	 st, up;
	char		*out;
	size_t		 len;

	hs(&st, "Content-Type: text/plain\nContent-Length: 5\n"
	    "Content-Encoding: gzip\nCache-Control: max-age=1\n"
	    "X-Old: a\nX-Old: b\nETag: \"v1\"\n");
	hs(&up, "Cache-Control: max-age=100\nContent-Length: 0\n"
	    "Content-Encoding: br\nX-Old: c\nX-New: n\nConnection: X-Hop\n"
	    "X-Hop: h\nAge: 3\nTransfer-Encoding: chunked\n");
	CU_ASSERT_EQUAL_FATAL(cache_merge_304(st.h, st.n, up.h, up.n, &out,
	    &len), 0);
	CU_ASSERT_STRING_EQUAL(out, "Content-Type: text/plain\r\n"
	    "Content-Length: 5\r\nContent-Encoding: gzip\r\n"
	    "Cache-Control: max-age=100\r\nX-Old: c\r\nETag: \"v1\"\r\n"
	    "X-New: n\r\n");
	CU_ASSERT_EQUAL(len, strlen(out));
	free(out);
	CU_ASSERT(cache_update_excluded("content-length", 14));
	CU_ASSERT(cache_update_excluded("Content-Range", 13));
	CU_ASSERT(!cache_update_excluded("Content-Type", 12));
}

static void
test_cache_range_forms(void)
{
	uint64_t	 s, l;

#define RP(v, tot)	cache_range_parse(v, strlen(v), tot, &s, &l)
	CU_ASSERT_EQUAL(RP("bytes=0-9", 100), CACHE_RANGE_OK);
	CU_ASSERT(s == 0 && l == 10);
	CU_ASSERT_EQUAL(RP("bytes=90-", 100), CACHE_RANGE_OK);
	CU_ASSERT(s == 90 && l == 10);
	CU_ASSERT_EQUAL(RP("bytes=-5", 100), CACHE_RANGE_OK);
	CU_ASSERT(s == 95 && l == 5);
	CU_ASSERT_EQUAL(RP("bytes=-500", 100), CACHE_RANGE_OK);
	CU_ASSERT(s == 0 && l == 100);
	CU_ASSERT_EQUAL(RP("bytes=50-1000", 100), CACHE_RANGE_OK);
	CU_ASSERT(s == 50 && l == 50);
	CU_ASSERT_EQUAL(RP("Bytes=1-1", 100), CACHE_RANGE_OK);
	CU_ASSERT_EQUAL(RP("bytes=100-", 100), CACHE_RANGE_BAD);
	CU_ASSERT_EQUAL(RP("bytes=-0", 100), CACHE_RANGE_BAD);
	CU_ASSERT_EQUAL(RP("bytes=0-1,5-6", 100), CACHE_RANGE_NONE);
	CU_ASSERT_EQUAL(RP("bytes=5-1", 100), CACHE_RANGE_NONE);
	CU_ASSERT_EQUAL(RP("items=0-1", 100), CACHE_RANGE_NONE);
	CU_ASSERT_EQUAL(RP("bytes=a-b", 100), CACHE_RANGE_NONE);
	CU_ASSERT_EQUAL(RP("bytes=-", 100), CACHE_RANGE_NONE);
	CU_ASSERT_EQUAL(RP("bytes=99999999999999999999999-", 100),
	    CACHE_RANGE_NONE);
#undef RP
}

static void
test_cache_uri_forms(void)
{
	char	*u;

	CU_ASSERT_EQUAL(cache_uri_normalise("HTTP://Example.COM:80/a?b#c", &u),
	    0);
	CU_ASSERT_STRING_EQUAL(u, "http://example.com/a?b");
	free(u);
	CU_ASSERT_EQUAL(cache_uri_normalise("http://example.com:8080", &u), 0);
	CU_ASSERT_STRING_EQUAL(u, "http://example.com:8080/");
	free(u);
	CU_ASSERT_EQUAL(cache_uri_normalise("http://[::1]:80/x", &u), 0);
	CU_ASSERT_STRING_EQUAL(u, "http://[::1]/x");
	free(u);
	/* The port is a number: leading zeros and an empty port mean none. */
	CU_ASSERT_EQUAL(cache_uri_normalise("http://h:080/", &u), 0);
	CU_ASSERT_STRING_EQUAL(u, "http://h/");
	free(u);
	CU_ASSERT_EQUAL(cache_uri_normalise("http://h:/", &u), 0);
	CU_ASSERT_STRING_EQUAL(u, "http://h/");
	free(u);
	CU_ASSERT_EQUAL(cache_uri_normalise("https://h:0443/", &u), 0);
	CU_ASSERT_STRING_EQUAL(u, "https://h/");
	free(u);
	CU_ASSERT_EQUAL(cache_uri_normalise("http://h:08080/", &u), 0);
	CU_ASSERT_STRING_EQUAL(u, "http://h:8080/");
	free(u);
	CU_ASSERT_EQUAL(cache_uri_normalise("http://h:443/", &u), 0);
	CU_ASSERT_STRING_EQUAL(u, "http://h:443/");
	free(u);
	CU_ASSERT_EQUAL(cache_uri_normalise("http://h:8x/", &u), -1);
	CU_ASSERT_EQUAL(cache_uri_normalise("/relative", &u), -1);
	/* ftp:// for the gateway's answers (ftp-cache), port 21 dropped. */
	CU_ASSERT_EQUAL(cache_uri_normalise("FTP://Ftp.Example.com:21/a", &u),
	    0);
	CU_ASSERT_STRING_EQUAL(u, "ftp://ftp.example.com/a");
	free(u);
	CU_ASSERT_EQUAL(cache_uri_normalise("ftp://h:2121/", &u), 0);
	CU_ASSERT_STRING_EQUAL(u, "ftp://h:2121/");
	free(u);
	CU_ASSERT_EQUAL(cache_uri_normalise("ftp://anonymous@h/", &u), -1);
	CU_ASSERT_EQUAL(cache_uri_normalise("gopher://example.com/", &u), -1);
	CU_ASSERT_EQUAL(cache_uri_normalise("http://user@example.com/", &u),
	    -1);
	/* A port and no host (found by fuzz_cache: it normalised once). */
	CU_ASSERT_EQUAL(cache_uri_normalise("http://:/a.example/x", &u), -1);
	CU_ASSERT_EQUAL(cache_uri_normalise("http://:80/", &u), -1);

	CU_ASSERT_EQUAL(cache_uri_resolve("http://a.example/d/e?q", "f", 1,
	    &u), 0);
	CU_ASSERT_STRING_EQUAL(u, "http://a.example/d/f");
	free(u);
	CU_ASSERT_EQUAL(cache_uri_resolve("http://a.example/d/e", "/g", 2, &u),
	    0);
	CU_ASSERT_STRING_EQUAL(u, "http://a.example/g");
	free(u);
	CU_ASSERT_EQUAL(cache_uri_resolve("http://a.example/d/e",
	    "//b.example/h", 13, &u), 0);
	CU_ASSERT_STRING_EQUAL(u, "http://b.example/h");
	free(u);
	CU_ASSERT_EQUAL(cache_uri_resolve("http://a.example/",
	    "HTTP://A.example:80/i", 21, &u), 0);
	CU_ASSERT_STRING_EQUAL(u, "http://a.example/i");
	CU_ASSERT(cache_same_origin(u, "http://a.example/other"));
	CU_ASSERT(!cache_same_origin(u, "http://a.example:81/i"));
	CU_ASSERT(!cache_same_origin(u, "https://a.example/i"));
	free(u);
	CU_ASSERT(cache_method_safe("GET") && cache_method_safe("OPTIONS"));
	CU_ASSERT(!cache_method_safe("POST") && !cache_method_safe("PATCH"));
}

/*
 * Feed random and mutated field values to every parser: under ASan and
 * UBSan this finds out-of-bounds reads, overflows and crashes.
 */
static void
test_cache_parsers_random_input(void)
{
	static const char *const seeds[] = {
		"Sun, 06 Nov 1994 08:49:37 GMT", "max-age=60, private=\"a, b\"",
		"bytes=0-99", "W/\"x\", \"y\"", "http://a.example:80/p?q#f",
		"gzip, deflate", "*", "-5", "\"\"", "bytes=-"
	};
	struct http_header	 h[3];
	struct cache_cc		 cc;
	struct cache_times	 t;
	struct cache_req	 rq;
	char			 v[64], u[80], *k, *o;
	uint64_t		 a, b;
	size_t			 len, j, olen;
	time_t			 tt;
	unsigned int		 seed = 12345;
	int			 i;

	for (i = 0; i < 20000; i++) {
		/* Half mutated seeds, half random bytes. */
		if (i % 2 == 0) {
			strlcpy(v, seeds[rand_r(&seed) % 10], sizeof v);
			len = strlen(v);
			for (j = 0; j < 3 && len > 0; j++)
				v[rand_r(&seed) % len] = rand_r(&seed) % 256;
		} else {
			len = rand_r(&seed) % sizeof v;
			for (j = 0; j < len; j++)
				v[j] = rand_r(&seed) % 256;
		}
		h[0].name = "Cache-Control";
		h[0].name_len = 13;
		h[1].name = "Vary";
		h[1].name_len = 4;
		h[2].name = "Expires";
		h[2].name_len = 7;
		for (j = 0; j < 3; j++) {
			h[j].value = v;
			h[j].value_len = len;
		}
		cache_date_parse(v, len, &tt);
		cache_delta_parse(v, len);
		cache_cc_parse(h, 3, i & 1, &cc);
		cache_cc_private_field(h, 3, "a", 1);
		cache_times_init(&t, 200, h, 3, 1000, 1000, 86400);
		CU_ASSERT(t.lifetime >= 0 && t.lifetime <= CACHE_DELTA_MAX);
		CU_ASSERT(cache_current_age(&t, 5000) >= 0);
		if (cache_range_parse(v, len, 100, &a, &b) == CACHE_RANGE_OK)
			CU_ASSERT(a < 100 && b > 0 && a + b <= 100);
		cache_etag_list_match(v, len, "\"y\"", 3, i & 1);
		if (cache_vary_names(h, 3, &k) == 0 && k != NULL) {
			rq.method = "GET";
			rq.uri = "http://a.example/";
			rq.hdrs = h;
			rq.nhdrs = 3;
			if (cache_vary_key(k, rq.hdrs, rq.nhdrs, &o) == 0)
				free(o);
			cache_client_not_modified(&rq, h, 3, 1000);
			free(k);
		}
		if (cache_merge_304(h, 3, h, 3, &o, &olen) == 0)
			free(o);
		memcpy(u, "http://", 7);
		memcpy(u + 7, v, len);
		u[7 + len] = '\0';
		if (memchr(v, '\0', len) == NULL) {
			if (cache_uri_normalise(u, &o) == 0)
				free(o);
			if (cache_uri_resolve("http://a.example/b/c", v, len,
			    &o) == 0)
				free(o);
		}
	}
}

static CU_TestInfo tests[] = {
	{ "date forms", test_cache_date_parse_forms },
	{ "delta-seconds", test_cache_delta_parse_values },
	{ "cache-control parse", test_cache_cc_parse_directives },
	{ "freshness order", test_cache_freshness_order },
	{ "heuristic freshness", test_cache_freshness_heuristic },
	{ "current age", test_cache_current_age_values },
	{ "storability", test_cache_storable_rules },
	{ "vary keys", test_cache_vary_keys },
	{ "etag compare", test_cache_etag_compare },
	{ "client conditionals", test_cache_client_conditional },
	{ "304 merge", test_cache_merge_304_fields },
	{ "range forms", test_cache_range_forms },
	{ "uri forms", test_cache_uri_forms },
	{ "parsers on random input", test_cache_parsers_random_input },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(proxy_cache_rules_suite, "proxy_cache_rules", tests)
