# wpad/local.mk: filled in by the wpad/ daemon.
