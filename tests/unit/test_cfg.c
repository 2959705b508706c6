/*
 * test_cfg.c: the config language, by golden files: every
 * tests/data/cfg/ok_*.conf must load and dump as its .out, every bad_*.conf
 * must fail with exactly the messages of its .err. UPDATE_GOLDEN=1 rewrites
 * the golden files instead of comparing.
 */
#include <dirent.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "unit.h"

static int	golden(const char *, const char *);
static char	*load_text(const char *, int *);

/* Compare <got> with golden file <path> (in the cwd), or rewrite it. */
static int
golden(const char *path, const char *got)
{
	char	*want;
	FILE	*f;
	int	 ok;

	if (getenv("UPDATE_GOLDEN") != NULL) {
		if ((f = fopen(path, "w")) == NULL)
			return (0);
		fputs(got, f);
		fclose(f);
		return (1);
	}
	if ((want = unit_slurp(path, NULL)) == NULL) {
		fprintf(stderr, "missing golden file %s\n", path);
		return (0);
	}
	ok = strcmp(want, got) == 0;
	if (!ok)
		fprintf(stderr, "\n%s differs:\n--- want\n%s--- got\n%s", path,
		    want, got);
	free(want);
	return (ok);
}

/* Load <name> (cwd is its folder); return dump or messages. */
static char *
load_text(const char *name, int *ok)
{
	struct cfg_msgs	 msgs;
	struct cfg	*cfg;
	char		*buf = NULL;
	size_t		 len;
	FILE		*f;

	TAILQ_INIT(&msgs);
	cfg = cfg_load(name, &msgs);
	f = open_memstream(&buf, &len);
	cfg_msgs_print(f, &msgs);
	if (cfg != NULL)
		cfg_dump(f, cfg);
	fclose(f);
	*ok = cfg != NULL;
	cfg_free(cfg);
	cfg_msgs_free(&msgs);
	return (buf);
}

/* Run <fn> on every file of the data folder matching prefix/suffix. */
static void
each_conf(const char *dir, const char *prefix, int want_ok, const char *ext)
{
	struct dirent	**names;
	char		  cwd[PATH_MAX], out[NAME_MAX + 8], *text;
	int		  n, i, ok, count = 0;
	size_t		  len;

	CU_ASSERT_FATAL(getcwd(cwd, sizeof cwd) != NULL);
	CU_ASSERT_FATAL(chdir(dir) == 0);
	n = scandir(".", &names, NULL, alphasort);
	CU_ASSERT_FATAL(n > 0);
	for (i = 0; i < n; i++) {
		len = strlen(names[i]->d_name);
		if (strncmp(names[i]->d_name, prefix, strlen(prefix)) != 0 ||
		    len < 6 || strcmp(names[i]->d_name + len - 5, ".conf") != 0)
			goto next;
		text = load_text(names[i]->d_name, &ok);
		if (ok != want_ok)
			fprintf(stderr, "\n%s: expected %s\n%s",
			    names[i]->d_name, want_ok ? "success" : "failure",
			    text);
		CU_ASSERT_EQUAL(ok, want_ok);
		if (ext != NULL) {
			snprintf(out, sizeof out, "%.*s%s", (int)(len - 5),
			    names[i]->d_name, ext);
			CU_ASSERT_TRUE(golden(out, text));
		}
		free(text);
		count++;
next:
		free(names[i]);
	}
	free(names);
	CU_ASSERT_TRUE(count > 0);
	CU_ASSERT_FATAL(chdir(cwd) == 0);
}

static void
test_cfg_load_golden_ok(void)
{
	each_conf(unit_data("cfg"), "ok_", 1, ".out");
}

static void
test_cfg_load_golden_errors(void)
{
	each_conf(unit_data("cfg"), "bad_", 0, ".err");
}

/* The example configs shipped in etc/ must all be valid. */
static void
test_cfg_load_examples(void)
{
	char	dir[PATH_MAX];

	snprintf(dir, sizeof dir, "%s/../../etc", unit_data(""));
	each_conf(dir, "", 1, NULL);
}

