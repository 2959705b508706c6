/*
 * fuzz_http.c: libFuzzer target for the HTTP head parsers and the chunked
 * body validator, checking their invariants on every input.
 *
 * Built by "make fuzz"; tests/fuzz/README says how to run it.
 *
 * The first input byte picks the limits (small ones reach the limit paths
 * with short inputs); the rest is the message. Heads are also fed in
 * fragments (sizes taken from the input) to the resumable parser, in a
 * buffer that moves between calls: every call must give what the whole
 * parser gives on the same bytes. Chunked bodies are also fed with the
 * stop before the trailers set (the body mover's way).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "fuzz.h"

static void	check_span(const char *, const char *, size_t, const char *,
		    size_t);
static void	check_msg(const struct http_msg *, int, const char *, size_t,
		    const struct http_limits *, int);
static void	fuzz_head(const char *, size_t, const struct http_limits *,
		    int, enum http_method);
static void	fuzz_resume(const char *, size_t, const struct http_limits *,
		    int, enum http_method);
static int	fuzz_chunked(const char *, size_t, const struct http_limits *,
		    size_t, size_t *, const char **);
static void	fuzz_body(const char *, size_t, const struct http_limits *);

static const struct http_limits limits[] = {
	HTTP_LIMITS_DEFAULT,
	{ 16, 64, 3 },
	{ 40, 200, 8 },
	{ 1, 4, 0 },
};

static struct http_msg	 msg, msg2;

/* Check that a reported span lies inside buf[0..len). */
static void
check_span(const char *buf, const char *p, size_t n, const char *lo,
    size_t len)
{
	(void)buf;
	if (n == 0)
		return;
	CHECK(p != NULL);
	CHECK(p >= lo && p <= lo + len && n <= (size_t)(lo + len - p));
}

