/*
 * ftp_client.c: the ftp:// gateway's FTP client, a machine without I/O:
 * the caller feeds it control-connection bytes and data-connection
 * events and carries out the steps it returns (see ftp.h).
 */
#include <sys/socket.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ftp.h"

/* States: each names the reply awaited, or the caller's event. */
enum {
	FC_INIT,	/* not started */
	FC_GREETING,	/* 220 */
	FC_USER,	/* 230 or 331 */
	FC_PASS,	/* 230 */
	FC_FEAT,	/* 211 */
	FC_TYPE,	/* 200 */
	FC_CWD,		/* 250: the directory part */
	FC_SIZE,	/* 213 */
	FC_MDTM,	/* 213 */
	FC_EPSV,	/* 229 */
	FC_PASV,	/* 227 */
	FC_CONNECT,	/* the caller's data_open */
	FC_LISTEN,	/* the caller's listening */
	FC_PORT,	/* 200 to PORT or EPRT */
	FC_REST,	/* 350 */
	FC_RETR,	/* 150 or 125 */
	FC_CWD_LEAF,	/* 250: the last segment is a directory */
	FC_LIST,	/* 150 or 125 */
	FC_XFER,	/* 226, and the end of the data */
	FC_DONE,
	FC_FAIL
};

static enum ftp_step fc_fail(struct ftp_client *, int, int, const char *);
static enum ftp_step fc_fail_reply(struct ftp_client *, int);
static enum ftp_step fc_send(struct ftp_client *, int, const char *,
		    const char *);
static enum ftp_step fc_reply(struct ftp_client *);
static void	fc_feat_line(struct ftp_client *, const char *, size_t);
static enum ftp_step fc_logged_in(struct ftp_client *);
static enum ftp_step fc_after_cwd(struct ftp_client *);
static enum ftp_step fc_after_mdtm(struct ftp_client *);
static enum ftp_step fc_data(struct ftp_client *);
static enum ftp_step fc_passive_failed(struct ftp_client *);
static enum ftp_step fc_after_data(struct ftp_client *);
static enum ftp_step fc_head(struct ftp_client *, int);
static enum ftp_step fc_finish(struct ftp_client *);
static int	fc_range(struct ftp_client *, uint64_t *, uint64_t *);

/* Map an FTP reply code to an HTTP status; see the table in ftp.h. */
int
ftp_http_status(int code, int login, const char **reason)
{
	switch (code) {
	case 421:
		*reason = "FTP service not available";
		return (503);
	case 425:
		*reason = "FTP data connection could not be opened";
		return (502);
	case 426:
		*reason = "FTP transfer aborted";
		return (502);
	case 450:
		*reason = "FTP file busy";
		return (503);
	case 451:
	case 452:
		*reason = "FTP server error";
		return (502);
	case 530:
		*reason = login ? "FTP login refused" : "FTP access denied";
		return (login ? 401 : 403);
	case 332:
	case 532:
		*reason = "FTP account required";
		return (403);
	case 534:
		*reason = "FTP request denied by policy";
		return (403);
	case 550:
	case 553:
		*reason = "FTP file not found";
		return (404);
	}
	if (code >= 400 && code < 500) {
		*reason = "FTP server temporarily unavailable";
		return (503);
	}
	if (code >= 500 && code < 600) {
		*reason = "FTP server refused the request";
		return (502);
	}
	*reason = "unexpected FTP reply";
	return (502);
}

/* Set up a client; params' strings must outlive it. */
void
ftp_client_init(struct ftp_client *c, const struct ftp_client_params *p)
{
	memset(c, 0, sizeof *c);
	c->p = *p;
	if (c->p.anon_pass == NULL)
		c->p.anon_pass = FTP_ANON_PASS;
	ftp_reply_init(&c->reply, p->lim);
	c->body_len = FTP_BODY_UNKNOWN;
	c->state = FC_INIT;
}

/* Fail with status and reason; code is the FTP reply behind it, or 0. */
static enum ftp_step
fc_fail(struct ftp_client *c, int status, int code, const char *reason)
{
	c->state = FC_FAIL;
	c->status = status;
	c->ftp_code = code;
	c->reason = reason;
	return (FTP_STEP_FAIL);
}

/* Fail on the reply just read. */
static enum ftp_step
fc_fail_reply(struct ftp_client *c, int login)
{
	const char	*reason;
	int		 st;

	st = ftp_http_status(c->reply.code, login, &reason);
	return (fc_fail(c, st, c->reply.code, reason));
}

