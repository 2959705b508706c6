# tools/local.mk: twinctl and the other command-line tools.
sbin_PROGRAMS += twinctl
twinctl_SOURCES = tools/twinctl.c tools/twinctl.h tools/twinctl_cache.c
twinctl_LDADD = $(TWINCTL_LIBS) $(COMMON_LIBS)
