/* proxy_ctl.c: the control socket of twin-proxy (twinctl proxy ...). */
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "daemon.h"
#include "log.h"
#include "logfile.h"
#include "logfwd.h"
#include "pool.h"
#include "proxy.h"

static int	proxy_ctl_stats(struct ctl_conn *, int, char **, void *);

static const struct ctl_cmd proxy_ctl_cmds[] = {
	{ "stats", "stats", proxy_ctl_stats },
	{ "cache", "stats | purge URL", proxy_cache_ctl },
	{ NULL, NULL, NULL }
};

static const char *const proxy_err_names[PROXY_ERR_MAX] = {
	"parse", "denied", "dns", "connect", "connect-timeout", "timeout",
	"upstream", "client-timeout", "client-abort", "nomem"
};

/* Return the name of an error kind, as the stats command prints it. */
const char *
proxy_err_name(enum proxy_err e)
{
	return (e < PROXY_ERR_MAX ? proxy_err_names[e] : "?");
}

/* Print the counters, one "name value" per line. */
static int
proxy_ctl_stats(struct ctl_conn *cc, int argc, char **argv, void *arg)
{
	struct proxy		*px = arg;
	struct proxy_stats	*st = &px->stats;
	struct logfwd_stats	 fs;
	int			 i;

	if (argc != 1) {
		ctl_error(cc, "usage: stats");
		return (-1);
	}
	ctl_printf(cc, "connections-open %llu",
	    (unsigned long long)st->conns.open);
	ctl_printf(cc, "connections-total %llu",
	    (unsigned long long)st->conns.total);
	ctl_printf(cc, "requests %llu", (unsigned long long)st->requests);
	ctl_printf(cc, "tunnels %llu", (unsigned long long)st->tunnels);
	ctl_printf(cc, "bytes-in %llu", (unsigned long long)st->bytes_in);
	ctl_printf(cc, "bytes-out %llu", (unsigned long long)st->bytes_out);
	ctl_printf(cc, "origin-connects %llu",
	    (unsigned long long)st->origin_connects);
	ctl_printf(cc, "origin-reused %llu",
	    (unsigned long long)st->origin_reused);
	ctl_printf(cc, "origin-idle %u", pool_count(px->pool));
	ctl_printf(cc, "log-reopen-failures %llu",
	    (unsigned long long)logfile_reopen_failures(px->log));
	ctl_printf(cc, "log-lines-dropped %llu",
	    (unsigned long long)logfile_dropped(px->log));
	logfwd_stats(px->logfwd, &fs);
	ctl_printf(cc, "log-forward-sent %llu", (unsigned long long)fs.sent);
	ctl_printf(cc, "log-forward-dropped %llu",
	    (unsigned long long)fs.dropped);
	ctl_printf(cc, "log-forward-connected %d", fs.connected);
	ctl_printf(cc, "log-syslog-sent %llu",
	    (unsigned long long)fs.syslog_sent);
	ctl_printf(cc, "log-syslog-dropped %llu",
	    (unsigned long long)fs.syslog_dropped);
	for (i = 0; i < PROXY_ERR_MAX; i++)
		ctl_printf(cc, "errors-%s %llu", proxy_err_names[i],
		    (unsigned long long)st->errors[i]);
	proxy_ftp_ctl_stats(cc, px);
	return (0);
}

/* Open <run-dir>/proxy.sock. */
int
proxy_ctl_open(struct proxy *px, const char **cause)
{
	static char	 msg[512];
	char		*path, *why;

	if (daemon_mkdir_run(px->cfg->peer.run_dir, px->cfg->peer.user,
	    &why) == -1) {
		strlcpy(msg, why, sizeof msg);
		free(why);
		*cause = msg;
		return (-1);
	}
	path = ctl_sockpath(px->cfg->peer.run_dir, "proxy");
	px->ctl = ctl_server_new(px->base, path, proxy_ctl_cmds, px, cause);
	free(path);
	return (px->ctl == NULL ? -1 : 0);
}

/* Close the control socket. */
void
proxy_ctl_close(struct proxy *px)
{
	if (px->ctl != NULL)
		ctl_server_free(px->ctl);
	px->ctl = NULL;
}
