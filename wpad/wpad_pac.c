/*
 * wpad_pac.c: generate the PAC scripts of a peer from its wpad block.
 *
 * In the per-client variant the server decides: even clients (last number
 * of the address as the server sees it; for IPv6 the lowest bit) get one
 * script, odd clients the other. The two proxies are put in a canonical
 * order that does not depend on which peer generates the script, so peer A
 * and peer B give the same client the same first proxy. In the
 * my-ip-address variant one script decides in the browser from
 * myIpAddress(), with a fixed order for anything that is not a usable IPv4
 * address.
 *
 * Everything pasted into a script was validated when the config was read
 * (host names by host_valid(), networks by cidr_parse(), domains by the
 * domain checker), and the finished script is checked once more by
 * wpad_verify() before anyone can be served it.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "wpad.h"
#include "xmalloc.h"

static void	pac_order(const struct wpad_pac *, int, int *, int *, char *,
		    size_t);
static void	pac_result(const struct wpad_pac *, const int *, int, char *,
		    size_t);
static void	pac_rules(FILE *, const struct cfg_wpad *);
static int	pac_emit(struct wpad_pac *, const struct cfg_wpad *, int,
		    const char **);

/*
 * Order two proxies canonically: numerically when both hosts are address
 * literals of the same family, otherwise by host name compared without
 * regard to case; then by port. Returns <0, 0 or >0 like strcmp.
 */
int
wpad_hostport_cmp(const struct hostport *a, const struct hostport *b)
{
	struct addr	 aa, ba;
	const char	*cause;
	int		 c;

	if (a->af != 0 && a->af == b->af &&
	    addr_parse(a->host, &aa, &cause) == 0 &&
	    addr_parse(b->host, &ba, &cause) == 0)
		c = addr_cmp(&aa, &ba);
	else
		c = strcasecmp(a->host, b->host);
	if (c != 0)
		return (c);
	return ((int)a->port - (int)b->port);
}

/*
 * Work out the proxy order for clients of class <cls> (WPAD_EVEN or
 * WPAD_ODD): fill <out> with WPAD_SELF/WPAD_PARTNER, <n> with the count and
 * <why> with the reason, for logs and twinctl.
 */
static void
pac_order(const struct wpad_pac *pac, int cls, int *out, int *n, char *why,
    size_t len)
{
	const char	*cname = cls == WPAD_EVEN ? "even" : "odd";
	int		 t;

	if (pac->nproxy == 1) {
		out[0] = WPAD_SELF;
		*n = 1;
		strlcpy(why, "only one proxy is configured", len);
		return;
	}
	*n = 2;
	if (pac->balance) {
		out[0] = pac->canon[cls == WPAD_EVEN ? 0 : 1];
		out[1] = pac->canon[cls == WPAD_EVEN ? 1 : 0];
		snprintf(why, len, "%s address: %s in canonical order", cname,
		    cls == WPAD_EVEN ? "first" : "second");
	} else {
		out[0] = WPAD_SELF;
		out[1] = WPAD_PARTNER;
		strlcpy(why, "balance is off: this peer's proxy", len);
	}
	if (pac->down[out[0]] && !pac->down[out[1]]) {
		t = out[0];
		out[0] = out[1];
		out[1] = t;
		snprintf(why, len, "%s is down: it is listed last for every "
		    "client", pac->proxy[t]);
	}
}

/* Write the PAC result string for a proxy order. */
static void
pac_result(const struct wpad_pac *pac, const int *order, int n, char *buf,
    size_t len)
{
	int	i;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i > 0)
			strlcat(buf, "; ", len);
		strlcat(buf, "PROXY ", len);
		strlcat(buf, pac->proxy[order[i]], len);
	}
	if (pac->fallback_direct)
		strlcat(buf, "; DIRECT", len);
}

/*
 * Write the DIRECT rules. The host is tested for an IPv4 literal first, so
 * isInNet() never makes the browser resolve a name; IPv6 literals take
 * the only path that uses an *Ex function; names are matched as text.
 */
