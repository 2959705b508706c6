# lib/local.mk: libcommon.a, what every daemon and tool shares.
noinst_LIBRARIES += lib/libcommon.a
lib_libcommon_a_SOURCES = \
	lib/log.c lib/log.h \
	lib/xmalloc.c lib/xmalloc.h \
	lib/addr.c lib/addr.h \
	lib/ev.c lib/ev.h \
	lib/daemon.c lib/daemon.h \
	lib/ctl.c lib/ctl.h \
	lib/http.c lib/http.h \
	lib/http_field.c lib/http_field.h \
	lib/http_status.c lib/http_status.h \
	lib/http_head.c lib/http_head.h \
	lib/http_body.c lib/http_body.h \
	lib/flow.c lib/flow.h \
	lib/relay.c lib/relay.h \
	lib/logfile.c lib/logfile.h \
	lib/listener.c lib/listener.h \
	lib/conn.c lib/conn.h \
	lib/pool.c lib/pool.h

UNIT_SOURCES += tests/unit/test_lib_addr.c tests/unit/test_lib_ctl.c \
	tests/unit/test_lib_http.c tests/unit/test_lib_http_field.c \
	tests/unit/test_lib_http_status.c tests/unit/test_lib_http_body.c \
	tests/unit/test_lib_relay.c tests/unit/test_lib_logfile.c \
	tests/unit/test_lib_listener.c tests/unit/test_lib_conn.c
