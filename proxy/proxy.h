/*
 * proxy.h: twin-proxy, the forward HTTP proxy: listeners, client and origin
 * connections, CONNECT tunnels, access control, access log, counters.
 */
#ifndef PROXY_H
#define PROXY_H

#include <sys/queue.h>
#include <stdint.h>
#include <time.h>

#include "addr.h"
#include "cfg.h"
#include "flow.h"
#include "http.h"
#include "http_body.h"
#include "conn.h"
#include "listener.h"

struct event_base;
struct evdns_base;
struct evdns_getaddrinfo_request;
struct evconnlistener;
struct bufferevent;
struct evbuffer;
struct event;
struct ctl_server;
struct ctl_conn;
struct cache;
struct proxy_cx;
struct relay;
struct logfile;
struct logfwd;
struct pool;
struct proxy_ftp;
struct proxy_ftp_gw;

/*
 * Largest single read or write on a socket. libevent's default (16 KiB)
 * costs a system call per 16 KiB and caps tunnel throughput.
 */
#define PROXY_IO_MAX		(128 * 1024)
/* Idle origin connections kept in the pool, all origins together. */
#define PROXY_POOL_MAX		1024
/* Longest URL kept for the access log. */
#define PROXY_URL_MAX		2048
/* How long SIGTERM waits for requests in progress. */
#define PROXY_DRAIN_MS		10000
/*
 * Interim (1xx) responses one request may get; an origin sending more is
 * answered 502 (an endless stream of them would hold the request for
 * ever).
 */
#define PROXY_MAX_INTERIM	32
/* Bodies in progress, for proxy_client_body_timeout(). */
#define PROXY_BODY_REQ		0x1
#define PROXY_BODY_RESP		0x2

/* Errors counted by kind (twinctl proxy stats). */
enum proxy_err {
	PROXY_ERR_PARSE,	/* malformed request: 400 and friends */
	PROXY_ERR_DENIED,	/* access control: 403 */
	PROXY_ERR_DNS,		/* name did not resolve: 503 */
	PROXY_ERR_CONNECT,	/* origin refused or unreachable: 502 */
	PROXY_ERR_CONNECT_TIMEOUT, /* no connection in time: 504 */
	PROXY_ERR_TIMEOUT,	/* origin too slow: 504 */
	PROXY_ERR_UPSTREAM,	/* bad or truncated response: 502 */
	PROXY_ERR_CLIENT_TIMEOUT, /* client too slow */
	PROXY_ERR_CLIENT_ABORT,	/* client went away mid-request */
	PROXY_ERR_NOMEM,	/* allocation failed: connection dropped */
	PROXY_ERR_MAX
};

struct proxy_stats {
	struct listener_counters conns;	/* open, total, EMFILE pauses */
	uint64_t	 requests;
	uint64_t	 tunnels;
	uint64_t	 bytes_in;	/* from clients */
	uint64_t	 bytes_out;	/* to clients */
	uint64_t	 origin_connects;
	uint64_t	 origin_reused;
	uint64_t	 errors[PROXY_ERR_MAX];
};

/* Requests by Squid result code and by status class (proxy_metrics.c). */
#define PROXY_METRICS_CODES	32
struct proxy_codes {
	const char	*code[PROXY_METRICS_CODES];	/* static strings */
	uint64_t	 count[PROXY_METRICS_CODES];
	size_t		 n;
	uint64_t	 cls[6];	/* none, 1xx..5xx */
};

struct metrics_server;
struct proxy_server;
struct proxy_client;
TAILQ_HEAD(proxy_clients, proxy_client);

/* The daemon: one per process. */
struct proxy {
	struct event_base	*base;
	struct evdns_base	*dns;
	struct cfg		*cfg;
	const char		*cfgfile;
	struct listener_set	*ls;
	struct proxy_clients	 clients;
	struct pool		*pool;		/* idle origin connections */
	struct proxy_stats	 stats;
	struct ctl_server	*ctl;
	struct event		*drain_timer;
	int			 draining;
	struct http_limits	 lim;
	struct flow_limits	 flow;		/* every output buffer's cap */
	char			 via[128];	/* "<name> (twin-proxy)" */
	struct http_msg		 msg;		/* parse scratch (big) */

