#!/bin/sh
# The diamond's and the chain's builder. $1 is $out/record ($out is a directory the
# kernel made); it holds the words after $1 (a name and the store paths of its inputs)
# and this script's store path ($0): all become references, so a root on the output
# keeps what rebuilding it needs.
write $1 $2 $3 $4 $5 $6
write -a $1 built by $0
