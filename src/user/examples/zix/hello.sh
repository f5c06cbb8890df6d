#!/bin/sh
# Zix's hello builder. $1 is $out/bin, $2 $out/bin/hello, $3 $out/hello.txt ($out is a
# directory the kernel made). sh gives $1..$9 only as whole words, so the recipe hands
# over every path whole (and the script never needs cd, which reads /etc/passwd).
mkdir $1
write $3 Hello from the Zix store!
write $2 #!/bin/sh
write -a $2 cat $3
chmod 755 $2
