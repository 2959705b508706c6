/* test_lib_http.c: the HTTP/1.1 head parser and chunked body validator. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "unit.h"

/* The message is large; one static copy serves every test. */
static struct http_msg	 msg;

static int	req(const char *);
static int	reqn(const char *, size_t);
static int	resp(const char *, enum http_method);
static int	span_eq(const char *, size_t, const char *);
static int	chunk_feed(const char *, size_t, size_t, size_t *, char *,
		    size_t, size_t *, const char **);

/* Parse a NUL-terminated request with the default limits. */
static int
req(const char *s)
{
	return (http_parse_request(&msg, s, strlen(s), NULL));
}

/* Parse a request of explicit length (it may hold NUL bytes). */
static int
reqn(const char *s, size_t len)
{
	return (http_parse_request(&msg, s, len, NULL));
}

/* Parse a NUL-terminated response to a request with method. */
static int
resp(const char *s, enum http_method method)
{
	return (http_parse_response(&msg, s, strlen(s), NULL, method));
}

/* Tell whether p[0..len) is exactly the string s. */
static int
span_eq(const char *p, size_t len, const char *s)
{
	return (p != NULL && len == strlen(s) && memcmp(p, s, len) == 0);
}

/*
 * Feed a chunked body in fragments of step bytes (0: all at once),
 * de-chunking into out. Returns the last result; *used is the body bytes
 * consumed, *err the error.
 */
static int
chunk_feed(const char *s, size_t len, size_t step, size_t *used, char *out,
    size_t outsz, size_t *outlen, const char **err)
{
	struct http_chunked	 c;
	size_t			 off = 0, frag, pos, consumed, doff, dlen;
	int			 r = HTTP_MORE;

	http_chunked_init(&c, NULL);
	*outlen = 0;
	while (off < len) {
		frag = step == 0 || len - off < step ? len - off : step;
		pos = 0;
		while (pos < frag) {
			r = http_chunked_feed(&c, s + off + pos, frag - pos,
			    &consumed, out != NULL ? &doff : NULL,
			    out != NULL ? &dlen : NULL);
			CU_ASSERT(consumed <= frag - pos);
			if (out != NULL && r != HTTP_ERROR && dlen > 0) {
				CU_ASSERT(doff + dlen <= consumed);
				if (*outlen + dlen <= outsz)
					memcpy(out + *outlen,
					    s + off + pos + doff, dlen);
				*outlen += dlen;
			}
			pos += consumed;
			if (r != HTTP_MORE)
				break;
			if (consumed == 0)
				break;
		}
		off += pos;
		if (r != HTTP_MORE)
			break;
	}
	*used = off;
	*err = c.error;
	return (r);
}

#define REQ_ERROR(s, st, why) do {					\
	CU_ASSERT_EQUAL_FATAL(req(s), HTTP_ERROR);			\
	CU_ASSERT_EQUAL(msg.status, (st));				\
	CU_ASSERT_PTR_NOT_NULL_FATAL(msg.error);			\
	CU_ASSERT_STRING_EQUAL(msg.error, (why));			\
} while (0)

#define REQN_ERROR(s, st, why) do {					\
	CU_ASSERT_EQUAL_FATAL(reqn((s), sizeof(s) - 1), HTTP_ERROR);	\
	CU_ASSERT_EQUAL(msg.status, (st));				\
	CU_ASSERT_PTR_NOT_NULL_FATAL(msg.error);			\
	CU_ASSERT_STRING_EQUAL(msg.error, (why));			\
} while (0)

#define RESP_ERROR(s, why) do {						\
	CU_ASSERT_EQUAL_FATAL(resp((s), HTTP_METHOD_GET), HTTP_ERROR);	\
	CU_ASSERT_EQUAL(msg.status, 502);				\
	CU_ASSERT_PTR_NOT_NULL_FATAL(msg.error);			\
	CU_ASSERT_STRING_EQUAL(msg.error, (why));			\
} while (0)

#define CHUNK_ERROR(s, why) do {					\
	size_t		 used_, olen_;					\
	const char	*err_;						\
	CU_ASSERT_EQUAL(chunk_feed((s), sizeof(s) - 1, 0, &used_, NULL,	\
	    0, &olen_, &err_), HTTP_ERROR);				\
	CU_ASSERT_PTR_NOT_NULL_FATAL(err_);				\
	CU_ASSERT_STRING_EQUAL(err_, (why));				\
	CU_ASSERT_EQUAL(chunk_feed((s), sizeof(s) - 1, 1, &used_, NULL,	\
	    0, &olen_, &err_), HTTP_ERROR);				\
	CU_ASSERT_PTR_NOT_NULL_FATAL(err_);				\
	CU_ASSERT_STRING_EQUAL(err_, (why));				\
} while (0)

/* Request happy paths. */

static void
test_http_parse_request_origin_form(void)
{
	const char	*s = "GET /a/b?x=1&y=%2F HTTP/1.1\r\n"
			    "Host: www.example.com\r\n\r\n";

	CU_ASSERT_EQUAL_FATAL(req(s), HTTP_DONE);
	CU_ASSERT_EQUAL(msg.head_len, strlen(s));
	CU_ASSERT_EQUAL(msg.method, HTTP_METHOD_GET);
	CU_ASSERT(span_eq(msg.method_str, msg.method_len, "GET"));
	CU_ASSERT_EQUAL(msg.form, HTTP_FORM_ORIGIN);
	CU_ASSERT_EQUAL(msg.version, 11);
	CU_ASSERT_EQUAL(msg.scheme, HTTP_SCHEME_NONE);
	CU_ASSERT(span_eq(msg.target, msg.target_len, "/a/b?x=1&y=%2F"));
	CU_ASSERT(span_eq(msg.path, msg.path_len, "/a/b"));
	CU_ASSERT(span_eq(msg.query, msg.query_len, "?x=1&y=%2F"));
	CU_ASSERT(span_eq(msg.host, msg.host_len, "www.example.com"));
	CU_ASSERT(span_eq(msg.authority, msg.authority_len,
	    "www.example.com"));
	CU_ASSERT_EQUAL(msg.port, 80);
	CU_ASSERT_EQUAL(msg.code, 0);
	CU_ASSERT_EQUAL(msg.framing, HTTP_BODY_NONE);
	CU_ASSERT_PTR_NULL(msg.error);
}

static void
test_http_parse_request_origin_host_port(void)
{
	CU_ASSERT_EQUAL_FATAL(req("GET / HTTP/1.1\r\n"
	    "Host: [::1]:8080\r\n\r\n"), HTTP_DONE);
	CU_ASSERT(span_eq(msg.host, msg.host_len, "::1"));
	CU_ASSERT(span_eq(msg.authority, msg.authority_len, "[::1]:8080"));
	CU_ASSERT_EQUAL(msg.host_ipv6, 1);
	CU_ASSERT_EQUAL(msg.port, 8080);
	CU_ASSERT(span_eq(msg.path, msg.path_len, "/"));
	CU_ASSERT_EQUAL(msg.query_len, 0);
}

static void
test_http_parse_request_absolute_form(void)
{
	CU_ASSERT_EQUAL_FATAL(req("GET http://Example.COM:8080/p/q?r "
	    "HTTP/1.1\r\nHost: example.com:8080\r\n\r\n"), HTTP_DONE);
	CU_ASSERT_EQUAL(msg.form, HTTP_FORM_ABSOLUTE);
	CU_ASSERT_EQUAL(msg.scheme, HTTP_SCHEME_HTTP);
	CU_ASSERT(span_eq(msg.scheme_str, msg.scheme_len, "http"));
	CU_ASSERT(span_eq(msg.host, msg.host_len, "Example.COM"));
	CU_ASSERT(span_eq(msg.authority, msg.authority_len,
	    "Example.COM:8080"));
	CU_ASSERT_EQUAL(msg.port, 8080);
	CU_ASSERT(span_eq(msg.path, msg.path_len, "/p/q"));
	CU_ASSERT(span_eq(msg.query, msg.query_len, "?r"));
}

static void
test_http_parse_request_absolute_default_port(void)
{
	CU_ASSERT_EQUAL_FATAL(req("GET http://a.example/ HTTP/1.1\r\n"
	    "Host: a.example:80\r\n\r\n"), HTTP_DONE);
	CU_ASSERT_EQUAL(msg.port, 80);
	CU_ASSERT_EQUAL_FATAL(req("GET https://a.example/ HTTP/1.1\r\n"
	    "Host: a.example\r\n\r\n"), HTTP_DONE);
	CU_ASSERT_EQUAL(msg.scheme, HTTP_SCHEME_HTTPS);
	CU_ASSERT_EQUAL(msg.port, 443);
}

static void
test_http_parse_request_absolute_empty_path(void)
{
	CU_ASSERT_EQUAL_FATAL(req("GET http://a.example HTTP/1.1\r\n"
	    "Host: a.example\r\n\r\n"), HTTP_DONE);
	CU_ASSERT(span_eq(msg.path, msg.path_len, "/"));
	CU_ASSERT_EQUAL(msg.query_len, 0);
	CU_ASSERT_EQUAL_FATAL(req("GET http://a.example?q=1 HTTP/1.1\r\n"
	    "Host: a.example\r\n\r\n"), HTTP_DONE);
	CU_ASSERT(span_eq(msg.path, msg.path_len, "/"));
	CU_ASSERT(span_eq(msg.query, msg.query_len, "?q=1"));
}

static void
test_http_parse_request_scheme_case(void)
{
	CU_ASSERT_EQUAL_FATAL(req("GET HtTp://a.example/ HTTP/1.0\r\n\r\n"),
	    HTTP_DONE);
	CU_ASSERT_EQUAL(msg.scheme, HTTP_SCHEME_HTTP);
	CU_ASSERT(span_eq(msg.scheme_str, msg.scheme_len, "HtTp"));
	CU_ASSERT_EQUAL_FATAL(req("GET HTTPS://a.example/ HTTP/1.0\r\n\r\n"),
	    HTTP_DONE);
	CU_ASSERT_EQUAL(msg.scheme, HTTP_SCHEME_HTTPS);
}

static void
test_http_parse_request_other_scheme(void)
{
	CU_ASSERT_EQUAL_FATAL(req("GET gopher://g.example/pub HTTP/1.1\r\n"
	    "Host: g.example\r\n\r\n"), HTTP_DONE);
	CU_ASSERT_EQUAL(msg.scheme, HTTP_SCHEME_OTHER);
	CU_ASSERT(span_eq(msg.scheme_str, msg.scheme_len, "gopher"));
	CU_ASSERT_EQUAL(msg.port, 0);
	CU_ASSERT(span_eq(msg.path, msg.path_len, "/pub"));
}

static void
test_http_parse_request_authority_form(void)
{
	CU_ASSERT_EQUAL_FATAL(req("CONNECT mail.example:443 HTTP/1.1\r\n"
	    "Host: mail.example:443\r\n\r\n"), HTTP_DONE);
	CU_ASSERT_EQUAL(msg.method, HTTP_METHOD_CONNECT);
	CU_ASSERT_EQUAL(msg.form, HTTP_FORM_AUTHORITY);
	CU_ASSERT(span_eq(msg.host, msg.host_len, "mail.example"));
	CU_ASSERT_EQUAL(msg.port, 443);
	CU_ASSERT_EQUAL(msg.path_len, 0);
	CU_ASSERT_EQUAL(msg.framing, HTTP_BODY_NONE);
}

