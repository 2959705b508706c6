/*
 * fuzz_ftp.c: libFuzzer target for the FTP command and reply parsers and
 * the data-address, login and URL codecs (lib/ftp.c, lib/ftp_addr.c),
 * checking their invariants on every input.
 *
 * The first input byte picks the limits (small ones reach the limit paths
 * with short inputs); the rest is tried as a command stream, as a reply
 * stream fed whole and in fragments, and as the argument of every codec.
 */
#include <sys/socket.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftp.h"
#include "fuzz.h"

static void	fuzz_commands(const char *, size_t, const struct ftp_limits *);
static int	fuzz_replies(const char *, size_t, const struct ftp_limits *,
		    size_t, int *, unsigned *);
static void	fuzz_codecs(const char *, size_t);
static void	fuzz_paths(const char *);
static void	fuzz_userinfo(const char *, size_t);
static void	fuzz_basic(const char *, size_t);

static const struct ftp_limits limits[] = {
	FTP_LIMITS_DEFAULT,
	{ 8, 8, 2, 20 },
	{ 40, 40, 5, 120 },
	{ 1, 4, 1, 6 },
};

static struct ftp_cmd	 cmd, cmd2;

/* Parse a stream of commands; check each result and its reparse. */
static void
fuzz_commands(const char *buf, size_t len, const struct ftp_limits *lim)
{
	char	 out[FTP_LINE_MAX + 16];
	size_t	 off = 0, i, max;
	int	 r, n;

	max = lim->max_line > FTP_LINE_MAX ? FTP_LINE_MAX : lim->max_line;
	while (off < len) {
		r = ftp_parse_command(&cmd, buf + off, len - off, lim);
		CHECK(r == FTP_DONE || r == FTP_MORE || r == FTP_ERROR);
		if (r == FTP_MORE) {
			CHECK(cmd.len == 0 && cmd.error == NULL);
			CHECK(len - off <= max + 3);
			return;
		}
		CHECK(cmd.len <= len - off);
		if (r == FTP_ERROR) {
			CHECK(cmd.error != NULL);
			CHECK(cmd.code == 500 || cmd.code == 501 ||
			    cmd.code == 502 || cmd.code == 504 ||
			    cmd.code == 522);
			if (cmd.len == 0)
				return;
			CHECK(buf[off + cmd.len - 1] == '\n');
			off += cmd.len;
			continue;
		}
		CHECK(cmd.error == NULL && cmd.code == 0);
		CHECK(cmd.len >= 5 && cmd.len <= max + 2);
		CHECK(buf[off + cmd.len - 2] == '\r' &&
		    buf[off + cmd.len - 1] == '\n');
		CHECK((unsigned)cmd.id < FTP_CMD_COUNT);
		CHECK(strcmp(cmd.verb, ftp_cmd_name(cmd.id)) == 0);
		CHECK(cmd.disp != FTP_D_REFUSE);
		CHECK(cmd.disp == ftp_cmd_disp(cmd.id));
		CHECK(strlen(cmd.arg) == cmd.arg_len);
		CHECK(cmd.has_arg == (cmd.arg_len > 0));
		for (i = 0; i < cmd.arg_len; i++)
			CHECK((unsigned char)cmd.arg[i] >= 0x20 &&
			    cmd.arg[i] != 0x7f);
		if (cmd.id == FTP_CMD_PORT || cmd.id == FTP_CMD_EPRT)
			CHECK((cmd.addr.af == AF_INET ||
			    cmd.addr.af == AF_INET6) && cmd.addr.port != 0);
		if (cmd.id == FTP_CMD_REST)
			CHECK(cmd.num < ((uint64_t)1 << 63));
		/* What we would send parses back to the same command. */
		n = ftp_cmd_format(out, sizeof out, cmd.verb,
		    cmd.has_arg ? cmd.arg : NULL);
		CHECK(n > 0);
		r = ftp_parse_command(&cmd2, out, (size_t)n, NULL);
		if (r == FTP_DONE) {
			CHECK(cmd2.id == cmd.id);
			CHECK(cmd2.arg_len == cmd.arg_len &&
			    memcmp(cmd2.arg, cmd.arg, cmd.arg_len) == 0);
		} else
			CHECK(r == FTP_ERROR &&
			    strcmp(cmd2.error, "command line too long") == 0);
		off += cmd.len;
	}
}

/*
 * Read a stream of replies in fragments of step bytes (0: at once);
 * return the last result, with the codes and line counts seen.
 */
