/*
 * mon_agent.h: the site agent, twin-report. It polls the peer's own
 * daemons over their control sockets into a snapshot (mon_snap.c), turns
 * the differences between two snapshots into events (mon_diff.c), spools
 * them (mon_spool.c) and reports to the center over HTTPS, through the
 * office's proxies with CONNECT or directly (mon_client.c), with the
 * daemon's timers around it (mon_agent.c).
 *
 * Snapshots and the diff are pure: the parsers take the text a control
 * socket answered, the diff takes two snapshots and calls back once per
 * event, so both are tested on canned answers. The part of a snapshot
 * that events are derived from is saved in the spool folder after every
 * poll that changed it (mon_snap_save), so an agent restarted after a
 * crash or a reboot compares with what it last saw rather than starting
 * blind: a takeover that happened while it was down is still reported.
 */
#ifndef MON_AGENT_H
#define MON_AGENT_H

#include <stddef.h>
#include <sys/types.h>
#include <stdint.h>
#include <time.h>

#include <openssl/ssl.h>

#include "addr.h"
#include "mon_report.h"
#include "mon_spool.h"

#define MON_SNAP_TRACK		16	/* tracked services of twin-ha */
#define MON_SNAP_WPAD		2	/* proxies twin-wpad probes */
#define MON_SNAP_CERTS		16	/* certificate files watched */
#define MON_SNAP_ERR		128
#define MON_SNAP_KEY		64	/* "198.18.0.5:80", "[::1]:8080" */
#define MON_SNAP_PATH		256
#define MON_SNAP_MAX		16384	/* a saved snapshot */

/* A daemon as a poll found it. */
enum mon_daemon {
	MON_D_OFF,		/* not configured (or no socket: twin-lb) */
	MON_D_DOWN,		/* configured, not answering */
	MON_D_UP
};

/* A two-state thing (service, proxy, lb server) as last seen. */
enum mon_updown {
	MON_S_UNKNOWN,
	MON_S_DOWN,
	MON_S_UP
};

/* A default role of twin-ha. */
enum mon_default {
	MON_DEF_UNKNOWN,
	MON_DEF_PRIMARY,
	MON_DEF_BACKUP
};

/* How close a certificate is to its end. */
enum mon_certlevel {
	MON_CL_FINE,
	MON_CL_NEAR,		/* within certificate-warning */
	MON_CL_PAST		/* expired */
};

struct mon_snap_track {
	char			 name[MON_SNAP_KEY];	/* address:port */
	enum mon_updown		 state;
};

struct mon_snap_wproxy {
	char			 name[MON_SNAP_KEY];	/* host:port */
	int			 self;	/* this peer's proxy, else partner */
	enum mon_updown		 state;
	char			 why[MON_SNAP_ERR];
};

struct mon_snap_cert {
	char			 path[MON_SNAP_PATH];
	char			 cn[MON_NAME_MAX + 1];
	int64_t			 not_after;	/* time_t */
	enum mon_certlevel	 level;
};

struct mon_snap {
	/* twin-ha */
	enum mon_daemon		 ha;
	char			 ha_err[MON_SNAP_ERR];
	enum mon_role		 role;
	enum mon_partner	 partner;
	char			 self_name[MON_NAME_MAX + 1];
	char			 partner_name[MON_NAME_MAX + 1];
	enum mon_default	 self_default;
	enum mon_default	 partner_default;
	int			 cfg_differs;	/* heartbeats: other config */
	uint64_t		 takeovers;
	char			 reason[MON_TEXT_MAX + 1];
	struct mon_snap_track	 track[MON_SNAP_TRACK];
	size_t			 ntrack;

	/* twin-proxy and its cache */
	enum mon_daemon		 proxy;
	char			 proxy_err[MON_SNAP_ERR];
	uint64_t		 requests;
	uint64_t		 connections;
	int			 cache;		/* a cache is configured */
	uint64_t		 cache_hits;
	uint64_t		 cache_misses;
	uint64_t		 cache_objects;
	uint64_t		 cache_bytes;
	uint64_t		 disk_rejected;

