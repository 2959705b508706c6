/*
 * lb.h: twin-lb, the cluster engine: the runtime model of a cluster and its
 * servers, the choice of a server for each new connection or request
 * (health, admin state, caps, hot spares, persistence, then a scheduler),
 * persistence cookies and the sticky table.
 *
 * Nothing declared here does I/O or reads a clock: callers pass the time,
 * so L7 clusters (sockets), L4 clusters (packets) and the unit tests (a
 * fake clock) drive the same code. Nothing here locks either: a cluster
 * belongs to one event loop.
 */
#ifndef LB_H
#define LB_H

#include <sys/queue.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "addr.h"
#include "cfg.h"
#include "http.h"

struct lb_cluster;
struct lb_req;
struct lb_sticky;

/* Health, from the checks. */
enum lb_health {
	LB_DOWN = 0,
	LB_UP = 1
};

/* Admin state, from the config and the control socket. */
enum lb_admin {
	LB_ENABLED = 0,
	LB_QUIESCED,		/* persistent clients only, see lb_select */
	LB_DISABLED		/* nothing at all */
};

/* Why lb_select chose what it chose; lb_reason_str names it for the log. */
enum lb_reason {
	LB_R_PERSISTENT = 0,	/* the client's cookie or sticky entry */
	LB_R_SCHEDULED,		/* the scheduler, among enabled servers */
	LB_R_QUIESCED,		/* only quiesced servers are up */
	LB_R_SPARE_DOWN,	/* hot spare: the others are down */
	LB_R_SPARE_FULL,	/* hot spare: the others are at their cap */
	LB_R_NONE		/* no server available */
};
#define LB_R_MAX	(LB_R_NONE + 1)

/* What kind of persistence a request carries (changes the cap rule). */
enum lb_pkind {
	LB_PK_NONE = 0,
	LB_PK_COOKIE,		/* L7 cookie: honoured above maxconn */
	LB_PK_STICKY		/* address entry: capped like the rest */
};

struct lb_server_stats {
	uint64_t		 picks;		/* connections given */
	uint64_t		 persistent;	/* of which by persistence */
	uint64_t		 spare;		/* of which as a hot spare */
	uint64_t		 full;		/* times skipped at its cap */
	unsigned int		 peak;		/* most active at once */
	uint64_t		 downs;		/* up to down transitions */
};

struct lb_server {
	struct lb_cluster	*cl;
	char			*name;
	unsigned int		 idx;		/* in cl->srv[] */
	uint32_t		 id;		/* stable, from the name */
	uint32_t		 token;		/* keyed, for cookies */
	struct addr		 addr;
	unsigned int		 weight;	/* 1-1000 */
	unsigned int		 maxconn;	/* 0: no cap */
	int			 flags;		/* LB_SRV_* of cfg.h */
	enum lb_health		 health;
	enum lb_admin		 admin;
	unsigned int		 active;	/* connections held */

	unsigned int		 fails;		/* consecutive failed checks */
	unsigned int		 oks;		/* consecutive good checks */
	uint64_t		 rtt;		/* response time EWMA, us */
	int			 rtt_valid;

	int64_t			 wrr_cur;	/* static-weight credit */
	uint64_t		 mark;		/* == cl->mark: a candidate */
	struct lb_server_stats	 st;
};

/* The persistence cookie's attributes, for the Set-Cookie value. */
struct lb_cookie_attrs {
	const char		*name;
	const char		*path;		/* NULL: none */
	const char		*domain;	/* NULL: none */
	uint64_t		 age;		/* ms; 0: no expiry */
	int			 secure;	/* https clusters */
};

/* What a cluster is built from (lb_cluster_new copies the strings). */
struct lb_params {
	int			 mode;		/* LB_MODE_* */
	int			 scheduler;	/* LB_SCHED_* */
	int			 persist;	/* LB_PERSIST_* */
	unsigned int		 strikeout;	/* failed checks to go down */
	unsigned int		 rise;		/* good checks to come back */

	const unsigned char	*secret;	/* cookie secret, NULL: none */
	size_t			 secretlen;
	uint32_t		 generation;
	struct lb_cookie_attrs	 cookie;
	int			 cookie_always;
	int			 once_only;

