/*
 * cfg.h: the twinproxy configuration, one file per peer.
 *
 * The file is a sequence of blocks (`peer { ... }`, `cluster NAME { ... }`)
 * holding `keyword value...;` settings. Each block has a keyword table
 * (cfg_<block>.c) giving every setting's type, bounds and default; the
 * parser, the checks and the dump are driven by those tables, so a keyword
 * is defined in exactly one place.
 */
#ifndef CFG_H
#define CFG_H

#include <sys/queue.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"

#define CFG_DEFAULT_FILE	"/etc/twinproxy/twinproxy.conf"
#define CFG_MAXKW		64

enum cfg_type {
	CFG_BOOL,	/* int: yes|no|on|off|true|false */
	CFG_UINT,	/* unsigned int, bounded by min/max */
	CFG_PORT,	/* unsigned int, 1-65535 */
	CFG_DURATION,	/* uint64_t milliseconds: 500ms 2s 5m 1h 1d */
	CFG_SIZE,	/* uint64_t bytes: 512K 256M 10G */
	CFG_ENUM,	/* int: index into enums[] */
	CFG_STRING,	/* char * */
	CFG_PATH,	/* char *, absolute or relative to the config file */
	CFG_NAME,	/* char *: letters, digits, - _ . */
	CFG_DOMAIN,	/* char *: a DNS name or .suffix */
	CFG_ADDR,	/* struct addr, no port */
	CFG_ADDRPORT,	/* struct addr with port */
	CFG_HOSTPORT,	/* struct hostport */
	CFG_CIDR,	/* struct cidr: network, host bits zero */
	CFG_IFADDR,	/* struct cidr: address/prefix of an interface */
	CFG_CUSTOM	/* parse and dump functions of its own */
};

#define CFG_MULTI	0x01	/* repeatable; values appended to an array */
#define CFG_REQUIRED	0x02	/* must be given when the block is present */

struct cfg_blk;
struct cfg_parser;

struct cfg_kw {
	const char		*name;
	enum cfg_type		 type;
	int			 flags;
	size_t			 off;	/* value, or array pointer */
	size_t			 noff;	/* CFG_MULTI: size_t count */
	uint64_t		 min;
	uint64_t		 max;
	const char *const	*enums;	/* "name|alias|alias" */
	const char		*def;	/* default, in config syntax */
	int			(*parse)(struct cfg_parser *, void *, int,
				    char **, const char **);
	void			(*dump)(FILE *, const struct cfg_kw *,
				    const void *);
	void			(*free)(void *);
};

/* Every block struct starts with this. */
struct cfg_blk {
	char			*file;
	int			 line;
	int			 present;
	uint64_t		 set;	/* bit i: kws[i] given in the file */
	uint64_t		 seen;	/* bit i: given, valid or not */
	int			 kwline[CFG_MAXKW];
};

/*
 * Access-log forwarding (lib/logfwd.h): the access-log-* keywords, the
 * same in every block that has an access log.
 */
struct cfg_logfwd {
	struct addr		*server;
	size_t			 nserver;
	int			 syslog;
	char			*tag;		/* NULL: peer name */
	int			 facility;
	uint64_t		 queue;
	int			 tls;
	char			*ca_file;
	char			*server_name;
};

struct cfg_peer {
	struct cfg_blk		 blk;
	char			*name;
	struct addr		 address;
	struct addr		 partner;
	char			*run_dir;
	char			*user;
};

enum { HA_ROLE_PRIMARY, HA_ROLE_BACKUP };
enum { GARP_REQUEST, GARP_REPLY, GARP_BOTH };
/*
 * Who normally holds a floating IP: FIP_PREFER_ROLE follows the ha role
 * (all such addresses move together, the classic form); self and partner
 * give the address a state machine of its own (per-proxy addresses).
 */
enum { FIP_PREFER_ROLE, FIP_PREFER_SELF, FIP_PREFER_PARTNER };
#define CFG_HA_MAXINST		8	/* floating IPs with a state machine */

