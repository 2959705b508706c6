/*
 * ha_daemon.c: twin-ha at run time. Sends and receives heartbeats, drives
 * one state machine per instance with the monotonic clock, and carries out
 * what each transition means: floating IPs added or removed, gratuitous
 * ARP bursts, the reference log lines and the notify script.
 *
 * In the classic form one instance moves every floating IP and heartbeats
 * are of version 2. With per-address preferences ('prefer self|partner')
 * each floating IP is an instance of its own, as keepalived users build
 * with two VRRP instances of opposite priorities: both peers are active,
 * each for its own address, and the survivor of a host failure holds
 * both. One version 3 heartbeat carries the state of every instance.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "cfg.h"
#include "ctl.h"
#include "daemon.h"
#include "ev.h"
#include "ha.h"
#include "log.h"
#include "xmalloc.h"

#define HA_RXLOG_MS	10000	/* at most one bad-packet line per 10 s */
#define HA_FPLOG_MS	60000	/* fingerprint mismatch repeated each 60 s */
#define HA_REGARP_MS	1000	/* re-announce on conflicts at most 1/s */

static void	ha_transition_cb(void *, enum ha_state, enum ha_state,
		    const char *);
static void	ha_rx_cb(evutil_socket_t, short, void *);
static void	ha_tx_cb(evutil_socket_t, short, void *);
static void	ha_tick_cb(evutil_socket_t, short, void *);
static void	ha_garp_cb(evutil_socket_t, short, void *);
static void	ha_refresh_cb(evutil_socket_t, short, void *);
static void	ha_nl_cb(void *, int, const struct addr *, int);
static void	ha_claim_cb(void *, const unsigned char *,
		    const struct addr *);
static void	ha_track_cb(void *, int, const char *);
static void	ha_rx_bad(struct ha_ctx *, enum ha_wire_err, const char *);
static void	ha_reply(struct ha_ctx *, uint64_t);
static void	ha_fip(struct ha_inst *, int);
static void	ha_burst(struct ha_inst *, const char *);
static void	ha_check_peer(struct ha_ctx *, uint64_t);
static void	ha_timer(struct event *, uint64_t);
static void	ha_inst_init(struct ha_ctx *);
static void	ha_inst_hb(const struct ha_inst *, const struct ha_hb *,
		    struct ha_hb *);
static const struct cidr *ha_inst_cidr(struct ha_inst *,
		    const struct addr *);

/* Milliseconds of the monotonic clock: the state machine's clock. */
uint64_t
ha_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* (Re)arm a timer for <ms> milliseconds. */
static void
ha_timer(struct event *ev, uint64_t ms)
{
	struct timeval	tv;

	ev_tv(&tv, ms);
	evtimer_add(ev, &tv);
}

/* The instance that moves floating IP <a>, or NULL. */
struct ha_inst *
ha_inst_find(struct ha_ctx *ctx, const struct addr *a)
{
	size_t	i;

	for (i = 0; i < ctx->ninst; i++)
		if (ha_inst_cidr(&ctx->inst[i], a) != NULL)
			return (&ctx->inst[i]);
	return (NULL);
}

/* The floating IP <a> of instance <in>, with its prefix, or NULL. */
static const struct cidr *
ha_inst_cidr(struct ha_inst *in, const struct addr *a)
{
	size_t	i;

	for (i = 0; i < in->nfip; i++)
		if (addr_eq(&in->fip[i].a, a))
			return (&in->fip[i]);
	return (NULL);
}

/*
 * This peer's state summed up over the instances, as a version 3
 * heartbeat and the status display give it: FAULT if any, else ACTIVE
 * if any, else STANDBY if any, else INIT.
 */
enum ha_state
ha_summary(const struct ha_ctx *ctx)
{
	size_t	i;
	int	seen[HA_FAULT + 1] = { 0 };

	for (i = 0; i < ctx->ninst; i++)
		seen[ctx->inst[i].fsm.state] = 1;
	if (seen[HA_FAULT])
		return (HA_FAULT);
	if (seen[HA_ACTIVE])
		return (HA_ACTIVE);
	if (seen[HA_STANDBY])
		return (HA_STANDBY);
	return (HA_INIT);
}

/*
 * Make the instances: one for every floating IP in the classic form,
 * else one per floating IP, preferred by this peer when it says 'prefer
 * self', or by its role when it says nothing (the WPAD address).
 */