	size_t			 sticky_max;
	uint64_t		 sticky_timeout;	/* ms */
	int			 sticky_overflow;	/* LB_STICKY_* */
	unsigned int		 plen4;		/* sticky netmasks */
	unsigned int		 plen6;
};

struct lb_cluster_stats {
	uint64_t		 picks;
	uint64_t		 reason[LB_R_MAX];
	uint64_t		 persist_lost;	/* its server down, disabled */
	uint64_t		 persist_ignored; /* to a dont-persist one */
	uint64_t		 sticky_capped;	/* sticky server at its cap */
	uint64_t		 cookie_bad;	/* forged or malformed */
	uint64_t		 cookie_stale;	/* old generation or server */
};

/*
 * A scheduler: picks one of <n> candidates (n >= 1, in cl->srv[] order,
 * each with mark == cl->mark). One file per scheduler, lb_sched_*.c.
 */
struct lb_sched_ops {
	const char		*name;
	int			(*init)(struct lb_cluster *, const char **);
	void			(*free)(struct lb_cluster *);
	struct lb_server	*(*pick)(struct lb_cluster *,
				    struct lb_server **, size_t,
				    const struct lb_req *);
};

struct lb_cluster {
	char			*name;
	struct lb_params	 p;		/* strings owned, secret not */
	const struct lb_sched_ops *sched;
	void			*sched_data;	/* the hash ring */
	unsigned int		 cursor;	/* last pick, for rotation */

	struct lb_server	*srv;
	size_t			 nsrv;
	int			 finished;
	struct lb_server	**cand;		/* nsrv slots, for lb_select */
	uint64_t		 mark;

	unsigned char		 ckey[32];	/* cookie key (lb_cookie_key) */
	int			 has_ckey;
	struct lb_sticky	*sticky;	/* persist sticky */
	struct lb_cluster_stats	 st;
};

/*
 * One request for a server. Zero it, then fill what applies. <avoid>
 * lists servers already tried for this request (a retry after a failed
 * connection): they are passed over, persistent or not, as if down.
 */
struct lb_req {
	enum lb_pkind		 pkind;
	struct lb_server	*psrv;		/* where persistence points */
	const void		*hkey;		/* URI or Host, to hash */
	size_t			 hkeylen;
	struct lb_server *const	*avoid;
	size_t			 navoid;
};

/* Servers one request may try before it is answered with an error. */
#define LB_TRIES_MAX	3

/*
 * An HTTP request to route (lb_route): its parsed head, the client, and
 * what the connection it came on already holds.
 */
struct lb_route_req {
	const struct http_msg	*m;
	const struct addr	*client;	/* persist sticky */
	uint64_t		 now;		/* ms, for sticky entries */
	struct lb_server	*bound;		/* once-only: connection's */
	struct lb_server	*avoid[LB_TRIES_MAX];
	size_t			 navoid;
};

/* How lb_route decided, for the log. */
enum lb_route_how {
	LB_ROUTE_SELECTED = 0,	/* lb_select: see pk.reason */
	LB_ROUTE_BOUND		/* once-only: not examined, same server */
};

/* The answer. */
struct lb_pick {
	struct lb_server	*srv;		/* NULL: none available */
	enum lb_reason		 reason;
	int			 record;	/* record persistence to srv */
	int			 drop;		/* forget the entry given */
	int			 cookie_ok;	/* request had srv's cookie */
};

/*
 * Sticky table keys: a kind and its bytes, so that keys other than a
 * masked source address (a Mobile IPv6 home address, the interface
 * identifier of a SLAAC address, an ESP SPI) share one table without
 * colliding with each other.
 */
enum lb_key_kind {
	LB_KEY_NONE = 0,
	LB_KEY_IP4,		/* IPv4 source address, masked */
	LB_KEY_IP6,		/* IPv6 source address, masked */
	LB_KEY_HOA,		/* Mobile IPv6 home address option */
	LB_KEY_IID,		/* low 64 bits of an IPv6 source address */
	LB_KEY_SPI		/* IPsec ESP security parameter index */
};
#define LB_KEY_MAXLEN	20

struct lb_key {
	uint8_t			 kind;		/* enum lb_key_kind */
	uint8_t			 len;
	uint8_t			 b[LB_KEY_MAXLEN];
};

