/*
 * test_lb_persist.c: persistence: the L7 cookie (value encoding and
 * verification, finding it in a Cookie header, the Set-Cookie value, when
 * to insert it) and the L4 sticky table (netmasks, timeouts on a fake
 * clock, the bound and its counters).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "lb/lb.h"
#include "unit.h"

static const unsigned char secret[] = "sixteen bytes or more of secret";

/* A key for cluster <name>. */
static void
key_of(const char *name, unsigned char *key)
{
	lb_cookie_key(secret, sizeof secret - 1, name, key);
}

static void
test_lb_cookie_roundtrip(void)
{
	unsigned char	 key[LB_COOKIE_KEYLEN];
	char		 v[LB_COOKIE_VALLEN + 1];
	uint32_t	 tok, got = 0;
	size_t		 i;

	key_of("web", key);
	tok = lb_cookie_token(key, "s1");
	CU_ASSERT_EQUAL(tok, lb_cookie_token(key, "s1"));
	CU_ASSERT_NOT_EQUAL(tok, lb_cookie_token(key, "s2"));
	CU_ASSERT_EQUAL(lb_cookie_encode(key, 42, tok, v), 0);
	CU_ASSERT_EQUAL(strlen(v), LB_COOKIE_VALLEN);
	for (i = 0; i < LB_COOKIE_VALLEN; i++)
		CU_ASSERT_TRUE(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
		    "opqrstuvwxyz0123456789-_", v[i]) != NULL);
	CU_ASSERT_EQUAL(lb_cookie_decode(key, 42, v, strlen(v), &got),
	    LB_COOKIE_OK);
	CU_ASSERT_EQUAL(got, tok);
	/* Deterministic: both peers of a pair make the same cookie. */
	{
		char	w[LB_COOKIE_VALLEN + 1];

		CU_ASSERT_EQUAL(lb_cookie_encode(key, 42, tok, w), 0);
		CU_ASSERT_STRING_EQUAL(v, w);
	}
	CU_ASSERT_STRING_EQUAL(lb_cookie_verdict_str(LB_COOKIE_STALE),
	    "stale");
}

/*
 * The format is fixed: both peers, and the versions before and after an
 * upgrade, must read each other's cookies. These values were computed
 * apart from this code (Python's hmac and base64 modules).
 */
static void
test_lb_cookie_golden(void)
{
	unsigned char	 key[LB_COOKIE_KEYLEN];
	char		 v[LB_COOKIE_VALLEN + 1];
	uint32_t	 got;

	key_of("web", key);
	CU_ASSERT_EQUAL(lb_cookie_encode(key, 42, lb_cookie_token(key, "s1"),
	    v), 0);
	CU_ASSERT_STRING_EQUAL(v, "AQAAACqtQFynGsYeak3EKcZnLRQIMdxx");
	/* Authentic, but a version this code does not know. */
	CU_ASSERT_EQUAL(lb_cookie_decode(key, 42,
	    "AgAAACqtQFynBRLAUovvBvS6KxgwDV7z", 32, &got),
	    LB_COOKIE_MALFORMED);
}