static int
fuzz_replies(const char *buf, size_t len, const struct ftp_limits *lim,
    size_t step, int *codes, unsigned *nreplies)
{
	struct ftp_reply	 r;
	size_t			 off = 0, avail;
	int			 ret = FTP_MORE;

	*nreplies = 0;
	ftp_reply_init(&r, lim);
	avail = step == 0 ? len : 0;
	while (off < len) {
		if (step != 0 && avail < len)
			avail = avail + step > len ? len : avail + step;
		ret = ftp_reply_feed(&r, buf + off, avail - off);
		CHECK(ret == FTP_DONE || ret == FTP_LINE || ret == FTP_MORE ||
		    ret == FTP_ERROR);
		if (ret == FTP_ERROR) {
			CHECK(r.error != NULL);
			CHECK(ftp_reply_feed(&r, "200 x\r\n", 7) == FTP_ERROR);
			break;
		}
		if (ret == FTP_MORE) {
			CHECK(r.len == 0);
			if (avail == len)
				break;
			continue;
		}
		CHECK(r.len >= 2 && r.len <= avail - off);
		CHECK(r.line == buf + off && r.line_len + 2 == r.len);
		CHECK(memcmp(buf + off + r.line_len, "\r\n", 2) == 0);
		CHECK(memchr(r.line, '\0', r.line_len) == NULL);
		CHECK(r.line_len <= lim->max_reply_line);
		CHECK(r.code >= 100 && r.code <= 599);
		CHECK(r.nlines <= lim->max_reply_lines);
		CHECK(r.size <= lim->max_reply);
		CHECK(r.text >= r.line && r.text + r.text_len <=
		    r.line + r.line_len);
		if (ret == FTP_DONE) {
			if (*nreplies < 64)
				codes[*nreplies] = r.code;
			(*nreplies)++;
			if (r.multi)
				CHECK(r.nlines >= 2 && r.line[0] - '0' ==
				    r.code / 100);
		} else
			CHECK(r.multi);
		off += r.len;
	}
	return (ret);
}

/* Try the input as the argument of every codec. */
static void
fuzz_codecs(const char *buf, size_t len)
{
	struct addr		 a, b;
	struct ftp_login	 l;
	struct ftp_url		 u;
	const char		*cause;
	char			 s[FTP_LINE_MAX + 1], out[128];
	uint16_t		 port;
	uint64_t		 v;
	time_t			 t;
	int			 code, n;

	if (ftp_port_parse(buf, len, &a, &cause) == 0) {
		CHECK(a.af == AF_INET && a.port != 0);
		n = ftp_port_fmt(&a, out, sizeof out);
		CHECK(n > 0 && ftp_port_parse(out, (size_t)n, &b, &cause) == 0);
		CHECK(addr_eq(&a, &b) && a.port == b.port);
	}
	if (ftp_pasv_parse(buf, len, &a, &cause) == 0) {
		CHECK(a.af == AF_INET && a.port != 0);
		n = ftp_pasv_reply(&a, out, sizeof out);
		CHECK(n > 4 && ftp_pasv_parse(out + 4, (size_t)n - 4, &b,
		    &cause) == 0 && addr_eq(&a, &b) && a.port == b.port);
	} else
		CHECK(cause != NULL);
	if (ftp_eprt_parse(buf, len, &a, &code, &cause) == 0) {
		CHECK((a.af == AF_INET || a.af == AF_INET6) && a.port != 0);
		n = ftp_eprt_fmt(&a, out, sizeof out);
		CHECK(n > 0 && ftp_eprt_parse(out, (size_t)n, &b, &code,
		    &cause) == 0 && addr_eq(&a, &b) && a.port == b.port);
		CHECK(ftp_data_addr_check(&a, &a, &cause) == (a.port < 1024 ?
		    -1 : 0));
		CHECK(ftp_data_peer_check(&a, &a, &cause) == 0);
	} else
		CHECK(code == 501 || code == 522);
	if (ftp_epsv_parse(buf, len, &port, &cause) == 0) {
		CHECK(port != 0);
		n = ftp_epsv_reply(port, out, sizeof out);
		CHECK(n > 4 && ftp_epsv_parse(out + 4, (size_t)n - 4, &port,
		    &cause) == 0);
	}
	if (ftp_num_parse(buf, len, &v) == 0)
		CHECK(v < ((uint64_t)1 << 63) && len <= 19);
	if (ftp_mdtm_parse(buf, len, &t) == 0)
		CHECK(t >= 0);
	if (ftp_url_parse(buf, len, &u, &cause) == 0) {
		CHECK(strlen(u.dir) == u.dir_len);
		CHECK(strlen(u.leaf) == u.leaf_len);
		CHECK(u.leaf_len == 0 || !u.slash);
		CHECK(strpbrk(u.dir, "\r\n") == NULL);
		CHECK(strpbrk(u.leaf, "\r\n") == NULL);
	}
	if (len < sizeof s && memchr(buf, '\0', len) == NULL && len > 0) {
		memcpy(s, buf + 1, len - 1);
		s[len - 1] = '\0';
		if (ftp_login_split(s, buf[0], &l, &cause) == 0) {
			CHECK(l.user[0] != '\0' && l.host[0] != '\0');
			CHECK(l.port != 0);
			CHECK(strchr(l.host, buf[0]) == NULL);
			CHECK(l.af == 0 || l.af == AF_INET || l.af == AF_INET6);
		} else
			CHECK(cause != NULL);
		(void)ftp_feat_keep(s, len - 1, buf[0] & 1);
		fuzz_paths(s);
	}
	fuzz_userinfo(buf, len);
	fuzz_basic(buf, len);
}