	/* Access log (lib/logfile.h; lines formatted by proxy_log.c). */
	struct logfile		*log;
	struct logfwd		*logfwd;	/* its forwarding */

	/* The RFC 9111 cache (proxy_cache_hook.c). */
	struct cache		*cache;

	/* The Prometheus endpoint (proxy_metrics.c). */
	struct metrics_server	*metrics;
	struct proxy_codes	 codes;

	/* The FTP proxy's listeners and sessions (proxy_ftp_main.c). */
	struct proxy_ftp	*ftp;
};

/* Where one client connection is. */
enum proxy_cstate {
	CLIENT_HEAD,		/* waiting for a request head */
	CLIENT_BUSY,		/* a request is being forwarded */
	CLIENT_TUNNEL,		/* CONNECT: a relay owns the connection */
	CLIENT_CLOSING		/* a lingering close (lib/conn.h) */
};

/* A client connection and the request it is working on. */
struct proxy_client {
	struct proxy			*px;
	struct bufferevent		*bev;
	struct addr			 addr;
	char				 addr_str[INET6_ADDRSTRLEN];
	enum proxy_cstate		 state;
	struct event			*timer;		/* idle, head */
	TAILQ_ENTRY(proxy_client)	 entry;

	/* The request in progress. */
	int				 head_started;	/* head begun */
	int				 denied;	/* client not allowed */
	int				 in_request;	/* not logged yet */
	int				 tunnel;	/* CONNECT */
	struct conn_linger		*linger;	/* CLIENT_CLOSING */
	int				 held;		/* output full */
	struct http_resume		 hr;		/* head parse */
	struct timespec			 t_start;
	enum http_method		 method;
	char				 method_str[24];
	char				 url[PROXY_URL_MAX];
	char				 host[HOST_MAXLEN + 1];
	unsigned			 port;
	int				 version;	/* client's: 10, 11 */
	int				 keep_alive;	/* client wants it */
	struct evbuffer			*head_out;	/* to origin */
	struct http_body		 req;		/* its body */
	int				 retried;
	int				 body_sent;	/* body went */
	int				 body_timed;	/* PROXY_BODY_* */
	unsigned			 interim;	/* 1xx so far */

	/* Name resolution and origin connection. */
	struct evdns_getaddrinfo_request *dnsreq;
	struct conn_addrs		 addrs;		/* the origin's */
	struct proxy_server		*srv;

	/* The response in progress. */
	int				 resp_started;	/* answering */
	int				 status;
	struct http_body		 resp;		/* its body */
	int				 close_after;
	char				 ctype[64];
	uint64_t			 bytes_out;	/* to client */
	uint64_t			 bytes_in;	/* from client */
	const char			*code;		/* Squid result code */
	char				 hier[ADDR_STRLEN + 16];

	struct relay			*relay;		/* CONNECT */

	/* The cache's view of the request (proxy_cache_hook.c). */
	struct proxy_cx			*cx;
	int				 internal;	/* background fetch */

	/* An ftp:// request (proxy_ftp_gw.c), or NULL. */
	struct proxy_ftp_gw		*ftp;
};

/* Where an origin connection is. */
enum proxy_sstate {
	SERVER_CONNECTING,
	SERVER_ACTIVE
};

/* A connection to an origin, working for a client (idle ones: the pool). */
struct proxy_server {
	struct proxy			*px;
	struct bufferevent		*bev;
	struct proxy_client		*client;
	enum proxy_sstate		 state;
	struct addr			 addr;
	char				 key[HOST_MAXLEN + 8];	/* host:port */
	int				 reused;	/* from pool */
	int				 got_bytes;	/* answering */
	int				 head_done;
	int				 keep_alive;
	struct http_resume		 hr;		/* head parse */
};

/* proxy_main.c */
void	proxy_init(struct proxy *, struct event_base *, struct cfg *,
	    const char *);
int	proxy_listen(struct proxy *, const char **);
void	proxy_reload(struct proxy *);
void	proxy_drain(struct proxy *);
void	proxy_shutdown(struct proxy *);
void	proxy_conn_count(struct proxy *, int);

/* proxy_client.c */
struct proxy_client *proxy_client_new(struct proxy *, int,
	    const struct sockaddr *, int);
