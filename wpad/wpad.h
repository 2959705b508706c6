/*
 * wpad.h: twin-wpad, the WPAD server of a peer and its PAC generator.
 *
 * The generator (wpad_pac.c) and the built-in script check
 * (wpad_verify.c) need nothing but the config, so twinctl and the unit
 * tests use them offline. The daemon adds the HTTP server
 * (wpad_server.c), the proxy health probes (wpad_probe.c) and the control
 * socket (wpad_ctl.c).
 */
#ifndef WPAD_H
#define WPAD_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "cfg.h"

#define WPAD_SELF		0	/* index of this peer's proxy */
#define WPAD_PARTNER		1	/* index of the partner's proxy */
#define WPAD_NPROXY		2

#define WPAD_EVEN		0	/* script index: even clients */
#define WPAD_ODD		1	/* script index: odd clients */
#define WPAD_NSCRIPT		2

#define WPAD_MAXSCRIPT		65536	/* a larger script is refused */
#define WPAD_ORDERLEN		(2 * (HOST_MAXLEN + 16) + 32)

/*
 * The scripts a peer hands out, built whenever the config or the health
 * of a proxy changes. Per client only one of them is picked, so serving
 * costs a parity test and a copy.
 */
struct wpad_pac {
	int		 variant;	/* PAC_PER_CLIENT, PAC_MY_IP_ADDRESS */
	int		 nproxy;	/* 1 without partner-proxy, else 2 */
	/* WPAD_SELF and WPAD_PARTNER in canonical order. */
	int		 canon[WPAD_NPROXY];
	/* Health, indexed by WPAD_SELF/WPAD_PARTNER (as is proxy). */
	int		 down[WPAD_NPROXY];
	int		 balance;
	int		 fallback_direct;
	/* The proxies as host:port, IPv6 literals in brackets. */
	char		 proxy[WPAD_NPROXY][HOST_MAXLEN + 16];
	/* Per script: text, the PAC result it returns, and why. */
	char		*script[WPAD_NSCRIPT];
	size_t		 len[WPAD_NSCRIPT];
	char		 result[WPAD_NSCRIPT][WPAD_ORDERLEN];
	char		 first[WPAD_NSCRIPT][HOST_MAXLEN + 16];
	char		 why[WPAD_NSCRIPT][128];
};

struct wpad;
struct event;
struct listener_pause;
struct event_base;
struct evhttp;
struct evdns_base;
struct check;
struct ctl_server;
struct evconnlistener;

/* TCP connect probe of one proxy. */
struct wpad_probe {
	struct wpad		*w;
	int			 idx;		/* WPAD_SELF or WPAD_PARTNER */
	struct check		*chk;		/* NULL while not probing */
	int			 known;		/* a verdict exists */
	int			 up;
	char			 why[128];	/* reason of the last verdict */
	uint64_t		 nchange;
};

/* The daemon. */
struct wpad {
	struct event_base	*base;
	struct cfg		*cfg;
	const char		*cfgfile;
	struct evhttp		*http;
	struct evconnlistener	**lev;		/* one per listen address */
	size_t			 nlev;
	struct listener_pause	*pause;		/* accept again after EMFILE */
	struct wpad_pac		 pac;
	struct wpad_probe	 probe[WPAD_NPROXY];
	struct evdns_base	*dns;
	struct ctl_server	*ctl;
	char			 cache_control[64];
	uint64_t		 nserved[WPAD_NSCRIPT];
	uint64_t		 nnotfound;
	uint64_t		 nreload;
	uint64_t		 nerr_client;	/* no client address: 500 */
	uint64_t		 nerr_nomem;	/* 503 */
	struct metrics_server	*metrics;	/* wpad_metrics.c */
};

/* wpad_pac.c */
int	 wpad_hostport_cmp(const struct hostport *, const struct hostport *);
int	 wpad_pac_build(struct wpad_pac *, const struct cfg_wpad *,
	    const int *, const char **);
void	 wpad_pac_free(struct wpad_pac *);
int	 wpad_pac_select(const struct wpad_pac *, const struct addr *);
const char *wpad_pac_reason(const struct wpad_pac *, const struct addr *,
	    char *, size_t);

/* wpad_verify.c */
int	 wpad_verify(const char *, size_t, const char **);

/* wpad_server.c */
struct wpad	*wpad_new(struct event_base *, struct cfg *, const char *);
void	 wpad_free(struct wpad *);
int	 wpad_rebuild(struct wpad *, const struct cfg_wpad *, const char **);
int	 wpad_reload(struct wpad *);

/* wpad_metrics.c */
struct metrics_server;
void	 wpad_metrics_start(struct wpad *);
int	 wpad_metrics_sync(struct wpad *, const struct cfg *, const char **);
void	 wpad_metrics_stop(struct wpad *);

/* wpad_probe.c */
void	 wpad_probe_start(struct wpad *);
void	 wpad_probe_stop(struct wpad *);
void	 wpad_probe_down(const struct wpad *, int *);

/* wpad_ctl.c */
void	 wpad_ctl_start(struct wpad *);

#endif
