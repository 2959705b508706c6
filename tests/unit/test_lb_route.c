/*
 * test_lb_route.c: the routing of HTTP requests (lb/lb_route.c) and the
 * retry rule of lb_select (servers a request tried are avoided): once-only
 * binding and its end, avoided servers persistent or not, hash keys from
 * the parsed head, sticky entries moving with a retry, the cookie a
 * request carries, and the log tokens.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "http.h"
#include "lb/lb.h"
#include "unit.h"

static const unsigned char secret[] = "route test secret, 32 bytes long";

/* A finished cluster of <n> servers "s1".."sn" with these settings. */
static struct lb_cluster *
mk(int sched, int persist, int once, int n)
{
	struct lb_params	 p;
	struct lb_cluster	*cl;
	const char		*cause = NULL;
	char			 name[8];
	int			 i;

	memset(&p, 0, sizeof p);
	p.mode = LB_MODE_L7;
	p.scheduler = sched;
	p.persist = persist;
	p.once_only = once;
	p.strikeout = p.rise = 1;
	p.secret = secret;
	p.secretlen = sizeof secret - 1;
	p.sticky_max = 100;
	p.sticky_timeout = 60000;
	p.plen4 = 32;
	p.plen6 = 128;
	cl = lb_cluster_new("web", &p);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof name, "s%d", i + 1);
		lb_cluster_add(cl, name, NULL, 1, 0, 0);
	}
	CU_ASSERT_FATAL(lb_cluster_finish(cl, &cause) == 0);
	return (cl);
}

/* Parse <head> into <m> (which then points into <head>). */
static void
parse(struct http_msg *m, const char *head)
{
	CU_ASSERT_FATAL(http_parse_request(m, head, strlen(head), NULL) ==
	    HTTP_DONE);
}

/* A route request for <m> from 198.18.0.11. */
static void
rreq(struct lb_route_req *rr, const struct http_msg *m, struct addr *a)
{
	const char	*cause;

	memset(rr, 0, sizeof *rr);
	CU_ASSERT_FATAL(addr_parse("198.18.0.11", a, &cause) == 0);
	rr->m = m;
	rr->client = a;
	rr->now = 1000;
}

/*
 * Once-only: the request after the first goes to the connection's server
 * unexamined, without a new slot; when that server cannot take it (down,
 * disabled, or tried already by this request), it is routed anew.
 */
