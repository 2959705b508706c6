# lb/local.mk: twin-lb, the cluster engine. For now the library alone: the
# runtime model of clusters, server selection, schedulers and persistence,
# with no I/O, linked into the unit tests.
noinst_LIBRARIES += lb/liblb.a
lb_liblb_a_SOURCES = \
	lb/lb.h \
	lb/lb_data.c \
	lb/lb_select.c \
	lb/lb_sched_rr.c \
	lb/lb_sched_wrr.c \
	lb/lb_sched_lc.c \
	lb/lb_sched_fastest.c \
	lb/lb_sched_hash.c \
	lb/lb_hash.c \
	lb/lb_cookie.c \
	lb/lb_sticky.c

UNIT_SOURCES += tests/unit/test_lb_select.c tests/unit/test_lb_persist.c
UNIT_LIBS += lb/liblb.a
