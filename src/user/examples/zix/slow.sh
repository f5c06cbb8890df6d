#!/bin/sh
# Zix's slow builder: $1 is $out; $out/done is written after the wait.
sleep 10
cd $1
write done slept 10 s
