#!/bin/sh
# Regenerate the build system from configure.ac and Makefile.am.
mkdir -p m4 etc/build-aux
exec autoreconf -fi
