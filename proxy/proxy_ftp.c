/*
 * proxy_ftp.c: native FTP sessions. A client connects to an ftp-listen
 * address and logs in as user@server (the delimiter is ftp-delimiter);
 * the proxy checks the client and the server against the access rules,
 * connects to the server from the outgoing address and relays the
 * session. Every command goes through the strict parser of lib/ftp.c
 * and only known commands reach the server, formatted again by the
 * proxy; replies are parsed as strictly and passed on line by line.
 *
 * Data connections are the proxy's own on each side, so the two sides
 * choose their modes independently: the client's PASV and EPSV are
 * answered with a listener of the proxy (accepting only the client's
 * host), its PORT and EPRT are checked (the client's own host, no
 * privileged port: no FTP bounce) and connected to when the server
 * starts the transfer; with the server the proxy uses EPSV, PASV or
 * PORT/EPRT as ftp-server-data says. Once both are up, lib/relay joins
 * them (splice(2)). The server's reply to a transfer reaches the client
 * only after the data has, and one access log line records it.
 *
 * Commands are taken one at a time: the next is read once the reply to
 * the last has been passed on, except ABOR, which may interrupt a
 * transfer. AUTH is refused (TLS would hide the data addresses).
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "ev.h"
#include "ftp.h"
#include "log.h"
#include "proxy.h"
#include "proxy_ftp.h"
#include "relay.h"

/* Client command bytes held while a command is under way. */
#define PFS_IN_MAX	(16 * 1024)
/* Server bytes read ahead of what the client has taken. */
#define PFS_SRV_MAX	(64 * 1024)

enum pfs_state {
	PFS_LOGIN,	/* waiting for USER user@server */
	PFS_CONNECT,	/* connecting to the server */
	PFS_GREETING,	/* waiting for the server's 220 */
	PFS_OPEN,	/* relaying */
	PFS_BYE		/* the last words are going out */
};

/* What the command the proxy sent to the server waits for. */
enum pfs_wait {
	PFW_NONE,	/* nothing: a reply now is unsolicited */
	PFW_RELAY,	/* a reply to pass on */
	PFW_CWD,	/* as RELAY; a 2yz moves the directory */
	PFW_FEAT,	/* as RELAY, filtered */
	PFW_QUIT,	/* as RELAY, then close */
	PFW_EPSV,	/* the proxy's own EPSV */
	PFW_PASV,	/* the proxy's own PASV */
	PFW_PORT,	/* the proxy's own PORT or EPRT */
	PFW_SDATA,	/* connecting to the server's data port */
	PFW_XFER	/* the transfer: 1yz, then the end */
};

/* The client side of the next transfer. */
enum pfs_cmode {
	PFC_NONE,
	PFC_PASSIVE,	/* the client connects to the proxy */
	PFC_ACTIVE	/* the proxy connects to the client */
};

struct proxy_ftp_session {
	struct proxy			*px;
	struct proxy_ftp		*pf;
	TAILQ_ENTRY(proxy_ftp_session)	 entry;
	enum pfs_state			 state;
	struct bufferevent		*cbev;		/* client control */
	struct bufferevent		*sbev;		/* server control */
	struct addr			 caddr;		/* the client */
	struct addr			 clocal;	/* where it came to */
	struct addr			 saddr;		/* the server */
	struct addr			 slocal;	/* our end to it */
	char				 cstr[INET6_ADDRSTRLEN];
	char				 hier[ADDR_STRLEN + 16];
	struct event			*timer;
	struct event			*kick;		/* read the next */
	struct proxy_ftp_open		 op;
	struct ftp_login		 login;
	struct ftp_cmd			 cmd;
	struct ftp_reply		 reply;
	enum pfs_wait			 wait;
	int				 abor;		/* ABOR's reply due */
	char				 cwd[FTP_LINE_MAX + 1];
	char				 cwd_arg[FTP_LINE_MAX + 1];
	int				 feat_eprt;
	int				 feat_epsv;
	int				 epsv_all;
	int				 srv_no_epsv;	/* EPSV refused */
	struct timespec			 t_start;	/* of the session */

	/* The data connections. */
	enum pfs_cmode			 cmode;
	struct addr			 cport;		/* PFC_ACTIVE */
	struct proxy_ftp_dc		*cdc;
	struct bufferevent		*cdata;
	struct proxy_ftp_dc		*sdc;
	struct bufferevent		*sdata;
	struct relay			*relay;
	int				 flushing;	/* cdata draining */

	/* The transfer under way. */
	int				 xfer;
	int				 xfer_sent;	/* its command went */
	int				 xfer_cancel;	/* end it with 425 */
	int				 tried_active;
	int				 upload;
	int				 prelim;	/* its 1yz came */
	int				 data_done;
	int				 final;		/* its end, held */
	struct evbuffer			*held;
	const char			*abort_why;
	uint64_t			 bytes;
	struct timespec			 t_xfer;
	char				 xfer_verb[8];
	char				 xfer_cmd[FTP_LINE_MAX + 8];
	size_t				 xfer_cmd_len;
	char				 xfer_url[PROXY_URL_MAX];
};