/* A dump read back gives the same dump. */
static void
test_cfg_dump_roundtrip(void)
{
	struct cfg_msgs	 msgs;
	struct cfg	*a, *b;
	char		*t1 = NULL, *t2 = NULL, path[PATH_MAX];
	size_t		 l1, l2;
	FILE		*f;

	TAILQ_INIT(&msgs);
	snprintf(path, sizeof path, "%s", unit_data("cfg/ok_full.conf"));
	a = cfg_load(path, &msgs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	f = open_memstream(&t1, &l1);
	cfg_dump(f, a);
	fclose(f);
	b = cfg_load_string("dump", t1, &msgs);
	cfg_msgs_print(stderr, &msgs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	f = open_memstream(&t2, &l2);
	cfg_dump(f, b);
	fclose(f);
	CU_ASSERT_STRING_EQUAL(t1, t2);
	free(t1);
	free(t2);
	cfg_free(a);
	cfg_free(b);
	cfg_msgs_free(&msgs);
}

/*
 * A raw control character in a string is refused: no escape would print
 * it back, so its dump did not load the same (found by fuzz_cfg).
 */
static void
test_cfg_string_control_char(void)
{
	struct cfg_msgs	 msgs;
	struct cfg	*cfg;
	struct cfg_msg	*m;

	TAILQ_INIT(&msgs);
	cfg = cfg_load_string("ctl.conf", "peer { name a; address 198.18.0.1; "
	    "user \"no\x0e\"; }\n", &msgs);
	CU_ASSERT_PTR_NULL(cfg);
	m = TAILQ_FIRST(&msgs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_STRING_EQUAL(m->text, "ctl.conf:1: invalid character 0x0e "
	    "in a string (only \\n, \\r and \\t)");
	cfg_free(cfg);
	cfg_msgs_free(&msgs);

	/* The escapes, and a raw tab, still read back the same. */
	TAILQ_INIT(&msgs);
	cfg = cfg_load_string("ctl.conf", "peer { name a; address 198.18.0.1; "
	    "run-dir \"/a\\tb\tc\"; }\n", &msgs);
	cfg_msgs_print(stderr, &msgs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_STRING_EQUAL(cfg->peer.run_dir, "/a\tb\tc");
	cfg_free(cfg);
	cfg_msgs_free(&msgs);
}

/*
 * An unknown escape is refused rather than taken as the character
 * itself: "\\d" would print back as "d", and the dump of the effective
 * configuration would not read back as the file.
 */
static void
test_cfg_string_unknown_escape(void)
{
	struct cfg_msgs	 msgs;
	struct cfg	*cfg, *back;
	struct cfg_msg	*m;
	char		*text = NULL;
	size_t		 len;
	FILE		*f;

	TAILQ_INIT(&msgs);
	cfg = cfg_load_string("esc.conf", "peer { name a; address 198.18.0.1; "
	    "run-dir \"/run/\\dir\"; }\n", &msgs);
	CU_ASSERT_PTR_NULL(cfg);
	m = TAILQ_FIRST(&msgs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_STRING_EQUAL(m->text, "esc.conf:1: unknown escape \\d in a "
	    "string (only \\\", \\\\, \\n, \\r and \\t)");
	cfg_msgs_free(&msgs);

	/* The known ones print back as they were read. */
	TAILQ_INIT(&msgs);
	cfg = cfg_load_string("esc.conf", "peer { name a; address 198.18.0.1; "
	    "run-dir \"/a\\\"b\\\\c\\nd\"; }\n", &msgs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_STRING_EQUAL(cfg->peer.run_dir, "/a\"b\\c\nd");
	f = open_memstream(&text, &len);
	cfg_dump(f, cfg);
	fclose(f);
	back = cfg_load_string("dump.conf", text, &msgs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(back);
	CU_ASSERT_STRING_EQUAL(back->peer.run_dir, cfg->peer.run_dir);
	cfg_free(back);
	cfg_free(cfg);
	free(text);
	cfg_msgs_free(&msgs);
}

static void
test_cfg_parse_units(void)
{
	uint64_t	 v;
	const char	*cause;
	char		 buf[32];

	CU_ASSERT_EQUAL(cfg_parse_duration("500ms", &v, &cause), 0);
	CU_ASSERT_EQUAL(v, 500);
	CU_ASSERT_EQUAL(cfg_parse_duration("2s", &v, &cause), 0);
	CU_ASSERT_EQUAL(v, 2000);
	CU_ASSERT_EQUAL(cfg_parse_duration("1h", &v, &cause), 0);
	CU_ASSERT_EQUAL(v, 3600000);
	CU_ASSERT_EQUAL(cfg_parse_duration("0", &v, &cause), 0);
	CU_ASSERT_EQUAL(cfg_parse_duration("2", &v, &cause), -1);
	CU_ASSERT_EQUAL(cfg_parse_duration("2 s", &v, &cause), -1);
	CU_ASSERT_EQUAL(cfg_parse_duration("-2s", &v, &cause), -1);
	CU_ASSERT_EQUAL(cfg_parse_duration("2sec", &v, &cause), -1);
	CU_ASSERT_EQUAL(cfg_parse_duration("99999999999999999999s", &v,
	    &cause), -1);
	CU_ASSERT_EQUAL(cfg_parse_duration("18446744073709552s", &v, &cause),
	    -1);
	CU_ASSERT_EQUAL(cfg_parse_size("256M", &v, &cause), 0);
	CU_ASSERT_EQUAL(v, 256ULL << 20);
	CU_ASSERT_EQUAL(cfg_parse_size("10GB", &v, &cause), 0);
	CU_ASSERT_EQUAL(v, 10ULL << 30);
	CU_ASSERT_EQUAL(cfg_parse_size("10", &v, &cause), -1);
	CU_ASSERT_EQUAL(cfg_parse_size("10m", &v, &cause), -1);
	CU_ASSERT_STRING_EQUAL(cfg_fmt_duration(90000, buf, sizeof buf),
	    "90s");
	CU_ASSERT_STRING_EQUAL(cfg_fmt_duration(120000, buf, sizeof buf),
	    "2m");
	CU_ASSERT_STRING_EQUAL(cfg_fmt_duration(1500, buf, sizeof buf),
	    "1500ms");
	CU_ASSERT_STRING_EQUAL(cfg_fmt_size(1536, buf, sizeof buf), "1536B");
	CU_ASSERT_STRING_EQUAL(cfg_fmt_size(64 << 10, buf, sizeof buf), "64K");
}

/* Every keyword of every block has its entry in twinproxy.conf(5). */
static void
test_cfg_man_documents_every_keyword(void)
{
	const struct cfg_blockdef	*bd;
	const struct cfg_kw		*kw;
	char				 path[PATH_MAX], entry[128];
	char				*man;

	snprintf(path, sizeof path, "%s/../../man/twinproxy.conf.5",
	    unit_data(""));
	man = unit_slurp(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(man);
	for (bd = cfg_blockdefs; bd->name != NULL; bd++)
		for (kw = bd->kws; kw->name != NULL; kw++) {
			snprintf(entry, sizeof entry, "\n.It Ic %s ",
			    kw->name);
			if (strstr(man, entry) == NULL) {
				snprintf(entry, sizeof entry, "\n.It Ic %s\n",
				    kw->name);
				if (strstr(man, entry) == NULL)
					fprintf(stderr, "\ntwinproxy.conf.5: "
					    "no entry for %s %s\n", bd->name,
					    kw->name);
			}
			CU_ASSERT_PTR_NOT_NULL(strstr(man, entry));
		}
	free(man);
}

/*
 * Every block's table fits the bitmaps of struct cfg_blk (set, seen:
 * one bit a keyword) and its kwline[]: a keyword past CFG_MAXKW would
 * shift past 64 bits.
 */
static void
test_cfg_tables_fit(void)
{
	const struct cfg_blockdef	*bd;
	size_t				 n;

	for (bd = cfg_blockdefs; bd->name != NULL; bd++) {
		for (n = 0; bd->kws[n].name != NULL; n++)
			;
		if (n > CFG_MAXKW)
			fprintf(stderr, "\nblock %s: %zu keywords, more than "
			    "CFG_MAXKW (%d)\n", bd->name, n, CFG_MAXKW);
		CU_ASSERT(n <= CFG_MAXKW);
	}
}

static CU_TestInfo cfg_tests[] = {
	{ "test_cfg_tables_fit", test_cfg_tables_fit },
	{ "test_cfg_man_documents_every_keyword",
	    test_cfg_man_documents_every_keyword },
	{ "test_cfg_load_golden_ok", test_cfg_load_golden_ok },
	{ "test_cfg_load_golden_errors", test_cfg_load_golden_errors },
	{ "test_cfg_load_examples", test_cfg_load_examples },
	{ "test_cfg_dump_roundtrip", test_cfg_dump_roundtrip },
	{ "test_cfg_string_control_char", test_cfg_string_control_char },
	{ "test_cfg_string_unknown_escape", test_cfg_string_unknown_escape },
	{ "test_cfg_parse_units", test_cfg_parse_units },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(cfg_suite, "cfg", cfg_tests)