static void
ha_inst_init(struct ha_ctx *ctx)
{
	struct cfg_ha	*ha = &ctx->cfg->ha;
	struct ha_inst	*in;
	char		 buf[64];
	size_t		 i, j;

	ctx->multi = ha->floating_multi;
	ctx->ninst = ctx->multi ? ha->nfloating_ip : 1;
	if (ctx->ninst > HA_MAXINST)
		fatalx("at most %d floating IPs with 'prefer'", HA_MAXINST);
	for (i = 0; i < ctx->ninst; i++) {
		in = &ctx->inst[i];
		in->ctx = ctx;
		if (ctx->multi) {
			in->fip = &ha->floating_ip[i];
			in->nfip = 1;
			in->prefer =
			    ha->floating_prefer[i] == FIP_PREFER_SELF ||
			    (ha->floating_prefer[i] == FIP_PREFER_ROLE &&
			    ha->role == HA_ROLE_PRIMARY);
			snprintf(in->tag, sizeof in->tag, "[%s] ",
			    addr_ntop(&in->fip->a, buf, sizeof buf));
		} else {
			in->fip = ha->floating_ip;
			in->nfip = ha->nfloating_ip;
			in->prefer = ha->role == HA_ROLE_PRIMARY;
		}
		for (j = 0; j < in->nfip; j++) {
			if (j > 0)
				strlcat(in->fipstr, ",", sizeof in->fipstr);
			strlcat(in->fipstr, addr_ntop(&in->fip[j].a, buf,
			    sizeof buf), sizeof in->fipstr);
		}
	}
}

/*
 * The heartbeat instance <in>'s state machine sees: the partner's record
 * for the same address in a version 3 heartbeat. A partner that has no
 * record for it does not manage it (its config differs: the fingerprint
 * says so), so it counts as not healthy and this peer holds the address.
 */
static void
ha_inst_hb(const struct ha_inst *in, const struct ha_hb *hb,
    struct ha_hb *out)
{
	size_t	i;

	*out = *hb;
	if (!in->ctx->multi)
		return;
	out->flags = hb->flags & (HA_F_HEALTHY | HA_F_HEARS);
	for (i = 0; i < hb->ninst; i++) {
		if (!addr_eq(&hb->inst[i].fip.a, &in->fip->a))
			continue;
		out->role = hb->inst[i].pref == 0 ? HA_ROLE_PRIMARY :
		    HA_ROLE_BACKUP;
		out->state = hb->inst[i].state;
		out->flags |= hb->inst[i].flags;
		return;
	}
	out->state = HA_FAULT;
	out->flags &= ~HA_F_HEALTHY;
}

/*
 * Set everything up: key, heartbeat socket, rtnetlink, pcap, tracking,
 * timers, control socket. Startup errors are fatal.
 */
