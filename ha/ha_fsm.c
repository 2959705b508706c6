/*
 * ha_fsm.c: the role state machine (INIT, STANDBY, ACTIVE, FAULT). It does
 * no I/O and reads no clock: every entry point takes the current time in
 * milliseconds, so the daemon drives it with the monotonic clock and the
 * unit tests with a fake one. Transitions are reported through a callback.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "ha.h"

static void	fsm_goto(struct ha_fsm *, enum ha_state, enum ha_cause,
		    uint64_t, const char *, ...)
		    __attribute__((format(printf, 5, 6)));
static void	fsm_eval(struct ha_fsm *, uint64_t);
static int	fsm_peer_healthy(const struct ha_fsm *, uint64_t);
static int	fsm_wins(const struct ha_fsm *);
static uint64_t	fsm_dead(const struct ha_fsm *);
static const char *fsm_peer(const struct ha_fsm *, char *, size_t);

static const char *const ha_state_names[] = {
	"INIT", "STANDBY", "ACTIVE", "FAULT"
};
static const char *const ha_state_words[] = {
	"starting", "standby", "active", "in fault"
};

/* Name a state, as in logs ("ACTIVE"). */
const char *
ha_state_name(enum ha_state s)
{
	if (s < HA_INIT || s > HA_FAULT)
		return ("?");
	return (ha_state_names[s]);
}

/* Describe a state, as in the status display ("active"). */
const char *
ha_state_word(enum ha_state s)
{
	if (s < HA_INIT || s > HA_FAULT)
		return ("?");
	return (ha_state_words[s]);
}

/* Start in INIT at <now>. */
void
ha_fsm_init(struct ha_fsm *f, const struct ha_fsm_params *p, ha_fsm_cb cb,
    void *arg, uint64_t now)
{
	memset(f, 0, sizeof *f);
	f->p = *p;
	f->state = HA_INIT;
	f->since = f->start = now;
	f->healthy = 1;
	f->link_up = 1;
	f->cb = cb;
	f->arg = arg;
	strlcpy(f->reason, "starting", sizeof f->reason);
}

/* Time without heartbeat after which the partner is declared down. */
static uint64_t
fsm_dead(const struct ha_fsm *f)
{
	return (f->p.interval * f->p.count);
}

/* Format the partner's address as last heard. */
static const char *
fsm_peer(const struct ha_fsm *f, char *buf, size_t len)
{
	if (!f->peer_heard) {
		strlcpy(buf, "the partner", len);
		return (buf);
	}
	addr_ntop(&f->peer.sender, buf, len);
	return (buf);
}

/* Return 1 if a heartbeat arrived within interval x count. */
int
ha_fsm_peer_alive(const struct ha_fsm *f, uint64_t now)
{
	return (f->peer_heard && now - f->peer_last <= fsm_dead(f));
}

/* Alive, reporting healthy services and not in FAULT. */
static int
fsm_peer_healthy(const struct ha_fsm *f, uint64_t now)
{
	return (ha_fsm_peer_alive(f, now) && (f->peer.flags & HA_F_HEALTHY) &&
	    f->peer.state != HA_FAULT);
}

/*
 * Decide who holds the floating IP when both claim it, or who takes it
 * when neither does: a manual takeover wins; else the configured primary;
 * else (both configured alike) the lower real address.
 */
static int
fsm_wins(const struct ha_fsm *f)
{
	int	peer_force = (f->peer.flags & HA_F_FORCE) != 0;
	int	peer_primary = f->peer.role == HA_ROLE_PRIMARY;

	if (f->force != peer_force)
		return (f->force);
	if (f->p.primary != peer_primary)
		return (f->p.primary);
	return (f->p.self_wins_tie);
}

/* The flags this peer puts in its heartbeats. */
uint8_t
ha_fsm_flags(const struct ha_fsm *f)
{
	uint8_t	fl = 0;

	if (f->healthy && f->link_up)
		fl |= HA_F_HEALTHY;
	if (f->yield)
		fl |= HA_F_YIELD;
	if (f->force)
		fl |= HA_F_FORCE;
	return (fl);
}

/* Change state, remember why, and tell the daemon. */
static void
fsm_goto(struct ha_fsm *f, enum ha_state to, enum ha_cause cause,
    uint64_t now, const char *fmt, ...)
{
	enum ha_state	from = f->state;
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(f->reason, sizeof f->reason, fmt, ap);
	va_end(ap);
	f->cause = cause;
	if (from == to) {
		/* Same state: a request to re-announce (split brain kept). */
		if (f->cb != NULL)
			f->cb(f->arg, from, to, f->reason);
		return;
	}
	f->state = to;
	f->since = now;
	f->failback_at = 0;
	f->split_seen = 0;
	f->transitions++;
	if (to == HA_ACTIVE)
		f->takeovers++;
	if (f->cb != NULL)
		f->cb(f->arg, from, to, f->reason);
}

