/* pool.c: idle connections kept for reuse. */
#include <sys/queue.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ev.h"
#include "log.h"
#include "pool.h"
#include "xmalloc.h"

struct pool_conn {
	struct pool			*pool;
	struct bufferevent		*bev;
	struct addr			 peer;
	TAILQ_ENTRY(pool_conn)		 entry;
	char				 key[];
};

struct pool {
	struct pool_conf		 conf;
	TAILQ_HEAD(, pool_conn)		 idle;
	unsigned			 n;
};

static void	pool_drop(struct pool_conn *);
static void	pool_read_cb(struct bufferevent *, void *);
static void	pool_event_cb(struct bufferevent *, short, void *);

/* Create a pool. */
struct pool *
pool_new(const struct pool_conf *conf)
{
	struct pool	*p;

	p = xcalloc(1, sizeof *p);
	p->conf = *conf;
	TAILQ_INIT(&p->idle);
	return (p);
}

/* Close everything and free the pool. */
void
pool_free(struct pool *p)
{
	if (p == NULL)
		return;
	pool_flush(p);
	free(p);
}

/* Apply new limits. */
void
pool_set(struct pool *p, const struct pool_conf *conf)
{
	p->conf = *conf;
}

/* Close one pooled connection. */
static void
pool_drop(struct pool_conn *pc)
{
	TAILQ_REMOVE(&pc->pool->idle, pc, entry);
	pc->pool->n--;
	bufferevent_free(pc->bev);
	free(pc);
}

/* An idle connection has nothing to say: whatever comes, close it. */
static void
pool_read_cb(struct bufferevent *bev, void *arg)
{
	struct pool_conn	*pc = arg;

	log_debug("pool %s: data on an idle connection; closing", pc->key);
	pool_drop(pc);
}

/* The peer closed an idle connection, or it timed out. */
static void
pool_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct pool_conn	*pc = arg;

	log_debug("pool %s: idle connection %s", pc->key,
	    (what & BEV_EVENT_TIMEOUT) ? "timed out" : "closed");
	pool_drop(pc);
}

/* Keep a connection. */
int
pool_put(struct pool *p, const char *key, const struct addr *peer,
    struct bufferevent *bev)
{
	struct pool_conn	*pc;
	struct timeval		 tv;
	size_t			 len = strlen(key) + 1;

	if (p->conf.idle_ms == 0 || p->n >= p->conf.max)
		return (-1);
	if ((pc = calloc(1, sizeof *pc + len)) == NULL)
		return (-1);
	pc->pool = p;
	pc->bev = bev;
	pc->peer = *peer;
	memcpy(pc->key, key, len);
	bufferevent_setcb(bev, pool_read_cb, NULL, pool_event_cb, pc);
	ev_tv(&tv, p->conf.idle_ms);
	bufferevent_set_timeouts(bev, &tv, NULL);
	bufferevent_enable(bev, EV_READ);
	TAILQ_INSERT_HEAD(&p->idle, pc, entry);
	p->n++;
	return (0);
}

/* Take a connection for a key. */
struct bufferevent *
pool_get(struct pool *p, const char *key, struct addr *peer)
{
	struct pool_conn	*pc;
	struct bufferevent	*bev;

	TAILQ_FOREACH(pc, &p->idle, entry)
		if (strcasecmp(pc->key, key) == 0)
			break;
	if (pc == NULL)
		return (NULL);
	TAILQ_REMOVE(&p->idle, pc, entry);
	p->n--;
	bev = pc->bev;
	if (peer != NULL)
		*peer = pc->peer;
	bufferevent_setcb(bev, NULL, NULL, NULL, NULL);
	free(pc);
	return (bev);
}

/* Close every pooled connection. */
void
pool_flush(struct pool *p)
{
	struct pool_conn	*pc;

	while ((pc = TAILQ_FIRST(&p->idle)) != NULL)
		pool_drop(pc);
}

/* Return how many connections are pooled. */
unsigned
pool_count(const struct pool *p)
{
	return (p->n);
}