void
ha_start(struct ha_ctx *ctx)
{
	struct cfg		*cfg = ctx->cfg;
	struct cfg_ha		*ha = &cfg->ha;
	struct ha_fsm_params	 p;
	struct ha_inst		*in;
	struct sockaddr_storage	 ss;
	struct addr		 a;
	const char		*cause;
	char			 buf[64], *path;
	unsigned char		 rnd[8];
	int			 holds[HA_MAXINST];
	socklen_t		 len;
	size_t			 i;
	uint64_t		 first;
	int			 on = 1;

	addr_ntop(&cfg->peer.address, ctx->self, sizeof ctx->self);
	addr_ntop(&cfg->peer.partner, ctx->partner, sizeof ctx->partner);
	for (i = 0; i < ha->nfloating_ip; i++) {
		if (i > 0)
			strlcat(ctx->fipstr, ",", sizeof ctx->fipstr);
		strlcat(ctx->fipstr, addr_ntop(&ha->floating_ip[i].a, buf,
		    sizeof buf), sizeof ctx->fipstr);
	}
	ha_inst_init(ctx);

	if (daemon_read_secret(ha->secret_file, ctx->key, sizeof ctx->key,
	    &ctx->keylen, &cause) == -1)
		fatalx("heartbeat key %s: %s", ha->secret_file, cause);

	/*
	 * Sequence numbers start at a random point of [1, 2^62] at every
	 * start: they are the challenges the partner must echo, so none of
	 * an earlier run's heartbeats can answer them (see ha_replay.c). A
	 * challenge stays good for one interval more than the partner needs
	 * to be declared down.
	 */
	if (RAND_bytes(rnd, sizeof rnd) != 1)
		fatalx("cannot draw a random starting sequence number");
	for (first = 0, i = 0; i < sizeof rnd; i++)
		first = first << 8 | rnd[i];
	first = (first >> 2) + 1;
	explicit_bzero(rnd, sizeof rnd);
	ha_replay_init(&ctx->replay, first, ha->interval * (ha->count + 1),
	    ha_now());
	if (ctx->multi) {
		for (i = 0; i < ctx->ninst; i++)
			holds[i] = ctx->inst[i].prefer;
		ctx->fingerprint = ha_wire_fingerprint_multi(
		    &cfg->peer.address, &cfg->peer.partner, ha->floating_ip,
		    holds, ha->nfloating_ip);
	} else
		ctx->fingerprint = ha_wire_fingerprint(&cfg->peer.address,
		    &cfg->peer.partner, ha->floating_ip, ha->nfloating_ip);

	/* The heartbeat socket, bound to the real address. */
	a = cfg->peer.address;
	a.port = ha->port;
	len = addr_to_sa(&a, &ss);
	ctx->sock = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (ctx->sock == -1)
		fatal("heartbeat socket");
	setsockopt(ctx->sock, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	if (bind(ctx->sock, (struct sockaddr *)&ss, len) == -1)
		fatal("cannot bind the heartbeat socket to %s",
		    addr_fmt(&a, buf, sizeof buf));

	ctx->nl = ha_nl_open(ctx->base, ha->interface, ha_nl_cb, ctx, &cause);
	if (ctx->nl == NULL)
		fatalx("interface %s: %s", ha->interface, cause);
	ctx->garp = ha_garp_open(ctx->base, ha->interface, ha->floating_ip,
	    ha->nfloating_ip, ha_claim_cb, ctx, &cause);
	if (ctx->garp == NULL)
		fatalx("pcap on %s: %s", ha->interface, cause);

	/* A floating IP left over by a previous run is not ours yet. */
	for (i = 0; i < ha->nfloating_ip; i++)
		if (ha_nl_has_addr(ctx->nl, &ha->floating_ip[i]) == 1) {
			log_info("floating IP %s left on %s by an earlier "
			    "run: removing it until this server is active",
			    addr_ntop(&ha->floating_ip[i].a, buf, sizeof buf),
			    ha->interface);
			if (ha_nl_addr(ctx->nl, 0, &ha->floating_ip[i],
			    &cause) == -1)
				fatalx("cannot remove %s: %s", buf, cause);
		}

	for (i = 0; i < ctx->ninst; i++) {
		in = &ctx->inst[i];
		memset(&p, 0, sizeof p);
		p.primary = in->prefer;
		p.failback = ha->failback;
		p.failback_delay = ha->failback_delay;
		p.interval = ha->interval;
		p.count = ha->count;
		p.self_wins_tie = addr_cmp(&cfg->peer.address,
		    &cfg->peer.partner) < 0;
		ha_fsm_init(&in->fsm, &p, ha_transition_cb, in, ha_now());
		if (ha_nl_link_up(ctx->nl) == 0)
			ha_fsm_link(&in->fsm, 0, ha_now());
		in->garp_ev = evtimer_new(ctx->base, ha_garp_cb, in);
		in->refresh_ev = evtimer_new(ctx->base, ha_refresh_cb, in);
		if (in->garp_ev == NULL || in->refresh_ev == NULL)
			fatalx("cannot create the daemon's events");
	}

	if (ha->ntrack > 0) {
		ctx->ntrack = ha->ntrack;
		ctx->track_addrs = xreallocarray(NULL, ha->ntrack,
		    sizeof *ctx->track_addrs);
		memcpy(ctx->track_addrs, ha->track,
		    ha->ntrack * sizeof *ha->track);
	} else
		ctx->ntrack = ha_track_defaults(cfg, &ctx->track_addrs);
	for (i = 0; i < ctx->ntrack; i++)
		log_info("tracking service %s%s", addr_fmt(&ctx->track_addrs[i],
		    buf, sizeof buf), ha->ntrack ? "" :
		    " (a listen address of the proxy or wpad block)");
	if (ctx->ntrack == 0)
		log_info("no service to track");
	ctx->track = ha_track_new(ctx->base, ctx->track_addrs, ctx->ntrack,
	    ha->track_interval, ha->track_timeout, ha_track_cb, ctx);

	ctx->rx_ev = event_new(ctx->base, ctx->sock, EV_READ | EV_PERSIST,
	    ha_rx_cb, ctx);
	ctx->tx_ev = evtimer_new(ctx->base, ha_tx_cb, ctx);
	ctx->tick_ev = evtimer_new(ctx->base, ha_tick_cb, ctx);
	if (ctx->rx_ev == NULL || ctx->tx_ev == NULL || ctx->tick_ev == NULL ||
	    event_add(ctx->rx_ev, NULL) == -1)
		fatalx("cannot create the daemon's events");

	path = ctl_sockpath(cfg->peer.run_dir, "ha");
	if ((ctx->ctl = ctl_server_new(ctx->base, path, ha_ctl_cmds, ctx,
	    &cause)) == NULL)
		fatalx("control socket %s: %s", path, cause);
	free(path);

	log_info("starting: %s (default %s), partner %s, floating IP %s on "
	    "%s, heartbeat every %" PRIu64 " ms to port %u, partner down "
	    "after %u missed, failback %s", ctx->self,
	    ha->role == HA_ROLE_PRIMARY ? "primary" : "backup", ctx->partner,
	    ctx->fipstr, ha->interface, ha->interval, ha->port, ha->count,
	    ha->failback ? "yes" : "no");
	for (i = 0; ctx->multi && i < ctx->ninst; i++)
		log_info("%snormally held by %s (%s)", ctx->inst[i].tag,
		    ctx->inst[i].prefer ? "this server" : "the partner",
		    ha->floating_prefer[i] == FIP_PREFER_ROLE ? "the role" :
		    ha->floating_prefer[i] == FIP_PREFER_SELF ?
		    "prefer self" : "prefer partner");
	ha_send_heartbeat(ctx);
	ha_timer(ctx->tx_ev, ha->interval);
	ha_timer(ctx->tick_ev, ha->interval / 4 > 10 ? ha->interval / 4 : 10);
}

/*
 * Stop: drop the floating IPs and tell the partner with a last heartbeat
 * saying FAULT, so it takes over at once instead of after count missed
 * heartbeats.
 */
void
ha_stop(struct ha_ctx *ctx)
{
	struct ha_inst	*in;
	size_t		 i;

	ctx->stopping = 1;
	for (i = 0; i < ctx->ninst; i++) {
		in = &ctx->inst[i];
		if (in->fsm.state == HA_ACTIVE)
			log_info("stopping: releasing floating IP %s",
			    in->fipstr);
		ha_fip(in, 0);
	}
	ha_send_heartbeat(ctx);
	ctl_server_free(ctx->ctl);
	ha_track_free(ctx->track);
	free(ctx->track_addrs);
	ha_garp_close(ctx->garp);
	ha_nl_close(ctx->nl);
	event_free(ctx->rx_ev);
	event_free(ctx->tx_ev);
	event_free(ctx->tick_ev);
	for (i = 0; i < ctx->ninst; i++) {
		event_free(ctx->inst[i].garp_ev);
		event_free(ctx->inst[i].refresh_ev);
	}
	close(ctx->sock);
	explicit_bzero(ctx->key, sizeof ctx->key);
	log_info("stopped");
}

/* Send one heartbeat to the partner. */
void
ha_send_heartbeat(struct ha_ctx *ctx)
{
	struct ha_hb		 hb;
	struct ha_inst		*in;
	struct sockaddr_storage	 ss;
	struct addr		 a;
	unsigned char		 buf[HA_WIRE_MAXLEN];
	socklen_t		 len;
	size_t			 n, i;
	uint64_t		 now = ha_now();

	memset(&hb, 0, sizeof hb);
	hb.sender = ctx->cfg->peer.address;
	hb.sender.port = 0;
	hb.flags = ctx->stopping ? 0 : ha_fsm_flags(&ctx->inst[0].fsm);
	if (ha_replay_hears(&ctx->replay, now))
		hb.flags |= HA_F_HEARS;
	hb.role = ctx->cfg->ha.role;
	hb.state = ctx->stopping ? HA_FAULT : ha_summary(ctx);
	hb.interval = ctx->cfg->ha.interval;
	hb.fingerprint = ctx->fingerprint;
	hb.seq = ha_replay_next(&ctx->replay, now);
	hb.echo = ctx->replay.echo;
	if (ctx->multi) {
		hb.flags &= HA_F_HEALTHY | HA_F_HEARS;
		hb.ninst = ctx->ninst;
		for (i = 0; i < ctx->ninst; i++) {
			in = &ctx->inst[i];
			hb.inst[i].fip = in->fip[0];
			hb.inst[i].pref = in->prefer ? 0 : 1;
			hb.inst[i].state = ctx->stopping ? HA_FAULT :
			    in->fsm.state;
			hb.inst[i].flags = ctx->stopping ? 0 :
			    ha_fsm_flags(&in->fsm) & (HA_F_YIELD | HA_F_FORCE);
		}
	}
	n = ha_wire_encode(&hb, ctx->key, ctx->keylen, buf);
	a = ctx->cfg->peer.partner;
	a.port = ctx->cfg->ha.port;
	len = addr_to_sa(&a, &ss);
	if (sendto(ctx->sock, buf, n, 0, (struct sockaddr *)&ss,
	    len) != (ssize_t)n) {
		/* Unreachable partners are normal during failures. */
		if (ctx->tx_err++ == 0 || log_getverbose())
			log_warn("heartbeat to %s", ctx->partner);
	} else
		ctx->tx++;
}

/* Heartbeat timer. */
static void
ha_tx_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ha_ctx	*ctx = arg;

	ha_send_heartbeat(ctx);
	ha_timer(ctx->tx_ev, ctx->cfg->ha.interval);
}

