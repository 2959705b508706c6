/*
 * test_ha_fsm.c: the role state machine, driven by a fake clock: time is
 * just a number handed to each call, so nothing sleeps.
 */
#include <arpa/inet.h>
#include <string.h>

#include "cfg.h"
#include "ha/ha.h"
#include "unit.h"

#define IV	200		/* interval, ms */
#define CNT	3		/* count */
#define DEAD	(IV * CNT)

/* What the state machine told the "daemon". */
static struct {
	int		n;		/* transitions */
	int		reannounce;	/* same-state ACTIVE calls */
	enum ha_state	from, to;
	char		reason[160];
} seen;

static void
record_cb(void *arg, enum ha_state from, enum ha_state to,
    const char *reason)
{
	if (from == to) {
		seen.reannounce++;
		return;
	}
	seen.n++;
	seen.from = from;
	seen.to = to;
	strlcpy(seen.reason, reason, sizeof seen.reason);
}

/* A state machine for a peer with the given default role, at time 0. */
static void
fsm_new(struct ha_fsm *f, int primary, int failback, uint64_t delay)
{
	struct ha_fsm_params	p;

	memset(&seen, 0, sizeof seen);
	memset(&p, 0, sizeof p);
	p.primary = primary;
	p.failback = failback;
	p.failback_delay = delay;
	p.interval = IV;
	p.count = CNT;
	p.self_wins_tie = primary;
	ha_fsm_init(f, &p, record_cb, NULL, 1000);
}

/* A heartbeat from the partner. */
static void
hb(struct ha_fsm *f, uint64_t now, enum ha_state st, int primary,
    uint8_t flags)
{
	struct ha_hb	h;

	memset(&h, 0, sizeof h);
	h.sender.af = AF_INET;
	inet_pton(AF_INET, primary ? "198.18.0.1" : "198.18.0.2",
	    &h.sender.u.v4);
	h.state = st;
	h.role = primary ? HA_ROLE_PRIMARY : HA_ROLE_BACKUP;
	h.flags = flags;
	h.interval = IV;
	ha_fsm_heartbeat(f, &h, now);
}

static void
test_ha_fsm_start_alone(void)
{
	struct ha_fsm	f;

	fsm_new(&f, 0, 1, 1000);
	ha_fsm_tick(&f, 1000 + DEAD);
	CU_ASSERT_EQUAL(f.state, HA_INIT);
	ha_fsm_tick(&f, 1000 + DEAD + 1);
	CU_ASSERT_EQUAL(f.state, HA_ACTIVE);
	CU_ASSERT_EQUAL(f.cause, HA_C_START);
	CU_ASSERT_EQUAL(seen.n, 1);
}

static void
test_ha_fsm_start_together(void)
{
	struct ha_fsm	a, b;

	/* Both start; each hears the other in INIT first. */
	fsm_new(&a, 1, 1, 1000);
	hb(&a, 1050, HA_INIT, 0, HA_F_HEALTHY);
	CU_ASSERT_EQUAL(a.state, HA_ACTIVE);
	fsm_new(&b, 0, 1, 1000);
	hb(&b, 1050, HA_INIT, 1, HA_F_HEALTHY);
	CU_ASSERT_EQUAL(b.state, HA_STANDBY);
	/* b then hears a ACTIVE and stays standby. */
	hb(&b, 1250, HA_ACTIVE, 1, HA_F_HEALTHY);
	CU_ASSERT_EQUAL(b.state, HA_STANDBY);
	/* The primary starting while the backup is already active. */
	fsm_new(&a, 1, 0, 1000);
	hb(&a, 1050, HA_ACTIVE, 0, HA_F_HEALTHY);
	CU_ASSERT_EQUAL(a.state, HA_STANDBY);
}

static void
test_ha_fsm_takeover_after_count(void)
{
	struct ha_fsm	b;
	uint64_t	t;

	fsm_new(&b, 0, 1, 1000);
	for (t = 1000; t <= 2000; t += IV)
		hb(&b, t, HA_ACTIVE, 1, HA_F_HEALTHY);
	CU_ASSERT_EQUAL(b.state, HA_STANDBY);
	/* Last heartbeat at 2000: still standby at exactly count missed. */
	ha_fsm_tick(&b, 2000 + DEAD);
	CU_ASSERT_EQUAL(b.state, HA_STANDBY);
	CU_ASSERT_TRUE(ha_fsm_peer_alive(&b, 2000 + DEAD));
	ha_fsm_tick(&b, 2000 + DEAD + 1);
	CU_ASSERT_EQUAL(b.state, HA_ACTIVE);
	CU_ASSERT_EQUAL(b.cause, HA_C_PEER_SILENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(seen.reason, "no heartbeat from "
	    "198.18.0.1"));
	CU_ASSERT_EQUAL(b.takeovers, 1);
}

