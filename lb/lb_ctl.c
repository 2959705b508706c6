/*
 * lb_ctl.c: the control socket of twin-lb (<run-dir>/lb.sock; twinctl lb
 * ...):
 *
 *   show [CLUSTER]      clusters and servers for people: state and its
 *                       reason, connections, requests, persistence
 *   servers             one line per server for programs:
 *                       CLUSTER SERVER STATE ACTIVE REQUESTS, STATE one of
 *                       up, down, disabled, quiesced
 *   server CLUSTER SERVER enable|disable|quiesce|maxconn N
 *                       change a server while it runs (kept across a
 *                       reload unless the file changes that setting)
 *   stats               counters, "name value" per line
 *   flows CLUSTER       the connection table of an l4 cluster, one flow
 *                       a line
 *   persist CLUSTER     a cluster's persistence entries (persist sticky,
 *                       mobile-ipv6): key kind, key, server, lifetime
 *                       left, the key a copy was made from
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "daemon.h"
#include "lb_pkt.h"
#include "lbd.h"
#include "log.h"
#include "logfwd.h"
#include "pool.h"
#include "tls.h"

static int	 lbd_ctl_show(struct ctl_conn *, int, char **, void *);
static int	 lbd_ctl_servers(struct ctl_conn *, int, char **, void *);
static int	 lbd_ctl_server(struct ctl_conn *, int, char **, void *);
static int	 lbd_ctl_stats(struct ctl_conn *, int, char **, void *);
static int	 lbd_ctl_flows(struct ctl_conn *, int, char **, void *);
static int	 lbd_ctl_persist(struct ctl_conn *, int, char **, void *);
static void	 lbd_ctl_l4(struct ctl_conn *, struct lbd *,
		    struct lbd_cluster *);
static void	 lbd_ctl_l4_engine(struct ctl_conn *, struct lbd *);
static void	 lbd_ctl_flow_cb(void *, const struct lb_pkt_flow_info *);
static void	 lbd_ctl_persist_cb(void *, const struct lb_persist_info *);
static void	 lbd_ctl_l4_stats(struct ctl_conn *, struct lbd *);

/* What the walks of one cluster's engine clusters are given. */
struct lbd_ctl_walk {
	struct ctl_conn		*cc;
	struct lbd		*d;
	struct lbd_cluster	*c;
	size_t			 n;
};
static void	 lbd_ctl_logfwd(struct ctl_conn *, struct lbd *,
		    struct lbd_cluster *);
static void	 lbd_ctl_cluster(struct ctl_conn *, struct lbd *,
		    struct lbd_cluster *);
static const char *lbd_ctl_listen(const struct lbd_cluster *, char *,
		    size_t);

static const struct ctl_cmd lbd_ctl_cmds[] = {
	{ "show", "show [CLUSTER]", lbd_ctl_show },
	{ "servers", "servers", lbd_ctl_servers },
	{ "server", "server CLUSTER SERVER enable|disable|quiesce|maxconn N",
	    lbd_ctl_server },
	{ "stats", "stats", lbd_ctl_stats },
	{ "flows", "flows CLUSTER", lbd_ctl_flows },
	{ "persist", "persist CLUSTER", lbd_ctl_persist },
	{ NULL, NULL, NULL }
};

static const char *const lbd_err_names[LBD_ERR_MAX] = {
	"parse", "no-server", "connect", "connect-timeout", "tls",
	"timeout", "upstream", "client-timeout", "client-abort",
	"handshake", "nomem"
};

static const char *const lbd_mode_names[] = { "l4", "l7", "https" };
static const char *const lbd_persist_names[] = { "none", "sticky",
    "cookie", "mobile-ipv6" };

/* Return the name of an error kind, as stats prints it. */
const char *
lbd_err_name(enum lbd_err e)
{
	return (e < LBD_ERR_MAX ? lbd_err_names[e] : "?");
}

/* The listen addresses of <c>, space-separated. */
static const char *
lbd_ctl_listen(const struct lbd_cluster *c, char *buf, size_t len)
{
	char	a[ADDR_STRLEN];
	size_t	i;

	buf[0] = '\0';
	for (i = 0; i < c->nlisten; i++) {
		if (i > 0)
			strlcat(buf, " ", len);
		strlcat(buf, addr_fmt(&c->listen[i].addr, a, sizeof a), len);
	}
	return (buf);
}

