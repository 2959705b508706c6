/*
 * test_lib_conn.c: the outgoing connect (source address, address list),
 * the lingering close and the idle connection pool, over loopback.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "ev.h"
#include "pool.h"
#include "unit.h"

static int			ct_events;
static short			ct_last;
static int			ct_ended;
static enum conn_linger_end	ct_why;

static void	ct_event_cb(struct bufferevent *, short, void *);
static void	ct_linger_cb(enum conn_linger_end, void *);
static enum conn_linger_end ct_linger_alone(size_t, uint64_t, uint64_t, int);

/* Note a connection's events. */
static void
ct_event_cb(struct bufferevent *bev, short what, void *arg)
{
	ct_events++;
	ct_last = what;
}

/* Note how a linger ended. */
static void
ct_linger_cb(enum conn_linger_end why, void *arg)
{
	ct_ended++;
	ct_why = why;
}

/*
 * Close a connection holding <len> bytes of reply, lingering, for a peer
 * that neither reads nor closes; return how it ended (once).
 */
static enum conn_linger_end
ct_linger_alone(size_t len, uint64_t send_ms, uint64_t linger_ms, int wait)
{
	struct event_base	*base = event_base_new();
	struct bufferevent	*bev;
	struct conn_linger	*cl;
	char			*reply = calloc(1, len + 1);
	int			 sp[2];

	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
	    sp) == 0);
	bev = bufferevent_socket_new(base, sp[0], BEV_OPT_CLOSE_ON_FREE);
	bufferevent_write(bev, reply, len);
	ct_ended = 0;
	cl = conn_linger_new(base, bev, send_ms, linger_ms, ct_linger_cb,
	    NULL);
	unit_run(base, wait);
	CU_ASSERT_EQUAL(ct_ended, 1);
	conn_linger_free(cl);
	bufferevent_free(bev);
	close(sp[1]);
	free(reply);
	event_base_free(base);
	return (ct_why);
}

/* A connection leaves from the source address asked for. */
static void
test_conn_connect_source(void)
{
	struct event_base	*base = event_base_new();
	struct conn_limits	 lim = { 65536, FLOW_LIMITS_DEFAULT, 2000 };
	struct conn_cbs		 cbs = { NULL, NULL, ct_event_cb, NULL };
	struct bufferevent	*bev;
	struct sockaddr_in	 peer;
	socklen_t		 len = sizeof peer;
	struct addr		 dst, src;
	const char		*op, *cause;
	int			 l, fd, err;

	l = unit_listen(&dst);
	CU_ASSERT_FATAL(addr_parse("127.0.0.2", &src, &cause) == 0);
	ct_events = 0;
	bev = conn_connect(base, &dst, &src, &lim, &cbs, &err, &op);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bev);
	unit_run(base, 100);
	CU_ASSERT_EQUAL(ct_events, 1);
	CU_ASSERT(ct_last & BEV_EVENT_CONNECTED);
	fd = accept(l, (struct sockaddr *)&peer, &len);
	CU_ASSERT_FATAL(fd != -1);
	CU_ASSERT_EQUAL(ntohl(peer.sin_addr.s_addr), 0x7f000002);
	close(fd);
	bufferevent_free(bev);
	close(l);

	/* Nothing listens any more: the event callback hears it. */
	ct_events = 0;
	bev = conn_connect(base, &dst, NULL, &lim, &cbs, &err, &op);
	if (bev != NULL) {
		unit_run(base, 100);
		CU_ASSERT_EQUAL(ct_events, 1);
		CU_ASSERT(ct_last & BEV_EVENT_ERROR);
		bufferevent_free(bev);
	} else
		CU_ASSERT_EQUAL(err, ECONNREFUSED);
	event_base_free(base);
}

static void
test_conn_addrs_next(void)
{
	struct conn_addrs	 ca;
	struct addr		 a;
	const char		*cause;
	int			 i;

	conn_addrs_clear(&ca);
	CU_ASSERT_FATAL(addr_parse("198.18.0.1", &a, &cause) == 0);
	for (i = 0; i < CONN_MAXADDRS; i++) {
		a.port = 80 + i;
		CU_ASSERT_EQUAL(conn_addrs_add(&ca, &a), 1);
	}
	CU_ASSERT_EQUAL(conn_addrs_add(&ca, &a), 0);
	CU_ASSERT_EQUAL(conn_addrs_cur(&ca)->port, 80);
	for (i = 1; i < CONN_MAXADDRS; i++) {
		CU_ASSERT_EQUAL(conn_addrs_next(&ca), 1);
		CU_ASSERT_EQUAL(conn_addrs_cur(&ca)->port, 80 + i);
	}
	CU_ASSERT_EQUAL(conn_addrs_next(&ca), 0);
}

