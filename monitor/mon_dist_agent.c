/*
 * mon_dist_agent.c: the agent's half of signed distribution. Every
 * dist-interval it tells the center what it holds (POST /dist) and gets
 * a bundle or nothing; it checks the bundle (signature, digest, site,
 * product, role, downgrade), and installs it in phases:
 *
 *	install		a job (mon_dist_priv.c: of the privileged helper, as
 *			root, when the agent started as root) checks the
 *			bundle again, unpacks the payload (tar) into a
 *			staging folder, refuses anything but folders and
 *			regular files, puts each file in place under dist-root
 *			(a copy of the file it replaces kept aside, every step
 *			written to an undo list first), then runs dist-restart;
 *	health		dist-health until it exits 0, or, without it, two
 *			polls in which every configured daemon answers its
 *			control socket, within dist-health-timeout;
 *	rollback	otherwise a job puts back what the undo list names
 *			and runs dist-restart again.
 *
 * Each outcome is an event (update-installed, update-failed,
 * update-refused) in the spool, and the held versions (mon_dist_state)
 * are saved in spool-dir/dist/state before the next poll tells the
 * center. The daemon's loop never waits on any of it: a timer reads the
 * job's one-line result from a pipe, and reaps the health command.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "ctl.h"
#include "ev.h"
#include "log.h"
#include "mon_agent.h"
#include "mon_dist.h"
#include "xmalloc.h"

#define DIST_REAP_MS		100	/* how often a child is looked for */
#define DIST_HEALTH_EVERY	1000	/* ms between health commands */
#define DIST_UP_POLLS		2	/* polls all up, after a restart */

enum dist_phase {
	PH_IDLE,
	PH_INSTALL,
	PH_HEALTH,
	PH_ROLLBACK
};

static const char *const phase_names[] = {
	"idle", "installing", "health-check", "rolling-back"
};

struct mon_dist_agent {
	struct mon_agent	*a;
	EVP_PKEY		*pub;
	char			*dir;		/* spool-dir/dist */
	struct mon_dist_state	 st;

	struct event		*poll_ev;
	struct mon_client	*cl;
	struct mon_client	*cl_done;
	uint64_t		 npolls;
	char			 last[MON_TEXT_MAX];	/* last outcome */

	enum dist_phase		 phase;
	struct mon_dist_manifest m;		/* the bundle under way */
	char			 was[MON_DIST_VERSION_MAX + 1];
	pid_t			 child;		/* the health command, or a
						   job of the agent's own */
	int			 jobfd;		/* the job's result, or -1 */
	char			 res[MON_PRIV_MSG_MAX];
	size_t			 reslen;
	struct event		*reap_ev;
	uint64_t		 deadline;	/* of the health phase, ms */
	uint64_t		 next_check;
	unsigned int		 up_polls;
	char			 why[MON_TEXT_MAX];	/* of a rollback */
};

static uint64_t	dist_now(void);
static char	*dist_path(struct mon_dist_agent *, const char *);
static void	dist_state_load(struct mon_dist_agent *);
static int	dist_state_save(struct mon_dist_agent *);
static void	dist_arm(struct mon_dist_agent *, uint64_t);
static void	dist_current(struct mon_dist_agent *, int);
static int	dist_newer(const struct mon_dist_version *, const char *);
static void	dist_resume(struct mon_dist_agent *);
static void	dist_poll_cb(evutil_socket_t, short, void *);
static void	dist_result_cb(void *, const struct mon_client_result *);
static int	dist_take(struct mon_dist_agent *, const char *, size_t,
		    const char *, char *, size_t);
static void	dist_refuse(struct mon_dist_agent *,
		    const struct mon_dist_manifest *, const char *,
		    const char *, char *, size_t);
static int	dist_spawn(struct mon_dist_agent *, enum dist_phase);
static void	dist_reap_cb(evutil_socket_t, short, void *);
static int	dist_job_read(struct mon_dist_agent *);
static void	dist_done(struct mon_dist_agent *, int, const char *);
static void	dist_healthy(struct mon_dist_agent *);
static void	dist_rollback(struct mon_dist_agent *, const char *);
static void	dist_finish(struct mon_dist_agent *, int);

static uint64_t
dist_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static char *
dist_path(struct mon_dist_agent *d, const char *name)
{
	char	*p;

	xasprintf(&p, "%s/%s", d->dir, name);
	return (p);
}

/*
 * Distribution for agent <a>: the public key is read now (before
 * privileges go); the first poll is in a second, once a report went.
 */
