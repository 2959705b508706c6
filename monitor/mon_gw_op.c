/*
 * mon_gw_op.c: the operator's end of the gateway, "twinctl center
 * connect SITE PEER TARGET": HTTPS to the center's operator listener
 * with the operator's certificate (the operators' CA) and operator ID
 * (its second factor, sent in Twinproxy-Operator-ID), the connect
 * request, and once the center answers 101, standard input to the
 * connection and the connection to standard output: what ssh's
 * ProxyCommand expects. Both directions go through lib/flow: nothing is
 * read from one side while the other's output is over the mark.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <netdb.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "addr.h"
#include "ev.h"
#include "flow.h"
#include "http.h"
#include "log.h"
#include "mon_auth.h"
#include "mon_gw.h"
#include "tls.h"

#define OP_MAXHEAD	16384
#define OP_FILE_READ	65536	/* a regular file's read at a time */

struct op {
	struct event_base	*base;
	struct bufferevent	*tls;
	struct bufferevent	*in;	/* NULL: in_file */
	struct bufferevent	*out;	/* NULL: out_file */
	struct event		*pump;	/* reads a regular file's input */
	struct evbuffer		*more;	/* standard input read past 4 KiB */
	int			 in_file;
	int			 out_file;
	SSL			*ssl;
	struct flow_limits	 flow;
	struct http_msg		 msg;
	const struct mon_gw_op_params *p;
	char			 id[MON_DEVID_HEXLEN + 1];
	int			 open;		/* 101 came */
	int			 in_eof;
	int			 rv;
};

static int	op_dial(const char *, char *, size_t);
static void	op_finish(struct op *, int);
static void	op_tls_event_cb(struct bufferevent *, short, void *);
static void	op_tls_read_cb(struct bufferevent *, void *);
static void	op_tls_write_cb(struct bufferevent *, void *);
static void	op_in_read_cb(struct bufferevent *, void *);
static void	op_in_event_cb(struct bufferevent *, short, void *);
static void	op_out_write_cb(struct bufferevent *, void *);
static void	op_out_event_cb(struct bufferevent *, short, void *);
static void	op_refused(struct op *);
static void	op_pump_cb(evutil_socket_t, short, void *);
static int	op_regular(int);
static size_t	op_out_len(struct op *);

/* A connected socket to host:port, the host into <host>; -1 on error. */
static int
op_dial(const char *hp, char *host, size_t len)
{
	struct hostport	 h;
	struct addrinfo	 hints, *res, *ai;
	const char	*cause;
	char		 port[8];
	int		 fd = -1, e;

	if (hostport_parse(hp, &h, &cause) == -1) {
		fprintf(stderr, "twinctl: center %s: %s\n", hp, cause);
		return (-1);
	}
	strlcpy(host, h.host, len);
	snprintf(port, sizeof port, "%u", h.port);
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	if ((e = getaddrinfo(h.host, port, &hints, &res)) != 0) {
		fprintf(stderr, "twinctl: %s: %s\n", h.host, gai_strerror(e));
		return (-1);
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol)) == -1)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		e = errno;
		close(fd);
		fd = -1;
		errno = e;
	}
	if (fd == -1)
		fprintf(stderr, "twinctl: connect %s: %s\n", hp,
		    strerror(errno));
	freeaddrinfo(res);
	return (fd);
}

/*
 * Whether <fd> is a regular file or a device like /dev/null: epoll
 * cannot watch those (a redirection from or to a file), so they are read
 * and written as they always may be. A terminal can be watched.
 */
static int
op_regular(int fd)
{
	struct stat	st;

	if (fstat(fd, &st) == -1)
		return (0);
	return (S_ISREG(st.st_mode) || (S_ISCHR(st.st_mode) && !isatty(fd)));
}

/* What is still to go to standard output. */
static size_t
op_out_len(struct op *o)
{
	return (o->out == NULL ? 0 :
	    evbuffer_get_length(bufferevent_get_output(o->out)));
}

/* Standard input from a regular file: a read while the center takes it. */
static void
op_pump_cb(evutil_socket_t fd, short what, void *arg)
{
	struct op	*o = arg;
	struct evbuffer	*out = bufferevent_get_output(o->tls);
	int		 n;

	if (o->in_eof || o->open != 1)
		return;
	while (!flow_full(out, &o->flow)) {
		if ((n = evbuffer_read(out, o->p->in, OP_FILE_READ)) > 0)
			continue;
		if (n < 0)
			fprintf(stderr, "twinctl: standard input: %s\n",
			    strerror(errno));
		o->in_eof = 1;
		bufferevent_setwatermark(o->tls, EV_WRITE, 0, 0);
		if (evbuffer_get_length(out) == 0)
			op_finish(o, n < 0);
		return;
	}
}

static void
op_finish(struct op *o, int rv)
{
	o->rv = rv;
	event_base_loopexit(o->base, NULL);
}

