/*
 * proxy_ftp_xfer.c: the data side of native FTP sessions. The client's
 * PASV, EPSV, PORT and EPRT set up its side of the next transfer (a
 * listener of the proxy that takes the client's host only, or a checked
 * address to connect to: no FTP bounce); a transfer command then opens
 * the server's side as ftp-server-data says (EPSV, PASV, or PORT/EPRT to
 * a listener of the proxy), sends the command, joins both sides with
 * lib/relay (splice), holds the server's end of the transfer until the
 * data has reached the client, and logs the transfer.
 */
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ev.h"
#include "ftp.h"
#include "log.h"
#include "proxy.h"
#include "proxy_ftp.h"
#include "relay.h"

static void	pfs_cdc_cb(struct proxy_ftp_dc *, struct bufferevent *,
		    const char *, void *);
static void	pfs_srv_data(struct proxy_ftp_session *);
static void	pfs_srv_active(struct proxy_ftp_session *);
static void	pfs_srv_connect(struct proxy_ftp_session *, uint16_t);
static void	pfs_srv_passive_failed(struct proxy_ftp_session *,
		    const char *);
static void	pfs_sdc_cb(struct proxy_ftp_dc *, struct bufferevent *,
		    const char *, void *);
static void	pfs_xfer_go(struct proxy_ftp_session *);
static void	pfs_relay_start(struct proxy_ftp_session *);
static void	pfs_relay_done_cb(struct relay *, enum relay_end, void *);
static void	pfs_flush_write_cb(struct bufferevent *, void *);
static void	pfs_flush_event_cb(struct bufferevent *, short, void *);
static int	pfs_data_pending(const struct proxy_ftp_session *);

/* PASV, EPSV, PORT, EPRT: the client side of the next transfer. */
void
proxy_ftp_data_cmd(struct proxy_ftp_session *s)
{
	struct ftp_cmd	*c = &s->cmd;
	struct addr	 local, bound;
	const char	*cause;
	char		 buf[128], url[PROXY_URL_MAX];
	int		 n;

	if (c->id == FTP_CMD_EPSV && c->epsv == FTP_EPSV_ALL) {
		s->epsv_all = 1;
		proxy_ftp_reply(s, "200 EPSV ALL ok.");
		return;
	}
	if (s->epsv_all && c->id != FTP_CMD_EPSV) {
		proxy_ftp_reply(s, "503 %s after EPSV ALL.", c->verb);
		return;
	}
	proxy_ftp_cdata_clear(s);
	if (c->id == FTP_CMD_PORT || c->id == FTP_CMD_EPRT) {
		if (ftp_data_addr_check(&c->addr, &s->caddr, &cause) == -1) {
			s->pf->st.bounce++;
			addr_fmt(&c->addr, buf, sizeof buf);
			proxy_ftp_url(s, s->cwd, 1, url, sizeof url);
			log_warnx("FTP client %s: %s %s refused: %s", s->cstr,
			    c->verb, buf, cause);
			proxy_ftp_deny_log(s, 504, c->verb, url);
			proxy_ftp_reply(s, "504 %s refused: %s.", c->verb,
			    cause);
			return;
		}
		s->cmode = PFC_ACTIVE;
		s->cport = c->addr;
		proxy_ftp_reply(s, "200 %s command successful.", c->verb);
		return;
	}
	local = s->clocal;
	if (c->id == FTP_CMD_PASV && local.af != AF_INET) {
		proxy_ftp_reply(s, "425 PASV needs IPv4; use EPSV.");
		return;
	}
	if (c->id == FTP_CMD_EPSV && c->epsv != 0 &&
	    c->epsv != (local.af == AF_INET ? 1 : 2)) {
		proxy_ftp_reply(s, "522 Network protocol not supported, use "
		    "(%d).", local.af == AF_INET ? 1 : 2);
		return;
	}
	local.port = 0;
	if ((s->cdc = proxy_ftp_dc_listen(s->px, &local, &s->caddr,
	    pfs_cdc_cb, s, &bound, &cause)) == NULL) {
		log_warnx("FTP client %s: %s: %s", s->cstr, c->verb, cause);
		proxy_ftp_reply(s, "425 Cannot open a data port: %s.", cause);
		return;
	}
	s->cmode = PFC_PASSIVE;
	n = c->id == FTP_CMD_PASV ? ftp_pasv_reply(&bound, buf, sizeof buf) :
	    ftp_epsv_reply(bound.port, buf, sizeof buf);
	if (n > 0)
		evbuffer_add(bufferevent_get_output(s->cbev), buf, (size_t)n);
}

