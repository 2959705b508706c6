/*
 * cfg_blocks.c: the keyword tables of every block, with types, bounds and
 * defaults. This is the single place a setting is defined; the man page
 * twinproxy.conf(5) documents each entry.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cfg_kw.h"
#include "xmalloc.h"

static const char *const ha_roles[] = { "primary|active", "backup|standby",
    NULL };
static const char *const garp_modes[] = { "request", "reply", "both", NULL };
static const char *const xff_modes[] = { "on", "off", "delete", NULL };
static const char *const ftp_server_modes[] = { "passive", "passive-only",
    "active", NULL };
static const char *const cookie_modes[] = { "no-store", "strip", NULL };
static const char *const pac_scripts[] = { "per-client", "my-ip-address",
    NULL };
static const char *const lb_modes[] = { "l4", "l7", "https", NULL };
static const char *const lb_scheds[] = { "round-robin", "static-weight",
    "least-connections", "fastest-response", "hash-uri", "hash-host", NULL };
static const char *const lb_persists[] = { "none", "sticky", "cookie",
    "mobile-ipv6", NULL };
static const char *const lb_hoas[] = { "translate", "pass", NULL };
static const char *const lb_checks[] = { "none", "tcp", "acv", NULL };
static const char *const lb_overflows[] = { "evict-oldest", "refuse", NULL };
static const char *const lb_forwardings[] = { "nat", "direct-routing", NULL };
static const char *const lb_protocols[] = { "tcp", "udp", NULL };
static const char *const lb_sources[] = { "default", "peer", "floating",
    "cluster", NULL };
static const char *const lb_outs[] = { "none", "default", "self",
    "floating", "cluster", NULL };
/* Syslog facilities by their RFC 5424 numbers (access-log-facility). */
static const char *const log_facilities[] = { "kern", "user", "mail",
    "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv",
    "ftp", "ntp", "security", "console", "clock", "local0", "local1",
    "local2", "local3", "local4", "local5", "local6", "local7", NULL };

/*
 * The access-log forwarding keywords (struct cfg_logfwd <f> of block
 * struct <st>), the same wherever there is an access log.
 */
#define KW_LOGFWD(st, f)						\
	{ "access-log-server", CFG_ADDRPORT, CFG_MULTI,			\
	    offsetof(st, f.server), offsetof(st, f.nserver), 0, 0,	\
	    NULL, NULL, NULL, NULL, NULL },				\
	KW("access-log-syslog", CFG_BOOL, 0, st, f.syslog, 0, 0, NULL,	\
	    "no"),							\
	KW("access-log-tag", CFG_NAME, 0, st, f.tag, 0, 0, NULL, NULL),	\
	KW("access-log-facility", CFG_ENUM, 0, st, f.facility, 0, 0,	\
	    log_facilities, "local0"),					\
	KW("access-log-queue", CFG_SIZE, 0, st, f.queue, KIB(4),	\
	    GIB(1), NULL, "4M"),					\
	KW("access-log-tls", CFG_BOOL, 0, st, f.tls, 0, 0, NULL, "no"),	\
	KW("access-log-ca-file", CFG_PATH, 0, st, f.ca_file, 0, 0,	\
	    NULL, NULL),						\
	KW("access-log-server-name", CFG_DOMAIN, 0, st, f.server_name,	\
	    0, 0, NULL, NULL)

static int	cache_dir_parse(struct cfg_parser *, void *, int, char **,
		    const char **);
static void	cache_dir_dump(FILE *, const struct cfg_kw *, const void *);
static void	cache_dir_free(void *);
static int	listen_parse(struct cfg_parser *, void *, int, char **,
		    const char **);
static void	listen_dump(FILE *, const struct cfg_kw *, const void *);
static void	listen_free(void *);
static int	server_parse(struct cfg_parser *, void *, int, char **,
		    const char **);
static void	server_dump(FILE *, const struct cfg_kw *, const void *);
static void	server_free(void *);
static int	fip_parse(struct cfg_parser *, void *, int, char **,
		    const char **);
static void	fip_dump(FILE *, const struct cfg_kw *, const void *);
static void	fip_free(void *);
static int	server_uint(int, char **, int *, unsigned int, unsigned int,
		    unsigned int *, const char **);
static int	pkeys_parse(struct cfg_parser *, void *, int, char **,
		    const char **);
static void	pkeys_dump(FILE *, const struct cfg_kw *, const void *);
static void	pkeys_free(void *);
static int	oports_parse(struct cfg_parser *, void *, int, char **,
		    const char **);
static void	oports_dump(FILE *, const struct cfg_kw *, const void *);
static void	oports_free(void *);

/* The names of the persist-keys, in the order they are tried. */
static const struct {
	const char	*name;
	unsigned int	 bit;
} lb_pkeys[] = {
	{ "spi", LB_PKEY_SPI },
	{ "home-address", LB_PKEY_HOA },
	{ "interface-id", LB_PKEY_IID },
	{ "source", LB_PKEY_SRC },
	{ NULL, 0 }
};

