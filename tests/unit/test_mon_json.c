/*
 * test_mon_json.c: the center's JSON writer and HTML escaping (every
 * value the views write passes through them), and the age format.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "monitor/mon_center.h"
#include "unit.h"

/* Take what <b> holds as a C string (and empty it). */
static char *
take(struct evbuffer *b)
{
	static char	buf[4096];
	size_t		n = evbuffer_get_length(b);

	CU_ASSERT_FATAL(n < sizeof buf);
	evbuffer_remove(b, buf, n);
	buf[n] = '\0';
	return (buf);
}

static void
test_mon_json_structure(void)
{
	struct evbuffer	*b = evbuffer_new();
	struct mon_json	 j;

	mon_json_init(&j, b);
	mon_json_open(&j, '{');
	mon_json_key(&j, "n");
	mon_json_u64(&j, 18446744073709551615ULL);
	mon_json_key(&j, "list");
	mon_json_open(&j, '[');
	mon_json_str(&j, "a");
	mon_json_open(&j, '{');
	mon_json_close(&j, '}');
	mon_json_open(&j, '[');
	mon_json_close(&j, ']');
	mon_json_bool(&j, 1);
	mon_json_null(&j);
	mon_json_close(&j, ']');
	mon_json_key(&j, "t");
	mon_json_bool(&j, 0);
	mon_json_keyn(&j, "key-and-more", 3);
	mon_json_strn(&j, "value-and-more", 5);
	mon_json_close(&j, '}');
	CU_ASSERT_STRING_EQUAL(take(b), "{\"n\":18446744073709551615,"
	    "\"list\":[\"a\",{},[],true,null],\"t\":false,\"key\":\"value\"}");
	evbuffer_free(b);
}

static void
test_mon_json_escape(void)
{
	struct evbuffer	*b = evbuffer_new();
	char		 raw[] = "q\" b\\ nl\n tab\t cr\r bel\a <s>&'x' \x7f"
			    "\xc3\xa9 end";

	mon_json_quote(b, raw, strlen(raw));
	CU_ASSERT_STRING_EQUAL(take(b), "\"q\\\" b\\\\ nl\\n tab\\t "
	    "cr\\u000d bel\\u0007 \\u003cs\\u003e\\u0026\\u0027x\\u0027 "
	    "\\u007f\\u00c3\\u00a9 end\"");
	/* A NUL in the middle is written, not an end. */
	mon_json_quote(b, "a\0b", 3);
	CU_ASSERT_STRING_EQUAL(take(b), "\"a\\u0000b\"");
	mon_json_quote(b, "", 0);
	CU_ASSERT_STRING_EQUAL(take(b), "\"\"");
	evbuffer_free(b);
}

static void
test_mon_json_html(void)
{
	struct evbuffer	*b = evbuffer_new();

	mon_html(b, "<script>alert(\"x\")</script> & 'y' ok");
	CU_ASSERT_STRING_EQUAL(take(b), "&lt;script&gt;alert(&quot;x&quot;)"
	    "&lt;/script&gt; &amp; &#39;y&#39; ok");
	mon_htmln(b, "tab\there\x01\xff end-cut", 14);
	CU_ASSERT_STRING_EQUAL(take(b), "tab?here?? end");
	evbuffer_free(b);
}

static void
test_mon_views_age(void)
{
	char	buf[32];

	mon_views_age(10000, 0, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "never");
	mon_views_age(10000, 8750, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "1.2s");
	mon_views_age(10000, 20000, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "0.0s");
	mon_views_age(1000 + 245000, 1000, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "4m05s");
	mon_views_age(1 + 3600000 * 3 + 420000, 1, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "3h07m");
	mon_views_age(1 + 86400000ULL * 2 + 3600000 * 5, 1, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "2d05h");
}

static CU_TestInfo tests[] = {
	{ "test_mon_json_structure", test_mon_json_structure },
	{ "test_mon_json_escape", test_mon_json_escape },
	{ "test_mon_json_html", test_mon_json_html },
	{ "test_mon_views_age", test_mon_views_age },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(mon_json_suite, "mon_json", tests)
