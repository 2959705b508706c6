/*
 * lb_pkt_kern.c: keeping the kernel off what the engine forwards. A
 * dedicated cluster address gets a blackhole route (rtnetlink), so the
 * kernel drops packets for it without an ICMP error or a RST. Where the
 * kernel must see other traffic of the same addresses (a cluster on the
 * floating IP, server replies when forwarding is on, outbound NAT), one
 * nftables table of the netdev family drops, at ingress of each engine
 * interface, exactly the packets the engine takes over: the AF_PACKET
 * taps have seen them by then (see lb_pkt_ring.c). Also the route lookup
 * that tells through which interface and gateway a server is reached.
 */
#include <sys/socket.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lb_pkt_int.h"
#include "log.h"
#include "xmalloc.h"

#define NL_BUFLEN	8192
#define NL_TIMEOUT_MS	1000

struct nlreq {
	struct nlmsghdr	 n;
	struct rtmsg	 r;
	char		 buf[64];
};

extern char	**environ;

static int	nl_talk(struct lb_pkt_engine *, struct nlreq *, uint8_t *,
		    size_t);
static void	nl_attr(struct nlreq *, int, const void *, size_t);
static void	nft_rules(struct lb_pkt_engine *, FILE *, const char *);
static void	nft_locals(struct lb_pkt_engine *, FILE *, int);
static int	nft_run(struct lb_pkt_engine *, const char *, size_t,
		    char **);

/* Open the rtnetlink socket. */
int
lb_kern_open(struct lb_pkt_engine *e, char **cause)
{
	struct sockaddr_nl	snl;

	e->nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (e->nl == -1) {
		xasprintf(cause, "rtnetlink socket: %s", strerror(errno));
		return (-1);
	}
	memset(&snl, 0, sizeof snl);
	snl.nl_family = AF_NETLINK;
	if (bind(e->nl, (struct sockaddr *)&snl, sizeof snl) == -1) {
		xasprintf(cause, "rtnetlink bind: %s", strerror(errno));
		close(e->nl);
		e->nl = -1;
		return (-1);
	}
	return (0);
}

void
lb_kern_close(struct lb_pkt_engine *e)
{
	if (e->nl != -1)
		close(e->nl);
	e->nl = -1;
}

/* Append attribute <type> to <q>. */
static void
nl_attr(struct nlreq *q, int type, const void *data, size_t len)
{
	struct rtattr	*a;

	a = (struct rtattr *)(void *)((char *)&q->n +
	    NLMSG_ALIGN(q->n.nlmsg_len));
	a->rta_type = type;
	a->rta_len = RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	q->n.nlmsg_len = NLMSG_ALIGN(q->n.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

/*
 * Send <q> and wait (bounded) for its answer, copied to <buf>. Returns the
 * answer's length, or -1 with errno set (from an NLMSG_ERROR too).
 */
static int
nl_talk(struct lb_pkt_engine *e, struct nlreq *q, uint8_t *buf, size_t len)
{
	struct pollfd	 pfd;
	struct nlmsghdr	*h;
	struct nlmsgerr	*err;
	ssize_t		 n;
	uint32_t	 seq = ++e->nlseq;

	q->n.nlmsg_seq = seq;
	if (send(e->nl, q, q->n.nlmsg_len, 0) == -1)
		return (-1);
	for (;;) {
		pfd.fd = e->nl;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, NL_TIMEOUT_MS) <= 0) {
			errno = ETIMEDOUT;
			return (-1);
		}
		if ((n = recv(e->nl, buf, len, 0)) == -1)
			return (-1);
		for (h = (struct nlmsghdr *)(void *)buf; NLMSG_OK(h, n);
		    h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				err = NLMSG_DATA(h);
				if (err->error == 0)
					return (0);
				errno = -err->error;
				return (-1);
			}
			return ((int)h->nlmsg_len);
		}
	}
}

/*
 * Look up the route to <ip> (family <af>): interface in *ifindex, gateway
 * (or the address itself) in *nexthop, *local set for a local address.
 */
