#!/bin/sh
# The diamond's and the chain's builder. $1 is $out (a directory the kernel made);
# $out/record holds the words after it (a name and the store paths of its inputs) and
# this script's store path ($0): all become references, so a root on the output keeps
# what rebuilding it needs.
cd $1
write record $2 $3 $4 $5 $6
write -a record built by $0
