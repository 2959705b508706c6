/*
 * test_lb_head.c: the heads twin-lb writes (lb/lb_http_head.c) and the
 * cookie stripping under them (lb_cookie_strip): the persistence cookie
 * taken out of what a server gets, the client's other cookies kept;
 * X-Forwarded-For, Forwarded and Via; asterisk-form; framing; Set-Cookie
 * and Cache-Control in responses; which requests may be retried.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "http.h"
#include "lb/lbd.h"
#include "unit.h"

/* Parse <head> as a request (or a response to GET) into <m>. */
static void
parse(struct http_msg *m, const char *head, int response)
{
	int	rv;

	if (response)
		rv = http_parse_response(m, head, strlen(head), NULL,
		    HTTP_METHOD_GET);
	else
		rv = http_parse_request(m, head, strlen(head), NULL);
	CU_ASSERT_FATAL(rv == HTTP_DONE);
}

/* The buffer's bytes as a C string (static), then empty it. */
static const char *
text(struct evbuffer *b)
{
	static char	buf[4096];
	size_t		n = evbuffer_get_length(b);

	CU_ASSERT_FATAL(n < sizeof buf);
	evbuffer_remove(b, buf, n);
	buf[n] = '\0';
	return (buf);
}

/* Options as a cluster sets them, for client <client>. */
static void
opts(struct http_head_opts *o, const struct http_msg *m, const char *fwd)
{
	memset(o, 0, sizeof *o);
	o->via = "a (twin-lb)";
	o->version = m->version;
	o->xff = HTTP_XFF_APPEND;
	o->client = "198.18.0.11";
	o->max_forwards = -1;
	o->host = m->authority;
	o->host_len = m->authority_len;
	o->forwarded = fwd;
}

/* Strip <name> from <in>: the result. */
static const char *
strip(const char *in, const char *name)
{
	static char	out[512];
	size_t		n;

	n = lb_cookie_strip(in, strlen(in), name, out);
	out[n] = '\0';
	return (out);
}

/* The Cookie value without ours, whatever its spacing. */
static void
test_lb_cookie_strip(void)
{
	CU_ASSERT_STRING_EQUAL(strip("a=1; twinlb=XYZ; b=2", "twinlb"),
	    "a=1; b=2");
	CU_ASSERT_STRING_EQUAL(strip("twinlb=XYZ", "twinlb"), "");
	CU_ASSERT_STRING_EQUAL(strip("twinlb=XYZ;a=1", "twinlb"), "a=1");
	CU_ASSERT_STRING_EQUAL(strip("a=1;twinlb=1;twinlb=2;b=2", "twinlb"),
	    "a=1; b=2");
	CU_ASSERT_STRING_EQUAL(strip(" a = 1 ;\ttwinlb =\"q\" ; ; b", "twinlb"),
	    "a = 1; b");
	/* Other names that merely start alike stay. */
	CU_ASSERT_STRING_EQUAL(strip("twinlbx=1; xtwinlb=2", "twinlb"),
	    "twinlbx=1; xtwinlb=2");
	CU_ASSERT_STRING_EQUAL(strip("", "twinlb"), "");
	CU_ASSERT_STRING_EQUAL(strip(";;;", "twinlb"), "");
	/* A bare ';' may grow to "; ", within twice the input. */
	CU_ASSERT_STRING_EQUAL(strip("a;b;c", "twinlb"), "a; b; c");
}

/*
 * The request a server gets: origin-form, hop-by-hop fields gone, our
 * cookie out, Via, X-Forwarded-For and Forwarded in order.
 */
static void
test_lbd_head_request(void)
{
	struct http_msg		*m = calloc(1, sizeof *m);
	struct evbuffer		*b = evbuffer_new();
	struct http_head_opts	 o;

	parse(m, "GET /p?q=1 HTTP/1.1\r\nHost: www.test\r\n"
	    "Connection: keep-alive, X-Hop\r\nX-Hop: 1\r\n"
	    "Cookie: a=1; twinlb=AAAA; b=2\r\nAccept: */*\r\n"
	    "X-Forwarded-For: 203.0.113.9\r\nForwarded: for=203.0.113.9\r\n"
	    "\r\n", 0);
	opts(&o, m, "for=198.18.0.11;proto=http");
	lbd_head_request(b, m, &o, "twinlb");
	CU_ASSERT_STRING_EQUAL(text(b), "GET /p?q=1 HTTP/1.1\r\n"
	    "Host: www.test\r\nAccept: */*\r\n"
	    "X-Forwarded-For: 203.0.113.9, 198.18.0.11\r\n"
	    "Forwarded: for=203.0.113.9, for=198.18.0.11;proto=http\r\n"
	    "Via: 1.1 a (twin-lb)\r\nCookie: a=1; b=2\r\n\r\n");

	/* Without persistence the Cookie field passes as it came. */
	lbd_head_request(b, m, &o, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(text(b),
	    "\r\nCookie: a=1; twinlb=AAAA; b=2\r\n"));

	/* Ours alone: no Cookie field; no Forwarded asked: none added. */
	parse(m, "POST /f HTTP/1.0\r\nHost: w\r\nCookie: twinlb=AAAA\r\n"
	    "Content-Length: 3\r\n\r\n", 0);
	opts(&o, m, NULL);
	lbd_head_request(b, m, &o, "twinlb");
	CU_ASSERT_STRING_EQUAL(text(b), "POST /f HTTP/1.1\r\nHost: w\r\n"
	    "Content-Length: 3\r\nVia: 1.0 a (twin-lb)\r\n"
	    "X-Forwarded-For: 198.18.0.11\r\n\r\n");

	/* Chunked stays chunked; asterisk-form stays "*". */
	parse(m, "OPTIONS * HTTP/1.1\r\nHost: w\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", 0);
	opts(&o, m, NULL);
	o.via = NULL;
	o.xff = HTTP_XFF_DELETE;
	lbd_head_request(b, m, &o, "twinlb");
	CU_ASSERT_STRING_EQUAL(text(b), "OPTIONS * HTTP/1.1\r\nHost: w\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n");

	/* An absolute-form target goes on in origin-form, Host kept. */
	parse(m, "GET http://w:8080/x HTTP/1.1\r\nHost: w:8080\r\n\r\n", 0);
	opts(&o, m, NULL);
	o.via = NULL;
	o.xff = HTTP_XFF_KEEP;
	lbd_head_request(b, m, &o, "twinlb");
	CU_ASSERT_STRING_EQUAL(text(b), "GET /x HTTP/1.1\r\nHost: w:8080\r\n"
	    "\r\n");
	evbuffer_free(b);
	free(m);
}

