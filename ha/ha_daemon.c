/*
 * ha_daemon.c: twin-ha at run time. Sends and receives heartbeats, drives
 * the state machine with the monotonic clock, and carries out what each
 * transition means: floating IP added or removed, gratuitous ARP bursts,
 * the reference log lines and the notify script.
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
static void	ha_fip(struct ha_ctx *, int);
static void	ha_burst(struct ha_ctx *, const char *);
static void	ha_check_peer(struct ha_ctx *, uint64_t);
static void	ha_timer(struct event *, uint64_t);
static int	ha_is_fip(struct ha_ctx *, const struct addr *);

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

/* Return 1 if <a> is one of the floating IPs. */
static int
ha_is_fip(struct ha_ctx *ctx, const struct addr *a)
{
	size_t	i;

	for (i = 0; i < ctx->cfg->ha.nfloating_ip; i++)
		if (addr_eq(&ctx->cfg->ha.floating_ip[i].a, a))
			return (1);
	return (0);
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
	struct sockaddr_storage	 ss;
	struct addr		 a;
	const char		*cause;
	char			 buf[64], *path;
	unsigned char		 rnd[8];
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

	memset(&p, 0, sizeof p);
	p.primary = ha->role == HA_ROLE_PRIMARY;
	p.failback = ha->failback;
	p.failback_delay = ha->failback_delay;
	p.interval = ha->interval;
	p.count = ha->count;
	p.self_wins_tie = addr_cmp(&cfg->peer.address, &cfg->peer.partner) < 0;
	ha_fsm_init(&ctx->fsm, &p, ha_transition_cb, ctx, ha_now());
	if (ha_nl_link_up(ctx->nl) == 0)
		ha_fsm_link(&ctx->fsm, 0, ha_now());

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
	ctx->garp_ev = evtimer_new(ctx->base, ha_garp_cb, ctx);
	ctx->refresh_ev = evtimer_new(ctx->base, ha_refresh_cb, ctx);
	if (ctx->rx_ev == NULL || ctx->tx_ev == NULL || ctx->tick_ev == NULL ||
	    ctx->garp_ev == NULL || ctx->refresh_ev == NULL ||
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
	    p.primary ? "primary" : "backup", ctx->partner, ctx->fipstr,
	    ha->interface, ha->interval, ha->port, ha->count,
	    ha->failback ? "yes" : "no");
	ha_send_heartbeat(ctx);
	ha_timer(ctx->tx_ev, ha->interval);
	ha_timer(ctx->tick_ev, ha->interval / 4 > 10 ? ha->interval / 4 : 10);
}

/*
 * Stop: drop the floating IP and tell the partner with a last heartbeat
 * saying FAULT, so it takes over at once instead of after count missed
 * heartbeats.
 */
void
ha_stop(struct ha_ctx *ctx)
{
	ctx->stopping = 1;
	if (ctx->fsm.state == HA_ACTIVE)
		log_info("stopping: releasing floating IP %s", ctx->fipstr);
	ha_fip(ctx, 0);
	ha_send_heartbeat(ctx);
	ctl_server_free(ctx->ctl);
	ha_track_free(ctx->track);
	free(ctx->track_addrs);
	ha_garp_close(ctx->garp);
	ha_nl_close(ctx->nl);
	event_free(ctx->rx_ev);
	event_free(ctx->tx_ev);
	event_free(ctx->tick_ev);
	event_free(ctx->garp_ev);
	event_free(ctx->refresh_ev);
	close(ctx->sock);
	explicit_bzero(ctx->key, sizeof ctx->key);
	log_info("stopped");
}

