#!/bin/sh
# Zix's clock builder: $1 is $out.
cd $1
date > realtime
random 16 > random
