/*
 * test_lib_ftp_client.c: the ftp:// gateway's client machine, driven
 * through scripted conversations in vsftpd's and Pure-FTPd's words, and
 * the directory listing formatter.
 */
#include <sys/socket.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftp.h"
#include "unit.h"

#define VSFTPD_FEAT							\
	"211-Features:\r\n EPRT\r\n EPSV\r\n MDTM\r\n PASV\r\n"		\
	" REST STREAM\r\n SIZE\r\n TVFS\r\n UTF8\r\n211 End\r\n"
#define PURE_GREETING							\
	"220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\r\n" \
	"220-You are user number 1 of 50 allowed.\r\n"			\
	"220-Local time is now 14:02. Server port: 21.\r\n"		\
	"220 You will be disconnected after 15 minutes of inactivity.\r\n"
#define PURE_FEAT							\
	"211-Extensions supported:\r\n EPRT\r\n IDLE\r\n MDTM\r\n SIZE\r\n" \
	" MFMT\r\n REST STREAM\r\n"					\
	" MLST type*;size*;sizd*;modify*;UNIX.mode*;UNIX.uid*;unique*;\r\n" \
	" MLSD\r\n AUTH TLS\r\n PBSZ\r\n PROT\r\n TVFS\r\n ESTA\r\n PASV\r\n" \
	" EPSV\r\n SPSV\r\n ESTP\r\n211 End.\r\n"

static struct ftp_client	 cl;
static char			 page[65536];
static size_t			 page_len;

static void	start(const char *, void (*)(struct ftp_client_params *));
static enum ftp_step say(const char *);
static int	sent(const char *);
static void	login_vsftpd(void);
static void	page_emit(void *, const char *, size_t);
static const char *listing(enum ftp_list_kind, const char *, size_t);
static int	has(const char *);

/* Start a client for path; adjust may change the parameters. */
static void
start(const char *path, void (*adjust)(struct ftp_client_params *))
{
	struct ftp_client_params	 p;

	memset(&p, 0, sizeof p);
	p.path = path;
	p.path_len = strlen(path);
	p.ctrl_af = AF_INET;
	if (adjust != NULL)
		adjust(&p);
	ftp_client_init(&cl, &p);
	CU_ASSERT_EQUAL(ftp_client_start(&cl), FTP_STEP_WAIT);
}

/* Feed what the server says, which must be taken whole. */
static enum ftp_step
say(const char *s)
{
	enum ftp_step	 st;
	size_t		 used;

	st = ftp_client_feed(&cl, s, strlen(s), &used);
	/* A failure may leave the bad reply unread. */
	if (st != FTP_STEP_FAIL)
		CU_ASSERT_EQUAL(used, strlen(s));
	return (st);
}

/* Tell whether the last step sent exactly the command s. */
static int
sent(const char *s)
{
	if (cl.out_len != strlen(s) || memcmp(cl.out, s, cl.out_len) != 0) {
		fprintf(stderr, "sent \"%.*s\", not \"%s\"\n",
		    (int)cl.out_len, cl.out, s);
		return (0);
	}
	return (1);
}

/* vsftpd's anonymous login, FEAT and TYPE I. */
static void
login_vsftpd(void)
{
	CU_ASSERT_EQUAL(say("220 (vsFTPd 3.0.3)\r\n"), FTP_STEP_SEND);
	CU_ASSERT(sent("USER anonymous\r\n"));
	CU_ASSERT_EQUAL(say("331 Please specify the password.\r\n"),
	    FTP_STEP_SEND);
	CU_ASSERT(sent("PASS twinproxy@\r\n"));
	CU_ASSERT_EQUAL(say("230 Login successful.\r\n"), FTP_STEP_SEND);
	CU_ASSERT(sent("FEAT\r\n"));
	CU_ASSERT_EQUAL(say(VSFTPD_FEAT), FTP_STEP_SEND);
	CU_ASSERT(sent("TYPE I\r\n"));
	CU_ASSERT_EQUAL(cl.feat, FTP_FEAT_SIZE | FTP_FEAT_MDTM |
	    FTP_FEAT_REST | FTP_FEAT_EPSV | FTP_FEAT_UTF8);
}

static void
test_ftp_client_vsftpd_file(void)
{
	start("/pub/file.bin", NULL);
	login_vsftpd();
	CU_ASSERT_EQUAL(say("200 Switching to Binary mode.\r\n"),
	    FTP_STEP_SEND);
	CU_ASSERT(sent("CWD pub\r\n"));
	CU_ASSERT_EQUAL(say("250 Directory successfully changed.\r\n"),
	    FTP_STEP_SEND);
	CU_ASSERT(sent("SIZE file.bin\r\n"));
	CU_ASSERT_EQUAL(say("213 1048576\r\n"), FTP_STEP_SEND);
	CU_ASSERT(sent("MDTM file.bin\r\n"));
	CU_ASSERT_EQUAL(say("213 20240131235959\r\n"), FTP_STEP_SEND);
	CU_ASSERT(sent("EPSV\r\n"));
	CU_ASSERT_EQUAL(say("229 Entering Extended Passive Mode "
	    "(|||30001|)\r\n"), FTP_STEP_CONNECT);
	CU_ASSERT_EQUAL(cl.data_port, 30001);
	CU_ASSERT_EQUAL(ftp_client_data_open(&cl), FTP_STEP_SEND);
	CU_ASSERT(sent("RETR file.bin\r\n"));
	CU_ASSERT_EQUAL(say("150 Opening BINARY mode data connection for "
	    "file.bin (1048576 bytes).\r\n"), FTP_STEP_HEAD);
	CU_ASSERT_EQUAL(cl.status, 200);
	CU_ASSERT(!cl.dir);
	CU_ASSERT_EQUAL(cl.body_len, 1048576);
	CU_ASSERT(cl.has_mtime);
	CU_ASSERT_EQUAL(cl.mtime, 1706745599);
	CU_ASSERT_EQUAL(say("226 Transfer complete.\r\n"), FTP_STEP_WAIT);
	CU_ASSERT_EQUAL(ftp_client_data_end(&cl, 1048576), FTP_STEP_DONE);
}

static void
adjust_user_range(struct ftp_client_params *p)
{
	p->user = "joe";
	p->pass = "s3cret";
	p->range = 1;
	p->range_first = 100;
	p->range_last = UINT64_MAX;
}

