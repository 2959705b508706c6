/* addr.h: IPv4/IPv6 addresses, address:port pairs, networks, host names. */
#ifndef ADDR_H
#define ADDR_H

#include <sys/socket.h>
#include <netinet/in.h>
#include <stdint.h>

#define ADDR_STRLEN	(INET6_ADDRSTRLEN + 8)	/* "[v6]:65535" */
#define HOST_MAXLEN	253

struct addr {
	int		 af;		/* AF_INET, AF_INET6; 0 when unset */
	union {
		struct in_addr	 v4;
		struct in6_addr	 v6;
	}		 u;
	uint16_t	 port;		/* host order; 0 when none */
};

struct cidr {
	struct addr	 a;		/* network address, host bits zero */
	int		 plen;		/* prefix length */
};

/* A host name or literal address with a port, as used in PAC scripts. */
struct hostport {
	char		 host[HOST_MAXLEN + 1];
	int		 af;		/* literal's family, 0 for a name */
	uint16_t	 port;
};

int	 addr_parse(const char *, struct addr *, const char **);
int	 addr_parse_port(const char *, struct addr *, const char **);
int	 addr_eq(const struct addr *, const struct addr *);
int	 addr_cmp(const struct addr *, const struct addr *);
const char *addr_ntop(const struct addr *, char *, size_t);
const char *addr_fmt(const struct addr *, char *, size_t);
socklen_t addr_to_sa(const struct addr *, struct sockaddr_storage *);
int	 addr_from_sa(struct addr *, const struct sockaddr *, socklen_t);
int	 addr_is_odd(const struct addr *);
int	 addr_is_any(const struct addr *);

int	 cidr_parse(const char *, struct cidr *, const char **);
int	 cidr_contains(const struct cidr *, const struct addr *);
const char *cidr_fmt(const struct cidr *, char *, size_t);
const char *cidr_mask4(const struct cidr *, char *, size_t);

int	 host_valid(const char *);
int	 hostport_parse(const char *, struct hostport *, const char **);
const char *hostport_fmt(const struct hostport *, char *, size_t);
int	 port_parse(const char *, uint16_t *, const char **);

#endif
