/*
 * cfg_monitor.c: the keyword tables and checks of the two remote
 * monitoring blocks: `report` (the site agent on each peer, reporting to
 * the monitoring center) and `center` (the monitoring center daemon).
 * Neither is on unless its block is present.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <string.h>

#include "cfg.h"
#include "cfg_kw.h"

static void	required(struct cfg_parser *, const char *,
		    const struct cfg_blk *);
static int	site_id_valid(const char *);
static int	mail_valid(const char *);
static void	check_report(struct cfg *, struct cfg_parser *);
static void	check_center(struct cfg *, struct cfg_parser *);
static void	cfg_check_gateway_operators(struct cfg *,
		    struct cfg_parser *);
static size_t	gateway_operator_name(const char *);

const struct cfg_kw cfg_report_kws[] = {
	KW("center", CFG_HOSTPORT, CFG_REQUIRED, struct cfg_report, center, 0,
	    0, NULL, NULL),
	KWM("proxy", CFG_HOSTPORT, 0, struct cfg_report, proxy, NULL),
	KW("site-id", CFG_NAME, CFG_REQUIRED, struct cfg_report, site_id, 0,
	    0, NULL, NULL),
	KW("device-id-file", CFG_PATH, 0, struct cfg_report, device_id_file,
	    0, 0, NULL, "/etc/twinproxy/device-id"),
	KW("certificate", CFG_PATH, CFG_REQUIRED, struct cfg_report,
	    certificate, 0, 0, NULL, NULL),
	KW("ca-file", CFG_PATH, 0, struct cfg_report, ca_file, 0, 0, NULL,
	    NULL),
	KW("alive-interval", CFG_DURATION, 0, struct cfg_report,
	    alive_interval, SEC(1), SEC(3600), NULL, "60s"),
	KW("poll-interval", CFG_DURATION, 0, struct cfg_report,
	    poll_interval, MS(100), SEC(3600), NULL, "2s"),
	KW("timeout", CFG_DURATION, 0, struct cfg_report, timeout, MS(100),
	    SEC(600), NULL, "30s"),
	KW("spool-dir", CFG_PATH, 0, struct cfg_report, spool_dir, 0, 0, NULL,
	    "/var/spool/twinproxy"),
	KW("spool-size", CFG_SIZE, 0, struct cfg_report, spool_size, KIB(16),
	    GIB(1), NULL, "16M"),
	KW("certificate-warning", CFG_DURATION, 0, struct cfg_report,
	    certificate_warning, 0, DAY(365), NULL, "30d"),
	KW("user", CFG_NAME, 0, struct cfg_report, user, 0, 0, NULL, NULL),
	KW("dist-key", CFG_PATH, 0, struct cfg_report, dist_key, 0, 0, NULL,
	    NULL),
	KW("dist-interval", CFG_DURATION, 0, struct cfg_report,
	    dist_interval, SEC(1), DAY(1), NULL, "300s"),
	KW("dist-root", CFG_PATH, 0, struct cfg_report, dist_root, 0, 0, NULL,
	    "/"),
	KW("dist-restart", CFG_STRING, 0, struct cfg_report, dist_restart, 0,
	    0, NULL, NULL),
	KW("dist-health", CFG_STRING, 0, struct cfg_report, dist_health, 0,
	    0, NULL, NULL),
	KW("dist-health-timeout", CFG_DURATION, 0, struct cfg_report,
	    dist_health_timeout, SEC(1), SEC(3600), NULL, "60s"),
	KW("cert-renew-before", CFG_DURATION, 0, struct cfg_report,
	    cert_renew_before, 0, DAY(365), NULL, "30d"),
	KW("gateway", CFG_BOOL, 0, struct cfg_report, gateway, 0, 0, NULL,
	    "off"),
	KWM("gateway-allow", CFG_ADDRPORT, 0, struct cfg_report,
	    gateway_allow, "127.0.0.1:22"),
	KW("gateway-idle-timeout", CFG_DURATION, 0, struct cfg_report,
	    gateway_idle_timeout, SEC(1), DAY(1), NULL, "15m"),
	KW("gateway-max-time", CFG_DURATION, 0, struct cfg_report,
	    gateway_max_time, SEC(1), DAY(7), NULL, "8h"),
	KW("gateway-sessions", CFG_UINT, 0, struct cfg_report,
	    gateway_sessions, 1, 64, NULL, "4"),
	KW_END
};

const struct cfg_kw cfg_center_kws[] = {
	KWM("listen", CFG_ADDRPORT, CFG_REQUIRED, struct cfg_center, listen,
	    NULL),
	KW("certificate", CFG_PATH, CFG_REQUIRED, struct cfg_center,
	    certificate, 0, 0, NULL, NULL),
	KW("ca-file", CFG_PATH, CFG_REQUIRED, struct cfg_center, ca_file, 0,
	    0, NULL, NULL),
	KW("crl-file", CFG_PATH, 0, struct cfg_center, crl_file, 0, 0, NULL,
	    NULL),
	KW("database", CFG_PATH, 0, struct cfg_center, database, 0, 0, NULL,
	    "/var/lib/twinproxy/center.db"),
	KW("alive-timeout", CFG_DURATION, 0, struct cfg_center, alive_timeout,
	    SEC(1), DAY(1), NULL, "180s"),
	KW("notify", CFG_PATH, 0, struct cfg_center, notify, 0, 0, NULL,
	    NULL),
	KWM("mail-to", CFG_STRING, 0, struct cfg_center, mail_to, NULL),
	KWM("operator-listen", CFG_ADDRPORT, 0, struct cfg_center,
	    operator_listen, NULL),
	KW("operator-certificate", CFG_PATH, 0, struct cfg_center,
	    operator_certificate, 0, 0, NULL, NULL),
	KW("operator-ca-file", CFG_PATH, 0, struct cfg_center,
	    operator_ca_file, 0, 0, NULL, NULL),
	KW("max-connections", CFG_UINT, 0, struct cfg_center, max_connections,
	    1, 100000, NULL, "4000"),
	KW("timeout", CFG_DURATION, 0, struct cfg_center, timeout, MS(100),
	    SEC(600), NULL, "30s"),
	KW("sendmail", CFG_PATH, 0, struct cfg_center, sendmail, 0, 0, NULL,
	    "/usr/sbin/sendmail"),
	KW("dist-dir", CFG_PATH, 0, struct cfg_center, dist_dir, 0, 0, NULL,
	    "/var/lib/twinproxy/dist"),
	KW("ca-dir", CFG_PATH, 0, struct cfg_center, ca_dir, 0, 0, NULL,
	    NULL),
	KW("ca-pass-file", CFG_PATH, 0, struct cfg_center, ca_pass_file, 0,
	    0, NULL, NULL),
	KW("twin-cert", CFG_PATH, 0, struct cfg_center, twin_cert, 0, 0, NULL,
	    "/usr/sbin/twin-cert"),
	KW("renew-days", CFG_UINT, 0, struct cfg_center, renew_days, 1, 3650,
	    NULL, "365"),
	KW("certificate-alarm", CFG_DURATION, 0, struct cfg_center,
	    certificate_alarm, 0, DAY(365), NULL, "14d"),
	KWM("gateway-operator", CFG_STRING, 0, struct cfg_center,
	    gateway_operator, NULL),
	KW("gateway-idle-timeout", CFG_DURATION, 0, struct cfg_center,
	    gateway_idle_timeout, SEC(1), DAY(1), NULL, "15m"),
	KW("gateway-max-time", CFG_DURATION, 0, struct cfg_center,
	    gateway_max_time, SEC(1), DAY(7), NULL, "8h"),
	KW("gateway-connect-timeout", CFG_DURATION, 0, struct cfg_center,
	    gateway_connect_timeout, MS(100), SEC(600), NULL, "15s"),
	KW("gateway-sessions", CFG_UINT, 0, struct cfg_center,
	    gateway_sessions, 1, 10000, NULL, "64"),
	KW_END
};


/* Every CFG_REQUIRED keyword of a present block must be set. */
static void
required(struct cfg_parser *p, const char *block, const struct cfg_blk *b)
{
	const struct cfg_kw	*kws = cfg_blockdef_find(block)->kws, *kw;

	/* A keyword given with a bad value was reported already. */
	for (kw = kws; kw->name != NULL; kw++)
		if ((kw->flags & CFG_REQUIRED) &&
		    !(b->seen & (1ULL << (kw - kws))))
			cfg_error(p, b->file, b->line,
			    "block '%s' needs '%s'", block, kw->name);
}

