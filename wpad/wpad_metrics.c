/*
 * wpad_metrics.c: twin-wpad's Prometheus families (lib/metrics.h):
 * scripts served by variant, requests not found, errors, the health of
 * the proxies the scripts name.
 */
#include <string.h>

#include "cfg.h"
#include "log.h"
#include "metrics.h"
#include "wpad.h"

static void	wpad_metrics_cb(struct metrics *, void *);

/* Open the endpoint as the config says; at start a failure is fatal. */
void
wpad_metrics_start(struct wpad *w)
{
	const char	*cause;

	w->metrics = metrics_server_new(w->base, "twin-wpad",
	    wpad_metrics_cb, w);
	if (wpad_metrics_sync(w, w->cfg, &cause) == -1)
		fatalx("metrics: %s", cause);
}

/* Listen as <cfg> says, all or nothing. */
int
wpad_metrics_sync(struct wpad *w, const struct cfg *cfg, const char **cause)
{
	struct metrics_conf	mc;

	cfg_metrics_conf(cfg, CFG_METRICS_WPAD, &mc);
	return (metrics_server_sync(w->metrics, &mc, cause));
}

/* Close the endpoint. */
void
wpad_metrics_stop(struct wpad *w)
{
	metrics_server_free(w->metrics);
	w->metrics = NULL;
}

/* Write the families at a scrape. */
static void
wpad_metrics_cb(struct metrics *m, void *arg)
{
	struct wpad	*w = arg;
	int		 i;

	if (metrics_family(m, "twinproxy_wpad_scripts_served_total",
	    METRICS_COUNTER, "PAC scripts served, by variant (even and odd "
	    "clients, or the one my-ip-address script).") == 0) {
		if (w->pac.variant == PAC_MY_IP_ADDRESS)
			metrics_sample(m, w->nserved[WPAD_EVEN] +
			    w->nserved[WPAD_ODD], "variant", "my-ip-address",
			    NULL);
		else {
			metrics_sample(m, w->nserved[WPAD_EVEN], "variant",
			    "even", NULL);
			metrics_sample(m, w->nserved[WPAD_ODD], "variant",
			    "odd", NULL);
		}
	}
	metrics_one(m, "twinproxy_wpad_not_found_total", METRICS_COUNTER,
	    "Requests for another path than a script (404).", w->nnotfound);
	if (metrics_family(m, "twinproxy_wpad_errors_total", METRICS_COUNTER,
	    "Requests answered with an error of ours, by kind.") == 0) {
		metrics_sample(m, w->nerr_client, "kind", "unknown_client",
		    NULL);
		metrics_sample(m, w->nerr_nomem, "kind", "nomem", NULL);
	}
	metrics_one(m, "twinproxy_wpad_reloads_total", METRICS_COUNTER,
	    "Configuration reloads that took effect.", w->nreload);
	if (metrics_family(m, "twinproxy_wpad_proxy_up", METRICS_GAUGE,
	    "Whether a proxy the scripts name answers its health check "
	    "(1 also while not probed yet).") == 0)
		for (i = 0; i < w->pac.nproxy; i++)
			metrics_sample(m, w->probe[i].up != 0, "proxy",
			    w->pac.proxy[i], "peer", i == WPAD_SELF ? "self" :
			    "partner", NULL);
	metrics_server_families(m, w->metrics, "wpad");
}
