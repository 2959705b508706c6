/*
 * proxy_cache_hook.c: where the cache plugs into the forward path. The
 * RFC 9111 cache (proxy_cache.h, libproxycache.a) is not wired in yet:
 * every lookup misses and nothing is stored. Its data-path contract is
 * in proxy_cache.h; lookups go here, stores where the response head is
 * forwarded (proxy_server.c) and as the body streams.
 */
#include "proxy.h"

/*
 * Look a request up. Returns 1 when the cache answered the client itself
 * (a hit), 0 when the request must go to the origin.
 */
int
proxy_cache_lookup(struct proxy_client *c)
{
	return (0);
}

/* Offer a response head to the cache; the body would follow. */
void
proxy_cache_store(struct proxy_client *c, const struct http_msg *resp)
{
}