	/* twin-wpad */
	enum mon_daemon		 wpad;
	char			 wpad_err[MON_SNAP_ERR];
	struct mon_snap_wproxy	 wproxy[MON_SNAP_WPAD];
	size_t			 nwproxy;

	/* twin-lb */
	enum mon_daemon		 lb;
	char			 lb_err[MON_SNAP_ERR];
	struct mon_lbsrv	 lbs[MON_LB_MAX];
	size_t			 nlbs;

	/* certificates: the client certificate, then the clusters' files */
	struct mon_snap_cert	 cert[MON_SNAP_CERTS];
	size_t			 ncert;
};

/* Called by the diff once per event. */
typedef void	(*mon_diff_cb)(void *, enum mon_ev_kind, const char *);

struct cfg;
struct event_base;
struct evbuffer;
struct evdns_base;
struct mon_agent;
struct mon_client;
struct mon_ctlc;

/* What one report exchange needs; see mon_client.c. */
struct mon_client_params {
	const struct hostport	*center;
	const struct hostport	*proxy;		/* NULL: straight there */
	SSL_CTX			*ctx;		/* client cert, CA, verify */
	SSL_SESSION		*session;	/* to resume, or NULL */
	struct evdns_base	*dns;		/* NULL: literals only */
	uint64_t		 timeout_ms;	/* for the whole exchange */
	const char		*path;		/* "/report" */
	const char		*devid;
	const char		*agent;		/* User-Agent */
	size_t			 max_body;	/* 0: MON_MSG_MAX */
	int			 open;		/* body is a whole request;
						   hand the connection over */
};

/* How it went. */
struct mon_client_result {
	int			 ok;		/* a whole response came */
	int			 tls;		/* TLS reached the center */
	int			 status;	/* its status code */
	char			 err[MON_TEXT_MAX];	/* why not, when !ok */
	char			*body;		/* NUL-terminated */
	size_t			 body_len;
	SSL_SESSION		*session;	/* owned by the exchange */
	struct bufferevent	*bev;		/* open: the caller's now */
};
typedef void	(*mon_client_cb)(void *, const struct mon_client_result *);

/* A control-socket answer: 0 .OK, 1 .ERR, -1 unreachable; data; error. */
typedef void	(*mon_ctlc_cb)(void *, int, const char *, size_t,
		    const char *);

/* mon_snap.c */
void		 mon_snap_init(struct mon_snap *);
int		 mon_snap_ha(struct mon_snap *, const char *, size_t,
		     const char **);
int		 mon_snap_proxy(struct mon_snap *, const char *, size_t,
		     const char **);
int		 mon_snap_cache(struct mon_snap *, const char *, size_t,
		     const char **);
int		 mon_snap_wpad(struct mon_snap *, const char *, size_t,
		     const char **);
int		 mon_snap_lb(struct mon_snap *, const char *, size_t,
		     const char **);
void		 mon_snap_cert_level(struct mon_snap_cert *, time_t, uint64_t);
void		 mon_snap_report(const struct mon_snap *, struct mon_report *);
size_t		 mon_snap_encode(const struct mon_snap *, char *, size_t);
int		 mon_snap_decode(struct mon_snap *, const char *, size_t,
		     unsigned int *);
int		 mon_snap_save(const char *, const struct mon_snap *, char **);
int		 mon_snap_load(const char *, struct mon_snap *, char **);
const char	*mon_daemon_name(enum mon_daemon);

/* The daemons whose control sockets the privileged helper opens. */
enum mon_priv_sock {
	MON_PRIV_HA,
	MON_PRIV_PROXY,
	MON_PRIV_WPAD,
	MON_PRIV_LB,
	MON_PRIV_MAX
};

/* The other requests of the privileged helper (mon_priv.c). */
#define MON_PRIV_CERT_PUT	0x40	/* path, NUL, the renewed file */
#define MON_PRIV_CERT_KEEP	0x41	/* path: FILE.old removed */
#define MON_PRIV_CERT_BACK	0x42	/* path: FILE.old back over FILE */
#define MON_PRIV_DIST_INSTALL	0x50	/* bundle descriptor; role */
#define MON_PRIV_DIST_ROLLBACK	0x51	/* "name version" */
#define MON_PRIV_PEM_MAX	16384	/* bytes of a renewed file */
#define MON_PRIV_MSG_MAX	256	/* an answer's sentence */

