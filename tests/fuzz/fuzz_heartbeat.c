/*
 * fuzz_heartbeat.c: libFuzzer target for the heartbeat decoder
 * (ha_wire_decode, the function that takes the received bytes) and the
 * acceptance decision that follows it (ha_replay_check), with their
 * invariants asserted.
 *
 * Input: one mode byte, then the datagram, then (optionally) events.
 *  - mode bit 0: re-sign the datagram under the test key when it is 88
 *    bytes long, as the partner would, so the field checks behind the
 *    HMAC are reached; without it, only forgeries are seen.
 *  - mode bits 4-7: N, the number of version 3 instance records (at
 *    most HA_MAXINST); the datagram is the first 88 + 24 N bytes after
 *    the mode byte (or all of them when fewer, or all when mode bit 1 is
 *    set), re-signed (bit 0) when it has exactly that length.
 *  - events, 18 bytes each: op, time step, 8-byte seq, 8-byte echo. op bit
 *    0 set: this process sends a heartbeat; else one arrives, its echo
 *    taken relative to our last sequence number when op bit 1 is set, its
 *    flags from op bit 2. The decoded datagram, if any, arrives first.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ha/ha.h"
#include "fuzz.h"

#define WIN	800

static void	fuzz_accept(struct ha_replay *, const struct ha_hb *,
		    uint64_t);
static uint64_t	get64(const uint8_t *);

static const unsigned char key[] = "twinproxy-fuzz-heartbeat-key-0123";

static uint64_t
get64(const uint8_t *p)
{
	uint64_t	v = 0;
	int		i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return (v);
}

/* Feed one heartbeat to the acceptance state; check what it did. */
static void
fuzz_accept(struct ha_replay *r, const struct ha_hb *hb, uint64_t now)
{
	struct ha_replay	 before = *r;
	enum ha_wire_err	 e;
	int			 reply = -1;

	e = ha_replay_check(r, hb, now, &reply);
	CHECK(reply == 0 || reply == 1);
	CHECK(strcmp(ha_wire_errname(e), "?") != 0);
	/* What this process sent is never touched. */
	CHECK(r->seq == before.seq && r->first == before.first);
	CHECK(memcmp(r->sent, before.sent, sizeof r->sent) == 0);
	if (e == HA_RX_OK) {
		/* Only an echo of ours, recent, and above the last one. */
		CHECK(hb->echo >= r->first && hb->echo <= r->seq);
		CHECK(r->seq - hb->echo < HA_CHAL_RING);
		CHECK(now - r->sent[hb->echo % HA_CHAL_RING] <= r->window);
		CHECK(!before.valid || hb->echo > before.peer_echo ||
		    (hb->echo == before.peer_echo &&
		    hb->seq > before.peer_seq));
		CHECK(r->valid && r->peer_seq == hb->seq &&
		    r->peer_echo == hb->echo && r->peer_at == now);
		CHECK(r->echo == hb->seq && r->stale_since == 0);
		CHECK(ha_replay_hears(r, now));
		CHECK(reply == !(hb->flags & HA_F_HEARS));
		return;
	}
	/* A refusal never changes what was accepted. */
	CHECK(r->valid == before.valid && r->peer_seq == before.peer_seq &&
	    r->peer_echo == before.peer_echo && r->peer_at == before.peer_at);
	CHECK(e == HA_RX_MALFORMED || e == HA_RX_REPLAYED ||
	    e == HA_RX_WINDOW || e == HA_RX_CHALLENGE);
	/* It teaches an echo only when nothing is heard. */
	if (r->echo != before.echo) {
		CHECK(!ha_replay_hears(&before, now));
		CHECK(r->echo == hb->seq && reply == 1);
	} else
		CHECK(reply == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ha_replay	 r;
	struct ha_hb		 hb;
	struct addr		 partner;
	struct cidr		 fip;
	struct cidr		 fips[HA_MAXINST];
	unsigned char		 pkt[HA_WIRE_MAXLEN + 64];
	unsigned char		 again[HA_WIRE_MAXLEN];
	enum ha_wire_err	 e;
	uint64_t		 now = 1000;
	size_t			 len, off, want, i;
	int			 holds[HA_MAXINST], other[HA_MAXINST];
	uint8_t			 mode;

	if (size < 1)
		return (0);
	mode = data[0];
	want = (mode >> 4) > HA_MAXINST ? HA_MAXINST : (mode >> 4);
	want = HA_WIRE_LEN + want * HA_WIRE_INSTLEN;
	len = size - 1;
	if (!(mode & 2) && len > want)
		len = want;
	if (len > sizeof pkt)
		len = sizeof pkt;
	memcpy(pkt, data + 1, len);
	if ((mode & 1) && len == want)
		CHECK(ha_wire_hmac(key, sizeof key - 1, pkt,
		    len - HA_WIRE_MACLEN, pkt + len - HA_WIRE_MACLEN) == 0);

	memset(&hb, 0xa5, sizeof hb);
	e = ha_wire_decode(pkt, len, key, sizeof key - 1, &hb);
	CHECK(e >= HA_RX_OK && e < HA_RX_NERR);
	CHECK(strcmp(ha_wire_errname(e), "?") != 0);
	CHECK(strcmp(ha_wire_errname(HA_RX_NERR), "?") == 0);
	if (len < HA_WIRE_LEN || len > HA_WIRE_MAXLEN ||
	    (len - HA_WIRE_LEN) % HA_WIRE_INSTLEN != 0)
		CHECK(e == HA_RX_TRUNCATED);
	if (e == HA_RX_OK) {
		/* Whatever is accepted is canonical: it encodes back. */
		CHECK(hb.seq != 0 && hb.state <= HA_FAULT && hb.role <= 1);
		CHECK(hb.ninst <= HA_MAXINST &&
		    len == HA_WIRE_LEN + hb.ninst * HA_WIRE_INSTLEN);
		CHECK(ha_wire_encode(&hb, key, sizeof key - 1, again) == len);
		CHECK(memcmp(again, pkt, len) == 0);
		/* Mirrored preferences give one per-address fingerprint. */
		for (i = 0; i < hb.ninst; i++) {
			CHECK(hb.inst[i].state <= HA_FAULT &&
			    hb.inst[i].pref <= 1);
			fips[i] = hb.inst[i].fip;
			holds[i] = hb.inst[i].pref == 0;
			other[i] = !holds[i];
		}
		/* Two distinct peers, as the config check ensures. */
		memset(&partner, 0, sizeof partner);
		partner.af = AF_INET6;
		if (addr_eq(&partner, &hb.sender))
			partner.u.v6.s6_addr[15] = 1;
		CHECK(ha_wire_fingerprint_multi(&hb.sender, &partner, fips,
		    holds, hb.ninst) == ha_wire_fingerprint_multi(&partner,
		    &hb.sender, fips, other, hb.ninst));
		memset(&partner, 0, sizeof partner);
		partner.af = AF_INET;
		memset(&fip, 0, sizeof fip);
		fip.a = hb.sender;
		fip.plen = hb.interval % 129;
		CHECK(ha_wire_fingerprint(&hb.sender, &partner, &fip, 1) ==
		    ha_wire_fingerprint(&partner, &hb.sender, &fip, 1));
	}

	/* The acceptance state, with an arbitrary first number. */
	ha_replay_init(&r, (get64(pkt + 8) >> 2) + 1, WIN, now);
	if (e == HA_RX_OK)
		fuzz_accept(&r, &hb, now);
	for (off = 1 + len; off + 18 <= size; off += 18) {
		const uint8_t	*ev = data + off;

		now += ev[1] * 8;
		if (ev[0] & 1) {
			CHECK(ha_replay_next(&r, now) == r.seq);
			continue;
		}
		memset(&hb, 0, sizeof hb);
		hb.seq = get64(ev + 2);
		hb.echo = get64(ev + 10);
		if (ev[0] & 2)
			hb.echo = r.seq - (hb.echo % 600);
		if (ev[0] & 4)
			hb.flags = HA_F_HEARS;
		fuzz_accept(&r, &hb, now);
		(void)ha_replay_quiet(&r, now);
	}
	return (0);
}