struct cfg_ha {
	struct cfg_blk		 blk;
	int			 redundancy;
	int			 role;
	unsigned int		 port;
	uint64_t		 interval;
	unsigned int		 count;
	char			*interface;
	struct cidr		*floating_ip;
	size_t			 nfloating_ip;
	int			*floating_prefer;	/* FIP_PREFER_* each */
	int			 floating_multi;	/* a prefer was given */
	int			 failback;
	uint64_t		 failback_delay;
	unsigned int		 garp_count;
	uint64_t		 garp_interval;
	int			 garp_mode;
	uint64_t		 garp_refresh;
	char			*secret_file;
	struct addr		*track;
	size_t			 ntrack;
	uint64_t		 track_interval;
	uint64_t		 track_timeout;
	char			*notify;
};

enum { XFF_ON, XFF_OFF, XFF_DELETE };
/* How the proxy opens data connections with FTP servers. */
enum { FTP_SERVER_PASSIVE, FTP_SERVER_PASSIVE_ONLY, FTP_SERVER_ACTIVE };
/* What the cache does with a response that sets a cookie. */
enum { CACHE_COOKIE_NO_STORE, CACHE_COOKIE_STRIP };

struct cfg_proxy {
	struct cfg_blk		 blk;
	struct addr		*listen;
	size_t			 nlisten;
	struct cidr		*allow;
	size_t			 nallow;
	char			**deny_domain;
	size_t			 ndeny_domain;
	unsigned int		*deny_port;
	size_t			 ndeny_port;
	unsigned int		*connect_port;
	size_t			 nconnect_port;
	struct addr		 outgoing_address;
	int			 x_forwarded_for;
	int			 via;
	uint64_t		 connect_timeout;
	uint64_t		 request_timeout;
	uint64_t		 idle_timeout;
	uint64_t		 read_timeout;
	uint64_t		 body_timeout;
	uint64_t		 server_idle_timeout;
	uint64_t		 max_header_size;
	unsigned int		 max_headers;
	unsigned int		 max_connections;
	char			*access_log;
	struct cfg_logfwd	 access_fwd;
	uint64_t		 cache_memory;
	char			*cache_dir;
	uint64_t		 cache_dir_size;
	uint64_t		 cache_max_object;
	uint64_t		 cache_heuristic_max;
	int			 cache_set_cookie;

	/* The FTP proxy and the ftp:// gateway (checked in cfg_ftp.c). */
	struct addr		*ftp_listen;
	size_t			 nftp_listen;
	char			*ftp_data_ports;	/* "first-last" */
	unsigned int		 ftp_data_port_min;	/* from ftp_data_ports */
	unsigned int		 ftp_data_port_max;
	char			*ftp_delimiter;
	int			 ftp_server_data;	/* FTP_SERVER_* */
	uint64_t		 ftp_control_timeout;
	uint64_t		 ftp_data_timeout;
	int			 ftp_gateway;
	char			*ftp_anonymous_password;
	int			 ftp_cache;
};

enum { PAC_PER_CLIENT, PAC_MY_IP_ADDRESS };

struct cfg_wpad {
	struct cfg_blk		 blk;
	struct addr		*listen;
	size_t			 nlisten;
	struct hostport		 proxy;
	struct hostport		 partner_proxy;
	struct cidr		*direct;
	size_t			 ndirect;
	char			**direct_domain;
	size_t			 ndirect_domain;
	int			 plain_hosts_direct;
	int			 balance;
	int			 fallback_direct;
	int			 script;
	uint64_t		 check_interval;
	uint64_t		 check_timeout;
	uint64_t		 max_age;
};

enum { LB_MODE_L4, LB_MODE_L7, LB_MODE_HTTPS };
enum { LB_SCHED_RR, LB_SCHED_WRR, LB_SCHED_LEASTCONN, LB_SCHED_FASTEST,
    LB_SCHED_HASH_URI, LB_SCHED_HASH_HOST };
enum { LB_PERSIST_NONE, LB_PERSIST_STICKY, LB_PERSIST_COOKIE,
    LB_PERSIST_MIP6 };
/*
 * persist mobile-ipv6: the keys tried (persist-keys; 0 means the
 * default), what becomes of home address options (home-address).
 */
