/* test_wpad_pac.c: PAC generation, canonical order and the script check. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "unit.h"
#include "wpad/wpad.h"

static struct cfg	*load(const char *, const char *);
static struct cfg	*load_peer(const char *, const char *, const char *);
static int		 verify(const char *);

#define PEER	"peer { name x; address 198.18.0.1; }\n"

/* Load a config from a string, asserting it has no errors. */
static struct cfg *
load(const char *name, const char *text)
{
	struct cfg_msgs	 msgs;
	struct cfg	*cfg;

	TAILQ_INIT(&msgs);
	cfg = cfg_load_string(name, text, &msgs);
	if (cfg == NULL)
		cfg_msgs_print(stderr, &msgs);
	cfg_msgs_free(&msgs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	return (cfg);
}

/* Load a wpad block with <self> and <partner> and extra settings. */
static struct cfg *
load_peer(const char *self, const char *partner, const char *extra)
{
	char	buf[1024];

	snprintf(buf, sizeof buf, PEER "wpad { listen 198.18.0.100:80; "
	    "proxy %s; partner-proxy %s; %s }\n", self, partner, extra);
	return (load("test.conf", buf));
}

/* Run the check on a NUL-terminated script. */
static int
verify(const char *s)
{
	const char	*cause;

	return (wpad_verify(s, strlen(s), &cause));
}

static void
test_wpad_hostport_cmp_order(void)
{
	struct hostport	 a, b;
	const char	*cause;

	/* Numeric for literals: 9.x < 10.x although "10" < "9" as text. */
	CU_ASSERT_EQUAL(hostport_parse("9.0.0.1:8080", &a, &cause), 0);
	CU_ASSERT_EQUAL(hostport_parse("10.0.0.1:8080", &b, &cause), 0);
	CU_ASSERT_TRUE(wpad_hostport_cmp(&a, &b) < 0);
	CU_ASSERT_TRUE(wpad_hostport_cmp(&b, &a) > 0);
	/* Names: case-insensitive, then port. */
	CU_ASSERT_EQUAL(hostport_parse("Proxy-A.example:3128", &a, &cause), 0);
	CU_ASSERT_EQUAL(hostport_parse("proxy-a.example:8080", &b, &cause), 0);
	CU_ASSERT_TRUE(wpad_hostport_cmp(&a, &b) < 0);
	CU_ASSERT_EQUAL(hostport_parse("proxy-b.example:80", &b, &cause), 0);
	CU_ASSERT_TRUE(wpad_hostport_cmp(&a, &b) < 0);
	CU_ASSERT_EQUAL(wpad_hostport_cmp(&a, &a), 0);
}

/* Peer A and peer B build the same scripts: canonical, never self first. */
static void
test_wpad_pac_build_symmetric(void)
{
	struct cfg	*ca, *cb;
	struct wpad_pac	 pa, pb;
	const char	*cause;
	int		 i;

	ca = load_peer("198.18.0.1:8080", "198.18.0.2:8080", "");
	cb = load_peer("198.18.0.2:8080", "198.18.0.1:8080", "");
	CU_ASSERT_EQUAL_FATAL(wpad_pac_build(&pa, &ca->wpad, NULL, &cause), 0);
	CU_ASSERT_EQUAL_FATAL(wpad_pac_build(&pb, &cb->wpad, NULL, &cause), 0);
	CU_ASSERT_STRING_EQUAL(pa.result[WPAD_EVEN],
	    "PROXY 198.18.0.1:8080; PROXY 198.18.0.2:8080");
	CU_ASSERT_STRING_EQUAL(pa.result[WPAD_ODD],
	    "PROXY 198.18.0.2:8080; PROXY 198.18.0.1:8080");
	for (i = 0; i < WPAD_NSCRIPT; i++) {
		CU_ASSERT_STRING_EQUAL(pa.result[i], pb.result[i]);
		CU_ASSERT_EQUAL(pa.len[i], pb.len[i]);
		CU_ASSERT_STRING_EQUAL(pa.script[i], pb.script[i]);
	}
	wpad_pac_free(&pa);
	wpad_pac_free(&pb);
	cfg_free(ca);
	cfg_free(cb);
}

/* Even and odd clients, IPv4 and IPv6, pick the right script. */
static void
test_wpad_pac_select_parity(void)
{
	struct cfg	*c;
	struct wpad_pac	 p;
	struct addr	 a;
	const char	*cause;
	char		 why[512];

	c = load_peer("198.18.0.2:8080", "198.18.0.1:8080", "");
	CU_ASSERT_EQUAL_FATAL(wpad_pac_build(&p, &c->wpad, NULL, &cause), 0);
	addr_parse("198.18.0.12", &a, &cause);
	CU_ASSERT_EQUAL(wpad_pac_select(&p, &a), WPAD_EVEN);
	CU_ASSERT_PTR_NOT_NULL(strstr(wpad_pac_reason(&p, &a, why,
	    sizeof why), "is even: 198.18.0.1:8080 first"));
	addr_parse("198.18.0.11", &a, &cause);
	CU_ASSERT_EQUAL(wpad_pac_select(&p, &a), WPAD_ODD);
	CU_ASSERT_PTR_NOT_NULL(strstr(wpad_pac_reason(&p, &a, why,
	    sizeof why), "is odd: 198.18.0.2:8080 first"));
	addr_parse("::1", &a, &cause);
	CU_ASSERT_EQUAL(wpad_pac_select(&p, &a), WPAD_ODD);
	addr_parse("fd00::10", &a, &cause);
	CU_ASSERT_EQUAL(wpad_pac_select(&p, &a), WPAD_EVEN);
	wpad_pac_free(&p);
	cfg_free(c);
}

/* Balance off: this peer first for everyone; down: listed last. */
static void
test_wpad_pac_build_balance_down(void)
{
	struct cfg	*c;
	struct wpad_pac	 p;
	const char	*cause;
	int		 down[WPAD_NPROXY];

	c = load_peer("198.18.0.2:8080", "198.18.0.1:8080", "balance no;");
	CU_ASSERT_EQUAL_FATAL(wpad_pac_build(&p, &c->wpad, NULL, &cause), 0);
	CU_ASSERT_STRING_EQUAL(p.result[WPAD_EVEN],
	    "PROXY 198.18.0.2:8080; PROXY 198.18.0.1:8080");
	CU_ASSERT_STRING_EQUAL(p.result[WPAD_ODD], p.result[WPAD_EVEN]);
	wpad_pac_free(&p);
	cfg_free(c);

	c = load_peer("198.18.0.1:8080", "198.18.0.2:8080",
	    "fallback-direct yes;");
	down[WPAD_SELF] = 1;
	down[WPAD_PARTNER] = 0;
	CU_ASSERT_EQUAL_FATAL(wpad_pac_build(&p, &c->wpad, down, &cause), 0);
	CU_ASSERT_STRING_EQUAL(p.result[WPAD_EVEN],
	    "PROXY 198.18.0.2:8080; PROXY 198.18.0.1:8080; DIRECT");
	CU_ASSERT_STRING_EQUAL(p.result[WPAD_ODD], p.result[WPAD_EVEN]);
	CU_ASSERT_PTR_NOT_NULL(strstr(p.why[WPAD_EVEN], "is down"));
	wpad_pac_free(&p);
	/* Both down: the normal order stays, the scripts stay valid. */
	down[WPAD_PARTNER] = 1;
	CU_ASSERT_EQUAL_FATAL(wpad_pac_build(&p, &c->wpad, down, &cause), 0);
	CU_ASSERT_STRING_EQUAL(p.result[WPAD_EVEN],
	    "PROXY 198.18.0.1:8080; PROXY 198.18.0.2:8080; DIRECT");
	CU_ASSERT_STRING_EQUAL(p.result[WPAD_ODD],
	    "PROXY 198.18.0.2:8080; PROXY 198.18.0.1:8080; DIRECT");
	wpad_pac_free(&p);
	cfg_free(c);
}

/* The rules: isInNet only in the IPv4-literal branch, domains as text. */
static void
test_wpad_pac_build_rules(void)
{
	struct cfg	*c;
	struct wpad_pac	 p;
	const char	*cause, *s, *v6;

	c = load_peer("proxy-a.example:3128", "[fd00::2]:3128",
	    "direct 127.0.0.0/255.255.255.0; direct 198.19.0.0/16; "
	    "direct fd00::/8; direct-domain example.org; "
	    "direct-domain .corp.example; plain-hosts-direct no;");
	CU_ASSERT_EQUAL_FATAL(wpad_pac_build(&p, &c->wpad, NULL, &cause), 0);
	s = p.script[WPAD_EVEN];
	CU_ASSERT_PTR_NOT_NULL(strstr(s,
	    "isInNet(host, \"127.0.0.0\", \"255.255.255.0\")"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s,
	    "isInNet(host, \"198.19.0.0\", \"255.255.0.0\")"));
	v6 = strstr(s, "isInNetEx(host, \"fd00::/8\")");
	CU_ASSERT_PTR_NOT_NULL(v6);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "host == \"example.org\" || "
	    "dnsDomainIs(host, \".example.org\")"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s,
	    "dnsDomainIs(host, \".corp.example\")"));
	CU_ASSERT_PTR_NULL(strstr(s, "isPlainHostName"));
	CU_ASSERT_PTR_NULL(strstr(s, "dnsResolve"));
	CU_ASSERT_PTR_NULL(strstr(s, "myIpAddress"));
	/* Canonical order puts the name (text "p...") after "fd00::2". */
	CU_ASSERT_STRING_EQUAL(p.result[WPAD_EVEN],
	    "PROXY [fd00::2]:3128; PROXY proxy-a.example:3128");
	wpad_pac_free(&p);
	cfg_free(c);
}