/* Every change is caught, and each kind of wrong cookie named. */
static void
test_lb_cookie_rejects(void)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char	 key[LB_COOKIE_KEYLEN], other[LB_COOKIE_KEYLEN];
	char		 v[LB_COOKIE_VALLEN + 1], t[LB_COOKIE_VALLEN + 2];
	uint32_t	 tok, got = 12345;
	size_t		 i;
	int		 forged = 0;

	key_of("web", key);
	key_of("shop", other);
	tok = lb_cookie_token(key, "s1");
	CU_ASSERT_EQUAL(lb_cookie_encode(key, 3, tok, v), 0);

	/* Tampered: any one character changed, anywhere. */
	for (i = 0; i < LB_COOKIE_VALLEN; i++) {
		memcpy(t, v, sizeof v);
		t[i] = t[i] == 'A' ? 'B' : 'A';
		forged += lb_cookie_decode(key, 3, t, LB_COOKIE_VALLEN,
		    &got) == LB_COOKIE_FORGED;
	}
	CU_ASSERT_EQUAL(forged, LB_COOKIE_VALLEN);
	/* Another cluster's, same secret and server name. */
	CU_ASSERT_EQUAL(lb_cookie_decode(other, 3, v, LB_COOKIE_VALLEN, &got),
	    LB_COOKIE_FORGED);
	CU_ASSERT_NOT_EQUAL(lb_cookie_token(other, "s1"), tok);
	/* An older (or newer) generation. */
	CU_ASSERT_EQUAL(lb_cookie_decode(key, 4, v, LB_COOKIE_VALLEN, &got),
	    LB_COOKIE_STALE);
	CU_ASSERT_EQUAL(lb_cookie_decode(key, 2, v, LB_COOKIE_VALLEN, &got),
	    LB_COOKIE_STALE);
	/* Truncated, extended, empty. */
	CU_ASSERT_EQUAL(lb_cookie_decode(key, 3, v, LB_COOKIE_VALLEN - 1,
	    &got), LB_COOKIE_MALFORMED);
	memcpy(t, v, sizeof v);
	t[LB_COOKIE_VALLEN] = 'A';
	t[LB_COOKIE_VALLEN + 1] = '\0';
	CU_ASSERT_EQUAL(lb_cookie_decode(key, 3, t, LB_COOKIE_VALLEN + 1,
	    &got), LB_COOKIE_MALFORMED);
	CU_ASSERT_EQUAL(lb_cookie_decode(key, 3, "", 0, &got),
	    LB_COOKIE_MALFORMED);
	/* Garbage of the right length: outside the alphabet, or random. */
	CU_ASSERT_EQUAL(lb_cookie_decode(key, 3,
	    "abcdefghijklmnopqrstuvwxyz01234=", 32, &got),
	    LB_COOKIE_MALFORMED);
	CU_ASSERT_EQUAL(lb_cookie_decode(key, 3,
	    "abcdefghijklmnopqrstuvwxyz01234+", 32, &got),
	    LB_COOKIE_MALFORMED);
	CU_ASSERT_EQUAL(lb_cookie_decode(key, 3,
	    "abcdefghijklmnop rstuvwxyz012345", 32, &got),
	    LB_COOKIE_MALFORMED);
	memcpy(t, v, sizeof v);
	t[5] = '\0';
	CU_ASSERT_EQUAL(lb_cookie_decode(key, 3, t, LB_COOKIE_VALLEN, &got),
	    LB_COOKIE_MALFORMED);
	for (i = 0; i < LB_COOKIE_VALLEN; i++)
		t[i] = b64[(i * 7 + 3) % 64];
	CU_ASSERT_EQUAL(lb_cookie_decode(key, 3, t, LB_COOKIE_VALLEN, &got),
	    LB_COOKIE_FORGED);
	/* Nothing was believed. */
	CU_ASSERT_EQUAL(got, 12345);
}

/* A cookie names its server by name alone: no address in it. */
static void
test_lb_cookie_no_address(void)
{
	struct lb_params	 p;
	struct lb_cluster	*c1, *c2;
	struct addr		 a1, a2;
	const char		*cause;
	char			 v1[LB_COOKIE_VALLEN + 1];
	char			 v2[LB_COOKIE_VALLEN + 1];

	memset(&p, 0, sizeof p);
	p.persist = LB_PERSIST_COOKIE;
	p.secret = secret;
	p.secretlen = sizeof secret - 1;
	CU_ASSERT_FATAL(addr_parse_port("198.18.0.11:80", &a1, &cause) == 0);
	CU_ASSERT_FATAL(addr_parse_port("198.18.9.99:8080", &a2, &cause) == 0);
	c1 = lb_cluster_new("web", &p);
	c2 = lb_cluster_new("web", &p);
	lb_cluster_add(c1, "s1", &a1, 1, 0, 0);
	lb_cluster_add(c2, "s1", &a2, 1, 0, 0);
	CU_ASSERT_FATAL(lb_cluster_finish(c1, &cause) == 0);
	CU_ASSERT_FATAL(lb_cluster_finish(c2, &cause) == 0);
	CU_ASSERT_EQUAL(lb_cookie_value(&c1->srv[0], v1), 0);
	CU_ASSERT_EQUAL(lb_cookie_value(&c2->srv[0], v2), 0);
	CU_ASSERT_STRING_EQUAL(v1, v2);
	lb_cluster_free(c1);
	lb_cluster_free(c2);
}

