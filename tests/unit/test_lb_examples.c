/*
 * test_lb_examples.c: the example configurations of etc/ (a pair in each
 * of the two modes, each with a cluster for twin-lb) load without a
 * single error or warning, the two peers of a pair have the same
 * clusters, and twin-lb serves every cluster of them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "lb/lbd.h"
#include "unit.h"

static const char *const examples[][2] = {
	{ "a-standby.conf", "b-standby.conf" },
	{ "a-wpad.conf", "b-wpad.conf" },
};

/* Load etc/<name>: NULL (and the messages printed) unless clean. */
static struct cfg *
load(const char *name)
{
	struct cfg_msgs	 msgs;
	struct cfg	*cfg;
	char		 path[128];
	int		 n = 0;
	struct cfg_msg	*msg;

	snprintf(path, sizeof path, "../../etc/%s", name);
	TAILQ_INIT(&msgs);
	cfg = cfg_load(unit_data(path), &msgs);
	TAILQ_FOREACH(msg, &msgs, entry) {
		fprintf(stderr, "\n%s%s", msg->warning ? "warning: " : "",
		    msg->text);
		n++;
	}
	cfg_msgs_free(&msgs);
	CU_ASSERT_PTR_NOT_NULL(cfg);
	CU_ASSERT_EQUAL(n, 0);
	if (n != 0) {
		cfg_free(cfg);
		return (NULL);
	}
	return (cfg);
}

/* Each example loads clean, and the peers' clusters mirror each other. */
static void
test_lb_examples_clean(void)
{
	const struct cfg_cluster	*ca, *cb;
	struct cfg			*a, *b;
	size_t				 i, j, n;

	for (i = 0; i < sizeof examples / sizeof examples[0]; i++) {
		a = load(examples[i][0]);
		b = load(examples[i][1]);
		if (a == NULL || b == NULL) {
			cfg_free(a);
			cfg_free(b);
			continue;
		}
		n = 0;
		cb = TAILQ_FIRST(&b->clusters);
		TAILQ_FOREACH(ca, &a->clusters, entry) {
			CU_ASSERT_PTR_NOT_NULL_FATAL(cb);
			CU_ASSERT_STRING_EQUAL(ca->name, cb->name);
			CU_ASSERT_EQUAL(ca->mode, cb->mode);
			CU_ASSERT_TRUE(lbd_serves(ca->mode));
			CU_ASSERT_EQUAL(ca->nserver, cb->nserver);
			for (j = 0; j < ca->nserver && j < cb->nserver; j++) {
				CU_ASSERT_STRING_EQUAL(ca->server[j].name,
				    cb->server[j].name);
				CU_ASSERT_TRUE(addr_eq(&ca->server[j].addr,
				    &cb->server[j].addr));
			}
			cb = TAILQ_NEXT(cb, entry);
			n++;
		}
		CU_ASSERT_PTR_NULL(cb);
		CU_ASSERT_TRUE(n > 0);	/* every example has a cluster */
		cfg_free(a);
		cfg_free(b);
	}
}

static CU_TestInfo lb_examples_tests[] = {
	{ "etc examples check clean", test_lb_examples_clean },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(lb_examples_suite, "lb_examples", lb_examples_tests)
