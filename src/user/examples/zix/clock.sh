#!/bin/sh
# Zix's clock builder: $1 is $out.
mkdir $1
cd $1
date > realtime
random 16 > random
