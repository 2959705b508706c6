/*
 * lb_metrics.c: twin-lb's Prometheus families (lib/metrics.h): per
 * cluster and server their state, connections, requests, bytes and
 * errors; for l4 clusters the packet engine's flows, packets, bytes and
 * drops by reason (what `twinctl lb show` prints).
 */
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "lb_pkt.h"
#include "lbd.h"
#include "log.h"
#include "logfwd.h"
#include "metrics.h"
#include "pool.h"
#include "xmalloc.h"

/* One cluster's l4 sums (st NULL: not an l4 cluster the engine runs). */
struct lbd_metrics_l4 {
	struct lbd_cluster	*c;
	size_t			 n;
	struct lbd_l4_sum	 s;
};

static void	lbd_metrics_cb(struct metrics *, void *);
static void	lbd_metrics_l4(struct metrics *, struct lbd *);
static void	lbd_metrics_engine(struct metrics *, struct lbd *);
static void	lbd_metrics_logs(struct metrics *, struct lbd *);

/* Create the endpoint (listening once lbd_metrics_sync() says). */
void
lbd_metrics_init(struct lbd *d)
{
	d->metrics = metrics_server_new(d->base, "twin-lb", lbd_metrics_cb,
	    d);
}

/* Listen as <cfg> says, all or nothing. */
int
lbd_metrics_sync(struct lbd *d, const struct cfg *cfg, const char **cause)
{
	struct metrics_conf	mc;

	cfg_metrics_conf(cfg, CFG_METRICS_LB, &mc);
	return (metrics_server_sync(d->metrics, &mc, cause));
}

/* Close the endpoint. */
void
lbd_metrics_free(struct lbd *d)
{
	metrics_server_free(d->metrics);
	d->metrics = NULL;
}

/* Write the families at a scrape. */
static void
lbd_metrics_cb(struct metrics *m, void *arg)
{
	struct lbd		*d = arg;
	struct lbd_cluster	*c;
	struct lbd_client	*cl;
	struct lbd_server	*s;
	size_t			 i;
	int			 e;

	metrics_one(m, "twinproxy_lb_connections_open", METRICS_GAUGE,
	    "Client connections open (l7 and https clusters).",
	    d->conns.open);
	metrics_one(m, "twinproxy_lb_reloads_total", METRICS_COUNTER,
	    "Configuration reloads that took effect.", d->reloads);
	if (metrics_family(m, "twinproxy_lb_cluster_connections_open",
	    METRICS_GAUGE, "Client connections open, per cluster.") == 0)
		TAILQ_FOREACH(c, &d->clusters, entry) {
			i = 0;
			TAILQ_FOREACH(cl, &d->clients, entry)
				if (cl->c == c)
					i++;
			metrics_sample(m, i, "cluster", c->name, NULL);
		}
#define LBD_CFAM(fam, help, field)					\
	if (metrics_family(m, "twinproxy_lb_cluster_" fam,		\
	    METRICS_COUNTER, help) == 0)				\
		TAILQ_FOREACH(c, &d->clusters, entry)			\
			metrics_sample(m, c->st.field, "cluster", c->name, \
			    NULL)
	LBD_CFAM("connections_total", "Client connections accepted.", conns);
	LBD_CFAM("requests_total", "Requests forwarded.", requests);
	LBD_CFAM("retries_total", "Requests sent on again to another server.",
	    retries);
	LBD_CFAM("cookies_total", "Persistence cookies set.", cookies);
	LBD_CFAM("tls_handshakes_total", "TLS handshakes with clients.",
	    handshakes);
	LBD_CFAM("tls_resumed_total", "TLS handshakes that resumed a session.",
	    resumed);
	LBD_CFAM("received_bytes_total", "Bytes received from clients.",
	    bytes_in);
	LBD_CFAM("sent_bytes_total", "Bytes sent to clients.", bytes_out);
#undef LBD_CFAM
	if (metrics_family(m, "twinproxy_lb_cluster_errors_total",
	    METRICS_COUNTER, "Errors by kind (as twinctl lb stats names "
	    "them).") == 0)
		TAILQ_FOREACH(c, &d->clusters, entry)
			for (e = 0; e < LBD_ERR_MAX; e++)
				metrics_sample(m, c->st.errors[e], "cluster",
				    c->name, "kind", lbd_err_name(e), NULL);
	if (metrics_family(m, "twinproxy_lb_server_up", METRICS_GAUGE,
	    "Whether a server passes its health checks.") == 0)
		TAILQ_FOREACH(c, &d->clusters, entry)
			for (i = 0; i < c->nsrv; i++) {
				s = &c->srv[i];
				metrics_sample(m, s->s->health == LB_UP,
				    "cluster", c->name, "server", s->name,
				    NULL);
			}
	if (metrics_family(m, "twinproxy_lb_server_connections_open",
	    METRICS_GAUGE, "Connections a server holds now (l7, https).") ==
	    0)
		TAILQ_FOREACH(c, &d->clusters, entry)
			for (i = 0; i < c->nsrv; i++)
				if (c->mode != LB_MODE_L4)
					metrics_sample(m, c->srv[i].s->active,
					    "cluster", c->name, "server",
					    c->srv[i].name, NULL);
#define LBD_SFAM(fam, help, expr)					\
	if (metrics_family(m, "twinproxy_lb_server_" fam,		\
	    METRICS_COUNTER, help) == 0)				\
		TAILQ_FOREACH(c, &d->clusters, entry)			\
			for (i = 0; i < c->nsrv; i++) {			\
				s = &c->srv[i];				\
				metrics_sample(m, (expr), "cluster",	\
				    c->name, "server", s->name, NULL);	\
			}
	LBD_SFAM("requests_total", "Requests (l7, https) sent to a server.",
	    s->requests);
	LBD_SFAM("failures_total", "Connect, TLS and upstream failures.",
	    s->failures);
	LBD_SFAM("downs_total", "Times a server went down.", s->s->st.downs);
	LBD_SFAM("persistent_total", "Picks made by persistence.",
	    s->s->st.persistent);
#undef LBD_SFAM
	lbd_metrics_l4(m, d);
	lbd_metrics_engine(m, d);
	lbd_metrics_logs(m, d);
	metrics_server_families(m, d->metrics, "lb");
}

