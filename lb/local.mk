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
	lb/lb_ctl.c

sbin_PROGRAMS += twin-lb
twin_lb_SOURCES = lb/lb.c
twin_lb_LDADD = lb/liblb.a $(COMMON_LIBS)
dist_man_MANS += man/twin-lb.8

UNIT_SOURCES += tests/unit/test_lb_select.c tests/unit/test_lb_persist.c \
	tests/unit/test_lb_route.c tests/unit/test_lb_head.c \
	tests/unit/test_lb_log.c tests/unit/test_lb_examples.c
UNIT_LIBS += lb/liblb.a

# The scenarios: real nginx servers in namespaces, curl and openssl.
NETNS_TESTS += tests/integration/lb_basic.sh tests/integration/lb_errors.sh \
	tests/integration/lb_health.sh tests/integration/lb_equalizer.sh \
	tests/integration/lb_persist.sh tests/integration/lb_https.sh \
	tests/integration/lb_reload.sh
EXTRA_DIST += tests/integration/lb_lib.sh tests/integration/lb_client.py \
	tests/integration/lb_badserver.py
