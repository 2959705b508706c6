/* test_lib_http_status.c: reason phrases, status lines, error pages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "http_status.h"
#include "unit.h"

/* Render a page into a NUL-terminated string (caller frees). */
static char *
page(int status, const char *reason, const char *via, int keep)
{
	struct evbuffer	*b = evbuffer_new();
	size_t		 len;
	char		*s;

	http_error_page(b, status, reason, "twin-proxy", via, keep);
	len = evbuffer_get_length(b);
	s = calloc(1, len + 1);
	evbuffer_remove(b, s, len);
	evbuffer_free(b);
	return (s);
}

static void
test_http_error_page_framing(void)
{
	char		*s, *body;
	unsigned long	 clen;

	s = page(502, "cannot connect to the origin server", NULL, 0);
	CU_ASSERT_EQUAL(strncmp(s, "HTTP/1.1 502 Bad Gateway\r\n", 26), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\r\nConnection: close\r\n"));
	CU_ASSERT_PTR_NULL(strstr(s, "\r\nVia:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "Content-Type: text/html"));
	body = strstr(s, "\r\n\r\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	body += 4;
	CU_ASSERT_PTR_NOT_NULL_FATAL(strstr(s, "Content-Length: "));
	clen = strtoul(strstr(s, "Content-Length: ") + 16, NULL, 10);
	/* The length matches the page exactly: keep-alive stays framed. */
	CU_ASSERT_EQUAL(clen, strlen(body));
	CU_ASSERT_PTR_NOT_NULL(strstr(body,
	    "<p>cannot connect to the origin server</p>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "<title>502 Bad Gateway</title>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(body,
	    "<address>twin-proxy</address>"));
	free(s);
}

static void
test_http_error_page_statuses(void)
{
	char	*s;

	s = page(403, "denied", "a (twin-proxy)", 1);
	CU_ASSERT_EQUAL(strncmp(s, "HTTP/1.1 403 Forbidden\r\n", 24), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\r\nVia: 1.1 a (twin-proxy)\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\r\nConnection: keep-alive\r\n"));
	free(s);
	CU_ASSERT_STRING_EQUAL(http_status_reason(400), "Bad Request");
	CU_ASSERT_STRING_EQUAL(http_status_reason(503), "Service Unavailable");
	CU_ASSERT_STRING_EQUAL(http_status_reason(504), "Gateway Timeout");
	CU_ASSERT_STRING_EQUAL(http_status_reason(408), "Request Timeout");
}

/* The page names the daemon it comes from. */
static void
test_http_error_page_server(void)
{
	struct evbuffer	*b = evbuffer_new();
	size_t		 len;
	char		*s;

	http_error_page(b, 503, "no server", "twin-lb", NULL, 0);
	len = evbuffer_get_length(b);
	s = calloc(1, len + 1);
	evbuffer_remove(b, s, len);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "<address>twin-lb</address>"));
	CU_ASSERT_PTR_NULL(strstr(s, "twin-proxy"));
	free(s);
	evbuffer_free(b);
}

/*
 * Every code the project sends itself or relays from its cache, and
 * every other RFC 9110 code, has its phrase.
 */
static void
test_http_status_reason_all(void)
{
	static const struct {
		int		 code;
		const char	*reason;
	} want[] = {
		{ 100, "Continue" }, { 101, "Switching Protocols" },
		{ 200, "OK" }, { 201, "Created" }, { 202, "Accepted" },
		{ 203, "Non-Authoritative Information" },
		{ 204, "No Content" }, { 205, "Reset Content" },
		{ 206, "Partial Content" }, { 300, "Multiple Choices" },
		{ 301, "Moved Permanently" }, { 302, "Found" },
		{ 303, "See Other" }, { 304, "Not Modified" },
		{ 305, "Use Proxy" }, { 307, "Temporary Redirect" },
		{ 308, "Permanent Redirect" }, { 400, "Bad Request" },
		{ 401, "Unauthorized" }, { 402, "Payment Required" },
		{ 403, "Forbidden" }, { 404, "Not Found" },
		{ 405, "Method Not Allowed" }, { 406, "Not Acceptable" },
		{ 407, "Proxy Authentication Required" },
		{ 408, "Request Timeout" }, { 409, "Conflict" },
		{ 410, "Gone" }, { 411, "Length Required" },
		{ 412, "Precondition Failed" }, { 413, "Content Too Large" },
		{ 414, "URI Too Long" }, { 415, "Unsupported Media Type" },
		{ 416, "Range Not Satisfiable" },
		{ 417, "Expectation Failed" },
		{ 421, "Misdirected Request" },
		{ 422, "Unprocessable Content" },
		{ 426, "Upgrade Required" },
		{ 431, "Request Header Fields Too Large" },
		{ 451, "Unavailable For Legal Reasons" },
		{ 500, "Internal Server Error" },
		{ 501, "Not Implemented" }, { 502, "Bad Gateway" },
		{ 503, "Service Unavailable" }, { 504, "Gateway Timeout" },
		{ 505, "HTTP Version Not Supported" }, { 0, NULL }
	};
	struct evbuffer	*b = evbuffer_new();
	char		 line[128], *got;
	size_t		 i, len;

	for (i = 0; want[i].code != 0; i++) {
		CU_ASSERT_STRING_EQUAL(http_status_reason(want[i].code),
		    want[i].reason);
		http_status_line(b, want[i].code);
		snprintf(line, sizeof line, "HTTP/1.1 %d %s\r\n",
		    want[i].code, want[i].reason);
		len = evbuffer_get_length(b);
		got = calloc(1, len + 1);
		evbuffer_remove(b, got, len);
		CU_ASSERT_STRING_EQUAL(got, line);
		free(got);
	}
	CU_ASSERT_STRING_EQUAL(http_status_reason(299), "Unknown");
	CU_ASSERT_STRING_EQUAL(http_status_reason(0), "Unknown");
	CU_ASSERT_STRING_EQUAL(http_status_reason(999), "Unknown");
	evbuffer_free(b);
}

static CU_TestInfo tests[] = {
	{ "error_framing", test_http_error_page_framing },
	{ "error_statuses", test_http_error_page_statuses },
	{ "error_page_server", test_http_error_page_server },
	{ "reason_all", test_http_status_reason_all },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(lib_http_status_suite, "lib_http_status", tests)
