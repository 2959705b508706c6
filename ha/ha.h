/*
 * ha.h: twin-ha, the active-standby monitor: heartbeat wire format, the role
 * state machine, the floating IP (rtnetlink), gratuitous ARP (libpcap),
 * service tracking and the notify script.
 */
#ifndef HA_H
#define HA_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>

#include "addr.h"
#include "cfg.h"

struct cfg;
struct ctl_cmd;
struct ctl_server;
struct event;
struct event_base;

/* Roles a peer can be in. The numbers travel on the wire. */
enum ha_state {
	HA_INIT = 0,
	HA_STANDBY = 1,
	HA_ACTIVE = 2,
	HA_FAULT = 3
};

/*
 * Heartbeat wire format, version 2 (one state machine for every floating
 * IP, the classic form): 88 bytes, integers in network order.
 *
 *  off len field
 *    0   4 magic "TWHA"
 *    4   1 version (2)
 *    5   1 type (1: heartbeat)
 *    6   1 sender address family (4 or 6)
 *    7   1 flags: 0x01 healthy, 0x02 yielding (released by hand),
 *                 0x04 forcing (taken over by hand), 0x08 hears the
 *                 receiver (accepted one of its heartbeats lately)
 *    8  16 sender's real address (IPv4 in the first 4 bytes, rest zero)
 *   24   1 sender's default role (0 primary, 1 backup)
 *   25   1 sender's current state (0 INIT, 1 STANDBY, 2 ACTIVE, 3 FAULT)
 *   26   2 reserved, zero
 *   28   4 sender's heartbeat interval in milliseconds
 *   32   8 config fingerprint (see ha_wire_fingerprint)
 *   40   8 sequence number: random start for each run, then +1
 *   48   8 echo: the receiver's sequence number last heard (0: none)
 *   56  32 HMAC-SHA256 over bytes 0-55 under the shared key
 *
 * Version 3 (floating IPs with a state machine each, 'prefer' in the
 * config) has the same first 56 bytes, with version 3, the flags holding
 * only healthy and hears, the state summing up the instances (FAULT if
 * any, else ACTIVE if any, else STANDBY if any, else INIT) and byte 26
 * the number N of instances (1 to HA_MAXINST); then N records of 24
 * bytes, then the HMAC over everything before it (88 + 24 N bytes):
 *
 *    0   1 address family (4 or 6)
 *    1   1 prefix length
 *    2   1 0: the sender normally holds this address, 1: it does not
 *    3   1 the sender's state for this address
 *    4   1 flags: 0x02 yielding, 0x04 forcing
 *    5   3 reserved, zero
 *    8  16 the floating IP (IPv4 in the first 4 bytes, rest zero)
 *
 * Version 1 had the same length and HMAC position, with a boot epoch from
 * the realtime clock at 40 and the sequence number at 48. The HMAC is
 * checked before the version, so only an authentic packet of another
 * version is reported as such.
 */
#define HA_WIRE_MAGIC		"TWHA"
#define HA_WIRE_VERSION		2
#define HA_WIRE_VERSION_MULTI	3
#define HA_WIRE_TYPE_HB		1
#define HA_WIRE_BODY		56
#define HA_WIRE_MACLEN		32
#define HA_WIRE_LEN		(HA_WIRE_BODY + HA_WIRE_MACLEN)
#define HA_WIRE_INSTLEN		24
#define HA_MAXINST		CFG_HA_MAXINST
#define HA_WIRE_MAXLEN		(HA_WIRE_LEN + HA_MAXINST * HA_WIRE_INSTLEN)

#define HA_F_HEALTHY		0x01
#define HA_F_YIELD		0x02
#define HA_F_FORCE		0x04
#define HA_F_HEARS		0x08

/* One floating IP's record in a version 3 heartbeat. */
struct ha_hb_inst {
	struct cidr	 fip;
	uint8_t		 pref;		/* 0: the sender normally holds it */
	uint8_t		 state;		/* enum ha_state */
	uint8_t		 flags;		/* HA_F_YIELD, HA_F_FORCE */
};

