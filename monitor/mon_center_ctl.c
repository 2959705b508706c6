/*
 * mon_center_ctl.c: the center's control socket, <run-dir>/center.sock,
 * for twinctl center (tools/twinctl_center.c):
 *	sites			one line per site, as a pair
 *	site ID			one site: devices, latest status, alarms,
 *				latest events
 *	events [SINCE [N]]	events from SINCE (ms since 1970) on, at most
 *				N (100000); without SINCE the latest 100
 *	events last N		the latest N events
 *	alarms [all]		open alarms, or every alarm of the last week
 *	register SITE NAME HASH [NAME HASH ...]
 *				record devices (the site too if new): HASH is
 *				the SHA-256 of the device ID, never the ID
 *	revoke SITE NAME	refuse a device from now on
 *	stats			the center's counters
 * Lines are "word value" pairs that scripts can take apart, with texts
 * last.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "ctl.h"
#include "daemon.h"
#include "log.h"
#include "mon_center.h"
#include "mon_dist.h"
#include "mon_renew.h"
#include "xmalloc.h"

#define CTL_EVENTS_DEF	100
#define CTL_EVENTS_MAX	100000
#define WEEK_MS		(7ULL * 86400 * 1000)

struct ctlev {
	struct ctl_conn		*cc;
	struct mon_store_event	*ev;	/* the latest, to print in order */
	size_t			 n;
	size_t			 max;
	const char		*site;	/* alarms: only this site's */
	uint64_t		 now;
};

static int	cc_sites(struct ctl_conn *, int, char **, void *);
static int	cc_site(struct ctl_conn *, int, char **, void *);
static int	cc_events(struct ctl_conn *, int, char **, void *);
static int	cc_alarms(struct ctl_conn *, int, char **, void *);
static int	cc_register(struct ctl_conn *, int, char **, void *);
static int	cc_revoke(struct ctl_conn *, int, char **, void *);
static int	cc_stats(struct ctl_conn *, int, char **, void *);
static void	site_line(struct ctl_conn *, const struct mon_vsite *,
		    uint64_t);
static void	event_line(struct ctl_conn *, const struct mon_store_event *);
static int	event_print_cb(void *, const struct mon_store_event *);
static int	event_keep_cb(void *, const struct mon_store_event *);
static int	alarm_print_cb(void *, const struct mon_store_alarm *);
static int	status_print_cb(void *, const char *, uint64_t, const char *,
		    size_t);
static int	number(const char *, uint64_t *);

static const struct ctl_cmd center_ctl_cmds[] = {
	{ "sites", "", cc_sites },
	{ "site", "ID", cc_site },
	{ "events", "[SINCE-MS [LIMIT]] | last N", cc_events },
	{ "alarms", "[all]", cc_alarms },
	{ "register", "SITE NAME SHA256 [NAME SHA256 ...]", cc_register },
	{ "revoke", "SITE NAME", cc_revoke },
	{ "stats", "", cc_stats },
	{ "dist-publish", "BUNDLE-FILE", mon_dist_center_ctl },
	{ "dist-list", "", mon_dist_center_ctl },
	{ "cert-revoke", "SERIAL", mon_renew_center_ctl },
	{ NULL, NULL, NULL }
};

/* Open <run-dir>/center.sock. */
int
mon_center_ctl_open(struct mon_center *c, const char **cause)
{
	static char	 msg[512];
	char		*path, *why;

	if (daemon_mkdir_run(c->cfg->peer.run_dir, c->cfg->peer.user,
	    &why) == -1) {
		strlcpy(msg, why, sizeof msg);
		free(why);
		*cause = msg;
		return (-1);
	}
	path = ctl_sockpath(c->cfg->peer.run_dir, "center");
	c->ctl = ctl_server_new(c->base, path, center_ctl_cmds, c, cause);
	free(path);
	return (c->ctl == NULL ? -1 : 0);
}

static int
number(const char *s, uint64_t *v)
{
	uint64_t	x = 0;

	if (*s == '\0')
		return (-1);
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || x > (UINT64_MAX - 9) / 10)
			return (-1);
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*v = x;
	return (0);
}

/*
 * "SITE state STATE active PEER[,PEER] alarms N devices
 * NAME:ROLE:AGE ..." (AGE of the last report, or "never").
 */
