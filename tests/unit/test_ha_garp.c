/* test_ha_garp.c: gratuitous ARP and neighbour advertisement frames. */
#include <arpa/inet.h>
#include <string.h>

#include "cfg.h"
#include "ha/ha.h"
#include "unit.h"

static const unsigned char mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

static void
test_ha_garp_arp_request_bytes(void)
{
	static const unsigned char want[HA_ARP_FRAMELEN] = {
		/* Ethernet: broadcast, from us, ARP */
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06,
		/* ARP: Ethernet/IPv4, 6/4, request */
		0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 198, 18, 0, 100,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 198, 18, 0, 100,
		/* padding to 60 bytes */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
	};
	unsigned char	buf[HA_ARP_FRAMELEN];
	struct in_addr	ip;

	inet_pton(AF_INET, "198.18.0.100", &ip);
	memset(buf, 0xaa, sizeof buf);
	CU_ASSERT_EQUAL(ha_garp_arp_frame(buf, mac, &ip, 0), HA_ARP_FRAMELEN);
	CU_ASSERT_EQUAL(memcmp(buf, want, sizeof want), 0);
}

static void
test_ha_garp_arp_reply_bytes(void)
{
	unsigned char	buf[HA_ARP_FRAMELEN];
	struct in_addr	ip;

	inet_pton(AF_INET, "198.18.0.100", &ip);
	ha_garp_arp_frame(buf, mac, &ip, 1);
	CU_ASSERT_EQUAL(buf[20], 0);
	CU_ASSERT_EQUAL(buf[21], 2);			/* reply */
	CU_ASSERT_EQUAL(memcmp(buf + 22, mac, 6), 0);	/* sender MAC */
	CU_ASSERT_EQUAL(memcmp(buf + 32, mac, 6), 0);	/* target = sender */
	CU_ASSERT_EQUAL(memcmp(buf + 28, &ip, 4), 0);
	CU_ASSERT_EQUAL(memcmp(buf + 38, &ip, 4), 0);
	CU_ASSERT_EQUAL(memcmp(buf, "\xff\xff\xff\xff\xff\xff", 6), 0);
}

static void
test_ha_garp_na_bytes(void)
{
	static const unsigned char want[HA_NA_FRAMELEN] = {
		/* Ethernet: 33:33:00:00:00:01, from us, IPv6 */
		0x33, 0x33, 0x00, 0x00, 0x00, 0x01,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x86, 0xdd,
		/* IPv6: payload 32, ICMPv6, hop limit 255 */
		0x60, 0, 0, 0, 0x00, 0x20, 58, 255,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00,
		0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
		/* NA, checksum 0xf72c (computed independently), O flag */
		136, 0, 0xf7, 0x2c, 0x20, 0, 0, 0,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00,
		/* target link-layer address option */
		2, 1, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01
	};
	unsigned char	buf[HA_NA_FRAMELEN];
	struct in6_addr	ip;

	inet_pton(AF_INET6, "2001:db8::100", &ip);
	CU_ASSERT_EQUAL(ha_garp_na_frame(buf, mac, &ip), HA_NA_FRAMELEN);
	CU_ASSERT_EQUAL(memcmp(buf, want, sizeof want), 0);
}

