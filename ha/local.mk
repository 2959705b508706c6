# ha/local.mk: filled in by the ha/ daemon.
