/*
 * mon_json.c: the JSON the center's API writes and the HTML escaping of
 * its dashboard. Every value that goes out passes through here.
 *
 * JSON strings escape '"' and '\', every byte outside printable ASCII
 * (as \u00XX, so the output is valid JSON and plain ASCII whatever bytes
 * came in), and '<', '>', '&' and '\'' as well, so a document pasted into
 * an HTML page or a script element can never close it. HTML text escapes
 * the five characters that matter in text and attribute values, and
 * shows any other byte outside printable ASCII as '?'.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ev.h"
#include "mon_center.h"

static void	json_sep(struct mon_json *);

void
mon_json_init(struct mon_json *j, struct evbuffer *out)
{
	memset(j, 0, sizeof *j);
	j->out = out;
}

/* Before a value: a comma unless it is the first of its container. */
static void
json_sep(struct mon_json *j)
{
	if (j->keyed) {
		j->keyed = 0;
		return;
	}
	if (j->depth > 0 && j->depth < (int)sizeof j->more) {
		if (j->more[j->depth])
			evbuffer_add(j->out, ",", 1);
		j->more[j->depth] = 1;
	}
}

/* Open an object ('{') or an array ('['). */
void
mon_json_open(struct mon_json *j, char c)
{
	json_sep(j);
	evbuffer_add(j->out, &c, 1);
	j->depth++;
	if (j->depth < (int)sizeof j->more)
		j->more[j->depth] = 0;
}

void
mon_json_close(struct mon_json *j, char c)
{
	evbuffer_add(j->out, &c, 1);
	if (j->depth > 0)
		j->depth--;
}

void
mon_json_key(struct mon_json *j, const char *k)
{
	mon_json_keyn(j, k, strlen(k));
}

void
mon_json_keyn(struct mon_json *j, const char *k, size_t n)
{
	json_sep(j);
	mon_json_quote(j->out, k, n);
	evbuffer_add(j->out, ":", 1);
	j->keyed = 1;
}

void
mon_json_str(struct mon_json *j, const char *s)
{
	mon_json_strn(j, s, strlen(s));
}

void
mon_json_strn(struct mon_json *j, const char *s, size_t n)
{
	json_sep(j);
	mon_json_quote(j->out, s, n);
}

void
mon_json_u64(struct mon_json *j, uint64_t v)
{
	json_sep(j);
	evbuffer_add_printf(j->out, "%llu", (unsigned long long)v);
}

void
mon_json_bool(struct mon_json *j, int v)
{
	json_sep(j);
	evbuffer_add_printf(j->out, "%s", v ? "true" : "false");
}

void
mon_json_null(struct mon_json *j)
{
	json_sep(j);
	evbuffer_add(j->out, "null", 4);
}

/* Write s[0..n) as a JSON string, quotes included. */
void
mon_json_quote(struct evbuffer *out, const char *s, size_t n)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 c;
	char			 esc[6] = { '\\', 'u', '0', '0', 0, 0 };
	size_t			 i, run = 0;

	evbuffer_add(out, "\"", 1);
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c <= 0x7e && c != '"' && c != '\\' &&
		    c != '<' && c != '>' && c != '&' && c != '\'') {
			run++;
			continue;
		}
		if (run > 0)
			evbuffer_add(out, s + i - run, run);
		run = 0;
		if (c == '"')
			evbuffer_add(out, "\\\"", 2);
		else if (c == '\\')
			evbuffer_add(out, "\\\\", 2);
		else if (c == '\n')
			evbuffer_add(out, "\\n", 2);
		else if (c == '\t')
			evbuffer_add(out, "\\t", 2);
		else {
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			evbuffer_add(out, esc, 6);
		}
	}
	if (run > 0)
		evbuffer_add(out, s + n - run, run);
	evbuffer_add(out, "\"", 1);
}

void
mon_html(struct evbuffer *out, const char *s)
{
	mon_htmln(out, s, strlen(s));
}

/* Write s[0..n) as HTML text, safe in element content and attributes. */
void
mon_htmln(struct evbuffer *out, const char *s, size_t n)
{
	unsigned char	c;
	size_t		i, run = 0;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c <= 0x7e && c != '&' && c != '<' &&
		    c != '>' && c != '"' && c != '\'') {
			run++;
			continue;
		}
		if (run > 0)
			evbuffer_add(out, s + i - run, run);
		run = 0;
		switch (c) {
		case '&':
			evbuffer_add(out, "&amp;", 5);
			break;
		case '<':
			evbuffer_add(out, "&lt;", 4);
			break;
		case '>':
			evbuffer_add(out, "&gt;", 4);
			break;
		case '"':
			evbuffer_add(out, "&quot;", 6);
			break;
		case '\'':
			evbuffer_add(out, "&#39;", 5);
			break;
		default:
			evbuffer_add(out, "?", 1);
			break;
		}
	}
	if (run > 0)
		evbuffer_add(out, s + n - run, run);
}
