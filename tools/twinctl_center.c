/*
 * twinctl_center.c: "twinctl center ..." for the monitoring center's
 * control socket (twin-monitord, center.sock), and "twinctl report
 * status" for a peer's agent (twin-report, report.sock).
 *
 * Registration reads each device ID file here, on the center's host, and
 * sends only the SHA-256 of the ID: the ID never crosses the control
 * socket and the center's database holds no credential. A file that does
 * not exist yet is created with a new random ID (mode 0600), for devices
 * whose ID is made at the center and installed with the site's
 * certificate.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "ctl.h"
#include "monitor/mon_auth.h"
#include "monitor/mon_gw.h"
#include "monitor/mon_report.h"
#include "twinctl.h"
#include "xmalloc.h"

static void	center_usage(void) __attribute__((noreturn));
static int	center_since(const char *, uint64_t *);
static int	center_register(struct cfg *, int, char **);
static int	center_events(struct cfg *, int, char **);
static int	center_file(struct cfg *, const char *, const char *,
		    const char *);
static int	center_connect(struct cfg *, int, char **);

/*
 * "<cmd> FILE" to <daemon>: the file named absolutely, for the daemon
 * runs in a folder of its own.
 */
static int
center_file(struct cfg *cfg, const char *daemon, const char *cmd,
    const char *file)
{
	char	path[PATH_MAX], *line;
	int	rv;

	if (realpath(file, path) == NULL) {
		fprintf(stderr, "twinctl: %s: %s\n", file, strerror(errno));
		return (1);
	}
	if (strpbrk(path, " \t\n\"'\\") != NULL) {
		fprintf(stderr, "twinctl: %s: a path with spaces or quotes\n",
		    path);
		return (2);
	}
	xasprintf(&line, "%s %s", cmd, path);
	rv = twinctl_daemon(cfg, daemon, line);
	free(line);
	return (rv);
}

static void
center_usage(void)
{
	fprintf(stderr, "usage: twinctl center sites\n"
	    "       twinctl center site ID\n"
	    "       twinctl center events [--since TIME] [--limit N]\n"
	    "       twinctl center alarms [--all]\n"
	    "       twinctl center register SITE [NAME=]DEVICE-ID-FILE...\n"
	    "       twinctl center revoke SITE NAME\n"
	    "       twinctl center stats\n"
	    "       twinctl center dist-publish BUNDLE-FILE\n"
	    "       twinctl center dist-list\n"
	    "       twinctl center cert-revoke SERIAL\n"
	    "       twinctl center connect [-a CA-FILE] [-c CERT] "
	    "[-i ID-FILE] [-s HOST:PORT]\n"
	    "                      SITE PEER PORT|ADDRESS:PORT\n");
	exit(2);
}

/*
 * TIME as --since takes it: a UTC time "2024-05-01T10:00:00Z" (with or
 * without milliseconds), or a duration back from now ("10m", "2h").
 */
static int
center_since(const char *s, uint64_t *ms)
{
	struct timespec	 ts;
	const char	*cause;
	char		 buf[MON_TIME_LEN + 1];
	uint64_t	 d, now;
	size_t		 n = strlen(s);

	if (mon_time_parse(s, n, ms) == 0)
		return (0);
	if (n == 20 && s[19] == 'Z') {
		snprintf(buf, sizeof buf, "%.19s.000Z", s);
		if (mon_time_parse(buf, strlen(buf), ms) == 0)
			return (0);
	}
	if (cfg_parse_duration(s, &d, &cause) == -1)
		return (-1);
	clock_gettime(CLOCK_REALTIME, &ts);
	now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	*ms = d < now ? now - d : 0;
	return (0);
}

static int
center_events(struct cfg *cfg, int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 }
	};
	const char			*errstr;
	char				*line;
	uint64_t			 since = 0;
	long long			 limit = 0;
	int				 ch, has = 0, rv;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "s:l:", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			if (center_since(optarg, &since) == -1) {
				fprintf(stderr, "twinctl: --since %s: not a "
				    "time (2024-05-01T10:00:00Z) nor a "
				    "duration (10m, 2h)\n", optarg);
				return (2);
			}
			has = 1;
			break;
		case 'l':
			limit = strtonum(optarg, 1, 100000, &errstr);
			if (errstr != NULL) {
				fprintf(stderr, "twinctl: --limit %s: %s\n",
				    optarg, errstr);
				return (2);
			}
			break;
		default:
			center_usage();
		}
	}
	if (optind != argc)
		center_usage();
	if (has)
		xasprintf(&line, "events %llu %lld", (unsigned long long)since,
		    limit > 0 ? limit : 100000);
	else
		xasprintf(&line, "events last %lld", limit > 0 ? limit : 100);
	rv = twinctl_daemon(cfg, "center", line);
	free(line);
	return (rv);
}

