/* test_proxy_acl.c: client networks, denied domains and ports. */
#include <string.h>

#include "proxy/proxy.h"
#include "unit.h"

static void
test_proxy_acl_client_default_deny(void)
{
	struct cfg_proxy	 pc;
	struct addr		 a;
	struct cidr		 nets[2];
	const char		*cause;

	memset(&pc, 0, sizeof pc);
	CU_ASSERT_EQUAL(addr_parse("198.18.0.11", &a, &cause), 0);
	/* No allow list: nobody, never an open proxy. */
	CU_ASSERT_EQUAL(proxy_acl_client(&pc, &a), 0);
	CU_ASSERT_EQUAL(cidr_parse("198.18.0.8/30", &nets[0], &cause), 0);
	CU_ASSERT_EQUAL(cidr_parse("::1/128", &nets[1], &cause), 0);
	pc.allow = nets;
	pc.nallow = 2;
	CU_ASSERT_EQUAL(proxy_acl_client(&pc, &a), 1);
	CU_ASSERT_EQUAL(addr_parse("198.18.0.12", &a, &cause), 0);
	CU_ASSERT_EQUAL(proxy_acl_client(&pc, &a), 0);
	CU_ASSERT_EQUAL(addr_parse("::1", &a, &cause), 0);
	CU_ASSERT_EQUAL(proxy_acl_client(&pc, &a), 1);
	CU_ASSERT_EQUAL(addr_parse("::2", &a, &cause), 0);
	CU_ASSERT_EQUAL(proxy_acl_client(&pc, &a), 0);
}

static void
test_proxy_acl_domain_match_forms(void)
{
	CU_ASSERT_EQUAL(proxy_acl_domain_match("example.com", "example.com"),
	    1);
	CU_ASSERT_EQUAL(proxy_acl_domain_match("example.com", "EXAMPLE.com."),
	    1);
	CU_ASSERT_EQUAL(proxy_acl_domain_match("example.com",
	    "www.example.com"), 0);
	CU_ASSERT_EQUAL(proxy_acl_domain_match(".example.com",
	    "www.example.com"), 1);
	CU_ASSERT_EQUAL(proxy_acl_domain_match(".example.com", "example.com"),
	    1);
	CU_ASSERT_EQUAL(proxy_acl_domain_match(".example.com",
	    "badexample.com"), 0);
	CU_ASSERT_EQUAL(proxy_acl_domain_match(".example.com", "com"), 0);
	CU_ASSERT_EQUAL(proxy_acl_domain_match("", "example.com"), 0);
}

static void
test_proxy_acl_request_ports(void)
{
	struct cfg_proxy	 pc;
	unsigned int		 cports[] = { 443, 8443 };
	unsigned int		 dports[] = { 25 };
	char			*domains[] = { ".blocked.test" };

	memset(&pc, 0, sizeof pc);
	pc.connect_port = cports;
	pc.nconnect_port = 2;
	pc.deny_port = dports;
	pc.ndeny_port = 1;
	pc.deny_domain = domains;
	pc.ndeny_domain = 1;
	CU_ASSERT_PTR_NULL(proxy_acl_request(&pc, "a.test", 443, 1));
	CU_ASSERT_PTR_NULL(proxy_acl_request(&pc, "a.test", 8443, 1));
	CU_ASSERT_PTR_NOT_NULL(proxy_acl_request(&pc, "a.test", 22, 1));
	CU_ASSERT_PTR_NULL(proxy_acl_request(&pc, "a.test", 22, 0));
	CU_ASSERT_PTR_NOT_NULL(proxy_acl_request(&pc, "a.test", 25, 0));
	CU_ASSERT_PTR_NOT_NULL(proxy_acl_request(&pc, "x.blocked.test", 80,
	    0));
	CU_ASSERT_PTR_NOT_NULL(proxy_acl_request(&pc, "x.blocked.test", 443,
	    1));
	CU_ASSERT_PTR_NULL(proxy_acl_request(&pc, "blocked.test.org", 80,
	    0));
}

static CU_TestInfo tests[] = {
	{ "client_default_deny", test_proxy_acl_client_default_deny },
	{ "domain_match_forms", test_proxy_acl_domain_match_forms },
	{ "request_ports", test_proxy_acl_request_ports },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(proxy_acl_suite, "proxy_acl", tests)
