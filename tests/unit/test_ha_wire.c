/*
 * test_ha_wire.c: heartbeat wire formats (versions 2 and 3), HMAC-SHA256
 * and the config fingerprints.
 */
#include <arpa/inet.h>
#include <string.h>

#include "cfg.h"
#include "ha/ha.h"
#include "unit.h"

static const unsigned char key[] = "0123456789abcdef0123456789abcdef";
#define KEYLEN	32

/* The heartbeat behind the golden bytes below. */
static void
sample_hb(struct ha_hb *hb)
{
	memset(hb, 0, sizeof *hb);
	hb->sender.af = AF_INET;
	inet_pton(AF_INET, "198.18.0.1", &hb->sender.u.v4);
	hb->flags = HA_F_HEALTHY | HA_F_YIELD | HA_F_HEARS;
	hb->role = HA_ROLE_PRIMARY;
	hb->state = HA_ACTIVE;
	hb->interval = 2000;
	hb->fingerprint = 0x0102030405060708ULL;
	hb->seq = 0x2122232425262728ULL;
	hb->echo = 0x3132333435363738ULL;
}

/* A version 1 heartbeat, authentic under <key>: epoch at 40, seq at 48. */
static const unsigned char v1_packet[HA_WIRE_LEN] = {
	'T', 'W', 'H', 'A', 1, 1, 4, 0x03,
	198, 18, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 2, 0, 0, 0x00, 0x00, 0x07, 0xd0,
	1, 2, 3, 4, 5, 6, 7, 8,
	0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
	0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,
	0xaf, 0x84, 0xa4, 0x87, 0x3f, 0xd7, 0x2c, 0x04,
	0x1b, 0xf1, 0xe4, 0xc9, 0x86, 0xdb, 0x40, 0xeb,
	0x42, 0x4e, 0xdd, 0xa5, 0x3b, 0x88, 0x91, 0x79,
	0xe3, 0xf7, 0x45, 0xb9, 0xc2, 0xe1, 0x18, 0x05
};

static void
test_ha_wire_encode_golden(void)
{
	static const unsigned char want[HA_WIRE_LEN] = {
		'T', 'W', 'H', 'A', 2, 1, 4, 0x0b,
		198, 18, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 2, 0, 0, 0x00, 0x00, 0x07, 0xd0,
		1, 2, 3, 4, 5, 6, 7, 8,
		/* sequence number, then the echo */
		0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,
		0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38,
		/* HMAC-SHA256 of the 56 bytes above (computed apart). */
		0xd7, 0x4b, 0xea, 0xd0, 0x9d, 0x8f, 0xa3, 0x4a,
		0x81, 0xb5, 0xe0, 0xa7, 0x3a, 0xde, 0x83, 0xbf,
		0x46, 0x04, 0x58, 0xe0, 0x87, 0x40, 0x00, 0x55,
		0xee, 0x7f, 0xa5, 0x88, 0xe1, 0x6a, 0x20, 0xd6
	};
	struct ha_hb	hb;
	unsigned char	buf[HA_WIRE_LEN];

	sample_hb(&hb);
	ha_wire_encode(&hb, key, KEYLEN, buf);
	CU_ASSERT_EQUAL(memcmp(buf, want, HA_WIRE_BODY), 0);
	CU_ASSERT_EQUAL(memcmp(buf + HA_WIRE_BODY, want + HA_WIRE_BODY,
	    HA_WIRE_MACLEN), 0);
}

/* RFC 4231 test cases 1 and 2. */
static void
test_ha_wire_hmac_rfc4231(void)
{
	static const unsigned char mac1[32] = {
		0xb0, 0x34, 0x4c, 0x61, 0xd8, 0xdb, 0x38, 0x53,
		0x5c, 0xa8, 0xaf, 0xce, 0xaf, 0x0b, 0xf1, 0x2b,
		0x88, 0x1d, 0xc2, 0x00, 0xc9, 0x83, 0x3d, 0xa7,
		0x26, 0xe9, 0x37, 0x6c, 0x2e, 0x32, 0xcf, 0xf7
	};
	static const unsigned char mac2[32] = {
		0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e,
		0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7,
		0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83,
		0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43
	};
	unsigned char	k1[20], out[32];

	memset(k1, 0x0b, sizeof k1);
	CU_ASSERT_EQUAL(ha_wire_hmac(k1, sizeof k1,
	    (const unsigned char *)"Hi There", 8, out), 0);
	CU_ASSERT_EQUAL(memcmp(out, mac1, 32), 0);
	CU_ASSERT_EQUAL(ha_wire_hmac((const unsigned char *)"Jefe", 4,
	    (const unsigned char *)"what do ya want for nothing?", 28, out),
	    0);
	CU_ASSERT_EQUAL(memcmp(out, mac2, 32), 0);
}

