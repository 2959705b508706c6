/* ftp.c: the FTP control-channel parser, commands and replies. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ftp.h"

/* Telnet (RFC 854) bytes that can turn up on an FTP control connection. */
#define TN_IAC		255
#define TN_DONT		254
#define TN_DO		253
#define TN_WONT		252
#define TN_WILL		251
#define TN_IP		244
#define TN_DM		242
#define TN_NOP		241

/* How a command's argument is checked. */
enum ftp_argrule {
	ARG_NONE,	/* no argument */
	ARG_OPT,	/* any argument or none */
	ARG_REQ,	/* any argument, not empty */
	ARG_TOKEN,	/* one word of visible ASCII: AUTH */
	ARG_PORT,	/* h1,h2,h3,h4,p1,p2 */
	ARG_EPRT,	/* |af|addr|port| */
	ARG_EPSV,	/* none, 1, 2 or ALL */
	ARG_NUM,	/* decimal: REST, PBSZ */
	ARG_ALLO,	/* decimal [ SP R SP decimal ] */
	ARG_TYPE,	/* A [N|T|C], E [N|T|C], I, L byte-size */
	ARG_MODE,	/* S, B, C */
	ARG_STRU,	/* F, R, P */
	ARG_PROT	/* C, S, E, P */
};

struct ftp_cmd_def {
	const char	*verb;
	enum ftp_argrule rule;
	enum ftp_disp	 disp;
};

/* In the order of enum ftp_cmd_id. */
static const struct ftp_cmd_def ftp_cmds[FTP_CMD_COUNT] = {
	{ "ABOR", ARG_NONE, FTP_D_RELAY },
	{ "ACCT", ARG_REQ, FTP_D_LOGIN },
	{ "ADAT", ARG_REQ, FTP_D_REFUSE },
	{ "ALLO", ARG_ALLO, FTP_D_RELAY },
	{ "APPE", ARG_REQ, FTP_D_XFER },
	{ "AUTH", ARG_TOKEN, FTP_D_AUTH },
	{ "CCC", ARG_NONE, FTP_D_AUTH },
	{ "CDUP", ARG_NONE, FTP_D_RELAY },
	{ "CONF", ARG_REQ, FTP_D_REFUSE },
	{ "CWD", ARG_REQ, FTP_D_RELAY },
	{ "DELE", ARG_REQ, FTP_D_RELAY },
	{ "ENC", ARG_REQ, FTP_D_REFUSE },
	{ "EPRT", ARG_EPRT, FTP_D_DATA },
	{ "EPSV", ARG_EPSV, FTP_D_DATA },
	{ "FEAT", ARG_NONE, FTP_D_FEAT },
	{ "HELP", ARG_OPT, FTP_D_RELAY },
	{ "HOST", ARG_REQ, FTP_D_REFUSE },
	{ "LANG", ARG_OPT, FTP_D_RELAY },
	{ "LIST", ARG_OPT, FTP_D_XFER },
	{ "MDTM", ARG_REQ, FTP_D_RELAY },
	{ "MIC", ARG_REQ, FTP_D_REFUSE },
	{ "MKD", ARG_REQ, FTP_D_RELAY },
	{ "MLSD", ARG_OPT, FTP_D_XFER },
	{ "MLST", ARG_OPT, FTP_D_RELAY },
	{ "MODE", ARG_MODE, FTP_D_RELAY },
	{ "NLST", ARG_OPT, FTP_D_XFER },
	{ "NOOP", ARG_NONE, FTP_D_RELAY },
	{ "OPTS", ARG_REQ, FTP_D_RELAY },
	{ "PASS", ARG_OPT, FTP_D_LOGIN },
	{ "PASV", ARG_NONE, FTP_D_DATA },
	{ "PBSZ", ARG_NUM, FTP_D_AUTH },
	{ "PORT", ARG_PORT, FTP_D_DATA },
	{ "PROT", ARG_PROT, FTP_D_AUTH },
	{ "PWD", ARG_NONE, FTP_D_RELAY },
	{ "QUIT", ARG_NONE, FTP_D_RELAY },
	{ "REIN", ARG_NONE, FTP_D_REFUSE },
	{ "REST", ARG_NUM, FTP_D_RELAY },
	{ "RETR", ARG_REQ, FTP_D_XFER },
	{ "RMD", ARG_REQ, FTP_D_RELAY },
	{ "RNFR", ARG_REQ, FTP_D_RELAY },
	{ "RNTO", ARG_REQ, FTP_D_RELAY },
	{ "SITE", ARG_REQ, FTP_D_RELAY },
	{ "SIZE", ARG_REQ, FTP_D_RELAY },
	{ "SMNT", ARG_REQ, FTP_D_RELAY },
	{ "STAT", ARG_OPT, FTP_D_RELAY },
	{ "STOR", ARG_REQ, FTP_D_XFER },
	{ "STOU", ARG_OPT, FTP_D_XFER },
	{ "STRU", ARG_STRU, FTP_D_RELAY },
	{ "SYST", ARG_NONE, FTP_D_RELAY },
	{ "TYPE", ARG_TYPE, FTP_D_RELAY },
	{ "USER", ARG_REQ, FTP_D_LOGIN },
	{ "XCUP", ARG_NONE, FTP_D_RELAY },
	{ "XCWD", ARG_REQ, FTP_D_RELAY },
	{ "XMKD", ARG_REQ, FTP_D_RELAY },
	{ "XPWD", ARG_NONE, FTP_D_RELAY },
	{ "XRMD", ARG_REQ, FTP_D_RELAY },
};

