/*
 * test_lib_http_body.c: the body mover over every framing (including
 * de-chunking and bad chunks), the early chunk check, backpressure and
 * sending at once (lib/flow.c), and the head writer.
 */
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "flow.h"
#include "http.h"
#include "http_body.h"
#include "http_field.h"
#include "http_head.h"
#include "unit.h"

static struct http_msg	msg;

static int	 move_in_pieces(struct http_body *, const char *, size_t,
		    struct evbuffer *, size_t *);
static size_t	 read_now(int, char *, size_t);

/*
 * Feed s[0..len) to the mover <step> bytes at a time, as reads would
 * bring it; returns the mover's last result, with *left the bytes it
 * did not take.
 */
static int
move_in_pieces(struct http_body *b, const char *s, size_t step,
    struct evbuffer *dst, size_t *left)
{
	struct evbuffer	*src = evbuffer_new();
	size_t		 off = 0, n, moved;
	int		 rv = 0;

	while (off < strlen(s) && b->state != HTTP_MOVE_DONE) {
		n = strlen(s) - off < step ? strlen(s) - off : step;
		evbuffer_add(src, s + off, n);
		off += n;
		if ((rv = http_body_move(b, src, dst, &moved)) == -1)
			break;
	}
	*left = evbuffer_get_length(src) + strlen(s) - off;
	evbuffer_free(src);
	return (rv);
}

static void
test_http_body_move_length(void)
{
	struct http_body	 b;
	struct evbuffer		*dst = evbuffer_new();
	size_t			 left;
	char			*s;

	http_body_init(&b, HTTP_BODY_LENGTH, 5, 0, NULL);
	CU_ASSERT_EQUAL(b.state, HTTP_MOVE_LENGTH);
	CU_ASSERT_EQUAL(move_in_pieces(&b, "helloGET / HTTP/1.1\r\n", 2, dst,
	    &left), 0);
	CU_ASSERT_EQUAL(b.state, HTTP_MOVE_DONE);
	/* What follows the body is left for the next message. */
	CU_ASSERT_EQUAL(left, strlen("GET / HTTP/1.1\r\n"));
	s = unit_take(dst);
	CU_ASSERT_STRING_EQUAL(s, "hello");
	free(s);
	http_body_init(&b, HTTP_BODY_LENGTH, 0, 0, NULL);
	CU_ASSERT_EQUAL(b.state, HTTP_MOVE_DONE);
	http_body_init(&b, HTTP_BODY_NONE, 0, 0, NULL);
	CU_ASSERT_EQUAL(b.state, HTTP_MOVE_DONE);
	evbuffer_free(dst);
}

static void
test_http_body_move_close(void)
{
	struct http_body	 b;
	struct evbuffer		*src = evbuffer_new(), *dst = evbuffer_new();
	size_t			 moved;
	char			*s;

	http_body_init(&b, HTTP_BODY_CLOSE, 0, 0, NULL);
	evbuffer_add(src, "abc", 3);
	CU_ASSERT_EQUAL(http_body_move(&b, src, dst, &moved), 0);
	CU_ASSERT_EQUAL(moved, 3);
	evbuffer_add(src, "def", 3);
	CU_ASSERT_EQUAL(http_body_move(&b, src, dst, &moved), 0);
	/* Only the sender's close ends it. */
	CU_ASSERT_EQUAL(b.state, HTTP_MOVE_CLOSE);
	s = unit_take(dst);
	CU_ASSERT_STRING_EQUAL(s, "abcdef");
	free(s);
	evbuffer_free(src);
	evbuffer_free(dst);
}

static void
test_http_body_move_chunked(void)
{
	static const char	 body[] = "4\r\nwiki\r\n5;x=y\r\npedia\r\n"
	    "0\r\nT: v\r\n\r\n";
	struct http_body	 b;
	struct evbuffer		*dst = evbuffer_new();
	size_t			 left, step;
	char			*s, in[128];

	for (step = 1; step <= sizeof body; step += 3) {
		snprintf(in, sizeof in, "%sNEXT", body);
		http_body_init(&b, HTTP_BODY_CHUNKED, 0, 0, NULL);
		CU_ASSERT_EQUAL(move_in_pieces(&b, in, step, dst, &left), 0);
		CU_ASSERT_EQUAL(b.state, HTTP_MOVE_DONE);
		CU_ASSERT_EQUAL(left, 4);
		/* Passed on verbatim, trailers and all. */
		s = unit_take(dst);
		CU_ASSERT_STRING_EQUAL(s, body);
		free(s);
	}
	evbuffer_free(dst);
}

