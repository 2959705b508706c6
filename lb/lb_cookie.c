/*
 * lb_cookie.c: L7 persistence cookies.
 *
 * A cookie value is 24 bytes in base64url (32 characters, no padding):
 *
 *  off len
 *    0   1 version (1)
 *    1   4 the cluster's cookie-generation, network order
 *    5   4 the server's token, network order
 *    9  15 HMAC-SHA256 over "cookie\0" and bytes 0-8, truncated
 *
 * under a key derived from the secret-file and the cluster's name, so a
 * cookie of one cluster means nothing to another. The token is a keyed
 * hash of the server's name, stable across reloads and the same on both
 * peers (given the same secret), and says nothing of the server's address
 * or of its place in the config. Raising the generation orphans every
 * cookie at once.
 *
 * The values come from clients: the decoder takes any bytes and checks
 * length and alphabet before anything else, and the MAC (in constant time)
 * before the fields are believed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "http_field.h"
#include "lb.h"
#include "log.h"

#define LB_COOKIE_BODY		9
#define LB_COOKIE_MACLEN	15
#define LB_COOKIE_RAWLEN	(LB_COOKIE_BODY + LB_COOKIE_MACLEN)

static int	 hmac(const unsigned char *, size_t, const char *,
		    const void *, size_t, unsigned char *);
static void	 put32(unsigned char *, uint32_t);
static uint32_t	 get32(const unsigned char *);
static int	 attr_valid(const char *);
static void	 fmt_date(time_t, char *, size_t);

static const char *const verdict_names[] = {
	"ok", "malformed", "forged", "stale"
};

/*
 * HMAC-SHA256 of <label> (with its NUL, to keep the uses of one key
 * apart) followed by <data>, under <key>, into <out> (32 bytes). Return
 * -1 if OpenSSL fails (out of memory), which costs one cookie, not the
 * daemon.
 */
