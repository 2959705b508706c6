/*
 * wpad.c: twin-wpad, the WPAD server of a twinproxy peer.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "ctl.h"
#include "daemon.h"
#include "ev.h"
#include "log.h"
#include "wpad.h"
#include "xmalloc.h"

static void	wpad_sighup_cb(evutil_socket_t, short, void *);
static void	wpad_sigterm_cb(evutil_socket_t, short, void *);
static void	wpad_check_only(struct cfg *);

/* SIGHUP: reload the config. */
static void
wpad_sighup_cb(evutil_socket_t sig, short what, void *arg)
{
	log_info("SIGHUP received");
	wpad_reload(arg);
}

/* SIGTERM, SIGINT: stop. */
static void
wpad_sigterm_cb(evutil_socket_t sig, short what, void *arg)
{
	struct wpad	*w = arg;

	log_info("signal %d received, exiting", (int)sig);
	event_base_loopexit(w->base, NULL);
}

/* -n: print the effective config and check that the scripts build. */
static void
wpad_check_only(struct cfg *cfg)
{
	struct wpad_pac	 pac;
	const char	*cause;

	if (!cfg->wpad.blk.present)
		fatalx("%s: no wpad block", cfg->file);
	if (wpad_pac_build(&pac, &cfg->wpad, NULL, &cause) == -1)
		fatalx("generated PAC script fails the built-in check: %s",
		    cause);
	cfg_dump(stdout, cfg);
	printf("# even clients: %s\n# odd clients: %s\n",
	    pac.result[WPAD_EVEN], pac.result[WPAD_ODD]);
	wpad_pac_free(&pac);
	fprintf(stderr, "%s: configuration OK\n", cfg->file);
}

int
main(int argc, char **argv)
{
	static const struct ev_signal	 sigs[] = {
		{ SIGHUP, wpad_sighup_cb },
		{ SIGTERM, wpad_sigterm_cb },
		{ SIGINT, wpad_sigterm_cb },
	};
	struct daemon_opts		 o;
	struct event_base		*base;
	struct cfg			*cfg;
	struct wpad			*w;
	const char			*cause;
	char				*pidfile, *cfgpath, *ccause;

	daemon_getopt(&o, "twin-wpad", argc, argv);
	log_init(o.name, o.foreground, o.verbose);
	cfg = cfg_load_or_die(o.cfgfile);
	/* Reloads must find the file after daemon() changed to /. */
	if ((cfgpath = realpath(o.cfgfile, NULL)) == NULL)
		fatal("%s", o.cfgfile);
	o.cfgfile = cfgpath;
	if (o.check_only) {
		wpad_check_only(cfg);
		cfg_free(cfg);
		free(cfgpath);
		return (0);
	}
	if (!cfg->wpad.blk.present)
		fatalx("%s: no wpad block, nothing to serve", o.cfgfile);
	if (!o.foreground)
		daemon_detach();

	base = ev_base_new();
	w = wpad_new(base, cfg, o.cfgfile);
	wpad_ctl_start(w);
	xasprintf(&pidfile, "%s/twin-wpad.pid", cfg->peer.run_dir);
	if (daemon_pidfile(pidfile, cfg->peer.user, &ccause) == -1)
		fatalx("pid file: %s", ccause);

	/* Everything privileged (port 80, run dir) is done. */
	if (daemon_drop_privs(cfg->peer.user, &cause) == -1)
		fatalx("cannot drop privileges to %s: %s", cfg->peer.user,
		    cause);
	log_info("running as %s; %s script at /wpad.dat and /proxy.pac",
	    geteuid() == 0 ? "root" : cfg->peer.user,
	    cfg->wpad.script == PAC_MY_IP_ADDRESS ? "my-ip-address" :
	    "per-client");

	ev_signals(base, sigs, sizeof sigs / sizeof sigs[0], w);
	wpad_probe_start(w);
	event_base_dispatch(base);

	if (w->ctl != NULL)
		ctl_server_free(w->ctl);
	wpad_probe_stop(w);
	if (w->dns != NULL)
		evdns_base_free(w->dns, 0);
	cfg = w->cfg;
	wpad_free(w);
	cfg_free(cfg);
	ev_signals_free();
	event_base_free(base);
	free(pidfile);
	free(cfgpath);
	log_info("exited");
	return (0);
}