/*
 * Trailers that may not be trailers (RFC 9110 section 6.5.1) are dropped
 * on the way, however the section arrives; the others pass unchanged.
 */
static void
test_http_body_move_trailers(void)
{
	static const char	 body[] = "3\r\nabc\r\n0\r\n"
	    "Content-Length: 99\r\nX-Sum: 1\r\nHost: evil\r\n"
	    "set-cookie: s=1\r\nTransfer-Encoding: chunked\r\n"
	    "Authorization: x\r\nX-Late: 2\r\nContent-Type: t/t\r\n\r\n";
	static const char	 want[] = "3\r\nabc\r\n0\r\n"
	    "X-Sum: 1\r\nX-Late: 2\r\n\r\n";
	struct http_body	 b;
	struct evbuffer		*dst = evbuffer_new();
	size_t			 left, step;
	char			*s, in[512];

	for (step = 1; step <= sizeof body; step += 5) {
		snprintf(in, sizeof in, "%sGET", body);
		http_body_init(&b, HTTP_BODY_CHUNKED, 0, 0, NULL);
		CU_ASSERT_EQUAL(move_in_pieces(&b, in, step, dst, &left), 0);
		CU_ASSERT_EQUAL(b.state, HTTP_MOVE_DONE);
		CU_ASSERT_EQUAL(left, 3);
		s = unit_take(dst);
		CU_ASSERT_STRING_EQUAL(s, want);
		free(s);
	}
	/* A bad trailer is an error, before anything of it went on. */
	http_body_init(&b, HTTP_BODY_CHUNKED, 0, 0, NULL);
	CU_ASSERT_EQUAL(move_in_pieces(&b, "0\r\nX-A: 1\r\nBad Name: 2\r\n"
	    "\r\n", 4, dst, &left), -1);
	s = unit_take(dst);
	CU_ASSERT_STRING_EQUAL(s, "0\r\n");
	free(s);
	/* The names, one by one. */
	CU_ASSERT_EQUAL(http_trailer_forbidden("If-Match", 8), 1);
	CU_ASSERT_EQUAL(http_trailer_forbidden("TE", 2), 1);
	CU_ASSERT_EQUAL(http_trailer_forbidden("Cookie", 6), 1);
	CU_ASSERT_EQUAL(http_trailer_forbidden("Server-Timing", 13), 0);
	CU_ASSERT_EQUAL(http_trailer_forbidden("Digest", 6), 0);
	evbuffer_free(dst);
}

static void
test_http_body_move_dechunk(void)
{
	static const char	 body[] = "4\r\nwiki\r\n5;x=y\r\npedia\r\n"
	    "0\r\nT: v\r\n\r\n";
	struct http_body	 b;
	struct evbuffer		*dst = evbuffer_new();
	size_t			 left, step;
	char			*s;

	for (step = 1; step <= sizeof body; step += 2) {
		http_body_init(&b, HTTP_BODY_CHUNKED, 0, 1, NULL);
		CU_ASSERT_EQUAL(b.state, HTTP_MOVE_DECHUNK);
		CU_ASSERT_EQUAL(move_in_pieces(&b, body, step, dst, &left),
		    0);
		CU_ASSERT_EQUAL(b.state, HTTP_MOVE_DONE);
		CU_ASSERT_EQUAL(left, 0);
		s = unit_take(dst);
		CU_ASSERT_STRING_EQUAL(s, "wikipedia");
		free(s);
	}
	evbuffer_free(dst);
}