/* Send one heartbeat to the partner. */
void
ha_send_heartbeat(struct ha_ctx *ctx)
{
	struct ha_hb		 hb;
	struct sockaddr_storage	 ss;
	struct addr		 a;
	unsigned char		 buf[HA_WIRE_LEN];
	socklen_t		 len;
	uint64_t		 now = ha_now();

	memset(&hb, 0, sizeof hb);
	hb.sender = ctx->cfg->peer.address;
	hb.sender.port = 0;
	hb.flags = ctx->stopping ? 0 : ha_fsm_flags(&ctx->fsm);
	if (ha_replay_hears(&ctx->replay, now))
		hb.flags |= HA_F_HEARS;
	hb.role = ctx->cfg->ha.role;
	hb.state = ctx->stopping ? HA_FAULT : ctx->fsm.state;
	hb.interval = ctx->cfg->ha.interval;
	hb.fingerprint = ctx->fingerprint;
	hb.seq = ha_replay_next(&ctx->replay, now);
	hb.echo = ctx->replay.echo;
	ha_wire_encode(&hb, ctx->key, ctx->keylen, buf);
	a = ctx->cfg->peer.partner;
	a.port = ctx->cfg->ha.port;
	len = addr_to_sa(&a, &ss);
	if (sendto(ctx->sock, buf, sizeof buf, 0, (struct sockaddr *)&ss,
	    len) != (ssize_t)sizeof buf) {
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
	int	alive = ha_fsm_peer_alive(&ctx->fsm, now);

	if (alive && !ctx->peer_up)
		log_info("partner %s heard: %s, default %s", ctx->partner,
		    ha_state_name(ctx->fsm.peer.state),
		    ctx->fsm.peer.role == HA_ROLE_PRIMARY ? "primary" :
		    "backup");
	else if (!alive && ctx->peer_up)
		log_warnx("partner %s lost: no heartbeat for %" PRIu64 " ms",
		    ctx->partner, now - ctx->fsm.peer_last);
	ctx->peer_up = alive;
}

/*
 * State machine clock, every quarter interval: missed heartbeats, due
 * failbacks, and a check that the active really holds its address.
 */
static void
ha_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ha_ctx	*ctx = arg;
	struct cfg_ha	*ha = &ctx->cfg->ha;
	uint64_t	 now = ha_now();
	const char	*cause;
	char		 buf[INET6_ADDRSTRLEN];
	size_t		 i;

	ha_fsm_tick(&ctx->fsm, now);
	ha_check_peer(ctx, now);
	if (ctx->fsm.state == HA_ACTIVE) {
		for (i = 0; i < ha->nfloating_ip; i++) {
			if (ha_nl_has_addr(ctx->nl, &ha->floating_ip[i]) != 0)
				continue;
			addr_ntop(&ha->floating_ip[i].a, buf, sizeof buf);
			log_warnx("floating IP %s missing on %s: adding it "
			    "again", buf, ha->interface);
			if (ha_nl_addr(ctx->nl, 1, &ha->floating_ip[i],
			    &cause) == -1)
				log_warnx("cannot add %s: %s", buf, cause);
			else {
				ctx->repairs++;
				ha_burst(ctx, "floating IP repaired");
			}
		}
	}
	ha_timer(ctx->tick_ev, ha->interval / 4 > 10 ? ha->interval / 4 : 10);
}

/* Add (1) or remove (0) every floating IP. */
static void
ha_fip(struct ha_ctx *ctx, int add)
{
	struct cfg_ha	*ha = &ctx->cfg->ha;
	const char	*cause;
	char		 buf[64];
	size_t		 i;

	for (i = 0; i < ha->nfloating_ip; i++) {
		cidr_fmt(&ha->floating_ip[i], buf, sizeof buf);
		if (ha_nl_addr(ctx->nl, add, &ha->floating_ip[i],
		    &cause) == -1)
			log_warnx("cannot %s floating IP %s %s %s: %s",
			    add ? "add" : "remove", buf, add ? "to" : "from",
			    ha->interface, cause);
		else
			log_info("floating IP %s %s %s", buf,
			    add ? "added to" : "removed from", ha->interface);
	}
	if (!add) {
		evtimer_del(ctx->garp_ev);
		evtimer_del(ctx->refresh_ev);
		ctx->garp_left = 0;
	}
}

