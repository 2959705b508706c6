/*
 * mon_center_main.c: twin-monitord, the monitoring center (see
 * mon_center.h): listeners and TLS first, as root, then the store and
 * the alive timer as the unprivileged user.
 */
#include <sys/stat.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
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
#include "mon_center.h"
#include "mon_gw.h"
#include "tls.h"
#include "xmalloc.h"

#define CENTER_MAX_HEAD		16384
#define CENTER_MAX_HEADERS	64
#define CENTER_OPERATOR_CONNS	256

struct center_main {
	struct mon_center	 c;
	const char		*cfgfile;
};

static void	center_sighup_cb(evutil_socket_t, short, void *);
static void	center_sigterm_cb(evutil_socket_t, short, void *);
static void	center_sigchld_cb(evutil_socket_t, short, void *);
static void	center_tls_conf(const struct cfg *, int,
		    struct tls_server_conf *, const char **);
static void	center_dbdir(const struct cfg *);

/* The TLS settings of the agents' (0) or the operators' (1) listeners. */
static void
center_tls_conf(const struct cfg *cfg, int op, struct tls_server_conf *tc,
    const char **pem)
{
	memset(tc, 0, sizeof *tc);
	if (!op) {
		*pem = cfg->center.certificate;
		tc->client_ca = cfg->center.ca_file;
		tc->client_crl = cfg->center.crl_file;
	} else {
		*pem = cfg->center.operator_certificate != NULL ?
		    cfg->center.operator_certificate : cfg->center.certificate;
		tc->client_ca = cfg->center.operator_ca_file;
	}
	tc->pem = pem;
	tc->npem = 1;
}

/* The database's folder exists and the center's user may write in it. */
static void
center_dbdir(const struct cfg *cfg)
{
	struct passwd	*pw;
	struct stat	 sb;
	char		 buf[PATH_MAX], *dir;

	if (strlcpy(buf, cfg->center.database, sizeof buf) >= sizeof buf)
		fatalx("database %s: name too long", cfg->center.database);
	dir = dirname(buf);
	if (mkdir(dir, 0750) == -1 && errno != EEXIST)
		fatal("database folder %s", dir);
	if (geteuid() != 0 || stat(dir, &sb) == -1)
		return;
	if ((pw = getpwnam(cfg->peer.user)) == NULL)
		fatalx("user %s: no such user", cfg->peer.user);
	if (pw->pw_uid != 0 && sb.st_uid != pw->pw_uid &&
	    chown(dir, pw->pw_uid, pw->pw_gid) == -1)
		fatal("database folder %s: chown", dir);
	if (pw->pw_uid != 0 && stat(cfg->center.database, &sb) == 0 &&
	    sb.st_uid != pw->pw_uid &&
	    chown(cfg->center.database, pw->pw_uid, pw->pw_gid) == -1)
		fatal("database %s: chown", cfg->center.database);
}

/*
 * SIGHUP: read the config again and apply what can change while running:
 * certificates and the CRL (a revoked client is refused from its next
 * connection), listeners (all or nothing), the alive timeout, notify and
 * mail. The database stays until a restart. Any error keeps the old.
 */
static void
center_sighup_cb(evutil_socket_t sig, short what, void *arg)
{
	struct center_main	*m = arg;
	struct mon_center	*c = &m->c;
	struct tls_server_conf	 tc;
	struct cfg_msgs		 msgs;
	struct cfg_msg		*msg;
	struct cfg		*cfg;
	const char		*pem, *ccause;
	char			*cause;

	log_info("SIGHUP received, reloading %s", m->cfgfile);
	TAILQ_INIT(&msgs);
	cfg = cfg_load(m->cfgfile, &msgs);
	TAILQ_FOREACH(msg, &msgs, entry)
		log_warnx("%s", msg->text);
	cfg_msgs_free(&msgs);
	if (cfg == NULL || !cfg->center.blk.present) {
		log_warnx("reload failed; the running configuration stays");
		cfg_free(cfg);
		return;
	}
	center_tls_conf(cfg, 0, &tc, &pem);
	if (tls_server_reload(c->tls, &tc, &cause) == -1) {
		log_warnx("reload: %s; the running configuration stays",
		    cause);
		free(cause);
		cfg_free(cfg);
		return;
	}
	if (c->otls != NULL && cfg->center.operator_ca_file != NULL) {
		center_tls_conf(cfg, 1, &tc, &pem);
		if (tls_server_reload(c->otls, &tc, &cause) == -1) {
			log_warnx("reload: operators: %s; their TLS stays",
			    cause);
			free(cause);
		}
	}
	if (mon_center_metrics_sync(c, cfg, &ccause) == -1)
		log_warnx("reload: metrics: %s; the endpoint stays", ccause);
	if (mon_httpd_listen(c->agents, cfg->center.listen,
	    cfg->center.nlisten, &ccause) == -1)
		log_warnx("reload: agent listeners: %s; they stay", ccause);
	mon_httpd_set_limits(c->agents, cfg->center.timeout,
	    cfg->center.max_connections);
	if (c->operators != NULL)
		mon_httpd_set_limits(c->operators, cfg->center.timeout,
		    CENTER_OPERATOR_CONNS);
	if (c->operators != NULL && mon_httpd_listen(c->operators,
	    cfg->center.operator_listen, cfg->center.noperator_listen,
	    &ccause) == -1)
		log_warnx("reload: operator listeners: %s; they stay",
		    ccause);
	if (strcmp(cfg->center.database, c->cfg->center.database) != 0)
		log_warnx("reload: database changed: used after a restart");
	mon_notify_set(c->notify, cfg->center.notify, cfg->center.mail_to,
	    cfg->center.nmail_to, cfg->center.sendmail);
	cfg_free(c->cfg);
	c->cfg = cfg;
	if (mon_center_sites_load(c, &cause) == -1)
		log_warnx("reload: sites: %s", cause);
	log_info("configuration reloaded");
}

