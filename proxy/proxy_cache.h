/*
 * proxy_cache.h: the RFC 9111 shared cache of twin-proxy (memory and disk).
 *
 * The proxy parses messages with its own parser and hands the cache a flat
 * view of each header section (struct http_header arrays, lib/http.h).
 * The cache never parses raw HTTP and never does network I/O.
 *
 * Data path contract, for one client request:
 *
 *  1. Fill a struct cache_req (method, absolute URI, header view) and call
 *     cache_lookup(). It answers with an action:
 *     - CACHE_ACT_HIT: serve ans.obj. Write the status line for ans.status,
 *       then cache_hit_fields() (stored fields, Age, Content-Length or
 *       Content-Range), the proxy's own fields (Via, Connection), CRLF, and
 *       cache_hit_body() unless the request is HEAD or the status is 304.
 *       Bodies are added to the output evbuffer by reference (memory tier)
 *       or as file segments (disk tier): nothing is copied. Segments go
 *       out with sendfile when the output is a socket bufferevent's (or
 *       has EVBUFFER_FLAG_DRAINS_TO_FD), else they are mmap'ed.
 *     - CACHE_ACT_STALE_REVALIDATE: serve as a hit, then send one
 *       background conditional request (cache_validators()) and feed its
 *       answer to cache_revalidated(); ans.pending is non-NULL and must be
 *       finished with cache_pending_done().
 *     - CACHE_ACT_VALIDATE: forward the request to the origin with the
 *       conditional fields from cache_validators() added. On a 304 call
 *       cache_revalidated() and serve the refreshed ans as a hit (when it
 *       fails, the 304 selects nothing: forward it to a conditional
 *       request, else send the request again once without validators);
 *       on a full response store it as for a miss (TCP_REFRESH_MODIFIED);
 *       on an error or no answer, cache_stale_if_error() tells whether the
 *       stale object may be served instead (TCP_REFRESH_FAIL_OLD).
 *     - CACHE_ACT_MISS: forward; try cache_store_begin() on the response
 *       (for HEAD, give a 200 to cache_head_update() instead).
 *     - CACHE_ACT_PASS: forward, never store (unsafe methods, Range or
 *       If-Match requests); after an unsafe request succeeds, call
 *       cache_invalidate().
 *     - CACHE_ACT_WAIT: another request for the same key is being fetched
 *       (collapsed forwarding). The callback given to cache_lookup() runs
 *       once it completes: CACHE_PENDING_STORED means "look up again",
 *       CACHE_PENDING_FAILED means "forward this request yourself, do not
 *       wait again". A client that goes away calls cache_wait_cancel().
 *       Callbacks run from inside cache_pending_done().
 *     - CACHE_ACT_GATEWAY_TIMEOUT: only-if-cached and nothing usable: 504.
 *     MISS and VALIDATE answers may carry ans.pending (the caller leads a
 *     collapsed fetch); it must always be finished with cache_pending_done()
 *     whatever happens, after cache_store_end() for a stored object.
 *  2. Storing streams: cache_store_begin() decides storability from the
 *     request and response heads; cache_store_append() as body bytes pass
 *     to the client; cache_store_end() at the end of a complete body makes
 *     the object visible; cache_store_abort() on any truncation. A body
 *     shorter or longer than its Content-Length is never stored.
 *  3. cache_answer_clear() drops the references an answer holds; objects
 *     live as long as an answer or an output evbuffer references them, even
 *     when evicted or purged meanwhile.
 *
 * Times are whole seconds (time_t) passed in by the caller, so every rule
 * can be tested without a clock. The cache is single-threaded: call it from
 * the thread that owns the proxy's event base. Disk I/O is synchronous:
 * small reads and writes to the page cache, plus one read of a whole body
 * the first time a disk object is used after a restart (checksum).
 */
#ifndef PROXY_CACHE_H
#define PROXY_CACHE_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "http.h"
#include "http_field.h"

struct evbuffer;
struct cache;
struct cache_obj;
struct cache_pending;
struct cache_waiter;
struct cache_store;

/* A request head. uri is the absolute form (http://host[:port]/path). */
struct cache_req {
	const char		*method;
	const char		*uri;
	const struct http_header	*hdrs;
	size_t			 nhdrs;
};

/* A response head with the times the request was sent and answered. */
struct cache_resp {
	int			 status;
	const struct http_header	*hdrs;
	size_t			 nhdrs;
	time_t			 request_time;
	time_t			 response_time;
};

/* Parsed Cache-Control (request or response). -1 means absent. */
struct cache_cc {
	int64_t		 max_age;
	int64_t		 s_maxage;
	int64_t		 max_stale;	/* CACHE_DELTA_MAX when given bare */
	int64_t		 min_fresh;
	int64_t		 swr;		/* stale-while-revalidate */
	int64_t		 sie;		/* stale-if-error */
	unsigned int	 no_store:1;
	unsigned int	 no_cache:1;
	unsigned int	 no_cache_fields:1;	/* no-cache="..." */
	unsigned int	 private_:1;
	unsigned int	 private_fields:1;	/* private="..." */
	unsigned int	 public_:1;
	unsigned int	 must_revalidate:1;
	unsigned int	 proxy_revalidate:1;
	unsigned int	 must_understand:1;
	unsigned int	 only_if_cached:1;
	unsigned int	 no_transform:1;
	unsigned int	 immutable:1;
	unsigned int	 present:1;		/* any Cache-Control line */
};

