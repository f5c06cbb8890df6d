#!/bin/sh
# Zix's nondeterministic builder: $1 is $out.
cd $1
date -m > monotonic
