/*
 * mon_diff.c: from two snapshots of a peer to the events the center
 * hears about. Pure: no clock, no I/O; each event goes to the callback
 * with its kind and its text (mon_event_set makes the text safe).
 *
 * The rules, for a change from <o> (the previous poll, or the snapshot
 * saved before a restart) to <n>:
 * - a daemon that stops answering: service-down (twin-ha, twin-wpad,
 *   twin-lb) or proxy-down (twin-proxy); answering again: -up;
 * - twin-ha's role, when both polls had an answer: becoming active from
 *   standby or fault is a failback on the default primary while the
 *   partner is heard (the service comes home), a takeover otherwise;
 *   becoming active at start while no partner is heard is a takeover
 *   too; entering fault
 *   is service-down (unless a tracked service going down says it
 *   already), leaving it service-up; a takeover count that grew without
 *   a role change (active, then not, then active between two polls) is
 *   one takeover more;
 * - the partner heard, then not: partner-error; and back:
 *   partner-restored;
 * - both peers configured with the same default role, or the partner's
 *   heartbeats carrying another configuration's fingerprint:
 *   config-mismatch, once, when it appears;
 * - a tracked service, a proxy twin-wpad probes, an lb server: up to
 *   down and down to up (a new one that is down counts as going down);
 *   quiesced and disabled servers are decisions, not failures;
 * - the disk cache's rejected-object count growing: cache-error;
 * - a certificate moving to nearing expiry or expired: cert-expiry.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mon_agent.h"

static void	emit(mon_diff_cb, void *, enum mon_ev_kind, const char *, ...)
		    __attribute__((format(printf, 4, 5)));
static void	daemon_diff(enum mon_daemon, enum mon_daemon, const char *,
		    const char *, int, mon_diff_cb, void *);
static void	ha_diff(const struct mon_snap *, const struct mon_snap *,
		    int, mon_diff_cb, void *);
static int	track_diff(const struct mon_snap *, const struct mon_snap *,
		    mon_diff_cb, void *);
static void	wpad_diff(const struct mon_snap *, const struct mon_snap *,
		    mon_diff_cb, void *);
static void	lb_diff(const struct mon_snap *, const struct mon_snap *,
		    mon_diff_cb, void *);
static void	cert_diff(const struct mon_snap *, const struct mon_snap *,
		    mon_diff_cb, void *);
static const char *self_name(const struct mon_snap *);
static const char *partner_name(const struct mon_snap *);

static void
emit(mon_diff_cb cb, void *arg, enum mon_ev_kind kind, const char *fmt, ...)
{
	va_list	ap;
	char	text[MON_TEXT_MAX + 1];

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	cb(arg, kind, text);
}

static const char *
self_name(const struct mon_snap *s)
{
	return (s->self_name[0] != '\0' ? s->self_name : "this peer");
}

static const char *
partner_name(const struct mon_snap *s)
{
	return (s->partner_name[0] != '\0' ? s->partner_name : "the partner");
}

/*
 * A daemon that stopped or started answering. <proxy> picks the proxy
 * kinds. A daemon coming into the configuration (off to up) is news to
 * nobody; off to down is a daemon that never started.
 */
static void
daemon_diff(enum mon_daemon o, enum mon_daemon n, const char *name,
    const char *err, int proxy, mon_diff_cb cb, void *arg)
{
	if (o == n)
		return;
	if (n == MON_D_DOWN)
		emit(cb, arg, proxy ? MON_EV_PROXY_DOWN : MON_EV_SERVICE_DOWN,
		    "%s of this peer not answering%s%s", name,
		    err[0] != '\0' ? ": " : "", err);
	else if (n == MON_D_UP && o == MON_D_DOWN)
		emit(cb, arg, proxy ? MON_EV_PROXY_UP : MON_EV_SERVICE_UP,
		    "%s of this peer answering again", name);
	else if (n == MON_D_OFF && o == MON_D_UP)
		emit(cb, arg, proxy ? MON_EV_PROXY_DOWN : MON_EV_SERVICE_DOWN,
		    "%s of this peer stopped (its control socket is gone)",
		    name);
}

/* Tracked services; returns 1 if one went down. */
static int
track_diff(const struct mon_snap *o, const struct mon_snap *n,
    mon_diff_cb cb, void *arg)
{
	enum mon_updown	 was;
	size_t		 i, j;
	int		 down = 0;

	for (i = 0; i < n->ntrack; i++) {
		was = MON_S_UNKNOWN;
		for (j = 0; j < o->ntrack; j++)
			if (strcmp(o->track[j].name, n->track[i].name) == 0) {
				was = o->track[j].state;
				break;
			}
		if (n->track[i].state == MON_S_DOWN && was != MON_S_DOWN) {
			emit(cb, arg, MON_EV_SERVICE_DOWN, "tracked service "
			    "%s down", n->track[i].name);
			down = 1;
		} else if (n->track[i].state == MON_S_UP &&
		    was == MON_S_DOWN)
			emit(cb, arg, MON_EV_SERVICE_UP, "tracked service %s "
			    "up again", n->track[i].name);
	}
	return (down);
}