static void
test_lb_route_once_only(void)
{
	struct lb_cluster	*cl = mk(LB_SCHED_RR, LB_PERSIST_COOKIE, 1, 2);
	struct http_msg		*m = calloc(1, sizeof *m);
	struct lb_route_req	 rr;
	struct lb_pick		 pk;
	struct lb_server	*first;
	struct addr		 a;

	parse(m, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
	rreq(&rr, m, &a);
	CU_ASSERT_EQUAL(lb_route(cl, &rr, &pk), LB_ROUTE_SELECTED);
	first = pk.srv;
	CU_ASSERT_PTR_NOT_NULL_FATAL(first);
	CU_ASSERT_EQUAL(first->active, 1);
	CU_ASSERT_STRING_EQUAL(lb_route_token(LB_ROUTE_SELECTED, &pk),
	    "scheduled");

	rr.bound = first;
	CU_ASSERT_EQUAL(lb_route(cl, &rr, &pk), LB_ROUTE_BOUND);
	CU_ASSERT_PTR_EQUAL(pk.srv, first);
	CU_ASSERT_EQUAL(pk.record, 0);		/* no cookie for it */
	CU_ASSERT_EQUAL(first->active, 1);	/* no second slot */
	CU_ASSERT_STRING_EQUAL(lb_route_token(LB_ROUTE_BOUND, &pk),
	    "once-only");

	lb_server_set_health(first, LB_DOWN);
	CU_ASSERT_EQUAL(lb_route(cl, &rr, &pk), LB_ROUTE_SELECTED);
	CU_ASSERT_PTR_NOT_EQUAL(pk.srv, first);
	lb_server_release(pk.srv);
	lb_server_set_health(first, LB_UP);

	lb_server_set_admin(first, LB_DISABLED);
	CU_ASSERT_EQUAL(lb_route(cl, &rr, &pk), LB_ROUTE_SELECTED);
	CU_ASSERT_PTR_NOT_EQUAL(pk.srv, first);
	lb_server_release(pk.srv);
	lb_server_set_admin(first, LB_ENABLED);

	rr.avoid[rr.navoid++] = first;
	CU_ASSERT_EQUAL(lb_route(cl, &rr, &pk), LB_ROUTE_SELECTED);
	CU_ASSERT_PTR_NOT_EQUAL(pk.srv, first);
	lb_server_release(pk.srv);
	lb_cluster_free(cl);

	/* Without once-only, a bound server means nothing. */
	cl = mk(LB_SCHED_RR, LB_PERSIST_NONE, 0, 2);
	rr.navoid = 0;
	rr.bound = &cl->srv[0];
	CU_ASSERT_EQUAL(lb_route(cl, &rr, &pk), LB_ROUTE_SELECTED);
	lb_server_release(pk.srv);
	CU_ASSERT_EQUAL(lb_route(cl, &rr, &pk), LB_ROUTE_SELECTED);
	CU_ASSERT_PTR_EQUAL(pk.srv, &cl->srv[1]);
	lb_cluster_free(cl);
	free(m);
}

/*
 * A retry avoids what it tried: a persistent server included (the client
 * then gets a new cookie); with every server tried, nothing is left, and
 * a hot spare comes before nothing.
 */
static void
test_lb_route_avoid(void)
{
	struct lb_cluster	*cl = mk(LB_SCHED_RR, LB_PERSIST_COOKIE, 0, 3);
	struct http_msg		*m = calloc(1, sizeof *m);
	struct lb_route_req	 rr;
	struct lb_pick		 pk;
	struct addr		 a;
	char			 v[LB_COOKIE_VALLEN + 1], head[256];
	int			 i;

	CU_ASSERT_FATAL(lb_cookie_value(&cl->srv[1], v) == 0);
	snprintf(head, sizeof head, "GET / HTTP/1.1\r\nHost: x\r\n"
	    "Cookie: a=1; twinlb=%s\r\n\r\n", v);
	parse(m, head);
	rreq(&rr, m, &a);
	lb_route(cl, &rr, &pk);
	CU_ASSERT_PTR_EQUAL(pk.srv, &cl->srv[1]);
	CU_ASSERT_EQUAL(pk.reason, LB_R_PERSISTENT);
	CU_ASSERT_EQUAL(pk.cookie_ok, 1);
	lb_server_release(pk.srv);

	rr.avoid[rr.navoid++] = &cl->srv[1];
	for (i = 0; i < 4; i++) {
		lb_route(cl, &rr, &pk);
		CU_ASSERT_PTR_NOT_NULL_FATAL(pk.srv);
		CU_ASSERT_PTR_NOT_EQUAL(pk.srv, &cl->srv[1]);
		CU_ASSERT_EQUAL(pk.reason, LB_R_SCHEDULED);
		CU_ASSERT_EQUAL(pk.cookie_ok, 0);
		CU_ASSERT_EQUAL(pk.record, 1);	/* a new cookie */
		lb_server_release(pk.srv);
	}
	rr.avoid[rr.navoid++] = &cl->srv[0];
	rr.avoid[rr.navoid++] = &cl->srv[2];
	lb_route(cl, &rr, &pk);
	CU_ASSERT_PTR_NULL(pk.srv);
	CU_ASSERT_EQUAL(pk.reason, LB_R_NONE);
	CU_ASSERT_STRING_EQUAL(lb_route_token(LB_ROUTE_SELECTED, &pk), "none");
	lb_cluster_free(cl);

	/* The others tried, the hot spare takes it. */
	cl = mk(LB_SCHED_RR, LB_PERSIST_NONE, 0, 3);
	cl->srv[2].flags |= LB_SRV_HOTSPARE;
	rreq(&rr, m, &a);
	rr.avoid[rr.navoid++] = &cl->srv[0];
	rr.avoid[rr.navoid++] = &cl->srv[1];
	lb_route(cl, &rr, &pk);
	CU_ASSERT_PTR_EQUAL(pk.srv, &cl->srv[2]);
	CU_ASSERT_EQUAL(pk.reason, LB_R_SPARE_DOWN);
	CU_ASSERT_STRING_EQUAL(lb_route_token(LB_ROUTE_SELECTED, &pk),
	    "spare-down");
	lb_cluster_free(cl);
	free(m);
}

/*
 * The hash schedulers read the head: hash-uri the path and query (not the
 * Host, not the form the target came in), hash-host the host in any case.
 */
static void
test_lb_route_hash_key(void)
{
	static const char *const paths[] = { "/a", "/b", "/c?x=1", "/d/e",
	    "/f?", "/g/h/i", "/j?k=l&m", "/n" };
	struct lb_cluster	*cl = mk(LB_SCHED_HASH_URI, LB_PERSIST_NONE, 0,
				    4);
	struct http_msg		*m = calloc(1, sizeof *m);
	struct lb_route_req	 rr;
	struct lb_pick		 pk;
	struct lb_server	*want;
	struct addr		 a;
	char			 head[256];
	size_t			 i;
	int			 differ = 0;

	for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		snprintf(head, sizeof head, "GET %s HTTP/1.1\r\nHost: one"
		    "\r\n\r\n", paths[i]);
		parse(m, head);
		rreq(&rr, m, &a);
		lb_route(cl, &rr, &pk);
		want = pk.srv;
		lb_server_release(pk.srv);
		snprintf(head, sizeof head, "GET http://two:81%s HTTP/1.1\r\n"
		    "Host: two:81\r\n\r\n", paths[i]);
		parse(m, head);
		lb_route(cl, &rr, &pk);
		CU_ASSERT_PTR_EQUAL(pk.srv, want);
		lb_server_release(pk.srv);
		if (want != &cl->srv[0])
			differ = 1;
	}
	CU_ASSERT_TRUE(differ);	/* the paths spread at all */
	/* The query counts. */
	differ = 0;
	for (i = 0; i < 8 && !differ; i++) {
		snprintf(head, sizeof head, "GET /q HTTP/1.1\r\nHost: x\r\n"
		    "\r\n");
		parse(m, head);
		lb_route(cl, &rr, &pk);
		want = pk.srv;
		lb_server_release(pk.srv);
		snprintf(head, sizeof head, "GET /q?%zu HTTP/1.1\r\nHost: x"
		    "\r\n\r\n", i);
		parse(m, head);
		lb_route(cl, &rr, &pk);
		differ = pk.srv != want;
		lb_server_release(pk.srv);
	}
	CU_ASSERT_TRUE(differ);
	lb_cluster_free(cl);

	cl = mk(LB_SCHED_HASH_HOST, LB_PERSIST_NONE, 0, 4);
	parse(m, "GET /1 HTTP/1.1\r\nHost: www.example.test\r\n\r\n");
	lb_route(cl, &rr, &pk);
	want = pk.srv;
	lb_server_release(pk.srv);
	parse(m, "GET /2 HTTP/1.1\r\nHost: WWW.Example.TEST\r\n\r\n");
	lb_route(cl, &rr, &pk);
	CU_ASSERT_PTR_EQUAL(pk.srv, want);
	lb_server_release(pk.srv);
	lb_cluster_free(cl);
	free(m);
}

