/*
 * cfg_check.c: checks that need more than one setting, run once the whole
 * file has parsed. Each error points at the line of the setting at fault.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "cfg.h"

static int	line_of(const struct cfg_blk *, const char *, const char *);
static int	seen(const struct cfg_blk *, const char *, const char *);
static void	check_required(struct cfg_parser *, const char *,
		    const struct cfg_blk *);
static void	check_listen_dups(struct cfg_parser *, const char *,
		    const struct cfg_blk *, const struct addr *, size_t);
static void	check_peer_ha(struct cfg *, struct cfg_parser *);
static void	check_proxy(struct cfg *, struct cfg_parser *);
static void	check_wpad(struct cfg *, struct cfg_parser *);
static void	check_wpad_fip(struct cfg *, struct cfg_parser *,
		    const struct hostport *, const char *, int);
static void	check_cluster(struct cfg *, struct cfg_parser *,
		    struct cfg_cluster *);
static void	check_cluster_listen(struct cfg *, struct cfg_parser *,
		    struct cfg_cluster *);
static void	check_cluster_persist(struct cfg_parser *,
		    struct cfg_cluster *);
static void	check_cluster_checks(struct cfg_parser *,
		    struct cfg_cluster *);
static void	check_cluster_mip6(struct cfg_parser *,
		    struct cfg_cluster *);
static void	check_cluster_servers(struct cfg *, struct cfg_parser *,
		    struct cfg_cluster *);
static void	unused(struct cfg_parser *, const struct cfg_cluster *,
		    const char *, const char *);
static int	cookie_path_valid(const char *);
static int	not_default(const struct cfg_cluster *, const char *);
static int	listen_clash(const struct addr *, unsigned int,
		    const struct addr *, unsigned int, int);
static const char *listen_fmt(const struct cfg_listen *, char *, size_t);
static void	check_outbound(const struct cfg *, struct cfg_parser *,
		    const struct cfg_cluster *);

/* The line where <kw> of a block was set, else the block's own line. */
static int
line_of(const struct cfg_blk *b, const char *block, const char *kw)
{
	return (cfg_kw_line(b, cfg_blockdef_find(block)->kws, kw));
}

/* Return 1 if <kw> of a block was given, with a valid value or not. */
static int
seen(const struct cfg_blk *b, const char *block, const char *kw)
{
	const struct cfg_blockdef	*bd = cfg_blockdef_find(block);

	return ((b->seen & (1ULL << (cfg_kw_find(bd->kws, kw) - bd->kws))) !=
	    0);
}

/* Every CFG_REQUIRED keyword of a present block must be set. */
static void
check_required(struct cfg_parser *p, const char *block,
    const struct cfg_blk *b)
{
	const struct cfg_blockdef	*bd = cfg_blockdef_find(block);
	const struct cfg_kw		*kw;

	/* A keyword given with a bad value was reported already. */
	for (kw = bd->kws; kw->name != NULL; kw++)
		if ((kw->flags & CFG_REQUIRED) &&
		    !(b->seen & (1ULL << (kw - bd->kws))))
			cfg_error(p, b->file, b->line,
			    "block '%s' needs '%s'", block, kw->name);
}

/* The same address:port may be listened on once per block. */
static void
check_listen_dups(struct cfg_parser *p, const char *block,
    const struct cfg_blk *b, const struct addr *l, size_t n)
{
	char	buf[ADDR_STRLEN];
	size_t	i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++)
			if (addr_eq(&l[i], &l[j]) && l[i].port == l[j].port)
				cfg_error(p, b->file, line_of(b, block,
				    "listen"), "listen %s given twice",
				    addr_fmt(&l[i], buf, sizeof buf));
}

