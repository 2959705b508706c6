/*
 * proxy_metrics.c: twin-proxy's Prometheus families (lib/metrics.h):
 * requests by Squid result code and status class, connections, bytes,
 * errors by kind, the cache, the access log.
 */
#include <string.h>

#include "cfg.h"
#include "logfile.h"
#include "logfwd.h"
#include "metrics.h"
#include "pool.h"
#include "proxy.h"
#include "proxy_cache.h"
#include "proxy_ftp.h"

static void	proxy_metrics_cb(struct metrics *, void *);

/* Create the endpoint (listening once proxy_metrics_sync() says). */
void
proxy_metrics_init(struct proxy *px)
{
	px->metrics = metrics_server_new(px->base, "twin-proxy",
	    proxy_metrics_cb, px);
}

/* Listen as the config says, all or nothing. */
int
proxy_metrics_sync(struct proxy *px, const char **cause)
{
	struct metrics_conf	mc;

	cfg_metrics_conf(px->cfg, CFG_METRICS_PROXY, &mc);
	return (metrics_server_sync(px->metrics, &mc, cause));
}

/* Close the endpoint. */
void
proxy_metrics_free(struct proxy *px)
{
	metrics_server_free(px->metrics);
	px->metrics = NULL;
}

/*
 * Count a finished request, as its access-log line says it ended (called
 * by proxy_log_request(), whether a log is written or not). The
 * codes are the static strings the client code sets; an unknown one
 * past the table's size is counted as "OTHER".
 */
void
proxy_metrics_request(struct proxy_client *c)
{
	struct proxy_codes	*pc = &c->px->codes;
	const char		*code = c->code;
	int			 status = c->status;
	size_t			 i;

	if (code == NULL)
		code = "TAG_NONE";
	/* The same static string nearly always: its address first. */
	for (i = 0; i < pc->n; i++)
		if (pc->code[i] == code || strcmp(pc->code[i], code) == 0)
			break;
	if (i == pc->n) {
		if (pc->n < PROXY_METRICS_CODES - 1)
			pc->code[pc->n++] = code;
		else {
			i = PROXY_METRICS_CODES - 1;
			pc->code[i] = "OTHER";
		}
	}
	pc->count[i]++;
	pc->cls[status >= 100 && status < 600 ? status / 100 : 0]++;
}

/* Write the families at a scrape. */
static void
proxy_metrics_cb(struct metrics *m, void *arg)
{
	static const char *const	 cls[] = { "none", "1xx", "2xx",
					    "3xx", "4xx", "5xx" };
	struct proxy			*px = arg;
	struct proxy_stats		*st = &px->stats;
	struct proxy_codes		*pc = &px->codes;
	struct cache_stats		 cs;
	size_t				 i;

	if (metrics_family(m, "twinproxy_proxy_requests_total",
	    METRICS_COUNTER, "Requests finished, by Squid result code (as "
	    "in the access log).") == 0) {
		for (i = 0; i < PROXY_METRICS_CODES; i++)
			if (pc->code[i] != NULL)
				metrics_sample(m, pc->count[i], "code",
				    pc->code[i], NULL);
	}
	if (metrics_family(m, "twinproxy_proxy_responses_total",
	    METRICS_COUNTER, "Requests finished, by class of the status "
	    "sent (none: no response).") == 0)
		for (i = 0; i < 6; i++)
			metrics_sample(m, pc->cls[i], "class", cls[i], NULL);
	metrics_one(m, "twinproxy_proxy_tunnels_total", METRICS_COUNTER,
	    "CONNECT tunnels opened.", st->tunnels);
	metrics_one(m, "twinproxy_proxy_connections_accepted_total",
	    METRICS_COUNTER, "Client connections accepted.", st->conns.total);
	metrics_one(m, "twinproxy_proxy_connections_open", METRICS_GAUGE,
	    "Client connections open.", st->conns.open);
	metrics_one(m, "twinproxy_proxy_accept_pauses_total", METRICS_COUNTER,
	    "Pauses in accepting for want of descriptors.", st->conns.pauses);
	metrics_one(m, "twinproxy_proxy_received_bytes_total",
	    METRICS_COUNTER, "Bytes received from clients.", st->bytes_in);
	metrics_one(m, "twinproxy_proxy_sent_bytes_total", METRICS_COUNTER,
	    "Bytes sent to clients.", st->bytes_out);
	metrics_one(m, "twinproxy_proxy_origin_connects_total",
	    METRICS_COUNTER, "Connections opened to origin servers.",
	    st->origin_connects);
	metrics_one(m, "twinproxy_proxy_origin_reused_total", METRICS_COUNTER,
	    "Requests sent on an idle origin connection.", st->origin_reused);
	metrics_one(m, "twinproxy_proxy_origin_idle_connections",
	    METRICS_GAUGE, "Idle origin connections in the pool.",
	    pool_count(px->pool));
	if (metrics_family(m, "twinproxy_proxy_errors_total", METRICS_COUNTER,
	    "Errors by kind (as twinctl proxy stats names them).") == 0)
		for (i = 0; i < PROXY_ERR_MAX; i++)
			metrics_sample(m, st->errors[i], "kind",
			    proxy_err_name(i), NULL);
	metrics_one(m, "twinproxy_proxy_log_lines_dropped_total",
	    METRICS_COUNTER, "Access-log lines dropped (log full or "
	    "unwritable).", logfile_dropped(px->log));
	metrics_one(m, "twinproxy_proxy_log_reopen_failures_total",
	    METRICS_COUNTER, "Access-log reopens that failed.",
	    logfile_reopen_failures(px->log));
	logfwd_metrics(m, "proxy", NULL, NULL, &px->logfwd, 1);
	metrics_one(m, "twinproxy_proxy_cache_enabled", METRICS_GAUGE,
	    "Whether the cache is on.", px->cache != NULL);
	if (px->cache != NULL) {
		cache_get_stats(px->cache, &cs);
		if (metrics_family(m, "twinproxy_proxy_cache_objects",
		    METRICS_GAUGE, "Objects in the cache, by tier.") == 0) {
			metrics_sample(m, cs.mem_objects, "tier", "memory",
			    NULL);
			metrics_sample(m, cs.disk_objects, "tier", "disk",
			    NULL);
		}
		if (metrics_family(m, "twinproxy_proxy_cache_bytes",
		    METRICS_GAUGE, "Bytes in the cache, by tier.") == 0) {
			metrics_sample(m, cs.mem_bytes, "tier", "memory",
			    NULL);
			metrics_sample(m, cs.disk_bytes, "tier", "disk", NULL);
		}
		metrics_one(m, "twinproxy_proxy_cache_hits_total",
		    METRICS_COUNTER, "Requests answered without a full fetch.",
		    cs.hits);
		metrics_one(m, "twinproxy_proxy_cache_misses_total",
		    METRICS_COUNTER, "Cacheable requests fetched whole.",
		    cs.misses);
		metrics_one(m, "twinproxy_proxy_cache_stores_total",
		    METRICS_COUNTER, "Responses stored.", cs.stores);
		metrics_one(m, "twinproxy_proxy_cache_evictions_total",
		    METRICS_COUNTER, "Objects evicted for room.", cs.evictions);
		metrics_one(m, "twinproxy_proxy_cache_disk_rejected_total",
		    METRICS_COUNTER, "Corrupt or truncated disk objects "
		    "dropped.", cs.disk_rejected);
	}
	if (px->ftp != NULL)
		proxy_ftp_metrics(m, px);
	metrics_server_families(m, px->metrics, "proxy");
}
