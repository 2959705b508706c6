/* test_proxy_cache_util.c: fixtures shared by the cache's unit tests. */
#include <string.h>

#include "test_proxy_cache.h"

/* Fill a header set from "Name: value\n" lines. */
void
hs(struct hset *s, const char *text)
{
	char	*p, *eol, *colon;

	strlcpy(s->buf, text, sizeof s->buf);
	s->n = 0;
	for (p = s->buf; *p != '\0' && s->n < MAXH; p = eol + 1) {
		if ((eol = strchr(p, '\n')) == NULL)
			eol = p + strlen(p);
		if ((colon = strchr(p, ':')) == NULL || colon > eol)
			break;
		s->h[s->n].name = p;
		s->h[s->n].name_len = colon - p;
		for (colon++; *colon == ' '; colon++)
			;
		s->h[s->n].value = colon;
		s->h[s->n].value_len = eol - colon;
		s->n++;
		if (*eol == '\0')
			break;
	}
}