struct ha_hb {
	struct addr	 sender;
	uint8_t		 flags;
	uint8_t		 role;		/* HA_ROLE_PRIMARY or HA_ROLE_BACKUP */
	uint8_t		 state;		/* enum ha_state */
	uint32_t	 interval;	/* ms */
	uint64_t	 fingerprint;
	uint64_t	 seq;
	uint64_t	 echo;
	size_t		 ninst;		/* 0: version 2 */
	struct ha_hb_inst inst[HA_MAXINST];
};

/* Why a received packet was refused (counters index). */
enum ha_wire_err {
	HA_RX_OK = 0,
	HA_RX_TRUNCATED,	/* wrong length */
	HA_RX_MALFORMED,	/* bad magic, type or fields */
	HA_RX_FORGED,		/* HMAC does not verify */
	HA_RX_VERSION,		/* authentic, but another format version */
	HA_RX_SENDER,		/* authentic, but not from the partner */
	HA_RX_REPLAYED,		/* not newer than one accepted before */
	HA_RX_WINDOW,		/* echoes a challenge of ours, too old */
	HA_RX_CHALLENGE,	/* echoes no challenge of this run */
	HA_RX_NERR
};

/*
 * Acceptance state (ha_replay.c). Each sequence number this process sends
 * is also a challenge: a heartbeat is accepted only if it echoes one sent
 * within <window> ms, so nothing recorded before this process started can
 * match, and only if its (echo, seq) is above the last accepted one.
 */
/*
 * Send times are kept for this many recent sequence numbers: a window of
 * count + 1 intervals sees at most five heartbeats an interval (the
 * regular one and four answers, see ha_reply), so 512 covers count 100.
 */
#define HA_CHAL_RING		512

struct ha_replay {
	uint64_t	 window;	/* ms a challenge stays good */
	uint64_t	 start;		/* ms, at init */
	uint64_t	 first;		/* first sequence number of this run */
	uint64_t	 seq;		/* last one sent (first - 1: none) */
	uint64_t	 sent[HA_CHAL_RING];	/* ms each recent one left */
	uint64_t	 echo;		/* partner's number to echo, 0: none */
	int		 valid;		/* a heartbeat was accepted */
	uint64_t	 peer_seq;	/* the last one accepted: its seq, */
	uint64_t	 peer_echo;	/* its echo */
	uint64_t	 peer_at;	/* and when (ms) */
	uint64_t	 stale_since;	/* first refusal for a stale echo since
					   the last acceptance, 0: none */
};

/* Inputs and outputs of the role state machine, free of any I/O. */
struct ha_fsm_params {
	int		 primary;	/* configured default role is primary */
	int		 failback;
	uint64_t	 failback_delay;	/* ms */
	uint64_t	 interval;	/* ms */
	unsigned int	 count;
	int		 self_wins_tie;	/* both same role: lower address wins */
};

/* Why the last transition happened (the daemon picks log lines by it). */
enum ha_cause {
	HA_C_NONE = 0,
	HA_C_START,		/* nothing heard from the partner at start */
	HA_C_ELECTION,		/* both starting or both standby */
	HA_C_PEER_ACTIVE,	/* the partner is active */
	HA_C_PEER_SILENT,	/* count heartbeats missed: takeover */
	HA_C_PEER_FAULT,	/* the partner reports a fault */
	HA_C_FAILBACK,		/* the default primary takes the service back */
	HA_C_SPLIT,		/* both active: one keeps the floating IP */
	HA_C_MANUAL,		/* twinctl takeover / release */
	HA_C_HEALTH,		/* a tracked service failed or recovered */
	HA_C_LINK		/* the interface went down or up */
};

struct ha_fsm;

/* Called on each transition; the daemon moves addresses and logs. */
typedef void	(*ha_fsm_cb)(void *, enum ha_state, enum ha_state,
		    const char *);

struct ha_fsm {
	struct ha_fsm_params	 p;
	enum ha_state		 state;
	uint64_t		 since;		/* entered state at (ms) */
	uint64_t		 start;
	int			 healthy;	/* tracked services up */
	int			 link_up;
	int			 yield;		/* released by hand */
	int			 force;		/* taken over by hand */