/*
 * register SITE [NAME=]FILE...: a device's name is NAME, or the file's
 * name up to its first '.' ("a.device-id" is device a).
 */
static int
center_register(struct cfg *cfg, int argc, char **argv)
{
	uint8_t		 hash[MON_DEVID_HASHLEN];
	char		 id[MON_DEVID_HEXLEN + 1], buf[PATH_MAX];
	char		 name[MON_NAME_MAX + 1], line[CTL_MAXLINE], *cause;
	char		*path, *eq, *base;
	size_t		 j, off;
	int		 i, n;

	/* Seven devices fit one command line with their hashes. */
	if (argc < 4 || argc - 3 > 7)
		center_usage();
	if (!mon_site_valid(argv[2])) {
		fprintf(stderr, "twinctl: '%s' is not a site ID (lowercase "
		    "letters, digits, '-', at most 63)\n", argv[2]);
		return (2);
	}
	off = (size_t)snprintf(line, sizeof line, "register %s", argv[2]);
	for (i = 3; i < argc; i++) {
		if ((eq = strchr(argv[i], '=')) != NULL) {
			snprintf(name, sizeof name, "%.*s",
			    (int)(eq - argv[i]), argv[i]);
			path = eq + 1;
		} else {
			path = argv[i];
			strlcpy(buf, path, sizeof buf);
			base = basename(buf);
			snprintf(name, sizeof name, "%.*s",
			    (int)strcspn(base, "."), base);
		}
		if (!mon_name_valid(name)) {
			fprintf(stderr, "twinctl: %s: '%s' is not a device "
			    "name (letters, digits, - _ ., at most 64); "
			    "write NAME=FILE\n", argv[i], name);
			return (2);
		}
		if (access(path, F_OK) == -1) {
			if (mon_devid_generate(path, id, sizeof id,
			    &cause) == -1) {
				fprintf(stderr, "twinctl: %s\n", cause);
				return (1);
			}
			fprintf(stderr, "twinctl: %s: new device ID for "
			    "device %s (install this file on the device)\n",
			    path, name);
		} else if (mon_devid_read(path, id, sizeof id, &cause) == -1) {
			fprintf(stderr, "twinctl: %s\n", cause);
			return (1);
		}
		mon_devid_hash_str(id, hash);
		explicit_bzero(id, sizeof id);
		n = snprintf(line + off, sizeof line - off, " %s ", name);
		if (n < 0 || (size_t)n >= sizeof line - off)
			goto toolong;
		off += (size_t)n;
		for (j = 0; j < MON_DEVID_HASHLEN; j++) {
			if (off + 3 > sizeof line)
				goto toolong;
			snprintf(line + off, 3, "%02x", hash[j]);
			off += 2;
		}
	}
	return (twinctl_daemon(cfg, "center", line));
toolong:
	fprintf(stderr, "twinctl: too many devices for one command\n");
	return (2);
}

/*
 * connect: a gateway session to a TCP service of a site's peer, on
 * standard input and output (an ssh ProxyCommand). The center is the
 * first operator-listen address unless -s names it.
 */
