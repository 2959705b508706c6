/*
 * mon_agent.c: the site agent's daemon logic. Two timers drive it:
 *	poll	every poll-interval: ask the peer's daemons for their state
 *		(all at once, each request timed), diff against the last
 *		poll, spool the events (fsync'd before anything else), save
 *		the snapshot, and send at once when there were events;
 *	send	the next report: an alive report every alive-interval, or
 *		sooner for events or to drain the spool, or a retry.
 * A report carries the status and the oldest unacknowledged events; the
 * center's acknowledgement releases them from the spool, and as long as
 * some are left the next report goes out at once. A report that fails
 * tries the next route (the next proxy) at once, and once every route
 * failed waits, doubling the wait up to alive-interval: an office whose
 * proxy pair fails over loses a report or two, never an event.
 */
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "cfg.h"
#include "ctl.h"
#include "daemon.h"
#include "ev.h"
#include "log.h"
#include "mon_agent.h"
#include "mon_auth.h"
#include "mon_dist.h"
#include "mon_renew.h"
#include "mon_gw.h"
#include "mon_spool.h"
#include "tls.h"
#include "xmalloc.h"

#define AGENT_CTL_TIMEOUT	2000	/* ms, one control-socket request */
#define AGENT_CERT_REREAD	86400	/* s between reading certificates */
#define AGENT_RETRY_MIN		1000	/* ms, first wait after a failure */

enum { REQ_HA, REQ_PROXY, REQ_CACHE, REQ_WPAD, REQ_LB, REQ_MAX };

struct agent_req {
	struct mon_agent	*a;
	int			 kind;
	struct mon_ctlc		*c;
};

struct mon_agent {
	struct event_base	*base;
	struct cfg		*cfg;
	char			*cfgfile;
	struct evdns_base	*dns;
	SSL_CTX			*ctx;
	SSL_SESSION		*session;
	char			 devid[MON_DEVID_HEXLEN + 1];
	struct mon_snap_cert	 certs[MON_SNAP_CERTS];
	size_t			 ncerts;
	time_t			 certs_read;

	struct mon_spool	*spool;
	char			*statepath;
	struct mon_snap		*cur;		/* the last poll */
	struct mon_snap		*next;		/* the poll under way */
	char			*saved;		/* what statepath holds */
	size_t			 savedlen;

	struct agent_req	 req[REQ_MAX];
	int			 npending;
	uint64_t		 poll_time;
	struct event		*poll_ev;

	struct event		*send_ev;
	struct mon_client	*cl;		/* the exchange under way */
	struct mon_client	*cl_done;	/* the last, to free */
	struct mon_report	*report;
	char			*buf;
	int			 again;		/* send once this one ends */
	size_t			 route;		/* the proxy in use */
	size_t			 tried;		/* routes failed in a row */
	unsigned int		 failures;	/* rounds failed in a row */
	uint64_t		 started;
	uint64_t		 last_ok;	/* ms, 0: never */
	uint64_t		 last_try;
	char			 last_err[MON_TEXT_MAX + 64];
	uint64_t		 nreports;
	uint64_t		 nfailed;
	uint64_t		 nevents;
	uint64_t		 nrefused;	/* by the center */

	struct ctl_server	*ctl;
	int			 privfd;	/* the helper, or -1 */

	struct mon_dist_agent	*dist;		/* NULL: no dist-key */
	struct mon_renew	*renew;
	struct mon_gw_agent	*gw;		/* gateway on, or NULL */
};

static uint64_t	agent_now(void);
static int	agent_creds(struct mon_agent *, struct cfg *, SSL_CTX **,
		    char *, struct mon_snap_cert *, size_t *, char **);
static void	agent_cert_add(struct mon_snap_cert *, size_t *,
		    const char *);
static void	agent_poll_cb(evutil_socket_t, short, void *);
static void	agent_poll(struct mon_agent *);
static void	agent_req(struct mon_agent *, int, enum mon_priv_sock,
		    const char *);
static void	agent_req_cb(void *, int, const char *, size_t,
		    const char *);
static void	agent_poll_done(struct mon_agent *);
static void	agent_event_cb(void *, enum mon_ev_kind, const char *);
static void	agent_save(struct mon_agent *);
static void	agent_send_cb(evutil_socket_t, short, void *);
static void	agent_send(struct mon_agent *);
static void	agent_send_in(struct mon_agent *, uint64_t);
static void	agent_result_cb(void *, const struct mon_client_result *);
static void	agent_failed(struct mon_agent *, int);
static int	agent_spool_open(struct mon_agent *, char **);
static const char *agent_route(const struct mon_agent *, char *, size_t);
static int	agent_ctl_status(struct ctl_conn *, int, char **, void *);
static int	agent_ctl_dist(struct ctl_conn *, int, char **, void *);
static void	agent_gw(struct mon_agent *);