/* Log the partner appearing and disappearing. */
static void
ha_check_peer(struct ha_ctx *ctx, uint64_t now)
{
	struct ha_fsm	*f = &ctx->inst[0].fsm;
	int		 alive = ha_fsm_peer_alive(f, now);

	if (alive && !ctx->peer_up)
		log_info("partner %s heard: %s, default %s", ctx->partner,
		    ha_state_name(ctx->peer.state),
		    ctx->peer.role == HA_ROLE_PRIMARY ? "primary" :
		    "backup");
	else if (!alive && ctx->peer_up)
		log_warnx("partner %s lost: no heartbeat for %" PRIu64 " ms",
		    ctx->partner, now - f->peer_last);
	ctx->peer_up = alive;
}

/*
 * State machine clock, every quarter interval: missed heartbeats, due
 * failbacks, and a check that each active instance really holds its
 * addresses.
 */
static void
ha_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ha_ctx	*ctx = arg;
	struct cfg_ha	*ha = &ctx->cfg->ha;
	struct ha_inst	*in;
	uint64_t	 now = ha_now();
	const char	*cause;
	char		 buf[INET6_ADDRSTRLEN];
	size_t		 i, j;

	for (i = 0; i < ctx->ninst; i++)
		ha_fsm_tick(&ctx->inst[i].fsm, now);
	ha_check_peer(ctx, now);
	for (i = 0; i < ctx->ninst; i++) {
		in = &ctx->inst[i];
		if (in->fsm.state != HA_ACTIVE)
			continue;
		for (j = 0; j < in->nfip; j++) {
			if (ha_nl_has_addr(ctx->nl, &in->fip[j]) != 0)
				continue;
			addr_ntop(&in->fip[j].a, buf, sizeof buf);
			log_warnx("floating IP %s missing on %s: adding it "
			    "again", buf, ha->interface);
			if (ha_nl_addr(ctx->nl, 1, &in->fip[j],
			    &cause) == -1)
				log_warnx("cannot add %s: %s", buf, cause);
			else {
				ctx->repairs++;
				ha_burst(in, "floating IP repaired");
			}
		}
	}
	ha_timer(ctx->tick_ev, ha->interval / 4 > 10 ? ha->interval / 4 : 10);
}

