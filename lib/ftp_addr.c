/*
 * ftp_addr.c: FTP data-address codecs (PORT, PASV, EPRT, EPSV), the
 * bounce check, the user@server login split, ftp:// URL paths and the
 * numbers of SIZE, REST and MDTM.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "ftp.h"
#include "http.h"

static int	ftp_digit(int);
static int	ftp_hexval(int);
static int	ftp_byte_list(const char *, size_t, size_t *, unsigned *);
static void	ftp_list_addr(const unsigned *, struct addr *);
static void	ftp_addr_unmap(const struct addr *, struct addr *);
static int	ftp_url_segment(const char *, size_t, char *, size_t *,
		    const char **);
static size_t	ftp_url_enc(char *, size_t, size_t, const char *, int);

static int
ftp_digit(int c)
{
	return (c >= '0' && c <= '9');
}

static int
ftp_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* Parse a decimal below 2^63, without sign or spaces. */
int
ftp_num_parse(const char *s, size_t n, uint64_t *v)
{
	uint64_t	 x = 0;
	size_t		 i;

	if (n == 0 || n > 19)
		return (-1);
	for (i = 0; i < n; i++) {
		if (!ftp_digit((unsigned char)s[i]))
			return (-1);
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	/* 19 digits stay below 2^64, so only the sign bit can be set. */
	if (x >> 63)
		return (-1);
	*v = x;
	return (0);
}

/*
 * Parse six comma-separated numbers of 1-3 digits, each at most 255,
 * starting at s[0]; *used is how far the list went. The list must not go
 * on with another ",digit" or digit.
 */
static int
ftp_byte_list(const char *s, size_t n, size_t *used, unsigned *v)
{
	size_t		 i = 0, d;
	int		 k;

	for (k = 0; k < 6; k++) {
		if (k > 0) {
			if (i >= n || s[i] != ',')
				return (-1);
			i++;
		}
		for (d = 0, v[k] = 0; i < n && ftp_digit((unsigned char)s[i]);
		    i++, d++) {
			if (d == 3)
				return (-1);
			v[k] = v[k] * 10 + (unsigned)(s[i] - '0');
		}
		if (d == 0 || v[k] > 255)
			return (-1);
	}
	if (i + 1 < n && s[i] == ',' && ftp_digit((unsigned char)s[i + 1]))
		return (-1);
	*used = i;
	return (0);
}

/* Build the address of a byte list. */
static void
ftp_list_addr(const unsigned *v, struct addr *a)
{
	memset(a, 0, sizeof *a);
	a->af = AF_INET;
	a->u.v4.s_addr = htonl((uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 |
	    (uint32_t)v[2] << 8 | (uint32_t)v[3]);
	a->port = (uint16_t)(v[4] << 8 | v[5]);
}

/* Parse PORT's argument; see ftp.h. */
int
ftp_port_parse(const char *s, size_t n, struct addr *a, const char **cause)
{
	unsigned	 v[6];
	size_t		 used;

	if (ftp_byte_list(s, n, &used, v) == -1 || used != n) {
		*cause = "invalid PORT address";
		return (-1);
	}
	ftp_list_addr(v, a);
	if (a->port == 0) {
		*cause = "data port 0";
		return (-1);
	}
	return (0);
}

/* Scan a 227 reply's text; see ftp.h. */
int
ftp_pasv_parse(const char *s, size_t n, struct addr *a, const char **cause)
{
	unsigned	 v[6];
	size_t		 i, used;

	for (i = 0; i < n; i++) {
		/* A list starts after neither a digit nor a comma. */
		if (!ftp_digit((unsigned char)s[i]) || (i > 0 &&
		    (ftp_digit((unsigned char)s[i - 1]) || s[i - 1] == ',')))
			continue;
		if (ftp_byte_list(s + i, n - i, &used, v) == -1)
			continue;
		if (i + used < n && ftp_digit((unsigned char)s[i + used]))
			continue;
		ftp_list_addr(v, a);
		if (a->port == 0) {
			*cause = "data port 0 in 227 reply";
			return (-1);
		}
		return (0);
	}
	*cause = "no address in 227 reply";
	return (-1);
}

/* Parse EPRT's argument; see ftp.h. */
int
ftp_eprt_parse(const char *s, size_t n, struct addr *a, int *code,
    const char **cause)
{
	char		 buf[INET6_ADDRSTRLEN + 1];
	const char	*f[3];
	size_t		 flen[3], i, k;
	uint64_t	 port, proto;
	char		 d;

	*code = 501;
	*cause = "invalid EPRT argument";
	memset(a, 0, sizeof *a);
	if (n < 7 || (unsigned char)s[0] < 33 || (unsigned char)s[0] > 126 ||
	    s[n - 1] != s[0])
		return (-1);
	d = s[0];
	for (i = 1, k = 0; k < 3; k++) {
		f[k] = s + i;
		while (i < n - 1 && s[i] != d)
			i++;
		flen[k] = (size_t)(s + i - f[k]);
		if (flen[k] == 0 || (k < 2 && i == n - 1))
			return (-1);
		if (k == 2 && i != n - 1)
			return (-1);
		i++;
	}
	if (ftp_num_parse(f[0], flen[0], &proto) == -1)
		return (-1);
	if (proto != 1 && proto != 2) {
		*code = 522;
		*cause = "network protocol not supported, use (1,2)";
		return (-1);
	}
	if (flen[1] >= sizeof buf)
		return (-1);
	memcpy(buf, f[1], flen[1]);
	buf[flen[1]] = '\0';
	a->af = proto == 1 ? AF_INET : AF_INET6;
	/* inet_pton takes neither zones nor leading zeros in IPv4. */
	if (inet_pton(a->af, buf, &a->u) != 1) {
		*cause = "invalid EPRT address";
		return (-1);
	}
	if (flen[2] > 5 || ftp_num_parse(f[2], flen[2], &port) == -1 ||
	    port > 65535) {
		*cause = "invalid EPRT port";
		return (-1);
	}
	if (port == 0) {
		*cause = "data port 0";
		return (-1);
	}
	a->port = (uint16_t)port;
	*code = 0;
	*cause = NULL;
	return (0);
}

/* Scan a 229 reply's text; see ftp.h. */
int
ftp_epsv_parse(const char *s, size_t n, uint16_t *port, const char **cause)
{
	size_t		 i, j;
	uint64_t	 v;
	char		 d;

	for (i = 0; i + 6 < n; i++) {
		if (s[i] != '(')
			continue;
		d = s[i + 1];
		if ((unsigned char)d < 33 || (unsigned char)d > 126 ||
		    ftp_digit((unsigned char)d) || s[i + 2] != d ||
		    s[i + 3] != d)
			continue;
		for (j = i + 4; j < n && ftp_digit((unsigned char)s[j]); j++)
			;
		if (j + 1 >= n || s[j] != d || s[j + 1] != ')')
			continue;
		if (j - (i + 4) > 5 ||
		    ftp_num_parse(s + i + 4, j - (i + 4), &v) == -1 ||
		    v > 65535)
			continue;
		if (v == 0) {
			*cause = "data port 0 in 229 reply";
			return (-1);
		}
		*port = (uint16_t)v;
		return (0);
	}
	*cause = "no port in 229 reply";
	return (-1);
}

/* Format "h1,h2,h3,h4,p1,p2"; see ftp.h. */
int
ftp_port_fmt(const struct addr *a, char *buf, size_t len)
{
	uint32_t	 v;
	int		 r;

	if (a->af != AF_INET)
		return (-1);
	v = ntohl(a->u.v4.s_addr);
	r = snprintf(buf, len, "%u,%u,%u,%u,%u,%u", v >> 24, (v >> 16) & 255,
	    (v >> 8) & 255, v & 255, (unsigned)a->port >> 8,
	    (unsigned)a->port & 255);
	return (r < 0 || (size_t)r >= len ? -1 : r);
}

/* Format EPRT's argument; see ftp.h. */
int
ftp_eprt_fmt(const struct addr *a, char *buf, size_t len)
{
	char	 h[INET6_ADDRSTRLEN];
	int	 r;

	if ((a->af != AF_INET && a->af != AF_INET6) ||
	    inet_ntop(a->af, &a->u, h, sizeof h) == NULL)
		return (-1);
	r = snprintf(buf, len, "|%d|%s|%u|", a->af == AF_INET ? 1 : 2, h,
	    (unsigned)a->port);
	return (r < 0 || (size_t)r >= len ? -1 : r);
}

/* Format the 227 reply. */
int
ftp_pasv_reply(const struct addr *a, char *buf, size_t len)
{
	char	 hp[32];
	int	 r;

	if (ftp_port_fmt(a, hp, sizeof hp) == -1)
		return (-1);
	r = snprintf(buf, len, "227 Entering Passive Mode (%s).\r\n", hp);
	return (r < 0 || (size_t)r >= len ? -1 : r);
}

/* Format the 229 reply. */
int
ftp_epsv_reply(uint16_t port, char *buf, size_t len)
{
	int	 r;

	r = snprintf(buf, len,
	    "229 Entering Extended Passive Mode (|||%u|).\r\n",
	    (unsigned)port);
	return (r < 0 || (size_t)r >= len ? -1 : r);
}

/* Copy an address, IPv4-mapped IPv6 turned into IPv4. */
static void
ftp_addr_unmap(const struct addr *in, struct addr *out)
{
	*out = *in;
	if (in->af == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&in->u.v6)) {
		memset(out, 0, sizeof *out);
		out->af = AF_INET;
		memcpy(&out->u.v4, &in->u.v6.s6_addr[12], 4);
		out->port = in->port;
	}
}

/* Check a data address against the control peer; see ftp.h. */
int
ftp_data_addr_check(const struct addr *data, const struct addr *peer,
    const char **cause)
{
	struct addr	 d, p;

	ftp_addr_unmap(data, &d);
	ftp_addr_unmap(peer, &p);
	d.port = p.port = 0;
	if (!addr_eq(&d, &p)) {
		*cause = "data address is not the control connection's peer";
		return (-1);
	}
	if (data->port < 1024) {
		*cause = "data port below 1024";
		return (-1);
	}
	return (0);
}

/* Check an accepted data connection's peer; see ftp.h. */
int
ftp_data_peer_check(const struct addr *conn, const struct addr *peer,
    const char **cause)
{
	struct addr	 d, p;

	ftp_addr_unmap(conn, &d);
	ftp_addr_unmap(peer, &p);
	d.port = p.port = 0;
	if (!addr_eq(&d, &p)) {
		*cause = "data connection from another host than the "
		    "control connection's";
		return (-1);
	}
	return (0);
}

/* Whether c can be the login delimiter. */
int
ftp_login_delim_ok(char c)
{
	if (c < 0x21 || c > 0x7e)
		return (0);
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    ftp_digit((unsigned char)c))
		return (0);
	return (strchr(".-_:[]", c) == NULL);
}