static const struct ctl_cmd agent_ctl_cmds[] = {
	{ "status", "", agent_ctl_status },
	{ "dist-install", "BUNDLE-FILE", agent_ctl_dist },
	{ NULL, NULL, NULL }
};

/* Wall-clock milliseconds: reports and events are dated with it. */
static uint64_t
agent_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* Watch the certificate (the leaf) of a PEM file; unreadable: skipped. */
static void
agent_cert_add(struct mon_snap_cert *certs, size_t *n, const char *path)
{
	STACK_OF(X509)		*sk;
	struct tls_cert_info	 ci;
	char			*cause;

	if (*n == MON_SNAP_CERTS)
		return;
	if ((sk = tls_certs_load(path, &cause)) == NULL) {
		log_warnx("certificate watch: %s", cause);
		free(cause);
		return;
	}
	if (sk_X509_num(sk) > 0 &&
	    tls_cert_info(sk_X509_value(sk, 0), time(NULL), &ci) == 0) {
		memset(&certs[*n], 0, sizeof certs[*n]);
		strlcpy(certs[*n].path, path, sizeof certs[*n].path);
		strlcpy(certs[*n].cn, ci.cn, sizeof certs[*n].cn);
		mon_sanitize(certs[*n].cn);
		certs[*n].not_after = (int64_t)ci.not_after;
		(*n)++;
	}
	sk_X509_pop_free(sk, X509_free);
}

/*
 * Read what the agent authenticates with: the device ID, the client
 * certificate (into a TLS context that checks the center against the CA
 * file), and the certificates to watch for expiry.
 */
static int
agent_creds(struct mon_agent *a, struct cfg *cfg, SSL_CTX **ctx,
    char *devid, struct mon_snap_cert *certs, size_t *ncerts, char **cause)
{
	struct tls_client_conf	 tc;
	struct cfg_cluster	*cl;
	char			*c;
	size_t			 i;

	if (mon_devid_read(cfg->report.device_id_file, devid,
	    MON_DEVID_HEXLEN + 1, &c) == -1) {
		*cause = xstrdup(c);
		return (-1);
	}
	memset(&tc, 0, sizeof tc);
	tc.cafile = cfg->report.ca_file;
	tc.pem = cfg->report.certificate;
	if ((*ctx = tls_client_new(&tc, cause)) == NULL)
		return (-1);
	/* Tickets of the center's, kept by the agent for the next report. */
	SSL_CTX_set_session_cache_mode(*ctx, SSL_SESS_CACHE_CLIENT |
	    SSL_SESS_CACHE_NO_INTERNAL_STORE);
	*ncerts = 0;
	agent_cert_add(certs, ncerts, cfg->report.certificate);
	TAILQ_FOREACH(cl, &cfg->clusters, entry) {
		if (cl->mode != LB_MODE_HTTPS)
			continue;
		for (i = 0; i < cl->ncertificate; i++)
			agent_cert_add(certs, ncerts, cl->certificate[i]);
	}
	return (0);
}

/*
 * A new agent for the report block of <cfg>: credentials are read now,
 * while the process may still read files only root may; mon_agent_start()
 * opens the spool and starts the timers once privileges are dropped.
 */
struct mon_agent *
mon_agent_new(struct event_base *base, struct cfg *cfg, const char *cfgfile,
    char **cause)
{
	struct mon_agent	*a;

	a = xcalloc(1, sizeof *a);
	a->base = base;
	a->cfg = cfg;
	a->cfgfile = xstrdup(cfgfile);
	a->privfd = -1;
	a->cur = xmalloc(sizeof *a->cur);
	a->next = xmalloc(sizeof *a->next);
	a->report = xmalloc(sizeof *a->report);
	a->buf = xmalloc(MON_MSG_MAX);
	a->saved = xmalloc(MON_SNAP_MAX);
	mon_snap_init(a->cur);
	if (agent_creds(a, cfg, &a->ctx, a->devid, a->certs, &a->ncerts,
	    cause) == -1) {
		a->cfg = NULL;
		mon_agent_free(a);
		return (NULL);
	}
	a->certs_read = time(NULL);
	a->dns = evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS |
	    EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	if (a->dns == NULL) {
		/* No resolv.conf: names still resolve from /etc/hosts. */
		if ((a->dns = evdns_base_new(base, 0)) != NULL)
			evdns_base_load_hosts(a->dns, NULL);
	}
	if ((a->poll_ev = event_new(base, -1, EV_PERSIST, agent_poll_cb,
	    a)) == NULL ||
	    (a->send_ev = evtimer_new(base, agent_send_cb, a)) == NULL)
		fatalx("%s: out of memory", __func__);
	xasprintf(&a->statepath, "%s/agent-state", cfg->report.spool_dir);
	return (a);
}

