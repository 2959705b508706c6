/*
 * main.c: the CUnit runner; runs every registered suite, exits 0 or 1.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <CUnit/Basic.h>

#include "addr.h"
#include "ev.h"
#include "unit.h"

static struct unit_suite *suites;

/* Add a suite; called from constructors before main(). */
void
unit_register(struct unit_suite *s)
{
	struct unit_suite **p;

	/* Keep registration order stable by name for reproducible output. */
	for (p = &suites; *p != NULL && strcmp((*p)->name, s->name) < 0;
	    p = &(*p)->next)
		;
	s->next = *p;
	*p = s;
}

int
unit_listen(struct addr *a)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			fd;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0);
	CU_ASSERT_FATAL(listen(fd, 8) == 0);
	CU_ASSERT_FATAL(getsockname(fd, (struct sockaddr *)&sin, &len) == 0);
	CU_ASSERT_FATAL(addr_from_sa(a, (struct sockaddr *)&sin, len) == 0);
	return (fd);
}

void
unit_run(struct event_base *base, int ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

uint64_t
unit_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

char *
unit_take(struct evbuffer *b)
{
	size_t	 len = evbuffer_get_length(b);
	char	*s = calloc(1, len + 1);

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	evbuffer_remove(b, s, len);
	return (s);
}

/* Return the path of a test data file. */
const char *
unit_data(const char *name)
{
	static char	 path[4096];
	const char	*dir;

	if ((dir = getenv("TESTS_DATA")) == NULL)
		dir = "tests/data";
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return (path);
}

/* Read a file whole. */
char *
unit_slurp(const char *path, size_t *lenp)
{
	FILE	*f;
	char	*buf = NULL;
	long	 len;

	if ((f = fopen(path, "rb")) == NULL)
		return (NULL);
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0)
		goto fail;
	if ((buf = malloc(len + 1)) == NULL)
		goto fail;
	if (fread(buf, 1, len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
		goto fail;
	}
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
fail:
	fclose(f);
	return (buf);
}

int
main(int argc, char **argv)
{
	struct unit_suite	*s;
	CU_pSuite		 cs;
	CU_TestInfo		*t;
	unsigned int		 failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return (1);
	for (s = suites; s != NULL; s = s->next) {
		if (argc > 1 && strcmp(argv[1], s->name) != 0)
			continue;
		if ((cs = CU_add_suite(s->name, NULL, NULL)) == NULL)
			return (1);
		for (t = s->tests; t->pName != NULL; t++)
			if (CU_add_test(cs, t->pName, t->pTestFunc) == NULL)
				return (1);
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() +
	    CU_get_number_of_tests_failed();
	if (CU_get_number_of_tests_run() == 0)
		failed = 1;
	if (CU_get_number_of_failures() != 0) {
		/* Again at the end, where a log's tail shows them. */
		printf("\nFailures:\n");
		CU_basic_show_failures(CU_get_failure_list());
		printf("\n");
	}
	CU_cleanup_registry();
	return (failed ? 1 : 0);
}
