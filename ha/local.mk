# ha/local.mk: twin-ha, the active-standby monitor.
noinst_LIBRARIES += ha/libha.a
ha_libha_a_SOURCES = \
	ha/ha.h \
	ha/ha_wire.c \
	ha/ha_replay.c \
	ha/ha_fsm.c \
	ha/ha_garp.c \
	ha/ha_netlink.c \
	ha/ha_track.c \
	ha/ha_notify.c \
	ha/ha_ctl.c \
	ha/ha_metrics.c \
	ha/ha_daemon.c

sbin_PROGRAMS += twin-ha
twin_ha_SOURCES = ha/ha.c
twin_ha_LDADD = ha/libha.a $(COMMON_LIBS) $(LIBPCAP_LIBS)

dist_man_MANS += man/twin-ha.8

UNIT_SOURCES += tests/unit/test_ha_wire.c tests/unit/test_ha_fsm.c \
	tests/unit/test_ha_garp.c tests/unit/test_ha_replay.c \
	tests/unit/test_ha_secret.c
UNIT_LIBS += ha/libha.a

NETNS_TESTS += tests/integration/ha_failover.sh \
	tests/integration/ha_failback.sh \
	tests/integration/ha_splitbrain.sh \
	tests/integration/ha_security.sh \
	tests/integration/ha_track.sh \
	tests/integration/ha_replay.sh \
	tests/integration/pair_fip.sh \
	tests/integration/pair_v6.sh \
	tests/integration/pair_browser.sh

EXTRA_DIST += tests/bench/ha_outage.sh tests/integration/ha_lib.sh \
	tests/integration/cdp_drive.py
