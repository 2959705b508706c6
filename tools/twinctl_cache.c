/*
 * twinctl_cache.c: "twinctl cache stats" and "twinctl cache purge URL",
 * relayed to twin-proxy's control socket.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "twinctl.h"
#include "xmalloc.h"

/* Send a cache command to this peer's proxy. */
int
twinctl_cache(struct cfg *cfg, int argc, char **argv)
{
	char		*line;
	const char	*p;
	int		 rv;

	if (argc == 2 && strcmp(argv[1], "stats") == 0)
		return (twinctl_daemon(cfg, "proxy", "cache stats"));
	if (argc != 3 || strcmp(argv[1], "purge") != 0) {
		fprintf(stderr, "usage: twinctl cache stats | "
		    "twinctl cache purge URL\n");
		return (2);
	}
	/* The control protocol is one line of blank-separated words. */
	for (p = argv[2]; *p != '\0'; p++) {
		if (!isgraph((unsigned char)*p)) {
			fprintf(stderr, "twinctl: URL must not contain blanks "
			    "or control characters\n");
			return (2);
		}
	}
	if (strncmp(argv[2], "http://", 7) != 0 &&
	    strncmp(argv[2], "https://", 8) != 0) {
		fprintf(stderr, "twinctl: not an absolute http URL: %s\n",
		    argv[2]);
		return (2);
	}
	xasprintf(&line, "cache purge %s", argv[2]);
	rv = twinctl_daemon(cfg, "proxy", line);
	free(line);
	return (rv);
}