/* Add (1) or remove (0) every floating IP of an instance. */
static void
ha_fip(struct ha_inst *in, int add)
{
	struct ha_ctx	*ctx = in->ctx;
	struct cfg_ha	*ha = &ctx->cfg->ha;
	const char	*cause;
	char		 buf[64];
	size_t		 i;

	for (i = 0; i < in->nfip; i++) {
		cidr_fmt(&in->fip[i], buf, sizeof buf);
		if (ha_nl_addr(ctx->nl, add, &in->fip[i], &cause) == -1)
			log_warnx("cannot %s floating IP %s %s %s: %s",
			    add ? "add" : "remove", buf, add ? "to" : "from",
			    ha->interface, cause);
		else
			log_info("floating IP %s %s %s", buf,
			    add ? "added to" : "removed from", ha->interface);
	}
	if (!add) {
		evtimer_del(in->garp_ev);
		evtimer_del(in->refresh_ev);
		in->garp_left = 0;
	}
}

/* Start a burst of garp-count announcements, garp-interval apart. */
static void
ha_burst(struct ha_inst *in, const char *why)
{
	static const char *const modes[] = { "request", "reply", "both" };
	struct ha_ctx	*ctx = in->ctx;
	struct cfg_ha	*ha = &ctx->cfg->ha;
	char		 buf[32];
	size_t		 i;
	int		 n, v4 = 0;

	in->garp_left = ha->garp_count;
	ctx->garp_bursts++;
	n = ha_garp_send(ctx->garp, ha->garp_mode, in->fip, in->nfip);
	in->garp_left--;
	if (n > 0)
		ctx->garp_frames += n;
	for (i = 0; i < in->nfip; i++)
		v4 |= in->fip[i].a.af == AF_INET;
	log_info("%s sent for %s on %s (%s; burst of %u every %s, %s form)",
	    v4 ? "gratuitous ARP" : "unsolicited neighbour advertisement",
	    in->fipstr, ha->interface, why, ha->garp_count,
	    cfg_fmt_duration(ha->garp_interval, buf, sizeof buf),
	    v4 ? modes[ha->garp_mode] : "override");
	if (in->garp_left > 0)
		ha_timer(in->garp_ev, ha->garp_interval);
	if (ha->garp_refresh > 0)
		ha_timer(in->refresh_ev, ha->garp_refresh);
}