static void
test_http_body_move_bad_chunks(void)
{
	static const char *const bad[] = { "x\r\n", "4\r\nwikiX\r\n",
	    "4\nwiki\r\n", "-1\r\n", "4 \r\nwiki\r\n0\r\n\r\n", NULL };
	struct http_body	 b;
	struct evbuffer		*dst = evbuffer_new();
	size_t			 left;
	int			 i, dechunk;

	for (i = 0; bad[i] != NULL; i++)
		for (dechunk = 0; dechunk < 2; dechunk++) {
			http_body_init(&b, HTTP_BODY_CHUNKED, 0, dechunk,
			    NULL);
			CU_ASSERT_EQUAL(move_in_pieces(&b, bad[i], 64, dst,
			    &left), -1);
			CU_ASSERT_PTR_NOT_NULL(b.ch.error);
		}
	evbuffer_free(dst);
}

static void
test_http_body_check_early(void)
{
	struct http_body	 b;
	struct evbuffer		*src = evbuffer_new();

	http_body_init(&b, HTTP_BODY_CHUNKED, 0, 0, NULL);
	evbuffer_add(src, "5\r\nhello\r\n0\r\n\r\n", 15);
	CU_ASSERT_PTR_NULL(http_body_check(&b, src));
	/* Nothing was taken, and the mover's state is untouched. */
	CU_ASSERT_EQUAL(evbuffer_get_length(src), 15);
	CU_ASSERT_EQUAL(b.ch.total, 0);
	evbuffer_drain(src, 15);
	evbuffer_add(src, "5\r\nhelloXX", 10);
	CU_ASSERT_PTR_NOT_NULL(http_body_check(&b, src));
	http_body_init(&b, HTTP_BODY_LENGTH, 3, 0, NULL);
	CU_ASSERT_PTR_NULL(http_body_check(&b, src));
	evbuffer_free(src);
}

/* The mover stops reading its source while the destination is full. */
static void
test_http_body_relay_backpressure(void)
{
	struct flow_limits	 fl = { 8, 4 };
	struct event_base	*base = event_base_new();
	struct bufferevent	*src, *dst;
	struct http_body	 b;
	size_t			 moved;
	int			 sp[2], dp[2];

	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0);
	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, dp) == 0);
	src = bufferevent_socket_new(base, sp[0], BEV_OPT_CLOSE_ON_FREE);
	dst = bufferevent_socket_new(base, dp[0], BEV_OPT_CLOSE_ON_FREE);
	bufferevent_enable(src, EV_READ);
	/* Stand in for the socket: fill the input directly. */
	evbuffer_unfreeze(bufferevent_get_input(src), 0);
	http_body_init(&b, HTTP_BODY_LENGTH, 100, 0, NULL);
	evbuffer_add(bufferevent_get_input(src), "0123", 4);
	CU_ASSERT_EQUAL(http_body_relay(&b, src, dst, &fl, &moved), 0);
	CU_ASSERT_EQUAL(moved, 4);
	CU_ASSERT(bufferevent_get_enabled(src) & EV_READ);
	evbuffer_add(bufferevent_get_input(src), "45678", 5);
	CU_ASSERT_EQUAL(http_body_relay(&b, src, dst, &fl, &moved), 0);
	CU_ASSERT_FALSE(bufferevent_get_enabled(src) & EV_READ);
	CU_ASSERT_EQUAL(b.left, 91);
	flow_resume(src);
	CU_ASSERT(bufferevent_get_enabled(src) & EV_READ);
	/* A finished body leaves reading alone. */
	http_body_init(&b, HTTP_BODY_LENGTH, 9, 0, NULL);
	evbuffer_add(bufferevent_get_input(src), "012345678", 9);
	CU_ASSERT_EQUAL(http_body_relay(&b, src, dst, &fl, &moved), 0);
	CU_ASSERT_EQUAL(b.state, HTTP_MOVE_DONE);
	CU_ASSERT(bufferevent_get_enabled(src) & EV_READ);
	CU_ASSERT_EQUAL(flow_gate(NULL, bufferevent_get_output(dst), &fl), 1);
	bufferevent_free(src);
	bufferevent_free(dst);
	close(sp[1]);
	close(dp[1]);
	event_base_free(base);
}