/* Forget the client side of the next transfer. */
void
proxy_ftp_cdata_clear(struct proxy_ftp_session *s)
{
	proxy_ftp_dc_free(s->cdc);
	s->cdc = NULL;
	if (s->cdata != NULL && !s->flushing && s->relay == NULL) {
		bufferevent_free(s->cdata);
		s->cdata = NULL;
	}
	s->cmode = PFC_NONE;
}

/* The client's data connection came (or not). */
static void
pfs_cdc_cb(struct proxy_ftp_dc *dc, struct bufferevent *bev, const char *why,
    void *arg)
{
	struct proxy_ftp_session	*s = arg;

	proxy_ftp_dc_free(dc);
	s->cdc = NULL;
	if (bev == NULL) {
		log_info("FTP client %s: client data connection: %s", s->cstr,
		    why);
		if (s->xfer)
			proxy_ftp_xfer_abort(s, "no data connection with the "
			    "client");
		else
			s->cmode = PFC_NONE;
		return;
	}
	s->cdata = bev;
	if (s->xfer && s->sdata != NULL)
		pfs_relay_start(s);
}

/* A transfer command: set up the server side, then send it. */
void
proxy_ftp_xfer(struct proxy_ftp_session *s)
{
	struct ftp_cmd	*c = &s->cmd;
	char		 path[FTP_LINE_MAX + 2];
	const char	*arg;
	int		 n, dir;

	if (s->cmode == PFC_NONE) {
		proxy_ftp_reply(s, "425 Use PORT or PASV first.");
		return;
	}
	n = ftp_cmd_format(s->xfer_cmd, sizeof s->xfer_cmd, c->verb,
	    c->has_arg ? c->arg : NULL);
	if (n == -1) {
		proxy_ftp_reply(s, "501 Argument cannot be sent.");
		return;
	}
	s->xfer_cmd_len = (size_t)n;
	s->xfer = 1;
	s->xfer_sent = s->xfer_cancel = s->tried_active = 0;
	s->prelim = s->data_done = s->final = 0;
	s->abort_why = NULL;
	s->bytes = 0;
	s->upload = c->id == FTP_CMD_STOR || c->id == FTP_CMD_STOU ||
	    c->id == FTP_CMD_APPE;
	dir = c->id == FTP_CMD_LIST || c->id == FTP_CMD_NLST ||
	    c->id == FTP_CMD_MLSD;
	strlcpy(s->xfer_verb, c->verb, sizeof s->xfer_verb);
	clock_gettime(CLOCK_MONOTONIC, &s->t_xfer);
	/* "LIST -la" names options, not a path. */
	arg = c->has_arg && !(dir && c->arg[0] == '-') ? c->arg : "";
	if (ftp_path_resolve(s->cwd, arg, path, sizeof path) == -1)
		strlcpy(path, s->cwd, sizeof path);
	proxy_ftp_url(s, path, dir, s->xfer_url, sizeof s->xfer_url);
	proxy_ftp_timer(s, 0);
	pfs_srv_data(s);
}

/* Open the server side of a data connection, as ftp-server-data says. */
static void
pfs_srv_data(struct proxy_ftp_session *s)
{
	if (s->px->cfg->proxy.ftp_server_data == FTP_SERVER_ACTIVE) {
		pfs_srv_active(s);
		return;
	}
	if (!s->srv_no_epsv || s->saddr.af != AF_INET)
		proxy_ftp_send(s, "EPSV", NULL, PFW_EPSV);
	else
		proxy_ftp_send(s, "PASV", NULL, PFW_PASV);
}

