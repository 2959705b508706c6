/*
 * flow.h: backpressure, the one rule every path that writes to a peer
 * follows: while the peer's output holds <high> bytes or more, stop
 * reading the side that feeds it; once the output has drained to <low>,
 * the peer's write callback (armed by flow_watch()) resumes it. The same
 * rule bounds what a peer sends ahead of what we take (flow_hold(),
 * flow_cap_input()). No peer can grow a buffer without bound.
 *
 * Every write path, by file:function, and what bounds it:
 *
 * twin-proxy, to a client
 *   proxy_server.c:proxy_server_head        1xx and final heads relayed:
 *       flow_gate(origin) after each; at most PROXY_MAX_INTERIM (32) 1xx
 *       per request, then 502
 *   proxy_server.c:proxy_server_pump_response  body (http_body_relay):
 *       flow_gate(origin); the origin resumed by proxy_client_write_cb
 *   proxy_client.c:proxy_client_error       error page (< 1 KiB), then
 *       a lingering close (lib/conn.h: input dropped, output sent within
 *       read-timeout); proxy_client_answered() gates the client
 *   proxy_client.c:proxy_client_request     OPTIONS and TRACE answered
 *       here (TRACE: at most one head, max-header-size):
 *       proxy_client_answered(), and proxy_client_response_done() reads
 *       the next pipelined request only below the high-water mark
 *   proxy_cache_hook.c:proxy_cache_serve    cache hits (bodies by
 *       reference or file segment), through proxy_client_send
 *       (flow_add: a large hit to an idle socket at once, the rest
 *       queued): as the two above
 *   proxy_tunnel.c:proxy_tunnel_connected   CONNECT's "200" (once), then
 *       lib/relay.c both ways: flow_gate per direction, idle-timeout,
 *       read-timeout for a peer that takes nothing
 * twin-proxy, to an origin
 *   proxy_server.c:proxy_server_send        the request head (at most
 *       max-header-size, once per attempt)
 *   proxy_server.c:proxy_server_pump_request  request body
 *       (http_body_relay): flow_gate(client); before the connection is
 *       up, flow_hold(client, high)
 *   proxy_cache_hook.c:proxy_cache_background  a revalidation's head to
 *       the internal client (one write, at most max-header-size); its
 *       answer goes to proxy_cache_sink_cb, which only reads and drops
 * twin-proxy, what clients send ahead
 *   proxy_client.c:proxy_client_read_cb     pipelined requests behind a
 *       busy one: flow_hold(client, max-header-size); a head being read
 *       is refused past max-header-size
 * the control sockets (all daemons)
 *   ctl.c:ctl_read_cb, ctl_printf           answers: commands wait, and
 *       the socket is not read, while the output is above high
 *       (flow_gate); 32 connections, 60 s each at most
 * twin-wpad
 *   wpad_server.c:server_request_cb         evhttp sends one reply (at
 *       most WPAD_MAXSCRIPT) at a time per connection and reads the next
 *       request once it is out; server_bev_cb caps what a client sends
 *       ahead (flow_cap_input, 64 KiB)
 * health checks
 *   check_acv.c                             the send string (config);
 *       the reply is read up to maxreply only (flow_cap_input)
 * log files
 *   logfile.c:logfile_write                 at most max_buf (8 MiB)
 *       buffered; lines past it are dropped and counted
 *   logfwd.c:logfwd_send                    to the log server: queue and
 *       socket output together at most access-log-queue (4 MiB); lines
 *       past it are dropped and counted; what the server sends is read
 *       and dropped; /dev/log datagrams sent with MSG_DONTWAIT or dropped
 * twin-ha
 *   heartbeats and gratuitous ARP are datagrams of a fixed size sent on
 *   timers: nothing is queued for a peer
 * the remote-monitoring gateway (monitor/mon_gw_*.c)
 *   mon_gw_agent.c:gw_tgt_read_cb           target to up stream: flow_gate
 *       (target); resumed by gw_up_write_cb
 *   mon_gw_agent.c:gw_down_read_cb          down stream to target:
 *       http_body_relay (gates the down stream); gw_tgt_write_cb
 *   mon_gw_center.c:gw_up_read_cb           up stream to operator:
 *       http_body_relay; gw_op_write_cb resumes
 *   mon_gw_center.c:gw_op_read_cb           operator to down stream:
 *       flow_gate(operator); gw_down_write_cb resumes
 *   mon_gw_op.c                             twinctl's stdin and stdout:
 *       flow_gate both ways
 * A new path (twin-lb, the FTP proxy) goes through these calls and gets
 * its line here.
 */
