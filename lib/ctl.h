/*
 * ctl.h: the control-socket protocol every daemon and twinctl share.
 *
 * A unix stream socket under the run directory (<rundir>/<daemon>.sock,
 * mode 0600). The client sends one command per line: words separated by
 * blanks. The daemon answers with any number of data lines and then one
 * final line, ".OK" or ".ERR <message>". Data lines that would start with
 * '.' are sent with a second '.' in front (dot-stuffing, as in SMTP).
 *
 * Bounds on the daemon side: 32 connections at once; a line of at most
 * CTL_MAXLINE; 10 s of silence either way closes a connection, and none
 * lives longer than 60 s; commands sent ahead of their answers wait
 * (and the socket is not read) while the answers queued are above the
 * high-water mark of flow.h. ctl_request() waits at most its timeout
 * for the whole answer.
 */
#ifndef CTL_H
#define CTL_H

#include <stdio.h>

#define CTL_MAXLINE	1024
#define CTL_MAXARGS	16

struct ctl_server;
struct ctl_conn;
struct event_base;

struct ctl_cmd {
	const char	*name;
	const char	*usage;
	/* Return 0 for ".OK", -1 for ".ERR" (with ctl_error's message). */
	int		(*fn)(struct ctl_conn *, int, char **, void *);
};

struct ctl_server *ctl_server_new(struct event_base *, const char *,
	    const struct ctl_cmd *, void *, const char **);
void	ctl_server_free(struct ctl_server *);
void	ctl_printf(struct ctl_conn *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	ctl_error(struct ctl_conn *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	ctl_request(const char *, const char *, FILE *, char *, size_t, int);
char	*ctl_sockpath(const char *, const char *);

#endif
