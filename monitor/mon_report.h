/*
 * mon_report.h: what a site agent tells the monitoring center, and the
 * center's acknowledgement, as strict line-based text.
 *
 * A report is one HTTPS request body: a status snapshot (which is also
 * the alive report) followed by the oldest events not yet acknowledged,
 * so every message proves the device is alive and drains the spool:
 *
 *	twinproxy-report 1
 *	site: osaka-01
 *	peer: a
 *	sent: 2024-05-01T10:00:00.000Z
 *	software: 0.1.0
 *	uptime: 86400
 *	role: active
 *	partner: up
 *	proxy: up
 *	proxy-requests: 123456
 *	proxy-connections: 12
 *	cache-hits: 40000
 *	cache-misses: 80000
 *	cache-objects: 5120
 *	cache-bytes: 73400320
 *	wpad: up
 *	lb-server: web w1 up
 *	event: 17 2024-05-01T09:59:58.120Z takeover no heartbeat from b
 *
 * Why text and not JSON: the message is flat and small, with a fixed set
 * of fields; one line per field (and per event) needs no escaping, no
 * nesting and no allocation, so the decoder is bounded by construction
 * (message, line and count limits), has one canonical encoding (decode
 * then encode gives the same bytes, which the golden tests rely on) and
 * can be fuzzed to full coverage; a JSON library would still need a
 * schema check of the same size on top. The bytes are readable in logs.
 *
 * The grammar, strictly: lines end with LF alone; every byte is printable
 * ASCII (0x20-0x7e); the first line is the magic and version; each other
 * line is "key: value", the key lowercase letters, digits and '-', one
 * space after the colon, the value neither empty nor starting or ending
 * with a space. Every status field is required exactly once, in any
 * order; lb-server and event may repeat (bounded); event sequence numbers
 * strictly increase within a message.
 *
 * Unknown keys are ignored (counted, the first one kept for the log), not
 * refused: agents are updated automatically and independently of the
 * center, and a center that refused a newer agent's extra field would see
 * the whole fleet fall silent after an agent upgrade, raising false alarms
 * and hiding real ones. The ignored lines still count against every
 * limit. A new major version (the number on the first line) is refused.
 * Unknown event kinds are kept likewise (MON_EV_OTHER with the kind name)
 * so the spool of a newer agent never blocks on an event the center
 * cannot name.
 *
 * The device ID is not part of the report: it is a credential and travels
 * in the request's header, so report bodies may be logged and stored.
 */
#ifndef MON_REPORT_H
#define MON_REPORT_H

#include <stddef.h>
#include <stdint.h>

#define MON_REPORT_MAGIC	"twinproxy-report"
#define MON_ACK_MAGIC		"twinproxy-ack"
#define MON_VERSION		1

#define MON_MSG_MAX		65536	/* bytes in a report or an ack */
#define MON_LINE_MAX		1024	/* bytes in a line, without LF */
#define MON_LINES_MAX		256	/* lines in a message */
#define MON_KEY_MAX		32
#define MON_SITE_MAX		63	/* a DNS label: [a-z0-9-] */
#define MON_NAME_MAX		64	/* peer, cluster, server names */
#define MON_SOFTWARE_MAX	32
#define MON_KIND_MAX		32
#define MON_TEXT_MAX		256
#define MON_LB_MAX		64	/* lb-server lines in a report */
#define MON_EVENTS_MAX		32	/* event lines in a report */
#define MON_TIME_LEN		24	/* 2024-05-01T10:00:00.000Z */
/* The longest event value: seq, time, kind and text with separators. */
#define MON_EVENT_MAX		(20 + 1 + MON_TIME_LEN + 1 + MON_KIND_MAX + \
				    1 + MON_TEXT_MAX)

enum mon_role {
	MON_ROLE_STARTING,
	MON_ROLE_STANDBY,
	MON_ROLE_ACTIVE,
	MON_ROLE_FAULT,
	MON_ROLE_SINGLE		/* no redundancy configured */
};

enum mon_partner {
	MON_PARTNER_UP,
	MON_PARTNER_DOWN,
	MON_PARTNER_UNKNOWN,
	MON_PARTNER_NONE	/* no partner configured */
};

enum mon_svc {
	MON_SVC_UP,
	MON_SVC_DOWN,
	MON_SVC_OFF		/* not configured on this peer */
};

enum mon_lbstate {
	MON_LB_UP,
	MON_LB_DOWN,
	MON_LB_QUIESCE,
	MON_LB_DISABLED		/* taken out by hand */
};

enum mon_ev_kind {
	MON_EV_TAKEOVER,
	MON_EV_FAILBACK,
	MON_EV_PARTNER_ERROR,
	MON_EV_PARTNER_RESTORED,
	MON_EV_SERVICE_DOWN,
	MON_EV_SERVICE_UP,
	MON_EV_CONFIG_MISMATCH,
	MON_EV_PROXY_DOWN,
	MON_EV_PROXY_UP,
	MON_EV_LB_SERVER_DOWN,
	MON_EV_LB_SERVER_UP,
	MON_EV_CACHE_ERROR,
	MON_EV_CERT_EXPIRY,
	MON_EV_EVENTS_DROPPED,	/* the spool lost events (mon_spool.c) */
	MON_EV_UPDATE_INSTALLED, /* a bundle installed, healthy (mon_dist) */
	MON_EV_UPDATE_FAILED,	/* a bundle rolled back */
	MON_EV_UPDATE_REFUSED,	/* a bundle refused before installing */
	MON_EV_CERT_RENEWED,	/* a new client certificate (mon_renew) */
	MON_EV_OTHER		/* a kind this version does not know */
};