/* Check a parsed message against everything the API promises. */
static void
check_msg(const struct http_msg *m, int r, const char *buf, size_t len,
    const struct http_limits *lim, int response)
{
	const struct http_header	*h;
	unsigned			 i;
	size_t				 j;

	CHECK(r == HTTP_DONE || r == HTTP_MORE || r == HTTP_ERROR);
	if (r == HTTP_ERROR) {
		CHECK(m->error != NULL && m->error[0] != '\0');
		if (response)
			CHECK(m->status == 502);
		else
			CHECK(m->status == 400 || m->status == 414 ||
			    m->status == 431 || m->status == 501 ||
			    m->status == 505);
		CHECK(m->head_len == 0);
		return;
	}
	CHECK(m->error == NULL && m->status == 0);
	if (r == HTTP_MORE) {
		CHECK(len < lim->max_head);
		CHECK(m->head_len == 0);
		return;
	}

	CHECK(m->head_len >= 4 && m->head_len <= len);
	CHECK(m->head_len <= lim->max_head);
	CHECK(memcmp(buf + m->head_len - 4, "\r\n\r\n", 4) == 0);
	CHECK(m->version == 10 || m->version == 11);
	CHECK(m->nheaders <= HTTP_MAX_HEADERS);
	CHECK(m->nheaders <= lim->max_headers);
	for (i = 0; i < m->nheaders; i++) {
		h = &m->headers[i];
		CHECK(h->name_len > 0);
		check_span(buf, h->name, h->name_len, buf, m->head_len);
		check_span(buf, h->value, h->value_len, buf, m->head_len);
		CHECK(h->value != NULL);
		CHECK(h->name[h->name_len] == ':');
		for (j = 0; j < h->value_len; j++)
			CHECK(h->value[j] == '\t' ||
			    ((unsigned char)h->value[j] >= 0x20 &&
			    (unsigned char)h->value[j] != 0x7f));
		if (h->value_len > 0) {
			CHECK(h->value[0] != ' ' && h->value[0] != '\t');
			CHECK(h->value[h->value_len - 1] != ' ' &&
			    h->value[h->value_len - 1] != '\t');
		}
	}
	CHECK(m->framing == HTTP_BODY_NONE || m->framing == HTTP_BODY_LENGTH ||
	    m->framing == HTTP_BODY_CHUNKED || m->framing == HTTP_BODY_CLOSE);
	CHECK(m->content_length < HTTP_LENGTH_MAX);
	CHECK(http_keep_alive(m) == 0 || http_keep_alive(m) == 1);
	CHECK(http_hop_by_hop(m, "Content-Length", 14) == 0);
	CHECK(http_hop_by_hop(m, "Host", 4) == 0);
	CHECK(http_hop_by_hop(m, "Connection", 10) == 1);
	if (http_header_find(m, "transfer-encoding") != NULL)
		CHECK(http_header_find(m, "content-length") == NULL &&
		    m->version == 11);

	if (response) {
		CHECK(m->code >= 100 && m->code <= 599);
		check_span(buf, m->reason, m->reason_len, buf, m->head_len);
		CHECK(m->target == NULL && m->nheaders <= HTTP_MAX_HEADERS);
		if (m->framing == HTTP_BODY_CLOSE)
			CHECK(http_keep_alive(m) == 0);
		return;
	}

	CHECK(m->code == 0);
	CHECK(m->framing != HTTP_BODY_CLOSE);
	check_span(buf, m->method_str, m->method_len, buf, m->head_len);
	CHECK(m->method_len > 0);
	check_span(buf, m->target, m->target_len, buf, m->head_len);
	CHECK(m->target_len > 0);
	for (j = 0; j < m->target_len; j++)
		CHECK((unsigned char)m->target[j] > 0x20 &&
		    (unsigned char)m->target[j] < 0x7f);
	check_span(buf, m->scheme_str, m->scheme_len, m->target,
	    m->target_len);
	check_span(buf, m->authority, m->authority_len, buf, m->head_len);
	check_span(buf, m->host, m->host_len, buf, m->head_len);
	check_span(buf, m->query, m->query_len, m->target, m->target_len);
	if (m->query_len > 0)
		CHECK(m->query[0] == '?');
	switch (m->form) {
	case HTTP_FORM_ORIGIN:
		CHECK(m->target[0] == '/' && m->path == m->target);
		CHECK(m->path_len + m->query_len == m->target_len);
		CHECK(m->scheme == HTTP_SCHEME_NONE);
		break;
	case HTTP_FORM_ABSOLUTE:
		CHECK(m->scheme != HTTP_SCHEME_NONE && m->scheme_len > 0);
		CHECK(m->host != NULL && m->host_len > 0);
		CHECK(m->path_len > 0 && m->path[0] == '/');
		if (!(m->path_len == 1 && strcmp(m->path, "/") == 0))
			check_span(buf, m->path, m->path_len, m->target,
			    m->target_len);
		if (m->scheme != HTTP_SCHEME_OTHER)
			CHECK(m->port >= 1 && m->port <= 65535);
		CHECK(memchr(m->authority, '@', m->authority_len) == NULL);
		/* A login only in ftp://, right before the authority. */
		if (m->userinfo != NULL) {
			CHECK(m->scheme == HTTP_SCHEME_FTP);
			CHECK(m->userinfo_len > 0 && m->userinfo[0] != ':');
			check_span(buf, m->userinfo, m->userinfo_len,
			    m->target, m->target_len);
			CHECK(m->userinfo + m->userinfo_len + 1 ==
			    m->authority);
			CHECK(memchr(m->userinfo, '@', m->userinfo_len) ==
			    NULL);
		} else
			CHECK(m->userinfo_len == 0);
		break;
	case HTTP_FORM_AUTHORITY:
		CHECK(m->userinfo == NULL);
		CHECK(m->method == HTTP_METHOD_CONNECT);
		CHECK(m->host != NULL && m->port >= 1 && m->port <= 65535);
		CHECK(m->framing == HTTP_BODY_NONE);
		break;
	case HTTP_FORM_ASTERISK:
		CHECK(m->method == HTTP_METHOD_OPTIONS);
		CHECK(m->target_len == 1);
		break;
	default:
		CHECK(0);
	}
	if (m->method == HTTP_METHOD_CONNECT)
		CHECK(m->form == HTTP_FORM_AUTHORITY);
	if (m->version == 11)
		CHECK(http_header_find(m, "host") != NULL);
	if (m->host != NULL)
		CHECK(m->host_len > 0);
}

/* Parse a head whole and in prefixes; all must agree. */
static void
fuzz_head(const char *buf, size_t len, const struct http_limits *lim,
    int response, enum http_method req)
{
	size_t	 cut;
	int	 r, r2;

	if (response)
		r = http_parse_response(&msg, buf, len, lim, req);
	else
		r = http_parse_request(&msg, buf, len, lim);
	check_msg(&msg, r, buf, len, lim, response);
	if (r != HTTP_DONE)
		return;

	/* The head alone parses the same, byte for byte. */
	if (response)
		r2 = http_parse_response(&msg2, buf, msg.head_len, lim, req);
	else
		r2 = http_parse_request(&msg2, buf, msg.head_len, lim);
	CHECK(r2 == HTTP_DONE);
	CHECK(memcmp(&msg, &msg2, sizeof msg) == 0);

	/* Any shorter prefix of a good head just needs more. */
	for (cut = msg.head_len; cut-- > 0; ) {
		if (response)
			r2 = http_parse_response(&msg2, buf, cut, lim, req);
		else
			r2 = http_parse_request(&msg2, buf, cut, lim);
		CHECK(r2 == HTTP_MORE);
		if (msg.head_len > 64 && cut > 8)
			cut -= cut / 8;
	}

	if (!response && msg.framing == HTTP_BODY_CHUNKED)
		fuzz_body(buf + msg.head_len, len - msg.head_len, lim);
}

