/*
 * test_lib_check.c: health checks. The state machine runs on a fake clock
 * (time is a number handed to each call, nothing sleeps); the checks
 * themselves run on an event_base against listeners on loopback that this
 * file serves: accepted, refused, a reply that matches or not, a reply in
 * pieces, a reply longer than the bound, a server that never answers.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "ev.h"
#include "unit.h"

#define IV	1000		/* interval, ms */
#define TO	500		/* timeout, ms */

/* What the state machine told its owner. */
static struct {
	int			 n;
	enum check_state	 from, to;
	char			 reason[CHECK_REASONLEN];
} seen;

static void
record_cb(void *arg, enum check_state from, enum check_state to,
    const char *reason)
{
	seen.n++;
	seen.from = from;
	seen.to = to;
	strlcpy(seen.reason, reason, sizeof seen.reason);
}

/* A machine with the given counts and initial state, at time 0. */
static void
fsm_new(struct check_fsm *f, unsigned int rise, unsigned int fall,
    enum check_state initial)
{
	struct check_fsm_params	p;

	memset(&seen, 0, sizeof seen);
	memset(&p, 0, sizeof p);
	p.interval = IV;
	p.timeout = TO;
	p.rise = rise;
	p.fall = fall;
	p.initial = initial;
	check_fsm_init(f, &p, record_cb, NULL, 0);
}

/* Run round <i> (started at i * IV) to the result <ok>, 10 ms in. */
static void
round_result(struct check_fsm *f, int i, int ok)
{
	uint64_t	t = (uint64_t)i * IV;

	CU_ASSERT_EQUAL(check_fsm_next(f), t);
	CU_ASSERT_EQUAL(check_fsm_tick(f, t), 1);
	check_fsm_result(f, ok, ok ? "fine" : "refused", t + 10);
}

/* With rise 1 and fall 1 the first result decides, from UNKNOWN. */
static void
test_check_fsm_first_result(void)
{
	struct check_fsm	f;

	fsm_new(&f, 1, 1, CHECK_UNKNOWN);
	CU_ASSERT_EQUAL(f.state, CHECK_UNKNOWN);
	CU_ASSERT_EQUAL(check_fsm_next(&f), 0);
	CU_ASSERT_EQUAL(check_fsm_tick(&f, 0), 1);
	/* A round under way: no second start. */
	CU_ASSERT_EQUAL(check_fsm_tick(&f, 5), 0);
	check_fsm_result(&f, 1, "TCP connect succeeded", 7);
	CU_ASSERT_EQUAL(seen.n, 1);
	CU_ASSERT_EQUAL(seen.from, CHECK_UNKNOWN);
	CU_ASSERT_EQUAL(seen.to, CHECK_UP);
	CU_ASSERT_STRING_EQUAL(seen.reason, "TCP connect succeeded");
	CU_ASSERT_EQUAL(f.since, 7);
	/* Not due before one interval after the start. */
	CU_ASSERT_EQUAL(check_fsm_next(&f), IV);
	CU_ASSERT_EQUAL(check_fsm_tick(&f, IV - 1), 0);
	round_result(&f, 1, 1);
	CU_ASSERT_EQUAL(seen.n, 1);
	/* One failure is enough to go down. */
	round_result(&f, 2, 0);
	CU_ASSERT_EQUAL(seen.n, 2);
	CU_ASSERT_EQUAL(seen.from, CHECK_UP);
	CU_ASSERT_EQUAL(seen.to, CHECK_DOWN);
	CU_ASSERT_STRING_EQUAL(seen.reason, "refused");
	CU_ASSERT_EQUAL(f.rounds, 3);
	CU_ASSERT_EQUAL(f.failures, 1);
	CU_ASSERT_EQUAL(f.transitions, 2);
}

/* Rise successes in a row to come up, fall failures in a row to go down. */
static void
test_check_fsm_rise_fall(void)
{
	struct check_fsm	f;
	int			i = 0;

	fsm_new(&f, 3, 2, CHECK_DOWN);
	round_result(&f, i++, 1);
	round_result(&f, i++, 1);
	CU_ASSERT_EQUAL(f.state, CHECK_DOWN);
	/* A failure starts the count again. */
	round_result(&f, i++, 0);
	round_result(&f, i++, 1);
	round_result(&f, i++, 1);
	CU_ASSERT_EQUAL(seen.n, 0);
	round_result(&f, i++, 1);
	CU_ASSERT_EQUAL(seen.n, 1);
	CU_ASSERT_EQUAL(seen.to, CHECK_UP);
	/* Up: one failure is not enough, a success in between resets. */
	round_result(&f, i++, 0);
	round_result(&f, i++, 1);
	round_result(&f, i++, 0);
	CU_ASSERT_EQUAL(f.state, CHECK_UP);
	round_result(&f, i++, 0);
	CU_ASSERT_EQUAL(seen.n, 2);
	CU_ASSERT_EQUAL(seen.from, CHECK_UP);
	CU_ASSERT_EQUAL(seen.to, CHECK_DOWN);
	/* More failures change nothing. */
	round_result(&f, i++, 0);
	round_result(&f, i++, 0);
	CU_ASSERT_EQUAL(seen.n, 2);
	CU_ASSERT_EQUAL(f.failures, 6);
}

/* A target that answers every other time never changes state. */
static void
test_check_fsm_flapping(void)
{
	struct check_fsm	f;
	int			i;

	fsm_new(&f, 2, 2, CHECK_UP);
	for (i = 0; i < 20; i++)
		round_result(&f, i, i % 2);
	CU_ASSERT_EQUAL(seen.n, 0);
	CU_ASSERT_EQUAL(f.state, CHECK_UP);
	fsm_new(&f, 2, 2, CHECK_DOWN);
	for (i = 0; i < 20; i++)
		round_result(&f, i, i % 2 == 0);
	CU_ASSERT_EQUAL(seen.n, 0);
	CU_ASSERT_EQUAL(f.state, CHECK_DOWN);
	/* With 1 and 1 every result is a change. */
	fsm_new(&f, 1, 1, CHECK_UP);
	for (i = 0; i < 20; i++)
		round_result(&f, i, i % 2);
	CU_ASSERT_EQUAL(seen.n, 20);
	CU_ASSERT_EQUAL(f.transitions, 20);
}

