/*
 * lb_pkt_drive.c: run the L4 packet engine (lb/lb_pkt.h) with one cluster
 * from the command line and a plain round-robin selector, for the
 * integration scenarios and the benchmark. Not installed.
 *
 * usage: lb_pkt_drive -i ifname [-i ifname] -a address [-a address]
 *            -P port[-port] [-p tcp|udp] [-m nat|dr] [-s]
 *            [-o address:lo-hi] [-n flows] [-S syn_ms] [-E est_ms]
 *            [-T table] [-B block_size] [-c] [-k] [-q] [-v]
 *            [-M keys [-X translate|pass] [-U] [-L lifetime_ms]]
 *            [-t tick_ms] server...
 *
 * Each -a makes one cluster ("c4" or "c6" after its family) of the
 * servers of its family. A server is address[:port] (IPv6 in brackets
 * with a port). -s: the
 * cluster address is shared with the kernel; -o: outbound NAT; -n: flow
 * table bound; -S/-E: SYN and established timeouts; -c: complete partial
 * checksums in the engine; -T: the nftables table; -B: the size of a
 * receive ring block (a power of two, 64 KiB to 64 MiB); -k: leave routes and
 * nftables alone; -q: start
 * inactive; -t: the engine's tick. Prints "ready" once set up, the
 * statistics on SIGUSR1, the flows on SIGUSR2, both on SIGTERM or SIGINT
 * before exiting; SIGHUP toggles the active switch.
 *
 * -M gives the IPv6 cluster Mobile IPv6 persistence with the keys listed
 * (as persist-keys reads them: spi,home-address,interface-id,source),
 * chosen by the selection module (lib lb: lb_mip6_select, round robin,
 * the sticky table) instead of the plain round robin: -X says what
 * becomes of home address options, -U follows binding updates, -L is the
 * entries' lifetime (default 300000). SIGUSR2 then also prints the
 * persist table, one "persist KEY server NAME left MS [from KEY]" a line.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "ev.h"
#include "lb/lb.h"
#include "lb/lb_pkt.h"
#include "log.h"

static struct event_base	*base;
static struct lb_pkt_engine	*engine;
static size_t			 rr_next;
static long long		 ends;
static int			 active = 1;
static struct lb_cluster	*mcl;		/* -M: the selection module's */
static struct event		*mtick;

static int	drive_pick(void *, const struct lb_pkt_cluster *,
		    const struct lb_pkt_key *, const char **);
static void	drive_end(void *, const struct lb_pkt_cluster *, size_t);
static int	drive_pick_keys(void *, const struct lb_pkt_cluster *,
		    const struct lb_pkt_key *, const struct lb_pkt_pkey *,
		    size_t, const char **);
static void	drive_touch(void *, const struct lb_pkt_cluster *,
		    const struct lb_pkt_pkey *, size_t);
static void	drive_bind(void *, const struct lb_pkt_cluster *,
		    const struct lb_pkt_pkey *, const struct lb_pkt_pkey *,
		    size_t);
static void	drive_persist_cb(void *, const struct lb_persist_info *);
static void	drive_tick_cb(evutil_socket_t, short, void *);
static void	drive_mip6(const struct lb_pkt_cluster_conf *, uint64_t);
static void	drive_stats(void);
static void	drive_flow_cb(void *, const struct lb_pkt_flow_info *);
static void	drive_cluster_cb(void *, const struct lb_pkt_cluster *);
static void	drive_sig_cb(evutil_socket_t, short, void *);
static long long drive_num(const char *, long long, long long);
static void	drive_range(const char *, uint16_t *, uint16_t *);
static void	usage(void) __attribute__((noreturn));

static void
usage(void)
{
	fprintf(stderr, "usage: lb_pkt_drive -i ifname [-i ifname] -a address "
	    "[-a address] -P port[-port] [-p tcp|udp] [-m nat|dr] [-s] "
	    "[-o address:lo-hi] [-n flows] [-S syn_ms] [-E est_ms] "
	    "[-T table] [-B block_size] [-c] [-k] [-q] [-v] "
	    "[-M keys [-X translate|pass] [-U] [-L lifetime_ms]] "
	    "[-t tick_ms] server...\n");
	exit(2);
}

