/*
 * lb_pkt.h: the L4 packet engine of twin-lb. Frames are read from
 * AF_PACKET rings, parsed (lb_pkt_parse.c), matched against a connection
 * table (lb_pkt_flow.c) and forwarded by NAT (lb_pkt_nat.c) or direct
 * routing (lb_pkt_dr.c) with incremental checksums (lb_pkt_csum.c). The
 * engine answers ARP and neighbour solicitations for dedicated cluster
 * addresses (lb_pkt_neigh.c) and keeps the kernel away from them with a
 * blackhole route and a narrow nftables netdev rule (lb_pkt_kern.c).
 *
 * Threads: one worker now. Each worker owns one receive ring per
 * interface, joined to a per-interface PACKET_FANOUT group, and its own
 * connection table; a second worker is a second member of each group.
 * See lb_pkt_ring.c for what a fanout mode must guarantee then.
 */
#ifndef LB_PKT_H
#define LB_PKT_H

#include <sys/queue.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define LB_PKT_ETH_ALEN		6
#define LB_PKT_ETH_HLEN		14

/* Ethernet types and IP protocols the engine knows. */
#define LB_ETH_IPV4		0x0800
#define LB_ETH_ARP		0x0806
#define LB_ETH_VLAN		0x8100
#define LB_ETH_QINQ		0x88a8
#define LB_ETH_IPV6		0x86dd

#define LB_IP_HOPOPT		0
#define LB_IP_ICMP		1
#define LB_IP_TCP		6
#define LB_IP_UDP		17
#define LB_IP_ROUTING		43
#define LB_IP_FRAGMENT		44
#define LB_IP_ESP		50
#define LB_IP_AH		51
#define LB_IP_ICMPV6		58
#define LB_IP_NONE		59
#define LB_IP_DSTOPTS		60
#define LB_IP_MOBILITY		135

#define LB_TCP_FIN		0x01
#define LB_TCP_SYN		0x02
#define LB_TCP_RST		0x04
#define LB_TCP_PSH		0x08
#define LB_TCP_ACK		0x10

/* An address of either family: IPv4 in the first 4 bytes, rest zero. */
struct lb_pkt_ip {
	uint8_t		 b[16];
};

/*
 * A flow key: one direction of a connection as seen on the wire. Compared
 * and hashed as bytes, so every byte (padding included) is set.
 */
struct lb_pkt_key {
	struct lb_pkt_ip src;
	struct lb_pkt_ip dst;
	uint16_t	 sport;		/* host order; ICMP: identifier */
	uint16_t	 dport;
	uint8_t		 af;		/* 4 or 6 */
	uint8_t		 proto;
	uint8_t		 pad[2];
};

/* ---- lb_pkt_parse.c ------------------------------------------------- */

/* Why a frame could not be parsed; also drop reasons of the engine. */
enum lb_pkt_err {
	LB_PKT_OK = 0,
	LB_PKT_ETRUNC,		/* shorter than its headers say */
	LB_PKT_EL2,		/* bad or unsupported link-layer header */
	LB_PKT_EVERSION,	/* IP version does not match the type */
	LB_PKT_EHDRLEN,		/* IP header length or total length bad */
	LB_PKT_EEXTHDR,		/* malformed IPv6 extension header */
	LB_PKT_EL4,		/* malformed TCP/UDP/ICMP header */
	LB_PKT_EARP,		/* malformed ARP */
	LB_PKT_ENERR		/* count */
};

/* Flags of a parsed packet. */
#define LB_PKT_F_FRAG		0x0001	/* a fragment (either family) */
#define LB_PKT_F_FRAG_LATER	0x0002	/* not the first fragment */
#define LB_PKT_F_DF		0x0004	/* IPv4 don't fragment */
#define LB_PKT_F_PORTS		0x0008	/* sport/dport valid */
#define LB_PKT_F_HAO		0x0010	/* IPv6 home address option */
#define LB_PKT_F_ESP		0x0020	/* ESP: spi valid, no ports */
#define LB_PKT_F_ICMPERR	0x0040	/* ICMP error, inner parsed */
#define LB_PKT_F_VLAN		0x0080	/* an in-band 802.1Q tag */
#define LB_PKT_F_IPOPT		0x0100	/* IPv4 options present */
#define LB_PKT_F_ROUTING	0x0200	/* IPv6 routing header present */
#define LB_PKT_F_L4FULL		0x0400	/* whole L4 header present */
#define LB_PKT_F_BU		0x0800	/* mobility header: binding update */
#define LB_PKT_F_RH2		0x1000	/* type 2 routing header: rh2 valid */
#define LB_PKT_F_MH		0x2000	/* a mobility header (any type) */