/* The initial state: UP needs fall failures, UNKNOWN whichever run first. */
static void
test_check_fsm_initial(void)
{
	struct check_fsm	f;

	fsm_new(&f, 2, 3, CHECK_UP);
	round_result(&f, 0, 0);
	round_result(&f, 1, 0);
	CU_ASSERT_EQUAL(seen.n, 0);
	round_result(&f, 2, 0);
	CU_ASSERT_EQUAL(seen.n, 1);
	CU_ASSERT_EQUAL(seen.to, CHECK_DOWN);

	/* UNKNOWN: a success, a failure, then two successes in a row. */
	fsm_new(&f, 2, 3, CHECK_UNKNOWN);
	round_result(&f, 0, 1);
	round_result(&f, 1, 0);
	round_result(&f, 2, 1);
	CU_ASSERT_EQUAL(f.state, CHECK_UNKNOWN);
	round_result(&f, 3, 1);
	CU_ASSERT_EQUAL(seen.n, 1);
	CU_ASSERT_EQUAL(seen.from, CHECK_UNKNOWN);
	CU_ASSERT_EQUAL(seen.to, CHECK_UP);

	fsm_new(&f, 2, 3, CHECK_UNKNOWN);
	round_result(&f, 0, 0);
	round_result(&f, 1, 0);
	CU_ASSERT_EQUAL(f.state, CHECK_UNKNOWN);
	round_result(&f, 2, 0);
	CU_ASSERT_EQUAL(seen.to, CHECK_DOWN);
	CU_ASSERT_STRING_EQUAL(check_state_name(f.state), "DOWN");

	/* Zero counts are taken as 1. */
	fsm_new(&f, 0, 0, CHECK_UNKNOWN);
	round_result(&f, 0, 0);
	CU_ASSERT_EQUAL(f.state, CHECK_DOWN);
}

/* A round that does not end within the timeout is a failure. */
static void
test_check_fsm_timeout(void)
{
	struct check_fsm	f;

	fsm_new(&f, 1, 2, CHECK_UP);
	CU_ASSERT_EQUAL(check_fsm_tick(&f, 0), 1);
	CU_ASSERT_EQUAL(check_fsm_next(&f), TO);
	CU_ASSERT_FALSE(check_fsm_expired(&f, TO - 1));
	CU_ASSERT_EQUAL(check_fsm_tick(&f, TO - 1), 0);
	CU_ASSERT_TRUE(check_fsm_expired(&f, TO));
	CU_ASSERT_EQUAL(check_fsm_tick(&f, TO), 0);
	CU_ASSERT_FALSE(f.probing);
	CU_ASSERT_STRING_EQUAL(f.reason, "timed out after 500 ms");
	CU_ASSERT_EQUAL(f.nfail, 1);
	/* The next round is still on the interval grid. */
	CU_ASSERT_EQUAL(check_fsm_next(&f), IV);
	/* A late result of the timed-out round changes nothing. */
	check_fsm_result(&f, 1, "late", TO + 20);
	CU_ASSERT_EQUAL(f.nfail, 1);
	CU_ASSERT_STRING_EQUAL(f.reason, "timed out after 500 ms");
	/* A success reported after the deadline is a timeout too. */
	CU_ASSERT_EQUAL(check_fsm_tick(&f, IV), 1);
	check_fsm_result(&f, 1, "slow", IV + TO + 1);
	CU_ASSERT_EQUAL(seen.n, 1);
	CU_ASSERT_EQUAL(seen.to, CHECK_DOWN);
	CU_ASSERT_STRING_EQUAL(seen.reason, "timed out after 500 ms");
	/* A driver's own reason for the timeout is kept. */
	CU_ASSERT_EQUAL(check_fsm_tick(&f, 2 * IV), 1);
	check_fsm_result(&f, 0, "no echo reply within 500 ms", 2 * IV + TO);
	CU_ASSERT_STRING_EQUAL(f.reason, "no echo reply within 500 ms");
}

/*
 * Rounds start on a fixed grid however long each took; one that takes
 * longer than the interval (timeout > interval) is followed at once.
 */
static void
test_check_fsm_schedule(void)
{
	struct check_fsm	 f;
	struct check_fsm_params	 p;

	fsm_new(&f, 1, 1, CHECK_UNKNOWN);
	CU_ASSERT_EQUAL(check_fsm_tick(&f, 0), 1);
	check_fsm_result(&f, 1, "ok", 450);
	CU_ASSERT_EQUAL(check_fsm_next(&f), IV);
	/* The timer ran late: the round starts then, the grid moves. */
	CU_ASSERT_EQUAL(check_fsm_tick(&f, IV + 30), 1);
	check_fsm_result(&f, 1, "ok", IV + 40);
	CU_ASSERT_EQUAL(check_fsm_next(&f), 2 * IV + 30);

	memset(&p, 0, sizeof p);
	p.interval = 200;
	p.timeout = 1000;
	p.rise = p.fall = 1;
	check_fsm_init(&f, &p, record_cb, NULL, 0);
	CU_ASSERT_EQUAL(check_fsm_tick(&f, 0), 1);
	/* Not due while the round runs, even past the interval. */
	CU_ASSERT_EQUAL(check_fsm_tick(&f, 400), 0);
	CU_ASSERT_EQUAL(check_fsm_next(&f), 1000);
	/* Timed out, and the next round starts in the same tick. */
	CU_ASSERT_EQUAL(check_fsm_tick(&f, 1000), 1);
	CU_ASSERT_EQUAL(f.state, CHECK_DOWN);
	CU_ASSERT_EQUAL(f.rounds, 2);
	check_fsm_result(&f, 1, "ok", 1100);
	CU_ASSERT_EQUAL(check_fsm_next(&f), 1200);

	/* A cancelled round is not counted and the next is due at once. */
	CU_ASSERT_EQUAL(check_fsm_tick(&f, 1200), 1);
	check_fsm_cancel(&f, 1250);
	CU_ASSERT_FALSE(f.probing);
	CU_ASSERT_EQUAL(f.rounds, 2);
	CU_ASSERT_EQUAL(check_fsm_next(&f), 1250);
	CU_ASSERT_EQUAL(f.state, CHECK_UP);
}

/* ---- echo request and reply bytes ---------------------------------- */

