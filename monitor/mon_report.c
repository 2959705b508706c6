/*
 * mon_report.c: encoder and strict decoder of the agent's reports, the
 * center's acknowledgements and single events (see mon_report.h for the
 * grammar and why unknown keys are ignored). The decoder never allocates
 * and never reads past the length it is given; the encoder checks every
 * field with the decoder's own rules, so what it writes always decodes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mon_report.h"

#define F_MULTI		0x01	/* may repeat (bounded by its parser) */
#define F_OPTIONAL	0x02	/* may be absent */

/* One known key of a message and the parser of its value. */
struct field {
	const char		*key;
	int			 flags;
	enum mon_perr_code	(*parse)(void *, const char *, size_t,
				    const char **);
};

/* An output buffer; <over> is set once something did not fit. */
struct out {
	char			*buf;
	size_t			 len;
	size_t			 off;
	int			 over;
};

static int	printable(const char *, size_t);
static int	key_valid(const char *, size_t);
static int	parse_u64(const char *, size_t, uint64_t *);
static int	parse_enum(const char *, size_t, const char *const *, int *);
static int	token_valid(const char *, size_t, size_t, const char *);
static int	site_valid(const char *, size_t);
static int	name_valid(const char *, size_t);
static int	software_valid(const char *, size_t);
static int	kind_valid(const char *, size_t);
static int	text_valid(const char *, size_t);
static enum mon_ev_kind kind_find(const char *, size_t);
static void	perr_set(struct mon_perr *, enum mon_perr_code, unsigned int,
		    const char *, size_t, const char *);
static int	decode(const char *, size_t, const char *,
		    const struct field *, void *, unsigned int *, char *,
		    struct mon_perr *);
