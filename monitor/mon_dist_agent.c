/*
 * mon_dist_agent.c: the agent's half of signed distribution. Every
 * dist-interval it tells the center what it holds (POST /dist) and gets
 * a bundle or nothing; it checks the bundle (signature, digest, site,
 * product, role, downgrade), and installs it in phases:
 *
 *	install		a child process unpacks the payload (tar) into a
 *			staging folder, refuses anything but folders and
 *			regular files, puts each file in place under dist-root
 *			(a copy of the file it replaces kept aside, every step
 *			written to an undo list first), then runs dist-restart;
 *	health		dist-health until it exits 0, or, without it, two
 *			polls in which every configured daemon answers its
 *			control socket, within dist-health-timeout;
 *	rollback	otherwise a child puts back what the undo list names
 *			and runs dist-restart again.
 *
 * Each outcome is an event (update-installed, update-failed,
 * update-refused) in the spool, and the held versions (mon_dist_state)
 * are saved in spool-dir/dist/state before the next poll tells the
 * center. The daemon's loop never waits on any of it: the children are
 * reaped by a timer, and their one-line result is a file.
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
#define DIST_BUNDLE_MAX		(MON_DIST_PAYLOAD_MAX + MON_DIST_MANIFEST_MAX)

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
	pid_t			 child;		/* install, rollback, check */
	struct event		*reap_ev;
	uint64_t		 deadline;	/* of the health phase, ms */
	uint64_t		 next_check;
	unsigned int		 up_polls;
	char			 why[MON_TEXT_MAX];	/* of a rollback */
};

/* What the child of one phase works on (it has a copy of the agent). */
static struct {
	const char	*stage;
	const char	*root;
	const char	*backup;
	FILE		*undo;
	int		 bad;
	char		 msg[256];
} job;

