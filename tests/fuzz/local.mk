# tests/fuzz/local.mk: `make fuzz` builds the libFuzzer targets with clang
# (not part of check); see tests/fuzz/README for running them. Each target
# NAME lists the files of the parser it tests (FUZZ_NAME_PARSER, what
# fuzz-coverage reports on) and everything it compiles (FUZZ_NAME_SRCS):
# when a file moves, adjust the lists naming it. A new target adds its
# paragraph and its name to FUZZ_NAMES.
FUZZ_CC = clang
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined
FUZZ_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/proxy -I$(srcdir)/wpad \
	-I$(srcdir)/ha -I$(srcdir)/lb -I$(srcdir)/monitor
FUZZ_LIBS = $(LIBEVENT_LIBS) $(OPENSSL_LIBS) $(LIBBSD_LIBS) $(LIBS) -lpthread
# The targets log through a quiet stand-in for lib/log.c.
FUZZ_LIB_BASE = $(srcdir)/tests/fuzz/fuzz_log.c $(srcdir)/lib/xmalloc.c
FUZZ_NAMES =

# lib/http.c: request and response heads, chunked bodies.
FUZZ_NAMES += http
FUZZ_HTTP_PARSER = $(srcdir)/lib/http.c $(srcdir)/lib/http_field.c
FUZZ_HTTP_SRCS = $(srcdir)/tests/fuzz/fuzz_http.c $(FUZZ_HTTP_PARSER)

# cfg/: lexer, parser, checks, dump (cfg_load_string).
FUZZ_NAMES += cfg
FUZZ_CFG_PARSER = $(srcdir)/cfg/cfg.c $(srcdir)/cfg/cfg_value.c \
	$(srcdir)/cfg/cfg_blocks.c $(srcdir)/cfg/cfg_check.c \
	$(srcdir)/cfg/cfg_monitor.c $(srcdir)/cfg/cfg_ftp.c \
	$(srcdir)/cfg/cfg_metrics.c $(srcdir)/cfg/cfg_logfwd.c \
	$(srcdir)/cfg/cfg_dump.c
# cfg_ftp.c checks the login delimiter with lib/ftp_addr.c.
FUZZ_CFG_SRCS = $(srcdir)/tests/fuzz/fuzz_cfg.c $(FUZZ_CFG_PARSER) \
	$(srcdir)/lib/addr.c $(srcdir)/lib/ftp_addr.c $(srcdir)/lib/http.c \
	$(srcdir)/lib/http_field.c $(FUZZ_LIB_BASE)

# wpad/wpad_verify.c: the PAC script verifier.
FUZZ_NAMES += pac
FUZZ_PAC_PARSER = $(srcdir)/wpad/wpad_verify.c
FUZZ_PAC_SRCS = $(srcdir)/tests/fuzz/fuzz_pac.c $(FUZZ_PAC_PARSER)

# The cache's field values: Cache-Control, Vary, Range, dates.
FUZZ_NAMES += cache
FUZZ_CACHE_PARSER = $(srcdir)/proxy/proxy_cache_rules.c \
	$(srcdir)/proxy/proxy_cache_date.c
FUZZ_CACHE_SRCS = $(srcdir)/tests/fuzz/fuzz_cache.c $(FUZZ_CACHE_PARSER) \
	$(srcdir)/lib/http_field.c \
	$(FUZZ_LIB_BASE)

# The disk cache's object file loader.
FUZZ_NAMES += disk
FUZZ_DISK_PARSER = $(srcdir)/proxy/proxy_cache_disk.c \
	$(srcdir)/proxy/proxy_cache_obj.c
FUZZ_DISK_SRCS = $(srcdir)/tests/fuzz/fuzz_disk.c $(FUZZ_DISK_PARSER) \
	$(FUZZ_CACHE_PARSER) $(srcdir)/lib/http_field.c $(srcdir)/lib/fsafe.c \
	$(FUZZ_LIB_BASE)

# lib/ctl.c: control-socket requests and replies.
FUZZ_NAMES += ctl
FUZZ_CTL_PARSER = $(srcdir)/lib/ctl.c
FUZZ_CTL_SRCS = $(srcdir)/tests/fuzz/fuzz_ctl.c $(FUZZ_CTL_PARSER) \
	$(srcdir)/lib/flow.c $(srcdir)/lib/relay.c $(srcdir)/lib/ev.c \
	$(srcdir)/lib/addr.c $(FUZZ_LIB_BASE)

