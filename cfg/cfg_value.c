/*
 * cfg_value.c: parsing and formatting of single setting values.
 *
 * Durations and sizes need their unit: a bare "2" could mean seconds or
 * milliseconds, and guessing wrong turns a 2 s heartbeat into a 2 ms one.
 * Only 0 may go without a unit.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "xmalloc.h"

struct unit {
	const char	*name;
	uint64_t	 mult;
};

static const struct unit duration_units[] = {
	{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
	{ "d", 86400000 }, { NULL, 0 }
};

static const struct unit size_units[] = {
	{ "B", 1 }, { "K", 1ULL << 10 }, { "KB", 1ULL << 10 },
	{ "M", 1ULL << 20 }, { "MB", 1ULL << 20 }, { "G", 1ULL << 30 },
	{ "GB", 1ULL << 30 }, { "T", 1ULL << 40 }, { "TB", 1ULL << 40 },
	{ NULL, 0 }
};

/* The units a size is written back with. */
static const struct unit size_fmt_units[] = {
	{ "B", 1 }, { "K", 1ULL << 10 }, { "M", 1ULL << 20 },
	{ "G", 1ULL << 30 }, { "T", 1ULL << 40 }, { NULL, 0 }
};

static int	parse_unit(const char *, const struct unit *, uint64_t *,
		    const char **, const char *);
static const char *fmt_unit(uint64_t, const struct unit *, char *, size_t);
static int	enum_match(const char *, const char *);
static int	name_valid(const char *);
static int	domain_valid(const char *);

/* Parse a number followed by one of <units>. */
static int
parse_unit(const char *s, const struct unit *units, uint64_t *v,
    const char **cause, const char *what)
{
	const struct unit	*u;
	unsigned long long	 n;
	char			*end;

	if (!isdigit((unsigned char)*s)) {
		*cause = what;
		return (-1);
	}
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno == ERANGE) {
		*cause = "number too large";
		return (-1);
	}
	if (*end == '\0') {
		if (n == 0) {
			*v = 0;
			return (0);
		}
		*cause = what;
		return (-1);
	}
	for (u = units; u->name != NULL; u++)
		if (strcmp(end, u->name) == 0)
			break;
	if (u->name == NULL) {
		*cause = what;
		return (-1);
	}
	if (n > UINT64_MAX / u->mult) {
		*cause = "number too large";
		return (-1);
	}
	*v = n * u->mult;
	return (0);
}

/* Parse a duration into milliseconds. */
int
cfg_parse_duration(const char *s, uint64_t *ms, const char **cause)
{
	return (parse_unit(s, duration_units, ms, cause,
	    "not a duration (a number with ms, s, m, h or d, such as 2s)"));
}

/* Parse a size into bytes. */
int
cfg_parse_size(const char *s, uint64_t *bytes, const char **cause)
{
	return (parse_unit(s, size_units, bytes, cause,
	    "not a size (a number with B, K, M, G or T, such as 256M)"));
}

/* Format a value with the largest unit (of <units>, ascending) that divides it. */
static const char *
fmt_unit(uint64_t v, const struct unit *units, char *buf, size_t len)
{
	const struct unit	*u, *best = units;

	if (v == 0) {
		strlcpy(buf, "0", len);
		return (buf);
	}
	for (u = units; u->name != NULL; u++)
		if (v % u->mult == 0)
			best = u;
	snprintf(buf, len, "%llu%s", (unsigned long long)(v / best->mult),
	    best->name);
	return (buf);
}

/* Format milliseconds as a duration. */
const char *
cfg_fmt_duration(uint64_t ms, char *buf, size_t len)
{
	return (fmt_unit(ms, duration_units, buf, len));
}

/* Format bytes as a size. */
const char *
cfg_fmt_size(uint64_t bytes, char *buf, size_t len)
{
	return (fmt_unit(bytes, size_fmt_units, buf, len));
}

/* Return 1 if <s> is one of the '|'-separated names in <names>. */
static int
enum_match(const char *names, const char *s)
{
	size_t		 n = strlen(s);
	const char	*p = names, *bar;

	for (;;) {
		bar = strchr(p, '|');
		if ((bar == NULL ? strlen(p) : (size_t)(bar - p)) == n &&
		    strncmp(p, s, n) == 0)
			return (1);
		if (bar == NULL)
			return (0);
		p = bar + 1;
	}
}

/* Return the canonical name of an enum value. */
const char *
cfg_enum_name(const struct cfg_kw *kw, int v, char *buf, size_t len)
{
	const char	*s = kw->enums[v], *bar;

	bar = strchr(s, '|');
	snprintf(buf, len, "%.*s", bar == NULL ? (int)strlen(s) :
	    (int)(bar - s), s);
	return (buf);
}

/* Return 1 for a plain name: letters, digits, '-', '_', '.'. */
static int
name_valid(const char *s)
{
	if (*s == '\0' || strlen(s) > 64)
		return (0);
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("-_.", *s) == NULL)
			return (0);
	return (1);
}

/* Return 1 for a DNS name or a ".suffix" (matches the domain and below). */
static int
domain_valid(const char *s)
{
	if (*s == '.')
		s++;
	return (host_valid(s));
}

/*
 * Parse one value of keyword <kw> from <s> into <dst> (the field, or for a
 * CFG_MULTI keyword the new array element). Bounds are checked here.
 */