/* The settings the golden packets below were made for. */
static void
echo_init(struct check_icmp_echo *e, const char *target, int iphdr)
{
	static const unsigned char	cookie[8] = {
		0xc0, 0x0c, 0x1e, 0x5a, 0x11, 0x22, 0x33, 0x44
	};

	memset(e, 0, sizeof *e);
	addr_parse(target, &e->target, &(const char *){ NULL });
	e->iphdr = iphdr;
	e->id = 0x1234;
	e->seq = 0x0007;
	memcpy(e->cookie, cookie, sizeof cookie);
}

/* An IPv4 echo request: the bytes on the wire, checksum included. */
static void
test_check_icmp_request(void)
{
	static const unsigned char	golden[CHECK_ICMP_PKTLEN] = {
		0x08, 0x00, 0xc2, 0xf7, 0x12, 0x34, 0x00, 0x07,
		0xc0, 0x0c, 0x1e, 0x5a, 0x11, 0x22, 0x33, 0x44,
		0, 0, 0, 0, 0, 0, 0, 0
	};
	struct check_icmp_echo		e;
	unsigned char			pkt[CHECK_ICMP_PKTLEN];

	echo_init(&e, "198.18.0.2", 0);
	check_icmp_request(&e, 0, pkt);
	CU_ASSERT_EQUAL(memcmp(pkt, golden, sizeof golden), 0);
	/* ICMPv6: type 128, the checksum left to the kernel. */
	echo_init(&e, "::1", 0);
	check_icmp_request(&e, 0, pkt);
	CU_ASSERT_EQUAL(pkt[0], 128);
	CU_ASSERT_EQUAL(pkt[2], 0);
	CU_ASSERT_EQUAL(pkt[3], 0);
	CU_ASSERT_EQUAL(memcmp(pkt + 4, golden + 4, 12), 0);
}

/* Replies: ours, and everything that only looks like it. */
static void
test_check_icmp_reply(void)
{
	/* 198.18.0.2 -> 198.18.0.1, as an IPv4 raw socket reads it. */
	static const unsigned char	reply4[20 + CHECK_ICMP_PKTLEN] = {
		0x45, 0x00, 0x00, 0x2c, 0xbe, 0xef, 0x00, 0x00,
		0x40, 0x01, 0x00, 0x00, 0xc6, 0x12, 0x00, 0x02,
		0xc6, 0x12, 0x00, 0x01,
		0x00, 0x00, 0xca, 0xf7, 0x12, 0x34, 0x00, 0x07,
		0xc0, 0x0c, 0x1e, 0x5a, 0x11, 0x22, 0x33, 0x44,
		1, 2, 3, 4, 5, 6, 7, 8
	};
	struct check_icmp_echo		e;
	struct addr			from, other;
	unsigned char			b[sizeof reply4 + 8];
	const unsigned char		*icmp = reply4 + 20;
	size_t				n = CHECK_ICMP_PKTLEN;

	echo_init(&e, "198.18.0.2", 1);
	from = e.target;
	addr_parse("198.18.0.3", &other, &(const char *){ NULL });
	CU_ASSERT_EQUAL(check_icmp_reply(&e, reply4, sizeof reply4, &from), 1);
	/* From another host, or cut short. */
	CU_ASSERT_EQUAL(check_icmp_reply(&e, reply4, sizeof reply4, &other),
	    0);
	CU_ASSERT_EQUAL(check_icmp_reply(&e, reply4, sizeof reply4 - 1,
	    &from), 0);
	CU_ASSERT_EQUAL(check_icmp_reply(&e, reply4, 19, &from), 0);
	/* IP options: a longer header is skipped. */
	memcpy(b, reply4, 20);
	b[0] = 0x47;
	memset(b + 20, 1, 8);
	memcpy(b + 28, icmp, n);
	CU_ASSERT_EQUAL(check_icmp_reply(&e, b, 28 + n, &from), 1);
	/* A header length past the datagram, or below 20. */
	b[0] = 0x4f;
	CU_ASSERT_EQUAL(check_icmp_reply(&e, b, 28 + n, &from), 0);
	CU_ASSERT_EQUAL(check_icmp_reply(&e, b, 40, &from), 0);
	b[0] = 0x44;
	CU_ASSERT_EQUAL(check_icmp_reply(&e, b, 28 + n, &from), 0);
	/* Not IPv4, not ICMP. */
	memcpy(b, reply4, sizeof reply4);
	b[0] = 0x65;
	CU_ASSERT_EQUAL(check_icmp_reply(&e, b, sizeof reply4, &from), 0);
	memcpy(b, reply4, sizeof reply4);
	b[9] = 17;
	CU_ASSERT_EQUAL(check_icmp_reply(&e, b, sizeof reply4, &from), 0);
	/* Each field of the ICMP part in turn. */
	memcpy(b, reply4, sizeof reply4);
	b[20] = 8;			/* a request, not a reply */
	CU_ASSERT_EQUAL(check_icmp_reply(&e, b, sizeof reply4, &from), 0);
	memcpy(b, reply4, sizeof reply4);
	b[21] = 1;			/* code */
	CU_ASSERT_EQUAL(check_icmp_reply(&e, b, sizeof reply4, &from), 0);
	memcpy(b, reply4, sizeof reply4);
	b[25] ^= 1;			/* identifier */
	CU_ASSERT_EQUAL(check_icmp_reply(&e, b, sizeof reply4, &from), 0);
	memcpy(b, reply4, sizeof reply4);
	b[27] = 6;			/* the previous round */
	CU_ASSERT_EQUAL(check_icmp_reply(&e, b, sizeof reply4, &from), 0);
	memcpy(b, reply4, sizeof reply4);
	b[35] ^= 0x80;			/* another checker's cookie */
	CU_ASSERT_EQUAL(check_icmp_reply(&e, b, sizeof reply4, &from), 0);

	/* A ping socket hands over the ICMP part only. */
	echo_init(&e, "198.18.0.2", 0);
	CU_ASSERT_EQUAL(check_icmp_reply(&e, icmp, n, &from), 1);
	CU_ASSERT_EQUAL(check_icmp_reply(&e, reply4, sizeof reply4, &from), 0);

	/* ICMPv6: type 129, no IP header, from the target only. */
	echo_init(&e, "::1", 0);
	memcpy(b, icmp, n);
	b[0] = 129;
	from = e.target;
	CU_ASSERT_EQUAL(check_icmp_reply(&e, b, n, &from), 1);
	b[0] = 0;
	CU_ASSERT_EQUAL(check_icmp_reply(&e, b, n, &from), 0);
	b[0] = 129;
	addr_parse("198.18.0.2", &other, &(const char *){ NULL });
	CU_ASSERT_EQUAL(check_icmp_reply(&e, b, n, &other), 0);
	addr_parse("::2", &other, &(const char *){ NULL });
	CU_ASSERT_EQUAL(check_icmp_reply(&e, b, n, &other), 0);
}