static long long
drive_num(const char *s, long long lo, long long hi)
{
	const char	*err;
	long long	 n;

	n = strtonum(s, lo, hi, &err);
	if (err != NULL) {
		fprintf(stderr, "lb_pkt_drive: %s: %s\n", s, err);
		exit(2);
	}
	return (n);
}

/* Round robin over the servers, whatever the flow. */
static int
drive_pick(void *arg, const struct lb_pkt_cluster *cl,
    const struct lb_pkt_key *k, const char **reason)
{
	if (cl->nservers == 0) {
		*reason = "no servers";
		return (-1);
	}
	return ((int)(rr_next++ % cl->nservers));
}

static void
drive_end(void *arg, const struct lb_pkt_cluster *cl, size_t server)
{
	ends++;
	if (mcl != NULL && cl->conf.mip6.keys != 0 && server < mcl->nsrv)
		lb_server_release(&mcl->srv[server]);
}

/* -M: the selection module decides, keys and all. */
static int
drive_pick_keys(void *arg, const struct lb_pkt_cluster *cl,
    const struct lb_pkt_key *k, const struct lb_pkt_pkey *keys, size_t n,
    const char **reason)
{
	struct lb_pick	pk;

	if (mcl == NULL || cl->conf.mip6.keys == 0)
		return (drive_pick(arg, cl, k, reason));
	if (lb_mip6_select(mcl, keys, n, lb_pkt_now(), &pk) == -1) {
		*reason = lb_reason_str(pk.reason);
		return (-1);
	}
	return ((int)pk.srv->idx);
}

static void
drive_touch(void *arg, const struct lb_pkt_cluster *cl,
    const struct lb_pkt_pkey *keys, size_t n)
{
	if (mcl != NULL)
		lb_mip6_touch(mcl, keys, n, lb_pkt_now());
}

static void
drive_bind(void *arg, const struct lb_pkt_cluster *cl,
    const struct lb_pkt_pkey *from, const struct lb_pkt_pkey *to, size_t n)
{
	size_t	done;

	if (mcl == NULL)
		return;
	done = lb_mip6_bind(mcl, from, to, n, lb_pkt_now());
	printf("bind %s copied %zu\n", cl->conf.name, done);
	fflush(stdout);
}

static void
drive_persist_cb(void *arg, const struct lb_persist_info *pi)
{
	char	k[96], f[96];

	printf("persist %s server %s left %llu", lb_key_fmt(pi->key, k,
	    sizeof k), pi->srv != NULL ? pi->srv->name : "-",
	    (unsigned long long)pi->left);
	if (pi->from != NULL)
		printf(" from %s", lb_key_fmt(pi->from, f, sizeof f));
	printf("\n");
}

/* The persist table's lifetimes count down on the engine's tick. */
static void
drive_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	lb_sticky_expire(mcl->sticky, lb_pkt_now());
}

/* The selection module's cluster for the mobile cluster <cc>. */
static void
drive_mip6(const struct lb_pkt_cluster_conf *cc, uint64_t lifetime)
{
	struct lb_params	 p;
	const char		*cause;
	size_t			 i;

	memset(&p, 0, sizeof p);
	p.mode = LB_MODE_L4;
	p.scheduler = LB_SCHED_RR;
	p.persist = LB_PERSIST_MIP6;
	p.sticky_max = 65536;
	p.sticky_timeout = lifetime;
	p.sticky_overflow = LB_STICKY_EVICT;
	p.plen4 = 32;
	p.plen6 = 128;
	mcl = lb_cluster_new(cc->name, &p);
	for (i = 0; i < cc->nservers; i++)
		if (lb_cluster_add(mcl, cc->servers[i].name,
		    &cc->servers[i].addr, 1, 0, 0) == NULL)
			fatalx("cluster %s: cannot add server %s", cc->name,
			    cc->servers[i].name);
	if (lb_cluster_finish(mcl, &cause) == -1)
		fatalx("cluster %s: %s", cc->name, cause);
}