struct mon_dist_agent *
mon_dist_agent_new(struct mon_agent *a, char **cause)
{
	struct mon_dist_agent	*d;
	struct cfg		*cfg = mon_agent_cfg(a);
	struct event_base	*base = mon_agent_base(a);

	d = xcalloc(1, sizeof *d);
	d->a = a;
	d->jobfd = -1;
	if ((d->pub = mon_dist_key_read(cfg->report.dist_key, 0,
	    cause)) == NULL) {
		free(d);
		return (NULL);
	}
	xasprintf(&d->dir, "%s/dist", cfg->report.spool_dir);
	if (mkdir(d->dir, 0700) == -1 && errno != EEXIST) {
		xasprintf(cause, "%s: %s", d->dir, strerror(errno));
		mon_dist_agent_free(d);
		return (NULL);
	}
	dist_state_load(d);
	if ((d->poll_ev = evtimer_new(base, dist_poll_cb, d)) == NULL ||
	    (d->reap_ev = event_new(base, -1, EV_PERSIST, dist_reap_cb,
	    d)) == NULL)
		fatalx("%s: out of memory", __func__);
	snprintf(d->last, sizeof d->last, "none");
	dist_arm(d, 1000);
	dist_resume(d);
	return (d);
}

void
mon_dist_agent_free(struct mon_dist_agent *d)
{
	if (d == NULL)
		return;
	if (d->child > 0) {
		/* Our own child: it may be half way; its undo list stays. */
		kill(d->child, SIGTERM);
		waitpid(d->child, NULL, 0);
	}
	/* A job of the helper's goes on; the next start rolls it back. */
	if (d->jobfd != -1)
		close(d->jobfd);
	mon_client_free(d->cl);
	mon_client_free(d->cl_done);
	if (d->poll_ev != NULL)
		event_free(d->poll_ev);
	if (d->reap_ev != NULL)
		event_free(d->reap_ev);
	EVP_PKEY_free(d->pub);
	free(d->dir);
	free(d);
}

/* Read the held versions; a damaged file is reported and starts empty. */
static void
dist_state_load(struct mon_dist_agent *d)
{
	struct mon_perr	 e;
	char		*path = dist_path(d, "state"), *buf, ebuf[256];
	char		 err[256];
	size_t		 len;

	memset(&d->st, 0, sizeof d->st);
	if ((buf = mon_dist_read(path, &len, err, sizeof err)) == NULL) {
		if (errno != ENOENT)
			log_warnx("distribution state: %s", err);
	} else if (mon_dist_state_parse(buf, len, &d->st, &e) == -1) {
		log_warnx("%s: %s; starting with no bundle held", path,
		    mon_perr_fmt(&e, ebuf, sizeof ebuf));
		memset(&d->st, 0, sizeof d->st);
	}
	free(buf);
	free(path);
}

static int
dist_state_save(struct mon_dist_agent *d)
{
	char	*path = dist_path(d, "state"), buf[MON_DIST_MANIFEST_MAX];
	size_t	 len;
	int	 rv = -1;

	if ((len = mon_dist_state_encode(&d->st, buf, sizeof buf)) == 0)
		log_warnx("distribution state does not fit %zu bytes",
		    sizeof buf);
	else if ((rv = mon_dist_write(path, buf, len, 0600)) == -1)
		log_warn("%s", path);
	free(path);
	return (rv);
}

/*
 * Whether <v> is newer than version text <old> ("" or bad: yes): the
 * failed and refused versions kept are the newest, for the center skips
 * those and every older one.
 */
static int
dist_newer(const struct mon_dist_version *v, const char *old)
{
	struct mon_dist_version	o;

	if (old[0] == '\0' || mon_dist_version_parse(old, strlen(old),
	    &o) == -1)
		return (1);
	return (mon_dist_version_cmp(v, &o) > 0);
}

/*
 * Note in spool-dir/dist/current the install under way (<on>), or that
 * none is: an agent stopped half way finds it at its next start.
 */
static void
dist_current(struct mon_dist_agent *d, int on)
{
	char	*path = dist_path(d, "current"), buf[256];
	int	 n;

	if (!on) {
		if (unlink(path) == -1 && errno != ENOENT)
			log_warn("%s", path);
	} else {
		n = snprintf(buf, sizeof buf, "%s %s %s\n", d->m.name,
		    d->m.vtext, d->was);
		if (n < 0 || (size_t)n >= sizeof buf ||
		    mon_dist_write(path, buf, (size_t)n, 0600) == -1)
			log_warn("%s", path);
	}
	free(path);
}