#define LB_PKEY_SPI		0x01
#define LB_PKEY_HOA		0x02
#define LB_PKEY_IID		0x04
#define LB_PKEY_SRC		0x08
#define LB_PKEY_DEFAULT		(LB_PKEY_SPI | LB_PKEY_HOA)
enum { LB_HOA_TRANSLATE, LB_HOA_PASS };
enum { LB_CHECK_NONE, LB_CHECK_TCP, LB_CHECK_ACV };
enum { LB_STICKY_EVICT, LB_STICKY_REFUSE };
/* How an l4 cluster forwards: NAT (destination rewritten), direct routing. */
enum { LB_FWD_NAT, LB_FWD_DR };
enum { LB_PROTO_TCP, LB_PROTO_UDP };
/* Source address of connections to a server (Equalizer "outbound NAT"). */
enum { LB_SOURCE_DEFAULT, LB_SOURCE_PEER, LB_SOURCE_FLOATING,
    LB_SOURCE_CLUSTER };
/* Source of the connections an l4 cluster's servers open themselves. */
enum { LB_OUT_NONE, LB_OUT_DEFAULT, LB_OUT_SELF, LB_OUT_FLOATING,
    LB_OUT_CLUSTER };
/* Their source ports unless outbound-ports says (outside Linux's own). */
#define LB_OUT_PORT_LO		61000
#define LB_OUT_PORT_HI		65535

#define LB_SRV_HOTSPARE		0x01
#define LB_SRV_QUIESCE		0x02
#define LB_SRV_DONT_PROBE	0x04
#define LB_SRV_DONT_PERSIST	0x08
#define LB_SRV_DISABLED		0x10
#define LB_SRV_TLS		0x20	/* re-encrypt to the server */

struct cfg_server {
	char			*name;
	struct addr		 addr;
	unsigned int		 weight;
	unsigned int		 maxconn;	/* 0: no cap */
	int			 flags;
	int			 source;	/* LB_SOURCE_* */
	int			 verify;	/* tls: check its certificate */
	char			*tls_name;	/* ... against this, or NULL */
	int			 line;
};

/*
 * A cluster's listen address. The ports run from addr.port to port_last;
 * only l4 clusters take a range, the others have port_last == addr.port.
 */
struct cfg_listen {
	struct addr		 addr;
	unsigned int		 port_last;
	int			 line;
};

struct cfg_cluster {
	struct cfg_blk		 blk;
	char			*name;
	int			 mode;
	struct cfg_listen	*listen;
	size_t			 nlisten;
	int			 scheduler;
	struct cfg_server	*server;
	size_t			 nserver;
	int			 persist;
	char			*cookie_name;
	uint64_t		 cookie_age;
	char			*cookie_path;
	char			*cookie_domain;
	unsigned int		 cookie_generation;
	int			 cookie_always;
	int			 once_only;
	char			*secret_file;
	uint64_t		 sticky_timeout;
	unsigned int		 sticky_netmask;
	unsigned int		 sticky_netmask6;
	unsigned int		 sticky_table_size;
	int			 sticky_overflow;
	unsigned int		 persist_keys;	/* LB_PKEY_*, 0: default */
	int			 home_address;	/* LB_HOA_* */
	int			 binding_updates;
	uint64_t		 persist_lifetime;	/* mobile-ipv6 */
	int			 forwarding;	/* LB_FWD_*, l4 */
	int			 protocol;	/* LB_PROTO_*, l4 */
	unsigned int		 flow_table_size;	/* l4 */
	uint64_t		 syn_timeout;		/* l4 */
	int			 outbound_address;	/* LB_OUT_*, l4 */
	unsigned int		 outbound_lo;		/* 0: the default */
	unsigned int		 outbound_hi;
	int			 outbound_line;
	int			 icmp_check;
	int			 check;
	uint64_t		 check_interval;
	uint64_t		 check_timeout;
	unsigned int		 check_strikeout;
	unsigned int		 check_rise;
	char			*check_send;
	char			*check_expect;
	int			 check_tls;
	uint64_t		 request_max;
	unsigned int		 max_headers;
	int			 x_forwarded_for;	/* XFF_* */
	int			 forwarded;
	int			 via;
	char			*access_log;
	struct cfg_logfwd	 access_fwd;
	uint64_t		 client_timeout;
	uint64_t		 idle_timeout;
	uint64_t		 server_timeout;
	uint64_t		 server_idle_timeout;
	uint64_t		 connect_timeout;
	int			 spoof;
	char			**certificate;
	size_t			 ncertificate;
	char			*passphrase_file;
	char			*server_ca_file;
	TAILQ_ENTRY(cfg_cluster) entry;
};
TAILQ_HEAD(cfg_clusters, cfg_cluster);

