/* test_lib_http_field.c: field names, comma lists, hop-by-hop fields. */
#include <string.h>

#include "http.h"
#include "http_field.h"
#include "unit.h"

static char	*list_join(const char *, int);

/* Walk a list and join its elements with '|' (static buffer). */
static char *
list_join(const char *v, int flags)
{
	static char		 out[256];
	struct http_list	 l;
	const char		*e;
	size_t			 len, n = 0;

	out[0] = '\0';
	http_list_init(&l, v, strlen(v), flags);
	while (http_list_next(&l, &e, &len)) {
		if (n > 0)
			out[n++] = '|';
		memcpy(out + n, e, len);
		n += len;
		out[n] = '\0';
	}
	return (out);
}

static void
test_http_caseeq_ascii(void)
{
	CU_ASSERT_TRUE(http_caseeq("Content-Type", 12, "content-type", 12));
	CU_ASSERT_FALSE(http_caseeq("Content-Type", 12, "content-typ", 11));
	CU_ASSERT_FALSE(http_caseeq("a", 1, "b", 1));
	CU_ASSERT_TRUE(http_streq("VIA", 3, "via"));
	CU_ASSERT_FALSE(http_streq("VIAS", 4, "via"));
	/* No locale folding: only A-Z map to a-z. */
	CU_ASSERT_FALSE(http_caseeq("\xc4", 1, "\xe4", 1));
}

static void
test_http_trim_ows(void)
{
	const char	*s = " \t a b\t ";
	size_t		 len = strlen(s);

	http_trim(&s, &len);
	CU_ASSERT_EQUAL(len, 3);
	CU_ASSERT_EQUAL(strncmp(s, "a b", 3), 0);
	s = "   ";
	len = 3;
	http_trim(&s, &len);
	CU_ASSERT_EQUAL(len, 0);
}

static void
test_http_list_next_elements(void)
{
	CU_ASSERT_STRING_EQUAL(list_join("a, b ,c", 0), "a|b|c");
	/* Empty elements are reported unless asked otherwise. */
	CU_ASSERT_STRING_EQUAL(list_join("a,,b,", 0), "a||b|");
	CU_ASSERT_STRING_EQUAL(list_join("", 0), "");
	CU_ASSERT_STRING_EQUAL(list_join("a,,b,", HTTP_LIST_SKIP_EMPTY),
	    "a|b");
	CU_ASSERT_STRING_EQUAL(list_join(" , ,", HTTP_LIST_SKIP_EMPTY), "");
	/* A comma inside a quoted string does not split. */
	CU_ASSERT_STRING_EQUAL(list_join("no-cache=\"a, b\", max-age=1",
	    HTTP_LIST_SKIP_EMPTY), "no-cache=\"a, b\"|max-age=1");
	CU_ASSERT_STRING_EQUAL(list_join("x=\"a\\\",b\",y",
	    HTTP_LIST_SKIP_EMPTY), "x=\"a\\\",b\"|y");
}

static void
test_http_header_is_name(void)
{
	struct http_header	h = { "X-Forwarded-For", 15, "a", 1 };

	CU_ASSERT_TRUE(http_header_is(&h, "x-forwarded-for"));
	CU_ASSERT_FALSE(http_header_is(&h, "x-forwarded"));
}

static void
test_http_hop_field_set(void)
{
	static const char *const hop[] = { "Connection", "keep-alive",
	    "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding",
	    "Upgrade", "Proxy-Authenticate", "Proxy-Authorization", NULL };
	int	i;

	for (i = 0; hop[i] != NULL; i++)
		CU_ASSERT_TRUE(http_hop_field(hop[i], strlen(hop[i])));
	CU_ASSERT_FALSE(http_hop_field("Host", 4));
	CU_ASSERT_FALSE(http_hop_field("Content-Length", 14));
	CU_ASSERT_FALSE(http_hop_field("Trailers", 8));
}

/* Decimal digits at the end of the buffer, 0 and the largest value too. */
static void
test_http_decimal_digits(void)
{
	static const struct { uint64_t v; const char *s; } c[] = {
		{ 0, "0" }, { 7, "7" }, { 10, "10" }, { 1048576, "1048576" },
		{ UINT64_MAX, "18446744073709551615" } };
	char	 d[HTTP_DECIMAL_MAX], *p;
	size_t	 i;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		p = http_decimal(d, c[i].v);
		CU_ASSERT_EQUAL((size_t)(d + sizeof d - p), strlen(c[i].s));
		CU_ASSERT_NSTRING_EQUAL(p, c[i].s, strlen(c[i].s));
	}
}

static CU_TestInfo tests[] = {
	{ "caseeq_ascii", test_http_caseeq_ascii },
	{ "trim_ows", test_http_trim_ows },
	{ "list_next_elements", test_http_list_next_elements },
	{ "header_is_name", test_http_header_is_name },
	{ "hop_field_set", test_http_hop_field_set },
	{ "decimal_digits", test_http_decimal_digits },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(lib_http_field_suite, "lib_http_field", tests)
