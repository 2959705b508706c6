/*
 * test_ha_replay.c: which authentic heartbeats are fresh, on a fake clock:
 * the decision table (fresh, replayed within the run, recorded before a
 * restart, out of window, wrong challenge), handshakes with loss, both
 * peers restarting at once, and a partner whose numbers went backwards
 * across a restart, as a boot epoch does when the clock is stepped back.
 */
#include <string.h>

#include "cfg.h"
#include "ha/ha.h"
#include "unit.h"

#define IV	200			/* interval, ms */
#define CNT	3			/* count */
#define WIN	(IV * (CNT + 1))	/* challenge window, as the daemon */

/* The heartbeat <from> sends at <now>, as ha_send_heartbeat builds it. */
static struct ha_hb
send_hb(struct ha_replay *from, uint64_t now)
{
	struct ha_hb	hb;

	memset(&hb, 0, sizeof hb);
	hb.seq = ha_replay_next(from, now);
	hb.echo = from->echo;
	if (ha_replay_hears(from, now))
		hb.flags |= HA_F_HEARS;
	return (hb);
}

/* A heartbeat with chosen numbers. */
static struct ha_hb
mk(uint64_t seq, uint64_t echo, uint8_t flags)
{
	struct ha_hb	hb;

	memset(&hb, 0, sizeof hb);
	hb.seq = seq;
	hb.echo = echo;
	hb.flags = flags;
	return (hb);
}

static enum ha_wire_err
check(struct ha_replay *r, struct ha_hb hb, uint64_t now, int *reply)
{
	return (ha_replay_check(r, &hb, now, reply));
}

/* Fresh, then copies and reorderings within the run. */
static void
test_ha_replay_fresh_and_replayed(void)
{
	struct ha_replay	r;
	int			reply;

	ha_replay_init(&r, 1000, WIN, 50);
	CU_ASSERT_EQUAL(ha_replay_next(&r, 100), 1000);
	CU_ASSERT_EQUAL(ha_replay_next(&r, 300), 1001);
	CU_ASSERT_FALSE(ha_replay_hears(&r, 300));
	/* Fresh: echoes our 1001; it does not hear us yet, so answer. */
	CU_ASSERT_EQUAL(check(&r, mk(7000, 1001, 0), 310, &reply), HA_RX_OK);
	CU_ASSERT_EQUAL(reply, 1);
	CU_ASSERT_EQUAL(r.echo, 7000);
	CU_ASSERT_TRUE(ha_replay_hears(&r, 310));
	/* The same packet again, or an older one: replayed. */
	CU_ASSERT_EQUAL(check(&r, mk(7000, 1001, HA_F_HEARS), 320, &reply),
	    HA_RX_REPLAYED);
	CU_ASSERT_EQUAL(reply, 0);
	CU_ASSERT_EQUAL(check(&r, mk(6999, 1001, 0), 320, &reply),
	    HA_RX_REPLAYED);
	/* A higher seq with an older echo comes from before: replayed. */
	CU_ASSERT_EQUAL(check(&r, mk(9000, 1000, 0), 320, &reply),
	    HA_RX_REPLAYED);
	/* It sent again before hearing our next one: same echo, seq up. */
	CU_ASSERT_EQUAL(check(&r, mk(7001, 1001, HA_F_HEARS), 330, &reply),
	    HA_RX_OK);
	CU_ASSERT_EQUAL(reply, 0);
	CU_ASSERT_EQUAL(r.echo, 7001);
	/* A newer echo with any seq is newer (the partner restarted). */
	CU_ASSERT_EQUAL(ha_replay_next(&r, 500), 1002);
	CU_ASSERT_EQUAL(check(&r, mk(3, 1002, 0), 510, &reply), HA_RX_OK);
	CU_ASSERT_EQUAL(check(&r, mk(7002, 1001, HA_F_HEARS), 520, &reply),
	    HA_RX_REPLAYED);
	CU_ASSERT_EQUAL(r.peer_seq, 3);
	CU_ASSERT_EQUAL(r.peer_echo, 1002);
	/* Sequence number 0 is never sent. */
	CU_ASSERT_EQUAL(check(&r, mk(0, 1002, 0), 530, &reply),
	    HA_RX_MALFORMED);
}

