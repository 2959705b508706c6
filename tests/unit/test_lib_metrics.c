/* test_lib_metrics.c: the Prometheus text format writer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "metrics.h"
#include "unit.h"

static void
test_metrics_golden(void)
{
	struct evbuffer	*b = evbuffer_new();
	struct metrics	*m = metrics_new(b);
	char		*s, *want;

	CU_ASSERT_EQUAL(metrics_family(m, "twinproxy_test_requests_total",
	    METRICS_COUNTER, "Requests by result code."), 0);
	metrics_sample(m, 3, "code", "TCP_MISS", NULL);
	metrics_sample(m, UINT64_MAX, "code", "TCP_MEM_HIT", NULL);
	CU_ASSERT_EQUAL(metrics_family(m, "twinproxy_test_server_up",
	    METRICS_GAUGE, "Whether a server is up: \\ and a\nnewline "
	    "\"quoted\"."), 0);
	metrics_sample(m, 1, "cluster", "web", "server", "a\"b\\c\nd", NULL);
	metrics_sample(m, 0, "cluster", "", "server", "x", NULL);
	CU_ASSERT_EQUAL(metrics_family(m, "twinproxy_test_delta",
	    METRICS_GAUGE, "A gauge below zero."), 0);
	metrics_sample_int(m, -5, NULL);
	CU_ASSERT_EQUAL(metrics_family(m, "twinproxy_test_delay_seconds",
	    METRICS_GAUGE, "Milliseconds as seconds."), 0);
	metrics_sample_ms(m, 1250, "k", "a", NULL);
	metrics_sample_ms(m, 7, "k", "b", NULL);
	metrics_one(m, "ns:rule_ok", METRICS_GAUGE,
	    "Colons are fine in metric names.", 7);
	CU_ASSERT_PTR_NULL(metrics_error(m));
	s = unit_take(b);
	want = unit_slurp(unit_data("metrics/writer.out"), NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(want);
	CU_ASSERT_STRING_EQUAL(s, want);
	free(s);
	free(want);
	metrics_free(m);
	evbuffer_free(b);
}

static void
test_metrics_name_valid(void)
{
	CU_ASSERT_TRUE(metrics_name_valid("a"));
	CU_ASSERT_TRUE(metrics_name_valid("_a:b_9"));
	CU_ASSERT_TRUE(metrics_name_valid(":x"));
	CU_ASSERT_FALSE(metrics_name_valid(""));
	CU_ASSERT_FALSE(metrics_name_valid(NULL));
	CU_ASSERT_FALSE(metrics_name_valid("9a"));
	CU_ASSERT_FALSE(metrics_name_valid("a-b"));
	CU_ASSERT_FALSE(metrics_name_valid("a b"));
	CU_ASSERT_FALSE(metrics_name_valid("a{b}"));
	CU_ASSERT_FALSE(metrics_name_valid("caf\xc3\xa9"));
}

/* A bad family is skipped whole; the ones around it are kept. */
static void
test_metrics_bad_family_skipped(void)
{
	struct evbuffer	*b = evbuffer_new();
	struct metrics	*m = metrics_new(b);
	char		*s;

	metrics_one(m, "good_total", METRICS_COUNTER, "ok", 1);
	CU_ASSERT_EQUAL(metrics_family(m, "no_suffix", METRICS_COUNTER,
	    "a counter not named _total"), -1);
	metrics_sample(m, 2, NULL);
	CU_ASSERT_PTR_NOT_NULL(metrics_error(m));
	CU_ASSERT_PTR_NOT_NULL(strstr(metrics_error(m), "no_suffix"));
	CU_ASSERT_EQUAL(metrics_family(m, "bad-name", METRICS_GAUGE, "x"),
	    -1);
	metrics_sample(m, 3, NULL);
	CU_ASSERT_EQUAL(metrics_family(m, "good_total", METRICS_COUNTER,
	    "again"), -1);
	metrics_sample(m, 4, NULL);
	CU_ASSERT_EQUAL(metrics_family(m, "g", METRICS_GAUGE, "labels"), 0);
	metrics_sample(m, 5, "__reserved", "x", NULL);
	metrics_sample(m, 6, "a:b", "x", NULL);
	metrics_sample(m, 7, "k", "1", "k", "2", NULL);
	metrics_sample(m, 8, "k", "ok", NULL);
	/* The first error is the one kept. */
	CU_ASSERT_PTR_NOT_NULL(strstr(metrics_error(m), "no_suffix"));
	s = unit_take(b);
	CU_ASSERT_STRING_EQUAL(s,
	    "# HELP good_total ok\n# TYPE good_total counter\ngood_total 1\n"
	    "# HELP g labels\n# TYPE g gauge\ng{k=\"ok\"} 8\n");
	free(s);
	metrics_free(m);
	evbuffer_free(b);
}

static CU_TestInfo tests[] = {
	{ "test_metrics_golden", test_metrics_golden },
	{ "test_metrics_name_valid", test_metrics_name_valid },
	{ "test_metrics_bad_family_skipped", test_metrics_bad_family_skipped },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(suite_lib_metrics, "lib_metrics", tests);
