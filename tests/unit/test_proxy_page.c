/* test_proxy_page.c: the error pages twin-proxy answers with. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "proxy/proxy.h"
#include "unit.h"

/* Render a page into a NUL-terminated string (caller frees). */
static char *
page(int status, const char *reason, const char *via, int keep)
{
	struct evbuffer	*b = evbuffer_new();
	size_t		 len;
	char		*s;

	proxy_page_error(b, status, reason, via, keep);
	len = evbuffer_get_length(b);
	s = calloc(1, len + 1);
	evbuffer_remove(b, s, len);
	evbuffer_free(b);
	return (s);
}

static void
test_proxy_page_error_framing(void)
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
	free(s);
}

static void
test_proxy_page_error_statuses(void)
{
	char	*s;

	s = page(403, "denied", "a (twin-proxy)", 1);
	CU_ASSERT_EQUAL(strncmp(s, "HTTP/1.1 403 Forbidden\r\n", 24), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\r\nVia: a (twin-proxy)\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\r\nConnection: keep-alive\r\n"));
	free(s);
	CU_ASSERT_STRING_EQUAL(proxy_page_reason(400), "Bad Request");
	CU_ASSERT_STRING_EQUAL(proxy_page_reason(503), "Service Unavailable");
	CU_ASSERT_STRING_EQUAL(proxy_page_reason(504), "Gateway Timeout");
	CU_ASSERT_STRING_EQUAL(proxy_page_reason(408), "Request Timeout");
}

static CU_TestInfo tests[] = {
	{ "error_framing", test_proxy_page_error_framing },
	{ "error_statuses", test_proxy_page_error_statuses },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(proxy_page_suite, "proxy_page", tests)
