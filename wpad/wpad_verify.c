/*
 * wpad_verify.c: the built-in check every generated PAC script passes
 * before it can be served.
 *
 * It is not a JavaScript parser; it checks the properties the browsers'
 * PAC engines rely on and that a generator bug could break: plain ASCII,
 * balanced brackets and string literals, only the basic PAC functions (no
 * alert, no DNS look-ups, no *Ex function but isInNetEx, and that only on
 * IPv6 literals), isInNet only on IPv4 literals, and return values that are
 * valid PAC results.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "wpad.h"

#define V4_OPEN		\
    "if (/^[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}$/.test(host)) {"
#define V6_OPEN		"} else if (host.indexOf(\":\") >= 0) {"
#define NAME_OPEN	"} else {"

static int	verify_chars(const char *, size_t, const char **);
static int	verify_tokens(const char *, const char **);
static int	verify_call(const char *, size_t);
static int	verify_result(const char *, size_t);
static int	verify_region(const char *, const char *, const char *,
		    const char *);

/* Functions and methods a generated script may call. */
static const char *const verify_calls[] = {
	"FindProxyForURL", "isPlainHostName", "dnsDomainIs", "isInNet",
	"isInNetEx", "myIpAddress", "parseInt", "test", "exec", "charAt",
	"substring", "toLowerCase", "indexOf", "if", NULL
};

/* Every byte is printable ASCII, a tab or a newline; no NUL inside. */
static int
verify_chars(const char *s, size_t len, const char **cause)
{
	size_t	i;

	if (len == 0 || len >= WPAD_MAXSCRIPT) {
		*cause = "script is empty or too large";
		return (-1);
	}
	for (i = 0; i < len; i++) {
		if (s[i] == '\n' || s[i] == '\t')
			continue;
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e) {
			*cause = "script holds a byte that is not printable "
			    "ASCII";
			return (-1);
		}
	}
	return (0);
}

/* Return 1 if the identifier <id> of length <n> may be called. */
static int
verify_call(const char *id, size_t n)
{
	const char *const	*c;

	for (c = verify_calls; *c != NULL; c++)
		if (strlen(*c) == n && strncmp(*c, id, n) == 0)
			return (1);
	return (0);
}

/*
 * Return 1 if <s> (length <n>, a string literal's contents after "return")
 * is a PAC result: DIRECT, or PROXY host:port items separated by "; ",
 * optionally ending in DIRECT.
 */
static int
verify_result(const char *s, size_t n)
{
	const char	*p = s, *end = s + n, *item;
	size_t		 k;

	for (;;) {
		if ((size_t)(end - p) == 6 && strncmp(p, "DIRECT", 6) == 0)
			return (1);
		if ((size_t)(end - p) < 6 || strncmp(p, "PROXY ", 6) != 0)
			return (0);
		item = p += 6;
		k = strspn(p, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]");
		if (k == 0 || p + k > end || memchr(item, ':', k) == NULL)
			return (0);
		p += k;
		if (p == end)
			return (1);
		if ((size_t)(end - p) < 2 || strncmp(p, "; ", 2) != 0)
			return (0);
		p += 2;
	}
}

/*
 * Check the code: literals closed on their line, no backslash in a
 * string, brackets balanced, only allowed calls, valid return values.
 */
static int
verify_tokens(const char *s, const char **cause)
{
	const char	*p, *q, *prev = NULL;
	int		 depth[3] = { 0, 0, 0 };
	size_t		 n;

	for (p = s; *p != '\0'; p++) {
		if (p[0] == '/' && p[1] == '/') {
			/* A comment: up to the end of the line. */
			while (*p != '\0' && *p != '\n')
				p++;
			if (*p == '\0')
				break;
			continue;
		}
		if (*p == '"') {
			for (q = p + 1; *q != '"'; q++)
				if (*q == '\0' || *q == '\n' || *q == '\\') {
					*cause = "string literal with a "
					    "backslash or not closed on its "
					    "line";
					return (-1);
				}
			if (prev != NULL && p - prev == 7 &&
			    strncmp(prev, "return ", 7) == 0 &&
			    !verify_result(p + 1, q - p - 1)) {
				*cause = "a return value is not a valid PAC "
				    "result";
				return (-1);
			}
			p = q;
			continue;
		}
		if (*p == '/' && prev != NULL && strchr("(=,", *prev) != NULL) {
			/* A regular expression literal. */
			for (q = p + 1; *q != '/'; q++) {
				if (*q == '\\' && q[1] != '\0' && q[1] != '\n')
					q++;
				else if (*q == '\0' || *q == '\n') {
					*cause = "regular expression not "
					    "closed on its line";
					return (-1);
				}
			}
			p = q;
			prev = p;
			continue;
		}
		if (isalpha((unsigned char)*p) || *p == '_' || *p == '$') {
			n = strspn(p, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$");
			q = p + n;
			while (*q == ' ')
				q++;
			if (*q == '(' && !verify_call(p, n)) {
				*cause = "script calls a function outside the "
				    "basic PAC set";
				return (-1);
			}
			if ((n == 5 && strncmp(p, "alert", 5) == 0) ||
			    (n == 4 && strncmp(p, "eval", 4) == 0)) {
				*cause = "script uses alert or eval";
				return (-1);
			}
			if (n == 6 && strncmp(p, "return", 6) == 0)
				prev = p;
			else
				prev = p + n - 1;
			p += n - 1;
			continue;
		}
		switch (*p) {
		case '(': depth[0]++; break;
		case ')': depth[0]--; break;
		case '{': depth[1]++; break;
		case '}': depth[1]--; break;
		case '[': depth[2]++; break;
		case ']': depth[2]--; break;
		}
		if (depth[0] < 0 || depth[1] < 0 || depth[2] < 0) {
			*cause = "unbalanced brackets";
			return (-1);
		}
		if (*p != ' ' && *p != '\t' && *p != '\n')
			prev = p;
	}
	if (depth[0] != 0 || depth[1] != 0 || depth[2] != 0) {
		*cause = "unbalanced brackets";
		return (-1);
	}
	return (0);
}

/*
 * Check that every occurrence of <what> lies between <open> and <close>
 * (both found in <s>, open first). Returns -1 if one is outside.
 */
static int
verify_region(const char *s, const char *what, const char *open,
    const char *close)
{
	const char	*a, *b, *p;

	a = strstr(s, open);
	b = a != NULL ? strstr(a, close) : NULL;
	for (p = strstr(s, what); p != NULL; p = strstr(p + 1, what))
		if (a == NULL || b == NULL || p < a || p > b)
			return (-1);
	return (0);
}

/*
 * Check script <s> of <len> bytes; 0 if it may be served, else -1 with
 * <cause>.
 */
int
wpad_verify(const char *s, size_t len, const char **cause)
{
	if (verify_chars(s, len, cause) == -1)
		return (-1);
	if (strlen(s) != len) {
		*cause = "script holds a NUL byte";
		return (-1);
	}
	if (strstr(s, "\nfunction FindProxyForURL(url, host)\n{\n") == NULL) {
		*cause = "script does not define FindProxyForURL(url, host)";
		return (-1);
	}
	if (verify_tokens(s, cause) == -1)
		return (-1);
	if (verify_region(s, "isInNet(", V4_OPEN, V6_OPEN) == -1) {
		*cause = "isInNet is used on something that is not an IPv4 "
		    "literal";
		return (-1);
	}
	if (verify_region(s, "isInNetEx(", V6_OPEN, NAME_OPEN) == -1) {
		*cause = "isInNetEx is used outside the IPv6 path";
		return (-1);
	}
	return (0);
}