/*
 * Split a native login; see ftp.h. The server part is checked by handing
 * lib/http.c a CONNECT request for it: that parser's host rules (DNS
 * labels, plain dotted quads, IPv6 without zones, ports 1-65535) are the
 * ones every other host the proxy meets must pass.
 */
int
ftp_login_split(const char *s, char delim, struct ftp_login *l,
    const char **cause)
{
	struct http_msg		 m;
	char			 req[HOST_MAXLEN + 64];
	const char		*at, *srv, *end;
	size_t			 ulen, slen, i;
	int			 has_port, r;

	memset(l, 0, sizeof *l);
	if (!ftp_login_delim_ok(delim)) {
		*cause = "invalid login delimiter";
		return (-1);
	}
	if ((at = strrchr(s, delim)) == NULL) {
		*cause = "no server in login name (user@server)";
		return (-1);
	}
	ulen = (size_t)(at - s);
	srv = at + 1;
	slen = strlen(srv);
	if (ulen == 0) {
		*cause = "empty user name";
		return (-1);
	}
	if (ulen > FTP_LINE_MAX) {
		*cause = "user name too long";
		return (-1);
	}
	if (slen == 0) {
		*cause = "empty server name";
		return (-1);
	}
	/* Only host characters, so the request below means one thing. */
	for (i = 0; i < slen; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:[]",
		    srv[i]) == NULL) {
			*cause = "invalid server name";
			return (-1);
		}
	if (slen > HOST_MAXLEN + 8) {
		*cause = "server name too long";
		return (-1);
	}
	if (srv[0] == '[')
		has_port = (end = strchr(srv, ']')) != NULL && end[1] == ':';
	else
		has_port = strchr(srv, ':') != NULL;
	r = snprintf(req, sizeof req, "CONNECT %s%s HTTP/1.0\r\n\r\n", srv,
	    has_port ? "" : ":21");
	if (r < 0 || (size_t)r >= sizeof req ||
	    http_parse_request(&m, req, (size_t)r, NULL) != HTTP_DONE ||
	    m.host_len == 0 || m.host_len >= sizeof l->host) {
		*cause = "invalid server name";
		return (-1);
	}
	memcpy(l->user, s, ulen);
	l->user[ulen] = '\0';
	memcpy(l->host, m.host, m.host_len);
	l->host[m.host_len] = '\0';
	l->port = (uint16_t)m.port;
	if (m.host_ipv6)
		l->af = AF_INET6;
	else if (inet_pton(AF_INET, l->host, req) == 1)
		l->af = AF_INET;
	return (0);
}