/* Listen for the server and tell it where (PORT or EPRT). */
static void
pfs_srv_active(struct proxy_ftp_session *s)
{
	struct addr	 bound;
	const char	*cause;
	char		 arg[80];
	int		 n;

	s->tried_active = 1;
	if ((s->sdc = proxy_ftp_dc_listen(s->px, &s->slocal, &s->saddr,
	    pfs_sdc_cb, s, &bound, &cause)) == NULL) {
		log_warnx("FTP client %s: data port for %s: %s", s->cstr,
		    s->login.host, cause);
		proxy_ftp_reply(s, "425 Cannot open a data port for the "
		    "server: %s.", cause);
		proxy_ftp_xfer_end(s, 425);
		return;
	}
	if (bound.af == AF_INET && (n = ftp_port_fmt(&bound, arg,
	    sizeof arg)) > 0)
		proxy_ftp_send(s, "PORT", arg, PFW_PORT);
	else if (ftp_eprt_fmt(&bound, arg, sizeof arg) > 0)
		proxy_ftp_send(s, "EPRT", arg, PFW_PORT);
}

/* Connect to the server's data port, at its control address. */
static void
pfs_srv_connect(struct proxy_ftp_session *s, uint16_t port)
{
	struct addr	 dst = s->saddr;
	const char	*cause;

	dst.port = port;
	if ((s->sdc = proxy_ftp_dc_connect(s->px, &dst, &s->slocal,
	    pfs_sdc_cb, s, &cause)) == NULL) {
		pfs_srv_passive_failed(s, cause);
		return;
	}
	s->wait = PFW_SDATA;
}

/* Passive mode with the server failed: active, if allowed, or 425. */
static void
pfs_srv_passive_failed(struct proxy_ftp_session *s, const char *why)
{
	s->wait = PFW_NONE;
	if (s->xfer_cancel) {
		proxy_ftp_xfer_check(s);
		return;
	}
	if (s->px->cfg->proxy.ftp_server_data == FTP_SERVER_PASSIVE &&
	    !s->tried_active) {
		log_debug("FTP client %s: passive mode with %s failed (%s); "
		    "trying active", s->cstr, s->login.host, why);
		pfs_srv_active(s);
		return;
	}
	log_info("FTP client %s: no data connection with %s: %s", s->cstr,
	    s->login.host, why);
	proxy_ftp_reply(s, "425 Cannot open a data connection with the FTP "
	    "server (%s).", why);
	proxy_ftp_xfer_end(s, 425);
}

/* The server answered the proxy's EPSV, PASV, PORT or EPRT. */
void
proxy_ftp_srv_data_reply(struct proxy_ftp_session *s)
{
	struct ftp_reply	*r = &s->reply;
	struct addr		 a;
	const char		*cause;
	char			 buf[ADDR_STRLEN], why[64];
	uint16_t		 port;

	if (r->code < 200)
		return;
	if (s->xfer_cancel) {
		s->wait = PFW_NONE;
		proxy_ftp_xfer_check(s);
		return;
	}
	switch (s->wait) {
	case PFW_EPSV:
		if (r->code == 229 && ftp_epsv_parse(r->text, r->text_len,
		    &port, &cause) == 0) {
			pfs_srv_connect(s, port);
			return;
		}
		s->srv_no_epsv = 1;
		if (s->saddr.af == AF_INET) {
			proxy_ftp_send(s, "PASV", NULL, PFW_PASV);
			return;
		}
		snprintf(why, sizeof why, "EPSV answered %d", r->code);
		pfs_srv_passive_failed(s, why);
		return;
	case PFW_PASV:
		if (r->code == 227 && ftp_pasv_parse(r->text, r->text_len, &a,
		    &cause) == 0) {
			/*
			 * The address in a 227 is never used: the proxy
			 * connects to the server it knows, so a server
			 * cannot point it at a third host.
			 */
			if (!addr_eq(&a, &s->saddr))
				log_debug("FTP client %s: %s's 227 names %s; "
				    "using its control address", s->cstr,
				    s->login.host, addr_ntop(&a, buf,
				    sizeof buf));
			pfs_srv_connect(s, a.port);
			return;
		}
		snprintf(why, sizeof why, "PASV answered %d", r->code);
		pfs_srv_passive_failed(s, why);
		return;
	case PFW_PORT:
		if (r->code / 100 == 2) {
			pfs_xfer_go(s);
			return;
		}
		log_info("FTP client %s: %s refused the proxy's PORT (%d)",
		    s->cstr, s->login.host, r->code);
		proxy_ftp_reply(s, "425 The FTP server refused the data "
		    "connection (%d).", r->code);
		proxy_ftp_dc_free(s->sdc);
		s->sdc = NULL;
		s->wait = PFW_NONE;
		proxy_ftp_xfer_end(s, 425);
		return;
	default:
		return;
	}
}