/* ---- real checks on loopback ---------------------------------------- */

/* A piece of a scripted reply. */
struct chunk {
	const char	*data;
	size_t		 len;
};

/* A test server: accepts, records what it got, replies by script. */
struct srv {
	struct event_base	*base;
	int			 fd;
	struct event		*lev;
	struct addr		 addr;
	const struct chunk	*chunks;	/* NULL: never answer */
	int			 nchunks;
	int			 next;
	uint64_t		 delay;		/* ms between chunks */
	int			 close_after;
	int			 on_request;	/* reply once something came */
	struct bufferevent	*bev;
	struct event		*chunk_ev;
	char			 got[256];
	size_t			 ngot;
	struct addr		 peer;
	int			 naccept;
};

/* One run of a checker: every result and change it reported. */
struct run {
	struct event_base	*base;
	int			 want;
	int			 nres;
	int			 ok;
	char			 reason[CHECK_REASONLEN];
	int			 nchange;
	enum check_state	 to;
	int			 nopen;		/* transport opens */
};

static struct event_base *
test_base(void)
{
	struct event_base	*base;

	base = event_base_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(base);
	return (base);
}

static void
srv_chunk_cb(evutil_socket_t fd, short what, void *arg)
{
	struct srv	*s = arg;
	struct timeval	 tv;

	if (s->bev == NULL || s->next < 0 || s->next >= s->nchunks)
		return;
	bufferevent_write(s->bev, s->chunks[s->next].data,
	    s->chunks[s->next].len);
	s->next++;
	if (s->next < s->nchunks) {
		ev_tv(&tv, s->delay);
		evtimer_add(s->chunk_ev, &tv);
	}
}

/* Start the scripted reply; with no chunks, just hang up. */
static void
srv_reply(struct srv *s)
{
	s->next = 0;
	if (s->chunks == NULL)
		return;
	if (s->nchunks == 0 && s->close_after) {
		bufferevent_free(s->bev);
		s->bev = NULL;
		return;
	}
	srv_chunk_cb(-1, 0, s);
}

static void
srv_read_cb(struct bufferevent *bev, void *arg)
{
	struct srv	*s = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	size_t		 n;

	n = evbuffer_get_length(in);
	if (n > sizeof s->got - 1 - s->ngot)
		n = sizeof s->got - 1 - s->ngot;
	evbuffer_remove(in, s->got + s->ngot, n);
	s->ngot += n;
	s->got[s->ngot] = '\0';
	evbuffer_drain(in, evbuffer_get_length(in));
	if (s->on_request && s->ngot > 0 && s->next == -1)
		srv_reply(s);
}

static void
srv_write_cb(struct bufferevent *bev, void *arg)
{
	struct srv	*s = arg;

	if (s->close_after && s->next >= s->nchunks && s->next >= 0) {
		bufferevent_free(s->bev);
		s->bev = NULL;
	}
}

static void
srv_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct srv	*s = arg;

	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		bufferevent_free(s->bev);
		s->bev = NULL;
	}
}