/* The pair: real addresses, partner, floating IPs, redundancy settings. */
static void
check_peer_ha(struct cfg *cfg, struct cfg_parser *p)
{
	struct cfg_peer	*pe = &cfg->peer;
	struct cfg_ha	*ha = &cfg->ha;
	char		 buf[ADDR_STRLEN];
	size_t		 i, j;
	int		 line;

	if (pe->partner.af != 0 && addr_eq(&pe->partner, &pe->address))
		cfg_error(p, pe->blk.file, line_of(&pe->blk, "peer", "partner"),
		    "partner %s is this peer's own address",
		    addr_ntop(&pe->partner, buf, sizeof buf));
	for (i = 0; i < ha->nfloating_ip; i++) {
		line = line_of(&ha->blk, "ha", "floating-ip");
		addr_ntop(&ha->floating_ip[i].a, buf, sizeof buf);
		if (addr_eq(&ha->floating_ip[i].a, &pe->address))
			cfg_error(p, ha->blk.file, line, "floating-ip %s is "
			    "this peer's real address (peer address)", buf);
		if (pe->partner.af != 0 &&
		    addr_eq(&ha->floating_ip[i].a, &pe->partner))
			cfg_error(p, ha->blk.file, line, "floating-ip %s is "
			    "the partner's real address (peer partner)", buf);
		for (j = 0; j < i; j++)
			if (addr_eq(&ha->floating_ip[i].a,
			    &ha->floating_ip[j].a))
				cfg_error(p, ha->blk.file, line,
				    "floating-ip %s given twice", buf);
	}
	if (!ha->redundancy)
		return;
	if (!seen(&ha->blk, "ha", "role"))
		cfg_error(p, ha->blk.file, ha->blk.line, "redundancy yes needs "
		    "'role primary' or 'role backup'");
	if (pe->partner.af == 0 && !seen(&pe->blk, "peer", "partner"))
		cfg_error(p, ha->blk.file, line_of(&ha->blk, "ha",
		    "redundancy"), "redundancy yes needs 'partner' in the "
		    "peer block");
	else if (pe->partner.af != 0 && pe->address.af != 0 &&
	    pe->partner.af != pe->address.af)
		cfg_error(p, pe->blk.file, line_of(&pe->blk, "peer", "partner"),
		    "partner and address must be of the same family");
	if (ha->nfloating_ip == 0 && !seen(&ha->blk, "ha", "floating-ip"))
		cfg_error(p, ha->blk.file, line_of(&ha->blk, "ha",
		    "redundancy"), "redundancy yes needs a 'floating-ip'");
	if (ha->floating_multi && ha->nfloating_ip > CFG_HA_MAXINST)
		cfg_error(p, ha->blk.file, line_of(&ha->blk, "ha",
		    "floating-ip"), "at most %d floating IPs when any has "
		    "'prefer' (each has a state machine of its own)",
		    CFG_HA_MAXINST);
	if ((uint64_t)ha->garp_count * ha->garp_interval >
	    (uint64_t)ha->count * ha->interval)
		cfg_warning(p, ha->blk.file, line_of(&ha->blk, "ha",
		    "garp-count"), "the gratuitous ARP burst lasts longer "
		    "than failover detection (interval x count)");
}

/* The proxy: listeners, and a warning when no client may use it. */
static void
check_proxy(struct cfg *cfg, struct cfg_parser *p)
{
	struct cfg_proxy	*px = &cfg->proxy;

	if (!px->blk.present)
		return;
	check_required(p, "proxy", &px->blk);
	check_listen_dups(p, "proxy", &px->blk, px->listen, px->nlisten);
	cfg_check_logfwd(p, &px->blk, cfg_blockdef_find("proxy")->kws,
	    &px->access_fwd);
	if (px->nallow == 0)
		cfg_warning(p, px->blk.file, px->blk.line, "proxy has no "
		    "'allow': every client will be refused (403)");
	if (px->outgoing_address.af != 0 &&
	    cfg->peer.address.af == px->outgoing_address.af &&
	    !addr_eq(&px->outgoing_address, &cfg->peer.address)) {
		size_t i;

		for (i = 0; i < cfg->ha.nfloating_ip; i++)
			if (addr_eq(&cfg->ha.floating_ip[i].a,
			    &px->outgoing_address))
				cfg_error(p, px->blk.file, line_of(&px->blk,
				    "proxy", "outgoing-address"),
				    "outgoing-address must not be a floating "
				    "IP: it moves with the active role");
	}
}