/* The server's data connection is up (or not). */
static void
pfs_sdc_cb(struct proxy_ftp_dc *dc, struct bufferevent *bev, const char *why,
    void *arg)
{
	struct proxy_ftp_session	*s = arg;

	proxy_ftp_dc_free(dc);
	s->sdc = NULL;
	if (bev == NULL) {
		if (!s->xfer_sent) {
			pfs_srv_passive_failed(s, why);
			return;
		}
		log_info("FTP client %s: server data connection: %s", s->cstr,
		    why);
		proxy_ftp_xfer_abort(s, "no data connection with the server");
		return;
	}
	s->sdata = bev;
	if (s->xfer_cancel) {
		proxy_ftp_data_free(s, 1);
		s->wait = PFW_NONE;
		proxy_ftp_xfer_check(s);
		return;
	}
	if (!s->xfer_sent)
		pfs_xfer_go(s);
	/* A passive client may be connected already. */
	if (s->cdata != NULL)
		pfs_relay_start(s);
}

/* The server side is ready: send the transfer command itself. */
static void
pfs_xfer_go(struct proxy_ftp_session *s)
{
	evbuffer_add(bufferevent_get_output(s->sbev), s->xfer_cmd,
	    s->xfer_cmd_len);
	log_debug("FTP client %s: %s %.*s", s->cstr, s->login.host,
	    (int)s->xfer_cmd_len - 2, s->xfer_cmd);
	s->xfer_sent = 1;
	s->wait = PFW_XFER;
	proxy_ftp_timer(s, s->px->cfg->proxy.ftp_control_timeout);
}

/* A line of the server's replies to the transfer command. */
void
proxy_ftp_xfer_reply(struct proxy_ftp_session *s, int done)
{
	struct ftp_reply	*r = &s->reply;
	const char		*why;

	if (r->code < 200) {
		proxy_ftp_line(s, r->line, r->line_len);
		if (!done || s->prelim)
			return;
		s->prelim = 1;
		/* From now on the data connections' own deadlines count. */
		proxy_ftp_timer(s, 0);
		if (s->cmode == PFC_ACTIVE && s->cdata == NULL &&
		    s->cdc == NULL && s->abort_why == NULL &&
		    (s->cdc = proxy_ftp_dc_connect(s->px, &s->cport,
		    &s->clocal, pfs_cdc_cb, s, &why)) == NULL) {
			log_info("FTP client %s: data connection to the "
			    "client: %s", s->cstr, why);
			proxy_ftp_xfer_abort(s, "cannot connect to the client");
		}
		return;
	}
	if (!s->prelim) {
		/* Refused before any data (550 and the like). */
		proxy_ftp_data_free(s, 0);
		s->data_done = 1;
	}
	evbuffer_add(s->held, r->line, r->line_len);
	evbuffer_add(s->held, "\r\n", 2);
	if (!done)
		return;
	s->final = r->code;
	s->wait = PFW_NONE;
	proxy_ftp_xfer_check(s);
}

/* Both data connections are up: relay them. */
static void
pfs_relay_start(struct proxy_ftp_session *s)
{
	struct proxy		*px = s->px;
	struct relay_conf	 rc;

	memset(&rc, 0, sizeof rc);
	rc.io_max = PROXY_FTP_IO_MAX;
	rc.flow = px->flow;
	rc.idle_ms = px->cfg->proxy.ftp_data_timeout;
	rc.stall_ms = px->cfg->proxy.ftp_data_timeout;
	rc.count[0] = &s->pf->st.bytes_up;
	rc.count[1] = &s->pf->st.bytes_down;
	if ((s->relay = relay_new(px->base, s->cdata, s->sdata, &rc,
	    pfs_relay_done_cb, s)) == NULL) {
		px->stats.errors[PROXY_ERR_NOMEM]++;
		proxy_ftp_xfer_abort(s, "out of memory");
		return;
	}
	proxy_ftp_timer(s, 0);
}

