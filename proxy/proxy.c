/* proxy.c: main() of twin-proxy, the forward HTTP proxy. */
#include <sys/types.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cfg.h"
#include "daemon.h"
#include "ev.h"
#include "log.h"
#include "logfile.h"
#include "logfwd.h"
#include "proxy.h"

static void	proxy_sighup_cb(evutil_socket_t, short, void *);
static void	proxy_sigterm_cb(evutil_socket_t, short, void *);
static void	proxy_sigusr1_cb(evutil_socket_t, short, void *);

/* SIGHUP: reload the config (and reopen the access log). */
static void
proxy_sighup_cb(evutil_socket_t sig, short ev, void *arg)
{
	proxy_reload(arg);
}

/* SIGTERM, SIGINT: stop accepting and drain. */
static void
proxy_sigterm_cb(evutil_socket_t sig, short ev, void *arg)
{
	log_info("signal %d: shutting down", (int)sig);
	proxy_drain(arg);
}

/* SIGUSR1: reopen the access log (log rotation). */
static void
proxy_sigusr1_cb(evutil_socket_t sig, short ev, void *arg)
{
	struct proxy	*px = arg;

	logfile_reopen(px->log);
	logfwd_reopen(px->logfwd);
}

int
main(int argc, char **argv)
{
	static const struct ev_signal	 sigs[] = {
		{ SIGHUP, proxy_sighup_cb },
		{ SIGTERM, proxy_sigterm_cb },
		{ SIGINT, proxy_sigterm_cb },
		{ SIGUSR1, proxy_sigusr1_cb },
	};
	struct daemon_opts		 o;
	struct event_base		*base;
	struct cfg			*cfg;
	struct proxy			 px;
	const char			*cause;
	char				*ccause;

	daemon_getopt(&o, "twin-proxy", argc, argv);
	log_init(o.name, o.foreground, o.verbose);
	cfg = cfg_load_or_die(o.cfgfile);
	if (o.check_only) {
		cfg_dump(stdout, cfg);
		fprintf(stderr, "%s: configuration OK\n", o.cfgfile);
		cfg_free(cfg);
		return (0);
	}
	if (!cfg->proxy.blk.present)
		fatalx("%s: no proxy block", o.cfgfile);
	if (cfg->proxy.nallow == 0)
		log_warnx("no allow networks: every client will get 403");

	base = ev_base_new();
	proxy_init(&px, base, cfg, o.cfgfile);
	if (proxy_listen(&px, &cause) == -1)
		fatalx("%s", cause);
	if (proxy_ctl_open(&px, &cause) == -1)
		fatalx("control socket in %s: %s", cfg->peer.run_dir, cause);
	if (daemon_drop_privs(cfg->peer.user, &cause) == -1)
		fatalx("cannot switch to user %s: %s", cfg->peer.user, cause);
	/*
	 * The access log is opened as the user the proxy runs as, never as
	 * root: its folder is that user's to write (rotation creates files
	 * there), so root must not trust what it finds in it, and the same
	 * user reopens it on SIGUSR1 without any privilege.
	 */
	if (logfile_open(px.log, cfg->proxy.access_log, &cause) == -1)
		fatalx("access log: %s", cause);
	/* The cache directory belongs to the user the proxy runs as. */
	if (proxy_cache_open(&px, &ccause) == -1)
		fatalx("cache: %s", ccause);
	if (!o.foreground)
		daemon_detach();
	ev_signals(base, sigs, sizeof sigs / sizeof sigs[0], &px);
	log_info("started");

	event_base_dispatch(base);

	log_info("stopped: %llu connections, %llu requests served",
	    (unsigned long long)px.stats.conns.total,
	    (unsigned long long)px.stats.requests);
	proxy_shutdown(&px);
	ev_signals_free();
	cfg_free(px.cfg);
	event_base_free(base);
	return (0);
}