int
lb_kern_route_get(struct lb_pkt_engine *e, int af, const struct lb_pkt_ip *ip,
    int *ifindex, struct lb_pkt_ip *nexthop, int *local)
{
	struct nlreq	 q;
	uint8_t		 buf[NL_BUFLEN];
	struct nlmsghdr	*h = (struct nlmsghdr *)(void *)buf;
	struct rtmsg	*rt;
	struct rtattr	*a;
	size_t		 alen = af == 4 ? 4 : 16;
	int		 n, len;

	memset(&q, 0, sizeof q);
	q.n.nlmsg_len = NLMSG_LENGTH(sizeof q.r);
	q.n.nlmsg_type = RTM_GETROUTE;
	q.n.nlmsg_flags = NLM_F_REQUEST;
	q.r.rtm_family = af == 4 ? AF_INET : AF_INET6;
	q.r.rtm_dst_len = alen * 8;
	nl_attr(&q, RTA_DST, ip->b, alen);
	if ((n = nl_talk(e, &q, buf, sizeof buf)) <= 0)
		return (-1);
	if (h->nlmsg_type != RTM_NEWROUTE) {
		errno = EINVAL;
		return (-1);
	}
	rt = NLMSG_DATA(h);
	*nexthop = *ip;
	*ifindex = 0;
	*local = rt->rtm_type == RTN_LOCAL;
	if (rt->rtm_type != RTN_UNICAST && rt->rtm_type != RTN_LOCAL) {
		errno = EHOSTUNREACH;
		return (-1);
	}
	len = RTM_PAYLOAD(h);
	for (a = RTM_RTA(rt); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == RTA_OIF && RTA_PAYLOAD(a) >= 4)
			memcpy(ifindex, RTA_DATA(a), 4);
		else if (a->rta_type == RTA_GATEWAY && RTA_PAYLOAD(a) == alen) {
			memset(nexthop, 0, sizeof *nexthop);
			memcpy(nexthop->b, RTA_DATA(a), alen);
		}
	}
	return (0);
}