/* Return the <n>th value found for <name> in <hdr>, or "<none>". */
static const char *
find_nth(const char *hdr, const char *name, int n)
{
	static char	 out[128];
	const char	*val;
	size_t		 pos = 0, vlen;
	int		 i;

	for (i = 0; i <= n; i++)
		if (!lb_cookie_find(hdr, strlen(hdr), name, &pos, &val, &vlen))
			return ("<none>");
	snprintf(out, sizeof out, "%.*s", (int)vlen, val);
	return (out);
}

static void
test_lb_cookie_find(void)
{
	CU_ASSERT_STRING_EQUAL(find_nth("twinlb=abc", "twinlb", 0), "abc");
	CU_ASSERT_STRING_EQUAL(find_nth("a=1; twinlb=abc; b=2", "twinlb", 0),
	    "abc");
	CU_ASSERT_STRING_EQUAL(find_nth("a=1;twinlb=abc;b=2", "twinlb", 0),
	    "abc");
	CU_ASSERT_STRING_EQUAL(find_nth("a=1 ;\t twinlb = abc \t; b", "twinlb",
	    0), "abc");
	CU_ASSERT_STRING_EQUAL(find_nth("twinlb=\"abc\"", "twinlb", 0), "abc");
	CU_ASSERT_STRING_EQUAL(find_nth("twinlb=\"", "twinlb", 0), "\"");
	CU_ASSERT_STRING_EQUAL(find_nth("twinlb=", "twinlb", 0), "");
	CU_ASSERT_STRING_EQUAL(find_nth("twinlb=a=b", "twinlb", 0), "a=b");
	/* Names are exact and case-sensitive. */
	CU_ASSERT_STRING_EQUAL(find_nth("xtwinlb=1; twinlbx=2; TWINLB=3",
	    "twinlb", 0), "<none>");
	CU_ASSERT_STRING_EQUAL(find_nth("twinlb; =twinlb; ;;", "twinlb", 0),
	    "<none>");
	CU_ASSERT_STRING_EQUAL(find_nth("", "twinlb", 0), "<none>");
	/* Twice (two paths): both, in order. */
	CU_ASSERT_STRING_EQUAL(find_nth("twinlb=one; x=y; twinlb=two;",
	    "twinlb", 0), "one");
	CU_ASSERT_STRING_EQUAL(find_nth("twinlb=one; x=y; twinlb=two;",
	    "twinlb", 1), "two");
	CU_ASSERT_STRING_EQUAL(find_nth("twinlb=one; x=y; twinlb=two;",
	    "twinlb", 2), "<none>");
	/* Bytes past the length are not read; NULs are just bytes. */
	{
		const char	 hdr[] = "a=1\0; twinlb=zz";
		const char	*val;
		size_t		 pos = 0, vlen;

		CU_ASSERT_EQUAL(lb_cookie_find(hdr, sizeof hdr - 1, "twinlb",
		    &pos, &val, &vlen), 1);
		CU_ASSERT_TRUE(vlen == 2 && memcmp(val, "zz", 2) == 0);
		pos = 0;
		CU_ASSERT_EQUAL(lb_cookie_find(hdr, 12, "twinlb", &pos, &val,
		    &vlen), 0);
	}
}

static void
test_lb_cookie_set_value(void)
{
	struct lb_cookie_attrs	 a;
	char			 buf[256];

	memset(&a, 0, sizeof a);
	a.name = "twinlb";
	a.path = "/";
	CU_ASSERT_TRUE(lb_cookie_set_value(buf, sizeof buf, &a, "VALUE",
	    1700000000) > 0);
	CU_ASSERT_STRING_EQUAL(buf, "twinlb=VALUE; Path=/; HttpOnly");
	a.age = 3600 * 1000;
	a.domain = "example.com";
	a.secure = 1;
	CU_ASSERT_TRUE(lb_cookie_set_value(buf, sizeof buf, &a, "VALUE",
	    1700000000) > 0);
	CU_ASSERT_STRING_EQUAL(buf, "twinlb=VALUE; Path=/; Domain=example.com; "
	    "Max-Age=3600; Expires=Tue, 14 Nov 2023 23:13:20 GMT; HttpOnly; "
	    "Secure");
	/* Under a second is a second, not a cookie already dead. */
	a.age = 500;
	a.domain = NULL;
	a.path = NULL;
	a.secure = 0;
	CU_ASSERT_TRUE(lb_cookie_set_value(buf, sizeof buf, &a, "V", 0) > 0);
	CU_ASSERT_STRING_EQUAL(buf, "twinlb=V; Max-Age=1; Expires=Thu, 01 Jan "
	    "1970 00:00:01 GMT; HttpOnly");
	/* Every length short of the whole is refused, not truncated. */
	a.age = 0;
	CU_ASSERT_EQUAL(lb_cookie_set_value(buf, sizeof buf, &a, "V", 0),
	    (int)strlen("twinlb=V; HttpOnly"));
	CU_ASSERT_EQUAL(lb_cookie_set_value(buf, strlen("twinlb=V; HttpOnly"),
	    &a, "V", 0), -1);
	CU_ASSERT_EQUAL(lb_cookie_set_value(buf, 3, &a, "V", 0), -1);
	/* Nothing that would split the header or add an attribute. */
	CU_ASSERT_EQUAL(lb_cookie_set_value(buf, sizeof buf, &a, "V; Secure",
	    0), -1);
	CU_ASSERT_EQUAL(lb_cookie_set_value(buf, sizeof buf, &a, "V\r\nX: y",
	    0), -1);
	a.path = "/a b";
	CU_ASSERT_EQUAL(lb_cookie_set_value(buf, sizeof buf, &a, "V", 0), -1);
	a.path = "/";
	a.name = "a=b";
	CU_ASSERT_EQUAL(lb_cookie_set_value(buf, sizeof buf, &a, "V", 0), -1);
}

