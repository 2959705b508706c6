/*
 * lb_pkt_ring.c: packet I/O of the L4 engine. Each interface gets a
 * TPACKET_V2 receive ring and a second PACKET socket for sending: frames
 * are queued as iovecs pointing into the ring (or into scratch buffers
 * for frames the engine builds) and go out with one sendmmsg() per batch,
 * bypassing the qdisc. A slot goes back to the kernel only once every
 * frame pointing into it has been sent.
 *
 * Why V2 and not V3: a V3 ring wakes its reader only when a block is
 * full or its retire timer (1 ms at least) fires, so at low and middle
 * rates every packet waits up to a millisecond inside the balancer, and a
 * new connection, which crosses it five times or more before it is done,
 * spends milliseconds waiting. A V2 ring wakes the reader for the first
 * frame that arrives while it sleeps; under load the reader finds many
 * slots full at each wake-up, so the batches stay large.
 *
 * Slots hold any frame of a 1500-byte MTU. A larger one (a GSO super-frame
 * the kernel hands over whole) does not fit: with PACKET_COPY_THRESH the
 * kernel marks its slot TP_STATUS_COPY and queues the whole packet on the
 * socket, in order, and the engine reads it with recvmsg() into one of a
 * few buffers. Frames of a flow thus keep their order.
 *
 * Both sockets use virtio-net headers (PACKET_VNET_HDR): the kernel then
 * hands over GSO super-frames whole, with their checksum left partial,
 * and takes them back the same way, so a NAT rewrite costs a few
 * additions instead of segmentation and checksums over 64 KB.
 *
 * The receive socket binds ETH_P_ALL: such taps run before the netdev
 * ingress hook (tc, nftables), which can therefore drop what the engine
 * takes over without hiding it from the engine. A socket bound to one
 * protocol would be served after that hook, and see nothing.
 *
 * Each ring joins a PACKET_FANOUT group of its interface (hash mode), so
 * more workers are more members. The hash is per 5-tuple and symmetric,
 * which keeps both directions of a DR flow together; the two directions
 * of a NAT flow differ in tuple, so a second worker needs a fanout
 * program (PACKET_FANOUT_CBPF) hashing the client's address, or a shared
 * table. One worker is what runs now.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "lb_pkt_int.h"
#include "log.h"
#include "xmalloc.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING	23
#endif

static void	ring_read_cb(evutil_socket_t, short, void *);
static void	ring_frame(struct lb_pkt_ring *, struct tpacket2_hdr *);
static int	ring_ifinfo(struct lb_pkt_ring *, char **);

/* Interface index, MAC and MTU. */
static int
ring_ifinfo(struct lb_pkt_ring *r, char **cause)
{
	struct ifreq	ifr;
	int		s;

	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		xasprintf(cause, "socket: %s", strerror(errno));
		return (-1);
	}
	memset(&ifr, 0, sizeof ifr);
	strlcpy(ifr.ifr_name, r->name, sizeof ifr.ifr_name);
	if (ioctl(s, SIOCGIFINDEX, &ifr) == -1)
		goto fail;
	r->ifindex = ifr.ifr_ifindex;
	if (ioctl(s, SIOCGIFHWADDR, &ifr) == -1)
		goto fail;
	memcpy(r->mac, ifr.ifr_hwaddr.sa_data, LB_PKT_ETH_ALEN);
	if (ioctl(s, SIOCGIFMTU, &ifr) == -1)
		goto fail;
	r->mtu = ifr.ifr_mtu;
	close(s);
	return (0);
fail:
	xasprintf(cause, "interface %s: %s", r->name, strerror(errno));
	close(s);
	return (-1);
}

/*
 * Read the addresses this interface sends ARP, ND and ICMP from: its
 * first IPv4 address, and its first global IPv6 address or else its
 * link-local one.
 */