# lib/check_icmp_pkt.c: echo replies seen by the ICMP health check.
FUZZ_NAMES += check_icmp
FUZZ_CHECK_ICMP_PARSER = $(srcdir)/lib/check_icmp_pkt.c
FUZZ_CHECK_ICMP_SRCS = $(srcdir)/tests/fuzz/fuzz_check_icmp.c \
	$(FUZZ_CHECK_ICMP_PARSER)

# lib/tls_pem.c: composite PEM files.
FUZZ_NAMES += tls_pem
FUZZ_TLS_PEM_PARSER = $(srcdir)/lib/tls_pem.c
FUZZ_TLS_PEM_SRCS = $(srcdir)/tests/fuzz/fuzz_tls_pem.c \
	$(FUZZ_TLS_PEM_PARSER) $(FUZZ_LIB_BASE)

# ha/: the heartbeat decoder and the acceptance decision.
FUZZ_NAMES += heartbeat
FUZZ_HEARTBEAT_PARSER = $(srcdir)/ha/ha_wire.c $(srcdir)/ha/ha_replay.c
FUZZ_HEARTBEAT_SRCS = $(srcdir)/tests/fuzz/fuzz_heartbeat.c \
	$(FUZZ_HEARTBEAT_PARSER) $(srcdir)/lib/addr.c

# lb/lb_cookie.c: persistence cookies in Cookie header values.
FUZZ_NAMES += lb_cookie
FUZZ_LB_COOKIE_PARSER = $(srcdir)/lb/lb_cookie.c
FUZZ_LB_COOKIE_SRCS = $(srcdir)/tests/fuzz/fuzz_lb_cookie.c \
	$(FUZZ_LB_COOKIE_PARSER) $(srcdir)/lib/http_field.c $(FUZZ_LIB_BASE)

# monitor/mon_snap.c: the agent's parsers of the daemons' control-socket
# answers and of its saved snapshot, and the diff of two snapshots.
FUZZ_NAMES += mon_snap
FUZZ_MON_SNAP_PARSER = $(srcdir)/monitor/mon_snap.c $(srcdir)/monitor/mon_diff.c
FUZZ_MON_SNAP_SRCS = $(srcdir)/tests/fuzz/fuzz_mon_snap.c \
	$(FUZZ_MON_SNAP_PARSER) $(srcdir)/monitor/mon_report.c

# monitor/mon_gw_proto.c: the gateway's order line, request paths,
# targets and operator IDs.
FUZZ_NAMES += mon_gw
FUZZ_MON_GW_PARSER = $(srcdir)/monitor/mon_gw_proto.c
FUZZ_MON_GW_SRCS = $(srcdir)/tests/fuzz/fuzz_mon_gw.c \
	$(FUZZ_MON_GW_PARSER) $(srcdir)/monitor/mon_auth.c \
	$(srcdir)/monitor/mon_report.c $(srcdir)/lib/addr.c $(FUZZ_LIB_BASE)

# monitor/mon_report.c: reports and acknowledgements.
FUZZ_NAMES += mon_report
FUZZ_MON_REPORT_PARSER = $(srcdir)/monitor/mon_report.c
FUZZ_MON_REPORT_SRCS = $(srcdir)/tests/fuzz/fuzz_mon_report.c \
	$(FUZZ_MON_REPORT_PARSER)

# monitor/mon_dist.c: bundle manifests and the agents' held versions.
FUZZ_NAMES += mon_dist
FUZZ_MON_DIST_PARSER = $(srcdir)/monitor/mon_dist.c
FUZZ_MON_DIST_SRCS = $(srcdir)/tests/fuzz/fuzz_mon_dist.c \
	$(FUZZ_MON_DIST_PARSER) $(srcdir)/monitor/mon_report.c

# lib/ftp*.c: the control-channel parser and the data-address codecs
# (fuzz_ftp); the listing formatter and the gateway's client (ftp_list).
FUZZ_FTP_COMMON = $(srcdir)/lib/ftp.c $(srcdir)/lib/ftp_addr.c \
	$(srcdir)/lib/ftp_client.c $(srcdir)/lib/ftp_list.c
