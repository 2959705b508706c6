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
	tests/integration/pair_lib.sh tests/data \
	tests/fuzz/README tests/fuzz/fuzz_http.c tests/fuzz/corpus_http \
	tests/bench/README tests/bench/bench_lib.sh

# `make fuzz` builds the libFuzzer targets with clang (not part of check);
# see tests/fuzz/README for running them.
fuzz:
	$(MKDIR_P) tests/fuzz
	clang -g -O1 -fsanitize=fuzzer,address,undefined -I$(srcdir)/lib \
	    -o tests/fuzz/fuzz_http $(srcdir)/tests/fuzz/fuzz_http.c \
	    $(srcdir)/lib/http.c
	clang -g -O1 -fsanitize=fuzzer,address,undefined -I$(srcdir)/lib \
	    -o tests/fuzz/fuzz_check_icmp \
	    $(srcdir)/tests/fuzz/fuzz_check_icmp.c \
	    $(srcdir)/lib/check_icmp_pkt.c
.PHONY: fuzz

# The L4 packet engine: its scenarios, and its fuzz target (built by
# `make fuzz` too).
NETNS_TESTS += tests/integration/lb_l4_nat.sh tests/integration/lb_l4_dr.sh
EXTRA_DIST += tests/integration/lb_l4_lib.sh tests/bench/lb_l4_bench.sh \
	tests/fuzz/fuzz_lb_pkt.c tests/fuzz/corpus_lb_pkt
fuzz: fuzz-lb-pkt
fuzz-lb-pkt:
	$(MKDIR_P) tests/fuzz
	clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
	    -I$(srcdir) -I$(srcdir)/lib -o tests/fuzz/fuzz_lb_pkt \
	    $(srcdir)/tests/fuzz/fuzz_lb_pkt.c $(srcdir)/lb/lb_pkt_parse.c \
	    $(srcdir)/lb/lb_pkt_csum.c $(srcdir)/lb/lb_pkt_nat.c
.PHONY: fuzz-lb-pkt
