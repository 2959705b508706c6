/*
 * test_lb_select.c: server selection (lb/lb_select.c) on a table of
 * cases crossing health, admin state, hot spares, caps and persistence,
 * then each scheduler's distribution over many picks, health counting and
 * building a cluster from the config.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "lb/lb.h"
#include "unit.h"

/*
 * A server as a case describes it: its one-letter name, then what holds:
 * D down, Q quiesced, X disabled, H hot spare, F full (at its maxconn),
 * N dont-persist.
 */
#define MAXSRV	4

static struct lb_cluster *
mk(int sched, int persist, const char *const *spec)
{
	struct lb_params	 p;
	struct lb_cluster	*cl;
	struct lb_server	*s;
	const char		*cause = NULL, *c;
	char			 name[2];
	int			 i, flags;

	memset(&p, 0, sizeof p);
	p.scheduler = sched;
	p.persist = persist;
	p.mode = persist == LB_PERSIST_STICKY ? LB_MODE_L4 : LB_MODE_L7;
	p.strikeout = 3;
	p.rise = 2;
	p.sticky_max = 100;
	p.sticky_timeout = 60000;
	p.secret = (const unsigned char *)"0123456789abcdef0123";
	p.secretlen = 20;
	cl = lb_cluster_new("t", &p);
	for (i = 0; i < MAXSRV && spec[i] != NULL; i++) {
		flags = 0;
		for (c = spec[i] + 1; *c != '\0'; c++) {
			if (*c == 'H')
				flags |= LB_SRV_HOTSPARE;
			else if (*c == 'Q')
				flags |= LB_SRV_QUIESCE;
			else if (*c == 'X')
				flags |= LB_SRV_DISABLED;
			else if (*c == 'N')
				flags |= LB_SRV_DONT_PERSIST;
		}
		name[0] = spec[i][0];
		name[1] = '\0';
		lb_cluster_add(cl, name, NULL, 1, strchr(spec[i], 'F') ? 1 :
		    0, flags);
	}
	CU_ASSERT_FATAL(lb_cluster_finish(cl, &cause) == 0);
	for (i = 0; i < (int)cl->nsrv; i++) {
		s = &cl->srv[i];
		if (strchr(spec[i], 'D') != NULL)
			lb_server_set_health(s, LB_DOWN);
		if (strchr(spec[i], 'F') != NULL)
			lb_server_take(s);
	}
	return (cl);
}

struct sel_case {
	const char	*what;
	const char	*srv[MAXSRV + 1];
	int		 persist;	/* the cluster's */
	enum lb_pkind	 pkind;		/* what the request carries */
	char		 psrv;		/* to which server, 0 for none */
	const char	*want;		/* acceptable servers, "" for none */
	enum lb_reason	 reason;
	int		 record;
	int		 drop;
};

#define NP	LB_PERSIST_NONE
#define PC	LB_PERSIST_COOKIE
#define PS	LB_PERSIST_STICKY
#define KN	LB_PK_NONE
#define KC	LB_PK_COOKIE
#define KS	LB_PK_STICKY

