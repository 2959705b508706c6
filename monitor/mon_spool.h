/*
 * mon_spool.h: the agent's event spool, events kept on disk until the
 * center acknowledges them.
 *
 * Guarantees, against kill -9 and power loss at any point:
 * - an event is spooled once mon_spool_append() returned 0: its record is
 *   fsync'd; it is delivered oldest first with its original time and its
 *   sequence number, and never lost, reordered or duplicated in the spool;
 * - sequence numbers are never reused: the next one is recovered from the
 *   log and the state file at open;
 * - a record torn by a crash (the last one, whose append never returned)
 *   is detected by its length and CRC and dropped at open;
 * - the spool is bounded: when full, a new info-level event is refused,
 *   and a warning or critical one evicts the oldest undelivered info-level
 *   events (it is refused only if that frees too little). Nothing goes
 *   silently: refusals and evictions are counted in the state file (fsync'd
 *   before the call returns) and reported to the center as an
 *   events-dropped event of their own, in one record's worth of the bound
 *   kept in reserve: at once, unless the previous report is still
 *   undelivered, in which case the counts wait for its acknowledgement.
 *
 * Files in the spool folder: "events" (the append-only log: records of a
 * 12-byte header, magic, payload length and CRC-32 of both, then the
 * event as mon_event_encode() writes it), "state" (acknowledged sequence,
 * highest sequence assigned, drop counters; replaced atomically with
 * rename), "lock" (flock: one agent per spool).
 *
 * The spool reads no clock: calls that may record a drop take the current
 * time, as with the other state machines.
 */
#ifndef MON_SPOOL_H
#define MON_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "mon_report.h"

#define MON_SPOOL_MIN		(16 << 10)
#define MON_SPOOL_MAX		(1ULL << 30)

struct mon_spool;

struct mon_spool_params {
	uint64_t	 size;		/* bound on the log, bytes */
	size_t		 write_chunk;	/* 0; tests tear records with >0 */
};

struct mon_spool_stats {
	uint64_t	 pending;	/* events spooled, not acknowledged */
	uint64_t	 pending_bytes;
	uint64_t	 file_bytes;	/* the log's size on disk */
	uint64_t	 next_seq;
	uint64_t	 acked;
	uint64_t	 refused;	/* unreported drops: never spooled */
	uint64_t	 evicted;	/* unreported drops: info evicted */
	uint64_t	 torn_bytes;	/* dropped at open */
	uint64_t	 compactions;
};

/* mon_spool.c */
struct mon_spool *mon_spool_open(const char *,
		     const struct mon_spool_params *, uint64_t, char **);
void		 mon_spool_close(struct mon_spool *);
int		 mon_spool_append(struct mon_spool *, struct mon_event *,
		     uint64_t, char **);
int		 mon_spool_peek(struct mon_spool *, struct mon_event *, size_t,
		     char **);
int		 mon_spool_ack(struct mon_spool *, uint64_t, uint64_t,
		     char **);
void		 mon_spool_stats(const struct mon_spool *,
		     struct mon_spool_stats *);
uint32_t	 mon_crc32(const void *, size_t);

#endif