static const struct ftp_limits ftp_limits_dflt = FTP_LIMITS_DEFAULT;

static int	ftp_upper(int);
static int	ftp_fail(struct ftp_cmd *, int, const char *);
static int	ftp_scan_line(struct ftp_cmd *, const char *, size_t,
		    const struct ftp_limits *, char *, size_t *);
static int	ftp_check_arg(struct ftp_cmd *, enum ftp_argrule);
static int	ftp_one_of(struct ftp_cmd *, const char *);
static int	ftp_type_arg(struct ftp_cmd *);
static int	ftp_reply_fail(struct ftp_reply *, const char *);
static int	ftp_code3(const char *, size_t);

/* Return the limits used when a caller passes none. */
const struct ftp_limits *
ftp_limits_default(void)
{
	return (&ftp_limits_dflt);
}

/* Upper-case an ASCII letter, whatever the locale. */
static int
ftp_upper(int c)
{
	return (c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
}

/* Find a verb of any case; -1 if it is not one we know. */
int
ftp_cmd_lookup(const char *v, size_t n)
{
	size_t	 i, j;

	if (n < 3 || n > 4)
		return (-1);
	for (i = 0; i < FTP_CMD_COUNT; i++) {
		if (strlen(ftp_cmds[i].verb) != n)
			continue;
		for (j = 0; j < n; j++)
			if (ftp_upper((unsigned char)v[j]) !=
			    ftp_cmds[i].verb[j])
				break;
		if (j == n)
			return ((int)i);
	}
	return (-1);
}

/* Name a command ("RETR"). */
const char *
ftp_cmd_name(enum ftp_cmd_id id)
{
	if ((unsigned)id >= FTP_CMD_COUNT)
		return ("?");
	return (ftp_cmds[id].verb);
}

/* Say what the native proxy does with a command. */
enum ftp_disp
ftp_cmd_disp(enum ftp_cmd_id id)
{
	if ((unsigned)id >= FTP_CMD_COUNT)
		return (FTP_D_REFUSE);
	return (ftp_cmds[id].disp);
}

static int
ftp_fail(struct ftp_cmd *c, int code, const char *reason)
{
	c->code = code;
	c->error = reason;
	return (FTP_ERROR);
}

/*
 * Find the end of the line at buf[0] and decode its Telnet sequences into
 * out (FTP_LINE_MAX + 1 bytes), setting *outlen and c->len. Faults in the
 * content are remembered in c while the scan goes on to the LF, so that a
 * bad line can still be skipped; returns FTP_DONE (check c->error), or
 * FTP_MORE, or FTP_ERROR when no line end is in reach (c->len 0).
 */
static int
ftp_scan_line(struct ftp_cmd *c, const char *buf, size_t len,
    const struct ftp_limits *lim, char *out, size_t *outlen)
{
	const unsigned char	*p = (const unsigned char *)buf;
	size_t			 i = 0, o = 0;
	int			 after_ip = 0;

	for (;;) {
		/* Content beyond max_line, or a CRLF that cannot fit. */
		if (i > lim->max_line + 1 || (i > lim->max_line &&
		    p[i - 1] != '\r')) {
			c->len = 0;
			return (ftp_fail(c, 500, "command line too long"));
		}
		if (i >= len)
			return (FTP_MORE);
		if (p[i] == TN_IAC) {
			if (i + 1 >= len)
				return (FTP_MORE);
			switch (p[i + 1]) {
			case TN_IAC:
				if (o < FTP_LINE_MAX)
					out[o++] = (char)TN_IAC;
				i += 2;
				break;
			case TN_IP:
				c->sync = 1;
				after_ip = 1;
				i += 2;
				continue;
			case TN_DM:
				c->sync = 1;
				/* FALLTHROUGH */
			case TN_NOP:
				i += 2;
				break;
			case TN_WILL:
			case TN_WONT:
			case TN_DO:
			case TN_DONT:
				if (i + 2 >= len)
					return (FTP_MORE);
				i += 3;
				break;
			default:
				if (after_ip) {
					/* The Synch's DM went as urgent. */
					i++;
					break;
				}
				if (c->error == NULL)
					ftp_fail(c, 500,
					    "unsupported Telnet command");
				i += 2;
				break;
			}
			after_ip = 0;
			continue;
		}
		after_ip = 0;
		if (p[i] == '\n') {
			c->len = i + 1;
			if (c->error == NULL)
				ftp_fail(c, 500, "bare LF in command");
			return (FTP_DONE);
		}
		if (p[i] == '\r') {
			if (i + 1 >= len)
				return (FTP_MORE);
			if (p[i + 1] == '\n') {
				c->len = i + 2;
				*outlen = o;
				out[o] = '\0';
				return (FTP_DONE);
			}
			if (c->error == NULL)
				ftp_fail(c, 500, "bare CR in command");
			i++;
			continue;
		}
		if ((p[i] < 0x20 || p[i] == 0x7f) && c->error == NULL)
			ftp_fail(c, 500, "control character in command");
		if (o < FTP_LINE_MAX)
			out[o++] = (char)p[i];
		i++;
	}
}

/*
 * Parse one command line; see ftp.h. The struct keeps its own copy of
 * the decoded argument, so buf may go once this returns.
 */
int
ftp_parse_command(struct ftp_cmd *c, const char *buf, size_t len,
    const struct ftp_limits *lim)
{
	char			 line[FTP_LINE_MAX + 1];
	struct ftp_limits	 l;
	size_t			 n = 0, v;
	int			 r, id;

	memset(c, 0, sizeof *c);
	l = lim != NULL ? *lim : ftp_limits_dflt;
	if (l.max_line > FTP_LINE_MAX)
		l.max_line = FTP_LINE_MAX;
	r = ftp_scan_line(c, buf, len, &l, line, &n);
	if (r == FTP_MORE) {
		/* A fault seen so far is reported once the line is whole. */
		c->sync = 0;
		c->code = 0;
		c->error = NULL;
		return (FTP_MORE);
	}
	if (r == FTP_ERROR || c->error != NULL)
		return (FTP_ERROR);

	if (n == 0)
		return (ftp_fail(c, 500, "empty command line"));
	for (v = 0; v < n && line[v] != ' '; v++)
		if (!((line[v] >= 'a' && line[v] <= 'z') ||
		    (line[v] >= 'A' && line[v] <= 'Z')))
			return (ftp_fail(c, 500, "syntax error in command"));
	if (v == 0)
		return (ftp_fail(c, 500, "syntax error in command"));
	if ((id = ftp_cmd_lookup(line, v)) == -1)
		return (ftp_fail(c, 500, "unknown command"));
	c->id = (enum ftp_cmd_id)id;
	c->verb = ftp_cmds[id].verb;
	c->disp = ftp_cmds[id].disp;
	if (c->disp == FTP_D_REFUSE)
		return (ftp_fail(c, 502, "command not implemented"));
	if (v < n && n - v > 1) {
		c->has_arg = 1;
		c->arg_len = n - v - 1;
		memcpy(c->arg, line + v + 1, c->arg_len);
	}
	c->arg[c->arg_len] = '\0';
	return (ftp_check_arg(c, ftp_cmds[id].rule));
}

/* Accept an argument that is exactly one of the letters in set. */
static int
ftp_one_of(struct ftp_cmd *c, const char *set)
{
	if (c->arg_len != 1 || strchr(set, ftp_upper(
	    (unsigned char)c->arg[0])) == NULL)
		return (ftp_fail(c, 501, "invalid parameter"));
	c->param = (char)ftp_upper((unsigned char)c->arg[0]);
	return (FTP_DONE);
}

/*
 * TYPE (RFC 959 section 4.1.2): A or E with an optional N, T or C format,
 * I, or L with a byte size (only 8 means anything today).
 */
static int
ftp_type_arg(struct ftp_cmd *c)
{
	const char	*a = c->arg;
	int		 t;

	t = c->arg_len > 0 ? ftp_upper((unsigned char)a[0]) : 0;
	switch (t) {
	case 'A':
	case 'E':
		if (c->arg_len == 1)
			break;
		if (c->arg_len != 3 || a[1] != ' ' ||
		    strchr("NTC", ftp_upper((unsigned char)a[2])) == NULL)
			return (ftp_fail(c, 501, "invalid TYPE"));
		break;
	case 'I':
		if (c->arg_len != 1)
			return (ftp_fail(c, 501, "invalid TYPE"));
		break;
	case 'L':
		if (c->arg_len != 3 || a[1] != ' ' || a[2] != '8')
			return (ftp_fail(c, c->arg_len >= 3 && a[1] == ' ' ?
			    504 : 501, "invalid TYPE"));
		break;
	default:
		return (ftp_fail(c, 501, "invalid TYPE"));
	}
	c->param = (char)t;
	return (FTP_DONE);
}

/* Check the argument of a command against its rule. */
static int
ftp_check_arg(struct ftp_cmd *c, enum ftp_argrule rule)
{
	const char	*r, *a = c->arg;
	size_t		 i, n = c->arg_len;
	uint64_t	 v;
	int		 code;

	if (rule == ARG_NONE || rule == ARG_OPT || rule == ARG_EPSV) {
		if (!c->has_arg)
			return (FTP_DONE);
		if (rule == ARG_NONE)
			return (ftp_fail(c, 501, "command takes no argument"));
	} else if (!c->has_arg)
		return (ftp_fail(c, 501, "missing argument"));

	switch (rule) {
	case ARG_NONE:
	case ARG_OPT:
	case ARG_REQ:
		return (FTP_DONE);
	case ARG_TOKEN:
		for (i = 0; i < n; i++)
			if ((unsigned char)a[i] <= 0x20 ||
			    (unsigned char)a[i] >= 0x7f)
				return (ftp_fail(c, 501, "invalid parameter"));
		return (FTP_DONE);
	case ARG_PORT:
		if (ftp_port_parse(a, n, &c->addr, &r) == -1)
			return (ftp_fail(c, 501, r));
		return (FTP_DONE);
	case ARG_EPRT:
		if (ftp_eprt_parse(a, n, &c->addr, &code, &r) == -1)
			return (ftp_fail(c, code, r));
		return (FTP_DONE);
	case ARG_EPSV:
		if (n == 3 && ftp_upper((unsigned char)a[0]) == 'A' &&
		    ftp_upper((unsigned char)a[1]) == 'L' &&
		    ftp_upper((unsigned char)a[2]) == 'L') {
			c->epsv = FTP_EPSV_ALL;
			return (FTP_DONE);
		}
		if (ftp_num_parse(a, n, &v) == -1)
			return (ftp_fail(c, 501, "invalid EPSV argument"));
		if (v != 1 && v != 2)
			return (ftp_fail(c, 522,
			    "network protocol not supported, use (1,2)"));
		c->epsv = (int)v;
		return (FTP_DONE);
	case ARG_NUM:
		if (ftp_num_parse(a, n, &c->num) == -1)
			return (ftp_fail(c, 501, "invalid number"));
		if (c->id == FTP_CMD_PBSZ && c->num > UINT32_MAX)
			return (ftp_fail(c, 501, "invalid number"));
		return (FTP_DONE);
	case ARG_ALLO:
		for (i = 0; i < n && a[i] != ' '; i++)
			;
		if (ftp_num_parse(a, i, &c->num) == -1)
			return (ftp_fail(c, 501, "invalid number"));
		if (i == n)
			return (FTP_DONE);
		if (n - i < 4 || a[i + 1] != 'R' || a[i + 2] != ' ' ||
		    ftp_num_parse(a + i + 3, n - i - 3, &v) == -1)
			return (ftp_fail(c, 501, "invalid ALLO argument"));
		return (FTP_DONE);
	case ARG_TYPE:
		return (ftp_type_arg(c));
	case ARG_MODE:
		return (ftp_one_of(c, "SBC"));
	case ARG_STRU:
		return (ftp_one_of(c, "FRP"));
	case ARG_PROT:
		return (ftp_one_of(c, "CSEP"));
	}
	return (ftp_fail(c, 500, "internal error"));
}

/* Write a command line for the server; see ftp.h. */
int
ftp_cmd_format(char *buf, size_t size, const char *verb, const char *arg)
{
	size_t	 o = 0, i, n;

	n = strlen(verb);
	if (n + 2 >= size)
		return (-1);
	memcpy(buf, verb, n);
	o = n;
	if (arg != NULL) {
		buf[o++] = ' ';
		for (i = 0; arg[i] != '\0'; i++) {
			if (arg[i] == '\r' || arg[i] == '\n')
				return (-1);
			if (o + 2 >= size)
				return (-1);
			if ((unsigned char)arg[i] == TN_IAC)
				buf[o++] = (char)TN_IAC;
			buf[o++] = arg[i];
		}
	}
	if (o + 3 > size)
		return (-1);
	buf[o++] = '\r';
	buf[o++] = '\n';
	buf[o] = '\0';
	return ((int)o);
}

/* Start a reply. */
void
ftp_reply_init(struct ftp_reply *r, const struct ftp_limits *lim)
{
	memset(r, 0, sizeof *r);
	r->lim = lim != NULL ? *lim : ftp_limits_dflt;
	if (r->lim.max_reply_line > FTP_LINE_MAX)
		r->lim.max_reply_line = FTP_LINE_MAX;
}

static int
ftp_reply_fail(struct ftp_reply *r, const char *reason)
{
	r->error = reason;
	r->len = 0;
	return (FTP_ERROR);
}

/* Return the reply code at p[0..3), or -1. */
static int
ftp_code3(const char *p, size_t n)
{
	if (n < 3 || p[0] < '1' || p[0] > '5' || p[1] < '0' || p[1] > '9' ||
	    p[2] < '0' || p[2] > '9')
		return (-1);
	return ((p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0'));
}

/* Consume one reply line; see ftp.h. */
int
ftp_reply_feed(struct ftp_reply *r, const char *buf, size_t len)
{
	const char	*p;
	size_t		 i, n, max;
	int		 code;

	if (r->error != NULL)
		return (FTP_ERROR);
	if (r->done) {
		struct ftp_limits	lim = r->lim;

		ftp_reply_init(r, &lim);
	}
	r->len = 0;
	max = r->lim.max_reply_line;
	for (i = 0; i < len && i <= max + 1; i++) {
		if (buf[i] == '\0')
			return (ftp_reply_fail(r, "NUL in reply"));
		if (buf[i] == '\n')
			return (ftp_reply_fail(r, "bare LF in reply"));
		if (buf[i] != '\r')
			continue;
		if (i + 1 >= len)
			break;
		if (buf[i + 1] != '\n')
			return (ftp_reply_fail(r, "bare CR in reply"));
		break;
	}
	if (i > max)
		return (ftp_reply_fail(r, "reply line too long"));
	if (i + 1 >= len)
		return (FTP_MORE);

	n = i;
	if (r->size + n + 2 > r->lim.max_reply)
		return (ftp_reply_fail(r, "reply too large"));
	if (r->nlines + 1 > r->lim.max_reply_lines)
		return (ftp_reply_fail(r, "too many lines in reply"));
	r->nlines++;
	r->size += n + 2;
	r->len = n + 2;
	r->line = p = buf;
	r->line_len = n;
	r->text = p;
	r->text_len = n;

	if (r->nlines == 1) {
		if ((code = ftp_code3(p, n)) == -1)
			return (ftp_reply_fail(r, "invalid reply code"));
		if (n > 3 && p[3] != ' ' && p[3] != '-')
			return (ftp_reply_fail(r, "invalid reply code"));
		r->code = code;
		r->text = p + (n > 3 ? 4 : 3);
		r->text_len = n > 3 ? n - 4 : 0;
		if (n > 3 && p[3] == '-') {
			r->multi = 1;
			return (FTP_LINE);
		}
		r->done = 1;
		return (FTP_DONE);
	}

	/* Inner lines: only "code SP" (or the code alone) ends the reply. */
	if (ftp_code3(p, n) == r->code && (n == 3 || p[3] == ' ' ||
	    p[3] == '-')) {
		r->text = p + (n > 3 ? 4 : 3);
		r->text_len = n > 3 ? n - 4 : 0;
		if (n == 3 || p[3] == ' ') {
			r->done = 1;
			return (FTP_DONE);
		}
	}
	return (FTP_LINE);
}

/* Whether a FEAT line may go to the native proxy's client; see ftp.h. */
int
ftp_feat_keep(const char *line, size_t len, int tls)
{
	size_t		 i, w;
	int		 id;

	/* Feature lines start with one SP (RFC 2389 section 3.2). */
	for (i = 0; i < len && line[i] == ' '; i++)
		;
	for (w = i; w < len && line[w] != ' '; w++)
		;
	if ((id = ftp_cmd_lookup(line + i, w - i)) == -1)
		return (1);
	switch (id) {
	case FTP_CMD_HOST:
		return (0);
	case FTP_CMD_AUTH:
	case FTP_CMD_PBSZ:
	case FTP_CMD_PROT:
	case FTP_CMD_CCC:
		return (tls);
	default:
		return (1);
	}
}
