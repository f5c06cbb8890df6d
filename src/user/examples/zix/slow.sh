#!/bin/sh
# Zix's slow builder: $1 is $out, made only after the wait.
sleep 10
cd $1
write done slept 10 s
