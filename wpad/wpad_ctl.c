/*
 * wpad_ctl.c: the control socket of twin-wpad (<run-dir>/wpad.sock):
 * status, and the script the running server gives a client.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "daemon.h"
#include "ev.h"
#include "log.h"
#include "wpad.h"
#include "xmalloc.h"

static int	ctl_status(struct ctl_conn *, int, char **, void *);
static int	ctl_pac(struct ctl_conn *, int, char **, void *);
static int	ctl_reload(struct ctl_conn *, int, char **, void *);

static const struct ctl_cmd wpad_ctl_cmds[] = {
	{ "status", "", ctl_status },
	{ "pac", "ADDR", ctl_pac },
	{ "reload", "", ctl_reload },
	{ NULL, NULL, NULL }
};

/* Print the proxies, their health and what was served. */
static int
ctl_status(struct ctl_conn *c, int argc, char **argv, void *arg)
{
	struct wpad	*w = arg;
	int		 i;

	ctl_printf(c, "script: %s", w->pac.variant == PAC_MY_IP_ADDRESS ?
	    "my-ip-address" : "per-client");
	ctl_printf(c, "balance: %s", w->pac.balance ? "yes" : "no");
	for (i = 0; i < w->pac.nproxy; i++)
		ctl_printf(c, "proxy %s (%s): %s, %s", w->pac.proxy[i],
		    i == WPAD_SELF ? "this peer" : "partner",
		    !w->probe[i].known ? "unknown" :
		    w->probe[i].up ? "up" : "down", w->probe[i].why);
	if (w->pac.variant == PAC_PER_CLIENT) {
		ctl_printf(c, "even clients: %s", w->pac.result[WPAD_EVEN]);
		ctl_printf(c, "odd clients: %s", w->pac.result[WPAD_ODD]);
	}
	ctl_printf(c, "served: %llu even, %llu odd, %llu not found",
	    (unsigned long long)w->nserved[WPAD_EVEN],
	    (unsigned long long)w->nserved[WPAD_ODD],
	    (unsigned long long)w->nnotfound);
	ctl_printf(c, "reloads: %llu", (unsigned long long)w->nreload);
	return (0);
}

/* Print the script the server gives client ADDR now, and why. */
static int
ctl_pac(struct ctl_conn *c, int argc, char **argv, void *arg)
{
	struct wpad	*w = arg;
	struct addr	 a;
	const char	*cause;
	char		 why[512], *line, *copy, *next;
	int		 i;

	if (argc != 2) {
		ctl_error(c, "usage: pac ADDR");
		return (-1);
	}
	if (addr_parse(argv[1], &a, &cause) == -1) {
		ctl_error(c, "%s: %s", argv[1], cause);
		return (-1);
	}
	ctl_printf(c, "// %s", wpad_pac_reason(&w->pac, &a, why, sizeof why));
	i = wpad_pac_select(&w->pac, &a);
	copy = xstrdup(w->pac.script[i]);
	for (line = copy; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		ctl_printf(c, "%s", line);
	}
	free(copy);
	return (0);
}

/* Reload the config, as SIGHUP does. */
static int
ctl_reload(struct ctl_conn *c, int argc, char **argv, void *arg)
{
	if (wpad_reload(arg) == -1) {
		ctl_error(c, "reload failed; the running configuration stays "
		    "(see the log)");
		return (-1);
	}
	return (0);
}

/* Open the control socket under the run directory. */
void
wpad_ctl_start(struct wpad *w)
{
	const char	*cause;
	char		*path, *ccause;

	if (daemon_mkdir_run(w->cfg->peer.run_dir, w->cfg->peer.user,
	    &ccause) == -1)
		fatalx("run directory: %s", ccause);
	path = ctl_sockpath(w->cfg->peer.run_dir, "wpad");
	if ((w->ctl = ctl_server_new(w->base, path, wpad_ctl_cmds, w,
	    &cause)) == NULL)
		fatalx("control socket %s: %s", path, cause);
	log_info("control socket %s", path);
	free(path);
}
