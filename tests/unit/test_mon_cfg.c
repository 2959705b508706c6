/*
 * test_mon_cfg.c: the report and center blocks of the config: values and
 * defaults, off unless present, a dump read back unchanged, and a man
 * page entry for every keyword inside the block's own section.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "monitor/mon_spool.h"
#include "unit.h"

static struct cfg *
load(const char *text)
{
	struct cfg_msgs	 msgs;
	struct cfg	*cfg;

	TAILQ_INIT(&msgs);
	cfg = cfg_load_string("test.conf", text, &msgs);
	cfg_msgs_print(stderr, &msgs);
	cfg_msgs_free(&msgs);
	return (cfg);
}

static char *
dump(const struct cfg *cfg)
{
	char	*buf = NULL;
	size_t	 len;
	FILE	*f;

	f = open_memstream(&buf, &len);
	cfg_dump(f, cfg);
	fclose(f);
	return (buf);
}

/* Without the blocks nothing is on, and nothing is dumped. */
static void
test_mon_cfg_absent_is_off(void)
{
	struct cfg	*cfg;
	char		*text;

	cfg = load("peer { name a; address 198.18.0.1; }\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_FALSE(cfg->report.blk.present);
	CU_ASSERT_FALSE(cfg->center.blk.present);
	text = dump(cfg);
	CU_ASSERT_PTR_NULL(strstr(text, "report {"));
	CU_ASSERT_PTR_NULL(strstr(text, "center {"));
	free(text);
	cfg_free(cfg);
}

/* The smallest blocks, with every default filled in. */
static void
test_mon_cfg_defaults(void)
{
	struct cfg	*cfg;

	cfg = load("peer { name a; address 198.18.0.1; }\n"
	    "report { center c.example.net:443; site-id s1; "
	    "certificate /etc/r.pem; }\n"
	    "center { listen 198.18.1.1:443; certificate /etc/c.pem; "
	    "ca-file /etc/ca.pem; }\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_STRING_EQUAL(cfg->report.center.host, "c.example.net");
	CU_ASSERT_EQUAL(cfg->report.center.port, 443);
	CU_ASSERT_EQUAL(cfg->report.nproxy, 0);
	CU_ASSERT_STRING_EQUAL(cfg->report.device_id_file,
	    "/etc/twinproxy/device-id");
	CU_ASSERT_PTR_NULL(cfg->report.ca_file);
	CU_ASSERT_EQUAL(cfg->report.alive_interval, 60000);
	CU_ASSERT_EQUAL(cfg->report.timeout, 30000);
	CU_ASSERT_STRING_EQUAL(cfg->report.spool_dir, "/var/spool/twinproxy");
	CU_ASSERT_EQUAL(cfg->report.spool_size, 16 << 20);
	CU_ASSERT_EQUAL(cfg->report.certificate_warning, 30ULL * 86400000);
	CU_ASSERT_EQUAL(cfg->center.nlisten, 1);
	CU_ASSERT_STRING_EQUAL(cfg->center.database,
	    "/var/lib/twinproxy/center.db");
	CU_ASSERT_EQUAL(cfg->center.alive_timeout, 180000);
	CU_ASSERT_PTR_NULL(cfg->center.notify);
	CU_ASSERT_EQUAL(cfg->center.nmail_to, 0);
	CU_ASSERT_EQUAL(cfg->center.noperator_listen, 0);
	CU_ASSERT_EQUAL(cfg->center.max_connections, 4000);
	cfg_free(cfg);
}

/* The spool-size bounds are the spool's own. */
static void
test_mon_cfg_spool_bounds(void)
{
	const struct cfg_kw	*kw = cfg_kw_find(cfg_report_kws,
				    "spool-size");

	CU_ASSERT_PTR_NOT_NULL_FATAL(kw);
	CU_ASSERT_EQUAL(kw->min, MON_SPOOL_MIN);
	CU_ASSERT_EQUAL(kw->max, MON_SPOOL_MAX);
}

static void
test_mon_cfg_roundtrip(void)
{
	struct cfg_msgs	 msgs;
	struct cfg	*a, *b;
	char		*t1, *t2;

	TAILQ_INIT(&msgs);
	a = cfg_load(unit_data("cfg/ok_monitor.conf"), &msgs);
	cfg_msgs_print(stderr, &msgs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(a->report.nproxy, 2);
	CU_ASSERT_EQUAL(a->center.nmail_to, 2);
	CU_ASSERT_STRING_EQUAL(a->center.mail_to[1], "ops+alarm@example.net");
	t1 = dump(a);
	b = cfg_load_string("dump", t1, &msgs);
	cfg_msgs_print(stderr, &msgs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	t2 = dump(b);
	CU_ASSERT_STRING_EQUAL(t1, t2);
	free(t1);
	free(t2);
	cfg_free(a);
	cfg_free(b);
	cfg_msgs_free(&msgs);
}

/* Each keyword is documented in its block's section of the man page. */
static void
test_mon_cfg_man_sections(void)
{
	static const struct {
		const char		*section;
		const struct cfg_kw	*kws;
	} blocks[] = {
		{ "\n.Sh REPORT BLOCK\n", cfg_report_kws },
		{ "\n.Sh CENTER BLOCK\n", cfg_center_kws },
	};
	const struct cfg_kw	*kw;
	char			 path[PATH_MAX], entry[128], *man, *start, *end;
	char			 saved;
	size_t			 i;

	snprintf(path, sizeof path, "%s/../../man/twinproxy.conf.5",
	    unit_data(""));
	man = unit_slurp(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(man);
	for (i = 0; i < sizeof blocks / sizeof blocks[0]; i++) {
		start = strstr(man, blocks[i].section);
		CU_ASSERT_PTR_NOT_NULL_FATAL(start);
		end = strstr(start + 1, "\n.Sh ");
		CU_ASSERT_PTR_NOT_NULL_FATAL(end);
		saved = *end;
		*end = '\0';
		for (kw = blocks[i].kws; kw->name != NULL; kw++) {
			snprintf(entry, sizeof entry, "\n.It Ic %s Ar ",
			    kw->name);
			if (strstr(start, entry) == NULL)
				fprintf(stderr, "\ntwinproxy.conf.5:%s no "
				    "entry for %s\n", blocks[i].section,
				    kw->name);
			CU_ASSERT_PTR_NOT_NULL(strstr(start, entry));
		}
		*end = saved;
	}
	free(man);
}

/*
 * The monitoring examples in etc/ load clean: no error, no warning, and
 * the block each is about.
 */
static void
test_mon_cfg_examples(void)
{
	static const struct {
		const char	*file;
		int		 report;
	} ex[] = {
		{ "a-report.conf", 1 },
		{ "b-report.conf", 1 },
		{ "center.conf", 0 },
	};
	struct cfg_msgs	 msgs;
	struct cfg_msg	*m;
	struct cfg	*cfg;
	char		 path[PATH_MAX];
	size_t		 i;
	int		 n;

	for (i = 0; i < sizeof ex / sizeof ex[0]; i++) {
		snprintf(path, sizeof path, "%s/../../etc/%s", unit_data(""),
		    ex[i].file);
		TAILQ_INIT(&msgs);
		cfg = cfg_load(path, &msgs);
		n = 0;
		TAILQ_FOREACH(m, &msgs, entry) {
			fprintf(stderr, "\n%s", m->text);
			n++;
		}
		cfg_msgs_free(&msgs);
		CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
		CU_ASSERT_EQUAL(n, 0);
		CU_ASSERT_EQUAL(cfg->report.blk.present, ex[i].report);
		CU_ASSERT_EQUAL(cfg->center.blk.present, !ex[i].report);
		cfg_free(cfg);
	}
}

static CU_TestInfo tests[] = {
	{ "test_mon_cfg_absent_is_off", test_mon_cfg_absent_is_off },
	{ "test_mon_cfg_defaults", test_mon_cfg_defaults },
	{ "test_mon_cfg_spool_bounds", test_mon_cfg_spool_bounds },
	{ "test_mon_cfg_roundtrip", test_mon_cfg_roundtrip },
	{ "test_mon_cfg_man_sections", test_mon_cfg_man_sections },
	{ "test_mon_cfg_examples", test_mon_cfg_examples },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(mon_cfg_suite, "mon_cfg", tests)
