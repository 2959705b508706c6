/*
 * addr.c: parsing and formatting of addresses, networks and host names.
 *
 * Only numeric literals are accepted where an address is asked for: the
 * config must never depend on DNS at start-up. Errors are returned as short
 * static strings so callers can prefix them with file:line.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

static int	mask_to_plen(struct in_addr, int *);
static void	cidr_clear_host(struct cidr *);

/* Parse a numeric IPv4 or IPv6 address without port. */
int
addr_parse(const char *s, struct addr *a, const char **cause)
{
	memset(a, 0, sizeof *a);
	if (strchr(s, ':') != NULL) {
		if (inet_pton(AF_INET6, s, &a->u.v6) == 1) {
			a->af = AF_INET6;
			return (0);
		}
	} else if (inet_pton(AF_INET, s, &a->u.v4) == 1) {
		a->af = AF_INET;
		return (0);
	}
	*cause = "not a numeric IPv4 or IPv6 address";
	return (-1);
}

/* Parse a decimal port, 1 to 65535. */
int
port_parse(const char *s, uint16_t *port, const char **cause)
{
	long long	 v;
	const char	*errstr;

	if (*s == '\0' || strspn(s, "0123456789") != strlen(s)) {
		*cause = "port is not a number";
		return (-1);
	}
	v = strtonum(s, 1, 65535, &errstr);
	if (errstr != NULL) {
		*cause = "port out of range (1-65535)";
		return (-1);
	}
	*port = (uint16_t)v;
	return (0);
}

/* Parse "a.b.c.d:port", "[v6]:port" or "*:port" (any IPv4 address). */
int
addr_parse_port(const char *s, struct addr *a, const char **cause)
{
	char		 buf[INET6_ADDRSTRLEN + 16];
	const char	*p, *host;
	uint16_t	 port;

	if (strlcpy(buf, s, sizeof buf) >= sizeof buf) {
		*cause = "address too long";
		return (-1);
	}
	if (buf[0] == '[') {
		char *end = strchr(buf, ']');
		if (end == NULL || end[1] != ':') {
			*cause = "expected [IPv6]:port";
			return (-1);
		}
		*end = '\0';
		host = buf + 1;
		p = end + 2;
		if (strchr(host, ':') == NULL) {
			*cause = "brackets are only for IPv6 addresses";
			return (-1);
		}
	} else {
		char *colon = strrchr(buf, ':');
		if (colon == NULL) {
			*cause = "missing :port";
			return (-1);
		}
		if (strchr(buf, ':') != colon) {
			*cause = "IPv6 addresses need brackets: [addr]:port";
			return (-1);
		}
		*colon = '\0';
		host = buf;
		p = colon + 1;
	}
	if (port_parse(p, &port, cause) == -1)
		return (-1);
	if (strcmp(host, "*") == 0) {
		memset(a, 0, sizeof *a);
		a->af = AF_INET;
		a->u.v4.s_addr = htonl(INADDR_ANY);
	} else if (addr_parse(host, a, cause) == -1)
		return (-1);
	a->port = port;
	return (0);
}

/* Return 1 if two addresses are the same, ports ignored. */
int
addr_eq(const struct addr *a, const struct addr *b)
{
	return (addr_cmp(a, b) == 0);
}

/* Order addresses: IPv4 before IPv6, then numerically; ports ignored. */
int
addr_cmp(const struct addr *a, const struct addr *b)
{
	if (a->af != b->af)
		return (a->af == AF_INET ? -1 : 1);
	if (a->af == AF_INET)
		return (memcmp(&a->u.v4, &b->u.v4, sizeof a->u.v4));
	if (a->af == AF_INET6)
		return (memcmp(&a->u.v6, &b->u.v6, sizeof a->u.v6));
	return (0);
}

/* Format an address without port. */
const char *
addr_ntop(const struct addr *a, char *buf, size_t len)
{
	if (a->af == 0 || inet_ntop(a->af, &a->u, buf, len) == NULL)
		strlcpy(buf, "-", len);
	return (buf);
}

/* Format an address with its port, bracketing IPv6. */
const char *
addr_fmt(const struct addr *a, char *buf, size_t len)
{
	char	tmp[INET6_ADDRSTRLEN];

	addr_ntop(a, tmp, sizeof tmp);
	if (a->port == 0)
		strlcpy(buf, tmp, len);
	else if (a->af == AF_INET6)
		snprintf(buf, len, "[%s]:%u", tmp, a->port);
	else if (a->af == AF_INET && a->u.v4.s_addr == htonl(INADDR_ANY))
		snprintf(buf, len, "*:%u", a->port);
	else
		snprintf(buf, len, "%s:%u", tmp, a->port);
	return (buf);
}