/* The my-ip-address variant: one script, with a fixed order fallback. */
static void
test_wpad_pac_build_myip(void)
{
	struct cfg	*c;
	struct wpad_pac	 p;
	const char	*cause;

	c = load_peer("198.18.0.1:8080", "198.18.0.2:8080",
	    "script my-ip-address;");
	CU_ASSERT_EQUAL_FATAL(wpad_pac_build(&p, &c->wpad, NULL, &cause), 0);
	CU_ASSERT_PTR_NOT_NULL(p.script[0]);
	CU_ASSERT_PTR_NULL(p.script[1]);
	CU_ASSERT_PTR_NOT_NULL(strstr(p.script[0], "myIpAddress()"));
	CU_ASSERT_PTR_NULL(strstr(p.script[0], "myIpAddressEx"));
	wpad_pac_free(&p);
	cfg_free(c);
}

/* The built-in check refuses what a generator bug could produce. */
static void
test_wpad_verify_rejects(void)
{
	struct cfg	*c;
	struct wpad_pac	 p;
	const char	*cause;
	char		*s, *bad;
	size_t		 n;

	c = load_peer("198.18.0.1:8080", "198.18.0.2:8080",
	    "direct 10.0.0.0/8; direct fd00::/8; direct-domain example.org;");
	CU_ASSERT_EQUAL_FATAL(wpad_pac_build(&p, &c->wpad, NULL, &cause), 0);
	s = p.script[WPAD_EVEN];
	CU_ASSERT_EQUAL(verify(s), 0);
	n = strlen(s);
	bad = malloc(n + 256);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bad);

	/* Not ASCII. */
	snprintf(bad, n + 256, "%s// caf\xc3\xa9\n", s);
	CU_ASSERT_EQUAL(verify(bad), -1);
	/* A NUL inside. */
	CU_ASSERT_EQUAL(wpad_verify(s, n + 1, &cause), -1);
	/* alert, and DNS look-ups. */
	snprintf(bad, n + 256, "%s", s);
	memcpy(strstr(bad, "isPlainHostName"), "alert          ", 15);
	CU_ASSERT_EQUAL(verify(bad), -1);
	snprintf(bad, n + 256, "%s", s);
	memcpy(strstr(bad, "isPlainHostName"), "dnsResolve     ", 15);
	CU_ASSERT_EQUAL(verify(bad), -1);
	/* isInNet outside the IPv4-literal branch. */
	snprintf(bad, n + 256, "%s", s);
	memcpy(strstr(bad, "dnsDomainIs(host, \".example.org\")"),
	    "isInNet(host,\"1.0.0.0\",\"255.0.0.0\")", 33);
	CU_ASSERT_EQUAL(verify(bad), -1);
	/* An unbalanced bracket. */
	snprintf(bad, n + 256, "%s}\n", s);
	CU_ASSERT_EQUAL(verify(bad), -1);
	/* A string that is not closed, or holds a backslash. */
	snprintf(bad, n + 256, "%s", s);
	*strstr(bad, "\"DIRECT\"") = '\\';
	CU_ASSERT_EQUAL(verify(bad), -1);
	/* A return value that is not a PAC result. */
	snprintf(bad, n + 256, "%s", s);
	memcpy(strstr(bad, "return \"PROXY"), "return \"PROXX", 13);
	CU_ASSERT_EQUAL(verify(bad), -1);
	/* No FindProxyForURL. */
	CU_ASSERT_EQUAL(verify("// nothing\n"), -1);

	free(bad);
	wpad_pac_free(&p);
	cfg_free(c);
}

