/*
 * twinctl_ha.c: twinctl commands for the HA monitor: status, takeover,
 * release. Each sends one command to twin-ha's control socket.
 */
#include <stdio.h>

#include "cfg.h"
#include "twinctl.h"

/* Show both servers' roles, the last heartbeat and the counters. */
int
twinctl_ha_status(struct cfg *cfg, int argc, char **argv)
{
	if (argc != 1) {
		fprintf(stderr, "usage: twinctl status\n");
		return (2);
	}
	return (twinctl_daemon(cfg, "ha", "status"));
}

/* Make this server active; the partner releases the floating IP. */
int
twinctl_ha_takeover(struct cfg *cfg, int argc, char **argv)
{
	if (argc != 1) {
		fprintf(stderr, "usage: twinctl takeover\n");
		return (2);
	}
	return (twinctl_daemon(cfg, "ha", "takeover"));
}

/* Hand the floating IP to the partner. */
int
twinctl_ha_release(struct cfg *cfg, int argc, char **argv)
{
	if (argc != 1) {
		fprintf(stderr, "usage: twinctl release\n");
		return (2);
	}
	return (twinctl_daemon(cfg, "ha", "release"));
}
