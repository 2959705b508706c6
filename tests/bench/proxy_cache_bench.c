/*
 * proxy_cache_bench.c: the cache's own cost per hit (lookup, header
 * fields, body by reference or file segment) and the disk tier's start-up
 * time, in-process and without a network. Built by make check, not run:
 *   tests/bench/proxy_cache_bench EMPTY-DIR
 */
#include <sys/resource.h>
#include <sys/time.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ev.h"
#include "log.h"
#include "proxy/proxy_cache.h"

#define NOW	1700000000

static double	now_ms(void);
static void	store_one(struct cache *, const char *, size_t);
static void	bench_hits(struct cache *, const char *, const char *, int);
static struct cache *open_cache(uint64_t, const char *);

/* Return a monotonic time in milliseconds. */
static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6);
}

/* Open a cache. */
static struct cache *
open_cache(uint64_t mem, const char *dir)
{
	struct cache_conf	 conf;
	struct cache		*c;
	char			*cause = NULL;

	memset(&conf, 0, sizeof conf);
	conf.mem_max = mem;
	conf.dir = dir;
	conf.dir_max = 1ULL << 32;
	conf.max_object = 64 << 20;
	conf.heuristic_max = 86400;
	if ((c = cache_new(&conf, &cause)) == NULL)
		fatalx("cache: %s", cause);
	return (c);
}

/* Store one object of len bytes under uri. */
static void
store_one(struct cache *c, const char *uri, size_t len)
{
	static char		 date[64];
	struct http_header	 h[3] = {
		{ "Date", 4, date, 0 },
		{ "Cache-Control", 13, "max-age=3600", 12 },
		{ "Content-Type", 12, "application/octet-stream", 24 }
	};
	struct cache_req	 rq = { "GET", uri, NULL, 0 };
	struct cache_resp	 rs = { 200, h, 3, NOW, NOW };
	struct cache_store	*st;
	const char		*why;
	char			*body;

	h[0].value_len = cache_date_format(NOW, date, sizeof date);
	if ((body = malloc(len)) == NULL)
		fatal("malloc");
	memset(body, 'x', len);
	if ((st = cache_store_begin(c, &rq, &rs, &why)) == NULL)
		fatalx("store %s: %s", uri, why);
	cache_store_append(st, body, len);
	if (cache_store_end(st, &why) == -1)
		fatalx("store %s: %s", uri, why);
	free(body);
}

/* Serve n hits of uri into an output buffer and drain it each time. */
static void
bench_hits(struct cache *c, const char *label, const char *uri, int n)
{
	struct http_header	 h[2] = {
		{ "User-Agent", 10, "bench", 5 },
		{ "Accept", 6, "*/*", 3 }
	};
	struct cache_req	 rq = { "GET", uri, h, 2 };
	struct cache_answer	 ans;
	struct evbuffer		*out = evbuffer_new();
	double			 t0, t1;
	int			 i;

	/* Like a socket bufferevent's output: file segments use sendfile. */
	evbuffer_set_flags(out, EVBUFFER_FLAG_DRAINS_TO_FD);
	t0 = now_ms();
	for (i = 0; i < n; i++) {
		cache_lookup(c, &rq, NOW + 1, NULL, NULL, &ans);
		if (ans.action != CACHE_ACT_HIT)
			fatalx("%s: not a hit", uri);
		cache_hit_fields(&ans, out);
		cache_hit_body(&ans, out);
		cache_count(c, ans.code);
		cache_answer_clear(&ans);
		evbuffer_drain(out, evbuffer_get_length(out));
	}
	t1 = now_ms();
	printf("%-24s %9.0f hits/s  %6.2f us/hit\n", label,
	    n / ((t1 - t0) / 1000.0), (t1 - t0) * 1000.0 / n);
	evbuffer_free(out);
}

int
main(int argc, char **argv)
{
	struct cache		*c;
	struct cache_stats	 st;
	struct rusage		 ru;
	char			 uri[128];
	const char		*dir;
	double			 t0, t1;
	int			 i, n = 10000;

	log_init("cache-bench", 1, 0);
	if (argc != 2) {
		fprintf(stderr, "usage: proxy_cache_bench EMPTY-DIR\n");
		return (2);
	}
	dir = argv[1];

	c = open_cache(256 << 20, NULL);
	store_one(c, "http://bench.example/1k", 1024);
	store_one(c, "http://bench.example/64k", 65536);
	bench_hits(c, "memory hit 1 KiB", "http://bench.example/1k", 200000);
	bench_hits(c, "memory hit 64 KiB", "http://bench.example/64k", 200000);
	cache_free(c);

	/* Disk hits: no memory tier, bodies as file segments. */
	c = open_cache(0, dir);
	store_one(c, "http://bench.example/disk64k", 65536);
	bench_hits(c, "disk hit 64 KiB", "http://bench.example/disk64k",
	    100000);
	cache_purge(c, "http://bench.example/disk64k");
	for (i = 0; i < n; i++) {
		snprintf(uri, sizeof uri, "http://bench.example/o/%d", i);
		store_one(c, uri, 512);
	}
	cache_free(c);
	t0 = now_ms();
	c = open_cache(0, dir);
	t1 = now_ms();
	cache_get_stats(c, &st);
	printf("disk index rebuild       %" PRIu64 " objects in %.1f ms\n",
	    st.disk_objects, t1 - t0);
	for (i = 0; i < n; i++) {
		snprintf(uri, sizeof uri, "http://bench.example/o/%d", i);
		cache_purge(c, uri);
	}
	cache_free(c);
	getrusage(RUSAGE_SELF, &ru);
	printf("max resident set         %ld KiB\n", ru.ru_maxrss);
	return (0);
}
