/* test_lib_ftp.c: the FTP command and reply parsers and the codecs. */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ftp.h"
#include "unit.h"

static struct ftp_cmd	 cmd;

static int	cmdn(const char *, size_t);
static int	cmds(const char *);
static int	reply_all(struct ftp_reply *, const char *, unsigned *);
static int	addr_is(const struct addr *, const char *, unsigned);

/* Parse a command of explicit length with the default limits. */
static int
cmdn(const char *s, size_t n)
{
	return (ftp_parse_command(&cmd, s, n, NULL));
}

static int
cmds(const char *s)
{
	return (cmdn(s, strlen(s)));
}

/*
 * Feed a whole reply line by line; return the last result and count the
 * FTP_LINE results in *lines.
 */
static int
reply_all(struct ftp_reply *r, const char *s, unsigned *lines)
{
	size_t	 off = 0, n = strlen(s);
	int	 ret = FTP_MORE;

	*lines = 0;
	while (off < n) {
		ret = ftp_reply_feed(r, s + off, n - off);
		if (ret == FTP_LINE)
			(*lines)++;
		if (ret != FTP_LINE && ret != FTP_DONE)
			break;
		off += r->len;
		if (ret == FTP_DONE)
			break;
	}
	return (ret);
}

/* Tell whether a is the IPv4 or IPv6 literal s with port. */
static int
addr_is(const struct addr *a, const char *s, unsigned port)
{
	struct addr	 b;
	const char	*cause;

	if (addr_parse(s, &b, &cause) == -1)
		return (0);
	b.port = (uint16_t)port;
	return (addr_eq(a, &b) && a->port == port);
}

static void
test_ftp_cmd_table_order(void)
{
	unsigned	 i;

	/* The table must follow the enum, or every id would be off. */
	for (i = 0; i < FTP_CMD_COUNT; i++)
		CU_ASSERT_EQUAL(ftp_cmd_lookup(ftp_cmd_name(i),
		    strlen(ftp_cmd_name(i))), (int)i);
	CU_ASSERT_EQUAL(ftp_cmd_lookup("retr", 4), FTP_CMD_RETR);
	CU_ASSERT_EQUAL(ftp_cmd_lookup("RET", 3), -1);
	CU_ASSERT_EQUAL(ftp_cmd_lookup("RETRR", 5), -1);
	CU_ASSERT_STRING_EQUAL(ftp_cmd_name(FTP_CMD_COUNT), "?");
	CU_ASSERT_EQUAL(ftp_cmd_disp(FTP_CMD_PASV), FTP_D_DATA);
	CU_ASSERT_EQUAL(ftp_cmd_disp(FTP_CMD_EPRT), FTP_D_DATA);
	CU_ASSERT_EQUAL(ftp_cmd_disp(FTP_CMD_RETR), FTP_D_XFER);
	CU_ASSERT_EQUAL(ftp_cmd_disp(FTP_CMD_MLSD), FTP_D_XFER);
	CU_ASSERT_EQUAL(ftp_cmd_disp(FTP_CMD_USER), FTP_D_LOGIN);
	CU_ASSERT_EQUAL(ftp_cmd_disp(FTP_CMD_AUTH), FTP_D_AUTH);
	CU_ASSERT_EQUAL(ftp_cmd_disp(FTP_CMD_FEAT), FTP_D_FEAT);
	CU_ASSERT_EQUAL(ftp_cmd_disp(FTP_CMD_CWD), FTP_D_RELAY);
	CU_ASSERT_EQUAL(ftp_cmd_disp(FTP_CMD_REIN), FTP_D_REFUSE);
}

static void
test_ftp_parse_command_basic(void)
{
	CU_ASSERT_EQUAL(cmds("RETR file.txt\r\n"), FTP_DONE);
	CU_ASSERT_EQUAL(cmd.id, FTP_CMD_RETR);
	CU_ASSERT_STRING_EQUAL(cmd.verb, "RETR");
	CU_ASSERT_EQUAL(cmd.disp, FTP_D_XFER);
	CU_ASSERT(cmd.has_arg);
	CU_ASSERT_STRING_EQUAL(cmd.arg, "file.txt");
	CU_ASSERT_EQUAL(cmd.arg_len, 8);
	CU_ASSERT_EQUAL(cmd.len, 15);
	CU_ASSERT_PTR_NULL(cmd.error);

	/* Any case; only the first command of the buffer is taken. */
	CU_ASSERT_EQUAL(cmds("noop\r\nQUIT\r\n"), FTP_DONE);
	CU_ASSERT_EQUAL(cmd.id, FTP_CMD_NOOP);
	CU_ASSERT_STRING_EQUAL(cmd.verb, "NOOP");
	CU_ASSERT_EQUAL(cmd.len, 6);
	CU_ASSERT(!cmd.has_arg);
	CU_ASSERT_EQUAL(cmds("Cwd /pub\r\n"), FTP_DONE);
	CU_ASSERT_EQUAL(cmd.id, FTP_CMD_CWD);

	/* A path with spaces, and a leading space, is the argument. */
	CU_ASSERT_EQUAL(cmds("STOR my file.txt\r\n"), FTP_DONE);
	CU_ASSERT_STRING_EQUAL(cmd.arg, "my file.txt");
	CU_ASSERT_EQUAL(cmds("RETR  lead\r\n"), FTP_DONE);
	CU_ASSERT_STRING_EQUAL(cmd.arg, " lead");
	/* Non-ASCII (UTF-8 or legacy) paths pass. */
	CU_ASSERT_EQUAL(cmds("RETR caf\xc3\xa9 \xe9t\xe9\r\n"), FTP_DONE);
	CU_ASSERT_STRING_EQUAL(cmd.arg, "caf\xc3\xa9 \xe9t\xe9");
}

static void
test_ftp_parse_command_more(void)
{
	CU_ASSERT_EQUAL(cmds(""), FTP_MORE);
	CU_ASSERT_EQUAL(cmds("RETR fi"), FTP_MORE);
	CU_ASSERT_EQUAL(cmds("RETR x\r"), FTP_MORE);
	CU_ASSERT_EQUAL(cmd.len, 0);
	CU_ASSERT_EQUAL(cmdn("\xff", 1), FTP_MORE);
	CU_ASSERT_EQUAL(cmdn("\xff\xfb", 2), FTP_MORE);
	CU_ASSERT_EQUAL(cmdn("\xff\xf4", 2), FTP_MORE);
	CU_ASSERT(!cmd.sync);
}