/*
 * The data relay ended. The server closing is the end of a download:
 * what is queued for the client goes out before its connection closes.
 * The client closing is the end of an upload, once the server has taken
 * everything. Anything else cuts the transfer.
 */
static void
pfs_relay_done_cb(struct relay *r, enum relay_end why, void *arg)
{
	struct proxy_ftp_session	*s = arg;
	struct timeval			 tv;

	s->bytes = relay_bytes(r, s->upload ? 0 : 1);
	relay_free(r);
	s->relay = NULL;
	if ((why == RELAY_END_B_EOF && !s->upload) ||
	    (why == RELAY_END_A_EOF && s->upload)) {
		bufferevent_free(s->sdata);
		s->sdata = NULL;
		if (s->upload || evbuffer_get_length(bufferevent_get_output(
		    s->cdata)) == 0) {
			bufferevent_free(s->cdata);
			s->cdata = NULL;
			s->data_done = 1;
		} else {
			s->flushing = 1;
			bufferevent_setcb(s->cdata, NULL, pfs_flush_write_cb,
			    pfs_flush_event_cb, s);
			bufferevent_setwatermark(s->cdata, EV_WRITE, 0, 0);
			ev_tv(&tv, s->px->cfg->proxy.ftp_data_timeout);
			bufferevent_set_timeouts(s->cdata, NULL, &tv);
			bufferevent_enable(s->cdata, EV_WRITE);
		}
		proxy_ftp_timer(s, s->px->cfg->proxy.ftp_control_timeout);
		proxy_ftp_xfer_check(s);
		return;
	}
	log_info("FTP client %s: %s %s: data relay ended: %s", s->cstr,
	    s->xfer_verb, s->xfer_url, relay_end_str(why));
	proxy_ftp_xfer_abort(s, why == RELAY_END_A_EOF ||
	    why == RELAY_END_B_EOF ? "data connection closed early" :
	    relay_end_str(why));
}

/* The last download bytes reached the client. */
static void
pfs_flush_write_cb(struct bufferevent *bev, void *arg)
{
	struct proxy_ftp_session	*s = arg;

	if (evbuffer_get_length(bufferevent_get_output(bev)) > 0)
		return;
	bufferevent_free(bev);
	s->cdata = NULL;
	s->flushing = 0;
	s->data_done = 1;
	proxy_ftp_xfer_check(s);
}

/* The client's data connection failed while the rest went out. */
static void
pfs_flush_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct proxy_ftp_session	*s = arg;

	s->flushing = 0;
	proxy_ftp_xfer_abort(s, (what & BEV_EVENT_TIMEOUT) ? "the client "
	    "stopped reading the data" : "client data connection error");
}

/* Drop the data connections; <reset> cuts them (the peer sees RST). */
void
proxy_ftp_data_free(struct proxy_ftp_session *s, int reset)
{
	if (s->relay != NULL) {
		s->bytes = relay_bytes(s->relay, s->upload ? 0 : 1);
		relay_free(s->relay);
		s->relay = NULL;
	}
	proxy_ftp_dc_free(s->sdc);
	s->sdc = NULL;
	if (s->sdata != NULL) {
		if (reset)
			proxy_ftp_data_reset(s->sdata);
		else
			bufferevent_free(s->sdata);
		s->sdata = NULL;
	}
	if (s->xfer) {
		proxy_ftp_dc_free(s->cdc);
		s->cdc = NULL;
		if (s->cdata != NULL) {
			if (reset)
				proxy_ftp_data_reset(s->cdata);
			else
				bufferevent_free(s->cdata);
			s->cdata = NULL;
		}
		s->flushing = 0;
	}
}

/*
 * Cut the transfer: both data connections are reset, so neither side
 * takes a part for the whole; the server's end of the transfer still
 * comes, and is passed on as a failure.
 */
