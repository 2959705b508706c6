/* lb.c: main() of twin-lb, the cluster engine. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cfg.h"
#include "daemon.h"
#include "ev.h"
#include "flow.h"
#include "lbd.h"
#include "log.h"

static void	lbd_sighup_cb(evutil_socket_t, short, void *);
static void	lbd_sigterm_cb(evutil_socket_t, short, void *);
static void	lbd_sigusr1_cb(evutil_socket_t, short, void *);
static int	lbd_check_only(struct cfg *, const char *);

/* SIGHUP: reload the config (and reopen the access logs). */
static void
lbd_sighup_cb(evutil_socket_t sig, short ev, void *arg)
{
	lbd_reload(arg);
}

/* SIGTERM, SIGINT: stop accepting and drain. */
static void
lbd_sigterm_cb(evutil_socket_t sig, short ev, void *arg)
{
	log_info("signal %d: shutting down", (int)sig);
	lbd_drain(arg);
}

/* SIGUSR1: reopen the access logs (log rotation). */
static void
lbd_sigusr1_cb(evutil_socket_t sig, short ev, void *arg)
{
	lbd_logs_reopen(arg);
}

/*
 * -n: the config is valid; now read what a start would read (secret and
 * certificate files), as the user the daemon runs as, print the config
 * and say whether it would start.
 */
static int
lbd_check_only(struct cfg *cfg, const char *file)
{
	struct event_base	*base;
	struct lbd		 d;
	const char		*cause;
	char			*why;
	int			 rv = 0;

	lbd_skipped(cfg);
	if (daemon_drop_privs(cfg->peer.user, &cause) == -1) {
		fprintf(stderr, "%s: cannot switch to user %s: %s\n", file,
		    cfg->peer.user, cause);
		return (1);
	}
	base = ev_base_new();
	lbd_init(&d, base, cfg, file);
	if (lbd_verify(&d, &why) == -1) {
		fprintf(stderr, "%s: %s\n", file, why);
		free(why);
		rv = 1;
	} else {
		cfg_dump(stdout, cfg);
		fprintf(stderr, "%s: configuration OK\n", file);
	}
	lbd_shutdown(&d);
	event_base_free(base);
	return (rv);
}

int
main(int argc, char **argv)
{
	static const struct ev_signal	 sigs[] = {
		{ SIGHUP, lbd_sighup_cb },
		{ SIGTERM, lbd_sigterm_cb },
		{ SIGINT, lbd_sigterm_cb },
		{ SIGUSR1, lbd_sigusr1_cb },
	};
	struct daemon_opts		 o;
	struct event_base		*base;
	struct cfg			*cfg;
	struct lbd			 d;
	const char			*cause;
	char				*why;
	int				 rv, l4, was_root;

	daemon_getopt(&o, "twin-lb", argc, argv);
	log_init(o.name, o.foreground, o.verbose);
	cfg = cfg_load_or_die(o.cfgfile);
	if (o.check_only) {
		rv = lbd_check_only(cfg, o.cfgfile);
		cfg_free(cfg);
		return (rv);
	}
	lbd_skipped(cfg);

	/* No dup()ed descriptor is watched: epoll changes batched. */
	base = ev_base_new_batched();
	lbd_init(&d, base, cfg, o.cfgfile);
	if (lbd_listen(&d, cfg, &cause) == -1)
		fatalx("%s", cause);
	if (lbd_ctl_open(&d, &cause) == -1)
		fatalx("control socket in %s: %s", cfg->peer.run_dir, cause);
	/* l4 clusters: the packet engine keeps two privileges (lb_caps.c). */
	l4 = lbd_has_l4(cfg);
	was_root = geteuid() == 0;
	if (l4 && lbd_caps_keep() == -1)
		fatal("prctl");
	if (daemon_drop_privs(cfg->peer.user, &cause) == -1)
		fatalx("cannot switch to user %s: %s", cfg->peer.user, cause);
	if (l4 && lbd_caps_raise(was_root && geteuid() != 0, &why) == -1) {
		log_warnx("l4 clusters: %s; they cannot forward", why);
		free(why);
	}
	/*
	 * The access logs are opened as the user, never as root, so that
	 * a link planted in their folder cannot make root write anywhere;
	 * reopening them after rotation then needs no privilege either.
	 */
	if (lbd_logs_open(&d, cfg, 1) == -1)
		fatalx("cannot open the access log");
	/* Secrets and certificates are read as the user, as reloads do. */
	if (lbd_start(&d, &why) == -1)
		fatalx("%s", why);
	if (TAILQ_EMPTY(&d.clusters))
		log_warnx("no cluster to serve; waiting for a reload");
	if (!o.foreground)
		daemon_detach();
	ev_signals(base, sigs, sizeof sigs / sizeof sigs[0], &d);
	log_info("started");

	/* Each turn's writes leave together (flow.h). */
	flow_dispatch(base);

	log_info("stopped: %llu connections served",
	    (unsigned long long)d.conns.total);
	lbd_shutdown(&d);
	ev_signals_free();
	cfg_free(d.cfg);
	event_base_free(base);
	return (0);
}