static const struct sel_case sel_cases[] = {
	/* Health, caps and hot spares. */
	{ "all up", { "a", "b", "sH" }, NP, KN, 0, "a",
	    LB_R_SCHEDULED, 0, 0 },
	{ "one down", { "aD", "b", "sH" }, NP, KN, 0, "b",
	    LB_R_SCHEDULED, 0, 0 },
	{ "all down: spare", { "aD", "bD", "sH" }, NP, KN, 0, "s",
	    LB_R_SPARE_DOWN, 0, 0 },
	{ "all full: spare", { "aF", "bF", "sH" }, NP, KN, 0, "s",
	    LB_R_SPARE_FULL, 0, 0 },
	{ "one full one down: spare", { "aF", "bD", "sH" }, NP, KN, 0, "s",
	    LB_R_SPARE_FULL, 0, 0 },
	{ "one full: the other", { "aF", "b", "sH" }, NP, KN, 0, "b",
	    LB_R_SCHEDULED, 0, 0 },
	{ "all down, spare down", { "aD", "bD", "sHD" }, NP, KN, 0, "",
	    LB_R_NONE, 0, 0 },
	{ "all full, spare full", { "aF", "bF", "sHF" }, NP, KN, 0, "",
	    LB_R_NONE, 0, 0 },
	{ "all full, no spare", { "aF", "bF" }, NP, KN, 0, "",
	    LB_R_NONE, 0, 0 },
	{ "all full, spare disabled", { "aF", "bF", "sHX" }, NP, KN, 0, "",
	    LB_R_NONE, 0, 0 },
	{ "first spare full: second", { "aD", "bD", "sHF", "tH" }, NP, KN, 0,
	    "t", LB_R_SPARE_DOWN, 0, 0 },
	{ "spares share", { "aD", "bD", "sH", "tH" }, NP, KN, 0, "st",
	    LB_R_SPARE_DOWN, 0, 0 },
	{ "disabled gets nothing", { "aX", "b" }, NP, KN, 0, "b",
	    LB_R_SCHEDULED, 0, 0 },
	{ "disabled and down: spare", { "aX", "bD", "sH" }, NP, KN, 0, "s",
	    LB_R_SPARE_DOWN, 0, 0 },
	{ "all disabled", { "aX", "bX", "sHX" }, NP, KN, 0, "",
	    LB_R_NONE, 0, 0 },
	/* Quiesce. */
	{ "quiesced skipped", { "aQ", "b", "sH" }, NP, KN, 0, "b",
	    LB_R_SCHEDULED, 0, 0 },
	{ "only quiesced up: it", { "aQ", "bD", "sH" }, NP, KN, 0, "a",
	    LB_R_QUIESCED, 0, 0 },
	{ "all quiesced: them", { "aQ", "bQ", "sH" }, NP, KN, 0, "ab",
	    LB_R_QUIESCED, 0, 0 },
	{ "quiesced full, other down: spare", { "aQF", "bD", "sH" }, NP, KN,
	    0, "s", LB_R_SPARE_FULL, 0, 0 },
	{ "quiesced, other full: spare", { "aQ", "bF", "sH" }, NP, KN, 0,
	    "s", LB_R_SPARE_FULL, 0, 0 },
	{ "quiesced down, other down: spare", { "aQD", "bD", "sH" }, NP, KN,
	    0, "s", LB_R_SPARE_DOWN, 0, 0 },
	{ "quiesced spare after enabled spare", { "aD", "bD", "sHQ", "tH" },
	    NP, KN, 0, "t", LB_R_SPARE_DOWN, 0, 0 },
	{ "only quiesced spare up", { "aD", "bD", "sHQ", "tHD" }, NP, KN, 0,
	    "s", LB_R_SPARE_DOWN, 0, 0 },
	/* Persistence: honoured. */
	{ "cookie", { "a", "b" }, PC, KC, 'b', "b",
	    LB_R_PERSISTENT, 1, 0 },
	{ "sticky", { "a", "b" }, PS, KS, 'b', "b",
	    LB_R_PERSISTENT, 1, 0 },
	{ "cookie above the cap", { "a", "bF" }, PC, KC, 'b', "b",
	    LB_R_PERSISTENT, 1, 0 },
	{ "cookie to quiesced", { "a", "bQ" }, PC, KC, 'b', "b",
	    LB_R_PERSISTENT, 1, 0 },
	{ "sticky to quiesced", { "a", "bQ" }, PS, KS, 'b', "b",
	    LB_R_PERSISTENT, 1, 0 },
	{ "cookie to spare, others up", { "a", "b", "sH" }, PC, KC, 's', "s",
	    LB_R_PERSISTENT, 1, 0 },
	{ "sticky to spare, others up", { "a", "b", "sH" }, PS, KS, 's', "s",
	    LB_R_PERSISTENT, 1, 0 },
	{ "cookie to full spare", { "a", "b", "sHF" }, PC, KC, 's', "s",
	    LB_R_PERSISTENT, 1, 0 },
	/* Persistence: not honoured. */
	{ "sticky capped", { "a", "bF" }, PS, KS, 'b', "a",
	    LB_R_SCHEDULED, 1, 1 },
	{ "sticky capped, all full: spare", { "aF", "bF", "sH" }, PS, KS, 'b',
	    "s", LB_R_SPARE_FULL, 1, 1 },
	{ "cookie to down", { "a", "bD" }, PC, KC, 'b', "a",
	    LB_R_SCHEDULED, 1, 1 },
	{ "sticky to down", { "a", "bD" }, PS, KS, 'b', "a",
	    LB_R_SCHEDULED, 1, 1 },
	{ "cookie to disabled", { "a", "bX" }, PC, KC, 'b', "a",
	    LB_R_SCHEDULED, 1, 1 },
	{ "sticky to disabled", { "a", "bX" }, PS, KS, 'b', "a",
	    LB_R_SCHEDULED, 1, 1 },
	{ "cookie to disabled, rest down", { "aD", "bX" }, PC, KC, 'b', "",
	    LB_R_NONE, 0, 1 },
	{ "cookie to dont-persist spare", { "a", "b", "sHN" }, PC, KC, 's',
	    "a", LB_R_SCHEDULED, 1, 1 },
	{ "sticky to dont-persist", { "a", "bN" }, PS, KS, 'b', "a",
	    LB_R_SCHEDULED, 1, 1 },
	{ "scheduled to dont-persist", { "aN", "b" }, PC, KN, 0, "a",
	    LB_R_SCHEDULED, 0, 0 },
	{ "dont-persist spare, all down", { "aD", "bD", "sHN" }, PS, KN, 0,
	    "s", LB_R_SPARE_DOWN, 0, 0 },
	{ "entry ignored without persist", { "a", "b" }, NP, KC, 'b', "a",
	    LB_R_SCHEDULED, 0, 0 },
	{ "entry of no kind ignored", { "a", "b" }, PC, KN, 'b', "a",
	    LB_R_SCHEDULED, 1, 0 },
	{ "scheduled, recorded", { "a", "b" }, PC, KN, 0, "a",
	    LB_R_SCHEDULED, 1, 0 },
	{ "spare, recorded", { "aD", "bD", "sH" }, PC, KN, 0, "s",
	    LB_R_SPARE_DOWN, 1, 0 },
	{ NULL, { NULL }, 0, 0, 0, NULL, 0, 0, 0 }
};

