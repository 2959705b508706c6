/*
 * ftp.h: the FTP protocol core shared by the native FTP proxy and the
 * ftp:// gateway: a strict, bounded control-channel parser for both
 * directions, the data-address codecs, the user@server login split, an
 * event-free client machine for the gateway and the listing formatter.
 *
 * Nothing here does I/O, reads a clock or allocates: callers feed bytes
 * and act on what comes back, so every piece is unit tested and fuzzed on
 * its own. Errors are static strings naming what was wrong, for the log
 * and for the reply text.
 *
 * Commands (client to proxy), the choices made:
 *	- A line ends with CRLF (RFC 959 section 4.1). A bare LF or CR is
 *	  refused, not repaired: a proxy that splits lines where the server
 *	  would not is a command-smuggling hole, the same reason lib/http.c
 *	  refuses bare LF. No real client sends them.
 *	- The line holds at most max_line bytes before CRLF (512 by default,
 *	  ProFTPD's default command buffer; vsftpd takes 4096).
 *	- NUL, the other C0 controls and DEL are refused anywhere in a line:
 *	  RFC 959 allows them in arguments, but no path needs them and they
 *	  are the stuff of log and terminal injection.
 *	- Telnet (RFC 854, which RFC 959 puts under the control connection):
 *	  IAC IAC is a data byte 0xFF (RFC 2640 section 3.1); IAC IP, IAC DM
 *	  and IAC NOP are removed, IP and DM marking the line as urgent (the
 *	  "Synch" before ABOR, RFC 959 section 4.1.3); a lone IAC right after
 *	  IAC IP is that Synch with its DM taken away as TCP urgent data;
 *	  WILL, WONT, DO and DONT with their option are removed (RFC 1123
 *	  section 4.1.2.12 lets an FTP server ignore negotiation). Every
 *	  other Telnet command (EC and EL above all, which would edit the
 *	  line) is refused.
 *	- The verb is 3 or 4 letters in any case; one SP then the argument,
 *	  taken as is (a path may hold spaces). "VERB SP" alone counts as no
 *	  argument.
 *	- Unknown verbs get 500, known but refused ones 502, bad arguments
 *	  501, an unsupported EPRT/EPSV protocol 522 (RFC 2428).
 *
 * Replies (server to proxy), RFC 959 section 4.2: a code of three digits,
 * the first 1-5, then SP (or nothing) for a one-line reply or '-' for the
 * first line of a multi-line one, which ends at the first line that
 * starts with the same code and SP (or is the code alone); lines between
 * are free text. Lines end with CRLF; NUL and bare CR or LF are refused,
 * other bytes are kept (servers print banners in any encoding). The
 * length of a line, the lines of a reply and its size are bounded.
 */
#ifndef FTP_H
#define FTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "addr.h"

/* Return values of the parsers. */
#define FTP_ERROR		(-1)
#define FTP_MORE		0	/* no complete line yet */
#define FTP_DONE		1	/* a command or a whole reply */
#define FTP_LINE		2	/* a reply line; the reply goes on */

/* Hard cap of every line limit, and the size of the line buffers. */
#define FTP_LINE_MAX		4096

struct ftp_limits {
	size_t		 max_line;	 /* command line, without CRLF */
	size_t		 max_reply_line; /* reply line, without CRLF */
	unsigned	 max_reply_lines; /* lines in one reply */
	size_t		 max_reply;	 /* one reply with its CRLFs */
};

/* Used when lim is NULL. */
#define FTP_LIMITS_DEFAULT	{ 512, 2048, 256, 65536 }

