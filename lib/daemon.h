/* daemon.h: pidfile, detaching, privilege drop, secret files. */
#ifndef DAEMON_H
#define DAEMON_H

#include <stddef.h>

/* The flags every daemon takes: -d -v -n -f file. */
struct daemon_opts {
	const char	*name;		/* program name, for logs and sockets */
	const char	*cfgfile;	/* -f, default CFG_DEFAULT_FILE */
	int		 foreground;	/* -d: stay in front, log to stderr */
	int		 verbose;	/* -v: debug messages (repeatable) */
	int		 check_only;	/* -n: check the config, print it, exit */
};

void	daemon_getopt(struct daemon_opts *, const char *, int, char **);
/*
 * Write our pid to <path> (a file of a directory checked by fsafe.h for
 * <user>); -1 with *cause (allocated) if another live process holds it
 * or the file is not safe to write.
 */
int	daemon_pidfile(const char *, const char *, char **);
void	daemon_detach(void);
int	daemon_drop_privs(const char *, const char **);
int	daemon_read_secret(const char *, unsigned char *, size_t, size_t *,
	    const char **);
/*
 * Create the run directory if missing (mode 0755) and check it and those
 * above it (fsafe.h): root's or <user>'s, writable by no one else. -1
 * with *cause (allocated).
 */
int	daemon_mkdir_run(const char *, const char *, char **);

#endif