/* Re-evaluate the state after any event. */
static void
fsm_eval(struct ha_fsm *f, uint64_t now)
{
	char		 pb[INET6_ADDRSTRLEN];
	const char	*peer = fsm_peer(f, pb, sizeof pb);
	int		 alive = ha_fsm_peer_alive(f, now);
	uint64_t	 last;

	switch (f->state) {
	case HA_INIT:
		if (!f->link_up) {
			fsm_goto(f, HA_FAULT, HA_C_LINK, now, "interface down");
			return;
		}
		if (!f->healthy) {
			fsm_goto(f, HA_FAULT, HA_C_HEALTH, now,
			    "tracked service down at start");
			return;
		}
		if (alive) {
			if (f->peer.state == HA_ACTIVE)
				fsm_goto(f, HA_STANDBY, HA_C_PEER_ACTIVE, now,
				    "partner %s is active", peer);
			else if (!fsm_peer_healthy(f, now))
				fsm_goto(f, HA_ACTIVE, HA_C_PEER_FAULT, now,
				    "partner %s is not healthy (%s)", peer,
				    ha_state_name(f->peer.state));
			else if (fsm_wins(f))
				fsm_goto(f, HA_ACTIVE, HA_C_ELECTION, now,
				    "partner %s is %s and this server is the "
				    "preferred active", peer,
				    ha_state_name(f->peer.state));
			else
				fsm_goto(f, HA_STANDBY, HA_C_ELECTION, now,
				    "partner %s is %s and is the preferred "
				    "active", peer,
				    ha_state_name(f->peer.state));
			return;
		}
		if (now - f->start > fsm_dead(f))
			fsm_goto(f, HA_ACTIVE, HA_C_START, now,
			    "no heartbeat from the partner for %" PRIu64
			    " ms since start", now - f->start);
		return;
	case HA_STANDBY:
		if (!f->link_up) {
			fsm_goto(f, HA_FAULT, HA_C_LINK, now, "interface down");
			return;
		}
		if (!f->healthy) {
			fsm_goto(f, HA_FAULT, HA_C_HEALTH, now,
			    "tracked service down");
			return;
		}
		if (!alive) {
			last = f->peer_heard && f->peer_last > f->since ?
			    f->peer_last : f->since;
			if (now - last <= fsm_dead(f))
				return;
			f->yield = 0;
			fsm_goto(f, HA_ACTIVE, HA_C_PEER_SILENT, now,
			    "no heartbeat from %s for %" PRIu64 " ms (%u "
			    "missed at %" PRIu64 " ms)", peer, now - last,
			    f->p.count, f->p.interval);
			return;
		}
		if (f->peer.state == HA_ACTIVE) {
			if (!f->p.primary || !f->p.failback || f->yield ||
			    f->peer.role == HA_ROLE_PRIMARY ||
			    (f->peer.flags & HA_F_FORCE)) {
				f->failback_at = 0;
				return;
			}
			if (f->failback_at == 0) {
				f->failback_at = now + f->p.failback_delay;
				if (f->p.failback_delay > 0)
					return;
			}
			if (now >= f->failback_at)
				fsm_goto(f, HA_ACTIVE, HA_C_FAILBACK, now,
				    "failback: the default primary takes the "
				    "service back from %s", peer);
			return;
		}
		f->failback_at = 0;
		if (!fsm_peer_healthy(f, now)) {
			fsm_goto(f, HA_ACTIVE, HA_C_PEER_FAULT, now,
			    "partner %s is not healthy (%s)", peer,
			    ha_state_name(f->peer.state));
			return;
		}
		if (f->peer.state == HA_STANDBY || f->peer.state == HA_INIT) {
			int	mine, peer_yield = !!(f->peer.flags & HA_F_YIELD);

			mine = f->yield != peer_yield ? !f->yield : fsm_wins(f);
			if (mine)
				fsm_goto(f, HA_ACTIVE, HA_C_ELECTION, now,
				    "partner %s is %s%s", peer,
				    ha_state_name(f->peer.state),
				    peer_yield ? " and released the service" :
				    " and this server is the preferred active");
		}
		return;
	case HA_ACTIVE:
		if (!f->link_up) {
			fsm_goto(f, HA_FAULT, HA_C_LINK, now, "interface down");
			return;
		}
		if (!f->healthy && fsm_peer_healthy(f, now)) {
			fsm_goto(f, HA_FAULT, HA_C_HEALTH, now,
			    "tracked service down and partner %s is healthy",
			    peer);
			return;
		}
		if (!alive)
			return;
		if (f->peer.state != HA_ACTIVE) {
			f->split_seen = 0;
			if (f->force)
				f->force = 0;	/* the partner let go */
			return;
		}
		if (!fsm_wins(f)) {
			if (f->peer.flags & HA_F_FORCE)
				f->yield = 1;	/* no failback after this */
			fsm_goto(f, HA_STANDBY, HA_C_SPLIT, now,
			    "both active: partner %s keeps the floating IP%s",
			    peer, (f->peer.flags & HA_F_FORCE) ?
			    " (taken over by hand)" : "");
			return;
		}
		if (!f->split_seen) {
			f->split_seen = 1;
			fsm_goto(f, HA_ACTIVE, HA_C_SPLIT, now,
			    "both active: this server keeps the floating IP, "
			    "partner %s releases it", peer);
		}
		return;
	case HA_FAULT:
		if (f->link_up && f->healthy)
			fsm_goto(f, HA_STANDBY,
			    f->cause == HA_C_LINK ? HA_C_LINK : HA_C_HEALTH,
			    now, "%s", f->cause == HA_C_LINK ?
			    "interface up again" :
			    "tracked services recovered");
		return;
	}
}