/* Echoes this run never sent, and echoes sent too long ago. */
static void
test_ha_replay_challenge_and_window(void)
{
	struct ha_replay	r;
	uint64_t		i, t;
	int			reply;

	ha_replay_init(&r, 500, WIN, 0);
	CU_ASSERT_EQUAL(check(&r, mk(9, 500, 0), 10, &reply),
	    HA_RX_CHALLENGE);		/* 500 is not sent yet */
	ha_replay_next(&r, 100);	/* 500 */
	ha_replay_next(&r, 300);	/* 501 */
	CU_ASSERT_EQUAL(check(&r, mk(10, 0, 0), 310, &reply),
	    HA_RX_CHALLENGE);		/* has not heard us yet */
	CU_ASSERT_EQUAL(check(&r, mk(11, 499, 0), 310, &reply),
	    HA_RX_CHALLENGE);		/* below our first */
	CU_ASSERT_EQUAL(check(&r, mk(12, 502, 0), 310, &reply),
	    HA_RX_CHALLENGE);		/* above our last */
	/* 500 was sent at 100: good until 100 + WIN, not after. */
	CU_ASSERT_EQUAL(check(&r, mk(13, 500, 0), 100 + WIN + 1, &reply),
	    HA_RX_WINDOW);
	CU_ASSERT_EQUAL(check(&r, mk(14, 500, 0), 100 + WIN, &reply),
	    HA_RX_OK);
	/* Beyond the ring is out of window whatever the times. */
	t = 1000;
	for (i = 0; i < HA_CHAL_RING; i++)
		ha_replay_next(&r, t);
	CU_ASSERT_EQUAL(r.seq, 501 + HA_CHAL_RING);
	CU_ASSERT_EQUAL(check(&r, mk(15, 501, 0), t, &reply), HA_RX_WINDOW);
	CU_ASSERT_EQUAL(check(&r, mk(16, 502, 0), t, &reply), HA_RX_OK);
}

/*
 * Heartbeats recorded before this process restarted echo numbers of the
 * earlier run: none is ever accepted, however many there are, and while
 * no partner answers, this process learns and answers at a bounded rate
 * (the daemon's limit), without believing anyone is there.
 */
static void
test_ha_replay_recorded_before_restart(void)
{
	struct ha_replay	old, r, s;
	struct ha_hb		rec[20];
	uint64_t		t;
	int			i, reply, ok = 0;

	/* Run 1: s and old talk; record what s sends. */
	ha_replay_init(&old, 40000, WIN, 0);
	ha_replay_init(&s, 90000, WIN, 0);
	for (i = 0, t = 0; i < 20; i++, t += IV) {
		struct ha_hb	a = send_hb(&old, t);

		check(&s, a, t + 1, &reply);
		rec[i] = send_hb(&s, t + 2);
		CU_ASSERT_EQUAL(check(&old, rec[i], t + 3, &reply), HA_RX_OK);
	}
	/* Run 2 starts with fresh numbers; s is gone, rec is replayed. */
	ha_replay_init(&r, 5000000, WIN, t);
	for (i = 0; i < 20; i++, t += IV) {
		send_hb(&r, t);
		if (check(&r, rec[i], t + 5, &reply) == HA_RX_OK)
			ok++;
		CU_ASSERT_EQUAL(reply, 1);	/* learned something new */
		CU_ASSERT_FALSE(ha_replay_hears(&r, t + 5));
	}
	CU_ASSERT_EQUAL(ok, 0);
	CU_ASSERT_EQUAL(r.valid, 0);
	/* The same refusals past the first window are worth a warning. */
	CU_ASSERT_FALSE(ha_replay_quiet(&r, t));
}