static void
center_sigterm_cb(evutil_socket_t sig, short what, void *arg)
{
	struct center_main	*m = arg;

	log_info("signal %d received, exiting", (int)sig);
	event_base_loopexit(m->c.base, NULL);
}

static void
center_sigchld_cb(evutil_socket_t sig, short what, void *arg)
{
	struct center_main	*m = arg;

	mon_notify_reap(m->c.notify);
}

int
main(int argc, char **argv)
{
	static const struct ev_signal	 sigs[] = {
		{ SIGHUP, center_sighup_cb },
		{ SIGTERM, center_sigterm_cb },
		{ SIGINT, center_sigterm_cb },
		{ SIGCHLD, center_sigchld_cb },
	};
	static struct center_main	 m;
	struct mon_center		*c = &m.c;
	struct mon_httpd_conf		 hc;
	struct tls_server_conf		 tc;
	struct daemon_opts		 o;
	struct event_base		*base;
	struct cfg			*cfg;
	const char			*pem, *ccause;
	char				*cause, *pidfile, *cfgpath, *why;

	daemon_getopt(&o, "twin-monitord", argc, argv);
	log_init(o.name, o.foreground, o.verbose);
	cfg = cfg_load_or_die(o.cfgfile);
	if ((cfgpath = realpath(o.cfgfile, NULL)) == NULL)
		fatal("%s", o.cfgfile);
	m.cfgfile = cfgpath;
	if (!cfg->center.blk.present)
		fatalx("%s: no center block, nothing to serve", cfgpath);
	if (o.check_only) {
		cfg_dump(stdout, cfg);
		fprintf(stderr, "%s: configuration OK\n", cfgpath);
		cfg_free(cfg);
		free(cfgpath);
		return (0);
	}
	if (!o.foreground)
		daemon_detach();

	base = ev_base_new();
	c->base = base;
	c->cfg = cfg;
	center_tls_conf(cfg, 0, &tc, &pem);
	if ((c->tls = tls_server_new(&tc, &cause)) == NULL)
		fatalx("agents' TLS: %s", cause);
	memset(&hc, 0, sizeof hc);
	hc.name = "agents";
	hc.tls = c->tls;
	hc.timeout_ms = cfg->center.timeout;
	hc.max_head = CENTER_MAX_HEAD;
	hc.max_body = MON_MSG_MAX;
	hc.max_headers = CENTER_MAX_HEADERS;
	hc.max_conns = cfg->center.max_connections;
	hc.stream = mon_gw_center_agent;
	hc.stream_arg = c;
	c->agents = mon_httpd_new(base, &hc, mon_center_report,
	    mon_center_refused, c);
	if (mon_httpd_listen(c->agents, cfg->center.listen,
	    cfg->center.nlisten, &ccause) == -1)
		fatalx("agent listeners: %s", ccause);
	if (cfg->center.noperator_listen > 0) {
		if (cfg->center.operator_ca_file != NULL) {
			center_tls_conf(cfg, 1, &tc, &pem);
			if ((c->otls = tls_server_new(&tc, &cause)) == NULL)
				fatalx("operators' TLS: %s", cause);
		}
		hc.name = "operators";
		hc.tls = c->otls;
		hc.max_body = 4096;	/* read-only: bodies go unread */
		hc.max_conns = CENTER_OPERATOR_CONNS;
		hc.stream = mon_gw_center_operator;
		c->operators = mon_httpd_new(base, &hc, mon_views_handler,
		    mon_center_operator_refused, c);
		if (mon_httpd_listen(c->operators, cfg->center.operator_listen,
		    cfg->center.noperator_listen, &ccause) == -1)
			fatalx("operator listeners: %s", ccause);
	}
	if (mon_center_ctl_open(c, &ccause) == -1)
		fatalx("control socket: %s", ccause);
	center_dbdir(cfg);
	xasprintf(&pidfile, "%s/twin-monitord.pid", cfg->peer.run_dir);
	if (daemon_pidfile(pidfile, cfg->peer.user, &why) == -1)
		fatalx("pidfile %s: %s", pidfile, why);
	if (daemon_drop_privs(cfg->peer.user, &ccause) == -1)
		fatalx("cannot drop privileges to %s: %s", cfg->peer.user,
		    ccause);
	if (mon_center_init(c, base, cfg, &cause) == -1)
		fatalx("%s", cause);
	if (mon_center_sites_load(c, &cause) == -1)
		fatalx("%s", cause);
	c->gw = mon_gw_center_new(c);
	mon_center_metrics_start(c);
	log_info("center for %zu site%s, alive timeout %llums, as %s",
	    mon_alarm_nsites(c->alarm), mon_alarm_nsites(c->alarm) == 1 ?
	    "" : "s", (unsigned long long)cfg->center.alive_timeout,
	    geteuid() == 0 ? "root" : cfg->peer.user);

	ev_signals(base, sigs, sizeof sigs / sizeof sigs[0], &m);
	event_base_dispatch(base);

	mon_center_metrics_stop(c);
	mon_gw_center_free(c->gw);
	mon_httpd_free(c->agents);
	mon_httpd_free(c->operators);
	if (c->ctl != NULL)
		ctl_server_free(c->ctl);
	tls_server_free(c->tls);
	tls_server_free(c->otls);
	cfg = c->cfg;
	mon_center_fini(c);
	cfg_free(cfg);
	ev_signals_free();
	event_base_free(base);
	unlink(pidfile);
	free(pidfile);
	free(cfgpath);
	log_info("exited");
	return (0);
}
