/*
 * test_lb_pkt_flow.c: the L4 engine's connection table (lb/lb_pkt_flow.c)
 * on a fake clock: lookups by either key, TCP states and their timeouts,
 * the bound, the end notifications and the rate-limited full-table log.
 */
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "lb/lb_pkt.h"

static int	ends, frees;

static void
end_cb(void *arg, struct lb_flow *f)
{
	ends++;
}

static void
free_cb(void *arg, struct lb_flow *f)
{
	frees++;
}

/* Client 10.0.0.<n>:<port> to the cluster, and the server's reply key. */
static void
keys(struct lb_pkt_key *o, struct lb_pkt_key *r, int n, uint16_t port)
{
	memset(o, 0, sizeof *o);
	o->af = 4;
	o->proto = LB_IP_TCP;
	o->src.b[0] = 198; o->src.b[1] = 18; o->src.b[3] = n;
	o->dst.b[0] = 198; o->dst.b[1] = 18; o->dst.b[3] = 100;
	o->sport = port;
	o->dport = 80;
	memset(r, 0, sizeof *r);
	r->af = 4;
	r->proto = LB_IP_TCP;
	r->src.b[0] = 198; r->src.b[1] = 18; r->src.b[2] = 1; r->src.b[3] = 11;
	r->dst = o->src;
	r->sport = 80;
	r->dport = port;
}

static void
setup(struct lb_flow_table *t, uint32_t max)
{
	struct lb_flow_timeouts	to;

	lb_flow_timeouts_default(&to);
	CU_ASSERT_EQUAL_FATAL(lb_flow_table_init(t, max, &to, 42), 0);
	t->end_cb = end_cb;
	t->free_cb = free_cb;
	ends = frees = 0;
}