/* Known commands: RFC 959, 775 (X*), 2228, 2389, 2428, 2640, 3659, 7151. */
enum ftp_cmd_id {
	FTP_CMD_ABOR, FTP_CMD_ACCT, FTP_CMD_ADAT, FTP_CMD_ALLO,
	FTP_CMD_APPE, FTP_CMD_AUTH, FTP_CMD_CCC, FTP_CMD_CDUP,
	FTP_CMD_CONF, FTP_CMD_CWD, FTP_CMD_DELE, FTP_CMD_ENC,
	FTP_CMD_EPRT, FTP_CMD_EPSV, FTP_CMD_FEAT, FTP_CMD_HELP,
	FTP_CMD_HOST, FTP_CMD_LANG, FTP_CMD_LIST, FTP_CMD_MDTM,
	FTP_CMD_MIC, FTP_CMD_MKD, FTP_CMD_MLSD, FTP_CMD_MLST,
	FTP_CMD_MODE, FTP_CMD_NLST, FTP_CMD_NOOP, FTP_CMD_OPTS,
	FTP_CMD_PASS, FTP_CMD_PASV, FTP_CMD_PBSZ, FTP_CMD_PORT,
	FTP_CMD_PROT, FTP_CMD_PWD, FTP_CMD_QUIT, FTP_CMD_REIN,
	FTP_CMD_REST, FTP_CMD_RETR, FTP_CMD_RMD, FTP_CMD_RNFR,
	FTP_CMD_RNTO, FTP_CMD_SITE, FTP_CMD_SIZE, FTP_CMD_SMNT,
	FTP_CMD_STAT, FTP_CMD_STOR, FTP_CMD_STOU, FTP_CMD_STRU,
	FTP_CMD_SYST, FTP_CMD_TYPE, FTP_CMD_USER, FTP_CMD_XCUP,
	FTP_CMD_XCWD, FTP_CMD_XMKD, FTP_CMD_XPWD, FTP_CMD_XRMD,
	FTP_CMD_COUNT
};

/*
 * What the native proxy does with a command (the table is in ftp.c):
 *	RELAY	forward to the server as parsed
 *	LOGIN	USER, PASS, ACCT: USER names the server (ftp_login_split)
 *	DATA	PORT, EPRT, PASV, EPSV: answered by the proxy, which runs its
 *		own data connection on each side
 *	XFER	RETR, STOR, STOU, APPE, LIST, NLST, MLSD: relayed, and use the
 *		data connection
 *	FEAT	relayed; the reply is filtered with ftp_feat_keep()
 *	AUTH	AUTH, PBSZ, PROT, CCC: TLS on the control connection would
 *		hide the data addresses, so refused unless passed through
 *	REFUSE	answered 502 by the parser itself:
 *		ADAT, CONF, ENC, MIC (RFC 2228 protection would wrap commands
 *		the proxy must read); REIN (it would undo the login the proxy
 *		made, while the proxy stays bound to that server); HOST (RFC
 *		7151: the name the client gives is the proxy's own, the
 *		server comes from user@server; a client must take a 502 and
 *		go on with USER, section 3.2)
 */
enum ftp_disp {
	FTP_D_RELAY = 0,
	FTP_D_LOGIN,
	FTP_D_DATA,
	FTP_D_XFER,
	FTP_D_FEAT,
	FTP_D_AUTH,
	FTP_D_REFUSE
};

/* EPSV ALL (RFC 2428 section 4). */
#define FTP_EPSV_ALL		3

/* A parsed command; the structure owns a copy of the argument. */
struct ftp_cmd {
	size_t		 len;		/* bytes consumed, CRLF included */
	int		 code;		/* on error: the reply code */
	const char	*error;		/* on error: static reason */

	enum ftp_cmd_id	 id;
	const char	*verb;		/* upper case, static */
	enum ftp_disp	 disp;
	int		 sync;		/* Telnet IP or DM (urgent) seen */
	int		 has_arg;
	size_t		 arg_len;
	char		 arg[FTP_LINE_MAX + 1];	/* NUL-terminated */

	/* Arguments parsed for the commands that have a grammar. */
	struct addr	 addr;		/* PORT, EPRT */
	uint64_t	 num;		/* REST, ALLO, PBSZ */
	int		 epsv;		/* EPSV: 0 none, 1, 2, FTP_EPSV_ALL */
	char		 param;		/* TYPE, MODE, STRU, PROT: upper case */
};

/* One reply, read line by line with ftp_reply_feed(). */
struct ftp_reply {
	struct ftp_limits lim;
	int		 code;		/* from the first line */
	int		 multi;		/* the first line had '-' */
	unsigned	 nlines;
	size_t		 size;		/* bytes so far, CRLFs included */
	int		 done;		/* last call returned FTP_DONE */
	const char	*error;		/* set on FTP_ERROR, sticky */

	/* The line the last call consumed, without CRLF, in its buffer. */
	size_t		 len;		/* bytes consumed, CRLF included */
	const char	*line;
	size_t		 line_len;
	/* Its text: after "ddd " or "ddd-" on a coded line, else all. */
	const char	*text;
	size_t		 text_len;
};