/* The forwarding of <c>'s access log, when it forwards. */
static void
lbd_ctl_logfwd(struct ctl_conn *cc, struct lbd *d, struct lbd_cluster *c)
{
	struct logfwd_stats	fs;
	size_t			i;

	for (i = 0; i < d->nlogs; i++)
		if (d->logs[i].used && d->logs[i].lf == c->log)
			break;
	if (c->log == NULL || i == d->nlogs ||
	    !logfwd_active(d->logs[i].fwd))
		return;
	logfwd_stats(d->logs[i].fwd, &fs);
	ctl_printf(cc, "  access log forwarded: log server %s, %llu lines "
	    "sent, %llu dropped, %zu bytes queued; syslog %llu sent, %llu "
	    "dropped", fs.connected ? "connected" : "not connected",
	    (unsigned long long)fs.sent, (unsigned long long)fs.dropped,
	    fs.queued, (unsigned long long)fs.syslog_sent,
	    (unsigned long long)fs.syslog_dropped);
}

/* Show one cluster. */
static void
lbd_ctl_cluster(struct ctl_conn *cc, struct lbd *d, struct lbd_cluster *c)
{
	const struct lb_cluster	*m = c->cl;
	struct lbd_client	*cl;
	struct lbd_server	*s;
	struct tls_cert_info	 ci;
	char			 buf[512], a[ADDR_STRLEN], mc[16];
	unsigned int		 open = 0;
	time_t			 now = time(NULL);
	size_t			 i;
	X509			*x;

	TAILQ_FOREACH(cl, &d->clients, entry)
		if (cl->c == c)
			open++;
	ctl_printf(cc, "cluster %s: %s on %s, %s, persist %s%s", c->name,
	    lbd_mode_names[c->mode], lbd_ctl_listen(c, buf, sizeof buf),
	    m->sched->name, lbd_persist_names[m->p.persist],
	    m->p.once_only ? " once-only" : "");
	ctl_printf(cc, "  connections %u open, %llu accepted; requests %llu; "
	    "retries %llu; idle server connections %u", open,
	    (unsigned long long)c->st.conns,
	    (unsigned long long)c->st.requests,
	    (unsigned long long)c->st.retries, pool_count(c->pool));
	lbd_ctl_logfwd(cc, d, c);
	if (m->p.persist == LB_PERSIST_COOKIE)
		ctl_printf(cc, "  persistence: cookie %s generation %u, kept "
		    "by the clients; %llu requests persistent, %llu cookies "
		    "set, %llu stale, %llu bad", m->p.cookie.name,
		    m->p.generation, (unsigned long long)
		    m->st.reason[LB_R_PERSISTENT], (unsigned long long)
		    c->st.cookies, (unsigned long long)m->st.cookie_stale,
		    (unsigned long long)m->st.cookie_bad);
	else if ((m->p.persist == LB_PERSIST_STICKY ||
	    m->p.persist == LB_PERSIST_MIP6) && m->sticky != NULL)
		ctl_printf(cc, "  persistence: %s, %zu entries; %llu "
		    "%s persistent, %llu lost, %llu capped",
		    lbd_persist_names[m->p.persist],
		    lb_sticky_count(m->sticky),
		    (unsigned long long)m->st.reason[LB_R_PERSISTENT],
		    c->mode == LB_MODE_L4 ? "flows" : "requests",
		    (unsigned long long)m->st.persist_lost,
		    (unsigned long long)m->st.sticky_capped);
	ctl_printf(cc, "  no server available %llu times; hot spare "
	    "(all down) %llu, (all full) %llu; quiesced only %llu",
	    (unsigned long long)m->st.reason[LB_R_NONE],
	    (unsigned long long)m->st.reason[LB_R_SPARE_DOWN],
	    (unsigned long long)m->st.reason[LB_R_SPARE_FULL],
	    (unsigned long long)m->st.reason[LB_R_QUIESCED]);
	if (c->tls != NULL)
		ctl_printf(cc, "  TLS handshakes %llu, %llu of them resumed",
		    (unsigned long long)c->st.handshakes,
		    (unsigned long long)c->st.resumed);
	for (i = 0; c->tls != NULL && i < tls_server_count(c->tls); i++) {
		if ((x = tls_server_cert(c->tls, i)) == NULL ||
		    tls_cert_info(x, now, &ci) == -1)
			continue;
		ctl_printf(cc, "  certificate %s: CN=%s, %lld days left",
		    tls_server_path(c->tls, i), ci.cn,
		    (long long)(ci.left / 86400));
	}
	for (i = 0; i < c->nsrv; i++) {
		s = &c->srv[i];
		if (s->s->maxconn != 0)
			snprintf(mc, sizeof mc, "%u", s->s->maxconn);
		else
			strlcpy(mc, "-", sizeof mc);
		ctl_printf(cc, "  server %s %s%s: %s (%s), active %u/%s, "
		    "requests %llu, persistent %llu, spare %llu, full %llu, "
		    "downs %llu, failures %llu%s%s", s->name,
		    addr_fmt(&s->addr, a, sizeof a), s->tls ? " tls" : "",
		    lbd_server_state(s), lb_admin_str(s->s->admin),
		    s->s->active, mc, (unsigned long long)s->requests,
		    (unsigned long long)s->s->st.persistent,
		    (unsigned long long)s->s->st.spare,
		    (unsigned long long)s->s->st.full,
		    (unsigned long long)s->s->st.downs,
		    (unsigned long long)s->failures,
		    (s->cfg_flags & LB_SRV_HOTSPARE) ? ", hot spare" : "",
		    (s->cfg_flags & LB_SRV_DONT_PERSIST) ?
		    ", dont-persist" : "");
		ctl_printf(cc, "    %s %llds: %s", s->s->health == LB_UP ?
		    "up for" : "down for", (long long)(now - s->since),
		    s->reason);
	}
	if (c->mode == LB_MODE_L4)
		lbd_ctl_l4(cc, d, c);
}