/* Both peers restart at once: one round trip, then steady state. */
static void
test_ha_replay_both_restart(void)
{
	struct ha_replay	a, b;
	struct ha_hb		h;
	uint64_t		t;
	int			reply, i;

	ha_replay_init(&a, 123456789, WIN, 0);
	ha_replay_init(&b, 42, WIN, 0);
	/* a's first heartbeat: b learns a's number and answers at once. */
	h = send_hb(&a, 0);
	CU_ASSERT_EQUAL(h.echo, 0);
	CU_ASSERT_EQUAL(check(&b, h, 1, &reply), HA_RX_CHALLENGE);
	CU_ASSERT_EQUAL(reply, 1);
	CU_ASSERT_TRUE(ha_replay_quiet(&b, 1));	/* expected, not warned */
	h = send_hb(&b, 1);
	CU_ASSERT_EQUAL(h.echo, 123456789);
	CU_ASSERT_EQUAL(h.flags & HA_F_HEARS, 0);
	/* a accepts and answers, since b does not hear a yet. */
	CU_ASSERT_EQUAL(check(&a, h, 2, &reply), HA_RX_OK);
	CU_ASSERT_EQUAL(reply, 1);
	h = send_hb(&a, 2);
	CU_ASSERT(h.flags & HA_F_HEARS);
	CU_ASSERT_EQUAL(check(&b, h, 3, &reply), HA_RX_OK);
	CU_ASSERT_EQUAL(reply, 0);
	CU_ASSERT_TRUE(ha_replay_hears(&a, 3));
	CU_ASSERT_TRUE(ha_replay_hears(&b, 3));
	CU_ASSERT_FALSE(ha_replay_quiet(&b, 3));
	/* Steady state: every heartbeat accepted, no extra ones. */
	for (i = 0, t = IV; i < 50; i++, t += IV) {
		CU_ASSERT_EQUAL(check(&b, send_hb(&a, t), t + 1, &reply),
		    HA_RX_OK);
		CU_ASSERT_EQUAL(reply, 0);
		CU_ASSERT_EQUAL(check(&a, send_hb(&b, t + 7), t + 8, &reply),
		    HA_RX_OK);
		CU_ASSERT_EQUAL(reply, 0);
	}
}

/*
 * Both restart at once and lose packets: every other heartbeat, and all
 * the immediate answers. The pair still hears each other within a few
 * intervals, and loss short of the window is no refusal.
 */
static void
test_ha_replay_loss(void)
{
	struct ha_replay	a, b;
	struct ha_hb		h;
	uint64_t		t;
	int			reply, i, a_at = -1, b_at = -1;

	ha_replay_init(&a, 1ULL << 40, WIN, 0);
	ha_replay_init(&b, 1ULL << 50, WIN, 0);
	for (i = 0, t = 0; i < 10; i++, t += IV) {
		h = send_hb(&a, t);
		if (i % 2 == 0)
			check(&b, h, t + 1, &reply);
		h = send_hb(&b, t + 100);
		if (i % 2 == 1)
			check(&a, h, t + 101, &reply);
		if (a_at < 0 && ha_replay_hears(&a, t + 101))
			a_at = i;
		if (b_at < 0 && ha_replay_hears(&b, t + 101))
			b_at = i;
	}
	CU_ASSERT(a_at >= 0 && a_at <= 2);
	CU_ASSERT(b_at >= 0 && b_at <= 3);
	/* b's heartbeats to a lost for count intervals: still in window. */
	for (i = 0; i < CNT; i++, t += IV)
		send_hb(&b, t);
	h = send_hb(&a, t);
	CU_ASSERT_EQUAL(check(&b, h, t + 1, &reply), HA_RX_OK);
	/* a's to b lost as long: b's echo lags, a still accepts it. */
	for (i = 0; i < CNT; i++, t += IV)
		send_hb(&a, t);
	h = send_hb(&b, t);
	CU_ASSERT_EQUAL(check(&a, h, t + 1, &reply), HA_RX_OK);
}

/*
 * The partner restarts while this process keeps running and still hears
 * its earlier run: its first heartbeats echo 0 and teach nothing (so
 * recorded ones could not either); its run learns our number from our
 * heartbeat and is accepted, although its numbers went down, as a boot
 * epoch read from a clock stepped back would. Copies of the earlier run
 * are then refused.
 */
