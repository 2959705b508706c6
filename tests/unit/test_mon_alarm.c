/*
 * test_mon_alarm.c: the alive timer on a fake clock (time is a number
 * handed to each call): on-time raising, clearing, per-device and
 * per-site timeouts, and a few thousand sites against a brute-force
 * model.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/mon_alarm.h"
#include "unit.h"

#define TMO	180000		/* alive-timeout, ms */

struct seen_ev {
	char			 site[MON_SITE_MAX + 1];
	char			 dev[MON_NAME_MAX + 1];	/* "" for the site */
	enum mon_site_state	 from, to;
	uint64_t		 last, when;
};

static struct {
	struct seen_ev	 ev[64];
	int		 n;
	int		 total;
	int		 site_silent, site_ok;
} seen;

static void
record_cb(void *arg, const char *site, const char *dev,
    enum mon_site_state from, enum mon_site_state to, uint64_t last,
    uint64_t when)
{
	struct seen_ev	*e;

	seen.total++;
	if (dev == NULL && to == MON_SITE_SILENT)
		seen.site_silent++;
	if (dev == NULL && to == MON_SITE_OK)
		seen.site_ok++;
	if (seen.n == (int)(sizeof seen.ev / sizeof seen.ev[0]))
		return;
	e = &seen.ev[seen.n++];
	strlcpy(e->site, site, sizeof e->site);
	strlcpy(e->dev, dev != NULL ? dev : "", sizeof e->dev);
	e->from = from;
	e->to = to;
	e->last = last;
	e->when = when;
}

static void
seen_reset(void)
{
	memset(&seen, 0, sizeof seen);
}

/* Check recorded event <i>. */
static void
check_ev(int i, const char *site, const char *dev, enum mon_site_state from,
    enum mon_site_state to, uint64_t when)
{
	CU_ASSERT_FATAL(i < seen.n);
	CU_ASSERT_STRING_EQUAL(seen.ev[i].site, site);
	CU_ASSERT_STRING_EQUAL(seen.ev[i].dev, dev);
	CU_ASSERT_EQUAL(seen.ev[i].from, from);
	CU_ASSERT_EQUAL(seen.ev[i].to, to);
	CU_ASSERT_EQUAL(seen.ev[i].when, when);
}

static void
report(struct mon_alarm *al, const char *site, const char *dev, uint64_t now)
{
	const char	*cause;

	CU_ASSERT_EQUAL(mon_alarm_report(al, site, dev, now, &cause), 0);
}

/* Raised exactly at the deadline, not a millisecond before; cleared by
 * the next report. */
static void
test_mon_alarm_raise_clear(void)
{
	struct mon_alarm	*al = mon_alarm_new(record_cb, NULL);

	seen_reset();
	CU_ASSERT_EQUAL(mon_alarm_site_add(al, "osaka", TMO, 0), 0);
	CU_ASSERT_EQUAL(mon_alarm_site_state(al, "osaka"), MON_SITE_UNKNOWN);
	report(al, "osaka", "a", 1000);
	CU_ASSERT_EQUAL(seen.n, 2);
	check_ev(0, "osaka", "a", MON_SITE_UNKNOWN, MON_SITE_OK, 1000);
	check_ev(1, "osaka", "", MON_SITE_UNKNOWN, MON_SITE_OK, 1000);
	CU_ASSERT_EQUAL(mon_alarm_next(al), 1000 + TMO);
	report(al, "osaka", "a", 61000);
	CU_ASSERT_EQUAL(seen.n, 2);
	CU_ASSERT_EQUAL(mon_alarm_next(al), 61000 + TMO);
	mon_alarm_tick(al, 61000 + TMO - 1);
	CU_ASSERT_EQUAL(seen.n, 2);
	CU_ASSERT_EQUAL(mon_alarm_site_state(al, "osaka"), MON_SITE_OK);
	mon_alarm_tick(al, 61000 + TMO);
	CU_ASSERT_EQUAL(seen.n, 4);
	check_ev(2, "osaka", "a", MON_SITE_OK, MON_SITE_SILENT, 61000 + TMO);
	CU_ASSERT_EQUAL(seen.ev[2].last, 61000);
	check_ev(3, "osaka", "", MON_SITE_OK, MON_SITE_SILENT, 61000 + TMO);
	CU_ASSERT_EQUAL(mon_alarm_site_state(al, "osaka"), MON_SITE_SILENT);
	CU_ASSERT_EQUAL(mon_alarm_next(al), MON_ALARM_NEVER);
	/* Silent stays silent: no repeated alarm. */
	mon_alarm_tick(al, 10 * TMO);
	CU_ASSERT_EQUAL(seen.n, 4);
	report(al, "osaka", "a", 10 * TMO + 5);
	CU_ASSERT_EQUAL(seen.n, 6);
	check_ev(4, "osaka", "a", MON_SITE_SILENT, MON_SITE_OK, 10 * TMO + 5);
	check_ev(5, "osaka", "", MON_SITE_SILENT, MON_SITE_OK, 10 * TMO + 5);
	mon_alarm_free(al);
}

