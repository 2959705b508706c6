/* test_proxy_cache.h: fixtures shared by the cache's unit tests. */
#ifndef TEST_PROXY_CACHE_H
#define TEST_PROXY_CACHE_H

#include "proxy/proxy_cache.h"

#define MAXH	32

/* A header list built from text, the storage its fields point into. */
struct hset {
	char			 buf[4096];
	struct http_header	 h[MAXH];
	size_t			 n;
};

void	hs(struct hset *, const char *);

#endif