/* Roles, partner, defaults. */
static void
ha_diff(const struct mon_snap *o, const struct mon_snap *n, int trackdown,
    mon_diff_cb cb, void *arg)
{
	int	went = 0;

	if (o->role != n->role) {
		if (n->role == MON_ROLE_ACTIVE &&
		    (o->role == MON_ROLE_STANDBY ||
		    o->role == MON_ROLE_FAULT) &&
		    n->self_default == MON_DEF_PRIMARY &&
		    n->partner == MON_PARTNER_UP) {
			emit(cb, arg, MON_EV_FAILBACK, "%s, the default "
			    "active, is active again%s%s", self_name(n),
			    n->reason[0] != '\0' ? ": " : "", n->reason);
			went = 1;
		} else if (n->role == MON_ROLE_ACTIVE &&
		    (o->role == MON_ROLE_STANDBY ||
		    o->role == MON_ROLE_FAULT ||
		    (o->role == MON_ROLE_STARTING &&
		    n->partner != MON_PARTNER_UP))) {
			emit(cb, arg, MON_EV_TAKEOVER, "%s took over from "
			    "%s%s%s", self_name(n), partner_name(n),
			    n->reason[0] != '\0' ? ": " : "", n->reason);
			went = 1;
		}
		if (n->role == MON_ROLE_FAULT && !trackdown)
			emit(cb, arg, MON_EV_SERVICE_DOWN, "%s in fault%s%s",
			    self_name(n), n->reason[0] != '\0' ? ": " : "",
			    n->reason);
		else if (o->role == MON_ROLE_FAULT &&
		    (n->role == MON_ROLE_ACTIVE ||
		    n->role == MON_ROLE_STANDBY))
			emit(cb, arg, MON_EV_SERVICE_UP, "%s out of fault, "
			    "now %s", self_name(n), mon_role_name(n->role));
	}
	if (!went && n->role == MON_ROLE_ACTIVE &&
	    n->takeovers > o->takeovers && o->role == MON_ROLE_ACTIVE)
		emit(cb, arg, MON_EV_TAKEOVER, "%s took over again between "
		    "two polls (takeovers %" PRIu64 " to %" PRIu64 ")",
		    self_name(n), o->takeovers, n->takeovers);
	if (o->partner == MON_PARTNER_UP && n->partner == MON_PARTNER_DOWN)
		emit(cb, arg, MON_EV_PARTNER_ERROR, "communication error: no "
		    "heartbeat from %s", partner_name(n));
	else if (o->partner == MON_PARTNER_DOWN && n->partner == MON_PARTNER_UP)
		emit(cb, arg, MON_EV_PARTNER_RESTORED, "heartbeats from %s "
		    "again", partner_name(n));
	if (n->self_default != MON_DEF_UNKNOWN &&
	    n->self_default == n->partner_default &&
	    !(o->self_default == n->self_default &&
	    o->partner_default == n->partner_default))
		emit(cb, arg, MON_EV_CONFIG_MISMATCH, "both peers are "
		    "configured with the default role %s",
		    n->self_default == MON_DEF_PRIMARY ? "primary" : "backup");
	if (n->cfg_differs && !o->cfg_differs)
		emit(cb, arg, MON_EV_CONFIG_MISMATCH, "%s's heartbeats carry "
		    "another configuration fingerprint than this peer's "
		    "(check both config files)", partner_name(n));
}

/* The proxies as twin-wpad's probes see them. */
static void
wpad_diff(const struct mon_snap *o, const struct mon_snap *n,
    mon_diff_cb cb, void *arg)
{
	enum mon_updown	 was;
	size_t		 i, j;

	for (i = 0; i < n->nwproxy; i++) {
		was = MON_S_UNKNOWN;
		for (j = 0; j < o->nwproxy; j++)
			if (strcmp(o->wproxy[j].name, n->wproxy[i].name) == 0) {
				was = o->wproxy[j].state;
				break;
			}
		if (n->wproxy[i].state == MON_S_DOWN && was != MON_S_DOWN)
			emit(cb, arg, MON_EV_PROXY_DOWN, "proxy %s (%s) down "
			    "as twin-wpad sees it%s%s", n->wproxy[i].name,
			    n->wproxy[i].self ? "this peer" : "partner",
			    n->wproxy[i].why[0] != '\0' ? ": " : "",
			    n->wproxy[i].why);
		else if (n->wproxy[i].state == MON_S_UP && was == MON_S_DOWN)
			emit(cb, arg, MON_EV_PROXY_UP, "proxy %s (%s) up "
			    "again as twin-wpad sees it", n->wproxy[i].name,
			    n->wproxy[i].self ? "this peer" : "partner");
	}
}

