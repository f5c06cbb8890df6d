#!/bin/sh
# Zix's slow builder: $1 is $out/done, written after the wait.
sleep 10
write $1 slept 10 s
