/*
 * test_lib_listener.c: the listener set: sync all or nothing, the
 * max-connections hold, the EMFILE pause.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "listener.h"
#include "unit.h"

static int	lt_accepted;

static void	lt_accept_cb(int, const struct sockaddr *, int, void *);
static void	lt_toggle_cb(int, void *);
static struct addr lt_addr(const char *);
static int	lt_connect(const struct addr *);
static int	lt_free_port(void);
static struct listener_set *lt_new(struct event_base *,
		    const struct listener_conf *, struct listener_counters *,
		    struct addr *);

/* Count and close accepted connections. */
static void
lt_accept_cb(int fd, const struct sockaddr *sa, int salen, void *arg)
{
	lt_accepted++;
	close(fd);
}

/* Record what the pause asked for. */
static void
lt_toggle_cb(int on, void *arg)
{
	*(int *)arg = on;
}

/* Parse an address or fail the test. */
static struct addr
lt_addr(const char *s)
{
	struct addr	 a;
	const char	*cause;

	memset(&a, 0, sizeof a);
	CU_ASSERT_FATAL(addr_parse(s, &a, &cause) == 0);
	return (a);
}

/* A port nothing listens on now (the kernel's choice). */
static int
lt_free_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			fd, port;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0);
	CU_ASSERT_FATAL(getsockname(fd, (struct sockaddr *)&sin, &len) == 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return (port);
}

/* Try to connect; 0 when the connection was made. */
static int
lt_connect(const struct addr *a)
{
	struct sockaddr_storage	ss;
	socklen_t		len = addr_to_sa(a, &ss);
	int			fd, rv;

	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	rv = connect(fd, (struct sockaddr *)&ss, len);
	close(fd);
	return (rv);
}

/* A set whose first address is on a free port of 127.0.0.1 (in *a). */
static struct listener_set *
lt_new(struct event_base *base, const struct listener_conf *lc,
    struct listener_counters *cnt, struct addr *a)
{
	memset(cnt, 0, sizeof *cnt);
	*a = lt_addr("127.0.0.1");
	a->port = lt_free_port();
	return (listener_set_new(base, lc, cnt, lt_accept_cb, NULL));
}

/* A sync that cannot bind one new address changes nothing. */
static void
test_listener_set_sync_all_or_nothing(void)
{
	struct listener_conf	 lc = { 16, 0, 100, 0 };
	struct listener_counters cnt;
	struct event_base	*base = event_base_new();
	struct listener_set	*ls;
	struct addr		 a[3], busy;
	const char		*cause;
	int			 hold;

	ls = lt_new(base, &lc, &cnt, &a[0]);
	a[1] = lt_addr("127.0.0.1");
	a[1].port = lt_free_port();
	CU_ASSERT_EQUAL(listener_set_sync(ls, a, 1, &cause), 0);
	CU_ASSERT_EQUAL(listener_set_count(ls), 1);
	CU_ASSERT_EQUAL(lt_connect(&a[0]), 0);

	/* The third address is held by someone else: all or nothing. */
	busy = lt_addr("127.0.0.1");
	busy.port = lt_free_port();
	hold = ev_listen_socket(&busy, 0, 1, &cause);
	CU_ASSERT_FATAL(hold != -1);
	a[2] = busy;
	CU_ASSERT_EQUAL(listener_set_sync(ls, a, 3, &cause), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, "address already in use"));
	CU_ASSERT_EQUAL(listener_set_count(ls), 1);
	/* a[1] was opened for the attempt and closed again. */
	CU_ASSERT_NOT_EQUAL(lt_connect(&a[1]), 0);
	CU_ASSERT_EQUAL(lt_connect(&a[0]), 0);
	close(hold);

	/* Now it succeeds; listed twice counts once; a[0] is kept. */
	a[2] = a[1];
	CU_ASSERT_EQUAL(listener_set_sync(ls, a, 3, &cause), 0);
	CU_ASSERT_EQUAL(listener_set_count(ls), 2);
	/* Dropping a[0] closes it and keeps a[1]. */
	CU_ASSERT_EQUAL(listener_set_sync(ls, &a[1], 1, &cause), 0);
	CU_ASSERT_EQUAL(listener_set_count(ls), 1);
	CU_ASSERT_NOT_EQUAL(lt_connect(&a[0]), 0);
	CU_ASSERT_EQUAL(lt_connect(&a[1]), 0);
	listener_set_free(ls);
	event_base_free(base);
}