/* Every script of every variant is plain ASCII and passes the check. */
static void
test_wpad_pac_build_all_verify(void)
{
	static const char *const extras[] = {
		"", "balance no;", "fallback-direct yes;",
		"script my-ip-address;", "script my-ip-address; balance no;",
		"direct 0.0.0.0/0; direct ::/0;", NULL
	};
	struct cfg	*c;
	struct wpad_pac	 p;
	const char	*cause;
	int		 i, j, down[WPAD_NPROXY];

	for (i = 0; extras[i] != NULL; i++) {
		c = load_peer("198.18.0.1:8080", "proxy-b.example:8080",
		    extras[i]);
		for (j = 0; j < 4; j++) {
			down[WPAD_SELF] = j & 1;
			down[WPAD_PARTNER] = (j >> 1) & 1;
			CU_ASSERT_EQUAL_FATAL(wpad_pac_build(&p, &c->wpad,
			    down, &cause), 0);
			CU_ASSERT_EQUAL(verify(p.script[0]), 0);
			if (p.script[1] != NULL)
				CU_ASSERT_EQUAL(verify(p.script[1]), 0);
			wpad_pac_free(&p);
		}
		cfg_free(c);
	}
}

/* Golden file: the even script of the example peer A config. */
static void
test_wpad_pac_build_golden(void)
{
	struct cfg	*c;
	struct cfg_msgs	 msgs;
	struct wpad_pac	 p;
	const char	*cause;
	char		*want, path[4096];
	size_t		 len;
	FILE		*f;
	int		 i;

	for (i = 0; i < WPAD_NSCRIPT; i++) {
		TAILQ_INIT(&msgs);
		c = cfg_load(unit_data("wpad/pair_a.conf"), &msgs);
		cfg_msgs_free(&msgs);
		CU_ASSERT_PTR_NOT_NULL_FATAL(c);
		CU_ASSERT_EQUAL_FATAL(wpad_pac_build(&p, &c->wpad, NULL,
		    &cause), 0);
		snprintf(path, sizeof path, "%s", unit_data(i == WPAD_EVEN ?
		    "wpad/pair_even.pac" : "wpad/pair_odd.pac"));
		if (getenv("UPDATE_GOLDEN") != NULL &&
		    (f = fopen(path, "w")) != NULL) {
			fwrite(p.script[i], 1, p.len[i], f);
			fclose(f);
		}
		want = unit_slurp(path, &len);
		CU_ASSERT_PTR_NOT_NULL(want);
		if (want != NULL)
			CU_ASSERT_STRING_EQUAL(p.script[i], want);
		free(want);
		wpad_pac_free(&p);
		cfg_free(c);
	}
}

static CU_TestInfo wpad_pac_tests[] = {
	{ "test_wpad_hostport_cmp_order", test_wpad_hostport_cmp_order },
	{ "test_wpad_pac_build_symmetric", test_wpad_pac_build_symmetric },
	{ "test_wpad_pac_select_parity", test_wpad_pac_select_parity },
	{ "test_wpad_pac_build_balance_down",
	    test_wpad_pac_build_balance_down },
	{ "test_wpad_pac_build_rules", test_wpad_pac_build_rules },
	{ "test_wpad_pac_build_myip", test_wpad_pac_build_myip },
	{ "test_wpad_verify_rejects", test_wpad_verify_rejects },
	{ "test_wpad_pac_build_all_verify", test_wpad_pac_build_all_verify },
	{ "test_wpad_pac_build_golden", test_wpad_pac_build_golden },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(wpad_pac_suite, "wpad_pac", wpad_pac_tests)