/* The header an ICMP error quotes: offsets into the same frame. */
struct lb_pkt_inner {
	uint16_t	 l3off;		/* inner IP header */
	uint16_t	 l4off;		/* inner transport header */
	uint16_t	 caplen;	/* bytes of the inner datagram present */
	uint16_t	 flags;		/* LB_PKT_F_PORTS, _L4FULL, _FRAG* */
	uint8_t		 proto;
	struct lb_pkt_key key;		/* as the quoted packet travelled */
};

struct lb_pkt {
	const uint8_t	*frame;
	size_t		 len;		/* bytes present */
	uint16_t	 ethertype;	/* after any VLAN tag */
	uint16_t	 vlan;		/* TCI of an in-band tag */
	uint16_t	 l3off;
	uint16_t	 l4off;		/* transport header (after ext. hdrs) */
	uint32_t	 l3len;		/* IP datagram length (header says) */
	uint32_t	 l4len;		/* transport length (header says) */
	uint16_t	 flags;
	uint8_t		 proto;		/* upper-layer protocol */
	uint8_t		 ttl;		/* TTL or hop limit */
	uint8_t		 tcpflags;
	uint8_t		 icmp_type;
	uint8_t		 icmp_code;
	uint16_t	 fragoff;	/* bytes */
	uint32_t	 fragid;
	uint32_t	 spi;		/* ESP */
	struct lb_pkt_ip hoa;		/* home address option */
	/*
	 * Where the home address option is, for lb_mip6_strip(): its type
	 * byte, the destination options header holding it, and the byte
	 * naming that header (the IPv6 header's or the previous one's).
	 */
	uint16_t	 hao_off;
	uint16_t	 hao_hdr;
	uint16_t	 hao_nh;
	struct lb_pkt_ip rh2;		/* type 2 routing header's address */
	struct lb_pkt_key key;		/* addresses, ports, protocol */
	struct lb_pkt_inner inner;	/* LB_PKT_F_ICMPERR */
	/* ARP (ethertype LB_ETH_ARP) */
	uint16_t	 arp_op;
	uint8_t		 arp_sha[LB_PKT_ETH_ALEN];
	struct lb_pkt_ip arp_spa;
	struct lb_pkt_ip arp_tpa;
	/* ICMPv6 neighbour solicitation (135) or advertisement (136) */
	struct lb_pkt_ip nd_target;
	int		 nd_has_ll;
	uint8_t		 nd_ll[LB_PKT_ETH_ALEN];
};

enum lb_pkt_err	 lb_pkt_parse(const uint8_t *, size_t, struct lb_pkt *);
const char	*lb_pkt_strerror(enum lb_pkt_err);
void		 lb_pkt_ip_from_addr(struct lb_pkt_ip *, const struct addr *);
void		 lb_pkt_ip_to_addr(struct addr *, const struct lb_pkt_ip *, int);
const char	*lb_pkt_key_fmt(const struct lb_pkt_key *, char *, size_t);
int		 lb_pkt_ip_is_v4(const struct lb_pkt_ip *);

/* ---- lb_pkt_csum.c -------------------------------------------------- */

uint32_t	 lb_csum_partial(const void *, size_t, uint32_t);
uint16_t	 lb_csum_fold(uint32_t);
uint16_t	 lb_csum_replace(uint16_t, const void *, const void *, size_t);
uint16_t	 lb_csum_replace_partial(uint16_t, const void *, const void *,
		    size_t);
uint16_t	 lb_csum_replace16(uint16_t, uint16_t, uint16_t);
uint32_t	 lb_csum_pseudo(int, const uint8_t *, const uint8_t *, uint8_t,
		    uint32_t);
void		 lb_csum_ip4(uint8_t *);
int		 lb_csum_l4(uint8_t *, size_t, int, size_t, uint8_t, size_t);
int		 lb_csum_verify(const uint8_t *, size_t, int, size_t,
		    uint8_t, size_t);