static void
test_ha_wire_decode_roundtrip(void)
{
	struct ha_hb	hb, got;
	unsigned char	buf[HA_WIRE_LEN];
	char		s[64];

	sample_hb(&hb);
	ha_wire_encode(&hb, key, KEYLEN, buf);
	CU_ASSERT_EQUAL(ha_wire_decode(buf, sizeof buf, key, KEYLEN, &got),
	    HA_RX_OK);
	CU_ASSERT_STRING_EQUAL(addr_ntop(&got.sender, s, sizeof s),
	    "198.18.0.1");
	CU_ASSERT_EQUAL(got.flags, hb.flags);
	CU_ASSERT_EQUAL(got.role, hb.role);
	CU_ASSERT_EQUAL(got.state, hb.state);
	CU_ASSERT_EQUAL(got.interval, 2000);
	CU_ASSERT_EQUAL(got.fingerprint, hb.fingerprint);
	CU_ASSERT_EQUAL(got.seq, hb.seq);
	CU_ASSERT_EQUAL(got.echo, hb.echo);

	/* IPv6 sender. */
	hb.sender.af = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", &hb.sender.u.v6);
	ha_wire_encode(&hb, key, KEYLEN, buf);
	CU_ASSERT_EQUAL(buf[6], 6);
	CU_ASSERT_EQUAL(ha_wire_decode(buf, sizeof buf, key, KEYLEN, &got),
	    HA_RX_OK);
	CU_ASSERT_STRING_EQUAL(addr_ntop(&got.sender, s, sizeof s),
	    "2001:db8::1");
}

static void
test_ha_wire_decode_refuses(void)
{
	struct ha_hb	hb, got;
	unsigned char	buf[HA_WIRE_LEN + 1], bad[HA_WIRE_LEN];
	size_t		i;

	sample_hb(&hb);
	ha_wire_encode(&hb, key, KEYLEN, buf);
	CU_ASSERT_EQUAL(ha_wire_decode(buf, HA_WIRE_LEN - 1, key, KEYLEN,
	    &got), HA_RX_TRUNCATED);
	CU_ASSERT_EQUAL(ha_wire_decode(buf, HA_WIRE_LEN + 1, key, KEYLEN,
	    &got), HA_RX_TRUNCATED);
	CU_ASSERT_EQUAL(ha_wire_decode(buf, 0, key, KEYLEN, &got),
	    HA_RX_TRUNCATED);
	/* Any flipped bit after the magic is a forgery, the version too. */
	for (i = 4; i < HA_WIRE_LEN; i++) {
		memcpy(bad, buf, HA_WIRE_LEN);
		bad[i] ^= 0x01;
		CU_ASSERT_EQUAL(ha_wire_decode(bad, HA_WIRE_LEN, key, KEYLEN,
		    &got), HA_RX_FORGED);
	}
	CU_ASSERT_EQUAL(ha_wire_decode(buf, HA_WIRE_LEN,
	    (const unsigned char *)"another key of 32 bytes.........", 32,
	    &got), HA_RX_FORGED);
	memcpy(bad, buf, HA_WIRE_LEN);
	bad[0] = 'X';
	CU_ASSERT_EQUAL(ha_wire_decode(bad, HA_WIRE_LEN, key, KEYLEN, &got),
	    HA_RX_MALFORMED);
	/* Authentic but nonsensical fields. */
	hb.state = 9;
	ha_wire_encode(&hb, key, KEYLEN, bad);
	CU_ASSERT_EQUAL(ha_wire_decode(bad, HA_WIRE_LEN, key, KEYLEN, &got),
	    HA_RX_MALFORMED);
	sample_hb(&hb);
	hb.role = 2;
	ha_wire_encode(&hb, key, KEYLEN, bad);
	CU_ASSERT_EQUAL(ha_wire_decode(bad, HA_WIRE_LEN, key, KEYLEN, &got),
	    HA_RX_MALFORMED);
	sample_hb(&hb);
	hb.flags = 0x10;
	ha_wire_encode(&hb, key, KEYLEN, bad);
	CU_ASSERT_EQUAL(ha_wire_decode(bad, HA_WIRE_LEN, key, KEYLEN, &got),
	    HA_RX_MALFORMED);
	sample_hb(&hb);
	hb.seq = 0;
	ha_wire_encode(&hb, key, KEYLEN, bad);
	CU_ASSERT_EQUAL(ha_wire_decode(bad, HA_WIRE_LEN, key, KEYLEN, &got),
	    HA_RX_MALFORMED);
	sample_hb(&hb);
	hb.echo = 0;		/* has not heard the receiver yet: fine */
	ha_wire_encode(&hb, key, KEYLEN, bad);
	CU_ASSERT_EQUAL(ha_wire_decode(bad, HA_WIRE_LEN, key, KEYLEN, &got),
	    HA_RX_OK);
}

