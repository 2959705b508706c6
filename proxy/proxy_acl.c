/* proxy_acl.c: who may use the proxy and where requests may go. */
#include <string.h>
#include <strings.h>

#include "proxy.h"

/*
 * Whether a client address may use the proxy. No allow list means no
 * client at all: the proxy is never open by default.
 */
int
proxy_acl_client(const struct cfg_proxy *pc, const struct addr *a)
{
	size_t	i;

	for (i = 0; i < pc->nallow; i++)
		if (cidr_contains(&pc->allow[i], a))
			return (1);
	return (0);
}

/*
 * Match host against one deny-domain entry: "example.com" is that name
 * only, ".example.com" is the name and every name below it. Both sides
 * compare without case and without a trailing dot.
 */
int
proxy_acl_domain_match(const char *entry, const char *host)
{
	size_t	elen, hlen;
	int	suffix = 0;

	if (*entry == '.') {
		suffix = 1;
		entry++;
	}
	elen = strlen(entry);
	hlen = strlen(host);
	if (elen > 0 && entry[elen - 1] == '.')
		elen--;
	if (hlen > 0 && host[hlen - 1] == '.')
		hlen--;
	if (elen == 0)
		return (0);
	if (hlen == elen && strncasecmp(host, entry, elen) == 0)
		return (1);
	if (suffix && hlen > elen && host[hlen - elen - 1] == '.' &&
	    strncasecmp(host + hlen - elen, entry, elen) == 0)
		return (1);
	return (0);
}

/*
 * Check a request's destination. Returns NULL when allowed, else the
 * reason for the 403 page and the log.
 */
const char *
proxy_acl_request(const struct cfg_proxy *pc, const char *host,
    unsigned port, int connect)
{
	size_t	i;

	if (connect) {
		for (i = 0; i < pc->nconnect_port; i++)
			if (pc->connect_port[i] == port)
				break;
		if (i == pc->nconnect_port)
			return ("CONNECT to this port is not allowed");
	}
	for (i = 0; i < pc->ndeny_port; i++)
		if (pc->deny_port[i] == port)
			return ("destination port is denied");
	for (i = 0; i < pc->ndeny_domain; i++)
		if (proxy_acl_domain_match(pc->deny_domain[i], host))
			return ("destination domain is denied");
	return (NULL);
}