static void
test_ftp_client_pure_range(void)
{
	start("/file.txt", adjust_user_range);
	CU_ASSERT_EQUAL(say(PURE_GREETING), FTP_STEP_SEND);
	CU_ASSERT(sent("USER joe\r\n"));
	CU_ASSERT_EQUAL(say("331 User joe OK. Password required\r\n"),
	    FTP_STEP_SEND);
	CU_ASSERT(sent("PASS s3cret\r\n"));
	CU_ASSERT_EQUAL(say("230 OK. Current restricted directory is /\r\n"),
	    FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say(PURE_FEAT), FTP_STEP_SEND);
	CU_ASSERT(cl.feat & FTP_FEAT_MLST);
	CU_ASSERT_EQUAL(say("200 TYPE is now 8-bit binary\r\n"), FTP_STEP_SEND);
	CU_ASSERT(sent("SIZE file.txt\r\n"));
	CU_ASSERT_EQUAL(say("213 1000\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("213 20240101120000\r\n"), FTP_STEP_SEND);
	CU_ASSERT(sent("EPSV\r\n"));
	CU_ASSERT_EQUAL(say("229 Extended Passive mode OK (|||30002|)\r\n"),
	    FTP_STEP_CONNECT);
	CU_ASSERT_EQUAL(ftp_client_data_open(&cl), FTP_STEP_SEND);
	CU_ASSERT(sent("REST 100\r\n"));
	CU_ASSERT_EQUAL(say("350 Restarting at 100\r\n"), FTP_STEP_SEND);
	CU_ASSERT(sent("RETR file.txt\r\n"));
	CU_ASSERT_EQUAL(say("150-Accepted data connection\r\n"
	    "150 0.9 kbytes to download\r\n"), FTP_STEP_HEAD);
	CU_ASSERT_EQUAL(cl.status, 206);
	CU_ASSERT_EQUAL(cl.range_first, 100);
	CU_ASSERT_EQUAL(cl.range_last, 999);
	CU_ASSERT_EQUAL(cl.body_len, 900);
	CU_ASSERT_EQUAL(cl.size, 1000);
	CU_ASSERT_EQUAL(say("226-File successfully transferred\r\n"
	    "226 0.000 seconds (measured here), 7.61 Mbytes per second\r\n"),
	    FTP_STEP_WAIT);
	CU_ASSERT_EQUAL(ftp_client_data_end(&cl, 900), FTP_STEP_DONE);
}

static void
test_ftp_client_rest_refused(void)
{
	start("/file.txt", adjust_user_range);
	CU_ASSERT_EQUAL(say("220 hi\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("230 no password needed\r\n"), FTP_STEP_SEND);
	CU_ASSERT(sent("FEAT\r\n"));
	CU_ASSERT_EQUAL(say("500 FEAT not understood\r\n"), FTP_STEP_SEND);
	CU_ASSERT(!cl.feat_known);
	CU_ASSERT_EQUAL(say("200 ok\r\n"), FTP_STEP_SEND);
	CU_ASSERT(sent("SIZE file.txt\r\n"));
	CU_ASSERT_EQUAL(say("213 1000\r\n"), FTP_STEP_SEND);
	CU_ASSERT(sent("MDTM file.txt\r\n"));
	CU_ASSERT_EQUAL(say("502 not here\r\n"), FTP_STEP_SEND);
	CU_ASSERT(!cl.has_mtime);
	CU_ASSERT_EQUAL(say("229 (|||4000|)\r\n"), FTP_STEP_CONNECT);
	CU_ASSERT_EQUAL(ftp_client_data_open(&cl), FTP_STEP_SEND);
	CU_ASSERT(sent("REST 100\r\n"));
	/* No restart: the whole file, 200. */
	CU_ASSERT_EQUAL(say("502 REST not implemented\r\n"), FTP_STEP_SEND);
	CU_ASSERT(sent("RETR file.txt\r\n"));
	CU_ASSERT_EQUAL(say("150 here\r\n"), FTP_STEP_HEAD);
	CU_ASSERT_EQUAL(cl.status, 200);
	CU_ASSERT_EQUAL(cl.body_len, 1000);
	CU_ASSERT_EQUAL(cl.offset, 0);
}

static void
adjust_bounded(struct ftp_client_params *p)
{
	p->range = 1;
	p->range_first = 0;
	p->range_last = 99;
}

static void
test_ftp_client_range_bounded(void)
{
	start("/f", adjust_bounded);
	login_vsftpd();
	CU_ASSERT_EQUAL(say("200 Switching to Binary mode.\r\n"),
	    FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("213 1000\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("550 Could not get file modification time.\r\n"),
	    FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("229 Entering Extended Passive Mode "
	    "(|||30001|)\r\n"), FTP_STEP_CONNECT);
	/* From byte 0: no REST. */
	CU_ASSERT_EQUAL(ftp_client_data_open(&cl), FTP_STEP_SEND);
	CU_ASSERT(sent("RETR f\r\n"));
	CU_ASSERT_EQUAL(say("150 Opening BINARY mode data connection for f "
	    "(1000 bytes).\r\n"), FTP_STEP_HEAD);
	CU_ASSERT_EQUAL(cl.status, 206);
	CU_ASSERT_EQUAL(cl.body_len, 100);
	/* Done once the range is in, without waiting for the 226. */
	CU_ASSERT_EQUAL(ftp_client_data_end(&cl, 100), FTP_STEP_DONE);
}

static void
adjust_suffix(struct ftp_client_params *p)
{
	p->range = 1;
	p->range_suffix = 300;
}

static void
test_ftp_client_range_suffix_and_416(void)
{
	start("/f", adjust_suffix);
	login_vsftpd();
	CU_ASSERT_EQUAL(say("200 ok\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("213 1000\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("213 20240131235959\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("229 (|||30001|)\r\n"), FTP_STEP_CONNECT);
	CU_ASSERT_EQUAL(ftp_client_data_open(&cl), FTP_STEP_SEND);
	CU_ASSERT(sent("REST 700\r\n"));
	CU_ASSERT_EQUAL(say("350 Restart position accepted (700).\r\n"),
	    FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("150 ok\r\n"), FTP_STEP_HEAD);
	CU_ASSERT_EQUAL(cl.status, 206);
	CU_ASSERT_EQUAL(cl.range_first, 700);
	CU_ASSERT_EQUAL(cl.range_last, 999);
	CU_ASSERT_EQUAL(cl.body_len, 300);
	CU_ASSERT_EQUAL(ftp_client_data_end(&cl, 300), FTP_STEP_WAIT);
	CU_ASSERT_EQUAL(say("226 Transfer complete.\r\n"), FTP_STEP_DONE);

	start("/f", adjust_user_range);
	CU_ASSERT_EQUAL(say("220 x\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("230 x\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say(VSFTPD_FEAT), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("200 x\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("213 50\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("213 20240131235959\r\n"), FTP_STEP_FAIL);
	CU_ASSERT_EQUAL(cl.status, 416);
	CU_ASSERT_EQUAL(cl.size, 50);
}

static void
test_ftp_client_retr_550_directory(void)
{
	start("/pub", NULL);
	CU_ASSERT_EQUAL(say("220 (vsFTPd 3.0.3)\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("230 Login successful.\r\n"), FTP_STEP_SEND);
	/* A server without FEAT, SIZE or MDTM. */
	CU_ASSERT_EQUAL(say("500 Unknown command.\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("200 Switching to Binary mode.\r\n"),
	    FTP_STEP_SEND);
	CU_ASSERT(sent("SIZE pub\r\n"));
	CU_ASSERT_EQUAL(say("500 Unknown command.\r\n"), FTP_STEP_SEND);
	CU_ASSERT(sent("MDTM pub\r\n"));
	CU_ASSERT_EQUAL(say("500 Unknown command.\r\n"), FTP_STEP_SEND);
	CU_ASSERT(sent("EPSV\r\n"));
	CU_ASSERT_EQUAL(say("229 Entering Extended Passive Mode "
	    "(|||30001|)\r\n"), FTP_STEP_CONNECT);
	CU_ASSERT_EQUAL(ftp_client_data_open(&cl), FTP_STEP_SEND);
	CU_ASSERT(sent("RETR pub\r\n"));
	/* As Squid does: a RETR refused may be a directory. */
	CU_ASSERT_EQUAL(say("550 Failed to open file.\r\n"), FTP_STEP_SEND);
	CU_ASSERT(cl.close_data);
	CU_ASSERT(sent("CWD pub\r\n"));
	CU_ASSERT_EQUAL(say("250 Directory successfully changed.\r\n"),
	    FTP_STEP_SEND);
	CU_ASSERT(!cl.close_data);
	CU_ASSERT(cl.dir);
	CU_ASSERT(sent("EPSV\r\n"));
	CU_ASSERT_EQUAL(say("229 Entering Extended Passive Mode "
	    "(|||30002|)\r\n"), FTP_STEP_CONNECT);
	CU_ASSERT_EQUAL(ftp_client_data_open(&cl), FTP_STEP_SEND);
	CU_ASSERT(sent("LIST\r\n"));
	CU_ASSERT_EQUAL(say("150 Here comes the directory listing.\r\n"),
	    FTP_STEP_HEAD);
	CU_ASSERT_EQUAL(cl.status, 200);
	CU_ASSERT(cl.dir);
	CU_ASSERT_EQUAL(cl.list, FTP_LIST_LS);
	CU_ASSERT_EQUAL(cl.body_len, FTP_BODY_UNKNOWN);
	/* The data may end before the 226 is read. */
	CU_ASSERT_EQUAL(ftp_client_data_end(&cl, 321), FTP_STEP_WAIT);
	CU_ASSERT_EQUAL(say("226 Directory send OK.\r\n"), FTP_STEP_DONE);
}

static void
test_ftp_client_size_550_directory(void)
{
	start("/pub", NULL);
	login_vsftpd();
	CU_ASSERT_EQUAL(say("200 Switching to Binary mode.\r\n"),
	    FTP_STEP_SEND);
	CU_ASSERT(sent("SIZE pub\r\n"));
	CU_ASSERT_EQUAL(say("550 Could not get file size.\r\n"),
	    FTP_STEP_SEND);
	CU_ASSERT(sent("CWD pub\r\n"));
	CU_ASSERT_EQUAL(say("250 Directory successfully changed.\r\n"),
	    FTP_STEP_SEND);
	CU_ASSERT(sent("EPSV\r\n"));

	/* Neither a file with a size nor a directory: RETR decides. */
	start("/nothere", NULL);
	login_vsftpd();
	CU_ASSERT_EQUAL(say("200 Switching to Binary mode.\r\n"),
	    FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("550 Could not get file size.\r\n"),
	    FTP_STEP_SEND);
	CU_ASSERT(sent("CWD nothere\r\n"));
	CU_ASSERT_EQUAL(say("550 Failed to change directory.\r\n"),
	    FTP_STEP_SEND);
	CU_ASSERT(sent("MDTM nothere\r\n"));
	CU_ASSERT_EQUAL(say("550 Could not get file modification time.\r\n"),
	    FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("229 Entering Extended Passive Mode "
	    "(|||30001|)\r\n"), FTP_STEP_CONNECT);
	CU_ASSERT_EQUAL(ftp_client_data_open(&cl), FTP_STEP_SEND);
	CU_ASSERT(sent("RETR nothere\r\n"));
	CU_ASSERT_EQUAL(say("550 Failed to open file.\r\n"), FTP_STEP_FAIL);
	CU_ASSERT_EQUAL(cl.status, 404);
	CU_ASSERT_EQUAL(cl.ftp_code, 550);
	CU_ASSERT(!cl.head_sent);
}

static void
test_ftp_client_mlsd_root(void)
{
	start("/", NULL);
	CU_ASSERT_EQUAL(say(PURE_GREETING), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("230 Anonymous user logged in\r\n"),
	    FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say(PURE_FEAT), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("200 TYPE is now 8-bit binary\r\n"), FTP_STEP_SEND);
	/* The root: no CWD, no SIZE. */
	CU_ASSERT(sent("EPSV\r\n"));
	CU_ASSERT_EQUAL(say("229 Extended Passive mode OK (|||30003|)\r\n"),
	    FTP_STEP_CONNECT);
	CU_ASSERT_EQUAL(ftp_client_data_open(&cl), FTP_STEP_SEND);
	CU_ASSERT(sent("MLSD\r\n"));
	CU_ASSERT_EQUAL(say("150 Accepted data connection\r\n"),
	    FTP_STEP_HEAD);
	CU_ASSERT_EQUAL(cl.list, FTP_LIST_MLSD);
	CU_ASSERT_EQUAL(say("226-Options: -a -l\r\n226 3 matches total\r\n"),
	    FTP_STEP_WAIT);
	CU_ASSERT_EQUAL(ftp_client_data_end(&cl, 200), FTP_STEP_DONE);
}

static void
adjust_no_epsv(struct ftp_client_params *p)
{
	p->active = 1;
}

static void
test_ftp_client_pasv_then_active(void)
{
	struct addr	 a;
	const char	*cause;
	char		 buf[ADDR_STRLEN];

	start("/f", adjust_no_epsv);
	login_vsftpd();
	CU_ASSERT_EQUAL(say("200 ok\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("213 3\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("213 20240131235959\r\n"), FTP_STEP_SEND);
	CU_ASSERT(sent("EPSV\r\n"));
	CU_ASSERT_EQUAL(say("500 Unknown command.\r\n"), FTP_STEP_SEND);
	CU_ASSERT(sent("PASV\r\n"));
	CU_ASSERT_EQUAL(say("227 Entering Passive Mode "
	    "(198,18,0,99,117,49).\r\n"), FTP_STEP_CONNECT);
	/* The port only: the address named is kept for the log. */
	CU_ASSERT_EQUAL(cl.data_port, 30001);
	CU_ASSERT_STRING_EQUAL(addr_ntop(&cl.pasv_addr, buf, sizeof buf),
	    "198.18.0.99");
	/* The data connection is refused: go active. */
	CU_ASSERT_EQUAL(ftp_client_data_fail(&cl, "connection refused"),
	    FTP_STEP_LISTEN);
	CU_ASSERT(cl.close_data);
	CU_ASSERT_EQUAL(addr_parse("198.18.0.1", &a, &cause), 0);
	a.port = 40000;
	CU_ASSERT_EQUAL(ftp_client_listening(&cl, &a), FTP_STEP_SEND);
	CU_ASSERT(sent("PORT 198,18,0,1,156,64\r\n"));
	CU_ASSERT_EQUAL(say("200 PORT command successful. Consider using "
	    "PASV.\r\n"), FTP_STEP_SEND);
	CU_ASSERT(sent("RETR f\r\n"));
	CU_ASSERT_EQUAL(say("150 Opening BINARY mode data connection for f "
	    "(3 bytes).\r\n"), FTP_STEP_HEAD);
	CU_ASSERT_EQUAL(ftp_client_data_end(&cl, 3), FTP_STEP_WAIT);
	CU_ASSERT_EQUAL(say("226 Transfer complete.\r\n"), FTP_STEP_DONE);
}

static void
adjust_v6(struct ftp_client_params *p)
{
	p->ctrl_af = AF_INET6;
	p->active = 1;
}

static void
adjust_v6_passive_only(struct ftp_client_params *p)
{
	p->ctrl_af = AF_INET6;
}

static void
test_ftp_client_v6_active(void)
{
	struct addr	 a;
	const char	*cause;

	start("/f", adjust_v6);
	login_vsftpd();
	CU_ASSERT_EQUAL(say("200 ok\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("213 3\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("213 20240131235959\r\n"), FTP_STEP_SEND);
	/* No PASV over IPv6 (RFC 2428): straight to EPRT. */
	CU_ASSERT_EQUAL(say("502 EPSV not implemented\r\n"), FTP_STEP_LISTEN);
	CU_ASSERT_EQUAL(addr_parse("::1", &a, &cause), 0);
	a.port = 40000;
	CU_ASSERT_EQUAL(ftp_client_listening(&cl, &a), FTP_STEP_SEND);
	CU_ASSERT(sent("EPRT |2|::1|40000|\r\n"));
	CU_ASSERT_EQUAL(say("200 EPRT command successful. Consider using "
	    "EPSV.\r\n"), FTP_STEP_SEND);
	CU_ASSERT(sent("RETR f\r\n"));

	start("/f", adjust_v6_passive_only);
	login_vsftpd();
	CU_ASSERT_EQUAL(say("200 ok\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("213 3\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("213 20240131235959\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("502 EPSV not implemented\r\n"), FTP_STEP_FAIL);
	CU_ASSERT_EQUAL(cl.status, 502);
}

static void
adjust_head(struct ftp_client_params *p)
{
	p->head = 1;
}

static void
test_ftp_client_head(void)
{
	start("/pub/file.bin", adjust_head);
	login_vsftpd();
	CU_ASSERT_EQUAL(say("200 ok\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("250 ok\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("213 1234\r\n"), FTP_STEP_SEND);
	/* Size known: no data connection at all. */
	CU_ASSERT_EQUAL(say("213 20240131235959\r\n"), FTP_STEP_HEAD);
	CU_ASSERT_EQUAL(cl.status, 200);
	CU_ASSERT_EQUAL(cl.body_len, 1234);
	CU_ASSERT(cl.has_mtime);

	start("/pub/", adjust_head);
	login_vsftpd();
	CU_ASSERT_EQUAL(say("200 ok\r\n"), FTP_STEP_SEND);
	CU_ASSERT(sent("CWD pub\r\n"));
	CU_ASSERT_EQUAL(say("250 ok\r\n"), FTP_STEP_HEAD);
	CU_ASSERT(cl.dir);
}

static void
test_ftp_client_login_errors(void)
{
	start("/f", NULL);
	CU_ASSERT_EQUAL(say("220 (vsFTPd 3.0.3)\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("331 Please specify the password.\r\n"),
	    FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("530 Login incorrect.\r\n"), FTP_STEP_FAIL);
	CU_ASSERT_EQUAL(cl.status, 401);
	CU_ASSERT_EQUAL(cl.ftp_code, 530);
	/* A failed machine stays failed. */
	CU_ASSERT_EQUAL(say("230 Login successful.\r\n"), FTP_STEP_FAIL);

	start("/f", NULL);
	CU_ASSERT_EQUAL(say("421 There are too many connected users, please "
	    "try later.\r\n"), FTP_STEP_FAIL);
	CU_ASSERT_EQUAL(cl.status, 503);

	start("/f", NULL);
	CU_ASSERT_EQUAL(say("120 Service ready in 1 minute\r\n"),
	    FTP_STEP_WAIT);
	CU_ASSERT_EQUAL(say("220 ready\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("332 Need account for login.\r\n"),
	    FTP_STEP_FAIL);
	CU_ASSERT_EQUAL(cl.status, 403);

	start("/f", NULL);
	CU_ASSERT_EQUAL(say("220 ready\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("230 ok\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("421 Timeout.\r\n"), FTP_STEP_FAIL);
	CU_ASSERT_EQUAL(cl.status, 503);

	/* Not FTP at all. */
	start("/f", NULL);
	CU_ASSERT_EQUAL(say("SSH-2.0-OpenSSH_9.2\r\n"), FTP_STEP_FAIL);
	CU_ASSERT_EQUAL(cl.status, 502);
	start("/f", NULL);
	CU_ASSERT_EQUAL(say("HTTP/1.1 400 Bad Request\r\n"), FTP_STEP_FAIL);
	CU_ASSERT_EQUAL(cl.status, 502);
}

static void
test_ftp_client_transfer_errors(void)
{
	start("/f", NULL);
	login_vsftpd();
	CU_ASSERT_EQUAL(say("200 ok\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("213 1000\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("213 20240131235959\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("229 (|||30001|)\r\n"), FTP_STEP_CONNECT);
	CU_ASSERT_EQUAL(ftp_client_data_open(&cl), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("150 ok\r\n"), FTP_STEP_HEAD);
	/* Short data: the body cannot be completed. */
	CU_ASSERT_EQUAL(ftp_client_data_end(&cl, 999), FTP_STEP_WAIT);
	CU_ASSERT_EQUAL(say("226 Transfer complete.\r\n"), FTP_STEP_FAIL);
	CU_ASSERT_EQUAL(cl.status, 502);
	CU_ASSERT(cl.head_sent);

	start("/f", NULL);
	login_vsftpd();
	CU_ASSERT_EQUAL(say("200 ok\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("213 1000\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("213 20240131235959\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("229 (|||30001|)\r\n"), FTP_STEP_CONNECT);
	CU_ASSERT_EQUAL(ftp_client_data_open(&cl), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("150 ok\r\n"), FTP_STEP_HEAD);
	CU_ASSERT_EQUAL(say("426 Failure writing network stream.\r\n"),
	    FTP_STEP_FAIL);
	CU_ASSERT_EQUAL(cl.status, 502);

	/* 425 on RETR, and a 229 without a port. */
	start("/f", NULL);
	login_vsftpd();
	CU_ASSERT_EQUAL(say("200 ok\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("213 1000\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("213 20240131235959\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("229 Entering Extended Passive Mode\r\n"),
	    FTP_STEP_FAIL);
	CU_ASSERT_EQUAL(cl.status, 502);

	start("/f", NULL);
	login_vsftpd();
	CU_ASSERT_EQUAL(say("200 ok\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("213 1000\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("213 20240131235959\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("229 (|||30001|)\r\n"), FTP_STEP_CONNECT);
	CU_ASSERT_EQUAL(ftp_client_data_open(&cl), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("425 Failed to establish connection.\r\n"),
	    FTP_STEP_FAIL);
	CU_ASSERT_EQUAL(cl.status, 502);
	CU_ASSERT(!cl.head_sent);

	/* A reply while the caller connects is out of turn. */
	start("/f", NULL);
	login_vsftpd();
	CU_ASSERT_EQUAL(say("200 ok\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("213 1000\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("213 20240131235959\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("229 (|||30001|)\r\n"), FTP_STEP_CONNECT);
	CU_ASSERT_EQUAL(say("200 surprise\r\n"), FTP_STEP_FAIL);
	CU_ASSERT_EQUAL(cl.status, 502);
}

static void
test_ftp_client_bad_urls(void)
{
	struct ftp_client_params	 p;
	static const char *const	 bad[] = {
		"/a%0d%0aDELE%20x", "/a%00", "//x", "/x;type=z", "x", NULL
	};
	unsigned			 i;

	for (i = 0; bad[i] != NULL; i++) {
		memset(&p, 0, sizeof p);
		p.path = bad[i];
		p.path_len = strlen(bad[i]);
		ftp_client_init(&cl, &p);
		CU_ASSERT_EQUAL(ftp_client_start(&cl), FTP_STEP_FAIL);
		CU_ASSERT_EQUAL(cl.status, 400);
	}
	memset(&p, 0, sizeof p);
	p.path = "/f";
	p.path_len = 2;
	p.user = "joe\r\nDELE x";
	ftp_client_init(&cl, &p);
	CU_ASSERT_EQUAL(ftp_client_start(&cl), FTP_STEP_FAIL);
	CU_ASSERT_EQUAL(cl.status, 400);
	p.user = "joe";
	p.pass = "a\nb";
	ftp_client_init(&cl, &p);
	CU_ASSERT_EQUAL(ftp_client_start(&cl), FTP_STEP_FAIL);
	p.pass = NULL;
	p.user = "";
	ftp_client_init(&cl, &p);
	CU_ASSERT_EQUAL(ftp_client_start(&cl), FTP_STEP_FAIL);
}

static void
test_ftp_client_types(void)
{
	/* ;type=a: TYPE A, and no size (it would not be what is sent). */
	start("/readme;type=a", NULL);
	CU_ASSERT_EQUAL(say("220 x\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("230 x\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say(VSFTPD_FEAT), FTP_STEP_SEND);
	CU_ASSERT(sent("TYPE A\r\n"));
	CU_ASSERT_EQUAL(say("200 Switching to ASCII mode.\r\n"),
	    FTP_STEP_SEND);
	CU_ASSERT(sent("MDTM readme\r\n"));
	CU_ASSERT_EQUAL(say("213 20240131235959\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("229 (|||30001|)\r\n"), FTP_STEP_CONNECT);
	CU_ASSERT_EQUAL(ftp_client_data_open(&cl), FTP_STEP_SEND);
	CU_ASSERT(sent("RETR readme\r\n"));
	CU_ASSERT_EQUAL(say("150 ok\r\n"), FTP_STEP_HEAD);
	CU_ASSERT_EQUAL(cl.body_len, FTP_BODY_UNKNOWN);

	/* ;type=d: NLST of the last segment. */
	start("/pub/sub;type=d", NULL);
	CU_ASSERT_EQUAL(say("220 x\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("230 x\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say(VSFTPD_FEAT), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("200 x\r\n"), FTP_STEP_SEND);
	CU_ASSERT(sent("CWD pub\r\n"));
	CU_ASSERT_EQUAL(say("250 x\r\n"), FTP_STEP_SEND);
	CU_ASSERT(sent("CWD sub\r\n"));
	CU_ASSERT_EQUAL(say("250 x\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("229 (|||30001|)\r\n"), FTP_STEP_CONNECT);
	CU_ASSERT_EQUAL(ftp_client_data_open(&cl), FTP_STEP_SEND);
	CU_ASSERT(sent("NLST\r\n"));
	CU_ASSERT_EQUAL(say("150 ok\r\n"), FTP_STEP_HEAD);
	CU_ASSERT_EQUAL(cl.list, FTP_LIST_NAMES);

	/* A 0xFF in a name goes out as IAC IAC. */
	start("/%FF", NULL);
	CU_ASSERT_EQUAL(say("220 x\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("230 x\r\n"), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say(VSFTPD_FEAT), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(say("200 x\r\n"), FTP_STEP_SEND);
	CU_ASSERT(sent("SIZE \xff\xff\r\n"));
}

static void
test_ftp_client_pipelined(void)
{
	const char	*s = "220 (vsFTPd 3.0.3)\r\n331 Please specify the "
			    "password.\r\n";
	size_t		 used;

	start("/f", NULL);
	/* Two replies in one read: one step each. */
	CU_ASSERT_EQUAL(ftp_client_feed(&cl, s, strlen(s), &used),
	    FTP_STEP_SEND);
	CU_ASSERT_EQUAL(used, 20);
	CU_ASSERT(sent("USER anonymous\r\n"));
	CU_ASSERT_EQUAL(ftp_client_feed(&cl, s + used, strlen(s) - used,
	    &used), FTP_STEP_SEND);
	CU_ASSERT(sent("PASS twinproxy@\r\n"));
	/* A reply cut short waits for the rest. */
	CU_ASSERT_EQUAL(ftp_client_feed(&cl, "230 Login", 9, &used),
	    FTP_STEP_WAIT);
	CU_ASSERT_EQUAL(used, 0);
	CU_ASSERT_EQUAL(ftp_client_feed(&cl, "211-Features:\r\n EP", 19,
	    &used), FTP_STEP_FAIL);
	CU_ASSERT_EQUAL(cl.status, 502);
}

static void
test_ftp_http_status(void)
{
	const char	*r;

	CU_ASSERT_EQUAL(ftp_http_status(421, 0, &r), 503);
	CU_ASSERT_EQUAL(ftp_http_status(425, 0, &r), 502);
	CU_ASSERT_EQUAL(ftp_http_status(426, 0, &r), 502);
	CU_ASSERT_EQUAL(ftp_http_status(450, 0, &r), 503);
	CU_ASSERT_EQUAL(ftp_http_status(451, 0, &r), 502);
	CU_ASSERT_EQUAL(ftp_http_status(452, 0, &r), 502);
	CU_ASSERT_EQUAL(ftp_http_status(430, 0, &r), 503);
	CU_ASSERT_EQUAL(ftp_http_status(530, 1, &r), 401);
	CU_ASSERT_EQUAL(ftp_http_status(530, 0, &r), 403);
	CU_ASSERT_EQUAL(ftp_http_status(332, 1, &r), 403);
	CU_ASSERT_EQUAL(ftp_http_status(532, 0, &r), 403);
	CU_ASSERT_EQUAL(ftp_http_status(534, 0, &r), 403);
	CU_ASSERT_EQUAL(ftp_http_status(550, 0, &r), 404);
	CU_ASSERT_EQUAL(ftp_http_status(553, 0, &r), 404);
	CU_ASSERT_EQUAL(ftp_http_status(500, 0, &r), 502);
	CU_ASSERT_EQUAL(ftp_http_status(502, 0, &r), 502);
	CU_ASSERT_EQUAL(ftp_http_status(551, 0, &r), 502);
	CU_ASSERT_EQUAL(ftp_http_status(200, 0, &r), 502);
	CU_ASSERT_STRING_EQUAL(r, "unexpected FTP reply");
}

/* Collect a page. */
static void
page_emit(void *arg, const char *s, size_t n)
{
	(void)arg;
	CU_ASSERT_FATAL(page_len + n < sizeof page);
	memcpy(page + page_len, s, n);
	page_len += n;
	page[page_len] = '\0';
}

/* Format a listing fed one byte at a time; return the page. */
static const char *
listing(enum ftp_list_kind kind, const char *s, size_t n)
{
	struct ftp_listing	 l;
	size_t			 i;

	page_len = 0;
	page[0] = '\0';
	ftp_listing_begin(&l, kind, page_emit, NULL, "/pub/", NULL, 0);
	for (i = 0; i < n; i++)
		ftp_listing_feed(&l, s + i, 1);
	ftp_listing_end(&l);
	return (page);
}

static int
has(const char *s)
{
	if (strstr(page, s) == NULL) {
		fprintf(stderr, "no \"%s\" in:\n%s\n", s, page);
		return (0);
	}
	return (1);
}

static void
test_ftp_list_parse_ls(void)
{
	struct ftp_entry	 e;

#define LS(x)	ftp_list_parse(FTP_LIST_LS, x, strlen(x), &e)
	CU_ASSERT_EQUAL(LS("-rw-r--r--    1 0        0         1048576 Jan 31 "
	    "23:59 file.bin"), 1);
	CU_ASSERT_EQUAL(e.type, 'f');
	CU_ASSERT(e.has_size);
	CU_ASSERT_EQUAL(e.size, 1048576);
	CU_ASSERT_STRING_EQUAL(e.date, "Jan 31 23:59");
	CU_ASSERT(e.name_len == 8 && memcmp(e.name, "file.bin", 8) == 0);
	CU_ASSERT_EQUAL(LS("drwxr-xr-x    2 0        0            4096 Feb 01 "
	    " 2023 pub"), 1);
	CU_ASSERT_EQUAL(e.type, 'd');
	CU_ASSERT_STRING_EQUAL(e.date, "Feb 01 2023");
	CU_ASSERT(e.name_len == 3 && memcmp(e.name, "pub", 3) == 0);
	CU_ASSERT_EQUAL(LS("lrwxrwxrwx    1 0        0               7 Mar 03 "
	    "10:00 latest -> pub/v2"), 1);
	CU_ASSERT_EQUAL(e.type, 'l');
	CU_ASSERT(e.name_len == 6 && memcmp(e.name, "latest", 6) == 0);
	CU_ASSERT(e.target_len == 6 && memcmp(e.target, "pub/v2", 6) == 0);
	/* Spaces in a name, kept as they are. */
	CU_ASSERT_EQUAL(LS("-rw-r--r-- 1 ftp ftp 12 Jan  1  2020 my file  "
	    "name.txt"), 1);
	CU_ASSERT(e.name_len == 17 && memcmp(e.name, "my file  name.txt",
	    17) == 0);
	CU_ASSERT_EQUAL(LS("-rw-r--r-- 1 ftp ftp 12 Jan  1  2020  lead"), 1);
	CU_ASSERT(e.name_len == 5 && memcmp(e.name, " lead", 5) == 0);
	/* No group column; a group called like a month. */
	CU_ASSERT_EQUAL(LS("-rw-r--r-- 1 owner 1234 Jan 1 2020 x"), 1);
	CU_ASSERT_EQUAL(e.size, 1234);
	CU_ASSERT_EQUAL(LS("-rw-r--r-- 1 o Jan 99 Feb 2 2021 y"), 1);
	CU_ASSERT_EQUAL(e.size, 99);
	CU_ASSERT_STRING_EQUAL(e.date, "Feb 2 2021");
	/* ACL mark, device file. */
	CU_ASSERT_EQUAL(LS("-rw-r--r--+ 1 0 0 5 Jan 1 2020 acl"), 1);
	CU_ASSERT_EQUAL(LS("crw-rw---- 1 0 5 4, 1 Jan 1 2020 tty1"), 1);
	CU_ASSERT_EQUAL(e.type, '?');
	CU_ASSERT(!e.has_size);
	/* Left out. */
	CU_ASSERT_EQUAL(LS("total 12"), 0);
	CU_ASSERT_EQUAL(LS("drwxr-xr-x 2 0 0 6 Jan 1 2020 ."), 0);
	CU_ASSERT_EQUAL(LS("drwxr-xr-x 2 0 0 6 Jan 1 2020 .."), 0);
	CU_ASSERT_EQUAL(LS(""), 0);
	/* Not understood. */
	CU_ASSERT_EQUAL(LS("hello world"), -1);
	CU_ASSERT_EQUAL(LS("-rw-r--r-- 1 0 0 5 Jan 1 2020"), -1);
	CU_ASSERT_EQUAL(LS("-rw-r--r-- 1 0 0 5 Jan 1 2020 "), -1);
	CU_ASSERT_EQUAL(LS("-rw-r--r-- 1 0 0 5 Foo 1 2020 x"), -1);
	CU_ASSERT_EQUAL(LS("-rw-r--r-- 1 0 0 5 Jan 123 2020 x"), -1);
	CU_ASSERT_EQUAL(LS("-rw-r--r-- 1 0 0 5 Jan 1 20:2 x"), -1);
	CU_ASSERT_EQUAL(LS("-rwqr--r-- 1 0 0 5 Jan 1 2020 x"), -1);
	CU_ASSERT_EQUAL(LS("total"), -1);
	/* DOS lines. */
	CU_ASSERT_EQUAL(LS("01-16-24  02:30PM       <DIR>          Program "
	    "Files"), 1);
	CU_ASSERT_EQUAL(e.type, 'd');
	CU_ASSERT(e.name_len == 13 && memcmp(e.name, "Program Files",
	    13) == 0);
	CU_ASSERT_STRING_EQUAL(e.date, "01-16-24 02:30PM");
	CU_ASSERT_EQUAL(LS("01-16-2024  14:30              1234 readme.txt"),
	    1);
	CU_ASSERT_EQUAL(e.type, 'f');
	CU_ASSERT_EQUAL(e.size, 1234);
	CU_ASSERT_EQUAL(LS("01-16-24  02:30XM  <DIR> x"), -1);
	CU_ASSERT_EQUAL(LS("01-16-24  02:30PM  <DIR>   "), -1);
#undef LS
}

static void
test_ftp_list_parse_mlsd_nlst(void)
{
	struct ftp_entry	 e;

#define ML(x)	ftp_list_parse(FTP_LIST_MLSD, x, strlen(x), &e)
	CU_ASSERT_EQUAL(ML("type=file;size=1234;modify=20240131235959;perm=r;"
	    " file name.txt"), 1);
	CU_ASSERT_EQUAL(e.type, 'f');
	CU_ASSERT_EQUAL(e.size, 1234);
	CU_ASSERT_STRING_EQUAL(e.date, "2024-01-31 23:59");
	CU_ASSERT(e.name_len == 13 && memcmp(e.name, "file name.txt",
	    13) == 0);
	CU_ASSERT_EQUAL(ML("Type=dir;Modify=20240101000000; sub"), 1);
	CU_ASSERT_EQUAL(e.type, 'd');
	CU_ASSERT_EQUAL(ML("type=OS.unix=slink:/etc;size=4; ln"), 1);
	CU_ASSERT_EQUAL(e.type, 'l');
	CU_ASSERT_EQUAL(ML("type=cdir;modify=20240101000000; /pub"), 0);
	CU_ASSERT_EQUAL(ML("type=pdir; .."), 0);
	/* No facts at all is legal: " name". */
	CU_ASSERT_EQUAL(ML(" bare"), 1);
	CU_ASSERT_EQUAL(e.type, '?');
	CU_ASSERT_EQUAL(ML("nofacts"), -1);
	CU_ASSERT_EQUAL(ML("type=file;size=1"), -1);
	CU_ASSERT_EQUAL(ML("type=file; "), -1);
	CU_ASSERT_EQUAL(ML("=x; name"), -1);
	CU_ASSERT_EQUAL(ML("size; name"), -1);
#undef ML
	CU_ASSERT_EQUAL(ftp_list_parse(FTP_LIST_NAMES, "a b", 3, &e), 1);
	CU_ASSERT_EQUAL(e.name_len, 3);
	CU_ASSERT_EQUAL(ftp_list_parse(FTP_LIST_NAMES, "..", 2, &e), 0);
}

static void
test_ftp_listing_page(void)
{
	const char	*ls =
	    "total 24\r\n"
	    "-rw-r--r--    1 0        0         1048576 Jan 31 23:59 "
	    "file.bin\r\n"
	    "drwxr-xr-x    2 0        0            4096 Feb 01  2023 pub\r\n"
	    "lrwxrwxrwx    1 0        0               7 Mar 03 10:00 latest "
	    "-> <b>pub</b>\r\n"
	    "-rw-r--r--    1 0        0              12 Jan 01  2020 a <i>&"
	    "\"'.txt\r\n"
	    "-rw-r--r--    1 0        0               5 Jan 01  2020 caf\xe9"
	    " \xc3\xa9t\xc3\xa9\r\n"
	    "-rw-r--r--    1 0        0               5 Jan 01  2020 x;y?z#"
	    "%41\x1b[31m\r\n"
	    "<script>alert(1)</script>\n"
	    "drwxr-xr-x    2 0        0            4096 Feb 01  2023 last";
	const char	*expect =
	    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n"
	    "<title>FTP directory /pub/</title>\n</head><body>\n"
	    "<h1>FTP directory /pub/</h1>\n<table>\n"
	    "<tr><th>Name</th><th>Size</th><th>Modified</th></tr>\n"
	    "<tr><td><a href=\"../\">../</a></td><td></td><td></td></tr>\n"
	    "<tr><td><a href=\"file.bin\">file.bin</a></td><td>1048576</td>"
	    "<td>Jan 31 23:59</td></tr>\n"
	    "<tr><td><a href=\"pub/\">pub/</a></td><td></td>"
	    "<td>Feb 01 2023</td></tr>\n"
	    "<tr><td><a href=\"latest\">latest</a> -&gt; &lt;b&gt;pub&lt;/b"
	    "&gt;</td><td>7</td><td>Mar 03 10:00</td></tr>\n"
	    "<tr><td><a href=\"a%20%3Ci%3E%26%22%27.txt\">a &lt;i&gt;&amp;"
	    "&quot;&#39;.txt</a></td><td>12</td><td>Jan 01 2020</td></tr>\n"
	    "<tr><td><a href=\"caf%E9%20%C3%A9t%C3%A9\">caf\xef\xbf\xbd "
	    "\xc3\xa9t\xc3\xa9</a></td><td>5</td><td>Jan 01 2020</td></tr>\n"
	    "<tr><td><a href=\"x%3By%3Fz%23%2541%1B%5B31m\">x;y?z#%41"
	    "\xef\xbf\xbd[31m</a></td><td>5</td><td>Jan 01 2020</td></tr>\n"
	    "<tr><td colspan=\"3\">&lt;script&gt;alert(1)&lt;/script&gt;"
	    "</td></tr>\n"
	    "<tr><td><a href=\"last/\">last/</a></td><td></td>"
	    "<td>Feb 01 2023</td></tr>\n"
	    "</table>\n</body></html>\n";

	listing(FTP_LIST_LS, ls, strlen(ls));
	CU_ASSERT_STRING_EQUAL(page, expect);
	if (strcmp(page, expect) != 0)
		fprintf(stderr, "%s", page);
}

static void
test_ftp_listing_page_edges(void)
{
	struct ftp_listing	 l;
	char			 big[FTP_LIST_LINE_MAX + 100];
	const char		*s;
	const char		*ml =
	    "type=cdir;modify=20240101000000; /\r\n"
	    "type=file;size=3;modify=20240131235959; a&b\r\n";

	/* The root has no "../"; title and base are escaped. */
	page_len = 0;
	ftp_listing_begin(&l, FTP_LIST_MLSD, page_emit, NULL, "/<x>\xff",
	    "ftp://h/%3Cx%3E\"/", 1);
	ftp_listing_feed(&l, ml, strlen(ml));
	ftp_listing_end(&l);
	CU_ASSERT(has("<title>FTP directory /&lt;x&gt;\xef\xbf\xbd</title>"));
	CU_ASSERT(has("<base href=\"ftp://h/%3Cx%3E&quot;/\">"));
	CU_ASSERT(strstr(page, "../") == NULL);
	CU_ASSERT(has("<a href=\"a%26b\">a&amp;b</a></td><td>3</td>"
	    "<td>2024-01-31 23:59</td>"));
	CU_ASSERT(strstr(page, "cdir") == NULL);

	/* A line too long is not shown, and the next one is. */
	memset(big, 'x', sizeof big);
	memcpy(big + sizeof big - 4, "\nb\n", 3);
	listing(FTP_LIST_NAMES, big, sizeof big - 1);
	CU_ASSERT(has("(line too long)"));
	CU_ASSERT(has("<a href=\"b\">b</a>"));
	CU_ASSERT(strstr(page, "xxxxxxxx") == NULL);

	/* An empty listing is a page too. */
	listing(FTP_LIST_LS, "", 0);
	CU_ASSERT(has("</table>\n</body></html>\n"));
	/* Bad UTF-8: overlong, surrogate, beyond U+10FFFF, cut short. */
	s = "\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\xe2\x82\n";
	listing(FTP_LIST_NAMES, s, strlen(s));
	CU_ASSERT(has(">\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|"
	    "\xef\xbf\xbd\xef\xbf\xbd</a>"));
	listing(FTP_LIST_NAMES, "\xf0\x9f\x98\x80\n", 5);
	CU_ASSERT(has("<a href=\"%F0%9F%98%80\">\xf0\x9f\x98\x80</a>"));
}

static CU_TestInfo ftp_client_tests[] = {
	{ "test_ftp_client_vsftpd_file", test_ftp_client_vsftpd_file },
	{ "test_ftp_client_pure_range", test_ftp_client_pure_range },
	{ "test_ftp_client_rest_refused", test_ftp_client_rest_refused },
	{ "test_ftp_client_range_bounded", test_ftp_client_range_bounded },
	{ "test_ftp_client_range_suffix_and_416",
	    test_ftp_client_range_suffix_and_416 },
	{ "test_ftp_client_retr_550_directory",
	    test_ftp_client_retr_550_directory },
	{ "test_ftp_client_size_550_directory",
	    test_ftp_client_size_550_directory },
	{ "test_ftp_client_mlsd_root", test_ftp_client_mlsd_root },
	{ "test_ftp_client_pasv_then_active",
	    test_ftp_client_pasv_then_active },
	{ "test_ftp_client_v6_active", test_ftp_client_v6_active },
	{ "test_ftp_client_head", test_ftp_client_head },
	{ "test_ftp_client_login_errors", test_ftp_client_login_errors },
	{ "test_ftp_client_transfer_errors", test_ftp_client_transfer_errors },
	{ "test_ftp_client_bad_urls", test_ftp_client_bad_urls },
	{ "test_ftp_client_types", test_ftp_client_types },
	{ "test_ftp_client_pipelined", test_ftp_client_pipelined },
	{ "test_ftp_http_status", test_ftp_http_status },
	{ "test_ftp_list_parse_ls", test_ftp_list_parse_ls },
	{ "test_ftp_list_parse_mlsd_nlst", test_ftp_list_parse_mlsd_nlst },
	{ "test_ftp_listing_page", test_ftp_listing_page },
	{ "test_ftp_listing_page_edges", test_ftp_listing_page_edges },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(ftp_client_suite, "lib_ftp_client", ftp_client_tests)