/* Read what a socket holds now, without blocking; NUL-terminated. */
static size_t
read_now(int fd, char *buf, size_t size)
{
	ssize_t	 n;
	size_t	 got = 0;

	while (got + 1 < size &&
	    (n = recv(fd, buf + got, size - 1 - got, MSG_DONTWAIT)) > 0)
		got += n;
	buf[got] = '\0';
	return (got);
}

/*
 * flow_add() writes a large answer at once to an idle socket, queues a
 * small one for the loop, queues behind bytes already waiting (order
 * kept), queues what a full socket does not take, and only queues for a
 * bufferevent that is not a plain socket.
 */
static void
test_flow_add(void)
{
	struct flow_limits	 fl = { 8, 4 };
	struct event_base	*base = event_base_new();
	struct bufferevent	*bev, *filt;
	struct evbuffer		*b = evbuffer_new(), *out;
	char			 got[64], *big;
	size_t			 len = 8 << 20, n;
	int			 sp[2];

	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0);
	evutil_make_socket_nonblocking(sp[0]);
	bev = bufferevent_socket_new(base, sp[0], BEV_OPT_CLOSE_ON_FREE);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	out = bufferevent_get_output(bev);

	/* Idle: on the socket before the loop runs, nothing queued. */
	evbuffer_add(b, "hello", 5);
	CU_ASSERT_EQUAL(flow_add(bev, b, &fl), 5);
	CU_ASSERT_EQUAL(evbuffer_get_length(b), 0);
	CU_ASSERT_EQUAL(evbuffer_get_length(out), 0);
	CU_ASSERT_EQUAL(read_now(sp[1], got, sizeof got), 5);
	CU_ASSERT_STRING_EQUAL(got, "hello");

	/* Below the low-water mark: left for the loop. */
	evbuffer_add(b, "hi", 2);
	CU_ASSERT_EQUAL(flow_add(bev, b, &fl), 0);
	CU_ASSERT_EQUAL(evbuffer_get_length(out), 2);
	CU_ASSERT_EQUAL(read_now(sp[1], got, sizeof got), 0);
	event_base_loop(base, EVLOOP_NONBLOCK);
	CU_ASSERT_EQUAL(read_now(sp[1], got, sizeof got), 2);
	CU_ASSERT_STRING_EQUAL(got, "hi");

	/* Bytes already queued go first: nothing is written past them. */
	evbuffer_add(out, "one ", 4);
	evbuffer_add(b, "two three", 9);
	CU_ASSERT_EQUAL(flow_add(bev, b, &fl), 0);
	CU_ASSERT_EQUAL(evbuffer_get_length(out), 13);
	CU_ASSERT_EQUAL(read_now(sp[1], got, sizeof got), 0);
	event_base_loop(base, EVLOOP_NONBLOCK);
	CU_ASSERT_EQUAL(read_now(sp[1], got, sizeof got), 13);
	CU_ASSERT_STRING_EQUAL(got, "one two three");

	/* A peer that does not read: the socket's share, the rest queued. */
	CU_ASSERT_FATAL((big = calloc(1, len)) != NULL);
	evbuffer_add(b, big, len);
	n = flow_add(bev, b, &fl);
	CU_ASSERT(n > 0 && n < len);
	CU_ASSERT_EQUAL(evbuffer_get_length(out), len - n);
	CU_ASSERT_EQUAL(evbuffer_get_length(b), 0);
	bufferevent_free(bev);
	close(sp[1]);

	/* Not a plain socket (a filter here, TLS alike): queued only. */
	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0);
	bev = bufferevent_socket_new(base, sp[0], BEV_OPT_CLOSE_ON_FREE);
	filt = bufferevent_filter_new(bev, NULL, NULL, BEV_OPT_CLOSE_ON_FREE,
	    NULL, NULL);
	CU_ASSERT_FATAL(filt != NULL);
	bufferevent_enable(filt, EV_WRITE);
	evbuffer_add(b, "tls records", 11);
	CU_ASSERT_EQUAL(flow_add(filt, b, &fl), 0);
	/* The filter passed it down at once; the socket got nothing yet. */
	CU_ASSERT_EQUAL(evbuffer_get_length(bufferevent_get_output(filt)) +
	    evbuffer_get_length(bufferevent_get_output(bev)), 11);
	CU_ASSERT_EQUAL(read_now(sp[1], got, sizeof got), 0);
	bufferevent_free(filt);
	close(sp[1]);
	free(big);
	evbuffer_free(b);
	event_base_free(base);
}

