/*
 * logfwd.h: access-log forwarding, to the local syslog daemon (datagrams
 * to /dev/log) and to a remote log server over TCP, RFC 5424 messages
 * framed by octet counting (RFC 6587 3.4.1: "LEN SP SYSLOG-MSG").
 *
 * The forwarder never blocks the daemon and never makes it wait: lines
 * go to a bounded queue and leave when the socket takes them. While the
 * server is down, unreachable or slow, the queue fills to its bound and
 * lines past it are dropped and counted; a warning with the count is
 * logged at most once every LOGFWD_WARN_S seconds. A lost connection is
 * retried with a backoff (1 s doubling to 30 s), each address of the
 * server in turn, and each change of state is logged once. The lines
 * queued on a connection that breaks count as dropped: whether the
 * server got them is unknown.
 *
 * The HOSTNAME of every message is the peer's tag (its name by default),
 * so the two peers of a pair keep to their own files at the server.
 * With TLS (RFC 5425) the server's certificate is verified against a CA
 * file (or the system's store) and the server's name or address.
 */
#ifndef LOGFWD_H
#define LOGFWD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "addr.h"
#include "conn.h"

struct event_base;
struct logfwd;

/* RFC 5424 facility local0 (16); severity info (6). */
#define LOGFWD_FACILITY_DEFAULT	16
#define LOGFWD_SEVERITY		6
#define LOGFWD_QUEUE_DEFAULT	(4 * 1024 * 1024)
/* Longest SYSLOG-MSG sent (rsyslog's default maximum is 8 KiB). */
#define LOGFWD_MSG_MAX		8000
/* Longest octet-count prefix: "8000 " and room to spare. */
#define LOGFWD_PREFIX_MAX	12
#define LOGFWD_CONNECT_MS	5000
#define LOGFWD_STALL_MS		30000	/* a server that stops reading */
#define LOGFWD_BACKOFF_MIN_MS	1000
#define LOGFWD_BACKOFF_MAX_MS	30000
#define LOGFWD_WARN_S		10
#define LOGFWD_DEV_LOG		"/dev/log"

/* Header fields, as RFC 5424 bounds them. */
#define LOGFWD_HOST_MAX		255
#define LOGFWD_APP_MAX		48
#define LOGFWD_MSGID_MAX	32

struct logfwd_conf {
	struct addr	 server[CONN_MAXADDRS];	/* tried in turn */
	int		 nserver;		/* 0: no log server */
	struct addr	 source;		/* af 0: the kernel's choice */
	int		 syslog;		/* also to the local syslog */
	const char	*dev_log;		/* NULL: LOGFWD_DEV_LOG */
	const char	*host;			/* HOSTNAME: the tag */
	const char	*app;			/* APP-NAME: the daemon */
	const char	*msgid;			/* MSGID: "access" */
	int		 facility;		/* 0-23 */
	size_t		 queue_max;		/* bytes */
	int		 tls;			/* RFC 5425 */
	const char	*tls_ca;		/* NULL: the system's store */
	const char	*tls_name;		/* NULL: the address */
};

/* Counters, for the control socket and metrics. */
struct logfwd_stats {
	uint64_t	 sent;		/* lines the server's socket took */
	uint64_t	 dropped;	/* lines lost for the server */
	uint64_t	 syslog_sent;	/* datagrams /dev/log took */
	uint64_t	 syslog_dropped;
	uint64_t	 connects;	/* connections made */
	size_t		 queued;	/* bytes waiting */
	int		 connected;	/* to the server now */
	int		 configured;	/* a server or syslog is set */
};

/*
 * A forwarder named <what> in messages ("access log"), sending nothing
 * until configured.
 */
struct logfwd	*logfwd_new(struct event_base *, const char *);
/* Send what can go without waiting, then close and free. */
void		 logfwd_free(struct logfwd *);
/*
 * Apply <conf> (copied): a changed server or source address closes the
 * connection and connects again at once; the queue stays. Tag, facility
 * and the bound apply to the next line.
 */
void		 logfwd_configure(struct logfwd *, const struct logfwd_conf *);
/* Whether anything is configured (a server or syslog). */
int		 logfwd_active(const struct logfwd *);
/*
 * Forward one line (a trailing newline is not sent). Returns -1 when it
 * was dropped for every destination.
 */
int		 logfwd_send(struct logfwd *, const char *, size_t);
/*
 * SIGUSR1: connect /dev/log again (the syslog daemon may have restarted)
 * and, when the server is down, retry it now with the backoff reset.
 */
void		 logfwd_reopen(struct logfwd *);
void		 logfwd_stats(const struct logfwd *, struct logfwd_stats *);
/*
 * The Prometheus families (lib/metrics.h) of <n> forwarders, named
 * "twinproxy_<pfx>_log_...", sample i labelled <label>=<values[i]> (no
 * label when <label> is NULL). Forwarders with nothing configured are
 * left out; with none configured, so are the families.
 */
struct metrics;
void		 logfwd_metrics(struct metrics *, const char *, const char *,
		    const char *const *, struct logfwd *const *, size_t);

/*
 * The pure parts, for tests. logfwd_format() writes an RFC 5424 message
 * "<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - MSG" into <buf>
 * (no NUL): <tm> is the local time with its tm_gmtoff, <usec> the
 * microseconds; header fields are cut to their RFC bounds, bytes outside
 * PRINTUSASCII become '_' and an empty field "-"; the MSG is cut so the
 * whole stays within <len>. Returns the length (0 if <len> is too small
 * for the header).
 */
size_t		 logfwd_format(char *, size_t, int, const struct tm *, long,
		    const char *, const char *, long, const char *,
		    const char *, size_t);
/*
 * The local form, as syslog(3) writes to /dev/log (RFC 3164):
 * "<PRI>Mmm dd hh:mm:ss APP[PID]: MSG". Same contract.
 */
size_t		 logfwd_format_local(char *, size_t, int, const struct tm *,
		    const char *, long, const char *, size_t);
/*
 * Write the octet-counting prefix of a <msglen>-byte message ("LEN SP")
 * so that it ends just before buf + LOGFWD_PREFIX_MAX; returns the
 * prefix's offset in <buf> (the frame is buf + offset, its length
 * LOGFWD_PREFIX_MAX - offset + msglen).
 */
size_t		 logfwd_frame(char *, size_t);

#endif
