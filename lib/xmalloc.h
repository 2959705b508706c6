/* xmalloc.h: allocation that cannot fail (boot, config and control code). */
#ifndef XMALLOC_H
#define XMALLOC_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
int	 xasprintf(char **, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 xsnprintf(char *, size_t, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
