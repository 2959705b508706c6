# tests/local.mk: `make check` runs the CUnit runner and the netns scenarios.
if UNIT_TESTS
check_PROGRAMS += tests/unit/unit_tests
tests_unit_unit_tests_SOURCES = tests/unit/main.c tests/unit/unit.h \
	$(UNIT_SOURCES)
tests_unit_unit_tests_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)
tests_unit_unit_tests_LDADD = $(UNIT_LIBS) $(COMMON_LIBS) $(LIBPCAP_LIBS) \
	$(CUNIT_LIBS)
TESTS += tests/unit/unit_tests
endif

NETNS_TESTS += tests/integration/smoke_bridge.sh \
	tests/integration/pair_standby.sh tests/integration/pair_wpad.sh \
	tests/integration/pair_migration.sh
TESTS += $(NETNS_TESTS)
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = $(SHELL)
AM_TESTS_ENVIRONMENT = \
	TOP_SRCDIR='$(abs_top_srcdir)'; export TOP_SRCDIR; \
	TOP_BUILDDIR='$(abs_top_builddir)'; export TOP_BUILDDIR; \
	TESTS_DATA='$(abs_top_srcdir)/tests/data'; export TESTS_DATA;
EXTRA_DIST += $(NETNS_TESTS) tests/integration/lib.sh \
	tests/integration/pair_lib.sh tests/integration/proxy_lib.sh tests/data \
	tests/fuzz/README tests/fuzz/coverage.sh tests/fuzz/fuzz.h \
	tests/fuzz/fuzz_log.c tests/fuzz/fuzz_http.c \
	tests/fuzz/fuzz_cfg.c tests/fuzz/fuzz_pac.c tests/fuzz/fuzz_cache.c \
	tests/fuzz/fuzz_disk.c tests/fuzz/fuzz_ctl.c tests/fuzz/corpus_http \
	tests/fuzz/corpus_cfg tests/fuzz/corpus_pac tests/fuzz/corpus_cache \
	tests/fuzz/corpus_disk tests/fuzz/corpus_ctl \
	tests/bench/README tests/bench/bench_lib.sh

# `make fuzz` builds the libFuzzer targets with clang (not part of check);
# see tests/fuzz/README for running them. Each target lists the files of
# the parser it tests (FUZZ_NAME_PARSER, what fuzz-coverage reports on)
# and what else it compiles: when a file moves, adjust the lists naming it.
FUZZ_CC = clang
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined
FUZZ_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/proxy -I$(srcdir)/wpad
FUZZ_LIBS = $(LIBEVENT_LIBS) $(LIBBSD_LIBS) $(LIBS) -lpthread
# The new targets log through a quiet stand-in for lib/log.c.
FUZZ_LIB_BASE = $(srcdir)/tests/fuzz/fuzz_log.c $(srcdir)/lib/xmalloc.c

FUZZ_HTTP_PARSER = $(srcdir)/lib/http.c
FUZZ_HTTP_SRCS = $(srcdir)/tests/fuzz/fuzz_http.c $(FUZZ_HTTP_PARSER)
FUZZ_CFG_PARSER = $(srcdir)/cfg/cfg.c $(srcdir)/cfg/cfg_value.c \
	$(srcdir)/cfg/cfg_blocks.c $(srcdir)/cfg/cfg_check.c \
	$(srcdir)/cfg/cfg_dump.c
FUZZ_CFG_SRCS = $(srcdir)/tests/fuzz/fuzz_cfg.c $(FUZZ_CFG_PARSER) \
	$(srcdir)/lib/addr.c $(FUZZ_LIB_BASE)
FUZZ_PAC_PARSER = $(srcdir)/wpad/wpad_verify.c
FUZZ_PAC_SRCS = $(srcdir)/tests/fuzz/fuzz_pac.c $(FUZZ_PAC_PARSER)
FUZZ_CACHE_PARSER = $(srcdir)/proxy/proxy_cache_rules.c \
	$(srcdir)/proxy/proxy_cache_date.c
FUZZ_CACHE_SRCS = $(srcdir)/tests/fuzz/fuzz_cache.c $(FUZZ_CACHE_PARSER) \
	$(FUZZ_LIB_BASE)
