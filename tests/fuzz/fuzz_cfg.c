/*
 * fuzz_cfg.c: libFuzzer target for the configuration lexer, parser and
 * checks (cfg_load_string on arbitrary text), with the dump's promise
 * asserted: when a text loads without errors, the effective configuration
 * it prints loads again without errors and prints the very same text.
 *
 * The input is the whole file (cut at its first NUL, as cfg_load_string
 * takes a C string). It is named "fuzz.conf", without a folder, so an
 * include names a file relative to the current directory: run the target
 * from a directory without stray files.
 */
#include <sys/queue.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "fuzz.h"

#define FUZZ_NAME	"fuzz.conf"

static char	*dump(const struct cfg *, size_t *);
static void	 check_msgs(struct cfg_msgs *, int);

/* Print the effective configuration to a string (malloc'd). */
static char *
dump(const struct cfg *cfg, size_t *len)
{
	char	*buf = NULL;
	FILE	*f;

	f = open_memstream(&buf, len);
	CHECK(f != NULL);
	cfg_dump(f, cfg);
	CHECK(fclose(f) == 0);
	return (buf);
}

/*
 * Every message says something; errors, and only errors, fail the load.
 * (Messages may quote a value with control characters in it: a string's
 * escapes are decoded before the value is judged.)
 */
static void
check_msgs(struct cfg_msgs *msgs, int loaded)
{
	struct cfg_msg	*m;

	TAILQ_FOREACH(m, msgs, entry)
		CHECK(m->text != NULL && m->text[0] != '\0');
	CHECK((cfg_msgs_errors(msgs) == 0) == loaded);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg_msgs	 msgs, msgs2;
	struct cfg	*cfg, *cfg2;
	char		*text, *out, *out2;
	size_t		 len, len2;

	if (size > 65536)
		return (0);
	text = malloc(size + 1);
	CHECK(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0';

	TAILQ_INIT(&msgs);
	cfg = cfg_load_string(FUZZ_NAME, text, &msgs);
	check_msgs(&msgs, cfg != NULL);
	cfg_msgs_free(&msgs);
	free(text);
	if (cfg == NULL)
		return (0);

	/* The printed configuration is itself a valid one, and a fixpoint. */
	out = dump(cfg, &len);
	TAILQ_INIT(&msgs2);
	cfg2 = cfg_load_string(FUZZ_NAME, out, &msgs2);
	if (cfg2 == NULL) {
		fprintf(stderr, "the dump does not load back:\n%s\n", out);
		cfg_msgs_print(stderr, &msgs2);
	}
	CHECK(cfg2 != NULL);
	cfg_msgs_free(&msgs2);
	out2 = dump(cfg2, &len2);
	if (len != len2 || memcmp(out, out2, len) != 0)
		fprintf(stderr, "first dump:\n%s\nits reload's dump:\n%s\n",
		    out, out2);
	CHECK(len == len2 && memcmp(out, out2, len) == 0);
	free(out);
	free(out2);
	cfg_free(cfg2);
	cfg_free(cfg);
	return (0);
}