/* Path resolution and the URLs written to the logs. */
static void
fuzz_paths(const char *s)
{
	static char	 p1[FTP_LINE_MAX + 2], p2[FTP_LINE_MAX + 2];
	static char	 url[2048];
	const char	*seg;
	size_t		 i, n;

	if (ftp_path_resolve("/pub/sub", s, p1, sizeof p1) == 0) {
		CHECK(p1[0] == '/');
		CHECK(strstr(p1, "//") == NULL);
		CHECK(strlen(p1) == 1 || p1[strlen(p1) - 1] != '/');
		for (seg = p1 + 1; *seg != '\0'; seg += n + (seg[n] == '/')) {
			n = strcspn(seg, "/");
			CHECK(n > 0);
			CHECK(!(n == 1 && seg[0] == '.'));
			CHECK(!(n == 2 && seg[0] == '.' && seg[1] == '.'));
		}
		/* Resolved once is resolved for good. */
		CHECK(ftp_path_resolve("/", p1, p2, sizeof p2) == 0);
		CHECK(strcmp(p1, p2) == 0);
	}
	n = ftp_url_format(url, sizeof url, s, "h.example", 0, 2121, s);
	CHECK(n == strlen(url) && n < sizeof url);
	CHECK(strncmp(url, "ftp://", 6) == 0);
	for (i = 0; i < n; i++)
		CHECK((unsigned char)url[i] > 0x20 &&
		    (unsigned char)url[i] < 0x7f && url[i] != '"');
}

/* An ftp:// userinfo: decoded, never a byte that ends a command. */
static void
fuzz_userinfo(const char *buf, size_t len)
{
	static char	 user[FTP_LINE_MAX + 1], pass[FTP_LINE_MAX + 1];
	const char	*cause = NULL;
	size_t		 i;
	int		 has;

	if (ftp_userinfo_decode(buf, len, user, pass, &has, &cause) == -1) {
		CHECK(cause != NULL);
		return;
	}
	CHECK(user[0] != '\0');
	CHECK(has || pass[0] == '\0');
	CHECK(has == (memchr(buf, ':', len) != NULL));
	for (i = 0; user[i] != '\0'; i++)
		CHECK((unsigned char)user[i] >= 0x20 && user[i] != 0x7f);
	for (i = 0; pass[i] != '\0'; i++)
		CHECK((unsigned char)pass[i] >= 0x20 && pass[i] != 0x7f);
}

/* Authorization: Basic, whatever follows "Basic ". */
static void
fuzz_basic(const char *buf, size_t len)
{
	static char	 v[FTP_LINE_MAX * 3], user[FTP_LINE_MAX + 1];
	static char	 pass[FTP_LINE_MAX + 1];
	const char	*cause = NULL;
	size_t		 i;

	if (len + 6 > sizeof v)
		return;
	memcpy(v, "Basic ", 6);
	memcpy(v + 6, buf, len);
	if (ftp_basic_decode(v, len + 6, user, pass, &cause) == -1) {
		CHECK(cause != NULL);
		return;
	}
	CHECK(user[0] != '\0' && strchr(user, ':') == NULL);
	for (i = 0; user[i] != '\0'; i++)
		CHECK((unsigned char)user[i] >= 0x20 && user[i] != 0x7f);
	for (i = 0; pass[i] != '\0'; i++)
		CHECK((unsigned char)pass[i] >= 0x20 && pass[i] != 0x7f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t		 steps[] = { 1, 2, 3, 7, 64 };
	const struct ftp_limits		*lim;
	const char			*buf;
	size_t				 len, i;
	int				 r, r2, codes[64], codes2[64];
	unsigned			 n, n2;

	if (size < 1)
		return (0);
	lim = &limits[data[0] % (sizeof limits / sizeof limits[0])];
	buf = (const char *)data + 1;
	len = size - 1;

	fuzz_commands(buf, len, lim);
	r = fuzz_replies(buf, len, lim, 0, codes, &n);
	for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		r2 = fuzz_replies(buf, len, lim, steps[i], codes2, &n2);
		CHECK(n2 == n);
		CHECK(memcmp(codes, codes2, sizeof codes[0] *
		    (n < 64 ? n : 64)) == 0);
		CHECK((r == FTP_ERROR) == (r2 == FTP_ERROR));
	}
	fuzz_codecs(buf, len);
	return (0);
}