static void
test_lb_flow_lookup(void)
{
	struct lb_flow_table	 t;
	struct lb_pkt_key	 o, r, x;
	struct lb_flow		*f;
	int			 dir = -1;

	setup(&t, 16);
	keys(&o, &r, 11, 40000);
	f = lb_flow_new(&t, &o, &r, LB_FS_SYN, 1000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_PTR_EQUAL(lb_flow_lookup(&t, &o, &dir), f);
	CU_ASSERT_EQUAL(dir, LB_FLOW_ORIG);
	CU_ASSERT_PTR_EQUAL(lb_flow_lookup(&t, &r, &dir), f);
	CU_ASSERT_EQUAL(dir, LB_FLOW_REPLY);
	/* The client's reversed key is not the server's reply. */
	lb_flow_key_reverse(&x, &o);
	CU_ASSERT_PTR_NULL(lb_flow_lookup(&t, &x, &dir));
	CU_ASSERT_EQUAL(x.sport, 80);
	CU_ASSERT_EQUAL(x.dport, 40000);
	x = o;
	x.sport++;
	CU_ASSERT_PTR_NULL(lb_flow_lookup(&t, &x, &dir));
	CU_ASSERT_EQUAL(t.count, 1);
	lb_flow_table_free(&t);
	CU_ASSERT_EQUAL(ends, 1);
	CU_ASSERT_EQUAL(frees, 1);
}

/* Many flows in few buckets: each is found by both keys, then removed. */
static void
test_lb_flow_many(void)
{
	struct lb_flow_table	 t;
	struct lb_pkt_key	 o, r;
	struct lb_flow		*f[500];
	int			 i, dir;

	setup(&t, 500);
	for (i = 0; i < 500; i++) {
		keys(&o, &r, i % 250, 1000 + i);
		f[i] = lb_flow_new(&t, &o, &r, LB_FS_UDP, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(f[i]);
	}
	for (i = 0; i < 500; i++) {
		keys(&o, &r, i % 250, 1000 + i);
		CU_ASSERT_PTR_EQUAL(lb_flow_lookup(&t, &o, &dir), f[i]);
		CU_ASSERT_PTR_EQUAL(lb_flow_lookup(&t, &r, &dir), f[i]);
	}
	for (i = 0; i < 500; i += 2)
		lb_flow_del(&t, f[i]);
	for (i = 0; i < 500; i++) {
		keys(&o, &r, i % 250, 1000 + i);
		CU_ASSERT_PTR_EQUAL(lb_flow_lookup(&t, &o, &dir),
		    i % 2 ? f[i] : NULL);
	}
	CU_ASSERT_EQUAL(t.count, 250);
	lb_flow_table_free(&t);
	CU_ASSERT_EQUAL(t.count, 0);
	CU_ASSERT_EQUAL(frees, 500);
}

/* SYN -> ESTABLISHED -> FIN_WAIT, each with its timeout. */
static void
test_lb_flow_tcp_states(void)
{
	struct lb_flow_table	 t;
	struct lb_pkt_key	 o, r;
	struct lb_flow		*f;
	int			 dir;

	setup(&t, 16);
	keys(&o, &r, 11, 40000);
	f = lb_flow_new(&t, &o, &r, LB_FS_SYN, 0);
	/* The server's SYN-ACK does not establish; the client's ACK does. */
	lb_flow_touch(&t, f, LB_FLOW_REPLY, LB_TCP_SYN | LB_TCP_ACK, 60, 10);
	CU_ASSERT_EQUAL(f->state, LB_FS_SYN);
	/* Nor does it restart the half-open clock; the client's SYN does. */
	CU_ASSERT_EQUAL(lb_flow_expires(&t, f), 30000);
	lb_flow_touch(&t, f, LB_FLOW_ORIG, LB_TCP_SYN, 60, 15);
	CU_ASSERT_EQUAL(lb_flow_expires(&t, f), 15 + 30000);
	lb_flow_touch(&t, f, LB_FLOW_ORIG, LB_TCP_ACK, 52, 20);
	CU_ASSERT_EQUAL(f->state, LB_FS_EST);
	CU_ASSERT_EQUAL(f->pkts[LB_FLOW_ORIG], 2);
	CU_ASSERT_EQUAL(f->bytes[LB_FLOW_REPLY], 60);
	CU_ASSERT_EQUAL(ends, 0);
	CU_ASSERT_EQUAL(lb_flow_expires(&t, f), 20 + 900000);
	/* Idle just under 900 s: kept; at 900 s: gone. */
	CU_ASSERT_EQUAL(lb_flow_tick(&t, 20 + 899999, 0), 0);
	lb_flow_touch(&t, f, LB_FLOW_ORIG, LB_TCP_ACK | LB_TCP_PSH, 100,
	    500000);
	CU_ASSERT_EQUAL(lb_flow_tick(&t, 20 + 900000, 0), 0);
	/* FIN: no longer active (told once), 120 s left. */
	lb_flow_touch(&t, f, LB_FLOW_REPLY, LB_TCP_FIN | LB_TCP_ACK, 52,
	    600000);
	CU_ASSERT_EQUAL(f->state, LB_FS_FIN);
	CU_ASSERT(f->flags & LB_FLOW_F_FIN_REPLY);
	CU_ASSERT_EQUAL(ends, 1);
	lb_flow_touch(&t, f, LB_FLOW_ORIG, LB_TCP_FIN | LB_TCP_ACK, 52,
	    600001);
	CU_ASSERT(f->flags & LB_FLOW_F_FIN_ORIG);
	CU_ASSERT_EQUAL(ends, 1);
	CU_ASSERT_EQUAL(lb_flow_tick(&t, 600001 + 119999, 0), 0);
	CU_ASSERT_EQUAL(lb_flow_tick(&t, 600001 + 120000, 0), 1);
	CU_ASSERT_PTR_NULL(lb_flow_lookup(&t, &o, &dir));
	CU_ASSERT_EQUAL(ends, 1);
	CU_ASSERT_EQUAL(frees, 1);
	CU_ASSERT_EQUAL(t.expired, 1);
	lb_flow_table_free(&t);
}

/* RST: CLOSE for 10 s; a half-open flow goes after 30 s. */
static void
test_lb_flow_rst_syn(void)
{
	struct lb_flow_table	 t;
	struct lb_pkt_key	 o, r;
	struct lb_flow		*f, *g;

	setup(&t, 16);
	keys(&o, &r, 11, 40000);
	f = lb_flow_new(&t, &o, &r, LB_FS_SYN, 0);
	lb_flow_touch(&t, f, LB_FLOW_ORIG, LB_TCP_ACK, 40, 1);
	lb_flow_touch(&t, f, LB_FLOW_ORIG, LB_TCP_RST, 40, 2);
	CU_ASSERT_EQUAL(f->state, LB_FS_CLOSE);
	CU_ASSERT_EQUAL(ends, 1);
	/* A FIN after the RST does not reopen anything. */
	lb_flow_touch(&t, f, LB_FLOW_REPLY, LB_TCP_FIN, 40, 3);
	CU_ASSERT_EQUAL(f->state, LB_FS_CLOSE);
	keys(&o, &r, 12, 40000);
	g = lb_flow_new(&t, &o, &r, LB_FS_SYN, 3);
	CU_ASSERT_PTR_NOT_NULL(g);
	CU_ASSERT_EQUAL(lb_flow_tick(&t, 3 + 9999, 0), 0);
	CU_ASSERT_EQUAL(lb_flow_tick(&t, 3 + 10000, 0), 1);
	CU_ASSERT_EQUAL(t.count, 1);
	CU_ASSERT_EQUAL(lb_flow_tick(&t, 3 + 29999, 0), 0);
	CU_ASSERT_EQUAL(lb_flow_tick(&t, 3 + 30000, 0), 1);
	CU_ASSERT_EQUAL(t.count, 0);
	CU_ASSERT_EQUAL(ends, 2);
	lb_flow_table_free(&t);
}

/* UDP flows live 300 s from their last packet; settable timeouts. */
static void
test_lb_flow_udp(void)
{
	struct lb_flow_table	 t;
	struct lb_flow_timeouts	 to;
	struct lb_pkt_key	 o, r;
	struct lb_flow		*f;

	setup(&t, 16);
	keys(&o, &r, 11, 5353);
	o.proto = r.proto = LB_IP_UDP;
	f = lb_flow_new(&t, &o, &r, LB_FS_UDP, 0);
	/* TCP flags mean nothing to a UDP flow. */
	lb_flow_touch(&t, f, LB_FLOW_ORIG, LB_TCP_RST, 100, 200000);
	CU_ASSERT_EQUAL(f->state, LB_FS_UDP);
	CU_ASSERT_EQUAL(lb_flow_tick(&t, 200000 + 299999, 0), 0);
	CU_ASSERT_EQUAL(lb_flow_tick(&t, 200000 + 300000, 0), 1);
	lb_flow_table_free(&t);

	lb_flow_timeouts_default(&to);
	to.t[LB_FS_UDP] = 5000;
	CU_ASSERT_EQUAL(lb_flow_table_init(&t, 4, &to, 1), 0);
	f = lb_flow_new(&t, &o, &r, LB_FS_UDP, 0);
	CU_ASSERT_EQUAL(lb_flow_tick(&t, 4999, 0), 0);
	CU_ASSERT_EQUAL(lb_flow_tick(&t, 5000, 0), 1);
	lb_flow_table_free(&t);
}

/* A full table refuses new flows, keeps the others, logs once in 10 s. */
static void
test_lb_flow_full(void)
{
	struct lb_flow_table	 t;
	struct lb_pkt_key	 o, r;
	struct lb_flow		*f[4];
	int			 i, dir;

	setup(&t, 4);
	for (i = 0; i < 4; i++) {
		keys(&o, &r, 20 + i, 1000);
		f[i] = lb_flow_new(&t, &o, &r, LB_FS_SYN, 0);
		CU_ASSERT_PTR_NOT_NULL(f[i]);
	}
	CU_ASSERT_EQUAL(lb_flow_full_log(&t, 1), 0);
	keys(&o, &r, 30, 1000);
	CU_ASSERT_PTR_NULL(lb_flow_new(&t, &o, &r, LB_FS_SYN, 1000));
	CU_ASSERT_PTR_NULL(lb_flow_new(&t, &o, &r, LB_FS_SYN, 1001));
	CU_ASSERT_EQUAL(t.refused, 2);
	CU_ASSERT_EQUAL(t.count, 4);
	CU_ASSERT_EQUAL(lb_flow_full_log(&t, 1002), 1);
	CU_ASSERT_EQUAL(lb_flow_full_log(&t, 1003), 0);
	CU_ASSERT_PTR_NULL(lb_flow_new(&t, &o, &r, LB_FS_SYN, 5000));
	CU_ASSERT_EQUAL(lb_flow_full_log(&t, 5000), 0);
	CU_ASSERT_EQUAL(lb_flow_full_log(&t, 11001), 0);
	CU_ASSERT_EQUAL(lb_flow_full_log(&t, 11002), 1);
	/* Nothing refused since: nothing to log. */
	CU_ASSERT_EQUAL(lb_flow_full_log(&t, 30000), 0);
	/* Existing flows go on. */
	keys(&o, &r, 21, 1000);
	CU_ASSERT_PTR_EQUAL(lb_flow_lookup(&t, &o, &dir), f[1]);
	lb_flow_touch(&t, f[1], LB_FLOW_ORIG, LB_TCP_ACK, 40, 6000);
	CU_ASSERT_EQUAL(f[1]->state, LB_FS_EST);
	/* Half-open ones expire, and there is room again. */
	CU_ASSERT_EQUAL(lb_flow_tick(&t, 30000, 0), 3);
	keys(&o, &r, 30, 1000);
	CU_ASSERT_PTR_NOT_NULL(lb_flow_new(&t, &o, &r, LB_FS_SYN, 30000));
	lb_flow_table_free(&t);
}

/* A tick expires at most its budget, the rest on the next one. */
static void
test_lb_flow_budget(void)
{
	struct lb_flow_table	 t;
	struct lb_pkt_key	 o, r;
	int			 i;

	setup(&t, 64);
	for (i = 0; i < 10; i++) {
		keys(&o, &r, i, 2000);
		lb_flow_new(&t, &o, &r, LB_FS_SYN, i);
	}
	CU_ASSERT_EQUAL(lb_flow_tick(&t, 40000, 4), 4);
	CU_ASSERT_EQUAL(lb_flow_tick(&t, 40000, 4), 4);
	CU_ASSERT_EQUAL(lb_flow_tick(&t, 40000, 4), 2);
	CU_ASSERT_EQUAL(t.count, 0);
	CU_ASSERT_STRING_EQUAL(lb_flow_state_name(LB_FS_EST), "ESTABLISHED");
	CU_ASSERT_STRING_EQUAL(lb_flow_state_name(LB_FS_MAX), "?");
	lb_flow_table_free(&t);
}

static CU_TestInfo lb_flow_tests[] = {
	{ "test_lb_flow_lookup", test_lb_flow_lookup },
	{ "test_lb_flow_many", test_lb_flow_many },
	{ "test_lb_flow_tcp_states", test_lb_flow_tcp_states },
	{ "test_lb_flow_rst_syn", test_lb_flow_rst_syn },
	{ "test_lb_flow_udp", test_lb_flow_udp },
	{ "test_lb_flow_full", test_lb_flow_full },
	{ "test_lb_flow_budget", test_lb_flow_budget },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(lb_flow_suite, "lb_pkt_flow", lb_flow_tests)