/* ---- lb_pkt_flow.c -------------------------------------------------- */

/* Timeout classes (and TCP states) of a flow. */
enum lb_flow_state {
	LB_FS_SYN,		/* SYN seen, handshake not finished */
	LB_FS_EST,		/* established */
	LB_FS_FIN,		/* FIN seen (FIN_WAIT, TIME_WAIT) */
	LB_FS_CLOSE,		/* RST seen */
	LB_FS_UDP,		/* UDP (and other datagram) flows */
	LB_FS_MAX
};

/* Timeouts in milliseconds, per state. */
struct lb_flow_timeouts {
	uint64_t	 t[LB_FS_MAX];
};

#define LB_FLOW_ORIG	0	/* as the first packet travelled */
#define LB_FLOW_REPLY	1	/* the other direction, as rewritten */

#define LB_FLOW_F_OUTBOUND	0x01	/* opened by a server (outbound NAT) */
#define LB_FLOW_F_ENDED		0x02	/* end reported to the selector */
#define LB_FLOW_F_FIN_ORIG	0x04
#define LB_FLOW_F_FIN_REPLY	0x08

struct lb_flow;

struct lb_flow_ent {
	LIST_ENTRY(lb_flow_ent)	 link;
	struct lb_pkt_key	 key;
	uint32_t		 hash;
	uint8_t			 dir;		/* LB_FLOW_ORIG, _REPLY */
};

struct lb_flow {
	struct lb_flow_ent	 ent[2];	/* ORIG, REPLY keys */
	TAILQ_ENTRY(lb_flow)	 qlink;		/* timeout queue of state */
	uint64_t		 last;		/* ms of the last packet */
	uint64_t		 created;
	enum lb_flow_state	 state;
	uint8_t			 flags;
	uint8_t			 mode;		/* LB_PKT_NAT or LB_PKT_DR */
	uint16_t		 server;	/* index in the cluster */
	struct lb_pkt_cluster	*cl;
	/* Where the originator is: the ingress interface and L2 source. */
	int			 oifindex;
	uint8_t			 omac[LB_PKT_ETH_ALEN];
	/* Outbound NAT: where the destination is reached. */
	int			 rifindex;
	struct lb_pkt_ip	 rnexthop;
	uint64_t		 pkts[2], bytes[2];
	/*
	 * Mobile IPv6: the originator's care-of address while it is away
	 * (replies get a type 2 routing header to it), and when its
	 * persistence keys were last refreshed.
	 */
	struct lb_pkt_ip	 coa;
	uint8_t			 has_coa;
	uint64_t		 ptouch;
};

TAILQ_HEAD(lb_flow_queue, lb_flow);
LIST_HEAD(lb_flow_bucket, lb_flow_ent);

struct lb_flow_table {
	struct lb_flow_bucket	*buckets;
	uint32_t		 nbuckets;	/* power of two */
	uint32_t		 max;		/* bound on flows */
	uint32_t		 count;
	struct lb_flow_queue	 queue[LB_FS_MAX];
	struct lb_flow_timeouts	 to;
	uint32_t		 seed;
	/* Told when a flow stops counting as active (once per flow). */
	void			(*end_cb)(void *, struct lb_flow *);
	/* Told just before a flow is freed. */
	void			(*free_cb)(void *, struct lb_flow *);
	void			*arg;
	uint64_t		 refused;	/* new flows refused: full */
	uint64_t		 expired;
	uint64_t		 created;
	uint64_t		 last_full_log;
	int			 log_full;	/* a full table is to be logged */
};

void	 lb_flow_timeouts_default(struct lb_flow_timeouts *);
int	 lb_flow_table_init(struct lb_flow_table *, uint32_t,
	    const struct lb_flow_timeouts *, uint32_t);
void	 lb_flow_table_free(struct lb_flow_table *);
struct lb_flow *lb_flow_lookup(struct lb_flow_table *,
	    const struct lb_pkt_key *, int *);
struct lb_flow *lb_flow_new(struct lb_flow_table *, const struct lb_pkt_key *,
	    const struct lb_pkt_key *, enum lb_flow_state, uint64_t);
void	 lb_flow_del(struct lb_flow_table *, struct lb_flow *);
void	 lb_flow_touch(struct lb_flow_table *, struct lb_flow *, int,
	    uint8_t, size_t, uint64_t);
