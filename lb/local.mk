# lb/local.mk: filled in by the lb/ daemon.