/* The greatest delta-seconds (RFC 9111 §1.2.2). */
#define CACHE_DELTA_MAX		2147483648LL

/* Times of a stored response, the inputs of RFC 9111 §4.2. */
struct cache_times {
	time_t		 request_time;
	time_t		 response_time;
	time_t		 date_value;
	int64_t		 age_value;
	int64_t		 lifetime;	/* freshness lifetime */
	int		 heuristic;	/* lifetime from Last-Modified */
};

/* Where an answer comes from and what the access log says (Squid tags). */
enum cache_code {
	CACHE_NONE,
	CACHE_TCP_HIT,			/* disk tier hit */
	CACHE_TCP_MEM_HIT,		/* memory tier hit */
	CACHE_TCP_IMS_HIT,		/* client conditional answered 304 */
	CACHE_TCP_STALE_HIT,		/* stale served, revalidating behind */
	CACHE_TCP_REFRESH_UNMODIFIED,	/* validated: origin said 304 */
	CACHE_TCP_REFRESH_MODIFIED,	/* validated: origin sent new body */
	CACHE_TCP_REFRESH_FAIL_OLD,	/* origin failed, stale served */
	CACHE_TCP_REFRESH_FAIL_ERR,	/* origin failed, error forwarded */
	CACHE_TCP_CLIENT_REFRESH_MISS,	/* client no-cache forced a fetch */
	CACHE_TCP_SWAPFAIL_MISS,	/* disk object bad, fetched again */
	CACHE_TCP_MISS,
	CACHE_TCP_CF_MISS,		/* collapsed onto another fetch */
	CACHE_TCP_DENIED,
	CACHE_TCP_TUNNEL,
	CACHE_NCODES
};

enum cache_action {
	CACHE_ACT_MISS,
	CACHE_ACT_PASS,
	CACHE_ACT_HIT,
	CACHE_ACT_STALE_REVALIDATE,
	CACHE_ACT_VALIDATE,
	CACHE_ACT_WAIT,
	CACHE_ACT_GATEWAY_TIMEOUT
};

enum cache_tier {
	CACHE_TIER_NONE,
	CACHE_TIER_MEM,
	CACHE_TIER_DISK
};

/* The answer of cache_lookup(); release with cache_answer_clear(). */
struct cache_answer {
	enum cache_action	 action;
	enum cache_code		 code;
	enum cache_tier		 tier;
	struct cache_obj	*obj;		/* referenced, or NULL */
	struct cache_pending	*pending;	/* leads a collapsed fetch */
	struct cache_waiter	*waiter;	/* for CACHE_ACT_WAIT */
	int			 status;	/* 200, 206, 304 or 416 */
	int			 range_bad;	/* our own 416, not stored */
	uint64_t		 range_start;
	uint64_t		 range_len;
	int			 head;		/* HEAD: no body */
	int64_t			 age;		/* for the Age field */
	const char		*why;		/* decision, for the log */
};

/* Settings (the proxy fills them from its config: proxy_cache_conf()). */
struct cache_conf {
	uint64_t	 mem_max;	/* cache-memory; 0: no memory tier */
	const char	*dir;		/* cache-dir PATH, NULL: no disk tier */
	uint64_t	 dir_max;	/* cache-dir SIZE, bytes */
	uint64_t	 max_object;	/* cache-max-object, bytes */
	int64_t		 heuristic_max;	/* cache-heuristic-max, seconds */
	/*
	 * cache-set-cookie: 0 (no-store) never stores a response that sets
	 * a cookie; 1 (strip) stores it without its Set-Cookie fields.
	 * Stored objects never carry Set-Cookie either way.
	 */
	int		 strip_cookies;
};

struct cache_stats {
	uint64_t	 objects;	/* distinct objects */
	uint64_t	 bytes;		/* disk bytes, else memory bytes */
	uint64_t	 mem_objects;
	uint64_t	 mem_bytes;
	uint64_t	 disk_objects;
	uint64_t	 disk_bytes;
	uint64_t	 hits;		/* answered without a full fetch */
	uint64_t	 misses;
	uint64_t	 stores;
	uint64_t	 evictions;
	uint64_t	 disk_rejected;	/* corrupt or truncated files dropped */
	uint64_t	 codes[CACHE_NCODES];
};

enum cache_pending_result {
	CACHE_PENDING_STORED,		/* look up again: an object is there */
	CACHE_PENDING_FAILED		/* forward alone, do not wait again */
};

typedef void	(*cache_wait_cb)(enum cache_pending_result, void *);