/* The WPAD server: its two proxies. */
static void
check_wpad(struct cfg *cfg, struct cfg_parser *p)
{
	struct cfg_wpad	*w = &cfg->wpad;

	if (!w->blk.present)
		return;
	check_required(p, "wpad", &w->blk);
	check_listen_dups(p, "wpad", &w->blk, w->listen, w->nlisten);
	if (w->partner_proxy.port != 0 &&
	    strcasecmp(w->partner_proxy.host, w->proxy.host) == 0 &&
	    w->partner_proxy.port == w->proxy.port)
		cfg_error(p, w->blk.file, line_of(&w->blk, "wpad",
		    "partner-proxy"), "partner-proxy is the same as proxy");
	if (w->balance && w->partner_proxy.port == 0 &&
	    cfg_kw_isset(&w->blk, cfg_blockdef_find("wpad")->kws, "balance"))
		cfg_warning(p, w->blk.file, line_of(&w->blk, "wpad",
		    "balance"), "balance has no effect without partner-proxy");
	if (!cfg->ha.floating_multi)
		return;
	check_wpad_fip(cfg, p, &w->proxy, "proxy", FIP_PREFER_SELF);
	if (w->partner_proxy.port != 0)
		check_wpad_fip(cfg, p, &w->partner_proxy, "partner-proxy",
		    FIP_PREFER_PARTNER);
}

/*
 * With per-proxy floating addresses, the script should name them: this
 * peer's proxy by the address it prefers, the partner's by the one the
 * partner prefers, and this peer's proxy must listen on both, since it
 * answers for the partner's address after a takeover.
 */
static void
check_wpad_fip(struct cfg *cfg, struct cfg_parser *p,
    const struct hostport *hp, const char *kw, int want)
{
	struct cfg_wpad	*w = &cfg->wpad;
	struct cfg_ha	*ha = &cfg->ha;
	struct cfg_proxy *px = &cfg->proxy;
	struct addr	 a;
	const char	*cause;
	size_t		 i, j;
	int		 line = line_of(&w->blk, "wpad", kw);

	if (hp->af == 0 || addr_parse(hp->host, &a, &cause) == -1)
		return;
	for (i = 0; i < ha->nfloating_ip; i++)
		if (addr_eq(&ha->floating_ip[i].a, &a))
			break;
	if (i == ha->nfloating_ip) {
		if (addr_eq(&a, &cfg->peer.address) ||
		    addr_eq(&a, &cfg->peer.partner))
			cfg_warning(p, w->blk.file, line, "%s %s is a real "
			    "address: with per-proxy floating addresses "
			    "('prefer' in the ha block) name the floating "
			    "address instead, so clients follow it when a "
			    "host dies", kw, hp->host);
		return;
	}
	if (ha->floating_prefer[i] != want) {
		cfg_error(p, w->blk.file, line, "%s %s is a floating IP that "
		    "%s; it must be the one with 'prefer %s'", kw, hp->host,
		    ha->floating_prefer[i] == FIP_PREFER_ROLE ?
		    "follows the role" : want == FIP_PREFER_SELF ?
		    "the partner prefers" : "this peer prefers",
		    want == FIP_PREFER_SELF ? "self" : "partner");
		return;
	}
	if (!px->blk.present)
		return;
	for (j = 0; j < px->nlisten; j++)
		if (px->listen[j].port == hp->port &&
		    (addr_eq(&px->listen[j], &a) ||
		    addr_is_any(&px->listen[j])))
			return;
	cfg_error(p, px->blk.file, line_of(&px->blk, "proxy", "listen"),
	    "the proxy must listen on %s:%u (wpad %s): it answers for that "
	    "floating address whenever this peer holds it", hp->host,
	    hp->port, kw);
}

/*
 * Return 1 if two listeners would take the same connections: same family,
 * overlapping ports, and the same address or, when <wild>, a wildcard on
 * either side (a socket bound to * takes the port on every address).
 */
static int
listen_clash(const struct addr *a, unsigned int alast, const struct addr *b,
    unsigned int blast, int wild)
{
	if (a->af != b->af || a->port > blast || b->port > alast)
		return (0);
	if (addr_eq(a, b))
		return (1);
	return (wild && (addr_is_any(a) || addr_is_any(b)));
}

/* Format a listener, with its port range if it has one. */
static const char *
listen_fmt(const struct cfg_listen *l, char *buf, size_t len)
{
	char	a[ADDR_STRLEN];

	addr_fmt(&l->addr, a, sizeof a);
	if (l->port_last != l->addr.port)
		snprintf(buf, len, "%s-%u", a, l->port_last);
	else
		snprintf(buf, len, "%s", a);
	return (buf);
}