/*
 * The site ID is the CN of the site's certificate and a label of the host
 * names operators reach the site by: a DNS label of lowercase letters,
 * digits and '-', as monitor/mon_report.c checks it on the wire.
 */
static int
site_id_valid(const char *s)
{
	size_t	n = strlen(s);

	return (n >= 1 && n <= 63 && s[0] != '-' && s[n - 1] != '-' &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n);
}

/* A plain address, local@domain: it goes to sendmail as an argument. */
static int
mail_valid(const char *s)
{
	const char	*at = strchr(s, '@');

	if (at == NULL || at == s || strchr(at + 1, '@') != NULL ||
	    s[0] == '-' || !host_valid(at + 1))
		return (0);
	return (strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.!#$%&'*+/=?^_`{|}~-@") ==
	    strlen(s));
}

/* The agent: where it reports, and with what. */
static void
check_report(struct cfg *cfg, struct cfg_parser *p)
{
	struct cfg_report	*r = &cfg->report;
	const struct cfg_blk	*b = &r->blk;
	const struct cfg_kw	*kws = cfg_report_kws;
	char			 buf[HOST_MAXLEN + 16];
	size_t			 i, j;

	required(p, "report", b);
	if (r->site_id != NULL && !site_id_valid(r->site_id))
		cfg_error(p, b->file, cfg_kw_line(b, kws, "site-id"), "site-id "
		    "'%s' must be a DNS label: lowercase letters, digits and "
		    "'-', at most 63 (it is the certificate's CN)",
		    r->site_id);
	if (r->center.port != 0 && r->center.port != 443)
		cfg_warning(p, b->file, cfg_kw_line(b, kws, "center"), "center "
		    "port %u: the center is meant to be reached on 443 only, "
		    "which firewalls and proxies let through", r->center.port);
	for (i = 0; i < r->nproxy; i++)
		for (j = 0; j < i; j++)
			if (strcasecmp(r->proxy[i].host, r->proxy[j].host) ==
			    0 && r->proxy[i].port == r->proxy[j].port)
				cfg_error(p, b->file, cfg_kw_line(b, kws,
				    "proxy"), "proxy %s given twice",
				    hostport_fmt(&r->proxy[i], buf,
				    sizeof buf));
	if (r->timeout >= r->alive_interval)
		cfg_warning(p, b->file, cfg_kw_line(b, kws, "timeout"),
		    "timeout is not shorter than alive-interval: a slow "
		    "report delays the next one");
	if (r->device_id_file != NULL && r->device_id_file[0] != '/')
		cfg_error(p, b->file, cfg_kw_line(b, kws, "device-id-file"),
		    "device-id-file must be an absolute path");
	if (r->spool_dir != NULL && r->spool_dir[0] != '/')
		cfg_error(p, b->file, cfg_kw_line(b, kws, "spool-dir"),
		    "spool-dir must be an absolute path");
	if (r->poll_interval > r->alive_interval)
		cfg_warning(p, b->file, cfg_kw_line(b, kws, "poll-interval"),
		    "poll-interval is longer than alive-interval: alive "
		    "reports repeat a stale status");
}