struct lb_sticky_stats {
	uint64_t		 hits;
	uint64_t		 misses;
	uint64_t		 inserts;
	uint64_t		 expired;
	uint64_t		 evicted;	/* full, oldest forgotten */
	uint64_t		 refused;	/* full, new one not kept */
	uint64_t		 nomem;
	uint64_t		 copies;	/* lb_sticky_copy */
};

/* One entry, as lb_sticky_walk shows it. */
struct lb_sticky_info {
	const struct lb_key	*key;
	uint32_t		 id;		/* lb_server id */
	uint64_t		 left;		/* ms of lifetime left */
	const struct lb_key	*from;		/* copied from, or NULL */
};

/* Cookie verdicts. */
enum lb_cookie_verdict {
	LB_COOKIE_OK = 0,
	LB_COOKIE_MALFORMED,	/* not one of ours: length, alphabet, version */
	LB_COOKIE_FORGED,	/* bad MAC: altered, other cluster's */
	LB_COOKIE_STALE		/* authentic, but of another generation */
};

#define LB_COOKIE_KEYLEN	32
#define LB_COOKIE_VALLEN	32	/* base64url characters */
#define LB_COOKIE_VERSION	1

/* lb_data.c */
struct lb_cluster *lb_cluster_new(const char *, const struct lb_params *);
struct lb_server *lb_cluster_add(struct lb_cluster *, const char *,
		    const struct addr *, unsigned int, unsigned int, int);
int		 lb_cluster_finish(struct lb_cluster *, const char **);
struct lb_cluster *lb_cluster_from_cfg(const struct cfg_cluster *,
		    const unsigned char *, size_t, const char **);
void		 lb_cluster_free(struct lb_cluster *);
void		 lb_cluster_carry(struct lb_cluster *, struct lb_cluster *);
struct lb_server *lb_server_find(struct lb_cluster *, const char *);
struct lb_server *lb_server_by_id(struct lb_cluster *, uint32_t);
struct lb_server *lb_server_by_token(struct lb_cluster *, uint32_t);
int		 lb_server_full(const struct lb_server *);
int		 lb_server_usable(const struct lb_server *);
void		 lb_server_take(struct lb_server *);
void		 lb_server_release(struct lb_server *);
int		 lb_server_set_health(struct lb_server *, enum lb_health);
int		 lb_server_check(struct lb_server *, int);
void		 lb_server_set_admin(struct lb_server *, enum lb_admin);
void		 lb_server_rtt(struct lb_server *, uint64_t);
const char	*lb_admin_str(enum lb_admin);

/* lb_select.c */
int		 lb_select(struct lb_cluster *, const struct lb_req *,
		    struct lb_pick *);
int		 lb_select_sticky(struct lb_cluster *, const struct lb_key *,
		    const void *, size_t, uint64_t, struct lb_pick *);
int		 lb_select_cookie(struct lb_cluster *, const char *, size_t,
		    const void *, size_t, struct lb_pick *);
void		 lb_req_cookie(struct lb_cluster *, const char *, size_t,
		    struct lb_req *);
int		 lb_select_sticky_req(struct lb_cluster *,
		    const struct lb_key *, const struct lb_req *, uint64_t,
		    struct lb_pick *);
const char	*lb_reason_str(enum lb_reason);
const struct lb_sched_ops *lb_sched_get(int);

/* lb_sched_rr.c, lb_sched_wrr.c, lb_sched_lc.c, lb_sched_fastest.c,
 * lb_sched_hash.c */
extern const struct lb_sched_ops lb_sched_rr;
extern const struct lb_sched_ops lb_sched_wrr;
extern const struct lb_sched_ops lb_sched_lc;
extern const struct lb_sched_ops lb_sched_fastest;
extern const struct lb_sched_ops lb_sched_hash;
struct lb_server *lb_sched_rotate(struct lb_cluster *, struct lb_server **,
		    size_t);
uint64_t	 lb_hash_key(const void *, size_t);

/* lb_cookie.c */
void		 lb_cookie_key(const unsigned char *, size_t, const char *,
		    unsigned char *);
uint32_t	 lb_cookie_token(const unsigned char *, const char *);
int		 lb_cookie_encode(const unsigned char *, uint32_t, uint32_t,
		    char *);
