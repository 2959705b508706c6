# proxy/cache.mk: the RFC 9111 cache of twin-proxy, an archive of its own
# that the proxy links; its unit tests run in the single CUnit runner.
noinst_LIBRARIES += proxy/libproxycache.a
proxy_libproxycache_a_SOURCES = \
	proxy/proxy_cache.c proxy/proxy_cache.h proxy/proxy_cache_int.h \
	proxy/proxy_cache_pending.c \
	proxy/proxy_cache_serve.c \
	proxy/proxy_cache_reval.c \
	proxy/proxy_cache_store.c \
	proxy/proxy_cache_ctl.c \
	proxy/proxy_cache_obj.c \
	proxy/proxy_cache_rules.c \
	proxy/proxy_cache_date.c \
	proxy/proxy_cache_mem.c \
	proxy/proxy_cache_disk.c

UNIT_SOURCES += \
	tests/unit/test_proxy_cache_rules.c \
	tests/unit/test_proxy_cache_store.c \
	tests/unit/test_proxy_cache_util.c tests/unit/test_proxy_cache.h
UNIT_LIBS += proxy/libproxycache.a
dist_man_MANS += man/twinproxy-cache.7

# Built with the tests, never run by make check (see the file's header).
check_PROGRAMS += tests/bench/proxy_cache_bench
tests_bench_proxy_cache_bench_SOURCES = tests/bench/proxy_cache_bench.c
tests_bench_proxy_cache_bench_LDADD = proxy/libproxycache.a $(COMMON_LIBS)

NETNS_TESTS += tests/integration/proxy_cache_basic.sh \
	tests/integration/proxy_cache_disk.sh
EXTRA_DIST += tests/integration/proxy_cache_lib.sh \
	tests/bench/proxy_cache_bench.sh