/* The packet engine's side of an l4 cluster, for show. */
static void
lbd_ctl_l4(struct ctl_conn *cc, struct lbd *d, struct lbd_cluster *c)
{
	struct lbd_l4_sum	sum;
	size_t			i;

	if (lbd_l4_sum(d, c, &sum) == -1) {
		ctl_printf(cc, "  l4: not forwarding (no packet engine)");
		return;
	}
	ctl_printf(cc, "  l4: %s %s, %s; flows %llu, refused %llu (no "
	    "server)", c->pkt[0].mode == LB_PKT_DR ? "direct-routing" : "nat",
	    c->pkt[0].proto == LB_IP_UDP ? "udp" : "tcp", d->pkt_active ?
	    "forwarding" : "standing by (floating IP not held)",
	    (unsigned long long)sum.flows, (unsigned long long)sum.refused);
	for (i = 0; i < c->nsrv; i++)
		ctl_printf(cc, "  server %s flows: active %llu, total %llu, "
		    "packets %llu in %llu out, bytes %llu in %llu out",
		    c->srv[i].name, (unsigned long long)sum.st[i].active,
		    (unsigned long long)sum.st[i].flows,
		    (unsigned long long)sum.st[i].pkts[0],
		    (unsigned long long)sum.st[i].pkts[1],
		    (unsigned long long)sum.st[i].bytes[0],
		    (unsigned long long)sum.st[i].bytes[1]);
	free(sum.st);
}

/* The packet engine as a whole, for show: its table and drops. */
static void
lbd_ctl_l4_engine(struct ctl_conn *cc, struct lbd *d)
{
	struct lb_pkt_stats	 st;
	char			 buf[1024];
	size_t			 i, len = 0;
	int			 n;

	if (d->pkt == NULL)
		return;
	lb_pkt_stats(d->pkt, &st);
	buf[0] = '\0';
	for (i = 0; i < d->pkt_nif; i++) {
		if (i > 0)
			strlcat(buf, " ", sizeof buf);
		strlcat(buf, d->pkt_if[i], sizeof buf);
	}
	ctl_printf(cc, "l4 engine on %s: %s; flows %llu of %llu, %llu "
	    "created, %llu refused (table full)", buf, d->pkt_active ?
	    "forwarding" : "standing by", (unsigned long long)st.flows,
	    (unsigned long long)st.flows_max,
	    (unsigned long long)st.flows_created,
	    (unsigned long long)st.flows_refused);
	buf[0] = '\0';
	for (i = 0; i < LB_DROP_MAX; i++) {
		if (st.drops[i] == 0)
			continue;
		n = snprintf(buf + len, sizeof buf - len, "%s%s %llu",
		    len > 0 ? ", " : "", lb_pkt_drop_name(i),
		    (unsigned long long)st.drops[i]);
		if (n < 0 || (size_t)n >= sizeof buf - len)
			break;
		len += n;
	}
	ctl_printf(cc, "  drops: %s", len > 0 ? buf : "none");
}

