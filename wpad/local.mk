# wpad/local.mk: twin-wpad, the WPAD server and PAC generator.
noinst_LIBRARIES += wpad/libwpad.a
wpad_libwpad_a_SOURCES = \
	wpad/wpad.h \
	wpad/wpad_pac.c \
	wpad/wpad_verify.c \
	wpad/wpad_server.c \
	wpad/wpad_probe.c \
	wpad/wpad_ctl.c \
	wpad/wpad_metrics.c

sbin_PROGRAMS += twin-wpad
twin_wpad_SOURCES = wpad/wpad.c
twin_wpad_LDADD = wpad/libwpad.a $(COMMON_LIBS)

TWINCTL_LIBS += wpad/libwpad.a
UNIT_SOURCES += tests/unit/test_wpad_pac.c
UNIT_LIBS += wpad/libwpad.a
NETNS_TESTS += tests/integration/wpad_pac.sh tests/integration/wpad_pair.sh
dist_man_MANS += man/twin-wpad.8
EXTRA_DIST += tests/bench/wpad_bench.sh