static void
srv_accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct srv		*s = arg;
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof ss;
	int			 fd;

	if ((fd = accept4(lfd, (struct sockaddr *)&ss, &len,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1)
		return;
	s->naccept++;
	addr_from_sa(&s->peer, (struct sockaddr *)&ss, len);
	if (s->bev != NULL)
		bufferevent_free(s->bev);
	s->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(s->bev, srv_read_cb, srv_write_cb, srv_event_cb,
	    s);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
	s->ngot = 0;
	s->next = -1;
	if (!s->on_request)
		srv_reply(s);
}

/* Listen on <host>:0 (a literal); -1 when the family is not available. */
static int
srv_listen(struct srv *s, struct event_base *base, const char *host,
    const struct chunk *chunks, int nchunks)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	const char		*cause;

	memset(s, 0, sizeof *s);
	s->base = base;
	s->chunks = chunks;
	s->nchunks = nchunks;
	s->close_after = 1;
	if (addr_parse(host, &s->addr, &cause) == -1)
		return (-1);
	len = addr_to_sa(&s->addr, &ss);
	s->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (s->fd == -1)
		return (-1);
	if (bind(s->fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(s->fd, 16) == -1) {
		close(s->fd);
		return (-1);
	}
	len = sizeof ss;
	getsockname(s->fd, (struct sockaddr *)&ss, &len);
	s->addr.port = ntohs(ss.ss_family == AF_INET ?
	    ((struct sockaddr_in *)&ss)->sin_port :
	    ((struct sockaddr_in6 *)&ss)->sin6_port);
	s->lev = event_new(base, s->fd, EV_READ | EV_PERSIST, srv_accept_cb,
	    s);
	event_add(s->lev, NULL);
	s->chunk_ev = evtimer_new(base, srv_chunk_cb, s);
	return (0);
}

static void
srv_close(struct srv *s)
{
	if (s->bev != NULL)
		bufferevent_free(s->bev);
	event_free(s->chunk_ev);
	event_free(s->lev);
	close(s->fd);
}

static void
run_result_cb(void *arg, int ok, const char *reason)
{
	struct run	*r = arg;

	r->nres++;
	r->ok = ok;
	strlcpy(r->reason, reason, sizeof r->reason);
	if (r->nres >= r->want)
		event_base_loopbreak(r->base);
}

static void
run_state_cb(void *arg, enum check_state from, enum check_state to,
    const char *reason)
{
	struct run	*r = arg;

	r->nchange++;
	r->to = to;
}

/* A configuration of <kind> with a long interval: one round per run. */
static void
conf_init(struct check_conf *conf, enum check_kind kind,
    const struct addr *a)
{
	memset(conf, 0, sizeof *conf);
	conf->kind = kind;
	if (a != NULL)
		conf->addr = *a;
	conf->fsm.interval = 10000;
	conf->fsm.timeout = 2000;
	conf->fsm.rise = conf->fsm.fall = 1;
	conf->fsm.initial = CHECK_UNKNOWN;
	conf->result_cb = run_result_cb;
}

/* End a run that took too long. */
static void
loopbreak_cb(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(arg);
}

/*
 * Run a checker for <conf> on <base> until it has reported <want> results
 * (or 5 s have passed); the outcome is in <r>. Returns 0, or -1 if the
 * checker could not be created (with the reason in r->reason).
 */
static int
run_check(struct event_base *base, struct evdns_base *dns,
    const struct check_conf *conf, int want, struct run *r)
{
	struct check	*c;
	struct event	*guard;
	struct timeval	 tv = { 5, 0 };
	char		*cause;

	memset(r, 0, sizeof *r);
	r->base = base;
	r->want = want;
	r->ok = -1;
	if ((c = check_new(base, dns, conf, run_state_cb, r, &cause)) ==
	    NULL) {
		strlcpy(r->reason, cause, sizeof r->reason);
		free(cause);
		return (-1);
	}
	guard = evtimer_new(base, loopbreak_cb, base);
	evtimer_add(guard, &tv);
	check_start(c);
	event_base_dispatch(base);
	CU_ASSERT_EQUAL(check_state(c), r->nres == 0 ? CHECK_UNKNOWN : r->to);
	if (r->nres > 0)
		CU_ASSERT_STRING_EQUAL(check_reason(c), r->reason);
	check_free(c);
	event_free(guard);
	return (0);
}

/* Let <base> run for <ms> (servers finish their part). */
static void
spin(struct event_base *base, uint64_t ms)
{
	struct event	*ev;
	struct timeval	 tv;

	ev = evtimer_new(base, loopbreak_cb, base);
	ev_tv(&tv, ms);
	evtimer_add(ev, &tv);
	event_base_dispatch(base);
	event_free(ev);
}

/* An accepted connect is up; a bound port with no listener refuses. */
static void
test_check_tcp(void)
{
	struct event_base	*base = test_base();
	struct check_conf	 conf;
	struct srv		 s;
	struct run		 r;
	struct sockaddr_storage	 ss;
	struct addr		 a;
	socklen_t		 len;
	int			 fd;

	CU_ASSERT_FATAL(srv_listen(&s, base, "127.0.0.1", NULL, 0) == 0);
	conf_init(&conf, CHECK_TCP, &s.addr);
	CU_ASSERT_EQUAL(run_check(base, NULL, &conf, 1, &r), 0);
	CU_ASSERT_EQUAL(r.ok, 1);
	CU_ASSERT_EQUAL(r.to, CHECK_UP);
	CU_ASSERT_EQUAL(r.nchange, 1);
	CU_ASSERT_STRING_EQUAL(r.reason, "TCP connect succeeded");
	spin(base, 20);
	CU_ASSERT_EQUAL(s.naccept, 1);
	srv_close(&s);

	/* Bound, not listening: the kernel answers with a reset. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(fd != -1);
	addr_parse("127.0.0.1", &a, &(const char *){ NULL });
	len = addr_to_sa(&a, &ss);
	CU_ASSERT_FATAL(bind(fd, (struct sockaddr *)&ss, len) == 0);
	len = sizeof ss;
	getsockname(fd, (struct sockaddr *)&ss, &len);
	a.port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	conf_init(&conf, CHECK_TCP, &a);
	CU_ASSERT_EQUAL(run_check(base, NULL, &conf, 1, &r), 0);
	CU_ASSERT_EQUAL(r.ok, 0);
	CU_ASSERT_EQUAL(r.to, CHECK_DOWN);
	CU_ASSERT_STRING_EQUAL(r.reason, "connection refused");
	close(fd);

	/* IPv6, where ::1 exists. */
	if (srv_listen(&s, base, "::1", NULL, 0) == 0) {
		conf_init(&conf, CHECK_TCP, &s.addr);
		CU_ASSERT_EQUAL(run_check(base, NULL, &conf, 1, &r), 0);
		CU_ASSERT_STRING_EQUAL(r.reason, "TCP connect succeeded");
		srv_close(&s);
	}
	event_base_free(base);
}

/*
 * A connect that is never answered times out: a listener with a backlog of
 * one whose queue is full drops further SYNs.
 */
static void
test_check_tcp_timeout(void)
{
	struct event_base	*base = test_base();
	struct check_conf	 conf;
	struct sockaddr_storage	 ss;
	struct run		 r;
	struct addr		 a;
	socklen_t		 len;
	int			 lfd, fill;

	addr_parse("127.0.0.1", &a, &(const char *){ NULL });
	len = addr_to_sa(&a, &ss);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(lfd != -1);
	CU_ASSERT_FATAL(bind(lfd, (struct sockaddr *)&ss, len) == 0);
	CU_ASSERT_FATAL(listen(lfd, 0) == 0);
	len = sizeof ss;
	getsockname(lfd, (struct sockaddr *)&ss, &len);
	a.port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	fill = socket(AF_INET, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(connect(fill, (struct sockaddr *)&ss, len) == 0);

	conf_init(&conf, CHECK_TCP, &a);
	conf.fsm.timeout = 200;
	CU_ASSERT_EQUAL(run_check(base, NULL, &conf, 1, &r), 0);
	CU_ASSERT_EQUAL(r.ok, 0);
	CU_ASSERT_STRING_EQUAL(r.reason, "connect timed out after 200 ms");
	close(fill);
	close(lfd);
	event_base_free(base);
}

/* Run an ACV check against a server replying <chunks>. */
static void
acv_run(const struct chunk *chunks, int n, uint64_t delay, size_t maxreply,
    struct run *r, struct srv *got)
{
	struct event_base	*base = test_base();
	struct check_conf	 conf;
	struct srv		 s;

	CU_ASSERT_FATAL(srv_listen(&s, base, "127.0.0.1", chunks, n) == 0);
	s.delay = delay;
	s.on_request = 1;
	conf_init(&conf, CHECK_ACV, &s.addr);
	conf.send = "GET / HTTP/1.0\r\n\r\n";
	conf.sendlen = strlen(conf.send);
	conf.expect = "200 OK";
	conf.expectlen = 6;
	conf.maxreply = maxreply;
	conf.fsm.timeout = 1000;
	CU_ASSERT_EQUAL(run_check(base, NULL, &conf, 1, r), 0);
	spin(base, 20);
	*got = s;
	srv_close(&s);
	event_base_free(base);
}

/* The expected string in the reply, or not. */
static void
test_check_acv_match(void)
{
	static const struct chunk	 ok[] = {
		{ "HTTP/1.0 200 OK\r\nServer: t\r\n\r\nhello", 35 }
	};
	static const struct chunk	 bad[] = {
		{ "HTTP/1.0 500 Internal Server Error\r\n\r\n", 38 }
	};
	struct run			 r;
	struct srv			 s;

	acv_run(ok, 1, 0, 0, &r, &s);
	CU_ASSERT_EQUAL(r.ok, 1);
	CU_ASSERT_EQUAL(r.to, CHECK_UP);
	CU_ASSERT_STRING_EQUAL(r.reason, "expected string found in reply");
	CU_ASSERT_STRING_EQUAL(s.got, "GET / HTTP/1.0\r\n\r\n");

	acv_run(bad, 1, 0, 0, &r, &s);
	CU_ASSERT_EQUAL(r.ok, 0);
	CU_ASSERT_EQUAL(r.to, CHECK_DOWN);
	CU_ASSERT_STRING_EQUAL(r.reason, "expected string not found in reply");

	/* Closed at once, nothing said. */
	acv_run(bad, 0, 0, 0, &r, &s);
	CU_ASSERT_EQUAL(r.ok, 0);
	CU_ASSERT_STRING_EQUAL(r.reason, "connection closed without a reply");
}

/* The expected string split over three segments 50 ms apart. */
static void
test_check_acv_split(void)
{
	static const struct chunk	 split[] = {
		{ "HTTP/1.0 20", 11 }, { "0 O", 3 }, { "K\r\n\r\n", 5 }
	};
	static const struct chunk	 nearly[] = {
		{ "HTTP/1.0 20", 11 }, { "0 O", 3 }, { "k\r\n\r\n", 5 }
	};
	struct run			 r;
	struct srv			 s;
	uint64_t			 t0;

	t0 = check_now();
	acv_run(split, 3, 50, 0, &r, &s);
	CU_ASSERT_EQUAL(r.ok, 1);
	CU_ASSERT_STRING_EQUAL(r.reason, "expected string found in reply");
	/* It did wait for the last piece. */
	CU_ASSERT(check_now() - t0 >= 100);

	acv_run(nearly, 3, 50, 0, &r, &s);
	CU_ASSERT_EQUAL(r.ok, 0);
	CU_ASSERT_STRING_EQUAL(r.reason, "expected string not found in reply");
}

/* Only the first maxreply bytes are looked at. */
static void
test_check_acv_bound(void)
{
	static char		 big[4000], edge[1000], over[1000];
	struct chunk		 c[2];
	struct run		 r;
	struct srv		 s;

	memset(big, 'x', sizeof big);
	c[0].data = big;
	c[0].len = sizeof big;
	c[1].data = "200 OK";
	c[1].len = 6;
	acv_run(c, 2, 10, 1000, &r, &s);
	CU_ASSERT_EQUAL(r.ok, 0);
	CU_ASSERT_STRING_EQUAL(r.reason, "expected string not found in the "
	    "first 1000 bytes of the reply");

	/* Ending on the last byte of the bound: found. */
	memset(edge, 'x', sizeof edge);
	memcpy(edge + sizeof edge - 6, "200 OK", 6);
	c[0].data = edge;
	c[0].len = sizeof edge;
	c[1].data = "more";
	c[1].len = 4;
	acv_run(c, 2, 10, 1000, &r, &s);
	CU_ASSERT_EQUAL(r.ok, 1);

	/* One byte further, across the bound: not found. */
	memset(over, 'x', sizeof over);
	memcpy(over + sizeof over - 5, "200 O", 5);
	c[0].data = over;
	c[0].len = sizeof over;
	c[1].data = "K";
	c[1].len = 1;
	acv_run(c, 2, 10, 1000, &r, &s);
	CU_ASSERT_EQUAL(r.ok, 0);

	/* The default bound is 16 KiB. */
	c[0].data = big;
	c[0].len = sizeof big;
	c[1].data = "200 OK";
	c[1].len = 6;
	acv_run(c, 2, 10, 0, &r, &s);
	CU_ASSERT_EQUAL(r.ok, 1);
}

/* A server that accepts, reads, and never answers. */
static void
test_check_acv_timeout(void)
{
	struct event_base	*base = test_base();
	struct check_conf	 conf;
	struct srv		 s;
	struct run		 r;
	uint64_t		 t0;

	CU_ASSERT_FATAL(srv_listen(&s, base, "127.0.0.1", NULL, 0) == 0);
	s.close_after = 0;
	conf_init(&conf, CHECK_ACV, &s.addr);
	conf.send = "PING\r\n";
	conf.sendlen = 6;
	conf.expect = "PONG";
	conf.expectlen = 4;
	conf.fsm.timeout = 300;
	t0 = check_now();
	CU_ASSERT_EQUAL(run_check(base, NULL, &conf, 1, &r), 0);
	CU_ASSERT(check_now() - t0 >= 300);
	CU_ASSERT_EQUAL(r.ok, 0);
	CU_ASSERT_EQUAL(r.to, CHECK_DOWN);
	CU_ASSERT_STRING_EQUAL(r.reason, "no reply within 300 ms");
	CU_ASSERT_STRING_EQUAL(s.got, "PING\r\n");
	CU_ASSERT_EQUAL(s.naccept, 1);
	srv_close(&s);
	event_base_free(base);
}

static struct bufferevent *
plain_open(void *arg, struct event_base *base, int fd, const char *host,
    char *why, size_t len)
{
	struct run	*r = arg;

	r->nopen++;
	return (bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE));
}

static struct bufferevent *
refuse_open(void *arg, struct event_base *base, int fd, const char *host,
    char *why, size_t len)
{
	close(fd);
	strlcpy(why, "handshake refused", len);
	return (NULL);
}

/* The transport seam: ACV talks over what open() makes of the socket. */
static void
test_check_acv_transport(void)
{
	static const struct chunk	 ok[] = { { "+OK ready\r\n", 11 } };
	struct event_base		*base = test_base();
	struct check_transport		 tr;
	struct check_conf		 conf;
	struct srv			 s;
	struct run			 r, counted;

	CU_ASSERT_FATAL(srv_listen(&s, base, "127.0.0.1", ok, 1) == 0);
	memset(&counted, 0, sizeof counted);
	tr.name = "test";
	tr.open = plain_open;
	tr.arg = &counted;
	conf_init(&conf, CHECK_ACV, &s.addr);
	conf.expect = "+OK";
	conf.expectlen = 3;
	conf.transport = &tr;
	CU_ASSERT_EQUAL(run_check(base, NULL, &conf, 1, &r), 0);
	CU_ASSERT_EQUAL(r.ok, 1);
	CU_ASSERT_EQUAL(counted.nopen, 1);

	tr.open = refuse_open;
	CU_ASSERT_EQUAL(run_check(base, NULL, &conf, 1, &r), 0);
	CU_ASSERT_EQUAL(r.ok, 0);
	CU_ASSERT_STRING_EQUAL(r.reason, "handshake refused");
	spin(base, 20);
	srv_close(&s);
	event_base_free(base);
}

/* Checks go out from the source address; one not on the host fails. */
static void
test_check_source(void)
{
	struct event_base	*base = test_base();
	struct check_conf	 conf;
	struct srv		 s;
	struct run		 r;
	char			 buf[ADDR_STRLEN];

	CU_ASSERT_FATAL(srv_listen(&s, base, "127.0.0.1", NULL, 0) == 0);
	conf_init(&conf, CHECK_TCP, &s.addr);
	addr_parse("127.0.0.2", &conf.source, &(const char *){ NULL });
	CU_ASSERT_EQUAL(run_check(base, NULL, &conf, 1, &r), 0);
	CU_ASSERT_EQUAL(r.ok, 1);
	spin(base, 20);
	CU_ASSERT_STRING_EQUAL(addr_ntop(&s.peer, buf, sizeof buf),
	    "127.0.0.2");

	/* Binding fails before anything is sent. */
	addr_parse("198.18.0.250", &conf.source, &(const char *){ NULL });
	CU_ASSERT_EQUAL(run_check(base, NULL, &conf, 1, &r), 0);
	CU_ASSERT_EQUAL(r.ok, 0);
	CU_ASSERT_STRING_EQUAL(r.reason, "cannot bind source address "
	    "198.18.0.250: cannot assign requested address");
	srv_close(&s);
	event_base_free(base);
}

static int	nxdomain_asked;

/* Answer every question with "no such name". */
static void
nxdomain_cb(struct evdns_server_request *req, void *arg)
{
	nxdomain_asked++;
	evdns_server_request_respond(req, DNS_ERR_NOTEXIST);
}

/* Start a name server on 127.0.0.1 and make it <dns>'s only one. */
static int
dns_nxdomain(struct event_base *base, struct evdns_base *dns, int *fdp,
    struct evdns_server_port **portp)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	char			buf[32];
	int			fd;

	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)) == -1)
		return (-1);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1) {
		close(fd);
		return (-1);
	}
	*portp = evdns_add_server_port_with_base(base, fd, 0, nxdomain_cb,
	    NULL);
	snprintf(buf, sizeof buf, "127.0.0.1:%u", ntohs(sin.sin_port));
	*fdp = fd;
	return (*portp == NULL || evdns_base_nameserver_ip_add(dns, buf) != 0 ?
	    -1 : 0);
}