/* Fill a sockaddr from an address; returns its length. */
socklen_t
addr_to_sa(const struct addr *a, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof *ss);
	if (a->af == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_addr = a->u.v4;
		sin->sin_port = htons(a->port);
		return (sizeof *sin);
	}
	sin6->sin6_family = AF_INET6;
	sin6->sin6_addr = a->u.v6;
	sin6->sin6_port = htons(a->port);
	return (sizeof *sin6);
}

/*
 * Read an address from a sockaddr. IPv4-mapped IPv6 addresses become IPv4,
 * so a client's address looks the same whichever socket it came in on.
 */
int
addr_from_sa(struct addr *a, const struct sockaddr *sa, socklen_t len)
{
	const struct sockaddr_in	*sin = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6	*sin6 = (const struct sockaddr_in6 *)sa;

	memset(a, 0, sizeof *a);
	if (sa->sa_family == AF_INET && len >= sizeof *sin) {
		a->af = AF_INET;
		a->u.v4 = sin->sin_addr;
		a->port = ntohs(sin->sin_port);
		return (0);
	}
	if (sa->sa_family == AF_INET6 && len >= sizeof *sin6) {
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			a->af = AF_INET;
			memcpy(&a->u.v4, &sin6->sin6_addr.s6_addr[12], 4);
		} else {
			a->af = AF_INET6;
			a->u.v6 = sin6->sin6_addr;
		}
		a->port = ntohs(sin6->sin6_port);
		return (0);
	}
	return (-1);
}

/* Return 1 for the wildcard address of a family (0.0.0.0 or ::). */
int
addr_is_any(const struct addr *a)
{
	if (a->af == AF_INET)
		return (a->u.v4.s_addr == htonl(INADDR_ANY));
	if (a->af == AF_INET6)
		return (IN6_IS_ADDR_UNSPECIFIED(&a->u.v6));
	return (0);
}

/*
 * Return 1 if the last number of the address is odd: the last octet of an
 * IPv4 address, the lowest bit of an IPv6 one.
 */
int
addr_is_odd(const struct addr *a)
{
	if (a->af == AF_INET)
		return (ntohl(a->u.v4.s_addr) & 1);
	return (a->u.v6.s6_addr[15] & 1);
}

/* Turn a contiguous IPv4 netmask into a prefix length. */
static int
mask_to_plen(struct in_addr mask, int *plen)
{
	uint32_t	m = ntohl(mask.s_addr);
	int		n = 0;

	while (n < 32 && (m & (0x80000000u >> n)))
		n++;
	if (n < 32 && (m << n) != 0)
		return (-1);
	*plen = n;
	return (0);
}

/* Zero the host bits of a network. */
static void
cidr_clear_host(struct cidr *c)
{
	int	i, bits;

	if (c->a.af == AF_INET) {
		if (c->plen == 0)
			c->a.u.v4.s_addr = 0;
		else
			c->a.u.v4.s_addr &=
			    htonl(0xffffffffu << (32 - c->plen));
		return;
	}
	for (i = 0; i < 16; i++) {
		bits = c->plen - i * 8;
		if (bits >= 8)
			continue;
		if (bits <= 0)
			c->a.u.v6.s6_addr[i] = 0;
		else
			c->a.u.v6.s6_addr[i] &= (uint8_t)(0xff << (8 - bits));
	}
}

/*
 * Parse a network: "addr" (a single host), "addr/len", or for IPv4
 * "addr/mask" such as 127.0.0.0/255.255.255.0. Host bits must be zero, so a
 * typo such as 10.1.2.3/8 is caught rather than silently widened.
 */
