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
# Access-log forwarding: both peers to one log server (rsyslog).
NETNS_TESTS += tests/integration/logfwd_pair.sh
EXTRA_DIST += tests/bench/logfwd_bench.sh tests/integration/logfwd_frames.py

# The daemons' /metrics endpoints during a pair run (promtool checks them).
NETNS_TESTS += tests/integration/metrics_pair.sh \
	tests/integration/metrics_monitor.sh

# tls_cert.sh: twin-cert and lib/tls.c against the openssl command.
check_PROGRAMS += tests/integration/tls_echo
tests_integration_tls_echo_SOURCES = tests/integration/tls_echo.c
tests_integration_tls_echo_LDADD = $(COMMON_LIBS)
NETNS_TESTS += tests/integration/tls_cert.sh
NETNS_TESTS += tests/integration/ftp_server.sh
EXTRA_DIST += tests/integration/ftp_lib.sh tests/integration/metrics_lib.sh
# The L4 packet engine.
NETNS_TESTS += tests/integration/lb_l4_nat.sh tests/integration/lb_l4_dr.sh \
	tests/integration/lb_l4_udp.sh tests/integration/lb_l4_out.sh
EXTRA_DIST += tests/integration/lb_l4_lib.sh tests/bench/lb_l4_bench.sh
# The Debian packages, built from git and run in a Debian 12 chroot.
NETNS_TESTS += tests/integration/pkg_debian.sh
TESTS += $(NETNS_TESTS)
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = $(SHELL)
AM_TESTS_ENVIRONMENT = \
	TOP_SRCDIR='$(abs_top_srcdir)'; export TOP_SRCDIR; \
	TOP_BUILDDIR='$(abs_top_builddir)'; export TOP_BUILDDIR; \
	TESTS_DATA='$(abs_top_srcdir)/tests/data'; export TESTS_DATA;
EXTRA_DIST += $(NETNS_TESTS) tests/integration/lib.sh \
	tests/integration/pair_lib.sh tests/integration/proxy_lib.sh tests/data \
	tests/bench/README tests/bench/bench_lib.sh

include $(srcdir)/tests/fuzz/local.mk
