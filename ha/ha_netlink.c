/*
 * ha_netlink.c: the floating IP as an address on the configured interface,
 * added and removed with rtnetlink (RTM_NEWADDR / RTM_DELADDR), and a second
 * rtnetlink socket subscribed to address and link events, so an alias
 * removed by hand or a link going down is noticed at once.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "ha.h"
#include "log.h"
#include "xmalloc.h"

#define NL_BUFSIZE	16384

struct ha_nl {
	int		 cmd;		/* requests, blocking with timeout */
	int		 mon;		/* events */
	struct event	*ev;
	char		*ifname;
	unsigned int	 ifindex;
	uint32_t	 seq;
	void		(*cb)(void *, int, const struct addr *, int);
	void		*arg;
};

static void	nl_read_cb(evutil_socket_t, short, void *);
static void	nl_attr(struct nlmsghdr *, size_t, int, const void *, size_t);
static void	nl_event(struct ha_nl *, struct nlmsghdr *);

/*
 * Open both rtnetlink sockets for interface <ifname>; <cb> gets
 * (arg, HA_NL_EV_ADDR_ADD/DEL, address, 0) for addresses on the interface
 * and (arg, HA_NL_EV_LINK, NULL, up) for link changes.
 */
struct ha_nl *
ha_nl_open(struct event_base *base, const char *ifname,
    void (*cb)(void *, int, const struct addr *, int), void *arg,
    const char **cause)
{
	struct ha_nl		*nl;
	struct sockaddr_nl	 sa;
	struct timeval		 tv = { 2, 0 };
	int			 sz = 1 << 20;

	nl = xcalloc(1, sizeof *nl);
	nl->cmd = nl->mon = -1;
	nl->ifname = xstrdup(ifname);
	nl->cb = cb;
	nl->arg = arg;
	if ((nl->ifindex = if_nametoindex(ifname)) == 0) {
		*cause = "no such interface";
		goto fail;
	}
	nl->cmd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	nl->mon = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    NETLINK_ROUTE);
	if (nl->cmd == -1 || nl->mon == -1) {
		*cause = "cannot open a netlink socket";
		goto fail;
	}
	setsockopt(nl->cmd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(nl->mon, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
	memset(&sa, 0, sizeof sa);
	sa.nl_family = AF_NETLINK;
	sa.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
	if (bind(nl->mon, (struct sockaddr *)&sa, sizeof sa) == -1) {
		*cause = "cannot subscribe to netlink events";
		goto fail;
	}
	nl->ev = event_new(base, nl->mon, EV_READ | EV_PERSIST, nl_read_cb,
	    nl);
	if (nl->ev == NULL || event_add(nl->ev, NULL) == -1) {
		*cause = "cannot watch netlink events";
		goto fail;
	}
	return (nl);
fail:
	ha_nl_close(nl);
	return (NULL);
}

/* Close the sockets. */
void
ha_nl_close(struct ha_nl *nl)
{
	if (nl == NULL)
		return;
	if (nl->ev != NULL)
		event_free(nl->ev);
	if (nl->cmd != -1)
		close(nl->cmd);
	if (nl->mon != -1)
		close(nl->mon);
	free(nl->ifname);
	free(nl);
}

/* The interface index. */
int
ha_nl_ifindex(const struct ha_nl *nl)
{
	return (nl->ifindex);
}

/* Append one attribute to a message. */
static void
nl_attr(struct nlmsghdr *n, size_t max, int type, const void *data,
    size_t len)
{
	struct rtattr	*rta;
	size_t		 alen = RTA_LENGTH(len);

	if (NLMSG_ALIGN(n->nlmsg_len) + RTA_ALIGN(alen) > max)
		fatalx("netlink message overflow");
	rta = (struct rtattr *)((char *)n + NLMSG_ALIGN(n->nlmsg_len));
	rta->rta_type = type;
	rta->rta_len = alen;
	memcpy(RTA_DATA(rta), data, len);
	n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + RTA_ALIGN(alen);
}

/*
 * Add (<add> = 1) or remove the address <c> on the interface and wait for
 * the kernel's answer. Idempotent: adding an address already there
 * (EEXIST) and removing one that is gone (EADDRNOTAVAIL) succeed. IPv6
 * addresses are added without duplicate address detection, so they are
 * usable at once.
 */
int
ha_nl_addr(struct ha_nl *nl, int add, const struct cidr *c,
    const char **cause)
{
	struct {
		struct nlmsghdr		n;
		struct ifaddrmsg	ifa;
		char			buf[256];
	}			 req;
	char			 rbuf[4096];
	struct nlmsghdr		*h;
	struct nlmsgerr		*e;
	struct sockaddr_nl	 sa;
	uint32_t		 flags = 0;
	size_t			 alen;
	ssize_t			 n;
	int			 i, err;

	memset(&req, 0, sizeof req);
	req.n.nlmsg_len = NLMSG_LENGTH(sizeof req.ifa);
	req.n.nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
	req.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	if (add)
		req.n.nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
	req.n.nlmsg_seq = ++nl->seq;
	req.ifa.ifa_family = c->a.af;
	req.ifa.ifa_prefixlen = c->plen;
	req.ifa.ifa_scope = RT_SCOPE_UNIVERSE;
	req.ifa.ifa_index = nl->ifindex;
	alen = c->a.af == AF_INET ? 4 : 16;
	if (c->a.af == AF_INET6) {
		flags = IFA_F_NODAD;
		req.ifa.ifa_flags = IFA_F_NODAD;
	}
	nl_attr(&req.n, sizeof req, IFA_LOCAL, &c->a.u, alen);
	nl_attr(&req.n, sizeof req, IFA_ADDRESS, &c->a.u, alen);
	if (flags != 0)
		nl_attr(&req.n, sizeof req, IFA_FLAGS, &flags, sizeof flags);

	memset(&sa, 0, sizeof sa);
	sa.nl_family = AF_NETLINK;
	if (sendto(nl->cmd, &req, req.n.nlmsg_len, 0, (struct sockaddr *)&sa,
	    sizeof sa) == -1) {
		*cause = "netlink send failed";
		return (-1);
	}
	/* Bounded: the kernel answers at once; SO_RCVTIMEO guards the rest. */
	for (i = 0; i < 16; i++) {
		if ((n = recv(nl->cmd, rbuf, sizeof rbuf, 0)) <= 0) {
			*cause = "no answer from the kernel";
			return (-1);
		}
		for (h = (struct nlmsghdr *)rbuf; NLMSG_OK(h, (size_t)n);
		    h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != nl->seq ||
			    h->nlmsg_type != NLMSG_ERROR)
				continue;
			e = NLMSG_DATA(h);
			err = -e->error;
			if (err == 0 || (add && err == EEXIST) ||
			    (!add && err == EADDRNOTAVAIL))
				return (0);
			errno = err;
			*cause = err == EPERM ? "operation not permitted "
			    "(needs CAP_NET_ADMIN)" : strerror(err);
			return (-1);
		}
	}
	*cause = "no acknowledgement from the kernel";
	return (-1);
}

