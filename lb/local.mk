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
	lb/lb_sticky.c \
	lb/lb_mip6_sel.c

UNIT_SOURCES += tests/unit/test_lb_select.c tests/unit/test_lb_persist.c
UNIT_LIBS += lb/liblb.a

# lb/liblbpkt.a: the L4 packet engine (AF_PACKET rings, NAT and direct
# routing), kept in its own archive.
noinst_LIBRARIES += lb/liblbpkt.a
lb_liblbpkt_a_SOURCES = \
	lb/lb_pkt.h \
	lb/lb_pkt_int.h \
	lb/lb_pkt_parse.c \
	lb/lb_pkt_csum.c \
	lb/lb_pkt_flow.c \
	lb/lb_pkt_nat.c \
	lb/lb_pkt_dr.c \
	lb/lb_pkt_neigh.c \
	lb/lb_pkt_ring.c \
	lb/lb_pkt_kern.c \
	lb/lb_pkt_engine.c \
	lb/lb_mip6.c \
	lb/lb_mip6_xlate.c

UNIT_SOURCES += tests/unit/test_lb_pkt.c tests/unit/test_lb_pkt_flow.c \
	tests/unit/test_lb_pkt_gold.h tests/unit/test_lb_mip6.c \
	tests/unit/test_lb_mip6_gold.h
EXTRA_DIST += tests/unit/test_lb_mip6_gold.py \
	tests/integration/lb_mip6_shim.py tests/integration/lb_mip6_send.py
NETNS_TESTS += tests/integration/lb_mip6_tcp.sh \
	tests/integration/lb_mip6_pkt.sh
UNIT_LIBS += lb/liblbpkt.a

# A UDP flood with or without a home address option, for the benchmark.
check_PROGRAMS += tests/bench/lb_mip6_blast
tests_bench_lb_mip6_blast_SOURCES = tests/bench/lb_mip6_blast.c
tests_bench_lb_mip6_blast_LDADD = lb/liblbpkt.a $(COMMON_LIBS)

# The engine with one cluster from the command line, for the scenarios.
check_PROGRAMS += tests/unit/lb_pkt_drive
tests_unit_lb_pkt_drive_SOURCES = tests/unit/lb_pkt_drive.c
tests_unit_lb_pkt_drive_LDADD = lb/liblbpkt.a lb/liblb.a $(COMMON_LIBS)