static void	pfs_read_cb(struct bufferevent *, void *);
static void	pfs_write_cb(struct bufferevent *, void *);
static void	pfs_event_cb(struct bufferevent *, short, void *);
static void	pfs_srv_read_cb(struct bufferevent *, void *);
static void	pfs_srv_write_cb(struct bufferevent *, void *);
static void	pfs_srv_event_cb(struct bufferevent *, short, void *);
static void	pfs_timer_cb(evutil_socket_t, short, void *);
static void	pfs_kick_cb(evutil_socket_t, short, void *);
static void	pfs_timer(struct proxy_ftp_session *, uint64_t);
static void	pfs_reply(struct proxy_ftp_session *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	pfs_line(struct proxy_ftp_session *, const char *, size_t);
static void	pfs_send(struct proxy_ftp_session *, const char *,
		    const char *, enum pfs_wait);
static void	pfs_idle(struct proxy_ftp_session *);
static int	pfs_busy(const struct proxy_ftp_session *);
static void	pfs_input(struct proxy_ftp_session *);
static void	pfs_peek_abor(struct proxy_ftp_session *);
static void	pfs_command(struct proxy_ftp_session *);
static void	pfs_prelogin(struct proxy_ftp_session *);
static void	pfs_login(struct proxy_ftp_session *);
static void	pfs_open_cb(struct bufferevent *, const struct addr *,
		    enum proxy_ftp_open_err, const char *, void *);
static void	pfs_auth(struct proxy_ftp_session *);
static void	pfs_feat_self(struct proxy_ftp_session *);
static void	pfs_url(struct proxy_ftp_session *, const char *, int, char *,
		    size_t);
static void	pfs_deny_log(struct proxy_ftp_session *, int, const char *,
		    const char *);
static void	pfs_data_cmd(struct proxy_ftp_session *);
static void	pfs_cdata_clear(struct proxy_ftp_session *);
static void	pfs_cdc_cb(struct proxy_ftp_dc *, struct bufferevent *,
		    const char *, void *);
static void	pfs_xfer(struct proxy_ftp_session *);
static void	pfs_srv_data(struct proxy_ftp_session *);
static void	pfs_srv_active(struct proxy_ftp_session *);
static void	pfs_srv_connect(struct proxy_ftp_session *, uint16_t);
static void	pfs_srv_passive_failed(struct proxy_ftp_session *,
		    const char *);
static void	pfs_srv_data_reply(struct proxy_ftp_session *);
static void	pfs_sdc_cb(struct proxy_ftp_dc *, struct bufferevent *,
		    const char *, void *);
static void	pfs_xfer_go(struct proxy_ftp_session *);
static void	pfs_xfer_reply(struct proxy_ftp_session *, int);
static void	pfs_relay_start(struct proxy_ftp_session *);
static void	pfs_relay_done_cb(struct relay *, enum relay_end, void *);
static void	pfs_flush_write_cb(struct bufferevent *, void *);
static void	pfs_flush_event_cb(struct bufferevent *, short, void *);
static void	pfs_data_free(struct proxy_ftp_session *, int);
static void	pfs_xfer_abort(struct proxy_ftp_session *, const char *);
static int	pfs_data_pending(const struct proxy_ftp_session *);
static void	pfs_xfer_check(struct proxy_ftp_session *);
static void	pfs_xfer_end(struct proxy_ftp_session *, int);
static void	pfs_server_input(struct proxy_ftp_session *);
static void	pfs_server_line(struct proxy_ftp_session *, int);
static void	pfs_feat_line(struct proxy_ftp_session *, int);
static void	pfs_done(struct proxy_ftp_session *);

/* Accept a native FTP client on fd. */
void
proxy_ftp_session_new(struct proxy *px, int fd, const struct sockaddr *sa,
    int salen)
{
	struct proxy_ftp_session	*s;
	struct sockaddr_storage		 ss;
	socklen_t			 len = sizeof ss;
	int				 on = 1;

	if ((s = calloc(1, sizeof *s)) == NULL ||
	    (s->held = evbuffer_new()) == NULL) {
		log_warn("FTP client: out of memory");
		px->stats.errors[PROXY_ERR_NOMEM]++;
		free(s);
		close(fd);
		return;
	}
	s->px = px;
	s->pf = px->ftp;
	if (addr_from_sa(&s->caddr, sa, salen) == -1)
		memset(&s->caddr, 0, sizeof s->caddr);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1 ||
	    addr_from_sa(&s->clocal, (struct sockaddr *)&ss, len) == -1)
		memset(&s->clocal, 0, sizeof s->clocal);
	addr_ntop(&s->caddr, s->cstr, sizeof s->cstr);
	strlcpy(s->cwd, "/", sizeof s->cwd);
	strlcpy(s->hier, "HIER_NONE/-", sizeof s->hier);
	clock_gettime(CLOCK_MONOTONIC, &s->t_start);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	s->cbev = bufferevent_socket_new(px->base, fd, BEV_OPT_CLOSE_ON_FREE);
	s->timer = evtimer_new(px->base, pfs_timer_cb, s);
	s->kick = evtimer_new(px->base, pfs_kick_cb, s);
	if (s->cbev == NULL || s->timer == NULL || s->kick == NULL) {
		log_warnx("FTP client %s: out of memory", s->cstr);
		px->stats.errors[PROXY_ERR_NOMEM]++;
		if (s->cbev != NULL)
			bufferevent_free(s->cbev);
		else
			close(fd);
		if (s->timer != NULL)
			event_free(s->timer);
		if (s->kick != NULL)
			event_free(s->kick);
		evbuffer_free(s->held);
		free(s);
		return;
	}
	ftp_reply_init(&s->reply, NULL);
	bufferevent_setcb(s->cbev, pfs_read_cb, pfs_write_cb, pfs_event_cb, s);
	flow_watch(s->cbev, &px->flow);
	bufferevent_setwatermark(s->cbev, EV_READ, 0, PFS_IN_MAX);
	TAILQ_INSERT_TAIL(&s->pf->sessions, s, entry);
	proxy_ftp_count(px, 1);
	log_debug("FTP client %s: connected", s->cstr);
	bufferevent_enable(s->cbev, EV_READ | EV_WRITE);

	if (!proxy_acl_client(&px->cfg->proxy, &s->caddr)) {
		s->pf->st.denied++;
		px->stats.errors[PROXY_ERR_DENIED]++;
		log_info("FTP client %s: not allowed to use the proxy",
		    s->cstr);
		proxy_ftp_log(px, &s->t_start, s->cstr, "TCP_DENIED", 421, 0,
		    "NONE", "error:client-denied", "HIER_NONE/-");
		proxy_ftp_session_bye(s, "This client is not allowed to use "
		    "the proxy");
		return;
	}
	pfs_reply(s, "220 twin-proxy FTP proxy: log in as user%sserver or "
	    "user%sserver:port", px->cfg->proxy.ftp_delimiter,
	    px->cfg->proxy.ftp_delimiter);
	s->state = PFS_LOGIN;
	/* A client has request-timeout to name its server. */
	pfs_timer(s, px->cfg->proxy.request_timeout);
}

/*
 * Free a session and everything it holds; the single teardown path.
 * Called from the top of an event callback only.
 */
