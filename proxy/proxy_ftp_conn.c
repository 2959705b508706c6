/*
 * proxy_ftp_conn.c: control connections to FTP servers, for the FTP
 * proxy and the ftp:// gateway: the server's name resolved (evdns), each
 * of its addresses tried in turn, from the outgoing address (the peer's
 * real address, never the floating IP), within connect-timeout.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conn.h"
#include "ev.h"
#include "log.h"
#include "proxy.h"
#include "proxy_ftp.h"

static void	proxy_ftp_open_dns_cb(int, struct evutil_addrinfo *, void *);
static void	proxy_ftp_open_try(struct proxy_ftp_open *);
static void	proxy_ftp_open_failed(struct proxy_ftp_open *, int);
static void	proxy_ftp_open_event_cb(struct bufferevent *, short, void *);
static void	proxy_ftp_open_end(struct proxy_ftp_open *,
		    struct bufferevent *, enum proxy_ftp_open_err);

/* Start opening a control connection to host:port; see proxy_ftp.h. */
void
proxy_ftp_open_start(struct proxy_ftp_open *op, struct proxy *px,
    const char *host, uint16_t port, proxy_ftp_open_cb cb, void *arg)
{
	struct evutil_addrinfo		 hints;
	struct evdns_getaddrinfo_request *req;
	struct addr			 a;
	char				 pbuf[8];

	memset(op, 0, sizeof *op);
	op->px = px;
	op->port = port;
	op->cb = cb;
	op->arg = arg;
	strlcpy(op->host, host, sizeof op->host);
	if (addr_parse(host, &a, &(const char *){ NULL }) == 0) {
		a.port = port;
		conn_addrs_add(&op->addrs, &a);
		proxy_ftp_open_try(op);
		return;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	snprintf(pbuf, sizeof pbuf, "%u", (unsigned)port);
	/* The callback may run before this returns. */
	req = evdns_getaddrinfo(px->dns, host, pbuf, &hints,
	    proxy_ftp_open_dns_cb, op);
	if (req != NULL)
		op->req = req;
}

/* Give up (the owner goes away); no callback. */
void
proxy_ftp_open_cancel(struct proxy_ftp_open *op)
{
	struct evdns_getaddrinfo_request	*req;

	op->cb = NULL;
	if ((req = op->req) != NULL) {
		op->req = NULL;
		evdns_getaddrinfo_cancel(req);
	}
	if (op->bev != NULL) {
		bufferevent_free(op->bev);
		op->bev = NULL;
	}
}

/* The name was looked up. */
static void
proxy_ftp_open_dns_cb(int result, struct evutil_addrinfo *res, void *arg)
{
	struct proxy_ftp_open	*op = arg;
	struct evutil_addrinfo	*ai;
	struct addr		 a;

	if (result == EVUTIL_EAI_CANCEL) {
		/* The owner is gone, and op with it. */
		if (res != NULL)
			evutil_freeaddrinfo(res);
		return;
	}
	op->req = NULL;
	for (ai = res; result == 0 && ai != NULL; ai = ai->ai_next)
		if (addr_from_sa(&a, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    !conn_addrs_add(&op->addrs, &a))
			break;
	if (res != NULL)
		evutil_freeaddrinfo(res);
	if (op->addrs.n == 0) {
		snprintf(op->why, sizeof op->why, "cannot resolve %s: %s",
		    op->host, result != 0 ? evutil_gai_strerror(result) :
		    "no address");
		proxy_ftp_open_end(op, NULL, PROXY_FTP_OPEN_DNS);
		return;
	}
	proxy_ftp_open_try(op);
}

/* Connect to the address being tried. */
static void
proxy_ftp_open_try(struct proxy_ftp_open *op)
{
	struct proxy		*px = op->px;
	struct conn_limits	 lim;
	struct conn_cbs		 cbs;
	const char		*opname;
	int			 err;

	lim.io_max = PROXY_IO_MAX;
	lim.flow = px->flow;
	lim.connect_ms = px->cfg->proxy.connect_timeout;
	cbs.read = NULL;
	cbs.write = NULL;
	cbs.event = proxy_ftp_open_event_cb;
	cbs.arg = op;
	op->bev = conn_connect(px->base, conn_addrs_cur(&op->addrs),
	    proxy_ftp_source(px), &lim, &cbs, &err, &opname);
	if (op->bev == NULL) {
		if (err == ENOMEM) {
			strlcpy(op->why, "out of memory", sizeof op->why);
			proxy_ftp_open_end(op, NULL, PROXY_FTP_OPEN_NOMEM);
			return;
		}
		proxy_ftp_open_failed(op, err);
	}
}

/* An attempt failed: the next address, or the end. */
static void
proxy_ftp_open_failed(struct proxy_ftp_open *op, int err)
{
	char	 buf[ADDR_STRLEN];

	addr_fmt(conn_addrs_cur(&op->addrs), buf, sizeof buf);
	if (conn_addrs_next(&op->addrs)) {
		log_info("FTP server %s: %s: %s; trying the next address",
		    op->host, buf, err == ETIMEDOUT ? "timed out" :
		    strerror(err));
		proxy_ftp_open_try(op);
		return;
	}
	if (err == ETIMEDOUT) {
		snprintf(op->why, sizeof op->why, "connecting to the FTP "
		    "server %s timed out", buf);
		proxy_ftp_open_end(op, NULL, PROXY_FTP_OPEN_TIMEOUT);
		return;
	}
	snprintf(op->why, sizeof op->why, "cannot connect to the FTP server "
	    "%s: %s", buf, strerror(err));
	proxy_ftp_open_end(op, NULL, PROXY_FTP_OPEN_CONNECT);
}

/* Connected, or not. */
static void
proxy_ftp_open_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct proxy_ftp_open	*op = arg;
	int			 err = EVUTIL_SOCKET_ERROR();

	op->bev = NULL;
	if (what & BEV_EVENT_CONNECTED) {
		bufferevent_setcb(bev, NULL, NULL, NULL, NULL);
		bufferevent_set_timeouts(bev, NULL, NULL);
		op->px->stats.origin_connects++;
		proxy_ftp_open_end(op, bev, PROXY_FTP_OPEN_OK);
		return;
	}
	bufferevent_free(bev);
	proxy_ftp_open_failed(op, (what & BEV_EVENT_TIMEOUT) ? ETIMEDOUT :
	    err != 0 ? err : ECONNREFUSED);
}

/* Report the outcome to the owner. */
static void
proxy_ftp_open_end(struct proxy_ftp_open *op, struct bufferevent *bev,
    enum proxy_ftp_open_err e)
{
	proxy_ftp_open_cb	 cb = op->cb;

	op->cb = NULL;
	if (cb == NULL) {
		if (bev != NULL)
			bufferevent_free(bev);
		return;
	}
	cb(bev, e == PROXY_FTP_OPEN_OK ? conn_addrs_cur(&op->addrs) : NULL,
	    e, e == PROXY_FTP_OPEN_OK ? NULL : op->why, op->arg);
}