/* Free an agent (its config stays the caller's). */
void
mon_agent_free(struct mon_agent *a)
{
	int	i;

	if (a == NULL)
		return;
	for (i = 0; i < REQ_MAX; i++)
		mon_ctlc_free(a->req[i].c);
	mon_dist_agent_free(a->dist);
	mon_renew_free(a->renew);
	mon_gw_agent_free(a->gw);
	mon_client_free(a->cl);
	mon_client_free(a->cl_done);
	if (a->poll_ev != NULL)
		event_free(a->poll_ev);
	if (a->send_ev != NULL)
		event_free(a->send_ev);
	if (a->ctl != NULL)
		ctl_server_free(a->ctl);
	if (a->dns != NULL)
		evdns_base_free(a->dns, 0);
	if (a->spool != NULL)
		mon_spool_close(a->spool);
	SSL_SESSION_free(a->session);
	SSL_CTX_free(a->ctx);
	if (a->privfd != -1)
		close(a->privfd);
	OPENSSL_cleanse(a->devid, sizeof a->devid);
	free(a->statepath);
	free(a->cur);
	free(a->next);
	free(a->report);
	free(a->buf);
	free(a->saved);
	free(a->cfgfile);
	free(a);
}

/* Connect to the daemons through the privileged helper at <fd>. */
void
mon_agent_priv(struct mon_agent *a, int fd)
{
	a->privfd = fd;
}

/* The control socket, <run-dir>/report.sock; before privileges go. */
int
mon_agent_ctl_open(struct mon_agent *a, const char **cause)
{
	static char	 msg[512];
	char		*path, *why;

	if (daemon_mkdir_run(a->cfg->peer.run_dir, a->cfg->peer.user,
	    &why) == -1) {
		strlcpy(msg, why, sizeof msg);
		free(why);
		*cause = msg;
		return (-1);
	}
	path = ctl_sockpath(a->cfg->peer.run_dir, "report");
	a->ctl = ctl_server_new(a->base, path, agent_ctl_cmds, a, cause);
	free(path);
	return (a->ctl == NULL ? -1 : 0);
}

static int
agent_spool_open(struct mon_agent *a, char **cause)
{
	struct mon_spool_params	 sp;

	memset(&sp, 0, sizeof sp);
	sp.size = a->cfg->report.spool_size;
	a->spool = mon_spool_open(a->cfg->report.spool_dir, &sp, agent_now(),
	    cause);
	return (a->spool == NULL ? -1 : 0);
}

/*
 * Open the spool and the saved snapshot, then poll at once and report
 * once that poll is in.
 */
int
mon_agent_start(struct mon_agent *a, char **cause)
{
	struct mon_spool_stats	 st;
	struct timeval		 tv;
	char			*c;

	if (agent_spool_open(a, cause) == -1)
		return (-1);
	if (mon_snap_load(a->statepath, a->cur, &c) == -1) {
		if (c != NULL)
			log_warnx("%s; starting from an empty snapshot", c);
		mon_snap_init(a->cur);
		a->savedlen = 0;
	} else
		a->savedlen = mon_snap_encode(a->cur, a->saved,
		    MON_SNAP_MAX);
	mon_spool_stats(a->spool, &st);
	log_info("spool %s: %" PRIu64 " event%s waiting, next sequence "
	    "number %" PRIu64, a->cfg->report.spool_dir, st.pending,
	    st.pending == 1 ? "" : "s", st.next_seq);
	a->started = agent_now();
	if (a->cfg->report.dist_key != NULL &&
	    (a->dist = mon_dist_agent_new(a, &c)) == NULL) {
		*cause = c;
		return (-1);
	}
	a->renew = mon_renew_new(a);
	ev_tv(&tv, a->cfg->report.poll_interval);
	event_add(a->poll_ev, &tv);
	agent_poll(a);
	agent_gw(a);
	return (0);
}

/* The gateway (mon_gw_agent.c) as the config says: on, off, new limits. */
static void
agent_gw(struct mon_agent *a)
{
	const struct cfg_report		*r = &a->cfg->report;
	struct mon_gw_agent_params	 p;

	memset(&p, 0, sizeof p);
	p.off = !r->gateway;
	p.center = &r->center;
	p.proxies = r->proxy;
	p.nproxy = r->nproxy;
	p.ctx = a->ctx;
	p.dns = a->dns;
	p.devid = a->devid;
	p.site = r->site_id;
	p.peer = a->cfg->peer.name;
	p.allow = r->gateway_allow;
	p.nallow = r->ngateway_allow;
	p.idle_ms = r->gateway_idle_timeout;
	p.max_ms = r->gateway_max_time;
	p.max_sessions = r->gateway_sessions;
	p.timeout_ms = r->timeout;
	if (a->gw == NULL)
		a->gw = mon_gw_agent_new(a->base, &p);
	else
		mon_gw_agent_set(a->gw, &p);
}

/*
 * Apply a new config whose report block may differ: credentials are read
 * again (kept if they cannot be, as after dropping privileges), the
 * timers follow the new intervals. The spool folder does not move.
 */
