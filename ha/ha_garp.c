/*
 * ha_garp.c: announcing the floating IP. Gratuitous ARP (request and reply
 * forms) and IPv6 unsolicited neighbour advertisements are built here and
 * sent with pcap_inject on a handle opened once at start; the same handle,
 * filtered to ARP and neighbour advertisements, reports any other MAC
 * claiming a floating IP (the split brain detector).
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <net/if.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "cfg.h"
#include "ev.h"
#include "ha.h"
#include "log.h"
#include "xmalloc.h"

#define ETH_HLEN	14
#define ETHTYPE_ARP	0x0806
#define ETHTYPE_IPV6	0x86dd
/* What others send about addresses: ARP and neighbour advertisements. */
#define GARP_FILTER	"arp or (icmp6 and ip6[40] == 136)"

struct ha_garp {
	pcap_t			*pcap;
	struct event		*ev;
	char			*ifname;
	unsigned char		 mac[HA_ETH_ALEN];
	const struct cidr	*fip;
	size_t			 nfip;
	void			(*claim_cb)(void *, const unsigned char *,
				    const struct addr *);
	void			*arg;
};

static void	garp_read_cb(evutil_socket_t, short, void *);
static void	garp_packet(u_char *, const struct pcap_pkthdr *,
		    const u_char *);
static int	garp_get_mac(const char *, unsigned char *);
static uint16_t	garp_cksum(const unsigned char *, size_t, uint32_t);

static const unsigned char bcast[HA_ETH_ALEN] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff
};

/*
 * Build a gratuitous ARP frame for <ip> from <mac> into <buf>
 * (HA_ARP_FRAMELEN bytes, padded to the Ethernet minimum). Request form:
 * opcode 1, sender = target = the floating IP, target MAC zero. Reply form:
 * opcode 2 with the target MAC equal to the sender's, the shape Linux
 * accepts as gratuitous (it then overrides a recent neighbour entry).
 * Both are broadcast.
 */
size_t
ha_garp_arp_frame(unsigned char *buf, const unsigned char *mac,
    const struct in_addr *ip, int reply)
{
	unsigned char	*a = buf + ETH_HLEN;

	memset(buf, 0, HA_ARP_FRAMELEN);
	memcpy(buf, bcast, HA_ETH_ALEN);
	memcpy(buf + 6, mac, HA_ETH_ALEN);
	buf[12] = ETHTYPE_ARP >> 8;
	buf[13] = ETHTYPE_ARP & 0xff;
	a[0] = 0; a[1] = 1;		/* hardware: Ethernet */
	a[2] = 0x08; a[3] = 0x00;	/* protocol: IPv4 */
	a[4] = HA_ETH_ALEN;
	a[5] = 4;
	a[6] = 0; a[7] = reply ? 2 : 1;
	memcpy(a + 8, mac, HA_ETH_ALEN);
	memcpy(a + 14, ip, 4);
	if (reply)
		memcpy(a + 18, mac, HA_ETH_ALEN);
	memcpy(a + 24, ip, 4);
	return (HA_ARP_FRAMELEN);
}

/* Internet checksum over <len> bytes, starting from partial sum <sum>. */
static uint16_t
garp_cksum(const unsigned char *p, size_t len, uint32_t sum)
{
	size_t	i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (~sum & 0xffff);
}

/*
 * Build an unsolicited neighbour advertisement (RFC 4861 7.2.6) for <ip>
 * from <mac> into <buf> (HA_NA_FRAMELEN bytes): to all-nodes ff02::1, hop
 * limit 255, Override set, Solicited clear, with the target link-layer
 * address option.
 */
