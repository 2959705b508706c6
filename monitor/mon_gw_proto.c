/*
 * mon_gw_proto.c: the gateway's wire pieces (see mon_gw.h): session IDs,
 * targets, the order line, the request paths, the operator's second
 * factor. They take bytes from the network and are fuzzed
 * (tests/fuzz/fuzz_mon_gw.c); the I/O helpers are in mon_gw_io.c.
 */
#include <sys/random.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "log.h"
#include "mon_auth.h"
#include "mon_gw.h"
#include "mon_report.h"

static int	u64_parse(const char *, size_t, uint64_t *);
static const char *field(const char **, const char *, size_t *);
static int	segment(const char **, const char *, char *, size_t, int);
static int	hex_decode(const char *, uint8_t *, size_t);
static int	hexval(char);

/* 32 lowercase hex digits. */
int
mon_gw_sid_valid(const char *s, size_t n)
{
	size_t	i;

	if (n != MON_GW_SID_LEN)
		return (0);
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return (0);
	return (1);
}

/* A new session ID into <out> (MON_GW_SID_LEN + 1 bytes). */
void
mon_gw_sid_new(char *out)
{
	uint8_t	raw[MON_GW_SID_LEN / 2];
	size_t	i = 0;
	ssize_t	n;

	while (i < sizeof raw) {
		if ((n = getrandom(raw + i, sizeof raw - i, 0)) == -1) {
			if (errno == EINTR)
				continue;
			fatal("getrandom");
		}
		i += (size_t)n;
	}
	for (i = 0; i < sizeof raw; i++)
		snprintf(out + i * 2, 3, "%02x", raw[i]);
}

/* An operator's, a site's or a peer's name: letters, digits, - _ . */
int
mon_gw_name_valid(const char *s, size_t n)
{
	size_t	i;

	if (n == 0 || n > MON_GW_OP_MAX || s[0] == '-' || s[0] == '.')
		return (0);
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '_' || s[i] == '.'))
			return (0);
	return (1);
}

/*
 * A target: "PORT" (the peer's own 127.0.0.1), "ADDR:PORT" or
 * "[V6]:PORT"; a literal address only, never a name to resolve.
 */
int
mon_gw_target_parse(const char *s, size_t n, struct addr *a,
    const char **cause)
{
	char		buf[MON_GW_TARGET_MAX + 1];
	uint16_t	port;

	if (n == 0 || n > MON_GW_TARGET_MAX || memchr(s, '\0', n) != NULL) {
		*cause = "target: empty, too long or not text";
		return (-1);
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (strspn(buf, "0123456789") == n) {
		if (port_parse(buf, &port, cause) == -1 || port == 0) {
			*cause = "target: bad port";
			return (-1);
		}
		if (addr_parse("127.0.0.1", a, cause) == -1)
			return (-1);
		a->port = port;
		return (0);
	}
	if (addr_parse_port(buf, a, cause) == -1 || a->port == 0) {
		*cause = "target: not ADDRESS:PORT or PORT";
		return (-1);
	}
	return (0);
}

/* A decimal number of at most 12 digits (ms: over 30 years). */
static int
u64_parse(const char *s, size_t n, uint64_t *v)
{
	size_t	i;

	if (n == 0 || n > 12)
		return (-1);
	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		*v = *v * 10 + (uint64_t)(s[i] - '0');
	}
	return (0);
}

/* The next space-separated field of *p before end; NULL at the end. */
static const char *
field(const char **p, const char *end, size_t *n)
{
	const char	*s = *p;

	if (s >= end)
		return (NULL);
	*p = memchr(s, ' ', end - s);
	if (*p == NULL)
		*p = end;
	*n = *p - s;
	if (*p < end)
		(*p)++;
	return (*n > 0 ? s : NULL);
}

/*
 * Parse the agent's limits of a session, the value of its up stream's
 * Twinproxy-Gateway-Limits field: exactly "IDLE-MS MAX-MS", neither 0.
 */