/* Add (<add>) or remove the blackhole route for <ip>. */
int
lb_kern_blackhole(struct lb_pkt_engine *e, int af, const struct lb_pkt_ip *ip,
    int add)
{
	struct nlreq	q;
	uint8_t		buf[NL_BUFLEN];
	size_t		alen = af == 4 ? 4 : 16;

	memset(&q, 0, sizeof q);
	q.n.nlmsg_len = NLMSG_LENGTH(sizeof q.r);
	q.n.nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
	q.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK |
	    (add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	q.r.rtm_family = af == 4 ? AF_INET : AF_INET6;
	q.r.rtm_dst_len = alen * 8;
	q.r.rtm_table = RT_TABLE_MAIN;
	q.r.rtm_protocol = RTPROT_STATIC;
	q.r.rtm_scope = RT_SCOPE_UNIVERSE;
	q.r.rtm_type = RTN_BLACKHOLE;
	nl_attr(&q, RTA_DST, ip->b, alen);
	if (nl_talk(e, &q, buf, sizeof buf) == -1) {
		if (!add && (errno == ESRCH || errno == ENOENT))
			return (0);
		return (-1);
	}
	return (0);
}

/* Return 1 if <ip> is an address of this host. */
int
lb_kern_is_local(struct lb_pkt_engine *e, int af, const struct lb_pkt_ip *ip)
{
	size_t	i;

	for (i = 0; i < e->nlocals; i++)
		if (e->localaf[i] == af &&
		    memcmp(&e->locals[i], ip, sizeof *ip) == 0)
			return (1);
	return (0);
}

/* Print " ip daddr != { ... }" for the local addresses of family <af>. */
static void
nft_locals(struct lb_pkt_engine *e, FILE *f, int af)
{
	char	a[INET6_ADDRSTRLEN];
	size_t	i;
	int	n = 0;

	for (i = 0; i < e->nlocals; i++) {
		if (e->localaf[i] != af)
			continue;
		inet_ntop(af == 4 ? AF_INET : AF_INET6, e->locals[i].b, a,
		    sizeof a);
		fprintf(f, "%s%s", n++ ? ", " : (af == 4 ?
		    " ip daddr != { " : " ip6 daddr != { "), a);
	}
	if (n)
		fprintf(f, " }");
}

/* The rules of one interface's chain. */
static void
nft_rules(struct lb_pkt_engine *e, FILE *f, const char *ifname)
{
	struct lb_pkt_cluster	*cl;
	struct lb_pkt_server	*s;
	struct lb_pkt_ring	*r;
	char			 a[INET6_ADDRSTRLEN], ports[16];
	const char		*fam, *proto;
	size_t			 i;
	int			 af;

	fprintf(f, "\tchain in_%s {\n\t\ttype filter hook ingress device "
	    "\"%s\" priority -500; policy accept;\n", ifname, ifname);
	TAILQ_FOREACH(cl, &e->clusters, link) {
		if (cl->dead)
			continue;
		af = cl->conf.addr.af == AF_INET ? 4 : 6;
		fam = af == 4 ? "ip" : "ip6";
		proto = cl->conf.proto == LB_IP_TCP ? "tcp" : "udp";
		if (cl->conf.port_lo == cl->conf.port_hi)
			snprintf(ports, sizeof ports, "%u", cl->conf.port_lo);
		else
			snprintf(ports, sizeof ports, "%u-%u",
			    cl->conf.port_lo, cl->conf.port_hi);
		inet_ntop(cl->conf.addr.af, cl->ip.b, a, sizeof a);
		/* The floating IP: only the cluster's ports are ours. */
		if (cl->conf.shared)
			fprintf(f, "\t\t%s daddr %s %s dport %s drop\n", fam,
			    a, proto, ports);
		/* Mobile IPv6: ESP and mobility headers have no ports. */
		if (cl->conf.shared && (cl->conf.mip6.keys & LB_MIP6_K_SPI))
			fprintf(f, "\t\t%s daddr %s meta l4proto esp drop\n",
			    fam, a);
		if (cl->conf.shared && cl->conf.mip6.keys != 0 &&
		    (cl->conf.mip6.bu || cl->conf.mip6.hoa_mode ==
		    LB_MIP6_PASS))
			fprintf(f, "\t\t%s daddr %s meta l4proto 135 drop\n",
			    fam, a);
		for (i = 0; i < cl->nservers; i++) {
			s = &cl->servers[i];
			if (s->gone)
				continue;
			inet_ntop(cl->conf.addr.af, s->ip.b, a, sizeof a);
			/* NAT replies (not those to this host's checks). */
			if (cl->conf.mode == LB_PKT_NAT) {
				fprintf(f, "\t\t%s saddr %s", fam, a);
				nft_locals(e, f, af);
				if (s->conf.addr.port != 0)
					fprintf(f, " %s sport %u drop\n",
					    proto, s->conf.addr.port);
				else
					fprintf(f, " %s sport %s drop\n",
					    proto, ports);
				fprintf(f, "\t\t%s saddr %s", fam, a);
				nft_locals(e, f, af);
				fprintf(f, " %s type { destination-unreachable,"
				    " time-exceeded%s } drop\n", af == 4 ?
				    "icmp" : "icmpv6", af == 4 ?
				    ", parameter-problem" :
				    ", packet-too-big, parameter-problem");
			}
			if (cl->conf.out_addr.af != 0) {
				fprintf(f, "\t\t%s saddr %s", fam, a);
				nft_locals(e, f, af);
				fprintf(f, " meta l4proto { tcp, udp } drop\n");
			}
		}
		if (cl->conf.out_addr.af != 0 && !cl->conf.out_egress) {
			inet_ntop(cl->conf.addr.af, cl->out_ip.b, a, sizeof a);
			fprintf(f, "\t\t%s daddr %s meta l4proto { tcp, udp } "
			    "th dport %u-%u drop\n", fam, a, cl->conf.out_lo,
			    cl->conf.out_hi);
		}
		/* Sourced from each interface's own address: all of them. */
		for (i = 0; cl->conf.out_egress && i < e->nrings; i++) {
			r = &e->rings[i];
			if (!(af == 4 ? r->has4 : r->has6))
				continue;
			inet_ntop(cl->conf.addr.af, af == 4 ? r->ip4.b :
			    r->ip6.b, a, sizeof a);
			fprintf(f, "\t\t%s daddr %s meta l4proto { tcp, udp } "
			    "th dport %u-%u drop\n", fam, a, cl->conf.out_lo,
			    cl->conf.out_hi);
		}
	}
	fprintf(f, "\t}\n");
}

/* Run nft -f - on <text>. */
static int
nft_run(struct lb_pkt_engine *e, const char *text, size_t len, char **cause)
{
	posix_spawn_file_actions_t	 fa;
	char				*argv[] = { NULL, "-f", "-", NULL };
	int				 p[2], st;
	pid_t				 pid;
	size_t				 off = 0;
	ssize_t				 n;

	argv[0] = (char *)e->conf.nft;
	if (pipe2(p, O_CLOEXEC) == -1) {
		xasprintf(cause, "pipe: %s", strerror(errno));
		return (-1);
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[0], 0);
	st = posix_spawnp(&pid, e->conf.nft, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[0]);
	if (st != 0) {
		close(p[1]);
		xasprintf(cause, "cannot run %s: %s", e->conf.nft,
		    strerror(st));
		return (-1);
	}
	while (off < len) {
		if ((n = write(p[1], text + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		off += n;
	}
	close(p[1]);
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR) {
			xasprintf(cause, "waitpid: %s", strerror(errno));
			return (-1);
		}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		xasprintf(cause, "%s -f - failed (status %d) on:\n%s",
		    e->conf.nft, st, text);
		return (-1);
	}
	return (0);
}

/*
 * Replace the engine's nftables table with rules for the clusters as they
 * are now, in one transaction.
 */
int
lb_kern_nft(struct lb_pkt_engine *e, char **cause)
{
	FILE	*f;
	char	*text = NULL;
	size_t	 len = 0, i;
	int	 r;

	if ((f = open_memstream(&text, &len)) == NULL) {
		xasprintf(cause, "open_memstream: %s", strerror(errno));
		return (-1);
	}
	fprintf(f, "table netdev %s\ndelete table netdev %s\n"
	    "table netdev %s {\n", e->conf.nft_table, e->conf.nft_table,
	    e->conf.nft_table);
	for (i = 0; i < e->nrings; i++)
		nft_rules(e, f, e->rings[i].name);
	fprintf(f, "}\n");
	fclose(f);
	r = nft_run(e, text, len, cause);
	free(text);
	if (r == 0)
		e->nft_installed = 1;
	return (r);
}

/* Remove the engine's table. */
void
lb_kern_nft_del(struct lb_pkt_engine *e)
{
	char	 buf[128], *cause = NULL;
	int	 n;

	if (!e->nft_installed)
		return;
	n = snprintf(buf, sizeof buf, "table netdev %s\ndelete table netdev "
	    "%s\n", e->conf.nft_table, e->conf.nft_table);
	if (nft_run(e, buf, n, &cause) == -1) {
		log_warnx("l4: %s", cause);
		free(cause);
	}
	e->nft_installed = 0;
}

/*
 * For the daemon, before an engine exists: the name of the interface the
 * route to <a> leaves by, into <ifname> (IFNAMSIZ bytes); *local set for
 * an address of this host. -1 with *cause (allocated).
 */
int
lb_pkt_route_ifname(const struct addr *a, char *ifname, int *local,
    char **cause)
{
	struct lb_pkt_engine	*e;
	struct lb_pkt_ip	 ip, nh;
	char			 buf[ADDR_STRLEN];
	int			 ifindex, rv = -1;

	e = xcalloc(1, sizeof *e);
	e->nl = -1;
	if (lb_kern_open(e, cause) == -1)
		goto out;
	lb_pkt_ip_from_addr(&ip, a);
	if (lb_kern_route_get(e, a->af == AF_INET ? 4 : 6, &ip, &ifindex, &nh,
	    local) == -1) {
		xasprintf(cause, "no route to %s: %s", addr_ntop(a, buf,
		    sizeof buf), strerror(errno));
		goto out;
	}
	if (*local) {
		rv = 0;
		goto out;
	}
	if (ifindex == 0 || if_indextoname(ifindex, ifname) == NULL) {
		xasprintf(cause, "no interface for the route to %s",
		    addr_ntop(a, buf, sizeof buf));
		goto out;
	}
	rv = 0;
out:
	lb_kern_close(e);
	free(e);
	return (rv);
}