/* A site is silent only when all its devices are. */
static void
test_mon_alarm_two_devices(void)
{
	struct mon_alarm	*al = mon_alarm_new(record_cb, NULL);

	seen_reset();
	mon_alarm_site_add(al, "kyoto", TMO, 0);
	report(al, "kyoto", "a", 10000);
	report(al, "kyoto", "b", 50000);
	CU_ASSERT_EQUAL(seen.n, 3);	/* a, site, b */
	check_ev(2, "kyoto", "b", MON_SITE_UNKNOWN, MON_SITE_OK, 50000);
	mon_alarm_tick(al, 10000 + TMO);
	CU_ASSERT_EQUAL(seen.n, 4);
	check_ev(3, "kyoto", "a", MON_SITE_OK, MON_SITE_SILENT, 10000 + TMO);
	CU_ASSERT_EQUAL(mon_alarm_site_state(al, "kyoto"), MON_SITE_OK);
	CU_ASSERT_EQUAL(mon_alarm_device_state(al, "kyoto", "a"),
	    MON_SITE_SILENT);
	CU_ASSERT_EQUAL(mon_alarm_device_state(al, "kyoto", "b"),
	    MON_SITE_OK);
	CU_ASSERT_EQUAL(mon_alarm_device_state(al, "kyoto", "c"),
	    MON_SITE_UNKNOWN);
	mon_alarm_tick(al, 50000 + TMO);
	CU_ASSERT_EQUAL(seen.n, 6);
	check_ev(4, "kyoto", "b", MON_SITE_OK, MON_SITE_SILENT, 50000 + TMO);
	check_ev(5, "kyoto", "", MON_SITE_OK, MON_SITE_SILENT, 50000 + TMO);
	/* One device back clears the site. */
	report(al, "kyoto", "b", 300000);
	CU_ASSERT_EQUAL(seen.n, 8);
	check_ev(7, "kyoto", "", MON_SITE_SILENT, MON_SITE_OK, 300000);
	CU_ASSERT_EQUAL(mon_alarm_device_state(al, "kyoto", "a"),
	    MON_SITE_SILENT);
	mon_alarm_free(al);
}

/* A site never heard from is silent once its first timeout is over. */
static void
test_mon_alarm_never_heard(void)
{
	struct mon_alarm	*al = mon_alarm_new(record_cb, NULL);

	seen_reset();
	mon_alarm_site_add(al, "nara", TMO, 5000);
	mon_alarm_tick(al, 5000 + TMO - 1);
	CU_ASSERT_EQUAL(seen.n, 0);
	mon_alarm_tick(al, 5000 + TMO);
	CU_ASSERT_EQUAL(seen.n, 1);
	check_ev(0, "nara", "", MON_SITE_UNKNOWN, MON_SITE_SILENT,
	    5000 + TMO);
	CU_ASSERT_EQUAL(seen.ev[0].last, 0);
	mon_alarm_free(al);
}

/* Each site has its own timeout; a reload may change it. */
static void
test_mon_alarm_site_timeouts(void)
{
	struct mon_alarm	*al = mon_alarm_new(record_cb, NULL);
	const char		*cause;

	seen_reset();
	mon_alarm_site_add(al, "fast", 60000, 0);
	mon_alarm_site_add(al, "slow", 300000, 0);
	CU_ASSERT_EQUAL(mon_alarm_site_add(al, "slow", 1, 0), -1);
	CU_ASSERT_EQUAL(mon_alarm_site_add(al, "Bad", 1, 0), -1);
	CU_ASSERT_EQUAL(mon_alarm_nsites(al), 2);
	report(al, "fast", "a", 0);
	report(al, "slow", "a", 0);
	seen_reset();
	mon_alarm_tick(al, 60000);
	CU_ASSERT_EQUAL(seen.site_silent, 1);
	CU_ASSERT_EQUAL(mon_alarm_site_state(al, "fast"), MON_SITE_SILENT);
	CU_ASSERT_EQUAL(mon_alarm_site_state(al, "slow"), MON_SITE_OK);
	/* Longer: the deadline moves out from the last report. */
	CU_ASSERT_EQUAL(mon_alarm_site_timeout(al, "slow", 600000, 100000), 0);
	CU_ASSERT_EQUAL(mon_alarm_next(al), 600000);
	mon_alarm_tick(al, 599999);
	CU_ASSERT_EQUAL(seen.site_silent, 1);
	/* Shorter: overdue at once on the next tick, dated at the deadline. */
	CU_ASSERT_EQUAL(mon_alarm_site_timeout(al, "slow", 1000, 599999), 0);
	mon_alarm_tick(al, 599999);
	CU_ASSERT_EQUAL(seen.site_silent, 2);
	CU_ASSERT_EQUAL(seen.ev[seen.n - 1].when, 1000);
	CU_ASSERT_EQUAL(mon_alarm_site_timeout(al, "none", 1, 0), -1);
	/* Removed sites are forgotten, their deadlines too. */
	report(al, "slow", "a", 700000);
	CU_ASSERT_EQUAL(mon_alarm_site_remove(al, "slow"), 0);
	CU_ASSERT_EQUAL(mon_alarm_site_remove(al, "slow"), -1);
	CU_ASSERT_EQUAL(mon_alarm_next(al), MON_ALARM_NEVER);
	CU_ASSERT_EQUAL(mon_alarm_report(al, "slow", "a", 1, &cause), -1);
	CU_ASSERT_STRING_EQUAL(cause, "site not watched");
	CU_ASSERT_EQUAL(mon_alarm_nsites(al), 1);
	mon_alarm_free(al);
}