FUZZ_NAMES += ftp
FUZZ_FTP_PARSER = $(srcdir)/lib/ftp.c $(srcdir)/lib/ftp_addr.c
FUZZ_FTP_SRCS = $(srcdir)/tests/fuzz/fuzz_ftp.c $(FUZZ_FTP_COMMON) \
	$(srcdir)/lib/http.c $(srcdir)/lib/http_field.c $(srcdir)/lib/addr.c
FUZZ_NAMES += ftp_list
FUZZ_FTP_LIST_PARSER = $(srcdir)/lib/ftp_client.c $(srcdir)/lib/ftp_list.c
FUZZ_FTP_LIST_SRCS = $(srcdir)/tests/fuzz/fuzz_ftp_list.c \
	$(FUZZ_FTP_COMMON) $(srcdir)/lib/http.c $(srcdir)/lib/http_field.c \
	$(srcdir)/lib/addr.c

# lb/lb_pkt_parse.c: every frame on the L4 engine's links, and the NAT
# rewrites that follow a parse.
FUZZ_NAMES += lb_pkt
FUZZ_LB_PKT_PARSER = $(srcdir)/lb/lb_pkt_parse.c $(srcdir)/lb/lb_pkt_csum.c \
	$(srcdir)/lb/lb_pkt_nat.c
FUZZ_LB_PKT_SRCS = $(srcdir)/tests/fuzz/fuzz_lb_pkt.c $(FUZZ_LB_PKT_PARSER)

# lb/lb_mip6*.c: home address options, type 2 routing headers, binding
# updates and the rewrites of Mobile IPv6 persistence.
FUZZ_NAMES += lb_mip6
FUZZ_LB_MIP6_PARSER = $(srcdir)/lb/lb_pkt_parse.c $(srcdir)/lb/lb_mip6.c \
	$(srcdir)/lb/lb_mip6_xlate.c
FUZZ_LB_MIP6_SRCS = $(srcdir)/tests/fuzz/fuzz_lb_mip6.c \
	$(FUZZ_LB_MIP6_PARSER) $(srcdir)/lb/lb_pkt_csum.c

# Each target is tests/fuzz/fuzz_NAME, rebuilt when its files change.
fuzz_uc = $(shell echo $(1) | tr a-z A-Z)
FUZZ_TARGETS = $(FUZZ_NAMES:%=tests/fuzz/fuzz_%)
fuzz: $(FUZZ_TARGETS)
.SECONDEXPANSION:
$(FUZZ_TARGETS): tests/fuzz/fuzz_%: $$(FUZZ_$$(call fuzz_uc,$$*)_SRCS)
	@$(MKDIR_P) tests/fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_CPPFLAGS) -o $@ \
	    $(FUZZ_$(call fuzz_uc,$*)_SRCS) $(FUZZ_LIBS)

# `make fuzz-coverage [FUZZ=NAME...]` replays each target's corpus (its
# seeds and what a run left in tests/fuzz/fuzz_NAME.work) in a build with
# clang's source coverage and prints the line coverage of its parser.
fuzz-coverage:
	FUZZ_CC='$(FUZZ_CC)' FUZZ_CPPFLAGS='$(FUZZ_CPPFLAGS)' \
	FUZZ_LIBS='$(FUZZ_LIBS)' SRCDIR='$(srcdir)' \
	$(foreach n,$(FUZZ_NAMES),FUZZ_$(call fuzz_uc,$(n))_SRCS='$(FUZZ_$(call fuzz_uc,$(n))_SRCS)' FUZZ_$(call fuzz_uc,$(n))_PARSER='$(FUZZ_$(call fuzz_uc,$(n))_PARSER)') \
	    $(SHELL) $(srcdir)/tests/fuzz/coverage.sh $(or $(FUZZ),$(FUZZ_NAMES))
.PHONY: fuzz fuzz-coverage

EXTRA_DIST += tests/fuzz/README tests/fuzz/local.mk tests/fuzz/coverage.sh \
	tests/fuzz/fuzz.h tests/fuzz/fuzz_log.c \
	$(FUZZ_NAMES:%=tests/fuzz/fuzz_%.c) $(FUZZ_NAMES:%=tests/fuzz/corpus_%)