/* Parse a request and write the head for the origin. */
static void
test_http_head_request(void)
{
	static const char	 req[] =
	    "GET http://o.test:8080/p?q HTTP/1.0\r\n"
	    "Connection: x-hop\r\nX-Hop: 1\r\nKeep-Alive: 5\r\n"
	    "Via: 1.0 first\r\nVia: 1.1 second\r\n"
	    "X-Forwarded-For: 198.18.0.1\r\nMax-Forwards: 5\r\n"
	    "Proxy-Authorization: secret\r\nAccept: */*\r\n\r\n";
	struct http_head_opts	 o;
	struct evbuffer		*b = evbuffer_new();
	char			*s;

	CU_ASSERT_EQUAL_FATAL(http_parse_request(&msg, req, strlen(req),
	    NULL), HTTP_DONE);
	memset(&o, 0, sizeof o);
	o.via = "a (twin-proxy)";
	o.version = msg.version;
	o.xff = HTTP_XFF_APPEND;
	o.client = "198.18.0.2";
	o.max_forwards = 4;
	o.host = msg.authority;
	o.host_len = msg.authority_len;
	http_head_request_line(b, &msg);
	http_head_fields(b, msg.headers, msg.nheaders, &o);
	http_head_end(b, 0, HTTP_CONN_NONE);
	s = unit_take(b);
	CU_ASSERT_STRING_EQUAL(s, "GET /p?q HTTP/1.1\r\n"
	    "Via: 1.0 first\r\nVia: 1.1 second, 1.0 a (twin-proxy)\r\n"
	    "X-Forwarded-For: 198.18.0.1, 198.18.0.2\r\n"
	    "Max-Forwards: 4\r\nAccept: */*\r\n"
	    "Host: o.test:8080\r\n\r\n");
	free(s);

	/* Delete X-Forwarded-For, no Via, chunked framing. */
	o.via = NULL;
	o.xff = HTTP_XFF_DELETE;
	o.max_forwards = -1;
	http_head_fields(b, msg.headers, msg.nheaders, &o);
	http_head_end(b, 1, HTTP_CONN_CLOSE);
	s = unit_take(b);
	CU_ASSERT_STRING_EQUAL(s, "Via: 1.0 first\r\nVia: 1.1 second\r\n"
	    "Max-Forwards: 5\r\nAccept: */*\r\nHost: o.test:8080\r\n"
	    "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
	free(s);
	evbuffer_free(b);
}

/* A response head for an HTTP/1.0 client, and one for a 1.1 client. */
static void
test_http_head_response(void)
{
	static const char	 resp[] = "HTTP/1.1 206 Partial\r\n"
	    "Transfer-Encoding: chunked\r\nTrailer: X\r\n"
	    "Upgrade: h2c\r\nContent-Type: text/plain\r\n\r\n";
	static const char *const drop[] = { "content-type", NULL };
	struct http_head_opts	 o;
	struct evbuffer		*b = evbuffer_new();
	char			*s;

	CU_ASSERT_EQUAL_FATAL(http_parse_response(&msg, resp, strlen(resp),
	    NULL, HTTP_METHOD_GET), HTTP_DONE);
	memset(&o, 0, sizeof o);
	o.via = "b (twin-proxy)";
	o.version = msg.version;
	o.max_forwards = -1;
	http_head_status_line(b, &msg);
	http_head_fields(b, msg.headers, msg.nheaders, &o);
	http_head_end(b, 0, http_head_conn(10, 0));
	s = unit_take(b);
	CU_ASSERT_STRING_EQUAL(s, "HTTP/1.1 206 Partial\r\n"
	    "Content-Type: text/plain\r\nVia: 1.1 b (twin-proxy)\r\n"
	    "Connection: keep-alive\r\n\r\n");
	free(s);
	o.drop = drop;
	o.via = NULL;
	http_head_fields(b, msg.headers, msg.nheaders, &o);
	http_head_end(b, 1, http_head_conn(11, 0));
	s = unit_take(b);
	CU_ASSERT_STRING_EQUAL(s, "Transfer-Encoding: chunked\r\n\r\n");
	free(s);
	CU_ASSERT_EQUAL(http_head_conn(11, 1), HTTP_CONN_CLOSE);
	CU_ASSERT_EQUAL(http_head_conn(10, 1), HTTP_CONN_CLOSE);
	CU_ASSERT_EQUAL(http_head_conn(11, 0), HTTP_CONN_NONE);
	/* No reason phrase from the origin: the code's own goes on. */
	CU_ASSERT_EQUAL_FATAL(http_parse_response(&msg, "HTTP/1.1 204\r\n\r\n",
	    17, NULL, HTTP_METHOD_GET), HTTP_DONE);
	http_head_status_line(b, &msg);
	s = unit_take(b);
	CU_ASSERT_STRING_EQUAL(s, "HTTP/1.1 204 No Content\r\n");
	free(s);
	evbuffer_free(b);
}

/*
 * Names listed by Connection fields are dropped wherever they appear:
 * from several Connection fields, more than the writer keeps at hand
 * (it then searches the fields again), never Host or Content-Length; a
 * field line longer than the writer's buffer goes out whole.
 */
static void
test_http_head_connection(void)
{
	static char		 req[8192], want[8192];
	struct http_head_opts	 o;
	struct evbuffer		*b = evbuffer_new();
	char			*s, big[5001];
	int			 i, n;

	memset(big, 'v', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	n = snprintf(req, sizeof req, "GET http://o.test/ HTTP/1.1\r\n"
	    "Host: o.test\r\nX-A: 1\r\nConnection: x-a, host\r\n"
	    "Content-Length: 0\r\nX-B: 2\r\nX-Long: %s\r\n"
	    "Connection: content-length, x-b\r\nX-C: 3\r\n", big);
	CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof req);
	memset(&o, 0, sizeof o);
	o.max_forwards = -1;
	for (i = 0; i < 2; i++) {
		/* The second time, 20 more names: past the 16 kept at hand. */
		if (i == 1)
			strlcat(req, "Connection: n1, n2, n3, n4, n5, n6, n7, "
			    "n8, n9, n10, n11, n12, n13, n14, n15, n16, n17, "
			    "n18, n19, x-c\r\n", sizeof req);
		strlcat(req, "\r\n", sizeof req);
		CU_ASSERT_EQUAL_FATAL(http_parse_request(&msg, req,
		    strlen(req), NULL), HTTP_DONE);
		http_head_fields(b, msg.headers, msg.nheaders, &o);
		s = unit_take(b);
		snprintf(want, sizeof want, "Host: o.test\r\nContent-Length: 0"
		    "\r\nX-Long: %s\r\n%s", big, i == 0 ? "X-C: 3\r\n" : "");
		CU_ASSERT_STRING_EQUAL(s, want);
		CU_ASSERT_PTR_NULL(strstr(s, "X-A"));
		CU_ASSERT_PTR_NULL(strstr(s, "X-B"));
		free(s);
		req[strlen(req) - 2] = '\0';
	}
	evbuffer_free(b);
}

static CU_TestInfo tests[] = {
	{ "move_length", test_http_body_move_length },
	{ "move_close", test_http_body_move_close },
	{ "move_chunked", test_http_body_move_chunked },
	{ "move_trailers", test_http_body_move_trailers },
	{ "move_dechunk", test_http_body_move_dechunk },
	{ "move_bad_chunks", test_http_body_move_bad_chunks },
	{ "check_early", test_http_body_check_early },
	{ "relay_backpressure", test_http_body_relay_backpressure },
	{ "flow_add", test_flow_add },
	{ "head_request", test_http_head_request },
	{ "head_response", test_http_head_response },
	{ "head_connection", test_http_head_connection },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(lib_http_body_suite, "lib_http_body", tests)