static const struct cfg_kw peer_kws[] = {
	KW("name", CFG_NAME, CFG_REQUIRED, struct cfg_peer, name, 0, 0, NULL,
	    NULL),
	KW("address", CFG_ADDR, CFG_REQUIRED, struct cfg_peer, address, 0, 0,
	    NULL, NULL),
	KW("partner", CFG_ADDR, 0, struct cfg_peer, partner, 0, 0, NULL, NULL),
	KW("run-dir", CFG_PATH, 0, struct cfg_peer, run_dir, 0, 0, NULL,
	    "/run/twinproxy"),
	KW("user", CFG_NAME, 0, struct cfg_peer, user, 0, 0, NULL,
	    "twinproxy"),
	KW_END
};

static const struct cfg_kw ha_kws[] = {
	KW("redundancy", CFG_BOOL, 0, struct cfg_ha, redundancy, 0, 0, NULL,
	    "no"),
	KW("role", CFG_ENUM, 0, struct cfg_ha, role, 0, 0, ha_roles, NULL),
	KW("port", CFG_PORT, 0, struct cfg_ha, port, 0, 0, NULL, "7900"),
	KW("interval", CFG_DURATION, 0, struct cfg_ha, interval, MS(10),
	    SEC(3600), NULL, "2s"),
	KW("count", CFG_UINT, 0, struct cfg_ha, count, 1, 100, NULL, "5"),
	KW("interface", CFG_NAME, 0, struct cfg_ha, interface, 0, 0, NULL,
	    "eth0"),
	{ "floating-ip", CFG_CUSTOM, CFG_MULTI, 0, 0, 0, 0, NULL, NULL,
	    fip_parse, fip_dump, fip_free },
	KW("failback", CFG_BOOL, 0, struct cfg_ha, failback, 0, 0, NULL, "yes"),
	KW("failback-delay", CFG_DURATION, 0, struct cfg_ha, failback_delay,
	    0, SEC(86400), NULL, "10s"),
	KW("garp-count", CFG_UINT, 0, struct cfg_ha, garp_count, 1, 100, NULL,
	    "5"),
	KW("garp-interval", CFG_DURATION, 0, struct cfg_ha, garp_interval,
	    MS(10), SEC(60), NULL, "200ms"),
	KW("garp-mode", CFG_ENUM, 0, struct cfg_ha, garp_mode, 0, 0,
	    garp_modes, "request"),
	KW("garp-refresh", CFG_DURATION, 0, struct cfg_ha, garp_refresh, 0,
	    SEC(86400), NULL, "0"),
	KW("secret-file", CFG_PATH, 0, struct cfg_ha, secret_file, 0, 0, NULL,
	    "/etc/twinproxy/ha.key"),
	KWM("track", CFG_ADDRPORT, 0, struct cfg_ha, track, NULL),
	KW("track-interval", CFG_DURATION, 0, struct cfg_ha, track_interval,
	    MS(100), SEC(3600), NULL, "2s"),
	KW("track-timeout", CFG_DURATION, 0, struct cfg_ha, track_timeout,
	    MS(10), SEC(60), NULL, "1s"),
	KW("notify", CFG_PATH, 0, struct cfg_ha, notify, 0, 0, NULL, NULL),
	KW_END
};