/* The center: listeners, alarm timeout, notification. */
static void
check_center(struct cfg *cfg, struct cfg_parser *p)
{
	struct cfg_center	*c = &cfg->center;
	const struct cfg_blk	*b = &c->blk;
	const struct cfg_kw	*kws = cfg_center_kws;
	char			 buf[ADDR_STRLEN];
	size_t			 i, j;

	required(p, "center", b);
	for (i = 0; i < c->nlisten; i++) {
		for (j = 0; j < i; j++)
			if (addr_eq(&c->listen[i], &c->listen[j]) &&
			    c->listen[i].port == c->listen[j].port)
				cfg_error(p, b->file, cfg_kw_line(b, kws,
				    "listen"), "listen %s given twice",
				    addr_fmt(&c->listen[i], buf, sizeof buf));
		if (c->listen[i].port != 443)
			cfg_warning(p, b->file, cfg_kw_line(b, kws, "listen"),
			    "listen %s: agents reach the center on port 443 "
			    "only", addr_fmt(&c->listen[i], buf, sizeof buf));
	}
	for (j = 0; j < c->noperator_listen; j++)
		for (i = 0; i < c->nlisten; i++)
			if (addr_eq(&c->listen[i], &c->operator_listen[j]) &&
			    c->listen[i].port == c->operator_listen[j].port) {
				cfg_error(p, b->file, cfg_kw_line(b, kws,
				    "operator-listen"), "operator-listen %s is "
				    "also a listen address", addr_fmt(
				    &c->listen[i], buf, sizeof buf));
				break;
			}
	for (i = 0; i < c->nmail_to; i++)
		if (!mail_valid(c->mail_to[i]))
			cfg_error(p, b->file, cfg_kw_line(b, kws, "mail-to"),
			    "mail-to '%s' is not a plain address "
			    "(local@domain)", c->mail_to[i]);
	if (c->alive_timeout < SEC(120))
		cfg_warning(p, b->file, cfg_kw_line(b, kws, "alive-timeout"),
		    "alive-timeout is less than twice the agents' default "
		    "alive-interval (60s): one late report raises an alarm");
	if (c->database != NULL && c->database[0] != '/')
		cfg_error(p, b->file, cfg_kw_line(b, kws, "database"),
		    "database must be an absolute path");
	for (i = 0; i < c->noperator_listen; i++)
		if (addr_is_any(&c->operator_listen[i]))
			cfg_warning(p, b->file, cfg_kw_line(b, kws,
			    "operator-listen"), "operator-listen %s is a "
			    "wildcard: the views are reachable from every "
			    "network of the center, the internet side "
			    "included; name the internal address",
			    addr_fmt(&c->operator_listen[i], buf, sizeof buf));
	if ((c->operator_certificate != NULL ||
	    c->operator_ca_file != NULL) && c->noperator_listen == 0)
		cfg_warning(p, b->file, cfg_kw_line(b, kws,
		    c->operator_ca_file != NULL ? "operator-ca-file" :
		    "operator-certificate"), "no operator-listen: the "
		    "operator settings are not used");
	cfg_check_gateway_operators(cfg, p);
	if (c->operator_certificate != NULL && c->operator_ca_file == NULL)
		cfg_error(p, b->file, cfg_kw_line(b, kws,
		    "operator-certificate"), "operator-certificate needs "
		    "operator-ca-file: operators speak HTTPS only with their "
		    "client certificates");
}


