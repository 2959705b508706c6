/*
 * mon_agent_metrics.c: twin-report's Prometheus families
 * (lib/metrics.h): reports sent, failed and refused, events, the spool.
 */
#include <stdlib.h>

#include "cfg.h"
#include "log.h"
#include "metrics.h"
#include "mon_agent.h"
#include "xmalloc.h"

struct mon_agent_metrics {
	struct mon_agent	*a;
	struct metrics_server	*ms;
};

static void	mon_agent_metrics_cb(struct metrics *, void *);

/* Create the endpoint of agent <a> (listening once synced). */
struct mon_agent_metrics *
mon_agent_metrics_new(struct mon_agent *a, struct event_base *base)
{
	struct mon_agent_metrics	*am;

	am = xcalloc(1, sizeof *am);
	am->a = a;
	am->ms = metrics_server_new(base, "twin-report", mon_agent_metrics_cb,
	    am);
	return (am);
}

/* Listen as <cfg> says, all or nothing. */
int
mon_agent_metrics_sync(struct mon_agent_metrics *am, const struct cfg *cfg,
    const char **cause)
{
	struct metrics_conf	mc;

	cfg_metrics_conf(cfg, CFG_METRICS_REPORT, &mc);
	return (metrics_server_sync(am->ms, &mc, cause));
}

/* Close the endpoint. */
void
mon_agent_metrics_free(struct mon_agent_metrics *am)
{
	if (am == NULL)
		return;
	metrics_server_free(am->ms);
	free(am);
}

/* Write the families at a scrape. */
static void
mon_agent_metrics_cb(struct metrics *m, void *arg)
{
	struct mon_agent_metrics	*am = arg;
	struct mon_agent_stats		 st;

	mon_agent_stats(am->a, &st);
	if (metrics_family(m, "twinproxy_report_reports_total",
	    METRICS_COUNTER, "Reports to the center, by outcome (failed: "
	    "no answer; refused: the center said no).") == 0) {
		metrics_sample(m, st.reports, "outcome", "sent", NULL);
		metrics_sample(m, st.failed, "outcome", "failed", NULL);
		metrics_sample(m, st.refused, "outcome", "refused", NULL);
	}
	metrics_one(m, "twinproxy_report_events_total", METRICS_COUNTER,
	    "Events derived from the daemons' state.", st.events);
	metrics_one(m, "twinproxy_report_consecutive_failures", METRICS_GAUGE,
	    "Report rounds failed in a row.", st.failures);
	if (metrics_family(m, "twinproxy_report_last_success_age_seconds",
	    METRICS_GAUGE, "Seconds since the center last took a report "
	    "(-1: never).") == 0)
		metrics_sample_int(m, st.since_ok < 0 ? -1 : st.since_ok /
		    1000, NULL);
	metrics_one(m, "twinproxy_report_spool_open", METRICS_GAUGE,
	    "Whether the spool is open (0: events are lost).",
	    st.spool_open);
	if (st.spool_open) {
		metrics_one(m, "twinproxy_report_spool_pending_events",
		    METRICS_GAUGE, "Events spooled, not acknowledged yet (the "
		    "spool depth).", st.spool.pending);
		metrics_one(m, "twinproxy_report_spool_pending_bytes",
		    METRICS_GAUGE, "Bytes of the events not acknowledged.",
		    st.spool.pending_bytes);
		metrics_one(m, "twinproxy_report_spool_file_bytes",
		    METRICS_GAUGE, "The spool's size on disk.",
		    st.spool.file_bytes);
		if (metrics_family(m, "twinproxy_report_spool_dropped_total",
		    METRICS_COUNTER, "Events lost, by reason (refused: the "
		    "spool was full; evicted: pushed out).") == 0) {
			metrics_sample(m, st.spool.refused, "reason",
			    "refused", NULL);
			metrics_sample(m, st.spool.evicted, "reason",
			    "evicted", NULL);
		}
	}
	metrics_server_families(m, am->ms, "report");
}
