/*
 * proxy_ftp.h: the FTP side of twin-proxy, private to proxy_ftp*.c: the
 * listeners and counters of the native FTP proxy (proxy_ftp_main.c), its
 * sessions (proxy_ftp.c), the control connections it and the ftp://
 * gateway open to servers (proxy_ftp_conn.c) and their data connections
 * (proxy_ftp_data.c). The gateway itself is proxy_ftp_gw.c.
 */
#ifndef PROXY_FTP_H
#define PROXY_FTP_H

#include <sys/queue.h>
#include <stdint.h>

#include "addr.h"
#include "conn.h"
#include "listener.h"

struct bufferevent;
struct evdns_getaddrinfo_request;
struct proxy;
struct proxy_ftp_session;

/* What the FTP side counts (twinctl proxy stats, "ftp-" lines). */
struct proxy_ftp_stats {
	struct listener_counters conns;	/* native control connections */
	uint64_t	 logins;	/* sessions relayed to a server */
	uint64_t	 transfers;	/* data transfers finished */
	uint64_t	 transfers_failed;
	uint64_t	 bytes_down;	/* data, server to client */
	uint64_t	 bytes_up;	/* data, client to server */
	uint64_t	 denied;	/* clients or servers refused */
	uint64_t	 bounce;	/* PORT or EPRT to another host */
	uint64_t	 theft;		/* data connection from another host */
	uint64_t	 tls;		/* AUTH refused */
	uint64_t	 gateway;	/* ftp:// requests */
	uint64_t	 gateway_failed;
};

TAILQ_HEAD(proxy_ftp_sessions, proxy_ftp_session);

/* The FTP side of the daemon. */
struct proxy_ftp {
	struct proxy			*px;
	struct listener_set		*ls;
	struct proxy_ftp_sessions	 sessions;
	struct proxy_ftp_stats		 st;
};

/* proxy_ftp.c */
void	proxy_ftp_session_new(struct proxy *, int, const struct sockaddr *,
	    int);
void	proxy_ftp_session_close(struct proxy_ftp_session *, const char *);
void	proxy_ftp_session_bye(struct proxy_ftp_session *, const char *);
/* Say 421 to every session between commands (drain); close all. */
void	proxy_ftp_sessions_drain(struct proxy_ftp *);
void	proxy_ftp_sessions_close(struct proxy_ftp *);

/* proxy_ftp_main.c */
void	proxy_ftp_count(struct proxy *, int);
void	proxy_ftp_log(struct proxy *, const struct timespec *, const char *,
	    const char *, int, uint64_t, const char *, const char *,
	    const char *);
const struct addr *proxy_ftp_source(struct proxy *);

/*
 * proxy_ftp_conn.c: a control connection to an FTP server: the name
 * resolved (or a literal used), each address tried in turn from the
 * outgoing address, within connect-timeout. The structure lives in its
 * owner; the callback runs once, with the connected bufferevent (its
 * callbacks cleared, now the owner's) and the server's address, or with
 * NULL, a reason and the kind of failure.
 */
enum proxy_ftp_open_err {
	PROXY_FTP_OPEN_OK,
	PROXY_FTP_OPEN_DNS,
	PROXY_FTP_OPEN_CONNECT,
	PROXY_FTP_OPEN_TIMEOUT,
	PROXY_FTP_OPEN_NOMEM
};
typedef void	(*proxy_ftp_open_cb)(struct bufferevent *, const struct addr *,
		    enum proxy_ftp_open_err, const char *, void *);

struct proxy_ftp_open {
	struct proxy			*px;
	char				 host[HOST_MAXLEN + 1];
	uint16_t			 port;
	struct conn_addrs		 addrs;
	struct evdns_getaddrinfo_request *req;
	struct bufferevent		*bev;
	proxy_ftp_open_cb		 cb;
	void				*arg;
	char				 why[HOST_MAXLEN + 128];
};

void	proxy_ftp_open_start(struct proxy_ftp_open *, struct proxy *,
	    const char *, uint16_t, proxy_ftp_open_cb, void *);
void	proxy_ftp_open_cancel(struct proxy_ftp_open *);

/*
 * proxy_ftp_data.c: one data connection being opened. Either the proxy
 * listens, on a port of ftp-data-ports at a local address, for a
 * connection from one host (any other is refused, counted and logged:
 * no data-port theft), or it connects to an address from a source
 * address. Both are bounded by ftp-data-timeout. The callback runs once:
 * with the connected bufferevent (reading off, callbacks cleared; the
 * callee's from then on), or with NULL and a reason. The owner frees the
 * structure after the callback, or to give up earlier.
 */
struct proxy_ftp_dc;
typedef void	(*proxy_ftp_dc_cb)(struct proxy_ftp_dc *, struct bufferevent *,
		    const char *, void *);

struct proxy_ftp_dc *proxy_ftp_dc_listen(struct proxy *, const struct addr *,
	    const struct addr *, proxy_ftp_dc_cb, void *, struct addr *,
	    const char **);
struct proxy_ftp_dc *proxy_ftp_dc_connect(struct proxy *, const struct addr *,
	    const struct addr *, proxy_ftp_dc_cb, void *, const char **);
void	proxy_ftp_dc_free(struct proxy_ftp_dc *);
/* Set up a data connection's bufferevent: limits, timeouts. */
void	proxy_ftp_data_setup(struct proxy *, struct bufferevent *);
/* Close a data connection at once, with a reset (an aborted transfer). */
void	proxy_ftp_data_reset(struct bufferevent *);

#endif