void
proxy_ftp_session_close(struct proxy_ftp_session *s, const char *why)
{
	struct proxy	*px = s->px;

	if (s->xfer) {
		if (s->abort_why == NULL)
			s->abort_why = "the session ended";
		pfs_xfer_end(s, 0);
	}
	proxy_ftp_open_cancel(&s->op);
	pfs_data_free(s, 1);
	pfs_cdata_clear(s);
	if (s->sbev != NULL)
		bufferevent_free(s->sbev);
	bufferevent_free(s->cbev);
	event_free(s->timer);
	event_free(s->kick);
	evbuffer_free(s->held);
	TAILQ_REMOVE(&s->pf->sessions, s, entry);
	log_debug("FTP client %s: closed: %s", s->cstr, why);
	free(s);
	proxy_ftp_count(px, -1);
}

/*
 * SIGTERM: sessions between commands are told 421 and closed; transfers
 * under way may finish within the drain time.
 */
void
proxy_ftp_sessions_drain(struct proxy_ftp *pf)
{
	struct proxy_ftp_session	*s, *next;

	TAILQ_FOREACH_SAFE(s, &pf->sessions, entry, next)
		if (s->state == PFS_LOGIN || (s->state == PFS_OPEN &&
		    !pfs_busy(s)))
			proxy_ftp_session_bye(s, "The proxy is shutting "
			    "down");
}

/* Close every session at once (the event loop has ended). */
void
proxy_ftp_sessions_close(struct proxy_ftp *pf)
{
	struct proxy_ftp_session	*s;

	while ((s = TAILQ_FIRST(&pf->sessions)) != NULL)
		proxy_ftp_session_close(s, "shutting down");
}

/*
 * Say 421 <why> (NULL: nothing more), stop relaying and close once the
 * client has it. Safe anywhere: the session is freed later, from the
 * event loop.
 */
void
proxy_ftp_session_bye(struct proxy_ftp_session *s, const char *why)
{
	struct timeval	tv = { 0, 0 };

	if (s->state == PFS_BYE)
		return;
	if (why != NULL)
		pfs_reply(s, "421 %s.", why);
	s->state = PFS_BYE;
	proxy_ftp_open_cancel(&s->op);
	if (s->xfer) {
		if (s->abort_why == NULL)
			s->abort_why = "the session ended";
		pfs_data_free(s, 1);
		pfs_xfer_end(s, 0);
	}
	if (s->sbev != NULL)
		bufferevent_disable(s->sbev, EV_READ);
	bufferevent_disable(s->cbev, EV_READ);
	bufferevent_setwatermark(s->cbev, EV_WRITE, 0, 0);
	pfs_timer(s, s->px->cfg->proxy.read_timeout);
	if (evbuffer_get_length(bufferevent_get_output(s->cbev)) == 0)
		evtimer_add(s->kick, &tv);
}

/* Arm the session's timer (0: disarm). */
static void
pfs_timer(struct proxy_ftp_session *s, uint64_t ms)
{
	struct timeval	tv;

	if (ms == 0) {
		evtimer_del(s->timer);
		return;
	}
	ev_tv(&tv, ms);
	evtimer_add(s->timer, &tv);
}

/* The timer: login, idle, server or farewell timeout. */
static void
pfs_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct proxy_ftp_session	*s = arg;

	switch (s->state) {
	case PFS_BYE:
		proxy_ftp_session_close(s, "client stopped reading");
		return;
	case PFS_LOGIN:
		proxy_ftp_session_bye(s, "Login timeout: log in with USER "
		    "user@server");
		return;
	case PFS_CONNECT:
	case PFS_GREETING:
		proxy_ftp_session_bye(s, "The FTP server did not greet in "
		    "time");
		return;
	case PFS_OPEN:
		break;
	}
	if (pfs_busy(s)) {
		log_info("FTP client %s: server %s did not answer in time",
		    s->cstr, s->login.host);
		proxy_ftp_session_bye(s, "The FTP server did not answer in "
		    "time");
		return;
	}
	proxy_ftp_session_bye(s, "Timeout: no command for a while; closing");
}

/* Take the next command, from the event loop (never nested). */
static void
pfs_kick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct proxy_ftp_session	*s = arg;

	if (s->state == PFS_BYE) {
		if (evbuffer_get_length(bufferevent_get_output(s->cbev)) == 0)
			proxy_ftp_session_close(s, "session ended");
		return;
	}
	pfs_input(s);
}

/* Send the client one reply line (CRLF added). */
static void
pfs_reply(struct proxy_ftp_session *s, const char *fmt, ...)
{
	struct evbuffer	*out = bufferevent_get_output(s->cbev);
	va_list		 ap;

	if (s->state == PFS_BYE)
		return;
	va_start(ap, fmt);
	evbuffer_add_vprintf(out, fmt, ap);
	va_end(ap);
	evbuffer_add(out, "\r\n", 2);
	if (s->sbev != NULL)
		flow_gate(s->sbev, out, &s->px->flow);
}

/* Pass a server line on to the client. */
static void
pfs_line(struct proxy_ftp_session *s, const char *line, size_t len)
{
	struct evbuffer	*out = bufferevent_get_output(s->cbev);

	if (s->state == PFS_BYE)
		return;
	evbuffer_add(out, line, len);
	evbuffer_add(out, "\r\n", 2);
	flow_gate(s->sbev, out, &s->px->flow);
}

/* Send the server a command and wait for its reply. */
static void
pfs_send(struct proxy_ftp_session *s, const char *verb, const char *arg,
    enum pfs_wait w)
{
	struct evbuffer	*out = bufferevent_get_output(s->sbev);
	char		 buf[FTP_LINE_MAX + 8];
	int		 n;

	if ((n = ftp_cmd_format(buf, sizeof buf, verb, arg)) == -1) {
		/* The parser let nothing through that cannot be sent. */
		pfs_reply(s, "501 Argument cannot be sent.");
		return;
	}
	log_debug("FTP client %s: %s %s%s%s", s->cstr, s->login.host, verb,
	    arg != NULL ? " " : "", arg == NULL ? "" : w == PFW_RELAY &&
	    (strcmp(verb, "PASS") == 0 || strcmp(verb, "ACCT") == 0) ?
	    "****" : arg);
	evbuffer_add(out, buf, (size_t)n);
	flow_gate(s->cbev, out, &s->px->flow);
	s->wait = w;
	if (!s->xfer || !s->xfer_sent)
		pfs_timer(s, s->px->cfg->proxy.ftp_control_timeout);
}

