/*
 * mon_center.h: twin-monitord, the monitoring center. Agents post reports
 * to its HTTPS listeners (mon_httpd.c over lib/http, lib/tls, lib/listener,
 * lib/flow); each is authenticated with both factors, stored through
 * mon_store, and feeds the per-site alive timer (mon_alarm); alarms and
 * new events run the notify script and send mail (mon_notify.c). The
 * operators read the same data as a dashboard page, a read-only JSON API
 * (mon_views.c, escaping in mon_json.c) and over the control socket
 * (mon_center_ctl.c, for twinctl center).
 *
 * Why the project's own HTTP layer and not evhttp: the agents' listener
 * faces the internet, and lib/http is the strict parser that every other
 * daemon exposed to untrusted peers uses and that is fuzzed; evhttp
 * accepts what lib/http refuses (bare LF, obs-fold, a Content-Length
 * list). The two-factor decision needs the connection's SSL and what its
 * verification found, which evhttp keeps away from the request handler;
 * and lib/listener holds accepting at max-connections and pauses on
 * EMFILE, which evhttp's own listener does not.
 */
#ifndef MON_CENTER_H
#define MON_CENTER_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "mon_alarm.h"
#include "mon_auth.h"
#include "mon_report.h"
#include "mon_store.h"

struct cfg;
struct event_base;
struct bufferevent;
struct evbuffer;
struct http_msg;
struct mon_dist_center;
struct mon_httpd;
struct mon_httpd_req;
struct mon_notify;
struct mon_gw_center;
struct tls_server;
struct ctl_server;

/* mon_httpd.c: one listener set and its connections. */
struct mon_httpd_conf {
	const char		*name;		/* "agents", "operators" */
	struct tls_server	*tls;		/* NULL: plain HTTP */
	uint64_t		 timeout_ms;	/* per request, and writes */
	size_t			 max_head;
	size_t			 max_body;
	unsigned int		 max_headers;
	uint64_t		 max_conns;
	/*
	 * Requests for /gw/ (the gateway's streams) go to stream once the
	 * head is parsed; it returns 1 when it took the connection (its
	 * input still holds the head, which msg points into), 0 to let
	 * the server answer as usual.
	 */
	int			(*stream)(void *, const struct mon_httpd_req *,
				    struct bufferevent *);
	void			*stream_arg;
};

/* A request as a handler sees it. */
struct mon_httpd_req {
	const struct http_msg	*msg;
	const char		*body;
	size_t			 body_len;
	struct addr		 peer;
	int			 tls;
	enum mon_cert_status	 cert;		/* MON_CERT_NONE without TLS */
	char			 cn[256];	/* the client certificate's */
	void			*ssl;		/* SSL *, NULL without TLS */
};

/* What a handler answers; body is the server's buffer, to append to. */
struct mon_httpd_resp {
	int			 status;
	const char		*ctype;
	const char		*allow;		/* for 405, or NULL */
	int			 html;		/* add the page's CSP */
	int			 close;
	struct evbuffer		*body;
};

typedef void	(*mon_httpd_handler)(void *, const struct mon_httpd_req *,
		    struct mon_httpd_resp *);
/* A TLS handshake that failed: the peer, what TLS said, its CN, why. */
typedef void	(*mon_httpd_tls_cb)(void *, const struct addr *,
		    enum mon_cert_status, const char *, const char *);

struct mon_httpd_stats {
	uint64_t		 open;
	uint64_t		 accepted;
	uint64_t		 requests;
	uint64_t		 bad_requests;
	uint64_t		 tls_failures;
	uint64_t		 timeouts;
};

/* The center's counters, for "twinctl center stats" and the bench. */
struct mon_center_stats {
	uint64_t		 reports;
	uint64_t		 events;	/* new events stored */
	uint64_t		 duplicates;
	uint64_t		 bad_reports;
	uint64_t		 store_errors;
	uint64_t		 refused[MON_AUTH_WRONG_ID + 2];
	uint64_t		 alarms_raised;
	uint64_t		 alarms_cleared;
	uint64_t		 late_n;	/* alarm transitions timed */
	uint64_t		 late_sum;	/* ms after the deadline */
	uint64_t		 late_max;
};

struct mon_center {
	struct event_base	*base;
	struct cfg		*cfg;
	struct mon_store	*store;
	struct mon_alarm	*alarm;
	struct event		*alarm_ev;
	struct mon_notify	*notify;
	struct tls_server	*tls;		/* agents */
	struct tls_server	*otls;		/* operators, or NULL */
	struct mon_httpd	*agents;
	struct mon_httpd	*operators;
	struct ctl_server	*ctl;
	struct mon_dist_center	*dist;		/* mon_dist_center.c */
	struct mon_gw_center	*gw;
	uint64_t		(*now)(void);	/* wall clock, ms */
	uint64_t		 started;
	struct mon_center_stats	 stats;
	struct metrics_server	*metrics;	/* mon_center_metrics.c */
};

/* mon_center_metrics.c */
struct metrics_server;
void		 mon_center_metrics_start(struct mon_center *);
int		 mon_center_metrics_sync(struct mon_center *,
		     const struct cfg *, const char **);
void		 mon_center_metrics_stop(struct mon_center *);

/* mon_httpd.c */
struct mon_httpd *mon_httpd_new(struct event_base *,
		     const struct mon_httpd_conf *, mon_httpd_handler,
		     mon_httpd_tls_cb, void *);
void		 mon_httpd_free(struct mon_httpd *);
int		 mon_httpd_listen(struct mon_httpd *, const struct addr *,
		     size_t, const char **);
void		 mon_httpd_set_tls(struct mon_httpd *, struct tls_server *);
void		 mon_httpd_set_limits(struct mon_httpd *, uint64_t, uint64_t);
void		 mon_httpd_stats(const struct mon_httpd *,
		     struct mon_httpd_stats *);