/* The remote-monitoring agent of this peer (cfg_monitor.c). */
struct cfg_report {
	struct cfg_blk		 blk;
	struct hostport		 center;
	struct hostport		*proxy;
	size_t			 nproxy;
	char			*site_id;
	char			*device_id_file;
	char			*certificate;
	char			*ca_file;
	uint64_t		 alive_interval;
	uint64_t		 timeout;
	char			*spool_dir;
	uint64_t		 spool_size;
	uint64_t		 certificate_warning;
	uint64_t		 poll_interval;
	char			*user;
	/* Signed distribution (mon_dist_agent.c) and renewal. */
	char			*dist_key;
	uint64_t		 dist_interval;
	char			*dist_root;
	char			*dist_restart;
	char			*dist_health;
	uint64_t		 dist_health_timeout;
	uint64_t		 cert_renew_before;
	int			 gateway;
	struct addr		*gateway_allow;
	size_t			 ngateway_allow;
	uint64_t		 gateway_idle_timeout;
	uint64_t		 gateway_max_time;
	unsigned int		 gateway_sessions;
};

/* The remote-monitoring center (cfg_monitor.c). */
struct cfg_center {
	struct cfg_blk		 blk;
	struct addr		*listen;
	size_t			 nlisten;
	char			*certificate;
	char			*ca_file;
	char			*crl_file;
	char			*database;
	uint64_t		 alive_timeout;
	char			*notify;
	char			**mail_to;
	size_t			 nmail_to;
	struct addr		*operator_listen;
	size_t			 noperator_listen;
	char			*operator_certificate;
	char			*operator_ca_file;
	unsigned int		 max_connections;
	uint64_t		 timeout;
	char			*sendmail;
	/* Distribution and certificates (mon_dist_center.c, mon_renew). */
	char			*dist_dir;
	char			*ca_dir;
	char			*ca_pass_file;
	char			*twin_cert;
	unsigned int		 renew_days;
	uint64_t		 certificate_alarm;
	char			**gateway_operator;	/* NAME=SHA256 */
	size_t			 ngateway_operator;
	uint64_t		 gateway_idle_timeout;
	uint64_t		 gateway_max_time;
	uint64_t		 gateway_connect_timeout;
	unsigned int		 gateway_sessions;
};

/* The Prometheus endpoints of the daemons (cfg_metrics.c). */
enum { CFG_METRICS_HA, CFG_METRICS_PROXY, CFG_METRICS_WPAD, CFG_METRICS_LB,
    CFG_METRICS_REPORT, CFG_METRICS_CENTER, CFG_METRICS_NDAEMONS };

struct cfg_metrics {
	struct cfg_blk		 blk;
	struct addr		 listen;
	struct cidr		*allow;
	size_t			 nallow;
	unsigned int		 port[CFG_METRICS_NDAEMONS]; /* 0: off */
	unsigned int		 max_connections;
	uint64_t		 timeout;
};

struct cfg {
	char			*file;
	struct cfg_peer		 peer;
	struct cfg_ha		 ha;
	struct cfg_proxy	 proxy;
	struct cfg_wpad		 wpad;
	struct cfg_clusters	 clusters;
	struct cfg_report	 report;
	struct cfg_center	 center;
	struct cfg_metrics	 metrics;
};

/* One block kind: its keyword table and where its data lives. */
struct cfg_blockdef {
	const char		*name;
	int			 named;		/* takes a NAME, may repeat */
	const struct cfg_kw	*kws;
	size_t			 size;		/* named blocks: struct size */
	size_t			 off;		/* unnamed: offset in cfg */
	const char		*doc;
};

