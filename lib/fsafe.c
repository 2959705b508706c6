/*
 * fsafe.c: files and directories opened where a less privileged user
 * could have been first (fsafe.h).
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsafe.h"
#include "xmalloc.h"

static const char *fsafe_name(uid_t, char *, size_t);
static int	fsafe_check(const char *, const struct stat *, uid_t, int,
		    char **);
static char	*fsafe_resolve(const char *, int);

/* Name a uid for a message. */
static const char *
fsafe_name(uid_t uid, char *buf, size_t len)
{
	struct passwd	*pw;

	if ((pw = getpwuid(uid)) != NULL)
		snprintf(buf, len, "%s", pw->pw_name);
	else
		snprintf(buf, len, "uid %u", (unsigned)uid);
	return (buf);
}

/* Return the uid of a user, or (uid_t)-1. */
uid_t
fsafe_uid(const char *user)
{
	struct passwd	*pw;

	if (user == NULL || (pw = getpwnam(user)) == NULL)
		return ((uid_t)-1);
	return (pw->pw_uid);
}

/*
 * Check one directory of a path (st describes it): who owns it and who
 * else may write in it. <private> for the last one of a private path.
 */
static int
fsafe_check(const char *path, const struct stat *st, uid_t user, int private,
    char **cause)
{
	char	 owner[64], me[64];
	uid_t	 euid = geteuid();

	if (!S_ISDIR(st->st_mode)) {
		xasprintf(cause, "%s: not a directory", path);
		return (-1);
	}
	if (private) {
		if (st->st_uid != euid) {
			xasprintf(cause, "%s: owned by %s, not by %s (the user "
			    "this daemon runs as)", path, fsafe_name(st->st_uid,
			    owner, sizeof owner), fsafe_name(euid, me,
			    sizeof me));
			return (-1);
		}
		if (st->st_mode & (S_IWGRP | S_IWOTH)) {
			xasprintf(cause, "%s: writable by group or others "
			    "(mode %04o): they could plant files this daemon "
			    "trusts; chmod go-w it", path,
			    (unsigned)(st->st_mode & 07777));
			return (-1);
		}
		return (0);
	}
	if (st->st_uid != 0 && st->st_uid != euid && st->st_uid != user) {
		xasprintf(cause, "%s: owned by %s, neither root nor %s", path,
		    fsafe_name(st->st_uid, owner, sizeof owner),
		    fsafe_name(user != (uid_t)-1 ? user : euid, me, sizeof me));
		return (-1);
	}
	/* Sticky: others may add names, but not replace ours. */
	if (st->st_mode & S_ISVTX)
		return (0);
	if (st->st_mode & S_IWOTH) {
		xasprintf(cause, "%s: writable by everyone (mode %04o); chmod "
		    "o-w it (or make it sticky)", path,
		    (unsigned)(st->st_mode & 07777));
		return (-1);
	}
	if ((st->st_mode & S_IWGRP) && st->st_gid != 0) {
		xasprintf(cause, "%s: writable by its group (mode %04o, gid "
		    "%u); chmod g-w it", path, (unsigned)(st->st_mode & 07777),
		    (unsigned)st->st_gid);
		return (-1);
	}
	return (0);
}

/*
 * Return the absolute path of directory <path> with the links above it
 * resolved (allocated); with <missing_ok>, its last component need not
 * exist yet. NULL with errno.
 */
static char *
fsafe_resolve(const char *path, int missing_ok)
{
	char	*real, *copy, *slash, *parent, *out;

	if ((real = realpath(path, NULL)) != NULL || errno != ENOENT ||
	    !missing_ok)
		return (real);
	copy = xstrdup(path);
	while ((slash = strrchr(copy, '/')) != NULL && slash[1] == '\0' &&
	    slash != copy)
		*slash = '\0';
	if ((slash = strrchr(copy, '/')) == NULL) {
		parent = realpath(".", NULL);
		slash = copy - 1;
	} else if (slash == copy)
		parent = xstrdup("/");
	else {
		*slash = '\0';
		parent = realpath(copy, NULL);
	}
	if (parent == NULL) {
		free(copy);
		return (NULL);
	}
	xasprintf(&out, "%s%s%s", parent, strcmp(parent, "/") == 0 ? "" : "/",
	    slash + 1);
	free(parent);
	free(copy);
	return (out);
}