void	 lb_flow_set_state(struct lb_flow_table *, struct lb_flow *,
	    enum lb_flow_state, uint64_t);
size_t	 lb_flow_tick(struct lb_flow_table *, uint64_t, size_t);
int	 lb_flow_full_log(struct lb_flow_table *, uint64_t);
uint64_t lb_flow_expires(const struct lb_flow_table *, const struct lb_flow *);
const char *lb_flow_state_name(enum lb_flow_state);
void	 lb_flow_key_reverse(struct lb_pkt_key *, const struct lb_pkt_key *);

/* ---- lb_mip6.c, lb_mip6_xlate.c: Mobile IPv6 persistence ------------- */

/*
 * Persistence keys for mobile nodes (JP2003-204350), in the order they are
 * tried: the ESP SPI of IPsec traffic, the home address (the home address
 * option, else the source: a node at home and away is one node), the low
 * 64 bits of a modified EUI-64 source address, the source address.
 */
#define LB_MIP6_K_SPI		0x01
#define LB_MIP6_K_HOA		0x02
#define LB_MIP6_K_IID		0x04
#define LB_MIP6_K_SRC		0x08
#define LB_MIP6_K_ALL		0x0f
#define LB_MIP6_NKEYS		4

/*
 * The kind of a persistence key. The values are those of enum
 * lb_key_kind (lb.h), which keeps them in the selection module's sticky
 * table; lb_mip6_sel.c checks that both agree.
 */
#define LB_PKT_PK_IP6		2
#define LB_PKT_PK_HOA		3
#define LB_PKT_PK_IID		4
#define LB_PKT_PK_SPI		5

struct lb_pkt_pkey {
	uint8_t		 kind;		/* LB_PKT_PK_* */
	uint8_t		 len;		/* bytes of b[] used */
	uint8_t		 b[16];
};

/* What names a node in one packet, before any translation. */
struct lb_mip6_id {
	struct lb_pkt_ip src;		/* when away: the care-of address */
	struct lb_pkt_ip hoa;		/* the home address option's */
	uint32_t	 spi;
	uint8_t		 has_hoa;
	uint8_t		 has_spi;
};

/* What happens to a home address option on the way to a server. */
#define LB_MIP6_TRANSLATE	0	/* removed, source := home address */
#define LB_MIP6_PASS		1	/* kept: servers are correspondents */

/* A cluster's Mobile IPv6 settings; keys 0: none of it. */
struct lb_mip6_conf {
	unsigned int	 keys;		/* LB_MIP6_K_* */
	int		 hoa_mode;	/* LB_MIP6_TRANSLATE, _PASS */
	int		 bu;		/* follow binding updates */
};

/* A binding update addressed to a cluster (lb_mip6_bu_parse). */
struct lb_mip6_bu {
	struct lb_pkt_ip home;		/* home address option, else source */
	struct lb_pkt_ip coa;		/* alternate care-of address, else
					   source */
	uint16_t	 seq;
	uint16_t	 flags;		/* LB_MIP6_BU_* */
	uint32_t	 lifetime_ms;
	int		 has_alt;
};

#define LB_MIP6_BU_A		0x8000	/* acknowledge */
#define LB_MIP6_BU_H		0x4000	/* home registration */

enum lb_mip6_err {
	LB_MIP6_OK = 0,
	LB_MIP6_ETRUNC,		/* shorter than its length says */
	LB_MIP6_ELEN,		/* header length too small for the type */
	LB_MIP6_EPROTO,		/* payload protocol not "no next header" */
	LB_MIP6_ETYPE,		/* not a binding update */
	LB_MIP6_ECSUM,		/* bad checksum */
	LB_MIP6_EOPT,		/* malformed mobility option */
	LB_MIP6_EHOME,		/* home registration: for a home agent */
	LB_MIP6_EADDR,		/* care-of address not a unicast one */
	LB_MIP6_ENERR
};

/* A node's last care-of address, learnt from its packets and updates. */
struct lb_mip6_bind {
	LIST_ENTRY(lb_mip6_bind) hlink;
	TAILQ_ENTRY(lb_mip6_bind) lru;
	struct lb_pkt_ip	 home;
	struct lb_pkt_ip	 coa;
	uint64_t		 last;		/* ms */
	uint16_t		 seq;		/* of the last binding update */
	uint8_t			 has_seq;
};

