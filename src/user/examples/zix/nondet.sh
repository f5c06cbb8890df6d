#!/bin/sh
# Zix's nondeterministic builder: $1 is $out.
mkdir $1
cd $1
date -m > monotonic