/*
 * An install was under way when the agent stopped: its files may be
 * half in place and nothing says they work, so it is rolled back and
 * reported failed before anything else.
 */
static void
dist_resume(struct mon_dist_agent *d)
{
	char	*path = dist_path(d, "current"), *buf, err[256];
	char	 name[MON_DIST_NAME_MAX + 1], ver[MON_DIST_VERSION_MAX + 1];
	char	 was[MON_DIST_VERSION_MAX + 1];
	size_t	 len;

	buf = mon_dist_read(path, &len, err, sizeof err);
	if (buf == NULL) {
		free(path);
		return;
	}
	if (sscanf(buf, "%64s %48s %48s", name, ver, was) != 3 ||
	    !mon_dist_name_valid(name, strlen(name)) ||
	    mon_dist_version_parse(ver, strlen(ver), &d->m.version) == -1) {
		log_warnx("%s: not understood; removed", path);
		dist_current(d, 0);
		free(buf);
		free(path);
		return;
	}
	free(buf);
	free(path);
	strlcpy(d->m.name, name, sizeof d->m.name);
	strlcpy(d->m.vtext, ver, sizeof d->m.vtext);
	strlcpy(d->was, was, sizeof d->was);
	dist_rollback(d, "the agent stopped during the install");
}

static void
dist_arm(struct mon_dist_agent *d, uint64_t ms)
{
	struct timeval	tv;

	ev_tv(&tv, ms);
	evtimer_del(d->poll_ev);
	evtimer_add(d->poll_ev, &tv);
}

/* Tell the center what is held; it answers with a bundle or nothing. */
static void
dist_poll_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mon_dist_agent		*d = arg;
	struct mon_client_params	 p;
	struct cfg			*cfg = mon_agent_cfg(d->a);
	char				 buf[MON_DIST_MANIFEST_MAX];
	size_t				 len;

	dist_arm(d, cfg->report.dist_interval);
	if (d->cl != NULL || d->phase != PH_IDLE)
		return;
	mon_client_free(d->cl_done);
	d->cl_done = NULL;
	if ((len = mon_dist_state_encode(&d->st, buf, sizeof buf)) == 0)
		return;
	mon_agent_client_params(d->a, &p);
	p.path = "/dist";
	p.max_body = MON_DIST_BUNDLE_MAX;
	d->npolls++;
	d->cl = mon_client_post(mon_agent_base(d->a), &p, buf, len,
	    dist_result_cb, d);
}

static void
dist_result_cb(void *arg, const struct mon_client_result *res)
{
	struct mon_dist_agent	*d = arg;
	char			 msg[MON_TEXT_MAX];

	d->cl_done = d->cl;
	d->cl = NULL;
	if (!res->ok) {
		log_warnx("distribution poll failed: %s", res->err);
		return;
	}
	if (res->status == 204)
		return;
	if (res->status != 200) {
		log_warnx("distribution poll: the center answered %d",
		    res->status);
		return;
	}
	if (dist_take(d, res->body, res->body_len, "the center", msg,
	    sizeof msg) == -1)
		log_warnx("%s", msg);
}

/* Record and report that <m> (or an unnamed bundle) was refused. */
static void
dist_refuse(struct mon_dist_agent *d, const struct mon_dist_manifest *m,
    const char *from, const char *why, char *msg, size_t len)
{
	struct mon_dist_held	*h;
	char			 text[MON_TEXT_MAX + 1];

	snprintf(text, sizeof text, "bundle %s %s from %s refused: %s",
	    m != NULL ? m->name : "?", m != NULL ? m->vtext : "?", from, why);
	mon_sanitize(text);
	snprintf(msg, len, "%s", text);
	strlcpy(d->last, text, sizeof d->last);
	log_warnx("%s", text);
	if (m != NULL && (h = mon_dist_state_get(&d->st, m->name, 1)) !=
	    NULL && dist_newer(&m->version, h->refused)) {
		strlcpy(h->refused, m->vtext, sizeof h->refused);
		(void)dist_state_save(d);
	}
	mon_agent_event(d->a, MON_EV_UPDATE_REFUSED, text);
}

/*
 * Check bundle <buf> from <from> and start installing it; -1 with <msg>
 * when it is refused (reported as an event) or cannot start.
 */