static uint64_t	dist_now(void);
static void	msgf(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
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
static void	dist_done(struct mon_dist_agent *, int, const char *);
static void	dist_healthy(struct mon_dist_agent *);
static void	dist_rollback(struct mon_dist_agent *, const char *);
static void	dist_finish(struct mon_dist_agent *, int);
static int	dist_write(const char *, const char *, size_t, mode_t);
static char	*dist_read(const char *, size_t *, char *, size_t);
static int	job_result(struct mon_dist_agent *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	job_install(struct mon_dist_agent *);
static int	job_rollback(struct mon_dist_agent *);
static int	job_run(struct mon_dist_agent *, const char *, const char *);
static int	job_rm(const char *);
static int	job_rm_cb(const char *, const struct stat *, int,
		    struct FTW *);
static int	job_check_cb(const char *, const struct stat *, int,
		    struct FTW *);
static int	job_place_cb(const char *, const struct stat *, int,
		    struct FTW *);
static int	job_mkdirs(const char *, mode_t);
static int	job_copy(const char *, const char *, mode_t);

/* A message cut to <len>: paths and texts may be longer than a line. */
static void
msgf(char *buf, size_t len, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

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
	if ((buf = dist_read(path, &len, err, sizeof err)) == NULL) {
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
	else if ((rv = dist_write(path, buf, len, 0600)) == -1)
		log_warn("%s", path);
	free(path);
	return (rv);
}

/* Write <len> bytes to <path> atomically: a new file, synced, renamed. */
static int
dist_write(const char *path, const char *buf, size_t len, mode_t mode)
{
	char	*tmp;
	ssize_t	 n;
	size_t	 off = 0;
	int	 fd, e;

	xasprintf(&tmp, "%s.new", path);
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, mode)) == -1) {
		free(tmp);
		return (-1);
	}
	while (off < len) {
		if ((n = write(fd, buf + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)n;
	}
	if (fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path) == -1) {
		fd = -1;
		goto fail;
	}
	free(tmp);
	return (0);
fail:
	e = errno;
	if (fd != -1)
		close(fd);
	(void)unlink(tmp);
	free(tmp);
	errno = e;
	return (-1);
}

/* A whole file of at most a bundle's size, NUL added; NULL with <err>. */
static char *
dist_read(const char *path, size_t *lenp, char *err, size_t errlen)
{
	struct stat	 sb;
	char		*buf;
	ssize_t		 n;
	size_t		 off = 0;
	int		 fd, e;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1 ||
	    fstat(fd, &sb) == -1) {
		e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		if (fd != -1)
			close(fd);
		errno = e;
		return (NULL);
	}
	if (!S_ISREG(sb.st_mode) || (uint64_t)sb.st_size > DIST_BUNDLE_MAX) {
		snprintf(err, errlen, "%s: not a regular file of at most %llu "
		    "bytes", path, (unsigned long long)DIST_BUNDLE_MAX);
		close(fd);
		errno = EFBIG;
		return (NULL);
	}
	buf = xmalloc((size_t)sb.st_size + 1);
	while (off < (size_t)sb.st_size) {
		if ((n = read(fd, buf + off, (size_t)sb.st_size - off)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			snprintf(err, errlen, "%s: short read", path);
			free(buf);
			close(fd);
			errno = EIO;
			return (NULL);
		}
		off += (size_t)n;
	}
	close(fd);
	buf[off] = '\0';
	*lenp = off;
	return (buf);
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
		    dist_write(path, buf, (size_t)n, 0600) == -1)
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

	buf = dist_read(path, &len, err, sizeof err);
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
	p.max_body = DIST_BUNDLE_MAX;
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
	path = dist_path(d, "payload.tar");
	if (dist_write(path, buf + m.payload_off, m.payload_size,
	    0600) == -1) {
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

	if ((buf = dist_read(file, &n, msg, len)) == NULL)
		return (-1);
	rv = dist_take(d, buf, n, file, msg, len);
	free(buf);
	return (rv);
}

/* Start the child of phase <ph> (install or rollback). */
static int
dist_spawn(struct mon_dist_agent *d, enum dist_phase ph)
{
	struct timeval	 tv;
	pid_t		 pid;
	int		 rv;

	if ((pid = fork()) == -1)
		return (-1);
	if (pid == 0) {
		/* The child: no event loop, plain blocking steps. */
		rv = ph == PH_INSTALL ? job_install(d) : job_rollback(d);
		_exit(rv == 0 ? 0 : 1);
	}
	d->phase = ph;
	d->child = pid;
	ev_tv(&tv, DIST_REAP_MS);
	event_add(d->reap_ev, &tv);
	return (0);
}

/* Look for the child of the phase; time the health phase. */
static void
dist_reap_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mon_dist_agent	*d = arg;
	struct cfg		*cfg = mon_agent_cfg(d->a);
	char			*path, *res, err[256];
	size_t			 len;
	int			 status, ok;
	pid_t			 pid;

	if (d->child > 0) {
		if ((pid = waitpid(d->child, &status, WNOHANG)) == 0)
			return;
		d->child = 0;
		ok = pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
		path = dist_path(d, "result");
		res = dist_read(path, &len, err, sizeof err);
		free(path);
		if (res != NULL)
			res[strcspn(res, "\n")] = '\0';
		dist_done(d, ok, res != NULL ? res : "no result");
		free(res);
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
	msgf(text, sizeof text, "bundle %s %s %s%s: %s", d->m.name,
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

/* ---- the children ------------------------------------------------------ */

/* Note the child's result for the parent, and return <rv>. */
static int
job_result(struct mon_dist_agent *d, int rv, const char *fmt, ...)
{
	va_list	 ap;
	char	 buf[256], *path;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	strlcat(buf, "\n", sizeof buf);
	path = dist_path(d, "result");
	(void)dist_write(path, buf, strlen(buf), 0600);
	free(path);
	return (rv);
}

/* Run <cmd> with sh, for action <what>; its exit status, -1 if none. */
static int
job_run(struct mon_dist_agent *d, const char *cmd, const char *what)
{
	struct cfg	*cfg = mon_agent_cfg(d->a);
	pid_t		 pid;
	int		 status;

	if ((pid = fork()) == -1)
		return (-1);
	if (pid == 0) {
		setenv("TWIN_DIST_NAME", d->m.name, 1);
		setenv("TWIN_DIST_VERSION", d->m.vtext, 1);
		setenv("TWIN_DIST_ROOT", cfg->report.dist_root, 1);
		setenv("TWIN_DIST_ACTION", what, 1);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return (-1);
	return (WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static int
job_rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	return (remove(path) == -1 && errno != ENOENT ? -1 : 0);
}

/* rm -r <path>. */
static int
job_rm(const char *path)
{
	if (access(path, F_OK) == -1)
		return (0);
	return (nftw(path, job_rm_cb, 16, FTW_DEPTH | FTW_PHYS));
}

/* mkdir -p of <path>. */
static int
job_mkdirs(const char *path, mode_t mode)
{
	char	buf[PATH_MAX], *p;

	if (strlcpy(buf, path, sizeof buf) >= sizeof buf)
		return (-1);
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) == -1 && errno != EEXIST)
			return (-1);
		*p = '/';
	}
	if (mkdir(buf, mode) == -1 && errno != EEXIST)
		return (-1);
	return (0);
}

/* Copy <src> to <dst> through dst.twin-new, synced, renamed over it. */
static int
job_copy(const char *src, const char *dst, mode_t mode)
{
	char	*buf, err[256];
	size_t	 len;
	int	 rv;

	if ((buf = dist_read(src, &len, err, sizeof err)) == NULL)
		return (-1);
	rv = dist_write(dst, buf, len, mode & 07777);
	free(buf);
	if (rv == 0)
		(void)chmod(dst, mode & 07777);
	return (rv);
}

/* Only folders and regular files may come out of a payload. */
static int
job_check_cb(const char *path, const struct stat *sb, int flag,
    struct FTW *f)
{
	if (flag == FTW_D || flag == FTW_F) {
		if (S_ISDIR(sb->st_mode) || (S_ISREG(sb->st_mode) &&
		    sb->st_nlink == 1))
			return (0);
	}
	msgf(job.msg, sizeof job.msg, "the payload holds %s, neither a "
	    "folder nor a plain file", path + strlen(job.stage));
	return (-1);
}

/* Put one staged entry in place, the undo step written first. */
static int
job_place_cb(const char *path, const struct stat *sb, int flag,
    struct FTW *f)
{
	struct stat	 tsb;
	const char	*rel = path + strlen(job.stage);
	char		 target[PATH_MAX], backup[PATH_MAX], *slash;

	if (*rel == '\0')
		return (0);	/* the staging folder itself */
	if ((size_t)snprintf(target, sizeof target, "%s%s", job.root, rel) >=
	    sizeof target || (size_t)snprintf(backup, sizeof backup, "%s%s",
	    job.backup, rel) >= sizeof backup) {
		msgf(job.msg, sizeof job.msg, "%s: path too long", rel);
		return (-1);
	}
	if (S_ISDIR(sb->st_mode)) {
		if (lstat(target, &tsb) == 0) {
			if (S_ISDIR(tsb.st_mode))
				return (0);
			msgf(job.msg, sizeof job.msg, "%s is in the way "
			    "of a folder", target);
			return (-1);
		}
		fprintf(job.undo, "dir %s\n", rel);
		fflush(job.undo);
		if (mkdir(target, sb->st_mode & 07777) == -1) {
			msgf(job.msg, sizeof job.msg, "%s: %s", target,
			    strerror(errno));
			return (-1);
		}
		return (0);
	}
	if (lstat(target, &tsb) == 0) {
		if (!S_ISREG(tsb.st_mode)) {
			msgf(job.msg, sizeof job.msg, "%s is not a plain "
			    "file", target);
			return (-1);
		}
		slash = strrchr(backup, '/');
		*slash = '\0';
		if (job_mkdirs(backup, 0700) == -1)
			goto fail;
		*slash = '/';
		if (job_copy(target, backup, tsb.st_mode) == -1)
			goto fail;
		fprintf(job.undo, "replaced %s\n", rel);
	} else
		fprintf(job.undo, "new %s\n", rel);
	fflush(job.undo);
	if (fsync(fileno(job.undo)) == -1 || job_copy(path, target,
	    sb->st_mode) == -1)
		goto fail;
	return (0);
fail:
	msgf(job.msg, sizeof job.msg, "%s: %s", target, strerror(errno));
	return (-1);
}

/* The install child: unpack, check, put in place, restart. */
static int
job_install(struct mon_dist_agent *d)
{
	struct cfg	*cfg = mon_agent_cfg(d->a);
	char		*stage, *backup, *undo, *payload, *cmd;
	int		 rv;

	stage = dist_path(d, "stage");
	backup = dist_path(d, "backup");
	undo = dist_path(d, "undo");
	payload = dist_path(d, "payload.tar");
	if (job_rm(stage) == -1 || job_rm(backup) == -1 ||
	    mkdir(stage, 0700) == -1 || mkdir(backup, 0700) == -1)
		return (job_result(d, -1, "cannot clear %s: %s", d->dir,
		    strerror(errno)));
	/* tar of the system; never as the owner the archive names. */
	xasprintf(&cmd, "exec tar -x -f '%s' -C '%s' --no-same-owner "
	    "--no-overwrite-dir", payload, stage);
	rv = job_run(d, cmd, "unpack");
	free(cmd);
	if (rv != 0)
		return (job_result(d, -1, "the payload does not unpack (tar "
		    "exit %d)", rv));
	job.stage = stage;
	job.root = strcmp(cfg->report.dist_root, "/") == 0 ? "" :
	    cfg->report.dist_root;
	job.backup = backup;
	if (nftw(stage, job_check_cb, 16, FTW_PHYS) != 0)
		return (job_result(d, -1, "%s", job.msg));
	if ((job.undo = fopen(undo, "w")) == NULL)
		return (job_result(d, -1, "%s: %s", undo, strerror(errno)));
	job.msg[0] = '\0';
	rv = nftw(stage, job_place_cb, 16, FTW_PHYS);
	fclose(job.undo);
	if (rv != 0)
		return (job_result(d, -1, "%s", job.msg[0] != '\0' ? job.msg :
		    "cannot walk the staged files"));
	if (cfg->report.dist_restart != NULL &&
	    (rv = job_run(d, cfg->report.dist_restart, "install")) != 0)
		return (job_result(d, -1, "dist-restart exited %d", rv));
	return (job_result(d, 0, "files in place%s",
	    cfg->report.dist_restart != NULL ? ", restarted" : ""));
}

/* The rollback child: undo the list from its end, restart. */
static int
job_rollback(struct mon_dist_agent *d)
{
	struct cfg	*cfg = mon_agent_cfg(d->a);
	struct stat	 sb;
	char		*undo, *backup, *buf, *p, *line, err[256];
	char		 target[PATH_MAX], saved[PATH_MAX];
	const char	*root = strcmp(cfg->report.dist_root, "/") == 0 ? "" :
			    cfg->report.dist_root;
	size_t		 len;
	int		 bad = 0, rv;

	undo = dist_path(d, "undo");
	backup = dist_path(d, "backup");
	if ((buf = dist_read(undo, &len, err, sizeof err)) == NULL)
		len = 0;	/* nothing was put in place */
	while (len > 0) {
		/* The last line left, cut at <len>. */
		buf[len] = '\0';
		if (buf[len - 1] == '\n') {
			len--;
			continue;
		}
		p = memrchr(buf, '\n', len);
		line = p != NULL ? p + 1 : buf;
		if (strncmp(line, "new /", 5) == 0) {
			snprintf(target, sizeof target, "%s%s", root, line + 4);
			if (unlink(target) == -1 && errno != ENOENT)
				bad = 1;
		} else if (strncmp(line, "replaced /", 10) == 0) {
			snprintf(target, sizeof target, "%s%s", root,
			    line + 9);
			snprintf(saved, sizeof saved, "%s%s", backup,
			    line + 9);
			if (stat(saved, &sb) == -1 ||
			    job_copy(saved, target, sb.st_mode) == -1)
				bad = 1;
		} else if (strncmp(line, "dir /", 5) == 0) {
			snprintf(target, sizeof target, "%s%s", root, line + 4);
			(void)rmdir(target);
		}
		len = p != NULL ? (size_t)(p - buf) : 0;
	}
	free(buf);
	if (cfg->report.dist_restart != NULL &&
	    (rv = job_run(d, cfg->report.dist_restart, "rollback")) != 0)
		return (job_result(d, -1, "dist-restart exited %d after the "
		    "rollback", rv));
	if (bad)
		return (job_result(d, -1, "some files could not be put back"));
	return (job_result(d, 0, "restored"));
}
