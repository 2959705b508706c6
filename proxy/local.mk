# proxy/local.mk: filled in by the proxy/ daemon.
