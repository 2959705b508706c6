/*
 * test_lib_flow.c: flow_send() under flow_dispatch(): small outputs leave
 * at the end of the turn, together, or 16 at a time in a long turn; a
 * full one at once; one freed in the turn is still sent; a write event
 * armed meanwhile (a lingering close) hears that the output drained; the
 * loop ends when asked to.
 */
#include <sys/socket.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "flow.h"
#include "unit.h"

struct ft {
	struct event_base	*base;
	struct bufferevent	*bev;
	int			 peer;		/* the far end */
	struct flow_limits	 fl;
	ssize_t			 in_turn;	/* peer's recv inside the turn */
	int			 in_errno;
	int			 wrote;		/* write callback runs */
	size_t			 out_at_cb;	/* output then */
	int			 step;
};

static void
ft_open(struct ft *t, size_t high)
{
	int	sv[2];

	memset(t, 0, sizeof *t);
	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
	    sv) == 0);
	t->base = ev_base_new_batched();
	t->bev = bufferevent_socket_new(t->base, sv[0],
	    BEV_OPT_CLOSE_ON_FREE);
	CU_ASSERT_FATAL(t->bev != NULL);
	/* As twin-lb's: the write event off until something is left. */
	bufferevent_disable(t->bev, EV_WRITE);
	t->peer = sv[1];
	t->fl.high = high;
	t->fl.low = high / 4;
}

static void
ft_close(struct ft *t)
{
	if (t->bev != NULL)
		bufferevent_free(t->bev);
	close(t->peer);
	event_base_free(t->base);
}

/* What the far end can read now, NUL-terminated. */
static ssize_t
ft_peek(struct ft *t, char *buf, size_t len)
{
	ssize_t	n;

	n = recv(t->peer, buf, len - 1, MSG_DONTWAIT);
	buf[n > 0 ? n : 0] = '\0';
	return (n);
}

/* Run cb inside the loop, then end the loop a little later. */
static void
ft_dispatch(struct ft *t, event_callback_fn cb)
{
	struct timeval	tv = { 0, 0 }, later = { 0, 50000 };

	event_base_once(t->base, -1, EV_TIMEOUT, cb, t, &tv);
	event_base_loopexit(t->base, &later);
	flow_dispatch(t->base);
}

/* Queue "ab" in two sends and look at the far end inside the turn. */
static void
two_sends_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct ft	*t = arg;
	char		 c;

	bufferevent_write(t->bev, "a", 1);
	flow_send(t->bev, NULL, &t->fl);
	bufferevent_write(t->bev, "b", 1);
	flow_send(t->bev, NULL, &t->fl);
	t->in_turn = recv(t->peer, &c, 1, MSG_DONTWAIT);
	t->in_errno = errno;
}

static void
test_flow_end_of_turn(void)
{
	struct ft	t;
	char		buf[64];

	ft_open(&t, 1024);
	ft_dispatch(&t, two_sends_cb);
	/* Nothing left during the turn; both, once and in order, after. */
	CU_ASSERT_EQUAL(t.in_turn, -1);
	CU_ASSERT_EQUAL(t.in_errno, EAGAIN);
	CU_ASSERT_EQUAL(ft_peek(&t, buf, sizeof buf), 2);
	CU_ASSERT_STRING_EQUAL(buf, "ab");
	CU_ASSERT_EQUAL(evbuffer_get_length(bufferevent_get_output(t.bev)), 0);
	/* Not left for later: the write event is off again. */
	CU_ASSERT_EQUAL(bufferevent_get_enabled(t.bev) & EV_WRITE, 0);
	/* Outside flow_dispatch(), a send is made at once. */
	bufferevent_write(t.bev, "c", 1);
	flow_send(t.bev, NULL, &t.fl);
	CU_ASSERT_EQUAL(ft_peek(&t, buf, sizeof buf), 1);
	CU_ASSERT_STRING_EQUAL(buf, "c");
	ft_close(&t);
}

/* Sixteen sends in one turn: the sixteenth writes them. */
static void
batch_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct ft	*t = arg;
	char		 buf[64];
	int		 i;

	for (i = 0; i < 16; i++) {
		if (i == 15)
			t->in_turn = ft_peek(t, buf, sizeof buf);
		bufferevent_write(t->bev, "x", 1);
		flow_send(t->bev, NULL, &t->fl);
	}
	t->step = (int)ft_peek(t, buf, sizeof buf);
}