size_t
ha_garp_na_frame(unsigned char *buf, const unsigned char *mac,
    const struct in6_addr *ip)
{
	static const unsigned char allnodes[16] = {
		0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01
	};
	unsigned char	*ip6 = buf + ETH_HLEN, *icmp = ip6 + 40;
	unsigned char	 pseudo[40];
	uint32_t	 sum;
	uint16_t	 ck;
	size_t		 i;

	memset(buf, 0, HA_NA_FRAMELEN);
	buf[0] = 0x33; buf[1] = 0x33;
	memcpy(buf + 2, allnodes + 12, 4);
	memcpy(buf + 6, mac, HA_ETH_ALEN);
	buf[12] = ETHTYPE_IPV6 >> 8;
	buf[13] = ETHTYPE_IPV6 & 0xff;
	ip6[0] = 0x60;
	ip6[4] = 0; ip6[5] = 32;	/* payload length */
	ip6[6] = 58;			/* ICMPv6 */
	ip6[7] = 255;
	memcpy(ip6 + 8, ip, 16);
	memcpy(ip6 + 24, allnodes, 16);
	icmp[0] = 136;			/* neighbour advertisement */
	icmp[4] = 0x20;			/* O flag */
	memcpy(icmp + 8, ip, 16);
	icmp[24] = 2;			/* target link-layer address */
	icmp[25] = 1;			/* 8 bytes */
	memcpy(icmp + 26, mac, HA_ETH_ALEN);
	/* Pseudo-header: source, destination, length, next header. */
	memcpy(pseudo, ip6 + 8, 32);
	sum = 0;
	for (i = 0; i < 32; i += 2)
		sum += (uint32_t)pseudo[i] << 8 | pseudo[i + 1];
	sum += 32 + 58;
	ck = garp_cksum(icmp, 32, sum);
	icmp[2] = ck >> 8;
	icmp[3] = ck & 0xff;
	return (HA_NA_FRAMELEN);
}

/*
 * Look at a received frame: return 1 if it is an ARP packet whose sender
 * is one of the floating IPs, or an IPv6 neighbour advertisement whose
 * target is one, from a MAC other than <own>, filling <mac> and <ip>;
 * else 0.
 */
int
ha_garp_parse_claim(const unsigned char *f, size_t len,
    const unsigned char *own, const struct cidr *fip, size_t nfip,
    unsigned char *mac, struct addr *ip)
{
	const unsigned char	*a = f + ETH_HLEN, *icmp = a + 40;
	size_t			 i;

	if (len >= ETH_HLEN + 40 + 24 && f[12] == (ETHTYPE_IPV6 >> 8) &&
	    f[13] == (ETHTYPE_IPV6 & 0xff)) {
		/* ICMPv6 right after the header, type 136, code 0. */
		if ((a[0] >> 4) != 6 || a[6] != 58 || icmp[0] != 136 ||
		    icmp[1] != 0 || memcmp(f + 6, own, HA_ETH_ALEN) == 0)
			return (0);
		for (i = 0; i < nfip; i++) {
			if (fip[i].a.af != AF_INET6 ||
			    memcmp(icmp + 8, &fip[i].a.u.v6, 16) != 0)
				continue;
			memcpy(mac, f + 6, HA_ETH_ALEN);
			memset(ip, 0, sizeof *ip);
			ip->af = AF_INET6;
			memcpy(&ip->u.v6, icmp + 8, 16);
			return (1);
		}
		return (0);
	}
	if (len < ETH_HLEN + 28)
		return (0);
	if (f[12] != (ETHTYPE_ARP >> 8) || f[13] != (ETHTYPE_ARP & 0xff))
		return (0);
	if (a[0] != 0 || a[1] != 1 || a[2] != 0x08 || a[3] != 0 ||
	    a[4] != HA_ETH_ALEN || a[5] != 4 || a[6] != 0 ||
	    (a[7] != 1 && a[7] != 2))
		return (0);
	if (memcmp(a + 8, own, HA_ETH_ALEN) == 0)
		return (0);
	for (i = 0; i < nfip; i++) {
		if (fip[i].a.af != AF_INET ||
		    memcmp(a + 14, &fip[i].a.u.v4, 4) != 0)
			continue;
		memcpy(mac, a + 8, HA_ETH_ALEN);
		memset(ip, 0, sizeof *ip);
		ip->af = AF_INET;
		memcpy(&ip->u.v4, a + 14, 4);
		return (1);
	}
	return (0);
}

/* Read the interface's MAC address. */
static int
garp_get_mac(const char *ifname, unsigned char *mac)
{
	struct ifreq	ifr;
	int		s;

	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	memset(&ifr, 0, sizeof ifr);
	strlcpy(ifr.ifr_name, ifname, sizeof ifr.ifr_name);
	if (ioctl(s, SIOCGIFHWADDR, &ifr) == -1) {
		close(s);
		return (-1);
	}
	close(s);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, HA_ETH_ALEN);
	return (0);
}

/*
 * Open the pcap handle on <ifname> for injecting announcements and for
 * watching ARP about the floating IPs <fip> (kept by reference). <cb> is
 * called for each foreign claim.
 */