static void
test_ftp_parse_command_line_ends(void)
{
	/* Bare LF: refused, and the line can be skipped. */
	CU_ASSERT_EQUAL(cmds("NOOP\nQUIT\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmd.code, 500);
	CU_ASSERT_STRING_EQUAL(cmd.error, "bare LF in command");
	CU_ASSERT_EQUAL(cmd.len, 5);
	/* Bare CR inside a line. */
	CU_ASSERT_EQUAL(cmds("RETR a\rDELE b\r\n"), FTP_ERROR);
	CU_ASSERT_STRING_EQUAL(cmd.error, "bare CR in command");
	CU_ASSERT_EQUAL(cmd.len, 15);
	/* CR CR LF: the first CR is bare. */
	CU_ASSERT_EQUAL(cmds("NOOP\r\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmd.len, 7);
	CU_ASSERT_EQUAL(cmds("\r\n"), FTP_ERROR);
	CU_ASSERT_STRING_EQUAL(cmd.error, "empty command line");
	CU_ASSERT_EQUAL(cmd.len, 2);
}

static void
test_ftp_parse_command_controls(void)
{
	CU_ASSERT_EQUAL(cmdn("RETR a\0b\r\n", 10), FTP_ERROR);
	CU_ASSERT_EQUAL(cmd.code, 500);
	CU_ASSERT_STRING_EQUAL(cmd.error, "control character in command");
	CU_ASSERT_EQUAL(cmd.len, 10);
	CU_ASSERT_EQUAL(cmds("RETR a\tb\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmds("RETR a\x1b[2Jb\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmds("RETR a\x7f\r\n"), FTP_ERROR);
}

static void
test_ftp_parse_command_too_long(void)
{
	struct ftp_limits	 lim = { 10, 100, 10, 1000 };
	char			 buf[FTP_LINE_MAX + 16];

	memset(buf, 'a', sizeof buf);
	memcpy(buf, "RETR ", 5);
	/* 512 bytes before CRLF are fine, 513 are not. */
	memcpy(buf + 512, "\r\n", 2);
	CU_ASSERT_EQUAL(cmdn(buf, 514), FTP_DONE);
	CU_ASSERT_EQUAL(cmd.arg_len, 507);
	memset(buf, 'a', sizeof buf);
	memcpy(buf, "RETR ", 5);
	memcpy(buf + 513, "\r\n", 2);
	CU_ASSERT_EQUAL(cmdn(buf, 515), FTP_ERROR);
	CU_ASSERT_STRING_EQUAL(cmd.error, "command line too long");
	CU_ASSERT_EQUAL(cmd.len, 0);
	/* No CRLF in reach: an error, not a wait. */
	CU_ASSERT_EQUAL(cmdn(buf, 600), FTP_ERROR);
	CU_ASSERT_EQUAL(cmdn(buf, 513), FTP_ERROR);
	CU_ASSERT_EQUAL(cmdn(buf, 512), FTP_MORE);

	CU_ASSERT_EQUAL(ftp_parse_command(&cmd, "RETR 12345\r\n", 12, &lim),
	    FTP_DONE);
	CU_ASSERT_EQUAL(ftp_parse_command(&cmd, "RETR 123456\r\n", 13, &lim),
	    FTP_ERROR);
	CU_ASSERT_EQUAL(ftp_parse_command(&cmd, "RETR 12345\r", 11, &lim),
	    FTP_MORE);
	/* A limit above FTP_LINE_MAX is capped. */
	lim.max_line = 1 << 20;
	memset(buf, 'a', sizeof buf);
	memcpy(buf, "RETR ", 5);
	memcpy(buf + FTP_LINE_MAX + 1, "\r\n", 2);
	CU_ASSERT_EQUAL(ftp_parse_command(&cmd, buf, FTP_LINE_MAX + 3, &lim),
	    FTP_ERROR);
}

static void
test_ftp_parse_command_unknown_refused(void)
{
	CU_ASSERT_EQUAL(cmds("XYZZ\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmd.code, 500);
	CU_ASSERT_STRING_EQUAL(cmd.error, "unknown command");
	CU_ASSERT_EQUAL(cmds("RETRIEVE x\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmd.code, 500);
	CU_ASSERT_EQUAL(cmds("RET1 x\r\n"), FTP_ERROR);
	CU_ASSERT_STRING_EQUAL(cmd.error, "syntax error in command");
	CU_ASSERT_EQUAL(cmds(" RETR x\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmds("GET / HTTP/1.1\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmd.code, 500);

	CU_ASSERT_EQUAL(cmds("REIN\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmd.code, 502);
	CU_ASSERT_EQUAL(cmd.id, FTP_CMD_REIN);
	CU_ASSERT_EQUAL(cmds("HOST ftp.example.com\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmd.code, 502);
	CU_ASSERT_EQUAL(cmds("ADAT abc\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmd.code, 502);
	CU_ASSERT_EQUAL(cmds("mic x\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmd.code, 502);
}

static void
test_ftp_parse_command_args(void)
{
	CU_ASSERT_EQUAL(cmds("PWD x\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmd.code, 501);
	CU_ASSERT_STRING_EQUAL(cmd.error, "command takes no argument");
	CU_ASSERT_EQUAL(cmds("RETR\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmd.code, 501);
	CU_ASSERT_STRING_EQUAL(cmd.error, "missing argument");
	/* "VERB SP" alone is no argument. */
	CU_ASSERT_EQUAL(cmds("RETR \r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmd.code, 501);
	CU_ASSERT_EQUAL(cmds("PWD \r\n"), FTP_DONE);
	CU_ASSERT_EQUAL(cmds("LIST\r\n"), FTP_DONE);
	CU_ASSERT_EQUAL(cmds("LIST -la\r\n"), FTP_DONE);
	CU_ASSERT_STRING_EQUAL(cmd.arg, "-la");
	CU_ASSERT_EQUAL(cmds("PASS\r\n"), FTP_DONE);
	CU_ASSERT_EQUAL(cmds("PASS s3cr et\r\n"), FTP_DONE);
	CU_ASSERT_STRING_EQUAL(cmd.arg, "s3cr et");
	CU_ASSERT_EQUAL(cmds("AUTH TLS\r\n"), FTP_DONE);
	CU_ASSERT_EQUAL(cmd.disp, FTP_D_AUTH);
	CU_ASSERT_EQUAL(cmds("AUTH TLS x\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmd.code, 501);
	CU_ASSERT_EQUAL(cmds("PBSZ 0\r\n"), FTP_DONE);
	CU_ASSERT_EQUAL(cmds("PBSZ 4294967296\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmds("PROT p\r\n"), FTP_DONE);
	CU_ASSERT_EQUAL(cmd.param, 'P');
	CU_ASSERT_EQUAL(cmds("PROT X\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmds("MODE S\r\n"), FTP_DONE);
	CU_ASSERT_EQUAL(cmds("MODE Z\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmds("STRU f\r\n"), FTP_DONE);
	CU_ASSERT_EQUAL(cmd.param, 'F');
	CU_ASSERT_EQUAL(cmds("STRU FF\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmds("ALLO 1000\r\n"), FTP_DONE);
	CU_ASSERT_EQUAL(cmd.num, 1000);
	CU_ASSERT_EQUAL(cmds("ALLO 1000 R 512\r\n"), FTP_DONE);
	CU_ASSERT_EQUAL(cmds("ALLO 1000 R\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmds("ALLO x\r\n"), FTP_ERROR);
}

static void
test_ftp_parse_command_type(void)
{
	CU_ASSERT_EQUAL(cmds("TYPE I\r\n"), FTP_DONE);
	CU_ASSERT_EQUAL(cmd.param, 'I');
	CU_ASSERT_EQUAL(cmds("type a\r\n"), FTP_DONE);
	CU_ASSERT_EQUAL(cmd.param, 'A');
	CU_ASSERT_EQUAL(cmds("TYPE A N\r\n"), FTP_DONE);
	CU_ASSERT_EQUAL(cmds("TYPE E c\r\n"), FTP_DONE);
	CU_ASSERT_EQUAL(cmds("TYPE L 8\r\n"), FTP_DONE);
	CU_ASSERT_EQUAL(cmd.param, 'L');
	CU_ASSERT_EQUAL(cmds("TYPE L 7\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmd.code, 504);
	CU_ASSERT_EQUAL(cmds("TYPE X\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmd.code, 501);
	CU_ASSERT_EQUAL(cmds("TYPE I N\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmds("TYPE A X\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmds("TYPE\r\n"), FTP_ERROR);
}

static void
test_ftp_parse_command_rest(void)
{
	CU_ASSERT_EQUAL(cmds("REST 0\r\n"), FTP_DONE);
	CU_ASSERT_EQUAL(cmd.num, 0);
	CU_ASSERT_EQUAL(cmds("REST 9223372036854775807\r\n"), FTP_DONE);
	CU_ASSERT_EQUAL(cmd.num, INT64_MAX);
	CU_ASSERT_EQUAL(cmds("REST 9223372036854775808\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmd.code, 501);
	CU_ASSERT_EQUAL(cmds("REST -1\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmds("REST 1 \r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmds("REST +1\r\n"), FTP_ERROR);
}

static void
test_ftp_parse_command_epsv(void)
{
	CU_ASSERT_EQUAL(cmds("EPSV\r\n"), FTP_DONE);
	CU_ASSERT_EQUAL(cmd.epsv, 0);
	CU_ASSERT_EQUAL(cmds("EPSV 1\r\n"), FTP_DONE);
	CU_ASSERT_EQUAL(cmd.epsv, 1);
	CU_ASSERT_EQUAL(cmds("EPSV 2\r\n"), FTP_DONE);
	CU_ASSERT_EQUAL(cmd.epsv, 2);
	CU_ASSERT_EQUAL(cmds("epsv all\r\n"), FTP_DONE);
	CU_ASSERT_EQUAL(cmd.epsv, FTP_EPSV_ALL);
	CU_ASSERT_EQUAL(cmds("EPSV 3\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmd.code, 522);
	CU_ASSERT_EQUAL(cmds("EPSV x\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmd.code, 501);
	CU_ASSERT_EQUAL(cmds("PASV\r\n"), FTP_DONE);
	CU_ASSERT_EQUAL(cmds("PASV 1\r\n"), FTP_ERROR);
}

static void
test_ftp_parse_command_port(void)
{
	CU_ASSERT_EQUAL(cmds("PORT 198,18,0,11,4,1\r\n"), FTP_DONE);
	CU_ASSERT(addr_is(&cmd.addr, "198.18.0.11", 1025));
	CU_ASSERT_EQUAL(cmds("PORT 198,18,0,11,255,255\r\n"), FTP_DONE);
	CU_ASSERT_EQUAL(cmd.addr.port, 65535);
	CU_ASSERT_EQUAL(cmds("PORT 198,018,000,011,4,1\r\n"), FTP_DONE);
	CU_ASSERT(addr_is(&cmd.addr, "198.18.0.11", 1025));
	CU_ASSERT_EQUAL(cmds("PORT 198,18,0,11,0,0\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmd.code, 501);
	CU_ASSERT_STRING_EQUAL(cmd.error, "data port 0");
	CU_ASSERT_EQUAL(cmds("PORT 256,18,0,11,4,1\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmds("PORT 198,18,0,11,4,256\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmds("PORT 198,18,0,11,4\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmds("PORT 198,18,0,11,4,1,2\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmds("PORT 198,18,0,11,4,1,\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmds("PORT 198, 18,0,11,4,1\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmds("PORT 1198,18,0,11,4,1\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmds("PORT 198,18,,11,4,1\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmds("PORT -1,18,0,11,4,1\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmds("PORT\r\n"), FTP_ERROR);
}

static void
test_ftp_parse_command_eprt(void)
{
	CU_ASSERT_EQUAL(cmds("EPRT |1|198.18.0.11|1025|\r\n"), FTP_DONE);
	CU_ASSERT(addr_is(&cmd.addr, "198.18.0.11", 1025));
	CU_ASSERT_EQUAL(cmds("EPRT |2|2001:2::11|6446|\r\n"), FTP_DONE);
	CU_ASSERT_EQUAL(cmd.addr.af, AF_INET6);
	CU_ASSERT(addr_is(&cmd.addr, "2001:2::11", 6446));
	/* Any delimiter from 33 to 126 (RFC 2428 section 2). */
	CU_ASSERT_EQUAL(cmds("EPRT !1!198.18.0.11!5000!\r\n"), FTP_DONE);
	CU_ASSERT_EQUAL(cmds("EPRT |3|198.18.0.11|5000|\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmd.code, 522);
	CU_ASSERT_EQUAL(cmds("EPRT |x|198.18.0.11|5000|\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmd.code, 501);
	CU_ASSERT_EQUAL(cmds("EPRT |1|::1|5000|\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmd.code, 501);
	CU_ASSERT_EQUAL(cmds("EPRT |2|198.18.0.11|5000|\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmds("EPRT |1|198.18.0.11|0|\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmds("EPRT |1|198.18.0.11|65536|\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmds("EPRT |1|198.18.0.11|123456|\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmds("EPRT |1|198.18.0.011|5000|\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmds("EPRT |1|198.18.1|5000|\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmds("EPRT |2|fe80::1%eth0|5000|\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmds("EPRT |1|198.18.0.11|5000\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmds("EPRT |1|198.18.0.11|5000|x\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmds("EPRT |1||5000|\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmds("EPRT |1|198.18.0.11||\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmds("EPRT  1 198.18.0.11 5000 \r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmds("EPRT |1|198.18.0.11|5000|5|\r\n"), FTP_ERROR);
}

static void
test_ftp_parse_command_telnet(void)
{
	/* The Synch before ABOR: IAC IP IAC DM. */
	CU_ASSERT_EQUAL(cmds("\xff\xf4\xff\xf2" "ABOR\r\n"), FTP_DONE);
	CU_ASSERT_EQUAL(cmd.id, FTP_CMD_ABOR);
	CU_ASSERT(cmd.sync);
	CU_ASSERT_EQUAL(cmd.len, 10);
	/* ... with the DM taken out of the stream as urgent data. */
	CU_ASSERT_EQUAL(cmds("\xff\xf4\xff" "ABOR\r\n"), FTP_DONE);
	CU_ASSERT_EQUAL(cmd.id, FTP_CMD_ABOR);
	CU_ASSERT(cmd.sync);
	/* IAC IAC is a 0xFF in a path (RFC 2640). */
	CU_ASSERT_EQUAL(cmds("RETR a\xff\xff" "b\r\n"), FTP_DONE);
	CU_ASSERT_STRING_EQUAL(cmd.arg, "a\xff" "b");
	CU_ASSERT(!cmd.sync);
	/* NOP and option negotiation are dropped. */
	CU_ASSERT_EQUAL(cmds("NO\xff\xf1OP\r\n"), FTP_DONE);
	CU_ASSERT_EQUAL(cmd.id, FTP_CMD_NOOP);
	CU_ASSERT_EQUAL(cmds("\xff\xfb\x01NOOP\r\n"), FTP_DONE);
	CU_ASSERT_EQUAL(cmds("\xff\xfd\rNOOP\r\n"), FTP_DONE);
	CU_ASSERT_EQUAL(cmd.id, FTP_CMD_NOOP);
	/* EC would edit the line; a lone IAC means nothing. */
	CU_ASSERT_EQUAL(cmds("RETR ab\xff\xf7" "c\r\n"), FTP_ERROR);
	CU_ASSERT_STRING_EQUAL(cmd.error, "unsupported Telnet command");
	CU_ASSERT_EQUAL(cmd.len, 12);
	CU_ASSERT_EQUAL(cmds("RETR \xff" "a\r\n"), FTP_ERROR);
	CU_ASSERT_EQUAL(cmds("\xff\xfa\x18\x01\xff\xf0NOOP\r\n"), FTP_ERROR);
}

static void
test_ftp_cmd_format(void)
{
	char	 buf[32];

	CU_ASSERT_EQUAL(ftp_cmd_format(buf, sizeof buf, "RETR", "a b"), 10);
	CU_ASSERT_STRING_EQUAL(buf, "RETR a b\r\n");
	CU_ASSERT_EQUAL(ftp_cmd_format(buf, sizeof buf, "PASV", NULL), 6);
	CU_ASSERT_STRING_EQUAL(buf, "PASV\r\n");
	CU_ASSERT_EQUAL(ftp_cmd_format(buf, sizeof buf, "RETR", "a\xff" "b"),
	    11);
	CU_ASSERT_STRING_EQUAL(buf, "RETR a\xff\xff" "b\r\n");
	CU_ASSERT_EQUAL(ftp_cmd_format(buf, sizeof buf, "RETR", "a\r\nDELE b"),
	    -1);
	CU_ASSERT_EQUAL(ftp_cmd_format(buf, sizeof buf, "RETR", "a\nb"), -1);
	CU_ASSERT_EQUAL(ftp_cmd_format(buf, 10, "RETR", "abc"), -1);
	CU_ASSERT_EQUAL(ftp_cmd_format(buf, 11, "RETR", "abc"), 10);
	/* What it writes parses back to the same command. */
	CU_ASSERT_EQUAL(ftp_cmd_format(buf, sizeof buf, "STOR", "x\xffy"), 11);
	CU_ASSERT_EQUAL(cmds(buf), FTP_DONE);
	CU_ASSERT_STRING_EQUAL(cmd.arg, "x\xffy");
}

static void
test_ftp_reply_single(void)
{
	struct ftp_reply	 r;
	unsigned		 lines;

	ftp_reply_init(&r, NULL);
	CU_ASSERT_EQUAL(ftp_reply_feed(&r, "220 (vsFTPd 3.0.3)\r\n", 20),
	    FTP_DONE);
	CU_ASSERT_EQUAL(r.code, 220);
	CU_ASSERT_EQUAL(r.len, 20);
	CU_ASSERT_EQUAL(r.text_len, 14);
	CU_ASSERT(memcmp(r.text, "(vsFTPd 3.0.3)", 14) == 0);
	CU_ASSERT(!r.multi);
	/* The next reply starts by itself. */
	CU_ASSERT_EQUAL(reply_all(&r, "331 Please specify the password.\r\n",
	    &lines), FTP_DONE);
	CU_ASSERT_EQUAL(r.code, 331);
	CU_ASSERT_EQUAL(r.nlines, 1);
	/* The code alone. */
	CU_ASSERT_EQUAL(reply_all(&r, "200\r\n", &lines), FTP_DONE);
	CU_ASSERT_EQUAL(r.code, 200);
	CU_ASSERT_EQUAL(r.text_len, 0);
	/* Not yet whole. */
	ftp_reply_init(&r, NULL);
	CU_ASSERT_EQUAL(ftp_reply_feed(&r, "220 hi", 6), FTP_MORE);
	CU_ASSERT_EQUAL(ftp_reply_feed(&r, "220 hi\r", 7), FTP_MORE);
	CU_ASSERT_EQUAL(ftp_reply_feed(&r, "", 0), FTP_MORE);
	CU_ASSERT_EQUAL(r.len, 0);
	CU_ASSERT_EQUAL(ftp_reply_feed(&r, "220 hi\r\n", 8), FTP_DONE);
}

static void
test_ftp_reply_multi(void)
{
	struct ftp_reply	 r;
	unsigned		 lines;
	const char		*pure =
	    "220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\r\n"
	    "220-You are user number 1 of 50 allowed.\r\n"
	    "220-Local time is now 14:02. Server port: 21.\r\n"
	    "220-IPv6 connections are also welcome on this server.\r\n"
	    "220 You will be disconnected after 15 minutes of inactivity.\r\n";
	const char		*rfc =
	    "123-First line\r\n"
	    "Second line\r\n"
	    "  234 A line beginning with numbers\r\n"
	    "234 Another code, so not the end\r\n"
	    "123-still going\r\n"
	    "123 The last line\r\n"
	    "200 next\r\n";

	ftp_reply_init(&r, NULL);
	CU_ASSERT_EQUAL(reply_all(&r, pure, &lines), FTP_DONE);
	CU_ASSERT_EQUAL(r.code, 220);
	CU_ASSERT(r.multi);
	CU_ASSERT_EQUAL(lines, 4);
	CU_ASSERT_EQUAL(r.nlines, 5);
	CU_ASSERT_EQUAL(r.size, strlen(pure));
	CU_ASSERT_EQUAL(r.text_len, strlen("You will be disconnected after 15 "
	    "minutes of inactivity."));

	ftp_reply_init(&r, NULL);
	CU_ASSERT_EQUAL(reply_all(&r, rfc, &lines), FTP_DONE);
	CU_ASSERT_EQUAL(r.code, 123);
	CU_ASSERT_EQUAL(r.nlines, 6);
	CU_ASSERT_EQUAL(r.text_len, 13);
	CU_ASSERT(memcmp(r.text, "The last line", 13) == 0);

	/* A final line of the code alone. */
	ftp_reply_init(&r, NULL);
	CU_ASSERT_EQUAL(reply_all(&r, "211-Features:\r\n EPSV\r\n211\r\n",
	    &lines), FTP_DONE);
	CU_ASSERT_EQUAL(r.nlines, 3);

	/* Inner lines: r->line is the whole line, text without the code. */
	ftp_reply_init(&r, NULL);
	CU_ASSERT_EQUAL(ftp_reply_feed(&r, "211-Features:\r\n", 15), FTP_LINE);
	CU_ASSERT_EQUAL(r.text_len, 9);
	CU_ASSERT_EQUAL(ftp_reply_feed(&r, " MLST size*;\r\n", 14), FTP_LINE);
	CU_ASSERT_EQUAL(r.line_len, 12);
	CU_ASSERT(memcmp(r.text, " MLST size*;", 12) == 0);
	CU_ASSERT_EQUAL(ftp_reply_feed(&r, "211 End\r\n", 9), FTP_DONE);
}

static void
test_ftp_reply_malformed(void)
{
	static const char *const bad[] = {
		"22 x\r\n", "2200 x\r\n", "620 x\r\n", "020 x\r\n",
		"220x\r\n", "abc\r\n", "\r\n", "2a0 x\r\n", "220 x\n",
		"220 x\ry\r\n", NULL
	};
	struct ftp_reply	 r;
	unsigned		 i;

	for (i = 0; bad[i] != NULL; i++) {
		ftp_reply_init(&r, NULL);
		CU_ASSERT_EQUAL(ftp_reply_feed(&r, bad[i], strlen(bad[i])),
		    FTP_ERROR);
		CU_ASSERT_PTR_NOT_NULL(r.error);
	}
	ftp_reply_init(&r, NULL);
	CU_ASSERT_EQUAL(ftp_reply_feed(&r, "220 a\0b\r\n", 9), FTP_ERROR);
	CU_ASSERT_STRING_EQUAL(r.error, "NUL in reply");
	/* Errors stick. */
	CU_ASSERT_EQUAL(ftp_reply_feed(&r, "220 ok\r\n", 8), FTP_ERROR);
	/* A bad line inside a multi-line reply. */
	ftp_reply_init(&r, NULL);
	CU_ASSERT_EQUAL(ftp_reply_feed(&r, "220-a\r\n", 7), FTP_LINE);
	CU_ASSERT_EQUAL(ftp_reply_feed(&r, "b\nc\r\n", 5), FTP_ERROR);
	CU_ASSERT_STRING_EQUAL(r.error, "bare LF in reply");
}

static void
test_ftp_reply_limits(void)
{
	struct ftp_limits	 lim = { 512, 20, 3, 60 };
	struct ftp_reply	 r;
	unsigned		 lines;
	char			 big[FTP_LINE_MAX + 16];

	ftp_reply_init(&r, &lim);
	CU_ASSERT_EQUAL(reply_all(&r, "220 1234567890123456\r\n", &lines),
	    FTP_DONE);
	ftp_reply_init(&r, &lim);
	CU_ASSERT_EQUAL(reply_all(&r, "220 12345678901234567\r\n", &lines),
	    FTP_ERROR);
	CU_ASSERT_STRING_EQUAL(r.error, "reply line too long");
	/* Too long is known before the CRLF arrives. */
	ftp_reply_init(&r, &lim);
	CU_ASSERT_EQUAL(ftp_reply_feed(&r, "220 1234567890123456789012", 26),
	    FTP_ERROR);
	ftp_reply_init(&r, &lim);
	CU_ASSERT_EQUAL(ftp_reply_feed(&r, "220 1234567890123456", 20),
	    FTP_MORE);
	CU_ASSERT_EQUAL(ftp_reply_feed(&r, "220 1234567890123456\r", 21),
	    FTP_MORE);
	ftp_reply_init(&r, &lim);
	CU_ASSERT_EQUAL(reply_all(&r, "220-a\r\nb\r\nc\r\n220 d\r\n", &lines),
	    FTP_ERROR);
	CU_ASSERT_STRING_EQUAL(r.error, "too many lines in reply");
	ftp_reply_init(&r, &lim);
	CU_ASSERT_EQUAL(reply_all(&r, "220-aaaaaaaaaaaaaaaa\r\n"
	    "bbbbbbbbbbbbbbbbbbbb\r\n220 cccccccccccccccc\r\n", &lines),
	    FTP_ERROR);
	CU_ASSERT_STRING_EQUAL(r.error, "reply too large");
	/* The default limit is capped at FTP_LINE_MAX. */
	lim.max_reply_line = 1 << 20;
	lim.max_reply = 1 << 20;
	ftp_reply_init(&r, &lim);
	memset(big, 'x', sizeof big);
	memcpy(big, "220 ", 4);
	CU_ASSERT_EQUAL(ftp_reply_feed(&r, big, sizeof big), FTP_ERROR);
}

static void
test_ftp_feat_keep(void)
{
	CU_ASSERT_EQUAL(ftp_feat_keep(" AUTH TLS", 9, 0), 0);
	CU_ASSERT_EQUAL(ftp_feat_keep(" AUTH TLS", 9, 1), 1);
	CU_ASSERT_EQUAL(ftp_feat_keep(" PBSZ", 5, 0), 0);
	CU_ASSERT_EQUAL(ftp_feat_keep(" prot", 5, 0), 0);
	CU_ASSERT_EQUAL(ftp_feat_keep(" CCC", 4, 0), 0);
	CU_ASSERT_EQUAL(ftp_feat_keep(" HOST", 5, 1), 0);
	CU_ASSERT_EQUAL(ftp_feat_keep(" EPSV", 5, 0), 1);
	CU_ASSERT_EQUAL(ftp_feat_keep(" MLST type*;size*;", 18, 0), 1);
	CU_ASSERT_EQUAL(ftp_feat_keep(" REST STREAM", 12, 0), 1);
	CU_ASSERT_EQUAL(ftp_feat_keep(" UTF8", 5, 0), 1);
	CU_ASSERT_EQUAL(ftp_feat_keep("", 0, 0), 1);
}

static void
test_ftp_pasv_parse(void)
{
	struct addr	 a;
	const char	*cause, *s;

	s = "Entering Passive Mode (198,18,0,200,195,80).";
	CU_ASSERT_EQUAL(ftp_pasv_parse(s, strlen(s), &a, &cause), 0);
	CU_ASSERT(addr_is(&a, "198.18.0.200", 50000));
	s = "Entering Passive Mode 1 (198,18,0,200,117,49)";
	CU_ASSERT_EQUAL(ftp_pasv_parse(s, strlen(s), &a, &cause), 0);
	CU_ASSERT(addr_is(&a, "198.18.0.200", 30001));
	s = "Passive mode=198,18,0,200,4,1";
	CU_ASSERT_EQUAL(ftp_pasv_parse(s, strlen(s), &a, &cause), 0);
	CU_ASSERT(addr_is(&a, "198.18.0.200", 1025));
	s = "198,18,0,200,4,1";
	CU_ASSERT_EQUAL(ftp_pasv_parse(s, strlen(s), &a, &cause), 0);
	/* A list that does not parse is skipped for a later one. */
	s = "Mode (300,1,1,1,1,1) or (198,18,0,200,4,2)";
	CU_ASSERT_EQUAL(ftp_pasv_parse(s, strlen(s), &a, &cause), 0);
	CU_ASSERT(addr_is(&a, "198.18.0.200", 1026));
	s = "Entering Passive Mode (198,18,0,200,0,0).";
	CU_ASSERT_EQUAL(ftp_pasv_parse(s, strlen(s), &a, &cause), -1);
	CU_ASSERT_STRING_EQUAL(cause, "data port 0 in 227 reply");
	s = "Entering Passive Mode (198,18,0,200,4,1,7).";
	CU_ASSERT_EQUAL(ftp_pasv_parse(s, strlen(s), &a, &cause), -1);
	s = "Entering Passive Mode (198,18,0,200,4,1000).";
	CU_ASSERT_EQUAL(ftp_pasv_parse(s, strlen(s), &a, &cause), -1);
	s = "Entering Passive Mode.";
	CU_ASSERT_EQUAL(ftp_pasv_parse(s, strlen(s), &a, &cause), -1);
	CU_ASSERT_STRING_EQUAL(cause, "no address in 227 reply");
	CU_ASSERT_EQUAL(ftp_pasv_parse("", 0, &a, &cause), -1);
}

static void
test_ftp_epsv_parse(void)
{
	uint16_t	 port;
	const char	*cause, *s;

	s = "Entering Extended Passive Mode (|||30001|)";
	CU_ASSERT_EQUAL(ftp_epsv_parse(s, strlen(s), &port, &cause), 0);
	CU_ASSERT_EQUAL(port, 30001);
	s = "Extended Passive mode OK (|||65535|)";
	CU_ASSERT_EQUAL(ftp_epsv_parse(s, strlen(s), &port, &cause), 0);
	CU_ASSERT_EQUAL(port, 65535);
	s = "ok (!!!1025!)";
	CU_ASSERT_EQUAL(ftp_epsv_parse(s, strlen(s), &port, &cause), 0);
	CU_ASSERT_EQUAL(port, 1025);
	s = "(bad) (|||1026|)";
	CU_ASSERT_EQUAL(ftp_epsv_parse(s, strlen(s), &port, &cause), 0);
	CU_ASSERT_EQUAL(port, 1026);
	s = "Entering Extended Passive Mode (|||0|)";
	CU_ASSERT_EQUAL(ftp_epsv_parse(s, strlen(s), &port, &cause), -1);
	CU_ASSERT_STRING_EQUAL(cause, "data port 0 in 229 reply");
	s = "(|||65536|)";
	CU_ASSERT_EQUAL(ftp_epsv_parse(s, strlen(s), &port, &cause), -1);
	s = "(||1|2000|)";
	CU_ASSERT_EQUAL(ftp_epsv_parse(s, strlen(s), &port, &cause), -1);
	s = "(|!|2000|)";
	CU_ASSERT_EQUAL(ftp_epsv_parse(s, strlen(s), &port, &cause), -1);
	s = "(|||2000!)";
	CU_ASSERT_EQUAL(ftp_epsv_parse(s, strlen(s), &port, &cause), -1);
	s = "(|||2000|";
	CU_ASSERT_EQUAL(ftp_epsv_parse(s, strlen(s), &port, &cause), -1);
	s = "(111222|)";
	CU_ASSERT_EQUAL(ftp_epsv_parse(s, strlen(s), &port, &cause), -1);
	s = "(|||)";
	CU_ASSERT_EQUAL(ftp_epsv_parse(s, strlen(s), &port, &cause), -1);
}

static void
test_ftp_addr_fmt(void)
{
	struct addr	 a;
	const char	*cause;
	char		 buf[80];
	int		 code;

	CU_ASSERT_EQUAL(addr_parse("198.18.0.200", &a, &cause), 0);
	a.port = 50000;
	CU_ASSERT_EQUAL(ftp_port_fmt(&a, buf, sizeof buf), 19);
	CU_ASSERT_STRING_EQUAL(buf, "198,18,0,200,195,80");
	CU_ASSERT_EQUAL(ftp_port_fmt(&a, buf, 10), -1);
	CU_ASSERT_EQUAL(ftp_eprt_fmt(&a, buf, sizeof buf), 22);
	CU_ASSERT_STRING_EQUAL(buf, "|1|198.18.0.200|50000|");
	CU_ASSERT_EQUAL(ftp_pasv_reply(&a, buf, sizeof buf), 50);
	CU_ASSERT_STRING_EQUAL(buf,
	    "227 Entering Passive Mode (198,18,0,200,195,80).\r\n");
	CU_ASSERT_EQUAL(ftp_pasv_reply(&a, buf, 50), -1);
	CU_ASSERT_EQUAL(ftp_epsv_reply(50000, buf, sizeof buf), 49);
	CU_ASSERT_STRING_EQUAL(buf,
	    "229 Entering Extended Passive Mode (|||50000|).\r\n");
	CU_ASSERT_EQUAL(addr_parse("2001:2::1", &a, &cause), 0);
	a.port = 21;
	CU_ASSERT_EQUAL(ftp_port_fmt(&a, buf, sizeof buf), -1);
	CU_ASSERT_EQUAL(ftp_pasv_reply(&a, buf, sizeof buf), -1);
	CU_ASSERT(ftp_eprt_fmt(&a, buf, sizeof buf) > 0);
	CU_ASSERT_STRING_EQUAL(buf, "|2|2001:2::1|21|");
	/* Round trip through the parser. */
	CU_ASSERT_EQUAL(ftp_eprt_parse(buf, strlen(buf), &a, &code, &cause),
	    0);
	CU_ASSERT(addr_is(&a, "2001:2::1", 21));
	memset(&a, 0, sizeof a);
	CU_ASSERT_EQUAL(ftp_eprt_fmt(&a, buf, sizeof buf), -1);
}

static void
test_ftp_data_addr_check(void)
{
	struct addr	 peer, d;
	const char	*cause;

	CU_ASSERT_EQUAL(addr_parse("198.18.0.11", &peer, &cause), 0);
	peer.port = 40000;
	CU_ASSERT_EQUAL(addr_parse("198.18.0.11", &d, &cause), 0);
	d.port = 1024;
	CU_ASSERT_EQUAL(ftp_data_addr_check(&d, &peer, &cause), 0);
	d.port = 1023;
	CU_ASSERT_EQUAL(ftp_data_addr_check(&d, &peer, &cause), -1);
	CU_ASSERT_STRING_EQUAL(cause, "data port below 1024");
	/* FTP bounce: PORT naming a third host. */
	CU_ASSERT_EQUAL(addr_parse("198.18.0.200", &d, &cause), 0);
	d.port = 2000;
	CU_ASSERT_EQUAL(ftp_data_addr_check(&d, &peer, &cause), -1);
	CU_ASSERT_STRING_EQUAL(cause,
	    "data address is not the control connection's peer");
	/* IPv4-mapped is the same host. */
	CU_ASSERT_EQUAL(addr_parse("::ffff:198.18.0.11", &d, &cause), 0);
	d.port = 2000;
	CU_ASSERT_EQUAL(ftp_data_addr_check(&d, &peer, &cause), 0);
	CU_ASSERT_EQUAL(ftp_data_addr_check(&peer, &d, &cause), 0);
	CU_ASSERT_EQUAL(addr_parse("::1", &d, &cause), 0);
	d.port = 2000;
	CU_ASSERT_EQUAL(ftp_data_addr_check(&d, &peer, &cause), -1);
}

static void
test_ftp_login_split(void)
{
	struct ftp_login	 l;
	const char		*cause;

	CU_ASSERT_EQUAL(ftp_login_split("anonymous@ftp.example.com", '@', &l,
	    &cause), 0);
	CU_ASSERT_STRING_EQUAL(l.user, "anonymous");
	CU_ASSERT_STRING_EQUAL(l.host, "ftp.example.com");
	CU_ASSERT_EQUAL(l.port, 21);
	CU_ASSERT_EQUAL(l.af, 0);
	/* The last delimiter splits: user names may hold '@'. */
	CU_ASSERT_EQUAL(ftp_login_split(
	    "john@corp.example@ftp.example.com:2121", '@', &l, &cause), 0);
	CU_ASSERT_STRING_EQUAL(l.user, "john@corp.example");
	CU_ASSERT_STRING_EQUAL(l.host, "ftp.example.com");
	CU_ASSERT_EQUAL(l.port, 2121);
	CU_ASSERT_EQUAL(ftp_login_split("u@198.18.0.200", '@', &l, &cause), 0);
	CU_ASSERT_EQUAL(l.af, AF_INET);
	CU_ASSERT_STRING_EQUAL(l.host, "198.18.0.200");
	CU_ASSERT_EQUAL(ftp_login_split("u@[2001:2::200]:990", '@', &l,
	    &cause), 0);
	CU_ASSERT_EQUAL(l.af, AF_INET6);
	CU_ASSERT_STRING_EQUAL(l.host, "2001:2::200");
	CU_ASSERT_EQUAL(l.port, 990);
	CU_ASSERT_EQUAL(ftp_login_split("u@[::1]", '@', &l, &cause), 0);
	CU_ASSERT_STRING_EQUAL(l.host, "::1");
	CU_ASSERT_EQUAL(l.port, 21);
	CU_ASSERT_EQUAL(ftp_login_split("u@host_1.example.", '@', &l, &cause),
	    0);
	CU_ASSERT_EQUAL(ftp_login_split("us@er%ftp.example.com", '%', &l,
	    &cause), 0);
	CU_ASSERT_STRING_EQUAL(l.user, "us@er");
	CU_ASSERT_EQUAL(ftp_login_split("u#h", '#', &l, &cause), 0);
}

static void
test_ftp_login_split_bad(void)
{
	static const char *const bad[] = {
		"@ftp.example.com", "user@", "user", "user@127.1",
		"user@0x7f.0.0.1", "user@host:0", "user@host:", "user@ho st",
		"user@host:65536", "user@2001:2::1", "user@[2001:2::1",
		"user@[fe80::1%25eth0]", "user@host\r\nX", "user@a..b",
		"user@[2001:2::1]x", "user@host:21:21", "user@h/x",
		"user@198.18.0.256", "user@01.2.3.4", NULL
	};
	struct ftp_login	 l;
	const char		*cause;
	unsigned		 i;
	char			 longhost[300];

	for (i = 0; bad[i] != NULL; i++) {
		cause = NULL;
		CU_ASSERT_EQUAL(ftp_login_split(bad[i], '@', &l, &cause), -1);
		CU_ASSERT_PTR_NOT_NULL(cause);
	}
	CU_ASSERT_EQUAL(ftp_login_split("user@host", '@', &l, &cause), 0);
	CU_ASSERT_EQUAL(ftp_login_split("user", '@', &l, &cause), -1);
	CU_ASSERT_STRING_EQUAL(cause, "no server in login name (user@server)");
	CU_ASSERT_EQUAL(ftp_login_split("u@h", 'a', &l, &cause), -1);
	CU_ASSERT_STRING_EQUAL(cause, "invalid login delimiter");
	CU_ASSERT_EQUAL(ftp_login_split("u:h", ':', &l, &cause), -1);
	CU_ASSERT_EQUAL(ftp_login_split("u h", ' ', &l, &cause), -1);
	CU_ASSERT(!ftp_login_delim_ok('.'));
	CU_ASSERT(!ftp_login_delim_ok(']'));
	CU_ASSERT(!ftp_login_delim_ok('5'));
	CU_ASSERT(!ftp_login_delim_ok('\x80'));
	CU_ASSERT(ftp_login_delim_ok('@'));
	CU_ASSERT(ftp_login_delim_ok('%'));
	memset(longhost, 'a', sizeof longhost);
	memcpy(longhost, "u@", 2);
	longhost[sizeof longhost - 1] = '\0';
	CU_ASSERT_EQUAL(ftp_login_split(longhost, '@', &l, &cause), -1);
}

static void
test_ftp_url_parse(void)
{
	struct ftp_url	 u;
	const char	*cause;

#define URL(s)	ftp_url_parse(s, strlen(s), &u, &cause)
	CU_ASSERT_EQUAL(URL("/"), 0);
	CU_ASSERT_STRING_EQUAL(u.dir, "");
	CU_ASSERT_STRING_EQUAL(u.leaf, "");
	CU_ASSERT(u.slash);
	CU_ASSERT_EQUAL(u.type, FTP_URL_AUTO);
	CU_ASSERT_EQUAL(URL("/pub/file.txt"), 0);
	CU_ASSERT_STRING_EQUAL(u.dir, "pub");
	CU_ASSERT_STRING_EQUAL(u.leaf, "file.txt");
	CU_ASSERT(!u.slash);
	CU_ASSERT_EQUAL(URL("/pub/sub/"), 0);
	CU_ASSERT_STRING_EQUAL(u.dir, "pub/sub");
	CU_ASSERT_STRING_EQUAL(u.leaf, "");
	CU_ASSERT(u.slash);
	CU_ASSERT_EQUAL(URL("/file"), 0);
	CU_ASSERT_EQUAL(u.dir_len, 0);
	CU_ASSERT_STRING_EQUAL(u.leaf, "file");
	CU_ASSERT_EQUAL(URL("/a%20b/c%2Fd"), 0);
	CU_ASSERT_STRING_EQUAL(u.dir, "a b");
	CU_ASSERT_STRING_EQUAL(u.leaf, "c/d");
	CU_ASSERT_EQUAL(URL("/%2Fetc/passwd"), 0);
	CU_ASSERT_STRING_EQUAL(u.dir, "/etc");
	CU_ASSERT_EQUAL(URL("/caf%C3%A9/%E9t%E9"), 0);
	CU_ASSERT_STRING_EQUAL(u.dir, "caf\xc3\xa9");
	CU_ASSERT_STRING_EQUAL(u.leaf, "\xe9t\xe9");
	CU_ASSERT_EQUAL(URL("/file.txt;type=a"), 0);
	CU_ASSERT_STRING_EQUAL(u.leaf, "file.txt");
	CU_ASSERT_EQUAL(u.type, FTP_URL_ASCII);
	CU_ASSERT_EQUAL(URL("/f;type=I"), 0);
	CU_ASSERT_EQUAL(u.type, FTP_URL_IMAGE);
	CU_ASSERT_EQUAL(URL("/pub/;type=d"), 0);
	CU_ASSERT_EQUAL(u.type, FTP_URL_NAMES);
	CU_ASSERT_STRING_EQUAL(u.dir, "pub");
	CU_ASSERT_STRING_EQUAL(u.leaf, "");
	CU_ASSERT(u.slash);
	CU_ASSERT_EQUAL(URL("/;type=d"), 0);
	CU_ASSERT_EQUAL(u.type, FTP_URL_NAMES);
	CU_ASSERT_EQUAL(URL("/a;type=d/b"), 0);
	CU_ASSERT_STRING_EQUAL(u.dir, "a;type=d");
	CU_ASSERT_EQUAL(u.type, FTP_URL_AUTO);

	CU_ASSERT_EQUAL(URL("/x;type=q"), -1);
	CU_ASSERT_STRING_EQUAL(cause, "invalid ;type= in URL");
	/* Command injection through the path. */
	CU_ASSERT_EQUAL(URL("/a%0d%0aDELE%20x"), -1);
	CU_ASSERT_STRING_EQUAL(cause, "control character in URL path");
	CU_ASSERT_EQUAL(URL("/a%0AQUIT/b"), -1);
	CU_ASSERT_EQUAL(URL("/a%00"), -1);
	CU_ASSERT_EQUAL(URL("/a%7f"), -1);
	CU_ASSERT_EQUAL(URL("//x"), -1);
	CU_ASSERT_STRING_EQUAL(cause, "empty segment in URL path");
	CU_ASSERT_EQUAL(URL("/a//b"), -1);
	CU_ASSERT_EQUAL(URL("/a%2"), -1);
	CU_ASSERT_EQUAL(URL("/a%zz"), -1);
	CU_ASSERT_EQUAL(URL("/a b"), -1);
	CU_ASSERT_EQUAL(URL("/a\xc3\xa9"), -1);
	CU_ASSERT_EQUAL(URL("pub/x"), -1);
	CU_ASSERT_EQUAL(ftp_url_parse("", 0, &u, &cause), -1);
#undef URL
}

static void
test_ftp_mdtm_parse(void)
{
	time_t	 t;

	CU_ASSERT_EQUAL(ftp_mdtm_parse("20240131235959", 14, &t), 0);
	CU_ASSERT_EQUAL(t, 1706745599);
	CU_ASSERT_EQUAL(ftp_mdtm_parse("19700101000000", 14, &t), 0);
	CU_ASSERT_EQUAL(t, 0);
	CU_ASSERT_EQUAL(ftp_mdtm_parse("20240229120000.123", 18, &t), 0);
	CU_ASSERT_EQUAL(t, 1709208000);
	CU_ASSERT_EQUAL(ftp_mdtm_parse("20230229000000", 14, &t), -1);
	CU_ASSERT_EQUAL(ftp_mdtm_parse("20000229000000", 14, &t), 0);
	CU_ASSERT_EQUAL(ftp_mdtm_parse("21000229000000", 14, &t), -1);
	CU_ASSERT_EQUAL(ftp_mdtm_parse("2024013123595", 13, &t), -1);
	CU_ASSERT_EQUAL(ftp_mdtm_parse("19691231235959", 14, &t), -1);
	CU_ASSERT_EQUAL(ftp_mdtm_parse("20241301000000", 14, &t), -1);
	CU_ASSERT_EQUAL(ftp_mdtm_parse("20240100000000", 14, &t), -1);
	CU_ASSERT_EQUAL(ftp_mdtm_parse("20240431000000", 14, &t), -1);
	CU_ASSERT_EQUAL(ftp_mdtm_parse("20240101240000", 14, &t), -1);
	CU_ASSERT_EQUAL(ftp_mdtm_parse("20240101006000", 14, &t), -1);
	CU_ASSERT_EQUAL(ftp_mdtm_parse("20240101000000.", 15, &t), -1);
	CU_ASSERT_EQUAL(ftp_mdtm_parse("20240101000000 x", 16, &t), -1);
	CU_ASSERT_EQUAL(ftp_mdtm_parse("2024010100000a", 14, &t), -1);
}

static void
test_ftp_num_parse(void)
{
	uint64_t	 v;

	CU_ASSERT_EQUAL(ftp_num_parse("0", 1, &v), 0);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(ftp_num_parse("1048576", 7, &v), 0);
	CU_ASSERT_EQUAL(v, 1048576);
	CU_ASSERT_EQUAL(ftp_num_parse("9223372036854775807", 19, &v), 0);
	CU_ASSERT_EQUAL(ftp_num_parse("9223372036854775808", 19, &v), -1);
	CU_ASSERT_EQUAL(ftp_num_parse("9999999999999999999", 19, &v), -1);
	CU_ASSERT_EQUAL(ftp_num_parse("10000000000000000000", 20, &v), -1);
	CU_ASSERT_EQUAL(ftp_num_parse("", 0, &v), -1);
	CU_ASSERT_EQUAL(ftp_num_parse("-1", 2, &v), -1);
	CU_ASSERT_EQUAL(ftp_num_parse("1 ", 2, &v), -1);
}

static CU_TestInfo ftp_tests[] = {
	{ "test_ftp_cmd_table_order", test_ftp_cmd_table_order },
	{ "test_ftp_parse_command_basic", test_ftp_parse_command_basic },
	{ "test_ftp_parse_command_more", test_ftp_parse_command_more },
	{ "test_ftp_parse_command_line_ends",
	    test_ftp_parse_command_line_ends },
	{ "test_ftp_parse_command_controls", test_ftp_parse_command_controls },
	{ "test_ftp_parse_command_too_long", test_ftp_parse_command_too_long },
	{ "test_ftp_parse_command_unknown_refused",
	    test_ftp_parse_command_unknown_refused },
	{ "test_ftp_parse_command_args", test_ftp_parse_command_args },
	{ "test_ftp_parse_command_type", test_ftp_parse_command_type },
	{ "test_ftp_parse_command_rest", test_ftp_parse_command_rest },
	{ "test_ftp_parse_command_epsv", test_ftp_parse_command_epsv },
	{ "test_ftp_parse_command_port", test_ftp_parse_command_port },
	{ "test_ftp_parse_command_eprt", test_ftp_parse_command_eprt },
	{ "test_ftp_parse_command_telnet", test_ftp_parse_command_telnet },
	{ "test_ftp_cmd_format", test_ftp_cmd_format },
	{ "test_ftp_reply_single", test_ftp_reply_single },
	{ "test_ftp_reply_multi", test_ftp_reply_multi },
	{ "test_ftp_reply_malformed", test_ftp_reply_malformed },
	{ "test_ftp_reply_limits", test_ftp_reply_limits },
	{ "test_ftp_feat_keep", test_ftp_feat_keep },
	{ "test_ftp_pasv_parse", test_ftp_pasv_parse },
	{ "test_ftp_epsv_parse", test_ftp_epsv_parse },
	{ "test_ftp_addr_fmt", test_ftp_addr_fmt },
	{ "test_ftp_data_addr_check", test_ftp_data_addr_check },
	{ "test_ftp_login_split", test_ftp_login_split },
	{ "test_ftp_login_split_bad", test_ftp_login_split_bad },
	{ "test_ftp_url_parse", test_ftp_url_parse },
	{ "test_ftp_mdtm_parse", test_ftp_mdtm_parse },
	{ "test_ftp_num_parse", test_ftp_num_parse },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(ftp_suite, "lib_ftp", ftp_tests)