LIST_HEAD(lb_mip6_bucket, lb_mip6_bind);
TAILQ_HEAD(lb_mip6_lru, lb_mip6_bind);

struct lb_mip6_bcache {
	struct lb_mip6_bucket	*buckets;
	uint32_t		 nbuckets;	/* power of two */
	uint32_t		 max;
	uint32_t		 count;
	uint64_t		 lifetime;	/* ms from last use */
	uint32_t		 seed;
	struct lb_mip6_lru	 lru;
	uint64_t		 evicted;
	uint64_t		 expired;
};

/* lb_mip6.c */
void	 lb_mip6_id(const struct lb_pkt *, struct lb_mip6_id *);
size_t	 lb_mip6_keys(unsigned int, const struct lb_mip6_id *,
	    struct lb_pkt_pkey *);
size_t	 lb_mip6_addr_keys(unsigned int, const struct lb_pkt_ip *,
	    struct lb_pkt_pkey *);
int	 lb_mip6_eui64(const struct lb_pkt_ip *);
const char *lb_pkt_pkey_fmt(const struct lb_pkt_pkey *, char *, size_t);
enum lb_mip6_err lb_mip6_bu_parse(const struct lb_pkt *, struct lb_mip6_bu *);
const char *lb_mip6_strerror(enum lb_mip6_err);
int	 lb_mip6_bc_init(struct lb_mip6_bcache *, uint32_t, uint64_t,
	    uint32_t);
void	 lb_mip6_bc_free(struct lb_mip6_bcache *);
struct lb_mip6_bind *lb_mip6_bc_get(struct lb_mip6_bcache *,
	    const struct lb_pkt_ip *, uint64_t);
struct lb_mip6_bind *lb_mip6_bc_set(struct lb_mip6_bcache *,
	    const struct lb_pkt_ip *, const struct lb_pkt_ip *, uint64_t);
int	 lb_mip6_seq_newer(uint16_t, uint16_t);
size_t	 lb_mip6_bc_tick(struct lb_mip6_bcache *, uint64_t);

/* lb_mip6_xlate.c */
#define LB_MIP6_RH2_LEN		24
uint8_t	*lb_mip6_strip(uint8_t *, size_t, const struct lb_pkt *, size_t *);
uint8_t	*lb_mip6_rh2(uint8_t *, size_t, const struct lb_pkt *,
	    const struct lb_pkt_ip *);
int	 lb_mip6_rh2_fits(const struct lb_pkt *);

/* ---- the engine: configuration ---------------------------------------- */

#define LB_PKT_NAT		0	/* destination rewritten (default) */
#define LB_PKT_DR		1	/* destination MAC rewritten */

#define LB_PKT_NAMELEN		32
#define LB_PKT_MAXIF		8

struct lb_pkt_server_conf {
	char		 name[LB_PKT_NAMELEN];
	struct addr	 addr;		/* port 0: the port the client used */
};

struct lb_pkt_cluster_conf {
	char		 name[LB_PKT_NAMELEN];
	struct addr	 addr;		/* cluster address (port unused) */
	uint8_t		 proto;		/* LB_IP_TCP or LB_IP_UDP */
	uint16_t	 port_lo;	/* port or port range */
	uint16_t	 port_hi;
	int		 mode;		/* LB_PKT_NAT, LB_PKT_DR */
	/*
	 * The kernel holds this address too (the floating IP, where the
	 * proxy or WPAD also listen): the kernel answers ARP for it and only
	 * the cluster's ports are taken from it. Otherwise the address is
	 * dedicated: the engine answers ARP/ND and installs a blackhole route.
	 */
	int		 shared;
	/*
	 * Outbound NAT: connections the servers open themselves leave with
	 * this source address (af 0: not translated) and a source port from
	 * [out_lo, out_hi], which must lie outside the cluster's port range.
	 */
	struct addr	 out_addr;
	uint16_t	 out_lo;
	uint16_t	 out_hi;
	/*
	 * With out_egress the source is instead the own address of the
	 * interface the connection leaves by (out_addr gives the family
	 * alone): this peer's address there, the kernel's own choice.
	 */
	int		 out_egress;
	/*
	 * Mobile IPv6 persistence (IPv6 clusters): which keys the selector
	 * is given (selector.pick_keys), what becomes of home address
	 * options, whether binding updates to the cluster address are
	 * followed. ESP to the cluster address (key spi) is forwarded by
	 * direct routing whatever the mode: the servers' security
	 * associations are bound to the cluster address.
	 */
	struct lb_mip6_conf mip6;
	struct lb_pkt_server_conf *servers;
	size_t		 nservers;
};