void
proxy_ftp_xfer_abort(struct proxy_ftp_session *s, const char *why)
{
	if (s->abort_why == NULL)
		s->abort_why = why;
	proxy_ftp_data_free(s, 1);
	s->data_done = 1;
	if (!s->xfer_sent)
		s->xfer_cancel = 1;
	if (s->state != PFS_BYE)
		proxy_ftp_timer(s, s->px->cfg->proxy.ftp_control_timeout);
	proxy_ftp_xfer_check(s);
}

/* Whether a data connection of the transfer is still opening or open. */
static int
pfs_data_pending(const struct proxy_ftp_session *s)
{
	return (s->relay != NULL || s->flushing || s->sdc != NULL ||
	    s->sdata != NULL || (s->prelim && (s->cdc != NULL ||
	    s->cdata != NULL)));
}

/*
 * Finish the transfer once both its end (the server's reply, held) and
 * the end of its data are in. A transfer the proxy cut is a failure
 * whatever the server says.
 */
void
proxy_ftp_xfer_check(struct proxy_ftp_session *s)
{
	struct evbuffer	*out;
	int		 code;

	if (!s->xfer || s->state == PFS_BYE)
		return;
	if (s->xfer_cancel && !s->xfer_sent) {
		/* Nothing reached the server, or only EPSV/PASV/PORT. */
		if (s->wait != PFW_NONE)
			return;
		proxy_ftp_data_free(s, 1);
		if (s->abor || (s->abort_why != NULL &&
		    strcmp(s->abort_why, "aborted by the client") == 0)) {
			proxy_ftp_reply(s, "426 Transfer aborted.");
			proxy_ftp_reply(s, "226 ABOR successful.");
			proxy_ftp_xfer_end(s, 426);
		} else {
			proxy_ftp_reply(s, "425 Cannot open the data "
			    "connection (%s).", s->abort_why != NULL ?
			    s->abort_why : "aborted");
			proxy_ftp_xfer_end(s, 425);
		}
		return;
	}
	if (s->final == 0 || (!s->data_done && pfs_data_pending(s)))
		return;
	code = s->final;
	out = bufferevent_get_output(s->cbev);
	if (s->abort_why != NULL && code / 100 == 2) {
		log_info("FTP client %s: %s %s cut: %s", s->cstr,
		    s->xfer_verb, s->xfer_url, s->abort_why);
		evbuffer_drain(s->held, evbuffer_get_length(s->held));
		proxy_ftp_reply(s, "426 Transfer aborted: %s.", s->abort_why);
		code = 426;
	} else
		evbuffer_add_buffer(out, s->held);
	flow_gate(s->sbev, out, &s->px->flow);
	proxy_ftp_xfer_end(s, code);
}

/* The transfer is over: log it and get ready for the next command. */
void
proxy_ftp_xfer_end(struct proxy_ftp_session *s, int code)
{
	struct proxy_ftp_stats	*st = &s->pf->st;
	const char		*rc;

	if (!s->xfer)
		return;
	if (s->relay != NULL || s->cdata != NULL || s->sdata != NULL ||
	    s->sdc != NULL)
		proxy_ftp_data_free(s, 1);
	if (code / 100 == 2 && s->abort_why == NULL) {
		st->transfers++;
		rc = "TCP_MISS";
	} else {
		st->transfers_failed++;
		rc = s->abort_why != NULL ? "TCP_MISS_ABORTED" : "TCP_MISS";
	}
	proxy_ftp_log(s->px, &s->t_xfer, s->cstr, rc, code, s->bytes,
	    s->xfer_verb, s->xfer_url, s->hier);
	log_debug("FTP client %s: %s %s: %d, %llu bytes", s->cstr,
	    s->xfer_verb, s->xfer_url, code, (unsigned long long)s->bytes);
	s->xfer = s->xfer_sent = s->xfer_cancel = 0;
	s->prelim = s->data_done = s->final = 0;
	s->abort_why = NULL;
	evbuffer_drain(s->held, evbuffer_get_length(s->held));
	/* Every transfer needs a PORT or PASV of its own. */
	s->cmode = PFC_NONE;
	if (s->abor)
		s->wait = PFW_RELAY;
	proxy_ftp_idle(s);
}