/* Start a burst of garp-count announcements, garp-interval apart. */
static void
ha_burst(struct ha_ctx *ctx, const char *why)
{
	static const char *const modes[] = { "request", "reply", "both" };
	struct cfg_ha	*ha = &ctx->cfg->ha;
	char		 buf[32];
	int		 n;

	ctx->garp_left = ha->garp_count;
	ctx->garp_bursts++;
	n = ha_garp_send(ctx->garp, ha->garp_mode);
	ctx->garp_left--;
	if (n > 0)
		ctx->garp_frames += n;
	log_info("gratuitous ARP sent for %s on %s (%s; burst of %u every "
	    "%s, %s form)", ctx->fipstr, ha->interface, why, ha->garp_count,
	    cfg_fmt_duration(ha->garp_interval, buf, sizeof buf),
	    modes[ha->garp_mode]);
	if (ctx->garp_left > 0)
		ha_timer(ctx->garp_ev, ha->garp_interval);
	if (ha->garp_refresh > 0)
		ha_timer(ctx->refresh_ev, ha->garp_refresh);
}

/* The rest of a burst. */
static void
ha_garp_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ha_ctx	*ctx = arg;
	int		 n;

	if (ctx->fsm.state != HA_ACTIVE || ctx->garp_left == 0)
		return;
	if ((n = ha_garp_send(ctx->garp, ctx->cfg->ha.garp_mode)) > 0)
		ctx->garp_frames += n;
	if (--ctx->garp_left > 0)
		ha_timer(ctx->garp_ev, ctx->cfg->ha.garp_interval);
}

/* Periodic refresh while active. */
static void
ha_refresh_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ha_ctx	*ctx = arg;
	int		 n;

	if (ctx->fsm.state != HA_ACTIVE)
		return;
	if ((n = ha_garp_send(ctx->garp, ctx->cfg->ha.garp_mode)) > 0)
		ctx->garp_frames += n;
	log_debug("gratuitous ARP refresh for %s", ctx->fipstr);
	ha_timer(ctx->refresh_ev, ctx->cfg->ha.garp_refresh);
}

/* The state machine changed state (or asks to re-announce). */
static void
ha_transition_cb(void *arg, enum ha_state from, enum ha_state to,
    const char *reason)
{
	struct ha_ctx	*ctx = arg;
	enum ha_cause	 cause = ctx->fsm.cause;

	if (from == to) {
		log_info("%s: %s", ha_state_name(to), reason);
		if (to == HA_ACTIVE)
			ha_burst(ctx, "re-announcing");
		ha_send_heartbeat(ctx);
		return;
	}
	log_info("state %s -> %s: %s", ha_state_name(from), ha_state_name(to),
	    reason);
	if (to == HA_ACTIVE) {
		if (from == HA_STANDBY && (cause == HA_C_PEER_SILENT ||
		    cause == HA_C_PEER_FAULT || cause == HA_C_MANUAL))
			log_info("Standby System(%s) is an Active System renew.",
			    ctx->partner);
		if (cause == HA_C_FAILBACK)
			log_info("Standby System(%s) is a Enable.",
			    ctx->partner);
		ha_fip(ctx, 1);
		ha_burst(ctx, "takeover");
	} else if (from == HA_ACTIVE) {
		/*
		 * The default backup handing the service back to the primary
		 * is the other half of a failback: say so in the reference
		 * wording on this side too.
		 */
		if (to == HA_STANDBY && cause == HA_C_SPLIT &&
		    ctx->cfg->ha.role == HA_ROLE_BACKUP &&
		    ctx->cfg->ha.failback)
			log_info("Standby System(%s) is a Enable.", ctx->self);
		ha_fip(ctx, 0);
	}
	ha_send_heartbeat(ctx);
	ha_notify_run(ctx->cfg->ha.notify, ha_state_name(to), ctx->fipstr,
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
	struct ha_hb		 hb;
	struct addr		 src;
	unsigned char		 buf[512];
	char			 from[ADDR_STRLEN];
	enum ha_wire_err	 e;
	socklen_t		 sl;
	ssize_t			 n;
	uint64_t		 now;
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
			    "config files", from, hb.fingerprint,
			    ctx->fingerprint);
			ctx->fp_bad = now;
		} else if (hb.fingerprint == ctx->fingerprint && ctx->fp_bad) {
			log_info("partner %s configuration matches again",
			    from);
			ctx->fp_bad = 0;
		}
		if (hb.role == ctx->cfg->ha.role && ctx->fsm.peer_heard == 0)
			log_warnx("partner %s has the same default role (%s); "
			    "the lower address is preferred", from,
			    hb.role == HA_ROLE_PRIMARY ? "primary" : "backup");
		ha_fsm_heartbeat(&ctx->fsm, &hb, now);
		ha_check_peer(ctx, now);
	}
	if (want_reply && !ctx->stopping)
		ha_reply(ctx, ha_now());
}