/* Whether a command is under way. */
static int
pfs_busy(const struct proxy_ftp_session *s)
{
	if (s->state == PFS_CONNECT || s->state == PFS_GREETING)
		return (1);
	return (s->state == PFS_OPEN && (s->wait != PFW_NONE || s->xfer ||
	    s->abor));
}

/* A command is over: wait for the next, and look at what is queued. */
static void
pfs_idle(struct proxy_ftp_session *s)
{
	struct timeval	tv = { 0, 0 };

	if (s->state == PFS_BYE || pfs_busy(s))
		return;
	if (s->px->draining) {
		/* A drain waited for this command to end. */
		proxy_ftp_session_bye(s, "The proxy is shutting down");
		return;
	}
	pfs_timer(s, s->px->cfg->proxy.ftp_control_timeout);
	evtimer_add(s->kick, &tv);
}

/* Commands from the client. */
static void
pfs_read_cb(struct bufferevent *bev, void *arg)
{
	pfs_input(arg);
}

/* The client's output drained: read the server again, or finish. */
static void
pfs_write_cb(struct bufferevent *bev, void *arg)
{
	struct proxy_ftp_session	*s = arg;

	if (s->state == PFS_BYE) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			proxy_ftp_session_close(s, "session ended");
		return;
	}
	if (s->sbev != NULL) {
		flow_resume(s->sbev);
		/* Replies read before the pause wait in the input. */
		if (evbuffer_get_length(bufferevent_get_input(s->sbev)) > 0)
			pfs_server_input(s);
	}
}

/* The client went away, or its connection failed. */
static void
pfs_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct proxy_ftp_session	*s = arg;

	if (s->xfer && s->abort_why == NULL)
		s->abort_why = "the client closed the control connection";
	proxy_ftp_session_close(s, (what & BEV_EVENT_EOF) ? "client closed" :
	    (what & BEV_EVENT_TIMEOUT) ? "client stopped reading" :
	    "client connection error");
}

/* Read and act on the client's commands, one at a time. */
static void
pfs_input(struct proxy_ftp_session *s)
{
	struct evbuffer	*in = bufferevent_get_input(s->cbev);
	const char	*buf;
	size_t		 len;
	int		 r;

	while (s->state != PFS_BYE) {
		if (pfs_busy(s)) {
			if (s->xfer)
				pfs_peek_abor(s);
			return;
		}
		if ((len = evbuffer_get_length(in)) == 0)
			return;
		if (len > FTP_LINE_MAX + 2)
			len = FTP_LINE_MAX + 2;
		if ((buf = (const char *)evbuffer_pullup(in, len)) == NULL)
			return;
		r = ftp_parse_command(&s->cmd, buf, len, NULL);
		if (r == FTP_MORE)
			return;
		if (r == FTP_ERROR) {
			if (s->cmd.len == 0) {
				log_info("FTP client %s: %s", s->cstr,
				    s->cmd.error);
				proxy_ftp_session_bye(s, "Command line too "
				    "long");
				return;
			}
			evbuffer_drain(in, s->cmd.len);
			log_debug("FTP client %s: refused: %s", s->cstr,
			    s->cmd.error);
			pfs_reply(s, "%d %s.", s->cmd.code, s->cmd.error);
			continue;
		}
		evbuffer_drain(in, s->cmd.len);
		pfs_command(s);
	}
}

/*
 * During a transfer only ABOR is taken: the data connections close at
 * once and ABOR goes to the server, whose replies (the transfer's end,
 * then ABOR's) are passed on as they come.
 */
static void
pfs_peek_abor(struct proxy_ftp_session *s)
{
	struct evbuffer	*in = bufferevent_get_input(s->cbev);
	const char	*buf;
	size_t		 len;

	if (s->abor || (len = evbuffer_get_length(in)) == 0)
		return;
	if (len > FTP_LINE_MAX + 2)
		len = FTP_LINE_MAX + 2;
	if ((buf = (const char *)evbuffer_pullup(in, len)) == NULL ||
	    ftp_parse_command(&s->cmd, buf, len, NULL) != FTP_DONE ||
	    s->cmd.id != FTP_CMD_ABOR)
		return;
	evbuffer_drain(in, s->cmd.len);
	log_debug("FTP client %s: ABOR during %s", s->cstr, s->xfer_verb);
	if (s->xfer_sent) {
		/* One more reply is due: ABOR's, after the transfer's. */
		evbuffer_add(bufferevent_get_output(s->sbev), "ABOR\r\n", 6);
		s->abor = 1;
	}
	/* Else nothing reached the server: ABOR is answered here. */
	pfs_xfer_abort(s, "aborted by the client");
}

