/*
 * proxy_ftp_main.c: the FTP side of twin-proxy as a whole: its listener
 * set (ftp-listen, bound with IP_FREEBIND like the HTTP listeners, so
 * the standby listens on the floating IP before it has it), the drain
 * and shutdown of its sessions, its counters and its access log lines.
 *
 * The FTP proxy is a listener kind of twin-proxy rather than a daemon of
 * its own: it shares the access rules, the access log, the outgoing
 * address, the resolver, the reload and the process twin-ha tracks.
 */
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "ev.h"
#include "listener.h"
#include "log.h"
#include "logfile.h"
#include "metrics.h"
#include "proxy.h"
#include "proxy_ftp.h"
#include "xmalloc.h"

static void	proxy_ftp_accept_cb(int, const struct sockaddr *, int, void *);

/* Set up the FTP side (listeners are opened by proxy_ftp_listen()). */
void
proxy_ftp_init(struct proxy *px)
{
	struct listener_conf	 lc = { 1024, 1, LISTENER_PAUSE_MS, 0 };
	struct proxy_ftp	*pf;

	pf = xcalloc(1, sizeof *pf);
	pf->px = px;
	TAILQ_INIT(&pf->sessions);
	lc.max_conns = px->cfg->proxy.max_connections;
	pf->ls = listener_set_new(px->base, &lc, &pf->st.conns,
	    proxy_ftp_accept_cb, px);
	px->ftp = pf;
}

/* A native FTP client connected. */
static void
proxy_ftp_accept_cb(int fd, const struct sockaddr *sa, int salen, void *arg)
{
	struct proxy	*px = arg;

	if (px->draining) {
		close(fd);
		return;
	}
	proxy_ftp_session_new(px, fd, sa, salen);
}

/* Listen on the ftp-listen addresses of the config, all or nothing. */
int
proxy_ftp_listen(struct proxy *px, const char **cause)
{
	struct cfg_proxy	*pc = &px->cfg->proxy;

	listener_set_max(px->ftp->ls, pc->max_connections);
	return (listener_set_sync(px->ftp->ls, pc->ftp_listen,
	    pc->nftp_listen, cause));
}

/* A session opened (+1) or closed (-1). */
void
proxy_ftp_count(struct proxy *px, int delta)
{
	listener_set_conn(px->ftp->ls, delta);
	/* A drain waits for both kinds of connection. */
	proxy_conn_count(px, 0);
}

/* Control connections of native FTP clients open now. */
uint64_t
proxy_ftp_open_conns(struct proxy *px)
{
	return (px->ftp != NULL ? px->ftp->st.conns.open : 0);
}

/*
 * SIGTERM: stop accepting; sessions between commands are told 421 and
 * closed, transfers under way may finish within the drain time.
 */
void
proxy_ftp_drain(struct proxy *px)
{
	listener_set_close(px->ftp->ls);
	proxy_ftp_sessions_drain(px->ftp);
}

/* Close every session and free the FTP side (the loop has ended). */
void
proxy_ftp_shutdown(struct proxy *px)
{
	if (px->ftp == NULL)
		return;
	listener_set_close(px->ftp->ls);
	proxy_ftp_sessions_close(px->ftp);
	listener_set_free(px->ftp->ls);
	free(px->ftp);
	px->ftp = NULL;
}

/* Print the FTP counters, for the stats control command. */
void
proxy_ftp_ctl_stats(struct ctl_conn *cc, struct proxy *px)
{
	struct proxy_ftp_stats	*st = &px->ftp->st;

	ctl_printf(cc, "ftp-listeners %zu", listener_set_count(px->ftp->ls));
	ctl_printf(cc, "ftp-connections-open %llu",
	    (unsigned long long)st->conns.open);
	ctl_printf(cc, "ftp-connections-total %llu",
	    (unsigned long long)st->conns.total);
	ctl_printf(cc, "ftp-logins %llu", (unsigned long long)st->logins);
	ctl_printf(cc, "ftp-transfers %llu",
	    (unsigned long long)st->transfers);
	ctl_printf(cc, "ftp-transfers-failed %llu",
	    (unsigned long long)st->transfers_failed);
	ctl_printf(cc, "ftp-bytes-down %llu",
	    (unsigned long long)st->bytes_down);
	ctl_printf(cc, "ftp-bytes-up %llu", (unsigned long long)st->bytes_up);
	ctl_printf(cc, "ftp-denied %llu", (unsigned long long)st->denied);
	ctl_printf(cc, "ftp-bounce-refused %llu",
	    (unsigned long long)st->bounce);
	ctl_printf(cc, "ftp-data-theft-refused %llu",
	    (unsigned long long)st->theft);
	ctl_printf(cc, "ftp-tls-refused %llu", (unsigned long long)st->tls);
	ctl_printf(cc, "ftp-gateway-requests %llu",
	    (unsigned long long)st->gateway);
	ctl_printf(cc, "ftp-gateway-failed %llu",
	    (unsigned long long)st->gateway_failed);
}

