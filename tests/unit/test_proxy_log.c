/* test_proxy_log.c: access log lines in Squid's native format. */
#include <stdio.h>
#include <string.h>

#include "proxy/proxy.h"
#include "unit.h"

static void
test_proxy_log_format_squid(void)
{
	struct timespec	 t = { 1700000000, 123456789 };
	char		 buf[512];
	size_t		 n;

	n = proxy_log_format(buf, sizeof buf, &t, 42, "198.18.0.11",
	    "TCP_MISS", 200, 1234, "GET", "http://198.18.0.200:8000/x",
	    "HIER_DIRECT/198.18.0.200", "text/html");
	CU_ASSERT_STRING_EQUAL(buf, "1700000000.123     42 198.18.0.11 "
	    "TCP_MISS/200 1234 GET http://198.18.0.200:8000/x - "
	    "HIER_DIRECT/198.18.0.200 text/html\n");
	CU_ASSERT_EQUAL(n, strlen(buf));
}

static void
test_proxy_log_format_fields_safe(void)
{
	struct timespec	 t = { 1, 5000000 };
	char		 buf[512], small[40];
	size_t		 n;

	/* Blanks and control bytes cannot split a field or forge a line. */
	proxy_log_format(buf, sizeof buf, &t, 0, "::1", "TAG_NONE", 400, 0,
	    "G T", "a b\nc", "HIER_NONE/-", "");
	CU_ASSERT_STRING_EQUAL(buf, "1.005      0 ::1 TAG_NONE/400 0 G_T "
	    "a_b_c - HIER_NONE/- -\n");
	n = proxy_log_format(small, sizeof small, &t, 0, "::1", "TCP_MISS",
	    200, 0, "GET", "http://example.com/a/very/long/path",
	    "HIER_NONE/-", "-");
	CU_ASSERT_EQUAL(n, sizeof small - 1);
	CU_ASSERT_EQUAL(small[n - 1], '\n');
}

static CU_TestInfo tests[] = {
	{ "format_squid", test_proxy_log_format_squid },
	{ "format_fields_safe", test_proxy_log_format_fields_safe },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(proxy_log_suite, "proxy_log", tests)