/*
 * Names are resolved each round: from a hosts file, or not at all (no
 * name server, then one that knows no name).
 */
static void
test_check_name(void)
{
	struct event_base	*base = test_base();
	struct evdns_base	*dns;
	struct check_conf	 conf;
	struct srv		 s;
	struct run		 r;
	struct evdns_server_port *port;
	char			 path[] = "/tmp/check-hosts.XXXXXX";
	int			 fd, udp;

	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd != -1);
	CU_ASSERT(write(fd, "127.0.0.1 probe-target.test\n", 28) == 28);
	close(fd);
	dns = evdns_base_new(base, 0);
	CU_ASSERT_FATAL(dns != NULL);
	CU_ASSERT(evdns_base_load_hosts(dns, path) == 0);
	unlink(path);
	/* No name server: nothing leaves the host. */
	evdns_base_set_option(dns, "timeout:", "0.2");
	evdns_base_set_option(dns, "attempts:", "1");

	CU_ASSERT_FATAL(srv_listen(&s, base, "127.0.0.1", NULL, 0) == 0);
	conf_init(&conf, CHECK_TCP, NULL);
	conf.host = "probe-target.test";
	conf.port = s.addr.port;
	CU_ASSERT_EQUAL(run_check(base, dns, &conf, 1, &r), 0);
	CU_ASSERT_EQUAL(r.ok, 1);
	CU_ASSERT_STRING_EQUAL(r.reason, "TCP connect succeeded");

	conf.host = "no-such-host.test";
	conf.fsm.timeout = 300;
	CU_ASSERT_EQUAL(run_check(base, dns, &conf, 1, &r), 0);
	CU_ASSERT_EQUAL(r.ok, 0);
	CU_ASSERT_STRING_EQUAL(r.reason,
	    "name resolution timed out after 300 ms");

	/* A name server on loopback that knows no name at all. */
	CU_ASSERT_FATAL(dns_nxdomain(base, dns, &udp, &port) == 0);
	CU_ASSERT_EQUAL(run_check(base, dns, &conf, 1, &r), 0);
	CU_ASSERT_EQUAL(r.ok, 0);
	CU_ASSERT(strncmp(r.reason, "name does not resolve: ", 23) == 0);
	CU_ASSERT(nxdomain_asked > 0);

	/* A name needs a resolver; a literal does not. */
	CU_ASSERT_EQUAL(run_check(base, NULL, &conf, 1, &r), -1);
	CU_ASSERT_STRING_EQUAL(r.reason,
	    "no-such-host.test: a host name needs a resolver");
	conf.host = "127.0.0.1";
	CU_ASSERT_EQUAL(run_check(base, NULL, &conf, 1, &r), 0);
	CU_ASSERT_EQUAL(r.ok, 1);

	spin(base, 20);
	srv_close(&s);
	evdns_base_free(dns, 0);
	evdns_close_server_port(port);
	close(udp);
	event_base_free(base);
}