/*
 * Decode one URL path segment s[0..n) into out (which has room for
 * FTP_LINE_MAX bytes and a NUL), setting *outlen.
 */
static int
ftp_url_segment(const char *s, size_t n, char *out, size_t *outlen,
    const char **cause)
{
	size_t		 i, o = 0;
	int		 hi, lo, c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c <= 0x20 || c >= 0x7f) {
			*cause = "invalid character in URL path";
			return (-1);
		}
		if (c == '%') {
			if (n - i < 3 || (hi = ftp_hexval(s[i + 1])) < 0 ||
			    (lo = ftp_hexval(s[i + 2])) < 0) {
				*cause = "invalid percent-encoding in URL path";
				return (-1);
			}
			c = hi << 4 | lo;
			i += 2;
			/* CR, LF or NUL would end or cut the FTP command. */
			if (c < 0x20 || c == 0x7f) {
				*cause = "control character in URL path";
				return (-1);
			}
		}
		if (o >= FTP_LINE_MAX) {
			*cause = "URL path too long";
			return (-1);
		}
		out[o++] = (char)c;
	}
	out[o] = '\0';
	*outlen = o;
	return (0);
}

/* Decode an ftp:// URL path; see ftp.h. */
int
ftp_url_parse(const char *p, size_t n, struct ftp_url *u, const char **cause)
{
	const char	*seg, *last, *semi;
	size_t		 i, s, len;
	char		 t;

	memset(u, 0, sizeof *u);
	if (n == 0 || p[0] != '/') {
		*cause = "URL path must start with /";
		return (-1);
	}
	/* ";type=X" on the last segment (RFC 1738 section 3.2.2). */
	for (i = n; i > 0 && p[i - 1] != '/'; i--)
		;
	last = p + i;
	if (n - i >= 7 && (semi = p + n - 7)[0] == ';' &&
	    strncasecmp(semi + 1, "type=", 5) == 0) {
		t = semi[6];
		if (t == 'a' || t == 'A')
			u->type = FTP_URL_ASCII;
		else if (t == 'i' || t == 'I')
			u->type = FTP_URL_IMAGE;
		else if (t == 'd' || t == 'D')
			u->type = FTP_URL_NAMES;
		else {
			*cause = "invalid ;type= in URL";
			return (-1);
		}
		n -= 7;
	}
	if (last > p + n)
		last = p + n;
	u->slash = p[n - 1] == '/';

	/* Directory segments, joined by '/' for one CWD. */
	for (s = 1; p + s < last; s = i + 1) {
		for (i = s; p[i] != '/'; i++)
			;
		seg = p + s;
		if (i == s) {
			*cause = "empty segment in URL path";
			return (-1);
		}
		if (u->dir_len > 0) {
			if (u->dir_len + 1 >= FTP_LINE_MAX) {
				*cause = "URL path too long";
				return (-1);
			}
			u->dir[u->dir_len++] = '/';
		}
		if (ftp_url_segment(seg, i - s, u->dir + u->dir_len, &len,
		    cause) == -1)
			return (-1);
		if (u->dir_len + len >= FTP_LINE_MAX) {
			*cause = "URL path too long";
			return (-1);
		}
		u->dir_len += len;
	}
	u->dir[u->dir_len] = '\0';
	if (ftp_url_segment(last, (size_t)(p + n - last), u->leaf,
	    &u->leaf_len, cause) == -1)
		return (-1);
	return (0);
}

