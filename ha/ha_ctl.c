/*
 * ha_ctl.c: the control-socket commands of twin-ha: status, takeover,
 * release (each optionally naming one floating IP).
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
static int	ha_ctl_pick(struct ctl_conn *, struct ha_ctx *, int, char **,
		    struct ha_inst **);
static const char *ha_ctl_holder(struct ha_ctx *, struct ha_inst *,
		    uint64_t);

static const struct ctl_cmd ha_ctl_table[] = {
	{ "status", "", ha_ctl_status },
	{ "takeover", "[ADDR]", ha_ctl_takeover },
	{ "release", "[ADDR]", ha_ctl_release },
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

/* Who holds an instance's addresses: this server, the partner or none. */
static const char *
ha_ctl_holder(struct ha_ctx *ctx, struct ha_inst *in, uint64_t now)
{
	if (in->fsm.state == HA_ACTIVE)
		return ("self");
	if (ha_fsm_peer_alive(&in->fsm, now) &&
	    in->fsm.peer.state == HA_ACTIVE)
		return ("partner");
	return ("none");
}

/*
 * The instance an optional ADDR argument names: NULL (every instance)
 * without one. Return -1 after an error answer.
 */
static int
ha_ctl_pick(struct ctl_conn *c, struct ha_ctx *ctx, int argc, char **argv,
    struct ha_inst **in)
{
	struct addr	 a;
	const char	*cause;

	*in = NULL;
	if (argc > 2) {
		ctl_error(c, "usage: %s [ADDR]", argv[0]);
		return (-1);
	}
	if (argc == 1)
		return (0);
	if (addr_parse(argv[1], &a, &cause) == -1) {
		ctl_error(c, "%s: %s", argv[1], cause);
		return (-1);
	}
	if ((*in = ha_inst_find(ctx, &a)) == NULL) {
		ctl_error(c, "%s is not a floating IP of this pair", argv[1]);
		return (-1);
	}
	return (0);
}

/*
 * Show both servers' roles as the reference status display does, then
 * details: default roles, last heartbeat, each floating IP and its
 * holder, tracking, counters. With per-address instances the two first
 * lines sum the instances up (active: holds at least one address).
 */