static void
site_line(struct ctl_conn *cc, const struct mon_vsite *v, uint64_t now)
{
	char	devs[CTL_MAXLINE / 2], one[160], age[32];
	size_t	i;

	devs[0] = '\0';
	for (i = 0; i < v->ndev; i++) {
		mon_views_age(now, v->dev[i].d.last_report, age, sizeof age);
		snprintf(one, sizeof one, "%s%s:%s:%s%s", i > 0 ? " " : "",
		    v->dev[i].d.name, v->dev[i].d.revoked ? "revoked" :
		    v->dev[i].d.role[0] != '\0' ? v->dev[i].d.role : "-", age,
		    v->dev[i].state == MON_SITE_SILENT ? ":silent" : "");
		strlcat(devs, one, sizeof devs);
	}
	ctl_printf(cc, "%s state %s active %s alarms %u devices %s",
	    v->s.name, mon_site_state_name(v->state),
	    v->active[0] != '\0' ? v->active : "none", v->alarms,
	    devs[0] != '\0' ? devs : "none");
}

static int
cc_sites(struct ctl_conn *cc, int argc, char **argv, void *arg)
{
	struct mon_center	*c = arg;
	struct mon_vsites	 vs;
	char			*cause;
	size_t			 i;

	if (argc != 1) {
		ctl_error(cc, "usage: sites");
		return (-1);
	}
	if (mon_views_sites(c, NULL, &vs, &cause) == -1) {
		ctl_error(cc, "store: %s", cause);
		return (-1);
	}
	for (i = 0; i < vs.n; i++)
		site_line(cc, &vs.v[i], c->now());
	mon_views_sites_free(&vs);
	return (0);
}

/* "status DEVICE key: value" for each line of its latest report. */
static int
status_print_cb(void *arg, const char *name, uint64_t received,
    const char *body, size_t len)
{
	struct ctlev	*x = arg;
	const char	*p, *end = body + len, *nl;
	char		 tb[MON_TIME_LEN + 1];

	ctl_printf(x->cc, "status %s received %s", name,
	    mon_time_fmt(received, tb, sizeof tb));
	for (p = body; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			nl = end;
		if (nl - p > 0 && memchr(p, ':', nl - p) != NULL)
			ctl_printf(x->cc, "status %s %.*s", name,
			    (int)(nl - p), p);
	}
	return (0);
}

static int
cc_site(struct ctl_conn *cc, int argc, char **argv, void *arg)
{
	struct mon_center	*c = arg;
	struct mon_vsites	 vs;
	struct mon_vdev		*d;
	struct ctlev		 x;
	char			*cause, age[32];
	uint64_t		 now = c->now();
	size_t			 i;

	if (argc != 2 || !mon_site_valid(argv[1])) {
		ctl_error(cc, "usage: site ID");
		return (-1);
	}
	if (mon_views_sites(c, argv[1], &vs, &cause) == -1) {
		ctl_error(cc, "store: %s", cause);
		return (-1);
	}
	if (vs.n == 0) {
		mon_views_sites_free(&vs);
		ctl_error(cc, "no site '%s'", argv[1]);
		return (-1);
	}
	site_line(cc, &vs.v[0], now);
	for (i = 0; i < vs.v[0].ndev; i++) {
		d = &vs.v[0].dev[i];
		mon_views_age(now, d->d.last_report, age, sizeof age);
		ctl_printf(cc, "device %s state %s role %s partner %s "
		    "last-report %s%s software %s last-seq %" PRIu64
		    " revoked %s", d->d.name, mon_site_state_name(d->state),
		    d->d.role[0] != '\0' ? d->d.role : "-",
		    d->d.partner[0] != '\0' ? d->d.partner : "-", age,
		    d->d.last_report != 0 ? " ago" : "",
		    d->d.software[0] != '\0' ? d->d.software : "-",
		    d->d.last_seq, d->d.revoked ? "yes" : "no");
	}
	memset(&x, 0, sizeof x);
	x.cc = cc;
	x.site = argv[1];
	x.now = now;
	if (mon_store_status_list(c->store, argv[1], status_print_cb, &x,
	    &cause) == -1 ||
	    mon_store_alarm_list(c->store, 1, 0, alarm_print_cb, &x,
	    &cause) == -1 ||
	    mon_store_event_last(c->store, argv[1], 20, event_keep_cb, &x,
	    &cause) == -1) {
		free(x.ev);
		mon_views_sites_free(&vs);
		ctl_error(cc, "store: %s", cause);
		return (-1);
	}
	while (x.n > 0)
		event_line(cc, &x.ev[--x.n]);
	free(x.ev);
	mon_views_sites_free(&vs);
	return (0);
}

