/*
 * cfg_metrics.c: the keyword table and checks of the `metrics` block,
 * the Prometheus endpoints of every daemon: one management address, a
 * port per daemon, who may scrape. Off unless the block is present.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <string.h>

#include "cfg.h"
#include "cfg_kw.h"
#include "metrics.h"


/* listen must stay first: the check tests bit 0 of seen. */
const struct cfg_kw cfg_metrics_kws[] = {
	KW("listen", CFG_ADDR, CFG_REQUIRED, struct cfg_metrics, listen, 0,
	    0, NULL, NULL),
	KWM("allow", CFG_CIDR, 0, struct cfg_metrics, allow, NULL),
	KW("ha-port", CFG_UINT, 0, struct cfg_metrics,
	    port[CFG_METRICS_HA], 0, 65535, NULL, "9711"),
	KW("proxy-port", CFG_UINT, 0, struct cfg_metrics,
	    port[CFG_METRICS_PROXY], 0, 65535, NULL, "9712"),
	KW("wpad-port", CFG_UINT, 0, struct cfg_metrics,
	    port[CFG_METRICS_WPAD], 0, 65535, NULL, "9713"),
	KW("lb-port", CFG_UINT, 0, struct cfg_metrics,
	    port[CFG_METRICS_LB], 0, 65535, NULL, "9714"),
	KW("report-port", CFG_UINT, 0, struct cfg_metrics,
	    port[CFG_METRICS_REPORT], 0, 65535, NULL, "9715"),
	KW("center-port", CFG_UINT, 0, struct cfg_metrics,
	    port[CFG_METRICS_CENTER], 0, 65535, NULL, "9716"),
	KW("max-connections", CFG_UINT, 0, struct cfg_metrics,
	    max_connections, 1, 1024, NULL, "8"),
	KW("timeout", CFG_DURATION, 0, struct cfg_metrics, timeout, MS(100),
	    SEC(300), NULL, "10s"),
	KW_END
};

/*
 * The endpoints are for a management network: a wildcard address would
 * put every daemon's state on the client side too, so one is refused.
 */
void
cfg_check_metrics(struct cfg *cfg, struct cfg_parser *p)
{
	struct cfg_metrics		*mc = &cfg->metrics;
	const struct cfg_blk		*b = &mc->blk;
	const struct addr		*a = &mc->listen;
	size_t				 i, j;

	if (!b->present)
		return;
	/* A listen given with a bad value was reported already. */
	if (!(b->seen & 1)) {
		cfg_error(p, b->file, b->line, "block 'metrics' needs "
		    "'listen' (the management address)");
		return;
	}
	if (addr_is_any(a))
		cfg_error(p, b->file, cfg_kw_line(b, cfg_metrics_kws,
		    "listen"), "metrics listen must be a management address, "
		    "not a wildcard (0.0.0.0 or ::)");
	for (i = 0; i < CFG_METRICS_NDAEMONS; i++)
		for (j = i + 1; j < CFG_METRICS_NDAEMONS; j++)
			if (mc->port[i] != 0 && mc->port[i] == mc->port[j])
				cfg_error(p, b->file, b->line, "metrics: two "
				    "daemons on port %u (each needs its own)",
				    mc->port[i]);
}

/*
 * The endpoint of daemon d (CFG_METRICS_*) as lib/metrics.h takes it:
 * listen.af 0 when it is off (no block, or port 0). The allow list
 * points into cfg.
 */
void
cfg_metrics_conf(const struct cfg *cfg, int d, struct metrics_conf *conf)
{
	const struct cfg_metrics	*mc = &cfg->metrics;

	memset(conf, 0, sizeof *conf);
	conf->timeout = SEC(10);
	conf->max_conns = 8;
	if (!mc->blk.present || mc->listen.af == 0 || mc->port[d] == 0)
		return;
	conf->listen = mc->listen;
	conf->listen.port = mc->port[d];
	conf->allow = mc->allow;
	conf->nallow = mc->nallow;
	conf->timeout = mc->timeout;
	conf->max_conns = mc->max_connections;
}