/* Address or link events on the interface. */
static void
ha_nl_cb(void *arg, int ev, const struct addr *a, int up)
{
	struct ha_ctx	*ctx = arg;
	char		 buf[INET6_ADDRSTRLEN];
	const char	*cause;
	size_t		 i;

	if (ctx->stopping)
		return;
	switch (ev) {
	case HA_NL_EV_LINK:
		if (up == ctx->fsm.link_up)
			return;
		log_warnx("interface %s is %s", ctx->cfg->ha.interface,
		    up ? "up" : "down (no carrier or disabled)");
		ha_fsm_link(&ctx->fsm, up, ha_now());
		return;
	case HA_NL_EV_ADDR_DEL:
		if (!ha_is_fip(ctx, a) || ctx->fsm.state != HA_ACTIVE)
			return;
		addr_ntop(a, buf, sizeof buf);
		log_warnx("floating IP %s was removed from %s while active: "
		    "adding it again", buf, ctx->cfg->ha.interface);
		for (i = 0; i < ctx->cfg->ha.nfloating_ip; i++) {
			if (!addr_eq(&ctx->cfg->ha.floating_ip[i].a, a))
				continue;
			if (ha_nl_addr(ctx->nl, 1, &ctx->cfg->ha.floating_ip[i],
			    &cause) == -1) {
				log_warnx("cannot add %s: %s", buf, cause);
				return;
			}
		}
		ctx->repairs++;
		ha_burst(ctx, "floating IP repaired");
		return;
	case HA_NL_EV_ADDR_ADD:
		if (!ha_is_fip(ctx, a) || ctx->fsm.state == HA_ACTIVE)
			return;
		addr_ntop(a, buf, sizeof buf);
		log_warnx("floating IP %s appeared on %s while %s: removing "
		    "it", buf, ctx->cfg->ha.interface,
		    ha_state_name(ctx->fsm.state));
		for (i = 0; i < ctx->cfg->ha.nfloating_ip; i++)
			if (addr_eq(&ctx->cfg->ha.floating_ip[i].a, a) &&
			    ha_nl_addr(ctx->nl, 0,
			    &ctx->cfg->ha.floating_ip[i], &cause) == -1)
				log_warnx("cannot remove %s: %s", buf, cause);
		return;
	}
}

/* Another MAC claims a floating IP. */
static void
ha_claim_cb(void *arg, const unsigned char *mac, const struct addr *ip)
{
	struct ha_ctx	*ctx = arg;
	uint64_t	 now = ha_now();
	char		 buf[INET6_ADDRSTRLEN];
	int		 r;

	if (ctx->fsm.state != HA_ACTIVE)
		return;
	ctx->claims++;
	addr_ntop(ip, buf, sizeof buf);
	if (ctx->claimlog_at == 0 || now - ctx->claimlog_at >= HA_RXLOG_MS) {
		log_warnx("SPLIT BRAIN: %02x:%02x:%02x:%02x:%02x:%02x also "
		    "claims floating IP %s", mac[0], mac[1], mac[2], mac[3],
		    mac[4], mac[5], buf);
		ctx->claimlog_at = now;
	}
	r = ha_fsm_conflict(&ctx->fsm, now);
	if (r == 1 && (ctx->regarp_at == 0 ||
	    now - ctx->regarp_at >= HA_REGARP_MS)) {
		ctx->regarp_at = now;
		ha_burst(ctx, "another MAC claimed the floating IP, this "
		    "server keeps it");
	}
}

/* A tracking round finished. */
static void
ha_track_cb(void *arg, int healthy, const char *culprit)
{
	struct ha_ctx	*ctx = arg;

	if (healthy != ctx->fsm.healthy)
		log_info("tracked services: %s%s%s", healthy ? "all up" :
		    "down: ", healthy ? "" : culprit, "");
	ha_fsm_health(&ctx->fsm, healthy, culprit, ha_now());
}