/* Format a command into c->out and go to state. */
static enum ftp_step
fc_send(struct ftp_client *c, int state, const char *verb, const char *arg)
{
	int	 n;

	n = ftp_cmd_format(c->out, sizeof c->out, verb, arg);
	if (n == -1)
		return (fc_fail(c, 414, 0, "FTP command too long"));
	c->out_len = (size_t)n;
	c->state = state;
	return (FTP_STEP_SEND);
}

/* Begin the conversation. */
enum ftp_step
ftp_client_start(struct ftp_client *c)
{
	const char	*cause;
	const char	*s;

	if (c->state != FC_INIT)
		return (fc_fail(c, 500, 0, "FTP client started twice"));
	if (ftp_url_parse(c->p.path, c->p.path_len, &c->url, &cause) == -1)
		return (fc_fail(c, 400, 0, cause));
	for (s = c->p.user; s != NULL && *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return (fc_fail(c, 400, 0, "invalid FTP user name"));
	for (s = c->p.pass; s != NULL && *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return (fc_fail(c, 400, 0, "invalid FTP password"));
	if (c->p.user != NULL && *c->p.user == '\0')
		return (fc_fail(c, 400, 0, "empty FTP user name"));
	c->url_ok = 1;
	c->dir = c->url.leaf_len == 0;
	c->state = FC_GREETING;
	return (FTP_STEP_WAIT);
}

/* Feed control bytes; see ftp.h. */
enum ftp_step
ftp_client_feed(struct ftp_client *c, const char *buf, size_t len,
    size_t *used)
{
	int	 r;

	*used = 0;
	if (c->state == FC_FAIL || c->state == FC_DONE)
		return (c->state == FC_FAIL ? FTP_STEP_FAIL : FTP_STEP_DONE);
	if (c->state == FC_INIT)
		return (fc_fail(c, 500, 0, "FTP client not started"));
	while (*used < len) {
		r = ftp_reply_feed(&c->reply, buf + *used, len - *used);
		if (r == FTP_ERROR)
			return (fc_fail(c, 502, 0, c->reply.error));
		if (r == FTP_MORE)
			break;
		*used += c->reply.len;
		if (r == FTP_LINE) {
			if (c->state == FC_FEAT && c->reply.code == 211 &&
			    c->reply.nlines > 1)
				fc_feat_line(c, c->reply.line,
				    c->reply.line_len);
			continue;
		}
		/* 1yz marks: the reply that ends the command comes later. */
		if (c->reply.code < 200 && c->state != FC_RETR &&
		    c->state != FC_LIST && c->state != FC_GREETING)
			continue;
		return (fc_reply(c));
	}
	return (FTP_STEP_WAIT);
}

/* Note a feature line of a 211 reply to FEAT. */
static void
fc_feat_line(struct ftp_client *c, const char *l, size_t n)
{
	size_t	 i, w;

	for (i = 0; i < n && l[i] == ' '; i++)
		;
	for (w = i; w < n && l[w] != ' '; w++)
		;
	w -= i;
	l += i;
	n -= i;
	if (w == 4 && strncasecmp(l, "MLST", 4) == 0)
		c->feat |= FTP_FEAT_MLST;
	else if (w == 4 && strncasecmp(l, "SIZE", 4) == 0)
		c->feat |= FTP_FEAT_SIZE;
	else if (w == 4 && strncasecmp(l, "MDTM", 4) == 0)
		c->feat |= FTP_FEAT_MDTM;
	else if (w == 4 && strncasecmp(l, "EPSV", 4) == 0)
		c->feat |= FTP_FEAT_EPSV;
	else if (w == 4 && strncasecmp(l, "UTF8", 4) == 0)
		c->feat |= FTP_FEAT_UTF8;
	else if (w == 4 && n >= 11 && strncasecmp(l, "REST STREAM", 11) == 0)
		c->feat |= FTP_FEAT_REST;
}

/* After login: ask for the features. */
static enum ftp_step
fc_logged_in(struct ftp_client *c)
{
	return (fc_send(c, FC_FEAT, "FEAT", NULL));
}

/* In the right directory: size up a file, or list a directory. */
static enum ftp_step
fc_after_cwd(struct ftp_client *c)
{
	if (c->dir)
		return (c->p.head ? fc_head(c, 0) : fc_data(c));
	if (c->url.type == FTP_URL_NAMES) {
		c->tried_dir = 1;
		return (fc_send(c, FC_CWD_LEAF, "CWD", c->url.leaf));
	}
	/* A size in ASCII mode would not be the size sent. */
	if (c->url.type != FTP_URL_ASCII &&
	    (!c->feat_known || (c->feat & FTP_FEAT_SIZE)))
		return (fc_send(c, FC_SIZE, "SIZE", c->url.leaf));
	if (!c->feat_known || (c->feat & FTP_FEAT_MDTM))
		return (fc_send(c, FC_MDTM, "MDTM", c->url.leaf));
	return (fc_after_mdtm(c));
}

/*
 * Work out the range to serve; return 0 if the whole file is served, 1
 * for a range [*first, *last], -1 if it cannot be satisfied.
 */
static int
fc_range(struct ftp_client *c, uint64_t *first, uint64_t *last)
{
	if (!c->p.range || !c->has_size || c->dir ||
	    c->url.type == FTP_URL_ASCII)
		return (0);
	if (c->p.range_suffix > 0) {
		if (c->size == 0)
			return (-1);
		*first = c->p.range_suffix >= c->size ? 0 :
		    c->size - c->p.range_suffix;
		*last = c->size - 1;
		return (1);
	}
	if (c->p.range_first >= c->size || c->p.range_last < c->p.range_first)
		return (-1);
	*first = c->p.range_first;
	*last = c->p.range_last >= c->size ? c->size - 1 : c->p.range_last;
	return (1);
}

/* Size and date known (or not): answer a HEAD, or open the data. */
static enum ftp_step
fc_after_mdtm(struct ftp_client *c)
{
	uint64_t	 first, last;

	if (fc_range(c, &first, &last) == -1)
		return (fc_fail(c, 416, 0, "range not satisfiable"));
	if (c->p.head && c->has_size)
		return (fc_head(c, 0));
	return (fc_data(c));
}

/*
 * Open a data channel: EPSV first, PASV on IPv4, active at last; or
 * active alone.
 */
static enum ftp_step
fc_data(struct ftp_client *c)
{
	if (c->p.active_only) {
		c->tried_active = 1;
		c->state = FC_LISTEN;
		return (FTP_STEP_LISTEN);
	}
	if (c->p.no_epsv && c->p.ctrl_af != AF_INET6) {
		c->tried_pasv = 1;
		return (fc_send(c, FC_PASV, "PASV", NULL));
	}
	return (fc_send(c, FC_EPSV, "EPSV", NULL));
}

/* Passive mode did not work: try PASV, then active, or give up. */
static enum ftp_step
fc_passive_failed(struct ftp_client *c)
{
	if (!c->tried_pasv && c->p.ctrl_af != AF_INET6) {
		c->tried_pasv = 1;
		return (fc_send(c, FC_PASV, "PASV", NULL));
	}
	if (c->p.active && !c->tried_active) {
		c->tried_active = 1;
		c->state = FC_LISTEN;
		return (FTP_STEP_LISTEN);
	}
	return (FTP_STEP_FAIL);
}

/* The data channel is set up: restart, retrieve or list. */
static enum ftp_step
fc_after_data(struct ftp_client *c)
{
	uint64_t	 first = 0, last = 0;
	char		 num[24];

	if (c->dir) {
		if (c->url.type == FTP_URL_NAMES) {
			c->list = FTP_LIST_NAMES;
			return (fc_send(c, FC_LIST, "NLST", NULL));
		}
		if (c->feat & FTP_FEAT_MLST) {
			c->list = FTP_LIST_MLSD;
			return (fc_send(c, FC_LIST, "MLSD", NULL));
		}
		c->list = FTP_LIST_LS;
		return (fc_send(c, FC_LIST, "LIST", NULL));
	}
	if (c->offset == 0 && fc_range(c, &first, &last) == 1 && first > 0) {
		snprintf(num, sizeof num, "%llu", (unsigned long long)first);
		return (fc_send(c, FC_REST, "REST", num));
	}
	return (fc_send(c, FC_RETR, "RETR", c->url.leaf));
}

/*
 * The transfer starts (or, for HEAD, the file is known): fill in the
 * response head. xfer: a 150 came and data will follow.
 */
static enum ftp_step
fc_head(struct ftp_client *c, int xfer)
{
	uint64_t	 first, last;

	c->status = 200;
	c->reason = "OK";
	c->body_len = FTP_BODY_UNKNOWN;
	if (!c->dir && c->has_size && c->url.type != FTP_URL_ASCII)
		c->body_len = c->size;
	if (!c->dir && fc_range(c, &first, &last) == 1 &&
	    (first == c->offset || !xfer)) {
		c->status = 206;
		c->reason = "Partial Content";
		c->range_first = first;
		c->range_last = last;
		c->body_len = last - first + 1;
	}
	c->head_sent = 1;
	c->state = xfer ? FC_XFER : FC_DONE;
	return (FTP_STEP_HEAD);
}

/* Both the 226 and the end of the data are in: check the length. */
static enum ftp_step
fc_finish(struct ftp_client *c)
{
	if (c->body_len != FTP_BODY_UNKNOWN && c->received != c->body_len)
		return (fc_fail(c, 502, 0, c->received < c->body_len ?
		    "FTP transfer ended short" : "FTP file grew in transfer"));
	c->state = FC_DONE;
	return (FTP_STEP_DONE);
}

/* Act on a complete reply. */
static enum ftp_step
fc_reply(struct ftp_client *c)
{
	struct ftp_reply	*r = &c->reply;
	const char		*cause;
	int			 code = r->code, cls = code / 100;
	uint64_t		 v, first, last;
	enum ftp_step		 s;

	c->close_data = 0;
	/* 421 can come at any time: the server is going away. */
	if (code == 421)
		return (fc_fail_reply(c, 0));

	switch (c->state) {
	case FC_GREETING:
		if (code == 120)
			return (FTP_STEP_WAIT);
		if (code != 220)
			return (fc_fail_reply(c, 0));
		return (fc_send(c, FC_USER, "USER", c->p.user != NULL ?
		    c->p.user : "anonymous"));
	case FC_USER:
		if (code == 230)
			return (fc_logged_in(c));
		if (code == 331)
			return (fc_send(c, FC_PASS, "PASS", c->p.pass != NULL ?
			    c->p.pass : c->p.user == NULL ? c->p.anon_pass :
			    ""));
		return (fc_fail_reply(c, 1));
	case FC_PASS:
		if (code == 230 || code == 202)
			return (fc_logged_in(c));
		return (fc_fail_reply(c, 1));
	case FC_FEAT:
		c->feat_known = code == 211;
		if (!c->feat_known)
			c->feat = 0;
		return (fc_send(c, FC_TYPE, "TYPE",
		    c->url.type == FTP_URL_ASCII ? "A" : "I"));
	case FC_TYPE:
		if (cls != 2)
			return (fc_fail_reply(c, 0));
		if (c->url.dir_len > 0)
			return (fc_send(c, FC_CWD, "CWD", c->url.dir));
		return (fc_after_cwd(c));
	case FC_CWD:
		if (cls != 2)
			return (fc_fail_reply(c, 0));
		return (fc_after_cwd(c));
	case FC_SIZE:
		if (code == 213 &&
		    ftp_num_parse(r->text, r->text_len, &v) == 0) {
			c->has_size = 1;
			c->size = v;
		} else if (code == 550 && !c->tried_dir) {
			/* Often a directory: see whether CWD takes it. */
			c->tried_dir = 1;
			c->dir_from_size = 1;
			return (fc_send(c, FC_CWD_LEAF, "CWD", c->url.leaf));
		}
		if (!c->feat_known || (c->feat & FTP_FEAT_MDTM))
			return (fc_send(c, FC_MDTM, "MDTM", c->url.leaf));
		return (fc_after_mdtm(c));
	case FC_MDTM:
		if (code == 213 && ftp_mdtm_parse(r->text, r->text_len,
		    &c->mtime) == 0)
			c->has_mtime = 1;
		return (fc_after_mdtm(c));
	case FC_EPSV:
		if (code == 229 && ftp_epsv_parse(r->text, r->text_len,
		    &c->data_port, &cause) == 0) {
			c->state = FC_CONNECT;
			return (FTP_STEP_CONNECT);
		}
		if (code == 229)
			return (fc_fail(c, 502, code, cause));
		if ((s = fc_passive_failed(c)) == FTP_STEP_FAIL)
			return (fc_fail_reply(c, 0));
		return (s);
	case FC_PASV:
		if (code == 227 && ftp_pasv_parse(r->text, r->text_len,
		    &c->pasv_addr, &cause) == 0) {
			c->data_port = c->pasv_addr.port;
			c->state = FC_CONNECT;
			return (FTP_STEP_CONNECT);
		}
		if (code == 227)
			return (fc_fail(c, 502, code, cause));
		if ((s = fc_passive_failed(c)) == FTP_STEP_FAIL)
			return (fc_fail_reply(c, 0));
		return (s);
	case FC_PORT:
		if (cls != 2)
			return (fc_fail_reply(c, 0));
		return (fc_after_data(c));
	case FC_REST:
		if (code == 350 && fc_range(c, &first, &last) == 1)
			c->offset = first;
		else {
			/* No restart: serve the whole file (RFC 9110 14.2). */
			c->p.range = 0;
			c->p.range_suffix = 0;
		}
		return (fc_send(c, FC_RETR, "RETR", c->url.leaf));
	case FC_RETR:
		if (cls == 1)
			return (fc_head(c, 1));
		if (cls == 2) {
			fc_head(c, 1);
			c->xfer_done = 1;
			return (FTP_STEP_HEAD);
		}
		if (code == 550 && !c->tried_dir) {
			c->tried_dir = 1;
			c->close_data = 1;
			return (fc_send(c, FC_CWD_LEAF, "CWD", c->url.leaf));
		}
		return (fc_fail_reply(c, 0));
	case FC_CWD_LEAF:
		if (cls == 2) {
			c->dir = 1;
			c->has_size = 0;
			return (c->p.head ? fc_head(c, 0) : fc_data(c));
		}
		if (c->dir_from_size) {
			/* Not a directory either: let RETR be the judge. */
			c->dir_from_size = 0;
			if (!c->feat_known || (c->feat & FTP_FEAT_MDTM))
				return (fc_send(c, FC_MDTM, "MDTM",
				    c->url.leaf));
			return (fc_after_mdtm(c));
		}
		return (fc_fail_reply(c, 0));
	case FC_LIST:
		if (cls == 1)
			return (fc_head(c, 1));
		if (cls == 2) {
			fc_head(c, 1);
			c->xfer_done = 1;
			return (FTP_STEP_HEAD);
		}
		return (fc_fail_reply(c, 0));
	case FC_XFER:
		if (cls == 1)
			return (FTP_STEP_WAIT);
		if (cls != 2)
			return (fc_fail_reply(c, 0));
		c->xfer_done = 1;
		return (c->data_done ? fc_finish(c) : FTP_STEP_WAIT);
	default:
		/* A reply nobody asked for. */
		return (fc_fail(c, 502, code, "unexpected FTP reply"));
	}
}

/* The passive data connection is open. */
enum ftp_step
ftp_client_data_open(struct ftp_client *c)
{
	if (c->state != FC_CONNECT)
		return (fc_fail(c, 500, 0, "data connection out of turn"));
	return (fc_after_data(c));
}

/* The data connection could not be opened or broke. */
enum ftp_step
ftp_client_data_fail(struct ftp_client *c, const char *why)
{
	enum ftp_step	 s;

	if (c->state == FC_CONNECT) {
		c->close_data = 1;
		if ((s = fc_passive_failed(c)) != FTP_STEP_FAIL)
			return (s);
	}
	if (c->state == FC_DONE || c->state == FC_FAIL)
		return (c->state == FC_DONE ? FTP_STEP_DONE : FTP_STEP_FAIL);
	return (fc_fail(c, 502, 0, why));
}

/* The caller listens for an active data connection at a. */
enum ftp_step
ftp_client_listening(struct ftp_client *c, const struct addr *a)
{
	char	 arg[80];

	if (c->state != FC_LISTEN)
		return (fc_fail(c, 500, 0, "listener out of turn"));
	if (a->af == AF_INET && ftp_port_fmt(a, arg, sizeof arg) != -1)
		return (fc_send(c, FC_PORT, "PORT", arg));
	if (ftp_eprt_fmt(a, arg, sizeof arg) == -1)
		return (fc_fail(c, 500, 0, "bad listening address"));
	return (fc_send(c, FC_PORT, "EPRT", arg));
}

/* The data connection ended after bytes; see ftp.h. */
enum ftp_step
ftp_client_data_end(struct ftp_client *c, uint64_t bytes)
{
	if (c->state == FC_DONE || c->state == FC_FAIL)
		return (c->state == FC_DONE ? FTP_STEP_DONE : FTP_STEP_FAIL);
	c->received = bytes;
	c->data_done = 1;
	if (c->state == FC_RETR || c->state == FC_LIST)
		/* The data was quicker than the 150: wait for it. */
		return (FTP_STEP_WAIT);
	if (c->state != FC_XFER)
		return (fc_fail(c, 502, 0, "data connection out of turn"));
	/* A bounded range is complete once its bytes are in. */
	if (c->status == 206 && c->body_len != FTP_BODY_UNKNOWN &&
	    bytes >= c->body_len && c->range_last + 1 < c->size) {
		c->state = FC_DONE;
		return (FTP_STEP_DONE);
	}
	return (c->xfer_done ? fc_finish(c) : FTP_STEP_WAIT);
}

/* Fail for a reason of the caller's. */
enum ftp_step
ftp_client_abort(struct ftp_client *c, int status, const char *reason)
{
	return (fc_fail(c, status, 0, reason));
}