void
mon_agent_reload(struct mon_agent *a, struct cfg *cfg)
{
	struct mon_snap_cert	 certs[MON_SNAP_CERTS];
	struct timeval		 tv;
	SSL_CTX			*ctx;
	char			 devid[MON_DEVID_HEXLEN + 1], *cause;
	size_t			 ncerts;

	if (strcmp(cfg->report.spool_dir, a->cfg->report.spool_dir) != 0)
		log_warnx("spool-dir changed: the new folder is used after a "
		    "restart");
	if (agent_creds(a, cfg, &ctx, devid, certs, &ncerts, &cause) == 0) {
		SSL_CTX_free(a->ctx);
		a->ctx = ctx;
		SSL_SESSION_free(a->session);
		a->session = NULL;
		memcpy(a->devid, devid, sizeof devid);
		memcpy(a->certs, certs, sizeof certs);
		a->ncerts = ncerts;
		a->certs_read = time(NULL);
	} else {
		log_warnx("reload: keeping the credentials in use: %s",
		    cause);
		free(cause);
	}
	OPENSSL_cleanse(devid, sizeof devid);
	a->cfg = cfg;
	a->route = 0;
	a->tried = 0;
	event_del(a->poll_ev);
	ev_tv(&tv, cfg->report.poll_interval);
	event_add(a->poll_ev, &tv);
	agent_send_in(a, 0);
	agent_gw(a);
}

static void
agent_poll_cb(evutil_socket_t fd, short what, void *arg)
{
	agent_poll(arg);
}

/*
 * Send one control-socket request of a poll: through the privileged
 * helper when there is one (the sockets are root's), else directly.
 */
static void
agent_req(struct mon_agent *a, int kind, enum mon_priv_sock which,
    const char *cmd)
{
	char	*path, err[256];
	int	 fd;

	if (a->privfd != -1)
		fd = mon_priv_connect(a->privfd, which, err, sizeof err);
	else {
		path = ctl_sockpath(a->cfg->peer.run_dir, mon_priv_name(which));
		fd = mon_ctlc_connect(path, err, sizeof err);
		free(path);
	}
	a->req[kind].a = a;
	a->req[kind].kind = kind;
	a->npending++;
	a->req[kind].c = mon_ctlc_new(a->base, fd, err, cmd,
	    AGENT_CTL_TIMEOUT, agent_req_cb, &a->req[kind]);
}

/*
 * Ask every daemon of the peer at once. A daemon not configured on this
 * peer is off; twin-lb counts as configured when its socket exists.
 */
static void
agent_poll(struct mon_agent *a)
{
	struct cfg	*cfg = a->cfg;
	struct stat	 sb;
	char		*lbpath;
	size_t		 i;

	if (a->npending > 0)
		return;		/* the last poll is not over */
	*a->next = *a->cur;
	a->poll_time = agent_now();
	/* The watched files are read again once a day (renewals). */
	if (time(NULL) - a->certs_read > AGENT_CERT_REREAD) {
		struct mon_snap_cert	certs[MON_SNAP_CERTS];
		struct cfg_cluster	*cl;
		size_t			n = 0, j;

		agent_cert_add(certs, &n, cfg->report.certificate);
		TAILQ_FOREACH(cl, &cfg->clusters, entry)
			if (cl->mode == LB_MODE_HTTPS)
				for (j = 0; j < cl->ncertificate; j++)
					agent_cert_add(certs, &n,
					    cl->certificate[j]);
		if (n > 0) {
			memcpy(a->certs, certs, sizeof certs);
			a->ncerts = n;
		}
		a->certs_read = time(NULL);
	}
	a->next->ncert = a->ncerts;
	for (i = 0; i < a->ncerts; i++) {
		a->next->cert[i] = a->certs[i];
		mon_snap_cert_level(&a->next->cert[i], time(NULL),
		    cfg->report.certificate_warning);
	}
	if (cfg->ha.blk.present)
		agent_req(a, REQ_HA, MON_PRIV_HA, "status");
	else
		a->next->ha = MON_D_OFF;
	if (cfg->proxy.blk.present) {
		agent_req(a, REQ_PROXY, MON_PRIV_PROXY, "stats");
		agent_req(a, REQ_CACHE, MON_PRIV_PROXY, "cache stats");
	} else
		a->next->proxy = MON_D_OFF;
	if (cfg->wpad.blk.present)
		agent_req(a, REQ_WPAD, MON_PRIV_WPAD, "status");
	else
		a->next->wpad = MON_D_OFF;
	lbpath = ctl_sockpath(cfg->peer.run_dir, "lb");
	if (stat(lbpath, &sb) == 0 && S_ISSOCK(sb.st_mode))
		agent_req(a, REQ_LB, MON_PRIV_LB, "lb servers");
	else {
		a->next->lb = MON_D_OFF;
		a->next->nlbs = 0;
	}
	free(lbpath);
	if (a->npending == 0)
		agent_poll_done(a);
}

