/*
 * ha_metrics.c: twin-ha's Prometheus families (lib/metrics.h): this
 * server's and the partner's state, heartbeats sent, received and
 * rejected by reason, transitions, the floating IPs held.
 */
#include <string.h>

#include "cfg.h"
#include "ha.h"
#include "log.h"
#include "metrics.h"

static void	ha_metrics_cb(struct metrics *, void *);
static void	ha_metrics_state(struct metrics *, enum ha_state, int,
		    const char *, const char *);

/* The reasons a heartbeat is rejected, as label values (HA_RX_*). */
static const char *const ha_rx_names[HA_RX_NERR] = {
	"ok", "truncated", "malformed", "forged", "other_version",
	"wrong_sender", "replayed", "out_of_window", "wrong_challenge"
};

/*
 * Open the endpoint if the config has one. twin-ha does not reload, so
 * a failure here is a startup error.
 */
void
ha_metrics_start(struct ha_ctx *ctx)
{
	struct metrics_conf	 mc;
	const char		*cause;

	cfg_metrics_conf(ctx->cfg, CFG_METRICS_HA, &mc);
	if (mc.listen.af == 0)
		return;
	ctx->metrics = metrics_server_new(ctx->base, "twin-ha",
	    ha_metrics_cb, ctx);
	if (metrics_server_sync(ctx->metrics, &mc, &cause) == -1)
		fatalx("metrics: %s", cause);
}

/* Close the endpoint. */
void
ha_metrics_stop(struct ha_ctx *ctx)
{
	metrics_server_free(ctx->metrics);
	ctx->metrics = NULL;
}

/*
 * One family of state gauges: a sample per state, 1 for the current one
 * (none when <known> is 0), with the extra label pair <lname>=<lval>
 * when lname is not NULL.
 */
static void
ha_metrics_state(struct metrics *m, enum ha_state cur, int known,
    const char *lname, const char *lval)
{
	static const char *const	 names[] = { "init", "standby",
					    "active", "fault" };
	size_t				 i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (lname != NULL)
			metrics_sample(m, known && cur == (enum ha_state)i,
			    lname, lval, "state", names[i], NULL);
		else
			metrics_sample(m, known && cur == (enum ha_state)i,
			    "state", names[i], NULL);
}

/* Write the families at a scrape. */
static void
ha_metrics_cb(struct metrics *m, void *arg)
{
	struct ha_ctx	*ctx = arg;
	struct ha_fsm	*f = &ctx->inst[0].fsm;
	struct ha_inst	*in;
	uint64_t	 now = ha_now(), tr = 0, to = 0;
	size_t		 i, j;
	char		 buf[64];
	int		 on = ctx->cfg->ha.redundancy;

	metrics_one(m, "twinproxy_ha_redundancy_enabled", METRICS_GAUGE,
	    "Whether redundancy is on (off: no other twin-ha metric "
	    "means anything).", on);
	if (!on) {
		metrics_server_families(m, ctx->metrics, "ha");
		return;
	}
	if (metrics_family(m, "twinproxy_ha_state", METRICS_GAUGE,
	    "This server's role: 1 for the current state.") == 0)
		ha_metrics_state(m, ha_summary(ctx), 1, NULL, NULL);
	if (metrics_family(m, "twinproxy_ha_partner_state", METRICS_GAUGE,
	    "The partner's state from its last heartbeat: 1 for the "
	    "current one, all 0 while none is heard.") == 0)
		ha_metrics_state(m, ctx->peer.state, f->peer_heard &&
		    ha_fsm_peer_alive(f, now), NULL, NULL);
	metrics_one(m, "twinproxy_ha_partner_alive", METRICS_GAUGE,
	    "Whether the partner's heartbeats arrive.",
	    ha_fsm_peer_alive(f, now));
	metrics_one(m, "twinproxy_ha_partner_config_match", METRICS_GAUGE,
	    "Whether the partner's config fingerprint matches ours (0 also "
	    "while none is heard).", f->peer_heard &&
	    ctx->peer.fingerprint == ctx->fingerprint);
	metrics_one(m, "twinproxy_ha_link_up", METRICS_GAUGE,
	    "Whether the heartbeat interface's link is up.", f->link_up);
	metrics_one(m, "twinproxy_ha_heartbeats_sent_total", METRICS_COUNTER,
	    "Heartbeats sent.", ctx->tx);
	metrics_one(m, "twinproxy_ha_heartbeat_send_errors_total",
	    METRICS_COUNTER, "Heartbeats that could not be sent.",
	    ctx->tx_err);
	metrics_one(m, "twinproxy_ha_heartbeats_received_total",
	    METRICS_COUNTER, "Heartbeats accepted from the partner.",
	    ctx->rx[HA_RX_OK]);
	if (metrics_family(m, "twinproxy_ha_heartbeats_rejected_total",
	    METRICS_COUNTER, "Heartbeats rejected, by reason.") == 0)
		for (i = HA_RX_OK + 1; i < HA_RX_NERR; i++)
			metrics_sample(m, ctx->rx[i], "reason",
			    ha_rx_names[i], NULL);
	for (i = 0; i < ctx->ninst; i++) {
		tr += ctx->inst[i].fsm.transitions;
		to += ctx->inst[i].fsm.takeovers;
	}
	metrics_one(m, "twinproxy_ha_transitions_total", METRICS_COUNTER,
	    "State changes, every floating-IP state machine together.", tr);
	metrics_one(m, "twinproxy_ha_takeovers_total", METRICS_COUNTER,
	    "Changes to active.", to);
	metrics_one(m, "twinproxy_ha_garp_bursts_total", METRICS_COUNTER,
	    "Gratuitous ARP bursts started.", ctx->garp_bursts);
	metrics_one(m, "twinproxy_ha_garp_frames_total", METRICS_COUNTER,
	    "Gratuitous ARP and neighbour advertisement frames sent.",
	    ctx->garp_frames);
	metrics_one(m, "twinproxy_ha_foreign_claims_total", METRICS_COUNTER,
	    "Claims of our floating IPs by another host seen.", ctx->claims);
	metrics_one(m, "twinproxy_ha_alias_repairs_total", METRICS_COUNTER,
	    "Floating IPs put back on the interface after they vanished.",
	    ctx->repairs);
	if (metrics_family(m, "twinproxy_ha_floating_ip_held", METRICS_GAUGE,
	    "Whether this server holds the floating IP now.") == 0)
		for (i = 0; i < ctx->ninst; i++) {
			in = &ctx->inst[i];
			for (j = 0; j < in->nfip; j++)
				metrics_sample(m, ha_nl_has_addr(ctx->nl,
				    &in->fip[j]) == 1, "address",
				    cidr_fmt(&in->fip[j], buf, sizeof buf),
				    NULL);
		}
	if (ctx->multi && metrics_family(m, "twinproxy_ha_instance_state",
	    METRICS_GAUGE, "State of each floating IP's own state machine "
	    "(per-address redundancy): 1 for the current state.") == 0)
		for (i = 0; i < ctx->ninst; i++)
			ha_metrics_state(m, ctx->inst[i].fsm.state, 1,
			    "address", ctx->inst[i].fipstr);
	metrics_server_families(m, ctx->metrics, "ha");
}
