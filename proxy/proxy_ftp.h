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
#include <time.h>

#include "addr.h"
#include "conn.h"
#include "ftp.h"
#include "listener.h"

struct bufferevent;
struct evbuffer;
struct event;
struct evdns_getaddrinfo_request;
struct proxy;
struct proxy_ftp_dc;
struct proxy_ftp_session;
struct relay;

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

/* proxy_ftp.c: sessions */
void	proxy_ftp_session_new(struct proxy *, int, const struct sockaddr *,
	    int);
void	proxy_ftp_session_close(struct proxy_ftp_session *, const char *);
void	proxy_ftp_session_bye(struct proxy_ftp_session *, const char *);
/* Say 421 to every session between commands (drain); close all. */
void	proxy_ftp_sessions_drain(struct proxy_ftp *);
void	proxy_ftp_sessions_close(struct proxy_ftp *);

/* proxy_ftp_main.c */
struct metrics;
void	proxy_ftp_count(struct proxy *, int);
void	proxy_ftp_metrics(struct metrics *, struct proxy *);
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

/*
 * A native FTP session (proxy_ftp.c: the control connections, commands
 * and replies; proxy_ftp_xfer.c: the data connections and transfers).
 */
/*
 * Largest splice of a data relay: a data connection carries one file in
 * one direction, so a bigger pipe costs little and saves system calls.
 */
#define PROXY_FTP_IO_MAX	(1024 * 1024)
/* Client command bytes held while a command is under way. */
#define PFS_IN_MAX	(16 * 1024)
/* Server bytes read ahead of what the client has taken. */
#define PFS_SRV_MAX	(64 * 1024)

enum pfs_state {
	PFS_LOGIN,	/* waiting for USER user@server */
	PFS_CONNECT,	/* connecting to the server */
	PFS_GREETING,	/* waiting for the server's 220 */
	PFS_OPEN,	/* relaying */
	PFS_BYE		/* the last words are going out */
};

/* What the command the proxy sent to the server waits for. */
enum pfs_wait {
	PFW_NONE,	/* nothing: a reply now is unsolicited */
	PFW_RELAY,	/* a reply to pass on */
	PFW_CWD,	/* as RELAY; a 2yz moves the directory */
	PFW_FEAT,	/* as RELAY, filtered */
	PFW_QUIT,	/* as RELAY, then close */
	PFW_EPSV,	/* the proxy's own EPSV */
	PFW_PASV,	/* the proxy's own PASV */
	PFW_PORT,	/* the proxy's own PORT or EPRT */
	PFW_SDATA,	/* connecting to the server's data port */
	PFW_XFER	/* the transfer: 1yz, then the end */
};

/* The client side of the next transfer. */
enum pfs_cmode {
	PFC_NONE,
	PFC_PASSIVE,	/* the client connects to the proxy */
	PFC_ACTIVE	/* the proxy connects to the client */
};

struct proxy_ftp_session {
	struct proxy			*px;
	struct proxy_ftp		*pf;
	TAILQ_ENTRY(proxy_ftp_session)	 entry;
	enum pfs_state			 state;
	struct bufferevent		*cbev;		/* client control */
	struct bufferevent		*sbev;		/* server control */
	struct addr			 caddr;		/* the client */
	struct addr			 clocal;	/* where it came to */
	struct addr			 saddr;		/* the server */
	struct addr			 slocal;	/* our end to it */
	char				 cstr[INET6_ADDRSTRLEN];
	char				 hier[ADDR_STRLEN + 16];
	struct event			*timer;
	struct event			*kick;		/* read the next */
	struct proxy_ftp_open		 op;
	struct ftp_login		 login;
	struct ftp_cmd			 cmd;
	struct ftp_reply		 reply;
	enum pfs_wait			 wait;
	int				 abor;		/* ABOR's reply due */
	char				 cwd[FTP_LINE_MAX + 1];
	char				 cwd_arg[FTP_LINE_MAX + 1];
	int				 feat_eprt;
	int				 feat_epsv;
	int				 epsv_all;
	int				 srv_no_epsv;	/* EPSV refused */
	struct timespec			 t_start;	/* of the session */

	/* The data connections. */
	enum pfs_cmode			 cmode;
	struct addr			 cport;		/* PFC_ACTIVE */
	struct proxy_ftp_dc		*cdc;
	struct bufferevent		*cdata;
	struct proxy_ftp_dc		*sdc;
	struct bufferevent		*sdata;
	struct relay			*relay;
	int				 flushing;	/* cdata draining */

	/* The transfer under way. */
	int				 xfer;
	int				 xfer_sent;	/* its command went */
	int				 xfer_cancel;	/* end it with 425 */
	int				 tried_active;
	int				 upload;
	int				 prelim;	/* its 1yz came */
	int				 data_done;
	int				 final;		/* its end, held */
	struct evbuffer			*held;
	const char			*abort_why;
	uint64_t			 bytes;
	struct timespec			 t_xfer;
	char				 xfer_verb[8];
	char				 xfer_cmd[FTP_LINE_MAX + 8];
	size_t				 xfer_cmd_len;
	char				 xfer_url[PROXY_URL_MAX];
};


/* proxy_ftp.c: what proxy_ftp_xfer.c uses */
void	proxy_ftp_timer(struct proxy_ftp_session *, uint64_t);
void	proxy_ftp_reply(struct proxy_ftp_session *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	proxy_ftp_line(struct proxy_ftp_session *, const char *, size_t);
void	proxy_ftp_send(struct proxy_ftp_session *, const char *, const char *,
	    enum pfs_wait);
void	proxy_ftp_idle(struct proxy_ftp_session *);
void	proxy_ftp_url(struct proxy_ftp_session *, const char *, int, char *,
	    size_t);
void	proxy_ftp_deny_log(struct proxy_ftp_session *, int, const char *,
	    const char *);

/* proxy_ftp_xfer.c */
void	proxy_ftp_data_cmd(struct proxy_ftp_session *);
void	proxy_ftp_cdata_clear(struct proxy_ftp_session *);
void	proxy_ftp_xfer(struct proxy_ftp_session *);
void	proxy_ftp_srv_data_reply(struct proxy_ftp_session *);
void	proxy_ftp_xfer_reply(struct proxy_ftp_session *, int);
void	proxy_ftp_data_free(struct proxy_ftp_session *, int);
void	proxy_ftp_xfer_abort(struct proxy_ftp_session *, const char *);
void	proxy_ftp_xfer_check(struct proxy_ftp_session *);
void	proxy_ftp_xfer_end(struct proxy_ftp_session *, int);

#endif