static void
test_lb_select_table(void)
{
	const struct sel_case	*tc;
	struct lb_cluster	*cl;
	struct lb_req		 rq;
	struct lb_pick		 pk;
	char			 name[2] = { 0, 0 };
	unsigned int		 before;
	int			 rv, ok;

	for (tc = sel_cases; tc->what != NULL; tc++) {
		cl = mk(LB_SCHED_RR, tc->persist, tc->srv);
		memset(&rq, 0, sizeof rq);
		rq.pkind = tc->pkind;
		if (tc->psrv != 0) {
			name[0] = tc->psrv;
			rq.psrv = lb_server_find(cl, name);
			CU_ASSERT_PTR_NOT_NULL_FATAL(rq.psrv);
		}
		rv = lb_select(cl, &rq, &pk);
		if (*tc->want == '\0')
			ok = rv == -1 && pk.srv == NULL;
		else
			ok = rv == 0 && pk.srv != NULL &&
			    strchr(tc->want, pk.srv->name[0]) != NULL;
		ok = ok && pk.reason == tc->reason &&
		    pk.record == tc->record && pk.drop == tc->drop;
		if (!ok)
			fprintf(stderr, "\ncase '%s': got %s (%s) record %d "
			    "drop %d\n", tc->what, pk.srv ? pk.srv->name :
			    "none", lb_reason_str(pk.reason), pk.record,
			    pk.drop);
		CU_ASSERT_TRUE(ok);
		/* The pick holds one connection, given back by release. */
		if (pk.srv != NULL) {
			before = pk.srv->active;
			CU_ASSERT_TRUE(before >= 1);
			lb_server_release(pk.srv);
			CU_ASSERT_EQUAL(pk.srv->active, before - 1);
		}
		CU_ASSERT_EQUAL(cl->st.reason[tc->reason], 1);
		lb_cluster_free(cl);
	}
}

/* A cluster not finished picks nothing, and takes no server after it. */
static void
test_lb_select_unfinished(void)
{
	struct lb_params	 p;
	struct lb_cluster	*cl;
	struct lb_pick		 pk;
	const char		*cause = NULL;

	memset(&p, 0, sizeof p);
	cl = lb_cluster_new("t", &p);
	CU_ASSERT_EQUAL(lb_cluster_finish(cl, &cause), -1);
	CU_ASSERT_STRING_EQUAL(cause, "no servers");
	CU_ASSERT_PTR_NOT_NULL(lb_cluster_add(cl, "a", NULL, 1, 0, 0));
	CU_ASSERT_EQUAL(lb_select(cl, NULL, &pk), -1);
	CU_ASSERT_PTR_NULL(pk.srv);
	CU_ASSERT_EQUAL(pk.reason, LB_R_NONE);
	CU_ASSERT_PTR_NOT_NULL(lb_cluster_add(cl, "a", NULL, 1, 0, 0));
	CU_ASSERT_EQUAL(lb_cluster_finish(cl, &cause), -1);
	lb_cluster_free(cl);
	cl = lb_cluster_new("t", &p);
	lb_cluster_add(cl, "a", NULL, 1, 0, 0);
	CU_ASSERT_EQUAL(lb_cluster_finish(cl, &cause), 0);
	CU_ASSERT_PTR_NULL(lb_cluster_add(cl, "b", NULL, 1, 0, 0));
	CU_ASSERT_EQUAL(lb_select(cl, NULL, &pk), 0);
	CU_ASSERT_STRING_EQUAL(pk.srv->name, "a");
	lb_cluster_free(cl);
}

/* The reason strings the log shows. */
static void
test_lb_reason_str(void)
{
	CU_ASSERT_STRING_EQUAL(lb_reason_str(LB_R_PERSISTENT), "persistent");
	CU_ASSERT_STRING_EQUAL(lb_reason_str(LB_R_SCHEDULED), "scheduled");
	CU_ASSERT_STRING_EQUAL(lb_reason_str(LB_R_SPARE_FULL),
	    "hot spare (all full)");
	CU_ASSERT_STRING_EQUAL(lb_reason_str(LB_R_NONE),
	    "no server available");
	CU_ASSERT_STRING_EQUAL(lb_reason_str(LB_R_MAX), "?");
}

/*
 * Equalizer's hot spare story: the actives die, a client lands on the
 * spare and sticks there after they recover; unless the spare is
 * dont-persist, when it returns to an active server.
 */