int
mon_gw_limits_parse(const char *buf, size_t len, uint64_t *idle,
    uint64_t *max)
{
	const char	*p = buf, *end = buf + len, *f;
	size_t		 n;

	if ((f = field(&p, end, &n)) == NULL || u64_parse(f, n, idle) == -1 ||
	    *idle == 0)
		return (-1);
	if ((f = field(&p, end, &n)) == NULL || u64_parse(f, n, max) == -1 ||
	    *max == 0 || f + n != end)
		return (-1);
	return (0);
}

/*
 * Parse the center's answer to a poll: exactly one line,
 * "open SID TARGET OPERATOR IDLE-MS MAX-MS\n".
 */
int
mon_gw_order_parse(const char *buf, size_t len, struct mon_gw_order *o,
    const char **cause)
{
	const char	*p = buf, *end, *f;
	size_t		 n;

	memset(o, 0, sizeof o[0]);
	if (len == 0 || len > MON_GW_ORDER_MAX || buf[len - 1] != '\n') {
		*cause = "order: not one line of at most 256 bytes";
		return (-1);
	}
	end = buf + len - 1;
	if (memchr(buf, '\n', len - 1) != NULL ||
	    memchr(buf, '\r', len) != NULL) {
		*cause = "order: more than one line";
		return (-1);
	}
	if ((f = field(&p, end, &n)) == NULL || n != 4 ||
	    memcmp(f, "open", 4) != 0) {
		*cause = "order: not \"open\"";
		return (-1);
	}
	if ((f = field(&p, end, &n)) == NULL || !mon_gw_sid_valid(f, n)) {
		*cause = "order: bad session ID";
		return (-1);
	}
	memcpy(o->sid, f, n);
	if ((f = field(&p, end, &n)) == NULL ||
	    mon_gw_target_parse(f, n, &o->target, cause) == -1) {
		if (f == NULL)
			*cause = "order: no target";
		return (-1);
	}
	if ((f = field(&p, end, &n)) == NULL || !mon_gw_name_valid(f, n)) {
		*cause = "order: bad operator name";
		return (-1);
	}
	memcpy(o->op, f, n);
	if ((f = field(&p, end, &n)) == NULL ||
	    u64_parse(f, n, &o->idle_ms) == -1 || o->idle_ms == 0) {
		*cause = "order: bad idle time";
		return (-1);
	}
	if ((f = field(&p, end, &n)) == NULL ||
	    u64_parse(f, n, &o->max_ms) == -1 || o->max_ms == 0) {
		*cause = "order: bad time limit";
		return (-1);
	}
	if (p != end || end[-1] == ' ') {
		*cause = "order: trailing fields";
		return (-1);
	}
	return (0);
}

/* Write an order line into buf; its length, 0 if it does not fit. */
size_t
mon_gw_order_encode(const struct mon_gw_order *o, char *buf, size_t len)
{
	char	t[ADDR_STRLEN];
	int	n;

	n = snprintf(buf, len, "open %s %s %s %" PRIu64 " %" PRIu64 "\n",
	    o->sid, addr_fmt(&o->target, t, sizeof t), o->op, o->idle_ms,
	    o->max_ms);
	return (n < 0 || (size_t)n >= len ? 0 : (size_t)n);
}

/* Copy the path segment at *p (to the next '/' or end) into out. */
static int
segment(const char **p, const char *end, char *out, size_t outlen,
    int last)
{
	const char	*s = *p, *e;

	e = last ? end : memchr(s, '/', end - s);
	if (e == NULL || e == s || (size_t)(e - s) >= outlen)
		return (-1);
	memcpy(out, s, e - s);
	out[e - s] = '\0';
	*p = e < end ? e + 1 : e;
	return (0);
}

/*
 * A gateway request path: /gw/poll, /gw/up/SID, /gw/down/SID or
 * /gw/connect/SITE/PEER/TARGET. Anything else is refused with a reason.
 */
