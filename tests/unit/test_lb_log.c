/*
 * test_lb_log.c: the access log line of l7 and https clusters
 * (lb/lb_log.c): the combined format with what the balancer adds, dashes
 * for what is missing, quoted fields escaped so a client can neither
 * split a line nor forge one, and a line cut short still ending in a
 * newline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lb/lbd.h"
#include "unit.h"

/* 2024-03-05 06:07:08 UTC. */
#define T0	1709618828

/* Log times are local: run these in UTC. */
static void
utc(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
}

/* A line with every field. */
static void
test_lbd_log_format_full(void)
{
	char	buf[1024];
	size_t	n;

	utc();
	n = lbd_log_format(buf, sizeof buf, T0, "198.18.0.11",
	    "GET /a?b=1 HTTP/1.1", 200, 1234, "http://ref.test/",
	    "curl/7.88.1", "web", "s1", 12, "persistent");
	CU_ASSERT_STRING_EQUAL(buf, "198.18.0.11 - - [05/Mar/2024:06:07:08 "
	    "+0000] \"GET /a?b=1 HTTP/1.1\" 200 1234 \"http://ref.test/\" "
	    "\"curl/7.88.1\" web s1 12 persistent\n");
	CU_ASSERT_EQUAL(n, strlen(buf));
}

/* What is missing is "-", as the common log format writes it. */
static void
test_lbd_log_format_missing(void)
{
	char	buf[1024];

	utc();
	lbd_log_format(buf, sizeof buf, T0, "198.18.0.11", NULL, 0, 0, "",
	    NULL, "empty", NULL, 0, NULL);
	CU_ASSERT_STRING_EQUAL(buf, "198.18.0.11 - - [05/Mar/2024:06:07:08 "
	    "+0000] \"-\" - - \"-\" \"-\" empty - 0 -\n");
	lbd_log_format(buf, sizeof buf, T0, "198.18.0.11",
	    "GET / HTTP/1.1", 503, 120, NULL, NULL, "web", NULL, 1, "none");
	CU_ASSERT_STRING_EQUAL(buf, "198.18.0.11 - - [05/Mar/2024:06:07:08 "
	    "+0000] \"GET / HTTP/1.1\" 503 120 \"-\" \"-\" web - 1 none\n");
}

/* Quotes, backslashes and bytes outside printable ASCII are escaped. */
static void
test_lbd_log_format_escapes(void)
{
	char	buf[1024];
	int	i, quotes = 0;

	utc();
	lbd_log_format(buf, sizeof buf, T0, "198.18.0.11",
	    "GET /\"x\\y\x01\xff HTTP/1.1", 400, 0,
	    "a\"\n198.18.0.99 - - [x] \"GET / HTTP/1.1\" 200", "ua\r\n",
	    "web", "-", 0, "-");
	CU_ASSERT_STRING_EQUAL(buf, "198.18.0.11 - - [05/Mar/2024:06:07:08 "
	    "+0000] \"GET /\\\"x\\\\y\\x01\\xff HTTP/1.1\" 400 - "
	    "\"a\\\"\\x0a198.18.0.99 - - [x] \\\"GET / HTTP/1.1\\\" 200\" "
	    "\"ua\\x0d\\x0a\" web - 0 -\n");
	/* One line, six unescaped quotes: the three fields' own. */
	CU_ASSERT_EQUAL(strchr(buf, '\n'), buf + strlen(buf) - 1);
	for (i = 0; buf[i] != '\0'; i++)
		if (buf[i] == '"' && (i == 0 || buf[i - 1] != '\\'))
			quotes++;
	CU_ASSERT_EQUAL(quotes, 6);
}

/* A buffer too small still gets a whole line. */
static void
test_lbd_log_format_truncated(void)
{
	char	buf[48];
	size_t	n;

	utc();
	n = lbd_log_format(buf, sizeof buf, T0, "198.18.0.11",
	    "GET /a-long-target HTTP/1.1", 200, 5, NULL, NULL, "web", "s1", 3,
	    "scheduled");
	CU_ASSERT_EQUAL(n, sizeof buf - 1);
	CU_ASSERT_EQUAL(strlen(buf), n);
	CU_ASSERT_EQUAL(buf[n - 1], '\n');
	CU_ASSERT_EQUAL(strncmp(buf, "198.18.0.11 - - [05/Mar/2024", 28), 0);
}

static CU_TestInfo lb_log_tests[] = {
	{ "format: full", test_lbd_log_format_full },
	{ "format: missing fields", test_lbd_log_format_missing },
	{ "format: escapes", test_lbd_log_format_escapes },
	{ "format: truncated", test_lbd_log_format_truncated },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(lb_log_suite, "lb_log", lb_log_tests)