/*
 * A cluster's listeners: ranges only in l4, no listener taken twice, in
 * this cluster, by an earlier one, or by the proxy or WPAD server. Packets
 * of an l4 cluster never reach the kernel's sockets, so only the exact
 * address clashes there; l7 and https clusters bind sockets, and a
 * wildcard takes every address.
 */
static void
check_cluster_listen(struct cfg *cfg, struct cfg_parser *p,
    struct cfg_cluster *cl)
{
	struct cfg_cluster	*o;
	struct cfg_listen	*l, *m;
	char			 buf[ADDR_STRLEN + 8];
	size_t			 i, j;
	int			 wild, l4 = cl->mode == LB_MODE_L4;

	for (i = 0; i < cl->nlisten; i++) {
		l = &cl->listen[i];
		listen_fmt(l, buf, sizeof buf);
		if (l->port_last != l->addr.port && !l4)
			cfg_error(p, cl->blk.file, l->line, "listen %s: a port "
			    "range needs mode l4", buf);
		if (l4 && addr_is_any(&l->addr))
			cfg_error(p, cl->blk.file, l->line, "listen %s: an l4 "
			    "cluster needs its own address, not a wildcard",
			    buf);
		for (j = 0; j < i; j++)
			if (listen_clash(&l->addr, l->port_last,
			    &cl->listen[j].addr, cl->listen[j].port_last, 0))
				cfg_error(p, cl->blk.file, l->line, "listen %s "
				    "given twice (first on line %d)", buf,
				    cl->listen[j].line);
		TAILQ_FOREACH(o, &cfg->clusters, entry) {
			if (o == cl)
				break;
			wild = !l4 && o->mode != LB_MODE_L4;
			for (j = 0; j < o->nlisten; j++) {
				m = &o->listen[j];
				if (listen_clash(&l->addr, l->port_last,
				    &m->addr, m->port_last, wild))
					cfg_error(p, cl->blk.file, l->line,
					    "listen %s clashes with cluster "
					    "'%s' (%s:%d)", buf, o->name,
					    o->blk.file, m->line);
			}
		}
		if (cfg->proxy.blk.present)
			for (j = 0; j < cfg->proxy.nlisten; j++)
				if (listen_clash(&l->addr, l->port_last,
				    &cfg->proxy.listen[j],
				    cfg->proxy.listen[j].port, !l4))
					cfg_error(p, cl->blk.file, l->line,
					    "listen %s clashes with the "
					    "proxy's listen (%s:%d)", buf,
					    cfg->proxy.blk.file,
					    line_of(&cfg->proxy.blk, "proxy",
					    "listen"));
		if (cfg->wpad.blk.present)
			for (j = 0; j < cfg->wpad.nlisten; j++)
				if (listen_clash(&l->addr, l->port_last,
				    &cfg->wpad.listen[j],
				    cfg->wpad.listen[j].port, !l4))
					cfg_error(p, cl->blk.file, l->line,
					    "listen %s clashes with the WPAD "
					    "server's listen (%s:%d)", buf,
					    cfg->wpad.blk.file,
					    line_of(&cfg->wpad.blk, "wpad",
					    "listen"));
	}
}

/* Return 1 if a cluster's setting <name> holds other than its default. */
static int
not_default(const struct cfg_cluster *cl, const char *name)
{
	const struct cfg_kw	*kw = cfg_kw_find(cfg_blockdef_find(
				    "cluster")->kws, name);
	const void		*v = (const char *)cl + kw->off;
	const char		*cause, *s;
	union {
		int		 i;
		unsigned int	 u;
		uint64_t	 u64;
		char		*s;
	}			 d;
	int			 rv;

	switch (kw->type) {
	case CFG_STRING:
	case CFG_PATH:
	case CFG_NAME:
	case CFG_DOMAIN:
		s = *(char *const *)v;
		if (kw->def == NULL || s == NULL)
			return (s != NULL);
		return (strcmp(s, kw->def) != 0);
	default:
		break;
	}
	memset(&d, 0, sizeof d);
	if (kw->def == NULL || cfg_value_parse(kw, kw->def, &d, &cause) == -1)
		return (1);
	switch (kw->type) {
	case CFG_DURATION:
	case CFG_SIZE:
		rv = d.u64 != *(const uint64_t *)v;
		break;
	case CFG_UINT:
	case CFG_PORT:
		rv = d.u != *(const unsigned int *)v;
		break;
	default:
		rv = d.i != *(const int *)v;
		break;
	}
	return (rv);
}