/* One answer of a poll. */
static void
agent_req_cb(void *arg, int rv, const char *data, size_t len,
    const char *err)
{
	struct agent_req	*r = arg;
	struct mon_agent	*a = r->a;
	struct mon_snap		*n = a->next;
	const char		*cause = NULL;
	enum mon_daemon		*d = NULL;
	char			*e = NULL;
	int			 prv = 0;

	r->c = NULL;
	switch (r->kind) {
	case REQ_HA:
		d = &n->ha;
		e = n->ha_err;
		if (rv == 0)
			prv = mon_snap_ha(n, data, len, &cause);
		/* twin-ha names peers by address; the config has a name. */
		if (rv == 0 && prv == 0)
			strlcpy(n->self_name, a->cfg->peer.name,
			    sizeof n->self_name);
		break;
	case REQ_PROXY:
		d = &n->proxy;
		e = n->proxy_err;
		if (rv == 0)
			prv = mon_snap_proxy(n, data, len, &cause);
		break;
	case REQ_CACHE:
		/* The proxy's state comes from "stats": only the cache here. */
		if (rv == 0 && mon_snap_cache(n, data, len, &cause) == -1)
			log_warnx("twin-proxy cache stats: %s", cause);
		else if (rv == 1)
			n->cache = 0;
		break;
	case REQ_WPAD:
		d = &n->wpad;
		e = n->wpad_err;
		if (rv == 0)
			prv = mon_snap_wpad(n, data, len, &cause);
		break;
	case REQ_LB:
		d = &n->lb;
		e = n->lb_err;
		if (rv == 0)
			prv = mon_snap_lb(n, data, len, &cause);
		break;
	}
	if (d != NULL) {
		if (rv != 0 || prv == -1) {
			/* The last state stays: only "not answering" is new. */
			*d = MON_D_DOWN;
			snprintf(e, MON_SNAP_ERR, "%s", rv == 0 ?
			    "answer not understood" : err);
			mon_sanitize(e);
			if (prv == -1)
				log_warnx("%s answer not understood: %s",
				    r->kind == REQ_HA ? "twin-ha" :
				    r->kind == REQ_PROXY ? "twin-proxy" :
				    r->kind == REQ_WPAD ? "twin-wpad" :
				    "twin-lb", cause);
		}
	}
	if (--a->npending == 0)
		agent_poll_done(a);
}

/* Spool one event of the diff, dated at the poll. */
static void
agent_event_cb(void *arg, enum mon_ev_kind kind, const char *text)
{
	struct mon_agent	*a = arg;
	struct mon_event	 ev;
	char			*cause;
	int			 rv;

	mon_event_set(&ev, kind, a->poll_time, text);
	if (a->spool == NULL && agent_spool_open(a, &cause) == -1) {
		log_warnx("event %s lost: spool: %s", ev.kind_name, cause);
		return;
	}
	rv = mon_spool_append(a->spool, &ev, agent_now(), &cause);
	if (rv == 0) {
		a->nevents++;
		log_info("event %" PRIu64 " %s: %s", ev.seq, ev.kind_name,
		    ev.text);
	} else if (rv == 1)
		log_warnx("spool full: event %s refused (counted, and "
		    "reported as events-dropped): %s", ev.kind_name, ev.text);
	else {
		log_warnx("spool: %s; event %s not spooled, reopening the "
		    "spool", cause, ev.kind_name);
		mon_spool_close(a->spool);
		a->spool = NULL;
		if (agent_spool_open(a, &cause) == -1)
			log_warnx("spool: %s", cause);
	}
}

/* Save the snapshot if what the diff reads changed. */
static void
agent_save(struct mon_agent *a)
{
	char	*cause, *buf;
	size_t	 len;

	buf = xmalloc(MON_SNAP_MAX);
	len = mon_snap_encode(a->cur, buf, MON_SNAP_MAX);
	if (len != 0 && (len != a->savedlen ||
	    memcmp(buf, a->saved, len) != 0)) {
		if (mon_snap_save(a->statepath, a->cur, &cause) == -1)
			log_warnx("%s", cause);
		else {
			memcpy(a->saved, buf, len);
			a->savedlen = len;
		}
	}
	free(buf);
}

/* Every answer is in: events first, then the snapshot they came from. */
static void
agent_poll_done(struct mon_agent *a)
{
	uint64_t	before = a->nevents;

	mon_snap_diff(a->cur, a->next, agent_event_cb, a);
	*a->cur = *a->next;
	agent_save(a);
	if (a->dist != NULL)
		mon_dist_agent_polled(a->dist, a->cur);
	if (a->renew != NULL)
		mon_renew_check(a->renew);
	if (a->nevents != before || a->last_try == 0)
		agent_send_in(a, 0);
}