/* Re-sign <p> after an edit, as a peer with the key would. */
static void
resign(unsigned char *p)
{
	CU_ASSERT_EQUAL(ha_wire_hmac(key, KEYLEN, p, HA_WIRE_BODY,
	    p + HA_WIRE_BODY), 0);
}

static void
test_ha_wire_decode_fields(void)
{
	struct ha_hb	hb, got;
	unsigned char	buf[HA_WIRE_LEN];

	sample_hb(&hb);
	ha_wire_encode(&hb, key, KEYLEN, buf);
	buf[5] = 2;			/* an unknown type */
	resign(buf);
	CU_ASSERT_EQUAL(ha_wire_decode(buf, HA_WIRE_LEN, key, KEYLEN, &got),
	    HA_RX_MALFORMED);
	ha_wire_encode(&hb, key, KEYLEN, buf);
	buf[6] = 5;			/* an unknown address family */
	resign(buf);
	CU_ASSERT_EQUAL(ha_wire_decode(buf, HA_WIRE_LEN, key, KEYLEN, &got),
	    HA_RX_MALFORMED);
	ha_wire_encode(&hb, key, KEYLEN, buf);
	buf[27] = 1;			/* reserved bytes */
	resign(buf);
	CU_ASSERT_EQUAL(ha_wire_decode(buf, HA_WIRE_LEN, key, KEYLEN, &got),
	    HA_RX_MALFORMED);
	ha_wire_encode(&hb, key, KEYLEN, buf);
	buf[23] = 1;			/* IPv4 padding */
	resign(buf);
	CU_ASSERT_EQUAL(ha_wire_decode(buf, HA_WIRE_LEN, key, KEYLEN, &got),
	    HA_RX_MALFORMED);
}

/*
 * A heartbeat of the previous format, authentic: refused as another
 * version, not parsed; the same bytes under a wrong key are a forgery.
 */
static void
test_ha_wire_decode_old_version(void)
{
	struct ha_hb	got;
	unsigned char	bad[HA_WIRE_LEN];

	CU_ASSERT_EQUAL(ha_wire_decode(v1_packet, HA_WIRE_LEN, key, KEYLEN,
	    &got), HA_RX_VERSION);
	CU_ASSERT_EQUAL(ha_wire_decode(v1_packet, HA_WIRE_LEN,
	    (const unsigned char *)"another key of 32 bytes.........", 32,
	    &got), HA_RX_FORGED);
	memcpy(bad, v1_packet, HA_WIRE_LEN);
	bad[4] = 4;			/* a later version, same layout */
	resign(bad);
	CU_ASSERT_EQUAL(ha_wire_decode(bad, HA_WIRE_LEN, key, KEYLEN, &got),
	    HA_RX_VERSION);
	CU_ASSERT_STRING_EQUAL(ha_wire_errname(HA_RX_VERSION),
	    "other version");
	CU_ASSERT_STRING_EQUAL(ha_wire_errname(HA_RX_CHALLENGE),
	    "wrong challenge");
	CU_ASSERT_STRING_EQUAL(ha_wire_errname(HA_RX_NERR), "?");
}

static void
test_ha_wire_fingerprint_symmetric(void)
{
	struct addr	a, b;
	struct cidr	f[2];
	const char	*cause;
	uint64_t	fp;

	addr_parse("198.18.0.1", &a, &cause);
	addr_parse("198.18.0.2", &b, &cause);
	cidr_parse("198.18.0.100/24", &f[0], &cause);
	/* cidr_parse zeroes host bits; a floating IP keeps them. */
	addr_parse("198.18.0.100", &f[0].a, &cause);
	fp = ha_wire_fingerprint(&a, &b, f, 1);
	CU_ASSERT_EQUAL(fp, 0x1b3d2281e26297a7ULL);
	CU_ASSERT_EQUAL(ha_wire_fingerprint(&b, &a, f, 1), fp);
	f[0].plen = 25;
	CU_ASSERT_NOT_EQUAL(ha_wire_fingerprint(&a, &b, f, 1), fp);
	f[0].plen = 24;
	f[1] = f[0];
	addr_parse("198.18.0.101", &f[1].a, &cause);
	CU_ASSERT_NOT_EQUAL(ha_wire_fingerprint(&a, &b, f, 2), fp);
	addr_parse("198.18.0.3", &b, &cause);
	CU_ASSERT_NOT_EQUAL(ha_wire_fingerprint(&a, &b, f, 1), fp);
}