/*
 * Warn that setting <kw> has no effect, and why; only when it holds other
 * than its default, so that a dumped configuration reads back silently.
 */
static void
unused(struct cfg_parser *p, const struct cfg_cluster *cl, const char *kw,
    const char *why)
{
	if (cfg_kw_isset(&cl->blk, cfg_blockdef_find("cluster")->kws, kw) &&
	    not_default(cl, kw))
		cfg_warning(p, cl->blk.file, line_of(&cl->blk, "cluster", kw),
		    "%s has no effect %s", kw, why);
}

/* Return 1 if <s> may be a cookie's Path attribute. */
static int
cookie_path_valid(const char *s)
{
	if (*s != '/')
		return (0);
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f ||
		    strchr(";,\\\"", *s) != NULL)
			return (0);
	return (1);
}

/* Persistence: the kind fits the mode and the scheduler; its settings. */
static void
check_cluster_persist(struct cfg_parser *p, struct cfg_cluster *cl)
{
	static const char *const cookie_kws[] = { "cookie-name", "cookie-age",
	    "cookie-path", "cookie-domain", "cookie-generation",
	    "cookie-always", "once-only", "secret-file", NULL };
	static const char *const sticky_kws[] = { "sticky-timeout",
	    "sticky-netmask", "sticky-netmask6", "sticky-table-size",
	    "sticky-overflow", NULL };
	static const char *const names[] = { "none", "sticky", "cookie",
	    "mobile-ipv6" };
	const char	*s;
	int		 i, hash;

	hash = cl->scheduler == LB_SCHED_HASH_URI ||
	    cl->scheduler == LB_SCHED_HASH_HOST;
	if (hash && cl->mode == LB_MODE_L4)
		cfg_error(p, cl->blk.file, line_of(&cl->blk, "cluster",
		    "scheduler"), "scheduler %s reads the request: it needs "
		    "mode l7 or https", cl->scheduler == LB_SCHED_HASH_URI ?
		    "hash-uri" : "hash-host");
	if (hash && cl->persist != LB_PERSIST_NONE)
		cfg_error(p, cl->blk.file, line_of(&cl->blk, "cluster",
		    "persist"), "persist %s defeats a hash scheduler (each "
		    "URI or host already has its server): use persist none",
		    names[cl->persist]);
	if (cl->persist == LB_PERSIST_COOKIE && cl->mode == LB_MODE_L4)
		cfg_error(p, cl->blk.file, line_of(&cl->blk, "cluster",
		    "persist"), "cookie persistence needs mode l7 or https");
	if (cl->persist != LB_PERSIST_COOKIE)
		for (i = 0; cookie_kws[i] != NULL; i++)
			unused(p, cl, cookie_kws[i], "without persist cookie");
	/* Mobile IPv6 entries live in the sticky table, unmasked. */
	for (i = 0; sticky_kws[i] != NULL; i++)
		if (cl->persist != LB_PERSIST_STICKY &&
		    (cl->persist != LB_PERSIST_MIP6 ||
		    strncmp(sticky_kws[i], "sticky-netmask", 14) == 0))
			unused(p, cl, sticky_kws[i], "without persist sticky");
	check_cluster_mip6(p, cl);
	if (cl->persist != LB_PERSIST_COOKIE)
		return;
	/*
	 * The path goes into Set-Cookie verbatim, so it is held to less than
	 * RFC 6265 allows. A bad value was reported already and left none.
	 */
	if ((s = cl->cookie_path) != NULL && !cookie_path_valid(s))
		cfg_error(p, cl->blk.file, line_of(&cl->blk, "cluster",
		    "cookie-path"), "cookie-path must start with '/' and "
		    "hold only printable characters other than blanks, ';', "
		    "',', '\\' and '\"'");
	if (cl->once_only && cl->cookie_age != 0)
		cfg_warning(p, cl->blk.file, line_of(&cl->blk, "cluster",
		    "once-only"), "once-only with a cookie-age: a client's "
		    "new connection may lose its server (use once-only no, "
		    "or cookie-age 0)");
}