static void
test_ha_replay_partner_restart_clock_back(void)
{
	struct ha_replay	r, s1, s2;
	struct ha_hb		h, old;
	int			reply;

	ha_replay_init(&r, 777, WIN, 0);
	ha_replay_init(&s1, 1ULL << 61, WIN, 0);
	check(&s1, send_hb(&r, 0), 1, &reply);
	CU_ASSERT_EQUAL(check(&r, send_hb(&s1, 2), 3, &reply), HA_RX_OK);
	check(&s1, send_hb(&r, 200), 201, &reply);
	old = send_hb(&s1, 202);
	CU_ASSERT_EQUAL(check(&r, old, 203, &reply), HA_RX_OK);
	/* s1 dies; s2 starts far lower. */
	ha_replay_init(&s2, 5, WIN, 300);
	h = send_hb(&s2, 300);
	CU_ASSERT_EQUAL(check(&r, h, 301, &reply), HA_RX_CHALLENGE);
	CU_ASSERT_EQUAL(reply, 0);		/* r still hears s1 */
	CU_ASSERT_EQUAL(r.echo, old.seq);	/* so it learned nothing */
	CU_ASSERT_TRUE(ha_replay_quiet(&r, 301));
	/* r's next heartbeat (echoing s1) teaches s2 r's number. */
	CU_ASSERT_EQUAL(check(&s2, send_hb(&r, 400), 401, &reply),
	    HA_RX_CHALLENGE);
	CU_ASSERT_EQUAL(reply, 1);
	h = send_hb(&s2, 401);
	CU_ASSERT(h.seq < old.seq);
	CU_ASSERT_EQUAL(check(&r, h, 402, &reply), HA_RX_OK);
	CU_ASSERT_EQUAL(reply, 1);		/* s2 does not hear r yet */
	CU_ASSERT_FALSE(ha_replay_quiet(&r, 402));
	CU_ASSERT_EQUAL(check(&s2, send_hb(&r, 402), 403, &reply), HA_RX_OK);
	/* s1's recorded heartbeat, replayed now: refused. */
	CU_ASSERT_EQUAL(check(&r, old, 500, &reply), HA_RX_REPLAYED);
	CU_ASSERT_EQUAL(r.peer_seq, h.seq);
}

/*
 * Once the partner is lost for longer than the window (a partition),
 * learning resumes; quiet refusals last one window, then warn.
 */
static void
test_ha_replay_partition_heals(void)
{
	struct ha_replay	a, b;
	uint64_t		t;
	int			reply, i;

	ha_replay_init(&a, 1000, WIN, 0);
	ha_replay_init(&b, 2000, WIN, 0);
	check(&b, send_hb(&a, 0), 1, &reply);
	check(&a, send_hb(&b, 1), 2, &reply);
	check(&b, send_hb(&a, 2), 3, &reply);
	CU_ASSERT_TRUE(ha_replay_hears(&a, 3) && ha_replay_hears(&b, 3));
	/* Ten seconds apart: every echo is stale on both sides. */
	for (i = 0, t = 0; i < 50; i++, t += IV) {
		send_hb(&a, t);
		send_hb(&b, t);
	}
	t = 10000;
	CU_ASSERT_EQUAL(check(&b, send_hb(&a, t), t + 1, &reply),
	    HA_RX_WINDOW);
	CU_ASSERT_EQUAL(reply, 1);		/* b learns, answers */
	CU_ASSERT_TRUE(ha_replay_quiet(&b, t + 1));
	CU_ASSERT_EQUAL(check(&a, send_hb(&b, t + 1), t + 2, &reply),
	    HA_RX_OK);
	CU_ASSERT_EQUAL(check(&b, send_hb(&a, t + 2), t + 3, &reply),
	    HA_RX_OK);
	CU_ASSERT_FALSE(ha_replay_quiet(&b, t + 3));
	/* Refusals that go on past the window are no longer quiet. */
	CU_ASSERT_EQUAL(check(&b, mk(5, 1, 0), t + 4, &reply),
	    HA_RX_CHALLENGE);
	CU_ASSERT_TRUE(ha_replay_quiet(&b, t + 4 + WIN));
	CU_ASSERT_FALSE(ha_replay_quiet(&b, t + 5 + WIN));
}

static CU_TestInfo tests[] = {
	{ "fresh, and replayed within the run",
	    test_ha_replay_fresh_and_replayed },
	{ "wrong challenge, out of window",
	    test_ha_replay_challenge_and_window },
	{ "recorded before a restart", test_ha_replay_recorded_before_restart },
	{ "both peers restart at once", test_ha_replay_both_restart },
	{ "packet loss", test_ha_replay_loss },
	{ "partner restart with lower numbers (clock stepped back)",
	    test_ha_replay_partner_restart_clock_back },
	{ "partition heals", test_ha_replay_partition_heals },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(ha_replay_suite, "ha_replay", tests)
