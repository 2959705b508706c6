/*
 * daemon.c: the small things every daemon does at start-up.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "fsafe.h"
#include "log.h"
#include "xmalloc.h"

/*
 * Parse the common daemon flags; exits with usage on anything else. The
 * default config file is the same for every daemon: one file per peer.
 */
void
daemon_getopt(struct daemon_opts *o, const char *name, int argc, char **argv)
{
	int	ch;

	memset(o, 0, sizeof *o);
	o->name = name;
	o->cfgfile = "/etc/twinproxy/twinproxy.conf";
	while ((ch = getopt(argc, argv, "df:nv")) != -1) {
		switch (ch) {
		case 'd':
			o->foreground = 1;
			break;
		case 'f':
			o->cfgfile = optarg;
			break;
		case 'n':
			o->check_only = 1;
			o->foreground = 1;
			break;
		case 'v':
			o->verbose++;
			break;
		default:
			goto usage;
		}
	}
	if (optind == argc)
		return;
usage:
	fprintf(stderr, "usage: %s [-dnv] [-f file]\n", name);
	exit(2);
}

/*
 * Write our pid to a file; -1 if another live process holds it. The file
 * is opened as fsafe.h says (no link followed, no other hard link, ours),
 * read, and only then truncated: a planted link cannot make root empty
 * another file.
 */
int
daemon_pidfile(const char *path, const char *user, char **cause)
{
	char	 buf[32], line[32];
	ssize_t	 n;
	long	 pid;
	int	 fd, len;

	if ((fd = fsafe_open(path, O_RDWR | O_CREAT, 0644, fsafe_uid(user),
	    cause)) == -1)
		return (-1);
	if ((n = read(fd, buf, sizeof buf - 1)) > 0) {
		buf[n] = '\0';
		if (sscanf(buf, "%ld", &pid) == 1 && pid > 1 &&
		    pid != (long)getpid() && kill((pid_t)pid, 0) == 0) {
			close(fd);
			xasprintf(cause, "%s: process %ld is running", path,
			    pid);
			return (-1);
		}
	}
	len = snprintf(line, sizeof line, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, line, len, 0) != len) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		close(fd);
		return (-1);
	}
	if (close(fd) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (-1);
	}
	return (0);
}

/* Go to the background. */
void
daemon_detach(void)
{
	if (daemon(0, 0) == -1)
		fatal("daemon");
}

/* Create the run directory if it does not exist, and check it. */
int
daemon_mkdir_run(const char *path, const char *user, char **cause)
{
	int	fd;

	if ((fd = fsafe_dir(path, fsafe_uid(user), FSAFE_MKDIR, 0755,
	    cause)) == -1)
		return (-1);
	close(fd);
	return (0);
}

/*
 * Switch to an unprivileged user once sockets are bound. Running as root
 * with no such user is refused rather than silently kept root; not being
 * root at all is fine (nothing to drop).
 */
int
daemon_drop_privs(const char *user, const char **cause)
{
	struct passwd	*pw;

	if (geteuid() != 0)
		return (0);
	if ((pw = getpwnam(user)) == NULL) {
		*cause = "no such user";
		return (-1);
	}
	if (pw->pw_uid == 0)
		return (0);	/* asked to stay root: nothing to drop */
	if (setgroups(1, &pw->pw_gid) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1) {
		*cause = "cannot change user";
		return (-1);
	}
	if (setuid(0) == 0) {
		*cause = "could regain root after dropping it";
		return (-1);
	}
	return (0);
}

/*
 * Read a secret key file, refusing one that others can read or that is not
 * a regular file (relayd's check_file_secrecy). Trailing newlines are part
 * of nothing: they are stripped, so `echo secret > file` works as expected.
 * The open never blocks (a FIFO would wait for a writer), follows no
 * symbolic link and takes no terminal; the type is then checked on the
 * descriptor itself, so nothing can be swapped in between.
 */
int
daemon_read_secret(const char *path, unsigned char *buf, size_t size,
    size_t *lenp, const char **cause)
{
	struct stat	 st;
	ssize_t		 n;
	int		 fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY);
	if (fd == -1) {
		*cause = errno == ENOENT ? "no such file" :
		    errno == EACCES ? "permission denied" :
		    errno == ELOOP ? "a symbolic link, not a regular file "
		    "(name the file itself)" :
		    errno == ENXIO ? "a socket or device, not a regular file" :
		    "cannot open";
		return (-1);
	}
	if (fstat(fd, &st) == -1) {
		*cause = "cannot stat";
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		switch (st.st_mode & S_IFMT) {
		case S_IFIFO:
			*cause = "a FIFO, not a regular file";
			break;
		case S_IFDIR:
			*cause = "a directory, not a regular file";
			break;
		case S_IFSOCK:
			*cause = "a socket, not a regular file";
			break;
		case S_IFCHR:
		case S_IFBLK:
			*cause = "a device, not a regular file";
			break;
		default:
			*cause = "not a regular file";
			break;
		}
		goto fail;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		*cause = "readable or writable by group or others "
		    "(chmod 600 it)";
		goto fail;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		*cause = "owned by another user";
		goto fail;
	}
	if ((n = read(fd, buf, size)) < 0) {
		*cause = "read error";
		goto fail;
	}
	if ((size_t)n == size) {
		*cause = "key file too large";
		goto fail;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if (n < 16) {
		*cause = "key shorter than 16 bytes";
		goto fail;
	}
	close(fd);
	*lenp = n;
	return (0);
fail:
	explicit_bzero(buf, size);
	close(fd);
	return (-1);
}