/* The parts of a native login "user@server[:port]". */
struct ftp_login {
	char		 user[FTP_LINE_MAX + 1];
	char		 host[HOST_MAXLEN + 3];	/* brackets removed */
	int		 af;		/* literal's family, 0 for a name */
	uint16_t	 port;		/* 21 unless given */
};

/* An ftp:// URL path (RFC 1738 section 3.2.2), decoded. */
enum ftp_url_type {
	FTP_URL_AUTO = 0,	/* no ;type=: a file, or a directory */
	FTP_URL_ASCII,		/* ;type=a */
	FTP_URL_IMAGE,		/* ;type=i */
	FTP_URL_NAMES		/* ;type=d: NLST */
};

struct ftp_url {
	char		 dir[FTP_LINE_MAX + 1];	 /* "a/b", "" for none */
	char		 leaf[FTP_LINE_MAX + 1]; /* last segment, may be "" */
	size_t		 dir_len;
	size_t		 leaf_len;
	int		 slash;		/* the path ended with '/' */
	enum ftp_url_type type;
};

/* ftp.c */
const struct ftp_limits *ftp_limits_default(void);
/*
 * Parse one command line from buf[0..len) (lim NULL for the defaults).
 * Returns FTP_MORE until a CRLF arrives (nothing consumed), FTP_DONE with
 * c->len set, or FTP_ERROR with c->code and c->error; then c->len is the
 * length of the bad line through its LF, so the caller can answer and go
 * on with the next, or 0 if the line is too long to hold: discard through
 * the next CRLF, or close. Call once the buffer holds a LF or max_line + 2
 * bytes (each call scans from buf[0] again).
 */
int	 ftp_parse_command(struct ftp_cmd *, const char *, size_t,
	    const struct ftp_limits *);
/* Find a verb (any case); -1 if unknown. */
int	 ftp_cmd_lookup(const char *, size_t);
const char *ftp_cmd_name(enum ftp_cmd_id);
enum ftp_disp ftp_cmd_disp(enum ftp_cmd_id);
/*
 * Write "VERB[ SP arg]" CRLF into buf, doubling 0xFF (IAC); arg may be
 * NULL. Returns the length, or -1 if it does not fit, or if arg holds CR,
 * LF or NUL.
 */
int	 ftp_cmd_format(char *, size_t, const char *, const char *);

/* Start reading a reply (lim NULL for the defaults). */
void	 ftp_reply_init(struct ftp_reply *, const struct ftp_limits *);
/*
 * Consume at most one line of a reply from buf[0..len). Returns FTP_MORE
 * (no whole line yet: nothing consumed), FTP_LINE (a line of a multi-line
 * reply; r->len bytes consumed, r->line and r->text set), FTP_DONE (the
 * final line; r->code is the reply's) or FTP_ERROR (r->error). Feeding
 * again after FTP_DONE starts the next reply.
 */
int	 ftp_reply_feed(struct ftp_reply *, const char *, size_t);
/*
 * Whether to pass on a line of a FEAT reply to the client of the native
 * proxy: AUTH, PBSZ, PROT and CCC only when TLS is passed through, HOST
 * never, EPRT and EPSV always (the proxy runs them itself); the caller
 * adds EPRT and EPSV lines when the server lacks them.
 */
int	 ftp_feat_keep(const char *, size_t, int);

/* ftp_addr.c */
/*
 * Parse "h1,h2,h3,h4,p1,p2" (PORT, RFC 959 section 4.1.2), exactly that
 * and nothing around it: numbers of 1-3 digits up to 255, port not 0.
 */
int	 ftp_port_parse(const char *, size_t, struct addr *, const char **);
/*
 * Scan a 227 reply's text for the first "h1,h2,h3,h4,p1,p2" (RFC 1123
 * section 4.1.2.6: servers put it in parentheses, after '=', or bare).
 */
int	 ftp_pasv_parse(const char *, size_t, struct addr *, const char **);
/*
 * Parse EPRT's "<d>1<d>addr<d>port<d>" or "<d>2<d>addr<d>port<d>" (RFC
 * 2428 section 2). *code is set to 522 for another protocol number, 501
 * for any other fault.
 */
int	 ftp_eprt_parse(const char *, size_t, struct addr *, int *,
	    const char **);