/* Settings that cannot work are refused with a reason. */
static void
test_check_new_errors(void)
{
	struct event_base	*base = test_base();
	struct check_conf	 conf;
	struct run		 r;
	struct addr		 a;

	addr_parse("127.0.0.1", &a, &(const char *){ NULL });
	conf_init(&conf, CHECK_TCP, &a);
	CU_ASSERT_EQUAL(run_check(base, NULL, &conf, 1, &r), -1);
	CU_ASSERT_STRING_EQUAL(r.reason, "a tcp check needs a port");
	a.port = 80;
	conf_init(&conf, CHECK_ACV, &a);
	CU_ASSERT_EQUAL(run_check(base, NULL, &conf, 1, &r), -1);
	CU_ASSERT_STRING_EQUAL(r.reason,
	    "an acv check needs a string to expect");
	conf.expect = "abc";
	conf.expectlen = 3;
	conf.maxreply = 2;
	CU_ASSERT_EQUAL(run_check(base, NULL, &conf, 1, &r), -1);
	conf_init(&conf, CHECK_ICMP, NULL);
	CU_ASSERT_EQUAL(run_check(base, NULL, &conf, 1, &r), -1);
	CU_ASSERT_STRING_EQUAL(r.reason, "no address to check");
	addr_parse("::1", &conf.addr, &(const char *){ NULL });
	addr_parse("127.0.0.1", &conf.source, &(const char *){ NULL });
	CU_ASSERT_EQUAL(run_check(base, NULL, &conf, 1, &r), -1);
	event_base_free(base);
}