/* The result of loading: a config or the list of errors. */
struct cfg_msg {
	char			*text;		/* "file:line: message" */
	int			 warning;
	TAILQ_ENTRY(cfg_msg)	 entry;
};
TAILQ_HEAD(cfg_msgs, cfg_msg);

/* cfg.c */
struct cfg	*cfg_load(const char *, struct cfg_msgs *);
struct cfg	*cfg_load_string(const char *, const char *, struct cfg_msgs *);
void		 cfg_free(struct cfg *);
void		 cfg_msgs_print(FILE *, struct cfg_msgs *);
void		 cfg_msgs_free(struct cfg_msgs *);
int		 cfg_msgs_errors(struct cfg_msgs *);
struct cfg	*cfg_load_or_die(const char *);
size_t		 cfg_elem_size(enum cfg_type);
int		 cfg_kw_isset(const struct cfg_blk *, const struct cfg_kw *,
		     const char *);

/* cfg_value.c */
int		 cfg_value_parse(const struct cfg_kw *, const char *, void *,
		     const char **);
int		 cfg_parse_duration(const char *, uint64_t *, const char **);
int		 cfg_parse_size(const char *, uint64_t *, const char **);
const char	*cfg_fmt_duration(uint64_t, char *, size_t);
const char	*cfg_fmt_size(uint64_t, char *, size_t);
const char	*cfg_enum_name(const struct cfg_kw *, int, char *, size_t);
void		 cfg_value_free(const struct cfg_kw *, void *);
void		 cfg_print_string(FILE *, const char *);

/* cfg_check.c */
void		 cfg_check(struct cfg *, struct cfg_parser *);

/* cfg_ftp.c: the FTP settings of the proxy block */
void		 cfg_check_ftp(struct cfg *, struct cfg_parser *);

/* cfg_dump.c */
void		 cfg_dump(FILE *, const struct cfg *);

/* cfg_monitor.c: the report and center blocks */
extern const struct cfg_kw cfg_report_kws[];
extern const struct cfg_kw cfg_center_kws[];
void		 cfg_check_monitor(struct cfg *, struct cfg_parser *);

/* cfg_metrics.c: the metrics block */
extern const struct cfg_kw cfg_metrics_kws[];
void		 cfg_check_metrics(struct cfg *, struct cfg_parser *);
struct metrics_conf;
void		 cfg_metrics_conf(const struct cfg *, int,
		     struct metrics_conf *);

/* cfg_blocks.c: the keyword tables of every block */
extern const struct cfg_blockdef cfg_blockdefs[];
int		 cfg_persist_keys_parse(const char *, unsigned int *,
		    const char **);
const char	*cfg_persist_keys_fmt(unsigned int, char *, size_t);
const struct cfg_blockdef *cfg_blockdef_find(const char *);
const struct cfg_kw *cfg_kw_find(const struct cfg_kw *, const char *);
int		 cfg_kw_line(const struct cfg_blk *, const struct cfg_kw *,
		    const char *);

/* Error reporting for parsers and checks (cfg.c). */
void		 cfg_error(struct cfg_parser *, const char *, int,
		     const char *, ...) __attribute__((format(printf, 4, 5)));
void		 cfg_warning(struct cfg_parser *, const char *, int,
		     const char *, ...) __attribute__((format(printf, 4, 5)));
const char	*cfg_parser_file(struct cfg_parser *);
int		 cfg_parser_line(struct cfg_parser *);

/*
 * cfg_logfwd.c: the forwarder settings (lib/logfwd.h) of a block's
 * access-log-* keywords <f>, for daemon <app> ("twin-proxy"); and their
 * check, in block <b> of keyword table <kws>.
 */
struct logfwd_conf;
void	cfg_logfwd_conf(const struct cfg *, const struct cfg_logfwd *,
	    const char *, struct logfwd_conf *);
void	cfg_check_logfwd(struct cfg_parser *, const struct cfg_blk *,
	    const struct cfg_kw *, const struct cfg_logfwd *);

#endif