/* Check (and perhaps make) a directory and those above it. */
int
fsafe_dir(const char *path, uid_t user, int flags, mode_t mode, char **cause)
{
	struct stat	 st;
	char		*real, *p, *next, *sofar = NULL;
	int		 fd, nfd, last;

	if ((real = fsafe_resolve(path, flags & FSAFE_MKDIR)) == NULL) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if ((fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		xasprintf(cause, "/: %s", strerror(errno));
		goto fail;
	}
	last = strcmp(real, "/") == 0;
	if (fsafe_check("/", &st, user, last && (flags & FSAFE_PRIVATE),
	    cause) == -1)
		goto fail;
	sofar = xstrdup("");
	for (p = real + 1; *p != '\0'; p = next) {
		if ((next = strchr(p, '/')) != NULL)
			*next++ = '\0';
		else
			next = p + strlen(p);
		last = *next == '\0';
		free(sofar);
		xasprintf(&sofar, "%.*s", (int)(p + strlen(p) - real), real);
		nfd = openat(fd, p, O_PATH | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (nfd == -1 && errno == ENOENT && last &&
		    (flags & FSAFE_MKDIR)) {
			if (mkdirat(fd, p, mode) == -1 && errno != EEXIST) {
				xasprintf(cause, "%s: cannot create: %s", sofar,
				    strerror(errno));
				goto fail;
			}
			nfd = openat(fd, p, O_PATH | O_DIRECTORY | O_NOFOLLOW |
			    O_CLOEXEC);
		}
		if (nfd == -1) {
			xasprintf(cause, "%s: %s", sofar, errno == ELOOP ||
			    errno == ENOTDIR ? "not a directory (a symbolic "
			    "link put there since?)" : strerror(errno));
			goto fail;
		}
		close(fd);
		fd = nfd;
		if (fstat(fd, &st) == -1) {
			xasprintf(cause, "%s: %s", sofar, strerror(errno));
			goto fail;
		}
		/* Put the separator back for the next message. */
		if (!last)
			next[-1] = '/';
		if (fsafe_check(sofar, &st, user, last &&
		    (flags & FSAFE_PRIVATE), cause) == -1)
			goto fail;
	}
	free(sofar);
	free(real);
	return (fd);
fail:
	if (fd != -1)
		close(fd);
	free(sofar);
	free(real);
	return (-1);
}

/* Open a file of a checked directory and check the file. */
int
fsafe_open(const char *path, int flags, mode_t mode, uid_t user,
    char **cause)
{
	struct stat	 st;
	char		*dir, *base, *slash, owner[64], me[64];
	int		 dfd, fd, fl;

	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) == NULL) {
		base = dir;
		dir = xstrdup(".");
	} else {
		base = xstrdup(slash + 1);
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	fd = -1;
	if (*base == '\0' || strcmp(base, ".") == 0 ||
	    strcmp(base, "..") == 0) {
		xasprintf(cause, "%s: not a file name", path);
		goto out;
	}
	if ((dfd = fsafe_dir(dir, user, 0, 0, cause)) == -1)
		goto out;
	/* No link followed, no terminal taken, no wait for a FIFO writer. */
	fd = openat(dfd, base, flags | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC |
	    O_NONBLOCK, mode);
	close(dfd);
	if (fd == -1) {
		xasprintf(cause, "%s: %s", path, errno == ELOOP ? "a symbolic "
		    "link; refused (name the file itself)" : strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		xasprintf(cause, "%s: not a regular file", path);
		goto fail;
	}
	if (st.st_nlink > 1) {
		xasprintf(cause, "%s: has %lu hard links; refused (another "
		    "name of it could be any file)", path,
		    (unsigned long)st.st_nlink);
		goto fail;
	}
	if (st.st_uid != geteuid()) {
		xasprintf(cause, "%s: owned by %s, not by %s (the user this "
		    "daemon runs as)", path, fsafe_name(st.st_uid, owner,
		    sizeof owner), fsafe_name(geteuid(), me, sizeof me));
		goto fail;
	}
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		goto fail;
	}
	goto out;
fail:
	close(fd);
	fd = -1;
out:
	free(dir);
	free(base);
	return (fd);
}
