/*
 * mon_dist_priv.c: the install and the rollback of a bundle, run by a
 * child process: of the privileged helper (mon_priv.c), as root, when
 * the agent started as root, else of the agent itself. The agent only
 * downloads and verifies; here the bundle is verified again, from the
 * descriptor the agent passed (the agent's word is not taken for what
 * root installs: signature, digest, site and product are checked with
 * the dist-key read now), and then, in a work folder no one but the
 * job's user may write (spool-dir.dist, beside the spool folder, or
 * spool-dir/dist/work for an agent never root):
 *
 *	install		the payload unpacked (tar) into stage/, nothing but
 *			folders and regular files, each file put in place
 *			under dist-root with a copy of the file it replaces
 *			kept in backup/ and every step written to the undo
 *			list first, then dist-restart;
 *	rollback	what the undo list names put back, dist-restart again.
 *
 * One job runs at a time (a lock on the work folder). The result is one
 * line, "ok TEXT" or "fail TEXT", on the pipe whose other end the agent
 * reads (mon_dist_agent.c).
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "fsafe.h"
#include "log.h"
#include "mon_agent.h"
#include "mon_dist.h"
#include "xmalloc.h"

/* What the job works on (it is a process of its own). */
static struct {
	const struct cfg *cfg;
	const char	*name;
	const char	*version;
	const char	*dir;		/* the work folder, the cwd */
	int		 out;		/* the result pipe */
	const char	*stage;
	const char	*root;
	const char	*backup;
	FILE		*undo;
	char		 msg[256];
} job;

static void	job_main(const struct cfg *, int, int, const char *, size_t)
		    __attribute__((noreturn));