/* Act on the command just parsed into s->cmd. */
static void
pfs_command(struct proxy_ftp_session *s)
{
	struct ftp_cmd		*c = &s->cmd;
	struct ftp_login	 l;
	const char		*cause;
	const char		*arg = c->has_arg ? c->arg : NULL;

	if (s->state == PFS_LOGIN) {
		pfs_prelogin(s);
		return;
	}
	switch (c->disp) {
	case FTP_D_LOGIN:
		if (c->id != FTP_CMD_USER) {
			pfs_send(s, c->verb, arg, PFW_RELAY);
			return;
		}
		/* Another user, on the same server only. */
		if (ftp_login_split(c->arg, s->px->cfg->proxy.ftp_delimiter[0],
		    &l, &cause) == -1) {
			pfs_reply(s, "530 %s.", cause);
			return;
		}
		if (strcasecmp(l.host, s->login.host) != 0 ||
		    l.port != s->login.port) {
			pfs_reply(s, "530 This session is with %s; connect "
			    "again to log in to another server.",
			    s->login.host);
			return;
		}
		strlcpy(s->login.user, l.user, sizeof s->login.user);
		pfs_send(s, "USER", s->login.user, PFW_RELAY);
		return;
	case FTP_D_DATA:
		pfs_data_cmd(s);
		return;
	case FTP_D_XFER:
		pfs_xfer(s);
		return;
	case FTP_D_FEAT:
		s->feat_eprt = s->feat_epsv = 0;
		pfs_send(s, c->verb, NULL, PFW_FEAT);
		return;
	case FTP_D_AUTH:
		pfs_auth(s);
		return;
	default:
		break;
	}
	switch (c->id) {
	case FTP_CMD_QUIT:
		pfs_send(s, c->verb, NULL, PFW_QUIT);
		return;
	case FTP_CMD_CWD:
	case FTP_CMD_XCWD:
		strlcpy(s->cwd_arg, c->arg, sizeof s->cwd_arg);
		pfs_send(s, c->verb, arg, PFW_CWD);
		return;
	case FTP_CMD_CDUP:
	case FTP_CMD_XCUP:
		strlcpy(s->cwd_arg, "..", sizeof s->cwd_arg);
		pfs_send(s, c->verb, NULL, PFW_CWD);
		return;
	default:
		pfs_send(s, c->verb, arg, PFW_RELAY);
		return;
	}
}

/* A command before the login named a server. */
static void
pfs_prelogin(struct proxy_ftp_session *s)
{
	const char	*d = s->px->cfg->proxy.ftp_delimiter;

	switch (s->cmd.id) {
	case FTP_CMD_USER:
		pfs_login(s);
		return;
	case FTP_CMD_QUIT:
		pfs_reply(s, "221 Goodbye.");
		proxy_ftp_session_bye(s, NULL);
		return;
	case FTP_CMD_FEAT:
		pfs_feat_self(s);
		return;
	case FTP_CMD_NOOP:
		pfs_reply(s, "200 NOOP ok.");
		return;
	case FTP_CMD_HELP:
		pfs_reply(s, "214 Log in with USER user%sserver[:port]; the "
		    "server's HELP follows the login.", d);
		return;
	case FTP_CMD_AUTH:
	case FTP_CMD_PBSZ:
	case FTP_CMD_PROT:
	case FTP_CMD_CCC:
		pfs_auth(s);
		return;
	case FTP_CMD_PASS:
	case FTP_CMD_ACCT:
		pfs_reply(s, "503 Log in with USER user%sserver first.", d);
		return;
	default:
		pfs_reply(s, "530 Please log in with USER user%sserver first.",
		    d);
		return;
	}
}

/* USER user@server: check, then connect to the server. */
static void
pfs_login(struct proxy_ftp_session *s)
{
	struct cfg_proxy	*pc = &s->px->cfg->proxy;
	const char		*cause, *why;
	char			 url[PROXY_URL_MAX];

	if (ftp_login_split(s->cmd.arg, pc->ftp_delimiter[0], &s->login,
	    &cause) == -1) {
		log_info("FTP client %s: refused login: %s", s->cstr, cause);
		pfs_reply(s, "530 %s (log in as user%sserver).", cause,
		    pc->ftp_delimiter);
		return;
	}
	if ((why = proxy_acl_request(pc, s->login.host, s->login.port, 0)) !=
	    NULL) {
		s->pf->st.denied++;
		s->px->stats.errors[PROXY_ERR_DENIED]++;
		pfs_url(s, "/", 0, url, sizeof url);
		log_info("FTP client %s: login to %s refused: %s", s->cstr,
		    url, why);
		pfs_deny_log(s, 530, "USER", url);
		pfs_reply(s, "530 Login refused: %s (%s).", why,
		    s->login.host);
		memset(&s->login, 0, sizeof s->login);
		return;
	}
	log_debug("FTP client %s: to %s port %u as %s", s->cstr, s->login.host,
	    (unsigned)s->login.port, s->login.user);
	s->state = PFS_CONNECT;
	pfs_timer(s, 0);
	/* Its replies, and then the server's, answer what the client sent. */
	proxy_ftp_open_start(&s->op, s->px, s->login.host, s->login.port,
	    pfs_open_cb, s);
}

/* The control connection to the server is open, or failed. */
static void
pfs_open_cb(struct bufferevent *bev, const struct addr *a,
    enum proxy_ftp_open_err err, const char *why, void *arg)
{
	struct proxy_ftp_session	*s = arg;
	struct sockaddr_storage		 ss;
	socklen_t			 len = sizeof ss;
	char				 buf[ADDR_STRLEN], url[PROXY_URL_MAX];
	int				 on = 1;

	if (bev == NULL) {
		log_info("FTP client %s: %s", s->cstr, why);
		pfs_url(s, "/", 0, url, sizeof url);
		proxy_ftp_log(s->px, &s->t_start, s->cstr, "TCP_MISS", 421, 0,
		    "USER", url, "HIER_NONE/-");
		s->px->stats.errors[err == PROXY_FTP_OPEN_DNS ? PROXY_ERR_DNS :
		    err == PROXY_FTP_OPEN_TIMEOUT ? PROXY_ERR_CONNECT_TIMEOUT :
		    PROXY_ERR_CONNECT]++;
		proxy_ftp_session_bye(s, why);
		return;
	}
	s->sbev = bev;
	s->saddr = *a;
	if (getsockname(bufferevent_getfd(bev), (struct sockaddr *)&ss,
	    &len) == -1 || addr_from_sa(&s->slocal, (struct sockaddr *)&ss,
	    len) == -1)
		s->slocal = *proxy_ftp_source(s->px);
	s->slocal.port = 0;
	setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY, &on,
	    sizeof on);
	snprintf(s->hier, sizeof s->hier, "HIER_DIRECT/%s",
	    addr_ntop(a, buf, sizeof buf));
	bufferevent_setcb(bev, pfs_srv_read_cb, pfs_srv_write_cb,
	    pfs_srv_event_cb, s);
	flow_watch(bev, &s->px->flow);
	bufferevent_setwatermark(bev, EV_READ, 0, PFS_SRV_MAX);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	s->state = PFS_GREETING;
	pfs_timer(s, s->px->cfg->proxy.ftp_control_timeout);
	log_debug("FTP client %s: connected to %s", s->cstr,
	    addr_fmt(a, buf, sizeof buf));
}