void		 mon_httpd_text(struct mon_httpd_resp *, int, const char *,
		     ...) __attribute__((format(printf, 3, 4)));
void		 mon_httpd_answer(struct evbuffer *,
		     const struct mon_httpd_resp *, int, int);
enum mon_cert_status mon_httpd_cert_status(long, int);

/*
 * A device's request with both factors checked (mon_center_device): its
 * site (the certificate's CN) and its registered device, or why not.
 */
struct mon_center_dev {
	char		 site[MON_SITE_MAX + 1];
	char		 name[MON_NAME_MAX + 1];
	int64_t		 id;		/* the store's row */
	int		 status;	/* refused: 403, or 503 (registry) */
	char		 why[96];	/* refused: words for the answer */
};

/* mon_center.c */
uint64_t	 mon_center_clock(void);
int		 mon_center_init(struct mon_center *, struct event_base *,
		     struct cfg *, char **);
void		 mon_center_fini(struct mon_center *);
int		 mon_center_sites_load(struct mon_center *, char **);
void		 mon_center_report(void *, const struct mon_httpd_req *,
		     struct mon_httpd_resp *);
int		 mon_center_device(struct mon_center *,
		     const struct mon_httpd_req *, const char *,
		     struct mon_center_dev *);
void		 mon_center_refused(void *, const struct addr *,
		     enum mon_cert_status, const char *, const char *);
void		 mon_center_operator_refused(void *, const struct addr *,
		     enum mon_cert_status, const char *, const char *);
void		 mon_center_alarm_cb(void *, const char *, const char *,
		     enum mon_site_state, enum mon_site_state, uint64_t,
		     uint64_t);
void		 mon_center_tick(struct mon_center *);
void		 mon_center_arm(struct mon_center *);
int		 mon_center_register(struct mon_center *, const char *,
		     const char *, const char *, char **);
int		 mon_center_revoke(struct mon_center *, const char *,
		     const char *, char **);

/* mon_center_ctl.c */
int		 mon_center_ctl_open(struct mon_center *, const char **);

/* mon_json.c */
struct mon_json {
	struct evbuffer		*out;
	int			 depth;
	int			 keyed;
	unsigned char		 more[32];	/* an item written already */
};
void		 mon_json_init(struct mon_json *, struct evbuffer *);
void		 mon_json_open(struct mon_json *, char);
void		 mon_json_close(struct mon_json *, char);
void		 mon_json_key(struct mon_json *, const char *);
void		 mon_json_keyn(struct mon_json *, const char *, size_t);
void		 mon_json_str(struct mon_json *, const char *);
void		 mon_json_strn(struct mon_json *, const char *, size_t);
void		 mon_json_u64(struct mon_json *, uint64_t);
void		 mon_json_bool(struct mon_json *, int);
void		 mon_json_null(struct mon_json *);
void		 mon_json_quote(struct evbuffer *, const char *, size_t);
void		 mon_html(struct evbuffer *, const char *);
void		 mon_htmln(struct evbuffer *, const char *, size_t);

/* mon_views.c: sites as the views show them. */
struct mon_vdev {
	struct mon_store_device	 d;
	enum mon_site_state	 state;		/* the alive timer's */
};

struct mon_vsite {
	struct mon_store_site	 s;
	struct mon_vdev		 dev[MON_AUTH_MAXDEV];
	size_t			 ndev;
	enum mon_site_state	 state;
	unsigned int		 alarms;	/* open */
	char			 active[MON_AUTH_MAXDEV * (MON_NAME_MAX + 1)];
};

struct mon_vsites {
	struct mon_vsite	*v;
	size_t			 n;
	size_t			 cap;
	unsigned int		 silent;
	unsigned int		 alarms;
};

void		 mon_views_handler(void *, const struct mon_httpd_req *,
		     struct mon_httpd_resp *);
int		 mon_views_sites(struct mon_center *, const char *,
		     struct mon_vsites *, char **);
void		 mon_views_sites_free(struct mon_vsites *);
void		 mon_views_age(uint64_t, uint64_t, char *, size_t);
void		 mon_views_json_event(struct mon_json *,
		     const struct mon_store_event *);
void		 mon_views_json_alarm(struct mon_json *,
		     const struct mon_store_alarm *);

/* mon_notify.c */
struct mon_note {
	const char		*class;		/* "alarm" or "event" */
	const char		*site;
	const char		*device;	/* "" for the whole site */
	const char		*what;		/* silent, ok; an event kind */
	const char		*level;		/* critical, warning, info */
	uint64_t		 time;		/* ms since 1970 */
	const char		*text;
};

#define MON_NOTIFY_ARGS		9	/* argv[] of the notify script */
#define MON_MAIL_MAX		4096	/* bytes of a mail, within PIPE_BUF */

struct mon_notify_stats {
	uint64_t		 started;
	uint64_t		 failed;
	uint64_t		 dropped;
	uint64_t		 queued;	/* now */
	uint64_t		 running;	/* now */
};

void		 mon_notify_argv(const char *, const struct mon_note *,
		     char *, size_t, const char **);
size_t		 mon_mail_message(const struct mon_note *,
		     char *const *, size_t, char *, size_t);
struct mon_notify *mon_notify_new(void);
void		 mon_notify_free(struct mon_notify *);
void		 mon_notify_set(struct mon_notify *, const char *,
		     char *const *, size_t, const char *);
void		 mon_notify_send(struct mon_notify *, const struct mon_note *,
		     int);
void		 mon_notify_reap(struct mon_notify *);
void		 mon_notify_stats(const struct mon_notify *,
		     struct mon_notify_stats *);

#endif