int
cidr_parse(const char *s, struct cidr *c, const char **cause)
{
	char		 buf[INET6_ADDRSTRLEN + 32], *slash;
	struct addr	 mask;
	struct cidr	 chk;
	const char	*errstr;
	int		 max;

	memset(c, 0, sizeof *c);
	if (strlcpy(buf, s, sizeof buf) >= sizeof buf) {
		*cause = "network too long";
		return (-1);
	}
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (addr_parse(buf, &c->a, cause) == -1)
		return (-1);
	max = c->a.af == AF_INET ? 32 : 128;
	if (slash == NULL) {
		c->plen = max;
		return (0);
	}
	if (c->a.af == AF_INET && strchr(slash, '.') != NULL) {
		if (addr_parse(slash, &mask, cause) == -1 ||
		    mask.af != AF_INET) {
			*cause = "netmask is not an IPv4 address";
			return (-1);
		}
		if (mask_to_plen(mask.u.v4, &c->plen) == -1) {
			*cause = "netmask is not contiguous";
			return (-1);
		}
	} else {
		if (*slash == '\0' || strspn(slash, "0123456789") !=
		    strlen(slash)) {
			*cause = "prefix length is not a number";
			return (-1);
		}
		c->plen = (int)strtonum(slash, 0, max, &errstr);
		if (errstr != NULL) {
			*cause = c->a.af == AF_INET ?
			    "prefix length out of range (0-32)" :
			    "prefix length out of range (0-128)";
			return (-1);
		}
	}
	chk = *c;
	cidr_clear_host(&chk);
	if (!addr_eq(&chk.a, &c->a)) {
		*cause = "address has host bits set for this prefix length";
		return (-1);
	}
	return (0);
}

/* Return 1 if the network holds the address. */
int
cidr_contains(const struct cidr *c, const struct addr *a)
{
	struct cidr	tmp;

	if (a->af != c->a.af)
		return (0);
	tmp.a = *a;
	tmp.a.port = 0;
	tmp.plen = c->plen;
	cidr_clear_host(&tmp);
	return (addr_eq(&tmp.a, &c->a));
}

/* Format a network as addr/len. */
const char *
cidr_fmt(const struct cidr *c, char *buf, size_t len)
{
	char	tmp[INET6_ADDRSTRLEN];

	snprintf(buf, len, "%s/%d", addr_ntop(&c->a, tmp, sizeof tmp),
	    c->plen);
	return (buf);
}

/* Format the dotted netmask of an IPv4 network. */
const char *
cidr_mask4(const struct cidr *c, char *buf, size_t len)
{
	struct in_addr	m;

	m.s_addr = c->plen == 0 ? 0 : htonl(0xffffffffu << (32 - c->plen));
	if (inet_ntop(AF_INET, &m, buf, len) == NULL)
		strlcpy(buf, "255.255.255.255", len);
	return (buf);
}

/*
 * Return 1 if the string is a valid DNS host name (RFC 1123 labels: letters,
 * digits, inner hyphens, 1-63 characters; 253 in all). Such names are safe
 * to put inside a quoted JavaScript string or an HTTP header.
 */
int
host_valid(const char *s)
{
	size_t		 n = 0, label = 0;
	const char	*p;

	if (*s == '\0' || strlen(s) > HOST_MAXLEN)
		return (0);
	for (p = s; *p != '\0'; p++, n++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return (0);
			label = 0;
			continue;
		}
		if (!isascii((unsigned char)*p) ||
		    (!isalnum((unsigned char)*p) && *p != '-'))
			return (0);
		if (*p == '-' && label == 0)
			return (0);
		if (++label > 63)
			return (0);
	}
	return (label != 0 && p[-1] != '-');
}

/* Parse "host:port", "a.b.c.d:port" or "[v6]:port". */
int
hostport_parse(const char *s, struct hostport *hp, const char **cause)
{
	struct addr	 a;
	char		 buf[HOST_MAXLEN + 16], *colon;

	memset(hp, 0, sizeof *hp);
	if (addr_parse_port(s, &a, cause) == 0) {
		if (a.af == AF_INET && a.u.v4.s_addr == htonl(INADDR_ANY)) {
			*cause = "a proxy host cannot be *";
			return (-1);
		}
		addr_ntop(&a, hp->host, sizeof hp->host);
		hp->af = a.af;
		hp->port = a.port;
		return (0);
	}
	if (s[0] == '[' || strlcpy(buf, s, sizeof buf) >= sizeof buf)
		return (-1);
	if ((colon = strrchr(buf, ':')) == NULL) {
		*cause = "missing :port";
		return (-1);
	}
	*colon = '\0';
	if (port_parse(colon + 1, &hp->port, cause) == -1)
		return (-1);
	if (!host_valid(buf) || strspn(buf, "0123456789.") == strlen(buf)) {
		*cause = "not a valid host name or address";
		return (-1);
	}
	strlcpy(hp->host, buf, sizeof hp->host);
	return (0);
}

/* Format host:port, bracketing IPv6 literals. */
const char *
hostport_fmt(const struct hostport *hp, char *buf, size_t len)
{
	if (hp->af == AF_INET6)
		snprintf(buf, len, "[%s]:%u", hp->host, hp->port);
	else
		snprintf(buf, len, "%s:%u", hp->host, hp->port);
	return (buf);
}
