/*
 * lbd.h: the twin-lb daemon around the selection model of lb.h: runtime
 * clusters built from the config and carried across reloads, the
 * listeners, health checks, the HTTP (l7) and HTTPS engine, the access
 * log and the control socket.
 *
 * lb.h stays pure (no I/O, no clock) so the L4 packet engine and the unit
 * tests share it; this header is the daemon's. A cluster's mode picks its
 * engine in one place (lbd_serves() in lb_main.c): l7 and https clusters
 * are served here, on the connection layer of lib/; l4 clusters belong to
 * the packet engine and are skipped, with a warning, by a build without
 * it.
 */
#ifndef LBD_H
#define LBD_H

#include <sys/queue.h>
#include <net/if.h>
#include <stdint.h>
#include <time.h>

#include "addr.h"
#include "cfg.h"
#include "check.h"
#include "flow.h"
#include "http.h"
#include "http_body.h"
#include "http_head.h"
#include "lb.h"
#include "listener.h"

struct bufferevent;
struct conn_linger;
struct ctl_conn;
struct ctl_server;
struct event;
struct event_base;
struct evbuffer;
struct logfile;
struct logfwd;
struct lb_pkt_cluster_conf;
struct lb_pkt_engine;
struct pool;
struct ssl_ctx_st;
struct tls_server;

/* Largest single read or write on a socket (libevent's is 16 KiB). */
#define LBD_IO_MAX		(128 * 1024)
/* Idle server connections kept, all servers together. */
#define LBD_POOL_MAX		1024
/* How long SIGTERM waits for requests in progress. */
#define LBD_DRAIN_MS		10000
/* How long a closing client connection waits for the client to go. */
#define LBD_LINGER_MS		2000
/* The largest response head taken from a server. */
#define LBD_RESP_HEAD_MAX	(64 * 1024)
/* Longest request target, Referer and User-Agent kept for the log. */
#define LBD_URL_MAX		2048
#define LBD_FIELD_MAX		256
/* A server's key, "cluster/server"; a pool key adds "/source". */
#define LBD_SKEY_MAX		160
#define LBD_KEY_MAX		(LBD_SKEY_MAX + ADDR_STRLEN + 2)

/* Errors counted by kind (twinctl lb stats). */
enum lbd_err {
	LBD_ERR_PARSE,		/* malformed request: 400 and friends */
	LBD_ERR_NOSERVER,	/* no server available: 503 */
	LBD_ERR_CONNECT,	/* server refused or unreachable */
	LBD_ERR_CONNECT_TIMEOUT,
	LBD_ERR_TLS,		/* TLS to the server failed */
	LBD_ERR_TIMEOUT,	/* server did not answer in time: 504 */
	LBD_ERR_UPSTREAM,	/* bad or cut response: 502 */
	LBD_ERR_CLIENT_TIMEOUT,
	LBD_ERR_CLIENT_ABORT,
	LBD_ERR_HANDSHAKE,	/* client TLS handshake failed */
	LBD_ERR_NOMEM,
	LBD_ERR_MAX
};

/* What a cluster's connections read, copied from its config block. */
struct lbd_conf {
	struct http_limits	 req_lim;
	struct http_limits	 resp_lim;
	uint64_t		 client_ms;	/* head, body progress */
	uint64_t		 idle_ms;	/* between requests */
	uint64_t		 server_ms;	/* answer, body progress */
	uint64_t		 server_idle_ms; /* pooled connections */
	uint64_t		 connect_ms;
	enum http_xff		 xff;
	int			 forwarded;
	int			 via;
	int			 https;
};

struct lbd_cluster_stats {
	uint64_t		 conns;		/* accepted */
	uint64_t		 requests;
	uint64_t		 retries;	/* a request sent on again */
	uint64_t		 cookies;	/* Set-Cookie inserted */
	uint64_t		 handshakes;	/* https: TLS handshakes */
	uint64_t		 resumed;	/* ... of which resumed */
	uint64_t		 bytes_in;
	uint64_t		 bytes_out;
	uint64_t		 errors[LBD_ERR_MAX];
};

/* Which checker of a server. */
enum { LBD_CHK_ICMP, LBD_CHK_L4, LBD_CHK_MAX };

struct lbd_cluster;
struct lbd_server;

/* What a checker's callback is given: its server, and which checker. */
struct lbd_chkarg {
	struct lbd_server	*s;
	int			 k;
};