static void
pac_rules(FILE *f, const struct cfg_wpad *w)
{
	char		 net[INET6_ADDRSTRLEN], mask[INET_ADDRSTRLEN];
	char		 cbuf[INET6_ADDRSTRLEN + 8];
	const char	*d;
	size_t		 i;

	fputs("\tif (host.charAt(0) == \"[\")\n"
	    "\t\thost = host.substring(1, host.length - 1);\n"
	    "\thost = host.toLowerCase();\n"
	    "\tif (/^[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}$/"
	    ".test(host)) {\n", f);
	for (i = 0; i < w->ndirect; i++) {
		if (w->direct[i].a.af != AF_INET)
			continue;
		fprintf(f, "\t\tif (isInNet(host, \"%s\", \"%s\"))\n"
		    "\t\t\treturn \"DIRECT\";\n",
		    addr_ntop(&w->direct[i].a, net, sizeof net),
		    cidr_mask4(&w->direct[i], mask, sizeof mask));
	}
	fputs("\t} else if (host.indexOf(\":\") >= 0) {\n", f);
	for (i = 0; i < w->ndirect; i++) {
		if (w->direct[i].a.af != AF_INET6)
			continue;
		fprintf(f, "\t\tif (isInNetEx(host, \"%s\"))\n"
		    "\t\t\treturn \"DIRECT\";\n",
		    cidr_fmt(&w->direct[i], cbuf, sizeof cbuf));
	}
	fputs("\t} else {\n", f);
	if (w->plain_hosts_direct)
		fputs("\t\tif (isPlainHostName(host))\n"
		    "\t\t\treturn \"DIRECT\";\n", f);
	for (i = 0; i < w->ndirect_domain; i++) {
		d = w->direct_domain[i];
		if (*d == '.')
			fprintf(f, "\t\tif (dnsDomainIs(host, \"%s\"))\n", d);
		else
			fprintf(f, "\t\tif (host == \"%s\" || "
			    "dnsDomainIs(host, \".%s\"))\n", d, d);
		fputs("\t\t\treturn \"DIRECT\";\n", f);
	}
	fputs("\t}\n", f);
}

/*
 * Write script <idx> (a per-client class, or 0 for the my-ip-address
 * script), check it and store it in <pac>.
 */
static int
pac_emit(struct wpad_pac *pac, const struct cfg_wpad *w, int idx,
    const char **cause)
{
	FILE	*f;
	char	*buf = NULL;
	size_t	 len = 0, i;
	int	 diff;

	if ((f = open_memstream(&buf, &len)) == NULL)
		fatal("open_memstream");
	fputs("// PAC script generated by twin-wpad.\n", f);
	fprintf(f, "// Proxies in canonical order: %s",
	    pac->proxy[pac->canon[0]]);
	if (pac->nproxy == 2)
		fprintf(f, ", %s", pac->proxy[pac->canon[1]]);
	fputs(".\n", f);
	for (i = 0; i < (size_t)pac->nproxy; i++)
		if (pac->down[i])
			fprintf(f, "// %s is down.\n", pac->proxy[i]);
	if (pac->variant == PAC_PER_CLIENT)
		fprintf(f, "// For clients whose address is %s: %s first "
		    "(%s).\n", idx == WPAD_EVEN ? "even" : "odd",
		    pac->first[idx], pac->why[idx]);
	fputs("function FindProxyForURL(url, host)\n{\n", f);
	pac_rules(f, w);
	diff = strcmp(pac->result[WPAD_EVEN], pac->result[WPAD_ODD]) != 0;
	if (pac->variant == PAC_PER_CLIENT || !diff) {
		fprintf(f, "\treturn \"%s\";\n}\n", pac->result[idx]);
	} else {
		/*
		 * Anything but a plain IPv4 address that is neither loopback
		 * nor 0.0.0.0 (an IPv6 address, garbage, nothing) gets the
		 * fixed order, the one of even clients.
		 */
		fprintf(f, "\tvar ip = \"\" + myIpAddress();\n"
		    "\tvar m = /^([0-9]{1,3})\\.([0-9]{1,3})\\.([0-9]{1,3})"
		    "\\.([0-9]{1,3})$/.exec(ip);\n"
		    "\tif (m == null || parseInt(m[1], 10) == 127 ||\n"
		    "\t    ip == \"0.0.0.0\" || parseInt(m[1], 10) > 255 ||\n"
		    "\t    parseInt(m[2], 10) > 255 || "
		    "parseInt(m[3], 10) > 255 ||\n"
		    "\t    parseInt(m[4], 10) > 255)\n"
		    "\t\treturn \"%s\";\n"
		    "\tif (parseInt(m[4], 10) %% 2 == 0)\n"
		    "\t\treturn \"%s\";\n"
		    "\treturn \"%s\";\n}\n",
		    pac->result[WPAD_EVEN], pac->result[WPAD_EVEN],
		    pac->result[WPAD_ODD]);
	}
	if (fclose(f) != 0)
		fatal("open_memstream");
	if (wpad_verify(buf, len, cause) == -1) {
		free(buf);
		return (-1);
	}
	pac->script[idx] = buf;
	pac->len[idx] = len;
	return (0);
}