static const struct cfg_kw proxy_kws[] = {
	KWM("listen", CFG_ADDRPORT, CFG_REQUIRED, struct cfg_proxy, listen,
	    NULL),
	KWM("allow", CFG_CIDR, 0, struct cfg_proxy, allow, NULL),
	KWM("deny-domain", CFG_DOMAIN, 0, struct cfg_proxy, deny_domain, NULL),
	KWM("deny-port", CFG_PORT, 0, struct cfg_proxy, deny_port, NULL),
	KWM("connect-port", CFG_PORT, 0, struct cfg_proxy, connect_port,
	    "443"),
	KW("outgoing-address", CFG_ADDR, 0, struct cfg_proxy, outgoing_address,
	    0, 0, NULL, NULL),
	KW("x-forwarded-for", CFG_ENUM, 0, struct cfg_proxy, x_forwarded_for,
	    0, 0, xff_modes, "on"),
	KW("via", CFG_BOOL, 0, struct cfg_proxy, via, 0, 0, NULL, "yes"),
	KW("connect-timeout", CFG_DURATION, 0, struct cfg_proxy,
	    connect_timeout, MS(100), SEC(600), NULL, "10s"),
	KW("request-timeout", CFG_DURATION, 0, struct cfg_proxy,
	    request_timeout, MS(100), SEC(3600), NULL, "30s"),
	KW("idle-timeout", CFG_DURATION, 0, struct cfg_proxy, idle_timeout,
	    MS(100), SEC(3600), NULL, "60s"),
	KW("read-timeout", CFG_DURATION, 0, struct cfg_proxy, read_timeout,
	    MS(100), SEC(86400), NULL, "60s"),
	KW("body-timeout", CFG_DURATION, 0, struct cfg_proxy, body_timeout,
	    MS(100), SEC(86400), NULL, "30s"),
	KW("server-idle-timeout", CFG_DURATION, 0, struct cfg_proxy,
	    server_idle_timeout, 0, SEC(3600), NULL, "15s"),
	KW("max-header-size", CFG_SIZE, 0, struct cfg_proxy, max_header_size,
	    KIB(1), MIB(1), NULL, "64K"),
	KW("max-headers", CFG_UINT, 0, struct cfg_proxy, max_headers, 8, 1000,
	    NULL, "100"),
	KW("max-connections", CFG_UINT, 0, struct cfg_proxy, max_connections,
	    1, 1000000, NULL, "10000"),
	KW("access-log", CFG_PATH, 0, struct cfg_proxy, access_log, 0, 0, NULL,
	    "/var/log/twinproxy/access.log"),
	KW_LOGFWD(struct cfg_proxy, access_fwd),
	KW("cache-memory", CFG_SIZE, 0, struct cfg_proxy, cache_memory, 0,
	    TIB(1), NULL, "256M"),
	{ "cache-dir", CFG_CUSTOM, 0, 0, 0, 0, 0, NULL, NULL,
	    cache_dir_parse, cache_dir_dump, cache_dir_free },
	KW("cache-max-object", CFG_SIZE, 0, struct cfg_proxy, cache_max_object,
	    0, TIB(1), NULL, "64M"),
	KW("cache-heuristic-max", CFG_DURATION, 0, struct cfg_proxy,
	    cache_heuristic_max, 0, SEC(86400 * 365), NULL, "1d"),
	/* The FTP proxy and the ftp:// gateway. */
	KWM("ftp-listen", CFG_ADDRPORT, 0, struct cfg_proxy, ftp_listen, NULL),
	KW("ftp-data-ports", CFG_STRING, 0, struct cfg_proxy, ftp_data_ports,
	    0, 0, NULL, "1025-65535"),
	KW("ftp-delimiter", CFG_STRING, 0, struct cfg_proxy, ftp_delimiter, 0,
	    0, NULL, "@"),
	KW("ftp-server-data", CFG_ENUM, 0, struct cfg_proxy, ftp_server_data,
	    0, 0, ftp_server_modes, "passive"),
	KW("ftp-control-timeout", CFG_DURATION, 0, struct cfg_proxy,
	    ftp_control_timeout, SEC(1), SEC(86400), NULL, "5m"),
	KW("ftp-data-timeout", CFG_DURATION, 0, struct cfg_proxy,
	    ftp_data_timeout, MS(100), SEC(3600), NULL, "1m"),
	KW("ftp-gateway", CFG_BOOL, 0, struct cfg_proxy, ftp_gateway, 0, 0,
	    NULL, "yes"),
	KW("ftp-anonymous-password", CFG_STRING, 0, struct cfg_proxy,
	    ftp_anonymous_password, 0, 0, NULL, "twinproxy@"),
	KW("ftp-cache", CFG_BOOL, 0, struct cfg_proxy, ftp_cache, 0, 0, NULL,
	    "no"),
	KW("cache-set-cookie", CFG_ENUM, 0, struct cfg_proxy, cache_set_cookie,
	    0, 0, cookie_modes, "no-store"),
	KW_END
};

static const struct cfg_kw wpad_kws[] = {
	KWM("listen", CFG_ADDRPORT, CFG_REQUIRED, struct cfg_wpad, listen,
	    NULL),
	KW("proxy", CFG_HOSTPORT, CFG_REQUIRED, struct cfg_wpad, proxy, 0, 0,
	    NULL, NULL),
	KW("partner-proxy", CFG_HOSTPORT, 0, struct cfg_wpad, partner_proxy, 0,
	    0, NULL, NULL),
	KWM("direct", CFG_CIDR, 0, struct cfg_wpad, direct, NULL),
	KWM("direct-domain", CFG_DOMAIN, 0, struct cfg_wpad, direct_domain,
	    NULL),
	KW("plain-hosts-direct", CFG_BOOL, 0, struct cfg_wpad,
	    plain_hosts_direct, 0, 0, NULL, "yes"),
	KW("balance", CFG_BOOL, 0, struct cfg_wpad, balance, 0, 0, NULL, "yes"),
	KW("fallback-direct", CFG_BOOL, 0, struct cfg_wpad, fallback_direct,
	    0, 0, NULL, "no"),
	KW("script", CFG_ENUM, 0, struct cfg_wpad, script, 0, 0, pac_scripts,
	    "per-client"),
	KW("check-interval", CFG_DURATION, 0, struct cfg_wpad, check_interval,
	    MS(100), SEC(3600), NULL, "5s"),
	KW("check-timeout", CFG_DURATION, 0, struct cfg_wpad, check_timeout,
	    MS(10), SEC(60), NULL, "2s"),
	KW("max-age", CFG_DURATION, 0, struct cfg_wpad, max_age, 0,
	    SEC(86400), NULL, "5m"),
	KW_END
};

/*
 * A cluster. The order is the dump's: where it listens, its servers, how a
 * server is chosen and kept, how servers are checked, then limits and TLS.
 */
