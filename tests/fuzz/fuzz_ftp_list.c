/*
 * fuzz_ftp_list.c: libFuzzer target for the ftp:// gateway's directory
 * listing formatter and its client machine (lib/ftp_list.c,
 * lib/ftp_client.c).
 *
 * The first input byte picks the listing kind and the client's settings;
 * the rest is a listing, fed whole and in fragments (the pages must be
 * byte for byte the same and well-formed: server bytes only ever as
 * escaped text or percent-encoded links), and then a server's side of a
 * conversation for the client.
 */
#include <sys/socket.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftp.h"
#include "fuzz.h"

#define PAGE_MAX	(1 << 22)

struct page {
	char	*buf;
	size_t	 len;
};

static void	page_emit(void *, const char *, size_t);
static void	make_page(struct page *, enum ftp_list_kind, const char *,
		    size_t, size_t);
static int	hexdig(int);
static void	check_page(const struct page *);
static void	fuzz_client(unsigned, const char *, size_t);

static const char *const tags[] = {
	"<!DOCTYPE html>", "<html>", "<head>", "<meta charset=\"utf-8\">",
	"<title>", "</title>", "</head>", "<body>", "<h1>", "</h1>",
	"<table>", "</table>", "<tr>", "</tr>", "<th>", "</th>", "<td>",
	"<td colspan=\"3\">", "</td>", "</a>", "</body>", "</html>", NULL
};
static const char *const entities[] = {
	"&lt;", "&gt;", "&amp;", "&quot;", "&#39;", NULL
};
static const char *const paths[] = {
	"/", "/pub/file.bin", "/pub/", "/a%20b/c;type=a", "/x;type=d",
	"/f%FF%0d", "/dir/sub/leaf.tar.gz", "/;type=i"
};

static struct page	 p1, p2;

static void
page_emit(void *arg, const char *s, size_t n)
{
	struct page	*p = arg;

	CHECK(n > 0);
	CHECK(p->len + n <= PAGE_MAX);
	memcpy(p->buf + p->len, s, n);
	p->len += n;
}

/* Format a listing fed in fragments of step bytes (0: at once). */
static void
make_page(struct page *p, enum ftp_list_kind kind, const char *buf,
    size_t len, size_t step)
{
	struct ftp_listing	 l;
	size_t			 off, n;

	p->len = 0;
	ftp_listing_begin(&l, kind, page_emit, p, "/a<b>\xff/",
	    "ftp://h/a%3Cb%3E%FF/", step % 2);
	for (off = 0; off < len; off += n) {
		n = step == 0 || len - off < step ? len - off : step;
		ftp_listing_feed(&l, buf + off, n);
	}
	ftp_listing_end(&l);
}

static int
hexdig(int c)
{
	return ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'));
}

/*
 * Check a page: UTF-8 throughout, no controls but LF, every '<' one of
 * our tags, every '&' one of our entities, links percent-encoded.
 */
static void
check_page(const struct page *p)
{
	const unsigned char	*s = (const unsigned char *)p->buf;
	size_t			 i = 0, n = p->len, k, t;
	int			 found;

	CHECK(n > 0 && memcmp(p->buf + n - 8, "</html>\n", 8) == 0);
	while (i < n) {
		if (s[i] == '<') {
			if (n - i > 9 && memcmp(s + i, "<a href=\"", 9) == 0) {
				for (i += 9; i < n && s[i] != '"'; i++) {
					if (s[i] == '%') {
						CHECK(i + 2 < n &&
						    hexdig(s[i + 1]) &&
						    hexdig(s[i + 2]));
						continue;
					}
					CHECK((s[i] >= 'a' && s[i] <= 'z') ||
					    (s[i] >= 'A' && s[i] <= 'Z') ||
					    (s[i] >= '0' && s[i] <= '9') ||
					    strchr("-._~/", s[i]) != NULL);
				}
				CHECK(i + 1 < n && s[i + 1] == '>');
				i += 2;
				continue;
			}
			if (n - i > 12 && memcmp(s + i, "<base href=\"", 12) ==
			    0) {
				for (i += 12; i < n && s[i] != '"'; i++)
					CHECK(s[i] != '<' && s[i] != '>');
				CHECK(i + 1 < n && s[i + 1] == '>');
				i += 2;
				continue;
			}
			for (found = 0, t = 0; tags[t] != NULL; t++) {
				k = strlen(tags[t]);
				if (n - i >= k &&
				    memcmp(s + i, tags[t], k) == 0) {
					found = 1;
					i += k;
					break;
				}
			}
			CHECK(found);
			continue;
		}
		if (s[i] == '&') {
			for (found = 0, t = 0; entities[t] != NULL; t++) {
				k = strlen(entities[t]);
				if (n - i >= k &&
				    memcmp(s + i, entities[t], k) == 0) {
					found = 1;
					i += k;
					break;
				}
			}
			CHECK(found);
			continue;
		}
		CHECK(s[i] != '>' && s[i] != '"' && s[i] != '\'');
		CHECK(s[i] == '\n' || (s[i] >= 0x20 && s[i] != 0x7f));
		/* Well-formed UTF-8. */
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf)
			k = 2;
		else if (s[i] >= 0xe0 && s[i] <= 0xef)
			k = 3;
		else {
			CHECK(s[i] >= 0xf0 && s[i] <= 0xf4);
			k = 4;
		}
		CHECK(i + k <= n);
		for (t = 1; t < k; t++)
			CHECK(s[i + t] >= 0x80 && s[i + t] <= 0xbf);
		i += k;
	}
}

