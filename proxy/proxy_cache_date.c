/*
 * proxy_cache_date.c: HTTP-date parsing and formatting (RFC 9110 §5.6.7).
 *
 * Accepts the three forms a recipient must: IMF-fixdate, the obsolete
 * RFC 850 form and asctime(). Anything else is invalid; callers treat an
 * invalid Expires as a time in the past (RFC 9111 §5.3).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "proxy_cache.h"

static const char *const wkdays[] = {
	"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"
};
static const char *const wkdays_long[] = {
	"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
	"Sunday"
};
static const char *const months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
	"Nov", "Dec"
};

struct date_cur {
	const char	*p;
	const char	*end;
};

static int	date_lit(struct date_cur *, const char *);
static int	date_num(struct date_cur *, int, int, int *);
static int	date_month(struct date_cur *, int *);
static int	date_time(struct date_cur *, int *, int *, int *);
static int	date_wkday(struct date_cur *, const char *const *);
static time_t	date_mktime(int, int, int, int, int, int);
static int	date_rfc850_year(int);

/* Match a literal. */
static int
date_lit(struct date_cur *c, const char *s)
{
	size_t	 n = strlen(s);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n) != 0)
		return (-1);
	c->p += n;
	return (0);
}

/* Read exactly min..max digits. */
static int
date_num(struct date_cur *c, int min, int max, int *out)
{
	int	 n = 0, v = 0;

	while (c->p < c->end && n < max && isdigit((unsigned char)*c->p)) {
		v = v * 10 + (*c->p - '0');
		c->p++;
		n++;
	}
	if (n < min)
		return (-1);
	*out = v;
	return (0);
}

/* Read a three-letter month name. */
static int
date_month(struct date_cur *c, int *mon)
{
	int	 i;

	for (i = 0; i < 12; i++) {
		if (date_lit(c, months[i]) == 0) {
			*mon = i;
			return (0);
		}
	}
	return (-1);
}

/* Read hh:mm:ss. */
static int
date_time(struct date_cur *c, int *h, int *m, int *s)
{
	if (date_num(c, 2, 2, h) == -1 || date_lit(c, ":") == -1 ||
	    date_num(c, 2, 2, m) == -1 || date_lit(c, ":") == -1 ||
	    date_num(c, 2, 2, s) == -1)
		return (-1);
	if (*h > 23 || *m > 59 || *s > 60)
		return (-1);
	return (0);
}

/* Read a day name from a table. */
static int
date_wkday(struct date_cur *c, const char *const *tab)
{
	int	 i;

	for (i = 0; i < 7; i++)
		if (date_lit(c, tab[i]) == 0)
			return (0);
	return (-1);
}

/* Convert a UTC broken-down time to seconds since the epoch. */
static time_t
date_mktime(int year, int mon, int day, int h, int m, int s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	struct tm	 tm;

	if (day < 1 || day > mdays[mon])
		return (-1);
	memset(&tm, 0, sizeof tm);
	tm.tm_year = year - 1900;
	tm.tm_mon = mon;
	tm.tm_mday = day;
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = s;
	return (timegm(&tm));
}

/*
 * Expand a two-digit year: one that would be more than 50 years in the
 * future is the most recent past year with those digits (RFC 9110
 * §5.6.7).
 */
static int
date_rfc850_year(int yy)
{
	struct tm	 tm;
	time_t		 now = time(NULL);
	int		 cur, year;

	if (gmtime_r(&now, &tm) == NULL)
		return (1900 + yy);
	cur = tm.tm_year + 1900;
	year = cur - cur % 100 + yy;
	if (year > cur + 50)
		year -= 100;
	return (year);
}

/* Parse an HTTP-date; 0 and *t on success, -1 if invalid. */
int
cache_date_parse(const char *s, size_t len, time_t *t)
{
	struct date_cur	 c;
	int		 day, mon, year, h, m, sec;

	/* Surrounding whitespace is not part of the value. */
	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;

	/* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
	c.p = s;
	c.end = s + len;
	if (date_wkday(&c, wkdays) == 0 && date_lit(&c, ", ") == 0) {
		if (date_num(&c, 2, 2, &day) == -1 || date_lit(&c, " ") == -1 ||
		    date_month(&c, &mon) == -1 || date_lit(&c, " ") == -1 ||
		    date_num(&c, 4, 4, &year) == -1 ||
		    date_lit(&c, " ") == -1 ||
		    date_time(&c, &h, &m, &sec) == -1 ||
		    date_lit(&c, " GMT") == -1 || c.p != c.end)
			return (-1);
		goto done;
	}

	/* rfc850-date: Sunday, 06-Nov-94 08:49:37 GMT */
	c.p = s;
	if (date_wkday(&c, wkdays_long) == 0 && date_lit(&c, ", ") == 0) {
		if (date_num(&c, 2, 2, &day) == -1 || date_lit(&c, "-") == -1 ||
		    date_month(&c, &mon) == -1 || date_lit(&c, "-") == -1 ||
		    date_num(&c, 2, 2, &year) == -1 ||
		    date_lit(&c, " ") == -1 ||
		    date_time(&c, &h, &m, &sec) == -1 ||
		    date_lit(&c, " GMT") == -1 || c.p != c.end)
			return (-1);
		year = date_rfc850_year(year);
		goto done;
	}

	/* asctime-date: Sun Nov  6 08:49:37 1994 */
	c.p = s;
	if (date_wkday(&c, wkdays) == 0 && date_lit(&c, " ") == 0) {
		if (date_month(&c, &mon) == -1 || date_lit(&c, " ") == -1)
			return (-1);
		if (c.p < c.end && *c.p == ' ')
			c.p++;
		if (date_num(&c, 1, 2, &day) == -1 || date_lit(&c, " ") == -1 ||
		    date_time(&c, &h, &m, &sec) == -1 ||
		    date_lit(&c, " ") == -1 ||
		    date_num(&c, 4, 4, &year) == -1 || c.p != c.end)
			return (-1);
		goto done;
	}
	return (-1);

done:
	if (sec == 60)
		sec = 59;
	if ((*t = date_mktime(year, mon, day, h, m, sec)) == -1)
		return (-1);
	return (0);
}

/* Format an IMF-fixdate; returns the length written (0 if no room). */
size_t
cache_date_format(time_t t, char *buf, size_t len)
{
	struct tm	 tm;
	int		 n;

	if (gmtime_r(&t, &tm) == NULL)
		return (0);
	n = snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d GMT",
	    wkdays[(tm.tm_wday + 6) % 7], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (n < 0 || (size_t)n >= len)
		return (0);
	return ((size_t)n);
}