static const struct cfg_kw cluster_kws[] = {
	KW("mode", CFG_ENUM, 0, struct cfg_cluster, mode, 0, 0, lb_modes,
	    "l7"),
	{ "listen", CFG_CUSTOM, CFG_MULTI | CFG_REQUIRED, 0, 0, 0, 0, NULL,
	    NULL, listen_parse, listen_dump, listen_free },
	KW("scheduler", CFG_ENUM, 0, struct cfg_cluster, scheduler, 0, 0,
	    lb_scheds, "round-robin"),
	{ "server", CFG_CUSTOM, CFG_MULTI | CFG_REQUIRED, 0, 0, 0, 0, NULL,
	    NULL, server_parse, server_dump, server_free },
	KW("spoof", CFG_BOOL, 0, struct cfg_cluster, spoof, 0, 0, NULL, "no"),
	KW("forwarding", CFG_ENUM, 0, struct cfg_cluster, forwarding, 0, 0,
	    lb_forwardings, "nat"),
	KW("protocol", CFG_ENUM, 0, struct cfg_cluster, protocol, 0, 0,
	    lb_protocols, "tcp"),
	KW("persist", CFG_ENUM, 0, struct cfg_cluster, persist, 0, 0,
	    lb_persists, "none"),
	KW("cookie-name", CFG_NAME, 0, struct cfg_cluster, cookie_name, 0, 0,
	    NULL, "twinlb"),
	KW("cookie-age", CFG_DURATION, 0, struct cfg_cluster, cookie_age, 0,
	    SEC(86400 * 365), NULL, "0"),
	KW("cookie-path", CFG_STRING, 0, struct cfg_cluster, cookie_path, 0, 0,
	    NULL, "/"),
	KW("cookie-domain", CFG_DOMAIN, 0, struct cfg_cluster, cookie_domain,
	    0, 0, NULL, NULL),
	KW("cookie-generation", CFG_UINT, 0, struct cfg_cluster,
	    cookie_generation, 0, UINT32_MAX, NULL, "0"),
	KW("cookie-always", CFG_BOOL, 0, struct cfg_cluster, cookie_always, 0,
	    0, NULL, "no"),
	KW("once-only", CFG_BOOL, 0, struct cfg_cluster, once_only, 0, 0, NULL,
	    "no"),
	KW("secret-file", CFG_PATH, 0, struct cfg_cluster, secret_file, 0, 0,
	    NULL, "/etc/twinproxy/lb.key"),
	KW("sticky-timeout", CFG_DURATION, 0, struct cfg_cluster,
	    sticky_timeout, SEC(1), SEC(86400 * 7), NULL, "5m"),
	KW("sticky-netmask", CFG_UINT, 0, struct cfg_cluster, sticky_netmask,
	    0, 32, NULL, "32"),
	KW("sticky-netmask6", CFG_UINT, 0, struct cfg_cluster,
	    sticky_netmask6, 0, 128, NULL, "128"),
	KW("sticky-table-size", CFG_UINT, 0, struct cfg_cluster,
	    sticky_table_size, 1, 16000000, NULL, "65536"),
	KW("sticky-overflow", CFG_ENUM, 0, struct cfg_cluster, sticky_overflow,
	    0, 0, lb_overflows, "evict-oldest"),
	{ "persist-keys", CFG_CUSTOM, 0, 0, 0, 0, 0, NULL, NULL, pkeys_parse,
	    pkeys_dump, pkeys_free },
	KW("home-address", CFG_ENUM, 0, struct cfg_cluster, home_address, 0, 0,
	    lb_hoas, "translate"),
	KW("binding-updates", CFG_BOOL, 0, struct cfg_cluster,
	    binding_updates, 0, 0, NULL, "no"),
	KW("persist-lifetime", CFG_DURATION, 0, struct cfg_cluster,
	    persist_lifetime, SEC(1), SEC(86400 * 7), NULL, "5m"),
	KW("icmp-check", CFG_BOOL, 0, struct cfg_cluster, icmp_check, 0, 0,
	    NULL, "yes"),
	KW("check", CFG_ENUM, 0, struct cfg_cluster, check, 0, 0, lb_checks,
	    "tcp"),
	KW("check-interval", CFG_DURATION, 0, struct cfg_cluster,
	    check_interval, MS(100), SEC(3600), NULL, "5s"),
	KW("check-timeout", CFG_DURATION, 0, struct cfg_cluster, check_timeout,
	    MS(10), SEC(60), NULL, "2s"),
	KW("check-strikeout", CFG_UINT, 0, struct cfg_cluster, check_strikeout,
	    1, 100, NULL, "3"),
	KW("check-rise", CFG_UINT, 0, struct cfg_cluster, check_rise, 1, 100,
	    NULL, "2"),
	KW("check-send", CFG_STRING, 0, struct cfg_cluster, check_send, 0, 0,
	    NULL, NULL),
	KW("check-expect", CFG_STRING, 0, struct cfg_cluster, check_expect, 0,
	    0, NULL, NULL),
	KW("check-tls", CFG_BOOL, 0, struct cfg_cluster, check_tls, 0, 0, NULL,
	    "no"),
	KW("request-max", CFG_SIZE, 0, struct cfg_cluster, request_max, KIB(1),
	    MIB(1), NULL, "32K"),
	KW("max-headers", CFG_UINT, 0, struct cfg_cluster, max_headers, 8,
	    1000, NULL, "64"),
	KW("x-forwarded-for", CFG_ENUM, 0, struct cfg_cluster,
	    x_forwarded_for, 0, 0, xff_modes, "on"),
	KW("forwarded", CFG_BOOL, 0, struct cfg_cluster, forwarded, 0, 0, NULL,
	    "no"),
	KW("via", CFG_BOOL, 0, struct cfg_cluster, via, 0, 0, NULL, "yes"),
	KW("access-log", CFG_PATH, 0, struct cfg_cluster, access_log, 0, 0,
	    NULL, "/var/log/twinproxy/lb-access.log"),
	KW_LOGFWD(struct cfg_cluster, access_fwd),
	KW("connect-timeout", CFG_DURATION, 0, struct cfg_cluster,
	    connect_timeout, MS(100), SEC(600), NULL, "5s"),
	KW("client-timeout", CFG_DURATION, 0, struct cfg_cluster,
	    client_timeout, MS(100), SEC(86400), NULL, "60s"),
	KW("idle-timeout", CFG_DURATION, 0, struct cfg_cluster, idle_timeout,
	    MS(100), SEC(86400), NULL, "15s"),
	KW("server-timeout", CFG_DURATION, 0, struct cfg_cluster,
	    server_timeout, MS(100), SEC(86400), NULL, "60s"),
	KW("server-idle-timeout", CFG_DURATION, 0, struct cfg_cluster,
	    server_idle_timeout, 0, SEC(3600), NULL, "10s"),
	KW("flow-table-size", CFG_UINT, 0, struct cfg_cluster, flow_table_size,
	    16, 16000000, NULL, "65536"),
	KW("syn-timeout", CFG_DURATION, 0, struct cfg_cluster, syn_timeout,
	    SEC(1), SEC(600), NULL, "30s"),
	KW("outbound-address", CFG_ENUM, 0, struct cfg_cluster,
	    outbound_address, 0, 0, lb_outs, "none"),
	{ "outbound-ports", CFG_CUSTOM, 0, 0, 0, 0, 0, NULL, NULL,
	    oports_parse, oports_dump, oports_free },
	KWM("certificate", CFG_PATH, 0, struct cfg_cluster, certificate, NULL),
	KW("passphrase-file", CFG_PATH, 0, struct cfg_cluster, passphrase_file,
	    0, 0, NULL, NULL),
	KW("server-ca-file", CFG_PATH, 0, struct cfg_cluster, server_ca_file,
	    0, 0, NULL, NULL),
	KW_END
};