/*
 * Build the scripts for wpad block <w> with the proxies in <down> (indexed
 * by WPAD_SELF/WPAD_PARTNER, NULL for both up) marked down. On failure
 * <pac> holds nothing and <cause> says why; the caller keeps its old
 * scripts.
 */
int
wpad_pac_build(struct wpad_pac *pac, const struct cfg_wpad *w,
    const int *down, const char **cause)
{
	int	order[WPAD_NPROXY], n, i;

	memset(pac, 0, sizeof *pac);
	pac->variant = w->script;
	pac->balance = w->balance;
	pac->fallback_direct = w->fallback_direct;
	pac->nproxy = w->partner_proxy.port != 0 ? 2 : 1;
	hostport_fmt(&w->proxy, pac->proxy[WPAD_SELF],
	    sizeof pac->proxy[WPAD_SELF]);
	pac->canon[0] = WPAD_SELF;
	pac->canon[1] = WPAD_PARTNER;
	if (pac->nproxy == 2) {
		hostport_fmt(&w->partner_proxy, pac->proxy[WPAD_PARTNER],
		    sizeof pac->proxy[WPAD_PARTNER]);
		if (wpad_hostport_cmp(&w->partner_proxy, &w->proxy) < 0) {
			pac->canon[0] = WPAD_PARTNER;
			pac->canon[1] = WPAD_SELF;
		}
		if (down != NULL) {
			pac->down[WPAD_SELF] = down[WPAD_SELF];
			pac->down[WPAD_PARTNER] = down[WPAD_PARTNER];
		}
	}
	for (i = 0; i < WPAD_NSCRIPT; i++) {
		pac_order(pac, i, order, &n, pac->why[i], sizeof pac->why[i]);
		pac_result(pac, order, n, pac->result[i],
		    sizeof pac->result[i]);
		strlcpy(pac->first[i], pac->proxy[order[0]],
		    sizeof pac->first[i]);
	}
	if (pac->variant == PAC_MY_IP_ADDRESS) {
		if (pac_emit(pac, w, 0, cause) == -1)
			goto fail;
		return (0);
	}
	for (i = 0; i < WPAD_NSCRIPT; i++)
		if (pac_emit(pac, w, i, cause) == -1)
			goto fail;
	return (0);
fail:
	wpad_pac_free(pac);
	return (-1);
}

/* Free the scripts. */
void
wpad_pac_free(struct wpad_pac *pac)
{
	int	i;

	for (i = 0; i < WPAD_NSCRIPT; i++) {
		free(pac->script[i]);
		pac->script[i] = NULL;
		pac->len[i] = 0;
	}
}

/* Return the index of the script to serve to <client>. */
int
wpad_pac_select(const struct wpad_pac *pac, const struct addr *client)
{
	if (pac->variant == PAC_MY_IP_ADDRESS)
		return (0);
	return (addr_is_odd(client) ? WPAD_ODD : WPAD_EVEN);
}

/*
 * Explain in <buf> what <client> gets and why: the first proxy and the
 * rule that put it there.
 */
const char *
wpad_pac_reason(const struct wpad_pac *pac, const struct addr *client,
    char *buf, size_t len)
{
	char	a[INET6_ADDRSTRLEN];
	int	i, odd = addr_is_odd(client), fixed;

	addr_ntop(client, a, sizeof a);
	if (pac->variant == PAC_MY_IP_ADDRESS) {
		fixed = client->af != AF_INET ||
		    (ntohl(client->u.v4.s_addr) >> 24) == 127 ||
		    client->u.v4.s_addr == 0;
		i = odd && !fixed ? WPAD_ODD : WPAD_EVEN;
		snprintf(buf, len, "my-ip-address script, the browser "
		    "decides: with myIpAddress() %s it uses %s first (%s)", a,
		    pac->first[i], fixed ? "not a usable IPv4 address: the "
		    "fixed order, that of even clients" : pac->why[i]);
		return (buf);
	}
	i = odd ? WPAD_ODD : WPAD_EVEN;
	snprintf(buf, len, "%s is %s: %s first (%s)", a, odd ? "odd" : "even",
	    pac->first[i], pac->why[i]);
	return (buf);
}