/*
 * persist mobile-ipv6 reads the IPv6 headers of packets: l4 clusters on
 * IPv6 addresses only. Its settings elsewhere have no effect.
 */
static void
check_cluster_mip6(struct cfg_parser *p, struct cfg_cluster *cl)
{
	char	buf[ADDR_STRLEN];
	size_t	i;

	if (cl->persist != LB_PERSIST_MIP6) {
		if (cl->persist_keys != 0)
			cfg_warning(p, cl->blk.file, line_of(&cl->blk,
			    "cluster", "persist-keys"), "persist-keys has no "
			    "effect without persist mobile-ipv6");
		unused(p, cl, "home-address", "without persist mobile-ipv6");
		unused(p, cl, "binding-updates",
		    "without persist mobile-ipv6");
		unused(p, cl, "persist-lifetime",
		    "without persist mobile-ipv6");
		return;
	}
	unused(p, cl, "sticky-timeout", "with persist mobile-ipv6 (its "
	    "entries live for persist-lifetime)");
	if (cl->mode != LB_MODE_L4)
		cfg_error(p, cl->blk.file, line_of(&cl->blk, "cluster",
		    "persist"), "persist mobile-ipv6 needs mode l4 (it reads "
		    "the IPv6 headers of packets)");
	for (i = 0; i < cl->nlisten; i++)
		if (cl->listen[i].addr.af != AF_INET6)
			cfg_error(p, cl->blk.file, cl->listen[i].line,
			    "persist mobile-ipv6 needs IPv6 cluster addresses, "
			    "not %s", addr_ntop(&cl->listen[i].addr, buf,
			    sizeof buf));
	if (cl->persist_keys == LB_PKEY_SPI)
		cfg_warning(p, cl->blk.file, line_of(&cl->blk, "cluster",
		    "persist-keys"), "persist-keys spi alone leaves the "
		    "cluster's TCP and UDP clients without persistence");
}

/* Health checks: what each kind needs, and clusters never checked. */
static void
check_cluster_checks(struct cfg_parser *p, struct cfg_cluster *cl)
{
	if (cl->check == LB_CHECK_ACV && (cl->check_send == NULL ||
	    cl->check_expect == NULL))
		cfg_error(p, cl->blk.file, line_of(&cl->blk, "cluster",
		    "check"), "check acv needs check-send and check-expect");
	if (cl->check != LB_CHECK_ACV) {
		unused(p, cl, "check-send", "without check acv");
		unused(p, cl, "check-expect", "without check acv");
		unused(p, cl, "check-tls", "without check acv");
	}
	if (cl->check == LB_CHECK_NONE && !cl->icmp_check)
		cfg_warning(p, cl->blk.file, line_of(&cl->blk, "cluster",
		    "check"), "no health check at all (check none, icmp-check "
		    "no): a dead server will never be noticed");
	if (cl->check_timeout >= cl->check_interval)
		cfg_error(p, cl->blk.file, line_of(&cl->blk, "cluster",
		    "check-timeout"), "check-timeout must be shorter than "
		    "check-interval");
}

/* Servers: what their options need, and clusters that cannot serve. */
static void
check_cluster_servers(struct cfg *cfg, struct cfg_parser *p,
    struct cfg_cluster *cl)
{
	struct cfg_server	*s;
	char			 buf[ADDR_STRLEN];
	size_t			 i, j, nspare = 0, ndisabled = 0;
	size_t			 nnopersist = 0, ntls = 0;

