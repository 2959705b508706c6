/*
 * test_mon_snap.c: the agent's snapshot and its events, on the answers
 * the daemons' control sockets gave (tests/data/monitor/ctl_*.txt, taken
 * from the daemons): each parser, the report's status made from them,
 * the saved form, and the events the diff makes of each change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/mon_agent.h"
#include "unit.h"

/* A string and its length, for the parsers. */
#define TXT(s)	(s), strlen(s)

struct evs {
	char	 text[4096];
	int	 n;
};

static void
ev_cb(void *arg, enum mon_ev_kind kind, const char *text)
{
	struct evs	*e = arg;
	size_t		 len = strlen(e->text);

	snprintf(e->text + len, sizeof e->text - len, "%s: %s\n",
	    mon_event_kind_name(kind), text);
	e->n++;
}

/* Parse canned file <name> with <fn> into <s>; the parser's result. */
static int
canned(struct mon_snap *s, const char *name,
    int (*fn)(struct mon_snap *, const char *, size_t, const char **))
{
	const char	*cause = NULL;
	char		 path[256], *text;
	size_t		 len;
	int		 rv;

	snprintf(path, sizeof path, "monitor/%s", name);
	text = unit_slurp(unit_data(path), &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	rv = fn(s, text, len, &cause);
	if (rv == -1)
		fprintf(stderr, "\n%s: %s\n", name, cause);
	free(text);
	return (rv);
}

static void
diff(const struct mon_snap *o, const struct mon_snap *n, struct evs *e)
{
	memset(e, 0, sizeof *e);
	mon_snap_diff(o, n, ev_cb, e);
}

static void
test_mon_snap_ha_parse(void)
{
	struct mon_snap	s;
	const char	*cause;

	mon_snap_init(&s);
	CU_ASSERT_EQUAL(canned(&s, "ctl_ha_a_active.txt", mon_snap_ha), 0);
	CU_ASSERT_EQUAL(s.ha, MON_D_UP);
	CU_ASSERT_EQUAL(s.role, MON_ROLE_ACTIVE);
	CU_ASSERT_EQUAL(s.partner, MON_PARTNER_UP);
	CU_ASSERT_EQUAL(s.self_default, MON_DEF_PRIMARY);
	CU_ASSERT_EQUAL(s.partner_default, MON_DEF_BACKUP);
	CU_ASSERT_STRING_EQUAL(s.partner_name, "198.18.0.2");
	CU_ASSERT_EQUAL(s.takeovers, 1);
	CU_ASSERT_EQUAL(s.ntrack, 1);
	CU_ASSERT_STRING_EQUAL(s.track[0].name, "198.18.0.1:8080");
	CU_ASSERT_EQUAL(s.track[0].state, MON_S_UP);
	CU_ASSERT_PTR_NOT_NULL(strstr(s.reason, "preferred active"));

	CU_ASSERT_EQUAL(canned(&s, "ctl_ha_b_takeover.txt", mon_snap_ha), 0);
	CU_ASSERT_EQUAL(s.role, MON_ROLE_ACTIVE);
	CU_ASSERT_EQUAL(s.partner, MON_PARTNER_DOWN);
	CU_ASSERT_EQUAL(s.self_default, MON_DEF_BACKUP);

	CU_ASSERT_EQUAL(canned(&s, "ctl_ha_single.txt", mon_snap_ha), 0);
	CU_ASSERT_EQUAL(s.role, MON_ROLE_SINGLE);
	CU_ASSERT_EQUAL(s.partner, MON_PARTNER_NONE);

	/* The partner's heartbeats carry another configuration. */
	CU_ASSERT_EQUAL(mon_snap_ha(&s, TXT("self a state ACTIVE default "
	    "primary since 1s\npartner-config matches\n"), &cause), 0);
	CU_ASSERT_FALSE(s.cfg_differs);
	CU_ASSERT_EQUAL(mon_snap_ha(&s, TXT("self a state ACTIVE default "
	    "primary since 1s\npartner-config MISMATCH (check both config "
	    "files)\n"), &cause), 0);
	CU_ASSERT_TRUE(s.cfg_differs);

	/* Not twin-ha's, or a counter that is not a number. */
	CU_ASSERT_EQUAL(mon_snap_ha(&s, TXT("hello\n"), &cause), -1);
	CU_ASSERT_EQUAL(mon_snap_ha(&s, TXT(""), &cause), -1);
	CU_ASSERT_EQUAL(mon_snap_ha(&s, TXT("self a state ACTIVE default "
	    "primary since 1s\ncounters transitions 1 takeovers x1\n"),
	    &cause), -1);
}

static void
test_mon_snap_others_parse(void)
{
	struct mon_snap	s;
	struct mon_report r;
	const char	*cause;

	mon_snap_init(&s);
	CU_ASSERT_EQUAL(canned(&s, "ctl_proxy_stats.txt", mon_snap_proxy), 0);
	CU_ASSERT_EQUAL(s.proxy, MON_D_UP);
	CU_ASSERT_EQUAL(s.requests, 0);
	CU_ASSERT_EQUAL(canned(&s, "ctl_cache_stats.txt", mon_snap_cache), 0);
	CU_ASSERT_TRUE(s.cache);
	CU_ASSERT_EQUAL(s.disk_rejected, 0);
	CU_ASSERT_EQUAL(mon_snap_proxy(&s,
	    TXT("requests 12\nconnections-open 3\n"), &cause), 0);
	CU_ASSERT_EQUAL(s.requests, 12);
	CU_ASSERT_EQUAL(s.connections, 3);
	CU_ASSERT_EQUAL(mon_snap_proxy(&s,
	    TXT("requests 1x\nconnections-open 3\n"), &cause), -1);
	CU_ASSERT_EQUAL(mon_snap_proxy(&s, TXT("connections-open 3\n"),
	    &cause), -1);
	CU_ASSERT_EQUAL(mon_snap_cache(&s, TXT("objects 5\nbytes 9\nhits 1\n"
	    "misses 2\ndisk-rejected 7\n"), &cause), 0);
	CU_ASSERT_EQUAL(s.disk_rejected, 7);
	CU_ASSERT_EQUAL(s.cache_objects, 5);

	CU_ASSERT_EQUAL(canned(&s, "ctl_wpad_status_down.txt", mon_snap_wpad),
	    0);
	CU_ASSERT_EQUAL(s.nwproxy, 2);
	CU_ASSERT_STRING_EQUAL(s.wproxy[0].name, "198.18.0.2:8080");
	CU_ASSERT_TRUE(s.wproxy[0].self);
	CU_ASSERT_EQUAL(s.wproxy[0].state, MON_S_UP);
	CU_ASSERT_STRING_EQUAL(s.wproxy[1].name, "198.18.0.1:8080");
	CU_ASSERT_FALSE(s.wproxy[1].self);
	CU_ASSERT_EQUAL(s.wproxy[1].state, MON_S_DOWN);
	CU_ASSERT_STRING_EQUAL(s.wproxy[1].why, "connection refused");
	CU_ASSERT_EQUAL(mon_snap_wpad(&s, TXT("script: per-client\nproxy x\n"),
	    &cause), -1);

	CU_ASSERT_EQUAL(canned(&s, "ctl_lb_servers.txt", mon_snap_lb), 0);
	CU_ASSERT_EQUAL(s.nlbs, 4);
	CU_ASSERT_EQUAL(s.lbs[0].state, MON_LB_UP);
	CU_ASSERT_EQUAL(s.lbs[1].state, MON_LB_DOWN);
	CU_ASSERT_EQUAL(s.lbs[2].state, MON_LB_QUIESCE);
	CU_ASSERT_EQUAL(s.lbs[3].state, MON_LB_DISABLED);
	CU_ASSERT_STRING_EQUAL(s.lbs[3].cluster, "mail");
	CU_ASSERT_EQUAL(mon_snap_lb(&s, TXT("web w1 sleeping 0 0\n"), &cause),
	    -1);
	CU_ASSERT_EQUAL(mon_snap_lb(&s, TXT("web w1 up 0\n"), &cause), -1);
	CU_ASSERT_EQUAL(mon_snap_lb(&s, TXT("w/b w1 up 0 0\n"), &cause), -1);
	CU_ASSERT_EQUAL(mon_snap_lb(&s, TXT(""), &cause), 0);
	CU_ASSERT_EQUAL(s.nlbs, 0);

	/* The report's status from the snapshot. */
	CU_ASSERT_EQUAL(canned(&s, "ctl_ha_b_standby.txt", mon_snap_ha), 0);
	CU_ASSERT_EQUAL(canned(&s, "ctl_lb_servers.txt", mon_snap_lb), 0);
	memset(&r, 0, sizeof r);
	mon_snap_report(&s, &r);
	CU_ASSERT_EQUAL(r.role, MON_ROLE_STANDBY);
	CU_ASSERT_EQUAL(r.partner, MON_PARTNER_UP);
	CU_ASSERT_EQUAL(r.proxy, MON_SVC_UP);
	CU_ASSERT_EQUAL(r.wpad, MON_SVC_UP);
	CU_ASSERT_EQUAL(r.nlb, 4);
	s.ha = MON_D_DOWN;
	mon_snap_report(&s, &r);
	CU_ASSERT_EQUAL(r.role, MON_ROLE_FAULT);
	CU_ASSERT_EQUAL(r.partner, MON_PARTNER_UNKNOWN);
}

/* b from standby to the takeover of the canned answers. */
static void
test_mon_snap_diff_takeover(void)
{
	struct mon_snap	o, n;
	struct evs	e;

	mon_snap_init(&o);
	CU_ASSERT_EQUAL(canned(&o, "ctl_ha_b_standby.txt", mon_snap_ha), 0);
	strlcpy(o.self_name, "b", sizeof o.self_name);
	n = o;
	CU_ASSERT_EQUAL(canned(&n, "ctl_ha_b_takeover.txt", mon_snap_ha), 0);
	strlcpy(n.self_name, "b", sizeof n.self_name);
	diff(&o, &n, &e);
	CU_ASSERT_EQUAL(e.n, 2);
	CU_ASSERT_STRING_EQUAL(e.text,
	    "takeover: b took over from 198.18.0.1: no heartbeat from "
	    "198.18.0.1 for 616 ms (3 missed at 200 ms)\n"
	    "partner-error: communication error: no heartbeat from "
	    "198.18.0.1\n");
	/* The same poll again: nothing new. */
	diff(&n, &n, &e);
	CU_ASSERT_EQUAL(e.n, 0);
	/* And back: the partner is heard again, b is standby. */
	diff(&n, &o, &e);
	CU_ASSERT_STRING_EQUAL(e.text, "partner-restored: heartbeats from "
	    "198.18.0.1 again\n");
}

static void
test_mon_snap_diff_failback(void)
{
	struct mon_snap	o, n;
	struct evs	e;

	mon_snap_init(&o);
	CU_ASSERT_EQUAL(canned(&o, "ctl_ha_a_active.txt", mon_snap_ha), 0);
	o.role = MON_ROLE_STANDBY;
	n = o;
	n.role = MON_ROLE_ACTIVE;
	strlcpy(n.self_name, "a", sizeof n.self_name);
	strlcpy(n.reason, "failback: the default primary takes the service "
	    "back", sizeof n.reason);
	diff(&o, &n, &e);
	CU_ASSERT_STRING_EQUAL(e.text, "failback: a, the default active, is "
	    "active again: failback: the default primary takes the service "
	    "back\n");
	/* Out of fault on the primary, partner heard: also coming home. */
	o.role = MON_ROLE_FAULT;
	diff(&o, &n, &e);
	CU_ASSERT_EQUAL(e.n, 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "failback: a, the default"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "service-up: a out of fault, "
	    "now active\n"));
	/* Active twice, the count grew: a takeover between two polls. */
	o = n;
	n.takeovers = o.takeovers + 1;
	diff(&o, &n, &e);
	CU_ASSERT_STRING_EQUAL(e.text, "takeover: a took over again between "
	    "two polls (takeovers 1 to 2)\n");
}