const struct cfg_blockdef cfg_blockdefs[] = {
	{ "peer", 0, peer_kws, 0, offsetof(struct cfg, peer),
	    "this peer: name, real address, partner" },
	{ "ha", 0, ha_kws, 0, offsetof(struct cfg, ha),
	    "redundancy: heartbeat, roles, floating IP" },
	{ "proxy", 0, proxy_kws, 0, offsetof(struct cfg, proxy),
	    "the forward caching proxy" },
	{ "wpad", 0, wpad_kws, 0, offsetof(struct cfg, wpad),
	    "the WPAD server and its PAC script" },
	{ "cluster", 1, cluster_kws, sizeof(struct cfg_cluster), 0,
	    "an L4/L7/HTTPS load-balanced cluster" },
	{ "report", 0, cfg_report_kws, 0, offsetof(struct cfg, report),
	    "the remote-monitoring agent: reports to the center" },
	{ "center", 0, cfg_center_kws, 0, offsetof(struct cfg, center),
	    "the remote-monitoring center" },
	{ "metrics", 0, cfg_metrics_kws, 0, offsetof(struct cfg, metrics),
	    "the daemons' Prometheus endpoints" },
	{ NULL, 0, NULL, 0, 0, NULL }
};

/* Find a block kind by name. */
const struct cfg_blockdef *
cfg_blockdef_find(const char *name)
{
	const struct cfg_blockdef	*bd;

	for (bd = cfg_blockdefs; bd->name != NULL; bd++)
		if (strcmp(bd->name, name) == 0)
			return (bd);
	return (NULL);
}

/* Find a keyword in a table. */
const struct cfg_kw *
cfg_kw_find(const struct cfg_kw *kws, const char *name)
{
	for (; kws->name != NULL; kws++)
		if (strcmp(kws->name, name) == 0)
			return (kws);
	return (NULL);
}

/*
 * The line where keyword <kw> of table <kws> was set in block <b>, else
 * the block's own line: where a check's message points.
 */
int
cfg_kw_line(const struct cfg_blk *b, const struct cfg_kw *kws,
    const char *kw)
{
	return (cfg_kw_isset(b, kws, kw) ? b->kwline[cfg_kw_find(kws, kw) -
	    kws] : b->line);
}

/* cache-dir PATH SIZE */
static int
cache_dir_parse(struct cfg_parser *p, void *blk, int argc, char **argv,
    const char **cause)
{
	struct cfg_proxy	*px = blk;
	uint64_t		 size;

	if (argc != 2) {
		*cause = "expected a directory and a size (cache-dir PATH 10G)";
		return (-1);
	}
	if (argv[0][0] != '/') {
		*cause = "cache directory must be an absolute path";
		return (-1);
	}
	if (cfg_parse_size(argv[1], &size, cause) == -1)
		return (-1);
	if (size < MIB(1)) {
		*cause = "cache directory size below the minimum 1M";
		return (-1);
	}
	free(px->cache_dir);
	px->cache_dir = xstrdup(argv[0]);
	px->cache_dir_size = size;
	return (0);
}

static void
cache_dir_dump(FILE *f, const struct cfg_kw *kw, const void *blk)
{
	const struct cfg_proxy	*px = blk;
	char			 buf[32];

	if (px->cache_dir == NULL)
		return;
	fputs("\tcache-dir ", f);
	cfg_print_string(f, px->cache_dir);
	fprintf(f, " %s;\n", cfg_fmt_size(px->cache_dir_size, buf, sizeof buf));
}

static void
cache_dir_free(void *blk)
{
	struct cfg_proxy	*px = blk;

	free(px->cache_dir);
	px->cache_dir = NULL;
}

/*
 * listen ADDR:PORT... where an l4 cluster may give a range, ADDR:FIRST-LAST
 * (checked against the mode once the whole block is read).
 */