/*
 * A cookie cluster end to end: a new client is scheduled and given the
 * cookie (if the server set one, or always), comes back to its server,
 * and loses it to a forged, stale or orphaned cookie.
 */
static void
test_lb_select_cookie(void)
{
	struct lb_params	 p;
	struct lb_cluster	*cl, *cl2;
	struct lb_pick		 pk;
	struct lb_server	*first;
	const char		*cause;
	char			 v[LB_COOKIE_VALLEN + 1], hdr[128];

	memset(&p, 0, sizeof p);
	p.mode = LB_MODE_L7;
	p.persist = LB_PERSIST_COOKIE;
	p.secret = secret;
	p.secretlen = sizeof secret - 1;
	p.generation = 1;
	cl = lb_cluster_new("web", &p);
	lb_cluster_add(cl, "s1", NULL, 1, 1, 0);
	lb_cluster_add(cl, "s2", NULL, 1, 1, 0);
	lb_cluster_add(cl, "s3", NULL, 1, 1, 0);
	CU_ASSERT_FATAL(lb_cluster_finish(cl, &cause) == 0);

	CU_ASSERT_EQUAL(lb_select_cookie(cl, NULL, 0, NULL, 0, &pk), 0);
	first = pk.srv;
	CU_ASSERT_EQUAL(pk.reason, LB_R_SCHEDULED);
	CU_ASSERT_EQUAL(pk.cookie_ok, 0);
	CU_ASSERT_EQUAL(lb_cookie_want(cl, &pk, 1), 1);
	CU_ASSERT_EQUAL(lb_cookie_want(cl, &pk, 0), 0);
	cl->p.cookie_always = 1;
	CU_ASSERT_EQUAL(lb_cookie_want(cl, &pk, 0), 1);
	CU_ASSERT_EQUAL(lb_cookie_value(first, v), 0);

	/* Back with it: its server, though that one is at its maxconn. */
	snprintf(hdr, sizeof hdr, "lang=ja; twinlb=%s; x=1", v);
	CU_ASSERT_EQUAL(first->active, 1);
	CU_ASSERT_EQUAL(lb_select_cookie(cl, hdr, strlen(hdr), NULL, 0, &pk),
	    0);
	CU_ASSERT_PTR_EQUAL(pk.srv, first);
	CU_ASSERT_EQUAL(pk.reason, LB_R_PERSISTENT);
	CU_ASSERT_EQUAL(first->active, 2);
	CU_ASSERT_EQUAL(pk.cookie_ok, 1);
	CU_ASSERT_EQUAL(lb_cookie_want(cl, &pk, 1), 0);
	lb_server_release(pk.srv);

	/* A forged cookie before the good one: skipped, counted. */
	snprintf(hdr, sizeof hdr, "twinlb=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA; "
	    "twinlb=%s", v);
	CU_ASSERT_EQUAL(lb_select_cookie(cl, hdr, strlen(hdr), NULL, 0, &pk),
	    0);
	CU_ASSERT_PTR_EQUAL(pk.srv, first);
	CU_ASSERT_EQUAL(cl->st.cookie_bad, 1);
	lb_server_release(pk.srv);

	/* A new generation orphans it. */
	cl->p.generation = 2;
	snprintf(hdr, sizeof hdr, "twinlb=%s", v);
	CU_ASSERT_EQUAL(lb_select_cookie(cl, hdr, strlen(hdr), NULL, 0, &pk),
	    0);
	CU_ASSERT_EQUAL(pk.reason, LB_R_SCHEDULED);
	CU_ASSERT_EQUAL(cl->st.cookie_stale, 1);
	CU_ASSERT_EQUAL(lb_cookie_want(cl, &pk, 0), 1);
	lb_server_release(pk.srv);
	cl->p.generation = 1;

	/* A server removed by a reload: the cookie names nobody now. */
	cl2 = lb_cluster_new("web", &p);
	lb_cluster_add(cl2, first == &cl->srv[0] ? "s2" : "s1", NULL, 1, 0, 0);
	CU_ASSERT_FATAL(lb_cluster_finish(cl2, &cause) == 0);
	CU_ASSERT_EQUAL(lb_select_cookie(cl2, hdr, strlen(hdr), NULL, 0, &pk),
	    0);
	CU_ASSERT_EQUAL(pk.reason, LB_R_SCHEDULED);
	CU_ASSERT_EQUAL(cl2->st.cookie_stale, 1);
	lb_server_release(pk.srv);
	lb_cluster_free(cl2);

	/* A dont-persist server gets no cookie. */
	first->flags |= LB_SRV_DONT_PERSIST;
	CU_ASSERT_EQUAL(lb_select_cookie(cl, hdr, strlen(hdr), NULL, 0, &pk),
	    0);
	CU_ASSERT_EQUAL(pk.drop, 1);
	CU_ASSERT_PTR_NOT_EQUAL(pk.srv, first);
	lb_server_release(pk.srv);
	first->flags &= ~LB_SRV_DONT_PERSIST;
	first->active = 0;
	CU_ASSERT_EQUAL(lb_select_cookie(cl, hdr, strlen(hdr), NULL, 0, &pk),
	    0);
	CU_ASSERT_PTR_EQUAL(pk.srv, first);
	pk.srv->flags |= LB_SRV_DONT_PERSIST;
	pk.record = 0;
	CU_ASSERT_EQUAL(lb_cookie_want(cl, &pk, 1), 0);
	lb_cluster_free(cl);
}

