/*
 * lb_pkt_int.h: what the files of the L4 engine share among themselves
 * (rings, transmit batches, neighbours, kernel rules). The daemon uses
 * lb_pkt.h only.
 */
#ifndef LB_PKT_INT_H
#define LB_PKT_INT_H

#include <sys/socket.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>

#include "lb_pkt.h"

#define LB_TXQ_LEN	64	/* frames per sendmmsg */
#define LB_SCRATCH	64	/* frames the engine builds per batch */
#define LB_SCRATCH_LEN	1536
#define LB_VNET_LEN	((int)sizeof(struct virtio_net_hdr))
/* Room the ring leaves before each frame, for headers to insert. */
#define LB_RX_RESERVE	32
#define LB_RX_FRAME	2048	/* ring slot: any frame of a 1500 MTU */
#define LB_RX_BATCH	256	/* slots handled per sendmmsg round */
/* Frames too big for a slot (GSO) are read from the socket instead. */
#define LB_RX_COPIES	8
#define LB_RX_COPY_LEN	(LB_RX_RESERVE + LB_VNET_LEN + 65536 + 1024)

struct lb_pkt_ring;

/* One received frame as the ring hands it over. */
struct lb_pkt_rx {
	uint8_t			*frame;
	uint32_t		 len;		/* on the wire */
	uint32_t		 snaplen;	/* in the ring */
	uint32_t		 status;	/* TP_STATUS_* */
	struct virtio_net_hdr	*vnet;		/* right before the frame */
	uint32_t		 headroom;	/* writable bytes before vnet */
	struct lb_pkt_ring	*ring;
};

/* A batch of frames waiting for one sendmmsg on a ring's socket. */
struct lb_pkt_txq {
	struct mmsghdr		 msg[LB_TXQ_LEN];
	struct iovec		 iov[LB_TXQ_LEN][2];
	struct sockaddr_ll	 sll[LB_TXQ_LEN];
	size_t			 n;
	uint8_t			(*scratch)[LB_SCRATCH_LEN];
	size_t			 nscratch;
	struct virtio_net_hdr	 novnet;	/* for frames we build */
};

struct lb_pkt_ring {
	struct lb_pkt_engine	*e;
	char			 name[IFNAMSIZ];
	int			 ifindex;
	uint8_t			 mac[LB_PKT_ETH_ALEN];
	uint32_t		 mtu;
	int			 fd;		/* receive ring */
	int			 txfd;		/* sendmmsg, qdisc bypassed */
	uint8_t			*map;
	size_t			 maplen;
	uint32_t		 fsize;		/* bytes per slot */
	uint32_t		 bsize;
	uint32_t		 nframes;
	uint32_t		 cur;		/* next slot to look at */
	uint8_t			*copy;		/* LB_RX_COPIES big frames */
	size_t			 ncopy;		/* taken this round */
	struct event		*ev;
	struct lb_pkt_txq	 txq;
	/* Addresses for the ARP, ND and ICMP we send from this side. */
	struct lb_pkt_ip	 ip4, ip6;
	int			 has4, has6;
	uint64_t		 drops;		/* tp_drops so far */
};

/* A next hop being resolved or known, learnt from ARP/ND replies. */
struct lb_neigh {
	LIST_ENTRY(lb_neigh)	 link;
	int			 ifindex;
	int			 af;
	struct lb_pkt_ip	 ip;
	uint8_t			 mac[LB_PKT_ETH_ALEN];
	int			 valid;
	uint64_t		 confirmed;	/* last reply */
	uint64_t		 asked;		/* last request */
	uint64_t		 used;
};

LIST_HEAD(lb_neigh_list, lb_neigh);
TAILQ_HEAD(lb_pkt_clusters, lb_pkt_cluster);

#define LB_NEIGH_BUCKETS	256
#define LB_FRAG_SLOTS		1024
#define LB_FRAG_MS		2000

/* A first fragment's datagram, so later fragments follow its flow. */
struct lb_frag_slot {
	struct lb_pkt_key	 dgram;		/* addresses, proto; id in ports */
	struct lb_pkt_key	 flow;		/* key the first fragment matched */
	uint64_t		 until;
};