/* The rest of a burst. */
static void
ha_garp_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ha_inst	*in = arg;
	struct ha_ctx	*ctx = in->ctx;
	int		 n;

	if (in->fsm.state != HA_ACTIVE || in->garp_left == 0)
		return;
	if ((n = ha_garp_send(ctx->garp, ctx->cfg->ha.garp_mode, in->fip,
	    in->nfip)) > 0)
		ctx->garp_frames += n;
	if (--in->garp_left > 0)
		ha_timer(in->garp_ev, ctx->cfg->ha.garp_interval);
}

/* Periodic refresh while active. */
static void
ha_refresh_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ha_inst	*in = arg;
	struct ha_ctx	*ctx = in->ctx;
	int		 n;

	if (in->fsm.state != HA_ACTIVE)
		return;
	if ((n = ha_garp_send(ctx->garp, ctx->cfg->ha.garp_mode, in->fip,
	    in->nfip)) > 0)
		ctx->garp_frames += n;
	log_debug("gratuitous ARP refresh for %s", in->fipstr);
	ha_timer(in->refresh_ev, ctx->cfg->ha.garp_refresh);
}

/*
 * An instance's state machine changed state (or asks to re-announce).
 * With per-address instances every line starts with the address, the
 * reference lines included ("[198.18.0.101] Standby System(...) ...").
 */
static void
ha_transition_cb(void *arg, enum ha_state from, enum ha_state to,
    const char *reason)
{
	struct ha_inst	*in = arg;
	struct ha_ctx	*ctx = in->ctx;
	enum ha_cause	 cause = in->fsm.cause;

	if (from == to) {
		log_info("%s%s: %s", in->tag, ha_state_name(to), reason);
		if (to == HA_ACTIVE)
			ha_burst(in, "re-announcing");
		ha_send_heartbeat(ctx);
		return;
	}
	log_info("%sstate %s -> %s: %s", in->tag, ha_state_name(from),
	    ha_state_name(to), reason);
	if (to == HA_ACTIVE) {
		if (from == HA_STANDBY && (cause == HA_C_PEER_SILENT ||
		    cause == HA_C_PEER_FAULT || cause == HA_C_MANUAL))
			log_info("%sStandby System(%s) is an Active System "
			    "renew.", in->tag, ctx->partner);
		if (cause == HA_C_FAILBACK)
			log_info("%sStandby System(%s) is a Enable.", in->tag,
			    ctx->partner);
		ha_fip(in, 1);
		ha_burst(in, "takeover");
	} else if (from == HA_ACTIVE) {
		/*
		 * The peer that does not prefer the address handing it back
		 * is the other half of a failback: say so in the reference
		 * wording on this side too.
		 */
		if (to == HA_STANDBY && cause == HA_C_SPLIT && !in->prefer &&
		    ctx->cfg->ha.failback)
			log_info("%sStandby System(%s) is a Enable.", in->tag,
			    ctx->self);
		ha_fip(in, 0);
	}
	ha_send_heartbeat(ctx);
	ha_notify_run(ctx->cfg->ha.notify, ha_state_name(to), in->fipstr,
	    reason);
}

/*
 * Count a refused packet; log the first and then a summary per 10 s. A
 * stale echo during the first window of a handshake is expected (the
 * partner answers an earlier run of ours, or has not heard us yet): it is
 * counted and logged only with -v, and warned about if it goes on.
 */
