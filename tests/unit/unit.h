/*
 * unit.h: CUnit suite registration for the single unit-test runner.
 *
 * Each test_<mod>_<role>.c defines its CU_TestInfo array and registers it
 * with UNIT_SUITE(); main.c never needs to know the list, so test files are
 * added by touching only their own folder's local.mk.
 */
#ifndef UNIT_H
#define UNIT_H

#include <stdint.h>

#include <CUnit/CUnit.h>

struct unit_suite {
	const char		*name;
	CU_TestInfo		*tests;
	struct unit_suite	*next;
};

void	unit_register(struct unit_suite *);
/* Path of a file under tests/data/ (static buffer). */
const char *unit_data(const char *);
/* Read a whole file into a NUL-terminated malloc'd string, NULL on error. */
char	*unit_slurp(const char *, size_t *);
struct evbuffer;
/* Drain a buffer into a NUL-terminated malloc'd string. */
char	*unit_take(struct evbuffer *);

struct addr;
struct event_base;
/* A TCP socket listening on 127.0.0.1 (a free port), its address in *a. */
int	 unit_listen(struct addr *);
/* Run <base>'s loop for about <ms> milliseconds. */
void	 unit_run(struct event_base *, int);
/*
 * The monotonic clock in milliseconds. A test that asserts a timer has
 * not fired yet measures the time it took: on a loaded machine a stall
 * longer than the timer makes that try inconclusive, not a failure.
 */
uint64_t unit_ms(void);
#define UNIT_TRIES	5	/* tries before a stalled test fails */

#define UNIT_SUITE(var, sname, tarray)					\
	static struct unit_suite var = { sname, tarray, NULL };		\
	static void __attribute__((constructor))			\
	var##_register(void)						\
	{								\
		unit_register(&var);					\
	}

#endif