static void
test_lb_select_spare_stickiness(void)
{
	static const char *const spec[] = { "a", "b", "sH", NULL };
	static const char *const specn[] = { "a", "b", "sHN", NULL };
	struct lb_cluster	*cl;
	struct lb_pick		 pk;
	struct lb_key		 k;
	struct addr		 client;
	const char		*cause;
	int			 n;

	CU_ASSERT_FATAL(addr_parse("198.18.5.5", &client, &cause) == 0);
	for (n = 0; n < 2; n++) {
		cl = mk(LB_SCHED_RR, LB_PERSIST_STICKY, n == 0 ? spec : specn);
		lb_key_addr(&k, &client, 32, 128);
		lb_server_set_health(&cl->srv[0], LB_DOWN);
		lb_server_set_health(&cl->srv[1], LB_DOWN);
		CU_ASSERT_EQUAL(lb_select_sticky(cl, &k, NULL, 0, 0, &pk), 0);
		CU_ASSERT_STRING_EQUAL(pk.srv->name, "s");
		CU_ASSERT_EQUAL(pk.reason, LB_R_SPARE_DOWN);
		lb_server_release(pk.srv);
		lb_server_set_health(&cl->srv[0], LB_UP);
		lb_server_set_health(&cl->srv[1], LB_UP);
		CU_ASSERT_EQUAL(lb_select_sticky(cl, &k, NULL, 0, 1000, &pk),
		    0);
		if (n == 0) {
			CU_ASSERT_STRING_EQUAL(pk.srv->name, "s");
			CU_ASSERT_EQUAL(pk.reason, LB_R_PERSISTENT);
		} else {
			CU_ASSERT_STRING_NOT_EQUAL(pk.srv->name, "s");
			CU_ASSERT_EQUAL(pk.reason, LB_R_SCHEDULED);
		}
		lb_server_release(pk.srv);
		lb_cluster_free(cl);
	}
}

/*
 * A sticky client whose server is at its cap goes elsewhere, and its
 * entry follows it there; a cookie client stays above the cap.
 */
static void
test_lb_select_sticky_cap(void)
{
	static const char *const spec[] = { "a", "b", NULL };
	struct lb_cluster	*cl;
	struct lb_pick		 pk, held;
	struct lb_key		 k;
	struct addr		 client;
	const char		*cause;
	uint32_t		 id;

	CU_ASSERT_FATAL(addr_parse("2001:2::7", &client, &cause) == 0);
	cl = mk(LB_SCHED_RR, LB_PERSIST_STICKY, spec);
	cl->srv[0].maxconn = 1;
	lb_key_addr(&k, &client, 32, 64);
	CU_ASSERT_EQUAL(lb_select_sticky(cl, &k, NULL, 0, 0, &held), 0);
	CU_ASSERT_STRING_EQUAL(held.srv->name, "a");
	CU_ASSERT_EQUAL(lb_sticky_get(cl->sticky, &k, 0, &id), 1);
	CU_ASSERT_EQUAL(id, cl->srv[0].id);
	/* a is now full with the client's first connection. */
	CU_ASSERT_EQUAL(lb_select_sticky(cl, &k, NULL, 0, 10, &pk), 0);
	CU_ASSERT_STRING_EQUAL(pk.srv->name, "b");
	CU_ASSERT_EQUAL(pk.reason, LB_R_SCHEDULED);
	CU_ASSERT_EQUAL(cl->st.sticky_capped, 1);
	CU_ASSERT_EQUAL(lb_sticky_get(cl->sticky, &k, 10, &id), 1);
	CU_ASSERT_EQUAL(id, cl->srv[1].id);
	lb_server_release(pk.srv);
	lb_server_release(held.srv);
	/* From now on, b. */
	CU_ASSERT_EQUAL(lb_select_sticky(cl, &k, NULL, 0, 20, &pk), 0);
	CU_ASSERT_STRING_EQUAL(pk.srv->name, "b");
	CU_ASSERT_EQUAL(pk.reason, LB_R_PERSISTENT);
	lb_server_release(pk.srv);
	/* A server that goes down loses the entry. */
	lb_server_set_health(&cl->srv[1], LB_DOWN);
	CU_ASSERT_EQUAL(lb_select_sticky(cl, &k, NULL, 0, 30, &pk), 0);
	CU_ASSERT_STRING_EQUAL(pk.srv->name, "a");
	CU_ASSERT_EQUAL(cl->st.persist_lost, 1);
	lb_server_release(pk.srv);
	/* A dont-persist server never gets one. */
	cl->srv[0].flags |= LB_SRV_DONT_PERSIST;
	lb_sticky_del(cl->sticky, &k);
	CU_ASSERT_EQUAL(lb_select_sticky(cl, &k, NULL, 0, 40, &pk), 0);
	CU_ASSERT_STRING_EQUAL(pk.srv->name, "a");
	CU_ASSERT_EQUAL(pk.record, 0);
	CU_ASSERT_EQUAL(lb_sticky_count(cl->sticky), 0);
	lb_server_release(pk.srv);
	lb_cluster_free(cl);
}

/* Pick <n> times, releasing each pick at once; count picks per server. */
static void
picks(struct lb_cluster *cl, int n, int hold, unsigned int *count,
    char *order, size_t orderlen)
{
	struct lb_pick	pk;
	int		i;

	for (i = 0; i < n; i++) {
		CU_ASSERT_EQUAL_FATAL(lb_select(cl, NULL, &pk), 0);
		count[pk.srv->idx]++;
		if (order != NULL && (size_t)i + 1 < orderlen) {
			order[i] = pk.srv->name[0];
			order[i + 1] = '\0';
		}
		if (!hold)
			lb_server_release(pk.srv);
	}
}

