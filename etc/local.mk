# etc/local.mk: example peer configurations.
EXTRA_DIST += etc/a-standby.conf etc/b-standby.conf etc/a-wpad.conf etc/b-wpad.conf