/* Scan a 229 reply's text for "(<d><d><d>port<d>)"; set *port. */
int	 ftp_epsv_parse(const char *, size_t, uint16_t *, const char **);
/* Format an IPv4 address and port as "h1,h2,h3,h4,p1,p2"; -1 if not. */
int	 ftp_port_fmt(const struct addr *, char *, size_t);
/* Format "|1|a.b.c.d|port|" or "|2|v6|port|". */
int	 ftp_eprt_fmt(const struct addr *, char *, size_t);
/* Format the 227 and 229 replies the proxy sends, CRLF included. */
int	 ftp_pasv_reply(const struct addr *, char *, size_t);
int	 ftp_epsv_reply(uint16_t, char *, size_t);
/*
 * Check a data address against the peer that holds the control
 * connection: the same host (IPv4-mapped IPv6 taken as IPv4), and a port
 * not below 1024. This is what stops FTP bounce (PORT to a third host or
 * to a well-known port) and, on the server side, a 227 that points the
 * proxy elsewhere.
 */
int	 ftp_data_addr_check(const struct addr *, const struct addr *,
	    const char **);
/*
 * Check the peer of an accepted data connection against the peer that
 * holds the control connection: the same host (any port, the peer chose
 * it). This is what stops data-port theft, a third host connecting to a
 * passive port before the client does.
 */
int	 ftp_data_peer_check(const struct addr *, const struct addr *,
	    const char **);
/*
 * Split a login "user<delim>server[:port]" at the last delim (user names
 * may hold '@'); server is a host name or an IPv4 literal, or an IPv6
 * literal in brackets, checked by the rules of lib/http.c. delim must be
 * a visible ASCII character that cannot occur in a host.
 */
int	 ftp_login_split(const char *, char, struct ftp_login *,
	    const char **);
/* Whether c can be the login delimiter. */
int	 ftp_login_delim_ok(char);
/*
 * Decode the path of an ftp:// URL (percent-encoded, starting with '/',
 * no query) into the directory to change to and the last segment. A
 * segment holding a control byte once decoded, or an empty inner
 * segment, is refused.
 */
int	 ftp_url_parse(const char *, size_t, struct ftp_url *, const char **);
/*
 * Decode the userinfo of an ftp:// URL, "user[:password]" percent-
 * encoded (as lib/http.c passes it), into user and pass (each with room
 * for FTP_LINE_MAX bytes and a NUL; pass is "" when absent, *has_pass
 * says whether a ':' was there). A control byte once decoded, an empty
 * user or a bad escape is refused.
 */
int	 ftp_userinfo_decode(const char *, size_t, char *, char *, int *,
	    const char **);
/*
 * Decode the credentials of "Authorization: Basic <base64>" (RFC 7617)
 * for the gateway's login: the field value after "Basic" (any case, then
 * spaces), strict base64 with its padding, decoding to "user:password"
 * with a user that is not empty, neither with a control byte, each at
 * most FTP_LINE_MAX bytes (user and pass have room for that and a NUL).
 * Returns 0, or -1 with *cause.
 */
int	 ftp_basic_decode(const char *, size_t, char *, char *,
	    const char **);
/*
 * Resolve a path argument (CWD, RETR, ...) against the directory the
 * session is in, as the server would for a Unix-like tree: an argument
 * starting with '/' replaces it, "." and ".." segments are folded ("/.."
 * stays "/"), repeated slashes are one. The result starts with '/'.
 * -1 if it does not fit in size bytes.
 */
int	 ftp_path_resolve(const char *, const char *, char *, size_t);
/*
 * Format "ftp://user@host[:port]/path" for logs and pages: the user and
 * the path percent-encoded (anything but unreserved characters and '/'),
 * IPv6 hosts in brackets, port 21 left out, user NULL for none. The
 * password is never part of it. Returns the length, truncated to fit.
 */
size_t	 ftp_url_format(char *, size_t, const char *, const char *, int,
	    uint16_t, const char *);
/* Parse a 213 reply to MDTM, "YYYYMMDDHHMMSS[.fff]" in UTC. */
int	 ftp_mdtm_parse(const char *, size_t, time_t *);
/* Parse a decimal below 2^63, without sign or spaces. */
int	 ftp_num_parse(const char *, size_t, uint64_t *);