static void	out_printf(struct out *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static int	event_check(const struct mon_event *, const char **);
static void	event_put(struct out *, const struct mon_event *);
static int	out_done(struct out *, size_t *, const char **);

static enum mon_perr_code rp_site(void *, const char *, size_t,
		    const char **);
static enum mon_perr_code rp_peer(void *, const char *, size_t,
		    const char **);
static enum mon_perr_code rp_sent(void *, const char *, size_t,
		    const char **);
static enum mon_perr_code rp_software(void *, const char *, size_t,
		    const char **);
static enum mon_perr_code rp_uptime(void *, const char *, size_t,
		    const char **);
static enum mon_perr_code rp_role(void *, const char *, size_t,
		    const char **);
static enum mon_perr_code rp_partner(void *, const char *, size_t,
		    const char **);
static enum mon_perr_code rp_proxy(void *, const char *, size_t,
		    const char **);
static enum mon_perr_code rp_requests(void *, const char *, size_t,
		    const char **);
static enum mon_perr_code rp_connections(void *, const char *, size_t,
		    const char **);
static enum mon_perr_code rp_hits(void *, const char *, size_t,
		    const char **);
static enum mon_perr_code rp_misses(void *, const char *, size_t,
		    const char **);
static enum mon_perr_code rp_objects(void *, const char *, size_t,
		    const char **);
static enum mon_perr_code rp_bytes(void *, const char *, size_t,
		    const char **);
static enum mon_perr_code rp_wpad(void *, const char *, size_t,
		    const char **);
static enum mon_perr_code rp_lb(void *, const char *, size_t, const char **);
static enum mon_perr_code rp_event(void *, const char *, size_t,
		    const char **);
static enum mon_perr_code ap_ack(void *, const char *, size_t, const char **);
static enum mon_perr_code ap_time(void *, const char *, size_t,
		    const char **);
static enum mon_perr_code ap_error(void *, const char *, size_t,
		    const char **);

static const char *const role_names[] = { "starting", "standby", "active",
    "fault", "single", NULL };
static const char *const partner_names[] = { "up", "down", "unknown",
    "none", NULL };
static const char *const svc_names[] = { "up", "down", "off", NULL };
static const char *const lbstate_names[] = { "up", "down", "quiesce",
    "disabled", NULL };

static const struct {
	const char	*name;
	enum mon_level	 level;
} kinds[] = {
	[MON_EV_TAKEOVER] = { "takeover", MON_LEVEL_WARNING },
	[MON_EV_FAILBACK] = { "failback", MON_LEVEL_INFO },
	[MON_EV_PARTNER_ERROR] = { "partner-error", MON_LEVEL_CRITICAL },
	[MON_EV_PARTNER_RESTORED] = { "partner-restored", MON_LEVEL_INFO },
	[MON_EV_SERVICE_DOWN] = { "service-down", MON_LEVEL_CRITICAL },
	[MON_EV_SERVICE_UP] = { "service-up", MON_LEVEL_INFO },
	[MON_EV_CONFIG_MISMATCH] = { "config-mismatch", MON_LEVEL_WARNING },
	[MON_EV_PROXY_DOWN] = { "proxy-down", MON_LEVEL_CRITICAL },
	[MON_EV_PROXY_UP] = { "proxy-up", MON_LEVEL_INFO },
	[MON_EV_LB_SERVER_DOWN] = { "lb-server-down", MON_LEVEL_WARNING },
	[MON_EV_LB_SERVER_UP] = { "lb-server-up", MON_LEVEL_INFO },
	[MON_EV_CACHE_ERROR] = { "cache-error", MON_LEVEL_WARNING },
	[MON_EV_CERT_EXPIRY] = { "cert-expiry", MON_LEVEL_WARNING },
	[MON_EV_EVENTS_DROPPED] = { "events-dropped", MON_LEVEL_WARNING },
	[MON_EV_UPDATE_INSTALLED] = { "update-installed", MON_LEVEL_INFO },
	[MON_EV_UPDATE_FAILED] = { "update-failed", MON_LEVEL_CRITICAL },
	[MON_EV_UPDATE_REFUSED] = { "update-refused", MON_LEVEL_WARNING },
	[MON_EV_CERT_RENEWED] = { "cert-renewed", MON_LEVEL_INFO },
	/* A newer agent's kind: worth a look, not a page. */
	[MON_EV_OTHER] = { "other", MON_LEVEL_WARNING },
};

static const char *const level_names[] = { "info", "warning", "critical" };

static const struct {
	const char	*name;
	const char	*desc;
} perrs[] = {
	[MON_E_NONE] = { "none", "no error" },
	[MON_E_EMPTY] = { "empty", "empty message" },
	[MON_E_TOO_LARGE] = { "too-large", "message larger than 65536 bytes" },
	[MON_E_CHAR] = { "bad-char", "byte other than printable ASCII or LF" },
	[MON_E_NO_NEWLINE] = { "no-newline", "last line not ended by LF" },
	[MON_E_LINE_LONG] = { "line-too-long", "line longer than 1024 bytes" },
	[MON_E_TOO_MANY_LINES] = { "too-many-lines", "more than 256 lines" },
	[MON_E_MAGIC] = { "bad-magic", "first line is not the expected "
	    "magic" },
	[MON_E_VERSION] = { "bad-version", "unsupported version" },
	[MON_E_SYNTAX] = { "syntax", "expected 'key: value'" },
	[MON_E_KEY] = { "bad-key", "key not of lowercase letters, digits and "
	    "'-' (at most 32)" },
	[MON_E_DUPLICATE] = { "duplicate", "field given twice" },
	[MON_E_VALUE] = { "bad-value", "invalid value" },
	[MON_E_TOO_MANY] = { "too-many", "field repeated too often" },
	[MON_E_ORDER] = { "order", "event sequence numbers not increasing" },
	[MON_E_MISSING] = { "missing", "missing field" },
};

static const struct field report_fields[] = {
	{ "site", 0, rp_site },
	{ "peer", 0, rp_peer },
	{ "sent", 0, rp_sent },
	{ "software", 0, rp_software },
	{ "uptime", 0, rp_uptime },
	{ "role", 0, rp_role },
	{ "partner", 0, rp_partner },
	{ "proxy", 0, rp_proxy },
	{ "proxy-requests", 0, rp_requests },
	{ "proxy-connections", 0, rp_connections },
	{ "cache-hits", 0, rp_hits },
	{ "cache-misses", 0, rp_misses },
	{ "cache-objects", 0, rp_objects },
	{ "cache-bytes", 0, rp_bytes },
	{ "wpad", 0, rp_wpad },
	{ "lb-server", F_MULTI | F_OPTIONAL, rp_lb },
	{ "event", F_MULTI | F_OPTIONAL, rp_event },
	{ NULL, 0, NULL }
};

static const struct field ack_fields[] = {
	{ "ack", 0, ap_ack },
	{ "time", 0, ap_time },
	{ "error", F_OPTIONAL, ap_error },
	{ NULL, 0, NULL }
};

/* Return 1 if every byte is printable ASCII. */
static int
printable(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return (0);
	return (1);
}

/* A key: 1 to 32 of [a-z0-9-]. */
static int
key_valid(const char *s, size_t n)
{
	return (token_valid(s, n, MON_KEY_MAX,
	    "abcdefghijklmnopqrstuvwxyz0123456789-"));
}

/* 1 to <max> bytes, all from <set>. */
static int
token_valid(const char *s, size_t n, size_t max, const char *set)
{
	size_t	i;

	if (n == 0 || n > max)
		return (0);
	for (i = 0; i < n; i++)
		if (s[i] == '\0' || strchr(set, s[i]) == NULL)
			return (0);
	return (1);
}

/*
 * A site ID is the CN of the site's certificate and a label of the host
 * names operators use to reach the site, so it is a DNS label: lowercase
 * letters, digits and '-', not at either end.
 */
static int
site_valid(const char *s, size_t n)
{
	if (!token_valid(s, n, MON_SITE_MAX,
	    "abcdefghijklmnopqrstuvwxyz0123456789-"))
		return (0);
	return (s[0] != '-' && s[n - 1] != '-');
}

/* A peer, cluster or server name, as in the config (CFG_NAME). */
static int
name_valid(const char *s, size_t n)
{
	return (token_valid(s, n, MON_NAME_MAX,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-_."));
}

static int
software_valid(const char *s, size_t n)
{
	return (token_valid(s, n, MON_SOFTWARE_MAX,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-_.+~"));
}

static int
kind_valid(const char *s, size_t n)
{
	return (token_valid(s, n, MON_KIND_MAX,
	    "abcdefghijklmnopqrstuvwxyz0123456789-"));
}

/* Event text: printable, at most 256, no space at either end. */
static int
text_valid(const char *s, size_t n)
{
	if (n > MON_TEXT_MAX || !printable(s, n))
		return (0);
	return (n == 0 || (s[0] != ' ' && s[n - 1] != ' '));
}

/* Return 1 if <s> is a valid site ID. */
int
mon_site_valid(const char *s)
{
	return (site_valid(s, strlen(s)));
}

/* Return 1 if <s> is a valid peer, cluster or server name. */
int
mon_name_valid(const char *s)
{
	return (name_valid(s, strlen(s)));
}

/* Decimal, no sign, no leading zero, no overflow. */
static int
parse_u64(const char *s, size_t n, uint64_t *v)
{
	uint64_t	x = 0;
	size_t		i;

	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		return (-1);
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		if (x > (UINT64_MAX - (s[i] - '0')) / 10)
			return (-1);
		x = x * 10 + (s[i] - '0');
	}
	*v = x;
	return (0);
}

/* Find <s> in a NULL-ended list of names. */
static int
parse_enum(const char *s, size_t n, const char *const *names, int *v)
{
	int	i;

	for (i = 0; names[i] != NULL; i++)
		if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0) {
			*v = i;
			return (0);
		}
	return (-1);
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t
days_from_civil(int64_t y, unsigned int m, unsigned int d)
{
	int64_t		era;
	unsigned int	yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned int)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + (int64_t)doe - 719468);
}

/* Parse exactly "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC), years 1970 to 9999. */
int
mon_time_parse(const char *s, size_t n, uint64_t *ms)
{
	static const char	 pat[] = "dddd-dd-ddTdd:dd:dd.dddZ";
	static const unsigned	 mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31,
	    30, 31, 30, 31 };
	unsigned int		 y, mo, d, h, mi, se, f;
	size_t			 i;

	if (n != MON_TIME_LEN)
		return (-1);
	for (i = 0; i < n; i++) {
		if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') :
		    s[i] != pat[i])
			return (-1);
	}
#define D(a)	((unsigned int)(s[a] - '0'))
	y = D(0) * 1000 + D(1) * 100 + D(2) * 10 + D(3);
	mo = D(5) * 10 + D(6);
	d = D(8) * 10 + D(9);
	h = D(11) * 10 + D(12);
	mi = D(14) * 10 + D(15);
	se = D(17) * 10 + D(18);
	f = D(20) * 100 + D(21) * 10 + D(22);
#undef D
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    h > 23 || mi > 59 || se > 59)
		return (-1);
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 ||
	    y % 400 == 0)))
		return (-1);
	*ms = ((uint64_t)days_from_civil(y, mo, d) * 86400 + h * 3600 +
	    mi * 60 + se) * 1000 + f;
	return (0);
}