/* Send the next report in <ms> (0: now), unless one is under way. */
static void
agent_send_in(struct mon_agent *a, uint64_t ms)
{
	struct timeval	tv;

	if (a->cl != NULL) {
		if (ms == 0)
			a->again = 1;
		return;
	}
	ev_tv(&tv, ms);
	evtimer_del(a->send_ev);
	evtimer_add(a->send_ev, &tv);
}

static void
agent_send_cb(evutil_socket_t fd, short what, void *arg)
{
	agent_send(arg);
}

/* How the report goes: "proxy HOST:PORT" or "direct". */
static const char *
agent_route(const struct mon_agent *a, char *buf, size_t len)
{
	char	hp[HOST_MAXLEN + 16];

	if (a->cfg->report.nproxy == 0)
		snprintf(buf, len, "direct");
	else
		snprintf(buf, len, "proxy %s", hostport_fmt(
		    &a->cfg->report.proxy[a->route], hp, sizeof hp));
	return (buf);
}

/* Build the report (status, oldest events) and post it. */
static void
agent_send(struct mon_agent *a)
{
	struct mon_client_params	 p;
	struct mon_report		*r = a->report;
	struct sysinfo			 si;
	const char			*cause;
	char				*c;
	size_t				 len;
	int				 n = 0;

	if (a->cl != NULL) {
		a->again = 1;
		return;
	}
	mon_client_free(a->cl_done);
	a->cl_done = NULL;
	memset(r, 0, sizeof *r);
	strlcpy(r->site, a->cfg->report.site_id, sizeof r->site);
	strlcpy(r->peer, a->cfg->peer.name, sizeof r->peer);
	strlcpy(r->software, PACKAGE_VERSION, sizeof r->software);
	r->sent = agent_now();
	r->uptime = sysinfo(&si) == 0 ? (uint64_t)si.uptime : 0;
	mon_snap_report(a->cur, r);
	if (a->spool == NULL && agent_spool_open(a, &c) == -1)
		log_warnx("spool: %s", c);
	if (a->spool != NULL &&
	    (n = mon_spool_peek(a->spool, r->ev, MON_EVENTS_MAX, &c)) == -1) {
		log_warnx("spool: %s", c);
		n = 0;
	}
	r->nev = (size_t)n;
	if (mon_report_encode(r, a->buf, MON_MSG_MAX, &len, &cause) == -1) {
		log_warnx("cannot encode the report: %s", cause);
		agent_send_in(a, a->cfg->report.alive_interval);
		return;
	}
	memset(&p, 0, sizeof p);
	p.center = &a->cfg->report.center;
	p.proxy = a->cfg->report.nproxy > 0 ?
	    &a->cfg->report.proxy[a->route] : NULL;
	p.ctx = a->ctx;
	p.session = a->session;
	p.dns = a->dns;
	p.timeout_ms = a->cfg->report.timeout;
	p.path = "/report";
	p.devid = a->devid;
	p.agent = "twin-report/" PACKAGE_VERSION;
	a->again = 0;
	a->last_try = agent_now();
	a->cl = mon_client_post(a->base, &p, a->buf, len, agent_result_cb, a);
}

/*
 * A report failed. <route> moves to the next proxy: a network failure,
 * or a proxy that refused. Every route failed in a row: wait, doubling.
 */
static void
agent_failed(struct mon_agent *a, int route)
{
	uint64_t	wait;
	size_t		nroutes = a->cfg->report.nproxy > 0 ?
			    a->cfg->report.nproxy : 1;

	a->nfailed++;
	if (route && nroutes > 1) {
		a->route = (a->route + 1) % nroutes;
		if (++a->tried < nroutes) {
			agent_send_in(a, 0);
			return;
		}
	}
	a->tried = 0;
	wait = (uint64_t)AGENT_RETRY_MIN << (a->failures < 16 ?
	    a->failures : 16);
	if (wait > a->cfg->report.alive_interval)
		wait = a->cfg->report.alive_interval;
	a->failures++;
	agent_send_in(a, wait);
}

