/* test_lib_addr.c: addresses, networks, host names. */
#include <arpa/inet.h>
#include <string.h>

#include "addr.h"
#include "unit.h"

static void
test_addr_parse_forms(void)
{
	struct addr	 a;
	const char	*cause;
	char		 buf[ADDR_STRLEN];

	CU_ASSERT_EQUAL(addr_parse("198.18.0.1", &a, &cause), 0);
	CU_ASSERT_EQUAL(a.af, AF_INET);
	CU_ASSERT_EQUAL(addr_parse("2001:db8::1", &a, &cause), 0);
	CU_ASSERT_EQUAL(a.af, AF_INET6);
	CU_ASSERT_EQUAL(addr_parse("198.18.0", &a, &cause), -1);
	CU_ASSERT_EQUAL(addr_parse("example.com", &a, &cause), -1);
	CU_ASSERT_EQUAL(addr_parse("", &a, &cause), -1);
	CU_ASSERT_EQUAL(addr_parse("1.2.3.4 ", &a, &cause), -1);

	CU_ASSERT_EQUAL(addr_parse_port("198.18.0.1:8080", &a, &cause), 0);
	CU_ASSERT_EQUAL(a.port, 8080);
	CU_ASSERT_STRING_EQUAL(addr_fmt(&a, buf, sizeof buf),
	    "198.18.0.1:8080");
	CU_ASSERT_EQUAL(addr_parse_port("[::1]:80", &a, &cause), 0);
	CU_ASSERT_STRING_EQUAL(addr_fmt(&a, buf, sizeof buf), "[::1]:80");
	CU_ASSERT_EQUAL(addr_parse_port("*:3128", &a, &cause), 0);
	CU_ASSERT_STRING_EQUAL(addr_fmt(&a, buf, sizeof buf), "*:3128");
	CU_ASSERT_EQUAL(addr_parse_port("::1:80", &a, &cause), -1);
	CU_ASSERT_EQUAL(addr_parse_port("198.18.0.1", &a, &cause), -1);
	CU_ASSERT_EQUAL(addr_parse_port("198.18.0.1:0", &a, &cause), -1);
	CU_ASSERT_EQUAL(addr_parse_port("198.18.0.1:65536", &a, &cause), -1);
	CU_ASSERT_EQUAL(addr_parse_port("198.18.0.1:-1", &a, &cause), -1);
	CU_ASSERT_EQUAL(addr_parse_port("198.18.0.1:+80", &a, &cause), -1);
	CU_ASSERT_EQUAL(addr_parse_port("[198.18.0.1]:80", &a, &cause), -1);
	CU_ASSERT_EQUAL(addr_parse_port("[::1]80", &a, &cause), -1);
}

static void
test_cidr_parse_forms(void)
{
	struct cidr	 c;
	const char	*cause;
	char		 buf[64];

	CU_ASSERT_EQUAL(cidr_parse("127.0.0.0/255.255.255.0", &c, &cause), 0);
	CU_ASSERT_EQUAL(c.plen, 24);
	CU_ASSERT_STRING_EQUAL(cidr_fmt(&c, buf, sizeof buf), "127.0.0.0/24");
	CU_ASSERT_STRING_EQUAL(cidr_mask4(&c, buf, sizeof buf),
	    "255.255.255.0");
	CU_ASSERT_EQUAL(cidr_parse("198.18.0.0/15", &c, &cause), 0);
	CU_ASSERT_EQUAL(c.plen, 15);
	CU_ASSERT_EQUAL(cidr_parse("0.0.0.0/0", &c, &cause), 0);
	CU_ASSERT_EQUAL(cidr_parse("198.18.0.7", &c, &cause), 0);
	CU_ASSERT_EQUAL(c.plen, 32);
	CU_ASSERT_EQUAL(cidr_parse("fd00::/8", &c, &cause), 0);
	CU_ASSERT_EQUAL(c.plen, 8);
	/* Host bits set: most likely a typo, refused. */
	CU_ASSERT_EQUAL(cidr_parse("10.1.2.3/8", &c, &cause), -1);
	CU_ASSERT_EQUAL(cidr_parse("10.0.0.0/33", &c, &cause), -1);
	CU_ASSERT_EQUAL(cidr_parse("10.0.0.0/255.0.255.0", &c, &cause), -1);
	CU_ASSERT_EQUAL(cidr_parse("10.0.0.0/", &c, &cause), -1);
	CU_ASSERT_EQUAL(cidr_parse("10.0.0.0/x", &c, &cause), -1);
	CU_ASSERT_EQUAL(cidr_parse("fd00::/129", &c, &cause), -1);
}