/* Format <ms> as "YYYY-MM-DDTHH:MM:SS.mmmZ"; "" past the year 9999. */
const char *
mon_time_fmt(uint64_t ms, char *buf, size_t len)
{
	uint64_t	z, era, doe, yoe, doy, mp, secs;
	unsigned int	y, m, d;

	secs = ms / 1000;
	z = secs / 86400 + 719468;
	era = z / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = (unsigned int)(doy - (153 * mp + 2) / 5 + 1);
	m = (unsigned int)(mp < 10 ? mp + 3 : mp - 9);
	y = (unsigned int)(yoe + era * 400 + (m <= 2));
	if (y > 9999 || len < MON_TIME_LEN + 1) {
		if (len > 0)
			buf[0] = '\0';
		return (buf);
	}
	snprintf(buf, len, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", y, m, d,
	    (unsigned int)(secs % 86400 / 3600),
	    (unsigned int)(secs % 3600 / 60), (unsigned int)(secs % 60),
	    (unsigned int)(ms % 1000));
	return (buf);
}

const char *
mon_event_kind_name(enum mon_ev_kind k)
{
	if ((unsigned int)k > MON_EV_OTHER)
		return ("?");
	return (kinds[k].name);
}

/* How much an event matters; unknown kinds count as warnings. */
enum mon_level
mon_event_level(enum mon_ev_kind k)
{
	if ((unsigned int)k > MON_EV_OTHER)
		return (MON_LEVEL_WARNING);
	return (kinds[k].level);
}