static int
dist_take(struct mon_dist_agent *d, const char *buf, size_t len,
    const char *from, char *msg, size_t msglen)
{
	struct mon_dist_manifest	 m;
	struct mon_dist_held		*h;
	struct mon_perr			 e;
	struct cfg			*cfg = mon_agent_cfg(d->a);
	enum mon_dist_verdict		 v;
	char				 ebuf[256], *path;

	if (d->phase != PH_IDLE) {
		snprintf(msg, msglen, "busy: bundle %s %s is %s", d->m.name,
		    d->m.vtext, phase_names[d->phase]);
		return (-1);
	}
	if (mon_dist_parse(buf, len, &m, &e) == -1) {
		snprintf(ebuf, sizeof ebuf, "malformed: %s", mon_perr_fmt(&e,
		    ebuf + 64, sizeof ebuf - 64));
		dist_refuse(d, NULL, from, ebuf, msg, msglen);
		return (-1);
	}
	h = mon_dist_state_get(&d->st, m.name, 0);
	if ((v = mon_dist_verify(buf, len, &m, d->pub)) == MON_DIST_OK)
		v = mon_dist_applies(&m, cfg->report.site_id, PACKAGE_VERSION,
		    mon_agent_role(d->a), h != NULL ? h->installed : NULL);
	if (v != MON_DIST_OK) {
		if (v == MON_DIST_DOWNGRADE)
			snprintf(ebuf, sizeof ebuf, "downgrade (%s installed)",
			    h->installed);
		else if (v == MON_DIST_OTHER_ROLE)
			snprintf(ebuf, sizeof ebuf, "other-role (this peer is "
			    "%s)", mon_role_name(mon_agent_role(d->a)));
		else
			snprintf(ebuf, sizeof ebuf, "%s",
			    mon_dist_verdict_name(v));
		/* A role changes: that refusal is not for good. */
		if (v == MON_DIST_OTHER_ROLE) {
			snprintf(msg, msglen, "bundle %s %s: %s", m.name,
			    m.vtext, ebuf);
			return (-1);
		}
		dist_refuse(d, &m, from, ebuf, msg, msglen);
		return (-1);
	}
	/* The whole bundle: the job checks it again before it installs. */
	path = dist_path(d, "bundle");
	if (mon_dist_write(path, buf, len, 0600) == -1) {
		snprintf(msg, msglen, "%s: %s", path, strerror(errno));
		free(path);
		return (-1);
	}
	free(path);
	d->m = m;
	strlcpy(d->was, h != NULL && h->installed[0] != '\0' ? h->installed :
	    "none", sizeof d->was);
	dist_current(d, 1);
	log_info("bundle %s %s from %s verified (signature, SHA-256, site "
	    "%s, role %s); installing over %s", m.name, m.vtext, from,
	    cfg->report.site_id, mon_role_name(mon_agent_role(d->a)),
	    d->was);
	if (dist_spawn(d, PH_INSTALL) == -1) {
		snprintf(msg, msglen, "cannot start the install: %s",
		    strerror(errno));
		return (-1);
	}
	snprintf(msg, msglen, "bundle %s %s verified; installing", m.name,
	    m.vtext);
	return (0);
}

/* "dist-install FILE": a bundle brought by hand. */
int
mon_dist_agent_local(struct mon_dist_agent *d, const char *file, char *msg,
    size_t len)
{
	char	*buf;
	size_t	 n;
	int	 rv;

	if ((buf = mon_dist_read(file, &n, msg, len)) == NULL)
		return (-1);
	rv = dist_take(d, buf, n, file, msg, len);
	free(buf);
	return (rv);
}

/*
 * Start the job of phase <ph> (install or rollback): by the privileged
 * helper, as root, when there is one (mon_dist_priv.c), else a child of
 * the agent's own; its result comes on d->jobfd.
 */