/* Key a client address by a netmask. */
static void
key_for(struct lb_key *k, const char *addr, unsigned int p4, unsigned int p6)
{
	struct addr	a;
	const char	*cause;

	CU_ASSERT_FATAL(addr_parse(addr, &a, &cause) == 0);
	lb_key_addr(k, &a, p4, p6);
}

static void
test_lb_sticky_netmask(void)
{
	struct lb_key	a, b;
	uint32_t	spi = htonl(0xc6120107);	/* = 198.18.1.7 */

	key_for(&a, "198.18.1.7", 24, 128);
	key_for(&b, "198.18.1.200", 24, 128);
	CU_ASSERT_TRUE(lb_key_eq(&a, &b));
	CU_ASSERT_EQUAL(a.kind, LB_KEY_IP4);
	CU_ASSERT_TRUE(a.len == 4 && a.b[3] == 0 && a.b[2] == 1);
	key_for(&a, "198.18.1.7", 32, 128);
	key_for(&b, "198.18.1.200", 32, 128);
	CU_ASSERT_FALSE(lb_key_eq(&a, &b));
	key_for(&a, "198.18.31.7", 20, 128);
	CU_ASSERT_TRUE(a.b[2] == 16 && a.b[3] == 0);
	key_for(&a, "198.18.1.7", 0, 128);
	key_for(&b, "10.1.2.3", 0, 128);
	CU_ASSERT_TRUE(lb_key_eq(&a, &b));
	/* IPv6 takes its own netmask. */
	key_for(&a, "2001:2::1", 24, 64);
	key_for(&b, "2001:2::ffff:1", 24, 64);
	CU_ASSERT_TRUE(lb_key_eq(&a, &b));
	CU_ASSERT_EQUAL(a.kind, LB_KEY_IP6);
	key_for(&b, "2001:2:0:1::1", 24, 64);
	CU_ASSERT_FALSE(lb_key_eq(&a, &b));
	key_for(&a, "2001:2::1", 24, 128);
	key_for(&b, "2001:2::ffff:1", 24, 128);
	CU_ASSERT_FALSE(lb_key_eq(&a, &b));
	key_for(&a, "2001:2::f", 32, 125);
	CU_ASSERT_EQUAL(a.b[15], 8);
	/* Other kinds never meet an address with the same bytes. */
	key_for(&a, "198.18.1.7", 32, 128);
	CU_ASSERT_EQUAL(lb_key_set(&b, LB_KEY_SPI, &spi, 4), 0);
	CU_ASSERT_TRUE(memcmp(a.b, b.b, 4) == 0);
	CU_ASSERT_FALSE(lb_key_eq(&a, &b));
	CU_ASSERT_EQUAL(lb_key_set(&b, LB_KEY_HOA, "0123456789abcdefghijk",
	    21), -1);
}