	for (i = 0; i < cl->nserver; i++) {
		s = &cl->server[i];
		nspare += (s->flags & LB_SRV_HOTSPARE) != 0;
		ndisabled += (s->flags & LB_SRV_DISABLED) != 0;
		nnopersist += (s->flags & LB_SRV_DONT_PERSIST) != 0;
		ntls += (s->flags & LB_SRV_TLS) != 0;
		for (j = 0; j < i; j++)
			if (addr_eq(&s->addr, &cl->server[j].addr) &&
			    s->addr.port == cl->server[j].addr.port)
				cfg_warning(p, cl->blk.file, s->line, "server "
				    "%s has the address of server %s (%s)",
				    s->name, cl->server[j].name, addr_fmt(
				    &s->addr, buf, sizeof buf));
		if ((s->flags & LB_SRV_DONT_PROBE) && !cl->icmp_check &&
		    cl->check != LB_CHECK_NONE)
			cfg_warning(p, cl->blk.file, s->line, "server %s is "
			    "never checked (dont-probe and icmp-check no): "
			    "a dead server will never be noticed", s->name);
		if ((s->flags & LB_SRV_TLS) && cl->mode == LB_MODE_L4)
			cfg_error(p, cl->blk.file, s->line, "server %s: tls "
			    "needs mode l7 or https (an l4 cluster relays "
			    "packets)", s->name);
		if (!(s->flags & LB_SRV_TLS) && !cl->check_tls &&
		    (!s->verify || s->tls_name != NULL))
			cfg_warning(p, cl->blk.file, s->line, "server %s: "
			    "%s has no effect without tls (or check-tls yes)",
			    s->name, s->verify ? "tls-name" : "verify no");
		if (cl->mode == LB_MODE_L4 && cl->nlisten > 0 &&
		    s->addr.af != cl->listen[0].addr.af)
			cfg_error(p, cl->blk.file, s->line, "server %s: an l4 "
			    "cluster relays packets unchanged, so its servers "
			    "need the family of its address", s->name);
		if (s->source == LB_SOURCE_FLOATING &&
		    cfg->ha.nfloating_ip == 0)
			cfg_error(p, cl->blk.file, s->line, "server %s: source "
			    "floating needs a floating-ip in the ha block",
			    s->name);
		if (s->source != LB_SOURCE_DEFAULT && cl->spoof)
			cfg_warning(p, cl->blk.file, s->line, "server %s: "
			    "source has no effect with spoof yes (the "
			    "client's address is used)", s->name);
	}
	if (ntls == 0 && !cl->check_tls)
		unused(p, cl, "server-ca-file", "without a tls server or "
		    "check-tls yes");
	if (cl->nserver == 0)
		return;
	if (ndisabled == cl->nserver)
		cfg_warning(p, cl->blk.file, cl->blk.line, "every server of "
		    "cluster '%s' is disabled: it will refuse every client",
		    cl->name);
	else if (nspare == cl->nserver)
		cfg_warning(p, cl->blk.file, cl->blk.line, "every server of "
		    "cluster '%s' is a hot spare", cl->name);
	if (cl->persist != LB_PERSIST_NONE && nnopersist == cl->nserver)
		cfg_warning(p, cl->blk.file, line_of(&cl->blk, "cluster",
		    "persist"), "every server is dont-persist: persistence has "
		    "no effect");
}

/* A cluster: listeners, servers, checks and persistence that fit its mode. */
static void
check_cluster(struct cfg *cfg, struct cfg_parser *p, struct cfg_cluster *cl)
{
	check_required(p, "cluster", &cl->blk);
	check_cluster_listen(cfg, p, cl);
	check_cluster_persist(p, cl);
	check_cluster_checks(p, cl);
	check_cluster_servers(cfg, p, cl);
	cfg_check_logfwd(p, &cl->blk, cfg_blockdef_find("cluster")->kws,
	    &cl->access_fwd);
	if (cl->mode == LB_MODE_HTTPS && cl->ncertificate == 0)
		cfg_error(p, cl->blk.file, cl->blk.line,
		    "mode https needs a 'certificate' (composite PEM file)");
	if (cl->mode != LB_MODE_HTTPS) {
		if (cl->ncertificate > 0)
			cfg_error(p, cl->blk.file, line_of(&cl->blk, "cluster",
			    "certificate"), "certificate is only for mode "
			    "https");
		if (cl->passphrase_file != NULL)
			cfg_error(p, cl->blk.file, line_of(&cl->blk, "cluster",
			    "passphrase-file"), "passphrase-file is only for "
			    "mode https");
	}
	if (cl->mode == LB_MODE_L4) {
		static const char *const http_kws[] = { "request-max",
		    "max-headers", "x-forwarded-for", "forwarded", "via",
		    "idle-timeout", "server-idle-timeout", NULL };
		int	i;

		size_t	j, k;

		for (i = 0; http_kws[i] != NULL; i++)
			unused(p, cl, http_kws[i], "in an l4 cluster");
		/* Direct routing rewrites the MAC address alone. */
		for (j = 0; cl->forwarding == LB_FWD_DR && j < cl->nserver;
		    j++)
			for (k = 0; k < cl->nlisten; k++)
				if (cl->listen[k].port_last ==
				    cl->listen[k].addr.port &&
				    cl->server[j].addr.port !=
				    cl->listen[k].addr.port) {
					cfg_error(p, cl->blk.file,
					    cl->server[j].line, "server %s: "
					    "forwarding direct-routing keeps "
					    "the port: the server needs port "
					    "%u", cl->server[j].name,
					    cl->listen[k].addr.port);
					break;
				}
		check_outbound(cfg, p, cl);
	} else {
		static const char *const l4_kws[] = { "forwarding",
		    "protocol", "flow-table-size", "syn-timeout",
		    "outbound-address", NULL };
		int	i;

		for (i = 0; l4_kws[i] != NULL; i++)
			unused(p, cl, l4_kws[i], "without mode l4");
	}
}