/* The center answered (or not). */
static void
agent_result_cb(void *arg, const struct mon_client_result *res)
{
	struct mon_agent	*a = arg;
	struct mon_spool_stats	 st;
	struct mon_perr		 perr;
	struct mon_ack		 ack;
	char			 route[HOST_MAXLEN + 32], perrbuf[256];
	char			 first[MON_TEXT_MAX + 1], *cause;
	size_t			 n;
	uint64_t		 upto;

	a->cl_done = a->cl;
	a->cl = NULL;
	agent_route(a, route, sizeof route);
	if (res->session != NULL && SSL_SESSION_up_ref(res->session)) {
		SSL_SESSION_free(a->session);
		a->session = res->session;
	}
	if ((!res->ok || res->status != 200) && a->renew != NULL)
		mon_renew_result(a->renew, 0);
	if (!res->ok) {
		snprintf(a->last_err, sizeof a->last_err, "%s", res->err);
		log_warnx("report (%s) failed: %s", route, res->err);
		if (res->tls) {
			/* Past the tunnel: the center failed, not the route. */
			SSL_SESSION_free(a->session);
			a->session = NULL;
		}
		agent_failed(a, !res->tls);
		return;
	}
	if (res->status != 200) {
		n = strcspn(res->body, "\n");
		snprintf(first, sizeof first, "%.*s", (int)(n < MON_TEXT_MAX ?
		    n : MON_TEXT_MAX), res->body);
		mon_sanitize(first);
		snprintf(a->last_err, sizeof a->last_err, "center answered "
		    "%d: %s", res->status, first);
		log_warnx("report (%s): the center answered %d: %s", route,
		    res->status, first);
		if (res->status >= 400 && res->status < 500) {
			/* Refused: trying harder would change nothing. */
			a->nrefused++;
			a->nfailed++;
			a->tried = 0;
			agent_send_in(a, a->cfg->report.alive_interval);
		} else
			agent_failed(a, 0);
		return;
	}
	if (mon_ack_decode(res->body, res->body_len, &ack, &perr) == -1) {
		snprintf(a->last_err, sizeof a->last_err, "center's "
		    "acknowledgement: %s", mon_perr_fmt(&perr, perrbuf,
		    sizeof perrbuf));
		log_warnx("report (%s): %s", route, a->last_err);
		agent_failed(a, 0);
		return;
	}
	a->nreports++;
	if (a->renew != NULL)
		mon_renew_result(a->renew, 1);
	a->failures = 0;
	a->tried = 0;
	a->last_ok = agent_now();
	a->last_err[0] = '\0';
	if (a->spool != NULL) {
		mon_spool_stats(a->spool, &st);
		upto = ack.ack;
		/* The center may know numbers of a spool this one replaced. */
		if (upto >= st.next_seq) {
			log_warnx("the center acknowledges events up to %"
			    PRIu64 ", beyond this spool's last %" PRIu64
			    " (spool replaced? register a new device ID)",
			    upto, st.next_seq - 1);
			upto = st.next_seq - 1;
		}
		if (upto > st.acked &&
		    mon_spool_ack(a->spool, upto, agent_now(), &cause) == -1)
			log_warnx("spool: %s", cause);
		mon_spool_stats(a->spool, &st);
		if (st.pending > 0 || a->again) {
			agent_send_in(a, 0);
			return;
		}
	}
	agent_send_in(a, a->cfg->report.alive_interval);
}

/* "status": the agent's view of its reports. */
static int
agent_ctl_status(struct ctl_conn *c, int argc, char **argv, void *arg)
{
	struct mon_agent	*a = arg;
	struct mon_spool_stats	 st;
	char			 route[HOST_MAXLEN + 32], hp[HOST_MAXLEN + 16];
	uint64_t		 now = agent_now();

	ctl_printf(c, "site %s peer %s center %s", a->cfg->report.site_id,
	    a->cfg->peer.name, hostport_fmt(&a->cfg->report.center, hp,
	    sizeof hp));
	ctl_printf(c, "route %s", agent_route(a, route, sizeof route));
	if (a->last_ok != 0)
		ctl_printf(c, "last-report %" PRIu64 ".%03" PRIu64 "s ago",
		    (now - a->last_ok) / 1000, (now - a->last_ok) % 1000);
	else
		ctl_printf(c, "last-report never");
	ctl_printf(c, "last-error %s", a->last_err[0] != '\0' ? a->last_err :
	    "none");
	if (a->spool != NULL) {
		mon_spool_stats(a->spool, &st);
		ctl_printf(c, "spool pending %" PRIu64 " acked %" PRIu64
		    " next-seq %" PRIu64 " refused %" PRIu64 " evicted %"
		    PRIu64, st.pending, st.acked, st.next_seq, st.refused,
		    st.evicted);
	} else
		ctl_printf(c, "spool closed");
	ctl_printf(c, "reports ok %" PRIu64 " failed %" PRIu64 " refused %"
	    PRIu64 " events %" PRIu64, a->nreports, a->nfailed, a->nrefused,
	    a->nevents);
	ctl_printf(c, "daemons ha %s proxy %s wpad %s lb %s",
	    mon_daemon_name(a->cur->ha), mon_daemon_name(a->cur->proxy),
	    mon_daemon_name(a->cur->wpad), mon_daemon_name(a->cur->lb));
	ctl_printf(c, "role %s partner %s", mon_role_name(a->cur->role),
	    mon_partner_name(a->cur->partner));
	if (a->cfg->report.gateway)
		ctl_printf(c, "gateway on sessions %u",
		    mon_gw_agent_sessions(a->gw));
	else
		ctl_printf(c, "gateway off");
	if (a->dist != NULL)
		mon_dist_agent_status(a->dist, c);
	if (a->renew != NULL)
		mon_renew_status(a->renew, c);
	return (0);
}