static void
test_flow_batch_bound(void)
{
	struct ft	t;

	ft_open(&t, 1024);
	ft_dispatch(&t, batch_cb);
	CU_ASSERT_EQUAL(t.in_turn, -1);
	CU_ASSERT_EQUAL(t.step, 16);
	ft_close(&t);
}

/* An output at the high-water mark goes at once. */
static void
full_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct ft	*t = arg;
	char		 buf[64];

	bufferevent_write(t->bev, "0123456789abcdef", 16);
	flow_send(t->bev, NULL, &t->fl);
	t->in_turn = ft_peek(t, buf, sizeof buf);
}

static void
test_flow_full_at_once(void)
{
	struct ft	t;

	ft_open(&t, 16);
	ft_dispatch(&t, full_cb);
	CU_ASSERT_EQUAL(t.in_turn, 16);
	ft_close(&t);
}

/* Send, then free the bufferevent in the same turn. */
static void
freed_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct ft	*t = arg;

	bufferevent_write(t->bev, "bye", 3);
	flow_send(t->bev, NULL, &t->fl);
	bufferevent_free(t->bev);
	t->bev = NULL;
}

static void
test_flow_freed_in_turn(void)
{
	struct ft	t;
	char		buf[64];

	ft_open(&t, 1024);
	ft_dispatch(&t, freed_cb);
	/* Sent, then closed: the reference kept it until it was written. */
	CU_ASSERT_EQUAL(ft_peek(&t, buf, sizeof buf), 3);
	CU_ASSERT_STRING_EQUAL(buf, "bye");
	CU_ASSERT_EQUAL(ft_peek(&t, buf, sizeof buf), 0);
	ft_close(&t);
}

static void
armed_write_cb(struct bufferevent *bev, void *arg)
{
	struct ft	*t = arg;

	t->wrote++;
	t->out_at_cb = evbuffer_get_length(bufferevent_get_output(bev));
}

/* Send, then arm the write event as a lingering close does. */
static void
armed_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct ft	*t = arg;

	bufferevent_write(t->bev, "last", 4);
	flow_send(t->bev, NULL, &t->fl);
	bufferevent_setcb(t->bev, NULL, armed_write_cb, NULL, t);
	bufferevent_setwatermark(t->bev, EV_WRITE, 0, 0);
	bufferevent_enable(t->bev, EV_WRITE);
}

static void
test_flow_armed_hears_drained(void)
{
	struct ft	t;
	char		buf[64];

	ft_open(&t, 1024);
	ft_dispatch(&t, armed_cb);
	/* libevent's write found nothing left; the flush told instead. */
	CU_ASSERT_EQUAL(t.wrote, 1);
	CU_ASSERT_EQUAL(t.out_at_cb, 0);
	CU_ASSERT_EQUAL(ft_peek(&t, buf, sizeof buf), 4);
	CU_ASSERT_STRING_EQUAL(buf, "last");
	ft_close(&t);
}

/* Asked to break, the loop ends without waiting for its timers. */
static void
break_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct ft	*t = arg;

	t->step++;
	event_base_loopbreak(t->base);
}

static void
test_flow_dispatch_ends(void)
{
	struct ft	t;
	struct timeval	tv = { 0, 0 }, far = { 60, 0 };

	ft_open(&t, 1024);
	event_base_once(t.base, -1, EV_TIMEOUT, break_cb, &t, &tv);
	event_base_once(t.base, -1, EV_TIMEOUT, break_cb, &t, &far);
	flow_dispatch(t.base);
	/* The far timer never ran: the loop did not wait for it. */
	CU_ASSERT_EQUAL(t.step, 1);
	ft_close(&t);
}

static CU_TestInfo tests[] = {
	{ "end_of_turn", test_flow_end_of_turn },
	{ "batch_bound", test_flow_batch_bound },
	{ "full_at_once", test_flow_full_at_once },
	{ "freed_in_turn", test_flow_freed_in_turn },
	{ "armed_hears_drained", test_flow_armed_hears_drained },
	{ "dispatch_ends", test_flow_dispatch_ends },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(lib_flow_suite, "lib_flow", tests)