/*
 * The access logs' forwarding, one sample set per log in use, labelled
 * with the clusters writing it ("web,shop"): a forwarder shared by two
 * clusters is counted once.
 */
static void
lbd_metrics_logs(struct metrics *m, struct lbd *d)
{
	struct lbd_cluster	 *c;
	struct logfwd		**fwds;
	char			**names, *v;
	size_t			  i, n = 0;

	if (d->nlogs == 0)
		return;
	fwds = xcalloc(d->nlogs, sizeof *fwds);
	names = xcalloc(d->nlogs, sizeof *names);
	for (i = 0; i < d->nlogs; i++) {
		if (!d->logs[i].used)
			continue;
		TAILQ_FOREACH(c, &d->clusters, entry) {
			if (c->log != d->logs[i].lf)
				continue;
			if (names[n] == NULL)
				names[n] = xstrdup(c->name);
			else {
				xasprintf(&v, "%s,%s", names[n], c->name);
				free(names[n]);
				names[n] = v;
			}
		}
		if (names[n] != NULL)
			fwds[n++] = d->logs[i].fwd;
	}
	logfwd_metrics(m, "lb", "clusters", (const char *const *)names, fwds,
	    n);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(fwds);
}

/*
 * The l4 clusters' flows, packets and bytes per server. Each family is
 * written whole before the next, so the sums are taken first.
 */