static int
hmac(const unsigned char *key, size_t keylen, const char *label,
    const void *data, size_t len, unsigned char *out)
{
	unsigned char	 stack[64], *buf = stack;
	unsigned int	 outlen = 0;
	size_t		 ll = strlen(label) + 1;
	int		 rv = 0;

	if (ll + len > sizeof stack && (buf = malloc(ll + len)) == NULL)
		return (-1);
	memcpy(buf, label, ll);
	memcpy(buf + ll, data, len);
	if (HMAC(EVP_sha256(), key, (int)keylen, buf, ll + len, out,
	    &outlen) == NULL || outlen != 32)
		rv = -1;
	if (buf != stack)
		free(buf);
	return (rv);
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint32_t
get32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

/* Derive a cluster's cookie key (32 bytes) from the secret and its name. */
void
lb_cookie_key(const unsigned char *secret, size_t len, const char *cluster,
    unsigned char *key)
{
	if (hmac(secret, len, "twin-lb cookie key v1", cluster,
	    strlen(cluster), key) == -1)
		fatalx("%s: cannot derive the cookie key", cluster);
}

/* The token naming server <name> in the cookies of a cluster's key. */
uint32_t
lb_cookie_token(const unsigned char *key, const char *name)
{
	unsigned char	mac[32];

	if (hmac(key, LB_COOKIE_KEYLEN, "server", name, strlen(name),
	    mac) == -1)
		fatalx("%s: cannot derive the cookie token", name);
	return (get32(mac));
}

/*
 * Make the cookie value for <token> in generation <gen> under <key>, into
 * <out> (LB_COOKIE_VALLEN + 1 bytes, NUL-terminated). Return 0, or -1
 * (out of memory) with <out> empty.
 */
int
lb_cookie_encode(const unsigned char *key, uint32_t gen, uint32_t token,
    char *out)
{
	unsigned char	raw[LB_COOKIE_RAWLEN], mac[32];
	size_t		i;

	raw[0] = LB_COOKIE_VERSION;
	put32(raw + 1, gen);
	put32(raw + 5, token);
	if (hmac(key, LB_COOKIE_KEYLEN, "cookie", raw, LB_COOKIE_BODY,
	    mac) == -1) {
		out[0] = '\0';
		return (-1);
	}
	memcpy(raw + LB_COOKIE_BODY, mac, LB_COOKIE_MACLEN);
	/* 24 bytes make 32 characters: no padding to strip. */
	EVP_EncodeBlock((unsigned char *)out, raw, sizeof raw);
	for (i = 0; i < LB_COOKIE_VALLEN; i++)
		out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
	out[LB_COOKIE_VALLEN] = '\0';
	return (0);
}

/*
 * Check the cookie value <val> (<len> bytes, any content) under <key>
 * for generation <gen>. Only LB_COOKIE_OK sets *token.
 */
enum lb_cookie_verdict
lb_cookie_decode(const unsigned char *key, uint32_t gen, const char *val,
    size_t len, uint32_t *token)
{
	unsigned char	b64[LB_COOKIE_VALLEN + 1], raw[LB_COOKIE_RAWLEN + 3];
	unsigned char	mac[32], c;
	size_t		i;

	if (len != LB_COOKIE_VALLEN)
		return (LB_COOKIE_MALFORMED);
	/*
	 * EVP_DecodeBlock skips blanks and takes '+' and '/': check the
	 * base64url alphabet here, strictly, then translate.
	 */
	for (i = 0; i < len; i++) {
		c = (unsigned char)val[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9'))
			b64[i] = c;
		else if (c == '-')
			b64[i] = '+';
		else if (c == '_')
			b64[i] = '/';
		else
			return (LB_COOKIE_MALFORMED);
	}
	b64[len] = '\0';
	if (EVP_DecodeBlock(raw, b64, (int)len) != LB_COOKIE_RAWLEN)
		return (LB_COOKIE_MALFORMED);
	/* Without a MAC to compare, the cookie cannot be believed. */
	if (hmac(key, LB_COOKIE_KEYLEN, "cookie", raw, LB_COOKIE_BODY,
	    mac) == -1 || CRYPTO_memcmp(mac, raw + LB_COOKIE_BODY,
	    LB_COOKIE_MACLEN) != 0)
		return (LB_COOKIE_FORGED);
	if (raw[0] != LB_COOKIE_VERSION)
		return (LB_COOKIE_MALFORMED);
	if (get32(raw + 1) != gen)
		return (LB_COOKIE_STALE);
	*token = get32(raw + 5);
	return (LB_COOKIE_OK);
}

/* Name a verdict, for logs and counters. */
const char *
lb_cookie_verdict_str(enum lb_cookie_verdict v)
{
	if (v > LB_COOKIE_STALE)
		return ("?");
	return (verdict_names[v]);
}

/*
 * Find the next cookie called <name> in a Cookie header value <hdr>
 * (<len> bytes, any content), from offset *pos: RFC 6265 section 4.2.1,
 * "name=value" pairs separated by ';', read leniently (blanks around
 * either side, pairs without '=' skipped, quotes around a value removed).
 * Return 1 with the value in <val>/<vlen> and *pos past the pair, or 0
 * when there is no more. A client may send a name twice (cookies of two
 * paths): call again for the next.
 */
int
lb_cookie_find(const char *hdr, size_t len, const char *name, size_t *pos,
    const char **val, size_t *vlen)
{
	size_t		 nlen = strlen(name), i, end, ns, ne, vs, ve;
	const char	*eq;

	for (i = *pos; i < len; i = end + 1) {
		end = i;
		while (end < len && hdr[end] != ';')
			end++;
		ns = i;
		while (ns < end && (hdr[ns] == ' ' || hdr[ns] == '\t'))
			ns++;
		if ((eq = memchr(hdr + ns, '=', end - ns)) == NULL)
			continue;
		ne = (size_t)(eq - hdr);
		vs = ne + 1;
		while (ne > ns && (hdr[ne - 1] == ' ' || hdr[ne - 1] == '\t'))
			ne--;
		if (ne - ns != nlen || memcmp(hdr + ns, name, nlen) != 0)
			continue;
		ve = end;
		while (vs < ve && (hdr[vs] == ' ' || hdr[vs] == '\t'))
			vs++;
		while (ve > vs && (hdr[ve - 1] == ' ' || hdr[ve - 1] == '\t'))
			ve--;
		if (ve - vs >= 2 && hdr[vs] == '"' && hdr[ve - 1] == '"') {
			vs++;
			ve--;
		}
		*val = hdr + vs;
		*vlen = ve - vs;
		*pos = end < len ? end + 1 : len;
		return (1);
	}
	*pos = len;
	return (0);
}

/* Return 1 if <s> may go into a Set-Cookie attribute unchanged. */
static int
attr_valid(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f ||
		    *s == ';' || *s == ',' || *s == '"' || *s == '\\')
			return (0);
	return (1);
}

/* Format <t> as an HTTP date (IMF-fixdate), whatever the locale. */
static void
fmt_date(time_t t, char *buf, size_t len)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed",
	    "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm	tm;

	if (gmtime_r(&t, &tm) == NULL) {
		strlcpy(buf, "Fri, 31 Dec 9999 23:59:59 GMT", len);
		return;
	}
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d GMT",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/*
 * Write the value of a Set-Cookie header for cookie <value> into <buf>:
 * "name=value; Path=/; Domain=d; Max-Age=n; Expires=date; HttpOnly;
 * Secure", Max-Age and Expires (counted from <now>) only for a cookie with
 * an age, Secure only for https clusters. Return the length, or -1 if
 * <buf> is too small or a part would change the header's meaning.
 */
int
lb_cookie_set_value(char *buf, size_t len, const struct lb_cookie_attrs *a,
    const char *value, time_t now)
{
	char		 date[40];
	uint64_t	 secs;
	size_t		 off;
	int		 n;

	if (a->name == NULL || *a->name == '\0' || strchr(a->name, '=') ||
	    !attr_valid(a->name) || !attr_valid(value) ||
	    (a->path != NULL && !attr_valid(a->path)) ||
	    (a->domain != NULL && !attr_valid(a->domain)))
		return (-1);
	n = snprintf(buf, len, "%s=%s", a->name, value);
	if (n < 0 || (size_t)n >= len)
		return (-1);
	off = (size_t)n;
	if (a->path != NULL) {
		n = snprintf(buf + off, len - off, "; Path=%s", a->path);
		if (n < 0 || (size_t)n >= len - off)
			return (-1);
		off += (size_t)n;
	}
	if (a->domain != NULL) {
		n = snprintf(buf + off, len - off, "; Domain=%s", a->domain);
		if (n < 0 || (size_t)n >= len - off)
			return (-1);
		off += (size_t)n;
	}
	if (a->age != 0) {
		/* Whole seconds, rounded up: 500ms must not mean "now". */
		secs = (a->age + 999) / 1000;
		fmt_date(now + (time_t)secs, date, sizeof date);
		n = snprintf(buf + off, len - off, "; Max-Age=%llu; "
		    "Expires=%s", (unsigned long long)secs, date);
		if (n < 0 || (size_t)n >= len - off)
			return (-1);
		off += (size_t)n;
	}
	n = snprintf(buf + off, len - off, "; HttpOnly%s",
	    a->secure ? "; Secure" : "");
	if (n < 0 || (size_t)n >= len - off)
		return (-1);
	return ((int)(off + (size_t)n));
}

/*
 * The cookie value naming server <s> in its cluster's current generation,
 * into <out> (LB_COOKIE_VALLEN + 1 bytes); -1 if the cluster has no key
 * (or no memory).
 */
int
lb_cookie_value(const struct lb_server *s, char *out)
{
	if (s->cl == NULL || !s->cl->has_ckey)
		return (-1);
	return (lb_cookie_encode(s->cl->ckey, s->cl->p.generation, s->token,
	    out));
}

/*
 * Whether the response to a request picked as <pk> gets our cookie: when
 * persistence is to be recorded and the request did not already carry
 * the right cookie, if the server set a cookie of its own
 * (<server_set>) or the cluster has cookie-always. A cookie with an age
 * is also sent again on every response to a request that carried it, so
 * that it expires cookie-age after the client's last request, not after
 * its first: the client's own cookie shows it takes ours.
 */
int
lb_cookie_want(const struct lb_cluster *cl, const struct lb_pick *pk,
    int server_set)
{
	if (cl->p.persist != LB_PERSIST_COOKIE || !cl->has_ckey ||
	    pk->srv == NULL || !pk->record)
		return (0);
	if (pk->cookie_ok)
		return (cl->p.cookie.age != 0);
	return (cl->p.cookie_always || server_set);
}

/*
 * Write into <out> (room for 2 * <len> bytes: a bare ';' may become
 * "; ") the Cookie header value <hdr> without the cookies called <name>,
 * the others kept in order and joined by "; ". Return the new length; 0 when
 * nothing is left (the field is then dropped). Pairs without '=' are
 * kept as they are: they are not ours to judge.
 */
size_t
lb_cookie_strip(const char *hdr, size_t len, const char *name, char *out)
{
	size_t	 nlen = strlen(name), i, end, s, e, ne, o = 0;
	const char *eq;

	for (i = 0; i < len; i = end + 1) {
		end = i;
		while (end < len && hdr[end] != ';')
			end++;
		s = i;
		e = end;
		while (s < e && (hdr[s] == ' ' || hdr[s] == '\t'))
			s++;
		while (e > s && (hdr[e - 1] == ' ' || hdr[e - 1] == '\t'))
			e--;
		if (s == e)
			continue;
		if ((eq = memchr(hdr + s, '=', e - s)) != NULL) {
			ne = (size_t)(eq - hdr);
			while (ne > s && (hdr[ne - 1] == ' ' ||
			    hdr[ne - 1] == '\t'))
				ne--;
			if (ne - s == nlen && memcmp(hdr + s, name, nlen) == 0)
				continue;
		}
		if (o > 0) {
			out[o++] = ';';
			out[o++] = ' ';
		}
		memcpy(out + o, hdr + s, e - s);
		o += e - s;
	}
	return (o);
}

/*
 * The first Cookie field of <m> that holds a cookie called <name>, or
 * NULL. (HTTP/1.1 clients send one Cookie field, but more are allowed.)
 */
const struct http_header *
lb_cookie_header(const struct http_msg *m, const char *name)
{
	const struct http_header	*h;
	const char			*val;
	size_t				 pos, vlen;
	unsigned			 i;

	for (i = 0; i < m->nheaders; i++) {
		h = &m->headers[i];
		if (!http_header_is(h, "cookie"))
			continue;
		pos = 0;
		if (lb_cookie_find(h->value, h->value_len, name, &pos, &val,
		    &vlen))
			return (h);
	}
	return (NULL);
}