/* Drive the client with buf as everything the server says. */
static void
fuzz_client(unsigned flags, const char *buf, size_t len)
{
	struct ftp_client_params	 p;
	struct ftp_client		 c;
	struct ftp_cmd			 cmd;
	struct ftp_limits		 big = { FTP_LINE_MAX, 2048, 256,
					     65536 };
	struct addr			 a;
	const char			*cause, *path;
	enum ftp_step			 s;
	size_t				 off = 0, used;
	unsigned			 i;

	memset(&p, 0, sizeof p);
	path = paths[(flags >> 2) % (sizeof paths / sizeof paths[0])];
	p.path = path;
	p.path_len = strlen(path);
	p.head = flags & 0x20;
	p.range = flags & 0x40;
	p.range_first = flags & 0x80 ? 100 : 0;
	p.range_last = flags & 0x10 ? 199 : UINT64_MAX;
	p.ctrl_af = flags & 0x02 ? AF_INET6 : AF_INET;
	p.active = flags & 0x01;
	p.active_only = (flags & 0x11) == 0x11;
	p.user = flags & 0x08 ? "joe" : NULL;
	p.pass = flags & 0x08 ? "pw\xff" : NULL;
	ftp_client_init(&c, &p);
	s = ftp_client_start(&c);
	if (s == FTP_STEP_FAIL) {
		CHECK(c.status == 400);
		return;
	}
	CHECK(s == FTP_STEP_WAIT);
	for (i = 0; i < 200; i++) {
		switch (s) {
		case FTP_STEP_WAIT:
			if (off >= len)
				return;
			s = ftp_client_feed(&c, buf + off, len - off, &used);
			CHECK(used <= len - off);
			off += used;
			if (s == FTP_STEP_WAIT && used == 0)
				return;
			continue;
		case FTP_STEP_SEND:
			CHECK(c.out_len >= 5 && c.out_len == strlen(c.out));
			CHECK(memcmp(c.out + c.out_len - 2, "\r\n", 2) == 0);
			CHECK(ftp_parse_command(&cmd, c.out, c.out_len,
			    &big) == FTP_DONE && cmd.len == c.out_len);
			CHECK(cmd.disp != FTP_D_REFUSE);
			s = FTP_STEP_WAIT;
			continue;
		case FTP_STEP_CONNECT:
			CHECK(c.data_port != 0 && !p.active_only);
			s = (off + i) % 5 == 0 ?
			    ftp_client_data_fail(&c, "refused") :
			    ftp_client_data_open(&c);
			continue;
		case FTP_STEP_LISTEN:
			CHECK(p.active || p.active_only);
			addr_parse(p.ctrl_af == AF_INET6 ? "::1" : "198.18.0.1",
			    &a, &cause);
			a.port = 40000;
			s = ftp_client_listening(&c, &a);
			continue;
		case FTP_STEP_HEAD:
			CHECK(c.head_sent);
			CHECK(c.status == 200 || c.status == 206);
			if (c.status == 206)
				CHECK(c.range_first <= c.range_last &&
				    c.body_len == c.range_last -
				    c.range_first + 1 &&
				    c.range_last < c.size);
			if (p.head)
				return;
			s = ftp_client_data_end(&c, c.body_len !=
			    FTP_BODY_UNKNOWN && (off & 1) ? c.body_len : off);
			continue;
		case FTP_STEP_DONE:
			CHECK(c.head_sent);
			return;
		case FTP_STEP_FAIL:
			CHECK(c.reason != NULL);
			CHECK(c.status == 400 || c.status == 401 ||
			    c.status == 403 || c.status == 404 ||
			    c.status == 414 || c.status == 416 ||
			    c.status == 500 || c.status == 502 ||
			    c.status == 503);
			/* A failed machine stays failed. */
			CHECK(ftp_client_feed(&c, "200 ok\r\n", 8, &used) ==
			    FTP_STEP_FAIL);
			return;
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t	 steps[] = { 1, 3, 64 };
	enum ftp_list_kind	 kind;
	const char		*buf;
	size_t			 len, i;

	if (size < 1 || size > 65536)
		return (0);
	if (p1.buf == NULL) {
		p1.buf = malloc(PAGE_MAX);
		p2.buf = malloc(PAGE_MAX);
		CHECK(p1.buf != NULL && p2.buf != NULL);
	}
	kind = data[0] % 3;
	buf = (const char *)data + 1;
	len = size - 1;

	make_page(&p1, kind, buf, len, 0);
	check_page(&p1);
	for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		make_page(&p2, kind, buf, len, steps[i] * 2);
		CHECK(p1.len == p2.len && memcmp(p1.buf, p2.buf, p1.len) == 0);
	}
	fuzz_client(data[0], buf, len);
	return (0);
}