/*
 * AUTH (and PBSZ, PROT, CCC): refused. TLS on the control connection
 * would hide PASV and PORT from the proxy, which could then neither open
 * nor check the data connections; relaying TLS opaquely would give the
 * client a session whose data connections cannot pass the proxy.
 */
static void
pfs_auth(struct proxy_ftp_session *s)
{
	if (s->cmd.id == FTP_CMD_AUTH) {
		s->pf->st.tls++;
		pfs_reply(s, "534 AUTH refused: the proxy must read the data "
		    "addresses; use FTP without TLS through it.");
		return;
	}
	pfs_reply(s, "503 No security mechanism in effect (AUTH is refused "
	    "by the proxy).");
}

/* FEAT before the login: the proxy's own. */
static void
pfs_feat_self(struct proxy_ftp_session *s)
{
	pfs_reply(s, "211-Features of the proxy (the server's follow the "
	    "login):");
	pfs_reply(s, " EPRT");
	pfs_reply(s, " EPSV");
	pfs_reply(s, "211 End");
}

/*
 * The URL of a path on the session's server, for the log:
 * ftp://user@server/path, with a trailing slash for a directory.
 */
static void
pfs_url(struct proxy_ftp_session *s, const char *path, int dir, char *buf,
    size_t size)
{
	size_t	 n;

	n = ftp_url_format(buf, size, s->login.user, s->login.host,
	    s->login.af, s->login.port, path);
	if (dir && n > 0 && buf[n - 1] != '/' && n + 1 < size) {
		buf[n++] = '/';
		buf[n] = '\0';
	}
}

/* Log a refusal. */
static void
pfs_deny_log(struct proxy_ftp_session *s, int code, const char *verb,
    const char *url)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	proxy_ftp_log(s->px, &now, s->cstr, "TCP_DENIED", code, 0, verb, url,
	    "HIER_NONE/-");
}

/* PASV, EPSV, PORT, EPRT: the client side of the next transfer. */
static void
pfs_data_cmd(struct proxy_ftp_session *s)
{
	struct ftp_cmd	*c = &s->cmd;
	struct addr	 local, bound;
	const char	*cause;
	char		 buf[128], url[PROXY_URL_MAX];
	int		 n;

	if (c->id == FTP_CMD_EPSV && c->epsv == FTP_EPSV_ALL) {
		s->epsv_all = 1;
		pfs_reply(s, "200 EPSV ALL ok.");
		return;
	}
	if (s->epsv_all && c->id != FTP_CMD_EPSV) {
		pfs_reply(s, "503 %s after EPSV ALL.", c->verb);
		return;
	}
	pfs_cdata_clear(s);
	if (c->id == FTP_CMD_PORT || c->id == FTP_CMD_EPRT) {
		if (ftp_data_addr_check(&c->addr, &s->caddr, &cause) == -1) {
			s->pf->st.bounce++;
			addr_fmt(&c->addr, buf, sizeof buf);
			pfs_url(s, s->cwd, 1, url, sizeof url);
			log_warnx("FTP client %s: %s %s refused: %s", s->cstr,
			    c->verb, buf, cause);
			pfs_deny_log(s, 504, c->verb, url);
			pfs_reply(s, "504 %s refused: %s.", c->verb, cause);
			return;
		}
		s->cmode = PFC_ACTIVE;
		s->cport = c->addr;
		pfs_reply(s, "200 %s command successful.", c->verb);
		return;
	}
	local = s->clocal;
	if (c->id == FTP_CMD_PASV && local.af != AF_INET) {
		pfs_reply(s, "425 PASV needs IPv4; use EPSV.");
		return;
	}
	if (c->id == FTP_CMD_EPSV && c->epsv != 0 &&
	    c->epsv != (local.af == AF_INET ? 1 : 2)) {
		pfs_reply(s, "522 Network protocol not supported, use (%d).",
		    local.af == AF_INET ? 1 : 2);
		return;
	}
	local.port = 0;
	if ((s->cdc = proxy_ftp_dc_listen(s->px, &local, &s->caddr,
	    pfs_cdc_cb, s, &bound, &cause)) == NULL) {
		log_warnx("FTP client %s: %s: %s", s->cstr, c->verb, cause);
		pfs_reply(s, "425 Cannot open a data port: %s.", cause);
		return;
	}
	s->cmode = PFC_PASSIVE;
	n = c->id == FTP_CMD_PASV ? ftp_pasv_reply(&bound, buf, sizeof buf) :
	    ftp_epsv_reply(bound.port, buf, sizeof buf);
	if (n > 0)
		evbuffer_add(bufferevent_get_output(s->cbev), buf, (size_t)n);
}

/* Forget the client side of the next transfer. */
static void
pfs_cdata_clear(struct proxy_ftp_session *s)
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
			pfs_xfer_abort(s, "no data connection with the client");
		else
			s->cmode = PFC_NONE;
		return;
	}
	s->cdata = bev;
	if (s->xfer && s->sdata != NULL)
		pfs_relay_start(s);
}

/* A transfer command: set up the server side, then send it. */
static void
pfs_xfer(struct proxy_ftp_session *s)
{
	struct ftp_cmd	*c = &s->cmd;
	char		 path[FTP_LINE_MAX + 2];
	const char	*arg;
	int		 n, dir;

	if (s->cmode == PFC_NONE) {
		pfs_reply(s, "425 Use PORT or PASV first.");
		return;
	}
	n = ftp_cmd_format(s->xfer_cmd, sizeof s->xfer_cmd, c->verb,
	    c->has_arg ? c->arg : NULL);
	if (n == -1) {
		pfs_reply(s, "501 Argument cannot be sent.");
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
	pfs_url(s, path, dir, s->xfer_url, sizeof s->xfer_url);
	pfs_timer(s, 0);
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
		pfs_send(s, "EPSV", NULL, PFW_EPSV);
	else
		pfs_send(s, "PASV", NULL, PFW_PASV);
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
		pfs_reply(s, "425 Cannot open a data port for the server: %s.",
		    cause);
		pfs_xfer_end(s, 425);
		return;
	}
	if (bound.af == AF_INET && (n = ftp_port_fmt(&bound, arg,
	    sizeof arg)) > 0)
		pfs_send(s, "PORT", arg, PFW_PORT);
	else if (ftp_eprt_fmt(&bound, arg, sizeof arg) > 0)
		pfs_send(s, "EPRT", arg, PFW_PORT);
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
		pfs_xfer_check(s);
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
	pfs_reply(s, "425 Cannot open a data connection with the FTP server "
	    "(%s).", why);
	pfs_xfer_end(s, 425);
}