/* A server of a running cluster: its model, checks, TLS and counters. */
struct lbd_server {
	struct lbd_cluster	*c;
	struct lb_server	*s;		/* in c->cl->srv[] */
	const char		*name;		/* s->name */
	struct addr		 addr;
	int			 source;	/* LB_SOURCE_* */
	struct addr		 src;		/* af 0: none or per client */
	struct addr		 check_src;
	int			 tls;		/* re-encrypt */
	int			 verify;
	char			*tls_name;	/* verified, SNI */
	struct check_transport	*tr;		/* TLS, or NULL */
	struct check		*chk[LBD_CHK_MAX];
	struct lbd_chkarg	 chkarg[LBD_CHK_MAX];
	const char		*chkname[LBD_CHK_MAX];	/* "tcp" ... */
	enum check_state	 cst[LBD_CHK_MAX];
	char			 reason[CHECK_REASONLEN + 16];
	time_t			 since;		/* health since */
	int			 admin_ctl;	/* admin set by twinctl */
	int			 maxconn_ctl;	/* maxconn set by twinctl */
	int			 cfg_flags;	/* from the file */
	unsigned int		 cfg_maxconn;
	uint64_t		 requests;
	uint64_t		 failures;	/* connect, TLS, upstream */
	char			 key[LBD_SKEY_MAX];	/* pool key prefix */
};

struct lbd;

/*
 * A running cluster. Connections hold a reference: a cluster a reload
 * removed stays (dead) until its last connection ends.
 */
struct lbd_cluster {
	struct lbd		*d;
	char			*name;
	int			 mode;		/* LB_MODE_* */
	struct lb_cluster	*cl;
	struct lbd_server	*srv;
	size_t			 nsrv;
	struct lbd_conf		 conf;
	struct cfg_listen	*listen;	/* copies */
	size_t			 nlisten;
	struct tls_server	*tls;		/* https: the holder */
	char			**certs;	/* its files, for reloads */
	size_t			 ncerts;
	char			*passfile;
	struct ssl_ctx_st	*sctx[2];	/* to servers: verify, no */
	struct pool		*pool;		/* idle server connections */
	struct logfile		*log;		/* d->logs[]'s */
	unsigned int		 refs;
	int			 dead;
	struct event		*tick;		/* sticky expiry */
	/*
	 * l4: one packet engine cluster per listen entry, named after the
	 * cluster ("NAME", then "NAME#2", ...), servers in config order.
	 */
	struct lb_pkt_cluster_conf *pkt;
	size_t			 npkt;
	struct lbd_cluster_stats st;
	TAILQ_ENTRY(lbd_cluster) entry;
};
TAILQ_HEAD(lbd_clusters, lbd_cluster);

/* Where a client connection is. */
enum lbd_cstate {
	LBD_C_HANDSHAKE,	/* https: TLS handshake */
	LBD_C_IDLE,		/* waiting for a request */
	LBD_C_HEAD,		/* a request head has begun */
	LBD_C_BUSY,		/* a request is being served */
	LBD_C_CLOSING		/* lingering close (lib/conn.h) */
};

/* The request a client connection is serving: the exchange. */
struct lbd_xchg {
	struct timespec		 t_start;	/* wall clock, for the log */
	uint64_t		 t0;		/* ms, monotonic */
	enum http_method	 method;
	int			 version;	/* client's: 10, 11 */
	int			 keep_alive;	/* client wants it */
	int			 idempotent;	/* and bodiless: retry ok */
	struct evbuffer		*head_out;	/* sent to the server */
	struct http_body	 req;
	int			 body_sent;
	/* routing */
	struct lb_route_req	 rr;
	struct lb_pick		 pk;
	enum lb_route_how	 how;
	int			 routed;	/* pk is this request's */
	int			 fresh;		/* stale pool: once more */
	/* response */
	int			 status;
	int			 resp_started;
	struct http_body	 resp;
	int			 close_after;
	uint64_t		 bytes_in;
	uint64_t		 bytes_out;
	struct lbd_server	*logsrv;	/* the server answering */
	uint64_t		 body_out;	/* response body bytes */
	int			 logged;
	/*
	 * For the log, from here on: only the first byte of each is reset
	 * between requests (lbd_client_begin clears what comes before).
	 */
	char			 reqline[LBD_URL_MAX];
	char			 referer[LBD_FIELD_MAX];
	char			 agent[LBD_FIELD_MAX];
	char			 srvname[64];	/* the server's name */
};

struct lbd_up;