static void
ha_rx_bad(struct ha_ctx *ctx, enum ha_wire_err e, const char *from)
{
	uint64_t	 now = ha_now();
	int		 stale = e == HA_RX_CHALLENGE || e == HA_RX_WINDOW;
	const char	*hint = "";

	ctx->rx[e]++;
	if (stale && ha_replay_quiet(&ctx->replay, now)) {
		log_debug("heartbeat from %s: %s (handshake)", from,
		    ha_wire_errname(e));
		return;
	}
	if (ctx->rxlog_at != 0 && now - ctx->rxlog_at < HA_RXLOG_MS) {
		ctx->rxlog_quiet++;
		return;
	}
	if (ctx->rxlog_quiet > 0)
		log_warnx("%lu more bad heartbeat packets not shown",
		    ctx->rxlog_quiet);
	if (stale)
		hint = ": it answers no recent heartbeat of this server "
		    "(recorded and replayed, or the partner does not hear "
		    "this server)";
	else if (e == HA_RX_VERSION)
		hint = ": the partner speaks another heartbeat version "
		    "(run the same release on both peers)";
	log_warnx("heartbeat from %s refused: %s%s (ignored; counters in "
	    "twinctl status)", from, ha_wire_errname(e), hint);
	ctx->rxlog_at = now;
	ctx->rxlog_quiet = 0;
}

/*
 * Send a heartbeat now rather than at the next tick, to finish a
 * handshake; at most one per quarter interval, so replayed packets cannot
 * make this server flood its partner.
 */
static void
ha_reply(struct ha_ctx *ctx, uint64_t now)
{
	uint64_t	gap = ctx->cfg->ha.interval / 4;

	if (ctx->reply_at != 0 && now - ctx->reply_at < gap)
		return;
	ctx->reply_at = now;
	log_debug("heartbeat to %s at once (handshake)", ctx->partner);
	ha_send_heartbeat(ctx);
}

/* A datagram arrived on the heartbeat port. */
static void
ha_rx_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ha_ctx		*ctx = arg;
	struct sockaddr_storage	 ss;
	struct ha_hb		 hb, ih;
	struct addr		 src;
	unsigned char		 buf[HA_WIRE_MAXLEN + 64];
	char			 from[ADDR_STRLEN];
	enum ha_wire_err	 e;
	socklen_t		 sl;
	ssize_t			 n;
	uint64_t		 now;
	size_t			 k;
	int			 i, reply, want_reply = 0;

	/* Answer once per batch, with the latest number learned. */
	for (i = 0; i < 64; i++) {
		sl = sizeof ss;
		n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&ss,
		    &sl);
		if (n == -1)
			break;
		if (addr_from_sa(&src, (struct sockaddr *)&ss, sl) == -1)
			continue;
		addr_ntop(&src, from, sizeof from);
		if ((e = ha_wire_decode(buf, n, ctx->key, ctx->keylen,
		    &hb)) != HA_RX_OK) {
			ha_rx_bad(ctx, e, from);
			continue;
		}
		if (!addr_eq(&src, &ctx->cfg->peer.partner) ||
		    !addr_eq(&hb.sender, &ctx->cfg->peer.partner)) {
			ha_rx_bad(ctx, HA_RX_SENDER, from);
			continue;
		}
		now = ha_now();
		e = ha_replay_check(&ctx->replay, &hb, now, &reply);
		want_reply |= reply;
		if (e != HA_RX_OK) {
			ha_rx_bad(ctx, e, from);
			continue;
		}
		ctx->rx[HA_RX_OK]++;
		if (hb.fingerprint != ctx->fingerprint &&
		    (ctx->fp_bad == 0 || now - ctx->fp_bad >= HA_FPLOG_MS)) {
			log_warnx("CONFIG MISMATCH: partner %s has a different "
			    "pair or floating IP configuration (fingerprint "
			    "%016" PRIx64 ", ours %016" PRIx64 "); check both "
			    "config files%s", from, hb.fingerprint,
			    ctx->fingerprint, ctx->multi ? " (each 'prefer "
			    "self' address must be 'prefer partner' on the "
			    "other peer)" : "");
			ctx->fp_bad = now;
		} else if (hb.fingerprint == ctx->fingerprint && ctx->fp_bad) {
			log_info("partner %s configuration matches again",
			    from);
			ctx->fp_bad = 0;
		}
		if (!ctx->multi && hb.role == ctx->cfg->ha.role &&
		    ctx->inst[0].fsm.peer_heard == 0)
			log_warnx("partner %s has the same default role (%s); "
			    "the lower address is preferred", from,
			    hb.role == HA_ROLE_PRIMARY ? "primary" : "backup");
		ctx->peer = hb;
		for (k = 0; k < ctx->ninst; k++) {
			ha_inst_hb(&ctx->inst[k], &hb, &ih);
			ha_fsm_heartbeat(&ctx->inst[k].fsm, &ih, now);
		}
		ha_check_peer(ctx, now);
	}
	if (want_reply && !ctx->stopping)
		ha_reply(ctx, ha_now());
}