const char *
mon_level_name(enum mon_level l)
{
	if ((unsigned int)l > MON_LEVEL_CRITICAL)
		return ("?");
	return (level_names[l]);
}

const char *
mon_role_name(enum mon_role r)
{
	if ((unsigned int)r > MON_ROLE_SINGLE)
		return ("?");
	return (role_names[r]);
}

const char *
mon_partner_name(enum mon_partner p)
{
	if ((unsigned int)p > MON_PARTNER_NONE)
		return ("?");
	return (partner_names[p]);
}

const char *
mon_svc_name(enum mon_svc s)
{
	if ((unsigned int)s > MON_SVC_OFF)
		return ("?");
	return (svc_names[s]);
}

const char *
mon_lbstate_name(enum mon_lbstate s)
{
	if ((unsigned int)s > MON_LB_DISABLED)
		return ("?");
	return (lbstate_names[s]);
}

/* The fixed name of an error code, for logs and counters. */
const char *
mon_perr_name(enum mon_perr_code c)
{
	if ((unsigned int)c > MON_E_MISSING)
		return ("?");
	return (perrs[c].name);
}

/* Describe an error: "line 7: event: invalid value: bad timestamp". */
const char *
mon_perr_fmt(const struct mon_perr *e, char *buf, size_t len)
{
	char		 line[32] = "", field[MON_KEY_MAX + 3] = "";
	const char	*desc;

	desc = (unsigned int)e->code > MON_E_MISSING ? "?" :
	    perrs[e->code].desc;
	if (e->line != 0)
		snprintf(line, sizeof line, "line %u: ", e->line);
	if (e->code == MON_E_MISSING)
		snprintf(buf, len, "%s%s: %s", line, desc, e->field);
	else {
		if (e->field[0] != '\0')
			snprintf(field, sizeof field, "%s: ", e->field);
		snprintf(buf, len, "%s%s%s%s%s", line, field, desc,
		    e->detail != NULL ? ": " : "",
		    e->detail != NULL ? e->detail : "");
	}
	return (buf);
}

static void
perr_set(struct mon_perr *e, enum mon_perr_code code, unsigned int line,
    const char *field, size_t flen, const char *detail)
{
	e->code = code;
	e->line = line;
	if (flen > MON_KEY_MAX)
		flen = MON_KEY_MAX;
	memcpy(e->field, field, flen);
	e->field[flen] = '\0';
	e->detail = detail;
}

/*
 * Decode a message: split into lines, check bytes and limits, the magic
 * line, then each "key: value" against the table <fields>; unknown keys
 * are counted into <nunknown> and the first kept in <unknown>.
 */
static int
decode(const char *buf, size_t len, const char *magic,
    const struct field *fields, void *obj, unsigned int *nunknown,
    char *unknown, struct mon_perr *err)
{
	const struct field	*f;
	enum mon_perr_code	 code;
	const char		*p = buf, *end = buf + len, *nl, *colon, *v;
	const char		*detail;
	uint64_t		 seen = 0, version;
	unsigned int		 lineno = 0;
	size_t			 n, klen, vlen, mlen = strlen(magic);

	memset(err, 0, sizeof *err);
	if (len == 0) {
		perr_set(err, MON_E_EMPTY, 0, "", 0, NULL);
		return (-1);
	}
	if (len > MON_MSG_MAX) {
		perr_set(err, MON_E_TOO_LARGE, 0, "", 0, NULL);
		return (-1);
	}
	while (p < end) {
		lineno++;
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			nl = end;
		n = nl - p;
		if (n > MON_LINE_MAX) {
			perr_set(err, MON_E_LINE_LONG, lineno, "", 0, NULL);
			return (-1);
		}
		if (!printable(p, n)) {
			perr_set(err, MON_E_CHAR, lineno, "", 0, NULL);
			return (-1);
		}
		if (nl == end) {
			perr_set(err, MON_E_NO_NEWLINE, lineno, "", 0, NULL);
			return (-1);
		}
		if (lineno > MON_LINES_MAX) {
			perr_set(err, MON_E_TOO_MANY_LINES, lineno, "", 0,
			    NULL);
			return (-1);
		}
		if (lineno == 1) {
			if (n <= mlen + 1 || memcmp(p, magic, mlen) != 0 ||
			    p[mlen] != ' ') {
				perr_set(err, MON_E_MAGIC, 1, "", 0, magic);
				return (-1);
			}
			if (parse_u64(p + mlen + 1, n - mlen - 1,
			    &version) == -1 || version != MON_VERSION) {
				perr_set(err, MON_E_VERSION, 1, "", 0,
				    "only version 1 is known");
				return (-1);
			}
			p = nl + 1;
			continue;
		}
		if ((colon = memchr(p, ':', n)) == NULL) {
			perr_set(err, MON_E_SYNTAX, lineno, "", 0, "no ':'");
			return (-1);
		}
		klen = colon - p;
		if (!key_valid(p, klen)) {
			perr_set(err, MON_E_KEY, lineno, "", 0, NULL);
			return (-1);
		}
		v = colon + 1;
		vlen = nl - v;
		if (vlen < 2 || v[0] != ' ') {
			perr_set(err, MON_E_SYNTAX, lineno, p, klen,
			    "expected one space and a value after ':'");
			return (-1);
		}
		v++;
		vlen--;
		if (v[0] == ' ' || v[vlen - 1] == ' ') {
			perr_set(err, MON_E_SYNTAX, lineno, p, klen,
			    "space at either end of the value");
			return (-1);
		}
		for (f = fields; f->key != NULL; f++)
			if (strlen(f->key) == klen &&
			    memcmp(f->key, p, klen) == 0)
				break;
		if (f->key == NULL) {
			if ((*nunknown)++ == 0) {
				memcpy(unknown, p, klen);
				unknown[klen] = '\0';
			}
			p = nl + 1;
			continue;
		}
		if (!(f->flags & F_MULTI) &&
		    (seen & (1ULL << (f - fields)))) {
			perr_set(err, MON_E_DUPLICATE, lineno, p, klen, NULL);
			return (-1);
		}
		seen |= 1ULL << (f - fields);
		detail = NULL;
		if ((code = f->parse(obj, v, vlen, &detail)) != MON_E_NONE) {
			perr_set(err, code, lineno, p, klen, detail);
			return (-1);
		}
		p = nl + 1;
	}
	for (f = fields; f->key != NULL; f++)
		if (!(f->flags & F_OPTIONAL) &&
		    !(seen & (1ULL << (f - fields)))) {
			perr_set(err, MON_E_MISSING, 0, f->key,
			    strlen(f->key), NULL);
			return (-1);
		}
	return (0);
}