static void
test_mon_snap_diff_daemons(void)
{
	struct mon_snap	off, o, n;
	struct evs	e;

	mon_snap_init(&off);
	mon_snap_init(&o);
	CU_ASSERT_EQUAL(canned(&o, "ctl_ha_a_active.txt", mon_snap_ha), 0);
	CU_ASSERT_EQUAL(canned(&o, "ctl_proxy_stats.txt", mon_snap_proxy), 0);
	CU_ASSERT_EQUAL(canned(&o, "ctl_wpad_status.txt", mon_snap_wpad), 0);
	/* A first poll (nothing known before): no news. */
	diff(&off, &o, &e);
	CU_ASSERT_EQUAL(e.n, 0);
	/* The daemons stop answering: the last state stays. */
	n = o;
	n.ha = MON_D_DOWN;
	strlcpy(n.ha_err, "ha.sock: Connection refused", sizeof n.ha_err);
	n.proxy = MON_D_DOWN;
	strlcpy(n.proxy_err, "proxy.sock: Connection refused",
	    sizeof n.proxy_err);
	diff(&o, &n, &e);
	CU_ASSERT_STRING_EQUAL(e.text,
	    "service-down: twin-ha of this peer not answering: ha.sock: "
	    "Connection refused\n"
	    "proxy-down: twin-proxy of this peer not answering: proxy.sock: "
	    "Connection refused\n");
	/* Back, with the partner lost meanwhile: both said. */
	o = n;
	n.ha = n.proxy = MON_D_UP;
	n.partner = MON_PARTNER_DOWN;
	diff(&o, &n, &e);
	CU_ASSERT_EQUAL(e.n, 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "service-up: twin-ha of this "
	    "peer answering again\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "partner-error: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "proxy-up: twin-proxy of this "
	    "peer answering again\n"));
	/* twin-lb stopping cleanly takes its socket away. */
	o = n;
	o.lb = MON_D_UP;
	n.lb = MON_D_OFF;
	diff(&o, &n, &e);
	CU_ASSERT_STRING_EQUAL(e.text, "service-down: twin-lb of this peer "
	    "stopped (its control socket is gone)\n");
}