/*
 * The cache as the proxy sees it: proxy_cache.c (life, lookup,
 * invalidation, statistics), proxy_cache_pending.c (collapsed
 * forwarding), proxy_cache_serve.c (hits), proxy_cache_reval.c
 * (revalidation), proxy_cache_store.c (storing).
 */
struct cache	*cache_new(const struct cache_conf *, char **);
void		 cache_free(struct cache *);
int		 cache_set_limits(struct cache *, const struct cache_conf *,
		    const char **);
int		 cache_lookup(struct cache *, const struct cache_req *, time_t,
		    cache_wait_cb, void *, struct cache_answer *);
void		 cache_answer_clear(struct cache_answer *);
void		 cache_wait_cancel(struct cache *, struct cache_waiter *);
void		 cache_pending_done(struct cache *, struct cache_pending *,
		    enum cache_pending_result);
int		 cache_hit_fields(const struct cache_answer *,
		    struct evbuffer *);
int		 cache_hit_body(const struct cache_answer *, struct evbuffer *);
int		 cache_validators(const struct cache_obj *, struct evbuffer *);
int		 cache_revalidated(struct cache *, struct cache_answer *,
		    const struct cache_req *, const struct cache_resp *,
		    time_t);
int		 cache_head_update(struct cache *, const struct cache_req *,
		    const struct cache_resp *);
int		 cache_stale_if_error(struct cache_answer *,
		    const struct cache_req *, time_t);
struct cache_store *cache_store_begin(struct cache *,
		    const struct cache_req *, const struct cache_resp *,
		    const char **);
int		 cache_store_append(struct cache_store *, const void *, size_t);
int		 cache_store_append_buffer(struct cache_store *,
		    struct evbuffer *);
int		 cache_store_end(struct cache_store *, const char **);
void		 cache_store_abort(struct cache_store *);
int		 cache_invalidate(struct cache *, const struct cache_req *,
		    int, const struct http_header *, size_t);
int		 cache_purge(struct cache *, const char *);
void		 cache_get_stats(struct cache *, struct cache_stats *);
void		 cache_count(struct cache *, enum cache_code);
const char	*cache_code_name(enum cache_code);
int		 cache_code_is_hit(enum cache_code);

/* proxy_cache_ctl.c: control-socket commands. */
struct ctl_conn;
size_t		 cache_stats_format(const struct cache_stats *, char *,
		    size_t);
int		 cache_ctl(struct cache *, struct ctl_conn *, int, char **);

/* proxy_cache_obj.c: stored objects. */
struct cache_obj *cache_obj_ref(struct cache_obj *);
void		 cache_obj_unref(struct cache_obj *);
int		 cache_obj_status(const struct cache_obj *);
uint64_t	 cache_obj_body_len(const struct cache_obj *);
const struct http_header *cache_obj_hdrs(const struct cache_obj *, size_t *);
const struct cache_times *cache_obj_times(const struct cache_obj *);

/* proxy_cache_rules.c: RFC 9111 rules, pure functions, no I/O. */
const struct http_header *cache_hdr_find(const struct http_header *, size_t,
		    const char *, size_t *);
void		 cache_cc_parse(const struct http_header *, size_t, int,
		    struct cache_cc *);
int		 cache_cc_private_field(const struct http_header *, size_t,
		    const char *, size_t);
int64_t		 cache_delta_parse(const char *, size_t);
int		 cache_method_safe(const char *);
int		 cache_status_heuristic(int);
int		 cache_status_understood(int);
int		 cache_storable(const struct cache_req *,
		    const struct cache_resp *, int64_t, const char **);
void		 cache_times_init(struct cache_times *, int,
		    const struct http_header *, size_t, time_t, time_t,
		    int64_t);
int64_t		 cache_current_age(const struct cache_times *, time_t);
int		 cache_vary_names(const struct http_header *, size_t, char **);
int		 cache_vary_key(const char *, const struct http_header *,
		    size_t, char **);
int		 cache_etag_match_weak(const char *, size_t, const char *,
		    size_t);
int		 cache_etag_list_match(const char *, size_t, const char *,
		    size_t, int);
int		 cache_client_not_modified(const struct cache_req *,
		    const struct http_header *, size_t, time_t);
int		 cache_update_excluded(const char *, size_t);
int		 cache_merge_304(const struct http_header *, size_t,
		    const struct http_header *, size_t, char **, size_t *);
int		 cache_range_parse(const char *, size_t, uint64_t,
		    uint64_t *, uint64_t *);
int		 cache_uri_normalise(const char *, char **);
int		 cache_uri_resolve(const char *, const char *, size_t, char **);
int		 cache_same_origin(const char *, const char *);

/* Results of cache_range_parse(). */
#define CACHE_RANGE_NONE	0	/* ignore: serve 200 */
#define CACHE_RANGE_OK		1	/* serve 206 */
#define CACHE_RANGE_BAD		2	/* unsatisfiable: 416 */

/* proxy_cache_date.c: HTTP-date (RFC 9110 §5.6.7). */
int		 cache_date_parse(const char *, size_t, time_t *);
size_t		 cache_date_format(time_t, char *, size_t);

#endif
