/*
 * check_probe.c: run one health checker (lib/check.h) and print what it
 * reports, for the integration scenarios. Not installed.
 *
 * usage: check_probe [-k tcp|acv|icmp] [-i ms] [-t ms] [-r rise]
 *            [-f fall] [-s source] [-m auto|ping|raw] [-S send]
 *            [-E expect] [-T ms] [-n results] address [port]
 *
 * Prints "result ok|fail: REASON" for every round and "state FROM -> TO:
 * REASON" for every change, and exits 0 after -T ms (default 30000) or
 * -n results, whichever comes first.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "ev.h"
#include "log.h"

static struct event_base	*base;
static long long		 nleft = -1;

static void	probe_result_cb(void *, int, const char *);
static void	probe_state_cb(void *, enum check_state, enum check_state,
		    const char *);
static void	probe_end_cb(evutil_socket_t, short, void *);
static long long probe_num(const char *, long long, long long);
static size_t	probe_unescape(char *);
static void	usage(void) __attribute__((noreturn));

static void
usage(void)
{
	fprintf(stderr, "usage: check_probe [-k tcp|acv|icmp] [-i ms] "
	    "[-t ms] [-r rise] [-f fall] [-s source] [-m auto|ping|raw] "
	    "[-S send] [-E expect] [-T ms] [-n results] address [port]\n");
	exit(2);
}

/* Parse a number of option <opt> within bounds, or exit. */
static long long
probe_num(const char *s, long long lo, long long hi)
{
	const char	*err;
	long long	 n;

	n = strtonum(s, lo, hi, &err);
	if (err != NULL) {
		fprintf(stderr, "check_probe: %s: %s\n", s, err);
		exit(2);
	}
	return (n);
}

/* Turn \r, \n, \t and \\ into bytes in place; return the length. */
static size_t
probe_unescape(char *s)
{
	char	*r, *w;

	for (r = w = s; *r != '\0'; r++) {
		if (*r != '\\' || r[1] == '\0') {
			*w++ = *r;
			continue;
		}
		r++;
		*w++ = *r == 'r' ? '\r' : *r == 'n' ? '\n' : *r == 't' ?
		    '\t' : *r;
	}
	*w = '\0';
	return ((size_t)(w - s));
}

static void
probe_result_cb(void *arg, int ok, const char *reason)
{
	printf("result %s: %s\n", ok ? "ok" : "fail", reason);
	if (nleft > 0 && --nleft == 0)
		event_base_loopbreak(base);
}

static void
probe_state_cb(void *arg, enum check_state from, enum check_state to,
    const char *reason)
{
	printf("state %s -> %s: %s\n", check_state_name(from),
	    check_state_name(to), reason);
}

static void
probe_end_cb(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(base);
}

int
main(int argc, char **argv)
{
	struct check_conf	 conf;
	struct check		*c;
	struct event		*end;
	struct timeval		 tv;
	const char		*err;
	char			*cause;
	long long		 runtime = 30000;
	int			 ch;

	setvbuf(stdout, NULL, _IOLBF, 0);
	log_init("check_probe", 1, 0);
	memset(&conf, 0, sizeof conf);
	conf.kind = CHECK_TCP;
	conf.fsm.interval = 1000;
	conf.fsm.timeout = 500;
	conf.fsm.rise = conf.fsm.fall = 1;
	conf.fsm.initial = CHECK_UNKNOWN;
	conf.result_cb = probe_result_cb;
	while ((ch = getopt(argc, argv, "E:f:i:k:m:n:r:S:s:T:t:")) != -1) {
		switch (ch) {
		case 'E':
			conf.expect = optarg;
			conf.expectlen = probe_unescape(optarg);
			break;
		case 'f':
			conf.fsm.fall = probe_num(optarg, 1, 1000);
			break;
		case 'i':
			conf.fsm.interval = probe_num(optarg, 1, 3600000);
			break;
		case 'k':
			if (strcmp(optarg, "tcp") == 0)
				conf.kind = CHECK_TCP;
			else if (strcmp(optarg, "acv") == 0)
				conf.kind = CHECK_ACV;
			else if (strcmp(optarg, "icmp") == 0)
				conf.kind = CHECK_ICMP;
			else
				usage();
			break;
		case 'm':
			if (strcmp(optarg, "auto") == 0)
				conf.icmp_sock = CHECK_ICMP_AUTO;
			else if (strcmp(optarg, "ping") == 0)
				conf.icmp_sock = CHECK_ICMP_PING;
			else if (strcmp(optarg, "raw") == 0)
				conf.icmp_sock = CHECK_ICMP_RAW;
			else
				usage();
			break;
		case 'n':
			nleft = probe_num(optarg, 1, 1000000);
			break;
		case 'r':
			conf.fsm.rise = probe_num(optarg, 1, 1000);
			break;
		case 'S':
			conf.send = optarg;
			conf.sendlen = probe_unescape(optarg);
			break;
		case 's':
			if (addr_parse(optarg, &conf.source, &err) == -1) {
				fprintf(stderr, "check_probe: %s: %s\n",
				    optarg, err);
				exit(2);
			}
			break;
		case 'T':
			runtime = probe_num(optarg, 1, 3600000);
			break;
		case 't':
			conf.fsm.timeout = probe_num(optarg, 1, 3600000);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || argc > 2)
		usage();
	conf.host = argv[0];
	if (argc == 2)
		conf.port = probe_num(argv[1], 1, 65535);

	base = ev_base_new();
	if ((c = check_new(base, NULL, &conf, probe_state_cb, NULL,
	    &cause)) == NULL) {
		fprintf(stderr, "check_probe: %s\n", cause);
		exit(2);
	}
	if ((end = evtimer_new(base, probe_end_cb, NULL)) == NULL)
		fatalx("evtimer_new");
	ev_tv(&tv, runtime);
	evtimer_add(end, &tv);
	check_start(c);
	event_base_dispatch(base);
	check_free(c);
	event_free(end);
	event_base_free(base);
	return (0);
}
