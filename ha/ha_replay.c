/*
 * ha_replay.c: whether an authentic heartbeat from the partner is fresh.
 *
 * Each peer's sequence numbers start at a random value at every start and
 * double as challenges: a heartbeat echoes the partner's sequence number
 * last heard, and is accepted only if that echo is one this process sent
 * within the window. Nothing recorded before this process started can
 * match (its numbers are drawn afresh), so no state survives a restart and
 * no disk or wall clock is involved. Within a run, the accepted heartbeats
 * must rise in (echo, seq) order, which refuses copies of accepted ones.
 *
 * A process that has accepted nothing within the window (just started, or
 * the partner was lost) does not know what the partner expects: it then
 * echoes the sequence number of any authentic heartbeat refused for its
 * echo, and asks the daemon to answer at once, so a handshake costs one
 * round trip. Like ha_fsm.c, this file does no I/O and reads no clock:
 * every entry point takes the time in milliseconds.
 */
#include <string.h>

#include "ha.h"

static int	replay_sent_by_us(const struct ha_replay *, uint64_t);

/*
 * Start a run at <now>: <first> is the first sequence number to send
 * (random, at least 1 and far from overflowing), <window> how long a
 * challenge stays good and a partner is considered to hear this process.
 */
void
ha_replay_init(struct ha_replay *r, uint64_t first, uint64_t window,
    uint64_t now)
{
	memset(r, 0, sizeof *r);
	r->window = window;
	r->start = now;
	r->first = first;
	r->seq = first - 1;
}

/* Return the sequence number of the next heartbeat, sent at <now>. */
uint64_t
ha_replay_next(struct ha_replay *r, uint64_t now)
{
	r->seq++;
	r->sent[r->seq % HA_CHAL_RING] = now;
	return (r->seq);
}

/* Return 1 if <echo> is a sequence number this run has sent. */
static int
replay_sent_by_us(const struct ha_replay *r, uint64_t echo)
{
	return (echo >= r->first && echo <= r->seq);
}

/*
 * Return 1 if a heartbeat was accepted within the window: the partner
 * answers our challenges (HA_F_HEARS, and no learning from refused ones).
 */
int
ha_replay_hears(const struct ha_replay *r, uint64_t now)
{
	return (r->valid && now - r->peer_at <= r->window);
}

/*
 * Return 1 while a refusal for a stale echo is an expected step of a
 * handshake (the first ones within the window) rather than worth a
 * warning: packets recorded earlier, or a partner that cannot hear us.
 */
int
ha_replay_quiet(const struct ha_replay *r, uint64_t now)
{
	return (r->stale_since != 0 && now - r->stale_since <= r->window);
}

/*
 * Decide on an authentic heartbeat <hb> from the partner, received at
 * <now>; update <r> only as described. Sets *<reply> when the daemon
 * should send a heartbeat at once: this process has just learned what to
 * echo, or the partner says it does not hear us yet.
 *
 *  - echo not sent by this run (0: the partner has not heard us yet;
 *    otherwise recorded before we started): wrong challenge;
 *  - (echo, seq) not above the last accepted one: replayed;
 *  - echo sent by us more than the window ago: out of window;
 *  - otherwise accepted.
 *
 * The first and the third teach us the partner's sequence number when no
 * heartbeat was accepted within the window; once one was, only accepted
 * heartbeats do, so recorded ones cannot lead us astray.
 */
enum ha_wire_err
ha_replay_check(struct ha_replay *r, const struct ha_hb *hb, uint64_t now,
    int *reply)
{
	enum ha_wire_err	e;

	*reply = 0;
	if (hb->seq == 0)
		return (HA_RX_MALFORMED);
	if (!replay_sent_by_us(r, hb->echo))
		e = HA_RX_CHALLENGE;
	else if (r->valid && (hb->echo < r->peer_echo ||
	    (hb->echo == r->peer_echo && hb->seq <= r->peer_seq)))
		return (HA_RX_REPLAYED);
	else if (r->seq - hb->echo >= HA_CHAL_RING ||
	    now - r->sent[hb->echo % HA_CHAL_RING] > r->window)
		e = HA_RX_WINDOW;
	else {
		/* Our echo of its number is what it is waiting for. */
		if (!(hb->flags & HA_F_HEARS))
			*reply = 1;
		r->valid = 1;
		r->peer_seq = hb->seq;
		r->peer_echo = hb->echo;
		r->peer_at = now;
		r->echo = hb->seq;
		r->stale_since = 0;
		return (HA_RX_OK);
	}
	if (r->stale_since == 0)
		r->stale_since = now != 0 ? now : 1;
	if (!ha_replay_hears(r, now) && r->echo != hb->seq) {
		r->echo = hb->seq;
		*reply = 1;
	}
	return (e);
}
