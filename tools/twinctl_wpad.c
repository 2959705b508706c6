/*
 * twinctl_wpad.c: `twinctl pac`, the PAC script a client would get, worked
 * out offline from the config file (no daemon needed).
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "twinctl.h"
#include "wpad/wpad.h"

static void	pac_usage(void) __attribute__((noreturn));

/* Print usage of the pac command and exit. */
static void
pac_usage(void)
{
	fprintf(stderr, "usage: twinctl pac --client ADDR [-f file] "
	    "[--down self|partner]...\n");
	exit(2);
}

/*
 * Print the script client ADDR would get from this peer's twin-wpad, with
 * leading comment lines (valid JavaScript, so the output can be fed to a
 * PAC evaluator as is) saying which proxy comes first and why. --down
 * marks a proxy down, as the server does when its probe fails.
 */
int
twinctl_pac(struct cfg *unused, int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "client", required_argument, NULL, 'c' },
		{ "down", required_argument, NULL, 'D' },
		{ "file", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct wpad_pac			 pac;
	struct cfg			*cfg;
	struct addr			 client;
	const char			*cause, *caddr = NULL;
	char				 why[512];
	int				 ch, down[WPAD_NPROXY] = { 0, 0 }, i;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:D:f:", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'c':
			caddr = optarg;
			break;
		case 'D':
			if (strcmp(optarg, "self") == 0)
				down[WPAD_SELF] = 1;
			else if (strcmp(optarg, "partner") == 0)
				down[WPAD_PARTNER] = 1;
			else
				pac_usage();
			break;
		case 'f':
			twinctl_cfgfile = optarg;
			break;
		default:
			pac_usage();
		}
	}
	if (optind != argc || caddr == NULL)
		pac_usage();
	if (addr_parse(caddr, &client, &cause) == -1) {
		fprintf(stderr, "twinctl: --client %s: %s\n", caddr, cause);
		return (2);
	}
	cfg = cfg_load_or_die(twinctl_cfgfile);
	if (!cfg->wpad.blk.present) {
		fprintf(stderr, "twinctl: %s: no wpad block\n",
		    twinctl_cfgfile);
		cfg_free(cfg);
		return (1);
	}
	if (wpad_pac_build(&pac, &cfg->wpad, down, &cause) == -1) {
		fprintf(stderr, "twinctl: generated script fails the "
		    "built-in check: %s\n", cause);
		cfg_free(cfg);
		return (1);
	}
	i = wpad_pac_select(&pac, &client);
	printf("// twinctl pac --client %s (%s, peer %s)\n", caddr,
	    twinctl_cfgfile, cfg->peer.name != NULL ? cfg->peer.name : "-");
	printf("// %s\n", wpad_pac_reason(&pac, &client, why, sizeof why));
	if (pac.variant == PAC_PER_CLIENT)
		printf("// proxy order: %s\n", pac.result[i]);
	fwrite(pac.script[i], 1, pac.len[i], stdout);
	wpad_pac_free(&pac);
	cfg_free(cfg);
	return (0);
}