/* Decode an ftp:// userinfo; see ftp.h. */
int
ftp_userinfo_decode(const char *s, size_t n, char *user, char *pass,
    int *has_pass, const char **cause)
{
	const char	*colon;
	size_t		 ulen, plen;

	*has_pass = 0;
	user[0] = pass[0] = '\0';
	if ((colon = memchr(s, ':', n)) == NULL)
		colon = s + n;
	ulen = (size_t)(colon - s);
	if (ulen == 0) {
		*cause = "empty FTP user name";
		return (-1);
	}
	if (ftp_url_segment(s, ulen, user, &ulen, cause) == -1) {
		*cause = "invalid FTP user name in URL";
		return (-1);
	}
	if (colon == s + n)
		return (0);
	*has_pass = 1;
	if (ftp_url_segment(colon + 1, n - (size_t)(colon - s) - 1, pass,
	    &plen, cause) == -1) {
		*cause = "invalid FTP password in URL";
		return (-1);
	}
	return (0);
}

/* Decode Basic credentials; see ftp.h. */
int
ftp_basic_decode(const char *v, size_t n, char *user, char *pass,
    const char **cause)
{
	unsigned char	 dec[2 * FTP_LINE_MAX + 4];
	const char	*colon;
	size_t		 i, pad = 0, ulen;
	int		 len;

	*cause = "invalid Basic credentials";
	if (n < 6 || strncasecmp(v, "basic ", 6) != 0) {
		*cause = "not Basic credentials";
		return (-1);
	}
	for (v += 6, n -= 6; n > 0 && *v == ' '; v++, n--)
		;
	if (n == 0 || n % 4 != 0 || n / 4 * 3 > sizeof dec - 1)
		return (-1);
	/* EVP_DecodeBlock() skips what is not base64: check it first. */
	for (i = 0; i < n; i++) {
		if (v[i] == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || !((v[i] >= 'A' && v[i] <= 'Z') ||
		    (v[i] >= 'a' && v[i] <= 'z') || ftp_digit(v[i]) ||
		    v[i] == '+' || v[i] == '/'))
			return (-1);
	}
	if (pad > 2 || (len = EVP_DecodeBlock(dec, (const unsigned char *)v,
	    (int)n)) < (int)pad)
		return (-1);
	len -= (int)pad;
	for (i = 0; i < (size_t)len; i++)
		if (dec[i] < 0x20 || dec[i] == 0x7f) {
			*cause = "control character in Basic credentials";
			return (-1);
		}
	dec[len] = '\0';
	if ((colon = memchr(dec, ':', (size_t)len)) == NULL ||
	    colon == (char *)dec) {
		*cause = "Basic credentials without user:password";
		return (-1);
	}
	ulen = (size_t)(colon - (char *)dec);
	if (ulen > FTP_LINE_MAX || (size_t)len - ulen - 1 > FTP_LINE_MAX)
		return (-1);
	memcpy(user, dec, ulen);
	user[ulen] = '\0';
	memcpy(pass, colon + 1, (size_t)len - ulen - 1);
	pass[len - ulen - 1] = '\0';
	return (0);
}