struct lb_pkt_conf {
	char		 ifnames[LB_PKT_MAXIF][IFNAMSIZ];
	size_t		 nif;
	uint32_t	 max_flows;	/* bound on the connection table */
	struct lb_flow_timeouts timeouts;
	uint32_t	 ring_block_size;	/* bytes, power of two */
	uint32_t	 ring_blocks;
	uint32_t	 tick_ms;		/* expiry and neighbour timer */
	uint32_t	 icmp_rate;		/* ICMP errors sent per second */
	int		 fanout_id;		/* 0: derived from the pid */
	int		 kernel_rules;		/* routes and nftables rules */
	int		 csum_complete;		/* finish partial checksums */
	uint32_t	 max_bindings;		/* Mobile IPv6 binding cache */
	uint64_t	 binding_ms;		/* longest mobile sticky-timeout */
	const char	*nft;			/* nft(8) path */
	char		 nft_table[LB_PKT_NAMELEN];
};

void	 lb_pkt_conf_default(struct lb_pkt_conf *);

/* ---- the engine: state ------------------------------------------------ */

struct lb_pkt_server_stats {
	uint64_t	 active;	/* flows counted as active */
	uint64_t	 flows;		/* flows ever sent to it */
	uint64_t	 pkts[2];	/* to it, from it */
	uint64_t	 bytes[2];
};

struct lb_pkt_server {
	struct lb_pkt_server_conf conf;
	struct lb_pkt_ip ip;
	int		 ifindex;	/* where it is reached */
	struct lb_pkt_ip nexthop;	/* itself or its gateway */
	struct lb_pkt_server_stats st;
	int		 gone;		/* removed by a replace */
};

struct lb_pkt_engine;

struct lb_pkt_cluster {
	TAILQ_ENTRY(lb_pkt_cluster) link;
	struct lb_pkt_engine	*e;
	struct lb_pkt_cluster_conf conf;	/* servers pointer not kept */
	struct lb_pkt_ip	 ip;
	struct lb_pkt_ip	 out_ip;
	uint16_t		 out_next;
	struct lb_pkt_server	*servers;
	size_t			 nservers;
	uint64_t		 refused;	/* no server picked */
	uint64_t		 flows;
	int			 route_added;
	int			 refs;		/* flows pointing at it */
	int			 dead;		/* removed, kept for flows */
};

/* Engine-wide counters. */
enum lb_pkt_drop {
	LB_DROP_PARSE,		/* malformed (see parse_err[]) */
	LB_DROP_TRUNC,		/* the ring truncated the frame */
	LB_DROP_VLAN,		/* tagged frame */
	LB_DROP_NOFLOW,		/* not a new connection, no flow */
	LB_DROP_FULL,		/* table full */
	LB_DROP_NOSERVER,	/* the selector picked none */
	LB_DROP_NONEIGH,	/* next hop MAC unknown yet */
	LB_DROP_TTL,		/* TTL or hop limit expired */
	LB_DROP_TOOBIG,		/* larger than the egress MTU */
	LB_DROP_FRAG,		/* later fragment of an unknown datagram */
	LB_DROP_INACTIVE,	/* the engine is not active */
	LB_DROP_TX,		/* the kernel refused the frame */
	LB_DROP_ICMP,		/* ICMP error about no known flow */
	LB_DROP_NOPORT,		/* outbound NAT: no free port */
	LB_DROP_MAX
};