static void
test_lb_sticky_timeout(void)
{
	struct lb_sticky	*t;
	struct lb_key		 k1, k2, k3, spi;
	uint32_t		 id = 0, v = 0x01020304;

	t = lb_sticky_new(100, 1000, LB_STICKY_EVICT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	key_for(&k1, "198.18.0.1", 32, 128);
	key_for(&k2, "198.18.0.2", 32, 128);
	key_for(&k3, "2001:2::3", 32, 128);
	lb_key_set(&spi, LB_KEY_SPI, &v, 4);
	CU_ASSERT_EQUAL(lb_sticky_get(t, &k1, 0, &id), 0);
	CU_ASSERT_EQUAL(lb_sticky_put(t, &k1, 11, 0), 0);
	CU_ASSERT_EQUAL(lb_sticky_get(t, &k1, 999, &id), 1);
	CU_ASSERT_EQUAL(id, 11);
	/* Refreshed at 999: alive until 1999. */
	CU_ASSERT_EQUAL(lb_sticky_get(t, &k1, 1998, &id), 1);
	CU_ASSERT_EQUAL(lb_sticky_get(t, &k1, 2997, &id), 1);
	CU_ASSERT_EQUAL(lb_sticky_get(t, &k1, 3997, &id), 0);
	CU_ASSERT_EQUAL(lb_sticky_count(t), 0);
	CU_ASSERT_EQUAL(lb_sticky_stats(t)->expired, 1);
	/* The tick removes what is due, oldest first, and stops there. */
	lb_sticky_put(t, &k1, 1, 10000);
	lb_sticky_put(t, &k2, 2, 10100);
	lb_sticky_put(t, &k3, 3, 10200);
	lb_sticky_put(t, &spi, 4, 10300);
	CU_ASSERT_EQUAL(lb_sticky_count(t), 4);
	CU_ASSERT_EQUAL(lb_sticky_expire(t, 10999), 0);
	CU_ASSERT_EQUAL(lb_sticky_expire(t, 11000), 1);
	CU_ASSERT_EQUAL(lb_sticky_get(t, &k2, 11050, &id), 1);	/* refresh */
	CU_ASSERT_EQUAL(lb_sticky_expire(t, 11200), 1);		/* k3 */
	CU_ASSERT_EQUAL(lb_sticky_count(t), 2);
	CU_ASSERT_EQUAL(lb_sticky_get(t, &spi, 11250, &id), 1);
	CU_ASSERT_EQUAL(id, 4);
	/* Moving an entry to another server keeps one entry. */
	CU_ASSERT_EQUAL(lb_sticky_put(t, &k2, 9, 11300), 0);
	CU_ASSERT_EQUAL(lb_sticky_count(t), 2);
	CU_ASSERT_EQUAL(lb_sticky_get(t, &k2, 11300, &id), 1);
	CU_ASSERT_EQUAL(id, 9);
	CU_ASSERT_EQUAL(lb_sticky_del(t, &k2), 1);
	CU_ASSERT_EQUAL(lb_sticky_del(t, &k2), 0);
	CU_ASSERT_EQUAL(lb_sticky_expire(t, 100000), 1);
	CU_ASSERT_EQUAL(lb_sticky_count(t), 0);
	lb_sticky_free(t);
}

static void
test_lb_sticky_bound(void)
{
	struct lb_sticky	*t;
	struct lb_key		 k[5];
	char			 a[32];
	uint32_t		 id;
	int			 i;

	for (i = 0; i < 5; i++) {
		snprintf(a, sizeof a, "198.18.2.%d", i + 1);
		key_for(&k[i], a, 32, 128);
	}
	/* Evict: the least recently used goes, counted. */
	t = lb_sticky_new(3, 60000, LB_STICKY_EVICT);
	for (i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(lb_sticky_put(t, &k[i], i, i), 0);
	CU_ASSERT_EQUAL(lb_sticky_get(t, &k[0], 10, &id), 1);
	CU_ASSERT_EQUAL(lb_sticky_put(t, &k[3], 3, 11), 0);
	CU_ASSERT_EQUAL(lb_sticky_count(t), 3);
	CU_ASSERT_EQUAL(lb_sticky_stats(t)->evicted, 1);
	CU_ASSERT_EQUAL(lb_sticky_get(t, &k[1], 12, &id), 0);
	CU_ASSERT_EQUAL(lb_sticky_get(t, &k[0], 12, &id), 1);
	CU_ASSERT_EQUAL(lb_sticky_get(t, &k[3], 12, &id), 1);
	/* A dead oldest entry makes room without an eviction. */
	CU_ASSERT_EQUAL(lb_sticky_put(t, &k[4], 4, 60002), 0);
	CU_ASSERT_EQUAL(lb_sticky_stats(t)->evicted, 1);
	CU_ASSERT_EQUAL(lb_sticky_stats(t)->expired, 1);
	lb_sticky_free(t);
	/* Refuse: the table keeps what it has, the newcomer goes without. */
	t = lb_sticky_new(3, 60000, LB_STICKY_REFUSE);
	for (i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(lb_sticky_put(t, &k[i], i, i), 0);
	CU_ASSERT_EQUAL(lb_sticky_put(t, &k[3], 3, 10), -1);
	CU_ASSERT_EQUAL(lb_sticky_stats(t)->refused, 1);
	CU_ASSERT_EQUAL(lb_sticky_put(t, &k[1], 7, 10), 0);	/* update */
	for (i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(lb_sticky_get(t, &k[i], 20, &id), 1);
	CU_ASSERT_EQUAL(lb_sticky_get(t, &k[3], 20, &id), 0);
	lb_sticky_free(t);
}

/* Many entries: the table grows and finds every one of them. */
static void
test_lb_sticky_many(void)
{
	struct lb_sticky	*t;
	struct lb_key		 k;
	uint32_t		 i, id, found = 0, v;

	t = lb_sticky_new(50000, 60000, LB_STICKY_EVICT);
	for (i = 0; i < 60000; i++) {
		v = htonl(0xc6120000 + i);
		lb_key_set(&k, LB_KEY_IP4, &v, 4);
		CU_ASSERT_EQUAL(lb_sticky_put(t, &k, i, i / 100), 0);
	}
	CU_ASSERT_EQUAL(lb_sticky_count(t), 50000);
	CU_ASSERT_EQUAL(lb_sticky_stats(t)->evicted, 10000);
	for (i = 0; i < 60000; i++) {
		v = htonl(0xc6120000 + i);
		lb_key_set(&k, LB_KEY_IP4, &v, 4);
		if (lb_sticky_get(t, &k, 600, &id) == 1) {
			found++;
			CU_ASSERT_EQUAL(id, i);
			CU_ASSERT_TRUE(i >= 10000);
		}
	}
	CU_ASSERT_EQUAL(found, 50000);
	CU_ASSERT_EQUAL(lb_sticky_expire(t, 600 + 60000), 50000);
	lb_sticky_free(t);
}

static CU_TestInfo lb_persist_tests[] = {
	{ "test_lb_cookie_roundtrip", test_lb_cookie_roundtrip },
	{ "test_lb_cookie_golden", test_lb_cookie_golden },
	{ "test_lb_cookie_rejects", test_lb_cookie_rejects },
	{ "test_lb_cookie_no_address", test_lb_cookie_no_address },
	{ "test_lb_cookie_find", test_lb_cookie_find },
	{ "test_lb_cookie_set_value", test_lb_cookie_set_value },
	{ "test_lb_select_cookie", test_lb_select_cookie },
	{ "test_lb_sticky_netmask", test_lb_sticky_netmask },
	{ "test_lb_sticky_timeout", test_lb_sticky_timeout },
	{ "test_lb_sticky_bound", test_lb_sticky_bound },
	{ "test_lb_sticky_many", test_lb_sticky_many },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(lb_persist_suite, "lb_persist", lb_persist_tests)
