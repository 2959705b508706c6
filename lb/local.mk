# lb/local.mk: twin-lb, the cluster engine. liblb.a holds the selection
# model (pure: clusters, selection, schedulers, persistence, routing) and
# the daemon around it (listeners, checks, the HTTP and HTTPS engine, the
# control socket); lb/lb.c is main().
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
	lb/lb_mip6_sel.c \
	lb/lb_route.c \
	lb/lbd.h \
	lb/lb_main.c \
	lb/lb_cluster.c \
	lb/lb_check.c \
	lb/lb_tls.c \
	lb/lb_http.c \
	lb/lb_http_up.c \
	lb/lb_http_head.c \
	lb/lb_log.c \
	lb/lb_ctl.c \
	lb/lb_metrics.c \
	lb/lb_l4.c \
	lb/lb_caps.c

sbin_PROGRAMS += twin-lb
twin_lb_SOURCES = lb/lb.c
twin_lb_LDADD = lb/liblb.a lb/liblbpkt.a $(COMMON_LIBS)
dist_man_MANS += man/twin-lb.8

UNIT_SOURCES += tests/unit/test_lb_select.c tests/unit/test_lb_persist.c \
	tests/unit/test_lb_route.c tests/unit/test_lb_head.c \
	tests/unit/test_lb_log.c tests/unit/test_lb_examples.c
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

# The scenarios: real nginx servers in namespaces, curl and openssl.
NETNS_TESTS += tests/integration/lb_basic.sh tests/integration/lb_errors.sh \
	tests/integration/lb_health.sh tests/integration/lb_equalizer.sh \
	tests/integration/lb_persist.sh tests/integration/lb_https.sh \
	tests/integration/lb_reload.sh tests/integration/lb_l4_daemon.sh
EXTRA_DIST += tests/integration/lb_lib.sh tests/integration/lb_client.py \
	tests/integration/lb_badserver.py