/* "dist-install FILE": a bundle by hand, with every check of a poll. */
static int
agent_ctl_dist(struct ctl_conn *c, int argc, char **argv, void *arg)
{
	struct mon_agent	*a = arg;
	char			 msg[MON_TEXT_MAX + 64];

	if (argc != 2) {
		ctl_error(c, "usage: dist-install BUNDLE-FILE");
		return (-1);
	}
	if (a->dist == NULL) {
		ctl_error(c, "distribution is off (no dist-key)");
		return (-1);
	}
	if (mon_dist_agent_local(a->dist, argv[1], msg, sizeof msg) == -1) {
		ctl_error(c, "%s", msg);
		return (-1);
	}
	ctl_printf(c, "%s", msg);
	return (0);
}

struct cfg *
mon_agent_cfg(struct mon_agent *a)
{
	return (a->cfg);
}

struct event_base *
mon_agent_base(struct mon_agent *a)
{
	return (a->base);
}

/* An exchange with the center as the reports make it, on their route. */
void
mon_agent_client_params(struct mon_agent *a, struct mon_client_params *p)
{
	memset(p, 0, sizeof *p);
	p->center = &a->cfg->report.center;
	p->proxy = a->cfg->report.nproxy > 0 ?
	    &a->cfg->report.proxy[a->route] : NULL;
	p->ctx = a->ctx;
	p->dns = a->dns;
	p->timeout_ms = a->cfg->report.timeout;
	p->devid = a->devid;
	p->agent = "twin-report/" PACKAGE_VERSION;
}

/* Spool an event of distribution or renewal, dated now; report it. */
void
mon_agent_event(struct mon_agent *a, enum mon_ev_kind kind, const char *text)
{
	uint64_t	saved = a->poll_time;

	a->poll_time = agent_now();
	agent_event_cb(a, kind, text);
	a->poll_time = saved;
	agent_send_in(a, 0);
}

/* The agent's counters, for its metrics (mon_agent_metrics.c). */
void
mon_agent_stats(struct mon_agent *a, struct mon_agent_stats *st)
{
	memset(st, 0, sizeof *st);
	st->reports = a->nreports;
	st->failed = a->nfailed;
	st->refused = a->nrefused;
	st->events = a->nevents;
	st->failures = a->failures;
	st->since_ok = a->last_ok != 0 ? (int64_t)(agent_now() -
	    a->last_ok) : -1;
	if ((st->spool_open = a->spool != NULL))
		mon_spool_stats(a->spool, &st->spool);
}

/* This peer's role as the last poll of twin-ha saw it. */
enum mon_role
mon_agent_role(struct mon_agent *a)
{
	if (!a->cfg->ha.blk.present)
		return (MON_ROLE_SINGLE);
	return (a->cur->role);
}

/* The client certificate in use (read while the agent was root). */
X509 *
mon_agent_cert(struct mon_agent *a)
{
	return (SSL_CTX_get0_certificate(a->ctx));
}

/*
 * A client context for key <key> and certificate <x> (renewed), the CA
 * file read again: the renewed file itself is root's alone.
 */
SSL_CTX *
mon_agent_ctx_make(struct mon_agent *a, EVP_PKEY *key, X509 *x, char **cause)
{
	struct tls_client_conf	 tc;
	SSL_CTX			*ctx;
	char			*err;

	memset(&tc, 0, sizeof tc);
	tc.cafile = a->cfg->report.ca_file;
	if ((ctx = tls_client_new(&tc, cause)) == NULL)
		return (NULL);
	if (SSL_CTX_use_certificate(ctx, x) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		err = tls_errstr();
		xasprintf(cause, "cannot use the renewed certificate: %s", err);
		free(err);
		SSL_CTX_free(ctx);
		return (NULL);
	}
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT |
	    SSL_SESS_CACHE_NO_INTERNAL_STORE);
	return (ctx);
}

/*
 * Report with <ctx> from now on (and watch the end of its certificate);
 * the context it replaces is the caller's. The device ID stays.
 */
SSL_CTX *
mon_agent_ctx_swap(struct mon_agent *a, SSL_CTX *ctx)
{
	struct tls_cert_info	 ci;
	SSL_CTX			*old = a->ctx;
	X509			*x;

	a->ctx = ctx;
	SSL_SESSION_free(a->session);
	a->session = NULL;
	/* The client certificate is the first watched; the others stay. */
	if ((x = SSL_CTX_get0_certificate(ctx)) != NULL && a->ncerts > 0 &&
	    strcmp(a->certs[0].path, a->cfg->report.certificate) == 0 &&
	    tls_cert_info(x, time(NULL), &ci) == 0) {
		strlcpy(a->certs[0].cn, ci.cn, sizeof a->certs[0].cn);
		mon_sanitize(a->certs[0].cn);
		a->certs[0].not_after = (int64_t)ci.not_after;
	}
	agent_send_in(a, 0);
	return (old);
}

/* The privileged helper's channel, or -1 (the agent was not root). */
int
mon_agent_privfd(struct mon_agent *a)
{
	return (a->privfd);
}