/* Parse a head in fragments, resuming; every call must agree. */
static void
fuzz_resume(const char *buf, size_t len, const struct http_limits *lim,
    int response, enum http_method req)
{
	struct http_resume	 r;
	size_t			 have = 0, step, k = 0;
	char			*copy;
	int			 rv, wrv;

	http_resume_init(&r);
	while (have < len) {
		step = 1 + (unsigned char)buf[k++ % len] % 16;
		have = len - have < step ? len : have + step;
		if ((copy = malloc(have)) == NULL)
			return;
		memcpy(copy, buf, have);
		if (response) {
			rv = http_parse_response_more(&msg, &r, copy, have, lim,
			    req);
			wrv = http_parse_response(&msg2, copy, have, lim, req);
		} else {
			rv = http_parse_request_more(&msg, &r, copy, have, lim);
			wrv = http_parse_request(&msg2, copy, have, lim);
		}
		CHECK(rv == wrv);
		CHECK(msg.status == msg2.status);
		CHECK((msg.error == NULL) == (msg2.error == NULL));
		if (msg.error != NULL && msg2.error != NULL)
			CHECK(strcmp(msg.error, msg2.error) == 0);
		if (rv == HTTP_DONE)
			CHECK(memcmp(&msg, &msg2, sizeof msg) == 0);
		free(copy);
		if (rv != HTTP_MORE)
			break;
	}
}

/*
 * Feed a chunked body in fragments of step bytes (0: at once), in
 * de-chunking mode when step is odd; return the result, the consumed
 * total and the error.
 */
static int
fuzz_chunked(const char *buf, size_t len, const struct http_limits *lim,
    size_t step, size_t *used, const char **err)
{
	struct http_chunked	 c;
	size_t			 off = 0, frag, consumed, doff, dlen;
	uint64_t		 data = 0;
	int			 r = HTTP_MORE, split = step % 2 == 1;
	int			 stop = step == 64;

	http_chunked_init(&c, lim);
	c.stop_trailers = stop;
	while (off < len) {
		frag = step == 0 || len - off < step ? len - off : step;
		r = http_chunked_feed(&c, buf + off, frag, &consumed,
		    split ? &doff : NULL, split ? &dlen : NULL);
		CHECK(r == HTTP_DONE || r == HTTP_MORE || r == HTTP_ERROR);
		CHECK(consumed <= frag);
		if (r == HTTP_ERROR) {
			CHECK(c.error != NULL);
			break;
		}
		CHECK(c.error == NULL);
		if (split) {
			CHECK(doff + dlen <= consumed);
			data += dlen;
		} else if (r == HTTP_MORE && !stop)
			CHECK(consumed == frag);
		else if (r == HTTP_MORE && consumed < frag)
			CHECK(http_chunked_in_trailers(&c));
		off += consumed;
		if (r == HTTP_DONE)
			break;
		CHECK(consumed > 0);
	}
	if (split && r != HTTP_ERROR)
		CHECK(data == c.total);
	if (r == HTTP_DONE) {
		CHECK(off >= 5 && memcmp(buf + off - 2, "\r\n", 2) == 0);
		CHECK(http_chunked_feed(&c, "x", 1, &consumed, NULL, NULL) ==
		    HTTP_DONE && consumed == 0);
	}
	if (r == HTTP_ERROR)
		CHECK(http_chunked_feed(&c, "0\r\n\r\n", 5, &consumed, NULL,
		    NULL) == HTTP_ERROR && consumed == 0);
	*used = off;
	*err = c.error;
	return (r);
}

/* Validate a chunked body several ways; all must agree. */
static void
fuzz_body(const char *buf, size_t len, const struct http_limits *lim)
{
	static const size_t	 steps[] = { 1, 2, 3, 7, 64 };
	size_t			 used, used2, i;
	const char		*err, *err2;
	int			 r, r2;

	r = fuzz_chunked(buf, len, lim, 0, &used, &err);
	for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		r2 = fuzz_chunked(buf, len, lim, steps[i], &used2, &err2);
		CHECK(r2 == r);
		if (r == HTTP_ERROR)
			CHECK(strcmp(err, err2) == 0);
		else
			CHECK(used2 == used);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct http_limits	*lim;
	const char			*buf;
	size_t				 len;

	if (size < 1)
		return (0);
	lim = &limits[data[0] % (sizeof limits / sizeof limits[0])];
	buf = (const char *)data + 1;
	len = size - 1;

	fuzz_head(buf, len, lim, 0, HTTP_METHOD_GET);
	fuzz_resume(buf, len, lim, 0, HTTP_METHOD_GET);
	fuzz_resume(buf, len, lim, 1, HTTP_METHOD_HEAD);
	fuzz_head(buf, len, lim, 1, HTTP_METHOD_GET);
	fuzz_head(buf, len, lim, 1, HTTP_METHOD_HEAD);
	fuzz_head(buf, len, lim, 1, HTTP_METHOD_CONNECT);
	fuzz_body(buf, len, lim);
	return (0);
}