/* The server answered the proxy's EPSV, PASV, PORT or EPRT. */
static void
pfs_srv_data_reply(struct proxy_ftp_session *s)
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
		pfs_xfer_check(s);
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
			pfs_send(s, "PASV", NULL, PFW_PASV);
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
		pfs_reply(s, "425 The FTP server refused the data connection "
		    "(%d).", r->code);
		proxy_ftp_dc_free(s->sdc);
		s->sdc = NULL;
		s->wait = PFW_NONE;
		pfs_xfer_end(s, 425);
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
		pfs_xfer_abort(s, "no data connection with the server");
		return;
	}
	s->sdata = bev;
	if (s->xfer_cancel) {
		pfs_data_free(s, 1);
		s->wait = PFW_NONE;
		pfs_xfer_check(s);
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
	pfs_timer(s, s->px->cfg->proxy.ftp_control_timeout);
}

/* A line of the server's replies to the transfer command. */
static void
pfs_xfer_reply(struct proxy_ftp_session *s, int done)
{
	struct ftp_reply	*r = &s->reply;
	const char		*why;

	if (r->code < 200) {
		pfs_line(s, r->line, r->line_len);
		if (!done || s->prelim)
			return;
		s->prelim = 1;
		/* From now on the data connections' own deadlines count. */
		pfs_timer(s, 0);
		if (s->cmode == PFC_ACTIVE && s->cdata == NULL &&
		    s->cdc == NULL && s->abort_why == NULL &&
		    (s->cdc = proxy_ftp_dc_connect(s->px, &s->cport,
		    &s->clocal, pfs_cdc_cb, s, &why)) == NULL) {
			log_info("FTP client %s: data connection to the "
			    "client: %s", s->cstr, why);
			pfs_xfer_abort(s, "cannot connect to the client");
		}
		return;
	}
	if (!s->prelim) {
		/* Refused before any data (550 and the like). */
		pfs_data_free(s, 0);
		s->data_done = 1;
	}
	evbuffer_add(s->held, r->line, r->line_len);
	evbuffer_add(s->held, "\r\n", 2);
	if (!done)
		return;
	s->final = r->code;
	s->wait = PFW_NONE;
	pfs_xfer_check(s);
}

/* Both data connections are up: relay them. */
static void
pfs_relay_start(struct proxy_ftp_session *s)
{
	struct proxy		*px = s->px;
	struct relay_conf	 rc;

	memset(&rc, 0, sizeof rc);
	rc.io_max = PROXY_IO_MAX;
	rc.flow = px->flow;
	rc.idle_ms = px->cfg->proxy.ftp_data_timeout;
	rc.stall_ms = px->cfg->proxy.ftp_data_timeout;
	rc.count[0] = &s->pf->st.bytes_up;
	rc.count[1] = &s->pf->st.bytes_down;
	if ((s->relay = relay_new(px->base, s->cdata, s->sdata, &rc,
	    pfs_relay_done_cb, s)) == NULL) {
		px->stats.errors[PROXY_ERR_NOMEM]++;
		pfs_xfer_abort(s, "out of memory");
		return;
	}
	pfs_timer(s, 0);
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
		pfs_timer(s, s->px->cfg->proxy.ftp_control_timeout);
		pfs_xfer_check(s);
		return;
	}
	log_info("FTP client %s: %s %s: data relay ended: %s", s->cstr,
	    s->xfer_verb, s->xfer_url, relay_end_str(why));
	pfs_xfer_abort(s, why == RELAY_END_A_EOF || why == RELAY_END_B_EOF ?
	    "data connection closed early" : relay_end_str(why));
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
	pfs_xfer_check(s);
}

/* The client's data connection failed while the rest went out. */
static void
pfs_flush_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct proxy_ftp_session	*s = arg;

	s->flushing = 0;
	pfs_xfer_abort(s, (what & BEV_EVENT_TIMEOUT) ? "the client stopped "
	    "reading the data" : "client data connection error");
}