static void
test_lb_sched_rr(void)
{
	static const char *const spec[] = { "a", "b", "c", NULL };
	struct lb_cluster	*cl;
	unsigned int		 n[MAXSRV] = { 0 };
	char			 order[16];

	cl = mk(LB_SCHED_RR, LB_PERSIST_NONE, spec);
	cl->srv[0].weight = 5;		/* ignored */
	picks(cl, 300, 0, n, NULL, 0);
	CU_ASSERT_TRUE(n[0] == 100 && n[1] == 100 && n[2] == 100);
	picks(cl, 6, 0, n, order, sizeof order);
	CU_ASSERT_STRING_EQUAL(order, "abcabc");
	/* A server that drops out is skipped without disturbing the turn. */
	picks(cl, 1, 0, n, order, sizeof order);
	CU_ASSERT_STRING_EQUAL(order, "a");
	lb_server_set_health(&cl->srv[1], LB_DOWN);
	picks(cl, 4, 0, n, order, sizeof order);
	CU_ASSERT_STRING_EQUAL(order, "caca");
	lb_server_set_health(&cl->srv[1], LB_UP);
	picks(cl, 3, 0, n, order, sizeof order);
	CU_ASSERT_STRING_EQUAL(order, "bca");
	lb_cluster_free(cl);
}

static void
test_lb_sched_static_weight(void)
{
	static const char *const spec[] = { "a", "b", "c", NULL };
	struct lb_cluster	*cl;
	unsigned int		 n[MAXSRV] = { 0 };
	char			 order[16];

	cl = mk(LB_SCHED_WRR, LB_PERSIST_NONE, spec);
	cl->srv[0].weight = 5;
	picks(cl, 7, 0, n, order, sizeof order);
	/* Spread out, not five a's in a row. */
	CU_ASSERT_STRING_EQUAL(order, "aabacaa");
	memset(n, 0, sizeof n);
	picks(cl, 7000, 0, n, NULL, 0);
	CU_ASSERT_TRUE(n[0] == 5000 && n[1] == 1000 && n[2] == 1000);
	/* Weights 3:2:1, then the heaviest down: 2:1. */
	cl->srv[0].weight = 3;
	cl->srv[1].weight = 2;
	memset(n, 0, sizeof n);
	picks(cl, 6000, 0, n, NULL, 0);
	CU_ASSERT_TRUE(n[0] >= 2990 && n[0] <= 3010);
	CU_ASSERT_TRUE(n[1] >= 1990 && n[1] <= 2010);
	CU_ASSERT_TRUE(n[2] >= 990 && n[2] <= 1010);
	lb_server_set_health(&cl->srv[0], LB_DOWN);
	memset(n, 0, sizeof n);
	picks(cl, 3000, 0, n, NULL, 0);
	CU_ASSERT_EQUAL(n[0], 0);
	CU_ASSERT_TRUE(n[1] >= 1990 && n[1] <= 2010);
	CU_ASSERT_TRUE(n[2] >= 990 && n[2] <= 1010);
	lb_cluster_free(cl);
}

static void
test_lb_sched_least_connections(void)
{
	static const char *const spec[] = { "a", "b", "c", NULL };
	struct lb_cluster	*cl;
	unsigned int		 n[MAXSRV] = { 0 };
	char			 order[16];
	int			 i;

	cl = mk(LB_SCHED_LEASTCONN, LB_PERSIST_NONE, spec);
	/* a already holds 4 connections: the next 8 go to b and c in turn. */
	for (i = 0; i < 4; i++)
		lb_server_take(&cl->srv[0]);
	picks(cl, 8, 1, n, order, sizeof order);
	CU_ASSERT_STRING_EQUAL(order, "bcbcbcbc");
	CU_ASSERT_TRUE(n[0] == 0 && n[1] == 4 && n[2] == 4);
	/* Level now: the next three take one each. */
	memset(n, 0, sizeof n);
	picks(cl, 3, 1, n, NULL, 0);
	CU_ASSERT_TRUE(n[0] == 1 && n[1] == 1 && n[2] == 1);
	lb_cluster_free(cl);

	/* Weighted: held connections end up in proportion 2:1:1. */
	cl = mk(LB_SCHED_LEASTCONN, LB_PERSIST_NONE, spec);
	cl->srv[0].weight = 2;
	memset(n, 0, sizeof n);
	picks(cl, 400, 1, n, NULL, 0);
	CU_ASSERT_TRUE(n[0] == 200 && n[1] == 100 && n[2] == 100);
	/* Releasing b's connections sends the next ones there. */
	for (i = 0; i < 50; i++)
		lb_server_release(&cl->srv[1]);
	memset(n, 0, sizeof n);
	picks(cl, 50, 1, n, NULL, 0);
	CU_ASSERT_EQUAL(n[1], 50);
	lb_cluster_free(cl);
}

