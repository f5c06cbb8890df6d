#!/bin/sh
# Zix's failing builder: makes nothing, exits 1 (zix build then exits 100).
exit 1