/* Drop the data connections; <reset> cuts them (the peer sees RST). */
static void
pfs_data_free(struct proxy_ftp_session *s, int reset)
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
static void
pfs_xfer_abort(struct proxy_ftp_session *s, const char *why)
{
	if (s->abort_why == NULL)
		s->abort_why = why;
	pfs_data_free(s, 1);
	s->data_done = 1;
	if (!s->xfer_sent)
		s->xfer_cancel = 1;
	if (s->state != PFS_BYE)
		pfs_timer(s, s->px->cfg->proxy.ftp_control_timeout);
	pfs_xfer_check(s);
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
static void
pfs_xfer_check(struct proxy_ftp_session *s)
{
	struct evbuffer	*out;
	int		 code;

	if (!s->xfer || s->state == PFS_BYE)
		return;
	if (s->xfer_cancel && !s->xfer_sent) {
		/* Nothing reached the server, or only EPSV/PASV/PORT. */
		if (s->wait != PFW_NONE)
			return;
		pfs_data_free(s, 1);
		if (s->abor || (s->abort_why != NULL &&
		    strcmp(s->abort_why, "aborted by the client") == 0)) {
			pfs_reply(s, "426 Transfer aborted.");
			pfs_reply(s, "226 ABOR successful.");
			pfs_xfer_end(s, 426);
		} else {
			pfs_reply(s, "425 Cannot open the data connection "
			    "(%s).", s->abort_why != NULL ? s->abort_why :
			    "aborted");
			pfs_xfer_end(s, 425);
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
		pfs_reply(s, "426 Transfer aborted: %s.", s->abort_why);
		code = 426;
	} else
		evbuffer_add_buffer(out, s->held);
	flow_gate(s->sbev, out, &s->px->flow);
	pfs_xfer_end(s, code);
}

/* The transfer is over: log it and get ready for the next command. */
static void
pfs_xfer_end(struct proxy_ftp_session *s, int code)
{
	struct proxy_ftp_stats	*st = &s->pf->st;
	const char		*rc;

	if (!s->xfer)
		return;
	if (s->relay != NULL || s->cdata != NULL || s->sdata != NULL ||
	    s->sdc != NULL)
		pfs_data_free(s, 1);
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
	pfs_idle(s);
}

/* Replies from the server. */
static void
pfs_srv_read_cb(struct bufferevent *bev, void *arg)
{
	pfs_server_input(arg);
}

/* The server took our commands: the client may send more. */
static void
pfs_srv_write_cb(struct bufferevent *bev, void *arg)
{
	struct proxy_ftp_session	*s = arg;

	if (s->state != PFS_BYE)
		flow_resume(s->cbev);
}

/* The server closed the control connection, or it failed. */
static void
pfs_srv_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct proxy_ftp_session	*s = arg;

	if (s->state == PFS_BYE)
		return;
	/* What it said before closing comes first. */
	pfs_server_input(s);
	if (s->state == PFS_BYE)
		return;
	log_info("FTP client %s: server %s %s", s->cstr, s->login.host,
	    (what & BEV_EVENT_EOF) ? "closed the connection" :
	    "connection error");
	if (s->xfer && s->abort_why == NULL)
		s->abort_why = "the FTP server closed the connection";
	proxy_ftp_session_bye(s, "The FTP server closed the connection");
}

/* Parse the server's replies line by line and act on each. */
static void
pfs_server_input(struct proxy_ftp_session *s)
{
	struct evbuffer	*in = bufferevent_get_input(s->sbev);
	const char	*buf;
	size_t		 len;
	int		 r;

	while (s->state != PFS_BYE) {
		if (flow_full(bufferevent_get_output(s->cbev), &s->px->flow))
			return;
		if ((len = evbuffer_get_length(in)) == 0)
			return;
		if (len > FTP_LINE_MAX + 2)
			len = FTP_LINE_MAX + 2;
		if ((buf = (const char *)evbuffer_pullup(in, len)) == NULL)
			return;
		r = ftp_reply_feed(&s->reply, buf, len);
		if (r == FTP_MORE)
			return;
		if (r == FTP_ERROR) {
			log_info("FTP client %s: server %s: invalid reply: "
			    "%s", s->cstr, s->login.host, s->reply.error);
			if (s->xfer && s->abort_why == NULL)
				s->abort_why = "invalid reply from the server";
			proxy_ftp_session_bye(s, "The FTP server sent an "
			    "invalid reply");
			return;
		}
		pfs_server_line(s, r == FTP_DONE);
		evbuffer_drain(in, s->reply.len);
	}
}

/* One reply line (done: the reply's last) from the server. */
static void
pfs_server_line(struct proxy_ftp_session *s, int done)
{
	struct ftp_reply	*r = &s->reply;

	if (s->state == PFS_GREETING) {
		if (!done || r->code == 120)
			return;
		if (r->code != 220) {
			log_info("FTP client %s: server %s refused the "
			    "session: %d", s->cstr, s->login.host, r->code);
			proxy_ftp_session_bye(s, "The FTP server refused the "
			    "session");
			return;
		}
		s->state = PFS_OPEN;
		s->pf->st.logins++;
		pfs_send(s, "USER", s->login.user, PFW_RELAY);
		return;
	}
	switch (s->wait) {
	case PFW_EPSV:
	case PFW_PASV:
	case PFW_PORT:
		if (done)
			pfs_srv_data_reply(s);
		return;
	case PFW_XFER:
		pfs_xfer_reply(s, done);
		return;
	case PFW_FEAT:
		pfs_feat_line(s, done);
		break;
	default:
		/* Replies to relayed commands, and unsolicited ones. */
		pfs_line(s, r->line, r->line_len);
		break;
	}
	if (!done || r->code < 200)
		return;
	if (s->wait == PFW_NONE || s->wait == PFW_SDATA) {
		if (r->code == 421)
			proxy_ftp_session_bye(s, NULL);
		return;
	}
	pfs_done(s);
}

/*
 * A line of the server's FEAT reply: features the proxy does not let
 * through (AUTH and its kin, HOST) are left out, EPRT and EPSV added if
 * missing (the proxy does them itself).
 */
static void
pfs_feat_line(struct proxy_ftp_session *s, int done)
{
	struct ftp_reply	*r = &s->reply;

	if (r->nlines == 1 || !r->multi || r->code != 211) {
		pfs_line(s, r->line, r->line_len);
		return;
	}
	if (!done) {
		if (r->line_len >= 5 && strncasecmp(r->line, " EPRT", 5) == 0)
			s->feat_eprt = 1;
		if (r->line_len >= 5 && strncasecmp(r->line, " EPSV", 5) == 0)
			s->feat_epsv = 1;
		if (ftp_feat_keep(r->line, r->line_len, 0))
			pfs_line(s, r->line, r->line_len);
		return;
	}
	if (!s->feat_eprt)
		pfs_reply(s, " EPRT");
	if (!s->feat_epsv)
		pfs_reply(s, " EPSV");
	pfs_line(s, r->line, r->line_len);
}

/* A relayed command's reply has been passed on. */
static void
pfs_done(struct proxy_ftp_session *s)
{
	struct ftp_reply	*r = &s->reply;
	char			 path[FTP_LINE_MAX + 2];

	switch (s->wait) {
	case PFW_CWD:
		if (r->code / 100 == 2 && ftp_path_resolve(s->cwd, s->cwd_arg,
		    path, sizeof path) == 0)
			strlcpy(s->cwd, path, sizeof s->cwd);
		break;
	case PFW_QUIT:
		s->wait = PFW_NONE;
		proxy_ftp_session_bye(s, NULL);
		return;
	case PFW_RELAY:
		/* The reply to ABOR after a transfer's end. */
		s->abor = 0;
		break;
	default:
		break;
	}
	s->wait = PFW_NONE;
	pfs_idle(s);
}
