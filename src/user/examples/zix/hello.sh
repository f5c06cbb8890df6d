#!/bin/sh
# Zix's hello builder: $1 is $out (a directory the kernel made), $2 the greeting's file in it.
cd $1
mkdir bin
write $2 Hello from the Zix store!
write bin/hello #!/bin/sh
write -a bin/hello cat $2
chmod 755 bin/hello
