# tools/local.mk: twinctl and the other command-line tools.
sbin_PROGRAMS += twinctl
twinctl_SOURCES = tools/twinctl.c tools/twinctl.h
twinctl_SOURCES += tools/twinctl_wpad.c
twinctl_SOURCES += tools/twinctl_ha.c
twinctl_SOURCES += tools/twinctl_cache.c
twinctl_SOURCES += tools/twinctl_proxy.c
twinctl_SOURCES += tools/twinctl_lb.c
twinctl_SOURCES += tools/twinctl_center.c
twinctl_LDADD = $(TWINCTL_LIBS) monitor/libmonitor.a $(COMMON_LIBS)

sbin_PROGRAMS += twin-cert
twin_cert_SOURCES = tools/twin_cert.c tools/twin_cert_ca.c tools/twin_cert.h \
	tools/twin_cert_dist.c
twin_cert_LDADD = monitor/libmonitor.a $(COMMON_LIBS)