/* The handshake is done: ask for the session. */
static void
op_tls_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct op	*o = arg;
	unsigned long	 e;
	long		 v;
	char		 buf[256];

	if (what & BEV_EVENT_CONNECTED) {
		evbuffer_add_printf(bufferevent_get_output(bev),
		    "GET /gw/connect/%s/%s/%s HTTP/1.1\r\nHost: %s\r\n"
		    "User-Agent: twinctl/" PACKAGE_VERSION "\r\n"
		    MON_GW_OPID_FIELD ": %s\r\nConnection: Upgrade\r\n"
		    "Upgrade: " MON_GW_UPGRADE "\r\n\r\n", o->p->site,
		    o->p->peer, o->p->target, o->p->center, o->id);
		OPENSSL_cleanse(o->id, sizeof o->id);
		return;
	}
	if (o->open) {
		/* The session ended: what came is written out first. */
		op_tls_read_cb(bev, o);
		if (op_out_len(o) == 0)
			op_finish(o, 0);
		else {
			bufferevent_disable(bev, EV_READ | EV_WRITE);
			bufferevent_setwatermark(o->out, EV_WRITE, 0, 0);
		}
		o->open = 2;
		return;
	}
	if (!(what & BEV_EVENT_EOF) || evbuffer_get_length(
	    bufferevent_get_input(bev)) == 0) {
		if ((v = SSL_get_verify_result(o->ssl)) != X509_V_OK)
			snprintf(buf, sizeof buf, "the center's certificate: "
			    "%s", X509_verify_cert_error_string(v));
		else if ((e = bufferevent_get_openssl_error(bev)) != 0)
			ERR_error_string_n(e, buf, sizeof buf);
		else
			snprintf(buf, sizeof buf, "connection closed");
		fprintf(stderr, "twinctl: center %s: %s\n", o->p->center, buf);
		op_finish(o, 1);
		return;
	}
	op_refused(o);
}

/* An answer other than 101: say what the center said. */
static void
op_refused(struct op *o)
{
	struct evbuffer	*in = bufferevent_get_input(o->tls);
	char		 buf[600];
	size_t		 n;

	evbuffer_drain(in, o->msg.head_len);
	n = evbuffer_remove(in, buf, sizeof buf - 1) > 0 ?
	    strnlen(buf, sizeof buf - 1) : 0;
	buf[n < sizeof buf ? n : sizeof buf - 1] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	mon_sanitize(buf);
	fprintf(stderr, "twinctl: the center answered %d: %s\n", o->msg.code,
	    buf);
	op_finish(o, 1);
}

static void
op_tls_read_cb(struct bufferevent *bev, void *arg)
{
	struct op		*o = arg;
	struct evbuffer		*in = bufferevent_get_input(bev), *out;
	struct evbuffer_ptr	 end;
	size_t			 len;
	char			*buf;
	int			 rv;

	if (o->open == 2)
		return;
	if (!o->open) {
		len = evbuffer_get_length(in);
		end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
		if (end.pos == -1 && len < OP_MAXHEAD)
			return;
		if (len > OP_MAXHEAD)
			len = OP_MAXHEAD;
		buf = (char *)evbuffer_pullup(in, len);
		rv = http_parse_response(&o->msg, buf, len, NULL,
		    HTTP_METHOD_GET);
		if (rv != HTTP_DONE) {
			fprintf(stderr, "twinctl: the center's answer: %s\n",
			    rv == HTTP_ERROR ? o->msg.error : "head too long");
			op_finish(o, 1);
			return;
		}
		if (o->msg.code != 101) {
			if (o->msg.framing == HTTP_BODY_LENGTH &&
			    evbuffer_get_length(in) < o->msg.head_len +
			    o->msg.content_length)
				return;
			op_refused(o);
			return;
		}
		evbuffer_drain(in, o->msg.head_len);
		o->open = 1;
		if (o->in != NULL)
			bufferevent_enable(o->in, EV_READ);
		else
			event_active(o->pump, EV_TIMEOUT, 0);
		if (o->out != NULL)
			bufferevent_enable(o->out, EV_WRITE);
	}
	if (o->out == NULL) {
		/* A regular file takes it all now. */
		while (evbuffer_get_length(in) > 0)
			if (evbuffer_write(in, o->p->out) < 0) {
				fprintf(stderr, "twinctl: standard output: "
				    "%s\n", strerror(errno));
				op_finish(o, 1);
				return;
			}
		return;
	}
	out = bufferevent_get_output(o->out);
	evbuffer_add_buffer(out, in);
	flow_gate(bev, out, &o->flow);
}

/* The center took our bytes: read standard input again. */
static void
op_tls_write_cb(struct bufferevent *bev, void *arg)
{
	struct op	*o = arg;

	if (o->in_eof) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			op_finish(o, 0);
		return;
	}
	if (o->in != NULL)
		flow_resume(o->in);
	else if (o->pump != NULL)
		event_active(o->pump, EV_TIMEOUT, 0);
}