	int			 peer_heard;	/* any heartbeat since start */
	uint64_t		 peer_last;	/* ms of the last heartbeat */
	struct ha_hb		 peer;		/* last heartbeat */
	uint64_t		 failback_at;	/* 0: no failback pending */

	int			 split_seen;	/* re-announced for it */
	enum ha_cause		 cause;
	unsigned long		 transitions;
	unsigned long		 takeovers;
	char			 reason[160];

	ha_fsm_cb		 cb;
	void			*arg;
};

struct ha_ctx;

/*
 * One state machine and the floating IPs it moves: all of them in the
 * classic form, one each with per-address preferences.
 */
struct ha_inst {
	struct ha_ctx		*ctx;
	struct ha_fsm		 fsm;
	struct cidr		*fip;		/* into the config */
	size_t			 nfip;
	int			 prefer;	/* normally held by this peer */
	char			 fipstr[256];
	char			 tag[INET6_ADDRSTRLEN + 4];	/* "[ip] " */
	struct event		*garp_ev;
	struct event		*refresh_ev;
	unsigned int		 garp_left;
	uint64_t		 regarp_at;
	uint64_t		 claimlog_at;	/* rate limit, this address */
};

/* The daemon: one per peer. */
struct ha_ctx {
	struct event_base	*base;
	struct cfg		*cfg;
	struct ha_inst		 inst[HA_MAXINST];
	size_t			 ninst;
	int			 multi;		/* version 3 heartbeats */
	struct ha_hb		 peer;		/* last accepted heartbeat */
	unsigned char		 key[1024];
	size_t			 keylen;
	int			 sock;
	struct event		*rx_ev;
	struct event		*tx_ev;
	struct event		*tick_ev;
	struct ha_nl		*nl;
	struct ha_garp		*garp;
	struct ha_track		*track;
	struct addr		*track_addrs;
	size_t			 ntrack;
	struct ctl_server	*ctl;
	struct metrics_server	*metrics;	/* ha_metrics.c */
	char			 fipstr[256];
	char			 self[INET6_ADDRSTRLEN];
	char			 partner[INET6_ADDRSTRLEN];
	uint64_t		 fingerprint;
	struct ha_replay	 replay;
	uint64_t		 reply_at;	/* last extra heartbeat */
	unsigned long		 rx[HA_RX_NERR];
	unsigned long		 tx;
	unsigned long		 tx_err;
	unsigned long		 garp_bursts;
	unsigned long		 garp_frames;
	unsigned long		 claims;
	unsigned long		 repairs;
	uint64_t		 rxlog_at;	/* rate limit for bad packets */
	unsigned long		 rxlog_quiet;
	uint64_t		 fp_bad;	/* mismatching fingerprint seen */
	int			 peer_up;	/* logged as heard */
	int			 stopping;
};

const char	*ha_state_name(enum ha_state);
const char	*ha_state_word(enum ha_state);

/* ha_daemon.c */
uint64_t	 ha_now(void);
void		 ha_start(struct ha_ctx *);
void		 ha_stop(struct ha_ctx *);
void		 ha_send_heartbeat(struct ha_ctx *);
enum ha_state	 ha_summary(const struct ha_ctx *);
struct ha_inst	*ha_inst_find(struct ha_ctx *, const struct addr *);

/* ha_ctl.c */
extern const struct ctl_cmd *const ha_ctl_cmds;

/* ha_metrics.c */
struct metrics_server;
void		 ha_metrics_start(struct ha_ctx *);
void		 ha_metrics_stop(struct ha_ctx *);

/* ha_wire.c */
size_t		 ha_wire_encode(const struct ha_hb *, const unsigned char *,
		     size_t, unsigned char *);
enum ha_wire_err ha_wire_decode(const unsigned char *, size_t,
		     const unsigned char *, size_t, struct ha_hb *);
int		 ha_wire_hmac(const unsigned char *, size_t,
		     const unsigned char *, size_t, unsigned char *);
