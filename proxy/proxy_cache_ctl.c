/*
 * proxy_cache_ctl.c: the cache's control-socket commands, for the proxy's
 * command table: "cache stats" and "cache purge URL".
 *
 * The proxy adds one entry { "cache", "stats | purge URL", fn } whose fn
 * calls cache_ctl() with its struct cache.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "proxy_cache.h"

/*
 * Format statistics as "name value" lines (one per line, stable names so
 * scripts can parse them). Returns the length snprintf would need.
 */
size_t
cache_stats_format(const struct cache_stats *s, char *buf, size_t len)
{
	uint64_t	 total = s->hits + s->misses;
	int		 n;

	n = snprintf(buf, len,
	    "objects %" PRIu64 "\n"
	    "bytes %" PRIu64 "\n"
	    "memory-objects %" PRIu64 "\n"
	    "memory-bytes %" PRIu64 "\n"
	    "disk-objects %" PRIu64 "\n"
	    "disk-bytes %" PRIu64 "\n"
	    "hits %" PRIu64 "\n"
	    "misses %" PRIu64 "\n"
	    "hit-ratio %.3f\n"
	    "stores %" PRIu64 "\n"
	    "evictions %" PRIu64 "\n"
	    "disk-rejected %" PRIu64 "\n",
	    s->objects, s->bytes,
	    s->mem_objects, s->mem_bytes, s->disk_objects, s->disk_bytes,
	    s->hits, s->misses, total ? (double)s->hits / total : 0.0,
	    s->stores, s->evictions, s->disk_rejected);
	return (n < 0 ? 0 : (size_t)n);
}

/*
 * Run a "cache" control command: argv[0] is "cache", argv[1] the
 * subcommand. Returns 0 (.OK) or -1 (.ERR, message set).
 */
int
cache_ctl(struct cache *c, struct ctl_conn *conn, int argc, char **argv)
{
	struct cache_stats	 s;
	char			 buf[1024];
	int			 i, n;

	if (c == NULL) {
		ctl_error(conn, "no cache configured");
		return (-1);
	}
	if (argc == 2 && strcmp(argv[1], "stats") == 0) {
		cache_get_stats(c, &s);
		cache_stats_format(&s, buf, sizeof buf);
		/* ctl_printf() splits lines and adds the last newline. */
		if ((n = strlen(buf)) > 0 && buf[n - 1] == '\n')
			buf[n - 1] = '\0';
		ctl_printf(conn, "%s", buf);
		for (i = 0; i < CACHE_NCODES; i++)
			if (s.codes[i] > 0)
				ctl_printf(conn, "code %s %" PRIu64,
				    cache_code_name(i), s.codes[i]);
		return (0);
	}
	if (argc == 3 && strcmp(argv[1], "purge") == 0) {
		if ((n = cache_purge(c, argv[2])) == -1) {
			ctl_error(conn, "not an absolute http URL: %s",
			    argv[2]);
			return (-1);
		}
		ctl_printf(conn, "purged %d object%s", n, n == 1 ? "" : "s");
		return (0);
	}
	ctl_error(conn, "usage: cache stats | cache purge URL");
	return (-1);
}
