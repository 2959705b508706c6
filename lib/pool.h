/*
 * pool.h: idle connections kept for reuse, keyed by "host:port", at most
 * <max> of them, each closed after <idle_ms> unused or when its peer
 * closes or sends anything. A pooled bufferevent belongs to the pool
 * until pool_get() hands it back, callbacks to be set by the taker.
 */
#ifndef POOL_H
#define POOL_H

#include <stdint.h>

#include "addr.h"

struct bufferevent;
struct pool;

struct pool_conf {
	unsigned	 max;
	uint64_t	 idle_ms;	/* 0: keep nothing */
};

struct pool	*pool_new(const struct pool_conf *);
void		 pool_free(struct pool *);
/* New limits (reload); connections already pooled stay. */
void		 pool_set(struct pool *, const struct pool_conf *);
/*
 * Keep <bev>, connected to <peer>, under <key>. -1 when the pool will
 * not (full, disabled, out of memory): the caller still owns it.
 */
int		 pool_put(struct pool *, const char *,
		    const struct addr *, struct bufferevent *);
/* Take the most recently pooled connection for <key>, or NULL. */
struct bufferevent *pool_get(struct pool *, const char *, struct addr *);
/* Close every pooled connection. */
void		 pool_flush(struct pool *);
unsigned	 pool_count(const struct pool *);

#endif
