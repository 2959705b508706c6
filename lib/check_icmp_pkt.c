/*
 * check_icmp_pkt.c: the bytes of the ICMP echo check: building a request
 * and telling whether a datagram is the reply to it. Nothing here does
 * I/O or needs more than libc, so the reply matcher, which reads whatever
 * any host sends to a raw socket, is fuzzed on its own
 * (tests/fuzz/fuzz_check_icmp.c).
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <string.h>

#include "check.h"

#define ICMP_ECHO_REQ4		8
#define ICMP_ECHO_REP4		0
#define ICMP_ECHO_REQ6		128
#define ICMP_ECHO_REP6		129
#define IP4_MINHDR		20
#define IP4_PROTO_ICMP		1

static uint16_t	icmp_cksum(const unsigned char *, size_t);

/* The Internet checksum (RFC 1071). */
static uint16_t
icmp_cksum(const unsigned char *p, size_t len)
{
	uint32_t	sum = 0;
	size_t		i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ((uint16_t)~sum);
}

/*
 * Build the echo request for <e> into <buf> (CHECK_ICMP_PKTLEN bytes): the
 * header, the cookie and <stamp>. IPv4 gets its checksum; for ICMPv6 the
 * kernel computes it over the pseudo-header.
 */
void
check_icmp_request(const struct check_icmp_echo *e, uint64_t stamp,
    unsigned char *buf)
{
	uint16_t	sum;

	memset(buf, 0, CHECK_ICMP_PKTLEN);
	buf[0] = e->target.af == AF_INET ? ICMP_ECHO_REQ4 : ICMP_ECHO_REQ6;
	buf[4] = e->id >> 8;
	buf[5] = e->id & 0xff;
	buf[6] = e->seq >> 8;
	buf[7] = e->seq & 0xff;
	memcpy(buf + CHECK_ICMP_HDRLEN, e->cookie, sizeof e->cookie);
	memcpy(buf + CHECK_ICMP_HDRLEN + sizeof e->cookie, &stamp,
	    sizeof stamp);
	if (e->target.af == AF_INET) {
		sum = icmp_cksum(buf, CHECK_ICMP_PKTLEN);
		buf[2] = sum >> 8;
		buf[3] = sum & 0xff;
	}
}

/*
 * Return 1 if datagram <b> (<len> bytes, received from <from>) is the
 * reply to the request of <e>: from the target, an echo reply, with our
 * identifier, sequence number and cookie. With <e->iphdr> (an IPv4 raw
 * socket) the datagram starts with the IP header.
 */
int
check_icmp_reply(const struct check_icmp_echo *e, const unsigned char *b,
    size_t len, const struct addr *from)
{
	size_t	hl;
	int	type;

	if (from->af != e->target.af)
		return (0);
	if (from->af == AF_INET &&
	    memcmp(&from->u.v4, &e->target.u.v4, sizeof from->u.v4) != 0)
		return (0);
	if (from->af == AF_INET6 &&
	    memcmp(&from->u.v6, &e->target.u.v6, sizeof from->u.v6) != 0)
		return (0);
	if (e->iphdr) {
		if (len < IP4_MINHDR || (b[0] >> 4) != 4)
			return (0);
		hl = (size_t)(b[0] & 0x0f) * 4;
		if (hl < IP4_MINHDR || hl > len || b[9] != IP4_PROTO_ICMP)
			return (0);
		b += hl;
		len -= hl;
	}
	if (len < CHECK_ICMP_PKTLEN)
		return (0);
	type = e->target.af == AF_INET ? ICMP_ECHO_REP4 : ICMP_ECHO_REP6;
	if (b[0] != type || b[1] != 0)
		return (0);
	if (((b[4] << 8) | b[5]) != e->id || ((b[6] << 8) | b[7]) != e->seq)
		return (0);
	return (memcmp(b + CHECK_ICMP_HDRLEN, e->cookie,
	    sizeof e->cookie) == 0);
}