static void
test_ha_garp_parse_claim_cases(void)
{
	static const unsigned char other[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	unsigned char	buf[HA_ARP_FRAMELEN], got[6];
	struct cidr	fip;
	struct addr	ip;
	struct in_addr	in;
	const char	*cause;
	char		s[32];

	cidr_parse("198.18.0.0/24", &fip, &cause);
	addr_parse("198.18.0.100", &fip.a, &cause);
	inet_pton(AF_INET, "198.18.0.100", &in);

	/* Another MAC announcing the floating IP: a claim. */
	ha_garp_arp_frame(buf, other, &in, 0);
	CU_ASSERT_EQUAL(ha_garp_parse_claim(buf, sizeof buf, mac, &fip, 1,
	    got, &ip), 1);
	CU_ASSERT_EQUAL(memcmp(got, other, 6), 0);
	CU_ASSERT_STRING_EQUAL(addr_ntop(&ip, s, sizeof s), "198.18.0.100");
	ha_garp_arp_frame(buf, other, &in, 1);
	CU_ASSERT_EQUAL(ha_garp_parse_claim(buf, sizeof buf, mac, &fip, 1,
	    got, &ip), 1);
	/* Our own frame, another address, a short or non-ARP frame: not. */
	ha_garp_arp_frame(buf, mac, &in, 0);
	CU_ASSERT_EQUAL(ha_garp_parse_claim(buf, sizeof buf, mac, &fip, 1,
	    got, &ip), 0);
	inet_pton(AF_INET, "198.18.0.2", &in);
	ha_garp_arp_frame(buf, other, &in, 0);
	CU_ASSERT_EQUAL(ha_garp_parse_claim(buf, sizeof buf, mac, &fip, 1,
	    got, &ip), 0);
	inet_pton(AF_INET, "198.18.0.100", &in);
	ha_garp_arp_frame(buf, other, &in, 0);
	CU_ASSERT_EQUAL(ha_garp_parse_claim(buf, 41, mac, &fip, 1, got, &ip),
	    0);
	buf[13] = 0x00;
	CU_ASSERT_EQUAL(ha_garp_parse_claim(buf, sizeof buf, mac, &fip, 1,
	    got, &ip), 0);
}

/* Neighbour advertisements for an IPv6 floating IP from another MAC. */
static void
test_ha_garp_parse_claim_na(void)
{
	static const unsigned char other[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	unsigned char	buf[HA_NA_FRAMELEN], got[6];
	struct cidr	fip[2];
	struct addr	ip;
	struct in6_addr	in6;
	const char	*cause;
	char		s[64];

	cidr_parse("198.18.0.0/24", &fip[0], &cause);
	addr_parse("198.18.0.100", &fip[0].a, &cause);
	cidr_parse("2001:2::/64", &fip[1], &cause);
	addr_parse("2001:2::100", &fip[1].a, &cause);
	inet_pton(AF_INET6, "2001:2::100", &in6);

	ha_garp_na_frame(buf, other, &in6);
	CU_ASSERT_EQUAL(ha_garp_parse_claim(buf, sizeof buf, mac, fip, 2,
	    got, &ip), 1);
	CU_ASSERT_EQUAL(memcmp(got, other, 6), 0);
	CU_ASSERT_STRING_EQUAL(addr_ntop(&ip, s, sizeof s), "2001:2::100");
	/* Only IPv4 floating IPs configured: not ours to worry about. */
	CU_ASSERT_EQUAL(ha_garp_parse_claim(buf, sizeof buf, mac, fip, 1,
	    got, &ip), 0);
	/* Our own advertisement, another target, truncated, not an NA. */
	ha_garp_na_frame(buf, mac, &in6);
	CU_ASSERT_EQUAL(ha_garp_parse_claim(buf, sizeof buf, mac, fip, 2,
	    got, &ip), 0);
	inet_pton(AF_INET6, "2001:2::1", &in6);
	ha_garp_na_frame(buf, other, &in6);
	CU_ASSERT_EQUAL(ha_garp_parse_claim(buf, sizeof buf, mac, fip, 2,
	    got, &ip), 0);
	inet_pton(AF_INET6, "2001:2::100", &in6);
	ha_garp_na_frame(buf, other, &in6);
	CU_ASSERT_EQUAL(ha_garp_parse_claim(buf, 14 + 40 + 23, mac, fip, 2,
	    got, &ip), 0);
	buf[14 + 40] = 135;		/* a solicitation */
	CU_ASSERT_EQUAL(ha_garp_parse_claim(buf, sizeof buf, mac, fip, 2,
	    got, &ip), 0);
	buf[14 + 40] = 136;
	buf[14 + 6] = 17;		/* UDP, not ICMPv6 */
	CU_ASSERT_EQUAL(ha_garp_parse_claim(buf, sizeof buf, mac, fip, 2,
	    got, &ip), 0);
}

static CU_TestInfo tests[] = {
	{ "gratuitous ARP request bytes", test_ha_garp_arp_request_bytes },
	{ "gratuitous ARP reply bytes", test_ha_garp_arp_reply_bytes },
	{ "unsolicited neighbour advertisement bytes", test_ha_garp_na_bytes },
	{ "foreign claims of the floating IP", test_ha_garp_parse_claim_cases },
	{ "foreign neighbour advertisements", test_ha_garp_parse_claim_na },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(ha_garp_suite, "ha_garp", tests)