/* Decode a report; 0, or -1 with <err> filled in. */
int
mon_report_decode(const char *buf, size_t len, struct mon_report *r,
    struct mon_perr *err)
{
	memset(r, 0, sizeof *r);
	return (decode(buf, len, MON_REPORT_MAGIC, report_fields, r,
	    &r->nunknown, r->unknown, err));
}

/* Decode an acknowledgement; 0, or -1 with <err> filled in. */
int
mon_ack_decode(const char *buf, size_t len, struct mon_ack *a,
    struct mon_perr *err)
{
	memset(a, 0, sizeof *a);
	return (decode(buf, len, MON_ACK_MAGIC, ack_fields, a, &a->nunknown,
	    a->unknown, err));
}

/* Field parsers: each fills one field of the report or ack. */

#define STRFIELD(fn, member, valid, what)				\
static enum mon_perr_code						\
fn(void *obj, const char *v, size_t n, const char **detail)		\
{									\
	struct mon_report	*r = obj;				\
									\
	if (!valid(v, n)) {						\
		*detail = what;						\
		return (MON_E_VALUE);					\
	}								\
	memcpy(r->member, v, n);					\
	r->member[n] = '\0';						\
	return (MON_E_NONE);						\
}
STRFIELD(rp_site, site, site_valid,
    "not a site ID (lowercase letters, digits, '-', at most 63)")
STRFIELD(rp_peer, peer, name_valid,
    "not a name (letters, digits, - _ ., at most 64)")
STRFIELD(rp_software, software, software_valid,
    "not a version (letters, digits, - _ . + ~, at most 32)")
#undef STRFIELD

#define NUMFIELD(fn, member)						\
static enum mon_perr_code						\
fn(void *obj, const char *v, size_t n, const char **detail)		\
{									\
	struct mon_report	*r = obj;				\
									\
	if (parse_u64(v, n, &r->member) == -1) {			\
		*detail = "not a decimal number below 2^64";		\
		return (MON_E_VALUE);					\
	}								\
	return (MON_E_NONE);						\
}
NUMFIELD(rp_uptime, uptime)
NUMFIELD(rp_requests, proxy_requests)
NUMFIELD(rp_connections, proxy_connections)
NUMFIELD(rp_hits, cache_hits)
NUMFIELD(rp_misses, cache_misses)
NUMFIELD(rp_objects, cache_objects)
NUMFIELD(rp_bytes, cache_bytes)
#undef NUMFIELD

#define ENUMFIELD(fn, member, names, type, what)			\
static enum mon_perr_code						\
fn(void *obj, const char *v, size_t n, const char **detail)		\
{									\
	struct mon_report	*r = obj;				\
	int			 x;					\
									\
	if (parse_enum(v, n, names, &x) == -1) {			\
		*detail = what;						\
		return (MON_E_VALUE);					\
	}								\
	r->member = (type)x;						\
	return (MON_E_NONE);						\
}
ENUMFIELD(rp_role, role, role_names, enum mon_role,
    "expected starting, standby, active, fault or single")
