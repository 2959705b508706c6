/*
 * lb_mip6_blast.c: a UDP datagram flood over IPv6 for lb_l4_bench.sh, as
 * fast as one sendmmsg loop goes, with or without a home address option:
 * the same flow, so that the engine's cost per packet of Mobile IPv6
 * persistence shows against plain source persistence. Not installed.
 *
 * usage: lb_mip6_blast ifname dst-mac seconds src dst dport [home-address]
 *
 * Sends 64-byte datagrams from src port 40000 (with the home address
 * option when given: src is then the care-of address, and the checksum is
 * over the home address, as a mobile node sums it), prints the count.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lb/lb_pkt.h"

#define BATCH	64
#define PAYLOAD	64

static void	usage(void) __attribute__((noreturn));

static void
usage(void)
{
	fprintf(stderr, "usage: lb_mip6_blast ifname dst-mac seconds src dst "
	    "dport [home-address]\n");
	exit(2);
}

static void
ip6(const char *s, uint8_t *b)
{
	if (inet_pton(AF_INET6, s, b) != 1) {
		fprintf(stderr, "lb_mip6_blast: %s: not an IPv6 address\n", s);
		exit(2);
	}
}

/* Build the frame in <f>; return its length. */
static size_t
frame(uint8_t *f, const uint8_t *dmac, const uint8_t *smac, const char *src,
    const char *dst, uint16_t dport, const char *hoa)
{
	uint8_t		*ip = f + 14, *u, home[16];
	size_t		 ext = hoa != NULL ? 24 : 0, ulen = 8 + PAYLOAD;
	uint32_t	 s;
	uint16_t	 c;

	memset(f, 0, 14 + 40 + ext + ulen);
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	f[12] = 0x86;
	f[13] = 0xdd;
	ip[0] = 0x60;
	ip[4] = (ext + ulen) >> 8;
	ip[5] = (ext + ulen) & 0xff;
	ip[6] = hoa != NULL ? LB_IP_DSTOPTS : LB_IP_UDP;
	ip[7] = 64;
	ip6(src, ip + 8);
	ip6(dst, ip + 24);
	if (hoa != NULL) {
		ip[40] = LB_IP_UDP;
		ip[41] = 2;
		ip[42] = 1;		/* PadN(2) */
		ip[43] = 2;
		ip[46] = 201;
		ip[47] = 16;
		ip6(hoa, ip + 48);
	}
	u = ip + 40 + ext;
	u[0] = 40000 >> 8;
	u[1] = 40000 & 0xff;
	u[2] = dport >> 8;
	u[3] = dport & 0xff;
	u[4] = ulen >> 8;
	u[5] = ulen & 0xff;
	memset(u + 8, 'x', PAYLOAD);
	memcpy(home, hoa != NULL ? ip + 48 : ip + 8, 16);
	s = lb_csum_pseudo(6, home, ip + 24, LB_IP_UDP, ulen);
	c = ~lb_csum_fold(lb_csum_partial(u, ulen, s));
	u[6] = c >> 8;
	u[7] = c & 0xff;
	return (14 + 40 + ext + ulen);
}

int
main(int argc, char **argv)
{
	struct mmsghdr		 msg[BATCH];
	struct iovec		 iov;
	struct sockaddr_ll	 sll;
	struct timespec		 t0, t;
	uint8_t			 f[256], dmac[6], smac[6];
	unsigned int		 m[6];
	unsigned long long	 sent = 0;
	size_t			 len, i;
	double			 secs;
	int			 fd, v = 1, n;
	FILE			*mf;
	char			 path[64];

	if (argc != 7 && argc != 8)
		usage();
	if (sscanf(argv[2], "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3],
	    &m[4], &m[5]) != 6)
		usage();
	for (i = 0; i < 6; i++)
		dmac[i] = m[i];
	snprintf(path, sizeof path, "/sys/class/net/%s/address", argv[1]);
	if ((mf = fopen(path, "r")) == NULL || fscanf(mf,
	    "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4],
	    &m[5]) != 6) {
		fprintf(stderr, "lb_mip6_blast: %s: cannot read\n", path);
		return (1);
	}
	fclose(mf);
	for (i = 0; i < 6; i++)
		smac[i] = m[i];
	secs = atof(argv[3]);
	len = frame(f, dmac, smac, argv[4], argv[5], atoi(argv[6]),
	    argc == 8 ? argv[7] : NULL);

	if ((fd = socket(AF_PACKET, SOCK_RAW, 0)) == -1) {
		perror("lb_mip6_blast: socket");
		return (1);
	}
	(void)setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &v, sizeof v);
	memset(&sll, 0, sizeof sll);
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = if_nametoindex(argv[1]);
	sll.sll_protocol = htons(ETH_P_IPV6);
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, dmac, 6);
	iov.iov_base = f;
	iov.iov_len = len;
	memset(msg, 0, sizeof msg);
	for (i = 0; i < BATCH; i++) {
		msg[i].msg_hdr.msg_name = &sll;
		msg[i].msg_hdr.msg_namelen = sizeof sll;
		msg[i].msg_hdr.msg_iov = &iov;
		msg[i].msg_hdr.msg_iovlen = 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		if ((n = sendmmsg(fd, msg, BATCH, 0)) > 0)
			sent += n;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 <
	    secs);
	printf("sent %llu\n", sent);
	close(fd);
	return (0);
}