static void
test_lb_sched_fastest_response(void)
{
	static const char *const spec[] = { "a", "b", "c", NULL };
	struct lb_cluster	*cl;
	unsigned int		 n[MAXSRV] = { 0 };
	char			 order[16];

	cl = mk(LB_SCHED_FASTEST, LB_PERSIST_NONE, spec);
	lb_server_rtt(&cl->srv[0], 100000);
	lb_server_rtt(&cl->srv[1], 50000);
	lb_server_rtt(&cl->srv[2], 200000);
	picks(cl, 100, 0, n, NULL, 0);
	CU_ASSERT_EQUAL(n[1], 100);
	/* b slows down; the average follows by 1/8 of each sample. */
	lb_server_rtt(&cl->srv[1], 450000);
	CU_ASSERT_EQUAL(cl->srv[1].rtt, 100000);
	lb_server_rtt(&cl->srv[1], 450000);
	CU_ASSERT_TRUE(cl->srv[1].rtt > 100000);
	memset(n, 0, sizeof n);
	picks(cl, 10, 0, n, NULL, 0);
	CU_ASSERT_EQUAL(n[0], 10);
	/* Equal times: the fewest connections, then in turn. */
	cl->srv[1].rtt = cl->srv[0].rtt;
	picks(cl, 4, 1, n, order, sizeof order);
	CU_ASSERT_STRING_EQUAL(order, "baba");
	lb_cluster_free(cl);

	/* Not measured yet counts as the fastest measured. */
	cl = mk(LB_SCHED_FASTEST, LB_PERSIST_NONE, spec);
	lb_server_rtt(&cl->srv[0], 100000);
	lb_server_rtt(&cl->srv[1], 300000);
	memset(n, 0, sizeof n);
	picks(cl, 10, 1, n, NULL, 0);
	CU_ASSERT_TRUE(n[0] == 5 && n[1] == 0 && n[2] == 5);
	lb_cluster_free(cl);
}

/* Map 10,000 URIs; return the server index of each in <map>. */
static void
hash_map(struct lb_cluster *cl, int *map, int nkeys)
{
	struct lb_req	rq;
	struct lb_pick	pk;
	char		uri[64];
	int		i;

	for (i = 0; i < nkeys; i++) {
		memset(&rq, 0, sizeof rq);
		snprintf(uri, sizeof uri, "/objects/%d.jpg?v=%d", i, i % 7);
		rq.hkey = uri;
		rq.hkeylen = strlen(uri);
		CU_ASSERT_EQUAL_FATAL(lb_select(cl, &rq, &pk), 0);
		map[i] = (int)pk.srv->idx;
		lb_server_release(pk.srv);
	}
}

#define NKEYS	10000

/*
 * Consistent hashing: each of 5 servers holds about a fifth of the keys;
 * taking one down moves its keys only, and bringing it back restores the
 * first mapping exactly.
 */
static void
test_lb_sched_hash_stability(void)
{
	static const char *const spec[] = { "a", "b", "c", "d", NULL };
	struct lb_cluster	*cl;
	struct lb_params	 p;
	int			*m1, *m2, *m3, moved = 0, wrong = 0, i;
	unsigned int		 share[5] = { 0 };
	const char		*cause;
	char			 name[8];

	memset(&p, 0, sizeof p);
	p.scheduler = LB_SCHED_HASH_URI;
	cl = lb_cluster_new("caches", &p);
	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof name, "cache%d", i);
		lb_cluster_add(cl, name, NULL, 1, 0, 0);
	}
	CU_ASSERT_FATAL(lb_cluster_finish(cl, &cause) == 0);
	m1 = calloc(NKEYS, sizeof *m1);
	m2 = calloc(NKEYS, sizeof *m2);
	m3 = calloc(NKEYS, sizeof *m3);
	CU_ASSERT_FATAL(m1 != NULL && m2 != NULL && m3 != NULL);
	hash_map(cl, m1, NKEYS);
	for (i = 0; i < NKEYS; i++)
		share[m1[i]]++;
	for (i = 0; i < 5; i++)
		CU_ASSERT_TRUE(share[i] > NKEYS * 12 / 100 &&
		    share[i] < NKEYS * 28 / 100);
	/* The same key twice, the same server. */
	hash_map(cl, m2, NKEYS);
	CU_ASSERT_EQUAL(memcmp(m1, m2, NKEYS * sizeof *m1), 0);
	lb_server_set_health(&cl->srv[2], LB_DOWN);
	hash_map(cl, m2, NKEYS);
	for (i = 0; i < NKEYS; i++) {
		if (m2[i] == m1[i])
			continue;
		moved++;
		wrong += m1[i] != 2;	/* moved a key it did not have */
	}
	CU_ASSERT_EQUAL(wrong, 0);
	CU_ASSERT_EQUAL((unsigned int)moved, share[2]);
	CU_ASSERT_TRUE(moved > NKEYS * 12 / 100 && moved < NKEYS * 28 / 100);
	for (i = 0; i < NKEYS; i++)
		CU_ASSERT_NOT_EQUAL(m2[i], 2);
	lb_server_set_health(&cl->srv[2], LB_UP);
	hash_map(cl, m3, NKEYS);
	CU_ASSERT_EQUAL(memcmp(m1, m3, NKEYS * sizeof *m1), 0);
	lb_cluster_free(cl);

	/* A server of weight 2 holds about twice the keys of the others. */
	cl = mk(LB_SCHED_HASH_URI, LB_PERSIST_NONE, spec);
	cl->sched->free(cl);
	cl->srv[0].weight = 2;
	CU_ASSERT_FATAL(cl->sched->init(cl, &cause) == 0);
	hash_map(cl, m1, NKEYS);
	memset(share, 0, sizeof share);
	for (i = 0; i < NKEYS; i++)
		share[m1[i]]++;
	CU_ASSERT_TRUE(share[0] > NKEYS * 30 / 100 &&
	    share[0] < NKEYS * 50 / 100);
	lb_cluster_free(cl);
	free(m1);
	free(m2);
	free(m3);
}