ENUMFIELD(rp_partner, partner, partner_names, enum mon_partner,
    "expected up, down, unknown or none")
ENUMFIELD(rp_proxy, proxy, svc_names, enum mon_svc,
    "expected up, down or off")
ENUMFIELD(rp_wpad, wpad, svc_names, enum mon_svc,
    "expected up, down or off")
#undef ENUMFIELD

static enum mon_perr_code
rp_sent(void *obj, const char *v, size_t n, const char **detail)
{
	struct mon_report	*r = obj;

	if (mon_time_parse(v, n, &r->sent) == -1) {
		*detail = "expected a UTC time as 2024-05-01T10:00:00.000Z";
		return (MON_E_VALUE);
	}
	return (MON_E_NONE);
}

/* lb-server: CLUSTER SERVER STATE */
static enum mon_perr_code
rp_lb(void *obj, const char *v, size_t n, const char **detail)
{
	struct mon_report	*r = obj;
	struct mon_lbsrv	*s;
	const char		*sp1, *sp2, *end = v + n;
	int			 x;

	if (r->nlb == MON_LB_MAX) {
		*detail = "at most 64 lb-server lines";
		return (MON_E_TOO_MANY);
	}
	s = &r->lb[r->nlb];
	if ((sp1 = memchr(v, ' ', n)) == NULL ||
	    (sp2 = memchr(sp1 + 1, ' ', end - sp1 - 1)) == NULL) {
		*detail = "expected CLUSTER SERVER STATE";
		return (MON_E_VALUE);
	}
	if (!name_valid(v, sp1 - v) ||
	    !name_valid(sp1 + 1, sp2 - sp1 - 1)) {
		*detail = "cluster or server not a name (letters, digits, "
		    "- _ ., at most 64)";
		return (MON_E_VALUE);
	}
	if (parse_enum(sp2 + 1, end - sp2 - 1, lbstate_names, &x) == -1) {
		*detail = "state: expected up, down, quiesce or disabled";
		return (MON_E_VALUE);
	}
	memcpy(s->cluster, v, sp1 - v);
	s->cluster[sp1 - v] = '\0';
	memcpy(s->server, sp1 + 1, sp2 - sp1 - 1);
	s->server[sp2 - sp1 - 1] = '\0';
	s->state = (enum mon_lbstate)x;
	r->nlb++;
	return (MON_E_NONE);
}

static enum mon_ev_kind
kind_find(const char *s, size_t n)
{
	unsigned int	k;

	for (k = 0; k < MON_EV_OTHER; k++)
		if (strlen(kinds[k].name) == n &&
		    memcmp(kinds[k].name, s, n) == 0)
			return ((enum mon_ev_kind)k);
	return (MON_EV_OTHER);
}

/*
 * Decode one event, "SEQ TIME KIND[ TEXT]", as in a report's event line
 * and in the agent's spool records.
 */
int
mon_event_decode(const char *v, size_t n, struct mon_event *ev,
    const char **detail)
{
	const char	*end = v + n, *sp1, *sp2, *sp3, *text;
	size_t		 klen, tlen;

	memset(ev, 0, sizeof *ev);
	if (n > MON_EVENT_MAX || !printable(v, n)) {
		*detail = "longer than an event or not printable ASCII";
		return (-1);
	}
	if ((sp1 = memchr(v, ' ', n)) == NULL ||
	    (sp2 = memchr(sp1 + 1, ' ', end - sp1 - 1)) == NULL) {
		*detail = "expected SEQ TIME KIND [TEXT]";
		return (-1);
	}
	if (parse_u64(v, sp1 - v, &ev->seq) == -1 || ev->seq == 0) {
		*detail = "sequence number not a decimal number from 1";
		return (-1);
	}
	if (mon_time_parse(sp1 + 1, sp2 - sp1 - 1, &ev->time) == -1) {
		*detail = "expected a UTC time as 2024-05-01T10:00:00.000Z";
		return (-1);
	}
	if ((sp3 = memchr(sp2 + 1, ' ', end - sp2 - 1)) == NULL) {
		sp3 = end;
		text = end;
	} else
		text = sp3 + 1;
	klen = sp3 - sp2 - 1;
	if (!kind_valid(sp2 + 1, klen)) {
		*detail = "kind not of lowercase letters, digits and '-'";
		return (-1);
	}
	tlen = end - text;
	if ((sp3 != end && tlen == 0) || !text_valid(text, tlen)) {
		*detail = "text longer than 256 bytes or with a space at "
		    "either end";
		return (-1);
	}
	ev->kind = kind_find(sp2 + 1, klen);
	memcpy(ev->kind_name, sp2 + 1, klen);
	ev->kind_name[klen] = '\0';
	memcpy(ev->text, text, tlen);
	ev->text[tlen] = '\0';
	return (0);
}