static void
test_http_parse_request_authority_ipv6(void)
{
	CU_ASSERT_EQUAL_FATAL(req("CONNECT [2001:db8::7]:443 HTTP/1.1\r\n"
	    "Host: [2001:db8::7]:443\r\n\r\n"), HTTP_DONE);
	CU_ASSERT(span_eq(msg.host, msg.host_len, "2001:db8::7"));
	CU_ASSERT_EQUAL(msg.host_ipv6, 1);
	CU_ASSERT(span_eq(msg.authority, msg.authority_len,
	    "[2001:db8::7]:443"));
}

static void
test_http_parse_request_asterisk_form(void)
{
	CU_ASSERT_EQUAL_FATAL(req("OPTIONS * HTTP/1.1\r\n"
	    "Host: a.example\r\n\r\n"), HTTP_DONE);
	CU_ASSERT_EQUAL(msg.method, HTTP_METHOD_OPTIONS);
	CU_ASSERT_EQUAL(msg.form, HTTP_FORM_ASTERISK);
	CU_ASSERT(span_eq(msg.target, msg.target_len, "*"));
	CU_ASSERT(span_eq(msg.host, msg.host_len, "a.example"));
}

static void
test_http_parse_request_ipv4_host(void)
{
	CU_ASSERT_EQUAL_FATAL(req("GET http://192.0.2.1:81/ HTTP/1.1\r\n"
	    "Host: 192.0.2.1:81\r\n\r\n"), HTTP_DONE);
	CU_ASSERT(span_eq(msg.host, msg.host_len, "192.0.2.1"));
	CU_ASSERT_EQUAL(msg.host_ipv6, 0);
	CU_ASSERT_EQUAL(msg.port, 81);
}

static void
test_http_parse_request_ipv6_forms(void)
{
	const char	*ok[] = { "::", "::1", "1::", "1:2:3:4:5:6:7:8",
			    "fe80::1:2", "::ffff:192.0.2.1",
			    "1:2:3:4:5:6:1.2.3.4", "ABCD:ef01::" };
	char		 buf[256];
	size_t		 i;

	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		snprintf(buf, sizeof buf, "GET http://[%s]/ HTTP/1.0\r\n\r\n",
		    ok[i]);
		CU_ASSERT_EQUAL(req(buf), HTTP_DONE);
		CU_ASSERT(span_eq(msg.host, msg.host_len, ok[i]));
	}
}

static void
test_http_parse_request_http10_no_host(void)
{
	CU_ASSERT_EQUAL_FATAL(req("GET / HTTP/1.0\r\n\r\n"), HTTP_DONE);
	CU_ASSERT_EQUAL(msg.version, 10);
	CU_ASSERT_PTR_NULL(msg.host);
	CU_ASSERT_EQUAL(msg.nheaders, 0);
}

static void
test_http_parse_request_unknown_method(void)
{
	CU_ASSERT_EQUAL_FATAL(req("PROPFIND /x HTTP/1.1\r\nHost: a\r\n\r\n"),
	    HTTP_DONE);
	CU_ASSERT_EQUAL(msg.method, HTTP_METHOD_OTHER);
	CU_ASSERT(span_eq(msg.method_str, msg.method_len, "PROPFIND"));
	/* Methods are case-sensitive: "get" is not GET. */
	CU_ASSERT_EQUAL_FATAL(req("get / HTTP/1.1\r\nHost: a\r\n\r\n"),
	    HTTP_DONE);
	CU_ASSERT_EQUAL(msg.method, HTTP_METHOD_OTHER);
}

static void
test_http_parse_request_leading_crlf(void)
{
	const char	*s = "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n";

	CU_ASSERT_EQUAL_FATAL(req(s), HTTP_DONE);
	CU_ASSERT_EQUAL(msg.head_len, strlen(s));
	CU_ASSERT(span_eq(msg.method_str, msg.method_len, "GET"));
	CU_ASSERT_EQUAL(req("\r\n"), HTTP_MORE);
	CU_ASSERT_EQUAL(req("\r"), HTTP_MORE);
}

