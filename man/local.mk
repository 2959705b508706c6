# man/local.mk: manual pages.
dist_man_MANS += man/twinproxy.conf.5 man/twinctl.8 man/twin-cert.8