static void
test_mon_alarm_device_limit(void)
{
	struct mon_alarm	*al = mon_alarm_new(NULL, NULL);
	const char		*cause;
	char			 name[16];
	int			 i;

	mon_alarm_site_add(al, "big", TMO, 0);
	for (i = 0; i < MON_ALARM_MAXDEV; i++) {
		snprintf(name, sizeof name, "d%d", i);
		report(al, "big", name, 1);
	}
	CU_ASSERT_EQUAL(mon_alarm_report(al, "big", "one-more", 1, &cause),
	    -1);
	CU_ASSERT_STRING_EQUAL(cause, "too many devices for one site");
	report(al, "big", "d3", 2);
	CU_ASSERT_EQUAL(mon_alarm_report(al, "big", "bad name", 1, &cause),
	    -1);
	mon_alarm_free(al);
}

/*
 * 3000 sites of two devices with timeouts of 60 to 299 s, driven for an
 * hour of fake time in irregular steps: devices report on their own
 * periods, a third of the sites go quiet for a while. Each transition
 * must match a brute-force model that scans every device.
 */
#define NSITES	3000
static void
test_mon_alarm_many_sites(void)
{
	struct mon_alarm	*al = mon_alarm_new(record_cb, NULL);
	static uint64_t		 last[NSITES][2], tmo[NSITES];
	static int		 silent[NSITES];
	static char		 names[NSITES][16];
	uint64_t		 now, prev = 0, period, step = 0;
	int			 i, d, want_silent = 0, want_ok = 0, model;

	seen_reset();
	for (i = 0; i < NSITES; i++) {
		snprintf(names[i], sizeof names[i], "site-%d", i);
		tmo[i] = 60000 + (uint64_t)(i % 240) * 1000;
		CU_ASSERT_EQUAL(mon_alarm_site_add(al, names[i], tmo[i], 0), 0);
		silent[i] = 0;
	}
	for (now = 0; now <= 3600000; prev = now, now += 700 + step % 2300) {
		step += 977;
		for (i = 0; i < NSITES; i++) {
			/* A third of the sites fall quiet for 20 minutes. */
			if (i % 3 == 0 && now > 1200000 && now < 2400000)
				continue;
			for (d = 0; d < 2; d++) {
				/* Report when a period boundary was crossed. */
				period = 20000 + (uint64_t)(i * 7 + d) % 50000;
				if (now != 0 && now / period == prev / period)
					continue;
				report(al, names[i], d == 0 ? "a" : "b", now);
				last[i][d] = now;
				if (silent[i])
					want_ok++;
				silent[i] = 0;
			}
		}
		mon_alarm_tick(al, now);
		/* The model: silent once both devices are past the timeout. */
		for (i = 0; i < NSITES; i++) {
			model = last[i][0] + tmo[i] <= now &&
			    last[i][1] + tmo[i] <= now;
			if (model && !silent[i]) {
				silent[i] = 1;
				want_silent++;
			}
			CU_ASSERT_EQUAL_FATAL(silent[i], model);
		}
		CU_ASSERT_EQUAL_FATAL(seen.site_silent, want_silent);
		CU_ASSERT_EQUAL_FATAL(seen.site_ok, want_ok + NSITES);
	}
	fprintf(stderr, "\n%d sites: %d alarms raised, %d cleared, %d "
	    "transitions ", NSITES, want_silent, want_ok, seen.total);
	CU_ASSERT(want_silent >= NSITES / 3);
	CU_ASSERT(want_ok >= NSITES / 3);
	CU_ASSERT(mon_alarm_next(al) > prev);
	mon_alarm_free(al);
}

static CU_TestInfo tests[] = {
	{ "test_mon_alarm_raise_clear", test_mon_alarm_raise_clear },
	{ "test_mon_alarm_two_devices", test_mon_alarm_two_devices },
	{ "test_mon_alarm_never_heard", test_mon_alarm_never_heard },
	{ "test_mon_alarm_site_timeouts", test_mon_alarm_site_timeouts },
	{ "test_mon_alarm_device_limit", test_mon_alarm_device_limit },
	{ "test_mon_alarm_many_sites", test_mon_alarm_many_sites },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(mon_alarm_suite, "mon_alarm", tests)