struct ha_garp *
ha_garp_open(struct event_base *base, const char *ifname,
    const struct cidr *fip, size_t nfip,
    void (*cb)(void *, const unsigned char *, const struct addr *),
    void *arg, const char **cause)
{
	static char		 errbuf[PCAP_ERRBUF_SIZE];
	struct ha_garp		*g;
	struct bpf_program	 prog;
	int			 fd;

	g = xcalloc(1, sizeof *g);
	g->ifname = xstrdup(ifname);
	g->fip = fip;
	g->nfip = nfip;
	g->claim_cb = cb;
	g->arg = arg;
	if (garp_get_mac(ifname, g->mac) == -1) {
		*cause = "cannot read the interface's MAC address";
		goto fail;
	}
	if ((g->pcap = pcap_create(ifname, errbuf)) == NULL) {
		*cause = errbuf;
		goto fail;
	}
	pcap_set_snaplen(g->pcap, 128);
	pcap_set_promisc(g->pcap, 0);
	pcap_set_immediate_mode(g->pcap, 1);
	pcap_set_buffer_size(g->pcap, 256 * 1024);
	if (pcap_activate(g->pcap) < 0) {
		strlcpy(errbuf, pcap_geterr(g->pcap), sizeof errbuf);
		*cause = errbuf;
		goto fail;
	}
	/* Only what others send: our own injections are not claims. */
	pcap_setdirection(g->pcap, PCAP_D_IN);
	if (pcap_compile(g->pcap, &prog, GARP_FILTER, 1,
	    PCAP_NETMASK_UNKNOWN) == -1 ||
	    pcap_setfilter(g->pcap, &prog) == -1) {
		strlcpy(errbuf, pcap_geterr(g->pcap), sizeof errbuf);
		*cause = errbuf;
		goto fail;
	}
	pcap_freecode(&prog);
	if (pcap_setnonblock(g->pcap, 1, errbuf) == -1 ||
	    (fd = pcap_get_selectable_fd(g->pcap)) == -1) {
		*cause = "pcap handle cannot be polled";
		goto fail;
	}
	g->ev = event_new(base, fd, EV_READ | EV_PERSIST, garp_read_cb, g);
	if (g->ev == NULL || event_add(g->ev, NULL) == -1) {
		*cause = "cannot watch the pcap handle";
		goto fail;
	}
	return (g);
fail:
	ha_garp_close(g);
	return (NULL);
}

/* Close the handle. */
void
ha_garp_close(struct ha_garp *g)
{
	if (g == NULL)
		return;
	if (g->ev != NULL)
		event_free(g->ev);
	if (g->pcap != NULL)
		pcap_close(g->pcap);
	free(g->ifname);
	free(g);
}

/* The interface's MAC address. */
const unsigned char *
ha_garp_mac(const struct ha_garp *g)
{
	return (g->mac);
}

/* Frames are waiting on the handle. */
static void
garp_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ha_garp	*g = arg;

	if (pcap_dispatch(g->pcap, 64, garp_packet, (u_char *)g) == -1)
		log_warnx("pcap on %s: %s", g->ifname, pcap_geterr(g->pcap));
}

/* One captured ARP frame. */
static void
garp_packet(u_char *arg, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct ha_garp	*g = (struct ha_garp *)arg;
	unsigned char	 mac[HA_ETH_ALEN];
	struct addr	 ip;

	if (ha_garp_parse_claim(bytes, h->caplen, g->mac, g->fip, g->nfip,
	    mac, &ip))
		g->claim_cb(g->arg, mac, &ip);
}

/*
 * Announce the floating IPs <fip> once: ARP in <mode> (GARP_REQUEST,
 * GARP_REPLY, GARP_BOTH) for IPv4, an unsolicited neighbour advertisement
 * for IPv6. Returns the number of frames sent, -1 if any injection failed.
 */
int
ha_garp_send(struct ha_garp *g, int mode, const struct cidr *fip,
    size_t nfip)
{
	unsigned char	 buf[HA_NA_FRAMELEN];
	size_t		 i, len;
	int		 n = 0, failed = 0, r;

	for (i = 0; i < nfip; i++) {
		for (r = 0; r < 2; r++) {
			if (fip[i].a.af == AF_INET6) {
				if (r == 1)
					break;
				len = ha_garp_na_frame(buf, g->mac,
				    &fip[i].a.u.v6);
			} else {
				if ((r == 0 && mode == GARP_REPLY) ||
				    (r == 1 && mode == GARP_REQUEST))
					continue;
				len = ha_garp_arp_frame(buf, g->mac,
				    &fip[i].a.u.v4, r == 1);
			}
			if (pcap_inject(g->pcap, buf, len) != (int)len) {
				log_warnx("pcap_inject on %s: %s", g->ifname,
				    pcap_geterr(g->pcap));
				failed = 1;
			} else
				n++;
		}
	}
	return (failed ? -1 : n);
}
