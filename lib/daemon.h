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
int	daemon_pidfile(const char *);
void	daemon_detach(void);
int	daemon_drop_privs(const char *, const char **);
int	daemon_read_secret(const char *, unsigned char *, size_t, size_t *,
	    const char **);
int	daemon_mkdir_run(const char *);

#endif