struct evbuffer *proxy_client_output(struct proxy_client *);
void	proxy_client_send(struct proxy_client *, struct evbuffer *);
void	proxy_client_sent(struct proxy_client *, size_t);
void	proxy_client_answered(struct proxy_client *, size_t);
void	proxy_client_body_timeout(struct proxy_client *, int);
void	proxy_client_timer(struct proxy_client *, uint64_t);
void	proxy_client_close(struct proxy_client *, const char *);
void	proxy_client_error(struct proxy_client *, int, const char *,
	    const char *, enum proxy_err);
void	proxy_client_response_done(struct proxy_client *);
void	proxy_client_drain_idle(struct proxy *);
void	proxy_client_count(struct proxy_client *, enum proxy_err);

/* proxy_server.c */
void	proxy_server_start(struct proxy_client *);
void	proxy_server_release(struct proxy_server *, int);
void	proxy_server_pump_request(struct proxy_client *);
void	proxy_server_resume(struct proxy_client *);
void	proxy_server_detach(struct proxy_client *, const struct http_msg *);

/* proxy_tunnel.c */
void	proxy_tunnel_start(struct proxy_client *);
void	proxy_tunnel_connected(struct proxy_client *);
void	proxy_tunnel_free(struct proxy_client *);

/* proxy_acl.c */
int	proxy_acl_client(const struct cfg_proxy *, const struct addr *);
const char *proxy_acl_request(const struct cfg_proxy *, const char *,
	    unsigned, int);
int	proxy_acl_domain_match(const char *, const char *);

/* proxy_log.c */
void	proxy_log_request(struct proxy_client *);
void	proxy_log_forward(struct proxy *);
size_t	proxy_log_format(char *, size_t, const struct timespec *, uint64_t,
	    const char *, const char *, int, uint64_t, const char *,
	    const char *, const char *, const char *);

/* proxy_ctl.c */
int	proxy_ctl_open(struct proxy *, const char **);
void	proxy_ctl_close(struct proxy *);
const char *proxy_err_name(enum proxy_err);

/* proxy_ftp_main.c: the FTP proxy, a listener kind of twin-proxy */
void	proxy_ftp_init(struct proxy *);
int	proxy_ftp_listen(struct proxy *, const char **);
uint64_t proxy_ftp_open_conns(struct proxy *);
void	proxy_ftp_drain(struct proxy *);
void	proxy_ftp_shutdown(struct proxy *);
void	proxy_ftp_ctl_stats(struct ctl_conn *, struct proxy *);

/* proxy_ftp_gw.c: ftp:// URLs for HTTP clients */
void	proxy_ftp_gw_url(struct proxy_client *, const struct http_msg *);
int	proxy_ftp_gw_prepare(struct proxy_client *, const struct http_msg *);
void	proxy_ftp_gw_start(struct proxy_client *);
void	proxy_ftp_gw_resume(struct proxy_client *);
void	proxy_ftp_gw_free(struct proxy_client *);
int	proxy_ftp_gw_cacheable(const struct proxy_client *);

/* proxy_metrics.c */
void	proxy_metrics_init(struct proxy *);
int	proxy_metrics_sync(struct proxy *, const char **);
void	proxy_metrics_free(struct proxy *);
void	proxy_metrics_request(struct proxy_client *);

/* proxy_cache_hook.c */
struct cache_conf;
void	proxy_cache_conf(const struct cfg_proxy *, struct cache_conf *);
int	proxy_cache_open(struct proxy *, char **);
void	proxy_cache_close(struct proxy *);
void	proxy_cache_reload(struct proxy *, const struct cfg_proxy *);
int	proxy_cache_ctl(struct ctl_conn *, int, char **, void *);
void	proxy_cache_capture(struct proxy_client *, const struct http_msg *,
	    const char *);
int	proxy_cache_lookup(struct proxy_client *);
int	proxy_cache_response(struct proxy_client *, const struct http_msg *);
int	proxy_cache_error(struct proxy_client *);
void	proxy_cache_store(struct proxy_client *, const struct http_msg *);
void	proxy_cache_body(struct proxy_client *, struct evbuffer *, size_t);
void	proxy_cache_done(struct proxy_client *);
void	proxy_cache_abort(struct proxy_client *);
void	proxy_cache_client_free(struct proxy_client *);

#endif