/* "event TIME SITE DEVICE SEQ LEVEL KIND TEXT" */
static void
event_line(struct ctl_conn *cc, const struct mon_store_event *e)
{
	char	tb[MON_TIME_LEN + 1];

	ctl_printf(cc, "event %s %s %s %" PRIu64 " %s %s %s",
	    mon_time_fmt(e->time, tb, sizeof tb), e->site, e->device, e->seq,
	    mon_level_name(e->level), e->kind, e->text);
}

static int
event_print_cb(void *arg, const struct mon_store_event *e)
{
	struct ctlev	*x = arg;

	event_line(x->cc, e);
	return (0);
}

/* Keep the latest events (they come newest first) to print in order. */
static int
event_keep_cb(void *arg, const struct mon_store_event *e)
{
	struct ctlev	*x = arg;

	if (x->n == x->max) {
		x->max = x->max == 0 ? 32 : x->max * 2;
		x->ev = xreallocarray(x->ev, x->max, sizeof *x->ev);
	}
	x->ev[x->n++] = *e;
	return (0);
}

static int
cc_events(struct ctl_conn *cc, int argc, char **argv, void *arg)
{
	struct mon_center	*c = arg;
	struct ctlev		 x;
	uint64_t		 since = 0, limit = CTL_EVENTS_DEF;
	char			*cause;
	int			 rv, last;

	if (argc == 3 && strcmp(argv[1], "last") == 0) {
		if (number(argv[2], &limit) == -1) {
			ctl_error(cc, "usage: events last N");
			return (-1);
		}
		last = 1;
	} else if (argc > 3 || (argc >= 2 && number(argv[1], &since) == -1) ||
	    (argc == 3 && number(argv[2], &limit) == -1)) {
		ctl_error(cc, "usage: events [SINCE-MS [LIMIT]] | events last "
		    "N");
		return (-1);
	} else {
		last = argc == 1;
		if (argc >= 2 && argc < 3)
			limit = CTL_EVENTS_MAX;
	}
	if (limit == 0 || limit > CTL_EVENTS_MAX)
		limit = CTL_EVENTS_MAX;
	memset(&x, 0, sizeof x);
	x.cc = cc;
	if (!last)
		rv = mon_store_event_list(c->store, since, limit,
		    event_print_cb, &x, &cause);
	else {
		rv = mon_store_event_last(c->store, NULL, limit,
		    event_keep_cb, &x, &cause);
		while (rv == 0 && x.n > 0)
			event_line(cc, &x.ev[--x.n]);
		free(x.ev);
	}
	if (rv == -1) {
		ctl_error(cc, "store: %s", cause);
		return (-1);
	}
	return (0);
}

/* "alarm SITE DEVICE|- KIND opened TIME closed TIME|- TEXT" */
static int
alarm_print_cb(void *arg, const struct mon_store_alarm *a)
{
	struct ctlev	*x = arg;
	char		 t1[MON_TIME_LEN + 1], t2[MON_TIME_LEN + 1];

	if (x->site != NULL && strcmp(x->site, a->site) != 0)
		return (0);
	ctl_printf(x->cc, "alarm %s %s %s opened %s closed %s %s", a->site,
	    a->device[0] != '\0' ? a->device : "-", a->kind,
	    mon_time_fmt(a->opened, t1, sizeof t1),
	    a->closed != 0 ? mon_time_fmt(a->closed, t2, sizeof t2) : "-",
	    a->text);
	return (0);
}

static int
cc_alarms(struct ctl_conn *cc, int argc, char **argv, void *arg)
{
	struct mon_center	*c = arg;
	struct ctlev		 x;
	uint64_t		 now = c->now();
	char			*cause;
	int			 all;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "all") != 0)) {
		ctl_error(cc, "usage: alarms [all]");
		return (-1);
	}
	all = argc == 2;
	memset(&x, 0, sizeof x);
	x.cc = cc;
	if (mon_store_alarm_list(c->store, !all, now > WEEK_MS ? now -
	    WEEK_MS : 0, alarm_print_cb, &x, &cause) == -1) {
		ctl_error(cc, "store: %s", cause);
		return (-1);
	}
	return (0);
}

