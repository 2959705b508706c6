# monitor/local.mk: libmonitor.a, the core of remote monitoring: the report
# format, the agent's spool, the two-factor decision, the center's alarm
# timer and its store. No network code: the agent and center daemons link
# it with the TLS and HTTP layer of lib/.
noinst_LIBRARIES += monitor/libmonitor.a
monitor_libmonitor_a_SOURCES = \
	monitor/mon_report.h monitor/mon_report.c \
	monitor/mon_spool.h monitor/mon_spool.c \
	monitor/mon_auth.h monitor/mon_auth.c \
	monitor/mon_alarm.h monitor/mon_alarm.c \
	monitor/mon_store.h monitor/mon_store.c monitor/mon_store_sqlite.c
monitor_libmonitor_a_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE3_CFLAGS)

UNIT_SOURCES += tests/unit/test_mon_report.c tests/unit/test_mon_spool.c \
	tests/unit/test_mon_auth.c tests/unit/test_mon_alarm.c \
	tests/unit/test_mon_store.c tests/unit/test_mon_cfg.c
UNIT_LIBS += monitor/libmonitor.a $(SQLITE3_LIBS)

