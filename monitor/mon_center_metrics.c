/*
 * mon_center_metrics.c: twin-monitord's Prometheus families
 * (lib/metrics.h): sites known and by state, reports and events taken,
 * reports refused by reason, alarms raised and cleared, connections,
 * notifications.
 */
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "log.h"
#include "metrics.h"
#include "mon_alarm.h"
#include "mon_auth.h"
#include "mon_center.h"

static void	mon_center_metrics_cb(struct metrics *, void *);

/* Open the endpoint as the config says; at start a failure is fatal. */
void
mon_center_metrics_start(struct mon_center *c)
{
	const char	*cause;

	c->metrics = metrics_server_new(c->base, "twin-monitord",
	    mon_center_metrics_cb, c);
	if (mon_center_metrics_sync(c, c->cfg, &cause) == -1)
		fatalx("metrics: %s", cause);
}

/* Listen as <cfg> says, all or nothing. */
int
mon_center_metrics_sync(struct mon_center *c, const struct cfg *cfg,
    const char **cause)
{
	struct metrics_conf	mc;

	cfg_metrics_conf(cfg, CFG_METRICS_CENTER, &mc);
	return (metrics_server_sync(c->metrics, &mc, cause));
}

/* Close the endpoint. */
void
mon_center_metrics_stop(struct mon_center *c)
{
	metrics_server_free(c->metrics);
	c->metrics = NULL;
}

/* Write the families at a scrape. */
static void
mon_center_metrics_cb(struct metrics *m, void *arg)
{
	struct mon_center	*c = arg;
	struct mon_center_stats	*s = &c->stats;
	struct mon_httpd_stats	 hs;
	struct mon_notify_stats	 ns;
	int			 i;

	metrics_one(m, "twinproxy_center_sites", METRICS_GAUGE,
	    "Sites registered.", mon_alarm_nsites(c->alarm));
	if (metrics_family(m, "twinproxy_center_sites_by_state",
	    METRICS_GAUGE, "Sites by state (silent: an alarm is open).") ==
	    0) {
		metrics_sample(m, mon_alarm_nsites_state(c->alarm,
		    MON_SITE_UNKNOWN), "state", "unknown", NULL);
		metrics_sample(m, mon_alarm_nsites_state(c->alarm,
		    MON_SITE_OK), "state", "ok", NULL);
		metrics_sample(m, mon_alarm_nsites_state(c->alarm,
		    MON_SITE_SILENT), "state", "silent", NULL);
	}
	metrics_one(m, "twinproxy_center_reports_total", METRICS_COUNTER,
	    "Reports accepted.", s->reports);
	metrics_one(m, "twinproxy_center_events_total", METRICS_COUNTER,
	    "New events stored.", s->events);
	metrics_one(m, "twinproxy_center_duplicate_events_total",
	    METRICS_COUNTER, "Events received again (already stored).",
	    s->duplicates);
	metrics_one(m, "twinproxy_center_bad_reports_total", METRICS_COUNTER,
	    "Reports that did not parse.", s->bad_reports);
	metrics_one(m, "twinproxy_center_store_errors_total", METRICS_COUNTER,
	    "Database errors.", s->store_errors);
	if (metrics_family(m, "twinproxy_center_refused_total",
	    METRICS_COUNTER, "Agents refused, by reason.") == 0) {
		for (i = 1; i <= MON_AUTH_WRONG_ID; i++)
			metrics_sample(m, s->refused[i], "reason",
			    mon_auth_result_name(i), NULL);
		metrics_sample(m, s->refused[MON_AUTH_WRONG_ID + 1], "reason",
		    "report-mismatch", NULL);
	}
	metrics_one(m, "twinproxy_center_alarms_raised_total",
	    METRICS_COUNTER, "Alarms raised (a site fell silent).",
	    s->alarms_raised);
	metrics_one(m, "twinproxy_center_alarms_cleared_total",
	    METRICS_COUNTER, "Alarms cleared (a silent site reported).",
	    s->alarms_cleared);
	if (metrics_family(m, "twinproxy_center_alarm_lateness_max_seconds",
	    METRICS_GAUGE, "Longest delay of an alarm past its deadline.") ==
	    0)
		metrics_sample_ms(m, s->late_max, NULL);
	if (c->agents != NULL) {
		mon_httpd_stats(c->agents, &hs);
		metrics_one(m, "twinproxy_center_agent_connections_open",
		    METRICS_GAUGE, "Agent connections open.", hs.open);
		metrics_one(m, "twinproxy_center_agent_connections_total",
		    METRICS_COUNTER, "Agent connections accepted.",
		    hs.accepted);
		if (metrics_family(m, "twinproxy_center_agent_errors_total",
		    METRICS_COUNTER, "Agent connections failed, by kind.") ==
		    0) {
			metrics_sample(m, hs.bad_requests, "kind",
			    "bad_request", NULL);
			metrics_sample(m, hs.tls_failures, "kind", "tls",
			    NULL);
			metrics_sample(m, hs.timeouts, "kind", "timeout",
			    NULL);
		}
	}
	mon_notify_stats(c->notify, &ns);
	if (metrics_family(m, "twinproxy_center_notify_total",
	    METRICS_COUNTER, "Notifications, by outcome.") == 0) {
		metrics_sample(m, ns.started, "outcome", "started", NULL);
		metrics_sample(m, ns.failed, "outcome", "failed", NULL);
		metrics_sample(m, ns.dropped, "outcome", "dropped", NULL);
	}
	metrics_server_families(m, c->metrics, "center");
}
