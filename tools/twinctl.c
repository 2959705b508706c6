/*
 * twinctl.c: the administrator's tool: config check, status of both peers,
 * switch-over, PAC preview. Talks to the daemons over their control sockets.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "ctl.h"
#include "log.h"
#include "twinctl.h"
#include "xmalloc.h"

const char	*twinctl_cfgfile = CFG_DEFAULT_FILE;

static int	cmd_check(struct cfg *, int, char **);
static int	cmd_version(struct cfg *, int, char **);
static void	usage(void) __attribute__((noreturn));

static const struct twinctl_cmd cmds[] = {
	{ "check", "[-q] [-f file] [-p partner-file]", 0, cmd_check },
	{ "cache", "stats | purge URL", 1, twinctl_cache },
	{ "version", "", 0, cmd_version },
	{ "pac", "--client ADDR [-f file] [--down self|partner]", 0, twinctl_pac },
	{ "status", "", 1, twinctl_ha_status },
	{ "takeover", "[floating-ip]", 1, twinctl_ha_takeover },
	{ "release", "[floating-ip]", 1, twinctl_ha_release },
	{ "proxy", "stats", 1, twinctl_proxy },
	{ "lb", "show [CLUSTER] | servers | stats | flows CLUSTER | "
	    "persist CLUSTER | server CLUSTER SERVER "
	    "enable|disable|quiesce|maxconn N", 1, twinctl_lb },
	{ "center", "sites | site ID | events [--since TIME] | alarms | "
	    "register SITE FILE... | revoke SITE NAME | stats | dist-publish "
	    "FILE | dist-list | cert-revoke SERIAL", 1,
	    twinctl_center },
	{ "report", "status | dist-install FILE", 1, twinctl_report },
	{ NULL, NULL, 0, NULL }
};

/* Print usage and exit. */
static void
usage(void)
{
	const struct twinctl_cmd	*c;

	fprintf(stderr, "usage: twinctl [-f file] command [args]\n"
	    "commands:\n");
	for (c = cmds; c->name != NULL; c++)
		fprintf(stderr, "    %s %s\n", c->name, c->usage);
	exit(2);
}

/*
 * Check a config file: print every error and warning with file:line, and on
 * success the effective config (defaults filled in) unless -q. With -p, also
 * load the partner's file and check that the two make one pair. Exit 0 when
 * the file is usable, 1 when it has errors.
 */
static int
cmd_check(struct cfg *unused, int argc, char **argv)
{
	struct cfg_msgs	 msgs;
	struct cfg	*cfg, *pcfg;
	const char	*pfile = NULL;
	int		 ch, quiet = 0, nerr, rv = 0;

	optind = 1;
	while ((ch = getopt(argc, argv, "f:p:q")) != -1) {
		switch (ch) {
		case 'f':
			twinctl_cfgfile = optarg;
			break;
		case 'p':
			pfile = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	TAILQ_INIT(&msgs);
	cfg = cfg_load(twinctl_cfgfile, &msgs);
	cfg_msgs_print(stderr, &msgs);
	nerr = cfg_msgs_errors(&msgs);
	cfg_msgs_free(&msgs);
	if (cfg == NULL) {
		fprintf(stderr, "%s: %d error%s\n", twinctl_cfgfile, nerr,
		    nerr == 1 ? "" : "s");
		return (1);
	}
	if (!quiet)
		cfg_dump(stdout, cfg);
	fprintf(stderr, "%s: configuration OK\n", twinctl_cfgfile);
	if (pfile != NULL) {
		TAILQ_INIT(&msgs);
		pcfg = cfg_load(pfile, &msgs);
		cfg_msgs_print(stderr, &msgs);
		cfg_msgs_free(&msgs);
		if (pcfg == NULL) {
			fprintf(stderr, "%s: has errors\n", pfile);
			rv = 1;
		} else {
			if (twinctl_ha_pair_check(cfg, pcfg, pfile) != 0)
				rv = 1;
			cfg_free(pcfg);
		}
	}
	cfg_free(cfg);
	return (rv);
}

/* Print the version. */
static int
cmd_version(struct cfg *cfg, int argc, char **argv)
{
	printf("twinctl %s\n", PACKAGE_VERSION);
	return (0);
}

/*
 * Send <cmd> to daemon <name> of this peer and copy its answer to stdout.
 * Returns the exit status for twinctl.
 */
int
twinctl_daemon(struct cfg *cfg, const char *name, const char *cmd)
{
	char	*path, err[512];
	int	 rv;

	path = ctl_sockpath(cfg->peer.run_dir, name);
	rv = ctl_request(path, cmd, stdout, err, sizeof err, 5000);
	if (rv != 0)
		fprintf(stderr, "twinctl: %s: %s\n", name, err);
	free(path);
	return (rv == 0 ? 0 : 1);
}

int
main(int argc, char **argv)
{
	const struct twinctl_cmd	*c;
	struct cfg			*cfg = NULL;
	int				 ch, rv;

	log_init("twinctl", 1, 0);
	while ((ch = getopt(argc, argv, "+f:v")) != -1) {
		switch (ch) {
		case 'f':
			twinctl_cfgfile = optarg;
			break;
		case 'v':
			log_setverbose(1);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage();
	for (c = cmds; c->name != NULL; c++)
		if (strcmp(c->name, argv[0]) == 0)
			break;
	if (c->name == NULL) {
		fprintf(stderr, "twinctl: unknown command '%s'\n", argv[0]);
		usage();
	}
	if (c->needs_cfg)
		cfg = cfg_load_or_die(twinctl_cfgfile);
	rv = c->fn(cfg, argc, argv);
	cfg_free(cfg);
	return (rv);
}