static enum mon_perr_code
rp_event(void *obj, const char *v, size_t n, const char **detail)
{
	struct mon_report	*r = obj;
	struct mon_event	*ev;

	if (r->nev == MON_EVENTS_MAX) {
		*detail = "at most 32 events in a report";
		return (MON_E_TOO_MANY);
	}
	ev = &r->ev[r->nev];
	if (mon_event_decode(v, n, ev, detail) == -1)
		return (MON_E_VALUE);
	if (r->nev > 0 && ev->seq <= r->ev[r->nev - 1].seq)
		return (MON_E_ORDER);
	r->nev++;
	return (MON_E_NONE);
}

static enum mon_perr_code
ap_ack(void *obj, const char *v, size_t n, const char **detail)
{
	struct mon_ack	*a = obj;

	if (parse_u64(v, n, &a->ack) == -1) {
		*detail = "not a decimal number below 2^64";
		return (MON_E_VALUE);
	}
	return (MON_E_NONE);
}

static enum mon_perr_code
ap_time(void *obj, const char *v, size_t n, const char **detail)
{
	struct mon_ack	*a = obj;

	if (mon_time_parse(v, n, &a->time) == -1) {
		*detail = "expected a UTC time as 2024-05-01T10:00:00.000Z";
		return (MON_E_VALUE);
	}
	return (MON_E_NONE);
}

static enum mon_perr_code
ap_error(void *obj, const char *v, size_t n, const char **detail)
{
	struct mon_ack	*a = obj;

	if (!text_valid(v, n)) {
		*detail = "longer than 256 bytes";
		return (MON_E_VALUE);
	}
	memcpy(a->error, v, n);
	a->error[n] = '\0';
	return (MON_E_NONE);
}

/*
 * Fill in an event of <kind> at <time> (ms since 1970) with <text> made
 * safe for the wire: bytes other than printable ASCII become '?', spaces
 * at either end go, and it is cut at 256 bytes. The spool assigns seq.
 */
void
mon_event_set(struct mon_event *ev, enum mon_ev_kind kind, uint64_t time,
    const char *text)
{
	size_t	i, n = 0;

	memset(ev, 0, sizeof *ev);
	ev->kind = (unsigned int)kind > MON_EV_OTHER ? MON_EV_OTHER : kind;
	snprintf(ev->kind_name, sizeof ev->kind_name, "%s",
	    kinds[ev->kind].name);
	ev->time = time;
	if (text == NULL)
		return;
	while (*text == ' ')
		text++;
	for (i = 0; text[i] != '\0' && n < MON_TEXT_MAX; i++) {
		if ((unsigned char)text[i] < 0x20 ||
		    (unsigned char)text[i] > 0x7e)
			ev->text[n++] = '?';
		else
			ev->text[n++] = text[i];
	}
	while (n > 0 && ev->text[n - 1] == ' ')
		n--;
	ev->text[n] = '\0';
}

static void
out_printf(struct out *o, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (o->over)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->off, o->len - o->off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->len - o->off) {
		o->over = 1;
		return;
	}
	o->off += n;
}

static int
out_done(struct out *o, size_t *outlen, const char **cause)
{
	if (o->over || o->off > MON_MSG_MAX) {
		*cause = "message does not fit";
		return (-1);
	}
	*outlen = o->off;
	return (0);
}

/* Check an event with the decoder's rules. */
static int
event_check(const struct mon_event *ev, const char **cause)
{
	char	tb[MON_TIME_LEN + 1];

	if (ev->seq == 0) {
		*cause = "event without a sequence number";
		return (-1);
	}
	if (*mon_time_fmt(ev->time, tb, sizeof tb) == '\0') {
		*cause = "event time out of range";
		return (-1);
	}
	if (!kind_valid(ev->kind_name, strnlen(ev->kind_name,
	    sizeof ev->kind_name))) {
		*cause = "event kind name invalid";
		return (-1);
	}
	if (!text_valid(ev->text, strnlen(ev->text, sizeof ev->text)) ||
	    strnlen(ev->text, sizeof ev->text) > MON_TEXT_MAX) {
		*cause = "event text invalid (use mon_event_set)";
		return (-1);
	}
	return (0);
}

static void
event_put(struct out *o, const struct mon_event *ev)
{
	char	tb[MON_TIME_LEN + 1];

	out_printf(o, "%llu %s %s%s%s", (unsigned long long)ev->seq,
	    mon_time_fmt(ev->time, tb, sizeof tb), ev->kind_name,
	    ev->text[0] != '\0' ? " " : "", ev->text);
}

/* Encode one event as "SEQ TIME KIND[ TEXT]" (no newline). */
int
mon_event_encode(const struct mon_event *ev, char *buf, size_t len,
    size_t *outlen, const char **cause)
{
	struct out	o = { buf, len, 0, 0 };

	if (event_check(ev, cause) == -1)
		return (-1);
	event_put(&o, ev);
	return (out_done(&o, outlen, cause));
}