/* Resolve a path against the current directory; see ftp.h. */
int
ftp_path_resolve(const char *cwd, const char *arg, char *out, size_t size)
{
	const char	*parts[2], *p, *seg;
	size_t		 o = 1, n, k;
	int		 i;

	if (size < 2)
		return (-1);
	out[0] = '/';
	parts[0] = arg[0] == '/' ? "" : cwd;
	parts[1] = arg;
	for (i = 0; i < 2; i++) {
		for (p = parts[i]; *p != '\0'; p = seg + n) {
			while (*p == '/')
				p++;
			seg = p;
			for (n = 0; seg[n] != '\0' && seg[n] != '/'; n++)
				;
			if (n == 0 || (n == 1 && seg[0] == '.'))
				continue;
			if (n == 2 && seg[0] == '.' && seg[1] == '.') {
				/* Back to the slash before the last segment. */
				while (o > 1 && out[o - 1] != '/')
					o--;
				if (o > 1)
					o--;
				continue;
			}
			k = o > 1 ? 1 : 0;
			if (o + k + n + 1 > size)
				return (-1);
			if (k)
				out[o++] = '/';
			memcpy(out + o, seg, n);
			o += n;
		}
	}
	out[o] = '\0';
	return (0);
}

/* Append s percent-encoded (keeping unreserved and, if slash, '/'). */
static size_t
ftp_url_enc(char *buf, size_t size, size_t o, const char *s, int slash)
{
	static const char	 hex[] = "0123456789ABCDEF";
	unsigned char		 c;

	for (; *s != '\0' && o + 1 < size; s++) {
		c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    ftp_digit(c) || c == '-' || c == '.' || c == '_' ||
		    c == '~' || (slash && c == '/')) {
			buf[o++] = (char)c;
			continue;
		}
		if (o + 4 > size)
			break;
		buf[o++] = '%';
		buf[o++] = hex[c >> 4];
		buf[o++] = hex[c & 15];
	}
	buf[o] = '\0';
	return (o);
}