uint64_t	 ha_wire_fingerprint(const struct addr *, const struct addr *,
		     const struct cidr *, size_t);
uint64_t	 ha_wire_fingerprint_multi(const struct addr *,
		     const struct addr *, const struct cidr *, const int *,
		     size_t);
const char	*ha_wire_errname(enum ha_wire_err);

/* ha_replay.c */
void		 ha_replay_init(struct ha_replay *, uint64_t, uint64_t,
		     uint64_t);
uint64_t	 ha_replay_next(struct ha_replay *, uint64_t);
int		 ha_replay_hears(const struct ha_replay *, uint64_t);
int		 ha_replay_quiet(const struct ha_replay *, uint64_t);
enum ha_wire_err ha_replay_check(struct ha_replay *, const struct ha_hb *,
		     uint64_t, int *);

/* ha_fsm.c */
void		 ha_fsm_init(struct ha_fsm *, const struct ha_fsm_params *,
		     ha_fsm_cb, void *, uint64_t);
void		 ha_fsm_tick(struct ha_fsm *, uint64_t);
void		 ha_fsm_heartbeat(struct ha_fsm *, const struct ha_hb *,
		     uint64_t);
void		 ha_fsm_health(struct ha_fsm *, int, const char *, uint64_t);
void		 ha_fsm_link(struct ha_fsm *, int, uint64_t);
int		 ha_fsm_takeover(struct ha_fsm *, uint64_t, const char **);
int		 ha_fsm_release(struct ha_fsm *, uint64_t, const char **);
int		 ha_fsm_conflict(struct ha_fsm *, uint64_t);
int		 ha_fsm_peer_alive(const struct ha_fsm *, uint64_t);
uint8_t		 ha_fsm_flags(const struct ha_fsm *);

/* ha_garp.c */
#define HA_ETH_ALEN		6
#define HA_ARP_FRAMELEN		60
#define HA_NA_FRAMELEN		86

struct ha_garp;

size_t		 ha_garp_arp_frame(unsigned char *, const unsigned char *,
		     const struct in_addr *, int);
size_t		 ha_garp_na_frame(unsigned char *, const unsigned char *,
		     const struct in6_addr *);
int		 ha_garp_parse_claim(const unsigned char *, size_t,
		     const unsigned char *, const struct cidr *, size_t,
		     unsigned char *, struct addr *);
struct ha_garp	*ha_garp_open(struct event_base *, const char *,
		     const struct cidr *, size_t,
		     void (*)(void *, const unsigned char *,
		     const struct addr *), void *, const char **);
void		 ha_garp_close(struct ha_garp *);
int		 ha_garp_send(struct ha_garp *, int, const struct cidr *,
		     size_t);
const unsigned char *ha_garp_mac(const struct ha_garp *);

/* ha_netlink.c */
struct ha_nl;

struct ha_nl	*ha_nl_open(struct event_base *, const char *,
		     void (*)(void *, int, const struct addr *, int), void *,
		     const char **);
void		 ha_nl_close(struct ha_nl *);
int		 ha_nl_addr(struct ha_nl *, int, const struct cidr *,
		     const char **);
int		 ha_nl_has_addr(struct ha_nl *, const struct cidr *);
int		 ha_nl_ifindex(const struct ha_nl *);
int		 ha_nl_link_up(struct ha_nl *);

#define HA_NL_EV_ADDR_DEL	1
#define HA_NL_EV_ADDR_ADD	2
#define HA_NL_EV_LINK		3

/* ha_track.c */
struct ha_track;

struct ha_track	*ha_track_new(struct event_base *, const struct addr *,
		     size_t, uint64_t, uint64_t,
		     void (*)(void *, int, const char *), void *);
void		 ha_track_free(struct ha_track *);
size_t		 ha_track_count(const struct ha_track *);
int		 ha_track_status(const struct ha_track *, size_t,
		     struct addr *);
size_t		 ha_track_defaults(const struct cfg *, struct addr **);

/* ha_notify.c */
void		 ha_notify_run(const char *, const char *, const char *,
		     const char *);
void		 ha_notify_reap(void);

#endif