/* Freeing a checker with a round under way leaves nothing behind. */
static void
test_check_free_busy(void)
{
	struct event_base	*base = test_base();
	struct check_conf	 conf;
	struct check		*c;
	struct srv		 s;
	struct run		 r;
	char			*cause;

	CU_ASSERT_FATAL(srv_listen(&s, base, "127.0.0.1", NULL, 0) == 0);
	s.close_after = 0;
	conf_init(&conf, CHECK_ACV, &s.addr);
	conf.expect = "x";
	conf.expectlen = 1;
	memset(&r, 0, sizeof r);
	r.base = base;
	r.want = 1;
	c = check_new(base, NULL, &conf, run_state_cb, &r, &cause);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	check_start(c);
	spin(base, 50);
	CU_ASSERT_TRUE(check_get_fsm(c)->probing);
	/* Stopped and started again: the dropped round is not counted. */
	check_stop(c);
	CU_ASSERT_FALSE(check_get_fsm(c)->probing);
	CU_ASSERT_EQUAL(check_get_fsm(c)->rounds, 0);
	check_start(c);
	spin(base, 50);
	CU_ASSERT_TRUE(check_get_fsm(c)->probing);
	check_free(c);
	spin(base, 20);
	CU_ASSERT_EQUAL(r.nres, 0);
	CU_ASSERT_EQUAL(s.naccept, 2);
	srv_close(&s);
	event_base_free(base);
}

/* Whether this process may open an ICMP socket of family <af>. */
static int
icmp_allowed(int af)
{
	int	fd, proto = af == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;

	if ((fd = socket(af, SOCK_DGRAM, proto)) == -1 &&
	    (fd = socket(af, SOCK_RAW, proto)) == -1)
		return (0);
	close(fd);
	return (1);
}

/* Whether ::1 can be bound (IPv6 may be off on this host). */
static int
have_ipv6(void)
{
	struct sockaddr_in6	sin6;
	int			fd, ok;

	if ((fd = socket(AF_INET6, SOCK_DGRAM, 0)) == -1)
		return (0);
	memset(&sin6, 0, sizeof sin6);
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_loopback;
	ok = bind(fd, (struct sockaddr *)&sin6, sizeof sin6) == 0;
	close(fd);
	return (ok);
}

/*
 * Echo on loopback: up when an ICMP socket can be had (ping or raw), and
 * otherwise down with the reason saying so.
 */
static void
test_check_icmp_loopback(void)
{
	struct event_base	*base = test_base();
	struct check_conf	 conf;
	struct run		 r;
	const char		*hosts[] = { "127.0.0.1", "::1" };
	int			 i, af;

	for (i = 0; i < 2; i++) {
		conf_init(&conf, CHECK_ICMP, NULL);
		addr_parse(hosts[i], &conf.addr, &(const char *){ NULL });
		af = conf.addr.af;
		if (af == AF_INET6 && !have_ipv6())
			continue;
		conf.fsm.interval = 100;
		conf.fsm.timeout = 1000;
		CU_ASSERT_EQUAL(run_check(base, NULL, &conf, 2, &r), 0);
		if (icmp_allowed(af)) {
			CU_ASSERT_EQUAL(r.ok, 1);
			CU_ASSERT_EQUAL(r.to, CHECK_UP);
			CU_ASSERT(strncmp(r.reason, "echo reply in ", 14) == 0);
		} else {
			CU_ASSERT_EQUAL(r.ok, 0);
			CU_ASSERT(strncmp(r.reason, "cannot open", 11) == 0);
		}
	}
	event_base_free(base);
}

static CU_TestInfo check_tests[] = {
	{ "fsm first result", test_check_fsm_first_result },
	{ "fsm rise and fall", test_check_fsm_rise_fall },
	{ "fsm flapping", test_check_fsm_flapping },
	{ "fsm initial state", test_check_fsm_initial },
	{ "fsm timeout", test_check_fsm_timeout },
	{ "fsm schedule", test_check_fsm_schedule },
	{ "icmp request bytes", test_check_icmp_request },
	{ "icmp reply matching", test_check_icmp_reply },
	{ "tcp up and refused", test_check_tcp },
	{ "tcp connect timeout", test_check_tcp_timeout },
	{ "acv match and mismatch", test_check_acv_match },
	{ "acv reply in pieces", test_check_acv_split },
	{ "acv reply bound", test_check_acv_bound },
	{ "acv no answer", test_check_acv_timeout },
	{ "acv transport", test_check_acv_transport },
	{ "source address", test_check_source },
	{ "host names", test_check_name },
	{ "bad settings", test_check_new_errors },
	{ "free while busy", test_check_free_busy },
	{ "icmp loopback", test_check_icmp_loopback },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(suite_lib_check, "lib_check", check_tests)