static void
test_cidr_contains_edges(void)
{
	struct cidr	 c;
	struct addr	 a;
	const char	*cause;

	cidr_parse("198.18.0.0/15", &c, &cause);
	addr_parse("198.19.255.255", &a, &cause);
	CU_ASSERT_TRUE(cidr_contains(&c, &a));
	addr_parse("198.20.0.0", &a, &cause);
	CU_ASSERT_FALSE(cidr_contains(&c, &a));
	addr_parse("198.17.255.255", &a, &cause);
	CU_ASSERT_FALSE(cidr_contains(&c, &a));
	cidr_parse("0.0.0.0/0", &c, &cause);
	CU_ASSERT_TRUE(cidr_contains(&c, &a));
	addr_parse("::1", &a, &cause);
	CU_ASSERT_FALSE(cidr_contains(&c, &a));
	cidr_parse("fd00:1::/33", &c, &cause);
	addr_parse("fd00:1:7fff::1", &a, &cause);
	CU_ASSERT_TRUE(cidr_contains(&c, &a));
	addr_parse("fd00:1:8000::1", &a, &cause);
	CU_ASSERT_FALSE(cidr_contains(&c, &a));
}

static void
test_addr_from_sa_v4mapped(void)
{
	struct sockaddr_in6	 sin6;
	struct addr		 a;
	char			 buf[ADDR_STRLEN];

	memset(&sin6, 0, sizeof sin6);
	sin6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:198.18.0.11", &sin6.sin6_addr);
	CU_ASSERT_EQUAL(addr_from_sa(&a, (struct sockaddr *)&sin6,
	    sizeof sin6), 0);
	CU_ASSERT_EQUAL(a.af, AF_INET);
	CU_ASSERT_STRING_EQUAL(addr_ntop(&a, buf, sizeof buf), "198.18.0.11");
	CU_ASSERT_TRUE(addr_is_odd(&a));
}

static void
test_addr_is_odd_parity(void)
{
	struct addr	 a;
	const char	*cause;

	addr_parse("198.18.0.12", &a, &cause);
	CU_ASSERT_FALSE(addr_is_odd(&a));
	addr_parse("198.18.0.255", &a, &cause);
	CU_ASSERT_TRUE(addr_is_odd(&a));
	addr_parse("fd00::a", &a, &cause);
	CU_ASSERT_FALSE(addr_is_odd(&a));
	addr_parse("fd00::b", &a, &cause);
	CU_ASSERT_TRUE(addr_is_odd(&a));
}

static void
test_hostport_parse_names(void)
{
	struct hostport	 hp;
	const char	*cause;
	char		 buf[300];

	CU_ASSERT_EQUAL(hostport_parse("proxy-a.example.com:8080", &hp,
	    &cause), 0);
	CU_ASSERT_STRING_EQUAL(hp.host, "proxy-a.example.com");
	CU_ASSERT_EQUAL(hp.af, 0);
	CU_ASSERT_EQUAL(hostport_parse("[fd00::1]:3128", &hp, &cause), 0);
	CU_ASSERT_STRING_EQUAL(hostport_fmt(&hp, buf, sizeof buf),
	    "[fd00::1]:3128");
	/* Anything that could break out of a JavaScript string is refused. */
	CU_ASSERT_EQUAL(hostport_parse("a\"b:80", &hp, &cause), -1);
	CU_ASSERT_EQUAL(hostport_parse("a'b:80", &hp, &cause), -1);
	CU_ASSERT_EQUAL(hostport_parse("a\\b:80", &hp, &cause), -1);
	CU_ASSERT_EQUAL(hostport_parse("-a.com:80", &hp, &cause), -1);
	CU_ASSERT_EQUAL(hostport_parse("a..com:80", &hp, &cause), -1);
	CU_ASSERT_EQUAL(hostport_parse("1.2.3:80", &hp, &cause), -1);
	CU_ASSERT_EQUAL(hostport_parse("*:80", &hp, &cause), -1);
	CU_ASSERT_EQUAL(hostport_parse("host", &hp, &cause), -1);
	CU_ASSERT_TRUE(host_valid("a"));
	CU_ASSERT_FALSE(host_valid("a-"));
	CU_ASSERT_FALSE(host_valid(
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

static CU_TestInfo addr_tests[] = {
	{ "test_addr_parse_forms", test_addr_parse_forms },
	{ "test_cidr_parse_forms", test_cidr_parse_forms },
	{ "test_cidr_contains_edges", test_cidr_contains_edges },
	{ "test_addr_from_sa_v4mapped", test_addr_from_sa_v4mapped },
	{ "test_addr_is_odd_parity", test_addr_is_odd_parity },
	{ "test_hostport_parse_names", test_hostport_parse_names },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(addr_suite, "lib_addr", addr_tests)
