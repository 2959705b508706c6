/* twinctl_lb.c: twinctl commands for twin-lb. */
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "ctl.h"
#include "twinctl.h"

static int	twinctl_lb_usage(void);

/* Print the usage of "lb" and return twinctl's usage status. */
static int
twinctl_lb_usage(void)
{
	fprintf(stderr, "usage: twinctl lb show [CLUSTER]\n"
	    "       twinctl lb servers\n"
	    "       twinctl lb server CLUSTER SERVER "
	    "enable|disable|quiesce|maxconn N\n"
	    "       twinctl lb stats\n"
	    "       twinctl lb flows CLUSTER\n"
	    "       twinctl lb persist CLUSTER\n");
	return (2);
}

/*
 * "lb show [CLUSTER]", "lb servers", "lb server CLUSTER SERVER ACTION
 * [N]", "lb stats", "lb flows CLUSTER", "lb persist CLUSTER": passed to twin-lb's control socket as they are (its
 * answer says what was wrong with the arguments).
 */
int
twinctl_lb(struct cfg *cfg, int argc, char **argv)
{
	char	cmd[CTL_MAXLINE];
	size_t	len = 0;
	int	i, n;

	if (argc < 2)
		return (twinctl_lb_usage());
	if (strcmp(argv[1], "show") == 0) {
		if (argc > 3)
			return (twinctl_lb_usage());
	} else if (strcmp(argv[1], "servers") == 0 ||
	    strcmp(argv[1], "stats") == 0) {
		if (argc != 2)
			return (twinctl_lb_usage());
	} else if (strcmp(argv[1], "flows") == 0 ||
	    strcmp(argv[1], "persist") == 0) {
		if (argc != 3)
			return (twinctl_lb_usage());
	} else if (strcmp(argv[1], "server") == 0) {
		if (argc < 5 || argc > 6)
			return (twinctl_lb_usage());
	} else
		return (twinctl_lb_usage());
	for (i = 1; i < argc; i++) {
		if (strpbrk(argv[i], " \t\r\n") != NULL || *argv[i] == '\0') {
			fprintf(stderr, "twinctl: lb: bad argument '%s'\n",
			    argv[i]);
			return (2);
		}
		n = snprintf(cmd + len, sizeof cmd - len, "%s%s",
		    i > 1 ? " " : "", argv[i]);
		if (n < 0 || (size_t)n >= sizeof cmd - len) {
			fprintf(stderr, "twinctl: lb: command too long\n");
			return (2);
		}
		len += n;
	}
	return (twinctl_daemon(cfg, "lb", cmd));
}