static void
test_mon_snap_diff_services(void)
{
	struct mon_snap	o, n;
	struct evs	e;

	mon_snap_init(&o);
	CU_ASSERT_EQUAL(canned(&o, "ctl_ha_a_active.txt", mon_snap_ha), 0);
	CU_ASSERT_EQUAL(canned(&o, "ctl_proxy_stats.txt", mon_snap_proxy), 0);
	CU_ASSERT_EQUAL(canned(&o, "ctl_cache_stats.txt", mon_snap_cache), 0);
	CU_ASSERT_EQUAL(canned(&o, "ctl_wpad_status.txt", mon_snap_wpad), 0);
	CU_ASSERT_EQUAL(canned(&o, "ctl_lb_servers.txt", mon_snap_lb), 0);
	o.lb = MON_D_UP;
	n = o;
	/* A tracked service down (and the fault it causes, said once). */
	n.track[0].state = MON_S_DOWN;
	n.role = MON_ROLE_FAULT;
	/* The partner's proxy as twin-wpad probes it. */
	n.wproxy[1].state = MON_S_DOWN;
	strlcpy(n.wproxy[1].why, "connection refused", sizeof n.wproxy[1].why);
	/* Cluster servers: one down, one back, one quiesced by hand. */
	n.lbs[0].state = MON_LB_DOWN;
	n.lbs[1].state = MON_LB_UP;
	n.lbs[2].state = MON_LB_DISABLED;
	/* The disk cache threw away three damaged objects. */
	n.disk_rejected = 3;
	diff(&o, &n, &e);
	CU_ASSERT_STRING_EQUAL(e.text,
	    "service-down: tracked service 198.18.0.1:8080 down\n"
	    "cache-error: disk cache dropped 3 corrupt or truncated objects "
	    "(3 in all)\n"
	    "proxy-down: proxy 198.18.0.2:8080 (partner) down as twin-wpad "
	    "sees it: connection refused\n"
	    "lb-server-down: cluster web server w1 down\n"
	    "lb-server-up: cluster web server w2 up again\n");
	diff(&n, &o, &e);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "service-up: tracked service "
	    "198.18.0.1:8080 up again\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "proxy-up: proxy "
	    "198.18.0.2:8080 (partner) up again as twin-wpad sees it\n"));
	/* A proxy restart resets the counter: no error for that. */
	o = n;
	n.disk_rejected = 0;
	diff(&o, &n, &e);
	CU_ASSERT_EQUAL(e.n, 0);
	/* Both peers configured primary: said once. */
	o = n;
	n.partner_default = MON_DEF_PRIMARY;
	diff(&o, &n, &e);
	CU_ASSERT_STRING_EQUAL(e.text, "config-mismatch: both peers are "
	    "configured with the default role primary\n");
	diff(&n, &n, &e);
	CU_ASSERT_EQUAL(e.n, 0);
	/* The partner's heartbeats carry another config: said once. */
	o = n;
	n.cfg_differs = 1;
	diff(&o, &n, &e);
	CU_ASSERT_EQUAL(e.n, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "config-mismatch: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "configuration fingerprint"));
	diff(&n, &n, &e);
	CU_ASSERT_EQUAL(e.n, 0);
}