static void
lbd_ctl_flow_cb(void *arg, const struct lb_pkt_flow_info *fi)
{
	struct lbd_ctl_walk	*w = arg;
	char			 o[128], r[128];

	if (lbd_l4_owner(w->d, fi->cluster) != w->c)
		return;
	w->n++;
	ctl_printf(w->cc, "%s %s %s | %s%s pkts %llu/%llu bytes %llu/%llu "
	    "age %llums expires %llums", fi->server,
	    lb_flow_state_name(fi->state),
	    lb_pkt_key_fmt(&fi->orig, o, sizeof o),
	    lb_pkt_key_fmt(&fi->reply, r, sizeof r),
	    fi->outbound ? " outbound" : "",
	    (unsigned long long)fi->pkts[0], (unsigned long long)fi->pkts[1],
	    (unsigned long long)fi->bytes[0],
	    (unsigned long long)fi->bytes[1],
	    (unsigned long long)fi->age_ms,
	    (unsigned long long)fi->expires_ms);
}

/* "flows CLUSTER": SERVER STATE ORIG | REPLY counters, one per line. */
static int
lbd_ctl_flows(struct ctl_conn *cc, int argc, char **argv, void *arg)
{
	struct lbd		*d = arg;
	struct lbd_ctl_walk	 w;
	struct lbd_cluster	*c;

	if (argc != 2) {
		ctl_error(cc, "usage: flows CLUSTER");
		return (-1);
	}
	if ((c = lbd_cluster_find(d, argv[1])) == NULL) {
		ctl_error(cc, "no cluster %s", argv[1]);
		return (-1);
	}
	if (c->mode != LB_MODE_L4) {
		ctl_error(cc, "cluster %s is not an l4 cluster", c->name);
		return (-1);
	}
	memset(&w, 0, sizeof w);
	w.cc = cc;
	w.d = d;
	w.c = c;
	if (d->pkt != NULL)
		lb_pkt_flows_walk(d->pkt, lbd_ctl_flow_cb, &w);
	return (0);
}

static void
lbd_ctl_persist_cb(void *arg, const struct lb_persist_info *pi)
{
	struct lbd_ctl_walk	*w = arg;
	char			 k[96], f[96];

	if (pi->from != NULL)
		ctl_printf(w->cc, "%s server %s left %llums from %s",
		    lb_key_fmt(pi->key, k, sizeof k), pi->srv != NULL ?
		    pi->srv->name : "-", (unsigned long long)pi->left,
		    lb_key_fmt(pi->from, f, sizeof f));
	else
		ctl_printf(w->cc, "%s server %s left %llums",
		    lb_key_fmt(pi->key, k, sizeof k), pi->srv != NULL ?
		    pi->srv->name : "-", (unsigned long long)pi->left);
}

/* "persist CLUSTER": KIND KEY server NAME left MSms [from KIND KEY]. */
static int
lbd_ctl_persist(struct ctl_conn *cc, int argc, char **argv, void *arg)
{
	struct lbd		*d = arg;
	struct lbd_ctl_walk	 w;
	struct lbd_cluster	*c;

	if (argc != 2) {
		ctl_error(cc, "usage: persist CLUSTER");
		return (-1);
	}
	if ((c = lbd_cluster_find(d, argv[1])) == NULL) {
		ctl_error(cc, "no cluster %s", argv[1]);
		return (-1);
	}
	if (c->cl->sticky == NULL) {
		ctl_error(cc, "cluster %s keeps no persistence table (persist "
		    "%s)", c->name, lbd_persist_names[c->cl->p.persist]);
		return (-1);
	}
	memset(&w, 0, sizeof w);
	w.cc = cc;
	w.d = d;
	w.c = c;
	lb_mip6_walk(c->cl, check_now(), lbd_ctl_persist_cb, &w);
	return (0);
}