int
cfg_value_parse(const struct cfg_kw *kw, const char *s, void *dst,
    const char **cause)
{
	static char	 msg[128];
	char		 a[32], b[32];
	uint64_t	 v;
	const char	*errstr;
	int		 i;

	switch (kw->type) {
	case CFG_BOOL:
		if (strcmp(s, "yes") == 0 || strcmp(s, "on") == 0 ||
		    strcmp(s, "true") == 0)
			*(int *)dst = 1;
		else if (strcmp(s, "no") == 0 || strcmp(s, "off") == 0 ||
		    strcmp(s, "false") == 0)
			*(int *)dst = 0;
		else {
			*cause = "expected yes or no";
			return (-1);
		}
		return (0);
	case CFG_UINT:
	case CFG_PORT:
		if (kw->type == CFG_PORT) {
			uint16_t p;
			if (port_parse(s, &p, cause) == -1)
				return (-1);
			*(unsigned int *)dst = p;
			return (0);
		}
		if (strspn(s, "0123456789") != strlen(s) || *s == '\0') {
			*cause = "not a whole number";
			return (-1);
		}
		v = strtonum(s, (long long)kw->min, (long long)kw->max,
		    &errstr);
		if (errstr != NULL) {
			snprintf(msg, sizeof msg, "out of range (%llu-%llu)",
			    (unsigned long long)kw->min,
			    (unsigned long long)kw->max);
			*cause = msg;
			return (-1);
		}
		*(unsigned int *)dst = (unsigned int)v;
		return (0);
	case CFG_DURATION:
	case CFG_SIZE:
		if ((kw->type == CFG_DURATION ? cfg_parse_duration(s, &v,
		    cause) : cfg_parse_size(s, &v, cause)) == -1)
			return (-1);
		if (v < kw->min || v > kw->max) {
			if (kw->type == CFG_DURATION) {
				cfg_fmt_duration(kw->min, a, sizeof a);
				cfg_fmt_duration(kw->max, b, sizeof b);
			} else {
				cfg_fmt_size(kw->min, a, sizeof a);
				cfg_fmt_size(kw->max, b, sizeof b);
			}
			snprintf(msg, sizeof msg, "out of range (%s-%s)", a, b);
			*cause = msg;
			return (-1);
		}
		*(uint64_t *)dst = v;
		return (0);
	case CFG_ENUM:
		for (i = 0; kw->enums[i] != NULL; i++)
			if (enum_match(kw->enums[i], s)) {
				*(int *)dst = i;
				return (0);
			}
		snprintf(msg, sizeof msg, "expected one of:");
		for (i = 0; kw->enums[i] != NULL; i++) {
			strlcat(msg, " ", sizeof msg);
			strlcat(msg, cfg_enum_name(kw, i, a, sizeof a),
			    sizeof msg);
		}
		*cause = msg;
		return (-1);
	case CFG_NAME:
		if (!name_valid(s)) {
			*cause = "not a valid name (letters, digits, - _ .)";
			return (-1);
		}
		*(char **)dst = xstrdup(s);
		return (0);
	case CFG_DOMAIN:
		if (!domain_valid(s)) {
			*cause = "not a valid domain name";
			return (-1);
		}
		*(char **)dst = xstrdup(s);
		return (0);
	case CFG_STRING:
	case CFG_PATH:
		if (*s == '\0') {
			*cause = "empty value";
			return (-1);
		}
		*(char **)dst = xstrdup(s);
		return (0);
	case CFG_ADDR:
		return (addr_parse(s, dst, cause));
	case CFG_ADDRPORT:
		return (addr_parse_port(s, dst, cause));
	case CFG_HOSTPORT:
		return (hostport_parse(s, dst, cause));
	case CFG_CIDR:
		return (cidr_parse(s, dst, cause));
	case CFG_IFADDR: {
		struct cidr	*c = dst;
		char		 buf[INET6_ADDRSTRLEN + 8], *slash;
		const char	*e;

		if (strlcpy(buf, s, sizeof buf) >= sizeof buf ||
		    (slash = strchr(buf, '/')) == NULL) {
			*cause = "expected address/prefix-length";
			return (-1);
		}
		*slash++ = '\0';
		if (addr_parse(buf, &c->a, cause) == -1)
			return (-1);
		c->plen = (int)strtonum(slash, 1, c->a.af == AF_INET ? 32 :
		    128, &e);
		if (e != NULL || strspn(slash, "0123456789") != strlen(slash)) {
			*cause = "invalid prefix length";
			return (-1);
		}
		return (0);
	}
	case CFG_CUSTOM:
		break;
	}
	*cause = "internal error: no parser";
	return (-1);
}

/* Free what a value owns. */
void
cfg_value_free(const struct cfg_kw *kw, void *p)
{
	switch (kw->type) {
	case CFG_NAME:
	case CFG_DOMAIN:
	case CFG_STRING:
	case CFG_PATH:
		free(*(char **)p);
		*(char **)p = NULL;
		break;
	default:
		break;
	}
}

/* Print a string, quoted when it holds anything but safe characters. */
void
cfg_print_string(FILE *f, const char *s)
{
	const char	*p;

	if (*s != '\0' && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/:@+-[]*") == strlen(s)) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (p = s; *p != '\0'; p++) {
		switch (*p) {
		case '"':
		case '\\':
			fprintf(f, "\\%c", *p);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\x%02x", (unsigned char)*p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}