/* A client connection of a cluster. */
struct lbd_client {
	struct lbd		*d;
	struct lbd_cluster	*c;
	struct bufferevent	*bev;
	struct addr		 addr;
	struct addr		 local;		/* where it connected to */
	char			 addr_str[INET6_ADDRSTRLEN];
	enum lbd_cstate		 state;
	struct event		*timer;		/* handshake, idle, head */
	struct conn_linger	*linger;
	int			 held;		/* output full */
	unsigned int		 nreq;		/* requests so far */
	struct lbd_server	*slot;		/* holds a connection slot */
	int			 once_logged;
	struct lbd_xchg		 x;
	struct lbd_up		*up;
	TAILQ_ENTRY(lbd_client)	 entry;
};
TAILQ_HEAD(lbd_clients, lbd_client);

/* Where a server connection is. */
enum lbd_ustate {
	LBD_U_CONNECTING,
	LBD_U_HANDSHAKE,	/* TLS to the server */
	LBD_U_ACTIVE
};

/* A connection to a server, working for a client (idle: the pool). */
struct lbd_up {
	struct lbd		*d;
	struct lbd_client	*client;
	struct lbd_server	*srv;
	struct bufferevent	*bev;
	enum lbd_ustate		 state;
	struct addr		 addr;
	char			 key[LBD_KEY_MAX];
	int			 reused;
	int			 got_bytes;
	int			 head_done;
	int			 keep_alive;
	uint64_t		 t_sent;	/* ms, request sent */
};

/* An access log file, shared by the clusters that name its path. */
struct lbd_log {
	char			*path;
	char			*key;		/* path and forwarding */
	struct logfile		*lf;
	struct logfwd		*fwd;		/* lf's forwarding */
	int			 used;		/* by the running config */
};

/* Interfaces the packet engine reads (l4 clusters). */
#define LBD_L4_MAXIF		8

/* The daemon. */
struct lbd {
	struct event_base	*base;
	struct cfg		*cfg;
	const char		*cfgfile;
	struct listener_set	*ls;
	struct listener_counters conns;
	struct lbd_clusters	 clusters;	/* in config order */
	struct lbd_clusters	 dead;		/* removed, draining */
	struct lbd_clients	 clients;
	struct ctl_server	*ctl;
	struct lbd_log		*logs;		/* never shrinks */
	size_t			 nlogs;
	struct event		*drain_timer;
	int			 draining;
	struct flow_limits	 flow;
	char			 via[128];	/* "<peer> (twin-lb)" */
	uint64_t		 reloads;
	/* l4 clusters: the packet engine, once one is configured. */
	struct lb_pkt_engine	*pkt;
	char			 pkt_if[LBD_L4_MAXIF][IFNAMSIZ];
	size_t			 pkt_nif;
	char			 pkt_want[LBD_L4_MAXIF][IFNAMSIZ];
	size_t			 pkt_nwant;	/* for the next apply */
	struct event		*pkt_timer;	/* floating IP held? */
	int			 pkt_active;
	uint64_t		 pkt_restarts;
	struct metrics_server	*metrics;	/* lb_metrics.c */
	struct http_msg		 msg;		/* parse scratch (big) */
};

/* lb_main.c */
void		 lbd_init(struct lbd *, struct event_base *, struct cfg *,
		    const char *);
int		 lbd_listen(struct lbd *, const struct cfg *, const char **);
int		 lbd_logs_open(struct lbd *, const struct cfg *, int);
void		 lbd_logs_reopen(struct lbd *);
int		 lbd_start(struct lbd *, char **);
int		 lbd_verify(struct lbd *, char **);
void		 lbd_reload(struct lbd *);
void		 lbd_drain(struct lbd *);
void		 lbd_shutdown(struct lbd *);
void		 lbd_conn_count(struct lbd *, int);
struct lbd_cluster *lbd_cluster_find(struct lbd *, const char *);
int		 lbd_serves(int);
int		 lbd_has_l4(const struct cfg *);
void		 lbd_skipped(const struct cfg *);

/* lb_metrics.c */
struct metrics_server;
void		 lbd_metrics_init(struct lbd *);
int		 lbd_metrics_sync(struct lbd *, const struct cfg *,
		    const char **);
void		 lbd_metrics_free(struct lbd *);

/* lb_cluster.c */
struct lbd_cluster *lbd_cluster_new(struct lbd *, const struct cfg *,
		    const struct cfg_cluster *, char **);
void		 lbd_cluster_carry(struct lbd_cluster *,
		    struct lbd_cluster *);