int
mon_gw_path_parse(const char *path, size_t len, struct mon_gw_path *g,
    const char **cause)
{
	const char	*p, *end = path + len;
	char		 t[MON_GW_TARGET_MAX + 1];

	memset(g, 0, sizeof g[0]);
	*cause = "not a gateway path";
	if (len < 4 || memcmp(path, "/gw/", 4) != 0)
		return (-1);
	p = path + 4;
	if ((size_t)(end - p) == 4 && memcmp(p, "poll", 4) == 0) {
		g->kind = MON_GW_POLL;
		return (0);
	}
	if ((size_t)(end - p) == 3 && memcmp(p, "off", 3) == 0) {
		g->kind = MON_GW_OFF;
		return (0);
	}
	if ((size_t)(end - p) == 3 + MON_GW_SID_LEN &&
	    memcmp(p, "up/", 3) == 0 && mon_gw_sid_valid(p + 3,
	    MON_GW_SID_LEN)) {
		g->kind = MON_GW_UP;
		memcpy(g->sid, p + 3, MON_GW_SID_LEN);
		return (0);
	}
	if ((size_t)(end - p) == 5 + MON_GW_SID_LEN &&
	    memcmp(p, "down/", 5) == 0 && mon_gw_sid_valid(p + 5,
	    MON_GW_SID_LEN)) {
		g->kind = MON_GW_DOWN;
		memcpy(g->sid, p + 5, MON_GW_SID_LEN);
		return (0);
	}
	if ((size_t)(end - p) < 8 || memcmp(p, "connect/", 8) != 0) {
		*cause = "unknown gateway path or bad session ID";
		return (-1);
	}
	p += 8;
	g->kind = MON_GW_CONNECT;
	if (segment(&p, end, g->site, sizeof g->site, 0) == -1 ||
	    !mon_site_valid(g->site)) {
		*cause = "connect: bad site ID";
		return (-1);
	}
	if (segment(&p, end, g->peer, sizeof g->peer, 0) == -1 ||
	    !mon_gw_name_valid(g->peer, strlen(g->peer))) {
		*cause = "connect: bad peer name";
		return (-1);
	}
	if (segment(&p, end, t, sizeof t, 1) == -1) {
		*cause = "connect: bad target";
		return (-1);
	}
	return (mon_gw_target_parse(t, strlen(t), &g->target, cause));
}

/* Whether <t> (address and port) is one of allow[0..n). */
int
mon_gw_allowed(const struct addr *t, const struct addr *allow, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (addr_eq(t, &allow[i]) && t->port == allow[i].port)
			return (1);
	return (0);
}

/*
 * The operator's second factor: <cn>, the verified certificate's CN,
 * must be the NAME of one "NAME=SHA256" of ops[0..n) and <id> (32 hex
 * digits, as a device ID) hash to its SHA256. The hash is compared in
 * constant time. 0, or -1 with *why a reason name for the log.
 */
int
mon_gw_opid_match(const char *cn, size_t idlen, const char *const *ops,
    size_t n, const char *id, const char **why)
{
	uint8_t		 hash[MON_DEVID_HASHLEN], want[MON_DEVID_HASHLEN];
	const char	*eq;
	char		 idbuf[MON_DEVID_HEXLEN + 1];
	size_t		 i, nl = strlen(cn);

	if (id == NULL || idlen != MON_DEVID_HEXLEN) {
		*why = "malformed-operator-id";
		return (-1);
	}
	memcpy(idbuf, id, idlen);
	idbuf[idlen] = '\0';
	if (mon_devid_hash_str(idbuf, hash) == -1) {
		OPENSSL_cleanse(idbuf, sizeof idbuf);
		*why = "malformed-operator-id";
		return (-1);
	}
	OPENSSL_cleanse(idbuf, sizeof idbuf);
	for (i = 0; i < n; i++) {
		if ((eq = strchr(ops[i], '=')) == NULL ||
		    (size_t)(eq - ops[i]) != nl ||
		    memcmp(ops[i], cn, nl) != 0)
			continue;
		/* The config's hash was checked when it was loaded. */
		if (hex_decode(eq + 1, want, sizeof want) == 0 &&
		    CRYPTO_memcmp(hash, want, sizeof hash) == 0)
			return (0);
		*why = "wrong-operator-id";
		return (-1);
	}
	*why = "unknown-operator";
	return (-1);
}

/* Exactly 2 * n lowercase hex digits into out[0..n). */
static int
hex_decode(const char *s, uint8_t *out, size_t n)
{
	size_t	i;
	int	hi, lo;

	if (strlen(s) != n * 2)
		return (-1);
	for (i = 0; i < n; i++) {
		hi = hexval(s[2 * i]);
		lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return (-1);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (0);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	return (-1);
}
