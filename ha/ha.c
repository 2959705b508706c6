/*
 * ha.c: twin-ha, the active-standby monitor of a twinproxy pair.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "ctl.h"
#include "daemon.h"
#include "ev.h"
#include "ha.h"
#include "log.h"
#include "xmalloc.h"

static void	ha_sig_cb(evutil_socket_t, short, void *);

static struct ctl_server *idle_ctl;

/* Signals: TERM and INT stop, HUP is not supported yet, CHLD reaps. */
static void
ha_sig_cb(evutil_socket_t sig, short what, void *arg)
{
	struct ha_ctx	*ctx = arg;

	switch (sig) {
	case SIGTERM:
	case SIGINT:
		log_info("signal %d: stopping", (int)sig);
		event_base_loopbreak(ctx->base);
		break;
	case SIGHUP:
		log_warnx("SIGHUP: reloading is not supported; restart "
		    "twin-ha to apply a new configuration");
		break;
	case SIGCHLD:
		ha_notify_reap();
		break;
	}
}

int
main(int argc, char **argv)
{
	static const struct ev_signal	 sigs[] = {
		{ SIGTERM, ha_sig_cb }, { SIGINT, ha_sig_cb },
		{ SIGHUP, ha_sig_cb }, { SIGCHLD, ha_sig_cb }
	};
	struct daemon_opts	 o;
	struct ha_ctx		*ctx;
	const char		*cause;
	char			*path, *ccause;

	daemon_getopt(&o, "twin-ha", argc, argv);
	log_init(o.name, 1, o.verbose);
	ctx = xcalloc(1, sizeof *ctx);
	ctx->cfg = cfg_load_or_die(o.cfgfile);
	if (o.check_only) {
		cfg_dump(stdout, ctx->cfg);
		fprintf(stderr, "%s: configuration OK\n", o.cfgfile);
		cfg_free(ctx->cfg);
		free(ctx);
		return (0);
	}
	if (!o.foreground)
		daemon_detach();
	log_init(o.name, o.foreground, o.verbose);
	if (daemon_mkdir_run(ctx->cfg->peer.run_dir, ctx->cfg->peer.user,
	    &ccause) == -1)
		fatalx("run directory: %s", ccause);
	ctx->base = ev_base_new();
	ev_signals(ctx->base, sigs, sizeof sigs / sizeof sigs[0], ctx);
	if (ctx->cfg->ha.redundancy)
		ha_start(ctx);
	else {
		/* Nothing to do but answer status. */
		log_info("redundancy is off: no heartbeat, no floating IP");
		path = ctl_sockpath(ctx->cfg->peer.run_dir, "ha");
		if ((idle_ctl = ctl_server_new(ctx->base, path, ha_ctl_cmds,
		    ctx, &cause)) == NULL)
			fatalx("control socket %s: %s", path, cause);
		free(path);
	}
	ha_metrics_start(ctx);
	event_base_dispatch(ctx->base);
	ha_metrics_stop(ctx);
	if (ctx->cfg->ha.redundancy)
		ha_stop(ctx);
	else
		ctl_server_free(idle_ctl);
	ev_signals_free();
	event_base_free(ctx->base);
	cfg_free(ctx->cfg);
	free(ctx);
	return (0);
}