/* mon_priv.c */
int		 mon_priv_start(const struct cfg *, pid_t *);
int		 mon_priv_connect(int, enum mon_priv_sock, char *, size_t);
int		 mon_priv_cert(int, int, const char *, const char *, size_t,
		     char *, size_t);
int		 mon_priv_dist(int, int, int, const char *, size_t, char *,
		     size_t);
const char	*mon_priv_name(enum mon_priv_sock);

/* mon_ctlc.c */
int		 mon_ctlc_connect(const char *, char *, size_t);
struct mon_ctlc	*mon_ctlc_new(struct event_base *, int, const char *,
		     const char *, uint64_t, mon_ctlc_cb, void *);
void		 mon_ctlc_free(struct mon_ctlc *);

/* mon_agent.c */
struct mon_agent_stats {
	uint64_t		 reports;	/* accepted by the center */
	uint64_t		 failed;
	uint64_t		 refused;	/* by the center */
	uint64_t		 events;
	unsigned int		 failures;	/* failed in a row */
	int64_t			 since_ok;	/* ms since last, -1 */
	int			 spool_open;
	struct mon_spool_stats	 spool;
};
struct mon_agent *mon_agent_new(struct event_base *, struct cfg *,
		     const char *, char **);
void		 mon_agent_free(struct mon_agent *);
int		 mon_agent_ctl_open(struct mon_agent *, const char **);
void		 mon_agent_priv(struct mon_agent *, int);
int		 mon_agent_start(struct mon_agent *, char **);
void		 mon_agent_reload(struct mon_agent *, struct cfg *);
/* What distribution (mon_dist_agent.c) and renewal (mon_renew.c) use. */
struct cfg	*mon_agent_cfg(struct mon_agent *);
struct event_base *mon_agent_base(struct mon_agent *);
void		 mon_agent_client_params(struct mon_agent *,
		     struct mon_client_params *);
void		 mon_agent_event(struct mon_agent *, enum mon_ev_kind,
		     const char *);
enum mon_role	 mon_agent_role(struct mon_agent *);
SSL_CTX		*mon_agent_ctx_make(struct mon_agent *, EVP_PKEY *, X509 *,
		     char **);
SSL_CTX		*mon_agent_ctx_swap(struct mon_agent *, SSL_CTX *);
X509		*mon_agent_cert(struct mon_agent *);
int		 mon_agent_privfd(struct mon_agent *);
void		 mon_agent_stats(struct mon_agent *,
		     struct mon_agent_stats *);

/* mon_agent_metrics.c */
struct mon_agent_metrics;
struct mon_agent_metrics *mon_agent_metrics_new(struct mon_agent *,
		     struct event_base *);
int		 mon_agent_metrics_sync(struct mon_agent_metrics *,
		     const struct cfg *, const char **);
void		 mon_agent_metrics_free(struct mon_agent_metrics *);

/* mon_client.c */
struct http_header;
#define MON_CLIENT_EXTRA	4	/* fields mon_client_head() adds */
#define MON_CLIENT_CLOSE	0x1
#define MON_CLIENT_CHUNKED	0x2
void		 mon_client_head(struct evbuffer *, const char *,
		     const char *, const char *, const char *, const char *,
		     const struct http_header *, size_t, int);
void		 mon_client_field(struct http_header *, const char *,
		     const char *);
void		 mon_client_request(struct evbuffer *, const char *,
		     const char *, const char *, const char *, size_t);
void		 mon_client_connect_request(struct evbuffer *, const char *,
		     const char *);
struct mon_client *mon_client_post(struct event_base *,
		     const struct mon_client_params *, const char *, size_t,
		     mon_client_cb, void *);
void		 mon_client_free(struct mon_client *);

/* mon_diff.c */
void		 mon_snap_diff(const struct mon_snap *, const struct mon_snap *,
		     mon_diff_cb, void *);

#endif
