/*
 * ftp_list.c: directory listings of the ftp:// gateway. Parses LIST
 * (Unix "ls -l" and DOS lines), MLSD facts and NLST names, and writes a
 * small HTML page in which every byte from the server is escaped.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ftp.h"

/* Output gathered in small pieces and handed to the caller's emit. */
struct ftp_out {
	ftp_emit_cb	*emit;
	void		*arg;
	size_t		 len;
	char		 buf[1024];
};

/* A word of a listing line. */
struct ftp_tok {
	const char	*p;
	size_t		 n;
};

#define FTP_LS_TOKENS	10

static void	out_put(struct ftp_out *, const char *, size_t);
static void	out_str(struct ftp_out *, const char *);
static void	out_flush(struct ftp_out *);
static void	out_text(struct ftp_out *, const char *, size_t);
static void	out_url(struct ftp_out *, const char *, size_t);
static size_t	utf8_len(const unsigned char *, size_t);
static int	all_digits(const char *, size_t);
static size_t	tokens(const char *, size_t, struct ftp_tok *, size_t);
static int	month(const struct ftp_tok *);
static int	ls_parse(const char *, size_t, struct ftp_entry *);
static int	dos_parse(const char *, size_t, struct ftp_entry *);
static int	mlsd_parse(const char *, size_t, struct ftp_entry *);
static void	listing_line(struct ftp_listing *, const char *, size_t);
static void	listing_row(struct ftp_out *, const struct ftp_entry *);

static void
out_flush(struct ftp_out *o)
{
	if (o->len > 0)
		o->emit(o->arg, o->buf, o->len);
	o->len = 0;
}

static void
out_put(struct ftp_out *o, const char *s, size_t n)
{
	size_t	 k;

	while (n > 0) {
		if (o->len == sizeof o->buf)
			out_flush(o);
		k = sizeof o->buf - o->len;
		if (k > n)
			k = n;
		memcpy(o->buf + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
	}
}

static void
out_str(struct ftp_out *o, const char *s)
{
	out_put(o, s, strlen(s));
}

/*
 * Return the length of the well-formed UTF-8 sequence at p (RFC 3629:
 * no overlong forms, no surrogates, nothing past U+10FFFF), or 0.
 */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	size_t		 len, i;
	unsigned char	 lo = 0x80, hi = 0xbf;

	if (p[0] < 0x80)
		return (1);
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;
		else if (p[0] == 0xed)
			hi = 0x9f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;
	} else
		return (0);
	if (n < len || p[1] < lo || p[1] > hi)
		return (0);
	for (i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return (0);
	return (len);
}

/*
 * Write bytes as HTML text (also safe inside a quoted attribute):
 * markup characters as entities, controls and bytes that are not UTF-8
 * as U+FFFD.
 */
static void
out_text(struct ftp_out *o, const char *s, size_t n)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i, k;

	for (i = 0; i < n; i += k) {
		k = 1;
		switch (p[i]) {
		case '<':
			out_str(o, "&lt;");
			continue;
		case '>':
			out_str(o, "&gt;");
			continue;
		case '&':
			out_str(o, "&amp;");
			continue;
		case '"':
			out_str(o, "&quot;");
			continue;
		case '\'':
			out_str(o, "&#39;");
			continue;
		}
		if (p[i] < 0x20 || p[i] == 0x7f ||
		    (k = utf8_len(p + i, n - i)) == 0) {
			out_str(o, "\xef\xbf\xbd");
			k = 1;
			continue;
		}
		out_put(o, s + i, k);
	}
}

/* Write bytes percent-encoded: only RFC 3986 unreserved ones stay. */
static void
out_url(struct ftp_out *o, const char *s, size_t n)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p = (const unsigned char *)s;
	char			 e[3];
	size_t			 i;

	for (i = 0; i < n; i++) {
		if ((p[i] >= 'a' && p[i] <= 'z') ||
		    (p[i] >= 'A' && p[i] <= 'Z') ||
		    (p[i] >= '0' && p[i] <= '9') || p[i] == '-' ||
		    p[i] == '.' || p[i] == '_' || p[i] == '~') {
			out_put(o, s + i, 1);
			continue;
		}
		e[0] = '%';
		e[1] = hex[p[i] >> 4];
		e[2] = hex[p[i] & 15];
		out_put(o, e, 3);
	}
}

