/*
 * test_lib_http_uri.c: characters in request targets that the strict
 * parser refuses (RFC 3986 excludes them) or tolerates for browsers.
 */
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "unit.h"

/* Parse "GET <target> HTTP/1.1" with a matching Host. */
static int
parse_target(const char *target)
{
	static struct http_msg	 m;
	char			 buf[512];
	int			 n;

	n = snprintf(buf, sizeof buf, "GET http://example.com%s HTTP/1.1\r\n"
	    "Host: example.com\r\n\r\n", target);
	return (http_parse_request(&m, buf, n, NULL));
}

static void
test_http_uri_excluded_refused(void)
{
	CU_ASSERT_EQUAL(parse_target("/a<b"), HTTP_ERROR);
	CU_ASSERT_EQUAL(parse_target("/a>b"), HTTP_ERROR);
	CU_ASSERT_EQUAL(parse_target("/a\"b"), HTTP_ERROR);
	CU_ASSERT_EQUAL(parse_target("/a\\b"), HTTP_ERROR);
	CU_ASSERT_EQUAL(parse_target("/a`b"), HTTP_ERROR);
	CU_ASSERT_EQUAL(parse_target("/?q=<script>"), HTTP_ERROR);
	CU_ASSERT_EQUAL(parse_target("/a#frag"), HTTP_ERROR);
}

static void
test_http_uri_browser_chars_tolerated(void)
{
	CU_ASSERT_EQUAL(parse_target("/a%3Cb"), HTTP_DONE);
	CU_ASSERT_EQUAL(parse_target("/?q={a}|b^c"), HTTP_DONE);
	CU_ASSERT_EQUAL(parse_target("/p;x=1/a:b@c!$&'()*+,="), HTTP_DONE);
}

static CU_TestInfo tests[] = {
	{ "excluded_refused", test_http_uri_excluded_refused },
	{ "browser_chars_tolerated", test_http_uri_browser_chars_tolerated },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(lib_http_uri_suite, "lib_http_uri", tests)