/* A version 3 heartbeat: two instances, one IPv4 and one IPv6. */
static void
sample_multi(struct ha_hb *hb)
{
	const char	*cause;

	sample_hb(hb);
	hb->flags = HA_F_HEALTHY | HA_F_HEARS;
	hb->ninst = 2;
	cidr_parse("198.18.0.101/24", &hb->inst[0].fip, &cause);
	addr_parse("198.18.0.101", &hb->inst[0].fip.a, &cause);
	hb->inst[0].pref = 0;
	hb->inst[0].state = HA_ACTIVE;
	cidr_parse("2001:2::102/64", &hb->inst[1].fip, &cause);
	addr_parse("2001:2::102", &hb->inst[1].fip.a, &cause);
	hb->inst[1].pref = 1;
	hb->inst[1].state = HA_STANDBY;
	hb->inst[1].flags = HA_F_YIELD;
}

/* Version 3 round trip, its layout and its own checks. */
static void
test_ha_wire_multi_roundtrip(void)
{
	struct ha_hb	hb, got;
	unsigned char	buf[HA_WIRE_MAXLEN], bad[HA_WIRE_MAXLEN];
	size_t		n, i;
	int		off;

	sample_multi(&hb);
	n = ha_wire_encode(&hb, key, KEYLEN, buf);
	CU_ASSERT_EQUAL(n, HA_WIRE_LEN + 2 * HA_WIRE_INSTLEN);
	CU_ASSERT_EQUAL(buf[4], HA_WIRE_VERSION_MULTI);
	CU_ASSERT_EQUAL(buf[26], 2);
	CU_ASSERT_EQUAL(buf[HA_WIRE_BODY], 4);
	CU_ASSERT_EQUAL(buf[HA_WIRE_BODY + 1], 24);
	CU_ASSERT_EQUAL(buf[HA_WIRE_BODY + 8 + 3], 101);
	CU_ASSERT_EQUAL(buf[HA_WIRE_BODY + HA_WIRE_INSTLEN], 6);
	CU_ASSERT_EQUAL(buf[HA_WIRE_BODY + HA_WIRE_INSTLEN + 4], HA_F_YIELD);
	CU_ASSERT_EQUAL_FATAL(ha_wire_decode(buf, n, key, KEYLEN, &got),
	    HA_RX_OK);
	CU_ASSERT_EQUAL(got.ninst, 2);
	CU_ASSERT(addr_eq(&got.inst[0].fip.a, &hb.inst[0].fip.a));
	CU_ASSERT(addr_eq(&got.inst[1].fip.a, &hb.inst[1].fip.a));
	CU_ASSERT_EQUAL(got.inst[1].fip.plen, 64);
	CU_ASSERT_EQUAL(got.inst[0].state, HA_ACTIVE);
	CU_ASSERT_EQUAL(got.inst[1].state, HA_STANDBY);
	CU_ASSERT_EQUAL(got.inst[1].pref, 1);
	CU_ASSERT_EQUAL(got.inst[1].flags, HA_F_YIELD);
	CU_ASSERT_EQUAL(got.seq, hb.seq);

	/* Cut or padded: not a whole number of records. */
	CU_ASSERT_EQUAL(ha_wire_decode(buf, n - 1, key, KEYLEN, &got),
	    HA_RX_TRUNCATED);
	CU_ASSERT_EQUAL(ha_wire_decode(buf, n + 1, key, KEYLEN, &got),
	    HA_RX_TRUNCATED);
	/* One record dropped: the HMAC no longer matches. */
	CU_ASSERT_EQUAL(ha_wire_decode(buf, n - HA_WIRE_INSTLEN, key, KEYLEN,
	    &got), HA_RX_FORGED);
	/* Any byte changed: forged. */
	for (i = 4; i < n; i++) {
		memcpy(bad, buf, n);
		bad[i] ^= 0x40;
		CU_ASSERT_EQUAL(ha_wire_decode(bad, n, key, KEYLEN, &got),
		    HA_RX_FORGED);
	}
	/* Authentic but wrong: count, record fields, v2-only flags. */
	{
		static const int offs[] = { 26, 7, HA_WIRE_BODY,
		    HA_WIRE_BODY + 1, HA_WIRE_BODY + 2, HA_WIRE_BODY + 3,
		    HA_WIRE_BODY + 4, HA_WIRE_BODY + 5, HA_WIRE_BODY + 12 };
		static const unsigned char vals[] = { 3, HA_F_YIELD, 5, 33,
		    2, 4, 0x01, 1, 1 };

		for (i = 0; i < sizeof offs / sizeof offs[0]; i++) {
			off = offs[i];
			memcpy(bad, buf, n);
			bad[off] = vals[i];
			CU_ASSERT_EQUAL(ha_wire_hmac(key, KEYLEN, bad,
			    n - HA_WIRE_MACLEN, bad + n - HA_WIRE_MACLEN), 0);
			CU_ASSERT_EQUAL(ha_wire_decode(bad, n, key, KEYLEN,
			    &got), HA_RX_MALFORMED);
		}
	}
	/* A version 2 packet may not be longer than 88 bytes. */
	memcpy(bad, buf, n);
	bad[4] = HA_WIRE_VERSION;
	bad[26] = 0;
	CU_ASSERT_EQUAL(ha_wire_hmac(key, KEYLEN, bad, n - HA_WIRE_MACLEN,
	    bad + n - HA_WIRE_MACLEN), 0);
	CU_ASSERT_EQUAL(ha_wire_decode(bad, n, key, KEYLEN, &got),
	    HA_RX_MALFORMED);
	/* The most instances fit; one more is refused by length. */
	hb.ninst = HA_MAXINST;
	for (i = 2; i < HA_MAXINST; i++)
		hb.inst[i] = hb.inst[0];
	n = ha_wire_encode(&hb, key, KEYLEN, buf);
	CU_ASSERT_EQUAL(n, HA_WIRE_MAXLEN);
	CU_ASSERT_EQUAL(ha_wire_decode(buf, n, key, KEYLEN, &got), HA_RX_OK);
	CU_ASSERT_EQUAL(got.ninst, HA_MAXINST);
	CU_ASSERT_EQUAL(ha_wire_decode(buf, n + HA_WIRE_INSTLEN, key, KEYLEN,
	    &got), HA_RX_TRUNCATED);
}

