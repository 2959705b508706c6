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
 * choose their modes independently (proxy_ftp_xfer.c).
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

static void	pfs_read_cb(struct bufferevent *, void *);
static void	pfs_write_cb(struct bufferevent *, void *);
static void	pfs_event_cb(struct bufferevent *, short, void *);
static void	pfs_srv_read_cb(struct bufferevent *, void *);
static void	pfs_srv_write_cb(struct bufferevent *, void *);
static void	pfs_srv_event_cb(struct bufferevent *, short, void *);
static void	pfs_timer_cb(evutil_socket_t, short, void *);
static void	pfs_kick_cb(evutil_socket_t, short, void *);
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
	proxy_ftp_reply(s, "220 twin-proxy FTP proxy: log in as user%sserver "
	    "or user%sserver:port", px->cfg->proxy.ftp_delimiter,
	    px->cfg->proxy.ftp_delimiter);
	s->state = PFS_LOGIN;
	/* A client has request-timeout to name its server. */
	proxy_ftp_timer(s, px->cfg->proxy.request_timeout);
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
		proxy_ftp_xfer_end(s, 0);
	}
	proxy_ftp_open_cancel(&s->op);
	proxy_ftp_data_free(s, 1);
	proxy_ftp_cdata_clear(s);
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
		proxy_ftp_reply(s, "421 %s.", why);
	s->state = PFS_BYE;
	proxy_ftp_open_cancel(&s->op);
	if (s->xfer) {
		if (s->abort_why == NULL)
			s->abort_why = "the session ended";
		proxy_ftp_data_free(s, 1);
		proxy_ftp_xfer_end(s, 0);
	}
	if (s->sbev != NULL)
		bufferevent_disable(s->sbev, EV_READ);
	bufferevent_disable(s->cbev, EV_READ);
	bufferevent_setwatermark(s->cbev, EV_WRITE, 0, 0);
	proxy_ftp_timer(s, s->px->cfg->proxy.read_timeout);
	if (evbuffer_get_length(bufferevent_get_output(s->cbev)) == 0)
		evtimer_add(s->kick, &tv);
}

/* Arm the session's timer (0: disarm). */
void
proxy_ftp_timer(struct proxy_ftp_session *s, uint64_t ms)
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
void
proxy_ftp_reply(struct proxy_ftp_session *s, const char *fmt, ...)
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
void
proxy_ftp_line(struct proxy_ftp_session *s, const char *line, size_t len)
{
	struct evbuffer	*out = bufferevent_get_output(s->cbev);

	if (s->state == PFS_BYE)
		return;
	evbuffer_add(out, line, len);
	evbuffer_add(out, "\r\n", 2);
	flow_gate(s->sbev, out, &s->px->flow);
}

/* Send the server a command and wait for its reply. */
void
proxy_ftp_send(struct proxy_ftp_session *s, const char *verb, const char *arg,
    enum pfs_wait w)
{
	struct evbuffer	*out = bufferevent_get_output(s->sbev);
	char		 buf[FTP_LINE_MAX + 8];
	int		 n;