/* The queued reply goes out, then a half-close, then the peer's close. */
static void
test_conn_linger_close(void)
{
	struct event_base	*base = event_base_new();
	struct bufferevent	*bev;
	struct conn_linger	*cl;
	char			 buf[64];
	int			 sp[2];

	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
	    sp) == 0);
	bev = bufferevent_socket_new(base, sp[0], BEV_OPT_CLOSE_ON_FREE);
	bufferevent_write(bev, "reply", 5);
	/* Request bytes the peer is still sending are dropped. */
	CU_ASSERT_EQUAL(write(sp[1], "more", 4), 4);
	ct_ended = 0;
	cl = conn_linger_new(base, bev, 1000, 2000, ct_linger_cb, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cl);
	unit_run(base, 50);
	CU_ASSERT_EQUAL(ct_ended, 0);
	CU_ASSERT_EQUAL(read(sp[1], buf, sizeof buf), 5);
	/* Half-closed: the peer sees the end of the stream. */
	CU_ASSERT_EQUAL(read(sp[1], buf, sizeof buf), 0);
	close(sp[1]);
	unit_run(base, 50);
	CU_ASSERT_EQUAL(ct_ended, 1);
	CU_ASSERT_EQUAL(ct_why, CONN_LINGER_CLOSED);
	conn_linger_free(cl);
	bufferevent_free(bev);
	event_base_free(base);
	/* A peer that never closes: the linger time ends it. */
	CU_ASSERT_EQUAL(ct_linger_alone(0, 1000, 100, 300), CONN_LINGER_SENT);
}

/* A peer that reads nothing: the reply cannot go, the send time ends it. */
static void
test_conn_linger_stalled(void)
{
	CU_ASSERT_EQUAL(ct_linger_alone(4 * 1024 * 1024, 200, 2000, 500),
	    CONN_LINGER_STALLED);
}

/*
 * The pool: keyed, bounded, and closing what times out or speaks. Return
 * -1 if the test stalled past the idle time before checking that a
 * connection is still kept (a loaded machine): that try proves nothing.
 */
static int
pool_keyed_try(void)
{
	struct event_base	*base = event_base_new();
	struct pool_conf	 pc = { 2, 200 };
	struct pool		*p;
	struct bufferevent	*bev[3], *got;
	struct addr		 a, peer;
	const char		*cause;
	uint64_t		 t0;
	int			 sp[3][2], i, rv = 0;

	CU_ASSERT_FATAL(addr_parse("198.18.0.1", &a, &cause) == 0);
	for (i = 0; i < 3; i++) {
		CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM |
		    SOCK_NONBLOCK, 0, sp[i]) == 0);
		bev[i] = bufferevent_socket_new(base, sp[i][0],
		    BEV_OPT_CLOSE_ON_FREE);
	}
	p = pool_new(&pc);
	CU_ASSERT_EQUAL(pool_put(p, "a.test:80", &a, bev[0]), 0);
	t0 = unit_ms();
	CU_ASSERT_EQUAL(pool_put(p, "b.test:80", &a, bev[1]), 0);
	/* Full. */
	CU_ASSERT_EQUAL(pool_put(p, "a.test:80", &a, bev[2]), -1);
	CU_ASSERT_EQUAL(pool_count(p), 2);
	CU_ASSERT_PTR_NULL(pool_get(p, "c.test:80", NULL));
	got = pool_get(p, "A.TEST:80", &peer);
	CU_ASSERT_PTR_EQUAL(got, bev[0]);
	CU_ASSERT_TRUE(addr_eq(&peer, &a));
	CU_ASSERT_EQUAL(pool_count(p), 1);
	CU_ASSERT_EQUAL(pool_put(p, "a.test:80", &a, bev[0]), 0);
	CU_ASSERT_EQUAL(pool_put(p, "a.test:80", &a, bev[2]), -1);
	/* The origin speaks on an idle connection: it is closed. */
	CU_ASSERT_EQUAL(write(sp[0][1], "x", 1), 1);
	unit_run(base, 50);
	if (unit_ms() - t0 >= pc.idle_ms) {
		rv = -1;
		goto out;
	}
	CU_ASSERT_EQUAL(pool_count(p), 1);
	CU_ASSERT_PTR_NULL(pool_get(p, "a.test:80", NULL));
	/* Unused for idle_ms: closed. */
	unit_run(base, 400);
	CU_ASSERT_EQUAL(pool_count(p), 0);
	/* Disabled (idle 0): nothing is kept. */
	pc.idle_ms = 0;
	pool_set(p, &pc);
	CU_ASSERT_EQUAL(pool_put(p, "a.test:80", &a, bev[2]), -1);
out:
	bufferevent_free(bev[2]);
	pool_free(p);
	for (i = 0; i < 3; i++)
		close(sp[i][1]);
	event_base_free(base);
	return (rv);
}

static void
test_pool_keyed_bounded(void)
{
	int	try;

	for (try = 0; try < UNIT_TRIES; try++)
		if (pool_keyed_try() == 0)
			break;
	CU_ASSERT(try < UNIT_TRIES);
}

static CU_TestInfo tests[] = {
	{ "connect_source", test_conn_connect_source },
	{ "addrs_next", test_conn_addrs_next },
	{ "linger_close", test_conn_linger_close },
	{ "linger_stalled", test_conn_linger_stalled },
	{ "pool_keyed_bounded", test_pool_keyed_bounded },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(lib_conn_suite, "lib_conn", tests)