static void
test_mon_snap_diff_certs(void)
{
	struct mon_snap	o, n;
	struct evs	e;
	time_t		now = 1800000000;

	mon_snap_init(&o);
	o.ncert = 1;
	strlcpy(o.cert[0].path, "/etc/twinproxy/report.pem",
	    sizeof o.cert[0].path);
	strlcpy(o.cert[0].cn, "osaka-01", sizeof o.cert[0].cn);
	o.cert[0].not_after = now + 40 * 86400;
	mon_snap_cert_level(&o.cert[0], now, 30ULL * 86400000);
	CU_ASSERT_EQUAL(o.cert[0].level, MON_CL_FINE);
	n = o;
	mon_snap_cert_level(&n.cert[0], now + 11 * 86400, 30ULL * 86400000);
	CU_ASSERT_EQUAL(n.cert[0].level, MON_CL_NEAR);
	diff(&o, &n, &e);
	CU_ASSERT_STRING_EQUAL(e.text, "cert-expiry: certificate "
	    "/etc/twinproxy/report.pem (CN=osaka-01) expires "
	    "2027-02-24T08:00:00Z\n");
	/* Still near a day later: nothing; then past. */
	o = n;
	diff(&o, &n, &e);
	CU_ASSERT_EQUAL(e.n, 0);
	mon_snap_cert_level(&n.cert[0], now + 41 * 86400, 30ULL * 86400000);
	CU_ASSERT_EQUAL(n.cert[0].level, MON_CL_PAST);
	diff(&o, &n, &e);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.text, " expired 2027-02-24"));
	/* Renewed: a new notAfter starts afresh. */
	o = n;
	n.cert[0].not_after = now + 400 * 86400;
	mon_snap_cert_level(&n.cert[0], now + 41 * 86400, 30ULL * 86400000);
	diff(&o, &n, &e);
	CU_ASSERT_EQUAL(e.n, 0);
	/* 0 never warns. */
	mon_snap_cert_level(&n.cert[0], now + 500 * 86400, 0);
	CU_ASSERT_EQUAL(n.cert[0].level, MON_CL_FINE);
}