static void
lbd_metrics_l4(struct metrics *m, struct lbd *d)
{
	struct lbd_metrics_l4	*w;
	struct lbd_cluster	*c;
	size_t			 n = 0, k, i;

	if (d->pkt == NULL)
		return;
	TAILQ_FOREACH(c, &d->clusters, entry)
		n++;
	w = xcalloc(n ? n : 1, sizeof *w);
	k = 0;
	TAILQ_FOREACH(c, &d->clusters, entry) {
		w[k].c = c;
		w[k].n = c->nsrv;
		(void)lbd_l4_sum(d, c, &w[k].s);
		k++;
	}
	if (metrics_family(m, "twinproxy_lb_l4_flows_total", METRICS_COUNTER,
	    "Flows an l4 cluster forwarded.") == 0)
		for (k = 0; k < n; k++)
			if (w[k].s.st != NULL)
				metrics_sample(m, w[k].s.flows, "cluster",
				    w[k].c->name, NULL);
	if (metrics_family(m, "twinproxy_lb_l4_refused_total", METRICS_COUNTER,
	    "Flows an l4 cluster refused: no server to pick.") == 0)
		for (k = 0; k < n; k++)
			if (w[k].s.st != NULL)
				metrics_sample(m, w[k].s.refused, "cluster",
				    w[k].c->name, NULL);
#define LBD_L4FAM(fam, type, help, expr)				\
	if (metrics_family(m, "twinproxy_lb_l4_server_" fam, type,	\
	    help) == 0)							\
		for (k = 0; k < n; k++)					\
			for (i = 0; w[k].s.st != NULL &&		\
			    i < w[k].n; i++)				\
				metrics_sample(m, (expr), "cluster",	\
				    w[k].c->name, "server",		\
				    w[k].c->srv[i].name, NULL)
	LBD_L4FAM("flows_active", METRICS_GAUGE, "Flows to a server active "
	    "now.", w[k].s.st[i].active);
	LBD_L4FAM("flows_total", METRICS_COUNTER, "Flows ever sent to a "
	    "server.", w[k].s.st[i].flows);
	if (metrics_family(m, "twinproxy_lb_l4_server_packets_total",
	    METRICS_COUNTER, "Packets forwarded, by direction (in: to the "
	    "server).") == 0)
		for (k = 0; k < n; k++)
			for (i = 0; w[k].s.st != NULL && i < w[k].n; i++) {
				metrics_sample(m, w[k].s.st[i].pkts[0],
				    "cluster", w[k].c->name, "server",
				    w[k].c->srv[i].name, "direction", "in",
				    NULL);
				metrics_sample(m, w[k].s.st[i].pkts[1],
				    "cluster", w[k].c->name, "server",
				    w[k].c->srv[i].name, "direction", "out",
				    NULL);
			}
	if (metrics_family(m, "twinproxy_lb_l4_server_bytes_total",
	    METRICS_COUNTER, "Bytes forwarded, by direction (in: to the "
	    "server).") == 0)
		for (k = 0; k < n; k++)
			for (i = 0; w[k].s.st != NULL && i < w[k].n; i++) {
				metrics_sample(m, w[k].s.st[i].bytes[0],
				    "cluster", w[k].c->name, "server",
				    w[k].c->srv[i].name, "direction", "in",
				    NULL);
				metrics_sample(m, w[k].s.st[i].bytes[1],
				    "cluster", w[k].c->name, "server",
				    w[k].c->srv[i].name, "direction", "out",
				    NULL);
			}
#undef LBD_L4FAM
	for (k = 0; k < n; k++)
		free(w[k].s.st);
	free(w);
}

/* The packet engine as a whole: its flow table, packets, drops. */
static void
lbd_metrics_engine(struct metrics *m, struct lbd *d)
{
	struct lb_pkt_stats	st;
	int			i;

	if (d->pkt == NULL)
		return;
	lb_pkt_stats(d->pkt, &st);
	metrics_one(m, "twinproxy_lb_l4_active", METRICS_GAUGE, "Whether "
	    "the packet engine forwards (the floating IP is held).",
	    d->pkt_active);
	metrics_one(m, "twinproxy_lb_l4_restarts_total", METRICS_COUNTER,
	    "Packet engine restarts.", d->pkt_restarts);
	metrics_one(m, "twinproxy_lb_l4_flow_table_entries", METRICS_GAUGE,
	    "Flows in the table.", st.flows);
	metrics_one(m, "twinproxy_lb_l4_flow_table_size", METRICS_GAUGE,
	    "Flows the table holds at most.", st.flows_max);
	metrics_one(m, "twinproxy_lb_l4_flows_created_total", METRICS_COUNTER,
	    "Flows created.", st.flows_created);
	metrics_one(m, "twinproxy_lb_l4_flows_table_full_total",
	    METRICS_COUNTER, "Flows refused: the table was full.",
	    st.flows_refused);
	metrics_one(m, "twinproxy_lb_l4_received_packets_total",
	    METRICS_COUNTER, "Packets read.", st.rx_pkts);
	metrics_one(m, "twinproxy_lb_l4_sent_packets_total", METRICS_COUNTER,
	    "Packets sent.", st.tx_pkts);
	metrics_one(m, "twinproxy_lb_l4_ring_drops_total", METRICS_COUNTER,
	    "Packets the kernel dropped before the engine read them.",
	    st.ring_drops);
	if (metrics_family(m, "twinproxy_lb_l4_drops_total", METRICS_COUNTER,
	    "Packets dropped, by reason (as twinctl lb show names "
	    "them).") == 0)
		for (i = 0; i < LB_DROP_MAX; i++)
			metrics_sample(m, st.drops[i], "reason",
			    lb_pkt_drop_name(i), NULL);
}