/* Format an ftp:// URL for logs and pages; see ftp.h. */
size_t
ftp_url_format(char *buf, size_t size, const char *user, const char *host,
    int af, uint16_t port, const char *path)
{
	size_t	 o;
	int	 r;

	if (size == 0)
		return (0);
	buf[0] = '\0';
	if (strlcpy(buf, "ftp://", size) >= size)
		return (0);
	o = 6;
	if (user != NULL) {
		o = ftp_url_enc(buf, size, o, user, 0);
		if (o + 1 < size)
			buf[o++] = '@';
		buf[o] = '\0';
	}
	r = snprintf(buf + o, size - o, af == AF_INET6 ? "[%s]" : "%s", host);
	if (r < 0 || (size_t)r >= size - o)
		return (strlen(buf));
	o += (size_t)r;
	if (port != 21) {
		r = snprintf(buf + o, size - o, ":%u", (unsigned)port);
		if (r < 0 || (size_t)r >= size - o)
			return (strlen(buf));
		o += (size_t)r;
	}
	if (path == NULL || path[0] != '/') {
		if (o + 1 < size)
			buf[o++] = '/';
		buf[o] = '\0';
	}
	if (path != NULL)
		o = ftp_url_enc(buf, size, o, path, 1);
	return (o);
}

/* Parse MDTM's 213 text; see ftp.h. */
int
ftp_mdtm_parse(const char *s, size_t n, time_t *t)
{
	static const int mdays[] = {
		31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	struct tm	 tm;
	int		 v[6], i, k, leap;
	size_t		 j;

	if (n < 14)
		return (-1);
	for (j = 0; j < 14; j++)
		if (!ftp_digit((unsigned char)s[j]))
			return (-1);
	if (n > 14) {
		if (s[14] != '.' || n == 15 || n > 21)
			return (-1);
		for (j = 15; j < n; j++)
			if (!ftp_digit((unsigned char)s[j]))
				return (-1);
	}
	v[0] = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	for (i = 1, k = 4; i < 6; i++, k += 2)
		v[i] = (s[k] - '0') * 10 + (s[k + 1] - '0');
	if (v[0] < 1970 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[3] > 23 ||
	    v[4] > 59 || v[5] > 60)
		return (-1);
	leap = (v[0] % 4 == 0 && v[0] % 100 != 0) || v[0] % 400 == 0;
	if (v[2] > mdays[v[1] - 1] || (v[1] == 2 && !leap && v[2] > 28))
		return (-1);
	memset(&tm, 0, sizeof tm);
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5] == 60 ? 59 : v[5];
	*t = timegm(&tm);
	return (*t == (time_t)-1 ? -1 : 0);
}