static int
listen_parse(struct cfg_parser *p, void *blk, int argc, char **argv,
    const char **cause)
{
	struct cfg_cluster	*cl = blk;
	struct cfg_listen	 l;
	char			 buf[ADDR_STRLEN + 8], *dash, *colon;
	uint16_t		 last;
	int			 a;

	if (argc == 0) {
		*cause = "expected an address:port";
		return (-1);
	}
	for (a = 0; a < argc; a++) {
		memset(&l, 0, sizeof l);
		if (strlcpy(buf, argv[a], sizeof buf) >= sizeof buf) {
			*cause = "address too long";
			return (-1);
		}
		colon = strrchr(buf, ':');
		dash = colon != NULL ? strchr(colon, '-') : NULL;
		if (dash != NULL)
			*dash++ = '\0';
		if (cfg_value_parse(&(struct cfg_kw){ .type = CFG_ADDRPORT },
		    buf, &l.addr, cause) == -1)
			return (-1);
		l.port_last = l.addr.port;
		if (dash != NULL) {
			if (port_parse(dash, &last, cause) == -1)
				return (-1);
			if (last < l.addr.port) {
				*cause = "port range ends before it starts";
				return (-1);
			}
			l.port_last = last;
		}
		l.line = cfg_parser_line(p);
		cl->listen = xreallocarray(cl->listen, cl->nlisten + 1,
		    sizeof *cl->listen);
		cl->listen[cl->nlisten++] = l;
	}
	return (0);
}

static void
listen_dump(FILE *f, const struct cfg_kw *kw, const void *blk)
{
	const struct cfg_cluster	*cl = blk;
	char				 buf[ADDR_STRLEN];
	size_t				 i;

	for (i = 0; i < cl->nlisten; i++) {
		fprintf(f, "\tlisten %s", addr_fmt(&cl->listen[i].addr, buf,
		    sizeof buf));
		if (cl->listen[i].port_last != cl->listen[i].addr.port)
			fprintf(f, "-%u", cl->listen[i].port_last);
		fputs(";\n", f);
	}
}

static void
listen_free(void *blk)
{
	struct cfg_cluster	*cl = blk;

	free(cl->listen);
	cl->listen = NULL;
	cl->nlisten = 0;
}

/*
 * floating-ip ADDR/PFX [prefer self|partner] [ADDR/PFX ...]: each address
 * may name which peer normally holds it; without, it follows the role.
 */
static int
fip_parse(struct cfg_parser *p, void *blk, int argc, char **argv,
    const char **cause)
{
	struct cfg_ha	*ha = blk;
	struct cidr	 c;
	int		 a, prefer;

	if (argc == 0) {
		*cause = "expected an address/prefix";
		return (-1);
	}
	for (a = 0; a < argc; a++) {
		if (strcmp(argv[a], "prefer") == 0) {
			*cause = "'prefer' must follow an address/prefix";
			return (-1);
		}
		if (cfg_value_parse(&(struct cfg_kw){ .type = CFG_IFADDR },
		    argv[a], &c, cause) == -1)
			return (-1);
		prefer = FIP_PREFER_ROLE;
		if (a + 1 < argc && strcmp(argv[a + 1], "prefer") == 0) {
			if (a + 2 >= argc) {
				*cause = "prefer needs 'self' or 'partner'";
				return (-1);
			}
			if (strcmp(argv[a + 2], "self") == 0)
				prefer = FIP_PREFER_SELF;
			else if (strcmp(argv[a + 2], "partner") == 0)
				prefer = FIP_PREFER_PARTNER;
			else {
				*cause = "prefer takes 'self' or 'partner'";
				return (-1);
			}
			a += 2;
			ha->floating_multi = 1;
		}
		ha->floating_ip = xreallocarray(ha->floating_ip,
		    ha->nfloating_ip + 1, sizeof *ha->floating_ip);
		ha->floating_prefer = xreallocarray(ha->floating_prefer,
		    ha->nfloating_ip + 1, sizeof *ha->floating_prefer);
		ha->floating_ip[ha->nfloating_ip] = c;
		ha->floating_prefer[ha->nfloating_ip++] = prefer;
	}
	return (0);
}

static void
fip_dump(FILE *f, const struct cfg_kw *kw, const void *blk)
{
	static const char *const prefer[] = { "", " prefer self",
	    " prefer partner" };
	const struct cfg_ha	*ha = blk;
	char			 buf[ADDR_STRLEN + 8];
	size_t			 i;

	for (i = 0; i < ha->nfloating_ip; i++)
		fprintf(f, "\tfloating-ip %s%s;\n",
		    cidr_fmt(&ha->floating_ip[i], buf, sizeof buf),
		    prefer[ha->floating_prefer[i]]);
}

static void
fip_free(void *blk)
{
	struct cfg_ha	*ha = blk;

	free(ha->floating_ip);
	free(ha->floating_prefer);
	ha->floating_ip = NULL;
	ha->floating_prefer = NULL;
	ha->nfloating_ip = 0;
	ha->floating_multi = 0;
}

