/*
 * test_lib_relay.c: the relay over real sockets: the splice path (TCP on
 * loopback), the copying path (socket pairs, asked for, and TLS
 * bufferevents, detected), backpressure, idle timeout, byte counts and
 * the reason it ended.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "ev.h"
#include "relay.h"
#include "unit.h"

/* One relay between A and B, with the far ends in our hands. */
struct rt {
	struct event_base	*base;
	struct bufferevent	*a, *b;		/* the relay's two sides */
	int			 fa, fb;	/* their peers */
	struct relay		*r;
	int			 ended;
	enum relay_end		 why;
	uint64_t		 total[2];
	int			 own_cb;	/* the owner's callback ran */
};

static void	rt_done_cb(struct relay *, enum relay_end, void *);
static void	rt_own_cb(struct bufferevent *, void *);
static void	rt_tcp_pair(int *, int *);
static void	rt_open(struct rt *, int, int, const struct relay_conf *);
static void	rt_close(struct rt *);
static void	rt_run(struct rt *, int);
static void	rt_conf(struct relay_conf *, struct rt *);
static size_t	rt_pump(struct rt *, int, int, const char *, size_t, char *,
		    size_t);
static void	rt_both_ways(int, int);

/* The relay ended. */
static void
rt_done_cb(struct relay *r, enum relay_end why, void *arg)
{
	struct rt	*t = arg;

	t->ended++;
	t->why = why;
}

/* A callback of the bufferevents' owner, given back by relay_free(). */
static void
rt_own_cb(struct bufferevent *bev, void *arg)
{
	struct rt	*t = arg;

	t->own_cb++;
}

/* A connected TCP pair on loopback (non-blocking). */
static void
rt_tcp_pair(int *x, int *y)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	int			 l, on = 1;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(l != -1);
	CU_ASSERT_FATAL(bind(l, (struct sockaddr *)&sin, sizeof sin) == 0);
	CU_ASSERT_FATAL(listen(l, 1) == 0);
	CU_ASSERT_FATAL(getsockname(l, (struct sockaddr *)&sin, &len) == 0);
	*x = socket(AF_INET, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(connect(*x, (struct sockaddr *)&sin, len) == 0);
	*y = accept(l, NULL, NULL);
	CU_ASSERT_FATAL(*y != -1);
	close(l);
	setsockopt(*x, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	setsockopt(*y, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	fcntl(*x, F_SETFL, O_NONBLOCK);
	fcntl(*y, F_SETFL, O_NONBLOCK);
}

/* Default settings for a test relay. */
static void
rt_conf(struct relay_conf *rc, struct rt *t)
{
	memset(rc, 0, sizeof *rc);
	rc->io_max = 64 * 1024;
	rc->flow.high = 256 * 1024;
	rc->flow.low = 64 * 1024;
	rc->idle_ms = 5000;
	rc->stall_ms = 5000;
	rc->count[0] = &t->total[0];
	rc->count[1] = &t->total[1];
}

/* Make the two connections (TCP or socket pairs) and the relay. */
static void
rt_open(struct rt *t, int tcp, int early, const struct relay_conf *rc)
{
	int	sa[2], sb[2];

	if (tcp) {
		rt_tcp_pair(&sa[0], &sa[1]);
		rt_tcp_pair(&sb[0], &sb[1]);
	} else {
		CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM |
		    SOCK_NONBLOCK, 0, sa) == 0);
		CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM |
		    SOCK_NONBLOCK, 0, sb) == 0);
	}
	t->a = bufferevent_socket_new(t->base, sa[0], BEV_OPT_CLOSE_ON_FREE);
	t->b = bufferevent_socket_new(t->base, sb[0], BEV_OPT_CLOSE_ON_FREE);
	t->fa = sa[1];
	t->fb = sb[1];
	bufferevent_setcb(t->a, rt_own_cb, NULL, NULL, t);
	bufferevent_setcb(t->b, rt_own_cb, NULL, NULL, t);
	if (early) {
		/* A reply queued for A before the relay begins. */
		bufferevent_write(t->a, "early", 5);
	}
	t->r = relay_new(t->base, t->a, t->b, rc, rt_done_cb, t);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t->r);
}

/* Free the relay (checking the callbacks come back) and the sockets. */
static void
rt_close(struct rt *t)
{
	bufferevent_data_cb	rd;

	relay_free(t->r);
	bufferevent_getcb(t->a, &rd, NULL, NULL, NULL);
	CU_ASSERT(rd == rt_own_cb);
	bufferevent_free(t->a);
	bufferevent_free(t->b);
	if (t->fa != -1)
		close(t->fa);
	if (t->fb != -1)
		close(t->fb);
}

/* Run the loop for about ms milliseconds, or until the relay ends. */
static void
rt_run(struct rt *t, int ms)
{
	struct timeval	tv = { 0, 10000 };
	int		i;

	for (i = 0; i < ms / 10 && !t->ended; i++) {
		event_base_loopexit(t->base, &tv);
		event_base_dispatch(t->base);
	}
}

/*
 * Send <len> bytes of s into peer fd <from> and read them from <to>,
 * running the loop in between; returns the bytes read into got.
 */