/* Time passes: notice missed heartbeats and due failbacks. */
void
ha_fsm_tick(struct ha_fsm *f, uint64_t now)
{
	fsm_eval(f, now);
}

/* An authenticated, fresh heartbeat from the partner. */
void
ha_fsm_heartbeat(struct ha_fsm *f, const struct ha_hb *hb, uint64_t now)
{
	f->peer = *hb;
	f->peer_heard = 1;
	f->peer_last = now;
	fsm_eval(f, now);
}

/* Tracked services went up (1) or down (0); <what> names the culprit. */
void
ha_fsm_health(struct ha_fsm *f, int healthy, const char *what, uint64_t now)
{
	if (f->healthy == healthy)
		return;
	f->healthy = healthy;
	fsm_eval(f, now);
}

/* The interface's link went down (0) or up (1). */
void
ha_fsm_link(struct ha_fsm *f, int up, uint64_t now)
{
	if (f->link_up == up)
		return;
	f->link_up = up;
	fsm_eval(f, now);
}

/*
 * Take the service by hand. The partner sees the force flag and releases;
 * it also stops any failback.
 */
int
ha_fsm_takeover(struct ha_fsm *f, uint64_t now, const char **cause)
{
	if (f->state == HA_ACTIVE) {
		*cause = "already active";
		return (-1);
	}
	if (!f->link_up || !f->healthy) {
		*cause = !f->link_up ? "interface is down" :
		    "a tracked service is down";
		return (-1);
	}
	f->force = 1;
	f->yield = 0;
	fsm_goto(f, HA_ACTIVE, HA_C_MANUAL, now,
	    "manual takeover (twinctl takeover)");
	return (0);
}

/*
 * Hand the service to the partner by hand; refused unless the partner is
 * there and healthy, so a release never leaves nobody serving.
 */
int
ha_fsm_release(struct ha_fsm *f, uint64_t now, const char **cause)
{
	if (f->state != HA_ACTIVE) {
		*cause = "not active";
		return (-1);
	}
	if (!fsm_peer_healthy(f, now)) {
		*cause = "the partner is not ready to take over";
		return (-1);
	}
	f->force = 0;
	f->yield = 1;
	fsm_goto(f, HA_STANDBY, HA_C_MANUAL, now,
	    "manual release (twinctl release)");
	return (0);
}

/*
 * Another MAC claims the floating IP while this server is active. Return 1
 * to keep it (re-announce), 0 if this server released it, 2 to wait for
 * the partner's next heartbeat (it is preferred and taking over), -1 if not
 * active. With the partner alive, the same preference as for two active
 * peers applies; without heartbeats this server keeps the address and
 * re-announces it (rate-limited by the daemon) until a heartbeat settles
 * the matter.
 */
int
ha_fsm_conflict(struct ha_fsm *f, uint64_t now)
{
	char	pb[INET6_ADDRSTRLEN];

	if (f->state != HA_ACTIVE)
		return (-1);
	if (!ha_fsm_peer_alive(f, now) || fsm_wins(f))
		return (1);
	if (f->peer.state == HA_ACTIVE) {
		fsm_goto(f, HA_STANDBY, HA_C_SPLIT, now,
		    "both active: partner %s keeps the floating IP",
		    fsm_peer(f, pb, sizeof pb));
		return (0);
	}
	/* The preferred partner is taking over; its heartbeat will say so. */
	return (2);
}
