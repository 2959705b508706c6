/*
 * fuzz_pac.c: libFuzzer target for the PAC script verifier
 * (wpad_verify), the check every generated script passes before it is
 * served.
 *
 * The input is the script. wpad_verify takes a length and a terminating
 * NUL, so the bytes are copied into a buffer of their own with a NUL
 * after them. Invariants: an answer is 0 or -1 with a cause, the same
 * answer twice, and an accepted script has the properties the verifier
 * promises that can be seen without parsing (printable ASCII, no NUL,
 * the FindProxyForURL definition).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wpad.h"
#include "fuzz.h"

static void	check_accepted(const char *, size_t);

/* What an accepted script must look like, checked without the verifier. */
static void
check_accepted(const char *s, size_t len)
{
	size_t	i;

	CHECK(len > 0 && len < WPAD_MAXSCRIPT);
	for (i = 0; i < len; i++)
		CHECK(s[i] == '\n' || s[i] == '\t' ||
		    (s[i] >= 0x20 && s[i] <= 0x7e));
	CHECK(strstr(s, "\nfunction FindProxyForURL(url, host)\n{\n") != NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*cause = NULL, *cause2 = NULL;
	char		*s;
	int		 r, r2;

	if (size > WPAD_MAXSCRIPT + 16)
		return (0);
	s = malloc(size + 1);
	CHECK(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';

	r = wpad_verify(s, size, &cause);
	CHECK(r == 0 || r == -1);
	if (r == -1)
		CHECK(cause != NULL && cause[0] != '\0');
	else
		check_accepted(s, size);
	/* Pure: the script is not changed and the answer is the same. */
	CHECK(memcmp(s, data, size) == 0);
	r2 = wpad_verify(s, size, &cause2);
	CHECK(r2 == r && (r == 0 || strcmp(cause, cause2) == 0));
	free(s);
	return (0);
}