/* hash-host folds case; a request without a key is scheduled in turn. */
static void
test_lb_sched_hash_host(void)
{
	static const char *const spec[] = { "a", "b", "c", "d", NULL };
	struct lb_cluster	*cl;
	struct lb_req		 rq;
	struct lb_pick		 pk;
	unsigned int		 n[MAXSRV] = { 0 };
	struct lb_server	*first;

	cl = mk(LB_SCHED_HASH_HOST, LB_PERSIST_NONE, spec);
	memset(&rq, 0, sizeof rq);
	rq.hkey = "www.Example.COM";
	rq.hkeylen = strlen(rq.hkey);
	CU_ASSERT_EQUAL(lb_select(cl, &rq, &pk), 0);
	first = pk.srv;
	lb_server_release(pk.srv);
	rq.hkey = "www.example.com";
	CU_ASSERT_EQUAL(lb_select(cl, &rq, &pk), 0);
	CU_ASSERT_PTR_EQUAL(pk.srv, first);
	lb_server_release(pk.srv);
	picks(cl, 8, 0, n, NULL, 0);
	CU_ASSERT_TRUE(n[0] == 2 && n[1] == 2 && n[2] == 2 && n[3] == 2);
	lb_cluster_free(cl);
}

/* Check results: strikeout failures to go down, rise passes to come back. */
static void
test_lb_server_check_counts(void)
{
	static const char *const spec[] = { "a", NULL };
	struct lb_cluster	*cl;
	struct lb_server	*s;

	cl = mk(LB_SCHED_RR, LB_PERSIST_NONE, spec);
	s = &cl->srv[0];
	CU_ASSERT_EQUAL(lb_server_check(s, 0), 0);
	CU_ASSERT_EQUAL(lb_server_check(s, 0), 0);
	CU_ASSERT_EQUAL(lb_server_check(s, 1), 0);	/* resets */
	CU_ASSERT_EQUAL(lb_server_check(s, 0), 0);
	CU_ASSERT_EQUAL(lb_server_check(s, 0), 0);
	CU_ASSERT_EQUAL(s->health, LB_UP);
	CU_ASSERT_EQUAL(lb_server_check(s, 0), 1);
	CU_ASSERT_EQUAL(s->health, LB_DOWN);
	CU_ASSERT_EQUAL(s->st.downs, 1);
	CU_ASSERT_EQUAL(lb_server_check(s, 0), 0);
	CU_ASSERT_EQUAL(lb_server_check(s, 1), 0);
	CU_ASSERT_EQUAL(lb_server_check(s, 0), 0);	/* resets */
	CU_ASSERT_EQUAL(lb_server_check(s, 1), 0);
	CU_ASSERT_EQUAL(lb_server_check(s, 1), 1);
	CU_ASSERT_EQUAL(s->health, LB_UP);
	lb_cluster_free(cl);
}

/* SipHash-2-4 against the paper's vectors (key 00..0f). */
static void
test_lb_siphash_vectors(void)
{
	unsigned char	key[16], msg[15];
	int		i;

	for (i = 0; i < 16; i++)
		key[i] = (unsigned char)i;
	for (i = 0; i < 15; i++)
		msg[i] = (unsigned char)i;
	CU_ASSERT_EQUAL(lb_siphash(key, msg, 0), 0x726fdb47dd0e0e31ULL);
	CU_ASSERT_EQUAL(lb_siphash(key, msg, 15), 0xa129ca6149be45e5ULL);
}

