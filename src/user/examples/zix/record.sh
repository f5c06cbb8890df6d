#!/bin/sh
# The diamond's and the chain's builder: $out/record holds the words given after $out
# (a name and the store paths of its inputs, which become its references).
mkdir $1
cd $1
write record $2 $3 $4 $5 $6