static int	job_verify(int, int, struct mon_dist_manifest *);
static int	job_result(int, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static int	job_install(void);
static int	job_rollback(void);
static int	job_run(const char *, const char *);
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
void
mon_dist_msgf(char *buf, size_t len, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* The work folder of the jobs under config <cfg> (allocated). */
char *
mon_dist_workdir(const struct cfg *cfg)
{
	char	*p;
	size_t	 n = strlen(cfg->report.spool_dir);

	while (n > 1 && cfg->report.spool_dir[n - 1] == '/')
		n--;
	if (geteuid() == 0)
		xasprintf(&p, "%.*s.dist", (int)n, cfg->report.spool_dir);
	else
		xasprintf(&p, "%.*s/dist/work", (int)n, cfg->report.spool_dir);
	return (p);
}

/*
 * Start a job: an install of the bundle on descriptor <bfd> (<body>: the
 * role the agent holds, as a number), or the rollback of "NAME VERSION"
 * (<body>). The descriptor its result comes on, *pidp its process; or -1
 * with <msg> and *errp.
 */
int
mon_dist_job(const struct cfg *cfg, int install, int bfd, const char *body,
    size_t len, pid_t *pidp, char *msg, size_t msglen, int *errp)
{
	int	p[2];
	pid_t	pid;

	if (cfg->report.dist_key == NULL || cfg->report.dist_root == NULL) {
		*errp = EPERM;
		snprintf(msg, msglen, "no dist-key or dist-root in the "
		    "configuration the agent started with");
		return (-1);
	}
	if (install && bfd == -1) {
		*errp = EINVAL;
		snprintf(msg, msglen, "no bundle passed");
		return (-1);
	}
	if (pipe2(p, O_CLOEXEC) == -1) {
		*errp = errno;
		snprintf(msg, msglen, "cannot start the job: %s",
		    strerror(errno));
		return (-1);
	}
	if ((pid = fork()) == -1) {
		*errp = errno;
		snprintf(msg, msglen, "cannot start the job: %s",
		    strerror(errno));
		close(p[0]);
		close(p[1]);
		return (-1);
	}
	if (pid == 0) {
		close(p[0]);
		job.out = p[1];
		job_main(cfg, install, bfd, body, len);
	}
	close(p[1]);
	*errp = 0;
	if (pidp != NULL)
		*pidp = pid;
	return (p[0]);
}

/* The helper's request: the job's result descriptor, or -1. */
int
mon_dist_priv(const struct cfg *cfg, int install, int bfd, const char *body,
    size_t len, char *msg, size_t msglen, int *errp)
{
	return (mon_dist_job(cfg, install, bfd, body, len, NULL, msg, msglen,
	    errp));
}

/* Read the bundle on <bfd> again and check it for this site. */
static int
job_verify(int bfd, int role, struct mon_dist_manifest *m)
{
	const struct cfg	*cfg = job.cfg;
	struct mon_perr		 e;
	struct stat		 sb;
	enum mon_dist_verdict	 v;
	EVP_PKEY		*pub;
	char			*buf, *cause, ebuf[200];
	size_t			 off = 0;
	ssize_t			 n;

	if (fstat(bfd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    (uint64_t)sb.st_size > MON_DIST_BUNDLE_MAX)
		return (job_result(-1, "the bundle passed is not a file of at "
		    "most %llu bytes",
		    (unsigned long long)MON_DIST_BUNDLE_MAX));
	buf = xmalloc((size_t)sb.st_size + 1);
	while (off < (size_t)sb.st_size) {
		if ((n = pread(bfd, buf + off, (size_t)sb.st_size - off,
		    (off_t)off)) == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return (job_result(-1, "the bundle passed: short "
			    "read"));
		off += (size_t)n;
	}
	if ((pub = mon_dist_key_read(cfg->report.dist_key, 0, &cause)) ==
	    NULL)
		return (job_result(-1, "%s", cause));
	if (mon_dist_parse(buf, off, m, &e) == -1)
		return (job_result(-1, "malformed: %s", mon_perr_fmt(&e, ebuf,
		    sizeof ebuf)));
	if ((v = mon_dist_verify(buf, off, m, pub)) == MON_DIST_OK)
		v = mon_dist_applies(m, cfg->report.site_id, PACKAGE_VERSION,
		    (enum mon_role)role, NULL);
	EVP_PKEY_free(pub);
	if (v != MON_DIST_OK)
		return (job_result(-1, "refused: %s",
		    mon_dist_verdict_name(v)));
	if (mon_dist_write("payload.tar", buf + m->payload_off,
	    m->payload_size, 0600) == -1)
		return (job_result(-1, "%s/payload.tar: %s", job.dir,
		    strerror(errno)));
	free(buf);
	return (0);
}

/* The job's process: checks, the lock, then the install or rollback. */
static void
job_main(const struct cfg *cfg, int install, int bfd, const char *body,
    size_t len)
{
	static struct mon_dist_manifest m;
	char		 name[MON_DIST_NAME_MAX + 1];
	char		 ver[MON_DIST_VERSION_MAX + 1], *cause;
	char		 text[MON_PRIV_MSG_MAX];
	int		 dfd, lfd, role = 0;

	signal(SIGCHLD, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	job.cfg = cfg;
	job.dir = mon_dist_workdir(cfg);
	snprintf(text, sizeof text, "%.*s", (int)(len < sizeof text ? len :
	    sizeof text - 1), body);
	if ((dfd = fsafe_dir(job.dir, geteuid() == 0 ? (uid_t)-1 : geteuid(),
	    FSAFE_MKDIR | FSAFE_PRIVATE, 0700, &cause)) == -1) {
		job_result(-1, "%s", cause);
		_exit(1);
	}
	/* One job at a time: a rollback waits for an install still going. */
	if ((lfd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1 || flock(lfd, LOCK_EX) == -1 || fchdir(lfd) == -1) {
		job_result(-1, "%s: %s", job.dir, strerror(errno));
		_exit(1);
	}
	if (install) {
		if (sscanf(text, "%d", &role) != 1 || role < 0 ||
		    role > MON_ROLE_SINGLE) {
			job_result(-1, "no role");
			_exit(1);
		}
		if (job_verify(bfd, role, &m) == -1)
			_exit(1);
		close(bfd);
		job.name = m.name;
		job.version = m.vtext;
		_exit(job_install() == 0 ? 0 : 1);
	}
	if (sscanf(text, "%64s %48s", name, ver) != 2 ||
	    !mon_dist_name_valid(name, strlen(name)) ||
	    mon_dist_version_parse(ver, strlen(ver), &m.version) == -1) {
		job_result(-1, "a rollback of what? (%s)", text);
		_exit(1);
	}
	job.name = name;
	job.version = ver;
	_exit(job_rollback() == 0 ? 0 : 1);
}

/* Write <len> bytes to <path> atomically: a new file, synced, renamed. */
int
mon_dist_write(const char *path, const char *buf, size_t len, mode_t mode)
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
char *
mon_dist_read(const char *path, size_t *lenp, char *err, size_t errlen)
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
	if (!S_ISREG(sb.st_mode) ||
	    (uint64_t)sb.st_size > MON_DIST_BUNDLE_MAX) {
		snprintf(err, errlen, "%s: not a regular file of at most %llu "
		    "bytes", path, (unsigned long long)MON_DIST_BUNDLE_MAX);
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

/* Note the child's result for the parent, and return <rv>. */
static int
job_result(int rv, const char *fmt, ...)
{
	va_list	 ap;
	char	 buf[MON_PRIV_MSG_MAX];
	size_t	 len, off = 0;
	ssize_t	 n;

	len = (size_t)snprintf(buf, sizeof buf, "%s ", rv == 0 ? "ok" :
	    "fail");
	va_start(ap, fmt);
	vsnprintf(buf + len, sizeof buf - len, fmt, ap);
	va_end(ap);
	strlcat(buf, "\n", sizeof buf);
	len = strlen(buf);
	while (off < len) {
		if ((n = write(job.out, buf + off, len - off)) == -1 &&
		    errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	return (rv);
}

/* Run <cmd> with sh, for action <what>; its exit status, -1 if none. */
static int
job_run(const char *cmd, const char *what)
{
	const struct cfg	*cfg = job.cfg;
	pid_t		 pid;
	int		 status;

	if ((pid = fork()) == -1)
		return (-1);
	if (pid == 0) {
		setenv("TWIN_DIST_NAME", job.name, 1);
		setenv("TWIN_DIST_VERSION", job.version, 1);
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

	if ((buf = mon_dist_read(src, &len, err, sizeof err)) == NULL)
		return (-1);
	rv = mon_dist_write(dst, buf, len, mode & 07777);
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
	mon_dist_msgf(job.msg, sizeof job.msg, "the payload holds %s, "
	    "neither a folder nor a plain file", path + strlen(job.stage));
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
		mon_dist_msgf(job.msg, sizeof job.msg, "%s: path too long",
		    rel);
		return (-1);
	}
	if (S_ISDIR(sb->st_mode)) {
		if (lstat(target, &tsb) == 0) {
			if (S_ISDIR(tsb.st_mode))
				return (0);
			mon_dist_msgf(job.msg, sizeof job.msg, "%s is in the "
			    "way of a folder", target);
			return (-1);
		}
		fprintf(job.undo, "dir %s\n", rel);
		fflush(job.undo);
		if (mkdir(target, sb->st_mode & 07777) == -1) {
			mon_dist_msgf(job.msg, sizeof job.msg, "%s: %s", target,
			    strerror(errno));
			return (-1);
		}
		return (0);
	}
	if (lstat(target, &tsb) == 0) {
		if (!S_ISREG(tsb.st_mode)) {
			mon_dist_msgf(job.msg, sizeof job.msg, "%s is not a "
			    "plain file", target);
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
	mon_dist_msgf(job.msg, sizeof job.msg, "%s: %s", target,
	    strerror(errno));
	return (-1);
}

/* The install child: unpack, check, put in place, restart. */
static int
job_install(void)
{
	const struct cfg	*cfg = job.cfg;
	const char		*stage = "stage", *backup = "backup";
	const char		*undo = "undo", *payload = "payload.tar";
	char			*cmd;
	int			 rv;

	if (job_rm(stage) == -1 || job_rm(backup) == -1 ||
	    mkdir(stage, 0700) == -1 || mkdir(backup, 0700) == -1)
		return (job_result(-1, "cannot clear %s: %s", job.dir,
		    strerror(errno)));
	/* tar of the system; never as the owner the archive names. */
	xasprintf(&cmd, "exec tar -x -f '%s' -C '%s' --no-same-owner "
	    "--no-overwrite-dir", payload, stage);
	rv = job_run(cmd, "unpack");
	free(cmd);
	if (rv != 0)
		return (job_result(-1, "the payload does not unpack (tar "
		    "exit %d)", rv));
	job.stage = stage;
	job.root = strcmp(cfg->report.dist_root, "/") == 0 ? "" :
	    cfg->report.dist_root;
	job.backup = backup;
	if (nftw(stage, job_check_cb, 16, FTW_PHYS) != 0)
		return (job_result(-1, "%s", job.msg));
	if ((job.undo = fopen(undo, "w")) == NULL)
		return (job_result(-1, "%s: %s", undo, strerror(errno)));
	job.msg[0] = '\0';
	rv = nftw(stage, job_place_cb, 16, FTW_PHYS);
	fclose(job.undo);
	if (rv != 0)
		return (job_result(-1, "%s", job.msg[0] != '\0' ? job.msg :
		    "cannot walk the staged files"));
	if (cfg->report.dist_restart != NULL &&
	    (rv = job_run(cfg->report.dist_restart, "install")) != 0)
		return (job_result(-1, "dist-restart exited %d", rv));
	return (job_result(0, "files in place%s",
	    cfg->report.dist_restart != NULL ? ", restarted" : ""));
}

/* The rollback child: undo the list from its end, restart. */
static int
job_rollback(void)
{
	const struct cfg	*cfg = job.cfg;
	struct stat		 sb;
	const char		*undo = "undo", *backup = "backup";
	char			*buf, *p, *line, err[256];
	char			 target[PATH_MAX], saved[PATH_MAX];
	const char		*root = strcmp(cfg->report.dist_root, "/") ==
				    0 ? "" : cfg->report.dist_root;
	size_t			 len;
	int			 bad = 0, rv;

	if ((buf = mon_dist_read(undo, &len, err, sizeof err)) == NULL)
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
	    (rv = job_run(cfg->report.dist_restart, "rollback")) != 0)
		return (job_result(-1, "dist-restart exited %d after the "
		    "rollback", rv));
	if (bad)
		return (job_result(-1, "some files could not be put back"));
	return (job_result(0, "restored"));
}