/*
 * Sticky persistence by client address: the client comes back to its
 * server, and a retry that avoids it moves the entry to the new one.
 */
static void
test_lb_route_sticky(void)
{
	struct lb_cluster	*cl = mk(LB_SCHED_RR, LB_PERSIST_STICKY, 0, 3);
	struct http_msg		*m = calloc(1, sizeof *m);
	struct lb_route_req	 rr;
	struct lb_pick		 pk;
	struct lb_server	*first, *second;
	struct addr		 a;

	parse(m, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
	rreq(&rr, m, &a);
	lb_route(cl, &rr, &pk);
	first = pk.srv;
	CU_ASSERT_EQUAL(pk.reason, LB_R_SCHEDULED);
	lb_server_release(pk.srv);
	lb_route(cl, &rr, &pk);
	CU_ASSERT_PTR_EQUAL(pk.srv, first);
	CU_ASSERT_EQUAL(pk.reason, LB_R_PERSISTENT);
	lb_server_release(pk.srv);

	rr.avoid[rr.navoid++] = first;
	lb_route(cl, &rr, &pk);
	second = pk.srv;
	CU_ASSERT_PTR_NOT_EQUAL(second, first);
	lb_server_release(pk.srv);
	rr.navoid = 0;
	lb_route(cl, &rr, &pk);
	CU_ASSERT_PTR_EQUAL(pk.srv, second);
	CU_ASSERT_EQUAL(pk.reason, LB_R_PERSISTENT);
	lb_server_release(pk.srv);
	CU_ASSERT_EQUAL(lb_sticky_count(cl->sticky), 1);

	/* No client address: scheduled, nothing recorded. */
	rr.client = NULL;
	lb_route(cl, &rr, &pk);
	CU_ASSERT_EQUAL(pk.reason, LB_R_SCHEDULED);
	lb_server_release(pk.srv);
	CU_ASSERT_EQUAL(lb_sticky_count(cl->sticky), 1);
	lb_cluster_free(cl);
	free(m);
}

/*
 * The cookie a request carries, in whichever Cookie field: ours found by
 * name (not a longer name that starts the same), the first that verifies
 * wins.
 */
static void
test_lb_route_cookie_field(void)
{
	struct lb_cluster	*cl = mk(LB_SCHED_RR, LB_PERSIST_COOKIE, 0, 3);
	struct http_msg		*m = calloc(1, sizeof *m);
	struct lb_route_req	 rr;
	struct lb_pick		 pk;
	struct addr		 a;
	char			 v[LB_COOKIE_VALLEN + 1], head[512];

	CU_ASSERT_FATAL(lb_cookie_value(&cl->srv[2], v) == 0);
	snprintf(head, sizeof head, "GET / HTTP/1.1\r\nHost: x\r\n"
	    "Cookie: twinlbx=%s; lang=ja\r\nCookie: sid=9; twinlb=%s\r\n\r\n",
	    v, v);
	parse(m, head);
	CU_ASSERT_PTR_EQUAL(lb_cookie_header(m, "twinlb"), &m->headers[2]);
	rreq(&rr, m, &a);
	lb_route(cl, &rr, &pk);
	CU_ASSERT_PTR_EQUAL(pk.srv, &cl->srv[2]);
	CU_ASSERT_EQUAL(pk.cookie_ok, 1);
	CU_ASSERT_STRING_EQUAL(lb_route_token(LB_ROUTE_SELECTED, &pk),
	    "persistent");
	lb_server_release(pk.srv);

	snprintf(head, sizeof head, "GET / HTTP/1.1\r\nHost: x\r\n"
	    "Cookie: twinlbx=%s\r\n\r\n", v);
	parse(m, head);
	CU_ASSERT_PTR_NULL(lb_cookie_header(m, "twinlb"));
	lb_route(cl, &rr, &pk);
	CU_ASSERT_EQUAL(pk.reason, LB_R_SCHEDULED);
	lb_server_release(pk.srv);
	lb_cluster_free(cl);
	free(m);
}

/*
 * A cookie with an age is renewed by every response to a request that
 * carried it (so it runs out cookie-age after the client's last request);
 * a session cookie is set once.
 */
static void
test_lb_cookie_renewal(void)
{
	struct lb_cluster	*cl = mk(LB_SCHED_RR, LB_PERSIST_COOKIE, 0, 2);
	struct http_msg		*m = calloc(1, sizeof *m);
	struct lb_route_req	 rr;
	struct lb_pick		 pk;
	struct addr		 a;
	char			 v[LB_COOKIE_VALLEN + 1], head[256];

	CU_ASSERT_FATAL(lb_cookie_value(&cl->srv[0], v) == 0);
	snprintf(head, sizeof head, "GET / HTTP/1.1\r\nHost: x\r\n"
	    "Cookie: twinlb=%s\r\n\r\n", v);
	parse(m, head);
	rreq(&rr, m, &a);
	lb_route(cl, &rr, &pk);
	CU_ASSERT_EQUAL(pk.cookie_ok, 1);
	CU_ASSERT_EQUAL(lb_cookie_want(cl, &pk, 0), 0);	/* session */
	CU_ASSERT_EQUAL(lb_cookie_want(cl, &pk, 1), 0);
	cl->p.cookie.age = 3600 * 1000;
	CU_ASSERT_EQUAL(lb_cookie_want(cl, &pk, 0), 1);	/* renewed */
	lb_server_release(pk.srv);
	/* Unexamined (once-only): nothing to record, nothing renewed. */
	cl->p.once_only = 1;
	rr.bound = &cl->srv[0];
	CU_ASSERT_EQUAL(lb_route(cl, &rr, &pk), LB_ROUTE_BOUND);
	CU_ASSERT_EQUAL(lb_cookie_want(cl, &pk, 1), 0);
	lb_cluster_free(cl);
	free(m);
}

/*
 * A reload's successor cluster takes over health, slots and counters by
 * server name, and the sticky table when its settings are the same.
 */
static void
test_lb_cluster_carry(void)
{
	struct lb_cluster	*old = mk(LB_SCHED_RR, LB_PERSIST_STICKY, 0,
				    3);
	struct lb_cluster	*new;
	struct lb_params	 p;
	const char		*cause;
	struct lb_key		 k;
	struct addr		 a;
	uint32_t		 id;

	lb_server_set_health(&old->srv[1], LB_DOWN);
	lb_server_take(&old->srv[2]);
	lb_server_take(&old->srv[2]);
	old->srv[2].st.picks = 42;
	CU_ASSERT_FATAL(addr_parse("198.18.0.11", &a, &cause) == 0);
	lb_key_addr(&k, &a, 32, 128);
	lb_sticky_put(old->sticky, &k, old->srv[2].id, 1000);

	p = old->p;
	p.secret = secret;
	p.secretlen = sizeof secret - 1;
	new = lb_cluster_new("web", &p);
	lb_cluster_add(new, "s3", NULL, 1, 0, 0);
	lb_cluster_add(new, "s2", NULL, 1, 0, 0);
	lb_cluster_add(new, "s4", NULL, 1, 0, 0);
	CU_ASSERT_FATAL(lb_cluster_finish(new, &cause) == 0);
	lb_cluster_carry(new, old);
	CU_ASSERT_EQUAL(new->srv[0].active, 2);		/* s3 */
	CU_ASSERT_EQUAL(new->srv[0].st.picks, 42);
	CU_ASSERT_EQUAL(new->srv[1].health, LB_DOWN);	/* s2 */
	CU_ASSERT_EQUAL(new->srv[2].health, LB_UP);	/* s4, new */
	CU_ASSERT_EQUAL(new->srv[2].active, 0);
	CU_ASSERT_EQUAL(lb_sticky_get(new->sticky, &k, 2000, &id), 1);
	CU_ASSERT_EQUAL(id, new->srv[0].id);
	CU_ASSERT_EQUAL(lb_sticky_count(old->sticky), 0);
	lb_cluster_free(old);
	lb_cluster_free(new);
}

static CU_TestInfo lb_route_tests[] = {
	{ "once-only", test_lb_route_once_only },
	{ "avoid tried servers", test_lb_route_avoid },
	{ "hash keys", test_lb_route_hash_key },
	{ "sticky", test_lb_route_sticky },
	{ "cookie field", test_lb_route_cookie_field },
	{ "cookie renewal", test_lb_cookie_renewal },
	{ "carry across a reload", test_lb_cluster_carry },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(lb_route_suite, "lb_route", lb_route_tests)
