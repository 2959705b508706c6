# lib/local.mk: libcommon.a, what every daemon and tool shares. One
# component a paragraph: its sources, then its unit tests.
noinst_LIBRARIES += lib/libcommon.a
lib_libcommon_a_SOURCES = \
	lib/log.c lib/log.h \
	lib/xmalloc.c lib/xmalloc.h \
	lib/addr.c lib/addr.h \
	lib/ev.c lib/ev.h \
	lib/daemon.c lib/daemon.h \
	lib/fsafe.c lib/fsafe.h \
	lib/ctl.c lib/ctl.h \
	lib/http.c lib/http.h
UNIT_SOURCES += tests/unit/test_lib_addr.c tests/unit/test_lib_ctl.c \
	tests/unit/test_lib_http.c tests/unit/test_lib_fsafe.c

# The connection layer: fields, status lines, backpressure, bodies, heads,
# the relay, log files and their forwarding, listeners, outgoing connections, the idle pool.
lib_libcommon_a_SOURCES += \
	lib/http_field.c lib/http_field.h \
	lib/http_status.c lib/http_status.h \
	lib/http_head.c lib/http_head.h \
	lib/http_body.c lib/http_body.h \
	lib/flow.c lib/flow.h \
	lib/relay.c lib/relay.h \
	lib/logfile.c lib/logfile.h \
	lib/logfwd.c lib/logfwd.h \
	lib/listener.c lib/listener.h \
	lib/conn.c lib/conn.h \
	lib/pool.c lib/pool.h
UNIT_SOURCES += tests/unit/test_lib_http_field.c \
	tests/unit/test_lib_http_status.c tests/unit/test_lib_http_body.c \
	tests/unit/test_lib_relay.c tests/unit/test_lib_logfile.c \
	tests/unit/test_lib_logfwd.c \
	tests/unit/test_lib_listener.c tests/unit/test_lib_conn.c \
	tests/unit/test_lib_flow.c

# Health checks: TCP connect, ACV, ICMP echo.
lib_libcommon_a_SOURCES += lib/check.c lib/check.h lib/check_fsm.c \
	lib/check_tcp.c lib/check_acv.c lib/check_icmp.c lib/check_icmp_pkt.c \
	lib/check_tls.c
UNIT_SOURCES += tests/unit/test_lib_check.c
# One checker from the command line, for the scenarios (not installed).
check_PROGRAMS += tests/unit/check_probe
tests_unit_check_probe_SOURCES = tests/unit/check_probe.c
tests_unit_check_probe_LDADD = $(COMMON_LIBS)
NETNS_TESTS += tests/integration/lib_check_icmp.sh

# TLS: composite PEM files, server and client contexts.
lib_libcommon_a_SOURCES += lib/tls.c lib/tls_pem.c lib/tls.h
UNIT_SOURCES += tests/unit/test_lib_tls.c

# FTP: control-channel parser, data addresses, the gateway's client.
lib_libcommon_a_SOURCES += lib/ftp.c lib/ftp_addr.c lib/ftp_client.c \
	lib/ftp_list.c lib/ftp.h
UNIT_SOURCES += tests/unit/test_lib_ftp.c tests/unit/test_lib_ftp_client.c \
	tests/unit/test_lib_ftp_url.c

# Metrics: the Prometheus text format and the /metrics endpoint.
lib_libcommon_a_SOURCES += lib/metrics.c lib/metrics.h
UNIT_SOURCES += tests/unit/test_lib_metrics.c