/* Accepting stops at max-connections and resumes below it. */
static void
test_listener_set_max_conns(void)
{
	struct listener_conf	 lc = { 16, 0, 100, 2 };
	struct listener_counters cnt;
	struct event_base	*base = event_base_new();
	struct listener_set	*ls;
	struct addr		 a;
	const char		*cause;

	ls = lt_new(base, &lc, &cnt, &a);
	CU_ASSERT_EQUAL(listener_set_sync(ls, &a, 1, &cause), 0);
	CU_ASSERT_TRUE(listener_set_accepting(ls));
	listener_set_conn(ls, 1);
	CU_ASSERT_TRUE(listener_set_accepting(ls));
	listener_set_conn(ls, 1);
	CU_ASSERT_FALSE(listener_set_accepting(ls));
	CU_ASSERT_EQUAL(cnt.open, 2);
	CU_ASSERT_EQUAL(cnt.total, 2);
	listener_set_conn(ls, -1);
	CU_ASSERT_TRUE(listener_set_accepting(ls));
	/* A reload lowering the limit holds at once. */
	listener_set_max(ls, 1);
	CU_ASSERT_FALSE(listener_set_accepting(ls));
	listener_set_max(ls, 10);
	CU_ASSERT_TRUE(listener_set_accepting(ls));
	/* A drain closes the sockets for good. */
	listener_set_close(ls);
	CU_ASSERT_FALSE(listener_set_accepting(ls));
	CU_ASSERT_EQUAL(listener_set_count(ls), 0);
	listener_set_conn(ls, -1);
	CU_ASSERT_FALSE(listener_set_accepting(ls));
	listener_set_free(ls);
	event_base_free(base);
}

/* EMFILE pauses accepting for a while; other errors do not. */
static void
test_listener_pause_emfile(void)
{
	struct event_base	*base = event_base_new();
	struct listener_pause	*p;
	struct timeval		 tv = { 0, 300000 };
	int			 on = -1;

	p = listener_pause_new(base, 100, lt_toggle_cb, &on);
	CU_ASSERT_EQUAL(listener_pause_error(p, ECONNABORTED), 0);
	CU_ASSERT_EQUAL(on, -1);
	CU_ASSERT_EQUAL(listener_pause_error(p, EMFILE), 1);
	CU_ASSERT_EQUAL(on, 0);
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	CU_ASSERT_EQUAL(on, 1);
	CU_ASSERT_EQUAL(listener_pause_error(p, ENFILE), 1);
	CU_ASSERT_EQUAL(on, 0);
	listener_pause_free(p);
	event_base_free(base);
}

/* Connections reach the accept callback. */
static void
test_listener_set_accepts(void)
{
	struct listener_conf	 lc = { 16, 1, 100, 0 };
	struct listener_counters cnt;
	struct event_base	*base = event_base_new();
	struct listener_set	*ls;
	struct timeval		 tv = { 0, 100000 };
	struct addr		 a;
	const char		*cause;

	ls = lt_new(base, &lc, &cnt, &a);
	CU_ASSERT_EQUAL(listener_set_sync(ls, &a, 1, &cause), 0);
	lt_accepted = 0;
	CU_ASSERT_EQUAL(lt_connect(&a), 0);
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	CU_ASSERT_EQUAL(lt_accepted, 1);
	listener_set_free(ls);
	event_base_free(base);
}

static CU_TestInfo tests[] = {
	{ "sync_all_or_nothing", test_listener_set_sync_all_or_nothing },
	{ "max_conns", test_listener_set_max_conns },
	{ "pause_emfile", test_listener_pause_emfile },
	{ "accepts", test_listener_set_accepts },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(lib_listener_suite, "lib_listener", tests)
