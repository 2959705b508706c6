/*
 * proxy_cache_int.h: what the cache's own files share and the proxy never
 * sees: the stored object and the two storage tiers.
 */
#ifndef PROXY_CACHE_INT_H
#define PROXY_CACHE_INT_H

#include <sys/queue.h>
#include <sys/tree.h>

/* tree.h's static generators use BSD's __unused. */
#ifndef __unused
#define __unused	__attribute__((__unused__))
#endif

#include "proxy_cache.h"

struct evbuffer_file_segment;
struct cache_mem_key;

/*
 * A stored response: head, times and body. Immutable once complete;
 * reference-counted so an eviction or purge never frees an object that an
 * answer or an output buffer still uses. The body is either in memory
 * (body), in a file (seg, sendfile-able), or borrowed from an older object
 * after a 304 refreshed the head (body_from).
 */
struct cache_obj {
	int				 refcnt;
	char				*key;
	char				*vary;		/* Vary names or NULL */
	char				*vkey;		/* secondary key */
	int				 status;
	char				*fields;	/* "Name: v\r\n"... */
	size_t				 fields_len;
	struct http_header		*hdrs;
	size_t				 nhdrs;
	struct cache_times		 times;
	struct cache_cc			 cc;
	uint64_t			 body_len;
	struct evbuffer			*body;
	struct evbuffer_file_segment	*seg;
	struct cache_obj		*body_from;
	uint64_t			 disk_id;	/* 0: not on disk */

	/* Memory tier linkage. */
	struct cache_mem_key		*mkey;
	TAILQ_ENTRY(cache_obj)		 variants;
	TAILQ_ENTRY(cache_obj)		 lru;
};

struct cache_waiter {
	struct cache_pending		*p;
	cache_wait_cb			 cb;
	void				*arg;
	TAILQ_ENTRY(cache_waiter)	 entry;
};

struct cache_pending {
	char				*key;
	TAILQ_HEAD(, cache_waiter)	 waiters;
	RB_ENTRY(cache_pending)		 entry;
};

RB_HEAD(pending_tree, cache_pending);

struct cache {
	struct cache_conf		 conf;
	struct cache_mem		*mem;
	struct cache_disk		*disk;
	struct pending_tree		 pending;
	uint64_t			 stores;
	uint64_t			 codes[CACHE_NCODES];
};

/* proxy_cache.c */
int		 cache_stale_allowed(const struct cache_obj *);
void		 cache_answer_hit(struct cache_answer *,
		    const struct cache_req *, time_t);
int		 cache_remove_key(struct cache *, const char *);

/* proxy_cache_pending.c */
struct cache_pending *cache_pending_find(struct cache *, const char *);
int		 cache_pending_join(struct cache *, const char *,
		    cache_wait_cb, void *, struct cache_answer *);
void		 cache_pending_free_all(struct cache *);

/* proxy_cache_obj.c */
struct cache_obj *cache_obj_new(const char *, const char *, const char *,
		    int, const char *, size_t, const struct cache_times *);
int		 cache_obj_fields(const struct http_header *, size_t, char **,
		    size_t *);
uint64_t	 cache_obj_size(const struct cache_obj *);
struct evbuffer	*cache_obj_membody(const struct cache_obj *);
struct evbuffer_file_segment *cache_obj_segment(const struct cache_obj *);
int		 cache_obj_matches(const struct cache_obj *,
		    const struct cache_req *);
uint64_t	 cache_sum(uint64_t, const void *, size_t);
#define CACHE_SUM_INIT	0xcbf29ce484222325ULL

/* proxy_cache_mem.c */
struct cache_mem;
struct cache_mem *cache_mem_new(uint64_t);
void		 cache_mem_free(struct cache_mem *);
void		 cache_mem_resize(struct cache_mem *, uint64_t);
uint64_t	 cache_mem_max_object(const struct cache_mem *);
int		 cache_mem_insert(struct cache_mem *, struct cache_obj *);
struct cache_obj *cache_mem_lookup(struct cache_mem *, const char *,
		    const struct cache_req *);
void		 cache_mem_remove(struct cache_mem *, struct cache_obj *);
int		 cache_mem_remove_key(struct cache_mem *, const char *);
void		 cache_mem_stats(const struct cache_mem *, uint64_t *,
		    uint64_t *, uint64_t *);

/* proxy_cache_disk.c */
struct cache_disk;
struct cache_disk_writer;
struct cache_disk *cache_disk_open(const char *, uint64_t, char **);
void		 cache_disk_close(struct cache_disk *);
void		 cache_disk_resize(struct cache_disk *, uint64_t);
struct cache_disk_writer *cache_disk_write_begin(struct cache_disk *,
		    const struct cache_obj *);
int		 cache_disk_write(struct cache_disk_writer *, const void *,
		    size_t);
int		 cache_disk_write_end(struct cache_disk_writer *, uint64_t *);
void		 cache_disk_write_abort(struct cache_disk_writer *);
int		 cache_disk_rewrite(struct cache_disk *, struct cache_obj *,
		    const struct cache_obj *);
struct cache_obj *cache_disk_lookup(struct cache_disk *, const char *,
		    const struct cache_req *, uint64_t, int *);
int		 cache_disk_remove_key(struct cache_disk *, const char *);
void		 cache_disk_stats(const struct cache_disk *, uint64_t *,
		    uint64_t *, uint64_t *, uint64_t *);

#endif
