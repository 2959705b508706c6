/*
 * lb_pkt_dr.c: direct routing. The client's packet keeps its addresses
 * (the servers hold the cluster address on their loopback and answer the
 * client directly); only the Ethernet header changes, to the server's MAC
 * from ours, and the TTL goes down as through any router.
 */
#include <string.h>

#include "lb_pkt_int.h"

/* Address the frame <f> to <dst> from <src>. */
void
lb_eth_rewrite(uint8_t *f, const uint8_t *dst, const uint8_t *src)
{
	memcpy(f, dst, LB_PKT_ETH_ALEN);
	memcpy(f + LB_PKT_ETH_ALEN, src, LB_PKT_ETH_ALEN);
}

/*
 * Prepare the parsed packet <p> in <f> for the server at <dst>: -1 if its
 * TTL ran out (the caller drops it).
 */
int
lb_dr_forward(uint8_t *f, const struct lb_pkt *p, const uint8_t *dst,
    const uint8_t *src)
{
	if (lb_pkt_ttl(f, p) == -1)
		return (-1);
	lb_eth_rewrite(f, dst, src);
	return (0);
}