/*
 * Encode a report into buf[0..len) (MON_MSG_MAX always suffices); the
 * result is not NUL-terminated unless there is room. Every field is
 * checked first, so the output always decodes to the same report.
 */
int
mon_report_encode(const struct mon_report *r, char *buf, size_t len,
    size_t *outlen, const char **cause)
{
	struct out	 o = { buf, len, 0, 0 };
	char		 tb[MON_TIME_LEN + 1];
	size_t		 i;

	if (!mon_site_valid(r->site)) {
		*cause = "site ID invalid";
		return (-1);
	}
	if (!mon_name_valid(r->peer)) {
		*cause = "peer name invalid";
		return (-1);
	}
	if (!software_valid(r->software, strlen(r->software))) {
		*cause = "software version invalid";
		return (-1);
	}
	if (*mon_time_fmt(r->sent, tb, sizeof tb) == '\0') {
		*cause = "sending time out of range";
		return (-1);
	}
	if ((unsigned int)r->role > MON_ROLE_SINGLE ||
	    (unsigned int)r->partner > MON_PARTNER_NONE ||
	    (unsigned int)r->proxy > MON_SVC_OFF ||
	    (unsigned int)r->wpad > MON_SVC_OFF) {
		*cause = "state out of range";
		return (-1);
	}
	if (r->nlb > MON_LB_MAX || r->nev > MON_EVENTS_MAX) {
		*cause = "too many lb servers or events";
		return (-1);
	}
	for (i = 0; i < r->nlb; i++)
		if (!mon_name_valid(r->lb[i].cluster) ||
		    !mon_name_valid(r->lb[i].server) ||
		    (unsigned int)r->lb[i].state > MON_LB_DISABLED) {
			*cause = "lb server invalid";
			return (-1);
		}
	for (i = 0; i < r->nev; i++) {
		if (event_check(&r->ev[i], cause) == -1)
			return (-1);
		if (i > 0 && r->ev[i].seq <= r->ev[i - 1].seq) {
			*cause = "event sequence numbers not increasing";
			return (-1);
		}
	}
	out_printf(&o, "%s %d\n", MON_REPORT_MAGIC, MON_VERSION);
	out_printf(&o, "site: %s\npeer: %s\nsent: %s\nsoftware: %s\n",
	    r->site, r->peer, tb, r->software);
	out_printf(&o, "uptime: %llu\nrole: %s\npartner: %s\nproxy: %s\n",
	    (unsigned long long)r->uptime, role_names[r->role],
	    partner_names[r->partner], svc_names[r->proxy]);
	out_printf(&o, "proxy-requests: %llu\nproxy-connections: %llu\n",
	    (unsigned long long)r->proxy_requests,
	    (unsigned long long)r->proxy_connections);
	out_printf(&o, "cache-hits: %llu\ncache-misses: %llu\n"
	    "cache-objects: %llu\ncache-bytes: %llu\n",
	    (unsigned long long)r->cache_hits,
	    (unsigned long long)r->cache_misses,
	    (unsigned long long)r->cache_objects,
	    (unsigned long long)r->cache_bytes);
	out_printf(&o, "wpad: %s\n", svc_names[r->wpad]);
	for (i = 0; i < r->nlb; i++)
		out_printf(&o, "lb-server: %s %s %s\n", r->lb[i].cluster,
		    r->lb[i].server, lbstate_names[r->lb[i].state]);
	for (i = 0; i < r->nev; i++) {
		out_printf(&o, "event: ");
		event_put(&o, &r->ev[i]);
		out_printf(&o, "\n");
	}
	return (out_done(&o, outlen, cause));
}

/* Encode an acknowledgement. */
int
mon_ack_encode(const struct mon_ack *a, char *buf, size_t len,
    size_t *outlen, const char **cause)
{
	struct out	 o = { buf, len, 0, 0 };
	char		 tb[MON_TIME_LEN + 1];

	if (*mon_time_fmt(a->time, tb, sizeof tb) == '\0') {
		*cause = "time out of range";
		return (-1);
	}
	if (!text_valid(a->error, strnlen(a->error, sizeof a->error)) ||
	    strnlen(a->error, sizeof a->error) > MON_TEXT_MAX) {
		*cause = "error text invalid";
		return (-1);
	}
	out_printf(&o, "%s %d\nack: %llu\ntime: %s\n", MON_ACK_MAGIC,
	    MON_VERSION, (unsigned long long)a->ack, tb);
	if (a->error[0] != '\0')
		out_printf(&o, "error: %s\n", a->error);
	return (out_done(&o, outlen, cause));
}

/* Make text from a peer safe for a log line: '?' for what is not ASCII. */
void
mon_sanitize(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '?';
}