static void
test_ha_fsm_failback_yes(void)
{
	struct ha_fsm	a;
	uint64_t	t;

	fsm_new(&a, 1, 1, 1000);
	hb(&a, 1100, HA_ACTIVE, 0, HA_F_HEALTHY);
	CU_ASSERT_EQUAL(a.state, HA_STANDBY);
	/* The delay runs from the first heartbeat seen as standby. */
	hb(&a, 1300, HA_ACTIVE, 0, HA_F_HEALTHY);
	CU_ASSERT_EQUAL(a.failback_at, 2300);
	for (t = 1500; t < 2300; t += IV)
		hb(&a, t, HA_ACTIVE, 0, HA_F_HEALTHY);
	ha_fsm_tick(&a, 2299);
	CU_ASSERT_EQUAL(a.state, HA_STANDBY);
	hb(&a, 2300, HA_ACTIVE, 0, HA_F_HEALTHY);
	CU_ASSERT_EQUAL(a.state, HA_ACTIVE);
	CU_ASSERT_EQUAL(a.cause, HA_C_FAILBACK);
}

static void
test_ha_fsm_failback_no(void)
{
	struct ha_fsm	a;
	uint64_t	t;

	fsm_new(&a, 1, 0, 1000);
	for (t = 1100; t < 20000; t += IV)
		hb(&a, t, HA_ACTIVE, 0, HA_F_HEALTHY);
	CU_ASSERT_EQUAL(a.state, HA_STANDBY);
	CU_ASSERT_EQUAL(seen.n, 1);
	/* The backup never fails back to itself either. */
	fsm_new(&a, 0, 1, 0);
	hb(&a, 1100, HA_ACTIVE, 1, HA_F_HEALTHY);
	hb(&a, 5000, HA_ACTIVE, 1, HA_F_HEALTHY);
	CU_ASSERT_EQUAL(a.state, HA_STANDBY);
}

static void
test_ha_fsm_split_brain(void)
{
	struct ha_fsm	a, b;

	/* The primary, active, hears the backup active too: keeps. */
	fsm_new(&a, 1, 0, 0);
	ha_fsm_tick(&a, 1000 + DEAD + 1);
	CU_ASSERT_EQUAL(a.state, HA_ACTIVE);
	hb(&a, 5000, HA_ACTIVE, 0, HA_F_HEALTHY);
	CU_ASSERT_EQUAL(a.state, HA_ACTIVE);
	CU_ASSERT_EQUAL(seen.reannounce, 1);
	hb(&a, 5200, HA_ACTIVE, 0, HA_F_HEALTHY);
	CU_ASSERT_EQUAL(seen.reannounce, 1);	/* once per episode */
	/* The backup, active, hears the primary active: releases. */
	fsm_new(&b, 0, 0, 0);
	ha_fsm_tick(&b, 1000 + DEAD + 1);
	CU_ASSERT_EQUAL(b.state, HA_ACTIVE);
	hb(&b, 5000, HA_ACTIVE, 1, HA_F_HEALTHY);
	CU_ASSERT_EQUAL(b.state, HA_STANDBY);
	CU_ASSERT_EQUAL(b.cause, HA_C_SPLIT);
	/* A foreign ARP claim: the backup waits for the preferred partner. */
	fsm_new(&b, 0, 0, 0);
	ha_fsm_tick(&b, 1000 + DEAD + 1);
	CU_ASSERT_EQUAL(ha_fsm_conflict(&b, 1700), 1);	/* no partner */
	hb(&b, 1800, HA_STANDBY, 1, HA_F_HEALTHY);
	CU_ASSERT_EQUAL(ha_fsm_conflict(&b, 1800), 2);
	CU_ASSERT_EQUAL(b.state, HA_ACTIVE);
}

static void
test_ha_fsm_tracking(void)
{
	struct ha_fsm	a;

	fsm_new(&a, 1, 0, 0);
	hb(&a, 1100, HA_INIT, 0, HA_F_HEALTHY);
	CU_ASSERT_EQUAL(a.state, HA_ACTIVE);
	hb(&a, 1300, HA_STANDBY, 0, HA_F_HEALTHY);
	/* Service down while the partner is healthy: FAULT. */
	ha_fsm_health(&a, 0, "198.18.0.1:8081", 1350);
	CU_ASSERT_EQUAL(a.state, HA_FAULT);
	CU_ASSERT_EQUAL(a.cause, HA_C_HEALTH);
	CU_ASSERT_EQUAL(ha_fsm_flags(&a) & HA_F_HEALTHY, 0);
	ha_fsm_health(&a, 1, NULL, 1500);
	CU_ASSERT_EQUAL(a.state, HA_STANDBY);
	/* Service down but the partner is gone: keep serving. */
	fsm_new(&a, 1, 0, 0);
	ha_fsm_tick(&a, 1000 + DEAD + 1);
	CU_ASSERT_EQUAL(a.state, HA_ACTIVE);
	ha_fsm_health(&a, 0, "x", 2000);
	CU_ASSERT_EQUAL(a.state, HA_ACTIVE);
	/* ... until a healthy partner shows up. */
	hb(&a, 2100, HA_STANDBY, 0, HA_F_HEALTHY);
	CU_ASSERT_EQUAL(a.state, HA_FAULT);
	/* The standby takes over from a partner in FAULT at once. */
	fsm_new(&a, 0, 0, 0);
	hb(&a, 1100, HA_ACTIVE, 1, HA_F_HEALTHY);
	CU_ASSERT_EQUAL(a.state, HA_STANDBY);
	hb(&a, 1300, HA_FAULT, 1, 0);
	CU_ASSERT_EQUAL(a.state, HA_ACTIVE);
	CU_ASSERT_EQUAL(a.cause, HA_C_PEER_FAULT);
}