/*
 * gateway-operator "NAME=SHA256": NAME the CN of the operator's
 * certificate, SHA256 the 64 hex digits of its operator ID's hash; the
 * gateway needs the operators' CA to tell an operator's certificate.
 */
static void
cfg_check_gateway_operators(struct cfg *cfg, struct cfg_parser *p)
{
	struct cfg_center	*c = &cfg->center;
	const struct cfg_blk	*b = &c->blk;
	const char		*s;
	size_t			 i, j, n;
	int			 line = cfg_kw_line(b, cfg_center_kws,
				    "gateway-operator");

	for (i = 0; i < c->ngateway_operator; i++) {
		s = c->gateway_operator[i];
		if ((n = gateway_operator_name(s)) == 0) {
			cfg_error(p, b->file, line, "gateway-operator '%s' is "
			    "not NAME=SHA256 (the certificate's CN, 64 "
			    "lowercase hex digits)", s);
			continue;
		}
		for (j = 0; j < i; j++)
			if (gateway_operator_name(c->gateway_operator[j]) ==
			    n && strncmp(c->gateway_operator[j], s, n) == 0) {
				cfg_error(p, b->file, line, "gateway-operator "
				    "%.*s given twice", (int)n, s);
				break;
			}
	}
	if (c->ngateway_operator > 0 && c->operator_ca_file == NULL)
		cfg_warning(p, b->file, line, "gateway-operator without "
		    "operator-ca-file: no operator can present a certificate, "
		    "so the gateway refuses every one");
}

/* The length of NAME in a valid "NAME=SHA256", else 0. */
static size_t
gateway_operator_name(const char *s)
{
	const char	*eq = strchr(s, '=');
	size_t		 n = eq != NULL ? (size_t)(eq - s) : 0;

	if (eq == NULL || n == 0 || n > 63 || s[0] == '-' || s[0] == '.' ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != n ||
	    strlen(eq + 1) != 64 || strspn(eq + 1, "0123456789abcdef") != 64)
		return (0);
	return (n);
}

/* Check the monitoring blocks that are present. */
void
cfg_check_monitor(struct cfg *cfg, struct cfg_parser *p)
{
	if (cfg->report.blk.present)
		check_report(cfg, p);
	if (cfg->center.blk.present)
		check_center(cfg, p);
}