/* The FTP counters as Prometheus families (proxy_ftp_ctl_stats's). */
void
proxy_ftp_metrics(struct metrics *m, struct proxy *px)
{
	struct proxy_ftp_stats	*st = &px->ftp->st;

	metrics_one(m, "twinproxy_proxy_ftp_connections_accepted_total",
	    METRICS_COUNTER, "FTP control connections accepted.",
	    st->conns.total);
	metrics_one(m, "twinproxy_proxy_ftp_connections_open", METRICS_GAUGE,
	    "FTP control connections open.", st->conns.open);
	metrics_one(m, "twinproxy_proxy_ftp_logins_total", METRICS_COUNTER,
	    "FTP sessions relayed to a server.", st->logins);
	metrics_one(m, "twinproxy_proxy_ftp_transfers_total", METRICS_COUNTER,
	    "FTP data transfers finished.", st->transfers);
	metrics_one(m, "twinproxy_proxy_ftp_transfers_failed_total",
	    METRICS_COUNTER, "FTP data transfers that failed.",
	    st->transfers_failed);
	if (metrics_family(m, "twinproxy_proxy_ftp_data_bytes_total",
	    METRICS_COUNTER, "FTP data bytes, by direction (down: server "
	    "to client).") == 0) {
		metrics_sample(m, st->bytes_down, "direction", "down", NULL);
		metrics_sample(m, st->bytes_up, "direction", "up", NULL);
	}
	if (metrics_family(m, "twinproxy_proxy_ftp_refused_total",
	    METRICS_COUNTER, "FTP refusals, by reason (denied: client or "
	    "server not allowed; bounce: PORT or EPRT to another host; "
	    "theft: data connection from another host; tls: AUTH).") == 0) {
		metrics_sample(m, st->denied, "reason", "denied", NULL);
		metrics_sample(m, st->bounce, "reason", "bounce", NULL);
		metrics_sample(m, st->theft, "reason", "theft", NULL);
		metrics_sample(m, st->tls, "reason", "tls", NULL);
	}
	metrics_one(m, "twinproxy_proxy_ftp_gateway_requests_total",
	    METRICS_COUNTER, "ftp:// requests through the gateway.",
	    st->gateway);
	metrics_one(m, "twinproxy_proxy_ftp_gateway_failed_total",
	    METRICS_COUNTER, "ftp:// requests that failed.",
	    st->gateway_failed);
}

/*
 * Write an access log line for the FTP proxy, in the format of the HTTP
 * requests: <start> is when the exchange began (monotonic clock).
 */
void
proxy_ftp_log(struct proxy *px, const struct timespec *start,
    const char *client, const char *code, int status, uint64_t bytes,
    const char *method, const char *url, const char *hier)
{
	struct timespec	 now;
	uint64_t	 ms;
	char		 line[PROXY_URL_MAX + 512];
	size_t		 n;

	if (!logfile_active(px->log))
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - start->tv_sec) * 1000 +
	    (now.tv_nsec - start->tv_nsec) / 1000000;
	clock_gettime(CLOCK_REALTIME, &now);
	n = proxy_log_format(line, sizeof line, &now, ms, client, code,
	    status, bytes, method, url, hier, "-");
	logfile_write(px->log, line, n);
}

/* The source address of connections to FTP servers. */
const struct addr *
proxy_ftp_source(struct proxy *px)
{
	struct cfg_proxy	*pc = &px->cfg->proxy;

	return (pc->outgoing_address.af != 0 ? &pc->outgoing_address :
	    &px->cfg->peer.address);
}