/* Cluster servers going down and coming back. */
static void
lb_diff(const struct mon_snap *o, const struct mon_snap *n, mon_diff_cb cb,
    void *arg)
{
	const struct mon_lbsrv	*ns, *os;
	size_t			 i, j;

	for (i = 0; i < n->nlbs; i++) {
		ns = &n->lbs[i];
		os = NULL;
		for (j = 0; j < o->nlbs; j++)
			if (strcmp(o->lbs[j].cluster, ns->cluster) == 0 &&
			    strcmp(o->lbs[j].server, ns->server) == 0) {
				os = &o->lbs[j];
				break;
			}
		if (ns->state == MON_LB_DOWN &&
		    (os == NULL || os->state != MON_LB_DOWN))
			emit(cb, arg, MON_EV_LB_SERVER_DOWN, "cluster %s "
			    "server %s down", ns->cluster, ns->server);
		else if (ns->state == MON_LB_UP && os != NULL &&
		    os->state == MON_LB_DOWN)
			emit(cb, arg, MON_EV_LB_SERVER_UP, "cluster %s server "
			    "%s up again", ns->cluster, ns->server);
	}
}

/* Certificates moving towards their end. */
static void
cert_diff(const struct mon_snap *o, const struct mon_snap *n,
    mon_diff_cb cb, void *arg)
{
	const struct mon_snap_cert	*c;
	enum mon_certlevel		 was;
	struct tm			 tm;
	time_t				 t;
	char				 when[32];
	size_t				 i, j;

	for (i = 0; i < n->ncert; i++) {
		c = &n->cert[i];
		was = MON_CL_FINE;
		for (j = 0; j < o->ncert; j++)
			if (strcmp(o->cert[j].path, c->path) == 0 &&
			    o->cert[j].not_after == c->not_after) {
				was = o->cert[j].level;
				break;
			}
		if (c->level <= was)
			continue;
		t = (time_t)c->not_after;
		if (gmtime_r(&t, &tm) == NULL ||
		    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
			strlcpy(when, "?", sizeof when);
		emit(cb, arg, MON_EV_CERT_EXPIRY, "certificate %s%s%s%s %s %s",
		    c->path, c->cn[0] != '\0' ? " (CN=" : "", c->cn,
		    c->cn[0] != '\0' ? ")" : "",
		    c->level == MON_CL_PAST ? "expired" : "expires", when);
	}
}

/* Call <cb> for every event the change from <o> to <n> makes. */
void
mon_snap_diff(const struct mon_snap *o, const struct mon_snap *n,
    mon_diff_cb cb, void *arg)
{
	int	trackdown = 0;

	daemon_diff(o->ha, n->ha, "twin-ha", n->ha_err, 0, cb, arg);
	/*
	 * A poll that found twin-ha silent keeps the last state it had, so
	 * once it answers again what changed in between is reported.
	 */
	if (n->ha == MON_D_UP && o->ha != MON_D_OFF) {
		trackdown = track_diff(o, n, cb, arg);
		ha_diff(o, n, trackdown, cb, arg);
	}
	daemon_diff(o->proxy, n->proxy, "twin-proxy", n->proxy_err, 1, cb,
	    arg);
	if (o->proxy == MON_D_UP && n->proxy == MON_D_UP && n->cache &&
	    o->cache && n->disk_rejected > o->disk_rejected)
		emit(cb, arg, MON_EV_CACHE_ERROR, "disk cache dropped %" PRIu64
		    " corrupt or truncated object%s (%" PRIu64 " in all)",
		    n->disk_rejected - o->disk_rejected,
		    n->disk_rejected - o->disk_rejected == 1 ? "" : "s",
		    n->disk_rejected);
	daemon_diff(o->wpad, n->wpad, "twin-wpad", n->wpad_err, 0, cb, arg);
	if (n->wpad == MON_D_UP)
		wpad_diff(o, n, cb, arg);
	daemon_diff(o->lb, n->lb, "twin-lb", n->lb_err, 0, cb, arg);
	if (n->lb == MON_D_UP)
		lb_diff(o, n, cb, arg);
	cert_diff(o, n, cb, arg);
}