void		 lbd_cluster_start(struct lbd_cluster *,
		    const struct cfg_cluster *);
void		 lbd_cluster_ref(struct lbd_cluster *);
void		 lbd_cluster_unref(struct lbd_cluster *);
void		 lbd_cluster_kill(struct lbd_cluster *);
struct lbd_server *lbd_server_of(struct lbd_cluster *,
		    const struct lb_server *);
struct lbd_server *lbd_server_find(struct lbd_cluster *, const char *);
const char	*lbd_server_state(const struct lbd_server *);

/* lb_l4.c */
int		 lbd_l4_cluster(struct lbd_cluster *, const struct cfg *,
		    const struct cfg_cluster *, char **);
void		 lbd_l4_cluster_free(struct lbd_cluster *);
int		 lbd_l4_prepare(struct lbd *, const struct cfg *,
		    const struct lbd_clusters *, char **);
void		 lbd_l4_apply(struct lbd *, const struct cfg *);
void		 lbd_l4_stop(struct lbd *);
int		 lbd_l4_held(const struct cfg *);
struct lbd_cluster *lbd_l4_owner(struct lbd *, const char *);
/* An l4 cluster's engine counters, summed over its engine clusters. */
struct lbd_l4_sum {
	struct lb_pkt_server_stats *st;	/* per server (nsrv) */
	uint64_t		 flows;
	uint64_t		 refused;
};
/*
 * Sum the counters of l4 cluster <c> into <s> (s->st to be freed); -1,
 * with nothing allocated, when the engine does not run it.
 */
int		 lbd_l4_sum(struct lbd *, struct lbd_cluster *,
		    struct lbd_l4_sum *);
int		 lbd_caps_keep(void);
int		 lbd_caps_raise(int, char **);

/* lb_check.c */
void		 lbd_check_start(struct lbd_cluster *, struct event_base *,
		    const struct cfg_cluster *);
void		 lbd_check_stop(struct lbd_cluster *);

/* lb_tls.c */
int		 lbd_tls_server(struct lbd_cluster *,
		    const struct cfg_cluster *, char **);
int		 lbd_tls_reload(struct lbd_cluster *, struct lbd_cluster *,
		    char **);
int		 lbd_tls_clients(struct lbd_cluster *,
		    const struct cfg_cluster *, char **);
void		 lbd_tls_free(struct lbd_cluster *);

/* lb_http.c */
void		 lbd_client_new(struct lbd *, struct lbd_cluster *, int,
		    const struct sockaddr *, int, const struct addr *);
void		 lbd_client_close(struct lbd_client *, const char *);
void		 lbd_client_error(struct lbd_client *, int, const char *,
		    enum lbd_err);
void		 lbd_client_response_done(struct lbd_client *);
void		 lbd_client_drain_idle(struct lbd *);
void		 lbd_client_count(struct lbd_client *, enum lbd_err);
void		 lbd_client_sent(struct lbd_client *, size_t);
void		 lbd_client_unslot(struct lbd_client *);
int		 lbd_client_reroute(struct lbd_client *, struct lbd_server *);
void		 lbd_client_repoint(struct lbd *, struct lbd_cluster *,
		    struct lbd_cluster *);

/* lb_http_up.c */
void		 lbd_up_start(struct lbd_client *);
void		 lbd_up_pump_request(struct lbd_client *);
void		 lbd_up_resume(struct lbd_client *);
void		 lbd_up_release(struct lbd_up *, int);
void		 lbd_up_key(char *, size_t, const struct lbd_server *,
		    const struct addr *);

/* lb_http_head.c */
void		 lbd_head_request(struct evbuffer *, const struct http_msg *,
		    const struct http_head_opts *, const char *);
void		 lbd_head_response(struct evbuffer *,
		    const struct http_msg *, const struct http_head_opts *,
		    const char *, int, enum http_conn);
size_t		 lbd_forwarded(char *, size_t, const struct addr *, int);
void		 lbd_reqline(char *, size_t, const struct http_msg *);
int		 lbd_idempotent(const struct http_msg *);

/* lb_log.c */
size_t		 lbd_log_format(char *, size_t, time_t, const char *,
		    const char *, int, uint64_t, const char *, const char *,
		    const char *, const char *, uint64_t, const char *);
void		 lbd_log_request(struct lbd_client *);

/* lb_ctl.c */
int		 lbd_ctl_open(struct lbd *, const char **);
void		 lbd_ctl_close(struct lbd *);
const char	*lbd_err_name(enum lbd_err);

#endif
