/*
 * check_fsm.c: the health-check state machine (UNKNOWN, UP, DOWN). It does
 * no I/O and reads no clock: every entry point takes the time in
 * milliseconds, so the driver runs it on the monotonic clock and the unit
 * tests on a fake one. It decides when a round starts, when a round has
 * run out of time (a timeout is a failed round), and when enough results
 * in a row change the state; changes go to a callback.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

static void	fsm_count(struct check_fsm *, int, const char *, uint64_t);
static void	fsm_goto(struct check_fsm *, enum check_state, uint64_t);

static const char *const check_state_names[] = { "UNKNOWN", "UP", "DOWN" };

/* Name a state, as in logs ("UP"). */
const char *
check_state_name(enum check_state s)
{
	if (s < CHECK_UNKNOWN || s > CHECK_DOWN)
		return ("?");
	return (check_state_names[s]);
}

/*
 * Start in <p->initial> at <now>; the first round is due at once. Zero
 * counts and durations are taken as 1 so that the machine always moves.
 */
void
check_fsm_init(struct check_fsm *f, const struct check_fsm_params *p,
    check_state_cb cb, void *arg, uint64_t now)
{
	memset(f, 0, sizeof *f);
	f->p = *p;
	if (f->p.interval == 0)
		f->p.interval = 1;
	if (f->p.timeout == 0)
		f->p.timeout = 1;
	if (f->p.rise == 0)
		f->p.rise = 1;
	if (f->p.fall == 0)
		f->p.fall = 1;
	f->state = p->initial;
	f->since = now;
	f->due = now;
	f->last = -1;
	f->cb = cb;
	f->arg = arg;
	strlcpy(f->reason, "not checked yet", sizeof f->reason);
}

/* Change state and tell the driver. */
static void
fsm_goto(struct check_fsm *f, enum check_state to, uint64_t now)
{
	enum check_state	from = f->state;

	f->state = to;
	f->since = now;
	f->transitions++;
	if (f->cb != NULL)
		f->cb(f->arg, from, to, f->reason);
}

/*
 * Count the result of the round under way and end it. The next round is
 * due one interval after this one started, or at once if this one took
 * longer than that.
 */
static void
fsm_count(struct check_fsm *f, int ok, const char *reason, uint64_t now)
{
	f->probing = 0;
	f->due = f->started + f->p.interval;
	if (f->due < now)
		f->due = now;
	f->last = ok;
	strlcpy(f->reason, reason, sizeof f->reason);
	if (ok) {
		f->nfail = 0;
		if (f->nok < f->p.rise)
			f->nok++;
		if (f->state != CHECK_UP && f->nok >= f->p.rise)
			fsm_goto(f, CHECK_UP, now);
	} else {
		f->failures++;
		f->nok = 0;
		if (f->nfail < f->p.fall)
			f->nfail++;
		if (f->state != CHECK_DOWN && f->nfail >= f->p.fall)
			fsm_goto(f, CHECK_DOWN, now);
	}
}

/*
 * Advance to <now>. A round that has run out of time is counted as a
 * failure ("timed out after N ms"; the driver may have counted it first
 * with a better reason). Returns 1 when a new round must start now: the
 * driver then starts a probe and reports it with check_fsm_result().
 */
int
check_fsm_tick(struct check_fsm *f, uint64_t now)
{
	if (check_fsm_expired(f, now))
		check_fsm_timeout(f, now);
	if (f->probing || now < f->due)
		return (0);
	f->probing = 1;
	f->started = now;
	f->rounds++;
	return (1);
}

/* Return 1 if the round under way has run out of time at <now>. */
int
check_fsm_expired(const struct check_fsm *f, uint64_t now)
{
	return (f->probing && now - f->started >= f->p.timeout);
}

/* Count the round under way as timed out. */
void
check_fsm_timeout(struct check_fsm *f, uint64_t now)
{
	char	why[CHECK_REASONLEN];

	if (!f->probing)
		return;
	snprintf(why, sizeof why, "timed out after %" PRIu64 " ms",
	    f->p.timeout);
	fsm_count(f, 0, why, now);
}

/*
 * The probe of the round under way ended: <ok> 1 for a success, with
 * <reason>. A result with no round under way (it was already counted as
 * timed out) is ignored; a success that arrives after the timeout is a
 * timeout all the same, so that the verdict does not depend on how late
 * the driver's timer ran.
 */
void
check_fsm_result(struct check_fsm *f, int ok, const char *reason,
    uint64_t now)
{
	if (!f->probing)
		return;
	if (ok && now - f->started > f->p.timeout) {
		check_fsm_timeout(f, now);
		return;
	}
	fsm_count(f, ok, reason != NULL ? reason : ok ? "ok" : "failed",
	    now);
}

/*
 * Drop the round under way without counting it (the checker was stopped);
 * the next round is due as soon as the machine is ticked again.
 */
void
check_fsm_cancel(struct check_fsm *f, uint64_t now)
{
	if (!f->probing)
		return;
	f->probing = 0;
	f->rounds--;
	f->due = now;
}

/* When the machine wants check_fsm_tick() next (ms). */
uint64_t
check_fsm_next(const struct check_fsm *f)
{
	if (f->probing)
		return (f->started + f->p.timeout);
	return (f->due);
}