struct lb_pkt_engine {
	struct event_base	*base;
	struct lb_pkt_conf	 conf;
	struct lb_pkt_selector	 sel;
	struct lb_pkt_ring	 rings[LB_PKT_MAXIF];
	size_t			 nrings;
	struct lb_flow_table	 flows;
	struct lb_pkt_clusters	 clusters;
	struct lb_neigh_list	 neigh[LB_NEIGH_BUCKETS];
	struct lb_frag_slot	*frags;
	struct lb_mip6_bcache	 binds;		/* home -> care-of address */
	int			 nmip6;		/* clusters with keys */
	struct event		*tick;
	struct lb_pkt_stats	 st;
	uint64_t		 now;
	int			 active;
	uint64_t		 icmp_tokens;
	uint64_t		 icmp_refill;
	struct lb_pkt_ip	 locals[64];	/* this host's addresses */
	int			 localaf[64];
	size_t			 nlocals;
	int			 nl;		/* rtnetlink socket */
	uint32_t		 nlseq;
	int			 nft_installed;
};

/* lb_pkt_ring.c */
int	 lb_ring_open(struct lb_pkt_engine *, struct lb_pkt_ring *,
	    const char *, char **);
void	 lb_ring_close(struct lb_pkt_ring *);
void	 lb_ring_addrs(struct lb_pkt_ring *);
int	 lb_ring_tx(struct lb_pkt_ring *, struct virtio_net_hdr *,
	    uint8_t *, size_t);
uint8_t	*lb_ring_scratch(struct lb_pkt_ring *);
int	 lb_ring_tx_scratch(struct lb_pkt_ring *, uint8_t *, size_t);
void	 lb_ring_flush(struct lb_pkt_ring *);
void	 lb_ring_stats(struct lb_pkt_ring *);
int	 lb_ring_join_mcast(struct lb_pkt_ring *, const uint8_t *);

/* lb_pkt_engine.c */
void	 lb_engine_rx(struct lb_pkt_engine *, struct lb_pkt_rx *);
void	 lb_engine_flush(struct lb_pkt_engine *);
struct lb_pkt_ring *lb_engine_ring(struct lb_pkt_engine *, int);

/* lb_pkt_nat.c */
#define LB_NAT_SRC	0
#define LB_NAT_DST	1
int	 lb_nat_rewrite(uint8_t *, const struct lb_pkt *, int,
	    const struct lb_pkt_ip *, uint16_t, int);
int	 lb_nat_icmp(uint8_t *, const struct lb_pkt *, int,
	    const struct lb_pkt_ip *, int, const struct lb_pkt_ip *, uint16_t);
int	 lb_pkt_ttl(uint8_t *, const struct lb_pkt *);
size_t	 lb_icmp_error(uint8_t *, size_t, const struct lb_pkt *,
	    const uint8_t *, const uint8_t *, const struct lb_pkt_ip *,
	    int, uint32_t);
void	 lb_pkt_complete_csum(uint8_t *, const struct lb_pkt *);

#define LB_ICMP_TOOBIG	0
#define LB_ICMP_TTL	1

/* lb_pkt_dr.c */
void	 lb_eth_rewrite(uint8_t *, const uint8_t *, const uint8_t *);
int	 lb_dr_forward(uint8_t *, const struct lb_pkt *, const uint8_t *,
	    const uint8_t *);

/* lb_pkt_neigh.c */
const uint8_t *lb_neigh_get(struct lb_pkt_engine *, int, int,
	    const struct lb_pkt_ip *);
void	 lb_neigh_want(struct lb_pkt_engine *, int, int,
	    const struct lb_pkt_ip *);
void	 lb_neigh_rx(struct lb_pkt_engine *, struct lb_pkt_ring *,
	    const struct lb_pkt *);
void	 lb_neigh_tick(struct lb_pkt_engine *);
void	 lb_neigh_free(struct lb_pkt_engine *);
int	 lb_neigh_announce(struct lb_pkt_engine *, struct lb_pkt_ring *,
	    const struct lb_pkt_cluster *);
size_t	 lb_arp_frame(uint8_t *, int, const uint8_t *, const uint8_t *,
	    const struct lb_pkt_ip *, const uint8_t *,
	    const struct lb_pkt_ip *);
size_t	 lb_nd_frame(uint8_t *, int, const uint8_t *, const uint8_t *,
	    const struct lb_pkt_ip *, const struct lb_pkt_ip *,
	    const struct lb_pkt_ip *, int);

/* lb_pkt_kern.c */
int	 lb_kern_open(struct lb_pkt_engine *, char **);
void	 lb_kern_close(struct lb_pkt_engine *);
int	 lb_kern_route_get(struct lb_pkt_engine *, int,
	    const struct lb_pkt_ip *, int *, struct lb_pkt_ip *, int *);
int	 lb_kern_blackhole(struct lb_pkt_engine *, int,
	    const struct lb_pkt_ip *, int);
int	 lb_kern_nft(struct lb_pkt_engine *, char **);
void	 lb_kern_nft_del(struct lb_pkt_engine *);
int	 lb_kern_is_local(struct lb_pkt_engine *, int,
	    const struct lb_pkt_ip *);

#endif