static size_t
rt_pump(struct rt *t, int from, int to, const char *s, size_t len,
    char *got, size_t size)
{
	size_t	sent = 0, recvd = 0;
	ssize_t	n;
	int	i;

	for (i = 0; i < 2000 && recvd < len; i++) {
		if (sent < len && (n = write(from, s + sent, len - sent)) > 0)
			sent += n;
		rt_run(t, 10);
		while (recvd < size && (n = read(to, got + recvd,
		    size - recvd)) > 0)
			recvd += n;
	}
	return (recvd);
}

/* A megabyte each way, then A closes: the splice or the copying path. */
static void
rt_both_ways(int tcp, int copy)
{
	struct relay_conf	 rc;
	struct rt		 t;
	size_t			 len = 1024 * 1024, i;
	char			*s, *got, early[5];

	memset(&t, 0, sizeof t);
	t.base = event_base_new();
	rt_conf(&rc, &t);
	rc.copy = copy;
	rt_open(&t, tcp, 1, &rc);
	CU_ASSERT_EQUAL(relay_copying(t.r), copy);
	s = malloc(len);
	got = malloc(len);
	for (i = 0; i < len; i++)
		s[i] = 'a' + i % 23;
	rt_run(&t, 20);
	CU_ASSERT_EQUAL(read(t.fa, early, 5), 5);
	CU_ASSERT_EQUAL(memcmp(early, "early", 5), 0);
	CU_ASSERT_EQUAL(rt_pump(&t, t.fa, t.fb, s, len, got, len), len);
	CU_ASSERT_EQUAL(memcmp(s, got, len), 0);
	CU_ASSERT_EQUAL(rt_pump(&t, t.fb, t.fa, s, len, got, len), len);
	CU_ASSERT_EQUAL(memcmp(s, got, len), 0);
	CU_ASSERT_EQUAL(relay_bytes(t.r, 0), len);
	CU_ASSERT_EQUAL(relay_bytes(t.r, 1), len);
	CU_ASSERT_EQUAL(t.total[0], len);
	CU_ASSERT_EQUAL(t.total[1], len);
	CU_ASSERT_EQUAL(t.ended, 0);
	/* A's last bytes reach B before the relay says A closed. */
	CU_ASSERT_EQUAL(write(t.fa, "bye", 3), 3);
	shutdown(t.fa, SHUT_WR);
	rt_run(&t, 2000);
	CU_ASSERT_EQUAL(t.ended, 1);
	CU_ASSERT_EQUAL(t.why, RELAY_END_A_EOF);
	CU_ASSERT_EQUAL(read(t.fb, got, 16), 3);
	CU_ASSERT_EQUAL(relay_bytes(t.r, 0), len + 3);
	/* The owner's callbacks did not run while the relay had them. */
	CU_ASSERT_EQUAL(t.own_cb, 0);
	rt_close(&t);
	free(s);
	free(got);
	event_base_free(t.base);
}

static void
test_relay_splice_tcp(void)
{
	rt_both_ways(1, 0);
}

static void
test_relay_copy_asked(void)
{
	rt_both_ways(1, 1);
}

static void
test_relay_copy_socketpair(void)
{
	rt_both_ways(0, 1);
}

/* B closing ends the relay at once, with B's bytes queued for A. */
static void
test_relay_b_eof(void)
{
	struct relay_conf	 rc;
	struct rt		 t;
	char			 got[16];
	int			 copy;

	for (copy = 0; copy < 2; copy++) {
		memset(&t, 0, sizeof t);
		t.base = event_base_new();
		rt_conf(&rc, &t);
		rc.copy = copy;
		rt_open(&t, 1, 0, &rc);
		CU_ASSERT_EQUAL(write(t.fb, "last", 4), 4);
		close(t.fb);
		t.fb = -1;
		rt_run(&t, 2000);
		CU_ASSERT_EQUAL(t.ended, 1);
		CU_ASSERT_EQUAL(t.why, RELAY_END_B_EOF);
		CU_ASSERT_EQUAL(relay_bytes(t.r, 1), 4);
		/* Sent or queued in A's output: nothing is lost. */
		rt_run(&t, 20);
		CU_ASSERT_EQUAL(read(t.fa, got, sizeof got) + (ssize_t)
		    evbuffer_get_length(bufferevent_get_output(t.a)), 4);
		rt_close(&t);
		event_base_free(t.base);
	}
}

/*
 * Both sides silent: the relay ends with RELAY_END_IDLE, not before. A
 * try in which the test itself stalled for most of the idle time (a
 * loaded machine) proves nothing about "not before" and is made again.
 */
