/*
 * proxy_cache.c: the hook where the cache plugs into the forward path.
 * There is no cache yet: every lookup misses and nothing is stored.
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