/* Address or link events on the interface. */
static void
ha_nl_cb(void *arg, int ev, const struct addr *a, int up)
{
	struct ha_ctx		*ctx = arg;
	struct ha_inst		*in;
	const struct cidr	*c;
	char			 buf[INET6_ADDRSTRLEN];
	const char		*cause;
	size_t			 i;

	if (ctx->stopping)
		return;
	switch (ev) {
	case HA_NL_EV_LINK:
		if (up == ctx->inst[0].fsm.link_up)
			return;
		log_warnx("interface %s is %s", ctx->cfg->ha.interface,
		    up ? "up" : "down (no carrier or disabled)");
		for (i = 0; i < ctx->ninst; i++)
			ha_fsm_link(&ctx->inst[i].fsm, up, ha_now());
		return;
	case HA_NL_EV_ADDR_DEL:
		if ((in = ha_inst_find(ctx, a)) == NULL ||
		    in->fsm.state != HA_ACTIVE)
			return;
		c = ha_inst_cidr(in, a);
		addr_ntop(a, buf, sizeof buf);
		log_warnx("floating IP %s was removed from %s while active: "
		    "adding it again", buf, ctx->cfg->ha.interface);
		if (ha_nl_addr(ctx->nl, 1, c, &cause) == -1) {
			log_warnx("cannot add %s: %s", buf, cause);
			return;
		}
		ctx->repairs++;
		ha_burst(in, "floating IP repaired");
		return;
	case HA_NL_EV_ADDR_ADD:
		if ((in = ha_inst_find(ctx, a)) == NULL ||
		    in->fsm.state == HA_ACTIVE)
			return;
		c = ha_inst_cidr(in, a);
		addr_ntop(a, buf, sizeof buf);
		log_warnx("floating IP %s appeared on %s while %s: removing "
		    "it", buf, ctx->cfg->ha.interface,
		    ha_state_name(in->fsm.state));
		if (ha_nl_addr(ctx->nl, 0, c, &cause) == -1)
			log_warnx("cannot remove %s: %s", buf, cause);
		return;
	}
}

/* Another MAC claims a floating IP. */
static void
ha_claim_cb(void *arg, const unsigned char *mac, const struct addr *ip)
{
	struct ha_ctx	*ctx = arg;
	struct ha_inst	*in;
	uint64_t	 now = ha_now();
	char		 buf[INET6_ADDRSTRLEN];
	int		 r;

	if ((in = ha_inst_find(ctx, ip)) == NULL ||
	    in->fsm.state != HA_ACTIVE)
		return;
	ctx->claims++;
	addr_ntop(ip, buf, sizeof buf);
	if (in->claimlog_at == 0 || now - in->claimlog_at >= HA_RXLOG_MS) {
		log_warnx("SPLIT BRAIN: %02x:%02x:%02x:%02x:%02x:%02x also "
		    "claims floating IP %s", mac[0], mac[1], mac[2], mac[3],
		    mac[4], mac[5], buf);
		in->claimlog_at = now;
	}
	r = ha_fsm_conflict(&in->fsm, now);
	if (r == 1 && (in->regarp_at == 0 ||
	    now - in->regarp_at >= HA_REGARP_MS)) {
		in->regarp_at = now;
		ha_burst(in, "another MAC claimed the floating IP, this "
		    "server keeps it");
	}
}

/* A tracking round finished. */
static void
ha_track_cb(void *arg, int healthy, const char *culprit)
{
	struct ha_ctx	*ctx = arg;
	size_t		 i;

	if (healthy != ctx->inst[0].fsm.healthy)
		log_info("tracked services: %s%s%s", healthy ? "all up" :
		    "down: ", healthy ? "" : culprit, "");
	for (i = 0; i < ctx->ninst; i++)
		ha_fsm_health(&ctx->inst[i].fsm, healthy, culprit, ha_now());
}
