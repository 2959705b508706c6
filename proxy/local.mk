# proxy/local.mk: twin-proxy, the forward HTTP proxy.
noinst_LIBRARIES += proxy/libproxy.a
proxy_libproxy_a_SOURCES = \
	proxy/proxy.h \
	proxy/proxy_main.c \
	proxy/proxy_client.c \
	proxy/proxy_server.c \
	proxy/proxy_tunnel.c \
	proxy/proxy_acl.c \
	proxy/proxy_log.c \
	proxy/proxy_ctl.c \
	proxy/proxy_metrics.c \
	proxy/proxy_cache_hook.c \
	proxy/proxy_ftp.h \
	proxy/proxy_ftp_main.c \
	proxy/proxy_ftp.c \
	proxy/proxy_ftp_xfer.c \
	proxy/proxy_ftp_conn.c \
	proxy/proxy_ftp_data.c \
	proxy/proxy_ftp_gw.c

sbin_PROGRAMS += twin-proxy
twin_proxy_SOURCES = proxy/proxy.c
twin_proxy_LDADD = proxy/libproxy.a proxy/libproxycache.a $(COMMON_LIBS)

dist_man_MANS += man/twin-proxy.8

UNIT_SOURCES += tests/unit/test_proxy_acl.c tests/unit/test_proxy_log.c \
	tests/unit/test_lib_http_uri.c
UNIT_LIBS += proxy/libproxy.a

NETNS_TESTS += tests/integration/proxy_forward.sh \
	tests/integration/proxy_malformed.sh \
	tests/integration/proxy_reload.sh \
	tests/integration/proxy_ftp.sh \
	tests/integration/proxy_ftp_gw.sh \
	tests/integration/proxy_ftp_pair.sh
# Hostile peers and local users against the daemons; the units as shipped.
NETNS_TESTS += tests/integration/harden_flood.sh \
	tests/integration/harden_cache.sh \
	tests/integration/harden_files.sh \
	tests/integration/harden_protocol.sh \
	tests/integration/harden_timeout.sh \
	tests/integration/harden_units.sh
EXTRA_DIST += tests/integration/proxy_origin.py \
	tests/integration/harden_peer.py \
	tests/integration/proxy_ftp_raw.py \
	tests/integration/proxy_rawclient.py \
	tests/integration/proxy_garbage.py \
	tests/bench/proxy_bench.sh \
	tests/bench/ftp_bench.sh