static void
op_in_read_cb(struct bufferevent *bev, void *arg)
{
	struct op	*o = arg;
	struct evbuffer	*out = bufferevent_get_output(o->tls);
	size_t		 queued;
	int		 more;

	more = evbuffer_get_length(bufferevent_get_input(bev)) >=
	    MON_GW_EVREAD;
	evbuffer_add_buffer(o->more, bufferevent_get_input(bev));
	queued = evbuffer_get_length(out) + evbuffer_get_length(o->more);
	if (more && queued < o->flow.high)
		mon_gw_read(bev, o->more, o->flow.high - queued);
	mon_gw_coalesce(out, o->more);
	flow_gate(bev, out, &o->flow);
}

/* Standard input ended: the session ends once our bytes are out. */
static void
op_in_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct op	*o = arg;

	op_in_read_cb(bev, o);
	o->in_eof = 1;
	bufferevent_disable(bev, EV_READ);
	bufferevent_setwatermark(o->tls, EV_WRITE, 0, 0);
	if (evbuffer_get_length(bufferevent_get_output(o->tls)) == 0)
		op_finish(o, 0);
}

/* Standard output took its bytes: read the center again. */
static void
op_out_write_cb(struct bufferevent *bev, void *arg)
{
	struct op	*o = arg;

	if (o->open == 2) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			op_finish(o, 0);
		return;
	}
	flow_resume(o->tls);
}

static void
op_out_event_cb(struct bufferevent *bev, short what, void *arg)
{
	op_finish(arg, 0);
}

/* Run a session to its end; the exit status for twinctl. */
int
mon_gw_op_run(const struct mon_gw_op_params *p)
{
	static const struct flow_limits	 fl = FLOW_LIMITS_DEFAULT;
	struct tls_client_conf		 tc;
	struct op			 o;
	SSL_CTX				*ctx;
	char				 host[HOST_MAXLEN + 1], *cause;
	int				 fd;

	memset(&o, 0, sizeof o);
	o.p = p;
	o.flow = fl;
	o.rv = 1;
	if (mon_devid_read(p->idfile, o.id, sizeof o.id, &cause) == -1) {
		fprintf(stderr, "twinctl: operator ID: %s\n", cause);
		return (1);
	}
	memset(&tc, 0, sizeof tc);
	tc.cafile = p->cafile;
	tc.pem = p->cert;
	if ((ctx = tls_client_new(&tc, &cause)) == NULL) {
		fprintf(stderr, "twinctl: %s\n", cause);
		free(cause);
		return (1);
	}
	if ((fd = op_dial(p->center, host, sizeof host)) == -1) {
		SSL_CTX_free(ctx);
		return (1);
	}
	if ((o.ssl = tls_client_ssl(ctx, host, &cause)) == NULL) {
		fprintf(stderr, "twinctl: %s\n", cause);
		free(cause);
		close(fd);
		SSL_CTX_free(ctx);
		return (1);
	}
	o.base = ev_base_new();
	evutil_make_socket_nonblocking(fd);
	evutil_make_socket_nonblocking(p->in);
	evutil_make_socket_nonblocking(p->out);
	o.tls = bufferevent_openssl_socket_new(o.base, fd, o.ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	o.in_file = op_regular(p->in);
	o.out_file = op_regular(p->out);
	if (o.in_file)
		o.pump = event_new(o.base, -1, 0, op_pump_cb, &o);
	else
		o.in = bufferevent_socket_new(o.base, p->in, 0);
	if (!o.out_file &&
	    (o.out = bufferevent_socket_new(o.base, p->out, 0)) != NULL)
		/* Not 16 KiB a write(2): what TLS gave goes in one. */
		bufferevent_set_max_single_write(o.out, MON_GW_PIECE);
	o.more = evbuffer_new();
	if (o.tls == NULL || o.more == NULL || (o.in == NULL &&
	    o.pump == NULL) || (o.out == NULL && !o.out_file))
		fatalx("%s: out of memory", __func__);
	bufferevent_openssl_set_allow_dirty_shutdown(o.tls, 1);
	mon_gw_nodelay(o.tls);
	bufferevent_setcb(o.tls, op_tls_read_cb, op_tls_write_cb,
	    op_tls_event_cb, &o);
	if (o.in != NULL) {
		bufferevent_setcb(o.in, op_in_read_cb, NULL, op_in_event_cb,
		    &o);
		bufferevent_disable(o.in, EV_READ);
	}
	if (o.out != NULL) {
		bufferevent_setcb(o.out, NULL, op_out_write_cb,
		    op_out_event_cb, &o);
		flow_watch(o.out, &o.flow);
		bufferevent_disable(o.out, EV_READ);
	}
	flow_watch(o.tls, &o.flow);
	bufferevent_enable(o.tls, EV_READ | EV_WRITE);
	event_base_dispatch(o.base);
	/* A close_notify: the center tells an end from a failure. */
	if (o.open && SSL_shutdown(o.ssl) < 0)
		ERR_clear_error();
	if (o.in != NULL)
		bufferevent_free(o.in);
	if (o.out != NULL)
		bufferevent_free(o.out);
	if (o.pump != NULL)
		event_free(o.pump);
	evbuffer_free(o.more);
	bufferevent_free(o.tls);
	event_base_free(o.base);
	SSL_CTX_free(ctx);
	return (o.rv);
}