/* The packet engine's counters for stats: "l4.NAME value". */
static void
lbd_ctl_l4_stats(struct ctl_conn *cc, struct lbd *d)
{
	struct lb_pkt_stats	st;
	size_t			i;

	if (d->pkt == NULL)
		return;
	lb_pkt_stats(d->pkt, &st);
	ctl_printf(cc, "l4.active %d", d->pkt_active);
	ctl_printf(cc, "l4.restarts %llu", (unsigned long long)d->pkt_restarts);
#define L4ST(n, v)	ctl_printf(cc, "l4." n " %llu", (unsigned long long)(v))
	L4ST("rx-pkts", st.rx_pkts);
	L4ST("tx-pkts", st.tx_pkts);
	L4ST("fwd-pkts", st.fwd_pkts);
	L4ST("csum-fixed", st.csum_fixed);
	L4ST("icmp-xlated", st.icmp_xlated);
	L4ST("icmp-sent", st.icmp_sent);
	L4ST("arp-replies", st.arp_replies);
	L4ST("nd-replies", st.nd_replies);
	L4ST("announces", st.announces);
	L4ST("ring-drops", st.ring_drops);
	L4ST("flows", st.flows);
	L4ST("flows-max", st.flows_max);
	L4ST("flows-refused", st.flows_refused);
	L4ST("flows-created", st.flows_created);
	L4ST("mip6-strip", st.mip6_strip);
	L4ST("mip6-rh2", st.mip6_rh2);
	L4ST("mip6-esp", st.mip6_esp);
	L4ST("mip6-bu", st.mip6_bu);
	L4ST("mip6-bu-bad", st.mip6_bu_bad);
	L4ST("mip6-bindings", st.mip6_bindings);
#undef L4ST
	for (i = 0; i < LB_DROP_MAX; i++)
		ctl_printf(cc, "l4.drop-%s %llu", lb_pkt_drop_name(i),
		    (unsigned long long)st.drops[i]);
}

/* "show [CLUSTER]". */
static int
lbd_ctl_show(struct ctl_conn *cc, int argc, char **argv, void *arg)
{
	struct lbd		*d = arg;
	struct lbd_cluster	*c;

	if (argc > 2) {
		ctl_error(cc, "usage: show [CLUSTER]");
		return (-1);
	}
	if (argc == 2) {
		if ((c = lbd_cluster_find(d, argv[1])) == NULL) {
			ctl_error(cc, "no cluster %s", argv[1]);
			return (-1);
		}
		lbd_ctl_cluster(cc, d, c);
		return (0);
	}
	TAILQ_FOREACH(c, &d->clusters, entry)
		lbd_ctl_cluster(cc, d, c);
	lbd_ctl_l4_engine(cc, d);
	return (0);
}

/* "servers": CLUSTER SERVER STATE ACTIVE REQUESTS, one per line. */
static int
lbd_ctl_servers(struct ctl_conn *cc, int argc, char **argv, void *arg)
{
	struct lbd		*d = arg;
	struct lbd_cluster	*c;
	struct lbd_server	*s;
	size_t			 i;

	if (argc != 1) {
		ctl_error(cc, "usage: servers");
		return (-1);
	}
	TAILQ_FOREACH(c, &d->clusters, entry)
		for (i = 0; i < c->nsrv; i++) {
			s = &c->srv[i];
			ctl_printf(cc, "%s %s %s %u %llu", c->name, s->name,
			    lbd_server_state(s), s->s->active,
			    (unsigned long long)s->requests);
		}
	return (0);
}