static int
dist_spawn(struct mon_dist_agent *d, enum dist_phase ph)
{
	struct timeval	 tv;
	char		*path, body[MON_DIST_NAME_MAX + MON_DIST_VERSION_MAX +
			    8], msg[MON_PRIV_MSG_MAX];
	int		 bfd = -1, fd, err = 0, n;
	pid_t		 pid = 0;

	if (ph == PH_INSTALL) {
		path = dist_path(d, "bundle");
		bfd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		free(path);
		if (bfd == -1)
			return (-1);
		n = snprintf(body, sizeof body, "%d",
		    (int)mon_agent_role(d->a));
	} else
		n = snprintf(body, sizeof body, "%s %s", d->m.name,
		    d->m.vtext);
	if (mon_agent_privfd(d->a) != -1)
		fd = mon_priv_dist(mon_agent_privfd(d->a), ph == PH_INSTALL ?
		    MON_PRIV_DIST_INSTALL : MON_PRIV_DIST_ROLLBACK, bfd, body,
		    (size_t)n, msg, sizeof msg);
	else
		fd = mon_dist_job(mon_agent_cfg(d->a), ph == PH_INSTALL, bfd,
		    body, (size_t)n, &pid, msg, sizeof msg, &err);
	if (bfd != -1)
		close(bfd);
	if (fd == -1) {
		log_warnx("bundle %s %s: %s", d->m.name, d->m.vtext, msg);
		errno = err != 0 ? err : EPERM;
		return (-1);
	}
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	d->jobfd = fd;
	d->reslen = 0;
	d->child = pid;
	d->phase = ph;
	ev_tv(&tv, DIST_REAP_MS);
	event_add(d->reap_ev, &tv);
	return (0);
}

/* Read what the job said; 1 once it ended (its line in d->res). */
static int
dist_job_read(struct mon_dist_agent *d)
{
	ssize_t	n;

	for (;;) {
		if (d->reslen == sizeof d->res - 1) {
			/* More than a line: the rest is not read. */
			n = 0;
		} else if ((n = read(d->jobfd, d->res + d->reslen,
		    sizeof d->res - 1 - d->reslen)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return (0);
			n = 0;
		}
		if (n == 0)
			break;
		d->reslen += (size_t)n;
	}
	close(d->jobfd);
	d->jobfd = -1;
	d->res[d->reslen] = '\0';
	d->res[strcspn(d->res, "\n")] = '\0';
	if (d->child > 0) {
		waitpid(d->child, NULL, 0);
		d->child = 0;
	}
	return (1);
}

/* Look for the child of the phase; time the health phase. */
static void
dist_reap_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mon_dist_agent	*d = arg;
	struct cfg		*cfg = mon_agent_cfg(d->a);
	int			 status, ok;
	pid_t			 pid;

	if (d->jobfd != -1) {
		if (dist_job_read(d) == 0)
			return;
		ok = strncmp(d->res, "ok ", 3) == 0;
		dist_done(d, ok, d->reslen == 0 ? "the job ended with no "
		    "result" : d->res + (ok ? 3 : strncmp(d->res, "fail ",
		    5) == 0 ? 5 : 0));
		return;
	}
	if (d->child > 0) {
		if ((pid = waitpid(d->child, &status, WNOHANG)) == 0)
			return;
		d->child = 0;
		ok = pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
		dist_done(d, ok, ok ? "passed" : "failed");
		return;
	}
	if (d->phase != PH_HEALTH)
		return;
	if (dist_now() >= d->deadline) {
		dist_rollback(d, cfg->report.dist_health != NULL ?
		    "dist-health did not pass in time" :
		    "the daemons did not all answer in time");
		return;
	}
	if (cfg->report.dist_health != NULL && dist_now() >= d->next_check) {
		d->next_check = dist_now() + DIST_HEALTH_EVERY;
		if ((pid = fork()) == -1)
			return;
		if (pid == 0) {
			setenv("TWIN_DIST_NAME", d->m.name, 1);
			setenv("TWIN_DIST_VERSION", d->m.vtext, 1);
			execl("/bin/sh", "sh", "-c", cfg->report.dist_health,
			    (char *)NULL);
			_exit(127);
		}
		d->child = pid;
	}
}

/* A child ended: move on to the next phase. */
static void
dist_done(struct mon_dist_agent *d, int ok, const char *res)
{
	struct cfg	*cfg = mon_agent_cfg(d->a);

	switch (d->phase) {
	case PH_INSTALL:
		if (!ok) {
			dist_rollback(d, res);
			return;
		}
		log_info("bundle %s %s in place: %s; health check for %" PRIu64
		    " ms", d->m.name, d->m.vtext, res,
		    cfg->report.dist_health_timeout);
		d->phase = PH_HEALTH;
		d->deadline = dist_now() + cfg->report.dist_health_timeout;
		d->next_check = 0;
		d->up_polls = 0;
		break;
	case PH_HEALTH:
		/* The health command. */
		if (ok)
			dist_healthy(d);
		break;
	case PH_ROLLBACK:
		if (!ok)
			log_warnx("bundle %s %s: rollback: %s", d->m.name,
			    d->m.vtext, res);
		dist_finish(d, ok);
		break;
	case PH_IDLE:
		break;
	}
}

