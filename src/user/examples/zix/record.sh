#!/bin/sh
# The diamond's and the chain's builder: $out/record holds the words given after $out
# (a name and the store paths of its inputs) and this script's store path ($0): all
# become references, so a root on the output keeps what rebuilding it needs.
mkdir $1
cd $1
write record $2 $3 $4 $5 $6
write -a record built by $0
