/* twinctl_proxy.c: twinctl commands for twin-proxy. */
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "twinctl.h"

/* "proxy stats": print twin-proxy's counters. */
int
twinctl_proxy(struct cfg *cfg, int argc, char **argv)
{
	if (argc != 2 || strcmp(argv[1], "stats") != 0) {
		fprintf(stderr, "usage: twinctl proxy stats\n");
		return (2);
	}
	return (twinctl_daemon(cfg, "proxy", "stats"));
}