/*
 * The gateway's client: a pure machine that turns GET or HEAD of an
 * ftp:// URL into an FTP conversation. The caller owns the sockets and
 * the clock; it feeds control bytes and data events and does what the
 * returned step says:
 *	WAIT	nothing to do but wait for more bytes or events
 *	SEND	send c->out (c->out_len bytes) on the control connection;
 *		first close the data connection or listener if
 *		c->close_data is set (a RETR that failed, to LIST instead)
 *	CONNECT	open the data connection to the control connection's peer
 *		address, port c->data_port (the address in a 227 reply is
 *		never used: a server could point the proxy anywhere), then
 *		call ftp_client_data_open() or ftp_client_data_fail()
 *	LISTEN	(active fallback) listen on the control connection's local
 *		address, then call ftp_client_listening(); accept only a
 *		connection from the server's address (ftp_data_addr_check)
 *	HEAD	the response head is known (status, body_len, size, mtime,
 *		dir); relay the data connection's bytes as the body (hold
 *		any read before this step) and call ftp_client_data_end()
 *		when it closes or after body_len bytes; for HEAD requests
 *		this is the last step
 *	DONE	the body is complete; QUIT may be sent, then close
 *	FAIL	c->status and c->reason; if c->head_sent, the body was
 *		under way: abort the response rather than answer
 * Timeouts are the caller's (504).
 *
 * The URL path is relative to the login directory (RFC 1738): its
 * directory part is one CWD, the last segment is fetched with RETR; an
 * empty last segment (a path ending in '/') is listed, and so is one
 * that RETR answers with 550 but CWD accepts (as Squid does). SIZE and
 * MDTM give Content-Length and Last-Modified; a range (one, given by the
 * caller) is served with REST when SIZE is known, else ignored (200).
 * Listings use MLSD when FEAT names MLST, LIST otherwise, NLST for
 * ;type=d.
 *
 * FTP replies map to HTTP statuses (ftp_http_status):
 *	421 (service closing, too many users)		503
 *	425, 426 (data connection failed or broken)	502
 *	450 (file busy), any other 4yz			503
 *	451, 452 (server-side error)			502
 *	530 to USER or PASS				401 (ask again)
 *	530 later, 532, 534 (policy: TLS required)	403
 *	332 (account needed)				403
 *	550, 553 (no such file, no access, bad name)	404
 *	any other 5yz (not implemented, syntax)		502
 *	malformed or unexpected replies			502
 *	range beyond the size				416
 */
enum ftp_step {
	FTP_STEP_WAIT = 0,
	FTP_STEP_SEND,
	FTP_STEP_CONNECT,
	FTP_STEP_LISTEN,
	FTP_STEP_HEAD,
	FTP_STEP_DONE,
	FTP_STEP_FAIL
};

/* What the listing on the data connection is. */
enum ftp_list_kind {
	FTP_LIST_LS = 0,	/* LIST: ls -l (or DOS) lines */
	FTP_LIST_MLSD,		/* MLSD facts (RFC 3659 section 7) */
	FTP_LIST_NAMES		/* NLST: a name a line */
};

#define FTP_BODY_UNKNOWN	UINT64_MAX

struct ftp_client_params {
	const char	*user;		/* NULL for anonymous */
	const char	*pass;		/* NULL: anon_pass, or "" for a user */
	const char	*anon_pass;	/* NULL: FTP_ANON_PASS */
	const char	*path;		/* URL path, percent-encoded */
	size_t		 path_len;
	int		 head;		/* HEAD: no body */
	int		 range;		/* one byte range asked */
	uint64_t	 range_first;	/* with range: first byte */
	uint64_t	 range_last;	/* last byte; UINT64_MAX: to the end */
	uint64_t	 range_suffix;	/* if not 0: the last N bytes */
	int		 ctrl_af;	/* family of the control connection */
	int		 active;	/* fall back to PORT/EPRT */
	int		 active_only;	/* PORT/EPRT, never passive */
	int		 no_epsv;	/* IPv4: start with PASV */
	const struct ftp_limits *lim;	/* NULL for the defaults */
};

#define FTP_ANON_PASS		"twinproxy@"

/* Features a FEAT reply named. */
#define FTP_FEAT_MLST		0x01
#define FTP_FEAT_SIZE		0x02
#define FTP_FEAT_MDTM		0x04
#define FTP_FEAT_REST		0x08
#define FTP_FEAT_EPSV		0x10
#define FTP_FEAT_UTF8		0x20

struct ftp_client {
	struct ftp_client_params p;	/* strings stay the caller's */
	struct ftp_url	 url;
	struct ftp_reply reply;
	int		 state;
	int		 url_ok;
	unsigned	 feat;		/* FTP_FEAT_* */
	int		 feat_known;	/* FEAT answered 211 */
	int		 dir;		/* the target is a directory */
	int		 tried_dir;	/* CWD to the last segment tried */
	int		 dir_from_size;	/* ... because SIZE said 550 */
	int		 tried_pasv;
	int		 tried_active;