/*
 * The response a client gets: our Set-Cookie after the server's own, and
 * Cache-Control: private unless the server said something of caching.
 */
static void
test_lbd_head_response(void)
{
	struct http_msg		*m = calloc(1, sizeof *m);
	struct evbuffer		*b = evbuffer_new();
	struct http_head_opts	 o;

	parse(m, "HTTP/1.1 200 OK\r\nSet-Cookie: app=1\r\n"
	    "Content-Length: 2\r\nKeep-Alive: timeout=5\r\n\r\n", 1);
	memset(&o, 0, sizeof o);
	o.via = "a (twin-lb)";
	o.version = m->version;
	o.max_forwards = -1;
	lbd_head_response(b, m, &o, "twinlb=V; Path=/; HttpOnly", 0,
	    HTTP_CONN_NONE);
	CU_ASSERT_STRING_EQUAL(text(b), "HTTP/1.1 200 OK\r\n"
	    "Set-Cookie: app=1\r\nContent-Length: 2\r\n"
	    "Via: 1.1 a (twin-lb)\r\n"
	    "Set-Cookie: twinlb=V; Path=/; HttpOnly\r\n"
	    "Cache-Control: private\r\n\r\n");

	parse(m, "HTTP/1.1 200 OK\r\nCache-Control: max-age=60\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", 1);
	o.via = NULL;
	lbd_head_response(b, m, &o, "twinlb=V", 1, HTTP_CONN_CLOSE);
	CU_ASSERT_STRING_EQUAL(text(b), "HTTP/1.1 200 OK\r\n"
	    "Cache-Control: max-age=60\r\nSet-Cookie: twinlb=V\r\n"
	    "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");

	/* No cookie to add: the head as the server sent it. */
	lbd_head_response(b, m, &o, NULL, 0, HTTP_CONN_KEEP);
	CU_ASSERT_STRING_EQUAL(text(b), "HTTP/1.1 200 OK\r\n"
	    "Cache-Control: max-age=60\r\nConnection: keep-alive\r\n\r\n");
	evbuffer_free(b);
	free(m);
}

/* Forwarded elements, request lines for the log, retry-safe requests. */
static void
test_lbd_head_misc(void)
{
	struct http_msg	*m = calloc(1, sizeof *m);
	struct addr	 a;
	const char	*cause;
	char		 buf[128];

	CU_ASSERT_FATAL(addr_parse("198.18.0.11", &a, &cause) == 0);
	lbd_forwarded(buf, sizeof buf, &a, 0);
	CU_ASSERT_STRING_EQUAL(buf, "for=198.18.0.11;proto=http");
	CU_ASSERT_FATAL(addr_parse("2001:2::11", &a, &cause) == 0);
	lbd_forwarded(buf, sizeof buf, &a, 1);
	CU_ASSERT_STRING_EQUAL(buf, "for=\"[2001:2::11]\";proto=https");

	parse(m, "GET /a?b HTTP/1.0\r\n\r\n", 0);
	lbd_reqline(buf, sizeof buf, m);
	CU_ASSERT_STRING_EQUAL(buf, "GET /a?b HTTP/1.0");
	CU_ASSERT_TRUE(lbd_idempotent(m));
	parse(m, "DELETE /a HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
	    "\r\n", 0);
	CU_ASSERT_TRUE(lbd_idempotent(m));
	parse(m, "PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n",
	    0);
	CU_ASSERT_FALSE(lbd_idempotent(m));	/* a body to send again */
	parse(m, "POST /a HTTP/1.1\r\nHost: x\r\n\r\n", 0);
	CU_ASSERT_FALSE(lbd_idempotent(m));
	parse(m, "PATCH /a HTTP/1.1\r\nHost: x\r\n\r\n", 0);
	CU_ASSERT_FALSE(lbd_idempotent(m));
	free(m);
}

static CU_TestInfo lb_head_tests[] = {
	{ "cookie strip", test_lb_cookie_strip },
	{ "request head", test_lbd_head_request },
	{ "response head", test_lbd_head_response },
	{ "forwarded, request line, idempotent", test_lbd_head_misc },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(lb_head_suite, "lb_head", lb_head_tests)