/* Return 1 if the interface holds address <c> now. */
int
ha_nl_has_addr(struct ha_nl *nl, const struct cidr *c)
{
	struct ifaddrs	*ifa, *i;
	struct addr	 a;
	int		 found = 0;

	if (getifaddrs(&ifa) == -1)
		return (-1);
	for (i = ifa; i != NULL && !found; i = i->ifa_next) {
		if (i->ifa_addr == NULL || strcmp(i->ifa_name, nl->ifname) != 0)
			continue;
		if (i->ifa_addr->sa_family != AF_INET &&
		    i->ifa_addr->sa_family != AF_INET6)
			continue;
		if (addr_from_sa(&a, i->ifa_addr,
		    i->ifa_addr->sa_family == AF_INET ?
		    sizeof(struct sockaddr_in) :
		    sizeof(struct sockaddr_in6)) == 0 && addr_eq(&a, &c->a))
			found = 1;
	}
	freeifaddrs(ifa);
	return (found);
}

/* Return 1 if the interface is up with carrier, 0 if not, -1 on error. */
int
ha_nl_link_up(struct ha_nl *nl)
{
	struct ifreq	ifr;
	int		s, up;

	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	memset(&ifr, 0, sizeof ifr);
	strlcpy(ifr.ifr_name, nl->ifname, sizeof ifr.ifr_name);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == -1) {
		close(s);
		return (-1);
	}
	close(s);
	up = (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
	return (up);
}

/* One event message. */
static void
nl_event(struct ha_nl *nl, struct nlmsghdr *h)
{
	struct ifaddrmsg	*ifa;
	struct ifinfomsg	*ifi;
	struct rtattr		*rta;
	struct addr		 a;
	int			 len, up;

	switch (h->nlmsg_type) {
	case RTM_NEWADDR:
	case RTM_DELADDR:
		ifa = NLMSG_DATA(h);
		if (ifa->ifa_index != nl->ifindex)
			return;
		len = IFA_PAYLOAD(h);
		memset(&a, 0, sizeof a);
		for (rta = IFA_RTA(ifa); RTA_OK(rta, len);
		    rta = RTA_NEXT(rta, len)) {
			if (ifa->ifa_family == AF_INET &&
			    rta->rta_type == IFA_LOCAL &&
			    RTA_PAYLOAD(rta) == 4) {
				a.af = AF_INET;
				memcpy(&a.u.v4, RTA_DATA(rta), 4);
			} else if (ifa->ifa_family == AF_INET6 &&
			    rta->rta_type == IFA_ADDRESS &&
			    RTA_PAYLOAD(rta) == 16) {
				a.af = AF_INET6;
				memcpy(&a.u.v6, RTA_DATA(rta), 16);
			}
		}
		if (a.af != 0)
			nl->cb(nl->arg, h->nlmsg_type == RTM_NEWADDR ?
			    HA_NL_EV_ADDR_ADD : HA_NL_EV_ADDR_DEL, &a, 0);
		return;
	case RTM_NEWLINK:
	case RTM_DELLINK:
		ifi = NLMSG_DATA(h);
		if ((unsigned int)ifi->ifi_index != nl->ifindex)
			return;
		up = h->nlmsg_type == RTM_NEWLINK &&
		    (ifi->ifi_flags & IFF_UP) && (ifi->ifi_flags & IFF_RUNNING);
		nl->cb(nl->arg, HA_NL_EV_LINK, NULL, up);
		return;
	}
}

/* Events are waiting. On overrun, re-read the link state. */
static void
nl_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ha_nl	*nl = arg;
	char		*buf;
	struct nlmsghdr	*h;
	ssize_t		 n;
	int		 i, up;

	buf = xmalloc(NL_BUFSIZE);
	for (i = 0; i < 64; i++) {
		if ((n = recv(fd, buf, NL_BUFSIZE, 0)) == -1) {
			if (errno == ENOBUFS) {
				log_warnx("netlink events overran; "
				    "re-reading %s", nl->ifname);
				if ((up = ha_nl_link_up(nl)) != -1)
					nl->cb(nl->arg, HA_NL_EV_LINK, NULL,
					    up);
				continue;
			}
			break;
		}
		if (n == 0)
			break;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		    h = NLMSG_NEXT(h, n))
			nl_event(nl, h);
	}
	free(buf);
}