/* The saved form: what the diff needs comes back; damage is refused. */
static void
test_mon_snap_save_load(void)
{
	struct mon_snap	 s, t;
	struct evs	 e;
	char		 dir[] = "/tmp/twinproxy-snap.XXXXXX", path[256];
	char		 buf[MON_SNAP_MAX], *cause;
	unsigned int	 line;
	size_t		 len;
	FILE		*f;

	mon_snap_init(&s);
	CU_ASSERT_EQUAL(canned(&s, "ctl_ha_b_takeover.txt", mon_snap_ha), 0);
	CU_ASSERT_EQUAL(canned(&s, "ctl_proxy_stats.txt", mon_snap_proxy), 0);
	CU_ASSERT_EQUAL(canned(&s, "ctl_cache_stats.txt", mon_snap_cache), 0);
	CU_ASSERT_EQUAL(canned(&s, "ctl_wpad_status.txt", mon_snap_wpad), 0);
	CU_ASSERT_EQUAL(canned(&s, "ctl_lb_servers.txt", mon_snap_lb), 0);
	s.ncert = 1;
	strlcpy(s.cert[0].path, "/etc/twin proxy/site.pem",
	    sizeof s.cert[0].path);
	s.cert[0].not_after = 1800000000;
	s.cert[0].level = MON_CL_NEAR;
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/agent-state", dir);
	CU_ASSERT_EQUAL(mon_snap_save(path, &s, &cause), 0);
	CU_ASSERT_EQUAL(mon_snap_load(path, &t, &cause), 0);
	/* Nothing changed, as far as events go. */
	diff(&s, &t, &e);
	CU_ASSERT_EQUAL(e.n, 0);
	diff(&t, &s, &e);
	CU_ASSERT_EQUAL(e.n, 0);
	CU_ASSERT_EQUAL(t.role, MON_ROLE_ACTIVE);
	CU_ASSERT_EQUAL(t.nlbs, 4);
	CU_ASSERT_STRING_EQUAL(t.cert[0].path, "/etc/twin proxy/site.pem");
	/* The same text encoded twice. */
	len = mon_snap_encode(&s, buf, sizeof buf);
	CU_ASSERT_TRUE(len > 0);
	CU_ASSERT_EQUAL(mon_snap_decode(&t, buf, len, &line), 0);
	CU_ASSERT_EQUAL(mon_snap_encode(&t, buf + len / 2, 0), 0);
	/* Damage: a bad magic, an unknown line, a bad value. */
	CU_ASSERT_EQUAL(mon_snap_decode(&t, TXT("twinproxy-agent-state 2\n"),
	    &line), -1);
	CU_ASSERT_EQUAL(mon_snap_decode(&t, TXT("twinproxy-agent-state 1\n"
	    "role active\nsurprise 1\n"), &line), -1);
	CU_ASSERT_EQUAL(line, 3);
	CU_ASSERT_EQUAL(mon_snap_decode(&t, TXT("twinproxy-agent-state 1\n"
	    "role boss\n"), &line), -1);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("twinproxy-agent-state 1\nha sideways\n", f);
	fclose(f);
	CU_ASSERT_EQUAL(mon_snap_load(path, &t, &cause), -1);
	CU_ASSERT_PTR_NOT_NULL(cause);
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, ":2: not a saved snapshot"));
	/* A damaged file starts from an empty snapshot. */
	CU_ASSERT_EQUAL(t.ha, MON_D_OFF);
	unlink(path);
	CU_ASSERT_EQUAL(mon_snap_load(path, &t, &cause), -1);
	CU_ASSERT_PTR_NULL(cause);
	rmdir(dir);
}

static CU_TestInfo tests[] = {
	{ "test_mon_snap_ha_parse", test_mon_snap_ha_parse },
	{ "test_mon_snap_others_parse", test_mon_snap_others_parse },
	{ "test_mon_snap_diff_takeover", test_mon_snap_diff_takeover },
	{ "test_mon_snap_diff_failback", test_mon_snap_diff_failback },
	{ "test_mon_snap_diff_daemons", test_mon_snap_diff_daemons },
	{ "test_mon_snap_diff_services", test_mon_snap_diff_services },
	{ "test_mon_snap_diff_certs", test_mon_snap_diff_certs },
	{ "test_mon_snap_save_load", test_mon_snap_save_load },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(mon_snap_suite, "mon_snap", tests)
