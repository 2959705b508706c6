/*
 * ha_ctl.c: the control-socket commands of twin-ha: status, takeover,
 * release.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "ctl.h"
#include "ha.h"
#include "log.h"

static int	ha_ctl_status(struct ctl_conn *, int, char **, void *);
static int	ha_ctl_takeover(struct ctl_conn *, int, char **, void *);
static int	ha_ctl_release(struct ctl_conn *, int, char **, void *);
static const char *ha_ctl_role(int);
static const char *ha_ctl_secs(uint64_t, char *, size_t);

static const struct ctl_cmd ha_ctl_table[] = {
	{ "status", "", ha_ctl_status },
	{ "takeover", "", ha_ctl_takeover },
	{ "release", "", ha_ctl_release },
	{ NULL, NULL, NULL }
};
const struct ctl_cmd *const ha_ctl_cmds = ha_ctl_table;

/* Name a default role. */
static const char *
ha_ctl_role(int role)
{
	return (role == HA_ROLE_PRIMARY ? "primary" : "backup");
}

/* Format milliseconds as seconds with one decimal. */
static const char *
ha_ctl_secs(uint64_t ms, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRIu64 ".%01" PRIu64 "s", ms / 1000,
	    (ms % 1000) / 100);
	return (buf);
}

/*
 * Show both servers' roles as the reference status display does, then
 * details: default roles, last heartbeat, floating IP, tracking, counters.
 */
static int
ha_ctl_status(struct ctl_conn *c, int argc, char **argv, void *arg)
{
	struct ha_ctx	*ctx = arg;
	struct ha_fsm	*f = &ctx->fsm;
	struct cfg_ha	*ha = &ctx->cfg->ha;
	struct addr	 a;
	uint64_t	 now = ha_now();
	char		 b1[32], b2[32], buf[64];
	size_t		 i;
	int		 up;

	if (!ha->redundancy) {
		ctl_printf(c, "This server: redundancy off.");
		return (0);
	}
	if (f->state == HA_ACTIVE || f->state == HA_STANDBY)
		ctl_printf(c, "This server: running as %s.",
		    ha_state_word(f->state));
	else
		ctl_printf(c, "This server: %s.", ha_state_word(f->state));
	if (ha_fsm_peer_alive(f, now)) {
		if (f->peer.state == HA_ACTIVE || f->peer.state == HA_STANDBY)
			ctl_printf(c, "Partner server: running as %s.",
			    ha_state_word(f->peer.state));
		else
			ctl_printf(c, "Partner server: %s.",
			    ha_state_word(f->peer.state));
	} else if (f->peer_heard)
		ctl_printf(c, "Partner server: communication error (no "
		    "heartbeat for %s).", ha_ctl_secs(now - f->peer_last,
		    b1, sizeof b1));
	else
		ctl_printf(c, "Partner server: communication error (no "
		    "heartbeat since start).");
	ctl_printf(c, "self %s state %s default %s since %s", ctx->self,
	    ha_state_name(f->state), ha_ctl_role(ha->role),
	    ha_ctl_secs(now - f->since, b1, sizeof b1));
	ctl_printf(c, "reason %s", f->reason);
	if (f->peer_heard)
		ctl_printf(c, "partner %s state %s default %s%s%s "
		    "last-heartbeat %s ago", ctx->partner,
		    ha_state_name(f->peer.state), ha_ctl_role(f->peer.role),
		    (f->peer.flags & HA_F_HEALTHY) ? "" : " unhealthy",
		    (f->peer.flags & HA_F_YIELD) ? " released" : "",
		    ha_ctl_secs(now - f->peer_last, b1, sizeof b1));
	else
		ctl_printf(c, "partner %s state unknown default unknown "
		    "last-heartbeat never", ctx->partner);
	if (f->failback_at > now)
		ctl_printf(c, "failback %s delay %s due-in %s",
		    ha->failback ? "yes" : "no",
		    cfg_fmt_duration(ha->failback_delay, b1, sizeof b1),
		    ha_ctl_secs(f->failback_at - now, b2, sizeof b2));
	else
		ctl_printf(c, "failback %s delay %s%s",
		    ha->failback ? "yes" : "no",
		    cfg_fmt_duration(ha->failback_delay, b1, sizeof b1),
		    f->yield ? " (suspended: released by hand)" : "");
	for (i = 0; i < ha->nfloating_ip; i++)
		ctl_printf(c, "floating-ip %s on %s %s",
		    cidr_fmt(&ha->floating_ip[i], buf, sizeof buf),
		    ha->interface, ha_nl_has_addr(ctx->nl,
		    &ha->floating_ip[i]) == 1 ? "held" : "not-held");
	ctl_printf(c, "interval %s count %u link %s", cfg_fmt_duration(
	    ha->interval, b1, sizeof b1), ha->count,
	    f->link_up ? "up" : "down");
	for (i = 0; i < ha_track_count(ctx->track); i++) {
		up = ha_track_status(ctx->track, i, &a);
		ctl_printf(c, "track %s %s", addr_fmt(&a, buf, sizeof buf),
		    up == 1 ? "up" : up == 0 ? "down" : "unknown");
	}
	ctl_printf(c, "counters hb-sent %lu hb-received %lu truncated %lu "
	    "malformed %lu forged %lu wrong-sender %lu replayed %lu "
	    "out-of-window %lu wrong-challenge %lu other-version %lu",
	    ctx->tx, ctx->rx[HA_RX_OK], ctx->rx[HA_RX_TRUNCATED],
	    ctx->rx[HA_RX_MALFORMED], ctx->rx[HA_RX_FORGED],
	    ctx->rx[HA_RX_SENDER], ctx->rx[HA_RX_REPLAYED],
	    ctx->rx[HA_RX_WINDOW], ctx->rx[HA_RX_CHALLENGE],
	    ctx->rx[HA_RX_VERSION]);
	ctl_printf(c, "counters transitions %lu takeovers %lu garp-bursts %lu "
	    "garp-frames %lu foreign-claims %lu alias-repairs %lu",
	    f->transitions, f->takeovers, ctx->garp_bursts, ctx->garp_frames,
	    ctx->claims, ctx->repairs);
	return (0);
}

/* Become active by hand; the partner releases. */
static int
ha_ctl_takeover(struct ctl_conn *c, int argc, char **argv, void *arg)
{
	struct ha_ctx	*ctx = arg;
	const char	*cause;

	if (!ctx->cfg->ha.redundancy) {
		ctl_error(c, "redundancy is off");
		return (-1);
	}
	if (ha_fsm_takeover(&ctx->fsm, ha_now(), &cause) == -1) {
		ctl_error(c, "takeover refused: %s", cause);
		return (-1);
	}
	ctl_printf(c, "This server: running as active.");
	return (0);
}

/* Hand the service to the partner by hand. */
static int
ha_ctl_release(struct ctl_conn *c, int argc, char **argv, void *arg)
{
	struct ha_ctx	*ctx = arg;
	const char	*cause;

	if (!ctx->cfg->ha.redundancy) {
		ctl_error(c, "redundancy is off");
		return (-1);
	}
	if (ha_fsm_release(&ctx->fsm, ha_now(), &cause) == -1) {
		ctl_error(c, "release refused: %s", cause);
		return (-1);
	}
	ctl_printf(c, "This server: running as standby.");
	return (0);
}
