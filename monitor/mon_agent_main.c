/*
 * mon_agent_main.c: twin-report, the site agent of a twinproxy peer: it
 * polls this peer's daemons and reports to the monitoring center over
 * HTTPS (see mon_agent.c).
 */
#include <sys/stat.h>
#include <sys/wait.h>
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "daemon.h"
#include "ev.h"
#include "log.h"
#include "mon_agent.h"
#include "xmalloc.h"

struct agent_main {
	struct event_base	*base;
	struct mon_agent	*agent;
	struct mon_agent_metrics *metrics;
	struct cfg		*cfg;
	const char		*cfgfile;
};

static void	agent_sighup_cb(evutil_socket_t, short, void *);
static void	agent_sigterm_cb(evutil_socket_t, short, void *);
static const char *agent_user(const struct cfg *);
static void	agent_spool_dir(const struct cfg *);

/* The user the agent runs as. */
static const char *
agent_user(const struct cfg *cfg)
{
	return (cfg->report.user != NULL ? cfg->report.user : cfg->peer.user);
}

/*
 * The spool folder exists, mode 0700, and belongs to the agent's user,
 * who writes it once root is gone.
 */
static void
agent_spool_dir(const struct cfg *cfg)
{
	const char	*dir = cfg->report.spool_dir;
	struct passwd	*pw;
	struct stat	 sb;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		fatal("spool folder %s", dir);
	if (lstat(dir, &sb) == -1)
		fatal("spool folder %s", dir);
	if (!S_ISDIR(sb.st_mode))
		fatalx("spool folder %s: not a folder", dir);
	if (geteuid() != 0)
		return;
	if ((pw = getpwnam(agent_user(cfg))) == NULL)
		fatalx("user %s: no such user", agent_user(cfg));
	if ((sb.st_uid != pw->pw_uid || sb.st_gid != pw->pw_gid) &&
	    chown(dir, pw->pw_uid, pw->pw_gid) == -1)
		fatal("spool folder %s: chown", dir);
	if ((sb.st_mode & 077) != 0 && chmod(dir, 0700) == -1)
		fatal("spool folder %s: chmod", dir);
}

/* SIGHUP: read the config again; keep the running one on any error. */
static void
agent_sighup_cb(evutil_socket_t sig, short what, void *arg)
{
	struct agent_main	*m = arg;
	struct cfg_msgs		 msgs;
	struct cfg_msg		*msg;
	struct cfg		*cfg;
	const char		*ccause;

	log_info("SIGHUP received, reloading %s", m->cfgfile);
	TAILQ_INIT(&msgs);
	cfg = cfg_load(m->cfgfile, &msgs);
	TAILQ_FOREACH(msg, &msgs, entry)
		log_warnx("%s", msg->text);
	cfg_msgs_free(&msgs);
	if (cfg == NULL) {
		log_warnx("reload failed; the running configuration stays");
		return;
	}
	if (!cfg->report.blk.present) {
		log_warnx("reload: no report block any more; the running "
		    "configuration stays (stop the agent instead)");
		cfg_free(cfg);
		return;
	}
	if (mon_agent_metrics_sync(m->metrics, cfg, &ccause) == -1) {
		log_warnx("reload: metrics: %s; the running configuration "
		    "stays", ccause);
		cfg_free(cfg);
		return;
	}
	mon_agent_reload(m->agent, cfg);
	cfg_free(m->cfg);
	m->cfg = cfg;
	log_info("configuration reloaded");
}

/* SIGTERM, SIGINT: stop; everything spooled is on disk already. */
static void
agent_sigterm_cb(evutil_socket_t sig, short what, void *arg)
{
	struct agent_main	*m = arg;

	log_info("signal %d received, exiting", (int)sig);
	event_base_loopexit(m->base, NULL);
}

int
main(int argc, char **argv)
{
	static const struct ev_signal	 sigs[] = {
		{ SIGHUP, agent_sighup_cb },
		{ SIGTERM, agent_sigterm_cb },
		{ SIGINT, agent_sigterm_cb },
	};
	struct daemon_opts		 o;
	struct agent_main		 m;
	const char			*ccause;
	char				*cause, *pidfile, *cfgpath, *why, hp[300];
	pid_t				 helper = -1;
	int				 privfd;

	daemon_getopt(&o, "twin-report", argc, argv);
	log_init(o.name, o.foreground, o.verbose);
	memset(&m, 0, sizeof m);
	m.cfg = cfg_load_or_die(o.cfgfile);
	if ((cfgpath = realpath(o.cfgfile, NULL)) == NULL)
		fatal("%s", o.cfgfile);
	m.cfgfile = cfgpath;
	if (!m.cfg->report.blk.present)
		fatalx("%s: no report block, nothing to report", cfgpath);
	if (o.check_only) {
		cfg_dump(stdout, m.cfg);
		fprintf(stderr, "%s: configuration OK\n", cfgpath);
		cfg_free(m.cfg);
		free(cfgpath);
		return (0);
	}
	if (!o.foreground)
		daemon_detach();

	/*
	 * The helper that opens the root-only control sockets, forked
	 * before anything else is open; only when there is something to
	 * drop.
	 */
	privfd = -1;
	if (geteuid() == 0) {
		if ((privfd = mon_priv_start(m.cfg, &helper)) == -1)
			fatal("privileged helper");
	}
	m.base = ev_base_new();
	if ((m.agent = mon_agent_new(m.base, m.cfg, cfgpath, &cause)) == NULL)
		fatalx("%s", cause);
	if (privfd != -1)
		mon_agent_priv(m.agent, privfd);
	if (mon_agent_ctl_open(m.agent, &ccause) == -1)
		fatalx("control socket: %s", ccause);
	agent_spool_dir(m.cfg);
	xasprintf(&pidfile, "%s/twin-report.pid", m.cfg->peer.run_dir);
	if (daemon_pidfile(pidfile, agent_user(m.cfg), &why) == -1)
		fatalx("pidfile %s: %s", pidfile, why);
	if (daemon_drop_privs(agent_user(m.cfg), &ccause) == -1)
		fatalx("cannot drop privileges to %s: %s", agent_user(m.cfg),
		    ccause);
	if (mon_agent_start(m.agent, &cause) == -1)
		fatalx("%s", cause);
	m.metrics = mon_agent_metrics_new(m.agent, m.base);
	if (mon_agent_metrics_sync(m.metrics, m.cfg, &ccause) == -1)
		fatalx("metrics: %s", ccause);
	log_info("site %s peer %s reporting to %s %s%s, as %s",
	    m.cfg->report.site_id, m.cfg->peer.name,
	    hostport_fmt(&m.cfg->report.center, hp, sizeof hp),
	    m.cfg->report.nproxy > 0 ? "through " : "directly",
	    m.cfg->report.nproxy > 0 ? "proxies" : "",
	    geteuid() == 0 ? "root" : agent_user(m.cfg));

	ev_signals(m.base, sigs, sizeof sigs / sizeof sigs[0], &m);
	event_base_dispatch(m.base);

	mon_agent_metrics_free(m.metrics);
	mon_agent_free(m.agent);	/* closes the helper's channel */
	if (helper != -1)
		waitpid(helper, NULL, 0);
	cfg_free(m.cfg);
	ev_signals_free();
	event_base_free(m.base);
	unlink(pidfile);
	free(pidfile);
	free(cfgpath);
	log_info("exited");
	return (0);
}