static void
test_relay_idle_timeout(void)
{
	struct relay_conf	 rc;
	struct rt		 t;
	char			 got[4];
	uint64_t		 last, now, gap;
	int			 copy, i, try, relayed;

	for (copy = 0; copy < 2; copy++) {
		for (try = 0; try < UNIT_TRIES; try++) {
			memset(&t, 0, sizeof t);
			t.base = event_base_new();
			rt_conf(&rc, &t);
			rc.copy = copy;
			rc.idle_ms = 600;
			rt_open(&t, 1, 0, &rc);
			/*
			 * One side busy for longer than idle_ms: the
			 * other's silence does not count.
			 */
			gap = 0;
			relayed = 0;
			last = unit_ms();
			for (i = 0; i < 10; i++) {
				CU_ASSERT_EQUAL(write(t.fa, "x", 1), 1);
				rt_run(&t, 100);
				relayed += read(t.fb, got, sizeof got) == 1;
				now = unit_ms();
				if (now - last > gap)
					gap = now - last;
				last = now;
			}
			if (gap < 450)
				break;
			rt_close(&t);
			event_base_free(t.base);
		}
		CU_ASSERT_FATAL(try < UNIT_TRIES);
		CU_ASSERT_EQUAL(relayed, 10);
		CU_ASSERT_EQUAL(t.ended, 0);
		rt_run(&t, 3000);
		CU_ASSERT_EQUAL(t.ended, 1);
		CU_ASSERT_EQUAL(t.why, RELAY_END_IDLE);
		rt_close(&t);
		event_base_free(t.base);
	}
}

/*
 * B does not read: A is read only up to the high-water mark (plus what
 * the kernel buffers hold), then not at all, until B reads again.
 */
static void
test_relay_backpressure(void)
{
	struct relay_conf	 rc;
	struct rt		 t;
	char			*s, *got;
	size_t			 len = 8 * 1024 * 1024, sent = 0, recvd = 0;
	uint64_t		 held;
	ssize_t			 n;
	int			 copy, i, sz = 64 * 1024;

	s = calloc(1, len);
	got = malloc(len);
	for (copy = 0; copy < 2; copy++) {
		memset(&t, 0, sizeof t);
		t.base = event_base_new();
		rt_conf(&rc, &t);
		rc.copy = copy;
		/* Not this test's business: a stall of a loaded machine. */
		rc.idle_ms = rc.stall_ms = 120000;
		rt_open(&t, 0, 0, &rc);
		setsockopt(t.fa, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
		setsockopt(t.fb, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
		sent = recvd = 0;
		for (i = 0; i < 200; i++) {
			if ((n = write(t.fa, s + sent, len - sent)) > 0)
				sent += n;
			rt_run(&t, 10);
		}
		/* Stuck: far less than was offered got through. */
		held = relay_bytes(t.r, 0);
		CU_ASSERT(held < 2 * 1024 * 1024);
		CU_ASSERT(evbuffer_get_length(bufferevent_get_output(t.b)) <=
		    rc.flow.high + rc.io_max);
		CU_ASSERT(sent < len);
		/* B reads: everything flows again. */
		for (i = 0; i < 1000 && recvd < len; i++) {
			if (sent < len && (n = write(t.fa, s + sent,
			    len - sent)) > 0)
				sent += n;
			while ((n = read(t.fb, got, len)) > 0)
				recvd += n;
			rt_run(&t, 10);
		}
		CU_ASSERT_EQUAL(recvd, len);
		CU_ASSERT_EQUAL(relay_bytes(t.r, 0), len);
		CU_ASSERT_EQUAL(t.ended, 0);
		rt_close(&t);
		event_base_free(t.base);
	}
	free(s);
	free(got);
}

/* A TLS bufferevent is detected: the relay copies through it. */
static void
test_relay_tls_detected(void)
{
	struct event_base	*base = event_base_new();
	struct bufferevent	*plain, *tls;
	SSL_CTX			*ctx;
	SSL			*ssl;
	int			 sp[2];

	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
	    sp) == 0);
	ctx = SSL_CTX_new(TLS_client_method());
	CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
	ssl = SSL_new(ctx);
	plain = bufferevent_socket_new(base, sp[0], BEV_OPT_CLOSE_ON_FREE);
	tls = bufferevent_openssl_socket_new(base, sp[1], ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tls);
	CU_ASSERT_TRUE(relay_plain(plain));
	CU_ASSERT_FALSE(relay_plain(tls));
	bufferevent_free(tls);
	bufferevent_free(plain);
	SSL_CTX_free(ctx);
	event_base_free(base);
}

static void
test_relay_end_str_names(void)
{
	CU_ASSERT_STRING_EQUAL(relay_end_str(RELAY_END_IDLE), "idle timeout");
	CU_ASSERT_STRING_EQUAL(relay_end_str(RELAY_END_A_EOF), "A closed");
	CU_ASSERT_STRING_EQUAL(relay_end_str(RELAY_END_NOMEM),
	    "out of memory");
}

static CU_TestInfo tests[] = {
	{ "splice_tcp", test_relay_splice_tcp },
	{ "copy_asked", test_relay_copy_asked },
	{ "copy_socketpair", test_relay_copy_socketpair },
	{ "b_eof", test_relay_b_eof },
	{ "idle_timeout", test_relay_idle_timeout },
	{ "backpressure", test_relay_backpressure },
	{ "tls_detected", test_relay_tls_detected },
	{ "end_str_names", test_relay_end_str_names },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(lib_relay_suite, "lib_relay", tests)