static void
test_http_parse_request_leading_lf(void)
{
	REQ_ERROR("\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "bare LF");
	REQ_ERROR("\r\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "bare CR");
}

static void
test_http_parse_request_headers(void)
{
	const char	*s = "GET / HTTP/1.1\r\n"
			    "Host:a\r\n"
			    "X-Trim: \t  padded value \t \r\n"
			    "Empty:\r\n"
			    "X-Obs: caf\xc3\xa9\r\n\r\n";
	size_t		 i;

	CU_ASSERT_EQUAL_FATAL(req(s), HTTP_DONE);
	CU_ASSERT_EQUAL_FATAL(msg.nheaders, 4);
	CU_ASSERT(span_eq(msg.headers[0].name, msg.headers[0].name_len,
	    "Host"));
	CU_ASSERT(span_eq(msg.headers[0].value, msg.headers[0].value_len,
	    "a"));
	CU_ASSERT(span_eq(msg.headers[1].value, msg.headers[1].value_len,
	    "padded value"));
	CU_ASSERT_EQUAL(msg.headers[2].value_len, 0);
	CU_ASSERT(span_eq(msg.headers[3].value, msg.headers[3].value_len,
	    "caf\xc3\xa9"));
	/* Zero-copy: everything points into the buffer. */
	for (i = 0; i < msg.nheaders; i++) {
		CU_ASSERT(msg.headers[i].name >= s);
		CU_ASSERT(msg.headers[i].value + msg.headers[i].value_len <=
		    s + strlen(s));
	}
}

static void
test_http_parse_request_every_prefix(void)
{
	const char	*s = "\r\nPOST http://a.example:81/x?y HTTP/1.1\r\n"
			    "Host: a.example:81\r\n"
			    "Content-Length: 5\r\n"
			    "Connection: keep-alive\r\n\r\nhello";
	size_t		 len, head, i;
	char		*copy;

	len = strlen(s);
	head = len - 5;
	for (i = 0; i < head; i++) {
		/* A right-sized copy lets ASan catch any read past len. */
		copy = malloc(i + 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
		memcpy(copy, s, i);
		CU_ASSERT_EQUAL(http_parse_request(&msg, copy, i, NULL),
		    HTTP_MORE);
		free(copy);
	}
	for (i = head; i <= len; i++) {
		copy = malloc(i + 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
		memcpy(copy, s, i);
		CU_ASSERT_EQUAL(http_parse_request(&msg, copy, i, NULL),
		    HTTP_DONE);
		CU_ASSERT_EQUAL(msg.head_len, head);
		CU_ASSERT_EQUAL(msg.framing, HTTP_BODY_LENGTH);
		CU_ASSERT_EQUAL(msg.content_length, 5);
		free(copy);
	}
}

static void
test_http_parse_request_pipelined(void)
{
	const char	*s = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
			    "GET /2 HTTP/1.1\r\nHost: a\r\n\r\n";
	size_t		 first;

	CU_ASSERT_EQUAL_FATAL(req(s), HTTP_DONE);
	first = msg.head_len;
	CU_ASSERT_EQUAL(first, strlen(s) / 2);
	CU_ASSERT(span_eq(msg.path, msg.path_len, "/1"));
	CU_ASSERT_EQUAL_FATAL(req(s + first), HTTP_DONE);
	CU_ASSERT(span_eq(msg.path, msg.path_len, "/2"));
}

static void
test_http_parse_request_framing_none(void)
{
	CU_ASSERT_EQUAL_FATAL(req("POST / HTTP/1.1\r\nHost: a\r\n\r\n"),
	    HTTP_DONE);
	CU_ASSERT_EQUAL(msg.framing, HTTP_BODY_NONE);
}

static void
test_http_parse_request_framing_length(void)
{
	CU_ASSERT_EQUAL_FATAL(req("PUT / HTTP/1.1\r\nHost: a\r\n"
	    "content-length: 0042\r\n\r\n"), HTTP_DONE);
	CU_ASSERT_EQUAL(msg.framing, HTTP_BODY_LENGTH);
	CU_ASSERT_EQUAL(msg.content_length, 42);
	CU_ASSERT_EQUAL_FATAL(req("PUT / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 9223372036854775807\r\n\r\n"), HTTP_DONE);
	CU_ASSERT_EQUAL(msg.content_length, 9223372036854775807ULL);
}

static void
test_http_parse_request_framing_chunked(void)
{
	CU_ASSERT_EQUAL_FATAL(req("POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: ChUnKeD\r\n\r\n"), HTTP_DONE);
	CU_ASSERT_EQUAL(msg.framing, HTTP_BODY_CHUNKED);
}

static void
test_http_parse_request_connect_zero_length(void)
{
	CU_ASSERT_EQUAL_FATAL(req("CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n"
	    "Content-Length: 0\r\n\r\n"), HTTP_DONE);
	CU_ASSERT_EQUAL(msg.framing, HTTP_BODY_NONE);
}

static void
test_http_parse_request_custom_limits(void)
{
	struct http_limits	 lim = { 32, 128, 2 };
	const char		*s;

	s = "GET / HTTP/1.1\r\nHost: a\r\nA: b\r\n\r\n";

	CU_ASSERT_EQUAL(http_parse_request(&msg, s, strlen(s), &lim),
	    HTTP_DONE);
	lim.max_headers = 1;
	CU_ASSERT_EQUAL(http_parse_request(&msg, s, strlen(s), &lim),
	    HTTP_ERROR);
	CU_ASSERT_EQUAL(msg.status, 431);
	/* The head may be exactly max_head bytes. */
	lim.max_headers = 2;
	lim.max_head = strlen(s);
	CU_ASSERT_EQUAL(http_parse_request(&msg, s, strlen(s), &lim),
	    HTTP_DONE);
	lim.max_head = strlen(s) - 1;
	CU_ASSERT_EQUAL(http_parse_request(&msg, s, strlen(s), &lim),
	    HTTP_ERROR);
	CU_ASSERT_EQUAL(msg.status, 431);
}

/* Request rejections: line endings and field syntax. */

static void
test_http_parse_request_bare_lf_header(void)
{
	REQ_ERROR("GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n", 400, "bare LF");
}

static void
test_http_parse_request_bare_lf_request_line(void)
{
	REQ_ERROR("GET / HTTP/1.1\nHost: a\r\n\r\n", 400, "bare LF");
}

static void
test_http_parse_request_bare_lf_end(void)
{
	REQ_ERROR("GET / HTTP/1.1\r\nHost: a\r\n\n", 400, "bare LF");
	/* Even before the head is complete. */
	REQ_ERROR("GET / HTTP/1.1\r\nHo\n", 400, "bare LF");
}

static void
test_http_parse_request_bare_cr(void)
{
	REQ_ERROR("GET / HTTP/1.1\r\nHost: a\rX: y\r\n\r\n", 400, "bare CR");
}

static void
test_http_parse_request_obs_fold(void)
{
	REQ_ERROR("GET / HTTP/1.1\r\nHost: a\r\nX: y\r\n z\r\n\r\n", 400,
	    "obs-fold");
	REQ_ERROR("GET / HTTP/1.1\r\nHost: a\r\nX: y\r\n\tz\r\n\r\n", 400,
	    "obs-fold");
}

static void
test_http_parse_request_space_before_first_header(void)
{
	REQ_ERROR("GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400, "obs-fold");
}

static void
test_http_parse_request_space_before_colon(void)
{
	REQ_ERROR("GET / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length : 5\r\n\r\n", 400, "whitespace before colon");
	REQ_ERROR("GET / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding\t: chunked\r\n\r\n", 400,
	    "whitespace before colon");
}

static void
test_http_parse_request_empty_header_name(void)
{
	REQ_ERROR("GET / HTTP/1.1\r\nHost: a\r\n: x\r\n\r\n", 400,
	    "invalid header name");
}

static void
test_http_parse_request_bad_header_name(void)
{
	REQ_ERROR("GET / HTTP/1.1\r\nHost: a\r\nX(y): z\r\n\r\n", 400,
	    "invalid header name");
	REQ_ERROR("GET / HTTP/1.1\r\nHost: a\r\nX\xc3\xa9: z\r\n\r\n", 400,
	    "invalid header name");
}

static void
test_http_parse_request_header_no_colon(void)
{
	REQ_ERROR("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", 400,
	    "invalid header name");
}

static void
test_http_parse_request_header_value_nul(void)
{
	REQN_ERROR("GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n", 400,
	    "invalid header value");
}

static void
test_http_parse_request_header_value_ctl(void)
{
	REQ_ERROR("GET / HTTP/1.1\r\nHost: a\r\nX: a\x01z\r\n\r\n", 400,
	    "invalid header value");
	REQ_ERROR("GET / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: \x0b" "chunked\r\n\r\n", 400,
	    "invalid header value");
}

static void
test_http_parse_request_header_value_del(void)
{
	REQ_ERROR("GET / HTTP/1.1\r\nHost: a\r\nX: a\x7f\r\n\r\n", 400,
	    "invalid header value");
}

static void
test_http_parse_request_header_value_cr(void)
{
	REQ_ERROR("GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", 400,
	    "bare CR");
}

/* Request rejections: Content-Length. */

static void
test_http_parse_request_cl_signed(void)
{
	REQ_ERROR("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n",
	    400, "invalid Content-Length");
	REQ_ERROR("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -5\r\n\r\n",
	    400, "invalid Content-Length");
}

static void
test_http_parse_request_cl_empty(void)
{
	REQ_ERROR("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n",
	    400, "invalid Content-Length");
}

static void
test_http_parse_request_cl_inner_space(void)
{
	REQ_ERROR("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n",
	    400, "invalid Content-Length");
}

static void
test_http_parse_request_cl_hex(void)
{
	REQ_ERROR("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n",
	    400, "invalid Content-Length");
	REQ_ERROR("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1e3\r\n\r\n",
	    400, "invalid Content-Length");
}

static void
test_http_parse_request_cl_overflow(void)
{
	REQ_ERROR("POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 9223372036854775808\r\n\r\n", 400,
	    "invalid Content-Length");
	REQ_ERROR("POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 18446744073709551621\r\n\r\n", 400,
	    "invalid Content-Length");
}

static void
test_http_parse_request_cl_duplicate(void)
{
	REQ_ERROR("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
	    "Content-Length: 5\r\n\r\n", 400, "duplicate Content-Length");
	REQ_ERROR("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
	    "content-length: 6\r\n\r\n", 400, "duplicate Content-Length");
}

static void
test_http_parse_request_cl_list(void)
{
	REQ_ERROR("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n",
	    400, "duplicate Content-Length");
	REQ_ERROR("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5,\r\n\r\n",
	    400, "duplicate Content-Length");
}

/* Request rejections: Transfer-Encoding. */

static void
test_http_parse_request_te_http10(void)
{
	REQ_ERROR("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
	    400, "Transfer-Encoding in HTTP/1.0");
}

static void
test_http_parse_request_te_unsupported(void)
{
	REQ_ERROR("POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: gzip\r\n\r\n", 501,
	    "unsupported Transfer-Encoding");
	REQ_ERROR("POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: identity\r\n\r\n", 501,
	    "unsupported Transfer-Encoding");
	REQ_ERROR("POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: gzip, chunked\r\n\r\n", 501,
	    "unsupported Transfer-Encoding");
}

static void
test_http_parse_request_te_not_final(void)
{
	REQ_ERROR("POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: chunked, gzip\r\n\r\n", 501,
	    "unsupported Transfer-Encoding");
	REQ_ERROR("POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n", 501,
	    "unsupported Transfer-Encoding");
}

static void
test_http_parse_request_te_chunked_twice(void)
{
	REQ_ERROR("POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: chunked, chunked\r\n\r\n", 400,
	    "chunked more than once");
	REQ_ERROR("POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
	    400, "chunked more than once");
}

static void
test_http_parse_request_te_malformed(void)
{
	REQ_ERROR("POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: \r\n\r\n", 400, "invalid Transfer-Encoding");
	REQ_ERROR("POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: ,chunked\r\n\r\n", 400,
	    "invalid Transfer-Encoding");
	REQ_ERROR("POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: chunked;x=1\r\n\r\n", 400,
	    "invalid Transfer-Encoding");
	REQ_ERROR("POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: \"chunked\"\r\n\r\n", 400,
	    "invalid Transfer-Encoding");
}

static void
test_http_parse_request_te_with_cl(void)
{
	REQ_ERROR("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", 400,
	    "Transfer-Encoding with Content-Length");
	REQ_ERROR("POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400,
	    "Transfer-Encoding with Content-Length");
}

static void
test_http_parse_request_connect_content(void)
{
	REQ_ERROR("CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n"
	    "Content-Length: 4\r\n\r\n", 400, "CONNECT with content");
	REQ_ERROR("CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", 400, "CONNECT with content");
}

/* Request rejections: Host. */

static void
test_http_parse_request_missing_host(void)
{
	REQ_ERROR("GET / HTTP/1.1\r\n\r\n", 400, "missing Host");
	REQ_ERROR("GET http://a/ HTTP/1.1\r\n\r\n", 400, "missing Host");
}

static void
test_http_parse_request_duplicate_host(void)
{
	REQ_ERROR("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400,
	    "duplicate Host");
	REQ_ERROR("GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n", 400,
	    "duplicate Host");
}

static void
test_http_parse_request_conflicting_host(void)
{
	REQ_ERROR("GET http://a.example/ HTTP/1.1\r\nHost: b.example\r\n\r\n",
	    400, "conflicting Host");
	REQ_ERROR("GET http://a.example/ HTTP/1.1\r\n"
	    "Host: a.example:8080\r\n\r\n", 400, "conflicting Host");
	REQ_ERROR("GET https://a.example/ HTTP/1.1\r\n"
	    "Host: a.example:80\r\n\r\n", 400, "conflicting Host");
	REQ_ERROR("GET http://[::1]/ HTTP/1.0\r\nHost: a.example\r\n\r\n",
	    400, "conflicting Host");
	/* CONNECT too: the tunnel goes where the target says, only there. */
	REQ_ERROR("CONNECT a.example:443 HTTP/1.1\r\nHost: b.example:443\r\n"
	    "\r\n", 400, "conflicting Host");
	REQ_ERROR("CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:8443\r\n"
	    "\r\n", 400, "conflicting Host");
	REQ_ERROR("CONNECT [::1]:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n",
	    400, "conflicting Host");
}

static void
test_http_parse_request_matching_host(void)
{
	CU_ASSERT_EQUAL(req("GET http://A.Example/ HTTP/1.1\r\n"
	    "Host: a.example:80\r\n\r\n"), HTTP_DONE);
	CU_ASSERT_EQUAL(req("GET https://a.example:443/ HTTP/1.1\r\n"
	    "Host: a.example\r\n\r\n"), HTTP_DONE);
	/* RFC 9110 section 9.3.6's own example leaves the port out. */
	CU_ASSERT_EQUAL(req("CONNECT server.example.com:80 HTTP/1.1\r\n"
	    "Host: server.example.com\r\n\r\n"), HTTP_DONE);
	CU_ASSERT_EQUAL(req("CONNECT A.example:443 HTTP/1.1\r\n"
	    "Host: a.EXAMPLE:443\r\n\r\n"), HTTP_DONE);
}

static void
test_http_parse_request_invalid_host(void)
{
	REQ_ERROR("GET / HTTP/1.1\r\nHost: \r\n\r\n", 400, "invalid Host");
	REQ_ERROR("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400, "invalid Host");
	REQ_ERROR("GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", 400, "invalid Host");
	REQ_ERROR("GET / HTTP/1.1\r\nHost: a:\r\n\r\n", 400, "invalid Host");
	REQ_ERROR("GET / HTTP/1.1\r\nHost: a:0\r\n\r\n", 400, "invalid Host");
	REQ_ERROR("GET / HTTP/1.1\r\nHost: a:65536\r\n\r\n", 400,
	    "invalid Host");
	REQ_ERROR("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400, "invalid Host");
	REQ_ERROR("GET / HTTP/1.1\r\nHost: a,b\r\n\r\n", 400, "invalid Host");
	REQ_ERROR("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", 400, "invalid Host");
}

/* Request rejections: limits. */

static void
test_http_parse_request_line_too_long(void)
{
	char	 buf[9000];

	memset(buf, 'a', sizeof buf);
	memcpy(buf, "GET /", 5);
	memcpy(buf + 8190, " HTTP/1.1\r\nHost: a\r\n\r\n", 23);
	CU_ASSERT_EQUAL(reqn(buf, 8190 + 23), HTTP_ERROR);
	CU_ASSERT_EQUAL(msg.status, 414);
	CU_ASSERT_STRING_EQUAL(msg.error, "request line too long");
	/* Caught before the line ends. */
	CU_ASSERT_EQUAL(reqn(buf, 8193), HTTP_ERROR);
	CU_ASSERT_EQUAL(msg.status, 414);
	/* Just under the limit is fine. */
	memcpy(buf + 8192 - 9, " HTTP/1.1\r\nHost: a\r\n\r\n", 23);
	CU_ASSERT_EQUAL(reqn(buf, 8192 - 9 + 23), HTTP_DONE);
}

static void
test_http_parse_request_line_at_limit(void)
{
	const char		*s = "GET /abc HTTP/1.1\r\nHost: a\r\n\r\n";
	struct http_limits	 lim = { 0, 1024, 10 };
	size_t			 i;

	/* Every prefix, even one ending in the CR, is within the limit. */
	lim.max_line = strlen("GET /abc HTTP/1.1");
	for (i = 0; i < strlen(s); i++)
		CU_ASSERT_EQUAL(http_parse_request(&msg, s, i, &lim),
		    HTTP_MORE);
	CU_ASSERT_EQUAL(http_parse_request(&msg, s, strlen(s), &lim),
	    HTTP_DONE);
	lim.max_line--;
	CU_ASSERT_EQUAL(http_parse_request(&msg, s, strlen(s), &lim),
	    HTTP_ERROR);
	CU_ASSERT_EQUAL(msg.status, 414);
	CU_ASSERT_EQUAL(http_parse_request(&msg, s, lim.max_line + 1, &lim),
	    HTTP_ERROR);
	CU_ASSERT_EQUAL(http_parse_request(&msg, s, lim.max_line, &lim),
	    HTTP_MORE);
}

static void
test_http_parse_request_headers_too_large(void)
{
	static char	 buf[70000];
	size_t		 off, i;

	off = (size_t)snprintf(buf, sizeof buf,
	    "GET / HTTP/1.1\r\nHost: a\r\n");
	for (i = 0; i < 60; i++) {
		memcpy(buf + off, "X: ", 3);
		memset(buf + off + 3, 'v', 1100);
		memcpy(buf + off + 1103, "\r\n", 2);
		off += 1105;
	}
	memcpy(buf + off, "\r\n", 2);
	off += 2;
	CU_ASSERT_EQUAL(reqn(buf, off), HTTP_ERROR);
	CU_ASSERT_EQUAL(msg.status, 431);
	CU_ASSERT_STRING_EQUAL(msg.error, "headers too large");
	/* Incomplete but already past the cap. */
	CU_ASSERT_EQUAL(reqn(buf, 65536), HTTP_ERROR);
	CU_ASSERT_EQUAL(msg.status, 431);
	CU_ASSERT_EQUAL(reqn(buf, 65535), HTTP_MORE);
}

static void
test_http_parse_request_too_many_headers(void)
{
	static char	 buf[4096];
	size_t		 off, i;

	/* Host and 99 more: exactly the default limit of 100. */
	off = (size_t)snprintf(buf, sizeof buf,
	    "GET / HTTP/1.1\r\nHost: a\r\n");
	for (i = 0; i < 99; i++)
		off += (size_t)snprintf(buf + off, sizeof buf - off,
		    "X%zu: y\r\n", i);
	memcpy(buf + off, "\r\n", 2);
	CU_ASSERT_EQUAL(reqn(buf, off + 2), HTTP_DONE);
	CU_ASSERT_EQUAL(msg.nheaders, 100);
	off += (size_t)snprintf(buf + off, sizeof buf - off, "Y: z\r\n\r\n");
	CU_ASSERT_EQUAL(reqn(buf, off), HTTP_ERROR);
	CU_ASSERT_EQUAL(msg.status, 431);
	CU_ASSERT_STRING_EQUAL(msg.error, "too many headers");
}

/* Request rejections: request line. */

static void
test_http_parse_request_invalid_method(void)
{
	REQ_ERROR(" / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "invalid method");
	REQ_ERROR("GE(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "invalid method");
	REQ_ERROR("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", 400, "invalid method");
	REQ_ERROR("GET\r\nHost: a\r\n\r\n", 400, "invalid method");
}

static void
test_http_parse_request_target_ctl(void)
{
	REQ_ERROR("GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
	REQN_ERROR("GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
	REQ_ERROR("GET /a\x7f HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
}

static void
test_http_parse_request_target_non_ascii(void)
{
	REQ_ERROR("GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
}

static void
test_http_parse_request_target_space(void)
{
	REQ_ERROR("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
	REQ_ERROR("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid version");
}

static void
test_http_parse_request_target_fragment(void)
{
	REQ_ERROR("GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
}

static void
test_http_parse_request_target_percent(void)
{
	REQ_ERROR("GET /a%2 HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
	REQ_ERROR("GET /a%zz HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
	REQ_ERROR("GET http://a/?%g0 HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
}

static void
test_http_parse_request_target_no_slashes(void)
{
	REQ_ERROR("GET http:a/ HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
	REQ_ERROR("GET a.example HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
	REQ_ERROR("GET 1http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
}

static void
test_http_parse_request_authority_without_connect(void)
{
	REQ_ERROR("GET a.example:443 HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
}

static void
test_http_parse_request_connect_not_authority(void)
{
	REQ_ERROR("CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
	REQ_ERROR("CONNECT http://a:443/ HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
	REQ_ERROR("CONNECT a HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
	REQ_ERROR("CONNECT * HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
}

static void
test_http_parse_request_asterisk_not_options(void)
{
	REQ_ERROR("GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
	REQ_ERROR("OPTIONS *x HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
}

static void
test_http_parse_request_userinfo(void)
{
	REQ_ERROR("GET http://user:pw@a.example/ HTTP/1.1\r\n"
	    "Host: a.example\r\n\r\n", 400, "userinfo in request-target");
	REQ_ERROR("GET http://good.example@evil.example/ HTTP/1.1\r\n"
	    "Host: evil.example\r\n\r\n", 400, "userinfo in request-target");
	REQ_ERROR("CONNECT u@a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n", 400,
	    "userinfo in request-target");
	/* An '@' in the path is not userinfo. */
	CU_ASSERT_EQUAL(req("GET http://a/@x HTTP/1.1\r\nHost: a\r\n\r\n"),
	    HTTP_DONE);
}

static void
test_http_parse_request_empty_host(void)
{
	REQ_ERROR("GET http:/// HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
	REQ_ERROR("GET http://:80/ HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
}

static void
test_http_parse_request_bad_host_chars(void)
{
	REQ_ERROR("GET http://a$b/ HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
	REQ_ERROR("GET http://a%2eb/ HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
	REQ_ERROR("GET http://a..b/ HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
	REQ_ERROR("GET http://.a/ HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
}

static void
test_http_parse_request_numeric_host(void)
{
	REQ_ERROR("GET http://127.1/ HTTP/1.1\r\nHost: 127.1\r\n\r\n", 400,
	    "invalid request-target");
	REQ_ERROR("GET http://2130706433/ HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
	REQ_ERROR("GET http://0x7f.0.0.1/ HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
	REQ_ERROR("GET http://010.0.0.1/ HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
	REQ_ERROR("GET http://1.2.3.256/ HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
	REQ_ERROR("GET http://1.2.3.4.5/ HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
	/* A digit leading an inner label is fine. */
	CU_ASSERT_EQUAL(req("GET http://3com.example/ HTTP/1.1\r\n"
	    "Host: 3com.example\r\n\r\n"), HTTP_DONE);
}

static void
test_http_parse_request_bad_ipv6(void)
{
	REQ_ERROR("GET http://[fe80::1%25eth0]/ HTTP/1.1\r\nHost: a\r\n\r\n",
	    400, "invalid request-target");
	REQ_ERROR("GET http://[:::1]/ HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
	REQ_ERROR("GET http://[1::2::3]/ HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
	REQ_ERROR("GET http://[1:2:3:4:5:6:7:8:9]/ HTTP/1.1\r\nHost: a\r\n\r\n",
	    400, "invalid request-target");
	REQ_ERROR("GET http://[1:2:3:4:5:6:7]/ HTTP/1.1\r\nHost: a\r\n\r\n",
	    400, "invalid request-target");
	REQ_ERROR("GET http://[12345::]/ HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
	REQ_ERROR("GET http://[v1.x]/ HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
	REQ_ERROR("GET http://[::1]x/ HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
	REQ_ERROR("GET http://::1/ HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
}

static void
test_http_parse_request_bad_port(void)
{
	REQ_ERROR("GET http://a:0/ HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
	REQ_ERROR("GET http://a:65536/ HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
	REQ_ERROR("GET http://a:/ HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
	REQ_ERROR("GET http://a:8o/ HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
	REQ_ERROR("CONNECT a:123456 HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "invalid request-target");
}

static void
test_http_parse_request_invalid_version(void)
{
	REQ_ERROR("GET / HTTP/1.1x\r\nHost: a\r\n\r\n", 400,
	    "invalid version");
	REQ_ERROR("GET / http/1.1\r\nHost: a\r\n\r\n", 400, "invalid version");
	REQ_ERROR("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400,
	    "invalid version");
	REQ_ERROR("GET /\r\nHost: a\r\n\r\n", 400, "invalid version");
	REQ_ERROR("GET / HTTP/11\r\nHost: a\r\n\r\n", 400, "invalid version");
}

static void
test_http_parse_request_unsupported_version(void)
{
	REQ_ERROR("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505,
	    "unsupported version");
	REQ_ERROR("GET / HTTP/1.2\r\nHost: a\r\n\r\n", 505,
	    "unsupported version");
	REQ_ERROR("GET / HTTP/0.9\r\nHost: a\r\n\r\n", 505,
	    "unsupported version");
}

/* Responses. */

static void
test_http_parse_response_length(void)
{
	const char	*s = "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n";

	CU_ASSERT_EQUAL_FATAL(resp(s, HTTP_METHOD_GET), HTTP_DONE);
	CU_ASSERT_EQUAL(msg.head_len, strlen(s));
	CU_ASSERT_EQUAL(msg.code, 200);
	CU_ASSERT_EQUAL(msg.version, 11);
	CU_ASSERT(span_eq(msg.reason, msg.reason_len, "OK"));
	CU_ASSERT_EQUAL(msg.framing, HTTP_BODY_LENGTH);
	CU_ASSERT_EQUAL(msg.content_length, 12);
	CU_ASSERT_EQUAL(msg.method, HTTP_METHOD_GET);
	CU_ASSERT_EQUAL(http_keep_alive(&msg), 1);
}

static void
test_http_parse_response_chunked(void)
{
	CU_ASSERT_EQUAL_FATAL(resp("HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", HTTP_METHOD_POST), HTTP_DONE);
	CU_ASSERT_EQUAL(msg.framing, HTTP_BODY_CHUNKED);
}

static void
test_http_parse_response_close_delimited(void)
{
	CU_ASSERT_EQUAL_FATAL(resp("HTTP/1.1 200 OK\r\nServer: x\r\n\r\n",
	    HTTP_METHOD_GET), HTTP_DONE);
	CU_ASSERT_EQUAL(msg.framing, HTTP_BODY_CLOSE);
	CU_ASSERT_EQUAL(http_keep_alive(&msg), 0);
}

static void
test_http_parse_response_head(void)
{
	CU_ASSERT_EQUAL_FATAL(resp("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n"
	    "\r\n", HTTP_METHOD_HEAD), HTTP_DONE);
	CU_ASSERT_EQUAL(msg.framing, HTTP_BODY_NONE);
	CU_ASSERT_EQUAL(msg.content_length, 99);
	CU_ASSERT_EQUAL_FATAL(resp("HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", HTTP_METHOD_HEAD), HTTP_DONE);
	CU_ASSERT_EQUAL(msg.framing, HTTP_BODY_NONE);
	CU_ASSERT_EQUAL(http_keep_alive(&msg), 1);
}

static void
test_http_parse_response_connect(void)
{
	CU_ASSERT_EQUAL_FATAL(resp("HTTP/1.1 200 Connection established\r\n"
	    "\r\n", HTTP_METHOD_CONNECT), HTTP_DONE);
	CU_ASSERT_EQUAL(msg.framing, HTTP_BODY_NONE);
	CU_ASSERT_EQUAL_FATAL(resp("HTTP/1.1 407 Auth\r\nContent-Length: 3\r\n"
	    "\r\n", HTTP_METHOD_CONNECT), HTTP_DONE);
	CU_ASSERT_EQUAL(msg.framing, HTTP_BODY_LENGTH);
	CU_ASSERT_EQUAL_FATAL(resp("HTTP/1.1 502 Bad\r\n\r\n",
	    HTTP_METHOD_CONNECT), HTTP_DONE);
	CU_ASSERT_EQUAL(msg.framing, HTTP_BODY_CLOSE);
}

static void
test_http_parse_response_204(void)
{
	CU_ASSERT_EQUAL_FATAL(resp("HTTP/1.1 204 No Content\r\n\r\n",
	    HTTP_METHOD_GET), HTTP_DONE);
	CU_ASSERT_EQUAL(msg.framing, HTTP_BODY_NONE);
	CU_ASSERT_EQUAL(http_keep_alive(&msg), 1);
}

static void
test_http_parse_response_304(void)
{
	CU_ASSERT_EQUAL_FATAL(resp("HTTP/1.1 304 Not Modified\r\n"
	    "Content-Length: 500\r\n\r\n", HTTP_METHOD_GET), HTTP_DONE);
	CU_ASSERT_EQUAL(msg.framing, HTTP_BODY_NONE);
}

static void
test_http_parse_response_1xx(void)
{
	CU_ASSERT_EQUAL_FATAL(resp("HTTP/1.1 100 Continue\r\n\r\n",
	    HTTP_METHOD_POST), HTTP_DONE);
	CU_ASSERT_EQUAL(msg.code, 100);
	CU_ASSERT_EQUAL(msg.framing, HTTP_BODY_NONE);
	CU_ASSERT_EQUAL_FATAL(resp("HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
	    HTTP_METHOD_GET), HTTP_DONE);
	CU_ASSERT_EQUAL(msg.framing, HTTP_BODY_NONE);
}

static void
test_http_parse_response_no_reason(void)
{
	CU_ASSERT_EQUAL_FATAL(resp("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n",
	    HTTP_METHOD_GET), HTTP_DONE);
	CU_ASSERT_EQUAL(msg.reason_len, 0);
	CU_ASSERT_EQUAL_FATAL(resp("HTTP/1.0 404\r\nContent-Length: 0\r\n\r\n",
	    HTTP_METHOD_GET), HTTP_DONE);
	CU_ASSERT_EQUAL(msg.code, 404);
	CU_ASSERT_EQUAL(msg.version, 10);
	CU_ASSERT_EQUAL(http_keep_alive(&msg), 0);
}

static void
test_http_parse_response_every_prefix(void)
{
	const char	*s = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
			    "X: y\r\n\r\n";
	size_t		 len, i;
	char		*copy;

	len = strlen(s);
	for (i = 0; i <= len; i++) {
		copy = malloc(i + 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
		memcpy(copy, s, i);
		CU_ASSERT_EQUAL(http_parse_response(&msg, copy, i, NULL,
		    HTTP_METHOD_GET), i < len ? HTTP_MORE : HTTP_DONE);
		free(copy);
	}
}

static void
test_http_parse_response_invalid_status(void)
{
	RESP_ERROR("HTTP/1.1 099 Low\r\n\r\n", "invalid status code");
	RESP_ERROR("HTTP/1.1 600 High\r\n\r\n", "invalid status code");
	RESP_ERROR("HTTP/1.1 20x OK\r\n\r\n", "invalid status code");
	RESP_ERROR("HTTP/1.1 2000 OK\r\n\r\n", "invalid status code");
	RESP_ERROR("HTTP/1.1 20\r\n\r\n", "invalid status code");
}

static void
test_http_parse_response_invalid_version(void)
{
	RESP_ERROR("HTTP/1.2 200 OK\r\n\r\n", "unsupported version");
	RESP_ERROR("HTTX/1.1 200 OK\r\n\r\n", "invalid version");
	RESP_ERROR("HTTP/1.1  200 OK\r\n\r\n", "invalid status code");
	RESP_ERROR("HTTP/1.1\r\n\r\n", "invalid version");
}

static void
test_http_parse_response_invalid_reason(void)
{
	RESP_ERROR("HTTP/1.1 200 O\x01K\r\n\r\n", "invalid reason phrase");
}

static void
test_http_parse_response_te_with_cl(void)
{
	RESP_ERROR("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	    "Content-Length: 5\r\n\r\n",
	    "Transfer-Encoding with Content-Length");
}

static void
test_http_parse_response_te_http10(void)
{
	RESP_ERROR("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
	    "Transfer-Encoding in HTTP/1.0");
}

static void
test_http_parse_response_duplicate_cl(void)
{
	RESP_ERROR("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
	    "Content-Length: 5\r\n\r\n", "duplicate Content-Length");
}

static void
test_http_parse_response_bare_lf(void)
{
	RESP_ERROR("HTTP/1.1 200 OK\nContent-Length: 5\r\n\r\n", "bare LF");
}

static void
test_http_parse_response_leading_crlf(void)
{
	RESP_ERROR("\r\nHTTP/1.1 200 OK\r\n\r\n", "invalid version");
}

static void
test_http_parse_response_unsupported_te(void)
{
	RESP_ERROR("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n"
	    "\r\n", "unsupported Transfer-Encoding");
}

static void
test_http_response_framing_recompute(void)
{
	CU_ASSERT_EQUAL_FATAL(resp("HTTP/1.1 200 OK\r\nContent-Length: 7\r\n"
	    "\r\n", HTTP_METHOD_GET), HTTP_DONE);
	CU_ASSERT_EQUAL(http_response_framing(&msg, HTTP_METHOD_HEAD),
	    HTTP_BODY_NONE);
	CU_ASSERT_EQUAL(http_response_framing(&msg, HTTP_METHOD_GET),
	    HTTP_BODY_LENGTH);
	CU_ASSERT_EQUAL(msg.framing, HTTP_BODY_LENGTH);
	CU_ASSERT_EQUAL(http_response_framing(&msg, HTTP_METHOD_CONNECT),
	    HTTP_BODY_NONE);
	CU_ASSERT_EQUAL(msg.framing, HTTP_BODY_NONE);
}

/* Connection helpers. */

static void
test_http_keep_alive_http11_default(void)
{
	CU_ASSERT_EQUAL_FATAL(req("GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
	    HTTP_DONE);
	CU_ASSERT_EQUAL(http_keep_alive(&msg), 1);
}

static void
test_http_keep_alive_http11_close(void)
{
	CU_ASSERT_EQUAL_FATAL(req("GET / HTTP/1.1\r\nHost: a\r\n"
	    "Connection: Upgrade, CLOSE\r\n\r\n"), HTTP_DONE);
	CU_ASSERT_EQUAL(http_keep_alive(&msg), 0);
}

static void
test_http_keep_alive_http10_default(void)
{
	CU_ASSERT_EQUAL_FATAL(req("GET / HTTP/1.0\r\n\r\n"), HTTP_DONE);
	CU_ASSERT_EQUAL(http_keep_alive(&msg), 0);
}

static void
test_http_keep_alive_http10_keep_alive(void)
{
	CU_ASSERT_EQUAL_FATAL(req("GET / HTTP/1.0\r\n"
	    "Connection: Keep-Alive\r\n\r\n"), HTTP_DONE);
	CU_ASSERT_EQUAL(http_keep_alive(&msg), 1);
	CU_ASSERT_EQUAL_FATAL(req("GET / HTTP/1.0\r\n"
	    "Connection: keep-alive\r\nConnection: close\r\n\r\n"), HTTP_DONE);
	CU_ASSERT_EQUAL(http_keep_alive(&msg), 0);
}

static void
test_http_hop_by_hop_fixed(void)
{
	const char	*names[] = { "Connection", "keep-alive",
			    "Proxy-Connection", "TE", "Trailer",
			    "transfer-encoding", "Upgrade",
			    "Proxy-Authenticate",
			    "Proxy-Authorization" };
	size_t		 i;

	CU_ASSERT_EQUAL_FATAL(req("GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
	    HTTP_DONE);
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		CU_ASSERT_EQUAL(http_hop_by_hop(&msg, names[i],
		    strlen(names[i])), 1);
	CU_ASSERT_EQUAL(http_hop_by_hop(&msg, "Accept", 6), 0);
	CU_ASSERT_EQUAL(http_hop_by_hop(&msg, "Tex", 3), 0);
}

static void
test_http_hop_by_hop_connection_listed(void)
{
	CU_ASSERT_EQUAL_FATAL(req("GET / HTTP/1.1\r\nHost: a\r\n"
	    "Connection: keep-alive, X-Private , \r\n"
	    "Connection: x-other\r\n\r\n"), HTTP_DONE);
	CU_ASSERT_EQUAL(http_hop_by_hop(&msg, "x-private", 9), 1);
	CU_ASSERT_EQUAL(http_hop_by_hop(&msg, "X-Other", 7), 1);
	CU_ASSERT_EQUAL(http_hop_by_hop(&msg, "X-Public", 8), 0);
}

static void
test_http_hop_by_hop_protected(void)
{
	CU_ASSERT_EQUAL_FATAL(req("POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 1\r\nConnection: Content-Length, Host\r\n\r\n"),
	    HTTP_DONE);
	CU_ASSERT_EQUAL(http_hop_by_hop(&msg, "Content-Length", 14), 0);
	CU_ASSERT_EQUAL(http_hop_by_hop(&msg, "host", 4), 0);
}

static void
test_http_header_find_case(void)
{
	const struct http_header	*h;

	CU_ASSERT_EQUAL_FATAL(req("GET / HTTP/1.1\r\nHOST: a\r\n"
	    "X-A: 1\r\nx-a: 2\r\n\r\n"), HTTP_DONE);
	h = http_header_find(&msg, "host");
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT(span_eq(h->value, h->value_len, "a"));
	h = http_header_find(&msg, "X-a");
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT(span_eq(h->value, h->value_len, "1"));
	CU_ASSERT_PTR_NULL(http_header_find(&msg, "x"));
	CU_ASSERT_PTR_NULL(http_header_find(&msg, "x-ab"));
}

static void
test_http_header_has_token_list(void)
{
	CU_ASSERT_EQUAL_FATAL(req("GET / HTTP/1.1\r\nHost: a\r\n"
	    "Accept-Encoding: gzip;q=1.0 ,  br\r\nTE: trailers\r\n\r\n"),
	    HTTP_DONE);
	CU_ASSERT_EQUAL(http_header_has_token(&msg, "accept-encoding",
	    "GZIP"), 1);
	CU_ASSERT_EQUAL(http_header_has_token(&msg, "accept-encoding", "br"),
	    1);
	CU_ASSERT_EQUAL(http_header_has_token(&msg, "accept-encoding",
	    "deflate"), 0);
	CU_ASSERT_EQUAL(http_header_has_token(&msg, "accept-encoding", "gz"),
	    0);
	CU_ASSERT_EQUAL(http_header_has_token(&msg, "te", "trailers"), 1);
	CU_ASSERT_EQUAL(http_header_has_token(&msg, "connection", "close"),
	    0);
}

/* Chunked bodies. */

static const char chunked_body[] =
    "4\r\nWiki\r\n"
    "5;name=value\r\npedia\r\n"
    "E ; a ; b = \"q\\\"d;\" ; c\r\n in\r\n\r\nchunks.\r\n"
    "0\r\n"
    "Expires: never\r\n"
    "X-Sum: \t abc\r\n"
    "\r\n";
static const char chunked_data[] = "Wikipedia in\r\n\r\nchunks.";

static void
test_http_chunked_feed_one_piece(void)
{
	struct http_chunked	 c;
	size_t			 consumed, len;

	len = sizeof chunked_body - 1;
	http_chunked_init(&c, NULL);
	CU_ASSERT_EQUAL(http_chunked_feed(&c, chunked_body, len, &consumed,
	    NULL, NULL), HTTP_DONE);
	CU_ASSERT_EQUAL(consumed, len);
	CU_ASSERT_EQUAL(c.total, sizeof chunked_data - 1);
	CU_ASSERT_PTR_NULL(c.error);
	/* Finished stays finished and takes nothing more. */
	CU_ASSERT_EQUAL(http_chunked_feed(&c, "0\r\n", 3, &consumed, NULL,
	    NULL), HTTP_DONE);
	CU_ASSERT_EQUAL(consumed, 0);
}

static void
test_http_chunked_feed_byte_at_a_time(void)
{
	char		 out[64];
	size_t		 used, olen;
	const char	*err;

	CU_ASSERT_EQUAL(chunk_feed(chunked_body, sizeof chunked_body - 1, 1,
	    &used, out, sizeof out, &olen, &err), HTTP_DONE);
	CU_ASSERT_EQUAL(used, sizeof chunked_body - 1);
	CU_ASSERT_EQUAL_FATAL(olen, sizeof chunked_data - 1);
	CU_ASSERT(memcmp(out, chunked_data, olen) == 0);
}

static void
test_http_chunked_feed_every_step(void)
{
	char		 out[64];
	size_t		 step, used, olen;
	const char	*err;

	for (step = 0; step < sizeof chunked_body; step++) {
		CU_ASSERT_EQUAL(chunk_feed(chunked_body,
		    sizeof chunked_body - 1, step, &used, out, sizeof out,
		    &olen, &err), HTTP_DONE);
		CU_ASSERT_EQUAL(used, sizeof chunked_body - 1);
		CU_ASSERT_EQUAL(olen, sizeof chunked_data - 1);
		CU_ASSERT(olen == sizeof chunked_data - 1 &&
		    memcmp(out, chunked_data, olen) == 0);
	}
}

static void
test_http_chunked_feed_split_point(void)
{
	struct http_chunked	 c;
	size_t			 len, cut, consumed, total;
	int			 r;

	/* Two fragments, cut at every point, pass-through mode. */
	len = sizeof chunked_body - 1;
	for (cut = 0; cut <= len; cut++) {
		http_chunked_init(&c, NULL);
		r = http_chunked_feed(&c, chunked_body, cut, &consumed, NULL,
		    NULL);
		CU_ASSERT_EQUAL(r, cut == len ? HTTP_DONE : HTTP_MORE);
		CU_ASSERT_EQUAL(consumed, cut);
		total = consumed;
		if (cut < len) {
			r = http_chunked_feed(&c, chunked_body + cut, len - cut,
			    &consumed, NULL, NULL);
			CU_ASSERT_EQUAL(r, HTTP_DONE);
			total += consumed;
		}
		CU_ASSERT_EQUAL(total, len);
	}
}

static void
test_http_chunked_feed_next_message(void)
{
	static const char	 s[] =
	    "3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n";
	struct http_chunked	 c;
	size_t			 consumed;

	http_chunked_init(&c, NULL);
	CU_ASSERT_EQUAL(http_chunked_feed(&c, s, sizeof s - 1, &consumed,
	    NULL, NULL), HTTP_DONE);
	CU_ASSERT_EQUAL(consumed, 13);
}

static void
test_http_chunked_feed_data_runs(void)
{
	static const char	 s[] = "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
	struct http_chunked	 c;
	size_t			 consumed, doff, dlen;

	http_chunked_init(&c, NULL);
	CU_ASSERT_EQUAL(http_chunked_feed(&c, s, sizeof s - 1, &consumed,
	    &doff, &dlen), HTTP_MORE);
	CU_ASSERT_EQUAL(consumed, 6);
	CU_ASSERT_EQUAL(doff, 3);
	CU_ASSERT_EQUAL(dlen, 3);
	CU_ASSERT_EQUAL(http_chunked_feed(&c, s + 6, sizeof s - 7, &consumed,
	    &doff, &dlen), HTTP_MORE);
	CU_ASSERT_EQUAL(consumed, 7);
	CU_ASSERT_EQUAL(doff, 5);
	CU_ASSERT_EQUAL(dlen, 2);
	CU_ASSERT_EQUAL(http_chunked_feed(&c, s + 13, sizeof s - 14,
	    &consumed, &doff, &dlen), HTTP_DONE);
	CU_ASSERT_EQUAL(consumed, sizeof s - 14);
	CU_ASSERT_EQUAL(dlen, 0);
}

static void
test_http_chunked_feed_zeros_last_chunk(void)
{
	static const char	 s[] = "000\r\n\r\n";
	size_t			 used, olen;
	const char		*err;

	CU_ASSERT_EQUAL(chunk_feed(s, sizeof s - 1, 0, &used, NULL, 0, &olen,
	    &err), HTTP_DONE);
	CU_ASSERT_EQUAL(used, sizeof s - 1);
}

static void
test_http_chunked_feed_extensions(void)
{
	static const char	 s[] = "1;a\r\nx\r\n1;a=b;c=\"d e\"\r\ny\r\n"
				    "1 ;x\r\nz\r\n0;last=\"\\\\\"\r\n\r\n";
	size_t			 used, olen;
	const char		*err;

	CU_ASSERT_EQUAL(chunk_feed(s, sizeof s - 1, 0, &used, NULL, 0, &olen,
	    &err), HTTP_DONE);
	CU_ASSERT_EQUAL(chunk_feed(s, sizeof s - 1, 1, &used, NULL, 0, &olen,
	    &err), HTTP_DONE);
}

static void
test_http_chunked_feed_max_size(void)
{
	static const char	 s[] = "3fffffffffffffff\r\nabc";
	struct http_chunked	 c;
	size_t			 consumed;

	http_chunked_init(&c, NULL);
	CU_ASSERT_EQUAL(http_chunked_feed(&c, s, sizeof s - 1, &consumed,
	    NULL, NULL), HTTP_MORE);
	CU_ASSERT_EQUAL(consumed, sizeof s - 1);
	CU_ASSERT_EQUAL(c.size, HTTP_CHUNK_MAX - 1 - 3);
}

static void
test_http_chunked_feed_empty_size(void)
{
	CHUNK_ERROR(";a\r\n\r\n", "invalid chunk size");
	CHUNK_ERROR("\r\n", "invalid chunk size");
}

static void
test_http_chunked_feed_signed_size(void)
{
	CHUNK_ERROR("-1\r\na\r\n0\r\n\r\n", "invalid chunk size");
	CHUNK_ERROR("+1\r\na\r\n0\r\n\r\n", "invalid chunk size");
}

static void
test_http_chunked_feed_hex_prefix(void)
{
	CHUNK_ERROR("0x1\r\na\r\n0\r\n\r\n", "invalid chunk size");
}

static void
test_http_chunked_feed_size_spaces(void)
{
	CHUNK_ERROR(" 1\r\na\r\n0\r\n\r\n", "invalid chunk size");
	CHUNK_ERROR("1 \r\na\r\n0\r\n\r\n", "invalid chunk extension");
	CHUNK_ERROR("1 2\r\na\r\n0\r\n\r\n", "invalid chunk extension");
}

static void
test_http_chunked_feed_size_overflow(void)
{
	CHUNK_ERROR("4000000000000000\r\n", "chunk size too large");
	CHUNK_ERROR("10000000000000000000001\r\n", "chunk size too large");
}

static void
test_http_chunked_feed_bare_lf(void)
{
	CHUNK_ERROR("1\na\r\n0\r\n\r\n", "bare LF");
	CHUNK_ERROR("1\r\na\n0\r\n\r\n", "bare LF");
	CHUNK_ERROR("1\r\na\r\n0\n\r\n", "bare LF");
	CHUNK_ERROR("1\r\na\r\n0\r\n\n", "bare LF");
	CHUNK_ERROR("0\r\nX: y\n\r\n", "bare LF");
}

static void
test_http_chunked_feed_bare_cr(void)
{
	CHUNK_ERROR("1\rxa\r\n0\r\n\r\n", "bare CR");
	CHUNK_ERROR("0\r\n\rx", "bare CR");
}

static void
test_http_chunked_feed_missing_crlf(void)
{
	CHUNK_ERROR("1\r\nab\r\n0\r\n\r\n", "missing CRLF after chunk data");
	CHUNK_ERROR("1\r\na\rx0\r\n\r\n", "missing CRLF after chunk data");
}

static void
test_http_chunked_feed_bad_extension(void)
{
	CHUNK_ERROR("1;\r\na\r\n0\r\n\r\n", "invalid chunk extension");
	CHUNK_ERROR("1;a=\r\na\r\n0\r\n\r\n", "invalid chunk extension");
	CHUNK_ERROR("1;a=b c\r\na\r\n0\r\n\r\n", "invalid chunk extension");
	CHUNK_ERROR("1;a \r\na\r\n0\r\n\r\n", "invalid chunk extension");
	CHUNK_ERROR("1;a=\"b\"c\r\na\r\n0\r\n\r\n", "invalid chunk extension");
	CHUNK_ERROR("1;(a)\r\na\r\n0\r\n\r\n", "invalid chunk extension");
	CHUNK_ERROR("1;a=\"b\x01\"\r\na\r\n0\r\n\r\n",
	    "invalid chunk extension");
	CHUNK_ERROR("1;a=\"b\r\na\r\n0\r\n\r\n", "invalid chunk extension");
}

static void
test_http_chunked_feed_extension_too_long(void)
{
	static char		 buf[9000];
	struct http_chunked	 c;
	struct http_limits	 lim = { 64, 1024, 10 };
	size_t			 consumed, i;

	buf[0] = '1';
	buf[1] = ';';
	for (i = 2; i < 64; i++)
		buf[i] = 'x';
	memcpy(buf + 64, "\r\na\r\n0\r\n\r\n", 10);
	http_chunked_init(&c, &lim);
	CU_ASSERT_EQUAL(http_chunked_feed(&c, buf, 74, &consumed, NULL, NULL),
	    HTTP_DONE);
	buf[64] = 'x';
	memcpy(buf + 65, "\r\na\r\n0\r\n\r\n", 10);
	http_chunked_init(&c, &lim);
	CU_ASSERT_EQUAL(http_chunked_feed(&c, buf, 75, &consumed, NULL, NULL),
	    HTTP_ERROR);
	CU_ASSERT_STRING_EQUAL(c.error, "chunk line too long");
	/* The default limit bounds the line too. */
	memset(buf + 2, 'x', sizeof buf - 2);
	http_chunked_init(&c, NULL);
	CU_ASSERT_EQUAL(http_chunked_feed(&c, buf, sizeof buf, &consumed,
	    NULL, NULL), HTTP_ERROR);
	CU_ASSERT_STRING_EQUAL(c.error, "chunk line too long");
}

static void
test_http_chunked_feed_trailer_obs_fold(void)
{
	CHUNK_ERROR("0\r\nX: a\r\n b\r\n\r\n", "obs-fold");
}

static void
test_http_chunked_feed_trailer_no_colon(void)
{
	CHUNK_ERROR("0\r\nX\r\n\r\n", "invalid header name");
	CHUNK_ERROR("0\r\n: x\r\n\r\n", "invalid header name");
}

static void
test_http_chunked_feed_trailer_space_before_colon(void)
{
	CHUNK_ERROR("0\r\nX : y\r\n\r\n", "whitespace before colon");
}

static void
test_http_chunked_feed_trailer_bad_value(void)
{
	CHUNK_ERROR("0\r\nX: a\x7f\r\n\r\n", "invalid header value");
	CHUNK_ERROR("0\r\nX: a\0\r\n\r\n", "invalid header value");
}

static void
test_http_chunked_feed_too_many_trailers(void)
{
	struct http_chunked	 c;
	struct http_limits	 lim = { 64, 1024, 2 };
	static const char	 s[] = "0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
	size_t			 consumed;

	http_chunked_init(&c, &lim);
	CU_ASSERT_EQUAL(http_chunked_feed(&c, s, sizeof s - 1, &consumed,
	    NULL, NULL), HTTP_ERROR);
	CU_ASSERT_STRING_EQUAL(c.error, "too many trailers");
}

static void
test_http_chunked_feed_trailers_too_large(void)
{
	struct http_chunked	 c;
	struct http_limits	 lim = { 64, 16, 10 };
	static const char	 s[] = "0\r\nA: 0123456789\r\n\r\n";
	static const char	 ok[] = "0\r\nA: 012345678\r\n\r\n";
	size_t			 consumed;

	http_chunked_init(&c, &lim);
	CU_ASSERT_EQUAL(http_chunked_feed(&c, ok, sizeof ok - 1, &consumed,
	    NULL, NULL), HTTP_DONE);
	http_chunked_init(&c, &lim);
	CU_ASSERT_EQUAL(http_chunked_feed(&c, s, sizeof s - 1, &consumed,
	    NULL, NULL), HTTP_ERROR);
	CU_ASSERT_STRING_EQUAL(c.error, "trailers too large");
}

static void
test_http_chunked_feed_sticky_error(void)
{
	struct http_chunked	 c;
	size_t			 consumed;

	http_chunked_init(&c, NULL);
	CU_ASSERT_EQUAL(http_chunked_feed(&c, "z", 1, &consumed, NULL, NULL),
	    HTTP_ERROR);
	CU_ASSERT_EQUAL(http_chunked_feed(&c, "0\r\n\r\n", 5, &consumed, NULL,
	    NULL), HTTP_ERROR);
	CU_ASSERT_EQUAL(consumed, 0);
	CU_ASSERT_STRING_EQUAL(c.error, "invalid chunk size");
}

/*
 * Parse <s> piece by piece with the resumable parser, <step> bytes more
 * each call, in a buffer that moves every time (as a pulled-up evbuffer
 * may); the result of each call must be the whole parser's on the same
 * bytes, and the last one is returned. The last buffer stays until the
 * next call, so that the caller may read what <m> points to.
 */
static int
resume_feed(const char *s, size_t len, size_t step, int response,
    const struct http_limits *lim, struct http_msg *m)
{
	static struct http_msg	 whole;
	static char		*last;	/* what m points into, kept */
	struct http_resume	 r;
	size_t			 have = 0;
	char			*buf;
	int			 rv = HTTP_MORE, wrv;

	free(last);
	last = NULL;
	http_resume_init(&r);
	while (have < len) {
		have = len - have < step ? len : have + step;
		buf = malloc(have);
		memcpy(buf, s, have);
		if (response) {
			rv = http_parse_response_more(m, &r, buf, have, lim,
			    HTTP_METHOD_GET);
			wrv = http_parse_response(&whole, buf, have, lim,
			    HTTP_METHOD_GET);
		} else {
			rv = http_parse_request_more(m, &r, buf, have, lim);
			wrv = http_parse_request(&whole, buf, have, lim);
		}
		CU_ASSERT_EQUAL(rv, wrv);
		CU_ASSERT_EQUAL(m->status, whole.status);
		CU_ASSERT((m->error == NULL) == (whole.error == NULL));
		if (m->error != NULL && whole.error != NULL)
			CU_ASSERT_STRING_EQUAL(m->error, whole.error);
		if (rv == HTTP_DONE)
			CU_ASSERT_EQUAL(memcmp(m, &whole, sizeof whole), 0);
		if (rv != HTTP_MORE) {
			last = buf;
			break;
		}
		free(buf);
	}
	return (rv);
}

/* Heads read a piece at a time parse as they do whole. */
static void
test_http_parse_resume_matches_whole(void)
{
	static const char *const heads[] = {
	    "GET http://a.example/p?q HTTP/1.1\r\nHost: a.example\r\n"
	    "Content-Length: 5\r\nX-A: 1\r\n\r\nhello",
	    "\r\n\r\nPOST /up HTTP/1.1\r\nHost: b\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n",
	    "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
	    "Content-Length: 1\r\n\r\n",
	    "GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n",
	    "GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n",
	    "GET / HTTP/1.1\r\nHost: a\r\n X: folded\r\n\r\n",
	    "GET http://a/ HTTP/1.1\r\nHost: b\r\n\r\n",
	    "CONNECT a:443 HTTP/1.1\r\nHost: b:443\r\n\r\n",
	    "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\rY: 2\r\n\r\n",
	    "GET / HTTP/1.2\r\nHost: a\r\n\r\n",
	    "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n",
	    "GET / HTTP/1.1\r\nHost: a\r\n",
	    NULL
	};
	static const char *const resps[] = {
	    "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc",
	    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	    "Content-Length: 3\r\n\r\n",
	    "HTTP/1.1 99 Low\r\n\r\n",
	    NULL
	};
	const struct http_limits	 small = { 20, 60, 3 };
	size_t				 step;
	int				 i;

	for (step = 1; step <= 9; step++) {
		for (i = 0; heads[i] != NULL; i++) {
			resume_feed(heads[i], strlen(heads[i]), step, 0, NULL,
			    &msg);
			resume_feed(heads[i], strlen(heads[i]), step, 0,
			    &small, &msg);
		}
		for (i = 0; resps[i] != NULL; i++)
			resume_feed(resps[i], strlen(resps[i]), step, 1, NULL,
			    &msg);
	}
	/* A long head one byte at a time ends as it should. */
	CU_ASSERT_EQUAL(resume_feed(heads[0], strlen(heads[0]), 1, 0, NULL,
	    &msg), HTTP_DONE);
	CU_ASSERT_EQUAL(msg.nheaders, 3);
	CU_ASSERT(span_eq(msg.host, msg.host_len, "a.example"));
	CU_ASSERT_EQUAL(resume_feed(heads[2], strlen(heads[2]), 1, 0, NULL,
	    &msg), HTTP_ERROR);
	CU_ASSERT_STRING_EQUAL(msg.error, "duplicate Content-Length");
}

/*
 * The resumable parser looks at each byte a bounded number of times: a
 * 60 KB head fed a byte per call costs about what one parse of it does.
 */
static void
test_http_parse_resume_linear(void)
{
	const struct http_limits	 lim = { 8192, 65536, 100 };
	struct http_resume		 r;
	char				*head;
	size_t				 len, i, n = 0;
	int				 rv = HTTP_MORE;

	head = malloc(65536);
	len = (size_t)snprintf(head, 65536, "GET / HTTP/1.1\r\nHost: a\r\n"
	    "X-Long: ");
	memset(head + len, 'v', 60000);
	len += 60000;
	memcpy(head + len, "\r\n\r\n", 4);
	len += 4;
	http_resume_init(&r);
	/* Quadratic work would take minutes here under the sanitizers. */
	for (i = 1; i <= len && rv == HTTP_MORE; i++, n++)
		rv = http_parse_request_more(&msg, &r, head, i, &lim);
	CU_ASSERT_EQUAL(rv, HTTP_DONE);
	CU_ASSERT_EQUAL(n, len);
	CU_ASSERT_EQUAL(msg.head_len, len);
	CU_ASSERT_EQUAL(msg.headers[1].value_len, 60000);
	free(head);
}

static CU_TestInfo http_tests[] = {
	{ "test_http_parse_request_origin_form",
	    test_http_parse_request_origin_form },
	{ "test_http_parse_request_origin_host_port",
	    test_http_parse_request_origin_host_port },
	{ "test_http_parse_request_absolute_form",
	    test_http_parse_request_absolute_form },
	{ "test_http_parse_request_absolute_default_port",
	    test_http_parse_request_absolute_default_port },
	{ "test_http_parse_request_absolute_empty_path",
	    test_http_parse_request_absolute_empty_path },
	{ "test_http_parse_request_scheme_case",
	    test_http_parse_request_scheme_case },
	{ "test_http_parse_request_other_scheme",
	    test_http_parse_request_other_scheme },
	{ "test_http_parse_request_authority_form",
	    test_http_parse_request_authority_form },
	{ "test_http_parse_request_authority_ipv6",
	    test_http_parse_request_authority_ipv6 },
	{ "test_http_parse_request_asterisk_form",
	    test_http_parse_request_asterisk_form },
	{ "test_http_parse_request_ipv4_host",
	    test_http_parse_request_ipv4_host },
	{ "test_http_parse_request_ipv6_forms",
	    test_http_parse_request_ipv6_forms },
	{ "test_http_parse_request_http10_no_host",
	    test_http_parse_request_http10_no_host },
	{ "test_http_parse_request_unknown_method",
	    test_http_parse_request_unknown_method },
	{ "test_http_parse_request_leading_crlf",
	    test_http_parse_request_leading_crlf },
	{ "test_http_parse_request_leading_lf",
	    test_http_parse_request_leading_lf },
	{ "test_http_parse_request_headers",
	    test_http_parse_request_headers },
	{ "test_http_parse_request_every_prefix",
	    test_http_parse_request_every_prefix },
	{ "test_http_parse_request_pipelined",
	    test_http_parse_request_pipelined },
	{ "test_http_parse_request_framing_none",
	    test_http_parse_request_framing_none },
	{ "test_http_parse_request_framing_length",
	    test_http_parse_request_framing_length },
	{ "test_http_parse_request_framing_chunked",
	    test_http_parse_request_framing_chunked },
	{ "test_http_parse_request_connect_zero_length",
	    test_http_parse_request_connect_zero_length },
	{ "test_http_parse_request_custom_limits",
	    test_http_parse_request_custom_limits },
	{ "test_http_parse_request_bare_lf_header",
	    test_http_parse_request_bare_lf_header },
	{ "test_http_parse_request_bare_lf_request_line",
	    test_http_parse_request_bare_lf_request_line },
	{ "test_http_parse_request_bare_lf_end",
	    test_http_parse_request_bare_lf_end },
	{ "test_http_parse_request_bare_cr",
	    test_http_parse_request_bare_cr },
	{ "test_http_parse_request_obs_fold",
	    test_http_parse_request_obs_fold },
	{ "test_http_parse_request_space_before_first_header",
	    test_http_parse_request_space_before_first_header },
	{ "test_http_parse_request_space_before_colon",
	    test_http_parse_request_space_before_colon },
	{ "test_http_parse_request_empty_header_name",
	    test_http_parse_request_empty_header_name },
	{ "test_http_parse_request_bad_header_name",
	    test_http_parse_request_bad_header_name },
	{ "test_http_parse_request_header_no_colon",
	    test_http_parse_request_header_no_colon },
	{ "test_http_parse_request_header_value_nul",
	    test_http_parse_request_header_value_nul },
	{ "test_http_parse_request_header_value_ctl",
	    test_http_parse_request_header_value_ctl },
	{ "test_http_parse_request_header_value_del",
	    test_http_parse_request_header_value_del },
	{ "test_http_parse_request_header_value_cr",
	    test_http_parse_request_header_value_cr },
	{ "test_http_parse_request_cl_signed",
	    test_http_parse_request_cl_signed },
	{ "test_http_parse_request_cl_empty",
	    test_http_parse_request_cl_empty },
	{ "test_http_parse_request_cl_inner_space",
	    test_http_parse_request_cl_inner_space },
	{ "test_http_parse_request_cl_hex",
	    test_http_parse_request_cl_hex },
	{ "test_http_parse_request_cl_overflow",
	    test_http_parse_request_cl_overflow },
	{ "test_http_parse_request_cl_duplicate",
	    test_http_parse_request_cl_duplicate },
	{ "test_http_parse_request_cl_list",
	    test_http_parse_request_cl_list },
	{ "test_http_parse_request_te_http10",
	    test_http_parse_request_te_http10 },
	{ "test_http_parse_request_te_unsupported",
	    test_http_parse_request_te_unsupported },
	{ "test_http_parse_request_te_not_final",
	    test_http_parse_request_te_not_final },
	{ "test_http_parse_request_te_chunked_twice",
	    test_http_parse_request_te_chunked_twice },
	{ "test_http_parse_request_te_malformed",
	    test_http_parse_request_te_malformed },
	{ "test_http_parse_request_te_with_cl",
	    test_http_parse_request_te_with_cl },
	{ "test_http_parse_request_connect_content",
	    test_http_parse_request_connect_content },
	{ "test_http_parse_request_missing_host",
	    test_http_parse_request_missing_host },
	{ "test_http_parse_request_duplicate_host",
	    test_http_parse_request_duplicate_host },
	{ "test_http_parse_request_conflicting_host",
	    test_http_parse_request_conflicting_host },
	{ "test_http_parse_request_matching_host",
	    test_http_parse_request_matching_host },
	{ "test_http_parse_request_invalid_host",
	    test_http_parse_request_invalid_host },
	{ "test_http_parse_request_line_too_long",
	    test_http_parse_request_line_too_long },
	{ "test_http_parse_request_line_at_limit",
	    test_http_parse_request_line_at_limit },
	{ "test_http_parse_request_headers_too_large",
	    test_http_parse_request_headers_too_large },
	{ "test_http_parse_request_too_many_headers",
	    test_http_parse_request_too_many_headers },
	{ "test_http_parse_request_invalid_method",
	    test_http_parse_request_invalid_method },
	{ "test_http_parse_request_target_ctl",
	    test_http_parse_request_target_ctl },
	{ "test_http_parse_request_target_non_ascii",
	    test_http_parse_request_target_non_ascii },
	{ "test_http_parse_request_target_space",
	    test_http_parse_request_target_space },
	{ "test_http_parse_request_target_fragment",
	    test_http_parse_request_target_fragment },
	{ "test_http_parse_request_target_percent",
	    test_http_parse_request_target_percent },
	{ "test_http_parse_request_target_no_slashes",
	    test_http_parse_request_target_no_slashes },
	{ "test_http_parse_request_authority_without_connect",
	    test_http_parse_request_authority_without_connect },
	{ "test_http_parse_request_connect_not_authority",
	    test_http_parse_request_connect_not_authority },
	{ "test_http_parse_request_asterisk_not_options",
	    test_http_parse_request_asterisk_not_options },
	{ "test_http_parse_request_userinfo",
	    test_http_parse_request_userinfo },
	{ "test_http_parse_request_empty_host",
	    test_http_parse_request_empty_host },
	{ "test_http_parse_request_bad_host_chars",
	    test_http_parse_request_bad_host_chars },
	{ "test_http_parse_request_numeric_host",
	    test_http_parse_request_numeric_host },
	{ "test_http_parse_request_bad_ipv6",
	    test_http_parse_request_bad_ipv6 },
	{ "test_http_parse_request_bad_port",
	    test_http_parse_request_bad_port },
	{ "test_http_parse_request_invalid_version",
	    test_http_parse_request_invalid_version },
	{ "test_http_parse_request_unsupported_version",
	    test_http_parse_request_unsupported_version },
	{ "test_http_parse_response_length",
	    test_http_parse_response_length },
	{ "test_http_parse_response_chunked",
	    test_http_parse_response_chunked },
	{ "test_http_parse_response_close_delimited",
	    test_http_parse_response_close_delimited },
	{ "test_http_parse_response_head",
	    test_http_parse_response_head },
	{ "test_http_parse_response_connect",
	    test_http_parse_response_connect },
	{ "test_http_parse_response_204",
	    test_http_parse_response_204 },
	{ "test_http_parse_response_304",
	    test_http_parse_response_304 },
	{ "test_http_parse_response_1xx",
	    test_http_parse_response_1xx },
	{ "test_http_parse_response_no_reason",
	    test_http_parse_response_no_reason },
	{ "test_http_parse_response_every_prefix",
	    test_http_parse_response_every_prefix },
	{ "test_http_parse_response_invalid_status",
	    test_http_parse_response_invalid_status },
	{ "test_http_parse_response_invalid_version",
	    test_http_parse_response_invalid_version },
	{ "test_http_parse_response_invalid_reason",
	    test_http_parse_response_invalid_reason },
	{ "test_http_parse_response_te_with_cl",
	    test_http_parse_response_te_with_cl },
	{ "test_http_parse_response_te_http10",
	    test_http_parse_response_te_http10 },
	{ "test_http_parse_response_duplicate_cl",
	    test_http_parse_response_duplicate_cl },
	{ "test_http_parse_response_bare_lf",
	    test_http_parse_response_bare_lf },
	{ "test_http_parse_response_leading_crlf",
	    test_http_parse_response_leading_crlf },
	{ "test_http_parse_response_unsupported_te",
	    test_http_parse_response_unsupported_te },
	{ "test_http_response_framing_recompute",
	    test_http_response_framing_recompute },
	{ "test_http_keep_alive_http11_default",
	    test_http_keep_alive_http11_default },
	{ "test_http_keep_alive_http11_close",
	    test_http_keep_alive_http11_close },
	{ "test_http_keep_alive_http10_default",
	    test_http_keep_alive_http10_default },
	{ "test_http_keep_alive_http10_keep_alive",
	    test_http_keep_alive_http10_keep_alive },
	{ "test_http_hop_by_hop_fixed", test_http_hop_by_hop_fixed },
	{ "test_http_hop_by_hop_connection_listed",
	    test_http_hop_by_hop_connection_listed },
	{ "test_http_hop_by_hop_protected", test_http_hop_by_hop_protected },
	{ "test_http_header_find_case", test_http_header_find_case },
	{ "test_http_header_has_token_list",
	    test_http_header_has_token_list },
	{ "test_http_parse_resume_matches_whole",
	    test_http_parse_resume_matches_whole },
	{ "test_http_parse_resume_linear", test_http_parse_resume_linear },
	{ "test_http_chunked_feed_one_piece",
	    test_http_chunked_feed_one_piece },
	{ "test_http_chunked_feed_byte_at_a_time",
	    test_http_chunked_feed_byte_at_a_time },
	{ "test_http_chunked_feed_every_step",
	    test_http_chunked_feed_every_step },
	{ "test_http_chunked_feed_split_point",
	    test_http_chunked_feed_split_point },
	{ "test_http_chunked_feed_next_message",
	    test_http_chunked_feed_next_message },
	{ "test_http_chunked_feed_data_runs",
	    test_http_chunked_feed_data_runs },
	{ "test_http_chunked_feed_zeros_last_chunk",
	    test_http_chunked_feed_zeros_last_chunk },
	{ "test_http_chunked_feed_extensions",
	    test_http_chunked_feed_extensions },
	{ "test_http_chunked_feed_max_size",
	    test_http_chunked_feed_max_size },
	{ "test_http_chunked_feed_empty_size",
	    test_http_chunked_feed_empty_size },
	{ "test_http_chunked_feed_signed_size",
	    test_http_chunked_feed_signed_size },
	{ "test_http_chunked_feed_hex_prefix",
	    test_http_chunked_feed_hex_prefix },
	{ "test_http_chunked_feed_size_spaces",
	    test_http_chunked_feed_size_spaces },
	{ "test_http_chunked_feed_size_overflow",
	    test_http_chunked_feed_size_overflow },
	{ "test_http_chunked_feed_bare_lf", test_http_chunked_feed_bare_lf },
	{ "test_http_chunked_feed_bare_cr", test_http_chunked_feed_bare_cr },
	{ "test_http_chunked_feed_missing_crlf",
	    test_http_chunked_feed_missing_crlf },
	{ "test_http_chunked_feed_bad_extension",
	    test_http_chunked_feed_bad_extension },
	{ "test_http_chunked_feed_extension_too_long",
	    test_http_chunked_feed_extension_too_long },
	{ "test_http_chunked_feed_trailer_obs_fold",
	    test_http_chunked_feed_trailer_obs_fold },
	{ "test_http_chunked_feed_trailer_no_colon",
	    test_http_chunked_feed_trailer_no_colon },
	{ "test_http_chunked_feed_trailer_space_before_colon",
	    test_http_chunked_feed_trailer_space_before_colon },
	{ "test_http_chunked_feed_trailer_bad_value",
	    test_http_chunked_feed_trailer_bad_value },
	{ "test_http_chunked_feed_too_many_trailers",
	    test_http_chunked_feed_too_many_trailers },
	{ "test_http_chunked_feed_trailers_too_large",
	    test_http_chunked_feed_trailers_too_large },
	{ "test_http_chunked_feed_sticky_error",
	    test_http_chunked_feed_sticky_error },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(http_suite, "lib_http", http_tests)