enum mon_level {
	MON_LEVEL_INFO,
	MON_LEVEL_WARNING,
	MON_LEVEL_CRITICAL
};

struct mon_event {
	uint64_t		 seq;	/* per device, from 1, never reused */
	uint64_t		 time;	/* when it happened, ms since 1970 */
	enum mon_ev_kind	 kind;
	char			 kind_name[MON_KIND_MAX + 1];
	char			 text[MON_TEXT_MAX + 1];
};

struct mon_lbsrv {
	char			 cluster[MON_NAME_MAX + 1];
	char			 server[MON_NAME_MAX + 1];
	enum mon_lbstate	 state;
};

struct mon_report {
	char			 site[MON_SITE_MAX + 1];
	char			 peer[MON_NAME_MAX + 1];
	uint64_t		 sent;		/* ms since 1970 UTC */
	char			 software[MON_SOFTWARE_MAX + 1];
	uint64_t		 uptime;	/* seconds */
	enum mon_role		 role;
	enum mon_partner	 partner;
	enum mon_svc		 proxy;
	uint64_t		 proxy_requests;
	uint64_t		 proxy_connections;
	uint64_t		 cache_hits;
	uint64_t		 cache_misses;
	uint64_t		 cache_objects;
	uint64_t		 cache_bytes;
	enum mon_svc		 wpad;
	struct mon_lbsrv	 lb[MON_LB_MAX];
	size_t			 nlb;
	struct mon_event	 ev[MON_EVENTS_MAX];
	size_t			 nev;
	/* Decoder only: ignored unknown keys. */
	unsigned int		 nunknown;
	char			 unknown[MON_KEY_MAX + 1];
};

struct mon_ack {
	uint64_t		 ack;	/* every event seq <= ack is stored */
	uint64_t		 time;	/* the center's clock, ms since 1970 */
	char			 error[MON_TEXT_MAX + 1];  /* "" if none */
	unsigned int		 nunknown;
	char			 unknown[MON_KEY_MAX + 1];
};

/* Why a message was refused; each code has a fixed name for the log. */
enum mon_perr_code {
	MON_E_NONE,
	MON_E_EMPTY,		/* no bytes at all */
	MON_E_TOO_LARGE,	/* more than MON_MSG_MAX bytes */
	MON_E_CHAR,		/* a byte other than printable ASCII or LF */
	MON_E_NO_NEWLINE,	/* the last line does not end with LF */
	MON_E_LINE_LONG,	/* a line over MON_LINE_MAX */
	MON_E_TOO_MANY_LINES,	/* over MON_LINES_MAX */
	MON_E_MAGIC,		/* first line is not the expected magic */
	MON_E_VERSION,		/* magic right, version not supported */
	MON_E_SYNTAX,		/* not "key: value" */
	MON_E_KEY,		/* key with bad characters or too long */
	MON_E_DUPLICATE,	/* a single field given twice */
	MON_E_VALUE,		/* a value that does not parse */
	MON_E_TOO_MANY,		/* over MON_LB_MAX or MON_EVENTS_MAX */
	MON_E_ORDER,		/* event seqs not strictly increasing */
	MON_E_MISSING		/* a required field is absent */
};

struct mon_perr {
	enum mon_perr_code	 code;
	unsigned int		 line;	/* 1-based; 0 for the whole message */
	char			 field[MON_KEY_MAX + 1];
	const char		*detail;	/* static string or NULL */
};

/* mon_report.c */
int		 mon_report_decode(const char *, size_t, struct mon_report *,
		     struct mon_perr *);
int		 mon_report_encode(const struct mon_report *, char *, size_t,
		     size_t *, const char **);
int		 mon_ack_decode(const char *, size_t, struct mon_ack *,
		     struct mon_perr *);
int		 mon_ack_encode(const struct mon_ack *, char *, size_t,
		     size_t *, const char **);
int		 mon_event_decode(const char *, size_t, struct mon_event *,
		     const char **);
int		 mon_event_encode(const struct mon_event *, char *, size_t,
		     size_t *, const char **);
void		 mon_event_set(struct mon_event *, enum mon_ev_kind, uint64_t,
		     const char *);
enum mon_level	 mon_event_level(enum mon_ev_kind);
const char	*mon_event_kind_name(enum mon_ev_kind);
const char	*mon_level_name(enum mon_level);
const char	*mon_role_name(enum mon_role);
const char	*mon_partner_name(enum mon_partner);
const char	*mon_svc_name(enum mon_svc);
const char	*mon_lbstate_name(enum mon_lbstate);
const char	*mon_perr_name(enum mon_perr_code);
const char	*mon_perr_fmt(const struct mon_perr *, char *, size_t);
int		 mon_site_valid(const char *);
int		 mon_name_valid(const char *);
int		 mon_time_parse(const char *, size_t, uint64_t *);
const char	*mon_time_fmt(uint64_t, char *, size_t);
void		 mon_sanitize(char *);

#endif