enum lb_cookie_verdict lb_cookie_decode(const unsigned char *, uint32_t,
		    const char *, size_t, uint32_t *);
const char	*lb_cookie_verdict_str(enum lb_cookie_verdict);
int		 lb_cookie_find(const char *, size_t, const char *, size_t *,
		    const char **, size_t *);
int		 lb_cookie_set_value(char *, size_t,
		    const struct lb_cookie_attrs *, const char *, time_t);
int		 lb_cookie_value(const struct lb_server *, char *);
int		 lb_cookie_want(const struct lb_cluster *,
		    const struct lb_pick *, int);
size_t		 lb_cookie_strip(const char *, size_t, const char *, char *);
const struct http_header *lb_cookie_header(const struct http_msg *,
		    const char *);

/* lb_route.c */
enum lb_route_how lb_route(struct lb_cluster *, const struct lb_route_req *,
		    struct lb_pick *);
const char	*lb_route_token(enum lb_route_how, const struct lb_pick *);

/* lb_sticky.c */
struct lb_sticky *lb_sticky_new(size_t, uint64_t, int);
void		 lb_sticky_free(struct lb_sticky *);
int		 lb_sticky_get(struct lb_sticky *, const struct lb_key *,
		    uint64_t, uint32_t *);
int		 lb_sticky_put(struct lb_sticky *, const struct lb_key *,
		    uint32_t, uint64_t);
int		 lb_sticky_del(struct lb_sticky *, const struct lb_key *);
int		 lb_sticky_peek(struct lb_sticky *, const struct lb_key *,
		    uint64_t, uint32_t *);
int		 lb_sticky_touch(struct lb_sticky *, const struct lb_key *,
		    uint64_t);
int		 lb_sticky_copy(struct lb_sticky *, const struct lb_key *,
		    const struct lb_key *, uint64_t);
void		 lb_sticky_walk(struct lb_sticky *, uint64_t,
		    void (*)(void *, const struct lb_sticky_info *), void *);
const char	*lb_key_fmt(const struct lb_key *, char *, size_t);
size_t		 lb_sticky_expire(struct lb_sticky *, uint64_t);
size_t		 lb_sticky_count(const struct lb_sticky *);
const struct lb_sticky_stats *lb_sticky_stats(const struct lb_sticky *);
int		 lb_key_set(struct lb_key *, enum lb_key_kind, const void *,
		    size_t);
void		 lb_key_addr(struct lb_key *, const struct addr *,
		    unsigned int, unsigned int);
int		 lb_key_eq(const struct lb_key *, const struct lb_key *);

/*
 * lb_mip6_sel.c: Mobile IPv6 persistence (persist mobile-ipv6) for the L4
 * engine's selector: the keys of a packet (lb_pkt.h's struct lb_pkt_pkey,
 * most specific first) tried in turn in the sticky table, binding updates
 * carried over, the persist table walk.
 */
struct lb_pkt_pkey;
struct lb_mip6_conf;

/* One entry of the persist table, as lb_mip6_walk shows it. */
struct lb_persist_info {
	const struct lb_key	*key;
	const struct lb_server	*srv;		/* NULL: removed since */
	uint64_t		 left;		/* ms of lifetime left */
	const struct lb_key	*from;		/* copied from, or NULL */
};

void		 lb_key_from_pkey(struct lb_key *, const struct lb_pkt_pkey *);
int		 lb_mip6_select(struct lb_cluster *,
		    const struct lb_pkt_pkey *, size_t, uint64_t,
		    struct lb_pick *);
size_t		 lb_mip6_touch(struct lb_cluster *,
		    const struct lb_pkt_pkey *, size_t, uint64_t);
size_t		 lb_mip6_bind(struct lb_cluster *, const struct lb_pkt_pkey *,
		    const struct lb_pkt_pkey *, size_t, uint64_t);
void		 lb_mip6_walk(struct lb_cluster *, uint64_t,
		    void (*)(void *, const struct lb_persist_info *), void *);
void		 lb_mip6_conf_from_cfg(struct lb_mip6_conf *,
		    const struct cfg_cluster *);

/* lb_hash.c */
uint64_t	 lb_siphash(const unsigned char *, const void *, size_t);

#endif