/* Parse the number after a server option into <v>, within min-max. */
static int
server_uint(int argc, char **argv, int *a, unsigned int min, unsigned int max,
    unsigned int *v, const char **cause)
{
	static char	 msg[64];
	const char	*errstr;

	if (*a + 1 >= argc) {
		snprintf(msg, sizeof msg, "%s needs a number", argv[*a]);
		*cause = msg;
		return (-1);
	}
	*v = strtonum(argv[*a + 1], min, max, &errstr);
	if (errstr != NULL) {
		snprintf(msg, sizeof msg, "%s out of range (%u-%u)", argv[*a],
		    min, max);
		*cause = msg;
		return (-1);
	}
	(*a)++;
	return (0);
}

/* The server options that are plain flags, as written and dumped. */
static const struct {
	const char	*name;
	int		 flag;
} server_flags[] = {
	{ "hotspare", LB_SRV_HOTSPARE },
	{ "quiesce", LB_SRV_QUIESCE },
	{ "disabled", LB_SRV_DISABLED },
	{ "dont-probe", LB_SRV_DONT_PROBE },
	{ "dont-persist", LB_SRV_DONT_PERSIST },
	{ "tls", LB_SRV_TLS },
	{ NULL, 0 }
};

/*
 * server NAME ADDR:PORT [weight N] [maxconn N] [hotspare] [quiesce]
 *     [disabled] [dont-probe] [dont-persist] [tls] [verify yes|no]
 *     [tls-name NAME] [source default|peer|floating|cluster]
 */
static int
server_parse(struct cfg_parser *p, void *blk, int argc, char **argv,
    const char **cause)
{
	struct cfg_cluster	*cl = blk;
	struct cfg_server	 s;
	size_t			 i;
	int			 a, f, v;

	if (argc < 2) {
		*cause = "expected a name and an address:port";
		return (-1);
	}
	memset(&s, 0, sizeof s);
	s.weight = 1;
	s.verify = 1;
	if (cfg_value_parse(&(struct cfg_kw){ .type = CFG_NAME }, argv[0],
	    &s.name, cause) == -1)
		return (-1);
	free(s.name);
	s.name = NULL;
	if (cfg_value_parse(&(struct cfg_kw){ .type = CFG_ADDRPORT }, argv[1],
	    &s.addr, cause) == -1)
		return (-1);
	for (a = 2; a < argc; a++) {
		for (f = 0; server_flags[f].name != NULL; f++)
			if (strcmp(argv[a], server_flags[f].name) == 0)
				break;
		if (server_flags[f].name != NULL) {
			s.flags |= server_flags[f].flag;
			continue;
		}
		if (strcmp(argv[a], "weight") == 0) {
			if (server_uint(argc, argv, &a, 1, 1000, &s.weight,
			    cause) == -1)
				goto fail;
		} else if (strcmp(argv[a], "maxconn") == 0) {
			if (server_uint(argc, argv, &a, 0, 1000000, &s.maxconn,
			    cause) == -1)
				goto fail;
		} else if (strcmp(argv[a], "source") == 0) {
			if (a + 1 >= argc || cfg_value_parse(&(struct cfg_kw){
			    .type = CFG_ENUM, .enums = lb_sources },
			    argv[a + 1], &v, cause) == -1) {
				*cause = "source needs default, peer, floating "
				    "or cluster";
				goto fail;
			}
			s.source = v;
			a++;
		} else if (strcmp(argv[a], "verify") == 0) {
			if (a + 1 >= argc || cfg_value_parse(&(struct cfg_kw){
			    .type = CFG_BOOL }, argv[a + 1], &v, cause) == -1) {
				*cause = "verify needs yes or no";
				goto fail;
			}
			s.verify = v;
			a++;
		} else if (strcmp(argv[a], "tls-name") == 0) {
			free(s.tls_name);
			s.tls_name = NULL;
			if (a + 1 >= argc || cfg_value_parse(&(struct cfg_kw){
			    .type = CFG_DOMAIN }, argv[a + 1], &s.tls_name,
			    cause) == -1) {
				if (a + 1 >= argc)
					*cause = "tls-name needs a host name";
				goto fail;
			}
			a++;
		} else {
			*cause = "unknown server option (weight, maxconn, "
			    "hotspare, quiesce, disabled, dont-probe, "
			    "dont-persist, tls, verify, tls-name, source)";
			goto fail;
		}
	}
	for (i = 0; i < cl->nserver; i++)
		if (strcmp(cl->server[i].name, argv[0]) == 0) {
			*cause = "duplicate server name";
			goto fail;
		}
	s.name = xstrdup(argv[0]);
	s.line = cfg_parser_line(p);
	cl->server = xreallocarray(cl->server, cl->nserver + 1,
	    sizeof *cl->server);
	cl->server[cl->nserver++] = s;
	return (0);
fail:
	free(s.tls_name);
	return (-1);
}

static void
server_dump(FILE *f, const struct cfg_kw *kw, const void *blk)
{
	const struct cfg_cluster	*cl = blk;
	const struct cfg_server		*s;
	char				 buf[ADDR_STRLEN];
	size_t				 i;
	int				 j;

	for (i = 0; i < cl->nserver; i++) {
		s = &cl->server[i];
		fprintf(f, "\tserver %s %s weight %u", s->name,
		    addr_fmt(&s->addr, buf, sizeof buf), s->weight);
		if (s->maxconn != 0)
			fprintf(f, " maxconn %u", s->maxconn);
		for (j = 0; server_flags[j].name != NULL; j++)
			if (s->flags & server_flags[j].flag)
				fprintf(f, " %s", server_flags[j].name);
		if (!s->verify)
			fputs(" verify no", f);
		if (s->tls_name != NULL)
			fprintf(f, " tls-name %s", s->tls_name);
		if (s->source != LB_SOURCE_DEFAULT)
			fprintf(f, " source %s", lb_sources[s->source]);
		fputs(";\n", f);
	}
}