static int
cc_register(struct ctl_conn *cc, int argc, char **argv, void *arg)
{
	struct mon_center	*c = arg;
	char			*cause;
	int			 i;

	if (argc < 4 || argc % 2 != 0 || !mon_site_valid(argv[1])) {
		ctl_error(cc, "usage: register SITE NAME SHA256 [NAME SHA256 "
		    "...]");
		return (-1);
	}
	for (i = 2; i < argc; i += 2) {
		if (mon_center_register(c, argv[1], argv[i], argv[i + 1],
		    &cause) == -1) {
			ctl_error(cc, "device %s: %s", argv[i], cause);
			return (-1);
		}
		ctl_printf(cc, "registered site %s device %s", argv[1],
		    argv[i]);
	}
	return (0);
}

static int
cc_revoke(struct ctl_conn *cc, int argc, char **argv, void *arg)
{
	struct mon_center	*c = arg;
	char			*cause;

	if (argc != 3) {
		ctl_error(cc, "usage: revoke SITE NAME");
		return (-1);
	}
	if (mon_center_revoke(c, argv[1], argv[2], &cause) == -1) {
		ctl_error(cc, "%s", cause);
		return (-1);
	}
	ctl_printf(cc, "revoked site %s device %s", argv[1], argv[2]);
	return (0);
}

static int
cc_stats(struct ctl_conn *cc, int argc, char **argv, void *arg)
{
	struct mon_center		*c = arg;
	struct mon_center_stats		*s = &c->stats;
	struct mon_httpd_stats		 hs;
	struct mon_notify_stats		 ns;
	int				 i;

	ctl_printf(cc, "sites %zu", mon_alarm_nsites(c->alarm));
	ctl_printf(cc, "reports %" PRIu64, s->reports);
	ctl_printf(cc, "events %" PRIu64, s->events);
	ctl_printf(cc, "duplicates %" PRIu64, s->duplicates);
	ctl_printf(cc, "bad-reports %" PRIu64, s->bad_reports);
	ctl_printf(cc, "store-errors %" PRIu64, s->store_errors);
	for (i = 1; i <= MON_AUTH_WRONG_ID; i++)
		ctl_printf(cc, "refused %s %" PRIu64, mon_auth_result_name(i),
		    s->refused[i]);
	ctl_printf(cc, "refused report-mismatch %" PRIu64,
	    s->refused[MON_AUTH_WRONG_ID + 1]);
	ctl_printf(cc, "alarms-raised %" PRIu64, s->alarms_raised);
	ctl_printf(cc, "alarms-cleared %" PRIu64, s->alarms_cleared);
	ctl_printf(cc, "alarm-lateness n %" PRIu64 " avg-ms %" PRIu64
	    " max-ms %" PRIu64, s->late_n, s->late_n > 0 ? s->late_sum /
	    s->late_n : 0, s->late_max);
	if (c->agents != NULL) {
		mon_httpd_stats(c->agents, &hs);
		ctl_printf(cc, "agents open %" PRIu64 " accepted %" PRIu64
		    " requests %" PRIu64 " bad %" PRIu64 " tls-failures %"
		    PRIu64 " timeouts %" PRIu64, hs.open, hs.accepted,
		    hs.requests, hs.bad_requests, hs.tls_failures,
		    hs.timeouts);
	}
	if (c->operators != NULL) {
		mon_httpd_stats(c->operators, &hs);
		ctl_printf(cc, "operators open %" PRIu64 " accepted %" PRIu64
		    " requests %" PRIu64 " bad %" PRIu64 " tls-failures %"
		    PRIu64, hs.open, hs.accepted, hs.requests,
		    hs.bad_requests, hs.tls_failures);
	}
	mon_notify_stats(c->notify, &ns);
	ctl_printf(cc, "notify started %" PRIu64 " failed %" PRIu64
	    " dropped %" PRIu64 " running %" PRIu64 " queued %" PRIu64,
	    ns.started, ns.failed, ns.dropped, ns.running, ns.queued);
	return (0);
}