/*
 * Mirrored per-address configs agree: a's 'prefer self' is b's 'prefer
 * partner'; listing order does not matter; any disagreement shows.
 */
static void
test_ha_wire_fingerprint_multi(void)
{
	struct addr	a, b;
	struct cidr	f[2], g[2];
	const char	*cause;
	int		sa[2] = { 1, 0 }, sb[2] = { 1, 0 }, same[2] = { 1, 1 };
	uint64_t	fp;

	addr_parse("198.18.0.1", &a, &cause);
	addr_parse("198.18.0.2", &b, &cause);
	cidr_parse("198.18.0.101/24", &f[0], &cause);
	addr_parse("198.18.0.101", &f[0].a, &cause);
	f[1] = f[0];
	addr_parse("198.18.0.102", &f[1].a, &cause);
	/* b lists them the other way round: 102 (its own) first. */
	g[0] = f[1];
	g[1] = f[0];
	fp = ha_wire_fingerprint_multi(&a, &b, f, sa, 2);
	CU_ASSERT_EQUAL(ha_wire_fingerprint_multi(&b, &a, g, sb, 2), fp);
	CU_ASSERT_NOT_EQUAL(ha_wire_fingerprint_multi(&b, &a, g, same, 2),
	    fp);
	CU_ASSERT_NOT_EQUAL(ha_wire_fingerprint_multi(&a, &b, f, same, 2),
	    fp);
	CU_ASSERT_NOT_EQUAL(ha_wire_fingerprint(&a, &b, f, 2), fp);
	CU_ASSERT_NOT_EQUAL(ha_wire_fingerprint_multi(&a, &b, f, sa, 1), fp);
}

static CU_TestInfo tests[] = {
	{ "encode golden bytes", test_ha_wire_encode_golden },
	{ "HMAC-SHA256 RFC 4231 vectors", test_ha_wire_hmac_rfc4231 },
	{ "decode round trip", test_ha_wire_decode_roundtrip },
	{ "decode refuses bad packets", test_ha_wire_decode_refuses },
	{ "decode checks authentic fields", test_ha_wire_decode_fields },
	{ "decode refuses version 1", test_ha_wire_decode_old_version },
	{ "config fingerprint", test_ha_wire_fingerprint_symmetric },
	{ "version 3 round trip and checks", test_ha_wire_multi_roundtrip },
	{ "per-address fingerprint", test_ha_wire_fingerprint_multi },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(ha_wire_suite, "ha_wire", tests)