#ifndef FLOW_H
#define FLOW_H

#include <stddef.h>

struct bufferevent;
struct evbuffer;
struct event_base;

struct flow_limits {
	size_t		 high;	/* stop reading the source at this */
	size_t		 low;	/* the write callback runs at this */
};

/* 256 KiB high, 64 KiB low. */
#define FLOW_LIMITS_DEFAULT	{ 256 * 1024, 64 * 1024 }

/* Arm <dst>'s write callback for when its output drains to low. */
void	flow_watch(struct bufferevent *, const struct flow_limits *);
/* Whether an output buffer is at or above the high-water mark. */
int	flow_full(struct evbuffer *, const struct flow_limits *);
/*
 * After writing to <out>: if it is full, stop reading <src> (which may
 * be NULL when the daemon makes the bytes itself) and return 1; else 0.
 */
int	flow_gate(struct bufferevent *, struct evbuffer *,
	    const struct flow_limits *);
/* From the write callback: read <src> again. */
void	flow_resume(struct bufferevent *);
/*
 * Send what <dst>'s output holds from the callback that queued it, not
 * when the loop next finds the socket writable: one writev for a plain
 * socket, the write event (an epoll_ctl to arm it and one to disarm it)
 * only for what the socket did not take; a TLS stream's small output in
 * one record. In a loop run by flow_dispatch(), an output below the
 * high-water mark is written at the end of the turn with the others of
 * that turn (16 at a time in a long turn), so that a peer (a server, a
 * client) gets the turn's messages together and wakes once for them.
 * Measured on 1 KiB requests: with each request written as it was made,
 * nginx behind twin-lb woke 2.5 times as often per request as behind
 * HAProxy and spent 15% more CPU on each. Then read <src> (may be NULL)
 * again if the output has room. A bufferevent written this way keeps
 * EV_WRITE off while nothing is queued, so every path that queues output
 * on it must end with flow_send() (or hand it to something that enables
 * EV_WRITE, as a lingering close does).
 */
void	flow_send(struct bufferevent *, struct bufferevent *,
	    const struct flow_limits *);
/*
 * Run <base>'s loop as event_base_dispatch() does, until it is asked to
 * exit or break, writing after each turn what flow_send() queued in it.
 * One per process: the queue is the process's.
 */
void	flow_dispatch(struct event_base *);
/*
 * The same rule for what a peer sends ahead (pipelined requests waiting
 * for the one in progress): stop reading <src> while its own input holds
 * <cap> bytes or more, and return 1. Whoever takes the input reads it
 * again (flow_resume()).
 */
int	flow_hold(struct bufferevent *, size_t);
/*
 * The same, left to libevent, for a bufferevent whose callbacks are not
 * ours (evhttp's): it reads <src> only while its input is below <cap>.
 */
void	flow_cap_input(struct bufferevent *, size_t);
/*
 * Queue all of <buf> (emptied) after what <dst>'s output holds, on a
 * bufferevent that keeps its write event on as libevent does (not one
 * written by flow_send(), which must see every write). A large answer
 * (<low> bytes or more) finding that output empty goes to the socket at
 * once: what the kernel takes leaves in this call, without waiting for
 * the next turn of the loop, and only the rest is queued, where the
 * high-water mark applies as to any write. Small answers are queued, to
 * leave together with the others of the same turn. Only a plain socket
 * is written to directly; TLS output is just queued. Returns the bytes
 * sent at once.
 */
size_t	flow_add(struct bufferevent *, struct evbuffer *,
	    const struct flow_limits *);

#endif
