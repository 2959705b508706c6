# cfg/local.mk: libcfg.a, the configuration language of the whole product.
noinst_LIBRARIES += cfg/libcfg.a
cfg_libcfg_a_SOURCES = \
	cfg/cfg.h \
	cfg/cfg.c \
	cfg/cfg_value.c \
	cfg/cfg_blocks.c cfg/cfg_kw.h \
	cfg/cfg_check.c \
	cfg/cfg_monitor.c \
	cfg/cfg_metrics.c \
	cfg/cfg_logfwd.c \
	cfg/cfg_ftp.c \
	cfg/cfg_dump.c

UNIT_SOURCES += tests/unit/test_cfg.c
