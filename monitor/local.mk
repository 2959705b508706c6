# monitor/local.mk: remote monitoring. libmonitor.a holds the core (the
# report format, the agent's spool, the two-factor decision, the center's
# alarm timer and its store), the site agent and the center daemon but
# their main(); twin-report and twin-monitord are the thin programs.
noinst_LIBRARIES += monitor/libmonitor.a
monitor_libmonitor_a_SOURCES = \
	monitor/mon_report.h monitor/mon_report.c \
	monitor/mon_spool.h monitor/mon_spool.c \
	monitor/mon_auth.h monitor/mon_auth.c \
	monitor/mon_alarm.h monitor/mon_alarm.c \
	monitor/mon_store.h monitor/mon_store.c monitor/mon_store_sqlite.c \
	monitor/mon_agent.h monitor/mon_snap.c monitor/mon_diff.c \
	monitor/mon_ctlc.c monitor/mon_priv.c monitor/mon_client.c \
	monitor/mon_agent.c monitor/mon_agent_metrics.c \
	monitor/mon_center.h monitor/mon_center.c monitor/mon_httpd.c \
	monitor/mon_views.c monitor/mon_json.c monitor/mon_notify.c \
	monitor/mon_center_ctl.c monitor/mon_center_metrics.c \
	monitor/mon_dist.h monitor/mon_dist.c monitor/mon_dist_key.c \
	monitor/mon_dist_agent.c monitor/mon_dist_priv.c \
	monitor/mon_dist_center.c \
	monitor/mon_renew.h monitor/mon_renew.c monitor/mon_renew_center.c \
	monitor/mon_gw.h monitor/mon_gw_proto.c monitor/mon_gw_io.c \
	monitor/mon_gw_agent.c \
	monitor/mon_gw_center.c monitor/mon_gw_op.c
monitor_libmonitor_a_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE3_CFLAGS)

sbin_PROGRAMS += twin-report
twin_report_SOURCES = monitor/mon_agent_main.c
twin_report_LDADD = monitor/libmonitor.a $(COMMON_LIBS)

dist_man_MANS += man/twin-report.8 man/twin-monitord.8

sbin_PROGRAMS += twin-monitord
twin_monitord_SOURCES = monitor/mon_center_main.c
twin_monitord_LDADD = monitor/libmonitor.a $(COMMON_LIBS) $(SQLITE3_LIBS)

UNIT_SOURCES += tests/unit/test_mon_report.c tests/unit/test_mon_spool.c \
	tests/unit/test_mon_auth.c tests/unit/test_mon_alarm.c \
	tests/unit/test_mon_store.c tests/unit/test_mon_cfg.c \
	tests/unit/test_mon_snap.c tests/unit/test_mon_center.c \
	tests/unit/test_mon_json.c tests/unit/test_mon_notify.c \
	tests/unit/test_mon_client.c tests/unit/test_mon_dist.c \
	tests/unit/test_mon_gw.c
UNIT_LIBS += monitor/libmonitor.a $(SQLITE3_LIBS)

# The bench's load generator: built by make check, run by mon_bench.sh.
check_PROGRAMS += tests/bench/mon_load
tests_bench_mon_load_SOURCES = tests/bench/mon_load.c
tests_bench_mon_load_LDADD = $(COMMON_LIBS)
EXTRA_DIST += tests/bench/mon_bench.sh tests/bench/mon_gw_bench.sh \
	tests/bench/mon_gw_peer.py

NETNS_TESTS += tests/integration/mon_report.sh \
	tests/integration/mon_silence.sh tests/integration/mon_auth.sh \
	tests/integration/mon_dashboard.sh tests/integration/mon_dist.sh \
	tests/integration/mon_renew.sh tests/integration/mon_gw.sh \
	tests/integration/mon_gw_limits.sh
EXTRA_DIST += tests/integration/mon_lib.sh tests/integration/mon_png.py \
	tests/integration/mon_gw_targets.py