/* "server CLUSTER SERVER enable|disable|quiesce|maxconn N". */
static int
lbd_ctl_server(struct ctl_conn *cc, int argc, char **argv, void *arg)
{
	struct lbd		*d = arg;
	struct lbd_cluster	*c;
	struct lbd_server	*s;
	const char		*errstr;
	unsigned int		 n;

	if (argc < 4 || (strcmp(argv[3], "maxconn") == 0) != (argc == 5) ||
	    argc > 5) {
		ctl_error(cc, "usage: server CLUSTER SERVER "
		    "enable|disable|quiesce|maxconn N");
		return (-1);
	}
	if ((c = lbd_cluster_find(d, argv[1])) == NULL) {
		ctl_error(cc, "no cluster %s", argv[1]);
		return (-1);
	}
	if ((s = lbd_server_find(c, argv[2])) == NULL) {
		ctl_error(cc, "cluster %s has no server %s", c->name, argv[2]);
		return (-1);
	}
	if (strcmp(argv[3], "enable") == 0)
		lb_server_set_admin(s->s, LB_ENABLED);
	else if (strcmp(argv[3], "disable") == 0)
		lb_server_set_admin(s->s, LB_DISABLED);
	else if (strcmp(argv[3], "quiesce") == 0)
		lb_server_set_admin(s->s, LB_QUIESCED);
	else if (strcmp(argv[3], "maxconn") == 0) {
		n = strtonum(argv[4], 0, 1000000, &errstr);
		if (errstr != NULL) {
			ctl_error(cc, "maxconn %s: %s (0-1000000)", argv[4],
			    errstr);
			return (-1);
		}
		s->s->maxconn = n;
		s->maxconn_ctl = 1;
		log_info("cluster %s: server %s: maxconn %u (twinctl)",
		    c->name, s->name, n);
		ctl_printf(cc, "cluster %s server %s: maxconn %u", c->name,
		    s->name, n);
		return (0);
	} else {
		ctl_error(cc, "unknown action %s (enable, disable, quiesce, "
		    "maxconn N)", argv[3]);
		return (-1);
	}
	s->admin_ctl = 1;
	log_info("cluster %s: server %s: %s (twinctl)", c->name, s->name,
	    lb_admin_str(s->s->admin));
	ctl_printf(cc, "cluster %s server %s: %s", c->name, s->name,
	    lb_admin_str(s->s->admin));
	return (0);
}

/* "stats": the counters, one "name value" per line. */
static int
lbd_ctl_stats(struct ctl_conn *cc, int argc, char **argv, void *arg)
{
	struct lbd		*d = arg;
	struct lbd_cluster	*c;
	int			 i;

	if (argc != 1) {
		ctl_error(cc, "usage: stats");
		return (-1);
	}
	ctl_printf(cc, "connections-open %llu",
	    (unsigned long long)d->conns.open);
	ctl_printf(cc, "connections-total %llu",
	    (unsigned long long)d->conns.total);
	ctl_printf(cc, "reloads %llu", (unsigned long long)d->reloads);
	TAILQ_FOREACH(c, &d->clusters, entry) {
		ctl_printf(cc, "%s.connections %llu", c->name,
		    (unsigned long long)c->st.conns);
		ctl_printf(cc, "%s.requests %llu", c->name,
		    (unsigned long long)c->st.requests);
		ctl_printf(cc, "%s.retries %llu", c->name,
		    (unsigned long long)c->st.retries);
		ctl_printf(cc, "%s.cookies %llu", c->name,
		    (unsigned long long)c->st.cookies);
		ctl_printf(cc, "%s.tls-handshakes %llu", c->name,
		    (unsigned long long)c->st.handshakes);
		ctl_printf(cc, "%s.tls-resumed %llu", c->name,
		    (unsigned long long)c->st.resumed);
		ctl_printf(cc, "%s.bytes-in %llu", c->name,
		    (unsigned long long)c->st.bytes_in);
		ctl_printf(cc, "%s.bytes-out %llu", c->name,
		    (unsigned long long)c->st.bytes_out);
		for (i = 0; i < LBD_ERR_MAX; i++)
			ctl_printf(cc, "%s.errors-%s %llu", c->name,
			    lbd_err_names[i],
			    (unsigned long long)c->st.errors[i]);
	}
	lbd_ctl_l4_stats(cc, d);
	return (0);
}

/* Open <run-dir>/lb.sock. */
int
lbd_ctl_open(struct lbd *d, const char **cause)
{
	static char	 msg[512];
	char		*path, *why;

	if (daemon_mkdir_run(d->cfg->peer.run_dir, d->cfg->peer.user,
	    &why) == -1) {
		strlcpy(msg, why, sizeof msg);
		free(why);
		*cause = msg;
		return (-1);
	}
	path = ctl_sockpath(d->cfg->peer.run_dir, "lb");
	d->ctl = ctl_server_new(d->base, path, lbd_ctl_cmds, d, cause);
	free(path);
	return (d->ctl == NULL ? -1 : 0);
}

/* Close the control socket. */
void
lbd_ctl_close(struct lbd *d)
{
	if (d->ctl != NULL)
		ctl_server_free(d->ctl);
	d->ctl = NULL;
}