static void
drive_cluster_cb(void *arg, const struct lb_pkt_cluster *cl)
{
	const struct lb_pkt_server	*s;
	char				 a[ADDR_STRLEN];
	size_t				 i;

	printf("cluster %s flows %llu refused %llu\n", cl->conf.name,
	    (unsigned long long)cl->flows, (unsigned long long)cl->refused);
	for (i = 0; i < cl->nservers; i++) {
		s = &cl->servers[i];
		printf("server %s %s active %llu flows %llu pkts %llu/%llu "
		    "bytes %llu/%llu\n", s->conf.name,
		    addr_fmt(&s->conf.addr, a, sizeof a),
		    (unsigned long long)s->st.active,
		    (unsigned long long)s->st.flows,
		    (unsigned long long)s->st.pkts[0],
		    (unsigned long long)s->st.pkts[1],
		    (unsigned long long)s->st.bytes[0],
		    (unsigned long long)s->st.bytes[1]);
	}
}

/* Print every counter, one "name value" a line. */
static void
drive_stats(void)
{
	struct lb_pkt_stats	st;
	size_t			i;

	lb_pkt_stats(engine, &st);
	printf("stats rx_pkts %llu\nstats rx_blocks %llu\n"
	    "stats tx_pkts %llu\nstats tx_calls %llu\nstats fwd_pkts %llu\n"
	    "stats csum_fixed %llu\nstats icmp_xlated %llu\n"
	    "stats icmp_sent %llu\nstats arp_replies %llu\n"
	    "stats nd_replies %llu\nstats announces %llu\n"
	    "stats ring_drops %llu\nstats flows %llu\nstats flows_max %llu\n"
	    "stats flows_refused %llu\nstats flows_created %llu\n"
	    "stats flow_ends %lld\n",
	    (unsigned long long)st.rx_pkts, (unsigned long long)st.rx_blocks,
	    (unsigned long long)st.tx_pkts, (unsigned long long)st.tx_calls,
	    (unsigned long long)st.fwd_pkts,
	    (unsigned long long)st.csum_fixed,
	    (unsigned long long)st.icmp_xlated,
	    (unsigned long long)st.icmp_sent,
	    (unsigned long long)st.arp_replies,
	    (unsigned long long)st.nd_replies,
	    (unsigned long long)st.announces,
	    (unsigned long long)st.ring_drops, (unsigned long long)st.flows,
	    (unsigned long long)st.flows_max,
	    (unsigned long long)st.flows_refused,
	    (unsigned long long)st.flows_created, ends);
	printf("stats mip6_strip %llu\nstats mip6_rh2 %llu\n"
	    "stats mip6_esp %llu\nstats mip6_bu %llu\n"
	    "stats mip6_bu_bad %llu\nstats mip6_bindings %llu\n",
	    (unsigned long long)st.mip6_strip,
	    (unsigned long long)st.mip6_rh2,
	    (unsigned long long)st.mip6_esp, (unsigned long long)st.mip6_bu,
	    (unsigned long long)st.mip6_bu_bad,
	    (unsigned long long)st.mip6_bindings);
	for (i = 0; i < LB_DROP_MAX; i++)
		printf("drop %s %llu\n", lb_pkt_drop_name(i),
		    (unsigned long long)st.drops[i]);
	for (i = 1; i < LB_PKT_ENERR; i++)
		if (st.parse_err[i] != 0)
			printf("parse %s %llu\n", lb_pkt_strerror(i),
			    (unsigned long long)st.parse_err[i]);
	lb_pkt_clusters_walk(engine, drive_cluster_cb, NULL);
	printf("end\n");
	fflush(stdout);
}

static void
drive_flow_cb(void *arg, const struct lb_pkt_flow_info *fi)
{
	char	o[128], r[128];

	printf("flow %s %s %s | %s %s%s pkts %llu/%llu expires %llu\n",
	    fi->cluster, fi->server, lb_pkt_key_fmt(&fi->orig, o, sizeof o),
	    lb_pkt_key_fmt(&fi->reply, r, sizeof r),
	    lb_flow_state_name(fi->state), fi->outbound ? " outbound" : "",
	    (unsigned long long)fi->pkts[0], (unsigned long long)fi->pkts[1],
	    (unsigned long long)fi->expires_ms);
}