static int
all_digits(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0)
		return (0);
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return (0);
	return (1);
}

/* Split the start of a line into up to max words at runs of spaces. */
static size_t
tokens(const char *s, size_t n, struct ftp_tok *t, size_t max)
{
	size_t	 i = 0, k = 0, b;

	while (k < max) {
		while (i < n && s[i] == ' ')
			i++;
		if (i == n)
			break;
		for (b = i; i < n && s[i] != ' '; i++)
			;
		t[k].p = s + b;
		t[k].n = i - b;
		k++;
	}
	return (k);
}

/* Return 1 if the word is an English month abbreviation. */
static int
month(const struct ftp_tok *t)
{
	static const char	 m[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	size_t			 i;

	if (t->n != 3)
		return (0);
	for (i = 0; i < 36; i += 3)
		if (strncasecmp(t->p, m + i, 3) == 0)
			return (1);
	return (0);
}

/*
 * Parse a Unix "ls -l" line: mode, links, owner, [group,] size, month,
 * day, time or year, then one space and the name (which may hold
 * spaces; " -> " splits off a symlink's target).
 */
static int
ls_parse(const char *s, size_t n, struct ftp_entry *e)
{
	struct ftp_tok	 t[FTP_LS_TOKENS];
	size_t		 k, i, m, j;
	const char	*name, *arrow;
	int		 ok;

	k = tokens(s, n, t, FTP_LS_TOKENS);
	if (k < 6 || t[0].n < 10 || strchr("-dlbcps", s[0]) == NULL)
		return (-1);
	for (i = 1; i < 10; i++)
		if (strchr("rwxsStTl-", t[0].p[i]) == NULL)
			return (-1);
	for (m = 3; m + 2 < k; m++) {
		if (!month(&t[m]) || t[m + 1].n > 2 ||
		    !all_digits(t[m + 1].p, t[m + 1].n))
			continue;
		/* HH:MM or a year. */
		ok = (t[m + 2].n == 5 && t[m + 2].p[2] == ':' &&
		    all_digits(t[m + 2].p, 2) &&
		    all_digits(t[m + 2].p + 3, 2)) ||
		    (t[m + 2].n == 4 && all_digits(t[m + 2].p, 4));
		if (ok)
			break;
	}
	if (m + 2 >= k)
		return (-1);
	name = t[m + 2].p + t[m + 2].n + 1;
	if (name >= s + n)
		return (-1);
	e->name = name;
	e->name_len = (size_t)(s + n - name);
	e->type = s[0] == 'd' ? 'd' : s[0] == '-' ? 'f' : s[0] == 'l' ?
	    'l' : '?';
	/* Device files show "major, minor" where the size would be. */
	if (s[0] != 'b' && s[0] != 'c' && all_digits(t[m - 1].p, t[m - 1].n) &&
	    ftp_num_parse(t[m - 1].p, t[m - 1].n, &e->size) == 0)
		e->has_size = 1;
	snprintf(e->date, sizeof e->date, "%.3s %.*s %.*s", t[m].p,
	    (int)t[m + 1].n, t[m + 1].p, (int)t[m + 2].n, t[m + 2].p);
	if (e->type == 'l') {
		for (j = 0; j + 4 <= e->name_len; j++)
			if (memcmp(e->name + j, " -> ", 4) == 0)
				break;
		if (j + 4 <= e->name_len && j > 0) {
			arrow = e->name + j;
			e->target = arrow + 4;
			e->target_len = e->name_len - j - 4;
			e->name_len = j;
		}
	}
	return (1);
}

/* Parse a DOS/IIS line: "MM-DD-YY[YY] HH:MM[AM|PM] <DIR>|size name". */
static int
dos_parse(const char *s, size_t n, struct ftp_entry *e)
{
	struct ftp_tok	 t[3];
	const char	*d, *name;
	size_t		 i;

	if (tokens(s, n, t, 3) < 3)
		return (-1);
	d = t[0].p;
	if ((t[0].n != 8 && t[0].n != 10) || d[2] != '-' || d[5] != '-' ||
	    !all_digits(d, 2) || !all_digits(d + 3, 2) ||
	    !all_digits(d + 6, t[0].n - 6))
		return (-1);
	d = t[1].p;
	if ((t[1].n != 5 && t[1].n != 7) || d[2] != ':' || !all_digits(d, 2) ||
	    !all_digits(d + 3, 2) || (t[1].n == 7 &&
	    strncasecmp(d + 5, "AM", 2) != 0 &&
	    strncasecmp(d + 5, "PM", 2) != 0))
		return (-1);
	if (t[2].n == 5 && memcmp(t[2].p, "<DIR>", 5) == 0)
		e->type = 'd';
	else if (all_digits(t[2].p, t[2].n) &&
	    ftp_num_parse(t[2].p, t[2].n, &e->size) == 0) {
		e->type = 'f';
		e->has_size = 1;
	} else
		return (-1);
	name = t[2].p + t[2].n;
	for (i = (size_t)(name - s); i < n && s[i] == ' '; i++)
		;
	if (i == n)
		return (-1);
	e->name = s + i;
	e->name_len = n - i;
	snprintf(e->date, sizeof e->date, "%.*s %.*s", (int)t[0].n, t[0].p,
	    (int)t[1].n, t[1].p);
	return (1);
}

/* Parse an MLSD line: "fact=value;...; name" (RFC 3659 section 7.2). */
static int
mlsd_parse(const char *s, size_t n, struct ftp_entry *e)
{
	const char	*f, *eq, *v;
	size_t		 i = 0, fl, vl;
	uint64_t	 sz;

	e->type = '?';
	while (i < n && s[i] != ' ') {
		f = s + i;
		while (i < n && s[i] != ';' && s[i] != ' ')
			i++;
		if (i == n || s[i] != ';')
			return (-1);
		fl = (size_t)(s + i - f);
		i++;
		if ((eq = memchr(f, '=', fl)) == NULL || eq == f)
			return (-1);
		v = eq + 1;
		vl = (size_t)(f + fl - v);
		fl = (size_t)(eq - f);
		if (fl == 4 && strncasecmp(f, "type", 4) == 0) {
			if (vl == 4 && strncasecmp(v, "file", 4) == 0)
				e->type = 'f';
			else if (vl == 3 && strncasecmp(v, "dir", 3) == 0)
				e->type = 'd';
			else if (vl == 4 && (strncasecmp(v, "cdir", 4) == 0 ||
			    strncasecmp(v, "pdir", 4) == 0))
				e->type = '.';
			else if (vl >= 13 && strncasecmp(v, "OS.unix=slink",
			    13) == 0)
				e->type = 'l';
			else if (vl >= 15 && strncasecmp(v, "OS.unix=symlink",
			    15) == 0)
				e->type = 'l';
		} else if (fl == 4 && strncasecmp(f, "size", 4) == 0 &&
		    ftp_num_parse(v, vl, &sz) == 0) {
			e->size = sz;
			e->has_size = 1;
		} else if (fl == 6 && strncasecmp(f, "modify", 6) == 0 &&
		    vl >= 14 && all_digits(v, 14))
			snprintf(e->date, sizeof e->date,
			    "%.4s-%.2s-%.2s %.2s:%.2s", v, v + 4, v + 6,
			    v + 8, v + 10);
	}
	if (i + 1 >= n || s[i] != ' ')
		return (-1);
	e->name = s + i + 1;
	e->name_len = n - i - 1;
	if (e->type == '.')
		return (0);
	return (1);
}

/* Parse one listing line; see ftp.h. */
int
ftp_list_parse(enum ftp_list_kind kind, const char *s, size_t n,
    struct ftp_entry *e)
{
	int	 r;

	memset(e, 0, sizeof *e);
	if (n == 0)
		return (0);
	switch (kind) {
	case FTP_LIST_NAMES:
		e->name = s;
		e->name_len = n;
		e->type = '?';
		r = 1;
		break;
	case FTP_LIST_MLSD:
		r = mlsd_parse(s, n, e);
		break;
	default:
		if (n >= 6 && strncmp(s, "total ", 6) == 0 &&
		    all_digits(s + 6, n - 6))
			return (0);
		if ((r = ls_parse(s, n, e)) == -1) {
			memset(e, 0, sizeof *e);
			r = dos_parse(s, n, e);
		}
		break;
	}
	if (r != 1)
		return (r);
	if ((e->name_len == 1 && e->name[0] == '.') ||
	    (e->name_len == 2 && e->name[0] == '.' && e->name[1] == '.'))
		return (0);
	return (1);
}

/* Write one table row for an entry. */
static void
listing_row(struct ftp_out *o, const struct ftp_entry *e)
{
	char	 num[24];

	out_str(o, "<tr><td><a href=\"");
	out_url(o, e->name, e->name_len);
	if (e->type == 'd')
		out_str(o, "/");
	out_str(o, "\">");
	out_text(o, e->name, e->name_len);
	if (e->type == 'd')
		out_str(o, "/");
	out_str(o, "</a>");
	if (e->target != NULL) {
		out_str(o, " -&gt; ");
		out_text(o, e->target, e->target_len);
	}
	out_str(o, "</td><td>");
	if (e->has_size && e->type != 'd') {
		snprintf(num, sizeof num, "%llu", (unsigned long long)e->size);
		out_str(o, num);
	}
	out_str(o, "</td><td>");
	out_text(o, e->date, strlen(e->date));
	out_str(o, "</td></tr>\n");
}

/* Handle one whole listing line. */
static void
listing_line(struct ftp_listing *l, const char *s, size_t n)
{
	struct ftp_out		 o;
	struct ftp_entry	 e;
	int			 r;

	o.emit = l->emit;
	o.arg = l->arg;
	o.len = 0;
	l->lines++;
	if (l->overflow) {
		out_str(&o,
		    "<tr><td colspan=\"3\">(line too long)</td></tr>\n");
		out_flush(&o);
		return;
	}
	if ((r = ftp_list_parse(l->kind, s, n, &e)) == 0)
		return;
	if (r == 1) {
		l->entries++;
		listing_row(&o, &e);
	} else {
		out_str(&o, "<tr><td colspan=\"3\">");
		out_text(&o, s, n);
		out_str(&o, "</td></tr>\n");
	}
	out_flush(&o);
}

/* Start a listing page; see ftp.h. */
void
ftp_listing_begin(struct ftp_listing *l, enum ftp_list_kind kind,
    ftp_emit_cb *emit, void *arg, const char *title, const char *base,
    int root)
{
	struct ftp_out	 o;

	memset(l, 0, sizeof *l);
	l->kind = kind;
	l->emit = emit;
	l->arg = arg;
	o.emit = emit;
	o.arg = arg;
	o.len = 0;
	if (title == NULL)
		title = "/";
	out_str(&o, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n"
	    "<title>FTP directory ");
	out_text(&o, title, strlen(title));
	out_str(&o, "</title>\n");
	if (base != NULL) {
		out_str(&o, "<base href=\"");
		out_text(&o, base, strlen(base));
		out_str(&o, "\">\n");
	}
	out_str(&o, "</head><body>\n<h1>FTP directory ");
	out_text(&o, title, strlen(title));
	out_str(&o, "</h1>\n<table>\n"
	    "<tr><th>Name</th><th>Size</th><th>Modified</th></tr>\n");
	if (!root)
		out_str(&o, "<tr><td><a href=\"../\">../</a></td><td></td>"
		    "<td></td></tr>\n");
	out_flush(&o);
}

/* Feed listing bytes; lines end with LF, a CR before it is dropped. */
void
ftp_listing_feed(struct ftp_listing *l, const char *buf, size_t len)
{
	size_t	 i, n;

	for (i = 0; i < len; i++) {
		if (buf[i] == '\n') {
			n = l->len;
			if (n > 0 && l->line[n - 1] == '\r')
				n--;
			listing_line(l, l->line, n);
			l->len = 0;
			l->overflow = 0;
			continue;
		}
		if (l->len == FTP_LIST_LINE_MAX) {
			l->overflow = 1;
			continue;
		}
		l->line[l->len++] = buf[i];
	}
}

/* End the page. */
void
ftp_listing_end(struct ftp_listing *l)
{
	struct ftp_out	 o;
	size_t		 n = l->len;

	if (n > 0 || l->overflow) {
		if (n > 0 && l->line[n - 1] == '\r')
			n--;
		listing_line(l, l->line, n);
		l->len = 0;
		l->overflow = 0;
	}
	o.emit = l->emit;
	o.arg = l->arg;
	o.len = 0;
	out_str(&o, "</table>\n</body></html>\n");
	out_flush(&o);
}