	if ((n = ftp_cmd_format(buf, sizeof buf, verb, arg)) == -1) {
		/* The parser let nothing through that cannot be sent. */
		proxy_ftp_reply(s, "501 Argument cannot be sent.");
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
		proxy_ftp_timer(s, s->px->cfg->proxy.ftp_control_timeout);
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
void
proxy_ftp_idle(struct proxy_ftp_session *s)
{
	struct timeval	tv = { 0, 0 };

	if (s->state == PFS_BYE || pfs_busy(s))
		return;
	if (s->px->draining) {
		/* A drain waited for this command to end. */
		proxy_ftp_session_bye(s, "The proxy is shutting down");
		return;
	}
	proxy_ftp_timer(s, s->px->cfg->proxy.ftp_control_timeout);
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
			proxy_ftp_reply(s, "%d %s.", s->cmd.code, s->cmd.error);
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
	proxy_ftp_xfer_abort(s, "aborted by the client");
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
			proxy_ftp_send(s, c->verb, arg, PFW_RELAY);
			return;
		}
		/* Another user, on the same server only. */
		if (ftp_login_split(c->arg, s->px->cfg->proxy.ftp_delimiter[0],
		    &l, &cause) == -1) {
			proxy_ftp_reply(s, "530 %s.", cause);
			return;
		}
		if (strcasecmp(l.host, s->login.host) != 0 ||
		    l.port != s->login.port) {
			proxy_ftp_reply(s, "530 This session is with %s; "
			    "connect again to log in to another server.",
			    s->login.host);
			return;
		}
		strlcpy(s->login.user, l.user, sizeof s->login.user);
		proxy_ftp_send(s, "USER", s->login.user, PFW_RELAY);
		return;
	case FTP_D_DATA:
		proxy_ftp_data_cmd(s);
		return;
	case FTP_D_XFER:
		proxy_ftp_xfer(s);
		return;
	case FTP_D_FEAT:
		s->feat_eprt = s->feat_epsv = 0;
		proxy_ftp_send(s, c->verb, NULL, PFW_FEAT);
		return;
	case FTP_D_AUTH:
		pfs_auth(s);
		return;
	default:
		break;
	}
	switch (c->id) {
	case FTP_CMD_QUIT:
		proxy_ftp_send(s, c->verb, NULL, PFW_QUIT);
		return;
	case FTP_CMD_CWD:
	case FTP_CMD_XCWD:
		strlcpy(s->cwd_arg, c->arg, sizeof s->cwd_arg);
		proxy_ftp_send(s, c->verb, arg, PFW_CWD);
		return;
	case FTP_CMD_CDUP:
	case FTP_CMD_XCUP:
		strlcpy(s->cwd_arg, "..", sizeof s->cwd_arg);
		proxy_ftp_send(s, c->verb, NULL, PFW_CWD);
		return;
	default:
		proxy_ftp_send(s, c->verb, arg, PFW_RELAY);
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
		proxy_ftp_reply(s, "221 Goodbye.");
		proxy_ftp_session_bye(s, NULL);
		return;
	case FTP_CMD_FEAT:
		pfs_feat_self(s);
		return;
	case FTP_CMD_NOOP:
		proxy_ftp_reply(s, "200 NOOP ok.");
		return;
	case FTP_CMD_HELP:
		proxy_ftp_reply(s, "214 Log in with USER user%sserver[:port]; "
		    "the server's HELP follows the login.", d);
		return;
	case FTP_CMD_AUTH:
	case FTP_CMD_PBSZ:
	case FTP_CMD_PROT:
	case FTP_CMD_CCC:
		pfs_auth(s);
		return;
	case FTP_CMD_PASS:
	case FTP_CMD_ACCT:
		proxy_ftp_reply(s, "503 Log in with USER user%sserver first.",
		    d);
		return;
	default:
		proxy_ftp_reply(s, "530 Please log in with USER user%sserver "
		    "first.", d);
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
		proxy_ftp_reply(s, "530 %s (log in as user%sserver).", cause,
		    pc->ftp_delimiter);
		return;
	}
	if ((why = proxy_acl_request(pc, s->login.host, s->login.port, 0)) !=
	    NULL) {
		s->pf->st.denied++;
		s->px->stats.errors[PROXY_ERR_DENIED]++;
		proxy_ftp_url(s, "/", 0, url, sizeof url);
		log_info("FTP client %s: login to %s refused: %s", s->cstr,
		    url, why);
		proxy_ftp_deny_log(s, 530, "USER", url);
		proxy_ftp_reply(s, "530 Login refused: %s (%s).", why,
		    s->login.host);
		memset(&s->login, 0, sizeof s->login);
		return;
	}
	log_debug("FTP client %s: to %s port %u as %s", s->cstr, s->login.host,
	    (unsigned)s->login.port, s->login.user);
	s->state = PFS_CONNECT;
	proxy_ftp_timer(s, 0);
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
		proxy_ftp_url(s, "/", 0, url, sizeof url);
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
	proxy_ftp_timer(s, s->px->cfg->proxy.ftp_control_timeout);
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
		proxy_ftp_reply(s, "534 AUTH refused: the proxy must read the "
		    "data addresses; use FTP without TLS through it.");
		return;
	}
	proxy_ftp_reply(s, "503 No security mechanism in effect (AUTH is "
	    "refused by the proxy).");
}

/* FEAT before the login: the proxy's own. */
static void
pfs_feat_self(struct proxy_ftp_session *s)
{
	proxy_ftp_reply(s, "211-Features of the proxy (the server's follow the "
	    "login):");
	proxy_ftp_reply(s, " EPRT");
	proxy_ftp_reply(s, " EPSV");
	proxy_ftp_reply(s, "211 End");
}

/*
 * The URL of a path on the session's server, for the log:
 * ftp://user@server/path, with a trailing slash for a directory.
 */
void
proxy_ftp_url(struct proxy_ftp_session *s, const char *path, int dir, char *buf,
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
void
proxy_ftp_deny_log(struct proxy_ftp_session *s, int code, const char *verb,
    const char *url)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	proxy_ftp_log(s->px, &now, s->cstr, "TCP_DENIED", code, 0, verb, url,
	    "HIER_NONE/-");
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
		proxy_ftp_send(s, "USER", s->login.user, PFW_RELAY);
		return;
	}
	switch (s->wait) {
	case PFW_EPSV:
	case PFW_PASV:
	case PFW_PORT:
		if (done)
			proxy_ftp_srv_data_reply(s);
		return;
	case PFW_XFER:
		proxy_ftp_xfer_reply(s, done);
		return;
	case PFW_FEAT:
		pfs_feat_line(s, done);
		break;
	default:
		/* Replies to relayed commands, and unsolicited ones. */
		proxy_ftp_line(s, r->line, r->line_len);
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
		proxy_ftp_line(s, r->line, r->line_len);
		return;
	}
	if (!done) {
		if (r->line_len >= 5 && strncasecmp(r->line, " EPRT", 5) == 0)
			s->feat_eprt = 1;
		if (r->line_len >= 5 && strncasecmp(r->line, " EPSV", 5) == 0)
			s->feat_epsv = 1;
		if (ftp_feat_keep(r->line, r->line_len, 0))
			proxy_ftp_line(s, r->line, r->line_len);
		return;
	}
	if (!s->feat_eprt)
		proxy_ftp_reply(s, " EPRT");
	if (!s->feat_epsv)
		proxy_ftp_reply(s, " EPSV");
	proxy_ftp_line(s, r->line, r->line_len);
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
	proxy_ftp_idle(s);
}
