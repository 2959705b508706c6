/*
 * fuzz_check_icmp.c: libFuzzer target for the ICMP echo reply matcher
 * (lib/check_icmp_pkt.c), which reads whatever any host sends to a raw
 * socket.
 *
 * Build (from the top of the source tree) and run:
 *	clang -fsanitize=fuzzer,address,undefined -I lib -I . \
 *	    tests/fuzz/fuzz_check_icmp.c lib/check_icmp_pkt.c
 *	./a.out -max_total_time=60 tests/fuzz/corpus_check_icmp
 *
 * The first input byte picks the socket the datagram came from (bit 0:
 * IPv6, bit 1: an IPv4 raw socket, with the IP header) and whether it came
 * from the target (bit 2 clear) or another host; the rest is the datagram.
 * A match must carry the identifier, sequence number and cookie asked for.
 * The first bytes of the datagram also serve as identifier, sequence
 * number and time stamp of a request, which must check-sum to zero (IPv4)
 * and be matched once turned into its reply.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fuzz.h"

static void	round_trip(const struct check_icmp_echo *, const uint8_t *,
		    size_t);

/* Sum 16-bit words as the receiver does: a valid packet sums to 0xffff. */
static unsigned int
sum16(const unsigned char *p, size_t len)
{
	unsigned int	sum = 0;
	size_t		i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (unsigned int)p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (sum);
}

/* Build a request from <d>, answer it as the target would, match it. */
static void
round_trip(const struct check_icmp_echo *e0, const uint8_t *d, size_t n)
{
	struct check_icmp_echo	e = *e0;
	unsigned char		pkt[CHECK_ICMP_PKTLEN];
	uint64_t		stamp = 0;

	if (n < 12)
		return;
	e.iphdr = 0;
	e.id = (uint16_t)(d[0] << 8 | d[1]);
	e.seq = (uint16_t)(d[2] << 8 | d[3]);
	memcpy(&stamp, d + 4, sizeof stamp);
	check_icmp_request(&e, stamp, pkt);
	if (e.target.af == AF_INET) {
		CHECK(pkt[0] == 8);
		CHECK(sum16(pkt, sizeof pkt) == 0xffff);
	} else
		CHECK(pkt[0] == 128);
	CHECK(check_icmp_reply(&e, pkt, sizeof pkt, &e.target) == 0);
	pkt[0] = e.target.af == AF_INET ? 0 : 129;
	CHECK(check_icmp_reply(&e, pkt, sizeof pkt, &e.target) == 1);
	CHECK(check_icmp_reply(&e, pkt, sizeof pkt - 1, &e.target) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char	 cookie[8] = {
		0xc0, 0x0c, 0x1e, 0x5a, 0x11, 0x22, 0x33, 0x44
	};
	struct check_icmp_echo		 e;
	struct addr			 from;
	const unsigned char		*b;
	unsigned char			*copy;
	size_t				 len, hl = 0;
	int				 r;

	if (size < 1)
		return (0);
	memset(&e, 0, sizeof e);
	if (data[0] & 1) {
		e.target.af = AF_INET6;
		e.target.u.v6 = in6addr_loopback;
	} else {
		e.target.af = AF_INET;
		e.target.u.v4.s_addr = htonl(0xc6120002);	/* 198.18.0.2 */
		e.iphdr = (data[0] & 2) != 0;
	}
	e.id = 0x1234;
	e.seq = 7;
	memcpy(e.cookie, cookie, sizeof cookie);
	from = e.target;
	if (data[0] & 4) {
		if (from.af == AF_INET)
			from.u.v4.s_addr = htonl(0xc6120003);
		else
			from.u.v6.s6_addr[0] = 0xfe;
	}

	/* An exact-size copy, so that ASan sees any read past the end. */
	len = size - 1;
	if ((copy = malloc(len ? len : 1)) == NULL)
		return (0);
	memcpy(copy, data + 1, len);
	r = check_icmp_reply(&e, copy, len, &from);
	CHECK(r == 0 || r == 1);
	if (r == 1) {
		CHECK(!(data[0] & 4));
		if (e.iphdr) {
			CHECK(len >= 20 && (copy[0] >> 4) == 4);
			hl = (size_t)(copy[0] & 0x0f) * 4;
			CHECK(hl >= 20 && copy[9] == 1);
		}
		CHECK(len >= hl + CHECK_ICMP_PKTLEN);
		b = copy + hl;
		CHECK(b[0] == (e.target.af == AF_INET ? 0 : 129));
		CHECK(b[1] == 0);
		CHECK(b[4] == 0x12 && b[5] == 0x34 && b[6] == 0 && b[7] == 7);
		CHECK(memcmp(b + CHECK_ICMP_HDRLEN, cookie, 8) == 0);
	}
	round_trip(&e, copy, len);
	free(copy);
	return (0);
}