void
lb_ring_addrs(struct lb_pkt_ring *r)
{
	struct ifaddrs		*ifa, *i;
	struct sockaddr_in6	*s6;
	int			 ll = 0;

	if (getifaddrs(&ifa) == -1)
		return;
	r->has4 = r->has6 = 0;
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || strcmp(i->ifa_name, r->name) != 0)
			continue;
		if (i->ifa_addr->sa_family == AF_INET && !r->has4) {
			memset(&r->ip4, 0, sizeof r->ip4);
			memcpy(r->ip4.b, &((struct sockaddr_in *)(void *)
			    i->ifa_addr)->sin_addr, 4);
			r->has4 = 1;
		} else if (i->ifa_addr->sa_family == AF_INET6 &&
		    (!r->has6 || ll)) {
			s6 = (struct sockaddr_in6 *)(void *)i->ifa_addr;
			memcpy(r->ip6.b, &s6->sin6_addr, 16);
			ll = IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr);
			r->has6 = 1;
		}
	}
	freeifaddrs(ifa);
}

/*
 * Open the rings of interface <name> for engine <e>: the receive ring
 * (TPACKET_V2, in the fanout group) and the transmit socket.
 */
int
lb_ring_open(struct lb_pkt_engine *e, struct lb_pkt_ring *r, const char *name,
    char **cause)
{
	const struct lb_pkt_conf	*c = &e->conf;
	struct tpacket_req3		 req;
	struct sockaddr_ll		 sll;
	int				 v, i;

	memset(r, 0, sizeof *r);
	r->e = e;
	r->fd = r->txfd = -1;
	strlcpy(r->name, name, sizeof r->name);
	if (ring_ifinfo(r, cause) == -1)
		return (-1);
	lb_ring_addrs(r);

	/* Protocol 0: nothing arrives before the ring is set up and bound. */
	if ((r->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1) {
		xasprintf(cause, "packet socket: %s", strerror(errno));
		goto fail;
	}
	v = TPACKET_V2;
	if (setsockopt(r->fd, SOL_PACKET, PACKET_VERSION, &v, sizeof v) == -1)
		goto sockopt;
	v = 1;
	if (setsockopt(r->fd, SOL_PACKET, PACKET_VNET_HDR, &v, sizeof v) == -1)
		goto sockopt;
	/* Our own transmissions, and the host's, are not for us. */
	if (setsockopt(r->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &v,
	    sizeof v) == -1)
		goto sockopt;
	/* Room in front of each frame for a type 2 routing header. */
	v = LB_RX_RESERVE;
	if (setsockopt(r->fd, SOL_PACKET, PACKET_RESERVE, &v, sizeof v) == -1)
		goto sockopt;
	/* Big frames go to the socket queue (see the top of this file). */
	if (setsockopt(r->fd, SOL_PACKET, PACKET_COPY_THRESH, &v,
	    sizeof v) == -1)
		goto sockopt;
	v = 16 * 1024 * 1024;
	(void)setsockopt(r->fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof v);
	memset(&req, 0, sizeof req);
	req.tp_block_size = c->ring_block_size;
	req.tp_block_nr = c->ring_blocks;
	req.tp_frame_size = LB_RX_FRAME;
	req.tp_frame_nr = req.tp_block_size / req.tp_frame_size *
	    req.tp_block_nr;
	if (setsockopt(r->fd, SOL_PACKET, PACKET_RX_RING, &req,
	    sizeof req) == -1)
		goto sockopt;
	r->bsize = req.tp_block_size;
	r->fsize = req.tp_frame_size;
	r->nframes = req.tp_frame_nr;
	r->maplen = (size_t)r->bsize * req.tp_block_nr;
	r->map = mmap(NULL, r->maplen, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_LOCKED | MAP_POPULATE, r->fd, 0);
	if (r->map == MAP_FAILED)
		r->map = mmap(NULL, r->maplen, PROT_READ | PROT_WRITE,
		    MAP_SHARED, r->fd, 0);
	if (r->map == MAP_FAILED) {
		r->map = NULL;
		xasprintf(cause, "%s: mmap of the ring: %s", name,
		    strerror(errno));
		goto fail;
	}
	memset(&sll, 0, sizeof sll);
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = r->ifindex;
	if (bind(r->fd, (struct sockaddr *)&sll, sizeof sll) == -1) {
		xasprintf(cause, "%s: bind: %s", name, strerror(errno));
		goto fail;
	}
	v = ((c->fanout_id + r->ifindex) & 0xffff) |
	    (PACKET_FANOUT_HASH << 16);
	if (setsockopt(r->fd, SOL_PACKET, PACKET_FANOUT, &v, sizeof v) == -1)
		goto sockopt;

	if ((r->txfd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1) {
		xasprintf(cause, "packet socket: %s", strerror(errno));
		goto fail;
	}
	v = 1;
	if (setsockopt(r->txfd, SOL_PACKET, PACKET_VNET_HDR, &v,
	    sizeof v) == -1 ||
	    setsockopt(r->txfd, SOL_PACKET, PACKET_QDISC_BYPASS, &v,
	    sizeof v) == -1) {
		xasprintf(cause, "%s: transmit socket options: %s", name,
		    strerror(errno));
		goto fail;
	}
	v = 4 * 1024 * 1024;
	(void)setsockopt(r->txfd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof v);
	/* Bound with protocol 0: it never receives anything. */
	sll.sll_protocol = 0;
	if (bind(r->txfd, (struct sockaddr *)&sll, sizeof sll) == -1) {
		xasprintf(cause, "%s: bind: %s", name, strerror(errno));
		goto fail;
	}
	if ((r->txq.scratch = calloc(LB_SCRATCH, LB_SCRATCH_LEN)) == NULL ||
	    (r->copy = malloc((size_t)LB_RX_COPIES * LB_RX_COPY_LEN)) == NULL) {
		xasprintf(cause, "out of memory");
		goto fail;
	}
	for (i = 0; i < LB_TXQ_LEN; i++) {
		r->txq.sll[i].sll_family = AF_PACKET;
		r->txq.sll[i].sll_ifindex = r->ifindex;
		r->txq.sll[i].sll_halen = LB_PKT_ETH_ALEN;
		r->txq.msg[i].msg_hdr.msg_name = &r->txq.sll[i];
		r->txq.msg[i].msg_hdr.msg_namelen = sizeof r->txq.sll[i];
		r->txq.msg[i].msg_hdr.msg_iov = r->txq.iov[i];
		r->txq.msg[i].msg_hdr.msg_iovlen = 2;
	}
	r->ev = event_new(e->base, r->fd, EV_READ | EV_PERSIST, ring_read_cb,
	    r);
	if (r->ev == NULL || event_add(r->ev, NULL) == -1) {
		xasprintf(cause, "%s: cannot watch the ring", name);
		goto fail;
	}
	return (0);
sockopt:
	xasprintf(cause, "%s: packet socket option: %s", name,
	    strerror(errno));
fail:
	lb_ring_close(r);
	return (-1);
}

/* Close a ring (safe on one half open). */
void
lb_ring_close(struct lb_pkt_ring *r)
{
	if (r->ev != NULL)
		event_free(r->ev);
	if (r->map != NULL)
		munmap(r->map, r->maplen);
	if (r->fd != -1)
		close(r->fd);
	if (r->txfd != -1)
		close(r->txfd);
	free(r->txq.scratch);
	free(r->copy);
	r->copy = NULL;
	r->ev = NULL;
	r->map = NULL;
	r->fd = r->txfd = -1;
	r->txq.scratch = NULL;
}

/* Join the multicast group of MAC <mac> (solicited-node addresses). */
int
lb_ring_join_mcast(struct lb_pkt_ring *r, const uint8_t *mac)
{
	struct packet_mreq	mr;

	memset(&mr, 0, sizeof mr);
	mr.mr_ifindex = r->ifindex;
	mr.mr_type = PACKET_MR_MULTICAST;
	mr.mr_alen = LB_PKT_ETH_ALEN;
	memcpy(mr.mr_address, mac, LB_PKT_ETH_ALEN);
	return (setsockopt(r->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr,
	    sizeof mr));
}

/*
 * Slot <i> of the ring. The block size is a power of two of at least
 * 64 KiB and the frame size a power of two below it, so blocks hold
 * whole frames with nothing between: slot i is at i frames.
 */
static struct tpacket2_hdr *
ring_slot(struct lb_pkt_ring *r, uint32_t i)
{
	return ((struct tpacket2_hdr *)(void *)(r->map +
	    (size_t)i * r->fsize));
}

/*
 * Frames are ready: hand up to LB_RX_BATCH to the engine, send what they
 * gave, then give their slots back; again while the ring has more.
 */
static void
ring_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lb_pkt_ring	*r = arg;
	struct tpacket2_hdr	*h;
	uint32_t		 first, n, i, rounds;

	for (rounds = 0; rounds <= r->nframes / LB_RX_BATCH; rounds++) {
		first = r->cur;
		for (n = 0; n < LB_RX_BATCH; n++) {
			h = ring_slot(r, r->cur);
			if (!(__atomic_load_n(&h->tp_status,
			    __ATOMIC_ACQUIRE) & TP_STATUS_USER))
				break;
			if (n == 0)
				r->e->now = lb_pkt_now();
			ring_frame(r, h);
			r->cur = (r->cur + 1) % r->nframes;
		}
		if (n == 0)
			break;
		/* Frames queued for sending may point into these slots. */
		lb_engine_flush(r->e);
		r->ncopy = 0;
		for (i = 0; i < n; i++)
			__atomic_store_n(&ring_slot(r, (first + i) %
			    r->nframes)->tp_status, TP_STATUS_KERNEL,
			    __ATOMIC_RELEASE);
		r->e->st.rx_blocks++;
		if (n < LB_RX_BATCH)
			break;
	}
}

/*
 * The whole of a frame too big for its slot, from the socket queue into
 * a copy buffer. Returns 0, or -1 (nothing queued, or truncated).
 */
static int
ring_copy(struct lb_pkt_ring *r, struct lb_pkt_rx *rx)
{
	struct msghdr	msg;
	struct iovec	iov;
	uint8_t		*buf;
	ssize_t		 n;

	/* All taken: send what points into them first. */
	if (r->ncopy == LB_RX_COPIES) {
		lb_engine_flush(r->e);
		r->ncopy = 0;
	}
	buf = r->copy + r->ncopy * LB_RX_COPY_LEN;
	iov.iov_base = buf + LB_RX_RESERVE;
	iov.iov_len = LB_RX_COPY_LEN - LB_RX_RESERVE;
	memset(&msg, 0, sizeof msg);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	n = recvmsg(r->fd, &msg, MSG_DONTWAIT | MSG_TRUNC);
	if (n < LB_VNET_LEN + LB_PKT_ETH_HLEN || (msg.msg_flags & MSG_TRUNC))
		return (-1);
	r->ncopy++;
	rx->vnet = (struct virtio_net_hdr *)(void *)iov.iov_base;
	rx->frame = (uint8_t *)iov.iov_base + LB_VNET_LEN;
	rx->len = rx->snaplen = (uint32_t)n - LB_VNET_LEN;
	rx->headroom = LB_RX_RESERVE;
	return (0);
}

/* One slot: hand its frame to the engine. */
static void
ring_frame(struct lb_pkt_ring *r, struct tpacket2_hdr *h)
{
	struct sockaddr_ll	*sll;
	struct lb_pkt_rx	 rx;

	sll = (struct sockaddr_ll *)(void *)((uint8_t *)h +
	    TPACKET_ALIGN(sizeof *h));
	if (h->tp_status & TP_STATUS_COPY) {
		/* Its packet waits on the socket: read it, even if unused. */
		if (ring_copy(r, &rx) == -1) {
			r->e->st.drops[LB_DROP_TRUNC]++;
			return;
		}
	} else {
		if (h->tp_mac < TPACKET_ALIGN(sizeof *h) + sizeof *sll +
		    LB_VNET_LEN || h->tp_mac + h->tp_snaplen > r->fsize)
			return;
		rx.frame = (uint8_t *)h + h->tp_mac;
		rx.len = h->tp_len;
		rx.snaplen = h->tp_snaplen;
		rx.vnet = (struct virtio_net_hdr *)(void *)
		    (rx.frame - LB_VNET_LEN);
		/* Past the link-layer address the kernel wrote. */
		rx.headroom = (uint8_t *)rx.vnet - ((uint8_t *)sll +
		    sizeof *sll);
	}
	/* Only what is addressed to us (a promiscuous tap aside). */
	if (sll->sll_pkttype != PACKET_HOST &&
	    sll->sll_pkttype != PACKET_BROADCAST &&
	    sll->sll_pkttype != PACKET_MULTICAST)
		return;
	rx.status = h->tp_status & ~TP_STATUS_COPY;
	rx.ring = r;
	lb_engine_rx(r->e, &rx);
}

/*
 * Queue <len> bytes at <frame> (with its virtio header <vnet>) for sending
 * on <r>. The bytes must stay put until the next lb_ring_flush().
 */
int
lb_ring_tx(struct lb_pkt_ring *r, struct virtio_net_hdr *vnet, uint8_t *frame,
    size_t len)
{
	struct lb_pkt_txq	*q = &r->txq;

	if (q->n == LB_TXQ_LEN)
		lb_ring_flush(r);
	q->iov[q->n][0].iov_base = vnet;
	q->iov[q->n][0].iov_len = LB_VNET_LEN;
	q->iov[q->n][1].iov_base = frame;
	q->iov[q->n][1].iov_len = len;
	q->sll[q->n].sll_protocol = htons((uint16_t)(frame[12] << 8 |
	    frame[13]));
	q->n++;
	return (0);
}

/* A buffer for a frame the engine builds, or NULL when all are taken. */
uint8_t *
lb_ring_scratch(struct lb_pkt_ring *r)
{
	if (r->txq.scratch == NULL)
		return (NULL);
	if (r->txq.nscratch == LB_SCRATCH)
		lb_ring_flush(r);
	return (r->txq.scratch[r->txq.nscratch++]);
}

/* Queue a frame built in a scratch buffer (no offloads asked). */
int
lb_ring_tx_scratch(struct lb_pkt_ring *r, uint8_t *buf, size_t len)
{
	if (len == 0)
		return (-1);
	return (lb_ring_tx(r, &r->txq.novnet, buf, len));
}

/* Send what is queued on <r>: one sendmmsg, more if it stops short. */
void
lb_ring_flush(struct lb_pkt_ring *r)
{
	struct lb_pkt_engine	*e = r->e;
	struct lb_pkt_txq	*q = &r->txq;
	size_t			 sent = 0, i;
	int			 n;

	while (sent < q->n) {
		n = sendmmsg(r->txfd, q->msg + sent, q->n - sent, 0);
		e->st.tx_calls++;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			/* The frame at <sent> was refused: skip it. */
			e->st.drops[LB_DROP_TX]++;
			sent++;
			continue;
		}
		for (i = sent; i < sent + (size_t)n; i++)
			e->st.tx_bytes += q->iov[i][1].iov_len;
		e->st.tx_pkts += n;
		sent += n;
	}
	q->n = 0;
	q->nscratch = 0;
}

/* Add the kernel's ring drop count to the engine's statistics. */
void
lb_ring_stats(struct lb_pkt_ring *r)
{
	struct tpacket_stats	st;
	socklen_t		len = sizeof st;

	if (r->fd == -1)
		return;
	if (getsockopt(r->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
		r->drops += st.tp_drops;	/* reading resets them */
}