static void
test_ha_fsm_link(void)
{
	struct ha_fsm	a;

	fsm_new(&a, 1, 0, 0);
	ha_fsm_tick(&a, 1000 + DEAD + 1);
	ha_fsm_link(&a, 0, 2000);
	CU_ASSERT_EQUAL(a.state, HA_FAULT);
	CU_ASSERT_EQUAL(a.cause, HA_C_LINK);
	ha_fsm_link(&a, 1, 2500);
	CU_ASSERT_EQUAL(a.state, HA_STANDBY);
	CU_ASSERT_EQUAL(a.cause, HA_C_LINK);
}

static void
test_ha_fsm_manual(void)
{
	struct ha_fsm	 a, b;
	const char	*cause;

	/* b is standby; takeover by hand, force flag set. */
	fsm_new(&b, 0, 1, 0);
	hb(&b, 1100, HA_ACTIVE, 1, HA_F_HEALTHY);
	CU_ASSERT_EQUAL(ha_fsm_takeover(&b, 1200, &cause), 0);
	CU_ASSERT_EQUAL(b.state, HA_ACTIVE);
	CU_ASSERT_TRUE(ha_fsm_flags(&b) & HA_F_FORCE);
	CU_ASSERT_EQUAL(ha_fsm_takeover(&b, 1200, &cause), -1);
	/* The primary, active, sees the forced partner: releases, yields. */
	fsm_new(&a, 1, 1, 0);
	hb(&a, 1100, HA_STANDBY, 0, HA_F_HEALTHY);
	CU_ASSERT_EQUAL(a.state, HA_ACTIVE);
	hb(&a, 1300, HA_ACTIVE, 0, HA_F_HEALTHY | HA_F_FORCE);
	CU_ASSERT_EQUAL(a.state, HA_STANDBY);
	CU_ASSERT_TRUE(ha_fsm_flags(&a) & HA_F_YIELD);
	/* ... and does not fail back while yielding. */
	hb(&a, 9000, HA_ACTIVE, 0, HA_F_HEALTHY);
	CU_ASSERT_EQUAL(a.state, HA_STANDBY);
	/* b clears its force flag once a is standby. */
	hb(&b, 1400, HA_STANDBY, 1, HA_F_HEALTHY | HA_F_YIELD);
	CU_ASSERT_FALSE(ha_fsm_flags(&b) & HA_F_FORCE);
	/* Release: b goes standby and yields; a takes the yielded service. */
	CU_ASSERT_EQUAL(ha_fsm_release(&b, 1500, &cause), 0);
	CU_ASSERT_EQUAL(b.state, HA_STANDBY);
	hb(&a, 9100, HA_STANDBY, 0, HA_F_HEALTHY | HA_F_YIELD);
	CU_ASSERT_EQUAL(a.state, HA_ACTIVE);
	/* No release without a healthy partner. */
	ha_fsm_tick(&a, 9100 + DEAD + 1);
	CU_ASSERT_EQUAL(ha_fsm_release(&a, 9100 + DEAD + 1, &cause), -1);
	CU_ASSERT_EQUAL(a.state, HA_ACTIVE);
}

static CU_TestInfo tests[] = {
	{ "start alone", test_ha_fsm_start_alone },
	{ "start together: one active", test_ha_fsm_start_together },
	{ "takeover after count missed", test_ha_fsm_takeover_after_count },
	{ "failback yes after the delay", test_ha_fsm_failback_yes },
	{ "failback no keeps roles", test_ha_fsm_failback_no },
	{ "split brain: the primary keeps", test_ha_fsm_split_brain },
	{ "tracked services", test_ha_fsm_tracking },
	{ "link down and up", test_ha_fsm_link },
	{ "manual takeover and release", test_ha_fsm_manual },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(ha_fsm_suite, "ha_fsm", tests)
