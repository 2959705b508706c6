/*
 * cfg_check.c: checks that need more than one setting, run once the whole
 * file has parsed. Each error points at the line of the setting at fault.
 */
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
static void	check_cluster(struct cfg_parser *, struct cfg_cluster *);

/* The line where <kw> of a block was set, else the block's own line. */
static int
line_of(const struct cfg_blk *b, const char *block, const char *kw)
{
	const struct cfg_blockdef	*bd = cfg_blockdef_find(block);
	const struct cfg_kw		*k = cfg_kw_find(bd->kws, kw);
	int				 i = k - bd->kws;

	return ((b->set & (1ULL << i)) ? b->kwline[i] : b->line);
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
}

/* A cluster: servers, checks and persistence that fit its mode. */
static void
check_cluster(struct cfg_parser *p, struct cfg_cluster *cl)
{
	struct cfg_server	*s;
	size_t			 i;

	check_required(p, "cluster", &cl->blk);
	if (cl->check == LB_CHECK_ACV && (cl->check_send == NULL ||
	    cl->check_expect == NULL))
		cfg_error(p, cl->blk.file, line_of(&cl->blk, "cluster",
		    "check"), "check acv needs check-send and check-expect");
	if (cl->persist == LB_PERSIST_COOKIE && cl->mode == LB_MODE_L4)
		cfg_error(p, cl->blk.file, line_of(&cl->blk, "cluster",
		    "persist"), "cookie persistence needs mode l7 or https");
	if (cl->mode == LB_MODE_HTTPS && cl->certificate == NULL)
		cfg_error(p, cl->blk.file, cl->blk.line,
		    "mode https needs a 'certificate' (composite PEM file)");
	for (i = 0; i < cl->nserver; i++) {
		s = &cl->server[i];
		if ((s->flags & LB_SRV_DONT_PROBE) && !cl->icmp_check)
			cfg_warning(p, cl->blk.file, s->line, "server %s is "
			    "never checked (dont-probe and icmp-check no): "
			    "a dead server will not be noticed", s->name);
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
	check_wpad(cfg, p);
	TAILQ_FOREACH(cl, &cfg->clusters, entry)
		check_cluster(p, cl);
	cfg_check_monitor(cfg, p);
}