/* A poll of the daemons came in (mon_agent.c): the health without a command. */
void
mon_dist_agent_polled(struct mon_dist_agent *d, const struct mon_snap *s)
{
	struct cfg	*cfg = mon_agent_cfg(d->a);
	int		 up;

	if (d->phase != PH_HEALTH || cfg->report.dist_health != NULL)
		return;
	up = s->ha != MON_D_DOWN && s->proxy != MON_D_DOWN &&
	    s->wpad != MON_D_DOWN && s->lb != MON_D_DOWN;
	d->up_polls = up ? d->up_polls + 1 : 0;
	/* The first may have asked before the restart. */
	if (d->up_polls >= DIST_UP_POLLS)
		dist_healthy(d);
}

/* The new version runs: keep it, report it, poll (the partner waits). */
static void
dist_healthy(struct mon_dist_agent *d)
{
	struct mon_dist_held	*h;
	char			 text[MON_TEXT_MAX + 1];

	event_del(d->reap_ev);
	dist_current(d, 0);
	if ((h = mon_dist_state_get(&d->st, d->m.name, 1)) != NULL) {
		strlcpy(h->installed, d->m.vtext, sizeof h->installed);
		if (strcmp(h->failed, d->m.vtext) == 0)
			h->failed[0] = '\0';
	}
	(void)dist_state_save(d);
	snprintf(text, sizeof text, "bundle %s %s installed (was %s), "
	    "healthy", d->m.name, d->m.vtext, d->was);
	log_info("%s", text);
	strlcpy(d->last, text, sizeof d->last);
	mon_agent_event(d->a, MON_EV_UPDATE_INSTALLED, text);
	d->phase = PH_IDLE;
	dist_arm(d, 0);
}

static void
dist_rollback(struct mon_dist_agent *d, const char *why)
{
	if (d->child > 0) {
		kill(d->child, SIGKILL);
		waitpid(d->child, NULL, 0);
		d->child = 0;
	}
	snprintf(d->why, sizeof d->why, "%s", why);
	log_warnx("bundle %s %s: %s; rolling back", d->m.name, d->m.vtext,
	    why);
	if (dist_spawn(d, PH_ROLLBACK) == -1) {
		log_warn("cannot start the rollback");
		dist_finish(d, 0);
	}
}

/* The rollback is over: the version is failed for good. */
static void
dist_finish(struct mon_dist_agent *d, int restored)
{
	struct mon_dist_held	*h;
	char			 text[MON_TEXT_MAX + 1];

	event_del(d->reap_ev);
	dist_current(d, 0);
	if ((h = mon_dist_state_get(&d->st, d->m.name, 1)) != NULL &&
	    dist_newer(&d->m.version, h->failed))
		strlcpy(h->failed, d->m.vtext, sizeof h->failed);
	(void)dist_state_save(d);
	mon_dist_msgf(text, sizeof text, "bundle %s %s %s%s: %s", d->m.name,
	    d->m.vtext, restored ? "rolled back to " :
	    "failed, rollback incomplete, was ", d->was, d->why);
	mon_sanitize(text);
	log_warnx("%s", text);
	strlcpy(d->last, text, sizeof d->last);
	mon_agent_event(d->a, MON_EV_UPDATE_FAILED, text);
	d->phase = PH_IDLE;
	dist_arm(d, 0);
}

/* For "twinctl report status". */
void
mon_dist_agent_status(struct mon_dist_agent *d, struct ctl_conn *c)
{
	size_t	i;

	ctl_printf(c, "dist %s%s%s%s polls %" PRIu64, phase_names[d->phase],
	    d->phase != PH_IDLE ? " " : "", d->phase != PH_IDLE ? d->m.name :
	    "", d->phase != PH_IDLE ? d->m.vtext : "", d->npolls);
	for (i = 0; i < d->st.n; i++)
		ctl_printf(c, "bundle %s installed %s failed %s refused %s",
		    d->st.h[i].name, d->st.h[i].installed[0] != '\0' ?
		    d->st.h[i].installed : "-", d->st.h[i].failed[0] != '\0' ?
		    d->st.h[i].failed : "-", d->st.h[i].refused[0] != '\0' ?
		    d->st.h[i].refused : "-");
	ctl_printf(c, "dist-last %s", d->last);
}