struct lb_pkt_stats {
	uint64_t	 rx_pkts, rx_bytes, rx_blocks;
	uint64_t	 tx_pkts, tx_bytes, tx_calls;
	uint64_t	 fwd_pkts;
	uint64_t	 csum_fixed;	/* partial checksums completed */
	uint64_t	 icmp_xlated;	/* ICMP errors translated */
	uint64_t	 icmp_sent;	/* ICMP errors generated */
	uint64_t	 arp_replies, nd_replies, announces;
	uint64_t	 ring_drops;	/* tp_drops of the rings */
	uint64_t	 drops[LB_DROP_MAX];
	uint64_t	 parse_err[LB_PKT_ENERR];
	uint64_t	 flows, flows_max, flows_refused, flows_created;
	/* Mobile IPv6 */
	uint64_t	 mip6_strip;	/* home address options translated */
	uint64_t	 mip6_rh2;	/* replies sent to a care-of address */
	uint64_t	 mip6_esp;	/* ESP packets forwarded */
	uint64_t	 mip6_bu;	/* binding updates followed */
	uint64_t	 mip6_bu_bad;	/* binding updates refused */
	uint64_t	 mip6_bindings;	/* care-of addresses known */
};

/*
 * The daemon's selector. pick() returns the index of the server for a new
 * flow, or -1 with *reason set. flow_end() is told once per flow when it
 * stops being active (FIN, RST, timeout or removal), so the selector's
 * active-connection counts stay right.
 */
struct lb_pkt_selector {
	int		(*pick)(void *, const struct lb_pkt_cluster *,
			    const struct lb_pkt_key *, const char **);
	void		(*flow_end)(void *, const struct lb_pkt_cluster *,
			    size_t);
	void		*arg;
	/*
	 * Clusters with Mobile IPv6 persistence (conf.mip6.keys), all
	 * optional. pick_keys() replaces pick(): it is also given the <n>
	 * persistence keys of the packet, most specific first (n may be 0).
	 * touch() is told the keys of a flow's packets, at most once a tick
	 * per flow, to refresh them. bind() reports a binding update: the
	 * entry of each key from[i] is to be carried over to to[i].
	 */
	int		(*pick_keys)(void *, const struct lb_pkt_cluster *,
			    const struct lb_pkt_key *,
			    const struct lb_pkt_pkey *, size_t, const char **);
	void		(*touch)(void *, const struct lb_pkt_cluster *,
			    const struct lb_pkt_pkey *, size_t);
	void		(*bind)(void *, const struct lb_pkt_cluster *,
			    const struct lb_pkt_pkey *,
			    const struct lb_pkt_pkey *, size_t);
};

/* What lb_pkt_flows_walk() shows of one flow. */
struct lb_pkt_flow_info {
	const char		*cluster;
	const char		*server;
	struct lb_pkt_key	 orig;
	struct lb_pkt_key	 reply;
	enum lb_flow_state	 state;
	int			 outbound;
	uint64_t		 age_ms;
	uint64_t		 expires_ms;
	uint64_t		 pkts[2], bytes[2];
};

struct event_base;

/* lb_pkt_engine.c */
struct lb_pkt_engine *lb_pkt_engine_new(struct event_base *,
	    const struct lb_pkt_conf *, const struct lb_pkt_selector *,
	    char **);
void	 lb_pkt_engine_free(struct lb_pkt_engine *);
void	 lb_pkt_engine_tune(struct lb_pkt_engine *, uint32_t,
	    const struct lb_flow_timeouts *, uint64_t);
int	 lb_pkt_cluster_set(struct lb_pkt_engine *,
	    const struct lb_pkt_cluster_conf *, char **);
int	 lb_pkt_cluster_del(struct lb_pkt_engine *, const char *);
const struct lb_pkt_cluster *lb_pkt_cluster_find(struct lb_pkt_engine *,
	    const char *);
void	 lb_pkt_set_active(struct lb_pkt_engine *, int);
int	 lb_pkt_announce(struct lb_pkt_engine *);
void	 lb_pkt_stats(struct lb_pkt_engine *, struct lb_pkt_stats *);
void	 lb_pkt_clusters_walk(struct lb_pkt_engine *,
	    void (*)(void *, const struct lb_pkt_cluster *), void *);
void	 lb_pkt_flows_walk(struct lb_pkt_engine *,
	    void (*)(void *, const struct lb_pkt_flow_info *), void *);
const char *lb_pkt_drop_name(enum lb_pkt_drop);
uint64_t lb_pkt_now(void);

/* lb_pkt_kern.c */
int	 lb_pkt_route_ifname(const struct addr *, char *, int *, char **);

#endif