/*
 * outbound-address of l4 cluster <cl>: NAT mode, an address of the
 * cluster's family, and source ports the cluster does not listen on (the
 * answers to the servers' own connections would be taken for clients).
 */
static void
check_outbound(const struct cfg *cfg, struct cfg_parser *p,
    const struct cfg_cluster *cl)
{
	char		 buf[ADDR_STRLEN + 16];
	unsigned int	 lo, hi;
	size_t		 i;
	int		 line, af, found;

	line = line_of(&cl->blk, "cluster", "outbound-address");
	if (cl->outbound_address == LB_OUT_NONE) {
		if (cl->outbound_lo != 0)
			cfg_warning(p, cl->blk.file, cl->outbound_line,
			    "outbound-ports has no effect without "
			    "outbound-address");
		return;
	}
	if (cl->forwarding == LB_FWD_DR) {
		cfg_error(p, cl->blk.file, line, "outbound-address needs "
		    "forwarding nat (with direct-routing the servers' "
		    "packets do not pass through this peer)");
		return;
	}
	if (cl->nlisten == 0)
		return;
	af = cl->listen[0].addr.af;
	if (cl->outbound_address == LB_OUT_SELF &&
	    cfg->peer.address.af != af)
		cfg_error(p, cl->blk.file, line, "outbound-address self: the "
		    "peer address is not of the cluster's family");
	if (cl->outbound_address == LB_OUT_FLOATING) {
		for (found = 0, i = 0; i < cfg->ha.nfloating_ip; i++)
			if (cfg->ha.floating_ip[i].a.af == af)
				found = 1;
		if (!found)
			cfg_error(p, cl->blk.file, line, "outbound-address "
			    "floating needs a floating-ip of the cluster's "
			    "family in the ha block");
	}
	lo = cl->outbound_lo ? cl->outbound_lo : LB_OUT_PORT_LO;
	hi = cl->outbound_lo ? cl->outbound_hi : LB_OUT_PORT_HI;
	for (i = 0; i < cl->nlisten; i++) {
		if (lo > cl->listen[i].port_last ||
		    hi < cl->listen[i].addr.port)
			continue;
		cfg_error(p, cl->blk.file, cl->outbound_lo ?
		    cl->outbound_line : line, "outbound ports %u-%u overlap "
		    "the cluster's ports (listen %s): the servers' own "
		    "connections need source ports outside its range (see "
		    "outbound-ports)", lo, hi, listen_fmt(&cl->listen[i],
		    buf, sizeof buf));
		break;
	}
}

/* Run every check that spans settings. */
void
cfg_check(struct cfg *cfg, struct cfg_parser *p)
{
	struct cfg_cluster	*cl;

	if (!cfg->peer.blk.present) {
		cfg_error(p, cfg->file, cfg_parser_line(p), "missing block "
		    "'peer' (every peer needs its name and address)");
		return;
	}
	check_required(p, "peer", &cfg->peer.blk);
	check_peer_ha(cfg, p);
	check_proxy(cfg, p);
	cfg_check_ftp(cfg, p);
	check_wpad(cfg, p);
	TAILQ_FOREACH(cl, &cfg->clusters, entry)
		check_cluster(cfg, p, cl);
	cfg_check_monitor(cfg, p);
	cfg_check_metrics(cfg, p);
}