	/* Output of the last step. */
	char		 out[FTP_LINE_MAX + 8];
	size_t		 out_len;
	int		 close_data;
	uint16_t	 data_port;	/* CONNECT */
	struct addr	 pasv_addr;	/* what a 227 named, for the log */

	/* The outcome. */
	int		 status;	/* HTTP status */
	const char	*reason;	/* static */
	int		 ftp_code;	/* the reply that decided it, or 0 */
	int		 head_sent;
	int		 has_size;
	uint64_t	 size;
	int		 has_mtime;
	time_t		 mtime;
	uint64_t	 offset;	/* REST accepted */
	uint64_t	 body_len;	/* FTP_BODY_UNKNOWN if not known */
	uint64_t	 range_first;	/* 206: Content-Range */
	uint64_t	 range_last;
	enum ftp_list_kind list;	/* dir: what the data holds */
	int		 xfer_done;	/* 226 or 250 arrived */
	int		 data_done;	/* the data connection ended */
	uint64_t	 received;
};

/* ftp_client.c */
void	 ftp_client_init(struct ftp_client *, const struct ftp_client_params *);
/* Begin: WAIT for the greeting, or FAIL for a bad URL (400). */
enum ftp_step ftp_client_start(struct ftp_client *);
/*
 * Feed bytes from the control connection; *used is what was taken.
 * Returns WAIT once all whole lines are taken, or the step a reply led
 * to (call again with the rest of the buffer after acting on it).
 */
enum ftp_step ftp_client_feed(struct ftp_client *, const char *, size_t,
	    size_t *);
enum ftp_step ftp_client_data_open(struct ftp_client *);
enum ftp_step ftp_client_data_fail(struct ftp_client *, const char *);
enum ftp_step ftp_client_listening(struct ftp_client *, const struct addr *);
enum ftp_step ftp_client_data_end(struct ftp_client *, uint64_t);
/* Fail for a reason of the caller's (timeout: 504, connect: 502). */
enum ftp_step ftp_client_abort(struct ftp_client *, int, const char *);
/* Map an FTP reply code to an HTTP status, with a static reason. */
int	 ftp_http_status(int, int, const char **);

/*
 * The directory listing as a small HTML page. Every name is HTML-escaped
 * in the text (bytes that are not UTF-8 become U+FFFD) and percent-
 * encoded in the link, so the server's bytes can only ever be text.
 * Lines that parse as none of the known formats are shown, escaped,
 * without a link. "." and ".." are left out; "../" is linked unless the
 * listing is of the root.
 */
#define FTP_LIST_LINE_MAX	2048

struct ftp_entry {
	const char	*name;
	size_t		 name_len;
	const char	*target;	/* symlink target, or NULL */
	size_t		 target_len;
	int		 type;		/* 'd', 'f', 'l' or '?' */
	int		 has_size;
	uint64_t	 size;
	char		 date[24];	/* as listed, checked; "" if none */
};

typedef void	 ftp_emit_cb(void *, const char *, size_t);

struct ftp_listing {
	enum ftp_list_kind kind;
	ftp_emit_cb	*emit;
	void		*arg;
	char		 line[FTP_LIST_LINE_MAX + 1];
	size_t		 len;
	int		 overflow;	/* the current line is too long */
	int		 cr;		/* the last byte fed was CR */
	unsigned	 entries;
	unsigned	 lines;
};

/* ftp_list.c */
/*
 * Parse one listing line (no line end) of the given kind. Returns 1 for
 * an entry, 0 for a line to leave out ("total", ".", ".."), -1 if it is
 * not understood. e's strings point into line.
 */
int	 ftp_list_parse(enum ftp_list_kind, const char *, size_t,
	    struct ftp_entry *);
/*
 * Start a page: emit its head. title is the decoded path shown; base the
 * URL of the directory (ending in '/'), put in <base href>; either may
 * be NULL. root: leave out the "../" link.
 */
void	 ftp_listing_begin(struct ftp_listing *, enum ftp_list_kind,
	    ftp_emit_cb *, void *, const char *, const char *, int);
/* Feed listing bytes in any fragments; rows are emitted line by line. */
void	 ftp_listing_feed(struct ftp_listing *, const char *, size_t);
/* End the page (a last line without its line end counts). */
void	 ftp_listing_end(struct ftp_listing *);

#endif