static int
center_connect(struct cfg *cfg, int argc, char **argv)
{
	struct mon_gw_op_params	 p;
	char			 hp[ADDR_STRLEN];
	int			 ch;

	memset(&p, 0, sizeof p);
	p.cafile = cfg->center.ca_file;
	p.cert = "/etc/twinproxy/operator.pem";
	p.idfile = "/etc/twinproxy/operator-id";
	if (cfg->center.noperator_listen > 0)
		p.center = addr_fmt(&cfg->center.operator_listen[0], hp,
		    sizeof hp);
	optind = 1;
	while ((ch = getopt(argc, argv, "a:c:i:s:")) != -1) {
		switch (ch) {
		case 'a':
			p.cafile = optarg;
			break;
		case 'c':
			p.cert = optarg;
			break;
		case 'i':
			p.idfile = optarg;
			break;
		case 's':
			p.center = optarg;
			break;
		default:
			center_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 3)
		center_usage();
	if (p.center == NULL) {
		fprintf(stderr, "twinctl: no operator-listen in the center "
		    "block: name the center with -s HOST:PORT\n");
		return (2);
	}
	if (!mon_site_valid(argv[0]) || !mon_name_valid(argv[1]) ||
	    strlen(argv[2]) > MON_GW_TARGET_MAX ||
	    strspn(argv[2], "0123456789abcdefABCDEF.:[]") != strlen(argv[2])) {
		fprintf(stderr, "twinctl: connect SITE PEER TARGET: not a "
		    "site ID, a device name, or PORT or ADDRESS:PORT\n");
		return (2);
	}
	p.site = argv[0];
	p.peer = argv[1];
	p.target = argv[2];
	p.in = 0;
	p.out = 1;
	return (mon_gw_op_run(&p));
}

/* twinctl center COMMAND ... */
int
twinctl_center(struct cfg *cfg, int argc, char **argv)
{
	char	*line;
	int	 rv;

	if (argc < 2)
		center_usage();
	if (strcmp(argv[1], "sites") == 0 && argc == 2)
		return (twinctl_daemon(cfg, "center", "sites"));
	if (strcmp(argv[1], "stats") == 0 && argc == 2)
		return (twinctl_daemon(cfg, "center", "stats"));
	if (strcmp(argv[1], "site") == 0 && argc == 3) {
		if (!mon_site_valid(argv[2])) {
			fprintf(stderr, "twinctl: '%s' is not a site ID\n",
			    argv[2]);
			return (2);
		}
		xasprintf(&line, "site %s", argv[2]);
		rv = twinctl_daemon(cfg, "center", line);
		free(line);
		return (rv);
	}
	if (strcmp(argv[1], "events") == 0)
		return (center_events(cfg, argc - 1, argv + 1));
	if (strcmp(argv[1], "alarms") == 0 && (argc == 2 || (argc == 3 &&
	    strcmp(argv[2], "--all") == 0)))
		return (twinctl_daemon(cfg, "center", argc == 3 ?
		    "alarms all" : "alarms"));
	if (strcmp(argv[1], "register") == 0)
		return (center_register(cfg, argc, argv));
	if (strcmp(argv[1], "dist-list") == 0 && argc == 2)
		return (twinctl_daemon(cfg, "center", "dist-list"));
	if (strcmp(argv[1], "dist-publish") == 0 && argc == 3)
		return (center_file(cfg, "center", "dist-publish", argv[2]));
	if (strcmp(argv[1], "cert-revoke") == 0 && argc == 3 &&
	    strlen(argv[2]) <= 64 && strspn(argv[2], "0123456789abcdefABCDEF")
	    == strlen(argv[2])) {
		xasprintf(&line, "cert-revoke %s", argv[2]);
		rv = twinctl_daemon(cfg, "center", line);
		free(line);
		return (rv);
	}
	if (strcmp(argv[1], "connect") == 0)
		return (center_connect(cfg, argc - 1, argv + 1));
	if (strcmp(argv[1], "revoke") == 0 && argc == 4) {
		if (!mon_site_valid(argv[2]) || !mon_name_valid(argv[3])) {
			fprintf(stderr, "twinctl: revoke SITE NAME: not a site "
			    "ID or not a device name\n");
			return (2);
		}
		xasprintf(&line, "revoke %s %s", argv[2], argv[3]);
		rv = twinctl_daemon(cfg, "center", line);
		free(line);
		return (rv);
	}
	center_usage();
}

/* twinctl report status: this peer's agent. */
int
twinctl_report(struct cfg *cfg, int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "dist-install") == 0)
		return (center_file(cfg, "report", "dist-install", argv[2]));
	if (argc != 2 || strcmp(argv[1], "status") != 0) {
		fprintf(stderr, "usage: twinctl report status\n"
		    "       twinctl report dist-install BUNDLE-FILE\n");
		return (2);
	}
	return (twinctl_daemon(cfg, "report", "status"));
}
