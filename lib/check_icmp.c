/*
 * check_icmp.c: the ICMP echo check, IPv4 and IPv6. Each round sends one
 * echo request from a fresh socket and waits for the matching reply.
 *
 * The socket is an unprivileged ping socket (SOCK_DGRAM, IPPROTO_ICMP or
 * IPPROTO_ICMPV6) when the group is inside net.ipv4.ping_group_range (the
 * kernel then picks the identifier and delivers only our replies), else a
 * raw socket, which needs CAP_NET_RAW and sees every echo reply of the
 * host: replies are matched on source, identifier, sequence number and a
 * per-checker cookie in the payload.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <netinet/icmp6.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "ev.h"
#include "log.h"
#include "xmalloc.h"

#ifndef ICMP_FILTER
#define ICMP_FILTER	1	/* <linux/icmp.h>, which clashes with libc's */
#endif

#define ICMP_RXMAX	16	/* datagrams read per wake-up */

struct icmp_probe {
	enum check_icmp_sock	 mode;
	struct check_icmp_echo	 echo;		/* ping: the kernel's id */
	int			 fd;
	int			 raw;
	struct event		*ev;
	uint64_t		 sent;		/* ms */
};

static int	icmp_init(struct check *, const struct check_conf *, char **);
static void	icmp_start(struct check *, const struct addr *);
static void	icmp_expire(struct check *, uint64_t, char *, size_t);
static void	icmp_stop(struct check *);
static void	icmp_free(struct check *);
static int	icmp_open(struct check *, struct icmp_probe *, int, char *,
		    size_t);
static void	icmp_read_cb(evutil_socket_t, short, void *);

const struct check_ops check_icmp_ops = {
	.name = "icmp",
	.init = icmp_init,
	.start = icmp_start,
	.expire = icmp_expire,
	.stop = icmp_stop,
	.free = icmp_free,
};

/* Pick this checker's identifier and cookie. */
static int
icmp_init(struct check *c, const struct check_conf *conf, char **cause)
{
	struct icmp_probe	*p;

	p = xcalloc(1, sizeof *p);
	p->mode = conf->icmp_sock;
	p->fd = -1;
	p->echo.id = (uint16_t)arc4random_uniform(65536);
	p->echo.seq = (uint16_t)arc4random_uniform(65536);
	arc4random_buf(p->echo.cookie, sizeof p->echo.cookie);
	c->kind = p;
	return (0);
}

/* Free the kind's state. */
static void
icmp_free(struct check *c)
{
	free(c->kind);
	c->kind = NULL;
}

/* Drop the socket of the round under way. */
static void
icmp_stop(struct check *c)
{
	struct icmp_probe	*p = c->kind;

	if (p->ev != NULL) {
		event_free(p->ev);
		p->ev = NULL;
	}
	if (p->fd != -1) {
		close(p->fd);
		p->fd = -1;
	}
}

/* Say why the round failed. */
static void
icmp_expire(struct check *c, uint64_t ms, char *why, size_t len)
{
	snprintf(why, len, "no echo reply within %" PRIu64 " ms", ms);
}

/*
 * Open the round's socket for family <af>: a ping socket unless the mode
 * says raw or ping sockets are not allowed, then a raw one. Returns 0, or
 * -1 with <why>.
 */
static int
icmp_open(struct check *c, struct icmp_probe *p, int af, char *why,
    size_t len)
{
	struct icmp6_filter	f6;
	uint32_t		f4;
	int			proto, perr = 0, rerr;

	proto = af == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	p->raw = 0;
	if (p->mode != CHECK_ICMP_RAW) {
		p->fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    proto);
		if (p->fd != -1)
			return (0);
		perr = errno;
		if (p->mode == CHECK_ICMP_PING) {
			check_errstr(perr, "cannot open a ping socket", why,
			    len);
			return (-1);
		}
	}
	p->fd = socket(af, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (p->fd == -1) {
		rerr = errno;
		if (p->mode == CHECK_ICMP_RAW)
			check_errstr(rerr, "cannot open a raw ICMP socket",
			    why, len);
		else {
			/* Say both: which one the operator fixes is theirs. */
			snprintf(why, len, "cannot open an ICMP socket: ping "
			    "socket: %s (net.ipv4.ping_group_range); raw "
			    "socket: %s", strerror(perr), strerror(rerr));
		}
		return (-1);
	}
	p->raw = 1;
	/* Only echo replies: a raw socket otherwise gets all ICMP. */
	if (af == AF_INET) {
		f4 = ~(1U << ICMP_ECHOREPLY);
		(void)setsockopt(p->fd, SOL_RAW, ICMP_FILTER, &f4, sizeof f4);
	} else {
		ICMP6_FILTER_SETBLOCKALL(&f6);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f6);
		(void)setsockopt(p->fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f6,
		    sizeof f6);
	}
	return (0);
}

/* Send one echo request to <a>. */
static void
icmp_start(struct check *c, const struct addr *a)
{
	struct icmp_probe	*p = c->kind;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	unsigned char		 pkt[CHECK_ICMP_PKTLEN];
	char			 why[CHECK_REASONLEN];

	p->echo.target = *a;
	p->echo.target.port = 0;
	if (icmp_open(c, p, a->af, why, sizeof why) == -1 ||
	    check_bind(c, p->fd, why, sizeof why) == -1) {
		check_done(c, 0, why);
		return;
	}
	p->echo.iphdr = p->raw && a->af == AF_INET;
	p->echo.seq++;
	p->sent = check_now();
	check_icmp_request(&p->echo, p->sent, pkt);
	sslen = addr_to_sa(&p->echo.target, &ss);
	if (sendto(p->fd, pkt, sizeof pkt, 0, (struct sockaddr *)&ss,
	    sslen) == -1) {
		check_errstr(errno, "echo request not sent", why, sizeof why);
		check_done(c, 0, why);
		return;
	}
	if (!p->raw) {
		/* The kernel put its own identifier in: the socket's port. */
		sslen = sizeof ss;
		if (getsockname(p->fd, (struct sockaddr *)&ss, &sslen) == 0)
			p->echo.id = ntohs(ss.ss_family == AF_INET ?
			    ((struct sockaddr_in *)&ss)->sin_port :
			    ((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	p->ev = event_new(c->base, p->fd, EV_READ | EV_PERSIST, icmp_read_cb,
	    c);
	if (p->ev == NULL || event_add(p->ev, NULL) == -1)
		check_done(c, 0, "cannot wait for the echo reply");
}

/* Datagrams arrived: look for the reply among them. */
static void
icmp_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct check		*c = arg;
	struct icmp_probe	*p = c->kind;
	struct sockaddr_storage	 ss;
	struct addr		 from;
	socklen_t		 sslen;
	unsigned char		 buf[1500];
	char			 why[CHECK_REASONLEN];
	ssize_t			 n;
	int			 i;

	for (i = 0; i < ICMP_RXMAX; i++) {
		sslen = sizeof ss;
		n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&ss,
		    &sslen);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			check_errstr(errno, "no echo reply", why, sizeof why);
			check_done(c, 0, why);
			return;
		}
		if (addr_from_sa(&from, (struct sockaddr *)&ss, sslen) == -1)
			continue;
		if (!check_icmp_reply(&p->echo, buf, (size_t)n, &from))
			continue;
		snprintf(why, sizeof why, "echo reply in %" PRIu64 " ms (%s "
		    "socket)", check_now() - p->sent, p->raw ? "raw" : "ping");
		check_done(c, 1, why);
		return;
	}
}
