#!/bin/sh
# Zix's clock builder: $1 is $out/realtime, $2 $out/random.
date > $1
randbytes 16 > $2