static int
ha_ctl_status(struct ctl_conn *c, int argc, char **argv, void *arg)
{
	struct ha_ctx	*ctx = arg;
	struct ha_fsm	*f;
	struct ha_inst	*in;
	struct cfg_ha	*ha = &ctx->cfg->ha;
	struct addr	 a;
	enum ha_state	 st, pst;
	uint64_t	 now = ha_now();
	char		 b1[32], b2[32], buf[64];
	size_t		 i, j;
	int		 up;

	if (!ha->redundancy) {
		ctl_printf(c, "This server: redundancy off.");
		return (0);
	}
	f = &ctx->inst[0].fsm;
	st = ha_summary(ctx);
	pst = ctx->peer.state;
	if (st == HA_ACTIVE || st == HA_STANDBY)
		ctl_printf(c, "This server: running as %s.", ha_state_word(st));
	else
		ctl_printf(c, "This server: %s.", ha_state_word(st));
	if (ha_fsm_peer_alive(f, now)) {
		if (pst == HA_ACTIVE || pst == HA_STANDBY)
			ctl_printf(c, "Partner server: running as %s.",
			    ha_state_word(pst));
		else
			ctl_printf(c, "Partner server: %s.",
			    ha_state_word(pst));
	} else if (f->peer_heard)
		ctl_printf(c, "Partner server: communication error (no "
		    "heartbeat for %s).", ha_ctl_secs(now - f->peer_last,
		    b1, sizeof b1));
	else
		ctl_printf(c, "Partner server: communication error (no "
		    "heartbeat since start).");
	ctl_printf(c, "self %s state %s default %s since %s", ctx->self,
	    ha_state_name(st), ha_ctl_role(ha->role),
	    ha_ctl_secs(now - f->since, b1, sizeof b1));
	if (!ctx->multi)
		ctl_printf(c, "reason %s", f->reason);
	if (f->peer_heard)
		ctl_printf(c, "partner %s state %s default %s%s%s "
		    "last-heartbeat %s ago", ctx->partner,
		    ha_state_name(pst), ha_ctl_role(ctx->peer.role),
		    (ctx->peer.flags & HA_F_HEALTHY) ? "" : " unhealthy",
		    (f->peer.flags & HA_F_YIELD) ? " released" : "",
		    ha_ctl_secs(now - f->peer_last, b1, sizeof b1));
	else
		ctl_printf(c, "partner %s state unknown default unknown "
		    "last-heartbeat never", ctx->partner);
	if (f->peer_heard)
		ctl_printf(c, "partner-config %s", ctx->peer.fingerprint ==
		    ctx->fingerprint ? "matches" : "MISMATCH (check both "
		    "config files)");
	if (!ctx->multi) {
		if (f->failback_at > now)
			ctl_printf(c, "failback %s delay %s due-in %s",
			    ha->failback ? "yes" : "no",
			    cfg_fmt_duration(ha->failback_delay, b1,
			    sizeof b1),
			    ha_ctl_secs(f->failback_at - now, b2, sizeof b2));
		else
			ctl_printf(c, "failback %s delay %s%s",
			    ha->failback ? "yes" : "no",
			    cfg_fmt_duration(ha->failback_delay, b1,
			    sizeof b1), f->yield ?
			    " (suspended: released by hand)" : "");
	} else
		ctl_printf(c, "failback %s delay %s (per address)",
		    ha->failback ? "yes" : "no",
		    cfg_fmt_duration(ha->failback_delay, b1, sizeof b1));
	for (i = 0; i < ctx->ninst; i++) {
		in = &ctx->inst[i];
		for (j = 0; j < in->nfip; j++)
			ctl_printf(c, "floating-ip %s on %s %s holder %s%s%s",
			    cidr_fmt(&in->fip[j], buf, sizeof buf),
			    ha->interface, ha_nl_has_addr(ctx->nl,
			    &in->fip[j]) == 1 ? "held" : "not-held",
			    ha_ctl_holder(ctx, in, now),
			    ctx->multi ? " normally " : "",
			    !ctx->multi ? "" : in->prefer ? "self" :
			    "partner");
		if (!ctx->multi)
			continue;
		ctl_printf(c, "instance %s state %s since %s%s%s%s", in->fipstr,
		    ha_state_name(in->fsm.state),
		    ha_ctl_secs(now - in->fsm.since, b1, sizeof b1),
		    in->fsm.failback_at > now ? " failback-due-in " : "",
		    in->fsm.failback_at > now ? ha_ctl_secs(
		    in->fsm.failback_at - now, b2, sizeof b2) : "",
		    in->fsm.yield ? " released-by-hand" :
		    in->fsm.force ? " taken-over-by-hand" : "");
		ctl_printf(c, "instance %s reason %s", in->fipstr,
		    in->fsm.reason);
	}
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
	{
		unsigned long	tr = 0, to = 0;

		for (i = 0; i < ctx->ninst; i++) {
			tr += ctx->inst[i].fsm.transitions;
			to += ctx->inst[i].fsm.takeovers;
		}
		ctl_printf(c, "counters transitions %lu takeovers %lu "
		    "garp-bursts %lu garp-frames %lu foreign-claims %lu "
		    "alias-repairs %lu", tr, to, ctx->garp_bursts,
		    ctx->garp_frames, ctx->claims, ctx->repairs);
	}
	return (0);
}

/*
 * Become active (<take>) or hand over (!<take>) by hand, for one address
 * or for every one this server does not hold (holds); the partner
 * follows.
 */
static int
ha_ctl_hand(struct ctl_conn *c, int argc, char **argv, struct ha_ctx *ctx,
    int take)
{
	const char	*what = take ? "takeover" : "release";
	struct ha_inst	*in;
	struct ha_fsm	*fsm;
	const char	*cause;
	size_t		 i;
	int		 done = 0, rv;

	if (!ctx->cfg->ha.redundancy) {
		ctl_error(c, "redundancy is off");
		return (-1);
	}
	if (ha_ctl_pick(c, ctx, argc, argv, &in) == -1)
		return (-1);
	for (i = 0; i < ctx->ninst; i++) {
		if (in != NULL && in != &ctx->inst[i])
			continue;
		fsm = &ctx->inst[i].fsm;
		if (in == NULL && (fsm->state == HA_ACTIVE) == take)
			continue;
		if (take)
			rv = ha_fsm_takeover(fsm, ha_now(), &cause);
		else
			rv = ha_fsm_release(fsm, ha_now(), &cause);
		if (rv == -1) {
			ctl_error(c, "%s refused: %s%s", what, ctx->multi ?
			    ctx->inst[i].tag : "", cause);
			return (-1);
		}
		done = 1;
	}
	if (!done) {
		ctl_error(c, "%s refused: %s", what, take ? "already active" :
		    "not active");
		return (-1);
	}
	if (take)
		ctl_printf(c, "This server: running as active.");
	else
		ctl_printf(c, "This server: running as %s.",
		    ha_state_word(ha_summary(ctx)));
	return (0);
}

static int
ha_ctl_takeover(struct ctl_conn *c, int argc, char **argv, void *arg)
{
	return (ha_ctl_hand(c, argc, argv, arg, 1));
}

static int
ha_ctl_release(struct ctl_conn *c, int argc, char **argv, void *arg)
{
	return (ha_ctl_hand(c, argc, argv, arg, 0));
}
