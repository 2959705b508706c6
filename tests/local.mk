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

# tls_cert.sh: twin-cert and lib/tls.c against the openssl command.
check_PROGRAMS += tests/integration/tls_echo
tests_integration_tls_echo_SOURCES = tests/integration/tls_echo.c
tests_integration_tls_echo_LDADD = $(COMMON_LIBS)
NETNS_TESTS += tests/integration/tls_cert.sh
NETNS_TESTS += tests/integration/ftp_server.sh
EXTRA_DIST += tests/integration/ftp_lib.sh
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
	tests/fuzz/fuzz_lb_cookie.c tests/fuzz/corpus_lb_cookie \
	tests/fuzz/fuzz_tls_pem.c \
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
	clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
	    -I$(srcdir)/lib $(LIBBSD_CFLAGS) $(OPENSSL_CFLAGS) \
	    -o tests/fuzz/fuzz_tls_pem $(srcdir)/tests/fuzz/fuzz_tls_pem.c \
	    $(srcdir)/lib/tls_pem.c $(srcdir)/lib/log.c \
	    $(srcdir)/lib/xmalloc.c $(OPENSSL_LIBS) $(LIBBSD_LIBS)
	clang -g -O1 -fsanitize=fuzzer,address,undefined \
	    -I$(srcdir)/monitor -o tests/fuzz/fuzz_mon_report \
	    $(srcdir)/tests/fuzz/fuzz_mon_report.c \
	    $(srcdir)/monitor/mon_report.c
.PHONY: fuzz

# The persistence cookie parsers of lb/, fed Cookie header values.
fuzz: fuzz-lb-cookie
fuzz-lb-cookie:
	$(MKDIR_P) tests/fuzz
	clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
	    -I$(srcdir) -I$(srcdir)/lib -I$(srcdir)/cfg $(LIBBSD_CFLAGS) \
	    $(OPENSSL_CFLAGS) -o tests/fuzz/fuzz_lb_cookie \
	    $(srcdir)/tests/fuzz/fuzz_lb_cookie.c $(srcdir)/lb/lb_cookie.c \
	    $(srcdir)/lib/xmalloc.c $(srcdir)/lib/log.c $(OPENSSL_LIBS) \
	    $(LIBBSD_LIBS)
.PHONY: fuzz-lb-cookie
# fuzz_heartbeat: the heartbeat decoder and acceptance decision (ha/).
EXTRA_DIST += tests/fuzz/fuzz_heartbeat.c tests/fuzz/corpus_heartbeat
fuzz: fuzz-heartbeat
fuzz-heartbeat:
	$(MKDIR_P) tests/fuzz
	clang -g -O1 -fsanitize=fuzzer,address,undefined $(LIBBSD_CFLAGS) \
	    -I$(srcdir) -I$(srcdir)/lib -I$(srcdir)/cfg \
	    -o tests/fuzz/fuzz_heartbeat $(srcdir)/tests/fuzz/fuzz_heartbeat.c \
	    $(srcdir)/ha/ha_wire.c $(srcdir)/ha/ha_replay.c \
	    $(srcdir)/lib/addr.c $(OPENSSL_LIBS) $(LIBBSD_LIBS)
.PHONY: fuzz-heartbeat
# The FTP targets: the control-channel parser and codecs (fuzz_ftp), and
# the listing formatter with the gateway's client machine (fuzz_ftp_list).
FUZZ_FTP_SRCS = lib/ftp.c lib/ftp_addr.c lib/ftp_client.c lib/ftp_list.c \
	lib/http.c lib/addr.c
fuzz: fuzz-ftp
fuzz-ftp:
	$(MKDIR_P) tests/fuzz
	for t in fuzz_ftp fuzz_ftp_list; do \
	    clang -g -O1 -fsanitize=fuzzer,address,undefined \
	    -I$(srcdir)/lib $(LIBBSD_CFLAGS) -o tests/fuzz/$$t \
	    $(srcdir)/tests/fuzz/$$t.c \
	    $(FUZZ_FTP_SRCS:%=$(srcdir)/%) $(LIBBSD_LIBS) || exit 1; \
	done
.PHONY: fuzz-ftp
EXTRA_DIST += tests/fuzz/fuzz_ftp.c tests/fuzz/fuzz_ftp_list.c \
	tests/fuzz/corpus_ftp tests/fuzz/corpus_ftp_list