FUZZ_DISK_PARSER = $(srcdir)/proxy/proxy_cache_disk.c \
	$(srcdir)/proxy/proxy_cache_obj.c
FUZZ_DISK_SRCS = $(srcdir)/tests/fuzz/fuzz_disk.c $(FUZZ_DISK_PARSER) \
	$(FUZZ_CACHE_PARSER) $(FUZZ_LIB_BASE)
FUZZ_CTL_PARSER = $(srcdir)/lib/ctl.c
FUZZ_CTL_SRCS = $(srcdir)/tests/fuzz/fuzz_ctl.c $(FUZZ_CTL_PARSER) \
	$(FUZZ_LIB_BASE)

FUZZ_TARGETS = tests/fuzz/fuzz_http tests/fuzz/fuzz_cfg tests/fuzz/fuzz_pac \
	tests/fuzz/fuzz_cache tests/fuzz/fuzz_disk tests/fuzz/fuzz_ctl
FUZZ_LINK = $(MKDIR_P) tests/fuzz && $(FUZZ_CC) $(FUZZ_CFLAGS) \
	$(FUZZ_CPPFLAGS) -o $@

fuzz: $(FUZZ_TARGETS)
tests/fuzz/fuzz_http: $(FUZZ_HTTP_SRCS)
	$(FUZZ_LINK) $(FUZZ_HTTP_SRCS)
tests/fuzz/fuzz_cfg: $(FUZZ_CFG_SRCS)
	$(FUZZ_LINK) $(FUZZ_CFG_SRCS) $(FUZZ_LIBS)
tests/fuzz/fuzz_pac: $(FUZZ_PAC_SRCS)
	$(FUZZ_LINK) $(FUZZ_PAC_SRCS) $(FUZZ_LIBS)
tests/fuzz/fuzz_cache: $(FUZZ_CACHE_SRCS)
	$(FUZZ_LINK) $(FUZZ_CACHE_SRCS) $(FUZZ_LIBS)
tests/fuzz/fuzz_disk: $(FUZZ_DISK_SRCS)
	$(FUZZ_LINK) $(FUZZ_DISK_SRCS) $(FUZZ_LIBS)
tests/fuzz/fuzz_ctl: $(FUZZ_CTL_SRCS)
	$(FUZZ_LINK) $(FUZZ_CTL_SRCS) $(FUZZ_LIBS)

# `make fuzz-coverage [FUZZ=NAME...]` replays each target's corpus (its
# seeds and what a run left in tests/fuzz/fuzz_NAME.work) in a build with
# clang's source coverage and prints the line coverage of its parser.
fuzz-coverage:
	FUZZ_CC='$(FUZZ_CC)' FUZZ_CPPFLAGS='$(FUZZ_CPPFLAGS)' \
	FUZZ_LIBS='$(FUZZ_LIBS)' SRCDIR='$(srcdir)' \
	FUZZ_HTTP_SRCS='$(FUZZ_HTTP_SRCS)' FUZZ_HTTP_PARSER='$(FUZZ_HTTP_PARSER)' \
	FUZZ_CFG_SRCS='$(FUZZ_CFG_SRCS)' FUZZ_CFG_PARSER='$(FUZZ_CFG_PARSER)' \
	FUZZ_PAC_SRCS='$(FUZZ_PAC_SRCS)' FUZZ_PAC_PARSER='$(FUZZ_PAC_PARSER)' \
	FUZZ_CACHE_SRCS='$(FUZZ_CACHE_SRCS)' \
	FUZZ_CACHE_PARSER='$(FUZZ_CACHE_PARSER)' \
	FUZZ_DISK_SRCS='$(FUZZ_DISK_SRCS)' FUZZ_DISK_PARSER='$(FUZZ_DISK_PARSER)' \
	FUZZ_CTL_SRCS='$(FUZZ_CTL_SRCS)' FUZZ_CTL_PARSER='$(FUZZ_CTL_PARSER)' \
	    $(SHELL) $(srcdir)/tests/fuzz/coverage.sh $(FUZZ)
.PHONY: fuzz fuzz-coverage