/* A cluster built from its config block. */
static void
test_lb_cluster_from_cfg(void)
{
	static const char text[] =
	    "peer { name a; address 198.18.0.1; }\n"
	    "cluster web {\n"
	    "	listen 198.18.0.100:80;\n"
	    "	scheduler static-weight;\n"
	    "	persist cookie;\n"
	    "	cookie-generation 7;\n"
	    "	server s1 198.18.0.11:80 weight 3 maxconn 10;\n"
	    "	server s2 198.18.0.12:80 quiesce;\n"
	    "	server s3 198.18.0.13:80 disabled;\n"
	    "	server sorry 198.18.0.14:80 hotspare dont-persist;\n"
	    "}\n";
	static const unsigned char secret[] = "a secret of enough bytes";
	struct cfg_msgs		 msgs;
	struct cfg		*cfg;
	struct lb_cluster	*cl;
	struct lb_server	*s;
	const char		*cause = NULL;

	TAILQ_INIT(&msgs);
	cfg = cfg_load_string("lb", text, &msgs);
	cfg_msgs_print(stderr, &msgs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_PTR_NULL(lb_cluster_from_cfg(TAILQ_FIRST(&cfg->clusters),
	    NULL, 0, &cause));
	CU_ASSERT_PTR_NOT_NULL(cause);
	cl = lb_cluster_from_cfg(TAILQ_FIRST(&cfg->clusters), secret,
	    sizeof secret - 1, &cause);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cl);
	CU_ASSERT_STRING_EQUAL(cl->name, "web");
	CU_ASSERT_PTR_EQUAL(cl->sched, &lb_sched_wrr);
	CU_ASSERT_EQUAL(cl->nsrv, 4);
	CU_ASSERT_EQUAL(cl->p.generation, 7);
	CU_ASSERT_STRING_EQUAL(cl->p.cookie.name, "twinlb");
	CU_ASSERT_STRING_EQUAL(cl->p.cookie.path, "/");
	s = lb_server_find(cl, "s1");
	CU_ASSERT_TRUE(s != NULL && s->weight == 3 && s->maxconn == 10 &&
	    s->admin == LB_ENABLED && s->health == LB_UP);
	CU_ASSERT_EQUAL(lb_server_find(cl, "s2")->admin, LB_QUIESCED);
	CU_ASSERT_EQUAL(lb_server_find(cl, "s3")->admin, LB_DISABLED);
	s = lb_server_find(cl, "sorry");
	CU_ASSERT_TRUE(s != NULL && (s->flags & LB_SRV_HOTSPARE) &&
	    (s->flags & LB_SRV_DONT_PERSIST));
	CU_ASSERT_PTR_EQUAL(lb_server_by_id(cl, s->id), s);
	CU_ASSERT_PTR_EQUAL(lb_server_by_token(cl, s->token), s);
	CU_ASSERT_PTR_NULL(lb_server_find(cl, "nope"));
	CU_ASSERT_STRING_EQUAL(lb_admin_str(LB_QUIESCED), "quiesced");
	lb_cluster_free(cl);
	cfg_free(cfg);
	cfg_msgs_free(&msgs);
}

/*
 * The clusters' dump reads back as itself, without a single message:
 * settings dumped at their defaults must not warn.
 */
static void
test_lb_cfg_dump_roundtrip(void)
{
	struct cfg_msgs	 msgs;
	struct cfg	*a, *b;
	char		*t1 = NULL, *t2 = NULL, path[4096];
	size_t		 l1, l2;
	FILE		*f;

	TAILQ_INIT(&msgs);
	snprintf(path, sizeof path, "%s", unit_data("cfg/ok_lb.conf"));
	a = cfg_load(path, &msgs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NULL(TAILQ_FIRST(&msgs));
	CU_ASSERT_FATAL(TAILQ_FIRST(&a->clusters) != NULL);
	f = open_memstream(&t1, &l1);
	cfg_dump(f, a);
	fclose(f);
	b = cfg_load_string("dump", t1, &msgs);
	cfg_msgs_print(stderr, &msgs);
	CU_ASSERT_PTR_NULL(TAILQ_FIRST(&msgs));
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	f = open_memstream(&t2, &l2);
	cfg_dump(f, b);
	fclose(f);
	CU_ASSERT_STRING_EQUAL(t1, t2);
	free(t1);
	free(t2);
	cfg_free(a);
	cfg_free(b);
	cfg_msgs_free(&msgs);
}

static CU_TestInfo lb_select_tests[] = {
	{ "test_lb_select_table", test_lb_select_table },
	{ "test_lb_select_unfinished", test_lb_select_unfinished },
	{ "test_lb_reason_str", test_lb_reason_str },
	{ "test_lb_select_spare_stickiness",
	    test_lb_select_spare_stickiness },
	{ "test_lb_select_sticky_cap", test_lb_select_sticky_cap },
	{ "test_lb_sched_rr", test_lb_sched_rr },
	{ "test_lb_sched_static_weight", test_lb_sched_static_weight },
	{ "test_lb_sched_least_connections",
	    test_lb_sched_least_connections },
	{ "test_lb_sched_fastest_response", test_lb_sched_fastest_response },
	{ "test_lb_sched_hash_stability", test_lb_sched_hash_stability },
	{ "test_lb_sched_hash_host", test_lb_sched_hash_host },
	{ "test_lb_server_check_counts", test_lb_server_check_counts },
	{ "test_lb_siphash_vectors", test_lb_siphash_vectors },
	{ "test_lb_cluster_from_cfg", test_lb_cluster_from_cfg },
	{ "test_lb_cfg_dump_roundtrip", test_lb_cfg_dump_roundtrip },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(lb_select_suite, "lb_select", lb_select_tests)