static void
drive_sig_cb(evutil_socket_t sig, short what, void *arg)
{
	switch (sig) {
	case SIGUSR1:
		drive_stats();
		break;
	case SIGUSR2:
		lb_pkt_flows_walk(engine, drive_flow_cb, NULL);
		if (mcl != NULL)
			lb_mip6_walk(mcl, lb_pkt_now(), drive_persist_cb, NULL);
		printf("end\n");
		fflush(stdout);
		break;
	case SIGHUP:
		active = !active;
		lb_pkt_set_active(engine, active);
		printf("active %d\n", active);
		fflush(stdout);
		break;
	default:
		drive_stats();
		event_base_loopbreak(base);
		break;
	}
}

/* Parse "lo-hi" or "port". */
static void
drive_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	char	buf[32], *dash;

	if (strlcpy(buf, s, sizeof buf) >= sizeof buf)
		usage();
	if ((dash = strchr(buf, '-')) != NULL)
		*dash++ = '\0';
	*lo = drive_num(buf, 1, 65535);
	*hi = dash != NULL ? drive_num(dash, *lo, 65535) : *lo;
}

int
main(int argc, char **argv)
{
	static const struct ev_signal	 sigs[] = {
		{ SIGUSR1, drive_sig_cb }, { SIGUSR2, drive_sig_cb },
		{ SIGHUP, drive_sig_cb }, { SIGTERM, drive_sig_cb },
		{ SIGINT, drive_sig_cb }
	};
	struct lb_pkt_conf		 conf;
	struct lb_pkt_cluster_conf	 cc, cl;
	struct lb_pkt_selector		 sel;
	struct lb_pkt_server_conf	*sv;
	struct addr			 vip[2];
	struct timeval			 tv;
	const char			*err;
	char				*cause = NULL, *colon, buf[128];
	int				 ch, verbose = 0, port_set = 0;
	size_t				 i, j, nvip = 0;
	uint64_t			 lifetime = 300000;
	unsigned int			 mkeys = 0;

	lb_pkt_conf_default(&conf);
	memset(&cc, 0, sizeof cc);
	strlcpy(cc.name, "c", sizeof cc.name);
	cc.proto = LB_IP_TCP;
	while ((ch = getopt(argc, argv,
	    "a:B:cE:i:kL:M:m:n:o:P:p:qS:sT:t:UvX:")) != -1) {
		switch (ch) {
		case 'a':
			if (nvip == 2)
				usage();
			if (addr_parse(optarg, &vip[nvip++], &err) == -1) {
				fprintf(stderr, "lb_pkt_drive: %s: %s\n",
				    optarg, err);
				exit(2);
			}
			break;
		case 'B':
			conf.ring_block_size = drive_num(optarg, 65536,
			    1 << 26);
			break;
		case 'c':
			conf.csum_complete = 1;
			break;
		case 'E':
			conf.timeouts.t[LB_FS_EST] = drive_num(optarg, 1,
			    86400000);
			break;
		case 'i':
			if (conf.nif == LB_PKT_MAXIF)
				usage();
			strlcpy(conf.ifnames[conf.nif++], optarg,
			    sizeof conf.ifnames[0]);
			break;
		case 'k':
			conf.kernel_rules = 0;
			break;
		case 'L':
			lifetime = drive_num(optarg, 1, 86400000);
			break;
		case 'M':
			if (cfg_persist_keys_parse(optarg, &mkeys, &err) ==
			    -1) {
				fprintf(stderr, "lb_pkt_drive: %s: %s\n",
				    optarg, err);
				exit(2);
			}
			cc.mip6.keys = mkeys;
			break;
		case 't':
			conf.tick_ms = drive_num(optarg, 10, 60000);
			break;
		case 'U':
			cc.mip6.bu = 1;
			break;
		case 'X':
			if (strcmp(optarg, "translate") == 0)
				cc.mip6.hoa_mode = LB_MIP6_TRANSLATE;
			else if (strcmp(optarg, "pass") == 0)
				cc.mip6.hoa_mode = LB_MIP6_PASS;
			else
				usage();
			break;
		case 'm':
			if (strcmp(optarg, "nat") == 0)
				cc.mode = LB_PKT_NAT;
			else if (strcmp(optarg, "dr") == 0)
				cc.mode = LB_PKT_DR;
			else
				usage();
			break;
		case 'n':
			conf.max_flows = drive_num(optarg, 1, 1 << 24);
			break;
		case 'o':
			if (strlcpy(buf, optarg, sizeof buf) >= sizeof buf ||
			    (colon = strrchr(buf, ':')) == NULL)
				usage();
			*colon++ = '\0';
			if (addr_parse(buf, &cc.out_addr, &err) == -1) {
				fprintf(stderr, "lb_pkt_drive: %s: %s\n", buf,
				    err);
				exit(2);
			}
			drive_range(colon, &cc.out_lo, &cc.out_hi);
			break;
		case 'P':
			drive_range(optarg, &cc.port_lo, &cc.port_hi);
			port_set = 1;
			break;
		case 'p':
			if (strcmp(optarg, "tcp") == 0)
				cc.proto = LB_IP_TCP;
			else if (strcmp(optarg, "udp") == 0)
				cc.proto = LB_IP_UDP;
			else
				usage();
			break;
		case 'q':
			active = 0;
			break;
		case 'T':
			strlcpy(conf.nft_table, optarg,
			    sizeof conf.nft_table);
			break;
		case 'S':
			conf.timeouts.t[LB_FS_SYN] = drive_num(optarg, 1,
			    86400000);
			break;
		case 's':
			cc.shared = 1;
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (conf.nif == 0 || nvip == 0 || !port_set || argc == 0)
		usage();
	sv = calloc(argc, sizeof *sv);
	if (sv == NULL)
		return (1);
	for (i = 0; i < (size_t)argc; i++) {
		snprintf(sv[i].name, sizeof sv[i].name, "s%zu", i + 1);
		if (addr_parse_port(argv[i], &sv[i].addr, &err) == -1 &&
		    addr_parse(argv[i], &sv[i].addr, &err) == -1) {
			fprintf(stderr, "lb_pkt_drive: %s: %s\n", argv[i],
			    err);
			return (2);
		}
	}

	log_init("lb_pkt_drive", 1, verbose);
	base = ev_base_new();
	ev_signals(base, sigs, sizeof sigs / sizeof sigs[0], NULL);
	memset(&sel, 0, sizeof sel);
	sel.pick = drive_pick;
	sel.flow_end = drive_end;
	sel.pick_keys = drive_pick_keys;
	sel.touch = drive_touch;
	sel.bind = drive_bind;
	conf.binding_ms = lifetime;
	if ((engine = lb_pkt_engine_new(base, &conf, &sel, &cause)) == NULL)
		fatalx("engine: %s", cause);
	if (!active)
		lb_pkt_set_active(engine, 0);
	for (i = 0; i < nvip; i++) {
		cl = cc;
		cl.addr = vip[i];
		strlcpy(cl.name, vip[i].af == AF_INET ? "c4" : "c6",
		    sizeof cl.name);
		if (cl.out_addr.af != 0 && cl.out_addr.af != vip[i].af)
			memset(&cl.out_addr, 0, sizeof cl.out_addr);
		if (vip[i].af != AF_INET6)
			memset(&cl.mip6, 0, sizeof cl.mip6);
		cl.servers = calloc(argc, sizeof *cl.servers);
		if (cl.servers == NULL)
			return (1);
		for (j = 0; j < (size_t)argc; j++)
			if (sv[j].addr.af == vip[i].af)
				cl.servers[cl.nservers++] = sv[j];
		if (lb_pkt_cluster_set(engine, &cl, &cause) == -1)
			fatalx("cluster: %s", cause);
		if (cl.mip6.keys != 0 && mcl == NULL)
			drive_mip6(&cl, lifetime);
		free(cl.servers);
	}
	free(sv);
	if (mcl != NULL) {
		mtick = event_new(base, -1, EV_PERSIST, drive_tick_cb, NULL);
		ev_tv(&tv, conf.tick_ms);
		if (mtick == NULL || event_add(mtick, &tv) == -1)
			fatalx("cannot add the persist table's timer");
	}
	printf("ready\n");
	fflush(stdout);
	event_base_dispatch(base);
	lb_pkt_engine_free(engine);
	if (mtick != NULL)
		event_free(mtick);
	lb_cluster_free(mcl);
	ev_signals_free();
	event_base_free(base);
	return (0);
}