static void
server_free(void *blk)
{
	struct cfg_cluster	*cl = blk;
	size_t			 i;

	for (i = 0; i < cl->nserver; i++) {
		free(cl->server[i].name);
		free(cl->server[i].tls_name);
	}
	free(cl->server);
	cl->server = NULL;
	cl->nserver = 0;
}

/*
 * Parse a list of persist-keys names, separated by commas, into LB_PKEY_*
 * bits. They are tried in one order whatever the list's (lb_pkeys[]).
 */
int
cfg_persist_keys_parse(const char *s, unsigned int *keys, const char **cause)
{
	static char	 msg[96];
	const char	*e;
	size_t		 i, n;

	for (;;) {
		e = strchr(s, ',');
		n = e != NULL ? (size_t)(e - s) : strlen(s);
		for (i = 0; lb_pkeys[i].name != NULL; i++)
			if (strlen(lb_pkeys[i].name) == n &&
			    strncmp(s, lb_pkeys[i].name, n) == 0)
				break;
		if (lb_pkeys[i].name == NULL) {
			snprintf(msg, sizeof msg, "unknown key '%.*s' (spi, "
			    "home-address, interface-id, source)",
			    (int)(n > 32 ? 32 : n), s);
			*cause = msg;
			return (-1);
		}
		if (*keys & lb_pkeys[i].bit) {
			*cause = "key listed twice";
			return (-1);
		}
		*keys |= lb_pkeys[i].bit;
		if (e == NULL)
			return (0);
		s = e + 1;
	}
}

/* Format LB_PKEY_* bits (0: the default) as the list reads. */
const char *
cfg_persist_keys_fmt(unsigned int keys, char *buf, size_t len)
{
	size_t	i;

	if (keys == 0)
		keys = LB_PKEY_DEFAULT;
	if (len > 0)
		buf[0] = '\0';
	for (i = 0; lb_pkeys[i].name != NULL; i++) {
		if (!(keys & lb_pkeys[i].bit))
			continue;
		if (buf[0] != '\0')
			strlcat(buf, ",", len);
		strlcat(buf, lb_pkeys[i].name, len);
	}
	return (buf);
}

/* persist-keys KEY[,KEY...] [KEY...] */
static int
pkeys_parse(struct cfg_parser *p, void *blk, int argc, char **argv,
    const char **cause)
{
	struct cfg_cluster	*cl = blk;
	unsigned int		 keys = 0;
	int			 a;

	if (argc == 0) {
		*cause = "expected keys (spi, home-address, interface-id, "
		    "source)";
		return (-1);
	}
	for (a = 0; a < argc; a++)
		if (cfg_persist_keys_parse(argv[a], &keys, cause) == -1)
			return (-1);
	cl->persist_keys = keys;
	return (0);
}

static void
pkeys_dump(FILE *f, const struct cfg_kw *kw, const void *blk)
{
	const struct cfg_cluster	*cl = blk;
	char				 buf[64];

	/* Only where it applies, so that a dump reads back silently. */
	if (cl->persist != LB_PERSIST_MIP6 && cl->persist_keys == 0)
		return;
	fprintf(f, "\tpersist-keys %s;\n", cfg_persist_keys_fmt(
	    cl->persist_keys, buf, sizeof buf));
}

static void
pkeys_free(void *blk)
{
	struct cfg_cluster	*cl = blk;

	cl->persist_keys = 0;
}

/* outbound-ports LO-HI (or one port). */
static int
oports_parse(struct cfg_parser *p, void *blk, int argc, char **argv,
    const char **cause)
{
	struct cfg_cluster	*cl = blk;
	const char		*errstr;
	char			 buf[32], *dash;
	long long		 lo, hi;

	if (argc != 1 || strlcpy(buf, argv[0], sizeof buf) >= sizeof buf) {
		*cause = "expected a port range LO-HI";
		return (-1);
	}
	if ((dash = strchr(buf, '-')) != NULL)
		*dash++ = '\0';
	lo = strtonum(buf, 1, 65535, &errstr);
	if (errstr != NULL) {
		*cause = "expected a port range LO-HI (ports 1 to 65535)";
		return (-1);
	}
	hi = lo;
	if (dash != NULL) {
		hi = strtonum(dash, 1, 65535, &errstr);
		if (errstr != NULL || hi < lo) {
			*cause = "expected a port range LO-HI (ports 1 to "
			    "65535, LO not above HI)";
			return (-1);
		}
	}
	cl->outbound_lo = lo;
	cl->outbound_hi = hi;
	cl->outbound_line = cfg_parser_line(p);
	return (0);
}

static void
oports_dump(FILE *f, const struct cfg_kw *kw, const void *blk)
{
	const struct cfg_cluster	*cl = blk;

	(void)kw;
	if (cl->outbound_lo == 0)
		return;
	fprintf(f, "\toutbound-ports %u-%u;\n", cl->outbound_lo,
	    cl->outbound_hi);
}

static void
oports_free(void *blk)
{
	struct cfg_cluster	*cl = blk;

	cl->outbound_lo = cl->outbound_hi = 0;
}
